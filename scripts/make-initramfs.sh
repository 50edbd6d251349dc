#!/bin/sh
# Pack busybox, the runner and the installed selftests into an initramfs.
#   make-initramfs.sh GUEST SELFTESTDIR TESTLIST OUTPUT.cpio.gz
# Busybox is Debian's busybox-static for the guest's architecture.
. "$(dirname "$0")/lib.sh"

name=$1 kst=$2 list=$3 img=$4
guest "$name"
busybox=$("$TOP/scripts/get-busybox.sh" "$G_DEBARCH") || exit 1

root=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
trap 'exit 130' INT TERM HUP
{ mkdir -p "$root/bin" "$root/usr/bin" "$root/dev" &&
  cp "$busybox" "$root/bin/busybox" &&
  cp "$TOP/guest/init" "$root/init" &&
  cp "$TOP/guest/timeout" "$root/usr/bin/timeout" &&
  chmod 755 "$root/init" "$root/usr/bin/timeout" &&
  cp -a "$kst" "$root/kselftest" &&
  cp "$list" "$root/tests.list"; } || die "cannot fill the initramfs in $root"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img.tmp" &&
	mv "$img.tmp" "$img" || die "cannot write $img"
