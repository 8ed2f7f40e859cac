"""Rules for volume types, their extra specs and availability zones
(Cinder's rule names; the zone list has no rule in Cinder, so its name is
ours)."""
from backupd.policies import base
from backupd.policies import volumes

GET = 'volume_extension:type_get'
GET_ALL = 'volume_extension:type_get_all'
CREATE = 'volume_extension:type_create'
UPDATE = 'volume_extension:type_update'
DELETE = 'volume_extension:type_delete'
# Who sees every extra spec of a type (others see the user-visible ones).
ACCESS_EXTRA_SPECS = 'volume_extension:access_types_extra_specs'
SPECS_INDEX = 'volume_extension:types_extra_specs:index'
SPECS_SHOW = 'volume_extension:types_extra_specs:show'
SPECS_CREATE = 'volume_extension:types_extra_specs:create'
SPECS_UPDATE = 'volume_extension:types_extra_specs:update'
SPECS_DELETE = 'volume_extension:types_extra_specs:delete'
AZ_LIST = 'volume_extension:availability_zone_list'
ACCESS_LIST = 'volume_extension:volume_type_access'
ADD_ACCESS = 'volume_extension:volume_type_access:addProjectAccess'
REMOVE_ACCESS = 'volume_extension:volume_type_access:removeProjectAccess'

_T = '/types/{type_id}'
_X = _T + '/extra_specs'

rule = volumes.rule

RULES = [
    rule(GET_ALL, base.PROJECT_READER_OR_ADMIN, 'List volume types (private '
         'ones only for admins).', 'GET', '/types'),
    rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a volume type.', 'GET', _T),
    rule(CREATE, base.ADMIN, 'Create a volume type.', 'POST', '/types'),
    rule(UPDATE, base.ADMIN, 'Change a volume type\'s name, description or '
         'visibility.', 'PUT', _T),
    rule(DELETE, base.ADMIN, 'Delete an unused volume type.', 'DELETE', _T),
    rule(ACCESS_EXTRA_SPECS, base.ADMIN, 'See all extra specs of a type in '
         'type views (others see only the user-visible ones).', 'GET', _T),
    rule(SPECS_INDEX, base.PROJECT_READER_OR_ADMIN, 'List a type\'s extra '
         'specs.', 'GET', _X),
    rule(SPECS_SHOW, base.PROJECT_READER_OR_ADMIN, 'Show one extra spec.',
         'GET', _X + '/{key}'),
    rule(SPECS_CREATE, base.ADMIN, 'Add or change extra specs.', 'POST', _X),
    rule(SPECS_UPDATE, base.ADMIN, 'Change one extra spec.', 'PUT',
         _X + '/{key}'),
    rule(SPECS_DELETE, base.ADMIN, 'Delete one extra spec.', 'DELETE',
         _X + '/{key}'),
    rule(AZ_LIST, base.PROJECT_READER_OR_ADMIN, 'List the availability '
         'zones of the volume hosts.', 'GET', '/os-availability-zone'),
    rule(ACCESS_LIST, base.ADMIN, 'List the projects a private volume type '
         'is shared with.', 'GET', _T + '/os-volume-type-access'),
    rule(ADD_ACCESS, base.ADMIN, 'Share a private volume type with a '
         'project.', 'POST', _T + '/action'),
    rule(REMOVE_ACCESS, base.ADMIN, 'Stop sharing a private volume type '
         'with a project.', 'POST', _T + '/action'),
]


def list_rules():
    return RULES
