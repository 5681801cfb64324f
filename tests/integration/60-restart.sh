#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Containers outlive the daemons: kill -9 of moatd-api while an exec runs,
# and kill -9 of moatd itself with containers running. After each restart
# the stock client sees the containers RUNNING and exec works.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image
check "launch r1" timeout 120 lxc launch bb r1
check "launch r2" timeout 120 lxc launch bb r2
init1=$(jget "$(api GET /1.0/instances/r1/state)" 'd["metadata"]["pid"]')

# kill -9 of the frontend while an exec runs
timeout 60 lxc exec r1 -- sleep 20 >/dev/null 2>&1 &
execjob=$!
sleep 1
fe=$(frontend_pid)
kill -9 "$fe"
check "the API answers again after kill -9 of moatd-api" wait_api 5
check_eq "r1 and r2 are still RUNNING" "r1,RUNNING r2,RUNNING" \
	"$(timeout 30 lxc list --format csv -c ns | tr '\n' ' ' | sed 's/ $//')"
check_eq "r1's init is the same process" "$init1" "$(jget "$(api GET /1.0/instances/r1/state)" 'd["metadata"]["pid"]')"
check_eq "exec works after the frontend restart" "alive" "$(timeout 30 lxc exec r1 -- echo alive)"
kill "$execjob" 2>/dev/null
wait "$execjob" 2>/dev/null

# kill -9 of moatd itself: its frontend follows it; containers stay
kill -9 "$MOATD_PID"
for _ in $(seq 1 50); do [ -z "$(frontend_pid)" ] && break; sleep 0.1; done
check "moatd-api died with moatd" test -z "$(pgrep -x moatd-api -P "$MOATD_PID")"
check "r1's init survived moatd" kill -0 "$init1"
"$B/moatd" --network none --dir "$MOAT_DIR" >>"$T/moatd.log" 2>&1 &
MOATD_PID=$!
DAEMON_PIDS+=("$MOATD_PID")
check "a new moatd takes over the directory" wait_api 10
check_eq "after the restart both are RUNNING" "r1,RUNNING r2,RUNNING" \
	"$(timeout 30 lxc list --format csv -c ns | tr '\n' ' ' | sed 's/ $//')"
check_eq "exec works after the restart" "still-alive" "$(timeout 30 lxc exec r2 -- echo still-alive)"
check "stop and delete work after the restart" timeout 60 lxc delete -f r1 r2
check_eq "nothing is left" "" "$(timeout 30 lxc list --format csv)"
finish
