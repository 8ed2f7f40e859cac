"""The real openstack CLI on quotas behind a real Keystone: ``openstack
quota set <project>`` and ``openstack quota show <project>`` look the
project up in Keystone, which the noauth tests (test_cinder_cli_quotas.py)
cannot do. The Keystone admin sets and shows a member project's
block-storage quotas; the values are checked in the CLI output and through
the API; the member is refused."""
import json

import pytest

from tests.fixtures import services
from tests.helpers import backup_support as bs

pytestmark = pytest.mark.xdist_group('keystone')  # one Keystone per worker

# Cinder's defaults rather than the test deployments' "no quota" (-1), so
# that the defaults shown are the configured ones.
BACKUPD_CONF = services.QUOTA_DEFAULTS


@pytest.fixture(scope='module')
def dep(keystone_backupd):
    return keystone_backupd


def _rows(dep, *args, persona='admin'):
    """``openstack quota show --volume … -f json``: its rows by resource."""
    rows = json.loads(dep.openstack('quota', 'show', '--volume', *args,
                                    '-f', 'json', persona=persona).stdout)
    return {row['Resource']: row for row in rows}


def _shown(dep, *args, persona='admin'):
    """``openstack quota show --volume …`` as {resource: limit}."""
    return {resource: row['Limit'] for resource, row in
            _rows(dep, *args, persona=persona).items()}


def _api_quota_set(dep, project_id, suffix=''):
    resp = dep.request('GET', '/os-quota-sets/%s%s' % (project_id, suffix),
                       admin=True)
    assert resp.status_code == 200, resp.text
    return resp.json()['quota_set']


def test_admin_sets_and_shows_a_member_projects_quotas(dep):
    member_project = dep.persona_project('owner')
    assert _shown(dep, 'demo')['backups'] == 10   # the configured default
    try:
        # the project by name: the CLI finds its id in Keystone
        dep.openstack('quota', 'set', '--backups', '7', '--volumes', '5',
                      'demo', persona='admin')
        shown = _shown(dep, 'demo')
        assert (shown['backups'], shown['volumes']) == (7, 5), shown
        assert shown['snapshots'] == 10
        stored = _api_quota_set(dep, member_project)
        assert (stored['backups'], stored['volumes']) == (7, 5), stored
        assert sorted(bs.sql(
            dep, 'SELECT resource, hard_limit FROM quotas'
            ' WHERE project_id = :p', p=member_project)) == [
                ('backups', 7), ('volumes', 5)]
        # --usage: the limit with what the project uses
        volume = bs.create_volume(dep)
        usage = _rows(dep, '--usage', 'demo')['volumes']
        assert (usage['Limit'], usage['In Use']) == (5, 1), usage
        dep.request('DELETE', '/volumes/%s' % volume)
        # the member sees its own project's limits
        assert _shown(dep, member_project, persona='owner')['backups'] == 7
        # --default: the defaults, not the project's own values
        defaults = _shown(dep, '--default', 'demo')
        assert (defaults['backups'], defaults['volumes']) == (10, 10)
        assert _api_quota_set(dep, member_project, '/defaults')[
            'backups'] == 10
    finally:
        dep.request('DELETE', '/os-quota-sets/%s' % member_project,
                    admin=True)


def test_member_is_refused_quota_set(dep):
    member_project = dep.persona_project('owner')
    refused = dep.openstack('quota', 'set', '--backups', '1',
                            member_project, persona='owner', check=False)
    assert refused.returncode != 0
    # backupd's policy refuses it (the project lookup in Keystone passed)
    assert '403' in refused.stderr, refused.stderr
    assert 'volume_extension:quotas:update' in refused.stderr
    assert _api_quota_set(dep, member_project)['backups'] == 10
