"""Running the backupd CLI under noauth, and reading the tables the
backupd and cinder CLIs print."""
import json
import os
import subprocess
import sys

from tests.fixtures import services

BACKUPD = os.path.join(os.path.dirname(sys.executable), 'backupd')


def noauth(dep, user='admin', project='admin'):
    """The backupd CLI options that reach ``dep`` as ``user`` in
    ``project`` under noauth."""
    return ['--os-auth-type', 'noauth', '--os-user-id', user,
            '--os-project-id', project,
            '--os-endpoint', '%s/v3/%s' % (dep.endpoint, project)]


def backupd(dep, *args, user='admin', project='admin', ok=True, env=None,
            **kw):
    """Run ``backupd`` with noauth options; ``ok``: expect exit status 0
    (True), non-zero (False) or don't check (None)."""
    cmd = [BACKUPD] + noauth(dep, user, project) + list(args)
    env = dict(os.environ, **(env or {}))
    if kw:      # a terminal of the test's own as stderr, say
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True,
                              timeout=180, stdin=subprocess.DEVNULL,
                              env=env, **kw)
    else:
        proc = services.run_script(cmd, timeout=180, env=env)
    assert 'Traceback' not in (proc.stderr or ''), proc.stderr
    if ok is not None:
        assert (proc.returncode == 0) == ok, (
            '%s -> %s\nstdout: %s\nstderr: %s' % (
                ' '.join(args), proc.returncode, proc.stdout, proc.stderr))
    return proc


def as_json(proc):
    return json.loads(proc.stdout)


def _text(output):
    """The printed text: ``output`` itself or a finished process's stdout."""
    return getattr(output, 'stdout', output)


def table(output):
    """{Property: Value} of a show-style table (backupd or cinder)."""
    rows = {}
    for line in _text(output).splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) == 2 and cells[0] not in ('Property', ''):
            rows[cells[0]] = cells[1]
    return rows


def listing(output):
    """Rows of a list-style table as dicts."""
    lines = [line for line in _text(output).splitlines()
             if line.startswith('|')]
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    return [dict(zip(header, (c.strip() for c in line.strip('|').split('|'))))
            for line in lines[1:]]
