"""Data at rest and the data directory (issue 8, breaks 5, 8 and 9).

- every file both daemons create is 0600 and the data directory 0700
  (an existing looser one is tightened, and the log says so);
- a second convened on the same data directory refuses to start;
- a database deleted or replaced under a running convened stops every
  change loudly (503, an error line) instead of taking writes it loses,
  and a restart does not quietly begin with an empty one;
- convened refuses bodies that are not application/json (415): a web page
  can post text/plain across sites with a browser's cached credentials.
"""

import os
import shutil
import stat
import tempfile
import time

from harness import ADMIN, Bridge, Scheduler, run_tests, wait_for


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def loose_directory(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


def assert_private(directory, expected_files, who):
    assert mode(directory) == 0o700, (who, oct(mode(directory)))
    names = sorted(os.listdir(directory))
    for name in expected_files:
        assert name in names, (who, name, names)
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            assert mode(path) == 0o600, (who, name, oct(mode(path)))


def add_bridge(scheduler, bridge):
    document = {"address": bridge.url, "username": ADMIN[0], "password": ADMIN[1]}
    if bridge.tls:
        document["caFile"] = os.path.join(bridge.data_dir, "tls-certificate.pem")
    reply = scheduler.client.call("POST", "/bridges", document)
    assert reply.status == 201, reply
    return reply.json()["id"]


def test_files_are_private_and_the_directory_is_tightened():
    os.umask(0o022)  # what a shell usually has: files would be 0644
    bridge_dir = loose_directory("convene-bridge-modes-")
    scheduler_dir = loose_directory("convened-modes-")
    bridge = Bridge(data_dir=bridge_dir, tls=True).start()
    scheduler = Scheduler(data_dir=scheduler_dir, tls=True).start()
    try:
        add_bridge(scheduler, bridge)  # writes on both sides: WAL files, trace
        assert_private(bridge_dir, ["bridge.sqlite", "bridge.sqlite-wal", "bridge.lock",
                                    "tls-key.pem", "tls-certificate.pem",
                                    os.path.basename(bridge.trace_path)],
                       "bridge")
        assert_private(scheduler_dir, ["convened.db", "convened.db-wal", "cms-trace.log",
                                       "convened.lock", "tls-key.pem", "tls-certificate.pem"],
                       "convened")
        for daemon, path in ((bridge, bridge_dir), (scheduler, scheduler_dir)):
            assert "data directory %s was mode 0755; tightened to 0700" % path in daemon.log(), \
                daemon.log()
    finally:
        bridge.stop()
        scheduler.stop()
        shutil.rmtree(bridge_dir, ignore_errors=True)
        shutil.rmtree(scheduler_dir, ignore_errors=True)


def test_a_second_convened_on_the_same_directory_refuses_to_start():
    first = Scheduler().start()
    second = Scheduler(data_dir=first.data_dir)
    try:
        second.start(wait=False)
        status = second.process.wait(timeout=15)
        assert status != 0, second.log()
        assert "is in use by another process (pid %d" % first.process.pid in second.log(), \
            second.log()
        assert first.client.call("GET", "/bridges").status == 200
    finally:
        second.process = None
        first.cleanup()


def test_a_deleted_database_stops_every_change():
    bridge = Bridge().start()
    scheduler = Scheduler().start()
    try:
        bridge_id = add_bridge(scheduler, bridge)
        path = "/bridges/" + bridge_id
        assert scheduler.client.call("PATCH", path, {"domain": "example.com"}).status == 200
        os.unlink(os.path.join(scheduler.data_dir, "convened.db"))
        # Noticed without any request (the main loop looks every second) ...
        wait_for(lambda: "was deleted or replaced while in use" in scheduler.log(),
                 what="convened to log the lost database")
        # ... and every change is refused, none acknowledged and lost.
        for method, route, document in (
                ("PATCH", path, {"domain": "example.org"}),
                ("POST", "/bookings", {"title": "x"}),
                ("DELETE", path, None)):
            reply = scheduler.client.call(method, route, document)
            assert reply.status == 503, (method, route, reply)
            assert reply.json()["error"]["code"] == "databaseLost", reply
        assert scheduler.alive()
        assert not os.path.exists(os.path.join(scheduler.data_dir, "convened.db"))
    finally:
        scheduler.cleanup()
        bridge.cleanup()


def test_a_lost_database_stops_the_background_writers_too():
    """Not only the API: the bridge worker (polling every second here)
    wrote each poll into the lost file and read it back, so lastContact
    kept moving. Now every write of every module is refused (the store
    refuses to begin and to commit), the workers stop working on what they
    could not record, one error line says why, and the loss is shown as a
    ticket (kept in memory: there is no database for it)."""
    bridge = Bridge().start()
    scheduler = Scheduler(extra=["--poll-interval", "1"]).start()
    try:
        bridge_id = add_bridge(scheduler, bridge)
        path = "/bridges/" + bridge_id

        def last_contact():
            return scheduler.client.call("GET", path).json()["lastContact"]
        first = last_contact()
        wait_for(lambda: last_contact() != first, timeout=15,
                 what="a poll to record a newer lastContact")
        os.unlink(os.path.join(scheduler.data_dir, "convened.db"))
        wait_for(lambda: "was deleted or replaced while in use" in scheduler.log(),
                 what="convened to log the lost database")
        frozen = last_contact()
        polls = scheduler.trace().count("/system/status")
        # For three poll intervals: no refresh runs (it could store nothing),
        # nothing is written, reads go on unchanged, no error line repeats.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert last_contact() == frozen
            time.sleep(0.2)
        assert scheduler.trace().count("/system/status") == polls
        assert scheduler.log().count("was deleted or replaced while in use") == 1
        assert scheduler.log().count(" error: ") == 1, scheduler.log()
        tickets = scheduler.client.call("GET", "/tickets")
        assert tickets.status == 200, tickets
        lost = [t for t in tickets.json() if t["kind"] == "Database lost"]
        assert len(lost) == 1 and lost[0]["bridge"] is None, tickets.json()
        assert "convened.db" in lost[0]["message"], lost
    finally:
        scheduler.cleanup()
        bridge.cleanup()


def test_a_restart_over_a_lost_database_refuses_to_start():
    first = Scheduler().start()
    try:
        first.stop()
        os.unlink(os.path.join(first.data_dir, "convened.db"))
        again = Scheduler(data_dir=first.data_dir).start(wait=False)
        assert again.process.wait(timeout=15) != 0, again.log()
        assert "convened.db is missing although" in again.log(), again.log()
        again.process = None
        assert not os.path.exists(os.path.join(first.data_dir, "convened.db"))
        # Starting empty is a decision the operator makes: delete the lock file.
        os.unlink(os.path.join(first.data_dir, "convened.lock"))
        fresh = Scheduler(data_dir=first.data_dir).start()
        fresh.stop()
    finally:
        first.cleanup()


def test_a_replaced_database_stops_every_change():
    scheduler = Scheduler().start()
    try:
        database = os.path.join(scheduler.data_dir, "convened.db")
        shutil.copy(database, database + ".copy")
        os.replace(database + ".copy", database)  # same name, another file
        reply = scheduler.client.call("POST", "/bridges", {
            "address": "http://127.0.0.1:9", "username": "a", "password": "b"})
        assert reply.status == 503 and reply.json()["error"]["code"] == "databaseLost", reply
        assert "was deleted or replaced while in use" in scheduler.log()
    finally:
        scheduler.cleanup()


def test_bodies_that_are_not_json_are_refused():
    bridge = Bridge().start()
    scheduler = Scheduler().start()
    try:
        body = '{"address": "%s", "username": "%s", "password": "%s"}' % (
            bridge.url, ADMIN[0], ADMIN[1])
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", None, "application/jsonx"):
            headers = {"Content-Type": content_type} if content_type else {}
            reply = scheduler.client.request("POST", "/api/v1/bridges", body=body,
                                             headers=headers)
            assert reply.status == 415, (content_type, reply)
            assert reply.json()["error"]["details"] == {"field": "Content-Type"}, reply
        assert scheduler.client.call("GET", "/bridges").json() == []
        reply = scheduler.client.request("POST", "/api/v1/bridges", body=body,
                                         headers={"Content-Type":
                                                  "application/JSON; charset=utf-8"})
        assert reply.status == 201, reply
    finally:
        scheduler.cleanup()
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
