"""OpenStack's own conformance suite, Tempest's volume API tests, against a
backupd-all behind a real Keystone (issue 21; doc/tempest.rst).

Tempest (pinned in constraints-tempest.txt, its own virtualenv made by
tools/tempest-venv.sh) runs ``tempest run --regex '^tempest\\.api\\.volume'``
with dynamic credentials: it creates its projects and users in Keystone,
finds backupd in the catalog and checks every response against its schemas.
The cloud has no Nova, Glance, Neutron or Swift; tests/tempest/plugin lifts
the class-level checks for those that volume-only tests do not need, and
tests/tempest/exclude-list.txt names the tests not run, each with a reason.
The test fails on any Tempest failure and names the failed tests.
"""
import os
import re
import subprocess
import sys

import pytest

from backupd.api import microversions
from tests.fixtures.keystone_server import PASSWORD

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TEMPEST_DIR = os.path.join(REPO, 'tests', 'tempest')
VENV = os.environ.get('BACKUPD_TEMPEST_VENV',
                      os.path.join(REPO, '.venv-tempest'))
REGEX = r'^tempest\.api\.volume'
# Tempest's workers: its tests wait on volumes far more than they compute
CONCURRENCY = int(os.environ.get('BACKUPD_TEMPEST_CONCURRENCY', '6'))
TIMEOUT = 900
# Longer service intervals than the test deployments' (services.Deployment:
# heartbeats every second, periodic tasks every 2 s) for tests that wait on
# them; Tempest waits on none, and over its minutes those short intervals
# keep an idle backupd-all at ~0.019 CPU-s a second, these at ~0.007. The
# lease stays several periodic intervals long (doc/reliability.rst).
BACKUPD_CONF = {'DEFAULT': {'report_interval': '10',
                            'periodic_interval': '10',
                            'service_down_time': '60',
                            'operation_lease_time': '60',
                            'reconcile_interval': '60'}}

# its own xdist group, handed out first (tests/conftest.py): the longest test
pytestmark = [pytest.mark.xdist_group('tempest'), pytest.mark.start_first]


def tempest_missing():
    if not os.path.exists(os.path.join(VENV, 'bin', 'tempest')):
        return ('no Tempest virtualenv at %s: run tools/tempest-venv.sh '
                '(tools/run-tests does)' % VENV)
    return None


def write_config(path, workdir, keystone, pool):
    with open(os.path.join(TEMPEST_DIR, 'tempest.conf.template')) as f:
        template = f.read()
    capabilities = pool['capabilities']
    with open(path, 'w') as f:
        f.write(template.format(
            workdir=workdir, keystone_url=keystone.url,
            admin_password=PASSWORD,
            max_microversion=microversions.MAX_VERSION,
            backend_name=capabilities['volume_backend_name'],
            storage_protocol=capabilities['storage_protocol'],
            vendor_name=capabilities['vendor_name']))


def run_tempest(workdir, conf_path, regex=REGEX):
    cmd = [os.path.join(VENV, 'bin', 'tempest'), 'run',
           '--config-file', conf_path, '--regex', regex,
           '--exclude-list', os.path.join(TEMPEST_DIR, 'exclude-list.txt'),
           '--concurrency', str(CONCURRENCY)]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'TEMPEST_'))}
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)


def totals(output):
    """{'passed': N, 'failed': N, 'skipped': N} from tempest run's summary."""
    found = {}
    for key in ('Passed', 'Failed', 'Skipped'):
        match = re.search(r'^ - %s: (\d+)$' % key, output, re.M)
        found[key.lower()] = int(match.group(1)) if match else None
    return found


def failed_tests(output):
    return sorted(set(re.findall(r'^\{\d+\} (\S+) .*\.\.\. FAILED$',
                                 output, re.M)))


def test_tempest_volume_api(keystone, keystone_backupd_factory, tmp_path):
    missing = tempest_missing()
    if missing:
        pytest.skip(missing)
    dep = keystone_backupd_factory(BACKUPD_CONF)
    pools = dep.request('GET', '/scheduler-stats/get_pools?detail=true',
                        admin=True)
    assert pools.status_code == 200, pools.text
    workdir = str(tmp_path)
    conf_path = os.path.join(workdir, 'tempest.conf')
    write_config(conf_path, workdir, keystone, pools.json()['pools'][0])
    proc = run_tempest(workdir, conf_path,
                       os.environ.get('BACKUPD_TEMPEST_REGEX', REGEX))
    output = proc.stdout + proc.stderr
    with open(os.path.join(workdir, 'tempest-run.txt'), 'w') as f:
        f.write(output)
    sys.stdout.write(output[-20000:])
    counts = totals(output)
    assert counts['failed'] == 0 and proc.returncode == 0, (
        'Tempest: %s, exit %s; failed:\n  %s\nfull output and tempest.log '
        'in %s\n%s' % (counts, proc.returncode,
                       '\n  '.join(failed_tests(output)), workdir,
                       output[-6000:]))
    # a run that ran nothing proves nothing
    assert counts['passed'] and counts['passed'] >= int(
        os.environ.get('BACKUPD_TEMPEST_MIN_PASSED', '150')), counts
