"""Backup test helpers beyond tests/helpers/backup_support.py: running
backupd-scrubber against a deployment's config (one-shot, --daemon,
--restore, --list-pending), delayed-delete config, a backup's row whatever
its state."""
import datetime
import os
import signal

from tests.fixtures import services
from tests.helpers import backup_support as bs
from tests.helpers import servers

SCRUBBER = os.path.join(services.BIN, 'backupd-scrubber')


def delayed(scrub_time, wakeup_time=1, **more):
    """Config for a deployment with delayed delete."""
    return {'DEFAULT': dict({'delayed_delete': 'true',
                             'scrub_time': str(scrub_time),
                             'wakeup_time': str(wakeup_time)}, **more)}


def overrides(dep, name, **options):
    """A second config file (later files win) with ``options``."""
    path = os.path.join(dep.workdir, '%s.conf' % name)
    with open(path, 'w') as f:
        f.write('[DEFAULT]\n')
        for key, value in options.items():
            f.write('%s = %s\n' % (key, value))
    return path


def _cmd(dep, args, extra_conf):
    cmd = [SCRUBBER, '--config-file', dep.conf_path]
    if extra_conf:
        cmd += ['--config-file', extra_conf]
    return cmd + list(args)


def run(dep, *args, extra_conf=None, timeout=120):
    """One backupd-scrubber invocation -> CompletedProcess."""
    return services.run_script(_cmd(dep, args, extra_conf), timeout=timeout)


class Daemon:
    """backupd-scrubber --daemon (or with other ``args``) in its own
    session, logging to a file; stopped by its pid."""

    def __init__(self, dep, extra_conf=None, args=('--daemon',)):
        self.log_path = os.path.join(dep.workdir, 'backupd-scrubber.log')
        cmd = _cmd(dep, args, extra_conf)
        self.proc = services.start_script(cmd[0], cmd[1:], self.log_path)

    def log(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def wait_started(self, timeout=60):
        services.wait_for(
            lambda: self.proc.poll() is not None or
            'Scrub run done' in self.log(), timeout,
            what='the scrubber daemon\'s first run')
        assert self.proc.poll() is None, self.log()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            servers.stop_group(self.proc, sig)


def row(dep, backup_id):
    """(status, deleted, pending_delete_at) of the backup row."""
    rows = bs.sql(dep, 'SELECT status, deleted, pending_delete_at FROM '
                  'backups WHERE id = :id', id=backup_id)
    return tuple(rows[0]) if rows else None


def backdate(dep, backup_id, seconds):
    """Pretend the delayed delete happened ``seconds`` ago (no test waits
    an hour): moves pending_delete_at back, nothing else."""
    bs.sql(dep, 'UPDATE backups SET pending_delete_at = :at WHERE id = :id',
           id=backup_id, at=datetime.datetime.utcnow() -
           datetime.timedelta(seconds=seconds))


def delete_pending(dep, backup_id, project='demo'):
    resp = dep.request('DELETE', '/backups/%s' % backup_id, project=project)
    assert resp.status_code == 202, resp.text
    assert row(dep, backup_id)[0] == 'pending_delete'
