"""Concurrent delete, force-delete and reset-status on one backup: every
answer is a clean 202/400/404/409, the compare-and-swap lets one change in at a
time, and whatever order won, the backup ends deleted with nothing left."""
import pytest

from tests.helpers import backup_races


@pytest.mark.parametrize('attempt', range(4))
def test_delete_force_delete_reset_race(backupd_all, attempt):
    backup_races.check_race(backupd_all, attempt)
