"""Bridge passwords at rest (issue 8, break 5).

convened used to store the passwords it uses toward its bridges as given,
so a copy of convened.db (or its -wal) handed them out. Now they are
sealed with a key file the operator owns (--secrets-key, generated 0600 at
first start): the database and its WAL never hold them in clear, a copied
data directory without the key starts nowhere and names the missing key,
a wrong key is named as such, clear-text rows of older versions are
sealed at start, and a rotation (--secrets-key-previous) re-seals them.
`convene` and the API never echo them.
"""

import base64
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile

import harness
from harness import ADMIN, Bridge, Scheduler, run_tests, wait_for

PASSWORD = "Bridge-Pa55word-Q7x"
ALTERNATE_PASSWORD = "Alternate-Pa55word-Z3k"
USER = ("api", PASSWORD)


def run_cli(scheduler, *argv):
    environment = dict(os.environ)
    environment.update({"CONVENE_SERVER": scheduler.url, "CONVENE_USER": ADMIN[0],
                        "CONVENE_PASSWORD": ADMIN[1]})
    done = subprocess.run([harness.CLI_BINARY] + list(argv), capture_output=True, text=True,
                          env=environment, timeout=60)
    return done.returncode, done.stdout + done.stderr


def files_at_rest(data_dir):
    """Every byte of convened.db and its WAL, and the trace."""
    contents = b""
    for name in ("convened.db", "convened.db-wal", "cms-trace.log"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            with open(path, "rb") as handle:
                contents += handle.read()
    return contents


def stored_passwords(data_dir):
    connection = sqlite3.connect(os.path.join(data_dir, "convened.db"))
    try:
        return connection.execute(
            "SELECT id, password, alternate_password FROM bridges").fetchall()
    finally:
        connection.close()


def start_failing(data_dir, extra=()):
    """Starts convened expecting it to refuse; returns its log."""
    failing = Scheduler(data_dir=data_dir, extra=list(extra)).start(wait=False)
    assert failing.process.wait(timeout=15) == 1, failing.log()
    log = failing.log()
    failing.process = None
    return log


def add_bridge(scheduler, bridge):
    reply = scheduler.client.call("POST", "/bridges", {
        "address": bridge.url, "username": USER[0], "password": USER[1]})
    assert reply.status == 201, reply
    return reply.json()["id"]


def wait_polled(scheduler, bridge_id):
    """Asks for a refresh and waits for a poll that used the password."""
    before = scheduler.client.call("GET", "/bridges/" + bridge_id).json()["lastContact"]
    scheduler.client.call("POST", "/bridges/%s/refresh" % bridge_id)

    def polled():
        document = scheduler.client.call("GET", "/bridges/" + bridge_id).json()
        return document["reachable"] and document["lastContact"] != before
    wait_for(polled, timeout=15, what="a poll with the stored password")


def test_sealed_at_rest_never_echoed_and_useless_without_the_key():
    bridge = Bridge(users=(ADMIN, USER)).start()
    scheduler = Scheduler(extra=["--poll-interval", "1"]).start()
    copy = tempfile.mkdtemp(prefix="convened-copy-")
    try:
        key = os.path.join(scheduler.data_dir, "secrets.key")
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        assert "generated a new secrets key" in scheduler.log(), scheduler.log()

        code, out = run_cli(scheduler, "bridge", "add", bridge.url, "--username", USER[0],
                            "--password", PASSWORD)
        assert code == 0, out
        bridge_id = out.split()[2]
        code, set_out = run_cli(scheduler, "bridge", "set", bridge_id, "--alternate-address",
                                "http://127.0.0.1:9", "--alternate-username", "alt",
                                "--alternate-password", ALTERNATE_PASSWORD)
        assert code == 0, set_out
        outputs = [out, set_out]
        for argv in (("bridge", "list"), ("bridge", "list", "--json"), ("bridge", "show",
                                                                          bridge_id),
                     ("bridge", "show", bridge_id, "--json"), ("tickets",)):
            code, text = run_cli(scheduler, *argv)
            assert code == 0, (argv, text)
            outputs.append(text)
        for route in ("/bridges", "/bridges/" + bridge_id, "/tickets"):
            outputs.append(scheduler.client.call("GET", route).body)
        outputs.append(scheduler.log())
        for text in outputs:
            assert PASSWORD not in text and ALTERNATE_PASSWORD not in text, text

        wait_polled(scheduler, bridge_id)  # the sealed password still works
        rows = stored_passwords(scheduler.data_dir)
        assert rows[0][1].startswith("sb1:") and rows[0][2].startswith("sb1:"), rows
        for secret in (PASSWORD, ALTERNATE_PASSWORD):
            assert secret.encode() not in files_at_rest(scheduler.data_dir)

        # A copy of the data directory without the key opens nothing.
        scheduler.stop()
        for name in ("convened.db", "convened.db-wal", "convened.lock"):
            if os.path.exists(os.path.join(scheduler.data_dir, name)):
                shutil.copy(os.path.join(scheduler.data_dir, name), copy)
        for secret in (PASSWORD, ALTERNATE_PASSWORD):
            assert secret.encode() not in files_at_rest(copy)
        log = start_failing(copy)
        assert "secrets key file" in log and "is missing" in log, log
        assert not os.path.exists(os.path.join(copy, "secrets.key")), "a key was invented"

        # Another key is named as the wrong one, not used to make garbage.
        other = os.path.join(copy, "other.key")
        with open(other, "w") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        os.chmod(other, 0o600)
        log = start_failing(copy, ["--secrets-key", other])
        assert "sealed with key" in log and "holds key" in log, log

        # With the key, the copy works.
        shutil.copy(key, os.path.join(copy, "secrets.key"))
        restored = Scheduler(data_dir=copy, extra=["--poll-interval", "1"]).start()
        try:
            wait_polled(restored, bridge_id)
        finally:
            restored.cleanup()
    finally:
        scheduler.cleanup()
        bridge.cleanup()
        shutil.rmtree(copy, ignore_errors=True)


def test_clear_text_rows_are_sealed_at_start():
    bridge = Bridge(users=(ADMIN, USER)).start()
    scheduler = Scheduler(extra=["--poll-interval", "1"]).start()
    try:
        bridge_id = add_bridge(scheduler, bridge)
        scheduler.stop()
        # What an older convened left: the password in clear.
        connection = sqlite3.connect(os.path.join(scheduler.data_dir, "convened.db"))
        connection.execute("UPDATE bridges SET password = ?", (PASSWORD,))
        connection.commit()
        connection.close()
        scheduler.start()
        assert "sealed 1 bridge password" in scheduler.log(), scheduler.log()
        assert stored_passwords(scheduler.data_dir)[0][1].startswith("sb1:")
        wait_polled(scheduler, bridge_id)
        scheduler.stop()
        assert PASSWORD.encode() not in files_at_rest(scheduler.data_dir)
    finally:
        scheduler.cleanup()
        bridge.cleanup()


def test_rotating_the_key():
    bridge = Bridge(users=(ADMIN, USER)).start()
    scheduler = Scheduler(extra=["--poll-interval", "1"]).start()
    try:
        bridge_id = add_bridge(scheduler, bridge)
        scheduler.stop()
        old_key = os.path.join(scheduler.data_dir, "secrets.key")
        new_key = os.path.join(scheduler.data_dir, "secrets-2.key")
        before = stored_passwords(scheduler.data_dir)[0][1]

        # The documented procedure: start once with the new key file (made
        # when absent) and the old one as --secrets-key-previous.
        rotating = Scheduler(data_dir=scheduler.data_dir, extra=[
            "--secrets-key", new_key, "--secrets-key-previous", old_key]).start()
        assert "re-sealed 1 bridge password" in rotating.log(), rotating.log()
        rotating.stop()
        after = stored_passwords(scheduler.data_dir)[0][1]
        assert after.startswith("sb1:") and after.split(":")[1] != before.split(":")[1]

        # From then on the new key alone; the old one no longer opens them.
        log = start_failing(scheduler.data_dir, ["--secrets-key", old_key])
        assert "sealed with key " + after.split(":")[1] in log, log
        rotated = Scheduler(data_dir=scheduler.data_dir, extra=[
            "--secrets-key", new_key, "--poll-interval", "1"]).start()
        try:
            wait_polled(rotated, bridge_id)
        finally:
            rotated.cleanup()
    finally:
        scheduler.cleanup()
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
