#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need. Idempotent; run as root.
# Each area of the project lists its packages here so a fresh Debian 12 machine needs nothing else.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  # build: NativeAOT for linux-x64 and cross-compiling to linux-arm64 without a sysroot
  # (lld-16: the NativeAOT link packs relocations as DT_RELR, which lld 14 cannot mark for glibc; issue 19)
  clang lld lld-16 binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross zlib1g-dev
  # running the arm64 self-test under emulation
  qemu-user-static
  # network namespaces, the reference peer, traffic and verifiers
  iproute2 iputils-ping nftables iperf3 tcpdump tshark socat openssl
  strongswan-charon strongswan-swanctl libcharon-extra-plugins
  # eap-mschapv2 for the road-warrior clients of the remote-access tests (not in libcharon-extra-plugins)
  libcharon-extauth-plugins
  libstrongswan-standard-plugins libstrongswan-extra-plugins
  python3 python3-scapy python3-cryptography
  # LAN services: a real DHCP client, dig, and dnsmasq as the upstream/HQ resolvers
  isc-dhcp-client bind9-dnsutils dnsmasq-base
  # board and image checks
  libgpiod2 systemd binutils kas
  # the offline bitbake parse of the layer (make image-parse): oe-core's sanity check wants these host tools
  chrpath diffstat gawk lz4 zstd file cpio locales
  # `make fuzz`: AFL++ drives the SharpFuzz harnesses of tests/Appliance.Fuzz
  afl++
  # the Debian package (make deb) and the VM system test (make systest: tools/systest)
  lintian mmdebstrap qemu-system-arm qemu-system-x86 binfmt-support arch-test e2fsprogs
)

# The arm64 self-test runs the cross-compiled binary under qemu-user; NSec's RNG needs the arm64 OpenSSL.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
packages+=(libssl3:arm64)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  # tshark asks whether non-root users may capture; answer before installing.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bitbake refuses to start without the en_US.UTF-8 locale (oe-core's sanity check).
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8'; then
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen >/dev/null
fi
