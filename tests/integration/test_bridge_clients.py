"""What public CMS clients send, and what a real CMS answers them: query
parameter names in another case, unknown query and body parameters, form
bodies labelled as JSON, unlabelled or labelled "www-formurl-encoded",
participants added and changed through /calls/<id>/participants. With
--strict the bridge keeps refusing what it refused before."""

import base64
import urllib.parse

import harness
from harness import Bridge, run_tests


def space_name(client, space_id):
    reply = client.get("/coSpaces/" + space_id)
    assert reply.status == 200, reply
    name = reply.xml().find("name")
    return None if name is None else name.text


def post_raw(client, path, body, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    return client.request("POST", "/api/v1" + path, body=body, headers=headers)


def status_without_space(client):
    """A request whose Authorization has no space after "Basic", as one
    public client sends it to real CMSs."""
    token = base64.b64encode(("%s:%s" % harness.ADMIN).encode()).decode()
    reply = client.request("GET", "/api/v1/system/status",
                           headers={"Authorization": "Basic" + token}, credentials=None)
    return reply.status


def location_id(reply):
    assert reply.status == 200, reply
    return reply.header("Location").rsplit("/", 1)[1]


def test_query_names_in_any_case_and_unknown_ones_are_ignored():
    bridge = Bridge().start()
    client = bridge.client
    try:
        first = client.create("/coSpaces", {"name": "First", "uri": "first"})
        second = client.create("/coSpaces", {"name": "Second", "uri": "second"})
        call = client.create("/calls", {"coSpace": first})
        client.create("/calls", {"coSpace": second})
        # A public client spells it coSpacefilter; a real CMS filters.
        reply = client.get("/calls?coSpacefilter=" + first)
        assert reply.status == 200, reply
        assert reply.xml().get("total") == "1", reply.body
        assert reply.xml().find("call").get("id") == call
        reply = client.get("/calls?COSPACEFILTER=" + second + "&LIMIT=1")
        assert reply.status == 200 and reply.xml().get("total") == "1", reply.body
        # A misspelt unknown argument is ignored, and the trace says so.
        reply = client.get("/coSpaces?colour=red&filtr=x")
        assert reply.status == 200 and reply.xml().get("total") == "2", reply.body
        harness.wait_for(lambda: 'ignored query parameter "colour"' in bridge.trace(),
                         what="the trace to note the ignored query parameter")
    finally:
        bridge.cleanup()


def test_form_bodies_whatever_their_content_type():
    bridge = Bridge().start()
    client = bridge.client
    try:
        for index, content_type in enumerate(["application/json", None,
                                              "application/www-formurl-encoded",
                                              "text/plain; charset=utf-8"]):
            name = "Space %d" % index
            reply = post_raw(client, "/coSpaces", urllib.parse.urlencode({"name": name}),
                             content_type)
            assert space_name(client, location_id(reply)) == name, content_type
        # A JSON document is not a form: it decodes to one parameter named
        # after the whole document, which no object knows, so it is
        # ignored as any unknown parameter is; the space has no name.
        reply = post_raw(client, "/coSpaces", '{"name": "json"}', "application/json")
        assert space_name(client, location_id(reply)) is None
        # A dial-out needs its remoteParty: a JSON body lacks it.
        call = client.create("/calls", {"name": "Ad hoc"})
        reply = post_raw(client, "/calls/%s/callLegs" % call, '{"remoteParty": "a@b"}',
                         "application/json")
        assert reply.status == 400, reply
        error = reply.xml().find("parameterError")
        assert error.get("parameter") == "remoteParty" and error.get("error") == "valueRequired"
    finally:
        bridge.cleanup()


def test_unknown_body_parameters_are_ignored_and_traced():
    bridge = Bridge().start()
    client = bridge.client
    try:
        # Cisco's own client sends email on POST /coSpaces.
        reply = client.post("/coSpaces", {"name": "Mailed", "email": "owner@example.com"})
        space = location_id(reply)
        assert space_name(client, space) == "Mailed"
        assert "owner@example.com" not in client.get("/coSpaces/" + space).body
        harness.wait_for(lambda: 'ignored body parameter "email"' in bridge.trace(),
                         what="the trace to note the ignored body parameter")
        # Known parameters are still checked.
        reply = client.post("/coSpaces", {"name": "Bad", "email": "x", "nonMemberAccess": "maybe"})
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("parameter") == "nonMemberAccess"
        # Live objects too.
        call = client.create("/calls", {"name": "Ad hoc", "colour": "blue"})
        assert client.put("/calls/" + call, {"locked": "true", "colour": "red"}).status == 200
    finally:
        bridge.cleanup()


def test_strict_keeps_the_refusals():
    bridge = Bridge(extra=["--strict"]).start()
    client = bridge.client
    try:
        space = client.create("/coSpaces", {"name": "One"})
        reply = client.get("/calls?coSpacefilter=" + space)
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("parameter") == "coSpacefilter"
        assert client.get("/coSpaces?colour=red").status == 400
        reply = client.post("/coSpaces", {"name": "Mailed", "email": "x@example.com"})
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("error") == "unrecognisedParameter"
        for content_type in ["application/json", None, "application/www-formurl-encoded"]:
            reply = post_raw(client, "/coSpaces", "name=x", content_type)
            assert reply.status == 400, (content_type, reply)
        total = client.get("/coSpaces").xml().get("total")
        assert total == "1", total
        assert status_without_space(client) == 401
    finally:
        bridge.cleanup()


def test_basic_without_space_is_accepted_unless_strict():
    bridge = Bridge().start()
    try:
        assert status_without_space(bridge.client) == 200
    finally:
        bridge.cleanup()


def wait_state(client, leg, state):
    harness.wait_for(lambda: client.get("/callLegs/" + leg).xml().findtext("status/state")
                     == state, what="leg %s to be %s" % (leg, state))


def test_participants_are_added_and_changed_through_the_call():
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        space = client.create("/coSpaces", {"name": "Standup", "uri": "standup"})
        call = client.create("/calls", {"coSpace": space})
        # POST /calls/<id>/participants dials out: 200 + Location of the participant.
        reply = client.post("/calls/%s/participants" % call,
                            {"remoteParty": "alice@example.com", "importance": "2"})
        assert reply.status == 200, reply
        location = reply.header("Location")
        assert location.startswith("/api/v1/participants/"), location
        alice = location.rsplit("/", 1)[1]
        detail = client.get("/participants/" + alice)
        assert detail.status == 200, detail  # it exists from the start
        assert detail.xml().findtext("status/state") in ("initial", "ringing", "connected")
        assert detail.xml().findtext("configuration/importance") == "2"
        legs = client.get("/participants/%s/callLegs" % alice).xml()
        assert legs.get("total") == "1", legs
        alice_leg = legs.find("callLeg").get("id")
        bob = location_id(client.post("/calls/%s/participants" % call,
                                      {"remoteParty": "bob@example.com"}))
        bob_leg = client.get("/participants/%s/callLegs" % bob).xml().find("callLeg").get("id")
        wait_state(client, alice_leg, "connected")
        wait_state(client, bob_leg, "connected")
        assert client.get("/calls/%s/participants" % call).xml().get("total") == "2"

        # PUT /calls/<id>/participants/* applies to every participant.
        reply = client.put("/calls/%s/participants/*" % call,
                           {"rxAudioMute": "true", "txVideoMute": "true",
                            "layout": "speakerOnly", "importance": "7"})
        assert reply.status == 200, reply
        for participant, leg in ((alice, alice_leg), (bob, bob_leg)):
            shown = client.get("/callLegs/" + leg).xml()
            assert shown.findtext("configuration/rxAudioMute") == "true"
            assert shown.findtext("configuration/txVideoMute") == "true"
            assert shown.findtext("configuration/defaultLayout") == "speakerOnly"
            assert shown.findtext("status/activeLayout") == "speakerOnly"
            detail = client.get("/participants/" + participant).xml()
            assert detail.findtext("configuration/importance") == "7"
        # filterIds with mode=selected changes only those.
        reply = client.put("/calls/%s/participants/*" % call,
                           {"rxAudioMute": "false", "filterIds": bob, "mode": "selected"})
        assert reply.status == 200, reply
        assert client.get("/callLegs/" + bob_leg).xml().findtext(
            "configuration/rxAudioMute") == "false"
        assert client.get("/callLegs/" + alice_leg).xml().findtext(
            "configuration/rxAudioMute") == "true"
        # ... and the default mode, exclude, all but those.
        assert client.put("/calls/%s/participants/*" % call,
                          {"txAudioMute": "true", "filterIds": bob}).status == 200
        assert client.get("/callLegs/" + alice_leg).xml().findtext(
            "configuration/txAudioMute") == "true"
        assert client.get("/callLegs/" + bob_leg).xml().findtext(
            "configuration/txAudioMute") == "false"
        # The blueprint's other spelling, with a trailing slash and no star.
        assert client.put("/calls/%s/participants/" % call, {"importance": "8"}).status == 200
        assert client.get("/participants/" + bob).xml().findtext("configuration/importance") \
            == "8"
        bad = client.put("/calls/%s/participants/*" % call, {"filterIds": "nope"})
        assert bad.status == 400 and bad.xml().find("parameterError").get(
            "parameter") == "filterIds"
        bad = client.put("/calls/%s/participants/*" % call, {"rxAudioMute": "maybe"})
        assert bad.status == 400 and bad.xml().find("parameterError").get(
            "parameter") == "rxAudioMute"

        # PUT /participants/<id>.
        assert client.put("/participants/" + alice, {"importance": "1",
                                                     "nameLabelOverride": "Alice"}).status == 200
        assert client.get("/participants/" + alice).xml().findtext("name") == "Alice"
        assert client.get("/callLegs/" + alice_leg).xml().findtext("name") == "Alice"

        # Unknown call, missing remoteParty, a call bridge of no cluster.
        missing = "00000000-0000-4000-8000-000000000000"
        assert client.post("/calls/%s/participants" % missing,
                           {"remoteParty": "x@example.com"}).status == 404
        assert client.put("/calls/%s/participants/*" % missing, {"layout": "stacked"}).status \
            == 404
        reply = client.post("/calls/%s/participants" % call, {})
        assert reply.xml().find("parameterError").get("parameter") == "remoteParty"
        reply = client.post("/calls/%s/participants" % call,
                            {"remoteParty": "c@example.com", "callBridge": missing})
        assert reply.status == 400 and reply.xml().find("callBridgeDoesNotExist") is not None
        harness.wait_for(lambda: "created new participant " + alice in bridge.trace(),
                         what="the audit line")
    finally:
        bridge.cleanup()


def test_leg_shows_what_a_real_cms_shows():
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        space_profile = client.create("/callLegProfiles", {"sipMediaEncryption": "required",
                                                            "telepresenceCallsAllowed": "true",
                                                            "bfcpMode": "serverOnly"})
        leg_profile = client.create("/callLegProfiles", {"bfcpMode": "serverAndClient",
                                                          "txAudioMute": "true"})
        space = client.create("/coSpaces", {"name": "Fidelity", "uri": "fidelity",
                                            "callLegProfile": space_profile})
        call = client.create("/calls", {"coSpace": space})
        leg = client.create("/calls/%s/callLegs" % call,
                            {"remoteParty": "room@example.com", "callLegProfile": leg_profile,
                             "txAudioMute": "false"})
        wait_state(client, leg, "connected")
        reply = client.get("/callLegs/" + leg)
        shown = reply.xml()
        # An outgoing SIP leg has an empty name of its own.
        assert "<name></name>" in reply.body or "<name />" in reply.body, reply.body
        assert shown.findtext("name") in (None, "")
        assert shown.find("status/sipCallId") is not None and shown.find(
            "status/sipCallID") is None
        assert len(shown.findtext("status/sipCallId")) == 36
        assert shown.findtext("status/rxAudio/codecBitRate") == "64000"
        configuration = shown.find("configuration")
        # Built-in defaults, then the space's profile, the leg's profile, the leg.
        assert configuration.findtext("sipPresentationChannelEnabled") == "true"  # default
        assert configuration.findtext("sipMediaEncryption") == "required"  # space level
        assert configuration.findtext("telepresenceCallsAllowed") == "true"  # space level
        assert configuration.findtext("bfcpMode") == "serverAndClient"  # leg profile
        assert configuration.findtext("txAudioMute") == "false"  # the leg itself
        assert configuration.findtext("callLegProfile") == leg_profile
        assert shown.findtext("status/encryptedMedia") == "true"
        # A change to a profile shows at once.
        assert client.put("/callLegProfiles/" + space_profile,
                          {"sipMediaEncryption": "prohibited"}).status == 200
        shown = client.get("/callLegs/" + leg).xml()
        assert shown.findtext("configuration/sipMediaEncryption") == "prohibited"
        assert shown.findtext("status/encryptedMedia") == "false"
        assert shown.findtext("status/unencryptedMedia") == "true"
    finally:
        bridge.cleanup()


def test_legs_with_packet_loss_list_their_alarms():
    bridge = Bridge(extra=["--ring-ms", "40", "--packet-loss-party", "lossy*"]).start()
    client = bridge.client
    try:
        call = client.create("/calls", {"name": "Alarms"})
        lossy = client.create("/calls/%s/callLegs" % call, {"remoteParty": "lossy@example.com"})
        clean = client.create("/calls/%s/callLegs" % call, {"remoteParty": "clean@example.com"})
        wait_state(client, lossy, "connected")
        wait_state(client, clean, "connected")
        listed = {leg.get("id"): leg for leg in client.get("/callLegs").xml().findall("callLeg")}
        assert listed[lossy].find("alarms/packetLoss") is not None
        assert listed[clean].find("alarms") is None
        for query, expected in (("all", [lossy]), ("packetLoss", [lossy]),
                                ("excessiveJitter|highRoundTripTime", [])):
            found = client.get("/callLegs?alarms=" + query).xml().findall("callLeg")
            assert [leg.get("id") for leg in found] == expected, (query, found)
        shown = client.get("/callLegs/" + lossy).xml()
        assert shown.find("alarms/packetLoss") is not None
        assert shown.findtext("status/rxAudio/packetLossPercentage") == "5.0"
    finally:
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
