#!/bin/sh
# make demo: the whole job against the simulated WHOOP service, in a
# temporary directory that is removed at the end.
#
#	login (the browser step answered by curl) -> sync -> export ->
#	report (share/plot, with gnuplot) -> revoke
#
# It ends with the path of the report, an HTML page that stays.
# Run from the top of the source tree.  As root, installs the missing
# Debian packages of share/packages (those make check needs too, so that
# one line serves both); otherwise prints the apt-get line to run.
set -eu

top=$(pwd)
[ -f "$top/lib/whoop.h" ] || { echo "demo: run from the top of the tree" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
[ -n "${NO_COLOR:-}" ] || [ ! -t 2 ] && say() { printf '\n== %s\n' "$*" >&2; }

# --- packages ----------------------------------------------------------------
# share/packages: the one list, shared with make check and .ci/run.
sh "$top/share/packages.sh" need "make demo" build test ||
    { echo "then run make demo again." >&2; exit 1; }
# gnuplot draws the report at the end: installed as root, else left out.
if ! command -v gnuplot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	say "installing gnuplot-nox, for the report"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gnuplot-nox
fi

say "building"
make -s -j2 all

# --- a private playground ----------------------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-demo.XXXXXX")
. "$top/t/sim/simctl.sh"
cleanup() {
	sim_stop || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say "starting the simulated WHOOP service (TLS, a test CA made just now)"
# Its data ends now, so that "the last week" below has something in it.
sim_start "$T/sim" --test-mode --days 30 --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"]}" >/dev/null
echo "service at $SIM_URL, redirect URI http://127.0.0.1:$PORT/callback" >&2

mkdir -p "$T/home" "$T/tmp"
outer_tmp=${TMPDIR:-/tmp}
export HOME="$T/home" TMPDIR="$T/tmp"
export WHOOP_API_URL="$SIM_URL" WHOOP_CA_FILE="$SIM_CA" CURL_CA_BUNDLE="$SIM_CA"
export WHOOP_CONFIG_DIR="$T/config" WHOOP_DATA_DIR="$T/data"
export WHOOP_CLIENT_ID=sim-client-id
WHOOP_CLIENT_SECRET=$(sim_ctl client | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
export WHOOP_CLIENT_SECRET
# The "browser" follows the consent redirect to whoop-auth's listener.
export BROWSER="$top/t/browser-curl.sh" DISPLAY=
PATH="$top/cmd:$PATH"

say "whoop-auth: log in (PKCE + one-shot state, loopback listener)"
whoop-auth -P "$PORT"

say "whoop-sync -v: first sync"
whoop-sync -v

say "whoop-auth -l: accounts and token state"
whoop-auth -l | column -t -s "$(printf '\t')"

say "whoop-export: the last week of sleep"
whoop-export -s 7d -c date_local,start_local,nap,score_state,sleep_performance_percentage,respiratory_rate sleep |
    column -t -s ,

say "whoop-export: the last week of recovery"
whoop-export -s 7d -c date_local,score_state,recovery_score,resting_heart_rate,hrv_rmssd_milli recovery |
    column -t -s ,

say "whoop-import -v: the app's own export (an invented one), Journal included"
python3 "$top/t/data/import/mkexport.py" folder "$T/export" newer
python3 "$top/t/data/import/mkexport.py" zip "$T/export" "$T/my_whoop_data_2026_03_09.zip"
whoop-import -v "$T/my_whoop_data_2026_03_09.zip"

say "whoop-export journal: the morning answers, by the day the app shows them"
whoop-export -c date_local,question,answered_yes journal | column -t -s ,

say "whoop-import -n -v again: nothing new, nothing written"
whoop-import -n -v "$T/my_whoop_data_2026_03_09.zip"

# The report outlives the playground: it goes beside it, in TMPDIR as
# the demo found it (or WHOOP_DEMO_REPORT).
report=${WHOOP_DEMO_REPORT:-${outer_tmp:-/tmp}/whoop-demo-report.html}
if command -v gnuplot >/dev/null 2>&1; then
	say "share/plot/report.sh: a one-page HTML report of the last 30 days"
	(umask 077 && sh "$top/share/plot/report.sh" -s 30d >"$report.tmp") &&
	    mv "$report.tmp" "$report"
else
	report=
fi

say "whoop-sync -c: health check"
whoop-sync -c | column -t -s "$(printf '\t')"

say "whoop-revoke -f: revoke the grant at WHOOP and shred the tokens"
whoop-revoke -f -v -A -r "end of the demo"

say "whoop-sync after the revocation (exit 77: run whoop-auth)"
set +e
whoop-sync
echo "exit status $?" >&2
set -e

say "done; removing $T"
if [ -n "$report" ]; then
	say "the report, which stays (open it in a browser):"
	echo "$report"
else
	echo "no report: gnuplot is not installed (apt-get install gnuplot-nox)" >&2
fi
