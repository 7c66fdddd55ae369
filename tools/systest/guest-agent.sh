#!/bin/bash
# The system test's command agent inside the guest (test scaffolding, never part of the product).
# One request per line on the virtio-serial port sy.agent: a base64 shell script. One answer per line:
# "<exit status> <base64 of stdout+stderr>". A request that may block carries its own `timeout`.
port=/dev/virtio-ports/sy.agent
exec 3<>"$port" || exit 1
while IFS= read -r line <&3; do
  line=${line%$'\r'}
  [ -n "$line" ] || continue
  if ! script=$(printf '%s' "$line" | base64 -d 2>/dev/null); then
    printf '255 %s\n' "$(printf 'request is not base64' | base64 -w0)" >&3
    continue
  fi
  out=$(bash -c "$script" 2>&1 </dev/null); rc=$?
  printf '%s %s\n' "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
done
