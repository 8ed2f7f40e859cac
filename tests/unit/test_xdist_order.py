"""The order tests/fixtures/parallel.py hands units of work to pytest-xdist
workers in: start_first units, then the subprocess layer, the in-process API,
the unit tests; larger groups first within a layer; ties in collection
order; and that the worker of a start_first test starts it at once."""
import os
import subprocess
import sys

from tests.fixtures import parallel


def _units(*groups):
    return [dict.fromkeys(group, False) for group in groups]


def test_units_go_out_longest_expected_first():
    units = _units(
        ['tests/unit/test_a.py::test_1', 'tests/unit/test_a.py::test_2',
         'tests/unit/test_a.py::test_3'],
        ['tests/unit/test_b.py::test_1'],
        ['tests/api/test_c.py::test_1', 'tests/api/test_c.py::test_2'],
        ['tests/functional/test_d.py::test_1'],
        ['tests/functional/test_e.py::test_1',
         'tests/functional/test_e.py::test_2'],
        ['tests/functional/test_f.py::test_1'],
        ['tests/functional/test_tempest.py::test_tempest'])
    first = {'tests/functional/test_tempest.py::test_tempest'}
    ordered = sorted(units, key=lambda unit: parallel._unit_rank(unit, first))
    assert [next(iter(unit)) for unit in ordered] == [
        'tests/functional/test_tempest.py::test_tempest',
        'tests/functional/test_e.py::test_1',   # a group of two
        'tests/functional/test_d.py::test_1',   # singles, collection order
        'tests/functional/test_f.py::test_1',
        'tests/api/test_c.py::test_1',
        'tests/unit/test_a.py::test_1',
        'tests/unit/test_b.py::test_1']


def test_a_group_with_a_start_first_test_goes_first():
    units = _units(['tests/unit/test_a.py::test_1'],
                   ['tests/unit/test_b.py::test_1',
                    'tests/unit/test_b.py::test_2'])
    first = {'tests/unit/test_b.py::test_2'}
    ordered = sorted(units, key=lambda unit: parallel._unit_rank(unit, first))
    assert list(ordered[0]) == ['tests/unit/test_b.py::test_1',
                                'tests/unit/test_b.py::test_2']


SUITE = '''
import os
import time

import pytest

def _ran(name):
    with open(os.environ['ORDER_FILE'], 'a') as f:
        f.write('%s %s\\n' % (os.environ['PYTEST_XDIST_WORKER'], name))

@pytest.mark.start_first
def test_long():
    _ran('test_long')

@pytest.mark.parametrize('n', range(12))
def test_short(n):
    time.sleep(0.05)   # so that the other worker cannot take them all
    _ran('test_short[%d]' % n)
'''

CONFTEST = '''
pytest_plugins = ['tests.fixtures.parallel']

def pytest_configure(config):
    config.addinivalue_line('markers', 'start_first: first')
'''


def test_the_start_first_worker_runs_it_at_once_and_then_takes_more(
        tmp_path):
    """A real ``pytest -n 2 --dist loadgroup`` with this scheduler: the
    worker given the start_first test runs it first, not after every other
    test (an xdist worker holds back its only pending test until it gets a
    next one), and takes more work once it is done."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    suite = tmp_path / 'suite'
    (suite / 'tests' / 'unit').mkdir(parents=True)
    (suite / 'tests' / 'unit' / 'test_synthetic.py').write_text(SUITE)
    (suite / 'conftest.py').write_text(CONFTEST)
    order = tmp_path / 'order'
    env = dict(os.environ, ORDER_FILE=str(order), PYTHONPATH=repo)
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q',
         '-n', '2', '--dist', 'loadgroup', '--rootdir', str(suite),
         '-c', os.devnull, str(suite)],
        cwd=str(suite), env=env, capture_output=True, text=True,
        timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ran = [line.split() for line in order.read_text().splitlines()]
    assert len(ran) == 13, ran
    worker = next(w for w, name in ran if name == 'test_long')
    on_it = [name for w, name in ran if w == worker]
    assert on_it[0] == 'test_long', ran
    assert len(on_it) > 2, ran   # the cheapest unit, then more work
