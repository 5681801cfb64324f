#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# moatd's side of managed networks, before the API drives it: network_apply
# and network_delete sent by tests/forge/netop to a moatd --test-forge. A
# network with auto subnets and NAT: the bridge (a bridge, marked as this
# daemon's, with its addresses), this daemon's nftables table, dnsmasq as
# moat-dns, a DHCP lease and a DNS answer for a client in a network
# namespace on a veth, a static lease by SIGHUP, the refusals (a host
# interface, an overlapping subnet), a moatd restart that leaves dnsmasq
# and the lease in place, dnsmasq started again when it dies, and a delete
# that leaves no trace. Only this suite's own names are touched.
. "$(dirname "$0")/../lib/lib.sh"

export MOAT_DIR=$T/d
NET=mt$$a
NET2=mt$$b
NS=mtns$$
VETH=mt$$h
SOCK=$T/forge.sock
netop() { "$B/tests/netop" "$SOCK" "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
# a live process (a zombie is not: this host's init may leave them unreaped)
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
cleanup_also quiet netop delete "$NET"
cleanup_also quiet netop delete "$NET2"
cleanup_also quiet ip netns del "$NS"
cleanup_also quiet ip link del "$VETH"

start_moatd() {
	"$B/moatd" --dir "$MOAT_DIR" --test-forge "$SOCK" >>"$T/moatd.log" 2>&1 &
	MOATD_PID=$!
	DAEMON_PIDS+=("$MOATD_PID")
	eventually 10 test -S "$SOCK"
}
check "moatd serves the test socket" start_moatd
TAG=$(moat_tag "$MOAT_DIR")
TABLE=moat_$TAG
NETDIR=$MOAT_DIR/networks/$NET

# ---- create: random subnets, NAT, DHCP, one host ----------------------------------
# netop picks random subnets for auto, as moatd-api does, and again while moatd finds
# one overlapping the host's (err 98)
for _ in 1 2 3 4 5 6 7 8; do
	out=$(netop apply "$NET" ipv4=auto ipv6=auto nat dhcp host=00:16:3e:63:00:01,c1)
	case $out in "err 98 "*) ;; *) break ;; esac
done
check_match "apply with random subnets answers them" \
	'^ok ipv4=10\.[0-9]+\.[0-9]+\.1/24 ipv6=fd[0-9a-f:]+::1/64 forward_drop=[01]' "$out"
V4=$(printf '%s' "$out" | sed -n 's/^ok ipv4=\([0-9.]*\)\/24 .*/\1/p')
V6=$(printf '%s' "$out" | sed -n 's/.* ipv6=\([0-9a-f:]*\)\/64 .*/\1/p')
SUB4=${V4%.1}.0/24
link=$(ip -d link show "$NET" 2>&1)
check_match "the bridge exists and is a bridge" 'bridge forward_delay' "$link"
check_match "it carries this daemon's marker (ifalias)" "alias moat:$TAG" "$link"
check_match "it is up" '<[^>]*UP' "$link"
check_match "it has the IPv4 address" "inet $V4/24 " "$(ip -4 addr show dev "$NET")"
check_match "it has the IPv6 address" "inet6 $V6/64 " "$(ip -6 addr show dev "$NET")"
rules=$(nft list table inet "$TABLE" 2>&1)
check_match "the table masquerades the subnet to outside it" \
	"ip saddr $SUB4 ip daddr != $SUB4 masquerade" "$rules"
check_match "the table accepts forwarding from the bridge" "iifname \"$NET\" accept" "$rules"
check_match "the table accepts DHCP and DNS on the bridge" \
	"iifname \"$NET\" udp dport \{ 53, 67, 547 \} accept" "$rules"
check_eq "IPv4 forwarding is on" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
pid=$(cat "$NETDIR/dnsmasq.pid" 2>/dev/null)
check_eq "dnsmasq runs as moat-dns" moat-dns "$(ps -o user= -p "${pid:-0}" 2>/dev/null | tr -d ' ')"
check_match "dnsmasq runs on this network's config" "dnsmasq --conf-file=$NETDIR/dnsmasq.conf" \
	"$(ps -o args= -p "${pid:-0}" 2>/dev/null)"
check "the leases file is readable by the moat user" runuser -u moat -- test -r "$NETDIR/dnsmasq.leases"
check_eq "the hosts file has the host" "00:16:3e:63:00:01,c1" "$(cat "$NETDIR/dnsmasq.hosts")"

# ---- a client in a namespace on a veth: DHCP and DNS ------------------------------
cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
[ "\$1" = bound ] || exit 0
ip addr flush dev "\$interface"
ip addr add "\$ip/\$mask" dev "\$interface"
echo "\$ip" >"$T/lease"
EOF
chmod +x "$T/udhcpc.sh"
client() {
	ip netns add "$NS" && ip link add "$VETH" type veth peer name eth0 netns "$NS" &&
		ip link set "$VETH" master "$NET" up &&
		ip netns exec "$NS" ip link set eth0 address 00:16:3e:63:00:01 &&
		ip netns exec "$NS" ip link set eth0 up && ip netns exec "$NS" ip link set lo up
}
dhcp() {
	rm -f "$T/lease"
	timeout 30 ip netns exec "$NS" busybox udhcpc -i eth0 -n -q -t 10 -s "$T/udhcpc.sh" &&
		test -s "$T/lease"
}
check "a client namespace on a veth in the bridge" client
check "the client gets a DHCP lease" dhcp
lease=$(cat "$T/lease" 2>/dev/null)
check_match "the lease is in the subnet" "^${V4%.1}\.[0-9]+$" "$lease"
check_match "dnsmasq's leases file names the host c1" "00:16:3e:63:00:01 $lease c1 " \
	"$(cat "$NETDIR/dnsmasq.leases")"
check_match "DNS answers c1.moat with its address" "$lease" \
	"$(timeout 10 ip netns exec "$NS" busybox nslookup c1.moat "$V4" 2>&1)"
slaac() { ip netns exec "$NS" ip -6 addr show dev eth0 scope global | grep -q "inet6 ${V6%::1}:"; }
check "the client configures an IPv6 address in the subnet from dnsmasq's RA" eventually 20 slaac
check_match "the client learns its IPv6 default route from the RA" "default via fe80" \
	"$(ip netns exec "$NS" ip -6 route show default)"

# ---- a static lease: the hosts file changes, dnsmasq is told by SIGHUP -----------
STATIC=${V4%.1}.50
out=$(netop apply "$NET" ipv4="$V4/24" ipv6="$V6/64" nat dhcp host=00:16:3e:63:00:01,c1,"$STATIC")
check_match "apply again with the addresses picked and a static lease" "^ok ipv4=$V4/24" "$out"
check_eq "dnsmasq was not restarted for a hosts change" "$pid" "$(cat "$NETDIR/dnsmasq.pid")"
check_eq "the hosts file has the static lease" "00:16:3e:63:00:01,$STATIC,c1" \
	"$(cat "$NETDIR/dnsmasq.hosts")"
ip netns exec "$NS" ip addr flush dev eth0
check "the client gets a lease again" dhcp
check_eq "and it is the static one" "$STATIC" "$(cat "$T/lease" 2>/dev/null)"

# ---- another table's forward hook with policy drop: reported, not edited -------
# (its one rule accepts everything, so the host's forwarding is unchanged)
FWT=mtfw$$
cleanup_also quiet nft delete table inet "$FWT"
check "a foreign table with a forward hook of policy drop" nft -f - <<EOF
table inet $FWT {
	chain c0 {
		type filter hook forward priority 10; policy drop;
		counter accept
	}
}
EOF
out=$(netop apply "$NET" ipv4="$V4/24" ipv6="$V6/64" nat dhcp host=00:16:3e:63:00:01,c1,"$STATIC")
check_match "apply reports forward_drop and the table in its warning" \
	"forward_drop=1 warning=.*table inet $FWT.*drops forwarded traffic" "$out"
check_match "moatd logged the warning" "network \"$NET\": .*table inet $FWT" "$(cat "$T/moatd.log")"
check_match "the foreign table is untouched" 'policy drop;' "$(nft list table inet "$FWT")"
nft delete table inet "$FWT"
check_match "without it, no forward_drop" "forward_drop=0 warning=$" \
	"$(netop apply "$NET" ipv4="$V4/24" ipv6="$V6/64" nat dhcp host=00:16:3e:63:00:01,c1,"$STATIC")"

# ---- refusals ------------------------------------------------------------------------
check_match "a network named lo is refused (a host interface, not ours)" '^err 17 ' \
	"$(netop apply lo ipv4=auto)"
check_match "a subnet that overlaps the first network's is refused" '^err 98 .*overlaps' \
	"$(netop apply "$NET2" ipv4="${V4%.1}.1/16")"
check_fails "and made no bridge" ip link show "$NET2"
check_fails "and no directory" test -e "$MOAT_DIR/networks/$NET2"
# moatd's check refuses it: a message that fails its check gets no answer (netop: 3)
check_eq "raw.dnsmasq of an option moat does not allow is refused by the check" 3 \
	"$(netop apply "$NET" ipv4="$V4/24" raw=no-such-option=1 >/dev/null; echo $?)"
check_match "raw.dnsmasq that dnsmasq refuses is refused, and nothing changes" \
	'^err 22 .*dnsmasq refused' "$(netop apply "$NET" ipv4="$V4/24" raw=cache-size=many)"
check_eq "dnsmasq still runs, untouched" "$pid" "$(cat "$NETDIR/dnsmasq.pid")"

# ---- a moatd restart leaves dnsmasq and the lease; a dead dnsmasq comes back ------
kill "$MOATD_PID"
eventually 10 bash -c "! kill -0 $MOATD_PID"
rm -f "$SOCK"
check "moatd starts again" start_moatd
check_eq "dnsmasq is the same process after the restart" "$pid" "$(cat "$NETDIR/dnsmasq.pid")"
check "dnsmasq is still running" alive "$pid"
ip netns exec "$NS" ip addr flush dev eth0
check "the client gets its lease after the restart" dhcp
check_eq "the same static lease" "$STATIC" "$(cat "$T/lease" 2>/dev/null)"
kill "$pid"
revived() {
	local p
	p=$(cat "$NETDIR/dnsmasq.pid" 2>/dev/null)
	[ -n "$p" ] && [ "$p" != "$pid" ] && alive "$p" &&
		ps -o args= -p "$p" | grep -q -- "--conf-file=$NETDIR/dnsmasq.conf"
}
check "moatd starts dnsmasq again when it dies" eventually 20 revived

# ---- delete: no trace --------------------------------------------------------------
pid=$(cat "$NETDIR/dnsmasq.pid" 2>/dev/null)
check_match "delete answers" '^ok' "$(netop delete "$NET")"
check_fails "the bridge is gone" ip link show "$NET"
check_fails "this daemon's table is gone" nft list table inet "$TABLE"
check_fails "dnsmasq is gone" alive "${pid:-0}"
check_eq "no process runs on the network's config" "" \
	"$(pgrep -af -- "$NETDIR/dnsmasq.conf" | grep -v pgrep)"
check_fails "the network's directory is gone" test -e "$NETDIR"
check_eq "no fragment is left" "" "$(ls "$MOAT_DIR/networks/.nft")"
check_match "deleting it again is fine" '^ok' "$(netop delete "$NET")"
check "lo is untouched" ip link show lo
finish
