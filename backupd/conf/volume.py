"""Options of the volume service (driver choice and limits).

Options of a particular volume driver live in that driver's module.
"""
from oslo_config import cfg

from backupd.conf import driver_init

OPTS = [
    cfg.StrOpt('volume_driver', default='file',
               help='Volume driver, by its name in the '
                    '"backupd.volume_drivers" entry point namespace: "file" '
                    '(sparse files) or "lvm" (logical volumes).'),
    cfg.StrOpt('volume_backend_name', default=None,
               help='Backend name shown in a volume\'s host '
                    '("host@backend#pool"); defaults to the driver name.'),
    cfg.IntOpt('max_volume_size', default=1024, min=1,
               help='Largest volume, in GiB, that can be created or '
                    'extended to.'),
    cfg.StrOpt('volume_topic', default='backupd-volume',
               help='RPC topic the volume services listen on.'),
] + driver_init.init_opts('volume')


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
