"""backupd-manage db sync refuses, exit 1 with a message, what it cannot
bring to the release's newest revision (the command as an operator runs
it, on a private SQLite file); backupd-all's start migrates as it does."""
import contextlib
import os
import sqlite3
import sys

from alembic import script
import pytest
import sqlalchemy

from backupd.db import migration
from tests.fixtures import schema_template
from tests.fixtures import services

MANAGE = os.path.join(os.path.dirname(sys.executable), 'backupd-manage')


def _manage(tmp_path, *args):
    conf = tmp_path / 'backupd.conf'
    conf.write_text('[DEFAULT]\nstate_path = %s\n[database]\n'
                    'connection = sqlite:///%s\n'
                    % (tmp_path, tmp_path / 'backupd.sqlite'))
    return services.run_script([MANAGE, '--config-file', str(conf)] +
                               list(args))


def test_db_sync_reaches_head_then_refuses_a_newer_releases_database(
        tmp_path):
    synced = _manage(tmp_path, 'db', 'sync')
    assert synced.returncode == 0, synced.stderr
    head = synced.stdout.strip().rsplit(' ', 1)[-1]
    assert synced.stdout.strip() == 'Database is at revision %s' % head
    assert head >= '0006'
    # the database the tests' backupd-all deployments start from is the
    # one db sync makes (tests/fixtures/schema_template.py)
    assert _contents(tmp_path / 'backupd.sqlite') == _contents(
        schema_template.template())

    # as if a newer release had migrated it
    with sqlite3.connect(tmp_path / 'backupd.sqlite') as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    refused = _manage(tmp_path, 'db', 'sync')
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert 'db sync failed' in refused.stderr
    assert "'9999'" in refused.stderr and head in refused.stderr
    assert 'Traceback' not in refused.stderr


def test_the_head_read_from_file_names_is_alembics():
    """Services read the shipped head from the scripts' file names (no
    alembic import at start): NNNN_what.py holds revision NNNN, whose
    down_revision is the number before it, so the highest number is the
    one head alembic finds."""
    scripts = script.ScriptDirectory(migration._DIR)
    assert scripts.get_heads() == [migration.head()]
    revisions = list(scripts.walk_revisions())
    assert len(revisions) == int(migration.head())
    for rev in revisions:
        assert os.path.basename(rev.path).startswith(rev.revision + '_')
        number = int(rev.revision)
        assert rev.down_revision == (None if number == 1
                                     else '%04d' % (number - 1))


def _contents(path):
    """A SQLite file's schema and rows, less the id and time the migration
    gives the default volume type."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        schema = sorted(conn.execute(
            'SELECT type, name, tbl_name, sql FROM sqlite_master'))
        rows = {}
        for kind, table, _, _ in schema:
            if kind == 'table':
                cursor = conn.execute('SELECT * FROM "%s"' % table)
                names = [column[0] for column in cursor.description]
                rows[table] = sorted(
                    tuple(None if name in ('id', 'created_at') else value
                          for name, value in zip(names, row))
                    for row in cursor)
    return schema, rows


def test_backupd_all_migrates_only_what_is_not_at_head(tmp_path):
    """What backupd-all runs at start (migration.sync, in this process):
    an older schema is upgraded, one at head left as it is, one of a newer
    release refused with db sync's message."""
    engine = sqlalchemy.create_engine(
        'sqlite:///%s' % (tmp_path / 'backupd.sqlite'))
    try:
        migration.upgrade(engine, '0003')
        head = migration.head()
        assert migration.sync(engine) == head == migration.version(engine)
        assert migration.sync(engine) == head
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(
                "UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(migration.MigrationError) as refused:
            migration.sync(engine)
        assert "'9999'" in str(refused.value) and head in str(refused.value)
    finally:
        engine.dispose()
