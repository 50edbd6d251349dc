#!/bin/sh
# Regenerate patches/ from a dev tree's commits base..series.
#   format-series.sh [DIR]   (default: out/dev)
# The cover letter comes from the branch description
# (git -C DIR branch --edit-description series).
. "$(dirname "$0")/lib.sh"

dir=${1:-$OUT/dev}
git -C "$dir" rev-parse -q --verify base >/dev/null || die "$dir is not a dev tree (no tag base)"
[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
	die "$dir has uncommitted changes: commit them first"
n=$(git -C "$dir" rev-list --count base..series)
[ "$n" -gt 0 ] || die "no commits above base in $dir"
git -C "$dir" config branch.series.description >/dev/null ||
	die "no cover letter: git -C $dir branch --edit-description series"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$dir" -c core.abbrev=12 format-patch -q -o "$tmp" --cover-letter --cover-from-description=subject \
	--base=base --no-signature --zero-commit base..series || die "format-patch failed"
rm -f "$TOP"/patches/*.patch
cp "$tmp"/*.patch "$TOP/patches/"
say "wrote $(ls "$TOP"/patches/*.patch | wc -l) files to patches/ ($n patches and the cover letter)"
