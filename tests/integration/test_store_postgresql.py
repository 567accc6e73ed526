"""The backend-neutral statement API (src/common/store_sql.h) against a
real PostgreSQL: runs the cmocka program test_common_store_sql with a
server started by pg_harness, so every "postgresql/…" case runs (without a
server they are skipped) and none may be skipped or fail here. Also shows
that the harness's server asks for the password it was given. Then runs
convened's capacity cases of test_scheduler_booking (placement and storing
on its schema) against a database of their own: its "postgresql" group
must run and pass.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import BUILD_DIR  # noqa: E402
from pg_harness import PostgresServer  # noqa: E402

PROGRAM = os.path.join(BUILD_DIR, "tests", "test_common_store_sql")
SCHEDULER_PROGRAM = os.path.join(BUILD_DIR, "tests", "test_scheduler_booking")
SCHEDULER_CASES = 6  # the capacity cases of test_scheduler_booking.c


def run_scheduler_cases(server):
    environment = server.client_environment()
    environment["CONVENE_TEST_POSTGRESQL_URL"] = server.create_database("scheduler_units")
    environment["CONVENE_TEST_POSTGRESQL_PASSWORD_FILE"] = server.password_file
    run = subprocess.run([SCHEDULER_PROGRAM], env=environment, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=240)
    groups = re.findall(r"\[=+\] (\d+) test\(s\) run\.", run.stdout)  # sqlite, postgresql
    if run.returncode != 0 or len(groups) != 2 or int(groups[1]) != SCHEDULER_CASES:
        print(run.stdout)
        print(server.log()[-4000:])
        raise AssertionError("test_scheduler_booking on PostgreSQL: exit %d" % run.returncode)
    print("ok: %d scheduler capacity cases passed on PostgreSQL" % SCHEDULER_CASES)


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
