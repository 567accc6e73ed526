"""Shared helpers for the integration tests: start real convene-bridge and
convened processes on free loopback ports with temporary data directories,
talk to them over real sockets, and stop them cleanly.

Only the Python standard library is used, so `make test` needs nothing
beyond python3. Every wait polls for a condition with a deadline; nothing
sleeps for a fixed time as a way to synchronise.
"""

import atexit
import base64
import datetime
import http.client
import json
import os
import queue
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

BUILD_DIR = os.environ.get("CONVENE_BUILD_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
SOURCE_DIR = os.environ.get("CONVENE_SOURCE_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..")

BRIDGE_BINARY = os.path.join(BUILD_DIR, "src", "bridge", "convene-bridge")
SCHEDULER_BINARY = os.path.join(BUILD_DIR, "src", "scheduler", "convened")
CLI_BINARY = os.path.join(BUILD_DIR, "src", "cli", "convene")

ADMIN = ("admin", "secret-password")

# Which database the bridges and convened under test keep their data in:
# "sqlite" (the default: a file in the data directory) or "postgresql"
# (CMake registers the bridge's and the scheduler's tests a second time as
# "<name>@postgresql" with CONVENE_TEST_DATABASE=postgresql). With
# PostgreSQL, one server is started for the test file (pg_harness.py) and
# every data directory gets its own database per program, so nodes given
# one data directory share one database as they would share one SQLite
# file, and a convened restarted on its data directory finds its data.
DATABASE = os.environ.get("CONVENE_TEST_DATABASE", "sqlite")
_postgres = {"server": None, "databases": {}}


def postgres_server():
    """The test file's PostgreSQL server (started on first use)."""
    import pg_harness  # here: the SQLite runs need no PostgreSQL at all
    if _postgres["server"] is None:
        _postgres["server"] = pg_harness.PostgresServer().start()
        print("the programs under test keep their data in PostgreSQL on port %d"
              % _postgres["server"].port, flush=True)
    return _postgres["server"]


def database_url(data_dir, program):
    """The PostgreSQL database of `program` ("bridge", "convened") on
    `data_dir`: created on first use, the same one afterwards."""
    server = postgres_server()
    key = (os.path.realpath(data_dir), program)
    if key not in _postgres["databases"]:
        name = "%s_%d" % (program, len(_postgres["databases"]) + 1)
        _postgres["databases"][key] = server.create_database(name)
    return _postgres["databases"][key]


def database_arguments(data_dir, program):
    """The --database options of `program` on `data_dir` (none on SQLite);
    convened's with its key file in the data directory (its default
    there), which --database requires to be named."""
    if DATABASE != "postgresql":
        return []
    arguments = ["--database", database_url(data_dir, program),
                 "--database-password-file", postgres_server().password_file]
    if program == "convened":
        arguments += ["--secrets-key", os.path.join(data_dir, "secrets.key")]
    return arguments


def _sql_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def scheduler_sql(data_dir, statement, params=()):
    """Runs one statement on the database of the convened on `data_dir`
    (SQLite's file or its PostgreSQL database), for a test that reads or
    changes the data behind convened's back. `?` placeholders take
    `params`; returns the rows (on PostgreSQL every value as text, None for
    NULL). Write only while that convened is stopped or does not care."""
    if DATABASE == "postgresql":
        pieces = statement.split("?")
        if len(pieces) != len(params) + 1:
            raise ValueError("%d placeholders for %d values" % (len(pieces) - 1, len(params)))
        text = pieces[0] + "".join(_sql_literal(value) + piece
                                   for value, piece in zip(params, pieces[1:]))
        name = database_url(data_dir, "convened").rsplit("/", 1)[1]
        return postgres_server().rows(text, name)
    import sqlite3
    database = sqlite3.connect(os.path.join(data_dir, "convened.db"))
    try:
        with database:
            return [tuple(row) for row in database.execute(statement, params)]
    finally:
        database.close()


def bridge_database_arguments(data_dir):
    """The --database options of a bridge on `data_dir` (none on SQLite)."""
    return database_arguments(data_dir, "bridge")


def scheduler_database_arguments(data_dir):
    """The --database options of convened on `data_dir` (none on SQLite)."""
    return database_arguments(data_dir, "convened")


# Ports for the daemons under test are drawn below Linux's ephemeral range
# (32768-60999 by default): a port the kernel handed out (port 0) is also
# the source port of the next outgoing connection of any test running
# beside this one, and a daemon told to listen on it then fails with
# "address in use". Each test file draws from its own random sequence.
_PORTS = random.Random()


def free_port():
    """A TCP port below the ephemeral range that was free a moment ago on
    127.0.0.1."""
    for _ in range(200):
        port = _PORTS.randrange(20000, 32000)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port between 20000 and 32000")


def wait_for(condition, timeout=10.0, interval=0.02, what="condition"):
    """Polls `condition` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(moment, offset_hours=0):
    """`moment` as RFC 3339 to the second, written in UTC+`offset_hours`
    ("+00:00" for UTC, as convened accepts any offset)."""
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    return moment.astimezone(zone).isoformat(timespec="seconds")


def participant(document, uri):
    """The participant `uri` of a booking document; fails when it has none."""
    for entry in document["participants"]:
        if entry["uri"] == uri:
            return entry
    raise AssertionError("no participant %s in %r" % (uri, document))


def bridge_document(address, slots, name="alpha", domain="vc.example.com", base=1,
                    alternate=None, credentials=ADMIN, **settings):
    """The body of POST /bridges for a bridge at `address` with `slots`
    numeric IDs from `base`; `alternate`: the address of its second node
    (same credentials); `settings`: any other field, as the API spells it."""
    document = {"address": address, "username": credentials[0], "password": credentials[1],
                "name": name, "domain": domain, "numericIdBase": base,
                "numericIdQuantity": slots}
    if alternate is not None:
        document.update(alternateAddress=alternate, alternateUsername=credentials[0],
                        alternatePassword=credentials[1])
    document.update(settings)
    return document


def wait_provisioned(client, bridge_id, slots, timeout=30, interval=0.02, stop_on_failure=False):
    """Waits until convened (through JsonClient `client`) shows the bridge's
    provisioning complete with all `slots` made. stop_on_failure: fail at
    once when provisioning ends "failed" (a long wait that would only time
    out) instead of waiting for a retry."""
    def done():
        document = client.call("GET", "/bridges/" + bridge_id).json()
        if stop_on_failure:
            assert document.get("provisioning") != "failed", document
        return (document.get("provisioning") == "complete"
                and document.get("slots", {}).get("provisioned") == slots)
    wait_for(done, timeout=timeout, interval=interval,
             what="%d slots of bridge %s to be provisioned" % (slots, bridge_id))


def add_bridge(client, address, slots, wait=30, interval=0.02, stop_on_failure=False,
               **settings):
    """Registers the bridge at `address` through JsonClient `client` (201
    asserted) and, unless wait is None, waits up to `wait` seconds for its
    slots (interval, stop_on_failure: wait_provisioned's); returns the
    bridge's ID. `settings`: bridge_document's."""
    reply = client.call("POST", "/bridges", bridge_document(address, slots, **settings))
    assert reply.status == 201, reply
    bridge_id = reply.json()["id"]
    if wait is not None:
        wait_provisioned(client, bridge_id, slots, timeout=wait, interval=interval,
                         stop_on_failure=stop_on_failure)
    return bridge_id


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def xml(self):
        return ET.fromstring(self.body)

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:300])


class HttpClient:
    """A keep-alive HTTP(S) client with Basic credentials."""

    def __init__(self, port, host="127.0.0.1", tls=False, credentials=ADMIN):
        self.host = host
        self.port = port
        self.tls = tls
        self.credentials = credentials
        self.connection = None

    def _connect(self):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=30, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method, path, body=None, headers=None, credentials="default"):
        headers = dict(headers or {})
        credentials = self.credentials if credentials == "default" else credentials
        if credentials is not None:
            token = base64.b64encode(("%s:%s" % credentials).encode()).decode()
            headers["Authorization"] = "Basic " + token
        if isinstance(body, str):
            body = body.encode()
        for attempt in range(2):
            if self.connection is None:
                self.connection = self._connect()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                reply = self.connection.getresponse()
                data = reply.read().decode("utf-8", "replace")
                if reply.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(reply.status, reply.getheaders(), data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 1:
                    raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class CmsClient(HttpClient):
    """Talks the CMS API: form-encoded requests, XML answers."""

    def get(self, path, **kwargs):
        return self.request("GET", "/api/v1" + path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", "/api/v1" + path, **kwargs)

    def _form(self, method, path, fields, **kwargs):
        if isinstance(fields, dict):
            fields = list(fields.items())
        body = urllib.parse.urlencode(fields) if not isinstance(fields, (str, bytes)) else fields
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(method, "/api/v1" + path, body=body, headers=headers, **kwargs)

    def post(self, path, fields=(), **kwargs):
        return self._form("POST", path, fields, **kwargs)

    def put(self, path, fields=(), **kwargs):
        return self._form("PUT", path, fields, **kwargs)

    def create(self, path, fields=()):
        """POSTs and returns the new object's ID, asserting the CMS shape."""
        reply = self.post(path, fields)
        assert reply.status == 200, (path, reply)
        location = reply.header("Location")
        assert location and location.startswith("/api/v1/"), reply.headers
        return location.rsplit("/", 1)[1]


class JsonClient(HttpClient):
    """Talks convened's JSON API."""

    def call(self, method, path, document=None, **kwargs):
        body = json.dumps(document) if document is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        return self.request(method, "/api/v1" + path, body=body, headers=headers, **kwargs)


# Every daemon a test started. A test that fails half-way through its set-up
# may never reach its cleanup; these are killed when the script exits, so a
# failed run never leaves daemons behind.
STARTED_PROCESSES = []


def _kill_leftovers():
    for process in STARTED_PROCESSES:
        if process.poll() is None:
            process.kill()
            process.wait()


atexit.register(_kill_leftovers)


class Process:
    """A daemon under test; always stopped, and its data removed, at exit."""

    def __init__(self, argv, env=None, name="daemon"):
        self.argv = argv
        self.env = dict(os.environ, **(env or {}))
        self.name = name
        self.process = None
        self.log_path = None

    def start(self):
        log = tempfile.NamedTemporaryFile(prefix="convene-%s-" % self.name, suffix=".log",
                                          delete=False)
        self.log_path = log.name
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                        env=self.env)
        STARTED_PROCESSES.append(self.process)
        log.close()
        return self

    def log(self):
        with open(self.log_path, errors="replace") as handle:
            return handle.read()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the process and returns its exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("%s did not stop on %s" % (self.name, sig))
        status = self.process.returncode
        self.process = None
        if sig == signal.SIGTERM:
            self.check_clean_exit(status)
        return status

    def check_clean_exit(self, status):
        """A daemon stopped with SIGTERM must exit 0 without sanitizer reports."""
        text = self.log()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                raise AssertionError("%s reported a sanitizer error:\n%s" % (self.name, text[-4000:]))
        if status != 0:
            raise AssertionError("%s exited with status %s on SIGTERM:\n%s"
                                 % (self.name, status, text[-4000:]))

    def kill(self):
        return self.stop(signal.SIGKILL)


class Daemon(Process):
    """A daemon with a data directory (`own_dir`: made for it, removed by
    cleanup) and a keep-alive `client`, closed when it stops."""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        self.client.close()
        return super().stop(sig, timeout)

    def cleanup(self):
        if self.alive():
            self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class Bridge(Daemon):
    """A convene-bridge node. Plain HTTP unless tls=True. `sqlite`: keep its
    configuration in SQLite even in a PostgreSQL run (a test about convened
    whose bridge would only slow it down)."""

    def __init__(self, data_dir=None, name=None, peers=(), tls=False, extra=(),
                 trace=True, port=None, users=(ADMIN,), sqlite=False):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="convene-bridge-")
        self.port = port or free_port()
        self.tls = tls
        self.trace_path = os.path.join(self.data_dir, "trace-%d.log" % self.port) if trace else None
        argv = [BRIDGE_BINARY, "--listen", "127.0.0.1:%d" % self.port,
                "--data-dir", self.data_dir]
        for user in users:
            argv += ["--api-user", "%s:%s" % user]
        if name:
            argv += ["--name", name]
        for peer in peers:
            argv += ["--peer", peer]
        if not tls:
            argv += ["--plain-http"]
        if self.trace_path:
            argv += ["--trace", self.trace_path]
        if not sqlite:
            argv += bridge_database_arguments(self.data_dir)
        argv += list(extra)
        super().__init__(argv, name="bridge")
        self.client = CmsClient(self.port, tls=tls)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def start(self, wait=True):
        super().start()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        def ready():
            if not self.alive():
                raise AssertionError("convene-bridge exited:\n" + self.log())
            try:
                return self.client.get("/system/status").status == 200
            except OSError:
                self.client.close()
                return False
        wait_for(ready, timeout=timeout, what="convene-bridge to answer")

    def trace(self):
        with open(self.trace_path, errors="replace") as handle:
            return handle.read()

    def get_xml(self, path):
        """GET /api/v1`path` on this node: 200 asserted, the XML root."""
        reply = self.client.get(path)
        assert reply.status == 200, (path, reply)
        return reply.xml()


class Scheduler(Daemon):
    """A convened instance."""

    def __init__(self, data_dir=None, extra=(), port=None, env=None, tls=False):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="convened-")
        self.port = port or free_port()
        self.tls = tls
        argv = [SCHEDULER_BINARY, "--listen", "127.0.0.1:%d" % self.port,
                "--data-dir", self.data_dir, "--admin-user", "%s:%s" % ADMIN] + list(extra)
        argv += scheduler_database_arguments(self.data_dir)
        if not tls:
            argv += ["--plain-http"]  # convened serves HTTPS by default
        super().__init__(argv, env=env, name="convened")
        self.client = JsonClient(self.port, tls=tls)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def api(self, method, path, document=None, **kwargs):
        """A request to /api/v1`path` with the administrator's credentials
        (kwargs: HttpClient.request's, e.g. credentials=)."""
        return self.client.call(method, path, document, **kwargs)

    def booking(self, booking_id):
        """GET /bookings/<id>: 200 asserted, the document."""
        reply = self.api("GET", "/bookings/" + booking_id)
        assert reply.status == 200, reply
        return reply.json()

    def cli(self, *argv, timeout=60):
        """Runs `convene --server <this> --user admin:... argv...`: (exit
        code, standard output, standard error)."""
        done = subprocess.run([CLI_BINARY, "--server", self.url, "--user", "%s:%s" % ADMIN]
                              + list(argv), capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stdout, done.stderr

    def metrics(self, credentials="default"):
        """GET /metrics on a connection of its own (the exposition is not
        under /api/v1); credentials as HttpClient.request's."""
        client = HttpClient(self.port, tls=self.tls)
        try:
            return client.request("GET", "/metrics", credentials=credentials)
        finally:
            client.close()

    def add_bridge(self, address, slots, **options):
        """Registers a bridge and waits for its slots (harness.add_bridge's
        options)."""
        return add_bridge(self.client, address, slots, **options)

    def trace(self):
        """convened's own CMS API trace (what it asked the bridges)."""
        path = os.path.join(self.data_dir, "cms-trace.log")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as handle:
            return handle.read()

    def start(self, wait=True):
        super().start()
        if wait:
            def ready():
                if not self.alive():
                    raise AssertionError("convened exited:\n" + self.log())
                try:
                    return self.client.call("GET", "/bridges").status == 200
                except OSError:
                    self.client.close()
                    return False
            wait_for(ready, timeout=15, what="convened to answer")
        return self


def bridge_pair(data_dir, extra=(), names=("cb1", "cb2")):
    """Two convene-bridge nodes named `names` sharing `data_dir` (one
    cluster, each the other's peer, each told its own address), not yet
    started: (primary, alternate)."""
    port_a, port_b = free_port(), free_port()
    url_a, url_b = "http://127.0.0.1:%d" % port_a, "http://127.0.0.1:%d" % port_b
    name_a, name_b = names
    primary = Bridge(data_dir=data_dir, name=name_a, port=port_a, peers=[name_b + "=" + url_b],
                     extra=list(extra) + ["--address", url_a])
    alternate = Bridge(data_dir=data_dir, name=name_b, port=port_b, peers=[name_a + "=" + url_a],
                       extra=list(extra) + ["--address", url_b])
    return primary, alternate


def scheduler_with_bridge_pair(world, slots, bridge_extra=(), scheduler_extra=(),
                               names=("cb1", "cb2"), **settings):
    """The set-up of the tests that need a bridge's alternate address: a
    two-node bridge (bridge_pair) and a convened with it registered. Fills
    the test's dict `world` as it goes, so cleanup_bridge_pair(world) finds
    whatever started: data_dir (the nodes' shared directory), a and b (the
    primary and alternate nodes), scheduler_dir and scheduler (convened on
    it), bridge_id (the pair as one bridge with `slots` slots, b its
    alternate, provisioned). settings: bridge_document's."""
    world["data_dir"] = tempfile.mkdtemp(prefix="convene-cluster-")
    world["a"], world["b"] = bridge_pair(world["data_dir"], bridge_extra, names)
    world["a"].start()
    world["b"].start()
    world["scheduler_dir"] = tempfile.mkdtemp(prefix="convened-")
    world["scheduler"] = Scheduler(data_dir=world["scheduler_dir"], extra=scheduler_extra).start()
    world["bridge_id"] = world["scheduler"].add_bridge(world["a"].url, slots,
                                                       alternate=world["b"].url, **settings)


def cleanup_bridge_pair(world):
    """Stops what scheduler_with_bridge_pair started (world["scheduler"]
    may have been replaced by a restarted one) and removes its directories."""
    for key in ("scheduler", "a", "b"):
        process = world.get(key)
        if process is not None and process.alive():
            process.stop()
    for key in ("data_dir", "scheduler_dir"):
        if world.get(key):
            shutil.rmtree(world[key], ignore_errors=True)


def scheduler_with_bridge(world, slots, bridge_extra=(), scheduler_extra=(), **settings):
    """The common set-up: a convene-bridge and a convened started, the
    bridge registered with `slots` slots and provisioned. Fills the test's
    dict `world` as it goes (so its cleanup finds whatever started):
    "bridge", "scheduler", "bridge_id". settings: bridge_document's."""
    world["bridge"] = Bridge(extra=bridge_extra).start()
    world["scheduler"] = Scheduler(extra=scheduler_extra).start()
    world["bridge_id"] = world["scheduler"].add_bridge(world["bridge"].url, slots, **settings)


class LoopbackListener:
    """A plain TCP listener on 127.0.0.1, on a port the kernel picks (held
    from the start, so nothing else can take it): a thread accepts every
    connection and hands it to `handle(connection)`, which a subclass
    defines. `lock` guards what the subclass records; a subclass sets its
    own fields before calling this __init__ (the thread starts in it)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return  # closed
            self.handle(connection)

    def close(self):
        self.socket.close()


def cleanup_daemons(*daemons):
    """Cleans up each daemon that was made (None: never made)."""
    for daemon in daemons:
        if daemon is not None:
            daemon.cleanup()


class TestRun:
    """Minimal runner: each test_* function of the calling module runs in
    order; failures are reported and make the process exit non-zero."""

    def __init__(self):
        self.cleanups = []

    def on_exit(self, function):
        self.cleanups.append(function)


def run_tests(namespace):
    tests = [(name, function) for name, function in namespace.items()
             if name.startswith("test_") and callable(function)]
    tests.sort(key=lambda item: item[1].__code__.co_firstlineno)
    only = os.environ.get("CONVENE_TEST_ONLY")
    failed = 0
    for name, function in tests:
        if only and only not in name:
            continue
        started = time.monotonic()
        try:
            function()
            print("ok   %-50s %.2fs" % (name, time.monotonic() - started), flush=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            import traceback
            print("FAIL %s" % name, flush=True)
            traceback.print_exc()
    print("%d failed of %d" % (failed, len(tests)))
    sys.exit(1 if failed else 0)


def run_module(namespace, setup=None, cleanup=None):
    """A test module's main: `setup()`, then its tests (run_tests), then
    `cleanup()` whether or not the set-up or a test failed (each optional)."""
    try:
        if setup is not None:
            setup()
        run_tests(dict(namespace))
    finally:
        if cleanup is not None:
            cleanup()


class EventStream:
    """A client of convened's GET /api/v1/events on `port`: a thread reads the stream and puts
    each dispatched event (dict with id, event, data) or comment on a queue."""

    def __init__(self, port, last_event_id=None, query="", credentials=ADMIN):
        self.connection = http.client.HTTPConnection("127.0.0.1", port,
                                                     timeout=30)
        token = base64.b64encode(("%s:%s" % credentials).encode()).decode()
        headers = {"Authorization": "Basic " + token, "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection.request("GET", "/api/v1/events" + query, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.items = queue.Queue()
        self.events = []
        self.comments = []
        self.ended = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.response.read()

    def _read(self):
        fields = {}
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if "event" in fields or "data" in fields:
                        self.items.put(dict(fields))
                    fields = {}
                elif line.startswith(":"):
                    self.items.put({"comment": line[1:].strip()})
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        self.ended.set()

    def drain(self):
        while True:
            try:
                item = self.items.get_nowait()
            except queue.Empty:
                return
            if "comment" in item:
                self.comments.append(item["comment"])
            else:
                if "data" in item:
                    item["json"] = json.loads(item["data"])
                self.events.append(item)

    def wait_event(self, predicate, what, timeout=20):
        def found():
            self.drain()
            for event in self.events:
                if predicate(event):
                    return event
            return None
        return wait_for(found, timeout=timeout, what=what)

    def close(self):
        try:
            self.response.close()
            self.connection.sock.close() if self.connection.sock else None
        except OSError:
            pass
        self.connection.close()
