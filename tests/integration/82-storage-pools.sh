#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Storage pools on the dir driver through Debian's stock lxc client, pylxd,
# moat and the raw API: the "default" pool made at first start (its
# source moatd's directory, the default profile's root disk on it); a
# second pool created (its directory made by moatd), listed, shown, set,
# unset, edited, with its ETag and 412; instances launched on it by
# `lxc launch -s` and by a profile's root disk, their rootfs under
# storage-pools/<pool>/; used_by; delete refused while used (LXD's 400) and
# done once unused (the directory gone); a root disk moved to another pool
# by an update refused; .../resources against statvfs of the directory;
# bad drivers, sources, keys and names a 400 (409 for a taken name) with
# no row and no directory left.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image bb
M=$B/moat
moat() { timeout 120 "$M" "$@" </dev/null; }
lxc() { timeout 120 /usr/bin/lxc "$@" </dev/null; }
cleanup_also "$M" delete -f c1 c2 c4
P=$MOAT_DIR/storage-pools

# ---- the default pool ----------------------------------------------------------------------
check_eq "lxc storage list: the default pool, dir, moatd's directory, used by the profile" \
	"default,dir,$P/default,,1,CREATED" "$(lxc storage list --format csv)"
show=$(lxc storage show default)
check_match "lxc storage show: source is moatd's directory" "source: $P/default" "$show"
check_match "... status Created" '^status: Created$' "$show"
check_match "... used by the default profile" '^- /1.0/profiles/default$' "$show"
check_match "... locations none" '^- none$' "$show"
check "its directory is there" test -d "$P/default"
check_eq "the default profile's root disk is on it" default \
	"$(jget "$(api GET /1.0/profiles/default)" 'd["metadata"]["devices"]["root"]["pool"]')"
check_eq "recursion=0 lists URLs" '["/1.0/storage-pools/default"]' \
	"$(jget "$(api GET /1.0/storage-pools)" 'd["metadata"]')"
check_eq "GET /1.0 names the dir driver" 'dir dir' \
	"$(jget "$(api GET /1.0)" 'd["metadata"]["environment"]["storage"] + " " + d["metadata"]["environment"]["storage_supported_drivers"][0]["Name"]')"
check_eq "a pool that is not there: 404" 404 "$(api_status GET /1.0/storage-pools/nosuch)"

# ---- create and change a second pool ----------------------------------------------------------
check_eq "lxc storage create pool2 dir" "Storage pool pool2 created" "$(lxc storage create pool2 dir 2>&1)"
check "... moatd made its directory" test -d "$P/pool2"
check_eq "... root's 0700, as every pool" "0 700" "$(stat -c '%u %a' "$P/pool2")"
check_match "lxc storage list: pool2, unused" "^pool2,dir,$P/pool2,,0,CREATED\$" "$(lxc storage list --format csv)"
check_eq "a second create of pool2: 409" 409 \
	"$(api_status POST /1.0/storage-pools -d '{"name":"pool2","driver":"dir"}')"
check "lxc storage set pool2 user.note=hello" lxc storage set pool2 user.note=hello
check_eq "lxc storage get" hello "$(lxc storage get pool2 user.note)"
check "lxc storage unset" lxc storage unset pool2 user.note
check_eq "... gone" false "$(jget "$(api GET /1.0/storage-pools/pool2)" '"user.note" in d["metadata"]["config"]')"
out=$(lxc storage set pool2 source=/srv 2>&1)
check_match "source cannot be changed" 'Pool source cannot be changed' "$out"
out=$(lxc storage set pool2 rsync.bwlimit=10MB 2>&1)
check_match "rsync.* refused: no rsync here" 'Invalid option "rsync.bwlimit"' "$out"
out=$(lxc storage set pool2 bogus.key=1 2>&1)
check_match "an unknown key is LXD's Invalid option" 'Invalid option "bogus.key"' "$out"
check_eq "... nothing stored" '{}' "$(jget "$(api GET /1.0/storage-pools/pool2)" '{k: v for k, v in d["metadata"]["config"].items() if k != "source"}')"
check "lxc storage edit from stdin" sh -c "printf 'description: second\nconfig:\n  user.e: x\n' | timeout 60 /usr/bin/lxc storage edit pool2"
p2=$(api GET /1.0/storage-pools/pool2)
check_eq "... description and config PUT, source kept" "second x $P/pool2" \
	"$(jget "$p2" 'd["metadata"]["description"] + " " + d["metadata"]["config"]["user.e"] + " " + d["metadata"]["config"]["source"]')"
etag=$(curl -si --unix-socket "$MOAT_DIR/unix.socket" http://unix.socket/1.0/storage-pools/pool2 | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
check_match "GET sends an ETag" '^"?[0-9a-f]{64}"?$' "$etag"
check_eq "PUT with a stale If-Match: 412" 412 \
	"$(api_status PUT /1.0/storage-pools/pool2 -H 'If-Match: "0000"' -d '{"config":{},"description":""}')"
check_eq "PUT with its ETag: 200" 200 \
	"$(api_status PUT /1.0/storage-pools/pool2 -H "If-Match: $etag" -d '{"config":{"user.e":"y"},"description":"second"}')"
check_eq "PATCH merges the config" "y z" \
	"$(api PATCH /1.0/storage-pools/pool2 -d '{"config":{"user.f":"z"}}' >/dev/null; jget "$(api GET /1.0/storage-pools/pool2)" 'd["metadata"]["config"]["user.e"] + " " + d["metadata"]["config"]["user.f"]')"

# ---- refused creates leave nothing ------------------------------------------------------------
refused_create() { # WHAT BODY STATUS MESSAGE-RE NAME
	local body status
	body=$(api POST /1.0/storage-pools -d "$2")
	status=$(api_status POST /1.0/storage-pools -d "$2")
	check_eq "$1: $3" "$3" "$status"
	check_match "$1: the message" "$4" "$(jget "$body" 'd["error"]')"
	check_eq "$1: no row" 404 "$(api_status GET "/1.0/storage-pools/$5")"
	check_fails "$1: no directory" test -e "$P/$5"
}
refused_create "driver zfs" '{"name":"p3","driver":"zfs"}' 400 'Unsupported storage pool driver "zfs": this server supports "dir"' p3
refused_create "driver lvm" '{"name":"p3","driver":"lvm"}' 400 'supports "dir", "btrfs"$' p3
refused_create "a btrfs pool too small" '{"name":"p3","driver":"btrfs","config":{"size":"1MiB"}}' 400 \
	'Invalid value for option "size"' p3
refused_create "no driver" '{"name":"p3"}' 400 '^No driver provided$' p3
refused_create "source elsewhere" '{"name":"p4","driver":"dir","config":{"source":"/tmp"}}' 400 \
	"only moatd's own directory of the pool .* is supported yet" p4
refused_create "an unknown key" '{"name":"p5","driver":"dir","config":{"foo":"bar"}}' 400 '^Invalid option "foo"$' p5
refused_create "volume.* (no custom volumes yet)" '{"name":"p5","driver":"dir","config":{"volume.size":"1GiB"}}' 400 \
	'custom volumes are not supported' p5
refused_create "a name with a dot" '{"name":"a.b","driver":"dir"}' 400 'Invalid storage pool name' a.b
check_eq "a name with a slash: 400, LXD's words" "Storage pool names may not contain slashes" \
	"$(jget "$(api POST /1.0/storage-pools -d '{"name":"a/b","driver":"dir"}')" 'd["error"]')"
out=$(lxc storage create p3 zfs 2>&1)
check_match "lxc storage create p3 zfs fails with the server's words" 'Unsupported storage pool driver' "$out"
out=$(lxc storage create p4 dir source=/srv 2>&1)
check_match "lxc storage create p4 dir source=/srv fails" "only moatd's own directory" "$out"

# ---- instances on pool2 ---------------------------------------------------------------------------
check "lxc launch bb c1 -s pool2" lxc launch bb c1 -s pool2
check "... its rootfs is under storage-pools/pool2" test -x "$P/pool2/containers/c1/rootfs/bin/busybox"
check_fails "... and not under the default pool" test -e "$P/default/containers/c1"
check_eq "... it runs" Running "$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["status"]')"
check_eq "... its root disk names pool2" pool2 \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["expanded_devices"]["root"]["pool"]')"
check "a file pushed into it lands in pool2's tree" lxc file push /etc/hostname c1/root/pushed
check "... there" test -f "$P/pool2/containers/c1/rootfs/root/pushed"
check_eq "lxc exec works on it" ok "$(lxc exec c1 -- echo ok)"
check "lxc profile create pp" lxc profile create pp
check "pp's root disk on pool2" lxc profile device add pp root disk path=/ pool=pool2
check "lxc launch bb c2 -p pp (the profile's root disk)" lxc launch bb c2 -p pp
check "... its rootfs is under storage-pools/pool2" test -x "$P/pool2/containers/c2/rootfs/bin/busybox"
fp=$(jget "$(api GET /1.0/images/aliases/bb)" 'd["metadata"]["target"]')
check_eq "used_by: both instances, the image unpacked in it, the profile, sorted" \
	"[\"/1.0/images/$fp\", \"/1.0/instances/c1\", \"/1.0/instances/c2\", \"/1.0/profiles/pp\"]" \
	"$(jget "$(api GET /1.0/storage-pools/pool2)" 'd["metadata"]["used_by"]')"
check_match "lxc storage list counts 4" "^pool2,dir,$P/pool2,second,4,CREATED\$" "$(lxc storage list --format csv)"
info=$(lxc storage info pool2)
check_match "lxc storage info: the users by kind" 'instances:' "$info"
check_match "... c1 among them" '^  - c1$' "$info"
check_match "... and the image" "^  - $fp\$" "$info"
check_match "... total space" '^  total space: [0-9.]+[KMGT]iB$' "$info"

out=$(lxc storage delete pool2 2>&1)
check_match "lxc storage delete pool2 refused while used" 'The storage pool is currently in use' "$out"
check_eq "... a 400" 400 "$(api_status DELETE /1.0/storage-pools/pool2)"
check "... the pool and its trees stay" test -x "$P/pool2/containers/c1/rootfs/bin/busybox"
out=$(lxc storage delete default 2>&1)
check_match "the default pool (the default profile's root disk) neither" 'currently in use' "$out"

out=$(lxc config device add c2 root disk path=/ pool=default 2>&1)
check_match "a root disk moved to another pool by an update: refused" 'can only be changed through move' "$out"
out=$(lxc profile device set pp root pool default 2>&1)
check_match "... nor by its profile" 'can only be changed through move' "$out"
check_eq "... pp still on pool2" pool2 "$(jget "$(api GET /1.0/profiles/pp)" 'd["metadata"]["devices"]["root"]["pool"]')"

out=$(lxc launch bb c3 -s nosuch 2>&1)
check_match "lxc launch -s a pool that is not there fails" 'not found' "$out"
body='{"name":"c3","source":{"type":"image","alias":"bb"},"devices":{"root":{"type":"disk","path":"/","pool":"nosuch"}}}'
check_eq "POST /1.0/instances with a root disk on a missing pool: 404" 404 "$(api_status POST /1.0/instances -d "$body")"
check_match "... LXD's words" 'Failed to get storage pool "nosuch": Storage pool not found' \
	"$(jget "$(api POST /1.0/instances -d "$body")" 'd["error"]')"
check_eq "... no instance row" 404 "$(api_status GET /1.0/instances/c3)"
check_fails "... no tree in any pool" bash -c "ls -d $P/*/containers/c3"
check_eq "without a root disk at all: 400" 400 \
	"$(api_status POST /1.0/instances -d '{"name":"c3","source":{"type":"image","alias":"bb"},"profiles":[]}')"

# ---- resources ------------------------------------------------------------------------------------
res=$(api GET /1.0/storage-pools/pool2/resources)
want=$(/usr/bin/python3 -c 'import os,sys; v=os.statvfs(sys.argv[1]); print(v.f_blocks*v.f_frsize, v.f_files)' "$P/pool2")
check_eq "resources: total space and inodes are statvfs's of its directory" "$want" \
	"$(jget "$res" '"%d %d" % (d["metadata"]["space"]["total"], d["metadata"]["inodes"]["total"])')"
check_eq "resources: used space and inodes plausible (0 < used <= total)" true \
	"$(jget "$res" 'all(0 < d["metadata"][k]["used"] <= d["metadata"][k]["total"] for k in ("space", "inodes"))')"
check_match "lxc storage info --bytes: total space in bytes" "^  total space: \"?${want%% *}\"?\$" "$(lxc storage info pool2 --bytes)"
check_match "lxc storage show --resources" '^  total: [0-9]+$' "$(lxc storage show pool2 --resources)"
check_eq "resources of a missing pool: 404" 404 "$(api_status GET /1.0/storage-pools/nosuch/resources)"

# ---- delete once unused ------------------------------------------------------------------------------
check "delete c1 and c2" lxc delete -f c1 c2
check_fails "... their trees are gone from pool2" bash -c "ls -d $P/pool2/containers/c1 $P/pool2/containers/c2"
check_eq "used_by: the profile and the image" "[\"/1.0/images/$fp\", \"/1.0/profiles/pp\"]" \
	"$(jget "$(api GET /1.0/storage-pools/pool2)" 'd["metadata"]["used_by"]')"
check_match "still used by the profile" 'currently in use' "$(lxc storage delete pool2 2>&1)"
check "lxc profile delete pp" lxc profile delete pp
check_eq "lxc storage delete pool2" "Storage pool pool2 deleted" "$(lxc storage delete pool2 2>&1)"
check_fails "... its directory is gone" test -e "$P/pool2"
check_eq "... and its row (the image's unpacked tree did not keep it, as LXD)" 404 "$(api_status GET /1.0/storage-pools/pool2)"

# ---- pylxd --------------------------------------------------------------------------------------
py=$(/usr/bin/python3 - 2>&1 <<'EOF'
import warnings
warnings.simplefilter("ignore")
import pylxd
c = pylxd.Client()
print("all", sorted(p.name for p in c.storage_pools.all()))
p = c.storage_pools.create({"name": "py1", "driver": "dir", "config": {"user.k": "v"}})
p = c.storage_pools.get("py1")
print("get", p.driver, p.config["user.k"], p.config["source"].endswith("/storage-pools/py1"), p.status)
print("exists", c.storage_pools.exists("py1"))
p.description = "via save"
p.config["user.k"] = "w"
p.save()
p = c.storage_pools.get("py1")
print("saved", p.description, p.config["user.k"])
r = p.resources.get()
print("resources", r.space["total"] > 0, r.inodes["total"] > 0)
try:
    c.storage_pools.create({"name": "py2", "driver": "lvm"})
    print("lvm created")
except pylxd.exceptions.LXDAPIException as e:
    print("refused", e)
c.storage_pools.get("py1").delete()
print("gone", c.storage_pools.exists("py1"))
EOF
)
check_match "pylxd: storage_pools.all()" "all \['default'\]" "$py"
check_match "pylxd: create and get" 'get dir v True Created' "$py"
check_match "pylxd: exists" 'exists True' "$py"
check_match "pylxd: save (PUT)" 'saved via save w' "$py"
check_match "pylxd: resources.get()" 'resources True True' "$py"
check_match "pylxd: a bad driver refused" 'refused Unsupported storage pool driver "lvm"' "$py"
check_match "pylxd: delete" 'gone False' "$py"
check_fails "... its directory is gone" test -e "$P/py1"

# ---- moat storage --------------------------------------------------------------------------------
check_eq "moat storage create p7 dir" "Storage pool p7 created" "$(moat storage create p7 dir user.a=1 2>&1)"
check "... its directory" test -d "$P/p7"
check_eq "moat storage list is lxc's" "$(lxc storage list --format csv)" "$(moat storage list --format csv)"
check_eq "moat storage list (table) is lxc's" "$(lxc storage list)" "$(moat storage list)"
check_eq "moat storage show is lxc's" "$(lxc storage show p7)" "$(moat storage show p7)"
check_eq "moat storage get" 1 "$(moat storage get p7 user.a)"
check "moat storage set" moat storage set p7 user.b=2
check_eq "... lxc sees it" 2 "$(lxc storage get p7 user.b)"
check "moat storage unset" moat storage unset p7 user.b
check_eq "... gone" "" "$(lxc storage get p7 user.b)"
check_fails "moat storage set source fails" moat storage set p7 source=/srv
check "moat storage edit from stdin" sh -c "printf 'description: seven\nconfig:\n  user.a: \"1\"\n' | timeout 60 '$M' storage edit p7"
check_eq "... stored" seven "$(jget "$(api GET /1.0/storage-pools/p7)" 'd["metadata"]["description"]')"
check_eq "moat storage show --resources is lxc's" "$(lxc storage show p7 --resources | sed 's/[0-9]//g')" \
	"$(moat storage show p7 --resources | sed 's/[0-9]//g')"
check_eq "moat storage info is lxc's (sizes aside)" "$(lxc storage info p7 | grep -v space)" "$(moat storage info p7 | grep -v space)"
check "moat launch bb c4 -s p7" moat launch bb c4 -s p7
check "... its rootfs is under storage-pools/p7" test -x "$P/p7/containers/c4/rootfs/bin/busybox"
check_eq "moat storage info lists it, as lxc" "$(lxc storage info p7 | grep -v space)" "$(moat storage info p7 | grep -v space)"
check_fails "moat storage delete p7 fails while used" moat storage delete p7
check_fails "moat storage create p8 zfs fails" moat storage create p8 zfs
check_eq "... no row" 404 "$(api_status GET /1.0/storage-pools/p8)"
check "moat delete -f c4" moat delete -f c4
check_eq "moat storage delete p7" "Storage pool p7 deleted" "$(moat storage delete p7 2>&1)"
check_fails "... its directory is gone" test -e "$P/p7"

# ---- the pools and the instances' pools survive a restart of the frontend -------------------------
check "moat storage create p9 dir" moat storage create p9 dir
check "lxc init bb c5 -s p9" lxc init bb c5 -s p9
kill "$(frontend_pid)"
wait_api 20
check_eq "after a new frontend: p9 is there, used by its image and c5" "[\"/1.0/images/$fp\", \"/1.0/instances/c5\"]" \
	"$(jget "$(api GET /1.0/storage-pools/p9)" 'd["metadata"]["used_by"]')"
check "lxc start c5 (its pool from its row)" lxc start c5
check_eq "... running from pool p9" ok "$(lxc exec c5 -- sh -c 'test -x /bin/busybox && echo ok')"
check "lxc delete -f c5" lxc delete -f c5
check_fails "... its tree is gone from p9" test -e "$P/p9/containers/c5"
check "moat storage delete p9" moat storage delete p9

finish
