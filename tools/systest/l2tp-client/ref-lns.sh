#!/bin/bash
# A reference L2TP/IPsec server (LNS) made of strongSwan (IKEv1 responder, transport mode), xl2tpd (LNS) and
# pppd (MS-CHAPv2, an address pool, a DNS server), to prove the client harness (sy-l2tp-client) before the box
# serves L2TP itself. NOT our product and never a step of the shipped box's test: selftest.sh runs it in a guest
# where the appliance is not installed, in the guest's root namespace on the addresses the box would have
# (WAN eth0 10.99.0.1, LAN eth1 192.168.1.1), so the clients take exactly the path they will take to the box:
# natbox NIC -> br-wan -> the guest's eth0. Installed in the guest as /usr/local/sbin/sy-l2tp-ref-lns.
#
#   sy-l2tp-ref-lns up      (env: LNS_PSK, LNS_USERS="user:password ...", LNS_POOL=172.31.0.10-172.31.0.20,
#                            LNS_LOCAL=172.31.0.1, LNS_DNS=192.168.1.1, LNS_WAN=10.99.0.1)
#   sy-l2tp-ref-lns sessions  the pppd sessions: "pppN peer-address user"
#   sy-l2tp-ref-lns sas       swanctl --list-sas of its charon
#   sy-l2tp-ref-lns logs
#   sy-l2tp-ref-lns down
set -euo pipefail
state=/var/lib/sy-l2tp/ref-lns

die() { echo "sy-l2tp-ref-lns: $*" >&2; exit 1; }

# Detached, in a private mount namespace with STATE/run over /run and STATE/ppp over /etc/ppp (pppd's fixed
# paths: chap-secrets, ip-up; the clients' namespaces do the same with their own folders).
spawn() {
  local log=$1; shift
  setsid unshare -m --propagation private sh -c 'mount --bind "$0/run" /run && mount --bind "$0/ppp" /etc/ppp && exec "$@"' \
    "$state" "$@" >>"$log" 2>&1 </dev/null &
}

up() {
  local psk=${LNS_PSK:?LNS_PSK} users=${LNS_USERS:?LNS_USERS} pool=${LNS_POOL:-172.31.0.10-172.31.0.20}
  local local_ip=${LNS_LOCAL:-172.31.0.1} dns=${LNS_DNS:-192.168.1.1} wan=${LNS_WAN:-10.99.0.1}
  down >/dev/null 2>&1 || true
  rm -rf "$state"; mkdir -p "$state/run" "$state/ppp"
  for m in esp4 xfrm_user l2tp_core l2tp_netlink l2tp_ppp ppp_generic pppox; do modprobe -q "$m" || true; done
  sysctl -qw net.ipv4.ip_forward=1
  cat > "$state/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gmp kdf kernel-netlink socket-default vici
  install_routes = no
  plugins {
    vici {
      socket = unix://$state/charon.vici
    }
  }
  filelog {
    lns {
      path = $state/charon.log
      time_format = %T
      default = 1
      ike = 2
    }
  }
}
swanctl {
  load = pem pkcs1 x509 revocation constraints pubkey random
}
EOF
  # Any client with the PSK (IKEv1 Main Mode identifies by IP address, behind a NAT a private one). The remote
  # port is any: Windows sends from 1701, macOS from an ephemeral port.
  cat > "$state/swanctl.conf" <<EOF
connections {
  l2tp {
    version = 1
    local_addrs = $wan
    proposals = aes256-sha1-modp1024,aes256-sha256-modp2048,aes128-sha1-modp2048
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
        remote_ts = dynamic[17]
        esp_proposals = aes256-sha1,aes128-sha1
      }
    }
  }
}
secrets {
  ike-l2tp {
    secret = "$psk"
  }
}
EOF
  cat > "$state/xl2tpd.conf" <<EOF
[global]
port = 1701
listen-addr = $wan
access control = no

[lns default]
ip range = $pool
local ip = $local_ip
require authentication = yes
name = l2tpd
pppoptfile = /etc/ppp/options.xl2tpd
length bit = yes
ppp debug = yes
EOF
  : > "$state/ppp/options"
  cat > "$state/ppp/options.xl2tpd" <<EOF
auth
require-mschap-v2
name l2tpd
ms-dns $dns
noccp
nobsdcomp
nodeflate
mtu 1280
mru 1280
nodefaultroute
lcp-echo-interval 10
lcp-echo-failure 6
debug
logfile $state/ppp.log
EOF
  : > "$state/ppp/chap-secrets"
  local u
  for u in $users; do printf '"%s" * "%s" *\n' "${u%%:*}" "${u#*:}" >> "$state/ppp/chap-secrets"; done
  chmod 600 "$state/ppp/chap-secrets"
  cat > "$state/ppp/ip-up" <<EOF
#!/bin/sh
echo "\$1 \$5 \$PEERNAME" > $state/session.\$1
EOF
  cat > "$state/ppp/ip-down" <<EOF
#!/bin/sh
rm -f $state/session.\$1
EOF
  chmod 755 "$state/ppp/ip-up" "$state/ppp/ip-down"

  spawn "$state/charon.out" env STRONGSWAN_CONF="$state/strongswan.conf" /usr/lib/ipsec/charon
  local i
  for i in $(seq 100); do [ -S "$state/charon.vici" ] && break; sleep 0.2; done
  [ -S "$state/charon.vici" ] || { cat "$state/charon.out" >&2; die "charon did not start"; }
  # (minbase has no /etc/services nor /etc/protocols: UDP is 17, L2TP 1701.) swanctl's own plugin chatter goes to a file, shown on failure.
  STRONGSWAN_CONF="$state/strongswan.conf" swanctl --load-all --noprompt --file "$state/swanctl.conf" --uri "unix://$state/charon.vici" \
    > "$state/swanctl-load.out" 2>&1 || { cat "$state/swanctl-load.out" >&2; die "swanctl --load-all failed"; }
  spawn "$state/xl2tpd.log" xl2tpd -D -c "$state/xl2tpd.conf" -p /run/xl2tpd.pid -C "$state/l2tp-control"
  for i in $(seq 100); do [ -p "$state/l2tp-control" ] && break; sleep 0.2; done
  [ -p "$state/l2tp-control" ] || { cat "$state/xl2tpd.log" >&2; die "xl2tpd did not start"; }
  echo "ref-lns: up on $wan, pool $pool, dns $dns"
}

down() {
  local p
  for p in "$state/run/xl2tpd.pid" "$state/run/charon.pid"; do
    [ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
  done
  # pppd children of xl2tpd end with it (hangup); any left over:
  for p in "$state"/run/ppp*.pid; do [ -s "$p" ] && kill "$(head -n1 "$p")" 2>/dev/null || true; done
  sleep 1
  echo "ref-lns: down"
}

case "${1:-}" in
  up) up;;
  down) down;;
  sessions) cat "$state"/session.* 2>/dev/null || true;;
  sas) STRONGSWAN_CONF="$state/strongswan.conf" swanctl --list-sas --uri "unix://$state/charon.vici";;
  logs) for f in charon.log charon.out xl2tpd.log ppp.log; do echo "== $f"; tail -n "${2:-60}" "$state/$f" 2>/dev/null || true; done;;
  *) sed -n '2,15p' "$0" >&2; exit 2;;
esac
