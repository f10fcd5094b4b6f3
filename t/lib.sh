# A small TAP helper for the shell tests (t/NNNN-topic.t).
# Source it, call the checks, end with done_testing.  Each test gets a
# private temporary directory $T, removed on exit along with any server
# started through sim_start (stopped by its pid, never by name).

: "${WHOOP_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${WHOOP_BIN:=$WHOOP_TOP/cmd}"
: "${WHOOP_UNIT:=$WHOOP_TOP/t/unit}"
: "${WHOOP_TOOLS:=$WHOOP_TOP/t/tools}"
export WHOOP_TOP WHOOP_BIN WHOOP_UNIT WHOOP_TOOLS
PATH=$WHOOP_BIN:$PATH

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

# --- Wrapping the programs, and the canary scan (issue 8) ----------------
#
# WHOOP_WRAP="valgrind ...": the whoop-* programs run under it.  The tests
# call them by name, also through env(1), timeout(1) and as background
# jobs, which look names up in PATH (shell functions would not do), so
# the wrappers are small scripts in a directory first in PATH.  exec
# keeps the pid, so that tests can still signal the program.
if [ -n "${WHOOP_WRAP:-}" ]; then
	mkdir -p "$T/.wrap" || exit 1
	for tap_p in whoop-auth whoop-sync whoop-export whoop-revoke \
	    whoop-import; do
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$WHOOP_WRAP" \
		    "$WHOOP_BIN/$tap_p" >"$T/.wrap/$tap_p" &&
		    chmod 755 "$T/.wrap/$tap_p" || exit 1
	done
	PATH=$T/.wrap:$PATH
fi

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
