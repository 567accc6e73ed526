#!/usr/bin/env python3
"""bench/failover.py - how long several convened nodes on one database take
to replace a leader that dies (issue 14).

Owns: starting one convene-bridge and two convened nodes on one data
directory and so one database, SQLite or PostgreSQL (--database;
tests/integration/failover.py's Cluster), then, --runs times:
book one meeting (one dial-out) due half a second after the moment the
leader will be killed, SIGKILL the leader, and time from the kill
  * to another node holding the lease (GET /api/v1/cluster on it, polled
    every 10 ms), and
  * to the due meeting's call on the bridge (POST /calls in the bridge's
    trace, polled every 10 ms);
then restart the killed node (it joins as a follower) for the next run.
It also times, once, a clean stop (SIGTERM) of the leader, which hands the
lease on at once. With --batch N (e.g. 1000), last, in a cluster of its
own: N meetings (one dial-out each) due at the same second, the leader
killed 0.5 s before it; from the kill to another node leading and to all
N live (the survivor's log lines "booking <id>: live"), then the bridge
must have exactly N calls and have received exactly N POST /calls. It is a benchmark, never a test: it prints a table (and
--json) and exits 0 unless something could not be measured.

Usage: python3 bench/failover.py [--build-dir build] [--runs 10]
       [--lease-seconds 3] [--database sqlite|postgresql] [--batch 0] [--json FILE]
"""
import argparse
import datetime
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from bench_common import write_json  # noqa: E402 - bench/, still on the path


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(HERE), "build"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lease-seconds", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the nodes' one database: an SQLite directory, or a PostgreSQL "
                        "server started for the run (tests/integration/pg_harness.py)")
    parser.add_argument("--batch", type=int, default=0,
                        help="also: this many meetings due when the leader dies")
    parser.add_argument("--json", help="also write the figures here")
    return parser.parse_args()


def poll(condition, timeout=30.0):
    """The first truthy value of condition(), polled every 10 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise SystemExit("bench/failover.py: gave up waiting")


def call_posts(cluster):
    return len(re.findall(r'POST for "/api/v1/calls"', cluster.bridge.trace()))


def one_run(cluster, index):
    """Kill the leader with a meeting due 0.5 s later; (lease s, start s)."""
    leader = cluster.leader()
    survivor = [name for name in cluster.alive_nodes() if name != leader][0]
    client = cluster.nodes[survivor].client
    due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(seconds=4)
    reply = client.call("POST", "/bookings", {
        "title": "Takeover %d" % index, "start": due.isoformat(),
        "end": (due + datetime.timedelta(minutes=5)).isoformat(), "bridge": cluster.bridge_id,
        "participants": [{"uri": "far%d@ep.example.com" % index, "dial": "out"}]})
    assert reply.status == 201, reply
    booking_id = reply.json()["id"]
    made = call_posts(cluster)
    # kill the leader 0.5 s before the meeting falls due
    kill_wall = due - datetime.timedelta(milliseconds=500)
    while datetime.datetime.now(datetime.timezone.utc) < kill_wall:
        time.sleep(0.002)
    killed = time.monotonic()
    cluster.kill(leader)
    poll(lambda: client.call("GET", "/cluster").json()["leader"] == survivor)
    led = time.monotonic() - killed
    poll(lambda: call_posts(cluster) > made)
    started = time.monotonic() - killed
    late = (datetime.datetime.now(datetime.timezone.utc) - due).total_seconds()  # call made
    poll(lambda: client.call("GET", "/bookings/" + booking_id).json()["state"] == "live")
    client.call("POST", "/bookings/%s/end" % booking_id)
    cluster.start_node(leader)  # back as a follower
    return led, started, late


def clean_stop(cluster):
    leader = cluster.leader()
    survivor = [name for name in cluster.alive_nodes() if name != leader][0]
    client = cluster.nodes[survivor].client
    stopped = time.monotonic()
    cluster.nodes[leader].stop()
    poll(lambda: client.call("GET", "/cluster").json()["leader"] == survivor)
    took = time.monotonic() - stopped
    cluster.start_node(leader)
    return took


def batch_takeover(failover, count):
    """`count` meetings due 0.5 s after the leader's SIGKILL; seconds from
    the kill to another node leading and to all of them live."""
    cluster = failover.Cluster(2, slots=count)
    try:
        leader = cluster.leader()
        survivor = [name for name in cluster.alive_nodes() if name != leader][0]
        client = cluster.nodes[survivor].client
        due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
            datetime.timedelta(seconds=max(10, count // 50))
        ids = cluster.book_batch(count, due, client=client)
        left = (due - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        assert left > 1, "booking %d meetings took too long (%.1f s left)" % (count, left)
        while datetime.datetime.now(datetime.timezone.utc) < \
                due - datetime.timedelta(milliseconds=500):
            time.sleep(0.002)
        killed = time.monotonic()
        cluster.kill(leader)
        poll(lambda: client.call("GET", "/cluster").json()["leader"] == survivor)
        led = time.monotonic() - killed
        pattern = re.compile(r"booking ([0-9a-f-]+): live")
        wanted = set(ids)
        poll(lambda: wanted <= set(pattern.findall(cluster.nodes[survivor].log())), timeout=120)
        live = time.monotonic() - killed
        calls = cluster.bridge.client.get("/calls?limit=1").xml().get("total")
        return {"meetings": count, "kill_to_new_leader_s": led, "kill_to_all_live_s": live,
                "calls_on_bridge": int(calls), "call_posts": call_posts(cluster)}
    finally:
        cluster.cleanup()


def describe(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main():
    arguments = parse_arguments()
    os.environ["CONVENE_BUILD_DIR"] = os.path.abspath(arguments.build_dir)
    os.environ["CONVENE_TEST_DATABASE"] = arguments.database
    import failover  # after CONVENE_BUILD_DIR: harness reads it at import
    failover.NODE_EXTRA[failover.NODE_EXTRA.index("--lease-seconds") + 1] = \
        str(arguments.lease_seconds)
    cluster = failover.Cluster(2)
    try:
        runs = [one_run(cluster, index) for index in range(arguments.runs)]
        stop = clean_stop(cluster)
    finally:
        cluster.cleanup()
    batch = batch_takeover(failover, arguments.batch) if arguments.batch else None
    figures = {
        "lease_seconds": arguments.lease_seconds,
        "runs": arguments.runs,
        "kill_to_new_leader_s": describe([run[0] for run in runs]),
        "kill_to_first_due_start_s": describe([run[1] for run in runs]),
        "due_to_start_s": describe([run[2] for run in runs]),
        "sigterm_to_new_leader_s": stop,
        "batch": batch,
    }
    figures["database"] = arguments.database
    print("leader takeover, 2 nodes on one %s database, --lease-seconds %d, %d runs"
          % (arguments.database, arguments.lease_seconds, arguments.runs))
    print("%-34s %8s %8s %8s" % ("", "min", "median", "max"))
    for key, label in (("kill_to_new_leader_s", "SIGKILL -> another node leads"),
                       ("kill_to_first_due_start_s", "SIGKILL -> due meeting's call"),
                       ("due_to_start_s", "due time -> its call (late)")):
        row = figures[key]
        print("%-34s %7.2fs %7.2fs %7.2fs" % (label, row["min"], row["median"], row["max"]))
    print("%-34s %7.2fs" % ("SIGTERM -> another node leads", stop))
    if batch:
        print("%d meetings due 0.5 s after the SIGKILL: another node leads after %.2f s, all "
              "live after %.2f s; %d calls on the bridge, %d POST /calls"
              % (batch["meetings"], batch["kill_to_new_leader_s"], batch["kill_to_all_live_s"],
                 batch["calls_on_bridge"], batch["call_posts"]))
    write_json(arguments.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
