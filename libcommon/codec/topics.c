/* topics.c: topic names, partition directory names, the topics file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/topics.h"

#define TOPICS_HEADER "flume-topics 1\n"
#define TOPICS_HEADER_2 "flume-topics 2\n"

static int
name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
fl_topic_name_ok(const void *name, size_t len)
{
	const unsigned char *p = name;
	size_t i;

	if (len == 0 || len > FL_TOPIC_NAME_MAX)
		return 0;
	if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char_ok(p[i]))
			return 0;
	return 1;
}

int
fl_topic_dir_name(char *buf, size_t n, const char *topic, int32_t part)
{
	int k = snprintf(buf, n, "%s-%d", topic, (int)part);

	return k < 0 || (size_t)k >= n ? FL_ERANGE : 0;
}

int
fl_topic_dir_parse(const char *name, char *topic, size_t topic_n, int32_t *part)
{
	const char *dash = strrchr(name, '-'), *p;
	long v = 0;

	if (dash == NULL || dash == name || dash[1] == '\0')
		return FL_EINVAL;
	for (p = dash + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > FL_TOPIC_PARTITIONS_MAX)
			return FL_EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v >= FL_TOPIC_PARTITIONS_MAX || (size_t)(dash - name) >= topic_n ||
	    !fl_topic_name_ok(name, (size_t)(dash - name)))
		return FL_EINVAL;
	memcpy(topic, name, (size_t)(dash - name));
	topic[dash - name] = '\0';
	*part = (int32_t)v;
	return 0;
}

void
fl_topic_list_free(struct fl_topic_list *l)
{
	free(l->t);
	l->t = NULL;
	l->n = l->cap = 0;
}

static size_t
search(const struct fl_topic_list *l, const char *name, int *found)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->t[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < l->n && strcmp(l->t[lo].name, name) == 0;
	return lo;
}

long
fl_topic_list_find(const struct fl_topic_list *l, const char *name)
{
	int found;
	size_t i = search(l, name, &found);

	return found ? (long)i : -1;
}

int
fl_topic_list_add(struct fl_topic_list *l, const char *name, int32_t partitions)
{
	int found;
	size_t i;

	if (!fl_topic_name_ok(name, strlen(name)) || partitions < 1 ||
	    partitions > FL_TOPIC_PARTITIONS_MAX)
		return FL_EINVAL;
	i = search(l, name, &found);
	if (found)
		return FL_EEXIST;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct fl_topic_ent *nt = realloc(l->t, cap * sizeof(*nt));

		if (nt == NULL)
			return FL_ENOMEM;
		l->t = nt;
		l->cap = cap;
	}
	memmove(&l->t[i + 1], &l->t[i], (l->n - i) * sizeof(l->t[0]));
	snprintf(l->t[i].name, sizeof(l->t[i].name), "%s", name);
	l->t[i].partitions = partitions;
	memset(&l->t[i].conf, 0, sizeof(l->t[i].conf));
	l->n++;
	return 0;
}

/* ---- per-topic configs ---- */

static const struct {
	const char *key;
	unsigned bit;
	int64_t min, max;
} tconf_keys[] = {
	{ "min.insync.replicas", FL_TCONF_MIN_INSYNC, 1, 32767 },
	{ "replica.lag.time.max.ms", FL_TCONF_LAG_MAX_MS, 1, INT32_MAX },
	{ "retention.ms", FL_TCONF_RETENTION_MS, -1, INT64_MAX },
	{ "retention.bytes", FL_TCONF_RETENTION_BYTES, -1, INT64_MAX },
};
#define NTCONF (sizeof(tconf_keys) / sizeof(tconf_keys[0]))

static int64_t *
tconf_field(struct fl_topic_conf *c, unsigned bit, int32_t **i32)
{
	*i32 = NULL;
	switch (bit) {
	case FL_TCONF_MIN_INSYNC: *i32 = &c->min_insync; return NULL;
	case FL_TCONF_LAG_MAX_MS: return &c->lag_max_ms;
	case FL_TCONF_RETENTION_MS: return &c->retention_ms;
	default: return &c->retention_bytes;
	}
}

/* A decimal integer (optional '-') in [min, max], exactly vlen bytes. */
static int
parse_i64(const char *v, size_t vlen, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t x = 0;

	if (vlen > 0 && v[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == vlen || vlen - i > 19)
		return FL_EINVAL;
	for (; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return FL_EINVAL;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return FL_EINVAL;
	*out = neg ? -(int64_t)x : (int64_t)x;
	return *out < min || *out > max ? FL_EINVAL : 0;
}

int
fl_topic_conf_set(struct fl_topic_conf *c, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	size_t i;

	for (i = 0; i < NTCONF; i++) {
		int32_t *i32;
		int64_t v, *f;

		if (strlen(tconf_keys[i].key) != klen || memcmp(tconf_keys[i].key, key, klen) != 0)
			continue;
		if (parse_i64(value, vlen, tconf_keys[i].min, tconf_keys[i].max, &v) != 0)
			return FL_EINVAL;
		f = tconf_field(c, tconf_keys[i].bit, &i32);
		if (i32 != NULL)
			*i32 = (int32_t)v;
		else
			*f = v;
		c->set |= tconf_keys[i].bit;
		return 0;
	}
	return FL_ENOENT;
}

int
fl_topic_conf_unset(struct fl_topic_conf *c, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < NTCONF; i++)
		if (strlen(tconf_keys[i].key) == klen && memcmp(tconf_keys[i].key, key, klen) == 0) {
			c->set &= ~tconf_keys[i].bit;
			return 0;
		}
	return FL_ENOENT;
}

void
fl_topic_conf_format(const struct fl_topic_conf *c, char *buf, size_t n)
{
	struct fl_topic_conf tmp = *c;
	size_t i, at = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < NTCONF; i++) {
		int32_t *i32;
		int64_t *f;
		int k;

		if (!(c->set & tconf_keys[i].bit))
			continue;
		f = tconf_field(&tmp, tconf_keys[i].bit, &i32);
		k = snprintf(buf + at, n - at, "%s%s=%lld", at ? " " : "", tconf_keys[i].key,
		    i32 != NULL ? (long long)*i32 : (long long)*f);
		if (k < 0 || (size_t)k >= n - at)
			return;
		at += (size_t)k;
	}
}

void
fl_topic_conf_merge(struct fl_topic_conf *dst, const struct fl_topic_conf *src)
{
	if (src->set & FL_TCONF_MIN_INSYNC)
		dst->min_insync = src->min_insync;
	if (src->set & FL_TCONF_LAG_MAX_MS)
		dst->lag_max_ms = src->lag_max_ms;
	if (src->set & FL_TCONF_RETENTION_MS)
		dst->retention_ms = src->retention_ms;
	if (src->set & FL_TCONF_RETENTION_BYTES)
		dst->retention_bytes = src->retention_bytes;
	dst->set |= src->set;
}

int
fl_topic_list_set_conf(struct fl_topic_list *l, const char *name,
    const struct fl_topic_conf *conf)
{
	int found;
	size_t i = search(l, name, &found);

	if (!found)
		return FL_ENOENT;
	l->t[i].conf = *conf;
	return 0;
}

int
fl_topic_list_remove(struct fl_topic_list *l, const char *name)
{
	int found;
	size_t i = search(l, name, &found);

	if (!found)
		return FL_ENOENT;
	memmove(&l->t[i], &l->t[i + 1], (l->n - i - 1) * sizeof(l->t[0]));
	l->n--;
	return 0;
}

int
fl_topic_list_encode(const struct fl_topic_list *l, struct fl_wr *w)
{
	char line[FL_TOPIC_NAME_MAX + 32 + FL_TOPIC_CONF_TEXT_MAX];
	size_t i;
	int v2 = 0;

	for (i = 0; i < l->n; i++)
		v2 |= l->t[i].conf.set != 0;
	/* version 1 while no topic has configs: an older flume still reads it */
	fl_wr_raw(w, v2 ? TOPICS_HEADER_2 : TOPICS_HEADER, strlen(TOPICS_HEADER));
	for (i = 0; i < l->n; i++) {
		char conf[FL_TOPIC_CONF_TEXT_MAX];
		int k;

		fl_topic_conf_format(&l->t[i].conf, conf, sizeof(conf));
		k = snprintf(line, sizeof(line), "%s %d%s%s\n", l->t[i].name,
		    (int)l->t[i].partitions, conf[0] ? " " : "", conf);
		fl_wr_raw(w, line, (size_t)k);
	}
	return w->err;
}

int
fl_topic_list_decode(struct fl_topic_list *l, const uint8_t *p, size_t n)
{
	struct fl_topic_list nl = { 0 };
	const char *s = (const char *)p, *end = s + n, *nl_at;
	size_t hl = strlen(TOPICS_HEADER);
	int rc;

	int v2;

	if (n >= hl && memcmp(s, TOPICS_HEADER_2, hl) == 0)
		v2 = 1;
	else if (n >= hl && memcmp(s, TOPICS_HEADER, hl) == 0)
		v2 = 0;
	else
		return FL_ECORRUPT;
	s += hl;
	while (s < end) {
		char name[FL_TOPIC_NAME_MAX + 1];
		struct fl_topic_conf conf;
		const char *sp, *q, *num_end;
		long parts = 0;

		nl_at = memchr(s, '\n', (size_t)(end - s));
		if (nl_at == NULL)
			goto bad;
		sp = memchr(s, ' ', (size_t)(nl_at - s));
		if (sp == NULL || sp == s || (size_t)(sp - s) > FL_TOPIC_NAME_MAX ||
		    sp + 1 == nl_at)
			goto bad;
		memcpy(name, s, (size_t)(sp - s));
		name[sp - s] = '\0';
		num_end = v2 ? memchr(sp + 1, ' ', (size_t)(nl_at - sp - 1)) : NULL;
		if (num_end == NULL)
			num_end = nl_at;
		if (num_end == sp + 1)
			goto bad;
		for (q = sp + 1; q < num_end; q++) {
			if (*q < '0' || *q > '9' || parts > FL_TOPIC_PARTITIONS_MAX)
				goto bad;
			parts = parts * 10 + (*q - '0');
		}
		memset(&conf, 0, sizeof(conf));
		for (q = num_end; q < nl_at;) {
			/* " KEY=VALUE", each key once */
			const char *kv = q + 1, *kv_end = memchr(kv, ' ', (size_t)(nl_at - kv)),
			    *eq;
			struct fl_topic_conf one;

			if (kv_end == NULL)
				kv_end = nl_at;
			eq = memchr(kv, '=', (size_t)(kv_end - kv));
			memset(&one, 0, sizeof(one));
			if (eq == NULL || fl_topic_conf_set(&one, kv, (size_t)(eq - kv), eq + 1,
			    (size_t)(kv_end - eq - 1)) != 0 || (conf.set & one.set) != 0)
				goto bad;
			fl_topic_conf_merge(&conf, &one);
			q = kv_end;
		}
		rc = fl_topic_list_add(&nl, name, (int32_t)(parts > FL_TOPIC_PARTITIONS_MAX ?
		    0 : parts));
		if (rc == FL_ENOMEM) {
			fl_topic_list_free(&nl);
			return rc;
		}
		if (rc != 0)
			goto bad;
		(void)fl_topic_list_set_conf(&nl, name, &conf);
		s = nl_at + 1;
	}
	fl_topic_list_free(l);
	*l = nl;
	return 0;
bad:
	fl_topic_list_free(&nl);
	return FL_ECORRUPT;
}
