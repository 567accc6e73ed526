"""Live control of a running meeting through convened's API, checked on
convene-bridge over the bridge's own API: a participant added (dialled out
at once, kept in the booking), one muted and given a layout (PUT
/callLegs/<id>), everyone's video muted and layout set (PUT
/calls/<id>/participants/*), the call locked and a message shown (PUT
/calls/<id>), a participant dropped (the leg deleted and never dialled
again by the polls), a participant added and dropped before the start,
the end-of-meeting warning shown on the call (--end-warning-minutes), and
bad requests refused naming the field without changing anything.
"""

import datetime
import os
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import participant, rfc3339, utc_now, wait_for  # noqa: E402

SLOTS = 2
SCHEDULER_EXTRA = ["--log-level", "debug", "--poll-interval", "3600",
                   "--discovery-interval", "3600", "--end-warning-minutes", "1"]

world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def booking(booking_id):
    return world["scheduler"].booking(booking_id)


def participant_path(booking_id, uri):
    return "/bookings/%s/participants/%s" % (booking_id, urllib.parse.quote(uri, safe=""))


def bridge_get(path):
    return world["bridge"].get_xml(path)


def legs_by_party():
    """remoteParty -> leg ID of the meeting's call on the bridge."""
    root = bridge_get("/calls/%s/callLegs" % world["call"])
    return {leg.findtext("remoteParty"): leg.get("id") for leg in root.findall("callLeg")}


def leg_settings(leg_id):
    root = bridge_get("/callLegs/" + leg_id)
    configuration = root.find("configuration")
    assert configuration is not None, root
    return {child.tag: (child.text or "") for child in configuration}


def connected(booking_id, uri):
    def check():
        document = booking(booking_id)
        return document if participant(document, uri)["state"] == "connected" else None
    return wait_for(check, timeout=15, what="%s to be connected" % uri)


def setup():
    harness.scheduler_with_bridge(
        world, SLOTS, bridge_extra=["--no-answer-party", "silent*", "--ring-ms", "200"],
        scheduler_extra=SCHEDULER_EXTRA)
    start = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": "Live control", "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(hours=1)),
        "participants": [{"uri": "good@ep.example.com", "dial": "out"},
                         {"uri": "room@ep.example.com", "dial": "out"},
                         {"uri": "in@ep.example.com", "dial": "in"}]})
    assert reply.status == 201, reply
    world["meeting"] = reply.json()["id"]
    document = connected(world["meeting"], "good@ep.example.com")
    connected(world["meeting"], "room@ep.example.com")
    # the meeting's call, found through its space's call ID
    for space in bridge_get("/coSpaces").findall("coSpace"):
        if space.findtext("callId") == str(document["slot"]):
            calls = bridge_get("/calls?coSpaceFilter=" + space.get("id")).findall("call")
            assert len(calls) == 1
            world["call"] = calls[0].get("id")
    assert "call" in world


def cleanup():
    for key in ("scheduler", "bridge"):
        process = world.get(key)
        if process is not None:
            process.cleanup()


def test_bad_requests_name_the_field_and_change_nothing():
    meeting = world["meeting"]
    before = booking(meeting)
    cases = [
        ("POST", "/bookings/%s/participants" % meeting, {"uri": "not a uri"}, "uri"),
        ("POST", "/bookings/%s/participants" % meeting,
         {"uri": "x@ep.example.com", "dial": "sideways"}, "dial"),
        ("POST", "/bookings/%s/participants" % meeting,
         {"uri": "x@ep.example.com", "colour": "red"}, "colour"),
        ("PATCH", participant_path(meeting, "good@ep.example.com"), {"layout": "bogus"}, "layout"),
        ("PATCH", participant_path(meeting, "good@ep.example.com"), {"audioMuted": "yes"},
         "audioMuted"),
        ("PATCH", "/bookings/%s/live" % meeting, {"locked": 1}, "locked"),
        ("PATCH", "/bookings/%s/live" % meeting, {"messageSeconds": 10}, "messageSeconds"),
        ("PATCH", "/bookings/%s/live" % meeting, {"message": "x" * 3000}, "message"),
    ]
    for method, path, body, field in cases:
        reply = api(method, path, body)
        assert reply.status == 400, (path, body, reply)
        assert reply.json()["error"]["details"]["field"] == field, reply
    reply = api("PATCH", participant_path(meeting, "nobody@ep.example.com"), {"audioMuted": True})
    assert reply.status == 404, reply
    # a dial-in participant who has not joined has no leg to mute
    reply = api("PATCH", participant_path(meeting, "in@ep.example.com"), {"audioMuted": True})
    assert reply.status == 409, reply
    reply = api("POST", "/bookings/%s/participants" % meeting, {"uri": "GOOD@ep.example.com"})
    assert reply.status == 409, reply
    assert booking(meeting)["participants"] == before["participants"]
    assert booking(meeting)["live"] == {"locked": False, "layout": None}


def test_add_participant_dials_out_now_and_keeps_them():
    meeting = world["meeting"]
    reply = api("POST", "/bookings/%s/participants" % meeting,
                {"uri": "late@ep.example.com", "dial": "out"})
    assert reply.status == 201, reply
    added = participant(reply.json(), "late@ep.example.com")
    assert added["dial"] == "out" and added["state"] in ("dialing", "ringing", "connected"), added
    connected(meeting, "late@ep.example.com")
    assert "late@ep.example.com" in legs_by_party()


def test_mute_and_layout_of_one_participant():
    meeting = world["meeting"]
    stream = harness.EventStream(world["scheduler"].port)
    try:
        assert stream.status == 200, stream.status
        reply = api("PATCH", participant_path(meeting, "sip:GOOD@ep.example.com"),
                    {"audioMuted": True, "layout": "speakerOnly"})
        assert reply.status == 200, reply
        # the change reaches GET /api/v1/events as the booking changed
        def muted_event(event):
            body = event.get("json", {})
            people = body.get("booking", {}).get("participants", [])
            return (event.get("event") == "booking.changed" and body.get("bookingId") == meeting
                    and any(p.get("audioMuted") for p in people))
        stream.wait_event(muted_event, "a booking.changed event with the participant muted")
    finally:
        stream.close()
    entry = participant(reply.json(), "good@ep.example.com")
    assert entry["audioMuted"] is True and entry["videoMuted"] is False, entry
    assert entry["layout"] == "speakerOnly", entry
    legs = legs_by_party()
    settings = leg_settings(legs["good@ep.example.com"])
    assert settings["rxAudioMute"] == "true" and settings["rxVideoMute"] == "false", settings
    assert settings["chosenLayout"] == "speakerOnly", settings
    # the others are untouched
    assert leg_settings(legs["room@ep.example.com"])["rxAudioMute"] == "false"
    # unmute again
    reply = api("PATCH", participant_path(meeting, "good@ep.example.com"), {"audioMuted": False})
    assert reply.status == 200, reply
    assert leg_settings(legs["good@ep.example.com"])["rxAudioMute"] == "false"
    assert participant(booking(meeting), "good@ep.example.com")["audioMuted"] is False


def test_mute_everyone_lock_layout_and_message_on_the_call():
    meeting = world["meeting"]
    reply = api("PATCH", "/bookings/%s/live" % meeting, {
        "locked": True, "layout": "allEqualQuarters", "videoMuted": True,
        "message": "This meeting ends in 5 minutes", "messageSeconds": 60})
    assert reply.status == 200, reply
    document = reply.json()
    assert document["live"] == {"locked": True, "layout": "allEqualQuarters"}, document
    for entry in document["participants"]:
        assert entry["videoMuted"] is True, entry
    call = bridge_get("/calls/" + world["call"])
    assert call.findtext("locked") == "true"
    assert call.findtext("messageText") == "This meeting ends in 5 minutes"
    assert call.findtext("messageDuration") == "60"
    for party, leg_id in legs_by_party().items():
        settings = leg_settings(leg_id)
        assert settings["rxVideoMute"] == "true", (party, settings)
        assert settings["defaultLayout"] == "allEqualQuarters", (party, settings)
    # the setting survives a reload of the booking
    assert booking(meeting)["live"]["locked"] is True
    # unlock and take the message down
    reply = api("PATCH", "/bookings/%s/live" % meeting, {"locked": False, "message": None})
    assert reply.status == 200, reply
    call = bridge_get("/calls/" + world["call"])
    assert call.findtext("locked") == "false"
    assert call.findtext("messageDuration") == "0"
    assert reply.json()["live"]["locked"] is False


def polls_seen():
    """How many times convened has listed the call's legs (its polls)."""
    path = "/calls/%s/callLegs" % world["call"]
    return sum(1 for line in world["scheduler"].trace().splitlines()
               if "GET" in line and path in line)


def dial_outs_to(uri):
    return sum(1 for line in world["bridge"].trace().splitlines()
               if "remoteParty=" + urllib.parse.quote(uri, safe="") in line
               or "remoteParty=" + uri in line)


def test_drop_hangs_up_and_is_not_redialled():
    meeting = world["meeting"]
    leg_id = legs_by_party()["room@ep.example.com"]
    dialled = dial_outs_to("room@ep.example.com")
    assert dialled >= 1  # the trace shows the dial-out of the start
    reply = api("DELETE", participant_path(meeting, "room@ep.example.com"))
    assert reply.status == 200, reply
    assert participant(reply.json(), "room@ep.example.com")["state"] == "dropped"
    assert world["bridge"].client.get("/callLegs/" + leg_id).status == 404
    assert "room@ep.example.com" not in legs_by_party()
    # several polls later: still dropped, never dialled again
    seen = polls_seen()
    wait_for(lambda: polls_seen() >= seen + 2, timeout=20, what="two more polls")
    assert participant(booking(meeting), "room@ep.example.com")["state"] == "dropped"
    assert dial_outs_to("room@ep.example.com") == dialled
    assert "room@ep.example.com" not in legs_by_party()


def test_end_of_meeting_warning_on_the_call():
    # a meeting of 70 s: warned 60 s before its end (10 s after its start)
    start = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    end = start + datetime.timedelta(seconds=70)
    reply = api("POST", "/bookings", {"title": "Short", "start": rfc3339(start),
                                      "end": rfc3339(end)})
    assert reply.status == 201, reply
    short = reply.json()["id"]
    slot = None

    def live():
        document = booking(short)
        return document if document["state"] == "live" else None
    slot = str(wait_for(live, timeout=15, what="the short meeting to be live")["slot"])
    space = [s.get("id") for s in bridge_get("/coSpaces").findall("coSpace")
             if s.findtext("callId") == slot][0]
    call = bridge_get("/calls?coSpaceFilter=" + space).find("call").get("id")
    assert bridge_get("/calls/" + call).findtext("messageText") in (None, ""), "warned too early"

    def warned():
        root = bridge_get("/calls/" + call)
        return root if root.findtext("messageText") else None
    root = wait_for(warned, timeout=20, what="the end-of-meeting warning")
    assert root.findtext("messageText") == "This meeting ends in 1 minute", root
    assert root.findtext("messageDuration") == "60"
    assert utc_now() >= end - datetime.timedelta(seconds=61), "warned too early"
    assert api("POST", "/bookings/%s/end" % short).status == 202


def test_add_and_remove_before_the_start():
    start = utc_now().replace(microsecond=0) + datetime.timedelta(days=1)
    reply = api("POST", "/bookings", {
        "title": "Later", "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(hours=1)),
        "participants": [{"uri": "a@ep.example.com"}]})
    assert reply.status == 201, reply
    later = reply.json()["id"]
    reply = api("POST", "/bookings/%s/participants" % later, {"uri": "b@ep.example.com",
                                                              "dial": "in"})
    assert reply.status == 201, reply
    assert [p["uri"] for p in reply.json()["participants"]] == ["a@ep.example.com",
                                                               "b@ep.example.com"]
    assert participant(reply.json(), "b@ep.example.com")["state"] == "pending"
    # the meeting is not live: no live control yet
    reply = api("PATCH", "/bookings/%s/live" % later, {"locked": True})
    assert reply.status == 409, reply
    reply = api("DELETE", participant_path(later, "a@ep.example.com"))
    assert reply.status == 200, reply
    assert [p["uri"] for p in booking(later)["participants"]] == ["b@ep.example.com"]


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
