"""The backup API's own rules on the API in process (tests/fixtures/
api_inprocess.py; creates made available as the services would): an
incremental without a full, lists (filters, sort, pages, all_tenants),
restores refused onto a smaller or busy volume, microversion-dependent
fields and updates. Round trips, chains, deletes and admin actions, which
need the services, are in tests/functional/test_backup_lifecycle.py.
"""
import pytest

from tests.helpers import backup_support as bs


@pytest.fixture(scope='module')
def dep(api_finishing):
    return api_finishing


_error = bs.error_message


def test_incremental_without_a_full_backup_is_refused(dep):
    volume = bs.create_volume(dep)
    message = _error(dep.request('POST', '/backups', json={'backup': {
        'volume_id': volume, 'incremental': True}}), 400)
    assert volume in message and 'full backup' in message
    assert bs.volume_status(dep, volume) == 'available'


def test_list_filters_sort_paging_and_all_tenants(dep):
    volume = bs.create_volume(dep, project='lister')
    made = [bs.create_backup(dep, volume, project='lister', name='l%d' % i)
            for i in range(3)]

    def listed(query, admin=False, path='/backups/detail'):
        resp = dep.request('GET', path + query, project='lister',
                           admin=admin)
        assert resp.status_code == 200, resp.text
        return resp.json()

    body = listed('?sort_key=created_at&sort_dir=asc')
    assert [b['id'] for b in body['backups']] == made
    assert set(body) == {'backups'}
    assert [b['id'] for b in listed('?name=l1')['backups']] == [made[1]]
    assert len(listed('?status=available&volume_id=%s' % volume)[
        'backups']) == 3
    assert listed('?status=error')['backups'] == []
    page = listed('?sort=created_at:asc&limit=2')
    assert [b['id'] for b in page['backups']] == made[:2]
    assert page['backups_links'][0]['rel'] == 'next'
    rest = listed('?sort=created_at:asc&limit=2&marker=%s' % made[1])
    assert [b['id'] for b in rest['backups']] == [made[2]]
    summary = listed('', path='/backups')['backups'][0]
    assert set(summary) == {'id', 'name', 'links'}
    v2 = dep.request('GET', '/backups/detail', project='lister',
                     version='v2').json()['backups']
    assert {b['id'] for b in v2} == set(made)
    bad = dep.request('GET', '/backups?sort_key=bogus', project='lister')
    assert bad.status_code == 400 and 'bogus' in bad.text

    # all_tenants: ignored for members, every project for admins
    others = dep.request('GET', '/backups?all_tenants=1').json()['backups']
    assert not {b['id'] for b in others} & set(made)
    everyone = dep.request('GET', '/backups?all_tenants=True',
                           admin=True).json()['backups']
    assert set(made) <= {b['id'] for b in everyone}


def test_restore_onto_a_smaller_or_busy_volume_is_refused(dep):
    big = bs.create_volume(dep, size=2)
    backup = bs.create_backup(dep, big)
    small = bs.create_volume(dep, size=1)
    message = _error(dep.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': small}}),
                     400)
    assert small in message and backup in message and '2 GiB' in message
    bs.attach(dep, small)
    message = _error(dep.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': small}}),
                     400)
    assert "'in-use'" in message
    shown = dep.request('GET', '/backups/%s' % backup).json()['backup']
    assert shown['status'] == 'available'
    assert bs.volume_status(dep, small) == 'in-use'


def test_microversion_dependent_fields(dep):
    volume = bs.create_volume(dep, project='mv')
    resp = dep.request('POST', '/backups', project='mv', microversion='3.51',
                       json={'backup': {'volume_id': volume, 'name': 'mv',
                                        'metadata': {'k': 'v'},
                                        'availability_zone': 'nova'}})
    assert resp.status_code == 202, resp.text
    assert set(resp.json()['backup']) == {'id', 'name', 'links'}
    backup = resp.json()['backup']['id']
    bs.wait_for(dep, 'backups', backup, 'available', admin=False,
                project='mv')
    # the backup service of the volume's host makes it: another zone is
    # refused, not recorded as if honoured
    before = len(dep.request('GET', '/backups', project='mv'
                             ).json()['backups'])
    message = _error(dep.request(
        'POST', '/backups', project='mv', microversion='3.51',
        json={'backup': {'volume_id': volume,
                         'availability_zone': 'elsewhere'}}), 400)
    assert message == (
        'Invalid input received: Backups of volume %s are made by the '
        'backup service on its host %s, in availability zone nova; give '
        'availability_zone nova or leave it out.'
        % (volume, dep.host)), message
    assert len(dep.request('GET', '/backups', project='mv'
                           ).json()['backups']) == before
    assert bs.volume_status(dep, volume) == 'available'
    # metadata needs 3.43 on create
    refused = dep.request('POST', '/backups', project='mv',
                          microversion='3.42', json={'backup': {
                              'volume_id': volume, 'metadata': {}}})
    assert refused.status_code == 400 and 'metadata' in refused.text

    def shown(version, admin=False):
        resp = dep.request('GET', '/backups/%s' % backup, project='mv',
                           microversion=version, admin=admin)
        assert resp.status_code == 200, resp.text
        return resp.json()['backup']
    base = set(shown('3.0'))
    assert set(shown('3.43')) == base | {'metadata'}
    assert shown('3.43')['metadata'] == {'k': 'v'}
    # encryption_key_id (3.64) only for an encrypted backup, as Cinder
    assert set(shown('3.64')) == base | {'metadata'}
    admin_view = shown('3.64', admin=True)
    assert set(admin_view) == base | {
        'metadata', 'user_id', 'os-backup-project-attr:project_id'}
    assert admin_view['os-backup-project-attr:project_id'] == 'mv'
    assert set(shown('3.18', admin=True)) == base | {
        'os-backup-project-attr:project_id'}

    # update: 3.9 name/description, 3.43 metadata
    assert dep.request('PUT', '/backups/%s' % backup, project='mv',
                       json={'backup': {'name': 'x'}}).status_code == 404
    resp = dep.request('PUT', '/backups/%s' % backup, project='mv',
                       microversion='3.43',
                       json={'backup': {'name': 'renamed',
                                        'metadata': {'a': 'b'}}})
    assert resp.status_code == 200, resp.text
    assert set(resp.json()['backup']) == {'id', 'name', 'links'}
    after = shown('3.43')
    assert (after['name'], after['metadata']) == ('renamed', {'a': 'b'})

    # with_count at 3.45
    counted = dep.request('GET', '/backups?with_count=true', project='mv',
                          microversion='3.45').json()
    assert counted['count'] == 1
    plain = dep.request('GET', '/backups?with_count=true', project='mv',
                        microversion='3.44').json()
    assert 'count' not in plain
