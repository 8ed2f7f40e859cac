"""Base rules other rules refer to."""
from oslo_policy import policy

ADMIN = 'rule:admin_api'
ADMIN_OR_OWNER = 'rule:admin_or_owner'

RULES = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='Who counts as an administrator.'),
    policy.RuleDefault('admin_or_owner',
                       'is_admin:True or project_id:%(project_id)s',
                       description='An administrator, or a member of the '
                                   'project that owns the resource.'),
    policy.RuleDefault('admin_api', 'is_admin:True',
                       description='Administrators only.'),
]


def list_rules():
    return RULES
