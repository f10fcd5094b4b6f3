#!/bin/sh
# whoop-sync against the simulated WHOOP service: first sync, incremental
# runs, re-scores, deletions, late records, locking, refresh rotation,
# faults, crashes, the health check and the dry run.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

sim_start "$T/sim" --test-mode --days 60 --seed 7 || { echo "Bail out! no simulator"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Many runs follow each other: a per-minute budget would make them wait
# (t/0310-sync-limits.t tests that pacing).
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"],\"rate_minute\":100000}" >/dev/null

mkdir -p "$T/home" "$T/tmp"
export HOME=$T/home TMPDIR=$T/tmp
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA CURL_CA_BUNDLE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export BROWSER=$WHOOP_TOP/t/browser-curl.sh DISPLAY=
export WHOOP_CLIENT_ID=sim-client-id
export WHOOP_CLIENT_SECRET="$(sim_ctl client | jq -r .client_secret)"
unset WHOOP_DB WHOOP_KEY_FILE
DB=$T/data/whoop.db
TYPES="cycle recovery sleep workout"

run whoop-sync
is "$rc" 77 "no database yet: exit 77"
like "$err" 'run whoop-auth' "no database: says what to do"

run whoop-auth -P "$PORT"
is "$rc" 0 "login" || diag "$err"
ACCT=$(printf '%s\n' "$out" | sed -n 's/^account \([0-9]*\) .*/\1/p')

q() { sqlite3 "$DB" "$1"; }
# same TYPE: the database holds exactly what the service has, record by record
same() {
	sim_ctl "dataset?user=1" | jq -S -c ".$1[]" | sort >"$T/want.$1"
	q "SELECT raw FROM $1 WHERE account_id = $ACCT" | jq -S -c . | sort >"$T/got.$1"
	cmp -s "$T/want.$1" "$T/got.$1"
}
# same_window TYPE: the same, for records inside the re-score window (7 days
# below the newest start); older records are not fetched again by design.
same_window() {
	cut=$(q "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', max(start), '-7 days') FROM $1 WHERE account_id = $ACCT")
	sim_ctl "dataset?user=1" | jq -S -c --arg cut "$cut" ".$1[] | select(.start >= \$cut)" | sort >"$T/want.$1"
	q "SELECT raw FROM $1 WHERE account_id = $ACCT AND start >= '$cut'" | jq -S -c . | sort >"$T/got.$1"
	[ -s "$T/want.$1" ] && cmp -s "$T/want.$1" "$T/got.$1"
}
last_summary() { q "SELECT detail FROM audit WHERE event = 'sync' ORDER BY id DESC LIMIT 1"; }
refreshes() { sim_ctl stats | jq '.token_requests.refresh_token // {} | if type == "object" then ([.[]] | add // 0) else . end'; }

# --- first sync ------------------------------------------------------------
run whoop-sync
is "$rc" 0 "first sync succeeds"
is "$out$err" "" "quiet on success"
for t in $TYPES; do
	check "$t: database equals the service, record by record" same "$t"
done
is "$(q "SELECT count(*) FROM cycle WHERE end IS NULL")" 1 "the open cycle is stored with end NULL"
is "$(q 'SELECT count(*) FROM profile')" 1 "profile stored"
is "$(q 'SELECT count(*) FROM body_measurement')" 1 "body measurement stored"
is "$(q 'SELECT count(*) FROM sync_state WHERE last_success IS NOT NULL AND last_error IS NULL')" 6 "six collections marked synced"
like "$(last_summary)" '^new=[1-9][0-9]* updated=0 removed=0 requests=[0-9]+' "summary row in the audit table"

# --- nothing new -----------------------------------------------------------
sum0=$(q 'SELECT group_concat(raw) FROM (SELECT raw FROM cycle UNION ALL SELECT raw FROM sleep UNION ALL SELECT raw FROM workout UNION ALL SELECT raw FROM recovery)' | cksum)
run whoop-sync
is "$rc" 0 "second sync succeeds"
like "$(last_summary)" '^new=0 updated=0 removed=0 requests=6 ' "second run: nothing changes, one request per collection"
sum1=$(q 'SELECT group_concat(raw) FROM (SELECT raw FROM cycle UNION ALL SELECT raw FROM sleep UNION ALL SELECT raw FROM workout UNION ALL SELECT raw FROM recovery)' | cksum)
is "$sum1" "$sum0" "second run: records untouched"

# --- re-scores, deletions, late arrivals, a new day -------------------------
sim_ctl rescore '{"user":1,"n":3}' >/dev/null
run whoop-sync
is "$rc" 0 "sync after re-scoring"
like "$(last_summary)" 'updated=[1-9]' "re-scored records updated in place"
for t in cycle sleep workout; do
	check "$t: equal inside the re-score window after re-scoring" same_window "$t"
done
# With seed 7, one of the re-scored sleeps is weeks old: it stays pending.
if same sleep; then ok 1 "a sleep re-scored outside the window is left alone"; else ok 0 "a sleep re-scored outside the window is left alone"; fi

old=$(q "SELECT id FROM workout ORDER BY start LIMIT 1")
recent=$(q "SELECT id FROM workout ORDER BY start DESC LIMIT 1 OFFSET 1")
sim_ctl delete "{\"user\":1,\"type\":\"workout\",\"id\":\"$recent\"}" >/dev/null
sim_ctl delete "{\"user\":1,\"type\":\"workout\",\"id\":\"$old\"}" >/dev/null
run whoop-sync
is "$rc" 0 "sync after deletions"
is "$(q "SELECT count(*) FROM workout WHERE id = '$recent'")" 0 "a record deleted inside the window is removed"
is "$(q "SELECT count(*) FROM workout WHERE id = '$old'")" 1 "a record deleted outside the window is left alone"
like "$(last_summary)" 'removed=1 ' "one removal counted"

late=$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%S.000Z 2>/dev/null)
sim_ctl late "{\"user\":1,\"type\":\"workout\",\"start\":\"$(sim_ctl config | jq -r '.now // empty' | cut -c1-10)T03:00:00.000Z\"}" >/dev/null 2>&1 ||
	sim_ctl late '{"user":1,"type":"workout"}' >/dev/null
n0=$(q 'SELECT count(*) FROM workout')
sim_ctl advance '{"days":1}' >/dev/null
run whoop-sync
is "$rc" 0 "sync after a new day"
check "new day: cycles equal inside the window" same_window cycle
check "new day: workouts equal inside the window (late arrival included)" same_window workout
is "$(q "SELECT count(*) FROM cycle WHERE end IS NULL")" 1 "still exactly one open cycle"
is "$(q "SELECT count(*) FROM (SELECT id FROM cycle GROUP BY account_id, id HAVING count(*) > 1)")" 0 "no duplicate cycles"

# --- options ---------------------------------------------------------------
sim_ctl advance '{"days":1}' >/dev/null
before=$(q 'SELECT count(*) FROM cycle')
run whoop-sync -n
is "$rc" 0 "dry run succeeds"
like "$out" "^$ACCT	[1-9][0-9]*	[0-9]+	[0-9]+\$" "dry run reports account, new, updated, removed on stdout"
is "$(q 'SELECT count(*) FROM cycle')" "$before" "dry run writes nothing"

run whoop-sync -t cycle -v
is "$rc" 0 "-t cycle"
like "$err" "$ACCT cycle: [0-9]+ pages?, [0-9]+ records?" "-v prints a progress line"
unlike "$err" "sleep:" "-t cycle syncs only cycles"
check "-t cycle: cycles equal inside the window" same_window cycle

# On a terminal, -v keeps one live line per collection.
if command -v script >/dev/null 2>&1; then
	script -qec "whoop-sync -v -t cycle -F" "$T/typescript" >/dev/null 2>&1
	like "$(tr '\r' '\n' <"$T/typescript")" 'cycle: [0-9]+ pages?, [0-9]+ records?, [0-9]+ requests?, [0-9]+ left in the rate window' "-v on a terminal: a live line with the rate-limit budget"
else
	skip "script(1) not installed"
fi

run whoop-sync -t bogus
is "$rc" 2 "-t bogus: usage error"
like "$err" 'unknown type "bogus"' "-t bogus: names it"
run whoop-sync -s yesterday-ish
is "$rc" 2 "-s bad: usage error"
run whoop-sync -a 1
is "$rc" 77 "-a unknown account: exit 77"

run whoop-sync -s 10d
is "$rc" 0 "-s 10d backfill"
run whoop-sync -F
is "$rc" 0 "--full backfill"
for t in $TYPES; do
	check "$t: equal after a full backfill" same "$t"
done

# --- the health check ------------------------------------------------------
run whoop-sync -c
is "$rc" 0 "health check passes after a good sync"
like "$out" '^ok	database' "health: database line"
like "$out" "^ok	$ACCT	token	usable" "health: token line"
like "$out" "^ok	$ACCT	cycle	" "health: per-collection lines"

# --- faults: one collection fails, the others go on --------------------------
sim_ctl fault '{"kind":"503","count":100,"path_prefix":"/developer/v2/cycle"}' >/dev/null
sim_ctl advance '{"days":1}' >/dev/null
run whoop-sync
is "$rc" 75 "persistent 503 on cycles: exit 75"
like "$err" "$ACCT: cycle: GET /developer/v2/cycle: HTTP 503" "stderr names the collection and why"
check "other collections still synced" same_window sleep
sim_ctl fault/clear '{}' >/dev/null
run whoop-sync -c
is "$rc" 1 "health check fails while a collection has an error"
like "$out" "^fail	$ACCT	cycle	" "health names the failing collection"
run whoop-sync
is "$rc" 0 "next run recovers"
check "cycles caught up" same_window cycle

for k in malformed truncated reset 500; do
	sim_ctl fault "{\"kind\":\"$k\",\"count\":1,\"path_prefix\":\"/developer/v2/activity/sleep\"}" >/dev/null
	run whoop-sync
	case $k in
	malformed) is "$rc" 1 "$k: exit 1" ;;
	*) is "$rc" 0 "$k once: retried, exit 0" ;;
	esac
	sim_ctl fault/clear '{}' >/dev/null
done
run whoop-sync
check "sleep equal after the faults" same_window sleep

sim_ctl fault '{"kind":"wrongtypes","count":1,"path_prefix":"/developer/v2/activity/workout"}' >/dev/null
run whoop-sync
is "$rc" 1 "wrong field types: exit 1"
like "$err" 'workout' "wrong field types: message names the collection"
sim_ctl fault/clear '{}' >/dev/null
run whoop-sync
is "$rc" 0 "recovers after wrong types"

# --- locking and refresh rotation ------------------------------------------
sim_ctl expire '{}' >/dev/null
r0=$(refreshes)
i=0
pids=
while [ $i -lt 8 ]; do
	whoop-sync >"$T/c$i.out" 2>"$T/c$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
codes=
for p in $pids; do
	wait "$p"
	codes="$codes $?"
done
codes=$(printf '%s\n' $codes | sort | uniq -c | tr -s ' ' | tr '\n' ';')
like "$codes" '^ ?1 0; ?7 75;$|^ ?[1-8] 0;( ?[0-7] 75;)?$' "8 concurrent runs: each exits 0 or 75 ($codes)"
is "$(( $(refreshes) - r0 ))" 1 "exactly one token refresh"
like "$(cat "$T"/c*.err)" 'another whoop-sync or whoop-revoke holds' "the others say why"

sim_ctl fault '{"kind":"stall","count":1,"seconds":2}' >/dev/null
whoop-sync >/dev/null 2>&1 &
bg=$!
sleep 0.5
run whoop-sync -w 30
is "$rc" 0 "-w waits for the running sync"
wait "$bg"

sim_ctl revoke '{}' >/dev/null
sim_ctl expire '{}' >/dev/null
run whoop-sync
is "$rc" 77 "revoked grant: exit 77"
like "$err" 'run whoop-auth' "revoked grant: says run whoop-auth"
is "$(q "SELECT status FROM accounts WHERE account_id = $ACCT")" needs_login "account marked as needing login"
run whoop-sync
is "$rc" 77 "still 77 on the next run"

check "no canary in the database files" no_canary "$DB" "$DB-wal" "$DB-shm"
check "no canary in any output" no_canary "$T"/*.out "$T"/*.err "$T/out" "$T/err"

done_testing
