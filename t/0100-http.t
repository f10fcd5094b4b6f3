#!/bin/sh
# The HTTPS client layer against the simulated service and its faults:
# retries, error classes, bounds, TLS refusals, no secret in any output.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

sim_start "$T/sim" --days 20 || { echo "1..0 # skip no simulator"; exit 0; }
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA
TOKEN=$(sim_ctl issue '{"user":1}' | jq -r .access_token)
[ -n "$TOKEN" ] || { echo "Bail out! no token from the simulator"; exit 1; }

# httpc ARGS...: the client with the token on stdin; output in $out
httpc() {
	printf '%s\n' "$TOKEN" | "$WHOOP_TOOLS/httpc" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out" "$T/err")
}
fault() { sim_ctl fault "$1" >/dev/null; }
clear_faults() { sim_ctl fault/clear '{}' >/dev/null; }
FAST=3,50,5,10,5,1048576	# tries,backoff_ms,max_wait,total,lowspeed,max_body
P=/developer/v2/cycle

httpc -p $FAST -b "$T/body" $P
like "$out" '^rc=0 err=none status=200 requests=1' "plain GET succeeds"
check "body is a page" jq -e '.records | length == 10' "$T/body"

fault '{"kind":"500","count":2}'
httpc -p $FAST $P
like "$out" '^rc=0 err=none status=200 requests=3' "two 500s then success: retried"

for k in 502 503 504; do
	fault "{\"kind\":\"$k\",\"count\":10}"
	httpc -p $FAST $P
	like "$out" "^rc=-1 err=net status=$k requests=3" "$k persists: three tries, temporary"
	like "$out" "GET $P: HTTP $k" "message names method, path and status"
	clear_faults
done

fault '{"kind":"429","count":1}'
httpc -p $FAST $P
like "$out" '^rc=0 err=none status=200 requests=2' "429 once: waited and retried"

sim_ctl config '{"retry_after":"httpdate"}' >/dev/null
fault '{"kind":"429","count":1}'
httpc -p $FAST $P
like "$out" '^rc=0 err=none status=200 requests=2' "429 with an HTTP-date Retry-After"
sim_ctl config '{"retry_after":"seconds"}' >/dev/null

fault '{"kind":"429","count":10}'
httpc -p $FAST $P
like "$out" '^rc=-1 err=rate status=429' "429 storm: rate-limit error class"
clear_faults

httpc -p $FAST /developer/v2/cycle/1
like "$out" '^rc=-1 err=http status=404 requests=1' "404 is not retried"

printf 'WHOOPCANARY-at-bogus\n' | "$WHOOP_TOOLS/httpc" -p $FAST $P >"$T/out" 2>&1
like "$(cat "$T/out")" '^rc=-1 err=auth status=401 requests=1' "401: auth class, not retried"

fault '{"kind":"reset","count":1}'
httpc -p $FAST $P
like "$out" '^rc=0 err=none status=200 requests=2' "connection reset mid-body: retried"

fault '{"kind":"truncated","count":1}'
httpc -p $FAST $P
like "$out" '^rc=0 err=none status=200 requests=2' "truncated body: retried"

fault '{"kind":"truncated","count":10}'
httpc -p $FAST $P
like "$out" '^rc=-1 err=net' "truncated every time: temporary error"
clear_faults

fault '{"kind":"malformed","count":1}'
httpc -p $FAST -c cycle $P
like "$out" '^rc=-1 err=proto' "malformed JSON: protocol error"

fault '{"kind":"wrongtypes","count":1}'
httpc -p $FAST -c cycle $P
like "$out" '^rc=0 .*rejected=[1-9]' "wrong field types: records rejected, page kept"

fault '{"kind":"missing","count":1}'
httpc -p $FAST -c cycle $P
like "$out" '^rc=0 .*rejected=[1-9]' "missing fields: records rejected, page kept"

fault '{"kind":"huge","count":1,"size":4194304}'
httpc -p 3,50,5,20,5,65536 $P
like "$out" '^rc=-1 err=proto .*requests=1' "huge body: aborted at the cap, not retried"
like "$out" 'larger than 65536 bytes' "huge body: message says why"
clear_faults

fault '{"kind":"stall","count":5,"seconds":20}'
t0=$(date +%s)
httpc -p 1,50,5,30,2,1048576 $P
t1=$(date +%s)
like "$out" '^rc=-1 err=net' "stalled server: network error"
check "stall gave up within the bound ($((t1 - t0)) s)" test $((t1 - t0)) -le 8
clear_faults

# TLS and scheme refusals: nothing reaches a server, no token leaves.
WHOOP_API_URL=http://127.0.0.1:$SIM_PORT httpc $P
like "$out" '^rc=-1 err=config' "plain http URL refused"
like "$out" 'not an https:// URL' "plain http: message says so"
WHOOP_API_URL=https://127.0.0.1:$SIM_PORT/path httpc $P
like "$out" '^rc=-1 err=config' "URL with a path refused"

n0=$(wc -l <"$SIM_DIR/requests.log")
WHOOP_CA_FILE=$T/sim/untrusted.pem httpc -p $FAST $P
like "$out" '^rc=-1 err=tls .*requests=1' "server not signed by the trusted CA: refused, not retried"

mkdir -p "$T/wrong"
cp "$T/sim/"*.pem "$T/sim/"*.key "$T/wrong/" 2>/dev/null
(
	sim_start "$T/wrong" --cert "$T/sim/wronghost.pem" --key "$T/sim/wronghost.key" || exit 1
	printf '%s\n' "$TOKEN" | WHOOP_API_URL=$SIM_URL "$WHOOP_TOOLS/httpc" -p $FAST $P >"$T/wrong.out" 2>&1
	sim_stop
)
like "$(cat "$T/wrong.out")" '^rc=-1 err=tls' "certificate for another host: refused"
check "wrong-host server saw no API request" sh -c "! grep -q developer '$T/wrong/requests.log' 2>/dev/null"

mkdir -p "$T/plain"
(
	sim_start "$T/plain" --plain || exit 1
	printf '%s\n' "$TOKEN" | WHOOP_API_URL=https://127.0.0.1:$SIM_PORT "$WHOOP_TOOLS/httpc" -p $FAST $P >"$T/plain.out" 2>&1
	sim_stop
)
like "$(cat "$T/plain.out")" '^rc=-1 err=tls' "plain-http port spoken to with TLS: refused"
check "plain server received no token" no_canary -r "$T/plain"

n1=$(wc -l <"$SIM_DIR/requests.log")
is "$n1" "$n0" "untrusted CA: no request reached the service"

# A handshake that fails for transport reasons is a network error, retried
# with backoff; only certificate verification failures are permanent.
for k in handshake_reset handshake_eof; do
	fault "{\"kind\":\"$k\",\"count\":1}"
	httpc -p $FAST $P
	like "$out" '^rc=0 err=none status=200 requests=2' "$k once: retried like a network error"
done
fault '{"kind":"handshake_eof","count":3}'
httpc -p $FAST $P
like "$out" '^rc=-1 err=net status=0 requests=3' "handshake failing every time: temporary error after the tries"
clear_faults

# A token POST is sent again only when it provably never left; once it may
# have reached WHOOP (reset, empty reply, timeout) it is not resent.
TP=/oauth/oauth2/token
tok_posts() { sim_ctl stats | jq '[.token_requests.refresh_token // {} | .[]] | add // 0'; }
for k in lost_reset lost_empty lost_hang; do
	n0=$(tok_posts)
	fault "{\"kind\":\"$k\",\"count\":1,\"seconds\":4}"
	httpc -p 3,50,5,2,2,1048576 -m POST $TP
	like "$out" '^rc=-1 err=net status=0 requests=1' "$k: the token POST is not sent again"
	like "$out" "POST $TP: .*may have acted on it" "$k: the message says what is known"
	is "$(( $(tok_posts) - n0 ))" 1 "$k: exactly one token POST reached the service"
	clear_faults
done
n0=$(tok_posts)
fault '{"kind":"handshake_reset","count":1}'
httpc -p $FAST -m POST $TP
like "$out" '^rc=0 err=none status=401 requests=2' "a handshake failure before a token POST: retried, it never left"
is "$(( $(tok_posts) - n0 ))" 1 "... and the POST reached the service once"
clear_faults

check "no canary in the request log" no_canary "$SIM_DIR/requests.log"
check "no canary in any client output" no_canary "$T/out" "$T/err" "$T/wrong.out" "$T/plain.out"

done_testing
