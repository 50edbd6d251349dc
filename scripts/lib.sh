# Shared settings for the harness scripts; sourced, never run.
# Everything generated lives below $OUT (ignored by git).
# The repo's top: the two commands live there, the steps in scripts/,
# the benchmark's in bench/, the tests' in tests/.
TOP=$(cd "$(dirname "$0")" && pwd)
case $TOP in */scripts|*/bench|*/tests) TOP=${TOP%/*} ;; esac
OUT=${OUT:-$TOP/out}
. "$TOP/base/base.conf"
SRC=${SRC:-$OUT/src}		# harness-owned git tree: base (+ series)
PATCHES=${PATCHES:-$TOP/patches}	# the series; another directory for tests of the gates

die() { echo "error: $*" >&2; exit 1; }
say() { echo "== $*"; }

# Run a command as root: directly when we are root, else with sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
