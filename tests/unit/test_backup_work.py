"""Runs of the backup manager: progress from the driver's thread, cancel,
the backup_max_operations cap, and the export record format."""
import eventlet
import pytest

from backupd import exception
from backupd.manager.backup import rpcapi
from backupd.manager.backup import work


def test_progress_is_plain_attributes_and_a_percentage():
    run = work.Run('b', 'create', 'creating')
    assert run.percent == 0
    run.progress(50, 200)
    assert (run.done_bytes, run.total_bytes, run.percent) == (50, 200, 25)
    run.progress(300, 200)
    assert run.percent == 100


def test_cancel_reaches_a_run_that_owns_its_backup_only():
    runs = work.Runs(2)
    run = work.Run('b', 'create', 'creating')
    assert runs.cancel('b') is False
    with runs.registered(run):
        # still waiting for a slot: owns nothing, the caller deletes
        assert runs.get('b') is run and runs.cancel('b') is False
        run.claimed = True
        assert runs.cancel('b') is True and run.is_cancelled()
    assert runs.get('b') is None and len(runs) == 0
    with runs.registered(work.Run('b', 'delete', 'deleting')):
        assert runs.cancel('b') is True     # already being deleted


def test_slots_bound_concurrent_work():
    runs = work.Runs(2)
    active, peak = [], []

    def job(name):
        with runs.slot(work.Run(name, 'create', 'creating')):
            active.append(name)
            peak.append(len(active))
            eventlet.sleep(0.05)
            active.remove(name)

    pool = eventlet.GreenPool()
    for i in range(5):
        pool.spawn(job, str(i))
    pool.waitall()
    assert max(peak) == 2 and len(peak) == 5


def test_zero_means_no_limit():
    runs = work.Runs(0)
    with runs.slot(work.Run('a', 'create', 'creating')):
        with runs.slot(work.Run('b', 'create', 'creating')):
            pass


def test_record_round_trip_and_bad_records():
    record = {'id': 'b1', 'volume_id': 'v1', 'size': 2,
              'created_at': '2026-01-02T03:04:05', 'data_timestamp': None}
    decoded = rpcapi.decode_record(rpcapi.encode_record(record))
    assert decoded == record
    values = rpcapi.record_row_values(decoded)
    assert values['size'] == 2 and values['created_at'].year == 2026
    assert 'data_timestamp' not in values or values['data_timestamp'] is None
    for bad in ('not base64!', rpcapi.encode_record(['x']),
                rpcapi.encode_record({'id': 'b1'})):
        with pytest.raises(exception.InvalidInput):
            rpcapi.decode_record(bad)
