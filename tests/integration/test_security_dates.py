"""Dates outside 1970..9999 are refused on POST and PATCH (issue 8, break 9).

A booking in the year 10000 used to be accepted by POST /bookings and then
refused by every PATCH of it (its own dates could no longer be read back).
Now both refuse such a date with 400 naming the field, and the last hour of
the year 9999 still books and changes.
"""

import datetime

from harness import ADMIN, Bridge, Scheduler, run_tests, wait_for


def test_dates_outside_1970_to_9999_are_refused_with_the_field():
    bridge = Bridge().start()
    scheduler = Scheduler(extra=["--max-meeting-minutes", "1440"]).start()
    try:
        reply = scheduler.client.call("POST", "/bridges", {
            "address": bridge.url, "username": ADMIN[0], "password": ADMIN[1], "name": "Core",
            "domain": "example.com", "numericIdBase": 1000, "numericIdQuantity": 1})
        assert reply.status == 201, reply
        bridge_id = reply.json()["id"]
        wait_for(lambda: scheduler.client.call("GET", "/bridges/" + bridge_id).json()
                 ["provisioning"] == "complete", timeout=30, what="the slot provisioned")

        cases = [
            ("10000-01-01T00:00:00Z", "10000-01-01T01:00:00Z", "start"),
            ("9999-12-31T23:30:00Z", "10000-01-01T00:30:00Z", "end"),
            ("9999-12-31T23:30:00-01:00", "10000-01-01T01:30:00Z", "start"),  # 10000 in UTC
            ("1969-12-31T23:00:00Z", "1970-01-01T01:00:00Z", "start"),
        ]
        for start, end, field in cases:
            reply = scheduler.client.call("POST", "/bookings",
                                          {"title": "x", "start": start, "end": end})
            assert reply.status == 400, (start, end, reply)
            assert reply.json()["error"]["details"]["field"] == field, (start, end, reply)

        reply = scheduler.client.call("POST", "/bookings", {
            "title": "Last hour", "start": "9999-12-31T22:00:00Z", "end": "9999-12-31T23:00:00Z"})
        assert reply.status == 201, reply
        path = "/bookings/" + reply.json()["id"]
        for change, field in (({"end": "10000-01-01T00:00:00Z"}, "end"),
                              ({"start": "10000-01-01T00:00:00Z",
                                "end": "10000-01-01T01:00:00Z"}, "start")):
            reply = scheduler.client.call("PATCH", path, change)
            assert reply.status == 400, (change, reply)
            assert reply.json()["error"]["details"]["field"] == field, (change, reply)
        reply = scheduler.client.call("PATCH", path, {"end": "9999-12-31T23:59:59Z"})
        assert reply.status == 200, reply
        assert reply.json()["end"] == "9999-12-31T23:59:59Z", reply
        assert datetime.date.max.year == 9999  # what the clients' own calendars reach
    finally:
        scheduler.cleanup()
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
