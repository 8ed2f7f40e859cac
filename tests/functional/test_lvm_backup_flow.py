"""The whole backup flow on the LVM driver, over HTTP (issue 8, item 2).

backupd-all runs with ``volume_driver = lvm`` against the simulated lvm2 of
tests/lvm_sim (this kernel has no device-mapper, so no real LV can be
created or read here; doc/contributor/testing.rst). What this proves: the
API, managers and backup engine drive the LVM driver end to end; an in-use
LVM volume is read through a temporary snapshot's local path (no temporary
clone, no attach); the temporary snapshot is removed; restores are
byte-exact.
What it does NOT prove: real device-mapper snapshot semantics (copy-on-write,
a snapshot filling up), real lvm2 parsing of these command lines beyond what
tests/functional/test_lvm_real.py checks, root-helper behaviour.

On thin LVM the temporary snapshot is kept as the base of the next
incremental (changed-block tracking, issue 19), which then reads only what
``thin_delta`` reports (the real tool, on metadata the simulation writes;
see tests/unit/test_lvm_thin_change_tracking.py for what that proves).
"""
import json
import os

import pytest

from tests.helpers import backup_support as bs


@pytest.fixture(params=['default', 'thin'])
def lvm_dep(request, lvm_sim, backupd_all_factory):
    # The sim's PATH and LVM_SIM_DIR are in os.environ (the lvm_sim fixture),
    # so the backupd-all process inherits them.
    options = dict(lvm_sim.options(), volume_driver='lvm',
                   lvm_type=request.param)
    return backupd_all_factory(conf={'DEFAULT': options}), lvm_sim


def lv_path(sim, volume_id):
    return os.path.join(sim.dev_dir, sim.vg, 'volume-%s' % volume_id)


@pytest.mark.parametrize('lvm_dep', ['default'], indirect=True)
def test_in_use_lvm_volume_backed_up_from_temp_snapshot(lvm_dep):
    dep, sim = lvm_dep
    volume = bs.create_volume(dep, size=1)
    sha = bs.write_pattern(lv_path(sim, volume), seed=11)
    bs.attach(dep, volume)
    lvs_before = set(sim.state()['lvs'])
    sim.forget_commands()

    backup = bs.create_backup(dep, volume, force=True)

    commands = sim.commands()
    snapshot_creates = [c for c in commands
                        if c[0] == 'lvcreate' and '-s' in c]
    assert len(snapshot_creates) == 1, commands
    name = snapshot_creates[0][snapshot_creates[0].index('-n') + 1]
    assert name.startswith('_snapshot-')
    # No temporary clone volume: no new "volume-" LV was created.
    assert not [c for c in commands if c[0] == 'lvcreate'
                and any(a.startswith('volume-') for a in c)]
    # The temporary snapshot is gone again, and so are its rows.
    assert ['lvremove', '-f', '%s/%s' % (sim.vg, name)] in [
        c[:3] for c in commands if c[0] == 'lvremove']
    assert set(sim.state()['lvs']) == lvs_before
    assert bs.volume_status(dep, volume) == 'in-use'
    assert bs.sql(dep, 'SELECT count(*) FROM snapshots WHERE is_temporary '
                       'AND NOT deleted')[0][0] == 0

    target = bs.restore(dep, backup)
    assert bs.sha256_of(lv_path(sim, target)) == sha


@pytest.mark.parametrize('lvm_dep', ['default'], indirect=True)
def test_available_lvm_volume_round_trip_and_delete(lvm_dep):
    dep, sim = lvm_dep
    volume = bs.create_volume(dep, size=1)
    sha = bs.write_pattern(lv_path(sim, volume), seed=12)
    backup = bs.create_backup(dep, volume)
    target = bs.create_volume(dep, size=1)
    bs.restore(dep, backup, volume_id=target)
    assert bs.sha256_of(lv_path(sim, target)) == sha

    for vol in (volume, target):
        assert dep.request('DELETE', '/volumes/%s' % vol).status_code == 202
        bs.wait_for(dep, 'volumes', vol, (), gone_ok=True)
    assert not [lv for lv in sim.state()['lvs'] if lv.startswith('volume-')]


@pytest.mark.parametrize('lvm_dep', ['thin'], indirect=True)
def test_thin_volume_keeps_its_snapshot_as_the_next_incrementals_base(
        lvm_dep):
    dep, sim = lvm_dep
    volume = bs.create_volume(dep, size=1)
    path = lv_path(sim, volume)
    bs.write_pattern(path, seed=13)
    bs.attach(dep, volume)
    full = bs.create_backup(dep, volume, force=True)
    base = _base_of(dep, full)
    lv = '_snapshot-%s' % base
    assert sim.state()['lvs'][lv]['perm'] == 'r'      # read-only base
    sha = bs.write_pattern(path, seed=14, regions=((40 * 1024 ** 2, 4096),))
    sim.forget_commands()

    incremental = bs.create_backup(dep, volume, force=True, incremental=True)

    read = _manifest(dep, incremental)['read']
    assert read['mode'] == 'tracked', read
    assert read['changed_bytes'] == 64 * 1024     # one thin data block
    assert [c[0] for c in sim.commands()
            if c[0] in ('dmsetup', 'thin_delta')] == [
        'dmsetup', 'thin_delta', 'dmsetup']
    # The newer base replaced the older one.
    bs.until(lambda: lv not in sim.state()['lvs'], what='older base removed')
    newer = _base_of(dep, incremental)
    assert '_snapshot-%s' % newer in sim.state()['lvs']
    target = bs.restore(dep, incremental)
    assert bs.sha256_of(lv_path(sim, target)) == sha
    for backup in (incremental, full):
        assert dep.request('DELETE', '/backups/%s' % backup,
                           project='demo').status_code == 202
        bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert not [name for name in sim.state()['lvs']
                if name.startswith('_snapshot-')]


def _base_of(dep, backup_id):
    return bs.sql(dep, 'SELECT base_snapshot_id FROM backups WHERE id = :id',
                  id=backup_id)[0][0]


def _manifest(dep, backup_id):
    with open(os.path.join(dep.state_path, 'backup', 'backups',
                           'backup_%s' % backup_id, 'manifest')) as f:
        return json.load(f)
