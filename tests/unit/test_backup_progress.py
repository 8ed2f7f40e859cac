"""A running backup's progress as the API reports it (percent and phase
headers, read from the row) and as ``--wait`` draws it (never backwards
within one status, with the phase)."""
import io
import types

import pytest

from backupd.api.views import backup_progress as view
from backupd.client import wait


def row(status, progress=0, service=None, temp_snapshot_id=None,
        temp_volume_id=None):
    return types.SimpleNamespace(
        status=status, progress=progress, service=service,
        temp_snapshot_id=temp_snapshot_id, temp_volume_id=temp_volume_id)


@pytest.mark.parametrize('backup, percent, phase', [
    (row('creating'), '0', view.STARTING),
    (row('creating', temp_snapshot_id='s'), '0', view.TEMP_SNAPSHOT),
    (row('creating', temp_volume_id='v'), '0', view.TEMP_CLONE),
    (row('creating', 37, 'posix', temp_snapshot_id='s'), '37', view.STORING),
    (row('creating', 100, 'posix', temp_snapshot_id='s'), '100',
     view.FINISHING),
    (row('restoring', 0, 'posix'), '0', view.RESTORING),
    (row('restoring', 100, 'posix'), '100', view.FINISHING),
])
def test_headers_of_a_running_backup(backup, percent, phase):
    assert view.headers(backup) == {'X-Backupd-Progress': percent,
                                     'X-Backupd-Phase': phase}


def test_no_headers_when_nothing_runs():
    assert view.headers(row('available', 100, 'posix')) is None


def test_wait_never_draws_a_smaller_percentage_within_a_status():
    out = io.StringIO()
    progress = wait.Progress('backup b-1', out)
    for status, percent, phase in [
            ('restoring', 40, view.RESTORING),
            ('restoring', 10, view.RESTORING),      # a late poll's answer
            ('restoring', 100, view.FINISHING),
            ('available', None, None)]:
        progress.update(status, percent, phase)
    lines = [line.split(' (0')[0] for line in out.getvalue().splitlines()]
    assert lines == ['backup b-1: restoring (restoring data) 40%',
                     'backup b-1: restoring (finishing) 100%',
                     'backup b-1: available']


def test_wait_shows_the_phase_while_the_percentage_stands_still():
    out = io.StringIO()
    progress = wait.Progress('backup b-2', out)
    for phase in (view.STARTING, view.TEMP_SNAPSHOT, view.TEMP_SNAPSHOT,
                  view.STORING):
        progress.update('creating', 0, phase)
    assert [line.split(' (0')[0] for line in out.getvalue().splitlines()] \
        == ['backup b-2: creating (starting) 0%',
            'backup b-2: creating (preparing temporary snapshot) 0%',
            'backup b-2: creating (storing data) 0%']
