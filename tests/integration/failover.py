"""Shared helpers of the failover tests (test_scheduler_failover*.py):
several convened nodes on one database driving one convene-bridge, and
the counts every test ends with (meetings started, calls and legs on the
bridge, spaces left open).

The nodes share one data directory (each with its own --node-id, so each
holds its own lock file) and so one database: the SQLite file in it, or,
run as `<test>@postgresql` (CONVENE_TEST_DATABASE=postgresql), the one
PostgreSQL database harness.py gives that directory, with the one key
file in it. SQLite clustering is for one machine, which is what these
tests are.
"""

import datetime
import os
import re
import shutil
import tempfile
import time

import harness
import bridge_proxy
from harness import wait_for

LEASE_SECONDS = 3
NODE_EXTRA = ["--lease-seconds", str(LEASE_SECONDS), "--poll-interval", "3600",
              "--discovery-interval", "3600"]
SLOTS = 24  # every batch fits, with spares


def call_post(handler):
    """POST /calls: a meeting's call being made."""
    return handler.command == "POST" and handler.path.split("?")[0] == "/api/v1/calls"


class HoldingProxy(bridge_proxy.HoldingProxy):
    """Between the nodes and the bridge: once `hold_next_call()` is armed,
    the next request `matches` accepts (POST /calls unless told) waits
    until `release()`; armed: from the start."""

    def __init__(self, target_port, matches=call_post, armed=False):
        super().__init__(target_port, matches, armed=armed)

    def hold_next_call(self):
        self.hold_next()


class Cluster:
    """A bridge and `count` convened nodes "node-1".. on one data directory;
    with `proxy`, the nodes reach the bridge through a HoldingProxy that
    holds what `hold` matches (armed: from the start). The bridge is
    registered through the first node with `slots` slots and provisioned,
    unless slots is None. bridge_extra: more convene-bridge options;
    node_extra: every node's convened options besides --node-id."""

    def __init__(self, count, ring_ms=0, proxy=False, slots=SLOTS, bridge_extra=(),
                 node_extra=NODE_EXTRA, hold=call_post, armed=False):
        extra = ["--page-limit", "1000"] + (["--ring-ms", str(ring_ms)] if ring_ms else [])
        self.bridge = harness.Bridge(extra=extra + list(bridge_extra)).start()
        self.proxy = HoldingProxy(self.bridge.port, hold, armed) if proxy else None
        self.data_dir = tempfile.mkdtemp(prefix="convened-cluster-")
        self.node_extra = list(node_extra)
        self.nodes = {}
        for index in range(count):
            self.start_node("node-%d" % (index + 1))
        self.bridge_id = None
        if slots is not None:
            self.bridge_id = harness.add_bridge(
                self.any_client(), self.proxy.url if proxy else self.bridge.url, slots, wait=60,
                name="shared")

    def start_node(self, node_id):
        node = harness.Scheduler(data_dir=self.data_dir,
                                 extra=["--node-id", node_id] + self.node_extra)
        self.nodes[node_id] = node.start()
        return node

    def alive_nodes(self):
        return {name: node for name, node in self.nodes.items() if node.alive()
                and not getattr(node, "paused", False)}

    def any_client(self, but=None):
        for name, node in self.alive_nodes().items():
            if name != but:
                return node.client
        raise AssertionError("no node is running")

    def view(self, client=None):
        reply = (client or self.any_client()).call("GET", "/cluster")
        assert reply.status == 200, reply
        return reply.json()

    def leader(self, but=None, timeout=10):
        """The node holding the lease (other than `but`), waited for."""
        def held():
            document = self.view(self.any_client(but))
            holder = document["leader"]
            return holder if holder and holder != but and holder in self.alive_nodes() \
                else None
        return wait_for(held, timeout=timeout, interval=0.05, what="a leader")

    def kill(self, node_id):
        self.nodes[node_id].kill()

    def cleanup(self):
        for node in self.nodes.values():
            if getattr(node, "paused", False) and node.alive():
                node.process.send_signal(harness.signal.SIGCONT)
            if node.alive():
                node.kill()
        if self.proxy is not None:
            self.proxy.release()
            self.proxy.shutdown()
        self.bridge.cleanup()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- bookings -------------------------------------------------------

    def book_batch(self, count, start, client=None, minutes=30):
        """`count` meetings due at `start`, each with one dial-out; IDs."""
        ids = []
        for index in range(count):
            reply = (client or self.any_client()).call("POST", "/bookings", {
                "title": "Batch %d" % index, "start": start.isoformat(),
                "end": (start + datetime.timedelta(minutes=minutes)).isoformat(),
                "bridge": self.bridge_id,
                "participants": [{"uri": "ep%d@ep.example.com" % index, "dial": "out"}]})
            assert reply.status == 201, reply
            ids.append(reply.json()["id"])
        return ids

    def states(self, ids, client=None):
        """Each booking's state; None while it cannot be read (a 503 from a
        node whose database connection is coming back)."""
        client = client or self.any_client()
        states = {}
        for booking_id in ids:
            reply = client.call("GET", "/bookings/" + booking_id)
            states[booking_id] = reply.json()["state"] if reply.status == 200 else None
        return states

    def wait_states(self, ids, state, timeout=30):
        def reached():
            return all(value == state for value in self.states(ids).values())
        wait_for(reached, timeout=timeout, interval=0.1, what="%d meetings %s" % (len(ids), state))

    def end_all(self, ids):
        client = self.any_client()
        for booking_id in ids:
            reply = client.call("POST", "/bookings/%s/end" % booking_id)
            assert reply.status == 202, reply
        self.wait_states(ids, "ended", timeout=90)

    # --- what the bridge has --------------------------------------------

    def calls(self):
        return self.bridge.client.get("/calls?limit=1000").xml().findall("call")

    def legs(self):
        return self.bridge.client.get("/callLegs?limit=1000").xml().findall("callLeg")

    def open_spaces(self):
        """Spaces a meeting opened (nonMemberAccess) and nobody closed."""
        opened = []
        for item in self.bridge.client.get("/coSpaces?limit=1000").xml().findall("coSpace"):
            detail = self.bridge.client.get("/coSpaces/" + item.get("id")).xml()
            if detail.findtext("nonMemberAccess") == "true":
                opened.append(item.get("id"))
        return opened

    def call_posts(self):
        """POST /calls the bridge received (its trace): calls ever made."""
        return len(re.findall(r'POST for "/api/v1/calls"', self.bridge.trace()))

    def dial_posts(self):
        return len(re.findall(r'POST for "/api/v1/calls/[^/"]+/callLegs"', self.bridge.trace()))

    def assert_exactly_once(self, ids):
        """Each meeting live with one call and one leg; nothing made twice."""
        states = self.states(ids)
        assert all(state == "live" for state in states.values()), states
        assert len(self.calls()) == len(ids), self.calls()
        assert self.call_posts() == len(ids), self.call_posts()
        wait_for(lambda: len(self.legs()) == len(ids), timeout=30,
                 what="one leg per meeting")
        assert self.dial_posts() == len(ids), self.dial_posts()
        assert len(self.open_spaces()) == len(ids)

    def assert_all_closed(self, ids):
        self.end_all(ids)
        assert self.calls() == [], self.calls()
        assert self.open_spaces() == []


def utc_in(seconds):
    """A whole second at least `seconds` from now (UTC)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now + datetime.timedelta(seconds=seconds + 1)


def wait_until(moment):
    """Waits for a wall-clock instant (the meetings' start) by polling."""
    wait_for(lambda: datetime.datetime.now(datetime.timezone.utc) >= moment,
             timeout=max(1.0, (moment - datetime.datetime.now(datetime.timezone.utc))
                         .total_seconds() + 5), interval=0.01, what="the start time")


def monotonic():
    return time.monotonic()


def node_log_mentions(node, text):
    return text in node.log()


def remove_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
