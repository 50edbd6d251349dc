#!/bin/sh
# Download the pinned base package and verify its tarball.
# Prints the path of the verified tarball.
# The package comes from $BASE_SUITE through apt with a package list
# private to the harness (out/apt): download only, nothing is installed
# and the machine's own apt sources are not touched.
# BASE_NEWEST=1: if the pinned version is gone, take the newest one served
# (its hash cannot be checked against the pin; a warning says so).
. "$(dirname "$0")/lib.sh"

dl=$OUT/dl
tarball=$dl/$BASE_PKG-$BASE_VERSION.tar.xz
if [ -f "$tarball" ]; then echo "$tarball"; exit 0; fi
mkdir -p "$dl"

say "fetching the package list of $BASE_SUITE (private to the harness, in $OUT/apt)" >&2
log=$OUT/apt/$BASE_SUITE.log
mkdir -p "$OUT/apt"
papt "$BASE_SUITE" amd64 apt-get update > "$log" 2>&1 ||
	{ cat "$log" >&2; die "apt-get update of $BASE_SUITE failed (log: $log)"; }

version=$BASE_VERSION
served=$(papt "$BASE_SUITE" amd64 apt-cache madison "$BASE_PKG" | awk '{print $3}')
if ! echo "$served" | grep -qxF "$version"; then
	if [ "${BASE_NEWEST:-0}" != 1 ]; then
		echo "error: $BASE_PKG version $version is no longer served by $DEBIAN_MIRROR $BASE_SUITE." >&2
		echo "       Served: $(echo $served)" >&2
		echo "       Re-run with BASE_NEWEST=1 to try the newest one (unverified)." >&2
		exit 1
	fi
	version=$(echo "$served" | head -1)
	[ -n "$version" ] || die "no $BASE_PKG in $BASE_SUITE at all"
	echo "warning: using $BASE_PKG $version instead of the pinned $BASE_VERSION (hash not checked)" >&2
fi

tmp=$(mktemp -d "$dl/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
say "downloading $BASE_PKG $version (about 170 MB)" >&2
(cd "$tmp" && papt "$BASE_SUITE" amd64 apt-get download "$BASE_PKG=$version" > "$tmp/download.log" 2>&1) ||
	{ cat "$tmp/download.log" >&2; die "apt-get download $BASE_PKG=$version failed"; }
dpkg-deb --fsys-tarfile "$tmp"/*.deb |
	tar -x -O "./usr/src/$BASE_PKG.tar.xz" > "$tmp/base.tar.xz" ||
	die "no /usr/src/$BASE_PKG.tar.xz in the package"

sum=$(sha256sum "$tmp/base.tar.xz" | cut -d' ' -f1)
if [ "$version" = "$BASE_VERSION" ] && [ "$sum" != "$BASE_SHA256" ]; then
	echo "error: sha256 mismatch for $BASE_PKG $version" >&2
	echo "       expected $BASE_SHA256" >&2
	echo "       got      $sum" >&2
	exit 1
fi
mv "$tmp/base.tar.xz" "$tarball"
echo "$tarball"
