#!/bin/sh
# Print, colon-separated, the addresses of the WRMSR and RDMSR
# instructions in VMLINUX that access IA32_PKRS (MSR 0x6e1), for
# insn-plugin's pkrs= argument.
#   pkrs-sites.sh VMLINUX
# Found statically: a "mov $0x6e1,%ecx" and the first WRMSR/RDMSR after
# it in the same function, as long as nothing in between writes %ecx or
# leaves the straight line (call, jmp, ret). Conditional jumps are let
# through: on their fall-through path %ecx still holds 0x6e1. An MSR
# number that reaches %ecx any other way (a variable, wrmsr_safe() with
# an argument) is not found: the count of "mov" without a site goes to
# stderr, and none is expected with today's pks_write_pkrs().
set -e
[ $# = 1 ] && [ -r "$1" ] || { echo "usage: $0 VMLINUX" >&2; exit 1; }

objdump -d --no-show-raw-insn "$1" | awk '
	# "ffffffff81068584:	mov    $0x6e1,%ecx"
	/^[0-9a-f]+ <.*>:$/	{ want = 0; next }	# a new function
	!/^ *[0-9a-f]+:\t/	{ next }
	{
		addr = $1; sub(/:$/, "", addr)
		insn = $0; sub(/^[^\t]*\t/, "", insn)
	}
	insn ~ /^mov +\$0x6e1,%ecx$/ { if (want) lost++; want = 1; movs++; next }
	!want			{ next }
	insn ~ /^(wrmsr|rdmsr) *$/ { sites = sites sep addr; sep = ":"; want = 0; next }
	insn ~ /^(call|jmp|ret|iret|sysret|ud2|int3)/ { want = 0; lost++; next }
	insn ~ /,%(e|r)?cx$/ || insn ~ /,%c[lh]$/ { want = 0; lost++; next }
	insn ~ /^(cpuid|rdtsc|rdtscp|rep |loop|xchg.*%[er]?cx)/ { want = 0; lost++; next }
	END {
		if (lost)
			printf "pkrs-sites: %d of %d \"mov $0x6e1,%%ecx\" without a site\n", lost, movs > "/dev/stderr"
		if (sites == "") {
			print "pkrs-sites: no IA32_PKRS access found" > "/dev/stderr"
			exit 1
		}
		print sites
	}'
