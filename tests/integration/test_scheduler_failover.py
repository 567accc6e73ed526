"""Several convened on one database, exactly one driving meetings: the
cluster view, and SIGKILL of the leader just before, during and just after
a batch of 20 starts due at the same second. Each test counts, on the
bridge, the meetings started, the calls and the legs made (exactly one per
meeting) and the spaces left open (none once they end).

The takeover time (SIGKILL to another node holding the lease) is printed;
bench/failover.py measures it properly (docs/benchmarks.md).
"""

import datetime
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from failover import Cluster, utc_in, wait_until  # noqa: E402
from harness import wait_for  # noqa: E402

BATCH = 20


def test_one_leader_every_node_serves_the_api():
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        views = [cluster.view(node.client) for node in cluster.nodes.values()]
        assert {view["leader"] for view in views} == {leader}, views
        assert {view["node"] for view in views} == set(cluster.nodes), views
        for view in views:
            flags = {node["id"]: (node["alive"], node["leader"]) for node in view["nodes"]}
            assert flags == {name: (True, name == leader) for name in cluster.nodes}, view
            assert view["lease"]["holder"] == leader and view["lease"]["epoch"] >= 1, view
            assert 0 < view["lease"]["expiresInMs"] <= 3000, view
        for name, node in cluster.nodes.items():
            health = node.client.call("GET", "/health", credentials=None)
            assert health.status == 200, health
            assert health.json() == {"status": "ok", "leader": name == leader}, health
        # `convene cluster` shows the same, from any node
        follower_name = [name for name in cluster.nodes if name != leader][0]
        environment = dict(os.environ, CONVENE_SERVER=cluster.nodes[follower_name].url,
                           CONVENE_USER=harness.ADMIN[0], CONVENE_PASSWORD=harness.ADMIN[1])
        done = subprocess.run([harness.CLI_BINARY, "cluster"], capture_output=True, text=True,
                              env=environment, timeout=60)
        assert done.returncode == 0, done
        assert done.stdout.startswith("leader: %s (epoch " % leader), done.stdout
        rows = [line.split() for line in done.stdout.splitlines()[2:]]
        assert sorted((row[0], row[3], row[4]) for row in rows) == sorted(
            (name, "true", "true" if name == leader else "false") for name in cluster.nodes), rows
        # a booking made on the follower is started by the leader, on time
        follower = [node for name, node in cluster.nodes.items() if name != leader][0]
        start = utc_in(2)
        ids = cluster.book_batch(1, start, client=follower.client)
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        # and ended through the follower: the leader ends it
        cluster.assert_all_closed(ids)
        assert "booking %s: starting" % ids[0] in cluster.nodes[leader].log()
        assert "booking %s: starting" % ids[0] not in follower.log()
    finally:
        cluster.cleanup()


def test_a_second_node_with_the_same_id_is_refused():
    cluster = Cluster(1)
    try:
        twin = harness.Scheduler(data_dir=cluster.data_dir, extra=["--node-id", "node-1"])
        twin.start(wait=False)
        status = twin.process.wait(timeout=15)
        assert status != 0 and "convened.node-1.lock" in twin.log(), twin.log()
    finally:
        cluster.cleanup()


def test_a_new_leader_polls_the_bridges_at_once():
    # --poll-interval is an hour: only taking over makes the survivor poll
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        mark = len(cluster.bridge.trace())
        killed_leader_takes_over(cluster, leader)
        wait_for(lambda: 'GET for "/api/v1/system/status"' in cluster.bridge.trace()[mark:],
                 timeout=10, what="the new leader's status poll")
    finally:
        cluster.cleanup()


def killed_leader_takes_over(cluster, leader):
    """SIGKILL of `leader`; returns (new leader, seconds until it led)."""
    killed_at = time.monotonic()
    cluster.kill(leader)
    successor = cluster.leader(but=leader, timeout=10)
    return successor, time.monotonic() - killed_at


def test_kill_leader_just_before_a_batch():
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        start = utc_in(6)
        ids = cluster.book_batch(BATCH, start)
        wait_until(start - datetime.timedelta(seconds=1))
        successor, took = killed_leader_takes_over(cluster, leader)
        print("takeover before the batch: %.2f s" % took, flush=True)
        assert took < 5, took
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


def test_kill_leader_during_a_batch():
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        start = utc_in(4)
        ids = cluster.book_batch(BATCH, start)
        # the moment the bridge has the batch's first call, the leader dies
        wait_for(lambda: cluster.call_posts() >= 1, timeout=20, interval=0.005,
                 what="the batch to reach the bridge")
        successor, took = killed_leader_takes_over(cluster, leader)
        print("takeover during the batch: %.2f s (%d calls made before)"
              % (took, cluster.call_posts()), flush=True)
        cluster.wait_states(ids, "live", timeout=90)
        # the calls the dead leader made were adopted, not made again
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


def test_kill_leader_just_after_a_batch():
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        start = utc_in(3)
        ids = cluster.book_batch(BATCH, start)
        cluster.wait_states(ids, "live", timeout=90)
        wait_for(lambda: len(cluster.legs()) == BATCH, timeout=30, what="every dial-out")
        successor, took = killed_leader_takes_over(cluster, leader)
        print("takeover after the batch: %.2f s" % took, flush=True)
        # the new leader resumed them (a survey of the bridge) and changed nothing
        wait_for(lambda: "lifecycle: 0 scheduled, %d to resume" % BATCH
                 in cluster.nodes[successor].log(), timeout=20, what="the resume pass")
        def resumed():
            counts = re.findall(r"lifecycle: (\d+) meeting\(s\) through",
                                cluster.nodes[successor].log())
            return sum(int(count) for count in counts) >= BATCH
        wait_for(resumed, timeout=90, what="every meeting to be resumed")
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


def test_three_nodes_survive_two_deaths():
    cluster = Cluster(3)
    try:
        first = cluster.leader()
        start = utc_in(8)
        ids = cluster.book_batch(5, start)
        second, took = killed_leader_takes_over(cluster, first)
        assert took < 5, took
        third, took = killed_leader_takes_over(cluster, second)
        assert took < 5, took
        assert len({first, second, third}) == 3
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        view = cluster.view()
        alive = {node["id"]: node["alive"] for node in view["nodes"]}
        wait_for(lambda: sum(node["alive"] for node in cluster.view()["nodes"]) == 1,
                 timeout=15, what="the dead nodes to be shown not alive")
        assert alive[third] is True
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


if __name__ == "__main__":
    harness.run_tests(globals())
