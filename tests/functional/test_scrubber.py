"""Delayed delete and backupd-scrubber on backupd-all (SQLite, file volumes,
POSIX backups): pending backups are gone for their project but keep their
data, --restore brings them back byte-exact, the scrubber removes them after
scrub_time, idempotently, parents only after their children.
"""
import datetime
import functools
import os
import shutil
import signal
import time

import pytest

from backupd.drivers.backup.engine import repository
from tests.fixtures import services
from tests.helpers import backup_helpers as bh
from tests.helpers import backup_support as bs
from tests.helpers import posix_driver

MiB = bs.MiB
SMALL = ((0, MiB), (8 * MiB, 512 * 1024))
RUNNING, REFUSED, USAGE = 3, 4, 2


def _error(resp, code):
    assert resp.status_code == code, resp.text
    (body,) = resp.json().values()
    return body['message']


def _volume_with_data(dep, seed, project='demo'):
    volume = bs.create_volume(dep, project=project)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=seed,
                           regions=SMALL)
    return volume, sha


def _row_values(dep, backup_id):
    """Every column of the backup row but the ones a delete and restore
    touch, and its metadata."""
    columns = [c for c in bs.sql(dep, 'SELECT * FROM backups WHERE id = :id',
                                 id=backup_id)[0]._mapping.items()
               if c[0] not in ('updated_at', 'status', 'previous_status',
                               'pending_delete_at')]
    meta = bs.sql(dep, 'SELECT key, value FROM backup_metadata WHERE '
                  'backup_id = :id AND NOT deleted', id=backup_id)
    return columns, [tuple(m) for m in meta]


def _ids(resp):
    assert resp.status_code == 200, resp.text
    return [b['id'] for b in resp.json()['backups']]


@pytest.fixture(scope='module')
def kept_deployment(tmp_path_factory):
    yield from services.serving(services.Deployment(
        tmp_path_factory.mktemp('kept'), ['backupd-all'],
        bh.delayed(scrub_time=3600)))


@pytest.fixture
def kept(kept_deployment):
    """The module's backupd-all with delayed delete (nothing falls due
    during a test unless it backdates), running: shared, as a start costs
    seconds of CPU. Tests stop it to run backupd-scrubber (it holds the
    scrubber lock); the next test starts it again, so the tests that keep
    it running come first. A backup is due only when its test backdates
    it, so a scrub counts that test's backups only; tests that check what
    a project sees or stores use a project of their own."""
    return kept_deployment.start()


def test_pending_backup_is_gone_for_its_project_and_restores_byte_exact(
        kept):
    dep, project = kept, 'pending-restored'   # counts only its backups
    request = functools.partial(dep.request, project=project)
    volume, sha = _volume_with_data(dep, seed=1, project=project)
    backup = bs.create_backup(dep, volume, name='keep-me',
                              description='the one', project=project)
    # metadata arrives with microversion 3.43, above what the API serves
    # yet: the row the API would write
    bs.sql(dep, "INSERT INTO backup_metadata (backup_id, key, value, "
           "created_at, deleted) VALUES (:id, 'k', 'v', :now, :no)",
           id=backup, now=datetime.datetime.utcnow(), no=False)
    before = request('GET', '/backups/%s' % backup).json()['backup']
    before_row = _row_values(dep, backup)
    files = bs.backup_files(dep, backup)
    assert files

    bh.delete_pending(dep, backup, project)
    # gone for the project: 404, not listed, not counted, not a parent
    assert request('GET', '/backups/%s' % backup).status_code == 404
    assert backup not in _ids(request('GET', '/backups/detail'))
    assert _ids(request('GET', '/backups?status=pending_delete')) == []
    assert backup not in _ids(request('GET', '/backups?all_tenants=1'))
    counted = request('GET', '/backups?with_count=true',
                      microversion='3.45')
    assert counted.status_code == 200, counted.text
    assert counted.json()['count'] == 0
    message = _error(request('POST', '/backups', json={'backup': {
        'volume_id': volume, 'incremental': True}}), 400)
    assert 'full backup' in message
    assert _error(request('POST', '/backups/%s/restore' % backup,
                              json={'restore': {}}), 404)
    # the data stays; admins see the row only when they ask for it
    assert bs.backup_files(dep, backup) == files
    assert backup not in _ids(request(
        'GET', '/backups/detail?all_tenants=1', admin=True))
    assert backup in _ids(request(
        'GET', '/backups/detail?all_tenants=1&status=pending_delete',
        admin=True))
    shown = request('GET', '/backups/%s' % backup, admin=True)
    assert shown.json()['backup']['status'] == 'pending_delete'
    # a second delete says what it is and what to do
    message = _error(request('DELETE', '/backups/%s' % backup,
                                 admin=True), 400)
    assert "'pending_delete'" in message and 'os-force_delete' in message

    listed = bh.run(dep, '--list-pending')
    assert listed.returncode == 0, listed.stderr
    line = [ln for ln in listed.stdout.splitlines() if backup in ln]
    assert line and project in line[0] and 'keep-me' in line[0]

    # refused while backupd-all (which runs the scrubber daemon) is up
    refused = bh.run(dep, '--restore', backup)
    assert refused.returncode == RUNNING, refused.stderr
    assert 'A scrubber is running' in refused.stderr
    assert bh.row(dep, backup)[0] == 'pending_delete'

    dep.stop()
    restored = bh.run(dep, '--restore', backup)
    assert restored.returncode == 0, restored.stderr
    assert 'available' in restored.stdout
    dep.start()
    again = request('GET', '/backups/%s' % backup).json()['backup']
    assert dict(again, updated_at=None) == dict(before, updated_at=None)
    assert _row_values(dep, backup) == before_row
    target = bs.restore(dep, backup, project=project)
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha
    # it is an ordinary backup again: a parent for incrementals
    bs.create_backup(dep, volume, incremental=True, project=project)


def test_force_delete_of_a_pending_backup_deletes_at_once(kept):
    dep = kept
    volume, _ = _volume_with_data(dep, seed=3)
    backup = bs.create_backup(dep, volume)
    bh.delete_pending(dep, backup)
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-force_delete': {}})
    assert resp.status_code == 202, resp.text
    bs.until(lambda: bh.row(dep, backup)[1], what='backup deleted')
    assert bs.backup_files(dep, backup) == []


def test_a_backup_being_scrubbed_stays_gone_for_its_project(kept):
    dep, project = kept, 'being-scrubbed'    # lists only its backups
    request = functools.partial(dep.request, project=project)
    volume, _ = _volume_with_data(dep, seed=9, project=project)
    backup = bs.create_backup(dep, volume, project=project)
    bh.delete_pending(dep, backup, project)
    # the scrubber's first step (pending_delete -> deleting, keeping
    # pending_delete_at), made directly: the scrub of a small backup is
    # over before a request could be timed to land in the middle of it
    bs.sql(dep, "UPDATE backups SET status = 'deleting' WHERE id = :id",
           id=backup)
    assert request('GET', '/backups/%s' % backup).status_code == 404
    assert request('DELETE', '/backups/%s' % backup).status_code == 404
    assert backup not in _ids(request('GET', '/backups/detail'))
    assert backup not in _ids(request('GET', '/backups?status=deleting'))
    counted = request('GET', '/backups?with_count=true',
                      microversion='3.45')
    assert counted.json()['count'] == 0
    # admins see what the scrubber is doing
    shown = request('GET', '/backups/%s' % backup, admin=True)
    assert shown.json()['backup']['status'] == 'deleting'
    assert backup in _ids(request(
        'GET', '/backups/detail?all_tenants=1', admin=True))
    # an ordinary backup of the project is listed as before
    other = bs.create_backup(dep, volume, project=project)
    assert _ids(request('GET', '/backups/detail')) == [other]


def test_the_scrubber_daemon_retries_a_busy_collection(kept):
    """Issue 18: a scrub whose collection finds the repository busy (a
    backup of the project is being written: here a real writer lease held
    by this test) leaves the data for later; the daemon's next run
    collects it once the writer is gone. The daemon is backupd-all's own
    (the ScrubberService backupd-scrubber --daemon runs): it scrubs the
    backup once the test backdates it."""
    dep, project = kept, 'busy-collection'  # a repository of its own
    volume, _ = _volume_with_data(dep, seed=18, project=project)
    backup = bs.create_backup(dep, volume, project=project)
    bh.delete_pending(dep, backup, project)
    driver = posix_driver.make_posix_driver(
        os.path.join(dep.state_path, 'backup'),
        backup_data_layout='shared')
    repo = repository.Repository(driver, 'backups',
                                 repository.name_for(project))

    def data_objects():
        return [n for kind in repository.DATA_KINDS for n in repo.list(kind)]

    assert data_objects()
    writer = repo.open_writer('being-written')
    try:
        bh.backdate(dep, backup, 7200)
        bs.until(lambda: 'Backup %s scrubbed' % backup in dep.log(),
                 timeout=60, what='backup %s scrubbed' % backup)
        assert bh.row(dep, backup)[:2] == ('deleted', 1)
        # two more runs: still busy, the data stays
        runs = dep.log().count('Scrub run done')
        bs.until(lambda: dep.log().count('Scrub run done') >= runs + 2,
                 timeout=60, what='two more scrub runs')
        assert data_objects()
    finally:
        # released even if the test fails: a lease left behind would keep
        # the repository busy for the shared deployment's later scrubs
        writer.release()
    bs.until(lambda: not data_objects(), timeout=60,
             what='the busy collection retried')
    assert repo.list('ref_') == []


def test_a_shared_layout_parent_goes_before_its_child(kept):
    """Issue 18: an incremental does not need its parent's backup, so the
    parent is deleted (and scrubbed) while its child stays available."""
    # a project of its own: a repository no other test's backups share
    dep, project = kept, 'shared-layout-parent'
    volume, _ = _volume_with_data(dep, seed=15, project=project)
    full = bs.create_backup(dep, volume, project=project)
    incr_sha = bs.write_pattern(bs.volume_path(dep, volume), seed=16,
                                regions=((0, 256 * 1024),))
    incr = bs.create_backup(dep, volume, incremental=True, project=project)
    bh.delete_pending(dep, full, project)
    dep.stop()
    bh.backdate(dep, full, 7200)
    done = bh.run(dep)
    assert done.returncode == 0, done.stderr
    assert 'scrubbed 1 backup(s)' in done.stdout
    assert bh.row(dep, full)[:2] == ('deleted', 1)
    dep.start()
    shown = dep.request('GET', '/backups/%s' % incr,
                        project=project).json()['backup']
    assert shown['status'] == 'available' and shown['is_incremental']
    target = bs.restore(dep, incr, project=project)
    assert bs.sha256_of(bs.volume_path(dep, target)) == incr_sha


def test_a_second_scrubber_is_refused_while_one_runs(kept):
    dep = kept
    once = bh.run(dep)
    assert once.returncode == RUNNING
    assert 'lock' in once.stderr
    dep.stop()
    assert bh.run(dep).returncode == 0


def test_restore_refusals_name_the_problem(kept):
    dep = kept
    volume, _ = _volume_with_data(dep, seed=2)
    backup = bs.create_backup(dep, volume)
    dep.stop()

    both = bh.run(dep, '--restore', backup, '--daemon')
    assert both.returncode == USAGE
    assert '--daemon' in both.stderr
    not_pending = bh.run(dep, '--restore', backup)
    assert not_pending.returncode == REFUSED
    assert backup in not_pending.stderr
    assert "'available'" in not_pending.stderr
    assert 'pending_delete' in not_pending.stderr
    unknown = bh.run(dep, '--restore', '00000000-0000-0000-0000-000000000000')
    assert unknown.returncode == REFUSED
    assert 'does not exist' in unknown.stderr
    assert bh.row(dep, backup)[0] == 'available'


def test_scrub_is_idempotent_and_finishes_what_a_killed_run_left(kept):
    dep, project = kept, 'scrub-idempotent'   # a repository of its own
    volume, _ = _volume_with_data(dep, seed=7, project=project)
    by_hand = bs.create_backup(dep, volume, project=project)
    killed = bs.create_backup(dep, volume, project=project)
    whole = bs.create_backup(dep, volume, project=project)
    for backup in (by_hand, killed, whole):
        bh.delete_pending(dep, backup, project)
    dep.stop()
    for backup in (by_hand, killed, whole):
        bh.backdate(dep, backup, 7200)

    # objects removed by hand first (the manifest and a chunk)
    root = os.path.join(dep.state_path, 'backup', 'backups',
                        'backup_%s' % by_hand)
    names = bs.backup_files(dep, by_hand)
    for name in names[:2]:
        os.unlink(os.path.join(root, name))
    # a scrubber SIGKILLed mid-delete leaves the row 'deleting' (it keeps
    # pending_delete_at) with part of its objects gone; that state is made
    # here directly, a kill between two unlinks cannot be timed reliably
    bs.sql(dep, "UPDATE backups SET status = 'deleting' WHERE id = :id",
           id=killed)
    killed_root = os.path.join(dep.state_path, 'backup', 'backups',
                               'backup_%s' % killed)
    os.unlink(os.path.join(killed_root, bs.backup_files(dep, killed)[0]))

    # a backup whose objects were partly removed cannot be restored
    refused = bh.run(dep, '--restore', by_hand)
    assert refused.returncode == REFUSED
    assert 'incomplete' in refused.stderr and by_hand in refused.stderr

    done = bh.run(dep, extra_conf=bh.overrides(dep, 'pool',
                                                scrub_pool_size=2,
                                                scrub_page_size=1))
    assert done.returncode == 0, done.stderr + done.stdout
    assert 'scrubbed 3 backup(s)' in done.stdout
    for backup in (by_hand, killed, whole):
        assert bh.row(dep, backup)[:2] == ('deleted', 1)
        assert bs.backup_files(dep, backup) == []
    again = bh.run(dep)
    assert again.returncode == 0 and 'scrubbed 0 backup(s)' in again.stdout


def _due_with_the_service_stopped(dep, seed):
    """A backup deleted with delayed delete, due for scrubbing, and the
    deployment stopped (its own scrubber with it); the backup's id."""
    volume, _ = _volume_with_data(dep, seed=seed)
    backup = bs.create_backup(dep, volume)
    bh.delete_pending(dep, backup)
    dep.stop()
    bh.backdate(dep, backup, 7200)
    return backup


def test_a_failed_scrub_leaves_the_backup_pending_for_the_next_run(kept):
    dep = kept
    backup = _due_with_the_service_stopped(dep, seed=9)
    # A real storage fault: one object's path is now a non-empty directory,
    # so unlinking it fails (root ignores permission bits, this does not).
    root = os.path.join(dep.state_path, 'backup', 'backups',
                        'backup_%s' % backup)
    blocked = os.path.join(root, bs.backup_files(dep, backup)[-1])
    os.unlink(blocked)
    os.makedirs(os.path.join(blocked, 'in-the-way'))
    try:
        failed = bh.run(dep)
        assert failed.returncode == 1, failed.stderr + failed.stdout
        assert '1 failed and stay pending_delete' in failed.stdout
        assert bh.row(dep, backup)[:2] == ('pending_delete', 0)
        reason = bs.sql(dep, 'SELECT fail_reason FROM backups WHERE '
                        'id = :id', id=backup)[0][0]
        assert reason.startswith('scrub failed')
        assert backup in bh.run(dep, '--list-pending').stdout
    finally:
        # removed even if the test fails, so the shared deployment's later
        # scrubs do not fail on it too
        shutil.rmtree(blocked)
    done = bh.run(dep)
    assert done.returncode == 0, done.stderr + done.stdout
    assert bh.row(dep, backup)[:2] == ('deleted', 1)
    assert bs.backup_files(dep, backup) == []


def test_a_scrubber_killed_mid_run_is_finished_by_the_next_run(kept):
    dep = kept
    volume, _ = _volume_with_data(dep, seed=10)
    backups = [bs.create_backup(dep, volume) for _ in range(4)]
    for backup in backups:
        bh.delete_pending(dep, backup)
    dep.stop()
    for backup in backups:
        bh.backdate(dep, backup, 7200)

    # SIGKILL as soon as the first scrub starts: wherever that lands (no
    # backup, or one 'deleting' with part of its objects gone), the next
    # run must finish the job
    run = bh.Daemon(dep, args=[])
    bs.until(lambda: 'Scrubbing backup' in run.log() or
             run.proc.poll() is not None, what='the first scrub')
    run.stop(sig=signal.SIGKILL)

    done = bh.run(dep)
    assert done.returncode == 0, done.stderr + done.stdout
    for backup in backups:
        assert bh.row(dep, backup)[:2] == ('deleted', 1)
        assert bs.backup_files(dep, backup) == []


def test_scrubber_removes_data_and_row_after_scrub_time(
        backupd_all_factory):
    dep = backupd_all_factory(conf=bh.delayed(scrub_time=3, wakeup_time=1))
    volume, _ = _volume_with_data(dep, seed=4)
    backup = bs.create_backup(dep, volume)
    bh.delete_pending(dep, backup)
    started = time.monotonic()
    bs.until(lambda: bh.row(dep, backup)[1], timeout=60,
             what='backup %s scrubbed' % backup)
    assert time.monotonic() - started >= 2   # not before scrub_time (1 s slack)
    assert bh.row(dep, backup)[0] == 'deleted'
    assert bs.backup_files(dep, backup) == []
    bs.logged(dep, 'Backup %s scrubbed' % backup)


def test_chained_parent_waits_for_its_incremental_child(
        backupd_all_factory):
    """Backups of the chained layout (manifests 1/2, what earlier releases
    wrote) keep Cinder's order: a parent goes after its incrementals."""
    dep = backupd_all_factory(conf=bh.delayed(
        scrub_time=3600, backup_data_layout='chained'))
    volume, full_sha = _volume_with_data(dep, seed=5)
    full = bs.create_backup(dep, volume)
    incr_sha = bs.write_pattern(bs.volume_path(dep, volume), seed=6,
                                regions=((0, 256 * 1024),))
    incr = bs.create_backup(dep, volume, incremental=True)
    # the parent cannot go while its child is live; once the child is
    # pending (gone for the project) it can
    assert 'dependent' in _error(
        dep.request('DELETE', '/backups/%s' % full), 400)

    def has_dependents(**kw):
        shown = dep.request('GET', '/backups/%s' % full, **kw)
        assert shown.status_code == 200, shown.text
        listed = [b for b in dep.request('GET', '/backups/detail?all_tenants'
                                         '=1', **kw).json()['backups']
                  if b['id'] == full]
        assert listed[0]['has_dependent_backups'] == \
            shown.json()['backup']['has_dependent_backups']
        return shown.json()['backup']['has_dependent_backups']
    assert has_dependents() is True
    bh.delete_pending(dep, incr)
    # the project no longer sees a dependent; admins still do (its data
    # is kept until the child is scrubbed)
    assert has_dependents() is False
    assert has_dependents(admin=True) is True
    bh.delete_pending(dep, full)
    dep.stop()

    # the parent is long due, its child is not: the parent stays, with it
    # everything the child needs
    bh.backdate(dep, full, 7200)
    full_files = bs.backup_files(dep, full)
    done = bh.run(dep)
    assert done.returncode == 0, done.stderr
    assert 'scrubbed 0 backup(s)' in done.stdout
    assert bh.row(dep, full)[0] == 'pending_delete'
    assert bs.backup_files(dep, full) == full_files

    # the child cannot come back without its parent; parent first works
    refused = bh.run(dep, '--restore', incr)
    assert refused.returncode == REFUSED
    assert full in refused.stderr and 'restore the parent first' in \
        refused.stderr
    for backup in (full, incr):
        ok = bh.run(dep, '--restore', backup)
        assert ok.returncode == 0, ok.stderr
    dep.start()
    target = bs.restore(dep, incr)
    assert bs.sha256_of(bs.volume_path(dep, target)) == incr_sha
    target = bs.restore(dep, full)
    assert bs.sha256_of(bs.volume_path(dep, target)) == full_sha

    # both pending and due: one run removes the child, then the parent
    bh.delete_pending(dep, incr)
    bh.delete_pending(dep, full)
    dep.stop()
    bh.backdate(dep, full, 7200)
    bh.backdate(dep, incr, 7200)
    done = bh.run(dep)
    assert done.returncode == 0, done.stderr
    assert 'scrubbed 2 backup(s)' in done.stdout
    assert bh.row(dep, full)[:2] == ('deleted', 1)
    assert bh.row(dep, incr)[:2] == ('deleted', 1)
    assert bs.backup_files(dep, full) == bs.backup_files(dep, incr) == []


def test_delayed_delete_off_deletes_at_once(backupd_all):
    dep = backupd_all
    volume, _ = _volume_with_data(dep, seed=8)
    backup = bs.create_backup(dep, volume)
    assert dep.request('DELETE', '/backups/%s' % backup).status_code == 202
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bh.row(dep, backup)[:2] == ('deleted', 1)
    assert bs.backup_files(dep, backup) == []
