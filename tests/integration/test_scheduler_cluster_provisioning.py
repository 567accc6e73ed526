"""The provisioning of one bridge is exclusive across the nodes of a
cluster: a bridge added through a node that does not lead is provisioned
by that node at once; the leader's refresh of the same bridge in the
middle of it (made deterministic by a proxy that holds the first node's
POST /callProfiles on the wire) provisions nothing, and the bridge ends
with exactly one call profile, one call leg profile and one bulk
parameter set, and one space per slot. Before the fix the leader, finding
no profile yet, made a second set of everything.

Real processes: one convene-bridge, the proxy, and two convened nodes on
one database (run again as @postgresql).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import failover  # noqa: E402
from harness import ADMIN, wait_for  # noqa: E402

SLOTS = 3
NODE_EXTRA = ["--lease-seconds", "3", "--poll-interval", "3600", "--discovery-interval", "3600"]
world = {}


def call_profile_post(handler):
    return handler.command == "POST" and handler.path.split("?")[0] == "/api/v1/callProfiles"


def setup():
    cluster = failover.Cluster(2, proxy=True, slots=None, node_extra=NODE_EXTRA,
                               hold=call_profile_post, armed=True)
    world.update(cluster=cluster, bridge=cluster.bridge, proxy=cluster.proxy,
                 data_dir=cluster.data_dir, nodes=cluster.nodes)


def cleanup():
    if world.get("cluster") is not None:
        world["cluster"].cleanup()


def count(collection, element):
    root = world["bridge"].client.get("/%s?limit=1000" % collection).xml()
    return len(root.findall(element))


def test_the_leaders_refresh_during_a_first_provisioning_makes_nothing_twice():
    nodes = world["nodes"]
    leader = wait_for(lambda: nodes["node-1"].client.call("GET", "/cluster").json()["leader"],
                      timeout=10, what="a leader")
    follower = "node-2" if leader == "node-1" else "node-1"
    reply = nodes[follower].client.call("POST", "/bridges", {
        "address": world["proxy"].url, "username": ADMIN[0], "password": ADMIN[1],
        "name": "shared", "domain": "vc.example.com", "numericIdBase": 1,
        "numericIdQuantity": SLOTS})
    assert reply.status == 201, reply
    bridge_id = reply.json()["id"]
    # the follower provisions at once; its POST /callProfiles waits on the wire
    assert world["proxy"].held.wait(20), "the follower did not start provisioning"
    reply = nodes[leader].client.call("POST", "/bridges/%s/refresh" % bridge_id)
    assert reply.status in (200, 202), reply

    def leader_done():
        log = nodes[leader].log()
        return re.search(r"another node is provisioning it|slots provisioned", log)
    wait_for(leader_done, timeout=20, what="the leader's refresh to decide")
    world["proxy"].release()

    def complete():
        document = nodes[leader].client.call("GET", "/bridges/" + bridge_id).json()
        return document.get("provisioning") == "complete" and \
            document.get("slots", {}).get("provisioned") == SLOTS
    wait_for(complete, timeout=30, what="the provisioning to complete")
    # the follower's own run, let through, is over too
    wait_for(lambda: "slots provisioned" in nodes[follower].log(), timeout=30,
             what="the follower's provisioning to finish")
    assert count("callProfiles", "callProfile") == 1
    assert count("callLegProfiles", "callLegProfile") == 1
    assert count("cospaceBulkParameterSets", "cospaceBulkParameterSet") == 1
    assert count("coSpaces", "coSpace") == SLOTS
    assert "another node is provisioning it" in nodes[leader].log()
    # the claim is given up once the provisioning is over
    def released():
        rows = harness.scheduler_sql(world["data_dir"],
                                     "SELECT provisioning_claim FROM bridges WHERE id = ?",
                                     (bridge_id,))
        return rows == [(None,)]
    wait_for(released, timeout=10, what="the provisioning claim to be given up")

if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
