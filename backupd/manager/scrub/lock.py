"""The scrubber lock: an oslo.concurrency external (file) lock.

Every scrubber holds it while it runs (a daemon for its whole life, a
one-shot run until it ends) and ``--restore`` takes it too, so a restore
never races a scrub and a second scrubber never starts next to the first.
The kernel drops the lock when its process dies, even by SIGKILL: no stale
pid file to guess from. Scrubbers of one deployment must share
``[oslo_concurrency] lock_path`` (default ``$state_path/lock``).
"""
import os

from oslo_concurrency import lockutils

from backupd import binaries

NAME = binaries.SCRUBBER


class ScrubberRunning(Exception):
    def __init__(self, path):
        self.path = path
        super().__init__(
            'A scrubber is running (it holds the lock %s): stop '
            'backupd-scrubber --daemon or backupd-all (or wait for the '
            'one-shot run to end), then try again.' % path)


def lock_dir(conf):
    return (conf.oslo_concurrency.lock_path or
            os.path.join(conf.state_path, 'lock'))


def acquire(conf):
    """Take the lock without waiting; raise :class:`ScrubberRunning` when
    another process holds it. Returns the lock (``release()`` it)."""
    directory = lock_dir(conf)
    os.makedirs(directory, exist_ok=True)
    lock = lockutils.external_lock(NAME, lock_path=directory)
    if not lock.acquire(blocking=False):
        raise ScrubberRunning(os.fsdecode(lock.path))  # bytes in fasteners
    return lock


def release(lock):
    """Release ``lock`` if this process still holds it (idempotent)."""
    if lock is not None and lock.acquired:
        lock.release()
