#!/bin/sh
# Build and install the x86 kselftests, 64- and 32-bit, static, from SRCDIR.
#   build-selftests.sh SRCDIR OUTDIR
# Installs with kselftest's own "make install" into OUTDIR/install and
# checks the result against every target the x86 Makefile declares: a test
# that silently did not build is an error.
. "$(dirname "$0")/lib.sh"

src=$(cd "$1" && pwd) || exit 1
out=$2
mkdir -p "$out" && out=$(cd "$out" && pwd)
x86=$src/tools/testing/selftests/x86

# The 32-bit tests include <asm/...>. Debian's gcc-multilib would provide
# /usr/include/asm for that, but it conflicts with the cross compilers the
# riscv64 and s390x guests need (scripts/deps.sh), so the same link lives
# here instead; x86_64's asm headers serve both bitnesses.
mkdir -p "$out/include"
ln -sfn /usr/include/x86_64-linux-gnu/asm "$out/include/asm"

# USERLDFLAGS=-static is ignored by the x86 Makefile; CC="gcc -static"
# works and keeps the per-target flags (check_initial_reg_state's entry).
say "building x86 selftests"
rm -rf "$out/install"
make -C "$src/tools/testing/selftests" TARGETS=x86 \
	CC="gcc -static -idirafter $out/include" \
	O="$out/build" INSTALL_PATH="$out/install" install > "$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; die "selftest build failed (log: $out/build.log)"; }

# Every target the Makefile declares, for both bitnesses.
want=$(make -s -C "$x86" --no-print-directory \
	--eval='harness-list: ; @echo $(TARGETS_C_32BIT_ALL:%=%_32) $(TARGETS_C_64BIT_ALL:%=%_64) $(TARGETS_C_32BIT_NEEDED:%=%_64)' \
	harness-list | tr ' ' '\n' | grep . | sort -u)
[ -n "$want" ] || die "could not read the target list from $x86/Makefile"
missing=
for t in $want; do
	[ -x "$out/install/x86/$t" ] || missing="$missing $t"
done
[ -z "$missing" ] || die "selftests declared but not built:$missing (log: $out/build.log)"
echo "$want" | sed 's/^/x86:/' > "$out/tests.list"
