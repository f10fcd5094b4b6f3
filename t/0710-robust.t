#!/bin/sh
# Every tool given junk for arguments (unknown options, missing option
# arguments, empty, 100 KiB and binary strings, bad numbers and dates,
# too many operands): the documented status, a short message that starts
# with the tool's name, never a crash.  Then files that are not what
# they should be: no database, a directory in its place, a file that
# cannot be read, another program's SQLite file, garbage, a file size
# limit reached in the middle of a sync, a data directory that cannot be
# written: a clear message, the documented status, the file unchanged.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

mkdir -p "$T/home" "$T/cwd" "$T/conf" "$T/data"
chmod 700 "$T/conf" "$T/data"
export HOME=$T/home WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
# Nothing listens on port 9 (discard): no junk reaches a service.
export WHOOP_API_URL=https://127.0.0.1:9
unset WHOOP_DB WHOOP_KEY_FILE WHOOP_CLIENT_ID WHOOP_CLIENT_SECRET \
    WHOOP_CA_FILE XDG_DATA_HOME XDG_CONFIG_HOME BROWSER
# A junk -d names a file in the current directory: let it be ours.
cd "$T/cwd" || exit 1
TRY_AS=

big=$(head -c 102400 /dev/zero | tr '\0' a)
bin=$(printf '\001\002\033[2J\033]0;x\007\177\200\376\377 \t\r\302')

# try WANT LABEL TOOL ARGS...: exit status WANT, and a sane stderr.
# $TRY_AS, if set, is a program to run TOOL through.
try() {
	_want=$1 _label=$2 _tool=$3
	shift 3
	timeout 60 $TRY_AS "$_tool" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	_first=$(head -n 1 "$T/err")
	_size=$(wc -c <"$T/err")
	if [ "$rc" -ge 124 ] || grep -Eq 'Sanitizer|runtime error|valgrind' "$T/err"; then
		ok 1 "$_tool $_label: crashed or hung (status $rc)"
		sed 's/^/# /' "$T/err" | head -20
	elif [ "$rc" != "$_want" ]; then
		ok 1 "$_tool $_label: exit $_want"
		diag "got $rc: $_first"
	elif ! printf '%s\n' "$_first" | grep -Eq "^(usage: )?([^ ]*/)?$_tool[: ]"; then
		ok 1 "$_tool $_label: a message that starts with the name"
		diag "got: $_first"
	elif [ "$_size" -gt 1024 ]; then
		ok 1 "$_tool $_label: a short message ($_size bytes)"
	else
		ok 0 "$_tool $_label: exit $_want, \"$(printf '%s' "$_first" | cut -c1-60 | tr -c '[:print:]' '?')\""
	fi
}

# --- junk arguments ----------------------------------------------------------
for t in whoop-auth whoop-sync whoop-export whoop-revoke; do
	ty=
	[ $t = whoop-export ] && ty=cycle
	try 2 "an unknown option" $t -Z
	try 2 "an unknown long option" $t --no-such-option
	try 2 "an argument to --help" $t --help=x
	try 2 "-d without its argument" $t -d
	try 2 "an empty operand" $t ""
	try 2 "a 100 KiB operand" $t "$big"
	try 2 "a binary operand" $t "$bin"
	try 2 "four operands" $t a b c d
	try 2 "-- and an operand" $t -- -x
	try 78 "an empty -d" $t -d "" $ty
	try 78 "a 100 KiB -d" $t -d "$big" $ty
	try 1 "-d naming a directory" $t -d "$T/cwd" $ty
done
try 77 "-d in a missing directory" whoop-sync -d "$T/nowhere/whoop.db"
try 1 "-d in a missing directory" whoop-export -d "$T/nowhere/whoop.db" cycle
try 1 "-d in a missing directory" whoop-revoke -d "$T/nowhere/whoop.db"
try 1 "-d in a missing directory" whoop-auth -d "$T/nowhere/whoop.db"

for a in 0 -1 99999999999999999999999 12abc "" "$big" "$bin"; do
	try 2 "-a '$(printf %.12s "$a" | tr -c '[:print:]' '?')'" whoop-export -a "$a" cycle
	try 2 "-a '$(printf %.12s "$a" | tr -c '[:print:]' '?')'" whoop-sync -a "$a"
	try 2 "-a '$(printf %.12s "$a" | tr -c '[:print:]' '?')'" whoop-revoke -a "$a"
done
for d in "" 99999999999d 9999999999999999999999d -5d 0000-01-01 \
    10000-01-01 2026-02-30 "$big" "$bin"; do
	l=$(printf %.16s "$d" | tr -c '[:print:]' '?')
	try 2 "-s '$l'" whoop-export -s "$d" cycle
	try 2 "-u '$l'" whoop-export -u "$d" cycle
	try 2 "-s '$l'" whoop-sync -s "$d"
done
for f in "" xml "$big" "$bin"; do
	try 2 "-f '$(printf %.12s "$f" | tr -c '[:print:]' '?')'" whoop-export -f "$f" cycle
done
for c in "" , "id,,start" "$big" "id,$big" "$bin"; do
	try 2 "-c '$(printf %.12s "$c" | tr -c '[:print:]' '?')'" whoop-export -c "$c" cycle
done
for ty in "" "cycle,,sleep" cycles "$big" "$bin"; do
	try 2 "-t '$(printf %.12s "$ty" | tr -c '[:print:]' '?')'" whoop-sync -t "$ty"
done
for w in -1 86401 "" 1e3 "$big"; do
	try 2 "-w '$(printf %.12s "$w")'" whoop-sync -w "$w"
	try 2 "-w '$(printf %.12s "$w")'" whoop-revoke -w "$w"
done
for p in -1 65536 "" 0x50 "$big"; do
	try 2 "-P '$(printf %.12s "$p")'" whoop-auth -P "$p"
done
for s in 0 86401 "" "$big"; do
	try 2 "-t '$(printf %.12s "$s")'" whoop-auth -t "$s"
done
try 2 "-F with -s" whoop-sync -F -s 7d
try 2 "-c with an operand" whoop-sync -c extra
try 2 "-l with -K" whoop-auth -l -K
try 2 "-A with -a" whoop-revoke -A -a 5
try 2 "an empty -r" whoop-revoke -r ""
try 2 "a 100 KiB -r" whoop-revoke -r "$big"
try 2 "-f csv -F" whoop-export -F -f csv cycle
try 2 "-s on body" whoop-export -s 7d body

# --- files that are not what they should be ----------------------------------
try 1 "no database" whoop-export cycle
try 77 "no database" whoop-sync
try 1 "no database" whoop-revoke
try 1 "no database" whoop-auth -l
like "$(cat "$T/err")" "no database at $T/data/whoop.db" "no database: the path is named"

mkdir "$T/dirdb"
export WHOOP_DB=$T/dirdb
for t in "whoop-export cycle" whoop-sync whoop-revoke "whoop-auth -l"; do
	# shellcheck disable=SC2086
	try 1 "a directory for a database" $t
done
like "$(cat "$T/err")" "is not a regular file" "a directory: says so"

# sameish FILE: its checksum, journal mode and schema, to compare.
sameish() { { cksum <"$1"; sqlite3 "$1" 'PRAGMA journal_mode' '.schema' 2>&1; } | cksum; }

# Another program's SQLite file: refused, and left exactly as it was
# (not switched to WAL, no table added).
sqlite3 "$T/foreign.db" 'CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES (1)'
chmod 600 "$T/foreign.db"
before=$(sameish "$T/foreign.db")
export WHOOP_DB=$T/foreign.db
for t in "whoop-export cycle" whoop-sync whoop-revoke "whoop-auth -l" whoop-auth; do
	# shellcheck disable=SC2086
	try 1 "another program's database" $t
	like "$(cat "$T/err")" "is not a whoop database \\(another program's SQLite file\\)" "$t: says whose file it is"
done
is "$(sameish "$T/foreign.db")" "$before" "another program's database is left as it was"
check "and no -wal or -shm beside it" test ! -e "$T/foreign.db-wal" -a ! -e "$T/foreign.db-shm"

head -c 16384 /dev/urandom >"$T/junk.db"
chmod 600 "$T/junk.db"
before=$(cksum <"$T/junk.db")
export WHOOP_DB=$T/junk.db
for t in "whoop-export cycle" whoop-sync whoop-revoke "whoop-auth -l"; do
	# shellcheck disable=SC2086
	try 1 "a file of random bytes" $t
done
unset WHOOP_DB
like "$(cat "$T/err")" "is not a whoop database, or is damaged" "random bytes: says so"
is "$(cksum <"$T/junk.db")" "$before" "the random file is left as it was"

# --- a file size limit in the middle of a first sync ------------------------
sim_start "$T/sim" --test-mode --days 1000 --seed 17 || { echo "Bail out! no simulator"; exit 1; }
sim_ctl config '{"rate_minute":100000}' >/dev/null
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA
DB=$T/data/whoop.db
sim_ctl issue '{"user":1}' | "$WHOOP_TOOLS/seedacct" "$DB" "$T/conf/key" sim-client-id >/dev/null ||
    { echo "Bail out! seedacct failed"; exit 1; }
# 256 blocks (of 512 bytes in sh): the profile fits, a year of records not.
sh -c 'ulimit -f 256 && exec whoop-sync' >"$T/out" 2>"$T/err"
rc=$?
check "a file size limit: a clean failure, not SIGXFSZ (status $rc)" test "$rc" = 1 -o "$rc" = 75
like "$(head -n 1 "$T/err")" '^whoop-sync: account [0-9]+: [a-z]+: database: File too large' "a file size limit: the system's error (EFBIG), per collection"
is "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok "a file size limit: the database passes integrity_check"
run whoop-sync
is "$rc:$err" "0:" "without the limit the next run completes"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM cycle')" "$(sim_ctl 'dataset?user=1' | jq '.cycle | length')" "every cycle is there"

# --- a database that cannot be read, a directory that cannot be written ------
# Permissions mean nothing to root: run those as nobody.
if [ -n "${WHOOP_WRAP:-}" ]; then
	AS=skip	# valgrind's logs belong to the caller
elif [ "$(id -u)" != 0 ]; then
	AS=
elif command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	AS="runuser -u nobody --"
else
	AS=skip
fi
if [ "$AS" = skip ]; then
	skip "no way to run as someone without root's permissions"
else
	# What nobody runs is copied where nobody may enter (the tree may
	# be in root's 0700 home) and run by absolute path: no PATH lookup
	# can find an installed copy instead.
	U=$T/user
	chmod 711 "$T"
	mkdir -p "$U/home" "$U/conf" "$U/data"
	chmod 700 "$U/conf" "$U/data"
	whoop_copy_bins "$U/bin" || exit 1
	cp "$DB" "$U/data/whoop.db" && cp "$T/conf/key" "$U/conf/key" &&
	    cp "$SIM_CA" "$U/ca.pem"
	chmod 600 "$U/data/whoop.db" "$U/conf/key"
	[ -n "$AS" ] && chown -R nobody "$U"
	chmod 755 "$U"
	# asuser TOOL ARGS...: $U/bin/TOOL as nobody; a program, so that
	# timeout(1) can run it.
	cat >"$T/asuser" <<-EOF
	#!/bin/sh
	t=\$1
	shift
	exec $AS env HOME="$U/home" WHOOP_CONFIG_DIR="$U/conf" \\
	    WHOOP_DATA_DIR="$U/data" WHOOP_CA_FILE="$U/ca.pem" \\
	    WHOOP_API_URL="$SIM_URL" PATH=/usr/bin:/bin "$U/bin/\$t" "\$@"
	EOF
	chmod 755 "$T/asuser"
	check "as nobody: the copies can be run" "$T/asuser" whoop-export --version
	check "as nobody: a sync works" "$T/asuser" whoop-sync

	TRY_AS=$T/asuser
	chmod 000 "$U/data/whoop.db"
	for t in "whoop-export cycle" whoop-sync whoop-revoke "whoop-auth -l"; do
		# shellcheck disable=SC2086
		try 1 "a database that cannot be read" $t
		like "$(cat "$T/err")" "whoop.db: Permission denied" "${t%% *}: says so"
	done
	chmod 600 "$U/data/whoop.db"

	# No -wal and -shm yet, and a directory they cannot be made in.
	before=$(cksum <"$U/data/whoop.db")
	chmod 500 "$U/data"
	for t in "whoop-export cycle" whoop-sync whoop-revoke "whoop-auth -l"; do
		# shellcheck disable=SC2086
		try 1 "a data directory that cannot be written" $t
		like "$(cat "$T/err")" "cannot create $U/data/whoop.db-wal and -shm: the directory is not writable" "${t%% *}: says what cannot be written"
	done
	chmod 700 "$U/data"
	TRY_AS=
	is "$(cksum <"$U/data/whoop.db")" "$before" "the database is left as it was"
	is "$(sqlite3 "$U/data/whoop.db" 'PRAGMA integrity_check')" ok "and passes integrity_check"
	check "once writable, a sync works again" "$T/asuser" whoop-sync
fi

# User input echoed in a message is escaped: no terminal escape gets out.
esc=$(printf 'x\033[31my')
run whoop-export "$esc"
is "$rc" 2 "export: a type with an escape sequence: usage error"
like "$err" 'unknown type "x\\x1b\[31my"' "export: the type is echoed escaped"
run whoop-export -c "$esc" cycle
like "$err" 'unknown column "x\\x1b\[31my"' "export -c: the column is echoed escaped"
run whoop-sync -t "$esc"
like "$err" 'unknown type "x\\x1b\[31my"' "sync -t: the type is echoed escaped"
check "no raw escape byte in any of those messages" sh -c "! printf '%s' \"\$1\" | grep -q \"\$(printf '\\033')\"" sh "$err"

done_testing
