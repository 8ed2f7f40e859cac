"""Volume transfers: /os-volume-transfer and, from 3.55, /volume-transfers
(create, list, detail, show, delete, accept), as Cinder's.

A member offers an ``available`` volume of its project: the volume becomes
``awaiting-transfer`` and the answer carries the auth key, once. Only a
salted SHA-256 of the key is stored (Cinder keeps a salted SHA-1). Any
project that has the transfer id and the key accepts it: the volume (and,
unless ``no_snapshots``, its snapshots) moves to that project and user,
and the quota usage with it, in one transaction whose volume change is a
compare-and-swap from ``awaiting-transfer``. Deleting the transfer makes
the volume ``available`` again. Backups stay with the project that made
them. Transfers are shown to the offering project (and admins).
"""
import hashlib
import hmac
import secrets
import uuid

from oslo_utils import timeutils

from backupd.api import common
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import sort_keys
from backupd.api import urls
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd.manager import states
from backupd import policies
from backupd.policies import transfers as policy
from backupd import quota

V = states.Volume
S = states.Snapshot
AUTH_KEY_LENGTH = 16  # Cinder's volume_transfer_key_length default

CREATE = types.wrapped('transfer', {
    'volume_id': types.UUID, 'name': types.NAME, 'no_snapshots': types.BOOL,
}, required=['volume_id'])
ACCEPT = types.wrapped('accept', {
    'auth_key': {'type': 'string', 'minLength': 1, 'maxLength': 255},
}, required=['auth_key'])


def _hash(salt, auth_key):
    return hashlib.sha256((salt + auth_key).encode('utf-8')).hexdigest()


def _collection(req):
    return 'volume-transfers' if '/volume-transfers' in req.path_info \
        else 'os-volume-transfer'


def _view(req, row, detailed=True):
    view = {'id': row.id, 'name': row.display_name,
            'volume_id': row.volume_id,
            'links': urls.links(req, _collection(req), row.id)}
    if detailed:
        view['created_at'] = row.created_at
        if wsgi.at_least(req, '3.55'):
            view['no_snapshots'] = row.no_snapshots
        if wsgi.at_least(req, '3.57'):
            view.update(source_project_id=row.source_project_id,
                        destination_project_id=row.destination_project_id,
                        accepted=row.accepted)
    return view


def _get(ctx, transfer_id):
    """The transfer, for its offering project or an admin; else 404."""
    try:
        row = db.get(ctx, models.Transfer, transfer_id)
    except exception.NotFound:
        raise _not_found(transfer_id)
    if row.accepted or (not ctx.is_admin and
                        row.source_project_id != ctx.project_id):
        raise _not_found(transfer_id)
    return row


def _not_found(transfer_id):
    return exception.NotFound(
        message='Transfer %s could not be found.' % transfer_id)


# --- reads -----------------------------------------------------------------

def _items(req, ctx, rows, detailed):
    return [_view(req, row, detailed) for row in rows]


index, detail = common.list_routes(
    'transfers', policy.GET_ALL, {}, sort_keys.TRANSFERS,
    common.table_rows(models.Transfer, {'accepted': False},
                      project_column='source_project_id'),
    _items, summary_columns=('id', 'display_name', 'volume_id'),
    path=_collection)


def show(req, transfer_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.GET)
    return wsgi.json_response({'transfer': _view(req, _get(ctx,
                                                           transfer_id))})


# --- create, delete, accept ------------------------------------------------

def create(req):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, CREATE)['transfer']
    volume = lookups.volume(ctx, body['volume_id'], policy.CREATE)
    no_snapshots = common.flag(body, 'no_snapshots', 'transfer')
    if no_snapshots and not wsgi.at_least(req, '3.55'):
        raise exception.InvalidInput(
            reason='transfer/no_snapshots needs microversion 3.55 or later.')
    _check_snapshots(ctx, volume.id)
    auth_key = secrets.token_hex(AUTH_KEY_LENGTH // 2)
    salt = secrets.token_hex(8)
    with db.writer.using(ctx):
        if not db.conditional_update(ctx, models.Volume, volume.id,
                                     {'status': V.AWAITING_TRANSFER},
                                     {'status': V.FROM['transfer']}):
            current = db.get(ctx, models.Volume, volume.id).status
            raise exception.InvalidState(
                reason='Volume %s is \'%s\'; only available volumes can be '
                       'transferred.' % (volume.id, current))
        row = db.create(ctx, models.Transfer, {
            'id': str(uuid.uuid4()), 'volume_id': volume.id,
            'display_name': body.get('name'), 'salt': salt,
            'crypt_hash': _hash(salt, auth_key),
            'source_project_id': volume.project_id,
            'accepted': False, 'no_snapshots': no_snapshots,
            'created_at': timeutils.utcnow()})
    view = _view(req, row)
    view['auth_key'] = auth_key
    return wsgi.json_response({'transfer': view}, status=202)


def _check_snapshots(ctx, volume_id):
    busy = [s for s in db.get_all(ctx, models.Snapshot,
                                  {'volume_id': volume_id,
                                   'is_temporary': False})
            if s.status != S.AVAILABLE]
    if busy:
        raise exception.InvalidState(
            reason='Volume %s has snapshots that are not available (%s); '
                   'wait for them or delete them before transferring it.'
                   % (volume_id, ', '.join('%s is %s' % (s.id, s.status)
                                           for s in busy)))


def delete(req, transfer_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.DELETE)
    row = _get(ctx, transfer_id)
    with db.writer.using(ctx):
        if not db.soft_delete(ctx, models.Transfer, row.id,
                              {'accepted': False}):
            raise _not_found(transfer_id)
        db.conditional_update(ctx, models.Volume, row.volume_id,
                              {'status': V.AVAILABLE},
                              {'status': V.FROM['finish_transfer']})
    return wsgi.empty_response(202)


def accept(req, transfer_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.ACCEPT)
    auth_key = wsgi.extract_json(req, ACCEPT)['accept']['auth_key']
    try:
        row = db.get(ctx, models.Transfer, transfer_id)
    except exception.NotFound:
        raise _not_found(transfer_id)
    if row.accepted:
        raise _not_found(transfer_id)
    if not hmac.compare_digest(_hash(row.salt, auth_key), row.crypt_hash):
        raise exception.InvalidInput(
            reason='The auth_key of transfer %s is not %r; give the key '
                   'the transfer\'s create answered.' % (row.id, auth_key))
    volume = db.get(ctx, models.Volume, row.volume_id)
    # a backup's temporary snapshots (a kept change-tracking base) stay
    # with the project of the backups that read them
    snapshots = [] if row.no_snapshots else db.get_all(
        ctx, models.Snapshot, {'volume_id': volume.id, 'is_temporary': False})
    moved = quotas_db.of_volume(volume.size, volume.volume_type)
    for snap in snapshots:
        for resource, n in quotas_db.of_snapshot(
                volume.size, volume.volume_type).items():
            moved[resource] = moved.get(resource, 0) + n
    owner = {'project_id': ctx.project_id, 'user_id': ctx.user_id}
    with quota.charged(ctx, ctx.project_id, moved):
        if not db.conditional_update(
                ctx, models.Volume, volume.id,
                dict(owner, status=V.AVAILABLE),
                {'status': V.FROM['finish_transfer'],
                 'project_id': volume.project_id}):
            raise exception.Conflict(
                reason='Volume %s of transfer %s changed meanwhile; it is '
                       'no longer awaiting its transfer.'
                       % (volume.id, row.id))
        for snap in snapshots:
            db.update(ctx, models.Snapshot, snap.id, owner)
        db.update(ctx, models.Transfer, row.id, {
            'accepted': True, 'destination_project_id': ctx.project_id})
        db.soft_delete(ctx, models.Transfer, row.id)
        quotas_db.release(ctx, volume.project_id, moved)
    return wsgi.json_response({'transfer': _view(req, row, detailed=False)},
                              status=202)
