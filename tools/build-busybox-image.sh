#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Build a LXD-format unified image tarball (metadata.yaml, rootfs/,
# templates/) from the host's static busybox, without the network:
#
#   tools/build-busybox-image.sh OUT.tar.gz
#
# Run as root (the tree is made with root-owned files) on a machine with
# Debian's busybox-static, tar and gzip; it takes about a second. The
# result is a system container: busybox init as /sbin/init, a getty on the
# console, DHCP on eth0 with udhcpc, /etc/hostname rendered from the
# template at create and copy time. The output is reproducible for a given
# SOURCE_DATE_EPOCH (default: now), which is also the creation_date.
# Inputs are the host's own files; nothing here is untrusted.
set -euo pipefail

usage() {
	echo "usage: $0 OUT.tar.gz" >&2
	exit 2
}
[ $# -eq 1 ] || usage
out=$1
case $out in
-*) usage ;;
esac

BUSYBOX=${BUSYBOX:-/bin/busybox}
if [ ! -x "$BUSYBOX" ] || ! "$BUSYBOX" --list >/dev/null 2>&1; then
	echo "$0: $BUSYBOX is not a busybox binary (apt-get install busybox-static)" >&2
	exit 1
fi
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "$0: $BUSYBOX is dynamically linked; the image needs busybox-static" >&2
	exit 1
fi

epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}
# (sed reads to the end: no SIGPIPE for busybox under pipefail)
version=$("$BUSYBOX" 2>&1 | sed -n '1s/^BusyBox v\([0-9][0-9.]*\).*/\1/p')
version=${version:-unknown}
arch=$(uname -m)

work=$(mktemp -d /tmp/moat-bbimg.XXXXXX)
trap 'rm -rf "$work"' EXIT
umask 022
r=$work/rootfs

mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,run,tmp,root,var/log,var/run,home}
mkdir -p "$r/usr/share/udhcpc" "$work/templates"
chmod 1777 "$r/tmp"
chmod 0700 "$r/root"

cp "$BUSYBOX" "$r/bin/busybox"
chmod 0755 "$r/bin/busybox"
# every applet, at the place busybox itself would install it (the
# directory by parameter expansion: a dirname and a mkdir per applet were
# most of the script's time)
"$BUSYBOX" --list-full | while read -r applet; do
	case $applet in
	"" | bin/busybox | /* | *..*) continue ;;
	*/*) d=$r/${applet%/*} ;;
	*) d=$r ;;
	esac
	[ -d "$d" ] || mkdir -p "$d"
	[ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
done
# the ones the tests and init rely on, even if --list-full ever changes
for a in sh ls cat echo mkdir rm sleep ps mount umount hostname ip ifconfig; do
	[ -e "$r/bin/$a" ] || [ -e "$r/sbin/$a" ] || ln -s /bin/busybox "$r/bin/$a"
done
for a in init udhcpc getty; do
	[ -e "$r/sbin/$a" ] || ln -sf /bin/busybox "$r/sbin/$a"
done

cat >"$r/etc/inittab" <<'EOF'
# busybox init: mount what the container manager did not (liblxc mounts
# /proc, /sys and /dev/pts; a second devpts would hide the one exec ptys
# come from), name the host,
# bring up the network, and keep a getty on the console so that init has a
# child to respawn and never exits
::sysinit:/bin/mkdir -p /dev/pts /dev/shm /run
::sysinit:/bin/mount -t tmpfs tmpfs /run -o mode=0755
::sysinit:/bin/hostname -F /etc/hostname
::sysinit:/sbin/ip link set lo up
::once:/sbin/udhcpc -f -S -i eth0 -s /usr/share/udhcpc/default.script
::respawn:/sbin/getty -L 115200 console vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF

cat >"$r/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc hook: apply the lease to $interface (ip, mask as a prefix length, router, dns);
# only IPv4 is flushed: the kernel's IPv6 link-local and SLAAC addresses stay
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "$router" ]; then
		ip route add default via "${router%% *}" dev "$interface"
	fi
	: >/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	;;
esac
exit 0
EOF
chmod 0755 "$r/usr/share/udhcpc/default.script"

cat >"$r/etc/passwd" <<'EOF'
root::0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$r/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo busybox >"$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$r/etc/hosts"
: >"$r/etc/resolv.conf"
printf '/bin/sh\n' >"$r/etc/shells"

printf '{{ container.name }}\n' >"$work/templates/hostname.tpl"

cat >"$work/metadata.yaml" <<EOF
architecture: $arch
creation_date: $epoch
properties:
  description: busybox test
  os: busybox
  release: "$version"
templates:
  /etc/hostname:
    when:
      - create
      - copy
    create_only: false
    template: hostname.tpl
    properties: {}
EOF

tmp_out=$(mktemp "$(dirname "$out")/.bbimg.XXXXXX")
tar -C "$work" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$epoch" \
	--format=gnu -cf - metadata.yaml rootfs templates | gzip -n -6 >"$tmp_out"
chmod 0644 "$tmp_out"
mv -f "$tmp_out" "$out"
echo "$out: busybox $version image for $arch ($(stat -c %s "$out") bytes)"
