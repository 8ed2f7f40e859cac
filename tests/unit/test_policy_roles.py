"""Cinder's default roles in the policy, and admin decided by the policy's
``context_is_admin`` alone: the context the auth middleware builds (which
every handler, visibility and all_tenants read) follows an operator's
override; system-scoped tokens are refused saying why."""
import pytest
import webob
import webob.dec

from backupd.api.middleware import auth
from backupd.api.middleware import faults
from backupd.api import wsgi
from backupd.conf import CONF
from backupd import exception
from backupd import policies
from backupd.policies import backups as backup_rules


@webob.dec.wsgify
def _echo_context(req):
    ctx = req.environ[wsgi.CONTEXT_KEY]
    return webob.Response(json={'is_admin': ctx.is_admin,
                                'roles': sorted(ctx.roles)})


@pytest.fixture
def conf(tmp_path):
    CONF([], project='backupd', default_config_files=[])
    policies.reset()
    # The enforcer registers [oslo_policy]; a test that sets policy_file
    # may be the first of its worker to need one.
    policies.get_enforcer(CONF)
    yield CONF
    CONF.clear_override('policy_file', group='oslo_policy')
    policies.reset()


def _noauth(headers):
    req = webob.Request.blank('/v3/demo/volumes', headers=headers)
    return req.get_response(auth.NoAuth(_echo_context, CONF)).json


def _keystone(headers):
    req = webob.Request.blank('/v3/demo/volumes', headers=dict(
        {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u'}, **headers))
    return req.get_response(
        faults.FaultWrapper(auth.KeystoneContext(_echo_context)))


def test_noauth_roles_and_admin_by_default(conf):
    assert _noauth({'X-Auth-Token': 'alice:demo'}) == {
        'is_admin': False, 'roles': ['member', 'reader']}
    assert _noauth({'X-Auth-Token': 'alice:demo', 'X-Roles': 'reader'}) == {
        'is_admin': False, 'roles': ['reader']}
    assert _noauth({'X-Auth-Token': 'bob:demo', 'X-Roles': 'admin'}
                   )['is_admin'] is True
    assert _noauth({'X-Auth-Token': 'admin:demo'})['is_admin'] is True


def test_context_is_admin_override_decides_who_is_admin(conf, tmp_path):
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"context_is_admin": "role:superuser"\n')
    CONF.set_override('policy_file', str(policy_file), group='oslo_policy')
    policies.reset()
    headers = {'X-Project-Id': 'demo'}
    assert _keystone(dict(headers, **{'X-Roles': 'admin,member,reader'})
                     ).json['is_admin'] is False
    assert _keystone(dict(headers, **{'X-Roles': 'superuser'})
                     ).json['is_admin'] is True


def _ctx(roles, project='demo'):
    from backupd import context
    ctx = context.RequestContext(user_id='u', project_id=project,
                                 roles=roles, overwrite=False)
    ctx.is_admin = policies.check_is_admin(ctx)
    return ctx


@pytest.mark.parametrize('roles, rule, allowed', [
    (['reader'], backup_rules.GET, True),
    (['reader'], backup_rules.CREATE, False),
    (['reader'], backup_rules.DELETE, False),
    (['member', 'reader'], backup_rules.CREATE, True),
    (['member', 'reader'], backup_rules.FORCE_DELETE, False),
    (['admin', 'member', 'reader'], backup_rules.FORCE_DELETE, True),
    ([], backup_rules.GET, False),   # a role is needed, not only a project
])
def test_default_roles(conf, roles, rule, allowed):
    ctx = _ctx(roles)
    target = {'project_id': 'demo', 'user_id': 'u'}
    if allowed:
        policies.authorize(ctx, rule, target)
    else:
        with pytest.raises(exception.Forbidden):
            policies.authorize(ctx, rule, target)


def test_member_of_another_project_gets_nothing(conf):
    with pytest.raises(exception.Forbidden):
        policies.authorize(_ctx(['member', 'reader'], project='other'),
                           backup_rules.GET, {'project_id': 'demo'})


def test_system_scoped_token_is_refused_saying_why(conf):
    resp = _keystone({'OpenStack-System-Scope': 'all', 'X-Roles': 'admin'})
    assert resp.status_int == 403
    assert 'System-scoped tokens are not supported' in \
        resp.json['forbidden']['message']
    unscoped = _keystone({'X-Roles': ''})
    assert unscoped.status_int == 403
    assert 'not scoped to a project' in unscoped.json['forbidden']['message']
