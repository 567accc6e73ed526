"""convened serving the web console's files at `/` (src/scheduler/console.c).

Covers: index.html, scripts and styles with their Content-Type; the
security headers on every console answer (strict CSP without inline
scripts, nosniff, no referrer, no framing); ETag revalidation (304); the
console's own routes answered with index.html while missing file-like
paths get 404; no way out of the console directory (dot segments raw and
percent-encoded, encoded slashes, backslashes, hidden files, a symbolic
link pointing outside); no credentials needed for the files while the API
still asks for them; only GET and HEAD; --no-console; a missing directory.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

CONSOLE = os.path.join(harness.SOURCE_DIR, "console")
world = {}


def get(path, method="GET", headers=None, scheduler=None):
    client = (scheduler or world["scheduler"]).client
    return client.request(method, path, headers=headers, credentials=None)


def setup():
    # A copy of the console with a secret next to it and a link out of it.
    top = tempfile.mkdtemp(prefix="convene-console-")
    console = os.path.join(top, "console")
    shutil.copytree(CONSOLE, console)
    with open(os.path.join(top, "secret.txt"), "w") as handle:
        handle.write("top secret\n")
    with open(os.path.join(console, ".hidden.js"), "w") as handle:
        handle.write("hidden\n")
    os.symlink(os.path.join(top, "secret.txt"), os.path.join(console, "leak.txt"))
    os.symlink(top, os.path.join(console, "up"))
    world["top"] = top
    world["scheduler"] = harness.Scheduler(extra=["--console-dir", console]).start()


def teardown():
    if "scheduler" in world:
        world["scheduler"].cleanup()
    shutil.rmtree(world.get("top", "/nonexistent"), ignore_errors=True)


def security_headers_present(reply):
    csp = reply.header("Content-Security-Policy") or ""
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, reply.headers
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, csp
    assert reply.header("X-Content-Type-Options") == "nosniff", reply.headers
    assert reply.header("Referrer-Policy") == "no-referrer", reply.headers


def test_index_and_assets_with_types_and_headers():
    reply = get("/")
    assert reply.status == 200, reply
    assert reply.header("Content-Type") == "text/html; charset=utf-8", reply.headers
    assert '<script type="module" src="/app.js">' in reply.body, reply
    assert "<script>" not in reply.body  # no inline script (the CSP forbids it)
    security_headers_present(reply)
    for path, kind in (("/app.js", "text/javascript; charset=utf-8"),
                       ("/style.css", "text/css; charset=utf-8")):
        reply = get(path)
        assert reply.status == 200 and reply.header("Content-Type") == kind, (path, reply)
        with open(os.path.join(CONSOLE, path[1:])) as handle:
            assert reply.body == handle.read(), path
        security_headers_present(reply)


def test_etag_revalidation():
    first = get("/app.js")
    etag = first.header("ETag")
    assert etag and first.header("Cache-Control") == "no-cache", first.headers
    again = get("/app.js", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == "", again
    other = get("/app.js", headers={"If-None-Match": '"something-else"'})
    assert other.status == 200 and other.body == first.body, other


def test_client_routes_get_the_page_and_missing_files_404():
    index = get("/").body
    for route in ("/planner", "/meetings/1234-abcd", "/admin/bridges"):
        reply = get(route)
        assert reply.status == 200 and reply.body == index, (route, reply)
    for missing in ("/missing.js", "/images/logo.png", "/admin/x.css"):
        reply = get(missing)
        assert reply.status == 404 and "<html" not in reply.body, (missing, reply)
        security_headers_present(reply)


def test_no_way_out_of_the_console_directory():
    index = get("/").body
    attempts = ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                "/..%2fsecret.txt", "/x/../../secret.txt", "/..\\secret.txt",
                "/%5c..%5csecret.txt", "/./app.js", "/.hidden.js", "/leak.txt",
                "/up/secret.txt", "/%00app.js",
                "/" + "a/" * 600 + "x.js"]
    for path in attempts:
        reply = get(path)
        assert "top secret" not in reply.body, (path, reply)
        assert "hidden" not in reply.body, (path, reply)
        assert reply.status == 404 or reply.body == index, (path, reply)
    # A decoded NUL ends the path: what is before it is named, with its own
    # type (never the type of what followed the NUL).
    reply = get("/app.js%00.html")
    assert reply.header("Content-Type").startswith("text/javascript"), reply.headers


def test_files_are_public_the_api_is_not():
    assert get("/").status == 200
    reply = get("/api/v1/bookings")
    assert reply.status == 401, reply
    assert get("/api/v1/nothing-here").status == 401
    assert get("/api").status == 401  # the API's names are never the console's
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        reply = get("/", method=method)
        assert reply.status == 401, (method, reply)
    head = get("/app.js", method="HEAD")
    assert head.status == 200 and head.body == "", head


def test_script_requests_get_no_basic_challenge():
    plain = get("/api/v1/me")
    assert plain.status == 401 and plain.header("WWW-Authenticate"), plain.headers
    scripted = get("/api/v1/me", headers={"X-Requested-With": "convene-console"})
    assert scripted.status == 401 and scripted.header("WWW-Authenticate") is None, \
        scripted.headers


def test_no_console_and_missing_directory():
    off = harness.Scheduler(extra=["--no-console", "--console-dir", CONSOLE]).start()
    try:
        reply = get("/", scheduler=off)
        assert reply.status in (401, 404) and "<html" not in reply.body, reply
        authorised = off.client.call("GET", "/")
        assert authorised.status == 404 and authorised.json()["error"]["code"] == "notFound"
    finally:
        off.cleanup()
    gone = harness.Scheduler(extra=["--console-dir", "/nonexistent/console"]).start()
    try:
        reply = get("/planner", scheduler=gone)
        assert reply.status == 503 and "--console-dir" in reply.body, reply
    finally:
        gone.cleanup()


if __name__ == "__main__":
    try:
        setup()
        harness.run_tests(globals())
    finally:
        teardown()
