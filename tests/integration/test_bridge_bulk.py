"""coSpace bulk provisioning over real sockets: /cospaceBulkParameterSets
(create, modify, list with the range filters, get, delete, validation) and
/cospaceBulkSyncs (queueing, status progression, the seed's TMS set, $index$
mappings with escapes, re-sync keeping space IDs, removeAll, conflicts that
leave nothing half-made, every failure status, 10,000 spaces, persistence
across a restart, two nodes on one data directory running each sync once,
and a clean stop in the middle of a sync)."""

import re
import shutil
import tempfile

import harness
from harness import Bridge, run_tests, wait_for

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FINAL = ("complete", "failedCoSpaceUriConflict", "failedCallIdConflict",
         "failedIndexRangeInvalid", "failedIndexRangeTooGreat", "failedNoSuchParameterSet",
         "failed")


def sync_status(client, sync_id):
    reply = client.get("/cospaceBulkSyncs/" + sync_id)
    assert reply.status == 200, reply
    return reply.xml().findtext("status")


def queue_sync(client, set_id, **extra):
    fields = [("cospaceBulkParameterSet", set_id)] + list(extra.items())
    reply = client.post("/cospaceBulkSyncs", fields)
    assert reply.status == 200, reply
    assert reply.body == ""
    location = reply.header("Location")
    assert location.startswith("/api/v1/cospaceBulkSyncs/"), location
    sync_id = location.rsplit("/", 1)[1]
    assert UUID.match(sync_id), sync_id
    return sync_id


def finished(client, sync_id, timeout=60):
    """Waits until the sync ends and returns its final status."""
    def done():
        status = sync_status(client, sync_id)
        return status if status in FINAL else None
    return wait_for(done, timeout=timeout, what="bulk sync %s to finish" % sync_id)


def sync(client, set_id, timeout=60, **extra):
    return finished(client, queue_sync(client, set_id, **extra), timeout)


def spaces_of(client, name_filter):
    """{name: (id, uri, callId)} of every space whose name contains the filter."""
    found = {}
    offset = 0
    while True:
        reply = client.get("/coSpaces?filter=%s&limit=100&offset=%d" % (name_filter, offset))
        assert reply.status == 200, reply
        root = reply.xml()
        for space in root:
            found[space.findtext("name")] = (space.get("id"), space.findtext("uri"),
                                             space.findtext("callId"))
        offset += len(root)
        if len(root) == 0 or offset >= int(root.get("total")):
            return found


def space_total(client):
    return int(client.get("/coSpaces?limit=1").xml().get("total"))


def make_profiles(client):
    call_profile = client.create("/callProfiles", {"participantLimit": "100"})
    leg_profile = client.create("/callLegProfiles", {"needsActivation": "false"})
    return call_profile, leg_profile


def test_parameter_set_create_get_list_modify_delete():
    bridge = Bridge().start()
    try:
        client = bridge.client
        call_profile, leg_profile = make_profiles(client)
        reply = client.post("/cospaceBulkParameterSets", [
            ("startIndex", "1"), ("endIndex", "5"), ("coSpaceUriMapping", ""),
            ("coSpaceNameMapping", "TMS_Scheduled_Meeting_$index$"),
            ("coSpaceCallIdMapping", ""), ("callProfile", call_profile),
            ("callLegProfile", leg_profile), ("nonMemberAccess", "false")])
        assert reply.status == 200, reply
        location = reply.header("Location")
        assert location.startswith("/api/v1/cospaceBulkParameterSets/")
        set_id = location.rsplit("/", 1)[1]
        assert UUID.match(set_id)

        detail = client.get("/cospaceBulkParameterSets/" + set_id)
        assert detail.status == 200 and detail.body.startswith('<?xml version="1.0"?>')
        root = detail.xml()
        assert root.tag == "cospaceBulkParameterSet" and root.get("id") == set_id
        assert root.findtext("startIndex") == "1"
        assert root.findtext("endIndex") == "5"
        assert root.findtext("coSpaceNameMapping") == "TMS_Scheduled_Meeting_$index$"
        assert root.find("coSpaceUriMapping") is None  # sent empty: unset
        assert root.findtext("callProfile") == call_profile
        assert root.findtext("callLegProfile") == leg_profile
        assert root.findtext("nonMemberAccess") == "false"

        second = client.create("/cospaceBulkParameterSets",
                               {"startIndex": "1000", "endIndex": "1005",
                                "coSpaceUriMapping": "room.$index$"})
        assert client.get("/cospaceBulkParameterSets/" + second).xml().findtext(
            "nonMemberAccess") == "true"
        listing = client.get("/cospaceBulkParameterSets").xml()
        assert listing.tag == "cospaceBulkParameterSets" and listing.get("total") == "2"
        assert [item.get("id") for item in listing] == [set_id, second]
        assert [child.tag for child in listing[1]] == ["startIndex", "endIndex"]
        narrowed = client.get("/cospaceBulkParameterSets?startIndex=100").xml()
        assert narrowed.get("total") == "1" and narrowed[0].get("id") == second
        narrowed = client.get("/cospaceBulkParameterSets?endIndex=10").xml()
        assert narrowed.get("total") == "1" and narrowed[0].get("id") == set_id
        narrowed = client.get("/cospaceBulkParameterSets?startIndex=1&endIndex=1005").xml()
        assert narrowed.get("total") == "2"
        paged = client.get("/cospaceBulkParameterSets?limit=1&offset=1").xml()
        assert paged.get("total") == "2" and [i.get("id") for i in paged] == [second]
        bad = client.get("/cospaceBulkParameterSets?startIndex=x")
        assert bad.status == 400 and bad.xml()[0].get("parameter") == "startIndex"

        assert client.put("/cospaceBulkParameterSets/" + set_id,
                          {"endIndex": "9", "coSpaceUriMapping": "tms.$index$"}).status == 200
        root = client.get("/cospaceBulkParameterSets/" + set_id).xml()
        assert root.findtext("endIndex") == "9"
        assert root.findtext("coSpaceUriMapping") == "tms.$index$"
        assert root.findtext("startIndex") == "1"  # omitted: unchanged
        assert client.put("/cospaceBulkParameterSets/" + set_id,
                          {"callProfile": ""}).status == 200
        assert client.get("/cospaceBulkParameterSets/" + set_id).xml().find(
            "callProfile") is None

        assert client.delete("/cospaceBulkParameterSets/" + set_id).status == 200
        for method in (client.get, client.delete):
            missing = method("/cospaceBulkParameterSets/" + set_id)
            assert missing.status == 404
            assert missing.xml().find("cospaceBulkParameterSetDoesNotExist") is not None
        missing = client.put("/cospaceBulkParameterSets/" + set_id, {"endIndex": "3"})
        assert missing.status == 404
        assert client.get("/cospaceBulkParameterSets/not-an-id").status == 404
        assert client.get("/cospaceBulkParameterSets").xml().get("total") == "1"

        trace = bridge.trace()
        assert 'API user "admin" created new coSpace bulk parameter set %s' % set_id in trace
        assert 'deleted coSpace bulk parameter set %s' % set_id in trace
    finally:
        bridge.cleanup()


def test_parameter_set_validation_names_the_field():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = Bridge(extra=["--strict"]).start()
    try:
        client = bridge.client
        base = {"startIndex": "1", "endIndex": "3"}
        cases = [
            ({"endIndex": "3"}, "startIndex"),
            ({"startIndex": "1"}, "endIndex"),
            (dict(base, startIndex="-1"), "startIndex"),
            (dict(base, endIndex="ten"), "endIndex"),
            (dict(base, coSpaceUriMapping="$index$@example.com"), "coSpaceUriMapping"),
            (dict(base, coSpaceUriMapping="room$id$"), "coSpaceUriMapping"),
            (dict(base, coSpaceNameMapping="costs $5"), "coSpaceNameMapping"),
            (dict(base, coSpaceNameMapping="a\\b"), "coSpaceNameMapping"),
            (dict(base, coSpaceCallIdMapping="$index$$index$"), "coSpaceCallIdMapping"),
            (dict(base, coSpaceCallIdMapping="7\\"), "coSpaceCallIdMapping"),
            (dict(base, nonMemberAccess="yes"), "nonMemberAccess"),
            (dict(base, tenant="not-a-uuid"), "tenant"),
            (dict(base, bogus="1"), "bogus"),
        ]
        for fields, parameter in cases:
            reply = client.post("/cospaceBulkParameterSets", fields)
            assert reply.status == 400, (fields, reply)
            error = reply.xml().find("parameterError")
            assert error is not None and error.get("parameter") == parameter, (fields, reply)
        missing_profile = client.post("/cospaceBulkParameterSets", dict(
            base, callProfile="00000000-0000-4000-8000-000000000000"))
        assert missing_profile.status == 400
        assert missing_profile.xml().find("callProfileDoesNotExist") is not None
        missing_profile = client.post("/cospaceBulkParameterSets", dict(
            base, callLegProfile="00000000-0000-4000-8000-000000000000"))
        assert missing_profile.xml().find("callLegProfileDoesNotExist") is not None
        assert client.get("/cospaceBulkParameterSets").xml().get("total") == "0"

        set_id = client.create("/cospaceBulkParameterSets", base)
        for fields, parameter in (({"startIndex": ""}, "startIndex"),
                                  ({"coSpaceUriMapping": "$"}, "coSpaceUriMapping")):
            reply = client.put("/cospaceBulkParameterSets/" + set_id, fields)
            assert reply.status == 400, reply
            assert reply.xml().find("parameterError").get("parameter") == parameter
        assert client.put("/cospaceBulkParameterSets/" + set_id,
                          {"nonMemberAccess": ""}).status == 200
        assert client.get("/cospaceBulkParameterSets/" + set_id).xml().findtext(
            "nonMemberAccess") == "true"
    finally:
        bridge.cleanup()


def test_seed_parameter_set_makes_tms_spaces():
    bridge = Bridge().start()
    try:
        client = bridge.client
        call_profile, leg_profile = make_profiles(client)
        set_id = client.create("/cospaceBulkParameterSets", [
            ("startIndex", "1"), ("endIndex", "5"), ("coSpaceUriMapping", "$index$"),
            ("coSpaceNameMapping", "TMS_Scheduled_Meeting_$index$"),
            ("coSpaceCallIdMapping", "$index$"), ("callProfile", call_profile),
            ("callLegProfile", leg_profile), ("nonMemberAccess", "false")])
        sync_id = queue_sync(client, set_id)
        assert finished(client, sync_id) == "complete"
        detail = client.get("/cospaceBulkSyncs/" + sync_id)
        root = detail.xml()
        assert root.tag == "cospaceBulkSync" and root.get("id") == sync_id
        assert [child.tag for child in root] == ["cospaceBulkParameterSet", "status", "removeAll"]
        assert root.findtext("cospaceBulkParameterSet") == set_id
        assert root.findtext("removeAll") == "false"

        spaces = spaces_of(client, "TMS_Scheduled_Meeting_")
        assert sorted(spaces) == ["TMS_Scheduled_Meeting_%d" % i for i in range(1, 6)]
        secrets = set()
        for index in range(1, 6):
            space_id, uri, call_id = spaces["TMS_Scheduled_Meeting_%d" % index]
            assert (uri, call_id) == (str(index), str(index))
            space = client.get("/coSpaces/" + space_id).xml()
            assert space.findtext("name") == "TMS_Scheduled_Meeting_%d" % index
            assert space.findtext("callProfile") == call_profile
            assert space.findtext("callLegProfile") == leg_profile
            assert space.findtext("nonMemberAccess") == "false"
            assert space.findtext("secret")
            secrets.add(space.findtext("secret"))
        assert len(secrets) == 5
        assert space_total(client) == 5

        trace = bridge.trace()
        assert 'API user "admin" created new coSpace bulk sync %s' % sync_id in trace
        assert "Location: /api/v1/cospaceBulkSyncs/%s" % sync_id in trace
    finally:
        bridge.cleanup()


def test_mappings_with_escapes_and_an_inclusive_range():
    bridge = Bridge().start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "98", "endIndex": "101",
            "coSpaceNameMapping": "Room \\$$index$ \\\\ east",
            "coSpaceUriMapping": "room.$index$.\\$x",
            "coSpaceCallIdMapping": "55$index$0"})
        assert sync(client, set_id) == "complete"
        spaces = spaces_of(client, "Room")
        assert sorted(spaces) == sorted("Room $%d \\ east" % i for i in range(98, 102))
        for index in range(98, 102):
            _, uri, call_id = spaces["Room $%d \\ east" % index]
            assert uri == "room.%d.$x" % index
            assert call_id == "55%d0" % index
        assert space_total(client) == 4
    finally:
        bridge.cleanup()


def test_resync_keeps_ids_of_surviving_spaces_and_drops_the_rest():
    bridge = Bridge().start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "10", "coSpaceNameMapping": "Meeting $index$",
            "coSpaceUriMapping": "$index$", "coSpaceCallIdMapping": "9$index$"})
        assert sync(client, set_id) == "complete"
        before = spaces_of(client, "Meeting")
        assert len(before) == 10
        secret_of_5 = client.get("/coSpaces/" + before["Meeting 5"][0]).xml().findtext("secret")
        # A scheduler renames a space it uses and opens it up.
        used = before["Meeting 5"][0]
        assert client.put("/coSpaces/" + used, {"name": "Board meeting",
                                                "nonMemberAccess": "true"}).status == 200

        assert client.put("/cospaceBulkParameterSets/" + set_id,
                          {"startIndex": "4", "endIndex": "14"}).status == 200
        assert sync(client, set_id) == "complete"
        after = spaces_of(client, "Meeting")
        assert sorted(after) == sorted("Meeting %d" % i for i in range(4, 15))
        for index in range(4, 11):
            assert after["Meeting %d" % index][0] == before["Meeting %d" % index][0], index
        for index in range(1, 4):
            gone = client.get("/coSpaces/" + before["Meeting %d" % index][0])
            assert gone.status == 404 and gone.xml().find("coSpaceDoesNotExist") is not None
        space = client.get("/coSpaces/" + used).xml()
        assert space.findtext("name") == "Meeting 5"  # the set's mapping again
        assert space.findtext("secret") == secret_of_5  # kept: links keep working
        assert space_total(client) == 11

        # New mappings that move a value between the set's own spaces: index
        # i now gets "i0", so index 1 takes "10", which index 10 holds.
        assert client.put("/cospaceBulkParameterSets/" + set_id,
                          {"coSpaceUriMapping": "$index$0", "startIndex": "1",
                           "endIndex": "14"}).status == 200
        assert sync(client, set_id) == "complete"
        moved = spaces_of(client, "Meeting")
        assert len(moved) == 14
        for index in range(4, 15):
            assert moved["Meeting %d" % index][0] == after["Meeting %d" % index][0]
            assert moved["Meeting %d" % index][1] == "%d0" % index
        assert moved["Meeting 1"][1] == "10"  # held by old index 10 before this sync
    finally:
        bridge.cleanup()


def test_remove_all_removes_every_space_of_the_set_only():
    bridge = Bridge().start()
    try:
        client = bridge.client
        own = client.create("/coSpaces", {"name": "Keep me", "uri": "keep"})
        first = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "20", "coSpaceNameMapping": "First $index$"})
        second = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "3", "coSpaceNameMapping": "Second $index$"})
        assert sync(client, first) == "complete"
        assert sync(client, second) == "complete"
        assert space_total(client) == 24
        sync_id = queue_sync(client, first, removeAll="true")
        assert finished(client, sync_id) == "complete"
        assert client.get("/cospaceBulkSyncs/" + sync_id).xml().findtext("removeAll") == "true"
        assert spaces_of(client, "First") == {}
        assert len(spaces_of(client, "Second")) == 3
        assert client.get("/coSpaces/" + own).status == 200
        assert space_total(client) == 4
        # The set is still there and can make its spaces again.
        assert sync(client, first) == "complete"
        assert len(spaces_of(client, "First")) == 20
    finally:
        bridge.cleanup()


def test_conflicts_fail_the_sync_and_leave_nothing_half_made():
    bridge = Bridge().start()
    try:
        client = bridge.client
        client.create("/coSpaces", {"name": "Existing", "uri": "703", "callId": "8803"})
        uri_set = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "5", "coSpaceNameMapping": "Clash $index$",
            "coSpaceUriMapping": "70$index$"})
        assert sync(client, uri_set) == "failedCoSpaceUriConflict"
        assert spaces_of(client, "Clash") == {}
        assert space_total(client) == 1

        id_set = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "5", "coSpaceNameMapping": "IdClash $index$",
            "coSpaceUriMapping": "id.$index$", "coSpaceCallIdMapping": "880$index$"})
        assert sync(client, id_set) == "failedCallIdConflict"
        assert space_total(client) == 1

        # An access method's URI is taken as well.
        holder = client.create("/coSpaces", {"name": "Holder"})
        client.create("/coSpaces/%s/accessMethods" % holder, {"uri": "am.2"})
        am_set = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "3", "coSpaceUriMapping": "am.$index$"})
        assert sync(client, am_set) == "failedCoSpaceUriConflict"
        assert space_total(client) == 2

        # A re-sync that would clash keeps the spaces of the last good sync,
        # including the ones the new range would have dropped.
        good = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "4", "coSpaceNameMapping": "Good $index$",
            "coSpaceUriMapping": "good.$index$"})
        assert sync(client, good) == "complete"
        before = spaces_of(client, "Good")
        client.create("/coSpaces", {"name": "Squatter", "uri": "good.9"})
        assert client.put("/cospaceBulkParameterSets/" + good,
                          {"startIndex": "3", "endIndex": "9"}).status == 200
        assert sync(client, good) == "failedCoSpaceUriConflict"
        after = spaces_of(client, "Good")  # the filter matches the squatter's URI too
        assert after.pop("Squatter")[1] == "good.9"
        assert after == before

        # A mapping without $index$ gives every space the same URI.
        constant = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "2", "coSpaceUriMapping": "same"})
        assert sync(client, constant) == "failedCoSpaceUriConflict"
        single = client.create("/cospaceBulkParameterSets", {
            "startIndex": "7", "endIndex": "7", "coSpaceUriMapping": "only-one",
            "coSpaceCallIdMapping": "4242"})
        assert sync(client, single) == "complete"
    finally:
        bridge.cleanup()


def test_every_failure_status():
    bridge = Bridge().start()
    try:
        client = bridge.client
        reversed_set = client.create("/cospaceBulkParameterSets",
                                     {"startIndex": "10", "endIndex": "9"})
        assert sync(client, reversed_set) == "failedIndexRangeInvalid"
        huge = client.create("/cospaceBulkParameterSets",
                             {"startIndex": "0", "endIndex": "5000000"})
        assert sync(client, huge) == "failedIndexRangeTooGreat"
        assert sync(client, "0b6f4f15-0000-4000-8000-000000000001") == \
            "failedNoSuchParameterSet"
        deleted = client.create("/cospaceBulkParameterSets", {"startIndex": "1", "endIndex": "2"})
        assert client.delete("/cospaceBulkParameterSets/" + deleted).status == 200
        assert sync(client, deleted) == "failedNoSuchParameterSet"
        assert space_total(client) == 0

        bad = client.post("/cospaceBulkSyncs", {"cospaceBulkParameterSet": "nope"})
        assert bad.status == 400
        assert bad.xml().find("parameterError").get("parameter") == "cospaceBulkParameterSet"
        bad = client.post("/cospaceBulkSyncs", {})
        assert bad.status == 400
        bad = client.post("/cospaceBulkSyncs", {"cospaceBulkParameterSet": reversed_set,
                                                "removeAll": "maybe"})
        assert bad.status == 400
        assert bad.xml().find("parameterError").get("parameter") == "removeAll"
        bad = client.post("/cospaceBulkSyncs", {"cospaceBulkParameterSet": reversed_set,
                                                "status": "complete"})
        assert bad.status == 400
    finally:
        bridge.cleanup()


def test_sync_listing_and_unsupported_methods():
    bridge = Bridge().start()
    try:
        client = bridge.client
        first = client.create("/cospaceBulkParameterSets", {"startIndex": "1", "endIndex": "2"})
        second = client.create("/cospaceBulkParameterSets", {"startIndex": "5", "endIndex": "6"})
        syncs = [queue_sync(client, first), queue_sync(client, second),
                 queue_sync(client, first, removeAll="true")]
        for sync_id in syncs:
            assert finished(client, sync_id) == "complete"
        listing = client.get("/cospaceBulkSyncs").xml()
        assert listing.tag == "cospaceBulkSyncs" and listing.get("total") == "3"
        assert [item.get("id") for item in listing] == syncs
        assert listing[0].findtext("cospaceBulkParameterSet") == first
        assert listing[0].findtext("status") == "complete"
        emptied = queue_sync(client, second, removeAll="")
        assert finished(client, emptied) == "complete"
        assert client.get("/cospaceBulkSyncs/" + emptied).xml().findtext("removeAll") == "false"
        assert client.delete("/cospaceBulkSyncs/" + emptied).status == 405
        syncs_total = 4
        narrowed = client.get("/cospaceBulkSyncs?cospaceBulkParameterSet=" + first).xml()
        assert syncs_total == int(client.get("/cospaceBulkSyncs").xml().get("total"))
        assert narrowed.get("total") == "2"
        assert [item.get("id") for item in narrowed] == [syncs[0], syncs[2]]
        paged = client.get("/cospaceBulkSyncs?limit=1&offset=2").xml()
        assert paged.get("total") == "4" and [i.get("id") for i in paged] == [syncs[2]]

        assert client.put("/cospaceBulkSyncs/" + syncs[0], {"removeAll": "true"}).status == 405
        assert client.delete("/cospaceBulkSyncs/" + syncs[0]).status == 405
        missing = client.get("/cospaceBulkSyncs/5dd4ccc0-ed58-4ef5-97be-04dfe9937785")
        assert missing.status == 404
        assert missing.xml().find("cospaceBulkSyncDoesNotExist") is not None
        assert client.get("/COSPACEBULKSYNCS/").status == 200
    finally:
        bridge.cleanup()


def test_status_moves_from_pending_to_running_to_complete():
    bridge = Bridge(extra=["--bulk-sync-hold-ms", "1500"]).start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "50", "coSpaceNameMapping": "Slow $index$"})
        sync_id = queue_sync(client, set_id)
        seen = [sync_status(client, sync_id)]

        def progressed():
            status = sync_status(client, sync_id)
            if status != seen[-1]:
                seen.append(status)
            return status in FINAL
        wait_for(progressed, timeout=30, what="the sync to finish")
        assert seen == ["pending", "running", "complete"], seen
        assert len(spaces_of(client, "Slow")) == 50
    finally:
        bridge.cleanup()


def test_ten_thousand_spaces():
    bridge = Bridge().start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", [
            ("startIndex", "1"), ("endIndex", "10000"), ("coSpaceUriMapping", "$index$"),
            ("coSpaceNameMapping", "TMS_Scheduled_Meeting_$index$"),
            ("coSpaceCallIdMapping", "$index$"), ("nonMemberAccess", "false")])
        assert sync(client, set_id, timeout=120) == "complete"
        assert space_total(client) == 10000
        page = client.get("/coSpaces?filter=TMS_Scheduled_Meeting_10000").xml()
        assert page.get("total") == "1"
        assert page[0].findtext("uri") == "10000" and page[0].findtext("callId") == "10000"
        # The spaces are written many rows per statement (256, then 16, then
        # 1): each index, at either side of a batch's edge, has its own values.
        for index in (1, 256, 257, 9984, 9985, 9999):
            name = "TMS_Scheduled_Meeting_%d" % index
            found = [space for space in client.get("/coSpaces?filter=" + name).xml()
                     if space.findtext("name") == name]
            assert len(found) == 1, index
            assert found[0].findtext("uri") == str(index), index
            assert found[0].findtext("callId") == str(index), index
        # A re-sync of the same range touches every space and keeps them all.
        first_id = page[0].get("id")
        assert sync(client, set_id, timeout=120) == "complete"
        assert space_total(client) == 10000
        assert client.get("/coSpaces/" + first_id).status == 200
    finally:
        bridge.cleanup()


def test_sets_syncs_and_spaces_survive_a_restart():
    bridge = Bridge().start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "3", "coSpaceNameMapping": "Kept $index$",
            "coSpaceUriMapping": "kept.$index$"})
        sync_id = queue_sync(client, set_id)
        assert finished(client, sync_id) == "complete"
        before = spaces_of(client, "Kept")
        assert bridge.stop() == 0
        bridge.start()
        assert sync_status(client, sync_id) == "complete"
        assert client.get("/cospaceBulkParameterSets/" + set_id).xml().findtext(
            "coSpaceUriMapping") == "kept.$index$"
        assert spaces_of(client, "Kept") == before
        assert sync(client, set_id) == "complete"
        assert spaces_of(client, "Kept") == before
    finally:
        bridge.cleanup()


def test_stop_during_a_sync_is_clean_and_the_sync_runs_after_restart():
    bridge = Bridge(extra=["--bulk-sync-hold-ms", "3000"]).start()
    try:
        client = bridge.client
        set_id = client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "4", "coSpaceNameMapping": "Later $index$"})
        sync_id = queue_sync(client, set_id)
        wait_for(lambda: sync_status(client, sync_id) == "running", timeout=30,
                 what="the sync to start")
        assert bridge.stop() == 0
        bridge.start()
        assert finished(client, sync_id) == "complete"
        assert len(spaces_of(client, "Later")) == 4
    finally:
        bridge.cleanup()


def test_two_nodes_on_one_data_directory_run_each_sync_once():
    shared = tempfile.mkdtemp(prefix="convene-bulk-cluster-")
    port1, port2 = harness.free_port(), harness.free_port()
    # Node 1 holds its syncs back, so node 2 picks up what node 1 queued.
    core1 = Bridge(data_dir=shared, port=port1, name="Core1",
                   peers=["Core2=http://127.0.0.1:%d" % port2],
                   extra=["--bulk-sync-hold-ms", "4000"])
    core2 = Bridge(data_dir=shared, port=port2, name="Core2",
                   peers=["Core1=http://127.0.0.1:%d" % port1])
    try:
        core1.start()
        core2.start()
        set_id = core1.client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "6", "coSpaceNameMapping": "Shared $index$",
            "coSpaceUriMapping": "shared.$index$"})
        sync_id = queue_sync(core1.client, set_id)
        assert sync_status(core2.client, sync_id) in ("pending", "running", "complete")
        assert finished(core2.client, sync_id) == "complete"
        assert finished(core1.client, sync_id) == "complete"
        assert len(spaces_of(core1.client, "Shared")) == 6
        assert spaces_of(core1.client, "Shared") == spaces_of(core2.client, "Shared")
        assert "bulk sync %s: complete" % sync_id in core2.log()

        # Many syncs queued through both nodes: each runs exactly once.
        core1.stop()
        core1 = Bridge(data_dir=shared, port=port1, name="Core1",
                       peers=["Core2=http://127.0.0.1:%d" % port2])
        core1.start()
        sets = [core1.client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "200", "coSpaceNameMapping": "Set%d-$index$" % n,
            "coSpaceUriMapping": "s%d.$index$" % n}) for n in range(3)]
        queued = []
        for round_number in range(4):
            for n, one_set in enumerate(sets):
                node = core1 if (round_number + n) % 2 else core2
                queued.append(queue_sync(node.client, one_set))
        for sync_id in queued:
            assert finished(core1.client, sync_id) == "complete", sync_id
        logs = core1.log() + core2.log()
        for sync_id in queued:
            assert logs.count("bulk sync %s: complete" % sync_id) == 1, sync_id
        assert space_total(core2.client) == 6 + 600
    finally:
        core1.cleanup()
        core2.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


def test_a_sync_whose_node_died_is_taken_over():
    shared = tempfile.mkdtemp(prefix="convene-bulk-takeover-")
    port1, port2 = harness.free_port(), harness.free_port()
    doomed = Bridge(data_dir=shared, port=port1, name="Core1",
                    peers=["Core2=http://127.0.0.1:%d" % port2],
                    extra=["--bulk-sync-hold-ms", "1000"])
    survivor = Bridge(data_dir=shared, port=port2, name="Core2",
                      peers=["Core1=http://127.0.0.1:%d" % port1])
    try:
        doomed.start()
        set_id = doomed.client.create("/cospaceBulkParameterSets", {
            "startIndex": "1", "endIndex": "3", "coSpaceNameMapping": "Orphan $index$"})
        sync_id = queue_sync(doomed.client, set_id)
        wait_for(lambda: sync_status(doomed.client, sync_id) == "running", timeout=30,
                 what="node 1 to claim the sync")
        doomed.kill()
        survivor.start()
        assert sync_status(survivor.client, sync_id) == "running"
        # The claim expires 10 s after node 1's hold; node 2 then runs it.
        assert finished(survivor.client, sync_id, timeout=60) == "complete"
        assert "bulk sync %s: complete" % sync_id in survivor.log()
        assert len(spaces_of(survivor.client, "Orphan")) == 3
    finally:
        doomed.cleanup()
        survivor.cleanup()
        shutil.rmtree(shared, ignore_errors=True)


if __name__ == "__main__":
    run_tests(globals())
