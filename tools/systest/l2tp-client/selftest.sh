#!/bin/bash
# Proves the L2TP/IPsec client harness (sy-l2tp-client) against a reference LNS (sy-l2tp-ref-lns: strongSwan
# IKEv1 + xl2tpd + pppd), in a system test guest WITHOUT the appliance installed: the reference LNS takes the
# box's addresses in the guest's root namespace (WAN eth0 10.99.0.1, LAN eth1 192.168.1.1), the clients come
# through the NAT namespace on the guest's extra NIC over br-wan, like they will to the box.
# Checks: a wrong password is refused; the right one gives ppp0 a pool address and the DNS server; a ping through
# ppp reaches the LAN host 192.168.1.10; a second client at the same time works; disconnect frees the address.
# Run by hand: `dotnet test tests/Appliance.Vm.Tests --filter FullyQualifiedName~L2tpClientHarnessSelfTests`
# (never picked up by ci.sh), or in any test guest: sy-l2tp-selftest [shared]
#   shared: both clients leave the NAT by the same public address (10.99.0.60); default: .60 and .61.
#   (shared fails against this reference server: the kernel's transport-mode policies of two clients behind one
#   address are identical, so its replies for both leave through one SA. See README.md.)
set -uo pipefail
mode=${1:-separate}
psk='l2tp selftest psk'
pool_lo=172.31.0.10 pool_hi=172.31.0.20 dns=192.168.1.1 lan_host=192.168.1.10
fail=0
check() { # check "what" command...
  local what=$1; shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "PASS $what"; else echo "FAIL $what (exit $rc)"; fail=1; fi
  printf '%s\n' "$out" | sed 's/^/    /'
  return $rc
}
in_pool() { # in_pool ADDR
  local a=${1##*.} lo=${pool_lo##*.} hi=${pool_hi##*.}
  [ "${1%.*}" = "${pool_lo%.*}" ] && [ "$a" -ge "$lo" ] && [ "$a" -le "$hi" ]
}
field() { sed -n "s/^$2=//p" <<< "$1"; }

# The box's addresses (no appliance here; nothing else manages eth0/eth1 in a guest without it).
ip link set eth0 up; ip addr replace 10.99.0.1/24 dev eth0
ip link set eth1 up; ip addr replace 192.168.1.1/24 dev eth1

LNS_PSK=$psk LNS_USERS="alice:alice-secret bob:bob-secret" LNS_POOL=$pool_lo-$pool_hi LNS_DNS=$dns sy-l2tp-ref-lns up || exit 1
sy-l2tp-client nat-up || exit 1
pub2=10.99.0.61; [ "$mode" = shared ] && pub2=10.99.0.60
L2TP_PSK=$psk L2TP_USER=alice L2TP_PASSWORD=wrong-secret L2TP_PUBLIC=10.99.0.60 sy-l2tp-client up c1 1 || exit 1
L2TP_PSK=$psk L2TP_USER=bob L2TP_PASSWORD=bob-secret L2TP_PUBLIC=$pub2 sy-l2tp-client up c2 2 || exit 1

start=$SECONDS
out=$(sy-l2tp-client connect c1 90 2>&1); rc=$?
if [ $rc -eq 3 ]; then echo "PASS wrong password refused in $((SECONDS - start)) s"; else echo "FAIL wrong password: exit $rc"; fail=1; fi
printf '%s\n' "$out" | sed 's/^/    /'

sy-l2tp-client password c1 alice-secret
t0=$SECONDS
if env1=$(sy-l2tp-client connect c1 90); then
  echo "PASS c1 connected in $((SECONDS - t0)) s"; printf '%s\n' "$env1" | sed 's/^/    /'
else echo "FAIL c1 connect"; fail=1; fi
a1=$(field "$env1" local)
check "c1 pool address ($a1)" in_pool "$a1"
check "c1 DNS from the LNS ($(field "$env1" dns1)) and in its /etc/ppp/resolv.conf" \
  sh -c "[ '$(field "$env1" dns1)' = $dns ] && grep -x 'nameserver $dns' /var/lib/sy-l2tp/c1/ppp/resolv.conf"
check "c1 ppp0 up in its namespace" ip -n l2tp-c1 -br addr show "$(field "$env1" iface)"
check "c1 pings the LAN host $lan_host through ppp" sy-l2tp-client ping c1 $lan_host 3

t0=$SECONDS
if env2=$(sy-l2tp-client connect c2 90); then
  echo "PASS c2 connected at the same time in $((SECONDS - t0)) s (public $pub2)"; printf '%s\n' "$env2" | sed 's/^/    /'
else echo "FAIL c2 connect (public $pub2)"; fail=1; fi
a2=$(field "$env2" local)
check "c2 pool address ($a2), not c1's" sh -c "[ -n '$a2' ] && [ '$a2' != '$a1' ]"
check "c2 pings the LAN host" sy-l2tp-client ping c2 $lan_host 3
check "c1 still pings the LAN host" sy-l2tp-client ping c1 $lan_host 3
check "LNS has two sessions" sh -c "sy-l2tp-ref-lns sessions; [ \$(sy-l2tp-ref-lns sessions | wc -l) -eq 2 ]"
check "both IPsec SAs behind the NAT (UDP-encapsulated transport mode)" \
  sh -c "sy-l2tp-ref-lns sas | grep -E 'TRANSPORT|ESTABLISHED|INSTALLED|10.99.0.6'; [ \$(sy-l2tp-ref-lns sas | grep -c 'TRANSPORT-in-UDP') -eq 2 ]"

check "c1 disconnects" sy-l2tp-client disconnect c1
sleep 2
check "LNS freed c1's session" sh -c "sy-l2tp-ref-lns sessions; ! sy-l2tp-ref-lns sessions | grep -q ' $a1 '"
check "c2 still pings after c1 left" sy-l2tp-client ping c2 $lan_host 3
# c1 comes back: a pool address again, not c2's. (xl2tpd gives the lowest free one, which need not be c1's old
# one: the refused first attempt may have held the lowest for a moment.)
if env1b=$(sy-l2tp-client connect c1 90); then
  b1=$(field "$env1b" local)
  check "c1 reconnects with a pool address ($b1), not c2's" sh -c "[ -n '$b1' ] && [ '$b1' != '$a2' ]" && in_pool "$b1"
  check "c1 pings the LAN host again" sy-l2tp-client ping c1 $lan_host 3
else echo "FAIL c1 reconnect"; fail=1; fi

if [ $fail -ne 0 ]; then
  for c in c1 c2; do echo "===== client $c"; sy-l2tp-client logs $c 40; done
  echo "===== reference LNS"; sy-l2tp-ref-lns logs 60
fi
sy-l2tp-client down c1 >/dev/null; sy-l2tp-client down c2 >/dev/null; sy-l2tp-client nat-down; sy-l2tp-ref-lns down >/dev/null
[ $fail -eq 0 ] && echo "selftest ($mode): all checks passed" || echo "selftest ($mode): FAILED"
exit $fail
