"""Quotas and volume types over HTTP against backupd-all, where the
services' work counts: GET /limits equal to the database rows after a
randomized run of creates and deletes, the check and sync of
backupd-manage, volume types placing volumes by backend. The API's own
quota rules are in tests/api/test_quota_rules.py."""
import os
import random
import uuid

import pytest

from tests.fixtures import services
from tests.helpers import backup_support as bs
from tests.helpers import quota_api

@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    deployment = services.Deployment(tmp_path_factory.mktemp('quota-api'),
                                     ['backupd-all'], services.QUOTA_DEFAULTS)
    yield from services.serving(deployment)


@pytest.fixture
def project():
    return 'q%s' % uuid.uuid4().hex[:10]


def _counted(dep, project):
    """What the database rows of ``project`` count, by SQL."""
    def one(statement):
        return bs.sql(dep, statement, p=project)[0][0] or 0
    live = "project_id = :p AND NOT deleted AND NOT is_temporary"
    return {
        'totalVolumesUsed': one('SELECT count(*) FROM volumes WHERE ' + live),
        'totalSnapshotsUsed': one('SELECT count(*) FROM snapshots WHERE '
                                  + live),
        'totalGigabytesUsed':
            one('SELECT sum(size) FROM volumes WHERE ' + live)
            + one('SELECT sum(volume_size) FROM snapshots WHERE ' + live),
        'totalBackupsUsed': one('SELECT count(*) FROM backups WHERE '
                                'project_id = :p AND NOT deleted'),
        'totalBackupGigabytesUsed': one('SELECT sum(size) FROM backups WHERE '
                                        'project_id = :p AND NOT deleted'),
    }


def _manage(dep, *args):
    return services.run_script(
        [os.path.join(services.BIN, 'backupd-manage'), '--config-file',
         dep.conf_path] + list(args))


def _try_create(dep, project, kind, body):
    """Id of the new ``kind`` (volumes, snapshots, backups) once available;
    None when a quota refused it."""
    resp = dep.request('POST', '/%s' % kind, project=project,
                       json={kind[:-1]: body})
    if resp.status_code == 413:
        return None
    assert resp.status_code == 202, resp.text
    made = resp.json()[kind[:-1]]['id']
    bs.wait_for(dep, kind, made, 'available')
    return made


def test_limits_match_rows_after_a_random_run(dep, project):
    rng = random.Random(14)
    quota_api.set_limits(dep, project, volumes=6, snapshots=3, backups=3,
                         gigabytes=12)
    made = {'volumes': [], 'snapshots': [], 'backups': []}
    refused = 0
    for _ in range(24):
        step = rng.choice(['volumes', 'volumes', 'snapshots', 'backups',
                           'delete'])
        if step == 'volumes':
            body = {'size': rng.choice([1, 2, 3])}
        elif made['volumes']:
            body = {'volume_id': rng.choice(made['volumes'])}
        else:
            continue
        if step != 'delete':
            new = _try_create(dep, project, step, body)
            refused += new is None
            made[step] += [new] if new else []
            continue
        kind = rng.choice(sorted(made))
        pool = made[kind]
        if kind == 'volumes':   # only volumes without snapshots
            pool = [v for v in pool if not bs.sql(
                dep, 'SELECT 1 FROM snapshots WHERE volume_id = :v AND NOT '
                     'deleted', v=v)]
        if not pool:
            continue
        victim = rng.choice(pool)
        resp = dep.request('DELETE', '/%s/%s' % (kind, victim),
                           project=project)
        assert resp.status_code == 202, resp.text
        bs.wait_for(dep, kind, victim, (), gone_ok=True)
        made[kind].remove(victim)
    absolute = dep.request('GET', '/limits', project=project).json()[
        'limits']['absolute']
    assert set(absolute) == quota_api.LIMIT_KEYS
    used = {k: v for k, v in absolute.items() if k.startswith('total')}
    assert used == _counted(dep, project)
    assert used['totalVolumesUsed'] == len(made['volumes'])
    assert refused, 'the run never reached a quota'
    check = _manage(dep, 'quota', 'check', '--project-id', project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert 'matches' in check.stdout


def test_quota_check_and_sync_repair_drift(dep, project):
    bs.create_volume(dep, project=project, size=2)
    bs.sql(dep, "UPDATE quota_usages SET in_use = 7 WHERE project_id = :p "
                "AND resource = 'gigabytes'", p=project)
    check = _manage(dep, 'quota', 'check', '--project-id', project)
    assert check.returncode == 1, check.stdout + check.stderr
    assert project in check.stdout and '7' in check.stdout
    synced = _manage(dep, 'quota', 'sync', '--project-id', project)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert '1 usage counter(s) repaired' in synced.stdout
    absolute = dep.request('GET', '/limits', project=project).json()[
        'limits']['absolute']
    assert absolute['totalGigabytesUsed'] == 2


# --- volume types ------------------------------------------------------------

def _type_id(dep, name):
    types = dep.request('GET', '/types', admin=True).json()['volume_types']
    return next(t['id'] for t in types if t['name'] == name)


def test_volume_types_default_crud_and_extra_specs(dep, project):
    listed = dep.request('GET', '/types', project=project).json()
    default = next(t for t in listed['volume_types']
                   if t['name'] == '__DEFAULT__')
    assert set(default) == {'id', 'name', 'description', 'is_public',
                            'extra_specs', 'os-volume-type-access:is_public',
                            'qos_specs_id'}
    assert dep.request('GET', '/types/default', project=project).json()[
        'volume_type']['id'] == default['id']
    vol = bs.create_volume(dep, project=project)
    shown = dep.request('GET', '/volumes/%s' % vol, project=project,
                        microversion='3.63').json()['volume']
    assert (shown['volume_type'], shown['volume_type_id']) == (
        '__DEFAULT__', default['id'])

    name = 'gold-%s' % project
    refused = dep.request('POST', '/types', project=project,
                          json={'volume_type': {'name': name}})
    assert refused.status_code == 403, refused.text
    made = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': name, 'description': 'fast',
        'extra_specs': {'volume_backend_name': 'file', 'multiattach': True}}})
    assert made.status_code == 200, made.text
    gold = made.json()['volume_type']
    assert gold['extra_specs'] == {'volume_backend_name': 'file',
                                   'multiattach': 'True'}
    dup = dep.request('POST', '/types', admin=True,
                      json={'volume_type': {'name': name}})
    assert dup.status_code == 409, dup.text
    # members see the user-visible extra specs only
    seen = dep.request('GET', '/types/%s' % gold['id'], project=project)
    assert seen.json()['volume_type']['extra_specs'] == {
        'multiattach': 'True'}
    # volume_backend_name places the volume on a host of that backend
    typed = dep.request('POST', '/volumes', project=project, json={
        'volume': {'size': 1, 'volume_type': name}})
    assert typed.status_code == 202, typed.text
    assert typed.json()['volume']['volume_type'] == name
    specs = '/types/%s/extra_specs' % gold['id']
    changed = dep.request('PUT', specs + '/volume_backend_name', admin=True,
                          json={'volume_backend_name': 'nowhere'})
    assert changed.status_code == 200, changed.text
    nowhere = dep.request('POST', '/volumes', project=project, json={
        'volume': {'size': 1, 'volume_type': gold['id']}})
    assert nowhere.status_code == 409, nowhere.text
    assert 'backend nowhere' in nowhere.text
    assert dep.request('POST', specs, admin=True, json={
        'extra_specs': {'k': 'v'}}).json() == {'extra_specs': {'k': 'v'}}
    assert dep.request('GET', specs + '/k', admin=True).json() == {'k': 'v'}
    assert dep.request('DELETE', specs + '/k',
                       admin=True).status_code == 202
    assert dep.request('GET', specs + '/k', admin=True).status_code == 404
    assert dep.request('GET', specs, admin=True).json()['extra_specs'] == {
        'volume_backend_name': 'nowhere', 'multiattach': 'True'}
    # in use, and the default type: neither can be deleted
    in_use = dep.request('DELETE', '/types/%s' % gold['id'], admin=True)
    assert in_use.status_code == 400 and 'used by 1 volume' in in_use.text
    assert dep.request('DELETE', '/types/%s' % default['id'],
                       admin=True).status_code == 400
    renamed = dep.request('PUT', '/types/%s' % gold['id'], admin=True,
                          json={'volume_type': {'name': name + 'x'}})
    assert renamed.json()['volume_type']['name'] == name + 'x'
    vid = typed.json()['volume']['id']
    assert dep.request('GET', '/volumes/%s' % vid, project=project).json()[
        'volume']['volume_type'] == name + 'x'


