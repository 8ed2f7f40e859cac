"""Changed-block tracking's pure parts (issue 19): comparing extent maps,
widening ranges to blocks, and when the engine refuses to trust a changed
set. The XFS, LVM and service tests are in tests/functional and
tests/unit/test_lvm_thin_change_tracking.py."""
import pytest

from backupd.db import volumes as volume_db
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import tracked
from backupd.drivers.volume import fiemap
from backupd.manager import states

K = 4096
SHARED = fiemap.FIEMAP_EXTENT_SHARED
UNWRITTEN = fiemap.FIEMAP_EXTENT_UNWRITTEN


def test_same_physical_place_is_unchanged_whatever_the_split():
    base = [(0, 1000 * K, 16 * K, SHARED)]
    # The snapshot reports the same place in two records, one rewritten.
    snap = [(0, 1000 * K, 4 * K, SHARED), (4 * K, 5000 * K, 4 * K, 0),
            (8 * K, 1008 * K, 8 * K, SHARED)]
    assert fiemap.changed_ranges(base, 16 * K, snap, 16 * K) == [(4 * K,
                                                                 4 * K)]


def test_holes_unwritten_and_growth():
    base = [(0, 100 * K, 4 * K, 0), (8 * K, 200 * K, 4 * K, UNWRITTEN)]
    snap = [(8 * K, 200 * K, 4 * K, 0),          # written since: not zeros
            (20 * K, 300 * K, 4 * K, 0)]         # past the base's end
    assert fiemap.changed_ranges(base, 16 * K, snap, 32 * K) == [
        (0, 4 * K), (8 * K, 4 * K), (16 * K, 16 * K)]
    # Holes in both: unchanged.
    assert fiemap.changed_ranges([], 16 * K, [], 16 * K) == []


def test_extents_without_a_known_place_count_as_changed():
    delalloc = 0x4
    base = [(0, 0, 8 * K, delalloc)]
    assert fiemap.changed_ranges(base, 8 * K, base, 8 * K) == [(0, 8 * K)]


def test_fingerprint_ignores_what_another_file_did():
    # Unsharing by a write to the other file splits and re-flags the
    # base's extents; its bytes stay in place.
    whole = [(0, 100 * K, 8 * K, SHARED | fiemap.FIEMAP_EXTENT_LAST)]
    split = [(0, 100 * K, 4 * K, SHARED),
             (4 * K, 104 * K, 4 * K, fiemap.FIEMAP_EXTENT_LAST)]
    assert fiemap._placement(whole) == fiemap._placement(split)


def test_block_runs_widen_to_blocks_and_split_at_chunks():
    runs = tracked.block_runs([(10, 1), (70, 100), (250, 20)], 128, 32)
    assert runs == {0: [[0, 32], [64, 64]], 1: [[0, 64], [96, 32]],
                    2: [[0, 32]]}


class Parent:
    def __init__(self, base, size=1000):
        self.manifest = manifest.Manifest(
            backup_id='p', volume_id='v', volume_size=size, chunk_size=100,
            block_size=10, compression='none', parent=None, chunks=[],
            block_hashes=[], base=base)


BASE = {'snapshot_id': 's1', 'identity': 'abc'}


@pytest.mark.parametrize('parent,changes,reason', [
    (None, tracked.Changes(base=BASE, ranges=[]), 'full backup'),
    (Parent(BASE), None, 'no changed-block information'),
    (Parent(BASE), tracked.Changes(base=BASE, reason='gone'), 'gone'),
    (Parent(None), tracked.Changes(base=BASE, ranges=[]), 'kept no base'),
    (Parent({'snapshot_id': 's1', 'identity': 'other'}),
     tracked.Changes(base=BASE, ranges=[]), 'recorded base'),
    (Parent(BASE, size=2000), tracked.Changes(base=BASE, ranges=[]),
     'smaller'),
    (Parent(BASE), tracked.Changes(base=BASE, ranges=[(50, 10), (0, 10)]),
     'out of order'),
    (Parent(BASE), tracked.Changes(base=BASE, ranges=[(990, 20)]),
     'outside'),
    (Parent(BASE), tracked.Changes(base=BASE, ranges=[(1.5, 2)]),
     'whole numbers'),
])
def test_changed_ranges_are_not_trusted_blindly(parent, changes, reason):
    ranges, why = tracked.decide(parent, changes, 1000)
    assert ranges is None
    assert reason in why


def test_trusted_ranges():
    ranges, why = tracked.decide(
        Parent(BASE), tracked.Changes(base=BASE, ranges=[(0, 10)]), 1000)
    assert ranges == [(0, 10)] and 's1' in why


def test_hidden_snapshots_go_with_their_volume_as_cascaded_ones_do():
    to, allowed = volume_db.HIDDEN_SNAPSHOT_CHANGE
    assert to == states.Snapshot.DELETING
    assert tuple(allowed) == tuple(states.Snapshot.FROM['cascade_delete'])


def test_file_driver_without_reflinks_tracks_nothing(tmp_path):
    from backupd.drivers.volume import base
    from tests.contracts.file_volume_driver import make_driver
    driver = make_driver(tmp_path / 'volumes')
    driver.do_setup()
    driver.check_for_setup_error()
    assert driver.supports_change_tracking is driver.supports_reflink
    if driver.supports_reflink:
        pytest.skip('tmp_path is on a reflink filesystem')
    driver.create_volume('vol', 1)
    driver.create_snapshot('snap', 'vol')
    # Sparse copies share no extents: no identity, no changed ranges, so
    # a backup never keeps such a snapshot as a base.
    with pytest.raises(base.CannotTrackChanges, match='cannot reflink'):
        driver.snapshot_identity('snap', 'vol')
    with pytest.raises(base.CannotTrackChanges, match='cannot reflink'):
        driver.changed_ranges('snap', 'x', 'snap', 'vol')
