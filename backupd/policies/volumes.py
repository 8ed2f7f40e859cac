"""Rules for volumes and their actions (Cinder's rule names)."""
from oslo_policy import policy

from backupd.policies import base

CREATE = 'volume:create'
GET = 'volume:get'
GET_ALL = 'volume:get_all'
UPDATE = 'volume:update'
DELETE = 'volume:delete'
# DELETE /volumes/{id}?force=True
FORCE_DELETE = 'volume:force_delete'
EXTEND = 'volume:extend'
ATTACH = 'volume_extension:volume_actions:attach'
DETACH = 'volume_extension:volume_actions:detach'
RESET_STATUS = 'volume_extension:volume_admin_actions:reset_status'
ADMIN_FORCE_DELETE = 'volume_extension:volume_admin_actions:force_delete'
GET_METADATA = 'volume:get_volume_metadata'
CREATE_METADATA = 'volume:create_volume_metadata'
UPDATE_METADATA = 'volume:update_volume_metadata'
DELETE_METADATA = 'volume:delete_volume_metadata'
# Who sees the extension keys of show/detail.
HOST_ATTRIBUTE = 'volume_extension:volume_host_attribute'
TENANT_ATTRIBUTE = 'volume_extension:volume_tenant_attribute'
MIG_ATTRIBUTE = 'volume_extension:volume_mig_status_attribute'
RESERVE = 'volume_extension:volume_actions:reserve'
UNRESERVE = 'volume_extension:volume_actions:unreserve'
SET_BOOTABLE = 'volume_extension:volume_actions:set_bootable'
UPDATE_READONLY = 'volume_extension:volume_actions:update_readonly_flag'
SUMMARY = 'volume:get_volume_summary'
RETYPE = 'volume:retype'

_V = '/volumes/{volume_id}'
_ACTION = _V + '/action'


def rule(name, check, description, method, path):
    """A documented default for one operation."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}])


RULES = [
    rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Create a volume.', 'POST',
          '/volumes'),
    rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a volume.', 'GET', _V),
    rule(GET_ALL, base.PROJECT_READER_OR_ADMIN,
         'List volumes (all projects only '
          'for admins, with all_tenants).', 'GET', '/volumes/detail'),
    rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN,
         'Rename a volume or replace its '
          'metadata.', 'PUT', _V),
    rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
         'Delete a volume.', 'DELETE', _V),
    rule(FORCE_DELETE, base.ADMIN, 'Delete a volume with force=True, '
          'whatever its status.', 'DELETE', _V),
    rule(EXTEND, base.PROJECT_MEMBER_OR_ADMIN, 'Extend a volume (os-extend).',
          'POST', _ACTION),
    rule(ATTACH, base.PROJECT_MEMBER_OR_ADMIN,
         'Record an attachment (os-attach).',
          'POST', _ACTION),
    rule(DETACH, base.PROJECT_MEMBER_OR_ADMIN,
         'End an attachment (os-detach).',
          'POST', _ACTION),
    rule(RESET_STATUS, base.ADMIN, 'Set a volume\'s status '
          '(os-reset_status).', 'POST', _ACTION),
    rule(ADMIN_FORCE_DELETE, base.ADMIN, 'Delete a volume whatever its '
          'status (os-force_delete).', 'POST', _ACTION),
    rule(GET_METADATA, base.PROJECT_READER_OR_ADMIN,
         'Show a volume\'s metadata.',
         'GET', _V + '/metadata'),
    rule(CREATE_METADATA, base.PROJECT_MEMBER_OR_ADMIN,
         'Add or change metadata '
         'keys of a volume.', 'POST', _V + '/metadata'),
    rule(UPDATE_METADATA, base.PROJECT_MEMBER_OR_ADMIN, 'Replace a volume\'s '
         'metadata, or one key.', 'PUT', _V + '/metadata'),
    rule(DELETE_METADATA, base.PROJECT_MEMBER_OR_ADMIN,
         'Remove a metadata key of a '
         'volume.', 'DELETE', _V + '/metadata/{key}'),
    rule(HOST_ATTRIBUTE, base.ADMIN, 'See os-vol-host-attr:host.', 'GET',
          _V),
    rule(TENANT_ATTRIBUTE, base.PROJECT_READER_OR_ADMIN,
          'See os-vol-tenant-attr:tenant_id.', 'GET', _V),
    rule(MIG_ATTRIBUTE, base.ADMIN, 'See os-vol-mig-status-attr:*.', 'GET',
          _V),
    rule(RESERVE, base.PROJECT_MEMBER_OR_ADMIN,
         'Hold an available volume for an attach (os-reserve).', 'POST',
         _ACTION),
    rule(UNRESERVE, base.PROJECT_MEMBER_OR_ADMIN,
         'Release a held volume (os-unreserve).', 'POST', _ACTION),
    rule(SET_BOOTABLE, base.PROJECT_MEMBER_OR_ADMIN,
         'Mark a volume bootable or not (os-set_bootable).', 'POST', _ACTION),
    rule(UPDATE_READONLY, base.PROJECT_MEMBER_OR_ADMIN,
         'Mark a volume read-only or not (os-update_readonly_flag).', 'POST',
         _ACTION),
    rule(RETYPE, base.PROJECT_MEMBER_OR_ADMIN,
         'Give a volume another type (os-retype, no migration).', 'POST',
         _ACTION),
    rule(SUMMARY, base.PROJECT_READER_OR_ADMIN,
         'Count and size of the volumes listed (3.12).', 'GET',
         '/volumes/summary'),
]


def list_rules():
    return RULES
