SUMMARY = "Appliance: the IPsec VPN service of the box (prebuilt NativeAOT linux-arm64)"
DESCRIPTION = "Installs the appliance executable published by the project's Makefile (make aot ARCH=arm64; \
make image-stage packs it), its native companions, the board profiles, a default configuration for \
the board, the hardened systemd unit and the udev rules for GPIO and the console UART."
# The service is MIT; libsodium.so, shipped beside it by NSec, is ISC.
LICENSE = "MIT & ISC"
LIC_FILES_CHKSUM = "file://LICENSE;md5=531055914e97d2b9d3a1b42107663b71 \
                    file://LICENSE.libsodium;md5=4942a8ebbbc7f2212bd68a47df264a4f"

# appliance-dist.tar.gz is build output (gitignored): `make image-stage` writes it from out/linux-arm64.
SRC_URI = "file://appliance-dist.tar.gz \
           file://appliance.service \
           file://appliance-console-select.service \
           file://appliance-provisioning.target \
           file://90-appliance.rules \
          "

# wrynose unpacks into UNPACKDIR and wants S below it; scarthgap has no UNPACKDIR and unpacks into WORKDIR.
APPLIANCE_UNPACKDIR = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}"
S = "${APPLIANCE_UNPACKDIR}/appliance-dist"

# Nothing is compiled: no cross toolchain, no configure or compile step.
INHIBIT_DEFAULT_DEPS = "1"
do_configure[noexec] = "1"
do_compile[noexec] = "1"

# The executable is linux-arm64 only.
COMPATIBLE_HOST = "aarch64.*-linux"
# The default configuration differs per board, so the package is machine specific.
PACKAGE_ARCH = "${MACHINE_ARCH}"

# Which board/<name>/board.json the default configuration names. CM4 carriers build with
# MACHINE = "raspberrypi4-64" and set APPLIANCE_BOARD = "cm4" (image/kas/cm4.yml does).
APPLIANCE_BOARDS = "rpi4 rpi5 cm4 simulated"
def appliance_default_board(d):
    return {
        "raspberrypi4-64": "rpi4",
        "raspberrypi5": "rpi5",
        "qemuarm64": "simulated",
    }.get(d.getVar("MACHINE"), "rpi4")
APPLIANCE_BOARD ??= "${@appliance_default_board(d)}"

python () {
    board = d.getVar("APPLIANCE_BOARD")
    if board not in d.getVar("APPLIANCE_BOARDS").split():
        bb.fatal("APPLIANCE_BOARD = '%s' is not one of %s" % (board, d.getVar("APPLIANCE_BOARDS")))
}

inherit systemd useradd

USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system gpio"
# dialout (the console UART) and video (/dev/vcio, the firmware mailbox) come from base-passwd; gpio is created above.
USERADD_PARAM:${PN} = "--system --user-group --no-create-home --home-dir ${localstatedir}/lib/appliance \
                       --shell ${base_sbindir}/nologin --groups gpio,dialout,video appliance"

# The target is started by console-select when provisioning owns the console; it is never enabled.
SYSTEMD_SERVICE:${PN} = "appliance.service appliance-console-select.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_install() {
    # The executable finds its native companions next to itself, so they share one private folder.
    install -d ${D}${libdir}/appliance
    install -m 0755 ${S}/appliance ${D}${libdir}/appliance/appliance
    install -m 0755 ${S}/libSystem.IO.Ports.Native.so ${D}${libdir}/appliance/
    if [ -e ${S}/libsodium.so ]; then
        install -m 0755 ${S}/libsodium.so ${D}${libdir}/appliance/
    fi
    install -d ${D}${bindir}
    ln -sf ${libdir}/appliance/appliance ${D}${bindir}/appliance

    for profile in ${S}/board/*/board.json; do
        name=$(basename $(dirname $profile))
        install -D -m 0644 $profile ${D}${datadir}/appliance/board/$name/board.json
    done
    install -D -m 0644 ${S}/config/${APPLIANCE_BOARD}/appliance.json ${D}${sysconfdir}/appliance/appliance.json
    # WAN by DHCP, LAN link up without an address (systemd-networkd, part of poky's systemd).
    install -d ${D}${systemd_unitdir}/network
    install -m 0644 ${S}/config/${APPLIANCE_BOARD}/*.network ${D}${systemd_unitdir}/network/

    install -D -m 0644 ${APPLIANCE_UNPACKDIR}/appliance.service ${D}${systemd_system_unitdir}/appliance.service
    install -m 0644 ${APPLIANCE_UNPACKDIR}/appliance-console-select.service ${D}${systemd_system_unitdir}/appliance-console-select.service
    install -m 0644 ${APPLIANCE_UNPACKDIR}/appliance-provisioning.target ${D}${systemd_system_unitdir}/appliance-provisioning.target
    install -D -m 0644 ${APPLIANCE_UNPACKDIR}/90-appliance.rules ${D}${nonarch_base_libdir}/udev/rules.d/90-appliance.rules

    # Mount point of the data partition (appliance-rpi.wks); StateDirectory= gives it to the service user.
    install -d -m 0700 ${D}${localstatedir}/lib/appliance
}

FILES:${PN} += "${libdir}/appliance ${datadir}/appliance ${nonarch_base_libdir}/udev/rules.d ${systemd_unitdir}/network"

# The private libraries must not be offered to other packages as shared-library providers.
PRIVATE_LIBS:${PN} = "libsodium.so libSystem.IO.Ports.Native.so"

# NativeAOT's publish strips the executable itself (the debug symbols stay in out/ as appliance.dbg),
# and the NuGet native libraries come stripped. Every other QA check (ldflags: GNU_HASH present;
# textrel: none; arch: AArch64) holds for these files (tests/Appliance.Image.Tests, ElfQaTests).
INSANE_SKIP:${PN} = "already-stripped"

# Loaded with dlopen, so the automatic ELF dependency scan cannot see them: OpenSSL 3 (.NET's
# crypto, NSec's RNG) and libgpiod (v2, libgpiod.so.3, through System.Device.Gpio). nftables: the
# `nft` program the service runs for the LAN's local breakout (source NAT to the WAN address). glibc is also
# found by the scan (libc.so.6, libm.so.6, ld-linux-aarch64.so.1); named so the intent is explicit.
RDEPENDS:${PN} = "libssl libcrypto libgpiod glibc nftables"
# USB 3 Gigabit adapters used as the LAN port; recommended so a kernel with them built in still works.
# sch_ingress (clsact) and cls_bpf: the data plane's tc ingress filter that takes the box's raw ESP ahead
# of the kernel's IP receive path (without them ESP arrives through the slower raw socket).
# nft_chain_nat, nft_masq (and nf_nat under them): the local breakout's masquerade rule, which `nft` loads on demand.
RRECOMMENDS:${PN} = "kernel-module-r8152 kernel-module-ax88179-178a kernel-module-sch-ingress kernel-module-cls-bpf \
                     kernel-module-nft-chain-nat kernel-module-nft-masq kernel-module-nf-nat"
