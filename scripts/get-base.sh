#!/bin/sh
# Download the pinned base package and verify its tarball.
# Prints the path of the verified tarball.
# BASE_NEWEST=1: if the pinned version is gone, take the newest one served
# (its hash cannot be checked against the pin; a warning says so).
. "$(dirname "$0")/lib.sh"

dl=$OUT/dl
tarball=$dl/$BASE_PKG-$BASE_VERSION.tar.xz
if [ -f "$tarball" ]; then echo "$tarball"; exit 0; fi
mkdir -p "$dl"

version=$BASE_VERSION
if ! apt-cache show "$BASE_PKG=$version" >/dev/null 2>&1; then
	as_root apt-get update -q >/dev/null 2>&1
fi
if ! apt-cache show "$BASE_PKG=$version" >/dev/null 2>&1; then
	if [ "${BASE_NEWEST:-0}" != 1 ]; then
		echo "error: $BASE_PKG version $version is no longer served by the Debian archive." >&2
		echo "       Served: $(apt-cache madison "$BASE_PKG" | awk '{print $3}' | tr '\n' ' ')" >&2
		echo "       Re-run with BASE_NEWEST=1 to try the newest one (unverified)." >&2
		exit 1
	fi
	version=$(apt-cache madison "$BASE_PKG" | awk 'NR==1 {print $3}')
	[ -n "$version" ] || die "no $BASE_PKG in the archive at all"
	echo "warning: using $BASE_PKG $version instead of the pinned $BASE_VERSION (hash not checked)" >&2
fi

tmp=$(mktemp -d "$dl/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"	# apt-get download runs as _apt when it can
(cd "$tmp" && apt-get download -q "$BASE_PKG=$version" >/dev/null 2>&1) ||
	die "apt-get download $BASE_PKG=$version failed"
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
