"""The backend-neutral statement API (src/common/store_sql.h) against a
real PostgreSQL: runs the cmocka program test_common_store_sql with a
server started by pg_harness, so every "postgresql/…" case runs (without a
server they are skipped) and none may be skipped or fail here. Also shows
that the harness's server asks for the password it was given. Then runs
convened's cmocka cases that use its database (test_scheduler_booking's
capacity cases: placement and storing; test_scheduler_bridges' schema,
slot and ticket queries) against a database of their own: each program's
"postgresql" group must run and pass.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import BUILD_DIR  # noqa: E402
from pg_harness import PostgresServer  # noqa: E402

PROGRAM = os.path.join(BUILD_DIR, "tests", "test_common_store_sql")
# convened's programs with a "postgresql" group, and how many cases it has
SCHEDULER_PROGRAMS = (("test_scheduler_booking", 6), ("test_scheduler_bridges", 1))


def run_scheduler_cases(server):
    environment = server.client_environment()
    environment["CONVENE_TEST_POSTGRESQL_URL"] = server.create_database("scheduler_units")
    environment["CONVENE_TEST_POSTGRESQL_PASSWORD_FILE"] = server.password_file
    for name, cases in SCHEDULER_PROGRAMS:
        run = subprocess.run([os.path.join(BUILD_DIR, "tests", name)], env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=240)
        groups = re.findall(r"\[=+\] (\d+) test\(s\) run\.", run.stdout)  # sqlite, postgresql
        if run.returncode != 0 or len(groups) != 2 or int(groups[1]) != cases:
            print(run.stdout)
            print(server.log()[-4000:])
            raise AssertionError("%s on PostgreSQL: exit %d" % (name, run.returncode))
        print("ok: %s: %d case(s) passed on PostgreSQL" % (name, cases))


def main():
    server = PostgresServer().start()
    try:
        environment = server.client_environment()
        environment["CONVENE_TEST_POSTGRESQL_URL"] = server.url()
        environment["CONVENE_TEST_POSTGRESQL_PASSWORD_FILE"] = server.password_file
        run = subprocess.run([PROGRAM], env=environment, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=240)
        output = run.stdout
        passed = set(re.findall(r"\[       OK \] (postgresql/\S+)", output))
        skipped = re.findall(r"\[  SKIPPED \] (postgresql/\S+)", output)
        if run.returncode != 0 or skipped or len(passed) < 10:
            print(output)
            print(server.log()[-4000:])
            raise AssertionError("PostgreSQL cases: %d passed, skipped %r, exit %d"
                                 % (len(passed), skipped, run.returncode))
        for case in ("postgresql/transactions_serialise_writers",
                     "postgresql/unique_violation_is_a_conflict_and_nothing_half_saved",
                     "postgresql/postgresql_lost_connection_fails_cleanly_then_reconnects"):
            assert case in passed, case
        print("ok: %d PostgreSQL cases passed" % len(passed))
        run_scheduler_cases(server)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
