"""Two convened nodes on one PostgreSQL database while the database
restarts under load (issue 14): bookings are written through both nodes
all along; while the server is down they are refused cleanly (503) and
nothing acknowledged is lost (every 2xx booking is there afterwards); the
leader stops acting if a renewal of its lease fails meanwhile, a node
leads once the database is back, and the meetings that fall due after it start
exactly once (one call, one leg each on the bridge) and all close.

PostgreSQL only (it is about the server itself), so it runs once, not as
an @postgresql twin.
"""

import datetime
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

harness.DATABASE = "postgresql"  # before Cluster: every node on one database
from failover import Cluster, utc_in  # noqa: E402
from harness import wait_for  # noqa: E402

DUE = 5


def test_a_database_restart_under_load_loses_nothing_acknowledged():
    cluster = Cluster(2)
    server = harness.postgres_server()
    acknowledged, refused, other = [], [], []
    stop = threading.Event()
    tomorrow = utc_in(86400)

    def writer(node_id):
        client = cluster.nodes[node_id].client
        number = 0
        while not stop.is_set():
            number += 1
            start = tomorrow + datetime.timedelta(minutes=11 * (number * 2 + (node_id[-1] == "2")))
            try:
                reply = client.call("POST", "/bookings", {
                    "title": "%s load %d" % (node_id, number), "start": start.isoformat(),
                    "end": (start + datetime.timedelta(minutes=10)).isoformat(),
                    "bridge": cluster.bridge_id})
            except OSError:
                client.close()
                other.append((node_id, number, "no answer"))
                continue
            if reply.status == 201:
                acknowledged.append(reply.json()["id"])
            elif reply.status == 503:
                refused.append(reply.json()["error"]["code"])
            else:
                other.append((node_id, number, reply.status, reply.body[:200]))

    try:
        leader = cluster.leader()
        due = utc_in(20)
        ids = cluster.book_batch(DUE, due)
        threads = [threading.Thread(target=writer, args=(name,)) for name in cluster.nodes]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: len(acknowledged) >= 20, timeout=30, what="bookings before")
            before = len(acknowledged)
            server.restart(mode="immediate")  # as a crash
            wait_for(lambda: len(acknowledged) >= before + 20, timeout=60,
                     what="bookings acknowledged after the restart")
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not other, other[:5]  # every answer a 201 or a clean 503
        assert refused, "no booking was refused while the database was down"
        # The code says the database is the cause (the bridge answers the
        # same one), never bridgeUnreachable: the bridge was up throughout.
        assert set(refused) == {"databaseNotReady"}, sorted(set(refused))
        client = cluster.any_client()
        missing = [booking_id for booking_id in acknowledged
                   if client.call("GET", "/bookings/" + booking_id).status != 200]
        assert not missing, "acknowledged but lost: %s" % missing[:5]
        # a node leads again (the leader steps down only if one of its
        # renewals fell into the outage)
        again = cluster.leader(timeout=15)
        stepped = any("stops leading" in node.log() for node in cluster.nodes.values())
        print("leader before %s, after %s (stepped down meanwhile: %s); %d acknowledged, "
              "%d refused" % (leader, again, stepped, len(acknowledged), len(refused)), flush=True)
        cluster.wait_states(ids, "live", timeout=90)
        cluster.assert_exactly_once(ids)
        cluster.assert_all_closed(ids)
    finally:
        cluster.cleanup()


if __name__ == "__main__":
    harness.run_tests(globals())
