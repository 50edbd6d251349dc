#!/bin/sh
# W=1 and sparse gate: compile the C files the series touches with
# "make W=1 C=2" (C=2: sparse on every named file, built or not), in the
# base and in the series, and fail on any finding the series adds. The
# findings are compared file by file (the file a warning names, which may
# be a header), line numbers aside.
#   sparse.sh [CONFIG...]   (default x86_64-allentry i386-qemu)
# Uses the trees of scripts/make-tree.sh (out/src, the series; out/src-base,
# the base) and build trees out/build/CONFIG-sparse and CONFIG-sparse--base,
# configured like the harness's build of CONFIG (which must exist: it says
# which of the touched files CONFIG builds).
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- x86_64-allentry i386-qemu
command -v sparse >/dev/null || die "sparse is not installed (scripts/deps.sh)"
base_src=$OUT/src-base
[ -d "$base_src/.git" ] || "$TOP/scripts/make-tree.sh" --base "$base_src" >/dev/null || exit 1
git -C "$SRC" rev-parse -q --verify base >/dev/null || die "no series tree in $SRC (scripts/make-tree.sh)"

# Findings of one build: "file: warning: text", sorted, without positions
# and without the tree's own path.
findings() {	# findings LOG SRC BUILD
	grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error):' "$1" |
		sed -E -e "s|^$2/||" -e "s|^$3/||" -e 's/^([^ :]+):[0-9]+(:[0-9]+)?: /\1: /' | sort -u
}

fail=0
for cfg in "$@"; do
	case $cfg in i386*) arch=i386 ;; *) arch=x86_64 ;; esac
	harness=$OUT/build/$cfg
	[ -f "$harness/.config" ] || die "no build of $cfg yet: scripts/build-kernel.sh $cfg $SRC $harness"
	# The touched C files that this config builds, and the entry code
	# that every changed entry header reaches.
	objs=$(git -C "$SRC" diff --name-only base HEAD -- '*.c' |
		while read -r f; do [ -f "$harness/${f%.c}.o" ] && echo "${f%.c}.o"; done)
	objs="$objs $(cd "$harness" && ls arch/x86/entry/*.o kernel/entry/*.o 2>/dev/null | grep -v built-in)"
	objs=$(echo $objs | tr ' ' '\n' | sort -u)
	for variant in base series; do
		if [ $variant = base ]; then src=$base_src b=$OUT/build/$cfg-sparse--base
		else src=$SRC b=$OUT/build/$cfg-sparse; fi
		mkdir -p "$b"
		cp "$harness/.config" "$b/.config"
		say "W=1 C=2 on $(echo "$objs" | wc -l) objects of $cfg, $variant"
		# Objects new in the series do not exist in the base.
		list=$(for o in $objs; do [ -f "$src/${o%.o}.c" ] && echo "$o"; done)
		make -s -C "$src" O="$b" ARCH=$arch olddefconfig >/dev/null 2>&1 &&
		make -C "$src" O="$b" ARCH=$arch CC="ccache gcc" -j"$(nproc)" prepare > "$b/prepare.log" 2>&1 ||
			{ tail -20 "$b/prepare.log" >&2; die "make prepare failed for $cfg ($variant)"; }
		# Compiled afresh every time: W=1's warnings come from the compiler
		# and kernel-doc, which run only when an object is (re)built.
		(cd "$b" && rm -f $list)
		# -k: a file that fails to build is reported, not the end of it.
		# shellcheck disable=SC2086
		make -k -C "$src" O="$b" ARCH=$arch CC="ccache gcc" -j"$(nproc)" \
			W=1 C=2 $list > "$b/sparse.log" 2>&1
		findings "$b/sparse.log" "$src" "$b" > "$b/findings"
	done
	new=$(comm -13 "$OUT/build/$cfg-sparse--base/findings" "$OUT/build/$cfg-sparse/findings")
	echo "$cfg: base $(wc -l < "$OUT/build/$cfg-sparse--base/findings") findings, series $(wc -l < "$OUT/build/$cfg-sparse/findings")"
	if [ -n "$new" ]; then
		echo "$cfg: findings the series adds:"
		echo "$new" | sed 's/^/    /'
		fail=1
	fi
done
[ $fail = 0 ] || die "W=1/sparse: the series adds findings (logs: $OUT/build/*-sparse/sparse.log)"
say "W=1/sparse: no finding that the base does not have"
