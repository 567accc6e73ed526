#!/usr/bin/env python3
"""bench/scheduler.py - the convened benchmark of issue 3, in one run.

Owns: starting plain-HTTP convene-bridge processes and convened instances
(through tests/integration/harness.py), adding and provisioning the
bridges through convened's API, loading bookings through the API, and
measuring:

  1. booking latency: POST /api/v1/bookings, sequential over one keep-alive
     connection, with --bookings (100,000) bookings already stored across
     --bridges (10) bridges x --slots (200) slots; p50/p99/max (target p99
     < 1.5 ms). The stored bookings are loaded through the API (never written
     into SQLite) by --loaders keep-alive connections in parallel, as
     --bridges x --slots meetings in each of bookings/(bridges x slots)
     disjoint 45-minute windows an hour apart, starting tomorrow (so none
     starts during the run); each has one dial-out and one dial-in
     participant; each of those POSTs is timed too (p50/p99/p99.9/max:
     how the parallel writers fare against each other). The timed
     bookings are 10-minute meetings placed in the
     15-minute gaps between those windows, bridge and slot chosen by
     convened, so each capacity check reads the full window just before.
     The client's garbage collector is off while the timed requests run
     (a full collection after the preload took up to 175 ms).
  2. meeting starts: --meetings (1,000) meetings booked on one bridge with
     --spaces (100,000) slots, each a coSpace on the bridge (at least
     --meetings), all starting at the same second --lead seconds
     ahead, each with one dial-out participant (--no-dial-out: none). From
     the start instant: the time until all are live (target < 3 s) and the
     start lateness p99 (target < 1 s). convened exposes no start time in
     its API, so both come from its log, read as it is written
     (millisecond timestamps of "booking <id>: starting, N ms after its
     time" = picked up, and "booking <id>: live" = call made, dial-outs
     placed). Polling GET /api/v1/bookings would load convened while it
     starts the meetings; --poll-ms N does it as a cross-check. At the end
     one GET /bookings must show every meeting live and the bridge's
     GET /api/v1/calls total must be --meetings. convened's own CMS trace
     (cms-trace.log) counts the GET /coSpaces it sent from the start instant
     on: per start it must be a constant (target <= 4), not a walk of every
     coSpace.

Also measured: fsync after a 4 KiB append in the data directory (what each
commit waits for), the client's own share (an unauthenticated 401), per
timed POST the CPU convened used and the bytes and write calls it made
(/proc/PID/stat and /proc/PID/io: figures the machine's other load barely
moves, for comparing builds on a busy machine), the CPU convened and the
bridge used while the meetings started. --scratch DIR
puts the daemons' data elsewhere (e.g. /dev/shm: no fsync cost); --perf
PREFIX records perf profiles, --strace PREFIX convened's disk writes and
syncs (then the figures are not the official ones). --json keeps every
timed POST's duration and send time, to line the slow ones up with a trace.

Does not own: building (the Makefile's `bench-scheduler` target builds
first) or the daemons' behaviour. A benchmark, never a test: it reports
figures and whether each target was met; the exit code is 0 unless
something could not be measured.

Usage: python3 bench/scheduler.py [--build-dir build] [--only latency|starts]
       [--bookings 100000] [--bridges 10] [--slots 200] [--samples 2000]
       [--loaders 4] [--meetings 1000] [--spaces 100000] [--lead 30] [--no-dial-out]
       [--poll-ms 0] [--timeout 60] [--scratch DIR] [--perf PREFIX]
       [--strace PREFIX] [--json FILE] [--keep]
       [--database postgresql://… [--database-password-file FILE]]
--database keeps convened's data in that (empty) PostgreSQL database
instead of SQLite; bench/scheduler_databases.py runs the latency part on
both in one go.
"""
import argparse
import datetime
import gc
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from bench_common import (SOURCE_DIR, import_harness, machine, percentile,
                          print_targets, rfc3339, run_threads, write_json)

TARGET_BOOKING_P99_MS = 1.5
TARGET_SPACE_REQUESTS_PER_START = 4
TARGET_ALL_LIVE_S = 3.0
TARGET_LATENESS_P99_S = 1.0

WINDOW_SECONDS = 3600        # one preload window per hour ...
MEETING_SECONDS = 45 * 60    # ... holding 45-minute meetings
SAMPLE_SECONDS = 10 * 60     # timed bookings: 10 minutes in the 15-minute gap








def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid):
    """User + system CPU time a process (all its threads) has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def io_counts(pid):
    """(bytes written, write calls) of a process so far (/proc/PID/io:
    wchar, syscw): every pwrite of the WAL and of the checkpoint's copy."""
    counts = {}
    try:
        with open(f"/proc/{pid}/io") as io:
            for line in io:
                name, _, value = line.partition(":")
                counts[name] = int(value)
        return counts["wchar"], counts["syscw"]
    except (OSError, KeyError, ValueError):
        return float("nan"), float("nan")


def fsync_ms(directory, samples=200):
    """p50/p99 of fsync after a 4 KiB append in `directory`: what every
    SQLite commit (WAL, synchronous=FULL) waits for at least once."""
    path = os.path.join(directory, "fsync-probe")
    times = []
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(samples):
            os.write(descriptor, b"\0" * 4096)
            began = time.perf_counter()
            os.fsync(descriptor)
            times.append((time.perf_counter() - began) * 1000)
    finally:
        os.close(descriptor)
        os.unlink(path)
    return {"p50": percentile(times, 0.50), "p99": percentile(times, 0.99)}




class Bench:
    def __init__(self, options, harness, work_dir):
        self.options = options
        self.harness = harness
        self.work_dir = work_dir
        self.processes = []

    # --- daemons -------------------------------------------------------

    def start_bridge(self, name, extra=()):
        data_dir = os.path.join(self.work_dir, "bridge-" + name)
        os.makedirs(data_dir)
        bridge = self.harness.Bridge(data_dir=data_dir, name=name, trace=False,
                                     extra=list(extra))
        self.processes.append(bridge)
        return bridge.start()

    def start_scheduler(self, name):
        data_dir = os.path.join(self.work_dir, "convened-" + name)
        os.makedirs(data_dir)
        extra = ["--log-level", "info"]
        # PostgreSQL: the URL and its password file, the shared key (the other
        # benches that reuse this class have no such options)
        database = getattr(self.options, "database", None)
        if database:
            extra += ["--database", database,
                      "--secrets-key", os.path.join(data_dir, "secrets.key")]
            if self.options.database_password_file:
                extra += ["--database-password-file", self.options.database_password_file]
        scheduler = self.harness.Scheduler(data_dir=data_dir, extra=extra)
        self.processes.append(scheduler)
        return scheduler.start()

    def stop_all(self):
        # convened first, so it does not see its bridges vanish
        for process in sorted(self.processes,
                              key=lambda p: not isinstance(p, self.harness.Scheduler)):
            try:
                if process.alive():
                    process.stop()
            except AssertionError as error:
                print(f"bench: warning: {error}", file=sys.stderr)
            if process.log_path and not self.options.keep:
                try:
                    os.unlink(process.log_path)
                except OSError:
                    pass
        self.processes = []

    def add_bridge(self, scheduler, bridge, index, quantity):
        """Adds a bridge with complete dial-number settings; waits until its
        slots are provisioned. Returns its id."""
        return scheduler.add_bridge(bridge.url, quantity, wait=600, interval=0.05,
                                    stop_on_failure=True, name=f"bench-{index}",
                                    domain=f"bridge{index}.bench.example.com",
                                    base=100000 + index * 10000)

    # --- parallel booking ---------------------------------------------

    def book_parallel(self, port, documents, connections):
        """POSTs every document over `connections` keep-alive connections;
        returns (seconds, {index: booking}, [failures])."""
        work = queue.Queue()
        for item in enumerate(documents):
            work.put(item)
        made, failures, durations, lock = {}, [], [], threading.Lock()

        def loader(_index):
            client = self.harness.JsonClient(port)
            try:
                while True:
                    try:
                        index, document = work.get_nowait()
                    except queue.Empty:
                        return
                    sent = time.perf_counter()
                    reply = client.call("POST", "/bookings", document)
                    took = (time.perf_counter() - sent) * 1000
                    with lock:
                        durations.append(took)
                        if reply.status == 201:
                            made[index] = reply.json()
                        else:
                            failures.append((index, reply))
                            if len(failures) > 20:
                                return
            finally:
                client.close()

        seconds = run_threads(loader, connections)
        self.parallel_ms = durations  # each POST's time, for the figures
        return seconds, made, failures

    # --- 1. booking latency --------------------------------------------

    def latency(self):
        options = self.options
        capacity = options.bridges * options.slots
        windows = -(-options.bookings // capacity)
        print(f"bench: latency: {options.bridges} bridges x {options.slots} slots, "
              f"{options.bookings} bookings to store in {windows} windows", flush=True)
        scheduler = self.start_scheduler("latency")
        bridge_ids = []
        for index in range(options.bridges):
            bridge = self.start_bridge(f"latency{index}")
            bridge_ids.append(self.add_bridge(scheduler, bridge, index, options.slots))
        # tomorrow, on the hour: nothing starts while the bench runs
        base = (int(time.time()) // 3600 + 25) * 3600

        documents = []
        for number in range(options.bookings):
            window, rest = divmod(number, capacity)
            bridge = rest % options.bridges
            start = base + window * WINDOW_SECONDS
            documents.append({
                "title": f"preload {number}", "start": rfc3339(start),
                "end": rfc3339(start + MEETING_SECONDS), "bridge": bridge_ids[bridge],
                "participants": [{"uri": f"out{number}@people.example.com", "dial": "out"},
                                 {"uri": f"in{number}@people.example.com", "dial": "in"}]})
        seconds, made, failures = self.book_parallel(scheduler.port, documents, options.loaders)
        if failures:
            raise RuntimeError(f"{len(failures)} preload bookings refused, first: {failures[0]}")
        rate = len(made) / seconds
        parallel = self.parallel_ms
        print(f"bench: stored {len(made)} bookings through the API in {seconds:.1f} s "
              f"({rate:.0f}/s, {options.loaders} connections; each POST p50 "
              f"{percentile(parallel, 0.50):.2f} ms, p99.9 {percentile(parallel, 0.999):.1f} ms, "
              f"max {max(parallel):.1f} ms)", flush=True)
        del documents, made
        time.sleep(2)  # let the loaders' last writes settle before timing

        client = scheduler.client
        create, read, made_ids, sent_at = [], [], [], []
        disk = fsync_ms(self.work_dir)
        profiler = self.profile("latency", [scheduler.process.pid])
        # The client's own garbage collector stays out of the figures: after
        # the preload a full collection of this process took up to 175 ms
        # (measured with gc.callbacks), and one landing inside a timed
        # request would be counted as convened's time.
        gc.collect()
        gc.freeze()
        gc.disable()
        # what the timed POSTs cost convened, whatever else loads the machine
        cpu_before = cpu_seconds(scheduler.process.pid)
        written_before, writes_before = io_counts(scheduler.process.pid)
        for number in range(options.samples):
            gap = number % windows
            start = base + gap * WINDOW_SECONDS + MEETING_SECONDS + 60 * (number // windows % 5)
            document = {"title": f"latency {number}", "start": rfc3339(start),
                        "end": rfc3339(start + SAMPLE_SECONDS),
                        "participants": [{"uri": f"timed{number}@people.example.com",
                                          "dial": "out"},
                                         {"uri": f"room{number}@rooms.example.com",
                                          "dial": "in"}]}
            sent_at.append(time.time())
            sent = time.perf_counter()
            reply = client.call("POST", "/bookings", document)
            create.append((time.perf_counter() - sent) * 1000)
            if reply.status != 201:
                raise RuntimeError(f"timed booking {number} answered {reply!r}")
            made_ids.append(reply.json()["id"])
        cpu_per_post = (cpu_seconds(scheduler.process.pid) - cpu_before) * 1000 / options.samples
        written_after, writes_after = io_counts(scheduler.process.pid)
        self.profile_stop(profiler)
        gc.enable()
        gc.unfreeze()
        for booking_id in made_ids:
            sent = time.perf_counter()
            reply = client.call("GET", "/bookings/" + booking_id)
            read.append((time.perf_counter() - sent) * 1000)
            if reply.status != 200:
                raise RuntimeError(f"GET /bookings/{booking_id} answered {reply!r}")
        # the client's own share of each request: an answer without work
        floor = []
        anonymous = self.harness.JsonClient(scheduler.port, credentials=None)
        for _ in range(min(500, options.samples)):
            sent = time.perf_counter()
            anonymous.call("GET", "/bridges")
            floor.append((time.perf_counter() - sent) * 1000)
        anonymous.close()
        database = os.path.join(scheduler.data_dir, "convened.db")
        size_mb = sum(os.path.getsize(path) for path in
                      (database, database + "-wal") if os.path.exists(path)) / 1e6
        result = {
            "bridges": options.bridges, "slots_per_bridge": options.slots,
            "bookings_stored": options.bookings + options.samples,
            "preload": {"bookings": options.bookings, "seconds": seconds,
                        "per_second": rate, "connections": options.loaders,
                        "post_ms": {"p50": percentile(parallel, 0.50),
                                    "p99": percentile(parallel, 0.99),
                                    "p999": percentile(parallel, 0.999),
                                    "max": max(parallel)}},
            "post_ms": {"samples": len(create), "p50": percentile(create, 0.50),
                        "p99": percentile(create, 0.99), "max": max(create)},
            "get_ms": {"samples": len(read), "p50": percentile(read, 0.50),
                       "p99": percentile(read, 0.99), "max": max(read)},
            "post_ms_all": [round(value, 3) for value in create],
            "post_sent_at": [round(value, 6) for value in sent_at],
            "unauthenticated_401_ms": {"p50": percentile(floor, 0.50),
                                       "p99": percentile(floor, 0.99)},
            "convened_peak_rss_mb": peak_rss_mb(scheduler.process.pid),
            "database_mb": size_mb, "fsync_ms": disk,
            "convened_cpu_ms_per_post": cpu_per_post,
            "convened_written_kib_per_post": (written_after - written_before) / 1024
            / options.samples,
            "convened_write_calls_per_post": (writes_after - writes_before) / options.samples,
        }
        print(f"bench: POST /bookings p50 {result['post_ms']['p50']:.2f} ms, "
              f"p99 {result['post_ms']['p99']:.2f} ms, max {result['post_ms']['max']:.2f} ms",
              flush=True)
        self.stop_all()
        return result

    # --- 2. a thousand meetings starting in the same second -------------

    def starts(self):
        options = self.options
        count = options.meetings
        scheduler = self.start_scheduler("starts")
        bridge = self.start_bridge("starts")
        spaces = max(options.spaces, count)
        provision_began = time.time()
        self.add_bridge(scheduler, bridge, 0, spaces)
        provision_seconds = time.time() - provision_began
        print(f"bench: starts: {spaces} slots provisioned in {provision_seconds:.1f} s",
              flush=True)
        start = int(time.time()) + options.lead
        documents = []
        for number in range(count):
            participants = []
            if options.dial_out:
                participants.append({"uri": f"far{number}@far.example.com", "dial": "out"})
            documents.append({"title": f"start {number}", "start": rfc3339(start),
                              "end": rfc3339(start + 1800), "participants": participants})
        seconds, made, failures = self.book_parallel(scheduler.port, documents, options.loaders)
        if failures:
            raise RuntimeError(f"{len(failures)} bookings refused, first: {failures[0]}")
        left = start - time.time()
        print(f"bench: starts: booked {count} meetings in {seconds:.1f} s; all start at "
              f"{rfc3339(start)}, {left:.1f} s from now", flush=True)
        if left < 2:
            raise RuntimeError(f"booking took too long: only {left:.1f} s were left before the "
                               f"start; run again with a larger --lead")
        ids = {booking["id"] for booking in made.values()}
        calls_before = self.bridge_total(bridge, "/calls")

        # convened's own timestamps, read from its log as it is written:
        # "<UTC time with ms>Z convened info: booking <id>: starting, N ms after
        # its time" (picked up), "...: live" (call made, dial-outs placed),
        # "...: failed..."
        pattern = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z \S+ \w+: "
                             r"booking ([0-9a-f-]{36}): (live|failed|starting)")
        live_at, failed_at, starting_at = {}, {}, {}
        log = open(scheduler.log_path, errors="replace")

        pending = [""]

        def read_log():
            text = pending[0] + log.read()
            lines = text.split("\n")
            pending[0] = lines.pop()  # a line still being written
            for line in lines:
                match = pattern.match(line)
                if not match or match.group(2) not in ids:
                    continue
                stamp = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f")
                moment = stamp.replace(tzinfo=datetime.timezone.utc).timestamp() - start
                found = {"live": live_at, "failed": failed_at,
                         "starting": starting_at}[match.group(3)]
                found.setdefault(match.group(2), moment)

        # optionally also through the API: the first poll showing each live
        seen_live, states = {}, {}
        poll = self.harness.JsonClient(scheduler.port)
        query = (f"/bookings?from={rfc3339(start - 1)}&to={rfc3339(start + 1)}"
                 f"&limit={min(5000, max(count, 1))}")

        def poll_api(final=False):
            asked = time.time()
            listing = poll.call("GET", query).json()["bookings"]
            for booking in listing:
                states[booking["id"]] = booking["state"]
                if not final and booking["state"] == "live" and booking["id"] not in seen_live:
                    seen_live[booking["id"]] = asked - start  # live no later than asked
            return time.time() - asked

        pids = [scheduler.process.pid, bridge.process.pid]
        disk = fsync_ms(self.work_dir)
        trace_path = os.path.join(scheduler.data_dir, "cms-trace.log")
        while time.time() < start - 1.0:
            time.sleep(0.05)
        profiler = self.profile("starts", pids)
        while time.time() < start - 0.2:
            time.sleep(0.05)
        read_log()
        trace_mark = os.path.getsize(trace_path) if os.path.exists(trace_path) else 0
        cpu_before = [cpu_seconds(pid) for pid in pids]
        deadline = start + options.timeout
        polls, next_poll = [], start
        while time.time() < deadline:
            read_log()
            if len(live_at) + len(failed_at) >= count and (
                    options.poll_ms <= 0 or len(seen_live) + len(failed_at) >= count):
                break
            if options.poll_ms > 0 and time.time() >= next_poll:
                next_poll = time.time() + options.poll_ms / 1000
                polls.append(poll_api())
            time.sleep(0.02)
        cpu_used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
        observed = time.time() - start
        self.profile_stop(profiler)
        time.sleep(0.5)  # let convened finish the rows of the last ones before the API check
        read_log()
        log.close()
        poll_api(final=True)  # what the API says in the end
        poll.close()
        with open(trace_path, errors="replace") as trace:
            trace.seek(trace_mark)
            space_requests = len(re.findall(r'GET for "/api/v1/coSpaces[/?"]', trace.read()))
        calls_after = self.bridge_total(bridge, "/calls")
        legs_after = self.bridge_total(bridge, "/callLegs")
        lateness = sorted(live_at.values())
        picked = sorted(starting_at.values())
        failed = sum(1 for state in states.values() if state == "failed")
        result = {
            "meetings": count, "dial_out_participants": count if options.dial_out else 0,
            "spaces": spaces, "provision_seconds": provision_seconds,
            "cospace_gets": space_requests,
            "cospace_gets_per_start": space_requests / count if count else None,
            "booking_seconds": seconds, "lead_seconds": options.lead,
            "live_in_log": len(live_at), "failed_in_log": len(failed_at),
            "live_via_api": sum(1 for state in states.values() if state == "live"),
            "failed": failed,
            "all_live_s_log": max(lateness) if len(lateness) == count else None,
            "starting_s_log": ({"count": len(picked), "p50": percentile(picked, 0.50),
                                "p99": percentile(picked, 0.99), "min": picked[0],
                                "max": picked[-1]} if picked else None),
            "lateness_s_log": ({"p50": percentile(lateness, 0.50),
                                "p99": percentile(lateness, 0.99),
                                "min": lateness[0], "max": lateness[-1]} if lateness else None),
            "api_poll_ms": options.poll_ms,
            "all_live_s_api": (max(seen_live.values())
                               if options.poll_ms and len(seen_live) == count else None),
            "api_poll_answer_ms_p50": percentile(polls, 0.5) * 1000 if polls else None,
            "bridge_calls_before": calls_before, "bridge_calls": calls_after,
            "bridge_call_legs": legs_after,
            "observed_s": observed, "fsync_ms": disk,
            "cpu_s_convened": cpu_used[0], "cpu_s_bridge": cpu_used[1],
            "convened_peak_rss_mb": peak_rss_mb(scheduler.process.pid),
        }
        print(f"bench: starts: {len(live_at)} live by convened's log, {result['live_via_api']} "
              f"live through the API, {failed} failed; bridge has {calls_after} calls, "
              f"{legs_after} call legs", flush=True)
        if options.keep:
            print(f"bench: convened log kept at {scheduler.log_path}")
        self.stop_all()
        return result

    def profile(self, name, pids):
        """perf record (--perf PREFIX) or strace of the disk writes and
        syncs (--strace PREFIX) of these processes until profile_stop."""
        if self.options.perf:
            path = f"{self.options.perf}-{name}.data"
            command = ["perf", "record", "-F", "997", "--call-graph", "dwarf,16384", "-o", path,
                       "-p", ",".join(str(pid) for pid in pids)]
        elif self.options.strace:
            path = f"{self.options.strace}-{name}.strace"
            command = ["strace", "-f", "-ttt", "-T", "-y", "-o", path,
                       "-e", "trace=fsync,fdatasync,pwrite64,ftruncate,fallocate"]
            for pid in pids:
                command += ["-p", str(pid)]
        else:
            return None
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # the tracer attaches
        print(f"bench: tracing into {path}", flush=True)
        return process

    def profile_stop(self, process):
        if process is not None:
            process.send_signal(signal.SIGINT)
            process.wait()

    def bridge_total(self, bridge, path):
        reply = bridge.client.get(path + "?limit=1")
        match = re.search(r'total="(\d+)"', reply.body)
        return int(match.group(1)) if reply.status == 200 and match else None


def fmt(value, unit="", digits=2):
    if value is None:
        return "-"
    return f"{value:.{digits}f}{unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build"))
    parser.add_argument("--only", choices=("latency", "starts"))
    parser.add_argument("--bookings", type=int, default=100000,
                        help="bookings stored before the latency is measured")
    parser.add_argument("--bridges", type=int, default=10)
    parser.add_argument("--slots", type=int, default=200, help="slots per bridge")
    parser.add_argument("--samples", type=int, default=2000, help="timed POST /bookings")
    parser.add_argument("--loaders", type=int, default=4,
                        help="parallel keep-alive connections that load bookings")
    parser.add_argument("--meetings", type=int, default=1000,
                        help="meetings starting in the same second (and slots of that bridge)")
    parser.add_argument("--spaces", type=int, default=100000,
                        help="slots (coSpaces) on the bridge of the starts part"
                             " (at least --meetings; at most 100000)")
    parser.add_argument("--lead", type=int, default=30,
                        help="seconds from now to the common start (booking must fit in it)")
    parser.add_argument("--no-dial-out", dest="dial_out", action="store_false",
                        help="meetings without a dial-out participant")
    parser.add_argument("--poll-ms", type=int, default=0,
                        help="also poll GET /bookings at this interval while meetings start"
                             " (0: only once at the end; polling loads convened)")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds after the start to wait for every meeting to be live")
    parser.add_argument("--scratch", default=None,
                        help="directory for the daemons' data (default: the system temp dir);"
                             " e.g. /dev/shm to take the disk's fsync out of the figures")
    parser.add_argument("--perf", metavar="PREFIX",
                        help="perf record convened during the timed bookings (PREFIX-latency.data)"
                             " and convened and the bridge while the meetings start"
                             " (PREFIX-starts.data)")
    parser.add_argument("--strace", metavar="PREFIX",
                        help="strace convened's writes and syncs during the timed bookings "
                             "(PREFIX-latency.strace; the figures are then not the official ones)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--database", metavar="URL",
                        help="convened's data in this PostgreSQL database (postgresql://…, empty;"
                             " default: SQLite in its data directory)")
    parser.add_argument("--database-password-file", metavar="FILE",
                        help="the password of --database's user")
    options = parser.parse_args()

    build_dir = os.path.abspath(options.build_dir)
    harness = import_harness(build_dir, make_target="bench-scheduler")

    work_dir = tempfile.mkdtemp(prefix="convene-bench-scheduler-", dir=options.scratch)
    results = {"machine": machine(), "build_dir": build_dir,
               "command": " ".join(["python3"] + sys.argv)}
    bench = Bench(options, harness, work_dir)
    print(f"bench: machine: {results['machine']}", flush=True)
    try:
        if options.only in (None, "latency"):
            results["latency"] = bench.latency()
        if options.only in (None, "starts"):
            results["starts"] = bench.starts()
    finally:
        bench.stop_all()
        if options.keep:
            print(f"bench: scratch kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    rows, checks = [], []
    latency = results.get("latency")
    if latency:
        post, get = latency["post_ms"], latency["get_ms"]
        preload = latency["preload"]
        rows += [
            (f"preload through the API ({preload['connections']} connections)",
             f"{preload['bookings']} in {preload['seconds']:.1f} s = "
             f"{preload['per_second']:.0f}/s"),
            ("  each of those POSTs",
             f"p50 {preload['post_ms']['p50']:.2f} ms  p99 {preload['post_ms']['p99']:.2f} ms  "
             f"p99.9 {preload['post_ms']['p999']:.1f} ms  max {preload['post_ms']['max']:.1f} ms"),
            (f"POST /bookings, {latency['bookings_stored'] - post['samples']} stored "
             f"({post['samples']} samples)",
             f"p50 {post['p50']:.2f} ms  p99 {post['p99']:.2f} ms  max {post['max']:.2f} ms"),
            ("GET /bookings/<id>",
             f"p50 {get['p50']:.2f} ms  p99 {get['p99']:.2f} ms  max {get['max']:.2f} ms"),
            ("client floor (401 answer)",
             f"p50 {latency['unauthenticated_401_ms']['p50']:.2f} ms  "
             f"p99 {latency['unauthenticated_401_ms']['p99']:.2f} ms"),
            ("fsync of a 4 KiB append in the data directory",
             f"p50 {latency['fsync_ms']['p50']:.2f} ms  p99 {latency['fsync_ms']['p99']:.2f} ms"),
            ("convened peak RSS / database",
             f"{latency['convened_peak_rss_mb']:.0f} MB / {latency['database_mb']:.0f} MB"),
            ("convened per timed POST: CPU / written / writes",
             f"{latency['convened_cpu_ms_per_post']:.2f} ms / "
             f"{latency['convened_written_kib_per_post']:.1f} KiB / "
             f"{latency['convened_write_calls_per_post']:.1f} calls"),
        ]
        checks.append((f"booking p99 < {TARGET_BOOKING_P99_MS} ms",
                       post["p99"] < TARGET_BOOKING_P99_MS))
    starts = results.get("starts")
    if starts:
        late = starts["lateness_s_log"] or {}
        pick = starts["starting_s_log"] or {}
        rows += [
            (f"bridge with {starts['spaces']} coSpaces (slots)",
             f"provisioned in {starts['provision_seconds']:.1f} s"),
            (f"{starts['meetings']} meetings, one start second "
             f"({starts['dial_out_participants']} dial-outs)",
             f"booked in {starts['booking_seconds']:.1f} s"),
            ("GET /coSpaces sent by convened from the start on",
             f"{starts['cospace_gets']} = {starts['cospace_gets_per_start']:.2f} per start"),
            ("start lateness: picked up (log: starting)",
             f"p50 {fmt(pick.get('p50'), ' s', 3)}  p99 {fmt(pick.get('p99'), ' s', 3)}  "
             f"max {fmt(pick.get('max'), ' s', 3)}"),
            ("live lateness: call made (log: live)",
             f"p50 {fmt(late.get('p50'), ' s', 3)}  p99 {fmt(late.get('p99'), ' s', 3)}  "
             f"max {fmt(late.get('max'), ' s', 3)}"),
            ("all live after the start (convened log)", fmt(starts["all_live_s_log"], " s", 3)),
            (f"all live, seen through GET /bookings every {starts['api_poll_ms']} ms",
             fmt(starts["all_live_s_api"], " s", 3)) if starts["api_poll_ms"] else
            ("all live, seen through GET /bookings", "not polled (--poll-ms 0)"),
            (f"CPU used in the first {starts['observed_s']:.1f} s: convened / bridge",
             f"{starts['cpu_s_convened']:.2f} s / {starts['cpu_s_bridge']:.2f} s"),
            ("live / failed / calls on the bridge / call legs",
             f"{starts['live_in_log']} / {starts['failed']} / {starts['bridge_calls']} / "
             f"{starts['bridge_call_legs']}"),
        ]
        checks.append((f"all {starts['meetings']} live < {TARGET_ALL_LIVE_S} s",
                       starts["all_live_s_log"] is not None
                       and starts["all_live_s_log"] < TARGET_ALL_LIVE_S))
        checks.append((f"start lateness p99 < {TARGET_LATENESS_P99_S} s (picked up)",
                       bool(pick) and pick["count"] == starts["meetings"]
                       and pick["p99"] < TARGET_LATENESS_P99_S))
        checks.append((f"live lateness p99 < {TARGET_LATENESS_P99_S} s (stricter reading)",
                       bool(late) and starts["live_in_log"] == starts["meetings"]
                       and late["p99"] < TARGET_LATENESS_P99_S))
        checks.append((f"GET /coSpaces per start <= {TARGET_SPACE_REQUESTS_PER_START}",
                       starts["cospace_gets_per_start"] is not None
                       and starts["cospace_gets_per_start"] <= TARGET_SPACE_REQUESTS_PER_START))
        checks.append((f"{starts['meetings']} calls on the bridge",
                       starts["bridge_calls"] == starts["meetings"]))
    width = max(len(name) for name, _ in rows) if rows else 0
    print("\nbench: scheduler figures")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print_targets(checks)
    results["targets"] = {name: ok for name, ok in checks}
    write_json(options.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
