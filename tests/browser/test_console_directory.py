"""Browser test of signing in to the web console with directory (LDAP)
accounts: OpenLDAP's slapd in a temporary directory
(tests/integration/ldap_directory.py, the directory test_scheduler_ldap.py
uses) and convened with its --ldap options; directory.mjs drives Chromium.

Covers: an operator and a booker of the directory sign in through the same
form as local accounts and get their group's role (the name shown with it,
the menu of that role); a wrong password and a user in no mapped group are
said next to the password field; with the directory stopped (asked by the
script), the sign-in form says the accounts cannot be checked.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from browser_run import console_options, run_script  # noqa: E402
from ldap_directory import ERIN, FRANK, GINA, Slapd, ldap_options  # noqa: E402

world = {}


def setup():
    slapd = Slapd().start()
    world["slapd"] = slapd
    world["scheduler"] = harness.Scheduler(extra=ldap_options(
        slapd, os.path.join(slapd.dir, "cert.pem")) + console_options()).start()


def teardown():
    for key in ("scheduler", "slapd"):
        if world.get(key):
            world[key].cleanup()


def test_directory_sign_in_in_chromium():
    run_script("directory.mjs", dict(
        CONSOLE_URL=world["scheduler"].url, ERIN_PASSWORD=ERIN[1], FRANK_PASSWORD=FRANK[1],
        GINA_PASSWORD=GINA[1]), actions={"stop-directory": world["slapd"].stop})


if __name__ == "__main__":
    try:
        setup()
        harness.run_tests({"test_directory_sign_in_in_chromium":
                           test_directory_sign_in_in_chromium})
    finally:
        teardown()
