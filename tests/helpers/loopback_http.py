"""A threaded HTTP server on 127.0.0.1 for the test doubles that need one
(tests/helpers/fake_keystone.py, tests/helpers/http_relay.py)."""
import http.server
import threading


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 (keep-alive, as real servers), no access log on stderr."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass


class LoopbackServer:
    """``with Subclass(...) as server:`` serves ``handler_class()`` on a free
    port of 127.0.0.1 (``server.port``) from a daemon thread."""

    def __init__(self):
        self._server = None
        self._thread = None

    def handler_class(self):
        """The request handler class; it may close over ``self``."""
        raise NotImplementedError

    @property
    def port(self):
        return self._server.server_address[1]

    def __enter__(self):
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), self.handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
