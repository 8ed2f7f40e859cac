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
]


def list_rules():
    return RULES
