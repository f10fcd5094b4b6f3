/*
 * Keeping an access token fresh under WHOOP's refresh-token rotation.
 *
 * A refresh spends the refresh token: sending it twice revokes the whole
 * grant.  So, under BEGIN IMMEDIATE (and the caller's run lock), the
 * tokens are read again -- another process may have logged in since --
 * and refreshed only if still needed; the new pair is committed before
 * anyone uses it.  A crash before that commit loses the new pair, which
 * no ordering can avoid; the next run then gets invalid_grant and asks
 * for a login, which is the safe way to fail.  A refresh whose answer was
 * lost is the same case: http.c does not send it again, and neither does
 * this run (c->refresh_failed), since a second POST of a spent token is
 * what revokes a grant.
 *
 * The refresh is due min(margin, half the lifetime) before expiry, so
 * that short-lived tokens are not refreshed on every use.  An answer
 * without a refresh token keeps the old one (RFC 6749 section 6).
 */
#include <string.h>

#include "extern.h"

int
whoop_token_ensure(struct whoop *w, struct whoop_http *h,
    const struct whoop_key *key, const struct whoop_config *conf,
    struct whoop_cred *c, int force, int64_t margin_ms)
{
	struct whoop_cred	 fresh;
	struct whoop_client	 cl;
	struct whoop_tokens	 nt;
	char			*secret = NULL;
	int64_t			 now = whoop_time_now_ms();

	if (c->tok.lifetime_ms > 0 && c->tok.lifetime_ms / 2 < margin_ms)
		margin_ms = c->tok.lifetime_ms / 2;
	if (!force && c->tok.expires_at_ms - now > margin_ms)
		return 0;
	if (c->refresh_failed)
		return whoop_seterr(w, WHOOP_E_NET, "a token refresh failed "
		    "earlier in this run; not refreshing again before the "
		    "next run");
	if (whoop_db_begin(w) == -1)
		return -1;
	if (whoop_cred_load(w, key, c->account, &fresh) == -1)
		goto fail;
	if (strcmp(fresh.tok.access_token, c->tok.access_token) != 0 &&
	    fresh.tok.expires_at_ms - now > margin_ms) {
		/* A new pair since we read ours: use it. */
		whoop_db_rollback(w);
		whoop_cred_clear(c);
		*c = fresh;
		return 0;
	}
	if (fresh.tok.refresh_token == NULL) {
		/* No offline scope: the access token is all there is. */
		whoop_db_rollback(w);
		whoop_cred_clear(&fresh);
		if (!force && c->tok.expires_at_ms > now)
			return 0;
		return whoop_seterr(w, WHOOP_E_AUTH, "account %lld: the "
		    "access token %s and there is no refresh token (no "
		    "offline scope)", (long long)c->account,
		    force ? "was refused" : "expired");
	}
	cl.client_id = fresh.client_id;
	cl.redirect_uri = NULL;
	if (fresh.client_secret != NULL)
		cl.client_secret = fresh.client_secret;
	else {
		/* Logged in before the secret was stored: the config's. */
		if (conf == NULL ||
		    whoop_config_client_secret(w, conf, &secret) == -1) {
			whoop_cred_clear(&fresh);
			goto fail;
		}
		cl.client_secret = secret;
	}
	if (whoop_oauth_refresh(h, &cl, fresh.tok.refresh_token, &nt) == -1) {
		c->refresh_failed = 1;
		goto out;
	}
	if (nt.refresh_token == NULL &&
	    (nt.refresh_token = strdup(fresh.tok.refresh_token)) == NULL) {
		/* The new access token is lost, the old pair still good. */
		whoop_tokens_clear(&nt);
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	if (whoop_cred_store(w, key, c->account, &cl, &nt) == -1 ||
	    whoop_audit(w, c->account, "token_refreshed", NULL) == -1 ||
	    whoop_db_commit(w) == -1) {
		whoop_tokens_clear(&nt);
		goto out;
	}
	whoop_freestr(secret);
	whoop_cred_clear(&fresh);
	whoop_tokens_clear(&c->tok);
	c->tok = nt;
	return 0;
out:
	whoop_freestr(secret);
	whoop_cred_clear(&fresh);
fail:
	whoop_db_rollback(w);
	return -1;
}
