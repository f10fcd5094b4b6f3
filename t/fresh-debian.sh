#!/bin/sh
# t/fresh-debian.sh [-bk] [-o root|user|optional] [WORKDIR]: the
# README's two commands on a brand-new Debian 12, followed literally,
# twice, and then the suite with every optional component:
#
#   root:  debootstrap --variant=minbase bookworm, apt-get install git
#          make, git clone into /root, make demo, make check
#   user:  the same system made anew, a new user "newcomer" clones into
#          her home and runs make demo, which stops with the one
#          apt-get line to run; root runs that line as printed; then
#          make demo and make check as that user
#   optional: the same system with every optional package of
#          share/packages, make lint and make check with
#          WHOOP_REQUIRE_ALL=1 (no test skips for want of one)
#
# Not part of make check: it needs root, debootstrap and the Debian
# archive, and takes a while (about 15 minutes on 2 cores).  It tests
# what is committed (HEAD of the tree it sits in), not the working files.
# The archive is the mirror this machine's apt already uses, read from
# /etc/apt/sources.list*.  The chroots run in a mount namespace of their
# own with /proc, /sys and a /dev of their own (devpts, /dev/shm for
# Chromium), unmounted on exit.
#
# WORKDIR (default /var/tmp/whoop-fresh-debian) keeps base/, the
# debootstrapped system with git and make, for the next run; each run
# works on a copy, removed at the end unless -k.  -b only makes base/;
# -o root, -o user or -o optional runs only that part.
# Every step is logged with its time; the log is WORKDIR/run.log.
set -eu

log() {
	_m="$(date -u +%H:%M:%S) fresh-debian: $*"
	printf '%s\n' "$_m" >&2
	{ printf '%s\n' "$_m" >&3; } 2>/dev/null || :
}
die() { log "$*"; exit 1; }

# --- inside a mount namespace of our own: $0 --inside ROOT CMD... ---------
if [ "${1:-}" = --inside ]; then
	r=$2
	shift 2
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t tmpfs -o mode=755,nosuid dev "$r/dev"
	for d in null zero full random urandom tty; do
		cp -a "/dev/$d" "$r/dev/$d"
	done
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
	ln -s /proc/self/fd "$r/dev/fd"
	ln -s /proc/self/fd/0 "$r/dev/stdin"
	ln -s /proc/self/fd/1 "$r/dev/stdout"
	ln -s /proc/self/fd/2 "$r/dev/stderr"
	st=0
	"$@" || st=$?
	# What the run left behind in the chroot (a server a failed test did
	# not stop) is ours: ended by its pid before the unmounting.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] &&
		    kill -KILL "${p#/proc/}" 2>/dev/null
	done
	sleep 1
	for m in dev/shm dev/pts dev sys proc; do
		umount "$r/$m" 2>/dev/null || umount -l "$r/$m"
	done
	exit $st
fi

only_base= keep= only=
while getopts bko: o; do
	case $o in
	b) only_base=1 ;;
	k) keep=1 ;;
	o) only=$OPTARG ;;
	*) echo "usage: $0 [-bk] [-o root|user|optional] [WORKDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/t/fresh-debian.sh
W=${1:-/var/tmp/whoop-fresh-debian}
mkdir -p "$W"
W=$(cd "$W" && pwd)
exec 3>>"$W/run.log"
log "log in $W/run.log"

# The Debian archive this machine's apt uses: the first URI whose path
# ends in /debian (not -security), from one-line or deb822 sources.
uris() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	    sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p'
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -n 's/^URIs:[[:space:]]*//p' "$f"
	done
}
mirror=$(uris | tr -s ' \t' '\n\n' | grep -E '^https?://[^[:space:]]+/debian/?$' | head -n 1)
security=$(uris | tr -s ' \t' '\n\n' | grep -E '^https?://[^[:space:]]+/debian-security/?$' | head -n 1 || :)
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*"
log "mirror $mirror${security:+, security $security}"

# chr ROOT CMD...: CMD in the chroot as root, with a plain login's environment.
chr() {
	_r=$1
	shift
	unshare --mount --propagation private sh "$self" --inside "$_r" \
	    chroot "$_r" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    SHELL=/bin/sh TERM=dumb LANG=C.UTF-8 "$@"
}
# as ROOT USER CMD...: the same as that user, in her home.
as() {
	_r=$1 _u=$2
	shift 2
	unshare --mount --propagation private sh "$self" --inside "$_r" \
	    chroot --userspec="$_u:$_u" "$_r" /usr/bin/env -i \
	    HOME="/home/$_u" USER="$_u" LOGNAME="$_u" \
	    PATH=/usr/local/bin:/usr/bin:/bin:/usr/games SHELL=/bin/sh \
	    TERM=dumb LANG=C.UTF-8 sh -c 'cd && exec "$@"' sh "$@"
}
npkgs() { chroot "$1" dpkg-query -W -f '${db:Status-Abbrev}\n' | grep -c '^ii'; }

# step NAME CMD...: runs CMD, its output in the log and on stderr, and
# logs how long it took; fails the run when CMD fails.
step() {
	_name=$1
	shift
	log "$_name: $*"
	_t0=$(date +%s)
	: >"$W/$_name.out"
	{ "$@" 2>&1 || echo "fresh-debian-status $?"; } | tee -a "$W/$_name.out" >&3
	_st=$(sed -n 's/^fresh-debian-status //p' "$W/$_name.out" | tail -n 1)
	log "$_name: ${_st:-0} after $(($(date +%s) - _t0)) s"
	[ -z "$_st" ]
}

# --- base: minbase Debian 12 with git and make ------------------------------
base=$W/base
if [ ! -f "$base/.fresh-debian-base" ]; then
	rm -rf "$base"
	command -v debootstrap >/dev/null 2>&1 ||
	    step install-debootstrap apt-get install -y debootstrap
	step debootstrap debootstrap --variant=minbase bookworm "$base" "$mirror"
	{
		echo "deb $mirror bookworm main"
		echo "deb $mirror bookworm-updates main"
		[ -z "$security" ] || echo "deb $security bookworm-security main"
	} >"$base/etc/apt/sources.list"
	log "base: $(npkgs "$base") packages after debootstrap"
	cp /etc/resolv.conf "$base/etc/resolv.conf"
	step base-apt chr "$base" sh -c 'apt-get update && apt-get install -y git make'
	log "base: $(npkgs "$base") packages with git and make"
	: >"$base/.fresh-debian-base"
fi
[ -z "$only_base" ] || exit 0

# --- the tree, as a clone would see it ---------------------------------------
runs=
cleanup() {
	[ -n "$keep" ] || for d in $runs; do rm -rf "$d"; done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fresh() {	# fresh NAME: a copy of base with the tree's commits in /srv
	_d=$W/$1
	rm -rf "$_d"
	runs="$runs $_d"
	cp -a "$base" "$_d"
	git clone -q --bare --no-local "$top" "$_d/srv/whoop.git"
	chmod -R a+rX "$_d/srv/whoop.git"
	log "$1: tree at $(git -C "$top" rev-parse --short HEAD), $(npkgs "$_d") packages"
}

# --- root in /root -------------------------------------------------------------
half_root() {
	fresh root
	R=$W/root
	step root-clone chr "$R" git clone /srv/whoop.git /root/whoop
	step root-demo chr "$R" sh -c 'cd /root/whoop && make demo'
	log "root: $(npkgs "$R") packages after make demo"
	step root-check chr "$R" sh -c 'cd /root/whoop && make check'
	log "root: $(npkgs "$R") packages after make check"
}

# --- a new user ---------------------------------------------------------------
half_user() {
	fresh user
	U=$W/user
	chroot "$U" useradd -m -s /bin/sh newcomer
	# Hers, as a repository she cloned from would be (git refuses another's).
	chroot "$U" chown -R newcomer: /srv/whoop.git
	step user-clone as "$U" newcomer git clone /srv/whoop.git whoop
	# Each stops at once with the line to run: it must fail and print it.
	if step user-demo-stops as "$U" newcomer sh -c 'cd whoop && make demo'; then
		die "user-demo-stops: make demo exited 0 with packages missing"
	fi
	line=$(grep -E '^ *apt-get install ' "$W/user-demo-stops.out" |
	    head -n 1 | sed 's/^ *//')
	[ -n "$line" ] || die "user-demo-stops: no apt-get line printed"
	if step user-check-stops as "$U" newcomer sh -c 'cd whoop && make check'; then
		die "user-check-stops: make check exited 0 with packages missing"
	fi
	line2=$(grep -E '^ *apt-get install ' "$W/user-check-stops.out" |
	    head -n 1 | sed 's/^ *//')
	[ "$line" = "$line2" ] ||
	    die "make demo and make check print different lines: '$line', '$line2'"
	log "the line: $line"
	# Root runs it as printed, answering apt's question as a person would.
	step user-root-line chr "$U" sh -c "yes | $line"
	log "user: $(npkgs "$U") packages after the line"
	step user-demo as "$U" newcomer sh -c 'cd whoop && make demo'
	step user-check as "$U" newcomer sh -c 'cd whoop && make check'
	log "user: $(npkgs "$U") packages after make check"
}

# --- every optional component, as CI has them ---------------------------------
# .ci/run's packages but the ci ones (make analyze is not run here), and
# make check under WHOOP_REQUIRE_ALL=1: no test may skip for want of one.
half_optional() {
	fresh optional
	O=$W/optional
	step opt-clone chr "$O" git clone /srv/whoop.git /root/whoop
	step opt-packages chr "$O" sh -c 'cd /root/whoop &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $(sh share/packages.sh list build test optional)'
	log "optional: $(npkgs "$O") packages"
	step opt-check chr "$O" sh -c 'cd /root/whoop && make lint &&
	    WHOOP_REQUIRE_ALL=1 make check'
}

case $only in
'') half_root; half_user; half_optional ;;
root | user | optional) "half_$only" ;;
*) die "-o root, user or optional" ;;
esac
log "all done"
