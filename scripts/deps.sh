#!/bin/sh
# Install the Debian packages the harness needs (idempotent).
. "$(dirname "$0")/lib.sh"

# sparse, Sphinx (with the theme and PyYAML that the kernel's docs build
# wants) and b4: the submission gates (scripts/gates.sh). socat: the
# stress run sends NMIs to the guest through QEMU's monitor socket.
#
# gcc-12-multilib, not gcc-multilib: the metapackage conflicts with
# Debian's cross compilers, gcc-12-multilib (what -m32 needs) does not.
PKGS="build-essential bc bison flex libelf-dev libssl-dev ccache cpio
      busybox-static qemu-system-x86 gcc-12-multilib libc6-dev-i386 git
      xz-utils kmod python3 perl python3-ply python3-git
      gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc opensbi
      gcc-s390x-linux-gnu libc6-dev-s390x-cross
      sparse python3-sphinx python3-sphinx-rtd-theme python3-yaml b4 socat"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

say "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# An index that fails to update (a mirror mid-sync) need not stop us: the
# install below says so if a package cannot be had.
as_root apt-get update -q >/dev/null 2>&1 ||
	echo "warning: apt-get update reported errors; trying the install anyway" >&2
# shellcheck disable=SC2086
as_root apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	die "apt-get install failed; install by hand:$missing"
