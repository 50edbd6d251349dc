#!/bin/sh
# Build the kernel at every patch of the series and name the first patch
# that does not build (or warns, or makes objtool speak).
#   bisect-build.sh [CONFIG...]     (default: x86_64-qemu i386-qemu riscv64-qemu s390x-qemu)
# Incremental: each step rebuilds what the patch touched, with ccache.
. "$(dirname "$0")/lib.sh"

configs=${*:-x86_64-qemu i386-qemu riscv64-qemu s390x-qemu}
"$TOP/scripts/make-tree.sh" || exit 1
trap 'git -C "$SRC" checkout -q series' EXIT

n=0
for c in $(git -C "$SRC" rev-list --reverse base..series); do
	n=$((n + 1))
	patch=$(ls "$TOP"/patches/*.patch | grep -v '/0000-cover-letter.patch$' | sed -n "${n}p")
	git -C "$SRC" checkout -q "$c" || die "cannot check out $c"
	for cfg in $configs; do
		if ! "$TOP/scripts/build-kernel.sh" "$cfg" "$SRC" "$OUT/build/$cfg" >/dev/null; then
			echo "FAIL $(basename "$patch") ($cfg)"
			exit 1
		fi
	done
	echo "ok   $(basename "$patch") ($configs)"
done
