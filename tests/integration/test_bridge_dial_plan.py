"""Dial plans: a dial-out honours /outboundDialPlanRules (domain, wildcard,
priority, tenant, localContactDomain, sipControlEncryption); a dial-out no
rule matches fails as on CMS (the leg goes, its callLegEnd says
unknownDestination); /dialTransforms rewrite what is dialled before the
rules see it; /inboundDialPlanRules give a space's calls their address."""

import harness
from harness import Bridge, run_tests
from test_bridge_cdr import Receiver
from test_bridge_clients import wait_state


def dial(client, call, party):
    return client.create("/calls/%s/callLegs" % call, {"remoteParty": party})


def wait_gone(client, leg):
    harness.wait_for(lambda: client.get("/callLegs/" + leg).status == 404,
                     what="leg %s to fail" % leg)


def test_no_matching_rule_fails_the_leg_as_cms_does():
    receiver = Receiver().start()
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        client.create("/system/cdrReceivers", {"uri": receiver.url})
        # No rule at all: the bridge dials anyway (a fresh bridge works).
        call = client.create("/calls", {"name": "Dial plan"})
        wait_state(client, dial(client, call, "first@anywhere.org"), "connected")
        client.create("/outboundDialPlanRules", {"domain": "example.com"})
        # Matches: dialled. Matches no rule: POST answers 200, then the leg fails.
        good = dial(client, call, "alice@example.com")
        bad = dial(client, call, "bob@elsewhere.org")
        wait_gone(client, bad)
        wait_state(client, good, "connected")
        harness.wait_for(lambda: 'no outbound dial plan rule matched "bob@elsewhere.org"'
                         in bridge.log(), what="the log line")
        assert client.get("/calls/" + call).xml().findtext("numCallLegs") == "2"

        def reason_of_bad():
            for _, record in receiver.records():
                leg = record.find("callLeg")
                if record.get("type") == "callLegEnd" and leg.get("id") == bad:
                    return leg.findtext("reason")
            return None
        harness.wait_for(lambda: reason_of_bad() == "unknownDestination",
                         what="callLegEnd with reason unknownDestination")
    finally:
        bridge.cleanup()
        receiver.stop()


def test_rules_by_wildcard_priority_tenant_and_local_domain():
    bridge = Bridge(extra=["--ring-ms", "40", "--sip-domain", "cms.example"]).start()
    client = bridge.client
    try:
        tenant = "11111111-2222-4333-8444-555555555555"
        client.create("/outboundDialPlanRules", {"domain": "*.org", "priority": "1",
                                                 "localContactDomain": "low.example"})
        client.create("/outboundDialPlanRules", {"domain": "partner.org", "priority": "5",
                                                 "localContactDomain": "high.example",
                                                 "sipControlEncryption": "unencrypted"})
        client.create("/outboundDialPlanRules", {"domain": "tenant.net", "tenant": tenant})
        space = client.create("/coSpaces", {"name": "Room", "uri": "room"})
        call = client.create("/calls", {"coSpace": space})
        wild = dial(client, call, "sip:carol@Other.ORG")
        best = dial(client, call, "dave@partner.org")
        other_tenant = dial(client, call, "erin@tenant.net")
        wait_state(client, wild, "connected")
        wait_state(client, best, "connected")
        wait_gone(client, other_tenant)  # the rule is another tenant's
        assert client.get("/callLegs/" + wild).xml().findtext("localAddress") == \
            "room@low.example"
        shown = client.get("/callLegs/" + best).xml()
        assert shown.findtext("localAddress") == "room@high.example"
        assert shown.findtext("status/encryptedMedia") == "false"  # no TLS, no SRTP
    finally:
        bridge.cleanup()


def test_require_dial_rules_fails_every_dial_out_of_an_empty_plan():
    bridge = Bridge(extra=["--ring-ms", "40", "--require-dial-rules"]).start()
    client = bridge.client
    try:
        call = client.create("/calls", {"name": "Strict plan"})
        wait_gone(client, dial(client, call, "alice@example.com"))
    finally:
        bridge.cleanup()


def test_dial_transforms_change_what_is_dialled():
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        # Strip a leading 9 and send the number to the video gateway.
        transform = client.create("/dialTransforms", {
            "type": "strip", "match": "($1/^9\\d+$/)",
            "transform": "$1{/^9//}@gateway.example.com", "priority": "10"})
        client.create("/dialTransforms", {"type": "raw", "match": "($1/^666/)",
                                          "action": "deny", "priority": "20"})
        client.create("/outboundDialPlanRules", {"domain": "gateway.example.com"})
        shown = client.get("/dialTransforms/" + transform).xml()
        assert shown.findtext("type") == "strip" and shown.findtext("action") == "accept"
        assert client.get("/dialTransform/" + transform).status == 200
        assert client.get("/dialTransforms").xml().get("total") == "2"
        call = client.create("/calls", {"name": "Transforms"})
        leg = dial(client, call, "9 555-0100")
        wait_state(client, leg, "connected")
        shown = client.get("/callLegs/" + leg).xml()
        assert shown.findtext("remoteParty") == "5550100@gateway.example.com"
        assert shown.findtext("originalRemoteParty") == "9 555-0100"
        participant = client.get("/participants").xml().find("participant").get("id")
        assert client.get("/participants/" + participant).xml().findtext("uri") == \
            "5550100@gateway.example.com"
        wait_gone(client, dial(client, call, "6661234"))  # denied
        # Patterns that do not parse or compile are refused naming the field.
        for fields, name in (({"match": "($1/(unclosed/)"}, "match"),
                             ({"match": "1/abc/"}, "match"),
                             ({"transform": "$1{/a/b"}, "transform")):
            reply = client.post("/dialTransforms", fields)
            assert reply.status == 400, (fields, reply)
            assert reply.xml().find("parameterError").get("parameter") == name
        assert client.get("/dialTransforms").xml().get("total") == "2"
    finally:
        bridge.cleanup()


def test_inbound_rules_are_stored_and_give_spaces_their_domain():
    bridge = Bridge(extra=["--sip-domain", "fallback.example"]).start()
    client = bridge.client
    try:
        space = client.create("/coSpaces", {"name": "Lobby", "uri": "lobby"})
        first = client.create("/calls", {"coSpace": space})
        assert client.get("/calls/" + first).status == 200
        rule = client.create("/inboundDialPlanRules", {"domain": "video.example",
                                                       "priority": "10"})
        client.create("/inboundDialPlanRules", {"domain": "old.example", "priority": "1"})
        client.create("/inboundDialPlanRules", {"domain": "users.example", "priority": "99",
                                                "resolveTocoSpaces": "false"})
        shown = client.get("/inboundDialPlanRules/" + rule).xml()
        assert shown.findtext("resolveTocoSpaces") == "true"
        assert shown.findtext("resolveToLyncConferences") == "false"
        assert client.get("/inboundDialPlanRules?filter=example").xml().get("total") == "3"
        assert client.delete("/calls/" + first).status == 200
        call = client.create("/calls", {"coSpace": space})
        leg = dial(client, call, "guest@example.com")
        assert client.get("/callLegs/" + leg).xml().findtext("localAddress") == \
            "lobby@video.example"
    finally:
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
