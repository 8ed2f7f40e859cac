"""Schema migrations (alembic) behind ``backupd-manage db sync|version``."""
import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

_DIR = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection):
    cfg = alembic_config.Config(os.path.join(_DIR, 'alembic.ini'))
    cfg.set_main_option('script_location', _DIR)
    cfg.attributes['connection'] = connection
    return cfg


def upgrade(engine, revision='head'):
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def version(engine):
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


def revision(engine, message):
    """Developer helper: autogenerate a migration against ``engine``."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
