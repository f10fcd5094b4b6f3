#!/bin/sh
# Every tool's --help and usage: --help exits 0 with its text on stdout;
# both show the "--help | --version" line, and --help names every long
# option the tool accepts (read from the longopts table of its source)
# beside its short form, so that none is accepted but undocumented.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

for src in "$WHOOP_TOP"/cmd/whoop-*.c; do
	t=$(basename "$src" .c)
	run "$t" --help
	is "$rc:$err" "0:" "$t --help: exit 0, nothing on stderr"
	like "$out" "^ +$t --help \| --version$" "$t --help: the --help | --version line"
	help=$out
	run "$t" --no-such-option
	like "$err" "^ +$t --help \| --version$" "$t usage: the --help | --version line"
	# { "full", no_argument, NULL, 'F' }: the option and its letter.
	longs=$(awk '/struct option/,/};/' "$src" |
	    sed -n 's/.*{ *"\([a-z-]*\)", *[a-z_]*, *NULL, *'"'"'\(.\)'"'"' *}.*/\1 \2/p')
	check "$t: its longopts table is found" test -n "$longs"
	printf '%s\n' "$longs" | while read -r name letter; do
		case $name in
		help | version) continue ;;
		esac
		echo "$name $letter"
	done >"$T/longs"
	while read -r name letter; do
		like "$help" "^ +-$letter, --$name( |$)" "$t --help: --$name beside -$letter"
	done <"$T/longs"
done

done_testing
