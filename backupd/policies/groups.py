"""Rules for groups and group snapshots (Cinder's names)."""
from backupd.policies import base
from backupd.policies import volumes

GET = 'group:get'
GET_ALL = 'group:get_all'
CREATE = 'group:create'
UPDATE = 'group:update'
DELETE = 'group:delete'
RESET_STATUS = 'group:reset_status'
SNAPSHOT_GET = 'group:get_group_snapshot'
SNAPSHOT_GET_ALL = 'group:get_all_group_snapshots'
SNAPSHOT_CREATE = 'group:create_group_snapshot'
SNAPSHOT_DELETE = 'group:delete_group_snapshot'
SNAPSHOT_RESET_STATUS = 'group:reset_group_snapshot_status'

_G = '/groups'
_S = '/group_snapshots'

RULES = [
    volumes.rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a group.', 'GET',
                 _G + '/{group_id}'),
    volumes.rule(GET_ALL, base.PROJECT_READER_OR_ADMIN, 'List groups.',
                 'GET', _G),
    volumes.rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Create a group '
                 '(also from a group snapshot or another group).', 'POST', _G),
    volumes.rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN, 'Rename a group, add '
                 'or remove volumes.', 'PUT', _G + '/{group_id}'),
    volumes.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Delete a group (and '
                 'its volumes).', 'POST', _G + '/{group_id}/action'),
    volumes.rule(RESET_STATUS, base.ADMIN, 'Set a group\'s status.', 'POST',
                 _G + '/{group_id}/action'),
    volumes.rule(SNAPSHOT_GET, base.PROJECT_READER_OR_ADMIN,
                 'Show a group snapshot.', 'GET', _S + '/{group_snapshot_id}'),
    volumes.rule(SNAPSHOT_GET_ALL, base.PROJECT_READER_OR_ADMIN,
                 'List group snapshots.', 'GET', _S),
    volumes.rule(SNAPSHOT_CREATE, base.PROJECT_MEMBER_OR_ADMIN,
                 'Snapshot every volume of a group.', 'POST', _S),
    volumes.rule(SNAPSHOT_DELETE, base.PROJECT_MEMBER_OR_ADMIN,
                 'Delete a group snapshot (and its snapshots).', 'DELETE',
                 _S + '/{group_snapshot_id}'),
    volumes.rule(SNAPSHOT_RESET_STATUS, base.ADMIN,
                 'Set a group snapshot\'s status.', 'POST',
                 _S + '/{group_snapshot_id}/action'),
]


def list_rules():
    return RULES
