"""Issue 13 over HTTP against backupd-all (file volumes, POSIX backups):
names that would leave a backup's place are 400s naming the field, import
records are checked field by field and can never alias another backup's
data, and no sequence of calls leaves a row that delete or force-delete
cannot remove. Driver-level checks: tests/contracts/backup_driver_cases.py."""
import base64
import json
import os
import uuid

import pytest

from tests.contracts import backup_driver_cases
from tests.fixtures import services
from tests.helpers import backup_support as bs

# Each test makes its own volumes and backups in project "demo": no quota
# gets in the way (quotas have tests of their own).
UNLIMITED = {'DEFAULT': {'quota_volumes': -1, 'quota_backups': -1,
                         'quota_gigabytes': -1,
                         'quota_backup_gigabytes': -1}}


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    deployment = services.Deployment(tmp_path_factory.mktemp('backupd-all'),
                                     ['backupd-all'], UNLIMITED)
    yield from services.serving(deployment)


_error = bs.error_message


def _count_backups(dep):
    return bs.sql(dep, 'SELECT COUNT(*) FROM backups')[0][0]


def _store_files(dep):
    found = []
    for directory, _, files in os.walk(os.path.join(dep.state_path,
                                                    'backup')):
        found += [os.path.join(directory, f) for f in files]
    return sorted(found)


def test_invalid_containers_are_400s_naming_the_field(dep):
    volume = bs.create_volume(dep)
    before, files = _count_backups(dep), _store_files(dep)
    for bad in backup_driver_cases.BAD_CONTAINERS + ('\u2028',):
        message = _error(dep.request('POST', '/backups', json={'backup': {
            'volume_id': volume, 'container': bad}}), 400)
        if '\x00' not in bad:     # NUL: refused earlier, by the JSON reader
            assert 'backup/container' in message, message
    assert _count_backups(dep) == before
    assert _store_files(dep) == files
    assert bs.volume_status(dep, volume) == 'available'


def _exported(dep, backup):
    resp = dep.request('GET', '/backups/%s/export_record' % backup,
                       admin=True)
    assert resp.status_code == 200, resp.text
    record = resp.json()['backup-record']
    return record['backup_service'], json.loads(
        base64.b64decode(record['backup_url']))


def _import(dep, service, record):
    url = base64.b64encode(json.dumps(record).encode()).decode()
    return dep.request('POST', '/backups/import_record', admin=True,
                       json={'backup-record': {'backup_service': service,
                                               'backup_url': url}})


def test_crafted_import_records_are_400s_naming_the_field(dep):
    volume = bs.create_volume(dep)
    backup = bs.create_backup(dep, volume)
    service, record = _exported(dep, backup)
    before = _count_backups(dep)
    for field, value in (('size', 'abc'), ('id', 'a/b'),
                         ('volume_id', 12), ('created_at', 'yesterday'),
                         ('display_name', 'n' * (64 * 1024)),
                         ('metadata', ['not', 'a', 'dict']),
                         ('container', 'c/backup_%s' % backup)):
        crafted = dict(record, id=str(uuid.uuid4()))
        crafted[field] = value
        message = _error(_import(dep, service, crafted), 400)
        assert 'backup_url/%s' % field in message, message
    assert _count_backups(dep) == before


@pytest.mark.parametrize('first', ['original', 'imported'])
def test_a_record_imported_under_a_new_id_shares_the_data(dep, first):
    """Tempest's test_volume_backup_export_import (issue 18): the record is
    imported under a new id while the original exists; the new backup gets
    a manifest of its own referencing the same data, and both delete in
    either order, the survivor restoring byte-exact."""
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=31)
    original = bs.create_backup(dep, volume)
    data = _repository_files(dep)
    service, record = _exported(dep, original)
    imported = str(uuid.uuid4())
    resp = _import(dep, service, dict(record, id=imported))
    assert resp.status_code == 201, resp.text
    assert resp.json()['backup']['id'] == imported
    bs.wait_for(dep, 'backups', imported, 'available', admin=True)
    assert bs.backup_files(dep, imported) == ['manifest']
    assert _repository_files(dep) - data <= {'ref_' + imported}
    survivor = imported if first == 'original' else original
    gone = original if first == 'original' else imported
    resp = dep.request('DELETE', '/backups/%s' % gone, admin=True)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', gone, (), gone_ok=True)
    target = bs.restore(dep, survivor, project=(
        'admin' if survivor == imported else 'demo'))
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha
    resp = dep.request('DELETE', '/backups/%s' % survivor, admin=True)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', survivor, (), gone_ok=True)
    assert bs.backup_files(dep, survivor) == []


def _repository_files(dep):
    """Names in the POSIX store's repositories (doc/dedup-and-gc.rst)."""
    root = os.path.join(dep.state_path, 'backup', 'backups')
    return {name for repo in os.listdir(root) if repo.startswith('p_')
            for name in os.listdir(os.path.join(root, repo))}


def test_a_record_with_a_parent_its_data_does_not_have_fails(dep):
    volume = bs.create_volume(dep)
    unrelated = bs.create_backup(dep, volume)
    exported = bs.create_backup(dep, volume)
    service, record = _exported(dep, exported)
    # The row is lost while the data stays (a database restored from an
    # old dump): SQL, no API loses a row like that.
    bs.sql(dep, "UPDATE backups SET deleted = :yes, status = 'deleted' "
           'WHERE id = :id', id=exported, yes=True)
    resp = _import(dep, service, dict(record, parent_id=unrelated))
    assert resp.status_code == 201, resp.text
    shown = bs.wait_for(dep, 'backups', exported, 'error')
    assert 'parent_id' in shown['fail_reason']
    resp = dep.request('DELETE', '/backups/%s' % exported, admin=True)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', exported, (), gone_ok=True)
    # the unrelated backup was pinned only while the failed import lived
    resp = dep.request('DELETE', '/backups/%s' % unrelated)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', unrelated, (), gone_ok=True)


@pytest.mark.parametrize('container,how', [
    ('../etc', 'delete'), ('a//x', 'force_delete'),
    ('c/backup_%s', 'force_delete'), ('nul\x00', 'delete')])
def test_a_row_with_an_invalid_container_is_always_deletable(
        dep, container, how):
    # A row whose container could never store anything (made before the
    # rules, or by a record): SQL, as no API call writes one any more.
    volume = bs.create_volume(dep)
    neighbour = bs.create_backup(dep, volume)
    neighbour_files = bs.backup_files(dep, neighbour)
    backup = bs.create_backup(dep, volume)
    if '%s' in container:
        container = container % neighbour
    bs.sql(dep, "UPDATE backups SET container = :c, status = 'error' "
           'WHERE id = :id', c=container, id=backup)
    if how == 'delete':
        resp = dep.request('DELETE', '/backups/%s' % backup)
    else:
        resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                           json={'os-force_delete': {}})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bs.sql(dep, 'SELECT status FROM backups WHERE id = :id',
                  id=backup)[0][0] == 'deleted'
    assert bs.backup_files(dep, neighbour) == neighbour_files


def test_a_never_stored_incremental_releases_its_parent(dep):
    volume = bs.create_volume(dep)
    parent = bs.create_backup(dep, volume)
    child = bs.create_backup(dep, volume, incremental=True)
    # An incremental that failed before its driver stored anything
    # (service never set): SQL, a failure that early is hard to time.
    bs.sql(dep, "UPDATE backups SET status = 'error', service = NULL "
           'WHERE id = :id', id=child)
    resp = dep.request('DELETE', '/backups/%s' % child)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', child, (), gone_ok=True)
    resp = dep.request('DELETE', '/backups/%s' % parent)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', parent, (), gone_ok=True)


def test_an_incremental_never_depends_on_another_projects_backup(dep):
    volume = bs.create_volume(dep)
    own = bs.create_backup(dep, volume)
    # an admin (another project) backs up the same volume, later
    resp = dep.request('POST', '/backups', admin=True,
                       json={'backup': {'volume_id': volume}})
    assert resp.status_code == 202, resp.text
    admins = resp.json()['backup']['id']
    bs.wait_for(dep, 'backups', admins, 'available')
    child = bs.create_backup(dep, volume, incremental=True)
    assert bs.sql(dep, 'SELECT parent_id FROM backups WHERE id = :id',
                  id=child)[0][0] == own
    # so the admin's backup stays deletable by the admin
    resp = dep.request('DELETE', '/backups/%s' % admins, admin=True)
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', admins, (), gone_ok=True)
