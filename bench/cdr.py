#!/usr/bin/env python3
"""bench/cdr.py - the CDR receiver and report benchmark of issue 12.

Owns: starting a plain-HTTP convene-bridge and convened (through
tests/integration/harness.py) with convened's CDR receiver on, and
measuring:

  1. CDR ingest: --records (1,000,000) Call Detail Records of --meetings
     (10,000) one-hour meetings spread over a year, POSTed to the receiver
     as a Meeting Server sends them: XML batches of --batch (100) records
     (callStart, then per leg callLegStart, callLegUpdate connected,
     callLegEnd, then callEnd), over --connections (4) keep-alive
     connections in parallel (as from several bridges). The batches are
     made before the clock starts; timed from the first POST to the last
     200, each answered only once stored. Target < 30 s. Afterwards the
     stored records are counted in convened's database (read-only): every
     record once.
  2. Utilisation report: --bookings (100,000) one-hour bookings over the
     same year on one bridge with --slots (20) slots, loaded through the
     API (never written into SQLite) before the clock starts, then
     GET /api/v1/reports/utilization over that year, by day and by month,
     --repeat (5) times each; the median and the slowest. Target < 1 s.

Also shown: the machine and its load average before and after (the
machine may be shared). A benchmark, never a test: it reports figures and
whether each target was met; the exit code is 0 unless something could
not be measured.

Usage: python3 bench/cdr.py [--build-dir build] [--only ingest|report]
       [--records 1000000] [--meetings 10000] [--batch 100] [--connections 4]
       [--bookings 100000] [--slots 20] [--loaders 4] [--repeat 5]
       [--scratch DIR] [--json FILE] [--keep]
"""
import argparse
import http.client
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid

from bench_common import (SOURCE_DIR, import_harness, load_average, machine, rfc3339,
                          run_threads, write_json)

TARGET_INGEST_S = 30.0
TARGET_REPORT_S = 1.0
YEAR = 365 * 86400








def make_batches(records, meetings, batch, year_start, bridge_session):
    """The XML bodies: `meetings` calls of one hour over the year, each with
    as many legs as make `records` records in all (3 per leg, 2 per call)."""
    legs_per_call = max(1, -(-(records // meetings - 2) // 3))  # rounded up; cut at `records`
    items = []
    index = 0
    spacing = YEAR // meetings
    for meeting in range(meetings):
        call = str(uuid.uuid4())
        space = str(uuid.uuid4())
        start = year_start + meeting * spacing
        index += 1
        items.append('<record type="callStart" time="%s" recordIndex="%d" correlatorIndex="%d">'
                     '<call id="%s"><name>Bench %d</name><coSpace>%s</coSpace>'
                     '<callType>coSpace</callType></call></record>'
                     % (rfc3339(start), index, index, call, meeting, space))
        for leg_number in range(legs_per_call):
            leg = str(uuid.uuid4())
            joined = start + 5 + leg_number
            left = start + 3600 - leg_number
            for kind, when, inner in (
                    ("callLegStart", start + leg_number,
                     "<remoteParty>p%d@ep.example.com</remoteParty><direction>outgoing"
                     "</direction><call>%s</call>" % (leg_number, call)),
                    ("callLegUpdate", joined, "<state>connected</state><call>%s</call>" % call),
                    ("callLegEnd", left, "<reason>remoteTeardown</reason><remoteTeardown>true"
                     "</remoteTeardown><durationSeconds>%d</durationSeconds>" % (left - joined))):
                index += 1
                items.append('<record type="%s" time="%s" recordIndex="%d" correlatorIndex="%d">'
                             '<callLeg id="%s">%s</callLeg></record>'
                             % (kind, rfc3339(when), index, index, leg, inner))
        index += 1
        items.append('<record type="callEnd" time="%s" recordIndex="%d" correlatorIndex="%d">'
                     '<call id="%s"><callLegsCompleted>%d</callLegsCompleted><callLegsMaxActive>'
                     '%d</callLegsMaxActive><durationSeconds>3600</durationSeconds></call>'
                     '</record>' % (rfc3339(start + 3600), index, index, call, legs_per_call,
                                    legs_per_call))
        if len(items) >= records:
            break
    del items[records:]  # the last meeting may lose its last records
    head = '<?xml version="1.0"?><records session="%s" callBridge="bench">' % bridge_session
    bodies = []
    for first in range(0, len(items), batch):
        bodies.append((head + "".join(items[first:first + batch]) + "</records>").encode())
    return bodies, len(items)


def post_all(port, path, bodies, connections):
    """POSTs every body over `connections` keep-alive connections; returns
    the seconds from the first POST to the last answer and the failures."""
    failures = []
    lock = threading.Lock()
    next_body = [0]

    def sender(_index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if next_body[0] >= len(bodies):
                    break
                body = bodies[next_body[0]]
                next_body[0] += 1
            connection.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                with lock:
                    failures.append(response.status)
        connection.close()

    return run_threads(sender, connections), failures


def load_bookings(client_factory, bridge_id, count, slots, year_start, loaders):
    """Books `count` one-hour meetings over the year through the API:
    day by day, hour by hour, as many at once as there are slots."""
    per_day = max(1, -(-count // 365))
    hours = -(-per_day // slots)
    plans = []
    for number in range(count):
        day, rest = divmod(number, per_day)
        hour = rest // slots
        start = year_start + day * 86400 + hour * 3600
        plans.append(start)
    errors = []
    lock = threading.Lock()
    next_plan = [0]

    def loader(_index):
        client = client_factory()
        while True:
            with lock:
                if next_plan[0] >= len(plans):
                    break
                start = plans[next_plan[0]]
                next_plan[0] += 1
            reply = client.call("POST", "/bookings", {
                "title": "Bench", "start": rfc3339(start), "end": rfc3339(start + 3600),
                "bridge": bridge_id})
            if reply.status != 201:
                with lock:
                    errors.append(reply.body[:200])
    seconds = run_threads(loader, loaders)
    assert hours <= 24, "too many bookings per day for the slots"
    return seconds, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build"))
    parser.add_argument("--only", choices=("ingest", "report"))
    parser.add_argument("--records", type=int, default=1000000)
    parser.add_argument("--meetings", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--bookings", type=int, default=100000)
    parser.add_argument("--slots", type=int, default=20)
    parser.add_argument("--loaders", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scratch", help="directory for the daemons' data (default /tmp)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true",
                        help="keep the daemons' data directories (printed) for a closer look")
    options = parser.parse_args()
    harness = import_harness(options.build_dir, make_target="bench-cdr")

    figures = {"machine": machine(), "load_before": load_average()}
    print("machine:", figures["machine"])
    print("load average before:", figures["load_before"])
    scratch = options.scratch or tempfile.gettempdir()
    cdr_port = harness.free_port()
    bridge = harness.Bridge(data_dir=tempfile.mkdtemp(prefix="bench-bridge-", dir=scratch))
    bridge.start()
    scheduler_dir = tempfile.mkdtemp(prefix="bench-convened-", dir=scratch)
    scheduler = harness.Scheduler(data_dir=scheduler_dir, extra=[
        "--cdr-listen", "127.0.0.1:%d" % cdr_port, "--poll-interval", "3600",
        "--discovery-interval", "3600", "--log-level", "warning"]).start()
    try:
        bridge_id = scheduler.add_bridge(bridge.url, options.slots, wait=120, name="bench")
        # the year starts tomorrow at midnight UTC, so no booking starts during the run
        year_start = (int(time.time()) // 86400 + 1) * 86400
        if options.only in (None, "ingest"):
            bodies, made = make_batches(options.records, options.meetings, options.batch,
                                        year_start, str(uuid.uuid4()))
            print("ingest: %d records in %d batches of up to %d, %d connections"
                  % (made, len(bodies), options.batch, options.connections))
            seconds, failures = post_all(cdr_port, "/cdr/" + bridge_id, bodies,
                                         options.connections)
            with sqlite3.connect("file:%s?mode=ro" % os.path.join(scheduler_dir, "convened.db"),
                                 uri=True) as database:
                stored = database.execute("SELECT count(*) FROM cdr_records").fetchone()[0]
            figures["ingest"] = {"records": made, "seconds": round(seconds, 2),
                                 "records_per_second": round(made / seconds),
                                 "failures": len(failures), "stored": stored,
                                 "met": seconds < TARGET_INGEST_S and stored == made}
            print("ingest: %.2f s (%.0f records/s), %d refused, %d stored: %s"
                  % (seconds, made / seconds, len(failures), stored,
                     "met" if figures["ingest"]["met"] else "MISSED (target < 30 s, all stored)"))
        if options.only in (None, "report"):
            seconds, errors = load_bookings(lambda: harness.JsonClient(scheduler.port),
                                            bridge_id, options.bookings, options.slots,
                                            year_start, options.loaders)
            print("report: %d bookings loaded through the API in %.0f s (%d refused%s)"
                  % (options.bookings, seconds, len(errors),
                     (": " + errors[0].decode() if isinstance(errors[0], bytes) else
                      ": " + str(errors[0])) if errors else ""))
            figures["report"] = {"bookings": options.bookings - len(errors)}
            for period in ("day", "month"):
                path = "/reports/utilization?bridge=%s&from=%s&to=%s&period=%s" % (
                    bridge_id, rfc3339(year_start), rfc3339(year_start + YEAR), period)
                times = []
                for _ in range(options.repeat):
                    started = time.monotonic()
                    reply = scheduler.client.call("GET", path)
                    times.append(time.monotonic() - started)
                    assert reply.status == 200, reply
                rows = reply.json()["rows"]
                booked = sum(row["bookedHours"] for row in rows if row["slot"] is None)
                used = sum(row["usedHours"] for row in rows if row["slot"] is None)
                figures["report"][period] = {
                    "median_s": round(statistics.median(times), 3),
                    "max_s": round(max(times), 3), "rows": len(rows),
                    "booked_hours": round(booked), "used_hours": round(used),
                    "met": max(times) < TARGET_REPORT_S}
                print("report by %s: median %.3f s, slowest %.3f s, %d rows, %d booked hours,"
                      " %d used hours: %s" % (period, statistics.median(times), max(times),
                                              len(rows), booked, used,
                                              "met" if max(times) < TARGET_REPORT_S
                                              else "MISSED (target < 1 s)"))
    finally:
        scheduler.cleanup()
        bridge.cleanup()
        import shutil
        if options.keep:
            print("kept:", scheduler_dir, bridge.data_dir)
        else:
            shutil.rmtree(scheduler_dir, ignore_errors=True)
            shutil.rmtree(bridge.data_dir, ignore_errors=True)
    figures["load_after"] = load_average()
    print("load average after:", figures["load_after"])
    write_json(options.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
