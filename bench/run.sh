#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`: moat against LXD 5.0.2, side by side, through the same stock
# lxc client (LXD_DIR picks the daemon). Starts a reference LXD (Debian's
# package) in its own LXD_DIR with a dir pool, the root disk in the default
# profile and no network, and a moatd in its own MOAT_DIR, both under one
# scratch directory in /tmp; imports the same busybox image into both; runs
# each workload A B A B (a warm-up, then BENCH_RUNS counted runs); prints
# min, median and max per daemon and the median ratio moat/LXD; writes
# bench/results/<date>.md (<date>-2.md and on for later runs that day). It
# stops what it started, also on failure.
#
# Not a test: nothing here asserts a time. BENCH_FULL=1 adds the launch of
# a debootstrapped Debian with systemd. BENCH_ONLY="launch exec" runs only
# the named workloads (for profiling); results are then not written.
set -eu
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-build}
RUNS=${BENCH_RUNS:-5}
FULL=${BENCH_FULL:-0}
ONLY=${BENCH_ONLY:-}
[ "$(id -u)" = 0 ] || { echo "make bench: needs root (it runs two daemons)" >&2; exit 1; }
for t in lxd lxc "$B/moatd" "$B/moat" "$B/bench/rps"; do
	command -v "$t" >/dev/null || { echo "make bench: $t is missing (make deps, make)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/moat-bench.XXXXXX)
chmod 0711 "$W" # moatd-api runs as user moat and must reach its MOAT_DIR
LXD_D=$W/lxd
MOAT_D=$W/moat
export LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_D" "$MOAT_D" "$LXD_CONF"
LXD_PID=""
MOATD_PID=""

say() { printf '%s\n' "$*" >&2; }

# ---- the two daemons -------------------------------------------------------
stop_all() {
	local d
	for d in "$MOAT_D" "$LXD_D"; do
		[ -S "$d/unix.socket" ] && LXD_DIR=$d timeout 10 lxc query /1.0 >/dev/null 2>&1 || continue
		LXD_DIR=$d timeout 300 lxc stop --all --force >/dev/null 2>&1 || true
	done
	if [ -n "$LXD_PID" ] && kill -0 "$LXD_PID" 2>/dev/null; then
		LXD_DIR=$LXD_D timeout 60 lxd shutdown >/dev/null 2>&1 || kill "$LXD_PID" 2>/dev/null || true
	fi
	if [ -n "$MOATD_PID" ] && kill -0 "$MOATD_PID" 2>/dev/null; then
		kill "$MOATD_PID" 2>/dev/null || true
	fi
	for p in $LXD_PID $MOATD_PID; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	# whatever LXD left mounted below the scratch directory, deepest first
	awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$W"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "bench: scratch directory $W"
LXD_DIR=$LXD_D setsid lxd --group root --logfile "$W/lxd.log" </dev/null >/dev/null 2>&1 &
LXD_PID=$!
LXD_DIR=$LXD_D lxd waitready --timeout 60
LXD_DIR=$LXD_D lxd init --preseed <<'EOF'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk
EOF
setsid "$B/moatd" --dir "$MOAT_D" </dev/null >"$W/moatd.log" 2>&1 &
MOATD_PID=$!
for _ in $(seq 1 100); do
	[ -S "$MOAT_D/unix.socket" ] && LXD_DIR=$MOAT_D timeout 5 lxc query /1.0 >/dev/null 2>&1 && break
	sleep 0.1
done
LXD_DIR=$MOAT_D timeout 5 lxc query /1.0 >/dev/null || { say "bench: moatd did not answer"; tail "$W/moatd.log" >&2; exit 1; }

SOURCE_DATE_EPOCH=1700000000 "$B/moat" image build busybox -q -o "$W/busybox.tar.gz" >/dev/null
head -c 1048576 /dev/urandom >"$W/1mb"
for d in "$MOAT_D" "$LXD_D"; do
	LXD_DIR=$d lxc image import "$W/busybox.tar.gz" --alias busybox >/dev/null
done
if [ "$FULL" = 1 ]; then
	DEBIAN=$B/debian-bookworm.tar.gz
	[ -f "$DEBIAN" ] || "$B/moat" image build debian -q -o "$DEBIAN"
	for d in "$MOAT_D" "$LXD_D"; do
		LXD_DIR=$d lxc image import "$DEBIAN" --alias debian >/dev/null
	done
fi

# ---- measuring -------------------------------------------------------------
# The two sides: label, LXD_DIR, instance name prefix (distinct, so the two
# daemons' containers never share a cgroup name).
SIDES=("moat $MOAT_D m" "lxd $LXD_D x")
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
		say "bench: failed: $*"
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
			read -r label dir pfx <<<"$side"
			export LXD_DIR=$dir
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
	if [ "$1" = moat ]; then echo "$MOATD_PID $(pgrep -P "$MOATD_PID" -x moatd-api | tr '\n' ' ')"; else echo "$LXD_PID"; fi
}
memory() { # WORKLOAD
	local side label
	want "$1" || return 0
	for side in "${SIDES[@]}"; do
		read -r label _ _ <<<"$side"
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
m_launch() { us lxc launch busybox "${2}l$3"; }
t_delete() { lxc delete -f "${2}$4$3" >/dev/null; }
t_launch() { lxc delete -f "${2}l$3" >/dev/null; }
bench launch none m_launch t_launch

wait_running() { # NAME: until systemd inside says it is up
	local s
	for _ in $(seq 1 600); do
		s=$(lxc exec "$1" -- systemctl is-system-running 2>/dev/null || true)
		case $s in running | degraded) return 0 ;; esac
		sleep 0.05
	done
	say "bench: $1 did not come up (systemd said: $s)"
	exit 1
}
m_launch_debian() {
	local s e
	s=$EPOCHREALTIME
	lxc launch debian "${2}deb$3" >/dev/null 2>&1
	wait_running "${2}deb$3"
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
t_launch_debian() { lxc delete -f "${2}deb$3" >/dev/null; }
[ "$FULL" = 1 ] && bench launch-debian none m_launch_debian t_launch_debian

for d in "${SIDES[@]}"; do
	read -r _ dir pfx <<<"$d"
	LXD_DIR=$dir lxc launch busybox "${pfx}e" >/dev/null 2>&1
done
m_exec() { us lxc exec "${2}e" -- true; }
bench exec none m_exec none
# ten in a row, per exec: the first exec after a pause can wait for the
# kernel (moving the process into the container's cgroup v1 hierarchies
# waits out an RCU grace period), later ones mostly do not
m_exec10() {
	local s e
	s=$EPOCHREALTIME
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		lxc exec "${2}e" -- true || { say "bench: failed: lxc exec ${2}e -- true"; exit 1; }
	done
	e=$EPOCHREALTIME
	echo $(((${e/./} - ${s/./}) / 10))
}
bench exec-10-in-a-row none m_exec10 none
m_push() { us lxc file push "$W/1mb" "${2}e/root/1mb"; }
bench file-push-1MB none m_push none
m_pull() { us lxc file pull "${2}e/root/1mb" "$W/1mb.$1"; }
bench file-pull-1MB none m_pull none
if want file-pull-1MB; then
	cmp -s "$W/1mb" "$W/1mb.moat" && cmp -s "$W/1mb" "$W/1mb.lxd" || { say "bench: pulled file differs"; exit 1; }
fi

# snapshots: measured where the server has them; a side without is n/a
m_snapshot() {
	local s e
	s=$EPOCHREALTIME
	if ! lxc snapshot "${2}e" "s$3" >/dev/null 2>"$W/err"; then
		[ "$1" = moat ] && { echo n/a; return; }
		say "bench: failed: lxc snapshot ${2}e s$3"
		exit 1
	fi
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
bench snapshot none m_snapshot none
NOTE[snapshot]="n/a: the server has no snapshots yet"

s_delete() { lxc launch busybox "${2}d$3" >/dev/null 2>&1; }
m_delete() { us lxc delete -f "${2}d$3"; }
bench delete-running s_delete m_delete none

# -- 20 launches at once
s_parallel() { seq 1 20 | sed "s/^/${2}p$3-/" >"$W/par"; }
m_parallel() { us xargs -P20 -n1 -a "$W/par" lxc launch busybox; }
t_parallel() { xargs -a "$W/par" lxc delete -f >/dev/null; }
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

for d in "${SIDES[@]}"; do
	read -r _ dir pfx <<<"$d"
	LXD_DIR=$dir lxc delete -f "${pfx}e" >/dev/null
done


# -- list: 10 stopped, 50 running, 100 and 500 stopped
grow() { # N: create stopped instances l1..lN on both sides
	local side dir pfx have
	for side in "${SIDES[@]}"; do
		read -r _ dir pfx <<<"$side"
		have=$(LXD_DIR=$dir lxc list -c n --format csv | grep -c "^${pfx}s" || true)
		[ "$have" -lt "$1" ] || continue
		seq $((have + 1)) "$1" | sed "s/^/${pfx}s/" | LXD_DIR=$dir xargs -P4 -n1 lxc init busybox >/dev/null 2>&1
	done
}
running() { # N: start (N>0) or stop (N=0) the first 50
	local side dir pfx
	for side in "${SIDES[@]}"; do
		read -r _ dir pfx <<<"$side"
		if [ "$1" -gt 0 ]; then
			seq 1 "$1" | sed "s/^/${pfx}s/" | LXD_DIR=$dir xargs lxc start >/dev/null 2>&1
		else
			LXD_DIR=$dir lxc stop --all --force >/dev/null 2>&1
		fi
	done
}
m_list() { us lxc list; }
m_list_json() { us lxc list --format json; }
lists() { # SUFFIX
	bench "list-$1" none m_list none
	bench "list-$1-json" none m_list_json none
}
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
declare -A GOAL=([launch]="≤ 0.20" [exec]="≤ 0.33" [exec-10-in-a-row]="≤ 0.33" [snapshot]="≤ 0.33" [delete-running]="≤ 0.20"
	[list-500]="≤ 0.10" [list-500-json]="≤ 0.10" [rps-1-client]="≥ 5" [rps-8-clients]="≥ 5")
table() {
	local w u mo lx mmed lmed ratio g
	printf '| workload | unit | moat min / median / max | LXD min / median / max | moat/LXD | goal |\n'
	printf '| --- | --- | --- | --- | --- | --- |\n'
	for w in "${ORDER[@]}"; do
		u=${UNIT[$w]:-ms}
		# shellcheck disable=SC2086
		if [[ ${R[$w/moat]} == *n/a* ]]; then mo="n/a n/a n/a"; else mo=$(stats ${R[$w/moat]}); fi
		# shellcheck disable=SC2086
		lx=$(stats ${R[$w/lxd]})
		read -r a b c <<<"$mo"
		mmed=$b
		mo="$(fmt "$a" "$u") / $(fmt "$b" "$u") / $(fmt "$c" "$u")"
		read -r a b c <<<"$lx"
		lmed=$b
		lx="$(fmt "$a" "$u") / $(fmt "$b" "$u") / $(fmt "$c" "$u")"
		ratio=$(awk -v m="$mmed" -v l="$lmed" 'BEGIN { if (m == "n/a" || l + 0 == 0) print "n/a"; else printf "%.2f", m / l }')
		g=${GOAL[$w]:-}
		case $w in memory-*) g="moat ≤ 10 MB" ;; esac
		[ -n "${NOTE[$w]:-}" ] && [ "$ratio" = n/a ] && g="$g (${NOTE[$w]})"
		printf '| %s | %s | %s | %s | %s | %s |\n' "$w" "$u" "$mo" "$lx" "$ratio" "$g"
	done
}

client_floor=$(LXD_DIR=$MOAT_D us lxc query /1.0)
OUT=$(table)
HEAD="moat $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?') against LXD $(LXD_DIR=$LXD_D lxc query /1.0 | sed -n 's/.*"server_version": *"\([^"]*\)".*/\1/p' | head -1), $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r); $RUNS runs after a warm-up, A B A B; times are wall clock of the stock lxc client (one lxc query /1.0 alone: $(fmt "$client_floor" ms) ms)."
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
		echo "# moat against LXD: $(date -u +%Y-%m-%d)"
		echo
		echo "$HEAD"
		echo
		echo "$OUT"
	} >"$F"
	say "bench: wrote $F"
fi
