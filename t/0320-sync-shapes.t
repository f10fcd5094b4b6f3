#!/bin/sh
# whoop-sync against data shapes and server behaviour WHOOP's documents
# allow but the default simulator does not show (issue 11, items 1-4):
# recoveries whose sleep starts before their cycle, implausible values,
# records that cannot be stored, a record dated in the future or
# outside the window asked, and next_token loops.  After each run the
# database is compared with the service record by record.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

mkdir -p "$T/home" "$T/tmp"
export HOME=$T/home TMPDIR=$T/tmp
export BROWSER=$WHOOP_TOP/t/browser-curl.sh DISPLAY=
export WHOOP_CLIENT_ID=sim-client-id
unset WHOOP_DB WHOOP_KEY_FILE
TYPES="cycle recovery sleep workout"
n=0

# fresh SIMARGS...: a new service and a new database, logged in.
fresh() {
	sim_stop >/dev/null 2>&1
	n=$((n + 1))
	sim_start "$T/sim$n" --test-mode "$@" || { echo "Bail out! no simulator"; exit 1; }
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"],\"rate_minute\":100000}" >/dev/null
	export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA CURL_CA_BUNDLE=$SIM_CA
	export WHOOP_CONFIG_DIR=$T/conf$n WHOOP_DATA_DIR=$T/data$n
	WHOOP_CLIENT_SECRET="$(sim_ctl client | jq -r .client_secret)"
	export WHOOP_CLIENT_SECRET
	DB=$T/data$n/whoop.db
	run whoop-auth -P "$PORT"
	[ "$rc" -eq 0 ] || { diag "$err"; echo "Bail out! no login"; exit 1; }
	ACCT=$(printf '%s\n' "$out" | sed -n 's/^account \([0-9]*\) .*/\1/p')
}
q() { sqlite3 "$DB" "$1"; }
# same TYPE: the database holds exactly what the service has
same() {
	sim_ctl "dataset?user=1" | jq -S -c ".$1[]" | sort >"$T/want.$1"
	q "SELECT raw FROM $1 WHERE account_id = $ACCT" | jq -S -c . | sort >"$T/got.$1"
	cmp -s "$T/want.$1" "$T/got.$1"
}
all_same() {
	for t in $TYPES; do
		check "$1: $t: database equals the service" same "$t"
	done
}
last_summary() { q "SELECT detail FROM audit WHERE event = 'sync' ORDER BY id DESC LIMIT 1"; }

# --- 1. a recovery's sleep starts before its cycle ----------------------------
# WHOOP windows recoveries by their sleep's start.  Every main sleep here
# starts four hours before its cycle, and a day is revealed before each
# run, as in daily use: the start of some run's recovery window falls
# between a sleep's start and its cycle's start.  Nothing WHOOP still has
# may be deleted, whichever run that is.
fresh --days 60 --seed 7 --sleep-lead 240
run whoop-sync
is "$rc" 0 "sleep before cycle: first sync" || diag "$err"
all_same "first sync"
cases=0 lost=0 bad=0
for i in $(seq 1 24); do
	sim_ctl advance '{"days":1}' >/dev/null
	win=$(q "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', high_water, '-7 days') FROM sync_state WHERE collection = 'recovery'")
	c=$(q "SELECT count(*) FROM recovery r JOIN sleep s ON s.id = r.sleep_id JOIN cycle c ON c.id = r.cycle_id WHERE s.start < '$win' AND c.start >= '$win'")
	cases=$((cases + c))
	whoop-sync >/dev/null 2>&1 || bad=$((bad + 1))
	same recovery || lost=$((lost + 1))
done
ok "$([ "$cases" -ge 1 ]; echo $?)" "the case is built: $cases window start(s) between a sleep's start and its cycle's"
is "$bad" 0 "24 daily runs succeed"
is "$lost" 0 "after every run the recoveries equal the service's"
check "... and the sleeps" same sleep
is "$(q "SELECT count(*) FROM audit WHERE event = 'sync' AND detail NOT LIKE '% removed=0 %'")" 0 "no run removed anything"

# An edited sleep moves before both windows' starts: the sleep and its
# recovery are no longer in what is asked for, but WHOOP still has them.
fresh --days 30 --seed 9
run whoop-sync
is "$rc" 0 "edited sleep: first sync"
win=$(q "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', min(high_water), '-7 days') FROM sync_state WHERE collection IN ('sleep', 'recovery')")
sid=$(q "SELECT s.id FROM recovery r JOIN sleep s ON s.id = r.sleep_id WHERE s.start >= '$win' ORDER BY s.start LIMIT 1 OFFSET 1")
cid=$(q "SELECT cycle_id FROM recovery WHERE sleep_id = '$sid'")
to=$(q "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '$win', '-2 hours')")
sim_ctl move_sleep "{\"id\":\"$sid\",\"start\":\"$to\"}" >/dev/null
run whoop-sync -v
is "$rc" 0 "a sleep edited to start before the windows: the sync succeeds" || diag "$err"
like "$err" "sleep $sid: not in the window, but WHOOP still has it: kept" "-v says the sleep was checked and kept"
is "$(q "SELECT start FROM sleep WHERE id = '$sid'")" "$to" "the sleep is stored with its new start"
is "$(q "SELECT sleep_start FROM recovery WHERE cycle_id = $cid")" "$to" "its recovery moved with it"
like "$(last_summary)" ' removed=0 ' "nothing removed"
all_same "edited sleep"
sim_ctl delete "{\"type\":\"workout\",\"id\":\"$(sim_ctl dataset | jq -r '.workout[0].id')\"}" >/dev/null
run whoop-sync
like "$(last_summary)" ' removed=1 ' "a record WHOOP deleted (404) is still removed"
all_same "a deletion"

# --- 2. implausible values are stored as sent and reported -------------------
fresh --days 20 --seed 3
sim_ctl implausible '{"user":1}' >"$T/odd.json"
is "$(jq '.patched | length' "$T/odd.json")" 4 "the service sends one implausible record of each type"
run whoop-sync -v
is "$rc" 0 "implausible values: the sync succeeds" || diag "$err"
all_same "implausible values"
like "$err" "sleep [0-9a-f-]+: stored as sent, implausible: score.stage_summary.total_awake_time_milli: -68192 outside the plausible range" "-v names the sleep's value"
like "$err" "cycle [0-9]+: stored as sent, implausible: .*score.max_heart_rate: 400 " "-v names the cycle's heart rate"
like "$(last_summary)" ' implausible=4 rejected=0' "the audit row counts them"
is "$(q "SELECT count(*) FROM cycle WHERE implausible IS NOT NULL") $(q "SELECT count(*) FROM recovery WHERE implausible IS NOT NULL") $(q "SELECT count(*) FROM sleep WHERE implausible IS NOT NULL") $(q "SELECT count(*) FROM workout WHERE implausible IS NOT NULL")" "1 1 1 1" "each is marked in its implausible column"
is "$(q "SELECT total_awake_time_milli FROM sleep WHERE implausible IS NOT NULL")" -68192 "the value is stored as sent"
run whoop-sync -c
is "$rc" 0 "-c: values stored as sent are no failure"
like "$out" "^ok	$ACCT	implausible	4 records stored as sent" "-c counts them"
sim_ctl advance '{"days":10}' >/dev/null
run whoop-sync
is "$rc" 0 "once out of the re-score window"
all_same "out of the re-score window"

# --- 2. a record that cannot be stored is kept, retried and reported ----------
wo=$(sim_ctl dataset | jq -r '.workout[1].id')
sl=$(sim_ctl dataset | jq -r '.sleep[2].id')
sim_ctl patch "{\"type\":\"workout\",\"id\":\"$wo\",\"unset\":[\"id\"]}" >/dev/null
sim_ctl patch "{\"type\":\"sleep\",\"id\":\"$sl\",\"set\":{\"start\":\"last tuesday\"}}" >/dev/null
run whoop-sync
is "$rc" 1 "records that cannot be stored: the run fails"
like "$err" "workout: 1 record kept in rejects, not stored: workout record [0-9]+: id: required field is missing" "the workout is named"
like "$err" "sleep: 1 record kept in rejects, not stored: sleep $sl: start: invalid date-time" "the sleep is named"
is "$(q "SELECT collection, record_key IS NULL, reason LIKE '%id: required field is missing' FROM rejects WHERE collection = 'workout'")" "workout|1|1" "the workout is in rejects, without a key"
is "$(q "SELECT record_key FROM rejects WHERE collection = 'sleep'")" "$sl" "the sleep is in rejects, with its key"
is "$(q "SELECT window_start FROM rejects WHERE collection = 'workout'")" "$(sim_ctl dataset | jq -r '.workout[2].start')" "the workout's window starts at the next older workout (WHOOP's order)"
is "$(q "SELECT window_start FROM rejects WHERE collection = 'sleep'")" "$(sim_ctl dataset | jq -r '.sleep[3].start')" "so does the sleep's, whose start is unreadable"
check "the rejects hold the text as sent" sh -c "sqlite3 '$DB' \"SELECT raw FROM rejects WHERE collection = 'sleep'\" | jq -e '.start == \"last tuesday\"' >/dev/null"
like "$(last_summary)" ' rejected=2 ' "the audit row counts them"
run whoop-sync -c
is "$rc" 1 "-c fails while a record is kept in rejects"
like "$out" "^fail	$ACCT	rejects	2 records WHOOP sent not stored" "-c says how many"
# Days pass: the rejects' window leaves the re-score window, and they are
# still asked for again; -c does not turn green by itself.
sim_ctl advance '{"days":9}' >/dev/null
run whoop-sync
is "$rc" 1 "nine days on, the rejects are still not stored: the run fails"
run whoop-sync -c
is "$rc" 1 "... and -c still fails"
is "$(q "SELECT count(*) FROM rejects")" 2 "... and both are still kept"
# WHOOP sends them readable again: stored, and out of rejects.
sim_ctl patch "{\"type\":\"workout\",\"id\":\"$wo\",\"clear\":true}" >/dev/null
sim_ctl patch "{\"type\":\"sleep\",\"id\":\"$sl\",\"clear\":true}" >/dev/null
run whoop-sync
is "$rc" 0 "once WHOOP sends them readable, the run succeeds" || diag "$err"
is "$(q "SELECT count(*) FROM rejects")" 0 "the rejects table is empty"
is "$(q "SELECT count(*) FROM workout WHERE id = '$wo'") $(q "SELECT count(*) FROM sleep WHERE id = '$sl'")" "1 1" "both are stored"
run whoop-sync -c
is "$rc" 0 "-c is green again"
all_same "after the rejects"
# A text this version can read (kept by an older one, say) is stored by
# the next run, without WHOOP's help: the record is old, out of any window.
old=$(q "SELECT id FROM workout ORDER BY start LIMIT 1")
q "INSERT INTO rejects (account_id, collection, record_key, raw, reason, window_start, first_seen, last_seen) SELECT account_id, 'workout', NULL, raw, 'an older version could not read it', start, synced_at, synced_at FROM workout WHERE id = '$old'; DELETE FROM workout WHERE id = '$old';"
run whoop-sync -v
is "$rc" 0 "a kept text that maps now: the run succeeds" || diag "$err"
like "$err" "workout: a record kept in rejects is stored now" "-v says so"
is "$(q "SELECT count(*) FROM workout WHERE id = '$old'"):$(q "SELECT count(*) FROM rejects")" "1:0" "stored, and out of rejects"

# --- 3. a record dated in the future, a record outside the window -------------
fresh --days 20 --seed 5
run whoop-sync
is "$rc" 0 "future record: first sync"
sim_ctl future '{"user":1,"type":"workout","start":"2099-11-13T07:00:00.000Z"}' >/dev/null
run whoop-sync
is "$rc" 0 "a workout dated 2099 is synced" || diag "$err"
is "$(q "SELECT count(*) FROM workout WHERE start >= '2099'")" 1 "it is stored"
hw=$(q "SELECT high_water FROM sync_state WHERE collection = 'workout'")
like "$hw" '^20[0-9]{2}-' "the high-water mark is a time"
now=$(sim_ctl config | jq -r .now)
ok "$([ "$hw" \< "2099" ]; echo $?)" "the high-water mark does not pass the window fetched ($hw)"
for i in 1 2 3; do
	sim_ctl advance '{"days":1}' >/dev/null
	run whoop-sync
	is "$rc" 0 "day $i after it: the sync succeeds"
done
all_same "days after a record dated 2099, without -F"
# An old record the server returns whatever the window asked.
old=$(sim_ctl dataset | jq -r '.workout[-1].id')
sim_ctl stray "{\"type\":\"workout\",\"id\":\"$old\"}" >/dev/null
hw0=$(q "SELECT high_water FROM sync_state WHERE collection = 'workout'")
sim_ctl advance '{"days":1}' >/dev/null
run whoop-sync
is "$rc" 0 "a server returning a record outside the window asked"
all_same "a record outside the window asked"
hw1=$(q "SELECT high_water FROM sync_state WHERE collection = 'workout'")
ok "$([ "$hw1" \> "$hw0" ]; echo $?)" "the high-water mark still moves by the records inside the window ($hw0 -> $hw1)"

# --- 4. a repeated next_token, a server that never ends its pages -------------
fresh --days 40 --seed 11
sim_ctl config '{"repeat_token":"cycle"}' >/dev/null
t0=$(date +%s)
run timeout 120 whoop-sync
t1=$(date +%s)
is "$rc" 1 "a repeated next_token: the run fails (exit 1)"
like "$err" "cycle: WHOOP sent a next_token already given in this pass" "the error names the collection and the token"
ok "$([ $((t1 - t0)) -lt 30 ]; echo $?)" "the run ends quickly ($((t1 - t0)) s)"
for t in recovery sleep workout; do
	check "repeated next_token: $t still synced" same "$t"
done
like "$(q "SELECT last_error FROM sync_state WHERE collection = 'cycle'")" "next_token" "the cycle's last error says why"
run whoop-sync -t sleep
is "$rc" 0 "the lock was released: the next run needs no wait"
run whoop-sync -c
is "$rc" 1 "-c fails for the cycle"
sim_ctl config '{"repeat_token":null,"endless_tokens":"workout"}' >/dev/null
r0=$(sim_ctl stats | jq .requests_total)
t0=$(date +%s)
run timeout 120 whoop-sync -t workout
t1=$(date +%s)
r1=$(sim_ctl stats | jq .requests_total)
is "$rc" 1 "pages without end: the run fails (exit 1)"
like "$err" "workout: WHOOP sent more than [0-9]+ pages for this window" "the error names the collection and the bound"
# The window runs from a week before the mark to the clock's now: the
# bound is 16 pages plus 8 a day of it.
bound=$(printf '%s\n' "$err" | sed -n 's/.*more than \([0-9]*\) pages.*/\1/p')
days=$(q "SELECT CAST(julianday(pass_end) - julianday(pass_start) AS INTEGER) + 1 FROM sync_state WHERE collection = 'workout'")
is "$bound" "$((16 + 8 * days))" "the bound is 16 + 8 pages a day of the window ($days days)"
ok "$([ $((r1 - r0)) -le $((bound + 1)) ]; echo $?)" "no request past the bound: $((r1 - r0)) requests"
sim_ctl config '{"endless_tokens":null}' >/dev/null
run whoop-sync
is "$rc" 0 "a well-behaved server again: the run succeeds" || diag "$err"
all_same "after the loops"

done_testing
