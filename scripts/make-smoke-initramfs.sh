#!/bin/sh
# Build the initramfs of a guest that runs guest/smoke.c as /init instead
# of busybox and the kselftests (the smoke guests of guests.tsv).
#   make-smoke-initramfs.sh GUEST SRCDIR OUTPUT.cpio.gz
# Debian's cross gcc and libc build both programs statically: /init and
# the sigaltstack kselftest (selftests/signal/sas.c) as /sas.
. "$(dirname "$0")/lib.sh"

name=$1 src=$2 img=$3
guest "$name"
cc=${G_CROSS}gcc
command -v "$cc" >/dev/null || die "no $cc (scripts/deps.sh installs it)"

root=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
trap 'exit 130' INT TERM HUP
$cc -static -O2 -Wall -Werror -o "$root/init" "$TOP/guest/smoke.c" ||
	die "cannot build guest/smoke.c for $name"
# 32-bit powerpc's static binaries have an RWX segment; ld says so.
$cc -static -O2 -Wl,--no-warn-rwx-segments -I "$src/tools/testing/selftests" -o "$root/sas" \
	"$src/tools/testing/selftests/signal/sas.c" ||
	die "cannot build the sigaltstack selftest for $name"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img.tmp" &&
	mv "$img.tmp" "$img" || die "cannot write $img"
