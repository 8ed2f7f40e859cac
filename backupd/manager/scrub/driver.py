"""The scrubber's backup driver: ``backup_driver`` through stevedore, set up
exactly as the backup manager does it (bounded, on a native thread)."""
from backupd import exception
from backupd.manager.backup import manager as backup_manager


def load(conf, context):
    """An initialized driver; DriverNotInitialized naming why not."""
    mgr = backup_manager.BackupManager(conf, conf.host)
    if not mgr.initializer.attempt(context):
        raise exception.DriverNotInitialized(
            driver=mgr.driver_name(), host=conf.host,
            reason=mgr.not_ready_reason)
    return mgr.initializer.driver
