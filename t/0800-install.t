#!/bin/sh
# make install and make uninstall into a DESTDIR: every file in its place
# with its mode, @BINDIR@ replaced in the units and the crontab, the units
# pass systemd-analyze verify, the completions parse and register, the
# installed pages pass mandoc -Tlint; then uninstall leaves no file.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

# The build under test: B is where WHOOP_BIN's programs were built.
B=$(cd "$WHOOP_BIN/.." && pwd)
TOP=$(cd "$WHOOP_TOP" && pwd)
R=$T/root
# A make started from a test is not a sub-make of the one running the
# tests: drop what the outer make passes down (its jobserver, its B).
unset MAKEFLAGS MAKELEVEL MFLAGS
mk() {
	if [ "$B" = "$TOP" ]; then
		make -s -C "$TOP" "$@"
	else
		make -s -C "$TOP" B="$B" "$@"
	fi
}

# install depends on all.  Under make check all is up to date; if a
# source changed since (someone editing the tree), install would rebuild
# the programs that other tests are running: skip instead.
if ! command -v make >/dev/null 2>&1 || ! mk -q all 2>/dev/null; then
	skip "the build in $B is not up to date: run make first"
	done_testing
	exit
fi

cmds=$(cd "$B/cmd" && for f in whoop-*; do
	case $f in *.o|*.d) ;; *) [ -x "$f" ] && echo "$f" ;; esac; done)
mans=$(cd "$TOP/man" && ls)

run mk install DESTDIR="$R" PREFIX=/usr
is "$rc" 0 "make install DESTDIR PREFIX=/usr succeeds"
[ -n "$err" ] && diag "$err"
check "make install rebuilt nothing (all was up to date)" mk -q all

mode() { stat -c %a "$1" 2>/dev/null; }

for c in $cmds; do
	is "$(mode "$R/usr/bin/$c")" 755 "bin/$c installed 0755"
	check "bin/$c is the built program" cmp -s "$B/cmd/$c" "$R/usr/bin/$c"
done
for m in $mans; do
	s=${m##*.}
	is "$(mode "$R/usr/share/man/man$s/$m")" 644 "man$s/$m installed 0644"
done
check "whoop-sync.1 is among the pages" test -f "$R/usr/share/man/man1/whoop-sync.1"

S=$R/usr/share/whoop
for f in config.example cookbook.md sql/views.sql crontab.example \
    postgresql/schema.sql postgresql/refresh.sql postgresql/README \
    systemd/whoop-sync.service systemd/whoop-sync.timer; do
	is "$(mode "$S/$f")" 644 "share/whoop/$f installed 0644"
done
for f in config.example cookbook.md sql/views.sql systemd/whoop-sync.timer; do
	check "share/whoop/$f is the tree's file" cmp -s "$TOP/share/$f" "$S/$f"
done

# share/plot: the gnuplot scripts, what they load, and the report.
for f in common.gp recovery.gp hrv.gp sleep.gp strain.gp workouts.gp \
    prep.awk; do
	is "$(mode "$S/plot/$f")" 644 "share/whoop/plot/$f installed 0644"
	check "share/whoop/plot/$f is the tree's file" \
	    cmp -s "$TOP/share/plot/$f" "$S/plot/$f"
done
is "$(mode "$S/plot/report.sh")" 755 "share/whoop/plot/report.sh installed 0755"
# Installed, a script finds what it loads beside itself, from anywhere.
if command -v gnuplot >/dev/null 2>&1; then
	printf 'account_id\trecovery_score\tdate_local\n1\t50\t2026-01-01\n1\t70\t2026-01-02\n' \
	    >"$T/r.tsv"
	(cd / && gnuplot -c "$S/plot/recovery.gp" "$T/r.tsv") >"$T/r.svg" 2>"$T/err"
	is "$?:$(cat "$T/err")" "0:" "the installed recovery.gp runs from /"
	check "and draws an SVG" grep -q '^<svg' "$T/r.svg"
else
	skip "gnuplot not installed: the installed plot scripts are not run"
fi

# @BINDIR@ replaced by the BINDIR of this install, and nothing else changed.
U=$R/usr/lib/systemd/user
for u in whoop-sync.service whoop-sync.timer; do
	is "$(mode "$U/$u")" 644 "lib/systemd/user/$u installed 0644"
	check "lib/systemd/user/$u is the one in share/whoop/systemd" \
	    cmp -s "$S/systemd/$u" "$U/$u"
done
like "$(cat "$U/whoop-sync.service")" '^ExecStart=/usr/bin/whoop-sync$' \
    "the service runs /usr/bin/whoop-sync"
like "$(cat "$S/crontab.example")" '^\*/15 \* \* \* \* /usr/bin/whoop-sync$' \
    "the crontab runs /usr/bin/whoop-sync every 15 minutes"
for f in crontab.example systemd/whoop-sync.service; do
	check "no @BINDIR@ left in $f" sh -c "! grep -q @BINDIR@ '$S/$f'"
	is "$(sed 's|/usr/bin/|@BINDIR@/|' "$S/$f")" "$(cat "$TOP/share/$f")" \
	    "$f differs from the tree's only by BINDIR"
done

# systemd-analyze wants ExecStart= to exist, so point a copy at DESTDIR.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/units"
	sed "s|^ExecStart=/usr/bin/|ExecStart=$R/usr/bin/|" \
	    "$U/whoop-sync.service" >"$T/units/whoop-sync.service"
	cp "$U/whoop-sync.timer" "$T/units/"
	run systemd-analyze verify --man=no "$T/units/whoop-sync.service" \
	    "$T/units/whoop-sync.timer"
	is "$rc:$out$err" "0:" "systemd-analyze verify: units clean"
	# A broken unit must fail the same check.
	sed 's/^Type=oneshot/Type=oneshot-ish/' "$T/units/whoop-sync.service" \
	    >"$T/units/bad.service"
	run systemd-analyze verify --man=no "$T/units/bad.service"
	check "(systemd-analyze verify does catch a bad unit)" \
	    test -n "$out$err"
else
	absent "systemd-analyze not installed (Debian package systemd)"
	absent "systemd-analyze not installed (Debian package systemd)"
fi

# bash: one file, linked under every tool's name, as bash-completion
# looks it up.
BC=$R/usr/share/bash-completion/completions
is "$(mode "$BC/whoop-auth")" 644 "bash completion installed 0644"
for c in whoop-sync whoop-export whoop-revoke whoop-import; do
	is "$(readlink "$BC/$c")" whoop-auth "bash completion: $c links to it"
done
check "bash -n on the bash completion" bash -n "$BC/whoop-auth"
run bash -c ". '$BC/whoop-export' && complete -p whoop-export whoop-auth \
    whoop-sync whoop-revoke whoop-import"
is "$rc" 0 "sourcing it registers all five completions"
like "$out" '^complete -F _whoop_export whoop-export$' \
    "complete -p whoop-export after sourcing it"
run bash -c ". '$BC/whoop-export'
    COMP_WORDS=(whoop-export -f ''); COMP_CWORD=2; _whoop_export
    echo \"\${COMPREPLY[*]}\"
    COMP_WORDS=(whoop-export ''); COMP_CWORD=1; _whoop_export
    echo \"\${COMPREPLY[*]}\"
    COMP_WORDS=(whoop-sync -t cycle,re); COMP_CWORD=2; _whoop_sync
    echo \"\${COMPREPLY[*]}\""
is "$out" "csv tsv jsonl
cycle recovery sleep workout body profile app_cycle app_sleep app_workout journal
cycle,recovery" "bash completion: formats, types, a -t list"
run bash -c "PATH='$WHOOP_BIN':\$PATH; . '$BC/whoop-export'
    COMP_WORDS=(whoop-export sleep -c debt,need_from_sleep_d)
    COMP_CWORD=3; _whoop_export; echo \"\${COMPREPLY[*]}\""
is "$out" "debt,need_from_sleep_debt_milli" \
    "bash completion: -c columns of the type, from whoop-export"

ZC=$R/usr/share/zsh/site-functions/_whoop
is "$(mode "$ZC")" 644 "zsh completion installed 0644"
like "$(head -1 "$ZC")" '^#compdef whoop-auth whoop-sync whoop-export whoop-revoke whoop-import$' \
    "zsh completion: #compdef names the five tools"
if command -v zsh >/dev/null 2>&1; then
	check "zsh -n on the zsh completion" zsh -n "$ZC"
	run zsh -f -c "fpath=('$(dirname "$ZC")' \$fpath)
	    autoload -Uz compinit && compinit -u -D && print -r -- \$_comps[whoop-export]"
	is "$out" "_whoop" "zsh compinit maps whoop-export to _whoop"
else
	absent "zsh not installed (Debian package zsh)"
	absent "zsh not installed (Debian package zsh)"
fi

if command -v mandoc >/dev/null 2>&1; then
	run mandoc -Tlint -Wwarning $(for m in $mans; do
	    echo "$R/usr/share/man/man${m##*.}/$m"; done)
	is "$rc:$out$err" "0:" "mandoc -Tlint -Wwarning: installed pages clean"
else
	absent "mandoc not installed (Debian package mandoc)"
fi

# The page and the program say the same synopsis.
if command -v mandoc >/dev/null 2>&1; then
	syn=$(mandoc -Tascii "$R/usr/share/man/man1/whoop-sync.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	use=$("$R/usr/bin/whoop-sync" --bogus 2>&1 |
	    sed -n '/^usage: /,$p' | sed 's/^usage: //' |
	    tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	is "$syn" "$use" "whoop-sync(1) SYNOPSIS is whoop-sync's usage"
else
	absent "mandoc not installed (Debian package mandoc)"
fi

# --- uninstall -------------------------------------------------------------
run mk uninstall DESTDIR="$R" PREFIX=/usr
is "$rc" 0 "make uninstall succeeds"
left=$(cd "$R" && find . ! -type d | sort)
is "$left" "" "make uninstall leaves no file and no link"
check "make uninstall removes share/whoop itself" test ! -e "$S"
run mk uninstall DESTDIR="$R" PREFIX=/usr
is "$rc" 0 "make uninstall again is harmless"

# A file of someone else's in a shared directory stays.
run mk install DESTDIR="$R" PREFIX=/usr
: >"$BC/other-tool"
run mk uninstall DESTDIR="$R" PREFIX=/usr
is "$(cd "$R" && find . ! -type d)" "./usr/share/bash-completion/completions/other-tool" \
    "make uninstall removes only what install put"

done_testing
