#!/bin/sh
# kernel-doc gate: on every C file the series adds or changes,
# "scripts/kernel-doc -none -Wall" must report nothing that the base's
# version of the file does not already report (compared file by file,
# line numbers aside), and every function the series exports must have a
# kernel-doc comment.
#   kernel-doc.sh [SRC]   (default out/src: the base with the series, tag base)
. "$(dirname "$0")/lib.sh"

src=$(cd "${1:-$SRC}" && pwd) || exit 1
git -C "$src" rev-parse -q --verify base >/dev/null || die "$src has no tag base (scripts/make-tree.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The warnings of one file, without its name and line numbers: both
# "FILE:LINE: text" and 7.3's "Warning: FILE:LINE text".
strip() {
	sed -E -e 's/^[^: ]*:[0-9]+: //' -e 's/^(Warning|Error): [^ ]*:[0-9]+ /\1: /' | sort
}
warnings() {
	(cd "$src" && perl scripts/kernel-doc -none -Wall "$1" 2>&1) | strip
}

fail=0 n=0
for f in $(git -C "$src" diff --name-only --diff-filter=AM base HEAD -- '*.c' '*.h'); do
	n=$((n + 1))
	warnings "$f" > "$tmp/new"
	: > "$tmp/old"
	if git -C "$src" cat-file -e "base:$f" 2>/dev/null; then
		mkdir -p "$tmp/base/$(dirname "$f")"
		git -C "$src" show "base:$f" > "$tmp/base/$f"
		(cd "$tmp/base" && perl "$src/scripts/kernel-doc" -none -Wall "$f" 2>&1) |
			strip > "$tmp/old"
	fi
	added=$(comm -13 "$tmp/old" "$tmp/new")
	if [ -n "$added" ]; then
		echo "kernel-doc: $f: new warnings:"
		echo "$added" | sed 's/^/    /'
		fail=1
	fi
done

# Exported by the series: documented where it is defined.
for sym in $(git -C "$src" diff base HEAD | sed -n 's/^+EXPORT_SYMBOL[_A-Z]*(\([a-z0-9_]*\));/\1/p'); do
	file=$(git -C "$src" grep -l "^EXPORT_SYMBOL[_A-Z]*($sym);" HEAD -- '*.c' | sed 's/^HEAD://')
	(cd "$src" && perl scripts/kernel-doc -rst -function "$sym" $file 2>/dev/null) |
		grep -q "^\.\. c:function::" || { echo "kernel-doc: $sym is exported by the series but has no kernel-doc comment ($file)"; fail=1; }
done

[ $fail = 0 ] || die "kernel-doc found new warnings or undocumented exports"
say "kernel-doc: $n files the series touches: no new warnings; its exports are documented"
