#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Managed networks through Debian's stock lxc client, pylxd, moat and the
# raw API: create, show, list (host interfaces beside), edit, set, unset,
# get, rename, delete; the bridge, its address and its state on the host;
# `auto` picking a subnet no host interface uses (a dummy link given the
# subnet auto picked before: auto picks another); every bad key or value a
# 400 with nothing stored (no row, no link); ETag and 412; delete and
# rename refused while a profile or an instance uses the network;
# attach/detach to instances and profiles; static and dynamic leases; the
# default network made at first start by a `--network` daemon (eth0 in the
# default profile) and not made again once deleted; the hardened policy
# refusing raw.dnsmasq; and no trace after a delete (ip link, nft, dnsmasq,
# files); host interfaces with LXD 5.0.2's unmanaged fields (raw API, lxc show
# and list --format json, moat, pylxd). Names are this suite's own (mt<pid><letter>).
. "$(dirname "$0")/../lib/lib.sh"

NA=mt$$a NB=mt$$b NC=mt$$c ND=mt$$d NP=mt$$p NX=mt$$x NR=mt$$r
# lib.sh's cleanup removes what is left of the suite's managed networks; the
# plain bridge it makes itself (for a taken subnet) goes here
cleanup_also bash -c "ip link del $ND 2>/dev/null; true"

daemon_start --network none
import_busybox_image

# no trace of network $1 on the host: link, nft rules, dnsmasq, files
no_trace() {
	local n=$1
	check_fails "$n: no link left (ip link)" ip link show "$n"
	check_fails "$n: no nft rule names it" bash -c "nft list ruleset 2>/dev/null | grep -qw -- '$n'"
	check_fails "$n: no dnsmasq runs for it" pgrep -f -- "dnsmasq.*$n([^0-9a-z]|\$)"
	check_fails "$n: no files left" test -e "$MOAT_DIR/networks/$n"
}

# ---- a managed bridge through lxc ----------------------------------------------
check_eq "no managed network at first (--network none)" "" \
	"$(timeout 30 lxc network list --format csv | grep ',YES,' || true)"
check "lxc network create $NA (auto, no IPv6)" timeout 60 lxc network create "$NA" ipv6.address=none
show=$(timeout 30 lxc network show "$NA")
check_match "show: managed bridge, Created" 'managed: true' "$show"
check_match "show: type bridge" 'type: bridge' "$show"
v4=$(timeout 30 lxc network get "$NA" ipv4.address)
check_match "auto became the address moatd picked, in the config" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$' "$v4"
check_eq "ipv4.nat filled as LXD does for auto" "true" "$(timeout 30 lxc network get "$NA" ipv4.nat)"
check_match "the bridge is on the host with that address" "inet ${v4//./\\.} " "$(ip -4 addr show dev "$NA" 2>&1)"
check "the link is a bridge" test -d "/sys/class/net/$NA/bridge"
list=$(timeout 30 lxc network list --format csv)
check_match "lxc network list: $NA managed, its IPv4, CREATED" "^$NA,bridge,YES,${v4//./\\.},none,,0,CREATED\$" "$list"
check_match "lxc network list: a host interface, unmanaged" ',NO,' "$list"
check_eq "recursion=0 lists URLs, managed first" "/1.0/networks/$NA" \
	"$(jget "$(api GET /1.0/networks)" 'd["metadata"][0]')"
info=$(timeout 30 lxc network info "$NA")
check_match "lxc network info: its address" "inet	${v4//./\\.} \\(global\\)" "$info"
check_match "lxc network info: a bridge section" 'Bridge:' "$info"
check_match "lxc network info: state and type" 'Type: broadcast' "$info"
check_eq "state: its MTU as the host has it" "$(cat "/sys/class/net/$NA/mtu")" \
	"$(jget "$(api GET "/1.0/networks/$NA/state")" 'd["metadata"]["mtu"]')"
check_eq "GET of an unknown network is a 404" 404 "$(api_status GET /1.0/networks/nosuchnet0)"

# ---- auto avoids a subnet in use on the host -------------------------------------
subnet=${v4%.*}
check "delete $NA" timeout 60 lxc network delete "$NA"
no_trace "$NA"
# the subnet auto just picked, taken by a link of this suite's (a plain host
# bridge: the dummy module may be missing)
ip link add "$ND" type bridge && ip addr add "$subnet.2/24" dev "$ND" && ip link set "$ND" up
check "a link of the suite's holds $subnet.0/24" bash -c "ip -4 route show dev $ND | grep -q '^$subnet.0/24'"
check "lxc network create $NB (auto)" timeout 60 lxc network create "$NB" ipv6.address=none
v4b=$(timeout 30 lxc network get "$NB" ipv4.address)
check_match "$NB got an address" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$' "$v4b"
check_fails "auto did not pick the subnet the dummy link uses ($v4b)" test "${v4b%.*}" = "$subnet"
check_eq "no other host route holds $NB's subnet" "" \
	"$(ip -4 route show | grep "^${v4b%.*}\." | grep -v "dev $NB" || true)"
ip link del "$ND"

# ---- bad keys and values: a 400, nothing stored ------------------------------------
bad_create() { # DESC JSON-CONFIG MESSAGE-REGEX
	local body out
	body=$(printf '{"name":"%s","config":%s}' "$NC" "$2")
	out=$(api POST /1.0/networks -d "$body")
	check_eq "create with $1: a 400" 400 "$(jget "$out" 'd["error_code"]')"
	check_match "create with $1: LXD's words" "$3" "$(jget "$out" 'd["error"]')"
}
fe_before=$(frontend_pid)
bad_create "a broadcast address" '{"ipv4.address":"10.250.64.255/24"}' 'Not a usable IPv4 address'
bad_create "a /31" '{"ipv4.address":"10.250.64.1/31"}' 'a host of a /8 to /30 subnet'
bad_create "a link-local IPv6 address" '{"ipv6.address":"fe80::1/64"}' 'global unicast'
bad_create "a range on the broadcast address" \
	'{"ipv4.address":"10.250.64.1/24","ipv4.dhcp.ranges":"10.250.64.200-10.250.64.255"}' \
	'does not fall within'
bad_create "an unknown key" '{"bogus.key":"1"}' "Invalid option for network \"$NC\" option \"bogus.key\""
bad_create "a bad boolean" '{"ipv4.nat":"maybe"}' 'Invalid value for a boolean "maybe"'
bad_create "a subnet address" '{"ipv4.address":"10.250.64.0/24"}' 'Not a usable IPv4 address'
bad_create "no prefix" '{"ipv4.address":"10.250.64.1"}' 'invalid CIDR address'
bad_create "an IPv6 address as IPv4" '{"ipv4.address":"fd42::1/64"}' 'Not an IPv4 address'
bad_create "a bad IPv6 address" '{"ipv6.address":"fd42::/64"}' 'Not a usable IPv6 address'
bad_create "ranges outside the subnet" \
	'{"ipv4.address":"10.250.64.1/24","ipv4.dhcp.ranges":"10.250.65.2-10.250.65.9"}' \
	'does not fall within any of the allowed networks'
bad_create "a range without an end" '{"ipv4.dhcp.ranges":"10.250.64.2"}' 'IP range must contain start and end'
bad_create "a small MTU" '{"bridge.mtu":"500"}' 'Out of MTU range \(1280-16384\)'
bad_create "a bad MAC" '{"bridge.hwaddr":"zz:00:00:00:00:00"}' 'Invalid MAC address'
bad_create "a bad dns.mode" '{"dns.mode":"static"}' 'not one of \[managed dynamic none\]'
bad_create "a dns.domain with a newline" '{"dns.domain":"a\nserver=1.1.1.1"}' 'Invalid domain name'
bad_create "raw.dnsmasq naming a script" '{"raw.dnsmasq":"dhcp-script=/bin/sh"}' 'dnsmasq options moat allows'
for name in 'a.b' 'abcdefghijklmnop' '-ab' 'a b'; do
	check_eq "create named '$name': a 400" 400 \
		"$(api_status POST /1.0/networks -d "{\"name\":\"$name\"}")"
done
check_eq "create of type macvlan: a 400" 400 \
	"$(api_status POST /1.0/networks -d "{\"name\":\"$NC\",\"type\":\"macvlan\"}")"
check_eq "create named as a host interface that is no bridge: a 400" 400 \
	"$(api_status POST /1.0/networks -d '{"name":"lo"}')"
check_eq "the frontend answered them all (moatd saw nothing to close its channel for)" \
	"$fe_before" "$(frontend_pid)"
check_eq "nothing was stored" 404 "$(api_status GET "/1.0/networks/$NC")"
check_fails "no link was made" ip link show "$NC"
check_fails "lxc network create with a bad value fails" timeout 30 lxc network create "$NC" ipv4.nat=maybe
check_eq "... and stored nothing" 404 "$(api_status GET "/1.0/networks/$NC")"

# ---- set, unset, edit, PUT/PATCH, ETag -------------------------------------------------
check "lxc network set $NB ipv4.dhcp.ranges inside" timeout 60 lxc network set "$NB" \
	ipv4.dhcp.ranges="${v4b%.*}.100-${v4b%.*}.150"
check_eq "lxc network get shows it" "${v4b%.*}.100-${v4b%.*}.150" "$(timeout 30 lxc network get "$NB" ipv4.dhcp.ranges)"
check_fails "lxc network set a bad value fails" timeout 30 lxc network set "$NB" ipv4.routing=perhaps
check_fails "lxc network set an unknown key fails" timeout 30 lxc network set "$NB" ipv4.firewall=true
check_eq "the config kept its value" "" "$(timeout 30 lxc network get "$NB" ipv4.routing)"
check "lxc network unset" timeout 60 lxc network unset "$NB" ipv4.dhcp.ranges
check_eq "unset removed the key" "" "$(timeout 30 lxc network get "$NB" ipv4.dhcp.ranges)"
check "lxc network edit (stdin)" bash -c "timeout 60 lxc network show $NB | sed 's/^description: .*/description: edited by lxc/' | timeout 60 lxc network edit $NB"
check_eq "edit stored the description" '"edited by lxc"' \
	"$(jget "$(api GET "/1.0/networks/$NB")" 'json.dumps(d["metadata"]["description"])')"
etag=$(curl -s -D - -o /dev/null --unix-socket "$MOAT_DIR/unix.socket" "http://unix.socket/1.0/networks/$NB" |
	tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
check_match "GET has an ETag" '^"[0-9a-f]{64}"$' "$etag"
cur=$(jget "$(api GET "/1.0/networks/$NB")" 'd["metadata"]["config"]')
check_eq "PUT with a stale If-Match: 412" 412 \
	"$(api_status PUT "/1.0/networks/$NB" -H 'If-Match: "0000"' -d "{\"config\":$cur,\"description\":\"x\"}")"
check_eq "PATCH with the ETag: 200" 200 \
	"$(api_status PATCH "/1.0/networks/$NB" -H "If-Match: $etag" -d '{"config":{"user.note":"patched"}}')"
check_eq "PATCH merged the key" "patched" "$(timeout 30 lxc network get "$NB" user.note)"
check_eq "PATCH kept the address" "$v4b" "$(timeout 30 lxc network get "$NB" ipv4.address)"
check_eq "a bad PATCH: 400" 400 "$(api_status PATCH "/1.0/networks/$NB" -d '{"config":{"ipv6.nat":"x"}}')"
check_eq "a bad PUT: 400" 400 "$(api_status PUT "/1.0/networks/$NB" -d '{"config":{"nope":"1"}}')"
check_eq "the bad PUT stored nothing" "patched" "$(timeout 30 lxc network get "$NB" user.note)"
check_eq "PUT of an unmanaged interface: 404" 404 "$(api_status PUT /1.0/networks/lo -d '{"config":{}}')"

# ---- used by a profile, an instance; attach and detach --------------------------------
check "lxc profile create $NP" timeout 30 lxc profile create "$NP"
check "lxc network attach-profile" timeout 60 lxc network attach-profile "$NB" "$NP" eth1
check_match "the profile has a bridged nic on it" "parent: $NB" "$(timeout 30 lxc profile show "$NP")"
check_match "used_by names the profile" "/1.0/profiles/$NP" "$(timeout 30 lxc network show "$NB")"
out=$(api DELETE "/1.0/networks/$NB")
check_eq "delete while a profile uses it: a 400" 400 "$(jget "$out" 'd["error_code"]')"
check_match "... with LXD's words" 'The network is currently in use' "$(jget "$out" 'd["error"]')"
check_fails "lxc network rename while in use fails" timeout 30 lxc network rename "$NB" "$NR"
check "the bridge is still there" ip link show "$NB"
check "lxc network detach-profile" timeout 60 lxc network detach-profile "$NB" "$NP"
check_fails "the profile lost the nic" bash -c "timeout 30 lxc profile show $NP | grep -q 'parent: $NB'"
check "init an instance c1" timeout 120 lxc init bb c1
check "lxc network attach $NB c1 (network=, managed)" timeout 60 lxc network attach "$NB" c1 eth9 eth9
check_match "the nic names the network" "network: $NB" "$(timeout 30 lxc config device show c1)"
check "a static address on it" timeout 60 lxc config device set c1 eth9 ipv4.address="${v4b%.*}.77"
check_match "used_by names the instance" "/1.0/instances/c1" "$(timeout 30 lxc network show "$NB")"
leases=$(timeout 30 lxc network list-leases "$NB" --format csv)
check_match "list-leases: the gateway" "^$NB.gw,,${v4b%/*},GATEWAY\$" "$leases"
check_match "list-leases: c1's static lease" "^c1,.*,${v4b%.*}\\.77,STATIC\$" "$leases"
if [ -e "$MOAT_DIR/networks/$NB/dnsmasq.leases" ]; then
	echo "9999999999 00:16:3e:00:00:99 ${v4b%.*}.120 dyn-host *" >>"$MOAT_DIR/networks/$NB/dnsmasq.leases"
	check_match "list-leases: a lease of dnsmasq's file" "^dyn-host,00:16:3e:00:00:99,${v4b%.*}\\.120,DYNAMIC\$" \
		"$(timeout 30 lxc network list-leases "$NB" --format csv)"
else
	not_ok "moatd made $MOAT_DIR/networks/$NB/dnsmasq.leases"
fi
check_fails "lxc network delete while c1 uses it fails" timeout 30 lxc network delete "$NB"
check "lxc network detach" timeout 60 lxc network detach "$NB" c1
check_fails "c1 lost the nic" bash -c "timeout 30 lxc config device show c1 | grep -q 'network: $NB'"
check "rename $NB to $NR" timeout 60 lxc network rename "$NB" "$NR"
check_fails "the old bridge is gone" ip link show "$NB"
check "the new bridge is there" ip link show "$NR"
check_match "$NR keeps the address" "inet ${v4b//./\\.} " "$(ip -4 addr show dev "$NR" 2>&1)"
check_eq "the old name is a 404" 404 "$(api_status GET "/1.0/networks/$NB")"
check "lxc network delete $NR" timeout 60 lxc network delete "$NR"
no_trace "$NR"
no_trace "$NB"

# ---- pylxd ------------------------------------------------------------------------------------
py=$(/usr/bin/python3 - "$NC" 2>&1 <<'EOF'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd
name = sys.argv[1]
c = pylxd.Client()
n = c.networks.create(name, description="from pylxd", type="bridge",
                      config={"ipv4.address": "10.250.64.1/24", "ipv6.address": "none"})
print("exists", c.networks.exists(name))
print("listed", name in [x.name for x in c.networks.all()])
n = c.networks.get(name)
print("config", n.config["ipv4.address"], n.managed)
n.config["ipv4.nat"] = "false"
n.save()
print("saved", c.networks.get(name).config.get("ipv4.nat"))
try:
    n.config["ipv4.nat"] = "nope"
    n.save()
    print("bad saved")
except pylxd.exceptions.LXDAPIException as e:
    print("refused", e)
c.networks.get(name).delete()
print("gone", c.networks.exists(name))
EOF
)
check_match "pylxd: create and exists" 'exists True' "$py"
check_match "pylxd: all lists it" 'listed True' "$py"
check_match "pylxd: get" 'config 10.250.64.1/24 True' "$py"
check_match "pylxd: save" 'saved false' "$py"
check_match "pylxd: a bad save refused" 'refused Invalid value for network' "$py"
check_match "pylxd: delete" 'gone False' "$py"
no_trace "$NC"

# ---- moat network ------------------------------------------------------------------------------
M="$B/moat"
check "moat network create" timeout 60 "$M" network create "$NC" ipv4.address=10.250.64.1/24 ipv6.address=none
check_match "moat network list" "^$NC,bridge,YES,10.250.64.1/24,none," "$(timeout 30 "$M" network list --format csv)"
check_match "moat network show" 'ipv4.address: 10.250.64.1/24' "$(timeout 30 "$M" network show "$NC")"
check "moat network set" timeout 60 "$M" network set "$NC" dns.domain=suite64.moat
check_eq "moat network get" "suite64.moat" "$(timeout 30 "$M" network get "$NC" dns.domain)"
check_fails "moat network set a bad value fails" timeout 30 "$M" network set "$NC" dns.mode=bogus
check "moat network unset" timeout 60 "$M" network unset "$NC" dns.domain
check_eq "unset removed it" "" "$(timeout 30 "$M" network get "$NC" dns.domain)"
check_match "moat network info" 'inet	10.250.64.1/24 \(global\)' "$(timeout 30 "$M" network info "$NC")"
check_match "moat network list-leases" "^$NC.gw,,10.250.64.1,GATEWAY\$" "$(timeout 30 "$M" network list-leases "$NC" --format csv)"
check "moat network attach-profile" timeout 60 "$M" network attach-profile "$NC" "$NP" eth2
check_fails "moat network delete while used fails" timeout 30 "$M" network delete "$NC"
check "moat network detach-profile" timeout 60 "$M" network detach-profile "$NC" "$NP"
check "moat network attach" timeout 60 "$M" network attach "$NC" c1 eth3
check_match "the instance's nic" "network: $NC" "$(timeout 30 lxc config device show c1)"
check "moat network detach" timeout 60 "$M" network detach "$NC" c1
check "moat network edit (stdin)" bash -c "printf 'config:\n  ipv4.address: 10.250.64.1/24\n  ipv6.address: none\n  user.x: y\ndescription: moat\n' | timeout 60 $M network edit $NC"
check_eq "edit stored it" "y" "$(timeout 30 "$M" network get "$NC" user.x)"
check "moat network rename" timeout 60 "$M" network rename "$NC" "$NR"
check "moat network delete" timeout 60 "$M" network delete "$NR"
no_trace "$NR"
check "delete c1" timeout 60 lxc delete c1

# ---- host interfaces as LXD 5.0.2 shows them (doNetworkGet, unmanaged) ---------------------
# its fields in its order: config {}, description "", type by /sys, used_by nil (null)
# while nothing uses it ([] for a loopback), managed false, status "", locations nil
ip link add "$ND" type bridge
want="{'config': {}, 'description': '', 'name': '$ND', 'type': 'bridge', 'used_by': None, 'managed': False, 'status': '', 'locations': None}"
check_eq "GET /1.0/networks/$ND (a host bridge): LXD's fields, order and values" "$want" \
	"$(jget "$(api GET "/1.0/networks/$ND")" 'str(d["metadata"])')"
check_eq "GET /1.0/networks/lo: a loopback, its used_by [] and no locations" \
	"{'config': {}, 'description': '', 'name': 'lo', 'type': 'loopback', 'used_by': [], 'managed': False, 'status': '', 'locations': None}" \
	"$(jget "$(api GET /1.0/networks/lo)" 'str(d["metadata"])')"
list=$(api GET '/1.0/networks?recursion=1')
check_eq "recursion=1 has the same object for $ND" "$want" \
	"$(jget "$list" "str([n for n in d['metadata'] if n['name'] == '$ND'][0])")"
# host interfaces in the kernel's order (ifindex), as Go's net.Interfaces(); those still there
order=$(jget "$list" '[n["name"] for n in d["metadata"] if not n["managed"]]' | /usr/bin/python3 -c '
import json, sys
idx = []
for n in json.load(sys.stdin):
    try: idx.append(int(open("/sys/class/net/%s/ifindex" % n).read()))
    except OSError: pass
print("sorted" if idx == sorted(idx) and len(idx) > 1 else "unsorted %s" % idx)')
check_eq "recursion=1 lists the host interfaces by ifindex" sorted "$order"
show=$(timeout 30 lxc network show "$ND")
check_eq "lxc network show $ND prints what LXD's would" \
	"$(printf 'config: {}\ndescription: ""\nname: %s\ntype: bridge\nused_by: []\nmanaged: false\nstatus: ""\nlocations: []' "$ND")" "$show"
check_eq "moat network show $ND prints the same" "$show" "$(timeout 30 "$B/moat" network show "$ND")"
check_eq "lxc network list --format json: $ND as LXD's (nil lists null)" "$want" \
	"$(jget "$(timeout 30 lxc network list --format json)" "str([n for n in d if n['name'] == '$ND'][0])")"
check "a profile's nic with parent=$ND" timeout 30 lxc profile device add "$NP" h0 nic nictype=bridged parent="$ND"
check_eq "used_by names the profile" '["/1.0/profiles/'"$NP"'"]' \
	"$(jget "$(api GET "/1.0/networks/$ND")" 'd["metadata"]["used_by"]')"
py=$(/usr/bin/python3 - "$ND" 2>&1 <<'EOF'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd
n = pylxd.Client().networks.get(sys.argv[1])
print(n.name, n.type, n.managed, n.config, repr(n.description), n.used_by, repr(n.status))
EOF
)
check_eq "pylxd: the host bridge's fields" "$ND bridge False {} '' ['/1.0/profiles/$NP'] ''" "$py"
check "remove the profile's nic" timeout 30 lxc profile device remove "$NP" h0
ip link del "$ND"

# ---- the hardened policy: raw.dnsmasq is a 400 ---------------------------------------------
check "the default policy takes raw.dnsmasq" timeout 60 lxc network create "$NC" ipv6.address=none raw.dnsmasq=log-dhcp
check "delete it" timeout 60 lxc network delete "$NC"
cp "$TOP/policy/hardened.policy" "$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
"$B/moatd" --dir "$T/dh" --network none --policy "$T/hardened.policy" >>"$T/moatd-hardened.log" 2>&1 &
DAEMON_PIDS+=("$!")
check "the hardened moatd answers" eventually 15 curl -sf -o /dev/null --unix-socket "$T/dh/unix.socket" http://x/1.0
out=$(MOAT_DIR=$T/dh api POST /1.0/networks -d "{\"name\":\"$NC\",\"config\":{\"raw.dnsmasq\":\"log-dhcp\"}}")
check_eq "hardened: raw.dnsmasq is a 400" 400 "$(jget "$out" 'd["error_code"]')"
check_match "hardened: by the server's policy" 'Raw dnsmasq configuration is forbidden by the server' "$(jget "$out" 'd["error"]')"
check_eq "hardened: nothing stored" 404 "$(MOAT_DIR=$T/dh api_status GET "/1.0/networks/$NC")"
check_fails "hardened: no link made" ip link show "$NC"

# ---- the default network: made at first start, not again once deleted -----------------------
start_x() {
	"$B/moatd" --dir "$T/dx" --network "$NX" >>"$T/moatd-x.log" 2>&1 &
	XPID=$!
	DAEMON_PIDS+=("$XPID")
	eventually 15 bash -c "curl -sf -o /dev/null --unix-socket $T/dx/unix.socket http://x/1.0"
}
xlxc() { LXD_DIR=$T/dx timeout 60 lxc "$@"; }
check "a moatd with --network $NX starts" start_x
check "the default network $NX is made" eventually 30 bash -c "LXD_DIR=$T/dx lxc network list --format csv | grep -q '^$NX,bridge,YES,'"
xv4=$(xlxc network get "$NX" ipv4.address)
check_match "$NX: an auto IPv4 subnet stored" '^[0-9.]+/[0-9]+$' "$xv4"
check_eq "$NX: ipv4.nat" "true" "$(xlxc network get "$NX" ipv4.nat)"
check_eq "$NX: ipv6.nat" "true" "$(xlxc network get "$NX" ipv6.nat)"
check "$NX: the bridge is on the host" ip link show "$NX"
check_match "the default profile got eth0 on it" "network: $NX" "$(xlxc profile device show default)"
check "remove eth0 from the default profile" xlxc profile device remove default eth0
check "delete $NX" xlxc network delete "$NX"
kill "$XPID"
check "that moatd stopped" eventually 15 bash -c "! kill -0 $XPID 2>/dev/null"
check "it starts again with --network $NX" start_x
check "its boot has set the networks up" eventually 30 bash -c "[ \$(grep -c 'boot: the networks are set up' $T/moatd-x.log) -ge 2 ]"
check_eq "$NX is not made again" "" "$(xlxc network list --format csv | grep "^$NX," || true)"
check_fails "the default profile has no eth0 again" bash -c "LXD_DIR=$T/dx lxc profile device show default | grep -q eth0"
no_trace "$NX"

finish
