"""A slow bridge never blocks convened's API (issue 8, break 7).

Adding a bridge (POST /bridges) or re-checking one with new connection
settings (PATCH /bridges/<id>) asks the bridge for its status before
answering. Against an address that accepts connections and never answers,
that used to hold one of convened's few HTTP worker threads until the CMS
timeout: with two such requests, GET /bridges waited ~19 s. Now those
handlers run on threads of their own while their connections wait, so
every other request is answered at once, and the probes still end within
the CMS timeouts (503, the bridge unreachable).
"""

import json
import threading
import time

from harness import (ADMIN, Bridge, JsonClient, LoopbackListener, Scheduler, run_tests,
                     wait_for)

CMS_TIMEOUT_MS = 6000


class SilentListener(LoopbackListener):
    """A TCP listener that accepts every connection, reads what it is sent,
    and never answers: a bridge that hangs."""

    def __init__(self):
        self.requests = 0  # connections that sent something
        self.held = []
        super().__init__()

    def handle(self, connection):
        self.held.append(connection)
        threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection):
        try:
            if connection.recv(4096):
                with self.lock:
                    self.requests += 1
            while connection.recv(4096):
                pass
        except OSError:
            pass

    def seen(self):
        with self.lock:
            return self.requests

    def close(self):
        super().close()
        for connection in self.held:
            connection.close()


def call_in_thread(port, method, path, document, results, key):
    def run():
        client = JsonClient(port)
        started = time.monotonic()
        reply = client.request(method, "/api/v1" + path,
                               body=json.dumps(document),
                               headers={"Content-Type": "application/json"})
        results[key] = (reply, time.monotonic() - started)
        client.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_hanging_bridges_do_not_hold_the_api():
    first, second = SilentListener(), SilentListener()
    bridge = Bridge().start()
    # Two HTTP worker threads: before the fix, two hanging probes took both.
    scheduler = Scheduler(extra=["--threads", "2", "--cms-timeout-ms", str(CMS_TIMEOUT_MS),
                                 "--cms-connect-timeout-ms", "2000"]).start()
    try:
        reply = scheduler.client.call("POST", "/bridges", {
            "address": bridge.url, "username": ADMIN[0], "password": ADMIN[1]})
        assert reply.status == 201, reply
        bridge_id = reply.json()["id"]

        results = {}
        threads = [
            call_in_thread(scheduler.port, "POST", "/bridges", {
                "address": first.url, "username": "u", "password": "p"}, results, "add first"),
            call_in_thread(scheduler.port, "POST", "/bridges", {
                "address": second.url, "username": "u", "password": "p"}, results, "add second"),
            call_in_thread(scheduler.port, "PATCH", "/bridges/" + bridge_id, {
                "address": first.url}, results, "re-check"),
        ]
        # Every probe is under way: both silent bridges have been asked.
        wait_for(lambda: first.seen() >= 2 and second.seen() >= 1, timeout=10,
                 what="the probes to reach the silent bridges")
        assert not results, results  # all three still waiting on the bridges

        slowest = 0.0
        for _ in range(10):
            started = time.monotonic()
            reply = scheduler.client.call("GET", "/bridges")
            elapsed = time.monotonic() - started
            assert reply.status == 200, reply
            slowest = max(slowest, elapsed)
        assert slowest < 0.1, "GET /bridges took %.3f s while bridges hang" % slowest
        reply = scheduler.client.call("GET", "/bridges/" + bridge_id)
        assert reply.status == 200 and reply.json()["address"] == bridge.url, reply

        # The probes end within the CMS timeouts, as unreachable, and the
        # re-check changed nothing.
        for thread in threads:
            thread.join(timeout=CMS_TIMEOUT_MS / 1000 * 3 + 10)
        assert set(results) == {"add first", "add second", "re-check"}, results
        for key, (reply, elapsed) in results.items():
            assert reply.status == 503, (key, reply)
            assert elapsed < CMS_TIMEOUT_MS / 1000 * 3 + 5, (key, elapsed)
        listed = scheduler.client.call("GET", "/bridges").json()
        assert [item["address"] for item in listed] == [bridge.url], listed
    finally:
        scheduler.cleanup()
        bridge.cleanup()
        first.close()
        second.close()


def test_stopping_while_bridges_hang_is_prompt_and_clean():
    silent = SilentListener()
    scheduler = Scheduler(extra=["--threads", "2", "--cms-timeout-ms", "60000"]).start()
    try:
        results = {}
        threads = [call_in_thread(scheduler.port, "POST", "/bridges", {
            "address": silent.url, "username": "u", "password": "p"}, results, key)
            for key in ("one", "two")]
        wait_for(lambda: silent.seen() >= 2, timeout=10, what="both probes under way")
        started = time.monotonic()
        scheduler.stop()  # asserts exit status 0 and no sanitizer report
        assert time.monotonic() - started < 10, "stopping waited for the hanging probes"
        for thread in threads:
            thread.join(timeout=10)
        # Each waiting client got an answer (the cancelled probe), not a reset.
        assert sorted(results) == ["one", "two"], results
        for reply, _ in results.values():
            assert reply.status in (503, 504), reply
    finally:
        scheduler.cleanup()
        silent.close()


if __name__ == "__main__":
    run_tests(globals())
