"""Invitations by e-mail from convened (mail_module.c, db_outbox.c,
outbox.c) to a real SMTP server (python3-aiosmtpd) started by the test:

- booking a series with an organizer queues an iMIP REQUEST in the same
  transaction; the organizer receives it, and the message and its
  calendar part are parsed by Python's email package and python3-icalendar
  and checked field by field; GET /outbox shows it sent;
- cancelling one occurrence sends the organizer an iMIP CANCEL for it
  (RECURRENCE-ID, SEQUENCE raised) and the series' .ics leaves it out;
- with the SMTP server stopped, a booking still succeeds at once, the
  invitation waits in the outbox (GET /outbox: pending, with the error),
  survives a restart of convened, and arrives exactly once when the
  server is back;
- one occurrence changed with its own participants (PATCH
  ?scope=occurrence, participants with "email"): its REQUEST goes to the
  organizer, the series' attendees and that occurrence's participants'
  e-mails, not to a participant it no longer has.
"""

import datetime
import email
import email.policy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

from mail_collector import icalendar  # noqa: E402 - Debian's, found by mail_collector
import mail_collector  # noqa: E402

world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def start_smtp():
    world["smtp"] = mail_collector.start_smtp(world["collector"], world["smtp_port"])


def start_scheduler():
    world["scheduler"] = harness.Scheduler(
        data_dir=world["scheduler_dir"],
        extra=["--poll-interval", "3600", "--discovery-interval", "3600"]
        + mail_collector.smtp_options(world["smtp_port"])).start()


def setup():
    import tempfile
    mail_collector.start_collector(world)
    world["scheduler_dir"] = tempfile.mkdtemp(prefix="convened-mail-")
    world["bridge"] = harness.Bridge().start()
    start_scheduler()
    world["scheduler"].add_bridge(world["bridge"].url, 2, base=5000)


def book(title, weeks_ahead):
    today = datetime.date.today()
    first = today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)
    reply = api("POST", "/bookings", {
        "title": title, "timeZone": "Europe/Berlin", "passcode": "2468",
        "start": "%sT09:00:00" % first.isoformat(), "end": "%sT09:30:00" % first.isoformat(),
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=4"},
        "organizer": {"email": "ana@example.com", "name": "Ana"}})
    assert reply.status == 201, reply
    return reply.json(), first


def messages_for(title):
    found = []
    for mail in world["collector"].received:
        message = email.message_from_bytes(mail["content"], policy=email.policy.default)
        if message["Subject"] == "Invitation: " + title:
            found.append((mail, message))
    return found


def test_invitation_sent_and_parsed():
    created, first = book("Planning", 2)
    world["planning"] = created
    wait_for(lambda: messages_for("Planning"), timeout=20, what="the invitation")
    (mail, message), = messages_for("Planning")
    assert mail["from"] == "convene@example.com" and mail["to"] == ["ana@example.com"]
    assert message["To"] == "ana@example.com"
    text, calendar_part = message.iter_parts()
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST"
    body = text.get_content()
    assert "When: %s 09:00 to 09:30 (Europe/Berlin)" % first.isoformat() in body, body
    assert "Passcode: 2468" in body
    calendar = icalendar.Calendar.from_ical(calendar_part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    event = [c for c in calendar.walk() if c.name == "VEVENT"][0]
    assert str(event["UID"]) == created["series"]["id"] + "@convene"
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        first, datetime.time(9, 0))
    assert event["RRULE"]["COUNT"] == [4]
    assert str(event["ORGANIZER"]) == "mailto:ana@example.com"
    assert event["ORGANIZER"].params["CN"] == "Ana"
    assert str(event["LOCATION"]) == "sip:%d@vc.example.com" % created["slot"]
    assert "Passcode: 2468" in str(event["DESCRIPTION"])

    def sent():
        outbox = api("GET", "/outbox").json()
        return [m for m in outbox["messages"] if m["state"] == "sent"]
    rows = wait_for(sent, timeout=10, what="the outbox to record the delivery")
    assert rows[0]["recipient"] == "ana@example.com" and rows[0]["kind"] == "request"
    assert rows[0]["messageId"] == message["Message-ID"]


def test_cancelling_an_occurrence_sends_a_cancel():
    created = world["planning"]
    page = api("GET", "/bookings/%s/occurrences" % created["id"]).json()["occurrences"]
    second = page[1]
    assert api("DELETE", "/bookings/" + second["id"]).status == 200

    def cancels():
        found = []
        for mail in world["collector"].received:
            message = email.message_from_bytes(mail["content"], policy=email.policy.default)
            if message["Subject"] == "Cancelled: Planning":
                found.append(message)
        return found
    message, = wait_for(cancels, timeout=20, what="the cancellation")
    calendar_part = list(message.iter_parts())[1]
    assert calendar_part.get_param("method") == "CANCEL"
    calendar = icalendar.Calendar.from_ical(calendar_part.get_content())
    event = [c for c in calendar.walk() if c.name == "VEVENT"][0]
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == created["series"]["id"] + "@convene"
    assert int(event["SEQUENCE"]) == 1
    assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert event["RECURRENCE-ID"].dt.astimezone(datetime.timezone.utc).isoformat().replace(
        "+00:00", "Z") == second["start"]
    # the series leaves it out from now on
    ics = icalendar.Calendar.from_ical(api("GET", "/bookings/%s.ics" % created["id"]).body)
    series_event = [c for c in ics.walk() if c.name == "VEVENT"][0]
    assert int(series_event["SEQUENCE"]) == 1
    exdates = [d.dt for d in series_event["EXDATE"].dts]
    assert [d.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
            for d in exdates] == [second["start"]]
    remaining = api("GET", "/bookings/%s/occurrences" % created["id"]).json()["occurrences"]
    assert second["id"] not in [o["id"] for o in remaining] and len(remaining) == 3


def test_server_down_delays_never_loses_or_duplicates():
    world["smtp"].stop()
    created, _ = book("Retro", 3)  # answered at once, the server being down
    outbox = api("GET", "/outbox?state=pending").json()
    assert outbox["pending"] == 1 and outbox["enabled"] is True, outbox

    def retried():
        rows = api("GET", "/outbox?state=pending").json()["messages"]
        return rows and rows[0]["attempts"] >= 1 and rows[0]["lastError"]
    wait_for(retried, timeout=20, what="a failed attempt recorded")
    world["scheduler"].stop()  # the pending invitation survives a restart
    start_scheduler()
    assert api("GET", "/outbox?state=pending").json()["pending"] == 1
    start_smtp()
    wait_for(lambda: messages_for("Retro"), timeout=30, what="the delayed invitation")
    wait_for(lambda: api("GET", "/outbox").json()["pending"] == 0, timeout=10,
             what="the outbox to empty")
    ids = [message["Message-ID"] for _, message in
           messages_for("Retro") + messages_for("Planning")]
    assert len(ids) == len(set(ids)) == 2, ids  # each invitation exactly once
    assert len(world["collector"].received) == 3  # and the one cancellation
    assert api("GET", "/outbox?state=lost").status == 400


def calendar_of(message):
    parts = list(message.iter_parts())
    if len(parts) < 2 or parts[1].get_content_type() != "text/calendar":
        return None, None
    calendar = icalendar.Calendar.from_ical(parts[1].get_content())
    return calendar, [c for c in calendar.walk() if c.name == "VEVENT"][0]


def occurrence_messages(series_uid, method):
    """{recipient: VEVENT} of every received `method` message about one
    occurrence (a RECURRENCE-ID) of series `series_uid`."""
    found = {}
    for mail in world["collector"].received:
        message = email.message_from_bytes(mail["content"], policy=email.policy.default)
        calendar, event = calendar_of(message)
        if (event is not None and str(event["UID"]) == series_uid
                and "RECURRENCE-ID" in event and str(calendar["METHOD"]) == method):
            for recipient in mail["to"]:
                found[recipient] = event
    return found


def test_changed_occurrence_goes_to_its_own_participants_with_their_emails():
    today = datetime.date.today()
    first = today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 28)
    reply = api("POST", "/bookings", {
        "title": "Standup", "timeZone": "Europe/Berlin",
        "start": "%sT08:00:00" % first.isoformat(), "end": "%sT08:15:00" % first.isoformat(),
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3"},
        "organizer": "ana@example.com", "attendees": ["ivy@example.com"],
        "participants": [{"uri": "sip:gina@ep.example.com", "email": "gina@example.com"},
                         {"uri": "sip:hal@ep.example.com", "email": "hal@example.com"}]})
    assert reply.status == 201, reply
    series_uid = reply.json()["series"]["id"] + "@convene"
    occurrences = api("GET", "/bookings/%s/occurrences" % reply.json()["id"]).json()
    second = occurrences["occurrences"][1]
    # every occurrence keeps its participants' e-mails
    shown = api("GET", "/bookings/" + second["id"]).json()["participants"]
    assert [p["email"] for p in shown] == ["gina@example.com", "hal@example.com"], shown

    # the second occurrence alone: hal is taken out, joe comes in with his e-mail
    reply = api("PATCH", "/bookings/%s?scope=occurrence" % second["id"], {
        "title": "Standup (moved room)",
        "participants": [{"uri": "sip:gina@ep.example.com", "email": "gina@example.com"},
                         {"uri": "sip:joe@ep.example.com", "email": "joe@example.com"}]})
    assert reply.status == 200, reply
    assert [p["email"] for p in reply.json()["participants"]] == ["gina@example.com",
                                                                  "joe@example.com"]

    def occurrence_requests():
        found = occurrence_messages(series_uid, "REQUEST")
        return found if len(found) >= 4 else None
    sent = wait_for(occurrence_requests, timeout=20, what="the occurrence's REQUESTs")
    assert sorted(sent) == ["ana@example.com", "gina@example.com", "ivy@example.com",
                            "joe@example.com"], sorted(sent)
    event = sent["joe@example.com"]
    assert str(event["SUMMARY"]) == "Standup (moved room)"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert sorted(str(a).lower() for a in attendees) == [
        "mailto:gina@example.com", "mailto:ivy@example.com", "mailto:joe@example.com"], attendees
    assert event["RECURRENCE-ID"].dt.astimezone(datetime.timezone.utc).isoformat().replace(
        "+00:00", "Z") == second["start"]

    # hal, taken out of it, is sent its CANCEL; the organizer keeps it
    cancels = wait_for(lambda: occurrence_messages(series_uid, "CANCEL") or None, timeout=20,
                       what="hal's CANCEL of the occurrence")
    assert sorted(cancels) == ["hal@example.com"], sorted(cancels)
    event = cancels["hal@example.com"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ATTENDEE"]).lower() == "mailto:hal@example.com", event["ATTENDEE"]
    assert str(event["ORGANIZER"]).lower() == "mailto:ana@example.com"
    assert event["RECURRENCE-ID"].dt.astimezone(datetime.timezone.utc).isoformat().replace(
        "+00:00", "Z") == second["start"]
    assert int(event["SEQUENCE"]) == int(sent["joe@example.com"]["SEQUENCE"])
    # a bad address is refused naming the field, and changes nothing
    reply = api("PATCH", "/bookings/%s?scope=occurrence" % second["id"], {
        "participants": [{"uri": "sip:gina@ep.example.com", "email": "not an address"}]})
    assert reply.status == 400 and reply.json()["error"]["details"]["field"] == \
        "participants[0].email", reply
    assert api("GET", "/bookings/" + second["id"]).json()["title"] == "Standup (moved room)"


def cleanup():
    import shutil
    if world.get("smtp"):
        try:
            world["smtp"].stop()
        except Exception:  # noqa: BLE001 - already stopped
            pass
    for key in ("scheduler", "bridge"):
        if key in world:
            world[key].cleanup()
    shutil.rmtree(world.get("scheduler_dir", ""), ignore_errors=True)


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
