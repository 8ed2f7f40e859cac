"""The WSGI pipeline without a database: versions, microversions, identity,
faults and routing, through the real paste pipeline (noauth)."""
import json

import pytest
import webob

from backupd.api import app as api_app
from backupd.api import microversions
from backupd.conf import CONF
from tests.helpers import paste_app


app = pytest.fixture(scope='module', name='app')(paste_app.noauth_app)


def call(app, path, method='GET', headers=None, body=None):
    req = webob.Request.blank(path, method=method, headers=headers or {})
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    return req.get_response(app)


TOKEN = {'X-Auth-Token': 'alice:demo'}


def test_root_lists_versions_with_300(app):
    resp = call(app, '/')
    assert resp.status_int == 300
    entries = {v['id']: v for v in resp.json['versions']}
    v3 = entries['v3.0']
    assert set(v3) == {'id', 'status', 'updated', 'links', 'media-types',
                       'min_version', 'version'}
    assert (v3['min_version'], v3['version']) == (
        microversions.MIN_VERSION, microversions.MAX_VERSION)
    assert resp.headers['x-openstack-request-id'].startswith('req-')


@pytest.mark.parametrize('path', ['/v3', '/v3/', '/v2', '/v2/'])
def test_version_documents_need_no_credentials(app, path):
    resp = call(app, path)
    assert resp.status_int == 200
    assert len(resp.json['versions']) == 1


def test_no_credentials_is_401_json(app):
    resp = call(app, '/v3/demo/os-services')
    assert resp.status_int == 401
    assert resp.content_type == 'application/json'
    assert resp.json['unauthorized']['code'] == 401


def test_unknown_path_is_404_json_with_version_headers(app):
    resp = call(app, '/v3/demo/nothing-here', headers=TOKEN)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['code'] == 404
    assert resp.headers['OpenStack-API-Version'] == 'volume 3.0'
    assert resp.headers['Vary'] == 'OpenStack-API-Version'


def test_wrong_method_is_405_with_allow(app):
    resp = call(app, '/v3/demo/os-services', method='DELETE', headers=TOKEN)
    assert resp.status_int == 405
    assert resp.headers['Allow'] == 'GET'


def test_non_admin_gets_403_json(app):
    resp = call(app, '/v3/demo/os-services', headers=TOKEN)
    assert resp.status_int == 403
    assert 'services:index' in resp.json['forbidden']['message']


def test_url_project_must_match_identity(app):
    resp = call(app, '/v3/other/os-services', headers=TOKEN)
    assert resp.status_int == 400
    assert 'other' in resp.json['badRequest']['message']


@pytest.mark.parametrize('header,status,echo', [
    (None, None, 'volume 3.0'),
    ('volume latest', None, 'volume ' + microversions.MAX_VERSION),
    ('volume 3.0', None, 'volume 3.0'),
    ('volume 9.9', 406, None),
    ('volume 2.0', 406, None),
    ('volume three', 400, None),
])
def test_microversion_negotiation(app, header, status, echo):
    headers = dict(TOKEN)
    if header:
        headers['OpenStack-API-Version'] = header
    # Non-admin: a negotiated version reaches the policy check (403).
    resp = call(app, '/v3/demo/os-services', headers=headers)
    assert resp.status_int == (status or 403)
    if echo:
        assert resp.headers['OpenStack-API-Version'] == echo


def test_v2_has_no_microversion_headers(app):
    resp = call(app, '/v2/demo/os-services', headers=TOKEN)
    assert resp.status_int == 403
    assert 'OpenStack-API-Version' not in resp.headers


def test_openstacksdk_style_token_takes_project_from_url(app):
    # openstacksdk's "none" auth sends only this token; project from the URL.
    resp = call(app, '/v3/demo/os-services',
                headers={'X-Auth-Token': 'notused'})
    assert resp.status_int == 403  # identified, not admin


def test_projectless_url_needs_an_identity_project(app):
    resp = call(app, '/v3/os-services', headers={'X-Auth-Token': 'notused'})
    assert resp.status_int == 400
    assert 'project' in resp.json['badRequest']['message']


def test_admin_via_roles_header(app):
    resp = call(app, '/v3/demo/nothing', headers={
        'X-Auth-Token': 'bob:demo', 'X-Roles': 'member,admin'})
    assert resp.status_int == 404  # passed auth, unknown route


def test_keystone_pipeline_rejects_missing_token_but_serves_versions():
    """auth_strategy=keystone puts keystonemiddleware's auth_token in front.

    No Keystone runs here, so only what auth_token decides without asking
    Keystone is checked: no token -> 401; version documents stay public.
    """
    CONF([], project='backupd', default_config_files=[])
    CONF.set_override('auth_strategy', 'keystone')
    import keystonemiddleware.auth_token  # noqa: F401  (registers options)
    # Where a 401 tells clients to authenticate (deployments set it).
    CONF.set_override('www_authenticate_uri', 'http://keystone.invalid:5000',
                      group='keystone_authtoken')
    try:
        keystone_app = api_app.load_app(CONF)
    finally:
        CONF.clear_override('auth_strategy')
    assert call(keystone_app, '/v3/demo/os-services').status_int == 401
    assert call(keystone_app, '/').status_int == 300
    assert call(keystone_app, '/v3/').status_int == 200
    CONF.clear_override('www_authenticate_uri', group='keystone_authtoken')


def test_version_history_page_lists_every_version():
    import os
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'doc',
                        'rest_api_version_history.rst')
    with open(path) as f:
        text = f.read()
    for version, change in microversions.VERSIONS:
        assert '\n%s\n%s\n%s\n' % (version, '-' * len(version), change) in text
    for version, change in microversions.NOT_IMPLEMENTED:
        assert '* %s: %s' % (version, change) in text
