#!/usr/bin/env bash
# The size gate of issue 19: the NativeAOT binary (libsodium and the serial-port shim not counted) must stay
# within FOOTPRINT_LIMIT bytes (8 MiB). `make aot` runs it for every RID, so `make test` (x64) and CI's arm64
# publish step fail when the binary grows past the limit. Prints the size and the headroom either way.
set -euo pipefail
binary=${1:?usage: check-size.sh path/to/appliance}
limit=${FOOTPRINT_LIMIT:-8388608}
size=$(stat -c %s "$binary")
if [ "$size" -gt "$limit" ]; then
  echo "footprint: $binary is $size bytes, $((size - limit)) over the limit of $limit (tools/footprint/README.md says where the bytes go)" >&2
  exit 1
fi
echo "footprint: $binary is $size bytes ($(( (limit - size) / 1024 )) KiB under the limit of $limit)"
