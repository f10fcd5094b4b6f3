#!/bin/sh
# The fuzz targets' seed corpora, replayed by the plain drivers that make
# check builds (t/fuzz/driver.c with each target): every file must pass
# the target's invariants, without a sanitizer report in check-asan or a
# valgrind error in check-valgrind (WHOOP_WRAP).
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

: "${WHOOP_FUZZ:=$WHOOP_TOP/t/fuzz}"

for src in "$WHOOP_TOP"/t/fuzz/fuzz-*.c; do
	name=${src##*/fuzz-}
	name=${name%.c}
	bin=$WHOOP_FUZZ/replay-$name
	corpus=$WHOOP_TOP/t/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		ok 1 "$name: replay driver built"
		diag "no $bin: run make check"
		continue
	fi
	n=$(find "$corpus" -type f | wc -l | tr -d ' ')
	if [ "$n" -eq 0 ]; then
		ok 1 "$name: seed corpus is not empty"
		continue
	fi
	if [ -n "${WHOOP_WRAP:-}" ]; then
		# shellcheck disable=SC2086 # a command line, split on purpose
		$WHOOP_WRAP "$bin" "$corpus" >"$T/out" 2>"$T/err"
	else
		"$bin" "$corpus" >"$T/out" 2>"$T/err"
	fi
	rc=$?
	passed=$(grep -c '^ok ' "$T/out")
	if [ "$rc" -eq 0 ] && [ "$passed" -eq "$n" ]; then
		ok 0 "$name: $n corpus files replayed"
	else
		ok 1 "$name: $n corpus files replayed"
		diag "exit $rc, $passed passed; last file and errors:"
		grep '^# ' "$T/out" | tail -n 1 | sed 's/^/# /'
		grep -v '^ok ' "$T/out" | grep -v '^#' | sed 's/^/# /'
		sed 's/^/# /' "$T/err" | head -n 20
	fi
done

done_testing
