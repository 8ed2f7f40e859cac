"""Which service host gets work, decided from the services table.

A service gets work only when it is up (servicegroup: recent heartbeat
and ready) and enabled; otherwise the API answers 503 naming the host and
the reason, so the user knows what to start or fix. A new volume goes to
the volume host with the most room (``place_volume``, see
backupd.api.volume_scheduling); other work goes to any usable host
(``pick``) or to the host that holds the data (``require_up``).
"""
import random

from oslo_config import cfg

from backupd.api import volume_scheduling
from backupd import binaries
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import capacity as capacity_db
from backupd import exception
from backupd.manager import states
from backupd import servicegroup

def _why_unusable(service):
    reason = servicegroup.why_down(service, cfg.CONF)
    if reason is None and service.disabled:
        reason = 'it is disabled (%s)' % (service.disabled_reason or
                                          'no reason given')
    return reason


def require_up(host, binary, purpose):
    """The service row of ``binary`` on ``host``; 503 naming the host and
    the problem unless it is up and enabled."""
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
    return rows[0]


def pick(binary, purpose, zone=None):
    """Host of an up, enabled ``binary`` service (in ``zone`` if given)."""
    return random.choice(_usable(binary, purpose, zone)).host


def place_volume(size, purpose, zone=None, host=None, backend=None,
                 **wording):
    """Host for a new volume of ``size`` GiB: of the up, enabled volume
    services (in ``zone``; only ``host`` if given; only those reporting
    ``backend`` as their volume_backend_name if given), the one with the
    most room (backupd.api.volume_scheduling). 409 when none has room;
    ``wording`` goes to volume_scheduling.choose (scope, fixes) for the
    error."""
    usable = _usable(binaries.VOLUME, purpose, zone, host)
    where = ' in availability zone %s' % zone if zone else ''
    if backend:
        usable = _of_backend(usable, backend, purpose, where)
        where += ' of backend %s' % backend
    return volume_scheduling.choose(
        [capacity for _, capacity in _capacities(usable)], size, purpose,
        where, **wording)


def _of_backend(services, backend, purpose, where):
    """The services reporting ``backend``; 409 naming the backends there
    are when none does."""
    matching = [s for s in services if s.volume_backend_name == backend]
    if not matching:
        raise exception.NoValidHost(
            reason='Cannot %s: its volume type asks for backend %s (extra '
                   'spec volume_backend_name) and no up volume host%s serves '
                   'it; up hosts serve %s. Use a type of one of those, or '
                   'start a backupd-volume with volume_backend_name = %s.'
                   % (purpose, backend, where, ', '.join(sorted(
                       '%s (%s)' % (s.host, s.volume_backend_name
                                    or 'not reported yet')
                       for s in services)), backend))
    return matching


def volume_zones():
    """{zone: True if one of its volume services is up and enabled}."""
    zones = {}
    for service in db.service_get_all(backupd_context.get_admin_context(),
                                      {'binary': binaries.VOLUME}):
        zone = service.availability_zone or cfg.CONF.storage_availability_zone
        zones[zone] = zones.get(zone, False) or _why_unusable(service) is None
    return zones


def volume_pools():
    """(service row, volume_scheduling.HostCapacity) of every up, enabled
    volume service: what placement chooses from, as GET scheduler-stats
    shows it."""
    rows = db.service_get_all(backupd_context.get_admin_context(),
                              {'binary': binaries.VOLUME})
    return _capacities([s for s in rows if _why_unusable(s) is None])


def _capacities(services):
    """Each service with its capacity, counting the volumes placed on it
    since its last report (backupd.db.capacity.pending_gb)."""
    pending = capacity_db.pending_gb(backupd_context.get_admin_context(),
                                     services, (states.Volume.CREATING,))
    return [(s, volume_scheduling.of_service(s, pending.get(s.host, 0)))
            for s in services]


def _usable(binary, purpose, zone=None, host=None):
    """Up, enabled ``binary`` services (in ``zone``; on ``host``); 503 when
    there is none, naming why each one is not usable."""
    ctx = backupd_context.get_admin_context()
    rows = db.service_get_all(ctx, {'binary': binary})
    if zone:
        zones = sorted({s.availability_zone for s in rows})
        rows = [s for s in rows if s.availability_zone == zone]
        if not rows and zones:
            raise exception.InvalidInput(
                reason='availability zone %r has no %s service; known zones: '
                       '%s' % (zone, binary, ', '.join(zones)))
    if host:
        rows = [s for s in rows if s.host == host]
    usable = [s for s in rows if _why_unusable(s) is None]
    if usable:
        return usable
    where = ' in availability zone %s' % zone if zone else ''
    where += ' on host %s' % host if host else ''
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
