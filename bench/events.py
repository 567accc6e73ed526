#!/usr/bin/env python3
"""bench/events.py - what publishing events costs a booking (issue 12).

Owns: starting a plain-HTTP convene-bridge and convened (through
tests/integration/harness.py), adding and provisioning the bridge, and
measuring POST /api/v1/bookings latency (sequential, one keep-alive
connection) in rounds that alternate between no event stream connected
("none", twice as many rounds) and --streams (100) clients following
GET /api/v1/events, so that the machine's load drifts alike over all.
The clients either read as the events come ("streams") or only after the
round ("lazy streams": convened still writes every event to every socket,
but the benchmark's own reading does not take CPU from it meanwhile). Each booking publishes one
booking.created event that every stream receives; at the end every stream
must have received every event of its rounds (counted by its `id:` lines),
else the figures are not reported.

The stream clients are raw sockets read by one thread (selectors), so the
client side stays cheap; they count bytes and ids only. Besides latency,
convened's own CPU time (user + system, /proc) over each timed round is
divided by its bookings: on a shared, loaded machine that figure moves
far less than latency does. In "streams" rounds it runs until every
client has received every event of the round; in "lazy streams" rounds
it stops with the last booking (the sending that is left is not counted).

Does not own: building (run `cmake --build build --target convened
convene-bridge` first) or the daemons' behaviour. A benchmark, never a
test: the exit code is 0 unless something could not be measured.

Usage: python3 bench/events.py [--build-dir build] [--streams 100]
       [--samples 1000] [--rounds 4] [--json FILE]
"""
import argparse
import base64
import datetime
import json
import os
import selectors
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1000, help="bookings per round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per condition")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


class Streams:
    """N event-stream clients on raw sockets, read by one thread."""

    def __init__(self, port, count, lazy):
        token = base64.b64encode(("%s:%s" % ADMIN).encode()).decode()
        request = ("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Authorization: Basic %s\r\nAccept: text/event-stream\r\n\r\n" % token).encode()
        self.selector = selectors.DefaultSelector()
        self.ids = {}
        self.tails = {}
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(request)
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ)
            self.ids[sock] = 0
            self.tails[sock] = b""
            self.sockets.append(sock)
        self.running = True
        # lazy: nothing is read until read_now(), so the client's own CPU
        # does not compete with convened while the bookings are timed
        self.reading = threading.Event()
        if not lazy:
            self.reading.set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.reading.wait()
        while self.running:
            for key, _ in self.selector.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    self.selector.unregister(key.fileobj)
                    continue
                text = self.tails[key.fileobj] + data
                self.ids[key.fileobj] += text.count(b"\nid: ")
                self.tails[key.fileobj] = text[-5:]

    def read_now(self):
        self.reading.set()

    def minimum(self):
        return min(self.ids.values())

    def close(self):
        self.running = False
        self.reading.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def book_round(client, first_start, samples):
    latencies = []
    for index in range(samples):
        start = first_start + datetime.timedelta(minutes=15 * index)
        document = {"title": "bench %d" % index, "start": start.isoformat(),
                    "end": (start + datetime.timedelta(minutes=10)).isoformat()}
        began = time.perf_counter()
        reply = client.call("POST", "/bookings", document)
        latencies.append((time.perf_counter() - began) * 1000)
        if reply.status != 201:
            raise SystemExit("POST /bookings answered %d: %s" % (reply.status, reply.body[:300]))
    return latencies


def main():
    arguments = parse_arguments()
    os.environ["CONVENE_BUILD_DIR"] = os.path.abspath(arguments.build_dir)
    global ADMIN
    import harness
    import scheduler as scheduler_bench  # machine(), percentile()
    ADMIN = harness.ADMIN
    bridge = harness.Bridge().start()
    convened = harness.Scheduler(extra=[
        "--max-event-streams", str(arguments.streams + 10),
        "--max-connections-per-address", str(arguments.streams + 50),
        "--poll-interval", "3600", "--discovery-interval", "3600",
        "--log-level", "warning"]).start()
    try:
        convened.add_bridge(bridge.url, 2, wait=60, name="bench", domain="bench.example.com")
        tomorrow = datetime.datetime.now(datetime.timezone.utc).replace(
            microsecond=0) + datetime.timedelta(days=1)
        conditions = ["none", "streams", "none", "lazy streams"]
        figures = {condition: [] for condition in conditions}
        cpu = {condition: 0.0 for condition in conditions}  # convened's CPU seconds while timed
        pid = convened.process.pid
        used = 0
        book_round(convened.client, tomorrow + datetime.timedelta(days=300), 50)  # warm-up
        for round_index in range(arguments.rounds * len(conditions)):
            condition = conditions[round_index % len(conditions)]
            first = tomorrow + datetime.timedelta(minutes=15 * used)
            used += arguments.samples
            if condition == "none":
                before = scheduler_bench.cpu_seconds(pid)
                figures["none"] += book_round(convened.client, first, arguments.samples)
                cpu["none"] += scheduler_bench.cpu_seconds(pid) - before
                continue
            streams = Streams(convened.port, arguments.streams, condition == "lazy streams")
            harness.wait_for(lambda: b"convene_event_streams %d" % arguments.streams in
                             harness.HttpClient(convened.port).request("GET", "/metrics")
                             .body.encode(), timeout=30, what="every stream to connect")
            before = scheduler_bench.cpu_seconds(pid)
            figures[condition] += book_round(convened.client, first, arguments.samples)
            harness.wait_for(lambda: streams.minimum() >= arguments.samples or
                             condition == "lazy streams", timeout=60, what="delivery")
            cpu[condition] += scheduler_bench.cpu_seconds(pid) - before
            streams.read_now()
            harness.wait_for(lambda: streams.minimum() >= arguments.samples, timeout=60,
                             what="every stream to receive every event")
            streams.close()
            harness.wait_for(lambda: b"convene_event_streams 0" in
                             harness.HttpClient(convened.port).request("GET", "/metrics")
                             .body.encode(), timeout=60, what="the streams to be released")
        result = {"machine": scheduler_bench.machine(),
                  "load_average": os.getloadavg(),
                  "stream_clients": arguments.streams}
        for condition, values in figures.items():
            result[condition] = {"samples": len(values),
                                 "convened_cpu_us_per_booking":
                                     round(cpu[condition] / len(values) * 1e6, 1),
                                 "p50_ms": round(scheduler_bench.percentile(values, 0.5), 3),
                                 "p99_ms": round(scheduler_bench.percentile(values, 0.99), 3),
                                 "max_ms": round(max(values), 3)}
        print(json.dumps(result, indent=2))
        scheduler_bench.write_json(arguments.json, result)
    finally:
        convened.cleanup()
        bridge.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
