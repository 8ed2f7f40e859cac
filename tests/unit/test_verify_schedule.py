"""When the backup service starts an automatic verification pass."""
import time

from backupd.manager.backup import verify


def test_off_by_default_and_never_two_passes_at_once():
    assert not verify.Schedule(0).start_if_due()
    schedule = verify.Schedule(3600)
    assert not schedule.start_if_due()          # the first one interval in
    schedule.last_start = time.monotonic() - 3601
    assert schedule.start_if_due() and schedule.running
    schedule.last_start = time.monotonic() - 7200
    assert not schedule.start_if_due()          # the previous still runs
    schedule.running = False                    # what run_pass does at end
    assert schedule.start_if_due()
    assert not schedule.start_if_due()          # just started again
