"""The bounded native-thread pipeline and the callback ticker."""
import contextlib
import threading

import pytest

from backupd import exception
from backupd.drivers.backup.engine import pipeline


class Counting:
    """A source that records how many items were out at most at once."""

    def __init__(self, count):
        self.count = count
        self.out = 0
        self.most_out = 0
        self.lock = threading.Lock()

    def __iter__(self):
        for n in range(self.count):
            with self.lock:
                self.out += 1
                self.most_out = max(self.most_out, self.out)
            yield n

    def done(self):
        with self.lock:
            self.out -= 1


def double(n):
    return n * 2


def test_every_item_comes_out_once_and_in_flight_stays_bounded():
    source = Counting(500)
    stages = [(double, 3), (double, 2)]
    got = []
    with pipeline.Pipeline(source, stages, in_flight=4) as pipe:
        for item in pipe.results(idle=lambda: None):
            got.append(item)
            source.done()
    assert sorted(got) == [n * 4 for n in range(500)]
    assert source.most_out <= 4


def test_an_error_in_a_stage_stops_everything_and_is_raised():
    def explode(n):
        if n == 7:
            raise RuntimeError('chunk 7 failed')
        return n
    before = threading.active_count()
    with pytest.raises(RuntimeError, match='chunk 7'):
        with pipeline.Pipeline(iter(range(10 ** 6)), [(explode, 2)],
                              in_flight=8) as pipe:
            for _ in pipe.results(idle=lambda: None):
                pass
    assert threading.active_count() == before


@pytest.mark.parametrize('fail_at', [None, 3])
def test_a_generator_source_is_closed_when_the_pipeline_ends(fail_at):
    # The tracked reader stops its prefetch thread in a ``finally``: it
    # must run when the pipeline stops early, not whenever the generator
    # is collected (the caller still holds it).
    ended = threading.Event()

    def source():
        try:
            yield from range(10 ** 6 if fail_at else 20)
        finally:
            ended.set()

    def stage(n):
        if n == fail_at:
            raise RuntimeError('chunk %d failed' % n)
        return n
    items = source()
    with pytest.raises(RuntimeError) if fail_at else contextlib.nullcontext():
        with pipeline.Pipeline(items, [(stage, 2)], in_flight=4) as pipe:
            for _ in pipe.results(idle=lambda: None):
                pass
    assert ended.is_set()


def test_an_error_in_the_source_is_raised():
    def source():
        yield 1
        raise OSError('read error at offset 4096')
    with pytest.raises(OSError, match='offset 4096'):
        with pipeline.Pipeline(source(), [(double, 1)], in_flight=2) as pipe:
            list(pipe.results(idle=lambda: None))


def test_ticker_throttles_callbacks_and_raises_on_cancel():
    calls = []
    cancelled = [False]
    ticker = pipeline.Ticker('b1', 100, lambda d, t: calls.append(d),
                            lambda: cancelled[0])
    for _ in range(50):
        ticker.add(1)
    assert calls == [1]             # first chunk, then at most every 0.25 s
    cancelled[0] = True
    ticker.add(1)                   # throttled: not asked yet
    with pytest.raises(exception.BackupCancelled, match='b1'):
        ticker.tick(force=True)
    assert calls[-1] == 51


def test_pace_spreads_the_bytes_at_the_rate():
    """backup_bandwidth_limit: on a clock the test moves, each item waits
    until the bytes before it have had their time at the rate; time spent
    elsewhere (slow storage) earns no burst; no limit is no Pace."""
    now = [100.0]
    pace = pipeline.Pace(1000, clock=lambda: now[0])
    assert pace.delay(500) == 0          # the first goes at once
    assert pace.delay(500) == 0.5        # 500 bytes at 1000 B/s
    now[0] += 0.5
    assert pace.delay(0) == 0.5          # a hole waits for what came before
    now[0] += 2.0                        # the pipeline was busy elsewhere
    assert pace.delay(1000) == 0
    assert pace.delay(1) == 1.0          # no credit for the idle 1.5 s
    assert pipeline.Pace.of(0) is None


def test_a_paced_pipeline_moves_every_item_and_stops_while_waiting():
    """With a Pace the items still all come out; a pipeline stopped while
    its source waits for the rate ends without waiting it out."""
    class Task:
        def __init__(self, n):
            self.n = n

        def io_bytes(self):
            return 10

    fast = pipeline.Pace(10 ** 9)
    with pipeline.Pipeline(map(Task, range(50)), [(lambda t: t, 2)], 4,
                           fast) as pipe:
        assert sorted(t.n for t in pipe.results(idle=lambda: None)) == \
            list(range(50))
    slow = pipeline.Pace(1)              # 10 s per item after the first
    with pipeline.Pipeline(map(Task, range(50)), [(lambda t: t, 1)], 4,
                           slow) as pipe:
        first = next(pipe.results(idle=lambda: None))
    assert first.n == 0                  # and leaving the block stopped it
