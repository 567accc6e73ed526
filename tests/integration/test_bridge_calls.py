"""convene-bridge live calls over real sockets: /calls, /callLegs,
/participants, the simulated dial-out (initial -> ringing -> connected,
busy and no-answer parties), the status counters, disconnecting, restart
clearing the runtime state, and many clients dialling at once.

Every wait is harness.wait_for on a condition. Where a test must show that
something did NOT happen by a time (a no-answer leg still ringing), it
waits for a leg dialled later to connect: the simulator fires steps in
deadline order, so by then the earlier leg's ring time has passed too."""

import re
import threading

import harness
from harness import Bridge, CmsClient, run_tests

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


def stop_cleanly(bridge):
    """SIGTERM must end the bridge with status 0 even with legs in flight
    (under the sanitizers a leak or error would make it non-zero)."""
    status_code = bridge.stop()
    assert status_code == 0, (status_code, bridge.log()[-3000:])


def make_space(client, name, uri):
    return client.create("/coSpaces", {"name": name, "uri": uri})


def status(client):
    root = client.get("/system/status").xml()
    return {name: int(root.findtext(name)) for name in (
        "callLegsActive", "callLegsMaxActive", "callLegsCompleted", "cdrCorrelatorIndex",
        "audioBitRateOutgoing", "videoBitRateIncoming")}


def leg_state(client, leg_id):
    reply = client.get("/callLegs/" + leg_id)
    if reply.status == 404:
        return "gone"
    assert reply.status == 200, reply
    return reply.xml().findtext("status/state")


def failure(reply):
    """The failure reason element's name of a CMS failure answer."""
    return reply.xml()[0].tag


def dial(client, call_id, remote_party, **fields):
    fields = dict(fields, remoteParty=remote_party)
    reply = client.post("/calls/%s/callLegs" % call_id, fields)
    assert reply.status == 200, reply
    location = reply.header("Location")
    assert location.startswith("/api/v1/callLegs/"), location
    leg_id = location.rsplit("/", 1)[1]
    assert UUID.match(leg_id), leg_id
    return leg_id


def wait_state(client, leg_id, state, timeout=10):
    harness.wait_for(lambda: leg_state(client, leg_id) == state, timeout=timeout,
                     what="leg %s to be %s" % (leg_id, state))


def test_calls_instantiate_spaces():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict"]).start()
    client = bridge.client
    try:
        space = make_space(client, "Dev Space", "dev.space")
        reply = client.post("/calls", {"coSpace": space})
        assert reply.status == 200 and reply.body == "", reply
        assert re.match(r"^/api/v1/calls/[0-9a-f-]{36}$", reply.header("Location"))
        call_id = reply.header("Location").rsplit("/", 1)[1]

        detail = client.get("/calls/" + call_id).xml()
        assert detail.tag == "call" and detail.get("id") == call_id
        assert detail.findtext("name") == "Dev Space"
        assert detail.findtext("coSpace") == space
        assert detail.findtext("callType") == "coSpace"
        assert UUID.match(detail.findtext("callCorrelator"))
        for name, value in (("numCallLegs", "0"), ("maxCallLegs", "0"),
                            ("numParticipantsLocal", "0"), ("locked", "false"),
                            ("activeWhenEmpty", "true"), ("messagePosition", "middle")):
            assert detail.findtext(name) == value, (name, detail.findtext(name))
        assert int(detail.findtext("durationSeconds")) >= 0

        # One active call per space.
        again = client.post("/calls", {"coSpace": space})
        assert again.status == 400 and failure(again) == "invalidOperation", again
        # Unknown or malformed spaces.
        for bad in (NO_SUCH_ID, "not-a-uuid"):
            missing = client.post("/calls", {"coSpace": bad})
            assert missing.status == 400 and failure(missing) == "coSpaceDoesNotExist", missing
        # Neither coSpace nor name; unknown parameter; bad value.
        nothing = client.post("/calls", {"locked": "true"})
        assert nothing.status == 400
        assert nothing.xml().find("parameterError").get("parameter") == "coSpace"
        unknown = client.post("/calls", {"coSpace": space, "colour": "blue"})
        assert unknown.xml().find("parameterError").get("parameter") == "colour"
        bad = client.post("/calls", {"name": "x", "locked": "maybe"})
        assert bad.status == 400
        assert bad.xml().find("parameterError").get("error") == "invalidValue"

        # A call by name alone is an ad hoc call.
        adhoc = client.create("/calls", {"name": "Ad hoc", "locked": "true"})
        detail = client.get("/calls/" + adhoc).xml()
        assert detail.findtext("callType") == "adHoc"
        assert detail.find("coSpace") is None
        assert detail.findtext("locked") == "true"

        assert client.get("/calls/" + NO_SUCH_ID).status == 404
        assert failure(client.get("/calls/" + NO_SUCH_ID)) == "callDoesNotExist"
        assert client.get("/calls/nonsense").status == 404
        assert 'created new call %s' % call_id in bridge.trace()
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_call_list_paging_and_filters():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict"]).start()
    client = bridge.client
    try:
        spaces = [make_space(client, "Room %d" % i, "room.%d" % i) for i in range(3)]
        calls = [client.create("/calls", {"coSpace": space}) for space in spaces]
        root = client.get("/calls").xml()
        assert root.tag == "calls" and root.get("total") == "3"
        assert [call.get("id") for call in root] == calls  # creation order
        first = root[0]
        assert [child.tag for child in first] == ["name", "coSpace", "callCorrelator"]

        page = client.get("/calls?offset=1&limit=1").xml()
        assert page.get("total") == "3" and [c.get("id") for c in page] == [calls[1]]
        tail = client.get("/calls?offset=2&limit=10").xml()
        assert [c.get("id") for c in tail] == [calls[2]]
        assert len(client.get("/calls?offset=5").xml()) == 0

        only = client.get("/calls?coSpaceFilter=" + spaces[1].upper()).xml()
        assert only.get("total") == "1" and only[0].get("id") == calls[1]
        assert client.get("/calls?coSpaceFilter=" + NO_SUCH_ID).xml().get("total") == "0"
        assert client.get("/calls?tenantFilter=" + NO_SUCH_ID).xml().get("total") == "0"
        assert client.get("/calls?filter=room%202").xml().get("total") == "1"
        assert client.get("/calls?limit=x").status == 400
        assert client.get("/calls?bogus=1").status == 400
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_modify_call():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict"]).start()
    client = bridge.client
    try:
        call_id = client.create("/calls", {"coSpace": make_space(client, "Board", "board")})
        reply = client.put("/calls/" + call_id, {"locked": "true", "messageText": "Welcome",
                                                 "messageDuration": "permanent",
                                                 "messagePosition": "top"})
        assert reply.status == 200, reply
        detail = client.get("/calls/" + call_id).xml()
        assert detail.findtext("locked") == "true"
        assert detail.findtext("messageText") == "Welcome"
        assert detail.findtext("messageDuration") == "permanent"
        assert detail.findtext("messagePosition") == "top"
        # An empty value unsets; an omitted one stays.
        assert client.put("/calls/" + call_id, {"messageText": ""}).status == 200
        detail = client.get("/calls/" + call_id).xml()
        assert detail.find("messageText") is None and detail.findtext("locked") == "true"
        bad = client.put("/calls/" + call_id, {"messagePosition": "left"})
        assert bad.status == 400
        assert bad.xml().find("parameterError").get("parameter") == "messagePosition"
        assert client.put("/calls/" + call_id, {"coSpace": NO_SUCH_ID}).status == 400
        assert client.put("/calls/" + NO_SUCH_ID, {"locked": "false"}).status == 404
        assert "modified call %s" % call_id in bridge.trace()
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_dial_out_progresses_and_a_participant_appears():
    # A long ring makes each state last long enough to be seen by polling:
    # initial for ring/4, ringing until ring.
    bridge = Bridge(extra=["--ring-ms", "4000"]).start()
    client = bridge.client
    try:
        space = make_space(client, "Dial Space", "dial.space")
        call_id = client.create("/calls", {"coSpace": space})
        before = status(client)
        owner = "9fea4ad1-953a-4801-b4cd-b9382c43b077"
        leg_id = dial(client, call_id, "desk.ex90@example.com", chosenLayout="speakerOnly",
                      ownerId=owner, bandwidth="2000000", confirmation="false")
        # With --ring-ms 4000 a leg stays initial for a second.
        assert leg_state(client, leg_id) == "initial"
        wait_state(client, leg_id, "ringing")
        assert client.get("/participants").xml().get("total") == "0"
        assert status(client)["callLegsActive"] == before["callLegsActive"]
        wait_state(client, leg_id, "connected")

        leg = client.get("/callLegs/" + leg_id).xml()
        assert leg.get("id") == leg_id
        assert leg.findtext("remoteParty") == "desk.ex90@example.com"
        assert leg.findtext("originalRemoteParty") == "desk.ex90@example.com"
        assert leg.findtext("call") == call_id
        assert leg.findtext("direction") == "outgoing"
        assert leg.findtext("type") == "sip"
        assert leg.findtext("localAddress") == "dial.space"
        assert leg.findtext("configuration/chosenLayout") == "speakerOnly"
        assert leg.findtext("configuration/ownerId") == owner
        assert leg.findtext("status/activeLayout") == "speakerOnly"
        assert int(leg.findtext("status/durationSeconds")) >= 0
        assert leg.findtext("status/rxAudio/bitRate") == "64000"

        bridge_id = client.get("/callBridges").xml()[0].get("id")
        people = client.get("/participants").xml()
        assert people.get("total") == "1"
        participant = people[0].get("id")
        assert UUID.match(participant)
        assert people[0].findtext("call") == call_id
        assert people[0].findtext("callBridge") == bridge_id
        detail = client.get("/participants/" + participant).xml()
        assert detail.findtext("name") == "desk.ex90@example.com"
        assert detail.findtext("uri") == "desk.ex90@example.com"
        assert detail.findtext("numCallLegs") == "1"
        assert detail.findtext("status/state") == "connected"
        legs = client.get("/participants/%s/callLegs" % participant).xml()
        assert [l.get("id") for l in legs] == [leg_id]
        in_call = client.get("/calls/%s/participants" % call_id).xml()
        assert [p.get("id") for p in in_call] == [participant]
        assert client.get("/participants?callBridgeFilter=" + NO_SUCH_ID).xml().get("total") == "0"
        assert client.get("/participants?callBridgeFilter=" + bridge_id).xml().get("total") == "1"
        assert client.get("/callLegs?participantFilter=" + participant).xml().get("total") == "1"

        after = status(client)
        assert after["callLegsActive"] == 1 and after["callLegsMaxActive"] == 1
        assert after["callLegsCompleted"] == 0
        assert after["audioBitRateOutgoing"] == 64000
        assert after["videoBitRateIncoming"] == 1000000
        assert after["cdrCorrelatorIndex"] > before["cdrCorrelatorIndex"]
        call = client.get("/calls/" + call_id).xml()
        assert call.findtext("numCallLegs") == "1"
        assert call.findtext("numParticipantsLocal") == "1"
        assert call.findtext("maxCallLegs") == "1"

        # Participant settings and the shared name label.
        assert client.put("/participants/" + participant,
                          {"importance": "5", "nameLabelOverride": "Desk"}).status == 200
        detail = client.get("/participants/" + participant).xml()
        assert detail.findtext("configuration/importance") == "5"
        assert detail.findtext("name") == "Desk"
        assert client.get("/callLegs/" + leg_id).xml().findtext("name") == "Desk"
        assert client.put("/participants/" + participant, {"importance": "x"}).status == 400
        assert "created new call leg %s, call %s" % (leg_id, call_id) in bridge.trace()
        assert 'outgoing SIP call to "desk.ex90@example.com" from space "Dial Space"' in bridge.log()
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_busy_and_no_answer_parties_are_deterministic():
    bridge = Bridge(extra=["--ring-ms", "300", "--busy-party", "busy-*@example.com",
                           "--no-answer-party", "*@nowhere.example",
                           "--no-answer-party", "silent*"]).start()
    client = bridge.client
    try:
        call_id = client.create("/calls", {"coSpace": make_space(client, "Rules", "rules")})
        busy = dial(client, call_id, "BUSY-desk@example.com")  # patterns ignore case
        silent = dial(client, call_id, "room@nowhere.example")
        answered = dial(client, call_id, "fine@example.com")
        wait_state(client, answered, "connected")
        # The answered leg was dialled last: the others' ring time has passed.
        wait_state(client, busy, "gone")
        reply = client.get("/callLegs/" + busy)
        assert reply.status == 404 and failure(reply) == "callLegDoesNotExist"
        assert leg_state(client, silent) == "ringing"
        listed = [leg.get("id") for leg in client.get("/calls/%s/callLegs" % call_id).xml()]
        assert listed == [silent, answered]
        counters = status(client)
        assert counters["callLegsCompleted"] == 1  # the busy leg
        assert counters["callLegsActive"] == 1     # only the answered one
        people = client.get("/participants").xml()
        assert people.get("total") == "1"
        assert people[0].findtext("name") == "fine@example.com"

        # A later dial-out connecting still leaves the no-answer leg ringing.
        wait_state(client, dial(client, call_id, "later@example.com"), "connected")
        assert leg_state(client, silent) == "ringing"
        # Until the client gives up and deletes it.
        assert client.delete("/callLegs/" + silent).status == 200
        assert leg_state(client, silent) == "gone"
        counters = status(client)
        assert counters["callLegsCompleted"] == 2 and counters["callLegsActive"] == 2
        assert "deleted call leg %s" % silent in bridge.trace()
        assert 'rejected: busy' in bridge.log()
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_deleting_legs_and_calls_disconnects():
    bridge = Bridge(extra=["--ring-ms", "50"]).start()
    client = bridge.client
    try:
        space = make_space(client, "Ending", "ending")
        call_id = client.create("/calls", {"coSpace": space})
        legs = [dial(client, call_id, "p%d@example.com" % i) for i in range(3)]
        for leg in legs:
            wait_state(client, leg, "connected")
        assert status(client)["callLegsActive"] == 3
        participant = client.get("/callLegs?filter=p0@").xml()
        assert participant.get("total") == "1"

        assert client.delete("/callLegs/" + legs[0]).status == 200
        assert client.delete("/callLegs/" + legs[0]).status == 404
        counters = status(client)
        assert counters["callLegsActive"] == 2 and counters["callLegsCompleted"] == 1
        assert counters["callLegsMaxActive"] == 3
        assert client.get("/participants").xml().get("total") == "2"
        assert client.get("/calls/" + call_id).xml().findtext("numCallLegs") == "2"
        assert client.get("/calls/" + call_id).xml().findtext("maxCallLegs") == "3"

        # Deleting a participant disconnects its leg too.
        victim = client.get("/participants").xml()[0].get("id")
        assert client.delete("/participants/" + victim).status == 200
        assert client.get("/participants/" + victim).status == 404
        assert failure(client.get("/participants/" + victim)) == "participantDoesNotExist"
        assert status(client)["callLegsActive"] == 1

        assert client.delete("/calls/" + call_id).status == 200
        for leg in legs:
            assert leg_state(client, leg) == "gone"
        counters = status(client)
        assert counters["callLegsActive"] == 0 and counters["callLegsCompleted"] == 3
        assert counters["audioBitRateOutgoing"] == 0
        assert client.get("/participants").xml().get("total") == "0"
        assert client.get("/calls").xml().get("total") == "0"
        assert client.delete("/calls/" + call_id).status == 404
        assert "deleted call %s" % call_id in bridge.trace()
        # The space can host a new call once the old one ended.
        assert client.post("/calls", {"coSpace": space}).status == 200
        # Dialling from a call that is gone.
        reply = client.post("/calls/%s/callLegs" % call_id, {"remoteParty": "x@example.com"})
        assert reply.status == 404 and failure(reply) == "callDoesNotExist"
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_leg_parameters_filters_and_the_seed_spelling():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict", "--ring-ms", "50"]).start()
    client = bridge.client
    try:
        call_id = client.create("/calls", {"coSpace": make_space(client, "Params", "params")})
        path = "/calls/%s/callLegs" % call_id
        missing = client.post(path, {"chosenLayout": "speakerOnly"})
        assert missing.status == 400
        assert missing.xml().find("parameterError").get("parameter") == "remoteParty"
        for field, value in (("chosenLayout", "sideways"), ("bandwidth", "-1"),
                             ("confirmation", "yes"), ("ownerId", "nope"),
                             ("joinToneParticipantThreshold", "101"), ("dtmfSequence", "12a"),
                             ("nameLabelOverride", "n" * 51)):
            bad = client.post(path, {"remoteParty": "a@example.com", field: value})
            assert bad.status == 400, (field, bad)
            assert bad.xml().find("parameterError").get("parameter") == field
        profile = client.post(path, {"remoteParty": "a@example.com", "callLegProfile": NO_SUCH_ID})
        assert profile.status == 400 and failure(profile) == "callLegProfileDoesNotExist"
        assert client.get("/callLegs").xml().get("total") == "0"

        owned = dial(client, call_id, "owned@example.com", ownerId=NO_SUCH_ID,
                     rxAudioMute="true", defaultLayout="allEqual")
        plain = dial(client, call_id, "plain@example.com")
        wait_state(client, owned, "connected")
        wait_state(client, plain, "connected")
        assert client.get("/callLegs?ownerIdSet=true").xml()[0].get("id") == owned
        assert client.get("/callLegs?ownerIdSet=false").xml()[0].get("id") == plain
        assert client.get("/callLegs?filter=PLAIN").xml().get("total") == "1"
        assert client.get("/callLegs?activeLayoutFilter=allEqual").xml().get("total") == "1"
        assert client.get("/callLegs?availableVideoStreamsLowerBound=1").xml().get("total") == "2"
        assert client.get("/callLegs?alarms=packetLoss|highRoundTripTime").xml().get("total") == "0"
        assert client.get("/callLegs?alarms=bogus").status == 400
        assert client.get("/callLegs?limit=1&offset=1").xml()[0].get("id") == plain

        # PUT changes the live configuration; remoteParty cannot change.
        assert client.put("/callLegs/" + plain, {"chosenLayout": "stacked",
                                                 "txVideoMute": "true"}).status == 200
        leg = client.get("/callLegs/" + plain).xml()
        assert leg.findtext("configuration/chosenLayout") == "stacked"
        assert leg.findtext("configuration/txVideoMute") == "true"
        assert leg.findtext("status/layout") == "stacked"
        assert client.put("/callLegs/" + plain, {"remoteParty": "b@example.com"}).status == 400
        assert client.put("/callLegs/" + plain, {"chosenLayout": ""}).status == 200
        assert client.get("/callLegs/" + plain).xml().find("configuration/chosenLayout") is None
        assert client.put("/callLegs/" + NO_SUCH_ID, {"chosenLayout": "stacked"}).status == 404

        # TMS in the seed writes "callegs"; the bridge answers it as callLegs.
        assert client.get("/callegs").xml().get("total") == "2"
        reply = client.post("/calls/%s/callegs" % call_id, {"remoteParty": "seed@example.com"})
        assert reply.status == 200
        assert reply.header("Location").startswith("/api/v1/callLegs/")
        assert client.get("/calls/%s/callLegs" % NO_SUCH_ID).status == 404
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_runtime_state_is_gone_after_restart_but_the_space_stays():
    bridge = Bridge(extra=["--ring-ms", "100", "--no-answer-party", "never@*"]).start()
    try:
        client = bridge.client
        space = make_space(client, "Persistent", "persistent")
        call_id = client.create("/calls", {"coSpace": space})
        connected = dial(client, call_id, "someone@example.com")
        dial(client, call_id, "never@example.com")  # pending forever at shutdown
        wait_state(client, connected, "connected")
        dial(client, call_id, "late@example.com")   # steps still pending at shutdown
        assert bridge.stop() == 0

        bridge.start()
        client = bridge.client
        assert client.get("/calls").xml().get("total") == "0"
        assert client.get("/calls/" + call_id).status == 404
        assert client.get("/callLegs").xml().get("total") == "0"
        assert client.get("/participants").xml().get("total") == "0"
        counters = status(client)
        assert counters["callLegsActive"] == 0 and counters["callLegsMaxActive"] == 0
        assert counters["callLegsCompleted"] == 0
        assert client.get("/coSpaces/" + space).status == 200
        assert client.post("/calls", {"coSpace": space}).status == 200
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


def test_many_clients_dialling_at_once():
    bridge = Bridge(extra=["--ring-ms", "20"]).start()
    try:
        setup = bridge.client
        calls = [setup.create("/calls", {"coSpace": make_space(setup, "Busy %d" % i,
                                                               "busy.%d" % i)})
                 for i in range(4)]
        threads_count, per_thread = 8, 25
        created = [[] for _ in range(threads_count)]
        errors = []

        def worker(index):
            client = CmsClient(bridge.port)
            try:
                for n in range(per_thread):
                    call_id = calls[(index + n) % len(calls)]
                    created[index].append(dial(client, call_id, "t%d-%d@example.com" % (index, n)))
                    if n % 5 == 0:
                        client.get("/callLegs?limit=5")
                        client.get("/system/status")
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                client.close()

        workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert not errors, errors
        total = threads_count * per_thread
        client = bridge.client
        harness.wait_for(lambda: status(client)["callLegsActive"] == total, timeout=30,
                         what="every leg to connect")
        assert client.get("/callLegs").xml().get("total") == str(total)
        assert client.get("/participants").xml().get("total") == str(total)
        assert sum(int(client.get("/calls/" + c).xml().findtext("numParticipantsLocal"))
                   for c in calls) == total
        assert status(client)["callLegsMaxActive"] == total

        # Now hang up from many threads at once: half by leg, then the calls.
        def hang_up(index):
            hanger = CmsClient(bridge.port)
            try:
                for leg in created[index][::2]:
                    assert hanger.delete("/callLegs/" + leg).status == 200
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                hanger.close()

        workers = [threading.Thread(target=hang_up, args=(i,)) for i in range(threads_count)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert not errors, errors
        for call_id in calls:
            assert client.delete("/calls/" + call_id).status == 200
        counters = status(client)
        assert counters["callLegsActive"] == 0
        assert counters["callLegsCompleted"] == total
        assert counters["callLegsMaxActive"] == total
        assert bridge.alive()
        stop_cleanly(bridge)
    finally:
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
