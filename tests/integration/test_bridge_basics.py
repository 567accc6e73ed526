"""convene-bridge basics over real sockets: authentication, routing rules,
/system/status, /callBridges across a two-node cluster, HTTPS by default,
clean shutdown and restart on the same data directory."""

import os
import shutil
import tempfile

import harness
from harness import Bridge, CmsClient, run_tests


def test_authentication_is_required_everywhere():
    bridge = Bridge().start()
    try:
        for path in ("/system/status", "/callBridges", "/coSpaces", "/nothing/here"):
            reply = bridge.client.get(path, credentials=None)
            assert reply.status == 401, reply
            assert reply.header("WWW-Authenticate") == 'Basic realm="acano"'
            assert reply.body == ""
            wrong = bridge.client.get(path, credentials=("admin", "wrong"))
            assert wrong.status == 401, wrong
            unknown = bridge.client.get(path, credentials=("nobody", harness.ADMIN[1]))
            assert unknown.status == 401, unknown
    finally:
        bridge.cleanup()


def test_status_elements():
    bridge = Bridge().start()
    try:
        reply = bridge.client.get("/system/status")
        assert reply.status == 200
        assert reply.header("Content-Type").startswith("text/xml")
        assert reply.body.startswith('<?xml version="1.0"?>')
        status = reply.xml()
        assert status.tag == "status"
        names = [child.tag for child in status]
        for name in ("hostId", "softwareVersion", "uptimeSeconds", "cdrTime", "activated",
                     "clusterEnabled", "cdrCorrelatorIndex", "callLegsActive",
                     "callLegsMaxActive", "callLegsCompleted", "audioBitRateOutgoing",
                     "audioBitRateIncoming", "videoBitRateOutgoing", "videoBitRateIncoming"):
            assert name in names, name
        assert status.findtext("activated") == "true"
        assert status.findtext("clusterEnabled") == "false"  # no peers
        assert status.findtext("cdrTime").endswith("Z")
    finally:
        bridge.cleanup()


def test_paths_are_case_insensitive_and_accept_a_trailing_slash():
    bridge = Bridge().start()
    try:
        for path in ("/SYSTEM/STATUS", "/system/status/", "/System/Status"):
            assert bridge.client.get(path).status == 200, path
    finally:
        bridge.cleanup()


def test_unknown_paths_and_methods():
    bridge = Bridge().start()
    try:
        reply = bridge.client.get("/noSuchThing")
        assert reply.status == 404
        assert reply.xml().find("unrecognizedObject") is not None
        reply = bridge.client.request("GET", "/api/v2/system/status")
        assert reply.status == 404
        reply = bridge.client.post("/system/status", {})
        assert reply.status == 405
        assert reply.xml().find("invalidOperation") is not None
        reply = bridge.client.request("PATCH", "/api/v1/system/status")
        assert reply.status == 405
    finally:
        bridge.cleanup()


def test_cluster_nodes_agree_on_call_bridges():
    shared = tempfile.mkdtemp(prefix="convene-cluster-")
    port1, port2 = harness.free_port(), harness.free_port()
    core1 = Bridge(data_dir=shared, port=port1, name="CallBridge-Core1",
                   peers=["CallBridge-Core2=http://127.0.0.1:%d" % port2])
    core2 = Bridge(data_dir=shared, port=port2, name="CallBridge-Core2",
                   peers=["CallBridge-Core1=http://127.0.0.1:%d" % port1])
    try:
        core1.start()
        core2.start()
        lists = []
        for node in (core1, core2):
            reply = node.client.get("/callBridges")
            assert reply.status == 200
            root = reply.xml()
            assert root.get("total") == "2"
            lists.append([(bridge.get("id"), bridge.findtext("name")) for bridge in root])
            assert node.client.get("/system/status").xml().findtext("clusterEnabled") == "true"
        assert lists[0] == lists[1]
        assert [name for _, name in lists[0]] == ["CallBridge-Core1", "CallBridge-Core2"]
        for member_id, name in lists[0]:
            detail = core1.client.get("/callBridges/" + member_id).xml()
            assert detail.get("id") == member_id
            assert detail.findtext("name") == name
            port = port1 if name.endswith("1") else port2
            assert detail.findtext("address") == "http://127.0.0.1:%d" % port
            assert detail.find("sipDomain") is not None
        missing = core1.client.get("/callBridges/00000000-0000-0000-0000-000000000000")
        assert missing.status == 404
        assert missing.xml().find("callBridgeDoesNotExist") is not None
        assert core1.client.get("/callBridges/not-a-uuid").status == 404
    finally:
        core1.cleanup()
        core2.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


def test_https_by_default_with_a_generated_certificate():
    bridge = Bridge(tls=True).start()
    try:
        assert bridge.client.get("/system/status").status == 200
        key = os.path.join(bridge.data_dir, "tls-key.pem")
        assert os.path.exists(key)
        assert os.stat(key).st_mode & 0o077 == 0, "private key must be 0600"
        plain = CmsClient(bridge.port, tls=False)
        try:
            refused = plain.get("/system/status")
            assert refused.status >= 400
        except OSError:
            pass  # a TLS server may just drop a plain-text request
        finally:
            plain.close()
    finally:
        bridge.cleanup()


def test_sigterm_exits_cleanly():
    bridge = Bridge().start()
    try:
        assert bridge.stop() == 0
    finally:
        bridge.cleanup()


def test_bad_command_lines_are_refused():
    import subprocess
    for argv in ([], ["--listen", "127.0.0.1:1"], ["--bogus"],
                 ["--listen", "nonsense", "--data-dir", "/tmp/x", "--api-user", "a:b"],
                 ["--listen", "127.0.0.1:1", "--data-dir", "/tmp/x", "--api-user", "a:b",
                  "--peer", "missing-equals"]):
        done = subprocess.run([harness.BRIDGE_BINARY] + argv, capture_output=True, text=True,
                              timeout=10)
        assert done.returncode != 0, argv
        assert "convene-bridge:" in done.stderr, done.stderr
    done = subprocess.run([harness.BRIDGE_BINARY, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--api-user" in done.stdout


if __name__ == "__main__":
    run_tests(globals())
