"""Behind a TLS-terminating proxy: the scheme, host, client address and
path prefix the proxy saw, so that links in responses point where clients
connect.

oslo.middleware's HTTPProxyToWSGI as plain WSGI (that one wraps every call
in a webob request), with its option: ``[oslo_middleware]
enable_proxy_headers_parsing`` (default off: the headers are ignored, as a
client could send them). RFC 7239 ``Forwarded`` (its first element) wins
over ``X-Forwarded-Proto``/``-Host``/``-For``; ``X-Forwarded-Prefix`` is
put before ``SCRIPT_NAME``.
"""
from oslo_middleware import http_proxy_to_wsgi

from backupd.api.middleware import options

# (environ key set, key in a Forwarded element, X-Forwarded-* environ key)
_FORWARDED = (('wsgi.url_scheme', 'proto', 'HTTP_X_FORWARDED_PROTO'),
              ('HTTP_HOST', 'host', 'HTTP_X_FORWARDED_HOST'),
              ('REMOTE_ADDR', 'for', 'HTTP_X_FORWARDED_FOR'))


def first_forwarded(header):
    """The first proxy's element of an RFC 7239 ``Forwarded`` header, as
    {lower-case key: value}."""
    element = {}
    for pair in header.split(',', 1)[0].split(';'):
        key, _, value = pair.partition('=')
        element[key.lower().strip()] = value.strip()
    return element


def apply_proxy_headers(environ):
    forwarded = environ.get('HTTP_FORWARDED')
    if forwarded:
        element = first_forwarded(forwarded)
        values = [(key, element.get(name)) for key, name, _ in _FORWARDED]
    else:
        values = [(key, environ.get(header)) for key, _, header in _FORWARDED]
    for key, value in values:
        if value:
            environ[key] = value
    prefix = environ.get('HTTP_X_FORWARDED_PREFIX')
    if prefix:
        environ['SCRIPT_NAME'] = prefix + environ.get('SCRIPT_NAME', '')


class HTTPProxyToWSGI:
    def __init__(self, application, conf=None):
        self.application = application
        self.enabled = options.oslo_option(conf, http_proxy_to_wsgi.OPTS,
                                           'enable_proxy_headers_parsing')

    def __call__(self, environ, start_response):
        if self.enabled:
            apply_proxy_headers(environ)
        return self.application(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return HTTPProxyToWSGI
