#!/usr/bin/env python3
"""bench/scheduler_databases.py - convened on SQLite beside PostgreSQL, in
one run (issue 14): booking latency and meeting starts on each database.

Owns: starting a PostgreSQL for the run from Debian's packages
(tests/integration/pg_harness.py: loopback, fsync on, as SQLite's
synchronous=FULL) and running bench/scheduler.py's two parts in turn on
SQLite (convened's data directory) and on that PostgreSQL (--database, a
fresh database per part), with the same options:
  * latency: POST /bookings p50/p99 and GET /bookings/<id> with
    --bookings (100,000) stored;
  * starts: --meetings (1,000) meetings starting in one second on a bridge
    with --spaces (100,000) slots: all live after, start lateness p99,
    calls and legs on the bridge.
Then one table with both databases side by side, each part's UTC start
time and load average beside it. The bridges keep their configuration in
SQLite in both runs: only convened's database changes. Does not own the
measurements themselves (bench/scheduler.py). A benchmark, never a test.

Usage: python3 bench/scheduler_databases.py [--build-dir build]
       [--only latency|starts] [--bookings 100000] [--samples 2000]
       [--meetings 1000] [--spaces 100000] [--json FILE]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import pg_harness  # noqa: E402


def moment():
    """The UTC time and the 1-minute load average now."""
    with open("/proc/loadavg") as loadavg:
        load = float(loadavg.read().split()[0])
    return {"utc": datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S"),
            "load_average": load}


def run_part(options, part, extra, label):
    """bench/scheduler.py --only `part` with `extra`; its figures, with the
    UTC time and load average it started at."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    command = [sys.executable, os.path.join(HERE, "scheduler.py"), "--build-dir",
               options.build_dir, "--only", part, "--bookings", str(options.bookings),
               "--samples", str(options.samples), "--meetings", str(options.meetings),
               "--spaces", str(options.spaces), "--json", path] + extra
    started = moment()
    print(f"bench: {label} {part} (UTC {started['utc']}, load average "
          f"{started['load_average']:.2f}): {' '.join(command)}", flush=True)
    subprocess.run(command, check=True)
    with open(path) as handle:
        figures = json.load(handle)[part]
    os.unlink(path)
    figures["started"] = started
    figures.pop("post_ms_all", None)
    figures.pop("post_sent_at", None)
    return figures


def value(figures, *path, unit="", digits=2):
    for key in path:
        if not isinstance(figures, dict) or figures.get(key) is None:
            return "-"
        figures = figures[key]
    return f"{figures:.{digits}f}{unit}" if isinstance(figures, float) else f"{figures}{unit}"


def print_table(options, results):
    latency_rows = [
        ("  started (UTC), load average",
         lambda f: f"{f['started']['utc']}, {f['started']['load_average']:.2f}"),
        ("  POST /bookings p50", lambda f: value(f, "post_ms", "p50", unit=" ms")),
        ("  POST /bookings p99", lambda f: value(f, "post_ms", "p99", unit=" ms")),
        ("  POST /bookings max", lambda f: value(f, "post_ms", "max", unit=" ms")),
        ("  GET /bookings/<id> p50", lambda f: value(f, "get_ms", "p50", unit=" ms")),
        ("  GET /bookings/<id> p99", lambda f: value(f, "get_ms", "p99", unit=" ms")),
        ("  preload through the API",
         lambda f: value(f, "preload", "per_second", unit="/s", digits=0)),
    ]
    starts_rows = [
        ("  started (UTC), load average",
         lambda f: f"{f['started']['utc']}, {f['started']['load_average']:.2f}"),
        ("  all live after the start", lambda f: value(f, "all_live_s_log", unit=" s")),
        ("  picked up p99 (log: starting)",
         lambda f: value(f, "starting_s_log", "p99", unit=" s", digits=3)),
        ("  live p99 (log: live)", lambda f: value(f, "lateness_s_log", "p99", unit=" s",
                                                    digits=3)),
        ("  live through the API / failed",
         lambda f: f"{f.get('live_via_api')} / {f.get('failed')}"),
        ("  calls / legs on the bridge",
         lambda f: f"{f.get('bridge_calls')} / {f.get('bridge_call_legs')}"),
    ]
    names = list(results)
    print()
    print(f"{'convened':<34}" + "".join(f"{name:>22}" for name in names))
    for part, title, rows in (
            ("latency", f"booking, {options.bookings:,} stored ({options.samples:,} timed)",
             latency_rows),
            ("starts", f"{options.meetings:,} starts in one second, {options.spaces:,} slots",
             starts_rows)):
        if not all(part in results[name] for name in names):
            continue
        print(title)
        for label, read in rows:
            print(f"{label:<34}" + "".join(f"{read(results[name][part]):>22}" for name in names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(HERE), "build"))
    parser.add_argument("--only", choices=("latency", "starts"))
    parser.add_argument("--bookings", type=int, default=100000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--spaces", type=int, default=100000)
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    parts = [options.only] if options.only else ["latency", "starts"]

    results = {"SQLite": {}, "PostgreSQL": {}}
    for part in parts:
        results["SQLite"][part] = run_part(options, part, [], "SQLite")
    server = pg_harness.PostgresServer(durable=True).start()
    try:
        for part in parts:  # a fresh, empty database for each part
            url = server.create_database("convened_%s" % part)
            results["PostgreSQL"][part] = run_part(
                options, part, ["--database", url, "--database-password-file",
                                server.password_file], "PostgreSQL")
    finally:
        server.stop()
    print_table(options, results)
    if options.json:
        with open(options.json, "w") as out:
            json.dump({"command": " ".join(["python3"] + sys.argv), "results": results}, out,
                      indent=2)


if __name__ == "__main__":
    main()
