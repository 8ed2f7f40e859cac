"""Logging from native and green threads at once, in a patched process.

Drivers log from native threads (driver start-up, the data engine) while
green threads log on the hub. The logging module's own lock must work for
both: a green one raised 'Cannot switch to a different thread' and then
hung the service (seen as a backupd-all start timing out). With
the module lock put back to a green RLock (``logging._lock =
logging.threading.RLock()`` after prepare) this test fails every time.
"""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import sys
    from backupd.cmd import common   # monkey-patches, as every service does
    import logging
    import eventlet
    from eventlet import tpool

    common.prepare('backupd-test', argv=[], with_bus=False)

    def first_level_checks(prefix, n, yield_every=None):
        # A new logger's first level check takes logging's module lock.
        for i in range(n):
            logging.getLogger('%s.%d' % (prefix, i)).isEnabledFor(20)
            if yield_every and i % yield_every == 0:
                eventlet.sleep(0)
        return n

    with eventlet.Timeout(60):
        workers = [eventlet.spawn(first_level_checks, 'green%d' % g, 20000,
                                  50) for g in range(2)]
        workers += [eventlet.spawn(tpool.execute, first_level_checks,
                                   'native%d' % n, 20000) for n in range(2)]
        for worker in workers:
            worker.wait()
    print('all loggers checked')
''')


def test_native_and_green_threads_log_at_once():
    done = subprocess.run([sys.executable, '-c', SCRIPT],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'all loggers checked' in done.stdout
    assert 'Cannot switch to a different thread' not in done.stderr

