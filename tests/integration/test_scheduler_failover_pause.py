"""A leader paused (SIGSTOP) until its lease expires must do nothing when
it wakes: another node has taken over and started the meetings, and the
old one's timers, queued jobs and half-done batch find they no longer
lead (the monotonic deadline before every action, the epoch in every
claiming write). It steps down and goes on serving the API. Counted on
the bridge: exactly one call and one leg per meeting, no space left open.
"""

import datetime
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from failover import LEASE_SECONDS, Cluster, utc_in  # noqa: E402
from harness import wait_for  # noqa: E402

BATCH = 10


def pause(cluster, node_id):
    node = cluster.nodes[node_id]
    node.process.send_signal(signal.SIGSTOP)
    node.paused = True


def resume(cluster, node_id):
    node = cluster.nodes[node_id]
    node.process.send_signal(signal.SIGCONT)
    node.paused = False


def stepped_down(cluster, old, successor):
    """The woken node says it stopped leading and shows the successor."""
    node = cluster.nodes[old]
    wait_for(lambda: "node %s stops leading" % old in node.log(), timeout=10,
             what="the woken node to step down")
    view = cluster.view(node.client)
    assert view["node"] == old and view["leader"] == successor, view
    health = node.client.call("GET", "/health", credentials=None)
    assert health.status == 200 and health.json()["leader"] is False, health


def test_paused_leader_wakes_after_the_batch_and_does_nothing():
    cluster = Cluster(2)
    try:
        old = cluster.leader()
        start = utc_in(LEASE_SECONDS + 3)
        ids = cluster.book_batch(BATCH, start)  # armed on the old leader
        pause(cluster, old)
        successor = cluster.leader(but=old, timeout=20)
        cluster.wait_states(ids, "live", timeout=90)
        wait_for(lambda: len(cluster.legs()) == BATCH, timeout=30, what="every dial-out")
        resume(cluster, old)  # its start timers are all overdue now
        stepped_down(cluster, old, successor)
        for booking_id in ids:
            assert "booking %s: starting" % booking_id not in cluster.nodes[old].log()
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


def test_leader_paused_in_the_middle_of_a_batch_does_nothing_on_waking():
    # the pause comes while the leader's first POST /calls of the batch is
    # on the wire (held by the proxy): between two requests of a batch,
    # outside any transaction (a node frozen inside a write transaction
    # stops every node on SQLite until it wakes or dies: docs/operations.md)
    cluster = Cluster(2, proxy=True)
    try:
        old = cluster.leader()
        start = utc_in(3)
        ids = cluster.book_batch(BATCH, start)
        cluster.proxy.hold_next_call()
        assert cluster.proxy.held.wait(20), "the batch never reached the bridge"
        pause(cluster, old)
        cluster.proxy.release()  # the request on the wire goes on: a call is made
        wait_for(lambda: cluster.call_posts() >= 1, timeout=10, what="the held call")
        made_before = cluster.call_posts()
        # on PostgreSQL the frozen node may hold the write lock: the server
        # ends its idle transaction after 5 s, then the lease can move
        successor = cluster.leader(but=old, timeout=20)
        cluster.wait_states(ids, "live", timeout=90)
        wait_for(lambda: len(cluster.legs()) == BATCH, timeout=30, what="every dial-out")
        resume(cluster, old)  # woken with its phase threads in the middle of the batch
        stepped_down(cluster, old, successor)
        print("calls made before the pause: %d" % made_before, flush=True)
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


def test_requests_made_on_a_follower_reach_the_leader():
    """Changes, extensions and ends asked of a node that does not lead are
    done by the one that does (lifecycle requests in the database)."""
    cluster = Cluster(2)
    try:
        leader = cluster.leader()
        follower = [node for name, node in cluster.nodes.items() if name != leader][0]
        # booked far ahead, then moved to start soon: the leader re-arms
        ids = cluster.book_batch(1, utc_in(3600), client=follower.client)
        soon = utc_in(2)
        later = soon + datetime.timedelta(minutes=30)
        reply = follower.client.call("PATCH", "/bookings/" + ids[0], {
            "start": soon.isoformat(), "end": later.isoformat()})
        assert reply.status == 200, reply
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        reply = follower.client.call("POST", "/bookings/%s/end" % ids[0])
        assert reply.status == 202, reply
        cluster.wait_states(ids, "ended", timeout=60)
        assert cluster.calls() == [] and cluster.open_spaces() == []
    finally:
        cluster.cleanup()


if __name__ == "__main__":
    harness.run_tests(globals())
