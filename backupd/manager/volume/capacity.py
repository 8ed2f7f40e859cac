"""Report this host's capacity to the services table, for placement.

Runs once when the driver becomes ready and then every
``periodic_interval``; never over RPC (the manager does not expose it).
Measuring is blocking disk/LVM work, so the driver's ``get_stats()`` runs
in a native thread; the database write stays on the hub. A failed
measurement is logged and the previous report stays: placement then counts
the volumes created since that report on top of it (backupd.db.capacity).
"""
from oslo_log import log as logging
from oslo_utils import timeutils

from backupd.db import capacity as capacity_db
from backupd.manager.volume import common

LOG = logging.getLogger(__name__)


def report(mgr, context):
    if not mgr.ready or mgr.driver is None:
        return False
    # Taken before measuring: a volume created while we measure is newer
    # than the report, so placement counts it even if the figures did too.
    measured_at = timeutils.utcnow()
    try:
        stats = common.run_native(mgr.driver.get_stats)
        provisioned = capacity_db.provisioned_gb(context, mgr.host)
        values = {
            'total_capacity_gb': float(stats['total_capacity_gb']),
            'free_capacity_gb': float(stats['free_capacity_gb']),
            'provisioned_capacity_gb': float(provisioned),
            'thin_provisioning': bool(
                stats.get('thin_provisioning_support', False)),
            'reserved_percentage': mgr.conf.reserved_percentage,
            'max_over_subscription_ratio':
                mgr.conf.max_over_subscription_ratio,
            'volume_backend_name': stats.get('volume_backend_name'),
        }
        capacity_db.report(context, mgr.host, mgr.service_name, values,
                           measured_at)
    except Exception:
        LOG.exception('Could not report the capacity of volume host %s; '
                      'placement keeps using its previous report.', mgr.host)
        return False
    LOG.debug('Capacity of %s: %s', mgr.host, values)
    return True
