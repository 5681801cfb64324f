#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# LXD's proxy device on a container with no nic at all, through the stock
# lxc client, pylxd and moat: bind=host tcp from a free host port on
# 127.0.0.1 to busybox nc inside (1 MiB both ways, byte for byte), a unix
# listener on the host to the same port, bind=instance (a listener inside
# reaching a server on the host's loopback; a unix listener inside made in
# the container's own root even through a symlink it planted), udp (a
# server in the container's network namespace, two clients), hot-plug and
# unplug on the running instance (the host port then refuses), the
# forwarder with no capability and not root (its /proc status: Uid,
# CapEff, CapBnd, NoNewPrivs, Seccomp) in the container's network
# namespace, a moatd restart that keeps it forwarding (and a remove after
# it that still stops it), the forwarder ending with the container, a start
# whose proxy cannot listen failing as LXD's does, and bad keys as 400s with
# nothing stored. Host ports come from this suite's own range (46800-46899),
# each checked free first.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

# free_port VAR: a port of the suite's range that nothing listens on (tcp or udp), into VAR
USED_PORTS=" "
free_port() {
	local p
	for p in $(seq 46800 46899); do
		case "$USED_PORTS" in *" $p "*) continue ;; esac
		if [ -z "$(ss -Hltun "sport = :$p" 2>/dev/null)" ]; then
			USED_PORTS="$USED_PORTS$p "
			printf -v "$1" %s "$p"
			return 0
		fi
	done
	not_ok "a free port in 46800-46899"
	exit 1
}

cat >"$T/px.py" <<'PY'
# The host's side of the suite: echo clients and servers, byte for byte.
import os, select, socket, sys, threading

def echo_client(s, n):
    data = os.urandom(n)
    s.setblocking(False)
    sent, back = 0, bytearray()
    while len(back) < n:
        r, w, _ = select.select([s], [s] if sent < n else [], [], 20)
        if not r and not w:
            break
        if w:
            sent += s.send(data[sent:sent + 65536])
            if sent == n:
                s.shutdown(socket.SHUT_WR)
        if r:
            x = s.recv(65536)
            if not x:
                break
            back += x
    print("same %d" % len(back) if bytes(back) == data else "differ %d/%d" % (len(back), n))

def serve_echo(s):
    while True:
        c, _ = s.accept()
        def one(c=c):
            while True:
                x = c.recv(65536)
                if not x:
                    break
                c.sendall(x)
            c.close()
        threading.Thread(target=one, daemon=True).start()

mode = sys.argv[1]
if mode == "tcp":       # tcp HOST PORT N
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=20)
    echo_client(s, int(sys.argv[4]))
elif mode == "unix":    # unix PATH N
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sys.argv[2])
    echo_client(s, int(sys.argv[3]))
elif mode == "refused":  # refused HOST PORT
    try:
        socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=5)
        print("connected")
    except ConnectionRefusedError:
        print("refused")
elif mode == "tcp-server":  # tcp-server PORT: echo on 127.0.0.1
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[2])))
    s.listen()
    serve_echo(s)
elif mode == "hold":    # hold PORT: a listener that is in the way
    s = socket.socket()
    s.bind(("127.0.0.1", int(sys.argv[2])))
    s.listen()
    select.select([], [], [], 300)
elif mode == "udp-server":  # udp-server PORT: "echo:" + each datagram, on 127.0.0.1
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(sys.argv[2])))
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(b"echo:" + d, a)
elif mode == "udp":     # udp HOST PORT: two clients, each its own answer
    out = []
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    for k, s in enumerate(socks):
        s.settimeout(10)
        msg = os.urandom(16).hex().encode()
        s.sendto(msg, (sys.argv[2], int(sys.argv[3])))
        try:
            d, _ = s.recvfrom(65536)
        except socket.timeout:
            d = b""
        out.append("ok" if d == b"echo:" + msg else "bad %r" % d)
    print(" ".join(out))
PY
px() { timeout 60 /usr/bin/python3 "$T/px.py" "$@"; }

# fwd_pid INSTANCE DEVICE: the forwarder moatd recorded
fwd_pid() { cut -d' ' -f1 "$MOAT_DIR/proxies/$1/$2.pid" 2>/dev/null; }
init_pid() { lxc info "$1" | sed -n 's/^PID: //p'; }
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }
# nc_server INSTANCE PORT: a persistent busybox nc echo server inside, listening
nc_server() {
	timeout 30 lxc exec "$1" -- setsid sh -c "nc -ll -p $2 -e cat </dev/null >/dev/null 2>&1 &"
	eventually 10 sh -c "lxc exec $1 -- netstat -ltn | grep -q ':$2 '"
}

free_port HP
free_port UP
free_port SP
free_port XP
note "host ports: tcp $HP, udp $UP, host server $SP, in the way $XP"

check "launch p1 (no nic)" timeout 120 lxc launch bb p1
check "busybox nc echoes on 127.0.0.1:8000 inside p1" nc_server p1 8000

# ---- bind=host tcp, hot-plugged ----------------------------------------------------------
check "lxc config device add: a tcp proxy on the running p1" timeout 30 lxc config device add \
	p1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8000
check_eq "1 MiB through it to nc inside and back, byte for byte" "same 1048576" \
	"$(px tcp 127.0.0.1 "$HP" 1048576)"
check_eq "... and again (a second connection)" "same 65536" "$(px tcp 127.0.0.1 "$HP" 65536)"
FP=$(fwd_pid p1 web)
check "moatd recorded its forwarder" test -n "$FP" -a -d "/proc/${FP:-0}"
check_eq "the forwarder is moat-forward, exec'd by moatd's root half" "$B/moat-forward" \
	"$(readlink /proc/"$FP"/exe)"
check_match "the forwarder is not root" "^[1-9][0-9]* " "$(status_of "$FP" Uid)"
check_eq "... with no effective capability" 0000000000000000 "$(status_of "$FP" CapEff)"
check_eq "... none permitted" 0000000000000000 "$(status_of "$FP" CapPrm)"
check_eq "... an empty bounding set" 0000000000000000 "$(status_of "$FP" CapBnd)"
check_eq "... no_new_privs" 1 "$(status_of "$FP" NoNewPrivs)"
check_eq "... under a seccomp filter" 2 "$(status_of "$FP" Seccomp)"
check_eq "... in the container's network namespace" "$(readlink /proc/"$(init_pid p1)"/ns/net)" \
	"$(readlink /proc/"$FP"/ns/net)"
check_eq "... as the container's root's host id" \
	"$(awk '$1 == 0 {print $2}' /proc/"$(init_pid p1)"/uid_map)" "$(status_of "$FP" Uid | cut -d' ' -f1)"
check_eq "the listener stays in the host's namespace (ss sees it)" 1 \
	"$(ss -Hltn "sport = :$HP" | wc -l)"

# ---- a unix listener on the host to the same port ----------------------------------------
check "lxc config device add: a unix listener on the host" timeout 30 lxc config device add \
	p1 sock proxy listen=unix:"$T/web.sock" connect=tcp:127.0.0.1:8000 mode=0660 uid=0 gid=0
check_eq "the socket has its owner and mode" "socket 0:0 660" \
	"$(stat -c '%F %u:%g %a' "$T/web.sock")"
check_eq "256 KiB through the unix socket and back" "same 262144" \
	"$(px unix "$T/web.sock" 262144)"

# ---- bind=instance: a listener inside to a server on the host's loopback -------------------
/usr/bin/python3 "$T/px.py" tcp-server "$SP" &
SERVER=$!
cleanup_also kill "$SERVER"
eventually 10 sh -c "ss -Hltn 'sport = :$SP' | grep -q ."
check "lxc config device add: bind=instance" timeout 30 lxc config device add \
	p1 up proxy bind=instance listen=tcp:127.0.0.1:9000 connect=tcp:127.0.0.1:$SP
check_eq "inside p1, nc reaches the host's echo server through it" hello-up \
	"$(echo hello-up | timeout 30 lxc exec p1 -- nc 127.0.0.1 9000)"
check_eq "... 200 kB both ways, byte for byte (cmp inside)" same "$(timeout 60 lxc exec p1 -- sh -c \
	'head -c 200000 /dev/urandom >/tmp/big; nc 127.0.0.1 9000 </tmp/big >/tmp/back; cmp /tmp/big /tmp/back && echo same')"
check_eq "the listener is inside p1, not on the host" "0 1" \
	"$(ss -Hltn 'sport = :9000' | wc -l) $(timeout 30 lxc exec p1 -- netstat -ltn | grep -c '127.0.0.1:9000 ')"
timeout 30 lxc exec p1 -- sh -c 'mkdir -p /srv && ln -sfn /etc /srv/esc' >/dev/null 2>&1
check "bind=instance: a unix listener through a symlink p1 planted" timeout 30 lxc config device add \
	p1 inside proxy bind=instance listen=unix:/srv/esc/moat-px.sock connect=tcp:127.0.0.1:$SP
check_eq "... is made in p1's own /etc" socket \
	"$(timeout 30 lxc exec p1 -- stat -c %F /etc/moat-px.sock)"
check "... and not in the host's" test ! -e /etc/moat-px.sock

# ---- udp ----------------------------------------------------------------------------------
nsenter -t "$(init_pid p1)" -n /usr/bin/python3 "$T/px.py" udp-server 5353 &
cleanup_also kill "$!"
# the server bound before the first datagram (else that client's answer is lost)
eventually 10 sh -c "nsenter -t $(init_pid p1) -n ss -Hlun 'sport = :5353' | grep -q ."
check "lxc config device add: a udp proxy" timeout 30 lxc config device add \
	p1 dns proxy listen=udp:127.0.0.1:$UP connect=udp:127.0.0.1:5353
check_eq "two udp clients each get their own answer from inside p1" "ok ok" \
	"$(px udp 127.0.0.1 "$UP")"

# ---- unplug ---------------------------------------------------------------------------------
FP=$(fwd_pid p1 web)
check "lxc config device remove: the tcp proxy" timeout 30 lxc config device remove p1 web
check_eq "the host port refuses at once" refused "$(px refused 127.0.0.1 "$HP")"
check "its forwarder is gone" eventually 10 test ! -d "/proc/$FP"
check "... and so is its record" test ! -e "$MOAT_DIR/proxies/p1/web.pid"
check "lxc config device remove: the unix listener" timeout 30 lxc config device remove p1 sock
check "its socket file is removed" test ! -e "$T/web.sock"

# ---- bad keys: 400, nothing stored ----------------------------------------------------------
before=$(api GET /1.0/instances/p1 | md5sum)
bad() { # bad WHAT MESSAGE KEY=VALUE...
	local what=$1 msg=$2
	shift 2
	check_match "lxc: $what is refused" "$msg" \
		"$(timeout 30 lxc config device add p1 bad proxy "$@" 2>&1)"
}
bad "an unknown protocol" 'Unknown protocol type "sctp"' listen=sctp:127.0.0.1:1 connect=tcp:127.0.0.1:80
bad "a host name to connect to" 'Not an IP address "localhost"' \
	listen=tcp:127.0.0.1:$XP connect=tcp:localhost:80
bad "a missing port" 'missing port in address' listen=tcp:127.0.0.1 connect=tcp:127.0.0.1:80
bad "port 0" 'Invalid port "0"' listen=tcp:127.0.0.1:0 connect=tcp:127.0.0.1:80
bad "a port range (not done)" 'Port ranges and lists are not supported' \
	listen=tcp:127.0.0.1:$XP-46899 connect=tcp:127.0.0.1:80
bad "nat=true (not done)" 'NAT mode \(nat=true\) is not supported' \
	listen=tcp:127.0.0.1:$XP connect=tcp:127.0.0.1:80 nat=true
bad "proxy_protocol to a unix server" 'The PROXY header can only be sent to tcp servers' \
	listen=tcp:127.0.0.1:$XP connect=unix:/run/x.sock proxy_protocol=true
bad "a bad bind" 'Invalid binding side given. Must be "host" or "instance"' \
	listen=tcp:127.0.0.1:$XP connect=tcp:127.0.0.1:80 bind=sideways
bad "uid on a tcp listener" 'Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode' \
	listen=tcp:127.0.0.1:$XP connect=tcp:127.0.0.1:80 uid=5
bad "udp to tcp (not done)" 'Proxying udp <-> tcp is not supported' \
	listen=udp:127.0.0.1:$XP connect=tcp:127.0.0.1:80
bad "a unix path with .." 'must be absolute, without' listen=unix:/tmp/../etc/x.sock connect=tcp:127.0.0.1:80
bad "an abstract socket (not done)" 'Abstract unix sockets are not supported' \
	listen=unix:@moat connect=tcp:127.0.0.1:80
bad "no connect" 'Invalid value for device option "connect": Required value' listen=tcp:127.0.0.1:$XP
check_eq "the API says 400 too" 400 "$(api_status PATCH /1.0/instances/p1 \
	-d '{"devices":{"bad":{"type":"proxy","listen":"tcp:127.0.0.1:1-2","connect":"tcp:127.0.0.1:80"}}}')"
check_eq "nothing was stored" "$before" "$(api GET /1.0/instances/p1 | md5sum)"

# ---- a moatd restart keeps the forwarders -----------------------------------------------------
check "lxc config device add: the tcp proxy again" timeout 30 lxc config device add \
	p1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8000
FP=$(fwd_pid p1 web)
kill "$MOATD_PID"
eventually 20 sh -c "! kill -0 $MOATD_PID"
check "moatd is gone, the forwarder is not" test -d "/proc/$FP"
check_eq "it still forwards with no moatd" "same 65536" "$(px tcp 127.0.0.1 "$HP" 65536)"
daemon_start
check_eq "after the restart, the same forwarder forwards" "same 65536 $FP" \
	"$(px tcp 127.0.0.1 "$HP" 65536) $(fwd_pid p1 web)"
check "lxc config device remove after the restart" timeout 30 lxc config device remove p1 web
check "... stops the forwarder of the old moatd" eventually 10 test ! -d "/proc/$FP"
check_eq "... and the port refuses" refused "$(px refused 127.0.0.1 "$HP")"

# ---- moat and pylxd ---------------------------------------------------------------------
check "moat config device add: a tcp proxy" timeout 30 "$B/moat" config device add p1 mweb proxy \
	listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8000
check_eq "... forwards" "same 100000" "$(px tcp 127.0.0.1 "$HP" 100000)"
check "moat config device remove" timeout 30 "$B/moat" config device remove p1 mweb
check_eq "... and the port refuses" refused "$(px refused 127.0.0.1 "$HP")"
cat >"$T/pl.py" <<'PY'
import subprocess, sys
from pylxd import Client
port, px = sys.argv[1], sys.argv[2:]
i = Client().containers.get("p1")
i.devices["pl"] = {"type": "proxy", "listen": "tcp:127.0.0.1:" + port, "connect": "tcp:127.0.0.1:8000"}
i.save(wait=True)
out = subprocess.run(px + ["tcp", "127.0.0.1", port, "50000"], capture_output=True, text=True).stdout.strip()
print("ok - 68-proxy: pylxd: a proxy added to the running instance forwards" if out == "same 50000"
      else "not ok - 68-proxy: pylxd: a hot-plugged proxy: %r" % out)
del i.devices["pl"]
i.save(wait=True)
out = subprocess.run(px + ["refused", "127.0.0.1", port], capture_output=True, text=True).stdout.strip()
print("ok - 68-proxy: pylxd: ... and the port refuses once it is removed" if out == "refused"
      else "not ok - 68-proxy: pylxd: removed proxy: %r" % out)
PY
out=$(timeout 120 /usr/bin/python3 "$T/pl.py" "$HP" /usr/bin/python3 "$T/px.py" 2>&1)
echo "$out" | grep -E '^(not )?ok - ' || not_ok "pylxd: the script ran: $(echo "$out" | tail -3)"
echo "$out" | grep -q '^not ok' && FAILED=1

# ---- at start, at stop ----------------------------------------------------------------------
check "lxc config device add: a tcp proxy on the running p1 (kept for the restart)" timeout 30 \
	lxc config device add p1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8000
FP=$(fwd_pid p1 web)
check "lxc stop p1" timeout 60 lxc stop p1 --force
check "the forwarders end with the container" eventually 10 test ! -d "/proc/$FP"
check_eq "the host port refuses" refused "$(px refused 127.0.0.1 "$HP")"
check "lxc start p1: its proxies come up with it" timeout 120 lxc start p1
check "busybox nc echoes again inside p1" nc_server p1 8000
check_eq "the proxy forwards after the start" "same 65536" "$(px tcp 127.0.0.1 "$HP" 65536)"
check "lxc stop p1 again" timeout 60 lxc stop p1 --force
/usr/bin/python3 "$T/px.py" hold "$XP" &
HOLD=$!
cleanup_also kill "$HOLD"
eventually 10 sh -c "ss -Hltn 'sport = :$XP' | grep -q ."
check "lxc config device add: a proxy on a port something else holds" timeout 30 \
	lxc config device add p1 busy proxy listen=tcp:127.0.0.1:$XP connect=tcp:127.0.0.1:8000
check_match "lxc start fails, naming the device" 'Failed to start device "busy"' \
	"$(timeout 120 lxc start p1 2>&1)"
check_match "... and p1 is stopped" STOPPED "$(lxc list p1 -c s --format csv)"
check_eq "... with no forwarder left listening on its other port" refused \
	"$(px refused 127.0.0.1 "$HP")"

# ---- delete: what a stopped instance's proxies left goes with it -------------------------
check "launch p2" timeout 120 lxc launch bb p2
check "lxc config device add: a unix listener on the host for p2" timeout 30 lxc config device add \
	p2 hs proxy listen=unix:"$T/p2.sock" connect=tcp:127.0.0.1:8000
FP=$(fwd_pid p2 hs)
check "lxc stop p2" timeout 60 lxc stop p2 --force
check "its forwarder ended, its socket file stays" eventually 10 \
	sh -c "test ! -d /proc/$FP && test -S '$T/p2.sock'"
check "lxc delete p2" timeout 60 lxc delete p2
check "the socket and moatd's records of p2's proxies are gone" \
	test ! -e "$T/p2.sock" -a ! -e "$MOAT_DIR/proxies/p2"
finish
