#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The boot.* keys as LXD 5.0 has them. A host reboot, simulated as moatd
# stopping (SIGTERM leaves the instances running), every container then
# stopped behind its back, and moatd started again on the same directory:
# the instances with boot.autostart=true, or with it unset that were
# running, start in boot.autostart.priority order with their delays; the
# others stay stopped. A frontend moatd restarts after a crash does not
# autostart. `moat shutdown` (PUT /internal/shutdown) stops the running
# instances in boot.stop.priority order and leaves them to start again at
# the next boot, moatd still serving.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

launch() {
	check "launch $1" timeout 120 lxc launch bb "$@"
}
launch a1 -c boot.autostart=true -c boot.autostart.priority=10 -c boot.autostart.delay=2 \
	-c boot.stop.priority=1 -c boot.host_shutdown_timeout=5
launch a2 -c boot.autostart=true -c boot.autostart.priority=5 -c boot.stop.priority=9 \
	-c boot.host_shutdown_timeout=5
launch a3 -c boot.autostart.priority=7 -c boot.stop.priority=5 -c boot.host_shutdown_timeout=5
launch n1 -c boot.autostart=false -c boot.autostart.priority=100 -c boot.stop.priority=3 \
	-c boot.host_shutdown_timeout=5
launch n2 -c boot.autostart.priority=100
check "lxc stop n2 (stopped before the reboot: not restored)" timeout 60 lxc stop n2 --force

states() { timeout 30 lxc list --format csv -c ns | tr '\n' ' ' | sed 's/ $//'; }
# the start time of an instance's init, in clock ticks since the host booted
started_at() {
	local pid
	pid=$(jget "$(api GET "/1.0/instances/$1/state")" 'd["metadata"]["pid"]')
	sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $20 }'
}
all_running() {
	for n in "$@"; do
		[ "$(timeout 30 lxc list "$n" --format csv -c s)" = RUNNING ] || return 1
	done
}
reboot() {
	kill "$MOATD_PID"
	for _ in $(seq 1 100); do kill -0 "$MOATD_PID" 2>/dev/null || break; sleep 0.1; done
	[ "$2" = running ] && check "$1: moatd stopped by SIGTERM left the instances running" \
		test "$(lxc-ls -P "$MOAT_DIR/containers" --running | wc -w)" -gt 0
	for c in "$MOAT_DIR"/containers/*/; do
		lxc-stop -P "$MOAT_DIR/containers" -n "$(basename "$c")" -k >/dev/null 2>&1
	done
	check_eq "$1: every container stopped (the host went down)" 0 \
		"$(lxc-ls -P "$MOAT_DIR/containers" --running | wc -w)"
	"$B/moatd" --network none --dir "$MOAT_DIR" >>"$T/moatd.log" 2>&1 &
	MOATD_PID=$!
	DAEMON_PIDS+=("$MOATD_PID")
	check "$1: moatd starts again on the same directory" wait_api 15
}

# ---- the reboot -----------------------------------------------------------------------------
reboot "reboot" running
check "a1, a3 and a2 are started" eventually 90 all_running a1 a2 a3
check_eq "after the boot: the autostart ones run, n1 (false) and n2 (stopped) do not" \
	"a1,RUNNING a2,RUNNING a3,RUNNING n1,STOPPED n2,STOPPED" "$(states)"
t1=$(started_at a1) t3=$(started_at a3) t2=$(started_at a2)
hz=$(getconf CLK_TCK)
note "init start times (ticks of 1/$hz s): a1 $t1, a3 $t3, a2 $t2"
check "in boot.autostart.priority order: a1 (10), a3 (7), a2 (5)" test "$t1" -lt "$t3" -a "$t3" -lt "$t2"
check "a3 started after a1's boot.autostart.delay of 2 s" test $((t3 - t1)) -ge $((2 * hz))
check_eq "a3 (unset, was running) is RUNNING again in its volatile state" RUNNING \
	"$(timeout 30 lxc config get a3 volatile.last_state.power)"
check_match "the first frontend said it autostarts" 'moatd has just started: autostart runs' \
	"$(cat "$T/moatd.log")"

# ---- a frontend restarted after a crash does not autostart ------------------------------------
lxc-stop -P "$MOAT_DIR/containers" -n a1 -k >/dev/null 2>&1
check "a1 stopped behind moat's back is seen STOPPED" \
	eventually 30 sh -c "[ \"\$(lxc list a1 --format csv -c s)\" = STOPPED ]"
fe=$(frontend_pid)
kill -9 "$fe"
check "the API answers again after kill -9 of moatd-api" wait_api 10
check_match "the new frontend knows it is not moatd's first" \
	'moatd started an earlier frontend: no autostart' "$(cat "$T/moatd.log")"
check_eq "so a1 (boot.autostart=true) stays STOPPED" STOPPED \
	"$(timeout 30 lxc list a1 --format csv -c s)"
check "lxc start a1" timeout 60 lxc start a1
check "lxc start n1" timeout 60 lxc start n1

# ---- moat shutdown ------------------------------------------------------------------------
timeout 120 lxc monitor --type=lifecycle --format=json >"$T/events.json" 2>/dev/null &
mon=$!
cleanup_also kill "$mon"
# the monitor is listening once it has seen an event of ours
check "lxc monitor listens" eventually 30 sh -c \
	"lxc config set n2 user.probe=\$(date +%s%N) && grep -q instance-updated '$T/events.json'"
check "moat shutdown" timeout 120 "$B/moat" shutdown
order=$(/usr/bin/python3 -c '
import json, sys
names = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    e = json.loads(line)
    if e.get("metadata", {}).get("action") == "instance-shutdown":
        names.append(e["metadata"]["source"].rsplit("/", 1)[-1])
print(" ".join(names))' "$T/events.json")
kill "$mon" 2>/dev/null
check_eq "in boot.stop.priority order: a2 (9), a3 (5), n1 (3), a1 (1)" "a2 a3 n1 a1" "$order"
check_eq "every instance is stopped" \
	"a1,STOPPED a2,STOPPED a3,STOPPED n1,STOPPED n2,STOPPED" "$(states)"
check_eq "no container runs" 0 "$(lxc-ls -P "$MOAT_DIR/containers" --running | wc -w)"
check_eq "their last state stays RUNNING (the next boot restores them)" "RUNNING RUNNING" \
	"$(timeout 30 lxc config get a3 volatile.last_state.power) $(timeout 30 lxc config get a1 volatile.last_state.power)"
check "moatd still serves" wait_api 5
check_eq "PUT /internal/shutdown with nothing running succeeds too" 202 \
	"$(api_status PUT /internal/shutdown -d '{}')"

# ---- the next boot -------------------------------------------------------------------------
reboot "second boot" stopped
check "a1, a2, a3 start again" eventually 90 all_running a1 a2 a3
check_eq "n1 (boot.autostart=false) does not, though it was running" \
	"a1,RUNNING a2,RUNNING a3,RUNNING n1,STOPPED n2,STOPPED" "$(states)"
check "delete everything" timeout 120 lxc delete -f a1 a2 a3 n1 n2
finish
