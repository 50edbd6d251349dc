#!/bin/sh
# Build the initramfs of a guest that runs guest/smoke.c as /init instead
# of busybox and the x86 selftests (the riscv64 and s390x guests).
#   make-smoke-initramfs.sh ARCH SRCDIR OUTPUT.cpio.gz
# ARCH is riscv64 or s390x; Debian's cross gcc and libc build both
# programs statically: /init and the sigaltstack kselftest as /sas.
. "$(dirname "$0")/lib.sh"

arch=$1 src=$2 img=$3
cc=$arch-linux-gnu-gcc
command -v "$cc" >/dev/null || die "no $cc (scripts/deps.sh installs it)"

root=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
$cc -static -O2 -Wall -Werror -o "$root/init" "$TOP/guest/smoke.c" ||
	die "cannot build guest/smoke.c for $arch"
$cc -static -O2 -I "$src/tools/testing/selftests" -o "$root/sas" \
	"$src/tools/testing/selftests/sigaltstack/sas.c" ||
	die "cannot build the sigaltstack selftest for $arch"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img.tmp" &&
	mv "$img.tmp" "$img" || die "cannot write $img"
