"""Rules for quota sets, quota classes and limits (Cinder's rule names).

The target of a quota-set rule is the project whose quotas are asked for,
so a project's reader sees its own quotas and nobody else's.
"""
from backupd.policies import base
from backupd.policies import volumes

SHOW = 'volume_extension:quotas:show'
UPDATE = 'volume_extension:quotas:update'
DELETE = 'volume_extension:quotas:delete'
QUOTA_CLASSES = 'volume_extension:quota_classes'
USED_LIMITS = 'limits_extension:used_limits'

_Q = '/os-quota-sets/{project_id}'

rule = volumes.rule

RULES = [
    rule(SHOW, base.PROJECT_READER_OR_ADMIN,
         'Show a project\'s quotas, their defaults and (usage=true) what '
         'it uses.', 'GET', _Q),
    rule(UPDATE, base.ADMIN, 'Change a project\'s quotas.', 'PUT', _Q),
    rule(DELETE, base.ADMIN, 'Put a project\'s quotas back to the '
         'defaults.', 'DELETE', _Q),
    rule(QUOTA_CLASSES, base.ADMIN, 'Show or change a quota class (the '
         '"default" class sets every project\'s defaults).', 'PUT',
         '/os-quota-class-sets/{class_name}'),
    rule(USED_LIMITS, base.PROJECT_READER_OR_ADMIN,
         'Show one\'s absolute limits and what is used of them.', 'GET',
         '/limits'),
]


def list_rules():
    return RULES
