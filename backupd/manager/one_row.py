"""A repair pass goes on after a row it could not handle.

The passes over many rows (cleanup at start, the reconcilers) handle each
row in ``with one_row.at_a_time(who, kind, row_id):``. An exception there
is logged and the pass goes on with the next row: a row that fails every
time (a driver bug, a row the code did not expect) must not leave the rows
after it stuck. The next pass tries it again.
"""
import contextlib

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def at_a_time(who, kind, row_id):
    try:
        yield
    except Exception:
        LOG.exception('%s: could not handle %s %s; going on with the next, '
                      'and trying it again on the next pass.', who, kind,
                      row_id)
