/*
 * Purging an account's synced data, for whoop-revoke -p.  The accounts
 * row stays (with its status) so that the audit trail, which names the
 * account, keeps its meaning; credentials are whoop_cred_delete's job.
 * secure_delete is on for every connection, so the freed cells and pages
 * are zeroed; the caller truncates the WAL after its commit.
 */
#include <sqlite3.h>

#include "extern.h"

/* Table names cannot be bound: one constant statement per table. */
static const struct {
	const char	*table;
	const char	*sql;
} purges[] = {
	/* recovery before cycle and sleep: it refers to both by id. */
	{ "recovery", "DELETE FROM recovery WHERE account_id = ?1" },
	{ "sleep", "DELETE FROM sleep WHERE account_id = ?1" },
	{ "workout", "DELETE FROM workout WHERE account_id = ?1" },
	{ "cycle", "DELETE FROM cycle WHERE account_id = ?1" },
	{ "body_measurement",
	    "DELETE FROM body_measurement WHERE account_id = ?1" },
	{ "profile", "DELETE FROM profile WHERE account_id = ?1" },
	{ "sync_state", "DELETE FROM sync_state WHERE account_id = ?1" },
	{ "rejects", "DELETE FROM rejects WHERE account_id = ?1" },
};
#define NPURGES	(sizeof(purges) / sizeof(purges[0]))

int
whoop_account_purge(struct whoop *w, int64_t account, long *removed)
{
	sqlite3_stmt	*st;
	size_t		 i;
	long		 n = 0;
	int		 rc;

	if (removed != NULL)
		*removed = 0;
	if (w == NULL || w->db == NULL)
		return whoop_seterr(w, WHOOP_E_DB, "no database");
	if (sqlite3_get_autocommit(w->db))
		return whoop_seterr(w, WHOOP_E_FAIL, "purge: not inside a "
		    "transaction");
	for (i = 0; i < NPURGES; i++) {
		st = NULL;
		if (sqlite3_prepare_v2(w->db, purges[i].sql, -1, &st,
		    NULL) != SQLITE_OK)
			return whoop_seterrdb(w, "purge %s", purges[i].table);
		sqlite3_bind_int64(st, 1, account);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return whoop_seterrdb(w, "purge %s", purges[i].table);
		/* sync_state rows are bookkeeping, not records. */
		if (i < NPURGES - 1)
			n += sqlite3_changes(w->db);
	}
	if (removed != NULL)
		*removed = n;
	return 0;
}
