"""Concurrent delete, force-delete and reset-status on one backup, and
the checks of what follows (tests/functional/test_backup_races.py on
backupd-all, test_backup_cluster.py on separate services)."""
import concurrent.futures
import threading

from tests.helpers import backup_support as bs

ACTIONS = {
    'delete': dict(method='DELETE', suffix='', admin=False, json=None),
    'force_delete': dict(method='POST', suffix='/action', admin=True,
                         json={'os-force_delete': {}}),
    'reset_error': dict(method='POST', suffix='/action', admin=True,
                        json={'os-reset_status': {'status': 'error'}}),
    'reset_available': dict(method='POST', suffix='/action', admin=True,
                            json={'os-reset_status': {'status':
                                                      'available'}}),
}


def _race(dep, backup):
    barrier = threading.Barrier(len(ACTIONS))

    def fire(name):
        spec = ACTIONS[name]
        barrier.wait()
        return name, dep.request(spec['method'], '/backups/%s%s' % (
            backup, spec['suffix']), admin=spec['admin'], json=spec['json'])
    with concurrent.futures.ThreadPoolExecutor(len(ACTIONS)) as pool:
        return dict(pool.map(fire, ACTIONS))


def check_race(dep, attempt):
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=attempt,
                     regions=((0, 2 * bs.MiB),))
    backup = bs.create_backup(dep, volume)
    answers = _race(dep, backup)
    for name, resp in answers.items():
        assert resp.status_code in (202, 400, 404, 409), (name, resp.text)
        if resp.status_code != 202:
            (body,) = resp.json().values()
            assert backup in body['message'], (name, body)
    assert (answers['delete'].status_code == 202 or
            answers['force_delete'].status_code == 202)

    # settle: whatever won, a deleting backup goes; an admin's "error"
    # stands and an ordinary delete then removes it
    final = bs.wait_for(dep, 'backups', backup, ('error', 'available'),
                        gone_ok=True)
    if final is not None:
        resp = dep.request('DELETE', '/backups/%s' % backup)
        assert resp.status_code == 202, resp.text
        bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bs.backup_files(dep, backup) == []
    assert bs.volume_status(dep, volume) == 'available'
    for binary in dep.binaries:
        assert 'Traceback' not in dep.log(binary), binary
