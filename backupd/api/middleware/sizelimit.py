"""oslo.middleware's request body limit, answering in Cinder's JSON fault
format.

``[oslo_middleware] max_request_body_size`` (Cinder's default, 114688 bytes)
bounds every body: a request whose Content-Length is larger gets a 413
before a byte of its body is read; a chunked body is cut off with a 413 as
soon as it grows past the limit while being read. oslo.middleware raises
webob's HTML 413 from outside the fault middleware's reach; this subclass
answers the Content-Length case with the JSON body every other error has
(the chunked case is raised inside the app and becomes JSON there), and
lets a chunked body be read at all (see below).
"""
import webob.dec
from oslo_middleware import sizelimit

from backupd.api.middleware import faults
from backupd import exception


class RequestTooLarge(exception.BackupdException):
    message = ('The request body is %(size)d bytes, more than the limit of '
               '%(limit)d bytes ([oslo_middleware] max_request_body_size).')
    code = 413
    error_name = 'overLimit'


class RequestBodySizeLimiter(sizelimit.RequestBodySizeLimiter):
    @webob.dec.wsgify
    def __call__(self, req):
        limit = self._conf_get('max_request_body_size')
        if req.content_length is not None and req.content_length > limit:
            return faults.error_response(
                RequestTooLarge(size=req.content_length, limit=limit))
        if (req.content_length is None and 'chunked' in
                req.headers.get('Transfer-Encoding', '').lower()):
            # eventlet decodes chunked bodies but does not say the input
            # ends (wsgi.input_terminated), so webob would read nothing and
            # a chunked JSON body would look empty; oslo's LimitingReader
            # (set up by the parent) bounds what is read.
            req.is_body_readable = True
        return super().__call__(req)
