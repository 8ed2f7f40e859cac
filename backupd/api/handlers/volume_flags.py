"""Volume actions that only change the volume's row: os-reserve,
os-unreserve, os-set_bootable, os-update_readonly_flag (Cinder's, for
Nova and clients that hold a volume before attaching it).

``os-reserve`` holds an ``available`` volume as ``attaching``; os-attach
does not start from that status (backupd's attach is one step), so a
reservation is released with ``os-unreserve``. ``readonly`` is shown as the
volume's metadata key "readonly" ("True"/"False"), as Cinder shows it.
"""
from backupd.api import common
from backupd.api import lookups
from backupd.api.schemas import volume_flags as schemas
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager import states
from backupd.policies import volumes as policy

V = states.Volume


def _move(ctx, volume_id, transition, to, verb):
    if not db.conditional_update(ctx, models.Volume, volume_id,
                                 {'status': to},
                                 {'status': V.FROM[transition]}):
        current = db.get(ctx, models.Volume, volume_id).status
        raise exception.InvalidState(
            reason='Volume %s is \'%s\'; only volumes that are %s can be %s.'
                   % (volume_id, current, ', '.join(V.FROM[transition]),
                      verb))


def _reserve(req, ctx, volume_id):
    wsgi.extract_json(req, schemas.RESERVE)
    row = lookups.volume(ctx, volume_id, policy.RESERVE)
    _move(ctx, row.id, 'reserve', V.ATTACHING, 'reserved (os-reserve)')


def _unreserve(req, ctx, volume_id):
    wsgi.extract_json(req, schemas.UNRESERVE)
    row = lookups.volume(ctx, volume_id, policy.UNRESERVE)
    _move(ctx, row.id, 'unreserve', V.AVAILABLE,
          'released (os-unreserve)')


def _set_bootable(req, ctx, volume_id):
    body = wsgi.extract_json(req, schemas.SET_BOOTABLE)['os-set_bootable']
    row = lookups.volume(ctx, volume_id, policy.SET_BOOTABLE)
    db.update(ctx, models.Volume, row.id, {
        'bootable': common.flag(body, 'bootable', 'os-set_bootable')})
    return wsgi.empty_response(200)


def _update_readonly(req, ctx, volume_id):
    body = wsgi.extract_json(
        req, schemas.UPDATE_READONLY)['os-update_readonly_flag']
    row = lookups.volume(ctx, volume_id, policy.UPDATE_READONLY)
    db.update(ctx, models.Volume, row.id, {
        'readonly': common.flag(body, 'readonly',
                                'os-update_readonly_flag')})


ACTIONS = {
    'os-reserve': _reserve,
    'os-unreserve': _unreserve,
    'os-set_bootable': _set_bootable,
    'os-update_readonly_flag': _update_readonly,
}
