"""The persona matrix with real Keystone tokens: every route and action of
the router (tests/helpers/authz_table.py, the one table of expectations) as
an admin, a project member (owner), a member of another project and a user
with only the reader role in the owner's project, through
keystonemiddleware's auth_token and the policy's default roles.

test_authz_matrix.py runs the same table under noauth and also checks that
a refused request changes nothing; here the question is whether Keystone's
roles (and its implied roles: admin > member > reader) reach the same
answers.
"""
import pytest
import requests
import sqlalchemy

from tests.helpers import authz_table
from tests.helpers.authz_world import message_recorder
from tests.helpers.authz_world import refusals_first
from tests.helpers.authz_world import send_case
from tests.helpers.authz_world import World

pytestmark = pytest.mark.xdist_group('keystone')  # one Keystone per worker
# Every persona's successful create makes new resources: no quota gets in
# the way (quotas have cases of their own in the table).
BACKUPD_CONF = {'DEFAULT': {'quota_volumes': -1, 'quota_snapshots': -1,
                            'quota_backups': -1, 'quota_gigabytes': -1,
                            'quota_backup_gigabytes': -1}}


class KeystoneClient:
    """authz_world's client interface, each persona with its own token."""

    def __init__(self, dep):
        self.dep = dep
        self.session = requests.Session()

    def project_of(self, persona):
        return self.dep.persona_project(persona)

    def request(self, persona, method, path, json=None, microversion=None):
        headers = {'X-Auth-Token': self.dep.keystone.token(persona)}
        if microversion:
            headers['OpenStack-API-Version'] = 'volume %s' % microversion
        return self.session.request(
            method, self.dep.url(path, self.project_of(persona)),
            json=json, headers=headers, timeout=60)


@pytest.fixture(scope='module')
def client(keystone_backupd):
    return KeystoneClient(keystone_backupd)


@pytest.fixture(scope='module')
def world(client, keystone_backupd):
    # backupd's default database (backupd/conf/opts.py): the deployment
    # names none
    engine = sqlalchemy.create_engine(
        'sqlite:///%s/backupd.sqlite' % keystone_backupd.state_path)
    yield World(client, record_message=message_recorder(engine))
    engine.dispose()


@pytest.mark.parametrize('case', authz_table.CASES, ids=lambda c: c.name)
def test_route_as_each_persona_with_keystone_tokens(client, world, case):
    for persona in refusals_first(case, authz_table.PERSONAS):
        send_case(client, world, case, persona)
