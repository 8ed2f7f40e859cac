"""A volume's metadata as its own resource: /volumes/{id}/metadata[/{key}].

POST merges keys, PUT on the collection replaces them all, PUT/GET/DELETE
on a key work on that key (Cinder's API; ``openstack volume set/unset
--property`` and ``cinder metadata`` use it).
"""
from backupd.api import lookups
from backupd.api.schemas import volumes as schemas
from backupd.api import wsgi
from backupd.db import metadata
from backupd.db import models
from backupd import exception
from backupd.policies import volumes as policy


def _all(ctx, volume_id):
    return metadata.of(ctx, models.Volume, [volume_id])[volume_id]


def index(req, volume_id):
    ctx = wsgi.context_of(req)
    row = lookups.volume(ctx, volume_id, policy.GET_METADATA)
    return wsgi.json_response({'metadata': _all(ctx, row.id)})


def create(req, volume_id):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.METADATA)['metadata']
    row = lookups.volume(ctx, volume_id, policy.CREATE_METADATA)
    metadata.merge(ctx, models.Volume, row.id, body)
    return wsgi.json_response({'metadata': _all(ctx, row.id)})


def replace(req, volume_id):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.METADATA)['metadata']
    row = lookups.volume(ctx, volume_id, policy.UPDATE_METADATA)
    metadata.replace(ctx, models.Volume, row.id, body)
    return wsgi.json_response({'metadata': _all(ctx, row.id)})


def show(req, volume_id, key):
    ctx = wsgi.context_of(req)
    row = lookups.volume(ctx, volume_id, policy.GET_METADATA)
    values = _all(ctx, row.id)
    if key not in values:
        raise _missing(row.id, key)
    return wsgi.json_response({'meta': {key: values[key]}})


def update(req, volume_id, key):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.META)['meta']
    if list(body) != [key]:
        raise exception.InvalidInput(
            reason='the body must set exactly the key of the URL (%s), '
                   'e.g. {"meta": {"%s": "value"}}' % (key, key))
    row = lookups.volume(ctx, volume_id, policy.UPDATE_METADATA)
    metadata.merge(ctx, models.Volume, row.id, body)
    return wsgi.json_response({'meta': body})


def delete(req, volume_id, key):
    ctx = wsgi.context_of(req)
    row = lookups.volume(ctx, volume_id, policy.DELETE_METADATA)
    if not metadata.delete_key(ctx, models.Volume, row.id, key):
        raise _missing(row.id, key)
    return wsgi.empty_response(200)


def _missing(volume_id, key):
    return exception.NotFound(
        message='Volume %s has no metadata key %r.' % (volume_id, key))
