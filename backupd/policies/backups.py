"""Rules for backups, under Cinder's names so policy.yaml overrides carry
over. Force-delete, reset-status, export and import are for admins."""
from oslo_policy import policy

from backupd.policies import base

GET_ALL = 'backup:get_all'
GET = 'backup:get'
CREATE = 'backup:create'
UPDATE = 'backup:update'
DELETE = 'backup:delete'
RESTORE = 'backup:restore'
EXPORT = 'backup:backup-export'
IMPORT = 'backup:backup-import'
PROJECT_ATTRIBUTE = 'backup:backup_project_attribute'
RESET_STATUS = 'volume_extension:backup_admin_actions:reset_status'
FORCE_DELETE = 'volume_extension:backup_admin_actions:force_delete'


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path}])


RULES = [
    _rule(GET_ALL, base.PROJECT_READER_OR_ADMIN,
          'List backups (all_tenants: admins).',
          'GET', '/backups'),
    _rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a backup.', 'GET',
          '/backups/{backup_id}'),
    _rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Create a backup of a volume.',
          'POST', '/backups'),
    _rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN,
          'Change a backup\'s name, description or metadata (3.9).',
          'PUT', '/backups/{backup_id}'),
    _rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Delete a backup.', 'DELETE',
          '/backups/{backup_id}'),
    _rule(RESTORE, base.PROJECT_MEMBER_OR_ADMIN,
          'Restore a backup to a volume.',
          'POST', '/backups/{backup_id}/restore'),
    _rule(EXPORT, base.ADMIN, 'Export a backup\'s record.', 'GET',
          '/backups/{backup_id}/export_record'),
    _rule(IMPORT, base.ADMIN, 'Import a backup record.', 'POST',
          '/backups/import_record'),
    _rule(PROJECT_ATTRIBUTE, base.ADMIN,
          'Show a backup\'s project (3.18) and user (3.56).', 'GET',
          '/backups/{backup_id}'),
    _rule(RESET_STATUS, base.ADMIN,
          'Reset a backup\'s status (to available only after the backup '
          'service verified its stored data).', 'POST',
          '/backups/{backup_id}/action (os-reset_status)'),
    _rule(FORCE_DELETE, base.ADMIN,
          'Delete a backup in any status, stopping a running backup or '
          'restore.', 'POST', '/backups/{backup_id}/action (os-force_delete)'),
]


def list_rules():
    return RULES
