#!/usr/bin/env python3
"""bench/series.py - booking a daily series of 3,650 occurrences (ten years)
with 100,000 other bookings stored (issue 10's target: < 200 ms).

Uses bench/scheduler.py's daemons and preload: --bridges (10) plain-HTTP
convene-bridge processes x --slots (200) slots added to one convened, and
--bookings (100,000) single bookings stored through the API in 45-minute
windows an hour apart from tomorrow on. Then --series (5) times, over one
keep-alive connection: POST /api/v1/bookings with timeZone Europe/Berlin
and recurrence FREQ=DAILY;COUNT=3650, a 10-minute meeting in the gap
between two windows (each series at another minute, so none clashes with
another); every occurrence is placed under the same capacity checks as a
single booking and stored as a booking row, all in one transaction.
Also timed: the first page of GET /bookings/<id>/occurrences (100) and
GET /bookings/<id>.ics. Reports each run, the median and the maximum, and
per POST the CPU convened used and the bytes it wrote (/proc/PID/stat and
/proc/PID/io: for comparing builds on a busy machine).

--perf PREFIX records convened with perf during the timed requests
(PREFIX-series.data; the figures are then not the official ones).

Usage: python3 bench/series.py [--build-dir build] [--bookings 100000]
       [--bridges 10] [--slots 200] [--loaders 4] [--series 5] [--scratch DIR]
       [--perf PREFIX]
"""
import argparse
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_scheduler_bench():
    spec = importlib.util.spec_from_file_location(
        "scheduler_bench", os.path.join(SOURCE_DIR, "bench", "scheduler.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload(bench, module, options, scheduler, bridge_ids):
    capacity = options.bridges * options.slots
    base = (int(time.time()) // 3600 + 25) * 3600
    documents = []
    for number in range(options.bookings):
        window, rest = divmod(number, capacity)
        start = base + window * module.WINDOW_SECONDS
        documents.append({"title": f"preload {number}", "start": module.rfc3339(start),
                          "end": module.rfc3339(start + module.MEETING_SECONDS),
                          "bridge": bridge_ids[rest % options.bridges]})
    seconds, made, failures = bench.book_parallel(scheduler.port, documents, options.loaders)
    if failures:
        raise RuntimeError(f"{len(failures)} preload bookings refused, first: {failures[0]}")
    print(f"bench: stored {len(made)} bookings through the API in {seconds:.1f} s", flush=True)
    return base


def time_series(client, base, number):
    """POSTs one daily series; returns (ms, booking id)."""
    start = base + 46 * 60 + number * 2 * 60  # in the gap after the first window
    day = time.strftime("%Y-%m-%d", time.gmtime(start))
    clock = time.strftime("%H:%M:%S", time.gmtime(start))
    end = time.strftime("%H:%M:%S", time.gmtime(start + 60))
    document = {"title": f"daily {number}", "timeZone": "UTC",
                "start": f"{day}T{clock}", "end": f"{day}T{end}",
                "recurrence": {"rrule": "FREQ=DAILY;COUNT=3650"}}
    began = time.perf_counter()
    reply = client.call("POST", "/bookings", document)
    elapsed = (time.perf_counter() - began) * 1000
    if reply.status != 201 or reply.json()["occurrencesBooked"] != 3650:
        raise RuntimeError(f"series {number} answered {reply!r}")
    return elapsed, reply.json()["id"]


def timed_get(client, path):
    began = time.perf_counter()
    reply = client.call("GET", path)
    if reply.status != 200:
        raise RuntimeError(f"GET {path} answered {reply!r}")
    return (time.perf_counter() - began) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--bookings", type=int, default=100000)
    parser.add_argument("--bridges", type=int, default=10)
    parser.add_argument("--slots", type=int, default=200)
    parser.add_argument("--loaders", type=int, default=4)
    parser.add_argument("--series", type=int, default=5)
    parser.add_argument("--scratch", default=None)
    parser.add_argument("--perf", metavar="PREFIX",
                        help="perf record convened during the timed requests (PREFIX-series.data)")
    options = parser.parse_args()
    options.keep = False
    options.strace = None
    os.environ["CONVENE_BUILD_DIR"] = os.path.abspath(options.build_dir)
    sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
    import harness  # noqa: E402 - needs CONVENE_BUILD_DIR first
    module = load_scheduler_bench()
    work_dir = tempfile.mkdtemp(prefix="convene-bench-series-", dir=options.scratch)
    bench = module.Bench(options, harness, work_dir)
    try:
        scheduler = bench.start_scheduler("series")
        bridge_ids = [bench.add_bridge(scheduler, bench.start_bridge(f"series{i}"), i,
                                       options.slots) for i in range(options.bridges)]
        base = preload(bench, module, options, scheduler, bridge_ids)
        time.sleep(2)  # the loaders' last writes settle
        client = scheduler.client
        posts, pages, calendars = [], [], []
        tracer = bench.profile("series", [scheduler.process.pid])
        costs = []  # convened's CPU ms and KiB written per series POST
        pid = scheduler.process.pid
        for number in range(options.series):
            cpu_before, written_before = module.cpu_seconds(pid), module.io_counts(pid)[0]
            elapsed, booking_id = time_series(client, base, number)
            costs.append(((module.cpu_seconds(pid) - cpu_before) * 1000,
                          (module.io_counts(pid)[0] - written_before) / 1024))
            posts.append(elapsed)
            pages.append(timed_get(client, f"/bookings/{booking_id}/occurrences?limit=100"))
            calendars.append(timed_get(client, f"/bookings/{booking_id}.ics"))
            print(f"bench: series {number}: POST {elapsed:.1f} ms (convened CPU "
                  f"{costs[-1][0]:.0f} ms, {costs[-1][1]:.0f} KiB written), first page "
                  f"{pages[-1]:.1f} ms, .ics {calendars[-1]:.1f} ms", flush=True)
        bench.profile_stop(tracer)
        print(f"bench: POST daily x3650 with {options.bookings} stored: median "
              f"{statistics.median(posts):.1f} ms, max {max(posts):.1f} ms "
              f"(target < 200 ms: {'met' if max(posts) < 200 else 'MISSED'})")
        print(f"bench: convened per series POST: CPU median "
              f"{statistics.median(c[0] for c in costs):.0f} ms, written median "
              f"{statistics.median(c[1] for c in costs):.0f} KiB (what other load barely moves)")
        print(f"bench: occurrences page of 100: median {statistics.median(pages):.1f} ms; "
              f".ics: median {statistics.median(calendars):.1f} ms")
    finally:
        bench.stop_all()
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
