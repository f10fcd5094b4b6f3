#!/bin/sh
# share/packages.sh ACTION ...: the Debian packages of share/packages,
# the one list that make, make demo, make check and .ci/run all read.
#
#   list KIND...       every package of those kinds, on one line
#   missing KIND...    those of them that are not installed, on one line
#   need WHO KIND...   exit 0 if none is missing.  As root, with apt-get:
#                      installs them, saying which, with apt's progress.
#                      Otherwise: one message with the apt-get line to
#                      run as root, and exit 1.  WHO names the caller in
#                      the messages ("make check").  All on stderr.
#
# KIND: build, test, optional, ci (see share/packages), or all.
# Installed means dpkg says so; without dpkg-query (not Debian) nothing
# is reported missing and the build's own errors speak.
set -eu
list=$(cd "$(dirname "$0")" && pwd)/packages

pkgs() {
	awk -v kinds=" $* " '
	    /^[ \t]*(#|$)/ { next }
	    kinds ~ / all / || index(kinds, " " $2 " ") {
		printf "%s%s", sep, $1; sep = " " }
	    END { if (sep != "") print "" }' "$list"
}

missing() {
	_all=$(pkgs "$@")
	[ -n "$_all" ] && command -v dpkg-query >/dev/null 2>&1 || return 0
	# shellcheck disable=SC2086 # a list of names, split on purpose
	_have=" $(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $_all \
	    2>/dev/null | awk 'substr($1, 2, 1) == "i" { print $2 }' |
	    tr '\n' ' ') "
	_miss=
	for _p in $_all; do
		case $_have in
		*" $_p "*) ;;
		*) _miss="${_miss:+$_miss }$_p" ;;
		esac
	done
	[ -z "$_miss" ] || echo "$_miss"
}

# apt-get's output less the four lines a package of dpkg's unpacking:
# what it fetches and what it sets up is the progress.
apt_quiet() {
	{ "$@" 2>&1; echo "packages.sh-status $?"; } | awk '
	    /^packages\.sh-status / { st = $2; next }
	    /^(Selecting previously|Preparing to unpack|Unpacking|\(Reading database)/ { next }
	    { print "    " $0; fflush() }
	    END { exit st }'
}

need() {
	who=$1
	shift
	miss=$(missing "$@")
	[ -n "$miss" ] || return 0
	line="apt-get install --no-install-recommends $miss"
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		printf '%s needs Debian packages that are not installed (share/packages lists them). As root, run:\n\n    %s\n\n' \
		    "$who" "$line"
		return 1
	fi
	echo "$who: installing the Debian packages it needs (share/packages lists them): $miss"
	export DEBIAN_FRONTEND=noninteractive
	echo "$who: apt-get update"
	apt_quiet apt-get -q update || return 1
	echo "$who: $line"
	# shellcheck disable=SC2086 # a list of names, split on purpose
	apt_quiet apt-get -q -y install --no-install-recommends $miss || return 1
	still=$(missing "$@")
	if [ -n "$still" ]; then
		echo "$who: still not installed: $still"
		return 1
	fi
	echo "$who: installed $miss"
}

case ${1:-} in
list)
	shift
	pkgs "$@" ;;
missing)
	shift
	missing "$@" ;;
need)
	[ $# -ge 3 ] || { echo "usage: $0 need WHO KIND..." >&2; exit 2; }
	shift
	need "$@" >&2 ;;
*)
	echo "usage: $0 list|missing KIND... | need WHO KIND..." >&2
	exit 2 ;;
esac
