"""Users, roles and sign-in against a real convened and convene-bridge.

Covers: every route convened has, asked by each role (admin, operator,
booker, no credentials) -> the expected status, with the route list read
from convened itself (GET /api/v1/routes), so a new route without a row
here fails; a booker cannot read, change, extend, end or cancel another
booker's booking (404, as for one that does not exist) and lists only
their own or those they organize; API tokens (role no higher than the
creator's, shown once, never listed, revoked -> 401, expired -> 401);
browser sessions (cookie attributes, CSRF header missing or wrong -> 403,
right -> accepted, sign-out); user administration (the last admin stays,
a role or password change takes effect at once despite the credential
cache); failed sign-ins slowed per name and per address (429 with
Retry-After, the password not even looked at); the audit trail of each
change (who, from where, what, secrets masked) and its filters;
--admin-user on restart updates that admin; the CLI's user, token,
login (a token kept 0600 in the config directory and used without
--user), logout and audit commands.
"""

import datetime
import http.client
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

SLOTS = 6
NOBODY = "00000000-0000-4000-8000-000000000000"  # a booking/token ID that does not exist
OPERATOR = ("olga", "operator-password")
ALICE = ("alice", "alice-password")  # a booker, alice@example.com
BOB = ("bob", "bob-password")  # another booker
world = {}


def utc(seconds_from_now):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds_from_now)
    return moment.replace(microsecond=0).isoformat()


def client(credentials):
    """A JSON client signing in with Basic `credentials` (None: none)."""
    return harness.JsonClient(world["scheduler"].port, credentials=credentials)


def api(method, path, document=None, who=harness.ADMIN):
    return world["clients"][who].call(method, path, document)


def book(who, title, **extra):
    document = {"title": title, "start": utc(3600 * (2 + len(world["booked"]))),
                "end": utc(3600 * (2 + len(world["booked"])) + 1800)}
    document.update(extra)
    reply = api("POST", "/bookings", document, who)
    assert reply.status == 201, reply
    world["booked"].append(reply.json()["id"])
    return reply.json()


def setup():
    bridge = harness.Bridge().start()
    scheduler = harness.Scheduler(extra=["--poll-interval", "3600",
                                         "--discovery-interval", "3600"]).start()
    world.update(bridge=bridge, scheduler=scheduler, booked=[])
    world["clients"] = {who: client(who) for who in (harness.ADMIN, OPERATOR, ALICE, BOB, None)}
    world["bridge_id"] = scheduler.add_bridge(bridge.url, SLOTS)
    for (name, password), role, email in ((OPERATOR, "operator", None),
                                          (ALICE, "booker", "alice@example.com"),
                                          (BOB, "booker", "bob@example.com")):
        reply = api("POST", "/users", {"name": name, "password": password, "role": role,
                                       "email": email})
        assert reply.status == 201, reply
    world["alice_booking"] = book(ALICE, "alice's meeting")["id"]


def cleanup():
    for key in ("scheduler", "bridge"):
        if world.get(key):
            world[key].cleanup()


# --- role x method x path ---------------------------------------------------

ROLES = ("admin", "operator", "booker", "none")
WHO = {"admin": harness.ADMIN, "operator": OPERATOR, "booker": BOB, "none": None}

# (method, pattern) -> (concrete path, body, {role: status}). The booker is
# bob, who owns nothing: on alice's booking he gets 404, exactly as for
# one that does not exist. Changing requests name objects that do not
# exist or carry an invalid body, so the table runs in any order and
# changes nothing; the status past the permission check is the handler's.
ALICE_BOOKING = "{alice_booking}"
EXPECTED = {
    ("GET", "users"): ("/users", None, (200, 403, 403, 401)),
    ("POST", "users"): ("/users", {}, (400, 403, 403, 401)),
    ("GET", "users/*"): ("/users/nobody", None, (404, 403, 403, 401)),
    ("PATCH", "users/*"): ("/users/nobody", {"role": "booker"}, (404, 403, 403, 401)),
    ("DELETE", "users/*"): ("/users/nobody", None, (404, 403, 403, 401)),
    ("GET", "me"): ("/me", None, (200, 200, 200, 401)),
    ("PATCH", "me"): ("/me", {}, (400, 400, 400, 401)),
    ("GET", "routes"): ("/routes", None, (200, 403, 403, 401)),
    ("POST", "tokens"): ("/tokens", {}, (400, 400, 400, 401)),
    ("GET", "tokens"): ("/tokens", None, (200, 200, 200, 401)),
    ("DELETE", "tokens/*"): ("/tokens/" + NOBODY, None, (404, 404, 404, 401)),
    ("POST", "session"): ("/session", {}, (400, 400, 400, 400)),
    ("DELETE", "session"): ("/session", None, (204, 204, 204, 401)),
    ("GET", "tickets"): ("/tickets", None, (200, 200, 403, 401)),
    ("GET", "tickets/*"): ("/tickets/" + NOBODY, None, (404, 404, 403, 401)),
    ("GET", "bridges"): ("/bridges", None, (200, 200, 403, 401)),
    ("GET", "bridges/*"): ("/bridges/{bridge_id}", None, (200, 200, 403, 401)),
    ("DELETE", "bridges/*"): ("/bridges/" + NOBODY, None, (404, 403, 403, 401)),
    ("POST", "bridges/*/refresh"): ("/bridges/" + NOBODY + "/refresh", None,
                                    (404, 403, 403, 401)),
    ("POST", "bridges"): ("/bridges", {}, (400, 403, 403, 401)),
    ("PATCH", "bridges/*"): ("/bridges/" + NOBODY, {"name": "x"}, (404, 403, 403, 401)),
    ("POST", "bookings"): ("/bookings", {}, (400, 400, 400, 401)),
    ("GET", "bookings"): ("/bookings", None, (200, 200, 200, 401)),
    ("GET", "bookings/*"): ("/bookings/" + ALICE_BOOKING, None, (200, 200, 404, 401)),
    ("GET", "bookings/*/occurrences"): ("/bookings/" + ALICE_BOOKING + "/occurrences", None,
                                        (404, 404, 404, 401)),
    ("PATCH", "bookings/*"): ("/bookings/" + ALICE_BOOKING, {"title": 5},
                              (400, 400, 404, 401)),
    ("DELETE", "bookings/*"): ("/bookings/" + NOBODY, None, (404, 404, 404, 401)),
    ("POST", "bookings/*/extend"): ("/bookings/" + ALICE_BOOKING + "/extend", {"minutes": 0},
                                    (400, 400, 404, 401)),
    ("POST", "bookings/*/end"): ("/bookings/" + NOBODY + "/end", None, (404, 404, 404, 401)),
    ("GET", "outbox"): ("/outbox", None, (200, 200, 403, 401)),
    ("GET", "bridges/*/calendar.ics"): ("/bridges/{bridge_id}/calendar.ics", None,
                                        (200, 200, 403, 401)),
    ("GET", "organizers/*/calendar.ics"): ("/organizers/alice@example.com/calendar.ics", None,
                                           (200, 200, 404, 401)),
    ("GET", "audit"): ("/audit", None, (200, 403, 403, 401)),
    # issue 12: live control and attendance as the booking; reports operators and up.
    # alice's booking is scheduled: live control answers 409 past the check
    ("POST", "bookings/*/participants"): ("/bookings/" + ALICE_BOOKING + "/participants",
                                          {"uri": 5}, (400, 400, 404, 401)),
    ("DELETE", "bookings/*/participants/*"): (
        "/bookings/" + ALICE_BOOKING + "/participants/nobody%40example.com", None,
        (404, 404, 404, 401)),
    ("PATCH", "bookings/*/participants/*"): (
        "/bookings/" + ALICE_BOOKING + "/participants/nobody%40example.com",
        {"audioMuted": 1}, (400, 400, 404, 401)),
    ("PATCH", "bookings/*/live"): ("/bookings/" + ALICE_BOOKING + "/live", {"locked": True},
                                   (409, 409, 404, 401)),
    ("GET", "bookings/*/attendance"): ("/bookings/" + ALICE_BOOKING + "/attendance", None,
                                       (200, 200, 404, 401)),
    ("GET", "reports/utilization"): ("/reports/utilization", None, (200, 200, 403, 401)),
    ("GET", "reports/no-shows"): ("/reports/no-shows", None, (200, 200, 403, 401)),
    ("GET", "reports/failed-starts"): ("/reports/failed-starts", None, (200, 200, 403, 401)),
    # issue 14: several nodes on one database; the health check needs no credentials.
    ("GET", "cluster"): ("/cluster", None, (200, 200, 403, 401)),
    ("GET", "health"): ("/health", None, (200, 200, 200, 200)),
    # a valid id would open a stream that never ends: a bad one stops at 400
    ("GET", "events"): ("/events?lastEventId=x", None, (400, 400, 400, 401)),
}


def test_every_route_by_role():
    routes = api("GET", "/routes").json()["routes"]
    listed = {(route["method"], route["path"]) for route in routes}
    missing = sorted(listed - set(EXPECTED))
    assert not missing, "routes without a row in EXPECTED: %s" % missing
    stale = sorted(set(EXPECTED) - listed)
    assert not stale, "rows in EXPECTED for routes convened does not have: %s" % stale
    wrong = []
    for (method, pattern), (path, body, statuses) in sorted(EXPECTED.items()):
        path = path.format(**world)
        for role, expected in zip(ROLES, statuses):
            reply = api(method, path, body, WHO[role])
            if reply.status != expected:
                wrong.append("%s %s as %s: %d, expected %d (%s)" % (
                    method, path, role, reply.status, expected, reply.body[:120]))
            if reply.status == 403:
                assert reply.json()["error"]["code"] == "forbidden", reply
    assert not wrong, "\n".join(wrong)


def test_route_permissions_are_documented():
    with open(os.path.join(harness.SOURCE_DIR, "docs", "api.md")) as handle:
        text = handle.read()
    for route in api("GET", "/routes").json()["routes"]:
        line = "| `%s` | `/api/v1/%s` | %s |" % (route["method"], route["path"], route["allowed"])
        assert line in text, "docs/api.md lacks the permission row " + line


# --- ownership ----------------------------------------------------------------

def test_booker_sees_and_changes_only_their_own():
    mine = world["alice_booking"]
    created = book(BOB, "bob's meeting")
    bobs = created["id"]
    # the 201 names the owner without reading it back; the stored one agrees
    assert created["owner"] == "bob", created
    stored = api("GET", "/bookings/" + bobs, who=BOB).json()
    stored.pop("attendance")  # GET /bookings/<id> adds who attended
    assert stored == created, (stored, created)
    for method, path, body in (("GET", "/bookings/" + mine, None),
                               ("GET", "/bookings/" + mine + ".ics", None),
                               ("PATCH", "/bookings/" + mine, {"title": "taken over"}),
                               ("POST", "/bookings/" + mine + "/extend", {"minutes": 5}),
                               ("POST", "/bookings/" + mine + "/end", None),
                               ("DELETE", "/bookings/" + mine, None)):
        reply = api(method, path, body, BOB)
        assert reply.status == 404, (method, path, reply)
        assert reply.json()["error"]["code"] == "notFound", reply
    assert api("GET", "/bookings/" + mine, who=ALICE).json()["title"] == "alice's meeting"
    assert api("GET", "/bookings/" + mine, who=ALICE).json()["owner"] == "alice"
    until = {"from": utc(-60), "to": utc(86400 * 30)}
    query = "/bookings?from=%s&to=%s" % (until["from"].replace("+", "%2B"),
                                         until["to"].replace("+", "%2B"))
    bob_sees = {b["id"] for b in api("GET", query, who=BOB).json()["bookings"]}
    alice_sees = {b["id"] for b in api("GET", query, who=ALICE).json()["bookings"]}
    operator_sees = {b["id"] for b in api("GET", query, who=OPERATOR).json()["bookings"]}
    assert bob_sees == {bobs}, bob_sees
    # the limit counts his own: alice's earlier booking does not use it up
    first = api("GET", query + "&limit=1", who=BOB).json()["bookings"]
    assert [b["id"] for b in first] == [bobs], first
    assert mine in alice_sees and bobs not in alice_sees, alice_sees
    assert {mine, bobs} <= operator_sees, operator_sees
    # the compact listing (?fields=, the console's planner): only the members
    # named, the booker still filtered to his own
    compact = api("GET", query + "&fields=id,title,slot,start,end", who=BOB).json()["bookings"]
    assert [sorted(b) for b in compact] == [["end", "id", "slot", "start", "title"]], compact
    assert [b["id"] for b in compact] == [bobs], compact
    owners = api("GET", query + "&fields=id,owner", who=OPERATOR).json()["bookings"]
    assert {b["id"]: b["owner"] for b in owners}[mine] == "alice", owners
    for bad in ("id,secret", "", "id,,title"):
        reply = api("GET", query + "&fields=" + bad, who=OPERATOR)
        assert reply.status == 400, (bad, reply)
        assert reply.json()["error"]["details"]["field"] == "fields", reply
    # an operator changes anyone's booking; the owner cancels their own
    assert api("PATCH", "/bookings/" + bobs, {"title": "moved"}, OPERATOR).status == 200
    assert api("DELETE", "/bookings/" + bobs, who=BOB).status in (200, 204)


def test_organizer_sees_a_booking_made_for_them():
    made = book(harness.ADMIN, "for alice", organizer="alice@example.com", timeZone="UTC")
    booking_id = made["id"]
    assert api("GET", "/bookings/" + booking_id, who=ALICE).status == 200
    assert api("GET", "/bookings/" + booking_id, who=BOB).status == 404


# --- tokens -----------------------------------------------------------------------

def bearer(token):
    return {"Authorization": "Bearer " + token}


def call_with(headers, method, path, document=None):
    body = json.dumps(document) if document is not None else None
    headers = dict(headers)
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", world["scheduler"].port, timeout=30)
    try:
        connection.request(method, "/api/v1" + path, body=body, headers=headers)
        reply = connection.getresponse()
        return harness.Response(reply.status, reply.getheaders(),
                                reply.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def test_tokens_role_expiry_and_revocation():
    refused = api("POST", "/tokens", {"name": "panel", "role": "operator"}, ALICE)
    assert refused.status == 400 and refused.json()["error"]["details"]["field"] == "role"
    made = api("POST", "/tokens", {"name": "portal", "role": "operator"}, harness.ADMIN)
    assert made.status == 201, made
    token = made.json()["token"]
    assert len(token) >= 43
    me = call_with(bearer(token), "GET", "/me").json()
    assert me["name"] == "admin" and me["actingRole"] == "operator", me
    assert call_with(bearer(token), "GET", "/tickets").status == 200
    assert call_with(bearer(token), "GET", "/users").status == 403  # the token's role, not admin's
    listed = api("GET", "/tokens").json()["tokens"]
    assert any(t["id"] == made.json()["id"] for t in listed)
    assert token not in json.dumps(listed)
    # a booker's token cannot revoke the admin's; the admin's can
    assert api("DELETE", "/tokens/" + made.json()["id"], who=ALICE).status == 404
    assert api("DELETE", "/tokens/" + made.json()["id"]).status == 204
    assert call_with(bearer(token), "GET", "/me").status == 401
    short = api("POST", "/tokens", {"name": "brief", "expires": utc(2)}, ALICE).json()["token"]
    assert call_with(bearer(short), "GET", "/me").status == 200
    wait_for(lambda: call_with(bearer(short), "GET", "/me").status == 401, timeout=10,
             what="the token to expire")
    assert call_with(bearer("not-a-token"), "GET", "/me").status == 401
    assert call_with({"Authorization": "Bearer a b"}, "GET", "/me").status == 401


# --- sessions -------------------------------------------------------------------

def test_session_cookie_and_csrf():
    wrong = api("POST", "/session", {"user": "alice", "password": "wrong-password"}, None)
    assert wrong.status == 401, wrong
    started = api("POST", "/session", {"user": ALICE[0], "password": ALICE[1]}, None)
    assert started.status == 201, started
    cookie_header = started.header("Set-Cookie")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age="):
        assert attribute in cookie_header, cookie_header
    cookie = cookie_header.split(";")[0]
    csrf = started.json()["csrfToken"]
    assert call_with({"Cookie": cookie}, "GET", "/me").json()["name"] == "alice"
    no_header = call_with({"Cookie": cookie}, "POST", "/tokens", {"name": "x"})
    assert no_header.status == 403 and no_header.json()["error"]["code"] == "forbidden"
    bad = call_with({"Cookie": cookie, "X-CSRF-Token": csrf[:-2] + "xx"}, "POST", "/tokens",
                    {"name": "x"})
    assert bad.status == 403, bad
    good = call_with({"Cookie": cookie, "X-CSRF-Token": csrf}, "POST", "/tokens", {"name": "x"})
    assert good.status == 201, good
    ended = call_with({"Cookie": cookie, "X-CSRF-Token": csrf}, "DELETE", "/session")
    assert ended.status == 204 and "Max-Age=0" in ended.header("Set-Cookie"), ended
    assert call_with({"Cookie": cookie}, "GET", "/me").status == 401


# --- administration -------------------------------------------------------------

def test_user_changes_take_effect_at_once():
    assert api("GET", "/tickets", who=BOB).status == 403  # cached as a booker now
    assert api("PATCH", "/users/bob", {"role": "operator"}).status == 200
    assert api("GET", "/tickets", who=BOB).status == 200
    assert api("PATCH", "/users/bob", {"role": "booker", "password": "bob-new-password"}
               ).status == 200
    assert api("GET", "/me", who=BOB).status == 401
    assert client(("bob", "bob-new-password")).call("GET", "/me").json()["role"] == "booker"
    assert api("PATCH", "/users/bob", {"password": BOB[1]}).status == 200


def test_users_validation_and_last_admin():
    taken = api("POST", "/users", {"name": "alice", "password": "long-enough", "role": "booker"})
    assert taken.status == 400 and taken.json()["error"]["details"]["field"] == "name", taken
    for body, field in (({"name": "a:b", "password": "long-enough", "role": "booker"}, "name"),
                        ({"name": "carol", "password": "short", "role": "booker"}, "password"),
                        ({"name": "carol", "password": "long-enough", "role": "king"}, "role"),
                        ({"name": "carol", "password": "long-enough"}, "role"),
                        ({"name": "carol", "password": "long-enough", "role": "booker",
                          "colour": "red"}, "colour")):
        reply = api("POST", "/users", body)
        assert reply.status == 400 and reply.json()["error"]["details"]["field"] == field, reply
    assert api("GET", "/users/carol").status == 404  # nothing half-saved
    assert api("DELETE", "/users/admin").status == 409
    assert api("PATCH", "/users/admin", {"role": "operator"}).status == 409
    assert api("GET", "/me").json()["role"] == "admin"
    names = [u["name"] for u in api("GET", "/users").json()["users"]]
    assert names == sorted(["admin", "alice", "bob", "olga"]), names
    assert "password" not in json.dumps(api("GET", "/users").json())


def test_change_own_password():
    wrong = api("PATCH", "/me", {"oldPassword": "not-it", "password": "alice-second"}, ALICE)
    assert wrong.status == 400 and wrong.json()["error"]["details"]["field"] == "oldPassword"
    changed = api("PATCH", "/me", {"oldPassword": ALICE[1], "password": "alice-second"}, ALICE)
    assert changed.status == 200, changed
    assert api("GET", "/me", who=ALICE).status == 401
    second = client(("alice", "alice-second"))
    assert second.call("PATCH", "/me", {"oldPassword": "alice-second",
                                        "password": ALICE[1]}).status == 200


# --- failed sign-ins ---------------------------------------------------------------

def test_failed_sign_ins_of_a_name_are_slowed():
    assert api("POST", "/users", {"name": "carol", "password": "carol-password",
                                  "role": "booker"}).status == 201
    carol = client(("carol", "carol-password"))
    wrong = client(("carol", "not-her-password"))
    for _ in range(5):  # --sign-in-failures defaults to 5
        assert wrong.call("GET", "/me").status == 401
    locked = carol.call("GET", "/me")  # the right password, not even looked at
    assert locked.status == 429, locked
    assert locked.json()["error"]["code"] == "tooManyFailures"
    wait = int(locked.header("Retry-After"))
    assert 1 <= wait <= 2, wait
    session = api("POST", "/session", {"user": "carol", "password": "carol-password"}, None)
    assert session.status == 429 and session.header("Retry-After"), session
    assert api("GET", "/me", who=ALICE).status == 200  # other names are not held up
    wait_for(lambda: carol.call("GET", "/me").status == 200, timeout=wait + 5,
             what="the wait to pass")
    failures = api("GET", "/audit?action=auth.signInFailed&actor=carol").json()["entries"]
    assert len(failures) == 5 and failures[0]["address"] == "127.0.0.1", failures


# --- the audit trail ------------------------------------------------------------------

def test_audit_records_each_change():
    made = api("POST", "/bookings", {"title": "audited", "start": utc(86400 * 3),
                                     "end": utc(86400 * 3 + 600), "passcode": "1234"}, ALICE)
    assert made.status == 201, made
    booking_id = made.json()["id"]
    assert api("PATCH", "/bookings/" + booking_id, {"title": "audited again"}, ALICE).status == 200
    assert api("DELETE", "/bookings/" + booking_id, who=OPERATOR).status in (200, 204)
    token = api("POST", "/tokens", {"name": "audited"}, ALICE).json()
    assert api("DELETE", "/tokens/" + token["id"], who=ALICE).status == 204
    assert api("POST", "/users", {"name": "dave", "password": "dave-password",
                                  "role": "booker"}).status == 201
    assert api("DELETE", "/users/dave").status == 204
    entries = api("GET", "/audit?limit=50").json()["entries"]
    by_action = {}
    for entry in entries:
        by_action.setdefault((entry["action"], entry["object"]), entry)
    create = by_action[("booking.create", booking_id)]
    assert create["actor"] == "alice" and create["address"] == "127.0.0.1", create
    assert create["details"]["title"] == "audited" and create["details"]["passcode"] == "***"
    assert by_action[("booking.change", booking_id)]["details"] == {"title": "audited again"}
    assert by_action[("booking.cancel", booking_id)]["actor"] == "olga"
    assert by_action[("token.create", token["id"])]["details"]["name"] == "audited"
    assert by_action[("token.revoke", token["id"])]["actor"] == "alice"
    user_create = by_action[("user.create", "dave")]
    assert user_create["actor"] == "admin" and "dave-password" not in json.dumps(entries)
    assert ("user.delete", "dave") in by_action
    assert ("auth.signIn", "alice") in by_action or any(
        e["action"] == "auth.signIn" for e in api("GET", "/audit?actor=alice&limit=1000")
        .json()["entries"])
    # filters
    only = api("GET", "/audit?action=booking.&actor=alice").json()["entries"]
    assert only and all(e["action"].startswith("booking.") and e["actor"] == "alice"
                        for e in only), only
    future = api("GET", "/audit?from=" + utc(3600).replace("+", "%2B")).json()["entries"]
    assert future == [], future
    bad = api("GET", "/audit?from=yesterday")
    assert bad.status == 400 and bad.json()["error"]["details"]["field"] == "from"
    assert api("GET", "/audit?who=me").status == 400
    assert api("GET", "/audit", who=OPERATOR).status == 403


# --- the command line --------------------------------------------------------------

def convene(*argv, user=None, config=None):
    command = [harness.CLI_BINARY, "--server", "http://127.0.0.1:%d" % world["scheduler"].port]
    if user:
        command += ["--user", "%s:%s" % user]
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("CONVENE_")}
    environment["XDG_CONFIG_HOME"] = config or world["config"]
    done = subprocess.run(command + list(argv), capture_output=True, text=True, timeout=60,
                          env=environment)
    return done.returncode, done.stdout, done.stderr


def test_cli_users_tokens_login_and_audit():
    world["config"] = tempfile.mkdtemp(prefix="convene-config-")
    try:
        password_file = os.path.join(world["config"], "pw")
        with open(password_file, "w") as handle:
            handle.write("ivan-password\n")
        code, out, err = convene("user", "add", "ivan", "--role", "booker", "--password-file",
                                 password_file, "--email", "ivan@example.com", user=harness.ADMIN)
        assert code == 0 and "ivan (booker)" in out, (code, out, err)
        code, out, err = convene("user", "list", user=harness.ADMIN)
        assert code == 0 and "ivan" in out and "ivan@example.com" in out, out
        code, out, err = convene("user", "set", "ivan", "--role", "king", user=harness.ADMIN)
        assert code == 1 and "role" in err, (code, err)
        code, out, err = convene("user", "list")  # no --user, no login yet
        assert code == 2 and "convene login" in err, (code, err)
        code, out, err = convene("login", user=("ivan", "ivan-password"))
        assert code == 0 and "as ivan" in out, (code, out, err)
        kept = os.path.join(world["config"], "convene", "login")
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(kept)).st_mode) == 0o700
        code, out, err = convene("bookings")  # the kept token, no --user
        assert code == 0, (code, out, err)
        code, out, err = convene("user", "list")
        assert code == 1 and "admin role" in err, (code, err)  # ivan is a booker
        code, out, err = convene("token", "create", "panel", "--role", "booker")
        assert code == 0 and "not shown again" in out, (code, out, err)
        secret = out.splitlines()[1]
        assert call_with(bearer(secret), "GET", "/me").json()["name"] == "ivan"
        code, out, err = convene("token", "list")
        assert code == 0 and "panel" in out and secret not in out, out
        panel_id = next(line.split()[0] for line in out.splitlines() if " panel " in line)
        code, out, err = convene("token", "revoke", panel_id)
        assert code == 0 and call_with(bearer(secret), "GET", "/me").status == 401
        with open(kept) as handle:
            login_token = json.load(handle)["token"]
        code, out, err = convene("logout")
        assert code == 0 and not os.path.exists(kept), (code, out, err)
        assert call_with(bearer(login_token), "GET", "/me").status == 401  # revoked too
        code, out, err = convene("audit", "--actor", "ivan", "--action", "token.", "--limit",
                                 "10", user=harness.ADMIN)
        assert code == 0 and "token.create" in out and "token.revoke" in out, out
        code, out, err = convene("user", "delete", "ivan", user=harness.ADMIN)
        assert code == 0 and "removed" in out, (code, out, err)
    finally:
        shutil.rmtree(world["config"], ignore_errors=True)


def test_admin_user_option_updates_that_admin():
    scheduler = world["scheduler"]
    scheduler.stop()
    restarted = harness.Scheduler(data_dir=scheduler.data_dir, port=scheduler.port,
                                  extra=["--admin-user", "admin:another-password",
                                         "--poll-interval", "3600"])
    restarted.own_dir = True
    world["scheduler"] = restarted.start(wait=False)
    fresh = client(("admin", "another-password"))
    wait_for(lambda: _answers(fresh), timeout=15, what="convened to restart")
    assert client(harness.ADMIN).call("GET", "/me").status == 401
    assert fresh.call("GET", "/users/alice").status == 200  # the others are kept


def test_failed_sign_ins_from_an_address_are_slowed():
    limited = harness.Scheduler(extra=["--sign-in-failures", "0",
                                       "--sign-in-failures-per-address", "4"]).start()
    try:
        for name in ("x1", "x2", "x3", "x4"):
            reply = limited.client.call("GET", "/me", credentials=(name, "guess-guess"))
            assert reply.status == 401, reply
        refused = limited.client.call("GET", "/me")  # the admin, from the same address
        assert refused.status == 429 and refused.header("Retry-After"), refused
        wait_for(lambda: limited.client.call("GET", "/me").status == 200, timeout=10,
                 what="the address's wait to pass")
    finally:
        limited.cleanup()


def _answers(json_client):
    try:
        return json_client.call("GET", "/me").status == 200
    except OSError:
        json_client.close()
        return False


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
