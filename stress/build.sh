#!/bin/sh
# Build the stress programs, static, 64- and 32-bit, into OUTDIR:
#   build.sh OUTDIR
# OUTDIR then holds exactly entry-stress_64, entry-stress_32,
# sigreturn-fuzz_64 and sigreturn-fuzz_32 (a guest runs every file there).
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

# -m32 needs <asm/...>, which Debian's gcc-multilib would provide but
# which conflicts with the cross compilers (scripts/build-selftests.sh):
# the same symlink to x86_64's asm headers serves both bitnesses. It
# lives in a scratch directory, not in OUTDIR.
inc=$(mktemp -d)
trap 'rm -rf "$inc"' EXIT
ln -s /usr/include/x86_64-linux-gnu/asm "$inc/asm"

CC=${CC:-gcc}
CFLAGS="-static -O2 -Wall -Werror -pthread"
for prog in entry-stress sigreturn-fuzz; do
	$CC $CFLAGS -m64 -o "$out/${prog}_64" "$here/$prog.c"
	$CC $CFLAGS -m32 -idirafter "$inc" -o "$out/${prog}_32" "$here/$prog.c"
done
