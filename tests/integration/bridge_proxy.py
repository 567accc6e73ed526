"""Owns: a proxy between convened and convene-bridge for the integration
tests, forwarding every request as is (the Authorization and Content-Type
headers, the body) and the bridge's answer back, with two hooks a test
overrides: `hold(handler)` before a request goes on (to keep it on the
wire) and `rewrite(data)` on an answer's body (to change what the bridge
said).
`HoldingProxy` is the `hold` most tests want: the next request a test
names waits on the wire until the test lets it go.
Does not own: what other hooks do (test_scheduler_resume.py's
RewritingProxy), the daemons (harness.py).
"""

import http.client
import http.server
import threading

# Answer headers not copied: the proxy sets its own length and framing.
HOP_HEADERS = ("content-length", "connection", "transfer-encoding")


class BridgeProxy(http.server.ThreadingHTTPServer):
    """Listens on a free local port (`url`) from construction until
    `shutdown()`, forwarding to the bridge on `target_port`."""
    daemon_threads = True

    def __init__(self, target_port):
        self.target_port = target_port
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def hold(self, handler):
        """Called before `handler`'s request is forwarded: may wait."""

    def rewrite(self, data):
        """The answer body (bytes) to send back in place of `data`."""
        return data


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        self.server.hold(self)
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.target_port, timeout=30)
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() in ("authorization", "content-type")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        reply = upstream.getresponse()
        data = self.server.rewrite(reply.read())
        upstream.close()
        self.send_response(reply.status)
        for name, value in reply.getheaders():
            if name.lower() not in HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = forward


class HoldingProxy(BridgeProxy):
    """Forwards every request, except that while armed (`hold_next()`, or
    `armed=True` from the start) the next one `matches(handler)` accepts
    waits (`held` is set) until `release()` (at most 30 s): a request on
    the wire while the test does something else."""

    def __init__(self, target_port, matches, armed=False):
        self.matches = matches
        self.armed = armed
        self.held = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()
        super().__init__(target_port)

    def hold_next(self):
        self.armed = True

    def release(self):
        self.released.set()

    def hold(self, handler):
        if not self.matches(handler):
            return
        with self.lock:
            hold, self.armed = self.armed, False
        if hold:
            self.held.set()
            self.released.wait(30)
