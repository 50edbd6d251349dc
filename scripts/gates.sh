#!/bin/sh
# The submission gates on patches/ ("make gates"). Each names the patch or
# file at fault; the first gate that fails ends the run.
#   gates.sh [--fast] [--boot]
#     --fast  only checkpatch, kernel-doc, the objtool scan, the cover
#             letter and b4 (what ./test runs)
#     --boot  the bisect also boots x86_64 at every patch and runs the
#             selftests (about 1 minute more per patch)
# Without --fast it also builds every guest at every patch and the
# compile-only *-allentry configs, compares W=1/sparse and the HTML
# docs against the base, and checks that broken input fails the gates
# (tests/gates-broken.sh). The objtool scan reads
# the logs of the harness's last x86_64 and i386 builds (./run makes them).
. "$(dirname "$0")/lib.sh"

fast=0 boot=
for a; do
	case $a in
	--fast) fast=1 ;;
	--boot) boot=--boot ;;
	*) die "usage: gates.sh [--fast] [--boot]" ;;
	esac
done

t0=$(date +%s)
gate() {	# gate NAME COMMAND...: run one gate, stop at the first failure
	name=$1; shift
	say "gate: $name"
	"$@" || die "gate $name failed"
	echo "gate $name: ok ($(($(date +%s) - t0)) s so far)"
}

# objtool, with noinstr validation on vmlinux.o (DEBUG_ENTRY) and ORC:
# scripts/build-kernel.sh fails a build on any objtool line; check that
# the builds were made with these options and their logs are clean.
# objtool runs on x86_64 only: the kernel has no objtool for i386.
objtool_scan() {
	for cfg in x86_64-qemu i386-qemu; do
		b=$OUT/build/$cfg
		[ -f "$b/build.log" ] || { echo "no build log for $cfg: run ./run --config $cfg"; return 1; }
		want="CONFIG_DEBUG_ENTRY=y"
		[ $cfg = x86_64-qemu ] &&
			want="$want CONFIG_OBJTOOL=y CONFIG_NOINSTR_VALIDATION=y CONFIG_UNWINDER_ORC=y"
		for o in $want; do
			grep -qx "$o" "$b/.config" || { echo "$cfg: built without $o"; return 1; }
		done
		n=$(grep -c objtool "$b/build.log")
		echo "$cfg: $n objtool lines in its build log"
		[ "$n" = 0 ] || return 1
	done
}

# The cover letter: addressed as get_maintainer.pl says, with a base.
cover_letter() {
	c=$PATCHES/0000-cover-letter.patch
	[ -f "$c" ] || { echo "no cover letter"; return 1; }
	for h in '^To: ' '^Cc: ' '^base-commit: ' '^Subject: \[PATCH 0\+/'; do
		grep -q "$h" "$c" || { echo "cover letter: no line matching $h"; return 1; }
	done
	n=$(ls "$PATCHES"/*.patch | grep -vc '/0000-cover-letter.patch$')
	grep -q "^Subject: \[PATCH 0\+/$n\]" "$c" || { echo "cover letter: not [PATCH 0/$n]"; return 1; }
}

gate checkpatch "$TOP/scripts/checkpatch.sh"
gate kernel-doc "$TOP/scripts/kernel-doc.sh"
gate objtool objtool_scan
gate cover-letter cover_letter
gate b4 "$TOP/scripts/b4-check.sh"
[ $fast = 1 ] && { say "fast gates passed"; exit 0; }

gate bisect "$TOP/scripts/bisect-build.sh" $boot
allentry() {	# the entry paths no guest builds: Xen PV, SEV #VC, KVM's FRED
		# re-entry; powerpc's BookE, 64-bit and 32-bit, with BookE KVM
	for cfg in x86_64-allentry ppc64e-allentry ppc32e-allentry; do
		"$TOP/scripts/build-kernel.sh" $cfg "$SRC" "$OUT/build/$cfg" || return 1
	done
}
gate allentry allentry
gate sparse "$TOP/scripts/sparse.sh"
gate htmldocs "$TOP/scripts/htmldocs.sh"
gate broken-input "$TOP/tests/gates-broken.sh"
say "all gates passed in $(($(date +%s) - t0)) s"
