#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Debian's pylxd 2.2.10, unchanged, against moat: it uses /1.0/containers,
# waits on /wait and polls exec operations. Create, start, exec, files,
# stop, delete.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

cat >"$T/pylxd_test.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd

def check(desc, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + "55-pylxd: " + desc + ("" if cond else ": " + str(detail)))

c = pylxd.Client()
check("the client is trusted", c.trusted)
ct = c.containers.create({"name": "p1", "source": {"type": "image", "alias": "bb"}}, wait=True)
check("create by alias", ct.name == "p1")
check("it appears in the list", "p1" in [x.name for x in c.containers.all()])
ct.start(wait=True)
ct = c.containers.get("p1")
check("start", ct.status == "Running", ct.status)
st = ct.state()
check("state has a pid", st.pid > 0, st.pid)
# the counters the frontend reads from the payload cgroup
check("state: memory usage above 0, peak at least that",
      st.memory["usage"] > 0 and st.memory["usage_peak"] >= st.memory["usage"], st.memory)
check("state: at least one process", st.processes >= 1, st.processes)
r = ct.execute(["sh", "-c", "echo out; echo err >&2; exit 4"])
check("exec exit code", r.exit_code == 4, r)
check("exec stdout", r.stdout == "out\n", repr(r.stdout))
check("exec stderr", r.stderr == "err\n", repr(r.stderr))
r = ct.execute(["cat"], stdin_payload=b"from-stdin")
check("exec with stdin", r.stdout == "from-stdin", repr(r.stdout))
ct.files.put("/root/pylxd.txt", b"pylxd-data")
check("files put then get", ct.files.get("/root/pylxd.txt") == b"pylxd-data")
ct.files.put("/root/mode.txt", b"x", mode="0600", uid=7, gid=8)
r = ct.execute(["stat", "-c", "%a %u %g", "/root/mode.txt"])
check("files put with mode, uid, gid", r.stdout.strip() == "600 7 8", r.stdout)
ct.config["user.note"] = "from pylxd"
ct.description = "saved by pylxd"
ct.save(wait=True)
ct = c.containers.get("p1")
check("save (PUT) keeps config and description",
      (ct.config.get("user.note"), ct.description) == ("from pylxd", "saved by pylxd"),
      (ct.config.get("user.note"), ct.description))
ct.stop(wait=True)
ct = c.containers.get("p1")
check("stop", ct.status == "Stopped", ct.status)
ct.delete(wait=True)
check("delete", "p1" not in [x.name for x in c.containers.all()])
try:
    c.containers.get("nope")
    check("a missing container raises NotFound", False)
except pylxd.exceptions.NotFound:
    check("a missing container raises NotFound", True)
PY
# a hang (timeout), a crash or an early exit must fail the suite, not just
# leave checks unprinted: the script must run to its last line
timeout 300 /usr/bin/python3 "$T/pylxd_test.py" 2>"$T/pylxd.err"
rc=$?
if [ $rc -eq 0 ]; then
	ok "the pylxd script ran to its end"
else
	not_ok "the pylxd script ran to its end (exit status $rc)"
	tail -15 "$T/pylxd.err" | sed 's/^/#   /'
fi
finish
