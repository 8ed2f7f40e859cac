"""Request limits over real HTTP against backupd-all (issue 13 items 3, 4,
6): what a hostile client can send the eventlet server, answered with a 4xx
and without the server holding a large body in memory."""
import http.client
import json
import socket

import pytest

MiB = 1024 * 1024


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def _pid(dep):
    return dep.procs['backupd-all'].pid


def _peak_rss(pid):
    """VmHWM of ``pid`` in bytes: the most it has ever held in memory."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no VmHWM for %d' % pid)


def _send(dep, method, path, headers, chunks):
    """Send a request body piece by piece; the server may answer and stop
    reading early. Returns (status, parsed JSON body)."""
    conn = http.client.HTTPConnection('127.0.0.1', dep.port, timeout=60)
    conn.putrequest(method, '/v3/demo' + path)
    for name, value in dict({'X-Auth-Token': 'demo:demo'}, **headers).items():
        conn.putheader(name, value)
    conn.endheaders()
    try:
        for chunk in chunks:
            conn.send(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass    # the server answered before taking the whole body
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, json.loads(body) if body else None


def _fifty_mib():
    piece = b'[' + b'1,' * (MiB // 2 - 1) + b'1]'
    return [piece] * 50


def test_fifty_mib_body_is_413_without_being_held(dep):
    before = _peak_rss(_pid(dep))
    status, body = _send(dep, 'POST', '/volumes', {
        'Content-Type': 'application/json',
        'Content-Length': str(50 * MiB)}, _fifty_mib())
    grown = _peak_rss(_pid(dep)) - before
    assert grown < 16 * MiB, 'peak RSS grew by %.0f MiB' % (grown / MiB)
    assert status == 413
    assert 'max_request_body_size' in body['overLimit']['message']


def _chunked(pieces):
    for piece in pieces:
        yield b'%x\r\n%s\r\n' % (len(piece), piece)
    yield b'0\r\n\r\n'


def test_chunked_json_body_is_read(dep):
    raw = json.dumps({'volume': {'size': 1, 'name': 'chunked'}}).encode()
    status, body = _send(dep, 'POST', '/volumes', {
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked'}, _chunked([raw[:10], raw[10:]]))
    assert status == 202, body
    assert body['volume']['name'] == 'chunked'


def test_chunked_fifty_mib_body_is_413_without_being_held(dep):
    before = _peak_rss(_pid(dep))
    chunks = _chunked(_fifty_mib())
    status, body = _send(dep, 'POST', '/volumes', {
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked'}, chunks)
    assert status == 413
    grown = _peak_rss(_pid(dep)) - before
    assert grown < 16 * MiB, 'peak RSS grew by %.0f MiB' % (grown / MiB)


@pytest.mark.parametrize('path', [
    '/volumes/%ff', '/volumes?name=%ff', '/volumes?limit=1' + '0' * 30,
    '/backups/detail?offset=99999999999999999999',
    '/volumes/detail?metadata=' + '%5B' * 2000])
def test_malformed_request_lines_are_400(dep, path):
    status, body = _send(dep, 'GET', path, {}, [])
    assert status == 400, body


@pytest.mark.parametrize('content_type', [
    'text/plain', 'application/x-www-form-urlencoded', None])
def test_body_not_sent_as_json_is_400(dep, content_type):
    raw = json.dumps({'volume': {'size': 1}}).encode()
    headers = {'Content-Length': str(len(raw))}
    if content_type:
        headers['Content-Type'] = content_type
    status, body = _send(dep, 'POST', '/volumes', headers, [raw])
    assert status == 400
    assert 'Content-Type: application/json' in body['badRequest']['message']


def test_non_ascii_and_huge_headers_are_not_500(dep):
    for headers in ({'X-Auth-Token': 'dém😀:demo'.encode('utf-8')},
                    {'OpenStack-API-Version': 'volume ٣.٠'.encode('utf-8')},
                    {'X-Roles': b'\xff\xfe'},
                    {'X-Junk': b'x' * 60000}):
        status, _ = _send(dep, 'GET', '/volumes', headers, [])
        assert 400 <= status < 500 or status == 200, (headers, status)


def test_server_still_answers_after_a_half_sent_body(dep):
    sock = socket.create_connection(('127.0.0.1', dep.port))
    sock.sendall(b'POST /v3/demo/volumes HTTP/1.1\r\nHost: x\r\n'
                 b'X-Auth-Token: demo:demo\r\nContent-Type: application/json'
                 b'\r\nContent-Length: 100000\r\n\r\n{"volume": ')
    sock.close()
    status, _ = _send(dep, 'GET', '/volumes', {}, [])
    assert status == 200
