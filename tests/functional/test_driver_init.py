"""Driver initialization (issue 6) with real processes, storage and bus.

Faults are real: a backup path that is a regular file, a "Swift" that
accepts TCP connections and never answers. Notifications are read from the
real RabbitMQ vhost.
"""
import socket
import threading

import pytest

from tests.fixtures.services import wait_for

NOTIFY = {'oslo_messaging_notifications': {'driver': 'messagingv2'}}


def _backup_service(dep):
    return [s for s in dep.services() if s['binary'] == 'backupd-backup'][0]


def _conf(extra):
    conf = {k: dict(v) for k, v in NOTIFY.items()}
    for section, values in extra.items():
        conf.setdefault(section, {}).update(values)
    return conf


def test_failed_init_is_retried_until_the_service_comes_up(
        backupd_cluster_factory, notifications, tmp_path):
    blocker = tmp_path / 'backups'
    blocker.write_text('a file where the backup directory should be')
    dep = backupd_cluster_factory(conf=_conf({'DEFAULT': {
        'backup_posix_path': str(blocker)}}), start=False)
    dep.start(wait=False)
    wait_for(lambda: _up(dep, 'backupd-volume'), 60, what='volume service up')
    # The backup service heartbeats before its first attempt ("not
    # initialized yet"); the failure shows from its next heartbeat on.
    svc = wait_for(lambda: _reported_attempt(dep), 60,
                   what='the first attempt in the backup service row')
    assert svc['state'] == 'down'
    assert 'posix' in svc['disabled_reason']
    assert 'retrying' in svc['disabled_reason']
    errors = notifications.wait_for('backup.init.error')
    payload = errors[0]['payload']
    assert payload['host'] == dep.host and payload['driver'] == 'posix'
    assert payload['attempt'] == 1 and payload['error']
    assert errors[0]['priority'] == 'error'

    blocker.unlink()  # the operator fixes the storage; no restart
    wait_for(lambda: _up(dep, 'backupd-backup'), 30,
             what='backup service up after the fix')
    success = notifications.wait_for('backup.init.success')
    attempts = success[0]['payload']['attempt']
    assert attempts >= 2
    # one error per failed attempt: the listener hands events to a thread
    # pool, so the last error may be recorded just after the success
    notifications.wait_for('backup.init.error', count=attempts - 1)
    # A success is never repeated.
    notifications.wait_for('volume.init.success')
    import time
    time.sleep(5)  # two more periodic intervals
    assert len(notifications.of('backup.init.success')) == 1
    assert len(notifications.of('backup.init.error')) + 1 == attempts


def test_without_periodic_initialization_it_stays_down(
        backupd_all_factory, tmp_path):
    blocker = tmp_path / 'backups'
    blocker.write_text('x')
    dep = backupd_all_factory(conf={'DEFAULT': {
        'backup_posix_path': str(blocker),
        'backup_periodic_initialization': 'false'}}, start=False)
    dep.start(wait=False)
    wait_for(lambda: _up(dep, 'backupd-volume'), 60, what='volume service up')
    # the first attempt must have failed before the storage is fixed
    # (the backup service starts next to the volume service, not after it)
    wait_for(lambda: _reported_attempt(dep), 60,
             what='the first attempt in the backup service row')
    blocker.unlink()
    import time
    time.sleep(5)  # two periodic intervals: nothing retries
    svc = _backup_service(dep)
    assert svc['state'] == 'down'
    assert 'restart' in svc['disabled_reason']
    assert 'initialization attempt 2' not in dep.log()


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers (a hung Swift)."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    sock.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.5)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % sock.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


def test_hung_swift_does_not_hang_the_service(backupd_all_factory,
                                              silent_server):
    dep = backupd_all_factory(conf={'DEFAULT': {
        'backup_driver': 'swift',
        'backup_swift_auth_url': silent_server + '/auth/v1.0',
        'backup_swift_user': 'test:tester',
        'backup_swift_key': 'testing',
        'backup_initialization_timeout': '2',
        'backup_swift_retry_attempts': '1'}}, start=False)
    dep.start(wait=False)
    # The API and the volume service work while the backup driver hangs.
    wait_for(lambda: _up(dep, 'backupd-volume'), 60, what='volume service up')
    wait_for(lambda: 'timed out' in (
        _backup_service(dep)['disabled_reason'] or ''), 30,
        what='timed-out initialization reported')
    assert _backup_service(dep)['state'] == 'down'
    # Heartbeats continue: updated_at keeps moving.
    first = _backup_service(dep)['updated_at']
    wait_for(lambda: _backup_service(dep)['updated_at'] != first, 30,
             what='a newer heartbeat')


def _reported_attempt(dep):
    """The backup service row once it tells more than "not initialized
    yet" (whatever it tells then), else None."""
    svc = [s for s in dep.services() if s['binary'] == 'backupd-backup']
    if not svc or 'not initialized yet' in (svc[0]['disabled_reason'] or ''):
        return None
    return svc[0]


def _up(dep, binary):
    try:
        return any(s['binary'] == binary and s['state'] == 'up'
                   for s in dep.services())
    except Exception:
        return False


def test_error_backup_that_stored_nothing_deletes_while_service_is_down(
        backupd_cluster_factory, notifications):
    """Issue 6 item 4. The row is one a create leaves when it fails before
    its driver stored anything (``service`` still empty); it is inserted
    with SQL because the API cannot produce one while the service is down."""
    from tests.helpers import backup_support as bs
    dep = backupd_cluster_factory(conf=NOTIFY)
    volume = bs.create_volume(dep)
    stored = bs.create_backup(dep, volume)
    bs.sql(dep, "INSERT INTO backups (id, volume_id, project_id, user_id, "
                "host, status, fail_reason, progress, num_dependent_backups, "
                "created_at, deleted) VALUES ('never-stored', :v, 'demo', "
                "'demo', :h, 'error', 'volume service refused', 0, 0, "
                "CURRENT_TIMESTAMP, :f)", v=volume, h=dep.host, f=False)
    dep.kill('backupd-backup')
    wait_for(lambda: 'backupd-backup' not in dep.up_services(), 30,
             what='backup service down')

    assert dep.request('DELETE', '/backups/never-stored').status_code == 202
    assert dep.request('GET', '/backups/never-stored').status_code == 404
    row = bs.sql(dep, "SELECT status, deleted FROM backups "
                      "WHERE id = 'never-stored'")[0]
    assert (row[0], bool(row[1])) == ('deleted', True)
    ends = notifications.wait_for('backup.delete.end')
    assert ends[0]['payload']['backup_id'] == 'never-stored'
    assert ends[0]['payload']['force'] is False

    # A backup that stored data still needs its (down) service: 503.
    resp = dep.request('DELETE', '/backups/%s' % stored)
    assert resp.status_code == 503
    assert dep.host in resp.json()['serviceUnavailable']['message']
