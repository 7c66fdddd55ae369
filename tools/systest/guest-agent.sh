#!/bin/bash
# The system test's command agent inside the guest (test scaffolding, never part of the product).
# One request per line on the virtio-serial port sy.agent: "<id> <base64 shell script>". One answer per
# line: "<id> <exit status> <base64 of stdout+stderr>". A request that may block carries its own `timeout`.
port=/dev/virtio-ports/sy.agent
# Waits for the port itself rather than for its device unit: under TCG on a loaded host, udev may load
# virtio_console later than systemd's 90 s device timeout.
modprobe virtio_console 2>/dev/null || true
until [ -e "$port" ]; do sleep 0.5; done
exec 3<>"$port" || exit 1
while IFS=' ' read -r id request <&3; do
  request=${request%$'\r'}
  [ -n "$id" ] || continue
  if ! script=$(printf '%s' "$request" | base64 -d 2>/dev/null); then
    printf '%s 255 %s\n' "$id" "$(printf 'request is not base64' | base64 -w0)" >&3
    continue
  fi
  out=$(bash -c "$script" 2>&1 </dev/null); rc=$?
  printf '%s %s %s\n' "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
done
