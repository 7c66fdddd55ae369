#!/usr/bin/env bash
# Throughput of the user-space data plane versus plain kernel routing and strongSwan, in the same
# namespace topology the tests use (lanA host - boxA - WAN - boxB - lanB host): plain routing,
# strongSwan <-> strongSwan, box <-> strongSwan (the shipped service with IKE against charon), and
# box <-> box per suite (the data plane with hand-made SAs, raw ESP or ESP-in-UDP).
#   iperf3 TCP, RUNS runs of SECS seconds each direction-agnostic (hostA -> hostB), medians and ratio.
# Not a test: prints numbers. Needs root, iproute2, iperf3, the .NET SDK.
# Usage: tools/bench-dataplane.sh [RUNS] [SECS] [SUITES...]   suites as ENCR:KEYBITS:INTEG[:udp] (IANA ids;
#   :udp = ESP-in-UDP on port 4500, RFC 3948, through the data plane's UDP GSO/GRO sockets; else raw ESP, sent as
#   WAN frames on AF_PACKET and received on AF_PACKET ahead of the kernel's IP path (tc ingress filter); :rawrx = sent
#   as WAN frames but received through the raw IP socket (the receive path before); :rawsock = raw ESP through the raw
#   IP socket only both ways, the path before WAN frames)
# ARTIFACTS=DIR builds with --artifacts-path DIR; SKIP_BOX_STRONGSWAN=1 leaves out that row (it needs
# out/linux-x64/appliance, built with `make aot ARCH=x64` when missing). Ends with a table of every row.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
SECS=${2:-10}
shift $(( $# > 2 ? 2 : $# )) || true
[ $# -gt 0 ] && SUITES=("$@") || SUITES=(20:256:0 20:256:0:rawrx 20:256:0:rawsock 20:256:0:udp 28:256:0 12:128:12)
P=${BENCH_PREFIX:-dpbench}  # BENCH_PREFIX: parallel runs (other worktrees) need their own namespaces
HA=$P-ha BA=$P-ba BB=$P-bb HB=$P-hb

cleanup() {
  for pid in "${SWAN_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  [ -n "${IN_A:-}" ] && exec {IN_A}>&- 2>/dev/null || true
  [ -n "${IN_B:-}" ] && exec {IN_B}>&- 2>/dev/null || true
  for ns in $HA $BA $BB $HB; do ip netns del $ns 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup

# ARTIFACTS=DIR builds into DIR (dotnet --artifacts-path), so parallel worktrees do not share bin/obj.
if [ -n "${ARTIFACTS:-}" ]; then
  dotnet build -c Release tests/Appliance.Linux.Tests -v q -nologo --artifacts-path "$ARTIFACTS" >/dev/null
  DLL=$ARTIFACTS/bin/Appliance.Linux.Tests/release/Appliance.Linux.Tests.dll
else
  dotnet build -c Release tests/Appliance.Linux.Tests -v q -nologo >/dev/null
  DLL=tests/Appliance.Linux.Tests/bin/Release/net10.0/Appliance.Linux.Tests.dll
fi

for ns in $HA $BA $BB $HB; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add eth0 netns $HA type veth peer name lan0 netns $BA
ip link add wan0 netns $BA type veth peer name wan0 netns $BB
ip link add lan0 netns $BB type veth peer name eth0 netns $HB
addr() { ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up; }
addr $HA eth0 10.1.0.2/24; addr $BA lan0 10.1.0.1/24; addr $BA wan0 192.0.2.1/24
addr $BB wan0 192.0.2.2/24; addr $BB lan0 10.2.0.1/24; addr $HB eth0 10.2.0.2/24
ip -n $HA route add default via 10.1.0.1
ip -n $HB route add default via 10.2.0.1
ip -n $BA route add 10.2.0.0/24 via 192.0.2.2
ip -n $BB route add 10.1.0.0/24 via 192.0.2.1
ip netns exec $BA sysctl -qw net.ipv4.ip_forward=1
ip netns exec $BB sysctl -qw net.ipv4.ip_forward=1

ip netns exec $HB iperf3 -s -D -1 >/dev/null 2>&1 || true
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run_iperf() { # prints Mbit/s received
  ip netns exec $HB iperf3 -s -1 -D >/dev/null 2>&1
  sleep 0.3
  ip netns exec $HA iperf3 -c 10.2.0.2 -t "$SECS" -J 2>/dev/null |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6,1))'
}
measure() { # label
  local results=()
  for ((r = 0; r < RUNS; r++)); do results+=("$(run_iperf)"); done
  local m; m=$(printf '%s\n' "${results[@]}" | median)
  echo "$m"
  echo "  $1: runs ${results[*]} Mbit/s, median $m" >&2
}

# The yardstick: strongSwan <-> strongSwan (kernel-libipsec, always UDP-encapsulated) between the
# same two box namespaces, AES-256-GCM, openssl before gcm in the plugin list (TESTING.md).
start_charon() { # side (a: in boxA's namespace, b: in boxB's)
  local side=$1 ns me them lts rts
    if [ $side = a ]; then ns=$BA me=192.0.2.1 them=192.0.2.2 lts=10.1.0.0/24 rts=10.2.0.0/24
    else ns=$BB me=192.0.2.2 them=192.0.2.1 lts=10.2.0.0/24 rts=10.1.0.0/24; fi
    local d=$WORK/swan-$side; mkdir -p "$d"
    cat >"$d/strongswan.conf" <<EOC
charon {
  load_modular = no
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 x509 kernel-libipsec kernel-netlink socket-default vici updown
  install_routes = yes
  plugins { vici { socket = unix://$d/vici.sock } }
}
EOC
    cat >"$d/swanctl.conf" <<EOC
connections { bench { version = 2
  local_addrs = $me
  remote_addrs = $them
  proposals = aes256gcm16-prfsha256-curve25519
  encap = yes
  local { auth = psk
    id = $side.bench }
  remote { auth = psk }
  children { net { local_ts = $lts
    remote_ts = $rts
    esp_proposals = aes256gcm16 } } } }
secrets { ike-bench { secret = "bench-only-psk-0123456789" } }
EOC
    ip netns exec "$ns" unshare -m sh -c "mount -t tmpfs none /run; STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" >"$d/charon.out" 2>&1 &
    SWAN_PIDS+=($!)
    for _ in $(seq 100); do [ -S "$d/vici.sock" ] && break; sleep 0.1; done
    swanctl --load-all --file "$d/swanctl.conf" --uri "unix://$d/vici.sock" >/dev/null 2>&1
}
stop_charons() {
  for pid in "${SWAN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${SWAN_PIDS[@]}" 2>/dev/null || true
  SWAN_PIDS=()
  ip -n $BA route flush table 220 2>/dev/null || true
  ip -n $BB route flush table 220 2>/dev/null || true
}
strongswan_measure() {
  start_charon a
  start_charon b
  swanctl --initiate --child net --uri "unix://$WORK/swan-a/vici.sock" >/dev/null
  ip netns exec $HA ping -c 1 -W 2 10.2.0.2 >/dev/null || true
  local m; m=$(measure "strongSwan<->strongSwan AES-256-GCM (kernel-libipsec)")
  swanctl --list-sas --uri "unix://$WORK/swan-a/vici.sock" | grep -E "bytes_i|in .*bytes" | head -2 | sed 's/^/    strongSwan A /' >&2 || true
  stop_charons
  echo "$m"
}

# box <-> strongSwan: the shipped service (published NativeAOT binary, IKE and all) in boxA's namespace against
# charon (kernel-libipsec, so ESP-in-UDP) in boxB's, AES-256-GCM both ways.
box_strongswan_measure() {
  local bin=out/linux-x64/appliance d=$WORK/box
  [ -x "$bin" ] || make aot ARCH=x64 >/dev/null
  mkdir -p "$d"
  cat >"$d/appliance.json" <<EOC
{ "Appliance": { "Board": "simulated", "BoardDirectory": "$PWD/board", "StateDirectory": "$d/state",
  "ControlSocket": "$d/control.sock", "Wan": { "Interface": "wan0" }, "Lan": { "Interface": "lan0" },
  "Tunnels": { "bench": { "RemoteAddress": "192.0.2.2", "LocalId": "a.bench", "RemoteId": "b.bench",
    "Psk": "bench-only-psk-0123456789", "LocalTs": [ "10.1.0.0/24" ], "RemoteTs": [ "10.2.0.0/24" ],
    "Ike": [ "aes256gcm16-prfsha256-curve25519" ], "Esp": [ "aes256gcm16" ], "Start": "always" } } } }
EOC
  start_charon b
  ip netns exec $BA "$bin" run --config "$d/appliance.json" >"$d/appliance.log" 2>&1 &
  local box=$!
  for _ in $(seq 100); do ip netns exec $HA ping -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && break; sleep 0.2; done
  local m; m=$(measure "box<->strongSwan AES-256-GCM (box: ESP-in-UDP to kernel-libipsec)")
  # Memory of the two complete daemons (IKE + ESP each: charon with kernel-libipsec does ESP in user space too),
  # peak and current resident set after the same traffic. `ip netns exec`, unshare and sh exec, so the PIDs are theirs.
  local charon=${SWAN_PIDS[${#SWAN_PIDS[@]}-1]}
  echo "$(rss $box VmHWM) $(rss $box VmRSS) $(rss "$charon" VmHWM) $(rss "$charon" VmRSS)" >"$WORK/memory"
  tools/footprint/rss-breakdown.sh $box 2>/dev/null | sed 's/^/    box rss /' >&2 || true
  ip netns exec $BA "$bin" status --socket "$d/control.sock" 2>/dev/null | sed 's/^/    box /' >&2 || true
  kill -TERM $box 2>/dev/null || true
  wait $box 2>/dev/null || true
  stop_charons
  ip -n $BA route flush table 161 2>/dev/null || true
  echo "$m"
}
SWAN_PIDS=()
rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; } # pid field -> KiB

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)" >&2
[ -n "${PLAIN_MBPS:-}" ] && plain=$PLAIN_MBPS || plain=$(measure "plain routing")
start_box() { # side ns suite-args... ; waits for "ready"
  local side=$1 ns=$2 log=$WORK/$1.log fifo=$WORK/$1.in; shift 2
  rm -f "$fifo"; mkfifo "$fifo"
  ip netns exec "$ns" dotnet "$DLL" dataplane-host "$side" "$@" <"$fifo" >"$log" 2>&1 &
  # Holding the FIFO's write end open keeps the host running; closing it lets it exit cleanly.
  if [ "$side" = a ]; then exec {IN_A}>"$fifo"; else exec {IN_B}>"$fifo"; fi
  for _ in $(seq 100); do grep -q ready "$log" 2>/dev/null && return; sleep 0.1; done
  echo "data plane $side did not start:" >&2; cat "$log" >&2; exit 1
}
stop_boxes() { # the hosts exit on stdin EOF and print their counters
  exec {IN_A}>&- {IN_B}>&-
  wait
  sed 's/^/    boxA /' "$WORK/a.log" >&2; sed 's/^/    boxB /' "$WORK/b.log" >&2
}
WORK=$(mktemp -d)
# For quick iterations PLAIN_MBPS / SWAN_MBPS reuse earlier yardsticks instead of measuring them again.
[ -n "${SWAN_MBPS:-}" ] && swan=$SWAN_MBPS || swan=$(strongswan_measure)
ROWS=()
if [ -z "${SKIP_BOX_STRONGSWAN:-}" ]; then
  boxswan=$(box_strongswan_measure)
  ROWS+=("$(printf '%-52s %10s %12s %12s' "box<->strongSwan AES-256-GCM (ESP-in-UDP)" "$boxswan" \
    "$(awk -v a="$boxswan" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')" "x$(awk -v a="$boxswan" -v b="$swan" 'BEGIN { printf "%.2f", a / b }')")")
fi
for suite in "${SUITES[@]}"; do
  IFS=: read -r encr bits integ encap <<<"$suite"
  encap=${encap:-}
  label="box<->box ESP encr $encr/$bits integ $integ"
  [ "$encap" = udp ] && label="box<->box ESP-in-UDP encr $encr/$bits integ $integ"
  [ "$encap" = rawsock ] && label="box<->box ESP (raw IP socket) encr $encr/$bits integ $integ"
  [ "$encap" = rawrx ] && label="box<->box ESP (rx raw socket) encr $encr/$bits integ $integ"
  start_box a $BA "$encr" "$bits" "$integ" $encap
  start_box b $BB "$encr" "$bits" "$integ" $encap
  ip netns exec $HA ping -c 1 -W 2 10.2.0.2 >/dev/null
  tun=$(measure "$label")
  stop_boxes
  ratio_plain=$(awk -v a="$tun" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')
  ratio_swan=$(awk -v a="$tun" -v b="$swan" 'BEGIN { printf "%.2f", a / b }')
  echo "$label: median $tun Mbit/s; plain routing $plain Mbit/s (ratio $ratio_plain); strongSwan<->strongSwan AES-256-GCM $swan Mbit/s (ratio x$ratio_swan)"
  ROWS+=("$(printf '%-52s %10s %12s %12s' "$label" "$tun" "$ratio_plain" "x$ratio_swan")")
  # The kill switch tables outlive the data planes by design; plain routing needs them gone.
  ip -n $BA route flush table 161 2>/dev/null || true
  ip -n $BB route flush table 161 2>/dev/null || true
done
echo
printf '%-52s %10s %12s %12s\n' "row ($RUNS runs x $SECS s, medians)" "Mbit/s" "/ plain" "/ strongSwan"
printf '%-52s %10s %12s %12s\n' "plain routing" "$plain" "1.000" "-"
printf '%-52s %10s %12s %12s\n' "strongSwan<->strongSwan AES-256-GCM (kernel-libipsec)" "$swan" "-" "x1.00"
for row in "${ROWS[@]}"; do echo "$row"; done
if [ -s "$WORK/memory" ]; then
  read -r box_peak box_now swan_peak swan_now <"$WORK/memory"
  echo
  printf '%-52s %10s %12s %12s\n' "memory after box<->strongSwan (KiB)" "peak RSS" "RSS now" "peak / charon"
  printf '%-52s %10s %12s %12s\n' "strongSwan charon (kernel-libipsec)" "$swan_peak" "$swan_now" "x1.00"
  printf '%-52s %10s %12s %12s\n' "box service (NativeAOT)" "$box_peak" "$box_now" \
    "x$(awk -v a="$box_peak" -v b="$swan_peak" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
fi
