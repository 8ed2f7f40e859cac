"""Who is calling: builds the RequestContext for the rest of the pipeline.

``noauth`` trusts headers exactly as cinderclient and openstacksdk send them
without Keystone (doc/contributor/api-compat.rst); ``keystone`` reads the
headers keystonemiddleware's auth_token has validated and set.
"""
from oslo_config import cfg

from backupd.api.middleware import request_id
from backupd.api import wsgi
from backupd import context as backupd_context
from backupd import exception
from backupd import policies

# The project from the URL fills in for identities that carry none; the
# router compares the two (a mismatch is a 400).
URL_PROJECT_FILLS_IN = 'backupd.project_from_url'
# noauth requests that name no X-Roles act as a project member (Keystone's
# bootstrap makes member imply reader), so cinderclient's noauth mode works.
NOAUTH_DEFAULT_ROLES = ('member', 'reader')


def _roles(environ):
    return [r.strip() for r in environ.get('HTTP_X_ROLES', '').split(',')
            if r.strip()]


def _context(environ, user_id, project_id, roles, auth_token=None):
    """The request's context, current for its green thread (what log lines
    name) until the next request of the connection (request_id.py)."""
    ctx = backupd_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=roles,
        is_admin=False, auth_token=auth_token,
        request_id=environ.get(request_id.ENV_REQUEST_ID),
        global_request_id=environ.get(request_id.ENV_GLOBAL_REQUEST_ID),
        overwrite=True)
    # Admin is what the policy's context_is_admin says, never a role name.
    ctx.is_admin = policies.check_is_admin(ctx)
    environ[wsgi.CONTEXT_KEY] = ctx
    return ctx


class NoAuth:
    """Identity from X-User-Id/X-Project-Id or a "user:project" token.
    Plain WSGI, as every filter before the router (one webob request per
    call, the router's)."""

    def __init__(self, application, conf=None):
        self.application = application
        self.conf = conf or cfg.CONF

    def __call__(self, environ, start_response):
        token = environ.get('HTTP_X_AUTH_TOKEN')
        user_id = environ.get('HTTP_X_USER_ID')
        project_id = environ.get('HTTP_X_PROJECT_ID')
        if token is None and user_id is None:
            raise exception.NotAuthenticated(
                reason='send X-Auth-Token ("user:project" with noauth) or '
                       'X-User-Id and X-Project-Id.')
        token_user, sep, token_project = (token or '').partition(':')
        user_id = user_id or token_user or None
        project_id = project_id or (token_project if sep else None) or None
        roles = _roles(environ) or list(NOAUTH_DEFAULT_ROLES)
        if user_id in self.conf.noauth_admin_users and 'admin' not in roles:
            roles.append('admin')
        _context(environ, user_id, project_id, roles, auth_token=token)
        environ[URL_PROJECT_FILLS_IN] = project_id is None
        return self.application(environ, start_response)


def _require_project_scope(environ):
    """backupd's resources belong to projects: other scopes are refused."""
    if environ.get('HTTP_X_PROJECT_ID'):
        return
    if environ.get('HTTP_OPENSTACK_SYSTEM_SCOPE'):  # set by auth_token
        raise exception.Forbidden(
            message='System-scoped tokens are not supported: backupd has no '
                    'system-wide resources and no system personas. Use a '
                    'token scoped to a project (--os-project-name); an '
                    'admin role on any project sees every project with '
                    'all_tenants.')
    raise exception.Forbidden(
        message='The token is not scoped to a project (domain-scoped or '
                'unscoped). Use a token scoped to a project '
                '(--os-project-name).')


class KeystoneContext:
    """Context from the headers keystonemiddleware auth_token validated."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get('HTTP_X_IDENTITY_STATUS',
                       'Confirmed') != 'Confirmed':
            raise exception.NotAuthenticated(reason='invalid or no token.')
        _require_project_scope(environ)
        _context(environ, environ.get('HTTP_X_USER_ID'),
                 environ.get('HTTP_X_PROJECT_ID'), _roles(environ),
                 auth_token=environ.get('HTTP_X_AUTH_TOKEN'))
        environ[URL_PROJECT_FILLS_IN] = False
        return self.application(environ, start_response)


def noauth_filter_factory(global_conf, **local_conf):
    return NoAuth


def keystone_context_filter_factory(global_conf, **local_conf):
    return KeystoneContext
