#!/bin/sh
# The login flow with a real browser: headless Chromium, driven over the
# DevTools protocol by t/browser-chromium.sh, loads the simulated WHOOP
# consent page (no --test-mode), clicks Allow, follows WHOOP's redirect
# to the loopback listener and shows its page.  Chromium trusts the test
# CA through an NSS database in its profile, and its speculative
# connections and favicon requests meet the real listener.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
command -v chromium >/dev/null 2>&1 ||
    absent_all "chromium not installed (Debian package chromium)"
command -v certutil >/dev/null 2>&1 ||
    absent_all "certutil not installed (Debian package libnss3-tools)"
. "$WHOOP_TOP/t/sim/simctl.sh"

# Chromium and its children run in a session of their own, whose id the
# browser script records; its crash handlers start their own sessions
# but name the profile.  Whatever is left of either is ended by its id.
chromium_sid() { cat "$T/tmp/chromium.pid" 2>/dev/null; }
chromium_left() {
	s=$(chromium_sid)
	[ -n "$s" ] || return 0
	# pid (comm) state ppid pgrp session ...; a zombie is over
	cat /proc/[0-9]*/stat 2>/dev/null | sed 's/ (.*) / /' |
	    awk -v s="$s" '$5 == s && $2 != "Z" { print $1 }'
	# "profil[e]": a pattern that does not match grep's own arguments
	grep -las "$T/tmp/chromium-profil[e]" /proc/[0-9]*/cmdline |
	    sed 's|/proc/\([0-9]*\)/cmdline|\1|'
}
chromium_kill() {
	for p in $(chromium_left); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'chromium_kill; tap_canary_scan; tap_cleanup' EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

sim_start "$T/sim" --days 3 || { echo "Bail out! no simulator"; exit 1; }
PORT=$(free_port)
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"]}" >/dev/null

mkdir -p "$T/home" "$T/tmp"
export HOME="$T/home" TMPDIR="$T/tmp"
export WHOOP_API_URL="$SIM_URL" WHOOP_CA_FILE="$SIM_CA" CURL_CA_BUNDLE="$SIM_CA"
export WHOOP_CONFIG_DIR="$T/conf" WHOOP_DATA_DIR="$T/data"
export BROWSER="$WHOOP_TOP/t/browser-chromium.sh" DISPLAY=
unset WHOOP_DB WHOOP_KEY_FILE SSL_CERT_FILE
export WHOOP_CLIENT_ID=sim-client-id
WHOOP_CLIENT_SECRET=$(sim_ctl client | jq -r .client_secret)
export WHOOP_CLIENT_SECRET
DB=$T/data/whoop.db
J=$T/tmp/chromium.headers.json

t0=$(date +%s)
run whoop-auth -P "$PORT" -t 30
is "$rc" 0 "login with Chromium succeeds"
like "$out" '^account [0-9]{8} .*authorized; scopes: .*offline' "one-line summary"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM credentials' 2>/dev/null)" 1 "tokens stored"

# The browser script ends after whoop-auth: wait for it.
i=0
while [ ! -s "$T/tmp/chromium.done" ] && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(cat "$T/tmp/chromium.done" 2>/dev/null)" 0 "browser script captured the callback page and closed Chromium"
diag "login and browser: $(($(date +%s) - t0)) s"
if [ "$(cat "$T/tmp/chromium.done" 2>/dev/null)" != 0 ]; then
	sed 's/^/# /' "$T/tmp/chromium.log" 2>/dev/null | grep -v WHOOPCANARY | tail -20
fi

stats=$(sim_ctl stats)
is "$(printf '%s' "$stats" | jq '.authorize.consent_page // 0')" 1 "the simulator served its consent page"
is "$(printf '%s' "$stats" | jq '.authorize.code // 0')" 1 "Allow was clicked: a code was issued"

# What Chromium saw of the callback response.
hdr() {
	jq -r --arg h "$1" '.headers | to_entries[] |
	    select(.key | ascii_downcase == $h) | .value' "$J" 2>/dev/null
}
is "$(jq -r .url "$J" 2>/dev/null)" "http://127.0.0.1:$PORT/callback" "Chromium loaded the loopback callback"
is "$(jq -r .status "$J" 2>/dev/null)" 200 "callback page: status 200"
is "$(hdr content-security-policy)" "default-src 'none'; frame-ancestors 'none'" "callback page: Content-Security-Policy"
is "$(hdr cache-control)" no-store "callback page: Cache-Control no-store"
is "$(hdr referrer-policy)" no-referrer "callback page: Referrer-Policy no-referrer"
is "$(hdr x-content-type-options)" nosniff "callback page: X-Content-Type-Options nosniff"
is "$(hdr location)" "" "callback page: no redirect"
is "$(jq -r .title "$J" 2>/dev/null)" "whoop-auth: Logged in" "callback page: title"
like "$(jq -r .text "$J" 2>/dev/null)" '^Logged in\.? *$' "callback page: heading says logged in"
like "$(jq -r .text "$J" 2>/dev/null)" 'Logged in\. You can close this window' "callback page: text says the login succeeded"

curl -s -o /dev/null "http://127.0.0.1:$PORT/callback"
is "$?" 7 "listener is gone after the flow (connection refused)"

# Nothing of Chromium is left: no process of its session, no profile
# (its history holds the authorization code), no code in any file.
check "Chromium recorded its session id" test -n "$(chromium_sid)"
is "$(chromium_left | sort -un | tr "\n" " ")" "" "no Chromium process left"
check "profile removed" test ! -e "$T/tmp/chromium-profile"
check "no canary in what the browser left" sh -c "! grep -raq WHOOPCANARY '$T/tmp'"

done_testing
