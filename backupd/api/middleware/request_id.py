"""A request id for every call, in the environ, the logs and the response.

What oslo.middleware's RequestId does (``openstack.request_id`` in the
environ, ``x-openstack-request-id`` on every response, a caller's own
``X-Openstack-Request-Id`` of the ``req-<uuid>`` form kept as
``openstack.global_request_id``), as plain WSGI: oslo's wraps each call in
a webob request and response.

It also forgets the previous request's context. oslo.context keeps the
current context in a green-thread local, and eventlet serves all the
requests of a keep-alive connection on one green thread: without this, a
line logged before the identity middleware made this request's context
(a refused request, the access log of a 401) would name the previous
request of the connection.
"""
import re

from oslo_context import context as oslo_context

ENV_REQUEST_ID = 'openstack.request_id'
ENV_GLOBAL_REQUEST_ID = 'openstack.global_request_id'
RESPONSE_HEADER = 'x-openstack-request-id'
_INBOUND = 'HTTP_X_OPENSTACK_REQUEST_ID'
# oslo.middleware's ID_FORMAT: a caller's id is kept only in this form.
_ID_FORMAT = re.compile(r'^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-'
                        r'[a-f0-9]{4}-[a-f0-9]{12}$')


def forget_current_context():
    """No context is current for this green thread until the identity
    middleware makes the request's (oslo.context has no public call for
    this; its own test fixture clears the same store)."""
    oslo_context._request_store.context = None


class RequestId:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        forget_current_context()
        inbound = environ.get(_INBOUND)
        if inbound and _ID_FORMAT.match(inbound):
            environ[ENV_GLOBAL_REQUEST_ID] = inbound
        request_id = environ[ENV_REQUEST_ID] = (
            oslo_context.generate_request_id())

        def start_with_id(status, headers, exc_info=None):
            if not any(name.lower() == RESPONSE_HEADER
                       for name, _ in headers):
                headers.append((RESPONSE_HEADER, request_id))
            return start_response(status, headers, exc_info)
        return self.application(environ, start_with_id)


def filter_factory(global_conf, **local_conf):
    return RequestId
