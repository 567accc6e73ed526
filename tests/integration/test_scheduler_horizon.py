"""The rolling horizon of endless series (series_horizon.c), with a real
convene-bridge and a real SMTP server (python3-aiosmtpd):

- with --series-horizon-days 2 and --series-extend-seconds 1, a daily
  series without an end whose second occurrence starts seconds after the
  horizon has one occurrence, and gets its second as the clock passes the
  horizon, with no restart (the test waits for it, it does not sleep);
- a daily series without an end, booked with --series-horizon-days 2,
  has only the occurrences of the next two days;
- convened restarted with --series-horizon-days 5 books the ones that are
  now within the horizon, by itself;
- the one that clashes with a meeting on the only slot is left out: an
  EXDATE of the series (SEQUENCE raised), a notice "Not booked: …" to
  the organizer, and the series' REQUEST again (with that EXDATE) to the
  organizer and the attendee, parsed with python3-icalendar.
"""

import datetime
import email
import email.policy
import os
import shutil
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
world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def start_scheduler(horizon_days, extra=()):
    world["scheduler"] = harness.Scheduler(
        data_dir=world["dir"],
        extra=["--poll-interval", "3600", "--discovery-interval", "3600",
               "--series-horizon-days", str(horizon_days), "--series-extend-seconds", "1",
               ] + smtp_options(world["smtp_port"]) + list(extra)).start()


def setup():
    start_collector(world)
    world["dir"] = tempfile.mkdtemp(prefix="convened-horizon-")
    world["bridge"] = harness.Bridge().start()
    start_scheduler(2)
    world["scheduler"].add_bridge(world["bridge"].url, 1, base=4000)


def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def daily_starts(first_day, before):
    """UTC starts of a daily 09:00 Berlin rule from first_day, before `before`."""
    starts, day = [], first_day
    while True:
        moment = datetime.datetime.combine(day, datetime.time(9), BERLIN).astimezone(UTC)
        if moment >= before:
            return starts
        starts.append(moment)
        day += datetime.timedelta(days=1)


def occurrence_starts(booking_id):
    reply = api("GET", "/bookings/%s/occurrences?limit=1000" % booking_id)
    assert reply.status == 200, reply
    return [parse(o["start"]) for o in reply.json()["occurrences"]]


def utc_text(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_the_horizon_moves_with_the_clock():
    # the second occurrence starts 10 s after the horizon (now + 2 days)
    first = (datetime.datetime.now(UTC) + datetime.timedelta(days=1, seconds=10)).replace(
        microsecond=0)
    reply = api("POST", "/bookings", {
        "title": "Ticking", "timeZone": "UTC",
        "start": first.strftime("%Y-%m-%dT%H:%M:%S"),
        "end": (first + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "recurrence": {"rrule": "FREQ=DAILY"}})
    assert reply.status == 201, reply
    created = reply.json()
    assert occurrence_starts(created["id"]) == [first]
    second = first + datetime.timedelta(days=1)
    wait_for(lambda: occurrence_starts(created["id"]) == [first, second], timeout=30,
             what="the second occurrence, once the clock passes the horizon")
    until = parse(api("GET", "/bookings/" + created["id"]).json()["series"]["bookedUntil"])
    assert until > second, until
    # out of the way of the next test's meetings on the only slot
    reply = api("DELETE", "/bookings/%s?scope=series" % created["id"])
    assert reply.status == 200, reply


def test_endless_series_is_booked_further_as_time_passes():
    first = datetime.date.today() + datetime.timedelta(days=1)
    reply = api("POST", "/bookings", {
        "title": "Daily", "timeZone": "Europe/Berlin",
        "start": "%sT09:00:00" % first.isoformat(), "end": "%sT09:15:00" % first.isoformat(),
        "recurrence": {"rrule": "FREQ=DAILY"}, "organizer": "ana@example.com",
        "attendees": ["bo@example.com"]})
    assert reply.status == 201, reply
    created = reply.json()
    booked_until = parse(created["series"]["bookedUntil"])
    assert booked_until - datetime.datetime.now(UTC) < datetime.timedelta(days=2, minutes=1)
    before = occurrence_starts(created["id"])
    assert before == daily_starts(first, booked_until), before
    # the only slot is taken on the fourth day: that occurrence cannot be booked
    blocked_day = first + datetime.timedelta(days=3)
    blocked = datetime.datetime.combine(blocked_day, datetime.time(9), BERLIN)
    reply = api("POST", "/bookings", {"title": "Board", "start": blocked.isoformat(),
                                      "end": (blocked + datetime.timedelta(hours=1)).isoformat()})
    assert reply.status == 201, reply
    world["scheduler"].stop()
    start_scheduler(5)

    def extended():
        document = api("GET", "/bookings/" + created["id"]).json()
        until = parse(document["series"]["bookedUntil"])
        return document if until - booked_until > datetime.timedelta(days=2) else None
    document = wait_for(extended, timeout=30, what="the series to be booked further")
    until = parse(document["series"]["bookedUntil"])
    expected = [s for s in daily_starts(first, until) if s != blocked.astimezone(UTC)]
    assert occurrence_starts(created["id"]) == expected
    series = document["series"]
    assert [parse(d) for d in series["exdates"]] == [blocked.astimezone(UTC)]
    assert series["sequence"] == 1

    def notice():
        for mail in world["collector"].received:
            message = email.message_from_bytes(mail["content"], policy=email.policy.default)
            if message["Subject"] == "Not booked: Daily":
                return mail["to"], message
        return None
    to, message = wait_for(notice, timeout=20, what="the notice of the skipped occurrence")
    assert to == ["ana@example.com"] and message.get_content_type() == "text/plain"
    assert blocked.astimezone(UTC).isoformat().replace("+00:00", "Z") in message.get_content()

    # the series' REQUEST again, so calendars drop the skipped day too
    def updates():
        found = {}
        for mail in world["collector"].received:
            message = email.message_from_bytes(mail["content"], policy=email.policy.default)
            if message["Subject"] == "Updated invitation: Daily":
                found[mail["to"][0]] = message
        return found if len(found) == 2 else None
    received = wait_for(updates, timeout=20, what="the series' REQUEST after the skip")
    assert sorted(received) == ["ana@example.com", "bo@example.com"], received
    part = list(received["bo@example.com"].iter_parts())[1]
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    master, = [c for c in icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")]
    assert int(master["SEQUENCE"]) == 1 and "RECURRENCE-ID" not in master
    assert [utc_text(d.dt) for d in master["EXDATE"].dts] == [utc_text(blocked)]
    assert str(master["RRULE"].to_ical(), "ascii") == "FREQ=DAILY"
    # further passes change nothing more
    outbox = api("GET", "/outbox?limit=1000").json()["messages"]
    assert len([m for m in outbox if m["kind"] == "skipped"]) == 1
    assert len([m for m in outbox if m["kind"] == "request"]) == 4  # invitation, update x 2


def cleanup():
    if world.get("smtp"):
        world["smtp"].stop()
    for key in ("scheduler", "bridge"):
        if world.get(key) is not None and world[key].alive():
            world[key].stop()
    if world.get("dir"):
        shutil.rmtree(world["dir"], ignore_errors=True)


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
