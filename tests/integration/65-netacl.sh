#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Network ACLs and forwards through Debian's stock lxc client, the raw API
# and moat: ACL create/show/list/set/get/rename/delete and rule add/remove
# with LXD's messages (a bad rule a 400 with nothing stored); an ACL on a
# managed bridge that drops one port and allows another (busybox nc -l in
# a container, the client in the host), the default actions, the rules in
# nft; rename and delete refused while the network uses it; an update
# moatd refuses (rules that compile past its limit) leaving the old filter
# working; a forward from an address on an interface (a bare bridge) of the suite's
# own to a container's port, reached from the host, then removed; no
# trace left. Names are this suite's own (mt<pid><letter>), the subnet
# 10.250.65.0/24.
. "$(dirname "$0")/../lib/lib.sh"

NA=mt$$f DUM=mt$$d NET4=10.250.65 LISTEN=192.0.2.65
cleanup_also bash -c "ip link del $DUM 2>/dev/null; true"

daemon_start --network none
import_busybox_image

in_c() {
	local n=$1
	shift
	timeout 30 lxc exec "$n" -- "$@"
}

# tcp_ok HOST PORT [LISTENER-PORT]: a connection from the host gets the
# line of the listener on LISTENER-PORT (default PORT) back
tcp_ok() {
	[ "$(timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2 && head -1 <&3" 2>/dev/null)" = "hello-${3:-$2}" ]
}
# tcp_refused HOST PORT: no answer within the wait (dropped or rejected)
tcp_refused() {
	! tcp_ok "$@"
}
# listen C PORT: busybox nc answers "hello-PORT" on PORT, again and again (an exec
# session held in the background: it ends with the container)
listen() {
	timeout 600 lxc exec "$1" -- sh -c "while true; do echo hello-$2 | nc -l -p $2; done" \
		>/dev/null 2>&1 &
}

# ---- ACL objects through lxc ----------------------------------------------------------
check "lxc network acl create web" timeout 30 lxc network acl create web
check "rule add ingress allow tcp 80" timeout 30 lxc network acl rule add web ingress \
	action=allow protocol=tcp destination_port=80
check "rule add ingress drop tcp 81" timeout 30 lxc network acl rule add web ingress \
	action=drop protocol=tcp destination_port=81
show=$(timeout 30 lxc network acl show web)
check_match "show: the allow rule as LXD shows it" 'destination_port: "80"' "$show"
check_match "show: state enabled by default" 'state: enabled' "$show"
check_match "acl list: web, used by none" '^web,,0$' "$(timeout 30 lxc network acl list --format csv)"
out=$(timeout 30 lxc network acl rule add web ingress action=allow protocol=tcp destination_port=70000 2>&1)
check_eq "a port out of range: LXD's message" \
	'Error: Invalid ingress rule 2: Invalid Destination port: Invalid port "70000"' "$out"
out=$(timeout 30 lxc network acl rule add web egress action=allow source=10.0.0.300 2>&1)
check_eq "a source that is not an address: LXD's message" \
	'Error: Invalid egress rule 0: Invalid Source: Invalid subject "10.0.0.300"' "$out"
out=$(timeout 30 lxc network acl rule add web egress action=allow protocol=sctp 2>&1)
check_eq "a protocol outside the list: LXD's message" \
	'Error: Invalid egress rule 0: Protocol must be one of: icmp4, icmp6, tcp, udp' "$out"
check_eq "a bad rule is a 400" 400 "$(api_status PUT /1.0/network-acls/web \
	-d '{"ingress":[{"action":"allow","state":"enabled","protocol":"tcp","destination_port":"80-"}]}')"
check_eq "nothing of the bad rules was stored (2 ingress, 0 egress)" "2 0" \
	"$(jget "$(api GET /1.0/network-acls/web)" '"%d %d" % (len(d["metadata"]["ingress"]), len(d["metadata"]["egress"]))')"
check_eq "a bad name on create is a 400" 400 "$(api_status POST /1.0/network-acls -d '{"name":"1bad"}')"
check_fails "nor stored" timeout 30 lxc network acl show 1bad
check "acl set user.k" timeout 30 lxc network acl set web user.k=v
check_eq "acl get user.k" v "$(timeout 30 lxc network acl get web user.k)"
check_match "acl set of an unknown key refused" 'Invalid config option "foo"' \
	"$(timeout 30 lxc network acl set web foo=bar 2>&1)"
check "acl create tmp, rename tmp2, delete (unused)" sh -c \
	"timeout 30 lxc network acl create tmp && timeout 30 lxc network acl rename tmp tmp2 && timeout 30 lxc network acl delete tmp2"
check_eq "GET of a deleted ACL is a 404" 404 "$(api_status GET /1.0/network-acls/tmp2)"
check_eq "the log is not available: 501" 501 "$(api_status GET /1.0/network-acls/web/log)"

# ---- the same through moat ----------------------------------------------------------------
M=$B/moat
check "moat network acl create m1 user.a=b" timeout 30 "$M" network acl create m1 user.a=b
check "moat network acl rule add m1 ingress drop tcp 81" timeout 30 "$M" network acl rule add m1 \
	ingress action=drop protocol=tcp destination_port=81
check "moat network acl rule add m1 egress allow udp" timeout 30 "$M" network acl rule add m1 \
	egress action=allow protocol=udp
check_eq "moat's rule is lxc's (state enabled added)" "$(timeout 30 lxc network acl show m1)" \
	"$(timeout 30 "$M" network acl show m1)"
check_match "moat network acl list" '^m1,,0$' "$(timeout 30 "$M" network acl list --format csv)"
check_eq "moat network acl get" b "$(timeout 30 "$M" network acl get m1 user.a)"
check_match "moat: a bad rule is LXD's message" 'Invalid ingress rule 1: Invalid Destination port: Invalid port "70000"' \
	"$(timeout 30 "$M" network acl rule add m1 ingress action=drop protocol=tcp destination_port=70000 2>&1)"
check_match "moat: a rule remove that matches none" 'No matching rule' \
	"$(timeout 30 "$M" network acl rule remove m1 ingress protocol=sctp 2>&1)"
check "moat network acl rule remove m1 ingress protocol=tcp" timeout 30 "$M" network acl rule remove \
	m1 ingress protocol=tcp
check_eq "the ingress rule is gone, the egress one stays" "0 1" \
	"$(jget "$(api GET /1.0/network-acls/m1)" '"%d %d" % (len(d["metadata"]["ingress"]), len(d["metadata"]["egress"]))')"
check "moat network acl rename m1 m2" timeout 30 "$M" network acl rename m1 m2
check "moat network acl delete m2" timeout 30 "$M" network acl delete m2
check_eq "gone: 404" 404 "$(api_status GET /1.0/network-acls/m2)"

# ---- a network, a container behind it -------------------------------------------------
check "lxc network create $NA ($NET4.1/24)" timeout 60 lxc network create "$NA" \
	ipv4.address=$NET4.1/24 ipv4.nat=true ipv6.address=none
check "init a1 on $NA" timeout 120 lxc init bb a1 --network "$NA"
check "start a1" timeout 120 lxc start a1
a1_ip() { timeout 10 lxc list a1 -c4 --format csv | grep -o "$NET4\.[0-9]*" | head -1; }
check "a1 has an address of $NA (udhcpc)" eventually 30 sh -c "[ -n \"\$(timeout 10 lxc list a1 -c4 --format csv | grep -o '$NET4\.[0-9]*')\" ]"
IP=$(a1_ip)
note "a1 is $IP"
listen a1 80
listen a1 81
listen a1 82
check "without an ACL: port 80 reachable from the host" eventually 15 tcp_ok $IP 80
check "without an ACL: port 81 reachable" eventually 15 tcp_ok $IP 81
check "without an ACL: port 82 reachable" eventually 15 tcp_ok $IP 82

# ---- the ACL on the bridge ------------------------------------------------------------
check "lxc network set $NA security.acls=web" timeout 60 lxc network set "$NA" security.acls=web
check_match "nft: the network's ACL chain in this daemon's table" "chain acl_${NA}_ingress" \
	"$(nft list ruleset 2>/dev/null)"
check "the ACL allows port 80" eventually 10 tcp_ok $IP 80
check "the ACL drops port 81" tcp_refused $IP 81
check "the default action (reject) closes port 82" tcp_refused $IP 82
check_match "a rejected port is refused at once (TCP reset)" 'refused' \
	"$(timeout 5 bash -c "exec 3<>/dev/tcp/$IP/82" 2>&1)"
check_eq "used_by names the network" "[\"/1.0/networks/$NA\"]" \
	"$(jget "$(api GET /1.0/network-acls/web)" 'd["metadata"]["used_by"]')"
check_match "rename refused while used" 'Cannot rename an ACL that is in use' \
	"$(timeout 30 lxc network acl rename web web2 2>&1)"
check_match "delete refused while used" 'Cannot delete an ACL that is in use' \
	"$(timeout 30 lxc network acl delete web 2>&1)"
check_eq "delete while used is a 400" 400 "$(api_status DELETE /1.0/network-acls/web)"
check "still there" timeout 30 lxc network acl show web
check "default ingress action allow" timeout 60 lxc network set "$NA" \
	security.acls.default.ingress.action=allow
check "port 82 now reachable (default allow)" eventually 10 tcp_ok $IP 82
check "port 81 still dropped by its rule" tcp_refused $IP 81
check_match "a bad default action is refused" 'security.acls.default.ingress.action' \
	"$(timeout 30 lxc network set "$NA" security.acls.default.ingress.action=maybe 2>&1)"
check_match "an ACL that does not exist is refused" 'Network ACL "nosuch" does not exist' \
	"$(timeout 60 lxc network set "$NA" security.acls=web,nosuch 2>&1)"
check_eq "and not stored" web "$(timeout 30 lxc network get "$NA" security.acls)"

# ---- an update moatd refuses leaves the old filter in place ---------------------------------
# 64 reject rules of any protocol, each with 4 IPv4 and 4 IPv6 ranges on
# both sides (a rule line per family, twice: TCP reset and ICMP): each one
# valid and the whole within a request, but past what moatd compiles
# (64 KiB of rules); the old rules must stay
big=$(/usr/bin/python3 -c '
import json
def side(n, a):
    v4 = ["10.%d.%d.1-10.%d.%d.200" % (a, n * 4 + k, a, n * 4 + k) for k in range(4)]
    v6 = ["fd%02x:%x:1234:5678:9abc:def0:1234:1-fd%02x:%x:1234:5678:9abc:def0:1234:ff00" % (a, n * 4 + k, a, n * 4 + k) for k in range(4)]
    return ",".join(v4 + v6)
rules=[{"action":"reject","state":"enabled","source":side(n, 1),"destination":side(n, 2)} for n in range(64)]
print(json.dumps({"ingress":rules,"egress":[]}))')
before=$(api GET /1.0/network-acls/web)
st=$(api_status PUT /1.0/network-acls/web -d "$big")
check_match "moatd refuses the rules (an error, not a 200)" '^(400|500)$' "$st"
check_match "with moatd's reason" 'too many for moatd' "$(api PUT /1.0/network-acls/web -d "$big")"
check_eq "the stored ACL is the old one" "$(jget "$before" 'd["metadata"]')" \
	"$(jget "$(api GET /1.0/network-acls/web)" 'd["metadata"]')"
check "the old filter still drops port 81" tcp_refused $IP 81
check "the old filter still allows port 80" tcp_ok $IP 80
check_match "nft still has the old drop rule" 'tcp dport 81 drop' "$(nft list ruleset 2>/dev/null)"

# ---- a rule change reaches the bridge ---------------------------------------------------
check "rule remove the drop of 81" timeout 60 lxc network acl rule remove web ingress \
	action=drop protocol=tcp destination_port=81
check "port 81 reachable again" eventually 10 tcp_ok $IP 81
check "rule add drop 80 through the API (PATCH)" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket $MOAT_DIR/unix.socket -X PATCH http://x/1.0/network-acls/web \
	-d '{\"ingress\":[{\"action\":\"drop\",\"state\":\"enabled\",\"protocol\":\"tcp\",\"destination_port\":\"80\"}]}')\" = 200 ]"
check "port 80 dropped now" eventually 10 tcp_refused $IP 80
check "unset security.acls" timeout 60 lxc network unset "$NA" security.acls
check "without the ACL port 80 is reachable" eventually 10 tcp_ok $IP 80
check_fails "no ACL chain left in nft" bash -c "nft list ruleset 2>/dev/null | grep -q 'acl_${NA}_'"
check "the unused ACL can be deleted" timeout 30 lxc network acl delete web

# ---- a forward from a listen address to the container ------------------------------------
check "an interface of the suite's own with $LISTEN" sh -c \
	"ip link add $DUM type bridge && ip addr add $LISTEN/32 dev $DUM && ip link set $DUM up"
check "lxc network forward create $NA $LISTEN" timeout 60 lxc network forward create "$NA" "$LISTEN"
check "forward port add tcp 8080 -> a1:80" timeout 60 lxc network forward port add "$NA" "$LISTEN" \
	tcp 8080 $IP 80
show=$(timeout 30 lxc network forward show "$NA" "$LISTEN")
check_match "forward show: the port map" 'listen_port: "8080"' "$show"
check_match "forward show: its target" "target_address: $IP" "$show"
check_match "forward list" "$LISTEN" "$(timeout 30 lxc network forward list "$NA" --format csv)"
check "the forward reaches a1's port 80 from the host" eventually 10 tcp_ok "$LISTEN" 8080 80
check_match "nft: the DNAT rule" "dnat ip to $IP:80" "$(nft list ruleset 2>/dev/null)"
out=$(timeout 30 lxc network forward port add "$NA" "$LISTEN" tcp 9000 10.99.0.1 80 2>&1)
check_match "a target outside the network is refused" 'not within the network subnet' "$out"
check_eq "a port out of range is a 400" 400 "$(api_status PUT "/1.0/networks/$NA/forwards/$LISTEN" \
	-d "{\"ports\":[{\"protocol\":\"tcp\",\"listen_port\":\"99999\",\"target_address\":\"$IP\"}]}")"
check_eq "nothing stored: one port map still" 1 \
	"$(jget "$(api GET "/1.0/networks/$NA/forwards/$LISTEN")" 'len(d["metadata"]["ports"])')"
check_eq "a second forward on the same address is a 409" 409 \
	"$(api_status POST "/1.0/networks/$NA/forwards" -d "{\"listen_address\":\"$LISTEN\"}")"
check_eq "a forward of an unknown network is a 404" 404 "$(api_status GET /1.0/networks/nosuchnet0/forwards)"
check_match "moat network forward list: the forward" "^$LISTEN," \
	"$(timeout 30 "$B/moat" network forward list "$NA" --format csv)"
check_match "moat network forward show: its port map" 'listen_port: "8080"' \
	"$(timeout 30 "$B/moat" network forward show "$NA" "$LISTEN")"
check "forward set user.k" timeout 30 lxc network forward set "$NA" "$LISTEN" user.k=v
check_eq "forward get user.k" v "$(timeout 30 lxc network forward get "$NA" "$LISTEN" user.k)"
check "forward port remove" timeout 60 lxc network forward port remove "$NA" "$LISTEN" tcp 8080
check "the port is no longer forwarded" eventually 10 tcp_refused "$LISTEN" 8080 80
check "forward delete" timeout 60 lxc network forward delete "$NA" "$LISTEN"
check_fails "no forward chain left in nft" bash -c "nft list ruleset 2>/dev/null | grep -q 'fwd_${NA}_'"

# ---- no trace ----------------------------------------------------------------------------
check "delete a1" timeout 60 lxc delete -f a1
check "delete $NA" timeout 60 lxc network delete "$NA"
check_fails "no nft rule names $NA" bash -c "nft list ruleset 2>/dev/null | grep -qw -- '$NA'"
finish
