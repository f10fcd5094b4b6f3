#!/bin/bash
# Benchmark: a first sync of a synthetic 10-year account from the local
# simulated service (zero latency, generous rate limits), beside the same
# work done by a plain curl + jq + sqlite3 pipeline, in one run.  Prints
# figures; asserts nothing.
#
#	bash t/bench/sync.sh [DAYS]	(BENCH_SMALL=1: 60 days)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WHOOP_BIN:-$top/cmd}
tools=${WHOOP_TOOLS:-$top/t/tools}
days=${1:-3650}
[ $# -eq 0 ] && [ -n "${BENCH_SMALL:-}" ] && days=60
T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-bench.XXXXXX")
. "$top/t/sim/simctl.sh"
trap 'sim_stop; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

for c in curl jq sqlite3 python3; do
	command -v $c >/dev/null || { echo "bench: $c is needed" >&2; exit 1; }
done
tm=
[ -x /usr/bin/time ] && tm=/usr/bin/time

sim_start "$T/sim" --days "$days" --seed 3 || exit 1
sim_ctl config '{"rate_minute":1000000,"rate_day":1000000}' >/dev/null
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA WHOOP_CONFIG_DIR=$T/conf HOME=$T
mkdir -m 700 "$T/conf"
sim_ctl dataset >/dev/null	# generate the data before timing anything

records=0
minimum=2
for t in cycle recovery sleep workout; do
	n=$(sim_ctl dataset | jq ".$t | length")
	records=$((records + n))
	minimum=$((minimum + (n + 24) / 25))
done

# whoop-sync
sim_ctl issue '{"user":1}' | "$tools/seedacct" "$T/w.db" "$T/conf/key" sim-client-id >/dev/null
start=$(date +%s.%N)
if [ -n "$tm" ]; then
	$tm -f '%M' -o "$T/rss" "$bin/whoop-sync" -d "$T/w.db"
else
	"$bin/whoop-sync" -d "$T/w.db"
fi
end=$(date +%s.%N)
wsecs=$(echo "$end - $start" | bc -l 2>/dev/null || python3 -c "print($end - $start)")
wreq=$(sqlite3 "$T/w.db" "SELECT detail FROM audit WHERE event='sync'" | sed 's/.*requests=\([0-9]*\).*/\1/')
wrss=$(cat "$T/rss" 2>/dev/null || echo '?')

# The pipeline a user would write: curl a page, store its records with
# sqlite3's JSON functions, follow next_token.
tok=$(sim_ctl issue '{"user":1}' | jq -r .access_token)
printf 'Authorization: Bearer %s\n' "$tok" >"$T/hdr"
chmod 600 "$T/hdr"
sqlite3 "$T/p.db" 'CREATE TABLE rec (coll TEXT, raw TEXT)'
preq=0
start=$(date +%s.%N)
for path in cycle recovery activity/sleep activity/workout; do
	next=
	while :; do
		url="$SIM_URL/developer/v2/$path?limit=25"
		[ -n "$next" ] && url="$url&nextToken=$(printf %s "$next" | jq -sRr @uri)"
		curl -sS --cacert "$SIM_CA" -H @"$T/hdr" -o "$T/page.json" "$url"
		preq=$((preq + 1))
		sqlite3 "$T/p.db" "INSERT INTO rec SELECT '$path', value FROM json_each(readfile('$T/page.json'), '\$.records')"
		next=$(jq -r '.next_token // empty' "$T/page.json")
		[ -n "$next" ] || break
	done
done
for path in user/profile/basic user/measurement/body; do
	curl -sS --cacert "$SIM_CA" -H @"$T/hdr" -o "$T/page.json" "$SIM_URL/developer/v2/$path"
	preq=$((preq + 1))
done
end=$(date +%s.%N)
psecs=$(python3 -c "print($end - $start)")
prec=$(sqlite3 "$T/p.db" 'SELECT count(*) FROM rec')

printf '\nfirst sync of %d days: %d records, minimum %d requests\n\n' "$days" "$records" "$minimum"
printf '%-28s %9s %9s %10s %12s\n' tool requests seconds 'records/s' 'peak RSS KiB'
printf '%-28s %9s %9.2f %10.0f %12s\n' whoop-sync "$wreq" "$wsecs" "$(python3 -c "print($records / $wsecs)")" "$wrss"
printf '%-28s %9s %9.2f %10.0f %12s\n' 'curl + jq + sqlite3 loop' "$preq" "$psecs" "$(python3 -c "print($prec / $psecs)")" '-'
printf '\n(the pipeline does no validation, no upsert, no token refresh,\n no rate-limit pacing and no resumption; it only appends)\n'
