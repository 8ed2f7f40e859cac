"""backupd-all's services report up as soon as their drivers are ready,
not a report_interval later, and its scrubber starts its schedule then.

report_interval and wakeup_time are set far above the test's bounds, so a
service waiting for its next periodic heartbeat, or a scrubber whose first
run found the driver not ready, fails the test.
"""
import time

import requests

from tests.fixtures.services import wait_for


def test_up_and_scrubbing_once_drivers_are_ready(backupd_all_factory):
    dep = backupd_all_factory(conf={'DEFAULT': {
        'report_interval': 60, 'service_down_time': 120,
        'delayed_delete': True, 'wakeup_time': 600}}, start=False)
    dep.start(wait=False)

    def api_answers():
        dep._check_alive()
        try:
            return requests.get(dep.endpoint + '/', timeout=5).ok or True
        except requests.ConnectionError:
            return False
    wait_for(api_answers, 60, interval=0.05, what='the API')
    answered = time.monotonic()
    wait_for(lambda: dep.up_services() >= {'backupd-volume',
                                           'backupd-backup'},
             10, interval=0.05, what='both services up')
    assert time.monotonic() - answered < 2.0, dep.services()

    wait_for(lambda: 'Scrub run done' in dep.log(), 10,
             what='the first scrub run')
    log = dep.log()
    assert 'backup driver is not ready yet' not in log
    assert (log.index('backup driver posix on %s initialized' % dep.host)
            < log.index('Scrub run: backups pending'))
