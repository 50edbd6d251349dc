#!/bin/sh
# checkpatch.pl --strict on every patch in patches/ (the cover letter
# aside): no ERROR, and a CHECK or WARNING only where checkpatch-allow.txt
# gives its reason ("PATCH-FILE [WARNING:]TYPE reason", one a line; a
# WARNING only for a false positive that the reason explains).
# Prints one line per patch and "N passed, N failed".
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/make-tree.sh" >/dev/null 2>&1 ||
	[ -x "$SRC/scripts/checkpatch.pl" ] || die "no base tree for checkpatch.pl"
allow=$TOP/checkpatch-allow.txt
pass=0 fail=0
for p in "$PATCHES"/*.patch; do
	[ -f "$p" ] || continue
	name=$(basename "$p")
	[ "$name" = 0000-cover-letter.patch ] && continue
	# Debian's python3 (with python3-ply, for the SPDX check), not
	# whatever python3 comes first in PATH.
	out=$(cd "$SRC" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --show-types --no-summary \
		--ignore FILE_PATH_CHANGES "$p" 2>&1)
	bad=$(echo "$out" | grep -E '^ERROR:' )
	# The allow list names a CHECK by its type, a WARNING as WARNING:TYPE.
	listed=$(echo "$out" | sed -n -e 's/^CHECK:\([A-Z_]*\):.*/\1/p' \
		-e 's/^\(WARNING:[A-Z_]*\):.*/\1/p' | sort -u)
	for t in $listed; do
		grep -q "^$name $t " "$allow" 2>/dev/null ||
			bad="$bad
$t not in checkpatch-allow.txt"
	done
	added=$(awk '/^--- \/dev\/null$/ { getline; sub(/^\+\+\+ b\//, ""); print }' "$p")
	for f in $added; do
		# A maintainer from an entry of MAINTAINERS, not a fallback
		# to the file's git history or to "THE REST".
		(cd "$SRC" && perl scripts/get_maintainer.pl --no-git --no-git-fallback -f "$f" 2>/dev/null) |
			grep -q '(maintainer:' ||
			bad="$bad
$f: not covered by MAINTAINERS"
	done
	if [ -n "$(echo "$bad" | grep .)" ]; then
		echo "FAIL $name"
		echo "$out" | sed 's/^/    /'
		fail=$((fail + 1))
	else
		echo "ok   $name"
		pass=$((pass + 1))
	fi
done
echo "checkpatch: $pass passed, $fail failed"
[ $fail = 0 ]
