"""The backupd CLI as a subprocess against backupd-all (noauth): output,
exit status, and the effect seen through the API."""
import io
import json
import os
import pty
import subprocess

import pytest
import requests

from backupd.client import shell
from backupd.client import wait
from tests.helpers import backup_support as bs
from tests.helpers.cli import as_json
from tests.helpers.cli import BACKUPD
from tests.helpers.cli import backupd
from tests.helpers.cli import noauth
from tests.helpers.cli import table

MiB = bs.MiB


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def api_backup(dep, backup_id, project='admin'):
    resp = dep.request('GET', '/backups/%s' % backup_id, project=project,
                       admin=project == 'admin')
    return resp.json()['backup'] if resp.status_code == 200 else None


def volume_file_sha(dep, volume_id):
    return bs.sha256_of(bs.volume_path(dep, volume_id))


def test_backup_lifecycle_by_name_with_wait(dep):
    created = as_json(backupd(dep, 'create', '--name', 'cli-src', '--wait',
                              '--format', 'json', '1'))
    volume = created['id']
    assert created['status'] == 'available'
    assert bs.volume_status(dep, volume) == 'available'
    full_sha = bs.write_pattern(bs.volume_path(dep, volume), seed=31)

    proc = backupd(dep, 'backup-create', '--wait', '--name', 'cli-full',
                   '--description', 'first', '-f', 'json', 'cli-src')
    full = as_json(proc)
    assert full['status'] == 'available' and full['name'] == 'cli-full'
    # not a terminal: one plain line per status
    assert 'backup %s: available' % full['id'] in proc.stderr
    assert api_backup(dep, full['id'])['status'] == 'available'
    assert api_backup(dep, full['id'])['description'] == 'first'

    incr_sha = bs.write_pattern(bs.volume_path(dep, volume), seed=32,
                                regions=((2 * MiB, MiB),))
    incr = table(backupd(dep, 'backup-create', '--wait', '--incremental',
                         '--name', 'cli-incr', volume))
    assert incr['is_incremental'] == 'True'
    assert api_backup(dep, full['id'])['has_dependent_backups'] is True

    # restore to a new named volume, then onto an existing one by name
    restored = as_json(backupd(dep, 'backup-restore', '--wait', '--name',
                               'cli-restored', '-f', 'json', 'cli-full'))
    assert restored['volume_name'] == 'cli-restored'
    assert bs.volume_status(dep, restored['volume_id']) == 'available'
    assert volume_file_sha(dep, restored['volume_id']) == full_sha
    backupd(dep, 'backup-restore', '--wait', '--volume', 'cli-restored',
            'cli-incr')
    assert volume_file_sha(dep, restored['volume_id']) == incr_sha
    assert api_backup(dep, incr['id'])['status'] == 'available'

    listed = as_json(backupd(dep, 'backup-list', '--volume-id', volume,
                             '--sort', 'created_at:asc', '-f', 'json'))
    assert [b['id'] for b in listed] == [full['id'], incr['id']]
    values = backupd(dep, 'backup-list', '--status', 'available',
                     '--volume-id', volume, '--limit', '1', '-f',
                     'value').stdout.splitlines()
    assert len(values) == 1 and values[0].split()[0] == incr['id']
    assert table(backupd(dep, 'backup-show', 'cli-incr'))['id'] == incr['id']

    # the parent of an incremental goes first (shared layout,
    # doc/dedup-and-gc.rst; Cinder refuses it); the incremental it leaves
    # still restores byte-exact before it is deleted in turn
    for name, backup_id in (('cli-full', full['id']),
                            ('cli-incr', incr['id'])):
        if name == 'cli-incr':
            again = as_json(backupd(dep, 'backup-restore', '--wait',
                                    '--name', 'cli-again', '-f', 'json',
                                    'cli-incr'))
            assert volume_file_sha(dep, again['volume_id']) == incr_sha
        proc = backupd(dep, 'backup-delete', '--wait', name)
        assert 'Request to delete backup %s has been accepted.' % name \
            in proc.stdout
        assert api_backup(dep, backup_id) is None
        assert bs.backup_files(dep, backup_id) == []


def test_in_use_volume_needs_force_and_api_errors_print_the_message(dep):
    volume = bs.create_volume(dep, project='admin')
    bs.attach(dep, volume, project='admin')
    refused = backupd(dep, 'backup-create', volume, ok=False)
    assert refused.returncode == 1 and refused.stdout == ''
    assert refused.stderr.startswith('ERROR: Volume %s is \'in-use\'' % volume)
    assert 'force' in refused.stderr and '(HTTP 400)' in refused.stderr
    assert bs.volume_status(dep, volume) == 'in-use'

    forced = table(backupd(dep, 'backup-create', '--force', '--wait',
                           volume))
    assert forced['status'] == 'available'
    assert bs.volume_status(dep, volume) == 'in-use'
    # without --wait: the create response, as cinder prints it
    quick = table(backupd(dep, 'backup-create', '--force', '--name', 'q',
                          volume))
    assert set(quick) == {'id', 'name', 'volume_id'}
    assert quick['volume_id'] == volume
    bs.wait_for(dep, 'backups', quick['id'], 'available', project='admin')

    # metadata needs microversion 3.43: refused before any request while
    # the server's maximum is lower
    server_max = requests.get(dep.endpoint + '/v3/').json()[
        'versions'][0]['version']
    if tuple(map(int, server_max.split('.'))) < (3, 43):
        refused = backupd(dep, 'backup-create', '--metadata', 'k=v',
                          volume, ok=False)
        assert refused.stderr.strip() == (
            'ERROR: --metadata needs API microversion 3.43 or later; this '
            'request uses %s (server maximum %s).' % (server_max,
                                                      server_max))
    else:
        made = table(backupd(dep, 'backup-create', '--force', '--wait',
                             '--metadata', 'k=v', volume))
        assert made['metadata'] == '{"k": "v"}'


def test_wait_on_a_failing_backup_exits_non_zero_with_the_reason(dep):
    volume = bs.create_volume(dep, project='admin', name='cli-fails')
    # a file where the container directory should be: the POSIX driver
    # cannot create it and the backup ends in error
    os.makedirs(os.path.join(dep.state_path, 'backup'), exist_ok=True)
    open(os.path.join(dep.state_path, 'backup', 'cli-blocked'), 'w').close()
    proc = backupd(dep, 'backup-create', '--wait', '--container',
                   'cli-blocked', 'cli-fails', ok=False)
    assert proc.returncode == 1
    (line,) = [l for l in proc.stderr.splitlines() if l.startswith('ERROR')]
    assert "ended in status 'error'" in line and 'cli-blocked' in line
    backup_id = line.split()[2]
    shown = api_backup(dep, backup_id)
    assert shown['status'] == 'error' and shown['fail_reason'] in line
    assert bs.volume_status(dep, volume) == 'available'


def test_name_lookups_and_their_errors(dep):
    for _ in range(2):
        bs.create_volume(dep, project='admin', name='cli-twin')
    proc = backupd(dep, 'show', 'cli-twin', ok=False)
    assert proc.stderr.strip() == (
        "ERROR: Multiple volume matches found for 'cli-twin', use an ID to "
        "be more specific.")
    proc = backupd(dep, 'backup-create', 'no-such-volume', ok=False)
    assert proc.stderr.strip() == (
        "ERROR: No volume with a name or ID of 'no-such-volume' exists.")
    proc = backupd(dep, 'backup-show', 'no-such-backup', ok=False)
    assert proc.stderr.strip() == (
        "ERROR: No backup with a name or ID of 'no-such-backup' exists.")
    volume = bs.create_volume(dep, project='admin')
    for _ in range(2):
        bs.create_backup(dep, volume, project='admin', name='cli-twin-b')
    proc = backupd(dep, 'backup-restore', 'cli-twin-b', ok=False)
    assert proc.stderr.strip() == (
        "ERROR: Multiple backup matches found for 'cli-twin-b', use an ID "
        "to be more specific.")

    # a non-admin finds its own volume by name; all_tenants=1 is ignored
    mine = bs.create_volume(dep, project='demo', name='cli-mine')
    shown = as_json(backupd(dep, 'show', 'cli-mine', '-f', 'json',
                            user='demo', project='demo'))
    assert shown['id'] == mine
    # the admin's lookup covers every project (all_tenants=1)
    assert as_json(backupd(dep, 'show', 'cli-mine', '-f', 'json'))['id'] \
        == mine
    proc = backupd(dep, 'show', 'cli-twin', user='demo', project='demo',
                   ok=False)
    assert "No volume with a name or ID of 'cli-twin'" in proc.stderr


def test_noauth_identity_reaches_the_server(dep):
    """X-User-Id / X-Project-Id / "user:project" as cinderclient sends
    them: the server's view of who created the volume, and its 403."""
    proc = backupd(dep, 'create', '--name', 'cli-owned', '--wait', '-f',
                   'json', '1', user='alice', project='proj-a')
    volume = as_json(proc)
    assert volume['user_id'] == 'alice'
    resp = dep.request('GET', '/volumes/%s' % volume['id'], admin=True)
    assert resp.json()['volume']['os-vol-tenant-attr:tenant_id'] == 'proj-a'
    assert dep.request('GET', '/volumes/%s' % volume['id'], user='alice',
                       project='proj-a').status_code == 200

    refused = backupd(dep, 'service-list', user='alice', project='proj-a',
                      ok=False)
    assert refused.returncode == 1 and '(HTTP 403)' in refused.stderr
    services = as_json(backupd(dep, 'service-list', '-f', 'json'))
    assert {s['binary'] for s in services} >= {'cinder-volume',
                                                'cinder-backup'}
    # the process name still filters, as the shown one does
    for name in ('cinder-backup', 'backupd-backup'):
        listed = backupd(dep, 'service-list', '--binary', name)
        assert 'cinder-backup' in listed.stdout
        assert 'cinder-volume' not in listed.stdout

    # the same through OS_* variables
    env = {'OS_AUTH_TYPE': 'noauth', 'OS_USER_ID': 'alice',
           'OS_PROJECT_ID': 'proj-a',
           'OS_ENDPOINT': dep.endpoint}  # no /v3: added with the project
    proc = subprocess.run([BACKUPD, 'list', '-f', 'json'], text=True,
                          capture_output=True, timeout=120,
                          env=dict(os.environ, **env))
    assert proc.returncode == 0, proc.stderr
    assert volume['id'] in [v['id'] for v in json.loads(proc.stdout)]


def test_volume_and_snapshot_commands(dep):
    volume = as_json(backupd(dep, 'create', '--name', 'cli-vol', '--wait',
                             '--metadata', 'a=1', 'b=2', '-f', 'json',
                             '1'))
    assert volume['metadata'] == {'a': '1', 'b': '2'}
    ids = as_json(backupd(dep, 'list', '--name', 'cli-vol', '-f', 'json'))
    assert [v['id'] for v in ids] == [volume['id']]
    assert volume['id'] in backupd(dep, 'list', '--all-tenants').stdout

    extended = as_json(backupd(dep, 'extend', '--wait', '-f', 'json',
                               'cli-vol', '2'))
    assert extended['size'] == 2 and extended['status'] == 'available'
    too_small = backupd(dep, 'extend', 'cli-vol', '1', ok=False)
    assert 'new_size' in too_small.stderr

    # a snapshot on a terminal: the progress bar with the percentage
    master, slave = pty.openpty()
    proc = backupd(dep, 'snapshot-create', '--wait', '--name', 'cli-snap',
                   '-f', 'json', 'cli-vol', stderr=slave)
    os.close(slave)
    drawn = read_pty(master)
    snapshot = json.loads(proc.stdout)
    assert snapshot['status'] == 'available'
    assert '\r' in drawn and '100%' in drawn and '#' * 30 in drawn
    assert table(backupd(dep, 'snapshot-show', 'cli-snap'))['id'] == \
        snapshot['id']
    listed = backupd(dep, 'snapshot-list', '--volume-id', volume['id'],
                     '-f', 'value').stdout.split()
    assert listed[:3] == [snapshot['id'], volume['id'], 'available']
    refused = backupd(dep, 'delete', 'cli-vol', ok=False)
    assert 'snapshot' in refused.stderr.lower()
    backupd(dep, 'snapshot-delete', '--wait', 'cli-snap')
    assert dep.request('GET', '/snapshots/%s' % snapshot['id'],
                       admin=True).status_code == 404

    backupd(dep, 'reset-state', '--state', 'error', 'cli-vol')
    assert bs.volume_status(dep, volume['id']) == 'error'
    backupd(dep, 'reset-state', 'cli-vol')
    assert bs.volume_status(dep, volume['id']) == 'available'
    theirs = bs.create_volume(dep, project='demo')
    member = backupd(dep, 'force-delete', theirs, user='demo',
                     project='demo', ok=False)
    assert '(HTTP 403)' in member.stderr
    assert bs.volume_status(dep, theirs) == 'available'
    proc = backupd(dep, 'force-delete', '--wait', 'cli-vol')
    assert 'Request to force-delete volume cli-vol' in proc.stdout
    assert dep.request('GET', '/volumes/%s' % volume['id'],
                       admin=True).status_code == 404

    other = bs.create_volume(dep, project='admin')
    proc = backupd(dep, 'delete', '--wait', other, 'not-there', ok=False)
    assert "No volume with a name or ID of 'not-there'" in proc.stderr
    assert 'Unable to delete 1 of the 2 specified volumes' in proc.stderr
    assert dep.request('GET', '/volumes/%s' % other,
                       admin=True).status_code == 404


def test_admin_backup_actions_and_records(dep):
    volume = bs.create_volume(dep, project='admin', name='cli-admin')
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=41,
                           regions=((0, MiB),))
    backup = table(backupd(dep, 'backup-create', '--wait', 'cli-admin'))
    backup_id = backup['id']

    hidden = backupd(dep, 'backup-reset-state', '--state', 'error',
                     backup_id, user='demo', project='demo', ok=False)
    assert "No backup with a name or ID of '%s'" % backup_id in hidden.stderr
    backupd(dep, 'backup-reset-state', '--state', 'error', backup_id)
    assert api_backup(dep, backup_id)['status'] == 'error'
    backupd(dep, 'backup-reset-state', backup_id)  # available, verified
    assert api_backup(dep, backup_id)['status'] == 'available'

    record = as_json(backupd(dep, 'backup-export', '-f', 'json', backup_id))
    assert set(record) == {'backup_service', 'backup_url'}
    # the row is lost, the stored data is not (as after restoring a
    # database dump): injected with SQL, no API loses a row like that
    bs.sql(dep, "UPDATE backups SET deleted = :yes, status = 'deleted' "
           'WHERE id = :id', id=backup_id, yes=True)
    assert api_backup(dep, backup_id) is None
    imported = as_json(backupd(dep, 'backup-import', '--wait', '-f', 'json',
                               record['backup_service'],
                               record['backup_url']))
    assert imported['id'] == backup_id and imported['status'] == 'available'
    restored = as_json(backupd(dep, 'backup-restore', '--wait', '-f', 'json',
                               backup_id))
    assert volume_file_sha(dep, restored['volume_id']) == sha

    proc = backupd(dep, 'backup-force-delete', '--wait', backup_id)
    assert 'Request to force-delete backup %s' % backup_id in proc.stdout
    assert api_backup(dep, backup_id) is None
    assert bs.backup_files(dep, backup_id) == []
    other = table(backupd(dep, 'backup-create', '--wait', 'cli-admin'))
    backupd(dep, 'backup-delete', '--force', '--wait', other['id'])
    assert api_backup(dep, other['id']) is None


def read_pty(master):
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b''.join(chunks).decode()


def test_terminal_progress_and_wait_on_a_delayed_delete(backupd_all_factory):
    dep = backupd_all_factory(conf={'DEFAULT': {'delayed_delete': True}})
    bs.create_volume(dep, project='admin', name='cli-dd')
    # a backup on a terminal: its status redrawn in place (the percentage
    # of a running backup: test_wait_shows_a_running_backups_percentage)
    master, slave = pty.openpty()
    proc = backupd(dep, 'backup-create', '--wait', '-f', 'json', 'cli-dd',
                   stderr=slave)
    os.close(slave)
    drawn = read_pty(master)
    backup_id = json.loads(proc.stdout)['id']
    assert '\r' in drawn and 'backup %s: available' % backup_id in drawn
    assert drawn.endswith('\n')

    # delayed delete: an admin still sees the row, pending_delete; --wait
    # ends there instead of waiting for the scrubber
    proc = backupd(dep, 'backup-delete', '--wait', backup_id)
    assert 'is pending_delete' in proc.stdout
    assert api_backup(dep, backup_id)['status'] == 'pending_delete'
    # for its project the backup is gone at once
    volume = bs.create_volume(dep, project='demo', name='cli-dd-demo')
    backup = table(backupd(dep, 'backup-create', '--wait', volume,
                           user='demo', project='demo'))
    proc = backupd(dep, 'backup-delete', '--wait', backup['id'],
                   user='demo', project='demo')
    assert 'pending_delete' not in proc.stdout
    assert api_backup(dep, backup['id'], project='demo') is None


def test_wait_shows_a_running_backups_percentage(dep):
    """X-Backupd-Progress: the percentage of a backup being created, which
    --wait draws. The backup is made to stand still in 'creating' at 42 %
    by SQL (a real backup of a test volume ends before a poll could be
    timed to land midway); it moves on once the 42 % has been drawn."""
    volume = bs.create_volume(dep, project='admin', name='cli-progress')
    backup_id = bs.create_backup(dep, volume, project='admin')
    assert 'X-Backupd-Progress' not in dep.request(
        'GET', '/backups/%s' % backup_id, project='admin',
        admin=True).headers
    bs.sql(dep, "UPDATE backups SET status = 'creating', progress = 42 "
           "WHERE id = :id", id=backup_id)
    resp = dep.request('GET', '/backups/%s' % backup_id, project='admin',
                       admin=True)
    assert resp.headers['X-Backupd-Progress'] == '42'
    assert 'progress' not in resp.json()['backup']    # Cinder's keys only

    class Out(io.StringIO):
        def write(self, text):
            if '42%' in text:
                bs.sql(dep, "UPDATE backups SET status = 'available', "
                       "progress = 100 WHERE id = :id", id=backup_id)
            return super().write(text)

    argv = noauth(dep) + ['backup-show', backup_id]
    client = shell.make_client(shell.build_parser(argv).parse_args(argv))
    out = Out()
    final = wait.wait(client, 'backups', backup_id, ('available',),
                      ('error',), timeout=60, out=out)
    assert final['status'] == 'available'
    lines = out.getvalue().splitlines()
    assert lines[0].startswith('backup %s: creating (storing data) 42%% ('
                               % backup_id)        # the phase: the header
    assert lines[-1].startswith('backup %s: available (' % backup_id)
