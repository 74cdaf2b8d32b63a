/*
 * bstatus.c: the admin `status` answer, parsed (bstatus.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/bstatus.h"

void
fl_bstatus_free(struct fl_bstatus *s)
{
	free(s->parts);
	free(s->reqs);
	memset(s, 0, sizeof(*s));
	s->node = -1;
}

int
fl_bstatus_copy(struct fl_bstatus *dst, const struct fl_bstatus *src)
{
	struct fl_bstatus c;

	memset(&c, 0, sizeof(c));
	c.node = src->node;
	c.controller_epoch = src->controller_epoch;
	if (src->nparts > 0) {
		if ((c.parts = malloc(src->nparts * sizeof(*c.parts))) == NULL)
			return FL_ENOMEM;
		memcpy(c.parts, src->parts, src->nparts * sizeof(*c.parts));
		c.nparts = c.cap = src->nparts;
	}
	if (src->nreqs > 0) {
		if ((c.reqs = malloc(src->nreqs * sizeof(*c.reqs))) == NULL) {
			free(c.parts);
			return FL_ENOMEM;
		}
		memcpy(c.reqs, src->reqs, src->nreqs * sizeof(*c.reqs));
		c.nreqs = c.reqcap = src->nreqs;
	}
	fl_bstatus_free(dst);
	*dst = c;
	return 0;
}

/* Split line[0..n) at tabs into f[max]; the count (max + 1 when more). */
static size_t
split(char *line, char **f, size_t max)
{
	size_t k = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');

		if (k == max)
			return max + 1;
		f[k++] = p;
		if (tab == NULL)
			return k;
		*tab = '\0';
		p = tab + 1;
	}
}

static int
num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
role(const char *s, enum fl_role *r)
{
	if (strcmp(s, "leader") == 0)
		*r = FL_ROLE_LEADER;
	else if (strcmp(s, "follower") == 0)
		*r = FL_ROLE_FOLLOWER;
	else if (strcmp(s, "offline") == 0)
		*r = FL_ROLE_OFFLINE;
	else
		return -1;
	return 0;
}

static int
part_line(struct fl_bstatus_part *p, char **f)
{
	int64_t v[6];

	if (!fl_topic_name_ok(f[1], strlen(f[1])) ||
	    num(f[2], 0, FL_TOPIC_PARTITIONS_MAX - 1, &v[0]) != 0 ||
	    num(f[3], 0, INT64_MAX, &v[1]) != 0 || num(f[4], 0, INT64_MAX, &v[2]) != 0 ||
	    num(f[5], 0, INT64_MAX, &v[3]) != 0 || role(f[6], &p->role) != 0 ||
	    num(f[7], 0, INT32_MAX, &v[4]) != 0 || num(f[8], -1, INT32_MAX, &v[5]) != 0)
		return -1;
	memcpy(p->topic, f[1], strlen(f[1]) + 1);
	p->partition = (int32_t)v[0];
	p->log_start = (uint64_t)v[1];
	p->log_end = (uint64_t)v[2];
	p->hw = (uint64_t)v[3];
	p->epoch = (int32_t)v[4];
	p->leader = (int32_t)v[5];
	memset(&p->isr, 0, sizeof(p->isr));
	memset(&p->proposed, 0, sizeof(p->proposed));
	if ((strcmp(f[9], "-") != 0 && fl_nodeset_parse(&p->isr, f[9]) != 0) ||
	    (strcmp(f[10], "-") != 0 && fl_nodeset_parse(&p->proposed, f[10]) != 0))
		return -1;
	return 0;
}

int
fl_bstatus_parse(struct fl_bstatus *s, const char *text, size_t n, size_t *bad_line)
{
	struct fl_bstatus out;
	char line[FL_TOPIC_NAME_MAX + 512];
	size_t pos = 0, lineno = 0;

	memset(&out, 0, sizeof(out));
	out.node = -1;
	*bad_line = 0;
	while (pos < n) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t len = (nl != NULL ? (size_t)(nl - (text + pos)) : n - pos);
		char *f[12];
		size_t k;
		int64_t v;

		lineno++;
		if (len >= sizeof(line) || memchr(text + pos, '\0', len) != NULL)
			goto bad;
		memcpy(line, text + pos, len);
		line[len] = '\0';
		pos += len + (nl != NULL);
		if (strcmp(line, "ok") == 0)
			break;
		k = split(line, f, 11);
		if (strcmp(f[0], "request") == 0) {
			struct fl_bstatus_req *r;
			size_t j;

			if (out.nreqs == out.reqcap) {
				size_t cap = out.reqcap ? out.reqcap * 2 : 8;
				void *np = realloc(out.reqs, cap * sizeof(*out.reqs));

				if (np == NULL) {
					fl_bstatus_free(&out);
					return FL_ENOMEM;
				}
				out.reqs = np;
				out.reqcap = cap;
			}
			r = &out.reqs[out.nreqs];
			memset(r, 0, sizeof(*r));
			if (k < 4 || k > 10 || num(f[1], 1, INT64_MAX, &v) != 0 ||
			    !fl_topic_name_ok(f[3], strlen(f[3])))
				goto bad;
			r->id = (uint64_t)v;
			memcpy(r->topic, f[3], strlen(f[3]) + 1);
			if (strcmp(f[2], "delete") == 0 && k == 4) {
				r->is_delete = 1;
			} else if (strcmp(f[2], "create") == 0 && k >= 6) {
				if (num(f[4], 1, FL_TOPIC_PARTITIONS_MAX, &v) != 0)
					goto bad;
				r->nparts = (int32_t)v;
				if (num(f[5], 1, FL_REPL_REPLICAS_MAX, &v) != 0)
					goto bad;
				r->rf = (int32_t)v;
				for (j = 6; j < k; j++) {
					const char *eq = strchr(f[j], '=');

					if (eq == NULL || fl_topic_conf_set(&r->conf, f[j],
					    (size_t)(eq - f[j]), eq + 1, strlen(eq + 1)) != 0)
						goto bad;
				}
			} else {
				goto bad;
			}
			out.nreqs++;
		} else if (strcmp(f[0], "partition") == 0) {
			if (k != 11)
				goto bad;
			if (out.nparts == out.cap) {
				size_t cap = out.cap ? out.cap * 2 : 16;
				void *np = realloc(out.parts, cap * sizeof(*out.parts));

				if (np == NULL) {
					fl_bstatus_free(&out);
					return FL_ENOMEM;
				}
				out.parts = np;
				out.cap = cap;
			}
			if (part_line(&out.parts[out.nparts], f) != 0)
				goto bad;
			out.nparts++;
		} else if (strcmp(f[0], "node") == 0) {
			if (k != 2 || num(f[1], 0, INT32_MAX, &v) != 0)
				goto bad;
			out.node = (int32_t)v;
		} else if (strcmp(f[0], "controller_epoch") == 0) {
			if (k != 2 || num(f[1], 0, INT64_MAX, &v) != 0)
				goto bad;
			out.controller_epoch = v;
		}
	}
	fl_bstatus_free(s);
	*s = out;
	return 0;
bad:
	*bad_line = lineno;
	fl_bstatus_free(&out);
	return FL_EPROTO;
}

const struct fl_bstatus_part *
fl_bstatus_find(const struct fl_bstatus *s, const char *topic, int32_t partition)
{
	size_t i;

	for (i = 0; i < s->nparts; i++)
		if (s->parts[i].partition == partition && strcmp(s->parts[i].topic, topic) == 0)
			return &s->parts[i];
	return NULL;
}

/* ---- writing ---- */

static int
fit(int k, size_t n)
{
	return k < 0 || (size_t)k >= n ? FL_ERANGE : k;
}

int
fl_bstatus_format_part(char *buf, size_t n, const struct fl_bstatus_part *p)
{
	char isr[256], prop[256];

	if (fl_nodeset_format(&p->isr, isr, sizeof(isr)) != 0 ||
	    fl_nodeset_format(&p->proposed, prop, sizeof(prop)) != 0)
		return FL_ERANGE;
	return fit(snprintf(buf, n, "partition\t%s\t%" PRId32 "\t%" PRIu64 "\t%" PRIu64 "\t%"
	    PRIu64 "\t%s\t%" PRId32 "\t%" PRId32 "\t%s\t%s", p->topic, p->partition,
	    p->log_start, p->log_end, p->hw, fl_role_name(p->role), p->epoch, p->leader, isr,
	    prop), n);
}

int
fl_bstatus_format_req(char *buf, size_t n, const struct fl_bstatus_req *r)
{
	char conf[FL_TOPIC_CONF_TEXT_MAX];
	size_t k;

	if (r->is_delete)
		return fit(snprintf(buf, n, "request\t%" PRIu64 "\tdelete\t%s", r->id, r->topic),
		    n);
	fl_topic_conf_format(&r->conf, conf, sizeof(conf));
	for (k = 0; conf[k] != '\0'; k++)
		if (conf[k] == ' ')
			conf[k] = '\t';	/* one field per config */
	return fit(snprintf(buf, n, "request\t%" PRIu64 "\tcreate\t%s\t%" PRId32 "\t%" PRId32
	    "%s%s", r->id, r->topic, r->nparts, r->rf, conf[0] ? "\t" : "", conf), n);
}

/* Append one line and its newline at buf[*at]: 0 or FL_ERANGE. */
static int
line_at(char *buf, size_t n, size_t *at, int k)
{
	if (k < 0 || (size_t)k + 1 >= n - *at)
		return FL_ERANGE;
	*at += (size_t)k;
	buf[(*at)++] = '\n';
	buf[*at] = '\0';
	return 0;
}

int
fl_bstatus_format(char *buf, size_t n, const struct fl_bstatus *s)
{
	size_t at = 0, i;

	if (n == 0)
		return FL_ERANGE;
	buf[0] = '\0';
	if (line_at(buf, n, &at, snprintf(buf, n, "node\t%" PRId32, s->node)) != 0 ||
	    line_at(buf, n, &at, snprintf(buf + at, n - at, "controller_epoch\t%" PRId64,
	    s->controller_epoch)) != 0)
		goto full;
	for (i = 0; i < s->nreqs; i++)
		if (line_at(buf, n, &at, fl_bstatus_format_req(buf + at, n - at, &s->reqs[i])) != 0)
			goto full;
	for (i = 0; i < s->nparts; i++)
		if (line_at(buf, n, &at, fl_bstatus_format_part(buf + at, n - at,
		    &s->parts[i])) != 0)
			goto full;
	if (line_at(buf, n, &at, snprintf(buf + at, n - at, "ok")) != 0)
		goto full;
	return at > INT32_MAX ? FL_ERANGE : (int)at;
full:
	buf[0] = '\0';
	return FL_ERANGE;
}
