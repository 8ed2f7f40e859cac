"""A FAKE Keystone v3 token endpoint, for the Swift driver's Keystone auth.

No Keystone runs on these machines, so this fakes ONE thing: ``POST
/v3/auth/tokens`` (password method, project scope). It checks the user,
password, project and their domains like Keystone would (401 otherwise),
and answers 201 with ``X-Subject-Token`` and a v3 token body (built with
keystoneauth1's own token fixture) whose catalog lists the REAL test
Swift's storage URL as the public ``object-store`` endpoint. The token it
hands out is a REAL tempauth token of that Swift (``issue_token()``), so
every storage request after authentication goes to the real Swift and is
checked by it: an expired token handed out here is refused by Swift with a
401, exactly as Swift behind keystonemiddleware refuses an expired Keystone
token.

What this does not prove: Swift's keystonemiddleware integration, Keystone
catalogs with several regions or interfaces, token validation by Swift
against Keystone.
"""
import json

from tests.helpers import loopback_http


class FakeKeystone(loopback_http.LoopbackServer):
    """``with FakeKeystone(...) as keystone:`` serves on ``keystone.url``.

    ``issue_token()`` returns the token to hand out for each successful
    authentication; ``requests`` lists the parsed bodies received.
    """

    def __init__(self, storage_url, issue_token, user, password, project,
                 user_domain='Default', project_domain='Default'):
        self.storage_url = storage_url
        self.issue_token = issue_token
        self.expected = {'user': user, 'password': password,
                         'user_domain': user_domain, 'project': project,
                         'project_domain': project_domain}
        self.requests = []
        self.issued = []
        super().__init__()

    @property
    def url(self):
        """The auth URL a client is configured with (Keystone's ``/v3``)."""
        return 'http://127.0.0.1:%d/v3' % self.port

    def handler_class(self):
        keystone = self

        class Handler(loopback_http.QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                if self.path.rstrip('/') != '/v3/auth/tokens':
                    return self._answer(404, {'error': {'code': 404}})
                status, headers, answer = keystone._authenticate(
                    json.loads(body))
                self._answer(status, answer, headers)

            def _answer(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _authenticate(self, body):
        self.requests.append(body)
        auth = body.get('auth', {})
        identity = auth.get('identity', {})
        user = identity.get('password', {}).get('user', {})
        project = auth.get('scope', {}).get('project', {})
        got = {'user': user.get('name'), 'password': user.get('password'),
               'user_domain': user.get('domain', {}).get('name'),
               'project': project.get('name'),
               'project_domain': project.get('domain', {}).get('name')}
        if identity.get('methods') != ['password'] or got != self.expected:
            return 401, [], {'error': {
                'code': 401, 'title': 'Unauthorized',
                'message': 'The request you have made requires '
                           'authentication.'}}
        # imported here: it pulls in testtools, 0.4 s of every test
        # worker's collection
        from keystoneauth1 import fixture as ksa_fixture
        token = ksa_fixture.V3Token(
            user_name=got['user'], user_domain_name=got['user_domain'],
            project_name=got['project'],
            project_domain_name=got['project_domain'])
        token.add_role(name='member')
        token.add_service('object-store', name='swift').add_standard_endpoints(
            public=self.storage_url, region='RegionOne')
        issued = self.issue_token()
        self.issued.append(issued)
        return 201, [('X-Subject-Token', issued)], token
