"""A POSIX backup driver on a directory, for driver tests and for tests
that need a real backup store (change tracking, the shared layout)."""
from oslo_config import cfg

from backupd.drivers.backup import posix
from tests.contracts import backup_driver_cases as cases


def make_posix_driver(root, **overrides):
    """A POSIX driver on ``root``; the chained layout unless
    ``backup_data_layout`` says otherwise (cases.CHAINED)."""
    conf = cfg.ConfigOpts()
    conf([])
    driver = posix.PosixBackupDriver(conf)
    conf.set_override('backup_posix_path', str(root))
    conf.set_override('backup_posix_min_free_space', 0)
    for name, value in {**cases.CHAINED, **overrides}.items():
        conf.set_override(name, value)
    driver.do_setup()
    return driver
