#!/usr/bin/env python3
"""bench/lease_contention.py - how long a lone convened leader's lease
rounds wait for SQLite's write lock while other writers keep it busy.

Owns: starting one convene-bridge and one convened (--lease-seconds 3,
tests/integration/failover.py's Cluster on SQLite), then, --runs times for
--seconds each: --writers threads of this process, each on its own SQLite
connection to convened's database, in a loop: BEGIN IMMEDIATE, hold the
write lock --hold-ms, COMMIT, pause --gap-ms (the lock is busy nearly all
the time, in short transactions, as under a burst of bookings or ends).
From convened's log: the lease rounds slower than a third of the lease
(`cluster: node ... a lease round took N ms: ...`), the slowest, and the
rounds renewed too late to act on (`... too late to act on it`): each of
those is a spell in which the leader could act on nothing, and with a
longer wait the lease goes to another node. It is a benchmark, never a
test: it prints a table and exits 0 unless something could not be
measured.

Usage: python3 bench/lease_contention.py [--build-dir build] [--runs 3]
       [--seconds 20] [--writers 4] [--hold-ms 20] [--gap-ms 5]
"""
import argparse
import os
import re
import sqlite3
import sys
import time

import bench_common


def one_run(failover, args):
    cluster = failover.Cluster(1)
    try:
        node = list(cluster.nodes.values())[0]
        path = os.path.join(cluster.data_dir, "convened.db")
        stop = time.monotonic() + args.seconds
        counts = []

        def writer(_index):
            database = sqlite3.connect(path, timeout=30, isolation_level=None)
            done = 0
            while time.monotonic() < stop:
                database.execute("BEGIN IMMEDIATE")
                time.sleep(args.hold_ms / 1000)
                database.execute("COMMIT")
                done += 1
                time.sleep(args.gap_ms / 1000)
            database.close()
            counts.append(done)

        bench_common.run_threads(writer, args.writers)
        time.sleep(1.5)  # the last round's line
        log = node.log()
        slow = [int(ms) for ms in re.findall(r"a lease round took (\d+) ms", log)]
        return {"transactions": sum(counts), "slow": len(slow), "slowest": max(slow, default=0),
                "late": log.count("too late to act on it")}
    finally:
        cluster.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--hold-ms", type=float, default=20)
    parser.add_argument("--gap-ms", type=float, default=5)
    args = parser.parse_args()
    bench_common.import_harness(args.build_dir)
    import failover  # noqa: E402 - after the harness is set up
    print(bench_common.machine())
    print("load average before: %s" % bench_common.load_average())
    print("%d writers, lock held %.0f ms, %.0f ms between, %.0f s per run"
          % (args.writers, args.hold_ms, args.gap_ms, args.seconds))
    print("%-4s %14s %22s %13s %26s" % ("run", "writer commits", "rounds over 1/3 lease",
                                         "slowest (ms)", "renewed too late to act"))
    for run in range(1, args.runs + 1):
        figures = one_run(failover, args)
        print("%-4d %14d %22d %13d %26d" % (run, figures["transactions"], figures["slow"],
                                             figures["slowest"], figures["late"]), flush=True)
    print("load average after: %s" % bench_common.load_average())


if __name__ == "__main__":
    main()
