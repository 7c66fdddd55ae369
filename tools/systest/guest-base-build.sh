#!/usr/bin/env bash
# Builds the system test's guest base into DEST (called by guest-base.sh, which caches it). Everything that
# decides the base's content is in this file and in gpio-sim/: their hash is the cache key.
#
# usage: guest-base-build.sh arm64|amd64 DEST
set -euo pipefail
arch=${1:?usage: guest-base-build.sh arm64|amd64 DEST}
dest=${2:?usage: guest-base-build.sh arm64|amd64 DEST}
here=$(cd "$(dirname "$0")" && pwd)
cache_root=$(dirname "$dest")
suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

# Everything the appliance package Depends on is here, so the test installs the .deb without a network.
# gcc/make/linux-headers only build gpio-sim and are purged afterwards.
packages=(systemd systemd-sysv udev dbus kmod iproute2 iputils-ping procps gpiod libgpiod2 libssl3 adduser nftables
          "linux-image-$arch" initramfs-tools zstd)
# The L2TP/IPsec client harness (tools/systest/l2tp-client/): a Linux client like Windows'/macOS' built-in one,
# run in namespaces inside the guest (its kernel does transport-mode ESP). Test scaffolding, never started in
# the box's own namespace: their units are masked below so nothing but the box holds UDP 500/4500/1701 there.
# strongswan-charon: /usr/lib/ipsec/charon (IKEv1+IKEv2); libstrongswan has aes sha1 sha2 hmac gmp kdf;
# strongswan-libcharon has kernel-netlink socket-default vici. nftables (above) masquerades the client NAT.
client_packages=(strongswan-charon strongswan-swanctl xl2tpd ppp)
client_units=(strongswan.service strongswan-starter.service ipsec.service xl2tpd.service pppd-dns.service)
build_packages=(gcc make "linux-headers-$arch")


for tool in mmdebstrap apt-get; do
  command -v "$tool" >/dev/null || { echo "guest-base: $tool missing (make deps)" >&2; exit 2; }
done
if [ "$arch" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
  # mmdebstrap runs the arm64 maintainer scripts through qemu-user: binfmt_misc must be mounted and on.
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  arch-test arm64 >/dev/null || { echo "guest-base: arm64 binaries do not run here (qemu-user-static, binfmt-support)" >&2; exit 2; }
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.base-$arch.XXXXXX")
cleanup() {
  # An interrupted mmdebstrap can leave its /proc, /sys and /dev mounts behind: never rm -rf through them.
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS

echo "guest-base: gpio-sim sources from linux-source-6.1" >&2
bash "$here/gpio-sim/prepare.sh" "$work/gpio-sim"
cp "$here/gpio-sim/Makefile" "$work/gpio-sim/"

root="$work/root"
echo "guest-base: mmdebstrap $arch (several minutes, longer under qemu-user)" >&2
# MODULES=list must be in place before the kernel's postinst makes the initrd: with Debian's default
# (MODULES=most) one mkinitramfs under qemu-user takes over 20 minutes. A hook adds what finds the root.
mmdebstrap --mode=root --arch="$arch" --variant=minbase --include="$(IFS=,; echo "${packages[*]},${client_packages[*]},${build_packages[*]}")" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
    echo MODULES=list > "$1/etc/initramfs-tools/conf.d/systest"
    printf "%s\n" "#!/bin/sh" "[ \"\$1\" = prereqs ] && exit 0" ". /usr/share/initramfs-tools/hook-functions" \
      "for m in virtio_pci virtio_blk ext4; do force_load \$m; done" > "$1/etc/initramfs-tools/hooks/systest-modules"
    chmod 755 "$1/etc/initramfs-tools/hooks/systest-modules"' \
  --customize-hook="cp -r '$work/gpio-sim' \"\$1/tmp/gpio-sim\"" \
  --customize-hook='kver=$(ls "$1/lib/modules" | head -1)
    chroot "$1" make -s -C /tmp/gpio-sim KDIR=/lib/modules/$kver/build
    install -D -m 0644 "$1/tmp/gpio-sim/gpio-sim.ko" "$1/lib/modules/$kver/extra/gpio-sim.ko"
    chroot "$1" depmod "$kver"
    rm -rf "$1/tmp/gpio-sim"' \
  --customize-hook="for u in ${client_units[*]}; do rm -f \"\$1\"/etc/systemd/system/*.wants/\$u; ln -sf /dev/null \"\$1/etc/systemd/system/\$u\"; done" \
  --customize-hook="chroot \"\$1\" apt-get purge -y -qq --autoremove ${build_packages[*]} >/dev/null" \
  --customize-hook='chroot "$1" apt-get clean' \
  "$suite" "$root" \
  "deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main" >&2

kver=$(ls "$root/lib/modules" | head -1)
[ -e "$root/lib/modules/$kver/extra/gpio-sim.ko" ] || { echo "guest-base: gpio-sim.ko was not built" >&2; exit 1; }
cp -L "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp -L "$root/boot/initrd.img-$kver" "$work/initrd.img"
echo "$kver" > "$work/kernel-version"
rm -rf "$work/gpio-sim"
rm -rf "$dest"; mv "$work" "$dest"; trap - EXIT
echo "guest-base: $arch base built in $((SECONDS - start)) s (kernel $kver, initrd $(du -h "$dest/initrd.img" | cut -f1))" >&2
