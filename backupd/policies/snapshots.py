"""Rules for snapshots and their actions (Cinder's rule names)."""
from backupd.policies import base
from backupd.policies import volumes

CREATE = 'volume:create_snapshot'
GET = 'volume:get_snapshot'
GET_ALL = 'volume:get_all_snapshots'
UPDATE = 'volume:update_snapshot'
DELETE = 'volume:delete_snapshot'
RESET_STATUS = 'volume_extension:snapshot_admin_actions:reset_status'
FORCE_DELETE = 'volume_extension:snapshot_admin_actions:force_delete'
# Who sees os-extended-snapshot-attributes:* in show/detail.
EXTENDED_ATTRIBUTES = 'volume_extension:extended_snapshot_attributes'
GET_METADATA = 'volume:get_snapshot_metadata'
UPDATE_METADATA = 'volume:update_snapshot_metadata'
DELETE_METADATA = 'volume:delete_snapshot_metadata'
UPDATE_STATUS = 'snapshot_extension:snapshot_actions:update_snapshot_status'

_S = '/snapshots/{snapshot_id}'


rule = volumes.rule

RULES = [
    rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Snapshot a volume.', 'POST',
          '/snapshots'),
    rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a snapshot.', 'GET', _S),
    rule(GET_ALL, base.PROJECT_READER_OR_ADMIN, 'List snapshots.', 'GET',
          '/snapshots/detail'),
    rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN,
         'Rename a snapshot.', 'PUT', _S),
    rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
         'Delete a snapshot.', 'DELETE', _S),
    rule(RESET_STATUS, base.ADMIN, 'Set a snapshot\'s status '
          '(os-reset_status).', 'POST', _S + '/action'),
    rule(FORCE_DELETE, base.ADMIN, 'Delete a snapshot whatever its status '
          '(os-force_delete).', 'POST', _S + '/action'),
    rule(EXTENDED_ATTRIBUTES, base.PROJECT_READER_OR_ADMIN,
          'See a snapshot\'s progress and project.', 'GET', _S),
    rule(GET_METADATA, base.PROJECT_READER_OR_ADMIN,
         'Show a snapshot\'s metadata.', 'GET', _S + '/metadata'),
    rule(UPDATE_METADATA, base.PROJECT_MEMBER_OR_ADMIN,
         'Set or replace a snapshot\'s metadata.', 'PUT', _S + '/metadata'),
    rule(DELETE_METADATA, base.PROJECT_MEMBER_OR_ADMIN,
         'Delete a key of a snapshot\'s metadata.', 'DELETE',
         _S + '/metadata/{key}'),
    rule(UPDATE_STATUS, base.PROJECT_MEMBER_OR_ADMIN,
         'Report a snapshot\'s status and progress '
         '(os-update_snapshot_status).', 'POST', _S + '/action'),
]


def list_rules():
    return RULES
