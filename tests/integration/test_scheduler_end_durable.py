"""POST /bookings/<id>/end is kept once it is answered 202.

The end of a live meeting waits behind whatever the lifecycle is doing on
that booking at the time (one job per booking at once). Here a proxy
between convened and convene-bridge keeps the refresh that a change of
title sends (PUT /coSpaces/<id>) on the wire, so the end asked for next
cannot run; convened is then stopped cleanly and started again. The
meeting must end after the restart: the 202 was an answer, and an answer
is not lost in a restart.
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from bridge_proxy import HoldingProxy  # noqa: E402
from harness import wait_for  # noqa: E402

# No poll or discovery of their own during the test; a request to the
# bridge gives up after 4 s (the held one must not delay the stop long).
SCHEDULER_EXTRA = ["--poll-interval", "3600", "--discovery-interval", "3600",
                   "--cms-timeout-ms", "4000"]

world = {}


class QuietHoldingProxy(HoldingProxy):
    """The held answer goes to a convened that was stopped meanwhile: its
    broken pipe is expected, not worth a traceback."""

    def handle_error(self, request, client_address):
        pass


def space_put(handler):
    return handler.command == "PUT" and handler.path.startswith("/api/v1/coSpaces/")


def hold_next_put():
    """Arms the proxy afresh: the next PUT of a space waits until release()."""
    proxy = world["proxy"]
    proxy.held.clear()
    proxy.released.clear()
    proxy.hold_next()


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def state_stored(booking_id):
    rows = harness.scheduler_sql(world["scheduler"].data_dir,
                                 "SELECT state FROM bookings WHERE id = ?", (booking_id,))
    return rows[0][0] if rows else None


def book_live(title, uri):
    """Books an hour-long meeting starting in 2 s with one dial-in
    participant and waits until it is live; returns its ID."""
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": title, "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=1)).isoformat(),
        "participants": [{"uri": uri, "dial": "in"}]})
    assert reply.status == 201, reply
    booking_id = reply.json()["id"]
    wait_for(lambda: world["scheduler"].booking(booking_id)["state"] == "live", timeout=20,
             what="the meeting to go live")
    return booking_id


def setup():
    bridge = harness.Bridge().start()
    world["bridge"] = bridge
    world["proxy"] = QuietHoldingProxy(bridge.port, space_put)
    world["scheduler"] = harness.Scheduler(extra=SCHEDULER_EXTRA).start()
    world["scheduler"].add_bridge(world["proxy"].url, 2, name="held")


def cleanup():
    if world.get("proxy") is not None:
        world["proxy"].release()
        world["proxy"].shutdown()
    for key in ("scheduler", "bridge"):
        if world.get(key) is not None:
            world[key].cleanup()


def test_an_end_answered_202_survives_a_stop_before_it_ran():
    bridge, proxy = world["bridge"], world["proxy"]
    booking_id = book_live("Ends after a restart", "room@ep.example.com")
    assert len(bridge.client.get("/calls").xml().findall("call")) == 1

    # the refresh of a new title waits on the wire, the booking busy
    hold_next_put()
    reply = api("PATCH", "/bookings/" + booking_id, {"title": "Renamed while live"})
    assert reply.status == 200, reply
    assert proxy.held.wait(10), "the refresh never reached the bridge"

    reply = api("POST", "/bookings/%s/end" % booking_id)
    assert reply.status == 202, reply
    assert reply.json()["state"] == "ending", reply
    # stored before the answer, not when the end job gets to it
    assert state_stored(booking_id) == "ending"

    scheduler = world["scheduler"]
    scheduler.stop()
    proxy.release()
    assert state_stored(booking_id) == "ending"
    restarted = harness.Scheduler(data_dir=scheduler.data_dir, port=scheduler.port,
                                  extra=SCHEDULER_EXTRA).start()
    world["scheduler"] = restarted
    wait_for(lambda: restarted.booking(booking_id)["state"] == "ended", timeout=20,
             what="the meeting to end after the restart")
    assert bridge.client.get("/calls").xml().findall("call") == []
    assert api("POST", "/bookings/%s/end" % booking_id).status == 409


def test_a_second_end_while_ending_is_accepted():
    booking_id = book_live("Ended twice", "twice@ep.example.com")
    proxy = world["proxy"]
    hold_next_put()
    assert api("PATCH", "/bookings/" + booking_id, {"title": "Held"}).status == 200
    assert proxy.held.wait(10), "the refresh never reached the bridge"
    first = api("POST", "/bookings/%s/end" % booking_id)
    second = api("POST", "/bookings/%s/end" % booking_id)
    assert first.status == 202 and second.status == 202, (first, second)
    assert second.json()["state"] == "ending", second
    proxy.release()
    wait_for(lambda: world["scheduler"].booking(booking_id)["state"] == "ended", timeout=20,
             what="the meeting to end")


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
