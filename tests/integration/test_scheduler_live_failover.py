"""Live settings survive a failover: a meeting locked, given a layout and
with participants muted through convened's live control, whose primary
bridge node then stops, is made again through the alternate address with
the same settings (checked on the alternate over the bridge's own API):
the new call locked, every dial-out's new leg muted and laid out as the
booking shows; a participant nobody muted is left unmuted.

Real processes: a two-node convene-bridge cluster sharing one data
directory (the alternate address is the second node) and convened.
"""

import datetime
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import participant, rfc3339, utc_now, wait_for  # noqa: E402

SLOTS = 2
BRIDGE_EXTRA = ["--ring-ms", "200"]
SCHEDULER_EXTRA = ["--log-level", "debug", "--poll-interval", "3600",
                   "--discovery-interval", "3600"]

world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def booking(booking_id):
    return world["scheduler"].booking(booking_id)


def space_of(bridge, booking_id):
    slot = str(booking(booking_id)["slot"])
    for space in bridge.get_xml("/coSpaces").findall("coSpace"):
        if space.findtext("callId") == slot:
            return space.get("id")
    raise AssertionError("no space for slot %s" % slot)


def calls_on(bridge, space_id):
    root = bridge.get_xml("/calls?coSpaceFilter=" + space_id)
    return [call.get("id") for call in root.findall("call")]


def legs_by_party(bridge, call_id):
    root = bridge.get_xml("/calls/%s/callLegs" % call_id)
    return {leg.findtext("remoteParty"): leg.get("id") for leg in root.findall("callLeg")}


def leg_settings(bridge, leg_id):
    configuration = bridge.get_xml("/callLegs/" + leg_id).find("configuration")
    assert configuration is not None
    return {child.tag: (child.text or "") for child in configuration}


def all_connected(booking_id, uris):
    def check():
        document = booking(booking_id)
        return document if document["state"] == "live" and all(
            participant(document, uri)["state"] == "connected" for uri in uris) else None
    return check


def setup():
    harness.scheduler_with_bridge_pair(world, SLOTS, BRIDGE_EXTRA, SCHEDULER_EXTRA)


def cleanup():
    harness.cleanup_bridge_pair(world)


def test_live_settings_are_applied_to_the_call_made_again_after_a_failover():
    primary, alternate = world["a"], world["b"]
    start = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": "Controlled, then failed over", "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(hours=1)),
        "participants": [{"uri": "good@ep.example.com", "dial": "out"},
                         {"uri": "room@ep.example.com", "dial": "out"}]})
    assert reply.status == 201, reply
    meeting = reply.json()["id"]
    people = ["good@ep.example.com", "room@ep.example.com"]
    wait_for(all_connected(meeting, people), timeout=20, what="the meeting live on the primary")
    space_id = space_of(primary, meeting)
    [old_call] = calls_on(primary, space_id)

    # the settings in force: the call locked with a layout, everyone's
    # video muted, one participant's audio muted with a layout of their own
    reply = api("PATCH", "/bookings/%s/live" % meeting,
                {"locked": True, "layout": "allEqualQuarters", "videoMuted": True})
    assert reply.status == 200, reply
    path = "/bookings/%s/participants/%s" % (meeting, urllib.parse.quote("good@ep.example.com",
                                                                         safe=""))
    reply = api("PATCH", path, {"audioMuted": True, "layout": "speakerOnly"})
    assert reply.status == 200, reply
    assert primary.get_xml("/calls/" + old_call).findtext("locked") == "true"

    primary.stop()
    try:
        def new_call():
            calls = calls_on(alternate, space_id)
            return calls if calls and calls != [old_call] else None
        [call] = wait_for(new_call, timeout=40, what="the call made again through the alternate")
        wait_for(all_connected(meeting, people), timeout=30,
                 what="the participants dialled again through the alternate")
        assert alternate.get_xml("/calls/" + call).findtext("locked") == "true"
        legs = legs_by_party(alternate, call)
        good = leg_settings(alternate, legs["good@ep.example.com"])
        assert good["rxAudioMute"] == "true", good
        assert good["rxVideoMute"] == "true", good
        assert good["chosenLayout"] == "speakerOnly", good
        assert good["defaultLayout"] == "allEqualQuarters", good
        room = leg_settings(alternate, legs["room@ep.example.com"])
        assert room["rxAudioMute"] == "false", room
        assert room["rxVideoMute"] == "true", room
        assert room["defaultLayout"] == "allEqualQuarters", room
        # what the booking shows is what is in force
        document = booking(meeting)
        assert document["live"] == {"locked": True, "layout": "allEqualQuarters"}, document
        assert participant(document, "good@ep.example.com")["audioMuted"] is True
    finally:
        primary.start()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
