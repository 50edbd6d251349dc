#!/bin/sh
# The fresh-machine check: in a minimal Debian 12 root, made with
# debootstrap and cached as a tarball under out/, scripts/deps.sh must
# install what the harness needs (and itself check every command the
# harness calls), and the x86 kselftests must then build and install (the
# step that once failed for want of rsync). A green ./run on a developer's
# machine cannot show this: what was installed by hand is there.
#   tests/fresh-root.sh [DEPS.SH]   (default scripts/deps.sh)
# The root's tarball and the packages it downloads are kept outside the
# clone, in ~/.cache/extended-pt-regs-harness (like ccache's cache), so
# that a clean clone (CI's) does not run debootstrap and download them
# again; remove that directory to start from nothing.
cd "$(dirname "$0")/.." || exit 1
. scripts/lib.sh
deps=${1:-scripts/deps.sh}
[ "$(id -u)" = 0 ] || die "the fresh-root check needs root (debootstrap, chroot)"

keep=${XDG_CACHE_HOME:-$HOME/.cache}/extended-pt-regs-harness
mkdir -p "$keep" || die "cannot make $keep"
cache=$keep/fresh-root.tar root=$OUT/fresh-root debs=$keep/fresh-root-debs
if [ ! -f "$cache" ]; then
	say "debootstrap: a minimal Debian 12 root (once; cached in $cache)"
	rm -rf "$root.tmp"
	debootstrap --variant=minbase bookworm "$root.tmp" http://deb.debian.org/debian \
		> "$OUT/debootstrap.log" 2>&1 ||
		{ tail -20 "$OUT/debootstrap.log" >&2; die "debootstrap failed (log: $OUT/debootstrap.log)"; }
	tar -C "$root.tmp" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache" && rm -rf "$root.tmp" ||
		die "cannot cache the root"
fi

cleanup() {
	for m in "$root/src" "$root/var/cache/apt/archives" "$root/dev" "$root/proc"; do
		mountpoint -q "$m" && umount -l "$m"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cleanup
rm -rf "$root" && mkdir -p "$root" "$debs" && tar -C "$root" -xf "$cache" || die "cannot unpack $cache"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The harness as a clean clone has it: the files git tracks.
mkdir -p "$root/harness" "$root/src"
git ls-files -z | xargs -0 tar -cf - | tar -C "$root/harness" -xf - || die "cannot copy the harness"
cp "$deps" "$root/harness/scripts/deps.sh"
mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" &&
	mount --bind "$debs" "$root/var/cache/apt/archives" &&
	mount --bind -o ro "$SRC" "$root/src" || die "cannot mount into $root"
# Keep what apt downloads (Debian's docker-style images delete it).
rm -f "$root/etc/apt/apt.conf.d/docker-clean"

say "scripts/deps.sh in the fresh root (log: $OUT/fresh-root.log)"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	/bin/sh -c 'cd /harness && OUT=/tmp/out scripts/deps.sh &&
		echo "== x86 kselftests in the fresh root" &&
		OUT=/tmp/out scripts/build-selftests.sh x86_64-qemu /src /tmp/out/selftests/x86' \
	> "$OUT/fresh-root.log" 2>&1
rc=$?
grep -E '^(==|error)' "$OUT/fresh-root.log"
[ $rc = 0 ] || { tail -15 "$OUT/fresh-root.log" >&2; die "the fresh root failed (log: $OUT/fresh-root.log)"; }
say "fresh root: every package and command there; the x86 kselftests built"
