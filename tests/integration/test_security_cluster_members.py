"""A bridge's credentials only go where the operator sent them (issue 8,
break 6).

When a bridge cannot be reached, convened starts meetings through the
other members of its cluster, which the bridge itself reports in
/callBridges, with the bridge's credentials. It used to send them to the
reported address as given: over plain HTTP when the bridge said http://,
even for a bridge added over HTTPS with its own CA. Now a member is used
with the bridge's own scheme and trust settings, and an operator can limit
the members used (allowedMembers); one not listed is never contacted.

The "member" here is a plain TCP listener that records every byte it gets:
before the fix it received `Authorization: Basic ...` in clear.
"""

import datetime
import os

from harness import ADMIN, Bridge, LoopbackListener, Scheduler, run_tests, wait_for


class RecordingListener(LoopbackListener):
    """Plain TCP: records what each connection sends, then closes it."""

    def __init__(self):
        self.received = []  # bytes of each connection
        super().__init__()

    def handle(self, connection):
        connection.settimeout(2)
        data = b""
        try:
            data = connection.recv(65536)
        except OSError:
            pass
        with self.lock:
            self.received.append(data)
        connection.close()

    def connections(self):
        with self.lock:
            return list(self.received)


def rfc3339(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


def book_soon(scheduler, title):
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    reply = scheduler.client.call("POST", "/bookings", {
        "title": title, "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(minutes=10))})
    assert reply.status == 201, reply
    return reply.json()["id"]


def wait_failed_start(scheduler, booking_id):
    def failed():
        document = scheduler.client.call("GET", "/bookings/" + booking_id).json()
        return document if document.get("failure") else None
    return wait_for(failed, timeout=30, what="a start that found no address answering")


def test_members_of_an_https_bridge_never_get_credentials_over_http():
    member = RecordingListener()
    primary = Bridge(tls=True, name="core1",
                     peers=["core2=http://127.0.0.1:%d" % member.port]).start()
    scheduler = Scheduler(extra=["--discovery-interval", "3600"]).start()
    try:
        reply = scheduler.client.call("POST", "/bridges", {
            "address": primary.url, "username": ADMIN[0], "password": ADMIN[1],
            "caFile": os.path.join(primary.data_dir, "tls-certificate.pem"),
            "name": "Core1", "domain": "example.com", "numericIdBase": 1000,
            "numericIdQuantity": 2})
        assert reply.status == 201, reply
        bridge_id = reply.json()["id"]
        cluster = reply.json()["cluster"]
        assert "http://127.0.0.1:%d" % member.port in [m["address"] for m in cluster], cluster
        wait_for(lambda: scheduler.client.call("GET", "/bridges/" + bridge_id).json()
                 ["provisioning"] == "complete", timeout=30, what="slots provisioned")

        primary.stop()  # meetings now go to the other members
        first = book_soon(scheduler, "Through a member")
        wait_for(lambda: member.connections(), timeout=30, what="convened to try the member")
        wait_failed_start(scheduler, first)
        for data in member.connections():
            assert b"Authorization" not in data and b"HTTP/1.1" not in data, data[:200]
            assert data[:1] == b"\x16", data[:20]  # a TLS handshake, as for the bridge
        assert scheduler.client.call("DELETE", "/bookings/" + first).status in (200, 204)

        # The operator lists the members convened may use: this one is not.
        reply = scheduler.client.call("PATCH", "/bridges/" + bridge_id,
                                      {"allowedMembers": ["https://127.0.0.1:1"]})
        assert reply.status == 200, reply
        assert reply.json()["allowedMembers"] == ["https://127.0.0.1:1"], reply
        seen = len(member.connections())
        second = book_soon(scheduler, "Not through that member")
        wait_failed_start(scheduler, second)
        assert len(member.connections()) == seen, "an address not allowed was contacted"
        reply = scheduler.client.call("PATCH", "/bridges/" + bridge_id,
                                      {"allowedMembers": ["not an address"]})
        assert reply.status == 400, reply
        assert reply.json()["error"]["details"]["field"] == "allowedMembers", reply
        reply = scheduler.client.call("PATCH", "/bridges/" + bridge_id, {"allowedMembers": None})
        assert reply.status == 200 and reply.json()["allowedMembers"] is None, reply
    finally:
        scheduler.cleanup()
        primary.cleanup()
        member.close()


if __name__ == "__main__":
    run_tests(globals())
