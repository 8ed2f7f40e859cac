"""Bodies of /types and /types/{id}/extra_specs requests (Cinder's)."""
from backupd.api.schemas import parameter_types

TYPE_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': r'^(?!\s)(?!.*\s$).+$'}   # no leading/trailing blank
SPEC_KEY = {'type': 'string', 'minLength': 1, 'maxLength': 255,
            'pattern': r'^[\w:.\-/ ]+$'}
SPEC_VALUE = {'type': ['string', 'integer', 'boolean', 'number'],
              'maxLength': 255}
EXTRA_SPECS = {'type': 'object', 'propertyNames': SPEC_KEY,
               'additionalProperties': SPEC_VALUE}
DESCRIPTION = {'type': ['string', 'null'], 'maxLength': 255}
BOOL = parameter_types.BOOL

CREATE = parameter_types.wrapped('volume_type', {
    'name': TYPE_NAME,
    'description': DESCRIPTION,
    'os-volume-type-access:is_public': BOOL,
    'is_public': BOOL,
    'extra_specs': EXTRA_SPECS,
}, required=['name'])

UPDATE = parameter_types.wrapped('volume_type', {
    'name': TYPE_NAME,
    'description': DESCRIPTION,
    'is_public': BOOL,
})

SET_EXTRA_SPECS = parameter_types.closed(
    {'extra_specs': dict(EXTRA_SPECS, minProperties=1)},
    required=['extra_specs'])

# PUT /types/{id}/extra_specs/{key}: {key: value}, exactly one key.
UPDATE_EXTRA_SPEC = {'type': 'object', 'propertyNames': SPEC_KEY,
                     'additionalProperties': SPEC_VALUE,
                     'minProperties': 1, 'maxProperties': 1}
