"""Native threads never wait on the eventlet hub, and the hub never runs
their work (backupd/hub.py, doc/reliability.rst "Native threads and the
hub").

Each test runs a child process set up as every service is
(``backupd.cmd`` monkey-patches, ``common.prepare`` sets up logging) and
calls a driver-like job through the backup manager's bridge
(``backupd.manager.backup.work.in_thread``), as a backup does. A frozen
child is stopped by faulthandler, which prints every thread's stack; a
child whose hub still runs but whose job never returns ends at its own
eventlet.Timeout. Both fail the test with the child's output.

These are the issue 22 freeze (a backupd-backup process stopped logging and
heartbeating right after "reads all of volume") taken apart; each failed
before the fix:

* the garbage collector ran on a native thread and the finalizer of an
  object of the green side (a pooled connection returning to its pool)
  waited on a green lock: the native thread waited forever in a private
  hub, and when that happened inside a log call it held the import lock
  the hub needed next;
* ``eventlet.tpool.execute`` ran the job on the hub itself whenever any
  thread held the import lock (every native log record took it);
* a native thread's log record waited for a handler lock a green thread
  held across a switch.

Nothing is mocked. Two stand-ins inject what cannot be produced on demand:
a small class whose finalizer takes a green lock, as the pools of
SQLAlchemy and oslo.messaging do when a lost connection is collected; and
the import lock or the log handlers' locks held by the test itself for the
length of the job (they are real locks, held the way eventlet's
``current_thread()`` or an import, and a green thread switched out in the
middle of writing a record, hold them).
"""
import json
import subprocess
import sys
import textwrap

PRELUDE = textwrap.dedent('''
    import faulthandler
    import json
    import logging
    import sys

    from backupd.cmd import common   # monkey-patches, as every service does

    import eventlet
    import threading                 # patched: green locks

    from backupd.manager.backup import work
    from backupd import utils

    # A frozen hub cannot run the eventlet.Timeout below: dump every
    # thread's stack and exit instead.
    faulthandler.dump_traceback_later(90, exit=True)
    common.prepare('backupd-test', argv=[], with_bus=False)
    LOG = logging.getLogger('backupd.drivers.backup.engine.test')
    native = utils.native_threading()
    HUB = native.get_ident()
    LOG.info('hub thread logs first')    # handlers and formatters warmed up
    job_done = native.Event()

    def wait_for_job():
        """What a green thread does to wait on a native one: poll."""
        while not job_done.is_set():
            eventlet.sleep(0.01)

    def job_beside(green, job):
        """``green`` started on the hub, then ``job`` run through the
        backup manager's bridge, as a backup runs; the job's answer."""
        with eventlet.Timeout(30):
            eventlet.spawn(green)
            eventlet.sleep(0)
            return work.in_thread(job)
''')


def run_child(body):
    done = subprocess.run(
        [sys.executable, '-c', PRELUDE + textwrap.dedent(body)],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip(), (
        'child failed or froze (rc %s):\n%s' % (done.returncode,
                                                done.stderr[-6000:]))
    # oslo.log writes to stdout here (no log file); the result comes last.
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


def test_a_green_objects_finalizer_never_runs_on_a_native_thread():
    result, log = run_child('''
        pool_lock = threading.Lock()    # a connection pool's green lock
        finalized_on = []

        class PooledConnection:
            """Stand-in: returns itself to the pool when collected."""
            def __init__(self):
                self.cycle = self       # only the collector frees it

            def __del__(self):
                with pool_lock:
                    finalized_on.append(native.get_ident())

        def pool_in_use():
            with pool_lock:
                wait_for_job()

        def job():
            PooledConnection()
            # Allocations past the collector's thresholds: an automatic
            # collection would run here, on this native thread.
            kept = [[n] for n in range(200000)]
            LOG.info('Backup b reads all of volume v: %d', len(kept))
            job_done.set()
            return native.get_ident()

        ran_on = job_beside(pool_in_use, job)
        with eventlet.Timeout(30):
            while not finalized_on:
                eventlet.sleep(0.05)
        print(json.dumps({'hub': HUB, 'job_ran_on': ran_on,
                          'finalized_on': finalized_on}))
    ''')
    assert result['job_ran_on'] != result['hub'], result
    assert result['finalized_on'] == [result['hub']], result
    assert 'reads all of volume v: 200000' in log


def test_a_native_call_never_runs_on_the_hub_whatever_lock_is_held():
    result, log = run_child('''
        import _imp

        holding, release = native.Event(), native.Event()

        def importer():
            # Held as an import, or eventlet's current_thread(), holds it.
            _imp.acquire_lock()
            try:
                holding.set()
                release.wait()
            finally:
                _imp.release_lock()

        def job():
            LOG.info('native job logs while the import lock is held')
            return native.get_ident()

        holder = native.Thread(target=importer, daemon=True)
        holder.start()
        holding.wait()
        try:
            with eventlet.Timeout(30):
                ran_on = work.in_thread(job)
        finally:
            release.set()
        holder.join()
        print(json.dumps({'hub': HUB, 'job_ran_on': ran_on}))
    ''')
    assert result['job_ran_on'] != result['hub'], result
    assert 'native job logs while the import lock is held' in log


def test_a_native_thread_logs_while_a_green_thread_holds_the_handlers():
    result, log = run_child('''
        handlers = logging.getLogger().handlers

        def emitting():
            """A green thread switched out in the middle of a record."""
            for handler in handlers:
                handler.acquire()
            try:
                wait_for_job()
            finally:
                for handler in handlers:
                    handler.release()

        def job():
            for n in range(3):
                LOG.info('native line %d while the handlers are busy', n)
            job_done.set()
            return native.get_ident()

        ran_on = job_beside(emitting, job)
        LOG.info('hub line after the job')
        print(json.dumps({'hub': HUB, 'job_ran_on': ran_on,
                          'handlers': len(handlers)}))
    ''')
    assert result['handlers'] >= 1 and result['job_ran_on'] != result['hub']
    lines = [line for line in log.splitlines() if ' line ' in line]
    assert [line.split('INFO ')[1].split('] ')[1] for line in lines] == [
        'native line 0 while the handlers are busy',
        'native line 1 while the handlers are busy',
        'native line 2 while the handlers are busy',
        'hub line after the job'], lines
