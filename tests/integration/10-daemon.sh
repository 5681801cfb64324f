#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The split daemon: moatd starts moatd-api demoted and sandboxed, restarts
# it when it dies, serves LXD's envelopes, and the stock clients see it.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
fe=$(frontend_pid)
check "moatd-api runs as a child of moatd" test -n "$fe"

st=/proc/$fe/status
uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")
moat_uid=$(id -u moat)
check_eq "frontend uid (real, effective, saved, fs) is moat's" "$moat_uid$moat_uid$moat_uid$moat_uid" "$uid"
check_match "frontend gid is not root" '^Gid:[[:space:]]+[1-9]' "$(grep '^Gid:' "$st")"
check_eq "frontend has no supplementary groups" "" "$(awk '/^Groups:/ {print $2}' "$st")"
for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
	check_eq "frontend $cap is empty" 0000000000000000 "$(awk "/^$cap:/ {print \$2}" "$st")"
done
check_eq "frontend NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' "$st")"
check_eq "frontend Seccomp is filter mode" 2 "$(awk '/^Seccomp:/ {print $2}' "$st")"
check_match "frontend has two seccomp filters stacked" '^Seccomp_filters:[[:space:]]+2' "$(grep '^Seccomp_filters:' "$st")"
check_eq "frontend is not dumpable (its /proc files are root's)" 0 "$(stat -c %u /proc/$fe/environ)"

# State directory owners and modes (DESIGN.md "State on disk")
check_eq "MOAT_DIR is root 0711" "0:711" "$(stat -c %u:%a "$MOAT_DIR")"
check_eq "unix.socket is root:root 0660" "0:0:660" "$(stat -c %u:%g:%a "$MOAT_DIR/unix.socket")"
check_eq "database/ is moat's, 0700" "$moat_uid:700" "$(stat -c %u:%a "$MOAT_DIR/database")"
check_eq "containers/ is root's" "0" "$(stat -c %u "$MOAT_DIR/containers")"
check "the database uses WAL" test -e "$MOAT_DIR/database/moat.db-wal"
# the latest migration is the last one the frontend logged running on this new database
latest=$(sed -n 's/.*database schema moved to version \([0-9]*\)$/\1/p' "$T/moatd.log" | tail -1)
check "the frontend logged its migrations" test "${latest:-0}" -ge 4
check_eq "schema version is recorded (latest migration)" "$latest" "$(sqlite3 "$MOAT_DIR/database/moat.db" 'PRAGMA user_version;' 2>/dev/null || echo none)"

# LXD's envelopes
r=$(api GET /)
check_eq "GET / lists /1.0" '["/1.0"]' "$(jget "$r" 'd["metadata"]')"
check_eq "GET / is a sync response" "sync 200" "$(jget "$r" 'd["type"]+" "+str(d["status_code"])')"
r=$(api GET /1.0)
check_eq "GET /1.0 api_version" "1.0" "$(jget "$r" 'd["metadata"]["api_version"]')"
check_eq "GET /1.0 auth is trusted over the unix socket" trusted "$(jget "$r" 'd["metadata"]["auth"]')"
check_eq "GET /1.0 driver" "lxc" "$(jget "$r" 'd["metadata"]["environment"]["driver"]')"
check_eq "GET /1.0 driver_version is liblxc's, learnt from moatd" "$(pkg-config --modversion lxc)" \
	"$(jget "$r" 'd["metadata"]["environment"]["driver_version"]')"
check_eq "GET /1.0 server_pid is the frontend" "$fe" "$(jget "$r" 'd["metadata"]["environment"]["server_pid"]')"
check_eq "GET /1.0 config is an object" "{}" "$(jget "$r" 'd["metadata"]["config"]')"
check_eq "GET /1.0 kernel_features are strings" "true" \
	"$(jget "$r" 'all(isinstance(v,str) for v in d["metadata"]["environment"]["kernel_features"].values()) and len(d["metadata"]["environment"]["kernel_features"])>0')"
check_match "GET /1.0 has a quoted ETag" '^[Ee][Tt]ag: "[0-9a-f]{64}"' \
	"$(curl -si --unix-socket "$MOAT_DIR/unix.socket" http://x/1.0 | tr -d '\r')"
check_eq "GET /1.0/operations with none is {}" '{}' "$(jget "$(api GET /1.0/operations)" 'd["metadata"]')"
check_eq "GET /1.0/operations?recursion=1 with none is {}" '{}' "$(jget "$(api GET '/1.0/operations?recursion=1')" 'd["metadata"]')"
r=$(api GET /1.0/operations/00000000-0000-4000-8000-000000000000)
check_eq "an unknown operation is a 404 error envelope" "error 404 Operation not found" \
	"$(jget "$r" 'd["type"]+" "+str(d["error_code"])+" "+d["error"]')"
check_eq "an unknown path is 404" 404 "$(api_status GET /1.0/nowhere)"
check_eq "an empty path segment is 404" 404 "$(api_status GET /1.0//operations)"
check_eq "a wrong method is 501" 501 "$(api_status DELETE /1.0)"
check_eq "the 404 body is LXD's error envelope" "error 404" \
	"$(jget "$(api GET /1.0/nowhere)" 'd["type"]+" "+str(d["error_code"])')"
check_eq "a body over the cap is 413" 413 \
	"$(head -c 5000000 /dev/zero | api_status DELETE /1.0 --data-binary @-)"

# The stock clients
out=$(lxc info 2>&1)
check_match "lxc info shows the server's driver" 'driver: lxc' "$out"
check_match "lxc info shows the server version" 'server_version: 5.0.2' "$out"
check_match "lxc version reports the server" 'Server version: 5.0.2' "$(lxc version 2>&1)"
check_match "pylxd connects and is trusted" '^1.0 True$' "$(/usr/bin/python3 -c '
import pylxd
c = pylxd.Client()
print(c.host_info["api_version"], c.trusted)' 2>&1)"
check_match "moat version reports the server" 'Server version: 5.0.2 \(moat ' "$("$B/moat" version 2>&1)"

# Authentication: file permissions first, SO_PEERCRED behind them
check_fails "a user outside the socket's group cannot connect" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups curl -sf --unix-socket "$MOAT_DIR/unix.socket" http://x/1.0
chmod 0666 "$MOAT_DIR/unix.socket"
code=$(setpriv --reuid=nobody --regid=nogroup --clear-groups curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket "$MOAT_DIR/unix.socket" http://x/1.0)
check_eq "with the socket opened up by mistake, the frontend still refuses other users (403)" 403 "$code"
chmod 0660 "$MOAT_DIR/unix.socket"

# Supervision: kill -9 the frontend; the API answers again within 2 s
kill -9 "$fe"
if wait_api 2; then ok "after kill -9 of moatd-api the API answers again within 2 s"; else
	not_ok "after kill -9 of moatd-api the API answers again within 2 s"
fi
fe2=$(frontend_pid)
check "a new moatd-api was started" test -n "$fe2" -a "$fe2" != "$fe"
check_eq "the new frontend is sandboxed too" 2 "$(awk '/^Seccomp:/ {print $2}' /proc/$fe2/status)"
check "moatd itself is still running" kill -0 "$MOATD_PID"
check_match "moatd logged the restart" 'moatd-api exited \(signal 9\)' "$(cat "$T/moatd.log")"
finish
