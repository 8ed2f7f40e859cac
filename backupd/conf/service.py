"""Options every backupd process shares: identity, paths, liveness."""
import os
import socket

from oslo_config import cfg

OPTS = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='<hostname>',
               help='Name of this node. Services register under it and the '
                    'API sends a volume\'s backups to the backup service on '
                    'the volume\'s host. Must be unique per node and stable '
                    'across restarts.'),
    cfg.StrOpt('state_path', default=os.path.join(
                   os.path.expanduser('~'), '.local', 'share', 'backupd'),
               sample_default='~/.local/share/backupd',
               help='Top-level directory for backupd\'s state: the embedded '
                    'SQLite database, file volumes, POSIX backups and locks '
                    'live below it unless configured otherwise. The same '
                    'default for every command (backupd-all, backupd-manage, '
                    'backupd-scrubber ...), so without a config file they '
                    'all find the same state. A deployment sets it, for '
                    'example to /var/lib/backupd (doc/configuration.rst). '
                    'Related: volumes_dir, backup_posix_path, '
                    '[database] connection.'),
    cfg.StrOpt('storage_availability_zone', default='nova',
               help='Availability zone this node\'s services belong to; shown '
                    'as "zone" in the service list and as a volume\'s '
                    'availability_zone.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between two heartbeats a service writes to the '
                    'services table. Must be well below service_down_time.'),
    cfg.IntOpt('periodic_interval', default=60, min=1,
               help='Seconds between two runs of a manager\'s periodic tasks '
                    '(for example the retry of a failed driver '
                    'initialization).'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='A service whose last heartbeat is older than this many '
                    'seconds is shown "down" and gets no new work. Related: '
                    'report_interval.'),
    cfg.StrOpt('notification_publisher_id', default=None,
               help='publisher_id of notifications; defaults to '
                    '"<binary>.<host>".'),
]


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
