"""os-update_snapshot_status: what a hypervisor reports about a snapshot
it takes itself (Cinder's, for Nova's assisted snapshots).

A ``creating`` snapshot may be reported ``creating``, ``available`` or
``error``, a ``deleting`` one ``deleting`` or ``error_deleting``
(states.Snapshot.UPDATE_STATUS); ``progress`` ("80%") is stored as given.
The change is a compare-and-swap from the status the check saw.
"""
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager import states
from backupd.policies import snapshots as policy

S = states.Snapshot

SCHEMA = types.action('os-update_snapshot_status', {
    'type': 'object',
    'properties': {'status': {'type': 'string'},
                   'progress': {'type': ['string', 'null'],
                                'pattern': '^[0-9]{1,3}%$'}},
    'required': ['status'],
    'additionalProperties': False,
})


def _update_status(req, ctx, snapshot_id):
    body = wsgi.extract_json(req, SCHEMA)['os-update_snapshot_status']
    row = lookups.snapshot(ctx, snapshot_id, policy.UPDATE_STATUS)
    allowed = S.UPDATE_STATUS.get(row.status)
    if allowed is None:
        raise exception.InvalidState(
            reason='Snapshot %s is \'%s\'; only %s snapshots take '
                   'os-update_snapshot_status.'
                   % (row.id, row.status, ' or '.join(S.UPDATE_STATUS)))
    if body['status'] not in allowed:
        raise exception.InvalidInput(
            reason='os-update_snapshot_status: snapshot %s is \'%s\'; it '
                   'can be reported as %s, not %r.'
                   % (row.id, row.status, ', '.join(allowed),
                      body['status']))
    values = {'status': body['status']}
    if body.get('progress') is not None:
        values['progress'] = body['progress']
    if not db.conditional_update(ctx, models.Snapshot, row.id, values,
                                 {'status': row.status}):
        raise exception.Conflict(
            reason='Snapshot %s changed meanwhile; retry.' % row.id)


ACTIONS = {'os-update_snapshot_status': _update_status}
