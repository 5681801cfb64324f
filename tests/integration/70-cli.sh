#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The moat client end to end, against a real daemon: the busybox image
# built by `moat image build` (compared with tools/build-busybox-image.sh),
# image import, list, info, show, export, aliases and delete; launch,
# init, list (formats, columns, filters), info, stop, start, restart,
# pause and delete; `moat list --format json|yaml` against the stock lxc
# client's; operations; remotes; and the error paths (unknown instance,
# bad flag, debian not built yet). Every instance it makes is deleted.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
export MOAT_CONF=$T/moat-config.yml
M=$B/moat
moat() { timeout 120 "$M" "$@" </dev/null; }

# ---- image build: the script's image, made in C -----------------------------------
export SOURCE_DATE_EPOCH=1700000000
check "moat image build busybox --output" moat image build busybox --output "$T/bb.tar.gz"
"$TOP/tools/build-busybox-image.sh" "$T/bb-script.tar.gz" >/dev/null 2>&1
check_eq "the tarball lists as the script's (names, modes, 0:0, times, links)" \
	"$(tar -tvzf "$T/bb-script.tar.gz" --numeric-owner)" "$(tar -tvzf "$T/bb.tar.gz" --numeric-owner)"
mkdir -p "$T/x-script" "$T/x-moat"
tar -xzf "$T/bb-script.tar.gz" -C "$T/x-script" && tar -xzf "$T/bb.tar.gz" -C "$T/x-moat"
check "the tarball holds the script's bytes" diff -r --no-dereference "$T/x-script" "$T/x-moat"
check_match "metadata.yaml names the creation date" '^creation_date: 1700000000$' \
	"$(cat "$T/x-moat/metadata.yaml")"
check_eq "a user builds it too, and every entry is still owned by 0:0" "0/0" \
	"$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$M" image build busybox \
		--output - 2>/dev/null | tar -tvzf - --numeric-owner | awk '{print $2}' | sort -u)"
unset SOURCE_DATE_EPOCH
# (a real debian build is 80-debian's; here only what is refused before debootstrap runs)
out=$(moat image build debian --release 'a b' --output "$T/never.tar.gz" 2>&1)
check_eq "image build debian with a bad release exits 1" 1 "$?"
check_match "and says why" '^Error: Invalid release' "$out"
check_fails "and wrote nothing" test -e "$T/never.tar.gz"

# ---- images --------------------------------------------------------------------------
check "moat image import --alias bb" moat image import "$T/bb.tar.gz" --alias bb
fp=$(sha256sum "$T/bb.tar.gz" | cut -d' ' -f1)
check_eq "image list --format csv" "bb,${fp:0:12},no,busybox test,$(uname -m),CONTAINER,0.99MB" \
	"$(moat image list --format csv -c lfpdats)"
check_eq "image list csv is lxc's" "$(timeout 30 lxc image list --format csv 2>/dev/null)" \
	"$(moat image list --format csv)"
check_eq "image list json is lxc's" "$(timeout 30 lxc image list --format json 2>/dev/null)" \
	"$(moat image list --format json)"
check_match "image list table" "^\| bb +\| ${fp:0:12} \| no" "$(moat image list)"
check_match "image info shows the fingerprint" "^Fingerprint: $fp\$" "$(moat image info bb)"
# (lxc prints the properties in Go's map order: compare the lines sorted)
check_eq "image info is lxc's" "$(timeout 30 lxc image info bb 2>/dev/null | sort)" "$(moat image info bb | sort)"
check_eq "image show is lxc's YAML" "$(timeout 30 lxc image show bb 2>/dev/null)" "$(moat image show bb)"
check "image alias create by a fingerprint prefix" moat image alias create bb2 "${fp:0:12}"
check_eq "image alias list" "bb,${fp:0:12},CONTAINER,
bb2,${fp:0:12},CONTAINER," "$(moat image alias list --format csv)"
check_eq "image alias list is lxc's" "$(timeout 30 lxc image alias list 2>/dev/null)" \
	"$(moat image alias list)"
check_eq "image list: the shortest alias and how many more" "bb (1 more)" \
	"$(moat image list --format csv -c l)"
check "image alias delete" moat image alias delete bb2
check_eq "the alias is gone" "bb" "$(moat image alias list --format csv | cut -d, -f1)"
check "image export into a file (lxc adds the extension)" moat image export bb "$T/exported"
check "the export is the imported tarball" cmp "$T/exported.tar.gz" "$T/bb.tar.gz"
mkdir -p "$T/exports"
check "image export into a directory" moat image export "${fp:0:8}" "$T/exports"
check "the export keeps the server's file name" cmp "$T/exports/$fp.tar.gz" "$T/bb.tar.gz"

# ---- launch, list, info ---------------------------------------------------------------
check "moat launch bb c1" moat launch bb c1
check_eq "list --format csv -c ns" "c1,RUNNING" "$(moat list --format csv -c ns)"
check_match "the table is lxc's box" '^\| c1   \| RUNNING \|      \|      \| CONTAINER \| 0         \|$' \
	"$(moat list)"
check_eq "the table's header is lxc's" "$(timeout 30 lxc list 2>/dev/null | sed -n 2p)" \
	"$(moat list | sed -n 2p)"
mj=$(moat list --format json)
lj=$(timeout 30 lxc list --format json 2>/dev/null)
check_eq "list --format json: the same instances as lxc's (name, status, type, config)" \
	"$(jget "$lj" '[(i["name"], i["status"], i["type"], i["ephemeral"], i["config"], i["profiles"], i["expanded_devices"]) for i in d]')" \
	"$(jget "$mj" '[(i["name"], i["status"], i["type"], i["ephemeral"], i["config"], i["profiles"], i["expanded_devices"]) for i in d]')"
check_eq "list --format json: the same keys as lxc's" \
	"$(jget "$lj" '[sorted(i.keys()) for i in d]')" "$(jget "$mj" '[sorted(i.keys()) for i in d]')"
check_eq "list --format json carries the state (recursion=2)" "true" "$(jget "$mj" 'd[0]["state"]["pid"] > 0')"
info=$(moat info c1)
check_match "info: Status" '^Status: RUNNING$' "$info"
check_match "info: Processes" '^  Processes: [1-9]' "$info"
check_match "info: the loopback address" 'inet: +127\.0\.0\.1/8 \(local\)' "$info"
check_match "info --show-log shows lxc.log" '^Log:$' "$(moat info c1 --show-log)"
check_match "info without a name: the server, as YAML" '^api_extensions:$' "$(moat info)"
check_match "info of a remote: the server" '^api_version: "1.0"$' "$(moat info local:)"
check_match "version" '^Server version: 5\.0\.2 \(moat [0-9.]+\)$' "$(moat version)"

# ---- init, filters, columns ----------------------------------------------------------------
check "moat init -e -c k=v -c k2=v2" moat init bb c2 -e -c user.color=blue -c user.size=2
check "moat init -p default --empty" moat init --empty c3 -p default
check_eq "list: both, in natural order" "c1 c2 c3" "$(moat list --format csv -c n | xargs)"
check_eq "list: the TYPE of an ephemeral instance" "CONTAINER (EPHEMERAL)" "$(moat list c2 --format csv -c t)"
check_eq "list: a bare word filters names by prefix" "c2" "$(moat list c2 --format csv -c n)"
check_eq "list: a regex on names" "c1 c3" "$(moat list 'c[13]' --format csv -c n | xargs)"
check_eq "list: status=stopped (the server's filter)" "c2 c3" "$(moat list status=stopped --format csv -c n | xargs)"
check_eq "list: an abbreviated config key" "c2" "$(moat list u.color=blue --format csv -c n)"
check_eq "list: custom columns" "c1,,
c2,blue,2
c3,," "$(moat list --format csv -c n,user.color,user.size:SIZE)"
check_eq "list: custom column headers" "NAME user.color SIZE" \
	"$(moat list --format compact -c n,user.color,user.size:SIZE | head -1 | xargs)"
check_eq "list: -c P" "c1,default" "$(moat list c1 --format csv -c nP)"
check_eq "list --format yaml names all three" "3" "$(moat list --format yaml | grep -c '^  name: ')"

# ---- state changes -------------------------------------------------------------------------
check "moat stop c1" moat stop c1
check_eq "c1 is STOPPED" "STOPPED" "$(moat list c1 --format csv -c s)"
check_eq "list json (all stopped) is lxc's, byte for byte" \
	"$(timeout 30 lxc list --format json 2>/dev/null)" "$(moat list --format json)"
check_eq "list yaml (all stopped) is lxc's, byte for byte" \
	"$(timeout 30 lxc list --format yaml 2>/dev/null)" "$(moat list --format yaml)"
check "moat start c1 c2" moat start c1 c2
check_eq "both RUNNING" "c1,RUNNING c2,RUNNING" "$(moat list 'c[12]' --format csv -c ns | xargs)"
check "moat pause c1" moat pause c1
check_eq "c1 is FROZEN" "FROZEN" "$(moat list c1 --format csv -c s)"
check "moat start c1 unfreezes it" moat start c1
check_eq "c1 is RUNNING again" "RUNNING" "$(moat list c1 --format csv -c s)"
pid=$(moat list c1 --format csv -c p)
check "moat restart c1" moat restart c1
check_eq "c1 is RUNNING after the restart" "RUNNING" "$(moat list c1 --format csv -c s)"
check_match "with a new init" '^[0-9]+$' "$(moat list c1 --format csv -c p | grep -vx "$pid")"
check "moat stop -f --timeout 10 c2 (ephemeral: it goes away)" moat stop -f --timeout 10 c2
check "c2 is gone" eventually 10 sh -c "[ -z \"\$($M list c2 --format csv -c n)\" ]"
ops=$(moat operation list --format csv)
check_match "operation list shows what just ran" ',TASK,.*,SUCCESS,NO,' "$ops"
id=$(printf '%s\n' "$ops" | head -1 | cut -d, -f1)
check_match "operation show" "^id: $id\$" "$(moat operation show "$id")"
check_match "operation list: lxc's header" '^\| +ID +\| +TYPE +\| +DESCRIPTION +\| +STATUS +\| +CANCELABLE +\| +CREATED +\|$' \
	"$(moat operation list | sed -n 2p)"

# ---- errors ------------------------------------------------------------------------------------
out=$(moat start nosuch 2>&1)
check_eq "an unknown instance exits 1" 1 "$?"
check_eq "... with the server's error" "Error: Instance not found" "$out"
out=$(moat list --bogus 2>&1)
check_eq "a bad flag exits 1" 1 "$?"
check_match "... and says so" '^Error: unknown flag: --bogus$' "$out"
check_match "... with the usage line" '^Usage: moat list \[<remote>:\] \[<filter>\.\.\.\] \[flags\]$' "$out"
out=$(moat image info 2>&1)
check_eq "a missing argument exits 1" 1 "$?"
check_match "... with the usage line" '^Usage: moat image info' "$out"
out=$(moat start c1 2>&1)
check_eq "starting a running instance exits 1" 1 "$?"
check_match "... with the operation's error" '^Error: The instance is already running$' "$out"
check_match "... and lxc's hint" 'Try `moat info --show-log c1` for more info' "$out"
out=$(moat delete c1 2>&1)
check_eq "deleting a running instance without -f exits 1" 1 "$?"
check_match "... and says why" 'The instance is currently running, stop it first or pass --force' "$out"
out=$(echo no | timeout 30 "$M" delete -i -f c1 2>&1)
check_match "delete -i: 'no' aborts" 'User aborted delete operation' "$out"
check_eq "c1 is still there" "c1" "$(moat list c1 --format csv -c n)"
check_match "--help for a verb" '^  moat stop \[<remote>:\]<instance>' "$(moat stop --help)"
check_match "moat help image" 'Available Commands:' "$(moat help image)"
out=$(moat nosuch:c1 2>&1)
check_eq "an unknown verb exits 1" 1 "$?"
out=$(moat info nosuch:c1 2>&1)
check_match "an unknown remote" '^Error: The remote "nosuch" doesn.t exist$' "$out"

# ---- remotes -------------------------------------------------------------------------------------
check_eq "remote get-default" "local" "$(moat remote get-default)"
check_match "remote list" '^\| local \(current\) \| unix:// \| lxd +\| file access \| NO +\| YES +\| NO +\|$' \
	"$(moat remote list)"
cat >"$MOAT_CONF" <<EOF
default-remote: local
remotes:
  again:
    addr: unix://$MOAT_DIR/unix.socket
    public: false
EOF
check_eq "a remote from the file: again:c1" "c1,RUNNING" "$(moat list again: c1 --format csv -c ns)"
check "remote switch again" moat remote switch again
check_eq "the default is now again" "again" "$(moat remote get-default)"
check_match "the file says so" '^default-remote: again$' "$(cat "$MOAT_CONF")"
check_match "info again:c1" '^Name: c1$' "$(moat info again:c1)"
check "remote switch local" moat remote switch local
check_eq "remote list --format json" '{"again": "unix://'"$MOAT_DIR"'/unix.socket", "local": "unix://"}' \
	"$(jget "$(moat remote list --format json)" '{k: v["Addr"] for k, v in d.items()}')"

# ---- delete ---------------------------------------------------------------------------------------
out=$(echo yes | timeout 60 "$M" delete -i c3 2>&1)
check_match "delete -i: 'yes' deletes" '^Remove c3 \(yes/no\): $' "$out"
check "moat delete -f c1" moat delete -f c1
check_eq "no instance is left" "" "$(moat list --format csv -c n)"
check "image delete" moat image delete bb
check_eq "no image is left" "" "$(moat image list --format csv)"
finish
