#!/bin/sh
# Boot a kernel and initramfs under QEMU, console to a log file.
#   boot.sh KERNEL INITRD LOG [KERNEL ARGS...]
# Environment:
#   ARCH=x86_64|i386|riscv64|s390x   which QEMU (default x86_64)
#   ACCEL=tcg|kvm      (default tcg; see run's --accel)
#   CPU=MODEL          TCG CPU model instead of the default below
#   TIMEOUT=SECS       hard wall-clock limit on QEMU (default 1800)
#   CONSOLE=1          also show the console on the terminal
#   SMP=N              CPUs (default 2)
#   TCG_THREAD=multi   one host thread per CPU under TCG (default single)
#   MONITOR=SOCKET     QEMU's human monitor on this unix socket (default none)
#   INTERACTIVE=1      console on the terminal, no log, no timeout
# Exit status: QEMU's; 124 when the timeout killed it.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 log=$3
shift 3
# printk.devkmsg=on: the harness's markers go through /dev/kmsg, whose
# writers are otherwise rate-limited (10 lines in 5 s), and a lost marker
# fails the run.
args="panic=-1 oops=panic softlockup_panic=1 printk.devkmsg=on $*"
# x86: the SMAP bit is off, because QEMU 7.2's TCG reads the far-return
# stack with supervisor rights, so a user lret Oopses the guest under SMAP.
# TCG's "max" CPU says it is an AMD family 6 part, which a 32-bit kernel
# takes for a K7 not certified for SMP (a WARNING and a taint): i386
# guests get an Intel vendor string instead.
# riscv64: the virt board, OpenSBI as firmware, console on its 16550.
# s390x: the console is SCLP's line-mode terminal. Both are TCG only.
case ${ARCH:-x86_64} in
	x86_64) set -- qemu-system-x86_64 -machine q35 -m 2G; tcgcpu=max,-smap ;;
	i386) set -- qemu-system-i386 -machine q35 -m 2G
	      tcgcpu=max,-smap,vendor=GenuineIntel ;;
	riscv64) set -- qemu-system-riscv64 -machine virt -bios default -m 1G
		 tcgcpu=rv64 args="earlycon=uart8250,mmio,0x10000000 $args" ;;
	s390x) set -- qemu-system-s390x -machine s390-ccw-virtio -m 1G
	       tcgcpu=qemu ;;
	*) die "unknown ARCH=$ARCH" ;;
esac
case ${ARCH:-x86_64} in
	s390x) args="console=ttysclp0 $args" ;;
	*) args="console=ttyS0 $args" ;;
esac
case ${ACCEL:-tcg} in
	tcg) set -- "$@" -accel tcg${TCG_THREAD:+,thread=$TCG_THREAD} -cpu "${CPU:-$tcgcpu}" ;;
	kvm) case ${ARCH:-x86_64} in x86_64|i386) ;; *) die "$ARCH guests run under TCG only" ;; esac
	     set -- "$@" -accel kvm -cpu host ;;
	*) die "unknown ACCEL=$ACCEL" ;;
esac
set -- "$@" -smp "${SMP:-2}" -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$args"

if [ "${INTERACTIVE:-0}" = 1 ]; then
	exec "$@" -serial mon:stdio
fi
secs=${TIMEOUT:-1800}
monitor=none
[ -n "${MONITOR:-}" ] && monitor=unix:$MONITOR,server,nowait
if [ "${CONSOLE:-0}" = 1 ]; then
	{ timeout -k 10 "$secs" "$@" -serial stdio -monitor "$monitor" < /dev/null; echo $? > "$log.rc"; } |
		tee "$log"
	rc=$(cat "$log.rc"); rm -f "$log.rc"
else
	timeout -k 10 "$secs" "$@" -serial stdio -monitor "$monitor" < /dev/null > "$log" 2>&1
	rc=$?
fi
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "harness: qemu killed after ${secs}s wall-clock timeout" >> "$log"
	rc=124
fi
exit "$rc"
