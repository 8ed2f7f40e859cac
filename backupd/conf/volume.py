"""Options of the volume service (driver choice and limits).

Options of a particular volume driver live in that driver's module.
"""
from oslo_config import cfg

from backupd import binaries
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
    cfg.IntOpt('reserved_percentage', default=0, min=0, max=100,
               help='Percentage of this volume host\'s total capacity kept '
                    'free: the API places a new volume here only if it fits '
                    'in the free space minus this reserve (as Cinder\'s '
                    'reserved_percentage). Read by backupd-volume and '
                    'reported with its capacity, so each host may set its '
                    'own. Possible values: 0 to 100. Related: '
                    'max_over_subscription_ratio, periodic_interval.'),
    cfg.FloatOpt('max_over_subscription_ratio', default=20.0, min=1.0,
                 help='Thin provisioning (file volumes are sparse, LVM with '
                      'lvm_type = thin): the sum of the sizes of this host\'s '
                      'volumes, including the new one, may reach at most '
                      'this ratio times its total capacity minus the '
                      'reserve. 1.0 means no over-subscription. Ignored for '
                      'thick volumes (lvm_type = default). Cinder\'s option '
                      'of the same name and default; its "auto" value is not '
                      'supported. Reported with the host\'s capacity. '
                      'Possible values: a number >= 1.0. Related: '
                      'reserved_percentage.'),
    cfg.StrOpt('volume_topic', default=binaries.VOLUME,
               help='RPC topic the volume services listen on.'),
] + driver_init.init_opts('volume')


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
