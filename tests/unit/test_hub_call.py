"""backupd.hub.call: a function on a native thread, its green caller
waiting on the hub (tests/unit/test_hub_crossings.py covers a patched
process under the locks that froze the backup service)."""
import os

import eventlet
import pytest

from backupd import hub
from backupd import utils


def open_pipes():
    """The pipe inodes this process holds an fd of ('pipe:[N]')."""
    pipes = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink('/proc/self/fd/' + fd)
        except OSError:
            continue            # the listing's own fd, already closed
        if target.startswith('pipe:'):
            pipes.add(target)
    return pipes


def test_result_and_exception_come_back_from_another_thread():
    native = utils.native_threading()
    assert hub.call(native.get_ident) != native.get_ident()
    assert hub.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(KeyError, match='gone'):
        hub.call(lambda: {}['gone'])


def test_green_threads_run_while_a_call_waits():
    native = utils.native_threading()
    release = native.Event()
    ticks = []

    def ticker():
        for _ in range(3):
            ticks.append(1)
            eventlet.sleep(0)
        release.set()

    eventlet.spawn(ticker)
    assert hub.call(release.wait, 60) is True
    assert len(ticks) == 3


def test_a_caller_that_gives_up_leaves_the_thread_to_finish(monkeypatch):
    native = utils.native_threading()
    release, finished = native.Event(), native.Event()
    made = []
    real_pipe = hub._os.pipe

    def recorded_pipe():
        # Only observes: the call's own pipe, told apart from whatever
        # other fds the test process opens and closes meanwhile.
        ends = real_pipe()
        made.append(os.readlink('/proc/self/fd/%d' % ends[0]))
        return ends

    monkeypatch.setattr(hub._os, 'pipe', recorded_pipe)

    def slow():
        release.wait(60)
        finished.set()

    with pytest.raises(eventlet.Timeout):
        with eventlet.Timeout(0.1):
            hub.call(slow)
    release.set()
    assert finished.wait(60)
    for thread in native.enumerate():
        if thread.name == 'native-slow':
            thread.join(60)
    assert len(made) == 1
    assert made[0] not in open_pipes()    # both ends of its pipe closed
