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
cache); --admin-user on restart updates that admin.
"""

import datetime
import http.client
import json
import os
import sys

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
    reply = api("POST", "/bridges", {
        "address": bridge.url, "username": harness.ADMIN[0], "password": harness.ADMIN[1],
        "name": "alpha", "domain": "vc.example.com", "numericIdBase": 1,
        "numericIdQuantity": SLOTS})
    assert reply.status == 201, reply
    world["bridge_id"] = reply.json()["id"]
    wait_for(lambda: api("GET", "/bridges/" + world["bridge_id"]).json()
             .get("slots", {}).get("provisioned") == SLOTS, timeout=30, what="provisioning")
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
    bobs = book(BOB, "bob's meeting")["id"]
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
    assert mine in alice_sees and bobs not in alice_sees, alice_sees
    assert {mine, bobs} <= operator_sees, operator_sees
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


def _answers(json_client):
    try:
        return json_client.call("GET", "/me").status == 200
    except OSError:
        json_client.close()
        return False


if __name__ == "__main__":
    setup()
    try:
        harness.run_tests(globals())
    finally:
        cleanup()
