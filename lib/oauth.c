/*
 * WHOOP's OAuth 2.0 endpoints: the authorize URL, the code exchange, the
 * refresh (with rotation), and revocation.  Every token that passes
 * through here is validated before anyone stores it, and wiped after.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "extern.h"

#define AUTH_PATH	"/oauth/oauth2/auth"
#define TOKEN_PATH	"/oauth/oauth2/token"
#define REVOKE_PATH	"/developer/v2/user/access"
#define MAX_TOKEN	4096
#define MAX_SCOPE	1024
/* A longer lifetime is taken as this; a 401 still brings a refresh. */
#define MAX_LIFETIME	(365.0 * 86400)

/* Percent-encode everything but RFC 3986 unreserved characters. */
static size_t
pct(char *dst, size_t dstsz, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 n = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			if (dst != NULL && n + 1 < dstsz)
				dst[n] = (char)c;
			n++;
		} else {
			if (dst != NULL && n + 3 < dstsz) {
				dst[n] = '%';
				dst[n + 1] = hex[c >> 4];
				dst[n + 2] = hex[c & 15];
			}
			n += 3;
		}
	}
	if (dst != NULL && dstsz > 0)
		dst[n < dstsz ? n : dstsz - 1] = '\0';
	return n;
}

char *
whoop_oauth_authorize_url(struct whoop *w, const char *origin,
    const struct whoop_client *cl, const char *scopes, const char *state,
    const char *challenge)
{
	const char	*names[] = { "response_type", "client_id",
	    "redirect_uri", "scope", "state", "code_challenge",
	    "code_challenge_method" };
	const char	*vals[7];
	size_t		 cap, n;
	char		*url;
	int		 i;

	vals[0] = "code";
	vals[1] = cl->client_id;
	vals[2] = cl->redirect_uri;
	vals[3] = scopes;
	vals[4] = state;
	vals[5] = challenge;
	vals[6] = "S256";
	cap = strlen(origin) + sizeof(AUTH_PATH) + 1;
	for (i = 0; i < 7; i++)
		cap += strlen(names[i]) + 2 + pct(NULL, 0, vals[i]);
	if ((url = malloc(cap)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	n = (size_t)snprintf(url, cap, "%s%s", origin, AUTH_PATH);
	for (i = 0; i < 7; i++) {
		n += (size_t)snprintf(url + n, cap - n, "%c%s=", i ? '&' : '?',
		    names[i]);
		n += pct(url + n, cap - n, vals[i]);
	}
	return url;
}

void
whoop_tokens_clear(struct whoop_tokens *t)
{
	if (t == NULL)
		return;
	whoop_freestr(t->access_token);
	whoop_freestr(t->refresh_token);
	free(t->scope);
	memset(t, 0, sizeof(*t));
}

/* A token is printable ASCII without spaces, of sane length. */
static char *
token_copy(struct whoop *w, const cJSON *o, const char *name, int required)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);
	const char	*s;
	size_t		 i, n;
	char		*copy;

	if (j == NULL || cJSON_IsNull(j)) {
		if (required)
			whoop_seterr(w, WHOOP_E_PROTO, "token response has no "
			    "%s", name);
		return NULL;
	}
	if (!cJSON_IsString(j) || (s = j->valuestring) == NULL) {
		whoop_seterr(w, WHOOP_E_PROTO, "token response: %s is not a "
		    "string", name);
		return NULL;
	}
	n = strlen(s);
	if (n == 0 || n > MAX_TOKEN) {
		whoop_seterr(w, WHOOP_E_PROTO, "token response: %s has a "
		    "length of %zu", name, n);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f) {
			whoop_seterr(w, WHOOP_E_PROTO, "token response: %s "
			    "holds a character that no token has", name);
			return NULL;
		}
	if ((copy = strdup(s)) == NULL)
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
	return copy;
}

/*
 * expires_in in seconds, as a number or a numeric string; 0 when there
 * is none that means a lifetime (missing, null, zero, negative, not a
 * number).
 */
static double
lifetime_of(const cJSON *j)
{
	double	 v = 0;
	char	*end;

	if (cJSON_IsNumber(j))
		v = j->valuedouble;
	else if (cJSON_IsString(j) && j->valuestring != NULL) {
		v = strtod(j->valuestring, &end);
		if (end == j->valuestring || *end != '\0')
			v = 0;
	}
	if (!isfinite(v) || v <= 0)
		return 0;
	return v > MAX_LIFETIME ? MAX_LIFETIME : v;
}

/*
 * Liberal in what is accepted, because a token answer arrives after WHOOP
 * acted: a refresh has already rotated, a code is already spent, and an
 * answer refused here is a grant lost.  So only what makes the answer
 * unusable is refused: not JSON, no usable access token, a token type
 * other than bearer.  Any lifetime is taken (see lifetime_of; with none,
 * the token counts as due for a refresh at once and is used until WHOOP
 * refuses it), and a missing refresh token is the caller's business.
 */
int
whoop_oauth_parse_tokens(struct whoop *w, const char *body, size_t len,
    int64_t now_ms, struct whoop_tokens *t)
{
	cJSON		*root = NULL;
	const cJSON	*j;
	double		 life;
	int		 rc = -1;

	memset(t, 0, sizeof(*t));
	if (body == NULL || len == 0 ||
	    (root = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(root)) {
		whoop_seterr(w, WHOOP_E_PROTO, "token response is not a JSON "
		    "object");
		goto out;
	}
	/* Missing: bearer, the only kind there is (RFC 6750). */
	j = cJSON_GetObjectItemCaseSensitive(root, "token_type");
	if (j != NULL && !cJSON_IsNull(j) && (!cJSON_IsString(j) ||
	    j->valuestring == NULL ||
	    strcasecmp(j->valuestring, "bearer") != 0)) {
		whoop_seterr(w, WHOOP_E_PROTO, "token response: token_type "
		    "is not bearer");
		goto out;
	}
	if ((t->access_token = token_copy(w, root, "access_token", 1)) == NULL)
		goto out;
	j = cJSON_GetObjectItemCaseSensitive(root, "refresh_token");
	if (j != NULL && !cJSON_IsNull(j) &&
	    (t->refresh_token = token_copy(w, root, "refresh_token",
	    1)) == NULL)
		goto out;
	j = cJSON_GetObjectItemCaseSensitive(root, "scope");
	if (cJSON_IsString(j) && j->valuestring != NULL &&
	    strlen(j->valuestring) <= MAX_SCOPE) {
		char	 esc[MAX_SCOPE + 1];

		whoop_escape(esc, sizeof(esc), j->valuestring,
		    strlen(j->valuestring));
		if ((t->scope = strdup(esc)) == NULL) {
			whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
			goto out;
		}
	}
	life = lifetime_of(cJSON_GetObjectItemCaseSensitive(root,
	    "expires_in"));
	t->lifetime_ms = (int64_t)(life * 1000);
	t->expires_at_ms = now_ms + t->lifetime_ms;
	rc = 0;
out:
	if (rc == -1)
		whoop_tokens_clear(t);
	cJSON_Delete(root);
	return rc;
}

/*
 * An OAuth error response: a class from the error code, and the server's
 * words, escaped, in the message.
 */
static int
token_error(struct whoop *w, const char *what, const struct whoop_resp *r)
{
	cJSON		*root = NULL;
	const cJSON	*e, *d;
	char		 code[64] = "", desc[200] = "";
	enum whoop_err	 cls;

	if (r->body != NULL)
		root = cJSON_ParseWithLength(r->body, r->len);
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	d = cJSON_GetObjectItemCaseSensitive(root, "error_description");
	if (cJSON_IsString(e) && e->valuestring != NULL)
		whoop_escape(code, sizeof(code), e->valuestring,
		    strlen(e->valuestring));
	if (cJSON_IsString(d) && d->valuestring != NULL)
		whoop_escape(desc, sizeof(desc), d->valuestring,
		    strlen(d->valuestring));
	cJSON_Delete(root);

	if (strcmp(code, "invalid_grant") == 0)
		cls = WHOOP_E_AUTH;
	else if (strcmp(code, "invalid_client") == 0 ||
	    strcmp(code, "unauthorized_client") == 0)
		cls = WHOOP_E_CONFIG;
	else if (r->status == 429)
		cls = WHOOP_E_RATE;
	else if (r->status >= 500)
		cls = WHOOP_E_NET;
	else if (r->status == 401)
		cls = WHOOP_E_AUTH;
	else
		cls = WHOOP_E_HTTP;
	return whoop_seterr(w, cls, "%s: HTTP %ld%s%s%s%s%s", what, r->status,
	    *code ? ": " : "", code, *desc ? " (" : "", desc, *desc ? ")" : "");
}

/*
 * One token POST.  It is sent once: http.c retries it only when it
 * provably never left.  lost: what to add when it may have reached WHOOP
 * and no answer came back.
 */
static int
token_request(struct whoop_http *h, const char *what, const char *lost,
    const char *const *form, struct whoop_tokens *t)
{
	struct whoop		*w = whoop_http_handle(h);
	struct whoop_resp	 r;
	char			 msg[sizeof(w->errmsg)];
	int			 rc = -1;

	memset(&r, 0, sizeof(r));
	memset(t, 0, sizeof(*t));
	if (whoop_http_post_form(h, TOKEN_PATH, form, &r) == -1) {
		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		whoop_seterr(w, whoop_errcode(w), "%s: %s%s", what, msg,
		    whoop_http_lost(h) ? lost : "");
		goto out;
	}
	if (r.status != 200) {
		token_error(w, what, &r);
		goto out;
	}
	if (whoop_oauth_parse_tokens(w, r.body, r.len, whoop_time_now_ms(),
	    t) == -1) {
		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		whoop_seterr(w, WHOOP_E_PROTO, "%s: %s", what, msg);
		goto out;
	}
	rc = 0;
out:
	whoop_resp_free(&r);
	return rc;
}

int
whoop_oauth_exchange(struct whoop_http *h, const struct whoop_client *cl,
    const char *code, const char *verifier, struct whoop_tokens *t)
{
	const char	*form[] = {
		"grant_type", "authorization_code",
		"code", code,
		"redirect_uri", cl->redirect_uri,
		"client_id", cl->client_id,
		"client_secret", cl->client_secret,
		"code_verifier", verifier,
		NULL
	};

	return token_request(h, "code exchange", "; the code is spent "
	    "either way: run whoop-auth again", form, t);
}

int
whoop_oauth_refresh(struct whoop_http *h, const struct whoop_client *cl,
    const char *refresh_token, struct whoop_tokens *t)
{
	/* WHOOP's documented refresh always resends scope=offline. */
	const char	*form[] = {
		"grant_type", "refresh_token",
		"refresh_token", refresh_token,
		"client_id", cl->client_id,
		"client_secret", cl->client_secret,
		"scope", "offline",
		NULL
	};

	return token_request(h, "token refresh", "; if it did, it rotated "
	    "the tokens and the refresh token stored here is spent: the next "
	    "run tries it once, and a refused one means run whoop-auth", form,
	    t);
}

int
whoop_oauth_revoke(struct whoop_http *h, const char *access_token)
{
	struct whoop		*w = whoop_http_handle(h);
	struct whoop_resp	 r;
	int			 rc;

	memset(&r, 0, sizeof(r));
	rc = whoop_http_delete(h, REVOKE_PATH, access_token, &r);
	whoop_resp_free(&r);
	if (rc == 0)
		return 0;
	/* A token WHOOP no longer knows: the grant is already gone. */
	if (whoop_errcode(w) == WHOOP_E_AUTH) {
		whoop_clearerr(w);
		return 1;
	}
	return -1;
}
