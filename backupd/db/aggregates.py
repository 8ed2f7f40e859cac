"""Figures the API reports about many rows (GET /volumes/summary,
GET /os-hosts/{host}): aggregate queries, never the rows themselves."""
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models


@api.reader
def summary(context, project_id):
    """(count, total size in GiB, {metadata key: sorted values}) of the
    visible volumes of ``project_id`` (None: every project)."""
    volume = models.Volume
    where = [volume.deleted.is_(False), volume.is_temporary.is_(False)]
    if project_id is not None:
        where.append(volume.project_id == project_id)
    count, size = context.session.query(
        sa.func.count(volume.id),
        sa.func.coalesce(sa.func.sum(volume.size), 0)).filter(*where).one()
    meta = models.VolumeMetadata
    pairs = context.session.query(meta.key, meta.value).distinct().join(
        volume, volume.id == meta.volume_id).filter(
        meta.deleted.is_(False), *where).all()
    values = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return int(count), int(size), {k: sorted(v, key=str)
                                   for k, v in values.items()}


@api.reader
def host_usage(context, host):
    """{project id: (volume count, GiB, snapshot count, GiB)} of the visible
    volumes on ``host`` and their snapshots."""
    volume, snapshot = models.Volume, models.Snapshot
    where = [volume.deleted.is_(False), volume.is_temporary.is_(False),
             volume.host == host]
    usage = {}
    for project, count, size in context.session.query(
            volume.project_id, sa.func.count(volume.id),
            sa.func.coalesce(sa.func.sum(volume.size), 0)).filter(
            *where).group_by(volume.project_id):
        usage[project] = [int(count), int(size), 0, 0]
    for project, count, size in context.session.query(
            snapshot.project_id, sa.func.count(snapshot.id),
            sa.func.coalesce(sa.func.sum(snapshot.volume_size), 0)).join(
            volume, volume.id == snapshot.volume_id).filter(
            snapshot.deleted.is_(False), snapshot.is_temporary.is_(False),
            *where).group_by(snapshot.project_id):
        usage.setdefault(project, [0, 0, 0, 0])[2:] = [int(count), int(size)]
    return {project: tuple(v) for project, v in usage.items()}
