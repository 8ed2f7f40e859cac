"""An operator's first hour: a fresh clone, an empty HOME, no config file,
and the commands of README.rst, doc/backup-walkthrough.rst, doc/cli.rst and
doc/scrubber.rst in that order, each guide cleaning up after itself.

Every command run is first looked up, word for word, in its guide (so the
guides and this test cannot drift apart); only the endpoint's port differs
(the guides say 8776, this test's API gets a port of its own through
OS_DEFAULT__OSAPI_VOLUME_LISTEN_PORT, which the README documents). Where a
guide says "wait for ..." the test polls the API.

Fast yet honest about what it runs: the clone (``git clone`` of this
repository's HEAD, so uncommitted changes are not in it) is not installed
into a virtualenv of its own, which would take minutes; its code runs with
PYTHONPATH pointing at the clone and the console scripts and CLIs of this
checkout's .venv, whose entry points (drivers) are this checkout's
(``test_code_comes_from_the_clone`` checks which backupd is imported).
``tools/run-embedded`` is replaced by the ``backupd-all`` it would exec.

Asserts: no traceback, WARNING or INFO line in any command's output, no
traceback or ERROR in the service log; a volume created and available
within 2 s of the API's first answer; restored bytes equal to the written
ones; the percentages --wait prints never go back.
"""
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.fixtures.ports import reserve_port
from tests.fixtures.services import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
GUIDES = ('README.rst', 'doc/backup-walkthrough.rst', 'doc/cli.rst',
          'doc/scrubber.rst')
SCRUBBER_ENV = {'OS_DEFAULT__DELAYED_DELETE': 'true',
                'OS_DEFAULT__SCRUB_TIME': '3600'}


class Newcomer:
    def __init__(self, tmp):
        self.clone = str(tmp / 'backupd')
        subprocess.run(['git', 'clone', '-q', ROOT, self.clone], check=True,
                       capture_output=True, timeout=120)
        self.home = tmp / 'home'
        self.home.mkdir()
        self._port = reserve_port()
        self.port = self._port.getsockname()[1]
        self.api = 'http://127.0.0.1:%d' % self.port
        self.env = {
            'HOME': str(self.home), 'PATH': '%s:/usr/bin:/bin' % BIN,
            'PYTHONPATH': self.clone, 'LANG': 'C.UTF-8',
            'OS_DEFAULT__OSAPI_VOLUME_LISTEN_PORT': str(self.port)}
        self.outputs = []           # (command, stdout + stderr) of each
        self.service = None
        self.guides = {name: _normalized(open(os.path.join(
            self.clone, name)).read()) for name in GUIDES}
        for guide, setup in (('README.rst', CINDER_SETUP),
                             ('doc/backup-walkthrough.rst', CINDER_SETUP),
                             ('doc/cli.rst', BACKUPD_SETUP)):
            assert _normalized(setup) in self.guides[guide], guide

    # -- the service ---------------------------------------------------------
    def start(self, **env):
        """``tools/run-embedded``: backupd-all, no config file. Returns when
        the API first answers (its time.monotonic())."""
        self.log = open(self.home / 'backupd-all.log', 'ab')
        self.service = subprocess.Popen(
            [os.path.join(BIN, 'backupd-all')], cwd=self.clone,
            env=dict(self.env, **env), stdout=self.log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)

        def answers():
            assert self.service.poll() is None, self.service_log()
            try:
                return requests.get(self.api + '/', timeout=5) is not None
            except requests.ConnectionError:
                return False
        wait_for(answers, 60, interval=0.02, what='the API')
        return time.monotonic()

    def running(self, **env):
        """Started unless it runs already (a test run alone, -k)."""
        if self.service is None:
            self.start(**env)
        return self

    def stop(self):
        """Ctrl-C."""
        if self.service is None:
            return
        if self.service.poll() is None:
            os.killpg(self.service.pid, signal.SIGINT)
            self.service.wait(30)
        self.service = None
        self.log.close()

    def service_log(self):
        return (self.home / 'backupd-all.log').read_text(errors='replace')

    # -- the guides' commands ------------------------------------------------
    def run(self, guide, command, expect_ok=True, then=''):
        """Run ``command`` as the guide shows it (bash, with the guides'
        cinder and backupd aliases), then ``then``; the output."""
        assert _normalized(command) in self.guides[guide], (
            '%r is not in %s' % (command, guide))
        script = (ALIASES + command).replace(
            '127.0.0.1:8776', '127.0.0.1:%d' % self.port) + then
        proc = subprocess.run(
            ['bash', '-c', 'shopt -s expand_aliases\n' + script],
            cwd=self.clone, env=self.env,
            capture_output=True, text=True, timeout=180,
            stdin=subprocess.DEVNULL)
        output = proc.stdout + proc.stderr
        self.outputs.append((command, output))
        assert (proc.returncode == 0) == expect_ok, (command, output)
        assert 'Traceback' not in output, (command, output)
        # e.g. cinder's "downgrading to 3.64", or a CLI's log lines
        assert 'WARNING' not in output and ' INFO ' not in output, (
            command, output)
        return proc.stdout, proc.stderr

    def value(self, guide, assignment):
        """A guide's ``X=$(...)`` line; X's value, kept for later lines."""
        name = assignment.split('=', 1)[0]
        out, _ = self.run(guide, assignment, then='\necho "$%s"' % name)
        self.env[name] = out.strip().splitlines()[-1]
        return self.env[name]

    # -- waiting, as the guides tell the reader to ----------------------------
    def get(self, path):
        return requests.get(self.api + '/v3/admin' + path, headers={
            'X-Auth-Token': 'admin:admin'}, timeout=30)

    def find(self, collection, name):
        found = [o for o in self.get('/%s/detail' % collection).json()[
            collection] if o['name'] == name]
        return found[0] if found else None

    def wait_status(self, collection, name, status):
        wait_for(lambda: (self.find(collection, name) or {}).get('status')
                 == status, 60, interval=0.1,
                 what='%s %s %s' % (collection, name, status))

    def wait_gone(self, collection, name):
        wait_for(lambda: self.find(collection, name) is None, 60,
                 interval=0.1, what='%s %s gone' % (collection, name))


# The guides' set-up lines, checked against them in Newcomer.__init__
# (PATH is this checkout's .venv/bin already).
CINDER_SETUP = """
export OS_VOLUME_API_VERSION=3.64   # what backupd serves (cinder asks 3.71)
alias cinder='cinder --os-auth-type noauth --os-user-id admin \\
    --os-project-id admin --os-endpoint http://127.0.0.1:8776/v3/admin'
"""
BACKUPD_SETUP = """
alias backupd='backupd --os-auth-type noauth --os-user-id admin \\
    --os-project-id admin --os-endpoint http://127.0.0.1:8776/v3/admin'
"""
ALIASES = CINDER_SETUP + BACKUPD_SETUP


def _normalized(text):
    return ' '.join(text.replace('\\\n', ' ').split())


@pytest.fixture(scope='module')
def newcomer(tmp_path_factory):
    person = Newcomer(tmp_path_factory.mktemp('newcomer'))
    yield person
    person.stop()
    person._port.close()


def test_code_comes_from_the_clone(newcomer):
    out = subprocess.run(
        [sys.executable, '-c', 'import backupd; print(backupd.__file__)'],
        env=newcomer.env, capture_output=True, text=True, check=True,
        cwd=newcomer.home).stdout
    assert out.startswith(newcomer.clone + os.sep)


def test_first_volume_within_two_seconds_of_the_api(newcomer):
    answered = newcomer.start()
    headers = {'X-Auth-Token': 'admin:admin'}
    while True:
        resp = requests.post(newcomer.api + '/v3/admin/volumes',
                             headers=headers, timeout=10,
                             json={'volume': {'size': 1, 'name': 'first'}})
        if resp.status_code != 503 or time.monotonic() - answered > 5:
            break
    assert resp.status_code == 202, resp.text
    newcomer.wait_status('volumes', 'first', 'available')
    assert time.monotonic() - answered < 2.0
    requests.delete(newcomer.api + '/v3/admin/volumes/%s'
                    % resp.json()['volume']['id'], headers=headers,
                    timeout=10).raise_for_status()
    newcomer.wait_gone('volumes', 'first')


def test_readme_quickstart(newcomer):
    g, run = 'README.rst', newcomer.running().run
    out, _ = run(g, 'cinder service-list')
    assert re.search(r'cinder-volume .* up ', out), out
    assert re.search(r'cinder-backup .* up ', out), out
    run(g, 'cinder create --name demo 1')
    newcomer.wait_status('volumes', 'demo', 'available')
    run(g, 'cinder snapshot-create --name demo-snap demo')
    newcomer.wait_status('snapshots', 'demo-snap', 'available')
    newcomer.value(g, "V=$(cinder show demo | awk '/ id /{print $4}')")
    run(g, """curl -s -X POST -H 'X-Auth-Token: admin:admin' \\
        -H 'Content-Type: application/json' \\
        -d '{"os-attach": {"mountpoint": "/dev/vdb"}}' \\
        http://127.0.0.1:8776/v3/admin/volumes/$V/action""")
    assert newcomer.find('volumes', 'demo')['status'] == 'in-use'
    run(g, """curl -s -X POST -H 'X-Auth-Token: admin:admin' \\
        -H 'Content-Type: application/json' -d '{"os-detach": {}}' \\
        http://127.0.0.1:8776/v3/admin/volumes/$V/action""")
    run(g, 'cinder snapshot-delete demo-snap')
    newcomer.wait_gone('snapshots', 'demo-snap')
    run(g, 'cinder delete demo')
    newcomer.wait_gone('volumes', 'demo')


def test_backup_walkthrough(newcomer):
    g, run = 'doc/backup-walkthrough.rst', newcomer.running().run
    run(g, 'cinder create --name walk-data 1')
    newcomer.wait_status('volumes', 'walk-data', 'available')
    newcomer.value(g, "V=$(cinder show walk-data | awk '/ id /{print $4}')")
    newcomer.value(g, 'F=~/.local/share/backupd/volumes/volume-$V')
    run(g, 'dd if=/dev/urandom of=$F bs=1M count=8 conv=notrunc')
    written = run(g, 'head -c 8M $F | sha256sum')[0].split()[0]
    run(g, """curl -s -X POST -H 'X-Auth-Token: admin:admin' \\
        -H 'Content-Type: application/json' \\
        -d '{"os-attach": {"instance_uuid": "11111111-2222-3333-4444-555555555555", "mountpoint": "/dev/vdb"}}' \\
        http://127.0.0.1:8776/v3/admin/volumes/$V/action""")
    _, err = run(g, 'cinder backup-create --name walk-nightly walk-data',
                 expect_ok=False)
    assert 'force' in err and '400' in err, err
    run(g, 'cinder backup-create --force --name walk-nightly walk-data')
    newcomer.wait_status('backups', 'walk-nightly', 'available')
    assert newcomer.find('volumes', 'walk-data')['status'] == 'in-use'
    run(g, 'cinder backup-create --force --incremental --name '
           'walk-nightly-2 walk-data')
    newcomer.wait_status('backups', 'walk-nightly-2', 'available')
    run(g, 'cinder backup-restore --name walk-copy walk-nightly')
    run(g, 'cinder backup-restore --name walk-copy-2 walk-nightly-2')
    for name in ('walk-copy', 'walk-copy-2'):
        newcomer.wait_status('volumes', name, 'available')
    newcomer.wait_status('backups', 'walk-nightly', 'available')
    run(g, 'cinder create --name walk-target 1')
    newcomer.wait_status('volumes', 'walk-target', 'available')
    run(g, 'cinder backup-restore --volume walk-target walk-nightly')
    newcomer.wait_status('backups', 'walk-nightly', 'available')
    newcomer.wait_status('volumes', 'walk-target', 'available')
    newcomer.value(g, "R=$(cinder show walk-copy | awk '/ id /{print $4}')")
    restored = run(g, 'head -c 8M ~/.local/share/backupd/volumes/'
                      'volume-$R | sha256sum')[0].split()[0]
    assert restored == written
    target = newcomer.find('volumes', 'walk-target')['id']
    with open(os.path.join(newcomer.home, '.local/share/backupd/volumes',
                           'volume-' + target), 'rb') as f:
        assert hashlib.sha256(f.read(8 << 20)).hexdigest() == written

    # No config file: the same state as backupd-all (doc/configuration.rst)
    out, _ = run(g, 'backupd-manage backup verify --all')
    assert '2 backup(s) verified, 0 with problems' in out, out

    run(g, """curl -s -X POST -H 'X-Auth-Token: admin:admin' \\
        -H 'Content-Type: application/json' -d '{"os-detach": {}}' \\
        http://127.0.0.1:8776/v3/admin/volumes/$V/action""")
    run(g, 'cinder backup-delete walk-nightly-2')
    newcomer.wait_gone('backups', 'walk-nightly-2')     # 'backup-list'
    run(g, 'cinder backup-delete walk-nightly')
    run(g, 'cinder delete walk-data walk-target walk-copy walk-copy-2')
    for name in ('walk-data', 'walk-target', 'walk-copy', 'walk-copy-2'):
        newcomer.wait_gone('volumes', name)
    newcomer.wait_gone('backups', 'walk-nightly')


def test_cli_examples(newcomer):
    g, run = 'doc/cli.rst', newcomer.running().run
    run(g, 'backupd create --name cli-data --wait 1')
    run(g, 'backupd backup-create --wait --name cli-nightly cli-data')
    run(g, 'backupd backup-create --wait --incremental --force --name '
           'cli-nightly-2 cli-data')
    out, _ = run(g, 'backupd backup-list --volume-id $(backupd show '
                    'cli-data -f json | jq -r .id)')
    assert 'cli-nightly-2' in out and 'cli-nightly ' in out, out
    _, err = run(g, 'backupd backup-restore --wait --name cli-copy '
                    'cli-nightly')
    assert_monotonic(err)
    run(g, 'backupd backup-delete --wait cli-nightly-2')
    run(g, 'backupd backup-delete --wait cli-nightly')
    run(g, 'backupd delete --wait cli-copy cli-data')
    assert newcomer.get('/volumes').json()['volumes'] == []
    assert newcomer.get('/backups').json()['backups'] == []


def assert_monotonic(progress_lines):
    seen = {}
    for status, percent in re.findall(r': (\w+)(?: \([^)]*\))? (\d+)%',
                                      progress_lines):
        assert int(percent) >= seen.get(status, 0), progress_lines
        seen[status] = int(percent)


def test_scrubber_guide(newcomer):
    g, run = 'doc/scrubber.rst', newcomer.run
    newcomer.stop()
    newcomer.start(**SCRUBBER_ENV)
    run(g, 'cinder create --name scrub-vol 1')
    newcomer.wait_status('volumes', 'scrub-vol', 'available')
    run(g, 'cinder backup-create --name scrub-backup scrub-vol')
    newcomer.wait_status('backups', 'scrub-backup', 'available')
    run(g, 'cinder backup-delete scrub-backup')
    newcomer.stop()
    backup = newcomer.value(g, "B=$(backupd-scrubber --list-pending | "
                               "awk '/scrub-backup/{print $2}')")
    assert re.match('^[0-9a-f-]{36}$', backup), backup
    out, _ = run(g, 'backupd-scrubber --restore $B')
    assert "Backup %s restored: it is 'available' again." % backup in out
    newcomer.start(**SCRUBBER_ENV)
    assert newcomer.find('backups', 'scrub-backup')['status'] == 'available'
    run(g, 'cinder backup-delete --force scrub-backup')
    run(g, 'cinder delete scrub-vol')
    newcomer.wait_gone('backups', 'scrub-backup')
    newcomer.wait_gone('volumes', 'scrub-vol')


def test_no_traceback_anywhere(newcomer):
    """Each command's output was checked as it ran (Newcomer.run); here
    the service's log of everything the guides did."""
    newcomer.running()
    log = newcomer.service_log()
    assert 'Traceback' not in log and ' ERROR ' not in log, log[-5000:]
