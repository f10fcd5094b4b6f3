#!/bin/sh
# share/postgresql against a real PostgreSQL: a private server (Unix
# socket only, in a directory of its own; as nobody when the test runs
# as root, since postgres refuses root), schema.sql, whoop-export's CSV
# loaded with \copy from files and from the program, compared with the
# SQLite side, and refresh.sql's upsert and window.  Skipped where
# PostgreSQL is not installed.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

PGBIN=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ] && PGBIN=$d
done
if [ -z "$PGBIN" ] && command -v initdb >/dev/null 2>&1 &&
    command -v pg_ctl >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
	PGBIN=$(dirname "$(command -v initdb)")
fi
[ -n "$PGBIN" ] || absent_all "PostgreSQL not installed (Debian package postgresql)"
if [ "$(id -u)" = 0 ] && ! command -v runuser >/dev/null 2>&1; then
	absent_all "running as root without runuser (util-linux) to start PostgreSQL"
fi

FIX=$WHOOP_TOP/t/data/export
A=23456789
B=34567890
mkdir -p "$T/home" "$T/conf" "$T/data" && chmod 700 "$T/data"
export HOME="$T/home" WHOOP_CONFIG_DIR="$T/conf" WHOOP_DATA_DIR="$T/data"
unset WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET XDG_DATA_HOME \
    XDG_CONFIG_HOME WHOOP_REFRESH_DAYS
DB=$T/data/whoop.db
export WHOOP_DB="$DB"

# --- a private server ------------------------------------------------------
# Its directory is apart from $T, which only we may enter: as root the
# server runs as nobody, who owns this one.  Port 5432 names the socket in
# that directory only; nothing listens on TCP.
PGT=$(mktemp -d "${TMPDIR:-/tmp}/whoop-pg.XXXXXX") || exit 1
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PGT" && runuser -u nobody -- "$@")
	else
		(cd "$PGT" && "$@")
	fi
}
PGPID=
# alive PID: the process runs (a zombie is over; init reaps it)
alive() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}
pg_stop() {
	if [ -f "$PGT/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGT/data" -s -w -t 10 -m fast stop \
		    >/dev/null 2>&1
	fi
	if [ -n "$PGPID" ] && alive "$PGPID"; then
		kill -KILL "$PGPID" 2>/dev/null
	fi
	rm -rf "$PGT"
}
trap 'pg_stop; tap_canary_scan; tap_cleanup' EXIT
if [ "$(id -u)" = 0 ]; then
	chown nobody "$PGT" && chmod 700 "$PGT" || exit 1
	if ! runuser -u nobody -- test -w "$PGT" 2>/dev/null; then
		absent_all "nobody cannot reach $PGT for the server"
	fi
fi

t0=$(date +%s)
as_pg "$PGBIN/initdb" -D "$PGT/data" -U whoop --auth=trust -E UTF8 \
    --no-locale -N >"$T/initdb.log" 2>&1
is "$?" 0 "initdb"
as_pg "$PGBIN/pg_ctl" -D "$PGT/data" -l "$PGT/server.log" -s -w -t 30 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGT' -p 5432 -c fsync=off" \
    start >"$T/pgctl.log" 2>&1
is "$?" 0 "server started"
PGPID=$(head -1 "$PGT/data/postmaster.pid" 2>/dev/null)
if [ -z "$PGPID" ]; then
	cat "$T/initdb.log" "$T/pgctl.log" "$PGT/server.log" 2>/dev/null |
	    sed 's/^/# /'
	echo "Bail out! no PostgreSQL server"
	exit 1
fi
diag "PostgreSQL $("$PGBIN/pg_ctl" --version | sed 's/.*) //') up in $(($(date +%s) - t0)) s, pid $PGPID"

unset PGSERVICE PGSERVICEFILE PGOPTIONS PGPASSWORD PGSSLMODE PGHOSTADDR
export PGHOST="$PGT" PGPORT=5432 PGUSER=whoop PGDATABASE=postgres \
    PGCLIENTENCODING=UTF8 PGTZ=UTC
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# VAR=value... psql ARGS: psql with those in its environment
psql_env() (
	while [ $# -gt 0 ] && [ "${1#*=}" != "$1" ]; do
		export "${1?}"
		shift
	done
	psql "$@"
)
pgv() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
sqv() { sqlite3 "$DB" "$1" 2>&1; }

is "$(pgv 'SHOW listen_addresses')" "" "no TCP listener"
run psql -c 'CREATE DATABASE whoop'
is "$rc" 0 "CREATE DATABASE whoop"
export PGDATABASE=whoop

# --- the data: two accounts, every edge case of the export fixtures --------
n=$("$WHOOP_TOOLS/dbfill" "$DB" $A cycle "$FIX/cycle.json" \
    sleep "$FIX/sleep.json" workout "$FIX/workout.json" \
    recovery "$FIX/recovery.json")
is "$n" 13 "fixtures stored for account $A"
n=$("$WHOOP_TOOLS/dbfill" "$DB" $B cycle "$FIX/cycle_b.json")
is "$n" 1 "fixtures stored for account $B"

# --- schema.sql ------------------------------------------------------------
run psql -f "$WHOOP_TOP/share/postgresql/schema.sql"
is "$rc" 0 "schema.sql loads"
is "$err" "" "schema.sql: no message"
run psql -f "$WHOOP_TOP/share/postgresql/schema.sql"
is "$rc" 0 "schema.sql loads again (IF NOT EXISTS)"

# The export's columns are the table's, in order.
for ty in cycle recovery sleep workout; do
	is "$(pgv "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$ty'")" \
	    "$(whoop-export -f csv "$ty" | head -1 | tr -d '\r')" \
	    "$ty: the table's columns are whoop-export's"
done

# --- \copy from files ------------------------------------------------------
for ty in cycle recovery sleep workout; do
	whoop-export -f csv "$ty" >"$T/$ty.csv"
	is "$?" 0 "$ty: exported to a file"
	run psql -c "\\copy $ty FROM '$T/$ty.csv' CSV HEADER ENCODING 'UTF8'"
	is "$rc" 0 "$ty: copied in from the file"
	[ "$rc" = 0 ] || diag "$err"
	is "$(pgv "SELECT count(*) FROM $ty")" "$(sqv "SELECT count(*) FROM $ty")" "$ty: as many rows as in SQLite"
	# NULLs where SQLite has them: non-NULL counts of every stored column
	# (implausible and a recovery's sleep_start are not exported)
	cols="FROM pragma_table_info('$ty') WHERE name NOT IN ('raw', 'synced_at', 'implausible', 'sleep_start')"
	is "$(pgv "SELECT concat_ws('|', $(sqv "SELECT group_concat('count(\"' || name || '\")', ', ') $cols")) FROM $ty")" \
	    "$(sqv "SELECT $(sqv "SELECT group_concat('count(\"' || name || '\")', ' || ''|'' || ') $cols") FROM $ty")" \
	    "$ty: NULL in the same columns as in SQLite"
done

is "$(pgv 'SELECT round(sum(strain)::numeric, 6) FROM cycle')" \
    "$(sqv "SELECT printf('%.6f', sum(strain)) FROM cycle")" "cycle: sum of strain as in SQLite"
is "$(pgv 'SELECT round(sum(strain)::numeric, 6) FROM workout')" \
    "$(sqv "SELECT printf('%.6f', sum(strain)) FROM workout")" "workout: sum of strain as in SQLite"
is "$(pgv 'SELECT sum(hrv_rmssd_milli) FROM recovery')" "$(sqv 'SELECT sum(hrv_rmssd_milli) FROM recovery')" "recovery: sum of HRV as in SQLite"
is "$(pgv 'SELECT sum(extract(epoch FROM start))::bigint FROM cycle')" \
    "$(sqv "SELECT sum(strftime('%s', start)) FROM cycle")" "cycle: start times are the UTC instants"
is "$(pgv 'SELECT sum(extract(epoch FROM "end"))::bigint FROM sleep')" \
    "$(sqv "SELECT sum(strftime('%s', \"end\")) FROM sleep")" "sleep: end times are the UTC instants"
for w in 1 2; do
	id=bbbbbbbb-0000-4000-8000-00000000000$w
	is "$(pgv "SELECT upper(encode(convert_to(sport_name, 'UTF8'), 'hex')) FROM workout WHERE id = '$id'")" \
	    "$(sqv "SELECT hex(sport_name) FROM workout WHERE id = '$id'")" \
	    "workout $w: sport name byte for byte (non-ASCII, quotes, CR LF, tab)"
done
like "$(pgv "SELECT sport_name FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000001'")" '日本' "non-ASCII sport name in PostgreSQL"
is "$(pgv 'SELECT strain IS NULL FROM cycle WHERE id = 1437000003')" t "PENDING_SCORE cycle: strain is NULL"
is "$(pgv 'SELECT count(*) FROM cycle WHERE "end" IS NULL AND end_local IS NULL')" 1 "current cycle: end and end_local NULL"
is "$(pgv 'SELECT start_local || $$ $$ || date_local FROM cycle WHERE id = 1436000001')" "2026-03-27 23:10:00 2026-03-27" "-05:00: local wall clock and local date"
is "$(pgv 'SELECT start_local || $$ $$ || date_local FROM cycle WHERE id = 1437000003')" "2026-03-31 08:29:00 2026-03-31" "+14:00: local wall clock and local date"
is "$(pgv 'SELECT string_agg(nap::text, $$,$$ ORDER BY start) FROM sleep')" "false,true,false" "sleep: nap as boolean"
is "$(pgv 'SELECT min(need_from_recent_nap_milli) FROM sleep')" -1800000 "sleep: negative numbers"
is "$(pgv 'SELECT count(*) FROM recovery WHERE user_calibrating')" 1 "recovery: user_calibrating as boolean"
is "$(pgv 'SELECT count(*) FROM recovery WHERE cycle_start IS NULL AND date_local IS NULL')" 1 "recovery without its cycle: cycle_start and date_local NULL"
is "$(pgv 'SELECT count(DISTINCT account_id) FROM cycle')" 2 "both accounts"
run psql -c "INSERT INTO cycle SELECT * FROM cycle WHERE id = 1436000001"
is "$rc" 1 "primary key: a second row for the same record is refused"

# --- \copy from the program, as README shows -------------------------------
run psql <<'EOF'
BEGIN;
TRUNCATE workout;
\copy workout FROM PROGRAM 'whoop-export -f csv workout' CSV HEADER ENCODING 'UTF8'
COMMIT;
EOF
is "$rc" 0 "README: a full reload from the program"
is "$(pgv 'SELECT count(*) FROM workout')" 3 "README: all workouts back"
run psql -c "\\copy cycle FROM PROGRAM 'whoop-export -f csv cycle' CSV HEADER ENCODING 'UTF8'"
is "$rc" 1 "copying rows already there: refused"
like "$err" 'duplicate key' "copying rows already there: says why"
run psql_env WHOOP_DB="$T/nonexistent.db" -c "\\copy sleep FROM PROGRAM 'whoop-export -f csv sleep' CSV HEADER ENCODING 'UTF8'"
is "$rc" 1 "a failing whoop-export fails the copy"
is "$(pgv 'SELECT count(*) FROM sleep')" 3 "a failing whoop-export: sleep unchanged"

# --- refresh.sql -----------------------------------------------------------
# The window is WHOOP_REFRESH_DAYS before now; the fixtures are of late
# March 2026.  With days counted from 2026-03-30T06:00Z, the window starts
# between 2026-03-30T06:00Z and 2026-03-31T06:00Z: cycle 1437500004
# (03-31T11:00) and workout 3 (03-31T12:00) are in it, cycle 1436000001
# (03-28) and workout 1 (03-28) are not.
REFRESH=$WHOOP_TOP/share/postgresql/refresh.sql
days=$((($(date +%s) - $(date -u -d 2026-03-30T06:00:00Z +%s)) / 86400))
if [ "$days" -lt 2 ]; then
	skip "refresh window: the clock is before April 2026"
else
	jq '.records |= [.[0] | .id = "bbbbbbbb-0000-4000-8000-000000000009" |
	    .start = "2026-03-31T14:00:00.000Z" | .end = "2026-03-31T15:00:00.000Z"]' \
	    "$FIX/workout.json" >"$T/new-workout.json"
	is "$("$WHOOP_TOOLS/dbfill" "$DB" $A workout "$T/new-workout.json")" 1 "SQLite: a new workout"
	sqv "UPDATE cycle SET strain = 5.5 WHERE id = 1437500004;
	    DELETE FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000003';
	    DELETE FROM cycle WHERE id = 1436000001" >/dev/null
	before=$(pgv "SELECT xmin FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000002'")

	run psql_env WHOOP_REFRESH_DAYS="$days" -f "$REFRESH"
	is "$rc" 0 "refresh.sql ($days days)"
	is "$err" "" "refresh.sql: no message"
	is "$(pgv 'SELECT strain FROM cycle WHERE id = 1437500004')" 5.5 "refresh: a changed record is updated"
	is "$(pgv "SELECT count(*) FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000009'")" 1 "refresh: a new record is added"
	is "$(pgv "SELECT sport_name FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000009'")" "$(sqv "SELECT sport_name FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000009'")" "refresh: its non-ASCII sport name intact"
	is "$(pgv "SELECT count(*) FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000003'")" 0 "refresh: a record gone inside the window is deleted"
	is "$(pgv 'SELECT count(*) FROM cycle WHERE id = 1436000001')" 1 "refresh: a row older than the window is left alone"
	is "$(pgv "SELECT xmin FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000002'")" "$before" "refresh: a row outside the window is not rewritten"
	is "$(pgv 'SELECT count(*) FROM workout')" "$(sqv 'SELECT count(*) FROM workout')" "refresh: workouts as in SQLite"
	is "$(pgv 'SELECT round(sum(strain)::numeric, 6) FROM workout')" \
	    "$(sqv "SELECT printf('%.6f', sum(strain)) FROM workout")" "refresh: sum of workout strain as in SQLite"

	# Run again with nothing changed: nothing is rewritten.
	x1=$(pgv "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM workout")
	run psql_env WHOOP_REFRESH_DAYS="$days" -f "$REFRESH"
	is "$rc" 0 "refresh.sql again"
	is "$(pgv "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM workout")" "$x1" "refresh again: unchanged rows are not rewritten"

	# A failed export changes nothing, even inside the window.
	sqv "DELETE FROM workout WHERE id = 'bbbbbbbb-0000-4000-8000-000000000009'" >/dev/null
	run psql_env WHOOP_DB="$T/nonexistent.db" WHOOP_REFRESH_DAYS="$days" -f "$REFRESH"
	is "$rc" 3 "refresh.sql: a failing whoop-export stops it"
	like "$err" 'whoop-export' "refresh.sql: the failing program is named"
	is "$(pgv 'SELECT count(*) FROM workout')" 3 "refresh.sql: nothing deleted after a failed export"
	run psql_env WHOOP_REFRESH_DAYS=x -f "$REFRESH"
	is "$rc" 3 "refresh.sql: a bad WHOOP_REFRESH_DAYS stops it"
fi

# --- stop the server by its pid --------------------------------------------
as_pg "$PGBIN/pg_ctl" -D "$PGT/data" -s -w -t 10 -m fast stop >"$T/pgctl.log" 2>&1
is "$?" 0 "pg_ctl stop -m fast"
is "$(alive "$PGPID" && echo running)" "" "server process $PGPID gone"
check "socket gone" test ! -e "$PGT/.s.PGSQL.5432"
rm -rf "$PGT"
check "server directory removed" test ! -e "$PGT"
diag "whole test: $(($(date +%s) - t0)) s"

done_testing
