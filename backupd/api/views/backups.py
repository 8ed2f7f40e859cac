"""Backup bodies with exactly Cinder's keys for each call and microversion
(doc/contributor/api-compat.rst): strict clients reject extra keys."""
from backupd.api import urls
from backupd.api import wsgi
from backupd import names


def summary(req, row):
    """Create, import, update and list (non-detail) responses."""
    return {'id': row.id, 'name': row.display_name,
            'links': urls.links(req, 'backups', row.id)}


def detail(req, row, metadata=None, show_owner=False, has_dependents=None):
    """``has_dependents``: whether the caller can see dependent backups
    (children deleted with delayed delete are gone for a project); the
    row's own count when not given."""
    if has_dependents is None:
        has_dependents = bool(row.num_dependent_backups)
    body = {
        'id': row.id,
        'status': row.status,
        'size': row.size or 0,
        'object_count': row.object_count or 0,
        'fail_reason': row.fail_reason,
        'links': urls.links(req, 'backups', row.id),
        'created_at': row.created_at,
        'updated_at': row.updated_at,
        'name': row.display_name,
        'description': row.display_description,
        'volume_id': row.volume_id,
        'snapshot_id': row.snapshot_id,
        'container': row.container,
        'availability_zone': row.availability_zone,
        'has_dependent_backups': has_dependents,
        'is_incremental': row.parent_id is not None,
        'data_timestamp': row.data_timestamp,
    }
    if show_owner and wsgi.at_least(req, '3.18'):
        body['os-backup-project-attr:project_id'] = row.project_id
    if wsgi.at_least(req, '3.43'):
        body['metadata'] = dict(metadata or {})
    if show_owner and wsgi.at_least(req, '3.56'):
        body['user_id'] = row.user_id
    if row.encryption_key_id and wsgi.at_least(req, '3.64'):
        # only when the backup has one: Cinder leaves the key out else
        body['encryption_key_id'] = row.encryption_key_id
    return body


def restore(row, volume):
    return {'restore': {'backup_id': row.id, 'volume_id': volume.id,
                        'volume_name': volume.display_name or ''}}


def record(exported):
    return {'backup-record': {'backup_service': names.record_service(
                                  exported['backup_service']),
                              'backup_url': exported['backup_url']}}
