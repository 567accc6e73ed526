#!/usr/bin/env python3
"""Time and memory of expanding recurrence rules (src/scheduler/recurrence.c)
through the test-only program tests/tools/calendar_probe.

Each case runs the probe --runs times in a fresh process and reports the
median and the slowest wall-clock time (process start included, so an upper
bound of the expansion itself) and the largest resident set size any run
reached. The cases show that memory follows the window's limit, not the
length of the series: an endless daily series expanded 100 at a time in a
window of 100 years stays as small as a short one.

    cmake --build build -j2 --target calendar_probe
    python3 bench/recurrence.py --build-dir build
"""

import argparse
import json
import os
import statistics
import subprocess
import time

CASES = [
    # name, rrule, zone, first start, window end, limit
    ("daily, 3,650 (10 years)", "FREQ=DAILY;COUNT=3650", "Europe/Berlin",
     "2026-01-01T09:00:00", 4102444800, 5000),
    ("weekly Mo/We/Fr, 10 years", "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20351231T235959Z",
     "America/New_York", "2026-01-02T09:00:00", 4102444800, 5000),
    ("monthly last weekday, 100 years", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
     "Europe/Berlin", "2026-01-30T16:00:00", 5364662400, 5000),
    ("endless daily, window 100 years, limit 100", "FREQ=DAILY", "Europe/Berlin",
     "2026-01-01T09:00:00", 5364662400, 100),
    ("endless daily, window 100 years, limit 36,600", "FREQ=DAILY", "Europe/Berlin",
     "2026-01-01T09:00:00", 5364662400, 36600),
]


def run_case(probe, case, runs):
    name, rule, zone, start, until, limit = case
    document = json.dumps({"rrule": rule, "timeZone": zone, "start": start, "duration": 1800,
                           "from": 0, "to": until, "limit": limit}).encode()
    times, peak, count = [], 0, 0
    for _ in range(runs):
        begun = time.perf_counter()
        process = subprocess.Popen([probe, "expand"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE)
        process.stdin.write(document)
        process.stdin.close()
        output = process.stdout.read()
        process.stdout.close()
        # this run's own peak memory: wait4 reports it for exactly this child
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        times.append(time.perf_counter() - begun)
        answer = json.loads(output)
        assert answer["result"] == "ok", answer
        count = len(answer["occurrences"])
        peak = max(peak, usage.ru_maxrss)
    return name, count, statistics.median(times) * 1000, max(times) * 1000, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    probe = os.path.join(arguments.build_dir, "tests", "calendar_probe")
    print("%-46s %12s %11s %11s %12s" % ("case", "occurrences", "median ms", "max ms",
                                         "peak RSS KiB"))
    for case in CASES:
        name, count, median, slowest, peak = run_case(probe, case, arguments.runs)
        print("%-46s %12d %11.1f %11.1f %12d" % (name, count, median, slowest, peak))


if __name__ == "__main__":
    main()
