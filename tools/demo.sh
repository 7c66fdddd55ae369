#!/usr/bin/env bash
# `make demo`: the box between a branch LAN host and the internet, a strongSwan HQ gateway with a host
# behind it, all in network namespaces on this machine. Shows the tunnel coming up, the LEDs, a ping and
# a short iperf3 from the LAN host to the HQ host, then cleans up (also on Ctrl-C).
#
#   lan-host 192.168.1.10 ─ lan0 [box] wan0 10.99.0.1 ─── 10.99.0.2 eth0 [hq: strongSwan] lan 192.168.2.1 ─ hq-host 192.168.2.10
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces)" >&2; exit 1; }

BIN=${APPLIANCE_BIN:-$PWD/out/linux-x64/appliance}
P=demo$$
DIR=$(mktemp -d /tmp/appliance-demo.XXXXXX)
NS_LAN=$P-lan NS_BOX=$P-box NS_HQ=$P-hq NS_HQHOST=$P-hqhost
PSK="demo shared secret"
pids=()

cleanup() {
  set +e
  echo; echo "== cleaning up"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for ns in $NS_LAN $NS_BOX $NS_HQ $NS_HQHOST; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

link() { # nsA ifA cidrA nsB ifB cidrB
  ip link add "$P-a" type veth peer name "$P-b"
  ip link set "$P-a" netns "$1"; ip link set "$P-b" netns "$4"
  ip -n "$1" link set "$P-a" name "$2"; ip -n "$4" link set "$P-b" name "$5"
  [ -z "$3" ] || ip -n "$1" addr add "$3" dev "$2"; [ -z "$6" ] || ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}

echo "== building the topology"
for ns in $NS_LAN $NS_BOX $NS_HQ $NS_HQHOST; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# The box's LAN address comes from its configuration (Appliance:Lan:Address): the service sets it.
link $NS_LAN eth0 192.168.1.10/24 $NS_BOX lan0 ""
link $NS_BOX wan0 10.99.0.1/24 $NS_HQ eth0 10.99.0.2/24
link $NS_HQ lan0 192.168.2.1/24 $NS_HQHOST eth0 192.168.2.10/24
ip -n $NS_LAN route add default via 192.168.1.1
ip -n $NS_HQHOST route add default via 192.168.2.1
ip netns exec $NS_HQ sysctl -qw net.ipv4.ip_forward=1

echo "== starting strongSwan (HQ, kernel-libipsec)"
cat > "$DIR/strongswan.conf" <<EOC
charon {
  load_modular = no
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 x509 kernel-libipsec kernel-netlink socket-default vici updown
  install_routes = yes
  plugins { vici { socket = unix://$DIR/vici.sock } }
  filelog { demo { path = $DIR/charon.log
    default = 1 } }
}
EOC
cat > "$DIR/swanctl.conf" <<EOC
connections {
  branch1 {
    version = 2
    local_addrs = 10.99.0.2
    remote_addrs = %any
    proposals = aes256gcm16-prfsha256-curve25519
    encap = yes
    local { auth = psk
      id = hq.example.com }
    remote { auth = psk
      id = branch1.example.com }
    children { net {
      local_ts = 192.168.2.0/24
      remote_ts = 192.168.1.0/24
      esp_proposals = aes256gcm16 } }
  }
}
secrets { ike-branch1 { id-1 = hq.example.com
  id-2 = branch1.example.com
  secret = "$PSK" } }
EOC
ip netns exec $NS_HQ unshare -m sh -c "mount -t tmpfs none /run; STRONGSWAN_CONF=$DIR/strongswan.conf exec /usr/lib/ipsec/charon" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$DIR/vici.sock" ] && break; sleep 0.2; done
swanctl --load-all --file "$DIR/swanctl.conf" --uri "unix://$DIR/vici.sock" >/dev/null

echo "== starting the box (simulated board)"
cat > "$DIR/appliance.json" <<EOC
{ "Appliance": {
    "Board": "simulated",
    "Wan": { "Interface": "wan0" },
    "Lan": { "Interface": "lan0", "Address": "192.168.1.1/24" },
    "StateDirectory": "$DIR/state",
    "ControlSocket": "$DIR/control.sock",
    "Tunnels": {
      "hq": {
        "RemoteAddress": "10.99.0.2",
        "LocalId": "branch1.example.com", "RemoteId": "hq.example.com",
        "Auth": "psk", "Psk": "$PSK",
        "LocalTs": [ "192.168.1.0/24" ], "RemoteTs": [ "192.168.2.0/24" ],
        "Ike": [ "aes256gcm16-prfsha256-curve25519" ], "Esp": [ "aes256gcm16" ],
        "Start": "always", "Mode": "tunnel", "Encapsulation": "auto" } } } }
EOC
ip netns exec $NS_BOX "$BIN" run --config "$DIR/appliance.json" > "$DIR/appliance.log" 2>&1 &
pids+=($!)
status() { "$BIN" status --socket "$DIR/control.sock"; }

echo "== waiting for the tunnel (the simulated board's LEDs, live)"
up=0
last=""
for _ in $(seq 60); do
  leds=$(status 2>/dev/null | grep '^leds:' || true)
  [ -n "$leds" ] && [ "$leds" != "$last" ] && { echo "  $leds"; last=$leds; }
  if status 2>/dev/null | grep -q INSTALLED; then up=1; break; fi
  sleep 0.5
done
sleep 0.5; echo "  $(status 2>/dev/null | grep '^leds:' || true)"
echo "--- appliance status ---"; status || true
echo "--- strongSwan: swanctl --list-sas ---"
swanctl --list-sas --uri "unix://$DIR/vici.sock"
if [ $up = 0 ]; then echo "the tunnel did not come up; appliance log:"; tail -30 "$DIR/appliance.log"; exit 1; fi

echo "== ping from the LAN host (192.168.1.10) to the HQ host (192.168.2.10)"
ip netns exec $NS_LAN ping -c 4 -i 0.3 192.168.2.10 || echo "(ping failed)"
echo "== iperf3, 5 s, LAN host -> HQ host through the tunnel"
ip netns exec $NS_HQHOST iperf3 -s -1 -D >/dev/null 2>&1
sleep 0.5
ip netns exec $NS_LAN iperf3 -c 192.168.2.10 -t 5 -f m | tail -4 || echo "(iperf3 failed)"
echo "--- appliance status after traffic ---"; status || true
echo "--- strongSwan counters ---"
swanctl --list-sas --uri "unix://$DIR/vici.sock" | grep -E "bytes|packets" || true
echo "--- LED changes the box showed (simulated board) ---"; grep 'LEDs:' "$DIR/appliance.log" || true
echo "--- box log (last lines) ---"; grep -v 'LEDs:' "$DIR/appliance.log" | tail -12
