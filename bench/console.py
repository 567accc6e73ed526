#!/usr/bin/env python3
"""bench/console.py - the web console's page loads with many bookings.

Owns: starting convene-bridge and convened (tests/integration/harness.py),
one bridge with --slots slots, --bookings one-hour bookings on it for
tomorrow (UTC), loaded through the API by --loaders keep-alive
connections, then bench/console.mjs in headless Chromium: signed in, the
time from navigating to the planner (that bridge, that day: every booking
in view) until it has drawn every booking, and to the meetings list until
it shows its rows; best and median of --runs loads each. Target: < 1 s.

Run: python3 bench/console.py [--build-dir build] [--bookings 10000]
(needs `scripts/install-deps` for chromium and tests/browser/node_modules).
"""

import argparse
import datetime
import os
import subprocess
import sys
import threading

from bench_common import run_threads

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))


def load_bookings(harness, scheduler, bridge_id, count, slots, loaders):
    """`count` one-hour bookings tomorrow (UTC): `slots` per hour from 00:00."""
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).date()
    midnight = datetime.datetime.combine(tomorrow, datetime.time(), datetime.timezone.utc)
    work = list(range(count))
    lock = threading.Lock()
    failures = []

    def loader(_index):
        client = harness.JsonClient(scheduler.port)
        while True:
            with lock:
                if not work:
                    return
                index = work.pop()
            start = midnight + datetime.timedelta(hours=index // slots)
            reply = client.call("POST", "/bookings", {
                "title": "Meeting %d" % index, "bridge": bridge_id,
                "start": start.isoformat(), "end": (start + datetime.timedelta(minutes=50))
                .isoformat()})
            if reply.status != 201:
                failures.append(reply)
    run_threads(loader, loaders)
    if failures:
        raise SystemExit("booking failed: %r" % failures[0])
    return tomorrow.isoformat()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--bookings", type=int, default=10000)
    parser.add_argument("--slots", type=int, default=500)
    parser.add_argument("--loaders", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    if arguments.bookings > arguments.slots * 24:
        raise SystemExit("--bookings must fit in one day: at most --slots x 24")
    os.environ["CONVENE_BUILD_DIR"] = os.path.abspath(arguments.build_dir)
    import harness  # noqa: E402 - after CONVENE_BUILD_DIR is set
    bridge = harness.Bridge(name="cms1", trace=False).start()
    scheduler = harness.Scheduler(extra=[
        "--console-dir", os.path.join(harness.SOURCE_DIR, "console"),
        "--poll-interval", "3600", "--discovery-interval", "3600"]).start()
    try:
        bridge_id = scheduler.add_bridge(bridge.url, arguments.slots, wait=300, name="cms1",
                                         base=10000)
        day = load_bookings(harness, scheduler, bridge_id, arguments.bookings, arguments.slots,
                            arguments.loaders)
        env = dict(os.environ, CONSOLE_URL=scheduler.url, ADMIN_PASSWORD=harness.ADMIN[1],
                   BRIDGE_ID=bridge_id, DAY=day, BOOKINGS=str(arguments.bookings),
                   RUNS=str(arguments.runs), CHROMIUM="/usr/bin/chromium")
        subprocess.run(["node", os.path.join(HERE, "console.mjs")], env=env, check=True)
    finally:
        scheduler.cleanup()
        bridge.cleanup()


if __name__ == "__main__":
    main()
