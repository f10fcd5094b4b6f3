#!/bin/sh
# make demo, as a newcomer runs it: login, sync, export, report, revoke
# against the simulated service; exit 0, and nothing left behind but the
# report it names last.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

cd "$WHOOP_TOP" || exit 1
TMPDIR=$T NO_COLOR=1 sh share/demo.sh >"$T/out" 2>"$T/err"
is "$?" 0 "the demo exits 0"
all=$(cat "$T/out" "$T/err")
like "$all" '^account [0-9]+ .*authorized' "it logs in"
like "$all" 'cycle: [0-9]+ pages?, [1-9][0-9]* records' "it syncs"
like "$all" 'date_local +start_local +nap' "it exports a week of sleep as a table"
like "$all" '^[0-9]{4}-[0-9]{2}-[0-9]{2} +SCORED +[0-9]' "the recovery table has rows"
like "$all" 'journal_entries.csv: journal: 16 new, 0 unchanged, 0 updated' "it imports the app's export"
like "$all" '2026-03-08 +Have any alcoholic drinks\? +true' "it exports the journal as a table"
like "$all" 'journal: 0 new, 16 unchanged, 0 updated \(-n' "the second import finds nothing new"
like "$all" 'revoked at WHOOP; tokens deleted' "it revokes"
like "$all" 'exit status 77' "sync after the revocation asks for a login"
is "$(find "$T" -mindepth 1 -maxdepth 1 -name 'whoop-demo.*' | wc -l | tr -d ' ')" 0 "its temporary directory is gone"
# It ends with the path of its report, which stays (in TMPDIR).
if command -v gnuplot >/dev/null 2>&1; then
	rep=$(tail -1 "$T/out")
	is "$rep" "$T/whoop-demo-report.html" "it ends with the path of the report"
	check "the report is there" test -s "$rep"
	is "$(grep -c 'src="data:image/svg+xml;base64,' "$rep")" 5 "the report has the five plots"
	is "$(stat -c %a "$rep" 2>/dev/null)" 600 "the report is the user's alone (0600)"
else
	like "$all" 'no report: gnuplot is not installed' "without gnuplot, it says why there is no report"
fi
check "no canary in what it printed" no_canary "$T/out" "$T/err"
done_testing
