"""convene-bridge /system/profiles over real sockets: GET shows the global
profile IDs; PUT and POST set them, an empty value unsets, an unknown ID is
refused with the profile type's ...DoesNotExist and changes nothing; the
setting lives in the shared database (a second node on the same data
directory sees it, and it survives a restart). A leg's <configuration>
takes the global call leg profile's values unless the space's profile or
the leg overrides them, and /callLegs/<id>/callLegProfileTrace shows which
level set which value."""

import shutil
import tempfile

from harness import Bridge, run_tests

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


def failure(reply):
    return reply.xml()[0].tag


def profiles(client):
    reply = client.get("/system/profiles")
    assert reply.status == 200, reply
    root = reply.xml()
    assert root.tag == "profiles" and root.get("id") is None, reply.body
    return {child.tag: child.text for child in root}


def test_set_unset_and_refuse():
    shared = tempfile.mkdtemp(prefix="convene-system-profiles-")
    one = Bridge(data_dir=shared, name="Core1").start()
    two = None
    try:
        client = one.client
        assert profiles(client) == {}
        leg_profile = client.create("/callLegProfiles", {"muteSelfAllowed": "false"})
        call_profile = client.create("/callProfiles", {})
        assert client.put("/system/profiles", {"callLegProfile": leg_profile}).status == 200
        assert profiles(client) == {"callLegProfile": leg_profile}
        # POST works the same; an omitted profile stays as it was.
        assert client.post("/system/profiles", {"callProfile": call_profile.upper()}).status == 200
        assert profiles(client) == {"callLegProfile": leg_profile, "callProfile": call_profile}
        # Unknown IDs are refused with the type's reason and change nothing.
        reply = client.put("/system/profiles", {"callLegProfile": NO_SUCH_ID,
                                                "callProfile": ""})
        assert reply.status == 400 and failure(reply) == "callLegProfileDoesNotExist", reply
        reply = client.post("/system/profiles", {"callProfile": NO_SUCH_ID})
        assert reply.status == 400 and failure(reply) == "callProfileDoesNotExist", reply
        reply = client.put("/system/profiles", {"callLegProfile": "not-an-id"})
        assert reply.status == 400, reply
        # Profile types the bridge does not keep are unknown parameters:
        # ignored as a CMS ignores them (refused with --strict), never stored.
        assert client.put("/system/profiles", {"dtmfProfile": NO_SUCH_ID}).status == 200
        assert client.delete("/system/profiles").status == 405
        assert profiles(client) == {"callLegProfile": leg_profile, "callProfile": call_profile}
        # The global profile counts as a use of the profile.
        used = client.get("/callLegProfiles?usageFilter=referenced").xml()
        assert [p.get("id") for p in used.findall("callLegProfile")] == [leg_profile]
        # Another node on the same data directory sees the same setting.
        two = Bridge(data_dir=shared, name="Core2").start()
        assert profiles(two.client) == profiles(client)
        # An empty value unsets.
        assert two.client.put("/system/profiles", {"callProfile": ""}).status == 200
        assert profiles(client) == {"callLegProfile": leg_profile}
        # Deleting the profile stops it being the global one.
        assert client.delete("/callLegProfiles/" + leg_profile).status == 200
        assert profiles(client) == {}
        other = client.create("/callLegProfiles", {})
        assert client.put("/system/profiles", {"callLegProfile": other}).status == 200
        # It survives a restart.
        two.stop()
        two = None
        assert one.stop() == 0
        one = Bridge(data_dir=shared, name="Core1").start()
        assert profiles(one.client) == {"callLegProfile": other}
    finally:
        if two is not None:
            two.stop()
        one.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


def leg_state(client, leg_id):
    return client.get("/callLegs/" + leg_id).xml().findtext("status/state")


def test_leg_configuration_levels_and_trace():
    bridge = Bridge(extra=["--ring-ms", "40"]).start()
    client = bridge.client
    try:
        global_profile = client.create("/callLegProfiles", {
            "muteSelfAllowed": "false", "defaultLayout": "speakerOnly",
            "participantLabels": "false", "bfcpMode": "serverAndClient"})
        space_profile = client.create("/callLegProfiles", {"defaultLayout": "stacked",
                                                            "participantLabels": "true"})
        leg_profile = client.create("/callLegProfiles", {"bfcpMode": "serverOnly"})
        space = client.create("/coSpaces", {"name": "Levels", "uri": "levels",
                                            "callLegProfile": space_profile})
        call = client.create("/calls", {"coSpace": space})
        leg = client.create("/calls/%s/callLegs" % call,
                            {"remoteParty": "room@example.com", "callLegProfile": leg_profile,
                             "participantLabels": "false"})
        configuration = client.get("/callLegs/" + leg).xml().find("configuration")
        # Without a global profile: defaults below the space's values.
        assert configuration.findtext("muteSelfAllowed") == "true"
        assert client.put("/system/profiles", {"callLegProfile": global_profile}).status == 200
        configuration = client.get("/callLegs/" + leg).xml().find("configuration")
        assert configuration.findtext("muteSelfAllowed") == "false"  # global only
        assert configuration.findtext("defaultLayout") == "stacked"  # space over global
        assert configuration.findtext("bfcpMode") == "serverOnly"  # leg profile over global
        assert configuration.findtext("participantLabels") == "false"  # the leg over the space
        assert configuration.findtext("videoMode") == "auto"  # built-in default
        # The trace names each level's profile and what it set.
        reply = client.get("/callLegs/%s/callLegProfileTrace" % leg)
        assert reply.status == 200, reply
        trace = reply.xml()
        assert trace.tag == "callLegProfileTrace" and trace.get("callLeg") == leg
        levels = {p.get("scope"): p.find("callLegProfile") for p in trace.findall("profile")}
        assert [p.get("scope") for p in trace.findall("profile")] == [
            "global", "coSpace", "callLeg"], reply.body
        assert levels["global"].get("id") == global_profile
        assert levels["global"].findtext("muteSelfAllowed") == "false"
        assert levels["coSpace"].get("id") == space_profile
        assert levels["coSpace"].findtext("defaultLayout") == "stacked"
        assert levels["coSpace"].find("muteSelfAllowed") is None
        assert levels["callLeg"].get("id") == leg_profile
        assert levels["callLeg"].findtext("bfcpMode") == "serverOnly"
        assert levels["callLeg"].findtext("participantLabels") == "false"
        # Unsetting the global profile takes its values away at once.
        assert client.put("/system/profiles", {"callLegProfile": ""}).status == 200
        configuration = client.get("/callLegs/" + leg).xml().find("configuration")
        assert configuration.findtext("muteSelfAllowed") == "true"
        scopes = [p.get("scope") for p in
                  client.get("/callLegs/%s/callLegProfileTrace" % leg).xml().findall("profile")]
        assert scopes == ["coSpace", "callLeg"], scopes
        reply = client.get("/callLegs/%s/callLegProfileTrace" % NO_SUCH_ID)
        assert reply.status == 404 and failure(reply) == "callLegDoesNotExist", reply
    finally:
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
