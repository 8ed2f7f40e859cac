"""Request-level limits of the API, through the real paste pipeline (noauth,
no database: every refusal here happens before a handler touches one).

Issue 13 items 3, 4 and 6: malformed requests are 400s naming the place, not
500s; a body over max_request_body_size is a 413 before it is read; bodies
are read only as JSON, as Cinder reads them.
"""
import json

import pytest
import webob

from backupd.api import request_body
from tests.helpers import paste_app

TOKEN = {'X-Auth-Token': 'alice:demo'}


app = pytest.fixture(scope='module', name='app')(paste_app.noauth_app)


def call(app, path, method='GET', body=None, content_type='application/json',
         headers=None):
    req = webob.Request.blank(path, method=method,
                              headers=dict(TOKEN, **(headers or {})))
    if body is not None:
        req.body = body if isinstance(body, bytes) else json.dumps(
            body).encode()
        if content_type:
            req.content_type = content_type
    return req.get_response(app)


def message(resp, code):
    assert resp.status_int == code, resp.text
    assert resp.content_type == 'application/json'
    (fault,) = resp.json.values()
    assert fault['code'] == code
    return fault['message']


# --- item 3: encodings, nesting, integers -----------------------------------

@pytest.mark.parametrize('path, words', [
    ('/v3/demo/volumes/%ff', ['URL path', 'UTF-8']),
    ('/v3/demo/backups/%c3%28/restore', ['URL path', 'UTF-8']),
    ('/v3/demo/volumes/a%00b', ['URL path', 'NUL']),
    ('/v3/demo/volumes?name=%ff', ["'name'", 'UTF-8']),
    ('/v3/demo/volumes/detail?%ff=1', ['UTF-8']),
    ('/v3/demo/snapshots?name=a%00', ['name', 'NUL']),
    ('/v3/demo/backups?name=%ed%a0%80', ["'name'", 'UTF-8']),  # surrogate
])
def test_bad_text_in_path_or_query_is_400(app, path, words):
    text = message(call(app, path), 400)
    for word in words:
        assert word in text


@pytest.mark.parametrize('query', [
    'limit=99999999999999999999999', 'offset=99999999999999999999999',
    'limit=-1', 'offset=1e3', 'limit=' + '9' * 5000, 'offset=%EF%BC%91',
])
@pytest.mark.parametrize('collection', ['volumes', 'snapshots', 'backups'])
def test_out_of_range_query_integers_are_400_naming_them(app, collection,
                                                         query):
    name = query.split('=')[0]
    text = message(call(app, '/v3/demo/%s/detail?%s' % (collection, query)),
                   400)
    assert 'query parameter %s=' % name in text


@pytest.mark.parametrize('raw', [
    b'[' * 100000, b'{"a":' * 5000 + b'1' + b'}' * 5000,
    ('{"volume": {"metadata": {"k": %s1%s}}}' % ('[' * 40, ']' * 40)
     ).encode(),
])
def test_deeply_nested_bodies_are_400(app, raw):
    text = message(call(app, '/v3/demo/volumes', 'POST', raw), 400)
    assert 'nested more than %d levels' % request_body.MAX_DEPTH in text


def test_deeply_nested_filter_is_400(app):
    text = message(call(app, '/v3/demo/volumes/detail?metadata='
                        + '%5B' * 50000), 400)
    assert 'metadata' in text


@pytest.mark.parametrize('raw, words', [
    (b'{"volume": {"size": 100000000000000000000}}',
     ['body/volume/size', 'out of range']),
    (b'{"volume": {"size": 1e999}}', ['body/volume/size', 'too large']),
    (b'{"volume": {"size": NaN}}', ['NaN']),
    (b'{"volume": {"size": 1, "size": 2}}', ["'size' twice"]),
    (b'{"volume": {"size": 1, "name": "a\\u0000b"}}',
     ['body/volume/name', 'NUL']),
    (b'{"volume": {"size": 1, "name": "\\ud800"}}',
     ['body/volume/name', 'surrogate']),
    (b'{"volume": {"size": 1, "name": "\xff"}}', ['not UTF-8']),
    ('{"volume": {"size": 1}}'.encode('utf-16'), ['not UTF-8']),
    (b'{"volume": {"size": "' + b'9' * 5000 + b'"}}', ['volume/size']),
])
def test_bad_values_in_bodies_are_400_naming_them(app, raw, words):
    text = message(call(app, '/v3/demo/volumes', 'POST', raw), 400)
    for word in words:
        assert word in text


# --- item 4: the body size limit --------------------------------------------

def test_body_over_the_limit_is_413_before_it_is_read(app):
    class Unreadable:
        def read(self, *args):
            raise AssertionError('the body was read')
    req = webob.Request.blank('/v3/demo/volumes', method='POST',
                              headers=TOKEN)
    req.content_type = 'application/json'
    req.environ['wsgi.input'] = Unreadable()
    req.environ['CONTENT_LENGTH'] = str(50 * 1024 * 1024)
    text = message(req.get_response(app), 413)
    assert 'max_request_body_size' in text and '114688' in text


def test_chunked_body_over_the_limit_is_413(app):
    req = webob.Request.blank('/v3/demo/volumes', method='POST',
                              headers=TOKEN)
    req.content_type = 'application/json'
    req.body = b'{"volume": {"name": "' + b'x' * 200000 + b'"}}'
    del req.environ['CONTENT_LENGTH']      # as a chunked request arrives
    req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
    req.is_body_readable = True
    assert message(req.get_response(app), 413)


def test_body_at_the_limit_is_parsed(app):
    padding = 114688 - len(b'{"volume": {"size": 1, "name": ""}}')
    raw = b'{"volume": {"size": 1, "name": "' + b'x' * padding + b'"}}'
    assert len(raw) == 114688
    text = message(call(app, '/v3/demo/volumes', 'POST', raw), 400)
    assert 'volume/name' in text     # the schema saw it: too long a name


# --- item 6: Content-Type as Cinder reads it --------------------------------

@pytest.mark.parametrize('content_type', [
    'text/plain', 'application/x-www-form-urlencoded', None,
    'application/xml'])
def test_body_that_is_not_sent_as_json_is_400(app, content_type):
    resp = call(app, '/v3/demo/volumes', 'POST', {'volume': {'size': 1}},
                content_type=content_type)
    text = message(resp, 400)
    assert 'Content-Type: application/json' in text


@pytest.mark.parametrize('content_type', [
    'application/json', 'application/json; charset=UTF-8',
    'application/vnd.openstack.volume+json'])
def test_json_content_types_are_read(app, content_type):
    resp = call(app, '/v3/demo/volumes', 'POST', {'volume': {'colour': 1}},
                content_type=content_type)
    assert 'colour' in message(resp, 400)    # reached the schema


# --- item 5: noauth only on loopback ----------------------------------------

@pytest.mark.parametrize('host, loopback', [
    ('127.0.0.1', True), ('127.3.2.1', True), ('::1', True),
    ('localhost', True), ('0.0.0.0', False), ('::', False),
    ('192.0.2.10', False), ('name.invalid', False)])
def test_loopback_addresses(host, loopback):
    from backupd.api import noauth_guard
    assert noauth_guard.is_loopback(host) is loopback


@pytest.mark.parametrize('value, ok', [
    (5, True), ('5', True), (' 7 ', True), (-1, True), (2 ** 31 - 1, True),
    (2 ** 31, False), ('9' * 30, False), ('9' * 5000, False), (True, False),
    (1.5, False), ('x', False), (None, False), (-2, False)])
def test_body_integers_fit_an_integer_column(value, ok):
    """Sizes and quota limits: digits or numbers, at most 2**31 - 1 (an
    Integer column on MariaDB and PostgreSQL)."""
    from backupd.api import common
    from backupd import exception
    if ok:
        assert common.body_int(value, 'quota_set/volumes', -1) == int(value)
    else:
        with pytest.raises(exception.InvalidInput) as info:
            common.body_int(value, 'quota_set/volumes', -1)
        assert 'quota_set/volumes' in str(info.value)


@pytest.mark.parametrize('token, path', [
    ('u:' + 'p' * 256, '/v3/%s/volumes' % ('p' * 256)),
    ('u' * 256 + ':demo', '/v3/demo/volumes'),
    ('a\tb:demo', '/v3/demo/volumes'),
    (None, '/v3/%s/volumes' % ('p' * 256)),
])
def test_identity_ids_that_no_row_can_hold_are_400(app, token, path):
    """noauth takes user and project ids as sent; a project id of 256
    characters was stored on SQLite and a 500 on MariaDB/PostgreSQL."""
    headers = {'X-Auth-Token': token or 'notused'}
    req = webob.Request.blank(path, headers=headers)
    text = message(req.get_response(app), 400)
    assert 'id' in text and '255' in text


@pytest.mark.parametrize('path', [
    '/v3/demo/volumes/%s' % ('v' * 256),
    '/v3/demo/volumes/x/metadata/%s' % ('k' * 256),
    '/v3/demo/os-quota-sets/%s' % ('p' * 256)])
def test_path_parameters_longer_than_any_column_are_400(app, path):
    assert 'path parameter' in message(call(app, path), 400)
