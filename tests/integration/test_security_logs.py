"""Forged log lines and secrets in the traces (issue 8, breaks 4 and 5).

Anyone could write a convincing audit line into a trace: CR/LF in a URL
path (no credentials needed), in a form value, or in text a bridge returns
(softwareVersion) that convened writes to its cms-trace.log. Every line of
both traces must come out as one line, and coSpace secrets, like
passcodes, must never reach a trace.
"""

import http.server
import socket
import threading

from harness import ADMIN, Bridge, Scheduler, run_tests, wait_for

# What a forger wants to appear on a line of its own.
FORGED = "Jan  1 00:00:00 local0.info CallBridge host:server: INFO : 10.0.0.9: " \
         "API user \"admin\" deleted coSpace FORGED"


def assert_no_forged_line(text, where):
    assert "\r" not in text, where
    for line in text.split("\n"):
        assert not line.startswith("Jan  1 00:00:00"), (where, line)
        assert "\x1b" not in line, (where, line)
    assert "FORGED" in text, where  # the text is there, escaped, on its own line


def raw_get(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            % path).encode())
        while connection.recv(65536):
            pass


def test_bridge_trace_escapes_paths_and_form_values():
    bridge = Bridge().start()
    try:
        # A path with CR/LF, percent-encoded, without credentials.
        raw_get(bridge.port, "/api/v1/x%0d%0a" + FORGED.replace(" ", "%20").replace('"', "%22"))
        # A form value and the audit line that names it.
        space = bridge.client.create("/coSpaces", {"name": "weekly\r\n" + FORGED + "\x1b[2J",
                                                    "secret": "TopSecret42",
                                                    "passcode": "4711"})
        assert bridge.client.get("/coSpaces/" + space).status == 200
        wait_for(lambda: "<secret>" in bridge.trace(), what="the GET in the trace")
        trace = bridge.trace()
        assert_no_forged_line(trace, "bridge trace")
        assert "x\\r\\nJan  1 00:00:00" in trace
        assert "TopSecret42" not in trace and "4711" not in trace
        assert "secret=*****" in trace and "<secret>*****</secret>" in trace
        # The audit line stays one line too.
        audits = [line for line in trace.split("\n") if "created new space" in line]
        assert len(audits) == 1 and "weekly\\r\\nJan  1" in audits[0], audits
    finally:
        bridge.cleanup()


class FakeBridge(http.server.BaseHTTPRequestHandler):
    """Answers like a CMS whose softwareVersion carries a forged line."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path.startswith("/api/v1/system/status"):
            body = ("<?xml version=\"1.0\"?><status><softwareVersion>3.9\r\n%s</softwareVersion>"
                    "<uptimeSeconds>5</uptimeSeconds></status>" % FORGED).encode()
            self.send_response(200)
        else:
            body = b"<?xml version=\"1.0\"?><callBridges total=\"0\"></callBridges>"
            self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


def test_convened_trace_escapes_what_a_bridge_returns():
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeBridge)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    scheduler = Scheduler().start()
    try:
        scheduler.client.call("POST", "/bridges", {
            "address": "http://127.0.0.1:%d" % fake.server_address[1],
            "username": ADMIN[0], "password": ADMIN[1]})
        wait_for(lambda: "softwareVersion" in scheduler.trace(),
                 what="convened to trace the status answer")
        assert_no_forged_line(scheduler.trace(), "cms-trace.log")
        assert "3.9\\r\\nJan  1 00:00:00" in scheduler.trace()
        for line in scheduler.log().split("\n"):
            assert not line.startswith("Jan  1 00:00:00"), line
    finally:
        scheduler.cleanup()
        fake.shutdown()
        fake.server_close()


if __name__ == "__main__":
    run_tests(globals())
