#!/usr/bin/env bash
# Last step of build-rootfs.sh, run on the host with the guest's root directory as $1: what makes a
# plain Debian 12 a test guest. The appliance package itself is installed per run, not here.
set -euo pipefail
root=${1:?usage: guest-setup.sh ROOTDIR [TOOLSDIR]}
tools=${2:-$(cd "$(dirname "$0")" && pwd)}

echo sy-guest > "$root/etc/hostname"
printf '%s\n' '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$root/etc/fstab"

# The agent answers on its virtio-serial port from early boot on; it restarts when the host reconnects.
cat > "$root/etc/systemd/system/sy-agent.service" <<'UNIT'
[Unit]
Description=System test command agent (virtio-serial sy.agent)
DefaultDependencies=no
After=systemd-udevd.service systemd-modules-load.service
# Never give up on the agent: without it the host can neither test nor collect the evidence of a failure.
StartLimitIntervalSec=0

[Service]
ExecStart=/usr/local/sbin/sy-agent
Restart=always
RestartSec=200ms

[Install]
WantedBy=sysinit.target
UNIT
mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
ln -sf ../sy-agent.service "$root/etc/systemd/system/sysinit.target.wants/sy-agent.service"

# The board's GPIO controller: a gpio-sim bank labelled like the Raspberry Pi 4's (pinctrl-bcm2711,
# 58 lines), so the shipped rpi4 profile runs unchanged through the real libgpiod driver. It exists
# before the appliance's units start, as the SoC's controller would. Line 26 (reset button, active low)
# is pulled up: released. The test presses it by pulling it down (sim_gpio26/pull).
cat > "$root/usr/local/sbin/sy-gpio-sim" <<'SCRIPT'
#!/bin/sh
set -e
modprobe gpio-sim
bank=/sys/kernel/config/gpio-sim/pi
if [ ! -d "$bank" ]; then
  mkdir "$bank" "$bank/gpio-bank0"
  echo pinctrl-bcm2711 > "$bank/gpio-bank0/label"
  echo 58 > "$bank/gpio-bank0/num_lines"
  echo 1 > "$bank/live"
fi
chip=$(cat "$bank/gpio-bank0/chip_name")
dev=$(cat "$bank/dev_name")
echo pull-up > "/sys/devices/platform/$dev/$chip/sim_gpio26/pull"
ln -sfn "/sys/devices/platform/$dev/$chip" /run/sy-gpio
udevadm settle
SCRIPT
chmod 755 "$root/usr/local/sbin/sy-gpio-sim"
cat > "$root/etc/systemd/system/sy-gpio-sim.service" <<'UNIT'
[Unit]
Description=System test: simulated Raspberry Pi 4 GPIO controller (gpio-sim, label pinctrl-bcm2711)
DefaultDependencies=no
Requires=sys-kernel-config.mount
After=sys-kernel-config.mount systemd-udevd.service systemd-modules-load.service
Before=appliance.service appliance-console-select.service sysinit.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/sy-gpio-sim

[Install]
WantedBy=sysinit.target
UNIT
ln -sf ../sy-gpio-sim.service "$root/etc/systemd/system/sysinit.target.wants/sy-gpio-sim.service"

# A box runs systemd-networkd (the appliance's .network files); the test adds a static WAN address the
# way a site does: a lower-numbered file in /etc/systemd/network.
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
mkdir -p "$root/etc/systemd/system/sockets.target.wants"
ln -sf /lib/systemd/system/systemd-networkd.socket "$root/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"

# Units a test guest does not need; under TCG every unit costs seconds of boot.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
            man-db.timer dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service \
            systemd-networkd-wait-online.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# The journal also on the console (the host keeps the console in a file for failures).
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nForwardToConsole=yes\nMaxLevelConsole=info\nStorage=volatile\n' \
  > "$root/etc/systemd/journald.conf.d/systest.conf"

# The L2TP/IPsec client harness (l2tp-client/): clients in namespaces behind a NAT namespace that holds the
# guest's third NIC (qemu's client NIC on br-wan, MAC 52:54:00:99:00:60). That NIC is never the box's: no
# networkd file matches it, the box names only eth0/eth1, and at the end of the boot it moves into the namespace
# l2tp-nat (renamed wan, down, no address). sy-l2tp-client nat-up takes it from there; a guest without that NIC
# (an older harness) just skips.
install -m 0755 "$tools/l2tp-client/l2tp-client.sh" "$root/usr/local/sbin/sy-l2tp-client"
install -m 0755 "$tools/l2tp-client/ref-lns.sh" "$root/usr/local/sbin/sy-l2tp-ref-lns"
install -m 0755 "$tools/l2tp-client/selftest.sh" "$root/usr/local/sbin/sy-l2tp-selftest"
cat > "$root/usr/local/sbin/sy-l2tp-nic" <<'SCRIPT'
#!/bin/sh
# Moves the client NIC (by MAC) into the namespace l2tp-nat; waits for it a little, udev may be late under TCG.
# Says how long each part took (the journal goes to the console log).
mac=52:54:00:99:00:60
t0=$(cut -d' ' -f1 /proc/uptime)
for i in $(seq 100); do
  nic=$(ip -o link | awk -v m="$mac" '$0 ~ "link/ether " m {sub(":$", "", $2); print $2; exit}')
  if [ -n "$nic" ]; then
    t1=$(cut -d' ' -f1 /proc/uptime)
    ip netns list | grep -qw l2tp-nat || ip netns add l2tp-nat
    t2=$(cut -d' ' -f1 /proc/uptime)
    ip link set "$nic" netns l2tp-nat && ip -n l2tp-nat link set "$nic" name wan
    echo "sy-l2tp-nic: $nic moved to l2tp-nat as wan (uptime $t0: found at $t1, namespace made at $t2, moved at $(cut -d' ' -f1 /proc/uptime))"
    exit 0
  fi
  ip -n l2tp-nat link show wan >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "sy-l2tp-nic: no NIC with MAC $mac (harness without the client NIC): nothing to move"
SCRIPT
chmod 755 "$root/usr/local/sbin/sy-l2tp-nic"
cat > "$root/etc/systemd/system/sy-l2tp-nic.service" <<'UNIT'
[Unit]
Description=System test: the L2TP client harness's NIC into its own namespace (never the box's)
After=systemd-networkd.service appliance.service
# After the box's units, not before: making a namespace and moving a NIC under TCG took 4-5 s of RTNL-bound work,
# and run early it slowed networkd and the appliance's start (boot to READY=1 ~10 s later). The NIC matches no
# networkd file and the box names only eth0/eth1, so it sits unused in the root namespace until then; the tests
# start after the boot finished (systemctl is-system-running --wait), when it is in l2tp-nat.

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/sy-l2tp-nic

[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../sy-l2tp-nic.service "$root/etc/systemd/system/multi-user.target.wants/sy-l2tp-nic.service"
