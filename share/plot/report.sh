#!/bin/sh
# report.sh: a one-page HTML report of a period, for a browser or a mail,
# on standard output:
#
#	sh report.sh [-a account] [-d file] [-s since] [-u until] > report.html
#
# The five plots of this directory, drawn by gnuplot from whoop-export,
# and a table of weekly means.  The page is self-contained: each plot is
# an SVG inlined as a data: image (an SVG shown as an image runs no
# script and loads nothing), its style is inline, and its
# Content-Security-Policy allows nothing else, so that it opens offline
# and can be mailed as it is.  -a, -d, -s and -u are whoop-export's
# (-s 90d by default); the days are the records' own local days.
#
# A plot with no data in the period is a line saying so; a period with
# no data at all is a page saying so.  Exit status: 0 success (also for
# an empty period); 1 failure (whoop-export's own status when it failed);
# 2 usage.  WHOOP_EXPORT names the whoop-export to run (default: the one
# in PATH); gnuplot, awk and base64 are taken from PATH.
set -u

prog=report.sh
here=$(cd "$(dirname "$0")" && pwd) || exit 1
export_=${WHOOP_EXPORT:-whoop-export}
synopsis="usage: $prog [-a account] [-d file] [-s since] [-u until]"
usage() {
	echo "$synopsis" >&2
	exit 2
}
if [ "${1:-}" = --help ]; then
	echo "$synopsis"
	exit 0
fi

since=90d
until_=
acct=
db=
while getopts a:d:s:u:h o; do
	case $o in
	a) acct=$OPTARG ;;
	d) db=$OPTARG ;;
	s) since=$OPTARG ;;
	u) until_=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
command -v gnuplot >/dev/null 2>&1 || {
	echo "$prog: gnuplot not found (Debian: apt-get install gnuplot-nox)" >&2
	exit 1
}

T=$(mktemp -d "${TMPDIR:-/tmp}/whoop-report.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# whoop-export TYPE: the period's records as TSV in $T/TYPE.tsv.
xport() {
	set -- -f tsv -s "$since"
	[ -n "$until_" ] && set -- "$@" -u "$until_"
	[ -n "$acct" ] && set -- "$@" -a "$acct"
	[ -n "$db" ] && set -- "$@" -d "$db"
	"$export_" "$@" "$xtype" >"$T/$xtype.tsv"
}
for xtype in cycle recovery sleep workout; do
	xport || exit $?
done

# For HTML text and attributes.
esc() {
	printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g;
	    s/"/\&quot;/g'"; s/'/\\&#39;/g"
}

# plot NAME TITLE WHAT ARGS...: a figure, or the line saying there was
# nothing to draw; any other failure of gnuplot ends the report.
plot() {
	name=$1 title=$2 what=$3
	shift 3
	if (cd "$T" && gnuplot -c "$here/$name.gp" "$@") >"$T/$name.svg" \
	    2>"$T/$name.err"; then
		# The size gnuplot gave it, so that the page does not reflow.
		size=$(sed -n '/^>$/q; s/^ *\(width="[0-9]*" height="[0-9]*"\)$/\1/p' \
		    "$T/$name.svg")
		printf '<figure id="%s">\n<img alt="%s" %s ' \
		    "$name" "$(esc "$title")" "$size"
		printf 'src="data:image/svg+xml;base64,'
		base64 -w 0 <"$T/$name.svg"
		printf '">\n</figure>\n'
	elif grep -q 'nothing to plot' "$T/$name.err"; then
		printf '<p class="none" id="%s"><strong>%s:</strong> ' \
		    "$name" "$(esc "$title")"
		printf 'no %s in this period.</p>\n' "$(esc "$what")"
	else
		cat "$T/$name.err" >&2
		echo "$prog: gnuplot failed on $name.gp" >&2
		exit 1
	fi
}

weekly() {
	(cd "$T" && awk -v what=weekly -v prog="$prog" -f "$here/prep.awk" \
	    cycle.tsv recovery.tsv sleep.tsv workout.tsv) >"$T/weekly.tsv" ||
	    exit 1
}
weekly

first=$(head -1 "$T/weekly.tsv" | cut -f1)
last=$(tail -1 "$T/weekly.tsv" | cut -f1)
period="-s $since${until_:+ -u $until_}"
made=$(date -u '+%Y-%m-%d %H:%M UTC')

{
	cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>WHOOP report ($(esc "$period"))</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 940px;
  margin: 1.5em auto; padding: 0 1em; color: #1d1d1d; background: #fafafa; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .4em; }
p.meta, p.none { color: #555; }
figure { margin: 1.2em 0; }
figure img { display: block; max-width: 100%; height: auto;
  border: 1px solid #d0d0d0; border-radius: 4px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .25em .7em; border-bottom: 1px solid #ddd; }
th { text-align: left; font-weight: 600; }
td { text-align: right; }
td:first-child { text-align: left; }
@media (prefers-color-scheme: dark) {
  body { color: #e4e4e4; background: #161616; }
  p.meta, p.none { color: #aaa; }
  figure img { border-color: #444; }
  th, td { border-color: #3a3a3a; }
}
</style>
</head>
<body>
EOF
	if [ ! -s "$T/weekly.tsv" ]; then
		printf '<h1>WHOOP report</h1>\n<p class="none">'
		printf 'No records in this period (whoop-export %s).</p>\n' \
		    "$(esc "$period")"
	else
		printf '<h1>WHOOP, weeks of %s to %s</h1>\n' \
		    "$(esc "$first")" "$(esc "$last")"
		printf '<p class="meta">whoop-export %s; made %s. ' \
		    "$(esc "$period")" "$made"
		printf 'Days are the records&#39; own local days; '
		printf 'a day without data is a gap.</p>\n'
		plot recovery "Recovery" "scored recovery" recovery.tsv
		plot hrv "HRV and resting heart rate" "scored recovery" \
		    recovery.tsv
		plot sleep "Sleep per night" "scored sleep" sleep.tsv
		plot strain "Day strain and next morning's recovery" \
		    "day strain followed by a scored recovery" \
		    cycle.tsv recovery.tsv
		plot workouts "Workouts per week" "workouts" workout.tsv
		cat <<'EOF'
<h2>Weekly means</h2>
<table>
<thead><tr><th>week of</th><th>recovery %</th><th>HRV ms</th><th>resting HR</th><th>sleep h</th><th>day strain</th><th>workouts</th><th>minutes</th></tr></thead>
<tbody>
EOF
		# Numbers and dates made by prep.awk; escaped all the same.
		while IFS='	' read -r w rec hrv rhr slp str nwk min; do
			printf '<tr><td>%s</td>' "$(esc "$w")"
			for v in "$rec" "$hrv" "$rhr" "$slp" "$str" "$nwk" "$min"; do
				printf '<td>%s</td>' "$(esc "${v:-–}")"
			done
			printf '</tr>\n'
		done <"$T/weekly.tsv"
		printf '</tbody>\n</table>\n'
	fi
	printf '</body>\n</html>\n'
} >"$T/report.html" || exit 1
cat "$T/report.html"
