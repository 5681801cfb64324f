#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make deps`: install the Debian packages that moat's build, tests and demo
# need. Idempotent and quiet: when everything is present it only asks dpkg.
# Runs as root (apt-get); reads nothing from outside but apt's archive.
set -eu

PKGS=(
	# build
	build-essential pkg-config clang clang-format libclang-rt-14-dev
	lxc-dev libkmod-dev libmicrohttpd-dev libjson-c-dev libgnutls28-dev libsqlite3-dev
	libcap-dev libseccomp-dev libapparmor-dev libprotobuf-c-dev protobuf-c-compiler
	libyaml-dev libarchive-dev libcurl4-gnutls-dev libnl-route-3-dev libnftables-dev
	# the confined tree worker is linked statically (it runs pivoted into a pool)
	libzstd-dev liblz4-dev libacl1-dev
	# btrfs pools: moat-tree makes subvolumes and snapshots with libbtrfsutil,
	# moatd makes a pool's loop file with mkfs.btrfs
	libbtrfsutil-dev btrfs-progs
	# moatd-api reads a container's interfaces from a netlink socket moatd hands it
	libmnl-dev
	# runtime: containers, networks, images
	lxc uidmap busybox-static dnsmasq-base nftables debootstrap
	# tests and demo: the stock clients and small tools; bench: the reference LXD
	lxd-client python3-pylxd ansible curl sqlite3 procps util-linux perl tmux lxd
)

missing=()
for p in "${PKGS[@]}"; do
	case $p in \#*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "make deps: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "make deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
