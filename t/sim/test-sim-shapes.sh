#!/bin/sh
# test-sim-shapes.sh -- TAP self-test of whoopsim.py's data-shape switches
# (its "data shapes" section): --sleep-lead, /_sim/move_sleep, /_sim/patch,
# /_sim/implausible, /_sim/future, /_sim/stray and the repeat_token and
# endless_tokens settings.  Usage: sh t/sim/test-sim-shapes.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
SIM_HOME=$here
. "$here/simctl.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/whoopsim-shapes.XXXXXX") || exit 1
cleanup() {
	sim_stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { _d=$1; shift; if "$@"; then ok "$_d"; else notok "$_d"; fi; }
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		notok "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
jqf() { jq -e "$2" "$1" >/dev/null 2>&1; }
# get PATH QUERY... : one API page into $tmp/page
get() {
	_p=$1
	shift
	curl -sS -G --cacert "$SIM_CA" -o "$tmp/page" -H "Authorization: Bearer $TOK" \
	    "$SIM_URL$_p" "$@"
}

# ------------------------------------------------------------ --sleep-lead

sim_start "$tmp/sim" --test-mode --rate-minute 100000 --days 20 --sleep-lead 90 || {
	echo "1..1"; echo "not ok 1 - simulator starts"; exit 1; }
TOK=$(sim_ctl issue '{}' | jq -r .access_token)
sim_ctl dataset >"$tmp/ds"
check "--sleep-lead 90: every main sleep starts 90 minutes before its cycle" \
    jqf "$tmp/ds" '(.cycle | map({(.id|tostring): .start}) | add) as $c |
	[.sleep[] | select(.nap == false) | select($c[.cycle_id|tostring] != null) |
	 (($c[.cycle_id|tostring] | sub("\\.[0-9]+Z$"; "Z") | fromdate) -
	  (.start | sub("\\.[0-9]+Z$"; "Z") | fromdate))] | length > 10 and all(. == 5400)'
# Recoveries are windowed by their sleep's start: a window from just after
# a main sleep's start to just before its cycle's holds the cycle, not the
# recovery.
s=$(jq -r '[.sleep[] | select(.nap == false)][3].start' "$tmp/ds")
cid=$(jq -r '[.sleep[] | select(.nap == false)][3].cycle_id' "$tmp/ds")
from=$(python3 -c "import sys,datetime as d; t=d.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')); print((t+d.timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M:%S.000Z'))" "$s")
get /developer/v2/recovery --data-urlencode "start=$from" --data-urlencode limit=25
check "the recovery of a sleep that starts before the window is not served" \
    jqf "$tmp/page" "all(.records[]; .cycle_id != $cid)"
get /developer/v2/cycle --data-urlencode "start=$from" --data-urlencode limit=25
check "... while its cycle is" jqf "$tmp/page" "any(.records[]; .id == $cid)"

# ------------------------------------------------------------ move_sleep

sid=$(jq -r '[.sleep[] | select(.nap == false)][2].id' "$tmp/ds")
sim_ctl move_sleep "{\"id\":\"$sid\",\"start\":\"2026-01-01T00:00:00.000Z\"}" >"$tmp/mv"
check "move_sleep: the sleep has its new start" jqf "$tmp/mv" '.record.start == "2026-01-01T00:00:00.000Z"'
get /developer/v2/recovery --data-urlencode "start=2025-12-31T23:00:00.000Z" --data-urlencode "end=2026-01-01T01:00:00.000Z"
check "... and its recovery is windowed by it" jqf "$tmp/page" "[.records[].sleep_id] == [\"$sid\"]"

# ------------------------------------------------------------ patch, implausible

wid=$(jq -r '.workout[0].id' "$tmp/ds")
sim_ctl patch "{\"type\":\"workout\",\"id\":\"$wid\",\"set\":{\"score.strain\":\"high\"},\"unset\":[\"id\"]}" >/dev/null
get /developer/v2/activity/workout --data-urlencode limit=25
check "patch: the record is served with its changes" \
    jqf "$tmp/page" 'any(.records[]; has("id") | not) and any(.records[]; .score.strain == "high")'
sim_ctl dataset >"$tmp/ds2"
check "... in the data set too" jqf "$tmp/ds2" 'any(.workout[]; has("id") | not)'
sim_ctl patch "{\"type\":\"workout\",\"id\":\"$wid\",\"clear\":true}" >/dev/null
get /developer/v2/activity/workout --data-urlencode limit=25
check "... and cleared" jqf "$tmp/page" "all(.records[]; has(\"id\")) and any(.records[]; .id == \"$wid\")"
sim_ctl implausible '{}' >"$tmp/odd"
is "$(jq '.patched | length' "$tmp/odd")" 4 "implausible: one record of each type"
sim_ctl dataset >"$tmp/ds2"
check "... sleep awake time -68192, strain 25, heart rate 400, percentages above 100" \
    jqf "$tmp/ds2" 'any(.sleep[]; .score.stage_summary.total_awake_time_milli == -68192) and
	any(.cycle[]; .score.strain == 25 and .score.max_heart_rate == 400) and
	any(.recovery[]; .score.recovery_score == 140) and
	any(.workout[]; .score.percent_recorded == 180)'

# ------------------------------------------------------------ future, stray

sim_ctl future '{}' >"$tmp/fut"
check "future: a workout on 2099-11-13" jqf "$tmp/fut" '.record.start == "2099-11-13T07:00:00.000Z"'
get /developer/v2/activity/workout --data-urlencode "start=2026-02-10T00:00:00.000Z" --data-urlencode "end=2026-02-12T00:00:00.000Z"
check "... served even for a window that ends long before" jqf "$tmp/page" '.records[0].start == "2099-11-13T07:00:00.000Z"'
check "... and in the data set" jqf "$(sim_ctl dataset >"$tmp/ds3"; echo "$tmp/ds3")" '.workout[0].start == "2099-11-13T07:00:00.000Z"'
sim_ctl future '{"type":"sleep","start":"2098-01-01T00:00:00.000Z","stray":false}' >/dev/null
get /developer/v2/activity/sleep --data-urlencode limit=25
check "a future record with stray false is not served" jqf "$tmp/page" 'all(.records[]; .start < "2090")'
old=$(jq -r '.workout[-1].id' "$tmp/ds")
sim_ctl stray "{\"type\":\"workout\",\"id\":\"$old\"}" >/dev/null
get /developer/v2/activity/workout --data-urlencode "start=2026-02-17T00:00:00.000Z"
check "stray: an old record is served on the first page of a recent window" jqf "$tmp/page" "any(.records[]; .id == \"$old\")"

# ------------------------------------------------------------ tokens

sim_ctl config '{"repeat_token":"cycle"}' >/dev/null
get /developer/v2/cycle --data-urlencode limit=25
t1=$(jq -r .next_token "$tmp/page")
get /developer/v2/cycle --data-urlencode limit=25 --data-urlencode "nextToken=$t1"
t2=$(jq -r .next_token "$tmp/page")
is "$t2" "$t1" "repeat_token: the last page leads to itself"
sim_ctl config '{"repeat_token":null,"endless_tokens":"cycle"}' >/dev/null
tok= seen=
for i in 1 2 3 4 5; do
	if [ -n "$tok" ]; then
		get /developer/v2/cycle --data-urlencode limit=25 --data-urlencode "nextToken=$tok"
	else
		get /developer/v2/cycle --data-urlencode limit=25
	fi
	tok=$(jq -r '.next_token // empty' "$tmp/page")
	seen="$seen $tok"
done
is "$(printf '%s\n' $seen | sort -u | wc -l | tr -d ' ')" 5 "endless_tokens: five pages, five new tokens"
check "... the pages past the end are empty" jqf "$tmp/page" '.records == []'
check "unknown repeat_token type refused" sh -c "! sim_ctl config '{\"repeat_token\":\"nope\"}' >/dev/null 2>&1"
sim_stop
check "--sleep-lead out of range refused" sh -c "! python3 '$here/whoopsim.py' --state-dir '$tmp/x' --sleep-lead 601 2>/dev/null"

echo "1..$n"
[ "$failed" -eq 0 ]
