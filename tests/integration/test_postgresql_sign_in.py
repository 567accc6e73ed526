"""Credentials checked while the database is down (PostgreSQL stopped):
a sign-in (POST /api/v1/session), an API token and a session cookie are
each refused with 503 `databaseNotReady`, like every other request that
needs the database, never `directoryUnavailable` (there is no directory);
a wrong password is still a 503 (the account cannot be read), and once
the server is back the same credentials work again.

PostgreSQL only (it stops the server itself), so it runs once, not as an
@postgresql twin.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

harness.DATABASE = "postgresql"  # before any daemon: convened on PostgreSQL
from harness import wait_for  # noqa: E402


def code_of(reply):
    return reply.json()["error"]["code"]


def test_credentials_during_a_database_outage_answer_database_not_ready():
    scheduler = harness.Scheduler().start()
    server = harness.postgres_server()
    try:
        client = scheduler.client
        token = client.call("POST", "/tokens", {"name": "outage"}).json()["token"]
        session = client.call("POST", "/session",
                              {"user": harness.ADMIN[0], "password": harness.ADMIN[1]},
                              credentials=None)
        assert session.status == 201, session
        cookie = session.header("Set-Cookie").split(";")[0]
        bearer = {"Authorization": "Bearer " + token}
        assert client.request("GET", "/api/v1/me", headers=bearer, credentials=None).status == 200

        server.halt()
        try:
            def refused(reply, what):
                assert reply.status == 503, (what, reply)
                assert code_of(reply) == "databaseNotReady", (what, reply)
                assert reply.header("Content-Type").startswith("application/json"), reply

            def sign_in_refused():
                reply = client.call("POST", "/session", {"user": harness.ADMIN[0],
                                                         "password": harness.ADMIN[1]},
                                    credentials=None)
                return reply if reply.status == 503 else None
            refused(wait_for(sign_in_refused, timeout=15, what="a sign-in refused with 503"),
                    "sign-in")
            refused(client.call("POST", "/session", {"user": "nobody", "password": "wrong"},
                                credentials=None), "sign-in of an unknown user")
            refused(client.request("GET", "/api/v1/me", headers=bearer, credentials=None),
                    "API token")
            refused(client.request("GET", "/api/v1/me", headers={"Cookie": cookie},
                                   credentials=None), "session cookie")
        finally:
            server.resume()

        def works_again():
            reply = client.request("GET", "/api/v1/me", headers=bearer, credentials=None)
            return reply.status == 200
        wait_for(works_again, timeout=30, what="the token to work once the database is back")
        again = client.call("POST", "/session",
                            {"user": harness.ADMIN[0], "password": harness.ADMIN[1]},
                            credentials=None)
        assert again.status == 201, again
    finally:
        scheduler.cleanup()


if __name__ == "__main__":
    harness.run_tests(globals())
