"""One active call per space across the cluster: nodes sharing a data
directory refuse a second call of a space whichever node hosts the first;
the space is free again when the call ends, when its node stops, or when
its node dies and no longer answers at its --peer address."""

import shutil
import tempfile

import harness
from harness import Bridge, run_tests


def pair():
    shared = tempfile.mkdtemp(prefix="convene-cluster-calls-")
    port1, port2 = harness.free_port(), harness.free_port()
    one = Bridge(data_dir=shared, port=port1, name="Core1",
                 peers=["Core2=http://127.0.0.1:%d" % port2])
    two = Bridge(data_dir=shared, port=port2, name="Core2",
                 peers=["Core1=http://127.0.0.1:%d" % port1])
    return shared, one.start(), two.start()


def refused(reply):
    return reply.status == 400 and reply.xml().find("invalidOperation") is not None


def test_one_active_call_per_space_across_two_nodes():
    shared, one, two = pair()
    try:
        space = one.client.create("/coSpaces", {"name": "Shared room", "uri": "shared.room"})
        other = one.client.create("/coSpaces", {"name": "Other room", "uri": "other.room"})
        first = one.client.create("/calls", {"coSpace": space})
        reply = two.client.post("/calls", {"coSpace": space})
        assert refused(reply), reply
        assert refused(one.client.post("/calls", {"coSpace": space}))
        # Another space, and calls without a space, are not affected.
        assert two.client.post("/calls", {"coSpace": other}).status == 200
        assert two.client.post("/calls", {"name": "Ad hoc"}).status == 200
        # The call ends: the space is free for any node.
        assert one.client.delete("/calls/" + first).status == 200
        second = two.client.create("/calls", {"coSpace": space})
        assert refused(one.client.post("/calls", {"coSpace": space}))
        # Its node stops cleanly: its calls end with it.
        two.stop()
        one.client.create("/calls", {"coSpace": space})
    finally:
        for node in (one, two):
            node.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


def test_a_dead_nodes_claim_is_taken_over():
    shared, one, two = pair()
    try:
        space = one.client.create("/coSpaces", {"name": "Room", "uri": "room"})
        one.client.create("/calls", {"coSpace": space})
        one.kill()  # no clean stop: its claim stays in the database
        harness.wait_for(lambda: not one.alive(), what="the node to die")
        call = two.client.create("/calls", {"coSpace": space})
        harness.wait_for(lambda: 'holds its call but does not answer' in two.log(),
                         what="the take-over to be logged")
        assert two.client.get("/calls/" + call).status == 200
        # Deleting the space ends the call and frees the claim.
        assert two.client.delete("/coSpaces/" + space).status == 200
        space = two.client.create("/coSpaces", {"name": "Room", "uri": "room"})
        two.client.create("/calls", {"coSpace": space})
    finally:
        for node in (one, two):
            node.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


if __name__ == "__main__":
    run_tests(globals())
