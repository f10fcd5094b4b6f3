#!/bin/sh
# The tools do their whole job inside their sandboxes: whoop-auth logs in
# (Landlock after the browser starts), whoop-sync syncs everything over
# TLS with WHOOP_CA_FILE outside its directories, whoop-export writes
# every row, sorts more than SQLite keeps in memory (temporary files),
# and reads while a writer changes the database.  A running export is
# seen under seccomp and no_new_privs, a running sync under no_new_privs
# (set only with its Landlock domain).  That forbidden accesses are
# denied, rule by rule, is shown by t/unit/test-sandbox.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

# What this kernel offers: the Landlock ABI (or -1), seccomp's errno.
LL=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint(1)))' 2>/dev/null)
LL=${LL:--1}
SC=0
grep -qw errno /proc/sys/kernel/seccomp/actions_avail 2>/dev/null && SC=1
# Under valgrind (WHOOP_WRAP) the tools run unconfined by design.
[ -n "${WHOOP_WRAP:-}" ] && LL=-1 SC=0
diag "Landlock ABI $LL, seccomp filters $SC"

# status PID FIELD: a field of /proc/PID/status, once PID has set it
# (up to 10 s), else its last value.
status() {
	_i=0
	while [ $_i -lt 100 ]; do
		_v=$(sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null)
		[ "$_v" != 0 ] && [ -n "$_v" ] && break
		_i=$((_i + 1))
		sleep 0.1
	done
	echo "$_v"
}

sim_start "$T/sim" --test-mode --days 400 --seed 5 || { echo "Bail out! no simulator"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"],\"rate_minute\":100000}" >/dev/null

mkdir -p "$T/home" "$T/tmp"
export HOME=$T/home TMPDIR=$T/tmp
# The stand-in browser (curl) trusts the test CA through CURL_CA_BUNDLE.
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA CURL_CA_BUNDLE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export BROWSER=$WHOOP_TOP/t/browser-curl.sh DISPLAY=
export WHOOP_CLIENT_ID=sim-client-id
export WHOOP_CLIENT_SECRET="$(sim_ctl client | jq -r .client_secret)"
unset WHOOP_DB WHOOP_KEY_FILE SSL_CERT_FILE SSL_CERT_DIR
DB=$T/data/whoop.db
q() { sqlite3 "$DB" "$1"; }

# --- whoop-auth ------------------------------------------------------------
run whoop-auth -t 60 -P "$PORT"
is "$rc" 0 "whoop-auth logs in, sandboxed once the browser is started" || diag "$err"
ACCT=$(printf '%s\n' "$out" | sed -n 's/^account \([0-9]*\) .*/\1/p')
check "the account is stored" test -n "$ACCT"

# --- whoop-sync ------------------------------------------------------------
# A stalled page holds the first run long enough to look at it.
sim_ctl fault '{"kind":"stall","path_prefix":"/developer/v2/cycle","seconds":2}' >/dev/null
whoop-sync >"$T/sync.out" 2>"$T/sync.err" &
pid=$!
nnp=$(status $pid NoNewPrivs)
wait $pid
rc=$?
if [ "$LL" -ge 1 ]; then
	is "$nnp" 1 "whoop-sync runs with no_new_privs: its Landlock domain is in force"
else
	skip "no Landlock here: whoop-sync runs unconfined"
fi
is "$rc" 0 "whoop-sync syncs under Landlock (a stalled page retried)" || diag "$(cat "$T/sync.err")"
same() {
	sim_ctl "dataset?user=1" | jq -S -c ".$1[]" | sort >"$T/want.$1"
	q "SELECT raw FROM $1 WHERE account_id = $ACCT" | jq -S -c . | sort >"$T/got.$1"
	[ -s "$T/want.$1" ] && cmp -s "$T/want.$1" "$T/got.$1"
}
for t in cycle recovery sleep workout; do
	check "$t: the database equals the service" same "$t"
done
run whoop-sync
is "$rc$out$err" 0 "an incremental sync under Landlock: quiet, exit 0"
is "$(q 'PRAGMA integrity_check')" ok "the database passes integrity_check"

# --- whoop-export ----------------------------------------------------------
for t in cycle recovery sleep workout profile body; do
	case $t in
	body) tbl=body_measurement ;;
	*) tbl=$t ;;
	esac
	run whoop-export -f tsv "$t"
	n=$(($(wc -l <"$T/out") - 1))
	is "$rc:$n:$err" "0:$(q "SELECT count(*) FROM $tbl"):" "whoop-export $t: every row, as sqlite3 counts"
done
run whoop-export -f jsonl cycle
is "$(jq -r .id "$T/out" | sort | cksum)" "$(q 'SELECT id FROM cycle' | sort | cksum)" "whoop-export: the same cycles as sqlite3"

# Many rows of two accounts: the sort by start does not fit in SQLite's
# cache, so it goes through temporary files in $TMPDIR.
BIG=$T/big/whoop.db
mkdir -p "$T/big" && chmod 700 "$T/big"
python3 - "$T/big" <<'EOF'
import json, sys
for acct, n in ((11111111, 15000), (22222222, 15000)):
    recs = []
    for i in range(n):
        s = 1700000000 + i * 86400 + (acct % 7) * 3600
        recs.append({"id": acct * 100000 + i, "user_id": acct,
            "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": "2024-01-01T00:00:00.000Z",
            "start": "%sZ" % __import__("datetime").datetime.utcfromtimestamp(s).isoformat(timespec="milliseconds"),
            "end": None, "timezone_offset": "+01:00", "score_state": "SCORED",
            "score": {"strain": 5.5, "kilojoule": 1000.0 + i,
                "average_heart_rate": 60, "max_heart_rate": 150}})
    json.dump({"records": recs}, open("%s/%d.json" % (sys.argv[1], acct), "w"))
EOF
"$WHOOP_TOOLS/dbfill" "$BIG" 11111111 cycle "$T/big/11111111.json" >/dev/null &&
    "$WHOOP_TOOLS/dbfill" "$BIG" 22222222 cycle "$T/big/22222222.json" >/dev/null
is "$?" 0 "a database of 30000 cycles"
run whoop-export -d "$BIG" -c account_id,id cycle
is "$rc:$err" "0:" "whoop-export sorts 30000 cycles of two accounts inside its sandbox"
is "$(tr -d '\r' <"$T/out" | sed 1d | cksum)" "$(sqlite3 -csv "$BIG" 'SELECT account_id, id FROM cycle ORDER BY start, account_id, id' | cksum)" "in start order, as sqlite3 sorts them"

# A running export: blocked on a pipe nobody reads yet.
mkfifo "$T/fifo"
(sleep 1; cat >/dev/null) <"$T/fifo" &
reader=$!
whoop-export -d "$BIG" cycle >"$T/fifo" 2>"$T/exp.err" &
pid=$!
sc=$(status $pid Seccomp)
nnp=$(status $pid NoNewPrivs)
wait $pid
rc=$?
wait $reader
if [ "$SC" = 1 ]; then
	is "$sc" 2 "a running whoop-export is under a seccomp filter"
	is "$nnp" 1 "and no_new_privs"
else
	skip "no seccomp filters here"
	skip "no seccomp filters here"
fi
is "$rc" 0 "the blocked export finishes once read"

# Exports while another program writes: the reader's -wal and -shm are
# open before its directory becomes read-only to it.
n=$(q 'SELECT count(*) FROM cycle')
(
	i=0
	while [ ! -f "$T/stop" ] && [ $i -lt 400 ]; do
		sqlite3 -cmd '.timeout 5000' "$DB" "UPDATE cycle SET synced_at = '2030-01-01T00:00:00.$(printf %03d $((i % 1000)))Z'" 2>>"$T/writer.err"
		i=$((i + 1))
	done
) &
writer=$!
bad=0
i=0
while [ $i -lt 15 ]; do
	got=$(whoop-export -c id cycle 2>>"$T/exp.err" | wc -l)
	[ "$got" -eq $((n + 1)) ] || bad=$((bad + 1))
	i=$((i + 1))
done
: >"$T/stop"
wait $writer
is "$bad" 0 "15 exports during writes: every one complete"
is "$(cat "$T/exp.err")" "" "no export complained"
is "$(q 'PRAGMA integrity_check')" ok "the database is intact"
check "the writer wrote" test "$(q "SELECT count(*) FROM cycle WHERE synced_at LIKE '2030-%'")" -gt 0

# A database whose -wal and -shm are gone (last writer closed cleanly).
q 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
run whoop-export -c id cycle
is "$rc:$(($(wc -l <"$T/out") - 1))" "0:$n" "whoop-export of a database without -wal and -shm"

done_testing
