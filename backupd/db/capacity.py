"""Capacity of volume hosts: what a backupd-volume reports, what placement
counts on top of a report.

A volume service measures its storage every ``periodic_interval`` (and once
its driver is ready) and stores the figures on its services row with
:func:`report`. Between two reports, :func:`pending_gb` gives the sizes of
the volumes placed on a host that its last report cannot have seen, so
several quick creates do not all land on the host whose figures are oldest.
"""
from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models

V = models.Volume


@api.reader
def provisioned_gb(context, host):
    """GiB of every volume on ``host`` (temporary clones included), plus
    the temporary snapshots of its volumes: a backup's snapshot, or one
    kept as the base of the next incremental (changed-block tracking),
    holds up to its volume's size as the volume is rewritten."""
    volumes = context.session.query(sa.func.coalesce(sa.func.sum(V.size), 0)
                                    ).filter(V.host == host,
                                             V.deleted.is_(False)).scalar()
    S = models.Snapshot
    snapshots = context.session.query(
        sa.func.coalesce(sa.func.sum(S.volume_size), 0)).join(
        V, V.id == S.volume_id).filter(
        V.host == host, S.is_temporary.is_(True),
        S.deleted.is_(False)).scalar()
    return volumes + snapshots


@api.writer
def report(context, host, binary, values, measured_at):
    """Store ``values`` (capacity columns) on the (host, binary) row."""
    stmt = (sa.update(models.Service)
            .where(models.Service.host == host,
                   models.Service.binary == binary,
                   models.Service.deleted.is_(False))
            .values(capacity_reported_at=measured_at,
                    updated_at=timeutils.utcnow(), **values))
    return context.session.execute(stmt).rowcount == 1


@api.reader
def pending_gb(context, services, creating_statuses):
    """{host: GiB} of the volumes each reported service has not counted yet.

    A volume counts when its row is newer than the host's report or still
    in one of ``creating_statuses`` (the driver may not have allocated it
    when the host measured). Counting one twice only makes placement more
    careful until the next report.
    """
    pending = {}
    for service in services:
        if service.capacity_reported_at is None:
            continue
        pending[service.host] = context.session.query(
            sa.func.coalesce(sa.func.sum(V.size), 0)).filter(
                V.host == service.host, V.deleted.is_(False),
                sa.or_(V.created_at >= service.capacity_reported_at,
                       V.status.in_(list(creating_statuses)))).scalar()
    return pending
