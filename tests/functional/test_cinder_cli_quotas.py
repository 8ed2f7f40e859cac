"""The real cinder CLI (python-cinderclient, noauth) and openstack CLI
(auth type none) on quotas, limits, volume types and zones, against
backupd-all; asserting what they print.

``openstack quota show`` and ``openstack quota set <project>`` first look
the project up in Keystone (identity v3), which noauth deployments do not
have; their block-storage calls are made here with openstacksdk itself
(``conn.block_storage.get_quota_set`` / ``update_quota_set``, what those
commands call once they have the project id). ``openstack quota set
--default`` needs no project and runs as the CLI.
"""
import json
import uuid

import openstack
import pytest

from tests.fixtures import services
from tests.helpers.cli import listing
from tests.helpers.cli import table
from tests.helpers.volume_api import wait_gone


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    # openstacksdk's "none" auth sends only "X-Auth-Token: notused": that
    # user is an admin here, so the admin calls can run through it.
    deployment = services.Deployment(
        tmp_path_factory.mktemp('quota-cli'), ['backupd-all'],
        {'DEFAULT': dict(services.QUOTA_DEFAULTS['DEFAULT'],
                         noauth_admin_users='admin,notused')})
    yield from services.serving(deployment)


@pytest.fixture
def project():
    return 'cli%s' % uuid.uuid4().hex[:8]


def member(project):
    return {'project': project, 'user': 'member-of-%s' % project}


def _sdk(dep, project):
    return openstack.connection.Connection(
        auth_type='none', block_storage_endpoint_override='%s/v3/%s' % (
            dep.endpoint, project), block_storage_api_version='3')


def test_cinder_quota_show_update_usage_defaults(dep, project):
    shown = table(dep.cinder('quota-show', project, **member(project)).stdout)
    assert shown['volumes'] == '10' and shown['backups'] == '10'
    assert shown['per_volume_gigabytes'] == '-1'
    assert shown['gigabytes___DEFAULT__'] == '-1'
    refused = dep.cinder('quota-update', '--volumes', '1', project,
                         check=False, **member(project))
    assert refused.returncode != 0 and 'HTTP 403' in refused.stderr
    updated = table(dep.cinder('quota-update', '--volumes', '1',
                               '--backup-gigabytes', '20', project).stdout)
    assert updated['volumes'] == '1' and updated['backup_gigabytes'] == '20'
    dep.cinder('create', '1', **member(project))
    over = dep.cinder('create', '1', check=False, **member(project))
    assert over.returncode != 0 and 'HTTP 413' in over.stderr
    assert 'Quota exceeded for volumes of project %s' % project in over.stderr
    usage = listing(dep.cinder('quota-usage', project,
                               **member(project)).stdout)
    volumes = next(r for r in usage if r['Type'] == 'volumes')
    assert (volumes['In_use'], volumes['Limit'], volumes['Reserved']) == (
        '1', '1', '0')
    defaults = table(dep.cinder('quota-defaults', project,
                                **member(project)).stdout)
    assert defaults['volumes'] == '10'
    limits = listing(dep.cinder('absolute-limits', **member(project)).stdout)
    absolute = {r['Name']: r['Value'] for r in limits}
    assert absolute['maxTotalVolumes'] == '1'
    assert absolute['totalVolumesUsed'] == '1'
    assert absolute['totalGigabytesUsed'] == '1'
    assert absolute['maxTotalBackupGigabytes'] == '20'
    dep.cinder('quota-delete', project)
    assert table(dep.cinder('quota-show', project).stdout)['volumes'] == '10'


def test_cinder_type_and_zone_commands(dep):
    rows = listing(dep.cinder('type-list').stdout)
    assert '__DEFAULT__' in [r['Name'] for r in rows]
    name = 'cli-%s' % uuid.uuid4().hex[:6]
    made = listing(dep.cinder('type-create', '--description', 'fast',
                              name).stdout)
    assert made[0]['Name'] == name and made[0]['Description'] == 'fast'
    dep.cinder('type-key', name, 'set', 'volume_backend_name=file')
    specs = listing(dep.cinder('extra-specs-list').stdout)
    row = next(r for r in specs if r['Name'] == name)
    assert "'volume_backend_name': 'file'" in row['extra_specs']
    created = table(dep.cinder('create', '--volume-type', name, '1').stdout)
    assert created['volume_type'] == name
    missing = dep.cinder('create', '--volume-type', 'no-such-type', '1',
                         check=False)
    assert missing.returncode != 0 and 'HTTP 404' in missing.stderr
    busy = dep.cinder('type-delete', name, check=False)
    assert busy.returncode != 0
    assert 'used by 1 volume' in busy.stdout + busy.stderr, busy
    dep.cinder('delete', created['id'])
    # polled through the API (a CLI start per poll is a CPU-second), then
    # the CLI's list once
    wait_gone(dep, 'volume', created['id'], project='admin', admin=True)
    assert created['id'] not in dep.cinder('list').stdout
    dep.cinder('type-delete', name)
    assert name not in dep.cinder('type-list').stdout
    zones = listing(dep.cinder('availability-zone-list').stdout)
    assert zones == [{'Name': 'nova', 'Status': 'available'}]


def test_openstack_volume_type_zone_and_quota_commands(dep, project):
    # (each openstack run takes seconds: as few as say what is needed)
    name = 'osc-%s' % uuid.uuid4().hex[:6]
    made = json.loads(dep.openstack('volume', 'type', 'create', '--property',
                                    'tier=gold', name, '-f', 'json').stdout)
    assert made['name'] == name and made['properties'] == {'tier': 'gold'}
    types = json.loads(dep.openstack('volume', 'type', 'list', '-f',
                                     'json').stdout)
    assert {'__DEFAULT__', name} <= {t['Name'] for t in types}
    dep.openstack('volume', 'type', 'delete', name)
    assert dep.request('GET', '/types/%s' % made['id'],
                       admin=True).status_code == 404
    zones = json.loads(dep.openstack('availability', 'zone', 'list',
                                     '--volume', '-f', 'json').stdout)
    assert zones == [{'Zone Name': 'nova', 'Zone Status': 'available'}]
    # openstack quota set --default: the default quota class
    dep.openstack('quota', 'set', '--default', '--backups', '4')
    try:
        limits = dep.request('GET', '/limits', project=project).json()
        assert limits['limits']['absolute']['maxTotalBackups'] == 4
    finally:
        dep.request('PUT', '/os-quota-class-sets/default', admin=True,
                    json={'quota_class_set': {'backups': 10}})
    # what openstack quota show / set <project> call, once the project is
    # known (Keystone looks it up): openstacksdk's block storage proxy
    conn = _sdk(dep, project)
    conn.block_storage.update_quota_set(project, backups=2)
    got = conn.block_storage.get_quota_set(project, usage=True)
    assert got.backups == 2 and got.usage['backups'] == 0
    defaults = conn.block_storage.get_quota_set_defaults(project)
    assert defaults.backups == 10
    conn.block_storage.revert_quota_set(project)
    assert conn.block_storage.get_quota_set(project).backups == 10
