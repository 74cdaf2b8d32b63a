/*
 * conf.c: key = value text, number, boolean and address parsing.
 *
 * Everything is byte-wise ASCII on purpose: <ctype.h> follows the locale,
 * and a config file must not change meaning with LANG.
 */
#include <stdint.h>
#include <string.h>

#include "codec/conf.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

char *
fl_conf_key_norm(char *key)
{
	char *p;

	for (p = key; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (*p == '.' || *p == '_')
			*p = '-';
	}
	return key;
}

/* Trim blanks at both ends of [*b, *e). */
static void
trim(const char **b, const char **e)
{
	while (*b < *e && is_blank(**b))
		(*b)++;
	while (*e > *b && is_blank((*e)[-1]))
		(*e)--;
}

static int
parse_line(const char *b, const char *e, unsigned lineno, fl_conf_fn fn,
    void *arg, struct fl_err *err)
{
	char key[FL_CONF_LINE_BYTES_MAX + 1], val[FL_CONF_LINE_BYTES_MAX + 1];
	const char *eq, *kb, *ke, *vb, *ve, *hash;
	int rc;

	trim(&b, &e);
	if (b == e || *b == '#')
		return 0;
	eq = memchr(b, '=', (size_t)(e - b));
	if (eq == NULL)
		return fl_err_set(err, FL_EINVAL, "line %u: expected key = value", lineno);
	kb = b;
	ke = eq;
	trim(&kb, &ke);
	if (kb == ke)
		return fl_err_set(err, FL_EINVAL, "line %u: empty key", lineno);
	vb = eq + 1;
	ve = e;
	trim(&vb, &ve);
	if (vb < ve && *vb == '"') {
		const char *q = memchr(vb + 1, '"', (size_t)(ve - vb - 1));

		if (q == NULL)
			return fl_err_set(err, FL_EINVAL, "line %u: unterminated quote", lineno);
		/* only blanks or a comment may follow the closing quote */
		for (hash = q + 1; hash < ve && is_blank(*hash); hash++)
			;
		if (hash < ve && *hash != '#')
			return fl_err_set(err, FL_EINVAL,
			    "line %u: junk after quoted value", lineno);
		vb++;
		ve = q;
	} else {
		hash = memchr(vb, '#', (size_t)(ve - vb));
		if (hash != NULL) {
			ve = hash;
			trim(&vb, &ve);
		}
	}
	memcpy(key, kb, (size_t)(ke - kb));
	key[ke - kb] = '\0';
	memcpy(val, vb, (size_t)(ve - vb));
	val[ve - vb] = '\0';
	fl_conf_key_norm(key);
	if (err != NULL)
		err->code = 0;
	rc = fn(arg, key, val, lineno, err);
	if (rc != 0 && err != NULL && err->code != 0) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		fl_err_set(err, rc, "line %u: %s", lineno, msg);
	} else if (rc != 0) {
		fl_err_set(err, rc, "line %u: bad value for %s", lineno, key);
	}
	return rc;
}

int
fl_conf_parse(const char *text, size_t len, fl_conf_fn fn, void *arg,
    struct fl_err *err)
{
	const char *p = text, *end = text + len, *nl;
	unsigned lineno = 0;
	int rc;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > FL_CONF_LINE_BYTES_MAX)
			return fl_err_set(err, FL_ERANGE, "line %u: too long", lineno);
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			return fl_err_set(err, FL_EINVAL, "line %u: NUL byte", lineno);
		rc = parse_line(p, nl, lineno, fn, arg, err);
		if (rc != 0)
			return rc;
		p = nl + 1;
	}
	return 0;
}

int
fl_conf_u64(const char *s, uint64_t min, uint64_t max, int allow_suffix,
    uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return FL_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return FL_ERANGE;
		v = v * 10 + d;
	}
	if (*p != '\0' && allow_suffix && p[1] == '\0') {
		switch (*p) {
		case 'k': case 'K': mult = 1024; break;
		case 'm': case 'M': mult = 1024 * 1024; break;
		case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
		default: return FL_EINVAL;
		}
		p++;
	}
	if (*p != '\0')
		return FL_EINVAL;
	if (v > UINT64_MAX / mult)
		return FL_ERANGE;
	v *= mult;
	if (v < min || v > max)
		return FL_ERANGE;
	*out = v;
	return 0;
}

int
fl_conf_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t mag;
	int64_t v;
	int neg = 0, rc;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	rc = fl_conf_u64(s, 0, (uint64_t)INT64_MAX + (uint64_t)neg, 0, &mag);
	if (rc != 0)
		return rc;
	v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
	    : (int64_t)mag;
	if (v < min || v > max)
		return FL_ERANGE;
	*out = v;
	return 0;
}

static int
eq_nocase(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a, cb = *b;

		if (ca >= 'A' && ca <= 'Z')
			ca = (char)(ca - 'A' + 'a');
		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

int
fl_conf_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(yes); i++) {
		if (eq_nocase(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (eq_nocase(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return FL_EINVAL;
}

int
fl_conf_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *hb, *he;
	uint64_t p;

	if (*s == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			return FL_EINVAL;
		hb = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return FL_EINVAL;
		hb = s;
		he = colon;
		/* a bare IPv6 address needs brackets: "::1:9092" is ambiguous */
		if (memchr(hb, ':', (size_t)(he - hb)) != NULL)
			return FL_EINVAL;
	}
	if (fl_conf_u64(colon + 1, 0, 65535, 0, &p) != 0)
		return FL_EINVAL;
	if ((size_t)(he - hb) >= hostlen)
		return FL_ERANGE;
	memcpy(host, hb, (size_t)(he - hb));
	host[he - hb] = '\0';
	*port = (uint16_t)p;
	return 0;
}
