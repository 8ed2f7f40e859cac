"""Which rows the volume service's operations own (doc/reliability.rst).

An operation claims its volume or snapshot row with the lease
compare-and-swap (backupd.db.leases) and holds it in ``manager.live`` while
it runs, so neither this process's reconciler nor another process touches
it; the lease is given back at the end.
"""
import contextlib

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def owning(manager, ctxt, model, row_id, statuses):
    """Yields whether this operation owns ``row_id`` (in ``statuses``)."""
    if row_id in manager.live or not manager.owner.claim(
            ctxt, model, row_id, statuses):
        LOG.info('%s %s is not %s, or another live operation owns it; '
                 'leaving it.', model.__tablename__[:-1], row_id,
                 '/'.join(statuses))
        yield False
        return
    manager.live.add(row_id)
    try:
        yield True
    finally:
        manager.live.discard(row_id)
        manager.owner.release(ctxt, model, row_id)
