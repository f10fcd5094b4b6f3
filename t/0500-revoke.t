#!/bin/sh
# whoop-revoke against the simulated WHOOP service: revocation at WHOOP,
# then tokens shredded with no ciphertext left in the db, -wal or -shm;
# failures that keep the tokens; refresh first; purge; several accounts;
# confirmation; idempotence; local only without the key; the run lock.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

sim_start "$T/sim" --test-mode --users 2 --days 8 --seed 11 || { echo "Bail out! no simulator"; exit 1; }
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
TABLES="cycle recovery sleep workout profile body_measurement sync_state"

q() { sqlite3 "$DB" "$1"; }
stat_of() { sim_ctl stats | jq "$1"; }
live() { stat_of .grants_live; }
revocations() { stat_of '.revocations // 0'; }
refreshes() { stat_of '.token_requests.refresh_token // {} | if type == "object" then ([.[]] | add // 0) else . end'; }
creds() { q "SELECT count(*) FROM credentials WHERE account_id = ${1:-$ACCT}"; }
status() { q "SELECT status FROM accounts WHERE account_id = ${1:-$ACCT}"; }
last_audit() { q "SELECT event || ' ' || detail FROM audit WHERE event IN ('revoked', 'purged') ORDER BY id DESC LIMIT 1"; }
records() {
	n=0
	for t in cycle recovery sleep workout profile body_measurement; do
		n=$((n + $(q "SELECT count(*) FROM $t WHERE account_id = ${1:-$ACCT}")))
	done
	echo "$n"
}

# login [USER]: a new grant for the user, stored in the database.
login() {
	sim_ctl config "{\"login_user\":${1:-1}}" >/dev/null
	whoop-auth -P "$PORT" >"$T/login.out" 2>"$T/login.err"
	lrc=$?
	[ "$lrc" -eq 0 ] || diag "login failed ($lrc): $(cat "$T/login.err")"
	sed -n 's/^account \([0-9]*\) .*/\1/p' "$T/login.out"
}

# has_bytes HEX FILE...: how many of the files hold those bytes.
has_bytes() {
	python3 - "$@" <<'EOF'
import sys
needle = bytes.fromhex(sys.argv[1])
n = 0
for f in sys.argv[2:]:
    try:
        with open(f, "rb") as fh:
            n += needle in fh.read()
    except FileNotFoundError:
        pass
print(n)
EOF
}
# 16 bytes of ciphertext of a sealed column (after version, key id, nonce).
slice() { q "SELECT substr(hex($1), 43, 32) FROM credentials WHERE account_id = $ACCT"; }

# --- usage -----------------------------------------------------------------
run whoop-revoke --help
is "$rc" 0 "--help: exit 0"
like "$out" '^usage: whoop-revoke \[-flpv\] \[-A \| -a account\]' "--help: usage on stdout"
run whoop-revoke --version
is "$rc" 0 "--version: exit 0"
like "$out" '^whoop-revoke [0-9]' "--version names the program"
for args in "-x" "-a 1 -A" "-a nope" "-w -1" "-w x" "-r ''" "extra"; do
	eval "run whoop-revoke $args"
	is "$rc" 2 "usage error: $args"
done
like "$err" 'usage: whoop-revoke' "usage error: the usage on stderr"
run whoop-revoke -r "$(printf '%0300d' 0)"
is "$rc" 2 "-r longer than 200 bytes: usage error"
run whoop-revoke -f
is "$rc" 1 "no database: exit 1"
like "$err" '^whoop-revoke: no database at .*nothing to revoke' "no database: says so"
check "no database: none created" test ! -e "$DB"

# --- revoke at WHOOP: 204 ----------------------------------------------------
ACCT=$(login 1)
like "$ACCT" '^[0-9]+$' "logged in"
# An idle second connection keeps the WAL from being removed when the
# tools exit, as a long-running reader would: only the truncation then
# clears it.
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM accounts").fetchall()
open(sys.argv[2], "w").close()
time.sleep(600)' "$DB" "$T/holder.ready" &
HOLDER=$!
TAP_PIDS="$TAP_PIDS $HOLDER"
i=0
while [ ! -e "$T/holder.ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sim_ctl expire '{}' >/dev/null
run whoop-sync
is "$rc" 0 "sync once (refreshing the token) so there is data" || diag "$err"
n_before=$(records)
check "there are records" test "$n_before" -gt 10
AT=$(slice access_token)
RT=$(slice refresh_token)
like "$AT$RT" '^[0-9A-F]{64}$' "slices of the sealed tokens"
is "$(has_bytes "$AT" "$DB-wal")" 1 "control: the access token's ciphertext is in the -wal before revoking"
is "$(has_bytes "$RT" "$DB-wal")" 1 "control: so is the refresh token's"
live0=$(live)
rev0=$(revocations)

REASON=$(printf 'lost phone\n\033[31mred')
run whoop-revoke -f -r "$REASON"
is "$rc" 0 "revoke: exit 0" || diag "$err"
is "$out$err" "" "revoke: quiet on success"
is "$(creds)" 0 "revoke: credentials row gone"
is "$(status)" revoked "revoke: account marked revoked"
is "$(revocations)" $((rev0 + 1)) "revoke: WHOOP was asked once"
is "$(live)" $((live0 - 1)) "revoke: the grant is dead at WHOOP"
is "$(last_audit)" 'revoked whoop=revoked purged=0 reason=lost phone\x0a\x1b[31mred' "revoke: audit event with the reason, escaped"
is "$(q "SELECT count(*) FROM audit WHERE instr(detail, char(10)) OR instr(detail, char(27))")" 0 "no raw newline or escape in the audit table"
is "$(records)" "$n_before" "without -p the records stay"
is "$(has_bytes "$AT" "$DB" "$DB-wal" "$DB-shm")" 0 "no access token ciphertext in db, -wal, -shm"
is "$(has_bytes "$RT" "$DB" "$DB-wal" "$DB-shm")" 0 "no refresh token ciphertext in db, -wal, -shm"
is "$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)" 0 "the -wal is truncated"
check "no canary in db, -wal, -shm" no_canary "$DB" "$DB-wal" "$DB-shm"

run whoop-sync
is "$rc" 77 "whoop-sync after revoking: exit 77"
like "$err" 'run whoop-auth' "whoop-sync after revoking: says run whoop-auth"
run whoop-auth -l
like "$out" "^$ACCT	revoked	.*	revoked	" "whoop-auth -l shows it revoked"
rev1=$(revocations)
run whoop-revoke -f
is "$rc" 0 "revoking twice: exit 0"
like "$err" "account $ACCT: already revoked" "revoking twice: says already revoked"
is "$(revocations)" "$rev1" "revoking twice: WHOOP not asked"
is "$(q "SELECT count(*) FROM audit WHERE event = 'revoked'")" 1 "revoking twice: no second audit event"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null

# --- failures at WHOOP keep the tokens ----------------------------------------
ACCT=$(login 1)
sim_ctl fault '{"kind":"503","path_prefix":"/developer/v2/user/access","count":100}' >/dev/null
run whoop-revoke -f
is "$rc" 75 "503 at WHOOP: exit 75"
like "$err" 'HTTP 503.*not revoked, the local tokens are kept' "503: says the tokens are kept"
is "$(creds)" 1 "503: tokens kept"
is "$(status)" active "503: account still active"
sim_ctl fault/clear '{}' >/dev/null

sim_ctl fault '{"kind":"429","path_prefix":"/developer/v2/user/access","count":1,"seconds":1}' >/dev/null
live0=$(live)
run whoop-revoke -f
is "$rc" 0 "one 429: waited, retried, revoked"
is "$(live)" $((live0 - 1)) "one 429: the grant is dead"
is "$(creds)" 0 "one 429: tokens deleted"
sim_ctl fault/clear '{}' >/dev/null

# A 400 from WHOOP: a stand-in origin that answers nothing else.
ACCT=$(login 1)
cat >"$T/stub.py" <<'EOF'
import http.server, os, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_DELETE(self):
        b = b'{"error":"bad_request"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    do_GET = do_POST = do_DELETE
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
s.serve_forever()
EOF
python3 "$T/stub.py" "$T/sim/server.pem" "$T/sim/server.key" "$T/stub.port" &
TAP_PIDS="$TAP_PIDS $!"
i=0
while [ ! -s "$T/stub.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
WHOOP_API_URL=https://127.0.0.1:$(cat "$T/stub.port") run whoop-revoke -f
is "$rc" 1 "400 at WHOOP: exit 1"
like "$err" 'HTTP 400.*local tokens are kept' "400: says the tokens are kept"
is "$(creds)" 1 "400: tokens kept"

# Network failures.  The simulator revokes before a reset fault cuts the
# answer, and a 204 has no body to cut: resets are seen on the 401 of a
# grant revoked elsewhere.  A reset every time: retried, then 75.
resets() { stat_of '.faults_applied.reset // 0'; }
sim_ctl revoke '{}' >/dev/null
sim_ctl fault '{"kind":"reset","path_prefix":"/developer/v2/user/access","count":100}' >/dev/null
n0=$(resets)
run whoop-revoke -f
is "$rc" 75 "persistent connection resets: exit 75"
like "$err" 'not revoked, the local tokens are kept' "resets: says the tokens are kept"
is "$(creds)" 1 "resets: tokens kept"
is "$(( $(resets) - n0 ))" 5 "resets: the DELETE was tried 5 times"
sim_ctl fault/clear '{}' >/dev/null
# One reset: the retry gets the 401, and the refresh invalid_grant.
sim_ctl fault '{"kind":"reset","path_prefix":"/developer/v2/user/access","count":1}' >/dev/null
n0=$(resets)
run whoop-revoke -f -v
is "$rc" 0 "one connection reset: retried, exit 0"
is "$(( $(resets) - n0 ))" 1 "one reset: it was applied"
like "$err" 'already invalid at WHOOP; tokens deleted' "-v: says the grant was already invalid"
like "$(last_audit)" '^revoked whoop=already_gone ' "audit: whoop=already_gone"
is "$(creds)" 0 "one reset: tokens deleted"
sim_ctl fault/clear '{}' >/dev/null

# Nothing listening at all, on a live grant: 75.
ACCT=$(login 1)
live0=$(live)
NOPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WHOOP_API_URL=https://127.0.0.1:$NOPORT run whoop-revoke -f
is "$rc" 75 "WHOOP unreachable: exit 75"
like "$err" 'local tokens are kept' "unreachable: says the tokens are kept"
is "$(creds)" 1 "unreachable: tokens kept"
is "$(live)" "$live0" "unreachable: the grant is alive"
run whoop-revoke -f
is "$rc" 0 "reachable again: revoked"
is "$(live)" $((live0 - 1)) "the grant is dead"

# --- 401: revoked elsewhere ---------------------------------------------------
ACCT=$(login 1)
sim_ctl revoke '{}' >/dev/null
run whoop-revoke -f
is "$rc" 0 "grant revoked at WHOOP already (401): exit 0"
is "$(creds)" 0 "401: tokens deleted"
like "$(last_audit)" '^revoked whoop=already_gone purged=0 reason=manual$' "401: audited as already gone, default reason"

# whoop-sync found it refused first (needs_login): no need to ask WHOOP.
ACCT=$(login 1)
sim_ctl revoke '{}' >/dev/null
sim_ctl expire '{}' >/dev/null
whoop-sync >/dev/null 2>&1
is "$(status)" needs_login "whoop-sync marked the account needs_login"
run whoop-revoke -f -v
is "$rc" 0 "needs_login account: exit 0"
like "$err" 'already refused this login' "needs_login: says so"
is "$(creds)" 0 "needs_login: tokens deleted"
is "$(status)" revoked "needs_login: now revoked"

# --- expired access token: refreshed first -----------------------------------
# An hour-long token with 2 minutes left (the refresh is due 5 minutes, or
# half the lifetime, before expiry: the row says when it was issued).
ACCT=$(login 1)
q "UPDATE credentials SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-58 minutes'), expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+2 minutes') WHERE account_id = $ACCT"
r0=$(refreshes)
live0=$(live)
run whoop-revoke -f
is "$rc" 0 "token within 5 minutes of expiry: exit 0" || diag "$err"
is "$(refreshes)" $((r0 + 1)) "refreshed once first"
is "$(live)" $((live0 - 1)) "then revoked: the grant is dead"
is "$(q "SELECT count(*) FROM audit WHERE event = 'token_refreshed' AND account_id = $ACCT AND id > (SELECT max(id) FROM audit WHERE event = 'auth_granted')")" 1 "audit: token_refreshed"

# Expired early at WHOOP although valid here: 401, refresh, revoke.
ACCT=$(login 1)
sim_ctl expire '{}' >/dev/null
r0=$(refreshes)
rev0=$(revocations)
live0=$(live)
run whoop-revoke -f
is "$rc" 0 "token expired at WHOOP only: exit 0"
is "$(refreshes)" $((r0 + 1)) "401: refreshed once"
is "$(revocations)" $((rev0 + 1)) "401 after refresh: really revoked"
is "$(live)" $((live0 - 1)) "the grant is dead"

# --- purge --------------------------------------------------------------------
ACCT=$(login 1)
whoop-sync >/dev/null 2>&1
check "records before purging" test "$(records)" -gt 10
run whoop-revoke -f -p
is "$rc" 0 "-p: exit 0"
for t in $TABLES; do
	is "$(q "SELECT count(*) FROM $t WHERE account_id = $ACCT")" 0 "-p: $t empty"
done
is "$(status)" revoked "-p: the accounts row stays, revoked"
like "$(last_audit)" '^revoked whoop=revoked purged=[1-9][0-9]* reason=manual$' "-p: audited with the count"
check "-p: earlier audit rows kept" test "$(q "SELECT count(*) FROM audit WHERE account_id = $ACCT")" -gt 5

# -p on an account revoked earlier: its records go, WHOOP is not asked.
ACCT=$(login 1)
whoop-sync >/dev/null 2>&1
whoop-revoke -f >/dev/null 2>&1
check "records kept by a plain revoke" test "$(records)" -gt 10
rev0=$(revocations)
run whoop-revoke -f -p
is "$rc" 0 "-p after revoking: exit 0"
like "$err" 'already revoked; deleting its records' "-p after revoking: says so"
is "$(records)" 0 "-p after revoking: records gone"
is "$(revocations)" "$rev0" "-p after revoking: WHOOP not asked"
like "$(last_audit)" '^purged whoop=none purged=[1-9]' "-p after revoking: audit event purged"

# --- several accounts -------------------------------------------------------
A1=$(login 1)
A2=$(login 2)
check "two accounts" test -n "$A1" -a -n "$A2" -a "$A1" != "$A2"
whoop-sync >/dev/null 2>&1
run whoop-revoke -f
is "$rc" 2 "two accounts, neither -a nor -A: exit 2"
like "$err" '2 accounts: choose one with -a, or all with -A' "two accounts: says what to do"
run whoop-revoke -f -a 424242
is "$rc" 1 "-a unknown account: exit 1"
like "$err" 'no account 424242' "-a unknown: says so"
is "$(creds "$A1")$(creds "$A2")" 11 "nothing revoked yet"
live0=$(live)
run whoop-revoke -f -A
is "$rc" 0 "-A: exit 0"
is "$(creds "$A1")$(creds "$A2")" 00 "-A: both accounts' tokens gone"
is "$(status "$A1") $(status "$A2")" "revoked revoked" "-A: both revoked"
is "$(live)" $((live0 - 2)) "-A: both grants dead"
check "-A: records kept" test "$(records "$A2")" -gt 10
run whoop-revoke -f -A
is "$rc" 0 "-A again: exit 0"
is "$(printf '%s\n' "$err" | grep -c 'already revoked')" 2 "-A again: both already revoked"

# --- confirmation -------------------------------------------------------------
ACCT=$(login 1)
run whoop-revoke -a "$ACCT" </dev/null
is "$rc" 2 "no terminal and no -f: exit 2"
like "$err" 'not a terminal: use -f' "no terminal: says to use -f"
is "$(creds)" 1 "no terminal: tokens kept"
if command -v script >/dev/null 2>&1; then
	printf 'n\n' | script -qec "whoop-revoke -a $ACCT" "$T/typescript" >/dev/null 2>&1
	is "$?" 1 "answered n on the terminal: exit 1"
	like "$(tr -d '\r' <"$T/typescript")" "Revoke WHOOP access and delete the tokens of:" "the question is asked on the terminal"
	like "$(tr -d '\r' <"$T/typescript")" "account $ACCT \\(" "the question names the account"
	is "$(creds)" 1 "answered n: tokens kept"
	printf 'yes\n' | script -qec "whoop-revoke -a $ACCT" "$T/typescript" >/dev/null 2>&1
	is "$?" 0 "answered yes: exit 0"
	is "$(creds)" 0 "answered yes: tokens gone"
	check "no canary on the terminal" no_canary "$T/typescript"
else
	skip "script(1) not installed"
fi

# --- local only, without the key ---------------------------------------------------
ACCT=$(login 1)
AT=$(slice access_token)
mv "$T/conf/key" "$T/conf/key.away"
run whoop-revoke -f -a "$ACCT"
is "$rc" 78 "no key: exit 78"
like "$err" 'nothing revoked .*whoop-revoke -l' "no key: points to -l"
is "$(creds)" 1 "no key: tokens kept"
live0=$(live)
run whoop-revoke -f -l -a "$ACCT" -r "service down"
is "$rc" 0 "-l without the key: exit 0" || diag "$err"
is "$(creds)" 0 "-l: tokens gone"
is "$(status)" revoked "-l: account revoked"
is "$(live)" "$live0" "-l: WHOOP not contacted"
is "$(last_audit)" 'revoked whoop=not_contacted purged=0 reason=service down' "-l: audited"
is "$(has_bytes "$AT" "$DB" "$DB-wal" "$DB-shm")" 0 "-l: no ciphertext left"
mv "$T/conf/key.away" "$T/conf/key"

# --- the run lock -------------------------------------------------------------------
ACCT=$(login 1)
flock "$DB.lock" sleep 8 &
LOCKER=$!
TAP_PIDS="$TAP_PIDS $LOCKER"
i=0
while flock -n "$DB.lock" true && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run whoop-revoke -f -a "$ACCT"
is "$rc" 75 "lock held: exit 75"
like "$err" 'another whoop-sync or whoop-revoke holds' "lock held: says why"
check "lock held: did not wait for it" sh -c "! flock -n '$DB.lock' true"
is "$(creds)" 1 "lock held: tokens kept"
check "the lock is still held" sh -c "! flock -n '$DB.lock' true"
run whoop-revoke -f -w 30 -a "$ACCT"
is "$rc" 0 "-w 30: waited for the lock, then revoked"
is "$(creds)" 0 "-w: tokens gone"
wait "$LOCKER" 2>/dev/null

# --- no secret anywhere ---------------------------------------------------------------
check "no canary in the database files" no_canary "$DB" "$DB-wal" "$DB-shm"
check "no canary in any output" no_canary "$T/out" "$T/err" "$T/login.out" "$T/login.err"
check "no canary in the audit table" sh -c "! sqlite3 '$DB' 'SELECT * FROM audit' | grep -q WHOOPCANARY"

done_testing
