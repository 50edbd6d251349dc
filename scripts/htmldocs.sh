#!/bin/sh
# Documentation gate: build the HTML of the books the series changes
# (arch/x86: the entry frame; core-api: PKS) with Debian's Sphinx, in the
# base and in the series, and fail on any warning the series adds
# (compared file by file, line numbers aside).
#   htmldocs.sh [BOOK...]   (default arch/x86 core-api)
# Trees: out/src (series) and out/src-base (base), as for scripts/sparse.sh;
# output in out/docs/{base,series}.
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- arch/x86 core-api
# Debian's Sphinx, not a python3 that another PATH entry may put first.
PATH=/usr/bin:$PATH
command -v sphinx-build >/dev/null || die "Sphinx is not installed (scripts/deps.sh)"
base_src=$OUT/src-base
[ -d "$base_src/.git" ] || "$TOP/scripts/make-tree.sh" --base "$base_src" >/dev/null || exit 1
git -C "$SRC" rev-parse -q --verify base >/dev/null || die "no series tree in $SRC (scripts/make-tree.sh)"

for variant in base series; do
	if [ $variant = base ]; then src=$base_src; else src=$SRC; fi
	o=$OUT/docs/$variant
	mkdir -p "$o"
	say "htmldocs ($*), $variant"
	make -C "$src" O="$o" SPHINXDIRS="$*" htmldocs > "$o/htmldocs.log" 2>&1 ||
		{ tail -20 "$o/htmldocs.log" >&2; die "make htmldocs failed for the $variant (log: $o/htmldocs.log)"; }
	# "path:line: WARNING: text", with the tree's path and the line cut.
	grep -E '(WARNING|ERROR|CRITICAL|SEVERE|warning):' "$o/htmldocs.log" |
		sed -E -e "s|$src/||g" -e 's/:[0-9]+: /: /' | sort -u > "$o/findings"
done
new=$(comm -13 "$OUT/docs/base/findings" "$OUT/docs/series/findings")
echo "htmldocs: base $(wc -l < "$OUT/docs/base/findings") warnings, series $(wc -l < "$OUT/docs/series/findings")"
if [ -n "$new" ]; then
	echo "htmldocs: warnings the series adds:"
	echo "$new" | sed 's/^/    /'
	die "htmldocs: the series adds warnings (log: $OUT/docs/series/htmldocs.log)"
fi
for page in arch/x86/entry_64.html core-api/protection-keys.html; do
	[ -f "$OUT/docs/series/Documentation/output/$page" ] ||
		die "htmldocs: $page was not built"
done
say "htmldocs: no new warnings; the entry frame and PKS pages built"
