"""Volume type access lists: the projects a private volume type is shared
with. A public type needs none; a private one is seen by admins and by the
projects on its list."""
from oslo_db import exception as db_exc

from backupd.db import api
from backupd.db import models
from backupd import exception

P = models.VolumeTypeProject


@api.reader
def projects_of(context, type_id):
    return [p for (p,) in context.session.query(P.project_id).filter(
        P.volume_type_id == type_id).order_by(P.project_id)]


@api.reader
def shared_with(context, project_id):
    """Ids of the private types shared with ``project_id``."""
    return {t for (t,) in context.session.query(P.volume_type_id).filter(
        P.project_id == project_id)}


@api.reader
def may_use(context, row):
    """Whether the caller sees the volume type ``row``."""
    if row.is_public or context.is_admin:
        return True
    return context.session.query(P.id).filter(
        P.volume_type_id == row.id,
        P.project_id == context.project_id).first() is not None


def add(context, type_id, project_id):
    try:
        with api.writer.using(context):
            context.session.add(P(volume_type_id=type_id,
                                  project_id=project_id))
            context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason='Volume type %s is already shared with project %s.'
                   % (type_id, project_id))


@api.writer
def remove(context, type_id, project_id=None):
    """Unshare with ``project_id`` (None: with every project); NotFound
    when a named project was not on the list."""
    query = context.session.query(P).filter(P.volume_type_id == type_id)
    if project_id is not None:
        query = query.filter(P.project_id == project_id)
    if not query.delete(synchronize_session=False) and project_id:
        raise exception.NotFound(
            message='Volume type %s is not shared with project %s.'
                    % (type_id, project_id))
