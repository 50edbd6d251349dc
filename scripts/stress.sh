#!/bin/sh
# The stress run ("make stress"): the x86_64 guest with KASAN, lockdep,
# PROVE_RCU and DEBUG_ENTRY (configs/x86_64-stress.config), 4 CPUs under
# multi-threaded TCG with PKS, runs the entry stressor and the sigreturn
# fuzzer (stress/), 64- and 32-bit, for a given time, while this script
# sends NMIs through QEMU's monitor. The judge reads the console log: no
# splat, taint 0, lockdep on, every program exits 0.
#   stress.sh [--base] [--seconds N] [--nmi-rate N] [--no-build] [--with-patch FILE]
#     --base        the unpatched base (its own tree out/src-base)
#     --with-patch FILE
#                   build with FILE applied on top, e.g. the throw-away
#                   tests/stress-break-restore.patch that the run must catch
#     --seconds N   how long the programs run (default 1800)
#     --nmi-rate N  NMIs per second sent to the guest (default 50)
#     --no-build    reuse the last kernel built for this variant
# Prints the figures: events per kind, frames fuzzed, NMIs sent.
. "$(dirname "$0")/lib.sh"

variant=series base=0 secs=1800 rate=50 build=1 extra=
while [ $# -gt 0 ]; do
	case $1 in
	--base) variant=base base=1 ;;
	--seconds) secs=$2; shift ;;
	--nmi-rate) rate=$2; shift ;;
	--no-build) build=0 ;;
	--with-patch) extra=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	*) die "usage: stress.sh [--base] [--seconds N] [--nmi-rate N] [--no-build] [--with-patch FILE]" ;;
	esac
	shift
done

if [ $base = 1 ]; then src=$OUT/src-base kb=$OUT/build/x86_64-stress--base
else src=$SRC kb=$OUT/build/x86_64-stress; fi
# A throw-away patch gets its own build tree: the series' kernel stays.
if [ -n "$extra" ]; then
	variant=$variant+$(basename "$extra" .patch) kb=$kb+$(basename "$extra" .patch)
fi
work=$OUT/stress/$variant
img=$work/initramfs.cpio.gz
log=$OUT/logs/stress-$variant.log
mkdir -p "$work" "$OUT/logs"

"$TOP/scripts/deps.sh" || exit 1
if [ $build = 1 ]; then
	if [ $base = 1 ]; then "$TOP/scripts/make-tree.sh" --base "$src"
	else "$TOP/scripts/make-tree.sh"; fi || exit 1
	if [ -n "$extra" ]; then
		git -C "$src" am -q "$extra" || { git -C "$src" am --abort; die "$extra does not apply"; }
		"$TOP/scripts/build-kernel.sh" x86_64-stress "$src" "$kb"
		rc=$?
		# Back to the tree that make-tree.sh made; the kernel stays.
		git -C "$src" reset -q --hard HEAD~1
		[ $rc = 0 ] || exit 1
	else
		"$TOP/scripts/build-kernel.sh" x86_64-stress "$src" "$kb" || exit 1
	fi
fi
# The programs and the initramfs: cheap, so always made afresh.
"$TOP/stress/build.sh" "$work/bin" || die "building the stress programs failed"
busybox=$("$TOP/scripts/get-busybox.sh" amd64) || exit 1
root=$work/root
rm -rf "$root" && mkdir -p "$root/bin" "$root/stress" || exit 1
cp "$busybox" "$root/bin/busybox" &&
cp "$TOP/guest/stress-init" "$root/init" &&
cp "$work"/bin/* "$root/stress/" || die "cannot fill $root"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img" ||
	die "cannot write $img"
[ -f "$kb/arch/x86/boot/bzImage" ] || die "no kernel built yet in $kb: run without --no-build"

# NMIs from outside, at the given rate, for as long as QEMU runs. Each
# "nmi" monitor command sends one to every CPU.
sock=$work/monitor.sock
rm -f "$sock" "$work/nmis"
interval=$(awk "BEGIN { print 1 / $rate }")
nmis() {
	n=0
	while [ ! -S "$sock" ]; do sleep 1; done
	while [ -S "$sock" ]; do
		echo nmi
		n=$((n + 1))
		echo $n > "$work/nmis"
		sleep "$interval"
	done | socat - "UNIX-CONNECT:$sock" > /dev/null 2>&1
}
nmis &
injector=$!

say "booting the stress guest ($variant, $secs s, 4 CPUs, NMIs at $rate/s); console log: $log"
SMP=4 TCG_THREAD=multi MONITOR=$sock TIMEOUT=$((secs + 900)) \
	"$TOP/scripts/boot.sh" x86_64-qemu "$kb/arch/x86/boot/bzImage" "$img" "$log" stress.seconds="$secs"
rm -f "$sock"
kill "$injector" 2>/dev/null
wait 2>/dev/null

printf 'stress:%s\n' entry-stress_64 entry-stress_32 sigreturn-fuzz_64 sigreturn-fuzz_32 > "$work/tests.list"
"$TOP/scripts/judge.py" "$log" --tests "$work/tests.list" > "$log.judge"
rc=$?
cat "$log.judge"
echo
echo "figures ($variant, $secs s):"
grep -E '# [a-z0-9_-]+: (stress|stress32|fuzz)[a-z0-9]*: summary' "$log" | sed 's/^.*# /  /'
echo "  NMIs sent: $(cat "$work/nmis" 2>/dev/null || echo 0) (each to every CPU)"
exit $rc
