#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A real system container: `moat image build debian` debootstraps Debian
# with systemd from the host's apt mirror; launched, systemd boots to
# running with no failed unit, the templates named it, it has an IPv4 and
# an IPv6 address from the daemon's default network (made at first start,
# eth0 in the default profile), a default route and DNS for another
# instance by name, and it restarts and goes.
# The built image is kept in build/ and made again only when its builder
# changes, so the plain and the ASan run share one debootstrap.
. "$(dirname "$0")/../lib/lib.sh"

NET=mtd$$
daemon_start --network "$NET"
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
check_eq "systemd says running" running "$(timeout 30 lxc exec d1 -- systemctl is-system-running)"
# the network the daemon made at first start, and d1's addresses on it
net=$(timeout 30 lxc network show "$NET")
v4net=$(sed -n 's/^  ipv4.address: \([0-9.]*\)\.[0-9]*\/24$/\1/p' <<<"$net")
v6net=$(sed -n 's/^  ipv6.address: \([0-9a-f:]*\)::1\/64$/\1/p' <<<"$net")
check "the default network has an auto IPv4 /24 and IPv6 /64" test -n "$v4net" -a -n "$v6net"
has_v4() { timeout 30 lxc list d1 -c 4 --format csv | grep -q "^${v4net//./\\.}\.[0-9]* (eth0)"; }
has_v6() { timeout 30 lxc list d1 -c 6 --format csv | grep -q "^$v6net:.* (eth0)"; }
check "lxc list shows d1's IPv4 in the network's subnet (DHCP)" eventually 60 has_v4
check "lxc list shows d1's IPv6 in the network's /64 (RA)" eventually 60 has_v6
check_match "d1's default route is the bridge" "^default via $v4net\\.1 dev eth0" \
	"$(timeout 30 lxc exec d1 -- ip -4 route show default)"
import_busybox_image
check "lxc launch of a busybox instance b1 on the same network" timeout 120 lxc launch bb b1
b1v4() { timeout 30 lxc list b1 -c 4 --format csv | sed -n 's/ (eth0)$//p'; }
b1_has_v4() { [ -n "$(b1v4)" ]; }
check "b1 gets an address" eventually 60 b1_has_v4
check_eq "d1 resolves b1.moat through the network's DNS" "$(b1v4)" \
	"$(timeout 30 lxc exec d1 -- getent ahostsv4 b1.moat | awk 'NR == 1 { print $1 }')"
check "b1 reaches d1 by name" timeout 30 lxc exec b1 -- ping -c1 -W5 d1.moat
check "lxc delete -f b1" timeout 60 lxc delete -f b1
check_eq "the hostname template named it" d1 "$(timeout 30 lxc exec d1 -- cat /etc/hostname)"
check_match "/etc/hosts names it too" '127\.0\.1\.1[[:space:]]+d1' "$(timeout 30 lxc exec d1 -- cat /etc/hosts)"
check_match "os-release is bookworm" 'VERSION_CODENAME=bookworm' "$(timeout 30 lxc exec d1 -- cat /etc/os-release)"
check_match "eth0 is set up by DHCP when it appears (systemd-networkd)" 'Name=eth0.*DHCP=ipv4' \
	"$(timeout 30 lxc exec d1 -- cat /etc/systemd/network/eth0.network | tr '\n' ' ')"
check_eq "systemd-networkd runs" active "$(timeout 30 lxc exec d1 -- systemctl is-active systemd-networkd)"
check_eq "systemd-resolved runs" active "$(timeout 30 lxc exec d1 -- systemctl is-active systemd-resolved)"
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
