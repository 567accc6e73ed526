"""What public CMS clients send, and what a real CMS answers them: query
parameter names in another case, unknown query and body parameters, form
bodies labelled as JSON, unlabelled or labelled "www-formurl-encoded",
participants added and changed through /calls/<id>/participants. With
--strict the bridge keeps refusing what it refused before."""

import urllib.parse

import harness
from harness import Bridge, run_tests


def space_name(client, space_id):
    reply = client.get("/coSpaces/" + space_id)
    assert reply.status == 200, reply
    name = reply.xml().find("name")
    return None if name is None else name.text


def post_raw(client, path, body, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    return client.request("POST", "/api/v1" + path, body=body, headers=headers)


def location_id(reply):
    assert reply.status == 200, reply
    return reply.header("Location").rsplit("/", 1)[1]


def test_query_names_in_any_case_and_unknown_ones_are_ignored():
    bridge = Bridge().start()
    client = bridge.client
    try:
        first = client.create("/coSpaces", {"name": "First", "uri": "first"})
        second = client.create("/coSpaces", {"name": "Second", "uri": "second"})
        call = client.create("/calls", {"coSpace": first})
        client.create("/calls", {"coSpace": second})
        # A public client spells it coSpacefilter; a real CMS filters.
        reply = client.get("/calls?coSpacefilter=" + first)
        assert reply.status == 200, reply
        assert reply.xml().get("total") == "1", reply.body
        assert reply.xml().find("call").get("id") == call
        reply = client.get("/calls?COSPACEFILTER=" + second + "&LIMIT=1")
        assert reply.status == 200 and reply.xml().get("total") == "1", reply.body
        # A misspelt unknown argument is ignored, and the trace says so.
        reply = client.get("/coSpaces?colour=red&filtr=x")
        assert reply.status == 200 and reply.xml().get("total") == "2", reply.body
        harness.wait_for(lambda: 'ignored query parameter "colour"' in bridge.trace(),
                         what="the trace to note the ignored query parameter")
    finally:
        bridge.cleanup()


def test_form_bodies_whatever_their_content_type():
    bridge = Bridge().start()
    client = bridge.client
    try:
        for index, content_type in enumerate(["application/json", None,
                                              "application/www-formurl-encoded",
                                              "text/plain; charset=utf-8"]):
            name = "Space %d" % index
            reply = post_raw(client, "/coSpaces", urllib.parse.urlencode({"name": name}),
                             content_type)
            assert space_name(client, location_id(reply)) == name, content_type
        # A JSON document is not a form: it decodes to one parameter named
        # after the whole document, which no object knows, so it is
        # ignored as any unknown parameter is; the space has no name.
        reply = post_raw(client, "/coSpaces", '{"name": "json"}', "application/json")
        assert space_name(client, location_id(reply)) is None
        # A dial-out needs its remoteParty: a JSON body lacks it.
        call = client.create("/calls", {"name": "Ad hoc"})
        reply = post_raw(client, "/calls/%s/callLegs" % call, '{"remoteParty": "a@b"}',
                         "application/json")
        assert reply.status == 400, reply
        error = reply.xml().find("parameterError")
        assert error.get("parameter") == "remoteParty" and error.get("error") == "valueRequired"
    finally:
        bridge.cleanup()


def test_unknown_body_parameters_are_ignored_and_traced():
    bridge = Bridge().start()
    client = bridge.client
    try:
        # Cisco's own client sends email on POST /coSpaces.
        reply = client.post("/coSpaces", {"name": "Mailed", "email": "owner@example.com"})
        space = location_id(reply)
        assert space_name(client, space) == "Mailed"
        assert "owner@example.com" not in client.get("/coSpaces/" + space).body
        harness.wait_for(lambda: 'ignored body parameter "email"' in bridge.trace(),
                         what="the trace to note the ignored body parameter")
        # Known parameters are still checked.
        reply = client.post("/coSpaces", {"name": "Bad", "email": "x", "nonMemberAccess": "maybe"})
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("parameter") == "nonMemberAccess"
        # Live objects too.
        call = client.create("/calls", {"name": "Ad hoc", "colour": "blue"})
        assert client.put("/calls/" + call, {"locked": "true", "colour": "red"}).status == 200
    finally:
        bridge.cleanup()


def test_strict_keeps_the_refusals():
    bridge = Bridge(extra=["--strict"]).start()
    client = bridge.client
    try:
        space = client.create("/coSpaces", {"name": "One"})
        reply = client.get("/calls?coSpacefilter=" + space)
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("parameter") == "coSpacefilter"
        assert client.get("/coSpaces?colour=red").status == 400
        reply = client.post("/coSpaces", {"name": "Mailed", "email": "x@example.com"})
        assert reply.status == 400, reply
        assert reply.xml().find("parameterError").get("error") == "unrecognisedParameter"
        for content_type in ["application/json", None, "application/www-formurl-encoded"]:
            reply = post_raw(client, "/coSpaces", "name=x", content_type)
            assert reply.status == 400, (content_type, reply)
        total = client.get("/coSpaces").xml().get("total")
        assert total == "1", total
    finally:
        bridge.cleanup()


if __name__ == "__main__":
    run_tests(globals())
