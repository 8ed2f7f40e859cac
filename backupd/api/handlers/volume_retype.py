"""os-retype: give a volume another volume type, without moving it.

backupd does not migrate volumes between backends, so a retype succeeds
when the new type fits the host the volume is on (its
``volume_backend_name``, if it names one, is the host's backend); else it
is a 400 whatever ``migration_policy`` says. The volume must be
``available`` or ``in-use``; the type changes in one compare-and-swap from
that status and the old type, and the per-type quota usage of the volume
and its snapshots moves with it in the same transaction (the totals do not
change).
"""
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import volume_type_choice
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd.manager import states
from backupd.policies import volumes as policy
from backupd import quota

V = states.Volume
SCHEMA = types.action('os-retype', {
    'type': 'object',
    'properties': {'new_type': {'type': 'string', 'minLength': 1,
                                'maxLength': 255},
                   'migration_policy': {'type': ['string', 'null'],
                                        'enum': ['never', 'on-demand',
                                                 None]}},
    'required': ['new_type'],
    'additionalProperties': False,
})


def _typed_usage(volume, snapshots, type_name):
    """The per-type counters (volumes_<type>, ...) a volume of
    ``type_name`` and its snapshots count in."""
    usage = {}
    parts = [quotas_db.of_volume(volume.size, type_name)] + [
        quotas_db.of_snapshot(volume.size, type_name) for _ in snapshots]
    for deltas in parts:
        for resource, n in deltas.items():
            if type_name and resource.endswith('_' + type_name):
                usage[resource] = usage.get(resource, 0) + n
    return usage


def _retype(req, ctx, volume_id):
    body = wsgi.extract_json(req, SCHEMA)['os-retype']
    row = lookups.volume(ctx, volume_id, policy.RETYPE)
    choice = volume_type_choice.choose(ctx, body['new_type'])
    if choice.id == row.volume_type_id:
        raise exception.InvalidInput(
            reason='Volume %s is already of type %s; name another type.'
                   % (row.id, choice.name))
    service = (db.service_get_all(ctx, {'host': row.host,
                                        'binary': binaries.VOLUME}) or
               [None])[0]
    if service is not None:
        volume_type_choice.require_backend(
            choice, service, 'retype volume %s' % row.id)
    if row.status not in V.FROM['retype']:
        raise _refused(row)
    snapshots = db.get_all(ctx, models.Snapshot, {'volume_id': row.id,
                                                  'is_temporary': False})
    old = _typed_usage(row, snapshots, row.volume_type)
    new = _typed_usage(row, snapshots, choice.name)
    with quota.charged(ctx, row.project_id, new):
        if not db.conditional_update(
                ctx, models.Volume, row.id,
                {'volume_type': choice.name, 'volume_type_id': choice.id},
                {'status': V.FROM['retype'],
                 'volume_type_id': row.volume_type_id}):
            raise _refused(db.get(ctx, models.Volume, row.id))
        quotas_db.release(ctx, row.project_id, old)


def _refused(row):
    return exception.InvalidState(
        reason='Volume %s is \'%s\'; only volumes that are %s can be '
               'retyped.' % (row.id, row.status, ', '.join(V.FROM['retype'])))


ACTIONS = {'os-retype': _retype}
