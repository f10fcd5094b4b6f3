#!/bin/sh
# A damaged database is reported clearly although no run reads the whole
# file any more (lib/dbcheck.c): a flipped page and a file cut short,
# each met by the health check (whoop-sync -c) always, and by a normal
# run (whoop-sync, whoop-export) when it meets the damage; none of them
# writes to the damaged file.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

umask 077
sim_start "$T/sim" --test-mode --days 40 --seed 23 || { echo "Bail out! no simulator"; exit 1; }
sim_ctl config '{"rate_minute":100000}' >/dev/null
mkdir -p "$T/home" "$T/conf" "$T/data"
export HOME=$T/home WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export WHOOP_CLIENT_ID=sim-client-id
export WHOOP_CLIENT_SECRET="$(sim_ctl client | jq -r .client_secret)"
unset WHOOP_DB WHOOP_KEY_FILE
GOOD=$T/data/whoop.db

sim_ctl issue '{"user":1}' | "$WHOOP_TOOLS/seedacct" "$GOOD" "$T/conf/key" sim-client-id >/dev/null
run whoop-sync -d "$GOOD"
is "$rc" 0 "first sync" || diag "$err"
run whoop-sync -d "$GOOD" -c
is "$rc" 0 "health check of the whole file passes"
like "$out" '^ok	database	' "health: ok database"
# One file, no -wal: what a copy or a cut sees.
sqlite3 "$GOOD" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
ncycle=$(sqlite3 "$GOOD" 'SELECT count(*) FROM cycle')
check "there are cycles to damage ($ncycle)" test "$ncycle" -gt 20

# flip FILE PAGE...: every bit of each page (numbered from 1) inverted.
flip() {
	python3 - "$@" <<'EOF'
import sys
path, pages = sys.argv[1], [int(p) for p in sys.argv[2:]]
with open(path, "r+b") as f:
    f.seek(16)
    size = int.from_bytes(f.read(2), "big")
    size = 65536 if size == 1 else size
    for p in pages:
        f.seek((p - 1) * size)
        b = f.read(size)
        f.seek((p - 1) * size)
        f.write(bytes(x ^ 0xFF for x in b))
EOF
}

# try NAME DB: the three tools on a damaged copy, which none may change.
try() {
	name=$1 db=$2
	before=$(cksum <"$db")
	run whoop-sync -d "$db" -c
	is "$rc" 1 "$name: health check: exit 1"
	like "$out" '^fail	database	.*(damage|malformed)' "$name: health check: says the database is damaged"
	run whoop-export -d "$db" cycle
	is "$rc" 1 "$name: export of cycles: exit 1"
	like "$err" '^whoop-export: .*damage' "$name: export: says the database is damaged"
	run whoop-sync -d "$db"
	is "$rc" 1 "$name: sync: exit 1"
	like "$err" '^whoop-sync: .*damage' "$name: sync: says the database is damaged"
	is "$(cksum <"$db")" "$before" "$name: no run wrote to the damaged file"
	check "$name: and left no -wal behind with changes" sh -c \
	    '! [ -s "$1-wal" ] || [ "$(stat -c %s "$1-wal")" -le 32 ]' sh "$db"
}

# --- a flipped page: every leaf page of the cycle table ----------------------
cp "$GOOD" "$T/flip.db"
pages=$(sqlite3 "$T/flip.db" "SELECT pageno FROM dbstat WHERE name = 'cycle' AND pagetype = 'leaf'" | tr '\n' ' ')
check "the cycle table's leaf pages: $pages" test -n "$pages"
# shellcheck disable=SC2086
flip "$T/flip.db" $pages
try "a flipped page" "$T/flip.db"
# Damage no run reads is still found by the health check: the first
# leaf of the sleep table (not on the newest edge that every open walks),
# which an export of cycles does not read.
cp "$GOOD" "$T/flip2.db"
spage=$(sqlite3 "$T/flip2.db" "SELECT pageno FROM dbstat WHERE name = 'sleep' AND path = '/000/'")
check "the sleep table's first leaf: $spage" test -n "$spage"
flip "$T/flip2.db" "$spage"
run whoop-export -d "$T/flip2.db" -s 10d cycle
is "$rc" 0 "a flipped page elsewhere: an export that does not read it works"
run whoop-sync -d "$T/flip2.db" -c
is "$rc" 1 "a flipped page elsewhere: the health check still fails"
like "$out" '^fail	database	' "a flipped page elsewhere: and says database"

# --- a file cut short --------------------------------------------------------
cp "$GOOD" "$T/cut.db"
size=$(stat -c %s "$T/cut.db")
truncate -s $((size / 2)) "$T/cut.db"
try "a file cut short" "$T/cut.db"

# The good file is untouched by all this.
run whoop-sync -d "$GOOD" -c
is "$rc" 0 "the good file still passes"

done_testing
