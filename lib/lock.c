/*
 * The run lock beside the database: whoop-sync and whoop-revoke hold it
 * while they use the tokens, because WHOOP rotates refresh tokens and a
 * second refresh with a spent one revokes the whole grant.  whoop-auth
 * holds it to rotate the key and to store a login, so that no token is
 * ever sealed or opened under a key that is being replaced.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

int
whoop_lock(struct whoop *w, const char *path, long wait_seconds)
{
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	long		 waited_ms = 0;
	int		 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return whoop_seterrno(w, WHOOP_E_IO, "lock file %s", path);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			whoop_seterrno(w, WHOOP_E_IO, "lock %s", path);
			break;
		}
		if (waited_ms >= wait_seconds * 1000) {
			whoop_seterr(w, WHOOP_E_BUSY, "another whoop-sync or "
			    "whoop-revoke holds %s (or whoop-auth, rotating "
			    "the key or storing a login)%s", path,
			    wait_seconds > 0 ? " (waited)" : "");
			break;
		}
		nanosleep(&ts, NULL);
		waited_ms += 100;
	}
	close(fd);
	return -1;
}

void
whoop_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the flock */
}
