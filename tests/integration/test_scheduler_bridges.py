"""convened bridge management against a real two-node convene-bridge
cluster: add -> settings tickets -> settings -> tickets cleared -> slots
provisioned (the bridge holds exactly the expected coSpaces) -> cluster
discovered -> adding a member refused -> a failed bulk sync ticket ->
Unreachable / Authentication tickets open and clear -> restart keeps state
-> remove -> another member takes over the provisioned slots.

Runs the steps in order against one set of daemons (started on first use).
"""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import ADMIN, Bridge, Scheduler, free_port, wait_for  # noqa: E402

SLOT_PREFIX = "TMS_Scheduled_Meeting_"
BASE = 1000


class World:
    """The daemons under test, shared by the steps."""
    core1 = None
    core2 = None
    scheduler = None
    bridge_id = None


def start_cluster():
    port1, port2 = free_port(), free_port()
    World.core1 = Bridge(name="CallBridge-Core1", port=port1,
                         peers=["CallBridge-Core2=http://127.0.0.1:%d" % port2])
    World.core2 = Bridge(data_dir=World.core1.data_dir, name="CallBridge-Core2", port=port2,
                         peers=["CallBridge-Core1=http://127.0.0.1:%d" % port1])
    World.core1.start()
    World.core2.start()


def restart_core1(users=(ADMIN,)):
    """Core1 again on its port and data, possibly with other API users."""
    old = World.core1
    if old.alive():
        old.stop()
    World.core1 = Bridge(data_dir=old.data_dir, name="CallBridge-Core1", port=old.port,
                         peers=["CallBridge-Core2=http://127.0.0.1:%d" % World.core2.port],
                         users=users)
    World.core1.own_dir = True  # it removes the shared directory at the end
    World.core1.client.credentials = tuple(users[0])
    World.core1.start()


def api(method, path, document=None, **kwargs):
    return World.scheduler.api(method, path, document, **kwargs)


def bridge():
    reply = api("GET", "/bridges/" + World.bridge_id)
    assert reply.status == 200, reply
    return reply.json()


def ticket_kinds(document):
    return sorted(ticket["kind"] for ticket in document["tickets"])


def assert_error(reply, status, field=None):
    assert reply.status == status, reply
    error = reply.json()["error"]
    assert error["code"] and error["message"], error
    if field is not None:
        assert error["details"]["field"] == field, error
    return error


def cms_collection(node, path, element):
    """Every element of a CMS collection on a bridge, all pages."""
    found, offset = [], 0
    while True:
        reply = node.client.get("%s?offset=%d" % (path, offset))
        assert reply.status == 200, reply
        root = reply.xml()
        page = root.findall(element)
        found += page
        offset += len(page)
        if not page or offset >= int(root.get("total", "0")):
            return found


def setup():
    start_cluster()
    World.scheduler = Scheduler(extra=["--poll-interval", "1", "--discovery-interval", "2",
                                       "--cms-timeout-ms", "3000",
                                       "--cms-connect-timeout-ms", "1000"])
    World.scheduler.start()


def test_add_bridge_shows_settings_tickets():
    setup()
    reply = api("POST", "/bridges", {"address": World.core1.url, "username": ADMIN[0],
                                     "password": ADMIN[1]})
    assert reply.status == 201, reply
    document = reply.json()
    World.bridge_id = document["id"]
    assert document["address"] == World.core1.url
    assert document["reachable"] is True
    assert document["softwareVersion"], document
    assert document["tlsVerify"] is True
    assert document["slotNamePrefix"] == SLOT_PREFIX
    assert document["allowBooking"] is True
    assert document["slots"] == {"total": 0, "provisioned": 0}
    assert "password" not in document and "alternatePassword" not in document
    assert ticket_kinds(document) == ["Blank System Name", "Dial Number Configuration Error"]
    for ticket in document["tickets"]:
        assert set(ticket) >= {"id", "bridge", "kind", "message", "opened"}, ticket
        assert ticket["bridge"] == World.bridge_id

    tickets = api("GET", "/tickets").json()
    assert sorted(t["kind"] for t in tickets) == ["Blank System Name",
                                                  "Dial Number Configuration Error"]
    one = api("GET", "/tickets/" + tickets[0]["id"])
    assert one.status == 200 and one.json()["id"] == tickets[0]["id"], one
    listed = api("GET", "/bridges").json()
    assert [b["id"] for b in listed] == [World.bridge_id]


def test_bad_requests_are_refused_with_the_field():
    assert_error(api("POST", "/bridges", {"address": World.core2.url, "username": "admin"}),
                 400, "password")
    assert_error(api("POST", "/bridges", {"address": "ftp://x", "username": "a",
                                          "password": "b"}), 400, "address")
    assert_error(api("POST", "/bridges", {"address": "h", "username": "a", "password": "b",
                                          "colour": "red"}), 400, "colour")
    assert_error(api("POST", "/bridges", {"address": 5, "username": "a", "password": "b"}),
                 400, "address")
    reply = World.scheduler.client.request("POST", "/api/v1/bridges", body="{not json",
                                           headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "body")
    assert_error(api("PATCH", "/bridges/" + World.bridge_id, {"numericIdQuantity": 0}), 400,
                 "numericIdQuantity")
    assert_error(api("PATCH", "/bridges/" + World.bridge_id, {"domain": "bad domain"}), 400,
                 "domain")
    assert_error(api("PATCH", "/bridges/" + World.bridge_id,
                     {"numericIdBase": 999999999999, "numericIdQuantity": 2}), 400,
                 "numericIdQuantity")
    assert_error(api("PATCH", "/bridges/" + World.bridge_id, {"slotNamePrefix": "a$b"}), 400,
                 "slotNamePrefix")
    assert_error(api("GET", "/bridges/" + str(uuid.uuid4())), 404)
    assert_error(api("GET", "/nothing"), 404)
    assert_error(api("PUT", "/bridges"), 405)
    unauthorised = api("GET", "/bridges", credentials=("admin", "wrong"))
    assert unauthorised.status == 401, unauthorised
    assert api("GET", "/bridges", credentials=None).status == 401

    # Nobody listens there: 503 naming the address.
    dead = "http://127.0.0.1:%d" % free_port()
    error = assert_error(api("POST", "/bridges", {"address": dead, "username": "a",
                                                  "password": "b"}), 503)
    assert error["details"]["address"] == dead, error
    assert [b["id"] for b in api("GET", "/bridges").json()] == [World.bridge_id]


def test_settings_clear_the_tickets():
    reply = api("PATCH", "/bridges/" + World.bridge_id,
                {"name": "Core1", "domain": "video.example.com", "numericIdBase": BASE,
                 "numericIdQuantity": 5})
    assert reply.status == 200, reply
    document = reply.json()
    assert document["tickets"] == [], document["tickets"]
    assert document["name"] == "Core1"
    assert document["domain"] == "video.example.com"
    assert document["numericIdBase"] == BASE and document["numericIdQuantity"] == 5
    assert document["slots"]["total"] == 5
    assert api("GET", "/tickets").json() == []


def expected_spaces(quantity):
    return {str(index): SLOT_PREFIX + str(index) for index in range(BASE, BASE + quantity)}


def spaces_on_bridge():
    spaces = {}
    for space in cms_collection(World.core1, "/coSpaces", "coSpace"):
        call_id = space.findtext("callId")
        assert call_id not in spaces, "two coSpaces with call ID %s" % call_id
        spaces[call_id] = space.findtext("name")
        assert space.findtext("uri") == call_id, (call_id, space.findtext("uri"))
    return spaces


def test_slots_are_provisioned():
    wait_for(lambda: bridge()["slots"]["provisioned"] == 5, timeout=20,
             what="5 slots provisioned")
    assert bridge()["provisioning"] == "complete"
    assert spaces_on_bridge() == expected_spaces(5)
    assert len(cms_collection(World.core1, "/callProfiles", "callProfile")) == 1
    assert len(cms_collection(World.core1, "/callLegProfiles", "callLegProfile")) == 1
    sets = cms_collection(World.core1, "/cospaceBulkParameterSets", "cospaceBulkParameterSet")
    assert len(sets) == 1
    trace = World.core1.trace()
    assert "participantLimit=1000" in trace and "messageBoardEnabled=false" in trace
    assert "defaultLayout=telepresence" in trace and "videoMuteSelfAllowed=true" in trace
    assert "coSpaceNameMapping=%s$index$" % SLOT_PREFIX in trace
    assert "startIndex=%d" % BASE in trace and "endIndex=%d" % (BASE + 4) in trace
    assert "nonMemberAccess=false" in trace
    # convened traces what it asked, in the bridge's shape.
    own = World.scheduler.trace()
    assert 'POST for "/api/v1/cospaceBulkSyncs"' in own, own[-2000:]
    assert "received 200 response" in own


def test_growing_the_range_reuses_the_profiles():
    reply = api("PATCH", "/bridges/" + World.bridge_id, {"numericIdQuantity": 7})
    assert reply.status == 200, reply
    wait_for(lambda: bridge()["slots"]["provisioned"] == 7, timeout=20,
             what="7 slots provisioned")
    assert spaces_on_bridge() == expected_spaces(7)
    assert len(cms_collection(World.core1, "/callProfiles", "callProfile")) == 1
    assert len(cms_collection(World.core1, "/callLegProfiles", "callLegProfile")) == 1
    assert len(cms_collection(World.core1, "/cospaceBulkParameterSets",
                              "cospaceBulkParameterSet")) == 1


def test_a_range_that_drops_a_booked_slot_is_refused():
    harness.scheduler_sql(
        World.scheduler.data_dir,
        "INSERT INTO bookings (id, title, start_at, end_at, bridge_id, slot, state, created,"
        " updated) VALUES ('booking-in-slot-1006', 'Board', 4102444800, 4102448400, ?, 1006,"
        " 'scheduled', 0, 0)", (World.bridge_id,))
    try:
        reply = api("PATCH", "/bridges/" + World.bridge_id, {"numericIdQuantity": 5})
        error = assert_error(reply, 409)
        conflicts = error["details"]["conflicts"]
        assert conflicts == [{"booking": "booking-in-slot-1006", "title": "Board",
                              "slot": 1006}], conflicts
        assert bridge()["numericIdQuantity"] == 7
        assert_error(api("DELETE", "/bridges/" + World.bridge_id), 409)
    finally:
        harness.scheduler_sql(World.scheduler.data_dir,
                              "DELETE FROM bookings WHERE id = 'booking-in-slot-1006'")


def test_a_failed_bulk_sync_opens_a_ticket_until_it_succeeds():
    # Someone else's space already uses call ID 2002 on the bridge.
    squatter = World.core1.client.create("/coSpaces", {"name": "Not a slot", "uri": "2002",
                                                       "callId": "2002"})
    reply = api("PATCH", "/bridges/" + World.bridge_id,
                {"numericIdBase": 2000, "numericIdQuantity": 5})
    assert reply.status == 200, reply

    def failed():
        document = bridge()
        return document["provisioning"] == "failed" and \
            "Slot provisioning failed" in ticket_kinds(document)
    wait_for(failed, timeout=20, what="the Slot provisioning failed ticket")
    ticket = [t for t in bridge()["tickets"] if t["kind"] == "Slot provisioning failed"][0]
    assert "failedCallIdConflict" in ticket["message"] or \
        "failedCoSpaceUriConflict" in ticket["message"], ticket

    assert World.core1.client.delete("/coSpaces/" + squatter).status == 200
    assert api("POST", "/bridges/%s/refresh" % World.bridge_id).status == 202
    wait_for(lambda: bridge()["provisioning"] == "complete" and bridge()["tickets"] == [],
             timeout=20, what="provisioning to succeed again")
    document = bridge()
    assert document["slots"] == {"total": 5, "provisioned": 5}, document["slots"]
    spaces = spaces_on_bridge()
    assert spaces == {str(i): SLOT_PREFIX + str(i) for i in range(2000, 2005)}, spaces


def test_cluster_is_discovered():
    cluster = bridge()["cluster"]
    by_name = {member["name"]: member for member in cluster}
    assert set(by_name) == {"CallBridge-Core1", "CallBridge-Core2"}, cluster
    assert by_name["CallBridge-Core1"]["added"] is True
    assert by_name["CallBridge-Core2"]["added"] is False
    assert by_name["CallBridge-Core2"]["address"] == World.core2.url
    trace = World.core1.trace()
    assert 'GET for "/api/v1/callBridges"' in trace


def test_adding_a_cluster_member_is_refused():
    for address in (World.core2.url, "127.0.0.1:%d" % World.core2.port):
        error = assert_error(api("POST", "/bridges", {"address": address, "username": ADMIN[0],
                                                      "password": ADMIN[1]}), 409)
        assert "Core1" in error["message"], error
        assert error["details"]["conflicts"][0]["bridge"] == World.bridge_id, error
    error = assert_error(api("POST", "/bridges", {"address": World.core1.url,
                                                  "username": ADMIN[0],
                                                  "password": ADMIN[1]}), 409)
    assert World.bridge_id in error["message"]
    assert len(api("GET", "/bridges").json()) == 1


def test_unreachable_ticket_opens_and_clears():
    World.core1.stop()

    def unreachable():
        document = bridge()
        return document["reachable"] is False and "Unreachable" in ticket_kinds(document)
    wait_for(unreachable, timeout=20, what="the Unreachable ticket")
    ticket = [t for t in bridge()["tickets"] if t["kind"] == "Unreachable"][0]
    assert World.core1.url in ticket["message"], ticket
    restart_core1()
    wait_for(lambda: bridge()["tickets"] == [] and bridge()["reachable"], timeout=20,
             what="the Unreachable ticket to clear")


def test_authentication_ticket_opens_and_clears():
    restart_core1(users=[("admin", "rotated-password")])
    wait_for(lambda: ticket_kinds(bridge()) == ["Authentication failed"], timeout=20,
             what="the Authentication failed ticket")
    # The administrator enters the new password: checked, stored, cleared.
    assert_error(api("PATCH", "/bridges/" + World.bridge_id, {"password": "still-wrong"}),
                 400, "password")
    reply = api("PATCH", "/bridges/" + World.bridge_id, {"password": "rotated-password"})
    assert reply.status == 200, reply
    wait_for(lambda: bridge()["tickets"] == [], timeout=20,
             what="the Authentication ticket to clear")


def test_restart_keeps_the_bridge():
    World.scheduler.stop()
    World.scheduler = Scheduler(data_dir=World.scheduler.data_dir,
                                extra=["--poll-interval", "1"])
    World.scheduler.own_dir = True
    World.scheduler.start()
    document = bridge()
    assert document["name"] == "Core1" and document["slots"]["provisioned"] == 5
    assert len(document["cluster"]) == 2


def test_remove_the_bridge():
    reply = api("DELETE", "/bridges/" + World.bridge_id)
    assert reply.status == 204, reply
    assert_error(api("GET", "/bridges/" + World.bridge_id), 404)
    assert api("GET", "/bridges").json() == []
    assert api("GET", "/tickets").json() == []
    # Once it is gone, Core2 may be added on its own.
    reply = api("POST", "/bridges", {"address": World.core2.url, "username": ADMIN[0],
                                     "password": ADMIN[1], "name": "Core2"})
    assert reply.status == 201, reply
    assert ticket_kinds(reply.json()) == ["Dial Number Configuration Error"]


def test_taking_over_provisioned_slots_reuses_everything():
    """Core2 shares Core1's configuration (one cluster): a new bridge record
    with the same prefix and range adopts the profiles and the parameter
    set it finds instead of making new ones."""
    core2 = [b for b in api("GET", "/bridges").json() if b["name"] == "Core2"][0]
    reply = api("PATCH", "/bridges/" + core2["id"],
                {"domain": "video.example.com", "numericIdBase": 2000, "numericIdQuantity": 5})
    assert reply.status == 200, reply
    wait_for(lambda: api("GET", "/bridges/" + core2["id"]).json()["provisioning"] == "complete",
             timeout=20, what="Core2 provisioned")
    assert len(cms_collection(World.core2, "/callProfiles", "callProfile")) == 1
    assert len(cms_collection(World.core2, "/callLegProfiles", "callLegProfile")) == 1
    assert len(cms_collection(World.core2, "/cospaceBulkParameterSets",
                              "cospaceBulkParameterSet")) == 1
    assert spaces_on_bridge() == {str(i): SLOT_PREFIX + str(i) for i in range(2000, 2005)}


def cleanup():
    harness.cleanup_daemons(World.scheduler, World.core2, World.core1)


if __name__ == "__main__":
    harness.run_module(globals(), cleanup=cleanup)
