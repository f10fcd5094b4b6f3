#!/bin/bash
# Benchmark whoop-export beside sqlite3(1) on synthetic cycles.
#
#	bash t/bench/export.sh [rows ...]	(default: 10000 100000 1000000)
#
# For each size, builds a private database (0600, in a temporary
# directory) whose cycle table holds that many rows with a raw JSON
# column, then times, with output to /dev/null:
#
#	whoop-export -f csv cycle	vs  sqlite3 -csv  (same columns, ORDER BY start)
#	whoop-export -f jsonl cycle	vs  sqlite3 -list 'SELECT raw ... ORDER BY start'
#	whoop-export -F cycle		vs  sqlite3 -json (same columns)
#
# and prints wall seconds, the ratio to sqlite3 and the peak resident set
# of each.  whoop-export writes three derived columns more (start_local,
# end_local, date_local), which sqlite3 is not asked for.  It prints
# figures and asserts nothing.  It needs the built tree (make all and
# t/tools/dbfill, as make check builds them), sqlite3 and bash; GNU time
# (Debian package "time") if present, else bash's time and /proc.
set -u

top=${WHOOP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${WHOOP_BIN:-$top/cmd}
tools=${WHOOP_TOOLS:-$top/t/tools}
export=$bin/whoop-export
dbfill=$tools/dbfill
for f in "$export" "$dbfill"; do
	if [ ! -x "$f" ]; then
		echo "export.sh: $f is missing: run make all t/tools/dbfill" >&2
		exit 1
	fi
done
if ! command -v sqlite3 >/dev/null; then
	echo "export.sh: sqlite3 is missing (Debian package sqlite3)" >&2
	exit 1
fi
# BENCH_SMALL=1 (make bench BENCH_SMALL=1, as CI runs it): one small size.
if [ $# -eq 0 ] && [ -n "${BENCH_SMALL:-}" ]; then
	set -- 2000
fi
[ $# -gt 0 ] || set -- 10000 100000 1000000

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/whoop-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
A=23456789

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
	# Without GNU time: bash's time for the wall clock, and the high-water
	# mark of the resident set sampled from /proc while the command runs.
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

# The columns whoop-export writes for a cycle, less the derived ones.
cols="account_id, id, user_id, created_at, updated_at, start, \"end\",
    timezone_offset, score_state, strain, kilojoule, average_heart_rate,
    max_heart_rate"

fill() {
	local db=$1 n=$2
	"$dbfill" "$db" $A >/dev/null || exit 1
	sqlite3 "$db" "PRAGMA journal_mode = WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO cycle (account_id, id, user_id, created_at, updated_at, start,
    \"end\", timezone_offset, score_state, strain, kilojoule,
    average_heart_rate, max_heart_rate, raw, synced_at)
SELECT $A, 1300000000 + i, $A, t, t, t, e, tz, 'SCORED', s, kj, av, mx,
    json_object('id', 1300000000 + i, 'user_id', $A, 'created_at', t,
        'updated_at', t, 'start', t, 'end', e, 'timezone_offset', tz,
        'score_state', 'SCORED', 'score', json_object('strain', s,
        'kilojoule', kj, 'average_heart_rate', av, 'max_heart_rate', mx)),
    t
FROM (SELECT i,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1500000000 + i * 3600, 'unixepoch') AS t,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1500000000 + i * 3600 + 3599,
        'unixepoch') AS e,
    CASE i % 3 WHEN 0 THEN '-05:00' WHEN 1 THEN '+05:30' ELSE 'Z' END AS tz,
    (i * 7919 % 21000) / 1000.0 AS s, 4000 + (i * 104729 % 900000) / 100.0 AS kj,
    55 + i % 40 AS av, 120 + i % 80 AS mx FROM n);" >/dev/null || exit 1
	chmod 600 "$db"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

printf 'whoop-export benchmark: %s\n' "$("$export" --version | paste -sd ' ')"
printf 'sqlite3 %s; timing with %s\n\n' "$(sqlite3 --version | cut -d' ' -f1)" \
    "${gnutime:-bash time and /proc}"
printf '%9s  %-22s %9s %8s %11s\n' rows command seconds ratio 'peak RSS'
for n in "$@"; do
	db=$tmp/bench-$n.db
	rm -f "$db" "$db"-*
	t0=$SECONDS
	fill "$db" "$n"
	size=$(du -k "$db" | cut -f1)
	printf '%9s  (database %s KiB, built in %ss)\n' "$n" "$size" \
	    $((SECONDS - t0))
	for pair in \
	    "whoop-export -f csv|sqlite3 -csv" \
	    "whoop-export -f jsonl|sqlite3 -list raw" \
	    "whoop-export -F|sqlite3 -json"; do
		w=${pair%%|*}
		s=${pair#*|}
		case $w in
		*csv)	wcmd=("$export" -d "$db" -f csv cycle)
			scmd=(sqlite3 -csv -header "$db"
			    "SELECT $cols FROM cycle ORDER BY start") ;;
		*jsonl)	wcmd=("$export" -d "$db" -f jsonl cycle)
			scmd=(sqlite3 -list "$db"
			    "SELECT raw FROM cycle ORDER BY start") ;;
		*)	wcmd=("$export" -d "$db" -F cycle)
			scmd=(sqlite3 -json "$db"
			    "SELECT $cols FROM cycle ORDER BY start") ;;
		esac
		# One warm-up run each, so both read from the page cache.
		"${scmd[@]}" >/dev/null
		measure "${scmd[@]}"
		ssecs=$secs srss=$rss_kb
		measure "${wcmd[@]}"
		printf '%9s  %-22s %9s %8s %8s KiB\n' "" "$s" "$ssecs" "1.00" "$srss"
		printf '%9s  %-22s %9s %8s %8s KiB\n' "" "$w" "$secs" \
		    "$(ratio "$secs" "$ssecs")" "$rss_kb"
	done
	rm -f "$db" "$db"-*
done
