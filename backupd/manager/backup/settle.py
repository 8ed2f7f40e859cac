"""How a create or restore run ends when it could not simply finish.

The run tries its failure transition (``creating -> error`` or
``restoring -> available``). When that compare-and-swap finds another
status, somebody changed the row while the run worked: os-force_delete
(``deleting``: the run completes the delete itself, the RPC delete only
cancelled it) or os-reset_status (the admin's status stands).
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.manager.backup import common
from backupd.manager.backup import delete

LOG = logging.getLogger(__name__)
B = common.B


def after_run(mgr, context, backup_id, expected, values, action):
    if db.conditional_update(context, models.Backup, backup_id, values,
                             {'status': expected}):
        row = common.backup_row(context, backup_id)
        common.notify(context, row, action, 'error')
        return
    row = common.backup_row(context, backup_id, include_deleted=True)
    if row.status == B.DELETING:
        LOG.info('Backup %s was force-deleted during its %s; deleting its '
                 'data now.', backup_id, action)
        delete.run(mgr, context, backup_id, force=True, source_done=True)
    else:
        LOG.info('Backup %s is %s (changed while its %s ran); leaving it '
                 'so.', backup_id, row.status, action)
