"""The LVM driver's options and how it is found (no lvm2 command runs)."""
from oslo_config import cfg
import pytest
from stevedore import driver as stevedore_driver

from backupd.conf import opts as conf_opts
from backupd.drivers.volume import lvm

NAMES = {'volume_group', 'lvm_type', 'lvm_snapshot_size_ratio',
         'volume_clear', 'volume_clear_size', 'root_helper', 'lvm_conf_file',
         'lvm_dev_dir'}


def test_options_are_listed_with_help():
    [(group, opts)] = lvm.list_opts()
    assert group is None and opts is lvm.OPTS
    assert {opt.name for opt in opts} == NAMES
    assert all(len(opt.help) > 40 for opt in opts)


def test_config_generator_lists_them():
    listed = {opt.name for group, opts in conf_opts.list_opts()
              if group is None for opt in opts}
    assert NAMES <= listed


def test_loaded_by_name_registering_options_on_the_given_conf():
    conf = cfg.ConfigOpts()
    manager = stevedore_driver.DriverManager(
        'backupd.volume_drivers', 'lvm', invoke_on_load=True,
        invoke_args=(conf,), invoke_kwds={'host': 'node1'})
    driver = manager.driver
    assert isinstance(driver, lvm.LVMVolumeDriver)
    assert driver.supports_snapshot_local_path is True and driver.host == 'node1'
    conf([], project='backupd-test', default_config_files=[],
         default_config_dirs=[])
    assert (conf.volume_group, conf.lvm_type, conf.volume_clear) == (
        'backupd-volumes', 'default', 'zero')
    assert 'volume_group' not in cfg.CONF
    assert driver.local_path('v1') == '/dev/backupd-volumes/volume-v1'
    assert driver.snapshot_path('s1', 'v1') == \
        '/dev/backupd-volumes/_snapshot-s1'


def test_lvm_type_is_checked():
    conf = cfg.ConfigOpts()
    lvm.LVMVolumeDriver(conf)
    conf([], project='backupd-test', default_config_files=[],
         default_config_dirs=[])
    with pytest.raises(ValueError):
        conf.set_override('lvm_type', 'thick')
