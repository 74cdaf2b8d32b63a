/*
 * epochs.c: leader-epoch-checkpoint and hw file texts.  One number parser
 * serves both, and it takes only canonical decimal, so the encoder's
 * output is the single spelling of each file: a reader never has to decide
 * whether " 7", "+7" or "07" meant 7.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec/epochs.h"

#define VERSION_LINE "0\n"

struct cur {
	const uint8_t *p;
	size_t len, off;
	unsigned line;		/* 1-based, for messages */
};

/*
 * A canonical decimal number <= max ending in 'term' (consumed).  0, or
 * FL_ECORRUPT with err naming the line and 'what'.
 */
static int
num(struct cur *c, char term, uint64_t max, const char *what, uint64_t *v,
    struct fl_err *err)
{
	size_t start = c->off;
	uint64_t x = 0;

	while (c->off < c->len && c->p[c->off] >= '0' && c->p[c->off] <= '9') {
		unsigned d = (unsigned)(c->p[c->off] - '0');

		if (x > (max - d) / 10)
			return fl_err_set(err, FL_ECORRUPT, "line %u: %s is larger than %"
			    PRIu64, c->line, what, max);
		x = x * 10 + d;
		c->off++;
	}
	if (c->off == start)
		return fl_err_set(err, FL_ECORRUPT, "line %u: %s is not a decimal number",
		    c->line, what);
	if (c->off - start > 1 && c->p[start] == '0')
		return fl_err_set(err, FL_ECORRUPT, "line %u: %s has a leading zero",
		    c->line, what);
	if (c->off == c->len || c->p[c->off] != (uint8_t)term)
		return fl_err_set(err, FL_ECORRUPT, "line %u: %s %s", c->line,
		    c->off == c->len ? "ends inside" : "has stray bytes after", what);
	c->off++;
	if (term == '\n')
		c->line++;
	*v = x;
	return 0;
}

static int
version(struct cur *c, struct fl_err *err)
{
	size_t n = strlen(VERSION_LINE);

	if (c->len < n || memcmp(c->p, VERSION_LINE, n) != 0)
		return fl_err_set(err, FL_ECORRUPT, "line 1: not the version line \"0\"");
	c->off = n;
	c->line = 2;
	return 0;
}

static int
at_end(const struct cur *c, struct fl_err *err)
{
	if (c->off != c->len)
		return fl_err_set(err, FL_ECORRUPT, "line %u: %zu bytes after the last entry",
		    c->line, c->len - c->off);
	return 0;
}

int
fl_epochs_encode(struct fl_wr *w, const struct fl_epoch *e, size_t n)
{
	char line[48];
	size_t i;
	int k;

	if (n > FL_EPOCHS_MAX)
		return FL_EINVAL;
	for (i = 0; i < n; i++)
		if (e[i].epoch < 0 || e[i].start_offset > INT64_MAX ||
		    (i > 0 && (e[i].epoch <= e[i - 1].epoch ||
		    e[i].start_offset <= e[i - 1].start_offset)))
			return FL_EINVAL;
	k = snprintf(line, sizeof(line), VERSION_LINE "%zu\n", n);
	fl_wr_raw(w, line, (size_t)k);
	for (i = 0; i < n; i++) {
		k = snprintf(line, sizeof(line), "%" PRId32 " %" PRIu64 "\n",
		    e[i].epoch, e[i].start_offset);
		fl_wr_raw(w, line, (size_t)k);
	}
	return w->err;
}

int
fl_epochs_decode(const uint8_t *p, size_t len, struct fl_epoch *e, size_t cap,
    size_t *n, struct fl_err *err)
{
	struct cur c = { p, len, 0, 1 };
	uint64_t count, i, ep, off;
	int rc;

	*n = 0;
	if ((rc = version(&c, err)) != 0 ||
	    (rc = num(&c, '\n', FL_EPOCHS_MAX, "the entry count", &count, err)) != 0)
		return rc;
	for (i = 0; i < count; i++) {
		if (c.off == c.len)
			return fl_err_set(err, FL_ECORRUPT, "line %u: %" PRIu64 " entries "
			    "where the count says %" PRIu64, c.line, i, count);
		if ((rc = num(&c, ' ', INT32_MAX, "the epoch", &ep, err)) != 0 ||
		    (rc = num(&c, '\n', INT64_MAX, "the start offset", &off, err)) != 0)
			return rc;
		if (i > 0 && (int32_t)ep <= e[i - 1].epoch)
			return fl_err_set(err, FL_ECORRUPT, "line %u: epoch %" PRIu64
			    " is not above the one before (%" PRId32 ")", c.line - 1, ep,
			    e[i - 1].epoch);
		if (i > 0 && off <= e[i - 1].start_offset)
			return fl_err_set(err, FL_ECORRUPT, "line %u: start offset %" PRIu64
			    " is not above the one before (%" PRIu64 ")", c.line - 1, off,
			    e[i - 1].start_offset);
		if (i == cap)
			return fl_err_set(err, FL_ERANGE, "more than %zu entries", cap);
		e[i].epoch = (int32_t)ep;
		e[i].start_offset = off;
	}
	if ((rc = at_end(&c, err)) != 0)
		return rc;
	*n = (size_t)count;
	return 0;
}

int
fl_epochs_hw_encode(struct fl_wr *w, uint64_t hw)
{
	char line[32];
	int k;

	if (hw > INT64_MAX)
		return FL_EINVAL;
	k = snprintf(line, sizeof(line), VERSION_LINE "%" PRIu64 "\n", hw);
	fl_wr_raw(w, line, (size_t)k);
	return w->err;
}

int
fl_epochs_hw_decode(const uint8_t *p, size_t len, uint64_t *hw, struct fl_err *err)
{
	struct cur c = { p, len, 0, 1 };
	uint64_t v;
	int rc;

	if ((rc = version(&c, err)) != 0 ||
	    (rc = num(&c, '\n', INT64_MAX, "the high watermark", &v, err)) != 0 ||
	    (rc = at_end(&c, err)) != 0)
		return rc;
	*hw = v;
	return 0;
}
