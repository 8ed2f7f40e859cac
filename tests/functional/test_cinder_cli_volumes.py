"""The real cinder CLI (python-cinderclient, noauth) and the openstack CLI
(openstacksdk, auth type none) against backupd-all, asserting results."""
import json
import uuid

import pytest

from tests.helpers.cli import listing
from tests.helpers.cli import table
from tests.helpers.volume_api import wait_gone
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def name():
    return 'cli-%s' % uuid.uuid4().hex[:8]


# dep.cinder's identity unless a test gives one (noauth project and user)
CLI_ADMIN = {'project': 'admin', 'user': 'admin'}


def _as(who):
    """The API's project and user for the CLI's ``who``."""
    return dict(CLI_ADMIN, **who)


def wait_cli(dep, kind, ident, object_id, field, wanted, **who):
    """Wait until the volume or snapshot ``object_id``'s ``field`` is
    ``wanted``, polling the API as the CLI's ``who`` (a cinder start is
    half a CPU-second a poll); then what ``cinder show <ident>`` (its name
    or id) prints, which the caller checks."""
    wait_status(dep, kind, object_id, wanted, field=field, **_as(who))
    shown = table(dep.cinder('show' if kind == 'volume' else 'snapshot-show',
                             ident, **who).stdout)
    assert shown[field] == wanted, shown
    return shown


def test_volume_lifecycle_with_cinder(dep):
    vol = name()
    created = table(dep.cinder('create', '--name', vol, '1',
                               project='demo', user='demo').stdout)
    assert created['name'] == vol and created['size'] == '1'
    shown = wait_cli(dep, 'volume', vol, created['id'], 'status',
                     'available', project='demo', user='demo')
    by_id = table(dep.cinder('show', shown['id'], project='demo',
                             user='demo').stdout)
    assert by_id['name'] == vol
    rows = listing(dep.cinder('list', project='demo', user='demo').stdout)
    assert {'ID': shown['id'], 'Name': vol, 'Status': 'available'}.items() \
        <= next(r for r in rows if r['ID'] == shown['id']).items()

    dep.cinder('metadata', vol, 'set', 'tier=gold', project='demo',
               user='demo')
    shown = table(dep.cinder('show', vol, project='demo', user='demo').stdout)
    assert shown['metadata'] == 'tier : gold'

    dep.cinder('extend', vol, '2', project='demo', user='demo')
    wait_cli(dep, 'volume', vol, shown['id'], 'size', '2', project='demo',
             user='demo')

    snap = name()
    snap_made = table(dep.cinder('snapshot-create', '--name', snap, vol,
                                 project='demo', user='demo'))
    snap_shown = wait_cli(dep, 'snapshot', snap, snap_made['id'], 'status',
                          'available', project='demo', user='demo')
    assert snap_shown['volume_id'] == shown['id']
    snaps = listing(dep.cinder('snapshot-list', project='demo',
                               user='demo').stdout)
    assert snap_shown['id'] in [r['ID'] for r in snaps]

    busy = dep.cinder('delete', vol, project='demo', user='demo', check=False)
    assert busy.returncode != 0 and 'snapshot' in busy.stdout + busy.stderr
    dep.cinder('snapshot-delete', snap, project='demo', user='demo')
    _wait_absent(dep, 'snapshot', snap_shown['id'], project='demo',
                 user='demo')
    dep.cinder('delete', vol, project='demo', user='demo')
    _wait_absent(dep, 'volume', shown['id'], project='demo', user='demo')


def _wait_absent(dep, kind, object_id, **who):
    """Wait through the API until the volume or snapshot ``object_id`` is
    gone, then check that cinder's list of that kind no longer lists
    it."""
    wait_gone(dep, kind, object_id, **_as(who))
    command = 'snapshot-list' if kind == 'snapshot' else 'list'
    assert object_id not in dep.cinder(command, **who).stdout


def _stuck_then_forced(dep, kind, ident, object_id, prefix, refusal,
                       force):
    """Reset ``ident`` to error_deleting: ``<prefix>delete`` is refused
    with ``refusal`` in its words, the ``force`` command deletes it."""
    dep.cinder(prefix + 'reset-state', '--state', 'error_deleting', ident)
    wait_cli(dep, kind, ident, object_id, 'status', 'error_deleting')
    refused = dep.cinder(prefix + 'delete', ident, check=False)
    assert refused.returncode != 0
    assert refusal in refused.stdout + refused.stderr
    dep.cinder(*force, ident)
    _wait_absent(dep, kind, object_id)


def test_admin_reset_state_and_force_delete(dep):
    vol = name()
    made = table(dep.cinder('create', '--name', vol, '1'))
    wait_status(dep, 'volume', made['id'], 'available', **CLI_ADMIN)
    _stuck_then_forced(dep, 'volume', vol, made['id'], '',
                       "'error_deleting'", ('force-delete',))


def test_snapshot_reset_state_and_force_delete(dep):
    vol, snap = name(), name()
    made = table(dep.cinder('create', '--name', vol, '1'))
    wait_status(dep, 'volume', made['id'], 'available', **CLI_ADMIN)
    snap_made = table(dep.cinder('snapshot-create', '--name', snap, vol))
    wait_status(dep, 'snapshot', snap_made['id'], 'available', **CLI_ADMIN)
    _stuck_then_forced(dep, 'snapshot', snap, snap_made['id'], 'snapshot-',
                       'os-force_delete', ('snapshot-delete', '--force'))
    dep.cinder('delete', vol)


def _created_as(dep, project, user):
    """(name, table) of a 1 GiB volume ``user`` made with cinder create,
    once available."""
    vol = name()
    made = table(dep.cinder('create', '--name', vol, '1', project=project,
                            user=user))
    wait_status(dep, 'volume', made['id'], 'available',
                project=project, user=user)
    return vol, made


def test_non_admin_cannot_reset_state(dep):
    vol, _ = _created_as(dep, 'demo', 'demo')
    refused = dep.cinder('reset-state', '--state', 'error', vol,
                         project='demo', user='demo', check=False)
    assert refused.returncode != 0 and '403' in refused.stderr + \
        refused.stdout


def test_cinder_project_isolation(dep):
    vol, made = _created_as(dep, 'owner', 'u1')
    other = dep.cinder('list', '--all-tenants', project='intruder',
                       user='u2').stdout
    assert made['id'] not in other and vol not in other
    for ident in (vol, made['id']):
        peek = dep.cinder('show', ident, project='intruder', user='u2',
                          check=False)
        assert peek.returncode != 0
        assert 'No volume with a name or ID' in peek.stderr + peek.stdout


def test_openstack_volume_commands(dep):
    vol = name()
    created = json.loads(dep.openstack('volume', 'create', '--size', '1',
                                       vol, '-f', 'json').stdout)
    assert created['name'] == vol
    # waited for through the API: an openstack start is 1.4 CPU-s a poll
    # (its "none" auth acts in the endpoint's project, admin)
    wait_status(dep, 'volume', created['id'], 'available', project='admin',
                admin=True)
    dep.openstack('volume', 'set', '--property', 'colour=blue', vol)
    # one show for what the create and the set made
    shown = json.loads(dep.openstack('volume', 'show', vol,
                                     '-f', 'json').stdout)
    assert shown['status'] == 'available'
    assert shown['id'] == created['id'] and shown['size'] == 1
    assert shown['properties'] == {'colour': 'blue'}
    dep.openstack('volume', 'unset', '--property', 'colour', vol)
    shown = json.loads(dep.openstack('volume', 'show', vol,
                                     '-f', 'json').stdout)
    assert shown['properties'] == {}
    listed = json.loads(dep.openstack('volume', 'list', '-f', 'json').stdout)
    assert created['id'] in [v['ID'] for v in listed]
    dep.openstack('volume', 'delete', vol)
    wait_gone(dep, 'volume', created['id'], project='admin', admin=True)
    assert created['id'] not in dep.openstack('volume', 'list').stdout


def test_cinder_create_without_room_shows_why(backupd_all_factory):
    # Every host keeps 100% of its (real) filesystem in reserve: nothing fits.
    full = backupd_all_factory(conf={'DEFAULT': {'reserved_percentage': 100}})
    proc = full.cinder('create', '--name', name(), '1', check=False)
    assert proc.returncode != 0
    assert ('ERROR: Cannot create a volume of 1 GiB: no volume host in '
            'availability zone nova has room for it. %s has 0 GiB free '
            '(after keeping 100%% of'
            % full.host) in proc.stderr, proc.stderr
    assert 'add a volume host in availability zone nova. (HTTP 409)' \
        in proc.stderr, proc.stderr
    assert listing(full.cinder('list', '--all-tenants').stdout) == []
