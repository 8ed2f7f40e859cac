"""The status of a group or group snapshot follows its members (Cinder's
generic groups: a backend without group support does the work volume by
volume). Read paths call :func:`follow` before they show a row:

* ``creating`` (as created, never changed since: ``updated_at`` unset)
  becomes ``available`` once every member is ``available``, ``error`` as
  soon as one is in error;
* ``deleting`` becomes deleted (404) once no member is left; a group
  then leaves the ``groups`` quota, in the same transaction.

Each change is a compare-and-swap from the status read, so two readers
settle it once. An admin's reset_status sets any status, and it stays:
a ``creating`` it sets does not follow the members (Tempest resets to
``creating`` and waits to see it).
"""
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd import policies

CREATING = 'creating'
AVAILABLE = 'available'
DELETING = 'deleting'
ERROR = 'error'
# Cinder's group and group snapshot statuses (reset_status takes these)
STATUSES = ('creating', 'available', 'deleting', 'error', 'error_deleting',
            'updating', 'in-use', 'deleted')

_MEMBERS = {
    models.Group: (models.Volume, 'group_id'),
    models.GroupSnapshot: (models.Snapshot, 'group_snapshot_id'),
}


def members(ctx, model, row_id):
    member_model, key = _MEMBERS[model]
    return db.get_all(ctx, member_model, {key: row_id})


def follow(ctx, model, row):
    """``row`` after its status followed its members (None: deleted)."""
    if row.status not in (CREATING, DELETING) or (
            row.status == CREATING and row.updated_at is not None):
        return row
    statuses = {m.status for m in members(ctx, model, row.id)}
    if row.status == DELETING:
        if not statuses:
            with db.writer.using(ctx):
                if (db.soft_delete(ctx, model, row.id,
                                   {'status': DELETING})
                        and model is models.Group):
                    quotas_db.release(ctx, row.project_id,
                                      quotas_db.of_group())
            return None
        return row
    if any(s.startswith('error') for s in statuses):
        wanted = ERROR
    elif statuses <= {AVAILABLE}:
        wanted = AVAILABLE
    else:
        return row
    db.conditional_update(ctx, model, row.id, {'status': wanted},
                          {'status': CREATING, 'updated_at': None})
    return db.get(ctx, model, row.id)


def reset_status_action(model, what, version, rule, lookup):
    """The reset_status action of a group or group snapshot (``what``:
    "a group"), from microversion ``version`` under policy ``rule``: any of
    STATUSES, set from the status read (``lookup(ctx, id, follow=False)``)
    and kept (follow leaves a status an admin set)."""
    def reset_status(req, ctx, row_id):
        if not wsgi.at_least(req, version):
            raise exception.InvalidInput(
                reason='reset_status of %s needs microversion %s.'
                       % (what, version))
        policies.authorize(ctx, rule)
        status = (wsgi.extract_json(req)['reset_status'] or {}).get('status')
        if status not in STATUSES:
            raise exception.InvalidInput(
                reason='reset_status needs "status", one of %s.'
                       % ', '.join(STATUSES))
        row = lookup(ctx, row_id, follow=False)
        db.conditional_update(ctx, model, row.id, {'status': status},
                              {'status': row.status})
    return reset_status
