"""Replays, in order, the API traffic between TMS 15.3 and CMS 2.0 that the
seed guide shows verbatim (shared/seed/000_2c997692243b1ca1.txt) against a
fresh two-member cluster node, and checks what a real CMS answered: status
codes, Location shapes, the returned elements, the trace's audit lines and
passcode masking.

The seed's rendering lost every $index$ token; TMS really sends
coSpaceNameMapping=TMS_Scheduled_Meeting_$index$, coSpaceUriMapping=$index$
and coSpaceCallIdMapping=$index$ (the guide's screenshot shows the
resulting spaces). Its "/callegs" is a rendering typo for /callLegs.
"""

import re

import harness
from harness import Bridge, run_tests

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MEETING_NAME = "Tim Kratzke Acano TMSXE Test Meeting"
MEETING_SECRET = "86db1bdd-5cf7-4ea8-b88d-479195f4701a"
MEETING_PASSCODE = "48151623"
REMOTE_PARTY = "desk.ex90@tkratzke.local"


class Replay:
    """One TMS session against one bridge: every exchange is checked for
    the CMS shape before the next is sent."""

    def __init__(self, bridge):
        self.bridge = bridge
        self.client = bridge.client

    def get(self, path, root):
        reply = self.client.get(path)
        assert reply.status == 200, (path, reply)
        assert reply.header("Content-Type").startswith("text/xml"), reply.headers
        assert reply.body.startswith('<?xml version="1.0"?>'), reply.body
        element = reply.xml()
        assert element.tag == root, (path, element.tag)
        return element

    def post(self, path, fields, collection):
        reply = self.client.post(path, fields)
        assert reply.status == 200, (path, reply)
        assert reply.body == "", reply.body
        location = reply.header("Location") or ""
        match = re.match(r"^/api/v1/%s/(%s)$" % (collection, UUID), location)
        assert match, (path, location)
        return match.group(1)

    def put(self, path, body):
        reply = self.client.put(path, body)
        assert reply.status == 200, (path, reply)
        assert reply.body == "", reply.body

    def status(self):
        status = self.get("/system/status", "status")
        for name in ("softwareVersion", "uptimeSeconds", "cdrTime", "activated",
                     "clusterEnabled", "callLegsActive", "callLegsMaxActive"):
            assert status.find(name) is not None, name
        assert status.findtext("activated") == "true"
        assert status.findtext("clusterEnabled") == "true"
        return status


def meeting_put_body(passcode=MEETING_PASSCODE):
    # The order TMS sends (trace 9500/9711).
    return [("nonMemberAccess", "true"), ("passcode", passcode), ("name", MEETING_NAME),
            ("secret", MEETING_SECRET)]


def test_tms_session_replay():
    port = harness.free_port()
    bridge = Bridge(port=port, name="CallBridge-Core1",
                    peers=["CallBridge-Core2=https://127.0.0.1:1"])
    try:
        bridge.start()
        tms = Replay(bridge)

        # --- adding the server: discovery and profiles (traces 8889-8894) ---
        tms.status()
        bridges = tms.get("/callBridges", "callBridges")
        assert bridges.get("total") == "2"
        assert [member.findtext("name") for member in bridges] == ["CallBridge-Core1",
                                                                   "CallBridge-Core2"]
        for member in bridges:
            detail = tms.get("/callBridges/" + member.get("id"), "callBridge")
            assert detail.get("id") == member.get("id")
            assert detail.findtext("name") == member.findtext("name")
            assert detail.findtext("address")
            assert detail.find("sipDomain") is not None
        call_profile = tms.post("/callProfiles",
                                [("participantLimit", "1000"), ("messageBoardEnabled", "false")],
                                "callProfiles")
        call_leg_profile = tms.post("/callLegProfiles",
                                    [("defaultLayout", "telepresence"),
                                     ("changeLayoutAllowed", "true"),
                                     ("presentationContributionAllowed", "true"),
                                     ("presentationViewingAllowed", "true"),
                                     ("muteSelfAllowed", "true"), ("videoMuteSelfAllowed", "true")],
                                    "callLegProfiles")

        # --- reserving the spaces: bulk parameter set and sync (8954-8957) ---
        parameter_set = tms.post("/cospaceBulkParameterSets",
                                 [("startIndex", "1"), ("endIndex", "5"),
                                  ("coSpaceUriMapping", "$index$"),
                                  ("coSpaceNameMapping", "TMS_Scheduled_Meeting_$index$"),
                                  ("coSpaceCallIdMapping", "$index$"),
                                  ("callProfile", call_profile),
                                  ("callLegProfile", call_leg_profile),
                                  ("nonMemberAccess", "false")],
                                 "cospaceBulkParameterSets")
        sync = tms.post("/cospaceBulkSyncs", [("cospaceBulkParameterSet", parameter_set)],
                        "cospaceBulkSyncs")

        def sync_finished():
            element = tms.get("/cospaceBulkSyncs/" + sync, "cospaceBulkSync")
            return element if element.findtext("status") not in ("pending", "running") else None
        finished = harness.wait_for(sync_finished, timeout=20, what="the bulk sync")
        assert finished.get("id") == sync
        assert finished.findtext("status") == "complete", finished.findtext("status")
        tms.status()

        # --- meeting start (traces 9496-9506) ---
        tms.status()
        participants = tms.get("/participants", "participants")
        assert participants.get("total") == "0"
        unauthenticated = tms.client.get("/coSpaces", credentials=None)  # trace 9498
        assert unauthenticated.status == 401
        assert unauthenticated.header("WWW-Authenticate") == 'Basic realm="acano"'
        spaces = tms.get("/coSpaces", "coSpaces")
        assert spaces.get("total") == "5"
        by_name = {}
        for space in spaces:
            assert re.match("^%s$" % UUID, space.get("id"))
            names = [child.tag for child in space]
            assert names[:2] == ["name", "autoGenerated"], names
            assert "uri" in names and "callId" in names, names
            by_name[space.findtext("name")] = space
        assert sorted(by_name) == ["TMS_Scheduled_Meeting_%d" % i for i in range(1, 6)]
        for index in range(1, 6):
            space = by_name["TMS_Scheduled_Meeting_%d" % index]
            assert space.findtext("uri") == str(index)
            assert space.findtext("callId") == str(index)
        space_id = by_name["TMS_Scheduled_Meeting_1"].get("id")
        reserved = tms.get("/coSpaces/" + space_id, "coSpace")
        assert reserved.findtext("nonMemberAccess") == "false"
        assert reserved.findtext("callProfile") == call_profile
        assert reserved.findtext("callLegProfile") == call_leg_profile

        tms.put("/cospaces/" + space_id, meeting_put_body())  # TMS writes the path in lower case
        opened = tms.get("/coSpaces/" + space_id, "coSpace")
        assert opened.findtext("name") == MEETING_NAME
        assert opened.findtext("nonMemberAccess") == "true"
        assert opened.findtext("passcode") == MEETING_PASSCODE
        assert opened.findtext("secret") == MEETING_SECRET
        assert opened.findtext("uri") == "1" and opened.findtext("callId") == "1"

        call_id = tms.post("/calls", [("coSpace", space_id)], "calls")
        tms.status()
        assert tms.get("/coSpaces", "coSpaces").get("total") == "5"
        calls = tms.get("/calls", "calls")
        assert calls.get("total") == "1"
        call = calls[0]
        assert call.tag == "call" and call.get("id") == call_id
        assert call.findtext("name") == MEETING_NAME
        assert call.findtext("coSpace") == space_id
        assert re.match("^%s$" % UUID, call.findtext("callCorrelator") or "")
        legs = tms.get("/callLegs", "callLegs")
        assert legs.get("total") == "0"
        leg_id = tms.post("/calls/%s/callLegs" % call_id, [("remoteParty", REMOTE_PARTY)],
                          "callLegs")

        def joined():
            listing = tms.get("/participants", "participants")
            return listing if listing.get("total") == "1" else None
        harness.wait_for(joined, timeout=10, what="the dialled participant to join")
        leg = tms.get("/callLegs/" + leg_id, "callLeg")
        assert leg.get("id") == leg_id
        assert leg.findtext("remoteParty") == REMOTE_PARTY
        assert leg.findtext("call") == call_id

        # --- extending the meeting (trace 9711): the same PUT again ---
        tms.put("/cospaces/" + space_id, meeting_put_body())

        # --- ending the meeting (traces 9874-9879) ---
        tms.status()
        tms.get("/coSpaces", "coSpaces")
        assert tms.get("/calls", "calls").get("total") == "1"
        tms.get("/coSpaces", "coSpaces")
        tms.put("/cospaces/" + space_id,
                [("nonMemberAccess", "false"), ("passcode", ""),
                 ("name", "TMS_Scheduled_Meeting_1"), ("regenerateSecret", "true")])
        closed = tms.get("/coSpaces/" + space_id, "coSpace")
        assert closed.findtext("name") == "TMS_Scheduled_Meeting_1"
        assert closed.findtext("nonMemberAccess") == "false"
        assert closed.find("passcode") is None
        assert closed.findtext("secret") and closed.findtext("secret") != MEETING_SECRET
        reply = tms.client.delete("/calls/" + call_id)
        assert reply.status == 200 and reply.body == "", reply
        assert tms.get("/calls", "calls").get("total") == "0"

        def ended():
            return tms.get("/participants", "participants").get("total") == "0"
        harness.wait_for(ended, what="the call's participants to leave")

        # --- the trace: audit lines as the seed shows them, passcodes masked ---
        def traced():
            text = bridge.trace()
            return text if "deleted call %s" % call_id in text else None
        trace = harness.wait_for(traced, what="the trace to show the deleted call")
        audit = 'API user "admin" '
        for line in ("created new call profile " + call_profile,
                     "created new call leg profile " + call_leg_profile,
                     "modified space %s (%s)" % (space_id, MEETING_NAME),
                     "modified space %s (TMS_Scheduled_Meeting_1)" % space_id,
                     "created new call " + call_id,
                     "created new call leg %s, call %s" % (leg_id, call_id),
                     "deleted call " + call_id):
            assert audit + line in trace, line
        assert "passcode=*****" in trace
        assert MEETING_PASSCODE not in trace
        assert 'GET for "/api/v1/callBridges"' in trace
        assert "Location: /api/v1/callProfiles/" + call_profile in trace
    finally:
        status = bridge.stop() if bridge.alive() else 0
        log = bridge.log() if bridge.log_path else ""
        bridge.cleanup()
        assert status == 0, log[-4000:]
        assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


if __name__ == "__main__":
    run_tests(globals())
