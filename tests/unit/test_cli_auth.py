"""backupd CLI: which auth plugin the options and OS_* variables build,
the Keystone catalog lookup, microversion negotiation and the headers on
the wire.

No Keystone runs on these machines, and the real server advertises only
microversion 3.0, so a small in-process HTTP server stands in for both:
a Keystone answering POST /v3/auth/tokens with a catalog (keystoneauth's
own token fixtures) and a block-storage endpoint serving a version
document with a chosen maximum and recording request headers.
"""
import http.server
import json
import os
import subprocess
import sys
import threading

from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import generic
from keystoneauth1.identity.v3 import application_credential
import pytest

from backupd.client import auth
from backupd.client import http as client_http
from backupd.client import shell
from tests.fixtures import services

BACKUPD = os.path.join(os.path.dirname(sys.executable), 'backupd')


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith('OS_'):
            monkeypatch.delenv(name)


def parse(argv):
    return shell.build_parser(argv).parse_args(argv)


def test_password_options_build_a_keystone_password_plugin():
    args = parse(['--os-auth-url', 'http://keystone:5000/v3',
                  '--os-username', 'alice', '--os-password', 'secret',
                  '--os-project-name', 'proj',
                  '--os-user-domain-name', 'Default',
                  '--os-project-domain-id', 'default',
                  '--os-region-name', 'R1', '--os-interface', 'internal',
                  'backup-list'])
    plugin = auth.load_auth(args)
    assert isinstance(plugin, generic.Password)
    assert plugin.auth_url == 'http://keystone:5000/v3'
    assert (plugin._username, plugin._password) == ('alice', 'secret')
    assert plugin._project_name == 'proj'
    assert plugin._user_domain_name == 'Default'
    assert plugin._project_domain_id == 'default'
    assert (args.os_region_name, args.os_interface) == ('R1', 'internal')
    assert args.os_service_type == 'block-storage'


def test_password_from_os_environment(monkeypatch):
    for name, value in (('OS_AUTH_URL', 'http://ks/v3'),
                        ('OS_USERNAME', 'bob'), ('OS_PASSWORD', 'pw'),
                        ('OS_PROJECT_ID', 'p-1'),
                        ('OS_USER_DOMAIN_ID', 'default')):
        monkeypatch.setenv(name, value)
    plugin = auth.load_auth(parse(['list']))
    assert isinstance(plugin, generic.Password)
    assert (plugin.auth_url, plugin._username, plugin._password,
            plugin._project_id) == ('http://ks/v3', 'bob', 'pw', 'p-1')


def test_application_credentials_from_options_and_environment(monkeypatch):
    plugin = auth.load_auth(parse([
        '--os-auth-type', 'v3applicationcredential',
        '--os-auth-url', 'http://ks/v3',
        '--os-application-credential-id', 'cred-1',
        '--os-application-credential-secret', 's3cret', 'list']))
    assert isinstance(plugin, application_credential.ApplicationCredential)
    (method,) = plugin.auth_methods
    assert (method.application_credential_id,
            method.application_credential_secret) == ('cred-1', 's3cret')

    monkeypatch.setenv('OS_AUTH_TYPE', 'v3applicationcredential')
    monkeypatch.setenv('OS_AUTH_URL', 'http://ks/v3')
    monkeypatch.setenv('OS_APPLICATION_CREDENTIAL_ID', 'cred-2')
    monkeypatch.setenv('OS_APPLICATION_CREDENTIAL_SECRET', 'x')
    (method,) = auth.load_auth(parse(['list'])).auth_methods
    assert method.application_credential_id == 'cred-2'


def test_noauth_plugin_headers_and_endpoint(monkeypatch):
    plugin = auth.load_auth(parse([
        '--os-auth-type', 'noauth', '--os-user-id', 'alice',
        '--os-project-id', 'proj', '--os-endpoint',
        'http://h:8776/v3/proj', 'list']))
    assert plugin.get_headers(None) == {
        'X-Auth-Token': 'alice:proj', 'X-User-Id': 'alice',
        'X-Project-Id': 'proj'}
    assert plugin.get_endpoint(None) == 'http://h:8776/v3/proj'
    # the project defaults to the user; a bare endpoint gets /v3/<project>
    monkeypatch.setenv('OS_AUTH_TYPE', 'noauth')
    monkeypatch.setenv('OS_USER_ID', 'bob')
    monkeypatch.setenv('OS_ENDPOINT', 'http://h:8776/')
    plugin = auth.load_auth(parse(['list']))
    assert plugin.get_headers(None)['X-Auth-Token'] == 'bob:bob'
    assert plugin.get_endpoint(None) == 'http://h:8776/v3/bob'


def test_missing_and_unknown_auth_settings_are_one_line_errors(capsys):
    assert shell.main(['--os-auth-type', 'noauth', 'list']) == 1
    err = capsys.readouterr().err
    assert err.strip() == ('ERROR: The noauth auth type needs --os-user-id '
                           '(env OS_USER_ID), --os-endpoint (env '
                           'OS_ENDPOINT).')
    assert shell.main(['--os-auth-type', 'kerberos-ish', 'list']) == 1
    assert "Unknown auth type 'kerberos-ish'" in capsys.readouterr().err
    assert shell.main(['list']) == 1
    assert capsys.readouterr().err.strip() == (
        'ERROR: The password auth type needs --os-auth-url (env '
        'OS_AUTH_URL).')
    # keystoneauth checks the rest when it authenticates, before any
    # request leaves
    assert shell.main(['--os-auth-url', 'http://127.0.0.1:1/v3',
                       '--os-username', 'u', 'list']) == 1
    assert capsys.readouterr().err.strip() == (
        'ERROR: Cannot authenticate with the password auth type: password '
        'is a required attribute')


def test_unreachable_keystone_is_an_error_not_a_traceback():
    port = services.free_port()  # nothing listens there
    proc = subprocess.run(
        [BACKUPD, '--os-auth-url', 'http://127.0.0.1:%d/v3' % port,
         '--os-username', 'u', '--os-password', 'p', '--os-project-name',
         'p', '--os-user-domain-id', 'default', '--os-project-domain-id',
         'default', 'backup-list'],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items()
             if not k.startswith('OS_')})
    assert proc.returncode == 1
    assert proc.stderr.startswith('ERROR: ') and 'Traceback' not in \
        proc.stderr
    assert '127.0.0.1:%d' % port in proc.stderr


def test_every_command_and_option_has_help():
    parser = shell.build_parser(['list'])
    subcommands = parser.subparsers.choices
    assert {'create', 'list', 'show', 'delete', 'force-delete',
            'reset-state', 'extend', 'snapshot-create', 'snapshot-list',
            'snapshot-show', 'snapshot-delete', 'backup-create',
            'backup-list', 'backup-show', 'backup-delete',
            'backup-force-delete', 'backup-reset-state', 'backup-restore',
            'backup-export', 'backup-import', 'service-list'} <= \
        set(subcommands)
    for name, sub in [('backupd', parser)] + list(subcommands.items()):
        assert sub.description or name == 'backupd', name
        for action in sub._actions:
            if action.dest in ('help', 'command'):
                continue
            assert action.help and action.help.strip(), (name, action.dest)


def test_client_imports_no_server_code():
    code = ('import sys, backupd.client.shell; print(sorted(m for m in '
            'sys.modules if m.startswith(("backupd.api", "backupd.db", '
            '"backupd.manager", "backupd.drivers", "oslo_", "eventlet"))))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == '[]'


# --- against a stand-in Keystone and version document ----------------------

class StandIn(http.server.BaseHTTPRequestHandler):
    """Keystone at /identity/v3, block storage at /volume/v3/<project>."""
    max_version = '3.0'
    seen = []
    catalog_type = 'block-storage'

    def log_message(self, *args):
        pass

    def _json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _base(self):
        return 'http://127.0.0.1:%d' % self.server.server_port

    def do_GET(self):
        type(self).seen.append((self.path, dict(self.headers)))
        if self.path.rstrip('/') == '/identity/v3':
            self._json(200, ks_fixture.V3Discovery(
                self._base() + '/identity/v3'))
        elif self.path.rstrip('/') == '/volume/v3':
            self._json(200, {'versions': [{
                'id': 'v3.0', 'status': 'CURRENT', 'links': [],
                'min_version': '3.0', 'version': type(self).max_version}]})
        elif self.path.startswith('/volume/v3/proj/backups/detail'):
            self._json(200, {'backups': []})
        else:
            self._json(404, {'itemNotFound': {'message': 'no %s' % self.path,
                                              'code': 404}})

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        self.rfile.read(length)
        token = ks_fixture.V3Token(user_id='alice', project_id='proj')
        service = token.add_service(type(self).catalog_type)
        service.add_standard_endpoints(
            public=self._base() + '/volume/v3/proj', region='R1')
        self._json(201, token, headers=[('X-Subject-Token', 'tok-1')])


@pytest.fixture
def stand_in():
    StandIn.seen = []
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_port
    server.shutdown()
    server.server_close()


def keystone_argv(base, *extra):
    return ['--os-auth-url', base + '/identity/v3', '--os-username', 'alice',
            '--os-password', 'pw', '--os-project-id', 'proj',
            '--os-user-domain-id', 'default'] + list(extra)


def backup_list_headers():
    (headers,) = [h for path, h in StandIn.seen
                  if path.startswith('/volume/v3/proj/backups')]
    return headers


@pytest.mark.parametrize('catalog_type', ['block-storage', 'volumev3'])
def test_keystone_token_and_endpoint_from_the_catalog(stand_in, capsys,
                                                      catalog_type,
                                                      monkeypatch):
    monkeypatch.setattr(StandIn, 'catalog_type', catalog_type)
    monkeypatch.setattr(StandIn, 'max_version', '3.60')
    assert shell.main(keystone_argv(stand_in, 'backup-list', '-f',
                                    'json')) == 0
    assert json.loads(capsys.readouterr().out) == []
    headers = backup_list_headers()
    assert headers['X-Auth-Token'] == 'tok-1'
    assert headers['OpenStack-API-Version'] == 'volume 3.60'


@pytest.mark.parametrize('server_max, asked, sent', [
    ('3.0', None, 'volume 3.0'),
    ('3.60', None, 'volume 3.60'),
    ('3.90', None, 'volume 3.71'),  # the client's maximum
    ('3.60', '3.43', 'volume 3.43'),
])
def test_microversion_negotiation(stand_in, capsys, monkeypatch, server_max,
                                  asked, sent):
    monkeypatch.setattr(StandIn, 'max_version', server_max)
    argv = ['--os-auth-type', 'noauth', '--os-user-id', 'alice',
            '--os-project-id', 'proj', '--os-endpoint',
            stand_in + '/volume/v3/proj']
    if asked:
        argv += ['--os-volume-api-version', asked]
    assert shell.main(argv + ['backup-list']) == 0
    headers = backup_list_headers()
    assert headers['OpenStack-API-Version'] == sent
    assert (headers['X-Auth-Token'], headers['X-User-Id'],
            headers['X-Project-Id']) == ('alice:proj', 'alice', 'proj')


def test_a_microversion_the_server_lacks_is_refused(stand_in, capsys,
                                                    monkeypatch):
    monkeypatch.setattr(StandIn, 'max_version', '3.40')
    assert shell.main(['--os-auth-type', 'noauth', '--os-user-id', 'alice',
                       '--os-endpoint', stand_in + '/volume/v3/proj',
                       '--os-volume-api-version', '3.50',
                       'backup-list']) == 1
    assert capsys.readouterr().err.strip() == (
        'ERROR: The server supports API microversions 3.0 to 3.40; 3.50 '
        'was asked for (--os-volume-api-version).')


def test_error_message_of_a_cinder_fault_body():
    class Resp:
        text = '{"badRequest": {"message": "Volume x is busy.", "code": 400}}'
        reason = 'Bad Request'

        def json(self):
            return json.loads(self.text)
    assert client_http.error_message(Resp()) == 'Volume x is busy.'
