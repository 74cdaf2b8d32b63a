/* replctl.c: the broker <-> flume-repl line protocol (see replctl.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec/replctl.h"

#define FIELDS_MAX 8

struct field {
	const char *p;
	size_t len;
};

static int
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split line[0..len) at runs of separators into at most `max` fields; the
 * last one, when keep_rest, runs to the end of the line (trailing
 * separators dropped).  Returns the field count, max + 1 when there were
 * more fields than max (and no keep_rest).
 */
static size_t
split(const char *line, size_t len, struct field *f, size_t max, int keep_rest)
{
	size_t i = 0, n = 0;

	while (len > 0 && is_sep(line[len - 1]))
		len--;
	for (;;) {
		size_t start;

		while (i < len && is_sep(line[i]))
			i++;
		if (i == len)
			return n;
		if (n == max)
			return max + 1;
		start = i;
		if (keep_rest && n + 1 == max)
			i = len;
		else
			while (i < len && !is_sep(line[i]))
				i++;
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
	}
}

static int
is_word(const struct field *f, const char *w)
{
	return f->len == strlen(w) && memcmp(f->p, w, f->len) == 0;
}

/* Decimal digits only, value <= max. */
static int
number(const struct field *f, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (f->len == 0 || f->len > 20)
		return FL_EINVAL;
	for (i = 0; i < f->len; i++) {
		unsigned d;

		if (f->p[i] < '0' || f->p[i] > '9')
			return FL_EINVAL;
		d = (unsigned)(f->p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return FL_EINVAL;
		x = x * 10 + d;
	}
	if (x > max)
		return FL_EINVAL;
	*v = x;
	return 0;
}

/* Print at most 40 bytes of a field, for messages. */
#define SHOW(f) (int)((f)->len > 40 ? 40 : (f)->len), (f)->p

static int
topic_field(const struct field *f, char *topic, struct fl_err *err)
{
	if (!fl_topic_name_ok(f->p, f->len))
		return fl_err_set(err, FL_EINVAL, "bad topic name \"%.*s\" (1..%d of "
		    "[a-zA-Z0-9._-])", SHOW(f), FL_TOPIC_NAME_MAX);
	memcpy(topic, f->p, f->len);
	topic[f->len] = '\0';
	return 0;
}

static int
i32_field(const struct field *f, const char *what, int32_t *v, struct fl_err *err)
{
	uint64_t x;

	if (number(f, INT32_MAX, &x) != 0)
		return fl_err_set(err, FL_EINVAL, "bad %s \"%.*s\" (0..%d)", what, SHOW(f),
		    INT32_MAX);
	*v = (int32_t)x;
	return 0;
}

static int
u64_field(const struct field *f, const char *what, uint64_t *v, struct fl_err *err)
{
	if (number(f, INT64_MAX, v) != 0)
		return fl_err_set(err, FL_EINVAL, "bad %s \"%.*s\"", what, SHOW(f));
	return 0;
}

/* ---- commands ---- */

int
fl_replctl_cmd_parse(const char *line, size_t len, struct fl_replctl_cmd *c,
    struct fl_err *err)
{
	struct field f[FIELDS_MAX];
	size_t n, want;
	int rc;

	memset(c, 0, sizeof(*c));
	c->part = -1;
	c->epoch = -1;
	if (memchr(line, '\0', len) != NULL)
		return fl_err_set(err, FL_EINVAL, "a NUL byte in the line");
	n = split(line, len, f, FIELDS_MAX, 0);
	if (n == 0)
		return FL_ENOENT;
	if (is_word(&f[0], "follow")) {
		c->kind = FL_REPLCTL_FOLLOW;
		want = 4;
	} else if (is_word(&f[0], "drop")) {
		c->kind = FL_REPLCTL_DROP;
		want = 3;
	} else {
		return fl_err_set(err, FL_EINVAL, "unknown command \"%.*s\" (follow, drop)",
		    SHOW(&f[0]));
	}
	/* name the partition whenever the line does, even when it is wrong */
	if (n >= 2 && (rc = topic_field(&f[1], c->topic, err)) != 0)
		return rc;
	if (n >= 3 && (rc = i32_field(&f[2], "partition", &c->part, err)) != 0)
		return rc;
	if (n != want)
		return fl_err_set(err, FL_EINVAL, "%s takes %s", c->kind == FL_REPLCTL_FOLLOW ?
		    "follow" : "drop", c->kind == FL_REPLCTL_FOLLOW ? "TOPIC PART EPOCH" :
		    "TOPIC PART");
	if (c->kind == FL_REPLCTL_FOLLOW)
		return i32_field(&f[3], "epoch", &c->epoch, err);
	return 0;
}

static int
fit(int k, size_t n)
{
	return k < 0 || (size_t)k >= n ? FL_ERANGE : k;
}

int
fl_replctl_cmd_format(char *buf, size_t n, const struct fl_replctl_cmd *c)
{
	if (c->kind == FL_REPLCTL_FOLLOW)
		return fit(snprintf(buf, n, "follow\t%s\t%" PRId32 "\t%" PRId32, c->topic,
		    c->part, c->epoch), n);
	return fit(snprintf(buf, n, "drop\t%s\t%" PRId32, c->topic, c->part), n);
}

/* ---- reports ---- */

static const char *const rep_words[] = {
	[FL_REPLCTL_FOLLOWING] = "following",
	[FL_REPLCTL_PROGRESS] = "progress",
	[FL_REPLCTL_TRUNCATED] = "truncated",
	[FL_REPLCTL_RESET] = "reset",
	[FL_REPLCTL_FENCED] = "fenced",
	[FL_REPLCTL_DROPPED] = "dropped",
	[FL_REPLCTL_ERROR] = "error",
};

int
fl_replctl_rep_format(char *buf, size_t n, const struct fl_replctl_rep *r)
{
	const char *w = rep_words[r->kind];
	char text[FL_REPLCTL_TEXT_MAX];
	size_t i;

	switch (r->kind) {
	case FL_REPLCTL_FOLLOWING:
	case FL_REPLCTL_FENCED:
		return fit(snprintf(buf, n, "%s\t%s\t%" PRId32 "\t%" PRId32, w, r->topic,
		    r->part, r->epoch), n);
	case FL_REPLCTL_PROGRESS:
		return fit(snprintf(buf, n, "%s\t%s\t%" PRId32 "\t%" PRIu64 "\t%" PRIu64, w,
		    r->topic, r->part, r->offset, r->hw), n);
	case FL_REPLCTL_TRUNCATED:
	case FL_REPLCTL_RESET:
		return fit(snprintf(buf, n, "%s\t%s\t%" PRId32 "\t%" PRIu64, w, r->topic,
		    r->part, r->offset), n);
	case FL_REPLCTL_DROPPED:
		return fit(snprintf(buf, n, "%s\t%s\t%" PRId32, w, r->topic, r->part), n);
	case FL_REPLCTL_ERROR:
		break;
	}
	/* one line, one last field: no control characters in the text */
	for (i = 0; i + 1 < sizeof(text) && r->text[i] != '\0'; i++)
		text[i] = (unsigned char)r->text[i] < 0x20 || r->text[i] == 0x7f ? ' ' :
		    r->text[i];
	text[i] = '\0';
	if (r->part < 0)
		return fit(snprintf(buf, n, "error\t%s\t-\t%s", r->topic[0] ? r->topic : "-",
		    text[0] ? text : "-"), n);
	return fit(snprintf(buf, n, "error\t%s\t%" PRId32 "\t%s", r->topic[0] ? r->topic : "-",
	    r->part, text[0] ? text : "-"), n);
}

int
fl_replctl_rep_parse(const char *line, size_t len, struct fl_replctl_rep *r,
    struct fl_err *err)
{
	struct field f[FIELDS_MAX];
	size_t n, k, want = 0;
	int rc, is_error;

	memset(r, 0, sizeof(*r));
	r->part = -1;
	r->epoch = -1;
	if (memchr(line, '\0', len) != NULL)
		return fl_err_set(err, FL_EINVAL, "a NUL byte in the line");
	/* an error's text is the rest of the line: split off four fields */
	is_error = len >= 5 && memcmp(line, "error", 5) == 0 && (len == 5 || is_sep(line[5]));
	n = split(line, len, f, is_error ? 4 : FIELDS_MAX, is_error);
	if (n == 0)
		return fl_err_set(err, FL_EINVAL, "an empty line");
	for (k = 0; k < FL_ARRAY_LEN(rep_words); k++)
		if (is_word(&f[0], rep_words[k]))
			break;
	if (k == FL_ARRAY_LEN(rep_words))
		return fl_err_set(err, FL_EINVAL, "unknown report \"%.*s\"", SHOW(&f[0]));
	r->kind = (enum fl_replctl_rep_kind)k;
	switch (r->kind) {
	case FL_REPLCTL_FOLLOWING: case FL_REPLCTL_FENCED:
	case FL_REPLCTL_TRUNCATED: case FL_REPLCTL_RESET: want = 4; break;
	case FL_REPLCTL_PROGRESS: want = 5; break;
	case FL_REPLCTL_DROPPED: want = 3; break;
	case FL_REPLCTL_ERROR: want = 4; break;
	}
	if (n != want)
		return fl_err_set(err, FL_EINVAL, "%s takes %zu fields, not %zu", rep_words[k],
		    want - 1, n - 1);
	if (r->kind == FL_REPLCTL_ERROR) {
		size_t tl = f[3].len < sizeof(r->text) - 1 ? f[3].len : sizeof(r->text) - 1;

		memcpy(r->text, f[3].p, tl);
		r->text[tl] = '\0';
		if (is_word(&f[2], "-")) {
			/* about no partition, maybe a topic */
			if (!is_word(&f[1], "-"))
				return topic_field(&f[1], r->topic, err);
			return 0;
		}
	}
	if ((rc = topic_field(&f[1], r->topic, err)) != 0 ||
	    (rc = i32_field(&f[2], "partition", &r->part, err)) != 0)
		return rc;
	switch (r->kind) {
	case FL_REPLCTL_FOLLOWING: case FL_REPLCTL_FENCED:
		return i32_field(&f[3], "epoch", &r->epoch, err);
	case FL_REPLCTL_PROGRESS:
		if ((rc = u64_field(&f[3], "log end", &r->offset, err)) != 0)
			return rc;
		return u64_field(&f[4], "high watermark", &r->hw, err);
	case FL_REPLCTL_TRUNCATED: case FL_REPLCTL_RESET:
		return u64_field(&f[3], "offset", &r->offset, err);
	case FL_REPLCTL_DROPPED: case FL_REPLCTL_ERROR:
		break;
	}
	return 0;
}
