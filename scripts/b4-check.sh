#!/bin/sh
# Check that b4 (Debian's 0.12) takes the series as a maintainer would:
# "b4 am" on the mbox of patches/ writes an .mbx that "git am" applies to
# the base, one commit per patch. Works in a scratch clone of out/src.
#   b4-check.sh
. "$(dirname "$0")/lib.sh"

command -v b4 >/dev/null || die "b4 is not installed (scripts/deps.sh)"
git -C "$SRC" rev-parse -q --verify base >/dev/null || die "no tree in $SRC (scripts/make-tree.sh)"
w=$OUT/b4-check
rm -rf "$w" && mkdir -p "$w/home" || exit 1
# b4 signs off what it writes: without an identity it exits silently.
export HOME=$w/home XDG_CONFIG_HOME=$w/home/.config GIT_CONFIG_NOSYSTEM=1
git config --global user.name "b4 check" && git config --global user.email b4-check@example.invalid
cat "$PATCHES"/*.patch > "$w/series.mbox"
git clone -q --shared "$SRC" "$w/tree" && git -C "$w/tree" checkout -q --detach base || exit 1
# The mbox on stdin: b4 0.12 trips over folded From: lines in a file
# given with -m FILE, not in one read from stdin.
(cd "$w/tree" && b4 am -C -m - -o "$w" -n series.mbx < "$w/series.mbox") > "$w/b4.log" 2>&1
# b4 exits 0 when it found no patches: what counts is the .mbx it wrote.
[ -s "$w/series.mbx" ] || { cat "$w/b4.log" >&2; die "b4 am wrote no mbox"; }
git -C "$w/tree" am -q "$w/series.mbx" > "$w/am.log" 2>&1 ||
	{ cat "$w/am.log" >&2; die "git am of b4's mbox failed"; }
n=$(ls "$PATCHES"/*.patch | grep -vc '/0000-cover-letter.patch$')
[ "$(git -C "$w/tree" rev-list --count base..HEAD)" = "$n" ] || die "b4's mbox does not give $n commits"
say "b4: 'b4 am' takes the series: $n patches applied on the base"
