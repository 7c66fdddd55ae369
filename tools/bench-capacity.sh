#!/usr/bin/env bash
# Responder capacity (issue 18): IKE_SA_INIT + IKE_AUTH per second (PSK, X25519, AES-256-GCM, one Child SA each) and
# resident memory with 1, 100 and 1000 IKE SAs, for (a) the box service (out/linux-x64/appliance) and (b) strongSwan's
# charon as responder, in the same run, on the same namespaces, driven by the same initiator.
#
# The initiator is a strongSwan charon (Debian's 5.9.8 has no load-tester plugin) with one connection per IKE SA
# (c1..cN, own identity and /32 selector, unique = never so no INITIAL_CONTACT makes a responder drop the others),
# started by swanctl processes PAR at a time. The generator's own cost (a swanctl process per SA) caps the rate both
# responders see, so the table also gives each responder's CPU time per handshake, which that cap does not touch.
# Both responders: no DPD, no rekeying. charon's block_threshold is raised to 64 (default 5 would refuse PAR
# concurrent half-open SAs from one address) and its cookie_threshold set to the box's 30; its IKE SA table is sized
# for 1000 SAs (ikesa_table_size 1024): strongSwan at its best, not a crippled one.
# Not a test: prints a table. Needs root, iproute2, strongswan-charon, strongswan-swanctl and the published binary.
# Usage: tools/bench-capacity.sh            LEVELS="1 100 1000" PAR=8 BENCH_PREFIX=capbench APPLIANCE_BIN=...
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a LEVELS <<<"${LEVELS:-1 100 1000}"
PAR=${PAR:-8}
P=${BENCH_PREFIX:-capbench}
GEN=$P-gen RSP=$P-rsp LANH=$P-lan
BIN=$(realpath "${APPLIANCE_BIN:-out/linux-x64/appliance}")
[ -x "$BIN" ] || { echo "no $BIN: run 'make aot-x64' first" >&2; exit 1; }
MAX=${LEVELS[-1]}
PSK=bench-only-psk-0123456789
PROPOSAL=aes256gcm16-prfsha256-curve25519
WORK=$(mktemp -d /tmp/capbench.XXXXXX)
GD=$WORK/gen

cleanup() {
  for ns in $GEN $RSP $LANH; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap 'exit 143' INT TERM
trap 'cleanup; [ -n "${KEEP:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"' EXIT
cleanup

for ns in $GEN $RSP $LANH; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add eth0 netns "$GEN" type veth peer name wan0 netns "$RSP"
ip link add lan0 netns "$RSP" type veth peer name eth0 netns "$LANH"
addr() { ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up; }
addr "$GEN" eth0 10.98.0.2/24; addr "$RSP" wan0 10.98.0.1/24
addr "$RSP" lan0 192.168.1.1/24; addr "$LANH" eth0 192.168.1.10/24

pid_in() { # namespace, command name
  for p in $(ip netns pids "$1"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] && { echo "$p"; return; }; done
}
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; }

swan_conf() { # dir, extra charon settings
  cat >"$1/strongswan.conf" <<EOC
charon {
  load_modular = no
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm curve25519 kernel-libipsec kernel-netlink socket-default vici
  install_routes = yes
  install_virtual_ip = no
  ikesa_table_size = 1024
  ikesa_table_segments = 16
  $2
  plugins { vici { socket = unix://$1/vici.sock } }
  filelog { bench { path = $1/charon.log
    default = ${LOGLEVEL:-0} } }
}
swanctl { load = random }
EOC
}
start_charon() { # namespace, dir
  rm -f "$2/vici.sock"
  ip netns exec "$1" unshare -m sh -c "mount -t tmpfs none /run; STRONGSWAN_CONF=$2/strongswan.conf exec /usr/lib/ipsec/charon" \
    >"$2/charon.out" 2>&1 &
  for _ in $(seq 100); do [ -S "$2/vici.sock" ] && break; sleep 0.1; done
  STRONGSWAN_CONF=$2/strongswan.conf swanctl --load-all --file "$2/swanctl.conf" --uri "unix://$2/vici.sock" >/dev/null
}
stop_charon() { # namespace
  local p; p=$(pid_in "$1" charon); [ -n "$p" ] && kill -9 "$p" && while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
  ip -n "$1" link del ipsec0 2>/dev/null || true
}

# The initiator: MAX connections, each its own IKE SA with one Child SA.
mkdir -p "$GD"
# Each swanctl --initiate holds a charon worker thread until its SA is up: give the initiator plenty.
swan_conf "$GD" "retransmit_timeout = 2.0
  threads = 64"
{
  echo "connections {"
  for ((i = 1; i <= MAX; i++)); do
    cat <<EOC
  c$i { version = 2
    local_addrs = 10.98.0.2
    remote_addrs = 10.98.0.1
    proposals = $PROPOSAL
    encap = yes
    unique = never
    dpd_delay = 0
    rekey_time = 0
    local { auth = psk
      id = c$i.bench }
    remote { auth = psk
      id = rsp.bench }
    children { net { local_ts = 10.200.$((i / 250)).$((i % 250 + 1))/32
      remote_ts = 192.168.1.0/24
      esp_proposals = aes256gcm16
      rekey_time = 0 } } }
EOC
  done
  echo "}"
  echo "secrets { ike-bench { secret = \"$PSK\" } }"
} >"$GD/swanctl.conf"

# kernel-libipsec routes each Child SA's traffic from an address inside its local selector: give the initiator all of them.
for ((i = 1; i <= MAX; i++)); do echo "addr add 10.200.$((i / 250)).$((i % 250 + 1))/32 dev lo"; done | ip -n "$GEN" -batch -

# Initiates c<from>..c<to>, PAR at a time; prints the wall time in seconds.
establish() {
  local t0 t1
  t0=$(date +%s.%N)
  seq "$1" "$2" | xargs -P "$PAR" -I{} env STRONGSWAN_CONF="$GD/strongswan.conf" \
    swanctl --initiate --ike c{} --child net --timeout 60 --uri "unix://$GD/vici.sock" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  calc "$t1 - $t0"
}
established() { # IKE SAs the initiator has up
  STRONGSWAN_CONF=$GD/strongswan.conf swanctl --list-sas --uri "unix://$GD/vici.sock" 2>/dev/null | grep -c ': #[0-9]*, ESTABLISHED' || true
}

# One responder: bring up the levels, measure each. Prints one table row. $1 label, $2 responder PID.
measure() {
  local label=$1 pid=$2 prev=0 row idle t n cpu0 cpu1 rate ok
  sleep 1
  idle=$(rss_kib "$pid")
  row="$(printf '%-12s %9s' "$label" "$idle")"
  declare -A rss=() secs=()
  cpu0=$(cpu_ms "$pid")
  for level in "${LEVELS[@]}"; do
    t=$(establish $((prev + 1)) "$level")
    secs[$level]=$t
    sleep 1
    rss[$level]=$(rss_kib "$pid")
    ok=$(established)
    echo "  $label: c$((prev + 1))..c$level in ${t} s; initiator has $ok IKE SAs up; responder RSS ${rss[$level]} KiB" >&2
    [ "$level" = 1 ] || [ "$ok" -ge "$level" ] || echo "  $label: only $ok of $level IKE SAs came up" >&2
    prev=$level
  done
  cpu1=$(cpu_ms "$pid")
  n=$((MAX - LEVELS[0]))
  # Handshakes per second over the levels after the first (the first is a single SA: its time is a latency).
  local total=0
  for level in "${LEVELS[@]:1}"; do total=$(calc "$total + ${secs[$level]}"); done
  rate=$(calc "$n / $total")
  row+="$(printf ' %9.0f' "$(calc "${secs[${LEVELS[0]}]} * 1000")")"
  row+="$(printf ' %9.1f' "$rate")"
  row+="$(printf ' %9.2f' "$(calc "($cpu1 - $cpu0) / $MAX")")"
  for level in "${LEVELS[@]}"; do row+="$(printf ' %9s' "${rss[$level]}")"; done
  local first_big=${LEVELS[-2]:-${LEVELS[0]}}
  row+="$(printf ' %9.1f' "$(calc "(${rss[$MAX]} - ${rss[$first_big]}) / ($MAX - $first_big)")")"
  ROWS+=("$row")
}
ROWS=()

# (a) the box: a responder-only PSK tunnel that takes any peer identity.
BD=$WORK/box; mkdir -p "$BD/state"
cat >"$BD/appliance.json" <<EOC
{ "Appliance": {
  "Board": "simulated",
  "Wan": { "Interface": "wan0" }, "Lan": { "Interface": "lan0" },
  "StateDirectory": "$BD/state", "ControlSocket": "$BD/control.sock",
  "Ike": { "Dpd": "00:00:00", "RekeyTime": "00:00:00", "IkeRekeyTime": "00:00:00", "HalfOpenPerSource": 256 },
  "Tunnels": { "bench": {
    "RemoteAddress": "%any", "LocalId": "rsp.bench", "RemoteId": "%any", "Auth": "psk", "Psk": "$PSK",
    "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "10.200.0.0/16" ],
    "Ike": [ "$PROPOSAL" ], "Esp": [ "aes256gcm16" ], "Start": "none" } } } }
EOC
ip netns exec "$RSP" "$BIN" run --config "$BD/appliance.json" >"$BD/log" 2>&1 &
for _ in $(seq 100); do [ -S "$BD/control.sock" ] && break; sleep 0.1; done
BOX_PID=$(pid_in "$RSP" appliance)
[ -n "$BOX_PID" ] || { echo "the box did not start:" >&2; cat "$BD/log" >&2; exit 1; }
start_charon "$GEN" "$GD"
echo "box (pid $BOX_PID) as responder:" >&2
measure "box" "$BOX_PID"
"$BIN" status --json --socket "$BD/control.sock" | python3 -c 'import json,sys; i=json.load(sys.stdin)["ike"]; print("  box: ikeSas", i["ikeSas"], "halfOpen", i["halfOpen"], "cookiesSent", i["cookiesSent"], "halfOpenLimitReached", i["halfOpenLimitReached"])' >&2
stop_charon "$GEN"
kill -TERM "$BOX_PID"; while kill -0 "$BOX_PID" 2>/dev/null; do sleep 0.1; done

# (b) strongSwan's charon on the same address, with the same initiator started afresh.
RD=$WORK/ref; mkdir -p "$RD"
swan_conf "$RD" "cookie_threshold = 30
  block_threshold = 64"
cat >"$RD/swanctl.conf" <<EOC
connections { rsp { version = 2
  local_addrs = 10.98.0.1
  remote_addrs = %any
  proposals = $PROPOSAL
  encap = yes
  unique = never
  dpd_delay = 0
  rekey_time = 0
  local { auth = psk
    id = rsp.bench }
  remote { auth = psk
    id = %any }
  children { net { local_ts = 192.168.1.0/24
    remote_ts = 10.200.0.0/16
    esp_proposals = aes256gcm16
    rekey_time = 0 } } } }
secrets { ike-bench { secret = "$PSK" } }
EOC
start_charon "$RSP" "$RD"
REF_PID=$(pid_in "$RSP" charon)
start_charon "$GEN" "$GD"
echo "strongSwan charon (pid $REF_PID) as responder:" >&2
measure "charon" "$REF_PID"
stop_charon "$GEN"
stop_charon "$RSP"

echo
echo "Responder capacity, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), PAR=$PAR"
echo "IKE_SA_INIT + IKE_AUTH with PSK, X25519, AES-256-GCM, one Child SA each; initiator: strongSwan 5.9.8 charon"
header="$(printf '%-12s %9s %9s %9s %9s' responder 'idle KiB' '1st ms' 'SAs/s' 'CPU ms/SA')"
for level in "${LEVELS[@]}"; do header+="$(printf ' %9s' "KiB@$level")"; done
header+="$(printf ' %9s' 'KiB/SA')"
echo "$header"
printf '%s\n' "${ROWS[@]}"
echo "(1st ms: the first SA's handshake incl. one swanctl start; SAs/s over the later levels; CPU ms/SA: the responder's"
echo " user+system time over all SAs; KiB/SA: RSS growth per SA between the last two levels)"
