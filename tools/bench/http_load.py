"""A closed-loop HTTP/1.1 load client cheap enough never to be the limit.

``run(port, requests, concurrency, seconds)`` keeps ``concurrency``
keep-alive connections busy, each sending the next request (bytes built
once, cycled through) the moment its previous response is complete, from
one thread with ``selectors``: no HTTP library, no per-request parsing
beyond the status line and Content-Length. Returns the count, errors and
latencies. Used by api_bench.py.
"""
import selectors
import socket
import time

HEADER_END = b'\r\n\r\n'


def request_bytes(path, headers):
    lines = ['GET %s HTTP/1.1' % path, 'Host: 127.0.0.1']
    lines += ['%s: %s' % item for item in headers.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode()


class _Connection:
    def __init__(self, port, requests, offset):
        self.sock = socket.create_connection(('127.0.0.1', port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.requests = requests
        self.next = offset % len(requests)
        self.buffer = b''
        self.started = 0.0
        self.status = None

    def send(self):
        self.buffer = b''
        self.started = time.perf_counter()
        self.sock.sendall(self.requests[self.next])
        self.next = (self.next + 1) % len(self.requests)

    def receive(self):
        """(done, status) once a whole response arrived."""
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError('server closed the connection')
        self.buffer += chunk
        end = self.buffer.find(HEADER_END)
        if end < 0:
            return False, None
        head = self.buffer[:end].decode('latin-1')
        length = None
        for line in head.split('\r\n')[1:]:
            name, _, value = line.partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value)
        if length is None:
            raise ValueError('response without Content-Length: %s' % head)
        if len(self.buffer) - end - 4 < length:
            return False, None
        return True, int(head.split(' ', 2)[1])


def run(port, requests, concurrency, seconds):
    """{'count', 'errors', 'seconds', 'latencies' (s)} of a timed run."""
    selector = selectors.DefaultSelector()
    connections = [_Connection(port, requests, i) for i in range(concurrency)]
    latencies, errors = [], 0
    start = time.perf_counter()
    deadline = start + seconds
    for conn in connections:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        conn.send()
    active = len(connections)
    while active:
        events = selector.select(timeout=30)
        if not events:
            raise TimeoutError('no response in 30 s')
        for key, _ in events:
            conn = key.data
            done, status = conn.receive()
            if not done:
                continue
            now = time.perf_counter()
            latencies.append(now - conn.started)
            errors += status != 200
            if now < deadline:
                conn.send()
            else:
                selector.unregister(conn.sock)
                conn.sock.close()
                active -= 1
    elapsed = time.perf_counter() - start
    return {'count': len(latencies), 'errors': errors, 'seconds': elapsed,
            'latencies': latencies}
