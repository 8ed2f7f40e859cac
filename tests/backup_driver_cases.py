"""Driver-agnostic tests of a chunked backup driver, for every backend.

A backend's test module subclasses :class:`BackupDriverCases` and supplies
one fixture, ``driver_factory``: a callable taking option overrides
(``backup_chunk_size=...``) and returning a ready driver (``do_setup`` done)
on real storage, e.g.::

    class TestSwiftBackup(BackupDriverCases):
        @pytest.fixture
        def driver_factory(self, swift_service):
            def make(**overrides):
                conf = cfg.ConfigOpts()
                conf([])
                driver = SwiftBackupDriver(conf)
                for name, value in {**swift_opts, **overrides}.items():
                    conf.set_override(name, value)
                driver.do_setup()
                return driver
            return make

Faults are made through the driver's own primitives (read an object, flip
a byte, put it back; delete an object), so they are real on any storage.
Volumes are real files in ``tmp_path``; :func:`write_volume` and
:func:`rewrite_blocks` build them from a seed.
"""
import hashlib
import json
import os
import random

import pytest

from backupd import exception
from backupd.drivers.backup import base

MiB = 1024 * 1024
KiB = 1024
CHUNK = 256 * KiB            # small chunks: many of them in a small volume
BLOCK = 32 * KiB
SMALL = {'backup_chunk_size': CHUNK, 'backup_sha_block_size_bytes': BLOCK}


def write_volume(path, size, seed=0, layout='mixed'):
    """A volume file of ``size`` bytes.

    ``mixed``: per MiB, random bytes, zeros (written) or log-like text;
    ``random``: random bytes; ``sparse``: a hole-y file with a few MiB of
    random data at known places (every 4th MiB).
    """
    rnd = random.Random(seed)
    with open(path, 'wb') as f:
        f.truncate(size)
        for offset in range(0, size, MiB):
            length = min(MiB, size - offset)
            kind = {'mixed': rnd.choice('rzt'), 'random': 'r',
                    'sparse': 'r' if offset % (4 * MiB) == 0 else 'h'}[layout]
            if kind == 'h':
                continue
            if kind == 'r':
                data = rnd.randbytes(length)
            elif kind == 'z':
                data = bytes(length)
            else:
                data = log_text(rnd, length)
            os.pwrite(f.fileno(), data, offset)
    return path


def log_text(rnd, length):
    lines = []
    size = 0
    while size < length:
        line = ('2026-11-21T12:%02d:%02d.%06d INFO backupd.manager [req-%08x]'
                ' backup %d chunk %d stored in %d ms\n'
                % (rnd.randrange(60), rnd.randrange(60), rnd.randrange(10**6),
                   rnd.getrandbits(32), rnd.randrange(1000),
                   rnd.randrange(10**5), rnd.randrange(500))).encode()
        lines.append(line)
        size += len(line)
    return b''.join(lines)[:length]


def rewrite_blocks(path, fraction, seed, block=BLOCK):
    """Overwrite ``fraction`` of the volume's ``block``-sized blocks, chosen
    at random, with random bytes; returns how many bytes changed."""
    rnd = random.Random(seed)
    size = os.path.getsize(path)
    blocks = size // block
    chosen = rnd.sample(range(blocks), max(1, int(blocks * fraction)))
    with open(path, 'r+b') as f:
        for index in chosen:
            os.pwrite(f.fileno(), rnd.randbytes(block), index * block)
    return len(chosen) * block


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for piece in iter(lambda: f.read(MiB), b''):
            digest.update(piece)
    return digest.hexdigest()


def stored_ref(ref, result):
    """The BackupRef a manager would build from the stored row."""
    return base.BackupRef(ref.id, ref.volume_id, container=result.container,
                          service_metadata=result.service_metadata)


def allocated_bytes(path):
    return os.stat(path).st_blocks * 512


class BackupDriverCases:
    """Tests every chunked backup driver must pass; see module docstring."""

    @pytest.fixture
    def driver(self, driver_factory):
        return driver_factory(**SMALL)

    # --- helpers ---

    def backup(self, driver, volume, backup_id, parent=None, **kwargs):
        ref = base.BackupRef(backup_id, 'vol-1', parent=parent)
        return stored_ref(ref, driver.backup(ref, str(volume), **kwargs))

    def objects_of(self, driver, ref):
        return driver.list_objects(ref.container, 'backup_%s/' % ref.id)

    def chunk_objects(self, driver, ref):
        return [n for n in self.objects_of(driver, ref) if '/chunk_' in n]

    def assert_restores(self, driver, ref, expected_sha, target):
        driver.restore(ref, str(target))
        assert sha256_of(target) == expected_sha

    # --- round trips ---

    def test_full_round_trip(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 8 * MiB + 12345, seed=1)
        ref = self.backup(driver, volume, 'full')
        self.assert_restores(driver, ref, sha256_of(volume), tmp_path / 'out')
        assert driver.verify(ref).ok

    def test_incremental_chain_round_trip(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 8 * MiB, seed=2)
        refs, states = [], []
        for step in range(3):
            if step:
                rewrite_blocks(volume, 0.03, seed=step)
            states.append(sha256_of(volume))
            refs.append(self.backup(driver, volume, 'b%d' % step,
                                    parent=refs[-1] if refs else None))
        for step, ref in enumerate(refs):
            self.assert_restores(driver, ref, states[step],
                                 tmp_path / ('out%d' % step))
        report = driver.verify(refs[-1])
        assert report.ok, report.summary()

    def test_incremental_stores_only_changed_blocks(self, driver_factory,
                                                    tmp_path):
        driver = driver_factory(backup_sha_block_size_bytes=BLOCK)
        volume = write_volume(tmp_path / 'vol', 64 * MiB, seed=3,
                              layout='random')
        full = self.backup(driver, volume, 'full')
        changed = rewrite_blocks(volume, 0.01, seed=4)
        ref = base.BackupRef('incr', 'vol-1', parent=full)
        result = driver.backup(ref, str(volume))
        assert result.is_incremental
        assert result.changed_bytes == changed
        assert result.stored_bytes <= 0.02 * 64 * MiB
        self.assert_restores(driver, stored_ref(ref, result),
                             sha256_of(volume), tmp_path / 'out')

    def test_incremental_across_several_block_hash_objects(
            self, driver_factory, tmp_path):
        # 64 KiB chunks over 80 MiB: 1280 chunks, so the block hashes span
        # several objects (256 chunks each); a sparse volume keeps it fast.
        driver = driver_factory(backup_chunk_size=64 * KiB,
                                backup_sha_block_size_bytes=BLOCK)
        volume = write_volume(tmp_path / 'vol', 80 * MiB, seed=23,
                              layout='sparse')
        full = self.backup(driver, volume, 'segments-full')
        assert len([n for n in self.objects_of(driver, full)
                    if 'block_sha256' in n]) == 5
        rewrite_blocks(volume, 0.01, seed=24)
        incr = self.backup(driver, volume, 'segments-incr', parent=full)
        self.assert_restores(driver, incr, sha256_of(volume),
                             tmp_path / 'out')
        assert driver.verify(incr).ok

    def test_unchanged_incremental_stores_no_chunk(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=5)
        full = self.backup(driver, volume, 'full')
        again = self.backup(driver, volume, 'again', parent=full)
        assert self.chunk_objects(driver, again) == []
        self.assert_restores(driver, again, sha256_of(volume),
                             tmp_path / 'out')

    def test_incremental_of_a_grown_volume(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=19)
        full = self.backup(driver, volume, 'small')
        with open(volume, 'ab') as f:
            f.write(b'grown' * 200001)
        rewrite_blocks(volume, 0.05, seed=20)
        incr = self.backup(driver, volume, 'grown', parent=full)
        self.assert_restores(driver, incr, sha256_of(volume),
                             tmp_path / 'out')

    def test_incremental_keeps_its_parents_chunk_size(self, driver_factory,
                                                      tmp_path):
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=21)
        full = self.backup(driver_factory(**SMALL), volume, 'chunk-a')
        rewrite_blocks(volume, 0.02, seed=22)
        bigger = driver_factory(backup_chunk_size=4 * CHUNK,
                                backup_sha_block_size_bytes=BLOCK)
        incr = self.backup(bigger, volume, 'chunk-b', parent=full)
        stored = json.loads(bigger.get_object(incr.container,
                                              incr.service_metadata))
        assert stored['chunk_size'] == CHUNK
        self.assert_restores(bigger, incr, sha256_of(volume),
                             tmp_path / 'out')

    @pytest.mark.parametrize('compression', ['zstd', 'zlib', 'bz2', 'none'])
    def test_every_compression(self, driver_factory, tmp_path, compression):
        driver = driver_factory(backup_compression_algorithm=compression,
                                **SMALL)
        volume = write_volume(tmp_path / 'vol', 3 * MiB + 1, seed=6)
        ref = self.backup(driver, volume, 'c-' + compression)
        self.assert_restores(driver, ref, sha256_of(volume), tmp_path / 'out')

    # --- holes and zeros ---

    def test_sparse_volume_stores_no_holes_and_restores_them(self, driver,
                                                             tmp_path):
        volume = write_volume(tmp_path / 'vol', 32 * MiB, seed=7,
                              layout='sparse')
        ref = self.backup(driver, volume, 'sparse')
        data_chunks = 8 * MiB // CHUNK
        assert len(self.chunk_objects(driver, ref)) == data_chunks
        target = tmp_path / 'out'
        self.assert_restores(driver, ref, sha256_of(volume), target)
        assert allocated_bytes(target) <= 8 * MiB + 1 * MiB

    def test_restore_over_old_data_writes_zero_chunks(self, driver,
                                                      tmp_path):
        volume = tmp_path / 'vol'
        volume.write_bytes(bytes(2 * MiB))
        ref = self.backup(driver, volume, 'zeros')
        assert self.chunk_objects(driver, ref) == []
        target = write_volume(tmp_path / 'out', 2 * MiB, seed=8,
                              layout='random')
        self.assert_restores(driver, ref, sha256_of(volume), target)

    # --- faults ---

    def corrupt(self, driver, ref, name):
        data = bytearray(driver.get_object(ref.container, name))
        data[len(data) // 2] ^= 0xFF
        driver.put_object(ref.container, name, bytes(data))

    def test_corrupted_object_fails_restore_and_verify_naming_it(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=9,
                              layout='random')
        ref = self.backup(driver, volume, 'corrupt')
        victim = self.chunk_objects(driver, ref)[5]
        self.corrupt(driver, ref, victim)
        with pytest.raises(exception.BackupChecksumMismatch,
                           match=victim):
            driver.restore(ref, str(tmp_path / 'out'))
        report = driver.verify(ref)
        assert not report.ok
        assert [p.object_name for p in report.problems] == [victim]

    def test_corrupted_parent_object_fails_incremental_restore(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=10,
                              layout='random')
        full = self.backup(driver, volume, 'base')
        rewrite_blocks(volume, 0.05, seed=11)
        incr = self.backup(driver, volume, 'top', parent=full)
        victim = self.chunk_objects(driver, full)[0]
        self.corrupt(driver, full, victim)
        with pytest.raises(exception.BackupChecksumMismatch, match=victim):
            driver.restore(incr, str(tmp_path / 'out'))
        assert [p.object_name for p in driver.verify(incr).problems] == \
            [victim]

    def test_deleted_object_fails_verify(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=12,
                              layout='random')
        ref = self.backup(driver, volume, 'holey')
        victim = self.chunk_objects(driver, ref)[2]
        driver.delete_object(ref.container, victim)
        report = driver.verify(ref)
        assert not report.ok
        assert report.problems[0].object_name == victim
        assert 'missing' in report.summary()
        with pytest.raises(exception.BackupObjectNotFound, match=victim):
            driver.restore(ref, str(tmp_path / 'out'))

    def test_missing_manifest_is_a_verify_problem(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=13)
        ref = self.backup(driver, volume, 'nomanifest')
        driver.delete_object(ref.container, ref.service_metadata)
        report = driver.verify(ref)
        assert not report.ok
        assert report.problems[0].object_name == ref.service_metadata

    # --- cancel and progress ---

    def test_cancel_mid_backup_leaves_no_objects(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 16 * MiB, seed=14,
                              layout='random')
        seen = []
        ref = base.BackupRef('cancelled', 'vol-1')
        with pytest.raises(exception.BackupCancelled, match='cancelled'):
            driver.backup(ref, str(volume),
                          progress=lambda done, total: seen.append(done),
                          is_cancelled=lambda: bool(seen and seen[-1]))
        assert 0 < seen[-1] < 16 * MiB
        container = driver.default_container
        assert driver.list_objects(container, 'backup_cancelled/') == []

    def test_progress_reaches_the_volume_size(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 3 * MiB, seed=15)
        calls = []
        self.backup(driver, volume, 'progress',
                    progress=lambda done, total: calls.append((done, total)))
        assert calls[-1] == (3 * MiB, 3 * MiB)
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    # --- delete ---

    def test_delete_twice_is_fine(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=16)
        ref = self.backup(driver, volume, 'twice')
        driver.delete_backup(ref)
        driver.delete_backup(ref)
        assert self.objects_of(driver, ref) == []

    def test_delete_never_touches_other_backups(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=17)
        keep = self.backup(driver, volume, '10')
        gone = self.backup(driver, volume, '1')     # a prefix of "10"
        driver.delete_backup(gone)
        assert self.objects_of(driver, gone) == []
        assert driver.verify(keep).ok
        for bad_id in ('', '../10', 'a/b'):
            with pytest.raises(exception.BackupDriverError):
                driver.delete_backup(base.BackupRef(bad_id, 'vol-1',
                                                    container=keep.container))
        with pytest.raises(ValueError):
            driver.list_objects(keep.container, '')
        self.assert_restores(driver, keep, sha256_of(volume),
                             tmp_path / 'out')

    # --- records ---

    def test_export_import_record(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=18)
        ref = self.backup(driver, volume, 'exported')
        info = driver.export_record(ref)
        imported = driver.import_record(
            base.BackupRef('exported', 'vol-2'), info)
        assert imported.service_metadata == ref.service_metadata
        self.assert_restores(driver, imported, sha256_of(volume),
                             tmp_path / 'out')
        with pytest.raises(exception.BackupDriverError):
            driver.import_record(base.BackupRef('other', 'vol-2'), info)

