"""``--wait``: poll an object until it reaches a final status.

Progress goes to stderr (stdout stays parseable with ``--format json``):
on a terminal one line redrawn in place, with a bar when the server
reports a percentage; otherwise one line per change. Snapshots carry a
percentage in Cinder's API (``os-extended-snapshot-attributes:progress``);
backupd adds the ``X-Backupd-Progress`` response header to a backup being
created or restored (Cinder's body has no such key, and strict clients
reject extra keys), and ``X-Backupd-Phase`` with what it is doing (for
example "preparing temporary snapshot" while one is copied at 0 %).
Volumes show their status and the time elapsed. The percentage shown
never goes back while the status stays the same.
"""
import sys
import time

from backupd.client import http

SNAPSHOT_PROGRESS = 'os-extended-snapshot-attributes:progress'
PROGRESS_HEADER = 'X-Backupd-Progress'
PHASE_HEADER = 'X-Backupd-Phase'
BAR_WIDTH = 30
FIRST_INTERVAL = 0.3
MAX_INTERVAL = 2.0


def percent_of(obj, headers=None):
    """The percentage the server reports for ``obj`` (in its body, or in
    the headers of the response that returned it), or None."""
    value = obj.get(SNAPSHOT_PROGRESS)
    if value is None and headers is not None:
        value = headers.get(PROGRESS_HEADER)
    if value is None:
        return None
    try:
        return max(0, min(100, int(str(value).rstrip('%'))))
    except ValueError:
        return None


def phase_of(headers):
    """What the server says a running backup is doing, or None."""
    return None if headers is None else headers.get(PHASE_HEADER) or None


class Progress:
    def __init__(self, label, out=None):
        self.label = label
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.started = time.monotonic()
        self.last = None        # (status, percent) of the last poll
        self.shown = None       # (status with phase, percent) last drawn

    def update(self, status, percent, phase=None):
        if (percent is not None and self.last is not None
                and self.last[0] == status and self.last[1] is not None):
            percent = max(percent, self.last[1])    # a late poll's answer
        self.last = (status, percent)
        elapsed = int(time.monotonic() - self.started)
        clock = '%02d:%02d' % divmod(elapsed, 60)
        doing = '%s (%s)' % (status, phase) if phase else status
        if self.tty:
            if percent is None:
                line = '%s: %s  %s' % (self.label, doing, clock)
            else:
                done = BAR_WIDTH * percent // 100
                line = '%s: %s [%s%s] %3d%%  %s' % (
                    self.label, doing, '#' * done,
                    '-' * (BAR_WIDTH - done), percent, clock)
            self.out.write('\r\033[K' + line)
            self.out.flush()
        elif (doing, percent) != self.shown:
            suffix = '' if percent is None else ' %d%%' % percent
            print('%s: %s%s (%s)' % (self.label, doing, suffix, clock),
                  file=self.out, flush=True)
        self.shown = (doing, percent)

    def finish(self):
        if self.tty and self.last is not None:
            self.out.write('\n')
            self.out.flush()


def wait(client, collection, object_id, done, failed, gone_ok=False,
         timeout=None, out=None, reason=None):
    """The object once its status is in ``done`` (None when ``gone_ok``
    and it disappeared).

    Raises CommandError naming the status and ``fail_reason`` (or what
    ``reason(obj)`` says) when it reaches a status in ``failed``.
    """
    noun = http.NOUNS[collection]
    progress = Progress('%s %s' % (noun, object_id), out)
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = FIRST_INTERVAL
    try:
        while True:
            obj = client.show(collection, object_id)
            if obj is None:
                if gone_ok:
                    progress.update('deleted', None)
                    return None
                raise http.CommandError('%s %s disappeared while waiting '
                                        'for it.' % (noun.capitalize(),
                                                     object_id))
            status = obj.get('status')
            headers = getattr(client, 'last_headers', None)
            progress.update(status, percent_of(obj, headers),
                            phase_of(headers))
            if status in done:
                return obj
            if status in failed:
                why = (reason(obj) if reason else None) or \
                    obj.get('fail_reason') or 'no reason given'
                raise http.CommandError(
                    "%s %s ended in status '%s': %s" % (
                        noun.capitalize(), object_id, status, why))
            if deadline is not None and time.monotonic() > deadline:
                raise http.CommandError(
                    "Gave up waiting after %ss: %s %s is still '%s'." % (
                        timeout, noun, object_id, status))
            time.sleep(interval)
            interval = min(MAX_INTERVAL, interval * 1.5)
    finally:
        progress.finish()
