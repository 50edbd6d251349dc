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

# guest NAME: load row NAME of guests.tsv into G_NAME, G_ARCH, G_CROSS,
# G_IMAGE, G_USERLAND, G_DEBARCH, G_QEMU, G_CPU, G_APPEND, G_EXTENDS
# ("-" becomes empty), G_KST (the kselftests of a kst row, space-separated)
# and G_KDIR (arch/G_KDIR in the source tree).
guest() {
	_row=$(awk -F'|' -v n="$1" '!/^#/ { x = $1; gsub(/ /, "", x); if (x == n) { print; exit } }' \
		"$TOP/guests.tsv")
	[ -n "$_row" ] || die "no guest or config '$1' in guests.tsv (guests: $(guests | tr '\n' ' '))"
	_old=$IFS; IFS='|'
	# shellcheck disable=SC2086
	set -- $_row
	IFS=$_old
	_f() { _v=$(echo $1); [ "$_v" = - ] && _v=; echo "$_v"; }
	G_NAME=$(_f "$1") G_ARCH=$(_f "$2") G_CROSS=$(_f "$3") G_IMAGE=$(_f "$4")
	G_USERLAND=$(_f "$5") G_DEBARCH=$(_f "$6") G_QEMU=$(_f "$7") G_CPU=$(_f "$8")
	G_APPEND=$(_f "$9") G_EXTENDS=$(_f "${10}")
	G_KST=
	case $G_USERLAND in kst:*) G_KST=$(echo "${G_USERLAND#kst:}" | tr ',' ' '); G_USERLAND=kst ;; esac
	case $G_ARCH in x86_64|i386) G_KDIR=x86 ;; *) G_KDIR=$G_ARCH ;; esac
}
# guests: the names of the bootable guests, in table order.
guests() {
	awk -F'|' '!/^#/ && NF > 1 { n = $1; q = $7; gsub(/ /, "", n); gsub(/ /, "", q); if (q != "-") print n }' \
		"$TOP/guests.tsv"
}

# papt SUITE ARCH CMD ARGS...: run apt-get or apt-cache (CMD) with a
# package list private to the harness: SUITE of $DEBIAN_MIRROR, for
# architecture ARCH, kept in $OUT/apt/SUITE-ARCH. Only for downloads:
# nothing is installed, and the machine's own apt sources, lists and
# dpkg architectures are not touched. "papt SUITE ARCH update" first.
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
papt() {
	_d=$OUT/apt/$1-$2 _arch=$2 _cmd=$3
	mkdir -p "$_d/lists/partial" "$_d/cache/archives/partial"
	echo "deb [arch=$2 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $1 main" \
		> "$_d/sources.list"
	shift 3
	"$_cmd" -q -o Dir::Etc::SourceList="$_d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
		-o Dir::State::Lists="$_d/lists" -o Dir::State::Status=/dev/null \
		-o Dir::Cache="$_d/cache" -o APT::Architecture="$_arch" -o APT::Architectures="$_arch" \
		-o APT::Sandbox::User=root "$@"
}
