"""Configuration: ``CONF`` and the one place that registers every core option.

Area modules only *declare* options; :func:`register_all` is called here once
so importing an area module never changes global state. Drivers declare and
register their own options when they are loaded (they own them).
"""
from oslo_config import cfg

from backupd.conf import api
from backupd.conf import backup
from backupd.conf import reliability
from backupd.conf import quota
from backupd.conf import scrubber
from backupd.conf import service
from backupd.conf import volume

CONF = cfg.CONF

AREAS = (service, api, backup, volume, scrubber, quota, reliability)


def register_all(conf):
    for area in AREAS:
        area.register(conf)


register_all(CONF)
