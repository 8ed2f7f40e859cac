"""The LVM driver's behaviour, driven against the simulated lvm2.

The driver runs unchanged; only the lvm2 programs (and ``dd``) are the
simulation in tests/lvm_sim, which keeps each LV as a sparse file under
``$LVM_SIM_DIR/dev/<vg>/<lv>`` (the driver's ``lvm_dev_dir``) and copies an
LV's file when a snapshot is taken.

What this does NOT prove:

* that real LVs behave like this: no device-mapper, no copy-on-write. A
  thick snapshot here is a full copy, so it never fills up or becomes
  invalid, whatever ``lvm_snapshot_size_ratio`` says; a thin pool never runs
  out of space; data written is never lost on a crash.
* that the command lines are accepted by real lvm2 with the same meaning:
  the sim parses only the options the driver uses and copies the messages of
  lvm2 2.03 for the errors it knows. The linear-LV commands, the reports and
  the error messages are checked against real lvm2 in
  tests/functional/test_lvm_real.py; thin and snapshot creation cannot be,
  on a kernel without device-mapper.
* anything about permissions, the root helper (sudo, rootwrap), udev
  creating /dev/<vg>/<lv> links, or ``dd`` on block devices (the sim's dd
  gives dd's result on files, skipping holes).
* concurrency beyond one lock serialising the sim's commands.
"""
import os

import pytest

from backupd import exception
from tests.helpers.files import read_at
from tests.helpers.files import write_at

# Until tests/conftest.py lists it (then this line can go).

GiB = 1024 ** 3
MODES = ['default', 'thin']


@pytest.fixture(params=MODES)
def driver(request, lvm_sim):
    driver = lvm_sim.driver(lvm_type=request.param)
    driver.do_setup()
    driver.check_for_setup_error()
    return driver


def test_create_gives_a_device_of_the_size(driver):
    driver.create_volume('v1', 2)
    path = driver.local_path('v1')
    assert path == os.path.join(driver.conf.lvm_dev_dir, 'sim-vg',
                                'volume-v1')
    assert os.path.getsize(path) == 2 * GiB


def test_snapshot_is_point_in_time(driver):
    driver.create_volume('v1', 1)
    volume = driver.local_path('v1')
    write_at(volume, GiB - 4096, b'before' * 10)
    driver.create_snapshot('s1', 'v1')
    write_at(volume, GiB - 4096, b'after!' * 10)
    snapshot = driver.snapshot_path('s1', 'v1')
    assert snapshot.endswith('/sim-vg/_snapshot-s1')
    assert read_at(snapshot, GiB - 4096, 60) == b'before' * 10
    assert read_at(volume, GiB - 4096, 60) == b'after!' * 10


def test_volume_from_snapshot_has_its_data_and_size(driver):
    driver.create_volume('v1', 1)
    write_at(driver.local_path('v1'), 5000, b'snap data')
    driver.create_snapshot('s1', 'v1')
    write_at(driver.local_path('v1'), 5000, b'new data!')
    driver.create_volume_from_snapshot('v2', 2, 's1', 'v1')
    clone = driver.local_path('v2')
    assert os.path.getsize(clone) == 2 * GiB
    assert read_at(clone, 5000, 9) == b'snap data'
    write_at(clone, 5000, b'clone own')      # independent of the snapshot
    assert read_at(driver.snapshot_path('s1', 'v1'), 5000, 9) == b'snap data'


def test_cloned_volume_copies_the_source_now(driver):
    driver.create_volume('v1', 1)
    write_at(driver.local_path('v1'), 0, b'source')
    driver.create_cloned_volume('v2', 1, 'v1')
    write_at(driver.local_path('v1'), 0, b'later!')
    assert read_at(driver.local_path('v2'), 0, 6) == b'source'
    # The thick path's temporary snapshot is gone again.
    assert [lv.name for lv in driver.lvm.list_lvs()
            if lv.name.startswith('_snapshot')] == []


def test_extend_grows_and_keeps_data(driver):
    driver.create_volume('v1', 1)
    write_at(driver.local_path('v1'), 100, b'kept')
    driver.extend_volume('v1', 3)
    assert os.path.getsize(driver.local_path('v1')) == 3 * GiB
    assert read_at(driver.local_path('v1'), 100, 4) == b'kept'
    with pytest.raises(exception.VolumeDriverError, match='can only grow'):
        driver.extend_volume('v1', 2)


def test_delete_removes_and_tolerates_gone(driver):
    driver.create_volume('v1', 1)
    driver.create_snapshot('s1', 'v1')
    driver.delete_snapshot('s1', 'v1')
    driver.delete_snapshot('s1', 'v1')
    driver.delete_volume('v1')
    driver.delete_volume('v1')
    assert not os.path.exists(driver.local_path('v1'))
    assert not os.path.exists(driver.snapshot_path('s1', 'v1'))
    assert [lv.name for lv in driver.lvm.list_lvs()
            if not lv.is_thin_pool] == []


def test_thick_volume_with_snapshot_is_not_deleted(lvm_sim):
    driver = lvm_sim.driver()
    driver.create_volume('v1', 1)
    driver.create_snapshot('s1', 'v1')
    with pytest.raises(exception.VolumeDriverError,
                       match='Volume v1 has snapshots .*_snapshot-s1'):
        driver.delete_volume('v1')
    assert os.path.exists(driver.snapshot_path('s1', 'v1'))


def test_thick_snapshot_cow_size_follows_ratio(lvm_sim):
    driver = lvm_sim.driver(lvm_snapshot_size_ratio=0.25)
    driver.create_volume('v1', 2)
    driver.create_snapshot('s1', 'v1')
    snapshot = driver.lvm.get_lv('_snapshot-s1')
    assert snapshot.is_thick_snapshot and snapshot.origin == 'volume-v1'
    assert snapshot.size == GiB // 2        # lvs reports the COW size
    assert lvm_sim.state()['lvs']['_snapshot-s1']['cow_size'] == GiB // 2


def test_failed_copy_leaves_no_half_made_volume(lvm_sim):
    driver = lvm_sim.driver()
    driver.create_volume('v1', 1)
    driver.create_snapshot('s1', 'v1')
    # An unreadable snapshot device, as when it is not active.
    os.unlink(driver.snapshot_path('s1', 'v1'))
    with pytest.raises(exception.VolumeDriverError,
                       match='Could not create volume v2 from '
                             'snapshot s1.*dd'):
        driver.create_volume_from_snapshot('v2', 1, 's1', 'v1')
    assert driver.lvm.get_lv('volume-v2') is None


def test_missing_sources_are_named(driver):
    with pytest.raises(exception.VolumeDriverError,
                       match='Volume nope not found: no logical volume '
                             'volume-nope in volume group sim-vg'):
        driver.create_snapshot('s1', 'nope')
    with pytest.raises(exception.VolumeDriverError,
                       match='Snapshot nope not found'):
        driver.create_volume_from_snapshot('v2', 1, 'nope', 'v1')
    with pytest.raises(exception.VolumeDriverError,
                       match='Source volume nope not found'):
        driver.create_cloned_volume('v2', 1, 'nope')


def test_stats(lvm_sim):
    thick = lvm_sim.driver()
    thick.create_volume('v1', 1)
    stats = thick.get_stats()
    assert stats['driver_name'] == 'lvm'
    assert stats['snapshot_local_path'] is True
    assert (stats['total_capacity_gb'], stats['free_capacity_gb']) == (20, 19)
    assert stats['physical_volumes'] == ['/dev/loop-sim0']
    assert stats['thick_provisioning_support'] is True

    thin = lvm_sim.driver(lvm_type='thin')
    thin.do_setup()
    thin.create_volume('t1', 4)
    write_at(thin.local_path('t1'), 0, b'x' * (8 * 1024 ** 2))
    stats = thin.get_stats()
    pool = thin.lvm.get_lv('sim-vg-pool')
    assert stats['total_capacity_gb'] == pool.size / GiB
    assert 0 < stats['free_capacity_gb'] < stats['total_capacity_gb']
    assert stats['provisioned_capacity_gb'] == 5      # 1 thick + 4 thin
    assert stats['thin_provisioning_support'] is True


def test_setup_errors_say_what_to_do(lvm_sim):
    with pytest.raises(exception.VolumeDriverError,
                       match='Volume group other-vg does not exist on host '
                             'host-a. Create it .*vgcreate other-vg'):
        lvm_sim.driver(volume_group='other-vg').do_setup()
    with pytest.raises(exception.VolumeDriverError,
                       match='no thin pool sim-vg-pool'):
        lvm_sim.driver(lvm_type='thin').check_for_setup_error()
