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

# To: the maintainers of what the series touches, Cc: its reviewers and
# lists, as scripts/get_maintainer.pl says from the series' MAINTAINERS.
git -C "$dir" format-patch -q -o "$tmp/plain" base..series || die "format-patch failed"
who() {
	(cd "$dir" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
		"$@" "$tmp"/plain/*.patch) || die "get_maintainer.pl failed"
}
to=$(who --m --no-r --no-l) && cc=$(who --no-m --r --l) || exit 1
# One --to/--cc per address (git folds the header); nobody twice.
set --
while IFS= read -r a; do set -- "$@" --to="$a"; done <<EOF
$to
EOF
echo "$cc" | grep -vxF "$to" > "$tmp/cc"
while IFS= read -r a; do set -- "$@" --cc="$a"; done < "$tmp/cc"
rm -rf "$tmp/plain"

# Threaded, so that every message has a Message-Id (b4 needs them). The
# same commits give the same files: the cover letter's date is the tip's
# commit date, and the time that --thread puts into each Message-Id is
# pinned to it too.
cdate=$(git -C "$dir" log -1 --format=%cI series) ct=$(git -C "$dir" log -1 --format=%ct series)
GIT_COMMITTER_DATE=$cdate git -C "$dir" -c core.abbrev=12 format-patch -q -o "$tmp" \
	--cover-letter --cover-from-description=subject --thread=shallow \
	--base=base --no-signature --zero-commit "$@" base..series ||
	die "format-patch failed"
sed -i -E "1,/^\$/s/^((Message-Id|In-Reply-To|References): <[^.>]+)\.[0-9]+\.git\./\1.$ct.git./" \
	"$tmp"/*.patch || die "cannot pin the Message-Ids"
mkdir -p "$TOP/patches" && rm -f "$TOP"/patches/*.patch
cp "$tmp"/*.patch "$TOP/patches/"
say "wrote $(ls "$TOP"/patches/*.patch | wc -l) files to patches/ ($n patches and the cover letter)"
