#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# LXD's disk, unix-char and unix-block devices at start and hot-plugged
# into a running container (appearing and vanishing at once), through the
# stock lxc client and pylxd: a host directory shifted (host-owned files keep
# their owners inside, stat'ed through lxc exec), read-only refusing a
# write, a missing required source a clear start error (required=false
# starts), a unix-char node with its uid, gid and mode, a symlink in a
# source refused, bad device keys a 400 with nothing stored, and under a
# hardened policy a disk outside its prefixes and any unix device refused.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

SRC=$T/srv
mkdir -p "$SRC/share" "$SRC/ro"
echo hello >"$SRC/share/f"
chown 1000:1001 "$SRC/share/f"
chown 0:0 "$SRC/share"
chmod 0777 "$SRC/ro"
echo kept >"$SRC/ro/g"
mknod "$T/node" c 1 3 # /dev/null's major:minor, a node of our own

# ---- at start --------------------------------------------------------------------------
check "init d1" timeout 120 lxc init bb d1
check "lxc config device add: a shifted disk" timeout 30 lxc config device add d1 share disk \
	source="$SRC/share" path=/mnt/share shift=true
check "lxc config device add: a read-only disk" timeout 30 lxc config device add d1 ro disk \
	source="$SRC/ro" path=/mnt/ro readonly=true
check "lxc config device add: a unix-char node" timeout 30 lxc config device add d1 nul \
	unix-char source="$T/node" path=/dev/moat-null uid=5 gid=6 mode=0640
check "lxc config device add: an optional disk whose source is missing" timeout 30 \
	lxc config device add d1 gone disk source="$T/nosuch" path=/mnt/gone required=false
check "d1 starts with its devices" timeout 120 lxc start d1
check_eq "the shifted file keeps its host owner inside (1000:1001)" "1000:1001" \
	"$(timeout 30 lxc exec d1 -- stat -c %u:%g /mnt/share/f)"
check_eq "... and its content" hello "$(timeout 30 lxc exec d1 -- cat /mnt/share/f)"
check_eq "the shifted directory is the container's root's" "0:0" \
	"$(timeout 30 lxc exec d1 -- stat -c %u:%g /mnt/share)"
check_eq "the read-only disk is readable" kept "$(timeout 30 lxc exec d1 -- cat /mnt/ro/g)"
out=$(timeout 30 lxc exec d1 -- sh -c 'echo x >/mnt/ro/new' 2>&1)
check_match "a write to the read-only disk is refused" 'Read-only file system' "$out"
check "... and nothing reached the host" test ! -e "$SRC/ro/new"
out=$(timeout 30 lxc exec d1 -- mount -o remount,rw /mnt/ro 2>&1)
check "the container's root cannot remount it read-write" test ! -z "$out"
check_fails "... and still cannot write" timeout 30 lxc exec d1 -- sh -c 'echo x >/mnt/ro/new'
check_eq "the unix-char node: type, major:minor, owner, mode" "character special file 1:3 5:6 640" \
	"$(timeout 30 lxc exec d1 -- stat -c '%F %t:%T %u:%g %a' /dev/moat-null)"
check "the node works (writes vanish)" timeout 30 lxc exec d1 -- sh -c 'echo x >/dev/moat-null'
check_fails "the optional disk with no source is not there" timeout 30 lxc exec d1 -- test -e /mnt/gone
check "no staged device is left on the host after the start" test ! -e "$MOAT_DIR/devices/d1"

# ---- hot-plug into the running d1 ----------------------------------------------------------
mkdir -p "$SRC/hot"
echo warm >"$SRC/hot/h"
chown 1002:1003 "$SRC/hot/h"
check "lxc config device add on the running d1: a disk" timeout 30 lxc config device add d1 hot \
	disk source="$SRC/hot" path=/srv/deep/hot shift=true readonly=true
check_eq "it is there at once, with its owner" "warm 1002:1003" \
	"$(timeout 30 lxc exec d1 -- sh -c 'echo $(cat /srv/deep/hot/h) $(stat -c %u:%g /srv/deep/hot/h)')"
check_match "it is a mount inside the container" ' /srv/deep/hot ' \
	"$(timeout 30 lxc exec d1 -- cat /proc/self/mountinfo)"
check_fails "read-only: a write is refused" timeout 30 lxc exec d1 -- sh -c 'echo x >/srv/deep/hot/y'
timeout 30 lxc exec d1 -- mount -o remount,rw /srv/deep/hot >/dev/null 2>&1
check_fails "... and stays refused after the container's root tries to remount it" \
	timeout 30 lxc exec d1 -- sh -c 'echo x >/srv/deep/hot/y'
check "lxc config device add on the running d1: a unix-char node" timeout 30 \
	lxc config device add d1 hotnul unix-char source="$T/node" path=/dev/hot-null uid=7 gid=8 mode=0620
check_eq "the node is there at once, with its owner and mode" "1:3 7:8 620" \
	"$(timeout 30 lxc exec d1 -- stat -c '%t:%T %u:%g %a' /dev/hot-null)"
check "no staged device is left on the host after the attach" test ! -e "$MOAT_DIR/devices/d1"
ln -sfn / "$T/rootlink"
timeout 30 lxc exec d1 -- sh -c 'mkdir -p /esc && ln -sfn / /esc/up' >/dev/null 2>&1
check "a disk whose path runs through a symlink the container planted" timeout 30 \
	lxc config device add d1 planted disk source="$SRC/hot" path=/esc/up/planted-target
check "... is mounted inside the container's own root" timeout 30 lxc exec d1 -- test -e /planted-target/h
check "... not on the host" test ! -e /planted-target
check "lxc config device remove on the running d1: the disk" timeout 30 lxc config device remove d1 hot
check_fails "it is gone at once" timeout 30 lxc exec d1 -- test -e /srv/deep/hot/h
check_eq "... and unmounted" "" \
	"$(timeout 30 lxc exec d1 -- cat /proc/self/mountinfo | grep ' /srv/deep/hot ')"
check "lxc config device remove on the running d1: the node" timeout 30 lxc config device remove d1 hotnul
check_fails "the node is gone at once" timeout 30 lxc exec d1 -- test -e /dev/hot-null
check "remove the planted one" timeout 30 lxc config device remove d1 planted
out=$(timeout 30 lxc config device add d1 bad disk source="$T/nosuch" path=/mnt/bad 2>&1)
check_match "a hot-plugged disk whose source is missing is refused and says why" \
	"Missing source path \"$T/nosuch\"" "$out"
check_eq "... and not stored" "" "$(timeout 30 lxc config device get d1 bad source 2>/dev/null)"
check "d1 stops" timeout 60 lxc stop d1 --force

# ---- a missing required source; a symlink in the source ------------------------------------
check "init d2" timeout 120 lxc init bb d2
check "a required disk whose source is missing is stored" timeout 30 \
	lxc config device add d2 must disk source="$T/nosuch" path=/mnt/must
out=$(timeout 120 lxc start d2 2>&1)
check_match "its start fails and says why" "Missing source path \"$T/nosuch\" for device \"must\"" "$out"
check_eq "d2 is still stopped" STOPPED "$(timeout 30 lxc list d2 --format csv -c s)"
check "remove it" timeout 30 lxc config device remove d2 must
ln -s /etc "$SRC/link"
check "a disk through a symlink is stored" timeout 30 \
	lxc config device add d2 esc disk source="$SRC/link" path=/mnt/esc
out=$(timeout 120 lxc start d2 2>&1)
check_match "its start is refused: the source has a symlink" 'has a symlink' "$out"
check_eq "d2 is still stopped" STOPPED "$(timeout 30 lxc list d2 --format csv -c s)"
check "remove it" timeout 30 lxc config device remove d2 esc

# ---- bad keys: 400, nothing stored ------------------------------------------------------------
for dev in '{"type":"disk","source":"/srv","path":"/mnt","bogus":"1"}' \
	'{"type":"disk","source":"/srv/../etc","path":"/mnt"}' \
	'{"type":"disk","source":"/srv","path":"/mnt\nlxc.x = y"}' \
	'{"type":"disk","source":"/srv","path":"/mnt","readonly":"maybe"}' \
	'{"type":"disk","path":"/mnt"}' \
	'{"type":"unix-char","path":"/dev/x","mode":"999"}' \
	'{"type":"unix-char","path":"/dev/x","uid":"-1"}'; do
	body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"devices":{"x":json.loads(sys.argv[1])}}))' "$dev")
	check_eq "PATCH a device $dev is a 400" 400 "$(api_status PATCH /1.0/instances/d2 -d "$body")"
done
check_eq "a device name with .. is a 400" 400 \
	"$(api_status PATCH /1.0/instances/d2 -d '{"devices":{"a..b/c":{"type":"none"}}}')"
check_eq "... and nothing was stored" '{}' \
	"$(jget "$(api GET /1.0/instances/d2)" 'd["metadata"]["devices"]')"
check_match "lxc says why" 'Invalid device option "bogus"' \
	"$(timeout 30 lxc config device add d2 x disk source=/srv path=/mnt bogus=1 2>&1)"

# ---- pylxd --------------------------------------------------------------------------------------
cat >"$T/dev.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd
c = pylxd.Client()
i = c.containers.get("d2")
i.devices["p"] = {"type": "disk", "source": sys.argv[1], "path": "/mnt/p", "readonly": "true"}
i.save(wait=True)
i.start(wait=True)
r = i.execute(["cat", "/mnt/p/f"])
print("ok - 56-devices: pylxd: a disk added with save() is there at start" if r.stdout.strip() == "hello"
      else "not ok - 56-devices: pylxd: a disk added with save(): %r" % (r,))
i.devices["q"] = {"type": "disk", "source": sys.argv[1], "path": "/mnt/q"}
i.save(wait=True)
r = i.execute(["cat", "/mnt/q/f"])
print("ok - 56-devices: pylxd: a disk added to the running instance is there at once" if r.stdout.strip() == "hello"
      else "not ok - 56-devices: pylxd: a hot-plugged disk: %r" % (r,))
del i.devices["q"]
i.save(wait=True)
r = i.execute(["test", "-e", "/mnt/q/f"])
print("ok - 56-devices: pylxd: ... and gone once removed" if r.exit_code != 0
      else "not ok - 56-devices: pylxd: the removed disk is still there")
i.stop(wait=True, force=True)
PY
out=$(timeout 180 /usr/bin/python3 "$T/dev.py" "$SRC/share" 2>&1)
echo "$out" | grep -E '^(not )?ok - ' || not_ok "pylxd: the script ran: $(echo "$out" | tail -3)"
echo "$out" | grep -q '^not ok' && FAILED=1

# ---- a hardened moatd: prefixes and unix devices -------------------------------------------
sed "s|^disk_source_prefixes = .*|disk_source_prefixes = $SRC/share|" "$TOP/policy/hardened.policy" >"$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
export MOAT_DIR=$T/dh LXD_DIR=$T/dh
"$B/moatd" --network none --dir "$MOAT_DIR" --policy "$T/hardened.policy" >>"$T/moatd-hardened.log" 2>&1 &
DAEMON_PIDS+=("$!")
wait_api 15 || not_ok "the hardened moatd answers"
import_busybox_image
check "hardened: init h1" timeout 120 lxc init bb h1
check_eq "hardened: a disk outside the prefixes is a 400" 400 "$(api_status PATCH /1.0/instances/h1 \
	-d "{\"devices\":{\"o\":{\"type\":\"disk\",\"source\":\"$SRC/ro\",\"path\":\"/mnt/o\"}}}")"
check_match "hardened: lxc says the policy refuses it" "is not allowed by the server's policy" \
	"$(timeout 30 lxc config device add h1 o disk source="$SRC/ro" path=/mnt/o 2>&1)"
check_eq "hardened: a unix-char device is a 400" 400 "$(api_status PATCH /1.0/instances/h1 \
	-d '{"devices":{"n":{"type":"unix-char","path":"/dev/null"}}}')"
check "hardened: a disk inside the prefix is taken" timeout 30 \
	lxc config device add h1 in disk source="$SRC/share" path=/mnt/in shift=true
check "hardened: h1 starts with it" timeout 120 lxc start h1
check_eq "hardened: the file is there, shifted" "1000:1001" \
	"$(timeout 30 lxc exec h1 -- stat -c %u:%g /mnt/in/f)"
check_match "hardened: a hot-plugged disk outside the prefixes is refused" \
	"is not allowed by the server's policy" \
	"$(timeout 30 lxc config device add h1 o2 disk source="$SRC/ro" path=/mnt/o2 2>&1)"
check "hardened: h1 stops" timeout 60 lxc stop h1 --force
finish
