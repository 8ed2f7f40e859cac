"""Changed-block tracking on LVM thin (issue 19), through the simulated lvm.

The simulation (tests/lvm_sim) keeps a block map per thin LV, writes it as
real thin metadata with thin_restore when a metadata snapshot is reserved,
and runs the real thin_delta on it: so these tests check the driver's
command lines and its parsing of real thin_delta output. What they do NOT
prove (no device-mapper here, doc/contributor/testing.rst): dm-thin's own
copy-on-write and discard semantics, that ``thin_delta -m`` reads a live
pool's reserved metadata snapshot, the pool's dm name on a real host, and
``lvchange -p r`` on an active thin LV.
"""
import json
import os
import shutil
import textwrap
import uuid

import pytest

from backupd.drivers.backup import base as backup_base
from backupd.drivers.backup.engine import tracked
from backupd.drivers.volume import base
from backupd.drivers.volume import thin_delta
from tests.contracts import backup_driver_cases as cases
from tests.helpers.posix_driver import make_posix_driver

KiB, MiB = 1024, 1024 ** 2
BLOCK = 64 * KiB         # the simulated pool's data block

pytestmark = pytest.mark.skipif(
    shutil.which('thin_delta') is None and not os.environ.get('CI'),
    reason='needs thin-provisioning-tools (tools/run-tests installs it)')

# thin_delta 0.9's output (thin_restore'd metadata, devices 1 and 2): the
# sample thin_delta's docstring shows, read from there so that the format
# documented is the one tested.
_SAMPLE = thin_delta.__doc__.split('::\n\n', 1)[1]
REAL_OUTPUT = textwrap.dedent(
    _SAMPLE[:_SAMPLE.index('</superblock>') + len('</superblock>')])


def test_parse_real_thin_delta_output():
    assert thin_delta.parse(REAL_OUTPUT) == [
        (2 * BLOCK, BLOCK), (10 * BLOCK, BLOCK), (12 * BLOCK, BLOCK)]


@pytest.mark.parametrize('text,problem', [
    ('not xml', 'not XML'),
    ('<superblock><diff/></superblock>', 'data_block_size'),
    ('<superblock data_block_size="128"/>', 'one <diff>'),
    ('<superblock data_block_size="128"><diff><different>'
     '<range begin="2" left_data_begin="2" right_data_begin="20" '
     'length="1"/></different></diff></superblock>', 'verbose'),
    ('<superblock data_block_size="128"><diff><moved begin="1" length="1"/>'
     '</diff></superblock>', 'unknown element'),
])
def test_unreadable_output_is_refused(text, problem):
    with pytest.raises(thin_delta.Unreadable, match=problem):
        thin_delta.parse(text)


def test_clip_adds_what_lies_past_the_base():
    assert thin_delta.clip([(0, 10), (90, 20)], 100, 150) == [
        (0, 10), (90, 60)]


def write(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def punch(path, offset, length):
    # What a discard leaves in the simulated LV: a hole.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDWR)
    try:
        assert libc.fallocate(fd, 3, ctypes.c_long(offset),
                              ctypes.c_long(length)) == 0
    finally:
        os.close(fd)


@pytest.fixture
def thin(lvm_sim):
    driver = lvm_sim.driver(lvm_type='thin')
    driver.do_setup()
    driver.check_for_setup_error()
    assert driver.supports_change_tracking
    driver.create_volume('vol', 1)
    path = driver.local_path('vol')
    write(path, 0, os.urandom(4 * MiB))
    return driver, lvm_sim, path


def test_changed_ranges_from_thin_delta(thin):
    driver, sim, path = thin
    driver.create_snapshot('base', 'vol')
    identity = driver.snapshot_identity('base', 'vol')
    write(path, 3 * BLOCK + 5, b'x')                  # overwrite
    write(path, 200 * MiB, b'y' * 100)                # newly mapped
    punch(path, 10 * BLOCK, BLOCK)                    # discarded
    driver.create_snapshot('snap', 'vol')
    sim.forget_commands()

    ranges = driver.changed_ranges('base', identity, 'snap', 'vol')

    assert ranges == [(3 * BLOCK, BLOCK), (10 * BLOCK, BLOCK),
                      (200 * MiB, BLOCK)]
    commands = sim.commands()
    tpool = 'sim--vg-sim--vg--pool-tpool'
    tmeta = os.path.join(sim.dev_dir, 'mapper', 'sim--vg-sim--vg--pool_tmeta')
    ids = {lv: sim.state()['lvs'][lv]['thin_id']
           for lv in ('_snapshot-base', '_snapshot-snap')}
    assert [c for c in commands if c[0] in ('dmsetup', 'thin_delta')] == [
        ['dmsetup', 'message', tpool, '0', 'reserve_metadata_snap'],
        ['thin_delta', '-m', '--snap1', str(ids['_snapshot-base']),
         '--snap2', str(ids['_snapshot-snap']), tmeta],
        ['dmsetup', 'message', tpool, '0', 'release_metadata_snap']]
    # snapshot_identity made the base read-only.
    assert sim.state()['lvs']['_snapshot-base']['perm'] == 'r'


def test_nothing_changed(thin):
    driver, _, _ = thin
    driver.create_snapshot('base', 'vol')
    identity = driver.snapshot_identity('base', 'vol')
    driver.create_snapshot('snap', 'vol')
    assert driver.changed_ranges('base', identity, 'snap', 'vol') == []


def test_a_base_made_writable_or_replaced_is_not_trusted(thin):
    driver, sim, _ = thin
    driver.create_snapshot('base', 'vol')
    identity = driver.snapshot_identity('base', 'vol')
    driver.create_snapshot('snap', 'vol')
    with pytest.raises(base.CannotTrackChanges, match='modified'):
        driver.changed_ranges('base', 'other-identity', 'snap', 'vol')
    driver.lvm.execute('lvchange', '-p', 'rw', 'sim-vg/_snapshot-base')
    with pytest.raises(base.CannotTrackChanges, match='read-only'):
        driver.changed_ranges('base', identity, 'snap', 'vol')
    driver.delete_snapshot('base', 'vol')
    with pytest.raises(base.CannotTrackChanges, match='Could not compare'):
        driver.changed_ranges('base', identity, 'snap', 'vol')


def test_the_metadata_snapshot_is_released_when_thin_delta_fails(thin):
    driver, sim, _ = thin
    driver.create_snapshot('base', 'vol')
    identity = driver.snapshot_identity('base', 'vol')
    driver.create_snapshot('snap', 'vol')
    # A device the pool's metadata does not have: the real thin_delta fails
    # ("Unable to find mapping tree for snap2").
    state_path = os.path.join(sim.root, 'state.json')
    with open(state_path) as f:
        state = json.load(f)
    state['vgs'][sim.vg]['lvs']['_snapshot-snap']['pool'] = 'elsewhere'
    with open(state_path, 'w') as f:
        json.dump(state, f)
    with pytest.raises(base.CannotTrackChanges, match='thin_delta'):
        driver.changed_ranges('base', identity, 'snap', 'vol')
    assert sim.commands()[-1][-1] == 'release_metadata_snap'
    assert not sim.state()['lvs']['sim-vg-pool'].get('metadata_snap')


def test_thick_lvm_cannot_track(lvm_sim):
    driver = lvm_sim.driver(lvm_type='default')
    assert not driver.supports_change_tracking
    with pytest.raises(base.CannotTrackChanges):
        driver.changed_ranges('a', 'x', 'b', 'vol')


def test_tracked_incremental_of_a_thin_volume_restores_exactly(thin,
                                                                tmp_path):
    driver, _, path = thin
    store = make_posix_driver(tmp_path / 'store', **cases.SMALL)

    def backup(snap, parent=None, base_identity=None):
        driver.create_snapshot(snap, 'vol')
        me = {'snapshot_id': snap,
              'identity': driver.snapshot_identity(snap, 'vol')}
        ranges = None
        if base_identity:
            ranges = driver.changed_ranges(base_identity['snapshot_id'],
                                           base_identity['identity'], snap,
                                           'vol')
        ref = backup_base.BackupRef(uuid.uuid4().hex, 'vol', parent=parent)
        result = store.backup(ref, driver.snapshot_path(snap, 'vol'),
                              changes=tracked.Changes(base=base_identity,
                                                      ranges=ranges,
                                                      snapshot=me))
        return cases.stored_ref(ref, result), me

    full, base_identity = backup('s1')
    write(path, 5 * MiB + 77, os.urandom(100 * KiB))
    punch(path, MiB, 2 * BLOCK)
    incremental, _ = backup('s2', full, base_identity)
    manifest = json.loads(store.get_object(
        incremental.container, incremental.service_metadata))
    assert manifest['read']['mode'] == 'tracked'
    store.restore(incremental, str(tmp_path / 'out'))
    assert_same_bytes(driver.snapshot_path('s2', 'vol'), tmp_path / 'out')


def assert_same_bytes(a, b):
    """Two sparse files read the same: compared where either holds data
    (1 GiB of holes would take seconds to read and hash)."""
    from backupd.drivers.volume import sparse
    with open(a, 'rb') as fa, open(b, 'rb') as fb:
        size = os.fstat(fa.fileno()).st_size
        assert os.fstat(fb.fileno()).st_size == size
        regions = sorted(set(sparse.data_extents(fa.fileno(), size))
                         | set(sparse.data_extents(fb.fileno(), size)))
        for offset, length in regions:
            for at in range(offset, offset + length, MiB):
                n = min(MiB, offset + length - at)
                assert os.pread(fa.fileno(), n, at) == \
                    os.pread(fb.fileno(), n, at), 'differ at %d' % at
