"""Printing objects and lists as a table, JSON or bare values.

``table``: cinder's layout (Property/Value for one object, one row per
object for lists). ``json``: the server's objects as they came (a list for
list commands), for scripts. ``value``: the table's cells without borders,
one object per line for lists and one value per line for an object.
"""
import json
import sys

import prettytable

FORMATS = ('table', 'json', 'value')


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _value_cell(value):
    if value is None:
        return ''
    return _cell(value)


def print_object(obj, fmt, out=None, skip=('links',)):
    """One object: Property/Value rows sorted by property."""
    out = out or sys.stdout
    if fmt == 'json':
        print(json.dumps(obj, indent=2, sort_keys=True, default=str),
              file=out)
        return
    keys = sorted(k for k in obj if k not in skip)
    if fmt == 'value':
        for key in keys:
            print(_value_cell(obj[key]), file=out)
        return
    table = prettytable.PrettyTable(['Property', 'Value'])
    table.align = 'l'
    for key in keys:
        table.add_row([key, _cell(obj[key])])
    print(table.get_string(), file=out)


def print_list(objects, columns, fmt, out=None):
    """Objects as rows; ``columns`` is [(header, key or function)]."""
    out = out or sys.stdout
    if fmt == 'json':
        print(json.dumps(objects, indent=2, sort_keys=True, default=str),
              file=out)
        return
    rows = [[_get(obj, getter) for _, getter in columns] for obj in objects]
    if fmt == 'value':
        for row in rows:
            print(' '.join(_value_cell(v) for v in row), file=out)
        return
    table = prettytable.PrettyTable([header for header, _ in columns])
    table.align = 'l'
    for row in rows:
        table.add_row([_cell(v) for v in row])
    print(table.get_string(), file=out)


def _get(obj, getter):
    return getter(obj) if callable(getter) else obj.get(getter)


def message(text, fmt, out=None):
    """A human sentence ("Request to delete … accepted."); kept off stdout
    when the output is for a program (json/value)."""
    print(text, file=(out or (sys.stdout if fmt == 'table'
                              else sys.stderr)))
