#!/usr/bin/env bash
# Builds the system test's Debian 12 guest for one architecture, once, into a cache outside the clone:
#   $SYSTEST_CACHE/<arch>-<hash of the inputs>/{rootfs.ext4,vmlinuz,initrd.img,kernel-version}
# and prints that folder on the last line. A rerun with the same inputs reuses it.
#
# usage: build-rootfs.sh arm64|amd64
#
# The guest is a plain Debian 12 from Debian packages (mmdebstrap, arm64 through qemu-user binfmt) with
# what the appliance package depends on already installed (so the test installs the .deb without a
# network), systemd-networkd on, a small initrd (MODULES=list: TESTING.md §8), the gpio-sim module built
# for its kernel, and the test's command agent (guest-agent.sh) on a virtio-serial port.
set -euo pipefail
arch=${1:?usage: build-rootfs.sh arm64|amd64}
case "$arch" in arm64|amd64) ;; *) echo "build-rootfs: unknown architecture '$arch'" >&2; exit 2;; esac
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${SYSTEST_CACHE:-/var/cache/appliance-systest}
suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

# Everything the appliance package Depends on is here, so the test's `apt-get install ./appliance.deb`
# needs no network. gcc/make/linux-headers only build gpio-sim and are purged afterwards.
packages=(systemd systemd-sysv udev dbus kmod iproute2 iputils-ping procps gpiod libgpiod2 libssl3 adduser
          "linux-image-$arch" initramfs-tools zstd ca-certificates)
build_packages=(gcc make "linux-headers-$arch")

# The key covers every input of the image: this script, the agent, the gpio-sim patch step and the lists.
key=$( { cat "$0" "$here/guest-agent.sh" "$here/guest-setup.sh" "$here/gpio-sim/Makefile" "$here/gpio-sim/prepare.sh"
         echo "$arch ${packages[*]} ${build_packages[*]}"; } | sha256sum | cut -c1-16)
dest="$cache_root/$arch-$key"
if [ -s "$dest/rootfs.ext4" ] && [ -s "$dest/kernel-version" ]; then
  echo "build-rootfs: cached $dest" >&2
  echo "$dest"; exit 0
fi

for tool in mmdebstrap mkfs.ext4 apt-get; do
  command -v "$tool" >/dev/null || { echo "build-rootfs: $tool missing (make deps)" >&2; exit 2; }
done
if [ "$arch" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
  # mmdebstrap runs the arm64 maintainer scripts through qemu-user: binfmt_misc must be mounted and on.
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  arch-test arm64 >/dev/null || { echo "build-rootfs: arm64 binaries do not run here (qemu-user-static, binfmt-support)" >&2; exit 2; }
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build-$arch.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# gpio-sim's sources come from Debian's linux-source-6.1 (architecture-independent), unpacked on the host.
echo "build-rootfs: gpio-sim sources from linux-source-6.1" >&2
bash "$here/gpio-sim/prepare.sh" "$work/gpio-sim"
cp "$here/gpio-sim/Makefile" "$work/gpio-sim/"

rootfs="$work/rootfs"
echo "build-rootfs: mmdebstrap $arch (several minutes under qemu-user)" >&2
# MODULES=list must be in place before the kernel's postinst makes the initrd: with Debian's default
# (MODULES=most) one mkinitramfs under qemu-user takes over 20 minutes.
mmdebstrap --mode=root --arch="$arch" --variant=minbase --include="$(IFS=,; echo "${packages[*]},${build_packages[*]}")" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
    echo MODULES=list > "$1/etc/initramfs-tools/conf.d/systest"
    printf "%s\n" "#!/bin/sh" "[ \"\$1\" = prereqs ] && exit 0" ". /usr/share/initramfs-tools/hook-functions" \
      "for m in virtio_pci virtio_blk ext4; do force_load \$m; done" > "$1/etc/initramfs-tools/hooks/systest-modules"
    chmod 755 "$1/etc/initramfs-tools/hooks/systest-modules"' \
  --customize-hook="cp -r '$work/gpio-sim' \"\$1/tmp/gpio-sim\"" \
  --customize-hook='kver=$(ls "$1/lib/modules" | head -1)
    chroot "$1" make -C /tmp/gpio-sim KDIR=/lib/modules/$kver/build
    install -D -m 0644 "$1/tmp/gpio-sim/gpio-sim.ko" "$1/lib/modules/$kver/extra/gpio-sim.ko"
    chroot "$1" depmod "$kver"
    rm -rf "$1/tmp/gpio-sim"' \
  --customize-hook="chroot \"\$1\" apt-get purge -y -qq --autoremove ${build_packages[*]} >/dev/null" \
  --customize-hook="install -m 0755 '$here/guest-agent.sh' \"\$1/usr/local/sbin/sy-agent\"" \
  --customize-hook="bash '$here/guest-setup.sh' \"\$1\"" \
  "$suite" "$rootfs" \
  "deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main" \
  >&2

kver=$(ls "$rootfs/lib/modules" | head -1)
[ -e "$rootfs/lib/modules/$kver/extra/gpio-sim.ko" ] || { echo "build-rootfs: gpio-sim.ko was not built" >&2; exit 1; }
cp -L "$rootfs/boot/vmlinuz-$kver" "$work/vmlinuz"
cp -L "$rootfs/boot/initrd.img-$kver" "$work/initrd.img"
echo "build-rootfs: initrd $(du -h "$work/initrd.img" | cut -f1), mkfs.ext4" >&2
mkfs.ext4 -q -F -L root -d "$rootfs" "$work/rootfs.ext4" 2G
echo "$kver" > "$work/kernel-version"
rm -rf "$rootfs"
rm -rf "$dest"; mv "$work" "$dest"; trap - EXIT
echo "build-rootfs: $arch guest built in $((SECONDS - start)) s: $dest" >&2
echo "$dest"
