#!/usr/bin/env bash
# RSS of the box service with N idle tunnels (issue 19; default 50), all to one strongSwan charon in network
# namespaces: box (wan0 192.0.2.1) -- hq (wan0 192.0.2.2). Tunnel i: box id ti.box, LocalTs 10.1.i.0/24, RemoteTs
# 10.2.i.0/24, PSK, ESP-in-UDP (charon runs kernel-libipsec, as in tools/bench-dataplane.sh). Waits until every Child SA
# is installed, leaves them idle, then prints the box's and charon's RSS (and the box's breakdown). Needs root and
# out/linux-x64/appliance (make aot ARCH=x64). Usage: tools/footprint/idle-tunnels.sh [N] [IDLE_SECONDS]
# KNOWN PROBLEM (2026-12-07): the IKE SAs establish, but charon refuses every Child SA ("unable to install IPsec
# policies (SPD) in kernel", TS_UNACCEPTABLE), so the box holds N IKE SAs and retries its Child SAs; the RSS it prints
# is that state, not N installed tunnels. KEEP=1 keeps the work directory (charon.out, appliance.log).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50}; IDLE=${2:-20}
P=${FOOTPRINT_PREFIX:-fpidle}; BOX=$P-box HQ=$P-hq LANP=$P-lan
W=$(mktemp -d); BIN=out/linux-x64/appliance
cleanup() {
  [ -n "${box:-}" ] && kill "$box" 2>/dev/null && wait "$box" 2>/dev/null || true
  [ -n "${charon:-}" ] && kill "$charon" 2>/dev/null || true
  for ns in $BOX $HQ $LANP; do ip netns del "$ns" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && echo "kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
for ns in $BOX $HQ $LANP; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add wan0 netns $BOX type veth peer name wan0 netns $HQ
ip link add lan0 netns $BOX type veth peer name eth0 netns $LANP
ip -n $BOX addr add 192.0.2.1/24 dev wan0; ip -n $HQ addr add 192.0.2.2/24 dev wan0
for l in "$BOX wan0" "$HQ wan0" "$BOX lan0" "$LANP eth0"; do ip -n ${l% *} link set ${l#* } up; done

# charon: one connection per tunnel, chosen by the box's identity.
cat >"$W/strongswan.conf" <<EOC
charon {
  load_modular = no
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 x509 kernel-libipsec kernel-netlink socket-default vici updown
  install_routes = yes
  plugins { vici { socket = unix://$W/vici.sock } }
}
EOC
{ echo "connections {"
  for i in $(seq 1 "$N"); do cat <<EOC
t$i { version = 2
  local_addrs = 192.0.2.2
  remote_addrs = 192.0.2.1
  proposals = aes256gcm16-prfsha256-curve25519
  encap = yes
  local { auth = psk
    id = hq }
  remote { auth = psk
    id = t$i.box }
  children { net { local_ts = 10.2.$i.0/24
    remote_ts = 10.1.$i.0/24
    esp_proposals = aes256gcm16 } } }
EOC
  done
  echo "}"
  echo 'secrets { ike { secret = "idle-tunnels-only-psk-0123456789" } }'; } >"$W/swanctl.conf"
ip netns exec $HQ unshare -m sh -c "mount -t tmpfs none /run; STRONGSWAN_CONF=$W/strongswan.conf exec /usr/lib/ipsec/charon" >"$W/charon.out" 2>&1 &
charon=$!
for _ in $(seq 100); do [ -S "$W/vici.sock" ] && break; sleep 0.1; done
swanctl --load-all --file "$W/swanctl.conf" --uri "unix://$W/vici.sock" >/dev/null 2>&1

# The box: N tunnels, Start always.
python3 - "$N" "$W" "$PWD/board" >"$W/appliance.json" <<'PY'
import json, sys
n, w, board = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tunnels = {f"t{i}": {"RemoteAddress": "192.0.2.2", "LocalId": f"t{i}.box", "RemoteId": "hq",
    "Psk": "idle-tunnels-only-psk-0123456789", "LocalTs": [f"10.1.{i}.0/24"], "RemoteTs": [f"10.2.{i}.0/24"],
    "Ike": ["aes256gcm16-prfsha256-curve25519"], "Esp": ["aes256gcm16"], "Start": "always"} for i in range(1, n + 1)}
print(json.dumps({"Appliance": {"Board": "simulated", "BoardDirectory": board, "StateDirectory": f"{w}/state",
    "ControlSocket": f"{w}/control.sock", "Wan": {"Interface": "wan0"}, "Lan": {"Interface": "lan0"},
    "Tunnels": tunnels}}))
PY
ip netns exec $BOX "$BIN" run --config "$W/appliance.json" >"$W/appliance.log" 2>&1 &
box=$!
up=0
for _ in $(seq 120); do
  up=$("$BIN" status --socket "$W/control.sock" 2>/dev/null | grep -c "INSTALLED" || true)
  [ "$up" -ge "$N" ] && break; sleep 1
done
echo "idle-tunnels: $up of $N Child SAs installed; idle for ${IDLE}s"
[ "$up" -ge "$N" ] || { tail -5 "$W/appliance.log"; grep -E "CFG\]|IKE\] " "$W/charon.out" | tail -12; } >&2
sleep "$IDLE"
rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
charon_pid=$(pgrep -P "$charon" charon || echo "$charon")
printf '%-34s %10s %10s\n' "$N idle tunnels (KiB)" "RSS now" "peak RSS"
printf '%-34s %10s %10s\n' "strongSwan charon (kernel-libipsec)" "$(rss "$charon_pid" VmRSS)" "$(rss "$charon_pid" VmHWM)"
printf '%-34s %10s %10s\n' "box service (NativeAOT)" "$(rss $box VmRSS)" "$(rss $box VmHWM)"
tools/footprint/rss-breakdown.sh $box | sed 's/^/  box /'
