"""Notices to a meeting's organizer (series_notice.c), sent by convened
through its outbox to a real SMTP server (python3-aiosmtpd) when the
lifecycle meets trouble, against a cluster of two convene-bridges (the
second the first's alternate address):

- a participant that is busy on every attempt: "Participant not reached";
- the first address does not answer, the meeting starts through the
  alternate: "Moved to another bridge node";
- no address answers and the meeting's time runs out: "Did not start".

Each notice goes to the organizer alone, once, as plain text (no
calendar part) naming the meeting and what happened.
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402
from mail_collector import smtp_options, start_collector  # noqa: E402

BRIDGE_EXTRA = ["--busy-party", "busy*", "--ring-ms", "200"]
ORGANIZER = "ana@example.com"
world = {}


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def setup():
    smtp_port = start_collector(world)
    harness.scheduler_with_bridge_pair(
        world, 2, BRIDGE_EXTRA,
        ["--dial-out-retries", "1", "--dial-out-retry-seconds", "1",
         "--poll-interval", "3600", "--discovery-interval", "3600"] + smtp_options(smtp_port),
        names=("nb1", "nb2"))


def book(title, seconds_ahead, minutes, participants=()):
    start = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
             + datetime.timedelta(seconds=seconds_ahead + 1))
    end = start + datetime.timedelta(minutes=minutes)
    reply = api("POST", "/bookings", {
        "title": title, "start": start.isoformat(), "end": end.isoformat(),
        "participants": list(participants), "organizer": {"email": ORGANIZER, "name": "Ana"},
        "attendees": ["bob@example.com"]})
    assert reply.status == 201, reply
    return reply.json()


def notices(subject):
    return world["collector"].with_subject(subject)


def check_notice(subject, *phrases):
    (to, message), = wait_for(lambda: notices(subject), timeout=40, what=subject)
    assert to == [ORGANIZER] and message["To"] == ORGANIZER
    assert message.get_content_type() == "text/plain", message.get_content_type()
    body = message.get_content()
    for phrase in phrases:
        assert phrase in body, body
    return body


def test_participant_not_reached():
    created = book("Busy line", 1, 10, [{"uri": "busy@ep.example.com", "dial": "out"}])
    body = check_notice("Participant not reached: Busy line",
                        "busy@ep.example.com was not reached (busy after 2 attempts)")
    assert "Busy line" in body
    assert api("POST", "/bookings/%s/end" % created["id"]).status == 202
    wait_for(lambda: api("GET", "/bookings/" + created["id"]).json()["state"] == "ended",
             timeout=30, what="the meeting to end")
    # the attendee is not told, and nothing is sent twice
    assert len(notices("Participant not reached: Busy line")) == 1


def test_failover_notice():
    world["a"].stop()
    try:
        created = book("Through the alternate", 1, 10)
        check_notice("Moved to another bridge node: Through the alternate",
                     "The meeting runs through %s" % world["b"].url)
        wait_for(lambda: api("GET", "/bookings/" + created["id"]).json()["state"] == "live",
                 timeout=30, what="the meeting to be live")
        assert api("POST", "/bookings/%s/end" % created["id"]).status == 202
        wait_for(lambda: api("GET", "/bookings/" + created["id"]).json()["state"] == "ended",
                 timeout=30, what="the meeting to end")
    finally:
        world["a"].start()


def test_start_failed_notice():
    world["a"].stop()
    world["b"].stop()
    try:
        # shorter than the wait before another try: it fails at once
        start = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                 + datetime.timedelta(seconds=2))
        reply = api("POST", "/bookings", {
            "title": "Nobody home", "start": start.isoformat(),
            "end": (start + datetime.timedelta(seconds=4)).isoformat(),
            "organizer": ORGANIZER})
        assert reply.status == 201, reply
        check_notice("Did not start: Nobody home", "The meeting could not be started")
        assert api("GET", "/bookings/" + reply.json()["id"]).json()["state"] == "failed"
    finally:
        world["a"].start()
        world["b"].start()


def cleanup():
    if world.get("smtp"):
        world["smtp"].stop()
    harness.cleanup_bridge_pair(world)


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
