"""Base rules other rules refer to: Cinder's default roles (secure RBAC).

Keystone's bootstrap makes ``admin`` imply ``member`` and ``member`` imply
``reader``, so a token's roles already carry the weaker ones.

- ``ADMIN``: whoever ``context_is_admin`` names (by default the ``admin``
  role, on any project: as in Cinder, admin is global).
- ``PROJECT_MEMBER_OR_ADMIN``: create, change and delete in one's own
  project (role ``member``), or an admin.
- ``PROJECT_READER_OR_ADMIN``: list and show in one's own project (role
  ``reader``), or an admin.
"""
from oslo_policy import policy

ADMIN = 'rule:admin_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
# Before the default roles: anybody with any role in the project. Kept so
# an operator's policy.yaml that names it still loads; no default uses it.
ADMIN_OR_OWNER = 'rule:admin_or_owner'

RULES = [
    policy.RuleDefault(
        'context_is_admin', 'role:admin',
        description='Who is an administrator: sees and changes every '
                    'project, all_tenants included. Decided here only; '
                    'the API keeps no role name of its own.'),
    policy.RuleDefault(
        'admin_api', 'is_admin:True',
        description='Administrators only (is_admin is the result of '
                    'context_is_admin, or a service\'s own context).'),
    policy.RuleDefault(
        'project_member', 'role:member and project_id:%(project_id)s',
        description='A member of the project that owns the resource.'),
    policy.RuleDefault(
        'project_reader', 'role:reader and project_id:%(project_id)s',
        description='A reader of the project that owns the resource.'),
    policy.RuleDefault(
        'project_member_or_admin', 'rule:project_member or rule:admin_api',
        description='Create, change or delete: a project member or an '
                    'administrator.'),
    policy.RuleDefault(
        'project_reader_or_admin', 'rule:project_reader or rule:admin_api',
        description='List or show: a project reader or an administrator.'),
    policy.RuleDefault(
        'admin_or_owner', 'is_admin:True or project_id:%(project_id)s',
        description='Deprecated: any role in the owning project, or an '
                    'administrator. No default rule uses it.'),
]


def list_rules():
    return RULES
