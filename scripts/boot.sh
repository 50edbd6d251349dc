#!/bin/sh
# Boot a kernel and initramfs under QEMU, console to a log file.
#   boot.sh GUEST KERNEL INITRD LOG [KERNEL ARGS...]
# GUEST is a row of guests.tsv: its QEMU, machine, CPU and console.
# Environment:
#   ACCEL=tcg|kvm      (default tcg; KVM on x86 guests only, -cpu host)
#   CPU=MODEL          TCG CPU model instead of the guest's
#   TIMEOUT=SECS       hard wall-clock limit on QEMU (default 1800)
#   CONSOLE=1          also show the console on the terminal
#   SMP=N              CPUs (default 2, or what guests.tsv says)
#   TCG_THREAD=multi   one host thread per CPU under TCG (default single)
#   MONITOR=SOCKET     QEMU's human monitor on this unix socket (default none)
#   INTERACTIVE=1      console on the terminal, no log, no timeout
#   PROGRESS=1         print each test's name as the guest begins it
#   DRY_RUN=1          print the QEMU command line and exit
# Exit status: QEMU's; 124 when the timeout killed it, 130 on Ctrl-C.
. "$(dirname "$0")/lib.sh"

name=$1 kernel=$2 initrd=$3 log=$4
shift 4
guest "$name"
[ -n "$G_QEMU" ] || die "$name is built, never booted (guests.tsv)"
# printk.devkmsg=on: the harness's markers go through /dev/kmsg, whose
# writers are otherwise rate-limited (10 lines in 5 s), and a lost marker
# fails the run. A hung task is reported after 30 s instead of 120 s.
args="$G_APPEND panic=-1 oops=panic softlockup_panic=1 printk.devkmsg=on"
args="$args sysctl.kernel.hung_task_timeout_secs=30 $*"
# shellcheck disable=SC2086
set -- $G_QEMU
case ${ACCEL:-tcg} in
	tcg) set -- "$@" -accel tcg${TCG_THREAD:+,thread=$TCG_THREAD} -cpu "${CPU:-$G_CPU}" ;;
	kvm) case $G_ARCH in x86_64|i386) ;; *) die "$name runs under TCG only" ;; esac
	     set -- "$@" -accel kvm -cpu host ;;
	*) die "unknown ACCEL=$ACCEL" ;;
esac
# Two CPUs, unless the machine says otherwise (mac99 has one).
case " $G_QEMU " in *" -smp "*) ;; *) set -- "$@" -smp "${SMP:-2}" ;; esac
set -- "$@" -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$args"

if [ "${DRY_RUN:-0}" = 1 ]; then
	echo "$*"; exit 0
fi
if [ "${INTERACTIVE:-0}" = 1 ]; then
	exec "$@" -serial mon:stdio
fi
secs=${TIMEOUT:-1800}
monitor=none
[ -n "${MONITOR:-}" ] && monitor=unix:$MONITOR,server,nowait
# QEMU runs in the background so that this script can watch its log; a
# background job of a non-interactive shell ignores SIGINT, so the trap
# passes Ctrl-C (and TERM, HUP) on to timeout, which passes it to QEMU:
# nothing outlives this script to write into the next log. --foreground
# keeps timeout from making a process group of its own.
timeout --foreground -k 10 "$secs" "$@" -serial stdio -monitor "$monitor" \
	< /dev/null > "$log" 2>&1 &
qpid=$!
trap 'kill -TERM $qpid 2>/dev/null; wait $qpid; echo "harness: qemu stopped by a signal" >> "$log"; exit 130' INT TERM HUP
[ "${CONSOLE:-0}" = 1 ] && tail -n +1 -f --pid=$qpid "$log" &
seen=0 t0=$(date +%s)
while kill -0 $qpid 2>/dev/null; do
	sleep 2
	# Firmware that gives up (QEMU's VOF on an "exit" call) stops the
	# machine without ending QEMU: nothing more will come.
	if grep -q 'Stopped as the VM requested' "$log"; then
		kill -TERM $qpid 2>/dev/null
		echo "harness: qemu stopped: the firmware or the kernel called exit" >> "$log"
		break
	fi
	# A machine that cannot power itself off (mac99 without its PMU
	# driver) halts instead: the kernel said it was done.
	if grep -q 'reboot: Power down\|reboot: System halted' "$log"; then
		off=$(( ${off:-0} + 1 ))
		if [ $off -ge 5 ]; then
			kill -TERM $qpid 2>/dev/null
			echo "harness: qemu ended: the guest halted instead of powering off" >> "$log"
			break
		fi
	fi
	[ "${PROGRESS:-0}" = 1 ] || continue
	now=$(grep -c 'harness: begin ' "$log" 2>/dev/null)
	if [ "${now:-0}" -gt $seen ]; then
		grep 'harness: begin ' "$log" | sed -n "$((seen + 1)),${now}p" |
			sed "s/.*harness: begin /   $(( $(date +%s) - t0 ))s: /"
		seen=$now
	fi
done
wait $qpid
rc=$?
trap - INT TERM HUP
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "harness: qemu killed after ${secs}s wall-clock timeout" >> "$log"
	rc=124
fi
exit "$rc"
