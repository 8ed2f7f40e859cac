"""Rules for QoS specs (Cinder's names; admin only)."""
from backupd.policies import base
from backupd.policies import volumes

CREATE = 'volume_extension:qos_specs_manage:create'
GET = 'volume_extension:qos_specs_manage:get'
GET_ALL = 'volume_extension:qos_specs_manage:get_all'
UPDATE = 'volume_extension:qos_specs_manage:update'
DELETE = 'volume_extension:qos_specs_manage:delete'

_Q = '/qos-specs'

RULES = [
    volumes.rule(CREATE, base.ADMIN, 'Create QoS specs.', 'POST', _Q),
    volumes.rule(GET, base.ADMIN, 'Show QoS specs and their associations.',
                 'GET', _Q + '/{qos_id}'),
    volumes.rule(GET_ALL, base.ADMIN, 'List QoS specs.', 'GET', _Q),
    volumes.rule(UPDATE, base.ADMIN, 'Set or delete keys of QoS specs, '
                 'associate them with volume types.', 'PUT', _Q + '/{qos_id}'),
    volumes.rule(DELETE, base.ADMIN, 'Delete QoS specs.', 'DELETE',
                 _Q + '/{qos_id}'),
]


def list_rules():
    return RULES
