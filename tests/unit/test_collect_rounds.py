"""collect.Rounds, the group commit of a process's collections: callers
that come while a collection runs share the next one, and every caller
gets the outcome of a collection that started after it called. Real
threads; the "collection" is a function that records when it started."""
import threading

import pytest

from backupd.drivers.backup.engine import collect


class Recorder:
    """A collection that blocks its first run until released."""

    def __init__(self):
        self.runs = []
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            number = len(self.runs) + 1
            self.runs.append(number)
        if number == 1:
            self.first_started.set()
            self.release_first.wait(10)
        return {'run': number}


def call_in_threads(rounds, key, collect_fn, count, results):
    def one(n):
        results[n] = rounds.run(key, collect_fn)
    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def first_running(rounds, key, record, results):
    """One caller's thread, once its collection (run 1) is running."""
    (runner,) = call_in_threads(rounds, key, record, 1, results)
    assert record.first_started.wait(10)
    return runner


def test_callers_during_a_collection_share_the_next_one():
    rounds = collect.Rounds()
    record = Recorder()
    first = {}
    runner = first_running(rounds, ('c', 'p'), record, first)
    results = {}
    waiting = call_in_threads(rounds, ('c', 'p'), record, 10, results)
    # all ten are waiting on the running collection; none ran its own
    for _ in range(100):
        if rounds._state[('c', 'p')].callers == 11:
            break
        threading.Event().wait(0.01)
    assert rounds._state[('c', 'p')].callers == 11
    assert record.runs == [1]
    record.release_first.set()
    for thread in [runner] + waiting:
        thread.join(10)
    assert first == {0: {'run': 1}}
    # the ten came after run 1 started: they get run 2, which they share
    assert record.runs == [1, 2]
    assert results == {n: {'run': 2} for n in range(10)}
    assert rounds._state == {}        # nothing kept once all are served


def test_sequential_callers_each_run_their_own():
    rounds = collect.Rounds()
    record = Recorder()
    record.release_first.set()
    assert [rounds.run(('c', 'p'), record)['run'] for _ in range(3)] == \
        [1, 2, 3]


def test_other_repositories_do_not_wait():
    rounds = collect.Rounds()
    record = Recorder()
    runner = first_running(rounds, ('c', 'p1'), record, {})
    assert rounds.run(('c', 'p2'), lambda: {'other': True}) == \
        {'other': True}
    record.release_first.set()
    runner.join(10)


def test_a_failed_collection_fails_every_caller_it_covers():
    rounds = collect.Rounds()
    gate = threading.Event()
    started = threading.Event()
    calls = []

    def failing():
        calls.append(1)
        if len(calls) == 1:
            started.set()
            gate.wait(10)
            return {'run': 1}
        raise RuntimeError('store down')

    outcome = {}

    def one(n):
        try:
            outcome[n] = rounds.run('k', failing)
        except RuntimeError as exc:
            outcome[n] = exc

    first = threading.Thread(target=one, args=('first',))
    first.start()
    assert started.wait(10)
    waiters = [threading.Thread(target=one, args=(n,)) for n in range(3)]
    for thread in waiters:
        thread.start()
    for _ in range(100):
        if rounds._state['k'].callers == 4:
            break
        threading.Event().wait(0.01)
    gate.set()
    for thread in [first] + waiters:
        thread.join(10)
    assert outcome['first'] == {'run': 1}
    assert len(calls) == 2
    for n in range(3):
        assert isinstance(outcome[n], RuntimeError)
    with pytest.raises(RuntimeError):     # the next caller runs again
        rounds.run('k', failing)
