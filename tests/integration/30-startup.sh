#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# moatd refuses to start on an unsafe policy, a root frontend user, or a
# directory another moatd holds, and says why.
. "$(dirname "$0")/../lib/lib.sh"

# start_fails DESC REGEX ARGS...: moatd must exit non-zero and log REGEX.
start_fails() {
	local desc=$1 re=$2
	shift 2
	rm -f "$T/refuse.log"
	if timeout 10 "$B/moatd" --network none --dir "$T/r" "$@" >"$T/refuse.log" 2>&1; then
		not_ok "$desc (moatd started)"
	else
		check_match "$desc" "$re" "$(cat "$T/refuse.log")"
	fi
}

mkdir -p /etc/moat-test.$$ && chmod 755 /etc/moat-test.$$
P=/etc/moat-test.$$
cleanup_also rm -rf "$P"

cp policy/default.policy "$P/ok.policy"
chmod 644 "$P/ok.policy"
cp "$P/ok.policy" "$P/gw.policy" && chmod 664 "$P/gw.policy"
start_fails "a group-writable policy is refused" 'policy .* refused' --policy "$P/gw.policy"
cp "$P/ok.policy" "$P/ow.policy" && chmod 646 "$P/ow.policy"
start_fails "a world-writable policy is refused" 'policy .* refused' --policy "$P/ow.policy"
cp "$P/ok.policy" "$P/nobody.policy" && chown nobody "$P/nobody.policy"
start_fails "a policy not owned by root is refused" 'policy .* refused' --policy "$P/nobody.policy"
cp "$P/ok.policy" "$T/tmp.policy" && chmod 644 "$T/tmp.policy"
chmod 0777 "$T"
start_fails "a policy below a world-writable, non-sticky directory is refused" 'policy .* refused' --policy "$T/tmp.policy"
chmod 755 "$T"
grep -v '^allow_raw_lxc' "$P/ok.policy" >"$P/short.policy"
start_fails "a policy missing a key is refused" 'policy .* refused' --policy "$P/short.policy"
printf 'name = x\nallow_everything = true\n' >"$P/unknown.policy"
start_fails "a policy with an unknown key is refused" 'policy .* refused' --policy "$P/unknown.policy"
ln -s "$P/ok.policy" "$P/link.policy"
start_fails "a missing policy file is refused" 'policy .* refused' --policy "$P/none.policy"
start_fails "root as the frontend user is refused" 'must not be root' --user root
start_fails "an unknown frontend user is refused" 'does not exist' --user no-such-user-here
start_fails "an unknown socket group is refused" 'does not exist' --group no-such-group-here
start_fails "a stray argument is refused" 'Usage' extra
# the frontend user must reach the state directory: under a 0700 parent it cannot
mkdir -m 0700 "$T/closed"
rm -f "$T/refuse.log"
if timeout 10 "$B/moatd" --network none --dir "$T/closed/d" >"$T/refuse.log" 2>&1; then
	not_ok "a state directory the frontend user cannot reach is refused (moatd started)"
else
	check_match "a state directory the frontend user cannot reach is refused" \
		'user "moat" \(moatd-api\) cannot reach it: Permission denied' "$(cat "$T/refuse.log")"
fi
check "nothing holds the refused directory's socket" test ! -e "$T/closed/d/unix.socket"

# a version-1 database (config table only) is migrated forward, keeping its rows
mkdir -p "$T/d/database"
sqlite3 "$T/d/database/moat.db" "CREATE TABLE config (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
	INSERT INTO config VALUES ('user.kept', 'yes'); PRAGMA user_version = 1;"
chown -R moat:moat "$T/d/database"
daemon_start --policy "$P/ok.policy"
latest=$(sed -n 's/.*database schema moved to version \([0-9]*\)$/\1/p' "$T/moatd.log" | tail -1)
check "the frontend migrated it forward (logged)" test "${latest:-0}" -ge 5
check_eq "an old database is migrated to the latest schema" "$latest" "$(sqlite3 "$MOAT_DIR/database/moat.db" 'PRAGMA user_version;')"
check_eq "migration 4 creates the networks table" networks \
	"$(sqlite3 "$MOAT_DIR/database/moat.db" "SELECT name FROM sqlite_master WHERE name = 'networks';")"
check_eq "migration keeps existing rows" yes "$(jget "$(api GET /1.0)" 'd["metadata"]["config"]["user.kept"]')"
check_eq "migration 2 creates the default profile" default "$(sqlite3 "$MOAT_DIR/database/moat.db" 'SELECT name FROM profiles;')"
check_match "moatd logs the policy it loaded" 'policy .* \(default\)' "$(cat "$T/moatd.log")"
if timeout 10 "$B/moatd" --network none --dir "$MOAT_DIR" >"$T/second.log" 2>&1; then
	not_ok "a second moatd on the same directory is refused (it started)"
else
	check_match "a second moatd on the same directory is refused" 'another moatd' "$(cat "$T/second.log")"
fi
check_eq "the first moatd still answers" 200 "$(api_status GET /1.0)"

# start_beside DIR LOG CMD...: CMD in the background, until DIR/unix.socket answers
start_beside() {
	local dir=$1 log=$2
	shift 2
	"$@" >>"$log" 2>&1 &
	DAEMON_PIDS+=("$!")
	for _ in $(seq 1 100); do
		[ -S "$dir/unix.socket" ] && curl -sf --unix-socket "$dir/unix.socket" http://x/1.0 >/dev/null && return 0
		sleep 0.05
	done
	return 1
}
check "a second moatd with its own directory runs beside the first" \
	start_beside "$T/d2" "$T/moatd2.log" "$B/moatd" --network none --dir "$T/d2" --policy "$TOP/policy/hardened.policy"
check_eq "the second daemon reports the hardened policy" hardened \
	"$(jget "$(curl -s --unix-socket "$T/d2/unix.socket" http://x/1.0)" 'd["metadata"]["environment"]["moat_policy"]')"

# ---- ids only from a delegated range ---------------------------------------
# without_root_range FILE CMD...: become CMD (exec: call it in a subshell)
# in a mount namespace of its own where FILE (/etc/subuid or /etc/subgid)
# delegates ids to another user only
printf 'someone:100000:65536\n' >"$P/subid.other"
without_root_range() {
	local f=$1
	shift
	exec unshare -m sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$P/subid.other" "$f" "$@"
}
for f in /etc/subuid /etc/subgid; do
	if (without_root_range "$f" timeout 10 "$B/moatd" --network none --dir "$T/r" \
		--policy "$TOP/policy/hardened.policy") >"$T/refuse.log" 2>&1; then
		not_ok "hardened: no range for root in $f is refused (moatd started)"
	else
		check_match "hardened: no range for root in $f is refused, and says which file" \
			"policy \"hardened\" takes container ids only from a range delegated to root, and $f has none" \
			"$(cat "$T/refuse.log")"
	fi
done
check "and the host's own files were not touched" grep -q '^root:' /etc/subuid
check "the default policy starts without a range for root (the fallback ids, as LXD)" \
	start_beside "$T/d3" "$T/moatd3.log" without_root_range /etc/subuid "$B/moatd" --network none --dir "$T/d3" --policy "$P/ok.policy"
finish
