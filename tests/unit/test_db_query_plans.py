"""The queries of API lists and lookups ride indexes (issue 15), on SQLite,
MariaDB and PostgreSQL: no full scan of a table, no sort of a project.

Each case runs the real database function on a seeded database while
recording the SELECTs it sends, then asks the engine to EXPLAIN each one
with the same parameters. PostgreSQL is asked with enable_seqscan and
enable_sort off: it then still shows a Seq Scan or a Sort when no index
can serve the query, so the plan says whether one can (its planner
rightly prefers a sequential scan on a table this small).
"""
import contextlib
import datetime
import json

import pytest
import sqlalchemy as sa

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import listing
from backupd.db import metadata
from backupd.db import models
from backupd.manager import states
from tests.helpers import db_support

PROJECTS = ('p-small', 'p-big', 'p-other')
PER_PROJECT = 600
PAGE = 100
MODELS = (models.Volume, models.Snapshot, models.Backup)


def _rows(model, project, count):
    base = datetime.datetime(2025, 1, 1)
    for i in range(count):
        row = {'id': '%s-%s-%05d' % (model.__tablename__[:3], project, i),
               'project_id': project, 'user_id': 'u',
               'status': ('available', 'error', 'creating')[i % 3],
               'display_name': None if i % 7 == 0 else 'name-%d' % (i % 50),
               'created_at': base + datetime.timedelta(seconds=i // 2),
               'updated_at': (None if i % 5 == 0 else
                              base + datetime.timedelta(seconds=i % 97))}
        if model is models.Volume:
            row.update(size=1, host='host-%d' % (i % 4))
        elif model is models.Snapshot:
            row.update(volume_id='vol-%s-%05d' % (project, i))
        else:
            row.update(volume_id='vol-%s-%05d' % (project, i % 40),
                       host='host-%d' % (i % 4),
                       parent_id=('bac-%s-%05d' % (project, i - 1)
                                  if i % 10 == 9 else None))
        yield row


@contextlib.contextmanager
def _seeded(database_url):
    """A migrated database with PER_PROJECT rows of each model per project
    (volumes first: snapshot i is of volume i)."""
    with db_support.migrated(database_url) as engine:
        ctx = backupd_context.get_admin_context()
        for model in MODELS:
            for project in PROJECTS:
                db.create_many(ctx, model,
                               list(_rows(model, project, PER_PROJECT)))
        db.create_many(ctx, models.BackupMetadata, [
            {'backup_id': 'bac-%s-%05d' % (project, i), 'key': 'k',
             'value': str(i)}
            for project in PROJECTS for i in range(PER_PROJECT)])
        yield engine, ctx


@pytest.fixture(scope='module')
def seeded(module_database_url):
    """_seeded, statistics up to date; once per engine, as the tests only
    read."""
    with _seeded(module_database_url) as (engine, ctx):
        _analyze(engine)
        yield engine, ctx


@pytest.fixture
def seeded_sqlite_without_statistics(tmp_path):
    """_seeded on SQLite, never analyzed (as most SQLite files are)."""
    with _seeded('sqlite:///%s' % (tmp_path / 'plain.sqlite')) as seeded:
        yield seeded


def _analyze(engine):
    with engine.begin() as conn:
        if engine.dialect.name == 'sqlite':
            conn.exec_driver_sql('ANALYZE')
        elif engine.dialect.name == 'postgresql':
            conn.exec_driver_sql('ANALYZE')
        else:
            for table in models.Base.metadata.tables:
                conn.exec_driver_sql('ANALYZE TABLE `%s`' % table)


@contextlib.contextmanager
def _recorded(engine):
    """SELECTs (statement, parameters) sent while the block runs."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith('SELECT'):
            sent.append((statement, parameters))
    db_engine = db.main_context_manager.writer.get_engine()
    sa.event.listen(db_engine, 'before_cursor_execute', record)
    try:
        yield sent
    finally:
        sa.event.remove(db_engine, 'before_cursor_execute', record)


def _problems(engine, statement, parameters):
    """What is wrong with the plan of one SELECT ([] when nothing)."""
    name = engine.dialect.name
    with engine.connect() as conn:
        if name == 'sqlite':
            plan = conn.exec_driver_sql('EXPLAIN QUERY PLAN ' + statement,
                                        parameters).fetchall()
            return ['sqlite: %s' % row[-1] for row in plan
                    if row[-1].startswith('SCAN ') or 'TEMP B-TREE' in row[-1]]
        if name == 'postgresql':
            conn.exec_driver_sql('SET enable_seqscan = off')
            conn.exec_driver_sql('SET enable_sort = off')
            [[plan]] = conn.exec_driver_sql(
                'EXPLAIN (FORMAT JSON) ' + statement, parameters).fetchall()
            if isinstance(plan, str):
                plan = json.loads(plan)
            return ['postgresql: %s' % node['Node Type']
                    for node in _nodes(plan[0]['Plan'])
                    if node['Node Type'] in ('Seq Scan', 'Sort',
                                             'Incremental Sort')]
        rows = conn.exec_driver_sql('EXPLAIN ' + statement,
                                    parameters).mappings().fetchall()
        return ['mariadb: %s %s %s' % (r['table'], r['type'], r['Extra'])
                for r in rows if r['type'] in ('ALL', 'index')
                or 'filesort' in (r['Extra'] or '')]


def _nodes(node):
    yield node
    for child in node.get('Plans', ()):
        yield from _nodes(child)


def _assert_indexed(engine, call, what, sorts=False):
    """No full scan in the SELECTs ``call`` sends, and no sort unless
    ``sorts`` (a manager's few rows of one host may be sorted)."""
    with _recorded(engine) as sent:
        call()
    assert sent, what
    problems = []
    for statement, parameters in sent:
        problems += ['%s: %s\n    %s' % (what, p, statement)
                     for p in _problems(engine, statement, parameters)
                     if not (sorts and ('TEMP B-TREE' in p or 'Sort' in p
                                        or 'filesort' in p))]
    assert not problems, '\n'.join(problems)


def _list_filters(model, project):
    filters = {} if project is None else {'project_id': project}
    if model is models.Backup:
        filters.update(status=list(states.Backup.LISTED),
                       pending_delete_at=None)
    else:
        filters['is_temporary'] = False
    return filters


@pytest.mark.parametrize('model', MODELS, ids=lambda m: m.__tablename__)
def test_list_pages_ride_an_index(seeded, model):
    """First and following pages, each indexed sort key both ways, a
    project's list and an admin's all_tenants list (default order), and
    the status and name filters."""
    engine, ctx = seeded
    prefix = model.__tablename__[:3]
    marker = '%s-p-big-%05d' % (prefix, PER_PROJECT // 2)
    cases = []
    for key in models.INDEXED_SORT_KEYS:
        for direction in ('asc', 'desc'):
            cases.append(('p-big', {}, [key], [direction]))
    cases += [(None, {}, None, None),
              ('p-big', {'status': 'error'}, None, None),
              ('p-big', {'display_name': 'name-3'}, None, None)]
    for project, extra, keys, dirs in cases:
        filters = dict(_list_filters(model, project), **extra)
        for page_marker in (None, marker):
            _assert_indexed(
                engine, lambda: listing.page(
                    ctx, model, filters, keys, dirs, page_marker, PAGE,
                    columns=('id', 'display_name')),
                '%s %s sort %s %s marker %s' % (model.__tablename__, extra,
                                                keys, dirs, page_marker))


def test_backup_lookups_ride_an_index(seeded):
    """What a show and a list add to the page: the row, its dependents
    (a member's view hides delayed-deleted children), its metadata; and
    what the managers ask for (a host's rows by status)."""
    engine, ctx = seeded
    ids = ['bac-p-big-%05d' % i for i in range(PAGE)]
    calls = {
        'show': lambda: db.get(ctx, models.Backup, ids[0],
                               project_id='p-big'),
        'dependents': lambda: backup_db.delayed_deleted_children(ctx, ids),
        'metadata': lambda: metadata.of(ctx, models.Backup, ids),
        'on host': lambda: backup_db.on_host(ctx, 'host-1', ('creating',)),
        'count': lambda: db.count(ctx, models.Backup,
                                  _list_filters(models.Backup, 'p-big')),
    }
    for what, call in calls.items():
        _assert_indexed(engine, call, what, sorts=what == 'on host')


def test_show_read_rides_an_index(seeded):
    """A show's one statement (backup_db.for_show: the row, its metadata,
    a member's count of delayed-deleted children; api.Read, which sends
    it without SQLAlchemy's execution, so it is explained here rather than
    recorded), as an admin and as a member; and what it reads."""
    engine, ctx = seeded
    parent, child = 'bac-p-big-00008', 'bac-p-big-00009'
    db.update(ctx, models.Backup, child,
              {'pending_delete_at': datetime.datetime(2025, 2, 1)})
    db.update(ctx, models.Backup, parent, {'num_dependent_backups': 1})
    try:
        _check_show_read(engine, parent)
    finally:     # the module's other tests read the seed as it was
        db.update(ctx, models.Backup, child, {'pending_delete_at': None})
        db.update(ctx, models.Backup, parent, {'num_dependent_backups': 0})


def _check_show_read(engine, parent):
    columns = ('id', 'status', 'created_at', 'num_dependent_backups',
               'pending_delete_at')
    for project, hidden in ((None, False), ('p-big', True)):
        read = backup_db._show_read(columns, project is not None, hidden)
        params = dict(backup_id=parent, **({'project_id': project}
                                           if project else {}))
        statement, arguments = read.driver_arguments(engine.dialect,
                                                     params)
        problems = _problems(engine, statement, arguments)
        assert not problems, '\n'.join(problems + [statement])
        shown = backup_db.for_show(parent, columns, project_id=project,
                                   hidden_children=hidden)
        assert shown.row.id == parent
        assert shown.row.created_at == datetime.datetime(2025, 1, 1, 0, 0, 4)
        assert shown.metadata == {'k': '8'}
        assert shown.hidden_children == (1 if hidden else 0)
    assert backup_db.for_show(parent, columns, project_id='p-small') is None
    assert backup_db.for_show('nothing', columns) is None


def test_children_lookups_without_statistics(
        seeded_sqlite_without_statistics):
    """The delayed-deleted children of a member's show and list are
    looked up by parent_id also when SQLite has no statistics (it walked
    every live backup of the (deleted, created_at, id) index instead)."""
    engine, ctx = seeded_sqlite_without_statistics
    ids = ['bac-p-big-%05d' % i for i in range(PAGE)]
    _assert_indexed(engine, lambda: backup_db.delayed_deleted_children(
        ctx, ids), 'dependents')
    # a delete's check for incrementals that need the parent's data
    _assert_indexed(engine, lambda: backup_db.data_dependents(ctx, ids[0]),
                    'data dependents')
    read = backup_db._show_read(('id',), True, True)
    statement, arguments = read.driver_arguments(
        engine.dialect, {'backup_id': ids[0], 'project_id': 'p-big'})
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(
            'EXPLAIN QUERY PLAN ' + statement, arguments)]
    assert any('backups_parent_idx' in step for step in plan), plan


def test_pages_follow_each_other_with_nulls(seeded):
    """Following markers walks every row once in the engine's order, also
    by a nullable key (display_name, updated_at) in both directions."""
    _, ctx = seeded
    filters = _list_filters(models.Backup, 'p-big')
    everything = {r.id for r in listing.page(ctx, models.Backup, filters,
                                             columns=('id',))}
    assert len(everything) == PER_PROJECT
    for key in ('display_name', 'updated_at', 'status', 'created_at'):
        for direction in ('asc', 'desc'):
            whole = [r.id for r in listing.page(
                ctx, models.Backup, filters, [key], [direction],
                columns=('id',))]
            seen, marker = [], None
            while True:
                rows = listing.page(ctx, models.Backup, filters, [key],
                                    [direction], marker, 37,
                                    columns=('id',))
                seen += [r.id for r in rows]
                if len(rows) < 37:
                    break
                marker = rows[-1].id
            assert seen == whole, (key, direction)
            assert set(seen) == everything
