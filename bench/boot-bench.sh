#!/bin/sh
# Boot a kernel once under QEMU TCG with insn-plugin and run entry-bench,
# 64- and 32-bit: kernel instructions and MSR accesses per entry event.
#   boot-bench.sh KERNEL SYSTEM_MAP VMLINUX OUTFILE [KERNEL ARGS...]
# Leaves the plugin's result at OUTFILE (format: insn-plugin.c, one line
# per event; '#' lines are comments), the console log at OUTFILE.log and
# every single event at OUTFILE.raw ("KK insns wrmsr rdmsr pkrs_wr pkrs_rd").
# Environment:
#   N=10000         events per kind
#   SHIFT=5         -icount shift: 2^SHIFT ns of virtual time per instruction
#   PKS=1           kernel-mode events through the kernel's PKS test 6
#   EVENTS=kk,kk    only these events (hex, as in entry-bench.c's table)
#   CPU=max,-smap   TCG CPU model
#   TIMEOUT=3600    hard wall-clock limit on QEMU, seconds
# Fails (non-zero, with a message) when QEMU timed out or failed, a
# driver failed, or an event's region is missing or incomplete.
. "$(dirname "$0")/../scripts/lib.sh"

[ $# -ge 4 ] || die "usage: bench/boot-bench.sh KERNEL SYSTEM_MAP VMLINUX OUTFILE [KERNEL ARGS...]"
kernel=$1 map=$2 vmlinux=$3 result=$4
shift 4
for f in "$kernel" "$map" "$vmlinux"; do [ -r "$f" ] || die "cannot read $f"; done
case $result in *,*) die "OUTFILE may not contain a comma (QEMU's -plugin syntax)" ;; esac
n=${N:-10000} shift_=${SHIFT:-5} secs=${TIMEOUT:-3600}
bench=$TOP/bench bout=$OUT/bench
mkdir -p "$bout" "$(dirname "$result")" || exit 1
log=$result.log

# Build what is older than its source. The plugin needs no glib: it
# declares the few QEMU API functions it calls, which QEMU exports.
# The 32-bit driver includes <asm/...> through <sys/syscall.h>: the
# same -idirafter link as scripts/build-selftests.sh.
build() {	# OUTPUT SOURCE COMMAND...
	o=$1 s=$2; shift 2
	[ "$o" -nt "$s" ] && return 0
	"$@" || die "cannot build $o"
}
mkdir -p "$bout/include" && ln -sfn /usr/include/x86_64-linux-gnu/asm "$bout/include/asm"
cflags="-O2 -Wall -Wextra -Wno-unused-parameter"
build "$bout/insn-plugin.so" "$bench/insn-plugin.c" \
	gcc -shared -fPIC -fvisibility=hidden $cflags -o "$bout/insn-plugin.so" "$bench/insn-plugin.c"
build "$bout/entry-bench-64" "$bench/entry-bench.c" \
	gcc -static $cflags -o "$bout/entry-bench-64" "$bench/entry-bench.c"
build "$bout/entry-bench-32" "$bench/entry-bench.c" \
	gcc -m32 -static $cflags -idirafter "$bout/include" -o "$bout/entry-bench-32" "$bench/entry-bench.c"

# Addresses for the plugin, from this kernel's System.map and vmlinux.
sym() { awk -v s="$1" '$3 == s { print $1; f = 1; exit } END { exit !f }' "$map"; }
pf=$(sym asm_exc_page_fault) || die "no asm_exc_page_fault in $map"
timer=$(sym asm_sysvec_apic_timer_interrupt) || die "no asm_sysvec_apic_timer_interrupt in $map"
iret=$(sym native_irq_return_iret) || die "no native_irq_return_iret in $map"
# Every stub that a kernel-mode exception or interrupt enters by and
# leaves through native_irq_return_iret: not the NMI (its own iretq) nor
# the double fault (no return).
stubs=$(awk '$3 ~ /^asm_(exc|sysvec)_/ || $3 == "asm_common_interrupt" || $3 == "asm_spurious_interrupt" {
	if ($3 != "asm_exc_nmi" && $3 != "asm_exc_double_fault") print $1 }' "$map" | paste -sd:)
[ -n "$stubs" ] || die "no asm_exc_*/asm_sysvec_* stubs in $map"
pkrs=$("$bench/pkrs-sites.sh" "$vmlinux") ||
	{ echo "warning: no IA32_PKRS sites in $vmlinux: pkrs counts will be 0" >&2; pkrs=; }
plugin="$bout/insn-plugin.so,out=$result,raw=$result.raw,stubs=$stubs,iret=$iret,scope08=$pf,scope09=$timer"
[ -n "$pkrs" ] && plugin="$plugin,pkrs=$pkrs"

# The initramfs: busybox, the drivers, and an /init that runs them.
busybox=$("$TOP/scripts/get-busybox.sh" amd64) || exit 1
args="-n $n"
[ "${PKS:-0}" = 1 ] && args="$args --pks"
[ -n "$EVENTS" ] && args="$args -e $EVENTS"
expect=
for kk in $(echo "${EVENTS:-1,2,3,4,5,6,7,8,9}" | tr , ' '); do
	expect="$expect $(printf %02x "0x$kk")" || die "bad EVENTS=$EVENTS"
done
root=$(mktemp -d "${TMPDIR:-/tmp}/bench-initramfs.XXXXXX") || exit 1
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev"
cp "$busybox" "$root/bin/busybox"
cp "$bout/entry-bench-64" "$bout/entry-bench-32" "$root/"
cat > "$root/init" <<EOF
#!/bin/busybox sh
# entry benchmark guest: run both drivers, report their status, power off
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
/entry-bench-64 $args
echo "bench: entry-bench-64 rc=\$?"
/entry-bench-32 $args
echo "bench: entry-bench-32 rc=\$?"
echo "bench: end"
poweroff -f
EOF
chmod 755 "$root/init"
initrd=$bout/initramfs.cpio.gz
# Byte for byte the same archive every time (times, inode numbers): the
# kernel unpacks it concurrently with the rest of the boot, and a
# different stream shifts the whole boot, and the state it leaves.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --reproducible --quiet | gzip -1 -n) \
	> "$initrd" || die "cannot write $initrd"

# One vCPU, and -icount: deterministic, and the plugin's state is global.
# sleep=off: idle time costs no wall time. -seed and the RTC on the
# virtual clock make the guest's random numbers and dates repeat too.
# nokaslr: the plugin's addresses are System.map's; norandmaps: the
# same user layout every run (page-table pages at the same iterations).
# The rest as in scripts/boot.sh.
cmdline="console=ttyS0 panic=-1 oops=panic nokaslr norandmaps $*"
rm -f "$result" "$result.raw"
say "boot-bench: $(basename "$kernel"), N=$n, -icount shift=$shift_, $args"
start=$(date +%s)
timeout -k 10 "$secs" qemu-system-x86_64 -machine q35 -m 2G \
	-accel tcg -cpu "${CPU:-max,-smap}" -smp 1 \
	-icount "shift=$shift_,sleep=off" -seed 1 -rtc base=2024-01-01T00:00:00,clock=vm \
	-plugin "$plugin" \
	-display none -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-serial stdio -monitor none < /dev/null > "$log" 2>&1
rc=$?
wall=$(( $(date +%s) - start ))
[ "$rc" = 124 ] || [ "$rc" = 137 ] && die "QEMU killed after the ${secs}s timeout (log: $log)"
[ "$rc" = 0 ] || die "QEMU exited with $rc (log: $log)"

# The drivers' verdicts, then every region the drivers ran.
grep 'entry-bench: FAIL' "$log" >&2
for b in 64 32; do
	grep -q "^bench: entry-bench-$b rc=0" "$log" ||
		die "entry-bench-$b failed or did not finish (log: $log)"
done
[ -s "$result" ] || die "no plugin result in $result (log: $log)"
# Every event asked for must have run (the drivers name each) and have
# its complete region in the result.
ran=$(sed -n 's/^entry-bench: event=\([0-9a-f]*\) .*/\1/p' "$log")
for kk in $expect; do
	echo "$ran" | grep -qx "$kk" || die "event $kk did not run (log: $log)"
done
for kk in $expect; do
	awk -v kk="$kk" -v n="$n" '
		$1 == "event=" kk { line = $0
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END {
			if (line == "") { print "no region for event " kk; exit 1 }
			if (f["begun"] != 1 || f["ended"] != 1 || f["conflicts"] != 0) {
				print "region " kk " incomplete: " line; exit 1 }
			if (f["n"] < n) { print "event " kk ": " f["n"] " events, want " n "+"; exit 1 }
		}' "$result" >&2 || die "bad result (result: $result, log: $log)"
done
# CONFIG_HZ, when the build tree's .config is next to vmlinux: with
# SHIFT it says how many instructions a tick period is (4 ms at HZ=250,
# 2^5 ns per instruction: 125000).
hz=$(sed -n 's/^CONFIG_HZ=//p' "$(dirname "$vmlinux")/.config" 2>/dev/null)
cat >> "$result" <<EOF
# boot-bench: kernel=$kernel n=$n icount_shift=$shift_ hz=${hz:-unknown} cpu=${CPU:-max,-smap} driver_args="$args" wall=${wall}s
EOF
say "boot-bench: ok in ${wall}s: $result"
