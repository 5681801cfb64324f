#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Network ACLs and forwards through Debian's stock lxc client and the raw
# API and moat: ACL create/show/list/set/get/rename/delete and rule add/remove with
# LXD's messages (a bad rule a 400 with nothing stored), the log a 501;
# and, while moatd's side of them is not on main (privhelper/acl.c: no
# room under privhelper/'s line budget), nothing that claims to filter or
# forward: security.acls is not a network key, and a forward is refused
# with nothing stored. Names are this suite's own (mt<pid><letter>).
. "$(dirname "$0")/../lib/lib.sh"

NA=mt$$f LISTEN=192.0.2.65

daemon_start --network none

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

# ---- nothing claims to filter or forward yet -------------------------------------------
check "lxc network create $NA" timeout 60 lxc network create "$NA" ipv4.address=10.250.65.1/24 \
	ipv6.address=none
check_match "security.acls is not a network key yet" 'security.acls' \
	"$(timeout 60 lxc network set "$NA" security.acls=web 2>&1)"
check_eq "and not stored" "" "$(timeout 30 lxc network get "$NA" security.acls)"
check_eq "the ACL stays unused" "[]" "$(jget "$(api GET /1.0/network-acls/web)" 'd["metadata"]["used_by"]')"
check_match "a forward is refused: not realised" 'not realised' \
	"$(timeout 60 lxc network forward create "$NA" "$LISTEN" 2>&1)"
check_eq "and nothing stored" "" "$(timeout 30 lxc network forward list "$NA" --format csv)"
check_match "moat network forward create: refused the same way" 'not realised' \
	"$(timeout 60 "$B/moat" network forward create "$NA" "$LISTEN" 2>&1)"
check_eq "moat network forward list: empty" "" "$(timeout 30 "$B/moat" network forward list "$NA" --format csv)"
check_eq "the forward list is empty" "[]" "$(jget "$(api GET "/1.0/networks/$NA/forwards")" 'd["metadata"]')"
check_eq "a bad forward is still a 400 (checked before moatd)" 400 \
	"$(api_status POST "/1.0/networks/$NA/forwards" -d '{"listen_address":"0.0.0.0"}')"
check_eq "forwards of an unknown network: 404" 404 "$(api_status GET /1.0/networks/nosuchnet0/forwards)"
check_fails "no nft chain of an ACL or a forward" bash -c \
	"nft list ruleset 2>/dev/null | grep -qE 'acl_${NA}_|fwd_${NA}_'"
check "the ACL can be deleted" timeout 30 lxc network acl delete web
check "delete $NA" timeout 60 lxc network delete "$NA"
finish
