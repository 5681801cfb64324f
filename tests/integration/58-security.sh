#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The security keys end to end through the stock lxc client and pylxd:
# security.privileged (an identity uid map), security.idmap.isolated
# (distinct maps), security.syscalls.deny (a denied syscall kills the
# caller inside), raw.lxc (an allowed key takes effect; lxc.include and a
# smuggled newline are 400s), linux.sysctl.* (seen inside), nesting (a
# nested container runs inside, and not without it; LXC's lxc-execute too), and each hardened-policy refusal at PUT time from a second moatd.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

uid_map() { # NAME: the first line of its init's uid_map, spaces squeezed
	lxc exec "$1" -- cat /proc/self/uid_map | head -1 | tr -s ' ' | sed 's/^ //'
}

# ---- privileged and the shared map ------------------------------------------
check "launch an ordinary container" timeout 120 lxc launch bb s0
shared=$(uid_map s0)
check_match "an unprivileged container maps container root to a high host id" '^0 [1-9][0-9]* 65536$' "$shared"
check "launch a privileged container" timeout 120 lxc launch bb p0 -c security.privileged=true
check_eq "a privileged container's uid map is the identity" "0 0 4294967295" "$(uid_map p0)"

# ---- isolated maps ------------------------------------------------------------
check "launch isolated i1" timeout 120 lxc launch bb i1 -c security.idmap.isolated=true
check "launch isolated i2" timeout 120 lxc launch bb i2 -c security.idmap.isolated=true
m1=$(uid_map i1)
m2=$(uid_map i2)
check_match "i1 has a map of 65536 ids" '^0 [0-9]+ 65536$' "$m1"
check_match "i2 has a map of 65536 ids" '^0 [0-9]+ 65536$' "$m2"
b0=$(echo "$shared" | cut -d' ' -f2)
b1=$(echo "$m1" | cut -d' ' -f2)
b2=$(echo "$m2" | cut -d' ' -f2)
check_eq "the isolated maps are distinct from each other and from the shared one" 3 \
	"$(printf '%s\n' "$b0" "$b1" "$b2" | sort -u | wc -l)"
check_eq "volatile.idmap.base records i1's base" "$b1" "$(lxc config get i1 volatile.idmap.base)"
check_eq "the rendered config has i2's map" "lxc.idmap = u 0 $b2 65536" \
	"$(grep '^lxc.idmap = u' "$MOAT_DIR/containers/i2/config")"
check "a file written in i1 lands on disk as container id 0 (idmapped rootfs)" \
	lxc exec i1 -- touch /root/f1
check_eq "and it is owned by root on disk" "0" \
	"$(stat -c %u "$MOAT_DIR/storage-pools/default/containers/i1/rootfs/root/f1")"
check_eq "security.idmap.size above 65536 is a 400" 400 \
	"$(api_status PATCH /1.0/instances/i1 -d '{"config":{"security.idmap.size":"70000"}}')"

# ---- syscalls ----------------------------------------------------------------
check "hostname (sethostname) works in an ordinary container" lxc exec s0 -- hostname moat-s0
check "launch with security.syscalls.deny=sethostname" \
	timeout 120 lxc launch bb d1 -c security.syscalls.deny=sethostname
rc=0
lxc exec d1 -- hostname moat-d1 >/dev/null 2>&1 || rc=$?
check_eq "hostname is killed by SIGSYS inside (exit 128+31)" 159 "$rc"
check_match "the container's seccomp file denies it" '^sethostname$' "$(cat "$MOAT_DIR/containers/d1/seccomp")"
check_match "and keeps LXD's default deny list" '^kexec_load errno 38$' "$(cat "$MOAT_DIR/containers/d1/seccomp")"
check "launch with security.syscalls.deny=sethostname errno 1" \
	timeout 120 lxc launch bb d2 -c 'security.syscalls.deny=sethostname errno 1'
check_match "hostname fails with EPERM instead" 'Operation not permitted' \
	"$(lxc exec d2 -- hostname moat-d2 2>&1)"
check_eq "an unknown syscall in security.syscalls.deny is a 400" 400 \
	"$(api_status PATCH /1.0/instances/d2 -d '{"config":{"security.syscalls.deny":"nosuchcall"}}')"
check_eq "syscall interception (not implemented) is a 400 when true" 400 \
	"$(api_status PATCH /1.0/instances/d2 -d '{"config":{"security.syscalls.intercept.mknod":"true"}}')"
check "security.syscalls.allow with deny fails the start" \
	sh -c '! timeout 120 lxc launch bb d3 -c security.syscalls.allow=read -c security.syscalls.deny=reboot 2>"$0"' "$T/d3.err"
check_match "with LXD's message" "mutually exclusive" "$(cat "$T/d3.err")"

check_eq "security.syscalls.deny_compat=true (not supported) is a 400" 400 \
	"$(api_status PATCH /1.0/instances/d2 -d '{"config":{"security.syscalls.deny_compat":"true"}}')"

# ---- raw.seccomp and raw.idmap (allowed by the default policy) -------------------
check "launch with raw.seccomp denying sethostname with EPERM" \
	timeout 120 lxc launch bb sc1 -c "raw.seccomp=$(printf '2\ndenylist\n[all]\nsethostname errno 1')"
check_match "hostname fails with EPERM inside" 'Operation not permitted' \
	"$(lxc exec sc1 -- hostname moat-sc1 2>&1)"
check_eq "the seccomp file is the raw policy alone (no default deny list)" "" \
	"$(grep kexec_load "$MOAT_DIR/containers/sc1/seccomp")"
check_eq "a raw.seccomp with a notify rule is a 400" 400 \
	"$(api_status PATCH /1.0/instances/sc1 -d '{"config":{"raw.seccomp":"2\ndenylist\nmount notify"}}')"
check "launch with raw.idmap both 1000 1000" timeout 120 lxc launch bb ri1 -c 'raw.idmap=both 1000 1000'
check_match "host uid 1000 is container uid 1000" '^ *1000 +1000 +1$' \
	"$(lxc exec ri1 -- cat /proc/self/uid_map)"
check_match "and the rest of the map is the shared one around it" "^ *1001 +$((b0 + 1001)) +64535\$" \
	"$(lxc exec ri1 -- cat /proc/self/uid_map)"

# ---- raw.lxc --------------------------------------------------------------------
check "launch with raw.lxc lxc.environment" \
	timeout 120 lxc launch bb r1 -c 'raw.lxc=lxc.environment = MOAT_RAW=hello'
check_match "the environment line reached init" 'MOAT_RAW=hello' \
	"$(lxc exec r1 -- cat /proc/1/environ | tr '\0' '\n')"
code=$(api_status PATCH /1.0/instances/r1 -d '{"config":{"raw.lxc":"lxc.include = /etc/passwd"}}')
check_eq "raw.lxc lxc.include is a 400" 400 "$code"
check_match "with LXD's message" 'Setting lxc.include is not allowed' \
	"$(api PATCH /1.0/instances/r1 -d '{"config":{"raw.lxc":"lxc.include = /etc/passwd"}}')"
check_eq "raw.lxc with a smuggled line (value, newline, lxc.include) is a 400" 400 \
	"$(api_status PATCH /1.0/instances/r1 -d '{"config":{"raw.lxc":"lxc.environment = A=1\nlxc.include = /x"}}')"
check_eq "raw.lxc with a carriage return is a 400" 400 \
	"$(api_status PATCH /1.0/instances/r1 -d '{"config":{"raw.lxc":"lxc.environment = A=1\rlxc.include = /x"}}')"
check_eq "raw.lxc lxc.rootfs.path (not in moat's list) is a 400" 400 \
	"$(api_status PATCH /1.0/instances/r1 -d '{"config":{"raw.lxc":"lxc.rootfs.path = /"}}')"
check_eq "nothing was stored" "lxc.environment = MOAT_RAW=hello" "$(lxc config get r1 raw.lxc)"

# ---- sysctls --------------------------------------------------------------------
check "launch with linux.sysctl.net.ipv4.ip_forward=1" \
	timeout 120 lxc launch bb n1 -c linux.sysctl.net.ipv4.ip_forward=1
check_eq "ip_forward is 1 inside" 1 "$(lxc exec n1 -- cat /proc/sys/net/ipv4/ip_forward)"
check_eq "and 0 in an ordinary container" 0 "$(lxc exec s0 -- cat /proc/sys/net/ipv4/ip_forward)"
check_eq "a host-wide sysctl (kernel.panic) is a 400" 400 \
	"$(api_status PATCH /1.0/instances/n1 -d '{"config":{"linux.sysctl.kernel.panic":"1"}}')"
check_eq "a sysctl value with a newline is a 400" 400 \
	"$(api_status PATCH /1.0/instances/n1 -d '{"config":{"linux.sysctl.net.ipv4.ip_forward":"1\nlxc.include = /x"}}')"

# ---- kernel modules -------------------------------------------------------------
mod=$(ls /sys/module | grep -m1 -E '^(loop|overlay|bridge|fuse)$' || true)
if [ -n "$mod" ]; then
	check "a start with linux.kernel_modules=$mod (already in the kernel) succeeds" \
		timeout 120 lxc launch bb k1 -c "linux.kernel_modules=$mod"
fi
check "a start with a module no kernel has fails" \
	sh -c '! timeout 120 lxc launch bb k2 -c linux.kernel_modules=moat_no_such_module 2>"$0"' "$T/k2.err"
check_match "with LXD's message" "Failed to load kernel module 'moat_no_such_module'" "$(cat "$T/k2.err")"
check_eq "a module name with a slash is a 400" 400 \
	"$(api_status PATCH /1.0/instances/s0 -d '{"config":{"linux.kernel_modules":"../x"}}')"

# ---- nesting --------------------------------------------------------------------
check "launch with security.nesting=true" timeout 120 lxc launch bb nest -c security.nesting=true
mounts=$(lxc exec nest -- cat /proc/self/mountinfo)
check_match "nesting mounts an uncovered proc at /dev/.lxc/proc" ' /dev/.lxc/proc ' "$mounts"
check_match "and an uncovered sysfs at /dev/.lxc/sys" ' /dev/.lxc/sys ' "$mounts"
check_eq "the rendered config allows apparmor nesting" "lxc.apparmor.allow_nesting = 1" \
	"$(grep allow_nesting "$MOAT_DIR/containers/nest/config")"
check_eq "an ordinary container has no /dev/.lxc/proc" "" \
	"$(lxc exec s0 -- cat /proc/self/mountinfo | grep ' /dev/.lxc/proc ')"
# a container inside the nesting one: the image has no liblxc, so the nested
# container is made as liblxc makes one, with busybox's unshare: new user
# (root mapped), pid, mount, uts, ipc and network namespaces and a fresh
# proc. The kernel lets a user namespace mount proc only where a fully
# visible proc exists: the one nesting adds at /dev/.lxc/proc.
inner='hostname inner && hostname && tr -s " " </proc/self/uid_map && cat /proc/1/comm'
out=$(lxc exec nest -- unshare -r -p -f -m -u -i -n --mount-proc sh -c "$inner" 2>&1)
check_match "a nested container (user, pid, mount, uts, ipc, net namespaces, own proc) runs inside" \
	'^inner
 0 0 1
sh$' "$out"
check_eq "the nesting container's own pid 1 is still its init" init "$(lxc exec nest -- cat /proc/1/comm)"
check_fails "the same nested container is refused in a container without nesting" \
	lxc exec s0 -- unshare -r -p -f -m -u -i -n --mount-proc true
# and LXC itself inside: the host's liblxc 5.0 (its /usr, hot-plugged
# read-only) runs lxc-execute in the nesting container: the command is pid
# 2 of a new pid namespace (liblxc's init is 1), under its own hostname
check "the host's /usr hot-plugged read-only into the nesting container" \
	timeout 60 lxc config device add nest hostusr disk source=/usr path=/usr readonly=true
lxc exec nest -- sh -c 'ln -sf /usr/lib /lib; ln -sf /usr/lib64 /lib64; mkdir -p /tmp/lp' >/dev/null 2>&1
lxc exec nest -- sh -c 'printf "lxc.rootfs.path = dir:/\nlxc.uts.name = inner\nlxc.mount.auto = proc:rw sys:ro\n" >/tmp/lp/inner.conf'
out=$(timeout 90 lxc exec nest -- timeout 60 /usr/bin/lxc-execute -n inner -P /tmp/lp -f /tmp/lp/inner.conf \
	-- /bin/sh -c 'echo "$(hostname) $$ $(cat /proc/1/comm)"' 2>&1)
check_match "LXC (lxc-execute) runs a container inside the nesting one (its hostname, pid 2 under liblxc's init)" '^inner 2 ' "$out"

# ---- pylxd -----------------------------------------------------------------------
out=$(/usr/bin/python3 - <<'PY' 2>&1
import sys, pylxd
c = pylxd.Client()
i = c.containers.get("s0")
try:
    i.config["raw.lxc"] = "lxc.include = /etc/passwd"
    i.save(wait=True)
    print("stored")
except pylxd.exceptions.LXDAPIException as e:
    print("refused:", e)
i = c.containers.get("i1")
print("isolated:", i.config.get("security.idmap.isolated"), i.config.get("volatile.idmap.base"))
PY
)
check_match "pylxd: raw.lxc lxc.include refused" 'refused: .*Setting lxc.include is not allowed' "$out"
check_match "pylxd: i1's isolated map is in its config" "isolated: true $b1" "$out"

# ---- the hardened policy: refusals at PUT time -------------------------------------
cp "$TOP/policy/hardened.policy" "$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
"$B/moatd" --network none --dir "$T/dh" --policy "$T/hardened.policy" >>"$T/moatd-hardened.log" 2>&1 &
DAEMON_PIDS+=("$!")
hapi_status() { MOAT_DIR=$T/dh api_status "$@"; }
hapi() { MOAT_DIR=$T/dh api "$@"; }
check "the hardened moatd answers" eventually 15 test -S "$T/dh/unix.socket"
check "its API answers" eventually 15 hapi GET /1.0
check_eq "hardened: a create with security.privileged is a 400" 400 \
	"$(hapi_status POST /1.0/instances -d '{"name":"h1","source":{"type":"none"},"config":{"security.privileged":"true"}}')"
for kv in 'raw.lxc=lxc.cap.drop = sys_admin' 'raw.idmap=both 1000 1000' \
	'raw.seccomp=2\ndenylist\n' 'linux.kernel_modules=loop'; do
	k=${kv%%=*}
	v=${kv#*=}
	body=$(printf '{"name":"h2","source":{"type":"none"},"config":{"%s":"%s"}}' "$k" "$v")
	check_eq "hardened: a create with $k is a 400" 400 "$(hapi_status POST /1.0/instances -d "$body")"
	check_match "hardened: $k is refused by the server's policy" "forbidden by the server's policy" \
		"$(hapi POST /1.0/instances -d "$body")"
done
check_eq "hardened: nothing was created" "[]" "$(jget "$(hapi GET /1.0/instances)" 'd["metadata"]')"
# ... and from a profile: moatd checks the expanded config, the API refuses the profile itself
for kv in 'security.privileged=true' 'raw.lxc=lxc.cap.drop = sys_admin' 'raw.idmap=both 1000 1000' \
	'raw.seccomp=2\ndenylist\n' 'linux.kernel_modules=loop'; do
	k=${kv%%=*}
	v=${kv#*=}
	body=$(printf '{"name":"hp","config":{"%s":"%s"}}' "$k" "$v")
	check_eq "hardened: a profile with $k is a 400" 400 "$(hapi_status POST /1.0/profiles -d "$body")"
	body=$(printf '{"config":{"%s":"%s"}}' "$k" "$v")
	check_eq "hardened: the default profile changed to $k is a 400" 400 \
		"$(hapi_status PATCH /1.0/profiles/default -d "$body")"
done
check_eq "hardened: no profile hp was created" 404 "$(hapi_status GET /1.0/profiles/hp)"
check_eq "hardened: the default profile kept its config" "{}" \
	"$(jget "$(hapi GET /1.0/profiles/default)" 'd["metadata"]["config"]')"
finish
