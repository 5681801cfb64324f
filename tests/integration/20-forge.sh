#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A compromised frontend: tests/forge talks to moatd's channel directly
# (moatd --test-forge) and sends forged, malformed and hostile packets,
# once against a moatd with the default policy and once against one with
# policy/hardened.policy, where privileged and nested starts must be refused
# with an errno reply and an ordinary unprivileged start must still work.
. "$(dirname "$0")/../lib/lib.sh"

check "the busybox image for the start cases" busybox_image
IMG=$BB_IMG

# forge_run TAG SOCK DIR: the forge client against one moatd; its output in $T/forge-TAG.out
forge_run() {
	local tag=$1 rc
	"$B/tests/forge" "$2" "$3" ${IMG:+"$IMG"} >"$T/forge-$tag.out"
	rc=$?
	sed "s/^ok - /ok - $SUITE: $tag: /; s/^not ok - /not ok - $SUITE: $tag: /" "$T/forge-$tag.out"
	[ "$rc" = 0 ] || not_ok "$tag: the forge client exited with status $rc"
}
[ -s "$IMG" ] || IMG=

# ---- the default policy -------------------------------------------------------
export MOAT_DIR=$T/d
"$B/moatd" --network none --dir "$MOAT_DIR" --test-forge "$T/forge.sock" >>"$T/moatd.log" 2>&1 &
MOATD_PID=$!
DAEMON_PIDS+=("$MOATD_PID")
forge_run default "$T/forge.sock" "$MOAT_DIR"
check_match "default: the helper named the default policy in its hello" \
	'^ok - forge: valid hello .*policy "default"' "$(cat "$T/forge-default.out")"
check "moatd survived every forged packet" kill -0 "$MOATD_PID"
check_match "moatd logged the breaches" 'protocol breach' "$(cat "$T/moatd.log")"
check_eq "the forge socket is root-only" "0:600" "$(stat -c %u:%a "$T/forge.sock")"

# ---- the hardened policy: a root-owned 0644 copy (moatd refuses anything else) --
cp "$TOP/policy/hardened.policy" "$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
"$B/moatd" --network none --dir "$T/d-hardened" --policy "$T/hardened.policy" \
	--test-forge "$T/forge-hardened.sock" >>"$T/moatd-hardened.log" 2>&1 &
HARD_PID=$!
DAEMON_PIDS+=("$HARD_PID")
forge_run hardened "$T/forge-hardened.sock" "$T/d-hardened"
check_match "hardened: moatd loaded the hardened policy" 'policy .*\(hardened\)' \
	"$(cat "$T/moatd-hardened.log")"
check_match "hardened: the helper named the hardened policy in its hello" \
	'^ok - forge: valid hello .*policy "hardened"' "$(cat "$T/forge-hardened.out")"
check_match "hardened: a privileged start was refused by the policy, with EPERM" \
	'^ok - forge: policy hardened: instance_start privileged of "nosuch" is answered with err 1 ' \
	"$(cat "$T/forge-hardened.out")"
check_match "hardened: raw.dnsmasq was refused by the policy, with EPERM" \
	'^ok - forge: policy hardened: network_apply with raw.dnsmasq of "lo" is answered with err 1 ' \
	"$(cat "$T/forge-hardened.out")"
check_match "a network named after a host interface (lo) was refused, with EEXIST" \
	'^ok - forge: network_apply of "lo" .* is answered with err 17 ' "$(cat "$T/forge-default.out")"
check "hardened: moatd survived every forged packet" kill -0 "$HARD_PID"
check_match "hardened: moatd logged the policy refusals" \
	'op instance_start .* refused: instance_start: privileged containers are not allowed by the policy' \
	"$(cat "$T/moatd-hardened.log")"
check_eq "hardened: the forge socket is root-only" "0:600" "$(stat -c %u:%a "$T/forge-hardened.sock")"
finish
