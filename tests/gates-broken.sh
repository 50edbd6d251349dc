#!/bin/sh
# The gates must fail on broken input, and name the patch at fault:
#   1. a patch with a trailing space: checkpatch fails on that patch;
#   2. a patch that breaks the build (inserted after patch 1): the bisect
#      fails on that patch.
# Works on copies of the series, in its own tree and build directory:
# patches/, out/src and the harness's builds stay as they are.
# Prints "[ok] ..." or "[FAIL] ..." per case; exits non-zero on a FAIL.
cd "$(dirname "$0")/.." || exit 1
. scripts/lib.sh

work=$OUT/gates-broken
mkdir -p "$work"
rm -rf "$work/patches-space" "$work/patches-break"
scripts/make-tree.sh >/dev/null || die "the series does not apply"
[ -d "$work/src/.git" ] || git clone -q --shared "$SRC" "$work/src" || die "cannot clone $SRC"
# The series of today, not of the clone's day.
git -C "$work/src" fetch -q --update-head-ok "$SRC" +series:series &&
	git -C "$work/src" checkout -q -f series || die "cannot update $work/src"
export SRC=$work/src
rc=0
check() {	# check WHAT LOG PATTERN: the gate failed, and its log says PATTERN
	if [ "$1" != 0 ] && grep -q "$3" "$2"; then
		echo "[ok] $4"
	else
		echo "[FAIL] $4 (log: $2)"; sed 's/^/    /' "$2" | tail -20
		rc=1
	fi
}

# 1. A trailing space on the first line of text that the last patch adds
# (no later patch has that line as context, so the series applies).
cp -r "$PATCHES" "$work/patches-space"
victim=$(ls "$work"/patches-space/*.patch | grep -v '/0000-cover-letter.patch$' | tail -1)
[ -n "$victim" ] || die "no patch in $PATCHES"
awk 'done == 0 && /^\+[A-Za-z]/ && seen { $0 = $0 " "; done = 1 } /^\+\+\+ b\// { seen = 1 } { print }' \
	"$victim" > "$victim.new" && mv "$victim.new" "$victim"
PATCHES=$work/patches-space scripts/checkpatch.sh > "$work/space.log" 2>&1
check $? "$work/space.log" "^FAIL $(basename "$victim")" \
	"checkpatch names the patch with a trailing space ($(basename "$victim"))"

# 2. A patch after patch 1 that adds an #error to a file the series never
# touches, so that every later patch still applies.
cp -r "$PATCHES" "$work/patches-break"
first=$(git -C "$SRC" rev-list --reverse base..series | sed -n 1p)
git -C "$SRC" checkout -q --detach "$first" &&
	echo '#error "deliberately broken: tests/gates-broken.sh"' >> "$SRC/init/calibrate.c" &&
	git -C "$SRC" -c user.name=harness -c user.email=harness@localhost \
		commit -q -a -m "init: Break the build (a test of the gates)" &&
	git -C "$SRC" format-patch -q -1 --stdout > "$work/patches-break/0001a-break-the-build.patch" &&
	git -C "$SRC" checkout -q series || die "cannot make the breaking patch"
PATCHES=$work/patches-break BUILDS=$work/build scripts/bisect-build.sh x86_64-qemu > "$work/break.log" 2>&1
check $? "$work/break.log" "^FAIL 0001a-break-the-build.patch" \
	"the bisect names the patch that breaks the build (0001a-break-the-build.patch)"
exit $rc
