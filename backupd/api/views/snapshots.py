"""Snapshot bodies with exactly Cinder's keys per call and microversion.

Create: the base keys; show/detail add ``os-extended-snapshot-attributes:*``
as policy allows. 3.14 adds ``group_snapshot_id``, 3.41 ``user_id``.
"""
from backupd.api import wsgi

MICROVERSION_KEYS = (
    ('3.14', 'group_snapshot_id'),
    ('3.41', 'user_id'),
)


def summary_or_created(req, snap, metadata):
    """List (non-detail) items and the create response: the base keys."""
    body = {
        'id': snap.id,
        'created_at': snap.created_at,
        'updated_at': snap.updated_at,
        'name': snap.display_name,
        'description': snap.display_description,
        'volume_id': snap.volume_id,
        'status': snap.status,
        'size': snap.volume_size,
        'metadata': dict(metadata),
    }
    values = {'group_snapshot_id': None, 'user_id': snap.user_id}
    for version, key in MICROVERSION_KEYS:
        if wsgi.at_least(req, version):
            body[key] = values[key]
    return body


def detail(req, snap, metadata, extended):
    body = summary_or_created(req, snap, metadata)
    if extended:
        body['os-extended-snapshot-attributes:progress'] = (
            snap.progress or '0%')
        body['os-extended-snapshot-attributes:project_id'] = snap.project_id
    return body

