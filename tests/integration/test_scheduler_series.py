"""Bookings with a time zone and a recurrence through convened's API
(booking_series_api.c), against a real convene-bridge:

- a weekly series in Europe/Berlin booked with local times keeps 09:00
  across the spring change (its occurrences are ordinary bookings, each
  with its own slot, listed by GET /bookings/<id>/occurrences in pages);
- a local time that does not exist is answered 400 naming it;
- a series partly in conflict with the bridge's capacity answers 409
  listing only the clashing occurrences and books nothing; with
  skipConflicts it books the rest and says which were skipped;
- GET /bookings/<id>.ics, parsed by python3-icalendar: VTIMEZONE, the
  RRULE, the skipped occurrences as EXDATE, the dial-in.

python3-icalendar is Debian's package (scripts/install-deps); when python3
is not Debian's own interpreter it is found in Debian's dist-packages.
"""

import datetime
import json
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

from mail_collector import icalendar  # noqa: E402 - Debian's, found by mail_collector

SLOTS = 1
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.timezone.utc
world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def next_monday(weeks_ahead=1):
    today = datetime.date.today()
    return today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


def setup():
    harness.scheduler_with_bridge(
        world, SLOTS, scheduler_extra=["--poll-interval", "3600", "--discovery-interval", "3600"],
        base=7000)


def series_body(first, count, **extra):
    body = {"title": "Weekly sync", "timeZone": "Europe/Berlin",
            "start": "%sT09:00:00" % first.isoformat(), "end": "%sT10:00:00" % first.isoformat(),
            "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=%s;COUNT=%d"
                           % (["MO", "TU", "WE", "TH", "FR", "SA", "SU"][first.weekday()], count)}}
    body.update(extra)
    return body


def test_weekly_series_keeps_local_time_and_pages():
    first = next_monday(2)
    reply = api("POST", "/bookings", series_body(first, 30, organizer="ana@example.com"))
    assert reply.status == 201, reply
    created = reply.json()
    assert created["occurrencesBooked"] == 30 and created["skipped"] == []
    assert created["timeZone"] == "Europe/Berlin"
    assert created["localStart"] == "%sT09:00:00" % first.isoformat()
    assert created["series"]["recurrence"]["rrule"].startswith("FREQ=WEEKLY")
    assert created["series"]["organizer"] == "ana@example.com"
    world["series_booking"] = created["id"]
    starts, page_from = [], None
    while True:
        path = "/bookings/%s/occurrences?limit=7" % created["id"]
        if page_from:
            path += "&from=" + page_from.replace("+", "%2B")
        page = api("GET", path)
        assert page.status == 200, page
        document = page.json()
        assert len(document["occurrences"]) <= 7
        starts += [o["start"] for o in document["occurrences"]]
        assert all(o["localStart"].endswith("T09:00:00") for o in document["occurrences"])
        page_from = document["next"]
        if not page_from:
            break
    assert len(starts) == len(set(starts)) == 30
    local = [datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(BERLIN)
             for s in starts]
    assert all(moment.hour == 9 and moment.minute == 0 for moment in local), local
    assert len({datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).hour
                for s in starts}) == 2  # 30 weeks span a change of UTC offset
    # each occurrence is a booking of its own
    one = api("GET", "/bookings")
    ids = {b["id"] for b in one.json()["bookings"]}
    assert created["id"] in ids


def test_local_times_that_do_not_exist_are_named():
    # the last Sunday of March 2027, 02:30 in Berlin
    body = series_body(datetime.date(2027, 3, 28), 2)
    body["start"], body["end"] = "2027-03-28T02:30:00", "2027-03-28T03:30:00"
    reply = api("POST", "/bookings", body)
    assert reply.status == 400, reply
    error = reply.json()["error"]
    assert error["details"]["field"] == "start", error
    assert "2027-03-28T02:30:00 does not exist in Europe/Berlin" in error["message"], error
    reply = api("POST", "/bookings", series_body(next_monday(3), 3, timeZone="Mars/Base"))
    assert reply.status == 400 and reply.json()["error"]["details"]["field"] == "timeZone"


def test_conflicts_listed_and_skipped():
    # one slot: a single booking on the third Monday of the series takes it
    first = next_monday(40)
    third = datetime.datetime.combine(first + datetime.timedelta(weeks=2),
                                      datetime.time(9, 30), BERLIN)
    blocker = api("POST", "/bookings", {
        "title": "Blocker", "start": third.isoformat(),
        "end": (third + datetime.timedelta(hours=1)).isoformat()})
    assert blocker.status == 201, blocker
    before = len(api("GET", "/bookings?limit=5000").json()["bookings"])
    reply = api("POST", "/bookings", series_body(first, 5))
    assert reply.status == 409, reply
    clashes = reply.json()["error"]["details"]["conflicts"]
    assert [c["localStart"] for c in clashes] == [
        (first + datetime.timedelta(weeks=2)).isoformat() + "T09:00:00"], clashes
    assert "1 of 5 occurrences" in reply.json()["error"]["message"]
    assert clashes[0]["timeZone"] == "Europe/Berlin"
    assert clashes[0]["conflicts"][0]["title"] == "Blocker", clashes
    assert len(api("GET", "/bookings?limit=5000").json()["bookings"]) == before  # nothing saved
    reply = api("POST", "/bookings", series_body(first, 5, skipConflicts=True))
    assert reply.status == 201, reply
    created = reply.json()
    assert created["occurrencesBooked"] == 4
    assert [s["localStart"] for s in created["skipped"]] == [clashes[0]["localStart"]]
    world["skipping_series"] = (created["id"], first)


def test_occurrences_that_overlap_each_other_are_checked_against_each_other():
    # Occurrences are stored in batches; one that overlaps a batched one
    # (here: 24-hour meetings, each with a 30-minute setup buffer into the
    # day before) must still see it. With one slot, every second one clashes.
    first = next_monday(60)
    start = datetime.datetime.combine(first, datetime.time(9, 0), BERLIN)
    body = {"title": "Round the clock", "timeZone": "Europe/Berlin",
            "start": "%sT09:00:00" % first.isoformat(),
            "end": "%sT09:00:00" % (first + datetime.timedelta(days=1)).isoformat(),
            "setupBufferMinutes": 30, "skipConflicts": True,
            "recurrence": {"rrule": "FREQ=DAILY;COUNT=4"}}
    reply = api("POST", "/bookings", body)
    assert reply.status == 201, reply
    created = reply.json()
    assert created["occurrencesBooked"] == 2, created
    skipped = [s["localStart"] for s in created["skipped"]]
    assert skipped == [(start + datetime.timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S")
                       for day in (1, 3)], skipped
    api("DELETE", "/bookings/%s?scope=series" % created["id"])


def test_ics_of_a_series():
    booking_id, first = world["skipping_series"]
    reply = api("GET", "/bookings/%s.ics" % booking_id)
    assert reply.status == 200, reply
    assert reply.header("Content-Type").startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(reply.body)
    zones = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    event = events[0]
    assert str(event["SUMMARY"]) == "Weekly sync"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime.combine(
        first, datetime.time(9, 0))
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [5]
    exdates = [d.dt.replace(tzinfo=None) for d in event["EXDATE"].dts]
    assert exdates == [datetime.datetime.combine(first + datetime.timedelta(weeks=2),
                                                 datetime.time(9, 0))]
    assert str(event["LOCATION"]).startswith("sip:7000@vc.example.com")
    assert "Call ID: 7000" in str(event["DESCRIPTION"])
    assert api("GET", "/bookings/%s.ics" % ("0" * 8 + "-0000-4000-8000-" + "0" * 12)).status == 404


def test_endless_series_is_booked_to_the_horizon():
    first = next_monday(4)
    body = series_body(first, 1)
    body["start"], body["end"] = "%sT11:00:00" % first, "%sT11:30:00" % first  # a free hour
    body["recurrence"] = {"rrule": "FREQ=WEEKLY"}  # no COUNT, no UNTIL
    reply = api("POST", "/bookings", body)
    assert reply.status == 201, reply
    created = reply.json()
    until = datetime.datetime.fromisoformat(
        created["series"]["bookedUntil"].replace("Z", "+00:00"))
    horizon = datetime.datetime.now(UTC) + datetime.timedelta(days=365)
    assert abs((until - horizon).total_seconds()) < 120, until  # --series-horizon-days 365
    start = datetime.datetime.fromisoformat(created["start"].replace("Z", "+00:00"))
    weeks = (until - start).days // 7
    assert created["occurrencesBooked"] in (weeks, weeks + 1), (created["occurrencesBooked"], weeks)
    # one starting beyond the horizon books its first occurrence
    later = next_monday(80)
    body = series_body(later, 1)
    body["start"], body["end"] = "%sT12:00:00" % later, "%sT12:30:00" % later
    body["recurrence"] = {"rrule": "FREQ=WEEKLY"}
    reply = api("POST", "/bookings", body)
    assert reply.status == 201 and reply.json()["occurrencesBooked"] == 1, reply


def cli(*argv):
    return world["scheduler"].cli(*argv)


def test_cli_books_a_series_and_prints_occurrences_and_ics():
    first = next_monday(60)
    code, out, err = cli("book", "--title", "CLI sync", "--tz", "America/New_York",
                         "--start", "%sT10:00:00" % first.isoformat(), "--duration", "30",
                         "--rrule", "FREQ=WEEKLY;COUNT=3", "--organizer", "bo@example.com",
                         "--json")
    assert code == 0, (out, err)
    created = json.loads(out)
    assert created["localStart"] == "%sT10:00:00" % first.isoformat()
    assert created["localEnd"] == "%sT10:30:00" % first.isoformat()
    assert created["occurrencesBooked"] == 3 and created["timeZone"] == "America/New_York"
    code, out, err = cli("occurrences", created["id"], "--limit", "2")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["ID", "START", "(UTC)"], lines
    assert len(lines) == 4 and lines[-1].startswith("More from "), lines
    code, out, err = cli("ics", created["id"])
    assert code == 0, err
    event = [c for c in icalendar.Calendar.from_ical(out).walk() if c.name == "VEVENT"][0]
    assert str(event["ORGANIZER"]) == "mailto:bo@example.com"
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    code, out, err = cli("book", "--title", "x", "--start", "2027-01-01T10:00:00",
                         "--duration", "30")
    assert code != 0 and "RFC 3339" in err, err


def cleanup():
    for key in ("scheduler", "bridge"):
        if key in world:
            world[key].cleanup()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
