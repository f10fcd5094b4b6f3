#!/bin/sh
# whoop-auth against the simulated WHOOP service: the loopback login with
# PKCE and a one-shot state, its failure modes, listing and key rotation.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

sim_start "$T/sim" --test-mode --days 10 || { echo "Bail out! no simulator"; exit 1; }
PORT=$(free_port)
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"]}" >/dev/null

mkdir -p "$T/home" "$T/tmp"
export HOME=$T/home TMPDIR=$T/tmp
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA CURL_CA_BUNDLE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export BROWSER=$WHOOP_TOP/t/browser-curl.sh DISPLAY=
unset WHOOP_DB WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET WHOOP_KEY_FILE
SECRET=$(sim_ctl client | jq -r .client_secret)
DB=$T/data/whoop.db

token_calls() {
	sim_ctl stats | jq '[.token_requests // {} | to_entries[] | .value | if type == "object" then (to_entries | map(.value) | add) else . end] | add // 0'
}
creds() { sqlite3 "$DB" 'SELECT count(*) FROM credentials' 2>/dev/null || echo 0; }

# --- configuration errors --------------------------------------------------
run whoop-auth -P "$PORT"
is "$rc" 78 "no client id: exit 78"
like "$err" 'no client_id' "no client id: says what is missing"

export WHOOP_CLIENT_ID=sim-client-id
run whoop-auth -P "$PORT"
is "$rc" 78 "no client secret: exit 78"
like "$err" 'client secret' "no client secret: says so"

export WHOOP_CLIENT_SECRET=""
run whoop-auth -P "$PORT"
is "$rc" 78 "empty client secret: exit 78"

run whoop-auth -x
is "$rc" 2 "unknown option: exit 2"
like "$err" 'usage: whoop-auth' "unknown option: usage on stderr"
run whoop-auth --help
is "$rc" 0 "--help: exit 0"
like "$out" 'usage: whoop-auth' "--help: usage on stdout"
run whoop-auth --version
like "$out" 'libcurl .*' "--version names libcurl"
like "$out" 'SQLite 3' "--version names SQLite"

export WHOOP_CLIENT_SECRET=$SECRET

# --- the happy path --------------------------------------------------------
run whoop-auth -P "$PORT"
is "$rc" 0 "login succeeds"
like "$out" '^account [0-9]{8} .*authorized; scopes: .*offline' "one-line summary on stdout"
like "$err" 'created a new key' "first run creates the key and says so"
check "key file is 0600" test "$(stat -c %a "$T/conf/key")" = 600
check "database is 0600" test "$(stat -c %a "$DB")" = 600
check "data directory is 0700" test "$(stat -c %a "$T/data")" = 700
ACCT=$(printf '%s\n' "$out" | sed -n 's/^account \([0-9]*\) .*/\1/p')
is "$(creds)" 1 "one credentials row"
is "$(sqlite3 "$DB" "SELECT count(*) FROM profile WHERE account_id = $ACCT")" 1 "profile stored"
is "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'auth_granted'")" 1 "audit row written"
like "$(cat "$T/tmp/browser.headers")" 'HTTP/1.1 200' "callback page answered 200"
# The headers of the last response: the listener's callback page.
h=$(tr -d '\r' <"$T/tmp/browser.headers" | awk '/^HTTP\//{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}')
like "$h" "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'" "callback page CSP"
like "$h" 'Cache-Control: no-store' "callback page no-store"
like "$h" 'Referrer-Policy: no-referrer' "callback page no-referrer"
like "$h" 'X-Content-Type-Options: nosniff' "callback page nosniff"
unlike "$h" 'Location:.*127.0.0.1' "callback page does not redirect"
is "$("$WHOOP_TOOLS/credcheck" "$DB" "$T/conf/key" "$ACCT" | cut -d' ' -f1)" ok "sealed tokens open with the key"
curl -s -o /dev/null "http://127.0.0.1:$PORT/callback"
is "$?" 7 "listener is gone after the flow (connection refused)"
sim_ctl dataset | jq -r '.profile.user_id' >"$T/uid"
is "$(cat "$T/uid")" "$ACCT" "account is the WHOOP user id"

run whoop-auth -l
is "$rc" 0 "-l exits 0"
like "$out" "^account	status	email	token" "-l prints a header"
like "$out" "^$ACCT	active	.*	valid	" "-l shows the account with a valid token"

# Re-running replaces the tokens of the same account.
before=$(sqlite3 "$DB" "SELECT hex(access_token) FROM credentials")
run whoop-auth -P "$PORT"
is "$rc" 0 "second login succeeds"
is "$(creds)" 1 "still one credentials row"
after=$(sqlite3 "$DB" "SELECT hex(access_token) FROM credentials")
check "tokens replaced" test "$before" != "$after"
unlike "$err" 'created a new key' "second run reuses the key"

# --- refusals: no token request where none is due --------------------------
n0=$(token_calls)
echo tamper-state >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT" -t 3
is "$rc" 1 "forged state: login fails"
like "$err" 'no valid callback within 3 seconds' "forged state: flow ends at the deadline"
like "$(cat "$T/tmp/browser.headers")" 'HTTP/1.1 400' "forged state: 400"

echo drop-state >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT" -t 3
is "$rc" 1 "missing state: login fails"
like "$(cat "$T/tmp/browser.headers")" 'HTTP/1.1 400' "missing state: 400"
is "$(token_calls)" "$n0" "no token request after a bad state"

echo flood >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT" -t 20
is "$rc" 1 "a flood of bad callbacks: login fails"
like "$err" 'too many bad requests' "flood: aborted after the cap, not the deadline"
is "$(token_calls)" "$n0" "no token request after a flood"

echo junk-first >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT"
is "$rc" 0 "wrong path, POST and an oversized head do not end the flow"
is "$(tr '\n' ' ' <"$T/tmp/browser.codes")" "404 405 431 " "they get 404, 405 and 431"
is "$(token_calls)" "$((n0 + 1))" "exactly one token request for the one valid callback"
n0=$(token_calls)

rm -f "$T/tmp/browser.headers"
run whoop-auth -n -P "$PORT" -t 1
is "$rc" 1 "-n: no browser, so nobody comes back: deadline"
like "$err" "^https://127.0.0.1:$SIM_PORT/oauth/oauth2/auth\\?response_type=code&" "-n: the login address is printed on stderr"
is "$out" "" "-n: nothing on stdout"
check "-n: the browser was not started" test ! -e "$T/tmp/browser.headers"

run whoop-auth -n -P 0 -t 1
like "$err" 'redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A[1-9][0-9]*%2Fcallback&' "-P 0: the URL carries the port the listener got"

echo none >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT" -t 1
is "$rc" 1 "nobody comes back: deadline"
like "$err" 'no valid callback within 1 seconds' "deadline message"

rm -f "$T/tmp/browser.mode"
sim_ctl config '{"deny":true}' >/dev/null
run whoop-auth -P "$PORT"
is "$rc" 1 "access_denied: exit 1"
like "$err" 'WHOOP refused the login: access_denied' "access_denied: says so"
sim_ctl config '{"deny":false}' >/dev/null
is "$(token_calls)" "$n0" "no token request after access_denied"

# A replayed callback finds nobody listening.
echo replay >"$T/tmp/browser.mode"
run whoop-auth -P "$PORT"
is "$rc" 0 "login before the replay"
curl -s -o /dev/null "$(cat "$T/tmp/browser.loc")"
is "$?" 7 "replayed callback: connection refused"
rm -f "$T/tmp/browser.mode"

# The listener binds 127.0.0.1 only, and only during the flow.
echo none >"$T/tmp/browser.mode"
whoop-auth -P "$PORT" -t 4 >"$T/bg.out" 2>&1 &
bg=$!
TAP_PIDS="$TAP_PIDS $bg"
i=0
hexport=$(printf '%04X' "$PORT")
while [ $i -lt 40 ] && ! grep -q ":$hexport 00000000:0000 0A" /proc/net/tcp; do
	sleep 0.1
	i=$((i + 1))
done
addrs=$(awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
is "$addrs" "0100007F:$hexport" "listening socket is 127.0.0.1 only"
wait "$bg"
rm -f "$T/tmp/browser.mode"

# --- token endpoint faults: clear error, nothing stored --------------------
rm -f "$DB" "$DB-wal" "$DB-shm"
for f in token500:75 token_malformed:1 invalid_grant:77; do
	kind=${f%%:*}
	want=${f#*:}
	sim_ctl fault "{\"kind\":\"$kind\",\"count\":1}" >/dev/null
	run whoop-auth -P "$PORT"
	is "$rc" "$want" "$kind: exit $want"
	like "$err" 'code exchange' "$kind: message names the step"
	is "$(creds)" 0 "$kind: nothing stored"
	sim_ctl fault/clear '{}' >/dev/null
done
# An answer WHOOP gave after spending the code is kept if it is usable at
# all (issue 11, item 7): odd lifetimes, no refresh token.
sim_ctl fault '{"kind":"token_badexpiry","count":1,"expires_in":-5}' >/dev/null
run whoop-auth -P "$PORT"
is "$rc" 0 "expires_in -5: the login is kept" || diag "$err"
is "$(creds)" 1 "expires_in -5: tokens stored"
rm -f "$DB" "$DB-wal" "$DB-shm"
sim_ctl fault '{"kind":"token_norefresh","count":1}' >/dev/null
run whoop-auth -P "$PORT"
is "$rc" 0 "no refresh token in the answer: still a login"
like "$err" 'no refresh token .*run whoop-auth again then' "no refresh token: says how long the login lasts"
is "$(creds)" 1 "no refresh token: the access token is stored"
rm -f "$DB" "$DB-wal" "$DB-shm"
sim_ctl fault/clear '{}' >/dev/null

# --- paste mode ------------------------------------------------------------
mkfifo "$T/paste"
whoop-auth -P "$PORT" -p <"$T/paste" >"$T/paste.out" 2>"$T/paste.err" &
bg=$!
exec 3>"$T/paste"
i=0
while [ $i -lt 50 ] && ! grep -q '^https://' "$T/paste.err"; do
	sleep 0.1
	i=$((i + 1))
done
url=$(grep '^https://' "$T/paste.err")
like "$url" 'code_challenge_method=S256' "authorize URL asks for S256"
like "$url" 'state=[A-Za-z0-9_-]{43}' "authorize URL carries a 43-character state"
loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$url")
printf '%s\n' "$loc" >&3
exec 3>&-
wait "$bg"
is "$?" 0 "paste mode: login succeeds"
like "$(cat "$T/paste.out")" '^account ' "paste mode: summary"

# --- other redirect URIs from the configuration -----------------------------
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\",\"http://localhost:$PORT/cb\",\"https://example.org/whoop\"]}" >/dev/null
printf 'redirect_uri = http://localhost:%s/cb\n' "$PORT" >"$T/conf/config"
run whoop-auth
is "$rc" 0 "a localhost redirect URI from the config: login succeeds" || diag "$err"
like "$err$out" 'authorized' "localhost: summary printed"

printf 'redirect_uri = https://example.org/whoop\n' >"$T/conf/config"
run sh -c 'echo https://example.org/whoop?state=wrong\&code=x | whoop-auth'
is "$rc" 1 "an https redirect URI means paste mode; a pasted wrong state fails the login (1)"
like "$err" 'state' "a pasted wrong state: the message says so"
like "$err" 'open this address' "https redirect URI: the address is printed, no listener"

printf 'redirect_uri = ftp://example.org/\n' >"$T/conf/config"
run whoop-auth
is "$rc" 78 "an unusable redirect URI: exit 78"
like "$err" 'redirect_uri must be' "unusable redirect URI: says what is allowed"
rm -f "$T/conf/config"

# --- key rotation ----------------------------------------------------------
cp "$T/conf/key" "$T/oldkey"
run whoop-auth -K
is "$rc" 0 "key rotation succeeds"
like "$err" 'key rotated; 1 account re-sealed' "rotation reports the count"
check "no key.new left behind" test ! -e "$T/conf/key.new"
check "rotated key file is 0600" test "$(stat -c %a "$T/conf/key")" = 600
is "$("$WHOOP_TOOLS/credcheck" "$DB" "$T/conf/key" "$ACCT" | cut -d' ' -f1)" ok "tokens open with the new key"
chmod 600 "$T/oldkey"
like "$("$WHOOP_TOOLS/credcheck" "$DB" "$T/oldkey" "$ACCT")" "^error 5 .*another key" "nothing opens with the old key"
is "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'key_rotated'")" 1 "rotation audited"

# --- no secret anywhere ----------------------------------------------------
sqlite3 "$DB" 'PRAGMA wal_checkpoint' >/dev/null
check "no canary in the database files" no_canary "$DB" "$DB-wal" "$DB-shm"
check "no canary in the audit table" sh -c "! sqlite3 '$DB' 'SELECT * FROM audit' | grep -q WHOOPCANARY"
check "no canary in outputs" no_canary "$T/out" "$T/err" "$T/bg.out" "$T/paste.out" "$T/paste.err"

done_testing
