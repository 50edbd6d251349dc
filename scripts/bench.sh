#!/bin/sh
# The entry benchmark ("make bench"): guest kernel instructions and MSR
# accesses per entry event, counted exactly by a QEMU TCG plugin
# (bench/), for the base and the series, the series three ways: booted
# with "nopks", with PKS at the default rights, and with a PKS key open in
# the interrupted kernel context (events taken from kernel mode only:
# entries from user mode never touch PKRS). Also the bytes the series
# adds per entry frame and the text of arch/x86/entry and kernel/entry.
# Writes bench/results.md and prints it.
#   bench.sh [--no-build] [-n N]
# The kernels: configs/x86_64-bench.config (the x86_64 guest without
# lockdep and DEBUG_ENTRY), built from out/src-base and out/src.
. "$(dirname "$0")/lib.sh"

build=1 n=10000
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=0 ;;
	-n) n=$2; shift ;;
	*) die "usage: bench.sh [--no-build] [-n N]" ;;
	esac
	shift
done
base_src=$OUT/src-base base_b=$OUT/build/x86_64-bench--base
series_b=$OUT/build/x86_64-bench
res=$OUT/bench/results
mkdir -p "$res"

if [ $build = 1 ]; then
	"$TOP/scripts/deps.sh" || exit 1
	"$TOP/scripts/make-tree.sh" --base "$base_src" || exit 1
	"$TOP/scripts/build-kernel.sh" x86_64-bench "$base_src" "$base_b" || exit 1
	"$TOP/scripts/make-tree.sh" || exit 1
	"$TOP/scripts/build-kernel.sh" x86_64-bench "$SRC" "$series_b" || exit 1
fi

boot() {	# boot NAME BUILD [KERNEL ARGS]: one measured boot
	name=$1 b=$2; shift 2
	N=$n "$TOP/bench/boot-bench.sh" "$b/arch/x86/boot/bzImage" "$b/System.map" "$b/vmlinux" \
		"$res/$name.txt" "$@" || die "the $name run failed"
}
boot base "$base_b"
boot nopks "$series_b" nopks
boot pks "$series_b"
PKS=1 EVENTS=8,9 boot pks-open "$series_b"

# Text bytes of the entry code's objects, and the extension per frame.
text() {	# text BUILD: total text of arch/x86/entry/*.o and kernel/entry/*.o
	(cd "$1" && size arch/x86/entry/*.o kernel/entry/*.o) | awk 'NR > 1 { t += $1 } END { print t }'
}
frame() {	# frame BUILD: bytes below pt_regs (0 without the series)
	sed -n 's/^#define EXTREGS_regs \([0-9]*\) .*/\1/p' "$1/include/generated/asm-offsets.h" |
		grep . || echo 0
}

{
	echo "# Entry benchmark: base vs the series"
	echo
	echo "Reproduce with \`make bench\` (scripts/bench.sh; it reuses the"
	echo "harness's trees and builds). Kernel instructions and MSR accesses per"
	echo "event, counted by a QEMU TCG plugin (bench/insn-plugin.c) in"
	echo "qemu-system-x86_64 $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')"
	echo "-cpu max,-smap -smp 1 -icount shift=5,sleep=off, $n events per kind"
	echo "(the mode and the minimum of each event's count; vs base: the mode's"
	echo "difference)."
	echo "Kernels: configs/x86_64-bench.config, the x86_64 guest without lockdep"
	echo "and DEBUG_ENTRY; the series with X86_PKS and PKS_TEST."
	echo
	echo '```'
	awk -f "$TOP/bench/table.awk" "$res/base.txt" "$res/nopks.txt" "$res/pks.txt" "$res/pks-open.txt"
	echo '```'
	echo
	echo "The same, in 72 columns (the cover letter quotes it):"
	echo
	echo '```'
	awk -v compact=1 -f "$TOP/bench/table.awk" "$res/base.txt" "$res/nopks.txt" "$res/pks.txt" "$res/pks-open.txt"
	echo '```'
	echo
	bb=$(text "$base_b") sb=$(text "$series_b")
	echo "Entry frame: the series adds $(frame "$series_b") bytes below pt_regs (base: $(frame "$base_b"))."
	echo "Text of arch/x86/entry/*.o and kernel/entry/*.o: $bb bytes in the base,"
	echo "$sb with the series ($((sb - bb)) bytes)."
	echo
	echo '```'
	for o in $(cd "$series_b" && ls arch/x86/entry/*.o kernel/entry/*.o); do
		a=$( [ -f "$base_b/$o" ] && size "$base_b/$o" | awk 'NR == 2 { print $1 }' || echo 0)
		b=$(size "$series_b/$o" | awk 'NR == 2 { print $1 }')
		printf '%-36s %7s -> %7s  %+d\n' "$o" "$a" "$b" $((b - a))
	done
	echo '```'
} > "$res/results.md"
cp "$res/results.md" "$TOP/bench/results.md"
cat "$TOP/bench/results.md"
