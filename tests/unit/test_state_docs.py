"""doc/contributor/states.rst and backupd/manager/states.py agree.

The document has, per resource, a list-table "<Resource> statuses" (status,
meaning, reset target) and "<Resource> transitions" (transition, from, to,
who). Both directions are checked: every documented transition, source
status and status is in the code, and every one in the code is documented.
"""
import os
import re

import pytest

from backupd.manager import states

DOC = os.path.join(os.path.dirname(__file__), '..', '..', 'doc',
                   'contributor', 'states.rst')
RESOURCES = ('Backup', 'Volume', 'Snapshot')
_TABLE = re.compile(r'\.\. list-table::\s*(?P<title>.+?)\s*$')
_LITERAL = re.compile(r'``([^`]+)``')


def list_tables(text):
    """{title: [[cell text, ...], ...]} of every list-table, header row
    first; a cell's continuation lines are joined with spaces."""
    tables = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _TABLE.match(lines[i])
        i += 1
        if not match:
            continue
        rows = tables.setdefault(match.group('title'), [])
        while i < len(lines) and (not lines[i].strip()
                                  or lines[i].startswith('   ')):
            line = lines[i]
            i += 1
            if line.startswith('   * - '):
                rows.append([line[len('   * - '):].strip()])
            elif line.startswith('     - ') and rows:
                rows[-1].append(line[len('     - '):].strip())
            elif line.strip() and rows:
                rows[-1][-1] += ' ' + line.strip()
            # else: a blank line or a table option (":header-rows: 1")
    return tables


def _records(tables, title):
    assert title in tables, 'no list-table "%s" in %s' % (title, DOC)
    header, *rows = tables[title]
    for row in rows:
        assert len(row) == len(header), (title, row)
    return [dict(zip(header, row)) for row in rows]


def _single_literal(cell, where):
    found = _LITERAL.findall(cell)
    assert len(found) == 1, '%s: expected one ``name`` in %r' % (where, cell)
    return found[0]


def code_statuses(table):
    return {value for name, value in vars(table).items()
            if name.isupper() and isinstance(value, str)}


def statuses_in(cell, every):
    """The statuses a From/To cell names: its ``literals``, or with
    "any" every status, less those named after it ("any except ...")."""
    named = set(_LITERAL.findall(cell))
    if cell.lower().startswith('any'):
        return set(every) - named
    return named


@pytest.fixture(scope='module')
def tables():
    with open(DOC, encoding='utf-8') as f:
        return list_tables(f.read())


def test_every_state_table_of_the_code_is_documented(tables):
    in_code = {name for name, value in vars(states).items()
               if isinstance(value, type) and hasattr(value, 'FROM')}
    assert in_code == set(RESOURCES)
    documented = {title.split()[0] for title in tables
                  if title.endswith((' statuses', ' transitions'))}
    assert documented == set(RESOURCES)


@pytest.mark.parametrize('resource', RESOURCES)
def test_statuses_agree(tables, resource):
    table = getattr(states, resource)
    rows = _records(tables, '%s statuses' % resource)
    documented = [_single_literal(r['Status'], resource) for r in rows]
    assert len(documented) == len(set(documented)), 'a status twice'
    in_code = code_statuses(table)
    assert set(documented) - in_code == set(), 'documented, not in code'
    assert in_code - set(documented) == set(), 'in code, not documented'
    resets = {_single_literal(r['Status'], resource) for r in rows
              if r['Reset target'].strip().lower() == 'yes'}
    assert resets == set(table.RESET_TARGETS)


@pytest.mark.parametrize('resource', RESOURCES)
def test_transitions_agree(tables, resource):
    table = getattr(states, resource)
    every = code_statuses(table)
    rows = _records(tables, '%s transitions' % resource)
    documented = {}
    for row in rows:
        name = _single_literal(row['Transition'], resource)
        assert name not in documented, '%s documented twice' % name
        documented[name] = statuses_in(row['From'], every)
        targets = statuses_in(row['To'], every)
        assert targets <= every, (name, targets - every)
    assert sorted(set(documented) - set(table.FROM)) == [], \
        'documented transitions the code does not have'
    assert sorted(set(table.FROM) - set(documented)) == [], \
        'transitions of the code the document lacks'
    differ = {name: {'doc': sorted(documented[name]),
                     'code': sorted(table.FROM[name])}
              for name in table.FROM
              if documented[name] != set(table.FROM[name])}
    assert differ == {}, 'source statuses differ'


def test_the_parser_reads_cells_over_several_lines():
    text = '\n'.join([
        'Before', '', '.. list-table:: Thing transitions',
        '   :header-rows: 1',
        '', '   * - Transition', '     - From', '   * - ``go``',
        '     - ``a``,', '       ``b``', '', 'After, not indented.',
        '   * - ``not in the table``'])
    assert list_tables(text) == {'Thing transitions': [
        ['Transition', 'From'], ['``go``', '``a``, ``b``']]}
