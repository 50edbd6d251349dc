#!/bin/sh
# Make a writable git work tree of base + series for development.
#   dev-tree.sh [DIR]        (default: out/dev)
# The series is applied as commits on branch "series" above the tag "base";
# the cover letter's text becomes the branch description, which
# format-series.sh turns back into patches/0000-cover-letter.patch.
# An existing DIR is never touched.
. "$(dirname "$0")/lib.sh"

dir=${1:-$OUT/dev}
if [ -e "$dir" ]; then
	echo "error: $dir exists; it may hold your work, so it is left alone." >&2
	echo "       Remove it yourself to start again, or name another DIR." >&2
	exit 1
fi
"$TOP/scripts/make-tree.sh" "$dir" || exit 1
rm -f "$dir/.git/harness-applied" "$dir/.git/harness-head"

cover=$TOP/patches/0000-cover-letter.patch
if [ -f "$cover" ]; then
	# Subject (unfolded, without "[PATCH 0/N]") and the body up to the
	# shortlog; git mailinfo does the header parsing.
	tmp=$(mktemp -d)
	git mailinfo "$tmp/msg" "$tmp/patch" < "$cover" > "$tmp/info" ||
		die "cannot parse $cover"
	{
		sed -n 's/^Subject: //p' "$tmp/info"
		echo
		awk '/^[^ ].*\([0-9]+\):$/ {exit} {print}' "$tmp/msg"
	} | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$tmp/description"
	git -C "$dir" config branch.series.description "$(cat "$tmp/description")"
	rm -rf "$tmp"
fi
say "dev tree ready: $dir (branch series, $(git -C "$dir" rev-list --count base..series) patches above tag base)"
echo "   edit, commit (git commit -s), then: scripts/format-series.sh $dir"
