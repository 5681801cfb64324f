#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: start moatd (unless one already serves $MOAT_DIR), show the
# server through the stock lxc client and moat, build the busybox image,
# launch a container `demo` (on the default network, moatbr0), run a command
# in it and list it with its addresses. Runs as root.
set -eu
cd "$(dirname "$0")/.."
export MOAT_DIR=${MOAT_DIR:-/var/lib/moat}
LOG=${MOAT_LOG:-/var/log/moatd.log}

answers() { curl -sf --max-time 5 --unix-socket "$MOAT_DIR/unix.socket" http://x/1.0 >/dev/null 2>&1; }

if answers; then
	echo "demo: moatd already serves $MOAT_DIR"
else
	echo "demo: starting moatd on $MOAT_DIR (log: $LOG)"
	setsid build/moatd --dir "$MOAT_DIR" >>"$LOG" 2>&1 </dev/null &
	for _ in $(seq 1 100); do answers && break; sleep 0.1; done
	answers || { echo "demo: moatd did not come up; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
fi

echo
echo "\$ LXD_DIR=$MOAT_DIR lxc info    # Debian's stock LXD client, unchanged"
LXD_DIR=$MOAT_DIR lxc info 2>/dev/null | sed -n '1,/^environment:/p;/driver_version\|server_name\|server_version\|kernel_version/p'
echo
echo "\$ build/moat version"
build/moat version
echo
# the moatd that serves this directory, and its frontend
pid=""
for p in $(pgrep -x moatd); do
	if tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "--dir $MOAT_DIR "; then pid=$p; fi
done
fe=$( [ -n "$pid" ] && pgrep -x moatd-api -P "$pid" | head -1 || true)
if [ -n "$fe" ]; then
	echo "moatd-api (pid $fe), the process that parses the network:"
	grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$fe/status" | sed 's/^/  /'
fi

export LXD_DIR=$MOAT_DIR
if ! build/moat image info busybox >/dev/null 2>&1; then
	echo
	echo "\$ build/moat image build busybox --import --alias busybox"
	build/moat image build busybox --import --alias busybox
fi
if ! build/moat info demo >/dev/null 2>&1; then
	echo
	echo "\$ build/moat launch busybox demo"
	build/moat launch busybox demo
fi
echo
echo "\$ build/moat exec demo -- uname -a"
build/moat exec demo -- uname -a
# its address comes from the default network's DHCP within a second or so
for _ in $(seq 1 50); do
	[ -n "$(build/moat list demo -c 4 --format csv 2>/dev/null)" ] && break
	sleep 0.2
done
echo
echo "\$ build/moat list"
build/moat list
echo
echo "\$ build/moat network list    # moatbr0: made at first start, eth0 in the default profile"
build/moat network list
echo
echo "moatd keeps running; stop it with: kill ${pid:-<pid of moatd>}"
