#!/bin/sh
# Build and install a guest's kselftests, static, from SRCDIR.
#   build-selftests.sh GUEST SRCDIR OUTDIR
# x86 guests: the x86 kselftests, 64- and 32-bit. kst guests: the
# kselftests their row of guests.tsv names, cross-built. Installs with
# kselftest's own "make install" into OUTDIR/install and writes
# OUTDIR/tests.list ("collection:test" a line); a test that the Makefiles
# declare but that did not build is an error.
. "$(dirname "$0")/lib.sh"

name=$1
src=$(cd "$2" && pwd) || exit 1
out=$3
guest "$name"
mkdir -p "$out" && out=$(cd "$out" && pwd)
log=$out/build.log
sts=$src/tools/testing/selftests

# Nothing to do when the tree's content (its git tree hash: the same
# patches give the same hash) and this script are what the last build saw:
# ./run --base and ./run switch the tree back and forth.
stamp=$out/.harness-built
key=$(git -C "$src" rev-parse 'HEAD^{tree}' 2>/dev/null; echo "$G_USERLAND $G_KST"; cat "$0")
if [ -f "$out/tests.list" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
	say "$name's selftests are up to date ($(wc -l < "$out/tests.list") tests)"
	exit 0
fi
rm -f "$stamp"

# The tests are built against this kernel's uAPI headers, not the host's
# (kselftest looks for them in O/usr/include and no longer installs them).
say "installing the $G_ARCH uAPI headers"
make -s -C "$src" O="$out/headers" ARCH="$G_ARCH" INSTALL_HDR_PATH="$out/build/usr" \
	headers_install >> "$log" 2>&1 || { tail -20 "$log" >&2; die "headers_install failed (log: $log)"; }

case $G_USERLAND in
x86-*)
	# The 32-bit tests include <asm/...>. Debian's gcc-multilib would
	# provide /usr/include/asm for that, but it conflicts with the cross
	# compilers (scripts/deps.sh), so the same link lives here instead;
	# x86_64's asm headers serve both bitnesses.
	mkdir -p "$out/include"
	ln -sfn /usr/include/x86_64-linux-gnu/asm "$out/include/asm"
	# USERLDFLAGS=-static is ignored by the x86 Makefile; CC="gcc -static"
	# works and keeps the per-target flags (check_initial_reg_state's entry).
	say "building the x86 selftests (log: $log)"
	rm -rf "$out/install"
	make -C "$sts" TARGETS=x86 CC="gcc -static -idirafter $out/include" \
		O="$out/build" INSTALL_PATH="$out/install" install >> "$log" 2>&1 ||
		{ tail -30 "$log" >&2; die "selftest build failed (log: $log)"; }
	# Every target the Makefile declares, for both bitnesses.
	want=$(make -s -C "$sts/x86" --no-print-directory \
		--eval='harness-list: ; @echo $(TARGETS_C_32BIT_ALL:%=%_32) $(TARGETS_C_64BIT_ALL:%=%_64) $(TARGETS_C_32BIT_NEEDED:%=%_64)' \
		harness-list | tr ' ' '\n' | grep . | sort -u | sed 's/^/x86:/')
	[ -n "$want" ] || die "could not read the target list from $sts/x86/Makefile"
	;;
kst)
	# "arm64/signal" is the signal subdirectory of the arm64 collection:
	# the arm64 and powerpc Makefiles take their subdirectories from
	# ARM64_SUBTARGETS and SUB_DIRS.
	targets= sub=
	for t in $G_KST; do
		case $t in
		*/*) sub="$sub ${t#*/}"; t=${t%%/*} ;;
		esac
		case " $targets " in *" $t "*) ;; *) targets="$targets $t" ;; esac
	done
	say "building the $G_ARCH kselftests:$targets ($G_KST; log: $log)"
	rm -rf "$out/install"
	# shellcheck disable=SC2086
	make -C "$sts" ARCH="$G_ARCH" CROSS_COMPILE="$G_CROSS" CC="${G_CROSS}gcc -static" \
		TARGETS="${targets# }" ARM64_SUBTARGETS="${sub# }" SUB_DIRS="${sub# }" \
		O="$out/build" INSTALL_PATH="$out/install" install >> "$log" 2>&1 ||
		{ tail -30 "$log" >&2; die "selftest build failed (log: $log)"; }
	want=$(grep -v '^#' "$out/install/kselftest-list.txt" | sort -u)
	[ -n "$want" ] || die "no tests in $out/install/kselftest-list.txt"
	;;
*)
	die "$name runs no kselftests (userland $G_USERLAND)" ;;
esac

missing=
for t in $want; do
	[ -x "$out/install/${t%%:*}/${t#*:}" ] || missing="$missing $t"
done
[ -z "$missing" ] || die "selftests declared but not built:$missing (log: $log)"
echo "$want" > "$out/tests.list"
say "$(echo "$want" | wc -l) selftests built"
echo "$key" > "$stamp"
