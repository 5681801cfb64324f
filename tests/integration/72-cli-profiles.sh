#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# moat's own profile and device verbs against a real daemon: profile
# list|show|create|copy|get|set|unset|edit|rename|delete, profile
# add|remove|assign, profile device ..., config device ... (override
# included), config show|get --expanded, and init with -p, -c and
# --no-profiles. Each verb's effect is read back through the API, and
# where cheap through the stock lxc client (output formats compared with
# lxc's for the same server); errors exit 1 with the server's message.
# Every instance and profile it makes is deleted.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
export MOAT_CONF=$T/moat-config.yml
M=$B/moat
moat() { timeout 120 "$M" "$@" </dev/null; }
lxc() { timeout 60 /usr/bin/lxc "$@" </dev/null; }
import_busybox_image bb
cleanup_also "$M" delete -f pc1 pc2 pc3
mkdir -p "$T/share"

# ---- profiles --------------------------------------------------------------------------
check_eq "profile create says so" "Profile p1 created" "$(moat profile create p1)"
check_eq "... and the profile exists" 200 "$(api_status GET /1.0/profiles/p1)"
check_match "lxc profile list lists it" '^p1,,0$' "$(lxc profile list --format csv)"
check "profile set two keys" moat profile set p1 user.a=1 limits.memory=256MiB
check_eq "... stored" '{"user.a": "1", "limits.memory": "256MiB"}' \
	"$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]["config"]')"
check "profile set, the old form (key value)" moat profile set p1 user.b "two words"
check_eq "profile get" "two words" "$(moat profile get p1 user.b)"
check_eq "lxc profile get sees it" "two words" "$(lxc profile get p1 user.b)"
check "profile unset" moat profile unset p1 user.b
check_eq "... gone from the API" false "$(jget "$(api GET /1.0/profiles/p1)" '"user.b" in d["metadata"]["config"]')"
check_eq "profile show is lxc's" "$(lxc profile show p1)" "$(moat profile show p1)"
printf 'description: edited\nconfig:\n  user.a: "1"\n  limits.memory: 256MiB\n  user.e: x\n' >"$T/p1.yaml"
check "profile edit from stdin" sh -c "timeout 60 '$M' profile edit p1 <'$T/p1.yaml'"
p1=$(api GET /1.0/profiles/p1)
check_eq "... description and config PUT" "edited x" \
	"$(jget "$p1" 'd["metadata"]["description"]') $(jget "$p1" 'd["metadata"]["config"]["user.e"]')"
cat >"$T/editor.sh" <<'EDITOR'
#!/bin/sh
cp "$1" "$SEEN"
sed -i 's/^description: .*/description: via-editor/' "$1"
EDITOR
chmod +x "$T/editor.sh"
script -qec "SEEN=$T/seen.yaml EDITOR=$T/editor.sh timeout --foreground 30 $M profile edit p1" /dev/null </dev/null >/dev/null
check_eq "profile edit with \$EDITOR: the saved YAML is PUT" via-editor \
	"$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]["description"]')"
check_match "... the editor had lxc's help, then the profile" '^### This is a YAML representation of the profile\.' \
	"$(head -1 "$T/seen.yaml" 2>/dev/null)"
check_match "... and the profile's YAML" '^name: p1$' "$(cat "$T/seen.yaml" 2>/dev/null)"
check "profile edit back from stdin" sh -c "timeout 60 '$M' profile edit p1 <'$T/p1.yaml'"
check "profile create from stdin" sh -c "printf 'config:\n  user.s: y\n' | timeout 60 '$M' profile create p4"
check_eq "... with its config" y "$(jget "$(api GET /1.0/profiles/p4)" 'd["metadata"]["config"]["user.s"]')"
check "profile copy" moat profile copy p1 p2
check_eq "... same config and description" \
	"$(jget "$p1" '[d["metadata"]["config"], d["metadata"]["description"]]')" \
	"$(jget "$(api GET /1.0/profiles/p2)" '[d["metadata"]["config"], d["metadata"]["description"]]')"
check_eq "profile rename says so" "Profile p2 renamed to p3" "$(moat profile rename p2 p3)"
check_eq "... the new name is there, the old one not" "200 404" \
	"$(api_status GET /1.0/profiles/p3) $(api_status GET /1.0/profiles/p2)"

# ---- profile devices ---------------------------------------------------------------------
check_eq "profile device add says so" "Device data added to p1" \
	"$(moat profile device add p1 data disk source="$T/share" path=/mnt/share)"
check_eq "... lxc profile device show sees it" "data:
  path: /mnt/share
  source: $T/share
  type: disk" "$(lxc profile device show p1)"
check_eq "profile device show is lxc's" "$(lxc profile device show p1)" "$(moat profile device show p1)"
check_eq "profile device list" data "$(moat profile device list p1)"
check_eq "profile device get" /mnt/share "$(moat profile device get p1 data path)"
check "profile device set" moat profile device set p1 data readonly=true
check_eq "... stored" true "$(jget "$(api GET /1.0/profiles/p1)" 'd["metadata"]["devices"]["data"]["readonly"]')"
check "profile device unset" moat profile device unset p1 data readonly
check_eq "... removed" false "$(jget "$(api GET /1.0/profiles/p1)" '"readonly" in d["metadata"]["devices"]["data"]')"
out=$(moat profile device add p1 data disk path=/x source=/tmp 2>&1)
check_eq "adding an existing device fails as lxc" "1 Error: Device already exists: data" "$? $out"
check "profile device add, then remove" moat profile device add p3 tmp disk source="$T/share" path=/t
check_eq "profile device remove says so" "Device tmp removed from p3" "$(moat profile device remove p3 tmp)"
check_eq "... gone" '{}' "$(jget "$(api GET /1.0/profiles/p3)" 'd["metadata"]["devices"]')"

# ---- list formats against lxc's -----------------------------------------------------------
for f in csv table json yaml; do
	check_eq "profile list --format $f is lxc's" "$(lxc profile list --format $f)" \
		"$(moat profile list --format $f)"
done

# ---- init with profiles and config ----------------------------------------------------------
check "init -p default -p p1 -c user.k=v" moat init bb pc1 -p default -p p1 -c user.k=v
pc1=$(api GET /1.0/instances/pc1)
check_eq "... profiles and config as given" '["default", "p1"] v' \
	"$(jget "$pc1" 'd["metadata"]["profiles"]') $(jget "$pc1" 'd["metadata"]["config"]["user.k"]')"
check_match "profile list counts the user" '^p1,edited,1$' "$(moat profile list --format csv)"
out=$(moat init bb pc2 --no-profiles 2>&1)
rc=$?
if [ "$rc" = 0 ]; then
	check_eq "init --no-profiles: profiles []" '[]' "$(jget "$(api GET /1.0/instances/pc2)" 'd["metadata"]["profiles"]')"
else
	# the server refuses an instance without a root disk, as LXD does: moat says why
	check_match "init --no-profiles: the server's refusal" '^Error: .*' "$out"
	check_eq "... and nothing stored" 404 "$(api_status GET /1.0/instances/pc2)"
fi

check "launch -p default -p p1 -c user.l=1" moat launch bb pc3 -p default -p p1 -c user.l=1
pc3=$(api GET /1.0/instances/pc3)
check_eq "... running, with the profiles and config given" 'Running ["default", "p1"] 1' \
	"$(jget "$pc3" 'd["metadata"]["status"]') $(jget "$pc3" 'd["metadata"]["profiles"]') $(jget "$pc3" 'd["metadata"]["config"]["user.l"]')"
check_eq "... the profile's key expanded" 256MiB "$(jget "$pc3" 'd["metadata"]["expanded_config"]["limits.memory"]')"
check "delete it" "$M" delete -f pc3
out=$(moat launch bb pc4 -p nosuch 2>&1)
rc=$?
check_eq "launch with an unknown profile: exit 1, lxc's output (the server's message), nothing stored" \
	"1 $(lxc launch bb pc4 -p nosuch 2>&1) 404" "$rc $out $(api_status GET /1.0/instances/pc4)"

# ---- expanded config ------------------------------------------------------------------------
check_eq "config show --expanded is lxc's" "$(lxc config show --expanded pc1)" "$(moat config show --expanded pc1)"
check_eq "config get -e: the profile's key" 256MiB "$(moat config get -e pc1 limits.memory)"
check_eq "config get without -e: not the instance's own" "" "$(moat config get pc1 limits.memory)"

# ---- instance devices -------------------------------------------------------------------------
check_eq "config device add says so" "Device extra added to pc1" \
	"$(moat config device add pc1 extra disk source="$T/share" path=/mnt/extra)"
check_match "... lxc config device show sees it" "^extra:" "$(lxc config device show pc1)"
check_eq "config device show is lxc's" "$(lxc config device show pc1)" "$(moat config device show pc1)"
check_eq "config device list: its own devices only" extra "$(moat config device list pc1)"
check "config device set" moat config device set pc1 extra readonly=true
check_eq "config device get" true "$(moat config device get pc1 extra readonly)"
check_eq "... lxc config device get agrees" true "$(lxc config device get pc1 extra readonly)"
check "config device unset" moat config device unset pc1 extra readonly
check_eq "... removed" false "$(jget "$(api GET /1.0/instances/pc1)" '"readonly" in d["metadata"]["devices"]["extra"]')"
out=$(moat config device set pc1 data readonly=true 2>&1)
check_eq "a profile's device is not set on the instance (lxc's words)" \
	"1 Error: Device from profile(s) cannot be modified for individual instance. Override device or modify profile instead" "$? $out"
out=$(moat config device remove pc1 root 2>&1)
check_eq "... nor removed" "Error: Device from profile(s) cannot be removed from individual instance. Override device or modify profile instead" "$out"
out=$(moat config device get pc1 nosuch path 2>&1)
check_eq "an unknown device" "1 Error: Device doesn't exist" "$? $out"
check_eq "config device override says so" "Device data overridden for pc1" \
	"$(moat config device override pc1 data readonly=true)"
check_eq "... the instance's own copy, key changed" \
	"{\"path\": \"/mnt/share\", \"readonly\": \"true\", \"source\": \"$T/share\", \"type\": \"disk\"}" \
	"$(jget "$(api GET /1.0/instances/pc1)" 'dict(sorted(d["metadata"]["devices"]["data"].items()))')"
check_match "... lxc sees it" "readonly: \"true\"" "$(lxc config device show pc1)"
out=$(moat config device override pc1 data 2>&1)
check_eq "override twice" "1 Error: The device already exists" "$? $out"
out=$(moat config device override pc1 nosuch 2>&1)
check_eq "override of no profile device" "1 Error: The profile device doesn't exist" "$? $out"
check_eq "config device remove says so" "Device extra, data removed from pc1" \
	"$(moat config device remove pc1 extra data)"
check_eq "... both gone" '{}' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["devices"]')"

# ---- an instance's profiles ---------------------------------------------------------------------
check_eq "profile remove says so" "Profile p1 removed from pc1" "$(moat profile remove pc1 p1)"
check_eq "... gone from the instance" '["default"]' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["profiles"]')"
out=$(moat profile remove pc1 p1 2>&1)
check_eq "removing it again" "1 Error: Profile p1 isn't currently applied to pc1" "$? $out"
check_eq "profile add says so" "Profile p3 added to pc1" "$(moat profile add pc1 p3)"
check_eq "... appended" '["default", "p3"]' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["profiles"]')"
check_eq "profile assign says so" "Profiles default,p1 applied to pc1" "$(moat profile assign pc1 default,p1)"
check_eq "... the whole list" '["default", "p1"]' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["profiles"]')"
check_match "lxc profile list counts it" '^p1,edited,1$' "$(lxc profile list --format csv)"
lxc_says=$(lxc profile assign pc1 '' 2>&1)
out=$(moat profile assign pc1 '' 2>&1)
check_eq "profile assign '' without a root disk of its own: exit 1 and lxc's (the server's) message" \
	"1 $lxc_says" "$? $out"
check_eq "... the profiles kept" '["default", "p1"]' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["profiles"]')"
check "config device override root: the instance's own root disk" moat config device override pc1 root
lxc_says=$(lxc profile assign pc1 '' 2>&1)
check "profile assign default,p1 back" moat profile assign pc1 default,p1
check_eq "profile assign '' (now it has a root disk): what lxc says" "$lxc_says" "$(moat profile assign pc1 '' 2>&1)"
check_eq "... no profiles left" '[]' "$(jget "$(api GET /1.0/instances/pc1)" 'd["metadata"]["profiles"]')"
check "profile assign default,p1 back again" moat profile assign pc1 default,p1
check "config device remove root" moat config device remove pc1 root
lxc_says=$(lxc profile add pc1 p3)
check "profile remove p3" moat profile remove pc1 p3
check_eq "profile add says what lxc says" "$lxc_says" "$(moat profile add pc1 p3)"
check "profile remove p3 again" moat profile remove pc1 p3
check_eq "config device list is lxc's" "$(lxc config device list pc1)" "$(moat config device list pc1)"

# ---- errors: the server's message ------------------------------------------------------------------
msg=$(jget "$(api GET /1.0/profiles/nosuch)" 'd["error"]')
out=$(moat profile show nosuch 2>&1)
check_eq "an unknown profile: exit 1 and the server's message" "1 Error: $msg" "$? $out"
out=$(moat profile set p1 bad.key=1 2>&1)
rc=$?
check_eq "a bad key: exit 1 and lxc's (the server's) message" "1 $(lxc profile set p1 bad.key=1 2>&1)" "$rc $out"
check_eq "... nothing stored" false "$(jget "$(api GET /1.0/profiles/p1)" '"bad.key" in d["metadata"]["config"]')"
out=$(moat profile delete p1 2>&1)
check_match "a used profile is not deleted" '^Error: ' "$out"
check_eq "... still there" 200 "$(api_status GET /1.0/profiles/p1)"
out=$(moat profile add nosuch p1 2>&1)
check_match "profile add to an unknown instance fails" '^Error: ' "$out"

# ---- delete ------------------------------------------------------------------------------------------
check "delete the instances" "$M" delete -f pc1
check_eq "profile delete says so" "Profile p3 deleted" "$(moat profile delete p3)"
check "profile delete p1, p4" sh -c "'$M' profile delete p1 && '$M' profile delete p4"
check_eq "... gone" "404 404 404" \
	"$(api_status GET /1.0/profiles/p3) $(api_status GET /1.0/profiles/p1) $(api_status GET /1.0/profiles/p4)"
finish
