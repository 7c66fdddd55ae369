#!/usr/bin/env python3
"""Offline bitbake parse of the Yocto layer: `make image-parse` (image/README.md).

For every release (scarthgap from image/kas/common.yml, plus one per overlay in image/kas/release/)
and every machine file in image/kas/, it writes the bblayers.conf and local.conf that kas would
write, then runs `bitbake -g <target>` (a parse of every recipe of the named layers, then the
target's task graph) as an unprivileged user. A configuration passes when bitbake exits 0 with no
ERROR, no WARNING comes from this project's layer, the graph holds every recipe of that layer, and
the settings the image relies on hold in the recipes that read them (bb_settings.py).
Other layers' warnings are listed, not counted.

The layer sources are not fetched: they are bare git repositories in SOURCES, one per kas
repository, named <owner>+<name>/repo after the last part of the kas URL (the layout of
/work/.mirror). Checkouts, build directories and bitbake's parse cache live in CACHE, keyed by
commit, so a rerun with the same sources parses only what changed.

usage: parse.py [--sources DIR] [--cache DIR] [--release R]... [--machine M]... [--if-present]
"""
import argparse
import fcntl
import glob
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the clone
import bitbake_log  # noqa: E402
import kasconf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
KAS = os.path.join(REPO, "image", "kas")
USER = "appliance-parse"
# A configuration that takes longer than this is stuck, not slow (cold parses take minutes).
TIMEOUT_SECONDS = 45 * 60
# Parse only: nothing is fetched (the sanity check's connectivity test included), nothing is built.
PARSE_CONF = """
# image/scripts/parse.py: an offline parse, nothing is fetched or built.
BB_NO_NETWORK = "1"
CONNECTIVITY_CHECK_URIS = ""
"""


def say(message):
    print(f"image-parse: {message}", flush=True)


def releases():
    """[(name, [overlay files])]: the base release of common.yml, then each overlay of image/kas/release/."""
    overlays = sorted(glob.glob(os.path.join(KAS, "release", "*.yml")))
    return [(None, [])] + [(os.path.splitext(os.path.basename(o))[0], [o]) for o in overlays]


def machines():
    return sorted(f for f in glob.glob(os.path.join(KAS, "*.yml")) if os.path.basename(f) != "common.yml")


def release_name(config):
    """The release a merged configuration is on: the branch of openembedded-core (or poky)."""
    for name, url, refspec, _ in kasconf.repos(config):
        if url and name in ("openembedded-core", "poky"):
            return refspec
    raise SystemExit("image-parse: the kas files name neither openembedded-core nor poky")


def mirror_of(sources, url):
    """The bare git directory in SOURCES for a kas URL (…/meta-oe.git → <owner>+meta-oe/repo)."""
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    found = sorted(glob.glob(os.path.join(sources, f"*+{name}", "repo")))
    return found[0] if found else None


def git(git_dir, *args):
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True).stdout


def checkout(mirror, refspec, dest_root, name):
    """A read-only tree of REFSPEC at CACHE/src/<name>-<commit>; git archive keeps the commit time
    as every file's mtime, so bitbake's cache (keyed by path and mtime) stays valid across reruns."""
    commit = None
    for ref in (f"refs/heads/{refspec}", f"refs/tags/{refspec}", refspec):
        try:
            commit = git(mirror, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
            break
        except subprocess.CalledProcessError:
            continue
    if not commit:
        raise SystemExit(f"image-parse: {mirror} has no branch, tag or commit {refspec}")
    dest = os.path.join(dest_root, f"{name}-{commit[:12]}")
    if not os.path.isdir(dest):
        tmp = dest + ".part"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        archive = subprocess.Popen(["git", f"--git-dir={mirror}", "archive", "--format=tar", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "--no-same-owner", "-C", tmp], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise SystemExit(f"image-parse: git archive {commit} of {mirror} failed")
        os.rename(tmp, dest)
    return dest, commit


def copy_local(repo_root, layer, dest):
    """This repository's layer, copied with its mtimes (the clone may not be readable by USER)."""
    src = os.path.join(repo_root, layer)
    tmp = dest + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, symlinks=True)  # copy2: mtimes kept, so unchanged recipes stay cached
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    os.rename(tmp, dest)
    return dest


def ensure_user():
    """bitbake refuses root: root runs it as USER (a system account without login), anyone else as themselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", USER], check=True)
    return pwd.getpwnam(USER)


def chown_tree(path, user):
    if user is None:
        return
    for root, dirs, files in os.walk(path):
        for entry in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(entry, user.pw_uid, user.pw_gid)


def write(path, text, user):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    if user:  # oe-init-build-env writes its own files next to ours
        os.chown(os.path.dirname(path), user.pw_uid, user.pw_gid)
        os.chown(path, user.pw_uid, user.pw_gid)


# What the distro promises besides the kas files' own assignments: no console or getty on the UART
# (provisioning owns it), the UART enabled in config.txt, classic interface names.
DISTRO_SETTINGS = ["appliance:SERIAL_CONSOLES=", "rpi-config:ENABLE_UART=1",
                   "rpi-cmdline:CMDLINE!~console=serial0,115200", "rpi-cmdline:CMDLINE~net.ifnames=0"]


def settings_checks(config):
    """bb_settings.py checks: every plain `VAR = "value"` of the kas local.conf holds in the service
    recipe (APPLIANCE_BOARD, RPI_EXTRA_CONFIG), then DISTRO_SETTINGS."""
    assignments = re.findall(r'^(\w+) = "([^"]*)"$', kasconf.local_conf(config), re.MULTILINE)
    return [f"appliance:{name}={value}" for name, value in assignments] + DISTRO_SETTINGS


def run_bitbake(oe_core, bitbake, build, command, user, log_path):
    """COMMAND (bitbake -g, or a tinfoil script) in BUILD after oe-core's environment script, as USER, in en_US.UTF-8."""
    script = f'. "{oe_core}/oe-init-build-env" "{build}" "{bitbake}" >/dev/null && exec {command}'
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8",
           "HOME": os.path.dirname(build), "SHELL": "/bin/sh", "TERM": "dumb"}
    command = ["nice", "-n", "10", "bash", "-c", script]
    if user:
        command = ["runuser", "-u", user.pw_name, "--"] + command
        env["USER"] = env["LOGNAME"] = user.pw_name
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            proc = subprocess.run(command, env=env, cwd=build, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    with open(log_path, encoding="utf-8", errors="replace") as log:
        output = log.read()
    return code, output, time.monotonic() - start


def parse_release(args, overlays, machine_files, user):
    """Parses every machine configuration of one release; returns [(label, passed)]."""
    configs = [(os.path.splitext(os.path.basename(m))[0], kasconf.load([m] + overlays, REPO)) for m in machine_files]
    repos = kasconf.repos(configs[0][1])
    for label, config in configs[1:]:
        if kasconf.repos(config) != repos:
            raise SystemExit(f"image-parse: {label} names other layers than {configs[0][0]}; one checkout per release expects the same")
    release = release_name(configs[0][1])

    top = os.path.join(args.cache, release)
    os.makedirs(top, exist_ok=True)
    layer_paths, paths, ours, heads = [], {}, [], []
    for name, url, refspec, layers in repos:
        if url:
            mirror = mirror_of(args.sources, url)
            path, commit = checkout(mirror, refspec, os.path.join(args.cache, "src"), name)
            heads.append(f"{name} {refspec} {commit[:12]}")
        else:
            path = os.path.join(top, "local", name)
            for layer in layers:
                ours.append(copy_local(REPO, layer, os.path.join(path, layer)))
        paths[name] = path
        layer_paths += [os.path.join(path, layer) for layer in layers]
    say(f"{release}: " + ", ".join(heads))
    if "bitbake" not in paths or "openembedded-core" not in paths:
        raise SystemExit("image-parse: the kas files must name the bitbake and openembedded-core repositories")
    chown_tree(os.path.join(top, "local"), user)
    build = os.path.join(top, "build")
    os.makedirs(build, exist_ok=True)
    if user:
        os.chown(top, user.pw_uid, user.pw_gid)
        chown_tree(build, user)

    # The settings check runs as USER, who may not read the clone.
    settings_script = os.path.join(top, "bb_settings.py")
    shutil.copy(os.path.join(HERE, "bb_settings.py"), settings_script)
    results = []
    for label, config in configs:
        # A cold parse is minutes per configuration: past the budget the rest is reported as not run, loudly, so CI
        # stays inside its time (the warm cache makes the next run cover them in about a minute each).
        if args.deadline is not None and time.monotonic() > args.deadline:
            say(f"budget: NOT RUN {release} {label}: over the time budget of {args.budget:.0f} s (IMAGE_PARSE_BUDGET)")
            continue
        write(os.path.join(build, "conf", "bblayers.conf"), kasconf.bblayers_conf(config, layer_paths), user)
        write(os.path.join(build, "conf", "local.conf"), kasconf.local_conf(config) + PARSE_CONF, user)
        log_path = os.path.join(top, f"{label}.log")
        code, output, seconds = run_bitbake(paths["openembedded-core"], paths["bitbake"], build,
                                            f'bitbake -g "{config["target"]}"', user, log_path)
        buildlist = read_buildlist(build, os.path.join(top, f"{label}.pn-buildlist"))
        recipes = ours_recipes(ours)
        report = bitbake_log.judge(code, output, ours, recipes + [config["distro"]], recipes, args.cache, buildlist)
        if report.passed:
            checks = " ".join(shlex.quote(c) for c in settings_checks(config))
            code, output, _ = run_bitbake(paths["openembedded-core"], paths["bitbake"], build,
                                          f"python3 {shlex.quote(settings_script)} {checks}", user, f"{log_path}.settings")
            if code != 0:
                report.passed = False
                report.problems += [line for line in output.splitlines() if line.startswith("bb_settings:")] \
                    or [f"the settings check exited with {code} (log {log_path}.settings)"]
        outcome = "passed" if report.passed else "FAILED"
        # The load says how much of the machine bitbake had: CI machines are shared.
        load = os.getloadavg()[1]
        say(f"{outcome} {release} {label} in {seconds:.0f} s (load {load:.1f}): {report.summary} (log {log_path})")
        # The other graph files are large and not needed to judge; a stale one must not be read next time.
        for stale in ("task-depends.dot", "pn-buildlist"):
            if os.path.exists(os.path.join(build, stale)):
                os.remove(os.path.join(build, stale))
        for line in report.details():
            print(f"  {line}", flush=True)
        results.append((f"{release} {label}", report.passed))
    return results


def read_buildlist(build, keep):
    """The PNs of the pn-buildlist `bitbake -g` wrote (moved to KEEP), or None when it wrote none."""
    path = os.path.join(build, "pn-buildlist")
    if not os.path.exists(path):
        return None
    shutil.move(path, keep)
    with open(keep, encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip()}


def ours_recipes(layer_dirs):
    """The PNs of this project's recipes (appliance_0.1.0.bb → appliance), which the graph must hold."""
    names = set()
    for layer in layer_dirs:
        for bb in glob.glob(os.path.join(layer, "recipes-*", "*", "*.bb")):
            names.add(os.path.basename(bb)[:-3].split("_")[0])
    return sorted(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", default=os.environ.get("IMAGE_PARSE_SOURCES", "/work/.mirror"))
    ap.add_argument("--cache", default=os.environ.get("IMAGE_PARSE_CACHE", "/var/cache/appliance-image-parse"))
    ap.add_argument("--release", action="append", help="scarthgap, wrynose ... (default: all)")
    ap.add_argument("--machine", action="append", help="a kas file's name: raspberrypi4-64, raspberrypi5, cm4 (default: all)")
    ap.add_argument("--if-present", action="store_true", help="without the sources: say so loudly and exit 0")
    ap.add_argument("--budget", type=float, default=float(os.environ.get("IMAGE_PARSE_BUDGET") or 0),
                    help="seconds after which no further configuration is started (0: no limit)")
    args = ap.parse_args()
    args.deadline = time.monotonic() + args.budget if args.budget > 0 else None
    args.sources, args.cache = os.path.abspath(args.sources), os.path.abspath(args.cache)
    os.umask(0o022)  # USER reads the checkouts root extracts

    machine_files = [m for m in machines() if not args.machine or os.path.splitext(os.path.basename(m))[0] in args.machine]
    plan = []
    for _, overlays in releases():
        config = kasconf.load([machine_files[0]] + overlays, REPO)
        name = release_name(config)
        if not args.release or name in args.release:
            plan.append((name, overlays, config))
    if not plan or not machine_files:
        raise SystemExit(f"image-parse: nothing to parse (releases {args.release}, machines {args.machine})")

    missing = sorted({f"{url} ({refspec})" for _, _, config in plan for _, url, refspec, _ in kasconf.repos(config)
                      if url and not mirror_of(args.sources, url)})
    if missing:
        message = f"NOT RUN: no git mirror in {args.sources} of " + ", ".join(missing)
        print("=" * 100 + f"\nimage-parse: {message}\n" + "=" * 100, flush=True)
        sys.exit(0 if args.if_present else 2)

    os.makedirs(args.cache, exist_ok=True)
    user = ensure_user()
    with open(os.path.join(args.cache, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one bitbake per build directory: a second run waits
        results = []
        for name, overlays, _ in plan:
            results += parse_release(args, overlays, machine_files, user)
    passed = sum(1 for _, ok in results if ok)
    say(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
