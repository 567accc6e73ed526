"""Editing series through convened's API (booking_series_edit.c,
booking_series_move.c, series_calendar.c, calendar_api.c) against a real
convene-bridge with two slots and a real SMTP server (python3-aiosmtpd);
every .ics and every message is parsed by python3-icalendar and Python's
email package and checked field by field:

- attendees (e-mail only) are ATTENDEE lines and get every message, the
  organizer is ORGANIZER; an occurrence placed on another slot than the
  rest is its own VEVENT (RECURRENCE-ID) with its own dial-in;
- one occurrence changed (time and title) becomes an exception and its
  people get a REQUEST for that RECURRENCE-ID; one cancelled gets a CANCEL
  and an EXDATE;
- this-and-following splits the series: the old one ends (UNTIL) before
  the occurrence, a new one (its own UID, COUNT of what was left) starts
  there with the change; both .ics and both occurrence lists agree;
- a whole-series title change checks nothing; a whole-series time change
  with one occurrence clashing answers 409 listing exactly it and changes
  nothing; with skipConflicts it moves the rest and leaves that one out;
- DELETE ?scope=following and ?scope=series cancel what they say and send
  a CANCEL of it;
- the calendar feeds of the bridge and of the organizer.
"""

import datetime
import json
import os
import sys
import tempfile
import zoneinfo

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

from mail_collector import icalendar  # noqa: E402 - Debian's, found by mail_collector
from mail_collector import smtp_options, start_collector  # noqa: E402

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.timezone.utc
PEOPLE = ["ana@example.com", "bob@example.com", "carol@example.com"]
world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def setup():
    port = start_collector(world)
    world["bridge"] = harness.Bridge().start()
    world["scheduler"] = harness.Scheduler(
        data_dir=tempfile.mkdtemp(prefix="convened-edit-"),
        extra=["--poll-interval", "3600", "--discovery-interval", "3600"]
        + smtp_options(port)).start()
    world["bridge_id"] = world["scheduler"].add_bridge(world["bridge"].url, 2, base=6000)


def monday(weeks_ahead):
    today = datetime.date.today()
    return today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


def utc_text(day, hour, minute=0):
    """The UTC RFC 3339 text of a Berlin wall-clock time."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), BERLIN)
    return local.astimezone(UTC).isoformat().replace("+00:00", "Z")


def book_series(title, first, count, hour=9, **extra):
    body = {"title": title, "timeZone": "Europe/Berlin",
            "start": "%sT%02d:00:00" % (first.isoformat(), hour),
            "end": "%sT%02d:00:00" % (first.isoformat(), hour + 1),
            "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=%d" % count},
            "organizer": {"email": PEOPLE[0], "name": "Ana"},
            "attendees": [{"email": PEOPLE[1], "name": "Bob"}, {"email": PEOPLE[2]}]}
    body.update(extra)
    reply = api("POST", "/bookings", body)
    assert reply.status == 201, reply
    return reply.json()


def block(day, hour, minute=0, minutes=60):
    """A single booking on both slots from the Berlin time given."""
    ids = []
    for n in range(2):
        start = datetime.datetime.combine(day, datetime.time(hour, minute), BERLIN)
        reply = api("POST", "/bookings", {
            "title": "Blocker %d" % n, "start": start.isoformat(),
            "end": (start + datetime.timedelta(minutes=minutes)).isoformat()})
        assert reply.status == 201, reply
        ids.append(reply.json()["id"])
    return ids


def occurrences(booking_id):
    reply = api("GET", "/bookings/%s/occurrences?limit=1000" % booking_id)
    assert reply.status == 200, reply
    return reply.json()["occurrences"]


def ics(booking_id):
    reply = api("GET", "/bookings/%s.ics" % booking_id)
    assert reply.status == 200, reply
    assert reply.header("Content-Type").startswith("text/calendar"), reply.headers
    return icalendar.Calendar.from_ical(reply.body)


def events(calendar):
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def as_utc(value):
    return value.dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def mails(subject):
    """(envelope recipients, message) of every received mail with `subject`."""
    return world["collector"].with_subject(subject)


def calendar_of(message):
    part = list(message.iter_parts())[1]
    assert part.get_content_type() == "text/calendar"
    return part.get_param("method"), icalendar.Calendar.from_ical(part.get_content())


def wait_mails(subject, count):
    return wait_for(lambda: (lambda found: found if len(found) >= count else None)(
        mails(subject)), timeout=20, what="%d mails '%s'" % (count, subject))


def people_of(event):
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return str(event["ORGANIZER"]), sorted(str(a) for a in attendees)


def test_attendees_and_a_second_slot():
    first = monday(2)
    blockers = []
    # one slot taken on the second Monday: that occurrence lands on the other
    start = datetime.datetime.combine(first + datetime.timedelta(weeks=1),
                                      datetime.time(9), BERLIN)
    reply = api("POST", "/bookings", {"title": "Other", "start": start.isoformat(),
                                      "end": (start + datetime.timedelta(hours=1)).isoformat()})
    assert reply.status == 201, reply
    blockers.append(reply.json())
    created = book_series("Standup", first, 4)
    world["standup"] = created
    assert [a["email"] for a in created["series"]["attendees"]] == PEOPLE[1:]
    listed = occurrences(created["id"])
    slots = [o["dialIn"]["callId"] for o in listed]
    assert slots[1] != slots[0] and slots[0] == slots[2] == slots[3], slots
    calendar = ics(created["id"])
    master, exception = events(calendar)
    assert people_of(master) == ("mailto:" + PEOPLE[0], ["mailto:" + p for p in PEOPLE[1:]])
    assert master["ORGANIZER"].params["CN"] == "Ana"
    assert "RECURRENCE-ID" not in master and slots[0] in str(master["LOCATION"])
    assert as_utc(exception["RECURRENCE-ID"]) == listed[1]["start"]
    assert exception["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert slots[1] in str(exception["LOCATION"]) and slots[1] in str(exception["URL"])
    assert str(exception["UID"]) == str(master["UID"])
    # the invitation goes to the organizer and each attendee, one message each
    received = wait_mails("Invitation: Standup", 3)
    assert sorted(to[0] for to, _ in received) == PEOPLE
    for to, message in received:
        assert message["To"] == to[0]
        method, invitation = calendar_of(message)
        event, = events(invitation)
        assert method == "REQUEST" and str(invitation["METHOD"]) == "REQUEST"
        assert people_of(event)[1] == ["mailto:" + p for p in PEOPLE[1:]]
        assert str(event["RRULE"].to_ical().decode()).startswith("FREQ=WEEKLY")


def test_participants_emails_are_attendees():
    first = monday(45)
    body = {"title": "Dial and mail", "start": utc_text(first, 9), "end": utc_text(first, 10),
            "organizer": PEOPLE[0],
            "participants": [{"uri": "sip:gina@ep.example.com", "dial": "out",
                              "email": "gina@example.com"},
                             {"uri": "sip:room@ep.example.com", "dial": "in"}]}
    reply = api("POST", "/bookings", body)
    assert reply.status == 201, reply
    created = reply.json()
    assert [a["email"] for a in created["series"]["attendees"]] == ["gina@example.com"]
    assert [p["uri"] for p in created["participants"]] == ["sip:gina@ep.example.com",
                                                           "sip:room@ep.example.com"]
    event, = events(ics(created["id"]))
    assert people_of(event) == ("mailto:" + PEOPLE[0], ["mailto:gina@example.com"])
    wait_mails("Invitation: Dial and mail", 2)
    received = mails("Invitation: Dial and mail")
    assert sorted(to[0] for to, _ in received) == [PEOPLE[0], "gina@example.com"]
    body["participants"][0]["email"] = "not an address"
    reply = api("POST", "/bookings", body)
    assert reply.status == 400, reply
    assert reply.json()["error"]["details"]["field"] == "participants[0].email"


def test_one_occurrence_changed_and_one_cancelled():
    created = world["standup"]
    listed = occurrences(created["id"])
    third = listed[2]
    day = datetime.date.fromisoformat(third["localStart"][:10])
    reply = api("PATCH", "/bookings/" + third["id"], {
        "title": "Standup (late)", "start": utc_text(day, 11), "end": utc_text(day, 12)})
    assert reply.status == 200, reply
    assert reply.json()["localStart"] == "%sT11:00:00" % day.isoformat()
    calendar = ics(created["id"])
    master = events(calendar)[0]
    assert int(master["SEQUENCE"]) == 1
    moved = [e for e in events(calendar)
             if "RECURRENCE-ID" in e and as_utc(e["RECURRENCE-ID"]) == third["start"]]
    assert len(moved) == 1, calendar.to_ical()
    assert str(moved[0]["SUMMARY"]) == "Standup (late)"
    assert moved[0]["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        day, datetime.time(11))
    received = wait_mails("Updated invitation: Standup (late)", 3)
    assert sorted(to[0] for to, _ in received) == PEOPLE
    method, update = calendar_of(received[0][1])
    event, = events(update)
    assert method == "REQUEST" and int(event["SEQUENCE"]) == 1
    assert as_utc(event["RECURRENCE-ID"]) == third["start"]
    # cancel the fourth
    fourth = listed[3]
    assert api("DELETE", "/bookings/" + fourth["id"]).status == 200
    received = wait_mails("Cancelled: Standup", 3)
    assert sorted(to[0] for to, _ in received) == PEOPLE
    method, cancel = calendar_of(received[0][1])
    event, = events(cancel)
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert as_utc(event["RECURRENCE-ID"]) == fourth["start"] and int(event["SEQUENCE"]) == 2
    master = events(ics(created["id"]))[0]
    assert [as_utc(d) for d in master["EXDATE"].dts] == [fourth["start"]]
    assert [o["id"] for o in occurrences(created["id"])] == [o["id"] for o in listed[:3]]


def test_this_and_following_splits_the_series():
    created = book_series("Review", monday(10), 6)
    listed = occurrences(created["id"])
    third = listed[2]
    day = datetime.date.fromisoformat(third["localStart"][:10])
    reply = api("PATCH", "/bookings/%s?scope=following" % third["id"], {
        "title": "Review v2", "start": "%sT14:00:00" % day.isoformat(),
        "end": "%sT15:00:00" % day.isoformat(), "timeZone": "Europe/Berlin"})
    assert reply.status == 200, reply
    answer = reply.json()
    assert answer["change"]["split"] is True
    assert answer["change"]["previousSeries"] == created["series"]["id"]
    new_series = answer["series"]["id"]
    assert new_series != created["series"]["id"]
    old = occurrences(created["id"])
    assert [o["id"] for o in old] == [o["id"] for o in listed[:2]]
    assert all(o["localStart"].endswith("T09:00:00") for o in old)
    new = occurrences(answer["id"])
    assert len(new) == 4 and all(o["localStart"].endswith("T14:00:00") for o in new)
    assert all(o["title"] == "Review v2" and o["series"]["id"] == new_series for o in new)
    old_event, = events(ics(created["id"]))
    rule = old_event["RRULE"]
    assert "COUNT" not in rule and as_utc(icalendar.vDDDTypes(rule["UNTIL"][0])) < third["start"]
    assert int(old_event["SEQUENCE"]) == 1
    new_event, = events(ics(answer["id"]))
    assert str(new_event["UID"]) == new_series + "@convene"
    assert new_event["RRULE"]["COUNT"] == [4] and str(new_event["SUMMARY"]) == "Review v2"
    assert new_event["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        day, datetime.time(14))
    # both series are announced again
    wait_mails("Invitation: Review v2", 3)  # a new series: a new invitation
    assert len(mails("Invitation: Review")) == 3  # the first invitation
    wait_mails("Updated invitation: Review", 3)  # the series that now ends sooner


def test_whole_series_changes_and_clashes():
    first = monday(20)
    created = book_series("Sync", first, 4)
    listed = occurrences(created["id"])
    # a title for every occurrence: nothing is checked, nothing moves
    reply = api("PATCH", "/bookings/%s?scope=series" % listed[1]["id"], {"title": "Sync!"})
    assert reply.status == 200, reply
    assert reply.json()["change"]["kept"] == 4 and reply.json()["change"]["moved"] == 0
    assert [o["title"] for o in occurrences(created["id"])] == ["Sync!"] * 4
    # both slots are taken on the third Monday from 10:30: moving to 10:00
    # clashes there only
    third_day = first + datetime.timedelta(weeks=2)
    block(third_day, 10, 30)
    body = {"start": "%sT10:00:00" % first.isoformat(), "end": "%sT11:00:00" % first.isoformat(),
            "timeZone": "Europe/Berlin"}
    reply = api("PATCH", "/bookings/%s?scope=series" % listed[0]["id"], body)
    assert reply.status == 409, reply
    clashes = reply.json()["error"]["details"]["conflicts"]
    assert [c["localStart"] for c in clashes] == ["%sT10:00:00" % third_day.isoformat()]
    assert [o["localStart"][11:] for o in occurrences(created["id"])] == ["09:00:00"] * 4
    body["skipConflicts"] = True
    reply = api("PATCH", "/bookings/%s?scope=series" % listed[0]["id"], body)
    assert reply.status == 200, reply
    change = reply.json()["change"]
    assert change["moved"] == 4 and len(change["skipped"]) == 1, change
    after = occurrences(created["id"])
    assert [o["localStart"] for o in after] == [
        "%sT10:00:00" % (first + datetime.timedelta(weeks=n)).isoformat() for n in (0, 1, 3)]
    master, = events(ics(created["id"]))
    assert master["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        first, datetime.time(10))
    assert [as_utc(d) for d in master["EXDATE"].dts] == [utc_text(third_day, 10)]
    assert int(master["SEQUENCE"]) == 2


def test_whole_series_gets_a_new_rule():
    first = monday(55)
    created = book_series("Rule", first, 4)
    listed = occurrences(created["id"])
    tuesday = first + datetime.timedelta(days=1)
    reply = api("PATCH", "/bookings/%s?scope=series" % listed[0]["id"], {
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=2"}, "timeZone": "Europe/Berlin",
        "start": "%sT09:00:00" % tuesday.isoformat(), "end": "%sT10:00:00" % tuesday.isoformat()})
    assert reply.status == 200, reply
    change = reply.json()["change"]
    assert (change["moved"], change["cancelled"], change["added"]) == (2, 2, 0), change
    after = occurrences(created["id"])
    assert [o["localStart"] for o in after] == [
        "%sT09:00:00" % (tuesday + datetime.timedelta(weeks=n)).isoformat() for n in (0, 1)]
    assert [o["id"] for o in after] == [o["id"] for o in listed[:2]]  # the rows were moved
    master, = events(ics(created["id"]))
    assert master["RRULE"]["BYDAY"] == ["TU"] and master["RRULE"]["COUNT"] == [2]
    assert master["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        tuesday, datetime.time(9))
    # a time change named on a later occurrence moves the whole series as much
    reply = api("PATCH", "/bookings/%s?scope=series" % after[1]["id"], {
        "start": utc_text(tuesday + datetime.timedelta(weeks=1), 9, 30),
        "end": utc_text(tuesday + datetime.timedelta(weeks=1), 10, 30)})
    assert reply.status == 200, reply
    assert [o["localStart"][11:] for o in occurrences(created["id"])] == ["09:30:00"] * 2
    # a rule that gives nothing is refused, naming it, and changes nothing
    reply = api("PATCH", "/bookings/%s?scope=series" % after[0]["id"], {
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20000101T000000Z"}})
    assert reply.status == 400, reply
    assert reply.json()["error"]["details"]["field"].startswith("recurrence"), reply
    assert len(occurrences(created["id"])) == 2


def test_occurrences_that_have_begun_stay_as_they_are():
    start = (datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(seconds=3))
    reply = api("POST", "/bookings", {
        "title": "Begun", "start": start.isoformat(),
        "end": (start + datetime.timedelta(minutes=10)).isoformat(),
        "recurrence": {"rrule": "FREQ=DAILY;COUNT=3"}})
    assert reply.status == 201, reply
    first = reply.json()
    wait_for(lambda: api("GET", "/bookings/" + first["id"]).json()["state"] == "live",
             timeout=30, what="the first occurrence to be live")
    listed = occurrences(first["id"])
    second = parse_utc(listed[1]["start"])
    reply = api("PATCH", "/bookings/%s?scope=series" % listed[1]["id"], {
        "start": (second + datetime.timedelta(hours=1)).isoformat(),
        "end": (second + datetime.timedelta(hours=1, minutes=10)).isoformat()})
    assert reply.status == 200, reply
    change = reply.json()["change"]
    assert (change["moved"], change["added"], change["cancelled"]) == (2, 0, 0), change
    after = occurrences(first["id"])
    assert [o["id"] for o in after] == [o["id"] for o in listed]
    assert after[0]["start"] == listed[0]["start"] and after[0]["state"] == "live"
    assert [parse_utc(o["start"]) - parse_utc(b["start"]) for o, b in
            zip(after[1:], listed[1:])] == [datetime.timedelta(hours=1)] * 2
    # following from a meeting that has begun is refused
    reply = api("PATCH", "/bookings/%s?scope=following" % first["id"], {"title": "x"})
    assert reply.status == 409, reply
    assert api("POST", "/bookings/%s/end" % first["id"]).status == 202


def parse_utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_delete_following_and_series():
    created = book_series("Retro", monday(30), 5)
    listed = occurrences(created["id"])
    reply = api("DELETE", "/bookings/%s?scope=following" % listed[2]["id"])
    assert reply.status == 200, reply
    assert reply.json()["occurrencesCancelled"] == 3
    assert [o["id"] for o in occurrences(created["id"])] == [o["id"] for o in listed[:2]]
    received = wait_mails("Cancelled: Retro", 3)
    method, cancel = calendar_of(received[0][1])
    event, = events(cancel)
    assert method == "CANCEL" and event["RECURRENCE-ID"].params["RANGE"] == "THISANDFUTURE"
    assert as_utc(event["RECURRENCE-ID"]) == listed[2]["start"]
    reply = api("DELETE", "/bookings/%s?scope=series" % listed[0]["id"])
    assert reply.status == 200 and reply.json()["occurrencesCancelled"] == 2, reply
    assert occurrences(created["id"]) == []
    received = wait_mails("Cancelled: Retro", 6)
    whole = [calendar_of(m)[1] for _, m in received]
    assert any("RECURRENCE-ID" not in events(c)[0] and int(events(c)[0]["SEQUENCE"]) == 2
               for c in whole)
    reply = api("DELETE", "/bookings/%s?scope=sometimes" % listed[0]["id"])
    assert reply.status == 400 and reply.json()["error"]["details"]["field"] == "scope"


def test_feeds():
    reply = api("GET", "/bridges/%s/calendar.ics" % world["bridge_id"])
    assert reply.status == 200, reply
    feed = icalendar.Calendar.from_ical(reply.body)
    zones = [c for c in feed.walk() if c.name == "VTIMEZONE"]
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    uids = {str(e["UID"]) for e in events(feed)}
    assert world["standup"]["series"]["id"] + "@convene" in uids
    reply = api("GET", "/organizers/%s/calendar.ics" % PEOPLE[0])
    assert reply.status == 200, reply
    feed = icalendar.Calendar.from_ical(reply.body)
    masters = [e for e in events(feed) if "RECURRENCE-ID" not in e]
    assert all(str(e["ORGANIZER"]) == "mailto:" + PEOPLE[0] for e in events(feed))
    assert world["standup"]["series"]["id"] + "@convene" in {str(e["UID"]) for e in masters}
    assert api("GET", "/organizers/nobody/calendar.ics").status == 400
    far = api("GET", "/organizers/%s/calendar.ics?from=2020-01-01T00:00:00Z"
              "&to=2030-01-01T00:00:00Z" % PEOPLE[0])
    assert far.status == 400 and far.json()["error"]["details"]["field"] == "to"


def cli(*argv):
    return world["scheduler"].cli(*argv)


def test_cli_update_cancel_and_calendar():
    first = monday(40)
    code, out, err = cli("book", "--title", "CLI review", "--tz", "Europe/Berlin",
                         "--start", "%sT09:00:00" % first.isoformat(), "--duration", "30",
                         "--rrule", "FREQ=WEEKLY;COUNT=4", "--organizer", "dee@example.com",
                         "--attendee", "eve@example.com", "--json")
    assert code == 0, (out, err)
    created = json.loads(out)
    assert [a["email"] for a in created["series"]["attendees"]] == ["eve@example.com"]
    listed = occurrences(created["id"])
    day = datetime.date.fromisoformat(listed[1]["localStart"][:10])
    code, out, err = cli("update", listed[1]["id"], "--scope", "following", "--tz",
                         "Europe/Berlin", "--start", "%sT15:00:00" % day.isoformat(),
                         "--end", "%sT15:30:00" % day.isoformat(), "--title", "CLI review 2")
    assert code == 0, (out, err)
    assert "3 moved" in out and "split into a new series" in out, out
    assert [o["localStart"][11:] for o in occurrences(listed[1]["id"])] == ["15:00:00"] * 3
    code, out, err = cli("update", listed[1]["id"], "--scope", "sometimes", "--title", "x")
    assert code == 2 and "--scope" in err, (code, err)
    code, out, err = cli("calendar", "--organizer", "dee@example.com")
    assert code == 0, err
    feed = icalendar.Calendar.from_ical(out)
    assert sorted(str(e["SUMMARY"]) for e in events(feed)) == ["CLI review", "CLI review 2"]
    code, out, err = cli("cancel", listed[2]["id"], "--scope", "series")
    assert code == 0 and out.startswith("Cancelled 3 occurrences of series"), (out, err)
    assert occurrences(listed[1]["id"]) == []
    code, out, err = cli("calendar", "--bridge", world["bridge_id"], "--organizer", "x@y.z")
    assert code == 2, (code, err)


def test_bookers_edit_only_their_own_series():
    users = {}
    for name, email in (("dora", "dora@example.com"), ("fred", "fred@example.com")):
        reply = api("POST", "/users", {"name": name, "password": name + "-password",
                                       "role": "booker", "email": email})
        assert reply.status == 201, reply
        users[name] = harness.JsonClient(world["scheduler"].port,
                                         credentials=(name, name + "-password"))
    first = monday(50)
    reply = users["dora"].call("POST", "/bookings", {
        "title": "Dora's", "timeZone": "Europe/Berlin",
        "start": "%sT08:00:00" % first.isoformat(), "end": "%sT08:30:00" % first.isoformat(),
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3"}})
    assert reply.status == 201, reply
    listed = occurrences(reply.json()["id"])
    for method, scope, body in (("PATCH", "following", {"title": "mine now"}),
                                ("PATCH", "series", {"title": "mine now"}),
                                ("DELETE", "series", None)):
        answer = users["fred"].call(method, "/bookings/%s?scope=%s" % (listed[1]["id"], scope),
                                    body)
        assert answer.status == 404, (method, scope, answer)
    answer = users["dora"].call("PATCH", "/bookings/%s?scope=following" % listed[1]["id"],
                                {"title": "Dora's later"})
    assert answer.status == 200 and answer.json()["change"]["split"] is True, answer
    # the split-off series is still hers, and still not fred's
    assert users["dora"].call("GET", "/bookings/" + listed[2]["id"]).status == 200
    assert users["fred"].call("GET", "/bookings/" + listed[2]["id"]).status == 404
    assert users["dora"].call("DELETE", "/bookings/%s?scope=series" % listed[2]["id"]).status \
        == 200
    feed = users["fred"].call("GET", "/organizers/dora@example.com/calendar.ics")
    assert feed.status == 404, feed


def cleanup():
    if world.get("smtp"):
        world["smtp"].stop()
    for name in ("scheduler", "bridge"):
        if world.get(name):
            world[name].stop()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
