"""The scrubber on separate processes: backupd-api/-volume/-backup and
backupd-scrubber on RabbitMQ with MariaDB or PostgreSQL (POSIX), and on
Swift. Notifications are read from the bus; the time filter runs in each
engine's SQL.
"""
import pytest

from tests.helpers import backup_helpers as bh
from tests.helpers import backup_support as bs

MiB = bs.MiB
SMALL = ((0, MiB), (8 * MiB, 512 * 1024))


def _conf(**options):
    conf = bh.delayed(scrub_time=3600, **options)
    conf['oslo_messaging_notifications'] = {'driver': 'messagingv2'}
    return conf


def _backup_of_new_volume(dep, seed):
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=seed,
                           regions=SMALL)
    return bs.create_backup(dep, volume), sha


def _scrub_events(notifications, phase):
    return {e['payload']['backup_id']
            for e in notifications.of('backup.scrub.%s' % phase)}


@pytest.mark.parametrize('db', ['mariadb', 'postgresql'])
def test_daemon_scrubs_only_due_backups_and_blocks_restore(
        backupd_cluster_factory, notifications, db):
    dep = backupd_cluster_factory(db=db, conf=_conf())
    due, _ = _backup_of_new_volume(dep, seed=21)
    fresh, fresh_sha = _backup_of_new_volume(dep, seed=22)
    for backup in (due, fresh):
        bh.delete_pending(dep, backup)
    bh.backdate(dep, due, 7200)
    fresh_files = bs.backup_files(dep, fresh)

    daemon = bh.Daemon(dep)
    try:
        daemon.wait_started()
        notifications.wait_for('backup.scrub.end')
        assert _scrub_events(notifications, 'start') == {due}
        assert _scrub_events(notifications, 'end') == {due}
        end = notifications.of('backup.scrub.end')[0]['payload']
        assert end['status'] == 'deleted' and end['tenant_id'] == 'demo'
        assert bh.row(dep, due)[0] == 'deleted'
        assert bs.backup_files(dep, due) == []
        # pending for less than scrub_time: filtered out by the query
        assert bh.row(dep, fresh)[0] == 'pending_delete'
        assert bs.backup_files(dep, fresh) == fresh_files

        refused = bh.run(dep, '--restore', fresh)
        assert refused.returncode == 3, refused.stderr
        assert 'A scrubber is running' in refused.stderr
        assert bh.row(dep, fresh)[0] == 'pending_delete'
    finally:
        daemon.stop()

    restored = bh.run(dep, '--restore', fresh)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    (event,) = notifications.wait_for('backup.pending_delete_restore')
    assert event['payload']['backup_id'] == fresh
    assert event['payload']['status'] == 'available'
    target = bs.restore(dep, fresh)
    assert bs.sha256_of(bs.volume_path(dep, target)) == fresh_sha


def test_swift_objects_stay_while_pending_and_go_with_the_scrub(
        backupd_cluster_factory, notifications, swift, swift_container):
    dep = backupd_cluster_factory(db='postgresql', conf=_conf(
        backup_driver='swift',
        backup_swift_auth_url=swift.auth_url,
        backup_swift_user=swift.user, backup_swift_key=swift.key,
        backup_swift_container=swift_container))
    kept, sha = _backup_of_new_volume(dep, seed=23)
    gone, _ = _backup_of_new_volume(dep, seed=24)
    for backup in (kept, gone):
        bh.delete_pending(dep, backup)

    def objects(backup):
        return swift.object_names(swift_container,
                                  prefix='backup_%s/' % backup)
    assert objects(kept) and objects(gone)
    # one object of the one to scrub is already gone: that is fine
    swift.delete_object(swift_container, objects(gone)[0])
    bh.backdate(dep, gone, 7200)

    done = bh.run(dep)
    assert done.returncode == 0, done.stderr + done.stdout
    assert 'scrubbed 1 backup(s)' in done.stdout
    assert objects(gone) == []
    assert bh.row(dep, gone)[0] == 'deleted'
    notifications.wait_for('backup.scrub.end')
    assert _scrub_events(notifications, 'end') == {gone}

    restored = bh.run(dep, '--restore', kept)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    target = bs.restore(dep, kept)
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha
