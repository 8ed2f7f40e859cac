"""Bodies of os-quota-sets and os-quota-class-sets PUT.

Which resource names are valid depends on the volume types that exist, so
the handler checks the keys; this only checks the shape. A limit is an
integer >= -1, or its digits as a string (cinderclient sends integers,
some tools strings).
"""
LIMIT = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
         'minimum': -1}


def _set(key, extra=None):
    properties = dict(extra or {})
    return {
        'type': 'object',
        'properties': {key: {'type': 'object', 'properties': properties,
                             'additionalProperties': LIMIT,
                             'minProperties': 1}},
        'required': [key],
        'additionalProperties': False,
    }


# skip_validation (Cinder's): false = refuse a limit below what is in use.
QUOTA_SET = _set('quota_set', {
    'skip_validation': {'type': ['boolean', 'string']},
    # cinderclient and openstacksdk may echo the project id or a tenant_id
    'id': {'type': 'string'}, 'tenant_id': {'type': 'string'}})
QUOTA_CLASS_SET = _set('quota_class_set', {
    'id': {'type': 'string'}, 'class_name': {'type': 'string'}})
