"""The plain-WSGI filters that replace oslo.middleware's in the pipeline
(issue 15) keep its behaviour: the request id in and out, proxy headers,
and the context of one request never shown as another's."""
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_middleware import http_proxy_to_wsgi
import pytest
import webob
import webob.dec

from backupd.api.middleware import auth
from backupd.api.middleware import http_proxy
from backupd.api.middleware import request_id
from tests.helpers import paste_app

app = pytest.fixture(scope='module', name='app')(paste_app.noauth_app)

CALLER_ID = 'req-0123abcd-0123-4567-89ab-0123456789ab'


@webob.dec.wsgify
def _echo(req):
    return webob.Response(json={
        key: req.environ.get(key) for key in (
            'wsgi.url_scheme', 'HTTP_HOST', 'REMOTE_ADDR', 'SCRIPT_NAME',
            request_id.ENV_REQUEST_ID, request_id.ENV_GLOBAL_REQUEST_ID)})


def test_each_response_has_its_own_request_id(app):
    ids = {webob.Request.blank('/v3/demo/extensions', headers={
        'X-Auth-Token': 'alice:demo'}).get_response(app).headers[
            'x-openstack-request-id'] for _ in range(3)}
    assert len(ids) == 3 and all(i.startswith('req-') for i in ids)


def test_callers_request_id_is_the_global_id():
    def call(inbound):
        req = webob.Request.blank('/', headers={
            'X-Openstack-Request-Id': inbound})
        resp = req.get_response(request_id.RequestId(_echo))
        return resp.headers['x-openstack-request-id'], resp.json
    ours, seen = call(CALLER_ID)
    assert seen[request_id.ENV_GLOBAL_REQUEST_ID] == CALLER_ID
    assert ours == seen[request_id.ENV_REQUEST_ID] != CALLER_ID
    # not of the req-<uuid> form: dropped, as oslo.middleware does
    assert call('req-not-an-id')[1][request_id.ENV_GLOBAL_REQUEST_ID] is None


def test_global_id_reaches_the_context(app):
    @webob.dec.wsgify
    def context_ids(req):
        ctx = req.environ['backupd.context']
        return webob.Response(json=[ctx.request_id, ctx.global_request_id])
    pipeline = request_id.RequestId(auth.NoAuth(context_ids))
    resp = webob.Request.blank('/', headers={
        'X-Auth-Token': 'alice:demo',
        'X-Openstack-Request-Id': CALLER_ID}).get_response(pipeline)
    assert resp.json == [resp.headers['x-openstack-request-id'], CALLER_ID]


def test_request_context_is_current_only_for_its_request(app):
    """Requests one after another on one thread (as a keep-alive
    connection's on one green thread): the current context, which log
    lines name, is each request's own, and none before identity."""
    current = []
    pipeline = request_id.RequestId(_current_recorder(current, app))
    for headers in ({'X-Auth-Token': 'alice:demo'},
                    {'X-Auth-Token': 'bob:demo'}, {}):
        resp = webob.Request.blank('/v3/demo/extensions',
                                   headers=headers).get_response(pipeline)
        ctx = oslo_context.get_current()
        current.append(ctx.request_id if ctx else None)
        current.append(resp.headers['x-openstack-request-id'])
    # at the start of each request nothing is current; after it, its own
    assert current[0::3] == [None, None, None]
    assert current[1] == current[2] and current[4] == current[5]
    assert current[1] != current[4]
    assert current[7] is None          # refused before identity (401)


def _current_recorder(record, application):
    def recorder(environ, start_response):
        ctx = oslo_context.get_current()
        record.append(ctx.request_id if ctx else None)
        return application(environ, start_response)
    return recorder


@pytest.fixture
def proxy_conf():
    conf = cfg.ConfigOpts()
    conf([], project='backupd', default_config_files=[])
    conf.register_opts(http_proxy_to_wsgi.OPTS, group='oslo_middleware')
    return conf


def _through_proxy(conf, headers):
    req = webob.Request.blank('/v3', headers=headers,
                              environ={'REMOTE_ADDR': '10.0.0.1'})
    return req.get_response(http_proxy.HTTPProxyToWSGI(_echo, conf)).json


def test_proxy_headers_ignored_unless_enabled(proxy_conf):
    seen = _through_proxy(proxy_conf, {'X-Forwarded-Proto': 'https',
                                       'X-Forwarded-Host': 'api.example'})
    assert (seen['wsgi.url_scheme'], seen['HTTP_HOST']) == (
        'http', 'localhost:80')


def test_proxy_headers_when_enabled(proxy_conf):
    proxy_conf.set_override('enable_proxy_headers_parsing', True,
                            group='oslo_middleware')
    seen = _through_proxy(proxy_conf, {
        'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example',
        'X-Forwarded-For': '192.0.2.7', 'X-Forwarded-Prefix': '/volume'})
    assert seen['wsgi.url_scheme'] == 'https'
    assert seen['HTTP_HOST'] == 'api.example'
    assert seen['REMOTE_ADDR'] == '192.0.2.7'
    assert seen['SCRIPT_NAME'] == '/volume'
    # RFC 7239: the first proxy's element, over X-Forwarded-*
    seen = _through_proxy(proxy_conf, {
        'Forwarded': 'for=192.0.2.60;proto=https;host=a.example, '
                     'for=10.1.1.1;proto=http',
        'X-Forwarded-Host': 'ignored.example'})
    assert (seen['wsgi.url_scheme'], seen['HTTP_HOST'],
            seen['REMOTE_ADDR']) == ('https', 'a.example', '192.0.2.60')
