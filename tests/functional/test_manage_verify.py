"""Verification of stored backups (bit rot, a lost object) against the real
POSIX store of a backupd-all deployment: on demand with ``backupd-manage
backup verify``, and automatically every ``backup_verify_interval``."""
import os

from tests.fixtures import services
from tests.helpers import backup_support as bs


def verify(dep, *args, extra_conf=None):
    conf = ['--config-file', dep.conf_path]
    if extra_conf:
        conf += ['--config-file', extra_conf]
    return services.run_script(
        [os.path.join(services.BIN, 'backupd-manage'), *conf,
         'backup', 'verify', *args])


def flip_a_byte(dep, backup):
    """Bit rot in one stored chunk of ``backup``; returns its object name
    (in the shared layout an object the backups of the volume share)."""
    name = bs.first_data_object(dep, backup)
    path = os.path.join(dep.state_path, 'backup', 'backups', name)
    with open(path, 'r+b') as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0xFF
        f.seek(0)
        f.write(data)
    return name


def test_verify_reports_each_backup_and_names_a_damaged_object(
        backupd_all_factory):
    dep = backupd_all_factory()
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=51)
    full = bs.create_backup(dep, volume)
    bs.write_pattern(bs.volume_path(dep, volume), seed=52,
                     regions=((0, 64 * 1024),))
    incr = bs.create_backup(dep, volume, incremental=True)

    ok = verify(dep, full, incr)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count('OK: backup ') == 2, ok.stdout
    assert '2 backup(s) verified, 0 with problems' in ok.stdout

    # Bit rot in one of the full backup's chunks: both backups depend on it.
    damaged_object = flip_a_byte(dep, full)
    damaged = verify(dep, '--all')
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    lines = [line for line in damaged.stdout.splitlines()
             if line.startswith('FAILED')]
    assert len(lines) == 2 and all(
        damaged_object in line for line in lines), lines
    assert '2 backup(s) verified, 2 with problems' in damaged.stdout
    # nothing is changed by verifying
    assert bs.sql(dep, 'SELECT status FROM backups WHERE id IN (:a, :b)',
                  a=full, b=incr) == [('available',), ('available',)]

    # A real storage fault (a directory where the incremental's manifest
    # was): that backup is an ERROR, the others are still checked.
    manifest = os.path.join(dep.state_path, 'backup', 'backups',
                            'backup_%s' % incr, 'manifest')
    os.replace(manifest, manifest + '.moved')
    os.mkdir(manifest)
    broken = verify(dep, incr, full)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert 'ERROR: backup %s could not be verified' % incr in broken.stdout
    assert 'FAILED: backup %s' % full in broken.stdout
    assert '2 backup(s) verified, 2 with problems' in broken.stdout

    # No usable driver: exit 3, nothing checked.
    extra = os.path.join(dep.workdir, 'no-driver.conf')
    with open(extra, 'w') as f:
        f.write('[DEFAULT]\nbackup_driver = nonexistent\n')
    no_driver = verify(dep, full, extra_conf=extra)
    assert no_driver.returncode == 3, no_driver.stdout + no_driver.stderr
    assert 'Cannot verify on host %s: backup driver nonexistent' % dep.host \
        in no_driver.stderr

    unknown = verify(dep, '00000000-0000-0000-0000-000000000000')
    assert unknown.returncode == 2
    assert '00000000-0000-0000-0000-000000000000 could not be found' in \
        unknown.stderr
    neither = verify(dep)
    assert neither.returncode == 2 and '--all' in neither.stderr


def _verify_events(dep, backup):
    return [(e, p) for e, p in bs.backup_notifications(dep, backup)
            if e.startswith('backup.verify.')]


def test_periodic_verification_reports_a_damaged_backup(backupd_all_factory):
    dep = backupd_all_factory(conf={
        'DEFAULT': {'backup_verify_interval': 2, 'periodic_interval': 1},
        'oslo_messaging_notifications': {'driver': 'log'}})
    # The oldest backup, checked first in each pass, gets a storage fault
    # later: it must not end the pass before the others.
    other = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, other), seed=54)
    faulty = bs.create_backup(dep, other)
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=53)
    backup = bs.create_backup(dep, volume)
    bs.until(lambda: _verify_events(dep, backup), timeout=60,
             what='a verification of %s' % backup)
    event, payload = _verify_events(dep, backup)[0]
    assert event == 'backup.verify.end' and payload['problems'] == []
    assert payload['checked_objects'] >= 3     # manifest, hashes, chunks

    manifest = os.path.join(dep.state_path, 'backup', 'backups',
                            'backup_%s' % faulty, 'manifest')
    os.replace(manifest, manifest + '.moved')
    os.mkdir(manifest)     # a directory where the manifest was
    damaged_object = flip_a_byte(dep, backup)
    bs.until(lambda: any(e == 'backup.verify.error'
                         for e, _ in _verify_events(dep, backup)),
             timeout=60, what='the damage of %s reported' % backup)
    fault = next(p for e, p in _verify_events(dep, faulty)
                 if e == 'backup.verify.error')
    assert fault['problems'][0].startswith('could not be verified: '), fault
    bs.logged(dep, 'Backup %s is damaged in its store' % faulty)
    payload = next(p for e, p in _verify_events(dep, backup)
                   if e == 'backup.verify.error')
    assert len(payload['problems']) == 1
    assert damaged_object in payload['problems'][0]
    bs.logged(dep, 'Backup %s is damaged in its store' % backup)
    # reported, not changed: the status is the operator's call
    assert bs.sql(dep, 'SELECT status FROM backups WHERE id = :id',
                  id=backup) == [('available',)]
