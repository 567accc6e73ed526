"""A participant dropped through a node that does not lead, while the
leader is dialling them again (their no-answer retry fell due): the drop
and the retry are exclusive. Made deterministic with a proxy between the
nodes and the bridge that holds the leader's retry (POST
/calls/<call>/callLegs) on the wire while the other node drops the
participant, then lets it through: the leader must not store its new
leg over the drop; it hangs that leg up at once and never dials the
participant again. Before the fix the leader's poll wrote the new leg
over the drop, followed it, and dialled the participant again and again.

Real processes: one convene-bridge (a party that rings and never
answers), the proxy, and two convened nodes on one database (run again
as @postgresql).
"""

import datetime
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import failover  # noqa: E402
from harness import wait_for  # noqa: E402

PARTY = "silent@ep.example.com"
NODE_EXTRA = ["--lease-seconds", "3", "--poll-interval", "3600", "--discovery-interval", "3600",
              "--dial-out-retries", "20", "--dial-out-retry-seconds", "1",
              "--dial-out-answer-seconds", "1"]
world = {}


def dial_out(handler):
    """POST /calls/<call>/callLegs: a participant being dialled."""
    path = handler.path.split("?")[0]
    return handler.command == "POST" and re.fullmatch(r"/api/v1/calls/[^/]+/callLegs", path)


def node_client(name):
    return world["nodes"][name].client


def setup():
    cluster = failover.Cluster(2, ring_ms=100, proxy=True, slots=2,
                               bridge_extra=["--no-answer-party", "silent*"],
                               node_extra=NODE_EXTRA, hold=dial_out)
    world.update(cluster=cluster, bridge=cluster.bridge, proxy=cluster.proxy,
                 data_dir=cluster.data_dir, nodes=cluster.nodes)


def cleanup():
    if world.get("cluster") is not None:
        world["cluster"].cleanup()


def dial_posts():
    """Dial-outs the bridge received (its trace)."""
    return len(re.findall(r'POST for "/api/v1/calls/[^/"]+/callLegs"', world["bridge"].trace()))


def legs_to_party():
    legs = world["bridge"].client.get("/callLegs?limit=1000").xml().findall("callLeg")
    return [leg.get("id") for leg in legs if leg.findtext("remoteParty") == PARTY]


def test_a_drop_during_the_leaders_retry_is_not_undone_nor_dialled_again():
    leader = wait_for(lambda: node_client("node-1").call("GET", "/cluster").json()["leader"],
                      timeout=10, what="a leader")
    follower = "node-2" if leader == "node-1" else "node-1"
    client = node_client(follower)
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(seconds=2)
    reply = client.call("POST", "/bookings", {
        "title": "Dropped while redialled", "start": start.isoformat(),
        "end": (start + datetime.timedelta(minutes=30)).isoformat(),
        "participants": [{"uri": PARTY, "dial": "out"}]})
    assert reply.status == 201, reply
    booking_id = reply.json()["id"]

    def dialled_once():
        document = client.call("GET", "/bookings/" + booking_id).json()
        return document["state"] == "live" and document["participants"][0]["attempts"] >= 1
    wait_for(dialled_once, timeout=30, what="the meeting live, its dial-out made")
    proxy = world["proxy"]
    # the start's dial-out is done: the next one is a retry of the leader's
    # poll (the party never answers), and it waits on the wire
    proxy.hold_next()
    assert proxy.held.wait(15), "the leader did not dial the participant again"
    path = "/bookings/%s/participants/%s" % (booking_id, urllib.parse.quote(PARTY, safe=""))
    reply = client.call("DELETE", path)
    assert reply.status == 200, reply
    assert reply.json()["participants"][0]["state"] == "dropped", reply
    dialled = dial_posts()
    proxy.release()  # the retry reaches the bridge after the drop
    wait_for(lambda: dial_posts() > dialled, timeout=10, what="the held retry to arrive")
    wait_for(lambda: not legs_to_party(), timeout=10, what="the retry's leg to be hung up")
    dialled = dial_posts()

    # several retry periods later: still dropped, never dialled again
    polls = world["nodes"][leader].trace().count("/callLegs")
    wait_for(lambda: world["nodes"][leader].trace().count("/callLegs") >= polls + 2,
             timeout=20, what="two more polls of the leader")
    for name in world["nodes"]:
        entry = node_client(name).call("GET", "/bookings/" + booking_id).json()["participants"][0]
        assert entry["state"] == "dropped", (name, entry)
    assert dial_posts() == dialled, (dial_posts(), dialled)
    assert legs_to_party() == []
    assert "was dropped while being dialled again" in world["nodes"][leader].log()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
