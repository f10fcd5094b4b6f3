#!/bin/sh
# whoop-sync under rate limits and crashes: a per-minute budget is paced
# without a single 429; a spent daily budget stops cleanly (75) and the
# next run resumes; kill -9 at random moments never damages the database
# and the next clean run reaches the same state as an uninterrupted one.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

sim_start "$T/sim" --days 200 --seed 11 || { echo "Bail out! no simulator"; exit 1; }
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf HOME=$T/home
unset WHOOP_DATA_DIR WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET
mkdir -p "$T/home" "$T/conf" && chmod 700 "$T/conf"

# login DB: an account in DB with tokens minted by the simulator, stored
# the way whoop-auth stores them (t/tools/seedacct).
login() {
	sim_ctl issue '{"user":1}' | "$WHOOP_TOOLS/seedacct" "$1" "$T/conf/key" sim-client-id >/dev/null
}
q() { sqlite3 "$DB" "$1"; }
same_all() {
	for t in cycle recovery sleep workout; do
		sim_ctl "dataset?user=1" | jq -S -c ".$t[]" | sort >"$T/want.$t"
		sqlite3 "$1" "SELECT raw FROM $t" | jq -S -c . | sort >"$T/got.$t"
		cmp -s "$T/want.$t" "$T/got.$t" || return 1
	done
}
stat_429() { sim_ctl stats | jq '.rate_limited // 0'; }

# --- pacing under a per-minute limit ----------------------------------------
DB=$T/paced.db
login "$DB" || { echo "Bail out! seedacct failed"; exit 1; }
sim_ctl config '{"rate_minute":6,"rate_window":1}' >/dev/null
n0=$(stat_429)
c0=$(sim_ctl stats | jq .connections)
run whoop-sync -d "$DB"
# The stats call itself opens one connection (curl).
conns=$(( $(sim_ctl stats | jq .connections) - c0 - 1 ))
is "$rc" 0 "first sync under 6 requests per 1 s window" || diag "$err"
is "$(stat_429)" "$n0" "not a single 429 received"
check "everything synced" same_all "$DB"
requests=$(q "SELECT detail FROM audit WHERE event = 'sync'" | sed 's/.*requests=\([0-9]*\).*/\1/')
min=2
for t in cycle recovery sleep workout; do
	n=$(sim_ctl "dataset?user=1" | jq ".$t | length")
	min=$((min + (n + 24) / 25))
done
is "$requests" "$min" "requests made equal the minimum (sum of ceil(records/25) + 2)"
is "$conns" 1 "one TLS connection reused for all $requests requests"
sim_ctl config '{"rate_minute":100,"rate_window":60}' >/dev/null

# --- the daily budget -------------------------------------------------------
DB=$T/daily.db
login "$DB"
sim_ctl config '{"rate_day":9}' >/dev/null
run whoop-sync -d "$DB"
is "$rc" 75 "daily budget spent: exit 75"
like "$err" 'rate limit' "daily budget: says so"
is "$(stat_429)" "$n0" "stopped before a 429"
partial=$(q 'SELECT count(*) FROM cycle')
check "some pages were kept ($partial cycles)" test "$partial" -gt 0
sim_ctl config '{"rate_day":10000}' >/dev/null
run whoop-sync -d "$DB"
is "$rc" 0 "next run resumes"
check "after resuming, everything synced" same_all "$DB"

# --- kill -9 at random moments ----------------------------------------------
DB=$T/crash.db
# Twelve runs would spend the per-minute budget: pacing would then wait.
sim_ctl config '{"rate_minute":100000}' >/dev/null
login "$DB"
bad=0
i=0
while [ $i -lt 12 ]; do
	whoop-sync -d "$DB" >/dev/null 2>&1 &
	pid=$!
	# 20..420 ms: before, during and after the pages of several collections
	sleep "0.$(( (i * 37) % 40 + 2 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	r=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)
	[ "$r" = ok ] || { bad=$((bad + 1)); diag "run $i: $r"; }
	i=$((i + 1))
done
is "$bad" 0 "integrity_check ok after every kill -9"
run whoop-sync -d "$DB"
is "$rc" 0 "a clean run after the crashes succeeds"
check "the final state equals the service's" same_all "$DB"
is "$(q 'SELECT count(*) FROM sync_state WHERE cursor IS NOT NULL OR pass_end IS NOT NULL')" 0 "no pass left half done"
is "$(q 'SELECT count(*) FROM sync_state WHERE last_error IS NOT NULL')" 0 "no collection left in error"

check "no canary in the database files" no_canary "$T"/*.db "$T"/*.db-wal
check "no canary in outputs" no_canary "$T/out" "$T/err"

done_testing
