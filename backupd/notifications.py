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
