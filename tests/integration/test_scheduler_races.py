"""Checks and the writes that depend on them, raced over real sockets.

A bridge removed (DELETE /bridges/<id>) or its numeric ID range shrunk
(PATCH numericIdQuantity) while other clients book meetings on it at the
same instant must never leave a booking on a bridge that is gone or on a
slot outside the range: either the removal/shrink is refused with 409
because the booking came first, or the booking is refused because the
bridge/slot no longer exists. Many rounds, several booking clients in
parallel, released together by a barrier.

Also: GET /bookings?bridge=<id> returns only that bridge's bookings, and
an unknown query parameter is refused with 400 naming it.
"""

import datetime
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

BASE = 7000
QUANTITY = 10
SHRUNK = 5
ROUNDS = 25
BOOKERS = 4

world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def rfc3339(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


def window(day):
    """A one-hour meeting `day` days from now, at a whole hour."""
    start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=day)).replace(
        minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(hours=1)


def add_bridge(quantity=QUANTITY):
    return world["scheduler"].add_bridge(world["bridge"].url, quantity, name="race",
                                         domain="race.example.com", base=BASE)


def wait_provisioned(bridge_id, quantity):
    harness.wait_provisioned(world["scheduler"].client, bridge_id, quantity)


def race(action, bookings):
    """Runs `action()` and every `bookings[i]()` on threads released at the
    same instant; returns (action result, [booking results])."""
    barrier = threading.Barrier(len(bookings) + 1)
    results = [None] * (len(bookings) + 1)

    def run(index, function):
        barrier.wait()
        results[index] = function()
    threads = [threading.Thread(target=run, args=(0, action))]
    threads += [threading.Thread(target=run, args=(i + 1, f)) for i, f in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results[0], results[1:]


def booker(bridge_id, day, title):
    """A booking call on a client of its own (one connection per thread)."""
    client = harness.JsonClient(world["scheduler"].port)
    start, end = window(day)

    def book():
        try:
            return client.call("POST", "/bookings", {
                "title": title, "start": rfc3339(start), "end": rfc3339(end),
                "bridge": bridge_id})
        finally:
            client.close()
    return book


def setup():
    world["bridge"] = harness.Bridge(extra=["--page-limit", "10"]).start()
    world["scheduler"] = harness.Scheduler(extra=["--poll-interval", "3600",
                                                  "--discovery-interval", "3600"]).start()


def cleanup():
    for key in ("scheduler", "bridge"):
        if world.get(key) is not None:
            world[key].cleanup()


def test_delete_racing_bookings_never_orphans_one():
    orphans, deleted_rounds, refused_rounds = [], 0, 0
    for round_number in range(ROUNDS):
        bridge_id = add_bridge()
        day = 2 + round_number
        deletion_client = harness.JsonClient(world["scheduler"].port)

        def delete():
            try:
                return deletion_client.call("DELETE", "/bridges/" + bridge_id)
            finally:
                deletion_client.close()
        deleted, booked = race(delete, [booker(bridge_id, day, "race %d.%d" % (round_number, i))
                                        for i in range(BOOKERS)])
        made = [reply.json() for reply in booked if reply.status == 201]
        for reply in booked:
            assert reply.status in (201, 400, 404, 409), reply
        if deleted.status == 204:
            deleted_rounds += 1
            # every booking that was accepted must have been refused instead
            for document in made:
                current = api("GET", "/bookings/" + document["id"]).json()
                orphans.append((round_number, current.get("bridge"), current["id"]))
        else:
            assert deleted.status == 409, deleted
            assert made, "delete refused although no booking was accepted: %r" % deleted
            refused_rounds += 1
            for document in made:
                assert document["bridge"] == bridge_id, document
                assert api("DELETE", "/bookings/" + document["id"]).status in (200, 204)
            assert api("DELETE", "/bridges/" + bridge_id).status == 204
    assert not orphans, "bookings accepted on a bridge that was removed: %r" % orphans
    # both outcomes must have happened, or the race was not raced
    print("delete race: %d rounds removed first, %d booked first" % (deleted_rounds,
                                                                        refused_rounds))


def test_shrink_racing_bookings_never_leaves_one_outside_the_range():
    bridge_id = add_bridge()
    outside, outcomes = [], []
    for round_number in range(ROUNDS):
        day = 40 + round_number
        start, end = window(day)
        # slots BASE..BASE+SHRUNK-1 taken, so a new booking lands above them
        fillers = []
        for index in range(SHRUNK):
            reply = api("POST", "/bookings", {"title": "fill %d" % index, "start": rfc3339(start),
                                              "end": rfc3339(end), "bridge": bridge_id})
            assert reply.status == 201, reply
            fillers.append(reply.json()["id"])
        shrink_client = harness.JsonClient(world["scheduler"].port)

        def shrink():
            try:
                return shrink_client.call("PATCH", "/bridges/" + bridge_id,
                                          {"numericIdQuantity": SHRUNK})
            finally:
                shrink_client.close()
        shrunk, booked = race(shrink, [booker(bridge_id, day, "race %d.%d" % (round_number, i))
                                       for i in range(BOOKERS)])
        assert shrunk.status in (200, 409), shrunk
        outcomes.append(shrunk.status)
        made = [reply.json() for reply in booked if reply.status == 201]
        document = api("GET", "/bridges/" + bridge_id).json()
        last = document["numericIdBase"] + document["numericIdQuantity"] - 1
        for booking in made:
            if booking["slot"] > last:
                outside.append((round_number, booking["slot"], last))
        for booking_id in fillers + [booking["id"] for booking in made]:
            assert api("DELETE", "/bookings/" + booking_id).status in (200, 204)
        if shrunk.status == 200:
            reply = api("PATCH", "/bridges/" + bridge_id, {"numericIdQuantity": QUANTITY})
            assert reply.status == 200, reply
        wait_provisioned(bridge_id, QUANTITY)
    assert not outside, "bookings on slots outside the range just shrunk: %r" % outside
    print("shrink race: %d rounds shrunk first, %d booked first" % (outcomes.count(200),
                                                                    outcomes.count(409)))
    world["bridge_id"] = bridge_id


def test_bookings_filtered_by_bridge():
    other_bridge = harness.Bridge().start()
    world["other"] = other_bridge
    try:
        other_id = world["scheduler"].add_bridge(other_bridge.url, 2, name="other",
                                                 domain="other.example.com")
        start, end = window(100)
        ids = {}
        for bridge_id in (world["bridge_id"], other_id):
            reply = api("POST", "/bookings", {"title": "on " + bridge_id, "start": rfc3339(start),
                                              "end": rfc3339(end), "bridge": bridge_id})
            assert reply.status == 201, reply
            ids[bridge_id] = reply.json()["id"]
        query = "from=%s&to=%s" % (rfc3339(start).replace("+", "%2B"),
                                   rfc3339(end).replace("+", "%2B"))
        everything = api("GET", "/bookings?" + query).json()["bookings"]
        assert {b["id"] for b in everything} == set(ids.values()), everything
        for bridge_id, booking_id in ids.items():
            listing = api("GET", "/bookings?bridge=%s&%s" % (bridge_id, query)).json()
            assert [b["id"] for b in listing["bookings"]] == [booking_id], listing
        reply = api("GET", "/bookings?bridge=%s&%s" % ("0" * 8 + "-0000-4000-8000-" + "0" * 12,
                                                       query))
        assert reply.status == 400 and reply.json()["error"]["details"]["field"] == "bridge", reply
    finally:
        other_bridge.cleanup()


def test_unknown_query_parameters_are_refused_naming_them():
    for path in ("/bookings?color=red", "/bridges?color=red", "/bridges/%s?color=red"
                 % world["bridge_id"], "/bookings?from=2030-01-01T00:00:00Z&bridges=x"):
        reply = api("GET", path)
        assert reply.status == 400, (path, reply)
        field = reply.json()["error"]["details"]["field"]
        assert field == ("bridges" if "bridges=" in path else "color"), (path, reply)


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
