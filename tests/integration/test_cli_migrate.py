"""`convene migrate --from sqlite:DIR --to postgresql://…` against a real
PostgreSQL (pg_harness.py): an installation's bridge configuration moves
with nothing lost (read back through the API of a bridge started on
PostgreSQL, byte for byte), the ids go on past the copied ones, a second
migrate into the now non-empty database is refused and changes nothing,
a migrate while a bridge runs on the directory is refused before anything
is written, and a bridge does not start while a migrate holds the
directory.

convened's part: bookings (single and a daily series), a user with a
password, the bridge with its sealed password and provisioned slots, and
the audit trail move into PostgreSQL and read back the same through the
API of a convened started there, which still reaches its bridge, signs the
user in and books on past the copied ids.
"""

import datetime
import fcntl
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import pg_harness  # noqa: E402
from harness import ADMIN, Bridge, JsonClient, Scheduler, run_tests, wait_for  # noqa: E402

SPACES = 520  # more than one INSERT batch (500 rows) of the copy


class World:
    pg = None


def server():
    if World.pg is None:
        World.pg = pg_harness.PostgresServer().start()
    return World.pg


def migrate(data_dir, url, *extra):
    """Runs convene migrate; returns (exit code, stdout, stderr)."""
    pg = server()
    done = subprocess.run([harness.CLI_BINARY, "migrate", "--from", "sqlite:" + data_dir,
                           "--to", url, "--password-file", pg.password_file] + list(extra),
                          capture_output=True, text=True, timeout=120)
    assert pg.password not in done.stdout + done.stderr, "the password was printed"
    return done.returncode, done.stdout, done.stderr


def bridge_on(url):
    """A bridge keeping its configuration in PostgreSQL at `url`."""
    return Bridge(extra=["--database", url, "--database-password-file",
                         server().password_file])


def populate(bridge):
    """Objects of several kinds, with references between them."""
    client = bridge.client
    leg_profile = client.create("/callLegProfiles", {"muteSelfAllowed": "true",
                                                     "needsActivation": "false"})
    call_profile = client.create("/callProfiles", {"participantLimit": "40"})
    for number in range(SPACES):
        fields = {"uri": "moved.%d" % number, "name": "Moved space %d" % number}
        if number % 100 == 0:
            fields.update({"callLegProfile": leg_profile, "callProfile": call_profile,
                           "passcode": "4321", "secondaryUri": "alt.%d" % number})
        client.create("/coSpaces", fields)
    first = client.get("/coSpaces?limit=1").xml().find("coSpace").get("id")
    client.create("/coSpaces/%s/accessMethods" % first,
                  {"uri": "guest.moved", "passcode": "999", "name": "Guests"})
    client.create("/outboundDialPlanRules", {"domain": "example.com", "priority": "5"})
    assert client.put("/system/profiles", {"callLegProfile": leg_profile}).status == 200


def snapshot(bridge):
    """What the API shows of everything populate() made, as text."""
    client = bridge.client
    shown = {}
    spaces = []
    offset = 0
    while True:
        page = client.get("/coSpaces?limit=10&offset=%d" % offset)
        assert page.status == 200, page
        found = page.xml().findall("coSpace")
        spaces += [space.get("id") for space in found]
        shown["page %d" % offset] = page.body
        offset += len(found)
        if not found:
            break
    assert len(spaces) == SPACES, len(spaces)
    for space in spaces[:3] + spaces[-3:] + spaces[::100]:
        shown[space] = client.get("/coSpaces/%s" % space).body
        shown[space + " access"] = client.get("/coSpaces/%s/accessMethods" % space).body
    for path in ("/callLegProfiles", "/callProfiles", "/outboundDialPlanRules",
                 "/system/profiles"):
        shown[path] = client.get(path).body
    profile = client.get("/callLegProfiles").xml().find("callLegProfile").get("id")
    shown["profile"] = client.get("/callLegProfiles/%s" % profile).body
    return shown


def test_a_bridge_installation_moves_with_nothing_lost():
    pg = server()
    url = pg.create_database("moved")
    source = Bridge().start()
    try:
        populate(source)
        before = snapshot(source)
        # While the bridge runs on the directory: refused, nothing written.
        code, out, err = migrate(source.data_dir, url)
        assert code == 1, (code, out, err)
        assert "in use" in err and "nothing was changed" in err, err
        assert pg.sql("SELECT count(*) FROM information_schema.tables"
                      " WHERE table_schema = 'public'", database="moved") == "0"
        source.stop()

        code, out, err = migrate(source.data_dir, url)
        assert code == 0, (code, out, err)
        assert "cospaces" in out and str(SPACES) in out, out
        assert pg.sql("SELECT count(*) FROM cospaces", database="moved") == str(SPACES)

        moved = bridge_on(url).start()
        try:
            after = snapshot(moved)
            for key in before:
                assert after[key] == before[key], (key, before[key][:300], after[key][:300])
            # New ids go on past the copied ones; the counters count again.
            moved.client.create("/coSpaces", {"uri": "after.move", "name": "After"})
            total = moved.client.get("/coSpaces?limit=1").xml().get("total")
            assert total == str(SPACES + 1), total
        finally:
            moved.cleanup()

        # A second migrate into the now non-empty database: refused, unchanged.
        rows = pg.sql("SELECT count(*) FROM cospaces", database="moved")
        code, out, err = migrate(source.data_dir, url)
        assert code == 1, (code, out, err)
        assert "already holds" in err and "nothing was changed" in err, err
        assert pg.sql("SELECT count(*) FROM cospaces", database="moved") == rows
        assert pg.sql("SELECT uri FROM cospaces WHERE uri = 'after.move'",
                      database="moved") == "after.move"
    finally:
        source.cleanup()


def utc(days, hours=0):
    moment = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    moment += datetime.timedelta(days=days, hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def populate_scheduler(scheduler, bridge):
    """A bridge with provisioned slots, a user, bookings and a series."""
    client = scheduler.client
    reply = client.call("POST", "/bridges", {
        "address": bridge.url, "username": ADMIN[0], "password": ADMIN[1], "name": "moved",
        "domain": "moved.example.com", "numericIdBase": 1, "numericIdQuantity": 12})
    assert reply.status == 201, reply
    bridge_id = reply.json()["id"]
    wait_for(lambda: client.call("GET", "/bridges/" + bridge_id).json()
             .get("slots", {}).get("provisioned") == 12, timeout=30, what="provisioning")
    reply = client.call("POST", "/users", {"name": "dora", "password": "dora-password-1",
                                           "role": "booker", "email": "dora@example.com"})
    assert reply.status == 201, reply
    bookings = []
    for number in range(6):
        reply = client.call("POST", "/bookings", {
            "title": "Moved %d" % number, "start": utc(2, number), "end": utc(2, number + 1),
            "participants": [{"uri": "room%d@example.com" % number, "dial": "out"}]})
        assert reply.status == 201, reply
        bookings.append(reply.json()["id"])
    reply = client.call("POST", "/bookings", {
        "title": "Daily moved", "start": utc(3), "end": utc(3, 1),
        "recurrence": {"rrule": "FREQ=DAILY;COUNT=5"}, "organizer": "dora@example.com"})
    assert reply.status == 201, reply
    return bridge_id, bookings + [reply.json()["id"]]


def scheduler_snapshot(scheduler, bridge_id, bookings):
    """What convened's API shows of the data populate_scheduler made."""
    client = scheduler.client
    shown = {"users": client.call("GET", "/users").json(),
             "list": client.call("GET", "/bookings?from=%s&to=%s" % (utc(1), utc(10))).json(),
             "occurrences": client.call("GET", "/bookings/%s/occurrences" % bookings[-1]).json()}
    for booking in bookings:
        shown[booking] = client.call("GET", "/bookings/" + booking).json()
    bridge = client.call("GET", "/bridges/" + bridge_id).json()
    shown["bridge"] = {key: bridge.get(key) for key in ("id", "name", "address", "domain",
                                                         "username", "slots")}
    return shown


def test_a_convened_installation_moves_with_nothing_lost():
    pg = server()
    url = pg.create_database("moved_convened")
    bridge = Bridge().start()
    source = Scheduler().start()
    try:
        bridge_id, bookings = populate_scheduler(source, bridge)
        before = scheduler_snapshot(source, bridge_id, bookings)
        audit = source.client.call("GET", "/audit?limit=1000").json()["entries"]
        assert len(audit) >= 8, audit
        code, out, err = migrate(source.data_dir, url)  # convened holds its lock
        assert code == 1 and "in use" in err, (code, out, err)
        source.stop()

        code, out, err = migrate(source.data_dir, url)
        assert code == 0, (code, out, err)
        assert "convened.db (convened)" in out and "bookings" in out, out

        started = datetime.datetime.now(datetime.timezone.utc)
        moved = Scheduler(extra=["--database", url, "--database-password-file",
                                 pg.password_file, "--secrets-key",
                                 os.path.join(source.data_dir, "secrets.key"),
                                 "--poll-interval", "1"]).start()
        try:
            after = scheduler_snapshot(moved, bridge_id, bookings)
            for key in before:
                assert after[key] == before[key], (key, before[key], after[key])
            entries = moved.client.call("GET", "/audit?limit=1000").json()["entries"]
            assert all(entry in entries for entry in audit), "audit rows lost"
            # The user signs in with her password; bookings go on past the ids.
            dora = JsonClient(moved.port, credentials=("dora", "dora-password-1"))
            reply = dora.call("POST", "/bookings", {"title": "After", "start": utc(5),
                                                    "end": utc(5, 1)})
            dora.close()
            assert reply.status == 201, reply
            # The bridge password, sealed in SQLite, still opens: the bridge
            # is polled (signed in) from the new convened.
            def polled_since_the_move():
                bridge = moved.client.call("GET", "/bridges/" + bridge_id).json()
                contact = bridge.get("lastContact")
                return bridge.get("reachable") is True and contact and \
                    datetime.datetime.fromisoformat(contact.replace("Z", "+00:00")) >= started
            wait_for(polled_since_the_move, timeout=30, what="the bridge to be polled")
        finally:
            moved.cleanup()
        code, out, err = migrate(source.data_dir, url)
        assert code == 1 and "already holds" in err, (code, out, err)
    finally:
        source.cleanup()
        bridge.cleanup()


def test_a_bridge_does_not_start_while_the_directory_is_being_moved():
    source = Bridge().start()
    source.stop()
    holder = open(os.path.join(source.data_dir, "bridge.lock"), "a")
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as convene migrate holds it
        blocked = Bridge(data_dir=source.data_dir)
        blocked.start(wait=False)
        wait_for(lambda: not blocked.alive(), timeout=15, what="the bridge to refuse")
        assert blocked.process.returncode != 0
        assert "in use by another process" in blocked.log(), blocked.log()
        blocked.process = None
    finally:
        holder.close()
    again = Bridge(data_dir=source.data_dir).start()  # the lock gone, it starts
    again.cleanup()
    source.cleanup()


def test_wrong_command_lines_are_usage_errors():
    pg = server()
    for argv in (["--from", "/no/scheme", "--to", pg.url()],
                 ["--from", "sqlite:/tmp", "--to", "/not/a/url"],
                 ["--to", pg.url()]):
        done = subprocess.run([harness.CLI_BINARY, "migrate"] + argv, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 2, (argv, done.returncode, done.stderr)
        assert done.stderr.startswith("convene: "), done.stderr
    empty = os.path.join(pg.client_directory, "empty")
    os.mkdir(empty)
    code, out, err = migrate(empty, pg.url())
    assert code == 1 and "holds neither" in err, (code, err)


if __name__ == "__main__":
    run_tests(globals())
