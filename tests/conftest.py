"""Test-wide setup.

Fixtures live in tests/fixtures/<area>.py (one module per area, so people
working on different areas never edit the same file) and are loaded here.
"""
import os

import pytest

# Listed before the plugins that import them (pytest rewrites the asserts
# of a plugin only if it is not imported yet).
pytest_plugins = [
    'tests.fixtures.parallel',   # test groups for pytest -n (tools/run-tests)
    'tests.fixtures.schema_template',  # backupd-all's migrated database
    'tests.fixtures.swift',
    'tests.fixtures.xfs',
    'tests.fixtures.services',
    'tests.fixtures.api_inprocess',  # the paste app in this process
    'tests.fixtures.db',
    'tests.fixtures.volume_manager',
    'tests.fixtures.lvm',
    'tests.fixtures.keystone',   # a real Keystone, backupd behind it
]

IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')

# Every backupd process the tests start (a few hundred) imports eventlet,
# whose green DNS resolver pulls in dnspython: a fifth of a process's
# start-up CPU. The tests name every host by address (127.0.0.1), which
# never reaches a resolver, so they run without it; services in production
# keep it (a lookup must not block the hub). doc/contributor/testing.rst.
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')


def _fail_if_skipped(report):
    if IN_CI and report.skipped and not hasattr(report, 'wasxfail'):
        report.outcome = 'failed'
        report.longrepr = ('skipped in CI (CI=true forbids skips): %s'
                           % (report.longrepr,))


# Both hooks run where the test runs: in the pytest-xdist worker under -n,
# which sends the changed report to the controller (checked with a
# deliberately skipping test, module and test level, serial and -n).
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skip is a failure: a missing service or tool must be installed."""
    outcome = yield
    _fail_if_skipped(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (``pytest.skip(...,
    allow_module_level=True)``, ``pytest.importorskip``)."""
    outcome = yield
    _fail_if_skipped(outcome.get_result())


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'start_first: a long test that pytest-xdist hands out '
                   'before the others, so it does not end the run late '
                   '(tests/functional/test_tempest.py)')


def pytest_collection_modifyitems(items):
    """Tests marked start_first first in a serial run too (a stable sort:
    the rest keep their order); under -n the scheduler of
    tests/fixtures/parallel.py orders the units itself."""
    items.sort(key=lambda item: item.get_closest_marker('start_first') is None)
