#!/bin/bash
# Benchmark: what a run costs as the history grows.  For databases of
# 100 (the base line), 10,000, 100,000 and 1,000,000 records (a quarter
# each of cycles, recoveries, sleeps and workouts, all older than the
# simulated service's month), it measures:
#
#	whoop-sync, nothing new	  (the simulator; the first sync is not timed)
#	whoop-export -s 7d	  vs sqlite3 -csv, the same rows
#	whoop-export -s 2200-01-01 (no row) vs sqlite3 -csv, the same query
#	whoop-export -f csv -c ... cycle vs sqlite3 -csv, the same 13 columns
#	whoop-export -f jsonl cycle vs sqlite3 -list 'SELECT raw ...'
#
# and prints the median and the best wall time of BENCH_RUNS runs (5),
# and callgrind's count of instructions (repeatable on a busy machine)
# with its ratio to sqlite3's.  sqlite3 opening the file and reading
# sync_state stands beside the sync as the floor of any run.  The last
# column of each sync and empty-export row is its best wall time over the
# 100-record base line's.  Prints figures, asserts nothing.
#
#	bash t/bench/history.sh [records ...]
#
# BENCH_SMALL=1: 100 and 2,000 records, 3 runs (for CI: a minute).
# BENCH_CACHE: where the generated databases are kept between runs
# (default build-bench/ in the tree; a 1M-record one is about 700 MB and
# takes a few minutes to make, with sqlite3, not the simulator).
# BENCH_CALLGRIND_MAX: full exports of more records than this (100000)
# are not run under callgrind (minutes each); "-" is printed instead.
# Needs the built tree (make all t/tools/seedacct), sqlite3, python3,
# jq and valgrind (without valgrind, no instruction counts).
set -u

top=${WHOOP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${WHOOP_BIN:-$top/cmd}
tools=${WHOOP_TOOLS:-$top/t/tools}
cache=${BENCH_CACHE:-$top/build-bench}
cgmax=${BENCH_CALLGRIND_MAX:-100000}
if [ -n "${BENCH_SMALL:-}" ]; then
	runs=${BENCH_RUNS:-3}
	[ $# -gt 0 ] || set -- 2000
else
	runs=${BENCH_RUNS:-5}
	[ $# -gt 0 ] || set -- 10000 100000 1000000
fi
for f in "$bin/whoop-sync" "$bin/whoop-export" "$tools/seedacct"; do
	if [ ! -x "$f" ]; then
		echo "history.sh: $f is missing: run make all t/tools/seedacct" >&2
		exit 1
	fi
done
for c in sqlite3 python3 jq; do
	command -v $c >/dev/null || { echo "history.sh: $c is needed" >&2; exit 1; }
done
vg=
command -v valgrind >/dev/null && vg=valgrind

umask 077
T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-bench.XXXXXX") || exit 1
. "$top/t/sim/simctl.sh"
trap 'sim_stop; rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
mkdir -p "$cache" && chmod 700 "$cache" || exit 1

# The simulated month ends now, so that -s 7d and the sync's window
# are the last days of it.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sim_start "$T/sim" --days 30 --seed 5 --now "$now" || exit 1
sim_ctl config '{"rate_minute":1000000,"rate_day":1000000}' >/dev/null
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA HOME=$T
export WHOOP_CONFIG_DIR=$T/conf WHOOP_CLIENT_ID=sim-client-id
export WHOOP_CLIENT_SECRET="$(sim_ctl client | jq -r .client_secret)"
unset WHOOP_DB WHOOP_KEY_FILE WHOOP_DATA_DIR
mkdir -m 700 "$T/conf"

# The simulated user's account id: the cached files are made for it.
sim_ctl issue '{"user":1}' | "$tools/seedacct" "$T/probe.db" "$T/conf/key" \
    sim-client-id >/dev/null || exit 1
A=$(sqlite3 "$T/probe.db" 'SELECT account_id FROM accounts')

# make_db FILE N: the schema (through whoop-sync's migrations) and N old
# records of account A, a quarter of each type, an hour apart, all
# before 2020, and sync_state as if synced up to a month ago.
make_db() {
	local db=$1 n=$2 q
	q=$((n / 4))
	rm -f "$db" "$db"-*
	cp "$T/probe.db" "$db.tmp" && chmod 600 "$db.tmp" || return 1
	sqlite3 "$db.tmp" "DELETE FROM credentials; DELETE FROM profile;
DELETE FROM body_measurement;
CREATE TEMP TABLE r AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
    SELECT i + 1 FROM n WHERE i < $q)
SELECT i, 100 + i AS id,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1577836800 - ($q - i) * 3600 - 86400,
        'unixepoch') AS t,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1577836800 - ($q - i) * 3600 - 82800,
        'unixepoch') AS e,
    printf('%08x-0000-4000-8000-%012x', 7, i) AS u,
    (i * 7919 % 21000) / 1000.0 AS s, 4000 + (i * 104729 % 900000) / 100.0 AS kj,
    55 + i % 40 AS av, 120 + i % 80 AS mx FROM n;
INSERT INTO cycle (account_id, id, user_id, created_at, updated_at, start,
    \"end\", timezone_offset, score_state, strain, kilojoule,
    average_heart_rate, max_heart_rate, raw, synced_at)
SELECT $A, id, $A, t, t, t, e, '-05:00', 'SCORED', s, kj, av, mx,
    json_object('id', id, 'user_id', $A, 'created_at', t, 'updated_at', t,
        'start', t, 'end', e, 'timezone_offset', '-05:00',
        'score_state', 'SCORED', 'score', json_object('strain', s,
        'kilojoule', kj, 'average_heart_rate', av, 'max_heart_rate', mx)),
    t FROM r;
INSERT INTO recovery (account_id, cycle_id, sleep_id, user_id, created_at,
    updated_at, score_state, recovery_score, resting_heart_rate,
    hrv_rmssd_milli, raw, synced_at)
SELECT $A, id, u, $A, e, e, 'SCORED', i % 100, 50 + i % 20, 40.5 + i % 30,
    json_object('cycle_id', id, 'sleep_id', u, 'user_id', $A,
        'created_at', e, 'updated_at', e, 'score_state', 'SCORED',
        'score', json_object('recovery_score', i % 100,
        'resting_heart_rate', 50 + i % 20, 'hrv_rmssd_milli', 40.5 + i % 30)),
    e FROM r;
INSERT INTO sleep (account_id, id, cycle_id, user_id, created_at, updated_at,
    start, \"end\", timezone_offset, nap, score_state, raw, synced_at)
SELECT $A, u, id, $A, e, e, t, e, '-05:00', 0, 'SCORED',
    json_object('id', u, 'cycle_id', id, 'user_id', $A, 'created_at', e,
        'updated_at', e, 'start', t, 'end', e, 'timezone_offset', '-05:00',
        'nap', json('false'), 'score_state', 'SCORED'), e FROM r;
INSERT INTO workout (account_id, id, user_id, created_at, updated_at, start,
    \"end\", timezone_offset, sport_name, sport_id, score_state, strain, raw,
    synced_at)
SELECT $A, printf('%08x-0000-4000-8000-%012x', 9, i), $A, e, e, t, e,
    '-05:00', 'running', 0, 'SCORED', s,
    json_object('id', printf('%08x-0000-4000-8000-%012x', 9, i),
        'user_id', $A, 'created_at', e, 'updated_at', e, 'start', t,
        'end', e, 'timezone_offset', '-05:00', 'sport_name', 'running',
        'sport_id', 0, 'score_state', 'SCORED', 'score',
        json_object('strain', s)), e FROM r;
-- As if synced up to the simulated month: the history stays outside
-- every window fetched (a first sync removes what the service does not
-- return in its window, and the service knows only the month).
INSERT INTO sync_state (account_id, collection, high_water)
SELECT $A, c, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 days')
FROM (SELECT 'cycle' AS c UNION ALL SELECT 'recovery' UNION ALL
    SELECT 'sleep' UNION ALL SELECT 'workout');
PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null || return 1
	mv "$db.tmp" "$db"
}

# measure NAME CMD...: median and best wall seconds of $runs runs (output
# to /dev/null) into $med and $best.
measure() {
	local i t0 t1 list=
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>>"$T/stderr"
		t1=$(date +%s.%N)
		list="$list $(python3 -c "print($t1 - $t0)")"
	done
	read -r med best <<<"$(python3 -c "
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
print('%.4f %.4f' % (statistics.median(v), min(v)))" $list)"
}

# instr CMD...: callgrind's instruction count into $ins ("-" without).
instr() {
	ins=-
	[ -n "$vg" ] || return 0
	ins=$("$vg" --tool=callgrind --callgrind-out-file=/dev/null \
	    "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
	[ -n "$ins" ] || ins=-
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'
}

row() {	# records what command median best instructions ratio flat
	printf '%9s  %-34s %8s %8s %14s %6s %6s\n' "$@"
}

# The columns whoop-export writes for a cycle, less the derived ones.
cols="account_id, id, user_id, created_at, updated_at, start, \"end\",
    timezone_offset, score_state, strain, kilojoule, average_heart_rate,
    max_heart_rate"
ccols=$(printf '%s' "$cols" | tr -d ' \n"')
week=$(date -u -d '7 days ago' +%Y-%m-%dT%H:%M:%S.000Z)

printf 'whoop run-cost benchmark: %s; sqlite3 %s\n' \
    "$("$bin/whoop-export" --version | head -1)" \
    "$(sqlite3 --version | cut -d' ' -f1)"
printf '%s runs each (median, best, seconds); instructions by callgrind; ' "$runs"
printf 'ratio: to sqlite3; flat: best over the 100-record base line\n\n'
row records command median best instructions ratio flat

declare -A base
for n in 100 "$@"; do
	cached=$cache/history-$A-$n.db
	if [ ! -f "$cached" ]; then
		t0=$SECONDS
		make_db "$cached" "$n" || {
			echo "history.sh: cannot make $cached" >&2; exit 1; }
		echo "(made $cached in $((SECONDS - t0)) s)" >&2
	fi
	db=$T/w.db
	rm -f "$db" "$db"-*
	cp "$cached" "$db" && chmod 600 "$db" || exit 1
	# This run's tokens; then the first sync (the month), not timed.
	sim_ctl issue '{"user":1}' | "$tools/seedacct" "$db" "$T/conf/key" \
	    sim-client-id >/dev/null || exit 1
	"$bin/whoop-sync" -d "$db" || { echo "history.sh: first sync failed" >&2; exit 1; }
	size=$(du -k "$db" | cut -f1)
	row "$n" "(database $size KiB)" "" "" "" "" ""

	measure sqlite3 "$db" 'SELECT count(*) FROM sync_state'
	instr sqlite3 "$db" 'SELECT count(*) FROM sync_state'
	sins=$ins
	row "" "sqlite3: open, read sync_state" "$med" "$best" "$sins" 1.00 ""
	measure "$bin/whoop-sync" -d "$db"
	instr "$bin/whoop-sync" -d "$db"
	[ "$n" = 100 ] && base[sync]=$best
	row "" "whoop-sync (nothing new)" "$med" "$best" "$ins" \
	    "$(ratio "$ins" "$sins")" "$(ratio "$best" "${base[sync]}")"

	for what in week empty csv jsonl; do
		case $what in
		week)	wcmd=("$bin/whoop-export" -d "$db" -s 7d cycle)
			scmd=(sqlite3 -csv -header "$db" "SELECT $cols FROM
			    cycle WHERE start >= '$week' ORDER BY start")
			label="export -s 7d cycle" ;;
		empty)	wcmd=("$bin/whoop-export" -d "$db" -s 2200-01-01 cycle)
			scmd=(sqlite3 -csv -header "$db" "SELECT $cols FROM
			    cycle WHERE start >= '2200-01-01' ORDER BY start")
			label="export -s 2200-01-01 cycle" ;;
		csv)	wcmd=("$bin/whoop-export" -d "$db" -f csv -c "$ccols" cycle)
			scmd=(sqlite3 -csv -header "$db"
			    "SELECT $cols FROM cycle ORDER BY start")
			label="export -f csv -c (13) cycle" ;;
		jsonl)	wcmd=("$bin/whoop-export" -d "$db" -f jsonl cycle)
			scmd=(sqlite3 -list "$db"
			    "SELECT raw FROM cycle ORDER BY start")
			label="export -f jsonl cycle" ;;
		esac
		# A warm-up each, so both read from the page cache.
		"${scmd[@]}" >/dev/null
		"${wcmd[@]}" >/dev/null
		measure "${scmd[@]}"
		ins=-
		if [ "$what" = week ] || [ "$what" = empty ] || [ "$n" -le "$cgmax" ]; then
			instr "${scmd[@]}"
		fi
		sins=$ins
		row "" "sqlite3 (${label#export })" "$med" "$best" "$sins" 1.00 ""
		measure "${wcmd[@]}"
		ins=-
		if [ "$what" = week ] || [ "$what" = empty ] || [ "$n" -le "$cgmax" ]; then
			instr "${wcmd[@]}"
		fi
		flat=
		case $what in
		week|empty)
			[ "$n" = 100 ] && base[$what]=$best
			flat=$(ratio "$best" "${base[$what]}") ;;
		esac
		row "" "whoop-$label" "$med" "$best" "$ins" "$(ratio "$ins" "$sins")" "$flat"
	done
	rm -f "$db" "$db"-*
done
if [ -s "$T/stderr" ]; then
	echo
	echo "stderr of the runs:"
	sort "$T/stderr" | uniq -c | head -20
fi
