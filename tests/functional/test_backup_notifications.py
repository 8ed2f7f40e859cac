"""Backup notifications as oslo.messaging emits them (its ``log`` driver
writes each one, as JSON, to the service log)."""

import pytest

from tests.helpers import backup_support as bs


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    from tests.fixtures import services
    deployment = services.Deployment(
        tmp_path_factory.mktemp('notify'), ['backupd-all'],
        {'oslo_messaging_notifications': {'driver': 'log'}})
    deployment.start()
    yield deployment
    deployment.stop()


def _notifications(dep, backup_id):
    return bs.backup_notifications(dep, backup_id)


def _types(found):
    return [event for event, _ in found]


def test_create_restore_delete_and_force_delete_notifications(dep):
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=41)
    backup = bs.create_backup(dep, volume)
    bs.restore(dep, backup)
    assert dep.request('DELETE', '/backups/%s' % backup).status_code == 202
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    # each ".end" is emitted after the row change the helpers wait for:
    # wait for every event, not only for the last one
    expected = ('backup.create.start', 'backup.createprogress',
                'backup.create.end', 'backup.restore.start',
                'backup.restoreprogress', 'backup.restore.end',
                'backup.delete.start', 'backup.delete.end')
    try:
        bs.until(lambda: set(expected) <= set(_types(
            _notifications(dep, backup))), what='every backup notification')
    except AssertionError:
        raise AssertionError('missing: %s; got %s' % (
            sorted(set(expected) - set(_types(_notifications(dep, backup)))),
            _types(_notifications(dep, backup)))) from None
    found = _notifications(dep, backup)
    types = _types(found)
    assert types.index('backup.create.start') < types.index(
        'backup.create.end') < types.index('backup.delete.start')
    assert all(p['force'] is False for e, p in found
               if e.startswith('backup.delete.'))
    progress = [p['progress'] for e, p in found
                if e == 'backup.createprogress']
    assert progress[-1] == 100

    forced = bs.create_backup(dep, volume)
    resp = dep.request('POST', '/backups/%s/action' % forced, admin=True,
                       json={'os-force_delete': {}})
    assert resp.status_code == 202
    bs.until(lambda: 'backup.delete.end' in _types(
        _notifications(dep, forced)), what='forced backup.delete.end')
    assert all(p['force'] is True for e, p in _notifications(dep, forced)
               if e.startswith('backup.delete.'))


def test_reset_status_notifications(dep):
    volume = bs.create_volume(dep)
    backup = bs.create_backup(dep, volume)
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-reset_status': {'status': 'error'}})
    assert resp.status_code == 202
    bs.until(lambda: 'backup.reset_status.end' in _types(
        _notifications(dep, backup)), what='backup.reset_status.end')
    assert 'backup.reset_status.start' in _types(_notifications(dep, backup))
