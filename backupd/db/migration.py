"""Schema migrations (alembic) behind ``backupd-manage db sync|version``.

Every service checks the schema at start (cmd/common.require_database):
that check reads the revision with one SELECT and the shipped head from the
file names, so a start does not import alembic or load every migration
script (a quarter of a service's import time). Alembic is imported only to
migrate: backupd-all's start (``sync``) on a database already at head does
not import it either.
"""
import logging
import os
import re

import sqlalchemy as sa

_DIR = os.path.join(os.path.dirname(__file__), 'migrations')
_VERSIONS = os.path.join(_DIR, 'versions')
# versions/NNNN_what.py holds revision 'NNNN' whose down_revision is the
# number before it: one line of history, so the head is the highest
# number (tests/unit/test_db_sync.py checks the rule against alembic's own
# reading of the scripts).
SCRIPT_NAME = re.compile(r'(\d{4})_\w+\.py\Z')


def _config(connection):
    from alembic import config as alembic_config
    cfg = alembic_config.Config(os.path.join(_DIR, 'alembic.ini'))
    cfg.set_main_option('script_location', _DIR)
    cfg.attributes['connection'] = connection
    return cfg


class MigrationError(Exception):
    """db sync cannot bring the schema where the service needs it."""


def head():
    """The newest revision shipped with this package; raises when none."""
    try:
        found = [m.group(1) for m in map(SCRIPT_NAME.match,
                                         os.listdir(_VERSIONS)) if m]
    except FileNotFoundError:
        found = []
    if not found:
        raise MigrationError(
            'No migration scripts found in %s: this backupd installation '
            'is incomplete (its package lacks migrations/versions). '
            'Reinstall backupd from a complete wheel or sdist.' % _VERSIONS)
    return max(found)


def upgrade(engine, revision='head'):
    """Upgrade to ``revision``; to head, the schema must end at head."""
    from alembic import command
    from alembic import util as alembic_util
    newest = head()
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), revision)
    except alembic_util.CommandError as e:
        # e.g. a database migrated by a newer release than this one
        raise MigrationError(
            '%s. This release\'s newest revision is %s; a database at a '
            'revision it does not know was migrated by another (newer?) '
            'release: install that release, or restore the database\'s '
            'backup.' % (str(e).rstrip('.'), newest))
    reached = version(engine)
    if revision == 'head' and reached != newest:
        raise MigrationError(
            'Database is at revision %s after db sync, below head %s. '
            'Check [database] connection and the alembic_version table.'
            % (reached, newest))
    return reached


def sync(engine):
    """``upgrade(engine)`` unless the database is at head already, which
    one SELECT tells without importing alembic (backupd-all at every
    start). Anything else (no schema, an older one, a revision this release
    does not know) goes through ``upgrade`` as before."""
    newest = head()     # no scripts: upgrade's own error, before connecting
    if version(engine) == newest:
        return newest
    return upgrade(engine)


def version(engine):
    """The database's revision; None for a database without a schema."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table('alembic_version'):
            return None
        return connection.execute(sa.text(
            'SELECT version_num FROM alembic_version')).scalar()


def revision(engine, message):
    """Developer helper: autogenerate a migration against ``engine``."""
    from alembic import command
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
