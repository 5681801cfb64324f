#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A real system container: `moat image build debian` debootstraps Debian
# with systemd from the host's apt mirror; launched, systemd boots to
# running (or degraded), the templates named it, and it restarts and goes.
# The built image is kept in build/ and made again only when its builder
# changes, so the plain and the ASan run share one debootstrap.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
cache="$TOP/build/debian-bookworm.tar.gz"
# the plain and the ASan run may be at this point together: one builds, the
# other waits for it and uses its image
mkdir -p "$TOP/build"
exec 9>"$cache.lock"
flock 9
if [ -s "$cache" ] && [ ! "$TOP/cli/image_debian.c" -nt "$cache" ] && gzip -t "$cache" 2>/dev/null; then
	ok "the debian image kept in build/ is whole (gzip -t) and newer than its builder"
else
	rm -f "$cache"
	check "moat image build debian (debootstrap from the apt mirror)" \
		timeout 900 "$B/moat" -q image build debian --output "$cache"
fi
exec 9>&-
check "moat image import of the debian image" timeout 120 "$B/moat" image import "$cache" --alias deb
check_match "its properties say debian bookworm" 'os: debian.*release: bookworm|release: bookworm.*os: debian' \
	"$(timeout 30 "$B/moat" image show deb | tr '\n' ' ')"
check "moat launch deb d1" timeout 120 "$B/moat" launch deb d1
booted() {
	local s
	s=$(timeout -k 5 10 lxc exec d1 -- systemctl is-system-running 2>/dev/null)
	[ "$s" = running ] || [ "$s" = degraded ]
}
check "systemd comes up (running or degraded)" eventually 120 booted
check_eq "no unit failed" "" "$(timeout 30 lxc exec d1 -- systemctl --failed --no-legend --plain)"
check_eq "the hostname template named it" d1 "$(timeout 30 lxc exec d1 -- cat /etc/hostname)"
check_match "/etc/hosts names it too" '127\.0\.1\.1[[:space:]]+d1' "$(timeout 30 lxc exec d1 -- cat /etc/hosts)"
check_match "os-release is bookworm" 'VERSION_CODENAME=bookworm' "$(timeout 30 lxc exec d1 -- cat /etc/os-release)"
check_match "eth0 is set up by DHCP when it appears" 'iface eth0 inet dhcp' \
	"$(timeout 30 lxc exec d1 -- cat /etc/network/interfaces)"
check_eq "a machine id of its own" 32 "$(timeout 30 lxc exec d1 -- cat /etc/machine-id | tr -d '\n' | wc -c)"
pid1=$(jget "$(api GET /1.0/instances/d1/state)" 'd["metadata"]["pid"]')
check "lxc restart d1 (systemd shuts down cleanly)" timeout 120 lxc restart d1
check "systemd comes up again" eventually 120 booted
timeout 30 lxc exec d1 -- systemctl reboot >/dev/null 2>&1
rebooted() { [ "$(jget "$(api GET /1.0/instances/d1/state)" 'd["metadata"]["pid"]')" != "$pid1" ] && booted; }
check "systemctl reboot inside: it comes back" eventually 120 rebooted
check "moat delete -f d1" timeout 120 "$B/moat" delete -f d1
check_eq "nothing is left" "" "$(timeout 30 lxc list --format csv)"
check_match "a bad --release is refused before anything runs" 'Invalid release' \
	"$(timeout 30 "$B/moat" image build debian --release 'x;y' --output "$T/x.tar.gz" 2>&1)"
check_match "a bad --mirror is refused" 'Invalid mirror' \
	"$(timeout 30 "$B/moat" image build debian --mirror 'ftp://x' --output "$T/x.tar.gz" 2>&1)"
finish
