"""Backup drivers are found by name through stevedore and list their
options for the config generator (and so the checked-in sample)."""
import os

from oslo_config import cfg
import pytest
from stevedore import driver as stevedore_driver

from backupd.conf import opts as conf_opts
from backupd.drivers.backup import base
from backupd.drivers.backup import chunked
from backupd.drivers.backup import posix
from backupd.drivers.backup import swift

SAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', 'etc',
                      'backupd', 'backupd.conf.sample')


@pytest.mark.parametrize('name, cls', [('posix', posix.PosixBackupDriver),
                                       ('swift', swift.SwiftBackupDriver)])
def test_loads_by_name_through_its_entry_point(name, cls):
    conf = cfg.ConfigOpts()
    manager = stevedore_driver.DriverManager(
        'backupd.backup_drivers', name, invoke_on_load=True,
        invoke_args=(conf,))
    assert type(manager.driver) is cls
    assert isinstance(manager.driver, base.BackupDriver)


@pytest.mark.parametrize('module', [chunked, posix, swift])
def test_driver_options_reach_the_generator_and_the_sample(module):
    # conf/opts.py skips a driver module it cannot import; this makes such
    # a module's options missing from the sample a test failure.
    generated = {opt.name for _, group in conf_opts.list_opts()
                 for opt in group}
    with open(SAMPLE) as f:
        sample = f.read()
    [(group, options)] = module.list_opts()
    assert group is None and options
    for opt in options:
        assert opt.name in generated
        assert '\n#%s = ' % opt.name in sample, opt.name
