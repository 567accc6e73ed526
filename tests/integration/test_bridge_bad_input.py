"""Bad input never crashes or corrupts convene-bridge: malformed form
bodies, oversized bodies (413), invalid UTF-8, unknown parameters, wrong
methods and IDs that are not UUIDs all get a clear answer, change nothing,
and the node keeps serving. Also the INI configuration file and the
password from the environment."""

import os
import socket
import subprocess
import tempfile

import harness
from harness import Bridge, run_tests

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def count_spaces(bridge):
    reply = bridge.client.get("/coSpaces")
    assert reply.status == 200, reply
    return int(reply.xml().get("total"))


def parameter_error(reply):
    assert reply.status == 400, reply
    error = reply.xml().find("parameterError")
    assert error is not None, reply
    return error.get("parameter")


def test_malformed_bodies_are_refused_and_change_nothing():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict"]).start()
    try:
        before = count_spaces(bridge)
        cases = [
            ("name=a%zz", "name"),            # malformed escape
            ("name=a%4", "name"),             # truncated escape
            ("name=%FF%FE", "name"),          # invalid UTF-8
            ("name=a%00b", "name"),           # embedded NUL
            ("name=a&name=b", "name"),        # repeated parameter
            ("=value", ""),                   # empty name
            ("noSuchParameter=1", "noSuchParameter"),
        ]
        for body, parameter in cases:
            reply = bridge.client.request("POST", "/api/v1/coSpaces", body=body, headers=FORM)
            assert parameter_error(reply) == parameter, (body, reply)
        reply = bridge.client.request("POST", "/api/v1/coSpaces", body="name=x",
                                      headers={"Content-Type": "application/json"})
        assert reply.status == 400, reply
        assert count_spaces(bridge) == before
    finally:
        bridge.cleanup()


def test_wrong_types_are_refused_naming_the_field():
    bridge = Bridge().start()
    try:
        assert parameter_error(bridge.client.post("/coSpaces", {"nonMemberAccess": "maybe"})) \
            == "nonMemberAccess"
        assert parameter_error(bridge.client.post("/callProfiles", {"participantLimit": "many"})) \
            == "participantLimit"
        assert count_spaces(bridge) == 0
    finally:
        bridge.cleanup()


def test_oversized_bodies_get_413():
    bridge = Bridge(extra=["--max-body", "2048"]).start()
    try:
        body = "name=" + "x" * 4096
        reply = bridge.client.request("POST", "/api/v1/coSpaces", body=body, headers=FORM)
        assert reply.status == 413, reply
        bridge.client.close()
        assert count_spaces(bridge) == 0
    finally:
        bridge.cleanup()


def test_ids_that_are_not_uuids_are_not_found():
    bridge = Bridge().start()
    try:
        for path, reason in (("/coSpaces/not-a-uuid", "coSpaceDoesNotExist"),
                             ("/coSpaces/../../etc/passwd", None),
                             ("/callProfiles/%27%3B--", "callProfileDoesNotExist"),
                             ("/calls/123", "callDoesNotExist")):
            reply = bridge.client.get(path)
            assert reply.status == 404, (path, reply)
            if reason:
                assert reply.xml().find(reason) is not None, (path, reply)
    finally:
        bridge.cleanup()


def test_wrong_methods_on_known_objects():
    bridge = Bridge().start()
    try:
        reply = bridge.client.put("/coSpaces", {"name": "x"})
        assert reply.status == 405, reply
        assert reply.xml().find("invalidOperation") is not None
        reply = bridge.client.delete("/system/status")
        assert reply.status == 405, reply
    finally:
        bridge.cleanup()


def test_garbage_on_the_socket_does_not_kill_the_node():
    bridge = Bridge().start()
    try:
        for garbage in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                        b"POST /api/v1/coSpaces HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", bridge.port), timeout=2) as raw:
                raw.sendall(garbage)
                try:
                    raw.recv(4096)
                except OSError:
                    pass
        assert bridge.client.get("/system/status").status == 200
        assert bridge.alive()
    finally:
        bridge.cleanup()


def test_configuration_file_and_password_from_environment():
    data_dir = tempfile.mkdtemp(prefix="convene-config-")
    port = harness.free_port()
    config = os.path.join(data_dir, "bridge.conf")
    with open(config, "w") as handle:
        handle.write("[bridge]\nlisten = 127.0.0.1:%d\ndata-dir = %s\napi-user = admin\n"
                     "name = CallBridge-FromFile\nplain-http = true\n" % (port, data_dir))
    process = harness.Process([harness.BRIDGE_BINARY, "--config", config],
                              env={"CONVENE_BRIDGE_PASSWORD": harness.ADMIN[1]}, name="bridge")
    process.start()
    client = harness.CmsClient(port)
    try:
        def ready():
            assert process.alive(), process.log()
            try:
                return client.get("/callBridges").status == 200
            except OSError:
                client.close()
                return False
        harness.wait_for(ready, what="bridge started from a config file")
        names = [node.findtext("name") for node in client.get("/callBridges").xml()]
        assert names == ["CallBridge-FromFile"]
        assert client.get("/system/status", credentials=("admin", "other")).status == 401
        assert harness.ADMIN[1] not in process.log()
    finally:
        client.close()
        process.stop()
    with open(config, "a") as handle:
        handle.write("unknown-option = 1\n")
    done = subprocess.run([harness.BRIDGE_BINARY, "--config", config], capture_output=True,
                          text=True, env=dict(os.environ, CONVENE_BRIDGE_PASSWORD="x"), timeout=10)
    assert done.returncode != 0 and "unknown-option" in done.stderr, done.stderr


if __name__ == "__main__":
    run_tests(globals())
