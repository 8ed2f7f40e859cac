"""backupd's database layer pointed at a test database."""
import contextlib

from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

from backupd.db import api as db
from backupd.db import migration


@contextlib.contextmanager
def migrated(url):
    """Migrate the database at ``url`` to the latest schema and route
    backupd's enginefacade to it for the duration; yields the engine."""
    engine = sa.create_engine(url)
    migration.upgrade(engine)
    private = enginefacade.transaction_context()
    private.configure(connection=url)
    restore = db.main_context_manager.patch_factory(private)
    try:
        yield engine
    finally:
        private.writer.get_engine().dispose()
        restore()
        engine.dispose()
