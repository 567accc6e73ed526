"""An OpenLDAP server (Debian's slapd) for tests: a temporary directory
with a small tree of users and groups, reached over StartTLS with a
self-signed certificate, and the convened options that sign its users in.
Used by test_scheduler_ldap.py and the console's browser test
(tests/browser/test_console_directory.py).

Owns: the directory's contents, slapd's configuration and process.
Does not own: what convened does with it (the tests).
"""

import os
import shutil
import signal
import subprocess
import tempfile

import harness
from harness import wait_for

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
BASE = "dc=example,dc=com"
OPERATORS = "cn=vc-operators,ou=groups," + BASE
STAFF = "cn=staff,ou=groups," + BASE
SERVICE = ("cn=convened,ou=services," + BASE, "service-password")
ERIN = ("erin", "erin-password")  # operators and staff
FRANK = ("frank", "frank-password")  # staff
GINA = ("gina", "gina-password")  # in no mapped group

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
