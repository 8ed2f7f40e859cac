"""Request ids over real HTTP (issue 15): every access log line of
backupd-api names the request it is about, also when two keep-alive
connections send requests at the same time. eventlet serves all requests
of a connection on one green thread and oslo.context keeps the current
context per green thread: the context of a connection's first request was
kept for the connection, so every later line named that first id."""
import http.client
import re
import threading
import uuid

import pytest

from tests.fixtures.services import wait_for

REQUESTS_PER_CONNECTION = 6


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def _requests(dep, token, count, answers):
    """``count`` requests on one keep-alive connection; appends (path,
    status, the response's request id) to ``answers``."""
    conn = http.client.HTTPConnection('127.0.0.1', dep.port, timeout=30)
    try:
        for _ in range(count):
            # an id no backup has: a 404 after identity, routing and a read
            path = '/v3/demo/backups/%s' % uuid.uuid4()
            headers = {'X-Auth-Token': token} if token else {}
            conn.request('GET', path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            answers.append((path, resp.status,
                            resp.getheader('x-openstack-request-id')))
    finally:
        conn.close()


def _access_lines(dep, paths):
    """{path: its access log line} once every path has one."""
    found = {}

    def all_logged():
        for line in dep.log('backupd-all').splitlines():
            if 'backupd.api.access' in line:
                match = re.search(r'"GET (\S+) HTTP', line)
                if match and match.group(1) in paths:
                    found[match.group(1)] = line
        return len(found) == len(paths)
    wait_for(all_logged, 30, what='access log lines of every request')
    return found


def test_concurrent_keepalive_requests_log_their_own_ids(dep):
    answers = []
    threads = [threading.Thread(target=_requests, args=(
        dep, 'demo:demo', REQUESTS_PER_CONNECTION, answers))
        for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2 * REQUESTS_PER_CONNECTION
    assert {status for _, status, _ in answers} == {404}
    ids = [request_id for _, _, request_id in answers]
    assert len(set(ids)) == len(ids)
    lines = _access_lines(dep, {path for path, _, _ in answers})
    for path, _, request_id in answers:
        logged = re.findall(r'req-[0-9a-f-]{36}', lines[path])
        assert logged == [request_id], lines[path]


def test_refused_request_does_not_log_the_previous_id(dep):
    """A request refused before identity (no credentials: 401) on a
    connection whose previous request had a context: its line names no
    request of the connection."""
    conn = http.client.HTTPConnection('127.0.0.1', dep.port, timeout=30)
    try:
        paths, ids = [], []
        for headers in ({'X-Auth-Token': 'demo:demo'}, {}):
            paths.append('/v3/demo/backups/%s' % uuid.uuid4())
            conn.request('GET', paths[-1], headers=headers)
            resp = conn.getresponse()
            resp.read()
            ids.append(resp.getheader('x-openstack-request-id'))
        assert resp.status == 401
    finally:
        conn.close()
    lines = _access_lines(dep, set(paths))
    assert ids[0] in lines[paths[0]]
    assert ids[0] not in lines[paths[1]]
