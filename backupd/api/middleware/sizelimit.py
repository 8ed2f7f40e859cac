"""The request body limit: oslo.middleware's, as plain WSGI, answering in
Cinder's JSON fault format.

``[oslo_middleware] max_request_body_size`` (Cinder's default, 114688 bytes,
oslo.middleware's option) bounds every body: a request whose Content-Length
is larger gets a 413 before a byte of its body is read; a body without
Content-Length (chunked) is read through oslo's LimitingReader, which
raises a 413 as soon as it grows past the limit (inside the app, where the
router makes it JSON too). oslo.middleware's own filter wraps every call in
a webob request and answers the first case with webob's HTML 413.
"""
from oslo_middleware import sizelimit

from backupd.api.middleware import faults
from backupd.api.middleware import options
from backupd import exception


class RequestTooLarge(exception.BackupdException):
    message = ('The request body is %(size)d bytes, more than the limit of '
               '%(limit)d bytes ([oslo_middleware] max_request_body_size).')
    code = 413


def content_length(environ):
    """The Content-Length as an int; None when absent or not a number
    (webob's reading)."""
    try:
        return int(environ.get('CONTENT_LENGTH') or '')
    except ValueError:
        return None


class RequestBodySizeLimiter:
    def __init__(self, application, conf=None):
        self.application = application
        self.limit = options.oslo_option(conf, sizelimit.OPTS,
                                         'max_request_body_size')

    def __call__(self, environ, start_response):
        length = content_length(environ)
        if length is not None and length > self.limit:
            return faults.error_response(
                RequestTooLarge(size=length, limit=self.limit))(
                    environ, start_response)
        if length is None:
            # What setting webob's body_file does: the bounded reader is
            # the input, and it is readable without a length (eventlet
            # decodes a chunked body but does not say where it ends, so
            # webob would otherwise read nothing and a chunked JSON body
            # would look empty).
            environ.pop('CONTENT_LENGTH', None)
            environ['wsgi.input'] = sizelimit.LimitingReader(
                environ['wsgi.input'], self.limit)
            environ['webob.is_body_seekable'] = False
            environ['wsgi.input_terminated'] = True
        return self.application(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return RequestBodySizeLimiter
