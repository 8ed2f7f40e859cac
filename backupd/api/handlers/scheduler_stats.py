"""GET /scheduler-stats/get_pools: the pools new volumes are placed on (admin).

One pool per up, enabled volume host
(backupd.api.host_selection.volume_pools), named ``host@backend#pool`` as
volumes show their host. The capabilities are the
figures placement uses: the host's last capacity report, with the volumes
created since counted in ``allocated_capacity_gb`` and taken off
``free_capacity_gb`` the way placement counts them.
"""
from backupd.api import host_selection
from backupd.api.views import volumes as volume_views
from backupd.api import wsgi
from backupd import exception
from backupd import policies
from backupd.policies import scheduler_stats as policy
from backupd import version

# Filters a 3.28+ request may give besides ``detail``.
FILTERS = ('name',)


def get_pools(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.GET_POOLS, {})
    detail = wsgi.bool_param(req, 'detail')
    wanted = _filters(req)
    pools = [_pool(service, capacity, detail)
             for service, capacity in host_selection.volume_pools()]
    pools = [p for p in pools
             if all(p[k] == v for k, v in wanted.items())]
    return wsgi.json_response({'pools': pools})


def _filters(req):
    # Before 3.28 Cinder ignores everything but ``detail``; so do we.
    if not wsgi.at_least(req, '3.28'):
        return {}
    unknown = sorted(set(req.GET) - set(FILTERS) - {'detail'})
    if unknown:
        raise exception.InvalidInput(
            reason='get_pools cannot filter on %s; filter on %s (and give '
                   'detail=true for capabilities)' % (
                       ', '.join(unknown), ', '.join(FILTERS)))
    return {k: req.GET[k] for k in FILTERS if k in req.GET}


def _pool(service, capacity, detail):
    name = volume_views.backend_host(service.host)
    pool = {'name': name}
    if detail:
        pool['capabilities'] = _capabilities(service, capacity, name)
    return pool


def _capabilities(service, capacity, name):
    backend = name.rsplit('#', 1)[1]
    reported = capacity.reported
    return {
        'pool_name': backend,
        'volume_backend_name': backend,
        'vendor_name': 'backupd',
        'driver_version': version.VERSION,
        'storage_protocol': 'local',
        'total_capacity_gb': _gb(capacity.total_gb) if reported else
        'unknown',
        # what placement may still hand out before the next report
        'free_capacity_gb': _gb(capacity.free_gb - capacity.pending_gb)
        if reported else 'unknown',
        'allocated_capacity_gb': _gb(capacity.provisioned_gb +
                                     capacity.pending_gb),
        'provisioned_capacity_gb': _gb(capacity.provisioned_gb +
                                       capacity.pending_gb),
        'reserved_percentage': capacity.reserved_percentage,
        'max_over_subscription_ratio': capacity.max_over_subscription_ratio,
        'thin_provisioning_support': capacity.thin,
        'thick_provisioning_support': not capacity.thin,
        'multiattach': False,
        'QoS_support': False,
        'backend_state': 'up',
        'updated': service.capacity_reported_at,
        'timestamp': service.capacity_reported_at,
    }


def _gb(value):
    return round(float(value), 2)
