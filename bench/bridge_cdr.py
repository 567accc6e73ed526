#!/usr/bin/env python3
"""bench/bridge_cdr.py - how fast convene-bridge delivers CDRs (issue 9).

Owns: starting a plain-HTTP convene-bridge and a CDR receiver (a Python
http.server on loopback that only counts records), running meetings
through the API - an ad hoc call, one dial-out that connects, the leg and
the call deleted: five records each - and timing the records' delivery,
first with the receiver up, then with it down for the whole run and
started again (the backlog a restart leaves). This is a benchmark, never a
test: it reports figures; its exit code is 0 unless something could not be
measured.

Reports, for each phase: meetings run, records delivered, the API time of
the meetings, and the time from the last DELETE until the receiver had
every record (for the backlog: from the receiver's restart).

Usage: python3 bench/bridge_cdr.py [--build-dir build] [--meetings 500] [--json FILE]
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from bench_common import write_json

AUTH = "Basic " + base64.b64encode(b"admin:bench").decode()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    def __init__(self, port):
        self.port = port
        self.indexes = []  # recordIndex of every record, in arrival order
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                found = [int(n) for n in re.findall(rb'recordIndex="([0-9]+)"', body)]
                with owner.lock:
                    owner.indexes.extend(found)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self):
        with self.lock:
            return len(self.indexes)

    def in_order_once(self):
        """True when the records came in recordIndex order, each once, no gap."""
        with self.lock:
            indexes = list(self.indexes)
        return indexes == list(range(indexes[0], indexes[0] + len(indexes))) if indexes else True


class Api:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, fields=None):
        body = "&".join("%s=%s" % item for item in (fields or {}).items()) or None
        headers = {"Authorization": AUTH}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, "/api/v1" + path, body=body, headers=headers)
        reply = self.connection.getresponse()
        data = reply.read().decode()
        return reply.status, reply.getheader("Location"), data


def wait_until(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def run_meetings(api, count):
    """Runs `count` meetings; returns their API time in seconds."""
    started = time.monotonic()
    for index in range(count):
        _, location, _ = api.call("POST", "/calls", {"name": "bench%d" % index})
        call = location.rsplit("/", 1)[1]
        _, location, _ = api.call("POST", "/calls/%s/callLegs" % call,
                                  {"remoteParty": "ep%d%%40example.com" % index})
        leg = location.rsplit("/", 1)[1]
        wait_until(lambda: "<state>connected</state>" in api.call("GET", "/callLegs/" + leg)[2])
        api.call("DELETE", "/callLegs/" + leg)
        api.call("DELETE", "/calls/" + call)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--json")
    options = parser.parse_args()
    binary = os.path.join(options.build_dir, "src", "bridge", "convene-bridge")
    if not os.path.exists(binary):
        sys.exit("no %s: build first (cmake --build %s)" % (binary, options.build_dir))
    data_dir = tempfile.mkdtemp(prefix="bench-cdr-")
    bridge_port, receiver_port = free_port(), free_port()
    bridge = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % bridge_port,
                               "--data-dir", data_dir, "--api-user", "admin:bench",
                               "--plain-http", "--ring-ms", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    receiver = Receiver(receiver_port)
    receiver.start()
    results = {"meetings": options.meetings, "records_per_meeting": 5}
    try:
        api = None
        for _ in range(200):
            try:
                api = Api(bridge_port)
                if api.call("GET", "/system/status")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        api.call("POST", "/system/cdrReceivers",
                 {"uri": "http://127.0.0.1:%d/cdr" % receiver_port})
        expected = options.meetings * 5
        api_seconds = run_meetings(api, options.meetings)
        last_delete = time.monotonic()
        if not wait_until(lambda: receiver.received() >= expected):
            sys.exit("receiver got %d of %d records" % (receiver.received(), expected))
        results["up"] = {"api_seconds": round(api_seconds, 3),
                         "records": receiver.received(),
                         "in_order_once": receiver.in_order_once(),
                         "after_last_delete_ms": round((time.monotonic() - last_delete) * 1000, 1)}
        receiver.stop()
        api_seconds = run_meetings(api, options.meetings)
        time.sleep(1)  # the sender is retrying now
        restarted = Receiver(receiver_port)
        restart = time.monotonic()
        restarted.start()
        if not wait_until(lambda: restarted.received() >= expected):
            sys.exit("restarted receiver got %d of %d" % (restarted.received(), expected))
        drain = time.monotonic() - restart
        results["backlog"] = {"api_seconds": round(api_seconds, 3),
                              "records": restarted.received(),
                              "in_order_once": restarted.in_order_once(),
                              "drain_after_restart_ms": round(drain * 1000, 1),
                              "records_per_second": round(expected / drain)}
        restarted.stop()
    finally:
        bridge.terminate()
        bridge.wait(timeout=15)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(results, indent=2))
    write_json(options.json, results)


if __name__ == "__main__":
    main()
