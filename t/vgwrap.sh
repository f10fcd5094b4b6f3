#!/bin/sh
# The WHOOP_WRAP of make check-valgrind: runs "$@" under $WHOOP_VG
# (valgrind and its flags), its report in $WHOOP_VG_LOG/PID.log.  The log
# is opened here and handed over as a descriptor: with --log-file,
# valgrind would take the lowest free one, which is stdout when a test
# runs a program with stdout closed, and the program's output would go
# into the log.  Descriptor 9 is moved out of the program's way by
# valgrind itself.
exec 9>>"${WHOOP_VG_LOG:?}/$$.log" || exit 1
# shellcheck disable=SC2086 # a command line, split on purpose
exec ${WHOOP_VG:-valgrind} --log-fd=9 "$@"
