#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# nic devices realised in containers, through the stock lxc client, pylxd
# and moat: a bridged nic onto a bridge this suite makes (the host end a
# port of it, the MAC the one kept in volatile.eth0.hwaddr, stable across
# restarts), two containers reaching each other over it, a managed network's
# DHCP, DNS by name and NAT, its dns.mode none (LXD's: the bridge still the
# resolver, no names in the domain) and managed again, moatd restarted
# (SIGTERM) with the containers' connectivity and filters intact, nics
# hot-plugged into running containers and out again (bridged with a filter,
# physical), mac/ipv4/ipv6 filtering dropping spoofed frames sent raw from
# inside (source IP and MAC, ARP sender IP and MAC, a DHCP server's answer,
# a VLAN tag, a router advertisement, a neighbour advertisement for another's
# address, a spoofed IPv6 source) while the nic's own traffic passes, the
# filter gone at stop, at a poweroff from inside and at delete, p2p,
# physical and macvlan nics seen inside, bad nic keys a 400 with nothing
# stored, and under the hardened policy physical, macvlan and host-bridge
# nics refused.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

# this suite's own links: names with its pid, addresses in 10.250.66.0/24
BR=mt$$b
DUM=mt$$d
DUM2=mt$$m # each a veth's end (no dummy driver here): ends mt$$e, mt$$n
NET4=10.250.66
links_cleanup() {
	local l
	for l in "$BR" "$DUM" "mt$$e" "$DUM2" "mt$$p"; do ip link del "$l" 2>/dev/null; done
	return 0
}
cleanup_also links_cleanup
check "make the suite's bridge $BR ($NET4.1/24)" sh -c \
	"ip link add $BR type bridge && ip addr add $NET4.1/24 dev $BR && ip link set $BR up"
check "make two host interfaces (veth ends)" sh -c \
	"ip link add $DUM type veth peer name mt$$e && ip link add $DUM2 type veth peer name mt$$n && ip link set $DUM2 up"

# inside NAME CMD...: a command run in the container
inside() {
	local n=$1
	shift
	timeout 30 lxc exec "$n" -- "$@"
}

# vol NAME KEY: a key of the instance's own config
vol() {
	jget "$(api GET "/1.0/instances/$1")" "d['metadata']['config'].get('$2', '')"
}

# ---- a bridged nic onto a host bridge ------------------------------------------------
check "init c1" timeout 120 lxc init bb c1
check "lxc config device add c1 eth0 nic nictype=bridged parent=$BR" timeout 30 \
	lxc config device add c1 eth0 nic nictype=bridged parent="$BR" mtu=1400 \
	security.mac_filtering=true security.ipv4_filtering=true ipv4.address="$NET4.11"
check "c1 starts with its nic" timeout 120 lxc start c1
MAC1=$(vol c1 volatile.eth0.hwaddr)
HOST1=$(vol c1 volatile.eth0.host_name)
check_match "volatile.eth0.hwaddr is LXD's 00:16:3e form" '^00:16:3e(:[0-9a-f]{2}){3}$' "$MAC1"
check_match "volatile.eth0.host_name names the host end" '^veth[0-9a-f]{8}$' "$HOST1"
check_eq "the container's eth0 has that MAC" "$MAC1" "$(inside c1 cat /sys/class/net/eth0/address)"
check_eq "... the nic's mtu" 1400 "$(inside c1 cat /sys/class/net/eth0/mtu)"
check_match "... and is up" 'UP' "$(inside c1 ip link show eth0)"
check_eq "the host end is a port of $BR" "$BR" \
	"$(basename "$(readlink "/sys/class/net/$HOST1/master")")"
check "c1 takes a static address" inside c1 ip addr add "$NET4.11/24" dev eth0
check "c1 reaches the host over the bridge" inside c1 ping -c1 -W5 "$NET4.1"
check_match "lxc list shows c1's address" "$NET4.11" "$(timeout 30 lxc list c1 -c 4 --format csv)"
check_match "pylxd's state shows it on eth0" "$NET4.11" "$(/usr/bin/python3 - <<EOF
import pylxd
c = pylxd.Client()
st = c.containers.get("c1").state()
print([a["address"] for a in st.network["eth0"]["addresses"]])
EOF
)"

check_eq "the state's network names eth0's host end (host_name)" "$HOST1" \
	"$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["network"]["eth0"]["host_name"]')"
check_match "lxc info shows it" "Host interface: $HOST1" "$(timeout 30 lxc info c1)"
check_eq "the state's eth0 hwaddr is the nic's whole MAC (volatile.eth0.hwaddr), read in the container" \
	"$MAC1" "$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["network"]["eth0"]["hwaddr"]')"
check_match "lxc info: eth0's MAC address and MTU" "MAC address: $MAC1" "$(timeout 30 lxc info c1)"
check "launch c2 with a bridged nic through moat" timeout 120 "$B/moat" init bb c2
check "moat config device add c2 eth0 nic" timeout 30 "$B/moat" config device add c2 eth0 nic \
	nictype=bridged parent="$BR" hwaddr=00:16:3e:66:00:02
check "c2 starts" timeout 120 lxc start c2
check_eq "c2's eth0 has the hwaddr it was given" 00:16:3e:66:00:02 \
	"$(inside c2 cat /sys/class/net/eth0/address)"
check_eq "no volatile hwaddr for a nic with its own" "" "$(vol c2 volatile.eth0.hwaddr)"
check "c2 takes a static address" inside c2 ip addr add "$NET4.12/24" dev eth0
check "c1 reaches c2 over the bridge" inside c1 ping -c1 -W5 "$NET4.12"

# ---- stable across restarts ----------------------------------------------------------
check "lxc restart c1" timeout 120 lxc restart c1 --force
check_eq "volatile.eth0.hwaddr is kept across the restart" "$MAC1" "$(vol c1 volatile.eth0.hwaddr)"
check_eq "... and the container's eth0 still has it" "$MAC1" \
	"$(inside c1 cat /sys/class/net/eth0/address)"
check_eq "... and the host end its name" "$HOST1" "$(vol c1 volatile.eth0.host_name)"
check "c1 takes its address again" inside c1 ip addr add "$NET4.11/24" dev eth0

# ---- a managed network: DHCP, DNS by name, NAT to an "outside" namespace -------------
NET=mt$$w
OUT=mt$$o
O4=198.51.100.$((4 * ($$ % 63))) # this suite's /30: .+1 the host's end, .+2 outside's
OH=198.51.100.$((4 * ($$ % 63) + 1))
OX=198.51.100.$((4 * ($$ % 63) + 2))
outside_cleanup() {
	ip netns del "$OUT" 2>/dev/null
	ip link del "mt$$x" 2>/dev/null
	return 0
}
cleanup_also outside_cleanup
check "lxc network create $NET (auto IPv4 and IPv6, NAT)" timeout 60 lxc network create "$NET"
SUB4=$(timeout 30 lxc network get "$NET" ipv4.address)
SUB6=$(timeout 30 lxc network get "$NET" ipv6.address)
check_match "it picked an IPv4 subnet" '^[0-9.]+/24$' "$SUB4"
check_match "... and an IPv6 one" '^f[cd][0-9a-f:]+/64$' "$SUB6"
P4=${SUB4%.*} # the /24's first three octets
check "an outside namespace $OUT behind a /30 to the host ($O4)" sh -c "
	ip netns add $OUT && ip link add mt$$x type veth peer name eth0 netns $OUT &&
	ip addr add $OH/30 dev mt$$x && ip link set mt$$x up &&
	ip -n $OUT addr add $OX/30 dev eth0 && ip -n $OUT link set eth0 up && ip -n $OUT link set lo up"
check_eq "outside has no route back to the network's subnet (only its /30)" "" \
	"$(ip -n "$OUT" route show default)"
check "lxc init n1 and a nic on the network" sh -c \
	"timeout 120 lxc init bb n1 && timeout 30 lxc config device add n1 eth0 nic network=$NET"
check "lxc config device add refuses a network that does not exist" sh -c \
	"! timeout 30 lxc config device add n1 eth1 nic network=mt$$q 2>$T/nonet.err"
check_match "... with LXD's words" 'Network not found' "$(cat "$T/nonet.err")"
check_fails "lxc config device add refuses an ipv4.address outside the subnet" timeout 30 \
	lxc config device add n1 eth1 nic network="$NET" name=eth1 ipv4.address=192.0.2.9
check "pylxd creates n2 with a nic on the network" /usr/bin/python3 - <<EOF2
import pylxd
c = pylxd.Client()
c.containers.create({"name": "n2", "source": {"type": "image", "alias": "bb"},
    "devices": {"eth0": {"type": "nic", "network": "$NET"}}}, wait=True)
EOF2
check_match "n2's nic has its volatile.eth0.hwaddr from the create on, as LXD's" \
	'^00:16:3e(:[0-9a-f]{2}){3}$' "$(vol n2 volatile.eth0.hwaddr)"
check "moat init n3 with a static ipv4.address and filters" sh -c \
	"timeout 120 '$B/moat' init bb n3 && timeout 30 '$B/moat' config device add n3 eth0 nic \
	 network=$NET ipv4.address=$P4.50 security.mac_filtering=true \
	 security.ipv4_filtering=true security.ipv6_filtering=true"
check "n1, n2 and n3 start" sh -c "timeout 120 lxc start n1 n2 n3"
addr4() { timeout 30 lxc list "$1" -c 4 --format csv | grep -o "$P4\.[0-9]*" | head -1; }
has_addr4() { [ -n "$(addr4 "$1")" ]; }
has_addr6() { timeout 30 lxc list "$1" -c 6 --format csv | grep -q "${SUB6%%::*}:"; }
check "n1 gets an IPv4 address from the network's DHCP (lxc list)" eventually 60 has_addr4 n1
check "n2 too" eventually 60 has_addr4 n2
check "n1 gets an IPv6 address in the network's /64 (lxc list)" eventually 60 has_addr6 n1
check_eq "n3 gets its static ipv4.address through its filters" "$P4.50" \
	"$(eventually 60 has_addr4 n3; addr4 n3)"
check "n3 gets its SLAAC address through its IPv6 filter" eventually 60 has_addr6 n3
N2=$(addr4 n2)
check_match "pylxd's state shows n2's address on eth0" "$N2" "$(/usr/bin/python3 - <<EOF2
import pylxd
st = pylxd.Client().containers.get("n2").state()
print([a["address"] for a in st.network["eth0"]["addresses"]])
EOF2
)"
check "n1 reaches n2 by name (ping n2.moat)" eventually 30 inside n1 ping -c1 -W2 n2.moat
check "n1 reaches n3 by name" eventually 30 inside n1 ping -c1 -W2 n3.moat

# ---- dns.mode: managed gives the bridge as resolver and the domain's records; none
# (LXD 5.0.2's dnsmasq: no domain, no local zone, its DNS port kept) the resolver only
CONF=$MOAT_DIR/networks/$NET/dnsmasq.conf
check_match "managed: DHCP gave n1 the bridge as nameserver (udhcpc's resolv.conf)" \
	"^nameserver $P4\\.1\$" "$(inside n1 cat /etc/resolv.conf)"
check_match "managed: dnsmasq's config has the domain (as root reads it)" '^domain=moat$' "$(cat "$CONF")"
# the DNS options of a router advertisement n1 solicits (in its network namespace)
ra_dns() {
	nsenter -t "$(jget "$(api GET /1.0/instances/n1/state)" 'd["metadata"]["pid"]')" -n \
		/usr/bin/python3 "$TOP/tests/lib/frames.py" ra eth0
}
check_match "managed: the RA names the bridge as DNS server (RDNSS, its link-local address)" \
	'^rdnss fe80::' "$(ra_dns)"
check "lxc network set $NET dns.mode=none" timeout 60 lxc network set "$NET" dns.mode=none
check_fails "none: no domain nor local zone in dnsmasq's config" grep -Eq '^(domain|local)=' "$CONF"
check_fails "none: dnsmasq's DNS is not turned off (no port=)" grep -q '^port=' "$CONF"
check "none: n1 renews its lease" inside n1 udhcpc -i eth0 -n -q -t 5 -s /usr/share/udhcpc/default.script
check_match "none: the lease still gives the bridge as nameserver, as LXD's" \
	"^nameserver $P4\\.1\$" "$(inside n1 cat /etc/resolv.conf)"
check_match "none: the RA still names it (RDNSS), as LXD's" '^rdnss fe80::' "$(ra_dns)"
check "none: the bridge still answers DNS (localhost)" inside n1 nslookup localhost "$P4.1"
check_fails "none: no record of n2 in the domain (n2.moat)" inside n1 nslookup n2.moat "$P4.1"
check "lxc network unset $NET dns.mode (managed again)" timeout 60 lxc network unset "$NET" dns.mode
check_match "managed again: the domain is back in the config" '^domain=moat$' "$(cat "$CONF")"
check "managed again: n1 reaches n2 by name" eventually 30 inside n1 ping -c1 -W2 n2.moat
A1=$(timeout 30 lxc list n1 -c 6 --format csv | grep -o "${SUB6%%::*}:[0-9a-f:]*" | head -1)
# (its address may still be tentative, in duplicate address detection, at first)
check "n3 (filtered) reaches n1 over IPv6 from its SLAAC address" \
	eventually 30 inside n3 ping6 -c1 -W2 "$A1"
check "n1 reaches outside ($OX) through NAT" inside n1 ping -c1 -W5 "$OX"
check "lxc network set $NET ipv4.nat=false" timeout 30 lxc network set "$NET" ipv4.nat=false
check_fails "without NAT the reply cannot come back" inside n1 ping -c1 -W3 "$OX"
check "lxc network set $NET ipv4.nat=true" timeout 30 lxc network set "$NET" ipv4.nat=true
check "with NAT again n1 reaches outside" inside n1 ping -c1 -W5 "$OX"
check "a nic on the network hot-plugged into n2 with a static address" timeout 30 \
	lxc config device add n2 eth1 nic network="$NET" name=eth1 ipv4.address="$P4.60"
MACE1=$(vol n2 volatile.eth1.hwaddr)
check_match "dnsmasq's hosts file has its MAC at once" "$MACE1" \
	"$(cat "$MOAT_DIR/networks/$NET/dnsmasq.hosts")"
check "its DHCP lease is the static address" inside n2 udhcpc -i eth1 -n -q -t 5 \
	-s /usr/share/udhcpc/default.script
check_match "... on eth1 inside" "inet $P4.60/" "$(inside n2 ip -4 addr show eth1)"
check "lxc config device remove n2 eth1" timeout 30 lxc config device remove n2 eth1

# ---- moatd restarted: connectivity intact ----------------------------------------------
PID1=$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["pid"]')
kill -TERM "$MOATD_PID"
check "moatd stops on SIGTERM" eventually 20 sh -c "! kill -0 $MOATD_PID"
check "c1 reaches c2 while moatd is down (ping in c1's network namespace)" \
	nsenter -t "$PID1" -n busybox ping -c1 -W5 "$NET4.12"
daemon_start
check "after moatd's restart c1 still reaches c2" inside c1 ping -c1 -W5 "$NET4.12"
check_match "... c1's nic still has its filter" "chain nic_c1_$HOST1 " "$(nft list ruleset bridge)"
check "... n1 still reaches n2 by name" inside n1 ping -c1 -W5 n2.moat
check "... and outside through NAT" inside n1 ping -c1 -W5 "$OX"
check_eq "... and n3 keeps its address" "$P4.50" "$(addr4 n3)"
check "... and the host" inside c1 ping -c1 -W5 "$NET4.1"
check_eq "... the host end is still a port of $BR" "$BR" \
	"$(basename "$(readlink "/sys/class/net/$HOST1/master")")"

# ---- hot-plug: nic_attach, nic_detach ------------------------------------------------
check "lxc config device add: a bridged nic hot-plugged into the running c2" timeout 30 \
	lxc config device add c2 eth1 nic nictype=bridged parent="$BR" name=eth1 \
	security.mac_filtering=true
MAC2=$(vol c2 volatile.eth1.hwaddr)
HOST2=$(vol c2 volatile.eth1.host_name)
check_match "the hot-plugged nic has its filter" "chain nic_c2_$HOST2 " "$(nft list ruleset bridge)"
check_match "its hwaddr is kept in volatile.eth1.hwaddr" '^00:16:3e(:[0-9a-f]{2}){3}$' "$MAC2"
check_eq "eth1 appeared in c2 at once, with that MAC" "$MAC2" \
	"$(inside c2 cat /sys/class/net/eth1/address)"
check_match "... up" 'UP' "$(inside c2 ip link show eth1)"
check_eq "its host end ($HOST2) is a port of $BR" "$BR" \
	"$(basename "$(readlink "/sys/class/net/$HOST2/master")")"
check "c2 takes an address on eth1" inside c2 ip addr add "$NET4.22/24" dev eth1
check "c1 reaches c2's hot-plugged nic" inside c1 ping -c1 -W5 "$NET4.22"
check "lxc config device add: a physical nic hot-plugged into c1" timeout 30 \
	lxc config device add c1 phy nic nictype=physical parent="$DUM" name=lan1
check "it is inside c1 as lan1" inside c1 test -d /sys/class/net/lan1
check_fails "... and gone from the host" test -d "/sys/class/net/$DUM"
check "lxc config device remove c1 phy" timeout 30 lxc config device remove c1 phy
check "the physical nic is back on the host as $DUM" test -d "/sys/class/net/$DUM"
check_fails "... and gone from c1" inside c1 test -d /sys/class/net/lan1
check "lxc config device remove c2 eth1" timeout 30 lxc config device remove c2 eth1
check_fails "eth1 is gone from c2" inside c2 test -d /sys/class/net/eth1
check_fails "... and its host end from the host" test -d "/sys/class/net/$HOST2"
check_fails "... and its filter" sh -c "nft list ruleset bridge | grep -q 'chain nic_c2_$HOST2 '"
check "c2's eth0 still works" inside c1 ping -c1 -W5 "$NET4.12"
check "a profile p66 on the running c2" sh -c \
	"timeout 30 lxc profile create p66 && timeout 30 lxc profile add c2 p66"
check "lxc profile device add p66: a nic hot-plugged into its running member" timeout 30 \
	lxc profile device add p66 eth3 nic nictype=bridged parent="$BR" name=eth3
check_eq "eth3 is in c2 with the hwaddr kept in c2's volatile.eth3.hwaddr" \
	"$(vol c2 volatile.eth3.hwaddr)" "$(inside c2 cat /sys/class/net/eth3/address)"
check_match "... which is LXD's form" '^00:16:3e' "$(vol c2 volatile.eth3.hwaddr)"
check "lxc profile remove c2 p66" timeout 30 lxc profile remove c2 p66
check_fails "eth3 went with it" inside c2 test -d /sys/class/net/eth3
check_fails "a hot-plug onto a parent that does not exist fails" timeout 30 \
	lxc config device add c2 eth2 nic nictype=bridged parent=mt$$x name=eth2
check_eq "... and is not stored" "" \
	"$(jget "$(api GET /1.0/instances/c2)" "d['metadata']['devices'].get('eth2', '')")"

# ---- mac and ip filtering: spoofed frames from f1 never reach f2 -------------------------
# tests/lib/frames.py sends crafted frames out of f1's eth0 (in f1's
# network namespace) and sniffs f2's eth0: the bad frame is sent first, then a good
# one; the sniffer says whether the bad one came before the good one did.
FR="$TOP/tests/lib/frames.py"
F1MAC=00:16:3e:66:01:01
F2MAC=00:16:3e:66:01:02
F1LL=fe80::216:3eff:fe66:101
F2LL=fe80::216:3eff:fe66:102
check "init f1 with a filtered nic (mac, ipv4, ipv6)" timeout 120 lxc init bb f1
check "lxc config device add f1 eth0 with security.*_filtering" timeout 30 \
	lxc config device add f1 eth0 nic nictype=bridged parent="$BR" hwaddr=$F1MAC \
	ipv4.address="$NET4.31" ipv6.address=fd66::31 security.mac_filtering=true \
	security.ipv4_filtering=true security.ipv6_filtering=true
check "init f2 with a plain nic" timeout 120 lxc init bb f2
check "lxc config device add f2 eth0" timeout 30 \
	lxc config device add f2 eth0 nic nictype=bridged parent="$BR" hwaddr=$F2MAC \
	limits.ingress=10Mbit limits.egress=8Mbit
check "f1 starts" timeout 120 lxc start f1
check "f2 starts" timeout 120 lxc start f2
HF1=$(vol f1 volatile.eth0.host_name)
check_match "f1's filter is a chain of this daemon's bridge table" "chain nic_f1_$HF1 " \
	"$(nft list ruleset bridge)"
HF2=$(vol f2 volatile.eth0.host_name)
check_match "f2's limits.egress is policed on its host end (8Mbit: 1000000 bytes/s)" \
	"iifname \"$HF2\" limit rate over 1000000 bytes/second" "$(nft list ruleset bridge)"
check_match "f2's limits.ingress on the way out of the bridge to it (10Mbit)" \
	"oifname \"$HF2\" limit rate over 1250000 bytes/second" "$(nft list ruleset bridge)"
PF1=$(jget "$(api GET /1.0/instances/f1/state)" 'd["metadata"]["pid"]')
PF2=$(jget "$(api GET /1.0/instances/f2/state)" 'd["metadata"]["pid"]')
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# frames DESC FROM_PID TO_PID WANT BADHEX GOODHEX BADFRAME... -- GOODFRAME...
frames() {
	local desc=$1 from=$2 to=$3 want=$4 bad=$5 good=$6 a=() b=() out
	shift 6
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	rm -f "$T/sniff.out"
	nsenter -t "$to" -n python3 "$FR" sniff eth0 "$bad" "$good" >"$T/sniff.out" 2>&1 &
	local sp=$!
	eventually 10 grep -q ready "$T/sniff.out"
	nsenter -t "$from" -n python3 "$FR" send eth0 "${a[@]}"
	nsenter -t "$from" -n python3 "$FR" send eth0 "${b[@]}"
	wait "$sp"
	out=$(tail -1 "$T/sniff.out")
	check_eq "$desc" "$want" "$out"
}
G4="udp $F1MAC $F2MAC $NET4.31 $NET4.32 good4"
frames "without a filter a spoofed source IP gets through (f2 to f1: the test sees spoofs)" \
	"$PF2" "$PF1" bad "$(hexof spoofed2)" "$(hexof good2)" \
	udp $F2MAC $F1MAC "$NET4.99" "$NET4.31" spoofed2 -- udp $F2MAC $F1MAC "$NET4.32" "$NET4.31" good2
frames "a spoofed source IPv4 address is dropped" "$PF1" "$PF2" "good only" \
	"$(hexof spoof-ip)" "$(hexof good4)" udp $F1MAC $F2MAC "$NET4.99" "$NET4.32" spoof-ip -- $G4
frames "a spoofed source MAC is dropped" "$PF1" "$PF2" "good only" \
	"$(hexof spoof-mac)" "$(hexof good4)" \
	udp 00:16:3e:66:01:99 $F2MAC "$NET4.31" "$NET4.32" spoof-mac -- $G4
frames "ARP with a spoofed sender IP is dropped" "$PF1" "$PF2" "good only" \
	0afa424d "$(hexof good4)" \
	arp $F1MAC - "$NET4.77" "$NET4.32" x -- $G4
frames "ARP with a spoofed sender MAC is dropped" "$PF1" "$PF2" "good only" \
	00163e6601990afa421f "$(hexof good4)" \
	arp $F1MAC - "$NET4.31" "$NET4.32" x 00:16:3e:66:01:99 -- $G4
frames "ARP from the nic's own address gets through" "$PF1" "$PF2" "good only" \
	"$(hexof never)" 0afa421f000000000000 arp $F1MAC - "$NET4.31" "$NET4.32" x -- \
	arp $F1MAC - "$NET4.31" "$NET4.32" x
frames "a DHCP server's answer from the container is dropped" "$PF1" "$PF2" "good only" \
	"$(hexof dhcp-offer)" "$(hexof dhcp-discover)" udp67 $F1MAC - "$NET4.31" - dhcp-offer -- \
	discover $F1MAC - - - dhcp-discover
frames "a VLAN-tagged frame is dropped" "$PF1" "$PF2" "good only" "$(hexof tagged)" \
	"$(hexof good4)" vlan $F1MAC $F2MAC "$NET4.99" "$NET4.32" tagged -- $G4
G6="echo6 $F1MAC $F2MAC $F1LL $F2LL good6"
frames "a router advertisement from the container is dropped" "$PF1" "$PF2" "good only" \
	"$(hexof ra)" "$(hexof good6)" ra $F1MAC - $F1LL - ra -- $G6
frames "a neighbour advertisement for f2's address is dropped" "$PF1" "$PF2" "good only" \
	"$(hexof na-spoof)" "$(hexof na-own)" na $F1MAC - $F1LL - na-spoof $F2LL -- \
	na $F1MAC - $F1LL - na-own $F1LL
frames "a spoofed source IPv6 address is dropped, ipv6.address gets through" "$PF1" "$PF2" \
	"good only" "$(hexof spoof6)" "$(hexof own6)" echo6 $F1MAC $F2MAC fd66::99 $F2LL spoof6 -- \
	echo6 $F1MAC $F2MAC fd66::31 $F2LL own6
check "f1 still reaches f2 from its own address" sh -c \
	"timeout 30 lxc exec f1 -- ip addr add $NET4.31/24 dev eth0 &&
	 timeout 30 lxc exec f2 -- ip addr add $NET4.32/24 dev eth0 &&
	 timeout 30 lxc exec f1 -- ping -c1 -W5 $NET4.32"
check_fails "... and not from another" sh -c \
	"timeout 30 lxc exec f1 -- ip addr add $NET4.98/24 dev eth0 &&
	 timeout 30 lxc exec f1 -- ping -c1 -W3 -I $NET4.98 $NET4.32"
check "lxc stop f1" timeout 120 lxc stop f1 --force
check_fails "its filter went with it" sh -c "nft list ruleset bridge | grep -q 'chain nic_f1_$HF1 '"
check "lxc start f1" timeout 120 lxc start f1
check_match "its filter is back" "chain nic_f1_$HF1 " "$(nft list ruleset bridge)"
BTABLE=moat_$(moat_tag "$MOAT_DIR")
names_hf1() { nft list table bridge "$BTABLE" | grep -qw -- "$HF1"; }
check "this daemon's bridge table names f1's host end ($HF1)" names_hf1
timeout 30 lxc exec f1 -- poweroff
f1_stopped() { [ "$(jget "$(api GET /1.0/instances/f1)" \
	'd["metadata"]["config"].get("volatile.last_state.power")')" = STOPPED ]; }
check "f1 powered off from inside is stopped, and the daemon has noticed" eventually 60 f1_stopped
check_fails "... its filter went with it: table bridge $BTABLE no longer names $HF1" names_hf1
check "lxc start f1 again" timeout 120 lxc start f1
check "... and its filter is back" names_hf1
check "lxc delete -f f1" timeout 120 lxc delete -f f1
check_fails "its filter went with it" sh -c "nft list ruleset bridge | grep -q 'chain nic_f1_$HF1 '"

# ---- p2p, physical, macvlan ----------------------------------------------------------
check "init c3" timeout 120 lxc init bb c3
check "a p2p nic" timeout 30 lxc config device add c3 eth0 nic nictype=p2p host_name="mt$$p"
check "a physical nic" timeout 30 lxc config device add c3 phy nic nictype=physical \
	parent="$DUM" name=lan0
check "a macvlan nic" timeout 30 lxc config device add c3 mv nic nictype=macvlan \
	parent="$DUM2" name=mv0
check "c3 starts with three nics" timeout 120 lxc start c3
check "the p2p host end is on the host, on no bridge" sh -c \
	"test -d /sys/class/net/mt$$p && ! test -e /sys/class/net/mt$$p/master"
check "the physical interface is inside as lan0" inside c3 test -d /sys/class/net/lan0
check_fails "... and gone from the host" test -d "/sys/class/net/$DUM"
PID3=$(jget "$(api GET /1.0/instances/c3/state)" 'd["metadata"]["pid"]')
check_match "the macvlan is inside as mv0" "macvlan mode bridge" \
	"$(nsenter -t "$PID3" -n ip -d link show mv0)"
check "c3 stops" timeout 120 lxc stop c3 --force
check "the physical interface is back on the host" eventually 10 test -d "/sys/class/net/$DUM"
check_fails "the p2p host end went with the container" test -d "/sys/class/net/mt$$p"

# ---- bad nic keys: a 400, nothing stored -----------------------------------------------
for bad in "nictype=bridged" "nictype=bridged parent=a/b" "nictype=sriov parent=x" \
	"nictype=bridged parent=$BR hwaddr=01:00:5e:00:00:01" \
	"nictype=bridged parent=$BR name=eth0123456789abcd" \
	"nictype=bridged parent=$BR security.ipv4_filtering=true" \
	"nictype=p2p ipv4.address=10.0.0.1" "network=x parent=y"; do
	# shellcheck disable=SC2086
	check_fails "lxc config device add refuses $bad" timeout 30 lxc config device add c3 bad nic $bad
done
check_eq "nothing was stored" "" \
	"$(jget "$(api GET /1.0/instances/c3)" "d['metadata']['devices'].get('bad', '')")"

# ---- the hardened policy ----------------------------------------------------------------
cp "$TOP/policy/hardened.policy" "$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
"$B/moatd" --network none --dir "$T/dh" --policy "$T/hardened.policy" >>"$T/moatd-hardened.log" 2>&1 &
DAEMON_PIDS+=("$!")
check "the hardened moatd answers" eventually 15 test -S "$T/dh/unix.socket"
hapi_status() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 --unix-socket "$T/dh/unix.socket" \
		-X "$1" "${@:3}" "http://unix.socket$2"
}
hapi() { curl -s --max-time 30 --unix-socket "$T/dh/unix.socket" -X "$1" "${@:3}" "http://unix.socket$2"; }
for dev in '{"type":"nic","nictype":"physical","parent":"'"$DUM"'"}' \
	'{"type":"nic","nictype":"macvlan","parent":"'"$DUM"'"}' \
	'{"type":"nic","nictype":"bridged","parent":"'"$BR"'"}'; do
	body='{"name":"h1","source":{"type":"none"},"devices":{"eth0":'"$dev"'}}'
	check_eq "hardened: a create with $dev is a 400" 400 "$(hapi_status POST /1.0/instances -d "$body")"
	check_match "... refused by the server's policy" "forbidden by the server's policy" \
		"$(hapi POST /1.0/instances -d "$body")"
done
check_eq "hardened: nothing was created" "[]" "$(jget "$(hapi GET /1.0/instances)" 'd["metadata"]')"

finish
