"""Operation leases: which live process owns a row in a transient status.

An operation *claims* its row with one compare-and-swap that also checks the
status; the claim wins only when the row is unowned, owned by this very
process, or its lease expired. A running service renews the leases it holds.
The reconciler of a host repairs only *abandoned* rows: unowned for longer
than a lease (the request never arrived), or owned by a lease that expired
(the owner died or lost the database), or owned by this process with no
live operation here (checked by the caller). See doc/reliability.rst.
"""
import datetime

from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models

CLEAR = {'lease_owner': None, 'lease_expires_at': None}


def _free_or(model, owner, now):
    return sa.or_(model.lease_owner.is_(None), model.lease_owner == owner,
                  model.lease_expires_at < now)


@api.writer
def claim(context, model, id_, statuses, owner, seconds, values=None):
    """Take row ``id_`` while it is in ``statuses``; True when this call owns
    it now. ``values`` are written in the same statement."""
    now = timeutils.utcnow()
    stmt = (sa.update(model)
            .where(model.id == id_, model.deleted.is_(False),
                   model.status.in_(list(statuses)),
                   _free_or(model, owner, now))
            .values(lease_owner=owner,
                    lease_expires_at=now + datetime.timedelta(
                        seconds=seconds),
                    updated_at=now, **(values or {}))
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount == 1


@api.writer
def renew(context, model, owner, seconds):
    """Extend every lease ``owner`` holds (``updated_at`` kept: it says when
    the row last changed, not that its owner lives)."""
    now = timeutils.utcnow()
    stmt = (sa.update(model)
            .where(model.lease_owner == owner, model.deleted.is_(False))
            .values(lease_expires_at=now + datetime.timedelta(
                        seconds=seconds),
                    updated_at=model.updated_at)
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount


@api.writer
def release(context, model, id_, owner):
    """Give the row up (end of an operation); only ``owner``'s lease."""
    stmt = (sa.update(model)
            .where(model.id == id_, model.lease_owner == owner)
            .values(updated_at=model.updated_at, **CLEAR)
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount == 1


@api.reader
def abandoned(context, model, statuses, owner, seconds, host=None,
              volume_host=None):
    """Rows in ``statuses`` that no other live process may own: unchanged
    for ``seconds`` and unowned, owned by ``owner`` (the caller checks its
    own live operations) or with an expired lease. Filtered by the row's
    ``host``, or by its volume's host (snapshots)."""
    now = timeutils.utcnow()
    quiet_since = now - datetime.timedelta(seconds=seconds)
    query = context.session.query(model).filter(
        model.deleted.is_(False), model.status.in_(list(statuses)),
        sa.func.coalesce(model.updated_at, model.created_at) < quiet_since,
        _free_or(model, owner, now))
    if host is not None:
        query = query.filter(model.host == host)
    if volume_host is not None:
        query = query.join(models.Volume,
                           models.Volume.id == model.volume_id).filter(
            models.Volume.host == volume_host)
    return query.order_by(model.created_at).all()
