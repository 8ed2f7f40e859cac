"""What the quota API tests share: the keys of Cinder's bodies, setting a
project's limits, and the 413 a create over a limit gets."""

BASE_KEYS = {'volumes', 'snapshots', 'gigabytes', 'backups',
             'backup_gigabytes', 'groups', 'per_volume_gigabytes'}
DEFAULT_TYPE_KEYS = {'volumes___DEFAULT__', 'snapshots___DEFAULT__',
                     'gigabytes___DEFAULT__'}
LIMIT_KEYS = {'maxTotalVolumes', 'maxTotalSnapshots',
              'maxTotalVolumeGigabytes', 'maxTotalBackups',
              'maxTotalBackupGigabytes', 'totalVolumesUsed',
              'totalSnapshotsUsed', 'totalGigabytesUsed', 'totalBackupsUsed',
              'totalBackupGigabytesUsed'}


def set_limits(dep, project, **limits):
    """PUT os-quota-sets/<project> as an admin; the limits answered."""
    resp = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                       json={'quota_set': limits})
    assert resp.status_code == 200, resp.text
    return resp.json()['quota_set']


def over_limit(resp, resource, limit, in_use):
    """Check a 413 overLimit naming ``resource``, its limit and usage;
    returns its message."""
    assert resp.status_code == 413, resp.text
    body = resp.json()
    assert set(body) == {'overLimit'} and body['overLimit']['code'] == 413
    message = body['overLimit']['message']
    assert 'Quota exceeded for %s of project' % resource in message, message
    assert 'the quota is %s' % limit in message, message
    assert '%s are in use' % in_use in message, message
    return message
