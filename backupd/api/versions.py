"""Version documents at /, /v2 and /v3 (what cinderclient and the SDK discover)."""
from backupd.api import microversions
from backupd.api import wsgi

_UPDATED = '2026-11-21T00:00:00Z'
_MEDIA = [{'base': 'application/json',
           'type': 'application/vnd.openstack.volume+json;version=%d'}]


def _entry(base_url, major):
    media = [dict(m, type=m['type'] % major) for m in _MEDIA]
    current = major == 3
    return {
        'id': 'v%d.0' % major,
        'status': 'CURRENT' if current else 'SUPPORTED',
        'updated': _UPDATED,
        'links': [{'href': '%s/v%d/' % (base_url, major), 'rel': 'self'},
                  {'href': 'https://docs.openstack.org/', 'rel': 'describedby',
                   'type': 'text/html'}],
        'media-types': media,
        'min_version': microversions.MIN_VERSION if current else '',
        'version': microversions.MAX_VERSION if current else '',
    }


def all_versions(base_url):
    """GET / -> 300 Multiple Choices."""
    return wsgi.json_response(
        {'versions': [_entry(base_url, 3), _entry(base_url, 2)]}, status=300)


def one_version(base_url, major):
    """GET /v3, /v3/, /v2, /v2/ -> 200."""
    return wsgi.json_response({'versions': [_entry(base_url, major)]})
