#!/bin/sh
# Pack busybox, the runner and the installed selftests into an initramfs.
#   make-initramfs.sh SELFTESTDIR TESTLIST OUTPUT.cpio.gz [x86_64|i386]
. "$(dirname "$0")/lib.sh"

kst=$1 list=$2 img=$3
busybox=$("$TOP/scripts/get-busybox.sh" "${4:-x86_64}") || exit 1

root=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/usr/bin" "$root/dev"
cp "$busybox" "$root/bin/busybox"
cp "$TOP/guest/init" "$root/init"
cp "$TOP/guest/timeout" "$root/usr/bin/timeout"
chmod 755 "$root/init" "$root/usr/bin/timeout"
cp -a "$kst" "$root/kselftest"
cp "$list" "$root/tests.list"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img.tmp" &&
	mv "$img.tmp" "$img" || die "cannot write $img"
