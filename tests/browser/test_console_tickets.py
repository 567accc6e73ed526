"""Browser test of the bridges page's tickets as they happen: convened
polls the bridge every second; tickets.mjs opens the page in Chromium and
asks this script to stop convene-bridge (convened opens the Unreachable
ticket) and to start it again (the ticket clears). The page must show both
without a reload, through the events stream.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402
from browser_run import add_bridge, console_options, run_script  # noqa: E402

world = {}


def setup():
    bridge = harness.Bridge(name="cms1").start()
    scheduler = harness.Scheduler(extra=[
        "--poll-interval", "1", "--discovery-interval", "3600"] + console_options()).start()
    world.update(bridge=bridge, scheduler=scheduler)
    add_bridge(scheduler, bridge, 2)
    # No ticket: what the page first shows.
    wait_for(lambda: scheduler.client.call("GET", "/tickets").json() == [], timeout=30,
             what="no tickets once the slots are provisioned")


def teardown():
    for name in ("scheduler", "bridge"):
        if name in world:
            world[name].cleanup()


def start_bridge():
    world["bridge"].start()


def test_tickets_in_chromium():
    run_script("tickets.mjs", dict(
        CONSOLE_URL=world["scheduler"].url, ADMIN_PASSWORD=harness.ADMIN[1]),
        actions={"stop-bridge": world["bridge"].stop, "start-bridge": start_bridge})


if __name__ == "__main__":
    try:
        setup()
        harness.run_tests({"test_tickets_in_chromium": test_tickets_in_chromium})
    finally:
        teardown()
