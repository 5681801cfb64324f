#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GET /1.0/events: the websocket handshake (101, accept key, bad handshakes
# refused with 400), the keepalive ping, ping/pong, the close handshake,
# the ?type= filter, misbehaving clients (closed, daemon unharmed), many
# subscribers (no threads left behind), and the stock clients: `lxc
# monitor` stays connected and exits cleanly when killed, pylxd's events
# client connects. The event fan-out itself (order, drop of a slow
# subscriber, JSON shape) is unit-tested in tests/unit/test_events.c.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
fe=$(frontend_pid)

# A small websocket client over the unix socket: raw bytes, so that it can
# also misbehave. Each command prints one line for the checks below.
cat >"$T/wsc.py" <<'EOF'
import base64, hashlib, json, os, socket, struct, sys, time

SOCK = os.environ["MOAT_DIR"] + "/unix.socket"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def connect(path="/1.0/events", drop=(), **extra):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(SOCK)
    key = base64.b64encode(os.urandom(16)).decode()
    h = {"Host": "unix.socket", "Upgrade": "websocket", "Connection": "Upgrade",
         "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
    h.update({k.replace("_", "-"): v for k, v in extra.items()})
    for d in drop:
        h.pop(d, None)
    req = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    s.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    return s, status, hdrs, rest, want

def frame(op, payload=b"", fin=True, mask=True):
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        h = bytes([b0, m | n])
    elif n < 65536:
        h = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if not mask:
        return h + payload
    k = os.urandom(4)
    return h + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))

class Reader:
    def __init__(self, s, rest=b""):
        self.s, self.buf = s, rest
    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
    def read(self):
        self.need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            self.need(4); n = struct.unpack(">H", self.buf[2:4])[0]; off = 4
        elif n == 127:
            self.need(10); n = struct.unpack(">Q", self.buf[2:10])[0]; off = 10
        if b1 & 0x80:
            return ("masked!", b"")
        self.need(off + n)
        p = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return (b0 & 0x0F, p)
    def eof(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

def close_code(p):
    return struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None

cmd = sys.argv[1]
if cmd == "handshake":
    s, st, h, rest, want = connect()
    print(st, h.get("upgrade", "").lower(), h.get("connection", "").lower(),
          "accept-ok" if h.get("sec-websocket-accept") == want else "accept-bad")
elif cmd == "status":  # status PATH [drop=Header] [Header=value]...
    drop = [a[5:] for a in sys.argv[3:] if a.startswith("drop=")]
    extra = dict(a.split("=", 1) for a in sys.argv[3:] if not a.startswith("drop="))
    s, st, h, rest, want = connect(sys.argv[2], drop=drop, **extra)
    body = rest.decode("latin-1")
    err = ""
    if st != 101:
        try:
            err = json.loads(body).get("error", "")
        except ValueError:
            pass
    print(st, err)
elif cmd == "keepalive":
    s, st, h, rest, want = connect()
    r = Reader(s, rest)
    t0 = time.time()
    op, p = r.read()
    print(op, p.decode(), "fast" if time.time() - t0 < 2 else "slow")
elif cmd == "pingpong":
    s, st, h, rest, want = connect()
    r = Reader(s, rest)
    r.read()
    s.sendall(frame(0x9, b"are you there"))
    op, p = r.read()
    s.sendall(frame(0x1, b"ignored", fin=False) + frame(0x9, b"mid") + frame(0x0, b" text"))
    op2, p2 = r.read()
    print(op, p.decode(), op2, p2.decode())
elif cmd == "close":
    s, st, h, rest, want = connect()
    r = Reader(s, rest)
    r.read()
    s.sendall(frame(0x8, struct.pack(">H", 1000) + b"bye"))
    op, p = r.read()
    print(op, close_code(p), "eof" if r.eof() else "open")
elif cmd == "bad":  # bad unmasked|garbage|huge|badclose|utf8
    s, st, h, rest, want = connect()
    r = Reader(s, rest)
    r.read()
    what = sys.argv[2]
    data = {
        "unmasked": frame(0x1, b"hello", mask=False),
        "garbage": b"\xf3\x99" + os.urandom(64),
        "huge": b"\x82\xff" + struct.pack(">Q", 1 << 40) + b"abcd",
        "badclose": frame(0x8, struct.pack(">H", 1005)),
        "utf8": frame(0x1, b"\xc0\x80"),
        "bigping": b"\x89\xfe\x00\x80" + os.urandom(4) + b"x" * 128,
    }[what]
    try:
        s.sendall(data)
        op, p = r.read()
        print(op, close_code(p), "eof" if r.eof() else "open")
    except (EOFError, ConnectionResetError, BrokenPipeError):
        print("eof")
elif cmd == "many":  # many N: N subscribers at once, each gets its ping
    n = int(sys.argv[2])
    conns = []
    for i in range(n):
        s, st, h, rest, want = connect()
        conns.append((s, Reader(s, rest), st))
    good = sum(1 for s, r, st in conns if st == 101 and r.read() == (9, b"keepalive"))
    # half leave politely, half just vanish
    for i, (s, r, st) in enumerate(conns):
        if i % 2 == 0:
            s.sendall(frame(0x8, struct.pack(">H", 1000)))
            while True:
                op, p = r.read()
                if op == 0x8:
                    break
        s.close()
    print(good)
elif cmd == "watch":  # watch READY_FILE: operation events until one is final (+0.5 s)
    s, st, h, rest, want = connect("/1.0/events?type=operation")
    r = Reader(s, rest)
    open(sys.argv[2], "w").write(str(st))
    seen, deadline, final_at = [], time.time() + 30, None
    s.settimeout(0.5)
    while time.time() < deadline and (final_at is None or time.time() < final_at + 0.5):
        try:
            op, p = r.read()
        except socket.timeout:
            continue
        except EOFError:
            break
        if op == 0x9:
            s.sendall(frame(0xA, p))
            continue
        if op != 0x1:
            seen.append(("frame", op))
            continue
        if not p.endswith(b"\n"):
            seen.append(("no-newline",))
        ev = json.loads(p)
        md = ev["metadata"]
        seen.append((ev["type"], ev["project"], ev["location"], md["id"], md["status_code"]))
        if md["status_code"] >= 200 and final_at is None:
            final_at = time.time()
    print(json.dumps(seen))
elif cmd == "pylxd":
    import pylxd
    c = pylxd.Client()
    ws = c.events()
    ws.connect()
    got = ws.once()  # the keepalive ping, answered by ws4py
    ws.close()
    print("connected", bool(got))
elif cmd == "pylxd-type":
    import pylxd
    from pylxd.client import EventType
    c = pylxd.Client()
    ws = c.events(event_types={EventType.Lifecycle})
    ws.connect()
    print("connected", ws.resource)
    ws.close()
EOF
wsc() { /usr/bin/python3 "$T/wsc.py" "$@" 2>&1 | tail -1; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$fe/status"; }
# wait_threads N: until the frontend is back to N threads or fewer (5 s)
wait_threads() {
	for _ in $(seq 1 50); do
		[ "$(threads)" -le "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
base_threads=$(threads)

# The handshake
check_eq "GET /1.0/events upgrades: 101, Upgrade: websocket, Connection: upgrade, right accept key" \
	"101 websocket upgrade accept-ok" "$(wsc handshake)"
check_eq "the first frame is a ping \"keepalive\", right away" "9 keepalive fast" "$(wsc keepalive)"
check_eq "a ping is answered with its payload; a fragmented message with a ping inside is fine" \
	"10 are you there 10 mid" "$(wsc pingpong)"
check_eq "a close frame is answered with 1000, then the socket closes" "8 1000 eof" "$(wsc close)"

# ?type=
check_eq "?type=nope is a 400 before any upgrade" "400 \"nope\" isn't a supported event type" \
	"$(wsc status '/1.0/events?type=nope')"
check_eq "?type=operation, (an empty entry) is a 400" 400 "$(wsc status '/1.0/events?type=operation,' | cut -d' ' -f1)"
check_eq "?type=operation,lifecycle upgrades" 101 "$(wsc status '/1.0/events?type=operation,lifecycle' | cut -d' ' -f1)"
check_eq "?type=logging upgrades" 101 "$(wsc status '/1.0/events?type=logging' | cut -d' ' -f1)"
check_eq "an empty ?type= means every type" 101 "$(wsc status '/1.0/events?type=' | cut -d' ' -f1)"

# Bad handshakes
check_eq "a missing Sec-WebSocket-Key is a 400" 400 \
	"$(wsc status /1.0/events drop=Sec-WebSocket-Key | cut -d' ' -f1)"
check_eq "a malformed Sec-WebSocket-Key is a 400" 400 \
	"$(wsc status /1.0/events Sec-WebSocket-Key=c2hvcnQ= | cut -d' ' -f1)"
check_eq "Sec-WebSocket-Version 8 is a 400" 400 \
	"$(wsc status /1.0/events Sec-WebSocket-Version=8 | cut -d' ' -f1)"
check_eq "a missing Sec-WebSocket-Version is a 400" 400 \
	"$(wsc status /1.0/events drop=Sec-WebSocket-Version | cut -d' ' -f1)"
check_eq "Connection without the upgrade token is a 400" 400 \
	"$(wsc status /1.0/events Connection=keep-alive | cut -d' ' -f1)"
check_eq "Upgrade: h2c is a 400" 400 "$(wsc status /1.0/events Upgrade=h2c | cut -d' ' -f1)"
check_eq "a plain GET (no upgrade) is a 400" 400 "$(api_status GET /1.0/events)"
check_eq "the 400 is LXD's error envelope" "error 400" \
	"$(jget "$(api GET /1.0/events)" 'd["type"]+" "+str(d["error_code"])')"
check_eq "POST /1.0/events is 501" 501 "$(api_status POST /1.0/events)"
check_eq "mixed-case headers are fine (Connection: keep-alive, Upgrade; upgrade: WebSocket)" 101 \
	"$(wsc status /1.0/events 'Connection=keep-alive, Upgrade' Upgrade=WebSocket | cut -d' ' -f1)"

# Misbehaving clients are closed; the daemon does not notice
check_eq "an unmasked frame: closed with 1002" "8 1002 eof" "$(wsc bad unmasked)"
check_eq "reserved bits and garbage: closed with 1002" "8 1002 eof" "$(wsc bad garbage)"
check_eq "a 1 TiB frame header: closed with 1009 (nothing is allocated for it)" "8 1009 eof" "$(wsc bad huge)"
check_eq "a close frame with code 1005: closed with 1002" "8 1002 eof" "$(wsc bad badclose)"
check_eq "a text message that is not UTF-8: closed with 1007" "8 1007 eof" "$(wsc bad utf8)"
check_eq "a 128-byte ping: closed with 1002" "8 1002 eof" "$(wsc bad bigping)"
check_eq "after all that, the API answers" 200 "$(api_status GET /1.0)"
check_eq "... and it is the same moatd-api (no crash, no restart)" "$fe" "$(frontend_pid)"

# Many subscribers, half leaving without a close frame
check_eq "200 subscribers at once each get their keepalive ping" 200 "$(wsc many 200)"
if wait_threads "$base_threads"; then
	ok "their threads are gone once they leave ($(threads) threads, $base_threads before)"
else
	not_ok "their threads are gone once they leave ($(threads) threads, $base_threads before)"
fi

# An operation end to end, when the image store is there to make one: lxc waits
# for the final operation event and nothing else, so `lxc image import`
# finishing is itself the check that it arrived.
if busybox_image; then
	/usr/bin/python3 "$T/wsc.py" watch "$T/ready" >"$T/watch.out" 2>&1 &
	watcher=$!
	lxc monitor --type=operation --format=json >"$T/mon-op.out" 2>&1 &
	mon=$!
	for _ in $(seq 1 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
	sleep 1 # lxc monitor connects too
	check "lxc image import completes (it waits on the operation's final event)" \
		timeout 60 lxc image import "$BB_IMG" --alias bb
	wait "$watcher"
	seen=$(tail -1 "$T/watch.out")
	check_eq "one operation's events, all of type operation, project default, location none" \
		"1 True" "$(jget "$seen" 'str(len(set(e[3] for e in d)))+" "+str(all(e[:3]==["operation","default","none"] for e in d))')"
	check_eq "its events go Pending, Running, ..., Success, and nothing after the final one" \
		"105 103 200 True" \
		"$(jget "$seen" '" ".join(str(e[4]) for e in (d[0],d[1],d[-1]))+" "+str(all(e[4]<200 for e in d[:-1]))')"
	kill -TERM "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	# (the Go client hands each event to its handlers in a goroutine of its own, so
	# lxc monitor may print them out of order: compare sets)
	check_eq "lxc monitor --type=operation --format=json decodes them all (same ids and statuses)" \
		"$(jget "$seen" '" ".join(sorted(e[3]+":"+str(e[4]) for e in d))')" \
		"$(/usr/bin/python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(" ".join(sorted("%s:%s" % (e["metadata"]["id"], e["metadata"]["status_code"]) for e in evs if e["type"] == "operation")))' "$T/mon-op.out" 2>&1)"
else
	note "no image store here (tools/build-busybox-image.sh): operation events only unit-tested"
fi

# The stock clients
lxc monitor --type=lifecycle >"$T/monitor.out" 2>&1 &
mon=$!
sleep 2
check "lxc monitor --type=lifecycle connects and stays connected" kill -0 "$mon"
# (SIGTERM: a background job of a script starts with SIGINT ignored)
kill -TERM "$mon"
for _ in $(seq 1 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mon" 2>/dev/null; then
	not_ok "lxc monitor exits when killed (SIGTERM)"
	kill -9 "$mon"
else
	ok "lxc monitor exits when killed (SIGTERM)"
fi
wait "$mon" 2>/dev/null
check_eq "lxc monitor printed no error" "" "$(grep -i error "$T/monitor.out")"
out=$(timeout 2 lxc monitor --pretty 2>&1)
rc=$?
check_eq "plain lxc monitor runs until stopped (timeout's 124)" 124 "$rc"
check_eq "... and sees nothing broken (no output, no error)" "" "$out"
check_eq "pylxd's events client connects and handles the keepalive" "connected True" "$(wsc pylxd)"
check_eq "pylxd's events client with a type filter connects" "connected /1.0/events?type=lifecycle" \
	"$(wsc pylxd-type)"
if wait_threads "$base_threads"; then
	ok "no frontend thread is left behind by the clients ($(threads))"
else
	not_ok "no frontend thread is left behind by the clients ($(threads), $base_threads before)"
fi
check_eq "the same moatd-api served it all" "$fe" "$(frontend_pid)"
finish
