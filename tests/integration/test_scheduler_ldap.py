"""Directory sign-in against a real OpenLDAP server (Debian's slapd), which
this test starts in a temporary directory with a small directory of users
and groups, reached over StartTLS with a certificate checked against
--ldap-ca-file.

Covers: sign-in (Basic and session) with the name and e-mail taken from
the directory and the role from the groups; a wrong password, an unknown
name, a user in no mapped group and filter metacharacters in the name are
refused; a user removed from a group loses its role at the next sign-in;
a user in no mapped group any more loses its tokens and sessions; the
directory stopped gives a clear 503 for its users while the local admin
still works; a directory certificate the CA file does not vouch for
is refused; nothing of the directory but name, e-mail and role is stored.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

from ldap_directory import (  # noqa: E402
    BASE, ERIN, FRANK, GINA, OPERATORS, STAFF, Slapd, ldap_options, make_certificate)

world = {}


def setup():
    slapd = Slapd().start()
    world["slapd"] = slapd
    world["scheduler"] = harness.Scheduler(
        extra=ldap_options(slapd, os.path.join(slapd.dir, "cert.pem"))).start()


def cleanup():
    for key in ("scheduler", "slapd"):
        if world.get(key):
            world[key].cleanup()


def as_user(credentials, method, path, document=None):
    return world["scheduler"].client.call(method, path, document, credentials=credentials)


def sign_in(credentials):
    return world["scheduler"].client.call(
        "POST", "/session", {"user": credentials[0], "password": credentials[1]},
        credentials=None)


def test_sign_in_takes_name_email_and_role_from_the_directory():
    started = sign_in(ERIN)
    assert started.status == 201, started
    assert started.json()["role"] == "operator", started
    me = as_user(ERIN, "GET", "/me").json()
    assert me["fullName"] == "Erin E. Example" and me["email"] == "erin@example.com", me
    assert me["role"] == "operator" and me["source"] == "ldap", me
    assert as_user(ERIN, "GET", "/tickets").status == 200
    frank = as_user(FRANK, "GET", "/me").json()
    assert frank["role"] == "booker" and frank["fullName"] == "Frank Example", frank
    assert as_user(FRANK, "GET", "/tickets").status == 403


def test_wrong_password_unknown_name_and_no_group_are_refused():
    assert sign_in(("erin", "not-erin-password")).status == 401
    assert as_user(("erin", "not-erin-password"), "GET", "/me").status == 401
    assert sign_in(("nobody", "whatever-password")).status == 401
    assert sign_in(GINA).status == 401  # in no --ldap-group-role group
    assert sign_in(("erin", "")).status == 401  # never an unauthenticated bind
    for name in ("*", "erin)(uid=*", "er*", "erin\\2a"):
        assert sign_in((name, ERIN[1])).status == 401, name
    failures = world["scheduler"].client.call(
        "GET", "/audit?action=auth.signInFailed&actor=gina").json()["entries"]
    assert failures, "a refused directory sign-in is audited"


def test_user_removed_from_a_group_loses_the_role_at_the_next_sign_in():
    assert sign_in(ERIN).json()["role"] == "operator"
    # (groupOfNames needs a member: cn=nobody stays)
    world["slapd"].modify("dn: %s\nchangetype: modify\ndelete: member\n"
                          "member: uid=erin,ou=people,%s\n" % (OPERATORS, BASE))
    again = sign_in(ERIN)
    assert again.status == 201 and again.json()["role"] == "booker", again
    cookie = again.header("Set-Cookie").split(";")[0]
    reply = world["scheduler"].client.request("GET", "/api/v1/tickets",
                                              headers={"Cookie": cookie}, credentials=None)
    assert reply.status == 403, reply
    world["slapd"].modify("dn: %s\nchangetype: modify\nadd: member\n"
                          "member: uid=erin,ou=people,%s\n" % (OPERATORS, BASE))
    assert sign_in(ERIN).json()["role"] == "operator"


def test_user_in_no_group_any_more_loses_tokens_and_sessions():
    made = as_user(FRANK, "POST", "/tokens", {"name": "frank's script"})
    assert made.status == 201, made
    token = {"Authorization": "Bearer " + made.json()["token"]}
    client = world["scheduler"].client
    assert client.request("GET", "/api/v1/me", headers=token, credentials=None).status == 200
    world["slapd"].modify("dn: %s\nchangetype: modify\ndelete: member\n"
                          "member: uid=frank,ou=people,%s\n" % (STAFF, BASE))
    assert sign_in(FRANK).status == 401  # the directory gives him no role now
    assert client.request("GET", "/api/v1/me", headers=token, credentials=None).status == 401
    world["slapd"].modify("dn: %s\nchangetype: modify\nadd: member\n"
                          "member: uid=frank,ou=people,%s\n" % (STAFF, BASE))
    assert sign_in(FRANK).status == 201


def test_nothing_but_name_email_and_role_is_stored():
    row = harness.scheduler_sql(world["scheduler"].data_dir,
                                "SELECT name, full_name, email, role, password_hash, source"
                                " FROM users WHERE name = 'erin'")[0]
    assert row == ("erin", "Erin E. Example", "erin@example.com", "operator", None, "ldap"), row


def test_directory_down_is_a_clear_error_and_local_accounts_still_work():
    world["slapd"].stop()
    down = sign_in(FRANK)
    assert down.status == 503, down
    assert down.json()["error"]["code"] == "directoryUnavailable", down
    basic = as_user(("frank", "another-password"), "GET", "/me")
    assert basic.status == 503, basic
    assert world["scheduler"].client.call("GET", "/me").json()["name"] == "admin"
    assert sign_in(harness.ADMIN).status == 201
    world["slapd"].start()
    wait_for(lambda: sign_in(FRANK).status == 201, timeout=15, what="the directory back")


def test_a_certificate_the_ca_file_does_not_vouch_for_is_refused():
    other = tempfile.mkdtemp(prefix="convene-other-ca-")
    try:
        make_certificate(other, "other")
        strict = harness.Scheduler(
            extra=ldap_options(world["slapd"], os.path.join(other, "other.pem"))).start()
        try:
            reply = strict.client.call("POST", "/session", {"user": ERIN[0], "password": ERIN[1]},
                                       credentials=None)
            assert reply.status == 503, reply
            assert "certificate" in strict.log() or "StartTLS" in strict.log(), strict.log()
        finally:
            strict.cleanup()
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_bad_ldap_options_are_refused_at_start():
    for extra, needle in ((["--ldap", "http://127.0.0.1:1"], "--ldap"),
                          (["--ldap", world["slapd"].url, "--ldap-group-role",
                            OPERATORS + "=operator"], "--ldap-user-base"),
                          (["--ldap", world["slapd"].url, "--ldap-user-base", BASE,
                            "--ldap-group-role", OPERATORS + "=king"], "--ldap-group-role"),
                          (["--ldap", world["slapd"].url, "--ldap-user-base", BASE,
                            "--ldap-group-role", STAFF + "=booker", "--ldap-user-filter",
                            "uid=%s"], "--ldap-user-filter")):
        scheduler = harness.Scheduler(extra=extra)
        try:
            scheduler.start(wait=False)
            wait_for(lambda: not scheduler.alive(), timeout=15, what="convened to refuse")
            assert needle in scheduler.log(), scheduler.log()
        finally:
            scheduler.cleanup()


if __name__ == "__main__":
    harness.run_module(globals(), setup, cleanup)
