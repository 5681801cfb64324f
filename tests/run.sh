#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test runner behind `make check`: unit tests (plain and under ASan +
# UBSan), the compromised-frontend test, every integration suite in
# tests/integration/ (real daemons, the stock lxc client, pylxd), a second
# pass of the parser and boundary suites against daemons built with ASan +
# UBSan, lint, and a short fuzz pass. Each part prints "ok - ..." /
# "not ok - ..." lines and a "# part NAME: N s" line with its elapsed time;
# the last line is "N passed, N failed". Runs as root on the build tree.
#   TESTS="10-daemon 20-forge" tests/run.sh   only those integration suites
#   SKIP_SAN=1 / SKIP_FUZZ=1                  leave those parts out
#   JOBS=N                 parts run at once (default 4; JOBS=1: one by one)
#   SAN_SUITES="..."|all   the suites run again under ASan (default below;
#                          `make check-full`: all)
#   FUZZ_CHECK_SECONDS=N   each fuzz target's run (default 10)
#
# The unit tests, lint and the integration suites run from a pool, JOBS at
# a time. Each suite has its own directory (state, daemons, liblxc's
# container path, temporary files) and tmux session names. Two suites may
# give a container the same name (c1): liblxc then puts the second in the
# payload cgroup lxc.payload.c1-1, and moatd, finding the init outside
# lxc.payload.<name>, asks liblxc for its counters instead
# (privhelper/cgroup.c; 50-instances checks that case), so names need not
# differ between suites. The suites mostly wait on containers and daemons,
# so more of them than the 2 cores pay: 4 at once (measured on 2 cores, 3
# at once took longer, and 6 no less time than 4, each part slower). A part's output is kept in a file and shown as one
# block when it ends, in the order of the list (unit, unit-san, the
# suites, the ASan suites, lint), whatever order they end in. Parts start
# longest first, by the times of the last run (build/test-times). A suite
# with a line "# run-alone: REASON" runs by itself, before the pool.
# The busybox test image is built once, here, and shared (MOAT_TEST_IMAGE).
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LOG=$(mktemp -d /tmp/moat-check.XXXXXX)
FUZZ_CHECK_SECONDS=${FUZZ_CHECK_SECONDS:-10}
JOBS=${JOBS:-4}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-1200} # a suite that hangs is killed after this
NPROC=$(nproc 2>/dev/null || echo 2)
TIMES=$TOP/build/test-times
RUN_START=$(date +%s)

# The suites that run a second time against daemons (and a client) built
# with ASan + UBSan, chosen by what they exercise: where moat parses bytes it
# did not make, where the frontend meets moatd, and where either cleans up
# after a peer that went away mid-operation.
#   10-daemon        the split, the sandbox, HTTP and LXD's envelopes
#   20-forge         forged, malformed and hostile packets on moatd's channel
#   30-startup       policy files, unsafe directories, database migrations
#   40-images        tarballs, metadata.yaml and templates, hostile images,
#                    streamed and capped uploads
#   45-events        the websocket handshake and frames, misbehaving clients
#   50-instances     every typed op across the boundary: create, exec, file
#                    push and pull (through symlinks), state and cgroup reads,
#                    the liblxc configuration rendered from typed fields
#   57-limits        the typed Limits message across the boundary, its live
#                    cgroup writes and the limits.* values' parsers
#   60-restart       kill -9 of moatd-api mid-exec and of moatd: the cleanup
#                    paths of a channel cut in the middle, state re-read
#   62-boot          moatd started again on a directory whose instances
#                    stopped behind its back: autostart's thread, the host
#                    shutdown operation, a frontend restarted mid-boot
#   66-nic           the typed Nic message at start and hot-plug (libnl's
#                    netlink calls), the nic filters' nft text, the nic
#                    keys' parsers, raw frames against the filters
#   68-proxy         proxy addresses parsed from device keys, the proxy ops,
#                    and the forwarder's own seccomp stages under ASan
#   70-cli           the client's parsers: JSON and YAML answers, exec and
#                    console websocket frames, the image builder's tarball
#   90-hostile       huge, slow, nested and wrongly typed bodies, bad names,
#                    injected liblxc configuration, paths that leave the root
#   92-symlink-race  paths resolved in the container's root while they change
# Left to the plain pass (and to `make check-full`): 15-lint starts no
# daemon, 55-pylxd sends 50's requests from another client, and 80-debian
# boots systemd through the same ops as 50 (its time is the boot, not moat).
SAN_SUITES_DEFAULT="10-daemon 20-forge 30-startup 40-images 45-events 50-instances 57-limits 60-restart 62-boot 66-nic 68-proxy 70-cli 90-hostile 92-symlink-race"
SAN_SUITES=${SAN_SUITES:-$SAN_SUITES_DEFAULT}

if [ "$(id -u)" != 0 ]; then
	echo "make check runs real daemons and containers: run it as root" >&2
	exit 2
fi
case $JOBS in
'' | *[!0-9]* | 0)
	echo "JOBS=$JOBS: a number of parts, 1 or more" >&2
	exit 2
	;;
esac

JOB_PIDS=()
FIXTURE_DIR=
on_exit() {
	local p
	# a run cut short (ctrl-c) stops its parts: each suite's timeout gets a TERM
	# and passes it on, and the suite's own EXIT trap stops its daemons
	for p in "${JOB_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		pkill -TERM -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	rm -rf "$LOG" ${FIXTURE_DIR:+"$FIXTURE_DIR"}
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# run_part NAME CMD...: run a part; its output in $LOG/NAME.out, its status in
# $LOG/NAME.rc, its elapsed seconds in $LOG/NAME.secs.
run_part() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	"$@" >"$LOG/$name.out" 2>&1
	rc=$?
	echo $(($(date +%s) - start)) >"$LOG/$name.secs"
	echo "$rc" >"$LOG/$name.rc"
}

# report NAME: show a part that ended: its check lines, its sub-parts' times,
# and its output's tail when a check failed.
report() {
	local name=$1 rc
	rc=$(cat "$LOG/$name.rc")
	echo "== $name"
	grep -E '^(ok|not ok) |^# part ' "$LOG/$name.out"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$LOG/$name.out"; then
		# a part that failed without saying which check: count it as one
		echo "not ok - $name exited with status $rc" | tee -a "$LOG/$name.out"
	fi
	if grep -q '^not ok ' "$LOG/$name.out"; then
		echo "-- $name output (last 40 lines):"
		grep -vE '^ok |^# part ' "$LOG/$name.out" | tail -40 | sed 's/^/   /'
	fi
	echo "# part $name: $(cat "$LOG/$name.secs") s"
}

# run NAME CMD...: a part run now, in the foreground, and reported.
run() {
	run_part "$@"
	report "$1"
}

lint_part() {
	if tools/lint.sh build; then echo "ok - lint (banned calls, format, privhelper budget, link line, proto)"; else echo "not ok - lint"; fi
}

# part_cmd NAME: the command of a pool part, in CMD.
part_cmd() {
	case $1 in
	unit) CMD=(build/tests/unit) ;;
	unit-san) CMD=(env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-san/tests/unit) ;;
	lint) CMD=(lint_part) ;;
	*-san) CMD=(timeout "$SUITE_TIMEOUT" env B="$TOP/build-san" SUITE_TAG=san bash "tests/integration/${1%-san}.sh") ;;
	*) CMD=(timeout "$SUITE_TIMEOUT" bash "tests/integration/$1.sh") ;;
	esac
}

# last_secs NAME: the part's time in the last run that had it (999 if none: an
# unknown part starts early).
last_secs() {
	local s
	s=$([ -f "$TIMES" ] && awk -v n="$1" '$1 == n { print $2 }' "$TIMES" | tail -1)
	echo "${s:-999}"
}

# pool PART...: run the parts, JOBS at a time, longest (last time) first;
# report each in the order given as soon as it and those before it ended.
pool() {
	local order=("$@") queue=() started=() name next=0 running
	mapfile -t queue < <(for name in "${order[@]}"; do
		echo "$(last_secs "$name") $name"
	done | sort -s -k1,1nr | awk '{ print $2 }')
	while [ "$next" -lt "${#order[@]}" ]; do
		running=0 # started, and no status yet
		for name in "${started[@]}"; do [ -f "$LOG/$name.rc" ] || running=$((running + 1)); done
		while [ "$running" -lt "$JOBS" ] && [ "${#queue[@]}" -gt 0 ]; do
			name=${queue[0]}
			queue=("${queue[@]:1}")
			part_cmd "$name"
			run_part "$name" "${CMD[@]}" &
			JOB_PIDS+=("$!")
			started+=("$name")
			running=$((running + 1))
		done
		while [ "$next" -lt "${#order[@]}" ] && [ -f "$LOG/${order[$next]}.rc" ]; do
			report "${order[$next]}"
			next=$((next + 1))
		done
		[ "$next" -lt "${#order[@]}" ] || break
		# until a part ends; a part that ended before this wait is still reaped by it
		wait -n 2>/dev/null
		if [ $? = 127 ]; then # no job left: one that died before writing its status
			for name in "${started[@]}"; do
				[ -f "$LOG/$name.rc" ] || { echo 255 >"$LOG/$name.rc" && echo 0 >"$LOG/$name.secs"; }
			done
		fi
	done
	wait
	JOB_PIDS=()
}

# ---- builds the parts need ----------------------------------------------------
san=0
if [ "${SKIP_SAN:-0}" != 1 ]; then
	san_build() {
		if make -s -j"$NPROC" SAN=1 all >"$LOG/san-build.log" 2>&1; then
			echo "ok - ASan/UBSan build"
		else
			echo "not ok - ASan/UBSan build"
			tail -20 "$LOG/san-build.log"
			return 1
		fi
	}
	run san-build san_build
	[ "$(cat "$LOG/san-build.rc")" = 0 ] && san=1
fi

# the busybox image every suite imports, built once for the run
fixture() {
	local dir
	dir=$(mktemp -d /tmp/moat-image.XXXXXX) && chmod 755 "$dir" || return 1
	FIXTURE_DIR=$dir
	if tools/build-busybox-image.sh "$dir/busybox.tar.gz"; then
		echo "ok - the busybox test image for the suites"
	else
		echo "not ok - the busybox test image for the suites (each suite builds its own)"
		return 1
	fi
}
run fixture fixture # (in this shell, not a subshell: FIXTURE_DIR is set)
if [ -s "$FIXTURE_DIR/busybox.tar.gz" ]; then
	export MOAT_TEST_IMAGE=$FIXTURE_DIR/busybox.tar.gz
fi

# ---- the pool -----------------------------------------------------------------
suites=$(echo ${TESTS:-$(cd tests/integration && ls [0-9]*.sh | sed 's/\.sh$//')}) # one line
[ "$SAN_SUITES" = all ] && SAN_SUITES=$suites
SAN_SUITES=$(echo $SAN_SUITES)
parts=(unit)
[ $san = 1 ] && parts+=(unit-san)
alone=()
for s in $suites; do
	if grep -q '^# run-alone:' "tests/integration/$s.sh" 2>/dev/null; then alone+=("$s"); else parts+=("$s"); fi
done
if [ $san = 1 ]; then
	for s in $suites; do
		case " $SAN_SUITES " in *" $s "*) ;; *) continue ;; esac
		if grep -q '^# run-alone:' "tests/integration/$s.sh" 2>/dev/null; then alone+=("$s-san"); else parts+=("$s-san"); fi
	done
fi
parts+=(lint)

pool_start=$(date +%s)
for name in "${alone[@]}"; do
	part_cmd "$name"
	run "$name" "${CMD[@]}"
done
pool "${parts[@]}"
echo "# part pool: $(($(date +%s) - pool_start)) s (JOBS=$JOBS)"

# ---- fuzzing ------------------------------------------------------------------
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	fuzz_part() {
		local start f t n=0 new
		start=$(date +%s)
		make -s -j"$NPROC" fuzz-build >"$LOG/fuzz-build.log" 2>&1 || {
			echo "not ok - fuzz: build"
			tail -20 "$LOG/fuzz-build.log"
			return 1
		}
		echo "# part fuzz-build: $(($(date +%s) - start)) s"
		# one target per core at a time: each runs its full time on a core of its own
		for f in build-fuzz/fuzz_*; do
			t=$(basename "$f")
			[ "$n" -ge "$NPROC" ] && { wait -n; n=$((n - 1)); }
			(
				new=$(mktemp -d)
				# new inputs go to a scratch corpus; the committed corpus is read only
				"$f" -max_total_time="$FUZZ_CHECK_SECONDS" -print_final_stats=1 \
					"$new" "fuzz/corpus/$t" >"$LOG/$t.log" 2>&1
				echo $? >"$LOG/$t.fuzzrc"
				rm -rf "$new"
			) &
			n=$((n + 1))
		done
		wait
		for f in build-fuzz/fuzz_*; do
			t=$(basename "$f")
			if [ "$(cat "$LOG/$t.fuzzrc" 2>/dev/null)" = 0 ]; then
				echo "ok - fuzz: $t ran ${FUZZ_CHECK_SECONDS}s without a crash ($(grep -o 'number_of_executed_units: [0-9]*' "$LOG/$t.log" | grep -o '[0-9]*$') execs)"
			else
				echo "not ok - fuzz: $t crashed"
				grep -E 'ERROR|SUMMARY|Test unit written' "$LOG/$t.log" | head -5
			fi
		done
	}
	run fuzz fuzz_part
fi

# the times of this run's parts, for the next run's order
if [ -d "$TOP/build" ]; then
	{
		[ -f "$TIMES" ] && cat "$TIMES"
		for f in "$LOG"/*.secs; do
			[ -f "$f" ] && echo "$(basename "$f" .secs) $(cat "$f")"
		done
	} | awk '{ t[$1] = $2 } END { for (n in t) print n, t[n] }' | sort >"$TIMES.tmp" && mv "$TIMES.tmp" "$TIMES"
fi

echo "# part total: $(($(date +%s) - RUN_START)) s"
# the failed checks again, by part, just above the last line: a log read from
# its end (CI shows only its tail) names them
for f in "$LOG"/*.out; do
	grep -q '^not ok ' "$f" || continue
	echo "== failed in $(basename "$f" .out):"
	grep '^not ok ' "$f" | head -10
	# and the part's last notes (what the suite printed to explain itself)
	grep -E '^#( |$)' "$f" | grep -v '^# part ' | tail -12 | sed 's/^/   /'
done
pass=$(cat "$LOG"/*.out | grep -c '^ok ')
fail=$(cat "$LOG"/*.out | grep -c '^not ok ')
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
