"""HTTP helpers the volume and snapshot API tests share (over a Deployment
from tests/fixtures/services.py, or the in-process API of
tests/fixtures/api_inprocess.py)."""
import time

# Exactly the keys Cinder returns (doc/contributor/api-compat.rst), 3.0.
VOLUME_CREATE_KEYS = {
    'attachments', 'links', 'encrypted', 'updated_at', 'replication_status',
    'id', 'size', 'user_id', 'availability_zone', 'metadata', 'status',
    'description', 'multiattach', 'consistencygroup_id', 'name', 'bootable',
    'created_at', 'volume_type', 'snapshot_id', 'source_volid'}
VOLUME_OWNER_KEYS = VOLUME_CREATE_KEYS | {'os-vol-tenant-attr:tenant_id'}
VOLUME_ADMIN_KEYS = VOLUME_OWNER_KEYS | {
    'migration_status', 'os-vol-host-attr:host',
    'os-vol-mig-status-attr:migstat', 'os-vol-mig-status-attr:name_id'}
SNAPSHOT_CREATE_KEYS = {'status', 'description', 'created_at', 'name',
                        'volume_id', 'metadata', 'id', 'size', 'updated_at'}
SNAPSHOT_SHOW_KEYS = SNAPSHOT_CREATE_KEYS | {
    'os-extended-snapshot-attributes:progress',
    'os-extended-snapshot-attributes:project_id'}


def wait_status(dep, kind, object_id, wanted, project='demo', admin=False,
                timeout=30, field='status', user='demo'):
    """Poll GET /<kind>s/<id> (as ``user`` of ``project``) until its
    ``field`` is ``wanted`` (compared as text, as a CLI prints it: size
    '2'); the body. ``wanted`` None: until it is gone (404)."""
    deadline = time.monotonic() + timeout
    while True:
        resp = dep.request('GET', '/%ss/%s' % (kind, object_id),
                           project=project, user=user, admin=admin)
        if wanted is None and resp.status_code == 404:
            return None
        assert resp.status_code == 200 or wanted is None, resp.text
        if resp.status_code == 200 and \
                str(resp.json()[kind][field]) == str(wanted):
            return resp.json()[kind]
        if time.monotonic() > deadline:
            raise AssertionError('%s %s never had %s %s: %s' % (
                kind, object_id, field, wanted, resp.text))
        time.sleep(0.1)


def wait_gone(dep, kind, object_id, project='demo', admin=False,
              user='demo'):
    wait_status(dep, kind, object_id, None, project=project, admin=admin,
                user=user)


def create_volume(dep, size=1, project='demo', admin=False, wait=True,
                  **fields):
    body = dict({'size': size}, **fields)
    resp = dep.request('POST', '/volumes', project=project, admin=admin,
                       json={'volume': body})
    assert resp.status_code == 202, resp.text
    volume = resp.json()['volume']
    if wait:
        return wait_status(dep, 'volume', volume['id'], 'available',
                           project=project, admin=admin)
    return volume


def create_snapshot(dep, volume_id, project='demo', wait=True, **fields):
    resp = dep.request('POST', '/snapshots', project=project,
                       json={'snapshot': dict({'volume_id': volume_id},
                                              **fields)})
    assert resp.status_code == 202, resp.text
    snap = resp.json()['snapshot']
    if wait:
        return wait_status(dep, 'snapshot', snap['id'], 'available',
                           project=project)
    return snap


def action(dep, kind, object_id, body, project='demo', admin=False):
    return dep.request('POST', '/%ss/%s/action' % (kind, object_id),
                       project=project, admin=admin, json=body)


def error_of(resp, code):
    """The message of a Cinder-style JSON error body with ``code``."""
    assert resp.status_code == code, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    (fault,) = resp.json().values()
    assert fault['code'] == code
    return fault['message']


def stuck_then_forced(dep, kind, object_id, status, *refusal):
    """An admin resets the object to ``status``; a DELETE is then refused
    (400, its message naming each of ``refusal``) and an admin's
    os-force_delete removes it."""
    resp = action(dep, kind, object_id,
                  {'os-reset_status': {'status': status}}, admin=True)
    assert resp.status_code == 202
    message = error_of(dep.request('DELETE', '/%ss/%s' % (kind, object_id)),
                       400)
    assert all(words in message for words in refusal), message
    resp = action(dep, kind, object_id, {'os-force_delete': None},
                  admin=True)
    assert resp.status_code == 202, resp.text
    wait_gone(dep, kind, object_id)
