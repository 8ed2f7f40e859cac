"""Backup-specific queries: the few that the generic ones in api.py can't say.

Status changes still go through ``api.conditional_update`` with allowed
source states from ``backupd.manager.states`` (passed in by the caller, so
this module stays below the manager layer).

Dependents: ``num_dependent_backups`` of a backup counts the non-deleted
backups whose ``parent_id`` is it (Cinder's ``has_dependent_backups``). It
is raised in the transaction that creates (or imports) the child and
lowered in the one that soft-deletes the child. Only children whose stored
data needs the parent's (``depends_on_parent``: incrementals of manifest
version 1/2) keep a parent from being deleted (:func:`data_dependents`);
shared-layout backups delete in any order (doc/dedup-and-gc.rst).
"""
import collections

from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd.db import quotas

Backup = models.Backup


@api.reader
def latest_available(context, volume_id, available_status, project_id):
    """The newest backup of ``volume_id`` in ``available_status`` owned by
    ``project_id``, or None (as Cinder: an incremental never depends on
    another project's backup, say an admin's of the same volume)."""
    return (context.session.query(Backup)
            .filter(Backup.volume_id == volume_id,
                    Backup.project_id == project_id,
                    Backup.deleted.is_(False),
                    Backup.status == available_status)
            .order_by(Backup.data_timestamp.desc(),
                      Backup.created_at.desc())
            .first())


@api.writer
def add_dependent(context, parent_id, parent_statuses):
    """One more child of ``parent_id`` while it is in an allowed status."""
    stmt = (sa.update(Backup)
            .where(Backup.id == parent_id, Backup.deleted.is_(False),
                   Backup.status.in_(list(parent_statuses)))
            .values(num_dependent_backups=Backup.num_dependent_backups + 1,
                    updated_at=timeutils.utcnow())
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount == 1


@api.writer
def drop_dependent(context, parent_id):
    stmt = (sa.update(Backup)
            .where(Backup.id == parent_id,
                   Backup.num_dependent_backups > 0)
            .values(num_dependent_backups=Backup.num_dependent_backups - 1,
                    updated_at=timeutils.utcnow())
            .execution_options(synchronize_session=False))
    context.session.execute(stmt)


@api.writer
def soft_delete(context, backup_id, expected_statuses, deleted_status,
                expected=None):
    """Mark the row deleted (only from ``expected_statuses``, and with the
    column values of ``expected``) and release its parent, in one
    transaction. Returns whether this call deleted it."""
    row = get_any(context, backup_id)
    done = api.soft_delete(context, Backup, backup_id,
                           expected=dict(expected or {},
                                         status=expected_statuses),
                           values={'status': deleted_status})
    if done and row.parent_id:
        drop_dependent(context, row.parent_id)
    if done:
        quotas.release(context, row.project_id, quotas.of_backup(row.size))
    return done


@api.writer
def revive(context, backup_id, values):
    """Reuse the soft-deleted row ``backup_id`` for an imported record.

    The primary key of a deleted backup stays taken, so importing its
    exported record brings that row back instead of inserting a new one.
    Returns whether a deleted row was revived.
    """
    values = dict(values, deleted=False, deleted_at=None,
                  updated_at=timeutils.utcnow())
    stmt = (sa.update(Backup)
            .where(Backup.id == backup_id, Backup.deleted.is_(True))
            .values(**values)
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount == 1


@api.reader
def get_any(context, backup_id):
    """The row whether deleted or not, or None."""
    return context.session.query(Backup).filter(
        Backup.id == backup_id).first()


@api.reader
def on_host(context, host, statuses):
    """Non-deleted backups of ``host`` in ``statuses`` (cleanup's queue)."""
    return (context.session.query(Backup)
            .filter(Backup.host == host, Backup.deleted.is_(False),
                    Backup.status.in_(list(statuses)))
            .order_by(Backup.created_at).all())


@api.reader
def with_temp_resources(context, host):
    """Backups of ``host`` (deleted or not) still naming a temp resource."""
    return (context.session.query(Backup)
            .filter(Backup.host == host,
                    sa.or_(Backup.temp_snapshot_id.isnot(None),
                           Backup.temp_volume_id.isnot(None)))
            .all())


@api.reader
def data_dependents(context, parent_id, statuses=None):
    """Non-deleted backups whose stored data needs ``parent_id``'s (in
    ``statuses``, or any)."""
    query = (context.session.query(sa.func.count(Backup.id))
             .filter(Backup.parent_id == parent_id,
                     Backup.deleted.is_(False),
                     Backup.depends_on_parent.is_(True)))
    if statuses is not None:
        query = query.filter(Backup.status.in_(list(statuses)))
    return query.scalar()


def _no_data_dependents():
    """SQL: the backup row has no live child that needs its data."""
    child = sa.orm.aliased(Backup)
    return ~sa.exists().where(child.parent_id == Backup.id,
                              child.deleted.is_(False),
                              child.depends_on_parent.is_(True))


# --- delayed delete and the scrubber (issue 7) ------------------------------

def _delayed_deleted(child):
    """SQL: backup ``child`` (a table or alias) was deleted with delayed
    delete (pending_delete, or being scrubbed) and is not gone yet.

    ``deleted IS NOT true`` (the same for a column that is never NULL), not
    ``= false`` or ``IS false``: without statistics (no ANALYZE, as most
    SQLite files) SQLite takes either for an index equality and walks
    every live backup in the (deleted, created_at, id) list index instead
    of looking the children up by parent_id."""
    return (child.c.deleted.isnot(True),
            child.c.pending_delete_at.isnot(None))


@api.reader
def delayed_deleted_children(context, parent_ids):
    """{parent id: how many of its children were deleted with delayed
    delete (pending_delete, or being scrubbed)} for ``parent_ids``."""
    if not parent_ids:
        return {}
    table = Backup.__table__
    return dict(context.session.query(table.c.parent_id,
                                      sa.func.count(table.c.id))
                .filter(table.c.parent_id.in_(list(parent_ids)),
                        *_delayed_deleted(table))
                .group_by(table.c.parent_id).all())


# --- a show: the row, its metadata and hidden children in one read ----------

Shown = collections.namedtuple('Shown', 'row metadata hidden_children')
# (columns, by project, count hidden children) -> api.Read
_SHOW_READS = {}


def _show_read(columns, by_project, hidden_children):
    """SELECT <columns>, each metadata key and value (a left join: one
    row per key, one with NULLs when none) [, the count of its
    delayed-deleted children] of one backup."""
    key = (columns, by_project, hidden_children)
    read = _SHOW_READS.get(key)
    if read is None:
        table = Backup.__table__
        meta = models.BackupMetadata.__table__
        selected = [table.c[c] for c in columns] + [
            meta.c.key.label('meta_key'), meta.c.value.label('meta_value')]
        if hidden_children:
            child = table.alias('child')
            selected.append(
                sa.select(sa.func.count(child.c.id))
                .where(child.c.parent_id == table.c.id,
                       *_delayed_deleted(child))
                .scalar_subquery().label('hidden_children'))
        clauses = api.filter_clauses(Backup, {}, core=True)
        clauses.append(table.c.id == sa.bindparam('backup_id'))
        if by_project:
            clauses.append(table.c.project_id == sa.bindparam('project_id'))
        read = _SHOW_READS[key] = api.Read(
            sa.select(*selected)
            .select_from(table.outerjoin(meta, sa.and_(
                meta.c.backup_id == table.c.id,
                meta.c.deleted == sa.false())))
            .where(*clauses))
    return read


def for_show(backup_id, columns, project_id=None, hidden_children=False):
    """Shown(row of ``columns``, {key: value} metadata, how many of its
    children were deleted with delayed delete (0 unless
    ``hidden_children``)) of the non-deleted backup ``backup_id`` (of
    ``project_id`` when given), or None: one statement, outside any
    transaction (api.Read)."""
    read = _show_read(tuple(columns), project_id is not None,
                      hidden_children)
    rows = (read.rows(backup_id=backup_id) if project_id is None else
            read.rows(backup_id=backup_id, project_id=project_id))
    if not rows:
        return None
    row = rows[0]     # its meta_key and meta_value are the first key's
    metadata = {r.meta_key: r.meta_value for r in rows
                if r.meta_key is not None}
    return Shown(row, metadata, row.hidden_children if hidden_children
                 else 0)


@api.reader
def due_for_scrub(context, cutoff, statuses, after_id=None, limit=100):
    """One page (by id, after ``after_id``) of backups the scrubber may
    remove: in ``statuses`` (pending, or a scrub a killed scrubber left
    ``deleting``), pending since ``cutoff`` or earlier (compared in SQL),
    with no backup left whose data needs it."""
    query = (context.session.query(Backup)
             .filter(Backup.deleted.is_(False),
                     Backup.status.in_(list(statuses)),
                     Backup.pending_delete_at.isnot(None),
                     Backup.pending_delete_at <= cutoff,
                     _no_data_dependents())
             .order_by(Backup.id))
    if after_id is not None:
        query = query.filter(Backup.id > after_id)
    return query.limit(limit).all()


@api.reader
def pending(context, pending_status):
    """Every ``pending_status`` backup, oldest delete first."""
    return (context.session.query(Backup)
            .filter(Backup.deleted.is_(False),
                    Backup.status == pending_status)
            .order_by(Backup.pending_delete_at, Backup.id).all())
