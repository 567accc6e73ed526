"""`convene`, the command-line client, against a real convened and a real
convene-bridge: human tables and --json output, the exit codes (0 success,
1 the server refused, 2 usage error, 3 no connection), one-line error
messages that carry the server's message and field, credentials from the
environment, TLS verification of convened, and that no password is ever
printed.

The steps run in order against one set of daemons (started on first use).
"""

import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import ADMIN, Bridge, Scheduler, free_port, wait_for  # noqa: E402

BRIDGE_PASSWORD = "bridge-pw-" + os.urandom(4).hex()
DOMAIN = "video.example.com"


class World:
    bridge = None
    scheduler = None
    bridge_id = None
    booking_id = None


def run(*argv, env=None, server=True, check=None):
    """Runs convene; returns (exit code, stdout, stderr)."""
    environment = dict(os.environ)
    for name in ("CONVENE_SERVER", "CONVENE_USER", "CONVENE_PASSWORD", "CONVENE_CA_FILE"):
        environment.pop(name, None)
    if server:
        environment["CONVENE_SERVER"] = World.scheduler.url
        environment["CONVENE_USER"] = ADMIN[0]
        environment["CONVENE_PASSWORD"] = ADMIN[1]
    environment.update(env or {})
    done = subprocess.run([harness.CLI_BINARY] + list(argv), capture_output=True, text=True,
                          env=environment, timeout=60)
    for stream in (done.stdout, done.stderr):
        assert BRIDGE_PASSWORD not in stream, "a password was printed: %r" % (argv,)
        assert ADMIN[1] not in stream, "the API password was printed: %r" % (argv,)
    if check is not None:
        assert done.returncode == check, (argv, done.returncode, done.stdout, done.stderr)
    return done.returncode, done.stdout, done.stderr


def run_json(*argv):
    code, out, err = run("--json", *argv, check=0)
    return json.loads(out)


def one_error_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, "expected one error line, got %r" % err
    assert lines[0].startswith("convene: "), lines[0]
    return lines[0]


def rfc3339(seconds_from_now):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds_from_now)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def setup():
    if World.scheduler is None:
        World.bridge = Bridge(name="CallBridge-Core1",
                              users=(ADMIN, ("cliadmin", BRIDGE_PASSWORD))).start()
        World.scheduler = Scheduler(extra=["--poll-interval", "1"]).start()


# ---- no server needed ----------------------------------------------------

def test_help_is_complete():
    code, out, err = run("--help", server=False, check=0)
    for command in ("bridge", "tickets", "book", "bookings", "show", "extend", "end", "cancel",
                    "demo", "--server", "--user", "--json", "--insecure", "--ca-file",
                    "CONVENE_PASSWORD", "Exit status"):
        assert command in out, command
    for argv, words in ((["bridge", "--help"], ["add", "list", "show", "set", "remove"]),
                        (["bridge", "add", "--help"], ["--username", "--password", "--insecure",
                                                       "--ca-file", "--pin-certificate"]),
                        (["bridge", "set", "--help"], ["--name", "--domain", "--numeric-id-base",
                                                       "--numeric-id-quantity",
                                                       "--alternate-address",
                                                       "--alternate-username",
                                                       "--alternate-password", "--allow-booking",
                                                       "--slot-name-prefix",
                                                       "--allowed-members", "--any-member"]),
                        (["book", "--help"], ["--title", "--start", "--end", "--duration",
                                              "--passcode", "--dial-out", "--dial-in", "--bridge",
                                              "--setup-buffer"]),
                        (["bookings", "--help"], ["--from", "--to"]),
                        (["help", "extend"], ["extend ID MINUTES"]),
                        (["demo", "--help"], ["--bridge-binary", "--scheduler-binary",
                                              "--work-dir"])):
        code, out, err = run(*argv, server=False, check=0)
        assert out.startswith("Usage: convene"), (argv, out)
        for word in words:
            assert word in out, (argv, word)
    code, out, err = run("--version", server=False, check=0)
    assert out.startswith("convene ")


def test_usage_errors_exit_2_with_one_line():
    for argv in ([], ["frobnicate"], ["--bogus", "tickets"], ["bridge"], ["bridge", "frob"],
                 ["bridge", "add"], ["bridge", "add", "host", "--password", "x"],
                 ["bridge", "add", "host", "--username", "u", "--password", "p", "--insecure",
                  "--ca-file", "/etc/hosts"],
                 ["bridge", "set", "id"], ["bridge", "set", "id", "--allow-booking", "maybe"],
                 ["bridge", "set", "id", "--numeric-id-base", "abc"],
                 ["bridge", "show"], ["bridge", "show", "a", "b"],
                 ["book", "--title", "x"], ["book", "--title", "x", "--start", "tomorrow",
                                            "--duration", "5"],
                 ["book", "--title", "x", "--start", rfc3339(60)],
                 ["book", "--title", "x", "--start", rfc3339(60), "--duration", "5",
                  "--end", rfc3339(600)],
                 ["book", "--title", "x", "--start", rfc3339(60), "--duration", "5",
                  "--passcode", "12a"],
                 ["bookings", "--from", "yesterday"], ["show"], ["extend", "id"],
                 ["extend", "id", "-5"], ["extend", "id", "ten"], ["end"], ["cancel", "a", "b"],
                 ["tickets", "--unknown"], ["--server"]):
        code, out, err = run(*argv, server=False)
        assert code == 2, (argv, code, out, err)
        one_error_line(err)
        assert out == "", (argv, out)


def test_no_password_is_a_usage_error():
    code, out, err = run("tickets", server=False, check=2,
                         env={"CONVENE_SERVER": "http://127.0.0.1:1"})
    assert "CONVENE_PASSWORD" in one_error_line(err)


def test_no_server_exits_3():
    port = free_port()
    code, out, err = run("--server", "http://127.0.0.1:%d" % port, "--user", "a:b", "bridge",
                         "list", server=False, check=3)
    line = one_error_line(err)
    assert "cannot reach convened at http://127.0.0.1:%d" % port in line, line


def test_passwords_are_hidden_from_the_process_list():
    """--user NAME:PASSWORD and --password values are overwritten in argv
    once copied, so `ps` does not show them."""
    import socket
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        cli = subprocess.Popen([harness.CLI_BINARY, "--server",
                                "http://127.0.0.1:%d" % silent.getsockname()[1], "--user",
                                "admin:user-secret", "bridge", "add", "cms.example.com",
                                "--username", "api", "--password", "bridge-secret"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def scrubbed():
                with open("/proc/%d/cmdline" % cli.pid, "rb") as handle:
                    arguments = handle.read().split(b"\0")
                return b"--username" in arguments and b"user-secret" not in b" ".join(arguments) \
                    and b"bridge-secret" not in arguments and arguments
            arguments = wait_for(scrubbed, timeout=10, what="the passwords to be hidden")
            assert b"admin:***********" in arguments, arguments
        finally:
            cli.kill()
            cli.wait()


# ---- against the daemons ------------------------------------------------

def test_bridge_add_shows_recognition_and_tickets():
    setup()
    code, out, err = run("bridge", "add", World.bridge.url, "--username", "cliadmin",
                         "--password", BRIDGE_PASSWORD, check=0)
    assert out.startswith("Added bridge "), out
    World.bridge_id = out.split()[2]
    assert "System type:" in out and "Cisco Meeting Server" in out, out
    assert "Blank System Name" in out and "Dial Number Configuration Error" in out, out
    assert "CallBridge-Core1" in out  # the cluster table
    # The daemon really has it.
    reply = World.scheduler.client.call("GET", "/bridges/" + World.bridge_id)
    assert reply.status == 200 and reply.json()["address"].endswith(":%d" % World.bridge.port)


def test_bridge_list_table_and_json():
    code, out, err = run("bridge", "list", check=0)
    lines = out.splitlines()
    header = lines[0].split()
    assert header == ["ID", "NAME", "ADDRESS", "VERSION", "REACHABLE", "SLOTS", "TICKETS"], header
    row = [line for line in lines[1:] if line.startswith(World.bridge_id)]
    assert len(row) == 1, out
    # Columns line up: each header starts where its values start.
    assert lines[0].index("ADDRESS") == row[0].index(World.bridge.url), out
    assert row[0].split()[-1] == "2"  # two open tickets
    document = run_json("bridge", "list")
    bridges = document["bridges"] if isinstance(document, dict) else document
    assert [b["id"] for b in bridges] == [World.bridge_id]
    assert "password" not in bridges[0]
    # --json after the command works too, and prints the server's JSON.
    code, out, err = run("bridge", "show", World.bridge_id, "--json", check=0)
    assert json.loads(out)["id"] == World.bridge_id


def test_tickets_table():
    code, out, err = run("tickets", check=0)
    assert out.splitlines()[0].split() == ["ID", "BRIDGE", "KIND", "OPENED", "MESSAGE"], out
    assert out.count(World.bridge_id) == 2
    document = run_json("tickets")
    tickets = document["tickets"] if isinstance(document, dict) else document
    assert sorted(t["kind"] for t in tickets) == ["Blank System Name",
                                                 "Dial Number Configuration Error"]


def test_bridge_set_clears_the_tickets_and_provisions():
    code, out, err = run("bridge", "set", World.bridge_id, "--name", "CMS Core Primary",
                         "--domain", DOMAIN, "--numeric-id-base", "1", "--numeric-id-quantity",
                         "3", "--allow-booking", "true", check=0)
    assert "Name:" in out and "CMS Core Primary" in out, out

    def settled():
        bridge = run_json("bridge", "show", World.bridge_id)
        return not bridge["tickets"] and bridge["slots"]["provisioned"] == 3 and bridge
    bridge = wait_for(settled, timeout=30, what="tickets to clear and 3 slots")
    assert bridge["name"] == "CMS Core Primary" and bridge["domain"] == DOMAIN
    assert bridge["numericIdBase"] == 1 and bridge["numericIdQuantity"] == 3
    code, out, err = run("tickets", check=0)
    assert out.strip() == "No open tickets.", out
    code, out, err = run("bridge", "show", World.bridge_id, check=0)
    assert "Tickets: none" in out and "3 provisioned of 3" in out, out


def test_server_refusals_exit_1_with_the_message_and_field():
    code, out, err = run("bridge", "set", World.bridge_id, "--slot-name-prefix", "bad$", check=1)
    assert "slotNamePrefix" in one_error_line(err), err
    code, out, err = run("bridge", "show", "00000000-0000-0000-0000-000000000000", check=1)
    assert "does not exist" in one_error_line(err), err
    code, out, err = run("tickets", env={"CONVENE_PASSWORD": "wrong"}, check=1)
    line = one_error_line(err)
    assert "--user" in line, line
    # The same address twice is refused, with the message naming the bridge.
    code, out, err = run("bridge", "add", World.bridge.url, "--username", "cliadmin",
                         "--password", BRIDGE_PASSWORD, check=1)
    assert "CMS Core Primary" in one_error_line(err) or World.bridge_id in err, err


def test_book_prints_the_dial_in_details():
    start = rfc3339(4)
    code, out, err = run("book", "--title", "CLI Meeting", "--start", start, "--duration", "30",
                         "--passcode", "4321", "--dial-out", "sip:one@example.com",
                         "--dial-out", "sip:two@example.com", "--dial-in",
                         "sip:three@example.com", check=0)
    assert out.startswith("Booked."), out
    fields = dict(line.split(":", 1) for line in out.splitlines()
                  if ":" in line and not line.startswith("sip:"))
    World.booking_id = fields["Booking"].strip()
    assert fields["Title"].strip() == "CLI Meeting"
    assert fields["Dial-in"].strip() == "1@%s  (call ID 1)" % DOMAIN, out
    assert fields["Start"].strip() == start
    assert "4321" not in out, "the passcode is not echoed"
    booking = run_json("show", World.booking_id)
    assert booking["slot"] == 1 and booking["dialIn"]["uri"] == "1@" + DOMAIN
    assert [(p["uri"], p["dial"]) for p in booking["participants"]] == [
        ("sip:one@example.com", "out"), ("sip:two@example.com", "out"),
        ("sip:three@example.com", "in")]


def test_conflicts_and_bad_fields_are_refused():
    code, out, err = run("book", "--title", "Clash", "--start", rfc3339(30), "--duration", "10",
                         "--dial-out", "sip:one@example.com", check=1)
    line = one_error_line(err)
    assert "conflicts with" in line and World.booking_id in line, line
    code, out, err = run("book", "--title", "Bad", "--start", rfc3339(3600), "--duration", "10",
                         "--dial-out", "not a uri", check=1)
    assert "participants[0].uri" in one_error_line(err), err
    code, out, err = run("book", "--title", "Past", "--start", "2020-01-01T00:00:00Z",
                         "--duration", "10", check=1)
    one_error_line(err)


def test_show_follows_the_live_meeting():
    def connected():
        booking = run_json("show", World.booking_id)
        states = [p["state"] for p in booking["participants"] if p["dial"] == "out"]
        return booking["state"] == "live" and states == ["connected", "connected"]
    wait_for(connected, timeout=20, what="the meeting to go live with both dial-outs")
    code, out, err = run("show", World.booking_id, check=0)
    assert "State:" in out and "live" in out
    table = out[out.index("PARTICIPANT"):].splitlines()
    assert table[0].split()[:3] == ["PARTICIPANT", "DIAL", "STATE"], table
    assert table[1].split()[:3] == ["sip:one@example.com", "out", "connected"], table
    assert table[2].split()[:3] == ["sip:two@example.com", "out", "connected"], table


def test_bookings_table_and_window():
    code, out, err = run("bookings", check=0)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "START", "END", "STATE", "SLOT", "DIAL-IN", "TITLE"], out
    assert any(line.startswith(World.booking_id) and "CLI Meeting" in line for line in lines)
    future = rfc3339(86400 * 30)
    code, out, err = run("bookings", "--from", future, "--to", rfc3339(86400 * 31), check=0)
    assert World.booking_id not in out and out.strip() == "No bookings.", out
    document = run_json("bookings", "--from", rfc3339(-3600), "--to", rfc3339(3600))
    assert World.booking_id in [b["id"] for b in document["bookings"]]
    # --bridge: only that bridge's meetings (GET /bookings?bridge=)
    document = run_json("bookings", "--bridge", World.bridge_id)
    assert World.booking_id in [b["id"] for b in document["bookings"]]
    code, out, err = run("bookings", "--bridge", "no-such-bridge")
    assert code != 0 and "bridge" in err and World.booking_id not in out, (code, out, err)


def test_extend_then_end():
    before = run_json("show", World.booking_id)
    code, out, err = run("extend", World.booking_id, "15", check=0)
    expected = (datetime.datetime.strptime(before["end"], "%Y-%m-%dT%H:%M:%SZ")
                + datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert expected in out, (expected, out)
    assert run_json("show", World.booking_id)["end"] == expected
    code, out, err = run("end", World.booking_id, check=0)
    assert World.booking_id in out
    wait_for(lambda: run_json("show", World.booking_id)["state"] == "ended", timeout=15,
             what="the meeting to end")
    code, out, err = run("extend", World.booking_id, "5", check=1)
    one_error_line(err)


def test_cancel():
    code, out, err = run("book", "--title", "Later", "--start", rfc3339(7200), "--end",
                         rfc3339(9000), check=0)
    later = [line.split(":", 1)[1].strip() for line in out.splitlines()
             if line.startswith("Booking:")][0]
    code, out, err = run("cancel", later, check=0)
    assert out.startswith("Cancelled " + later), out
    code, out, err = run("show", "no-such-booking", check=1)
    one_error_line(err)


def test_credentials_from_options():
    code, out, err = run("--server", World.scheduler.url, "--user", "%s:%s" % ADMIN, "tickets",
                         server=False, check=0)
    code, out, err = run("--server", World.scheduler.url, "--user", ADMIN[0], "tickets",
                         server=False, env={"CONVENE_PASSWORD": ADMIN[1]}, check=0)


def test_tls_server_is_verified():
    secure = Scheduler(tls=True).start()
    try:
        base = ["--server", secure.url, "--user", "%s:%s" % ADMIN]
        code, out, err = run(*base, "bridge", "list", server=False, check=3)
        assert "certificate" in one_error_line(err).lower() or "ssl" in err.lower(), err
        ca = os.path.join(secure.data_dir, "tls-certificate.pem")
        run(*base[:2], "--ca-file", ca, *base[2:], "bridge", "list", server=False, check=0)
        run(*base, "bridge", "list", server=False, env={"CONVENE_CA_FILE": ca}, check=0)
        run("--insecure", *base, "bridge", "list", server=False, check=0)
    finally:
        secure.cleanup()


def test_remove_the_bridge():
    code, out, err = run("bridge", "remove", World.bridge_id, check=0)
    assert out.startswith("Removed bridge " + World.bridge_id), out
    code, out, err = run("bridge", "list", check=0)
    assert World.bridge_id not in out


def cleanup():
    harness.cleanup_daemons(World.scheduler, World.bridge)


if __name__ == "__main__":
    harness.run_module(globals(), cleanup=cleanup)
