#!/bin/sh
# Token requests against what a faithful WHOOP and an unlucky network may
# do (issue 11, items 5-7): a token answer lost after WHOOP acted on it is
# never resent; a handshake cut off by the network is retried; token
# answers with odd lifetimes or without a new refresh token cost nothing.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

sim_start "$T/sim" --test-mode --days 10 --seed 5 || { echo "Bail out! no simulator"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

q() { sqlite3 "$DB" "$1"; }
posts() {	# token POSTs of one grant type that reached the service
	sim_ctl stats | jq "[.token_requests.$1 // {} | .[]] | add // 0"
}
reuse() { sim_ctl stats | jq '.refresh_reuse'; }
fault() { sim_ctl fault "$1" >/dev/null; }
# The stored access token looks expired: the next run refreshes first.
expire_local() { q "UPDATE credentials SET expires_at = '2000-01-01T00:00:00.000Z'"; }
login() {
	run whoop-auth -P "$PORT"
	[ "$rc" -eq 0 ] || diag "login: $err"
}

login
is "$rc" 0 "login"
run whoop-sync
is "$rc" 0 "first sync"

# --- a refresh answer lost after WHOOP rotated (item 5) ----------------------
# "expired": the stored token looks expired, the refresh comes first, on a
# new connection.  "refused": WHOOP refuses a token that looks good, the
# refresh comes after a 401, where the connection would be reused.
for how in expired refused; do
	for k in lost_reset lost_empty; do
		r0=$(posts refresh_token)
		u0=$(reuse)
		if [ $how = expired ]; then expire_local; else sim_ctl expire '{}' >/dev/null; fi
		fault "{\"kind\":\"$k\",\"count\":1}"
		run whoop-sync
		is "$rc" 75 "$how, $k: a lost refresh answer is a temporary failure (75)"
		like "$err" 'token/?[a-z]*: the answer was lost .*WHOOP may have acted on it, so it is not sent again' \
		    "$how, $k: the message says what is known"
		is "$(( $(posts refresh_token) - r0 ))" 1 "$how, $k: exactly one refresh POST reached WHOOP"
		is "$(( $(reuse) - u0 ))" 0 "$how, $k: no refresh token was reused"
		# What the pages say happens next: WHOOP rotated, so the stored
		# refresh token is spent; the next run sends it once, WHOOP ends
		# the grant, and only a new login helps.
		run whoop-sync
		is "$rc" 77 "$how, $k: the next run finds the grant rotated away: 77"
		like "$err" 'run whoop-auth' "$how, $k: and says to log in again"
		sim_ctl fault/clear '{}' >/dev/null
		login
	done
done

# --- a code exchange whose answer is lost ------------------------------------
before=$(q "SELECT hex(access_token) FROM credentials")
c0=$(posts authorization_code)
fault '{"kind":"lost_empty","count":1}'
run whoop-auth -P "$PORT"
is "$rc" 75 "a lost code-exchange answer: 75"
like "$err" 'the answer was lost .*may have acted on it' "lost code exchange: the message says what is known"
is "$(( $(posts authorization_code) - c0 ))" 1 "lost code exchange: the code was sent exactly once"
is "$(q "SELECT hex(access_token) FROM credentials")" "$before" "lost code exchange: the stored tokens are untouched"
sim_ctl fault/clear '{}' >/dev/null

# --- a TLS handshake cut off by the network (items 5 and 6) ------------------
fault '{"kind":"handshake_eof","count":1}'
run whoop-sync -F
is "$rc" 0 "a handshake cut off once during a sync: retried, exit 0" || diag "$err"
r0=$(posts refresh_token)
expire_local
fault '{"kind":"handshake_reset","count":1}'
run whoop-sync
is "$rc" 0 "a handshake cut off before a refresh: retried, it never left" || diag "$err"
is "$(( $(posts refresh_token) - r0 ))" 1 "... exactly one refresh reached WHOOP"
sim_ctl fault/clear '{}' >/dev/null

# --- token answers a strict client would throw away (item 7) -----------------
# After rotation the answer is the only usable pair: keep it, whatever its
# lifetime says; the next refresh must not reuse the spent token.
for e in 5 0 -5 7.5 4000000 '"3600"' null; do
	u0=$(reuse)
	expire_local
	fault "{\"kind\":\"token_badexpiry\",\"count\":1,\"expires_in\":$e}"
	run whoop-sync
	is "$rc" 0 "refresh answer with expires_in $e: the new pair is kept" || diag "$err"
	expire_local
	run whoop-sync
	is "$rc" 0 "expires_in $e: the next refresh works" || diag "$err"
	is "$(( $(reuse) - u0 ))" 0 "expires_in $e: no refresh token reused"
	sim_ctl fault/clear '{}' >/dev/null
done

# A refresh answer without a refresh token: the old one stays valid
# (RFC 6749 section 6), so it is kept.
sim_ctl config '{"refresh_rotation":"keep"}' >/dev/null
u0=$(reuse)
r0=$(posts refresh_token)
expire_local
run whoop-sync
is "$rc" 0 "refresh answer without refresh_token: accepted" || diag "$err"
check "the refresh token is kept" test "$(q 'SELECT refresh_token IS NOT NULL FROM credentials')" = 1
expire_local
run whoop-sync
is "$rc" 0 "the kept refresh token refreshes again" || diag "$err"
is "$(( $(posts refresh_token) - r0 ))" 2 "two refreshes"
is "$(( $(reuse) - u0 ))" 0 "no reuse"
sim_ctl config '{"refresh_rotation":"rotate"}' >/dev/null

# An 8-second lifetime: login works; the refresh comes at half the
# lifetime before expiry, not five minutes before (which would be always).
sim_ctl config '{"token_ttl":8}' >/dev/null
login
is "$rc" 0 "login with an 8-second token lifetime"
r0=$(posts refresh_token)
run whoop-sync
is "$rc" 0 "sync right after: the fresh token is used" || diag "$err"
is "$(( $(posts refresh_token) - r0 ))" 0 "... without a refresh"
sleep 5
run whoop-sync
is "$rc" 0 "sync 5 s later: refreshed first" || diag "$err"
is "$(( $(posts refresh_token) - r0 ))" 1 "... with one refresh"
run whoop-sync -c
is "$rc" 0 "health check passes with short-lived tokens"
sim_ctl config '{"token_ttl":3600}' >/dev/null

check "no canary in the database files" no_canary "$DB" "$DB-wal" "$DB-shm"
check "no canary in any output" no_canary "$T/out" "$T/err"

done_testing
