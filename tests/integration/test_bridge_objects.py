"""convene-bridge configuration objects over real sockets: call profiles,
call leg profiles, spaces (coSpaces), access methods, outbound dial plan
rules and CDR receivers. Create, modify (PUT: omitted = unchanged, empty =
unset), list (paging, filters), get, delete; every failure reason the
bridge gives for them; URI and call ID uniqueness; references that must
exist; persistence across a restart; two nodes on one data directory; the
trace's passcode masking and audit lines."""

import re
import shutil
import tempfile
import threading

import harness
from harness import Bridge, run_tests

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MISSING = "00000000-0000-4000-8000-000000000000"


def started(**kwargs):
    return Bridge(**kwargs).start()


def shut(bridge):
    """Stops the node and insists it exited cleanly: status 0 and no
    sanitizer report (the sanitizer build runs these tests too)."""
    status = bridge.stop() if bridge.alive() else 0
    log = bridge.log() if bridge.log_path else ""
    bridge.cleanup()
    assert status == 0, "exit status %r:\n%s" % (status, log[-4000:])
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


def create(bridge, path, fields, location_path=None):
    reply = bridge.client.post(path, fields)
    assert reply.status == 200, (path, fields, reply)
    assert reply.body == "", reply
    location = reply.header("Location")
    expected = r"^/api/v1%s/(%s)$" % (re.escape(location_path or path), UUID)
    match = re.match(expected, location or "")
    assert match, (location, expected)
    return match.group(1)


def get_xml(bridge, path):
    reply = bridge.client.get(path)
    assert reply.status == 200, (path, reply)
    assert reply.header("Content-Type").startswith("text/xml"), reply.headers
    assert reply.body.startswith('<?xml version="1.0"?>'), reply.body
    return reply.xml()


def children(element):
    return [child.tag for child in element]


def assert_failure(reply, status, reason):
    assert reply.status == status, (status, reason, reply)
    root = reply.xml()
    assert root.tag == "failureDetails", reply.body
    assert root.find(reason) is not None, (reason, reply.body)


def assert_parameter_error(reply, parameter):
    assert reply.status == 400, reply
    root = reply.xml()
    assert root.tag == "failureDetails", reply.body
    error = root.find("parameterError")
    assert error is not None, reply.body
    assert error.get("parameter") == parameter, (parameter, reply.body)
    assert error.get("error"), reply.body


# --- call profiles -----------------------------------------------------------

def test_call_profile_lifecycle():
    bridge = started()
    try:
        profile = create(bridge, "/callProfiles",
                         {"participantLimit": "1000", "messageBoardEnabled": "false"})
        detail = get_xml(bridge, "/callProfiles/" + profile)
        assert detail.tag == "callProfile" and detail.get("id") == profile
        assert detail.findtext("participantLimit") == "1000"
        assert detail.findtext("messageBoardEnabled") == "false"
        assert detail.findtext("recordingMode") == "manual"  # the blueprint's default
        assert detail.findtext("streamingMode") == "manual"
        assert detail.find("locked") is None

        # PUT: omitted stays, given changes, empty unsets.
        assert bridge.client.put("/callProfiles/" + profile,
                                 {"locked": "true", "lockMode": "needsActivation"}).status == 200
        detail = get_xml(bridge, "/callProfiles/" + profile)
        assert detail.findtext("locked") == "true"
        assert detail.findtext("participantLimit") == "1000"
        assert bridge.client.put("/callProfiles/" + profile, {"participantLimit": ""}).status == 200
        detail = get_xml(bridge, "/callProfiles/" + profile)
        assert detail.find("participantLimit") is None
        assert detail.findtext("lockMode") == "needsActivation"
        assert bridge.client.put("/callProfiles/" + profile,
                                 {"recordingMode": "disabled"}).status == 200
        assert get_xml(bridge, "/callProfiles/" + profile).findtext("recordingMode") == "disabled"
        assert bridge.client.put("/callProfiles/" + profile, {"recordingMode": ""}).status == 200
        assert get_xml(bridge, "/callProfiles/" + profile).findtext("recordingMode") == "manual"

        listing = get_xml(bridge, "/callProfiles")
        assert listing.tag == "callProfiles" and listing.get("total") == "1"
        assert [item.get("id") for item in listing] == [profile]

        assert bridge.client.delete("/callProfiles/" + profile).status == 200
        assert_failure(bridge.client.get("/callProfiles/" + profile), 404, "callProfileDoesNotExist")
        assert_failure(bridge.client.delete("/callProfiles/" + profile), 404,
                       "callProfileDoesNotExist")
        assert_failure(bridge.client.put("/callProfiles/" + profile, {"locked": "true"}), 404,
                       "callProfileDoesNotExist")
        assert get_xml(bridge, "/callProfiles").get("total") == "0"
    finally:
        shut(bridge)


def test_call_profile_bad_input():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = started(extra=["--strict"])
    try:
        for fields, parameter in (({"participantLimit": "many"}, "participantLimit"),
                                  ({"participantLimit": "-1"}, "participantLimit"),
                                  ({"locked": "yes"}, "locked"),
                                  ({"recordingMode": "sometimes"}, "recordingMode"),
                                  ({"noSuchParameter": "1"}, "noSuchParameter")):
            assert_parameter_error(bridge.client.post("/callProfiles", fields), parameter)
        assert get_xml(bridge, "/callProfiles").get("total") == "0"  # nothing half-made
        for bad_id in ("not-a-uuid", "1234", MISSING):
            assert_failure(bridge.client.get("/callProfiles/" + bad_id), 404,
                           "callProfileDoesNotExist")
        reply = bridge.client.request("PATCH", "/api/v1/callProfiles")
        assert_failure(reply, 405, "invalidOperation")
        assert_failure(bridge.client.put("/callProfiles", {}), 405, "invalidOperation")
    finally:
        shut(bridge)


# --- call leg profiles ---------------------------------------------------------

SEED_CALL_LEG_PROFILE = [("defaultLayout", "telepresence"), ("changeLayoutAllowed", "true"),
                         ("presentationContributionAllowed", "true"),
                         ("presentationViewingAllowed", "true"), ("muteSelfAllowed", "true"),
                         ("videoMuteSelfAllowed", "true")]


def test_call_leg_profile_lifecycle_and_usage_filter():
    bridge = started()
    try:
        used = create(bridge, "/callLegProfiles", SEED_CALL_LEG_PROFILE)
        unused = create(bridge, "/callLegProfiles",
                        {"name": "guests", "needsActivation": "true",
                         "joinToneParticipantThreshold": "100", "qualityMain": "max720p30",
                         "participantCounter": "always"})
        detail = get_xml(bridge, "/callLegProfiles/" + used)
        for name, value in SEED_CALL_LEG_PROFILE:
            assert detail.findtext(name) == value, name
        assert detail.find("needsActivation") is None  # unset: inherited
        assert children(detail) == ["defaultLayout", "changeLayoutAllowed",
                                    "presentationContributionAllowed",
                                    "presentationViewingAllowed", "muteSelfAllowed",
                                    "videoMuteSelfAllowed"]
        listing = get_xml(bridge, "/callLegProfiles")
        assert listing.get("total") == "2"
        assert [item.get("id") for item in listing] == [used, unused]
        assert listing[1].findtext("needsActivation") == "true"

        assert_parameter_error(bridge.client.post("/callLegProfiles",
                                                  {"joinToneParticipantThreshold": "101"}),
                               "joinToneParticipantThreshold")
        assert_parameter_error(bridge.client.post("/callLegProfiles", {"defaultLayout": "grid"}),
                               "defaultLayout")
        assert bridge.client.put("/callLegProfiles/" + unused,
                                 {"needsActivation": "", "name": "renamed"}).status == 200
        detail = get_xml(bridge, "/callLegProfiles/" + unused)
        assert detail.find("needsActivation") is None
        assert detail.findtext("name") == "renamed"
        assert detail.findtext("qualityMain") == "max720p30"

        create(bridge, "/coSpaces", {"name": "uses a profile", "callLegProfile": used})
        referenced = get_xml(bridge, "/callLegProfiles?usageFilter=referenced")
        assert referenced.get("total") == "1" and referenced[0].get("id") == used
        unreferenced = get_xml(bridge, "/callLegProfiles?usageFilter=unreferenced")
        assert unreferenced.get("total") == "1" and unreferenced[0].get("id") == unused
        assert_parameter_error(bridge.client.get("/callLegProfiles?usageFilter=sometimes"),
                               "usageFilter")
        assert bridge.client.delete("/callLegProfiles/" + unused).status == 200
        assert_failure(bridge.client.get("/callLegProfiles/" + unused), 404,
                       "callLegProfileDoesNotExist")
    finally:
        shut(bridge)


# --- spaces ------------------------------------------------------------------

def test_space_create_get_list_elements():
    bridge = started()
    try:
        call_profile = create(bridge, "/callProfiles", {"participantLimit": "10"})
        leg_profile = create(bridge, "/callLegProfiles", {"needsActivation": "false"})
        space = create(bridge, "/coSpaces",
                       [("name", "Sales space"), ("uri", "sales.space"), ("callId", "4455"),
                        ("passcode", "1234"), ("callProfile", call_profile),
                        ("callLegProfile", leg_profile), ("defaultLayout", "allEqual"),
                        ("cdrTag", "sales"), ("meetingScheduler", "Ann")])
        detail = get_xml(bridge, "/coSpaces/" + space)
        assert detail.tag == "coSpace" and detail.get("id") == space
        assert detail.findtext("name") == "Sales space"
        assert detail.findtext("autoGenerated") == "false"
        assert detail.findtext("uri") == "sales.space"
        assert detail.findtext("callId") == "4455"
        assert detail.findtext("passcode") == "1234"
        assert detail.findtext("callProfile") == call_profile
        assert detail.findtext("callLegProfile") == leg_profile
        assert detail.findtext("defaultLayout") == "allEqual"
        assert detail.findtext("cdrTag") == "sales"
        assert detail.findtext("meetingScheduler") == "Ann"
        assert detail.findtext("nonMemberAccess") == "true"  # the default
        secret = detail.findtext("secret")
        assert secret and len(secret) >= 16, secret
        assert detail.find("requireCallId") is None
        assert children(detail)[:5] == ["name", "autoGenerated", "uri", "callId", "cdrTag"]

        listing = get_xml(bridge, "/coSpaces")
        assert listing.tag == "coSpaces" and listing.get("total") == "1"
        item = listing[0]
        assert item.tag == "coSpace" and item.get("id") == space
        assert children(item) == ["name", "autoGenerated", "uri", "callId"]

        # IDs are accepted in upper case; paths case-insensitively.
        assert get_xml(bridge, "/COSPACES/" + space.upper()).get("id") == space
        assert bridge.client.request("GET", "/api/v1/cospaces/%s/" % space).status == 200
    finally:
        shut(bridge)


def test_space_put_semantics_and_secrets():
    bridge = started()
    try:
        space = create(bridge, "/coSpaces", {"name": "Board", "uri": "board", "callId": "100",
                                             "passcode": "999", "secret": "given-secret"})
        assert get_xml(bridge, "/coSpaces/" + space).findtext("secret") == "given-secret"
        assert bridge.client.put("/coSpaces/" + space, {"name": "Board 2"}).status == 200
        detail = get_xml(bridge, "/coSpaces/" + space)
        assert detail.findtext("name") == "Board 2"
        assert detail.findtext("uri") == "board" and detail.findtext("callId") == "100"
        assert detail.findtext("passcode") == "999"
        assert detail.findtext("secret") == "given-secret"

        # Empty unsets; nonMemberAccess toggles; regenerateSecret replaces the secret.
        assert bridge.client.put("/coSpaces/" + space,
                                 [("nonMemberAccess", "false"), ("passcode", ""),
                                  ("regenerateSecret", "true")]).status == 200
        detail = get_xml(bridge, "/coSpaces/" + space)
        assert detail.find("passcode") is None
        assert detail.findtext("nonMemberAccess") == "false"
        regenerated = detail.findtext("secret")
        assert regenerated and regenerated != "given-secret"
        # Emptying a parameter that has a default brings the default back.
        assert bridge.client.put("/coSpaces/" + space, {"nonMemberAccess": ""}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).findtext("nonMemberAccess") == "true"
        assert bridge.client.put("/coSpaces/" + space, {"regenerateSecret": "false"}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).findtext("secret") == regenerated
        assert bridge.client.put("/coSpaces/" + space, {"secret": "chosen"}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).findtext("secret") == "chosen"
        # A space always has a secret: emptying it makes a new one.
        assert bridge.client.put("/coSpaces/" + space, {"secret": ""}).status == 200
        renewed = get_xml(bridge, "/coSpaces/" + space).findtext("secret")
        assert renewed and renewed != "chosen"
        assert bridge.client.put("/coSpaces/" + space, {"uri": "", "callId": ""}).status == 200
        detail = get_xml(bridge, "/coSpaces/" + space)
        assert detail.find("uri") is None and detail.find("callId") is None

        # requireCallId gives a space without a call ID a fresh one.
        assert bridge.client.put("/coSpaces/" + space, {"requireCallId": "true"}).status == 200
        generated = get_xml(bridge, "/coSpaces/" + space).findtext("callId")
        assert generated and generated.isdigit(), generated
        assert bridge.client.put("/coSpaces/" + space, {"requireCallId": "true"}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).findtext("callId") == generated
        born_with_id = create(bridge, "/coSpaces", {"name": "auto", "requireCallId": "true"})
        other_generated = get_xml(bridge, "/coSpaces/" + born_with_id).findtext("callId")
        assert other_generated and other_generated.isdigit() and other_generated != generated
        assert bridge.client.delete("/coSpaces/" + born_with_id).status == 200

        # regenerateSecret is for PUT only; bad values name their field.
        assert_parameter_error(bridge.client.post("/coSpaces", {"regenerateSecret": "true"}),
                               "regenerateSecret")
        assert_parameter_error(bridge.client.put("/coSpaces/" + space, {"nonMemberAccess": "1"}),
                               "nonMemberAccess")
        assert_parameter_error(bridge.client.post("/coSpaces", {"callId": "12ab"}), "callId")
        assert_parameter_error(bridge.client.post("/coSpaces", {"autoGenerated": "true"}),
                               "autoGenerated")
        assert_parameter_error(bridge.client.post("/coSpaces", {"cdrTag": "x" * 101}), "cdrTag")
        assert_parameter_error(bridge.client.post("/coSpaces", {"uri": "a@b.example"}), "uri")
        assert_parameter_error(bridge.client.post("/coSpaces", {"secondaryUri": "a b"}),
                               "secondaryUri")
        assert_parameter_error(bridge.client.post("/coSpaces", {"tenant": "not-an-id"}), "tenant")
        assert_parameter_error(bridge.client.post("/coSpaces", {"defaultLayout": "mosaic"}),
                               "defaultLayout")
        assert get_xml(bridge, "/coSpaces").get("total") == "1"
    finally:
        shut(bridge)


def test_space_uniqueness():
    bridge = started()
    try:
        first = create(bridge, "/coSpaces", {"name": "one", "uri": "one", "secondaryUri": "1001",
                                             "callId": "1001"})
        for fields, reason in (({"uri": "one"}, "duplicateCoSpaceUri"),
                               ({"uri": "1001"}, "duplicateCoSpaceUri"),
                               ({"secondaryUri": "one"}, "duplicateCoSpaceUri"),
                               ({"callId": "1001"}, "duplicateCoSpaceId")):
            assert_failure(bridge.client.post("/coSpaces", fields), 400, reason)
        second = create(bridge, "/coSpaces", {"name": "two", "uri": "two", "callId": "1002"})
        assert_failure(bridge.client.put("/coSpaces/" + second, {"uri": "one"}), 400,
                       "duplicateCoSpaceUri")
        assert_failure(bridge.client.put("/coSpaces/" + second, {"callId": "1001"}), 400,
                       "duplicateCoSpaceId")
        # A refused PUT changes nothing; a space may keep its own values.
        assert get_xml(bridge, "/coSpaces/" + second).findtext("uri") == "two"
        assert bridge.client.put("/coSpaces/" + first, {"uri": "one", "callId": "1001"}).status == 200
        # A freed URI can be taken.
        assert bridge.client.put("/coSpaces/" + first, {"uri": "uno"}).status == 200
        assert bridge.client.put("/coSpaces/" + second, {"uri": "one"}).status == 200
        assert bridge.client.delete("/coSpaces/" + first).status == 200
        create(bridge, "/coSpaces", {"callId": "1001", "uri": "1001"})
    finally:
        shut(bridge)


def test_space_uniqueness_under_concurrent_posts():
    bridge = started()
    try:
        statuses = []
        lock = threading.Lock()

        def post_same_uri():
            client = harness.CmsClient(bridge.port)
            try:
                reply = client.post("/coSpaces", {"uri": "contended", "name": "race"})
                with lock:
                    statuses.append(reply.status)
            finally:
                client.close()

        threads = [threading.Thread(target=post_same_uri) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] + [400] * 11, statuses
        assert get_xml(bridge, "/coSpaces?filter=contended").get("total") == "1"
    finally:
        shut(bridge)


def test_space_references_must_exist():
    bridge = started()
    try:
        assert_failure(bridge.client.post("/coSpaces", {"callProfile": MISSING}), 400,
                       "callProfileDoesNotExist")
        assert_failure(bridge.client.post("/coSpaces", {"callLegProfile": MISSING}), 400,
                       "callLegProfileDoesNotExist")
        assert_parameter_error(bridge.client.post("/coSpaces", {"callProfile": "nope"}),
                               "callProfile")
        space = create(bridge, "/coSpaces", {"name": "plain"})
        assert_failure(bridge.client.put("/coSpaces/" + space, {"callProfile": MISSING}), 400,
                       "callProfileDoesNotExist")
        profile = create(bridge, "/callProfiles", {})
        assert bridge.client.put("/coSpaces/" + space, {"callProfile": profile}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).findtext("callProfile") == profile
        assert bridge.client.put("/coSpaces/" + space, {"callProfile": ""}).status == 200
        assert get_xml(bridge, "/coSpaces/" + space).find("callProfile") is None
        assert get_xml(bridge, "/coSpaces").get("total") == "1"
    finally:
        shut(bridge)


def test_space_paging_filters_and_order():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = started(extra=["--strict", "--page-limit", "5"])
    try:
        profile = create(bridge, "/callLegProfiles", {})
        tenant = "11111111-2222-4333-8444-555555555555"
        spaces = []
        for index in range(12):
            fields = {"name": "Room %02d" % index, "uri": "room.%02d" % index,
                      "callId": str(7000 + index)}
            if index % 3 == 0:
                fields["callLegProfile"] = profile
            if index % 4 == 0:
                fields["tenant"] = tenant
            spaces.append(create(bridge, "/coSpaces", fields))
        listing = get_xml(bridge, "/coSpaces")
        assert listing.get("total") == "12"
        assert [item.get("id") for item in listing] == spaces[:5]  # capped by --page-limit
        page = get_xml(bridge, "/coSpaces?offset=10&limit=50")
        assert [item.get("id") for item in page] == spaces[10:]
        page = get_xml(bridge, "/coSpaces?offset=3&limit=2")
        assert [item.get("id") for item in page] == spaces[3:5]
        assert page.get("total") == "12"
        empty = get_xml(bridge, "/coSpaces?offset=100")
        assert empty.get("total") == "12" and len(empty) == 0
        assert_parameter_error(bridge.client.get("/coSpaces?limit=x"), "limit")
        assert_parameter_error(bridge.client.get("/coSpaces?offset=-1"), "offset")
        assert_parameter_error(bridge.client.get("/coSpaces?color=red"), "color")

        by_name = get_xml(bridge, "/coSpaces?filter=room%201")
        assert by_name.get("total") == "2", by_name.get("total")
        assert [item.get("id") for item in by_name] == spaces[10:12]
        assert get_xml(bridge, "/coSpaces?filter=ROOM.0").get("total") == "10"  # uri, any case
        by_call_id = get_xml(bridge, "/coSpaces?filter=7003")
        assert [item.get("id") for item in by_call_id] == [spaces[3]]
        assert get_xml(bridge, "/coSpaces?filter=nothing-like-this").get("total") == "0"
        assert get_xml(bridge, "/coSpaces?filter=%25").get("total") == "0"  # LIKE escapes
        by_profile = get_xml(bridge, "/coSpaces?callLegProfileFilter=" + profile)
        assert by_profile.get("total") == "4"
        assert [item.get("id") for item in by_profile] == spaces[0:12:3]
        by_tenant = get_xml(bridge, "/coSpaces?tenantFilter=" + tenant + "&limit=2&offset=1")
        assert by_tenant.get("total") == "3"
        assert [item.get("id") for item in by_tenant] == [spaces[4], spaces[8]]
        assert by_tenant[0].findtext("tenant") == tenant
        assert get_xml(bridge, "/coSpaces?tenantFilter=bogus").get("total") == "0"

        assert bridge.client.delete("/coSpaces/" + spaces[0]).status == 200
        assert get_xml(bridge, "/coSpaces").get("total") == "11"
        assert_failure(bridge.client.delete("/coSpaces/" + spaces[0]), 404, "coSpaceDoesNotExist")
        assert_failure(bridge.client.get("/coSpaces/not-a-uuid"), 404, "coSpaceDoesNotExist")
        assert_failure(bridge.client.put("/coSpaces/" + MISSING, {"name": "x"}), 404,
                       "coSpaceDoesNotExist")
    finally:
        shut(bridge)


def test_deleting_a_space_ends_its_call():
    bridge = started()
    try:
        space = create(bridge, "/coSpaces", {"name": "live", "uri": "live"})
        call = create(bridge, "/calls", {"coSpace": space})
        assert get_xml(bridge, "/calls").get("total") == "1"
        assert bridge.client.delete("/coSpaces/" + space).status == 200
        assert get_xml(bridge, "/calls").get("total") == "0"
        assert bridge.client.get("/calls/" + call).status == 404
    finally:
        shut(bridge)


# --- access methods -------------------------------------------------------------

def test_access_methods():
    bridge = started()
    try:
        space = create(bridge, "/coSpaces", {"name": "host", "uri": "host", "callId": "500",
                                             "passcode": "11"})
        other = create(bridge, "/coSpaces", {"name": "other", "uri": "other", "callId": "600"})
        profile = create(bridge, "/callLegProfiles", {"needsActivation": "true"})
        base = "/coSpaces/%s/accessMethods" % space
        # Same URI as its own space, different passcode: allowed.
        guests = create(bridge, base, {"uri": "host", "callId": "501", "passcode": "22",
                                       "name": "guests", "callLegProfile": profile,
                                       "scope": "private", "importance": "3"})
        detail = get_xml(bridge, "%s/%s" % (base, guests))
        assert detail.tag == "accessMethod" and detail.get("id") == guests
        assert detail.findtext("uri") == "host" and detail.findtext("callId") == "501"
        assert detail.findtext("passcode") == "22"
        assert detail.findtext("callLegProfile") == profile
        assert detail.findtext("scope") == "private"
        assert detail.findtext("importance") == "3"
        assert detail.findtext("secret"), "a method with a call ID gets a secret"
        listing = get_xml(bridge, base)
        assert listing.tag == "accessMethods" and listing.get("total") == "1"
        assert children(listing[0]) == ["uri", "callId", "passcode", "callLegProfile"]
        assert get_xml(bridge, "/coSpaces/" + space).findtext("numAccessMethods") == "1"

        assert_failure(bridge.client.post(base, {"uri": "host", "passcode": "11"}), 400,
                       "duplicateCoSpaceUriPasscode")
        assert_failure(bridge.client.post(base, {"callId": "501", "passcode": "22"}), 400,
                       "duplicateCoSpaceIdPasscode")
        assert_failure(bridge.client.post(base, {"uri": "other"}), 400, "duplicateCoSpaceUri")
        assert_failure(bridge.client.post(base, {"callId": "600"}), 400, "duplicateCoSpaceId")
        assert_failure(bridge.client.post(base, {"callLegProfile": MISSING}), 400,
                       "callLegProfileDoesNotExist")
        assert_parameter_error(bridge.client.post(base, {"scope": "secret"}), "scope")
        assert_parameter_error(bridge.client.post(base, {"uri": "x@y"}), "uri")
        # Its URI and call ID are now taken for every other space.
        assert_failure(bridge.client.post("/coSpaces", {"callId": "501"}), 400,
                       "duplicateCoSpaceId")
        assert_failure(bridge.client.put("/coSpaces/" + other, {"uri": "host"}), 400,
                       "duplicateCoSpaceUri")
        # ...and the space may not take its method's passcode on the same URI.
        assert_failure(bridge.client.put("/coSpaces/" + space, {"passcode": "22"}), 400,
                       "duplicateCoSpaceUriPasscode")

        old_secret = detail.findtext("secret")
        assert bridge.client.put("%s/%s" % (base, guests),
                                 {"regenerateSecret": "true", "passcode": "",
                                  "uri": "guests"}).status == 200
        detail = get_xml(bridge, "%s/%s" % (base, guests))
        assert detail.findtext("secret") != old_secret
        assert detail.findtext("passcode") == ""  # shown empty, as CMS does
        assert detail.findtext("uri") == "guests" and detail.findtext("callId") == "501"

        assert_failure(bridge.client.get("/coSpaces/%s/accessMethods/%s" % (other, guests)), 404,
                       "accessMethodDoesNotExist")
        assert_failure(bridge.client.get("/coSpaces/%s/accessMethods" % MISSING), 404,
                       "coSpaceDoesNotExist")
        assert_failure(bridge.client.post("/coSpaces/%s/accessMethods" % MISSING, {"uri": "x"}),
                       404, "coSpaceDoesNotExist")
        assert_failure(bridge.client.get("%s/not-an-id" % base), 404, "accessMethodDoesNotExist")

        second = create(bridge, base, {"uri": "host.extra"})
        assert get_xml(bridge, base + "?filter=extra")[0].get("id") == second
        assert get_xml(bridge, base + "?callLegProfileFilter=" + profile)[0].get("id") == guests
        assert bridge.client.delete("%s/%s" % (base, second)).status == 200
        assert_failure(bridge.client.delete("%s/%s" % (base, second)), 404,
                       "accessMethodDoesNotExist")
        # Deleting the space takes its access methods with it.
        assert bridge.client.delete("/coSpaces/" + space).status == 200
        create(bridge, "/coSpaces", {"uri": "guests", "callId": "501"})
    finally:
        shut(bridge)


# --- outbound dial plan rules and CDR receivers --------------------------------------

def test_outbound_dial_plan_rules():
    bridge = started(name="CallBridge-A")
    try:
        rule = create(bridge, "/outboundDialPlanRules", {"domain": "example.com"})
        detail = get_xml(bridge, "/outboundDialPlanRules/" + rule)
        assert detail.tag == "outboundDialPlanRule"
        assert children(detail) == ["domain", "priority", "localContactDomain", "localFromDomain",
                                    "trunkType", "sipControlEncryption", "failureAction", "scope",
                                    "callRouting"]
        assert detail.findtext("priority") == "0" and detail.findtext("trunkType") == "sip"
        assert detail.findtext("scope") == "global" and detail.findtext("failureAction") == "stop"
        bridges = get_xml(bridge, "/callBridges")
        member = bridges[0].get("id")
        second = create(bridge, "/outboundDialPlanRules",
                        {"domain": "*.lab", "priority": "-5", "sipProxy": "proxy.lab",
                         "trunkType": "lync", "scope": "callBridge", "callBridge": member})
        detail = get_xml(bridge, "/outboundDialPlanRules/" + second)
        assert detail.findtext("priority") == "-5" and detail.findtext("callBridge") == member
        listing = get_xml(bridge, "/outboundDialPlanRules")
        assert listing.get("total") == "2"
        assert children(listing[0]) == ["domain", "priority"]
        assert get_xml(bridge, "/outboundDialPlanRules?filter=lab")[0].get("id") == second
        assert_parameter_error(bridge.client.post("/outboundDialPlanRules", {"priority": "1"}),
                               "domain")
        assert_parameter_error(bridge.client.post("/outboundDialPlanRules",
                                                  {"domain": "x", "trunkType": "h323"}),
                               "trunkType")
        assert_failure(bridge.client.post("/outboundDialPlanRules",
                                          {"domain": "x", "callBridge": MISSING}),
                       400, "callBridgeDoesNotExist")
        assert bridge.client.put("/outboundDialPlanRules/" + rule,
                                 {"priority": "10", "localFromDomain": "me.example"}).status == 200
        assert_parameter_error(bridge.client.put("/outboundDialPlanRules/" + rule,
                                                 {"domain": ""}), "domain")
        detail = get_xml(bridge, "/outboundDialPlanRules/" + rule)
        assert detail.findtext("priority") == "10"
        assert detail.findtext("localFromDomain") == "me.example"
        assert detail.findtext("domain") == "example.com"
        assert bridge.client.delete("/outboundDialPlanRules/" + rule).status == 200
        assert_failure(bridge.client.get("/outboundDialPlanRules/" + rule), 404,
                       "outboundDialPlanRuleDoesNotExist")
    finally:
        shut(bridge)


def test_cdr_receivers():
    # --strict: this test checks the refusals a real CMS does not make.
    bridge = started(extra=["--strict"])
    try:
        receivers = [create(bridge, "/system/cdrReceivers", {"uri": "http://cdr%d.example/" % i})
                     for i in range(4)]
        assert_failure(bridge.client.post("/system/cdrReceivers", {"uri": "http://five/"}), 400,
                       "tooManyCdrReceivers")
        listing = get_xml(bridge, "/system/cdrReceivers")
        assert listing.tag == "cdrReceivers"
        assert listing.get("total") == "4" and listing.get("maximum") == "4"
        assert [item.findtext("uri") for item in listing] == [
            "http://cdr%d.example/" % i for i in range(4)]
        assert bridge.client.put("/system/cdrReceivers/" + receivers[0],
                                 {"uri": "https://moved/"}).status == 200
        detail = get_xml(bridge, "/system/cdrReceivers/" + receivers[0])
        assert detail.tag == "cdrReceiver" and detail.findtext("uri") == "https://moved/"
        assert bridge.client.put("/system/cdrReceivers/" + receivers[0], {"uri": ""}).status == 200
        assert get_xml(bridge, "/system/cdrReceivers/" + receivers[0]).find("uri") is None
        assert bridge.client.delete("/system/cdrReceivers/" + receivers[0]).status == 200
        assert_failure(bridge.client.get("/system/cdrReceivers/" + receivers[0]), 404,
                       "cdrReceiverDoesNotExist")
        create(bridge, "/system/cdrReceivers", {"uri": "http://again/"})
        assert_parameter_error(bridge.client.post("/system/cdrReceivers", {"url": "x"}), "url")
    finally:
        shut(bridge)


# --- durability, sharing, trace ----------------------------------------------------

def test_configuration_survives_a_restart():
    bridge = started()
    try:
        profile = create(bridge, "/callProfiles", {"participantLimit": "7"})
        leg_profile = create(bridge, "/callLegProfiles", {"name": "kept"})
        space = create(bridge, "/coSpaces", {"name": "persistent", "uri": "p", "callId": "77",
                                             "callProfile": profile})
        method = create(bridge, "/coSpaces/%s/accessMethods" % space, {"uri": "p.guest"})
        rule = create(bridge, "/outboundDialPlanRules", {"domain": "kept.example"})
        receiver = create(bridge, "/system/cdrReceivers", {"uri": "http://kept/"})
        secret = get_xml(bridge, "/coSpaces/" + space).findtext("secret")
        assert bridge.stop() == 0
        bridge.start()
        assert get_xml(bridge, "/callProfiles/" + profile).findtext("participantLimit") == "7"
        assert get_xml(bridge, "/callLegProfiles/" + leg_profile).findtext("name") == "kept"
        detail = get_xml(bridge, "/coSpaces/" + space)
        assert detail.findtext("name") == "persistent" and detail.findtext("secret") == secret
        assert detail.findtext("callProfile") == profile
        assert get_xml(bridge, "/coSpaces/%s/accessMethods/%s" % (space, method)).findtext(
            "uri") == "p.guest"
        assert get_xml(bridge, "/outboundDialPlanRules/" + rule).findtext("domain") == "kept.example"
        assert get_xml(bridge, "/system/cdrReceivers/" + receiver).findtext("uri") == "http://kept/"
        assert get_xml(bridge, "/coSpaces").get("total") == "1"
        assert_failure(bridge.client.post("/coSpaces", {"uri": "p"}), 400, "duplicateCoSpaceUri")
    finally:
        shut(bridge)


def test_two_nodes_on_one_data_directory_share_configuration():
    shared = tempfile.mkdtemp(prefix="convene-shared-")
    port1, port2 = harness.free_port(), harness.free_port()
    one = Bridge(data_dir=shared, port=port1, name="Core1",
                 peers=["Core2=http://127.0.0.1:%d" % port2])
    two = Bridge(data_dir=shared, port=port2, name="Core2",
                 peers=["Core1=http://127.0.0.1:%d" % port1])
    try:
        one.start()
        two.start()
        space = create(one, "/coSpaces", {"name": "shared", "uri": "shared"})
        assert get_xml(two, "/coSpaces/" + space).findtext("name") == "shared"
        assert two.client.put("/coSpaces/" + space, {"name": "renamed on two"}).status == 200
        assert get_xml(one, "/coSpaces/" + space).findtext("name") == "renamed on two"
        assert_failure(two.client.post("/coSpaces", {"uri": "shared"}), 400,
                       "duplicateCoSpaceUri")
        profile = create(two, "/callProfiles", {"participantLimit": "3"})
        assert get_xml(one, "/callProfiles").get("total") == "1"
        assert one.client.put("/coSpaces/" + space, {"callProfile": profile}).status == 200
        assert two.client.delete("/coSpaces/" + space).status == 200
        assert_failure(one.client.get("/coSpaces/" + space), 404, "coSpaceDoesNotExist")
        assert get_xml(one, "/coSpaces").get("total") == "0"
    finally:
        shut(one)
        shut(two)
        shutil.rmtree(shared, ignore_errors=True)


def test_trace_masks_passcodes_and_records_audit_lines():
    bridge = started()
    try:
        profile = create(bridge, "/callProfiles", {"participantLimit": "1000"})
        space = create(bridge, "/coSpaces", {"name": "Traced", "uri": "traced",
                                             "passcode": "864213"})
        assert bridge.client.put("/coSpaces/" + space,
                                 [("nonMemberAccess", "true"), ("passcode", "975312"),
                                  ("name", "Traced Meeting")]).status == 200
        method = create(bridge, "/coSpaces/%s/accessMethods" % space,
                        {"uri": "traced.guest", "passcode": "531246"})
        # Bodies that carry passcodes are masked in the trace too.
        assert get_xml(bridge, "/coSpaces/" + space).findtext("passcode") == "975312"
        assert get_xml(bridge, "/coSpaces/%s/accessMethods" % space)[0].findtext(
            "passcode") == "531246"
        assert bridge.client.delete("/coSpaces/" + space).status == 200

        def complete():
            text = bridge.trace()
            return text if "deleted space %s" % space in text else None
        trace = harness.wait_for(complete, what="the trace to show the delete")
        for secret in ("864213", "975312", "531246"):
            assert secret not in trace, secret
        assert "passcode=*****" in trace
        assert "<passcode>*****</passcode>" in trace
        assert 'API user "admin" created new call profile %s' % profile in trace
        assert 'API user "admin" created new space %s (Traced)' % space in trace
        assert 'API user "admin" modified space %s (Traced Meeting)' % space in trace
        assert 'API user "admin" created new access method %s' % method in trace
        assert 'API user "admin" deleted space %s' % space in trace
        assert "Location: /api/v1/coSpaces/%s" % space in trace
    finally:
        shut(bridge)


if __name__ == "__main__":
    run_tests(globals())
