"""GET /os-availability-zone: the zones of the volume hosts, Cinder's shape.

A zone is ``available`` while one of its volume services is up and
enabled (the ones that get new volumes); zones whose services are all down
or disabled are listed as not available, as Cinder lists them.
"""
from backupd.api import host_selection
from backupd.api import wsgi
from backupd import policies
from backupd.policies import volume_types as policy


def index(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.AZ_LIST)
    zones = host_selection.volume_zones()
    return wsgi.json_response({'availabilityZoneInfo': [
        {'zoneName': zone, 'zoneState': {'available': available}}
        for zone, available in sorted(zones.items())]})
