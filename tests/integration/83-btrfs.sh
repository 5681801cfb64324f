#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# btrfs pools through Debian's stock lxc client: `lxc storage create bt
# btrfs size=1GiB` makes a loop file in moatd's disks/ and mounts it; an
# image unpacked there is a subvolume and a launch is a snapshot of it
# (the instance's rootfs has the image's as its parent), a snapshot a
# read-only one, a restore a snapshot of it, a copy a snapshot of the
# instance; the pool survives moatd's restart after its mount went
# (as after a reboot: moatd mounts it again); delete is refused while used
# and, once unused, unmounts the pool and removes its file. Bad sizes are
# a 400 with nothing made.
. "$(dirname "$0")/../lib/lib.sh"

if ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
	not_ok "btrfs-progs is installed (make deps)"
	finish
fi
daemon_start
import_busybox_image bb
lxc() { timeout 120 /usr/bin/lxc "$@" </dev/null; }
cleanup_also lxc delete -f c1 c2
P=$MOAT_DIR/storage-pools
IMG=$MOAT_DIR/disks/bt.img
# the subvolume's parent UUID, or "-" (btrfs-progs reads it as root)
parent() { btrfs subvolume show "$1" 2>/dev/null | awk '$1 == "Parent" && $2 == "UUID:" { print $3 }'; }
uuid() { btrfs subvolume show "$1" 2>/dev/null | awk '$1 == "UUID:" { print $2 }'; }

check_fails "a btrfs pool of 10MB is refused" lxc storage create small btrfs size=10MB
check_match "... with LXD's kind of message" 'Invalid value for option "size"' \
	"$(lxc storage create small btrfs size=10MB 2>&1)"
check_fails "... and nothing was made" test -e "$MOAT_DIR/disks/small.img" -o -e "$P/small"
check_fails "a btrfs pool with a source elsewhere is refused" lxc storage create s2 btrfs source=/tmp

check "lxc storage create bt btrfs size=1GiB" lxc storage create bt btrfs size=1GiB
show=$(lxc storage show bt)
check_match "its source is its loop file" "source: $IMG" "$show"
check_match "its size as asked" 'size: 1GiB' "$show"
check_eq "the loop file is root's, 0600, 1 GiB, sparse" "0:600:1073741824" \
	"$(stat -c %u:%a:%s "$IMG")"
check_eq "the pool is a mounted btrfs" btrfs "$(stat -f -c %T "$P/bt")"
check_match "mounted with user_subvol_rm_allowed" 'user_subvol_rm_allowed' \
	"$(awk -v m="$P/bt" '$2 == m { print $4 }' /proc/self/mounts)"
check_eq "lxc storage list shows it" "bt,btrfs,$IMG,,0,CREATED" \
	"$(lxc storage list --format csv | grep '^bt,')"
check_match "lxc storage info: its space" 'total space: ' "$(lxc storage info bt)"
check_fails "its size cannot change after create" lxc storage set bt size=2GiB
check "a btrfs pool without a size" lxc storage create auto btrfs
sz=$(lxc storage get auto size)
check_match "... gets LXD's default (5 to 30 GiB), kept in its config ($sz)" \
	'^([5-9]|[12][0-9]|30)GiB$' "$sz"
check_eq "... its loop file that size" "$((${sz%GiB} << 30))" "$(stat -c %s "$MOAT_DIR/disks/auto.img")"
check "... deleted" lxc storage delete auto

check "lxc launch bb c1 -s bt" lxc launch bb c1 -s bt
fp=$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["config"]["volatile.base_image"]')
check_eq "the image in the pool is a subvolume (inode 256)" 256 "$(stat -c %i "$P/bt/images/$fp/rootfs")"
check_eq "c1's rootfs is a snapshot of the image" "$(uuid "$P/bt/images/$fp/rootfs")" \
	"$(parent "$P/bt/containers/c1/rootfs")"
check_eq "c1 runs" RUNNING "$(lxc list c1 --format csv -c s)"
check "a file in c1" lxc exec c1 -- sh -c 'echo here >/root/mark'

check "lxc snapshot c1 s1" lxc snapshot c1 s1
S=$P/bt/containers-snapshots/c1/s1/rootfs
check_eq "the snapshot is a read-only snapshot of c1's rootfs" \
	"$(uuid "$P/bt/containers/c1/rootfs") ro=true" "$(parent "$S") $(btrfs property get "$S" ro)"
check "the file changed in c1" lxc exec c1 -- sh -c 'echo changed >/root/mark'
check "lxc restore c1 s1" lxc restore c1 s1
check_eq "... the file is back" here "$(lxc exec c1 -- cat /root/mark)"
check_eq "... c1 runs (stopped and started around the restore)" RUNNING "$(lxc list c1 --format csv -c s)"
check_eq "... its rootfs is a snapshot of s1" "$(uuid "$S")" "$(parent "$P/bt/containers/c1/rootfs")"
check "lxc copy c1 c2 (c1 running)" lxc copy c1 c2
check_eq "c2's rootfs is a snapshot of c1's" "$(uuid "$P/bt/containers/c1/rootfs")" \
	"$(parent "$P/bt/containers/c2/rootfs")"
check_eq "... with c1's file" here "$(cat "$P/bt/containers/c2/rootfs/root/mark")"
check_eq "c1 still runs" RUNNING "$(lxc list c1 --format csv -c s)"

check_fails "delete of the pool in use is refused" lxc storage delete bt
check_match "... with LXD's message" 'The storage pool is currently in use' \
	"$(lxc storage delete bt 2>&1)"

# moatd stopped, the pool unmounted (as after a reboot), moatd started again
kill "$MOATD_PID"
for _ in $(seq 1 50); do kill -0 "$MOATD_PID" 2>/dev/null || break; sleep 0.1; done
lxc-stop -P "$MOAT_DIR/containers" -n c1 -k >/dev/null 2>&1
check "the pool unmounted by hand" umount "$P/bt"
daemon_start
check_eq "moatd mounted it again at its start" btrfs "$(stat -f -c %T "$P/bt")"
# moatd starts again what ran when it stopped (c1 was stopped under it);
# if it has not yet, the start is ours
lxc start c1 >/dev/null 2>&1
check "c1 runs again" eventually 30 sh -c '[ "$(timeout 10 lxc list c1 --format csv -c s)" = RUNNING ]'
check_eq "... with its file" here "$(lxc exec c1 -- cat /root/mark)"

check "lxc delete -f c1 c2" lxc delete -f c1 c2
check_eq "their subvolumes are gone, the snapshot's too" "" "$(find "$P/bt/containers" "$P/bt/containers-snapshots" -mindepth 1 -maxdepth 1)"
check "lxc storage delete bt, once unused" lxc storage delete bt
check_fails "... its loop file is gone" test -e "$IMG"
check_fails "... it is not mounted" grep -q " $P/bt " /proc/self/mounts
check_fails "... nor its directory" test -e "$P/bt"
finish
