#!/bin/sh
# A real browser for t/0600-chromium.t: whoop-auth starts this as
# $BROWSER with the login URL as its one argument (and its minimal
# environment).  It starts a headless Chromium on a fresh profile in
# $TMPDIR/chromium-profile and has t/browser-chromium.py drive it over
# the DevTools protocol: open the URL, click Allow on the consent page,
# record the callback page, close Chromium.  What it saw goes to
# $TMPDIR/chromium.headers.json, its log to $TMPDIR/chromium.log, and its
# exit status to $TMPDIR/chromium.done when it is over.
#
# TLS: the test CA (the first certificate in $SSL_CERT_FILE, else in
# $CURL_CA_BUNDLE, both of which whoop-auth hands on) is made a trusted
# root in an NSS database inside the profile (HOME points there, and
# Chromium looks in ~/.pki/nssdb), so certificates are checked as for
# any site: no --ignore-certificate-errors.
dir=${TMPDIR:-/tmp}
here=$(cd "$(dirname "$0")" && pwd)
profile=$dir/chromium-profile
rm -rf "$profile" "$dir/chromium.done" "$dir/chromium.headers.json"
exec 2>>"$dir/chromium.log"
mkdir -m 700 "$profile" || { echo 1 >"$dir/chromium.done"; exit 1; }

ca=${SSL_CERT_FILE:-${CURL_CA_BUNDLE:-}}
if [ -n "$ca" ]; then
	if ! { mkdir -p "$profile/.pki/nssdb" &&
	    certutil -N -d "sql:$profile/.pki/nssdb" --empty-password &&
	    certutil -A -d "sql:$profile/.pki/nssdb" -n "whoop test CA" \
	    -t C,, -i "$ca"; }; then
		echo "browser-chromium: cannot trust $ca" >&2
		rm -rf "$profile"
		echo 1 >"$dir/chromium.done"
		exit 1
	fi
fi

HOME=$profile python3 "$here/browser-chromium.py" "$1" "$profile" "$dir" \
    --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic \
    --no-first-run --disable-dev-shm-usage
rc=$?
echo "$rc" >"$dir/chromium.done"
exit "$rc"
