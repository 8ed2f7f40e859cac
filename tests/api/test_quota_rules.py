"""Quota API rules on the API in process (tests/fixtures/api_inprocess.py,
Cinder's default quotas): Cinder's bodies, who may do what, a 413
overLimit on every create the quotas cover, volume type lookups and zones.
What needs the services (a randomized run of creates and deletes, the
check and sync of backupd-manage, placement by backend) is in
tests/functional/test_quota_api.py."""
import uuid

import pytest

from tests.fixtures import api_inprocess
from tests.fixtures import services
from tests.helpers import backup_support as bs
from tests.helpers import quota_api


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    with api_inprocess.running(tmp_path_factory,
                               conf=services.QUOTA_DEFAULTS,
                               finish_creates=True) as api:
        yield api


@pytest.fixture
def project():
    return 'q%s' % uuid.uuid4().hex[:10]


def test_quota_set_bodies_and_who_may_change_them(dep, project):
    own = dep.request('GET', '/os-quota-sets/%s' % project, project=project)
    assert own.status_code == 200, own.text
    quota_set = own.json()['quota_set']
    assert set(quota_set) == (quota_api.BASE_KEYS
                              | quota_api.DEFAULT_TYPE_KEYS | {'id'})
    assert quota_set['id'] == project and quota_set['volumes'] == 10
    used = dep.request('GET', '/os-quota-sets/%s?usage=true' % project,
                       project=project).json()['quota_set']
    assert used['backups'] == {'limit': 10, 'in_use': 0, 'reserved': 0}
    # a member of another project reads nothing, and nobody but an admin
    # changes anything
    other = dep.request('GET', '/os-quota-sets/%s' % project)
    assert other.status_code == 403, other.text
    assert 'volume_extension:quotas:show' in other.text
    for method, body in (('PUT', {'quota_set': {'volumes': 99}}),
                         ('DELETE', None)):
        resp = dep.request(method, '/os-quota-sets/%s' % project,
                           project=project, json=body)
        assert resp.status_code == 403, resp.text
    changed = quota_api.set_limits(dep, project, volumes=3,
                                   backup_gigabytes='50')
    assert 'id' not in changed and changed['volumes'] == 3
    assert changed['backup_gigabytes'] == 50
    assert dep.request('GET', '/os-quota-sets/%s' % project,
                       project=project).json()['quota_set']['volumes'] == 3
    defaults = dep.request('GET', '/os-quota-sets/%s/defaults' % project,
                           project=project).json()['quota_set']
    assert defaults['volumes'] == 10 and defaults['id'] == project
    bad = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                      json={'quota_set': {'volumez': 1}})
    assert bad.status_code == 400 and 'volumez' in bad.text, bad.text
    bad = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                      json={'quota_set': {'volumes': -2}})
    assert bad.status_code == 400 and 'volumes' in bad.text, bad.text
    deleted = dep.request('DELETE', '/os-quota-sets/%s' % project,
                          admin=True)
    assert deleted.status_code == 200 and deleted.text == ''
    assert dep.request('GET', '/os-quota-sets/%s' % project,
                       project=project).json()['quota_set']['volumes'] == 10


def test_limit_below_usage_refused_only_without_skip_validation(dep,
                                                                project):
    bs.create_volume(dep, project=project)
    refused = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                          json={'quota_set': {'volumes': 0,
                                              'skip_validation': False}})
    assert refused.status_code == 400, refused.text
    assert 'below what project %s already uses (1)' % project in refused.text
    # "maybe" is no boolean: refused, not taken for "skip the check"
    unclear = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                          json={'quota_set': {'volumes': 0,
                                              'skip_validation': 'maybe'}})
    assert unclear.status_code == 400, unclear.text
    assert 'skip_validation' in unclear.text and 'maybe' in unclear.text
    assert dep.request('GET', '/os-quota-sets/%s' % project, project=project
                       ).json()['quota_set']['volumes'] != 0
    assert quota_api.set_limits(dep, project, volumes=0)['volumes'] == 0


def test_every_create_is_checked_with_a_413(dep, project):
    quota_api.set_limits(dep, project, volumes=1, snapshots=0, backups=0)
    volume = bs.create_volume(dep, project=project)
    second = dep.request('POST', '/volumes', project=project,
                         json={'volume': {'size': 1}})
    quota_api.over_limit(second, 'volumes', 1, 1)
    snap = dep.request('POST', '/snapshots', project=project,
                       json={'snapshot': {'volume_id': volume}})
    quota_api.over_limit(snap, 'snapshots', 0, 0)
    backup = dep.request('POST', '/backups', project=project,
                         json={'backup': {'volume_id': volume}})
    quota_api.over_limit(backup, 'backups', 0, 0)
    # the refusals changed nothing: the volume is not left backing-up
    assert bs.volume_status(dep, volume) == 'available'
    quota_api.set_limits(dep, project, backups=1)
    made = bs.create_backup(dep, volume, project=project)
    restore = dep.request('POST', '/backups/%s/restore' % made,
                          project=project, json={'restore': {}})
    quota_api.over_limit(restore, 'volumes', 1, 1)
    shown = dep.request('GET', '/backups/%s' % made, project=project)
    assert shown.json()['backup']['status'] == 'available'
    quota_api.set_limits(dep, project, volumes=5, per_volume_gigabytes=1)
    big = dep.request('POST', '/volumes', project=project,
                      json={'volume': {'size': 2}})
    assert big.status_code == 413, big.text
    assert 'per_volume_gigabytes = 1 GiB' in big.json()['overLimit'][
        'message']
    quota_api.set_limits(dep, project, gigabytes=1, per_volume_gigabytes=-1)
    extend = dep.request('POST', '/volumes/%s/action' % volume,
                         project=project, json={'os-extend': {'new_size': 2}})
    quota_api.over_limit(extend, 'gigabytes', '1 GiB', '1 GiB')
    limits = dep.request('GET', '/limits', project=project).json()
    assert limits['limits']['absolute']['totalVolumesUsed'] == 1
    assert limits['limits']['absolute']['totalBackupsUsed'] == 1
    # 3.39: an admin asks for another project's; a member cannot
    url = '/limits?project_id=%s' % project
    seen = dep.request('GET', url, admin=True, microversion='3.39').json()
    assert seen == limits
    assert dep.request('GET', url, admin=True).json() != limits   # 3.0
    theirs = dep.request('GET', url, microversion='3.39').json()
    assert theirs['limits']['absolute']['maxTotalVolumes'] == 10  # demo's
    assert limits['limits']['absolute']['maxTotalVolumes'] == 5


def test_quota_class_default_sets_every_projects_defaults(dep, project):
    shown = dep.request('GET', '/os-quota-class-sets/default', admin=True)
    assert shown.status_code == 200, shown.text
    assert set(shown.json()['quota_class_set']) >= quota_api.BASE_KEYS | {'id'}
    member = dep.request('PUT', '/os-quota-class-sets/default',
                         project=project,
                         json={'quota_class_set': {'backups': 3}})
    assert member.status_code == 403, member.text
    resp = dep.request('PUT', '/os-quota-class-sets/default', admin=True,
                       json={'quota_class_set': {'backups': 3}})
    try:
        assert resp.status_code == 200, resp.text
        assert resp.json()['quota_class_set']['backups'] == 3
        assert 'id' not in resp.json()['quota_class_set']
        limits = dep.request('GET', '/limits', project=project).json()
        assert limits['limits']['absolute']['maxTotalBackups'] == 3
    finally:
        dep.request('PUT', '/os-quota-class-sets/default', admin=True,
                    json={'quota_class_set': {'backups': 10}})


def test_nonexistent_volume_type_is_404(dep, project):
    resp = dep.request('POST', '/volumes', project=project,
                       json={'volume': {'size': 1, 'volume_type': 'nope'}})
    assert resp.status_code == 404, resp.text
    assert resp.json()['itemNotFound']['message'] == \
        'Volume type nope could not be found.'
    assert bs.sql(dep, 'SELECT count(*) FROM volumes WHERE project_id = :p',
                  p=project)[0][0] == 0


def test_availability_zones(dep, project):
    resp = dep.request('GET', '/os-availability-zone', project=project)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {'availabilityZoneInfo': [
        {'zoneName': 'nova', 'zoneState': {'available': True}}]}
