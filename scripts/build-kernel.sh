#!/bin/sh
# Configure and build a kernel from a source tree.
#   build-kernel.sh CONFIG SRCDIR BUILDDIR
# CONFIG names configs/CONFIG.config. The config is tinyconfig plus that
# fragment; every option the fragment asks for is checked afterwards.
# The build fails on any objtool line and on any compiler warning.
. "$(dirname "$0")/lib.sh"

cfg=$1 src=$2 build=$3
frag=$TOP/configs/$cfg.config
[ -f "$frag" ] || die "no config fragment $frag"
# x86_64-allentry (compile coverage), x86_64-bench (the benchmark's guest,
# without the debugging options) and x86_64-stress (the stress run's, with
# KASAN) build on top of the guest's fragment. The named fragment comes
# last, so that it has the last word.
case $cfg in
	x86_64-allentry|x86_64-bench|x86_64-stress) frags=$TOP/configs/x86_64-qemu.config ;;
	*) frags= ;;
esac
# The first word of the config's name says the architecture; riscv64 and
# s390x are cross-built with Debian's cross compilers (scripts/deps.sh).
cross=
case $cfg in
	i386*) arch=i386 ;;
	riscv64*) arch=riscv cross=riscv64-linux-gnu- ;;
	s390x*) arch=s390 cross=s390x-linux-gnu- ;;
	*) arch=x86_64 ;;
esac
# The series' frame check, once the tree has it for this architecture.
case $arch in x86_64|i386) kdir=x86 ;; *) kdir=$arch ;; esac
grep -q 'select HAVE_EXTENDED_PT_REGS' "$src/arch/$kdir/Kconfig" &&
	frags="$frags $TOP/configs/extended-pt-regs.config"
# PKS (64-bit only) and its tests, once the tree has them.
if [ $arch = x86_64 ]; then
	grep -q '^config X86_PKS$' "$src/arch/x86/Kconfig" &&
		frags="$frags $TOP/configs/x86_64-pks.config"
	grep -q '^config PKS_TEST$' "$src/arch/x86/Kconfig.debug" &&
		frags="$frags $TOP/configs/x86_64-pks-test.config"
fi
frags="$frags $frag"

mkdir -p "$build"
src=$(cd "$src" && pwd) build=$(cd "$build" && pwd)
export CCACHE_BASEDIR=$src
kmake() {
	make -s -C "$src" O="$build" ARCH=$arch CROSS_COMPILE=$cross \
		CC="ccache ${cross}gcc" -j"$(nproc)" "$@"
}

# Reconfigure only when the fragment changed (keeps builds incremental).
stamp=$build/.harness-config
want=$(cat $frags "$0" | sha256sum)
if [ ! -f "$build/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "configuring $cfg"
	kmake tinyconfig >/dev/null &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" $frags >/dev/null &&
	kmake olddefconfig || die "configuring $cfg failed"

	# As for merge_config.sh, the last fragment to name an option wins.
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
		echo "error: options in configs/$cfg.config did not stick (unmet dependencies?):" >&2
		echo "$bad" | sed 's/^/    /' >&2
		exit 1
	fi
	echo "$want" > "$stamp"
fi

say "building $cfg kernel in $build"
log=$build/build.log
kmake > "$log" 2>&1
rc=$?
if grep -q 'objtool' "$log"; then
	echo "error: objtool reported:" >&2; grep 'objtool' "$log" | head -20 >&2; exit 1
fi
if grep -q 'warning:' "$log"; then
	echo "error: the build printed warnings:" >&2; grep -A3 'warning:' "$log" | head -40 >&2; exit 1
fi
[ $rc = 0 ] || { tail -30 "$log" >&2; die "kernel build failed (log: $log)"; }
