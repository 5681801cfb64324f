#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`: moat against LXD 5.0.2 and Incus 6.0, side by side. Starts a
# reference LXD (Debian's package) in its own LXD_DIR and an Incus (Debian's
# bookworm-backports incus-base, installed by bench/incus-install.sh) in its
# own INCUS_DIR, each with a dir pool, the root disk in the default profile
# and no network (the networked workloads make each its own bridge), and a
# moatd in its own MOAT_DIR (--network none), all under one scratch
# directory in /tmp; imports the same busybox image into each. moat and LXD
# are driven by the stock lxc client (LXD_DIR picks the daemon); Incus by its
# own client `incus` and, when lxc 5.0.2 can talk to it over its unix
# socket, also by lxc (the side "incus-lxc", same daemon). Each workload runs
# interleaved A B C D A B C D (a warm-up, then BENCH_RUNS counted runs);
# prints min, median and max per side, the median ratio moat/LXD and moat's
# ratio against the better reference side; writes bench/results/<date>.md
# (<date>-2.md and on for later runs that day). It stops what it started,
# also on failure. When Incus cannot be installed or started it says so and
# carries on with moat and LXD.
#
# Not a test: nothing here asserts a time. BENCH_FULL=1 adds the launch of
# a debootstrapped Debian with systemd. BENCH_ONLY="launch exec" runs only
# the named workloads (for profiling); results are then not written.
# BENCH_INCUS=0 leaves Incus out.
set -eu
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-build}
RUNS=${BENCH_RUNS:-5}
FULL=${BENCH_FULL:-0}
ONLY=${BENCH_ONLY:-}
WITH_INCUS=${BENCH_INCUS:-1}
INCUSD=/usr/libexec/incus/incusd
[ "$(id -u)" = 0 ] || { echo "make bench: needs root (it runs two daemons)" >&2; exit 1; }
for t in lxd lxc "$B/moatd" "$B/moat" "$B/bench/rps"; do
	command -v "$t" >/dev/null || { echo "make bench: $t is missing (make deps, make)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/moat-bench.XXXXXX)
chmod 0711 "$W" # moatd-api runs as user moat and must reach its MOAT_DIR
LXD_D=$W/lxd
MOAT_D=$W/moat
INCUS_D=$W/incus
export LXD_CONF=$W/lxc-conf INCUS_CONF=$W/incus-conf
mkdir -p "$LXD_D" "$MOAT_D" "$LXD_CONF" "$INCUS_CONF"
LXD_PID=""
MOATD_PID=""
INCUS_PID=""
INCUS_STATE="not tried" # why there is no Incus side, or its version

say() { printf '%s\n' "$*" >&2; }

# ---- the daemons -----------------------------------------------------------
stop_all() {
	local d
	for d in "$MOAT_D" "$LXD_D"; do
		[ -S "$d/unix.socket" ] && LXD_DIR=$d timeout 10 lxc query /1.0 >/dev/null 2>&1 || continue
		LXD_DIR=$d timeout 300 lxc stop --all --force >/dev/null 2>&1 || true
	done
	if [ -n "$INCUS_PID" ] && [ -S "$INCUS_D/unix.socket" ]; then
		INCUS_DIR=$INCUS_D timeout 300 incus stop --all --force >/dev/null 2>&1 || true
	fi
	if [ -n "$LXD_PID" ] && kill -0 "$LXD_PID" 2>/dev/null; then
		LXD_DIR=$LXD_D timeout 60 lxd shutdown >/dev/null 2>&1 || kill "$LXD_PID" 2>/dev/null || true
	fi
	if [ -n "$INCUS_PID" ] && kill -0 "$INCUS_PID" 2>/dev/null; then
		INCUS_DIR=$INCUS_D timeout 60 "$INCUSD" shutdown >/dev/null 2>&1 || kill "$INCUS_PID" 2>/dev/null || true
	fi
	if [ -n "$MOATD_PID" ] && kill -0 "$MOATD_PID" 2>/dev/null; then
		kill "$MOATD_PID" 2>/dev/null || true
	fi
	for p in $LXD_PID $MOATD_PID $INCUS_PID; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	# moat's networks outlive moatd by design (LXD and Incus remove theirs
	# at shutdown): remove what this moatd made, by the marker on its
	# bridges (moat:TAG; its tables are moat_TAG) and its dnsmasq's pid file
	local n p tag
	for n in "$MOAT_D"/networks/*/; do
		[ -d "$n" ] || continue
		n=$(basename "$n")
		p=$(cat "$MOAT_D/networks/$n/dnsmasq.pid" 2>/dev/null || true)
		if [ -n "$p" ] && grep -qsF -- "$MOAT_D/networks/$n/dnsmasq.conf" "/proc/$p/cmdline"; then
			kill "$p" 2>/dev/null || true
		fi
		tag=$(ip -d link show "$n" 2>/dev/null | sed -n 's/^ *alias moat:\([0-9a-f]*\)$/\1/p')
		[ -n "$tag" ] || continue
		ip link del "$n" 2>/dev/null || true
		nft delete table inet "moat_$tag" 2>/dev/null || true
		nft delete table bridge "moat_$tag" 2>/dev/null || true
	done
	# whatever LXD or Incus left mounted below the scratch directory, deepest first
	awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$W"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "bench: scratch directory $W"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?') # at the start: what ran
LXD_DIR=$LXD_D setsid lxd --group root --logfile "$W/lxd.log" </dev/null >/dev/null 2>&1 &
LXD_PID=$!
LXD_DIR=$LXD_D lxd waitready --timeout 60
POOL_PRESEED='storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk'
LXD_DIR=$LXD_D lxd init --preseed <<<"$POOL_PRESEED"

# Incus: installed by the bench's own setup, started like LXD in its own
# INCUS_DIR; any failure leaves it out, says why, and the bench goes on.
start_incus() {
	local v
	[ "$WITH_INCUS" = 1 ] || { INCUS_STATE="left out (BENCH_INCUS=0)"; return 1; }
	if ! bench/incus-install.sh 2>"$W/incus-install.err"; then
		INCUS_STATE="not installed: $(tail -1 "$W/incus-install.err")"
		return 1
	fi
	mkdir -p "$INCUS_D"
	INCUS_DIR=$INCUS_D setsid "$INCUSD" --group root --logfile "$W/incusd.log" </dev/null >/dev/null 2>&1 &
	INCUS_PID=$!
	if ! INCUS_DIR=$INCUS_D "$INCUSD" waitready --timeout 60 2>"$W/incus.err"; then
		INCUS_STATE="did not start: $(tail -1 "$W/incus.err")"
		return 1
	fi
	if ! INCUS_DIR=$INCUS_D incus admin init --preseed <<<"$POOL_PRESEED" 2>"$W/incus.err"; then
		INCUS_STATE="init failed: $(tail -1 "$W/incus.err")"
		return 1
	fi
	v=$(INCUS_DIR=$INCUS_D incus query /1.0 | sed -n 's/.*"server_version": *"\([^"]*\)".*/\1/p' | head -1)
	INCUS_STATE="Incus $v"
}
if start_incus; then
	say "bench: $INCUS_STATE in $INCUS_D"
else
	say "bench: NO INCUS SIDE: $INCUS_STATE; carrying on with moat and LXD"
	if [ -n "$INCUS_PID" ]; then
		INCUS_DIR=$INCUS_D timeout 60 "$INCUSD" shutdown >/dev/null 2>&1 || kill "$INCUS_PID" 2>/dev/null || true
	fi
fi
# no default network: every daemon starts without one, and the networked
# workloads below give each its own bridge
setsid "$B/moatd" --dir "$MOAT_D" --network none </dev/null >"$W/moatd.log" 2>&1 &
MOATD_PID=$!
for _ in $(seq 1 100); do
	[ -S "$MOAT_D/unix.socket" ] && LXD_DIR=$MOAT_D timeout 5 lxc query /1.0 >/dev/null 2>&1 && break
	sleep 0.1
done
LXD_DIR=$MOAT_D timeout 5 lxc query /1.0 >/dev/null || { say "bench: moatd did not answer"; tail "$W/moatd.log" >&2; exit 1; }

# ---- the sides -------------------------------------------------------------
# label, daemon dir, instance name prefix (distinct per daemon, so no two
# daemons' containers share a cgroup name), client. DAEMONS: one side per
# daemon, for what is set up once per daemon.
SIDES=("moat $MOAT_D m lxc" "lxd $LXD_D x lxc")
DAEMONS=("${SIDES[@]}")
LXC_ON_INCUS="-"
if [ "${INCUS_STATE#Incus }" != "$INCUS_STATE" ]; then
	SIDES+=("incus $INCUS_D i incus")
	DAEMONS+=("incus $INCUS_D i incus")
	# does the stock lxc 5.0.2 client talk to Incus over its unix socket?
	if LXD_DIR=$INCUS_D timeout 10 lxc query /1.0 >/dev/null 2>&1 &&
		LXD_DIR=$INCUS_D timeout 10 lxc list >/dev/null 2>&1 &&
		LXD_DIR=$INCUS_D timeout 10 lxc profile show default >/dev/null 2>&1; then
		SIDES+=("incus-lxc $INCUS_D i lxc")
		LXC_ON_INCUS=yes
	else
		LXC_ON_INCUS=no
		say "bench: the lxc client does not talk to Incus; Incus only through incus"
	fi
fi
on() { # DAEMON-SIDE CMD...: run the daemon's client with CMD
	local label dir pfx cl
	read -r label dir pfx cl <<<"$1"
	shift
	LXD_DIR=$dir INCUS_DIR=$dir "$cl" "$@"
}
cli() { "$CLI" "$@"; } # the current side's client (set by bench)

SOURCE_DATE_EPOCH=1700000000 "$B/moat" image build busybox -q -o "$W/busybox.tar.gz" >/dev/null
head -c 1048576 /dev/urandom >"$W/1mb"
for d in "${DAEMONS[@]}"; do
	on "$d" image import "$W/busybox.tar.gz" --alias busybox >/dev/null
done
if [ "$FULL" = 1 ]; then
	DEBIAN=$B/debian-bookworm.tar.gz
	[ -f "$DEBIAN" ] || "$B/moat" image build debian -q -o "$DEBIAN"
	for d in "${DAEMONS[@]}"; do
		on "$d" image import "$DEBIAN" --alias debian >/dev/null
	done
fi

# ---- measuring -------------------------------------------------------------
declare -A R      # R[workload/side] = microseconds (or a figure), one per run
ORDER=()          # workloads in the order they were run
declare -A UNIT   # ms (default), MB, req/s
declare -A NOTE

want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

# us CMD...: run CMD with output discarded; print its wall time in
# microseconds. A failure stops the bench: a figure of a failed run is no
# figure at all.
us() {
	local s e
	s=$EPOCHREALTIME
	if ! "$@" >/dev/null 2>"$W/err"; then
		say "bench: failed: $* (daemon ${LXD_DIR:-?})"
		sed 's/^/  /' "$W/err" >&2
		exit 1
	fi
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}

record() { # WORKLOAD SIDE VALUE (runs after the warm-up only)
	[[ " ${ORDER[*]} " == *" $1 "* ]] || ORDER+=("$1")
	R[$1/$2]="${R[$1/$2]:-} $3"
}

# bench WORKLOAD SETUP MEASURE TEARDOWN: for run 0 (warm-up) .. RUNS, for
# each side in turn, call SETUP, time MEASURE, call TEARDOWN. Each is a
# function name called with: side-label prefix run-number.
bench() {
	local w=$1 setup=$2 measure=$3 teardown=$4 run side label dir pfx v
	want "$w" || return 0
	say "bench: $w"
	for run in $(seq 0 "$RUNS"); do
		for side in "${SIDES[@]}"; do
			read -r label dir pfx CLI <<<"$side"
			export LXD_DIR=$dir INCUS_DIR=$dir CLI
			$setup "$label" "$pfx" "$run"
			v=$($measure "$label" "$pfx" "$run")
			$teardown "$label" "$pfx" "$run"
			[ "$run" = 0 ] || record "$w" "$label" "$v"
		done
	done
}
none() { :; }

# -- memory of all the daemon's processes together, in MB: the resident
# set (shared library pages count in full) and the proportional set size
# (pages shared with other processes count in part)
mem_mb() { # Rss|Pss PID...: their sum, in MB with one decimal
	local what=$1 kb=0 p v
	shift
	for p in "$@"; do
		v=$(awk -v k="$what:" '$1 == k { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		kb=$((kb + ${v:-0}))
	done
	awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }'
}
daemon_pids() { # label
	case $1 in
	moat) echo "$MOATD_PID $(pgrep -P "$MOATD_PID" -x moatd-api | tr '\n' ' ')" ;;
	incus) echo "$INCUS_PID" ;;
	*) echo "$LXD_PID" ;;
	esac
}
memory() { # WORKLOAD
	local side label
	want "$1" || return 0
	for side in "${DAEMONS[@]}"; do
		read -r label _ _ _ <<<"$side"
		# shellcheck disable=SC2046
		record "$1" "$label" "$(mem_mb Rss $(daemon_pids "$label"))"
		# shellcheck disable=SC2046
		record "$1-pss" "$label" "$(mem_mb Pss $(daemon_pids "$label"))"
	done
	UNIT[$1]=MB
	UNIT[$1-pss]=MB
}
memory memory-idle

# -- launch, exec, file, snapshot, delete
m_launch() { us cli launch busybox "${2}l$3"; }
t_launch() { cli delete -f "${2}l$3" >/dev/null; }
bench launch none m_launch t_launch

wait_running() { # NAME: until systemd inside says it is up
	local s
	for _ in $(seq 1 600); do
		s=$(cli exec "$1" -- systemctl is-system-running 2>/dev/null || true)
		case $s in running | degraded) return 0 ;; esac
		sleep 0.05
	done
	say "bench: $1 did not come up (systemd said: $s)"
	exit 1
}
m_launch_debian() {
	local s e
	s=$EPOCHREALTIME
	cli launch debian "${2}deb$3" >/dev/null 2>&1
	wait_running "${2}deb$3"
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
t_launch_debian() { cli delete -f "${2}deb$3" >/dev/null; }
[ "$FULL" = 1 ] && bench launch-debian none m_launch_debian t_launch_debian

for d in "${DAEMONS[@]}"; do
	read -r _ _ pfx _ <<<"$d"
	on "$d" launch busybox "${pfx}e" >/dev/null 2>&1
done
m_exec() { us cli exec "${2}e" -- true; }
bench exec none m_exec none
# ten in a row, per exec: the first exec after a pause can wait for the
# kernel (moving the process into the container's cgroup v1 hierarchies
# waits out an RCU grace period), later ones mostly do not
m_exec10() {
	local s e
	s=$EPOCHREALTIME
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		cli exec "${2}e" -- true || { say "bench: failed: $CLI exec ${2}e -- true"; exit 1; }
	done
	e=$EPOCHREALTIME
	echo $(((${e/./} - ${s/./}) / 10))
}
bench exec-10-in-a-row none m_exec10 none
m_push() { us cli file push "$W/1mb" "${2}e/root/1mb"; }
bench file-push-1MB none m_push none
m_pull() { us cli file pull "${2}e/root/1mb" "$W/1mb.$1"; }
bench file-pull-1MB none m_pull none
if want file-pull-1MB; then
	for d in "${SIDES[@]}"; do
		read -r label _ _ _ <<<"$d"
		cmp -s "$W/1mb" "$W/1mb.$label" || { say "bench: pulled file differs ($label)"; exit 1; }
	done
fi

# snapshots: measured where the server has them; a side without is n/a
m_snapshot() {
	local s e
	s=$EPOCHREALTIME
	local snap=(snapshot) # Incus 6.0's own client: `incus snapshot create`
	[ "$CLI" = incus ] && snap=(snapshot create)
	if ! cli "${snap[@]}" "${2}e" "s$1$3" >/dev/null 2>"$W/err"; then
		[ "$1" = moat ] && { echo n/a; return; }
		say "bench: failed: $CLI ${snap[*]} ${2}e s$1$3"
		exit 1
	fi
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
bench snapshot none m_snapshot none
NOTE[snapshot]="n/a: the server has no snapshots yet"

# restore of the snapshot of the same run (a running instance: stopped and
# started again around it, by every server); copy of a stopped instance
# (with its one snapshot), the copy deleted after each run
m_restore() {
	local s e
	s=$EPOCHREALTIME
	local cmd=(restore "${2}e" "s$1$3")
	[ "$CLI" = incus ] && cmd=(snapshot restore "${2}e" "s$1$3")
	if ! cli "${cmd[@]}" >/dev/null 2>"$W/err"; then
		[ "$1" = moat ] && { echo n/a; return; }
		say "bench: failed: $CLI ${cmd[*]}"
		exit 1
	fi
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
bench restore none m_restore none
NOTE[restore]="n/a: the server has no restore yet"
if want copy; then
	for d in "${DAEMONS[@]}"; do
		read -r _ _ pfx _ <<<"$d"
		on "$d" init busybox "${pfx}src" >/dev/null 2>&1
	done
fi
m_copy() {
	local s e
	s=$EPOCHREALTIME
	if ! cli copy "${2}src" "${2}cp$3" >/dev/null 2>"$W/err"; then
		[ "$1" = moat ] && { echo n/a; return; }
		say "bench: failed: $CLI copy ${2}src ${2}cp$3"
		exit 1
	fi
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
t_copy() { cli delete -f "${2}cp$3" >/dev/null 2>&1 || true; }
bench copy none m_copy t_copy
NOTE[copy]="n/a: the server has no copy yet"
if want copy; then
	for d in "${DAEMONS[@]}"; do
		read -r _ _ pfx _ <<<"$d"
		on "$d" delete -f "${pfx}src" >/dev/null 2>&1
	done
fi

s_delete() { cli launch busybox "${2}d$3" >/dev/null 2>&1; }
m_delete() { us cli delete -f "${2}d$3"; }
bench delete-running s_delete m_delete none

# -- 20 launches at once
s_parallel() { seq 1 20 | sed "s/^/${2}p$3-/" >"$W/par"; }
m_parallel() { us xargs -P20 -n1 -a "$W/par" "$CLI" launch busybox; }
t_parallel() { xargs -a "$W/par" "$CLI" delete -f >/dev/null; }
bench launch-20-parallel s_parallel m_parallel t_parallel

# -- requests per second on one instance (over the instance "e")
m_rps() { # side pfx run clients
	local sock=$LXD_DIR/unix.socket r
	r=$("$B/bench/rps" "$sock" "/1.0/instances/${2}e" "$4" 2)
	[ "${r#* }" = 0 ] || { say "bench: rps: errors: $r"; exit 1; }
	echo "${r% *}"
}
m_rps1() { m_rps "$@" 1; }
m_rps8() { m_rps "$@" 8; }
bench rps-1-client none m_rps1 none
bench rps-8-clients none m_rps8 none
UNIT[rps-1-client]=req/s
UNIT[rps-8-clients]=req/s

# -- a live limit changed on a running instance, alternating two values (so
# each run changes it)
m_limit() { us cli config set "${2}e" limits.memory "$((($3 % 2) ? 64 : 128))MB"; }
bench config-set-live-limit none m_limit none

for d in "${DAEMONS[@]}"; do
	read -r _ _ pfx _ <<<"$d"
	on "$d" delete -f "${pfx}e" >/dev/null
done

# -- profile set on a profile used by 50 stopped instances (made once per
# daemon, removed after)
if want profile-set-50-users; then
	for d in "${DAEMONS[@]}"; do
		read -r label dir pfx cl <<<"$d"
		on "$d" profile create "${pfx}p50" >/dev/null
		seq 1 50 | sed "s/^/${pfx}q/" |
			LXD_DIR=$dir INCUS_DIR=$dir xargs -P4 -n1 "$cl" init busybox -p default -p "${pfx}p50" >/dev/null 2>&1
		n=$(on "$d" query "/1.0/profiles/${pfx}p50" | grep -c '"/1.0/instances/' || true)
		[ "$n" = 50 ] || { say "bench: $label: profile ${pfx}p50 is used by $n instances, not 50"; exit 1; }
	done
fi
m_p50() { us cli profile set "${2}p50" user.x "$3"; }
bench profile-set-50-users none m_p50 none
if want profile-set-50-users; then
	for d in "${DAEMONS[@]}"; do
		read -r _ dir pfx cl <<<"$d"
		seq 1 50 | sed "s/^/${pfx}q/" | LXD_DIR=$dir INCUS_DIR=$dir xargs "$cl" delete -f >/dev/null
		on "$d" profile delete "${pfx}p50" >/dev/null
	done
fi

# -- launch with two profiles, the second carrying a host directory as a disk
# device (bind-mounted at /mnt/share), deleted after each
if want launch-2-profiles-disk; then
	mkdir -p "$W/share"
	for d in "${DAEMONS[@]}"; do
		read -r _ _ pfx _ <<<"$d"
		on "$d" profile create "${pfx}pa" >/dev/null
		on "$d" profile set "${pfx}pa" user.bench 1 >/dev/null
		on "$d" profile device add "${pfx}pa" share disk source="$W/share" path=/mnt/share >/dev/null
	done
fi
m_launch_pd() { us cli launch busybox "${2}pd$3" -p default -p "${2}pa"; }
t_launch_pd() {
	[ "$3" != 0 ] || cli exec "${2}pd$3" -- test -d /mnt/share ||
		{ say "bench: $1: /mnt/share is not in ${2}pd$3"; exit 1; }
	cli delete -f "${2}pd$3" >/dev/null
}
bench launch-2-profiles-disk none m_launch_pd t_launch_pd

# -- on btrfs: each daemon a btrfs pool "bbt" on a 4 GiB loop file it makes
# itself (`storage create bbt btrfs size=4GiB`, as LXD's and Incus's own
# loop pools); launch, snapshot and copy on it, and the space 20 stopped
# instances of the one image take there (df of the pool's mount, after
# minus before, in MB). BENCH_BTRFS=0 leaves them out.
if [ "${BENCH_BTRFS:-1}" = 1 ] && command -v mkfs.btrfs >/dev/null &&
	{ want launch-btrfs || want snapshot-btrfs || want copy-btrfs || want disk-20-btrfs; }; then
	for d in "${DAEMONS[@]}"; do
		read -r label _ pfx _ <<<"$d"
		on "$d" storage create bbt btrfs size=4GiB >/dev/null ||
			{ say "bench: $label: no btrfs pool"; exit 1; }
		on "$d" launch busybox "${pfx}be" -s bbt >/dev/null 2>&1
		on "$d" init busybox "${pfx}bsrc" -s bbt >/dev/null 2>&1
	done
	m_launch_b() { us cli launch busybox "${2}bl$3" -s bbt; }
	t_launch_b() { cli delete -f "${2}bl$3" >/dev/null; }
	bench launch-btrfs none m_launch_b t_launch_b
	m_snapshot_b() {
		local snap=(snapshot)
		[ "$CLI" = incus ] && snap=(snapshot create)
		us cli "${snap[@]}" "${2}be" "b$1$3"
	}
	bench snapshot-btrfs none m_snapshot_b none
	m_copy_b() { us cli copy "${2}bsrc" "${2}bcp$3" -s bbt; }
	t_copy_b() { cli delete -f "${2}bcp$3" >/dev/null; }
	bench copy-btrfs none m_copy_b t_copy_b
	if want disk-20-btrfs; then
		for d in "${DAEMONS[@]}"; do
			read -r label dir pfx cl <<<"$d"
			mnt=$dir/storage-pools/bbt
			before=$(df --output=used -B1 "$mnt" | tail -1)
			seq 1 20 | sed "s/^/${pfx}b20-/" |
				LXD_DIR=$dir INCUS_DIR=$dir xargs -n1 "$cl" init busybox -s bbt >/dev/null 2>&1
			sync
			after=$(df --output=used -B1 "$mnt" | tail -1)
			record disk-20-btrfs "$label" "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1e6 }')"
			seq 1 20 | sed "s/^/${pfx}b20-/" | LXD_DIR=$dir INCUS_DIR=$dir xargs "$cl" delete -f >/dev/null
		done
		UNIT[disk-20-btrfs]=MB
		NOTE[disk-20-btrfs]="one image (busybox) is about 1 MB unpacked"
	fi
	for d in "${DAEMONS[@]}"; do
		read -r _ _ pfx _ <<<"$d"
		on "$d" delete -f "${pfx}be" "${pfx}bsrc" >/dev/null 2>&1
		on "$d" storage delete bbt >/dev/null 2>&1 || true
	done
fi

# -- list: 10 stopped, 50 running, 100 and 500 stopped
grow() { # N: create stopped instances s1..sN on each daemon
	local side dir pfx cl have
	for side in "${DAEMONS[@]}"; do
		read -r _ dir pfx cl <<<"$side"
		have=$(on "$side" list -c n --format csv | grep -c "^${pfx}s" || true)
		[ "$have" -lt "$1" ] || continue
		seq $((have + 1)) "$1" | sed "s/^/${pfx}s/" | LXD_DIR=$dir INCUS_DIR=$dir xargs -P4 -n1 "$cl" init busybox >/dev/null 2>&1
	done
}
running() { # N: start (N>0) or stop (N=0) the first 50
	local side dir pfx cl
	for side in "${DAEMONS[@]}"; do
		read -r _ dir pfx cl <<<"$side"
		if [ "$1" -gt 0 ]; then
			seq 1 "$1" | sed "s/^/${pfx}s/" | LXD_DIR=$dir INCUS_DIR=$dir xargs "$cl" start >/dev/null 2>&1
		else
			on "$side" stop --all --force >/dev/null 2>&1
		fi
	done
}
m_list() { us cli list; }
m_list_json() { us cli list --format json; }
lists() { # SUFFIX
	bench "list-$1" none m_list none
	bench "list-$1-json" none m_list_json none
}
# -- networked: each daemon its own managed bridge with NAT and a profile
# "<pfx>net" giving eth0 on it. LXD 5.0.2 and Incus get a subnet each
# (LXD's ipv4.address=auto fails on these machines); moat picks its own
# (auto). Launch to IPv4: from `launch` to the address in `list`, polled
# every 20 ms. Then 50 running networked instances per daemon, each with
# its address: list (table and JSON) and exec into one of them.
want_net() { want launch-ipv4 || want launch-ipv4-debian || want list-50-networked || want exec-networked; }
net_setup() {
	local side label dir pfx cl n=0 v4 v6
	for side in "${DAEMONS[@]}"; do
		read -r label dir pfx cl <<<"$side"
		n=$((n + 1))
		case $label in
		moat) v4=auto v6=auto ;;
		*) v4=10.251.$n.1/24 v6=fd42:251:$n::1/64 ;;
		esac
		on "$side" network create "${pfx}bn0" ipv4.address="$v4" ipv6.address="$v6" \
			ipv4.nat=true ipv6.nat=true >/dev/null ||
			{ say "bench: $label: network create failed"; exit 1; }
		on "$side" profile create "${pfx}net" >/dev/null
		on "$side" profile device add "${pfx}net" eth0 nic network="${pfx}bn0" name=eth0 >/dev/null
	done
}
net_teardown() {
	local side
	for side in "${DAEMONS[@]}"; do
		read -r _ _ pfx _ <<<"$side"
		on "$side" profile delete "${pfx}net" >/dev/null 2>&1 || true
		on "$side" network delete "${pfx}bn0" >/dev/null 2>&1 || true
	done
}
has_ipv4() { # NAME: the current side's list shows an IPv4 for it
	[ -n "$(cli list "$1" -c 4 --format csv 2>/dev/null)" ]
}
wait_ipv4() { # NAME
	for _ in $(seq 1 3000); do
		has_ipv4 "$1" && return 0
		sleep 0.02
	done
	say "bench: $CLI: $1 has no IPv4 after 60 s"
	exit 1
}
m_launch_ipv4() { # side pfx run [image]
	local s e n=${2}v$3
	s=$EPOCHREALTIME
	cli launch "${4:-busybox}" "$n" -p default -p "${2}net" >/dev/null 2>"$W/err" ||
		{ say "bench: failed: $CLI launch $n"; sed 's/^/  /' "$W/err" >&2; exit 1; }
	wait_ipv4 "$n"
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
t_launch_ipv4() { cli delete -f "${2}v$3" >/dev/null; }
m_launch_ipv4_debian() { m_launch_ipv4 "$1" "$2" "d$3" debian; }
t_launch_ipv4_debian() { t_launch_ipv4 "$1" "$2" "d$3"; }
m_exec_net() { us cli exec "${2}n1" -- true; }
if want_net; then
	net_setup
	bench launch-ipv4 none m_launch_ipv4 t_launch_ipv4
	[ "$FULL" = 1 ] && bench launch-ipv4-debian none m_launch_ipv4_debian t_launch_ipv4_debian
	if want list-50-networked || want exec-networked; then
		for side in "${DAEMONS[@]}"; do
			read -r label dir pfx cl <<<"$side"
			seq 1 50 | sed "s/^/${pfx}n/" |
				LXD_DIR=$dir INCUS_DIR=$dir xargs -P4 -n1 "$cl" launch busybox -p default -p "${pfx}net" >/dev/null 2>&1
			CLI=$cl LXD_DIR=$dir INCUS_DIR=$dir
			export CLI LXD_DIR INCUS_DIR
			for i in $(seq 1 50); do wait_ipv4 "${pfx}n$i"; done
		done
		bench list-50-networked none m_list none
		bench list-50-networked-json none m_list_json none
		bench exec-networked none m_exec_net none
		for side in "${DAEMONS[@]}"; do
			read -r _ dir pfx cl <<<"$side"
			seq 1 50 | sed "s/^/${pfx}n/" | LXD_DIR=$dir INCUS_DIR=$dir xargs "$cl" delete -f >/dev/null
		done
	fi
	net_teardown
fi

if want list || want list-500 || want memory-500; then
	grow 10
	lists 10
	grow 50
	running 50
	lists 50-running
	running 0
	grow 100
	lists 100
	grow 500
	lists 500
	memory memory-after-500
fi

# ---- report ----------------------------------------------------------------
stats() { # values... -> "min median max" (values sorted numerically)
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print v[1], m, v[NR] }'
}
fmt() { # value unit
	case $1 in -|n/a) echo "$1" ;; *) if [ "$2" = ms ]; then awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; else echo "$1"; fi ;; esac
}
declare -A GOAL=([launch]="≤ 0.20" [exec]="≤ 0.33" [exec-10-in-a-row]="≤ 0.33" [snapshot]="≤ 0.33" [restore]="≤ 0.33" [copy]="≤ 0.33" [launch-btrfs]="≤ 0.20" [snapshot-btrfs]="≤ 0.33" [copy-btrfs]="≤ 0.33" [delete-running]="≤ 0.20"
	[list-500]="≤ 0.10" [list-500-json]="≤ 0.10" [rps-1-client]="≥ 5" [rps-8-clients]="≥ 5")
ratio() { # A B: A/B with two decimals, or n/a
	awk -v m="$1" -v l="$2" 'BEGIN { if (m == "n/a" || m == "-" || l == "-" || l + 0 == 0) print "n/a"; else printf "%.2f", m / l }'
}
table() {
	local w u side label cells best bestv ratio_lxd g hdr="" sep="" a b c
	for side in "${SIDES[@]}"; do
		read -r label _ _ _ <<<"$side"
		hdr="$hdr $label min / median / max |"
		sep="$sep --- |"
	done
	printf '| workload | unit |%s moat/LXD | better of LXD, Incus | moat/better | goal |\n' "$hdr"
	printf '| --- | --- |%s --- | --- | --- | --- |\n' "$sep"
	for w in "${ORDER[@]}"; do
		u=${UNIT[$w]:-ms}
		cells=""
		best=""
		bestv=""
		for side in "${SIDES[@]}"; do
			read -r label _ _ _ <<<"$side"
			# shellcheck disable=SC2086
			case ${R[$w/$label]:-} in
			"") a=- b=- c=- ;;
			*n/a*) a=n/a b=n/a c=n/a ;;
			*) read -r a b c <<<"$(stats ${R[$w/$label]})" ;;
			esac
			med[$label]=$b
			cells="$cells $(fmt "$a" "$u") / $(fmt "$b" "$u") / $(fmt "$c" "$u") |"
			[ "$label" != moat ] && [ "$b" != - ] && [ "$b" != n/a ] || continue
			# the better reference side: the lower median, the higher for req/s
			if [ -z "$bestv" ] || awk -v v="$b" -v c="$bestv" -v hi="$([ "$u" = req/s ] && echo 1 || echo 0)" \
				'BEGIN { exit !(hi ? v > c : v < c) }'; then
				best=$label
				bestv=$b
			fi
		done
		ratio_lxd=$(ratio "${med[moat]}" "${med[lxd]}")
		g=${GOAL[$w]:-}
		case $w in memory-*) g="moat ≤ 10 MB" ;; esac
		[ -n "${NOTE[$w]:-}" ] && [ "$ratio_lxd" = n/a ] && g="$g (${NOTE[$w]})"
		printf '| %s | %s |%s %s | %s %s | %s | %s |\n' "$w" "$u" "$cells" "$ratio_lxd" \
			"${best:--}" "$(fmt "${bestv:--}" "$u")" "$(ratio "${med[moat]}" "${bestv:--}")" "$g"
	done
}
declare -A med

client_floor=$(LXD_DIR=$MOAT_D us lxc query /1.0)
OUT=$(table)
incus_floor=-
INCUS_HEAD=$INCUS_STATE
[ "${INCUS_STATE#Incus }" != "$INCUS_STATE" ] || INCUS_HEAD="no Incus ($INCUS_STATE)"
[ -z "$INCUS_PID" ] || [ "${INCUS_STATE#Incus }" = "$INCUS_STATE" ] || incus_floor=$(fmt "$(INCUS_DIR=$INCUS_D us incus query /1.0)" ms)
HEAD="moat $REV against LXD $(LXD_DIR=$LXD_D lxc query /1.0 | sed -n 's/.*"server_version": *"\([^"]*\)".*/\1/p' | head -1) and ${INCUS_HEAD} (the stock lxc 5.0.2 client talks to Incus: ${LXC_ON_INCUS}), $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r), load average before the run: ${LOAD0}; $RUNS runs after a warm-up, sides interleaved (${#SIDES[@]} per run); times are wall clock of the client: lxc for moat, lxd and incus-lxc, incus for incus (one lxc query /1.0 alone: $(fmt "$client_floor" ms) ms; one incus query /1.0: ${incus_floor} ms). moat/better: moat's median over the better median of the LXD and Incus sides (the higher for req/s)."
echo
echo "$HEAD"
echo
echo "$OUT"
if [ -z "$ONLY" ]; then
	mkdir -p bench/results
	F=bench/results/$(date -u +%Y-%m-%d).md
	n=2 # a later run of the same day gets its own file: results are committed
	while [ -e "$F" ]; do
		F=bench/results/$(date -u +%Y-%m-%d)-$n.md
		n=$((n + 1))
	done
	{
		echo "# moat against LXD and Incus: $(date -u +%Y-%m-%d)"
		echo
		echo "$HEAD"
		echo
		echo "$OUT"
	} >"$F"
	say "bench: wrote $F"
fi
