#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# LXD 5.0's container limits through the stock lxc client and pylxd: each
# limits.* key seen in the running container's own cgroup files after a
# start and after a live `lxc config set` (on the v1 controllers of a
# hybrid host or on cgroup2, as moatd chooses per controller), nproc
# inside following limits.cpu, a fork bomb stopped at limits.processes, an
# allocation past limits.memory killed, huge page limits where the host
# has the size, and bad values refused with a 400 and nothing stored.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

ncpu=$(nproc)
memtotal=$(/usr/bin/python3 -c 'import os; print(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))')
have2mb=0
[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] && have2mb=1
note "host: $ncpu CPUs, $memtotal bytes; 2MB huge pages: $have2mb; huge page sizes:" \
	"$(ls /sys/kernel/mm/hugepages/ 2>/dev/null | tr '\n' ' ')"

# the file names and the "no limit" values of this host's controllers
if cg_v1 memory; then
	MEM=memory.limit_in_bytes SOFT=memory.soft_limit_in_bytes
else
	MEM=memory.max SOFT=memory.high
fi
if cg_v1 cpu; then CPUV1=1; else CPUV1=0; fi
if cg_v1 hugetlb; then HUGE2=hugetlb.2MB.limit_in_bytes; else HUGE2=hugetlb.2MB.max; fi
UNLIMITED='^(max|-1|9223372036854771712)$'

# ---- at start ---------------------------------------------------------------------------
huge_opt=()
[ "$have2mb" = 1 ] && huge_opt=(-c limits.hugepages.2MB=4MiB)
check "launch l1 with every limit" timeout 120 lxc launch bb l1 -c limits.memory=128MiB \
	-c limits.memory.swap=false -c limits.cpu=0-0 -c limits.cpu.allowance=25ms/100ms \
	-c limits.cpu.priority=5 -c limits.processes=64 "${huge_opt[@]}"
check_eq "limits.memory 128MiB: $MEM" 134217728 "$(cg_read l1 $MEM)"
if cg_v1 memory; then
	check_eq "limits.memory.swap=false: memsw is the limit (no swap)" 134217728 \
		"$(cg_read l1 memory.memsw.limit_in_bytes)"
	check_eq "limits.memory.swap=false: swappiness 0" 0 "$(cg_read l1 memory.swappiness)"
	check_eq "a hard limit has LXD's soft limit of 90%" 120795136 "$(cg_read l1 $SOFT)"
else
	check_eq "limits.memory.swap=false: memory.swap.max 0" 0 "$(cg_read l1 memory.swap.max)"
fi
check_eq "limits.cpu 0-0: cpuset.cpus" 0 "$(cg_read l1 cpuset.cpus)"
check_eq "nproc inside follows limits.cpu" 1 "$(timeout 30 lxc exec l1 -- nproc)"
if [ "$CPUV1" = 1 ]; then
	check_eq "limits.cpu.priority 5: cpu.shares 1024 - 5" 1019 "$(cg_read l1 cpu.shares)"
	check_eq "limits.cpu.allowance 25ms/100ms: the CFS quota" "25000 100000" \
		"$(cg_read l1 cpu.cfs_quota_us) $(cg_read l1 cpu.cfs_period_us)"
else
	check_eq "limits.cpu.priority 5: cpu.weight 100 - 5" 95 "$(cg_read l1 cpu.weight)"
	check_eq "limits.cpu.allowance 25ms/100ms: cpu.max" "25000 100000" "$(cg_read l1 cpu.max)"
fi
check_eq "limits.processes 64: pids.max" 64 "$(cg_read l1 pids.max)"
if [ "$have2mb" = 1 ]; then
	check_eq "limits.hugepages.2MB 4MiB: $HUGE2" 4194304 "$(cg_read l1 $HUGE2)"
fi

# ---- live ---------------------------------------------------------------------------------
check "lxc config set of every limit on the running l1" timeout 30 lxc config set l1 \
	limits.memory=50% limits.memory.swap=true limits.memory.swap.priority=3 \
	limits.cpu="0-$((ncpu - 1))" limits.cpu.allowance=50% limits.cpu.priority=10 \
	limits.processes=200
# the kernel keeps a limit in whole pages
half=$((memtotal / 100 * 50))
check_eq "limits.memory 50% is half the host's memory" "$((half / 4096 * 4096))" "$(cg_read l1 $MEM)"
if cg_v1 memory; then
	check_eq "swap allowed: memsw is twice the limit (LXD 5.0)" "$((half * 2 / 4096 * 4096))" \
		"$(cg_read l1 memory.memsw.limit_in_bytes)"
	check_eq "limits.memory.swap.priority 3: swappiness 70 - 3" 67 "$(cg_read l1 memory.swappiness)"
fi
check_eq "limits.cpu widened live: cpuset.cpus" "$([ "$ncpu" -gt 1 ] && echo "0-$((ncpu - 1))" || echo 0)" \
	"$(cg_read l1 cpuset.cpus)"
check_eq "nproc inside follows at once" "$ncpu" "$(timeout 30 lxc exec l1 -- nproc)"
if [ "$CPUV1" = 1 ]; then
	check_eq "limits.cpu.allowance 50%: cpu.shares 512" 512 "$(cg_read l1 cpu.shares)"
	check_eq "the CFS quota is gone" -1 "$(cg_read l1 cpu.cfs_quota_us)"
else
	check_eq "limits.cpu.allowance 50%: cpu.weight 50" 50 "$(cg_read l1 cpu.weight)"
	check_match "cpu.max is back to max" '^max ' "$(cg_read l1 cpu.max)"
fi
check_eq "limits.processes 200 at once" 200 "$(cg_read l1 pids.max)"
check "a CPU count live" timeout 30 lxc config set l1 limits.cpu=1
check_eq "limits.cpu 1: one CPU" 1 "$(timeout 30 lxc exec l1 -- nproc)"
check "limits.memory.enforce=soft live" timeout 30 lxc config set l1 limits.memory=96MiB limits.memory.enforce=soft
check_eq "soft: the soft limit is the value ($SOFT)" 100663296 "$(cg_read l1 $SOFT)"
check_match "soft: no hard limit ($MEM)" "$UNLIMITED" "$(cg_read l1 $MEM)"
if [ "$have2mb" = 1 ]; then
	check "limits.hugepages.2MB live" timeout 30 lxc config set l1 limits.hugepages.2MB=0
	check_eq "$HUGE2 is 0 at once" 0 "$(cg_read l1 $HUGE2)"
	check "unset limits.hugepages.2MB" timeout 30 lxc config unset l1 limits.hugepages.2MB
	check_match "$HUGE2 is no limit again" "$UNLIMITED" "$(cg_read l1 $HUGE2)"
fi
if [ ! -d /sys/kernel/mm/hugepages/hugepages-64kB ]; then
	out=$(timeout 30 lxc config set l1 limits.hugepages.64KB=1MiB 2>&1)
	check_match "limits.hugepages.64KB on a host without 64KB pages is refused" \
		'no huge pages of that size' "$out"
	check_eq "... and not stored" "" "$(timeout 30 lxc config get l1 limits.hugepages.64KB)"
fi

# ---- enforcement ---------------------------------------------------------------------------
check "limits.processes 20" timeout 30 lxc config set l1 limits.processes=20
out=$(timeout 60 lxc exec l1 -- sh -c 'i=0; while [ $i -lt 60 ]; do sleep 3 & i=$((i+1)); done; wait' 2>&1)
check_match "a fork bomb stops at limits.processes" "can't fork|Resource temporarily unavailable" "$out"
check_match "the pids controller counted refused forks" '^max [1-9]' "$(cg_read l1 pids.events)"
check "limits.memory 64MiB, hard, no swap" timeout 30 lxc config set l1 limits.memory=64MiB \
	limits.memory.enforce=hard limits.memory.swap=false limits.processes=200
timeout 60 lxc exec l1 -- awk 'BEGIN { s = "x"; while (1) s = s s }' >/dev/null 2>&1
rc=$?
check_match "an allocation past limits.memory is killed (exit $rc)" '^(137|1|2)$' "$rc"
if cg_v1 memory; then
	check_match "the memory cgroup OOM-killed it" 'oom_kill [1-9]' "$(cg_read l1 memory.oom_control)"
else
	check_match "the memory cgroup OOM-killed it" 'oom_kill [1-9]' "$(cg_read l1 memory.events)"
fi
check_eq "the container itself still runs" RUNNING "$(timeout 30 lxc list l1 --format csv -c s)"

# ---- bad values: 400, nothing stored -----------------------------------------------------
for kv in limits.cpu=1,1 limits.cpu=3-1 limits.cpu.allowance=25ms limits.cpu.allowance=101% \
	limits.cpu.priority=11 limits.memory=0% limits.memory=101% limits.memory.enforce=medium \
	limits.memory.swap=maybe limits.memory.swap.priority=-1 limits.processes=0 \
	limits.hugepages.2MB=lots; do
	k=${kv%%=*} v=${kv#*=}
	before=$(timeout 30 lxc config get l1 "$k")
	check_eq "PATCH $kv is a 400" 400 \
		"$(api_status PATCH /1.0/instances/l1 -d "{\"config\":{\"$k\":\"$v\"}}")"
	check_eq "... and $k keeps '$before'" "$before" "$(timeout 30 lxc config get l1 "$k")"
done
check_match "lxc says why" 'must be a number of CPUs or a set' \
	"$(timeout 30 lxc config set l1 limits.cpu 0-1,1 2>&1)"

# ---- pylxd ---------------------------------------------------------------------------------
cat >"$T/limits.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd
from pylxd.exceptions import LXDAPIException

def check(desc, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + "57-limits: pylxd: " + desc + ("" if cond else ": " + str(detail)))

c = pylxd.Client()
ct = c.containers.get("l1")
ct.config["limits.processes"] = "77"
ct.config["limits.cpu.priority"] = "0"
ct.save(wait=True)
print("PIDS", flush=True)
ct = c.containers.get("l1")
ct.config["limits.memory.swap.priority"] = "11"
try:
    ct.save(wait=True)
    check("a bad limits.memory.swap.priority is refused", False, "saved")
except LXDAPIException as e:
    check("a bad limits.memory.swap.priority is refused", "between 0 and 10" in str(e), e)
ct = c.containers.get("l1")
check("... and not stored", ct.config.get("limits.memory.swap.priority") != "11", ct.config)
PY
out=$(timeout 60 /usr/bin/python3 "$T/limits.py" 2>&1)
printf '%s\n' "$out" | grep -E '^(ok|not ok) ' || true
printf '%s\n' "$out" | grep -q '^not ok' && FAILED=1
check_match "pylxd's save ran" '^PIDS$' "$out"
check_eq "pylxd's limits.processes reached pids.max" 77 "$(cg_read l1 pids.max)"
if [ "$CPUV1" = 1 ]; then
	check_eq "pylxd's limits.cpu.priority 0 (allowance 50%): cpu.shares 512 - 10" 502 \
		"$(cg_read l1 cpu.shares)"
else
	check_eq "pylxd's limits.cpu.priority 0 (allowance 50%): cpu.weight 50 - 10" 40 \
		"$(cg_read l1 cpu.weight)"
fi

# ---- the next start renders the stored set -------------------------------------------------
check "lxc restart l1" timeout 120 lxc restart l1 --force
check_eq "after a restart: memory 64MiB" 67108864 "$(cg_read l1 $MEM)"
check_eq "after a restart: pids.max 77" 77 "$(cg_read l1 pids.max)"
check_eq "after a restart: one CPU" 1 "$(timeout 30 lxc exec l1 -- nproc)"
check "lxc delete -f l1" timeout 60 lxc delete -f l1
finish
