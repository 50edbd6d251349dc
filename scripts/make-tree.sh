#!/bin/sh
# Make a git tree of the base and apply the series to it with git am.
#   make-tree.sh [--base] [DIR]
# DIR defaults to the harness-owned tree out/src. The base commit is
# deterministic, so base-commit: lines in patches/ match on every machine.
# With --base the tree is left at the unpatched base.
. "$(dirname "$0")/lib.sh"

only_base=0
[ "${1:-}" = --base ] && { only_base=1; shift; }
dir=${1:-$SRC}

if [ ! -d "$dir/.git" ]; then
	tarball=$("$TOP/scripts/get-base.sh") || exit 1
	say "unpacking $(basename "$tarball") into $dir"
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 ||
		die "cannot unpack $tarball"
	# Debian's tarball ends its top-level .gitignore with a packaging
	# rule that ignores everything at the top level ("/*", "!/debian/").
	# Drop that block so the tree behaves like upstream: without this,
	# "git add" silently ignores every new file.
	gi=$dir.tmp/.gitignore
	awk '/^# Debian packaging: ignore everything/ {exit} {print}' "$gi" |
		tac | awk 'kept || !/^#?$/ {kept = 1; print}' | tac > "$gi.new" &&
		mv "$gi.new" "$gi"
	(
		cd "$dir.tmp" && git init -q -b series . &&
		git config user.name "${GIT_AUTHOR_NAME:-$(git config --global user.name || echo harness)}" &&
		git config user.email "${GIT_AUTHOR_EMAIL:-$(git config --global user.email || echo harness@localhost)}" &&
		git add -A && [ -n "$(git diff --cached --name-only -- Makefile)" ] &&
		GIT_AUTHOR_NAME=base GIT_AUTHOR_EMAIL=base@localhost \
		GIT_COMMITTER_NAME=base GIT_COMMITTER_EMAIL=base@localhost \
		GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
		git commit -q -m "$BASE_PKG $BASE_VERSION" \
			-m "Debian's tarball with the packaging block of the top-level .gitignore removed." &&
		git tag base
	) || die "cannot make the base commit in $dir.tmp"
	mv "$dir.tmp" "$dir"
fi

cd "$dir" || exit 1
git rev-parse -q --verify base >/dev/null || die "$dir has no 'base' tag: not a harness tree"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "$dir has uncommitted changes; commit or stash them first (git -C $dir status)"

patches=$(ls "$PATCHES"/*.patch 2>/dev/null | grep -v '/0000-cover-letter.patch$')
want=$(if [ $only_base = 1 ]; then echo base; else cat /dev/null $patches | sha256sum; fi)
have=$(cat .git/harness-applied 2>/dev/null)
if [ "$want" = "$have" ] && [ "$(git rev-parse HEAD)" = "$(cat .git/harness-head 2>/dev/null)" ]; then
	exit 0		# nothing changed: keep mtimes, keep the build incremental
fi

git am --abort >/dev/null 2>&1
git checkout -q -B series base || die "cannot check out base in $dir"
rm -f .git/harness-applied
if [ $only_base = 0 ] && [ -n "$patches" ]; then
	for p in $patches; do
		if ! git am -q --whitespace=nowarn "$p" >"$OUT/am.log" 2>&1; then
			echo "error: patch does not apply: $p" >&2
			sed 's/^/    /' "$OUT/am.log" >&2
			git am --show-current-patch=diff 2>/dev/null |
				awk '/^@@/ {n++} n>=1 && n<=3' | head -40 | sed 's/^/    | /' >&2
			git am --abort >/dev/null 2>&1
			git checkout -q -B series base
			exit 1
		fi
	done
fi
echo "$want" > .git/harness-applied
git rev-parse HEAD > .git/harness-head
