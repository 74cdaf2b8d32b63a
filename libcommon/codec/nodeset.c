/* nodeset.c: sets of node ids. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "codec/nodeset.h"

int
fl_nodeset_has(const struct fl_nodeset *s, int32_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->id[i] == id)
			return 1;
	return 0;
}

int
fl_nodeset_add(struct fl_nodeset *s, int32_t id)
{
	size_t i;

	if (fl_nodeset_has(s, id))
		return 0;
	if (s->n == FL_REPL_REPLICAS_MAX)
		return FL_EFULL;
	for (i = s->n; i > 0 && s->id[i - 1] > id; i--)
		s->id[i] = s->id[i - 1];
	s->id[i] = id;
	s->n++;
	return 0;
}

void
fl_nodeset_remove(struct fl_nodeset *s, int32_t id)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++)
		if (s->id[i] != id)
			s->id[k++] = s->id[i];
	s->n = k;
}

int
fl_nodeset_equal(const struct fl_nodeset *a, const struct fl_nodeset *b)
{
	return a->n == b->n && memcmp(a->id, b->id, a->n * sizeof(a->id[0])) == 0;
}

int
fl_nodeset_parse(struct fl_nodeset *s, const char *text)
{
	const char *p = text;

	memset(s, 0, sizeof(*s));
	if (strcmp(text, "-") == 0)
		return 0;
	for (;;) {
		long long v = 0;
		const char *start = p;

		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			if (v > INT32_MAX)
				return FL_EINVAL;
			p++;
		}
		if (p == start || fl_nodeset_has(s, (int32_t)v) ||
		    fl_nodeset_add(s, (int32_t)v) != 0)
			return FL_EINVAL;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return FL_EINVAL;
		p++;
	}
}

int
fl_nodeset_format(const struct fl_nodeset *s, char *buf, size_t n)
{
	size_t i, at = 0;

	if (n == 0)
		return FL_ERANGE;
	if (s->n == 0)
		return snprintf(buf, n, "-") < (int)n ? 0 : FL_ERANGE;
	buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		int k = snprintf(buf + at, n - at, "%s%d", i ? "," : "", (int)s->id[i]);

		if (k < 0 || (size_t)k >= n - at)
			return FL_ERANGE;
		at += (size_t)k;
	}
	return 0;
}

