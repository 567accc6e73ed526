"""`make install DESTDIR=...`: the staged tree holds the three programs,
the web console's files, the example configuration of both daemons (documenting every option the
daemons accept), and systemd units that name the installed paths; the
installed daemons start from the installed example configuration (with
the data directory and listen address overridden), the installed
`convene` talks to them, and the installed `convene demo` finds the
installed daemons. A second install keeps an edited configuration.

Installs from the build directory under test, configured for the prefix it
already has, so the build is not changed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import ADMIN, CmsClient, free_port, wait_for  # noqa: E402


class World:
    destdir = None
    prefix = None


def configured_prefix():
    with open(os.path.join(harness.BUILD_DIR, "CMakeCache.txt")) as handle:
        for line in handle:
            if line.startswith("CMAKE_INSTALL_PREFIX:"):
                return line.split("=", 1)[1].strip()
    raise AssertionError("no CMAKE_INSTALL_PREFIX in the build directory's cache")


def staged(*parts):
    return os.path.join(World.destdir, World.prefix.lstrip("/"), *parts)


def config_dir():
    # GNUInstallDirs: /etc for the /usr prefix, PREFIX/etc otherwise.
    if World.prefix == "/usr":
        return os.path.join(World.destdir, "etc", "convene")
    return staged("etc", "convene")


def make_install():
    # Under `make test` this runs inside make -> ctest: do not inherit the
    # outer make's jobserver.
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES")}
    done = subprocess.run(["make", "-C", os.path.abspath(harness.SOURCE_DIR), "install",
                           "DESTDIR=" + World.destdir, "PREFIX=" + World.prefix,
                           "BUILD_DIR=" + os.path.abspath(harness.BUILD_DIR)],
                          capture_output=True, text=True, timeout=600, env=environment)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_make_install_stages_the_tree():
    World.destdir = tempfile.mkdtemp(prefix="convene-install-")
    World.prefix = configured_prefix()
    make_install()
    for path in (staged("bin", "convene"), staged("bin", "convene-bridge"),
                 staged("sbin", "convened")):
        assert os.access(path, os.X_OK), path
    for name in ("convened.conf", "convene-bridge.conf", "convened.conf.example",
                 "convene-bridge.conf.example"):
        assert os.path.isfile(os.path.join(config_dir(), name)), name
    # The web console's files, where convened looks for them by default.
    console = staged("share", "convene", "console")
    for name in ("index.html", "app.js", "api.js", "style.css"):
        assert os.path.isfile(os.path.join(console, name)), name
    units = staged("lib", "systemd", "system")
    for unit, program in (("convened.service", "sbin/convened"),
                          ("convene-bridge.service", "bin/convene-bridge")):
        with open(os.path.join(units, unit)) as handle:
            text = handle.read()
        assert "@" not in text.replace("multi-user", ""), "unfilled template in " + unit
        start = re.search(r"^ExecStart=(\S+) --config (\S+)$", text, re.M)
        assert start, unit
        assert start.group(1) == os.path.join(World.prefix, program), start.group(1)
        config = start.group(2)
        assert os.path.isfile(os.path.join(World.destdir, config.lstrip("/"))), config
        assert "[Install]" in text and "WantedBy=multi-user.target" in text


def options_of(program):
    done = subprocess.run([program, "--help"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0
    return [name for name in re.findall(r"^  --([a-z0-9-]+)", done.stdout, re.M)
            if name not in ("help", "config")]


def test_every_option_is_documented_in_the_example_configuration():
    for program, config in ((staged("sbin", "convened"), "convened.conf"),
                            (staged("bin", "convene-bridge"), "convene-bridge.conf")):
        with open(os.path.join(config_dir(), config)) as handle:
            text = handle.read()
        for option in options_of(program):
            assert re.search(r"^[#;]? ?%s = " % re.escape(option), text, re.M), \
                "%s does not document %s" % (config, option)


def test_installed_daemons_start_from_the_installed_configuration():
    data = tempfile.mkdtemp(prefix="convene-installed-")
    bridge_port, scheduler_port = free_port(), free_port()
    bridge = harness.Process(
        [staged("bin", "convene-bridge"), "--config",
         os.path.join(config_dir(), "convene-bridge.conf"),
         "--data-dir", os.path.join(data, "bridge"), "--listen", "127.0.0.1:%d" % bridge_port],
        env={"CONVENE_BRIDGE_PASSWORD": ADMIN[1]}, name="installed-bridge")
    scheduler = harness.Process(
        [staged("sbin", "convened"), "--config", os.path.join(config_dir(), "convened.conf"),
         "--data-dir", os.path.join(data, "convened"), "--listen",
         "127.0.0.1:%d" % scheduler_port],
        env={"CONVENED_ADMIN_PASSWORD": ADMIN[1]}, name="installed-convened")
    try:
        bridge.start()
        scheduler.start()
        cms = CmsClient(bridge_port, tls=True)  # HTTPS by default, as configured

        def bridge_ready():
            assert bridge.alive(), bridge.log()
            try:
                return cms.get("/callBridges").status == 200
            except OSError:
                cms.close()
                return False
        wait_for(bridge_ready, timeout=20, what="the installed convene-bridge")
        names = [element.findtext("name") for element in cms.get("/callBridges").xml()]
        assert names == ["CallBridge-Core1"], names  # `name` from the example file
        cms.close()

        ca = os.path.join(data, "convened", "tls-certificate.pem")
        argv = [staged("bin", "convene"), "--server", "https://127.0.0.1:%d" % scheduler_port,
                "--ca-file", ca, "--user", ADMIN[0], "bridge", "list"]

        def scheduler_ready():
            assert scheduler.alive(), scheduler.log()
            if not os.path.exists(ca):
                return False
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                                  env=dict(os.environ, CONVENE_PASSWORD=ADMIN[1]))
            return done.returncode == 0 and done
        done = wait_for(scheduler_ready, timeout=20, what="the installed convened")
        assert done.stdout.startswith("No bridges."), done.stdout
        assert scheduler.stop() == 0, scheduler.log()
        assert bridge.stop() == 0, bridge.log()
    finally:
        for process in (scheduler, bridge):
            if process.alive():
                process.kill()
        shutil.rmtree(data, ignore_errors=True)


def test_installed_demo_finds_the_installed_daemons():
    temporary = tempfile.mkdtemp(prefix="convene-installed-demo-")
    try:
        done = subprocess.run([staged("bin", "convene"), "demo"], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, TMPDIR=temporary,
                                                    PATH="/usr/bin:/bin"))
        assert done.returncode == 0, done.stdout + done.stderr
        programs = [line for line in done.stdout.splitlines() if "Programs:" in line][0]
        assert staged("bin", "convene-bridge") in programs, programs
        assert staged("sbin", "convened") in programs, programs
        assert os.listdir(temporary) == []
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def test_a_second_install_keeps_the_edited_configuration():
    path = os.path.join(config_dir(), "convened.conf")
    with open(path, "a") as handle:
        handle.write("\n# edited by the operator\n")
    make_install()
    with open(path) as handle:
        assert handle.read().endswith("# edited by the operator\n")


def cleanup():
    if World.destdir:
        shutil.rmtree(World.destdir, ignore_errors=True)


if __name__ == "__main__":
    harness.run_module(globals(), cleanup=cleanup)
