"""A leader whose renewal is held up past its deadline, without losing the
lease, must pick its work up again once it renews.

While the leader cannot renew in time it may not act: its workers drop
the jobs that fall due (a meeting's end, a start) and trust the next term
to find them again in the database. Here one node leads alone; the test
holds the database's write lock (SQLite's, or on PostgreSQL the advisory
lock every convened writer takes) for longer than the leader's deadline,
across the moment one meeting is due to end and another to start. When
the lock is let go the node renews with the same epoch (nobody else took
the lease). It must treat that as a new term and reconcile: the meeting
due to end ends, the one due to start starts, each exactly once.
(Found by test_scheduler_failover_pause under load: a node took the lease
back with a round that had waited for the lock, could not act at once,
and then sat on its due work with the same epoch for good.)
"""

import datetime
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from failover import LEASE_SECONDS, Cluster, utc_in, wait_until  # noqa: E402
from harness import wait_for  # noqa: E402

# STORE_WRITE_LOCK_KEY (src/common/store_sql.h): PostgreSQL's write lock
WRITE_LOCK_KEY = 0x436f6e76656e6501
# the leader may act until 3/4 of the lease after its last renewal began
DEADLINE_SECONDS = LEASE_SECONDS * 3 / 4


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


class WriteLock:
    """Holds the write lock of the cluster's database from `hold()` until
    `until` (a wall-clock instant given to hold)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.thread = None
        self.connection = None

    def hold(self, until):
        if harness.DATABASE == "postgresql":
            seconds = (until - now_utc()).total_seconds()
            name = harness.database_url(self.cluster.data_dir, "convened").rsplit("/", 1)[1]
            statement = ("BEGIN; SELECT pg_advisory_xact_lock(%d); SELECT pg_sleep(%.3f); COMMIT"
                         % (WRITE_LOCK_KEY, seconds))
            server = harness.postgres_server()
            self.thread = threading.Thread(target=server.rows, args=(statement, name))
            self.thread.start()
            wait_for(lambda: server.rows(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted"
                " AND a.query LIKE '%%pg_sleep%%' AND a.pid <> pg_backend_pid()",
                name)[0][0] == "1", timeout=10, what="the advisory lock")
        else:
            self.connection = sqlite3.connect(os.path.join(self.cluster.data_dir, "convened.db"),
                                              timeout=10, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        return time.monotonic()

    def release(self):
        if self.thread is not None:
            self.thread.join(timeout=30)
            assert not self.thread.is_alive(), "the advisory lock was not let go"
        else:
            self.connection.execute("ROLLBACK")
            self.connection.close()


def book(cluster, title, start, end):
    reply = cluster.any_client().call("POST", "/bookings", {
        "title": title, "start": start.isoformat(), "end": end.isoformat(),
        "bridge": cluster.bridge_id,
        "participants": [{"uri": "%s@ep.example.com" % title.lower(), "dial": "out"}]})
    assert reply.status == 201, reply
    return reply.json()["id"]


def test_leader_renewing_after_its_deadline_does_the_work_it_dropped():
    cluster = Cluster(1)
    try:
        node = cluster.nodes[cluster.leader()]
        start = utc_in(2)
        # the lock is held from when it is live until after its end: well
        # under the 10 s a writer waits for it (a round that waits longer
        # fails, and a failed round is another path)
        end = start + datetime.timedelta(seconds=6)
        ending = book(cluster, "Ending", start, end)
        # due to start while the leader cannot act (its timer fires then)
        starting = book(cluster, "Starting", end, end + datetime.timedelta(minutes=30))
        cluster.wait_states([ending], "live", timeout=30)
        wait_for(lambda: len(cluster.legs()) == 1, timeout=30, what="the first dial-out")
        lock = WriteLock(cluster)
        # held past the deadline, past both timers, and a little more
        until = max(end, now_utc() + datetime.timedelta(seconds=DEADLINE_SECONDS + 1)) \
            + datetime.timedelta(seconds=1.5)
        held_at = now_utc()
        lock.hold(until)
        # the timers must fire after the deadline has passed: the last
        # round that renewed began before the lock was taken
        margin = (end - held_at).total_seconds()
        assert DEADLINE_SECONDS + 0.5 < margin < 7, \
            "the meeting went live too late for this test's timing (%.1f s left)" % margin
        try:
            wait_until(until)
        finally:
            lock.release()
        released = time.monotonic()
        cluster.wait_states([ending], "ended", timeout=20)
        cluster.wait_states([starting], "live", timeout=20)
        print("work done %.2f s after the lock was let go" % (time.monotonic() - released),
              flush=True)
        log = node.log()
        assert "acts again" in log, log[-3000:]
        assert "cannot renew" not in log, log[-3000:]  # the round waited; it never failed
        # each meeting made exactly once; the ended one left nothing open
        assert cluster.call_posts() == 2, cluster.call_posts()
        assert len(cluster.calls()) == 1, cluster.calls()
        wait_for(lambda: len(cluster.legs()) == 1, timeout=30, what="the second dial-out")
        assert cluster.dial_posts() == 2, cluster.dial_posts()
        assert len(cluster.open_spaces()) == 1
        cluster.assert_all_closed([starting])
    finally:
        cluster.cleanup()


if __name__ == "__main__":
    harness.run_tests(globals())
