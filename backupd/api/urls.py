"""Links in responses, below the router so handlers and views need not
import it.

The router stores each request's URL prefix (endpoint, API version and the
project form the caller used) in the WSGI environ under
``URL_PREFIX_KEY``; ``url_for`` builds links from it, so a link answers in
the same version and form as the request.
"""
from oslo_config import cfg

URL_PREFIX_KEY = 'backupd.url_prefix'


def base_url(req):
    """The public endpoint: ``public_endpoint`` when set (behind a proxy),
    else the URL the request came to."""
    return (cfg.CONF.public_endpoint or req.application_url).rstrip('/')


def url_for(req, *parts):
    """Absolute link to a resource in the same API version and project form."""
    return '/'.join([req.environ[URL_PREFIX_KEY]] + [str(p) for p in parts])


def links(req, collection, object_id):
    """The ``self`` and ``bookmark`` links of one object."""
    href = url_for(req, collection, object_id)
    return [{'rel': 'self', 'href': href}, {'rel': 'bookmark', 'href': href}]
