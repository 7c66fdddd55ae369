#!/usr/bin/env python3
"""Packs the published linux-arm64 service, the board profiles and one default configuration per
board into the tarball the appliance recipe's SRC_URI names (file://appliance-dist.tar.gz).

usage: stage.py PUBLISH_DIR BOARD_DIR OUTPUT_TARBALL

The tarball is reproducible (sorted entries, fixed owner and mtime) so bitbake's checksum of the
file, and with it the sstate of the recipe, only changes when the content does.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

TOP = "appliance-dist"
# The executable and its native companions; libsodium.so only when NSec ships it as a file.
REQUIRED = ["appliance", "libSystem.IO.Ports.Native.so"]
OPTIONAL = ["libsodium.so"]
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
LICENSES = {
    "LICENSE": os.path.join(REPO, "LICENSE"),
    "LICENSE.libsodium": os.path.join(REPO, "image", "licenses", "libsodium-LICENSE"),
}
STATE_DIRECTORY = "/var/lib/appliance"
BOARD_DIRECTORY = "/usr/share/appliance/board"


def fail(message):
    print(f"image-stage: {message}", file=sys.stderr)
    sys.exit(1)


def default_config(profile):
    """The image's read-only base layer (factory.json and config.json on the data partition override it).
    NIC names come from the board profile so the two cannot disagree. The console UART is left to the
    profile (Console.Device, then Console.Fallback when the first is missing): naming it here would pin
    /dev/serial0, a Raspberry Pi OS udev link that a Yocto image or a VM may not have."""
    return {
        "Appliance": {
            "Board": profile["Name"],
            "BoardDirectory": BOARD_DIRECTORY,
            "StateDirectory": STATE_DIRECTORY,
            "Wan": {"Interface": profile["Network"]["Wan"]},
            # The service sets the LAN address itself (Appliance:Lan:Address, over rtnetlink); provisioning or
            # config.json may move it. 192.168.1.1/24 is what a branch office's switch and PCs expect out of the box.
            "Lan": {"Interface": profile["Network"]["Lan"], "Address": "192.168.1.1/24"},
            "Tunnels": {},
        },
        "Logging": {"LogLevel": {"Default": "Information"}},
    }


def network_units(profile):
    """systemd-networkd files for the board's NICs: the WAN takes its address by DHCP; the LAN link
    is brought up without any address or DHCP of its own, because the appliance owns that side (its
    address from Appliance:Lan:Address, AF_PACKET capture, delivery with IPPROTO_RAW)."""
    wan, lan = profile["Network"]["Wan"], profile["Network"]["Lan"]
    return {
        "10-appliance-wan.network": (
            "# WAN of board %s (board.json Network.Wan): address, route and DNS by DHCP.\n"
            "[Match]\nName=%s\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n" % (profile["Name"], wan)),
        "20-appliance-lan.network": (
            "# LAN of board %s (board.json Network.Lan): link up, no address; the appliance serves it.\n"
            "[Match]\nName=%s\n\n[Link]\nRequiredForOnline=no\n\n[Network]\nLinkLocalAddressing=no\n"
            "IPv6AcceptRA=no\nConfigureWithoutCarrier=yes\n" % (profile["Name"], lan)),
    }


def shipped_config(profile):
    """Every file of a board's configuration the box gets, by name: the default configuration and the
    systemd-networkd files. The Yocto recipe (from the staged tarball) and the Debian package
    (build-deb.py) install exactly these."""
    files = {"appliance.json": json.dumps(default_config(profile), indent=2).encode() + b"\n"}
    for unit, text in network_units(profile).items():
        files[unit] = text.encode()
    return files


def load_boards(board_dir):
    boards = {}
    for name in sorted(os.listdir(board_dir)):
        path = os.path.join(board_dir, name, "board.json")
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            raw = f.read()
        try:
            profile = json.loads(raw)
            if profile["Name"] != name:
                fail(f"{path}: Name '{profile['Name']}' differs from its folder '{name}'")
            default_config(profile)  # every key the configuration needs is present
        except (ValueError, KeyError, TypeError) as e:
            fail(f"{path}: not a usable board profile ({e!r})")
        boards[name] = raw
    if not boards:
        fail(f"no board profiles (*/board.json) under {board_dir}")
    return boards


def add(tar, name, data, mode):
    info = tarfile.TarInfo(f"{TOP}/{name}")
    info.size, info.mode, info.mtime = len(data), mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    tar.addfile(info, io.BytesIO(data))


def main(argv):
    if len(argv) != 4:
        fail(__doc__.strip().splitlines()[-1])
    publish, board_dir, output = argv[1:]
    missing = [n for n in REQUIRED if not os.path.isfile(os.path.join(publish, n))]
    if missing:
        fail(f"{', '.join(missing)} missing in {publish}: run `make aot ARCH=arm64` first")
    with open(os.path.join(publish, "appliance"), "rb") as f:
        header = f.read(20)
    # ELF magic, 64-bit, little endian, e_machine 183 (EM_AARCH64) at offset 18.
    if header[:4] != b"\x7fELF" or header[4] != 2 or header[18:20] != (183).to_bytes(2, "little"):
        fail(f"{publish}/appliance is not a 64-bit little-endian AArch64 ELF executable")

    files = {}
    for n in REQUIRED + [n for n in OPTIONAL if os.path.isfile(os.path.join(publish, n))]:
        with open(os.path.join(publish, n), "rb") as f:
            files[n] = (f.read(), 0o755)
    for n, path in LICENSES.items():
        with open(path, "rb") as f:
            files[n] = (f.read(), 0o644)
    for name, raw in load_boards(board_dir).items():
        files[f"board/{name}/board.json"] = (raw, 0o644)
        for n, data in shipped_config(json.loads(raw)).items():
            files[f"config/{name}/{n}"] = (data, 0o644)
    manifest = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, (d, _) in sorted(files.items()))
    files["MANIFEST.sha256"] = (manifest.encode(), 0o644)

    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = output + ".tmp"
    with open(tmp, "wb") as raw_out:
        # mtime=0 and no file name in the gzip header keep the bytes reproducible.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for n, (data, mode) in sorted(files.items()):
                    add(tar, n, data, mode)
    os.replace(tmp, output)
    print(f"image-stage: {output} ({len(files)} files: {', '.join(sorted(n for n in files if '/' not in n))})")


if __name__ == "__main__":
    main(sys.argv)
