#!/bin/sh
# Benchmark: a first sync (backfill) of a synthetic account at WHOOP's real
# rate limit, 100 requests a minute, under both kinds of window WHOOP may
# have -- sliding and fixed -- with X-RateLimit-Reset rounded down (the
# case that drew 429s, issue 11 item 8).  Prints requests, 429s, wall time
# and its ratio to the least time the limit allows; asserts nothing.
#
#	sh t/bench/pacing.sh [DAYS [LIMIT [WINDOW]]]
#
# DAYS (3650: ten years, about 590 requests, some 5 minutes a kind),
# LIMIT requests per WINDOW seconds (100 per 60).  A quick run for CI,
# also what BENCH_SMALL=1 (make bench BENCH_SMALL=1) runs:
#	sh t/bench/pacing.sh 200 10 2
# PACING_KINDS="sliding fixed" and PACING_RESET=floor (or ceil) choose
# the windows.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WHOOP_BIN:-$top/cmd}
tools=${WHOOP_TOOLS:-$top/t/tools}
days=${1:-3650}
limit=${2:-100}
window=${3:-60}
if [ $# -eq 0 ] && [ -n "${BENCH_SMALL:-}" ]; then
	days=200 limit=10 window=2
fi
kinds=${PACING_KINDS:-sliding fixed}
reset=${PACING_RESET:-floor}
T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-bench.XXXXXX")
. "$top/t/sim/simctl.sh"
trap 'sim_stop; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

for c in jq sqlite3 python3 curl; do
	command -v $c >/dev/null || { echo "bench: $c is needed" >&2; exit 1; }
done

sim_start "$T/sim" --days "$days" --seed 3 || exit 1
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA WHOOP_CONFIG_DIR=$T/conf HOME=$T
mkdir -m 700 "$T/conf"
sim_ctl dataset >/dev/null	# generate the data before timing anything
# The fewest requests a backfill can make: every page of 25, profile, body.
minimum=2
for t in cycle recovery sleep workout; do
	n=$(sim_ctl dataset | jq ".$t | length")
	minimum=$((minimum + (n + 24) / 25))
done
# The least time: every full window of those requests but the last waited out.
least=$(( ((minimum + limit - 1) / limit - 1) * window ))

printf '\nbackfill of %d days at %d requests per %d s, X-RateLimit-Reset rounded %s\n\n' \
    "$days" "$limit" "$window" "$([ "$reset" = floor ] && echo down || echo up)"
printf '%-8s %9s %8s %6s %9s %6s %7s\n' window requests 'minimum' 429s seconds least ratio
for kind in $kinds; do
	db=$T/$kind.db
	sim_ctl issue '{"user":1}' | "$tools/seedacct" "$db" "$T/conf/key" sim-client-id >/dev/null
	sim_ctl config "{\"rate_minute\":$limit,\"rate_window\":$window,\"rate_day\":1000000,\"rate_kind\":\"$kind\",\"rate_reset\":\"$reset\"}" >/dev/null
	# Start with the window empty, as the least time assumes.
	sleep $((window + 1))
	n0=$(sim_ctl stats | jq '.rate_limited // 0')
	start=$(date +%s.%N)
	"$bin/whoop-sync" -d "$db"
	rc=$?
	end=$(date +%s.%N)
	n1=$(sim_ctl stats | jq '.rate_limited // 0')
	req=$(sqlite3 "$db" "SELECT detail FROM audit WHERE event='sync'" | sed 's/.*requests=\([0-9]*\).*/\1/')
	python3 -c "
secs = $end - $start
least = $least
ratio = secs / least if least else float('nan')
print('%-8s %9s %8d %6d %9.1f %6d %7.3f%s' % ('$kind', '$req', $minimum, $n1 - $n0, secs, least, ratio,
      '' if $rc == 0 else '  (exit $rc)'))"
done
printf '\n(requests: made, 429s included; least: (ceil(minimum / limit) - 1) x window,\n the wait the limit forces; ratio: seconds / least)\n'
