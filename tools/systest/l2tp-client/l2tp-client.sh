#!/bin/bash
# A Linux L2TP/IPsec client set up like Windows' and macOS' built-in one (IKEv1 Main Mode with a pre-shared
# key, ESP transport mode for UDP 1701, L2TP, PPP with MS-CHAPv2), for the system test. Runs INSIDE the
# guest (its Debian kernel does transport-mode ESP; the build host's does not), each client in its own
# network namespace behind a NAT namespace that holds the guest's extra NIC on the WAN cable (br-wan).
# Test scaffolding, never part of the product; installed in the guest as /usr/local/sbin/sy-l2tp-client.
#
#   sy-l2tp-client nat-up                 the "natbox" namespace l2tp-nat with the extra NIC, 10.99.0.60/24
#   sy-l2tp-client up NAME INDEX          client namespace l2tp-NAME on 172.16.INDEX.0/24 behind the NAT,
#                                         its own charon (IKEv1 conn loaded) and xl2tpd (LAC "box")
#   sy-l2tp-client connect NAME [SECS]    IPsec up, then L2TP/PPP ("c box"); waits for pppN with an address;
#                                         prints "iface= local= remote= dns1= dns2=", exit 3 when PPP
#                                         authentication was refused, 4 when IPsec did not come up, 5 timeout
#   sy-l2tp-client status NAME            the same lines while connected (exit 1 when not)
#   sy-l2tp-client ping NAME TARGET [N]   ping from the client namespace (through ppp for routed targets)
#   sy-l2tp-client password NAME PASS     the PPP password of the next connect (a wrong one for a refusal test)
#   sy-l2tp-client disconnect NAME        "d box" to xl2tpd, IPsec SA deleted
#   sy-l2tp-client sas NAME               swanctl --list-sas of the client's charon
#   sy-l2tp-client logs NAME              charon, xl2tpd and pppd logs
#   sy-l2tp-client down NAME              everything of that client stopped, its namespace deleted
#   sy-l2tp-client nat-down               the NAT namespace deleted (the NIC returns to the guest's root)
#
# Settings for `up` (environment): L2TP_SERVER (10.99.0.1), L2TP_PSK, L2TP_USER, L2TP_PASSWORD,
# L2TP_ROUTES ("192.168.1.0/24": routed through ppp, nothing else; the default route stays on the NAT),
# L2TP_PUBLIC (the NAT's public address this client leaves by; default 10.99.0.60, shared by all clients).
#
# Per client everything lives in /var/lib/sy-l2tp/NAME. Its daemons run in `ip netns exec` (a private mount
# namespace) with STATE/run bound over /run (charon.pid, xl2tpd.pid, pppN.pid, pppd2.tdb of two clients do not
# clash) and STATE/ppp over /etc/ppp (pppd's fixed paths: options, ip-up/ip-down, and the resolv.conf that
# usepeerdns writes). charon reads STATE/strongswan.conf (STRONGSWAN_CONF) and answers on STATE/charon.vici.
set -euo pipefail

NAT_NS=l2tp-nat
NIC_MAC=${L2TP_NIC_MAC:-52:54:00:99:00:60}
NAT_PUBLIC_DEFAULT=10.99.0.60
STATE_ROOT=/var/lib/sy-l2tp

die() { echo "sy-l2tp-client: $*" >&2; exit 1; }
ns_of() { echo "l2tp-$1"; }
state_of() { echo "$STATE_ROOT/$1"; }
has_ns() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

# Runs a command in namespace NS with STATE/run over /run and STATE/ppp over /etc/ppp, detached, output to LOG.
spawn() {
  local ns=$1 state=$2 log=$3; shift 3
  setsid ip netns exec "$ns" sh -c 'mount --bind "$0/run" /run && mount --bind "$0/ppp" /etc/ppp && exec "$@"' \
    "$state" "$@" >>"$log" 2>&1 </dev/null &
}

modules() {
  # The kernel bits a transport-mode L2TP/IPsec client needs; all modules in Debian's arm64/amd64 kernel.
  for m in esp4 xfrm_user xfrm4_tunnel af_key l2tp_core l2tp_netlink l2tp_ppp ppp_generic pppox veth \
           nf_nat nft_chain_nat nft_masq; do
    modprobe -q "$m" 2>/dev/null || echo "sy-l2tp-client: module $m not loaded" >&2
  done
}

find_nic() {
  local d
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address" 2>/dev/null)" = "$NIC_MAC" ] && { basename "$d"; return 0; }
  done
  return 1
}

nat_up() {
  modules
  has_ns "$NAT_NS" || ip netns add "$NAT_NS"
  if ! ip -n "$NAT_NS" link show wan >/dev/null 2>&1; then
    local nic
    nic=$(find_nic) || die "no NIC with MAC $NIC_MAC in the guest (qemu's client NIC on br-wan)"
    ip link set "$nic" down
    ip link set "$nic" netns "$NAT_NS"
    ip -n "$NAT_NS" link set "$nic" name wan
  fi
  ip -n "$NAT_NS" link set lo up
  ip -n "$NAT_NS" link set wan up
  ip -n "$NAT_NS" addr replace "$NAT_PUBLIC_DEFAULT/24" dev wan
  ip netns exec "$NAT_NS" sysctl -qw net.ipv4.ip_forward=1
  # Per client a snat rule (its public address); this table only holds the chain.
  ip netns exec "$NAT_NS" nft -f - <<'NFT'
table ip sy_nat {
  chain post { type nat hook postrouting priority srcnat; policy accept; }
}
NFT
}

nat_down() {
  has_ns "$NAT_NS" || return 0
  # The physical NIC goes back to the root namespace when its namespace is deleted.
  ip netns del "$NAT_NS"
}

write_configs() {
  local name=$1 index=$2 state=$3
  local server=${L2TP_SERVER:-10.99.0.1} psk=${L2TP_PSK:?L2TP_PSK} user=${L2TP_USER:?L2TP_USER}
  local password=${L2TP_PASSWORD:?L2TP_PASSWORD} routes=${L2TP_ROUTES:-192.168.1.0/24}
  mkdir -p "$state/run" "$state/ppp"
  cat > "$state/strongswan.conf" <<EOF
# Client $name: a charon of its own (STRONGSWAN_CONF), plugins listed so nothing else is loaded.
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gmp kdf kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
  plugins {
    vici {
      socket = unix://$state/charon.vici
    }
  }
  filelog {
    client {
      path = $state/charon.log
      time_format = %T
      default = 1
      ike = 2
      knl = 1
    }
  }
}
swanctl {
  load = pem pkcs1 x509 revocation constraints pubkey random
}
EOF
  # What Windows' "L2TP/IPsec with pre-shared key" offers: IKEv1 Main Mode, AES-256/SHA-1/MODP-1024 and
  # AES-256/SHA-256/MODP-2048; ESP AES-256/AES-128 with HMAC-SHA1 in transport mode for UDP 1701 only.
  cat > "$state/swanctl.conf" <<EOF
connections {
  box {
    version = 1
    remote_addrs = $server
    proposals = aes256-sha1-modp1024,aes256-sha256-modp2048
    dpd_delay = 0
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[17/1701]
        remote_ts = dynamic[17/1701]
        esp_proposals = aes256-sha1,aes128-sha1
      }
    }
  }
}
secrets {
  ike-box {
    secret = "$psk"
  }
}
EOF
  cat > "$state/xl2tpd.conf" <<EOF
[global]
port = 1701
access control = no

[lac box]
lns = $server
pppoptfile = /etc/ppp/options.l2tp
length bit = yes
redial = no
autodial = no
require authentication = no
ppp debug = yes
EOF
  : > "$state/ppp/options"
  write_ppp_options "$state" "$user" "$password"
  # pppd runs /etc/ppp/ip-up (here: STATE/ppp/ip-up) with IFNAME ... and, with usepeerdns, DNS1/DNS2.
  cat > "$state/ppp/ip-up" <<EOF
#!/bin/sh
for r in $routes; do ip route replace "\$r" dev "\$1"; done
printf 'iface=%s\nlocal=%s\nremote=%s\ndns1=%s\ndns2=%s\n' "\$1" "\$4" "\$5" "\$DNS1" "\$DNS2" > $state/ppp.env.tmp
mv $state/ppp.env.tmp $state/ppp.env
EOF
  cat > "$state/ppp/ip-down" <<EOF
#!/bin/sh
rm -f $state/ppp.env
EOF
  chmod 755 "$state/ppp/ip-up" "$state/ppp/ip-down"
  echo "$index" > "$state/index"
}

write_ppp_options() {
  local state=$1 user=$2 password=$3
  # Windows' "Allow these protocols: MS-CHAP v2" as a pppd client: every other way of proving who we are is
  # refused; noauth because the server does not authenticate itself to a client (pppd's require-mschap-v2
  # would demand exactly that of the server). No default route: only L2TP_ROUTES go through ppp.
  cat > "$state/ppp/options.l2tp" <<EOF
ipcp-accept-local
ipcp-accept-remote
noauth
refuse-eap
refuse-pap
refuse-chap
refuse-mschap
noccp
nobsdcomp
nodeflate
mtu 1280
mru 1280
noipdefault
nodefaultroute
usepeerdns
connect-delay 2000
lcp-echo-interval 10
lcp-echo-failure 6
name "$user"
password "$password"
debug
logfile $state/ppp.log
EOF
  chmod 600 "$state/ppp/options.l2tp"
}

client_up() {
  local name=${1:?usage: up NAME INDEX} index=${2:?usage: up NAME INDEX}
  local ns state public
  ns=$(ns_of "$name"); state=$(state_of "$name"); public=${L2TP_PUBLIC:-$NAT_PUBLIC_DEFAULT}
  case "$index" in ''|*[!0-9]*) die "INDEX must be 1-250";; esac
  [ "$index" -ge 1 ] && [ "$index" -le 250 ] || die "INDEX must be 1-250"
  has_ns "$NAT_NS" || nat_up
  client_down "$name" >/dev/null 2>&1 || true
  rm -rf "$state"; mkdir -p "$state"
  write_configs "$name" "$index" "$state"

  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "l2c$index" type veth peer name "l2p$index"
  ip link set "l2c$index" netns "$NAT_NS"
  ip link set "l2p$index" netns "$ns"
  ip -n "$NAT_NS" link set "l2c$index" name "v$index"
  ip -n "$ns" link set "l2p$index" name eth0
  ip -n "$NAT_NS" addr add "172.16.$index.1/24" dev "v$index"
  ip -n "$ns" addr add "172.16.$index.2/24" dev eth0
  ip -n "$NAT_NS" link set "v$index" up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "172.16.$index.1"
  # The client leaves the NAT by its public address (a home router's masquerade: ports remapped on clashes).
  ip -n "$NAT_NS" addr add "$public/24" dev wan 2>/dev/null || true
  ip netns exec "$NAT_NS" nft add rule ip sy_nat post ip saddr "172.16.$index.0/24" oifname wan snat to "$public" comment "\"$name\""

  spawn "$ns" "$state" "$state/charon.out" env STRONGSWAN_CONF="$state/strongswan.conf" /usr/lib/ipsec/charon
  local i
  for i in $(seq 100); do [ -S "$state/charon.vici" ] && break; sleep 0.2; done
  [ -S "$state/charon.vici" ] || { cat "$state/charon.out" "$state/charon.log" 2>/dev/null >&2; die "$name: charon did not start"; }
  # (minbase has no /etc/services nor /etc/protocols: UDP is 17, L2TP 1701.) swanctl's own plugin chatter goes to a file, shown on failure.
  STRONGSWAN_CONF="$state/strongswan.conf" swanctl --load-all --noprompt --file "$state/swanctl.conf" --uri "unix://$state/charon.vici" \
    > "$state/swanctl-load.out" 2>&1 || { cat "$state/swanctl-load.out" >&2; die "swanctl --load-all failed"; }
  start_lac "$name"
  echo "$name: namespace $ns, 172.16.$index.2 behind $public, server ${L2TP_SERVER:-10.99.0.1}"
}

# (Re)starts the client's xl2tpd (LAC "box"); its pppd goes with it.
start_lac() {
  local name=$1 ns state pid i
  ns=$(ns_of "$name"); state=$(state_of "$name")
  if [ -s "$state/run/xl2tpd.pid" ] && pid=$(cat "$state/run/xl2tpd.pid") && kill "$pid" 2>/dev/null; then
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/l2tp-control" "$state/run/xl2tpd.pid"
  spawn "$ns" "$state" "$state/xl2tpd.log" xl2tpd -D -c "$state/xl2tpd.conf" -p /run/xl2tpd.pid -C "$state/l2tp-control"
  for i in $(seq 100); do [ -p "$state/l2tp-control" ] && break; sleep 0.2; done
  [ -p "$state/l2tp-control" ] || { cat "$state/xl2tpd.log" >&2; die "$name: xl2tpd did not start"; }
}

vici() { STRONGSWAN_CONF="$(state_of "$NAME")/strongswan.conf" swanctl "$@" --uri "unix://$(state_of "$NAME")/charon.vici"; }

connect() {
  local secs=${1:-90} state; state=$(state_of "$NAME")
  [ -d "$state" ] || die "$NAME is not up"
  rm -f "$state/ppp.env"
  : > "$state/ppp.log"
  # A second connect (after a refused password) reuses the IPsec SA that is still up, as Windows does.
  if vici --list-sas --ike box 2>/dev/null | grep -q INSTALLED; then
    :
  elif ! vici --initiate --child l2tp --ike box --timeout 60 > "$state/initiate.out" 2>&1; then
    tail -n 30 "$state/initiate.out" >&2
    echo "sy-l2tp-client: $NAME: IPsec did not come up" >&2
    return 4
  fi
  # Every connect dials a new L2TP tunnel, as Windows does: a fresh xl2tpd. Reusing the old one raced with the server
  # closing that tunnel after a refused login ("out of order control packet" until xl2tpd gave up, ~90 s).
  [ -e "$state/dialled" ] && start_lac "$NAME"
  touch "$state/dialled"
  echo "c box" > "$state/l2tp-control"
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    if [ -s "$state/ppp.env" ]; then cat "$state/ppp.env"; return 0; fi
    if grep -qiE 'authentication failed|MS-CHAP.*failed|CHAP authentication failed' "$state/ppp.log" 2>/dev/null; then
      echo "sy-l2tp-client: $NAME: PPP authentication refused" >&2
      grep -iE 'auth|chap|fail' "$state/ppp.log" | tail -n 5 >&2
      return 3
    fi
    sleep 0.5
  done
  echo "sy-l2tp-client: $NAME: no ppp address within $secs s" >&2
  tail -n 20 "$state/ppp.log" "$state/xl2tpd.log" >&2 2>/dev/null || true
  return 5
}

disconnect() {
  local state; state=$(state_of "$NAME")
  [ -p "$state/l2tp-control" ] && echo "d box" > "$state/l2tp-control" || true
  # pppd runs ip-down, which removes ppp.env; then the IPsec SA goes.
  local i
  for i in $(seq 40); do [ -e "$state/ppp.env" ] || break; sleep 0.25; done
  sleep 1
  vici --terminate --ike box --timeout 20 >/dev/null 2>&1 || true
  [ -e "$state/ppp.env" ] && { echo "sy-l2tp-client: $NAME: ppp still up" >&2; return 1; }
  echo "$NAME: disconnected"
}

client_down() {
  local name=$1 ns state index
  ns=$(ns_of "$name"); state=$(state_of "$name")
  if has_ns "$ns"; then
    local pid
    for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns"
  fi
  if [ -s "$state/index" ] && has_ns "$NAT_NS"; then
    index=$(cat "$state/index")
    ip -n "$NAT_NS" link del "v$index" 2>/dev/null || true
    local h
    for h in $(ip netns exec "$NAT_NS" nft -a list chain ip sy_nat post 2>/dev/null | sed -nE "s/.*comment \"$name\" # handle ([0-9]+)/\1/p"); do
      ip netns exec "$NAT_NS" nft delete rule ip sy_nat post handle "$h"
    done
  fi
  rm -rf "$state/run"
  echo "$name: down"
}

cmd=${1:-}; shift || true
case "$cmd" in
  nat-up) nat_up; echo "$NAT_NS: $(ip -n "$NAT_NS" -br addr show wan)";;
  nat-down) nat_down;;
  up) client_up "$@";;
  connect) NAME=${1:?usage: connect NAME [SECS]}; connect "${2:-90}";;
  status) NAME=${1:?usage: status NAME}; f=$(state_of "$NAME")/ppp.env; [ -s "$f" ] && cat "$f";;
  ping) NAME=${1:?usage: ping NAME TARGET [COUNT]}; ip netns exec "$(ns_of "$NAME")" ping -c "${3:-3}" -i 0.5 -W 5 "${2:?TARGET}";;
  password) NAME=${1:?usage: password NAME PASS}; state=$(state_of "$NAME")
            user=$(sed -nE 's/^name "(.*)"$/\1/p' "$state/ppp/options.l2tp"); write_ppp_options "$state" "$user" "${2?PASS}";;
  disconnect) NAME=${1:?usage: disconnect NAME}; disconnect;;
  sas) NAME=${1:?usage: sas NAME}; vici --list-sas;;
  logs) state=$(state_of "${1:?usage: logs NAME}")
        for f in charon.log charon.out xl2tpd.log ppp.log; do echo "== $f"; tail -n "${2:-60}" "$state/$f" 2>/dev/null || true; done;;
  down) client_down "${1:?usage: down NAME}";;
  *) sed -n '2,30p' "$0" >&2; exit 2;;
esac
