#!/bin/bash
# Benchmark whoop-import beside sqlite3(1)'s .import of the same files.
#
#	t/bench/import.sh [years ...]	(default: 1 10)
#
# For each length, generates an invented archive of the app's export
# (t/data/import/mkexport.py big: per year about 365 cycles, 400 sleeps,
# 300 workouts and 10,000 journal rows; ten years is the issue's 3,650
# cycles, 4,000 sleeps, 3,000 workouts and 100,000 journal rows), then
# times, into a new database each time:
#
#	whoop-import of the ZIP		  every row checked, converted to UTC,
#					  kept as JSON, linked, one transaction
#	whoop-import of the folder	  the same without inflating
#	sqlite3 .import of the 4 CSVs	  into plain tables of text columns
#	whoop-import of the ZIP again	  into the full database: all unchanged
#
# and prints wall seconds, the ratio to sqlite3 and the peak resident set
# of each: whoop-import's must not grow with the archive.  It prints
# figures and asserts nothing.  It needs the built tree, python3, sqlite3
# and bash; GNU time (Debian package "time") if present, else bash's time
# and /proc.
# make bench runs it with sh: it is a bash script.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

top=${WHOOP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${WHOOP_BIN:-$top/cmd}
imp=$bin/whoop-import
mk=$top/t/data/import/mkexport.py
if [ ! -x "$imp" ]; then
	echo "import.sh: $imp is missing: run make all" >&2
	exit 1
fi
for c in sqlite3 python3; do
	if ! command -v $c >/dev/null; then
		echo "import.sh: $c is missing" >&2
		exit 1
	fi
done
[ $# -gt 0 ] || set -- 1 10

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/whoop-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
export HOME=$tmp WHOOP_DATA_DIR=$tmp/data WHOOP_CONFIG_DIR=$tmp/conf
unset WHOOP_DB

gnutime=
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' true 2>/dev/null; then
	gnutime=/usr/bin/time
fi

# measure CMD...: sets $secs and $rss_kb for one run, output discarded.
measure() {
	local out=$tmp/measure pid hwm=0 v
	if [ -n "$gnutime" ]; then
		"$gnutime" -o "$out" -f '%e %M' "$@" >/dev/null 2>"$tmp/stderr"
		read -r secs rss_kb <"$out"
		return
	fi
	TIMEFORMAT=%R
	{ time {
		"$@" >/dev/null 2>"$tmp/stderr" &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
			[ -n "$v" ] && hwm=$v
			sleep 0.02
		done
		wait "$pid"
	}; } 2>"$out"
	secs=$(tail -1 "$out")
	rss_kb=$hwm
	[ "$rss_kb" = 0 ] && rss_kb=-
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}


printf 'whoop-import benchmark: %s\n' "$("$imp" --version | paste -sd ' ')"
printf 'sqlite3 %s; timing with %s\n\n' "$(sqlite3 --version | cut -d' ' -f1)" \
    "${gnutime:-bash time and /proc}"
printf '%6s  %-34s %9s %8s %11s\n' years command seconds ratio 'peak RSS'
for y in "$@"; do
	d=$tmp/x$y
	rm -rf "$d" "$tmp"/*.db*
	python3 "$mk" big "$d" "$y" || exit 1
	python3 "$mk" zip "$d" "$d.zip" || exit 1
	dir=$d/my_whoop_data_2026_03_09
	rows=$(($(cat "$dir"/*.csv | wc -l) - 4))
	printf '%6s  (%s rows: %s cycles, %s sleeps, %s workouts, %s journal; ZIP %s KiB, CSV %s KiB)\n' \
	    "$y" "$rows" \
	    $(($(wc -l <"$dir/physiological_cycles.csv") - 1)) \
	    $(($(wc -l <"$dir/sleeps.csv") - 1)) \
	    $(($(wc -l <"$dir/workouts.csv") - 1)) \
	    $(($(wc -l <"$dir/journal_entries.csv") - 1)) \
	    "$(du -k "$d.zip" | cut -f1)" "$(du -sk "$dir" | cut -f1)"

	rm -f "$tmp"/s.db*
	# sqlite3's .import of the four files into plain tables (the header
	# row names the columns; every value text).
	measure sqlite3 "$tmp/s.db" ".mode csv" \
	    ".import $dir/physiological_cycles.csv cycles" \
	    ".import $dir/sleeps.csv sleeps" \
	    ".import $dir/workouts.csv workouts" \
	    ".import $dir/journal_entries.csv journal"
	ssecs=$secs
	printf '%6s  %-34s %9s %8s %8s KiB\n' "$y" "sqlite3 .import (4 CSV files)" \
	    "$ssecs" 1.00 "$rss_kb"

	rm -f "$tmp"/w.db*
	measure "$imp" -d "$tmp/w.db" "$d.zip"
	printf '%6s  %-34s %9s %8s %8s KiB\n' "$y" "whoop-import ZIP" "$secs" \
	    "$(ratio "$secs" "$ssecs")" "$rss_kb"
	[ -s "$tmp/stderr" ] && sed 's/^/        /' "$tmp/stderr"

	rm -f "$tmp"/f.db*
	measure "$imp" -d "$tmp/f.db" "$dir"
	printf '%6s  %-34s %9s %8s %8s KiB\n' "$y" "whoop-import folder" "$secs" \
	    "$(ratio "$secs" "$ssecs")" "$rss_kb"

	measure "$imp" -d "$tmp/w.db" "$d.zip"
	printf '%6s  %-34s %9s %8s %8s KiB\n' "$y" "whoop-import ZIP again (unchanged)" \
	    "$secs" "$(ratio "$secs" "$ssecs")" "$rss_kb"
	printf '%6s  (database %s KiB; sqlite3 .import %s KiB)\n' "$y" \
	    "$(du -k "$tmp/w.db" | cut -f1)" "$(du -k "$tmp/s.db" | cut -f1)"
done
