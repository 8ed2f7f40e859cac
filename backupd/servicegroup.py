"""Is a service up? One definition for the API, the managers and the CLI.

Up = a heartbeat younger than ``service_down_time`` AND the manager said it
is ready (its driver initialized). A service that heartbeats but is not ready
is shown down, with the reason, and gets no work.
"""
from oslo_utils import timeutils


def last_seen(service):
    return service.heartbeat_at or service.updated_at or service.created_at


def is_alive(service, conf):
    seen = service.heartbeat_at
    return seen is not None and (
        timeutils.utcnow() - seen).total_seconds() <= conf.service_down_time


def is_up(service, conf):
    return is_alive(service, conf) and bool(service.ready)


def why_down(service, conf):
    """Human-readable reason a service is down, or None when it is up."""
    if not is_alive(service, conf):
        # it writes its heartbeat to the database: either it stopped or it
        # cannot reach the database (its log says which)
        return ('no heartbeat from %s on %s since %s: the service stopped '
                'or lost its database connection' % (
                    service.binary, service.host, last_seen(service)))
    if not service.ready:
        return service.not_ready_reason or 'not ready'
    return None
