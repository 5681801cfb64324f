# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the integration tests (bash, run as root by tests/run.sh).
# Each suite is its own process: it sources this file, starts what it needs
# in its own temporary directory and prints one line per check,
# "ok - ..." or "not ok - ...". The EXIT trap stops every daemon the suite
# started and removes its directory, whether the suite passed or not.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-$TOP/build}
T=$(mktemp -d /tmp/moat-test.XXXXXX)
chmod 755 "$T"
SUITE=$(basename "$0" .sh)${SUITE_TAG:+-$SUITE_TAG}
DAEMON_PIDS=()
FAILED=0

ok() { echo "ok - $SUITE: $*"; }
not_ok() {
	echo "not ok - $SUITE: $*"
	FAILED=1
}
note() { echo "# $*"; }

# check DESC CMD...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@" >"$T/last.out" 2>&1; then ok "$desc"; else
		not_ok "$desc"
		sed 's/^/#   /' "$T/last.out" | tail -15
	fi
}

# check_fails DESC CMD...: the command must fail.
check_fails() {
	local desc=$1
	shift
	if "$@" >"$T/last.out" 2>&1; then
		not_ok "$desc (it succeeded)"
		sed 's/^/#   /' "$T/last.out" | tail -5
	else ok "$desc"; fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# check_match DESC REGEX TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1: /$2/ not found in:"
		printf '%s\n' "$3" | head -10 | sed 's/^/#   /'
	fi
}

CLEANUP_ALSO=()
# cleanup_also CMD...: run CMD too when the suite ends (before its daemons stop)
cleanup_also() { CLEANUP_ALSO+=("$(printf '%q ' "$@")"); }

# moat_tag DIR: the tag of the moatd on DIR (privhelper/op_network.c: FNV-1a 64
# of the real path): its bridges' ifalias is moat:TAG, its tables moat_TAG.
moat_tag() {
	/usr/bin/python3 -c 'import os,sys
h=1469598103934665603
for c in os.path.realpath(sys.argv[1]).encode(): h=((h^c)*1099511628211)&(2**64-1)
print("%016x"%h)' "$1"
}

# net_cleanup: managed networks outlive their moatd by design; remove this
# suite's own: each network's dnsmasq (by its pid file and command line),
# bridge (only if it carries the suite's daemon's marker) and the daemon's
# nftables tables.
net_cleanup() {
	local d n p tag f
	for d in "$T"/d*/; do
		d=${d%/}
		[ -d "$d/networks" ] || continue
		tag=$(moat_tag "$d")
		for n in "$d"/networks/*/; do
			[ -d "$n" ] || continue
			n=$(basename "$n")
			p=$(cat "$d/networks/$n/dnsmasq.pid" 2>/dev/null)
			if [ -n "$p" ] && grep -qsF -- "$d/networks/$n/dnsmasq.conf" "/proc/$p/cmdline"; then
				kill "$p" 2>/dev/null
			fi
			if ip -d link show "$n" 2>/dev/null | grep -q "alias moat:$tag\$"; then
				ip link del "$n" 2>/dev/null
			fi
		done
		for f in inet bridge; do nft delete table "$f" "moat_$tag" 2>/dev/null; done
	done
}

# none_left: no process has this suite's directory in its command line.
none_left() { ! pgrep -f -- "$T/" >/dev/null; }

cleanup() {
	local rc=$? p c
	# a suite that stopped early (an exit N, set -u, a signal) keeps its status
	[ "$rc" -ne 0 ] && FAILED=$rc
	for c in "${CLEANUP_ALSO[@]}"; do eval "$c"; done
	# containers outlive their daemons by design: stop this suite's own
	for c in "$T"/d*/containers/*/; do
		[ -f "$c/config" ] || continue
		lxc-stop -P "$(dirname "$c")" -n "$(basename "$c")" -k >/dev/null 2>&1
	done
	for p in "${DAEMON_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${DAEMON_PIDS[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	net_cleanup
	# btrfs pools are loop files moatd mounted in its directory (they stay
	# mounted when moatd stops, as LXD's do): unmounted, the loop devices
	# then go by themselves (auto-clear)
	awk -v t="$T/" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	# nothing of the suite's is left running (a daemon, a container's monitor,
	# a client in the background): tests/run.sh runs suites side by side, and a
	# leftover would take their CPU and outlive the run
	if eventually 10 none_left; then
		ok "nothing runs from its directory after the cleanup"
	else
		not_ok "nothing runs from its directory after the cleanup; left:"
		pgrep -af -- "$T/" | head -10 | sed 's/^/#   /'
		for p in $(pgrep -f -- "$T/"); do kill -9 "$p" 2>/dev/null; done
	fi
	# a sanitizer report in any daemon log fails the suite
	if grep -lE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T"/*.log >/dev/null 2>&1; then
		echo "not ok - $SUITE: a sanitizer reported an error in a daemon log"
		grep -hE -A12 'AddressSanitizer|LeakSanitizer|runtime error:' "$T"/*.log | head -40 | sed 's/^/#   /'
		FAILED=1
	elif [ "${SUITE_TAG:-}" = san ]; then
		ok "no sanitizer report in the daemons' logs"
	fi
	if [ "${KEEP_TEST_DIR:-0}" = 1 ]; then note "kept $T"; else rm -rf "$T"; fi
	exit "$FAILED"
}
trap cleanup EXIT

# api METHOD PATH [curl args...]: the raw response body on stdout.
api() {
	local m=$1 p=$2
	shift 2
	curl -s --max-time 30 --unix-socket "$MOAT_DIR/unix.socket" -X "$m" "$@" "http://unix.socket$p"
}

# api_status METHOD PATH [curl args...]: the HTTP status code.
api_status() {
	local m=$1 p=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 --unix-socket "$MOAT_DIR/unix.socket" \
		-X "$m" "$@" "http://unix.socket$p"
}

# jget JSON PYTHON-EXPR: evaluate an expression on the parsed document `d`.
jget() {
	/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"
}

# eventually SECONDS CMD...: run CMD every 0.2 s until it succeeds (0) or time is up (1)
eventually() {
	local n=$(($1 * 5))
	shift
	for _ in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# console_detach CMDLINE: run a console client (CMDLINE, a shell command) in a
# tmux pane, press Enter, then ctrl-a q; print the pane. The client's exit
# status shows as CONSOLE-EXIT=N.
console_detach() {
	local s=moat-test-$$-$RANDOM
	tmux new-session -d -s "$s" -x 100 -y 30 \
		"timeout --foreground 60 $1; echo CONSOLE-EXIT=\$?; sleep 60"
	sleep 2
	tmux send-keys -t "$s" Enter
	sleep 1
	tmux send-keys -t "$s" C-a
	sleep 0.5
	tmux send-keys -t "$s" q
	sleep 2
	tmux capture-pane -p -t "$s"
	tmux kill-session -t "$s"
}

# busybox_image: set BB_IMG to the busybox test image (tools/build-busybox-image.sh).
# tests/run.sh builds one per run and exports its path as MOAT_TEST_IMAGE; a
# suite run by itself (bash tests/integration/NAME.sh) builds its own in $T.
# The file is shared by every suite of the run: read it, never change it.
busybox_image() {
	if [ -n "${MOAT_TEST_IMAGE:-}" ] && [ -s "$MOAT_TEST_IMAGE" ]; then
		BB_IMG=$MOAT_TEST_IMAGE
		return 0
	fi
	BB_IMG=$T/bb.tar.gz
	[ -s "$BB_IMG" ] && return 0
	if ! "$TOP/tools/build-busybox-image.sh" "$BB_IMG" >"$T/bb-build.log" 2>&1; then
		sed 's/^/#   /' "$T/bb-build.log" | tail -5
		rm -f "$BB_IMG"
		return 1
	fi
}

# import_busybox_image [ALIAS]: busybox_image, then the check that lxc imports
# it under ALIAS (default bb).
import_busybox_image() {
	busybox_image
	check "import the busybox image" timeout 60 lxc image import "$BB_IMG" --alias "${1:-bb}"
}

# wait_api [SECONDS]: until the API answers (default 10 s), by the wall clock.
wait_api() {
	local deadline=$(($(date +%s%N) + ${1:-10} * 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		curl -sf -o /dev/null --max-time 1 --unix-socket "$MOAT_DIR/unix.socket" \
			http://unix.socket/1.0 && return 0
		sleep 0.05
	done
	return 1
}

# daemon_start [moatd args...]: a moatd in $T/d; sets MOAT_DIR, LXD_DIR, LXD_CONF.
# It makes no default network (--network none) unless the args say --network.
daemon_start() {
	local a net=(--network none)
	export MOAT_DIR=$T/d LXD_DIR=$T/d LXD_CONF=$T/lxc-conf
	mkdir -p "$LXD_CONF"
	for a in "$@"; do case $a in --network | --network=*) net=() ;; esac; done
	"$B/moatd" --dir "$MOAT_DIR" "${net[@]}" "$@" >>"$T/moatd.log" 2>&1 &
	MOATD_PID=$!
	DAEMON_PIDS+=("$MOATD_PID")
	if ! wait_api 15; then
		not_ok "moatd started and answers"
		sed 's/^/#   /' "$T/moatd.log" | tail -20
		exit 1
	fi
}

frontend_pid() {
	pgrep -P "$MOATD_PID" -x moatd-api | head -1
}

finish() {
	exit "$FAILED" # the EXIT trap (cleanup) runs and may still fail the suite
}

# cg_read INSTANCE FILE: a cgroup file ("memory.limit_in_bytes",
# "memory.max", "pids.max", "cpuset.cpus") of the running instance's init:
# in its controller's v1 hierarchy on a hybrid host, else in cgroup2
# (mounted at /sys/fs/cgroup/unified on a hybrid host).
cg_read() {
	local pid ctrl=${2%%.*} line
	pid=$(jget "$(api GET "/1.0/instances/$1/state")" 'd["metadata"]["pid"]')
	line=$(grep -E "^[0-9]+:([^:]*,)?$ctrl(,[^:]*)?:" "/proc/$pid/cgroup" | head -1)
	if [ -n "$line" ]; then
		cat "/sys/fs/cgroup/$ctrl${line##*:}/$2"
	else
		cat "$(cg2_root)$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)/$2"
	fi
}

# The cgroup2 mount: /sys/fs/cgroup on a cgroup2 host, /sys/fs/cgroup/unified on a hybrid one.
cg2_root() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo /sys/fs/cgroup; else echo /sys/fs/cgroup/unified; fi
}

# cg_v1 CONTROLLER: is it on a cgroup v1 hierarchy (a hybrid host)?
cg_v1() {
	[ -d "/sys/fs/cgroup/$1" ] && [ "$(stat -f -c %T "/sys/fs/cgroup/$1")" = cgroupfs ]
}

# The memory limit's file: cgroup v1's on a hybrid host, else cgroup2's.
cg_memory_file() {
	if [ -d /sys/fs/cgroup/memory ] && ! stat -f -c %T /sys/fs/cgroup/memory | grep -q cgroup2; then
		echo memory.limit_in_bytes
	else
		echo memory.max
	fi
}
