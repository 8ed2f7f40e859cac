"""Every option backupd has, for oslo-config-generator.

Core areas and each driver module expose ``list_opts()``; this merges them
by group. Drivers are listed by module name so a generated sample documents
every driver, whichever one a deployment loads.
"""
import collections
import importlib

from oslo_config import cfg

from backupd.conf import AREAS

DRIVER_MODULES = (
    'backupd.drivers.backup.chunked',
    'backupd.drivers.backup.posix',
    'backupd.drivers.backup.swift',
    'backupd.drivers.volume.file',
    'backupd.drivers.volume.lvm',
)


def _driver_modules():
    for name in DRIVER_MODULES:
        try:
            yield importlib.import_module(name)
        except ImportError:
            # A driver whose issue has not landed yet has no module.
            continue


def list_opts():
    merged = collections.OrderedDict()
    sources = list(AREAS) + [m for m in _driver_modules() if hasattr(m, 'list_opts')]
    for source in sources:
        for group, opts in source.list_opts():
            merged.setdefault(group, []).extend(opts)
    return [(group, sorted(opts, key=lambda o: o.name))
            for group, opts in merged.items()]


def set_defaults(conf=cfg.CONF):
    """Defaults the generator and every process apply to library options."""
    from oslo_db import options as db_options
    db_options.set_defaults(
        conf, connection='sqlite:///$state_path/backupd.sqlite')
