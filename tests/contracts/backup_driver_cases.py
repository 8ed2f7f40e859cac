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
import bz2
import json
import os
import random
import zlib

import pytest
import zstandard

from backupd import exception
from backupd import names
from backupd.drivers.backup import base
from backupd.drivers.backup.engine import manifest as engine_manifest
from tests.helpers import files

MiB = 1024 * 1024
KiB = 1024
CHUNK = 256 * KiB            # small chunks: many of them in a small volume
BLOCK = 32 * KiB
SMALL = {'backup_chunk_size': CHUNK, 'backup_sha_block_size_bytes': BLOCK}
# These cases are of the chained layout (manifests 1/2: each backup owns
# its objects under backup_<id>/), which earlier releases wrote and every
# release reads; the shared layout's are in
# tests/contracts/shared_store_cases.py.
CHAINED = {'backup_data_layout': 'chained'}
# Containers the issue 13 tenant sent, and their kin: each leaves its one
# level (or is no name at all) on some backend.
BAD_CONTAINERS = ('.', '..', '/etc', 'a//x', 'x/..', 'c/backup_other',
                  'nul\x00', 'new\nline', 'tab\there', 'x' * 256,
                  '\u00e9' * 129, '')


def write_volume(path, size, seed=0, layout='mixed', data_every=4 * MiB):
    """A volume file of ``size`` bytes.

    ``mixed``: per MiB, random bytes, zeros (written) or log-like text;
    ``random``: random bytes; ``sparse``: a hole-y file with a few MiB of
    random data at known places (a MiB every ``data_every`` bytes: every
    4th MiB unless told).
    """
    rnd = random.Random(seed)
    with open(path, 'wb') as f:
        f.truncate(size)
        for offset in range(0, size, MiB):
            length = min(MiB, size - offset)
            kind = {'mixed': rnd.choice('rzt'), 'random': 'r',
                    'sparse': 'r' if offset % data_every == 0 else 'h'}[layout]
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


rewrite_blocks = files.rewrite_blocks
sha256_of = files.sha256_of


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

    def backed_up(self, driver, tmp_path, backup_id, size, seed,
                  layout='random', **layout_args):
        """A volume (:func:`write_volume`, of random bytes unless told)
        and its full backup ``backup_id``."""
        volume = write_volume(tmp_path / 'vol', size, seed=seed,
                              layout=layout, **layout_args)
        return volume, self.backup(driver, volume, backup_id)

    def incremental(self, driver, volume, parent, backup_id, fraction, seed):
        """Incremental backup ``backup_id`` over ``parent`` once
        ``fraction`` of the volume's blocks are rewritten
        (:func:`rewrite_blocks`)."""
        rewrite_blocks(volume, fraction, seed=seed)
        return self.backup(driver, volume, backup_id, parent=parent)

    def objects_of(self, driver, ref):
        return driver.list_objects(ref.container, 'backup_%s/' % ref.id)

    def chunk_objects(self, driver, ref):
        return [n for n in self.objects_of(driver, ref) if '/chunk_' in n]

    def assert_restores(self, driver, ref, expected_sha, target):
        driver.restore(ref, str(target))
        assert sha256_of(target) == expected_sha

    def manifest_of(self, driver, ref):
        return json.loads(driver.get_object(ref.container,
                                            ref.service_metadata))

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

    def test_incremental_of_an_incremental_layers_deltas_exactly(
            self, driver, tmp_path):
        # 8 chunks of 8 blocks. Generation 1 changes one block of chunks 2
        # and 6 and zeroes chunk 4; generation 2 changes another block of
        # chunk 2 (a delta over a delta), writes a block into chunk 4 (a
        # delta over zeros), leaves chunk 6 alone (its bytes come from
        # generation 1's delta over the full) and rewrites most of chunk 7.
        volume = write_volume(tmp_path / 'vol', 8 * CHUNK, seed=25,
                              layout='random')
        rnd = random.Random(26)

        def write(chunk, block, nbytes=BLOCK, data=None):
            with open(volume, 'r+b') as f:
                os.pwrite(f.fileno(), data if data is not None
                          else rnd.randbytes(nbytes),
                          chunk * CHUNK + block * BLOCK)

        refs, states = [self.backup(driver, volume, 'gen0')], []
        states.append(sha256_of(volume))
        write(2, 1)
        write(6, 0)
        write(4, 0, data=bytes(CHUNK))
        refs.append(self.backup(driver, volume, 'gen1', parent=refs[-1]))
        states.append(sha256_of(volume))
        write(2, 5)
        write(4, 3)
        write(7, 1, nbytes=6 * BLOCK)
        refs.append(self.backup(driver, volume, 'gen2', parent=refs[-1]))
        states.append(sha256_of(volume))

        gen1 = self.manifest_of(driver, refs[1])['chunks']
        gen2 = self.manifest_of(driver, refs[2])['chunks']
        assert gen1[2]['runs'] == [[BLOCK, BLOCK]]
        assert gen2[2]['runs'] == [[5 * BLOCK, BLOCK]]
        assert gen1[4]['zero'] and gen2[4]['runs'] == [[3 * BLOCK, BLOCK]]
        assert gen1[6]['runs'] == [[0, BLOCK]]
        assert gen2[6]['source'] == 'parent'
        assert gen2[7]['runs'] is None and gen2[7]['object']
        assert [c['source'] for i, c in enumerate(gen2)
                if i not in (2, 4, 6, 7)] == ['parent'] * 4
        for step, ref in enumerate(refs):
            self.assert_restores(driver, ref, states[step],
                                 tmp_path / ('out%d' % step))
        report = driver.verify(refs[-1])
        assert report.ok, report.summary()

    def test_incremental_stores_only_changed_blocks(self, driver_factory,
                                                    tmp_path):
        driver = driver_factory(backup_sha_block_size_bytes=BLOCK)
        volume, full = self.backed_up(driver, tmp_path, 'full',
                                      64 * MiB, seed=3)
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
        # several objects (256 chunks each); a sparse volume keeps it fast:
        # one MiB of data in each 16 (every object stored, restored and
        # verified is a request to Swift: 80 chunks, not 320).
        driver = driver_factory(backup_chunk_size=64 * KiB,
                                backup_sha_block_size_bytes=BLOCK)
        volume, full = self.backed_up(driver, tmp_path, 'segments-full',
                                      80 * MiB, seed=23, layout='sparse',
                                      data_every=16 * MiB)
        assert len([n for n in self.objects_of(driver, full)
                    if 'block_sha256' in n]) == 5
        incr = self.incremental(driver, volume, full, 'segments-incr',
                                0.01, seed=24)
        self.assert_restores(driver, incr, sha256_of(volume),
                             tmp_path / 'out')
        assert driver.verify(incr).ok

    def test_scattered_deltas_are_packed(self, driver, tmp_path):
        # One random block changed in each of 40 of 64 chunks: 40 deltas of
        # one incompressible 32 KiB block, packed into objects of about a
        # chunk (256 KiB): 8 deltas each, so 5 packs and no chunk object.
        volume, full = self.backed_up(driver, tmp_path, 'pack-full',
                                      64 * CHUNK, seed=31)
        rnd = random.Random(32)
        touched = sorted(rnd.sample(range(64), 40))
        with open(volume, 'r+b') as f:
            for chunk in touched:
                os.pwrite(f.fileno(), rnd.randbytes(BLOCK),
                          chunk * CHUNK + rnd.randrange(8) * BLOCK)
        ref = base.BackupRef('pack-incr', 'vol-1', parent=full)
        result = driver.backup(ref, str(volume))
        incr = stored_ref(ref, result)
        stored = self.objects_of(driver, incr)
        packs = sorted(n for n in stored if '/pack_' in n)
        assert len(packs) == 5 and self.chunk_objects(driver, incr) == []
        assert result.object_count == len(stored)
        chunks = self.manifest_of(driver, incr)['chunks']
        deltas = [c for c in chunks if c['runs'] is not None]
        assert [c['offset'] // CHUNK for c in deltas] == touched
        assert {c['object'] for c in deltas} == set(packs)
        for pack in packs:     # each pack is its deltas, end to end
            inside = sorted((c['object_offset'], c['stored_size'])
                            for c in deltas if c['object'] == pack)
            assert inside[0][0] == 0
            assert all(a + n == b for (a, n), (b, _) in zip(inside,
                                                            inside[1:]))
            last = inside[-1]
            assert driver.head_object(incr.container, pack) == sum(last)
        self.assert_restores(driver, incr, sha256_of(volume),
                             tmp_path / 'out')
        assert driver.verify(incr).ok
        # A damaged pack fails the restore and verify, naming the pack.
        victim = packs[2]
        self.corrupt(driver, incr, victim)
        with pytest.raises(exception.BackupChecksumMismatch, match=victim):
            driver.restore(incr, str(tmp_path / 'out2'))
        problems = driver.verify(incr).problems
        # one flipped byte: the one delta around it, the others are sound
        assert [p.object_name for p in problems] == [victim]
        # A missing pack: one problem, with how many deltas it held.
        driver.delete_object(incr.container, packs[0])
        report = driver.verify(incr)
        missing = [p for p in report.problems if p.object_name == packs[0]]
        assert [p.reason for p in missing] == [
            'missing (a pack: 8 of its deltas unreadable)'], missing
        # objects counted, not deltas: every object of both backups once
        assert report.checked_objects == len(
            self.objects_of(driver, full)) + len(stored)
        driver.delete_backup(incr)
        assert self.objects_of(driver, incr) == []
        assert driver.verify(full).ok

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
        incr = self.incremental(driver, volume, full, 'grown', 0.05, seed=20)
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
        # 1 MiB of text (shrinks), 1 MiB of random bytes (does not: stored
        # raw), 1 MiB of zeros (not stored) and one byte.
        driver = driver_factory(backup_compression_algorithm=compression,
                                **SMALL)
        rnd = random.Random(6)
        text = log_text(rnd, MiB)
        volume = tmp_path / 'vol'
        volume.write_bytes(text + rnd.randbytes(MiB) + bytes(MiB) + b'!')
        ref = self.backup(driver, volume, 'c-' + compression)
        self.assert_restores(driver, ref, sha256_of(volume), tmp_path / 'out')

        stored = self.manifest_of(driver, ref)
        assert stored['compression'] == compression
        chunks = stored['chunks']
        per_mib = MiB // CHUNK
        text_chunks = chunks[:per_mib]
        random_chunks = chunks[per_mib:2 * per_mib]
        assert all(c['zero'] for c in chunks[2 * per_mib:3 * per_mib])
        assert {c['compression'] for c in random_chunks} == {'none'}
        assert {c['compression'] for c in text_chunks} == {compression}
        first = text_chunks[0]
        data = driver.get_object(ref.container, first['object'])
        assert len(data) == first['stored_size']
        if compression != 'none':
            assert first['stored_size'] < CHUNK // 2
        # The stored bytes are that algorithm's own format.
        decode = {'zstd': zstandard.ZstdDecompressor().decompress,
                  'zlib': zlib.decompress, 'bz2': bz2.decompress,
                  'none': bytes}[compression]
        assert decode(data) == text[:CHUNK]

    # --- holes and zeros ---

    def test_sparse_volume_stores_no_holes_and_restores_them(self, driver,
                                                             tmp_path):
        volume, ref = self.backed_up(driver, tmp_path, 'sparse',
                                     32 * MiB, seed=7, layout='sparse')
        data_chunks = 8 * MiB // CHUNK
        assert len(self.chunk_objects(driver, ref)) == data_chunks
        target = tmp_path / 'out'
        self.assert_restores(driver, ref, sha256_of(volume), target)
        assert allocated_bytes(target) <= 8 * MiB + 1 * MiB

    def test_written_zero_chunks_restore_as_holes_on_a_new_target(
            self, driver, tmp_path):
        # Zeros written out (allocated on disk), not holes: still not
        # stored, and a restore to a new file leaves holes there.
        rnd = random.Random(27)
        volume = tmp_path / 'vol'
        volume.write_bytes(rnd.randbytes(MiB) + bytes(6 * MiB)
                           + rnd.randbytes(MiB))
        assert allocated_bytes(volume) >= 8 * MiB
        ref = self.backup(driver, volume, 'zeros-written')
        assert len(self.chunk_objects(driver, ref)) == 2 * MiB // CHUNK
        zero = [c for c in self.manifest_of(driver, ref)['chunks']
                if c['zero']]
        assert len(zero) == 6 * MiB // CHUNK
        assert not any(c['hole'] or c['object'] for c in zero)
        target = tmp_path / 'out'
        self.assert_restores(driver, ref, sha256_of(volume), target)
        assert allocated_bytes(target) <= 2 * MiB + 256 * KiB

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
        volume, ref = self.backed_up(driver, tmp_path, 'corrupt',
                                     4 * MiB, seed=9)
        victim = self.chunk_objects(driver, ref)[5]
        assert victim.endswith('chunk_00000005')
        self.corrupt(driver, ref, victim)
        # Checked BEFORE writing: the chunk's place in the target keeps
        # what it held.
        target = tmp_path / 'out'
        target.write_bytes(b'\x5a' * (4 * MiB))
        with pytest.raises(exception.BackupChecksumMismatch,
                           match=victim):
            driver.restore(ref, str(target))
        with open(target, 'rb') as f:
            assert os.pread(f.fileno(), CHUNK, 5 * CHUNK) == b'\x5a' * CHUNK
        report = driver.verify(ref)
        assert not report.ok
        assert [p.object_name for p in report.problems] == [victim]

    def test_truncated_object_fails_verify_and_restore_naming_it(
            self, driver, tmp_path):
        volume, ref = self.backed_up(driver, tmp_path, 'truncated',
                                     2 * MiB, seed=28)
        victim = self.chunk_objects(driver, ref)[3]
        data = driver.get_object(ref.container, victim)
        driver.put_object(ref.container, victim, data[:-100])
        report = driver.verify(ref)
        [problem] = report.problems
        assert problem.object_name == victim
        assert 'stored size %d' % (len(data) - 100) in problem.reason
        with pytest.raises(exception.BackupChecksumMismatch, match=victim):
            driver.restore(ref, str(tmp_path / 'out'))

    def test_corrupted_parent_object_fails_incremental_restore(
            self, driver, tmp_path):
        volume, full = self.backed_up(driver, tmp_path, 'base',
                                      2 * MiB, seed=10)
        incr = self.incremental(driver, volume, full, 'top', 0.05, seed=11)
        victim = self.chunk_objects(driver, full)[0]
        self.corrupt(driver, full, victim)
        with pytest.raises(exception.BackupChecksumMismatch, match=victim):
            driver.restore(incr, str(tmp_path / 'out'))
        assert [p.object_name for p in driver.verify(incr).problems] == \
            [victim]

    def test_verify_and_restore_of_an_incremental_check_its_parents(
            self, driver, tmp_path):
        volume, full = self.backed_up(driver, tmp_path, 'p-full',
                                      2 * MiB, seed=29)
        incr = self.incremental(driver, volume, full, 'p-incr', 0.05, seed=30)
        assert driver.verify(incr).ok
        # A parent chunk the incremental still uses, gone.
        incr_chunks = self.manifest_of(driver, incr)['chunks']
        reused = next(i for i, c in enumerate(incr_chunks)
                      if c['source'] == 'parent')
        victim = 'backup_p-full/chunk_%08d' % reused
        driver.delete_object(full.container, victim)
        [problem] = driver.verify(incr).problems
        assert (problem.backup_id, problem.object_name, problem.reason) == (
            'p-full', victim, 'missing')
        with pytest.raises(exception.BackupObjectNotFound, match=victim):
            driver.restore(incr, str(tmp_path / 'out'))
        # The parent's manifest gone: the report names it, not the child's.
        driver.delete_object(full.container, full.service_metadata)
        [problem] = driver.verify(incr).problems
        assert (problem.backup_id, problem.object_name) == (
            'p-full', full.service_metadata)
        with pytest.raises(exception.BackupObjectNotFound,
                           match=full.service_metadata):
            driver.restore(incr, str(tmp_path / 'out'))

    def test_corrupted_block_hashes_fail_verify_and_incrementals(
            self, driver, tmp_path):
        # The block hash objects are what an incremental compares with.
        volume, full = self.backed_up(driver, tmp_path, 'hashes',
                                      2 * MiB, seed=33)
        victim = 'backup_hashes/block_sha256_00000'
        assert victim in self.objects_of(driver, full)
        self.corrupt(driver, full, victim)
        assert [p.object_name for p in driver.verify(full).problems] == [
            victim]
        rewrite_blocks(volume, 0.05, seed=34)
        incr = base.BackupRef('on-bad-hashes', 'vol-1', parent=full)
        with pytest.raises(exception.BackupChecksumMismatch, match=victim):
            driver.backup(incr, str(volume))
        assert driver.list_objects(full.container,
                                   'backup_on-bad-hashes/') == []

    def test_deleted_object_fails_verify(self, driver, tmp_path):
        volume, ref = self.backed_up(driver, tmp_path, 'holey',
                                     2 * MiB, seed=12)
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

    def test_cancelled_incremental_removes_what_it_wrote_if_not_listed(
            self, driver, tmp_path, monkeypatch):
        # Fault injection: a listing that lags behind the writes shows
        # nothing; the cancelled run still removes every object it wrote
        # (chunks and delta packs alike).
        volume, full = self.backed_up(driver, tmp_path, 'lag-full',
                                      16 * MiB, seed=33)
        rewrite_blocks(volume, 0.3, seed=34)
        monkeypatch.setattr(driver, 'iter_objects',
                            lambda container, prefix: iter(()))
        seen = []
        ref = base.BackupRef('lag-incr', 'vol-1', parent=full)
        with pytest.raises(exception.BackupCancelled):
            driver.backup(ref, str(volume),
                          progress=lambda done, total: seen.append(done),
                          is_cancelled=lambda: bool(seen and
                                                    seen[-1] >= 8 * MiB))
        monkeypatch.undo()
        assert driver.list_objects(driver.default_container,
                                   'backup_lag-incr/') == []
        assert driver.verify(full).ok

    def test_delete_stops_before_the_manifest_when_it_cannot_read_it(
            self, driver, tmp_path, monkeypatch):
        # Fault injection: the store fails the manifest's GET (a 5xx after
        # every retry, say). Deleting the manifest then would lose the only
        # full list of the objects: the delete must fail and keep it.
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=35)
        ref = self.backup(driver, volume, 'unreadable')
        real_get = driver.get_object

        def failing_get(container, name):
            if name == ref.service_metadata:
                raise exception.BackupDriverError(reason='store failed')
            return real_get(container, name)
        monkeypatch.setattr(driver, 'get_object', failing_get)
        with pytest.raises(exception.BackupDriverError, match='store failed'):
            driver.delete_backup(ref)
        monkeypatch.undo()
        assert driver.verify(ref).ok
        driver.delete_backup(ref)
        assert self.objects_of(driver, ref) == []

    def test_failure_mid_backup_leaves_no_objects(self, driver, tmp_path):
        # A real fault: the volume shrinks under the reader once data flows.
        volume = write_volume(tmp_path / 'vol', 16 * MiB, seed=31,
                              layout='random')

        def shrink(done, total):
            if done:
                os.truncate(volume, 2 * MiB)

        ref = base.BackupRef('shrunk', 'vol-1')
        with pytest.raises(exception.BackupDriverError,
                           match='changed size'):
            driver.backup(ref, str(volume), progress=shrink)
        assert driver.list_objects(driver.default_container,
                                   'backup_shrunk/') == []

    def test_cancel_mid_restore_stops_it(self, driver, tmp_path):
        volume, ref = self.backed_up(driver, tmp_path, 'restore-cancelled',
                                     8 * MiB, seed=32)
        seen = []
        with pytest.raises(exception.BackupCancelled,
                           match='restore-cancelled'):
            driver.restore(ref, str(tmp_path / 'out'),
                           progress=lambda done, total: seen.append(done),
                           is_cancelled=lambda: bool(seen and seen[-1]))
        assert 0 < seen[-1] < 8 * MiB

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

    def test_delete_removes_what_the_manifest_names_if_not_listed(
            self, driver, tmp_path, monkeypatch):
        # Fault injection: a listing that lags behind the writes (Swift
        # updates listings asynchronously; a real lag cannot be produced on
        # demand), here one that shows only the manifest.
        # An incremental with chunks and delta packs, over a full backup.
        volume, full = self.backed_up(driver, tmp_path, 'lagging-full',
                                      4 * MiB, seed=19)
        rewrite_blocks(volume, 0.05, seed=20)
        with open(volume, 'r+b') as f:     # and one chunk rewritten whole
            os.pwrite(f.fileno(), random.Random(21).randbytes(CHUNK), 0)
        ref = self.backup(driver, volume, 'lagging', parent=full)
        stored = self.objects_of(driver, ref)
        assert any('/pack_' in n for n in stored), stored
        assert any('/chunk_' in n for n in stored), stored
        real_list = driver.iter_objects
        monkeypatch.setattr(driver, 'iter_objects', lambda container, prefix: (
            n for n in real_list(container, prefix)
            if n == ref.service_metadata))
        driver.delete_backup(ref)
        monkeypatch.undo()
        assert self.objects_of(driver, ref) == []
        assert driver.verify(full).ok

    def test_delete_never_touches_other_backups(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=17)
        keep = self.backup(driver, volume, '10')
        gone = self.backup(driver, volume, '1')     # a prefix of "10"
        driver.delete_backup(gone)
        assert self.objects_of(driver, gone) == []
        assert driver.verify(keep).ok
        # An id that cannot name objects never stored any: its delete
        # succeeds (so its row can go) and touches nothing.
        for bad_id in ('', None, '../10', 'a/b'):
            driver.delete_backup(base.BackupRef(bad_id, 'vol-1',
                                                container=keep.container))
        assert driver.verify(keep).ok
        with pytest.raises(ValueError):
            driver.list_objects(keep.container, '')
        self.assert_restores(driver, keep, sha256_of(volume),
                             tmp_path / 'out')

    def test_delete_ignores_manifest_names_outside_the_backup(
            self, driver, tmp_path, monkeypatch):
        # Fault injection: a tampered manifest (write access to the store,
        # or a forged imported record) naming another backup's object
        # through "..", which an HTTP client would resolve. Only names of
        # the backup's own object kinds are deleted.
        volume, victim = self.backed_up(driver, tmp_path, 'victim',
                                        1 * MiB, seed=23)
        crafted = self.backup(driver, volume, 'crafted')
        real_load = driver._load_manifest

        def tampered(container, name):
            found = real_load(container, name)
            found.chunks[0].object = (
                'backup_crafted/../backup_victim/chunk_00000000')
            return found
        monkeypatch.setattr(driver, '_load_manifest', tampered)
        driver.delete_backup(crafted)
        monkeypatch.undo()
        assert self.objects_of(driver, crafted) == []
        assert driver.verify(victim).ok
        self.assert_restores(driver, victim, sha256_of(volume),
                             tmp_path / 'out')

    # --- streamed listings ---

    def put_many(self, driver, prefix, count):
        container = driver.default_container
        driver.put_container(container)
        names = ['%sobj_%03d' % (prefix, n) for n in range(count)]
        for name in names:
            driver.put_object(container, name, b'x')
        return container, names

    def test_iteration_goes_over_many_pages(self, driver):
        driver.listing_page = 3
        container, names = self.put_many(driver, 'backup_paged/', 11)
        self.put_many(driver, 'backup_paged2/', 2)    # a neighbour prefix
        listed = list(driver.iter_objects(container, 'backup_paged/'))
        assert sorted(listed) == names       # each once, the prefix only
        assert sorted(driver.iter_objects(
            container, 'backup_paged/obj_00')) == names[:10]
        assert driver.list_objects(container, 'backup_paged/') == names
        assert list(driver.iter_objects(container, 'backup_none/')) == []

    def test_iteration_refuses_a_wide_prefix_when_called(self, driver):
        # Refused at the call, not at the first name: a caller cannot get
        # a lazy iterator over a whole container.
        for prefix in ('', None):
            with pytest.raises(ValueError):
                driver.iter_objects(driver.default_container, prefix)

    def test_deleting_while_iterating_skips_and_repeats_nothing(
            self, driver):
        # What a sweep and a backup's delete do: each name deleted as soon
        # as it is given, pages of 3 names over 20.
        driver.listing_page = 3
        container, names = self.put_many(driver, 'backup_swept/', 20)
        seen = []
        for name in driver.iter_objects(container, 'backup_swept/'):
            seen.append(name)
            driver.delete_object(container, name)
        assert sorted(seen) == names
        assert driver.list_objects(container, 'backup_swept/') == []

    # --- records ---

    def test_export_import_record(self, driver, tmp_path):
        # Made in a container that is not the driver's default: the record
        # alone must lead the importing side to it.
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=18)
        elsewhere = driver.default_container + '-exported'
        ref = base.BackupRef('exported', 'vol-1', container=elsewhere)
        ref = stored_ref(ref, driver.backup(ref, str(volume)))
        info = driver.export_record(ref)
        json.dumps(info)                      # it travels as JSON
        imported = driver.import_record(
            base.BackupRef('exported', 'vol-2'), info)
        assert (imported.container, imported.service_metadata) == (
            elsewhere, ref.service_metadata)
        self.assert_restores(driver, imported, sha256_of(volume),
                             tmp_path / 'out')
        assert driver.verify(imported).ok

    def test_import_record_refuses_what_is_not_that_backup(self, driver,
                                                           tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=19)
        ref = self.backup(driver, volume, 'exported')
        info = driver.export_record(ref)
        # Backup "other" importing a copy of "exported"'s manifest.
        copy = 'backup_other/manifest'
        driver.put_object(ref.container, copy,
                          driver.get_object(ref.container,
                                            ref.service_metadata))
        with pytest.raises(exception.BackupDriverError,
                           match='belongs to backup exported'):
            driver.import_record(base.BackupRef('other', 'vol-2'),
                                 dict(info, service_metadata=copy))
        # Another backup's manifest: a chained backup's objects are its
        # own, so it is never shared under another id (the shared layout
        # does share: tests/contracts/shared_store_cases.py).
        with pytest.raises(exception.BackupDriverError,
                           match='import it under its own id'):
            driver.import_record(base.BackupRef('other', 'vol-2'), dict(
                info, service_metadata='backup_exported/manifest'))
        with pytest.raises(exception.BackupObjectNotFound):
            driver.import_record(base.BackupRef('never-made', 'vol-2'), {})

    # --- names and isolation (issue 13) ---

    def test_invalid_containers_are_refused_at_every_use(self, driver,
                                                         tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=29)
        for bad in BAD_CONTAINERS:
            ref = base.BackupRef('named', 'vol-1', container=bad or None)
            if not bad:     # "" means the default: only the primitives
                ref = None
            if ref is not None:
                with pytest.raises(names.InvalidName):
                    driver.backup(ref, str(volume))
                with pytest.raises(names.InvalidName):
                    driver.restore(ref, str(tmp_path / 'out'))
                assert not driver.verify(ref).ok
                with pytest.raises(names.InvalidName):
                    driver.export_record(ref)
                # It stored nothing, so its delete succeeds (its row goes).
                driver.delete_backup(ref)
            for call in (lambda: driver.put_object(bad, 'backup_n/x', b'x'),
                         lambda: driver.get_object(bad, 'backup_n/x'),
                         lambda: driver.head_object(bad, 'backup_n/x'),
                         lambda: driver.delete_object(bad, 'backup_n/x'),
                         lambda: driver.list_objects(bad, 'backup_n/'),
                         lambda: driver.put_container(bad)):
                with pytest.raises(names.InvalidName):
                    call()
        assert driver.list_objects(driver.default_container,
                                   'backup_named/') == []

    def test_valid_unusual_containers_work(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=31)
        for container in ('with space', '\u00e9t\u00e9-\u5907\u4efd',
                          '.hidden-ish', 'x' * 200):
            ref = base.BackupRef('odd', 'vol-1', container=container)
            stored = stored_ref(ref, driver.backup(ref, str(volume)))
            assert stored.container == container
            self.assert_restores(driver, stored, sha256_of(volume),
                                 tmp_path / 'out')
            driver.delete_backup(stored)
            assert self.objects_of(driver, stored) == []

    def test_a_backup_reads_only_its_own_manifest(self, driver, tmp_path):
        # A row (or imported record) naming another backup's manifest, or
        # a copy of it under its own name: never an alias of that data.
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=37)
        owner = self.backup(driver, volume, 'owner')
        alias = base.BackupRef('alias', 'vol-1', container=owner.container,
                               service_metadata=owner.service_metadata)
        report = driver.verify(alias)
        assert not report.ok and 'not its own' in report.summary()
        with pytest.raises(names.InvalidName, match='not its own'):
            driver.restore(alias, str(tmp_path / 'out'))
        driver.delete_backup(alias)      # deletes only backup_alias/
        driver.put_object(owner.container, 'backup_alias/manifest',
                          driver.get_object(owner.container,
                                            owner.service_metadata))
        alias = base.BackupRef('alias', 'vol-1', container=owner.container)
        report = driver.verify(alias)
        assert not report.ok and 'belongs to backup owner' in \
            report.summary()
        with pytest.raises(exception.BackupDriverError,
                           match='belongs to backup owner'):
            driver.restore(alias, str(tmp_path / 'out'))
        driver.delete_backup(alias)
        assert self.objects_of(driver, alias) == []
        assert driver.verify(owner).ok
        self.assert_restores(driver, owner, sha256_of(volume),
                             tmp_path / 'out')

    def test_a_manifest_naming_another_backups_objects_is_refused(
            self, driver, tmp_path):
        # Fault injection through the store itself (write access to it):
        # a well-formed manifest of backup "thief" whose chunks are those of
        # "victim". Checksums all match, so only the ownership check stands
        # between it and a restore of the victim's bytes.
        victim_volume = write_volume(tmp_path / 'victim', 1 * MiB, seed=41,
                                     layout='random')
        victim = self.backup(driver, victim_volume, 'victim')
        thief = self.backup(driver, write_volume(tmp_path / 'thief', 1 * MiB,
                                                 seed=43), 'thief')
        stolen = driver._load_manifest(victim.container,
                                       victim.service_metadata)
        stolen.backup_id = 'thief'
        driver.put_object(thief.container, thief.service_metadata,
                          stolen.to_bytes())
        report = driver.verify(thief)
        assert not report.ok and 'outside backup thief' in report.summary()
        with pytest.raises(exception.BackupDriverError,
                           match='outside backup thief'):
            driver.restore(thief, str(tmp_path / 'out'))
        driver.delete_backup(thief)
        assert driver.verify(victim).ok
        self.assert_restores(driver, victim, sha256_of(victim_volume),
                             tmp_path / 'out')

    def test_object_names_stay_under_the_backups_prefix(self, driver):
        own = engine_manifest.ObjectNames('b1')
        assert own.owns('backup_b1/chunk_00000001')
        for name in ('backup_b10/chunk_1', 'backup_b1/', 'backup_b1/../x',
                     'backup_b1/sub/x', 'backup_b1/..', None, 7):
            assert not own.owns(name)

    # --- capabilities ---

    def test_capability_flags(self, driver):
        # What the flags promise, each shown by behaviour in this class:
        # incrementals (test_incremental_*), verify re-reading data
        # (test_corrupted_*), holes on restore (test_sparse_*).
        assert type(driver).supports_incremental is True
        assert type(driver).supports_verify is True
        assert type(driver).supports_sparse_restore is True
        assert (base.BackupDriver.supports_incremental,
                base.BackupDriver.supports_verify,
                base.BackupDriver.supports_sparse_restore) == (
            False, False, False)
