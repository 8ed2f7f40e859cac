"""tests/fixtures/preload.py: a console script forked from its preloaded
interpreter does what the exec'd script does, and inherits nothing of the
server's (its hub's epoll above all)."""
import ctypes
import errno
import os
import platform
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


# kcmp(2): whether two processes' fds are one open file description
_KCMP = {'x86_64': 312, 'aarch64': 272}[platform.machine()]
_KCMP_FILE = 0
_libc = ctypes.CDLL(None, use_errno=True)


def _same_file(pid1, fd1, pid2, fd2):
    found = _libc.syscall(_KCMP, pid1, pid2, _KCMP_FILE, fd1, fd2)
    if found < 0:
        if ctypes.get_errno() == errno.EBADF:
            return False        # closed since it was listed
        raise OSError(ctypes.get_errno(), 'kcmp')
    return found == 0


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
        server = preload._server(proc.args[0])
        mine = _fds(proc.pid)
        assert mine[1] == mine[2] == dep.log_path('backupd-all')
        assert mine[0] == '/dev/null'
        assert dep.request('GET', '/volumes').status_code == 200
        # No open file of the server's, its hub's epoll above all (a shared
        # epoll would deliver one process's events to another): compared
        # by the kernel (kcmp), not by what /proc names them.
        shared = [(fd, target) for fd, target in _fds(proc.pid).items()
                  for theirs_fd in _fds(server.proc.pid)
                  if _same_file(proc.pid, fd, server.proc.pid, theirs_fd)]
        assert not shared, shared
        assert 'anon_inode:[eventpoll]' in mine.values()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        assert proc.poll() == -signal.SIGKILL
    finally:
        dep.close()


def test_a_child_whose_server_died_is_reported_not_waited_for(tmp_path):
    """Its server gone (killed), the child ends too (SIGTERM with its
    parent) and nobody can tell its return code: wait() says so at once
    instead of waiting forever. A server of its own: the test process's
    shared one serves other tests' services."""
    script = os.path.join(services.BIN, 'backupd-all')
    (tmp_path / 'backupd.conf').write_text(
        '[DEFAULT]\nstate_path = %s\nosapi_volume_listen = 127.0.0.1\n'
        'osapi_volume_listen_port = 0\n' % tmp_path)
    server = preload._Server(script)
    try:
        log = str(tmp_path / 'out.log')
        pid, status = server.fork(
            script, ['--config-file', str(tmp_path / 'backupd.conf')],
            log, log)
        child = preload.Child([script], pid, status, server)
        assert child.poll() is None
        server.proc.kill()
        server.proc.wait(30)
        with pytest.raises(RuntimeError, match='return code of pid %d is '
                                               'unknown' % pid):
            child.wait(60)
    finally:
        server.close()
