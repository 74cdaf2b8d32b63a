/* cmeta.c: the cluster.meta file: brokers and this node's partition roles. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/cmeta.h"

void
fl_cmeta_free(struct fl_cmeta *m)
{
	free(m->brokers);
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

int
fl_cmeta_copy(struct fl_cmeta *dst, const struct fl_cmeta *src)
{
	struct fl_cmeta c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.controller_epoch = src->controller_epoch;
	if (src->nbrokers > 0 && fl_cmeta_set_brokers(&c, src->brokers, src->nbrokers) != 0)
		return FL_ENOMEM;
	for (i = 0; i < src->nparts; i++)
		if (fl_cmeta_put(&c, &src->parts[i]) != 0) {
			fl_cmeta_free(&c);
			return FL_ENOMEM;
		}
	fl_cmeta_free(dst);
	*dst = c;
	return 0;
}

const char *
fl_role_name(enum fl_role r)
{
	switch (r) {
	case FL_ROLE_LEADER: return "leader";
	case FL_ROLE_FOLLOWER: return "follower";
	case FL_ROLE_OFFLINE: return "offline";
	}
	return "?";
}

static int
role_parse(const char *s, enum fl_role *r)
{
	if (strcmp(s, "leader") == 0)
		*r = FL_ROLE_LEADER;
	else if (strcmp(s, "follower") == 0)
		*r = FL_ROLE_FOLLOWER;
	else if (strcmp(s, "offline") == 0)
		*r = FL_ROLE_OFFLINE;
	else
		return FL_EINVAL;
	return 0;
}

/* A decimal in [min, max] that is the whole of s. */
static int
num(const char *s, long long min, long long max, long long *v)
{
	long long x = 0;
	int neg = 0;
	const char *p = s;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '\0' || strlen(p) > 19)
		return FL_EINVAL;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return FL_EINVAL;
		x = x * 10 + (*p - '0');
	}
	if (neg)
		x = -x;
	if (x < min || x > max)
		return FL_EINVAL;
	*v = x;
	return 0;
}

int
fl_cmeta_broker_parse(struct fl_cmeta_broker *b, const char *text)
{
	const char *eq = strchr(text, '='), *colon;
	char id[16];
	long long v;
	size_t hl;

	memset(b, 0, sizeof(*b));
	if (eq == NULL || (size_t)(eq - text) >= sizeof(id))
		return FL_EINVAL;
	memcpy(id, text, (size_t)(eq - text));
	id[eq - text] = '\0';
	if (num(id, 0, INT32_MAX, &v) != 0)
		return FL_EINVAL;
	b->id = (int32_t)v;
	colon = strrchr(eq + 1, ':');
	if (colon == NULL || colon == eq + 1)
		return FL_EINVAL;
	hl = (size_t)(colon - eq - 1);
	if (hl > FL_CMETA_HOST_MAX || memchr(eq + 1, ' ', hl) != NULL ||
	    memchr(eq + 1, '\t', hl) != NULL)
		return FL_EINVAL;
	memcpy(b->host, eq + 1, hl);
	b->host[hl] = '\0';
	if (num(colon + 1, 1, 65535, &v) != 0)
		return FL_EINVAL;
	b->port = (uint16_t)v;
	return 0;
}

int
fl_cmeta_ctl_epoch_cmp(const struct fl_cmeta *m, int64_t epoch)
{
	return (epoch > m->controller_epoch) - (epoch < m->controller_epoch);
}

static int
cmp_broker(const void *a, const void *b)
{
	const struct fl_cmeta_broker *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int
fl_cmeta_set_brokers(struct fl_cmeta *m, const struct fl_cmeta_broker *b, size_t n)
{
	struct fl_cmeta_broker *nb;
	size_t i;

	if (n > FL_CMETA_BROKERS_MAX)
		return FL_EINVAL;
	nb = n ? malloc(n * sizeof(*nb)) : NULL;
	if (n && nb == NULL)
		return FL_ENOMEM;
	if (n)
		memcpy(nb, b, n * sizeof(*nb));
	qsort(nb, n, sizeof(*nb), cmp_broker);
	for (i = 1; i < n; i++)
		if (nb[i].id == nb[i - 1].id) {
			free(nb);
			return FL_EINVAL;
		}
	free(m->brokers);
	m->brokers = nb;
	m->nbrokers = n;
	return 0;
}

const struct fl_cmeta_broker *
fl_cmeta_broker(const struct fl_cmeta *m, int32_t id)
{
	size_t i;

	for (i = 0; i < m->nbrokers; i++)
		if (m->brokers[i].id == id)
			return &m->brokers[i];
	return NULL;
}

static int
cmp_part(const char *t, int32_t p, const struct fl_cmeta_part *e)
{
	int c = strcmp(t, e->topic);

	return c != 0 ? c : (p > e->partition) - (p < e->partition);
}

static size_t
part_pos(const struct fl_cmeta *m, const char *topic, int32_t partition, int *found)
{
	size_t lo = 0, hi = m->nparts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_part(topic, partition, &m->parts[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->nparts && cmp_part(topic, partition, &m->parts[lo]) == 0;
	return lo;
}

struct fl_cmeta_part *
fl_cmeta_find(struct fl_cmeta *m, const char *topic, int32_t partition)
{
	int found;
	size_t i = part_pos(m, topic, partition, &found);

	return found ? &m->parts[i] : NULL;
}

int
fl_cmeta_check_advance(const struct fl_cmeta *prev, const struct fl_cmeta *next,
    char *why, size_t n)
{
	size_t i;

	if (next->controller_epoch < prev->controller_epoch) {
		snprintf(why, n, "the controller epoch would go back from %lld to %lld",
		    (long long)prev->controller_epoch, (long long)next->controller_epoch);
		return FL_ERANGE;
	}
	for (i = 0; i < prev->nparts; i++) {
		const struct fl_cmeta_part *a = &prev->parts[i];
		const struct fl_cmeta_part *b = fl_cmeta_find((struct fl_cmeta *)(uintptr_t)next,
		    a->topic, a->partition);

		if (b == NULL)
			continue;
		if (b->epoch < a->epoch) {
			snprintf(why, n, "%s-%d: the leader epoch would go back from %d to %d",
			    a->topic, (int)a->partition, (int)a->epoch, (int)b->epoch);
			return FL_ERANGE;
		}
		if (b->epoch == a->epoch && b->leader != a->leader && a->leader >= 0) {
			snprintf(why, n, "%s-%d: epoch %d already has leader %d, not %d",
			    a->topic, (int)a->partition, (int)a->epoch, (int)a->leader,
			    (int)b->leader);
			return FL_ERANGE;
		}
	}
	if (n > 0)
		why[0] = '\0';
	return 0;
}

int
fl_cmeta_put(struct fl_cmeta *m, const struct fl_cmeta_part *p)
{
	int found;
	size_t i = part_pos(m, p->topic, p->partition, &found);

	if (found) {
		m->parts[i] = *p;
		return 0;
	}
	if (m->nparts == m->parts_cap) {
		size_t cap = m->parts_cap ? m->parts_cap * 2 : 16;
		struct fl_cmeta_part *np = realloc(m->parts, cap * sizeof(*np));

		if (np == NULL)
			return FL_ENOMEM;
		m->parts = np;
		m->parts_cap = cap;
	}
	memmove(&m->parts[i + 1], &m->parts[i], (m->nparts - i) * sizeof(*m->parts));
	m->parts[i] = *p;
	m->nparts++;
	return 0;
}

void
fl_cmeta_drop_topic(struct fl_cmeta *m, const char *topic)
{
	size_t i, k = 0;

	for (i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].topic, topic) != 0)
			m->parts[k++] = m->parts[i];
	m->nparts = k;
}

int
fl_cmeta_encode(const struct fl_cmeta *m, struct fl_wr *w)
{
	char line[1024], r[256], isr[256];
	size_t i;
	int k;

	k = snprintf(line, sizeof(line), "flume-cluster %d\ncontroller-epoch %lld\n",
	    FL_CMETA_FORMAT, (long long)m->controller_epoch);
	fl_wr_raw(w, line, (size_t)k);
	for (i = 0; i < m->nbrokers; i++) {
		k = snprintf(line, sizeof(line), "broker %d %s:%u\n", (int)m->brokers[i].id,
		    m->brokers[i].host, (unsigned)m->brokers[i].port);
		if (k < 0 || (size_t)k >= sizeof(line))
			return FL_ERANGE;
		fl_wr_raw(w, line, (size_t)k);
	}
	for (i = 0; i < m->nparts; i++) {
		const struct fl_cmeta_part *p = &m->parts[i];

		if (fl_nodeset_format(&p->replicas, r, sizeof(r)) != 0 ||
		    fl_nodeset_format(&p->isr, isr, sizeof(isr)) != 0)
			return FL_ERANGE;
		k = snprintf(line, sizeof(line), "partition %s %d %d %s %d %s %s\n", p->topic,
		    (int)p->partition, (int)p->epoch, fl_role_name(p->role), (int)p->leader,
		    r, isr);
		if (k < 0 || (size_t)k >= sizeof(line))
			return FL_ERANGE;
		fl_wr_raw(w, line, (size_t)k);
	}
	return w->err;
}

#define FIELDS_MAX 10

/* Split a line (NUL-terminated, modified) at single spaces. */
static int
split(char *line, char **f)
{
	int n = 0;
	char *p = line;

	for (;;) {
		if (n == FIELDS_MAX || *p == '\0' || *p == ' ')
			return -1;	/* too many, or an empty field */
		f[n++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			return n;
		*p++ = '\0';
	}
}

static int
decode_line(struct fl_cmeta *m, char *line, int *seen_epoch)
{
	char *f[FIELDS_MAX];
	int n = split(line, f);
	long long v;

	if (n < 0)
		return FL_ECORRUPT;
	if (strcmp(f[0], "controller-epoch") == 0 && n == 2 && !*seen_epoch) {
		if (num(f[1], 0, INT64_MAX / 2, &v) != 0)
			return FL_ECORRUPT;
		m->controller_epoch = v;
		*seen_epoch = 1;
		return 0;
	}
	if (strcmp(f[0], "broker") == 0 && n == 3) {
		char text[FL_CMETA_HOST_MAX + 32];
		struct fl_cmeta_broker b, *nb;

		if (snprintf(text, sizeof(text), "%s=%s", f[1], f[2]) >= (int)sizeof(text) ||
		    fl_cmeta_broker_parse(&b, text) != 0 || fl_cmeta_broker(m, b.id) != NULL ||
		    (m->nbrokers > 0 && m->brokers[m->nbrokers - 1].id > b.id) ||
		    m->nbrokers == FL_CMETA_BROKERS_MAX)
			return FL_ECORRUPT;
		nb = realloc(m->brokers, (m->nbrokers + 1) * sizeof(*nb));
		if (nb == NULL)
			return FL_ENOMEM;
		m->brokers = nb;
		m->brokers[m->nbrokers++] = b;
		return 0;
	}
	if (strcmp(f[0], "partition") == 0 && n == 8) {
		struct fl_cmeta_part p;

		memset(&p, 0, sizeof(p));
		if (!fl_topic_name_ok(f[1], strlen(f[1])) ||
		    snprintf(p.topic, sizeof(p.topic), "%s", f[1]) >= (int)sizeof(p.topic) ||
		    num(f[2], 0, FL_TOPIC_PARTITIONS_MAX - 1, &v) != 0)
			return FL_ECORRUPT;
		p.partition = (int32_t)v;
		if (num(f[3], 0, INT32_MAX, &v) != 0)
			return FL_ECORRUPT;
		p.epoch = (int32_t)v;
		if (role_parse(f[4], &p.role) != 0 || num(f[5], -1, INT32_MAX, &v) != 0)
			return FL_ECORRUPT;
		p.leader = (int32_t)v;
		if (fl_nodeset_parse(&p.replicas, f[6]) != 0 || fl_nodeset_parse(&p.isr, f[7]) != 0)
			return FL_ECORRUPT;
		if (fl_cmeta_find(m, p.topic, p.partition) != NULL)
			return FL_ECORRUPT;
		return fl_cmeta_put(m, &p);
	}
	return FL_ECORRUPT;
}

int
fl_cmeta_decode(struct fl_cmeta *out, const uint8_t *data, size_t n)
{
	struct fl_cmeta m;
	const char *p = (const char *)data, *end = p + n;
	char line[1024];
	int first = 1, seen_epoch = 0, rc = 0;

	memset(&m, 0, sizeof(m));
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (nl == NULL || (len = (size_t)(nl - p)) >= sizeof(line)) {
			rc = FL_ECORRUPT;
			break;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if (first) {
			long long v;

			first = 0;
			if (strncmp(line, "flume-cluster ", 14) != 0 ||
			    num(line + 14, 1, 1000000, &v) != 0)
				rc = FL_ECORRUPT;
			else if (v > FL_CMETA_FORMAT)
				rc = FL_ERANGE;
			continue;
		}
		rc = decode_line(&m, line, &seen_epoch);
	}
	if (rc == 0 && first)
		rc = FL_ECORRUPT;
	if (rc != 0) {
		fl_cmeta_free(&m);
		return rc;
	}
	fl_cmeta_free(out);
	*out = m;
	return 0;
}
