#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Profiles through Debian's stock lxc client, pylxd and the raw API: the
# default profile, create/show/set/edit/rename/delete, stacking in order
# with the instance's own keys last, a device masked by type none, a
# change carried live to a running member (its cgroup), all or nothing
# when one member would break, the lists rewritten on a rename, bad input
# refused with nothing stored, and the hardened policy refusing a profile
# key at PUT time and moatd refusing to start what a profile brought in;
# a disk added to a profile appears in its running member and goes again.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

# ---- the default profile -----------------------------------------------------
list=$(timeout 30 lxc profile list --format csv)
check_match "lxc profile list shows default, used by none" '^default,Default LXD profile,0$' "$list"
check_match "the default profile has the root disk" 'pool: default' "$(timeout 30 lxc profile show default)"
check_eq "recursion=0 lists URLs" '["/1.0/profiles/default"]' "$(jget "$(api GET /1.0/profiles)" 'd["metadata"]')"

# ---- create, set, stack --------------------------------------------------------
check "lxc profile create p1" timeout 30 lxc profile create p1
check "lxc profile create p2" timeout 30 lxc profile create p2
check "profile set p1 user.a, limits.memory" timeout 30 lxc profile set p1 user.a=from-p1 limits.memory=256MiB
check "profile set p2 user.a, user.b" timeout 30 lxc profile set p2 user.a=from-p2 user.b=b2
check_eq "profile get" "from-p2" "$(timeout 30 lxc profile get p2 user.a)"
check "launch c1 with default, p1, p2" timeout 120 lxc launch bb c1 -p default -p p1 -p p2
check_eq "the later profile wins (user.a from p2)" "from-p2" "$(timeout 30 lxc config get --expanded c1 user.a)"
check_eq "a key of one profile only (user.b)" "b2" "$(timeout 30 lxc config get --expanded c1 user.b)"
check_eq "the instance's own config stays empty" "" "$(timeout 30 lxc config get c1 user.a)"
check "the instance's own key" timeout 30 lxc config set c1 user.a=own
check_eq "the instance's own key wins over every profile" "own" \
	"$(timeout 30 lxc config get --expanded c1 user.a)"
check_match "config show --expanded has the profiles' keys and root disk" 'user.b: b2' \
	"$(timeout 30 lxc config show --expanded c1)"
mem=$(cg_memory_file)
check_eq "limits.memory from p1 is in c1's cgroup" 268435456 "$(cg_read c1 "$mem")"
check_match "profile list counts the members" '^p1,,1$' "$(timeout 30 lxc profile list --format csv)"
check_eq "used_by names the instance" '["/1.0/instances/c1"]' \
	"$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]["used_by"]')"

# ---- a change reaches the running member at once --------------------------------
check "profile set p1 limits.memory=128MiB on a running member" timeout 30 lxc profile set p1 limits.memory=128MiB
check_eq "c1's cgroup has the new limit" 134217728 "$(cg_read c1 "$mem")"
check "profile unset p2 user.b" timeout 30 lxc profile unset p2 user.b
check_eq "the key left the member's expanded config" "" "$(timeout 30 lxc config get --expanded c1 user.b)"

# ---- devices: masking by type none, all or nothing --------------------------------
check "init c2 (stopped) with default and p1" timeout 60 lxc init bb c2 -p default -p p1
check "c2 takes the root disk as its own (config device override)" \
	timeout 30 lxc config device override c2 root
check_fails "a none device in p1 masking the root disk is refused (c1 would lose it)" \
	timeout 30 lxc profile device add p1 root none
check_match "the refusal names the member" 'instance "c1": No root device' "$(cat "$T/last.out")"
check_eq "p1 kept its devices" '{}' "$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]["devices"]')"
check_eq "c2's expansion is unchanged (its root is a disk)" "disk" \
	"$(jget "$(api GET /1.0/instances/c2)" 'd["metadata"]["expanded_devices"]["root"]["type"]')"
check_eq "c1 still runs with p1's limit" 134217728 "$(cg_read c1 "$mem")"
check_fails "an instance's own none device masking the inherited root disk is refused" \
	timeout 30 lxc config device add c1 root none
check_match "with LXD's words" 'No root device could be found' "$(cat "$T/last.out")"
check "a none device masks an inherited device of the same name" \
	timeout 30 lxc profile device add p2 extra none
check_eq "the masked name shows as type none in the expansion" "none" \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["expanded_devices"]["extra"]["type"]')"

# ---- add, remove, assign --------------------------------------------------------
check "profile remove c1 p2" timeout 30 lxc profile remove c1 p2
check_eq "c1's profiles" '["default", "p1"]' "$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["profiles"]')"
check "profile add c1 p2" timeout 30 lxc profile add c1 p2
check "profile assign c2 default,p2" timeout 30 lxc profile assign c2 default,p2
check_eq "c2's profiles" '["default", "p2"]' "$(jget "$(api GET /1.0/instances/c2)" 'd["metadata"]["profiles"]')"
check_fails "a profile that does not exist cannot be added" timeout 30 lxc profile add c1 nosuch

# ---- rename, copy, delete ---------------------------------------------------------
check "profile rename p2 p3" timeout 30 lxc profile rename p2 p3
check_eq "the members' lists name p3" '["default", "p1", "p3"] ["default", "p3"]' \
	"$(jget "$(api GET /1.0/instances/c1)" 'd["metadata"]["profiles"]') $(jget "$(api GET /1.0/instances/c2)" 'd["metadata"]["profiles"]')"
check_eq "p3 used by both" '["/1.0/instances/c1", "/1.0/instances/c2"]' \
	"$(jget "$(api GET /1.0/profiles/p3)" 'd["metadata"]["used_by"]')"
check_eq "p2 is gone" 404 "$(api_status GET /1.0/profiles/p2)"
check "profile copy p3 p4" timeout 30 lxc profile copy p3 p4
check_eq "the copy has p3's config" "from-p2" "$(timeout 30 lxc profile get p4 user.a)"
check_fails "a profile in use cannot be deleted" timeout 30 lxc profile delete p3
check_match "with LXD's words" 'Profile is currently in use' "$(cat "$T/last.out")"
check "an unused profile is deleted" timeout 30 lxc profile delete p4
check_fails "the default profile cannot be deleted" timeout 30 lxc profile delete default
check_eq "deleting default is a 403" 403 "$(api_status DELETE /1.0/profiles/default)"
check_eq "renaming default is a 403" 403 \
	"$(api_status POST /1.0/profiles/default -d '{"name":"other"}')"
check_eq "renaming onto a taken name is a 409" 409 "$(api_status POST /1.0/profiles/p1 -d '{"name":"p3"}')"

# ---- the raw API: null maps, ETag, PATCH, bad input -------------------------------
r=$(curl -s -i --max-time 30 --unix-socket "$MOAT_DIR/unix.socket" -X POST http://unix.socket/1.0/profiles \
	-d '{"config":null,"description":"","devices":null,"name":"q 1"}')
check_match "create with null maps is a 201" '^HTTP/1.1 201' "$r"
check_match "with the name percent-encoded in Location" 'Location: /1.0/profiles/q%201' "$r"
check_eq "its maps are {}" '{} {}' \
	"$(jget "$(api GET /1.0/profiles/q%201)" 'json.dumps(d["metadata"]["config"])+" "+json.dumps(d["metadata"]["devices"])')"
check_eq "a second create of the name is a 409" 409 \
	"$(api_status POST /1.0/profiles -d '{"name":"q 1"}')"
check_eq "PUT with a stale If-Match is a 412" 412 \
	"$(api_status PUT /1.0/profiles/p1 -H 'If-Match: "0000"' -d '{"config":{}}')"
check_eq "PATCH merges the config" 200 "$(api_status PATCH /1.0/profiles/p1 -d '{"config":{"user.c":"c"}}')"
check_eq "and keeps what it did not name" "from-p1 c" "$(timeout 30 lxc profile get p1 user.a) $(timeout 30 lxc profile get p1 user.c)"
before=$(api GET /1.0/profiles/p1)
bad() { # DESC EXPECTED-MESSAGE CMD...
	local desc=$1 msg=$2
	shift 2
	check_fails "$desc is refused" "$@"
	check_match "$desc: the message" "$msg" "$(cat "$T/last.out")"
}
bad "a bad value" 'limits.memory' timeout 30 lxc profile set p1 limits.memory=lots
bad "an unknown key" 'Unknown configuration key' timeout 30 lxc profile set p1 foo.bar=1
bad "a volatile key in a profile" 'Volatile keys can only be set on instances' \
	timeout 30 lxc profile set p1 volatile.x=1
bad "an image key in a profile" 'Image keys can only be set on instances' \
	timeout 30 lxc profile set p1 image.os=x
bad "a slash in a name" 'Profile names may not contain slashes' timeout 30 lxc profile create a/b
check_eq "a name of .. is a 400" 400 "$(api_status POST /1.0/profiles -d '{"name":".."}')"
check_eq "a control byte in a name is a 400" 400 "$(api_status POST /1.0/profiles -d '{"name":"a\u0001"}')"
check_eq "config of the wrong type is a 400" 400 \
	"$(api_status POST /1.0/profiles -d '{"name":"t","config":{"user.a":1}}')"
check_eq "an unknown device type is a 400" 400 \
	"$(api_status PUT /1.0/profiles/p1 -d '{"config":{},"devices":{"x":{"type":"warp"}}}')"
check_eq "nothing of the refused changes was stored" \
	"$(jget "$before" 'd["metadata"]')" "$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]')"
check_eq "no refused profile was created" '["default", "p1", "p3", "q 1"]' \
	"$(jget "$(api 'GET' '/1.0/profiles?recursion=1')" '[p["name"] for p in d["metadata"]]')"

# ---- pylxd -----------------------------------------------------------------------
cat >"$T/pylxd_profiles.py" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import pylxd

def check(desc, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + "52-profiles: pylxd: " + desc + ("" if cond else ": " + str(detail)))

c = pylxd.Client()
p = c.profiles.create("py1", config={"user.k": "v"}, devices={})
check("create", p.name == "py1" and c.profiles.exists("py1"))
p = c.profiles.get("py1")
check("get", p.config == {"user.k": "v"} and p.devices == {}, (p.config, p.devices))
p.config["limits.processes"] = "100"
p.description = "from pylxd"
p.save()
p = c.profiles.get("py1")
check("save (PUT) keeps what pylxd sends back", (p.config.get("limits.processes"), p.description) == ("100", "from pylxd"), (p.config, p.description))
check("all", "py1" in [x.name for x in c.profiles.all()])
p.rename("py2")
check("rename", c.profiles.exists("py2") and not c.profiles.exists("py1"))
try:
    c.profiles.create("py3", config={"nope.key": "1"})
    check("a bad key raises", False)
except pylxd.exceptions.LXDAPIException as e:
    check("a bad key raises, with the server's message", "Unknown configuration key" in str(e), e)
check("nothing was created by the refusal", not c.profiles.exists("py3"))
c.profiles.get("py2").delete()
check("delete", not c.profiles.exists("py2"))
print("pylxd-done")
PY
timeout 120 /usr/bin/python3 "$T/pylxd_profiles.py" >"$T/pylxd.out" 2>"$T/pylxd.err"
cat "$T/pylxd.out" | grep -v '^pylxd-done$'
grep -q '^not ok' "$T/pylxd.out" && FAILED=1
check "the pylxd script ran to its end" grep -qx pylxd-done "$T/pylxd.out"
[ -s "$T/pylxd.err" ] && sed 's/^/#   /' "$T/pylxd.err" | tail -5

# ---- a device added to a profile is hot-plugged into its running members -----------
mkdir -p "$T/share"
echo shared-by-p1 >"$T/share/f"
chmod -R a+rX "$T/share"
check "profile device add p1 a disk while c1 runs" \
	timeout 60 lxc profile device add p1 sh disk source="$T/share" path=/mnt/sh
check_eq "the disk is in the running member at once" "shared-by-p1" \
	"$(timeout 30 lxc exec c1 -- cat /mnt/sh/f)"
check "profile device remove p1 sh" timeout 60 lxc profile device remove p1 sh
check_fails "and it is gone from the member" timeout 30 lxc exec c1 -- test -e /mnt/sh/f

# ---- the hardened policy: a profile's key refused at PUT, and at start by moatd --------
check "a privileged profile under the default policy" timeout 30 lxc profile create priv
check "security.privileged=true in it" timeout 30 lxc profile set priv security.privileged=true
check "c3 (stopped) uses it" timeout 60 lxc init bb c3 -p default -p priv
timeout 60 lxc stop -f c1 >/dev/null 2>&1
kill "$MOATD_PID"
for _ in $(seq 1 50); do kill -0 "$MOATD_PID" 2>/dev/null || break; sleep 0.1; done
cp "$TOP/policy/hardened.policy" "$T/hardened.policy"
chown root:root "$T/hardened.policy"
chmod 0644 "$T/hardened.policy"
daemon_start --policy "$T/hardened.policy"
bad "hardened: a privileged key in a profile" 'Privileged containers are forbidden' \
	timeout 30 lxc profile set p1 security.privileged=true
check_eq "hardened: p1 unchanged" "" "$(timeout 30 lxc profile get p1 security.privileged)"
check_fails "hardened: moatd refuses to start what a profile made privileged" timeout 60 lxc start c3
check_match "hardened: the refusal is the policy's" 'privileged' "$(cat "$T/last.out")"
check_eq "hardened: c3 is still stopped" "STOPPED" "$(timeout 30 lxc list c3 --format csv -c s)"
finish
