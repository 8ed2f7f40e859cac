"""Backup bodies with exactly Cinder's keys for each call and microversion
(doc/contributor/api-compat.rst): strict clients reject extra keys."""
from backupd.api import urls
from backupd.api import wsgi
from backupd import names


def summary(req, row):
    """Create, import, update and list (non-detail) responses."""
    return {'id': row.id, 'name': row.display_name,
            'links': urls.links(req, 'backups', row.id)}


# The columns ``detail`` reads of a row (shows and detail lists load only
# these).
DETAIL_COLUMNS = (
    'id', 'status', 'size', 'object_count', 'fail_reason', 'created_at',
    'updated_at', 'display_name', 'display_description', 'volume_id',
    'snapshot_id', 'container', 'availability_zone', 'num_dependent_backups',
    'parent_id', 'data_timestamp', 'project_id', 'user_id',
    'encryption_key_id')

_SHAPE_KEY = 'backupd.backup_detail_shape'


def _shape(req):
    """The microversion's choices of a detail body, once per request
    rather than per item: (owner attribute 3.18, metadata 3.43, user_id
    3.56, encryption_key_id 3.64)."""
    shape = req.environ.get(_SHAPE_KEY)
    if shape is None:
        shape = req.environ[_SHAPE_KEY] = tuple(
            wsgi.at_least(req, v) for v in ('3.18', '3.43', '3.56', '3.64'))
    return shape


def detail(req, row, metadata=None, show_owner=False, has_dependents=None):
    """``has_dependents``: whether the caller can see dependent backups
    (children deleted with delayed delete are gone for a project); the
    row's own count when not given."""
    if has_dependents is None:
        has_dependents = bool(row.num_dependent_backups)
    owner_attr, with_metadata, with_user, with_key = _shape(req)
    body = {
        'id': row.id,
        'status': row.status,
        'size': row.size or 0,
        'object_count': row.object_count or 0,
        'fail_reason': row.fail_reason,
        'links': urls.links(req, 'backups', row.id),
        'created_at': wsgi.timestamp(row.created_at),
        'updated_at': wsgi.timestamp(row.updated_at),
        'name': row.display_name,
        'description': row.display_description,
        'volume_id': row.volume_id,
        'snapshot_id': row.snapshot_id,
        'container': row.container,
        'availability_zone': row.availability_zone,
        'has_dependent_backups': has_dependents,
        'is_incremental': row.parent_id is not None,
        'data_timestamp': wsgi.timestamp(row.data_timestamp),
    }
    if show_owner and owner_attr:
        body['os-backup-project-attr:project_id'] = row.project_id
    if with_metadata:
        body['metadata'] = dict(metadata or {})
    if show_owner and with_user:
        body['user_id'] = row.user_id
    if row.encryption_key_id and with_key:
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
