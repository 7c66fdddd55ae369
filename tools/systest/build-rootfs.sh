#!/usr/bin/env bash
# The system test's guest disk for one architecture: the cached Debian base (guest-base.sh) plus the
# test layer (guest-setup.sh: command agent, gpio-sim bank, networkd on, the L2TP/IPsec client harness), as an ext4 image. Cached outside
# the clone, keyed by every input:  $SYSTEST_CACHE/<arch>-<key>/{rootfs.ext4,vmlinuz,initrd.img,kernel-version}
# Prints that folder on the last line; the test copies rootfs.ext4 per run and installs the .deb in the guest.
#
# usage: build-rootfs.sh arm64|amd64
set -euo pipefail
arch=${1:?usage: build-rootfs.sh arm64|amd64}
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${SYSTEST_CACHE:-/var/cache/appliance-systest}

base=$(bash "$here/guest-base.sh" "$arch" | tail -n 1)
key=$( { echo "$base"; cat "$0" "$here/guest-setup.sh" "$here/guest-agent.sh" "$here"/l2tp-client/*.sh; } | sha256sum | cut -c1-16)
dest="$cache_root/$arch-$key"
if [ -s "$dest/rootfs.ext4" ]; then
  echo "build-rootfs: cached $dest" >&2
  echo "$dest"; exit 0
fi
command -v mkfs.ext4 >/dev/null || { echo "build-rootfs: mkfs.ext4 missing (e2fsprogs)" >&2; exit 2; }
work=$(mktemp -d "$cache_root/.disk-$arch.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
cp -a "$base/root" "$work/root"
install -m 0755 "$here/guest-agent.sh" "$work/root/usr/local/sbin/sy-agent"
bash "$here/guest-setup.sh" "$work/root" "$here"
# mkfs.ext4 -d copies the tree with owners and modes: no loop device, no mount.
mkfs.ext4 -q -F -L root -d "$work/root" "$work/rootfs.ext4" 2G
rm -rf "$work/root"
cp "$base/vmlinuz" "$base/initrd.img" "$base/kernel-version" "$work/"
rm -rf "$dest"; mv "$work" "$dest"; trap - EXIT
echo "build-rootfs: $arch disk made in $((SECONDS - start)) s: $dest" >&2
# Disks of older keys (2 GB each) go once they are a day old; a run of another branch may still copy a newer one.
find "$cache_root" -maxdepth 1 -name "$arch-*" -type d ! -path "$dest" -mtime +0 -exec rm -rf {} + 2>/dev/null || true
echo "$dest"
