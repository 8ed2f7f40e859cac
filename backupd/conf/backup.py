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
    cfg.IntOpt('backup_verify_interval', default=0, min=0,
               help='Seconds between two automatic verification passes of '
                    'this backup service: each re-reads and checks every '
                    'stored object of its available backups, one backup at '
                    'a time (as "backupd-manage backup verify --all"), and '
                    'reports each damaged backup with a backup.verify.error '
                    'notification and an error in the log. Checked every '
                    'periodic_interval. 0: never.'),
    cfg.StrOpt('backup_topic', default='backupd-backup',
               help='RPC topic the backup services listen on.'),
] + driver_init.init_opts('backup')


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
