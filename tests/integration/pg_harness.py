"""A real PostgreSQL server for the integration tests, from Debian's
packages: `initdb` in a temporary directory, `pg_ctl start` on a free
loopback port with its socket in that directory, one database and one
password-protected role for the program under test, and everything
stopped and removed at the end (also when the test fails: atexit).

Owns: finding the server's programs (/usr/lib/postgresql/<version>/bin,
the newest installed), running them as an unprivileged user (initdb and
the server refuse root: as root they run as Debian's `postgres` user),
the server's lifetime. Does not own: any schema or what a test does with
the database.

One server per test file is the intent: startup is about a second here
(initdb most of it), a new database per case is milliseconds.
"""

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile

from harness import free_port, wait_for

ROLE = "convene"


def server_bin_dir():
    """The bin directory of the newest PostgreSQL installed, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path):
        number = path.split("/")[-3]
        return [int(part) for part in number.split(".") if part.isdigit()]

    found.sort(key=version)
    return os.path.dirname(found[-1]) if found else None


class PostgresServer:
    """Start with start(); the URL and the password file are then ready."""

    def __init__(self, durable=False):
        """`durable`: fsync as in production (benchmarks); the tests run
        without it (fsync=off: only an OS crash could lose their data)."""
        self.durable = durable
        self.bin_dir = server_bin_dir()
        if self.bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/install-deps)")
        self.directory = None
        self.client_directory = None
        self.port = None
        self.password = "pg-test-" + os.urandom(8).hex()
        self.password_file = None
        self.running = False
        self._run_as = None

    def _program(self, name):
        return os.path.join(self.bin_dir, name)

    def _user_options(self):
        """subprocess options that run a program as the unprivileged user
        when we are root."""
        if self._run_as is None:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid}

    def _run(self, arguments, **options):
        """Runs a server program as the unprivileged user when we are root."""
        for key, value in self._user_options().items():
            options.setdefault(key, value)
        return subprocess.run(arguments, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, **options)

    def start(self):
        if os.geteuid() == 0:
            self._run_as = pwd.getpwnam("postgres")
        self.directory = tempfile.mkdtemp(prefix="convene-pg-")
        self.client_directory = tempfile.mkdtemp(prefix="convene-pg-client-")
        atexit.register(self.stop)
        if self._run_as is not None:
            os.chown(self.directory, self._run_as.pw_uid, self._run_as.pw_gid)
        data = os.path.join(self.directory, "data")
        # The superuser is reached over the socket only (trust); TCP asks
        # every role for its password (scram-sha-256), as in production.
        self._run([self._program("initdb"), "-D", data, "-U", "postgres_admin",
                   "--auth-local=trust", "--auth-host=scram-sha-256",
                   "-E", "UTF8", "--no-sync", "--no-instructions"])
        self.port = free_port()
        self._start_server()
        self.running = True
        self.sql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (ROLE, self.password))
        self.create_database("convene")
        self.password_file = os.path.join(self.client_directory, "password")
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(self.password + "\n")
        return self

    def sql(self, statement, database="postgres"):
        """Runs one statement as the superuser; returns psql's output."""
        result = self._run([self._program("psql"), "-h", self.directory, "-p",
                            str(self.port), "-U", "postgres_admin", "-d", database,
                            "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement])
        return result.stdout.strip()

    def rows(self, statement, database):
        """Runs one statement as the superuser; returns its rows as tuples
        of text, None for SQL NULL."""
        unit, null = "\x1f", "\x1e"
        result = subprocess.run([self._program("psql"), "-h", self.directory, "-p",
                            str(self.port), "-U", "postgres_admin", "-d", database,
                            "-v", "ON_ERROR_STOP=1", "-qAt", "-F", unit, "-P", "null=" + null,
                            "-c", statement], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                **self._user_options())
        if result.returncode != 0:
            raise RuntimeError("psql: %s: %s" % (statement, result.stderr.strip()))
        return [tuple(None if value == null else value for value in line.split(unit))
                for line in result.stdout.split("\n") if line]

    def create_database(self, name):
        """A new empty database owned by the test role; returns its URL."""
        self.sql("CREATE DATABASE %s OWNER %s" % (name, ROLE))
        return self.url(name)

    def url(self, database="convene", query=""):
        """The URL a program is given: no password in it (that comes from
        the password file or PGPASSWORD)."""
        url = "postgresql://%s@127.0.0.1:%d/%s" % (ROLE, self.port, database)
        return url + ("?" + query if query else "")

    def client_environment(self):
        """os.environ plus PGPASSWORD, for programs given no password file."""
        environment = dict(os.environ)
        environment["PGPASSWORD"] = self.password
        return environment

    def restart(self, mode="fast"):
        """Stops the server (`mode`: fast or immediate) and starts it again
        on the same port."""
        data = os.path.join(self.directory, "data")
        self._run([self._program("pg_ctl"), "-D", data, "-m", mode, "-w", "stop"])
        self._start_server()

    def halt(self, mode="fast"):
        """Stops the server (`mode`: fast or immediate), keeping its data,
        until resume(): a database outage for as long as a test wants."""
        data = os.path.join(self.directory, "data")
        self._run([self._program("pg_ctl"), "-D", data, "-m", mode, "-w", "stop"])

    def resume(self):
        """Starts the server halt() stopped, on the same port."""
        self._start_server()

    def _start_server(self):
        options = "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200" % (
            self.port, self.directory)
        if not self.durable:
            options += " -c fsync=off"
        self._run([self._program("pg_ctl"), "-D", os.path.join(self.directory, "data"), "-l",
                   os.path.join(self.directory, "server.log"), "-o", options,
                   "-w", "-t", "60", "start"])

    def log(self):
        try:
            with open(os.path.join(self.directory, "server.log")) as log:
                return log.read()
        except OSError:
            return ""

    def stop(self):
        if self.running:
            self.running = False
            try:
                self._run([self._program("pg_ctl"), "-D",
                           os.path.join(self.directory, "data"), "-m", "immediate",
                           "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        for directory in (self.directory, self.client_directory):
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
        self.directory = self.client_directory = None


def wait_until_accepting(server, timeout=30.0):
    """Waits until the server answers a query (after a restart)."""
    def answers():
        try:
            return server.sql("SELECT 1") == "1"
        except subprocess.CalledProcessError:
            return False
    return wait_for(answers, timeout=timeout, what="PostgreSQL to accept connections")
