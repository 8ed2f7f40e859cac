"""Snapshot bodies with exactly Cinder's keys per call and microversion.

List items (GET /snapshots): the base keys at every microversion, as
Cinder's summary. Create: the base keys plus the microversion keys (3.14
``group_snapshot_id``, 3.41 ``user_id``); show/detail add
``os-extended-snapshot-attributes:*`` to those as policy allows.
"""
from backupd.api import wsgi

MICROVERSION_KEYS = (
    ('3.14', 'group_snapshot_id'),
    ('3.41', 'user_id'),
)


def summary(snap, metadata):
    """An item of GET /snapshots: the base keys."""
    return {
        'id': snap.id,
        'created_at': wsgi.timestamp(snap.created_at),
        'updated_at': wsgi.timestamp(snap.updated_at),
        'name': snap.display_name,
        'description': snap.display_description,
        'volume_id': snap.volume_id,
        'status': snap.status,
        'size': snap.volume_size,
        'metadata': dict(metadata),
    }


def created(req, snap, metadata):
    """The create response: the base keys and the microversion keys."""
    body = summary(snap, metadata)
    values = {'group_snapshot_id': snap.group_snapshot_id,
              'user_id': snap.user_id}
    for version, key in MICROVERSION_KEYS:
        if wsgi.at_least(req, version):
            body[key] = values[key]
    return body


def detail(req, snap, metadata, extended):
    body = created(req, snap, metadata)
    if extended:
        body['os-extended-snapshot-attributes:progress'] = (
            snap.progress or '0%')
        body['os-extended-snapshot-attributes:project_id'] = snap.project_id
    return body

