/*
 * Fuzz target: the configuration file parser.
 *
 * Invariants: a refused file leaves the configuration as it was and a
 * message of printable text (the file name holds a newline, so it must
 * be escaped); an accepted one gives non-empty values without control
 * characters other than tab, numbers in their ranges, keys it did not
 * name untouched, and values that, written back out (quoted or not),
 * parse to the same configuration.
 */
#include "whoop.h"
#include "fuzz.h"

#define NAME	"fuzz\n.conf"

struct str {
	const char	*key;
	size_t		 off;
};

#define F(f)	{ #f, offsetof(struct whoop_config, f) }
static const struct str strs[] = {
	F(client_id), F(client_secret), F(client_secret_command),
	F(redirect_uri), F(scopes), F(key_command),
};
#define NSTRS	(sizeof(strs) / sizeof(strs[0]))

static char **
field(struct whoop_config *c, size_t i)
{
	return (char **)(void *)((char *)c + strs[i].off);
}

/* Every field set to a value no input can produce: "=" is refused. */
static void
sentinel(struct whoop_config *c)
{
	size_t	 i;

	whoop_config_init(c);
	for (i = 0; i < NSTRS; i++)
		if ((*field(c, i) = strdup("\x01sentinel")) == NULL)
			abort();
	c->redirect_port = 99999;
	c->rescore_days = 9999;
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_values(struct whoop_config *c)
{
	const char	*s;
	size_t		 i;

	for (i = 0; i < NSTRS; i++) {
		if ((s = *field(c, i)) == NULL)
			continue;
		FUZZ_CHECK(*s != '\0');
		for (; *s != '\0'; s++)
			FUZZ_CHECK(*s == '\t' || ((unsigned char)*s >= 0x20 &&
			    *s != 0x7f));
	}
	FUZZ_CHECK(c->redirect_port >= 0 && c->redirect_port <= 65535);
	FUZZ_CHECK(c->rescore_days >= -1 && c->rescore_days <= 365);
}

/*
 * Write c back out as a config file: a value plainly when it can be
 * (no blank at either end, no opening quote), else quoted.  NULL when a
 * line would pass the parser's 4096-byte limit: escaping can double a
 * value that fitted.
 */
static char *
serialise(struct whoop_config *c, size_t *len)
{
	const char	*s;
	char		*buf, *o, *line;
	size_t		 i, n, cap = 128;
	int		 quote;

	for (i = 0; i < NSTRS; i++)
		if (*field(c, i) != NULL)
			cap += strlen(strs[i].key) + 8 +
			    2 * strlen(*field(c, i));
	if ((buf = malloc(cap)) == NULL)
		abort();
	o = buf;
	for (i = 0; i < NSTRS; i++) {
		if ((s = *field(c, i)) == NULL)
			continue;
		n = strlen(s);
		quote = s[0] == '"' || s[0] == ' ' || s[0] == '\t' ||
		    s[n - 1] == ' ' || s[n - 1] == '\t';
		line = o;
		o += snprintf(o, cap - (size_t)(o - buf), "\t%s =%s",
		    strs[i].key, quote ? "\t\"" : " ");
		for (; *s != '\0'; s++) {
			if (quote && (*s == '"' || *s == '\\'))
				*o++ = '\\';
			*o++ = *s;
		}
		if (quote)
			*o++ = '"';
		if (o - line > 4096) {
			free(buf);
			return NULL;
		}
		*o++ = '\r';
		*o++ = '\n';
	}
	if (c->redirect_port != 0)
		o += snprintf(o, cap - (size_t)(o - buf),
		    "# port\nredirect_port=%d\n", c->redirect_port);
	if (c->rescore_days != -1)
		o += snprintf(o, cap - (size_t)(o - buf),
		    "\nrescore_days = %d", c->rescore_days);
	FUZZ_CHECK((size_t)(o - buf) < cap);
	*len = (size_t)(o - buf);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop		*w;
	struct whoop_config	 c, s, back;
	const char		*m;
	char			*text;
	size_t			 i, len;

	if ((w = whoop_new()) == NULL)
		abort();
	whoop_config_init(&c);
	sentinel(&s);

	if (whoop_config_parse(w, &s, NAME, (const char *)data, size) == -1) {
		for (m = whoop_errmsg(w); *m != '\0'; m++)
			FUZZ_CHECK((unsigned char)*m >= 0x20 &&
			    (unsigned char)*m < 0x7f);
		for (i = 0; i < NSTRS; i++)
			FUZZ_CHECK(streq(*field(&s, i), "\x01sentinel"));
		FUZZ_CHECK(s.redirect_port == 99999 &&
		    s.rescore_days == 9999);
		FUZZ_CHECK(whoop_config_parse(NULL, &c, NAME,
		    (const char *)data, size) == -1);
		goto out;
	}
	FUZZ_CHECK(whoop_config_parse(NULL, &c, NAME, (const char *)data,
	    size) == 0);
	check_values(&c);

	/* What the input set replaced the sentinels, and nothing else. */
	for (i = 0; i < NSTRS; i++)
		FUZZ_CHECK(streq(*field(&s, i), *field(&c, i) != NULL ?
		    *field(&c, i) : "\x01sentinel"));
	FUZZ_CHECK(s.redirect_port == (c.redirect_port != 0 ?
	    c.redirect_port : 99999));
	FUZZ_CHECK(s.rescore_days == (c.rescore_days != -1 ?
	    c.rescore_days : 9999));

	if ((text = serialise(&c, &len)) == NULL)
		goto out;
	whoop_config_init(&back);
	FUZZ_CHECK(whoop_config_parse(w, &back, NAME, text, len) == 0);
	for (i = 0; i < NSTRS; i++)
		FUZZ_CHECK(streq(*field(&back, i), *field(&c, i)));
	FUZZ_CHECK(back.redirect_port == c.redirect_port &&
	    back.rescore_days == c.rescore_days);
	whoop_config_free(&back);
	free(text);
out:
	whoop_config_free(&c);
	whoop_config_free(&s);
	whoop_free(w);
	return 0;
}
