#!/bin/sh
# whoop-auth started with SIGCHLD ignored (some supervisors leave it so):
# the browser's child is reaped by the kernel and waitpid fails with
# ECHILD, which once made whoop-auth spin at full CPU for ever instead of
# waiting for the callback.  No simulator needed: nobody answers, and
# the login must end at its deadline.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

mkdir -p "$T/home"
export HOME=$T/home WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export WHOOP_CLIENT_ID=sigchld-client WHOOP_CLIENT_SECRET=sigchld-secret
export WHOOP_API_URL=https://127.0.0.1:9 DISPLAY=
unset WHOOP_DB WHOOP_KEY_FILE
printf '#!/bin/sh\necho "$1" >"%s/browser.url"\n' "$T" >"$T/browser"
chmod 755 "$T/browser"
export BROWSER=$T/browser

# dash will not pass an ignored SIGCHLD on to what it runs; perl will.
perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' \
    whoop-auth -P 0 -t 3 >"$T/out" 2>"$T/err" &
pid=$!
TAP_PIDS="$TAP_PIDS $pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ]; do
	sleep 0.5
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	ok 1 "ends at its deadline with SIGCHLD ignored"
	diag "still running after 30 s: $(grep State /proc/$pid/status)"
	kill "$pid"
	wait "$pid"
else
	ok 0 "ends at its deadline with SIGCHLD ignored"
	wait "$pid"
	is "$?" 1 "... and fails: no callback came"
	like "$(cat "$T/err")" 'no valid callback within 3 seconds' \
	    "... saying why"
fi
check "the browser was started" test -s "$T/browser.url"

done_testing
