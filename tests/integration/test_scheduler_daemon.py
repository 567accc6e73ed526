"""convened as a program: options from an INI file, the admin password from
the environment, versioned state that survives a restart, clear errors for
bad command lines, --help, and a clean stop on SIGTERM (checked by the
harness on every stop).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import ADMIN, SCHEDULER_BINARY, JsonClient, Process, free_port, wait_for  # noqa: E402


def run(argv, env=None):
    return subprocess.run([SCHEDULER_BINARY] + argv, capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


def test_help_and_usage_errors():
    helped = run(["--help"])
    assert helped.returncode == 0, helped
    for option in ("--listen", "--data-dir", "--admin-user", "--config", "--plain-http",
                   "--poll-interval", "--cms-max-in-flight"):
        assert option in helped.stdout, option
    missing = run(["--data-dir", "/tmp/x", "--admin-user", "a:b"])
    assert missing.returncode == 2 and "--listen" in missing.stderr, missing
    bad = run(["--listen", "127.0.0.1:1", "--data-dir", "/tmp/x", "--admin-user", "a:b",
               "--poll-interval", "0"])
    assert bad.returncode == 2 and "--poll-interval" in bad.stderr, bad
    no_password = run(["--listen", "127.0.0.1:1", "--data-dir", "/tmp/x", "--admin-user", "a"],
                      env={"CONVENED_ADMIN_PASSWORD": ""})
    assert no_password.returncode == 2 and "CONVENED_ADMIN_PASSWORD" in no_password.stderr


def test_config_file_and_password_from_the_environment():
    data_dir = tempfile.mkdtemp(prefix="convened-")
    port = free_port()
    config = os.path.join(data_dir, "convened.ini")
    with open(config, "w") as handle:
        handle.write("[convened]\nlisten = 127.0.0.1:%d\ndata-dir = %s\nadmin_user = %s\n"
                     "plain-http = true\npoll-interval = 5\n" % (port, data_dir, ADMIN[0]))
    daemon = Process([SCHEDULER_BINARY, "--config", config],
                     env={"CONVENED_ADMIN_PASSWORD": ADMIN[1]}, name="convened")
    daemon.start()
    client = JsonClient(port)
    try:
        def answers():
            if not daemon.alive():
                raise AssertionError("convened exited:\n" + daemon.log())
            try:
                return client.call("GET", "/bridges").status == 200
            except OSError:
                client.close()
                return False
        wait_for(answers, timeout=15, what="convened configured from a file")
        assert client.call("GET", "/bridges", credentials=(ADMIN[0], "nope")).status == 401
        assert "secret-password" not in daemon.log()
    finally:
        client.close()
        daemon.stop()

    database = sqlite3.connect(os.path.join(data_dir, "convened.db"))
    try:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute("PRAGMA user_version").fetchone()[0] >= 1
        tables = {row[0] for row in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"bridges", "cluster_members", "tickets", "bookings",
                "participants"} <= tables, tables
    finally:
        database.close()
    # A second start on the same directory migrates nothing and serves.
    again = harness.Scheduler(data_dir=data_dir)
    again.own_dir = True
    try:
        again.start()
        assert again.client.call("GET", "/tickets").json() == []
    finally:
        again.cleanup()


if __name__ == "__main__":
    harness.run_tests(dict(globals()))
