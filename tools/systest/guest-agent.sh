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
while true; do
  # While no host program is connected to the port's socket, a read returns end-of-file at once (and
  # keeps doing so until one connects). That is not the end of the agent: exiting here made systemd
  # restart it in a tight loop until its start limit stopped it for good, and the host's next
  # connection found nobody answering. Poll instead; a half line from a dropped connection is discarded.
  if ! IFS=' ' read -r id request <&3; then sleep 0.5; continue; fi
  request=${request%$'\r'}
  [ -n "$id" ] || continue
  if ! script=$(printf '%s' "$request" | base64 -d 2>/dev/null); then
    printf '%s 255 %s\n' "$id" "$(printf 'request is not base64' | base64 -w0)" >&3
    continue
  fi
  out=$(bash -c "$script" 2>&1 </dev/null 3>&-); rc=$?
  printf '%s %s %s\n' "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
done
