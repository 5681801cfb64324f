#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test runner behind `make check`: unit tests (plain and under ASan +
# UBSan), the compromised-frontend test, every integration suite in
# tests/integration/ (real daemons, the stock lxc client, pylxd), lint, and
# a short fuzz pass. Each part prints "ok - ..." / "not ok - ..." lines;
# the last line is "N passed, N failed". Runs as root on the build tree.
#   TESTS="10-daemon 20-forge" tests/run.sh   only those integration suites
#   SKIP_SAN=1 / SKIP_FUZZ=1                  leave those parts out
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
LOG=$(mktemp -d /tmp/moat-check.XXXXXX)
trap 'rm -rf "$LOG"' EXIT
FUZZ_CHECK_SECONDS=${FUZZ_CHECK_SECONDS:-10}

if [ "$(id -u)" != 0 ]; then
	echo "make check runs real daemons and containers: run it as root" >&2
	exit 2
fi

# run NAME CMD...: run a part, show its check lines, keep the rest in the log.
run() {
	local name=$1
	shift
	echo "== $name"
	"$@" >"$LOG/$name.out" 2>&1
	local rc=$?
	grep -E '^(ok|not ok) ' "$LOG/$name.out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$LOG/$name.out"; then
		# a part that failed without saying which check: count it as one
		echo "not ok - $name exited with status $rc" | tee -a "$LOG/$name.out"
	fi
	if grep -q '^not ok ' "$LOG/$name.out"; then
		echo "-- $name output (last 40 lines):"
		grep -vE '^ok ' "$LOG/$name.out" | tail -40 | sed 's/^/   /'
	fi
}

run unit build/tests/unit
san=0
if [ "${SKIP_SAN:-0}" != 1 ]; then
	if make -s SAN=1 all >"$LOG/san-build.log" 2>&1; then
		san=1
		run unit-san env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-san/tests/unit
	else
		echo "not ok - ASan/UBSan build" | tee "$LOG/san-build.out"
		tail -20 "$LOG/san-build.log"
	fi
fi

suites=${TESTS:-$(cd tests/integration && ls [0-9]*.sh | sed 's/\.sh$//')}
for s in $suites; do
	run "$s" timeout 1200 bash "tests/integration/$s.sh"
done
# the same suites against daemons built with ASan + UBSan
if [ $san = 1 ]; then
	for s in $suites; do
		run "$s-san" timeout 1200 env B="$TOP/build-san" SUITE_TAG=san bash "tests/integration/$s.sh"
	done
fi

lint_part() {
	if tools/lint.sh build; then echo "ok - lint (banned calls, format, privhelper budget, link line, proto)"; else echo "not ok - lint"; fi
}
run lint lint_part

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	fuzz_part() {
		make -s fuzz-build >"$LOG/fuzz-build.log" 2>&1 || {
			echo "not ok - fuzz: build"
			tail -20 "$LOG/fuzz-build.log"
			return 1
		}
		for f in build-fuzz/fuzz_*; do
			local t new
			t=$(basename "$f")
			new=$(mktemp -d)
			# new inputs go to a scratch corpus; the committed corpus is read only
			if "$f" -max_total_time="$FUZZ_CHECK_SECONDS" -print_final_stats=1 \
				"$new" "fuzz/corpus/$t" >"$LOG/$t.log" 2>&1; then
				echo "ok - fuzz: $t ran ${FUZZ_CHECK_SECONDS}s without a crash ($(grep -o 'number_of_executed_units: [0-9]*' "$LOG/$t.log" | grep -o '[0-9]*$') execs)"
			else
				echo "not ok - fuzz: $t crashed"
				grep -E 'ERROR|SUMMARY|Test unit written' "$LOG/$t.log" | head -5
			fi
			rm -rf "$new"
		done
	}
	run fuzz fuzz_part
fi

pass=$(cat "$LOG"/*.out | grep -c '^ok ')
fail=$(cat "$LOG"/*.out | grep -c '^not ok ')
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
