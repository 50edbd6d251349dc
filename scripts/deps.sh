#!/bin/sh
# Install the Debian packages the harness needs (idempotent), then check
# that every external command the harness and the kselftest build call is
# there, so that a missing one is named at the start, not 10 minutes in.
#
# What it changes on the machine, besides installing packages:
#   - /etc/apt/sources.list.d/harness-bookworm-backports.list, the one
#     line "deb http://deb.debian.org/debian bookworm-backports main"
#     (QEMU 10.0 is there); backports are pinned low by Debian, so only
#     the packages asked for with -t come from it. Nothing else is added:
#     the Debian 13 base package and other architectures' busybox are
#     fetched through a package list private to the harness (lib.sh's
#     papt), and the LoongArch toolchain root is made with debootstrap.
. "$(dirname "$0")/lib.sh"

# sparse, Sphinx (with the theme and PyYAML that the kernel's docs build
# wants) and b4: the submission gates (scripts/gates.sh). socat: the
# stress run sends NMIs to the guest through QEMU's monitor socket.
# rsync: kselftest's "make install". debootstrap: the fresh-root check.
#
# gcc-12-multilib, not gcc-multilib: the metapackage conflicts with
# Debian's cross compilers, gcc-12-multilib (what -m32 needs) does not.
PKGS="build-essential bc bison flex libelf-dev libssl-dev ccache cpio file
      busybox-static gcc-12-multilib libc6-dev-i386 git xz-utils kmod
      python3 perl python3-ply python3-git rsync util-linux
      gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
      gcc-s390x-linux-gnu libc6-dev-s390x-cross
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
      gcc-powerpc-linux-gnu libc6-dev-powerpc-cross
      sparse python3-sphinx python3-sphinx-rtd-theme python3-yaml b4 socat
      debootstrap"
# QEMU 10.0, from bookworm-backports (every guest runs on it).
QEMU_PKGS="qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-misc"
QEMU_VERSION=1:10.0

# The commands the scripts run; each comes from a package above (or from
# Debian's essential set).
CMDS="make gcc ccache bc bison flex cpio gzip xz tar git python3 perl rsync flock
      file awk sed find sha256sum timeout dpkg-deb apt-get debootstrap b4 socat sparse
      riscv64-linux-gnu-gcc s390x-linux-gnu-gcc aarch64-linux-gnu-gcc
      powerpc64le-linux-gnu-gcc powerpc-linux-gnu-gcc
      qemu-system-x86_64 qemu-system-i386 qemu-system-aarch64 qemu-system-ppc64
      qemu-system-ppc qemu-system-riscv64 qemu-system-s390x"

mkdir -p "$OUT"
installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | grep 'ok installed'; }
missing= qmissing=
for p in $PKGS; do installed "$p" >/dev/null || missing="$missing $p"; done
for p in $QEMU_PKGS; do
	installed "$p" | grep -q " $QEMU_VERSION" || qmissing="$qmissing $p"
done

if [ -n "$missing$qmissing" ]; then
	[ "$(id -u)" = 0 ] || command -v sudo >/dev/null ||
		die "packages missing:$missing$qmissing; run as root (or install sudo)"
	export DEBIAN_FRONTEND=noninteractive
	bpo=/etc/apt/sources.list.d/harness-bookworm-backports.list
	if [ -n "$qmissing" ] && ! grep -rqs '^deb .* bookworm-backports ' /etc/apt/sources.list /etc/apt/sources.list.d/ &&
	   ! grep -rqs '^Suites:.*bookworm-backports' /etc/apt/sources.list.d/; then
		say "adding bookworm-backports to apt ($bpo), for QEMU 10.0"
		echo "deb http://deb.debian.org/debian bookworm-backports main" | as_root tee "$bpo" >/dev/null
	fi
	say "apt-get update"
	as_root apt-get update -q > "$OUT/apt-update.log" 2>&1 ||
		echo "warning: apt-get update reported errors (log: $OUT/apt-update.log); trying the install anyway" >&2
	if [ -n "$missing" ]; then
		say "installing:$missing"
		# shellcheck disable=SC2086
		as_root apt-get install -y -q --no-install-recommends $missing > "$OUT/apt-install.log" 2>&1 ||
			{ tail -20 "$OUT/apt-install.log" >&2; die "apt-get install failed; install by hand:$missing"; }
	fi
	if [ -n "$qmissing" ]; then
		say "installing from bookworm-backports:$qmissing"
		# shellcheck disable=SC2086
		as_root apt-get install -y -q --no-install-recommends -t bookworm-backports $qmissing \
			> "$OUT/apt-install.log" 2>&1 ||
			{ tail -20 "$OUT/apt-install.log" >&2; die "apt-get install -t bookworm-backports failed:$qmissing"; }
	fi
fi

absent=
for c in $CMDS; do command -v "$c" >/dev/null || absent="$absent $c"; done
[ -z "$absent" ] || die "commands missing after the install:$absent"
exit 0
