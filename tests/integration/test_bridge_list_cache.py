"""convene-bridge's cache of rendered collection pages (object_store.c, "the
reply cache") must never show a stale or another query's page. Each test
first reads a listing (so the bridge has it cached), changes the data in
one of the ways the cache must notice, and reads it again:
- a write through the same node (a commit on the very pooled connection
  that cached the page, which PRAGMA data_version does not report; the
  pool hands sequential requests the same connection);
- a write that changes a listing of another type (usageFilter);
- a write through the other node of a shared data directory (another
  process: only data_version reports it);
- a bulk sync, whose worker commits on its own connection, and the sync
  listing whose status the worker changes;
- paging, filter and parent variations of one listing, read in turns and
  in more variations than the cache holds, each checked against what it
  must contain."""

import shutil
import tempfile

import harness
from harness import Bridge, run_tests, wait_for

FINAL = ("complete", "failedCoSpaceUriConflict", "failedCallIdConflict",
         "failedIndexRangeInvalid", "failedIndexRangeTooGreat", "failedNoSuchParameterSet",
         "failed")


def shut(bridge):
    """Stops the node and insists it exited cleanly (the sanitizer build
    runs these tests too)."""
    status = bridge.stop() if bridge.alive() else 0
    log = bridge.log() if bridge.log_path else ""
    bridge.cleanup()
    assert status == 0, "exit status %r:\n%s" % (status, log[-4000:])
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


def listing(bridge, path):
    reply = bridge.client.get(path)
    assert reply.status == 200, (path, reply)
    return reply.xml()


def ids_and_total(bridge, path):
    root = listing(bridge, path)
    return [item.get("id") for item in root], int(root.get("total"))


def names(bridge, path):
    return [item.findtext("name") for item in listing(bridge, path)]


def read_twice(bridge, path):
    """Reads a listing twice (the second answer may come from the cache)
    and insists both are the same bytes."""
    first = bridge.client.get(path)
    second = bridge.client.get(path)
    assert first.status == 200 and second.status == 200, (first, second)
    assert first.body == second.body, (path, first.body, second.body)
    return second.xml()


def test_writes_through_the_same_node_show_at_once():
    bridge = Bridge().start()
    try:
        client = bridge.client
        first = client.create("/coSpaces", {"name": "first", "uri": "first"})
        assert read_twice(bridge, "/coSpaces").get("total") == "1"
        second = client.create("/coSpaces", {"name": "second", "uri": "second"})
        assert ids_and_total(bridge, "/coSpaces") == ([first, second], 2)
        read_twice(bridge, "/coSpaces?limit=1&offset=1")
        assert client.put("/coSpaces/" + second, {"name": "renamed"}).status == 200
        assert names(bridge, "/coSpaces?limit=1&offset=1") == ["renamed"]
        assert names(bridge, "/coSpaces") == ["first", "renamed"]
        assert client.delete("/coSpaces/" + first).status == 200
        assert ids_and_total(bridge, "/coSpaces") == ([second], 1)
        assert ids_and_total(bridge, "/coSpaces?limit=1&offset=1") == ([], 1)

        # A page under a parent (access methods of a space).
        methods = "/coSpaces/%s/accessMethods" % second
        assert read_twice(bridge, methods).get("total") == "0"
        method = client.create(methods, {"name": "guests", "uri": "guests"})
        assert ids_and_total(bridge, methods) == ([method], 1)
        assert client.put(methods + "/" + method, {"uri": "hosts"}).status == 200
        assert [item.findtext("uri") for item in listing(bridge, methods)] == ["hosts"]

        # A listing that depends on another table: a profile becomes
        # referenced when a space (another type) names it.
        profile = client.create("/callLegProfiles", {})
        assert ids_and_total(bridge, "/callLegProfiles?usageFilter=unreferenced") == ([profile], 1)
        assert read_twice(bridge, "/callLegProfiles?usageFilter=referenced").get("total") == "0"
        assert client.put("/coSpaces/" + second, {"callLegProfile": profile}).status == 200
        assert ids_and_total(bridge, "/callLegProfiles?usageFilter=referenced") == ([profile], 1)
        assert ids_and_total(bridge, "/callLegProfiles?usageFilter=unreferenced") == ([], 0)
        assert client.delete("/coSpaces/" + second).status == 200
        assert ids_and_total(bridge, "/callLegProfiles?usageFilter=referenced") == ([], 0)

        # A type with a root attribute of its own (maximum).
        receivers = read_twice(bridge, "/system/cdrReceivers")
        assert receivers.get("total") == "0" and receivers.get("maximum")
        receiver = client.create("/system/cdrReceivers", {"uri": "http://127.0.0.1:9/cdr"})
        after = listing(bridge, "/system/cdrReceivers")
        assert after.get("total") == "1" and after.get("maximum") == receivers.get("maximum")
        assert [item.get("id") for item in after] == [receiver]
    finally:
        shut(bridge)


def test_writes_through_the_other_node_of_a_shared_data_directory_show_at_once():
    shared = tempfile.mkdtemp(prefix="convene-shared-")
    port1, port2 = harness.free_port(), harness.free_port()
    one = Bridge(data_dir=shared, port=port1, name="Core1",
                 peers=["Core2=http://127.0.0.1:%d" % port2])
    two = Bridge(data_dir=shared, port=port2, name="Core2",
                 peers=["Core1=http://127.0.0.1:%d" % port1])
    try:
        one.start()
        two.start()
        first = one.client.create("/coSpaces", {"name": "first", "uri": "first"})
        for path in ("/coSpaces", "/coSpaces?limit=1", "/coSpaces?filter=first"):
            read_twice(one, path)
        read_twice(two, "/coSpaces")

        second = two.client.create("/coSpaces", {"name": "second first", "uri": "second"})
        assert ids_and_total(one, "/coSpaces") == ([first, second], 2)
        assert ids_and_total(one, "/coSpaces?limit=1") == ([first], 2)
        assert ids_and_total(one, "/coSpaces?filter=first") == ([first, second], 2)

        read_twice(one, "/coSpaces")
        assert two.client.put("/coSpaces/" + first,
                              {"name": "renamed on two", "uri": "renamed"}).status == 200
        assert names(one, "/coSpaces") == ["renamed on two", "second first"]
        assert ids_and_total(one, "/coSpaces?filter=first") == ([second], 1)

        read_twice(one, "/coSpaces")
        assert two.client.delete("/coSpaces/" + first).status == 200
        assert ids_and_total(one, "/coSpaces") == ([second], 1)

        # And the other way round, with node two's pages cached.
        read_twice(two, "/coSpaces")
        assert one.client.delete("/coSpaces/" + second).status == 200
        assert ids_and_total(two, "/coSpaces") == ([], 0)
        profile = one.client.create("/callProfiles", {"participantLimit": "3"})
        assert ids_and_total(two, "/callProfiles") == ([profile], 1)
    finally:
        shut(one)
        shut(two)
        shutil.rmtree(shared, ignore_errors=True)


def sync_and_wait(bridge, set_id, **extra):
    """Queues a sync and waits for it through the *listing* of syncs: the
    worker changes its status on its own connection, so a stale cached
    page would never show it complete."""
    sync_id = bridge.client.create("/cospaceBulkSyncs",
                                   [("cospaceBulkParameterSet", set_id)] + list(extra.items()))

    def status():
        for item in listing(bridge, "/cospaceBulkSyncs?limit=100"):
            if item.get("id") == sync_id:
                return item.findtext("status") or ""
        return ""

    final = wait_for(lambda: status() if status() in FINAL else None,
                     timeout=60, what="bulk sync to finish in the listing")
    assert final == "complete", final
    return sync_id


def test_bulk_sync_results_show_at_once():
    bridge = Bridge().start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "30",
            "coSpaceNameMapping": "Bulk $index$",
            "coSpaceUriMapping": "bulk.$index$",
            "coSpaceCallIdMapping": "880$index$"})
        for path in ("/coSpaces", "/coSpaces?limit=5", "/coSpaces?filter=Bulk",
                     "/cospaceBulkSyncs"):
            assert read_twice(bridge, path).get("total") == "0", path
        sync_and_wait(bridge, set_id)
        assert ids_and_total(bridge, "/coSpaces?limit=5")[1] == 30
        assert names(bridge, "/coSpaces?limit=5") == ["Bulk %d" % i for i in range(1, 6)]
        assert listing(bridge, "/coSpaces?filter=Bulk").get("total") == "30"

        # A re-sync of a smaller range deletes spaces.
        read_twice(bridge, "/coSpaces?limit=5&offset=25")
        assert client.put("/cospaceBulkParameterSets/" + set_id, {"endIndex": "10"}).status == 200
        sync_and_wait(bridge, set_id)
        assert ids_and_total(bridge, "/coSpaces?limit=5&offset=25") == ([], 10)
        assert listing(bridge, "/coSpaces").get("total") == "10"
    finally:
        shut(bridge)


def test_paging_and_filter_variations_are_never_confused():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict", "--page-limit", "6"]).start()
    try:
        client = bridge.client
        profile = client.create("/callLegProfiles", {})
        tenant = "11111111-2222-4333-8444-555555555555"
        spaces = []
        for index in range(10):
            fields = {"name": "%s %d" % ("alpha" if index % 2 else "beta", index),
                      "uri": "space.%d" % index}
            if index % 3 == 0:
                fields["callLegProfile"] = profile
            if index % 4 == 0:
                fields["tenant"] = tenant
            spaces.append(client.create("/coSpaces", fields))
        other = client.create("/coSpaces", {"name": "other host", "uri": "other.host"})
        spaces.append(other)
        method_a = client.create("/coSpaces/%s/accessMethods" % spaces[0], {"name": "a"})
        method_b = client.create("/coSpaces/%s/accessMethods" % other, {"name": "b"})

        expected = {
            "/coSpaces": (spaces[:6], 11),
            "/coSpaces?limit=100": (spaces[:6], 11),  # capped by --page-limit
            "/coSpaces?limit=2": (spaces[:2], 11),
            "/coSpaces?limit=2&offset=2": (spaces[2:4], 11),
            "/coSpaces?offset=2&limit=3": (spaces[2:5], 11),
            "/coSpaces?offset=9": (spaces[9:], 11),
            "/coSpaces?filter=alpha": ([spaces[i] for i in (1, 3, 5, 7, 9)], 5),
            "/coSpaces?filter=beta": ([spaces[i] for i in (0, 2, 4, 6, 8)], 5),
            "/coSpaces?filter=alpha&limit=2&offset=1": ([spaces[3], spaces[5]], 5),
            "/coSpaces?filter=": (spaces[:6], 11),
            "/coSpaces?filter=%25": ([], 0),
            "/coSpaces?callLegProfileFilter=" + profile: (spaces[0:10:3], 4),
            "/coSpaces?tenantFilter=" + profile: ([], 0),  # same value, other filter
            "/coSpaces?tenantFilter=" + tenant: (spaces[0:10:4], 3),
            "/coSpaces?tenantFilter=%s&filter=beta 4" % tenant: ([spaces[4]], 1),
            "/coSpaces?tenantFilter=%s&filter=beta 8" % tenant: ([spaces[8]], 1),
            "/callLegProfiles?usageFilter=referenced": ([profile], 1),
            "/callLegProfiles?usageFilter=unreferenced": ([], 0),
            "/callLegProfiles": ([profile], 1),
            "/coSpaces/%s/accessMethods" % spaces[0]: ([method_a], 1),
            "/coSpaces/%s/accessMethods" % spaces[0].upper(): ([method_a], 1),
            "/coSpaces/%s/accessMethods" % other: ([method_b], 1),
            "/coSpaces/%s/accessMethods" % spaces[1]: ([], 0),
        }
        # More variations than the cache holds per connection, read in
        # turns (each one cached, then read again after the others).
        for _ in range(3):
            for path, want in expected.items():
                assert ids_and_total(bridge, path.replace(" ", "%20")) == want, path
        for path in ("/coSpaces?limit=x", "/coSpaces?offset=-1", "/coSpaces?usageFilter=x"):
            assert client.get(path).status == 400, path
        missing = "/coSpaces/00000000-0000-4000-8000-000000000000/accessMethods"
        assert client.get(missing).status == 404
        assert client.get(missing).status == 404
    finally:
        shut(bridge)


if __name__ == "__main__":
    run_tests(globals())
