"""Authentication for the backupd CLI: keystoneauth plugins and noauth.

Keystone plugins (``password``, ``v3applicationcredential``, ``token`` …)
come from keystoneauth's plugin registry with their standard ``--os-*``
options and ``OS_*`` variables. ``noauth`` is ours (python-cinderclient
is not a runtime dependency): it sends what cinderclient's noauth plugin
sends, ``X-Auth-Token: user:project`` plus ``X-User-Id`` and
``X-Project-Id``, to the endpoint given with ``--os-endpoint``.
"""
import argparse
import os
import urllib.parse

from keystoneauth1 import loading
from keystoneauth1 import plugin

NOAUTH = 'noauth'
DEFAULT_AUTH_TYPE = 'password'
# Service types of the block-storage endpoint, in the order the catalog is
# searched when --os-service-type is not given.
SERVICE_TYPES = ('block-storage', 'volumev3')


class NoAuthPlugin(plugin.BaseAuthPlugin):
    """Identity in headers, as backupd's ``auth_strategy = noauth`` reads
    them; the project defaults to the user, as in cinderclient."""

    def __init__(self, user_id, project_id=None, endpoint=None):
        super().__init__()
        self.user_id = user_id
        self.project_id = project_id or user_id
        self.endpoint = endpoint_with_version(endpoint, self.project_id)

    def get_headers(self, session, **kwargs):
        return {'X-Auth-Token': '%s:%s' % (self.user_id, self.project_id),
                'X-User-Id': self.user_id,
                'X-Project-Id': self.project_id}

    def get_user_id(self, session, **kwargs):
        return self.user_id

    def get_project_id(self, session, **kwargs):
        return self.project_id

    def get_endpoint(self, session, **kwargs):
        return self.endpoint

    def invalidate(self):
        return False


class NoAuthLoader(loading.BaseLoader):
    plugin_class = NoAuthPlugin

    def get_options(self):
        return super().get_options() + [
            loading.Opt('user-id', required=True, metavar='<user id>',
                        help='User id sent as X-User-Id and in the '
                             '"user:project" token. With the default '
                             'server settings the user "admin" is an '
                             'administrator. Defaults to env[OS_USER_ID].'),
            loading.Opt('project-id', metavar='<project id>',
                        help='Project id sent as X-Project-Id (default: the '
                             'user id). Defaults to env[OS_PROJECT_ID].'),
            loading.Opt('endpoint', required=True, metavar='<url>',
                        help='The block-storage API, e.g. '
                             'http://127.0.0.1:8776/v3/<project id>; '
                             'without a /v3 path, /v3/<project id> is '
                             'added. Defaults to env[OS_ENDPOINT].'),
        ]


def endpoint_with_version(endpoint, project_id):
    """``endpoint`` as given when its path names an API version, else
    ``<endpoint>/v3/<project_id>``."""
    if not endpoint:
        return endpoint
    path = urllib.parse.urlsplit(endpoint).path
    if any(is_version_segment(s) for s in path.split('/')):
        return endpoint.rstrip('/')
    return '%s/v3/%s' % (endpoint.rstrip('/'), project_id)


def is_version_segment(segment):
    return (len(segment) >= 2 and segment[0] == 'v'
            and segment[1:].replace('.', '', 1).isdigit())


def loader_for(name):
    """The keystoneauth loader of an auth type (noauth is ours)."""
    if name == NOAUTH:
        return NoAuthLoader()
    return loading.get_plugin_loader(name)


def requested_auth_type(argv, environ=None):
    """The auth type named by --os-auth-type in argv, else OS_AUTH_TYPE,
    else ``password``."""
    environ = os.environ if environ is None else environ
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument('--os-auth-type', '--os-auth-plugin',
                     default=environ.get('OS_AUTH_TYPE') or
                     environ.get('OS_AUTH_PLUGIN') or DEFAULT_AUTH_TYPE)
    known, _ = pre.parse_known_args(argv)
    return known.os_auth_type


def register_arguments(parser, argv, environ=None):
    """Add --os-auth-type and the chosen plugin's options (from its
    keystoneauth loader), the session options (TLS, --timeout) and the
    service options (--os-service-type, --os-interface,
    --os-region-name, --os-endpoint-override).

    Returns the loader, or None when the auth type is unknown (the error
    is reported after parsing, so --help still works).
    """
    auth_type = requested_auth_type(argv, environ)
    parser.add_argument(
        '--os-auth-type', '--os-auth-plugin', metavar='<name>',
        default=auth_type,
        help='Authentication type: password (default), '
             'v3applicationcredential, token, … (keystoneauth plugins) or '
             'noauth (a backupd with auth_strategy = noauth). The options '
             'of the chosen type are listed under "Authentication Options". '
             'Defaults to env[OS_AUTH_TYPE].')
    try:
        loader = loader_for(auth_type)
    except Exception:  # NoMatchingPlugin: reported by load_auth
        loader = None
    if loader is not None:
        group = parser.add_argument_group(
            'Authentication Options',
            'Options of the %s auth type.' % auth_type)
        for opt in loader.get_options():
            group.add_argument(*_flags(opt),
                               default=opt.argparse_default,
                               metavar=opt.metavar, help=opt.help,
                               dest='os_%s' % opt.dest)
    loading.register_session_argparse_arguments(parser)
    loading.register_adapter_argparse_arguments(parser,
                                                service_type=SERVICE_TYPES[0])
    return loader


def _flags(opt):
    """keystoneauth's flags of an option plus their all-dashes spelling
    (its application credential options are --os-application_credential_id;
    users type --os-application-credential-id, as with openstackclient)."""
    flags = list(opt.argparse_args)
    for flag in opt.argparse_args:
        dashed = flag.replace('_', '-')
        if dashed not in flags:
            flags.insert(0, dashed)
    return flags


def load_auth(args):
    """The auth plugin the parsed arguments describe.

    Raises keystoneauth's NoMatchingPlugin / MissingRequiredOptions.
    """
    loader = loader_for(args.os_auth_type)
    return loader.load_from_options_getter(
        lambda opt: getattr(args, 'os_%s' % opt.dest, None))


def load_session(args, auth):
    return loading.load_session_from_argparse_arguments(
        args, auth=auth, user_agent='backupd-client')


def endpoint_of(session, auth, args):
    """The API endpoint: --os-endpoint-override, the noauth endpoint, or
    the catalog's block-storage (then volumev3) endpoint."""
    if args.os_endpoint_override:
        return args.os_endpoint_override.rstrip('/')
    if isinstance(auth, NoAuthPlugin):
        return auth.endpoint
    service_types = ((args.os_service_type,)
                     if args.os_service_type not in SERVICE_TYPES
                     else SERVICE_TYPES)
    for service_type in service_types:
        url = session.get_endpoint(
            auth, service_type=service_type,
            service_name=args.os_service_name,
            interface=args.os_interface, region_name=args.os_region_name)
        if url:
            return url.rstrip('/')
    from keystoneauth1 import exceptions
    raise exceptions.EndpointNotFound(
        'No %s endpoint (interface %s%s) in the service catalog; pass '
        '--os-endpoint-override.' % (
            ' or '.join(service_types), args.os_interface,
            ', region %s' % args.os_region_name
            if args.os_region_name else ''))
