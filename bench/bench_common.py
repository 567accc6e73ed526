"""bench/bench_common.py - what the benchmarks share.

Owns: the start-up steps every benchmark repeats: where the source tree
is, a line naming the machine and its load, importing
tests/integration/harness.py for a build directory (after checking its
programs are built), running one piece of work on many threads at once
and timing it (run_threads), printing the targets met or missed and
writing the figures as JSON, and the small figures helpers (nearest-rank
percentile, RFC 3339 UTC text, met/MISSED).
Does not own: any measurement; each bench/*.py runs and reports its own.
"""
import datetime
import json
import os
import platform
import sys
import threading
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAMS = {  # the name of a program -> its path below a build directory
    "convene-bridge": os.path.join("src", "bridge", "convene-bridge"),
    "convened": os.path.join("src", "scheduler", "convened"),
}


def machine():
    """CPU model, CPU count, memory and kernel, in one line."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kb = int(info.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {memory}, {platform.system()} {platform.release()}"


def load_average():
    """The 1, 5 and 15 minute load averages (the machine may be shared)."""
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil
    return ordered[min(len(ordered), rank) - 1]


def rfc3339(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def verdict(ok):
    return "met" if ok else "MISSED"


def run_threads(work, count):
    """Runs work(index) on `count` threads at once (index 0..count-1) and
    returns the seconds from the first start to the last end."""
    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def print_targets(checks):
    """Prints each (name, ok) target as met or MISSED."""
    print("\nbench: targets")
    for name, ok in checks:
        print(f"  {verdict(ok):6} {name}")


def write_json(path, document):
    """Writes `document` to `path` as indented JSON; nothing when path is
    None (no --json given)."""
    if path:
        with open(path, "w") as out:
            json.dump(document, out, indent=2)


def import_harness(build_dir, programs=("convene-bridge", "convened"), make_target="bench"):
    """tests/integration/harness.py, set to run the daemons of `build_dir`.
    Exits with a message naming `make <make_target>` when one of `programs`
    is not built. harness reads CONVENE_BUILD_DIR when imported, so this
    sets it first."""
    build_dir = os.path.abspath(build_dir)
    for program in programs:
        binary = os.path.join(build_dir, PROGRAMS[program])
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: {binary} not found; build first (make {make_target} does)")
    os.environ["CONVENE_BUILD_DIR"] = build_dir
    sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
    import harness  # noqa: E402 - needs CONVENE_BUILD_DIR first
    return harness
