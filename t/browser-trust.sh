#!/bin/sh
# A stand-in browser for t/0720-trust.t (issue 12), as t/browser-curl.sh
# but with what a local attacker does around a login.  The mode is read
# from $TMPDIR/browser.mode (whoop-auth gives the browser a minimal
# environment).
dir=${TMPDIR:-/tmp}
mode=$(cat "$dir/browser.mode" 2>/dev/null)
case $mode in
wait)
	# Hold the login until the test says go: the key may change meanwhile.
	i=0
	while [ ! -e "$dir/browser.go" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	exec curl -sS -L --max-redirs 2 -D "$dir/browser.headers" \
	    -o "$dir/browser.body" "$1"
	;;
idle3)
	# Three connections that say nothing, held open, then the callback.
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	port=${loc#http://127.0.0.1:}
	port=${port%%/*}
	python3 -c '
import socket, sys, time
ss = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
      for i in range(3)]
open(sys.argv[2], "w").write("open\n")
time.sleep(30)
' "$port" "$dir/browser.idle" &
idle=$!
	i=0
	while [ ! -s "$dir/browser.idle" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" \
	    -w '%{time_total}\n' "$loc" >"$dir/browser.time"
	kill "$idle" 2>/dev/null
	;;
rebind)
	# A DNS-rebinding page: the right callback, under its own name.
	loc=$(curl -sS -o /dev/null -w '%{redirect_url}' "$1") || exit 1
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Host: rebind.example:80' \
	    "$loc" >"$dir/browser.codes"
	exec curl -sS -D "$dir/browser.headers" -o "$dir/browser.body" "$loc"
	;;
*)
	exec curl -sS -L --max-redirs 2 -D "$dir/browser.headers" \
	    -o "$dir/browser.body" "$1"
	;;
esac
