#!/bin/sh
# whoop-import: the app's own export (invented fixtures from
# t/data/import/mkexport.py) as a ZIP with and without its top folder, a
# folder and single files; round trips through whoop-export with csvkit
# and jq; twice, newer over older and older over newer; -n; links to the
# API's records; the local account and -m; and every refusal (localized,
# ";", truncated ZIP, ZIP bomb, a 10 MB field, a NUL byte) with nothing
# written.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

MK=$WHOOP_TOP/t/data/import/mkexport.py
DBFILL=$WHOOP_TOOLS/dbfill
mkdir -p "$T/home" "$T/conf" "$T/fix"
chmod 700 "$T/conf"
export HOME=$T/home WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
unset WHOOP_DB WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET \
    XDG_DATA_HOME XDG_CONFIG_HOME
DB=$T/data/whoop.db

if ! command -v python3 >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1
then
	skip "python3 or sqlite3 missing"
	done_testing
	exit
fi

F=$T/fix
for v in older newer 2022 2026 spanish german semicolon; do
	python3 "$MK" folder "$F/$v" $v || exit 1
done
python3 "$MK" zip "$F/older" "$F/older.zip"
python3 "$MK" zip "$F/newer" "$F/newer.zip" flat
TOP=my_whoop_data_2026_03_09
q() { sqlite3 "$DB" "$1"; }

# --- usage -----------------------------------------------------------------
run whoop-import --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: whoop-import \[-nv\] \[-a account\] \[-d file\] path' "--help: usage on stdout"
run whoop-import --version
is "$rc" 0 "--version: exit 0"
like "$out" '^whoop-import [0-9]' "--version names the tool"
run whoop-import
is "$rc" 2 "no path: exit 2"
like "$err" '^usage: whoop-import' "no path: usage on stderr"
run whoop-import -x "$F/older.zip"
is "$rc" 2 "bad option: exit 2"
run whoop-import -a 0 "$F/older.zip"
is "$rc" 2 "-a 0: exit 2"
run whoop-import -m "$F/older.zip"
is "$rc" 2 "-m takes no path: exit 2"
run whoop-import --no-such-option x
is "$rc" 2 "an unknown long option: exit 2"
run whoop-import --help=x
is "$rc" 2 "an argument to --help: exit 2"
run whoop-import -d
is "$rc" 2 "-d without its argument: exit 2"
run whoop-import -a 12x "$T/x"
is "$rc" 2 "-a not a number: exit 2"
like "$err" '^whoop-import: -a: not a number: "12x"' "-a not a number: named"
run whoop-import "$(printf 'bad\033[2Jname')"
is "$rc" 1 "a path with a terminal escape: exit 1"
like "$err" 'bad\\x1b\[2Jname' "... shown escaped"
run whoop-import "$T/nothing-here"
is "$rc" 1 "missing path: exit 1"
like "$err" "^whoop-import: .*nothing-here: No such file" "missing path: named"
check "missing path: no database made" test ! -e "$DB"

# --- refusals, nothing written (not even a database) -------------------------
refused() {	# description pattern path...
	d=$1 pat=$2
	shift 2
	run whoop-import -d "$DB" "$@"
	is "$rc" 1 "$d: exit 1"
	like "$err" "$pat" "$d: says why"
	check "$d: nothing written" test ! -e "$DB"
}
refused "Spanish journal" \
    'journal_entries.csv:1: not a file of an English WHOOP export: header found: "Hora de inicio del ciclo' \
    "$F/spanish"
refused "German file names" \
    'physiologische_zyklen.csv:1: not a file of an English WHOOP export: header found: "Startzeit des Zyklus,' \
    "$F/german"
refused "semicolons" \
    'journal_entries.csv:1: fields separated by ";" .*header found: "Cycle start time;Cycle end time;' \
    "$F/semicolon"
python3 "$MK" zip "$F/spanish" "$F/spanish.zip"
refused "Spanish ZIP" "spanish.zip:$TOP/journal_entries.csv:1: not a file of an English" "$F/spanish.zip"
refused "a CSV that is not the export's, named" 'gps_points.csv:1: not a file .*header found: "lat,lon"' \
    "$F/older/$TOP/gps_points.csv"
sz=$(wc -c <"$F/older.zip")
python3 "$MK" truncate "$F/older.zip" "$F/trunc.zip" $((sz - 30))
refused "truncated ZIP (no directory)" 'trunc.zip: not a ZIP archive, or truncated' "$F/trunc.zip"
python3 "$MK" truncate "$F/older.zip" "$F/trunc2.zip" $((sz / 2))
refused "ZIP cut in half" 'trunc2.zip: not a ZIP archive, or truncated' "$F/trunc2.zip"
python3 "$MK" bomb "$F/bomb.zip"
refused "ZIP bomb (inflates past its declared size)" \
    'bomb.zip: journal_entries.csv: inflates past its declared size' "$F/bomb.zip"
check "ZIP bomb: under 100 KiB on disk" test "$(wc -c <"$F/bomb.zip")" -lt 102400
python3 "$MK" bigdecl "$F/bigdecl.zip"
refused "ZIP declaring 3 GB" 'bigdecl.zip: journal_entries.csv: declares 3000000000 bytes, over the limit' "$F/bigdecl.zip"
python3 "$MK" bigfield "$F/big/journal_entries.csv" 10 2>/dev/null ||
    { mkdir -p "$F/big" && python3 "$MK" bigfield "$F/big/journal_entries.csv" 10; }
refused "a 10 MB field" 'journal_entries.csv:2: field 6 is longer than 65536 bytes' "$F/big/journal_entries.csv"
mkdir -p "$F/nul"
python3 "$MK" nul "$F/nul/journal_entries.csv"
refused "a NUL byte" 'journal_entries.csv:2: a NUL byte' "$F/nul/journal_entries.csv"
# A bad row anywhere refuses everything, including the good files.
mkdir -p "$F/badrow"
cp -R "$F/older/$TOP" "$F/badrow/"
sed -i '6s/^2026-03-08 04:40:18/08\/03\/2026 04:40/' "$F/badrow/$TOP/journal_entries.csv"
refused "dd/mm/yyyy in row 6" 'journal_entries.csv:6: Cycle start time: not a time of the form YYYY-MM-DD HH:MM:SS: "08/03/2026 04:40"' "$F/badrow"
cp "$F/older/$TOP/journal_entries.csv" "$F/badrow/$TOP/"
sed -i '3s/,true,/,yes,/' "$F/badrow/$TOP/journal_entries.csv"
refused "a boolean that is not true/false" 'journal_entries.csv:3: Answered yes: expected true or false: "yes"' "$F/badrow"
cp "$F/older/$TOP/journal_entries.csv" "$F/badrow/$TOP/"
sed -i '2s/UTC-04:00/GMT-4/' "$F/badrow/$TOP/physiological_cycles.csv"
refused "an unknown time zone" 'physiological_cycles.csv:2: Cycle timezone: not a time zone' "$F/badrow"
cp "$F/older/$TOP/physiological_cycles.csv" "$F/badrow/$TOP/"
sed -i '2s/,71,/,71;5,/' "$F/badrow/$TOP/physiological_cycles.csv"
refused "a decimal comma" 'physiological_cycles.csv:2: Recovery score %: not a number' "$F/badrow"
cp "$F/older/$TOP/physiological_cycles.csv" "$F/badrow/$TOP/"
printf '2026-03-01 00:00:00,,UTCZ,"unterminated\n' >>"$F/badrow/$TOP/journal_entries.csv"
refused "an unterminated quote" 'journal_entries.csv:18: a quoted field that never ends' "$F/badrow"
cp "$F/older/$TOP/journal_entries.csv" "$F/badrow/$TOP/"
printf '2026-03-01 00:00:00,,UTCZ,Q?,true\n' >>"$F/badrow/$TOP/journal_entries.csv"
refused "a short row" 'journal_entries.csv:18: 5 fields, the header has 6' "$F/badrow"
mkdir -p "$F/empty"
refused "no export file at all" 'no file of the WHOOP app.s export' "$F/empty"

# --- -n: reads everything, writes nothing ------------------------------------
run whoop-import -n -v "$F/older.zip"
is "$rc" 0 "-n without a database: exit 0"
like "$err" "older.zip:$TOP/journal_entries.csv: journal: 12 new, 0 unchanged, 0 updated \\(-n" "-n -v: counts per file"
check "-n: no database made" test ! -e "$DB"
check "-n: no data directory made" test ! -e "$T/data/whoop.db-wal"

# --- the first import: the local account -------------------------------------
# It reads no configuration and no key: a broken configuration file and a
# key file anyone can read (which the other tools refuse, exit 78) do not
# matter to it.
printf 'this is not a key = value line\n' >"$T/conf/config"
printf 'not a key' >"$T/conf/key"
chmod 644 "$T/conf/config" "$T/conf/key"
run whoop-sync -d "$T/nothere.db"
is "$rc" 78 "(whoop-sync refuses that configuration: the check can fail)"
run whoop-import -v "$F/older.zip"
rm -f "$T/conf/config" "$T/conf/key"
is "$rc" 0 "import of the older ZIP (top folder): exit 0"
is "$out" "" "import: nothing on stdout"
like "$err" "physiological_cycles.csv: app_cycle: 4 new, 0 unchanged, 0 updated" "-v: cycles counted"
like "$err" "sleeps.csv: app_sleep: 4 new, 0 unchanged, 0 updated" "-v: sleeps counted (CRLF file)"
like "$err" "workouts.csv: app_workout: 2 new, 0 unchanged, 0 updated" "-v: two workouts of one day (BOM file)"
like "$err" "gps_points.csv: skipped" "-v: a CSV not of the export is skipped"
check "database made" test -f "$DB"
is "$(stat -c %a "$DB")" 600 "database is 0600"
is "$(stat -c %a "$T/data")" 700 "data directory is 0700"
is "$(q 'SELECT account_id, status FROM accounts')" "0|needs_login" "rows belong to the local account 0, without tokens"
run whoop-auth -l
like "$out" "^0	needs_login	-	none	" "whoop-auth -l lists the local account with no tokens"
check "no key was made" test ! -e "$T/conf/key"
if command -v strings >/dev/null 2>&1; then
	# whoop-sync has both (the check can fail); whoop-import neither.
	check "whoop-sync links the key and configuration code" \
	    sh -c "strings '$WHOOP_BIN/whoop-sync' | grep -q whoop-key-id-v1 &&
	    strings '$WHOOP_BIN/whoop-sync' | grep -q key_command"
	check "whoop-import links no key or configuration code" \
	    sh -c "! strings '$WHOOP_BIN/whoop-import' | grep -Eq 'whoop-key-id-v1|key_command'"
else
	skip "strings(1) missing"
fi
is "$(q "SELECT count(*) FROM audit WHERE event = 'import'")" 1 "audited once"

snapshot() { sqlite3 "$DB" "SELECT * FROM app_cycle; SELECT * FROM app_sleep;
    SELECT * FROM app_workout; SELECT * FROM journal;" | sed 's/|20[0-9-]*T[0-9:.]*Z$//' ; }
q 'SELECT raw FROM app_cycle ORDER BY start' >"$T/raw1"

# Times, offsets, days.
is "$(q "SELECT start || ' ' || end || ' ' || timezone_offset FROM app_cycle WHERE start LIKE '2026-03-07%'")" \
    "2026-03-07T05:00:00.000Z 2026-03-08T08:40:18.000Z -05:00" "UTC from local time and UTC-05:00"
is "$(q "SELECT count(*) FROM app_cycle a JOIN app_cycle b ON b.start = a.end")" 3 \
    "each cycle's end is the next one's start, across UTCZ and the DST change"
is "$(q "SELECT timezone_offset FROM app_cycle WHERE start LIKE '2026-03-05%'")" Z "UTCZ becomes Z"
is "$(q "SELECT end IS NULL, strain IS NULL, recovery_score FROM app_cycle ORDER BY start DESC LIMIT 1")" "1|1|71.0" \
    "the open cycle: no end, no strain, its recovery"
is "$(q "SELECT date_local FROM app_cycle ORDER BY start")" "2026-03-06
2026-03-07
2026-03-08
2026-03-09" "date_local: the day the cycle's sleep ends (00:00 start without a sleep: that day)"
is "$(q "SELECT nap, sleep_consistency_percentage IS NULL FROM app_sleep WHERE nap ORDER BY start")" "1|1" \
    "a nap: nap true, no consistency"
is "$(q "SELECT count(*), count(DISTINCT date_local) FROM app_workout")" "2|1" "two workouts on one day"
is "$(q "SELECT sport_name FROM app_workout ORDER BY start DESC LIMIT 1")" "Walking, Dog" "an activity name with a comma"
is "$(q "SELECT count(*) FROM journal WHERE question = 'Have any caffeine? '")" 3 "trailing space kept in a question"
is "$(q "SELECT DISTINCT notes FROM journal WHERE notes LIKE 'Late%'")" 'Late dinner, "two" glasses
then bed ' "notes with commas, quotes, a line break and a trailing space"
is "$(q "SELECT DISTINCT date_local FROM journal WHERE cycle_start = '2026-03-08T08:40:18.000Z'")" 2026-03-08 \
    "journal: the day of its cycle"
is "$(q "SELECT json_extract(raw, '\$.\"Answered yes\"') FROM journal WHERE question LIKE '%alcohol%' AND cycle_start LIKE '2026-03-08T08%'")" true "raw keeps the header -> text"
is "$(q "SELECT count(*) FROM journal WHERE json_valid(raw)")" 12 "raw is JSON on every row"

# --- twice: nothing changes ---------------------------------------------------
snapshot >"$T/snap1"
run whoop-import -v "$F/older.zip"
is "$rc" 0 "the same archive again: exit 0"
like "$err" "journal: 0 new, 12 unchanged, 0 updated" "again: all unchanged"
snapshot >"$T/snap2"
check "again: the tables are the same" cmp -s "$T/snap1" "$T/snap2"
is "$(q "SELECT count(*) FROM audit WHERE event = 'import'")" 1 "again: nothing to audit"
run whoop-import -v "$F/older"
like "$err" "journal: 0 new, 12 unchanged, 0 updated" "the unpacked folder: the same rows"
python3 "$MK" zip "$F/older" "$F/mac.zip" mac
run whoop-import -v "$F/mac.zip"
is "$rc" 0 "a ZIP re-made on a Mac (__MACOSX, ._ files): exit 0"
like "$err" "mac.zip:$TOP/journal_entries.csv: journal: 0 new, 12 unchanged" "... the same rows, the binary ._ files skipped"
run whoop-import -v "$F/older/$TOP/journal_entries.csv"
like "$err" "journal_entries.csv: journal: 0 new, 12 unchanged, 0 updated" "a single CSV file: the same rows"

# --- newer over older ---------------------------------------------------------
run whoop-import -n -v "$F/newer.zip"
like "$err" "physiological_cycles.csv: app_cycle: 1 new, 3 unchanged, 1 updated \\(-n" "-n against the database"
snapshot >"$T/snap3"
check "-n: the tables are the same" cmp -s "$T/snap1" "$T/snap3"
run whoop-import -v "$F/newer.zip"
is "$rc" 0 "the newer archive (no top folder): exit 0"
like "$err" "newer.zip:physiological_cycles.csv: app_cycle: 1 new, 3 unchanged, 1 updated" "newer: one new cycle, the open one closed"
like "$err" "newer.zip:journal_entries.csv: journal: 4 new, 8 unchanged, 4 updated" "newer: journal"
is "$(q "SELECT strain, end FROM app_cycle WHERE start = '2026-03-09T02:30:00.000Z'")" "10.2|2026-03-10T03:05:00.000Z" \
    "newer: the cycle that was open has its end and strain"
q "SELECT raw FROM app_cycle WHERE start < '2026-03-09' ORDER BY start" >"$T/raw2"
head -3 "$T/raw1" >"$T/raw1h"
check "newer: the older cycles are as they were" cmp -s "$T/raw1h" "$T/raw2"
snapshot >"$T/snap4"
run whoop-import -v "$F/older.zip"
like "$err" "app_cycle: 0 new, 4 unchanged, 0 updated" "older over newer: nothing taken back"
snapshot >"$T/snap5"
check "older over newer: the tables are the same" cmp -s "$T/snap4" "$T/snap5"

# --- variants: 2022 (no consistency), 2026 (no distances) ------------------
D2=$T/data/v.db
run whoop-import -d "$D2" "$F/2022" "$F/2026/$TOP/workouts.csv"
is "$rc" 0 "2022 cycles and sleeps, 2026 workouts: exit 0"
is "$(sqlite3 "$D2" "SELECT count(*) FROM app_cycle WHERE sleep_consistency_percentage IS NULL")" 4 "2022: no consistency"
is "$(sqlite3 "$D2" "SELECT count(*), count(distance_meter) FROM app_workout")" "2|0" "2026: no distances"
is "$(sqlite3 "$D2" "SELECT count(*) FROM app_workout WHERE json_extract(raw, '\$.\"Distance (meters)\"') IS NULL")" 2 \
    "2026: raw has only the columns the file had"

# --- round trips through whoop-export --------------------------------------------
run whoop-export -f csv journal
is "$rc" 0 "whoop-export journal: exit 0"
like "$(head -1 "$T/out")" '^account_id,cycle_start,cycle_end,timezone_offset,date_local,question,answered_yes,notes,cycle_id' \
    "journal columns"
like "$out" '0,2026-03-08T08:40:18.000Z,2026-03-09T02:30:00.000Z,-04:00,2026-03-08,Have any alcoholic drinks\?,true,"Late dinner' \
    "journal row in the API's time format"
if command -v csvjson >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
	PYTHONWARNINGS=ignore csvjson -I --snifflimit 0 "$T/out" >"$T/j.json" 2>/dev/null
	is "$(jq length "$T/j.json")" 16 "csvjson reads 16 journal rows"
	is "$(jq -r '[.[] | select(.question == "Have any caffeine? ")] | length' "$T/j.json")" 4 \
	    "csvjson: the trailing space survives"
	is "$(jq -r '[.[] | select(.notes != null) | .notes] | unique | .[0]' "$T/j.json")" 'Late dinner, "two" glasses
then bed ' "csvjson: the note with comma, quotes and line break survives"
	is "$(jq -r '[.[] | .answered_yes] | map(tostring) | unique | join(",")' "$T/j.json")" "false,true" \
	    "csvjson: answered_yes is true/false"
	whoop-export app_workout | PYTHONWARNINGS=ignore csvjson -I --snifflimit 0 >"$T/w.json" 2>/dev/null
	is "$(jq -r '.[].sport_name' "$T/w.json" | sort | tr '\n' '|')" "Running|Walking, Dog|" "csvjson: workouts"
else
	skip "csvkit or jq missing"
fi
if command -v jq >/dev/null 2>&1; then
	whoop-export -f jsonl journal >"$T/j.jsonl"
	is "$(jq -r '."Question text"' "$T/j.jsonl" | sort -u | wc -l)" 4 "jsonl: the raw rows, header -> text"
	whoop-export -F journal >"$T/jf.jsonl"
	is "$(jq -r 'select(.answered_yes == true and .question == "Have any alcoholic drinks?") | .date_local' "$T/jf.jsonl" | tr '\n' ' ')" \
	    "2026-03-06 2026-03-08 " "jq -F: days after alcohol"
	is "$(whoop-export -F app_sleep | jq -s 'map(select(.nap)) | length')" 1 "jq: one nap"
else
	skip "jq missing"
fi
run whoop-export -s 2026-03-09 -c date_local,strain app_cycle
is "$out" "$(printf 'date_local,strain\r\n2026-03-09,10.2\r\n2026-03-10,\r')" "whoop-export -s and -c on app_cycle"

# --- links to the API's records ---------------------------------------------------
A=23456789
run whoop-import -v "$F/newer.zip"
like "$err" "0 rows linked" "no API records: nothing linked"
if [ -x "$DBFILL" ]; then
	cat >"$T/cyc.json" <<-EOF
	{"records":[{"id":9001,"user_id":$A,"created_at":"2026-03-09T12:00:00.000Z","updated_at":"2026-03-09T12:00:00.000Z","start":"2026-03-08T08:40:18.345Z","end":"2026-03-09T02:30:00.120Z","timezone_offset":"-04:00","score_state":"SCORED","score":{"strain":12.3,"kilojoule":10250,"average_heart_rate":70,"max_heart_rate":171}},
	{"id":9002,"user_id":$A,"created_at":"2026-03-09T12:00:00.000Z","updated_at":"2026-03-09T12:00:00.000Z","start":"2026-03-09T02:30:01.000Z","end":null,"timezone_offset":"-04:00","score_state":"SCORED"}]}
	EOF
	"$DBFILL" "$DB" $A cycle "$T/cyc.json" >/dev/null
	run whoop-import -v "$F/newer.zip"
	is "$rc" 0 "two accounts: the only real one is chosen"
	like "$err" "account $A; 5 rows linked" "linked: one cycle and its four journal rows"
	is "$(q "SELECT count(*) FROM app_cycle WHERE account_id = $A")" 5 "the real account has its own rows"
	is "$(q "SELECT cycle_id FROM app_cycle WHERE account_id = $A AND cycle_id IS NOT NULL")" 9001 \
	    "linked: the API cycle with the same start to the second (not the one a second later)"
	is "$(q "SELECT count(*) FROM journal WHERE account_id = $A AND cycle_id = 9001")" 4 "journal rows linked to the API cycle"
	is "$(q "SELECT r.raw IS NULL, j.question FROM journal j JOIN cycle c ON c.account_id = j.account_id AND c.id = j.cycle_id LEFT JOIN recovery r ON r.cycle_id = c.id WHERE j.answered_yes AND j.question LIKE '%alcohol%'")" \
	    "1|Have any alcoholic drinks?" "SQL joins a day's answers to its API cycle"
	# The local account's rows go to the real one with -m.
	is "$(q "SELECT count(*) FROM journal WHERE account_id = 0")" 16 "the local account still has its rows"
	run whoop-import -m -v
	is "$rc" 0 "-m: exit 0"
	like "$err" "moved 0 rows of the local account to account $A" "-m: rows the account holds already stay; none moved"
	is "$(q "SELECT count(*) FROM accounts WHERE account_id = 0")" 0 "-m: the local account is gone"
	is "$(q "SELECT count(*) FROM journal")" 16 "-m: no row lost, none doubled"
	run whoop-import -m
	is "$rc" 0 "-m again: nothing to move, exit 0"
	# -m to an account given by -a that is not yet in the database.
	D4=$T/data/m.db
	whoop-import -d "$D4" "$F/older.zip"
	run whoop-import -d "$D4" -m -v -a 56789012
	is "$rc" 0 "-m -a to a new account: exit 0"
	like "$err" "moved 22 rows of the local account to account 56789012" "-m: every row moved"
	is "$(sqlite3 "$D4" "SELECT group_concat(account_id) FROM accounts")" 56789012 "-m: the new account, the local one gone"
	is "$(sqlite3 "$D4" "SELECT count(*) FROM journal WHERE account_id = 56789012")" 12 "-m: its journal"
	# A third account: now -a is needed.
	"$DBFILL" "$DB" 34567890 >/dev/null
	run whoop-import "$F/newer.zip"
	is "$rc" 2 "several accounts, no -a: exit 2"
	like "$err" "2 accounts in the database: choose one with -a" "several accounts: says so"
	run whoop-import -a 45678901 -v "$F/older.zip"
	is "$rc" 0 "-a with a new account id: exit 0"
	is "$(q "SELECT status FROM accounts WHERE account_id = 45678901")" needs_login "-a: account made without tokens"
else
	skip "t/tools/dbfill missing"
fi

# whoop-sync skips the local account: an import alone needs no login.
D3=$T/data/local.db
whoop-import -d "$D3" "$F/older.zip"
run whoop-sync -d "$D3"
unlike "$err" "account 0" "whoop-sync does not try the local account"

# A database locked by another writer: whoop-import waits (5 s), under
# its seccomp filter by then, and gives up with 75.
( echo "BEGIN IMMEDIATE;"; sleep 8; echo "COMMIT;" ) | sqlite3 "$D3" &
lockpid=$!
TAP_PIDS="$TAP_PIDS $lockpid"
sleep 1
whoop-import -d "$D3" "$F/newer.zip" >"$T/lk.out" 2>"$T/lk.err" &
imppid=$!
sleep 2
sc=$(awk '/^Seccomp:/ { print $2 }' "/proc/$imppid/status" 2>/dev/null)
if [ -n "${WHOOP_WRAP:-}" ]; then
	# Under valgrind (WHOOP_WRAP) the tools run unconfined, as in 0700.
	skip "under $WHOOP_WRAP the tools run unconfined"
elif [ -n "$sc" ]; then
	is "$sc" 2 "a waiting whoop-import is under a seccomp filter"
else
	skip "no /proc/PID/status Seccomp field"
fi
wait "$imppid"
is "$?" 75 "a locked database: exit 75"
like "$(cat "$T/lk.err")" "locked|busy" "a locked database: says so"
wait "$lockpid"
is "$(sqlite3 "$D3" "SELECT count(*) FROM app_cycle")" 4 "a locked database: nothing written"

# --- the database checks of the other tools -------------------------------------
chmod 644 "$D3"
run whoop-import -d "$D3" "$F/older.zip"
is "$rc" 78 "a database readable by others: exit 78"
chmod 600 "$D3"
run whoop-import -d "$T/no/such/dir/x.db" "$F/older.zip"
is "$rc" 1 "a database in a missing folder: exit 1"

done_testing
