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
from backupd.api import common
from backupd.api.schemas import parameter_types as types
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

# {"reset_status": null} or {} is answered by the handler: "status"
# missing, with the statuses allowed
RESET_STATUS = types.action('reset_status', types.closed(
    {'status': {'type': 'string'}}), nullable=True)
_MEMBERS = {
    models.Group: (models.Volume, 'group_id'),
    models.GroupSnapshot: (models.Snapshot, 'group_snapshot_id'),
}


# what messages call a group or group snapshot, and its members
_NOUNS = {models.Group: ('Group', 'volume'),
          models.GroupSnapshot: ('Group snapshot', 'snapshot')}


def check_members(model, row_id, rows, allowed, verb):
    """InvalidState naming every member of ``rows`` whose status is not
    in ``allowed``: the group (snapshot) cannot be ``verb``."""
    noun, member = _NOUNS[model]
    refused = [r for r in rows if r.status not in allowed]
    if refused:
        raise exception.InvalidState(
            reason='%s %s cannot be %s: %s.' % (noun, row_id, verb, ', '.join(
                '%s %s is \'%s\'' % (member, r.id, r.status)
                for r in refused)))


def delete(ctx, model, row, rows, allowed, delete_member):
    """Delete a group or group snapshot whose members are ``rows``: each
    in ``allowed`` statuses, the row ``deleting`` (compare-and-swap from
    available or error), ``delete_member(r)`` for each, then the row
    follows them (gone at once when it has none)."""
    check_members(model, row.id, rows, allowed, 'deleted')
    if not db.conditional_update(ctx, model, row.id, {'status': DELETING},
                                 {'status': (AVAILABLE, ERROR)}):
        noun = _NOUNS[model][0]
        raise exception.InvalidState(
            reason='%s %s is \'%s\'; only available or error %ss can be '
                   'deleted.' % (noun, row.id, row.status, noun.lower()))
    for member in rows:
        delete_member(member)
    follow(ctx, model, db.get(ctx, model, row.id))


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
        body = wsgi.extract_json(req, RESET_STATUS)['reset_status'] or {}
        status = body.get('status')
        if status not in STATUSES:
            raise exception.InvalidInput(
                reason='reset_status needs "status", one of %s.'
                       % ', '.join(STATUSES))
        row = lookup(ctx, row_id, follow=False)
        db.conditional_update(ctx, model, row.id, {'status': status},
                              {'status': row.status})
    return reset_status


def list_routes(key, model, rule, sort_keys, items, check):
    """(index, detail) of groups or group snapshots (common.list_routes):
    ``items(req, ctx, rows, detailed)`` renders the page's rows after they
    followed their members, leaving out the ones that are gone. Following
    may change rows, so a page reads in a writer transaction; its next link
    follows the rows read, so a row found gone leaves its page an item
    short, no more."""
    def followed(req, ctx, rows, detailed):
        return items(req, ctx, [r for r in (follow(ctx, model, r)
                                            for r in rows) if r is not None],
                     detailed)
    return common.list_routes(key, rule, {}, sort_keys,
                              common.table_rows(model), followed,
                              check=check, summary_columns=None, writes=True)
