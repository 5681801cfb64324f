#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instance copy (POST /1.0/instances, source.type "copy"; LXD-API.md §11)
# through the stock lxc client, pylxd and moat: the copy's files are the
# source's, it is stopped, its volatile keys are new (base image kept, a
# new MAC), the hostname template runs at its first start, a running
# source is copied and keeps running, the answers to a taken name (409)
# and a missing source (404), and a copy that fails (a name taken in the
# pool or by liblxc, a source without its tree, moatd killed mid-copy)
# leaves no row and no tree.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image
POOL=$MOAT_DIR/storage-pools/default

cfg() { timeout 30 lxc config get "$1" "$2"; }
status() { timeout 30 lxc list "^$1\$" --format csv -c s; }
# no_trace NAME: no row, no tree, no liblxc directory, no staged leftover
no_trace() {
	[ "$(api_status GET "/1.0/instances/$1")" = 404 ] && [ ! -e "$POOL/containers/$1" ] &&
		[ ! -e "$POOL/containers-snapshots/$1" ] && [ ! -e "$MOAT_DIR/containers/$1" ] &&
		! ls -a "$POOL/containers" "$POOL/containers-snapshots" 2>/dev/null | grep -q "^\.$1\."
}
# op_of JSON: wait for the operation of an async answer, print its final form
op_of() { api GET "$(jget "$1" 'd["operation"]')/wait?timeout=60"; }

# ---- a running source with a nic ----------------------------------------------------
check "a profile with a p2p nic" timeout 30 lxc profile create nicp
check "its nic" timeout 30 lxc profile device add nicp eth0 nic nictype=p2p
check "lxc launch bb c1 with it" timeout 120 lxc launch bb c1 -p default -p nicp
check "a file in c1" timeout 30 lxc exec c1 -- sh -c 'echo from-c1 >/root/f1 && mkdir -p /srv/d && ln -s ../root/f1 /srv/d/l'
check "user.k on c1" timeout 30 lxc config set c1 user.k=v1
c1_pid=$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["pid"]')
c1_mac=$(cfg c1 volatile.eth0.hwaddr)
check_match "c1 has a hwaddr of its own" '^00:16:3e:' "$c1_mac"

# ---- lxc copy of a running instance -----------------------------------------------------
check "lxc copy c1 c2 (c1 running)" timeout 120 lxc copy c1 c2
check_eq "c1 still runs after its copy" RUNNING "$(status c1)"
check_eq "with the same init (it was frozen and thawed, not restarted)" "$c1_pid" \
	"$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["pid"]')"
check "c1 still answers an exec" timeout 30 lxc exec c1 -- true
check_eq "the copy is created stopped" STOPPED "$(status c2)"
check_eq "c2 keeps volatile.base_image" "$(cfg c1 volatile.base_image)" "$(cfg c2 volatile.base_image)"
check_eq "c2 has its config keys" v1 "$(cfg c2 user.k)"
check_eq "c2 has c1's profiles" "default nicp" \
	"$(jget "$(api GET /1.0/instances/c2)" '" ".join(d["metadata"]["profiles"])')"
check_eq "c2's copy templates are pending" copy "$(cfg c2 volatile.apply_template)"
check_eq "c2 is recorded stopped" STOPPED "$(cfg c2 volatile.last_state.power)"
c2_mac=$(cfg c2 volatile.eth0.hwaddr)
check_match "c2 got a hwaddr of its own at create" '^00:16:3e:' "$c2_mac"
check_fails "not c1's ($c1_mac)" test "$c1_mac" = "$c2_mac"
check_fails "nor c1's host end" test "$(cfg c1 volatile.eth0.host_name)" = "$(cfg c2 volatile.eth0.host_name)"
check "c2's tree is in the pool" test -d "$POOL/containers/c2/rootfs/root"
check "lxc start c2" timeout 120 lxc start c2
check_eq "c2 has c1's file" from-c1 "$(timeout 30 lxc exec c2 -- cat /root/f1)"
check_eq "and its symlink" ../root/f1 "$(timeout 30 lxc exec c2 -- readlink /srv/d/l)"
check_eq "the hostname template ran: c2's /etc/hostname is its own name" c2 \
	"$(timeout 30 lxc exec c2 -- cat /etc/hostname)"
check_eq "c2 runs under that name" c2 "$(timeout 30 lxc exec c2 -- hostname)"
check_eq "c1's /etc/hostname is still c1" c1 "$(timeout 30 lxc exec c1 -- cat /etc/hostname)"
check_eq "the pending trigger is gone after the first start" "" "$(cfg c2 volatile.apply_template)"
check_eq "c2's eth0 has the new hwaddr" "$c2_mac" "$(timeout 30 lxc exec c2 -- cat /sys/class/net/eth0/address)"
check "a change in c2" timeout 30 lxc exec c2 -- sh -c 'echo from-c2 >/root/f1'
check_eq "does not reach c1" from-c1 "$(timeout 30 lxc exec c1 -- cat /root/f1)"

# ---- the answers -----------------------------------------------------------------------------
check "lxc copy c1 c4 --instance-only" timeout 120 lxc copy c1 c4 --instance-only
check_eq "c4 is there, stopped" STOPPED "$(status c4)"
out=$(timeout 60 lxc copy c1 c2 2>&1)
check_match "lxc copy onto a taken name fails as LXD" 'Instance "c2" already exists' "$out"
copy_body() { printf '{"name":"%s","source":{"type":"copy","source":"%s"}}' "$1" "$2"; }
check_eq "POST copy onto a taken name: 409" 409 \
	"$(api_status POST /1.0/instances -d "$(copy_body c2 c1)")"
check_eq "POST copy of an instance onto itself: 409" 409 \
	"$(api_status POST /1.0/instances -d "$(copy_body c1 c1)")"
check_eq "POST copy of a missing source: 404" 404 \
	"$(api_status POST /1.0/instances -d "$(copy_body c9 nope)")"
check_match "its message" '"error":"Instance not found"' \
	"$(api POST /1.0/instances -d "$(copy_body c9 nope)")"
check_match "lxc copy of a missing source says so" 'not found' "$(timeout 60 lxc copy nope c9 2>&1)"
check "and leaves no c9" no_trace c9
check_eq "POST copy without a source: 400" 400 \
	"$(api_status POST /1.0/instances -d '{"name":"c9","source":{"type":"copy"}}')"
check_eq "POST copy with a bad target name: 400" 400 \
	"$(api_status POST /1.0/instances -d "$(copy_body 'bad_name!' c1)")"
check "none of them left c9" no_trace c9
r=$(api POST /1.0/instances -d "$(copy_body c3 c1)")
check_eq "the copy is an async \"Creating instance\"" "async Creating instance" \
	"$(jget "$r" 'd["type"]+" "+d["metadata"]["description"]')"
check_eq "whose resources name both" "/1.0/instances/c3 /1.0/instances/c1" \
	"$(jget "$r" '" ".join(d["metadata"]["resources"]["instances"])')"
check_eq "it succeeds" Success "$(jget "$(op_of "$r")" 'd["metadata"]["status"]')"

# ---- a copy that fails leaves nothing -------------------------------------------------------
# a tree of that name in the pool (no row): moatd refuses to replace it
mkdir -p "$POOL/containers/cx/rootfs" && echo mine >"$POOL/containers/cx/marker"
r=$(op_of "$(api POST /1.0/instances -d "$(copy_body cx c1)")")
check_eq "a copy onto a tree the pool already has fails" Failure "$(jget "$r" 'd["metadata"]["status"]')"
check_match "with moatd's reason" 'Failed copying the instance.s storage: .*already exists' \
	"$(jget "$r" 'd["metadata"]["err"]')"
check_eq "no row is left" 404 "$(api_status GET /1.0/instances/cx)"
check_eq "the tree that was there is untouched" mine "$(cat "$POOL/containers/cx/marker")"
check_fails "no liblxc directory is left" test -e "$MOAT_DIR/containers/cx"
check_eq "no staged copy is left" "" "$(ls -a "$POOL/containers" | grep '^\.cx\.')"
rm -rf "$POOL/containers/cx"
# a liblxc directory of that name (no row): refused before any tree is made
mkdir "$MOAT_DIR/containers/cy"
r=$(op_of "$(api POST /1.0/instances -d "$(copy_body cy c1)")")
check_eq "a copy onto a taken liblxc directory fails" Failure "$(jget "$r" 'd["metadata"]["status"]')"
check_eq "no row is left" 404 "$(api_status GET /1.0/instances/cy)"
check_fails "no tree is made" test -e "$POOL/containers/cy"
rmdir "$MOAT_DIR/containers/cy"
# a source whose tree is gone (its row is there): the copy fails, nothing is left
check "c5 from c4" timeout 120 lxc copy c4 c5
mv "$POOL/containers/c5/rootfs" "$POOL/containers/c5/rootfs.away"
r=$(op_of "$(api POST /1.0/instances -d "$(copy_body c6 c5)")")
check_eq "a copy of a source without its tree fails" Failure "$(jget "$r" 'd["metadata"]["status"]')"
check "and leaves no c6" no_trace c6
mv "$POOL/containers/c5/rootfs.away" "$POOL/containers/c5/rootfs"
check "c6 can then be made" timeout 120 lxc copy c5 c6
check "and it starts" timeout 120 lxc start c6
check_eq "its hostname is its own" c6 "$(timeout 30 lxc exec c6 -- cat /etc/hostname)"

# moatd killed (-9) mid-copy, its frontend with it: once it is started again
# neither the row nor a tree of the copy is left (the frontend sweeps the
# unfinished instance, moatd the staged tree)
dd if=/dev/zero of="$POOL/containers/c4/rootfs/root/big" bs=1M count=1500 status=none
api POST /1.0/instances -d "$(copy_body k1 c4)" >/dev/null
staged() { ls -a "$POOL/containers" | grep -q '^\.k1\.'; }
if eventually 30 staged; then
	# the op worker copying (moatd's child but its frontend) outlives moatd
	old_workers=$(pgrep -P "$MOATD_PID" | grep -vx "$(frontend_pid)")
	check "moatd's op worker is copying" test -n "$old_workers"
	kill -9 "$MOATD_PID"
	check "the frontend goes with moatd" eventually 10 sh -c "! pgrep -x moatd-api -P $MOATD_PID"
	daemon_start
	check "moatd started again answers" wait_api 10
	gone() { for p in $old_workers; do ! kill -0 "$p" 2>/dev/null || return 1; done; }
	check "the killed moatd's copy worker ends" eventually 120 gone
	check "neither the row nor a tree of the killed copy is left" eventually 30 no_trace k1
	check "the name can be used again" timeout 120 lxc copy c4 k1 --instance-only
	check_eq "and that copy is whole" 1572864000 "$(stat -c %s "$POOL/containers/k1/rootfs/root/big")"
	check "k1 deleted" timeout 60 lxc delete k1
else
	not_ok "the copy of a 1.5 GB tree was never seen staged"
fi
rm -f "$POOL/containers/c4/rootfs/root/big"

# into another pool: lxc's --storage gives the copy a root disk there
check "a second pool" timeout 60 lxc storage create p2 dir
check "lxc copy c4 cp1 --storage p2" timeout 120 lxc copy c4 cp1 --storage p2
check "cp1's tree is in p2" test -d "$MOAT_DIR/storage-pools/p2/containers/cp1/rootfs/root"
check_fails "not in the default pool" test -e "$POOL/containers/cp1"
check "cp1 starts from p2" timeout 120 lxc start cp1
check_eq "its hostname is its own" cp1 "$(timeout 30 lxc exec cp1 -- cat /etc/hostname)"
check "cp1 deleted" timeout 60 lxc delete -f cp1
check_fails "and its tree with it" test -e "$MOAT_DIR/storage-pools/p2/containers/cp1"

# ---- pylxd --------------------------------------------------------------------------------------
cat >"$T/pylxd_copy.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd

def check(desc, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + "81-copy: pylxd: " + desc + ("" if cond else ": " + str(detail)))

c = pylxd.Client()
src = c.containers.get("c1")
ct = c.containers.create({"name": "p1", "source": {"type": "copy", "source": "c1"}}, wait=True)
check("containers.create with source copy", ct.name == "p1", ct.name)
ct = c.containers.get("p1")
check("the copy is stopped", ct.status == "Stopped", ct.status)
check("with the source's profiles (the request named none)", ct.profiles == src.profiles, ct.profiles)
check("and its config keys", ct.config.get("user.k") == "v1", ct.config)
check("volatile.base_image kept", ct.config.get("volatile.base_image") == src.config.get("volatile.base_image"), ct.config)
check("a new hwaddr", ct.config.get("volatile.eth0.hwaddr") not in (None, src.config.get("volatile.eth0.hwaddr")), ct.config)
try:
    c.containers.create({"name": "p1", "source": {"type": "copy", "source": "c1"}}, wait=True)
    check("a copy onto p1 again is refused", False)
except pylxd.exceptions.LXDAPIException as e:
    check("a copy onto p1 again is refused", "already exists" in str(e), e)
ct.start(wait=True)
r = ct.execute(["cat", "/etc/hostname"])
check("its hostname is p1 at its first start", r.stdout == "p1\n", repr(r.stdout))
r = ct.execute(["cat", "/root/f1"])
check("and it has c1's file", r.stdout == "from-c1\n", repr(r.stdout))
ct.stop(wait=True)
PY
/usr/bin/python3 "$T/pylxd_copy.py" 2>&1 | tee "$T/pylxd.out" | sed 's/^Traceback/# Traceback/'
grep -q '^not ok' "$T/pylxd.out" && FAILED=1
check_eq "the pylxd script ran to its end" 9 "$(grep -c '^ok' "$T/pylxd.out")"

# ---- moat ------------------------------------------------------------------------------------------
check "moat copy c1 m1" "$B/moat" copy c1 m1
check_eq "m1 is stopped" STOPPED "$(status m1)"
check_eq "m1 keeps the base image" "$(cfg c1 volatile.base_image)" "$(cfg m1 volatile.base_image)"
check "moat copy c1 m2 --instance-only" "$B/moat" copy c1 m2 --instance-only
check_eq "m2 is there" STOPPED "$(status m2)"
check_match "moat copy onto a taken name: lxc's message" 'Instance "m1" already exists' \
	"$("$B/moat" copy c1 m1 2>&1)"
check_match "moat copy of a missing source" 'not found' "$("$B/moat" copy nope m9 2>&1)"
check "moat start m1" "$B/moat" start m1
check_eq "m1's hostname is its own" m1 "$(timeout 30 lxc exec m1 -- cat /etc/hostname)"

# ---- snapshots: copied with the instance, or not; a copy from one -------------------------
snaps() { jget "$(api GET "/1.0/instances/$1/snapshots")" '" ".join(u.rsplit("/", 1)[1] for u in d["metadata"])'; }
check "lxc snapshot c1 s1 (running)" timeout 60 lxc snapshot c1 s1
check "a change in c1 after s1" timeout 30 lxc exec c1 -- sh -c 'echo after-s1 >/root/f1'
check "and of its config" timeout 30 lxc config set c1 user.k=v2
check "lxc snapshot c1 s2" timeout 60 lxc snapshot c1 s2
check "lxc copy c1 s7 (with its snapshots)" timeout 120 lxc copy c1 s7
check_eq "s7 has c1's snapshots, in their order" "s1 s2" "$(snaps s7)"
check_eq "s7's s1 tree is c1 as it was at s1" from-c1 "$(cat "$POOL/containers-snapshots/s7/s1/rootfs/root/f1")"
check_eq "s7's s2 tree is c1 as it was at s2" after-s1 "$(cat "$POOL/containers-snapshots/s7/s2/rootfs/root/f1")"
check_eq "s7 itself is c1 now" after-s1 "$(cat "$POOL/containers/s7/rootfs/root/f1")"
check_eq "c1 keeps its own snapshots" "s1 s2" "$(snaps c1)"
check_match "lxc info s7 lists them" 's2 +\|' "$(timeout 30 lxc info s7)"
check "lxc copy c1 s8 --instance-only" timeout 120 lxc copy c1 s8 --instance-only
check_eq "s8 has no snapshot" "" "$(snaps s8)"
check_fails "nor any snapshot tree" test -e "$POOL/containers-snapshots/s8"
check "lxc copy c1/s1 s9" timeout 120 lxc copy c1/s1 s9
check_eq "s9 has no snapshot (a snapshot's copy has none, as LXD's)" "" "$(snaps s9)"
check_eq "s9 has the config c1 had at s1 (user.k)" v1 "$(cfg s9 user.k)"
check_eq "s7 the config c1 has now" v2 "$(cfg s7 user.k)"
check "lxc start s9" timeout 120 lxc start s9
check_eq "s9 has c1's file as it was at s1" from-c1 "$(timeout 30 lxc exec s9 -- cat /root/f1)"
check_eq "the hostname template ran in a copy of a snapshot" s9 \
	"$(timeout 30 lxc exec s9 -- cat /etc/hostname)"
check_eq "POST copy of a missing snapshot: 404" 404 \
	"$(api_status POST /1.0/instances -d "$(copy_body s10 c1/nope)")"
check_match "lxc copy of a missing snapshot says so" 'not found' "$(timeout 60 lxc copy c1/nope s10 2>&1)"
check "and leaves no s10" no_trace s10
# s2's tree gone: the copy fails after the instance's tree and s1's: nothing of it is left
mv "$POOL/containers-snapshots/c1/s2" "$T/s2.away"
r=$(op_of "$(api POST /1.0/instances -d "$(copy_body s10 c1)")")
check_eq "a copy whose second snapshot has no tree fails" Failure "$(jget "$r" 'd["metadata"]["status"]')"
check_match "naming that snapshot" 'Failed copying snapshot "s2"' "$(jget "$r" 'd["metadata"]["err"]')"
check "and leaves no row, tree or snapshot tree of s10" no_trace s10
mv "$T/s2.away" "$POOL/containers-snapshots/c1/s2"
check "moat copy c1/s1 m3" "$B/moat" copy c1/s1 m3
check_eq "m3's file is s1's" from-c1 "$(cat "$POOL/containers/m3/rootfs/root/f1")"
check "moat copy c1 m4" "$B/moat" copy c1 m4
check_eq "m4 has c1's snapshots" "s1 s2" "$(snaps m4)"
check "moat copy c1 m5 --instance-only" "$B/moat" copy c1 m5 --instance-only
check_eq "m5 has none" "" "$(snaps m5)"
check "moat move m5 m6 (a rename)" "$B/moat" move m5 m6
check_eq "m6 is there" STOPPED "$(status m6)"
check_eq "m5 is not" 404 "$(api_status GET /1.0/instances/m5)"
check_match "moat move of a running instance: the server's refusal" 'unning' \
	"$("$B/moat" move c1 c1b 2>&1)"
check_eq "c1 kept its name" RUNNING "$(status c1)"
cat >"$T/pylxd_snap.py" <<'PY'
import warnings
warnings.simplefilter("ignore")
import pylxd
c = pylxd.Client()
ct = c.containers.create({"name": "p2", "source": {"type": "copy", "source": "c1/s1"}}, wait=True)
print(ct.name, c.containers.get("p2").status, len(c.containers.get("p2").snapshots.all()))
PY
check_eq "pylxd: a copy of c1/s1, stopped, with no snapshot" "p2 Stopped 0" \
	"$(/usr/bin/python3 "$T/pylxd_snap.py" 2>&1)"
check_eq "with s1's file" from-c1 "$(cat "$POOL/containers/p2/rootfs/root/f1")"

# ---- refresh: an existing copy brought up to date, its own snapshots kept ------------------
check "a new file in c1" timeout 30 lxc exec c1 -- sh -c 'echo refreshed >/root/f2'
check "lxc snapshot c1 s3" timeout 60 lxc snapshot c1 s3
check "c1's config changes again" timeout 30 lxc config set c1 user.k=v3
check "a snapshot of s8's own" timeout 60 lxc snapshot s8 own
check "lxc copy c1 s8 --refresh" timeout 120 lxc copy c1 s8 --refresh
check_eq "s8's rootfs is c1's as it is now" "after-s1 refreshed" \
	"$(cat "$POOL/containers/s8/rootfs/root/f1" "$POOL/containers/s8/rootfs/root/f2" | tr '\n' ' ' | sed 's/ $//')"
check_eq "s8 got the snapshots it lacked and kept its own" "own s1 s2 s3" "$(snaps s8)"
check_eq "with their trees" from-c1 "$(cat "$POOL/containers-snapshots/s8/s1/rootfs/root/f1")"
check_eq "lxc then gives s8 c1's config, as lxc's refresh does" v3 "$(cfg s8 user.k)"
check_eq "no temporary snapshot is left" "" \
	"$(ls "$POOL/containers-snapshots/c1" "$POOL/containers-snapshots/s8" | grep refresh)"
check_eq "c1's snapshots are unchanged" "s1 s2 s3" "$(snaps c1)"
check_eq "s9 runs" RUNNING "$(status s9)"
r=$(api POST /1.0/instances -d '{"name":"s9","source":{"type":"copy","source":"c1","refresh":true}}')
check_match "a refresh of a running instance: LXD's 400" '"error_code":400.*Cannot refresh a running instance' "$r"
check_eq "which left it running" RUNNING "$(status s9)"
check "s8 is given a key of its own" timeout 30 lxc config set s8 user.k=mine
check "a file of s8's own" sh -c "echo mine >'$POOL/containers/s8/rootfs/root/f3'"
r=$(op_of "$(api POST /1.0/instances -d '{"name":"s8","source":{"type":"copy","source":"c1/s1","refresh":true}}')")
check_eq "POST refresh of s8 from c1/s1 succeeds" Success "$(jget "$r" 'd["metadata"]["status"]')"
check_fails "s8's rootfs is s1's now (no f2)" test -e "$POOL/containers/s8/rootfs/root/f2"
check_fails "nor its own file (the rootfs is replaced)" test -e "$POOL/containers/s8/rootfs/root/f3"
check_eq "its snapshots are all still there" "own s1 s2 s3" "$(snaps s8)"
check_eq "the server's refresh leaves its config" mine "$(cfg s8 user.k)"
check_match "moat copy --refresh from a snapshot: lxc's refusal" 'can only be used with instances' \
	"$("$B/moat" copy c1/s1 s8 --refresh 2>&1)"
check "moat copy c1 s8 --refresh" "$B/moat" copy c1 s8 --refresh
check_eq "the rootfs is c1's again" refreshed "$(cat "$POOL/containers/s8/rootfs/root/f2")"
check_eq "and moat gave it c1's config, as lxc" v3 "$(cfg s8 user.k)"
check "lxc copy c1 r1 --refresh onto no instance is a copy" timeout 120 lxc copy c1 r1 --refresh
check_eq "r1 has c1's snapshots" "s1 s2 s3" "$(snaps r1)"

check_eq "c1 ran throughout" RUNNING "$(status c1)"
finish
