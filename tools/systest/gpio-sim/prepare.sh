#!/usr/bin/env bash
# Unpacks gpio-sim.c and irq_sim.c from Debian's linux-source-6.1 into DIR, ready for gpio-sim/Makefile.
# Debian's kernels enable neither CONFIG_GPIO_SIM nor CONFIG_IRQ_SIM, so both go into one out-of-tree
# module. irq_sim.c calls irq_to_desc(), which modules cannot use; generic_handle_irq() does the same
# for an interrupt number (TESTING.md §8).
# usage: prepare.sh DIR   (the .deb is kept in $SYSTEST_CACHE/src between runs)
set -euo pipefail
out=${1:?usage: prepare.sh DIR}
src_cache=${SYSTEST_CACHE:-/var/cache/appliance-systest}/src
mkdir -p "$src_cache" "$out"
deb=$(ls "$src_cache"/linux-source-6.1_*_all.deb 2>/dev/null | tail -1 || true)
if [ -z "$deb" ]; then
  (cd "$src_cache" && apt-get download -qq linux-source-6.1 2>/dev/null)
  deb=$(ls "$src_cache"/linux-source-6.1_*_all.deb | tail -1)
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz \
  | tar -xJ -C "$tmp" linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h \
      linux-source-6.1/kernel/irq/irq_sim.c
# The module is called gpio-sim, so its main source cannot be gpio-sim.c as well (kbuild composite object).
cp "$tmp/linux-source-6.1/drivers/gpio/gpio-sim.c" "$out/gpio-sim-main.c"
# gpio-sim.c includes gpiolib's private header (struct gpio_device), which no headers package carries.
cp "$tmp/linux-source-6.1/drivers/gpio/gpiolib.h" "$out/gpiolib.h"
sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' \
  "$tmp/linux-source-6.1/kernel/irq/irq_sim.c" > "$out/irq_sim.c"
grep -q 'generic_handle_irq(irqnum);' "$out/irq_sim.c" \
  || { echo "gpio-sim: irq_sim.c changed upstream; the irq_to_desc() replacement no longer applies" >&2; exit 1; }
