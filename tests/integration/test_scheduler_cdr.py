"""convened's CDR receiver and the attendance it gives, against
convene-bridge: the receiver is registered on the bridge when it is
provisioned (a receiver someone else configured stays, re-provisioning
adds no duplicate); a meeting's CDRs give each participant's intervals,
including one who drops and rejoins (two intervals) and one who never
answers (never joined, with the attempt's reason); a dial-in's records
posted straight to the receiver out of order and twice count once and
give the right interval; bad batches are refused and change nothing;
a client outside --cdr-allow cannot connect.
"""

import datetime
import http.client
import os
import subprocess
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import utc_now, wait_for  # noqa: E402

SLOTS = 2
OTHER_RECEIVER = "http://192.0.2.10:9000/someone-elses"
world = {}


def rfc3339(moment):
    """The CMS's CDR time: UTC with a "Z"."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def api(method, path, document=None):
    return world["scheduler"].api(method, path, document)


def booking(booking_id):
    return world["scheduler"].booking(booking_id)


def receivers():
    root = world["bridge"].client.get("/system/cdrReceivers").xml()
    return [item.findtext("uri") for item in root.findall("cdrReceiver")]


def post_cdr(body, path="/cdr", content_type="text/xml"):
    connection = http.client.HTTPConnection("127.0.0.1", world["cdr_port"], timeout=10)
    try:
        connection.request("POST", path, body=body.encode(),
                           headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def cdrs_received_metric():
    """convene_cdrs_received_total from GET /metrics (every record posted, duplicates too)."""
    reply = world["scheduler"].metrics()
    assert reply.status == 200, reply
    for line in reply.body.splitlines():
        if line.startswith("convene_cdrs_received_total "):
            return float(line.split()[1])
    raise AssertionError("no convene_cdrs_received_total in /metrics")


def person(attendance, uri, group="participants"):
    for entry in attendance[group]:
        if entry["uri"] == uri:
            return entry
    raise AssertionError("no %s in %r" % (uri, attendance))


def setup():
    bridge = harness.Bridge(extra=["--no-answer-party", "silent*", "--ring-ms", "200"]).start()
    bridge.client.create("/system/cdrReceivers", {"uri": OTHER_RECEIVER})
    world["cdr_port"] = harness.free_port()
    scheduler = harness.Scheduler(extra=[
        "--cdr-listen", "127.0.0.1:%d" % world["cdr_port"], "--dial-out-retries", "0",
        "--dial-out-answer-seconds", "2", "--poll-interval", "3600",
        "--discovery-interval", "3600", "--log-level", "debug"]).start()
    world.update(bridge=bridge, scheduler=scheduler)
    world["bridge_id"] = scheduler.add_bridge(bridge.url, SLOTS)
    world["uri"] = "http://127.0.0.1:%d/cdr/%s" % (world["cdr_port"], world["bridge_id"])


def cleanup():
    for key in ("scheduler", "bridge", "fenced"):
        process = world.get(key)
        if process is not None:
            process.cleanup()


def test_receiver_registered_once_beside_the_others():
    assert receivers() == [OTHER_RECEIVER, world["uri"]], receivers()
    # re-provisioning (a larger range) does not add it again
    reply = api("PATCH", "/bridges/" + world["bridge_id"], {"numericIdQuantity": SLOTS + 1})
    assert reply.status == 200, reply
    wait_for(lambda: api("GET", "/bridges/" + world["bridge_id"]).json().get("slots", {})
             .get("provisioned") == SLOTS + 1, timeout=30, what="slots to be provisioned again")
    assert receivers() == [OTHER_RECEIVER, world["uri"]], receivers()


def legs_of(call_id):
    root = world["bridge"].client.get("/calls/%s/callLegs" % call_id).xml()
    return {leg.findtext("remoteParty"): leg.get("id") for leg in root.findall("callLeg")}


def test_meeting_attendance_from_the_bridges_cdrs():
    start = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=2)
    reply = api("POST", "/bookings", {
        "title": "Attendance", "start": rfc3339(start),
        "end": rfc3339(start + datetime.timedelta(hours=1)),
        "participants": [{"uri": "good@ep.example.com"}, {"uri": "flaky@ep.example.com"},
                         {"uri": "silent@ep.example.com"},
                         {"uri": "in@ep.example.com", "dial": "in"}]})
    assert reply.status == 201, reply
    meeting = reply.json()["id"]
    world["meeting"] = meeting

    def states():
        return {p["uri"]: p["state"] for p in booking(meeting)["participants"]}
    wait_for(lambda: states()["good@ep.example.com"] == "connected"
             and states()["flaky@ep.example.com"] == "connected"
             and states()["silent@ep.example.com"] == "noAnswer",
             timeout=20, what="dial-outs to settle")
    spaces = world["bridge"].client.get("/coSpaces").xml().findall("coSpace")
    slot = str(booking(meeting)["slot"])
    space = [s.get("id") for s in spaces if s.findtext("callId") == slot][0]
    call = world["bridge"].client.get("/calls?coSpaceFilter=" + space).xml().find("call").get("id")
    world["call"] = call
    # flaky drops (the leg ends on the bridge) and comes back on a new leg
    assert world["bridge"].client.delete("/callLegs/" + legs_of(call)["flaky@ep.example.com"]) \
        .status == 200
    rejoined = world["bridge"].client.create("/calls/%s/callLegs" % call,
                                             {"remoteParty": "flaky@ep.example.com"})
    wait_for(lambda: world["bridge"].client.get("/callLegs/" + rejoined).xml()
             .findtext("status/state") == "connected", timeout=10, what="the rejoin")
    assert api("POST", "/bookings/%s/end" % meeting).status == 202

    def settled():
        document = booking(meeting)
        attendance = document["attendance"]
        flaky = person(attendance, "flaky@ep.example.com")
        ended = all(i["left"] for p in attendance["participants"] for i in p["intervals"])
        return document if document["state"] == "ended" and ended and \
            len(flaky["intervals"]) == 2 else None
    document = wait_for(settled, timeout=20, what="the CDRs of the whole meeting")
    attendance = document["attendance"]
    good = person(attendance, "good@ep.example.com")
    assert good["joined"] and len(good["intervals"]) == 1, good
    assert good["intervals"][0]["reason"] == "localTeardown", good  # the end deleted the call
    flaky = person(attendance, "flaky@ep.example.com")
    first, second = flaky["intervals"]
    assert first["reason"] == "localTeardown" and first["left"] <= second["joined"], flaky
    assert flaky["connectedSeconds"] == first["seconds"] + second["seconds"], flaky
    silent = person(attendance, "silent@ep.example.com")
    assert not silent["joined"] and silent["intervals"] == [], silent
    assert silent["attempts"] and silent["attempts"][0]["reason"] == "localTeardown", silent
    assert sorted(attendance["neverJoined"]) == ["in@ep.example.com", "silent@ep.example.com"]
    assert attendance["others"] == [], attendance
    # the same through its own route
    reply = api("GET", "/bookings/%s/attendance" % meeting)
    assert reply.status == 200 and reply.json() == attendance, reply


def batch(session, records):
    body = ['<?xml version="1.0"?><records session="%s" callBridge="x">' % session]
    for index, (kind, when, inner) in records:
        body.append('<record type="%s" time="%s" recordIndex="%d" correlatorIndex="%d">%s'
                    '</record>' % (kind, when, index, index, inner))
    body.append("</records>")
    return "".join(body)


def test_dial_in_records_out_of_order_and_twice_count_once():
    meeting, call = world["meeting"], world["call"]
    joined = utc_now().replace(microsecond=0) - datetime.timedelta(seconds=30)
    left = joined + datetime.timedelta(seconds=17)
    leg = str(uuid.uuid4())
    session = str(uuid.uuid4())
    start = (1, ("callLegStart", rfc3339(joined),
                 '<callLeg id="%s"><remoteParty>sip:IN@ep.example.com</remoteParty>'
                 '<direction>incoming</direction><call>%s</call></callLeg>' % (leg, call)))
    update = (2, ("callLegUpdate", rfc3339(joined),
                  '<callLeg id="%s"><state>connected</state><call>%s</call></callLeg>'
                  % (leg, call)))
    end = (3, ("callLegEnd", rfc3339(left),
               '<callLeg id="%s"><reason>remoteTeardown</reason>'
               '<remoteTeardown>true</remoteTeardown><durationSeconds>17</durationSeconds>'
               '</callLeg>' % leg))
    path = "/cdr/" + world["bridge_id"]
    counted_before = cdrs_received_metric()
    # the end first, then the start and the update, then everything again
    assert post_cdr(batch(session, [end]), path) == (200, "")
    assert post_cdr(batch(session, [update, start]), path) == (200, "")
    assert post_cdr(batch(session, [start, update, end]), path) == (200, "")
    attendance = api("GET", "/bookings/%s/attendance" % meeting).json()
    dial_in = person(attendance, "in@ep.example.com")
    assert dial_in["joined"] and len(dial_in["intervals"]) == 1, dial_in
    interval = dial_in["intervals"][0]
    assert interval["seconds"] == 17 and interval["direction"] == "incoming", interval
    assert interval["reason"] == "remoteTeardown" and interval["remoteTeardown"], interval
    assert attendance["neverJoined"] == ["silent@ep.example.com"], attendance
    # a record delivered again with different content still counts once
    late_end = (3, ("callLegEnd", rfc3339(left + datetime.timedelta(seconds=100)),
                    '<callLeg id="%s"><reason>timeout</reason></callLeg>' % leg))
    assert post_cdr(batch(session, [late_end]), path) == (200, "")
    again = person(api("GET", "/bookings/%s/attendance" % meeting).json(), "in@ep.example.com")
    assert again == dial_in, again
    # /metrics counts every record received, the repeated ones too (1 + 2 + 3 + 1)
    assert cdrs_received_metric() == counted_before + 7


def test_bad_batches_are_refused_and_change_nothing():
    meeting = world["meeting"]
    before = api("GET", "/bookings/%s/attendance" % meeting).json()
    leg = str(uuid.uuid4())
    good_record = (1, ("callLegStart", rfc3339(utc_now()),
                       '<callLeg id="%s"><remoteParty>x@ep.example.com</remoteParty>'
                       '<call>%s</call></callLeg>' % (leg, world["call"])))
    for body, content_type in [
        ("not xml", "text/xml"),
        ('<?xml version="1.0"?><records><record type="callStart"/></records>', "text/xml"),
        ('<?xml version="1.0"?><records session="s"><record type="callLegStart"'
         ' time="never" recordIndex="1"/></records>', "text/xml"),
        (batch(str(uuid.uuid4()), [good_record]), "application/json"),
    ]:
        status, _ = post_cdr(body, content_type=content_type)
        assert status in (400, 415), (status, body)
    # a batch with one bad record is refused whole: its good record is not kept
    mixed = batch(str(uuid.uuid4()), [good_record]).replace(
        "</records>", '<record type="callEnd" time="x" recordIndex="2"/></records>')
    assert post_cdr(mixed)[0] == 400
    assert api("GET", "/bookings/%s/attendance" % meeting).json() == before
    connection = http.client.HTTPConnection("127.0.0.1", world["cdr_port"], timeout=10)
    connection.request("GET", "/cdr")
    assert connection.getresponse().status == 405
    connection.close()


def report(kind, query="", headers=None):
    path = "/reports/%s?bridge=alpha&from=%s&to=%s%s" % (
        kind, rfc3339(utc_now() - datetime.timedelta(days=1)),
        rfc3339(utc_now() + datetime.timedelta(days=1)), query)
    return world["scheduler"].client.request("GET", "/api/v1" + path, headers=headers or {})


def test_utilization_report_json_and_csv():
    reply = report("utilization", "&period=day")
    assert reply.status == 200, reply
    rows = reply.json()["rows"]
    assert reply.json()["period"] == "day"
    totals = [row for row in rows if row["slot"] is None]
    assert len(totals) in (2, 3), rows  # yesterday, today (and tomorrow) in UTC days
    booked = sum(row["bookedHours"] for row in totals)
    used = sum(row["usedHours"] for row in totals)
    assert abs(booked - 1.0) < 0.01, totals  # the one meeting was booked for an hour
    assert 0 < used < 0.1, totals            # and ran for seconds
    assert max(row["peakParticipants"] for row in totals) == 2, totals  # good + flaky
    slots = [row for row in rows if row["slot"] is not None]
    slot = str(booking(world["meeting"])["slot"])
    # one row per UTC day of the meeting's slot (two when it crosses midnight)
    assert {str(row["slot"]) for row in slots} == {slot} and len(slots) <= 2, slots
    assert max(row["peakParticipants"] for row in slots) >= 2, slots
    # CSV by Accept and by format=csv: the same rows
    for reply in (report("utilization", "", {"Accept": "text/csv"}),
                  report("utilization", "&format=csv")):
        assert reply.status == 200 and reply.header("Content-Type").startswith("text/csv"), reply
        lines = reply.body.splitlines()
        assert lines[0] == ("bridge,bridgeName,slot,start,end,bookedHours,usedHours,"
                            "peakParticipants"), lines
        assert len(lines) == 1 + len(rows), lines
    # a range with nothing in it: every period zero
    reply = api("GET", "/reports/utilization?from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z")
    assert reply.status == 200, reply
    assert [(row["bookedHours"], row["usedHours"], row["peakParticipants"])
            for row in reply.json()["rows"]] == [(0, 0, 0), (0, 0, 0)], reply
    # bad queries name the parameter
    for query, field in [("&period=year", "period"), ("&format=pdf", "format"),
                         ("&colour=red", "colour")]:
        reply = report("utilization", query)
        assert reply.status == 400 and reply.json()["error"]["details"]["field"] == field, reply


def cli_environment():
    environment = dict(os.environ)
    environment.update(CONVENE_SERVER=world["scheduler"].url, CONVENE_USER=harness.ADMIN[0],
                       CONVENE_PASSWORD=harness.ADMIN[1])
    return environment


def test_no_show_and_failed_start_reports_and_the_cli():
    reply = report("no-shows")
    assert reply.status == 200, reply
    rows = reply.json()["rows"]
    assert [(row["uri"], row["nobodyJoined"]) for row in rows] == \
        [("silent@ep.example.com", False)], rows
    reply = report("failed-starts", "&format=csv")
    assert reply.status == 200, reply
    assert reply.body.splitlines() == ["booking,title,start,bridge,failure"], reply
    done = subprocess.run(
        [harness.CLI_BINARY, "report", "no-shows", "--bridge", "alpha", "--csv"],
        capture_output=True, text=True, timeout=30, env=cli_environment())
    assert done.returncode == 0, done
    assert done.stdout.splitlines()[1].split(",")[4] == "silent@ep.example.com", done.stdout
    done = subprocess.run(
        [harness.CLI_BINARY, "report", "utilization", "--period", "week"],
        capture_output=True, text=True, timeout=30, env=cli_environment())
    assert done.returncode == 0 and "peakParticipants" in done.stdout, done


def test_a_client_outside_the_allow_list_cannot_connect():
    port = harness.free_port()
    fenced = harness.Scheduler(extra=["--cdr-listen", "127.0.0.1:%d" % port,
                                      "--cdr-allow", "192.0.2.0/24"]).start()
    world["fenced"] = fenced
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", "/cdr", body=b"<records/>",
                           headers={"Content-Type": "text/xml"})
        connection.getresponse()
        raise AssertionError("the receiver answered a client it does not allow")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass  # closed at once, before anything was read
    finally:
        connection.close()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
