"""Server-Sent Events (GET /api/v1/events) and Prometheus metrics
(GET /metrics) of convened, against a real convene-bridge.

Covers: the events of a whole meeting (created, started, participant
changes, ended) in id order; a client that disconnects and reconnects with
Last-Event-ID (header, and ?lastEventId=) receives exactly what a client
that stayed connected received; an id older than the window (or from
another run) gets `event: reset`; a bad id is 400 naming the field; a
quiet stream gets heartbeat comments; --max-event-streams answers 503
beyond the limit; /metrics needs credentials, passes `promtool check
metrics` (Debian's prometheus package) and its values move with a real
meeting (starts and lateness, dial-outs by outcome, bookings by state,
bridge reachability, CMS latency); the Grafana dashboard in etc/ parses
and queries only metric names /metrics exposes; a stream open at shutdown
ends and does not hold convened up; a booker's stream tells only their
own bookings (no tickets) while an operator's tells everything, and
/metrics answers operators but not bookers.
"""

import base64
import datetime
import http.client
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import rfc3339, utc_now, wait_for  # noqa: E402

SLOTS = 2
BUFFER = 8  # --events-buffer: small, so the window can be overrun on purpose
MAX_STREAMS = 4
BRIDGE_EXTRA = ["--busy-party", "busy*", "--ring-ms", "100"]
SCHEDULER_EXTRA = ["--events-buffer", str(BUFFER), "--max-event-streams", str(MAX_STREAMS),
                   "--events-heartbeat-seconds", "1", "--dial-out-retries", "0",
                   "--dial-out-answer-seconds", "5", "--poll-interval", "3600",
                   "--discovery-interval", "3600"]
DASHBOARD = os.path.join(harness.SOURCE_DIR, "etc", "grafana", "convene-dashboard.json")

world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def EventStream(last_event_id=None, query="", credentials=harness.ADMIN):
    return harness.EventStream(world["scheduler"].port, last_event_id, query, credentials)


def metrics_text(credentials="default"):
    return world["scheduler"].metrics(credentials)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def samples(text):
    """{(name, labels text): value} of an exposition."""
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            found[(match.group(1), match.group(2) or "")] = float(match.group(3))
    return found


def value(found, name, labels=""):
    return found.get((name, labels), 0.0)


def streams_open():
    return value(samples(metrics_text().body), "convene_event_streams")


def setup():
    harness.scheduler_with_bridge(world, SLOTS, bridge_extra=BRIDGE_EXTRA,
                                  scheduler_extra=SCHEDULER_EXTRA)


def cleanup():
    for key in ("scheduler", "bridge"):
        process = world.get(key)
        if process is not None:
            process.cleanup()


def future_booking(title, days=3):
    start = utc_now().replace(microsecond=0) + datetime.timedelta(days=days)
    reply = api("POST", "/bookings", {"title": title, "start": rfc3339(start),
                                      "end": rfc3339(start + datetime.timedelta(minutes=30))})
    assert reply.status == 201, reply
    return reply.json()["id"]


# --- metrics before anything happened ----------------------------------------


def test_metrics_need_credentials_and_pass_promtool():
    assert metrics_text(credentials=None).status == 401
    assert metrics_text(credentials=("admin", "wrong")).status == 401
    reply = metrics_text()
    assert reply.status == 200, reply
    assert reply.header("Content-Type").startswith("text/plain; version=0.0.4"), reply.headers
    world["metrics_before"] = samples(reply.body)
    check_promtool(reply.body.encode())


def check_promtool(body):
    if shutil.which("promtool") is None:
        print("SKIP promtool check: promtool is not installed (Debian package prometheus, "
              "scripts/install-deps installs it)")
        return
    checked = subprocess.run(["promtool", "check", "metrics"], input=body,
                             capture_output=True, timeout=60)
    assert checked.returncode == 0, (checked.stdout, checked.stderr, body.decode())


# --- events -------------------------------------------------------------------


def test_a_meeting_told_as_events_and_counted_in_metrics():
    stream = EventStream()
    assert stream.status == 200
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    start = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": "Events", "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(minutes=10)),
        "participants": [{"uri": "room@example.com", "dial": "out"},
                         {"uri": "busy-room@example.com", "dial": "out"}]})
    assert reply.status == 201, reply
    booking_id = reply.json()["id"]

    def of_booking(kind):
        return lambda event: (event.get("event") == kind and
                              event["json"].get("bookingId") == booking_id)
    created = stream.wait_event(of_booking("booking.created"), "booking.created")
    assert created["json"]["booking"]["title"] == "Events", created
    stream.wait_event(of_booking("booking.started"), "booking.started")
    connected = stream.wait_event(
        lambda event: of_booking("participant.changed")(event) and
        event["json"]["uri"] == "room@example.com" and event["json"]["state"] == "connected",
        "the dial-out to be connected")
    assert connected["json"]["dialOut"] is True
    stream.wait_event(
        lambda event: of_booking("participant.changed")(event) and
        event["json"]["uri"] == "busy-room@example.com" and event["json"]["state"] == "busy",
        "the busy dial-out")

    # metrics moved with the meeting
    reply = metrics_text()
    after = samples(reply.body)
    before = world["metrics_before"]
    assert value(after, "convene_meeting_start_lateness_seconds_count") == \
        value(before, "convene_meeting_start_lateness_seconds_count") + 1
    assert value(after, "convene_meeting_start_lateness_seconds_bucket", '{le="+Inf"}') == \
        value(after, "convene_meeting_start_lateness_seconds_count")
    assert value(after, "convene_dial_outs_total", '{outcome="connected"}') >= 1, after
    assert value(after, "convene_dial_outs_total", '{outcome="busy"}') >= 1, after
    assert value(after, "convene_dial_outs_total", '{outcome="dialing"}') >= 2, after
    assert value(after, "convene_bookings", '{state="live"}') == 1, after
    labels = '{bridge="%s",name="alpha"}' % world["bridge_id"]
    assert value(after, "convene_bridge_reachable", labels) == 1, after
    address = '{address="%s"}' % world["bridge"].url
    assert value(after, "convene_cms_request_duration_seconds_count", address) > \
        value(before, "convene_cms_request_duration_seconds_count", address), after
    check_promtool(reply.body.encode())

    assert api("POST", "/bookings/%s/end" % booking_id).status == 202
    stream.wait_event(of_booking("booking.ended"), "booking.ended")
    stream.drain()
    ids = [int(event["id"]) for event in stream.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
    assert value(samples(metrics_text().body), "convene_bookings",
                 '{state="ended"}') == 1
    stream.close()


def test_reconnect_with_last_event_id_misses_nothing():
    control = EventStream()  # stays connected throughout
    client = EventStream()
    first = future_booking("before the break")
    seen = client.wait_event(lambda event: event["json"].get("bookingId") == first, "first")
    client.close()
    during = [future_booking("during the break %d" % n, days=4 + n) for n in range(3)]
    # the header
    again = EventStream(last_event_id=seen["id"])
    assert again.status == 200
    later = future_booking("after the break", days=9)
    again.wait_event(lambda event: event["json"].get("bookingId") == later, "after")
    control.wait_event(lambda event: event["json"].get("bookingId") == later, "control")
    control.drain()
    again.drain()
    expected = [event["id"] for event in control.events if int(event["id"]) > int(seen["id"])]
    received = [event["id"] for event in again.events]
    assert received == expected, (received, expected)
    told = {event["json"].get("bookingId") for event in again.events}
    assert set(during) <= told, (during, told)
    assert not any(event.get("event") == "reset" for event in again.events)
    again.close()
    # the query parameter, for clients that cannot set headers
    by_query = EventStream(query="?lastEventId=%s" % seen["id"])
    by_query.wait_event(lambda event: event["json"].get("bookingId") == later, "query resume")
    by_query.drain()
    assert [event["id"] for event in by_query.events] == expected
    by_query.close()
    control.close()


def test_an_id_outside_the_window_gets_reset():
    stream = EventStream()
    marker = future_booking("marker", days=20)
    old = stream.wait_event(lambda event: event["json"].get("bookingId") == marker, "marker")
    stream.close()
    for n in range(BUFFER + 1):  # overruns the window
        future_booking("overrun %d" % n, days=21 + n)
    late = EventStream(last_event_id=old["id"])
    reset = late.wait_event(lambda event: event.get("event") == "reset", "reset")
    assert int(reset["id"]) > int(old["id"])
    late.close()
    # an id of an earlier run of convened (ids start at the start time * 1e6)
    stale = EventStream(last_event_id=12345)
    stale.wait_event(lambda event: event.get("event") == "reset", "reset for an old run")
    stale.close()
    bad = EventStream(last_event_id="12x")
    assert bad.status == 400, bad.status
    assert json.loads(bad.body)["error"]["details"]["field"] == "Last-Event-ID"
    bad.close()
    bad = EventStream(query="?lastEventId=-1")
    assert bad.status == 400 and json.loads(bad.body)["error"]["details"]["field"] == \
        "lastEventId"
    bad.close()


def test_quiet_streams_get_heartbeats():
    stream = EventStream()
    wait_for(lambda: stream.drain() or "heartbeat" in stream.comments, timeout=5,
             what="a heartbeat comment")
    stream.close()


def test_stream_limit_and_release():
    wait_for(lambda: streams_open() == 0, timeout=10, what="earlier streams to be released")
    streams = [EventStream() for _ in range(MAX_STREAMS)]
    assert all(stream.status == 200 for stream in streams)
    refused = EventStream()
    assert refused.status == 503, refused.status
    assert json.loads(refused.body)["error"]["code"] == "tooManyStreams"
    refused.close()
    assert streams_open() == MAX_STREAMS
    for stream in streams:
        stream.close()
    # a client that left is noticed at the next heartbeat at the latest
    wait_for(lambda: streams_open() == 0, timeout=10, what="closed streams to be released")
    again = EventStream()
    assert again.status == 200
    again.close()


def test_a_booker_sees_only_their_bookings_and_metrics_need_an_operator():
    alice, olga = ("alice", "alice-password"), ("olga", "operator-password")
    for (name, password), role in ((alice, "booker"), (olga, "operator")):
        reply = api("POST", "/users", {"name": name, "password": password, "role": role,
                                       "email": name + "@example.com"})
        assert reply.status == 201, reply
    wait_for(lambda: streams_open() == 0, timeout=10, what="earlier streams to be released")
    mine = EventStream(credentials=alice)
    everything = EventStream(credentials=olga)
    assert mine.status == 200 and everything.status == 200
    others = future_booking("the admin's", days=60)
    start = utc_now().replace(microsecond=0) + datetime.timedelta(days=61)
    reply = harness.JsonClient(world["scheduler"].port, credentials=alice).call(
        "POST", "/bookings", {"title": "alice's", "start": rfc3339(start),
                              "end": rfc3339(start + datetime.timedelta(minutes=30))})
    assert reply.status == 201, reply
    hers = reply.json()["id"]
    # a ticket (no booking): the bridge's name removed opens "Blank System Name"
    assert api("PATCH", "/bridges/" + world["bridge_id"], {"name": ""}).status == 200
    everything.wait_event(lambda event: event.get("event") == "ticket.opened", "the ticket")
    assert api("PATCH", "/bridges/" + world["bridge_id"], {"name": "alpha"}).status == 200
    everything.wait_event(lambda event: event.get("event") == "ticket.closed", "the clearing")
    everything.wait_event(lambda event: event["json"].get("bookingId") == hers, "hers (olga)")
    mine.wait_event(lambda event: event["json"].get("bookingId") == hers, "hers (alice)")
    assert any(event["json"].get("bookingId") == others for event in everything.events)
    mine.drain()
    told = [(event.get("event"), event["json"].get("bookingId")) for event in mine.events]
    assert told == [("booking.created", hers)], told
    mine.close()
    everything.close()
    assert metrics_text(credentials=alice).status == 403
    assert metrics_text(credentials=olga).status == 200
    # what etc/prometheus/prometheus.yml sends: a bearer token with the operator role
    reply = api("POST", "/tokens", {"name": "prometheus", "role": "operator"})
    assert reply.status == 201, reply
    scraper = harness.HttpClient(world["scheduler"].port, credentials=None)
    try:
        scrape = scraper.request("GET", "/metrics",
                                 headers={"Authorization": "Bearer " + reply.json()["token"]})
    finally:
        scraper.close()
    assert scrape.status == 200 and "convene_bookings" in scrape.body, scrape


def test_dashboard_queries_only_exposed_metrics():
    with open(DASHBOARD) as handle:
        dashboard = json.load(handle)
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "expr" and isinstance(item, str):
                    exprs.append(item)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(dashboard)
    assert exprs, "the dashboard has no queries"
    text = metrics_text().body
    families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    for expr in exprs:
        for name in re.findall(r"\bconvene_[a-z_]+", expr):
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            assert family in families or name in families, (name, expr, sorted(families))


def test_prometheus_scrape_config_is_valid():
    if shutil.which("promtool") is None:
        print("SKIP promtool check config: promtool is not installed")
        return
    path = os.path.join(harness.SOURCE_DIR, "etc", "prometheus", "prometheus.yml")
    checked = subprocess.run(["promtool", "check", "config", "--syntax-only", path],
                             capture_output=True, timeout=60)
    assert checked.returncode == 0, (checked.stdout, checked.stderr)


def test_cli_follows_and_reconnects_after_a_restart():
    scheduler = world["scheduler"]
    # no stream of an earlier test may pass for the CLI's
    wait_for(lambda: streams_open() == 0, timeout=10, what="earlier streams to be released")
    cli = subprocess.Popen([harness.CLI_BINARY, "--server", scheduler.url, "--user",
                            "%s:%s" % harness.ADMIN, "events", "--count", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in cli.stdout],
                     daemon=True).start()

    def next_line(what):
        try:
            return lines.get(timeout=20)
        except queue.Empty:
            raise AssertionError("the CLI printed no line for " + what) from None
    try:
        wait_for(lambda: streams_open() == 1, timeout=10, what="the CLI to connect")
        first = future_booking("seen by the CLI", days=40)
        first_line = next_line("the first booking")
        assert "booking.created" in first_line and first in first_line, first_line
        assert '"seen by the CLI" scheduled' in first_line, first_line
        scheduler.stop()
        scheduler.start()
        # the CLI reconnects by itself, with the id of a previous run: reset
        wait_for(lambda: streams_open() == 1, timeout=15, what="the CLI to reconnect")
        second = future_booking("after the restart", days=41)
        second_line = next_line("the booking after the restart")
        assert "booking.created" in second_line and second in second_line, second_line
        assert cli.wait(timeout=15) == 0
        errors = cli.stderr.read()
        assert "reconnecting after event" in errors, errors
        assert "events were missed" in errors, errors
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


def test_shutdown_ends_open_streams_promptly():
    stream = EventStream()
    assert stream.status == 200
    began = time.monotonic()
    world["scheduler"].stop()
    assert stream.ended.wait(10), "the stream did not end"
    assert time.monotonic() - began < 10
    stream.close()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
