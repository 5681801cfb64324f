#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The moat client end to end, against a real daemon: the busybox image
# built by `moat image build` (compared with tools/build-busybox-image.sh),
# image import, list, info, show, export, aliases and delete; launch,
# init, list (formats, columns, filters), info, stop, start, restart,
# pause and delete; `moat list --format json|yaml` against the stock lxc
# client's; operations; remotes; exec (codes, streams, stdin, flags, a pty,
# signals), console (tmux, ctrl-a q), file push/pull/delete/edit, config
# show/get/set/unset/edit (against lxc's output), monitor (against lxc
# monitor's); and the error paths (unknown instance, bad flag, a bad
# debian release). Every instance it makes is deleted.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
export MOAT_CONF=$T/moat-config.yml
M=$B/moat
moat() { timeout 120 "$M" "$@" </dev/null; }

# ---- image build: the script's image, made in C -----------------------------------
# the script's image is the run's shared one; moat builds its own at the same date
busybox_image
SOURCE_DATE_EPOCH=$(tar -xzOf "$BB_IMG" metadata.yaml | sed -n 's/^creation_date: \([0-9]*\)$/\1/p')
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
check "moat image build busybox --output" moat image build busybox --output "$T/bb.tar.gz"
check_eq "the tarball lists as the script's (names, modes, 0:0, times, links)" \
	"$(tar -tvzf "$BB_IMG" --numeric-owner)" "$(tar -tvzf "$T/bb.tar.gz" --numeric-owner)"
mkdir -p "$T/x-script" "$T/x-moat"
tar -xzf "$BB_IMG" -C "$T/x-script" && tar -xzf "$T/bb.tar.gz" -C "$T/x-moat"
check "the tarball holds the script's bytes" diff -r --no-dereference "$T/x-script" "$T/x-moat"
check_match "metadata.yaml names the creation date" "^creation_date: $SOURCE_DATE_EPOCH\$" \
	"$(cat "$T/x-moat/metadata.yaml")"
check_eq "a user builds it too, and every entry is still owned by 0:0" "0/0" \
	"$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$M" image build busybox \
		--output - 2>/dev/null | tar -tvzf - --numeric-owner | awk '{print $2}' | sort -u)"
unset SOURCE_DATE_EPOCH
out=$(moat image build debian --release 'no;such' --output "$T/debian.tar.gz" 2>&1)
check_eq "image build debian with a bad --release exits 1" 1 "$?"
check_match "... and says why, before debootstrap runs" '^Error: Invalid release' "$out"
out=$(moat image build busybox --release bookworm 2>&1)
check_match "--release is for the debian image only" '^Error: --release and --mirror are for the debian image' "$out"

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
# the newest one: the oldest may be dropped (after 5 s) before it is shown
id=$(jget "$(moat operation list --format json)" 'sorted(d, key=lambda o: o["created_at"])[-1]["id"]')
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

# ---- exec ------------------------------------------------------------------------------------------
out=$(moat exec c1 -- sh -c 'echo out; echo err >&2; exit 3' 2>"$T/exec.err")
check_eq "exec exits with the command's code (3)" 3 "$?"
check_eq "exec: stdout on stdout" out "$out"
check_eq "exec: stderr on stderr" err "$(cat "$T/exec.err")"
check "exec: exit 0" moat exec c1 -- true
out=$(moat exec c1 -- nosuchcommand 2>&1)
check_eq "exec: a missing command exits 127" 127 "$?"
check_eq "exec: ... with lxc's message" "Error: Command not found" "$out"
check_eq "exec: and lxc exits the same" 127 \
	"$(timeout 30 lxc exec c1 -- nosuchcommand </dev/null >/dev/null 2>&1; echo $?)"
check_eq "exec: stdin piped" "piped in" "$(echo 'piped in' | timeout 30 "$M" exec c1 -- cat)"
head -c 3000000 /dev/urandom >"$T/big.bin"
check_eq "exec: 3 MB of stdin arrive whole" "$(md5sum <"$T/big.bin" | cut -d' ' -f1)" \
	"$(timeout 60 "$M" exec c1 -- md5sum <"$T/big.bin" | cut -d' ' -f1)"
check_eq "exec: -n reads no stdin" "0" "$(echo ignored | timeout 30 "$M" exec -n c1 -- wc -c | xargs)"
check_eq "exec --env --cwd --user --group" "v1 two /tmp 1000 1001" \
	"$(moat exec c1 --env K=v1 --env 'L=two' --cwd /tmp --user 1000 --group 1001 -- \
		sh -c 'echo $K $L $(pwd) $(id -u) $(id -g)')"
out=$(moat exec c3 -- true 2>&1)
check_eq "exec in a stopped instance exits 1" 1 "$?"
check_eq "... with the server's error" "Error: Instance is not running" "$out"
out=$(moat exec -t -T c1 -- true 2>&1)
check_eq "exec -t -T is refused as lxc refuses it" "Error: You can't pass -t and -T at the same time" "$out"
out=$(script -qec "timeout --foreground 30 $M exec c1 -- sh -c 'tty; stty size; exit 7'" /dev/null </dev/null)
check_eq "exec under a pty exits with the command's code (7)" 7 "$?"
check_match "exec under a pty is interactive: the command has its own pty" '/dev/pts/[0-9]+' "$out"
# (script echoes the NUL it sends for an empty stdin as ^@, wherever it lands:
# before the size or, when the command is quicker, on a line after it)
check_match "... of the terminal's size" '^24 80$' \
	"$(printf '%s\n' "$out" | tr -d '\r' | sed 's/\^@//g' | grep -v '^$' | tail -1)"
out=$(script -qec "timeout --foreground 30 $M exec -T c1 -- sh -c 'tty; exit 0'" /dev/null </dev/null)
check_match "exec -T under a pty: no pty for the command" 'not a tty' "$out"
check_match "exec -t without a terminal: a pty all the same" '/dev/pts/[0-9]+' "$(moat exec -t c1 -- tty)"
timeout 30 "$M" exec c1 -- sh -c 'trap "echo got TERM; exit 9" TERM; sleep 20 & wait' \
	</dev/null >"$T/sig.out" 2>&1 &
pid=$!
sleep 2
kill -TERM "$pid"
wait "$pid"
check_eq "exec forwards SIGTERM to the command (which exits 9)" 9 "$?"
check_eq "... and the command saw it" "got TERM" "$(cat "$T/sig.out")"

# ---- console ---------------------------------------------------------------------------------------
moat_console() { console_detach "env MOAT_DIR=$MOAT_DIR MOAT_CONF=$MOAT_CONF $M console c1"; }
out=$(moat_console)
check_match "moat console says how to detach" 'To detach from the console, press: <ctrl>\+a q' "$out"
check_match "moat console shows the container's console" 'login:' "$out"
check_match "ctrl-a q detaches and moat exits 0" 'CONSOLE-EXIT=0' "$out"
check_match "the console is free again after a detach" 'CONSOLE-EXIT=0' "$(moat_console)"
check_match "console --show-log" '^Console log:$' "$(moat console c1 --show-log)"

# ---- files -----------------------------------------------------------------------------------------
head -c 1048576 /dev/urandom >"$T/rand.bin"
chown 1234:5678 "$T/rand.bin"
chmod 0604 "$T/rand.bin"
check "file push of a 1 MB file into a directory" moat file push "$T/rand.bin" c1/root/
check_eq "the pushed file keeps its uid, gid, mode and size" "1234 5678 604 1048576" \
	"$(moat exec c1 -- stat -c '%u %g %a %s' /root/rand.bin)"
check "file pull" moat file pull c1/root/rand.bin "$T/pulled.bin"
check "the pulled file has the same bytes" cmp "$T/rand.bin" "$T/pulled.bin"
check_eq "... and the same mode" 604 "$(stat -c %a "$T/pulled.bin")"
check "file push --uid --gid --mode" moat file push --uid 7 --gid 8 --mode 640 "$T/rand.bin" c1/root/x.bin
check_eq "the flags win over the local file's" "7 8 640" "$(moat exec c1 -- stat -c '%u %g %a' /root/x.bin)"
check_eq "file pull to - (stdout)" "$(md5sum <"$T/rand.bin")" "$(moat file pull c1/root/x.bin - | md5sum)"
echo 'from stdin' | timeout 30 "$M" file push - c1/root/s.txt
check_eq "file push from - (stdin)" "from stdin" "$(moat file pull c1/root/s.txt -)"
mkdir -p "$T/tree/sub/deeper"
echo a >"$T/tree/a"
echo b >"$T/tree/sub/b"
ln -s a "$T/tree/link"
chmod 0750 "$T/tree/sub"
check "file push -r -p" moat file push -r -p "$T/tree" c1/root/new/dir
check_eq "-p made the parents and -r the tree, modes and a symlink kept" \
	"/root/new 755 directory
/root/new/dir 755 directory
/root/new/dir/tree 755 directory
/root/new/dir/tree/a 644 regular file
/root/new/dir/tree/link 777 symbolic link
/root/new/dir/tree/sub 750 directory
/root/new/dir/tree/sub/b 644 regular file
/root/new/dir/tree/sub/deeper 755 directory" \
	"$(moat exec c1 -- find /root/new -exec stat -c '%n %a %F' {} \; | sort)"
check "file pull -r" moat file pull -r c1/root/new/dir "$T/back"
check "the tree came back as it went" diff -r --no-dereference "$T/tree" "$T/back/dir/tree"
check_eq "... its modes too" "750 link" "$(stat -c %a "$T/back/dir/tree/sub") $(readlink "$T/back/dir/tree/link" | sed 's/^a$/link/')"
check "file push -p of one file makes its parents" moat file push -p "$T/tree/a" c1/root/p1/p2/a
check_eq "... owned as the local file" "0 0" "$(moat exec c1 -- stat -c '%u %g' /root/p1/p2)"
check "file delete (two files)" moat file delete c1/root/x.bin c1/root/s.txt
check_eq "they are gone" "" "$(moat exec c1 -- ls /root/x.bin /root/s.txt 2>/dev/null)"
out=$(moat file pull c1/root/nosuch "$T/" 2>&1)
check_eq "pull of a missing file exits 1" 1 "$?"
check_eq "... with the server's error" "Error: Not Found" "$out"
out=$(moat file push "$T/rand.bin" c1 2>&1)
check_eq "push to a target without /path is lxc's error" "Error: Invalid target c1" "$out"
echo 'new content' | timeout 30 "$M" file edit c1/root/e.txt
check_eq "file edit from stdin" "new content" "$(moat file pull c1/root/e.txt -)"
cat >"$T/editor.sh" <<'EDITOR'
#!/bin/sh
echo 'added by the editor' >>"$1"
EDITOR
chmod +x "$T/editor.sh"
script -qec "EDITOR=$T/editor.sh timeout --foreground 30 $M file edit c1/root/e.txt" /dev/null </dev/null >/dev/null
check_eq "file edit with \$EDITOR pushes the saved file back" "new content
added by the editor" "$(moat file pull c1/root/e.txt -)"

# ---- config ----------------------------------------------------------------------------------------
check "config set k=v k=v" moat config set c1 user.greeting=hello user.n=2
check_eq "config get" hello "$(moat config get c1 user.greeting)"
check "config set, lxc's old 'KEY VALUE' form" moat config set c1 limits.memory 256MiB
check_eq "lxc config get sees it" 256MiB "$(timeout 30 lxc config get c1 limits.memory)"
check_eq "config show is lxc's, byte for byte" "$(timeout 30 lxc config show c1)" "$(moat config show c1)"
check_eq "config show --expanded is lxc's" "$(timeout 30 lxc config show -e c1)" "$(moat config show -e c1)"
check_eq "config get --expanded" "$(timeout 30 lxc config get -e c1 volatile.base_image)" \
	"$(moat config get -e c1 volatile.base_image)"
check "config set limits.cpu on a running instance" moat config set c1 limits.cpu 1
check_eq "its cpuset is the first CPU at once" 0 "$(cg_read c1 cpuset.cpus)"
check "config set limits.cpu to more CPUs than the host has" moat config set c1 limits.cpu 64
check_eq "its cpuset is every online CPU" "$(cat /sys/devices/system/cpu/online)" \
	"$(cg_read c1 cpuset.cpus)"
check "config set limits.cpu back to 1" moat config set c1 limits.cpu 1
check_eq "its cpuset is the first CPU again" 0 "$(cg_read c1 cpuset.cpus)"
check "config unset limits.cpu" moat config unset c1 limits.cpu
check_eq "its cpuset is every online CPU again" "$(cat /sys/devices/system/cpu/online)" \
	"$(cg_read c1 cpuset.cpus)"
check "config unset" moat config unset c1 user.n
check_eq "the key is gone" "" "$(moat config get c1 user.n)"
out=$(moat config unset c1 user.n 2>&1)
check_eq "unset of a key that is not set exits 1" 1 "$?"
check_eq "... with lxc's message" "Error: Can't unset key 'user.n', it's not currently set" "$out"
out=$(moat config set c1 nonsense.key=x 2>&1)
check_eq "a refused key exits 1" 1 "$?"
check_match "... with the server's message" '^Error: .*Unknown configuration key' "$out"
check_eq "... the one lxc prints" "$(timeout 30 lxc config set c1 nonsense.key x 2>&1)" "$out"
check_eq "and it is not stored" "" "$(moat config get c1 nonsense.key)"
moat config show c1 | sed 's/^description: .*/description: edited by moat/' >"$T/c1.yaml"
check "config edit from stdin" sh -c "timeout 30 '$M' config edit c1 <'$T/c1.yaml'"
check_eq "the edit took" "edited by moat" "$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["description"]')"
check_eq "config show after the edit is lxc's" "$(timeout 30 lxc config show c1)" "$(moat config show c1)"
out=$(printf 'ephemeral: "yes"\n' | timeout 30 "$M" config edit c1 2>&1)
check_eq "config edit: a quoted boolean exits 1" 1 "$?"
check_match "... as yaml.v2 refuses it" 'cannot unmarshal !!str `yes` into bool' "$out"
sed 's/^  user.greeting: hello$/  user.greeting: hello\n  nonsense.key: x/' "$T/c1.yaml" >"$T/c1-bad.yaml"
out=$(timeout 30 "$M" config edit c1 <"$T/c1-bad.yaml" 2>&1)
check_eq "config edit: a refused key exits 1" 1 "$?"
check_match "... with the server's message" '^Error: .*Unknown configuration key' "$out"
# with a terminal: the editor; the server refuses; the editor again, the error on top
cat >"$T/confed.sh" <<'EDITOR'
#!/bin/sh
n=$(ls "$(dirname "$0")"/confed-seen.* 2>/dev/null | wc -l)
cp "$1" "$(dirname "$0")/confed-seen.$n"
if grep -q '^# Error: ' "$1"; then
	sed -i 's/^  nonsense.key: x$/  user.fixed: "yes"/' "$1"
else
	sed -i 's/^config:$/config:\n  nonsense.key: x/' "$1"
fi
EDITOR
chmod +x "$T/confed.sh"
printf '\n' >"$T/enter"
out=$(script -qec "EDITOR=$T/confed.sh timeout --foreground 30 $M config edit c1" /dev/null <"$T/enter")
check_eq "config edit with the editor: fixed on the second round, exit 0" 0 "$?"
check_match "... after lxc's prompt" 'Press enter to open the editor again' "$out"
check_match "the editor first got lxc's template" '^### This is a YAML representation' "$(head -1 "$T/confed-seen.0")"
check_match "the second time, the server's error at the top" \
	'^# Error: .*Unknown configuration key' "$(head -1 "$T/confed-seen.1")"
check_eq "the fixed edit took" yes "$(moat config get c1 user.fixed)"

# ---- monitor ---------------------------------------------------------------------------------------
timeout 120 "$M" monitor --type=lifecycle >"$T/monitor.out" 2>&1 </dev/null &
mon=$!
timeout 120 lxc monitor --type=lifecycle >"$T/lxc-monitor.out" 2>&1 </dev/null &
lmon=$!
timeout 120 "$M" monitor --format json >"$T/monitor.json" 2>&1 </dev/null &
jmon=$!
sleep 1
check "stop c1, for the monitor" moat stop c1
check "moat monitor sees instance-stopped" eventually 10 grep -q '^  action: instance-stopped$' "$T/monitor.out"
check "start c1 again" moat start c1
check "... and instance-started" eventually 10 grep -q '^  action: instance-started$' "$T/monitor.out"
eventually 10 grep -q 'instance-started' "$T/lxc-monitor.out"
kill -TERM "$mon" "$lmon" "$jmon"
wait "$mon" "$lmon" "$jmon"
check_match "monitor: lxc's YAML" '^  source: /1.0/instances/c1$' "$(cat "$T/monitor.out")"
check_eq "monitor --type=lifecycle: lifecycle events only" \
	"$(grep -c '^type: ' "$T/monitor.out")" "$(grep -c '^type: lifecycle$' "$T/monitor.out")"
check_eq "moat monitor prints what lxc monitor prints, byte for byte" \
	"$(cat "$T/lxc-monitor.out")" "$(cat "$T/monitor.out")"
check_match "monitor --format json: the operations too" '"type":"operation"' "$(cat "$T/monitor.json")"
check_match "... and the lifecycle events" '"action":"instance-started"' "$(cat "$T/monitor.json")"

# ---- delete ---------------------------------------------------------------------------------------
out=$(echo yes | timeout 60 "$M" delete -i c3 2>&1)
check_match "delete -i: 'yes' deletes" '^Remove c3 \(yes/no\): $' "$out"
check "moat delete -f c1" moat delete -f c1
check_eq "no instance is left" "" "$(moat list --format csv -c n)"
check "image delete" moat image delete bb
check_eq "no image is left" "" "$(moat image list --format csv)"
# ---- completion and man pages, generated from the command table at build time ----------------
comp="$B/share/bash-completion/moat"
check "the bash completion script parses" bash -n "$comp"
complete_words() { bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _moat; echo "${COMPREPLY[*]}"' _ "$comp" "$@"; }
check_eq "completion of a verb" image "$(complete_words moat ima)"
check_eq "completion of a sub-command's flag" --release "$(complete_words moat image build --rel)"
check_eq "completion through an alias (rm = delete)" "--force --interactive" \
	"$(complete_words moat rm --f) $(complete_words moat rm --i)"
check_match "a man page per verb: moat-launch(1) renders" 'SYNOPSIS.*moat launch' \
	"$(man -l "$B/share/man/man1/moat-launch.1" 2>/dev/null | tr '\n' ' ')"
check_eq "one man page for each command the completion knows" \
	"$(grep -c '^_moat_words\[' "$comp")" "$(grep -l '^\.SH NAME' "$B"/share/man/man1/*.1 | wc -l)"
finish
