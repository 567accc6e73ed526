"""convened and TLS: its own API is HTTPS by default (self-signed
certificate generated into the data directory), and it talks to an HTTPS
bridge on a non-standard port only when it can trust it: verification on by
default, a CA file, a pinned certificate, or the explicit insecure switch.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import ADMIN, Bridge, Scheduler  # noqa: E402


class World:
    bridge = None
    scheduler = None


def api(method, path, document=None):
    return World.scheduler.api(method, path, document)


def add(**settings):
    document = {"address": "127.0.0.1:%d" % World.bridge.port, "username": ADMIN[0],
                "password": ADMIN[1]}
    document.update(settings)
    return api("POST", "/bridges", document)


def remove(reply):
    assert reply.status == 201, reply
    assert api("DELETE", "/bridges/" + reply.json()["id"]).status == 204


def certificate_path():
    return os.path.join(World.bridge.data_dir, "tls-certificate.pem")


def test_convened_serves_https_by_default():
    World.bridge = Bridge(name="CallBridge-Secure", tls=True).start()
    World.scheduler = Scheduler(tls=True).start()
    assert World.scheduler.url.startswith("https://")
    assert os.path.exists(os.path.join(World.scheduler.data_dir, "tls-certificate.pem"))
    assert api("GET", "/bridges").json() == []


def test_an_untrusted_bridge_is_refused():
    reply = add()
    assert reply.status == 503, reply
    error = reply.json()["error"]
    assert "TLS" in error["details"]["reason"], error
    assert error["details"]["address"] == "https://127.0.0.1:%d" % World.bridge.port


def test_the_insecure_switch():
    reply = add(tlsVerify=False)
    assert reply.json()["tlsVerify"] is False, reply
    assert reply.json()["address"] == "https://127.0.0.1:%d" % World.bridge.port
    remove(reply)


def test_a_ca_file():
    reply = add(caFile=certificate_path())
    assert reply.json()["caFile"] == certificate_path(), reply
    remove(reply)


def test_a_pinned_certificate():
    remove(add(pinnedCertificate=certificate_path()))
    wrong = add(pinnedCertificate="sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert wrong.status == 503, wrong
    assert "TLS" in wrong.json()["error"]["details"]["reason"]
    missing = add(pinnedCertificate="/nonexistent.pem")
    assert missing.status == 400 and \
        missing.json()["error"]["details"]["field"] == "pinnedCertificate", missing


def cleanup():
    harness.cleanup_daemons(World.scheduler, World.bridge)


if __name__ == "__main__":
    harness.run_module(globals(), cleanup=cleanup)
