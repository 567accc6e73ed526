"""What every browser test's Python side shares: running one of the Node
scripts here (which drive Debian's chromium through playwright-core) with
the daemons' addresses in its environment, and doing what the script asks
of the daemons while it runs.

A script asks by printing a line "@@ ACTION" (see ask() in browser.mjs);
the test's ACTIONS[ACTION]() runs and "done" (or "failed: …") is written
back on the script's standard input. Every other line is printed as is.

Owns: finding Chromium and playwright-core, the Node process, the
actions' protocol. Does not own: the daemons (each test_*.py starts them)
nor the browser steps (the .mjs scripts).
"""

import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

CHROMIUM = os.environ.get("CONVENE_CHROMIUM", "/usr/bin/chromium")
# The longest a script may run (the ctest TIMEOUT is 300 s).
SCRIPT_SECONDS = 240


def console_options():
    """convened's options for a browser test: the console from the source
    tree."""
    return ["--console-dir", os.path.join(harness.SOURCE_DIR, "console")]


def add_bridge(scheduler, bridge, slots):
    """Adds BRIDGE to SCHEDULER as "cms1" (domain vc.example.com, SLOTS
    slots from 8800) and waits until its slots are provisioned. Returns
    the bridge's ID in convened."""
    reply = scheduler.client.call("POST", "/bridges", {
        "address": bridge.url, "username": harness.ADMIN[0], "password": harness.ADMIN[1],
        "name": "cms1", "domain": "vc.example.com", "numericIdBase": 8800,
        "numericIdQuantity": slots})
    assert reply.status == 201, reply
    bridge_id = reply.json()["id"]

    def provisioned():
        document = scheduler.client.call("GET", "/bridges/" + bridge_id).json()
        return document.get("slots", {}).get("provisioned") == slots
    wait_for(provisioned, timeout=30, what="slots to be provisioned")
    return bridge_id


def run_script(script, env, actions=None):
    """Runs tests/browser/SCRIPT with ENV added to the environment and
    fails (AssertionError) when it exits non-zero. ACTIONS: name -> function
    the script may ask for."""
    assert os.access(CHROMIUM, os.X_OK), "Chromium is missing (scripts/install-deps)"
    assert os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")), \
        "playwright-core is missing (scripts/install-deps runs npm ci in tests/browser)"
    screenshots = os.environ.get("CONVENE_SCREENSHOTS") or os.path.join(
        harness.SOURCE_DIR, "docs", "screenshots")
    full_env = dict(os.environ, CHROMIUM=CHROMIUM, SCREENSHOTS=screenshots, **env)
    process = subprocess.Popen(["node", os.path.join(HERE, script)], env=full_env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    # A script that hangs is killed, which ends the loop below.
    watchdog = threading.Timer(SCRIPT_SECONDS, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            if not line.startswith("@@ "):
                sys.stdout.write(line)
                sys.stdout.flush()
                continue
            action = line[3:].strip()
            try:
                (actions or {})[action]()
                answer = "done"
            except Exception as error:  # told to the script, which fails the step
                answer = "failed: %s %r" % (action, error)
            process.stdin.write(answer + "\n")
            process.stdin.flush()
        status = process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert status == 0, "%s failed with status %s (its output is above)" % (script, status)
