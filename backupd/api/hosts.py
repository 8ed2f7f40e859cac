"""Which service host gets work, decided from the services table.

A service gets work only when it is up (servicegroup: recent heartbeat
and ready) and enabled; otherwise the API answers 503 naming the host and
the reason, so the user knows what to start or fix.
"""
import random

from oslo_config import cfg

from backupd import context as backupd_context
from backupd.db import api as db
from backupd import exception
from backupd import servicegroup

VOLUME_BINARY = 'backupd-volume'


def _why_unusable(service):
    reason = servicegroup.why_down(service, cfg.CONF)
    if reason is None and service.disabled:
        reason = 'it is disabled (%s)' % (service.disabled_reason or
                                          'no reason given')
    return reason


def require_up(host, binary, purpose):
    """503 naming the host and the problem unless ``binary`` on ``host`` is
    up and enabled."""
    rows = db.service_get_all(backupd_context.get_admin_context(),
                              {'host': host, 'binary': binary})
    if not rows:
        raise exception.ServiceUnavailable(
            reason='Cannot %s: no %s service is registered on host %s; start '
                   'it there.' % (purpose, binary, host))
    reason = _why_unusable(rows[0])
    if reason is not None:
        raise exception.ServiceUnavailable(
            reason='Cannot %s: the %s service on host %s is not available: '
                   '%s. Try again once it is up (GET /os-services).'
                   % (purpose, binary, host, reason))


def pick(binary, purpose, zone=None):
    """Host of an up, enabled ``binary`` service (in ``zone`` if given)."""
    ctx = backupd_context.get_admin_context()
    rows = db.service_get_all(ctx, {'binary': binary})
    if zone:
        zones = sorted({s.availability_zone for s in rows})
        rows = [s for s in rows if s.availability_zone == zone]
        if not rows and zones:
            raise exception.InvalidInput(
                reason='availability zone %r has no %s service; known zones: '
                       '%s' % (zone, binary, ', '.join(zones)))
    usable = [s for s in rows if _why_unusable(s) is None]
    if usable:
        return random.choice(usable).host
    where = ' in availability zone %s' % zone if zone else ''
    if not rows:
        raise exception.ServiceUnavailable(
            reason='Cannot %s: no %s service is registered%s; start one '
                   '(backupd-volume or backupd-all).' % (purpose, binary,
                                                         where))
    raise exception.ServiceUnavailable(
        reason='Cannot %s: no %s service%s is up: %s. Try again once one is '
               'up (GET /os-services).' % (
                   purpose, binary, where,
                   '; '.join('%s: %s' % (s.host, _why_unusable(s))
                             for s in rows)))
