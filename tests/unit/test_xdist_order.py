"""The order tests/fixtures/parallel.py hands units of work to pytest-xdist
workers in: start_first units, then the subprocess layer, the in-process API,
the unit tests; larger groups first within a layer; ties in collection
order."""
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
