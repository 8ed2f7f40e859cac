"""Quota limits and usages in the database.

Usage is a counter per (project, resource) in ``quota_usages``, changed in
the transaction that inserts or soft-deletes the row it counts:

* :func:`consume` raises a counter with a conditional UPDATE,
  ``SET in_use = in_use + :d WHERE ... AND in_use + :d <= :limit``. The
  UPDATE takes the row's write lock and re-checks its condition against
  the latest committed value (PostgreSQL re-evaluates it after waiting,
  InnoDB's UPDATE reads the newest version, SQLite has one writer), so N
  concurrent creates serialize on the project's counter and never pass a
  limit; no SELECT ... FOR UPDATE and no reservation that could expire.
  0 rows changed means over quota: the caller's transaction rolls back,
  taking the new row with it.
* :func:`release` lowers it in the transaction of the soft delete.

A counter row is created (by :func:`ensure`, in its own transaction,
before the caller's) holding what the project's rows count then, so
projects that existed before quotas start right. :func:`drift` and
:func:`sync` compare the counters with the rows (``backupd-manage quota
check|sync``).

What a row counts: a volume ``volumes`` 1 and ``gigabytes`` its size; a
snapshot ``snapshots`` 1 and ``gigabytes`` its volume's size; both also
the per-type ``<resource>_<type name>``; a backup ``backups`` 1 and
``backup_gigabytes`` its size. Temporary volumes and snapshots a backup
reads from count nothing.
"""
from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd import exception

V, S, B = models.Volume, models.Snapshot, models.Backup
U = models.QuotaUsage

COUNTED = ('volumes', 'snapshots', 'gigabytes', 'backups',
           'backup_gigabytes', 'groups')
PER_TYPE = ('volumes', 'snapshots', 'gigabytes')


def typed(resource, type_name):
    return '%s_%s' % (resource, type_name)


def of_volume(size, type_name):
    """Usage a volume of ``size`` GiB and type ``type_name`` counts."""
    return _of('volumes', size, type_name)


def of_snapshot(size, type_name):
    """Usage a snapshot of a volume of ``size`` GiB and type counts."""
    return _of('snapshots', size, type_name)


def _of(resource, size, type_name):
    deltas = {resource: 1, 'gigabytes': size}
    if type_name:
        deltas.update({typed(r, type_name): n for r, n in deltas.items()})
    return deltas


def of_extend(size, new_size, type_name):
    """The gigabytes an extend adds: charged when it starts, released
    again when it fails."""
    grown = of_volume(new_size - size, type_name)
    return {r: v for r, v in grown.items() if 'gigabytes' in r}


def of_backup(size):
    return {'backups': 1, 'backup_gigabytes': size or 0}


def of_group():
    return {'groups': 1}


# --- counters -------------------------------------------------------------

def ensure(context, project_id, resources):
    """Create the missing counters of ``project_id`` for ``resources``, in
    a transaction of their own (call it outside any other transaction)."""
    with api.writer.using(context):
        have = {r for (r,) in context.session.query(U.resource).filter(
            U.project_id == project_id, U.resource.in_(list(resources)))}
    missing = set(resources) - have
    if not missing:
        return
    try:
        # Insert first, count after: the insert takes the write lock
        # (SQLite: a transaction that read before writing can fail to
        # upgrade its lock), and a concurrent create cannot count before
        # the counter exists.
        with api.writer.using(context):
            for resource in sorted(missing):
                context.session.add(U(project_id=project_id,
                                      resource=resource, in_use=0))
            context.session.flush()
            actual = counted(context, project_id).get(project_id, {})
            for resource in sorted(missing):
                if actual.get(resource):
                    context.session.execute(
                        sa.update(U).where(U.project_id == project_id,
                                           U.resource == resource)
                        .values(in_use=actual[resource])
                        .execution_options(synchronize_session=False))
    except db_exc.DBDuplicateEntry:
        pass    # a concurrent request created them: theirs hold the count


@api.writer
def consume(context, project_id, deltas, limits):
    """Raise the counters by ``deltas`` (resource -> amount) within their
    ``limits`` (resource -> hard limit, -1 none), in the caller's
    transaction. Raises OverQuota naming the first resource over its limit.
    Counters are changed in resource-name order, so two requests lock them
    in the same order."""
    now = timeutils.utcnow()
    for resource in sorted(deltas):
        delta = deltas[resource]
        if not delta:
            continue
        limit = limits.get(resource, -1)
        stmt = (sa.update(U)
                .where(U.project_id == project_id, U.resource == resource)
                .values(in_use=U.in_use + delta, updated_at=now)
                .execution_options(synchronize_session=False))
        if limit >= 0:
            stmt = stmt.where(U.in_use + delta <= limit)
        if context.session.execute(stmt).rowcount != 1:
            in_use = context.session.query(U.in_use).filter(
                U.project_id == project_id, U.resource == resource).scalar()
            if in_use is None:
                raise exception.BackupdException(
                    'quota usage of %s for project %s is missing; '
                    'quotas.ensure() must run first' % (resource, project_id))
            raise exception.OverQuota(project_id=project_id,
                                      resource=resource, limit=limit,
                                      in_use=in_use, requested=delta)


@api.writer
def release(context, project_id, deltas):
    """Lower the counters by ``deltas`` (never below 0), in the caller's
    transaction (the one that deletes the counted row)."""
    now = timeutils.utcnow()
    for resource in sorted(deltas):
        delta = deltas[resource]
        if not delta:
            continue
        context.session.execute(
            sa.update(U)
            .where(U.project_id == project_id, U.resource == resource)
            .values(in_use=sa.case((U.in_use > delta, U.in_use - delta),
                                   else_=0), updated_at=now)
            .execution_options(synchronize_session=False))


@api.reader
def usages(context, project_id):
    """{resource: in_use} of the project's counters."""
    return dict(context.session.query(U.resource, U.in_use).filter(
        U.project_id == project_id))


# --- what the rows count (sync, check, first counter) ---------------------

def _live(model):
    clauses = [model.deleted.is_(False)]
    if hasattr(model, 'is_temporary'):
        clauses.append(model.is_temporary.is_(False))
    return clauses


@api.reader
def counted(context, project_id=None):
    """{project: {resource: amount}} that the rows count (one project, or
    every project with rows)."""
    q = context.session.query
    result = {}

    def add(rows, names):
        for row in rows:
            project, type_name = row[0], row[1]
            per = result.setdefault(project, {})
            for name, value in zip(names, row[2:]):
                value = int(value or 0)
                per[name] = per.get(name, 0) + value
                if type_name and name in PER_TYPE:
                    key = typed(name, type_name)
                    per[key] = per.get(key, 0) + value

    def scoped(query, model):
        query = query.filter(*_live(model))
        if project_id is not None:
            query = query.filter(model.project_id == project_id)
        return query

    add(scoped(q(V.project_id, V.volume_type, sa.func.count(V.id),
                 sa.func.sum(V.size)), V)
        .group_by(V.project_id, V.volume_type), ('volumes', 'gigabytes'))
    add(scoped(q(S.project_id, V.volume_type, sa.func.count(S.id),
                 sa.func.sum(S.volume_size))
               .join(V, V.id == S.volume_id), S)
        .group_by(S.project_id, V.volume_type), ('snapshots', 'gigabytes'))
    add(scoped(q(B.project_id, sa.null(), sa.func.count(B.id),
                 sa.func.sum(B.size)), B)
        .group_by(B.project_id), ('backups', 'backup_gigabytes'))
    G = models.Group
    add(scoped(q(G.project_id, sa.null(), sa.func.count(G.id)), G)
        .group_by(G.project_id), ('groups',))
    return result


@api.reader
def drift(context, project_id=None):
    """[(project, resource, recorded in_use, counted)] where they differ."""
    actual = counted(context, project_id)
    query = context.session.query(U)
    if project_id is not None:
        query = query.filter(U.project_id == project_id)
    recorded = {(u.project_id, u.resource): u.in_use for u in query}
    found = []
    for project, per in actual.items():
        for resource, amount in per.items():
            have = recorded.get((project, resource))
            if have is not None and have != amount:
                found.append((project, resource, have, amount))
    for (project, resource), have in recorded.items():
        if have and resource not in actual.get(project, {}):
            found.append((project, resource, have, 0))
    return sorted(found)


def sync(context, project_id=None):
    """Set every drifted counter to what the rows count; returns the drift
    found. Each project is repaired in one transaction that first takes
    its counters' locks, so no create slips between count and write."""
    with api.reader.using(context):
        projects = ({project_id} if project_id is not None else
                    {p for (p,) in context.session.query(U.project_id)
                     .distinct()})
    repaired = []
    for project in sorted(projects):
        with api.writer.using(context):
            context.session.execute(
                sa.update(U).where(U.project_id == project)
                .values(updated_at=timeutils.utcnow())
                .execution_options(synchronize_session=False))
            found = drift(context, project)
            for _, resource, _, amount in found:
                context.session.execute(
                    sa.update(U).where(U.project_id == project,
                                       U.resource == resource)
                    .values(in_use=amount)
                    .execution_options(synchronize_session=False))
            repaired.extend(found)
    return repaired


# --- limits ---------------------------------------------------------------

@api.reader
def project_limits(context, project_id):
    Q = models.Quota
    return dict(context.session.query(Q.resource, Q.hard_limit).filter(
        Q.project_id == project_id))


@api.reader
def class_limits(context, class_name):
    C = models.QuotaClass
    return dict(context.session.query(C.resource, C.hard_limit).filter(
        C.class_name == class_name))


def _upsert(context, model, key_column, key, values):
    try:
        with api.writer.using(context):
            rows = {r.resource: r for r in context.session.query(model)
                    .filter(getattr(model, key_column) == key)}
            for resource, limit in values.items():
                if resource in rows:
                    rows[resource].hard_limit = limit
                else:
                    context.session.add(model(**{key_column: key},
                                              resource=resource,
                                              hard_limit=limit))
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason='The quotas of %s were changed by another request at the '
                   'same time; send yours again.' % key)


def set_project_limits(context, project_id, values):
    _upsert(context, models.Quota, 'project_id', project_id, values)


def set_class_limits(context, class_name, values):
    _upsert(context, models.QuotaClass, 'class_name', class_name, values)


@api.writer
def delete_project_limits(context, project_id):
    """Back to the defaults: the project's own limits go."""
    context.session.query(models.Quota).filter(
        models.Quota.project_id == project_id).delete(
        synchronize_session=False)


@api.writer
def rename_type(context, old, new):
    """Per-type limits and counters follow a volume type's new name."""
    for model in (models.Quota, models.QuotaClass, U):
        for resource in PER_TYPE:
            context.session.query(model).filter(
                model.resource == typed(resource, old)).update(
                {'resource': typed(resource, new)},
                synchronize_session=False)
