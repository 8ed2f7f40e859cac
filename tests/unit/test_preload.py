"""tests/fixtures/preload.py: a console script forked from its preloaded
interpreter does what the exec'd script does, and inherits nothing of the
server's (its hub's epoll above all)."""
import os
import signal
import subprocess

import pytest

from tests.fixtures import preload
from tests.fixtures import services

def _fds(pid):
    """{fd: what it is} of process ``pid``."""
    found = {}
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            found[int(fd)] = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            pass
    return found


def _watched(pid, fd):
    """The fds the epoll ``fd`` of process ``pid`` watches."""
    with open('/proc/%d/fdinfo/%d' % (pid, fd)) as f:
        return [line for line in f if line.startswith('tfd:')]


@pytest.mark.parametrize('script, argv', [
    ('backupd-manage', ['--version']),
    ('backupd-manage', ['no-such-command']),
    ('backupd-manage', ['--config-file', 'missing.conf', 'db', 'version']),
    ('backupd-manage', ['--config-file', 'backupd.conf', 'db', 'version']),
    # backupd's own CLI and the real clients the tests drive
    # (services.PRELOADED)
    ('backupd', ['--version']),
    ('backupd', ['help', 'backup-create']),
    ('cinder', ['--version']),
    ('cinder', ['help', 'backup-create']),
    ('openstack', ['--version']),
    ('openstack', ['volume', 'backup', 'create', '--help']),
])
def test_forked_run_answers_as_the_execd_script(tmp_path, script, argv):
    (tmp_path / 'backupd.conf').write_text(
        '[DEFAULT]\nstate_path = %s\n' % tmp_path)
    cmd = [os.path.join(services.BIN, script)] + argv
    execd = subprocess.run(cmd, capture_output=True, text=True,
                           cwd=tmp_path, timeout=120,
                           stdin=subprocess.DEVNULL)
    forked = preload.run(cmd, 120, cwd=str(tmp_path))
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        execd.returncode, execd.stdout, execd.stderr)


def test_forked_service_owns_its_fds_and_its_end_is_reported(tmp_path):
    dep = services.Deployment(tmp_path / 'dep', ['backupd-all']).start()
    try:
        proc = dep.procs['backupd-all']
        assert isinstance(proc, preload.Child)
        assert os.getsid(proc.pid) == proc.pid      # a session of its own
        server = preload._servers[os.path.join(services.BIN, 'backupd-all')]
        theirs = set(_fds(server.proc.pid).values())
        mine = _fds(proc.pid)
        assert mine[1] == mine[2] == dep.log_path('backupd-all')
        assert mine[0] == '/dev/null'
        assert dep.request('GET', '/volumes').status_code == 200
        # No pipe or socket of the server's.
        shared = {target for target in mine.values()
                  if target.startswith(('pipe:', 'socket:'))} & theirs
        assert not shared, shared
        # One epoll, the child's own: it watches the service's sockets,
        # and the server's (which a shared one would be) watches nothing.
        epolls = [fd for fd, target in mine.items()
                  if target == 'anon_inode:[eventpoll]']
        assert len(epolls) == 1, mine
        assert _watched(proc.pid, epolls[0])
        for fd, target in _fds(server.proc.pid).items():
            if target == 'anon_inode:[eventpoll]':
                assert not _watched(server.proc.pid, fd)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        assert proc.poll() == -signal.SIGKILL
    finally:
        dep.close()
