"""Options of the backup service (driver choice and limits).

Options of a particular backup driver live in that driver's module.
"""
from oslo_config import cfg

from backupd import binaries
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
    cfg.BoolOpt('backup_change_tracking', default=True,
                help='Changed-block tracking: a backup reads its volume '
                     'through a snapshot that it keeps (hidden, counted in '
                     'the volume host\'s provisioned capacity) as the base '
                     'of the next incremental, which then reads and hashes '
                     'only the ranges the volume driver reports as changed '
                     'since that base. Needs a volume driver that can tell '
                     '(file on XFS with reflink=1 or btrfs, lvm with '
                     'lvm_type = thin); elsewhere backups read everything, '
                     'as they do when this is false. Turning it off removes '
                     'the kept bases at the next start of the backup '
                     'service.'),
    cfg.StrOpt('backup_topic', default=binaries.BACKUP,
               help='RPC topic the backup services listen on.'),
] + driver_init.init_opts('backup')


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
