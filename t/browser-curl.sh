#!/bin/sh
# A stand-in browser for the tests: loads the authorize URL and follows
# the redirect to the loopback listener, as a browser would.  It keeps
# what it saw in $TMPDIR for the test to inspect.  BROWSER_MODE (read
# from a file, since whoop-auth gives the browser a minimal environment)
# can make it tamper with the callback.
dir=${TMPDIR:-/tmp}
mode=$(cat "$dir/browser.mode" 2>/dev/null)
case $mode in
tamper-state)
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	loc=$(printf '%s' "$loc" | sed 's/state=[^&]*/state=forged0000000000/')
	exec curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" "$loc"
	;;
drop-state)
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	loc=$(printf '%s' "$loc" | sed 's/[&?]state=[^&]*//')
	exec curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" "$loc"
	;;
replay)
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	printf '%s\n' "$loc" >"$dir/browser.loc"
	exec curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" "$loc"
	;;
junk-first)
	# A wrong path, a POST and an oversized head first; then the real one.
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	base=${loc%%/callback*}
	curl -s -o /dev/null -w '%{http_code}\n' "$base/favicon.ico" >"$dir/browser.codes"
	curl -s -o /dev/null -w '%{http_code}\n' -X POST "$loc" >>"$dir/browser.codes"
	curl -s -o /dev/null -w '%{http_code}\n' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$base/callback" >>"$dir/browser.codes"
	exec curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" "$loc"
	;;
flood)
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	base=${loc%%/callback*}
	i=0
	while [ $i -lt 30 ]; do
		curl -s -o /dev/null "$base/callback?state=x&code=y" || break
		i=$((i + 1))
	done
	echo "$i" >"$dir/browser.flood"
	;;
none)
	exit 0
	;;
*)
	exec curl -sS -L --max-redirs 2 -D "$dir/browser.headers" \
	    -o "$dir/browser.body" "$1"
	;;
esac
