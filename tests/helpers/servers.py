"""The life of a test server that runs in its own session (Keystone,
Swift): started, stopped at the end, and stopped at interpreter exit too
so that it never outlives a dying pytest."""
import atexit
import contextlib

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
