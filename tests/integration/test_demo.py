"""`convene demo` end to end: it must finish in under a minute with exit 0,
and every step of the story must really have happened on the bridge - not
only in the demo's printout. After the demo (run with --work-dir so its
data survives) this test restarts CallBridge-Core1 and convened on that data
and checks, through their own APIs and the bridge's API trace:
the spaces TMS_Scheduled_Meeting_1..5 (URI and call ID = slot), the
provisioning requests, the meeting's start in the seed's order (PUT space
with the title and nonMemberAccess=true, POST /calls, one POST callLegs per
dial-out), the extension's PUT, the end (PUT placeholder name,
nonMemberAccess=false, regenerateSecret=true, then DELETE the call), the
space locked with a new secret, and convened's booking "ended".
Also: without --work-dir nothing is left behind (no file, no process),
also when interrupted with SIGINT or when a daemon fails.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import Bridge, Scheduler, wait_for  # noqa: E402

TITLE = "Convene Demo Meeting"
PREFIX = "TMS_Scheduled_Meeting_"


def demo_argv(*extra):
    return [harness.CLI_BINARY, "demo", "--bridge-binary", harness.BRIDGE_BINARY,
            "--scheduler-binary", harness.SCHEDULER_BINARY] + list(extra)


def processes_mentioning(text):
    """PIDs of live processes whose command line contains `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                if text.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found


def assert_nothing_left(temporary):
    assert os.listdir(temporary) == [], "files left behind: %r" % os.listdir(temporary)
    assert processes_mentioning(temporary) == [], "processes left behind"


def trace_blocks(text):
    """[(number, request line, [lines])] in trace order."""
    blocks = []
    for line in text.splitlines():
        match = re.search(r"API trace (\d+): ((?:GET|POST|PUT|DELETE) for \"[^\"]+\")", line)
        if match:
            blocks.append((int(match.group(1)), match.group(2), []))
        elif blocks:
            blocks[-1][2].append(line)
    return blocks


def fields_of(block):
    """The form fields of a request block: name -> value."""
    fields = {}
    for line in block[2]:
        match = re.search(r"API trace \d+: ([A-Za-z]+)=(.*?)&?$", line)
        if match:
            fields[match.group(1)] = match.group(2)
    return fields


def location_of(block):
    for line in block[2]:
        match = re.search(r"Location: (\S+)", line)
        if match:
            return match.group(1)
    return None


def test_the_story_happens_on_the_bridge():
    work_root = tempfile.mkdtemp(prefix="convene-demo-test-")
    work = os.path.join(work_root, "run")
    core1 = scheduler = None
    try:
        started = time.monotonic()
        done = subprocess.run(demo_argv("--work-dir", work), capture_output=True, text=True,
                              timeout=120)
        elapsed = time.monotonic() - started
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert elapsed < 60, "the demo took %.1f s" % elapsed
        out = done.stdout
        for step in range(1, 8):
            assert re.search(r"^%d\. " % step, out, re.M), "step %d missing:\n%s" % (step, out)
        assert "Blank System Name" in out and "Dial Number Configuration Error" in out
        assert "refused" in out
        booking_id = re.search(r"\(booking ([0-9a-f-]{36})\)", out).group(1)
        port = int(re.search(r"CallBridge-Core1 \(https://127\.0\.0\.1:(\d+)\)", out).group(1))
        assert processes_mentioning(work) == [], "the demo left daemons running"

        # --- the bridge's API trace: what convened really asked -------------
        with open(os.path.join(work, "core1-api-trace.log")) as handle:
            blocks = trace_blocks(handle.read())
        requests = [block[1].lower() for block in blocks]  # CMS paths ignore case
        for wanted in ('GET for "/api/v1/system/status"', 'GET for "/api/v1/callBridges"',
                       'POST for "/api/v1/callProfiles"', 'POST for "/api/v1/callLegProfiles"',
                       'POST for "/api/v1/coSpaceBulkParameterSets"',
                       'POST for "/api/v1/coSpaceBulkSyncs"'):
            assert wanted.lower() in requests, "missing %s" % wanted
        bulk = [fields_of(b) for b in blocks
                if b[1].lower() == 'post for "/api/v1/cospacebulkparametersets"'][0]
        assert bulk["startIndex"] == "1" and bulk["endIndex"] == "5", bulk
        assert bulk["coSpaceNameMapping"] == PREFIX + "$index$", bulk

        def first(predicate, after=-1):
            for index, block in enumerate(blocks):
                if index > after and predicate(block):
                    return index
            raise AssertionError("request not found after #%d" % after)

        start_put = first(lambda b: b[1].startswith("PUT for") and
                          fields_of(b).get("name") == TITLE)
        space_id = blocks[start_put][1].rsplit("/", 1)[1].rstrip('"')
        start_fields = fields_of(blocks[start_put])
        assert start_fields["nonMemberAccess"] == "true", start_fields
        assert start_fields.get("passcode") == "*****", "the passcode must be masked"
        live_secret = start_fields.get("secret")
        post_call = first(lambda b: b[1] == 'POST for "/api/v1/calls"', start_put)
        assert fields_of(blocks[post_call])["coSpace"] == space_id
        call_id = location_of(blocks[post_call]).rsplit("/", 1)[1]
        dial_outs = [index for index, b in enumerate(blocks)
                     if b[1].lower() == ('post for "/api/v1/calls/%s/calllegs"' % call_id).lower()]
        assert len(dial_outs) == 2 and dial_outs[0] > post_call, dial_outs
        parties = sorted(fields_of(blocks[i])["remoteParty"] for i in dial_outs)
        assert parties == ["sip:desk.ex90@video.example.com", "sip:room.sx80@video.example.com"]
        extend_put = first(lambda b: b[1].startswith("PUT for") and space_id in b[1] and
                           fields_of(b).get("name") == TITLE, max(dial_outs))
        end_put = first(lambda b: b[1].startswith("PUT for") and space_id in b[1] and
                        fields_of(b).get("name") == PREFIX + "1", extend_put)
        end_fields = fields_of(blocks[end_put])
        assert end_fields["nonMemberAccess"] == "false", end_fields
        assert end_fields["regenerateSecret"] == "true", end_fields
        delete = first(lambda b: b[1].lower() == ('delete for "/api/v1/calls/%s"' % call_id).lower(),
                       end_put)
        assert delete > end_put

        # --- the bridge's own state, through its API -------------------------
        core1 = Bridge(data_dir=os.path.join(work, "cluster"), name="CallBridge-Core1",
                       tls=True, port=port, trace=False)
        core1.own_dir = False
        core1.start()
        spaces = []
        offset = 0
        while True:
            root = core1.client.get("/coSpaces?offset=%d&limit=10" % offset).xml()
            page = list(root)
            spaces += [(s.get("id"), s.findtext("name"), s.findtext("uri"), s.findtext("callId"))
                       for s in page]
            offset += len(page)
            if not page or offset >= int(root.get("total")):
                break
        assert sorted((name, uri, call) for _, name, uri, call in spaces) == [
            (PREFIX + str(n), str(n), str(n)) for n in range(1, 6)], spaces
        assert space_id in [s[0] for s in spaces]
        space = core1.client.get("/coSpaces/" + space_id).xml()
        assert space.findtext("name") == PREFIX + "1"
        assert space.findtext("nonMemberAccess") == "false"
        assert space.findtext("secret") and space.findtext("secret") != live_secret

        # --- convened's record ----------------------------------------------
        scheduler = Scheduler(data_dir=os.path.join(work, "convened"))
        scheduler.own_dir = False
        scheduler.start()
        booking = scheduler.client.call("GET", "/bookings/" + booking_id).json()
        assert booking["state"] == "ended", booking
        assert booking["title"] == TITLE and booking["slot"] == 1
        bridges = scheduler.client.call("GET", "/bridges").json()
        bridges = bridges["bridges"] if isinstance(bridges, dict) else bridges
        assert len(bridges) == 1 and bridges[0]["name"] == "CMS Core Primary", bridges
        assert sorted(m["name"] for m in bridges[0]["cluster"]) == ["CallBridge-Core1",
                                                                    "CallBridge-Core2"]
    finally:
        for process in (scheduler, core1):
            if process is not None:
                process.cleanup()
        shutil.rmtree(work_root, ignore_errors=True)


def run_in_private_tmp(argv, timeout=120):
    temporary = tempfile.mkdtemp(prefix="convene-demo-tmp-")
    environment = dict(os.environ, TMPDIR=temporary)
    return temporary, subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                     env=environment)


def test_nothing_is_left_behind():
    temporary, done = run_in_private_tmp(demo_argv())
    try:
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert "removed" in done.stdout.splitlines()[-1]
        assert_nothing_left(temporary)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def test_sigint_stops_everything():
    temporary = tempfile.mkdtemp(prefix="convene-demo-tmp-")
    try:
        demo = subprocess.Popen(demo_argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, TMPDIR=temporary))
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if line.startswith("2. "):
                break
        assert any(line.startswith("2. ") for line in seen), "".join(seen)
        assert len(processes_mentioning(temporary)) == 3, "three daemons should be running"
        demo.send_signal(signal.SIGINT)
        demo.stdout.read()
        err = demo.stderr.read()
        assert demo.wait(timeout=60) == 130, err
        assert "interrupted" in err, err
        assert_nothing_left(temporary)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def test_a_failing_daemon_is_reported_and_cleaned_up():
    argv = [harness.CLI_BINARY, "demo", "--bridge-binary", harness.BRIDGE_BINARY,
            "--scheduler-binary", "/bin/false"]
    temporary, done = run_in_private_tmp(argv)
    try:
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "convened exited with status 1" in done.stderr, done.stderr
        assert_nothing_left(temporary)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    done = subprocess.run([harness.CLI_BINARY, "demo", "--scheduler-binary", "/nonexistent"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "/nonexistent" in done.stderr, done.stderr


def test_the_daemons_are_found_next_to_convene():
    """Without --*-binary the demo finds the build tree's daemons."""
    done = subprocess.run([harness.CLI_BINARY, "demo", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    temporary, done = run_in_private_tmp([harness.CLI_BINARY, "demo"])
    try:
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert_nothing_left(temporary)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    harness.run_tests(dict(globals()))
