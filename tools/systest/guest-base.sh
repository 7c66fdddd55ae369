#!/usr/bin/env bash
# The expensive half of the system test's guest: a Debian 12 root directory from Debian packages
# (mmdebstrap; arm64 through qemu-user binfmt), with a small initrd (MODULES=list: TESTING.md §8) and the
# gpio-sim module built for its kernel. Cached outside the clone:
#   $SYSTEST_CACHE/base-<arch>-<key>/{root/,vmlinuz,initrd.img,kernel-version}
# Prints that folder on the last line. build-rootfs.sh adds the cheap test layer on top.
# The key is the hash of what builds the base (guest-base-build.sh: suite, packages, hooks; gpio-sim/), not of
# this lookup script, so changing how the cache is looked up does not throw away a base that took an hour.
#
# usage: guest-base.sh arm64|amd64 [--cached]   (--cached: only look; exit 3 when it is not cached)
set -euo pipefail
arch=${1:?usage: guest-base.sh arm64|amd64 [--cached]}
cached_only=${2:-}
case "$arch" in arm64|amd64) ;; *) echo "guest-base: unknown architecture '$arch'" >&2; exit 2;; esac
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${SYSTEST_CACHE:-/var/cache/appliance-systest}
key=$( { cat "$here/guest-base-build.sh" "$here/gpio-sim/Makefile" "$here/gpio-sim/prepare.sh"; echo "$arch"; } | sha256sum | cut -c1-16)
dest="$cache_root/base-$arch-$key"
if [ -d "$dest/root" ] && [ -s "$dest/kernel-version" ]; then
  echo "guest-base: cached $dest" >&2
  echo "$dest"; exit 0
fi
if [ "$cached_only" = --cached ]; then
  echo "guest-base: not cached: $dest" >&2
  exit 3
fi
bash "$here/guest-base-build.sh" "$arch" "$dest"
echo "$dest"
