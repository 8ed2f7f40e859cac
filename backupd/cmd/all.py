"""backupd-all: the embedded default, everything in one process.

API + volume service (file driver) + backup service (posix driver) on SQLite
and oslo.messaging's in-process ``fake://`` transport, all under
``state_path``. Starts with no config file at all: creates its state
directory and schema, and serves on 127.0.0.1:8776 with noauth. The schema
is migrated at every start (``backupd-manage db sync``'s upgrade) unless it
is at this release's head already.
"""
import backupd.cmd  # noqa: F401  (monkey-patches first)

import os

from oslo_log import log as logging

from backupd import binaries
from backupd.cmd import api as api_cmd
from backupd.cmd import backup as backup_cmd
from backupd.cmd import common
from backupd.cmd import errors
from backupd.cmd import volume as volume_cmd
from backupd.db import api as db
from backupd.db import migration
from backupd.manager.scrub import daemon
from backupd import utils

LOG = logging.getLogger(__name__)

EMBEDDED_DEFAULTS = {
    'auth_strategy': 'noauth',
    'volume_driver': 'file',
    'backup_driver': 'posix',
}


def build(conf):
    """backupd-all's state directory, schema and services, not started
    (tests/unit/test_cmd_imports.py runs this much of a start)."""
    os.makedirs(conf.state_path, exist_ok=True)
    # Only a database that is not at head (new, older, or newer than this
    # release) goes through alembic; one already there costs one SELECT.
    migration.sync(db.get_engine())
    LOG.info('backupd-all: state in %s, database %s', conf.state_path,
             utils.mask_url(conf.database.connection))
    backup = backup_cmd.build(conf)
    services = [volume_cmd.build(conf), backup, api_cmd.build(conf)]
    if conf.delayed_delete:
        # The scrubber daemon, on the backup service's driver once it is
        # ready; it holds the scrubber lock, so backupd-scrubber --restore
        # is refused meanwhile.
        services.append(daemon.ScrubberService(
            conf, driver_source=lambda ctx: backup.manager.driver,
            wait_ready=backup.manager.initializer.wait_ready))
    return services


@errors.operator_errors(binaries.ALL)
def main():
    conf = common.prepare(binaries.ALL, defaults=EMBEDDED_DEFAULTS,
                          default_transport_url='fake://')
    # One process: the in-process transport can't cross API workers.
    return common.launch(build(conf))
