"""The LVM driver against real lvm2 on a loop device.

This kernel has no device-mapper, so no LV can be activated or read here
(doc/contributor/testing.rst). What is real here: lvm2 2.03 commands on a real
PV and VG, run by the driver's own executor. With ``global/activation = 0`` in
the test's lvm.conf (``lvm_conf_file``), lvm2 changes metadata without
device-mapper, so linear LVs are really created, extended and removed in the
VG's metadata and the driver reads them back from real ``vgs``/``pvs``/``lvs``
output. Thin pools, thin LVs and snapshots cannot be created even so; their
``lvs`` rows come from metadata written with ``vgcfgrestore``, and the errors
lvm2 gives when asked to create them are checked as errors.

Nothing is mocked. The device paths /dev/<vg>/<lv> do not exist here, so
anything reading or writing LV data (clear, clone copy) is covered by the
simulation in tests/unit/test_lvm_sim_driver.py instead.
"""
import re

import pytest

from backupd import exception
from backupd.drivers.volume import lvm_cmd

# Until tests/conftest.py lists it (then this line can go).

GiB = 1024 ** 3
MiB = 1024 ** 2


def lv_sizes(driver):
    return {lv.name: lv.size for lv in driver.lvm.list_lvs()}


def test_vgs_and_pvs_parsed_from_real_output(real_vg):
    lvm = real_vg.driver().lvm
    vg = lvm.get_vg()
    assert vg.name == real_vg.vg
    assert vg.extent_size == 4 * MiB
    assert vg.size % vg.extent_size == 0
    assert 4 * GiB - 8 * MiB <= vg.size < 4 * GiB   # less the metadata area
    assert (vg.free, vg.lv_count) == (vg.size, 0)
    [pv] = lvm.list_pvs()
    assert (pv.name, pv.vg, pv.size, pv.free) == (
        real_vg.device, real_vg.vg, vg.size, vg.size)
    assert lvm.list_lvs() == []


def test_thick_volume_lifecycle_in_real_metadata(real_vg):
    driver = real_vg.driver()
    driver.do_setup()
    driver.check_for_setup_error()
    total, free = driver.get_capacity_gb()
    driver.create_volume('r1', 1)
    try:
        [lv] = driver.lvm.list_lvs()
        assert (lv.name, lv.size, lv.origin, lv.pool) == (
            'volume-r1', GiB, None, None)
        assert lv.attr.startswith('-wi') and not lv.is_thin
        driver.extend_volume('r1', 2)
        assert lv_sizes(driver) == {'volume-r1': 2 * GiB}
        stats = driver.get_stats()
        assert stats['total_capacity_gb'] == total
        assert stats['free_capacity_gb'] == free - 2
        assert stats['provisioned_capacity_gb'] == 2
        assert stats['physical_volumes'] == [real_vg.device]
    finally:
        driver.delete_volume('r1')
    assert driver.lvm.list_lvs() == []
    driver.delete_volume('r1')            # already gone: fine


def test_real_lvm_errors_become_clear_driver_errors(real_vg):
    driver = real_vg.driver()
    driver.create_volume('r2', 1)
    try:
        with pytest.raises(lvm_cmd.LVMCommandError,
                           match='Could not create volume r2.*Logical Volume '
                                 '"volume-r2" already exists') as info:
            driver.create_volume('r2', 1)
        assert info.value.exit_code == 5
        with pytest.raises(lvm_cmd.LVMCommandError,
                           match='insufficient free space'):
            driver.create_volume('huge', 64)
        # Clearing needs the LV's device, which no device-mapper means no
        # device: the delete fails naming dd, and the LV is kept.
        clearing = real_vg.driver(volume_clear='zero')
        with pytest.raises(lvm_cmd.LVMCommandError,
                           match='Could not delete volume r2. Command "dd '
                                 'if=/dev/zero of=/dev/%s/volume-r2'
                                 % real_vg.vg) as info:
            clearing.delete_volume('r2')
        assert 'No such file or directory' in info.value.stderr
        assert 'volume-r2' in lv_sizes(driver)
    finally:
        driver.delete_volume('r2')


def test_missing_device_mapper_error_is_carried(real_vg):
    driver = real_vg.driver(lvm_conf_file=real_vg.dm_conf_file)
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='Could not create volume r3.*Required '
                             'device-mapper target.* not detected') as info:
        driver.create_volume('r3', 1)
    assert info.value.cmd == ('lvcreate', '-n', 'volume-r3', '-L', '1024m',
                              real_vg.vg)


def test_thin_setup_error_from_real_lvm(real_vg):
    driver = real_vg.driver(lvm_type='thin')
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='Could not create thin pool %s-pool.*lvcreate -T '
                             '-l 95%%FREE.*Can\'t create thin-pool without '
                             'using device-mapper' % real_vg.vg):
        driver.do_setup()
    with pytest.raises(exception.VolumeDriverError, match='no thin pool'):
        driver.check_for_setup_error()


def test_lvm_reserves_snapshot_names(real_vg):
    # Why snapshots are "_snapshot-<id>" and not base.snapshot_name().
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='Names starting "snapshot" are reserved'):
        real_vg.driver().lvm.create_lv('snapshot-x', 4)


def test_missing_vg(real_vg):
    driver = real_vg.driver(volume_group='backupd-no-such-vg')
    with pytest.raises(exception.VolumeDriverError,
                       match='Volume group backupd-no-such-vg does not '
                             'exist on host host-a'):
        driver.check_for_setup_error()
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='Volume group "backupd-no-such-vg" not found'):
        driver.lvm.list_lvs()


# -- thin pools and snapshots, written into the metadata ----------------------

def _lv(name, extents, segment, status='"READ", "WRITE", "VISIBLE"'):
    lines = '\n'.join('\t\t\t\t%s' % line for line in segment)
    return ('\t\t%s {\n\t\t\tid = "%s"\n\t\t\tstatus = [%s]\n'
            '\t\t\tflags = []\n\t\t\tsegment_count = 1\n\t\t\tsegment1 {\n'
            '\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = %d\n%s\n'
            '\t\t\t}\n\t\t}\n'
            % (name, _lv_id(name), status, extents, lines))


def _lv_id(name):
    # LVM ids are 32 characters in 6-4-4-4-4-4-6 groups.
    raw = (re.sub('[^A-Za-z0-9]', '', name) + 'x' * 32)[:26]
    return '%s-%s-%s-%s-%s-%s-%s' % (
        'lvtest', raw[0:4], raw[4:8], raw[8:12], raw[12:16], raw[16:20],
        raw[20:26])


def _linear(name, first_pe, extents, hidden=False):
    status = '"READ", "WRITE"' if hidden else '"READ", "WRITE", "VISIBLE"'
    return _lv(name, extents, ['type = "striped"', 'stripe_count = 1',
                               'stripes = ["pv0", %d]' % first_pe], status)


def _thin(name, pool, device_id, origin=None):
    segment = ['type = "thin"', 'thin_pool = "%s"' % pool,
               'transaction_id = %d' % (device_id - 1),
               'device_id = %d' % device_id]
    if origin:
        segment.append('origin = "%s"' % origin)
    return _lv(name, 4, segment)


def _metadata_with_thin_and_snapshots(backup, vg):
    """The VG of ``backup`` (vgcfgbackup text) with these LVs:

    volume-1 (thick, 12 MiB) + _snapshot-1 (4 MiB COW); pool <vg>-pool with
    thin volume-3 (16 MiB) and its thin snapshot _snapshot-3.
    """
    pool = '%s-pool' % vg
    lvs = ''.join([
        _linear('volume-1', 0, 3),
        _linear('_snapshot-1', 3, 1),
        _lv('snapshot0', 3, ['type = "snapshot"', 'chunk_size = 8',
                             'origin = "volume-1"',
                             'cow_store = "_snapshot-1"'], '"READ"'),
        _lv(pool, 8, ['type = "thin-pool"', 'metadata = "%s_tmeta"' % pool,
                      'pool = "%s_tdata"' % pool, 'transaction_id = 2',
                      'chunk_size = 128', 'discards = "passdown"',
                      'zero_new_blocks = 1']),
        _thin('volume-3', pool, 1),
        _thin('_snapshot-3', pool, 2, origin='volume-3'),
        _linear('lvol0_pmspare', 4, 1, hidden=True),
        _linear('%s_tmeta' % pool, 5, 1, hidden=True),
        _linear('%s_tdata' % pool, 6, 8, hidden=True),
    ])
    head, tail = backup.rsplit('\n}', 1)     # the VG section's closing brace
    return '%s\n\tlogical_volumes {\n%s\t}\n}%s' % (head, lvs, tail)


@pytest.fixture
def restored_lvs(real_vg, tmp_path):
    """The real VG with thin and snapshot LVs in its metadata, for a test."""
    empty = tmp_path / 'empty.vg'
    real_vg.run('vgcfgbackup', '-f', str(empty), real_vg.vg)
    assert 'logical_volumes' not in empty.read_text()
    rich = tmp_path / 'rich.vg'
    rich.write_text(_metadata_with_thin_and_snapshots(empty.read_text(),
                                                      real_vg.vg))
    # --force: lvm2 asks for it whenever thin volumes are involved.
    real_vg.run('vgcfgrestore', '--force', '-f', str(rich), real_vg.vg)
    yield real_vg
    real_vg.run('vgcfgrestore', '--force', '-f', str(empty), real_vg.vg)


def test_thin_and_snapshot_rows_parsed_from_real_lvs(restored_lvs):
    real = restored_lvs
    pool_name = '%s-pool' % real.vg
    lvs = {lv.name: lv for lv in real.driver().lvm.list_lvs()}
    assert sorted(lvs) == ['_snapshot-1', '_snapshot-3', pool_name,
                           'volume-1', 'volume-3']   # hidden LVs not listed
    origin, cow = lvs['volume-1'], lvs['_snapshot-1']
    assert origin.attr.startswith('owi') and not origin.is_thin
    assert cow.is_thick_snapshot and cow.origin == 'volume-1'
    assert cow.size == 4 * MiB                 # lvs gives the COW size
    assert lvs[pool_name].is_thin_pool and lvs[pool_name].size == 32 * MiB
    thin, thin_snap = lvs['volume-3'], lvs['_snapshot-3']
    assert thin.is_thin and thin.pool == pool_name and thin.origin is None
    assert thin_snap.is_thin and thin_snap.origin == 'volume-3'
    assert not thin_snap.is_thick_snapshot
    # Inactive LVs report no data_percent: read as unknown, not as 0.
    assert lvs[pool_name].data_percent is None


def test_driver_decisions_from_real_lvs(restored_lvs):
    real = restored_lvs
    thin = real.driver(lvm_type='thin')
    thin.check_for_setup_error()                # finds the real pool
    assert thin.get_capacity_gb() == (32 * MiB / GiB, 32 * MiB / GiB)
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='Could not create snapshot s9 of volume 3.*'
                             'lvcreate -s -n _snapshot-s9 -k n -a y .*'
                             'Can\'t create thin without using '
                             'device-mapper'):
        thin.create_snapshot('s9', '3')
    thick = real.driver()
    with pytest.raises(lvm_cmd.LVMCommandError,
                       match='lvcreate -s -n _snapshot-s9 -L 12m .*'
                             'Can\'t create snapshot without using '
                             'device-mapper'):
        thick.create_snapshot('s9', '1')
    with pytest.raises(exception.VolumeDriverError,
                       match='Volume 1 has snapshots \\(_snapshot-1\\)'):
        thick.delete_volume('1')
