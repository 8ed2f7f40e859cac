"""What the outage tests share (test_outage_broker.py,
test_outage_database.py): operations put in flight before an outage and the
checks after it (doc/reliability.rst)."""
from tests.helpers import backup_support as bs

TRANSIENT_SQL = (
    "SELECT 'backup', id, status FROM backups WHERE deleted = false AND "
    "status IN ('creating', 'restoring', 'deleting') UNION ALL "
    "SELECT 'volume', id, status FROM volumes WHERE deleted = false AND "
    "status IN ('creating', 'deleting', 'backing-up', 'restoring-backup')")


class InFlight:
    """Two backups of ``volume``, then a create, a restore of the first
    and a delete of the second, all accepted (202) and running."""

    def __init__(self, dep, volume):
        self.kept = bs.create_backup(dep, volume)
        self.doomed = bs.create_backup(dep, volume)
        resp = dep.request('POST', '/backups', json={'backup': {
            'volume_id': volume}})
        assert resp.status_code == 202, resp.text
        self.created = resp.json()['backup']['id']
        resp = dep.request('POST', '/backups/%s/restore' % self.kept,
                           json={'restore': {}})
        assert resp.status_code == 202, resp.text
        self.target = resp.json()['restore']['volume_id']
        resp = dep.request('DELETE', '/backups/%s' % self.doomed)
        assert resp.status_code == 202, resp.text

    def check_after(self, dep, volume, digest):
        """Nothing stuck, the delete done, the create and the restore ended
        (an error says why), every available backup restores byte-exact,
        new work succeeds: no service was restarted."""
        settled(dep)
        assert bs.volume_status(dep, volume) == 'available'
        bs.wait_for(dep, 'backups', self.doomed, (), gone_ok=True)
        shown = bs.wait_for(dep, 'backups', self.created,
                            ('available', 'error'))
        assert shown['status'] == 'available' or shown['fail_reason'], shown
        target = bs.volume_status(dep, self.target)
        assert target in ('available', 'error_restoring', 'error'), target
        if target == 'available':
            assert bs.sha256_of(bs.volume_path(dep, self.target)) == digest
        all_up(dep)
        for backup in (self.kept, self.created):
            if bs.wait_for(dep, 'backups', backup, ('available', 'error')
                           )['status'] == 'available':
                restores_exactly(dep, backup, digest)
        bs.create_backup(dep, volume)


def settled(dep, timeout=60):
    """No transient row: within the reconciler's reach (lease 6 s,
    reconcile 2 s in test deployments) plus the operations' own time."""
    bs.until(lambda: not bs.sql(dep, TRANSIENT_SQL), timeout=timeout,
             what='no transient rows')


def restores_exactly(dep, backup, digest):
    target = bs.restore(dep, backup)
    bs.until(lambda: bs.volume_status(dep, target) == 'available',
             what='restored volume %s available' % target)
    assert bs.sha256_of(bs.volume_path(dep, target)) == digest


def all_up(dep):
    bs.until(lambda: {'backupd-volume', 'backupd-backup'} <=
             dep.up_services(), timeout=60, what='services up again')
