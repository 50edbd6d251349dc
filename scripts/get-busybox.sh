#!/bin/sh
# Print the path of a static busybox for a Debian architecture.
#   get-busybox.sh DEBARCH      (amd64, i386, arm64, ppc64el, ...)
# amd64: the host's /bin/busybox (busybox-static). Others: Debian 12's
# busybox-static for that architecture, downloaded through the harness's
# private package list (lib.sh's papt) and unpacked under out/dl, never
# installed.
. "$(dirname "$0")/lib.sh"

arch=${1:-amd64}
if [ "$arch" = amd64 ]; then
	bb=/bin/busybox
else
	bb=$OUT/dl/busybox-$arch/bin/busybox
	if [ ! -x "$bb" ]; then
		mkdir -p "$OUT/dl"
		tmp=$(mktemp -d "$OUT/dl/tmp.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		trap 'exit 130' INT TERM HUP
		say "downloading busybox-static:$arch" >&2
		{ papt bookworm "$arch" apt-get update &&
		  (cd "$tmp" && papt bookworm "$arch" apt-get download busybox-static); } \
			> "$tmp/log" 2>&1 ||
			{ cat "$tmp/log" >&2; die "cannot download busybox-static for $arch"; }
		rm -rf "$OUT/dl/busybox-$arch"
		dpkg-deb -x "$tmp"/busybox-static_*.deb "$OUT/dl/busybox-$arch" ||
			die "cannot unpack busybox-static for $arch"
	fi
fi
[ -x "$bb" ] || die "no busybox at $bb (scripts/deps.sh installs busybox-static)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	{ [ "$arch" = amd64 ] && ldd "$bb" 2>&1 | grep -q 'not a dynamic executable'; } ||
	die "$bb is not a static busybox"
echo "$bb"
