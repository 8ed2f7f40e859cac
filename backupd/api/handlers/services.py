"""GET /os-services: the services and whether they are up (admin)."""
from oslo_config import cfg

from backupd.api import wsgi
from backupd import binaries
from backupd import context as backupd_context
from backupd.db import api as db
from backupd import policies
from backupd.policies import services as service_policies
from backupd import servicegroup


def _view(req, service):
    conf = cfg.CONF
    down_reason = servicegroup.why_down(service, conf)
    body = {
        'binary': binaries.shown(service.binary),
        'host': service.host,
        'zone': service.availability_zone,
        'status': 'disabled' if service.disabled else 'enabled',
        'state': 'down' if down_reason else 'up',
        'updated_at': servicegroup.last_seen(service),
        # Cinder shows only the admin's reason; why a service is down (a
        # driver not ready, the bus or the database lost) is the likelier
        # question here, so say that too.
        'disabled_reason': service.disabled_reason or down_reason,
    }
    if wsgi.at_least(req, '3.7'):  # clustered services: none here
        body['cluster'] = None
    if wsgi.at_least(req, '3.49') and service.binary == binaries.VOLUME:
        # the volume backend itself: its driver initialized or not
        body['backend_state'] = 'up' if service.ready else 'down'
    return body


def index(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, service_policies.INDEX, {})
    filters = {k: req.GET[k] for k in ('host', 'binary') if k in req.GET}
    if 'binary' in filters:
        filters['binary'] = binaries.stored(filters['binary'])
    rows = db.service_get_all(backupd_context.get_admin_context(), filters)
    return wsgi.json_response({'services': [_view(req, s) for s in rows]})
