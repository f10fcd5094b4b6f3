#!/bin/sh
# share/plot: each gnuplot script on the simulated service's data draws
# exactly what it was fed (a point, a bar or a box per row, night, day or
# sport-week, counted in the SVG against counts made apart with jq and
# sqlite3), breaks its lines at days without data, gives well-formed SVG
# and real PNG, and the same picture from CSV and TSV; an empty period is
# a message and no picture; report.sh writes one self-contained page,
# which headless Chromium opens with no console error and no request,
# showing every plot.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"
. "$WHOOP_TOP/t/sim/simctl.sh"

# Skip without a component, or fail under WHOOP_REQUIRE_ALL=1 (CI); the
# definitions of t/lib.sh win when it has them.
command -v absent >/dev/null 2>&1 || absent() {
	if [ "${WHOOP_REQUIRE_ALL:-}" = 1 ]; then
		ok 1 "$1 (WHOOP_REQUIRE_ALL=1: every component must be there)"
	else
		skip "$1"
	fi
}
command -v absent_all >/dev/null 2>&1 || absent_all() {
	if [ "${WHOOP_REQUIRE_ALL:-}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - $1 (WHOOP_REQUIRE_ALL=1: every component must be there)"
		exit 1
	fi
	echo "1..0 # skip $1"
	exit 0
}
for p in gnuplot:gnuplot-nox xmllint:libxml2-utils jq:jq sqlite3:sqlite3; do
	command -v "${p%%:*}" >/dev/null 2>&1 ||
	    absent_all "${p%%:*} not installed (Debian: ${p#*:})"
done

PLOT=$WHOOP_TOP/share/plot
sim_start "$T/sim" --test-mode --days 60 --seed 7 \
    --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" || { echo "Bail out! no simulator"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sim_ctl config "{\"redirect_uris\":[\"http://127.0.0.1:$PORT/callback\"],\"rate_minute\":100000}" >/dev/null
mkdir -p "$T/home" "$T/tmp" "$T/x"
export HOME=$T/home TMPDIR=$T/tmp
export WHOOP_API_URL=$SIM_URL WHOOP_CA_FILE=$SIM_CA CURL_CA_BUNDLE=$SIM_CA
export WHOOP_CONFIG_DIR=$T/conf WHOOP_DATA_DIR=$T/data
export BROWSER=$WHOOP_TOP/t/browser-curl.sh DISPLAY=
export WHOOP_CLIENT_ID=sim-client-id
WHOOP_CLIENT_SECRET=$(sim_ctl client | jq -r .client_secret)
export WHOOP_CLIENT_SECRET
unset WHOOP_DB WHOOP_KEY_FILE
DB=$T/data/whoop.db
run whoop-auth -P "$PORT"
is "$rc" 0 "login to the simulated service" || diag "$err"
run whoop-sync
is "$rc" 0 "sync 60 days" || diag "$err"
sim_stop

X=$T/x
for t in cycle recovery sleep workout; do
	whoop-export -f tsv -s 90d "$t" >"$X/$t.tsv"
	whoop-export -s 90d "$t" >"$X/$t.csv"
	whoop-export -F -s 90d "$t" >"$X/$t.jsonl"
done

# svgcount FILE: a line per plot element of the SVG, in order:
# "uses polygons moves", moves being the M commands of its paths (one per
# run of a line).  Fails on XML that does not parse.
svgcount() {
	python3 - "$1" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
for g in ET.parse(sys.argv[1]).iter(ns + "g"):
    if not re.match(r"\w+_plot_[0-9]+[a-z]?$", g.get("id", "")):
        continue
    uses = len(list(g.iter(ns + "use")))
    polys = len(list(g.iter(ns + "polygon")))
    moves = sum(len(re.findall(r"M", p.get("d", ""))) for p in g.iter(ns + "path"))
    print(uses, polys, moves)
EOF
}
# nth N: the Nth line of the counts in $T/counts.
nth() { sed -n "$1p" "$T/counts"; }
# runs: the number of runs of consecutive days among the dates on stdin.
runs() {
	sort -u | jq -R -s 'split("\n") | map(select(length > 0) |
	    strptime("%Y-%m-%d") | mktime / 86400) |
	    reduce .[] as $d ({n: 0, p: null};
	    {n: (if .p != null and $d == .p + 1 then .n else .n + 1 end), p: $d}) | .n'
}
# draw NAME ARGS...: gnuplot -c NAME.gp ARGS > $X/NAME.svg, and checks.
draw() {
	n=$1
	shift
	(cd "$X" && gnuplot -c "$PLOT/$n.gp" "$@") >"$X/$n.svg" 2>"$T/err"
	rc=$?
	is "$rc:$(cat "$T/err")" "0:" "$n.gp: exit 0, nothing on stderr"
	check "$n.gp: well-formed SVG (xmllint)" xmllint --noout "$X/$n.svg"
	check "$n.gp: an opaque white background, for light and dark viewers" \
	    grep -q '^<rect x="0" y="0" width="[0-9]*" height="[0-9]*" fill="#ffffff"/>$' "$X/$n.svg"
	svgcount "$X/$n.svg" >"$T/counts"
}

# --- recovery --------------------------------------------------------------
J=$X/recovery.jsonl
scored=$(jq -s 'map(select(.recovery_score != null and .date_local != null)) | length' "$J")
days=$(jq -r 'select(.recovery_score != null and .date_local != null) | .date_local' "$J" | runs)
check "the data has recoveries ($scored) and gaps ($days runs of days)" test "$scored" -gt 30 -a "$days" -gt 1
draw recovery recovery.tsv
is "$(nth 1 | cut -d' ' -f1)" "$scored" "recovery.gp: a point per scored recovery"
is "$(nth 2 | cut -d' ' -f3)" "$days" "recovery.gp: the 7-day mean breaks at every day without a recovery"
is "$(grep -c "<use xlink:href='#gpPt6' transform='translate" "$X/recovery.svg")" "$((scored + 3))" \
    "recovery.gp: no other points than those and the three of the key"
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" recovery.csv) >"$X/recovery-csv.svg" 2>&1
check "recovery.gp: the same SVG from CSV as from TSV" cmp -s "$X/recovery.svg" "$X/recovery-csv.svg"
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" <recovery.tsv) >"$X/recovery-stdin.svg" 2>&1
check "recovery.gp: the same SVG from standard input" cmp -s "$X/recovery.svg" "$X/recovery-stdin.svg"
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" recovery.tsv png) >"$X/recovery.png" 2>"$T/err"
is "$?:$(od -An -c -N4 "$X/recovery.png" | tr -d ' ')" "0:211PNG" "recovery.gp png: a PNG"
is "$(od -An -tu1 -j16 -N8 "$X/recovery.png" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }')" 900x380 \
    "recovery.gp png: 900 by 380 pixels"

# Days are the records' local days, whatever the machine's time zone: a
# cycle that starts on March 1 in UTC but on February 28 at -05:00 is a
# point on February 28, and the picture is the same under any TZ.
printf 'account_id\tcycle_start\trecovery_score\tdate_local\n1\t2026-03-01T03:00:00.000Z\t50\t2026-02-28\n' \
    >"$X/tz.tsv"
is "$(awk -v what=recovery -f "$PLOT/prep.awk" "$X/tz.tsv" | sed -n 2p | cut -f1)" \
    "$(date -u -d 2026-02-28T12:00:00Z +%s)" "prep.awk: a recovery is placed at noon of its date_local"
(cd "$X" && TZ=Pacific/Kiritimati gnuplot -c "$PLOT/recovery.gp" recovery.tsv) >"$X/recovery-tz.svg" 2>&1
check "recovery.gp: the same SVG at UTC+14 as at the test's time zone" cmp -s "$X/recovery.svg" "$X/recovery-tz.svg"
(cd "$X" && TZ=America/Los_Angeles gnuplot -c "$PLOT/recovery.gp" recovery.tsv) >"$X/recovery-tz.svg" 2>&1
check "recovery.gp: and at UTC-8" cmp -s "$X/recovery.svg" "$X/recovery-tz.svg"

# The mean itself: the last day's mean is that of its week's recoveries.
want=$(jq -r -s 'map(select(.recovery_score != null and .date_local != null)) |
    (map(.date_local) | max | strptime("%Y-%m-%d") | mktime) as $last |
    map(select((.date_local | strptime("%Y-%m-%d") | mktime) > $last - 7 * 86400) |
    .recovery_score) | add / length | . * 1000 | round / 1000' "$J")
got=$(awk -v what=recovery -f "$PLOT/prep.awk" "$X/recovery.tsv" |
    sed -n '/^\$MEAN/,/^EOD/p' | grep -v EOD | tail -1 | cut -f2)
is "$(printf '%.3f' "$got")" "$(printf '%.3f' "$want")" "prep.awk: the last 7-day mean is the mean of the last 7 days' recoveries"

# --- HRV and resting heart rate --------------------------------------------
nh=$(jq -s 'map(select(.hrv_rmssd_milli != null and .date_local != null)) | length' "$J")
nr=$(jq -s 'map(select(.resting_heart_rate != null and .date_local != null)) | length' "$J")
draw hrv recovery.csv
is "$(nth 1 | cut -d' ' -f1)" "$nh" "hrv.gp: a point per HRV"
is "$(nth 2 | cut -d' ' -f1)" "$nr" "hrv.gp: a point per resting heart rate"
is "$(nth 1 | cut -d' ' -f3)" "$days" "hrv.gp: the HRV line breaks at every day without data"
is "$(nth 2 | cut -d' ' -f3)" "$days" "hrv.gp: so does the heart rate line"

# --- sleep -----------------------------------------------------------------
S=$X/sleep.jsonl
nights=$(jq -r 'select(.nap == false and .total_light_sleep_time_milli != null and .date_local != null) | .date_local' "$S" | sort -u | wc -l | tr -d ' ')
needs=$(jq -r 'select(.nap == false and .total_light_sleep_time_milli != null and .baseline_milli != null and .date_local != null) | .date_local' "$S" | sort -u | wc -l | tr -d ' ')
naps=$(jq -s 'map(select(.nap)) | length' "$S")
check "the data has nights ($nights) and naps ($naps)" test "$nights" -gt 30 -a "$naps" -gt 0
draw sleep sleep.tsv
for i in 1 2 3 4; do
	is "$(nth $i | cut -d' ' -f2)" "$nights" "sleep.gp: stage $i, a bar per night"
done
is "$(nth 5 | cut -d' ' -f1)" "$needs" "sleep.gp: the sleep needed, a point per night"
# The top of each night's stack is its light + slow wave + REM + awake.
want=$(jq -r -s 'map(select(.nap == false and .total_light_sleep_time_milli != null)) |
    group_by(.date_local) | map(map(.total_light_sleep_time_milli +
    .total_slow_wave_sleep_time_milli + .total_rem_sleep_time_milli +
    (.total_awake_time_milli // 0)) | add) | max / 3600000 | . * 100 | round' "$S")
got=$(awk -v what=sleep -f "$PLOT/prep.awk" "$X/sleep.tsv" |
    sed -n '/^\$D/,/^EOD/p' | grep -v -e EOD -e '^$' | cut -f5 | sort -g | tail -1)
is "$(awk -v h="$got" 'BEGIN { printf "%.0f", h * 100 }')" "$want" \
    "prep.awk: the longest night's stack is its stages added up, naps left out"

# --- strain against the next morning's recovery ----------------------------
# Apart from prep.awk: in SQL, a cycle and the one that starts as it ends.
pairs=$(sqlite3 "$DB" "SELECT count(*) FROM cycle c JOIN cycle n
    ON n.account_id = c.account_id AND n.start = c.end
    JOIN recovery r ON r.account_id = n.account_id AND r.cycle_id = n.id
    WHERE c.strain IS NOT NULL AND r.recovery_score IS NOT NULL
    AND c.start >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-90 days')")
check "the data has strain-recovery pairs ($pairs)" test "$pairs" -gt 30
draw strain cycle.tsv recovery.tsv
is "$(nth 1 | cut -d' ' -f1)" "$pairs" "strain.gp: a point per day with a next morning's recovery"
check "strain.gp: the count of days is written on the plot" grep -Eq ">$pairs days, r = -?[0-9]\.[0-9][0-9]<" "$X/strain.svg"
(cd "$X" && gnuplot -c "$PLOT/strain.gp" recovery.csv - <cycle.tsv) >"$X/strain2.svg" 2>&1
check "strain.gp: the same from CSV and standard input, in the other order" cmp -s "$X/strain.svg" "$X/strain2.svg"

# --- workouts per sport and week -------------------------------------------
W=$X/workout.jsonl
# The Monday of a record's local day, in jq.
WK='def wk: (.date_local | strptime("%Y-%m-%d") | mktime) as $t |
    ($t - ((($t / 86400 | floor) + 3) % 7) * 86400 | todate[:10]);
    def secs: sub("\\.[0-9]+Z$"; "Z") | fromdate;'
nsports=$(jq -r .sport_name "$W" | sort -u | wc -l | tr -d ' ')
sw=$(jq -r "$WK"' wk + " " + .sport_name' "$W" | sort -u | wc -l | tr -d ' ')
sws=$(jq -r "$WK"' select(.strain != null) | wk + " " + .sport_name' "$W" | sort -u | wc -l | tr -d ' ')
check "the data has workouts of several sports ($nsports, at most 10)" test "$nsports" -gt 2 -a "$nsports" -le 10
draw workouts workout.tsv
is "$(nth 1 | cut -d' ' -f2)" "$sw" "workouts.gp: a bar per sport and week"
is "$(sed -n '$p' "$T/counts" | cut -d' ' -f1)" "$sws" "workouts.gp: a strain point per sport and week with a scored workout"
# Minutes: the bars of a week add up to its workouts' minutes.
want=$(jq -s "$WK"' map({w: wk, m: (((.end | secs) - (.start | secs)) / 60)}) |
    group_by(.w) | map(map(.m) | add) | max | round' "$W")
got=$(awk -v what=workouts -f "$PLOT/prep.awk" "$X/workout.tsv" |
    sed -n '/^\$D/,/^EOD/p' | grep -v EOD | cut -f6 | sort -g | tail -1)
is "$(printf '%.0f' "$got")" "$want" "prep.awk: the tallest week is its workouts' minutes added up"

# PNG on request, from every script, quietly.
for n in hrv sleep strain workouts; do
	case $n in
	hrv) in=recovery.tsv ;;
	sleep) in=sleep.tsv ;;
	strain) in="cycle.tsv recovery.tsv" ;;
	workouts) in=workout.tsv ;;
	esac
	# shellcheck disable=SC2086
	(cd "$X" && gnuplot -c "$PLOT/$n.gp" $in png) >"$X/$n.png" 2>"$T/err"
	is "$?:$(cat "$T/err"):$(od -An -c -N4 "$X/$n.png" | tr -d ' ')" "0::211PNG" \
	    "$n.gp png: a PNG, nothing on stderr"
done

# --- what is not drawn ------------------------------------------------------
for t in cycle recovery sleep workout; do
	whoop-export -f tsv -s now "$t" >"$X/empty-$t.tsv"
done
for n in recovery hrv sleep workouts strain; do
	case $n in
	recovery|hrv) in=empty-recovery.tsv ;;
	sleep) in=empty-sleep.tsv ;;
	workouts) in=empty-workout.tsv ;;
	strain) in="empty-cycle.tsv empty-recovery.tsv" ;;
	esac
	# shellcheck disable=SC2086
	(cd "$X" && gnuplot -c "$PLOT/$n.gp" $in) >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc:$(wc -c <"$T/out" | tr -d ' ')" "1:0" "$n.gp, empty period: exit 1, no picture"
	like "$(cat "$T/err")" "^$n\.gp: no .* in the input: nothing to plot \(an empty period\?\)$" \
	    "$n.gp, empty period: says so in one line"
done
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" workout.tsv) >"$T/out" 2>"$T/err"
is "$?:$(wc -c <"$T/out" | tr -d ' ')" "1:0" "recovery.gp on workouts: exit 1, no picture"
like "$(cat "$T/err")" "^recovery.gp: workout.tsv has no column recovery_score" "recovery.gp on workouts: names the missing column"
(cd "$X" && gnuplot -c "$PLOT/strain.gp" cycle.tsv) >"$T/out" 2>"$T/err"
like "$?:$(cat "$T/err")" "^1:strain.gp: needs two inputs" "strain.gp with one input: says it needs two"
: >"$X/nothing"
(cd "$X" && gnuplot -c "$PLOT/sleep.gp" nothing) >"$T/out" 2>"$T/err"
like "$?:$(cat "$T/err")" "^1:sleep.gp: nothing is empty: not whoop-export output" "sleep.gp on an empty file: says so"
awk 'NR > 1 && NR % 2 { $1 = 12345678 } 1' OFS='	' "$X/recovery.tsv" >"$X/two.tsv"
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" two.tsv) >"$T/out" 2>"$T/err"
like "$?:$(cat "$T/err")" "^1:recovery.gp: records of more than one account: pick one with whoop-export -a" \
    "two accounts in one input: refused, not mixed"
# A file name is one word to the shell, whatever it holds.
cp "$X/recovery.tsv" "$X/it's \$(touch pwned) a file"
(cd "$X" && gnuplot -c "$PLOT/recovery.gp" "it's \$(touch pwned) a file") >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "a file name with a quote and \$( ) is read as a name"
check "and nothing of it ran" test ! -e "$X/pwned"
cp "$X/recovery.tsv" "$X/-v"
cp "$X/recovery.tsv" "$X/what=sleep"
for f in -v what=sleep; do
	(cd "$X" && gnuplot -c "$PLOT/recovery.gp" "$f") >"$T/out" 2>"$T/err"
	is "$?:$(cat "$T/err")" "0:" "a file named $f is a file, not an option or an assignment"
	check "and it is drawn as the same file" cmp -s "$T/out" "$X/recovery.svg"
done
# A sport name is text in the picture, never gnuplot code or markup.
awk -F '\t' 'NR == 2 { $9 = "x<y>&\"EOD\" print system(\"touch pwned\")" } 1' OFS='	' \
    "$X/workout.tsv" >"$X/odd.tsv"
(cd "$X" && gnuplot -c "$PLOT/workouts.gp" odd.tsv) >"$X/odd.svg" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "workouts.gp: an odd sport name is drawn"
check "workouts.gp: still well-formed SVG" xmllint --noout "$X/odd.svg"
# (its double quotes made single: gnuplot's data reader ends a field at one)
check "workouts.gp: the whole name, escaped" grep -q ">x&lt;y>&amp;'EOD' print system('touch pwned')<" "$X/odd.svg"
check "workouts.gp: nothing of the name ran" test ! -e "$X/pwned"

# --- the report ---------------------------------------------------------------
run sh "$PLOT/report.sh" -s 90d
is "$rc:$err" "0:" "report.sh -s 90d: exit 0, quiet"
printf '%s\n' "$out" >"$X/report.html"
is "$(grep -c 'src="data:image/svg+xml;base64,' "$X/report.html")" 5 "report: five plots, inlined"
like "$out" "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">" \
    "report: a CSP that allows inline style and data: images only"
unlike "$out" '<script|<link|<iframe|<object|https?://|src="[^d]|url\(' "report: no script, no link, no external address"
like "$out" '<th>week of</th>' "report: a table of weekly means"
weeks=$(jq -r 'select(.date_local != null) | .date_local' "$X/cycle.jsonl" "$J" "$S" "$W" |
    sort -u | jq -R -r "$WK"' {date_local: .} | wk' | sort -u | wc -l | tr -d ' ')
is "$(grep -c '^<tr><td>[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]</td>' "$X/report.html")" "$weeks" \
    "report: a row per week with data ($weeks)"
i=0
for b in $(sed -n 's/.*src="data:image\/svg+xml;base64,\([^"]*\)".*/\1/p' "$X/report.html"); do
	i=$((i + 1))
	printf '%s' "$b" | base64 -d >"$X/inlined-$i.svg"
done
check "report: every inlined plot is well-formed SVG" xmllint --noout "$X"/inlined-[1-5].svg
check "report: the first inlined plot is recovery.gp's" cmp -s "$X/inlined-1.svg" "$X/recovery.svg"
# A period without workouts: the others drawn, a line for the missing one.
cp "$DB" "$T/nowk.db" && chmod 600 "$T/nowk.db" &&
    sqlite3 "$T/nowk.db" 'DELETE FROM workout'
run sh "$PLOT/report.sh" -d "$T/nowk.db" -s 90d
is "$rc:$err" "0:" "report.sh, no workouts: exit 0, quiet"
is "$(printf '%s\n' "$out" | grep -c 'src="data:image/svg+xml;base64,')" 4 "report, no workouts: the four other plots"
like "$out" '<p class="none" id="workouts"><strong>Workouts per week:</strong> no workouts in this period\.</p>' \
    "report, no workouts: says so where their plot would be"
run sh "$PLOT/report.sh" -s now
is "$rc:$err" "0:" "report.sh, empty period: exit 0"
like "$out" 'No records in this period' "report, empty period: says so"
unlike "$out" '<img' "report, empty period: no picture"
run sh "$PLOT/report.sh" -s yesterday
is "$rc" 2 "report.sh -s yesterday: whoop-export's usage error, exit 2"
run sh "$PLOT/report.sh" extra
like "$rc:$err" '^2:usage: report.sh ' "report.sh with an operand: usage, exit 2"
run sh "$PLOT/report.sh" --help
is "$rc:$out:$err" "0:usage: report.sh [-a account] [-d file] [-s since] [-u until]:" \
    "report.sh --help: the usage on standard output, exit 0"

# --- the report in a browser -----------------------------------------------
if ! command -v chromium >/dev/null 2>&1; then
	absent "chromium not installed: the report is not opened in a browser"
	done_testing
	exit
fi
mkdir -p "$T/cr"
python3 "$WHOOP_TOP/t/report-chromium.py" "$X/report.html" "$T/cr" \
    --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic \
    --no-first-run --disable-dev-shm-usage
is "$?" 0 "Chromium opened the report" ||
    sed 's/^/# /' "$T/cr/chromium.log" | grep -v dbus | tail -5
R=$T/cr/report.json
is "$(jq -c .console "$R")" "[]" "Chromium: no console error or warning"
is "$(jq -r '.requests[] | select(startswith("data:image/svg+xml;base64,") | not)' "$R")" \
    "file://$X/report.html" "Chromium: no request but the page itself (and its data: images)"
is "$(jq '[.images[] | select(.complete and .natural_w >= 700 and .w >= 600 and .h >= 300)] | length' "$R")" 5 \
    "Chromium: five plots decoded and laid out at full size"
is "$(jq -r '[.images[].id] | join(" ")' "$R")" "recovery hrv sleep strain workouts" "Chromium: in the order of the page"
check "screenshot: at least 900 pixels wide and as tall as the plots" \
    test "$(jq '.width >= 900 and .height >= ([.images[].h] | add)' "$R")" = true
ink=$(jq '.ink' "$R")
check "screenshot: not blank ($ink pixels unlike the background)" \
    test "$(jq '.ink > .width * .height / 20' "$R")" = true
for id in recovery hrv sleep strain workouts; do
	check "screenshot: the $id plot is drawn ($(jq ".ink_in.$id" "$R") pixels of ink)" \
	    test "$(jq ".ink_in.$id > ([.images[] | select(.id == \"$id\")][0] | .w * .h / 50)" "$R")" = true
done
check "no Chromium profile left" sh -c "! ls -d '$T'/cr/chromium-profile.* 2>/dev/null | grep -q ."

done_testing
