"""A restarted convened keeps a dial-out leg the bridge reports under a
different remote party than was dialled.

A real CMS rewrites the dialled string (outbound dial plan rules, dial
transforms, a `sip:` prefix), so the remoteParty of a leg seldom equals
the URI convened dialled. Here a small HTTP proxy between convened and
convene-bridge (real sockets both ways) rewrites every <remoteParty> in
the bridge's answers the way a dial transform would. convened is killed
while a dial-out is still ringing (its leg ID stored) and restarted: it
must find the leg by the stored call leg ID and not dial the participant
a second time.
"""

import datetime
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from bridge_proxy import BridgeProxy  # noqa: E402
from harness import wait_for  # noqa: E402

RING_MS = 6000  # the dial-out rings this long before it connects
REMOTE_PARTY = re.compile(r"<remoteParty>([^<]*)</remoteParty>")
SCHEDULER_EXTRA = ["--poll-interval", "3600", "--discovery-interval", "3600",
                   "--log-level", "debug"]

world = {}


def rewritten(party):
    """What a dial transform on the bridge makes of a dialled URI."""
    return "sip:%s;transport=tls" % party if party else party


class RewritingProxy(BridgeProxy):
    """Rewrites every remoteParty in the bridge's answers as a dial
    transform on a real CMS would."""

    def rewrite(self, data):
        if b"<remoteParty>" not in data:
            return data
        return REMOTE_PARTY.sub(lambda m: "<remoteParty>%s</remoteParty>"
                                % rewritten(m.group(1)), data.decode()).encode()


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def booking(booking_id):
    return world["scheduler"].booking(booking_id)


def dial_outs(trace):
    return len(re.findall(r'API trace \d+: POST for "/api/v1/calls/[^/"]+/callLegs"', trace))


def setup():
    bridge = harness.Bridge(extra=["--ring-ms", str(RING_MS)]).start()
    world["bridge"] = bridge
    proxy = RewritingProxy(bridge.port)
    world["proxy"] = proxy
    world["scheduler"] = harness.Scheduler(extra=SCHEDULER_EXTRA).start()
    world["scheduler"].add_bridge(proxy.url, 2, name="rewriting")


def cleanup():
    if world.get("proxy") is not None:
        world["proxy"].shutdown()
    for key in ("scheduler", "bridge"):
        if world.get(key) is not None:
            world[key].cleanup()


def test_the_proxy_rewrites_remote_parties():
    assert rewritten("good@ep.example.com") != "good@ep.example.com"


def test_restart_keeps_a_ringing_leg_found_by_its_stored_id():
    bridge = world["bridge"]
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": "Rewritten", "start": start.isoformat(),
        "end": (start + datetime.timedelta(minutes=10)).isoformat(),
        "participants": [{"uri": "far@ep.example.com", "dial": "out"}]})
    assert reply.status == 201, reply
    booking_id = reply.json()["id"]

    def ringing():
        document = booking(booking_id)
        party = document["participants"][0]
        return document["state"] == "live" and party["state"] in ("dialing", "ringing")
    wait_for(ringing, timeout=15, what="the dial-out to be placed and ringing")
    assert dial_outs(bridge.trace()) == 1
    calls = bridge.client.get("/calls").xml().findall("call")
    assert len(calls) == 1, calls

    scheduler = world["scheduler"]
    scheduler.kill()
    restarted = harness.Scheduler(data_dir=scheduler.data_dir, port=scheduler.port,
                                  extra=SCHEDULER_EXTRA).start()
    world["scheduler"] = restarted
    # it resumes (looks at the calls and legs again) ...
    wait_for(lambda: "resum" in restarted.log() or "1 to resume" in restarted.log(),
             what="the restarted scheduler to resume the meeting")

    def connected():
        party = booking(booking_id)["participants"][0]
        return party["state"] == "connected"
    wait_for(connected, timeout=RING_MS / 1000 + 10, what="the kept leg to connect")
    # ... and never dials the participant again
    assert dial_outs(bridge.trace()) == 1, "dialled again after the restart"
    call_id = calls[0].get("id")
    legs = bridge.client.get("/calls/%s/callLegs" % call_id).xml().findall("callLeg")
    assert len(legs) == 1, [leg.findtext("remoteParty") for leg in legs]
    assert api("POST", "/bookings/%s/end" % booking_id).status == 202


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
