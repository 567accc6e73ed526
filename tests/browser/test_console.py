"""Browser tests of the web console: a real headless Chromium (Debian's
/usr/bin/chromium, driven by playwright-core from npm) against real
convene-bridge and convened processes.

This script starts the daemons (tests/integration/harness.py), adds the
bridge and the users through the API, then runs console.mjs with Node,
which drives the browser and fails on the first wrong step
(browser_run.py). The screenshots land in docs/screenshots/
(CONVENE_SCREENSHOTS overrides).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from browser_run import add_bridge, console_options, run_script  # noqa: E402

SLOTS = 4
USERS = [("booker1", "booker"), ("booker2", "booker"), ("operator1", "operator")]
PASSWORD = "password-123"

world = {}


def setup():
    bridge = harness.Bridge(name="cms1", extra=["--ring-ms", "200"]).start()
    # --cdr-listen: the bridge posts its call records to convened (it is
    # registered as the bridge's CDR receiver when the slots are provisioned),
    # which gives the meeting's attendance.
    scheduler = harness.Scheduler(extra=[
        "--cdr-listen", "127.0.0.1:%d" % harness.free_port(),
        "--poll-interval", "3600", "--discovery-interval", "3600"] + console_options()).start()
    world.update(bridge=bridge, scheduler=scheduler)
    world["bridge_id"] = add_bridge(scheduler, bridge, SLOTS)
    for name, role in USERS:
        reply = scheduler.client.call("POST", "/users", {
            "name": name, "role": role, "password": PASSWORD, "email": name + "@example.com"})
        assert reply.status == 201, reply


def teardown():
    for name in ("scheduler", "bridge"):
        if name in world:
            world[name].cleanup()


def test_console_in_chromium():
    run_script("console.mjs", dict(
        CONSOLE_URL=world["scheduler"].url, BRIDGE_URL=world["bridge"].url,
        BRIDGE_USER=harness.ADMIN[0], BRIDGE_PASSWORD=harness.ADMIN[1],
        BRIDGE_ID=world["bridge_id"], ADMIN_PASSWORD=harness.ADMIN[1],
        USER_PASSWORD=PASSWORD))


if __name__ == "__main__":
    try:
        setup()
        harness.run_tests({"test_console_in_chromium": test_console_in_chromium})
    finally:
        teardown()
