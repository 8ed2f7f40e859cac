"""GET /limits: the caller's absolute limits and what is used of them, as
Cinder's limits view (no rate limits: ``rate`` is empty). From 3.39 an
admin may ask for another project's with ``?project_id=``."""
from backupd.api import wsgi
from backupd import policies
from backupd.policies import quotas as policy
from backupd import quota

# absolute limit key -> resource; used key -> resource
MAX_KEYS = {'maxTotalVolumes': 'volumes',
            'maxTotalSnapshots': 'snapshots',
            'maxTotalVolumeGigabytes': 'gigabytes',
            'maxTotalBackups': 'backups',
            'maxTotalBackupGigabytes': 'backup_gigabytes'}
USED_KEYS = {'totalVolumesUsed': 'volumes',
             'totalSnapshotsUsed': 'snapshots',
             'totalGigabytesUsed': 'gigabytes',
             'totalBackupsUsed': 'backups',
             'totalBackupGigabytesUsed': 'backup_gigabytes'}
PROJECT_FILTER_VERSION = '3.39'


def index(req):
    ctx = wsgi.context_of(req)
    project_id = ctx.project_id
    if ctx.is_admin and wsgi.at_least(req, PROJECT_FILTER_VERSION):
        project_id = req.GET.get('project_id') or project_id
    policies.authorize(ctx, policy.USED_LIMITS, {'project_id': project_id})
    limits = quota.limits(ctx, project_id)
    used = quota.in_use(ctx, project_id)
    absolute = {key: limits[r] for key, r in MAX_KEYS.items()}
    absolute.update({key: used.get(r, 0) for key, r in USED_KEYS.items()})
    return wsgi.json_response({'limits': {'rate': [],
                                          'absolute': absolute}})
