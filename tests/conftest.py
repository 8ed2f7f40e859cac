"""Test-wide setup.

Fixtures live in tests/fixtures/<area>.py (one module per area, so people
working on different areas never edit the same file) and are loaded here.
"""
import os

import pytest

pytest_plugins = [
    'tests.fixtures.swift',
    'tests.fixtures.xfs',
    'tests.fixtures.services',
    'tests.fixtures.lvm',
]

IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skip is a failure: a missing service or tool must be installed."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, 'wasxfail'):
        report.outcome = 'failed'
        report.longrepr = ('skipped in CI (CI=true forbids skips): %s'
                           % (report.longrepr,))
