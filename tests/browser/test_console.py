"""Browser tests of the web console: a real headless Chromium (Debian's
/usr/bin/chromium, driven by playwright-core from npm) against real
convene-bridge and convened processes.

This script starts the daemons (tests/integration/harness.py), adds the
bridge and the users through the API, then runs console.mjs with Node,
which drives the browser and fails on the first wrong step. The
screenshots land in docs/screenshots/ (CONVENE_SCREENSHOTS overrides).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

CHROMIUM = os.environ.get("CONVENE_CHROMIUM", "/usr/bin/chromium")
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
        "--console-dir", os.path.join(harness.SOURCE_DIR, "console"),
        "--poll-interval", "3600", "--discovery-interval", "3600"]).start()
    world.update(bridge=bridge, scheduler=scheduler)
    reply = scheduler.client.call("POST", "/bridges", {
        "address": bridge.url, "username": harness.ADMIN[0], "password": harness.ADMIN[1],
        "name": "cms1", "domain": "vc.example.com", "numericIdBase": 8800,
        "numericIdQuantity": SLOTS})
    assert reply.status == 201, reply
    bridge_id = reply.json()["id"]
    world["bridge_id"] = bridge_id

    def provisioned():
        document = scheduler.client.call("GET", "/bridges/" + bridge_id).json()
        return document.get("slots", {}).get("provisioned") == SLOTS
    wait_for(provisioned, timeout=30, what="slots to be provisioned")
    for name, role in USERS:
        reply = scheduler.client.call("POST", "/users", {
            "name": name, "role": role, "password": PASSWORD, "email": name + "@example.com"})
        assert reply.status == 201, reply


def teardown():
    for name in ("scheduler", "bridge"):
        if name in world:
            world[name].cleanup()


def test_console_in_chromium():
    assert os.access(CHROMIUM, os.X_OK), "Chromium is missing (scripts/install-deps)"
    assert os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")), \
        "playwright-core is missing (scripts/install-deps runs npm ci in tests/browser)"
    screenshots = os.environ.get("CONVENE_SCREENSHOTS") or os.path.join(
        harness.SOURCE_DIR, "docs", "screenshots")
    env = dict(os.environ,
               CONSOLE_URL=world["scheduler"].url, BRIDGE_URL=world["bridge"].url,
               BRIDGE_USER=harness.ADMIN[0], BRIDGE_PASSWORD=harness.ADMIN[1],
               BRIDGE_ID=world["bridge_id"], ADMIN_PASSWORD=harness.ADMIN[1],
               USER_PASSWORD=PASSWORD, CHROMIUM=CHROMIUM, SCREENSHOTS=screenshots)
    result = subprocess.run(["node", os.path.join(HERE, "console.mjs")], env=env,
                            timeout=240, check=False)
    assert result.returncode == 0, "console.mjs failed (its output is above)"


if __name__ == "__main__":
    try:
        setup()
        harness.run_tests({"test_console_in_chromium": test_console_in_chromium})
    finally:
        teardown()
