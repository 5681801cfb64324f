#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Symlink races against file push and pull. The stock client pushes a tree
# (`lxc file push -r`) as one mkdir or write request per entry, and pulls one
# (`lxc file pull -r`) as a listing and one read per entry; meanwhile a loop
# inside the container keeps replacing a directory on that path with a
# symlink to /, /etc or /tmp and back. moatd resolves every path in the
# container's root (openat2 RESOLVE_IN_ROOT), so whatever the timing, a push
# may land anywhere inside the container or fail with an error, but never
# writes on the host, and a pull never returns a host file. The same
# moatd-api keeps serving throughout.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
fe=$(frontend_pid)
import_busybox_image
check "lxc launch bb c" timeout 120 lxc launch bb c

tag=$$-$RANDOM$RANDOM
hostname=moat92-host-$tag # a name in the pushed tree, and a host file in /tmp
hostmark=/tmp/$hostname
echo "HOST-SECRET-$tag" >"$hostmark"
probe=/var/tmp/MARK-$tag-probe
cleanup_also rm -f "$hostmark" "$probe"

# the tree: sub/ (the name the loop swaps) with marker files two levels deep
src=$T/src
mkdir -p "$src/sub/a/b"
for i in $(seq 1 12); do echo "container-$tag-$i" >"$src/sub/MARK-$tag-$i"; done
for i in $(seq 13 20); do echo "container-$tag-$i" >"$src/sub/a/MARK-$tag-$i"; done
for i in $(seq 21 24); do echo "container-$tag-$i" >"$src/sub/a/b/MARK-$tag-$i"; done
echo "container-$tag-host" >"$src/sub/$hostname"

check "make /root/dst in c" timeout 30 lxc exec c -- mkdir -p /root/dst
check "a recursive push without the race succeeds" timeout 30 lxc file push -r "$src/sub" c/root/dst/
check_eq "... and the container has the tree" "container-$tag-24" \
	"$(timeout 30 lxc exec c -- cat "/root/dst/sub/a/b/MARK-$tag-24")"
# the swapping loop: move the directory aside, put a symlink (to /, /etc,
# /tmp in turn) in its place, wait, put the directory back; it stops at
# /root/stop or after 150 s (the pulls go on while it runs, until one gets
# a file), and counts its rounds in /root/swaps. The directory stays longer
# than the link (40 ms against 10): each file request forks a confined
# worker, so a pull needs a few ms of directory to get any file at all,
# and a busy host must still see pulls that get files through the race
swap_end=$(($(date +%s) + 150))
timeout 180 lxc exec c -- sh -c '
	i=0; end=$(($(date +%s) + 150))
	while [ ! -e /root/stop ]; do
		[ $((i % 20)) != 0 ] || [ "$(date +%s)" -lt "$end" ] || break
		case $((i % 3)) in 0) t=/ ;; 1) t=/etc ;; 2) t=/tmp ;; esac
		rm -rf /root/held; mv /root/dst/sub /root/held; rm -rf /root/dst/sub
		ln -s "$t" /root/dst/sub; sleep 0.01
		rm -f /root/dst/sub; mv /root/held /root/dst/sub || mkdir -p /root/dst/sub; sleep 0.04
		i=$((i + 1)); echo "$i" >/root/swaps.new; mv /root/swaps.new /root/swaps
	done' >"$T/swap.out" 2>&1 &
swapper=$!
# the count is replaced by a rename, so a read never sees it half written
swaps() {
	local n
	n=$(timeout 30 lxc exec c -- cat /root/swaps 2>/dev/null)
	echo "${n:-0}"
}
eventually 10 sh -c "[ \"\$(timeout 10 lxc exec c -- cat /root/swaps 2>/dev/null || echo 0)\" -gt 0 ]"
s0=$(swaps)

# outcome RC FILE: "ok", or "err MESSAGE" (a clear error), or "bad OUTPUT" (a
# crash of the client, or a connection that died instead of an answer)
crashy='panic|EOF|connection reset|connection refused|broken pipe|500 '
outcome() {
	local e
	tr '\r' '\n' <"$2" | grep -vE '^(Pushing|Pulling) |^ *$' >"$2.clean"
	e=$(grep -E '^Error: .+' "$2.clean" | head -1)
	if grep -Eqi "$crashy" "$2.clean"; then
		echo "bad $(head -c 400 "$2.clean" | tr '\n' ' ')"
	elif [ "$1" = 0 ]; then
		echo ok
	elif [ -n "$e" ]; then echo "err $e"; else
		echo "bad status $1: $(head -c 400 "$2.clean" | tr '\n' ' ')"
	fi
}
tally() { # PREFIX N OUTCOME: count it in PREFIX_ok, PREFIX_err, PREFIX_bad
	case $3 in
	ok) eval "$1_ok=\$((\$$1_ok + 1))" ;;
	err*) eval "$1_err=\$((\$$1_err + 1))" ;;
	*) eval "$1_bad=\$((\$$1_bad + 1))" ;;
	esac
	[ "$3" = ok ] || note "$1 $2: $3"
}
N=10
push_ok=0 push_err=0 push_bad=0
for n in $(seq 1 $N); do
	timeout 30 lxc file push -r "$src/sub" c/root/dst/ >"$T/push$n.out" 2>&1
	tally push "$n" "$(outcome $? "$T/push$n.out")"
done
s1=$(swaps)
check_eq "$N racing recursive pushes each succeeded or failed with a clear error ($push_ok succeeded, $push_err refused)" \
	0 "$push_bad"

# the pull starts at /root/dst, a stable directory: the stock client given a
# top-level path that is a symlink to a directory follows it, gets the
# listing and panics copying a nil body (lxc/file.go, cmdFilePull.Run), with
# LXD as with moat
pull_ok=0 pull_err=0 pull_bad=0 pulled=0 foreign=0
# N pulls, and more while none has got a file (on a busy host a pull is slow
# against the loop's 40 ms of directory): up to 4 N, while the loop still runs
n=0
while [ "$n" -lt "$N" ] || { [ "$pulled" = 0 ] && [ "$n" -lt $((4 * N)) ] &&
	[ "$(date +%s)" -lt $((swap_end - 10)) ]; }; do
	n=$((n + 1))
	mkdir -p "$T/pull$n"
	timeout 30 lxc file pull -r c/root/dst "$T/pull$n/" >"$T/pull$n.out" 2>&1
	tally pull "$n" "$(outcome $? "$T/pull$n.out")"
	# regular files only: a symlink the client made locally is not followed
	while IFS= read -r -d '' f; do
		pulled=$((pulled + 1))
		case $(head -c 64 "$f") in
		"container-$tag-"*) ;;
		*) printf '%s\0' "$f" >>"$T/untagged" ;;
		esac
	done < <(find "$T/pull$n" -type f -print0)
done
# A pull whose listing met the symlink gets the container's own files (its
# /, /etc or /tmp: the link resolves inside the container, as it must). A
# file that is neither the test's nor any file of the container's own tree
# came from somewhere else.
rootfs=$(find "$MOAT_DIR/storage-pools" -maxdepth 4 -type d -path '*/containers/c/rootfs' | head -1)
find "$rootfs" -xdev -type f -print0 2>/dev/null | xargs -0 -r sha256sum 2>/dev/null | cut -c1-64 | sort -u >"$T/own.sha"
own=0
if [ -s "$T/untagged" ]; then
	while IFS= read -r -d '' f; do
		if grep -qx "$(sha256sum <"$f" | cut -c1-64)" "$T/own.sha"; then
			own=$((own + 1))
		else
			foreign=$((foreign + 1))
			note "pulled $f: $(head -c 64 "$f" | tr '\n' ' ')"
		fi
	done <"$T/untagged"
fi
note "pulled files that are the container's own (through the swapped-in link): $own"
check_eq "$n racing recursive pulls each succeeded or failed with a clear error ($pull_ok succeeded, $pull_err refused)" \
	0 "$pull_bad"
if [ "$pulled" -gt 0 ]; then ok "the pulls got files ($pulled)"; else
	not_ok "the pulls got files (none: the race was not exercised)"
fi
check_eq "every pulled file is one the test pushed or one of the container's own, none is a host file" 0 "$foreign"
check_fails "no pulled file is the host's $hostmark" \
	sh -c "find '$T'/pull* -type f -exec cmp -s '$hostmark' {} \\; -print | grep -q ."

timeout 30 lxc exec c -- touch /root/stop
wait "$swapper"
s2=$(swaps)
note "swap rounds: $s0 before the pushes, $s1 after them, $s2 after the pulls"
if [ "$((s1 - s0))" -ge 5 ] && [ "$((s2 - s1))" -ge 5 ]; then
	ok "the swapping loop ran during the pushes ($((s1 - s0)) rounds) and the pulls ($((s2 - s1)) rounds)"
else
	not_ok "the swapping loop ran during the pushes ($((s1 - s0)) rounds) and the pulls ($((s2 - s1)) rounds): want 5 each"
	sed 's/^/#   /' "$T/swap.out" | tail -5
fi
# informational: pushes that went through the symlink land elsewhere in the
# container (its /, /etc, /tmp); how many depends on the timing
via=$(find "$MOAT_DIR/storage-pools" -name "MARK-$tag-*" -not -path '*/root/dst/*' \
	-not -path '*/root/held/*' 2>/dev/null | wc -l)
note "markers that went through a symlink and landed elsewhere in the container: $via"

# the whole host, outside moat's directory and the test's own trees; the
# probe shows that the search would see an escaped file
echo probe >"$probe"
found=$(timeout 120 find / /tmp /var/tmp /run /dev/shm /etc /root -xdev \
	\( -path "$MOAT_DIR" -o -path "$src" -o -path "$T/pull*" -o -path /proc -o -path /sys \) -prune \
	-o -name "MARK-$tag-*" -print 2>/dev/null | sort -u)
check_eq "the host search finds the planted probe, and no marker outside the container" "$probe" "$found"
rm -f "$probe"
check_eq "the host's $hostmark is unchanged" "HOST-SECRET-$tag" "$(cat "$hostmark")"

check_eq "GET /1.0 still answers 200" 200 "$(api_status GET /1.0)"
check_eq "the same moatd-api is serving" "$fe" "$(frontend_pid)"
check_eq "the frontend never restarted (no seccomp kill, no crash)" 0 "$(grep -c 'moatd-api exited' "$T/moatd.log")"
check_eq "c is still RUNNING" "c,RUNNING" "$(timeout 30 lxc list --format csv -c ns)"
check "lxc delete -f c" timeout 60 lxc delete -f c
finish
