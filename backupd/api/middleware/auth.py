"""Who is calling: builds the RequestContext for the rest of the pipeline.

``noauth`` trusts headers exactly as cinderclient and openstacksdk send them
without Keystone (doc/contributor/api-compat.rst); ``keystone`` reads the
headers keystonemiddleware's auth_token has validated and set.
"""
from oslo_config import cfg
import webob.dec

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


def _roles(req):
    return [r.strip() for r in req.headers.get('X-Roles', '').split(',')
            if r.strip()]


def _context(req, user_id, project_id, roles, auth_token=None):
    ctx = backupd_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=roles,
        is_admin=False, auth_token=auth_token,
        request_id=req.environ.get('openstack.request_id'), overwrite=False)
    # Admin is what the policy's context_is_admin says, never a role name.
    ctx.is_admin = policies.check_is_admin(ctx)
    req.environ[wsgi.CONTEXT_KEY] = ctx
    return ctx


class NoAuth:
    """Identity from X-User-Id/X-Project-Id or a "user:project" token."""

    def __init__(self, application, conf=None):
        self.application = application
        self.conf = conf or cfg.CONF

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get('X-Auth-Token')
        user_id = req.headers.get('X-User-Id')
        project_id = req.headers.get('X-Project-Id')
        if token is None and user_id is None:
            raise exception.NotAuthenticated(
                reason='send X-Auth-Token ("user:project" with noauth) or '
                       'X-User-Id and X-Project-Id.')
        token_user, sep, token_project = (token or '').partition(':')
        user_id = user_id or token_user or None
        project_id = project_id or (token_project if sep else None) or None
        roles = _roles(req) or list(NOAUTH_DEFAULT_ROLES)
        if user_id in self.conf.noauth_admin_users and 'admin' not in roles:
            roles.append('admin')
        _context(req, user_id, project_id, roles, auth_token=token)
        req.environ[URL_PROJECT_FILLS_IN] = project_id is None
        return req.get_response(self.application)


def _require_project_scope(req):
    """backupd's resources belong to projects: other scopes are refused."""
    if req.headers.get('X-Project-Id'):
        return
    if req.headers.get('OpenStack-System-Scope'):  # set by auth_token
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

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            raise exception.NotAuthenticated(reason='invalid or no token.')
        _require_project_scope(req)
        _context(req, req.headers.get('X-User-Id'),
                 req.headers.get('X-Project-Id'), _roles(req),
                 auth_token=req.headers.get('X-Auth-Token'))
        req.environ[URL_PROJECT_FILLS_IN] = False
        return req.get_response(self.application)


def noauth_filter_factory(global_conf, **local_conf):
    return NoAuth


def keystone_context_filter_factory(global_conf, **local_conf):
    return KeystoneContext
