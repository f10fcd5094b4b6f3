#!/bin/sh
# share/: the SQL views load into a database the tools made and give the
# right numbers (local days, weeks, months, naps and unscored records
# left out); every recipe of the cookbook runs; the example configuration
# parses, as it is and with every setting switched on.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

SHARE=$WHOOP_TOP/share
DBFILL=$WHOOP_TOOLS/dbfill
A=23456789
mkdir -p "$T/home" "$T/conf" "$T/data" "$T/fix" && chmod 700 "$T/data"
export HOME=$T/home WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
unset WHOOP_DB WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET \
    XDG_DATA_HOME XDG_CONFIG_HOME
DB=$T/data/whoop.db

if ! command -v sqlite3 >/dev/null 2>&1 || [ ! -x "$DBFILL" ]; then
	absent "sqlite3 or t/tools/dbfill missing"
	done_testing
	exit
fi

# --- fixtures --------------------------------------------------------------
# Dates relative to today, so that the cookbook's "-s 30d" finds them: M
# is the Monday of last week.  The weeks, days and months below are
# chosen so that a view that took UTC dates, ignored an offset, kept a
# nap or counted an unscored record would give other numbers.
today=$(date -u +%F)
M=$(date -u -d "$today -$(( $(date -u +%u) + 6 )) days" +%F)
d() { date -u -d "$M +$1 days" +%F; }
M1=$(d 1) M2=$(d 2) M6=$(d 6) M7=$(d 7)
ts="$M1"T00:00:00.000Z		# created_at, updated_at: any time will do

cyc() {	# id start offset [end]
	printf '{"id":%s,"user_id":%s,"created_at":"%s","updated_at":"%s",'`
	    `'"start":"%s","end":%s,"timezone_offset":"%s",'`
	    `'"score_state":"SCORED","score":{"strain":9.5,"kilojoule":8000,'`
	    `'"average_heart_rate":60,"max_heart_rate":150}}' \
	    "$1" $A "$ts" "$ts" "$2" "${4:-null}" "$3"
}
rec() {	# cycle_id sleep_n score|-
	if [ "$3" = - ]; then
		s='"score_state":"PENDING_SCORE"'
	else
		s='"score_state":"SCORED","score":{"user_calibrating":false,'`
		    `'"recovery_score":'$3',"resting_heart_rate":50,'`
		    `'"hrv_rmssd_milli":'$3'}'
	fi
	printf '{"cycle_id":%s,"sleep_id":"aaaaaaaa-0000-4000-8000-00000000000%s",'`
	    `'"user_id":%s,"created_at":"%s","updated_at":"%s",%s}' \
	    "$1" "$2" $A "$ts" "$ts" "$s"
}
slp() {	# n cycle_id start end offset nap debt_ms|-
	if [ "$7" = - ]; then
		s='"score_state":"PENDING_SCORE"'
	else
		s='"score_state":"SCORED","score":{"stage_summary":{'`
		    `'"total_in_bed_time_milli":30000000,'`
		    `'"total_awake_time_milli":1800000,'`
		    `'"total_no_data_time_milli":0,'`
		    `'"total_light_sleep_time_milli":14400000,'`
		    `'"total_slow_wave_sleep_time_milli":7200000,'`
		    `'"total_rem_sleep_time_milli":5400000,'`
		    `'"sleep_cycle_count":4,"disturbance_count":5},'`
		    `'"sleep_needed":{"baseline_milli":28800000,'`
		    `'"need_from_sleep_debt_milli":'$7','`
		    `'"need_from_recent_strain_milli":0,'`
		    `'"need_from_recent_nap_milli":0},'`
		    `'"respiratory_rate":15,"sleep_performance_percentage":90,'`
		    `'"sleep_consistency_percentage":80,'`
		    `'"sleep_efficiency_percentage":94}'
	fi
	printf '{"id":"aaaaaaaa-0000-4000-8000-00000000000%s","cycle_id":%s,'`
	    `'"user_id":%s,"created_at":"%s","updated_at":"%s","start":"%s",'`
	    `'"end":"%s","timezone_offset":"%s","nap":%s,%s}' \
	    "$1" "$2" $A "$ts" "$ts" "$3" "$4" "$5" "$6" "$s"
}
wko() {	# n sport start end strain|-
	if [ "$5" = - ]; then
		s='"score_state":"PENDING_SCORE"'
	else
		s='"score_state":"SCORED","score":{"strain":'$5','`
		    `'"average_heart_rate":130,"max_heart_rate":170,'`
		    `'"kilojoule":1500,"percent_recorded":1,'`
		    `'"zone_durations":{"zone_zero_milli":0,'`
		    `'"zone_one_milli":600000,"zone_two_milli":600000,'`
		    `'"zone_three_milli":600000,"zone_four_milli":600000,'`
		    `'"zone_five_milli":300000}}'
	fi
	printf '{"id":"bbbbbbbb-0000-4000-8000-00000000000%s","user_id":%s,'`
	    `'"created_at":"%s","updated_at":"%s","start":"%s","end":"%s",'`
	    `'"timezone_offset":"Z","sport_name":"%s",%s}' \
	    "$1" $A "$ts" "$ts" "$3" "$4" "$2" "$s"
}
page() { printf '{"records":['; sep=; for r; do printf '%s%s' "$sep" "$r"; sep=,; done; printf ']}\n'; }

# Cycles: 1 and 2 are local Monday M (2 starts on Tuesday in UTC); 3
# starts on Sunday M+6 in UTC but Monday M+7 at +05:30; 4 is M+7.  1 ends
# as 2 starts, so that its strain has a next morning's recovery (the
# strain plot's recipe).
page "$(cyc 101 "$M"T10:00:00.000Z -05:00 "\"$M1"T02:00:00.000Z\")" \
    "$(cyc 102 "$M1"T02:00:00.000Z -05:00)" \
    "$(cyc 103 "$M6"T23:30:00.000Z +05:30)" \
    "$(cyc 104 "$M7"T12:00:00.000Z Z)" >"$T/fix/cycle.json"
# Recoveries: week M averages 60 and 80; week M+7 has 50 and one not
# scored yet; cycle 999 is not stored, so its 10 counts nowhere.
page "$(rec 101 1 60)" "$(rec 102 2 80)" "$(rec 103 3 50)" \
    "$(rec 104 4 -)" "$(rec 999 5 10)" >"$T/fix/recovery.json"
# Sleeps: two nights (the first local M, at -05:00, though M+1 in UTC),
# a nap and a sleep not scored yet.
page "$(slp 1 101 "$M1"T03:00:00.000Z "$M1"T11:00:00.000Z -05:00 false 3600000)" \
    "$(slp 2 102 "$M2"T03:00:00.000Z "$M2"T11:00:00.000Z -05:00 false 7200000)" \
    "$(slp 3 102 "$M2"T18:00:00.000Z "$M2"T18:30:00.000Z -05:00 true 9000000)" \
    "$(slp 4 103 "$M6"T23:00:00.000Z "$M7"T06:00:00.000Z +05:30 false -)" \
    >"$T/fix/sleep.json"
# Workouts, all on M: running twice scored and once not, cycling once.
page "$(wko 1 running "$M"T12:00:00.000Z "$M"T13:00:00.000Z 10.5)" \
    "$(wko 2 running "$M"T15:00:00.000Z "$M"T15:30:00.000Z 6.25)" \
    "$(wko 3 running "$M"T17:00:00.000Z "$M"T17:15:00.000Z -)" \
    "$(wko 4 cycling "$M"T07:00:00.000Z "$M"T09:00:00.000Z 12)" \
    >"$T/fix/workout.json"

n=$("$DBFILL" "$DB" $A cycle "$T/fix/cycle.json" \
    recovery "$T/fix/recovery.json" sleep "$T/fix/sleep.json" \
    workout "$T/fix/workout.json")
is "$n" 17 "a database made by the tools, with 17 records"

# The app's own export (invented, t/data/import/mkexport.py), imported
# for account A; its cycle of 2026-03-08 04:40:18 at -04:00 also comes
# from the API, with a start 345 ms later, so that it is linked.
MK=$WHOOP_TOP/t/data/import/mkexport.py
mkdir -p "$T/home/Downloads"
python3 "$MK" folder "$T/appx" newer &&
    python3 "$MK" zip "$T/appx" "$T/home/Downloads/my_whoop_data_2026_03_09.zip"
page "$(cyc 201 2026-03-08T08:40:18.345Z -04:00)" >"$T/fix/cycle2.json"
"$DBFILL" "$DB" $A cycle "$T/fix/cycle2.json" >/dev/null
run whoop-import -d "$DB" "$T/home/Downloads/my_whoop_data_2026_03_09.zip"
is "$rc:$err" "0:" "whoop-import adds the app's export to the same database"

# --- the views -------------------------------------------------------------
run sqlite3 "$DB" ".read $SHARE/sql/views.sql"
is "$rc:$err" "0:" "views.sql loads into the database"
run sqlite3 "$DB" "SELECT group_concat(name, ' ') FROM (SELECT name FROM
    sqlite_schema WHERE type = 'view' ORDER BY name)"
is "$out" "journal_effect journal_recovery recovery_weekly sleep_debt_trend strain_by_sport" \
    "five views, named as documented"
run sqlite3 "$DB" ".read $SHARE/sql/views.sql"
is "$rc:$err" "0:" "views.sql loads again over itself"

q() { sqlite3 -separator ' ' "$DB" "$1"; }
for v in recovery_weekly sleep_debt_trend strain_by_sport journal_recovery \
    journal_effect; do
	run sqlite3 "$DB" "SELECT * FROM $v"
	is "$rc:$err" "0:" "$v: SELECT runs"
done

is "$(q 'SELECT account_id, week, recoveries, recovery_score,
    resting_heart_rate, hrv_rmssd_milli FROM recovery_weekly')" \
"$A $M 2 70.0 50.0 70.0
$A $M7 1 50.0 50.0 50.0" \
    "recovery_weekly: local weeks from Monday, scored recoveries of stored cycles"

is "$(q 'SELECT account_id, date_local, sleep_id, debt_hours,
    debt_hours_7, need_hours, slept_hours FROM sleep_debt_trend')" \
"$A $M aaaaaaaa-0000-4000-8000-000000000001 1.0 1.0 9.0 7.5
$A $M1 aaaaaaaa-0000-4000-8000-000000000002 2.0 1.5 10.0 7.5" \
    "sleep_debt_trend: hours per local night, the running average, no naps"

mon=$(printf '%s' "$M" | cut -c1-7)
is "$(q 'SELECT * FROM strain_by_sport')" \
"$A $mon running 3 2 16.75 8.38 105
$A $mon cycling 1 1 12.0 12.0 120" \
    "strain_by_sport: per month and sport, unscored counted but not averaged"

is "$(q "SELECT * FROM journal_effect WHERE question LIKE 'Have any alc%'")" \
"$A Have any alcoholic drinks? 2 2 47.5 67.5 -20.0" \
    "journal_effect: recovery after alcohol (40, 55) against none (64, 71)"
is "$(q "SELECT date_local, answered_yes, recovery_score, source FROM journal_recovery WHERE question = 'Have any caffeine? ' ORDER BY date_local")" \
"2026-03-06 0 55.0 export
2026-03-08 1 40.0 export
2026-03-09 1 71.0 export
2026-03-10 1 64.0 export" \
    "journal_recovery: the morning's recovery, trailing space in the question kept"
is "$(q "SELECT count(*) FROM journal WHERE cycle_id = 201")" 4 \
    "the export's journal is linked to the API cycle of the same second"

# The tools still take the database with the views in it.
run whoop-export -d "$DB" -c date_local,recovery_score recovery
is "$rc" 0 "whoop-export reads the database with the views"
like "$out" "^$M,60" "whoop-export: same local date as the view"
run whoop-sync -c -d "$DB"
like "$out" "^ok	database	" "whoop-sync -c: the database passes integrity_check"

# --- the cookbook ------------------------------------------------------------
# Each "$ " line of a sh block, with the lines that continue it (after a
# trailing backslash), runs in bash with pipefail against the fixtures:
# it must succeed, say nothing on stderr, and print something with a
# digit in it (a date, a number: more than a header), unless it writes a
# file, sets a variable or feeds sqlite3 a file.  A recipe whose tools
# are not installed is skipped.  Python's own deprecation warnings from
# csvkit's libraries are not the recipe's fault: they are silenced.
# One file per recipe, so that multi-line ones stay whole.
mkdir -p "$T/cook"
awk -v dir="$T/cook" '
    /^```sh$/ { sh = 1; next } /^```$/ { sh = 0; next }
    sh && /^\$ / { n++; f = sprintf("%s/%02d.sh", dir, n);
	print substr($0, 3) > f; cont = /\\$/; next }
    sh && cont { print > f; cont = /\\$/; next }' "$SHARE/cookbook.md"
nrec=$(ls "$T/cook" | wc -l)
check "the cookbook has recipes ($nrec)" test "$nrec" -ge 10
# The first recipe names the database; the views come from this tree.
cd "$T/cook" || exit 1
for f in "$T"/cook/*.sh; do
	sed -i "s|/usr/local/share/whoop|$SHARE|g" "$f"
	recipe=$(cat "$f")
	miss=
	# A tool is a word of the recipe: "csvlook -I", "| csvlook", at the end.
	for tool in jq csvstat csvsql csvjoin csvlook sqlite3 awk gnuplot; do
		if printf '%s\n' "$recipe" |
		    grep -Eq "(^|[^[:alnum:]_.-])$tool([^[:alnum:]_.-]|\$)"; then
			command -v "$tool" >/dev/null 2>&1 || miss=$tool
		fi
	done
	# The report runs gnuplot itself.
	case $recipe in
	*/share/whoop/plot/*|*"$SHARE/plot/"*)
		command -v gnuplot >/dev/null 2>&1 || miss=gnuplot ;;
	esac
	if [ -n "$miss" ]; then
		absent "$miss not installed (share/packages): $recipe"
		continue
	fi
	PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1 WHOOP_DB=$DB bash -o pipefail -c "$(cat "$T/cook/01.sh")
$recipe" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$T/err" ] &&
	    { grep -q '[0-9]' "$T/out" ||
	    printf '%s' "$recipe" | grep -Eq '> *"?[a-z$]|^[a-z]+=|^sqlite3 [^|]*< '; }; then
		ok 0 "cookbook: $(printf '%s' "$recipe" | head -1 | cut -c1-60)"
	else
		ok 1 "cookbook: $recipe"
		diag "exit $rc; stderr: $(head -5 "$T/err")"
		diag "stdout: $(head -3 "$T/out")"
	fi
done
cd "$T" || exit 1

# Recipes whose numbers can be checked against the fixtures.
cd "$T/cook" || exit 1
out=$(WHOOP_DB=$DB bash -o pipefail -c "whoop-export -f jsonl sleep | jq -r 'select(.nap | not) | [.start, .score.sleep_performance_percentage] | @tsv'" 2>&1)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3 "jq recipe: three sleeps that are not naps"
cd "$T" || exit 1

# --- the example configuration -------------------------------------------------
cp "$SHARE/config.example" "$T/conf/config"
run whoop-sync -d "$T/nodb"
is "$rc" 77 "config.example as it is parses (exit 77: no database, not 78)"
unlike "$err" "config" "config.example as it is: no complaint about it"
# Every "#key = value" line switched on at once.
sed 's/^#\([a-z_]* = \)/\1/' "$SHARE/config.example" >"$T/conf/config"
chmod 600 "$T/conf/config"
keys=$(sed -n 's/^\([a-z_]*\) = .*/\1/p' "$T/conf/config" | sort | tr '\n' ' ')
is "$keys" "client_id client_secret client_secret_command key_command redirect_port redirect_uri rescore_days scopes " \
    "config.example shows every key of lib/config.c once"
run whoop-sync -d "$T/nodb"
is "$rc" 77 "config.example with every key set parses"
unlike "$err" "config" "config.example with every key set: no complaint about it"
chmod 644 "$T/conf/config"
run whoop-sync -d "$T/nodb"
is "$rc" 78 "(and the secret in a readable file is refused: the check can fail)"
check "config.example sets no secret" sh -c "! grep -Eq '^[a-z_]+ *=' '$SHARE/config.example'"

done_testing
