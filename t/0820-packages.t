#!/bin/sh
# share/packages, the one list of Debian packages, and share/packages.sh
# that reads it for make, make demo, make check and .ci/run: every line
# has a known kind, no package is listed twice, a kind lists exactly its
# lines, "missing" names what dpkg does not have installed, and a user
# who lacks packages gets one message with one apt-get line for them all.
. "${WHOOP_TOP:-$(dirname "$0")/..}/t/lib.sh"

P=$WHOOP_TOP/share/packages
S=$WHOOP_TOP/share/packages.sh

bad=$(awk '!/^[ \t]*(#|$)/ && ($2 !~ /^(build|test|optional|ci)$/ || NF < 3)' "$P")
is "$bad" "" "every line: NAME KIND why, KIND one of build test optional ci"
is "$(awk '!/^[ \t]*(#|$)/ { print $1 }' "$P" | sort | uniq -d)" "" "no package listed twice"
for k in build test optional ci; do
	is "$(sh "$S" list "$k")" "$(awk -v k="$k" '!/^[ \t]*(#|$)/ && $2 == k { print $1 }' "$P" | tr '\n' ' ' | sed 's/ $//')" \
	    "list $k: exactly the $k lines, in order"
done
is "$(sh "$S" list all | wc -w | tr -d ' ')" "$(grep -Evc '^[[:space:]]*(#|$)' "$P")" "list all: every line"
like "$(sh "$S" list build)" '(^| )build-essential( |$)' "build names the compiler (build-essential)"
like "$(sh "$S" list test)" '(^| )jq( |$)' "test names jq ..."
like "$(sh "$S" list test)" '(^| )csvkit( |$)' "... and csvkit"
run sh "$S" frobnicate
is "$rc" 2 "an unknown action: usage error"

# A copy with a package that no machine has.
mkdir -p "$T/share"
cp "$S" "$T/share/packages.sh"
{ cat "$P"; printf 'whoop-no-such-package\ttest\tthe test below\n'; } >"$T/share/packages"
if command -v dpkg-query >/dev/null 2>&1; then
	run sh "$T/share/packages.sh" missing test
	like "$out" '(^| )whoop-no-such-package$' "missing names a package that is not installed"
	run sh "$T/share/packages.sh" missing build
	unlike "$out" 'whoop-no-such-package' "... only among the kinds asked for"
	# What make check just built with is installed.
	is "$(sh "$S" missing build)" "" "missing build: none, the build having worked"
else
	absent "dpkg-query not here: not Debian"
	absent "dpkg-query not here: not Debian"
	absent "dpkg-query not here: not Debian"
fi

# As a user: one message, one apt-get line with every missing package.
if [ "$(id -u)" != 0 ]; then
	AS=
elif command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	chmod 755 "$T" "$T/share" && chmod 644 "$T/share/packages" "$T/share/packages.sh"
	AS="runuser -u nobody --"
else
	AS=skip
fi
if [ "$AS" = skip ] || ! command -v dpkg-query >/dev/null 2>&1; then
	skip "no way to run as a user"
	skip "no way to run as a user"
	skip "no way to run as a user"
else
	run $AS sh "$T/share/packages.sh" need "make check" build test
	is "$rc:$out" "1:" "need as a user, a package missing: exit 1, nothing on stdout"
	is "$(printf '%s\n' "$err" | grep -c 'apt-get install')" 1 "... one apt-get line"
	like "$err" "^    apt-get install --no-install-recommends ($(sh "$T/share/packages.sh" missing build test))$" \
	    "... naming every missing package"
fi

done_testing
