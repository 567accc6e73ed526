#!/usr/bin/env python3
"""bench/scheduler_databases.py - convened's booking latency on SQLite beside
PostgreSQL, in one run (issue 14).

Owns: starting a PostgreSQL for the run from Debian's packages
(tests/integration/pg_harness.py: loopback, fsync on, as SQLite's
synchronous=FULL) and running bench/scheduler.py's latency part twice, in
turn on SQLite (convened's data directory) and on that PostgreSQL
(--database), with the same options; then one table of POST /bookings p50,
p99 and GET /bookings/<id> with N bookings stored. Does not own the
measurement itself (bench/scheduler.py). A benchmark, never a test.

Usage: python3 bench/scheduler_databases.py [--build-dir build]
       [--bookings 100000] [--samples 2000] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import pg_harness  # noqa: E402


def run_latency(options, extra, label):
    """bench/scheduler.py --only latency with `extra`; its figures."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    command = [sys.executable, os.path.join(HERE, "scheduler.py"), "--build-dir",
               options.build_dir, "--only", "latency", "--bookings", str(options.bookings),
               "--samples", str(options.samples), "--json", path] + extra
    print(f"bench: {label}: {' '.join(command)}", flush=True)
    subprocess.run(command, check=True)
    with open(path) as handle:
        figures = json.load(handle)
    os.unlink(path)
    return figures["latency"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(HERE), "build"))
    parser.add_argument("--bookings", type=int, default=100000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()

    results = {"sqlite": run_latency(options, [], "SQLite")}
    server = pg_harness.PostgresServer(durable=True).start()
    try:
        url = server.create_database("convened_bench")
        results["postgresql"] = run_latency(
            options, ["--database", url, "--database-password-file", server.password_file],
            "PostgreSQL")
    finally:
        server.stop()

    print(f"\nconvened, {options.bookings} bookings stored, {options.samples} timed each:")
    for name, latency in results.items():
        post, get = latency["post_ms"], latency["get_ms"]
        print(f"  {name:<11} POST /bookings p50 {post['p50']:.2f} ms  p99 {post['p99']:.2f} ms"
              f"   GET /bookings/<id> p50 {get['p50']:.2f} ms  p99 {get['p99']:.2f} ms")
    if options.json:
        with open(options.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
