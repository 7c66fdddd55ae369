#!/usr/bin/env python3
"""Builds the Debian package of the box (Raspberry Pi OS Bookworm / Debian 12) from a NativeAOT publish.

usage: build-deb.py PUBLISH_DIR BOARD_DIR arm64|amd64 OUTPUT_DIR

It installs the very files the Yocto recipe installs: the unit, console units and udev rules from
image/meta-appliance/recipes-appliance/appliance/files/, and the default configuration and
systemd-networkd files that stage.py generates from the board profile (shipped_config). Maintainer
scripts and the control template are in image/debian/. Only dpkg-deb is needed (no debhelper).

The default configuration (/etc/appliance/appliance.json, a conffile) is rpi4's; every Raspberry Pi board
has the same NIC names (eth0 WAN, eth1 LAN) and the console comes from the profile, so only "Board"
differs between them: the postinst writes it to /etc/default/appliance from /proc/device-tree/model.
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import stage

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEBIAN = os.path.join(REPO, "image", "debian")
FILES = os.path.join(REPO, "image", "meta-appliance", "recipes-appliance", "appliance", "files")
DEFAULT_BOARD = "rpi4"
# ELF e_machine per Debian architecture: the package must not carry another architecture's binary.
MACHINES = {"arm64": 183, "amd64": 62}
UNITS = ["appliance.service", "appliance-console-select.service", "appliance-provisioning.target"]
# Loaded with dlopen, so no ELF NEEDED entry shows them: OpenSSL 3 (.NET's crypto, NSec's RNG) and
# libgpiod 1.x (libgpiod.so.2, Debian 12's libgpiod2; 2.x is libgpiod.so.3). glibc is NEEDED directly; 2.36 because
# the binary's relocations are packed as DT_RELR (GLIBC_ABI_DT_RELR, tools/footprint/README.md).
DEPENDS = "libc6 (>= 2.36), libssl3, libgpiod2, adduser, nftables"


def fail(message):
    print(f"build-deb: {message}", file=sys.stderr)
    sys.exit(1)


def version():
    with open(os.path.join(REPO, "Directory.Build.props"), encoding="utf-8") as f:
        text = f.read()
    start = text.find("<Version>")
    end = text.find("</Version>")
    if start < 0 or end < start:
        fail("no <Version> in Directory.Build.props")
    return text[start + len("<Version>"):end].strip()


def check_elf(path, arch):
    with open(path, "rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF" or header[18:20] != MACHINES[arch].to_bytes(2, "little"):
        fail(f"{path} is not an ELF executable for {arch}: publish with `make aot ARCH={'x64' if arch == 'amd64' else 'arm64'}`")


class Tree:
    """The package's file system, written with explicit modes; dpkg-deb --root-owner-group makes it root's."""

    def __init__(self, root):
        self.root = root

    def write(self, path, data, mode=0o644):
        full = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, mode)

    def copy(self, source, path, mode=0o644):
        with open(source, "rb") as f:
            self.write(path, f.read(), mode)

    def link(self, target, path):
        full = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
        os.symlink(target, full)


def copyright_text():
    """DEP-5 copyright with the full licence texts (lintian wants them, not references)."""
    def block(path):
        with open(path, encoding="utf-8") as f:
            lines = [line.rstrip() for line in f.read().strip().splitlines()]
        return "\n".join(" " + (line if line else ".") for line in lines)
    with open(os.path.join(DEBIAN, "copyright"), encoding="utf-8") as f:
        head = f.read().rstrip() + "\n"
    return (head + "\nLicense: MIT\n" + block(os.path.join(REPO, "LICENSE")) + "\n"
            + "\nLicense: ISC\n" + block(os.path.join(REPO, "image", "licenses", "libsodium-LICENSE")) + "\n")


def last_commit(fmt):
    """The last commit's date keeps the package reproducible for a given tree (changelog, file times)."""
    return subprocess.run(["git", "-C", REPO, "log", "-1", f"--format={fmt}"], capture_output=True, text=True).stdout.strip()


def changelog(ver):
    date = last_commit("%aD")
    text = (f"appliance ({ver}) unstable; urgency=medium\n\n  * Built by `make deb` from the project's tree.\n\n"
            f" -- Appliance developers <appliance@example.com>  {date or 'Thu, 01 Jan 1970 00:00:00 +0000'}\n")
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def network_manager_conf(profile):
    """Raspberry Pi OS Bookworm runs NetworkManager, not systemd-networkd: it must leave the LAN NIC to the
    service (no DHCP client there) and may keep managing the WAN."""
    lan = profile["Network"]["Lan"]
    return (f"# appliance: the LAN NIC ({lan}) belongs to the appliance service, which serves that side.\n"
            f"[keyfile]\nunmanaged-devices=interface-name:{lan}\n").encode()


def populate(tree, publish, board_dir, arch):
    lib = "/usr/lib/appliance"
    tree.copy(os.path.join(publish, "appliance"), f"{lib}/appliance", 0o755)
    for name in ["libSystem.IO.Ports.Native.so", "libsodium.so"]:
        if os.path.isfile(os.path.join(publish, name)):
            tree.copy(os.path.join(publish, name), f"{lib}/{name}", 0o644)
    tree.link("../lib/appliance/appliance", "/usr/bin/appliance")

    boards = stage.load_boards(board_dir)
    for name, raw in boards.items():
        tree.write(f"/usr/share/appliance/board/{name}/board.json", raw)
    profile = json.loads(boards[DEFAULT_BOARD])
    config = stage.shipped_config(profile)
    tree.write("/etc/appliance/appliance.json", config.pop("appliance.json"))
    for name, data in config.items():
        tree.write(f"/lib/systemd/network/{name}", data)
    tree.write("/usr/lib/NetworkManager/conf.d/90-appliance.conf", network_manager_conf(profile))

    for unit in UNITS:
        tree.copy(os.path.join(FILES, unit), f"/lib/systemd/system/{unit}")
    tree.copy(os.path.join(FILES, "90-appliance.rules"), "/lib/udev/rules.d/90-appliance.rules")
    tree.write("/usr/share/doc/appliance/copyright", copyright_text().encode())
    # A native package (no Debian revision in the version): changelog.gz, not changelog.Debian.gz.
    tree.write("/usr/share/doc/appliance/changelog.gz", changelog(version()))
    with open(os.path.join(DEBIAN, "appliance.1"), "rb") as f:
        tree.write("/usr/share/man/man1/appliance.1.gz", gzip.compress(f.read(), compresslevel=9, mtime=0))


def control(tree, arch):
    files, size = [], 0
    for dirpath, _, names in os.walk(tree.root):
        for n in names:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, tree.root)
            if rel.startswith("DEBIAN"):
                continue
            size += os.lstat(full).st_size
            if not os.path.islink(full):
                with open(full, "rb") as f:
                    files.append(f"{hashlib.md5(f.read()).hexdigest()}  {rel}\n")
    meta = os.path.join(tree.root, "DEBIAN")
    os.makedirs(meta, mode=0o755)
    with open(os.path.join(DEBIAN, "control.in"), encoding="utf-8") as f:
        text = (f.read().replace("@VERSION@", version()).replace("@ARCH@", arch)
                .replace("@SIZE@", str((size + 1023) // 1024)).replace("@DEPENDS@", DEPENDS))
    tree.write("DEBIAN/control", text.encode())
    tree.write("DEBIAN/md5sums", "".join(sorted(files)).encode())
    tree.write("DEBIAN/conffiles", b"/etc/appliance/appliance.json\n")
    for script in ["preinst", "postinst", "prerm", "postrm"]:
        tree.copy(os.path.join(DEBIAN, script), f"DEBIAN/{script}", 0o755)


def main(argv):
    if len(argv) != 5:
        fail(__doc__.strip().splitlines()[2])
    publish, board_dir, arch, out_dir = argv[1:]
    if arch not in MACHINES:
        fail(f"architecture '{arch}' is not one of {', '.join(MACHINES)}")
    for name in stage.REQUIRED:
        if not os.path.isfile(os.path.join(publish, name)):
            fail(f"{name} missing in {publish}")
    check_elf(os.path.join(publish, "appliance"), arch)
    os.makedirs(out_dir, exist_ok=True)
    output = os.path.join(out_dir, f"appliance_{version()}_{arch}.deb")
    with tempfile.TemporaryDirectory(prefix="appliance-deb-") as work:
        root = os.path.join(work, "root")
        os.mkdir(root, 0o755)
        tree = Tree(root)
        populate(tree, publish, board_dir, arch)
        control(tree, arch)
        tmp = output + ".tmp"
        # dpkg-deb clamps every file's time to SOURCE_DATE_EPOCH: the same tree gives the same package.
        env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH") or last_commit("%ct") or "1700000000")
        r = subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, tmp],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            fail(f"dpkg-deb failed: {r.stderr.strip()}")
        os.replace(tmp, output)
    print(f"build-deb: {output}")


if __name__ == "__main__":
    os.umask(0o022)
    main(sys.argv)
