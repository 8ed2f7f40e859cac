"""backupd CLI: output formats, progress lines and argument fix-ups (no
server needed)."""
import io
import json

import pytest

from backupd.client import cli
from backupd.client import http
from backupd.client import output
from backupd.client import shell
from backupd.client import wait

BACKUP = {'id': 'b-1', 'status': 'available', 'size': 1, 'name': None,
          'metadata': {'k': 'v'}, 'is_incremental': False,
          'links': [{'rel': 'self', 'href': 'http://x'}]}


def printed(func, *args):
    out = io.StringIO()
    func(*args, out=out)
    return out.getvalue()


def test_object_as_table_json_and_value():
    text = printed(output.print_object, BACKUP, 'table')
    rows = [line for line in text.splitlines() if line.startswith('|')]
    assert rows[0].split('|')[1].strip() == 'Property'
    assert [r.split('|')[1].strip() for r in rows[1:]] == [
        'id', 'is_incremental', 'metadata', 'name', 'size', 'status']
    assert '| metadata       | {"k": "v"} |' in text
    assert '| name           | None       |' in text
    assert json.loads(printed(output.print_object, BACKUP, 'json')) == BACKUP
    assert printed(output.print_object, BACKUP, 'value').splitlines() == [
        'b-1', 'False', '{"k": "v"}', '', '1', 'available']


def test_list_as_table_json_and_value():
    columns = [('ID', 'id'), ('Status', 'status'),
               ('Upper', lambda b: b['status'].upper())]
    rows = [BACKUP, dict(BACKUP, id='b-2', status='error')]
    table = printed(output.print_list, rows, columns, 'table')
    assert '| ID  | Status    | Upper     |' in table
    assert '| b-2 | error     | ERROR     |' in table
    assert json.loads(printed(output.print_list, rows, columns,
                              'json')) == rows
    assert printed(output.print_list, rows, columns, 'value') == \
        'b-1 available AVAILABLE\nb-2 error ERROR\n'


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_lines_plain_and_on_a_terminal():
    plain = io.StringIO()
    progress = wait.Progress('backup b-1', plain)
    for status in ('creating', 'creating', 'available'):
        progress.update(status, None)
    progress.finish()
    assert plain.getvalue() == ('backup b-1: creating (00:00)\n'
                                'backup b-1: available (00:00)\n')

    term = Terminal()
    progress = wait.Progress('snapshot s-1', term)
    progress.update('creating', 40)
    progress.update('available', 100)
    progress.finish()
    drawn = term.getvalue()
    assert drawn.count('\r\033[K') == 2 and drawn.endswith('\n')
    assert '[' + '#' * 12 + '-' * 18 + ']  40%' in drawn
    assert '[' + '#' * 30 + '] 100%' in drawn


@pytest.mark.parametrize('body, percent', [
    ({'os-extended-snapshot-attributes:progress': '40%'}, 40),
    ({'os-extended-snapshot-attributes:progress': '100%'}, 100),
    ({'os-extended-snapshot-attributes:progress': 'n/a'}, None),
    ({'status': 'creating'}, None),  # backups and volumes: no percentage
])
def test_percent_of(body, percent):
    assert wait.percent_of(body) == percent


def test_metadata_gives_back_a_trailing_positional():
    parser = shell.build_parser(['backup-create'])
    args = parser.parse_args(['backup-create', '--metadata', 'a=1', 'b=2',
                              'vol1'])
    cli.positional_after_metadata(args, 'volume', '<volume>')
    assert args.volume == 'vol1'
    assert cli.parse_metadata(args.metadata) == {'a': '1', 'b': '2'}
    args = parser.parse_args(['backup-create', '--metadata', 'a=1'])
    with pytest.raises(http.CommandError, match='<volume> is required'):
        cli.positional_after_metadata(args, 'volume', '<volume>')
    with pytest.raises(http.CommandError, match="'novalue' is not "
                                                "key=value"):
        cli.parse_metadata(['novalue'])


def test_many_objects_go_on_after_a_failure(capsys):
    done = []

    def delete(name):
        if name == 'bad':
            raise http.CommandError('No volume named bad')
        done.append(name)
    with pytest.raises(http.CommandError,
                       match='Unable to delete 1 of the 3 specified '
                             'volumes'):
        cli.for_each(['a', 'bad', 'c'], delete, 'volume', 'delete')
    assert done == ['a', 'c']
    assert capsys.readouterr().err == 'ERROR: No volume named bad\n'
