"""The volume API over real HTTP against backupd-all (real WSGI server, file
driver, in-process bus), where the volume service's work shows: attach and
detach, cascade and forced deletes, extend, notifications. The API's own
rules (responses, lists, isolation, refusals) run in process:
tests/api/test_volume_rules.py."""
import pytest

from tests.fixtures.services import wait_for
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import stuck_then_forced
from tests.helpers.volume_api import wait_gone
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def test_attach_detach_and_delete_rules(dep):
    volume = create_volume(dep)
    vid = volume['id']
    resp = action(dep, 'volume', vid, {'os-attach': {
        'instance_uuid': 'c0ffee00-0000-4000-8000-000000000001',
        'mountpoint': '/dev/vdb', 'mode': 'rw'}})
    assert resp.status_code == 202 and resp.content == b'', resp.text
    shown = wait_status(dep, 'volume', vid, 'in-use')
    (attachment,) = shown['attachments']
    assert attachment['server_id'] == 'c0ffee00-0000-4000-8000-000000000001'
    assert attachment['device'] == '/dev/vdb'
    again = action(dep, 'volume', vid, {'os-attach': {'mountpoint': '/x'}})
    assert "'in-use'" in error_of(again, 400)
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    assert 'detach' in error_of(refused, 400)
    wrong = action(dep, 'volume', vid, {'os-detach': {
        'attachment_id': 'not-an-attachment'}})
    assert 'no attachment' in error_of(wrong, 400)
    resp = action(dep, 'volume', vid, {'os-detach': {
        'attachment_id': attachment['attachment_id']}})
    assert resp.status_code == 202
    assert wait_status(dep, 'volume', vid, 'available')['attachments'] == []

    snap = create_snapshot(dep, vid)
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    message = error_of(refused, 400)
    assert snap['id'] in message and 'cascade' in message
    resp = dep.request('DELETE', '/volumes/%s?cascade=True&force=False' % vid)
    assert resp.status_code == 202, resp.text
    wait_gone(dep, 'volume', vid)
    error_of(dep.request('GET', '/snapshots/%s' % snap['id']), 404)


def test_extend(dep):
    volume = create_volume(dep)
    resp = action(dep, 'volume', volume['id'], {'os-extend': {'new_size': 3}})
    assert resp.status_code == 202, resp.text
    assert wait_status(dep, 'volume', volume['id'], 'available')['size'] == 3
    shrink = action(dep, 'volume', volume['id'],
                    {'os-extend': {'new_size': 2}})
    assert 'at least 4' in error_of(shrink, 400)


def test_admin_actions(dep):
    volume = create_volume(dep)
    vid = volume['id']
    forbidden = action(dep, 'volume', vid,
                       {'os-reset_status': {'status': 'error'}})
    error_of(forbidden, 403)
    error_of(action(dep, 'volume', vid, {'os-force_delete': {}}), 403)
    error_of(dep.request('DELETE', '/volumes/%s?force=True' % vid), 403)
    no_status = action(dep, 'volume', vid, {'os-reset_status': {}},
                       admin=True)
    assert 'status' in error_of(no_status, 400)
    bad = action(dep, 'volume', vid, {'os-reset_status': {'status': 'happy'}},
                 admin=True)
    assert 'happy' in error_of(bad, 400)
    stuck_then_forced(dep, 'volume', vid, 'deleting', "'deleting'")
    unknown = action(dep, 'volume', 'no-such-id', {'os-force_delete': {}},
                     admin=True)
    error_of(unknown, 404)
    odd = action(dep, 'volume', create_volume(dep)['id'],
                 {'os-migrate_volume': {}})
    assert 'os-extend' in error_of(odd, 400)


def test_notifications_on_the_bus(backupd_all_factory):
    """volume.create/delete and snapshot.create/delete start/end, seen
    through oslo.messaging's log notification driver."""
    dep = backupd_all_factory(
        conf={'oslo_messaging_notifications': {'driver': 'log'}})
    volume = create_volume(dep)
    snap = create_snapshot(dep, volume['id'])
    dep.request('DELETE', '/snapshots/%s' % snap['id'])
    wait_gone(dep, 'snapshot', snap['id'])
    dep.request('DELETE', '/volumes/%s' % volume['id'])
    wait_gone(dep, 'volume', volume['id'])
    # volume.delete.end is sent after the row is gone: wait for it.
    for event in ('volume.create.start', 'volume.create.end',
                  'snapshot.create.start', 'snapshot.create.end',
                  'snapshot.delete.start', 'snapshot.delete.end',
                  'volume.delete.start', 'volume.delete.end'):
        wait_for(lambda: '"event_type": "%s"' % event in dep.log(), 30,
                 what='%s in the log' % event)


