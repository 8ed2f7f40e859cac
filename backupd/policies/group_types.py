"""Rules for group types (Cinder's names): admins manage them, every
member may list and show the public ones."""
from backupd.policies import base
from backupd.policies import volumes

MANAGE = 'group:group_types_manage'
SPECS = 'group:group_types_specs'
SHOW = 'group:group_types:show'

_G = '/group_types'

RULES = [
    volumes.rule(MANAGE, base.ADMIN, 'Create, update and delete group '
                 'types.', 'POST', _G),
    volumes.rule(SPECS, base.ADMIN, 'Manage the group specs of group '
                 'types.', 'POST', _G + '/{group_type_id}/group_specs'),
    volumes.rule(SHOW, base.PROJECT_READER_OR_ADMIN,
                 'List and show group types (private ones: admins only).',
                 'GET', _G),
]


def list_rules():
    return RULES
