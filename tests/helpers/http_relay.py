"""An HTTP relay that can damage traffic, for faults a healthy Swift
never produces by itself (a body altered on the wire, a wrong ETag in an
answer).

The relay forwards every request to a real server (the test Swift's proxy)
and its answer back; a test points the driver's storage URL at the relay.
``alter_request(method, path, headers, body) -> body`` and
``alter_response(method, path, status, headers) -> headers`` (``headers``
a list of (name, value)) change what goes through;
``cut_body(method, path) -> n or None`` sends only the first n bytes of an
answer's body, then closes the connection (a server dying mid-answer). Nothing is faked: the
server sees, checks and answers the damaged request itself.
"""
import http.client

from tests.helpers import loopback_http

HOP_BY_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'te',
              'trailer', 'upgrade', 'proxy-connection'}


def _unchanged_request(method, path, headers, body):
    return body


def _unchanged_response(method, path, status, headers):
    return headers


def _whole_body(method, path):
    return None


class HttpRelay(loopback_http.LoopbackServer):
    """``with HttpRelay(port) as relay:``; ``relay.port`` is where it
    listens; ``relay.url_for(url)`` rewrites a URL of the server to go
    through the relay."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.alter_request = _unchanged_request
        self.alter_response = _unchanged_response
        self.cut_body = _whole_body
        super().__init__()

    def url_for(self, url):
        return url.replace(':%d/' % self.target_port, ':%d/' % self.port, 1)

    def handler_class(self):
        relay = self

        class Handler(loopback_http.QuietHandler):
            def _relay(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                headers = [(k, v) for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP]
                body = relay.alter_request(self.command, self.path, headers,
                                           body)
                upstream = http.client.HTTPConnection(
                    '127.0.0.1', relay.target_port, timeout=60)
                try:
                    upstream.putrequest(self.command, self.path,
                                        skip_host=True,
                                        skip_accept_encoding=True)
                    for name, value in headers:
                        upstream.putheader(name, value)
                    upstream.endheaders(body if body else None)
                    answer = upstream.getresponse()
                    data = answer.read()
                    answer_headers = [(k, v) for k, v in answer.getheaders()
                                      if k.lower() not in HOP_BY_HOP]
                finally:
                    upstream.close()
                answer_headers = relay.alter_response(
                    self.command, self.path, answer.status, answer_headers)
                self.send_response(answer.status)
                for name, value in answer_headers:
                    if self.command == 'HEAD' or \
                            name.lower() != 'content-length':
                        self.send_header(name, value)
                if self.command != 'HEAD':
                    self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                cut = relay.cut_body(self.command, self.path)
                if cut is not None:
                    self.wfile.write(data[:cut])
                    self.close_connection = True
                elif self.command != 'HEAD':
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay

        return Handler
