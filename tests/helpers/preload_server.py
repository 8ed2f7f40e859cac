"""The process behind tests/fixtures/preload.py: ``python preload_server.py
SCRIPT [SCRIPT|MODULE ...]`` imports what the console scripts SCRIPT import
(and the MODULEs their starts import later), then forks a child per request
and runs the request's script (one of them) in it.

Requests come on stdin, one JSON line each ({argv, env, cwd, stdout,
stderr, status}); the reply to each is one JSON line on stdout: {"pid": N}
or {"error": text}. When a child ends, its return code (Popen's: -N for a
signal) is written to the file named by its request's ``status``. End of
stdin (the test process gone) ends the server; its children, each told to
get SIGTERM when it goes, end with it.

The server never runs eventlet's hub (the imports made one): it uses the
unpatched os and select, so a child starts with no green state in use.
"""
import ctypes
import json
import os
import signal
import sys

SCRIPT = os.path.abspath(sys.argv[1])
# console scripts (paths) and modules
ALSO = sys.argv[2:]
# A console script runs with its own directory first on sys.path, not
# this file's, and its own name as argv[0], which some modules read at
# import (cliff's App.NAME, the name openstack's messages print).
sys.path[0] = os.path.dirname(SCRIPT)
sys.argv = [SCRIPT]

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # tests/helpers/servers.die_with_parent's: this script runs with the
    # console script's sys.path, which holds no tests package
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


_die_with_parent()

# What a script imports: the module of its console_scripts entry point.
from importlib import metadata  # noqa: E402

_all_entries = [entry for dist in metadata.distributions()
                for entry in dist.entry_points]
_entries = {entry.name: entry.module for entry in _all_entries
            if entry.group == 'console_scripts'}
for _item in [SCRIPT] + ALSO:
    if _item.startswith('entry-points:'):
        # the modules of the plugins a run loads (stevedore), by group prefix
        _prefix = _item.split(':', 1)[1]
        for _module in sorted({entry.module for entry in _all_entries
                               if entry.group.startswith(_prefix)}):
            __import__(_module)
        continue
    if os.sep in _item:
        _name = os.path.basename(_item)
        if _name not in _entries:
            raise SystemExit('no console script %r installed' % _name)
        _item = _entries[_name]
    __import__(_item)

from eventlet import patcher  # noqa: E402 - loaded by the import above

_os = patcher.original('os')
_select = patcher.original('select')


def _returncode(status):
    if _os.WIFSIGNALED(status):
        return -_os.WTERMSIG(status)
    return _os.WEXITSTATUS(status)


def _write_file(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    _os.rename(tmp, path)


def _run_child(request, server_fds):
    """In the forked child: become what a fresh start of the request's
    script would be, run it, exit with its status. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _os.setsid()
        _die_with_parent()
        if _os.getppid() != request['server_pid']:
            _os._exit(1)            # the server went before the prctl
        null = _os.open(os.devnull, _os.O_RDONLY)
        out = _os.open(request['stdout'],
                       _os.O_WRONLY | _os.O_CREAT | _os.O_APPEND, 0o644)
        err = out if request['stderr'] == request['stdout'] else _os.open(
            request['stderr'], _os.O_WRONLY | _os.O_CREAT | _os.O_APPEND,
            0o644)
        _os.dup2(null, 0)
        _os.dup2(out, 1)
        _os.dup2(err, 2)
        _os.close(null)
        if err != out:
            _os.close(err)
        _os.close(out)
        # Nothing of the server's is inherited (Popen's close_fds): its
        # wake-up pipe, and its hub, whose epoll is closed through its
        # object (closing the bare fd would leave the object to close
        # whatever file has that number when it is freed). The child makes
        # a hub of its own, as oslo.service's forked API workers do. The
        # server holds no other fd (it is started with close_fds).
        for fd in server_fds:
            _os.close(fd)
        from eventlet import hubs
        old_hub = getattr(hubs._threadlocal, 'hub', None)
        if old_hub is not None:
            old_hub.poll.close()
        hubs.use_hub()
        _os.chdir(request['cwd'])
        os.environ.clear()
        os.environ.update(request['env'])
        sys.argv = [request['script']] + request['argv']
        import runpy
        try:
            runpy.run_path(request['script'], run_name='__main__')
            code = 0
        except SystemExit as exc:
            code = exc.code
            if code is None:
                code = 0
            elif not isinstance(code, int):
                print(code, file=sys.stderr)
                code = 1
        except BaseException:   # noqa: B902 - what the interpreter prints
            import traceback
            traceback.print_exc()
            code = 1
        # What the interpreter does at exit: wait for non-daemon threads,
        # run atexit handlers, flush.
        try:
            import threading
            threading._shutdown()
        except BaseException:   # noqa: B902
            pass
        import atexit
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:   # noqa: B902
                pass
    finally:
        _os._exit(code)


def serve():
    wake_r, wake_w = _os.pipe()
    _os.set_blocking(wake_r, False)
    _os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    status_of = {}
    pending = b''
    while True:
        try:
            readable, _, _ = _select.select([0, wake_r], [], [])
        except InterruptedError:
            readable = [wake_r]
        if wake_r in readable:
            try:
                while _os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            while True:
                try:
                    pid, status = _os.waitpid(-1, _os.WNOHANG)
                except ChildProcessError:
                    break
                if not pid:
                    break
                path = status_of.pop(pid, None)
                if path:
                    _write_file(path, str(_returncode(status)))
        if 0 in readable:
            data = _os.read(0, 65536)
            if not data:
                return              # the test process is gone
            pending += data
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                request = json.loads(line)
                request['server_pid'] = _os.getpid()
                try:
                    pid = _os.fork()
                except OSError as exc:
                    reply = {'error': str(exc)}
                else:
                    if pid == 0:
                        _run_child(request, (wake_r, wake_w))
                    status_of[pid] = request['status']
                    reply = {'pid': pid}
                _os.write(1, (json.dumps(reply) + '\n').encode())


if __name__ == '__main__':
    serve()
