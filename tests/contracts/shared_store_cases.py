"""Driver-agnostic tests of the shared data layout (manifest version 3,
doc/dedup-and-gc.rst), for every chunked backend.

A backend's module subclasses :class:`SharedStoreCases` and supplies
``driver_factory`` as for :mod:`tests.contracts.backup_driver_cases` (option
overrides in, a ready driver on real storage out). Every driver made here
uses the shared layout; old-layout backups are made with
``backup_data_layout = chained`` to check they keep working.
"""
import json
import random
import threading

import pytest

from backupd import exception
from backupd.drivers.backup import base
from backupd.drivers.backup.engine import repository
from tests.contracts.backup_driver_cases import (BLOCK, MiB, SMALL,
                                                 rewrite_blocks, sha256_of,
                                                 stored_ref, write_volume)

SHARED = dict(SMALL, backup_data_layout='shared')


class SharedStoreCases:

    @pytest.fixture
    def driver(self, driver_factory):
        return driver_factory(**SHARED)

    # --- helpers ---

    def backup(self, driver, volume, backup_id, parent=None,
               project='project-a', volume_id='vol-1', **kwargs):
        ref = base.BackupRef(backup_id, volume_id, parent=parent,
                             project_id=project)
        return stored_ref(ref, driver.backup(ref, str(volume), **kwargs))

    def repo_of(self, driver, project='project-a'):
        return repository.Repository(driver, driver.default_container,
                                     repository.name_for(project))

    def data_objects(self, driver, project='project-a'):
        repo = self.repo_of(driver, project)
        return sorted(n for kind in repository.DATA_KINDS
                      for n in repo.list(kind))

    def restores(self, driver, ref, expected, target):
        if target.exists():
            target.unlink()
        driver.restore(ref, str(target))
        return sha256_of(target) == expected

    def collect_twice(self, driver, project='project-a'):
        first = driver.collect_garbage(None, project)
        second = driver.collect_garbage(None, project)
        assert not first['busy'] and not second['busy'], (first, second)
        assert second['deleted_objects'] == 0, second
        return first

    def assert_nothing_unreferenced(self, driver, project='project-a'):
        """Every data object of the repository is referenced by a manifest
        registered there."""
        report = driver.collect_garbage(None, project)
        assert not report['busy'], report
        assert report['deleted_objects'] == 0, report

    def chain(self, driver, volume, count, seed=10, project='project-a'):
        """A full backup and ``count - 1`` incrementals, 2 % of the blocks
        rewritten between two; [(ref, sha256)]."""
        refs = []
        for n in range(count):
            if n:
                rewrite_blocks(volume, 0.02, seed=seed + n)
            parent = refs[-1][0] if refs else None
            refs.append((self.backup(driver, volume, 'b%d' % n, parent,
                                     project=project), sha256_of(volume)))
        return refs

    # --- any order ---

    @pytest.mark.parametrize('order', ['oldest-first', 'newest-first',
                                       'random'])
    def test_any_backup_of_a_chain_deletes_and_the_rest_restore(
            self, driver, tmp_path, order):
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=1)
        refs = self.chain(driver, volume, 5)
        if order == 'newest-first':
            refs.reverse()
        elif order == 'random':
            random.Random(7).shuffle(refs)
        while refs:
            gone, _ = refs.pop(0)
            driver.delete_backup(gone)
            self.assert_nothing_unreferenced(driver)
            for ref, sha in refs:
                assert self.restores(driver, ref, sha, tmp_path / 'out')
                assert driver.verify(ref).ok
        assert self.data_objects(driver) == []

    def test_delete_the_full_keeps_exactly_what_the_incrementals_need(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=2)
        refs = self.chain(driver, volume, 3)
        before = set(self.data_objects(driver))
        driver.delete_backup(refs[0][0])
        # The full's chunks are what its incrementals are built on.
        after = set(self.data_objects(driver))
        assert after and after <= before
        for ref, sha in refs[1:]:
            assert self.restores(driver, ref, sha, tmp_path / 'out')

    def test_an_incremental_whose_parent_is_gone_is_a_full(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=3)
        parent = self.backup(driver, volume, 'parent')
        driver.delete_backup(parent)
        rewrite_blocks(volume, 0.05, seed=4)
        child = self.backup(driver, volume, 'child', parent=parent)
        assert self.restores(driver, child, sha256_of(volume),
                             tmp_path / 'out')

    # --- dedup ---

    def test_first_full_of_a_clone_stores_only_what_differs(
            self, driver_factory, tmp_path):
        driver = driver_factory(backup_data_layout='shared')  # 4 MiB chunks
        volume = write_volume(tmp_path / 'vol', 32 * MiB, seed=5)
        first = driver.backup(base.BackupRef('orig', 'vol-1',
                                             project_id='project-a'),
                              str(volume))
        clone = tmp_path / 'clone'
        clone.write_bytes(volume.read_bytes())
        with open(clone, 'r+b') as f:        # the clone diverged a little
            f.seek(5 * MiB)
            f.write(random.Random(6).randbytes(BLOCK))
        second = driver.backup(base.BackupRef('clone', 'vol-2',
                                              project_id='project-a'),
                               str(clone))
        assert not second.is_incremental
        # the one 4 MiB chunk that differs (at most), and block hashes
        assert second.stored_bytes <= driver.settings.chunk_size + 64 * 1024
        assert second.stored_bytes * 2 < first.stored_bytes
        out = tmp_path / 'out'
        assert self.restores(driver, stored_ref(
            base.BackupRef('clone', 'vol-2'), second), sha256_of(clone), out)

    def test_scattered_rewrites_store_about_what_changed(
            self, driver_factory, tmp_path):
        driver = driver_factory(backup_data_layout='shared')
        volume = write_volume(tmp_path / 'vol', 64 * MiB, seed=8,
                              layout='random')
        full = self.backup(driver, volume, 'full')
        rewrite_blocks(volume, 0.01, seed=9)
        result = driver.backup(base.BackupRef('inc', 'vol-1', parent=full,
                                              project_id='project-a'),
                               str(volume))
        assert result.is_incremental and not result.depends_on_parent
        assert result.stored_bytes <= 0.02 * 64 * MiB

    def test_no_dedup_and_no_common_name_across_projects(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=11)
        a = driver.backup(base.BackupRef('a', 'vol-1', project_id='one'),
                          str(volume))
        b = driver.backup(base.BackupRef('b', 'vol-1', project_id='two'),
                          str(volume))
        assert b.stored_bytes >= a.stored_bytes * 0.9  # stored again
        names = {}
        for project in ('one', 'two'):
            repo = self.repo_of(driver, project)
            names[project] = {n[len(repo.prefix):]: driver.head_object(
                driver.default_container, n)
                for n in self.data_objects(driver, project)}
        assert not set(names['one']) & set(names['two'])
        chunks = {p: sorted(size for n, size in names[p].items()
                            if n.startswith('c_')) for p in names}
        assert chunks['one'] != chunks['two']     # sizes keyed apart too

    # --- import ---

    @pytest.mark.parametrize('first', ['original', 'imported'])
    def test_import_under_a_new_id_shares_the_data(self, driver, tmp_path,
                                                   first):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=12)
        original = self.backup(driver, volume, 'original')
        sha = sha256_of(volume)
        record = driver.export_record(original)
        before = self.data_objects(driver)
        imported = driver.import_record(
            base.BackupRef('imported', 'vol-1', project_id='project-b'),
            record)
        assert imported.service_metadata == 'backup_imported/manifest'
        assert self.data_objects(driver) == before      # nothing copied
        survivor = imported if first == 'original' else original
        driver.delete_backup(original if first == 'original' else imported)
        assert self.restores(driver, survivor, sha, tmp_path / 'out')
        assert driver.verify(survivor).ok
        driver.delete_backup(survivor)
        assert self.data_objects(driver) == []

    def test_import_under_a_new_id_of_a_chained_backup_is_refused(
            self, driver_factory, tmp_path):
        old = driver_factory(**SMALL, backup_data_layout='chained')
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=13)
        ref = self.backup(old, volume, 'old')
        new = driver_factory(**SHARED)
        with pytest.raises(exception.BackupDriverError,
                           match='import it under its own id'):
            new.import_record(base.BackupRef('other', 'vol-1'),
                              new.export_record(ref))

    # --- compatibility ---

    def test_chained_backups_keep_working_next_to_shared_ones(
            self, driver_factory, tmp_path):
        old = driver_factory(**SMALL, backup_data_layout='chained')
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=14)
        full = self.backup(old, volume, 'v2-full')
        rewrite_blocks(volume, 0.05, seed=15)
        inc = self.backup(old, volume, 'v2-inc', parent=full)
        sha = sha256_of(volume)
        new = driver_factory(**SHARED)
        assert self.restores(new, inc, sha, tmp_path / 'out')
        assert new.verify(inc).ok
        rewrite_blocks(volume, 0.05, seed=16)
        shared = self.backup(new, volume, 'v3', parent=inc)
        assert not shared.depends_on_parent
        assert json.loads(new.get_object(
            shared.container, shared.service_metadata))['version'] == 3
        new.delete_backup(inc)
        new.delete_backup(full)
        assert new.list_objects(full.container, 'backup_v2-full/') == []
        assert self.restores(new, shared, sha256_of(volume),
                             tmp_path / 'out')

    # --- verify ---

    def test_a_pass_reads_each_shared_object_once(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 2 * MiB, seed=17)
        a = self.backup(driver, volume, 'a')
        b = self.backup(driver, volume, 'b')      # the same data
        alone = driver.verify(b)
        with driver.verify_pass() as checked:
            first = driver.verify(a, checked)
            second = driver.verify(b, checked)
        assert first.ok and second.ok
        assert first.checked_objects == alone.checked_objects
        assert second.checked_objects == 1        # its manifest only

    def test_a_damaged_shared_object_is_named_by_every_backup_using_it(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=18,
                              layout='random')
        a = self.backup(driver, volume, 'a')
        b = self.backup(driver, volume, 'b')
        victim = [n for n in self.data_objects(driver) if '/c_' in n][0]
        data = bytearray(driver.get_object(driver.default_container, victim))
        data[-1] ^= 0xFF
        driver.put_object(driver.default_container, victim, bytes(data))
        for ref in (a, b):
            report = driver.verify(ref)
            assert [p.object_name for p in report.problems] == [victim]
            with pytest.raises(exception.BackupChecksumMismatch,
                               match=victim):
                driver.restore(ref, str(tmp_path / 'out'))

    # --- bulk deletes ---

    def volumes_of_backups(self, driver, tmp_path, volumes, chain):
        """``volumes`` volumes of one project, a full and ``chain - 1``
        incrementals of each; [(ref, sha256)]."""
        refs = []
        for v in range(volumes):
            volume = write_volume(tmp_path / ('vol%d' % v), 1 * MiB,
                                  seed=40 + v, layout='random')
            parent = None
            for n in range(chain):
                if n:
                    rewrite_blocks(volume, 0.05, seed=100 * v + n)
                parent = self.backup(driver, volume, 'v%d-%d' % (v, n),
                                     parent, volume_id='vol-%d' % v)
                refs.append((parent, sha256_of(volume)))
        return refs

    @staticmethod
    def collections_logged(caplog):
        return sum(1 for r in caplog.records
                   if r.getMessage().startswith('Collection of repository'))

    def test_concurrent_deletes_share_their_collections(
            self, driver, tmp_path, caplog):
        # 20 deletes at once in one repository: a delete that finds a
        # collection running waits for the next one, which covers them all
        # (at most 2; 3 if one came after the second had started), and
        # each returns once its data is gone.
        refs = self.volumes_of_backups(driver, tmp_path, 4, 6)
        rnd = random.Random(8)
        rnd.shuffle(refs)
        gone, kept = refs[:20], refs[20:]
        caplog.set_level('INFO', logger='backupd.drivers.backup.engine')
        start = threading.Barrier(len(gone))
        errors = []

        def delete(ref):
            start.wait()
            try:
                driver.delete_backup(ref)
            except Exception as exc:      # noqa: B902 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=delete, args=(ref,))
                   for ref, _ in gone]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert 1 <= self.collections_logged(caplog) <= 3
        self.assert_nothing_unreferenced(driver)
        for ref, sha in kept:
            assert self.restores(driver, ref, sha, tmp_path / 'out')
        assert not driver._deferred

    def test_sequential_deletes_each_collect_before_returning(
            self, driver, tmp_path, caplog):
        refs = self.volumes_of_backups(driver, tmp_path, 2, 2)
        caplog.set_level('INFO', logger='backupd.drivers.backup.engine')
        for ref, _ in refs[:3]:
            caplog.clear()
            driver.delete_backup(ref)
            assert self.collections_logged(caplog) == 1
            # nothing only it referenced is left once it returned
            report = driver.collect_garbage(None, 'project-a')
            assert report['deleted_objects'] == 0, report
        assert self.restores(driver, refs[3][0], refs[3][1],
                             tmp_path / 'out')

    # --- collection and writers ---

    def test_a_collection_never_runs_beside_a_writer(self, driver,
                                                     tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=22)
        self.backup(driver, volume, 'done')
        repo = self.repo_of(driver)
        lease = repo.open_writer('in-progress')
        report = driver.collect_garbage(None, 'project-a')
        assert report['busy'] and 'in-progress' in report['reason']
        lease.release()
        assert not driver.collect_garbage(None, 'project-a')['busy']

    def test_a_writer_waits_for_a_running_collection(self, driver,
                                                     tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=19)
        repo = self.repo_of(driver)
        collection = repo.start_collection()
        done = []
        thread = threading.Thread(target=lambda: done.append(
            self.backup(driver, volume, 'waiting')))
        thread.start()
        try:
            while not repo.list('ref_'):       # registered, then waits
                thread.join(0.05)
            thread.join(0.5)
            assert self.data_objects(driver) == [] and not done
        finally:
            collection.release()
        thread.join()
        assert done and self.restores(driver, done[0], sha256_of(volume),
                                      tmp_path / 'out')

    def test_a_killed_writers_objects_go_once_its_lease_expired(
            self, driver_factory, tmp_path):
        driver = driver_factory(**SHARED, backup_lease_seconds=1)
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=20)
        kept = self.backup(driver, volume, 'kept')
        repo = self.repo_of(driver)
        # What kill -9 leaves: a ref, objects, no manifest.
        repo.open_writer('killed')
        orphan = repo.new_pack_name()
        repo.put(orphan, repository.frame(b'x' * 100, 'none'))
        assert driver.collect_garbage(None, 'project-a')['busy']
        threading.Event().wait(2.2)          # two lease times
        report = self.collect_twice(driver)
        assert report['removed_refs'] == 1 and report['deleted_objects'] == 1
        assert repo.list('ref_') == [repo.ref_name('kept')]
        assert self.restores(driver, kept, sha256_of(volume),
                             tmp_path / 'out')

    def test_a_cancelled_backup_leaves_nothing_after_a_collection(
            self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 16 * MiB, seed=21,
                              layout='random')
        seen = []
        with pytest.raises(exception.BackupCancelled):
            self.backup(driver, volume, 'cancelled',
                        progress=lambda done, total: seen.append(done),
                        is_cancelled=lambda: bool(seen and seen[-1]))
        assert 0 < seen[-1] < 16 * MiB
        assert self.repo_of(driver).list('ref_') == []
        self.collect_twice(driver)
        assert self.data_objects(driver) == []
        assert driver.list_objects(driver.default_container,
                                   'backup_cancelled/') == []

    def test_abandon_lets_go_of_a_dead_run_only(self, driver, tmp_path):
        # What the service's start-up cleanup does for a backup whose run
        # died: without a manifest its ref goes at once; with one (it was
        # whole, os-reset_status can make it available) the ref stays.
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=23)
        whole = self.backup(driver, volume, 'whole')
        repo = self.repo_of(driver)
        repo.open_writer('dead')
        for backup_id in ('whole', 'dead'):
            driver.abandon(base.BackupRef(backup_id, 'vol-1',
                                          project_id='project-a'))
        assert repo.list('ref_') == [repo.ref_name('whole')]
        assert self.restores(driver, whole, sha256_of(volume),
                             tmp_path / 'out')

    def test_a_busy_collection_is_retried_later(self, driver, tmp_path):
        volume = write_volume(tmp_path / 'vol', 1 * MiB, seed=24)
        gone = self.backup(driver, volume, 'gone')
        repo = self.repo_of(driver)
        writer = repo.open_writer('writing')
        driver.delete_backup(gone)          # its collection finds a writer
        assert self.data_objects(driver) != []
        driver.collect_deferred()            # still busy: kept for later
        writer.release()
        driver.collect_deferred()
        assert self.data_objects(driver) == []

    def test_every_content_name_uses_the_repositorys_stored_key(
            self, driver_factory, tmp_path):
        # Hashing threads name chunks at once in a repository whose key
        # the first of them makes: each name must use the key that was
        # stored, or the data could never be found again by content.
        driver = driver_factory(**SHARED, backup_worker_threads=4)
        volume = write_volume(tmp_path / 'vol', 4 * MiB, seed=25,
                              layout='random')
        ref = self.backup(driver, volume, 'first')
        found = json.loads(driver.get_object(ref.container,
                                             ref.service_metadata))
        repo = self.repo_of(driver)        # reads the stored key afresh
        names = [(chunk['layers'][0][0], chunk['sha256'])
                 for chunk in found['chunks'] if not chunk['zero']]
        assert len(names) == 16
        assert all(name == repo.chunk_name(sha) for name, sha in names)
