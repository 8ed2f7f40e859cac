"""The row this caller may see, and the checks handlers share.

Every handler loads the object its URL or body names through here, so who
sees what is decided once:

* a non-admin sees only rows of its own project (``owner_filter``);
* the temporary volumes and snapshots a backup reads from are nobody's
  (backupd.db.resources leaves them out);
* a backup deleted with ``delayed_delete`` is gone for everybody but admins
  (``backup_hidden``).

A row the caller may not see is a 404, the same answer as for an id that
does not exist, so ids of other projects are not disclosed. Given an
``action``, the row is then authorized by policy with its project and user
as the target (403).
"""
from backupd.api import group_status
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import group_types as group_types_db
from backupd.db import models
from backupd.db import resources
from backupd.db import type_access
from backupd.db import volume_types as types_db
from backupd import exception
from backupd.manager import states
from backupd import policies

B = states.Backup
V = states.Volume
# The columns of a backup the rules below read (backup_shown).
BACKUP_COLUMNS = ('project_id', 'user_id', 'status', 'pending_delete_at')


def owner_filter(ctx):
    """Project a single-object lookup is limited to; None for admins."""
    return None if ctx.is_admin else ctx.project_id


def authorize(ctx, action, row):
    """Policy check of ``action`` on ``row`` (its project and user)."""
    policies.authorize(ctx, action, {'project_id': row.project_id,
                                     'user_id': row.user_id})


def volume(ctx, volume_id, action=None, read_only=False):
    """The caller's visible volume (authorized for ``action`` if given;
    ``read_only``: a row for a view only, db.api.get)."""
    return _visible(ctx, resources.get(ctx, models.Volume, volume_id,
                                       project_id=owner_filter(ctx),
                                       read_only=read_only), action)


def snapshot(ctx, snapshot_id, action=None, read_only=False):
    """The caller's visible snapshot (authorized for ``action`` if given)."""
    return _visible(ctx, resources.get(ctx, models.Snapshot, snapshot_id,
                                       project_id=owner_filter(ctx),
                                       read_only=read_only), action)


def backup(ctx, backup_id, action=None, read_only=False):
    """The caller's visible backup (authorized for ``action`` if given);
    one deleted with delayed_delete is a 404 for non-admins."""
    row = db.get(ctx, models.Backup, backup_id, project_id=owner_filter(ctx),
                 read_only=read_only)
    if backup_hidden(ctx, row):
        raise exception.BackupNotFound(backup_id=backup_id)
    return _visible(ctx, row, action)


def backup_shown(ctx, backup_id, action, columns):
    """backup_db.Shown of the caller's visible backup, authorized for
    ``action``: its row (``columns``), metadata, and for non-admins how
    many of its children were deleted with delayed delete (hidden from
    them); the same rules as ``backup``, in one read outside any
    transaction (a show)."""
    shown = backup_db.for_show(backup_id, columns,
                               project_id=owner_filter(ctx),
                               hidden_children=not ctx.is_admin)
    if shown is None or backup_hidden(ctx, shown.row):
        raise exception.BackupNotFound(backup_id=backup_id)
    _visible(ctx, shown.row, action)
    return shown


def group(ctx, group_id, follow=True):
    """The caller's visible group, its status following its volumes
    (backupd.api.group_status) unless ``follow`` is False; 404 else."""
    try:
        row = db.get(ctx, models.Group, group_id,
                     project_id=owner_filter(ctx))
    except exception.NotFound:
        row = None
    if row is not None and follow:
        row = group_status.follow(ctx, models.Group, row)
    if row is None:
        raise exception.NotFound(
            message='Group %s could not be found.' % group_id)
    return row


def group_type(ctx, type_id):
    """The group type, if public or the caller is an admin; 404 else."""
    row = group_types_db.get(ctx, type_id)
    if not row.is_public and not ctx.is_admin:
        raise exception.NotFound(
            message='Group type %s could not be found.' % type_id)
    return row


def volume_type(ctx, name_or_id):
    """The volume type (by name or id) the caller may use: public, shared
    with its project, or any for an admin; 404 else (as in Cinder)."""
    row = types_db.find(ctx, name_or_id)
    if not type_access.may_use(ctx, row):
        raise exception.VolumeTypeNotFound(volume_type_id=name_or_id)
    return row


def _visible(ctx, row, action):
    if action is not None:
        authorize(ctx, action, row)
    return row


# --- delayed delete (issue 7): pending_delete, hidden from its project -----

def backup_hidden(ctx, row):
    """A backup deleted with delayed_delete is gone for everybody but
    admins: while pending_delete, and while the scrubber removes it
    (``deleting`` with ``pending_delete_at`` still set), so it does not
    reappear for its project during the scrub."""
    return not ctx.is_admin and (
        row.status == B.PENDING_DELETE
        or (row.status == B.DELETING and row.pending_delete_at is not None))


def listed_backup_statuses(ctx, asked):
    """The status filter of a backup list: pending_delete rows only for an
    admin who asks for them (status=pending_delete), never for anybody
    else."""
    if asked is None:
        return B.LISTED
    if asked == B.PENDING_DELETE and not ctx.is_admin:
        return ()
    return asked


# --- checks the backup handlers share ----------------------------------------

def data_dependents(ctx, row, statuses=None):
    """How many backups need ``row``'s stored data: incrementals of the
    chained layout (manifest 1/2). Shared-layout backups need no parent,
    so a backup with only such incrementals deletes in any order
    (doc/dedup-and-gc.rst); ``has_dependent_backups`` still shows them."""
    if not row.num_dependent_backups:
        return 0
    return backup_db.data_dependents(ctx, row.id, statuses)


def check_backup_deletable(ctx, row, allowed, force):
    """400 unless no backup needs ``row``'s data and it is in ``allowed``;
    the hint names os-force_delete unless this already is one."""
    needed_by = data_dependents(ctx, row)
    if needed_by:
        raise exception.InvalidState(
            reason='Backup %s has %d dependent incremental backup(s) of the '
                   'chained layout, which restore from its data; delete '
                   'them first.' % (row.id, needed_by))
    if row.status not in allowed:
        hint = ('' if force else ' Use os-force_delete as an admin '
                '(cinder backup-delete --force).')
        raise exception.InvalidState(
            reason='Backup %s is \'%s\'; only %s backups can be deleted.%s'
                   % (row.id, row.status,
                      ' or '.join("'%s'" % s for s in allowed), hint))


def volume_refusal(volume, force, attached, other):
    """The 400 answering a backup or snapshot of ``volume`` from a status
    its transition does not start from: ``attached`` (%-filled with the id)
    for an in-use volume without force, which force would allow, else
    ``other`` (with the id and the status)."""
    if volume.status == V.IN_USE and not force:
        return exception.InvalidState(reason=attached % volume.id)
    return exception.InvalidState(reason=other % (volume.id, volume.status))


def backup_changed(row):
    """The 409 of a compare-and-swap on backup ``row`` that found another
    status."""
    return exception.Conflict(
        reason='Backup %s changed status meanwhile (it was \'%s\'); look at '
               'it again and retry.' % (row.id, row.status))
