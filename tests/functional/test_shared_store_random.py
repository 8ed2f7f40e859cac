"""Randomized sequences on the shared data layout (issue 18), on POSIX and
Swift: full and incremental backups, deletes, force-deletes mid-creation
and imports under new ids, across three volumes (one a clone) and two
projects, each operation in a process of its own that is killed with
SIGKILL at a random moment about a third of the time.

After each step, as the backup service would: a killed backup or import
is abandoned (its run is dead) and kept only if its manifest was written
and it verifies (os-reset_status), else deleted; a killed delete is
resumed. Then every backup of the model restores byte-exact (sha256), and
after two collections of each project no data object or registration is
left that no backup of the model references.
"""
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid

from backupd.drivers.backup import base
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import repository
from tests.contracts import backup_driver_cases as cases

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PROJECTS = ('project-one', 'project-two')
KILLED = 'killed'
OPTIONS = dict(cases.SMALL, backup_data_layout='shared',
               backup_lease_seconds=1, backup_worker_threads=1)
# The operations' processes read and write volumes at this pace, so a kill
# lands mid-backup often (without burning CPU); the checks restore at full
# speed.
PACED = dict(backup_bandwidth_limit=4 * 1024 * 1024)


class World:
    """The model (backups that must restore, and to what) and the store."""

    def __init__(self, kind, options, driver, tmp_path, seed):
        self.kind, self.options, self.driver = kind, options, driver
        self.tmp = tmp_path
        self.rnd = random.Random(seed)
        self.backups = {}      # id -> (project, volume id, sha256)
        self.order = []        # ids by creation
        self.volumes = {}
        for name, project, seed_ in (('vol-a', PROJECTS[0], 1),
                                     ('vol-b', PROJECTS[0], 2)):
            self.volumes[name] = (project, cases.write_volume(
                tmp_path / name, 6 * cases.MiB, seed=seed_))
        clone = tmp_path / 'vol-c'      # a clone of vol-a, other project
        clone.write_bytes(self.volumes['vol-a'][1].read_bytes())
        self.volumes['vol-c'] = (PROJECTS[1], clone)
        self.log = []
        self.durations = {}      # op -> how long its last whole run took

    # --- processes ---

    def op(self, **job):
        """Run one operation in a process; KILLED when it was killed."""
        job = dict(job, driver=self.kind, options=dict(self.options, **PACED))
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, '-m', 'tests.helpers.shared_store_worker',
             json.dumps(job)], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        if self.rnd.random() < 0.35:
            # anywhere from start-up to past the end of a typical run
            typical = self.durations.get(job['op'], 1.0)
            try:
                proc.wait(self.rnd.uniform(0.0, 1.1 * typical))
            except subprocess.TimeoutExpired:
                proc.kill()         # SIGKILL
                proc.communicate()
                self.log.append('%s %s: killed' % (job['op'],
                                                   job.get('id', '')))
                return KILLED
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        self.durations[job['op']] = time.monotonic() - started
        self.log.append('%s %s: %s' % (job['op'], job.get('id', ''),
                                       out.strip()[:200]))
        return json.loads(out.strip().splitlines()[-1])

    def ref(self, backup_id, project):
        return base.BackupRef(backup_id, 'vol', project_id=project,
                              service_metadata='backup_%s/manifest'
                              % backup_id)

    # --- steps ---

    def step(self):
        choices = ['full', 'incremental', 'full', 'incremental']
        if self.backups:
            choices += ['delete', 'delete', 'import']
        choices.append('force-delete')
        getattr(self, '_' + self.rnd.choice(choices).replace('-', '_'))()

    def _new_backup(self, parent_wanted, cancel_after=None):
        volume = self.rnd.choice(sorted(self.volumes))
        project, path = self.volumes[volume]
        cases.rewrite_blocks(path, 0.03, seed=self.rnd.randrange(10 ** 6))
        sha = cases.sha256_of(path)
        parent = None
        if parent_wanted:
            parent = next((b for b in reversed(self.order)
                           if self.backups[b][:2] == (project, volume)),
                          None)
        backup_id = str(uuid.uuid4())
        outcome = self.op(op='backup', id=backup_id, volume_id=volume,
                          project=project, path=str(path), parent=parent,
                          cancel_after=cancel_after)
        if outcome == KILLED:
            self._after_killed_write(backup_id, project, volume, sha)
        elif not outcome.get('cancelled'):
            self._add(backup_id, project, volume, sha)

    def _full(self):
        self._new_backup(False)

    def _incremental(self):
        self._new_backup(True)

    def _force_delete(self):
        self._new_backup(True, cancel_after=self.rnd.randrange(0, 4))

    def _delete(self):
        backup_id = self.rnd.choice(self.order)
        project = self.backups[backup_id][0]
        if self.op(op='delete', id=backup_id, project=project) == KILLED:
            self.driver.delete_backup(self.ref(backup_id, project))  # resumed
        self._remove(backup_id)

    def _import(self):
        source = self.rnd.choice(self.order)
        src_project, volume, sha = self.backups[source]
        record = self.driver.export_record(self.ref(source, src_project))
        backup_id = str(uuid.uuid4())
        project = self.rnd.choice(PROJECTS)       # an admin's import
        outcome = self.op(op='import', id=backup_id, project=project,
                          record=record)
        if outcome == KILLED:
            self._after_killed_write(backup_id, project, volume, sha)
        else:
            self._add(backup_id, project, volume, sha)

    def _after_killed_write(self, backup_id, project, volume, sha):
        """What the service does with a backup whose run was killed: the
        start-up cleanup abandons it; an admin's os-reset_status makes it
        available if it verifies, else it is deleted."""
        ref = self.ref(backup_id, project)
        self.driver.abandon(ref)
        if self.driver.head_object(self.driver.default_container,
                                   ref.service_metadata) is not None \
                and self.driver.verify(ref).ok:
            self._add(backup_id, project, volume, sha)
        else:
            self.driver.delete_backup(ref)

    def _add(self, backup_id, project, volume, sha):
        self.backups[backup_id] = (project, volume, sha)
        self.order.append(backup_id)

    def _remove(self, backup_id):
        del self.backups[backup_id]
        self.order.remove(backup_id)

    # --- checks ---

    def collect(self, project):
        """A collection that ran (retried while a killed process' lease has
        not expired yet: two lease times at most)."""
        for _ in range(60):
            report = self.driver.collect_garbage(None, project)
            if not report['busy']:
                return report
            threading.Event().wait(0.25)
        raise AssertionError('repository of %s stayed busy: %s'
                             % (project, report))

    def check(self):
        target = self.tmp / 'restored'
        for backup_id in self.order:
            project, volume, sha = self.backups[backup_id]
            if target.exists():
                target.unlink()
            self.driver.restore(self.ref(backup_id, project), str(target))
            assert cases.sha256_of(target) == sha, (backup_id, self.log)
        for project in PROJECTS:
            self.collect(project)
            self.collect(project)
        referenced, refs = set(), set()
        container = self.driver.default_container
        for backup_id in self.order:
            name = 'backup_%s/manifest' % backup_id
            found = manifest.Manifest.from_bytes(
                self.driver.get_object(container, name), container, name)
            referenced.update(n for n, _, _ in found.data_objects())
            refs.add('%s/ref_%s' % (found.repository, backup_id))
        for project in PROJECTS:
            repo = repository.Repository(self.driver, container,
                                         repository.name_for(project))
            stored = {n for kind in repository.DATA_KINDS
                      for n in repo.list(kind)}
            assert stored <= referenced, (sorted(stored - referenced),
                                          self.log)
            assert set(repo.list('ref_')) <= refs, self.log


def _run(world, steps):
    for _ in range(steps):
        world.step()
        world.check()
    for backup_id in list(world.order):      # and all of it goes
        world.driver.delete_backup(world.ref(backup_id,
                                             world.backups[backup_id][0]))
        world._remove(backup_id)
    world.check()
    assert world.backups == {}


def _seed():
    return int(os.environ.get('BACKUPD_RANDOM_SEED', '1818'))


def test_random_sequences_with_kills_on_posix(tmp_path):
    from tests.helpers.posix_driver import make_posix_driver
    options = dict(OPTIONS, backup_posix_path=str(tmp_path / 'store'),
                   backup_posix_min_free_space=0)
    driver = make_posix_driver(tmp_path / 'store', **options)
    _run(World('posix', options, driver, tmp_path, _seed()), steps=16)


def test_random_sequences_with_kills_on_swift(tmp_path, swift,
                                              swift_container,
                                              make_swift_driver):
    options = dict(OPTIONS, backup_swift_auth_url=swift.auth_url,
                   backup_swift_user=swift.user, backup_swift_key=swift.key,
                   backup_swift_container=swift_container,
                   backup_swift_retry_backoff=0)
    driver = make_swift_driver(**options)
    driver.do_setup()
    _run(World('swift', options, driver, tmp_path, _seed() + 1), steps=10)

