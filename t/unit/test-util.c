/*
 * Unit tests: checked numbers, constant-time compare, escaping, errors.
 */
#include <limits.h>

#include "extern.h"
#include "tap.h"

int
main(void)
{
	struct whoop	*w = whoop_new();
	long long	 v = 0;
	char		 buf[64];

	ok(w != NULL, "handle");
	ok(whoop_strtoll(w, "42", 0, 100, &v) == 0 && v == 42, "42 parses");
	ok(whoop_strtoll(w, "-7", -10, 10, &v) == 0 && v == -7, "-7 parses");
	ok(whoop_strtoll(w, "101", 0, 100, &v) == -1 &&
	    whoop_errcode(w) == WHOOP_E_PARSE, "101 out of range");
	ok(strstr(whoop_errmsg(w), "out of range") != NULL, "range message");
	ok(whoop_strtoll(w, "", 0, 100, &v) == -1, "empty refused");
	ok(whoop_strtoll(w, " 1", 0, 100, &v) == -1, "leading space refused");
	ok(whoop_strtoll(w, "+1", 0, 100, &v) == -1, "plus refused");
	ok(whoop_strtoll(w, "1x", 0, 100, &v) == -1, "trailing junk refused");
	ok(whoop_strtoll(w, "99999999999999999999", LLONG_MIN, LLONG_MAX,
	    &v) == -1, "overflow refused");
	ok(whoop_strtoll(NULL, "5", 0, 10, &v) == 0 && v == 5,
	    "NULL handle allowed");

	ok(whoop_ctcmp("abcd", "abcd", 4) == 0, "ctcmp equal");
	ok(whoop_ctcmp("abcd", "abce", 4) != 0, "ctcmp differ");
	ok(whoop_ctstreq("state", "state") == 1, "ctstreq equal");
	ok(whoop_ctstreq("state", "stat") == 0, "ctstreq length");
	ok(whoop_ctstreq("state", NULL) == 0, "ctstreq NULL");

	whoop_escape(buf, sizeof(buf), "a\r\n\x1b[31m\"b\\", 100);
	is_str(buf, "a\\x0d\\x0a\\x1b[31m\\x22b\\x5c", "escape controls");
	whoop_escape(buf, 8, "abcdefghijkl", 12);
	is_str(buf, "abcdefg", "escape truncates");

	whoop_clearerr(w);
	ok(whoop_exitcode(w) == WHOOP_EXIT_OK, "no error exit 0");
	whoop_seterr(w, WHOOP_E_AUTH, "x");
	ok(whoop_exitcode(w) == WHOOP_EXIT_AUTH, "auth exit 77");
	whoop_seterr(w, WHOOP_E_NET, "x");
	ok(whoop_exitcode(w) == WHOOP_EXIT_TEMP, "net exit 75");
	whoop_seterr(w, WHOOP_E_CONFIG, "x");
	ok(whoop_exitcode(w) == WHOOP_EXIT_CONFIG, "config exit 78");
	whoop_seterr(w, WHOOP_E_SEAL, "x");
	ok(whoop_exitcode(w) == WHOOP_EXIT_FAIL, "seal exit 1");

	ok(whoop_exit_worse(0, 75) == 75, "worse: 75 over 0");
	ok(whoop_exit_worse(75, 1) == 1, "worse: 1 over 75");
	ok(whoop_exit_worse(77, 1) == 77, "worse: 77 over 1");
	ok(whoop_exit_worse(77, 78) == 78, "worse: 78 over 77");
	ok(whoop_exit_worse(78, 75) == 78, "worse: 78 stays over 75");
	ok(whoop_exit_worse(0, 2) == 1, "worse: an unknown status counts as 1");
	ok(whoop_exit_worse(0, 0) == 0, "worse: 0 and 0");

	whoop_free(w);
	return done_testing();
}
