"""Schema migrations (alembic) behind ``backupd-manage db sync|version``."""
import logging
import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from alembic import util as alembic_util

_DIR = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection):
    cfg = alembic_config.Config(os.path.join(_DIR, 'alembic.ini'))
    cfg.set_main_option('script_location', _DIR)
    cfg.attributes['connection'] = connection
    return cfg


class MigrationError(Exception):
    """db sync cannot bring the schema where the service needs it."""


def shipped_head():
    """The newest revision shipped with this package; raises when none."""
    heads = alembic_script.ScriptDirectory(_DIR).get_heads()
    if not heads:
        raise MigrationError(
            'No migration scripts found in %s: this backupd installation '
            'is incomplete (its package lacks migrations/versions). '
            'Reinstall backupd from a complete wheel or sdist.'
            % os.path.join(_DIR, 'versions'))
    return heads[0]


def upgrade(engine, revision='head'):
    """Upgrade to ``revision``; to head, the schema must end at head."""
    newest = shipped_head()
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


def version(engine):
    # Reading the revision is no event: keep alembic's "Context impl ..."
    # lines out of every command's output.
    alembic_log = logging.getLogger('alembic.runtime.migration')
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        with engine.connect() as connection:
            return alembic_migration.MigrationContext.configure(
                connection).get_current_revision()
    finally:
        alembic_log.setLevel(level)


def revision(engine, message):
    """Developer helper: autogenerate a migration against ``engine``."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def head():
    """The revision this code's migrations end at."""
    from alembic import script
    return script.ScriptDirectory.from_config(_config(None)).get_current_head()
