#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bench's own setup for its third side: Debian's Incus 6.0 (incus-base,
# the container-only daemon, and incus-client) from bookworm-backports.
# Idempotent: does nothing when both are installed. Adds a
# bookworm-backports apt source, on the mirror the host already uses for
# bookworm, only when none is configured. Not part of `make deps`: the tests
# do not need Incus. Installing it starts no daemon here (bench/run.sh
# starts its own incusd in a scratch INCUS_DIR); it never touches a
# system-wide one. Exit status non-zero (with a reason on stderr) when Incus
# cannot be installed; run.sh then carries on with two sides.
set -eu
INCUSD=/usr/libexec/incus/incusd
if [ -x "$INCUSD" ] && command -v incus >/dev/null; then
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "incus-install: needs root" >&2; exit 1; }
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || { echo "incus-install: not Debian bookworm (${VERSION_CODENAME:-?})" >&2; exit 1; }

has_backports() {
	grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/
}
if ! has_backports; then
	# the host's Debian mirror: the first URI serving bookworm (deb822 or
	# one-line format), else deb.debian.org
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
	cat >/etc/apt/sources.list.d/bookworm-backports.sources <<EOT
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	echo "incus-install: added bookworm-backports from $mirror" >&2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || { echo "incus-install: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends -t bookworm-backports incus-base incus-client >&2 ||
	{ echo "incus-install: apt-get install of incus-base incus-client failed" >&2; exit 1; }
[ -x "$INCUSD" ] && command -v incus >/dev/null || { echo "incus-install: installed, but $INCUSD or incus is missing" >&2; exit 1; }
