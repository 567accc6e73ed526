#!/usr/bin/env python3
"""bench/bridge.py - the convene-bridge benchmark of issue 2, in one run.

Owns: starting a plain-HTTP convene-bridge and an nginx on loopback,
creating spaces through a bulk parameter set and a bulk sync, timing
the syncs, measuring requests/s with wrk over keep-alive, and reading the
bridge's peak RSS. It first runs scripts/install-bench-deps (wrk, nginx)
and builds convene-bridge (RelWithDebInfo) if the build directory lacks
it. This is a benchmark, never a test: it reports figures and whether
each target was met; its exit code is 0 unless something could not be
measured.

Reports:
  * requests/s for GET /api/v1/system/status and GET /api/v1/coSpaces?limit=10
    (with 100,000 spaces stored), and for nginx serving a static copy of
    each reply (the same bytes, saved from the bridge) the same way;
    the ratio bridge/nginx (target >= 0.7);
  * wall time of a bulk sync of 10,000 and of 100,000 spaces, from the
    POST /cospaceBulkSyncs until GET shows "complete" (targets < 1 s, < 10 s);
  * the bridge's peak RSS, VmHWM from /proc/<pid>/status (target < 300 MB).

Usage: python3 bench/bridge.py [--build-dir build] [--duration 10]
       [--connections 64] [--rounds 2] [--wrk-threads 2] [--bridge-threads 2]
       [--json FILE] [--keep] [--no-install]
"""
import argparse
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from bench_common import SOURCE_DIR, machine, print_targets, write_json

USER, PASSWORD = "bench", "bench-password"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

TARGET_RATIO = 0.7
TARGET_SYNC_10K = 1.0
TARGET_SYNC_100K = 10.0
TARGET_RSS_MB = 300


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Bridge:
    """One convene-bridge process on a fresh data directory."""

    def __init__(self, binary, work_dir, name, threads, page_limit):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = os.path.join(work_dir, name)
        self.log_path = os.path.join(work_dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
             "--api-user", f"{USER}:{PASSWORD}", "--plain-http",
             "--threads", str(threads), "--page-limit", str(page_limit)],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.request("GET", "/api/v1/system/status")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"convene-bridge did not start; see {self.log_path}")
            time.sleep(0.05)

    def request(self, method, path, form=None):
        data = None
        headers = {"Authorization": AUTH}
        if form is not None:
            data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as reply:
                return reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def create(self, collection, form):
        status, headers, body = self.request("POST", f"/api/v1/{collection}", form)
        if status != 200 or not headers.get("Location"):
            raise RuntimeError(f"POST /{collection} answered {status}: {body[:300]!r}")
        return headers["Location"].rsplit("/", 1)[1]

    def peak_rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def bulk_sync(bridge, count, first_index=1):
    """Creates `count` spaces the way TMS does; returns the sync's wall time."""
    set_id = bridge.create("cospaceBulkParameterSets", {
        "startIndex": str(first_index),
        "endIndex": str(first_index + count - 1),
        "coSpaceNameMapping": "TMS_Scheduled_Meeting_%24index%24",
        "coSpaceUriMapping": "%24index%24",
        "coSpaceCallIdMapping": "%24index%24",
        "nonMemberAccess": "false",
    })
    started = time.monotonic()
    sync_id = bridge.create("cospaceBulkSyncs", {"cospaceBulkParameterSet": set_id})
    while True:
        status, _, body = bridge.request("GET", f"/api/v1/cospaceBulkSyncs/{sync_id}")
        match = re.search(rb"<status>([^<]*)</status>", body)
        state = match.group(1).decode() if match else "?"
        if status == 200 and state == "complete":
            elapsed = time.monotonic() - started
            break
        if status != 200 or state not in ("pending", "running"):
            raise RuntimeError(f"bulk sync of {count} ended {status} {state}: {body[:300]!r}")
        if time.monotonic() - started > 600:
            raise RuntimeError(f"bulk sync of {count} still {state} after 600 s")
        time.sleep(0.005)
    status, _, body = bridge.request("GET", "/api/v1/coSpaces?limit=1")
    total = re.search(rb'total="(\d+)"', body)
    if status != 200 or not total or int(total.group(1)) < count:
        raise RuntimeError(f"after the sync GET /coSpaces answered {status}: {body[:300]!r}")
    return elapsed


class Nginx:
    """nginx serving fixed files from a scratch root on a loopback port."""

    def __init__(self, work_dir, files, workers):
        self.port = free_port()
        self.root = os.path.join(work_dir, "nginx")
        os.makedirs(os.path.join(self.root, "logs"), exist_ok=True)
        os.makedirs(os.path.join(self.root, "html"), exist_ok=True)
        for name, content in files.items():
            with open(os.path.join(self.root, "html", name), "wb") as out:
                out.write(content)
        config = os.path.join(self.root, "nginx.conf")
        temp = os.path.join(self.root, "temp")
        with open(config, "w") as out:
            out.write(f"""
worker_processes {workers};
daemon off;
pid {self.root}/nginx.pid;
error_log {self.root}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    default_type text/xml;
    server {{
        listen 127.0.0.1:{self.port};
        root {self.root}/html;
    }}
}}
""")
        os.makedirs(temp, exist_ok=True)
        self.process = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-p", self.root, "-c", config,
             "-e", os.path.join(self.root, "logs", "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start; see {self.root}/logs/error.log")
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(pids):
    """User + system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def wrk(url, duration, connections, threads, server_pids=()):
    """requests/s over keep-alive, and the server's CPU time per request
    (a figure that other load on the machine disturbs far less than the
    rate); non-2xx answers make the run invalid."""
    cpu_before = cpu_seconds(server_pids)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
               "-H", f"Authorization: {AUTH}", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu_used = cpu_seconds(server_pids) - cpu_before
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not rate:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} non-2xx answers:\n{output}")
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", output)
    total = re.search(r"(\d+) requests in", output)
    requests = int(total.group(1)) if total else 0
    return {"rps": float(rate.group(1)), "p99": p99.group(1) if p99 else "?",
            "requests": requests,
            "cpu_us_per_request": cpu_used * 1e6 / requests if requests else float("nan"),
            "socket_errors": errors.group(1) if errors else ""}






def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2,
                        help="wrk runs per server and path (best one counts)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--bridge-threads", type=int, default=2)
    parser.add_argument("--spaces", type=int, default=100000,
                        help="spaces for the large sync and the coSpaces run")
    parser.add_argument("--small-spaces", type=int, default=10000)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--no-install", action="store_true",
                        help="do not run scripts/install-bench-deps first")
    options = parser.parse_args()

    if not options.no_install:
        subprocess.run([os.path.join(SOURCE_DIR, "scripts", "install-bench-deps")], check=True)
    binary = os.path.join(options.build_dir, "src", "bridge", "convene-bridge")
    if not os.access(binary, os.X_OK):
        print(f"bench: building convene-bridge in {options.build_dir}", flush=True)
        subprocess.run(["cmake", "-S", SOURCE_DIR, "-B", options.build_dir,
                        "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], check=True)
        subprocess.run(["cmake", "--build", options.build_dir, "--target", "convene-bridge",
                        "-j", str(os.cpu_count() or 2)], check=True)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"bench: {tool} not installed; run scripts/install-bench-deps")

    work_dir = tempfile.mkdtemp(prefix="convene-bench-")
    os.chmod(work_dir, 0o755)  # nginx workers run as another user when started by root
    commit = subprocess.run(["git", "-C", SOURCE_DIR, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    results = {"machine": machine(), "commit": commit, "bridge_threads": options.bridge_threads,
               "wrk": {"threads": options.wrk_threads, "connections": options.connections,
                       "duration_s": options.duration}}
    bridges = []
    nginx = None
    try:
        print(f"bench: machine: {results['machine']}; commit {commit}", flush=True)
        # 1. The small sync on a fresh bridge.
        small = Bridge(binary, work_dir, "small", options.bridge_threads, 10)
        bridges.append(small)
        results["sync_small"] = {"spaces": options.small_spaces,
                                 "seconds": bulk_sync(small, options.small_spaces)}
        print(f"bench: bulk sync of {options.small_spaces} spaces: "
              f"{results['sync_small']['seconds']:.3f} s", flush=True)
        small.stop()

        # 2. The large sync on another fresh bridge, which then serves the wrk runs.
        large = Bridge(binary, work_dir, "large", options.bridge_threads, 10)
        bridges.append(large)
        results["sync_large"] = {"spaces": options.spaces,
                                 "seconds": bulk_sync(large, options.spaces)}
        print(f"bench: bulk sync of {options.spaces} spaces: "
              f"{results['sync_large']['seconds']:.3f} s", flush=True)

        # 3. Static copies of the two replies for nginx.
        paths = {"status": "/api/v1/system/status", "cospaces": "/api/v1/coSpaces?limit=10"}
        files = {}
        for name, path in paths.items():
            status, _, body = large.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            files[name + ".xml"] = body
        nginx = Nginx(work_dir, files, options.bridge_threads)

        results["http"] = {}
        for name, path in paths.items():
            nginx_pids = [nginx.process.pid] + children(nginx.process.pid)
            bridge_runs, nginx_runs = [], []
            # Alternate the two, best of `rounds`, so a burst of other load on
            # the machine does not decide the ratio.
            for _ in range(options.rounds):
                bridge_runs.append(wrk(large.base + path, options.duration, options.connections,
                                       options.wrk_threads, [large.process.pid]))
                nginx_runs.append(wrk(f"http://127.0.0.1:{nginx.port}/{name}.xml",
                                      options.duration, options.connections,
                                      options.wrk_threads, nginx_pids))
            bridge_run = max(bridge_runs, key=lambda run: run["rps"])
            nginx_run = max(nginx_runs, key=lambda run: run["rps"])
            ratio = bridge_run["rps"] / nginx_run["rps"]
            results["http"][name] = {"path": path, "bytes": len(files[name + ".xml"]),
                                     "bridge": bridge_run, "nginx": nginx_run, "ratio": ratio,
                                     "all_bridge_rps": [run["rps"] for run in bridge_runs],
                                     "all_nginx_rps": [run["rps"] for run in nginx_runs]}
            print(f"bench: GET {path} ({len(files[name + '.xml'])} bytes): bridge "
                  f"{bridge_run['rps']:.0f} req/s (p99 {bridge_run['p99']}, "
                  f"{bridge_run['cpu_us_per_request']:.1f} us CPU/request), nginx "
                  f"{nginx_run['rps']:.0f} req/s (p99 {nginx_run['p99']}, "
                  f"{nginx_run['cpu_us_per_request']:.1f} us CPU/request), ratio {ratio:.2f}",
                  flush=True)
        results["peak_rss_mb"] = large.peak_rss_mb()
        print(f"bench: bridge peak RSS (VmHWM): {results['peak_rss_mb']:.1f} MB", flush=True)
    finally:
        if nginx:
            nginx.stop()
        for bridge in bridges:
            bridge.stop()
        if options.keep:
            print(f"bench: scratch kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    checks = [
        (f"GET /system/status >= {TARGET_RATIO}x nginx",
         results["http"]["status"]["ratio"] >= TARGET_RATIO),
        (f"GET /coSpaces?limit=10 >= {TARGET_RATIO}x nginx",
         results["http"]["cospaces"]["ratio"] >= TARGET_RATIO),
        (f"bulk sync of {options.small_spaces} < {TARGET_SYNC_10K} s",
         results["sync_small"]["seconds"] < TARGET_SYNC_10K),
        (f"bulk sync of {options.spaces} < {TARGET_SYNC_100K} s",
         results["sync_large"]["seconds"] < TARGET_SYNC_100K),
        (f"peak RSS < {TARGET_RSS_MB} MB", results["peak_rss_mb"] < TARGET_RSS_MB),
    ]
    results["targets"] = {name: ok for name, ok in checks}
    print_targets(checks)
    write_json(options.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
