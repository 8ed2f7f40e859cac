"""Database access: the enginefacade, generic queries, and THE conditional update.

Every status change in backupd goes through :func:`conditional_update`
(``UPDATE ... WHERE id = :id AND status IN (...)``), so two racing requests can
never both win: the loser sees ``False`` and reports the current state.
Calls nest: inside ``with writer.using(context)`` several calls share one
transaction.
"""
import collections

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils
import sqlalchemy as sa

from backupd import exception
from backupd.db import models

main_context_manager = enginefacade.transaction_context()
reader = main_context_manager.reader
writer = main_context_manager.writer

_NOT_FOUND = {
    models.Volume: lambda id_: exception.VolumeNotFound(volume_id=id_),
    models.Snapshot: lambda id_: exception.SnapshotNotFound(snapshot_id=id_),
    models.Backup: lambda id_: exception.BackupNotFound(backup_id=id_),
    models.Service: lambda id_: exception.ServiceNotFound(service_id=id_),
}


def configure(conf):
    """Point the engine facade at ``[database]`` options of ``conf``."""
    main_context_manager.configure(**dict(conf.database.items()))
    main_context_manager.append_on_engine_create(pool_sqlite_connections)


def pool_sqlite_connections(engine):
    """Keep SQLite connections open between transactions.

    oslo.db gives a SQLite file database a NullPool: every transaction
    opens a connection, which reads and parses the schema again, and closes
    it (a tenth of the CPU of a show, issue 15). SQLAlchemy 2's own default
    for such a database is a QueuePool; this puts one back, with the
    pool's listeners (oslo.db's connect-time pragmas) and its creator, as
    QueuePool.recreate() carries them (the pinned SQLAlchemy 2's Pool
    attributes).
    """
    old = engine.pool
    if engine.dialect.name != 'sqlite' or not isinstance(old,
                                                         sa.pool.NullPool):
        return
    # pool_size: oslo.db yields to other green threads as a connection is
    # checked in, before it is back in the pool, so an API serving N
    # requests at once holds up to N; connections past pool_size were
    # closed at each check-in and opened again (7 % of a show's CPU at
    # concurrency 10, issue 15).
    engine.pool = sa.pool.QueuePool(
        old._creator, pool_size=20, max_overflow=20, timeout=30,
        recycle=old._recycle, dialect=old._dialect, _dispatch=old.dispatch)


def get_engine():
    return main_context_manager.writer.get_engine()


def dispose_engine():
    """Drop pooled connections (after fork, or between test databases)."""
    try:
        main_context_manager.writer.get_engine().dispose()
    except Exception:  # not started yet
        pass


# --- generic queries -------------------------------------------------------

def _match(column, wanted):
    if isinstance(wanted, (list, tuple, set, frozenset)):
        return column.in_(list(wanted))
    if wanted is None:
        return column.is_(None)
    return column == wanted


def filter_clauses(model, filters, core=False):
    """WHERE clauses of a non-deleted row matching ``filters`` (column
    name -> value, collection of values or None). ``deleted = false``, not
    ``deleted IS false``: PostgreSQL and MariaDB use an index only for the
    former (models.list_indexes). ``core``: on the table's columns, for a
    Core statement (read-only rows without the ORM's row loading)."""
    source = model.__table__.c if core else model
    clauses = [source.deleted == sa.false()]
    for name, wanted in (filters or {}).items():
        clauses.append(_match(getattr(source, name), wanted))
    return clauses


@writer
def create(context, model, values):
    row = model(**values)
    context.session.add(row)
    context.session.flush()
    return row


@writer
def create_many(context, model, rows):
    """Insert ``rows`` (column dicts) in one transaction and one
    executemany: imports and seeding (tools/bench/api_bench.py)."""
    if rows:
        context.session.execute(sa.insert(model), [dict(r) for r in rows])


@reader
def get(context, model, id_, project_id=None, include_deleted=False,
        read_only=False):
    """One row by id; NotFound (404) when absent or another project's.

    ``read_only``: a Core row of every column (attributes as an ORM row,
    none of its cost; it cannot be changed), for a view."""
    if read_only:
        found = plain_rows(core_execute(
            context,
            _get_statement(model, include_deleted, project_id is not None),
            {'id_': id_, 'project_id': project_id}))
        row = found[0] if found else None
    else:
        query = context.session.query(model).filter(model.id == id_)
        if not include_deleted:
            query = query.filter(model.deleted == sa.false())
        if project_id is not None:
            query = query.filter(model.project_id == project_id)
        row = query.first()
    if row is None:
        raise _NOT_FOUND.get(model, lambda i: exception.NotFound())(id_)
    return row


def core_execute(context, statement, params=None):
    """Run a Core statement (of tables and columns, not ORM entities) on
    the transaction's connection. Session.execute takes the ORM's path for
    it too (plugin lookup, session events, result wrapping), for nothing:
    it does not autoflush for such a statement either. That path was about
    half the cost of a show's two reads (issue 15)."""
    return context.session.connection().execute(statement, params)


# column names -> the namedtuple class of such rows
_ROW_TYPES = {}


def plain_rows(result):
    """The rows of a Core ``result`` as namedtuples: attributes as an ORM
    row's, read at C speed (a SQLAlchemy Row's attribute goes through a
    Python __getattr__: 0.8 us, twenty times per item of a detail list)."""
    names = tuple(result.keys())
    row_type = _ROW_TYPES.get(names)
    if row_type is None:
        row_type = _ROW_TYPES[names] = collections.namedtuple('Row', names)
    return [row_type._make(row) for row in result.fetchall()]


# (model, include_deleted, by project) -> the SELECT of a read-only get:
# built once (building a 36-column SELECT costs more than running it).
_GET_STATEMENTS = {}


def _get_statement(model, include_deleted, by_project):
    key = (model, include_deleted, by_project)
    stmt = _GET_STATEMENTS.get(key)
    if stmt is None:
        table = model.__table__
        clauses = [table.c.id == sa.bindparam('id_')]
        if not include_deleted:
            clauses.append(table.c.deleted == sa.false())
        if by_project:
            clauses.append(table.c.project_id == sa.bindparam('project_id'))
        stmt = _GET_STATEMENTS[key] = sa.select(table).where(*clauses)
    return stmt


class Read:
    """One SELECT run by itself on a pooled DBAPI connection: no session,
    no transaction, no SQLAlchemy execution (issue 15).

    A show needs one row and its metadata, which one statement reads (a
    join), and one statement is consistent without a transaction on every
    engine. Around it, the enginefacade's reader made a session, checked a
    connection out, sent oslo.db's SQLite ``BEGIN``, rolled back, closed
    the session and checked the connection in; SQLAlchemy built a cache
    key of the statement, looked its compiled form up and wrapped the
    cursor: about half the CPU of a show. Here the statement is compiled
    once per dialect, its parameters put in the driver's order, and the
    rows converted as SQLAlchemy would (``result_processor`` of each
    column's type: SQLite's timestamps are text).

    What stays: the pool's checkout (MariaDB/PostgreSQL ping a connection
    first, pool_pre_ping) and check-in (a rollback, and oslo.db's yield to
    other green threads). A lost or refused connection raises oslo.db's
    DBConnectionError, as on the ORM path (the API answers 503 for it:
    api/middleware/faults.py). Use it only outside a
    transaction of the caller's: it reads on a connection of its own, so
    it would not see the caller's uncommitted changes.
    """

    def __init__(self, statement):
        self.statement = statement
        # dialect -> (sql, parameter names or None, values of the bound
        # literals, {name: bind processor}, row type, [(index, result
        # processor)])
        self._compiled = {}

    def compiled(self, dialect):
        """(SQL text, the names of its positional parameters or None when
        the driver takes them by name, the values of the statement's own
        literals, the parameters' conversions, row type, the result
        columns' conversions)."""
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            names = tuple(c.key for c in self.statement.selected_columns)
            binds = {}
            for name, bind in compiled.binds.items():
                process = bind.type.dialect_impl(dialect).bind_processor(
                    dialect)
                if process is not None:
                    binds[name] = process
            processors = []
            for index, column in enumerate(
                    self.statement.selected_columns):
                process = column.type.dialect_impl(dialect).result_processor(
                    dialect, None)
                if process is not None:
                    processors.append((index, process))
            found = self._compiled[dialect] = (
                compiled.string,
                tuple(compiled.positiontup) if compiled.positional else None,
                compiled.params, binds, collections.namedtuple('Row', names),
                processors)
        return found

    def driver_arguments(self, dialect, params):
        """(SQL text, parameters) as the driver takes them."""
        sql, order, literals, binds = self.compiled(dialect)[:4]
        values = dict(literals, **params)
        for name, process in binds.items():
            values[name] = process(values[name])
        return sql, (values if order is None else
                     tuple(values[name] for name in order))

    def rows(self, **params):
        """The rows as namedtuples (plain_rows): ``params`` are the
        statement's bind parameters by name."""
        engine = get_engine()
        sql, args = self.driver_arguments(engine.dialect, params)
        row_type, processors = self.compiled(engine.dialect)[4:]
        dbapi = engine.dialect.dbapi
        try:
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, args)
                    fetched = cursor.fetchall()
                finally:
                    cursor.close()
            finally:
                connection.close()      # back to the pool
        except (dbapi.OperationalError, dbapi.InterfaceError) as exc:
            # The cursor's own errors reach here untranslated (the pool's
            # checkout raises SQLAlchemy's, which the API maps itself).
            raise db_exc.DBConnectionError(exc) from exc
        if not processors:
            return [row_type._make(row) for row in fetched]
        rows = []
        for row in fetched:
            values = list(row)
            for index, process in processors:
                values[index] = process(values[index])
            rows.append(row_type._make(values))
        return rows


@reader
def get_all(context, model, filters=None, sort_keys=None, sort_dirs=None,
            marker=None, limit=None, offset=None):
    """Filtered, sorted, paginated rows (marker = id of the last row seen)."""
    query = context.session.query(model).filter(
        *filter_clauses(model, filters))
    sort_keys = list(sort_keys or ['created_at'])
    sort_dirs = list(sort_dirs or ['desc'] * len(sort_keys))
    if 'id' not in sort_keys:  # a stable total order for marker paging
        sort_keys.append('id')
        sort_dirs.append(sort_dirs[-1])
    marker_row = None
    if marker is not None:
        marker_row = context.session.query(model).filter(
            model.id == marker).first()
        if marker_row is None:
            raise exception.InvalidInput(
                reason='marker %s does not name an existing item' % marker)
    try:
        query = sqlalchemyutils.paginate_query(
            query, model, limit, sort_keys, marker=marker_row,
            sort_dirs=sort_dirs)
    except db_exc.InvalidSortKey as e:
        raise exception.InvalidInput(reason='invalid sort key: %s' % e)
    if offset:
        query = query.offset(offset)
    return query.all()


@reader
def count(context, model, filters=None):
    return context.session.query(sa.func.count(model.id)).filter(
        *filter_clauses(model, filters)).scalar()


@writer
def update(context, model, id_, values):
    """Update fields that are NOT a status (use conditional_update for those)."""
    assert 'status' not in values, 'status changes use conditional_update'
    return _update(context, model, id_, values, {}) == 1


@writer
def conditional_update(context, model, id_, values, expected):
    """Compare-and-swap: set ``values`` only while the row matches ``expected``.

    ``expected`` maps column names to a value or a collection of allowed
    values, e.g. ``{'status': ('available', 'error')}``. Returns True when
    the row matched and was changed, False when somebody else got there
    first or the row is not in an allowed state.
    """
    return _update(context, model, id_, values, expected) == 1


def _update(context, model, id_, values, expected):
    values = dict(values)
    values.setdefault('updated_at', timeutils.utcnow())
    stmt = (sa.update(model)
            .where(model.id == id_, *filter_clauses(model, expected))
            .values(**values)
            .execution_options(synchronize_session=False))
    return context.session.execute(stmt).rowcount


@writer
def soft_delete(context, model, id_, expected=None, values=None):
    """Mark a row deleted (conditionally); returns whether it matched."""
    values = dict(values or {})
    values.update(deleted=True, deleted_at=timeutils.utcnow())
    return _update(context, model, id_, values, expected or {}) == 1


# --- services --------------------------------------------------------------

@writer
def service_register(context, host, binary, topic, zone, rpc_version):
    """Find or create the row of (host, binary); returns its id."""
    row = context.session.query(models.Service).filter_by(
        host=host, binary=binary, deleted=False).first()
    if row is None:
        row = models.Service(host=host, binary=binary, topic=topic,
                             availability_zone=zone, rpc_version=rpc_version,
                             report_count=0, ready=False)
        context.session.add(row)
    else:
        row.topic, row.availability_zone = topic, zone
        row.rpc_version = rpc_version
    context.session.flush()
    return row.id


@writer
def service_heartbeat(context, service_id, ready, not_ready_reason):
    now = timeutils.utcnow()
    stmt = (sa.update(models.Service)
            .where(models.Service.id == service_id)
            .values(heartbeat_at=now, updated_at=now, ready=ready,
                    not_ready_reason=not_ready_reason,
                    report_count=models.Service.report_count + 1))
    return context.session.execute(stmt).rowcount == 1


@reader
def service_get_all(context, filters=None):
    return context.session.query(models.Service).filter(
        *filter_clauses(models.Service, filters)).order_by(
        models.Service.id).all()
