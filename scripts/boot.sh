#!/bin/sh
# Boot a kernel and initramfs under QEMU, console to a log file.
#   boot.sh KERNEL INITRD LOG [KERNEL ARGS...]
# Environment:
#   ARCH=x86_64|i386   which QEMU (default x86_64)
#   ACCEL=tcg|kvm      (default tcg; see run's --accel)
#   TIMEOUT=SECS       hard wall-clock limit on QEMU (default 1800)
#   CONSOLE=1          also show the console on the terminal
#   INTERACTIVE=1      console on the terminal, no log, no timeout
# Exit status: QEMU's; 124 when the timeout killed it.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 log=$3
shift 3
case ${ARCH:-x86_64} in
	i386) qemu=qemu-system-i386 ;;
	*) qemu=qemu-system-x86_64 ;;
esac
# The SMAP bit is off: QEMU 7.2's TCG reads the far-return stack with
# supervisor rights, so a user lret Oopses the guest under SMAP. TCG's
# "max" CPU says it is an AMD family 6 part, which a 32-bit kernel takes
# for a K7 not certified for SMP (a WARNING and a taint): i386 guests get
# an Intel vendor string instead.
case ${ARCH:-x86_64} in
	i386) tcgcpu=max,-smap,vendor=GenuineIntel ;;
	*) tcgcpu=max,-smap ;;
esac
case ${ACCEL:-tcg} in
	tcg) cpu="-accel tcg -cpu $tcgcpu" ;;
	kvm) cpu="-accel kvm -cpu host" ;;
	*) die "unknown ACCEL=$ACCEL" ;;
esac
args="console=ttyS0 panic=-1 oops=panic softlockup_panic=1 $*"
set -- $qemu -machine q35 $cpu -smp "${SMP:-2}" -m 2G \
	-display none -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$args"

if [ "${INTERACTIVE:-0}" = 1 ]; then
	exec "$@" -serial mon:stdio
fi
secs=${TIMEOUT:-1800}
if [ "${CONSOLE:-0}" = 1 ]; then
	{ timeout -k 10 "$secs" "$@" -serial stdio -monitor none < /dev/null; echo $? > "$log.rc"; } |
		tee "$log"
	rc=$(cat "$log.rc"); rm -f "$log.rc"
else
	timeout -k 10 "$secs" "$@" -serial stdio -monitor none < /dev/null > "$log" 2>&1
	rc=$?
fi
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "harness: qemu killed after ${secs}s wall-clock timeout" >> "$log"
	rc=124
fi
exit "$rc"
