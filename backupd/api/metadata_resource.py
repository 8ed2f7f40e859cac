"""Key/value metadata as a resource of its own, one shape for every owner:
``/<owners>/{id}/metadata`` and ``/<owners>/{id}/metadata/{key}``.

POST merges keys, PUT on the collection replaces them all, GET/PUT/DELETE
on a key work on that key (Cinder's API for volume and snapshot metadata;
``openstack volume set --property``, ``openstack volume snapshot set
--property`` and ``cinder metadata``/``snapshot-metadata`` use it).
"""
from backupd.api.schemas import volumes as schemas
from backupd.api import wsgi
from backupd.db import metadata
from backupd import exception


class MetadataResource:
    """The six calls for one owner kind. ``lookup(ctx, id, rule)`` is the
    lookups function of the owner (the row the caller may see, authorized);
    ``rules`` maps get/create/update/delete to policy rules."""

    def __init__(self, noun, model, lookup, rules):
        self.noun = noun
        self.model = model
        self.lookup = lookup
        self.rules = rules

    def _owner(self, req, ids, rule):
        (owner_id,) = ids.values()
        ctx = wsgi.context_of(req)
        return ctx, self.lookup(ctx, owner_id, self.rules[rule]).id

    def _all(self, ctx, owner_id):
        return metadata.of(ctx, self.model, [owner_id])[owner_id]

    def index(self, req, **ids):
        ctx, owner_id = self._owner(req, ids, 'get')
        return wsgi.json_response({'metadata': self._all(ctx, owner_id)})

    def create(self, req, **ids):
        body = wsgi.extract_json(req, schemas.METADATA)['metadata']
        ctx, owner_id = self._owner(req, ids, 'create')
        metadata.merge(ctx, self.model, owner_id, body)
        return wsgi.json_response({'metadata': self._all(ctx, owner_id)})

    def replace(self, req, **ids):
        body = wsgi.extract_json(req, schemas.METADATA)['metadata']
        ctx, owner_id = self._owner(req, ids, 'update')
        metadata.replace(ctx, self.model, owner_id, body)
        return wsgi.json_response({'metadata': self._all(ctx, owner_id)})

    def show(self, req, key, **ids):
        ctx, owner_id = self._owner(req, ids, 'get')
        values = self._all(ctx, owner_id)
        if key not in values:
            raise self._missing(owner_id, key)
        return wsgi.json_response({'meta': {key: values[key]}})

    def update(self, req, key, **ids):
        body = wsgi.extract_json(req, schemas.META)['meta']
        if list(body) != [key]:
            raise exception.InvalidInput(
                reason='the body must set exactly the key of the URL (%s), '
                       'e.g. {"meta": {"%s": "value"}}' % (key, key))
        ctx, owner_id = self._owner(req, ids, 'update')
        metadata.merge(ctx, self.model, owner_id, body)
        return wsgi.json_response({'meta': body})

    def delete(self, req, key, **ids):
        ctx, owner_id = self._owner(req, ids, 'delete')
        if not metadata.delete_key(ctx, self.model, owner_id, key):
            raise self._missing(owner_id, key)
        return wsgi.empty_response(200)

    def _missing(self, owner_id, key):
        return exception.NotFound(message='%s %s has no metadata key %r.' % (
            self.noun, owner_id, key))

    def routes(self, prefix):
        """Route-table entries under ``prefix`` (e.g.
        '/snapshots/{snapshot_id}/metadata')."""
        return {
            prefix: {'GET': self.index, 'POST': self.create,
                     'PUT': self.replace},
            prefix + '/{key}': {'GET': self.show, 'PUT': self.update,
                                'DELETE': self.delete},
        }
