"""GET /os-hosts, /os-hosts/{host_name} and /capabilities/{host} (admin).

The hosts are the services' hosts; a volume service's is shown as Cinder
names it, ``host@backend`` (backupd.api.service_hosts). A volume host's
detail is its usage: volumes and snapshots, in total and per project.
"""
from oslo_config import cfg

from backupd.api import service_hosts
from backupd.api import wsgi
from backupd import binaries
from backupd import context as backupd_context
from backupd.db import aggregates
from backupd.db import api as db
from backupd import exception
from backupd import policies
from backupd.policies import services as policy
from backupd import servicegroup
from backupd import version


def _host_name(service):
    if service.binary == binaries.VOLUME:
        return service_hosts.backend_host(service.host)
    return service.host


def index(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.HOSTS, {})
    rows = db.service_get_all(backupd_context.get_admin_context())
    if 'zone' in req.GET:
        rows = [r for r in rows if r.availability_zone == req.GET['zone']]
    return wsgi.json_response({'hosts': [{
        'host_name': _host_name(row),
        'service': binaries.shown(row.binary),
        'zone': row.availability_zone,
        'service-state': 'disabled' if row.disabled else 'enabled',
        'service-status': ('unavailable' if servicegroup.why_down(
            row, cfg.CONF) else 'available'),
        'last-update': servicegroup.last_seen(row),
    } for row in rows]})


def _volume_service(host_name):
    rows = service_hosts.services(host_name, binaries.VOLUME)
    if not rows:
        raise exception.NotFound(
            message='No volume service on host %s; see GET /os-hosts.'
                    % host_name)
    return rows[0]


def show(req, host_name):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.HOSTS, {})
    service = _volume_service(host_name)
    if service.disabled:
        raise exception.NotFound(
            message='The volume service on %s is disabled; enable it '
                    '(PUT /os-services/enable) to see its usage.' % host_name)
    usage = aggregates.host_usage(ctx, service.host)
    total = [sum(figures[i] for figures in usage.values()) for i in range(4)]
    name = service_hosts.backend_host(service.host)
    return wsgi.json_response({'host': [
        {'resource': _resource(name, project, figures)}
        for project, figures in [('(total)', total)] + sorted(usage.items())
    ]})


def _resource(host, project, figures):
    volumes, volume_gb, snapshots, snapshot_gb = figures
    return {'host': host, 'project': project,
            'volume_count': str(volumes), 'total_volume_gb': str(volume_gb),
            'snapshot_count': str(snapshots),
            'total_snapshot_gb': str(snapshot_gb)}


def capabilities(req, host):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.CAPABILITIES, {})
    service = _volume_service(host)
    backend = service_hosts.backend_name()
    return wsgi.json_response({
        'namespace': 'OS::Storage::Capabilities::%s'
                     % service_hosts.backend_host(service.host),
        'volume_backend_name': backend,
        'pool_name': backend,
        'vendor_name': service_hosts.VENDOR_NAME,
        'driver_version': version.VERSION,
        'storage_protocol': service_hosts.STORAGE_PROTOCOL,
        'display_name': None,
        'description': None,
        'visibility': None,
        'replication_targets': [],
        'properties': {
            'thin_provisioning': {
                'title': 'Thin Provisioning',
                'description': 'Volumes take space as data is written '
                               '(reflink and sparse copies).',
                'type': 'boolean'},
        },
    })
