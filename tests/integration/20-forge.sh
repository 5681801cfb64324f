#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A compromised frontend: tests/forge talks to moatd's channel directly
# (moatd --test-forge) and sends forged, malformed and hostile packets.
. "$(dirname "$0")/../lib/lib.sh"

export MOAT_DIR=$T/d
"$B/moatd" --dir "$MOAT_DIR" --test-forge "$T/forge.sock" >>"$T/moatd.log" 2>&1 &
MOATD_PID=$!
DAEMON_PIDS+=("$MOATD_PID")
"$B/tests/forge" "$T/forge.sock" "$MOAT_DIR" | sed "s/^ok - /ok - $SUITE: /; s/^not ok - /not ok - $SUITE: /"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || FAILED=1
check "moatd survived every forged packet" kill -0 "$MOATD_PID"
check_match "moatd logged the breaches" 'protocol breach' "$(cat "$T/moatd.log")"
check_eq "the forge socket is root-only" "0:600" "$(stat -c %u:%a "$T/forge.sock")"
finish
