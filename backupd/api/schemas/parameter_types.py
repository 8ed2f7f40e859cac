"""Building blocks of the request-body schemas (shared by every resource).

Fields clients send as null are accepted as null
(doc/contributor/api-compat.rst).
"""
import copy

from backupd import names

# Names, descriptions, containers, metadata: the shared rules of
# backupd.names (the drivers apply the same ones).
NAME = names.DISPLAY_NAME
DESCRIPTION = names.DESCRIPTION
CONTAINER = names.CONTAINER
UUID = {'type': 'string', 'minLength': 1, 'maxLength': 36}
NULLABLE_UUID = {'type': ['string', 'null'], 'maxLength': 36}
NULL_ONLY = {'type': 'null'}
BOOL = {'type': ['boolean', 'string', 'null']}
# A size in GiB: an integer, or digits as a string (cinderclient may send
# either); the upper bound is an option, checked by the handler.
SIZE = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 1}
METADATA = names.METADATA
NULLABLE_METADATA = dict(METADATA, type=['object', 'null'])


def closed(properties, required=()):
    """An object of ``properties`` (those in ``required`` present) and no
    other keys."""
    return {'type': 'object', 'properties': properties,
            'required': list(required), 'additionalProperties': False}


def wrapped(key, properties, required=()):
    """``{key: {properties}}`` with no other keys at either level."""
    return closed({key: closed(properties, required)}, [key])


def derived(schema, key, **properties):
    """A copy of ``schema`` whose ``key`` object accepts more properties."""
    result = copy.deepcopy(schema)
    result['properties'][key]['properties'].update(properties)
    return result


def action(name, body, nullable=False):
    """``{name: body}`` of a POST .../action request."""
    inner = copy.deepcopy(body)
    if nullable:
        inner['type'] = [inner['type'], 'null']
    return {'type': 'object', 'properties': {name: inner},
            'required': [name], 'additionalProperties': False}


EMPTY_ACTION = {'type': 'object', 'additionalProperties': True}
