# A small TAP helper for the shell tests (t/NNNN-topic.t).
# Source it, call the checks, end with done_testing.  Each test gets a
# private temporary directory $T, removed on exit along with any server
# started through sim_start (stopped by its pid, never by name).
#
# The programs under test: call them by name (whoop-sync ...), also
# through env(1), timeout(1) or in the background.  The names always mean
# this tree's programs ($WHOOP_BIN/whoop-*, an absolute path), never an
# installed copy: $T/.bin has an entry for each, first in PATH, and this
# file checks that the names resolve there (see "The programs" below).
# What leaves this PATH behind (another user, a PATH of its own) uses
# "$WHOOP_BIN/whoop-sync"; what runs as someone who cannot enter the
# tree runs a copy (whoop_copy_bins).
#
# A component a test needs that is not installed: absent REASON (one
# test) or absent_all REASON (the whole file, before any test) skip with
# the reason; under WHOOP_REQUIRE_ALL=1 (.ci/run) they fail instead.
# Name the Debian package in the reason and list it in share/packages.

: "${WHOOP_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${WHOOP_BIN:=$WHOOP_TOP/cmd}"
: "${WHOOP_UNIT:=$WHOOP_TOP/t/unit}"
: "${WHOOP_TOOLS:=$WHOOP_TOP/t/tools}"
WHOOP_TOP=$(cd "$WHOOP_TOP" && pwd) && WHOOP_BIN=$(cd "$WHOOP_BIN" && pwd) ||
    { echo "Bail out! no $WHOOP_BIN"; exit 1; }
export WHOOP_TOP WHOOP_BIN WHOOP_UNIT WHOOP_TOOLS

tap_n=0
tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-t.XXXXXX") || exit 1
export T

tap_cleanup() {
	[ -n "${KEEP_T:-}" ] && { echo "# kept $T"; return; }
	if command -v sim_stop >/dev/null 2>&1; then
		sim_stop
	fi
	for p in $TAP_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap tap_cleanup EXIT
trap 'exit 1' HUP INT TERM

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $2"
	fi
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "# got:  '$1'"
		echo "# want: '$2'"
	fi
}

# like STRING PATTERN DESCRIPTION (grep -E pattern)
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '# got: %s\n# want match: %s\n' "$1" "$2"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		printf '# got: %s\n# must not match: %s\n' "$1" "$2"
	else
		ok 0 "$3"
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # skip $1"
}

diag() {
	printf '# %s\n' "$*"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# run CMD...: runs CMD with stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# No canary secret may appear in a file (byte search).
no_canary() {
	! grep -aq WHOOPCANARY "$@" 2>/dev/null
}

# --- The programs, their wrapping, and the canary scan (issue 8) ---------
#
# $T/.bin/NAME for every program $WHOOP_BIN/whoop-*: a symbolic link to
# it, or with WHOOP_WRAP="valgrind ..." (make check-valgrind) a small
# script that runs it under that.  Shell functions would not do: env(1),
# timeout(1) and background jobs look names up in PATH.  exec keeps the
# pid, so that tests can still signal the program.  Then every name must
# resolve to its entry, whatever else PATH holds (an installed copy).
tap_bin_setup() {
	rm -rf "$T/.bin" && mkdir "$T/.bin" || exit 1
	for tap_p in "$WHOOP_BIN"/whoop-*; do
		case ${tap_p##*/} in *.*) continue ;; esac
		[ -f "$tap_p" ] && [ -x "$tap_p" ] || continue
		if [ -n "${WHOOP_WRAP:-}" ]; then
			printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$WHOOP_WRAP" \
			    "$tap_p" >"$T/.bin/${tap_p##*/}" &&
			    chmod 755 "$T/.bin/${tap_p##*/}"
		else
			ln -s "$tap_p" "$T/.bin/${tap_p##*/}"
		fi || exit 1
	done
	case $PATH in "$T/.bin:"*) ;; *) PATH=$T/.bin:$PATH ;; esac
	for tap_p in whoop-auth whoop-sync whoop-export whoop-revoke whoop-import; do
		[ "$(command -v "$tap_p")" = "$T/.bin/$tap_p" ] || {
			echo "Bail out! $tap_p is not $WHOOP_BIN/$tap_p: make first"
			exit 1
		}
	done
}
tap_bin_setup

# whoop_copy_bins DIR: copies of the programs in DIR (made, mode 755),
# for a test that runs them as a user who may not enter the tree (root's
# 0700 home): call them there by absolute path, "$DIR/whoop-sync".
whoop_copy_bins() {
	mkdir -p "$1" && chmod 755 "$1" || return 1
	for tap_p in "$WHOOP_BIN"/whoop-*; do
		case ${tap_p##*/} in *.*) continue ;; esac
		[ -f "$tap_p" ] && [ -x "$tap_p" ] || continue
		cp "$tap_p" "$1/" && chmod 755 "$1/${tap_p##*/}" || return 1
	done
}

# absent REASON: one test cannot run, a component being absent.
# absent_all REASON: no test of the file can; call it before any test.
# Skips, or under WHOOP_REQUIRE_ALL=1 fails, so that CI proves they run.
absent() {
	if [ "${WHOOP_REQUIRE_ALL:-}" = 1 ]; then
		ok 1 "$1 (WHOOP_REQUIRE_ALL=1: every component must be there)"
	else
		skip "$1"
	fi
}
absent_all() {
	if [ "${WHOOP_REQUIRE_ALL:-}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - $1 (WHOOP_REQUIRE_ALL=1: every component must be there)"
		exit 1
	fi
	echo "1..0 # skip $1"
	exit 0
}

# WHOOP_CANARY_LOG=FILE: before the cleanup, log every file left under $T
# that holds a canary secret, as "test: path", for make check to fail
# on.  The simulator's own state (sim/) and what the browser stand-in
# saw (tmp/browser.*) hold canaries by design; nothing else may.
tap_canary_scan() {
	[ -n "${WHOOP_CANARY_LOG:-}" ] && [ -d "$T" ] || return 0
	find "$T" \( -path "$T/sim" -o -path "$T/tmp/browser.*" \) -prune \
	    -o -type f -print 2>/dev/null |
	while IFS= read -r tap_f; do
		if grep -aqF WHOOPCANARY "$tap_f" 2>/dev/null; then
			printf '%s: %s\n' "$0" "${tap_f#"$T"/}"
		fi
	done >>"$WHOOP_CANARY_LOG"
}
trap 'tap_canary_scan; tap_cleanup' EXIT
