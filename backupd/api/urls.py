"""Links in responses, below the router so handlers and views need not
import it.

The router stores each request's URL prefix (endpoint, API version and the
project form the caller used) in the WSGI environ under
``URL_PREFIX_KEY``; ``url_for`` builds links from it, so a link answers in
the same version and form as the request.
"""
import re
import urllib.parse

from oslo_config import cfg

URL_PREFIX_KEY = 'backupd.url_prefix'
_BOOKMARK_PREFIX_KEY = 'backupd.bookmark_prefix'
_LINK_PREFIXES_KEY = 'backupd.link_prefixes'
# The first /vN or /vN.M segment of a path: the API version (Cinder's
# remove_version_from_href).
_VERSION = re.compile(r'/v[0-9]+(?:\.[0-9]+)?(?=/|$)')


def base_url(req):
    """The public endpoint: ``public_endpoint`` when set (behind a proxy),
    else the URL the request came to."""
    return (cfg.CONF.public_endpoint or req.application_url).rstrip('/')


def url_for(req, *parts):
    """Absolute link to a resource in the same API version and project form."""
    return '/'.join([req.environ[URL_PREFIX_KEY]] + [str(p) for p in parts])


def bookmark_prefix(req):
    """The URL prefix without the API version, as Cinder's bookmark
    links have it (``http://h:8776/{project}``); once per request."""
    prefix = req.environ.get(_BOOKMARK_PREFIX_KEY)
    if prefix is None:
        parts = urllib.parse.urlsplit(req.environ[URL_PREFIX_KEY])
        prefix = urllib.parse.urlunsplit(
            parts._replace(path=_VERSION.sub('', parts.path, count=1)))
        req.environ[_BOOKMARK_PREFIX_KEY] = prefix
    return prefix


def links(req, collection, object_id):
    """The ``self`` link of one object, and its ``bookmark`` link: the
    same without the API version (Cinder's)."""
    prefixes = req.environ.get(_LINK_PREFIXES_KEY)
    if prefixes is None:
        prefixes = req.environ[_LINK_PREFIXES_KEY] = {}
    pair = prefixes.get(collection)
    if pair is None:     # once per request and collection, not per item
        pair = prefixes[collection] = (
            url_for(req, collection) + '/',
            '%s/%s/' % (bookmark_prefix(req), collection))
    object_id = str(object_id)
    return [{'rel': 'self', 'href': pair[0] + object_id},
            {'rel': 'bookmark', 'href': pair[1] + object_id}]
