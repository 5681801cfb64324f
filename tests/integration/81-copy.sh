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

check_eq "c1 ran throughout" RUNNING "$(status c1)"
finish
