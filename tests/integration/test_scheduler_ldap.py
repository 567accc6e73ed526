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
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
BASE = "dc=example,dc=com"
OPERATORS = "cn=vc-operators,ou=groups," + BASE
STAFF = "cn=staff,ou=groups," + BASE
SERVICE = ("cn=convened,ou=services," + BASE, "service-password")
ERIN = ("erin", "erin-password")  # operators and staff
FRANK = ("frank", "frank-password")  # staff
GINA = ("gina", "gina-password")  # in no mapped group
world = {}

LDIF = """dn: {base}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{base}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{base}
objectClass: organizationalUnit
ou: services

dn: {service}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: convened
userPassword: {service_password}

dn: uid=erin,ou=people,{base}
objectClass: inetOrgPerson
uid: erin
cn: Erin Example
sn: Example
displayName: Erin E. Example
mail: erin@example.com
userPassword: erin-password

dn: uid=frank,ou=people,{base}
objectClass: inetOrgPerson
uid: frank
cn: Frank Example
sn: Example
mail: frank@example.com
userPassword: frank-password

dn: uid=gina,ou=people,{base}
objectClass: inetOrgPerson
uid: gina
cn: Gina Example
sn: Example
userPassword: gina-password

dn: {operators}
objectClass: groupOfNames
cn: vc-operators
member: cn=nobody,{base}
member: uid=erin,ou=people,{base}

dn: {staff}
objectClass: groupOfNames
cn: staff
member: uid=erin,ou=people,{base}
member: uid=frank,ou=people,{base}
"""

SLAPD_CONF = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {dir}/cert.pem
TLSCertificateKeyFile {dir}/key.pem
database mdb
maxsize 10485760
suffix "{base}"
rootdn "cn=admin,{base}"
rootpw admin-secret
directory {dir}/db
"""


def make_certificate(directory, name):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", os.path.join(directory, name + "-key.pem"),
                    "-out", os.path.join(directory, name + ".pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)


class Slapd:
    """slapd in a temporary directory, on a free loopback port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="convene-slapd-")
        self.port = harness.free_port()
        self.process = None
        os.mkdir(os.path.join(self.dir, "db"))
        make_certificate(self.dir, "cert")
        os.rename(os.path.join(self.dir, "cert-key.pem"), os.path.join(self.dir, "key.pem"))
        self.conf = os.path.join(self.dir, "slapd.conf")
        with open(self.conf, "w") as handle:
            handle.write(SLAPD_CONF.format(dir=self.dir, base=BASE))
        ldif = os.path.join(self.dir, "data.ldif")
        with open(ldif, "w") as handle:
            handle.write(LDIF.format(base=BASE, service=SERVICE[0], service_password=SERVICE[1],
                                     operators=OPERATORS, staff=STAFF))
        subprocess.run([SLAPADD, "-f", self.conf, "-l", ldif], check=True, capture_output=True)

    @property
    def url(self):
        return "ldap://127.0.0.1:%d" % self.port

    def start(self):
        # -d 0: stay in the foreground (no fork), so the test owns the process
        self.process = subprocess.Popen(
            [SLAPD, "-f", self.conf, "-h", self.url + "/", "-d", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout=15, what="slapd to listen")
        return self

    def _answers(self):
        import socket
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)
        self.process = None

    def modify(self, ldif):
        """Changes the directory through the running server (ldapmodify as rootdn)."""
        subprocess.run(["ldapmodify", "-ZZ", "-H", self.url, "-x", "-D", "cn=admin," + BASE,
                        "-w", "admin-secret"], input=ldif.encode(), check=True,
                       capture_output=True,
                       env=dict(os.environ, LDAPTLS_CACERT=os.path.join(self.dir, "cert.pem")))

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def ldap_options(slapd, ca_file):
    password_file = os.path.join(slapd.dir, "service.pw")
    with open(password_file, "w") as handle:
        handle.write(SERVICE[1] + "\n")
    return ["--ldap", slapd.url, "--ldap-ca-file", ca_file,
            "--ldap-bind-dn", SERVICE[0], "--ldap-bind-password-file", password_file,
            "--ldap-user-base", "ou=people," + BASE, "--ldap-user-filter", "(uid=%s)",
            "--ldap-group-role", OPERATORS + "=operator", "--ldap-group-role", STAFF + "=booker"]


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
    setup()
    try:
        harness.run_tests(globals())
    finally:
        cleanup()
