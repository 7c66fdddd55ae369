SUMMARY = "Appliance: read-only system image of the IPsec VPN box"
DESCRIPTION = "core-image-minimal with systemd, the appliance service and the tools a field \
technician needs. The root filesystem is read-only; the box's state lives on a separate data \
partition mounted at /var/lib/appliance, so a power cut never corrupts the system and a factory \
reset is wiping that partition."

require recipes-core/images/core-image-minimal.bb

inherit features_check
REQUIRED_DISTRO_FEATURES = "systemd"

IMAGE_FEATURES += "read-only-rootfs"

IMAGE_INSTALL:append = " \
    appliance \
    iproute2 \
    iputils-ping \
    ethtool \
    libgpiod-tools \
    openssl-bin \
    e2fsprogs-e2fsck \
    e2fsprogs-mke2fs \
    util-linux-lsblk \
    "

# Boot, read-only root, data partition (see the .wks for why each option is there).
WKS_FILE = "appliance-rpi.wks"
IMAGE_FSTYPES = "wic.bz2 wic.bmap"
# Head room so the read-only root can take a later service update without resizing.
IMAGE_ROOTFS_EXTRA_SPACE = "65536"
