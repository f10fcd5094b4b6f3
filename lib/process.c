/*
 * Process hygiene for the tools that hold the key: no core dumps, no
 * ptrace by other processes of the user, private files by default, and
 * an error rather than death past a file size limit.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <signal.h>

#include "extern.h"

int
whoop_process_harden(struct whoop *w)
{
	struct rlimit	 rl = { 0, 0 };

	umask(077);
	/* A core file would hold the key and the tokens in clear. */
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		return whoop_seterrno(w, WHOOP_E_FAIL, "setrlimit");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return whoop_seterrno(w, WHOOP_E_FAIL, "prctl");
	/*
	 * Past a file size limit (ulimit -f) a write fails with EFBIG and
	 * the error is reported, the transaction rolled back, instead of
	 * the process being killed in the middle of it.
	 */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		return whoop_seterrno(w, WHOOP_E_FAIL, "signal");
	return 0;
}
