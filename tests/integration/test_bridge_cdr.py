"""CDRs: for each /system/cdrReceivers entry the bridge POSTs CDR XML
(<records session=.. callBridge=..>) with callStart, callLegStart,
callLegUpdate, callLegEnd (with its reason) and callEnd, in order; a
receiver that is down gets every record, in order and once, when it comes
back."""

import http.server
import os
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET

import harness
from harness import Bridge, run_tests


class Receiver:
    """A CDR receiver: a small HTTP server that keeps every POSTed batch."""

    def __init__(self, port=None, tls=None):
        self.tls = tls  # (certificate file, key file) for https
        self.batches = []
        self.lock = threading.Lock()
        self.port = port or harness.free_port()
        self.server = None

    def start(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with owner.lock:
                    owner.batches.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        socketserver.TCPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return "%s://127.0.0.1:%d/cdr" % ("https" if self.tls else "http", self.port)

    def records(self):
        """Every record received, as (batch root, record element), in order."""
        with self.lock:
            batches = list(self.batches)
        found = []
        for body in batches:
            root = ET.fromstring(body)
            assert root.tag == "records", body
            for record in root.findall("record"):
                found.append((root, record))
        return found

    def types(self):
        return [record.get("type") for _, record in self.records()]


def leg_gone(client, leg):
    return client.get("/callLegs/" + leg).status == 404


def test_every_record_of_a_meeting_in_order():
    receiver = Receiver().start()
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        client.create("/system/cdrReceivers", {"uri": receiver.url})
        space = client.create("/coSpaces", {"name": "Weekly", "uri": "weekly",
                                            "cdrTag": "cost-centre-7"})
        call = client.create("/calls", {"coSpace": space})
        leg = client.create("/calls/%s/callLegs" % call, {"remoteParty": "alice@example.com"})
        harness.wait_for(lambda: client.get("/callLegs/" + leg).xml().findtext("status/state")
                         == "connected", what="the leg to connect")
        # A change of what callLegUpdate carries sends another one.
        assert client.put("/callLegs/" + leg, {"nameLabelOverride": "Alice"}).status == 200
        assert client.delete("/callLegs/" + leg).status == 200
        assert client.delete("/calls/" + call).status == 200
        expected = ["callStart", "callLegStart", "callLegUpdate", "callLegUpdate", "callLegEnd",
                    "callEnd"]
        harness.wait_for(lambda: receiver.types() == expected,
                         what="the six records, got %r" % receiver.types())
        records = receiver.records()
        root = records[0][0]
        bridge_id = client.get("/callBridges").xml().find("callBridge").get("id")
        assert root.get("callBridge") == bridge_id
        assert len(root.get("session")) == 36
        indexes = [int(record.get("recordIndex")) for _, record in records]
        assert indexes == sorted(indexes) and len(set(indexes)) == 6, indexes
        start = records[0][1].find("call")
        assert start.get("id") == call and start.findtext("coSpace") == space
        assert start.findtext("name") == "Weekly" and start.findtext("callType") == "coSpace"
        assert start.findtext("cdrTag") == "cost-centre-7"
        leg_start = records[1][1].find("callLeg")
        assert leg_start.get("id") == leg
        assert leg_start.findtext("remoteParty") == "alice@example.com"
        assert leg_start.findtext("direction") == "outgoing"
        assert leg_start.findtext("call") == call
        assert records[2][1].find("callLeg").findtext("state") == "connected"
        assert records[3][1].find("callLeg").findtext("displayName") == "Alice"
        leg_end = records[4][1].find("callLeg")
        assert leg_end.findtext("reason") == "localTeardown"
        assert leg_end.findtext("remoteTeardown") == "false"
        end = records[5][1].find("call")
        assert end.get("id") == call and end.findtext("callLegsCompleted") == "1"
        assert end.findtext("callLegsMaxActive") == "1"
        for _, record in records:
            assert record.get("time").endswith("Z"), record.attrib
    finally:
        bridge.cleanup()
        receiver.stop()


def test_records_wait_for_a_receiver_that_is_down():
    receiver = Receiver().start()
    bridge = Bridge(extra=["--ring-ms", "40", "--busy-party", "busy*"]).start()
    client = bridge.client
    try:
        client.create("/system/cdrReceivers", {"uri": receiver.url})
        call = client.create("/calls", {"name": "Ad hoc"})
        harness.wait_for(lambda: receiver.types() == ["callStart"], what="callStart")
        receiver.stop()  # the receiver goes down for the rest of the meeting
        first = client.create("/calls/%s/callLegs" % call, {"remoteParty": "bob@example.com"})
        busy = client.create("/calls/%s/callLegs" % call, {"remoteParty": "busy@example.com"})
        harness.wait_for(lambda: leg_gone(client, busy), what="the busy leg to end")
        harness.wait_for(lambda: client.get("/callLegs/" + first).xml().findtext(
            "status/state") == "connected", what="the first leg to connect")
        assert client.delete("/calls/" + call).status == 200
        restarted = Receiver(port=receiver.port).start()
        try:
            expected = ["callLegStart", "callLegStart", "callLegEnd", "callLegUpdate",
                        "callLegEnd", "callEnd"]
            harness.wait_for(lambda: len(restarted.types()) >= 6, timeout=20,
                             what="the queued records after the restart")
            records = restarted.records()
            kinds = [record.get("type") for _, record in records]
            assert sorted(kinds) == sorted(expected), kinds
            indexes = [int(record.get("recordIndex")) for _, record in records]
            assert indexes == list(range(2, 8)), indexes  # none lost, none twice, in order
            reasons = {record.find("callLeg").get("id"): record.find("callLeg").findtext("reason")
                       for _, record in records if record.get("type") == "callLegEnd"}
            assert reasons == {busy: "remoteTeardown", first: "localTeardown"}, reasons
        finally:
            restarted.stop()
    finally:
        bridge.cleanup()


def test_https_receiver_verified_against_the_given_certificates():
    folder = tempfile.mkdtemp(prefix="convene-cdr-tls-")
    certificate, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", key, "-out", certificate, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    receiver = Receiver(tls=(certificate, key)).start()
    trusting = Bridge(extra=["--cdr-ca-file", certificate]).start()
    untrusting = Bridge().start()  # the system's CA store does not know this certificate
    try:
        for node in (trusting, untrusting):
            node.client.create("/system/cdrReceivers", {"uri": receiver.url})
        trusting.client.create("/calls", {"name": "Over TLS"})
        harness.wait_for(lambda: receiver.types() == ["callStart"], what="callStart over https")
        untrusting.client.create("/calls", {"name": "Refused"})
        harness.wait_for(lambda: "did not accept records" in untrusting.log(),
                         what="the untrusted receiver to be retried")
        assert receiver.types() == ["callStart"]
    finally:
        trusting.cleanup()
        untrusting.cleanup()
        receiver.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run_tests(globals())
