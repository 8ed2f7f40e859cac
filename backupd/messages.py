"""User messages: why an asynchronous request failed, for the project that
made it (GET /messages, backupd.api.handlers.messages). Written today when
a backup's create or restore fails in the backup service (the reason is
the one the backup's fail_reason or the log shows).

``record`` writes one; it never raises (a message is a courtesy: failing
to write it must not change how the failed operation ends).
"""
import datetime
import logging
import uuid

from oslo_utils import timeutils

from backupd.db import api as db
from backupd.db import models

LOG = logging.getLogger(__name__)
# Cinder keeps a message 30 days (message_ttl)
TTL = datetime.timedelta(days=30)

# event ids: VOLUME_<resource type>_<what failed>
CREATE_BACKUP_FAILED = 'VOLUME_BACKUP_CREATE_FAILED'
RESTORE_FAILED = 'VOLUME_BACKUP_RESTORE_FAILED'


def record(ctx, project_id, resource_type, resource_uuid, event_id,
           user_message, level='ERROR'):
    try:
        now = timeutils.utcnow()
        db.create(ctx, models.Message, {
            'id': str(uuid.uuid4()), 'project_id': project_id,
            'request_id': getattr(ctx, 'request_id', None),
            'resource_type': resource_type, 'resource_uuid': resource_uuid,
            'event_id': event_id, 'message_level': level,
            'user_message': user_message[:1024], 'created_at': now,
            'expires_at': now + TTL})
    except Exception:  # never let a message change the operation's end
        LOG.exception('could not record user message %s for %s %s',
                      event_id, resource_type, resource_uuid)
