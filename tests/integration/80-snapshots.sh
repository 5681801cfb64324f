#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instance snapshots, restore and rename on the dir pool, through Debian's
# stock lxc client, pylxd and moat: a snapshot of a running instance, a
# file changed and read back from the restored rootfs (lxc exec and lxc
# file pull), config and profiles restored, the instance stopped and
# started again around it; LXD's object shape, ETag, expires_at the only
# field a PUT may change, unnamed snapshots snap0, snap1 ...; bad names
# and --stateful refused with nothing created; rename of a snapshot and of
# an instance (refused while running; the rows, trees, liblxc directory
# and exec logs follow); delete of a snapshot and of an instance (its
# snapshots' rows and trees go with it); snapshots.pattern naming an
# unnamed snapshot, snapshots.schedule taking one within a minute (a
# stopped instance only with snapshots.schedule.stopped), snapshots.expiry
# setting expires_at and the expired one removed, seen by lxc monitor.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image
export MOAT_CONF=$T/moat-config.yml
M=$B/moat
moat() { timeout 120 "$M" "$@" </dev/null; }
POOL=$MOAT_DIR/storage-pools/default
snaps() { jget "$(api GET "/1.0/instances/$1/snapshots")" '" ".join(u.rsplit("/",1)[1] for u in d["metadata"])'; }
in_c() { timeout 30 lxc exec "$1" -- "${@:2}"; }
has_snap() { snaps "$1" | tr ' ' '\n' | grep -qx -- "$2"; }

# ---- a snapshot of a running instance ---------------------------------------------
check "launch c1" timeout 120 lxc launch bb c1
check "profile p1 with a key" timeout 30 lxc profile create p1
check "c1's own key before the snapshot" timeout 30 lxc config set c1 user.k=before
check "a file before the snapshot" in_c c1 sh -c 'echo before >/root/f.txt'
check "lxc snapshot c1 s1 (running)" timeout 60 lxc snapshot c1 s1
check_eq "GET .../snapshots lists it" '["/1.0/instances/c1/snapshots/s1"]' \
	"$(jget "$(api GET /1.0/instances/c1/snapshots)" 'd["metadata"]')"
check_eq "pylxd's prefix lists it under /1.0/containers" '["/1.0/containers/c1/snapshots/s1"]' \
	"$(jget "$(api GET /1.0/containers/c1/snapshots)" 'd["metadata"]')"
obj=$(api GET /1.0/instances/c1/snapshots/s1)
check_eq "the object: bare name, size -1, never expires, stateless" \
	's1 -1 0001-01-01T00:00:00Z False' \
	"$(jget "$obj" '" ".join(str(d["metadata"][k]) for k in ("name","size","expires_at","stateful"))')"
check_eq "its fields in LXD's order" \
	'expires_at architecture config created_at devices ephemeral expanded_config expanded_devices last_used_at name profiles stateful size' \
	"$(jget "$obj" '" ".join(d["metadata"].keys())')"
check_eq "its config and profiles as they were" 'before ["default"]' \
	"$(jget "$obj" 'd["metadata"]["config"]["user.k"] + " " + json.dumps(d["metadata"]["profiles"])')"
check_eq "its expanded devices have the root disk" 'disk' \
	"$(jget "$obj" 'd["metadata"]["expanded_devices"]["root"]["type"]')"
check "the snapshot's tree holds the file" grep -qx before "$POOL/containers-snapshots/c1/s1/rootfs/root/f.txt"
check_match "GET of a snapshot carries an ETag" '^[Ee][Tt]ag: "[0-9a-f]{64}"' \
	"$(curl -s -D - -o /dev/null --unix-socket "$MOAT_DIR/unix.socket" http://unix.socket/1.0/instances/c1/snapshots/s1)"
check_match "lxc config show c1/s1 shows it" 'user.k: before' "$(timeout 30 lxc config show c1/s1)"
info=$(timeout 30 lxc info c1)
check_match "lxc info c1 lists the snapshot" '\| s1 +\|.*\| NO +\|' "$info"
check_eq "lxc list counts it" 'c1,1' "$(timeout 30 lxc list -c nS --format csv c1)"

# ---- change, then restore while running ----------------------------------------------
check "the file changed" in_c c1 sh -c 'echo after >/root/f.txt; echo new >/root/g.txt'
check "the key changed" timeout 30 lxc config set c1 user.k=after
check "p1 added" timeout 30 lxc profile add c1 p1
check "lxc restore c1 s1 (running)" timeout 120 lxc restore c1 s1
check_eq "c1 runs again after the restore" Running \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["status"]')"
check_eq "the file is back (lxc exec)" before "$(in_c c1 cat /root/f.txt)"
rm -f "$T/f.txt"
check "lxc file pull of the restored file" timeout 30 lxc file pull c1/root/f.txt "$T/f.txt"
check_eq "the pulled file is the snapshot's" before "$(cat "$T/f.txt" 2>/dev/null)"
check_fails "the file made after the snapshot is gone" in_c c1 test -e /root/g.txt
check_eq "the key is back" before "$(timeout 30 lxc config get c1 user.k)"
check_eq "the profiles are back" '["default"]' \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["profiles"]')"
check "the restore kept the snapshot" test -d "$POOL/containers-snapshots/c1/s1/rootfs"

# ---- names ---------------------------------------------------------------------------------
check "lxc snapshot c1 (no name)" timeout 60 lxc snapshot c1
check "lxc snapshot c1 (no name, again)" timeout 60 lxc snapshot c1
check_eq "unnamed snapshots are snap0, snap1" 's1 snap0 snap1' "$(snaps c1)"
for bad in 'a/b' '.hidden' '-dash' 'sp ace' "$(printf 'x%.0s' $(seq 1 64))"; do
	body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1]}))' "$bad")
	out=$(api POST /1.0/instances/c1/snapshots -d "$body")
	check_match "snapshot name '${bad:0:20}' is a 400" '"error_code":400' "$out"
done
check_match "a slash is refused in LXD's words" 'Snapshot names may not contain slashes' \
	"$(api POST /1.0/instances/c1/snapshots -d '{"name":"a/b"}')"
check_eq "no bad name made a row" 's1 snap0 snap1' "$(snaps c1)"
check_eq "nor a tree" 's1 snap0 snap1' "$(ls "$POOL/containers-snapshots/c1" | sort | tr '\n' ' ' | sed 's/ $//')"
check_fails "lxc snapshot --stateful is refused" timeout 60 lxc snapshot c1 st1 --stateful
check_match "with the CRIU message" "CRIU is not available here: Debian's CRIU fails" "$(cat "$T/last.out")"
check_fails "nothing was created for it" test -e "$POOL/containers-snapshots/c1/st1"
check_eq "nor listed" 's1 snap0 snap1' "$(snaps c1)"
check_match "a snapshot name taken is a 409" '"error_code":409' \
	"$(api POST /1.0/instances/c1/snapshots -d '{"name":"s1"}')"

# ---- expires_at, the one writable field -------------------------------------------------
out=$(api PATCH /1.0/instances/c1/snapshots/snap0 -d '{"expires_at":"2031-02-03T04:05:06Z"}')
check_match "PATCH expires_at is an operation" '"status_code":100' "$out"
check_eq "expires_at stored" '2031-02-03T04:05:06Z' \
	"$(jget "$(api GET /1.0/instances/c1/snapshots/snap0)" 'd["metadata"]["expires_at"]')"
check_match "lxc info shows the expiry" '\| snap0 +\|.*\| 2031' "$(timeout 30 lxc info c1)"
check_match "a PUT changing config is a 400" '"error_code":400.*expires_at' \
	"$(api PUT /1.0/instances/c1/snapshots/snap0 -d '{"expires_at":"2031-02-03T04:05:06Z","config":{"user.k":"x"}}')"
check_eq "and changed nothing" before \
	"$(jget "$(api GET /1.0/instances/c1/snapshots/snap0)" 'd["metadata"]["config"]["user.k"]')"
check_match "a PUT with If-Match of another ETag is a 412" '"error_code":412' \
	"$(api PUT /1.0/instances/c1/snapshots/snap0 -H 'If-Match: "00"' -d '{"expires_at":null}')"

# ---- rename and delete a snapshot -----------------------------------------------------------
check "lxc rename c1/snap0 c1/s0" timeout 60 lxc rename c1/snap0 c1/s0
check_eq "listed under its new name" 's1 s0 snap1' "$(snaps c1)"
check "its tree moved" test -d "$POOL/containers-snapshots/c1/s0/rootfs"
check_fails "the old tree is gone" test -e "$POOL/containers-snapshots/c1/snap0"
check_eq "its expiry followed" '2031-02-03T04:05:06Z' \
	"$(jget "$(api GET /1.0/instances/c1/snapshots/s0)" 'd["metadata"]["expires_at"]')"
check_match "a rename onto a taken name is a 409" '"error_code":409' \
	"$(api POST /1.0/instances/c1/snapshots/s0 -d '{"name":"s1"}')"
check_match "a rename to a bad name is a 400" '"error_code":400' \
	"$(api POST /1.0/instances/c1/snapshots/s0 -d '{"name":"../x"}')"
check "lxc delete c1/s0" timeout 60 lxc delete c1/s0
check_eq "no longer listed" 's1 snap1' "$(snaps c1)"
check_fails "its tree is gone" test -e "$POOL/containers-snapshots/c1/s0"
check_match "GET of it is a 404" '"error_code":404' "$(api GET /1.0/instances/c1/snapshots/s0)"

# ---- rename an instance -------------------------------------------------------------------------
check "exec with a recorded output (a log under the instance's name)" \
	/usr/bin/python3 - "$MOAT_DIR" <<'PY'
import sys, json, socket, http.client
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1] + "/unix.socket")
c = C("unix.socket")
c.request("POST", "/1.0/instances/c1/exec", json.dumps({"command": ["echo", "logged"], "record-output": True, "wait-for-websocket": False, "interactive": False}), {"Content-Type": "application/json"})
op = json.loads(c.getresponse().read())["operation"]
c = C("unix.socket"); c.request("GET", op + "/wait"); r = json.loads(c.getresponse().read())
sys.exit(0 if r["metadata"]["metadata"]["return"] == 0 else 1)
PY
check_fails "lxc move of a running instance is refused" timeout 60 lxc move c1 c2
check_match "with LXD's message" 'Renaming of running instance not allowed' "$(cat "$T/last.out")"
check "stop c1" timeout 60 lxc stop -f c1
check "launch c9 (a name taken)" timeout 120 lxc init bb c9
check_fails "a rename onto a taken name is refused" timeout 60 lxc move c1 c9
check_match "with LXD's words" 'Name "c9" already in use' "$(cat "$T/last.out")"
check_match "a rename to a bad name is a 400" '"error_code":400' \
	"$(api POST /1.0/instances/c1 -d '{"name":"bad_name"}')"
check "lxc move c1 c2" timeout 60 lxc move c1 c2
check_match "c1 is gone" '"error_code":404' "$(api GET /1.0/instances/c1)"
check_eq "c2 has c1's snapshots" 's1 snap1' "$(snaps c2)"
check_eq "their rows say c2's config as it was" before \
	"$(jget "$(api GET /1.0/instances/c2/snapshots/s1)" 'd["metadata"]["config"]["user.k"]')"
check "the rootfs moved" test -f "$POOL/containers/c2/rootfs/root/f.txt"
check "the snapshots' trees moved" test -d "$POOL/containers-snapshots/c2/s1/rootfs"
check_fails "nothing is left under c1 in the pool" test -e "$POOL/containers/c1" -o -e "$POOL/containers-snapshots/c1"
check "liblxc's directory (lxc.log) moved" test -d "$MOAT_DIR/containers/c2"
check_fails "the old one is gone" test -e "$MOAT_DIR/containers/c1"
check_match "the exec log followed" 'exec_.*stdout' "$(api GET /1.0/instances/c2/logs)"
check "c2 starts" timeout 60 lxc start c2
check_eq "with c1's files" before "$(in_c c2 cat /root/f.txt)"
check "stop c2" timeout 60 lxc stop -f c2
check "lxc restore c2 snap1 (stopped; pylxd-style bare name is below)" timeout 60 lxc restore c2 snap1
check_eq "a stopped instance stays stopped after a restore" Stopped \
	"$(jget "$(api GET /1.0/instances/c2)" 'd["metadata"]["status"]')"

# ---- a renamed instance's name in its network's DHCP and DNS host lines --------------------------
check "lxc network create sn80" timeout 60 lxc network create sn80
check "init r1 on it" timeout 120 lxc init bb r1 --network sn80
check "start r1 (its host line is written)" timeout 60 lxc start r1
check "stop r1" timeout 60 lxc stop -f r1
check_match "the hosts file names r1" ',r1$' "$(cat "$MOAT_DIR/networks/sn80/dnsmasq.hosts")"
check "lxc rename r1 r2" timeout 60 lxc rename r1 r2
hosts=$(cat "$MOAT_DIR/networks/sn80/dnsmasq.hosts")
check_match "the hosts file names r2 after the rename" ',r2$' "$hosts"
check_fails "and no longer r1" grep -q ',r1$' "$MOAT_DIR/networks/sn80/dnsmasq.hosts"
check "delete r2 and the network" sh -c 'timeout 60 lxc delete r2 && timeout 60 lxc network delete sn80'

# ---- on another pool -------------------------------------------------------------------------------
check "lxc storage create sp2 dir" timeout 60 lxc storage create sp2 dir
check "init p1x on sp2" timeout 120 lxc init bb p1x -s sp2
check "lxc snapshot p1x s1" timeout 60 lxc snapshot p1x s1
check "its tree is in sp2" test -d "$MOAT_DIR/storage-pools/sp2/containers-snapshots/p1x/s1/rootfs"
check "lxc restore p1x s1" timeout 60 lxc restore p1x s1
check "lxc move p1x p2x" timeout 60 lxc move p1x p2x
check "its trees moved within sp2" test -d "$MOAT_DIR/storage-pools/sp2/containers-snapshots/p2x/s1/rootfs" -a -d "$MOAT_DIR/storage-pools/sp2/containers/p2x/rootfs"
check "delete p2x and sp2" sh -c 'timeout 60 lxc delete p2x && timeout 60 lxc storage delete sp2'

# ---- pylxd ---------------------------------------------------------------------------------------
cat >"$T/pylxd_snap.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd

def check(desc, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + "80-snapshots: pylxd: " + desc + ("" if cond else ": " + str(detail)))

c = pylxd.Client()
ct = c.containers.get("c2")
ct.start(wait=True)
ct.files.put("/root/py.txt", b"one")
snap = ct.snapshots.create("py1", wait=True)
check("snapshots.create", snap.name == "py1", snap.name)
check("snapshots.all lists it", "py1" in [s.name for s in ct.snapshots.all()])
ct.files.put("/root/py.txt", b"two")
snap = ct.snapshots.get("py1")
check("snapshots.get: its creation time", bool(snap.created_at), snap.created_at)
snap.restore(wait=True)
ct = c.containers.get("c2")
check("snapshot.restore: the file is back", ct.files.get("/root/py.txt") == b"one")
check("snapshot.restore: running again", ct.status == "Running", ct.status)
snap.rename("py2", wait=True)
check("snapshot.rename", "py2" in [s.name for s in ct.snapshots.all()])
ct.snapshots.get("py2").delete(wait=True)
check("snapshot.delete", "py2" not in [s.name for s in ct.snapshots.all()])
ct.stop(wait=True, force=True)
PY
timeout 300 /usr/bin/python3 "$T/pylxd_snap.py" 2>"$T/pylxd.err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the pylxd script ran to its end"; else
	not_ok "the pylxd script ran to its end (exit status $rc)"
	tail -15 "$T/pylxd.err" | sed 's/^/#   /'
fi

# ---- moat ------------------------------------------------------------------------------------------
check "moat snapshot c2 m1" moat snapshot c2 m1
check_match "moat info c2 lists it as lxc does" '\| m1 +\|.*\| NO +\|' "$(moat info c2)"
check_match "moat config show c2/m1 shows the snapshot" 'user.k: before' "$(moat config show c2/m1)"
check_match "with its name and expiry" 'expires_at: "?0001-01-01T00:00:00Z"?' "$(moat config show c2/m1)"
check "a change" timeout 30 lxc config set c2 user.k=changed
check "moat restore c2 m1" moat restore c2 m1
check_eq "the key is back" before "$(timeout 30 lxc config get c2 user.k)"
check "moat rename c2/m1 c2/m2" moat rename c2/m1 c2/m2
check_eq "renamed" 's1 snap1 m2' "$(snaps c2)"
check "moat rename c2 c3" moat rename c2 c3
check_eq "c3 has the snapshots" 's1 snap1 m2' "$(snaps c3)"
check "moat delete c3/m2" moat delete c3/m2
check_eq "deleted" 's1 snap1' "$(snaps c3)"
check_fails "moat snapshot --stateful is refused" moat snapshot c3 st --stateful
check_match "with the CRIU message" 'CRIU is not available here' "$(cat "$T/last.out")"

# ---- deleting the instance takes its snapshots ------------------------------------------------------
check "lxc delete c3" timeout 60 lxc delete c3
check_fails "its snapshots' trees are gone" test -e "$POOL/containers-snapshots/c3"
check "a new c3" timeout 120 lxc init bb c3
check_eq "has no snapshot rows of the old one" '' "$(snaps c3)"
check_eq "and no snapshots in its full object" 'null' \
	"$(jget "$(api GET '/1.0/instances/c3?recursion=1')" 'd["metadata"]["snapshots"]')"
check "delete c3 and c9" timeout 60 lxc delete c3 c9

# ---- snapshots.pattern, .schedule, .schedule.stopped, .expiry ----------------------------------------
year=$(date -u +%Y)
check "launch sc" timeout 120 lxc launch bb sc
check "snapshots.pattern with a date and %d" \
	timeout 30 lxc config set sc snapshots.pattern='auto-{{ creation_date|date:"2006" }}-%d'
check "an unnamed snapshot follows the pattern" timeout 60 lxc snapshot sc
check_eq "named auto-<year>-0" "auto-$year-0" "$(snaps sc)"
check_fails "a schedule that is no cron line is refused" timeout 30 lxc config set sc snapshots.schedule=daily
check_match "with the key's rule" 'snapshots.schedule' "$(cat "$T/last.out")"
check_fails "an expiry in other words is refused" timeout 30 lxc config set sc snapshots.expiry='1 day'
check "init st1 and st2 (stopped)" timeout 120 lxc init bb st1
check "init st2" timeout 120 lxc init bb st2
check "st2 is snapshotted while stopped" timeout 30 lxc config set st2 snapshots.schedule.stopped=true
for i in st1 st2; do
	check "$i: every minute" timeout 30 lxc config set "$i" snapshots.schedule='* * * * *'
done
timeout 300 lxc monitor --type=lifecycle >"$T/monitor.log" 2>&1 &
MON=$!
cleanup_also kill "$MON"
check "sc: every minute, expiring after one" \
	timeout 30 lxc config set sc snapshots.schedule='* * * * *' snapshots.expiry=1M
check "a scheduled snapshot comes within a minute" eventually 75 has_snap sc "auto-$year-1"
obj=$(api GET "/1.0/instances/sc/snapshots/auto-$year-1")
check_eq "it expires a minute after it was taken" 60 \
	"$(jget "$obj" 'int(__import__("datetime").datetime.fromisoformat(d["metadata"]["expires_at"][:19]).timestamp() - __import__("datetime").datetime.fromisoformat(d["metadata"]["created_at"][:19]).timestamp() + 0.5)')"
check "the stopped instance with schedule.stopped got one too" eventually 75 has_snap st2 snap0
# the next scheduled one may take the freed name again (LXD's index rule): compare created_at
created=$(jget "$obj" 'd["metadata"]["created_at"]')
replaced() { [ "$(jget "$(api GET "/1.0/instances/sc/snapshots/$1")" '(d.get("metadata") or {}).get("created_at")')" != "$2" ]; }
check "the expired snapshot is removed" eventually 130 replaced "auto-$year-1" "$created"
check_eq "the stopped instance without schedule.stopped got none" '' "$(snaps st1)"
check "the unnamed one made before the schedule never expires: still there" has_snap sc "auto-$year-0"
check "unset the schedules" timeout 30 lxc config unset sc snapshots.schedule
check "lxc snapshot --no-expiry" timeout 60 lxc snapshot sc keep --no-expiry
check_eq "never expires, whatever snapshots.expiry says" '0001-01-01T00:00:00Z' \
	"$(jget "$(api GET /1.0/instances/sc/snapshots/keep)" 'd["metadata"]["expires_at"]')"
check "lxc snapshot without it" timeout 60 lxc snapshot sc exp
check_match "expires by snapshots.expiry" '^2[0-9]{3}-' \
	"$(jget "$(api GET /1.0/instances/sc/snapshots/exp)" 'd["metadata"]["expires_at"]')"
kill "$MON" 2>/dev/null
check_match "lxc monitor saw a scheduled snapshot made" "instance-snapshot-created" "$(cat "$T/monitor.log")"
check_match "and an expired one removed" "instance-snapshot-deleted" "$(cat "$T/monitor.log")"
check "delete sc, st1, st2" timeout 120 lxc delete -f sc st1 st2

finish
