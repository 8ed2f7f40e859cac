"""Where native threads and the eventlet hub meet: the only crossings allowed.

A service runs its green threads on one OS thread (the hub's) and its disk
and CPU work (drivers, the data engine) on native threads. A primitive made
for one side misbehaves on the other:

* a green lock, event or socket touched from a native thread makes that
  thread run a private hub of its own; when the green side wakes it, the
  wake-up goes to the wrong hub ('Cannot switch to a different thread') and
  the native thread waits forever, holding whatever it held;
* a native lock the hub waits on blocks every green thread until the
  native holder lets go.

The process freeze of issue 22 joined both. Every log record a native
thread made asked eventlet's green ``threading.current_thread()``, which
takes the interpreter's import lock and swaps ``sys.modules`` around each
call. When the garbage collector ran on that native thread at that moment
and finalized an object of the green side whose finalizer waits on a green
lock (a pooled connection going back to its pool, say), the native thread
waited forever in its private hub, holding the import lock; the hub's next
log line or import then waited on that lock: no more logs, heartbeats or
RPC. Besides, ``eventlet.tpool.execute`` runs its function on the hub
itself whenever any thread holds the import lock at that moment.

Hence the rules this module implements (doc/reliability.rst lists every
crossing):

* :func:`call` runs a function on a native thread of its own and the green
  caller waits on a pipe the thread writes when done: never on the hub,
  whatever lock is held (``eventlet.tpool`` is not used). The caller keeps
  the references to the function, its arguments and its result, so they
  are freed on the hub, not on the native thread;
* :func:`install` (every console script, once eventlet is patched): a log
  record made on a native thread is queued (a native ``SimpleQueue``, no
  lock) and handled on the hub, so handlers, their locks and formatters run
  on the hub only; records ask the native ``threading`` for their thread,
  never eventlet's; the logging module's lock is a native one (held for a
  few dict updates only); and the cyclic garbage collector runs on the hub
  only (automatic collection off, a green thread collects by the same
  thresholds), so the collector never runs a finalizer on a native thread.
"""
import atexit
import gc
import logging
import time

import eventlet
from eventlet import hubs
from eventlet import patcher

from backupd import utils

#: Seconds between two deliveries of log records queued by native threads,
#: and between two checks of the garbage collector's counts. Each wake-up
#: costs an idle service CPU: at 0.1 s the pump was a third of an idle
#: backupd-all's (0.025 -> 0.017 CPU-s a second at 0.5 s). A record waits
#: at most this long, and less whenever the hub logs or a hub.call returns.
PUMP_INTERVAL = 0.5

_os = patcher.original('os')


def call(function, *args, **kwargs):
    """``function(*args, **kwargs)`` on a new native thread; the calling
    green thread waits without blocking the hub and gets the result or the
    exception. A caller that gives up (``eventlet.Timeout``) leaves the
    thread to finish on its own."""
    threading = utils.native_threading()
    readable, writable = _os.pipe()
    _os.set_blocking(readable, False)
    outcome = []

    def run():
        try:
            outcome.append((True, function(*args, **kwargs)))
        except BaseException as exc:    # noqa: B902 - handed to the caller
            outcome.append((False, exc))
        finally:
            try:
                _os.write(writable, b'.')
            except OSError:
                pass          # the caller gave up and closed its end
            finally:
                _os.close(writable)

    thread = threading.Thread(
        target=run, daemon=True,
        name='native-%s' % getattr(function, '__name__', 'call'))
    try:
        thread.start()
    except BaseException:
        _os.close(writable)
        _os.close(readable)
        raise
    try:
        while not outcome:
            hubs.trampoline(readable, read=True)
            try:
                _os.read(readable, 1)
            except BlockingIOError:
                continue
    finally:
        _os.close(readable)
    deliver_pending_logs()
    ok, value = outcome[0]
    if ok:
        return value
    raise value


# -- logging ------------------------------------------------------------------

_pending = None          # records made on native threads, for the hub
_empty = None
_hub_thread = None       # ident (native) of the hub's OS thread
_native_ident = None     # the native threading.get_ident
_original_handle = logging.Logger.handle


def _handle(logger, record):
    """``Logger.handle`` that hands a native thread's record to the hub."""
    if _native_ident() != _hub_thread:
        # Freeze the message now: the arguments may change before the hub
        # formats it (what logging.handlers.QueueHandler does too). A
        # record that cannot be formatted is left to the handler, which
        # reports it.
        try:
            record.msg, record.args = record.getMessage(), None
        except Exception:
            pass
        _pending.put((logger, record))
        return
    deliver_pending_logs()
    _original_handle(logger, record)


def deliver_pending_logs():
    """Handle, on the hub's thread, the records native threads made (in
    the order they were made); elsewhere, do nothing."""
    if _pending is None or _native_ident() != _hub_thread:
        return
    while True:
        try:
            logger, record = _pending.get_nowait()
        except _empty:
            return
        _original_handle(logger, record)


def _install_logging():
    global _pending, _empty, _hub_thread, _native_ident
    native = utils.native_threading()
    # Records ask the native module for their thread's name and id.
    logging.threading = native
    if _pending is None:
        logging._lock = native.RLock()
        queue = utils.native_queue()
        _pending, _empty = queue.SimpleQueue(), queue.Empty
        _native_ident = native.get_ident
        _hub_thread = native.get_ident()
        logging.Logger.handle = _handle
        atexit.register(deliver_pending_logs)


# -- garbage collection ---------------------------------------------------------

#: Seconds after which the young generation is collected even below its
#: threshold.
YOUNG_COLLECTION_INTERVAL = 1.0

_last_collection = [0.0]


def _collect_when_due():
    """Collect the generation CPython would have collected by now (the same
    thresholds, checked every PUMP_INTERVAL instead of at each allocation).
    A burst of allocations that is freed again between two looks (a native
    thread's) would leave the cycles it made waiting for the next burst, so
    the young generation is also collected every YOUNG_COLLECTION_INTERVAL
    when it holds anything."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    now = time.monotonic()
    for generation in (2, 1, 0):
        if thresholds[generation] and \
                counts[generation] > thresholds[generation]:
            break
    else:
        if not counts[0] or \
                now - _last_collection[0] < YOUNG_COLLECTION_INTERVAL:
            return
        generation = 0
    gc.collect(generation)
    _last_collection[0] = now


def _pump():
    while True:
        eventlet.sleep(PUMP_INTERVAL)
        try:
            deliver_pending_logs()
            _collect_when_due()
        except Exception:       # never end the pump
            logging.getLogger(__name__).exception('hub pump')


_pump_started = False


def install():
    """Apply the rules above to this process (a patched service or command;
    idempotent). Call on the hub's thread after logging is set up."""
    global _pump_started
    if not patcher.is_monkey_patched('thread'):
        return
    _install_logging()
    gc.disable()
    if not _pump_started:
        _pump_started = True
        eventlet.spawn_n(_pump)
