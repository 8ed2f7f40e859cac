"""Options of the outage handling: bounded RPC sends, operation leases and
the reconciler (doc/reliability.rst)."""
from oslo_config import cfg

OPTS = [
    cfg.FloatOpt('rpc_cast_timeout', default=5.0, min=0.5,
                 help='Seconds an RPC cast from the API may spend reaching '
                      'the message bus and a queue bound to the service\'s '
                      'topic (the mandatory flag makes an unroutable cast '
                      'an error, retried within this bound). When the '
                      'cast is still not delivered, the API puts the row '
                      'back as it was and answers 503 naming the broker. '
                      'Related: [oslo_messaging_rabbit] '
                      'amqp_durable_queues.'),
    cfg.IntOpt('reconcile_interval', default=60, min=1,
               help='Seconds between two passes of the reconciler of a '
                    'backup or volume service: it resumes or fails the '
                    'rows of its host left in a transient status '
                    '(creating, restoring, deleting, extending, ...) that '
                    'no live operation owns. Checked at every '
                    'periodic_interval, so the effective interval is at '
                    'least that. Related: operation_lease_time.'),
    cfg.IntOpt('operation_lease_time', default=180, min=3,
               help='Seconds an operation\'s lease on its row lasts; a '
                    'running service renews its leases at every '
                    'periodic_interval, so this must be several '
                    'periodic_intervals. A row whose lease expired (its '
                    'process died or lost the database that long), or '
                    'that nobody claimed for this long after the API '
                    'asked for the work (the request was lost), is '
                    'repaired by the reconciler of its host. Clocks of '
                    'the service hosts must agree (NTP) to well below '
                    'this. Related: reconcile_interval, periodic_interval.'),
]


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
