"""backupd behind a real Keystone: keystonemiddleware's auth_token validates
real tokens, the catalog leads the real cinder and openstack CLIs to
backupd (password auth, no --os-endpoint), and tokens that must not work
are refused. Who may do what per route: test_authz_keystone.py."""
import json

import pytest
import requests

from tests.helpers import backup_support as bs
from tests.helpers.cli import table

pytestmark = pytest.mark.xdist_group('keystone')  # one Keystone per worker

MiB = 1024 * 1024


@pytest.fixture(scope='module')
def dep(keystone_backupd):
    return keystone_backupd


def _osc(dep, *args):
    return json.loads(dep.openstack(*args, '-f', 'json').stdout)


def _volume_available(dep, volume_id):
    bs.until(lambda: bs.volume_status(dep, volume_id) == 'available',
             what='volume %s available' % volume_id)


def test_catalog_lists_backupd_for_both_service_types(dep):
    catalog = _osc(dep, 'catalog', 'list')
    urls = {entry['Type']: str(entry['Endpoints']) for entry in catalog}
    for service_type in ('block-storage', 'volumev3'):
        assert dep.endpoint + '/v3/' in urls[service_type], catalog


def test_member_creates_backs_up_restores_and_deletes_with_the_clis(dep):
    volume = _osc(dep, 'volume', 'create', '--size', '1', 'ks-volume')['id']
    _volume_available(dep, volume)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=20,
                           regions=((0, 2 * MiB), (600 * MiB, 1 * MiB)))

    backup = table(dep.cinder('backup-create', '--name', 'ks-backup',
                              volume))['id']
    bs.wait_for(dep, 'backups', backup, 'available', admin=False)
    listed = _osc(dep, 'volume', 'backup', 'list')
    assert backup in {b['ID'] for b in listed}
    # the backup belongs to the member's Keystone project
    assert bs.sql(dep, 'SELECT project_id FROM backups WHERE id = :id',
                  id=backup)[0][0] == dep.persona_project('owner')

    restored = table(dep.cinder('backup-restore', backup))['volume_id']
    bs.wait_for(dep, 'backups', backup, 'available', admin=False)
    _volume_available(dep, restored)
    assert bs.sha256_of(bs.volume_path(dep, restored)) == sha

    dep.openstack('volume', 'backup', 'delete', backup)
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True, admin=False)
    dep.cinder('delete', restored)
    dep.openstack('volume', 'delete', volume)
    for gone in (volume, restored):
        bs.until(lambda: dep.request('GET', '/volumes/%s' % gone)
                 .status_code == 404, what='volume %s deleted' % gone)


def test_member_is_refused_admin_actions_by_the_clis(dep):
    refused = dep.cinder('service-list', check=False)
    assert refused.returncode != 0 and '403' in refused.stderr
    assert dep.cinder('service-list', persona='admin').returncode == 0


def _status(dep, token, path='/volumes', persona='owner'):
    return dep.request('GET', path, persona=persona, token=token).status_code


def test_invalid_tokens_are_refused(dep):
    ks = dep.keystone
    assert _status(dep, 'not-a-token') == 401
    no_token = requests.get(dep.url('/volumes', dep.persona_project('owner')))
    assert no_token.status_code == 401

    # expired: a copy of a real token whose expiry is past; the same copy
    # with a future expiry is accepted, so only the expiry differs
    token = ks.new_token('owner')
    expired, control = ks.aged_tokens(token, -1, +1)
    assert _status(dep, control) == 200
    assert _status(dep, expired) == 401

    # revoked before backupd ever saw it
    revoked = ks.new_token('owner')
    ks.revoke(revoked)
    assert _status(dep, revoked) == 401


def test_revoked_token_stays_valid_while_cached(dep):
    """What README "Deploying for real" warns about: without memcached,
    auth_token keeps a validated token in its per-process cache for
    token_cache_time (300 s by default), revocation notwithstanding."""
    token = dep.keystone.new_token('owner')
    assert _status(dep, token) == 200
    dep.keystone.revoke(token)
    assert not dep.keystone.is_valid(token)
    assert _status(dep, token) == 200


def test_wrong_project_tokens_are_refused(dep):
    mine = bs.create_volume(dep)   # the owner's, in project demo
    other = dep.keystone.token('other')
    # another project's token on this project's URL: a 400 naming both
    resp = requests.get(dep.url('/volumes/%s' % mine,
                                dep.persona_project('owner')),
                        headers={'X-Auth-Token': other})
    assert resp.status_code == 400, resp.text
    # on its own URL the volume does not exist for it
    assert dep.request('GET', '/volumes/%s' % mine,
                       persona='other').status_code == 404
    listed = dep.request('GET', '/volumes', persona='other').json()
    assert mine not in {v['id'] for v in listed['volumes']}


def test_system_scoped_token_is_refused_saying_why(dep):
    token = dep.keystone.token('admin', system_scope='all')
    resp = requests.get(dep.url('/volumes', dep.persona_project('admin')),
                        headers={'X-Auth-Token': token})
    assert resp.status_code == 403, resp.text
    assert 'System-scoped tokens are not supported' in \
        resp.json()['forbidden']['message']


def test_admin_decided_by_policy_sees_all_projects(dep):
    vol = bs.create_volume(dep)
    as_admin = dep.request('GET', '/volumes?all_tenants=1', admin=True)
    assert vol in {v['id'] for v in as_admin.json()['volumes']}
    # a member's all_tenants is ignored: only its own project
    as_other = dep.request('GET', '/volumes?all_tenants=1', persona='other')
    assert vol not in {v['id'] for v in as_other.json()['volumes']}
