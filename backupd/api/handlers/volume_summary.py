"""GET /volumes/summary (3.12): how many volumes a list would show and
their total size; from 3.36 also every metadata key with its values."""
from backupd.api import common
from backupd.api import wsgi
from backupd.db import aggregates
from backupd import exception
from backupd import policies
from backupd.policies import volumes as policy


def summary(req):
    if not wsgi.at_least(req, '3.12'):
        # before 3.12 "summary" is a volume id, as in Cinder
        raise exception.VolumeNotFound(volume_id='summary')
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SUMMARY)
    count, size, metadata = aggregates.summary(
        ctx, common.project_filter(ctx, req))
    body = {'total_count': count, 'total_size': size}
    if wsgi.at_least(req, '3.36'):
        body['metadata'] = metadata
    return wsgi.json_response({'volume-summary': body})
