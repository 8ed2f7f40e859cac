"""The admin-only backup calls: os-force_delete and os-reset_status
(POST /backups/{id}/action), export_record and import_record.

Like every backup handler: checks before any change, compare-and-swap
status changes from the state table, long work cast to the backup service
of the backup's host.
"""
from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api.schemas import backups as schemas
from backupd.api.views import backups as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd.manager.backup import rpcapi as backup_rpcapi
from backupd.manager import states
from backupd import names
from backupd import notifications
from backupd import policies
from backupd.policies import backups as policy
from backupd import quota

B = states.Backup
SERVICE = binaries.BACKUP


def action(req, backup_id):
    _, handler = common.action_of(req, ACTIONS)
    return handler(wsgi.context_of(req), backup_id, wsgi.extract_json(req))


def _force_delete(ctx, backup_id, body):
    wsgi.validate(body, schemas.FORCE_DELETE)
    policies.authorize(ctx, policy.FORCE_DELETE)
    row = lookups.backup(ctx, backup_id)
    lookups.check_backup_deletable(ctx, row, B.FROM['force_delete'],
                                   force=True)
    host_selection.require_up(row.host, SERVICE,
                              'force-delete backup %s' % row.id)
    if not _cas_to_deleting(ctx, row):
        lookups.check_backup_deletable(ctx, lookups.backup(ctx, backup_id),
                                       B.FROM['force_delete'], True)
        raise lookups.backup_changed(row)
    common.cast(lambda: rpc_clients.backup().delete_backup(
        ctx, row.host, row.id, force=True), SERVICE)
    return wsgi.empty_response(202)


def _cas_to_deleting(ctx, row):
    """Any status -> deleting; previous_status keeps what the backup was
    doing (a creating/restoring one), unless it already was deleting."""
    for status in B.FROM['force_delete']:
        values = {'status': B.DELETING}
        if status not in (B.DELETING, B.ERROR_DELETING):
            values['previous_status'] = status
        if db.conditional_update(ctx, models.Backup, row.id, values,
                                 {'status': status}):
            return True
    return False


def _reset_status(ctx, backup_id, body):
    reset = body['os-reset_status']
    if not isinstance(reset, dict) or not reset.get('status'):
        raise exception.InvalidInput(
            reason='os-reset_status needs a status: {"os-reset_status": '
                   '{"status": "available"}} or "error".')
    wsgi.validate(body, schemas.RESET_STATUS)
    status = reset['status']
    policies.authorize(ctx, policy.RESET_STATUS)
    row = lookups.backup(ctx, backup_id)
    payload = {'backup_id': row.id, 'status': row.status,
               'new_status': status}
    notifications.notify(ctx, 'backup', 'reset_status', 'start', payload)
    if status == B.ERROR:
        if not db.conditional_update(ctx, models.Backup, row.id,
                                     {'status': B.ERROR},
                                     {'status': B.FROM['reset_to_error']}):
            raise lookups.backup_changed(row)
    else:
        if row.status not in B.FROM['reset_to_available']:
            raise exception.InvalidState(
                reason='Backup %s is \'%s\'; it cannot be reset to available '
                       'while its data is being deleted. Reset it to error, '
                       'or let the delete finish.' % (row.id, row.status))
        host_selection.require_up(row.host, SERVICE,
                                  'verify backup %s' % row.id)
        outcome = rpc_clients.call(
            lambda: rpc_clients.backup().reset_status(ctx, row.host, row.id,
                                                      status), 'backup')
        # The service's reason may be a sentence already: one period.
        why = (outcome.get('reason') or '').rstrip('.')
        if not outcome['ok'] and outcome.get('conflict'):
            raise exception.Conflict(
                reason='Backup %s was not reset to available: %s.'
                       % (row.id, why))
        if not outcome['ok']:
            raise exception.InvalidState(
                reason='Backup %s was not reset to available: %s. It is now '
                       '\'error\'.' % (row.id, why))
    notifications.notify(ctx, 'backup', 'reset_status', 'end', payload)
    return wsgi.empty_response(202)


ACTIONS = {'os-force_delete': _force_delete,
           'os-reset_status': _reset_status}


# --- export / import ---------------------------------------------------------

def export_record(req, backup_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.EXPORT)
    row = lookups.backup(ctx, backup_id)
    if row.status != B.AVAILABLE:
        raise exception.InvalidState(
            reason='Backup %s is \'%s\'; only an \'available\' backup can be '
                   'exported.' % (row.id, row.status))
    host_selection.require_up(row.host, SERVICE, 'export backup %s' % row.id)
    exported = rpc_clients.call(
        lambda: rpc_clients.backup().export_record(ctx, row.host, row.id),
        'backup')
    return wsgi.json_response(views.record(exported))


def import_record(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.IMPORT)
    body = wsgi.extract_json(req, schemas.IMPORT)['backup-record']
    record = backup_rpcapi.decode_record(body['backup_url'])
    wsgi.validate(record, schemas.RECORD,
                  within=('backup-record', 'backup_url'))
    existing = backup_db.get_any(ctx, record['id'])
    if existing is not None and not existing.deleted:
        raise exception.InvalidState(
            reason='Backup %s already exists (\'%s\'); delete it before '
                   'importing its record again.' % (existing.id,
                                                    existing.status))
    host = _import_host(existing)
    values = dict(backup_rpcapi.record_row_values(record),
                  user_id=ctx.user_id, project_id=ctx.project_id,
                  host=host, status=B.CREATING, previous_status=None,
                  fail_reason=None, progress=0, num_dependent_backups=0,
                  temp_volume_id=None, temp_snapshot_id=None,
                  restore_volume_id=None, pending_delete_at=None)
    with quota.charged(ctx, ctx.project_id,
                       quotas_db.of_backup(values.get('size'))):
        if existing is None:
            db.create(ctx, models.Backup, values)
        else:
            backup_db.revive(ctx, existing.id, values)
        metadata.replace(ctx, models.Backup, record['id'],
                         record.get('metadata') or {})
        if values.get('parent_id'):
            backup_db.add_dependent(ctx, values['parent_id'], B.FROM['delete'])
    row = lookups.backup(ctx, record['id'])
    common.cast(lambda: rpc_clients.backup().import_record(
        ctx, host, row.id, names.record_driver(body['backup_service']),
        record), SERVICE)
    return wsgi.json_response({'backup': views.summary(req, row)},
                              status=201)


def _import_host(existing):
    """The old row's host when its backup service is up, else any up one."""
    if existing is not None:
        try:
            host_selection.require_up(existing.host, SERVICE, 'import')
            return existing.host
        except exception.ServiceUnavailable:
            pass
    return host_selection.pick(SERVICE, 'import backup %s' % existing.id
                               if existing else 'import a backup record')
