"""What the API sees of volumes and snapshots: visible rows only.

Temporary snapshots and clones a backup reads from (``is_temporary``) exist
in the database but never in the API: they are 404 by id and absent from
lists and counts.
"""
from backupd.db import api
from backupd.db import listing
from backupd.db import metadata
from backupd.db import models
from backupd import exception

_NOT_FOUND = {
    models.Volume: lambda id_: exception.VolumeNotFound(volume_id=id_),
    models.Snapshot: lambda id_: exception.SnapshotNotFound(snapshot_id=id_),
}


@api.reader
def get(context, model, id_, project_id=None, read_only=False):
    """A visible row by id; NotFound when absent, temporary or not ours
    (``read_only``: as api.get)."""
    row = api.get(context, model, id_, project_id=project_id,
                  read_only=read_only)
    if row.is_temporary:
        raise _NOT_FOUND[model](id_)
    return row


def _filters(context, model, project_id, filters):
    filters = dict(filters or {})
    filters['is_temporary'] = False
    if project_id is not None:
        filters['project_id'] = project_id
    wanted_metadata = filters.pop('metadata', None)
    if wanted_metadata:
        filters['id'] = metadata.owners_matching(context, model,
                                                 wanted_metadata)
    return filters


@api.reader
def get_all(context, model, project_id, filters=None, sort_keys=None,
            sort_dirs=None, marker=None, limit=None, offset=None,
            columns=None):
    """A page of visible rows of ``project_id`` (None: every project):
    Core rows of ``columns`` (None: all), by keyset (db.listing)."""
    if marker is not None:
        get(context, model, marker, project_id=project_id)
    return listing.page(context, model,
                        _filters(context, model, project_id, filters),
                        sort_keys, sort_dirs, marker, limit, offset,
                        columns=columns)


@api.reader
def count(context, model, project_id, filters=None):
    return api.count(context, model,
                     _filters(context, model, project_id, filters))
