"""pytest plugin: CPU seconds each test costs, its subprocesses included.

    PYTHONPATH=tools/pytest_plugins .venv/bin/python -m pytest -n 0 \
        -p cpu_per_test tests/functional/test_x.py

prints, at the end, the CPU (user + system, this process and the children
it reaped during the test) and wall time of each test and of each module.
A module-scoped deployment's processes are counted when they are reaped,
that is in the module's last test; Python also reaps a dropped Popen at
the next Popen, so run a module alone (``-n 0``) for figures that add up.
BACKUPD_CPU_RECORD=<file> appends one JSON line per test as well (works
under xdist: each worker appends its own lines).
"""
import collections
import json
import os
import resource
import time

import pytest

_records = []


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, wall = _cpu(), time.monotonic()
    yield
    record = {'id': item.nodeid, 'cpu': _cpu() - cpu,
              'wall': time.monotonic() - wall}
    _records.append(record)
    path = os.environ.get('BACKUPD_CPU_RECORD')
    if path:
        with open(path, 'a') as f:
            f.write(json.dumps(record) + '\n')


def pytest_terminal_summary(terminalreporter):
    if not _records:
        return
    write = terminalreporter.write_line
    terminalreporter.section('CPU per test (s)')
    for r in sorted(_records, key=lambda r: -r['cpu']):
        write('%7.2f cpu %7.2f wall  %s' % (r['cpu'], r['wall'], r['id']))
    modules = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for r in _records:
        m = modules[r['id'].split('::')[0]]
        m[0] += r['cpu']
        m[1] += r['wall']
        m[2] += 1
    terminalreporter.section('CPU per module (s)')
    for name, (cpu, wall, n) in sorted(modules.items(), key=lambda x: -x[1][0]):
        write('%7.2f cpu %7.2f wall %4d tests  %s' % (cpu, wall, n, name))
    write('total: %.1f CPU-s in %d tests' % (
        sum(r['cpu'] for r in _records), len(_records)))
