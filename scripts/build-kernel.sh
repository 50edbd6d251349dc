#!/bin/sh
# Configure and build a kernel from a source tree.
#   build-kernel.sh CONFIG SRCDIR BUILDDIR
# CONFIG is a row of guests.tsv. The config is tinyconfig, then
# configs/common.config, the fragment of the row it extends (if any) and
# configs/CONFIG.config; every option they ask for is checked after every
# build (kbuild may drop one silently when a dependency changes). The
# build fails on any objtool line and on any warning.
. "$(dirname "$0")/lib.sh"

cfg=$1 src=$2 build=$3
guest "$cfg"
frags="$TOP/configs/common.config"
[ -n "$G_EXTENDS" ] && frags="$frags $TOP/configs/$G_EXTENDS.config"
# The series' frame check, once the tree has it and this architecture
# builds its frames inside struct extended_pt_regs.
grep -qs '^config DEBUG_EXTENDED_PT_REGS$' "$src/arch/Kconfig" &&
	grep -qs 'select HAVE_EXTENDED_PT_REGS' "$src/arch/$G_KDIR/Kconfig" &&
	frags="$frags $TOP/configs/extended-pt-regs.config"
# PKS (64-bit only) and its tests, once the tree has them.
if [ "$G_ARCH" = x86_64 ]; then
	grep -q '^config X86_PKS$' "$src/arch/x86/Kconfig" &&
		frags="$frags $TOP/configs/x86_64-pks.config"
	grep -q '^config PKS_TEST$' "$src/arch/x86/Kconfig.debug" &&
		frags="$frags $TOP/configs/x86_64-pks-test.config"
fi
frags="$frags $TOP/configs/$cfg.config"
for f in $frags; do [ -f "$f" ] || die "no config fragment $f"; done
if [ -n "$G_CROSS" ]; then
	command -v "${G_CROSS}gcc" >/dev/null || die "no ${G_CROSS}gcc (scripts/deps.sh installs it)"
fi

mkdir -p "$build"
src=$(cd "$src" && pwd) build=$(cd "$build" && pwd)
# ccache keys on paths relative to the repo's top, and not on the build
# directory: a clean clone elsewhere (CI's) hits what this one compiled.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=true
kmake() {
	make -s -C "$src" O="$build" ARCH="$G_ARCH" CROSS_COMPILE="$G_CROSS" \
		CC="ccache ${G_CROSS}gcc" -j"$(nproc)" "$@"
}

# Reconfigure only when a fragment changed (keeps builds incremental).
stamp=$build/.harness-config
want=$(cat $frags "$0" | sha256sum)
if [ ! -f "$build/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "configuring $cfg"
	rm -f "$stamp"
	# shellcheck disable=SC2086
	# Kconfig's warnings on the fragments (unknown symbols, bad values)
	# are errors; tinyconfig's own fragment is the kernel's business.
	{ kmake tinyconfig &&
	  "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" $frags &&
	  KCONFIG_WERROR=1 KCONFIG_WARN_UNKNOWN_SYMBOLS=1 kmake olddefconfig; } > "$build/config.log" 2>&1 ||
		{ tail -20 "$build/config.log" >&2; die "configuring $cfg failed (log: $build/config.log)"; }
	echo "$want" > "$stamp"
fi

# Every option asked for, as the last fragment to name it says.
check_options() {
	bad=$(cat $frags | grep -E '^(# )?CONFIG_' |
	      awk '{ o = $1 == "#" ? $2 : $1; sub(/=.*/, "", o); v[o] = $0; if (!(o in seen)) { seen[o] = 1; order[++n] = o } }
		   END { for (i = 1; i <= n; i++) print v[order[i]] }' |
	      while read -r line; do
		case $line in
		"# "*) opt=${line#\# }; opt=${opt%% *}
		       grep -q "^$opt=" "$build/.config" && echo "$opt (wanted off)" ;;
		*)     grep -qxF "$line" "$build/.config" || echo "$line" ;;
		esac
	done)
	if [ -n "$bad" ]; then
		echo "error: options of $cfg did not stick (unmet dependencies?):" >&2
		echo "$bad" | sed 's/^/    /' >&2
		rm -f "$stamp"
		exit 1
	fi
}
check_options

log=$build/build.log
say "building the $cfg kernel in $build (log: $log)"
start=$(date +%s)
# A build-only row (never booted) builds its image alone: not the boot
# wrappers and device trees of every board of the platform (BookE's
# CoreNet boards' fail on warnings of their own).
target=; [ -z "$G_USERLAND" ] && target=$(basename "$G_IMAGE")
kmake $target > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; exit 130' INT TERM HUP
# One line a minute, so that a long build shows it is moving.
next=60
while kill -0 $pid 2>/dev/null; do
	sleep 5
	t=$(( $(date +%s) - start ))
	if [ $t -ge $next ]; then
		echo "   $cfg: $((t / 60)) min, $(find "$build" -name '*.o' -newer "$stamp" 2>/dev/null | wc -l) objects built"
		next=$((next + 60))
	fi
done
wait $pid
rc=$?
trap - INT TERM HUP
if grep -q 'objtool' "$log"; then
	echo "error: objtool reported:" >&2; grep 'objtool' "$log" | head -20 >&2; exit 1
fi
if grep -qE '(^|[ :])(warning|WARNING):' "$log"; then
	echo "error: the build printed warnings:" >&2
	grep -E -A3 '(^|[ :])(warning|WARNING):' "$log" | head -40 >&2; exit 1
fi
[ $rc = 0 ] || { tail -30 "$log" >&2; die "kernel build failed (log: $log)"; }
check_options
[ -f "$build/$G_IMAGE" ] || die "the build has no $G_IMAGE"
say "built $cfg in $(( $(date +%s) - start )) s"
