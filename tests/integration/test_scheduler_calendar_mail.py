"""convened's calendar and mail units, checked by independent parsers and a
real SMTP server, through the test-only program tests/tools/calendar_probe:

- occurrences expanded by libical (recurrence.c) agree with python-dateutil
  and Python's zoneinfo across both daylight-saving changes in
  Europe/Berlin and America/New_York, for weekly, monthly and yearly rules,
  COUNT, UNTIL and endless rules;
- .ics documents (calendar.c) parsed by python3-icalendar, field by field;
- iMIP messages (imip.c) parsed by Python's email package;
- the SMTP sender (smtp.c) against aiosmtpd servers started here: plain,
  STARTTLS with AUTH, smtps://, a server that is down and then comes up,
  and servers that answer 4xx and 5xx.

python3-icalendar and python3-aiosmtpd are Debian packages
(scripts/install-deps); when python3 is not Debian's own interpreter they
are found in Debian's dist-packages directory.
"""

import asyncio
import datetime
import email
import email.policy
import email.utils
import json
import logging
import os
import random
import shutil
import ssl
import subprocess
import tempfile
import warnings
import zoneinfo

import harness

from mail_collector import icalendar  # noqa: E402 - Debian's, found by mail_collector
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from dateutil import rrule as dateutil_rrule

# aiosmtpd logs every refused handshake with a traceback; the tests check
# the refusals themselves
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
logging.getLogger("asyncio").setLevel(logging.CRITICAL)
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")

PROBE = os.path.join(harness.BUILD_DIR, "tests", "calendar_probe")
UTC = datetime.timezone.utc
STAMP = 1764563868  # 2025-12-01T04:37:48Z
DIAL = "sip:88001@video.example.com"
SECRET = "s3cret-Smtp-Pw"


def probe(command, document, expect_ok=True):
    done = subprocess.run([PROBE, command], input=json.dumps(document).encode(),
                          capture_output=True, timeout=60)
    if expect_ok and done.returncode != 0:
        raise AssertionError("calendar_probe %s failed: %s" % (command, done.stderr.decode()))
    return done


def seconds(text, zone="UTC"):
    """Unix seconds of a wall-clock time in `zone`."""
    local = datetime.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return int(local.timestamp())


def expand(rrule, zone, start, duration=3600, until="2100-01-01T00:00:00", limit=5000,
           start_from="1970-01-01T00:00:00", exdates=()):
    answer = json.loads(probe("expand", {
        "rrule": rrule, "timeZone": zone, "start": start, "duration": duration,
        "from": seconds(start_from), "to": seconds(until), "limit": limit,
        "exdates": list(exdates)}).stdout)
    return answer


def dateutil_starts(rrule, zone, start, until, count_max):
    """The same series by python-dateutil on naive local times, read in
    `zone` by zoneinfo: an implementation that shares no code with libical."""
    tz = zoneinfo.ZoneInfo(zone)
    first = datetime.datetime.fromisoformat(start).replace(tzinfo=tz)
    rule = dateutil_rrule.rrulestr(rrule, dtstart=first)
    starts = []
    end = datetime.datetime.fromisoformat(until).replace(tzinfo=UTC)
    for instant in rule:
        if instant >= end or len(starts) == count_max:
            break
        starts.append((int(instant.timestamp()), instant.replace(tzinfo=None).isoformat()))
    return starts


def test_expansion_agrees_with_dateutil_and_zoneinfo():
    cases = [
        ("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261104T235959Z", "Europe/Berlin", "2026-03-23T09:00:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=60", "America/New_York", "2026-01-06T08:30:00"),
        ("FREQ=MONTHLY;BYDAY=2TU;COUNT=24", "America/New_York", "2026-01-13T10:00:00"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=24", "Europe/Berlin", "2026-01-31T17:00:00"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=30", "Europe/Berlin",
         "2026-01-30T16:00:00"),
        ("FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1FR;COUNT=20", "Europe/Berlin", "2026-03-27T12:00:00"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=1TH;COUNT=15", "America/New_York", "2026-11-05T09:00:00"),
        ("FREQ=DAILY;COUNT=400", "America/New_York", "2026-01-01T07:00:00"),
    ]
    for rule, zone, start in cases:
        answer = expand(rule, zone, start)
        assert answer["result"] == "ok", (rule, answer)
        got = [(item[0], item[2]) for item in answer["occurrences"]]
        expected = dateutil_starts(rule, zone, start, "2100-01-01T00:00:00", 5000)
        assert len(got) > 10, (rule, len(got))
        assert got == expected, (rule, got[:5], expected[:5])
        # wall-clock time kept, so UTC hours differ across the changes
        assert len({item[2][11:] for item in answer["occurrences"]}) == 1, rule
        if rule.startswith(("FREQ=WEEKLY;BYDAY", "FREQ=MONTHLY;BYDAY=2TU", "FREQ=DAILY")):
            utc_hours = {datetime.datetime.fromtimestamp(item[0], UTC).hour
                         for item in answer["occurrences"]}
            assert len(utc_hours) == 2, (rule, utc_hours)


def random_rule(rng):
    """A rule from a fixed grammar: every FREQ from DAILY to YEARLY with
    INTERVAL, BYDAY (plain and numbered), BYMONTHDAY, BYMONTH, BYSETPOS."""
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    freq = rng.choice(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
    parts = ["FREQ=" + freq]
    if rng.random() < 0.4:
        parts.append("INTERVAL=%d" % rng.randint(2, 3))
    choice = rng.random()
    if freq in ("WEEKLY", "DAILY") and choice < 0.6:
        chosen = sorted(rng.sample(days, rng.randint(1, 3)), key=days.index)
        parts.append("BYDAY=" + ",".join(chosen))
    elif freq == "MONTHLY" and choice < 0.3:
        parts.append("BYMONTHDAY=%d" % rng.choice([1, 15, 28, -1, 31]))
    elif freq == "MONTHLY" and choice < 0.6:
        parts.append("BYDAY=%d%s" % (rng.choice([1, 2, -1]), rng.choice(days)))
    elif freq == "MONTHLY" and choice < 0.8:
        parts.append("BYDAY=MO,TU,WE,TH,FR;BYSETPOS=%d" % rng.choice([1, -1, 2]))
    elif freq == "YEARLY" and choice < 0.5:
        parts.append("BYMONTH=%d;BYDAY=%d%s" % (rng.randint(1, 12), rng.choice([1, -1]),
                                                 rng.choice(days)))
    elif freq == "YEARLY" and choice < 0.7:
        parts.append("BYMONTH=%d,%d" % (rng.randint(1, 6), rng.randint(7, 12)))
    parts.append("COUNT=%d" % rng.randint(5, 60))
    return ";".join(parts)


def wall_time_is_unique(local, tz):
    """True when `local` (naive) shows exactly once on the zone's clocks."""
    instants = {local.replace(tzinfo=tz, fold=fold).timestamp() for fold in (0, 1)}
    readable = all(datetime.datetime.fromtimestamp(i, tz).replace(tzinfo=None) == local
                   for i in instants)
    return len(instants) == 1 and readable


def test_random_rules_agree_with_dateutil_and_zoneinfo():
    rng = random.Random(10)  # fixed: the same 150 rules every run
    zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
             "America/Santiago", "Europe/London"]
    refused = 0
    for _ in range(150):
        rule, zone = random_rule(rng), rng.choice(zones)
        tz = zoneinfo.ZoneInfo(zone)
        base = datetime.datetime(2026, 1, 1) + datetime.timedelta(days=rng.randint(0, 400))
        base = base.replace(hour=rng.choice([0, 1, 7, 9, 12, 17, 23]), minute=rng.choice([0, 30]))
        first = dateutil_rrule.rrulestr(rule, dtstart=base)[0]  # synchronised with the rule
        locals_ = list(dateutil_rrule.rrulestr(rule, dtstart=first))
        answer = expand(rule, zone, first.isoformat(), until="9999-12-31T23:59:59")
        if answer["result"] != "ok":
            # refused only when dateutil's series has a time that is not unique
            refused += 1
            assert not all(wall_time_is_unique(local, tz) for local in locals_), (rule, answer)
            continue
        assert all(wall_time_is_unique(local, tz) for local in locals_), rule
        expected = [(int(local.replace(tzinfo=tz).timestamp()), local.isoformat())
                    for local in locals_]
        got = [(item[0], item[2]) for item in answer["occurrences"]]
        assert got == expected, (rule, zone, got[:3], expected[:3])
    assert refused < 10, refused


def test_endless_series_in_a_window_and_exdates():
    rule, zone, start = "FREQ=WEEKLY;BYDAY=FR", "America/New_York", "2026-01-02T15:00:00"
    answer = expand(rule, zone, start, start_from="2027-03-01T00:00:00",
                    until="2027-12-01T00:00:00")
    expected = [item for item in dateutil_starts(rule, zone, start, "2027-12-01T00:00:00", 10000)
                if item[0] >= seconds("2027-03-01T00:00:00")]
    assert [(i[0], i[2]) for i in answer["occurrences"]] == expected
    assert not answer["more"]
    limited = expand(rule, zone, start, start_from="2027-03-01T00:00:00",
                     until="2027-12-01T00:00:00", limit=7)
    assert len(limited["occurrences"]) == 7 and limited["more"]
    skipped = [expected[1][0], expected[3][0]]
    answer = expand(rule, zone, start, start_from="2027-03-01T00:00:00",
                    until="2027-12-01T00:00:00", exdates=skipped)
    assert [i[0] for i in answer["occurrences"]] == [
        e[0] for e in expected if e[0] not in skipped]


def test_local_times_that_do_not_exist_or_repeat_are_named():
    answer = expand("FREQ=WEEKLY;BYDAY=SU;COUNT=4", "America/New_York", "2026-03-01T02:30:00")
    assert answer["result"] == "invalid input", answer
    assert "2026-03-08T02:30:00 does not exist" in answer["problem"], answer
    answer = expand("FREQ=YEARLY;COUNT=2", "Europe/Berlin", "2026-10-25T02:15:00")
    assert answer["result"] == "invalid input", answer
    assert "2026-10-25T02:15:00 is ambiguous" in answer["problem"], answer
    assert "2027" not in answer["problem"]  # 2027-10-25 is a Monday: the time exists


def series_event(**overrides):
    event = {
        "uid": "9f1c2d3e@convene.example.com", "sequence": 3,
        "summary": "Weekly sync, team; \"core\"\u0007 über",
        "timeZone": "Europe/Berlin",
        "start": seconds("2026-03-23T09:00:00", "Europe/Berlin"),
        "end": seconds("2026-03-23T10:00:00", "Europe/Berlin"),
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        "exdates": [seconds("2026-04-06T09:00:00", "Europe/Berlin")],
        "organizer": {"email": "ana@example.com", "name": "Ana Example"},
        "attendees": [{"email": "bo@example.com", "name": "Bo"}, {"email": "cy@example.org"}],
        "dialUri": DIAL, "callId": "88001", "passcode": "4321",
        "description": "Agenda:\nroadmap", "stamp": STAMP,
    }
    event.update(overrides)
    return event


def parse_ics(text):
    calendar = icalendar.Calendar.from_ical(text)
    return calendar, [c for c in calendar.walk() if c.name == "VEVENT"], \
        [c for c in calendar.walk() if c.name == "VTIMEZONE"]


def test_ics_of_a_series_field_by_field():
    text = probe("ics", {"method": "REQUEST", "events": [series_event()]}).stdout
    assert b"\r\n" in text and b"\n" not in text.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in text.split(b"\r\n"))
    calendar, events, zones = parse_ics(text)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "REQUEST"
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    event = events[0]
    assert str(event["UID"]) == "9f1c2d3e@convene.example.com"
    assert int(event["SEQUENCE"]) == 3
    assert str(event["SUMMARY"]) == "Weekly sync, team; \"core\"  über"
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == "Europe/Berlin" and end.params["TZID"] == "Europe/Berlin"
    assert start.dt.replace(tzinfo=None) == datetime.datetime(2026, 3, 23, 9, 0)
    assert end.dt.replace(tzinfo=None) == datetime.datetime(2026, 3, 23, 10, 0)
    assert start.dt.utcoffset() == datetime.timedelta(hours=1)
    assert event["DTSTAMP"].dt == datetime.datetime.fromtimestamp(STAMP, UTC)
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO"] and rule["COUNT"] == [10]
    exdate = event["EXDATE"]
    assert exdate.params["TZID"] == "Europe/Berlin"
    assert [d.dt.replace(tzinfo=None) for d in exdate.dts] == [datetime.datetime(2026, 4, 6, 9)]
    assert exdate.dts[0].dt.utcoffset() == datetime.timedelta(hours=2)  # after the change
    assert str(event["ORGANIZER"]) == "mailto:ana@example.com"
    assert event["ORGANIZER"].params["CN"] == "Ana Example"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:bo@example.com", "mailto:cy@example.org"]
    assert attendees[0].params["CN"] == "Bo" and "CN" not in attendees[1].params
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
    assert str(event["LOCATION"]) == DIAL and str(event["URL"]) == DIAL
    assert str(event["DESCRIPTION"]) == (
        "Join: %s\nCall ID: 88001\nPasscode: 4321\n\nAgenda:\nroadmap" % DIAL)
    assert str(event["STATUS"]) == "CONFIRMED"


def test_ics_exception_and_cancel():
    original = seconds("2026-03-30T09:00:00", "Europe/Berlin")
    moved = series_event(rrule=None, exdates=[], recurrenceId=original,
                         start=seconds("2026-03-31T14:00:00", "Europe/Berlin"),
                         end=seconds("2026-03-31T15:00:00", "Europe/Berlin"), sequence=4)
    text = probe("ics", {"method": "REQUEST", "events": [series_event(), moved]}).stdout
    calendar, events, zones = parse_ics(text)
    assert len(zones) == 1 and len(events) == 2
    exception = events[1]
    assert "RRULE" not in exception
    assert exception["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert exception["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime.datetime(2026, 3, 30, 9)
    assert exception["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime(2026, 3, 31, 14)
    assert str(exception["UID"]) == str(events[0]["UID"])

    text = probe("ics", {"method": "CANCEL",
                         "events": [series_event(cancelled=True, sequence=5)]}).stdout
    calendar, events, _ = parse_ics(text)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(events[0]["STATUS"]) == "CANCELLED" and int(events[0]["SEQUENCE"]) == 5


def test_feed_of_several_zones():
    events = [
        series_event(uid="a@x"),
        series_event(uid="b@x", timeZone="America/New_York", rrule="FREQ=MONTHLY;BYDAY=2TU",
                     start=seconds("2026-01-13T10:00:00", "America/New_York"),
                     end=seconds("2026-01-13T11:00:00", "America/New_York"), exdates=[]),
        series_event(uid="c@x", timeZone=None, rrule=None, exdates=[],
                     start=seconds("2026-05-05T12:00:00"), end=seconds("2026-05-05T12:30:00")),
        series_event(uid="d@x", rrule=None, exdates=[]),
    ]
    text = probe("ics", {"name": "Bridge cms1", "events": events}).stdout
    calendar, parsed, zones = parse_ics(text)
    assert "METHOD" not in calendar and str(calendar["X-WR-CALNAME"]) == "Bridge cms1"
    assert sorted(str(z["TZID"]) for z in zones) == ["America/New_York", "Europe/Berlin"]
    assert [str(e["UID"]) for e in parsed] == ["a@x", "b@x", "c@x", "d@x"]
    utc_start = parsed[2]["DTSTART"]
    assert "TZID" not in utc_start.params
    assert utc_start.dt == datetime.datetime(2026, 5, 5, 12, tzinfo=UTC)
    assert parsed[1]["DTSTART"].dt.utcoffset() == datetime.timedelta(hours=-5)


def test_bad_documents_are_refused():
    for bad in (series_event(timeZone="Europe/Atlantis"),
                series_event(organizer={"email": "ana@example.com\r\nBcc: x@y"}),
                series_event(rrule="FREQ=WEEKLY;BYDAY=1MO"),
                series_event(uid="")):
        done = probe("ics", {"events": [bad]}, expect_ok=False)
        assert done.returncode == 1 and b"invalid" in done.stderr, done
        assert done.stdout == b""


def mail_input(**overrides):
    document = {
        "from": "convene@example.com", "to": ["bo@example.com", "cy@example.org"],
        "subject": "Einladung: Wöchentliches Treffen – über die Roadmap und alles Weitere",
        "text": "Hallo,\nJoin %s\nCall ID 88001" % DIAL,
        "calendar": {"method": "REQUEST", "events": [series_event()]},
        "messageId": "<4a0c@example.com>", "date": STAMP,
    }
    document.update(overrides)
    return document


def check_invitation(raw, method="REQUEST"):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"] == "convene@example.com"
    assert [a.addr_spec for a in message["To"].addresses] == ["bo@example.com", "cy@example.org"]
    assert message["Subject"] == "Einladung: Wöchentliches Treffen – über die Roadmap und alles Weitere"
    assert message["Message-ID"] == "<4a0c@example.com>"
    assert email.utils.parsedate_to_datetime(message["Date"]) == \
        datetime.datetime.fromtimestamp(STAMP, UTC)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/calendar"]
    assert parts[0].get_content() == "Hallo,\nJoin %s\nCall ID 88001" % DIAL
    assert parts[1].get_param("method") == method
    assert parts[1].get_content_charset() == "utf-8"
    calendar, events, zones = parse_ics(parts[1].get_content().encode())
    assert str(calendar["METHOD"]) == method
    assert str(events[0]["UID"]) == "9f1c2d3e@convene.example.com"
    assert str(zones[0]["TZID"]) == "Europe/Berlin"
    for line in raw.split(b"\r\n"):
        assert len(line) <= 78, line
    return message


def test_message_text_parses():
    raw = probe("mail", mail_input()).stdout
    check_invitation(raw)
    notice = probe("mail", mail_input(calendar=None, subject="Meeting did not start",
                                      text="The bridge refused the call.")).stdout
    message = email.message_from_bytes(notice, policy=email.policy.default)
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "The bridge refused the call."
    assert message["Auto-Submitted"] == "auto-generated"
    for bad in (mail_input(to=["bo@example.com\r\nBcc: eve@example.com"]),
                mail_input(messageId="no-brackets"), mail_input(to=[]),
                mail_input(calendar={"events": [series_event()]})):
        done = probe("mail", bad, expect_ok=False)
        assert done.returncode == 1 and b"invalid" in done.stderr, done


def test_invitations_and_notices_per_recipient():
    event = series_event(attendees=[{"email": "bo@example.com"},
                                    {"email": "ANA@example.com"}])
    mails = json.loads(probe("compose", {"kind": "request", "event": event,
                                         "from": "convene@example.com", "now": STAMP}).stdout)
    assert [m["recipient"] for m in mails] == ["ana@example.com", "bo@example.com"]
    assert len({m["messageId"] for m in mails}) == 2
    for mail in mails:
        message = email.message_from_bytes(mail["text"].encode(), policy=email.policy.default)
        assert [a.addr_spec for a in message["To"].addresses] == [mail["recipient"]]
        assert message["Message-ID"] == mail["messageId"]
        assert message["Subject"] == "Updated invitation: " + event["summary"].replace(
            "\u0007", " ")
        text, calendar_part = message.iter_parts()
        body = text.get_content()
        assert "When: 2026-03-23 09:00 to 10:00 (Europe/Berlin)\n" in body, body
        assert "Repeats: FREQ=WEEKLY;BYDAY=MO;COUNT=10\n" in body
        assert "Join: %s\nCall ID: 88001\nPasscode: 4321\n" % DIAL in body
        assert "Organizer: ana@example.com\n" in body
        calendar, events, _ = parse_ics(calendar_part.get_content().encode())
        assert str(calendar["METHOD"]) == "REQUEST"
        assert events[0]["DTSTAMP"].dt == datetime.datetime.fromtimestamp(STAMP, UTC)

    mails = json.loads(probe("compose", {"kind": "cancel", "event": event,
                                         "from": "convene@example.com", "now": STAMP}).stdout)
    message = email.message_from_bytes(mails[1]["text"].encode(), policy=email.policy.default)
    calendar, events, _ = parse_ics(list(message.iter_parts())[1].get_content().encode())
    assert str(calendar["METHOD"]) == "CANCEL" and str(events[0]["STATUS"]) == "CANCELLED"

    mails = json.loads(probe("compose", {"kind": "start-failed", "event": event,
                                         "detail": "the bridge refused the call",
                                         "from": "convene@example.com", "now": STAMP}).stdout)
    assert [m["recipient"] for m in mails] == ["ana@example.com"]
    message = email.message_from_bytes(mails[0]["text"].encode(), policy=email.policy.default)
    assert message.get_content_type() == "text/plain"
    assert "What happened: the bridge refused the call" in message.get_content()


class Collector:
    """An aiosmtpd handler that keeps what it accepts and answers 4xx/5xx
    to recipients named later@ and nobody@."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("later@"):
            return "451 4.3.0 try again later"
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "content": envelope.content,
                              "authenticated": bool(session.authenticated)})
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    good = auth_data.login == b"convene" and auth_data.password == SECRET.encode()
    # handled=False: aiosmtpd answers 535 itself (its default, True, answers nothing)
    return AuthResult(success=good, handled=False)


class Certificates:
    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="convene-smtp-")
        self.cert = os.path.join(self.directory, "cert.pem")
        self.key = os.path.join(self.directory, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)
        self.password_file = os.path.join(self.directory, "smtp.pw")
        with open(os.open(self.password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as file:
            file.write(SECRET + "\n")

    def server_context(self):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def send(smtp, **overrides):
    done = probe("mail", mail_input(smtp=smtp, **overrides))
    for stream in (done.stdout, done.stderr):
        assert SECRET.encode() not in stream
    return json.loads(done.stdout)


def test_sent_over_plain_smtp():
    collector = Collector()
    port = harness.free_port()
    server = Controller(collector, hostname="127.0.0.1", port=port)
    server.start()
    try:
        answer = send({"url": "smtp://127.0.0.1:%d" % port})
        assert answer == {"result": "ok", "problem": "", "temporary": False}, answer
        assert len(collector.received) == 1
        mail = collector.received[0]
        assert mail["from"] == "convene@example.com"
        assert mail["to"] == ["bo@example.com", "cy@example.org"]
        assert not mail["authenticated"]
        check_invitation(mail["content"])
    finally:
        server.stop()


def test_starttls_with_auth_and_smtps():
    certificates = Certificates()
    collector = Collector()
    port = harness.free_port()
    server = Controller(collector, hostname="127.0.0.1", port=port,
                        tls_context=certificates.server_context(), require_starttls=True,
                        authenticator=authenticator, auth_require_tls=True)
    server.start()
    try:
        smtp = {"url": "smtp://convene@127.0.0.1:%d" % port,
                "passwordFile": certificates.password_file, "caFile": certificates.cert}
        answer = send(smtp)
        assert answer["result"] == "ok", answer
        assert collector.received[-1]["authenticated"]
        check_invitation(collector.received[-1]["content"])
        # a wrong password is refused, and retrying would not help
        with open(certificates.password_file, "w") as file:
            file.write("wrong\n")
        answer = send(smtp)
        assert answer["result"] == "authentication failed", answer
        assert answer["temporary"] is False
        assert len(collector.received) == 1
        # a certificate nobody vouches for is refused
        answer = send({"url": "smtp://127.0.0.1:%d" % port, "starttls": "required"})
        assert answer["result"] != "ok" and answer["temporary"] is False, answer
    finally:
        server.stop()
    smtps_port = harness.free_port()
    implicit = Controller(collector, hostname="127.0.0.1", port=smtps_port,
                          ssl_context=certificates.server_context())
    implicit.start()
    try:
        answer = send({"url": "smtps://127.0.0.1:%d" % smtps_port, "caFile": certificates.cert})
        assert answer["result"] == "ok", answer
        assert len(collector.received) == 2
    finally:
        implicit.stop()
        certificates.cleanup()


def test_server_down_then_up_and_refusals():
    collector = Collector()
    port = harness.free_port()
    smtp = {"url": "smtp://127.0.0.1:%d" % port, "timeout": 5}
    answer = send(smtp)
    assert answer["result"] != "ok" and answer["temporary"] is True, answer
    server = Controller(collector, hostname="127.0.0.1", port=port)
    server.start()
    try:
        answer = send(smtp)
        assert answer["result"] == "ok", answer
        assert len(collector.received) == 1
        answer = send(smtp, to=["later@example.com"])
        assert answer["temporary"] is True and "451" in answer["problem"], answer
        answer = send(smtp, to=["nobody@example.com"])
        assert answer["temporary"] is False and "550" in answer["problem"], answer
        assert len(collector.received) == 1
    finally:
        server.stop()


def test_outbox_thread_waits_for_a_server_that_is_down():
    """outbox.c's delivery loop over messages kept in memory: nothing is
    lost while the server is down, nothing is sent twice once it is up, and
    a recipient refused with 5xx is given up at once."""
    collector = Collector()
    port = harness.free_port()
    messages = [{"from": "convene@example.com", "to": to,
                 "text": "Subject: message %d\r\nMessage-ID: <m%d@example.com>\r\n\r\n"
                         "body %d\r\n" % (n, n, n)}
                for n, to in enumerate(["a@example.com", "b@example.com", "nobody@example.com",
                                        "c@example.com"])]
    process = subprocess.Popen([PROBE, "deliver"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.stdin.write(json.dumps({"smtp": {"url": "smtp://127.0.0.1:%d" % port},
                                    "retryFirst": 1, "deadline": 60,
                                    "messages": messages}).encode())
    process.stdin.close()
    retried = set()
    while len(retried) < len(messages):  # every message tried once, the server down
        line = json.loads(process.stdout.readline())
        assert line["outcome"] == "retry", line
        retried.add(line["id"])
    server = Controller(collector, hostname="127.0.0.1", port=port)
    server.start()
    try:
        lines = [json.loads(line) for line in process.stdout.read().splitlines()]
        assert process.wait(timeout=60) == 0
    finally:
        server.stop()
    final = lines[-1]
    assert final["states"] == ["sent", "sent", "failed", "sent"], lines
    subjects = sorted(email.message_from_bytes(m["content"])["Subject"]
                      for m in collector.received)
    assert subjects == ["message 0", "message 1", "message 3"], subjects
    outcomes = [(line["id"], line["outcome"]) for line in lines[:-1]]
    assert outcomes.count((2, "failed")) == 1 and (2, "sent") not in outcomes


if __name__ == "__main__":
    harness.run_tests(globals())
