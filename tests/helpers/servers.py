"""The life of a test server that runs in its own session (Keystone,
Swift): started, stopped at the end, and stopped at interpreter exit too
so that it never outlives a dying pytest; and how a test stops a process
group it started."""
import atexit
import contextlib
import os
import signal
import subprocess

import pytest


@contextlib.contextmanager
def running(start, stop, start_error):
    """Run ``start()`` and stay inside while the server runs; ``stop()``
    after. A ``start_error`` fails the test with its message (the
    server's own account of what went wrong), not a traceback."""
    atexit.register(stop)
    try:
        try:
            start()
        except start_error as exc:
            pytest.fail(str(exc), pytrace=False)
        yield
    finally:
        stop()
        atexit.unregister(stop)


def die_with_parent():
    """In a child (``preexec_fn``): SIGTERM when the test process dies,
    however it dies, so an interrupted run never leaves servers running."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                             signal.SIGTERM)


def wait_or_kill(proc, timeout):
    """Wait up to ``timeout`` seconds for ``proc``, the leader of a process
    group already signalled; then SIGKILL the group."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def stop_group(proc, sig=signal.SIGTERM, timeout=30):
    """Send ``sig`` to the process group ``proc`` leads (a process started
    in a session of its own) and wait for it as :func:`wait_or_kill`."""
    os.killpg(proc.pid, sig)
    wait_or_kill(proc, timeout)
