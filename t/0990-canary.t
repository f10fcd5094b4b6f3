#!/bin/sh
# The suite-wide checks that t/lib.sh gives every shell test: the canary
# scan of $T at cleanup (WHOOP_CANARY_LOG, which make check reads after
# prove), and the wrapping of the whoop-* programs (WHOOP_WRAP, which
# make check-valgrind sets).  Each is tried on a child test of its own.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

# Nothing here runs a program for real: leave any outer wrapping out
# (the children make their own $T/.bin, first in their PATH).
unset WHOOP_WRAP

# child SCRIPT: run SCRIPT as a test that sources lib.sh, with its own
# canary log and temporary area; output in $out.
child() {
	printf '. "%s/t/lib.sh"\n%s\n' "$WHOOP_TOP" "$1" >"$T/child.t"
	out=$(WHOOP_CANARY_LOG=$T/canary.log TMPDIR=$T sh "$T/child.t" 2>&1)
}

: >"$T/canary.log"
child 'mkdir -p "$T/sim" "$T/tmp" "$T/a/b"
echo "token WHOOPCANARY-at-1" >"$T/leak"
echo "WHOOPCANARY-rt-2" >"$T/a/b/deep.db"
printf "x\0WHOOPCANARY-at-3" >"$T/binary"
echo "WHOOPCANARY-at-4" >"$T/sim/state.json"
echo "WHOOPCANARY-code-5" >"$T/tmp/browser.loc"
echo "WHOOPCANARY" | tr A-Z a-z >"$T/clean"
echo "$T" >"'"$T"'/child.dir"'
got=$(sed 's/^[^:]*: //' "$T/canary.log" | sort | tr '\n' ' ')
is "$got" "a/b/deep.db binary leak " "files holding a canary are logged"
like "$(cat "$T/canary.log")" "child.t: leak" "... with the test's name"
unlike "$got" 'sim/|browser' "... but not the simulator's or the browser's"
check "... and the child's directory is still removed" \
    test ! -e "$(cat "$T/child.dir")"

: >"$T/canary.log"
child 'echo "nothing secret" >"$T/out"'
is "$(cat "$T/canary.log")" "" "a clean test logs nothing"

rm -f "$T/canary.log"
out=$(TMPDIR=$T sh "$T/child.t" 2>&1)
check "without WHOOP_CANARY_LOG nothing is written" test ! -e "$T/canary.log"

# WHOOP_WRAP: every way a test starts a program goes through it.
export WHOOP_WRAP="echo WRAPPED"
child 'whoop-sync -x 1; env whoop-export "a b"; whoop-auth & wait
command -v whoop-revoke'
unset WHOOP_WRAP
like "$out" "WRAPPED $WHOOP_BIN/whoop-sync -x 1" "WHOOP_WRAP wraps a program"
like "$out" "WRAPPED $WHOOP_BIN/whoop-export a b" "... found through env(1)"
like "$out" "WRAPPED $WHOOP_BIN/whoop-auth\$" "... run in the background"
like "$out" '/\.bin/whoop-revoke$' "... all four, first in PATH"
child 'readlink "$(command -v whoop-sync)"'
is "$out" "$WHOOP_BIN/whoop-sync" "without WHOOP_WRAP the programs run as built"

# An installed copy earlier in PATH, as after make install: the names
# still run this tree's programs, directly and through env(1).
mkdir -p "$T/installed"
for p in whoop-auth whoop-sync whoop-export whoop-revoke; do
	printf '#!/bin/sh\necho INSTALLED %s\n' "$p" >"$T/installed/$p"
	chmod 755 "$T/installed/$p"
done
PATH=$T/installed:$PATH child 'whoop-export --version | head -n 1
env whoop-sync --version | head -n 1
timeout 10 whoop-revoke --version | head -n 1'
unlike "$out" INSTALLED "an installed copy first in PATH is not what the tests run"
like "$out" '^whoop-sync [0-9]' "... env(1) finds the tree's whoop-sync"
like "$out" '^whoop-revoke [0-9]' "... and so does timeout(1)"
rm -rf "$T/installed"

# The child scripts hold canaries: this test's own scan must not see them.
rm -f "$T/child.t"

done_testing
