#!/bin/sh
# Build the kernel at every patch of the series and name the first patch
# that does not build (or warns, or makes objtool speak).
#   bisect-build.sh [--boot] [CONFIG...]
#     (default: every guest of guests.tsv)
# --boot: also boot x86_64-qemu at every patch and run all the selftests
# (those of the whole series, as ./run does; they must have been built by
# a ./run first), judged like ./run: every step keeps the selftests green.
# Incremental: each step rebuilds what the patch touched, with ccache.
# PATCHES, SRC and BUILDS (default out/build) may name other places.
. "$(dirname "$0")/lib.sh"

boot=0
[ "${1:-}" = --boot ] && { boot=1; shift; }
configs=${*:-$(guests)}
if [ $boot = 1 ]; then
	[ -f "$OUT/selftests/x86/tests.list" ] ||
		die "--boot needs the selftests: run ./run once first"
	case " $configs " in *" x86_64-qemu "*) ;; *) configs="x86_64-qemu $configs" ;; esac
fi
"$TOP/scripts/make-tree.sh" || exit 1
trap 'git -C "$SRC" checkout -q series' EXIT

n=0
for c in $(git -C "$SRC" rev-list --reverse base..series); do
	n=$((n + 1))
	patch=$(ls "$PATCHES"/*.patch | grep -v '/0000-cover-letter.patch$' | sed -n "${n}p")
	git -C "$SRC" checkout -q "$c" || die "cannot check out $c"
	for cfg in $configs; do
		if ! "$TOP/scripts/build-kernel.sh" "$cfg" "$SRC" "${BUILDS:-$OUT/build}/$cfg" >/dev/null; then
			echo "FAIL $(basename "$patch") ($cfg)"
			exit 1
		fi
	done
	if [ $boot = 1 ]; then
		log=$OUT/logs/bisect-$(basename "$patch" .patch).txt
		if ! "$TOP/run" --no-build > "$log" 2>&1; then
			echo "FAIL $(basename "$patch") (boot and selftests on x86_64-qemu; $log)"
			tail -15 "$log" | sed 's/^/    /'
			exit 1
		fi
	fi
	echo "ok   $(basename "$patch") ($configs$([ $boot = 1 ] && echo ", booted"))"
done
