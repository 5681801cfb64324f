#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Containers end to end through Debian's stock lxc client: launch, list,
# info, exec, files, state changes, ephemeral instances, bad input, and
# the unprivileged id map. pylxd has its own suite (55-pylxd).
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

# ---- launch, list, info ----------------------------------------------------
check "lxc launch bb c1" timeout 120 lxc launch bb c1
check_eq "c1 is RUNNING in csv" "c1,RUNNING" "$(timeout 30 lxc list --format csv -c ns)"
check_match "lxc list table shows c1" '\| c1 +\| RUNNING' "$(timeout 30 lxc list)"
json=$(timeout 30 lxc list --format json)
check_eq "lxc list json: name, status, type" "c1 Running container" \
	"$(jget "$json" '" ".join([d[0]["name"], d[0]["status"], d[0]["type"]])')"
check_eq "lxc list json: state.pid is a number above 0" "true" "$(jget "$json" 'd[0]["state"]["pid"] > 0')"
check_eq "a filter the server applies (status=stopped) hides c1" "" "$(timeout 30 lxc list status=stopped --format csv -c n)"
check_eq "a filter the server applies (status=running) keeps c1" "c1" "$(timeout 30 lxc list status=running --format csv -c n)"
info=$(timeout 30 lxc info c1)
check_match "lxc info shows the status" 'Status: RUNNING' "$info"
check_match "lxc info shows processes" 'Processes: [1-9]' "$info"
check_match "lxc info shows memory" 'Memory usage:' "$info"
st=$(api GET /1.0/instances/c1/state)
check_eq "state.network holds the container's lo with 127.0.0.1/8" "127.0.0.1/8 65536 loopback" \
	"$(jget "$st" '[a["address"]+"/"+a["netmask"] for a in d["metadata"]["network"]["lo"]["addresses"] if a["family"]=="inet"][0]+" "+str(d["metadata"]["network"]["lo"]["mtu"])+" "+d["metadata"]["network"]["lo"]["type"]')"
check_eq "state.network has only the container's interfaces (not the host's)" "lo" \
	"$(jget "$st" '",".join(sorted(d["metadata"]["network"].keys()))')"
# the counters: moatd-api reads the payload cgroup's files itself
# (frontend/model/usage.c), also when liblxc took another name (-1: below)
cg_of() { # PID CONTROLLER: its cgroup, v1 line or else cgroup2's
	local p
	p=$(sed -n "s/^[0-9]*:$2:\(.*\)/\1/p" "/proc/$1/cgroup")
	if [ -n "$p" ]; then echo "/sys/fs/cgroup/$2$p"; else echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"; fi
}
procs_match() { # NAME: state.processes is the cgroup's pids.current
	local st p
	st=$(api GET "/1.0/instances/$1/state")
	p=$(jget "$st" 'd["metadata"]["pid"]')
	[ "$p" -gt 0 ] && [ "$(jget "$st" 'd["metadata"]["processes"]')" = "$(cat "$(cg_of "$p" pids)/pids.current")" ]
}
check "state.processes is the payload cgroup's pids.current" eventually 10 procs_match c1
check_eq "state.memory: usage above 0, peak at least that, swap counters there" true \
	"$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["memory"]["usage"] > 0 and d["metadata"]["memory"]["usage_peak"] >= d["metadata"]["memory"]["usage"] and d["metadata"]["memory"]["swap_usage"] >= 0 and d["metadata"]["memory"]["swap_usage_peak"] >= 0')"
check_match "lxc info shows a memory figure above 0" 'Memory \(current\): [0-9.]*[1-9][0-9.]*[KMG]i?B' "$info"
check_match "lxc list shows c1's memory" '^c1,[0-9.]*[1-9][0-9.]*[KMG]i?B$' "$(timeout 30 lxc list --format csv -c nm)"
cpu_of() { jget "$(api GET "/1.0/instances/$1/state")" 'd["metadata"]["cpu"]["usage"]'; }
cpu0=$(cpu_of c1)
timeout 60 lxc exec c1 -- sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'
cpu1=$(cpu_of c1)
check_eq "state.cpu.usage grows after a busy loop inside ($cpu0 -> $cpu1 ns)" true \
	"$([ "$cpu1" -gt "$cpu0" ] && echo true || echo false)"
acct=$(cg_of "$(jget "$st" 'd["metadata"]["pid"]')" cpuacct)/cpuacct.usage
if [ -f "$acct" ]; then
	c=$(cat "$acct")
	check_eq "state.cpu.usage is the cgroup's cpuacct.usage, read after it" true \
		"$(jget "$(api GET /1.0/instances/c1/state)" "0 < $c <= d['metadata']['cpu']['usage']")"
fi
# a stray cgroup of the name in every hierarchy moatd reads: read instead of
# the container's own, it would say 0 processes
strays=""
for h in pids memory cpuacct; do
	[ -d "/sys/fs/cgroup/$h" ] && mkdir "/sys/fs/cgroup/$h/lxc.payload.cg$$" 2>/dev/null &&
		strays="$strays /sys/fs/cgroup/$h/lxc.payload.cg$$"
done
if [ -n "$strays" ]; then
	check "a container whose payload cgroup name was taken starts" timeout 120 lxc launch bb "cg$$"
	check_match "liblxc put it in another cgroup" "lxc.payload.cg$$-" \
		"$(cat "/proc/$(jget "$(api GET "/1.0/instances/cg$$/state")" 'd["metadata"]["pid"]')/cgroup")"
	check "its state.processes still counts its own processes, not the stray cgroup's" eventually 10 procs_match "cg$$"
	check_eq "and its memory usage is its own, above 0 (the stray cgroup holds none)" true \
		"$(jget "$(api GET "/1.0/instances/cg$$/state")" 'd["metadata"]["memory"]["usage"] > 0')"
	check_eq "the stray cgroup is empty" 0 "$(cat "/sys/fs/cgroup/pids/lxc.payload.cg$$/pids.current")"
	check "a live limit reaches it under liblxc's other name" timeout 30 lxc config set "cg$$" limits.processes=77
	check_eq "in its own pids cgroup" 77 "$(cg_read "cg$$" pids.max)"
	check_eq "not in the stray one" max "$(cat "/sys/fs/cgroup/pids/lxc.payload.cg$$/pids.max")"
	timeout 60 lxc delete -f "cg$$" >/dev/null 2>&1
	for d in $strays; do rmdir "$d"; done
fi
# liblxc below moatd's own cgroup (lxc.cgroup.relative), with moatd in a memory
# cgroup of its own and the frontend moved to another: the frontend finds the
# payload from moatd's cgroup as hello said it, not from its own
cg_back() { # DIR... then the cgroup to move their processes back to
	local to=${!#} d p
	lxc-stop -P "$MOAT_DIR/containers" -n "rel$$" -k >/dev/null 2>&1
	for d in "${@:1:$#-1}"; do
		[ -d "$d" ] || continue
		for p in $(cat "$d/cgroup.procs"); do echo "$p" >"$to/cgroup.procs"; done
		# and what liblxc left below (its lxc.pivot), deepest first
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$d"
	done
}
fe_moved() { [ -n "$(frontend_pid)" ] && [ "$(frontend_pid)" != "$1" ] && wait_api 2; }
if cg_v1 memory; then
	mh=/sys/fs/cgroup/memory
	back=$mh$(sed -n 's/^[0-9]*:memory://p' "/proc/$MOATD_PID/cgroup")
	mkdir "$mh/moat-d$$" "$mh/moat-fe$$"
	cleanup_also cg_back "$mh/moat-d$$" "$mh/moat-fe$$" "$back"
	echo "$MOATD_PID" >"$mh/moat-d$$/cgroup.procs"
	fe=$(frontend_pid)
	kill -9 "$fe" # moatd starts another, whose hello says moatd's new cgroup
	check "a new frontend answers" eventually 10 fe_moved "$fe"
	echo "$(frontend_pid)" >"$mh/moat-fe$$/cgroup.procs"
	check_eq "the frontend's memory cgroup is not moatd's" "/moat-fe$$ /moat-d$$" \
		"$(sed -n 's/^[0-9]*:memory://p' "/proc/$(frontend_pid)/cgroup") $(sed -n 's/^[0-9]*:memory://p' "/proc/$MOATD_PID/cgroup")"
	check "launch rel$$ with lxc.cgroup.relative" timeout 120 lxc launch bb "rel$$" -c raw.lxc="lxc.cgroup.relative = 1"
	check_match "liblxc put its memory cgroup below moatd's" "^[0-9]*:memory:/moat-d$$/lxc.payload.rel$$\$" \
		"$(cat "/proc/$(jget "$(api GET "/1.0/instances/rel$$/state")" 'd["metadata"]["pid"]')/cgroup")"
	check_eq "its memory usage is read there, above 0" true \
		"$(jget "$(api GET "/1.0/instances/rel$$/state")" 'd["metadata"]["memory"]["usage"] > 0')"
	check "its state.processes is its pids.current" eventually 10 procs_match "rel$$"
	timeout 60 lxc delete -f "rel$$" >/dev/null 2>&1
	cg_back "$mh/moat-d$$" "$mh/moat-fe$$" "$back"
	check "moatd and the frontend are back in their memory cgroup, the test's are gone" \
		test ! -d "$mh/moat-d$$" -a ! -d "$mh/moat-fe$$"
else
	note "no cgroup v1 memory hierarchy: the test of a payload below moatd's cgroup is skipped"
fi
check_match "the template rendered /etc/hostname at create" '^c1$' "$(timeout 30 lxc exec c1 -- cat /etc/hostname)"
tpl_rows() { sqlite3 "$MOAT_DIR/database/moat.db" "SELECT name || ' ' || length(content) FROM image_templates;"; }
check_eq "the template's source was copied out of the image once, into the database" \
	"hostname.tpl $(tar -xzOf "$BB_IMG" templates/hostname.tpl | wc -c)" "$(tpl_rows)"

# ---- unprivileged ------------------------------------------------------------
map=$(timeout 30 lxc exec c1 -- cat /proc/self/uid_map)
check_match "/proc/self/uid_map is not the identity" '^ *0 +[1-9][0-9]* +65536' "$map"
pid=$(jget "$(api GET /1.0/instances/c1/state)" 'd["metadata"]["pid"]')

# ---- the liblxc configuration moatd writes ---------------------------------
cfg=$MOAT_DIR/containers/c1/config
check_fails "the config includes no file (no host package's snippet reaches it)" \
	grep -q '^lxc.include' "$cfg"
check_eq "its only hook is moatd's own post-stop hook" "lxc.hook.post-stop" \
	"$(grep '^lxc.hook\.[a-z-]* *=' "$cfg" | sed 's/ *=.*//' | grep -v '^lxc.hook.version$')"
check "it has its own seccomp profile" \
	grep -qx "lxc.seccomp.profile = $MOAT_DIR/containers/c1/seccomp" "$cfg"
check "which denies what LXD's default denies (kexec_load, open_by_handle_at)" \
	grep -qE '^(kexec_load|open_by_handle_at)( |$)' "$MOAT_DIR/containers/c1/seccomp"
check_match "and init runs under it" '^Seccomp:[[:space:]]+2' "$(grep '^Seccomp:' /proc/$pid/status)"
check_match "init runs as a high host uid" '^Uid:[[:space:]]+[1-9][0-9]{4,}' "$(grep '^Uid:' /proc/$pid/status)"
check_eq "the pool is reachable by root only" 700 "$(stat -c %a "$MOAT_DIR/storage-pools/default")"
check_fails "a host user cannot reach a container's files" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups ls "$MOAT_DIR/storage-pools/default/containers/c1/rootfs/bin"
# where the filesystem keeps inode flags (ext4 here), every instance's tree
# is a hierarchy of its own for the block allocator (chattr +T)
for d in containers images; do
	if flags=$(lsattr -d "$MOAT_DIR/storage-pools/default/$d" 2>/dev/null); then
		check_match "the pool's $d/ spreads its trees (T flag)" '^[^ ]*T[^ ]* ' "$flags"
	else
		note "the filesystem of $MOAT_DIR keeps no inode flags: T flag not checked"
	fi
done

# ---- exec ----------------------------------------------------------------------
check_eq "exec: stdout" "hello" "$(timeout 30 lxc exec c1 -- echo hello)"
timeout 30 lxc exec c1 -- sh -c 'exit 3'
check_eq "exec: exit code 3" 3 "$?"
timeout 30 lxc exec c1 -- true
check_eq "exec: exit code 0" 0 "$?"
out=$(timeout 30 lxc exec c1 -- no-such-command 2>&1)
rc=$?
check_eq "exec: a missing command exits 127" 127 "$rc"
check_match "exec: a missing command says so" 'Command not found' "$out"
check_eq "exec: piped stdin" "abc" "$(printf abc | timeout 30 lxc exec c1 -- cat)"
check_eq "exec: stderr apart from stdout" "err" "$(timeout 30 lxc exec c1 -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)"
check_eq "exec: --env" "v1" "$(timeout 30 lxc exec c1 --env K1=v1 -- sh -c 'echo $K1')"
check_eq "exec: --cwd" "/tmp" "$(timeout 30 lxc exec c1 --cwd /tmp -- pwd)"
check_eq "exec: --user and --group" "1234:4321" \
	"$(timeout 30 lxc exec c1 --user 1234 --group 4321 -- sh -c 'echo $(id -u):$(id -g)')"
check_eq "exec: default environment" "/root C.UTF-8" "$(timeout 30 lxc exec c1 -- sh -c 'echo $HOME $LANG')"
# --foreground: without it timeout leaves the terminal's foreground group and lxc
# stops on SIGTTOU when it makes the terminal raw (script runs $SHELL -c).
out=$(script -qec "timeout --foreground 30 lxc exec c1 -- sh -c 'stty size; tty; exit 7'" /dev/null)
rc=$?
check_eq "exec: interactive under a pty exits with the command's code" 7 "$rc"
check_match "exec: interactive has a terminal" '[0-9]+ [0-9]+' "$out"
check_match "exec: the terminal is the container's own /dev/pts/N" '/dev/pts/[0-9]+' "$out"
out=$(script -qec "timeout --foreground 30 lxc exec c1 --user 1234 --group 4321 -- sh -c 'ls -ln \$(tty)'" /dev/null)
check_match "exec: the terminal belongs to the command's user" ' 1234 +4321 ' "$out"
# without websockets (a task): stdin at EOF, output recorded in the instance's logs or dropped
r=$(api POST /1.0/instances/c1/exec --data-binary \
	'{"command":["sh","-c","echo out; echo err >&2; exit 3"],"wait-for-websocket":false,"record-output":true}')
check_eq "exec task: an async task operation" "async task" "$(jget "$r" 'd["type"]+" "+d["metadata"]["class"]')"
r=$(api GET "$(jget "$r" 'd["operation"]')/wait?timeout=30")
check_eq "exec task: ends Success with return 3" "Success 3" \
	"$(jget "$r" 'd["metadata"]["status"]+" "+str(d["metadata"]["metadata"]["return"])')"
check_eq "exec task: resources name the instance" '["/1.0/instances/c1"]' "$(jget "$r" 'd["metadata"]["resources"]["instances"]')"
id=$(jget "$r" 'd["metadata"]["id"]')
out_url=$(jget "$r" 'd["metadata"]["metadata"]["output"]["1"]')
err_url=$(jget "$r" 'd["metadata"]["metadata"]["output"]["2"]')
check_eq "exec task: metadata.output names its logs" \
	"/1.0/instances/c1/logs/exec_$id.stdout /1.0/instances/c1/logs/exec_$id.stderr" "$out_url $err_url"
check_eq "exec task: the logs are the frontend's own, 0700 and 0600" "$(id -u moat):700 $(id -u moat):600" \
	"$(stat -c %u:%a "$MOAT_DIR/logs/c1") $(stat -c %u:%a "$MOAT_DIR/logs/c1/exec_$id.stdout")"
check "exec task: the stdout log is exactly \"out\\n\"" cmp <(api GET "$out_url") <(printf 'out\n')
check "exec task: the stderr log is exactly \"err\\n\"" cmp <(api GET "$err_url") <(printf 'err\n')
check_eq "exec task: GET .../logs lists both" "True True" \
	"$(jget "$(api GET /1.0/instances/c1/logs)" 'str("'"$out_url"'" in d["metadata"])+" "+str("'"$err_url"'" in d["metadata"])')"
check_eq "exec task: DELETE of a log" 200 "$(api_status DELETE "$out_url")"
check_eq "exec task: the deleted log is 404" 404 "$(api_status GET "$out_url")"
check_eq "exec task: the deleted log is no longer listed" "False" \
	"$(jget "$(api GET /1.0/instances/c1/logs)" 'str("'"$out_url"'" in d["metadata"])')"
check_eq "exec task: DELETE of it again is 404" 404 "$(api_status DELETE "$out_url")"
check_eq "DELETE of lxc.log is 400" 400 "$(api_status DELETE /1.0/instances/c1/logs/lxc.log)"
check_eq "GET of an exec_ log name with ../ is 404" 404 "$(api_status GET /1.0/instances/c1/logs/exec_..%2Fx.stdout)"
check_eq "GET of an exec_ log name with a bad suffix is 404" 404 "$(api_status GET /1.0/instances/c1/logs/exec_a.log)"
check_eq "DELETE of an exec_ log name with a bad suffix is 404" 404 "$(api_status DELETE /1.0/instances/c1/logs/exec_a.log)"
check_eq "DELETE of the last exec log" 200 "$(api_status DELETE "$err_url")"
r=$(api POST /1.0/instances/c1/exec --data-binary '{"command":["sh","-c","cat; echo x; exit 5"],"wait-for-websocket":false}')
r=$(api GET "$(jget "$r" 'd["operation"]')/wait?timeout=30")
check_eq "exec task without record-output: Success, return 5, no output" "Success 5 False" \
	"$(jget "$r" 'd["metadata"]["status"]+" "+str(d["metadata"]["metadata"]["return"])+" "+str("output" in d["metadata"]["metadata"])')"
r=$(api POST /1.0/instances/c1/exec --data-binary '{"command":["no-such-command"],"wait-for-websocket":false}')
r=$(api GET "$(jget "$r" 'd["operation"]')/wait?timeout=30")
check_eq "exec task of a missing command: Failure, return 127" "Failure 127 Command not found" \
	"$(jget "$r" 'd["metadata"]["status"]+" "+str(d["metadata"]["metadata"]["return"])+" "+d["metadata"]["err"]')"

# ---- files --------------------------------------------------------------------------
head -c 10485760 /dev/urandom >"$T/rand"
check "file push of 10 MB with uid, gid and mode" \
	timeout 60 lxc file push "$T/rand" c1/root/rand --uid 1000 --gid 1001 --mode 0640
check_eq "pushed owner and mode kept" "1000 1001 640" \
	"$(timeout 30 lxc exec c1 -- stat -c '%u %g %a' /root/rand)"
check "file pull returns the same bytes" timeout 60 lxc file pull c1/root/rand "$T/rand.back"
check "pulled file is identical" cmp "$T/rand" "$T/rand.back"
timeout 30 lxc exec c1 -- sh -c 'mkdir -p /root/l && ln -sfn / /root/l/up'
echo inside >"$T/evil"
check "push through an in-container symlink to /" timeout 30 lxc file push "$T/evil" c1/root/l/up/etc/moat-evil
check_fails "the push did not reach the host's /etc" test -e /etc/moat-evil
check_eq "the push landed inside the container" inside "$(timeout 30 lxc exec c1 -- cat /etc/moat-evil)"
check "push -p -r of a directory" timeout 30 lxc file push -p -r "$TOP/policy" c1/root/deep/
check_eq "recursive push made the tree" "/root/deep/policy/default.policy" \
	"$(timeout 30 lxc exec c1 -- find /root/deep -name default.policy)"
check "file delete" timeout 30 lxc file delete c1/root/deep/policy/default.policy
check_fails "the deleted file is gone" timeout 30 lxc exec c1 -- test -e /root/deep/policy/default.policy
check_match "pulling a missing file is Not Found" 'Not Found' "$(timeout 30 lxc file pull c1/root/none "$T/x" 2>&1)"

# ---- console: lxc console under tmux, detached with ctrl-a q ----------------------------
console_session() { console_detach "env LXD_DIR=$LXD_DIR LXD_CONF=$LXD_CONF lxc console c1"; }
out=$(console_session)
check_match "lxc console shows the container's console" 'login:' "$out"
check_match "ctrl-a q detaches and lxc exits 0" 'CONSOLE-EXIT=0' "$out"
check_match "the console is free again after a detach" 'CONSOLE-EXIT=0' "$(console_session)"

# ---- logs -------------------------------------------------------------------------------
check "lxc info --show-log" timeout 30 lxc info --show-log c1
check_eq "GET .../logs lists lxc.log" '["/1.0/instances/c1/logs/lxc.log"]' \
	"$(jget "$(api GET /1.0/instances/c1/logs)" 'd["metadata"]')"
check_eq "GET .../logs/lxc.log is the raw log" 200 "$(api_status GET /1.0/instances/c1/logs/lxc.log)"
check_eq "another log name is 404" 404 "$(api_status GET /1.0/instances/c1/logs/config)"
check_eq "GET .../console returns the console log" 200 "$(api_status GET /1.0/instances/c1/console)"
check_eq "DELETE .../console clears it" 200 "$(api_status DELETE /1.0/instances/c1/console)"
check_eq "the cleared console log is empty" 0 "$(api GET /1.0/instances/c1/console | wc -c)"
check_eq "logs of a missing instance are 404" 404 "$(api_status GET /1.0/instances/nope/logs)"

# ---- configuration: lxc config, PUT and PATCH ------------------------------------------
check "lxc config set a user key" timeout 30 lxc config set c1 user.greeting hello
check_eq "lxc config get reads it back" hello "$(timeout 30 lxc config get c1 user.greeting)"
check "lxc config set limits.memory" timeout 30 lxc config set c1 limits.memory 256MiB
memfile=$(cg_memory_file)
check_eq "the running instance's memory limit changed at once ($memfile)" 268435456 \
	"$(cg_read c1 "$memfile")"
check "lxc config set limits.processes" timeout 30 lxc config set c1 limits.processes 100
check_eq "... and its pids.max at once" 100 "$(cg_read c1 pids.max)"
check_match "lxc config show has both" 'limits.memory: 256MiB' "$(timeout 30 lxc config show c1)"
check_match "an unknown key is refused with the server's reason" 'Unknown configuration key' \
	"$(timeout 30 lxc config set c1 nonsense.key x 2>&1)"
check_eq "and is not stored" "" "$(timeout 30 lxc config get c1 nonsense.key)"
check_match "a bad value is refused" 'must be a size' "$(timeout 30 lxc config set c1 limits.memory lots 2>&1)"
check_eq "and the old value stays" 256MiB "$(timeout 30 lxc config get c1 limits.memory)"
check "lxc config unset" timeout 30 lxc config unset c1 user.greeting
check_eq "the unset key is gone" "" "$(timeout 30 lxc config get c1 user.greeting)"
timeout 30 lxc config show c1 | sed 's/^description: .*/description: edited by a test/' >"$T/c1.yaml"
check "lxc config edit from stdin" sh -c "timeout 30 lxc config edit c1 <'$T/c1.yaml'"
check_eq "the edit took" "edited by a test" "$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["description"]')"
check_eq "PATCH merges a key" 200 "$(api_status PATCH /1.0/instances/c1 -d '{"config":{"user.b":"2"}}')"
check_eq "PATCH kept the other keys" "2 256MiB" \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["config"]["user.b"]+" "+d["metadata"]["config"]["limits.memory"]')"
check_eq "PUT with a stale ETag is 412" 412 \
	"$(api_status PUT /1.0/instances/c1 -H 'If-Match: "0000"' -d '{"config":{},"profiles":["default"]}')"
check_eq "PUT without a root disk is 400" 400 \
	"$(api_status PUT /1.0/instances/c1 -d '{"config":{},"devices":{},"profiles":[]}')"
check_eq "PUT restoring a snapshot that does not exist is 404 (80-snapshots restores)" 404 \
	"$(api_status PUT /1.0/instances/c1 -d '{"restore":"snap0"}')"
check_eq "PATCH in restore mode is 400" 400 \
	"$(api_status PATCH /1.0/instances/c1 -d '{"restore":"snap0"}')"
op=$(jget "$(api PUT /1.0/instances/c1 -d '{"config":{"user.c":"3"},"profiles":["default"]}')" 'd["operation"]')
check_eq "PUT answers with an operation that succeeds" Success \
	"$(jget "$(api GET "$op/wait?timeout=10")" 'd["metadata"]["status"]')"
check_eq "PUT replaced the config but kept the server's volatile keys" "3 None RUNNING" \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["config"]["user.c"]+" "+str(d["metadata"]["config"].get("limits.memory"))+" "+d["metadata"]["config"]["volatile.last_state.power"]')"
check_match "the limits it dropped are gone from the running instance's cgroup" \
	'^(max|9223372036854771712) max$' "$(cg_read c1 "$memfile") $(cg_read c1 pids.max)"

# ---- state changes --------------------------------------------------------------------
check "lxc stop" timeout 60 lxc stop c1
check_eq "c1 is STOPPED" "STOPPED" "$(timeout 30 lxc list --format csv -c s)"
check "file push works on a stopped instance" timeout 30 lxc file push "$T/evil" c1/root/stopped
check_match "starting a running instance is refused" 'already running' \
	"$(timeout 30 lxc start c1 >/dev/null; timeout 30 lxc start c1 2>&1)"
check "lxc restart" timeout 60 lxc restart c1
check_eq "c1 runs after restart" "RUNNING" "$(timeout 30 lxc list --format csv -c s)"
check "lxc pause (freeze)" timeout 30 lxc pause c1
check_eq "c1 is FROZEN" "FROZEN" "$(timeout 30 lxc list --format csv -c s)"
check "lxc start unfreezes" timeout 30 lxc start c1
check_eq "c1 runs again" "RUNNING" "$(timeout 30 lxc list --format csv -c s)"
check_match "delete of a running instance is refused" 'stop it first' "$(timeout 30 lxc delete c1 2>&1)"
check "lxc delete -f" timeout 60 lxc delete -f c1
check_eq "nothing is listed" "" "$(timeout 30 lxc list --format csv)"
check_eq "no storage is left" "" "$(ls "$MOAT_DIR/storage-pools/default/containers/")"
check_eq "no liblxc configuration is left" "" "$(ls "$MOAT_DIR/containers/")"

# ---- ephemeral ------------------------------------------------------------------------
check "lxc launch --ephemeral" timeout 120 lxc launch bb e1 --ephemeral
check "lxc stop of the ephemeral instance" timeout 60 lxc stop e1
check_eq "the ephemeral instance deleted itself" "" "$(timeout 30 lxc list --format csv)"

# ---- protection from deletion: every reader of a bool agrees ------------------------------
check "lxc init bb p1" timeout 120 lxc init bb p1
check "lxc config set security.protection.delete yes" \
	timeout 30 lxc config set p1 security.protection.delete yes
check_match "lxc delete of the protected instance is refused with LXD's message" \
	'Instance is protected' "$(timeout 30 lxc delete p1 2>&1)"
check_eq "the protected instance is still there" p1 "$(timeout 30 lxc list p1 --format csv -c n)"
check "lxc config unset security.protection.delete" \
	timeout 30 lxc config unset p1 security.protection.delete
check "lxc delete works once it is unset" timeout 60 lxc delete p1
check_eq "p1 is gone" "" "$(timeout 30 lxc list p1 --format csv -c n)"

# ---- stops from inside: the daemon notices -----------------------------------------
lxc monitor --type=lifecycle --format=json >"$T/life.out" 2>&1 &
mon=$!
sleep 1
state_of() { timeout 30 lxc list "$1" --format csv -c s; }
init_pid() { jget "$(api GET "/1.0/instances/$1/state")" 'd["metadata"]["pid"]'; }
check "lxc launch --ephemeral e2" timeout 120 lxc launch bb e2 --ephemeral
timeout 30 lxc exec e2 -- poweroff
none_listed() { [ -z "$(timeout 30 lxc list --format csv)" ]; }
check "an ephemeral instance powered off from inside deletes itself" eventually 30 none_listed
check_eq "and leaves no storage" "" "$(ls "$MOAT_DIR/storage-pools/default/containers/")"
check "lxc launch bb s1" timeout 120 lxc launch bb s1
pid1=$(init_pid s1)
timeout 30 lxc exec s1 -- reboot
rebooted() { [ "$(state_of s1)" = RUNNING ] && [ "$(init_pid s1)" != "$pid1" ] && [ "$(init_pid s1)" -gt 0 ]; }
check "s1 rebooted from inside runs again with a new init" eventually 30 rebooted
timeout 30 lxc exec s1 -- poweroff
# stopped, and the daemon has noticed: it records the power state, and a
# plain GET (answered from the status the frontend keeps) says so too
s1_stopped() {
	[ "$(state_of s1)" = STOPPED ] && [ "$(jget "$(api GET /1.0/instances/s1)" \
		'd["metadata"]["config"]["volatile.last_state.power"]+" "+d["metadata"]["status"]')" = "STOPPED Stopped" ]
}
check "s1 powered off from inside: STOPPED, and so recorded" eventually 30 s1_stopped
check "s1 starts again" timeout 60 lxc start s1
check "s1 is watched again: a kill of its init from the host stops it" \
	kill -9 "$(init_pid s1)"
check "s1 killed from the host: STOPPED, and so recorded" eventually 30 s1_stopped
timeout 60 lxc delete -f s1 >/dev/null 2>&1
sleep 1
kill -TERM "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
life=$(/usr/bin/python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(" ".join(e["metadata"]["action"] + ":" + e["metadata"]["source"].rsplit("/", 1)[1] for e in evs))' "$T/life.out" 2>&1)
check_match "lifecycle: e2 shut down, then was deleted" 'instance-shutdown:e2 instance-deleted:e2' "$life"
check_match "lifecycle: s1 restarted from inside, shut down, started, killed" \
	'instance-restarted:s1 instance-shutdown:s1 instance-started:s1 instance-shutdown:s1' "$life"
check "lxc launch with a server-chosen name" timeout 120 lxc init bb
check_match "the server picked a name" '^[a-z]+-[a-z]+$' "$(timeout 30 lxc list --format csv -c n)"

# ---- bad input ------------------------------------------------------------------------
for bad in 'a/b' '..' 'a b' 'a%b' '-a' "$(printf 'x%.0s' $(seq 1 300))"; do
	body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"source":{"type":"image","alias":"bb"}}))' "$bad")
	code=$(api_status POST /1.0/instances --data-binary "$body")
	check_eq "create with the name '${bad:0:20}' is a 400" 400 "$code"
done
check_eq "create with a wrong JSON type is a 400" 400 \
	"$(api_status POST /1.0/instances --data-binary '{"name":"x1","source":"image"}')"
check_eq "create with truncated JSON is a 400" 400 \
	"$(api_status POST /1.0/instances --data-binary '{"name":"x1","source":{')"
/usr/bin/python3 -c 'print("["*100000 + "]"*100000)' >"$T/deep.json"
check_eq "create with JSON nested 100000 deep is a 400" 400 "$(api_status POST /1.0/instances --data-binary @"$T/deep.json")"
check_eq "create with an unknown config key is a 400" 400 \
	"$(api_status POST /1.0/instances --data-binary '{"name":"x1","source":{"type":"image","alias":"bb"},"config":{"nope.key":"1"}}')"
check_eq "create from an unknown image is a 404" 404 \
	"$(api_status POST /1.0/instances --data-binary '{"name":"x1","source":{"type":"image","alias":"nope"}}')"
check_eq "none of the bad creates left an instance" "1" "$(jget "$(api GET /1.0/instances)" 'len(d["metadata"])')"

# racing creates of one name: exactly one wins, no leftovers
racers=()
for k in $(seq 1 10); do
	api POST /1.0/instances --data-binary '{"name":"race","source":{"type":"image","alias":"bb"}}' >"$T/race.$k" &
	racers+=("$!")
done
wait "${racers[@]}" # not a bare wait: moatd is a background job too
wins=$(cat "$T"/race.* | grep -c '"type":"async"')
check_eq "ten racing creates of one name: exactly one accepted" 1 "$wins"
for _ in $(seq 1 100); do
	[ "$(jget "$(api GET /1.0/instances/race)" 'd["metadata"]["status"]')" = Stopped ] && break
	sleep 0.1
done
check_eq "the winner exists once" 1 "$(jget "$(api GET /1.0/instances)" 'sum(1 for u in d["metadata"] if u.endswith("/race"))')"
check "the daemon still answers" test "$(api_status GET /1.0)" = 200

# the copied template sources go with their image
timeout 60 lxc list --format csv -c n | xargs -r timeout 120 lxc delete -f >/dev/null 2>&1
check "lxc image delete bb" timeout 30 lxc image delete bb
check_eq "its template sources are gone from the database" "" "$(tpl_rows)"
finish
