"""PUT /os-services/{action}: enable, disable, disable-log-reason (admin);
freeze and thaw check the host and are refused (no replication).

A disabled service keeps running and keeps its work, but new volumes and
backups are not placed on it (backupd.api.host_selection reads
``disabled``). The body names the service by ``host`` and ``binary``
(``cinder-volume`` or ``backupd-volume``, either name).
"""
from backupd.api import service_hosts
from backupd.api import wsgi
from backupd import binaries
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd import names
from backupd import policies
from backupd.policies import services as policy

_HOST_BINARY = {
    'type': 'object',
    'properties': {'host': {'type': 'string', 'minLength': 1,
                            'maxLength': 255},
                   'binary': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
                   'disabled_reason': {'type': ['string', 'null'],
                                       'maxLength': names.MAX_CHARS,
                                       'format': names.TEXT_FORMAT}},
    'required': ['host', 'binary'],
}
_HOST = {
    'type': 'object',
    'properties': {'host': {'type': 'string', 'minLength': 1,
                            'maxLength': 255}},
    'required': ['host'],
}


def update(req, action):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.UPDATE, {})
    handler = ACTIONS.get(action)
    if handler is None:
        raise exception.NotFound(
            message='os-services has no action %r; backupd serves %s '
                    '(failover_host, failover, set-log and get-log are not '
                    'implemented).' % (action, ', '.join(sorted(ACTIONS))))
    return handler(req)


def _service(body):
    rows = service_hosts.services(body['host'], body['binary'])
    if not rows:
        raise exception.NotFound(
            message='No %s service on host %s; see GET /os-services.'
                    % (body['binary'], body['host']))
    return rows[0]


def _set(req, disabled, reason_required=False):
    body = wsgi.extract_json(req, _HOST_BINARY)
    reason = body.get('disabled_reason')
    if reason_required:
        if reason is None or not reason.strip():
            raise exception.InvalidInput(
                reason='disable-log-reason needs "disabled_reason", a '
                       'non-empty string (why the service is disabled).')
    row = _service(body)
    db.update(backupd_context.get_admin_context(), models.Service, row.id,
              {'disabled': disabled,
               'disabled_reason': reason if disabled else None})
    view = {'host': row.host, 'binary': binaries.shown(row.binary),
            'service': binaries.shown(row.binary), 'disabled': disabled,
            'status': 'disabled' if disabled else 'enabled'}
    if reason_required or not disabled:
        view['disabled_reason'] = reason if disabled else None
    return wsgi.json_response(view)


def _enable(req):
    return _set(req, False)


def _disable(req):
    return _set(req, True)


def _disable_log_reason(req):
    return _set(req, True, reason_required=True)


def _replication(req):
    body = wsgi.extract_json(req, _HOST)
    if not service_hosts.services(body['host'], binaries.VOLUME):
        raise exception.InvalidInput(
            reason='No volume service on host %s; see GET /os-services.'
                   % body['host'])
    raise exception.InvalidInput(
        reason='backupd volumes are not replicated: freeze and thaw (which '
               'prepare a replication failover) are not supported on %s.'
               % body['host'])


ACTIONS = {
    'enable': _enable,
    'disable': _disable,
    'disable-log-reason': _disable_log_reason,
    'freeze': _replication,
    'thaw': _replication,
}
