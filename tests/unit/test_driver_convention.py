"""Both driver kinds follow one convention (backupd/drivers/base.py): an ABC,
``supports_*`` capability flags, options declared in ``OPTS`` and registered
by the base class on the conf it is given."""
import importlib
import inspect

from oslo_config import cfg
import pytest
import stevedore

from backupd.drivers import base as driver_base
from backupd.drivers.backup import base as backup_base
from backupd.drivers.volume import base as volume_base
from backupd.drivers.volume import file as file_driver

NAMESPACES = ('backupd.backup_drivers', 'backupd.volume_drivers')

# What the volume service answers over RPC (``capabilities``) and the backup
# service reads (backupd/manager/backup/common.py): the wire names.
VOLUME_WIRE_CAPABILITIES = {'snapshot_local_path', 'reflink',
                            'change_tracking'}


def _drivers():
    found = []
    for namespace in NAMESPACES:
        extensions = stevedore.ExtensionManager(namespace)
        assert extensions.names(), namespace
        found += [pytest.param(ext.plugin, id='%s:%s' % (namespace, ext.name))
                  for ext in extensions]
    return found


def _declared_opts(cls):
    """Options the classes of cls's hierarchy list for the generator."""
    names = set()
    for klass in cls.__mro__:
        if 'OPTS' in vars(klass) and klass.OPTS:
            module = importlib.import_module(klass.__module__)
            [(group, opts)] = module.list_opts()
            assert group is None and opts is klass.OPTS, klass
            names |= {opt.name for opt in opts}
    return names


@pytest.mark.parametrize('cls', _drivers())
def test_the_base_registers_what_the_driver_declares(cls):
    assert issubclass(cls, driver_base.Driver)
    assert not inspect.isabstract(cls)
    declared = _declared_opts(cls)
    assert declared, 'every driver has options'
    conf = cfg.ConfigOpts()
    before = set(conf)      # oslo.config's own (config_source, ...)
    cls(conf)
    assert set(conf) - before == declared
    assert not declared & set(cfg.CONF)


@pytest.mark.parametrize('cls', _drivers())
def test_capabilities_are_supports_flags(cls):
    flags = cls.capability_flags()
    assert flags and all(f.startswith('supports_') for f in flags)
    caps = cls(cfg.ConfigOpts()).capabilities()
    assert set(caps) == {f[len('supports_'):] for f in flags}
    assert all(isinstance(v, bool) for v in caps.values())


def test_both_bases_are_abstract():
    for base, kind in ((backup_base.BackupDriver, 'backup'),
                       (volume_base.VolumeDriver, 'volume')):
        assert inspect.isabstract(base), kind
        with pytest.raises(TypeError):
            type('Incomplete', (base,), {})(cfg.ConfigOpts())
    assert {'create_volume', 'delete_volume', 'create_snapshot',
            'local_path', 'get_capacity_gb'} <= \
        volume_base.VolumeDriver.__abstractmethods__
    assert {'backup', 'restore', 'delete_backup'} <= \
        backup_base.BackupDriver.__abstractmethods__


def test_volume_capabilities_keep_their_wire_names(tmp_path):
    # The backup service of an older release reads these keys: renaming a
    # flag must not rename what goes over RPC or into the stats.
    driver = file_driver.FileVolumeDriver(cfg.ConfigOpts(), host='node1')
    driver.conf.set_override('volumes_dir', str(tmp_path))
    driver.do_setup()
    driver.check_for_setup_error()
    caps = driver.capabilities()
    assert set(caps) == VOLUME_WIRE_CAPABILITIES
    assert caps['snapshot_local_path'] is True
    # ext4 here: no reflink, so no changed-block tracking either
    assert caps['reflink'] is caps['change_tracking'] is \
        driver.supports_reflink
    stats = driver.get_stats()
    assert {k: stats[k] for k in caps} == caps
