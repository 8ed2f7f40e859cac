"""Volume bodies with exactly Cinder's keys per call, role and microversion.

The create response is the detail view WITHOUT the extension keys
(``os-vol-*``); show and detail add them as policy allows
(doc/contributor/api-compat.rst). Microversion keys (see MICROVERSION_KEYS)
appear in create, show and detail alike, as in Cinder.
"""
import uuid

from oslo_config import cfg

from backupd.api import urls
from backupd.api import wsgi

# Which version added which key to a volume (admin-only ones marked).
MICROVERSION_KEYS = (
    ('3.13', 'group_id', False),
    ('3.21', 'provider_id', True),
    ('3.48', 'shared_targets', False),
    ('3.48', 'service_uuid', False),
    ('3.61', 'cluster_name', True),
    ('3.63', 'volume_type_id', False),
    # 3.64 shows encryption_key_id of an encrypted volume only (Cinder
    # leaves the key out otherwise); backupd does not encrypt volumes.
)


def backend_host(host):
    """``host@backend#pool`` as Cinder shows a volume's host."""
    if not host:
        return None
    conf = cfg.CONF
    backend = conf.volume_backend_name or conf.volume_driver
    return '%s@%s#%s' % (host, backend, backend)


def service_uuid(host):
    """A stable id of the volume service on ``host`` (3.48)."""
    if not host:
        return None
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'backupd-volume@%s' % host))


def summary(req, volume):
    return {'id': volume.id, 'name': volume.display_name,
            'links': urls.links(req, 'volumes', volume.id)}


def _attachment(attachment, is_admin):
    return {
        'id': attachment.volume_id,
        'attachment_id': attachment.id,
        'volume_id': attachment.volume_id,
        'server_id': attachment.instance_uuid,
        'host_name': attachment.attached_host if is_admin else None,
        'device': attachment.mountpoint,
        'attached_at': wsgi.timestamp(attachment.attach_time),
    }


def _microversion_values(volume):
    return {
        'group_id': volume.group_id,
        'provider_id': volume.provider_location,
        'shared_targets': False,
        'service_uuid': service_uuid(volume.host),
        'cluster_name': None,
        'volume_type_id': volume.volume_type_id,
    }


def shown_metadata(volume, metadata):
    """The volume's metadata, with "readonly" ("True"/"False") once
    os-update_readonly_flag set it: Cinder shows that flag among the
    metadata, and Tempest reads it there."""
    shown = dict(metadata)
    if volume.readonly is not None:
        shown['readonly'] = str(bool(volume.readonly))
    return shown


def created(req, volume, metadata, attachments, is_admin):
    """The create response: no extension keys."""
    body = {
        'id': volume.id,
        'status': volume.status,
        'size': volume.size,
        'availability_zone': volume.availability_zone,
        'created_at': wsgi.timestamp(volume.created_at),
        'updated_at': wsgi.timestamp(volume.updated_at),
        'attachments': [_attachment(a, is_admin) for a in attachments],
        'name': volume.display_name,
        'description': volume.display_description,
        'volume_type': volume.volume_type,
        'snapshot_id': volume.snapshot_id,
        'source_volid': volume.source_volid,
        'metadata': shown_metadata(volume, metadata),
        'links': urls.links(req, 'volumes', volume.id),
        'user_id': volume.user_id,
        'bootable': str(bool(volume.bootable)).lower(),
        'encrypted': False,
        'replication_status': None,
        'consistencygroup_id': None,
        'multiattach': bool(volume.multiattach),
    }
    if is_admin:
        body['migration_status'] = None
    values = _microversion_values(volume)
    for version, key, admin_only in MICROVERSION_KEYS:
        if wsgi.at_least(req, version) and (is_admin or not admin_only):
            body[key] = values[key]
    return body


def detail(req, volume, metadata, attachments, is_admin, extensions):
    """Show/detail: the create keys plus the extension keys allowed by
    ``extensions`` (a set of 'host', 'tenant', 'migration')."""
    body = created(req, volume, metadata, attachments, is_admin)
    if 'tenant' in extensions:
        body['os-vol-tenant-attr:tenant_id'] = volume.project_id
    if 'host' in extensions:
        body['os-vol-host-attr:host'] = backend_host(volume.host)
    if 'migration' in extensions:
        body['os-vol-mig-status-attr:migstat'] = None
        body['os-vol-mig-status-attr:name_id'] = None
    return body
