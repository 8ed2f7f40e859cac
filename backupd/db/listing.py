"""One page of an API list, by keyset over the list indexes (issue 15).

A page is ``SELECT <columns> WHERE <filters> AND <after the marker> ORDER
BY <keys>, created_at, id LIMIT n``: the marker's sort-key values bound the
index range, so the database reads the page's rows in index order and
stops (models.list_indexes), whatever the project's size. No OFFSET walk,
no sort of the project (tests/unit/test_db_query_plans.py).

Rows are namedtuples of only the columns the view prints (attribute access
like ORM rows, none of their cost); read them, never change them.

Tables without soft delete (group types, QoS specs) list every row;
their ``filters`` are equalities. ``where`` adds clauses a dict cannot say
(a user message's expiry).

NULLs: a nullable sort key (display_name, updated_at) pages correctly on
every engine: SQLite and MariaDB sort NULL first ascending, PostgreSQL
last, and the marker condition follows the engine's order.
"""
import sqlalchemy as sa

from backupd.db import api
from backupd import exception

# Cinder's tie-break (process_sort_params): created_at, then id, in the
# direction of the first sort key; id makes the order total.
TIE_BREAK = ('created_at', 'id')


def order(sort_keys, sort_dirs):
    """(keys, dirs) with the tie-break appended and nothing after ``id``."""
    keys = list(sort_keys or ['created_at'])
    dirs = list(sort_dirs or ['desc'])
    dirs += [dirs[-1]] * (len(keys) - len(dirs))
    for key in TIE_BREAK:
        if key not in keys:
            keys.append(key)
            dirs.append(dirs[0])
    last = keys.index('id') + 1
    return keys[:last], dirs[:last]


def _nulls_last_ascending(dialect_name):
    return dialect_name == 'postgresql'


def after_marker(model, keys, dirs, values, nulls_high):
    """The keyset condition, nested so that each level bounds an index
    range: ``k1 <= v1 AND (k1 < v1 OR (k1 = v1 AND <the same for k2>))``
    (``>=``/``>`` ascending). A NULL marker value, or NULLs sorting after
    the values, take the IS NULL forms of the same condition."""
    column = model.__table__.c[keys[0]]
    value, direction = values[0], dirs[0]
    rest = (after_marker(model, keys[1:], dirs[1:], values[1:], nulls_high)
            if len(keys) > 1 else None)
    nulls_after = column.nullable and (direction == 'asc') == nulls_high
    if value is None:
        # Only NULLs are left when they sort last; else every value too.
        tied = column.is_(None) if rest is None else sa.and_(
            column.is_(None), rest)
        return tied if nulls_after else sa.or_(column.isnot(None), tied)
    past = column > value if direction == 'asc' else column < value
    if nulls_after:
        past = sa.or_(past, column.is_(None))
    if rest is not None:
        past = sa.or_(past, sa.and_(column == value, rest))
    if nulls_after or rest is None:
        return past
    bound = column >= value if direction == 'asc' else column <= value
    return sa.and_(bound, past)


def _fixed_prefix(model, keys, dirs, values, nulls_high):
    """How many leading keys every row past the marker has NULL in (a NULL
    marker value where NULLs sort last): ordering by them is a no-op, and
    MariaDB sorts rather than read the index when asked to."""
    fixed = 0
    for key, direction, value in zip(keys, dirs, values):
        column = model.__table__.c[key]
        if not (value is None and column.nullable
                and (direction == 'asc') == nulls_high):
            break
        fixed += 1
    return fixed


def _clauses(model, filters):
    table = model.__table__
    if 'deleted' in table.c:
        return api.filter_clauses(model, filters, core=True)
    return [table.c[name] == value for name, value in filters.items()]


def page_query(model, columns, filters, keys, dirs, marker_values=None,
               limit=None, offset=None, dialect_name='sqlite', where=()):
    """The SELECT of one page (also what the query-plan test explains)."""
    table = model.__table__
    selected = [table.c[c] for c in columns] if columns else [table]
    stmt = sa.select(*selected).where(*_clauses(model, filters or {}),
                                      *where)
    ordered = list(zip(keys, dirs))
    if marker_values is not None:
        nulls_high = _nulls_last_ascending(dialect_name)
        stmt = stmt.where(after_marker(model, keys, dirs, marker_values,
                                       nulls_high))
        ordered = ordered[_fixed_prefix(model, keys, dirs, marker_values,
                                        nulls_high):]
    stmt = stmt.order_by(*[table.c[k].asc() if d == 'asc'
                           else table.c[k].desc() for k, d in ordered])
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    return stmt


@api.reader
def page(context, model, filters, sort_keys=None, sort_dirs=None,
         marker=None, limit=None, offset=None, columns=None, where=()):
    """Rows of one page: ``columns`` (names; None: every column) of the
    rows matching ``filters`` and the ``where`` clauses after the row whose
    id is ``marker``."""
    keys, dirs = order(sort_keys, sort_dirs)
    table = model.__table__
    for key in keys:
        if key not in table.c:
            raise exception.InvalidInput(reason='invalid sort key: %s' % key)
    marker_values = None
    if marker is not None:
        found = api.core_execute(
            context, sa.select(*[table.c[k] for k in keys])
            .where(table.c.id == marker)).first()
        if found is None:
            raise exception.InvalidInput(
                reason='marker %s does not name an existing item' % marker)
        marker_values = tuple(found)
    dialect = context.session.get_bind().dialect.name
    stmt = page_query(model, columns, filters, keys, dirs, marker_values,
                      limit, offset, dialect, where)
    return api.plain_rows(api.core_execute(context, stmt))
