"""Options of the backup service (driver choice and limits).

Options of a particular backup driver live in that driver's module.
"""
from oslo_config import cfg

from backupd.conf import driver_init

OPTS = [
    cfg.StrOpt('backup_driver', default='posix',
               help='Backup driver, by its name in the '
                    '"backupd.backup_drivers" entry point namespace: "posix" '
                    '(a directory tree, NFS included) or "swift".'),
    cfg.IntOpt('backup_max_operations', default=4, min=0,
               help='How many backup and restore operations one backup '
                    'service runs at once; more wait their turn. 0 means '
                    'no limit.'),
    cfg.StrOpt('backup_topic', default='backupd-backup',
               help='RPC topic the backup services listen on.'),
] + driver_init.init_opts('backup')


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
