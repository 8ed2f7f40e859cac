"""One helper for every notification backupd emits.

Event types follow Cinder: ``<resource>.<action>.<phase>`` with phase
``start``, ``end``, ``error`` or a free word (``backup.createprogress``).
The driver (messagingv2, log, noop) is oslo.messaging's
``[oslo_messaging_notifications] driver`` option.
"""
from oslo_log import log as logging

from backupd import rpc

LOG = logging.getLogger(__name__)


def notify(context, resource, action, phase=None, payload=None,
           priority='info'):
    event_type = '%s.%s' % (resource, action)
    if phase:
        event_type += '.' + phase
    notifier = rpc.get_notifier()
    if notifier is None:  # tools run without a bus
        LOG.debug('Notification %s not sent: no notifier', event_type)
        return
    getattr(notifier, priority)(context, event_type, dict(payload or {}))


def backup_payload(row, **extra):
    """The payload of every ``backup.*`` notification, from a backup row."""
    payload = {
        'backup_id': row.id, 'tenant_id': row.project_id,
        'user_id': row.user_id, 'volume_id': row.volume_id,
        'snapshot_id': row.snapshot_id, 'status': row.status,
        'size': row.size, 'object_count': row.object_count,
        'container_name': row.container, 'host': row.host,
        'availability_zone': row.availability_zone,
        'display_name': row.display_name, 'fail_reason': row.fail_reason,
        'service': row.service, 'parent_id': row.parent_id,
        'created_at': row.created_at.isoformat() if row.created_at else None,
    }
    payload.update(extra)
    return payload
