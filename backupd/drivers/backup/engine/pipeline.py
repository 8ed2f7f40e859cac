"""A bounded pipeline of native threads, and the callback ticker.

Threads and queues come from :mod:`backupd.utils`, so they are OS
threads even in an eventlet-patched process; this module never imports
eventlet.
"""
import time

from backupd import exception
from backupd import utils


CALLBACK_INTERVAL = 0.25     # seconds between progress/cancel callbacks


_END = object()


class Pipeline:
    """Items from ``source`` through stages of native threads, bounded.

    ``source`` is iterated in its own thread; each item goes through every
    ``(function, threads)`` stage in turn (a function returns the item for
    the next stage) and comes out of :meth:`results` on the calling thread.
    At most ``in_flight`` items exist between the source and the caller, so
    memory is bounded whatever the number of items. The first exception in
    any thread stops everything and is raised from :meth:`results`.
    """

    def __init__(self, source, stages, in_flight, pace=None):
        threading = utils.native_threading()
        self._pace = pace
        queue = utils.native_queue()
        self._source = source
        self._stages = stages
        self._slots = threading.Semaphore(in_flight)
        self._stopping = threading.Event()
        self._queues = [queue.Queue() for _ in stages]
        self._results = queue.Queue()
        self._empty = queue.Empty
        self._threads = [threading.Thread(target=self._feed, daemon=True,
                                          name='backup-source')]
        for n, (function, count) in enumerate(stages):
            self._threads += [
                threading.Thread(target=self._work, args=(n, function),
                                 daemon=True,
                                 name='backup-%s-%d' % (function.__name__, i))
                for i in range(count)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping.set()
        for n, (_, count) in enumerate(self._stages):
            for _ in range(count):
                self._queues[n].put(None)
        for thread in self._threads:
            thread.join()

    def _feed(self):
        count = 0
        items = iter(self._source)
        try:
            while True:
                # A slot first, then the item: the source (the volume
                # reader) never holds a chunk that has no slot.
                while not self._slots.acquire(timeout=0.1):
                    if self._stopping.is_set():
                        return
                if self._stopping.is_set():
                    return
                item = next(items, _END)
                if item is _END:
                    break
                if self._pace is not None and self._stopping.wait(
                        self._pace.delay(item.io_bytes())):
                    return
                self._queues[0].put(item)
                count += 1
        except BaseException as exc:    # noqa: B902 - handed to the caller
            self._results.put(('error', exc))
            return
        finally:
            # A generator source ends now, whether it ran out or the
            # pipeline stopped, not whenever it is collected: its
            # ``finally`` may stop helpers of its own (engine.tracked).
            close = getattr(items, 'close', None)
            if close is not None:
                close()
        self._results.put(('end', count))

    def _work(self, n, function):
        while True:
            item = self._queues[n].get()
            if item is None:
                return
            if self._stopping.is_set():
                continue
            try:
                item = function(item)
            except BaseException as exc:    # noqa: B902 - handed to caller
                self._stopping.set()
                self._results.put(('error', exc))
                continue
            if n + 1 < len(self._queues):
                self._queues[n + 1].put(item)
            else:
                self._results.put(('item', item))

    def results(self, idle):
        """Yield finished items; call ``idle()`` when none came for a while
        (so the caller can check for cancellation while storage is slow)."""
        total = None
        seen = 0
        while total is None or seen < total:
            try:
                kind, value = self._results.get(timeout=CALLBACK_INTERVAL)
            except self._empty:
                idle()
                continue
            if kind == 'error':
                raise value
            if kind == 'end':
                total = value
                continue
            seen += 1
            self._slots.release()
            yield value


class Pace:
    """At most ``rate`` bytes per second on average through a pipeline's
    source (backup_bandwidth_limit: what a backup reads from its volume,
    what a restore writes to one). The first item goes at once; each later
    one waits until the bytes before it have had their time at the rate.
    Time the pipeline spent elsewhere earns no credit: a backup slowed by
    its storage does not then read in a burst."""

    def __init__(self, rate, clock=time.monotonic):
        self.rate = rate
        self._clock = clock
        self._next = None

    @classmethod
    def of(cls, rate):
        """A Pace for ``rate`` bytes per second; None for 0 (no limit)."""
        return cls(rate) if rate else None

    def delay(self, nbytes):
        """Seconds to wait before ``nbytes`` more go; counts them."""
        now = self._clock()
        due = now if self._next is None else self._next
        self._next = max(due, now) + nbytes / self.rate
        return max(0.0, due - now)


class Ticker:
    """Calls ``progress`` and ``is_cancelled`` at most every
    CALLBACK_INTERVAL seconds (and at the first chunk), on the caller's
    thread; raises BackupCancelled when asked to stop."""

    def __init__(self, backup_id, total, progress, is_cancelled):
        self.backup_id = backup_id
        self.total = total
        self.done = 0
        self._progress = progress
        self._is_cancelled = is_cancelled
        self._last = None

    def add(self, nbytes):
        self.done += nbytes
        self.tick()

    def tick(self, force=False):
        now = time.monotonic()
        if not force and self._last is not None and \
                now - self._last < CALLBACK_INTERVAL:
            return
        self._last = now
        self._progress(self.done, self.total)
        if self._is_cancelled():
            raise exception.BackupCancelled(backup_id=self.backup_id)
