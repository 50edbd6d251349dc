#!/bin/sh
# Print the path of a static busybox for the guest's architecture.
#   get-busybox.sh x86_64|i386
# x86_64: the host's /bin/busybox (busybox-static). i386: Debian's
# busybox-static:i386, downloaded and unpacked under out/ (not installed).
. "$(dirname "$0")/lib.sh"

case ${1:-x86_64} in
x86_64)
	bb=/bin/busybox ;;
i386)
	bb=$OUT/dl/busybox-i386/bin/busybox
	if [ ! -x "$bb" ]; then
		tmp=$(mktemp -d "$OUT/dl/tmp.XXXXXX") && chmod 777 "$tmp"
		fetch() { (cd "$tmp" && apt-get download -q busybox-static:i386 >/dev/null 2>&1); }
		if ! fetch; then
			# No i386 package lists yet: add the architecture, update, retry.
			dpkg --print-foreign-architectures | grep -qx i386 ||
				as_root dpkg --add-architecture i386 ||
				die "dpkg --add-architecture i386 failed"
			as_root apt-get update -q >/dev/null 2>&1 ||
				echo "warning: apt-get update reported errors; trying anyway" >&2
			fetch || { rm -rf "$tmp"; die "apt-get download busybox-static:i386 failed"; }
		fi
		rm -rf "$OUT/dl/busybox-i386"
		dpkg-deb -x "$tmp"/*.deb "$OUT/dl/busybox-i386" && rm -rf "$tmp" ||
			die "cannot unpack busybox-static:i386"
	fi ;;
*)
	die "no busybox for architecture $1" ;;
esac
ldd "$bb" 2>&1 | grep -q 'not a dynamic executable' || die "$bb is not a static busybox"
echo "$bb"
