# simctl.sh -- source from a shell test to run the simulated WHOOP service.
#
#   . t/sim/simctl.sh
#   sim_start "$tmp/sim" --test-mode   # exports SIM_PORT SIM_URL SIM_PID SIM_CA
#   sim_ctl /_sim/config '{"rate_minute":5}'
#   sim_stop                           # returns the service's exit status
#
# SIM_HOME  directory holding whoopsim.py (found next to the caller if unset)
# SIM_CERTDIR  where the test PKI lives (default: the state directory);
#           share one between several services, make it once with mkcerts.sh
#
# Only the recorded pid is ever signalled, never a process name.

if [ -z "${SIM_HOME:-}" ]; then
	for _d in "$(dirname "$0")" "$(dirname "$0")/sim" \
	    "$(dirname "$0")/../sim" t/sim; do
		if [ -f "$_d/whoopsim.py" ]; then
			SIM_HOME=$(cd "$_d" && pwd)
			break
		fi
	done
	unset _d
fi

# sim_start DIR [whoopsim args...]
sim_start() {
	_sim_dir=$1
	shift
	if [ -z "${SIM_HOME:-}" ] || [ ! -f "$SIM_HOME/whoopsim.py" ]; then
		echo "sim_start: set SIM_HOME to the directory of whoopsim.py" >&2
		return 1
	fi
	_sim_certs=${SIM_CERTDIR:-$_sim_dir}
	mkdir -p "$_sim_dir" && chmod 700 "$_sim_dir" || return 1
	if [ ! -f "$_sim_certs/ca.pem" ]; then
		sh "$SIM_HOME/mkcerts.sh" "$_sim_certs" || return 1
	fi
	rm -f "$_sim_dir/port"
	# defaults first: a --cert/--key among the caller's args wins
	python3 "$SIM_HOME/whoopsim.py" --state-dir "$_sim_dir" \
	    --cert "$_sim_certs/server.pem" --key "$_sim_certs/server.key" \
	    "$@" >>"$_sim_dir/sim.out" 2>>"$_sim_dir/sim.err" &
	SIM_PID=$!
	_sim_scheme=https
	for _a in "$@"; do
		[ "$_a" = --plain ] && _sim_scheme=http
	done
	_sim_i=0
	while [ ! -s "$_sim_dir/port" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			echo "sim_start: whoopsim exited:" >&2
			cat "$_sim_dir/sim.err" >&2
			wait "$SIM_PID" 2>/dev/null
			unset SIM_PID
			return 1
		fi
		_sim_i=$((_sim_i + 1))
		if [ "$_sim_i" -gt 100 ]; then
			echo "sim_start: no port file after 5 s" >&2
			sim_stop
			return 1
		fi
		sleep 0.05
	done
	SIM_PORT=$(cat "$_sim_dir/port")
	SIM_URL=$_sim_scheme://127.0.0.1:$SIM_PORT
	SIM_CA=$_sim_certs/ca.pem
	SIM_DIR=$_sim_dir
	export SIM_PORT SIM_URL SIM_PID SIM_CA SIM_DIR
	unset _sim_i _sim_scheme _sim_certs _a
}

# sim_stop: SIGTERM the recorded pid, wait up to 5 s (then SIGKILL),
# return its exit status (0 after a clean shutdown).
sim_stop() {
	[ -n "${SIM_PID:-}" ] || return 0
	kill -TERM "$SIM_PID" 2>/dev/null
	_sim_i=0
	while kill -0 "$SIM_PID" 2>/dev/null; do
		_sim_i=$((_sim_i + 1))
		if [ "$_sim_i" -gt 100 ]; then
			echo "sim_stop: pid $SIM_PID ignored SIGTERM, killing" >&2
			kill -KILL "$SIM_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$SIM_PID" 2>/dev/null
	_sim_rc=$?
	unset SIM_PID _sim_i
	return $_sim_rc
}

# sim_ctl PATH [JSON]: GET PATH, or POST JSON to it; prints the body.
# PATH may be given without the /_sim/ prefix.  Fails on HTTP errors.
sim_ctl() {
	case $1 in
	/*) _sim_p=$1 ;;
	*) _sim_p=/_sim/$1 ;;
	esac
	if [ $# -ge 2 ]; then
		curl -sS --fail-with-body --cacert "$SIM_CA" -X POST \
		    -H 'Content-Type: application/json' --data-binary "$2" \
		    "$SIM_URL$_sim_p"
	else
		curl -sS --fail-with-body --cacert "$SIM_CA" "$SIM_URL$_sim_p"
	fi
}
