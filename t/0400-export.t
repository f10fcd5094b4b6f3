#!/bin/sh
# whoop-export: CSV, TSV and JSON Lines that jq and csvkit read back
# byte for byte, filters, column choice, a read-only and key-less run,
# closed pipes, database errors before and during a stream, and proof
# that no credential is ever read.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

FIX=$WHOOP_TOP/t/data/export
DBFILL=$WHOOP_TOOLS/dbfill
A=23456789
B=34567890
mkdir -p "$T/home" "$T/conf" "$T/data" && chmod 700 "$T/data"
export HOME=$T/home WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
unset WHOOP_DB WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET \
    XDG_DATA_HOME XDG_CONFIG_HOME
DB=$T/data/whoop.db

# The fixtures: two accounts, every record type, and their edge cases.
n=$("$DBFILL" "$DB" $A cycle "$FIX/cycle.json" sleep "$FIX/sleep.json" \
    workout "$FIX/workout.json" recovery "$FIX/recovery.json" \
    profile "$FIX/profile.json" body "$FIX/body.json" body "$FIX/body2.json")
is "$n" 16 "fixtures stored for account $A"
n=$("$DBFILL" "$DB" $B cycle "$FIX/cycle_b.json" profile "$FIX/profile_b.json")
is "$n" 2 "fixtures stored for account $B"

# A credentials row full of canaries: no export may ever show one.
sqlite3 "$DB" "INSERT INTO credentials (account_id, key_id, client_id,
    client_secret, access_token, refresh_token, token_type, scope,
    expires_at, updated_at) VALUES ($A, x'0102030405060708',
    'PLANTEDSECRET-client-id', CAST('PLANTEDSECRET-secret' AS BLOB),
    CAST('PLANTEDSECRET-access' AS BLOB), CAST('PLANTEDSECRET-refresh' AS BLOB),
    'bearer', 'PLANTEDSECRET-scope', '2030-01-01T00:00:00.000Z',
    '2026-01-01T00:00:00.000Z')"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM credentials')" 1 "canary credentials row"

# --- usage -----------------------------------------------------------------
run whoop-export --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: whoop-export ' "--help: usage on stdout"
run whoop-export --version
is "$rc" 0 "--version: exit 0"
like "$out" '^SQLite 3' "--version names SQLite"
like "$out" '^OpenSSL ' "--version names OpenSSL"
unlike "$out" 'libcurl|cJSON' "--version does not pull in the network libraries"
run whoop-export
is "$rc" 2 "no type: exit 2"
like "$err" '^usage: whoop-export' "no type: usage on stderr"
run whoop-export cycle sleep
is "$rc" 2 "two types: exit 2"
run whoop-export cycles
is "$rc" 2 "bad type: exit 2"
like "$err" 'unknown type "cycles"' "bad type: named"
like "$err" 'cycle, recovery, sleep, workout, body, profile' "bad type: valid ones listed"
run whoop-export -f xml cycle
is "$rc" 2 "bad format: exit 2"
like "$err" 'unknown format "xml"' "bad format: named"
run whoop-export -s yesterday cycle
is "$rc" 2 "bad -s: exit 2"
like "$err" '^whoop-export: -s: invalid date "yesterday"' "bad -s: named"
run whoop-export -u 2026-02-30 cycle
is "$rc" 2 "bad -u: exit 2"
like "$err" '-u: invalid date "2026-02-30": day out of range' "bad -u: says why"
run whoop-export -c id,strian cycle
is "$rc" 2 "unknown column: exit 2"
like "$err" 'unknown column "strian" for cycle' "unknown column: named"
like "$err" 'valid: account_id, id, user_id, .*, start_local, end_local, date_local$' "unknown column: valid ones listed"
run whoop-export -c id,,start cycle
is "$rc" 2 "empty column name: exit 2"
run whoop-export -c date_local recovery
is "$rc" 0 "date_local is a recovery column"
run whoop-export -c end_local recovery
is "$rc" 2 "end_local is not a recovery column"
run whoop-export -F -f tsv cycle
is "$rc" 2 "-F with -f tsv: exit 2"
run whoop-export -f jsonl -c id cycle
is "$rc" 2 "-c with raw JSON Lines: exit 2"
run whoop-export -s 7d body
is "$rc" 2 "-s on body: exit 2"
like "$err" 'body records have no start' "-s on body: says why"
run whoop-export -a 0 cycle
is "$rc" 2 "-a 0: exit 2"
run whoop-export -a abc cycle
is "$rc" 2 "-a abc: exit 2"

# --- CSV (csvjson -I reads an empty field as null) --------------------
run whoop-export cycle
is "$rc" 0 "csv cycle: exit 0"
is "$err" "" "csv cycle: quiet"
is "$(head -1 "$T/out")" "$(printf 'account_id,id,user_id,created_at,updated_at,start,end,timezone_offset,score_state,strain,kilojoule,average_heart_rate,max_heart_rate,start_local,end_local,date_local\r')" "csv cycle: documented header, CRLF"
is "$(cut -d, -f2 "$T/out" | tr -d '\r' | tr '\n' ' ')" "id 1436000001 1436500002 1436600001 1437000003 1437500004 " "csv cycle: both accounts, start order"
is "$(grep -c "$(printf '\r$')" "$T/out")" 6 "csv: every line ends in CRLF"
csvjson -I --snifflimit 0 "$T/out" >"$T/cycle.json" 2>"$T/csverr"
is "$?" 0 "csvjson reads the cycle CSV"
is "$(jq -c '[.[] | select(.id == "1437500004") | .end, .start_local, .date_local]' "$T/cycle.json")" '[null,"2026-03-31T11:00:00.000+00:00","2026-03-31"]' "current cycle: end empty, Z offset shown as +00:00"
is "$(jq -c '[.[] | select(.id == "1436000001") | .start_local, .end_local, .date_local]' "$T/cycle.json")" '["2026-03-27T23:10:00.000-05:00","2026-03-28T23:05:00.000-05:00","2026-03-27"]' "-05:00: the local day is the day before the UTC one"
is "$(jq -c '[.[] | select(.id == "1437000003") | .start_local, .date_local, .score_state, .strain]' "$T/cycle.json")" '["2026-03-31T08:29:00.000+14:00","2026-03-31","PENDING_SCORE",null]' "+14:00: the local day is the day after; PENDING_SCORE has no score"
is "$(jq -c '[.[] | select(.id == "1436500002") | .strain, .kilojoule, .start_local]' "$T/cycle.json")" '["8.123456","7654.321","2026-03-29T09:35:00.000+05:30"]' "numbers as WHOOP sent them; +05:30"

run whoop-export workout
is "$rc" 0 "csv workout: exit 0"
csvjson -I --snifflimit 0 "$T/out" >"$T/workout.json"
# Python's csv reader (csvkit) turns a CRLF inside a quoted field into LF.
is "$(jq -c '[.[].sport_name]' "$T/workout.json")" "$(jq -c '[.records[].sport_name] | reverse | map(gsub("\r\n"; "\n"))' "$FIX/workout.json")" "csv: commas, quotes, newlines, tabs and non-ASCII in sport_name survive csvjson"
is "$(jq -c '[.[].id]' "$T/workout.json")" "$(jq -c '[.records[].id] | reverse' "$FIX/workout.json")" "csv workout: ids in start order"
like "$(cat "$T/out")" '"Café, ""Hill"" repeats' "csv: a quote is doubled inside a quoted field"
like "$(cat "$T/out")" "\"tab	here back\\\\slash$(printf '\r')\$" "csv: CR kept inside a quoted field"
is "$(jq -c '[.[] | select(.sport_name == "meditation") | .score_state, .strain, .distance_meter]' "$T/workout.json")" '["SCORED",null,null]' "SCORED with a null score: empty fields"
csvstat --snifflimit 0 --count "$T/out" >"$T/count" 2>&1
is "$(cat "$T/count")" 3 "csvstat counts 3 workouts"
csvstat --snifflimit 0 -c strain "$T/out" >"$T/stat" 2>&1
like "$(cat "$T/stat")" 'Type of data: +Number' "csvstat: strain is a number"

run whoop-export sleep
csvjson -I --snifflimit 0 "$T/out" >"$T/sleep.json"
is "$(jq -c '[.[].nap]' "$T/sleep.json")" '["false","true","false"]' "csv: booleans as true/false"
is "$(jq -c '[.[] | .need_from_recent_nap_milli]' "$T/sleep.json")" '["0",null,"-1800000"]' "csv: negative numbers and nulls"

run whoop-export profile
csvjson -I --snifflimit 0 "$T/out" >"$T/profile.json"
is "$(jq -c '[.[] | .first_name, .last_name]' "$T/profile.json")" "$(jq -sc '[.[] | .first_name, .last_name]' "$FIX/profile.json" "$FIX/profile_b.json")" "csv: names with quotes, commas, newline and non-ASCII survive csvjson"
is "$(jq -c '[.[].account_id]' "$T/profile.json")" "[\"$A\",\"$B\"]" "profile: by account"

run whoop-export body
is "$(tr -d '\r' <"$T/out" | cut -d, -f1-4)" "$(printf 'account_id,height_meter,weight_kilogram,max_heart_rate\n%s,1.7,60.5,190\n%s,1.7,59.25,190' $A $A)" "body: history in order"
like "$(tail -1 "$T/out")" ',20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z' "body: synced_at"

run whoop-export recovery
csvjson -I --snifflimit 0 "$T/out" >"$T/recovery.json"
is "$(jq -c '[.[] | [.cycle_id, .cycle_start, .date_local, .user_calibrating]]' "$T/recovery.json")" '[["1436500002","2026-03-29T04:05:00.000Z","2026-03-29","false"],["1437000003","2026-03-30T18:29:00.000Z","2026-03-31","true"],["1435000000",null,null,null]]' "recovery: by its cycle's start, local day from the cycle, orphan last with empty cycle_start"

# --- TSV -------------------------------------------------------------------
# Undo the TSV escapes with jq, then compare with what WHOOP sent.
tsv_col() {
	jq -R --arg c "$1" '[splits("\t")] | map(gsub("\\\\(?<e>.)"; if .e == "t" then "\t" elif .e == "n" then "\n" elif .e == "r" then "\r" else .e end))' "$2" |
	    jq -sc --arg c "$1" '.[0] as $h | ($h | index($c)) as $i | [.[1:][] | .[$i]]'
}
run whoop-export -f tsv workout
is "$rc" 0 "tsv workout: exit 0"
is "$(wc -l <"$T/out" | tr -d ' ')" 4 "tsv: one line per row, newlines escaped"
like "$(sed -n 3p "$T/out")" 'tab\\there back\\\\slash\\r\\nCRLF' "tsv: tab, backslash, CR, LF escaped"
is "$(tsv_col sport_name "$T/out")" "$(jq -c '[.records[].sport_name] | reverse' "$FIX/workout.json")" "tsv: sport_name round-trips exactly, CR included"
run whoop-export -f tsv profile
is "$(tsv_col first_name "$T/out")" '["Zoë","Line\nbreak"]' "tsv: profile names round-trip"
run whoop-export -f tsv -c nap,sleep_consistency_percentage sleep
is "$(cat "$T/out")" "$(printf 'nap\tsleep_consistency_percentage\nfalse\t85\ntrue\t\nfalse\t')" "tsv: -c, booleans, nulls empty"

# --- JSON Lines ------------------------------------------------------------
run whoop-export -f jsonl workout
is "$rc" 0 "jsonl workout: exit 0"
sed -e 's/^{"records":\[//' -e 's/,$//' -e 's/\]}$//' "$FIX/workout.json" | tac >"$T/want"
check "jsonl: each record's bytes exactly as WHOOP sent them" cmp -s "$T/out" "$T/want"
jq -c . "$T/out" >"$T/jq" 2>&1
is "$?" 0 "jsonl: jq parses every line"
is "$(wc -l <"$T/jq" | tr -d ' ')" 3 "jsonl: jq -c . gives one record per line"
is "$(jq -r 'select(.score != null) | .score.zone_durations.zone_three_milli' "$T/out" | tr '\n' ' ')" "1500000 900000 " "jsonl: jq filter on WHOOP's nested fields"
run whoop-export -f jsonl cycle
is "$(jq -c '.score.strain' "$T/out" | tr '\n' ' ')" "10.5 8.123456 15.75 null 4.25 " "jsonl: .score.strain as in WHOOP's docs"
is "$(wc -l <"$T/out" | tr -d ' ')" 5 "jsonl: a pretty-printed record is still one line"
want=$(sed -n '1,11p' "$FIX/cycle.json" | sed -e '1s/^{"records":\[//' -e '$s/,$//' | paste -sd ' ')
is "$(tail -1 "$T/out")" "$want" "jsonl: line breaks between tokens become spaces, nothing else changes"
run whoop-export -f jsonl profile
is "$(jq -r '.last_name' "$T/out" | head -1)" "O'Brien, \"Jr.\"" "jsonl profile: raw object"

run whoop-export -F workout
is "$rc" 0 "-F workout: exit 0"
jq -c . "$T/out" >/dev/null 2>&1
is "$?" 0 "-F: jq parses every line"
is "$(jq -c '[.sport_name]' "$T/out" | paste -sd ' ')" "$(jq -c '.records[] | [.sport_name]' "$FIX/workout.json" | tac | paste -sd ' ')" "-F: strings escaped properly, control characters included"
is "$(head -1 "$T/out" | jq -c '[keys_unsorted[0], keys_unsorted[-1], (keys | length)]')" '["account_id","date_local",28]' "-F: all columns, account_id first"
is "$(jq -c '[.distance_meter, .strain, .sport_id]' "$T/out" | paste -sd ' ')" '[10012.5,13.987654,0] [null,6.5,-1] [null,null,70]' "-F: numbers as numbers, NULL as null"
run whoop-export -F -c nap,id sleep
is "$(head -1 "$T/out")" '{"nap":false,"id":"aaaaaaaa-0000-4000-8000-000000000001"}' "-F -c: booleans, picked order"
run whoop-export -F recovery
is "$(jq -c '.user_calibrating' "$T/out" | paste -sd ' ')" 'false true null' "-F: recovery booleans"

# --- filters ---------------------------------------------------------------
ids() { run whoop-export -c "${COL:-id}" "$@"; tail -n +2 "$T/out" | tr -d '\r' | paste -sd ' '; }
is "$(ids -a $B cycle)" "1436600001" "-a: one account"
is "$(ids -a $A cycle)" "1436000001 1436500002 1437000003 1437500004" "-a: the other account"
is "$(ids -a 99 cycle)" "" "-a: an unknown account gives no rows"
is "$(ids -s 2026-03-29 -u 2026-03-31 cycle)" "1436500002 1436600001 1437000003" "-s/-u: dates"
is "$(ids -s 2026-03-29T04:05:00.000Z cycle)" "1436500002 1436600001 1437000003 1437500004" "-s: start >= since"
is "$(ids -u 2026-03-29T09:35:00+05:30 cycle)" "1436000001" "-u: start < until, an offset honoured"
is "$(COL=cycle_id ids -s 2026-03-30 recovery)" "1437000003" "-s on recovery: the cycle's start"
is "$(ids -s 2026-03-29 -u 2026-03-30 workout)" "bbbbbbbb-0000-4000-8000-000000000002" "-s/-u on workout"
is "$(ids -a $A -s 2026-03-30T00:00 -u 2026-04-01 sleep)" "aaaaaaaa-0000-4000-8000-000000000002 aaaaaaaa-0000-4000-8000-000000000003" "-a -s -u on sleep"
run whoop-export -c start_local,id -u 2026-03-29 cycle
is "$(tr -d '\r' <"$T/out")" "$(printf 'start_local,id\n2026-03-27T23:10:00.000-05:00,1436000001')" "-c orders columns as given"

# Relative forms, against records moved to just before now.
sqlite3 "$DB" "UPDATE cycle SET start = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days') WHERE id = 1436000001;
    UPDATE cycle SET start = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 days') WHERE id = 1436500002;"
r=$(ids -s 3d cycle)
like "$r" '1436000001' "-s 3d: a cycle 2 days old"
unlike "$r" '1436500002' "-s 3d: not one 10 days old"
r=$(ids -s 2w -u 5d cycle)
like "$r" '1436500002' "-s 2w -u 5d: the 10 day old cycle"
unlike "$r" '1436000001' "-s 2w -u 5d: not the 2 day old one"
r=$(ids -s 50h -u now cycle)
is "$r" "1436000001" "-s 50h -u now"

# --- empty results ---------------------------------------------------------
run whoop-export -s 2100-01-01 cycle
is "$rc" 0 "empty csv: exit 0"
is "$(cat "$T/out")" "$(printf 'account_id,id,user_id,created_at,updated_at,start,end,timezone_offset,score_state,strain,kilojoule,average_heart_rate,max_heart_rate,start_local,end_local,date_local\r')" "empty csv: the header only"
run whoop-export -f tsv -c id -s 2100-01-01 sleep
is "$(cat "$T/out")" "id" "empty tsv: the header only"
run whoop-export -f jsonl -s 2100-01-01 cycle
check "empty jsonl: nothing at all" test ! -s "$T/out"
run whoop-export -F -s 2100-01-01 cycle
check "empty -F: nothing at all" test ! -s "$T/out"

# --- no key, no config, no credentials -------------------------------------
ALL="$T/all"
: >"$ALL"
for t in cycle recovery sleep workout body profile; do
	for f in "-f csv" "-f tsv" "-f jsonl" "-F"; do
		whoop-export $f "$t" >>"$ALL" 2>&1
	done
done
# The planted values are in clear on purpose (a stand-in for a credentials
# row), so they carry their own marker: the suite-wide scan looks for the
# simulator's WHOOPCANARY, which must never be in clear anywhere.
check "no export output holds a planted credential" sh -c "! grep -aq PLANTEDSECRET '$ALL'"
check "the planted values are in the database" grep -aq PLANTEDSECRET "$DB"
# If whoop-export opened the config file or the key file, these FIFOs
# would block it until the timeout.
mkfifo "$T/conf/config" "$T/conf/key"
run timeout 10 whoop-export -c id cycle
is "$rc" 0 "works without opening the config or the key (FIFOs there)"
run env WHOOP_KEY_FILE="$T/conf/key" timeout 10 whoop-export -f jsonl sleep
is "$rc" 0 "WHOOP_KEY_FILE is not opened either"
rm -f "$T/conf/config" "$T/conf/key"
run env WHOOP_CONFIG_DIR="$T/empty" WHOOP_DB="$DB" whoop-export -c id cycle
is "$rc" 0 "no configuration directory at all: fine"
is "$(wc -l <"$T/out" | tr -d ' ')" 6 "... and all rows"
run env WHOOP_DB="$DB" WHOOP_DATA_DIR="$T/nowhere" whoop-export -c user_id profile
is "$rc" 0 "WHOOP_DB names the database"
run whoop-export -d "$DB" -c user_id profile
is "$rc" 0 "-d names the database"

bin=$WHOOP_BIN/whoop-export
needed=$(readelf -d "$bin" | grep NEEDED)
like "$needed" 'libsqlite3' "readelf: links SQLite"
unlike "$needed" 'libcurl' "readelf: no libcurl"
unlike "$needed" 'libcjson' "readelf: no libcjson"
unlike "$(nm "$bin" 2>/dev/null | awk '{print $NF}')" '^whoop_(key_|seal|unseal|cred_|config_|http_|oauth_|page_parse)' "nm: no key, seal, credential, config or network code"

# --- read-only database ----------------------------------------------------
cp "$DB" "$T/ro.db"
chmod 400 "$T/ro.db"
run whoop-export -d "$T/ro.db" -c id workout
is "$rc" 0 "a read-only (0400) database exports"
is "$(wc -l <"$T/out" | tr -d ' ')" 4 "... every row"
check "the read-only file was not touched" cmp -s "$DB" "$T/ro.db"

# --- while a sync writes ---------------------------------------------------
mkfifo "$T/sqlin"
sqlite3 "$DB" <"$T/sqlin" >"$T/sqlout" 2>&1 &
writer=$!
TAP_PIDS="$TAP_PIDS $writer"
exec 4>"$T/sqlin"
# The writer waits for the lock: a probe below may hold it for an instant.
echo ".timeout 10000" >&4
echo "BEGIN IMMEDIATE; UPDATE cycle SET strain = 20.5 WHERE id = 1437500004;" >&4
i=0
while [ $i -lt 100 ] && sqlite3 "$DB" '.timeout 0' 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
check "another connection holds the write lock" test "$i" -lt 100
run timeout 20 whoop-export -c id,strain -a $A -s 2026-03-31 cycle
is "$rc" 0 "export while another connection holds the write lock"
is "$(tr -d '\r' <"$T/out" | grep ^1437500004)" "1437500004,4.25" "... sees the last committed value"
echo "COMMIT;" >&4
exec 4>&-
wait "$writer"
run whoop-export -c id,strain -a $A -s 2026-03-31 cycle
is "$(tr -d '\r' <"$T/out" | grep ^1437500004)" "1437500004,20.5" "after the commit, the new value"

# --- missing, foreign, loose and damaged databases -------------------------
run whoop-export -d "$T/nothere.db" cycle
is "$rc" 1 "missing database: exit 1"
like "$err" "no database at $T/nothere.db" "missing database: says where"
check "missing database: not created" test ! -e "$T/nothere.db"
sqlite3 "$T/other.db" 'CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1);'
chmod 600 "$T/other.db"
run whoop-export -d "$T/other.db" cycle
is "$rc" 1 "another program's database: exit 1"
like "$err" 'is not a whoop database' "another program's database: says so"
is "$out" "" "another program's database: nothing on stdout"
cp "$DB" "$T/loose.db"
chmod 644 "$T/loose.db"
run whoop-export -d "$T/loose.db" cycle
is "$rc" 78 "a database others can read: exit 78"
like "$err" 'chmod 600' "a database others can read: says how to fix it"

# A big database for the streaming cases: many pages, much output.
big=$T/big.db
"$DBFILL" "$big" $A >/dev/null
sqlite3 "$big" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO cycle (account_id, id, user_id, created_at, updated_at, start, end,
    timezone_offset, score_state, strain, kilojoule, average_heart_rate,
    max_heart_rate, raw, synced_at)
SELECT $A, 1000000000 + i, $A, t, t, t, e, '-05:00', 'SCORED', (i % 2100) / 100.0,
    5000 + i % 3000, 60 + i % 40, 120 + i % 80,
    json_object('id', 1000000000 + i, 'user_id', $A, 'created_at', t,
        'updated_at', t, 'start', t, 'end', e, 'timezone_offset', '-05:00',
        'score_state', 'SCORED', 'score', json_object('strain', (i % 2100) / 100.0,
        'kilojoule', 5000 + i % 3000, 'average_heart_rate', 60 + i % 40,
        'max_heart_rate', 120 + i % 80), 'padding', hex(randomblob(100))),
    t
FROM (SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', 1600000000 + i * 3600, 'unixepoch') AS t,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1600000000 + i * 3600 + 3599, 'unixepoch') AS e FROM n);"
run whoop-export -d "$big" -c id cycle
is "$(wc -l <"$T/out" | tr -d ' ')" 20001 "big database: 20000 rows and a header"

# | head -1: the reader goes away; a clean stop, status 0, nothing said.
mkfifo "$T/pipe"
whoop-export -d "$big" cycle >"$T/pipe" 2>"$T/pipe.err" &
pid=$!
head -1 <"$T/pipe" >"$T/pipe.out"
wait "$pid"
is "$?" 0 "closed pipe (| head -1): exit 0"
is "$(cat "$T/pipe.err")" "" "closed pipe: no message"
like "$(cat "$T/pipe.out")" '^account_id,id,' "closed pipe: head got the header"
whoop-export -d "$DB" cycle >&- 2>"$T/closed.err"
is "$?" 1 "closed stdout: exit 1"
like "$(cat "$T/closed.err")" 'standard output' "closed stdout: says so"
if [ -w /dev/full ]; then
	whoop-export -d "$DB" cycle >/dev/full 2>"$T/full.err"
	is "$?" 1 "full disk: exit 1"
	like "$(cat "$T/full.err")" 'standard output: No space left' "full disk: says so"
else
	skip "no /dev/full"
	skip "no /dev/full"
fi

# A damaged page: the check on open is bounded (it does not read every
# page), so the export meets it on the way, stops there and says so; the
# rows before it went out whole and in order.
cp "$big" "$T/bad.db"
chmod 600 "$T/bad.db"
dd if=/dev/urandom of="$T/bad.db" bs=4096 seek=40 count=8 conv=notrunc 2>/dev/null
run whoop-export -d "$T/bad.db" -f jsonl cycle
is "$rc" 1 "a damaged database: exit 1"
like "$err" 'damage in the file: whoop-sync -c checks every page' "a damaged database: says so, and what to run"
check "a damaged database: at most whole lines on stdout" sh -c 'jq -c .id "$1" >/dev/null' sh "$T/out"
check "a damaged database: not all rows" test "$(wc -l <"$T/out")" -lt 20000

# The file cut short while a stream is under way: the reader stalls the
# export on a full pipe, the file loses its tail, and the export reads on.
cp "$big" "$T/cut.db"
chmod 600 "$T/cut.db"
rm -f "$T/pipe"
mkfifo "$T/pipe"
whoop-export -d "$T/cut.db" -f jsonl cycle >"$T/pipe" 2>"$T/cut.err" &
pid=$!
exec 5<"$T/pipe"
read -r first <&5
truncate -s 200K "$T/cut.db"
cat <&5 >"$T/cut.out"
exec 5<&-
wait "$pid"
is "$?" 1 "database error mid-stream: exit 1"
like "$(cat "$T/cut.err")" '^whoop-export: export cycle: .*; output stopped after [0-9]+ rows$' "database error mid-stream: a message saying the output is cut"
lines=$(wc -l <"$T/cut.out" | tr -d ' ')
check "database error mid-stream: some rows went out first ($lines)" test "$lines" -gt 0 -a "$lines" -lt 19999
jq -c .id "$T/cut.out" >/dev/null 2>&1
is "$?" 0 "database error mid-stream: only whole lines written"
like "$(tail -c 1 "$T/cut.out" | od -An -c)" '\\n' "database error mid-stream: output ends at a line end"
printf '%s\n' "$first" | jq -e '.id == 1000000001' >/dev/null
is "$?" 0 "database error mid-stream: rows in order up to the error"

done_testing
