#!/usr/bin/env python3
"""bench/bridge_databases.py - convene-bridge on SQLite beside PostgreSQL, in
one run (issue 14).

Owns: for each database in turn (SQLite in a fresh data directory, then a
PostgreSQL started for the run from Debian's packages by
tests/integration/pg_harness.py, on loopback, fsync on like SQLite's
synchronous=FULL), starting one plain-HTTP
convene-bridge and timing the main operations against it:
  * POST /api/v1/coSpaces, one after another (one client): p50, p99, mean;
  * the same with several clients at once: requests/s;
  * GET /api/v1/coSpaces?filter=…&limit=10 with the spaces of a bulk sync
    stored: p50, p99;
  * a bulk sync of N spaces (POST /cospaceBulkSyncs until "complete").
It is a benchmark, never a test: it prints a table (and --json) and exits 0
unless something could not be measured. It reuses bench/bridge.py's bridge
process and bulk sync helpers.

Usage: python3 bench/bridge_databases.py [--build-dir build] [--creates 2000]
       [--clients 4] [--sync-spaces 10000] [--lists 500] [--json FILE]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import bridge as bridge_bench  # noqa: E402  (bench/bridge.py)
from bench_common import run_threads, write_json  # noqa: E402
import pg_harness  # noqa: E402


class Bridge(bridge_bench.Bridge):
    """bench/bridge.py's bridge with extra arguments (the --database ones)."""

    def __init__(self, binary, work_dir, name, threads, page_limit, extra):
        original = bridge_bench.subprocess.Popen

        def popen(argv, **options):
            return original(list(argv) + list(extra), **options)

        bridge_bench.subprocess.Popen = popen
        try:
            super().__init__(binary, work_dir, name, threads, page_limit)
        finally:
            bridge_bench.subprocess.Popen = original


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000.0


def creates_one_client(node, count, prefix):
    times = []
    for i in range(count):
        form = {"name": f"{prefix}-{i}", "uri": f"{prefix}.{i}", "callId": f"9{i:07d}"}
        times.append(timed(lambda: node.create("coSpaces", form)))
    return times


def creates_many_clients(node, count, clients, prefix):
    def work(client):
        for i in range(client, count, clients):
            node.create("coSpaces", {"name": f"{prefix}-{i}", "uri": f"{prefix}.{i}",
                                     "callId": f"8{i:07d}"})
    return count / run_threads(work, clients)


def filtered_lists(node, count):
    times = []
    for i in range(count):
        path = f"/api/v1/coSpaces?filter=Meeting_{1000 + i % 9000}&limit=10"

        def get():
            status, _, _ = node.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
        times.append(timed(get))
    return times


def measure(label, node, args):
    figures = {"database": label}
    one = creates_one_client(node, args.creates, "one")
    figures.update(create_p50_ms=percentile(one, 0.5), create_p99_ms=percentile(one, 0.99),
                   create_mean_ms=statistics.mean(one))
    figures["create_per_s_clients"] = creates_many_clients(node, args.creates, args.clients,
                                                           "many")
    figures["bulk_sync_s"] = bridge_bench.bulk_sync(node, args.sync_spaces, first_index=1000)
    lists = filtered_lists(node, args.lists)
    figures.update(list_p50_ms=percentile(lists, 0.5), list_p99_ms=percentile(lists, 0.99))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(HERE), "build"))
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sync-spaces", type=int, default=10000)
    parser.add_argument("--lists", type=int, default=500)
    parser.add_argument("--bridge-threads", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    binary = os.path.join(args.build_dir, "src", "bridge", "convene-bridge")
    work = tempfile.mkdtemp(prefix="convene-bench-db-")
    results = []
    server = pg_harness.PostgresServer(durable=True)  # fsync on, as SQLite's FULL sync
    try:
        node = Bridge(binary, work, "sqlite", args.bridge_threads, 10, [])
        try:
            results.append(measure("SQLite", node, args))
        finally:
            node.stop()
        server.start()
        extra = ["--database", server.url(), "--database-password-file", server.password_file]
        node = Bridge(binary, work, "postgresql", args.bridge_threads, 10, extra)
        try:
            results.append(measure("PostgreSQL 15 (loopback)", node, args))
        finally:
            node.stop()
    finally:
        server.stop()
    print(f"machine: {bridge_bench.machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'operation':52} " + " ".join(f"{r['database']:>26}" for r in results))
    rows = [("POST /coSpaces, one client: p50 ms", "create_p50_ms"),
            ("POST /coSpaces, one client: p99 ms", "create_p99_ms"),
            (f"POST /coSpaces, {args.clients} clients: requests/s", "create_per_s_clients"),
            (f"bulk sync of {args.sync_spaces} spaces: s", "bulk_sync_s"),
            ("GET /coSpaces?filter=…&limit=10: p50 ms", "list_p50_ms"),
            ("GET /coSpaces?filter=…&limit=10: p99 ms", "list_p99_ms")]
    for title, key in rows:
        print(f"{title:52} " + " ".join(f"{r[key]:>26.2f}" for r in results))
    write_json(args.json, results)


if __name__ == "__main__":
    main()
