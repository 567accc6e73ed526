"""convened as a program: options from an INI file, the admin password from
the environment, versioned state that survives a restart, clear errors for
bad command lines, --help, and a clean stop on SIGTERM (checked by the
harness on every stop).
"""

import os
import shutil
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


def test_database_options_are_checked_before_anything_starts():
    base = ["--listen", "127.0.0.1:1", "--data-dir", "/tmp/x", "--admin-user", "a:b"]
    for option in ("--database", "--database-password-file", "--migrate-only"):
        assert option in run(["--help"]).stdout, option
    not_a_url = run(base + ["--database", "/tmp/x/convened.db"])
    assert not_a_url.returncode == 2 and "postgresql://" in not_a_url.stderr, not_a_url
    # several nodes on one database must share the key that seals bridge passwords
    no_key = run(base + ["--database", "postgresql://convened@127.0.0.1:1/convened"])
    assert no_key.returncode == 2 and "--secrets-key" in no_key.stderr, no_key
    # a password in the URL is refused (ps shows it) and never echoed
    in_url = run(["--database", "postgresql://convened:hunter2-in-url@127.0.0.1:1/convened",
                  "--migrate-only"])
    assert in_url.returncode == 1, in_url
    assert "hunter2-in-url" not in in_url.stderr + in_url.stdout, in_url
    nothing = run(["--migrate-only"])
    assert nothing.returncode == 2 and "--database or --data-dir" in nothing.stderr, nothing


def test_migrate_only_applies_the_schema_and_exits():
    data_dir = tempfile.mkdtemp(prefix="convened-")
    try:
        migrate = ["--data-dir", data_dir, "--migrate-only"]
        migrate += [argument for argument in harness.scheduler_database_arguments(data_dir)
                    if argument != "--secrets-key" and not argument.endswith("secrets.key")]
        first = run(migrate)
        assert first.returncode == 0, first
        assert "schema version" in first.stderr, first
        tables = harness.scheduler_sql(data_dir, "SELECT count(*) FROM bookings")
        assert int(tables[0][0]) == 0, tables
        again = run(migrate)  # nothing left to do: still 0
        assert again.returncode == 0, again
        # no daemon ran: no key, no lock, no certificate
        assert not os.path.exists(os.path.join(data_dir, "secrets.key"))
        assert not os.path.exists(os.path.join(data_dir, "convened.lock"))
        # and the daemon starts on the migrated database
        scheduler = harness.Scheduler(data_dir=data_dir).start()
        scheduler.cleanup()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_config_file_and_password_from_the_environment():
    data_dir = tempfile.mkdtemp(prefix="convened-")
    port = free_port()
    config = os.path.join(data_dir, "convened.ini")
    with open(config, "w") as handle:
        handle.write("[convened]\nlisten = 127.0.0.1:%d\ndata-dir = %s\nadmin_user = %s\n"
                     "plain-http = true\npoll-interval = 5\n" % (port, data_dir, ADMIN[0]))
        database = harness.scheduler_database_arguments(data_dir)
        if database:  # the PostgreSQL run: the database from the file too
            handle.write("database = %s\ndatabase-password-file = %s\nsecrets-key = %s\n"
                         % (database[1], database[3], database[5]))
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

    if harness.DATABASE == "postgresql":
        version = harness.scheduler_sql(
            data_dir, "SELECT version FROM schema_version WHERE component = 'scheduler'")
        assert int(version[0][0]) >= 1, version
        tables = {row[0] for row in harness.scheduler_sql(
            data_dir, "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public'")}
        assert not os.path.exists(os.path.join(data_dir, "convened.db"))
    else:
        database = sqlite3.connect(os.path.join(data_dir, "convened.db"))
        try:
            assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert database.execute("PRAGMA user_version").fetchone()[0] >= 1
            tables = {row[0] for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            database.close()
    assert {"bridges", "cluster_members", "tickets", "bookings",
            "participants"} <= tables, tables
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
