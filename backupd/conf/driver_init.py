"""Driver-initialization options, the same pair for the backup and volume
services (``backup_*`` and ``volume_*``), declared once."""
from oslo_config import cfg


def init_opts(kind):
    return [
        cfg.BoolOpt('%s_periodic_initialization' % kind, default=True,
                    help='If the %(k)s driver fails to initialize at start '
                         '(do_setup + check_for_setup_error), retry every '
                         'periodic_interval seconds until it succeeds, so the '
                         'service comes up without a restart. If false, the '
                         'service stays down (with the reason in the log and '
                         'in the service list) until it is restarted. '
                         'Related: periodic_interval, '
                         '%(k)s_initialization_timeout.' % {'k': kind}),
        cfg.IntOpt('%s_initialization_timeout' % kind, default=60, min=1,
                   help='Seconds one %s driver initialization attempt may '
                        'take (for example against an unreachable Swift). A '
                        'slower attempt is abandoned and counted as failed; '
                        'no new attempt starts until it has really ended. '
                        'Related: %s_periodic_initialization.' % (kind, kind)),
    ]
