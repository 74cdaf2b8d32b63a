/* topics.c: topic names, partition directory names, the topics file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/topics.h"

#define TOPICS_HEADER "flume-topics 1\n"

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
	l->n++;
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
	char line[FL_TOPIC_NAME_MAX + 32];
	size_t i;

	fl_wr_raw(w, TOPICS_HEADER, strlen(TOPICS_HEADER));
	for (i = 0; i < l->n; i++) {
		int k = snprintf(line, sizeof(line), "%s %d\n", l->t[i].name,
		    (int)l->t[i].partitions);

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

	if (n < hl || memcmp(s, TOPICS_HEADER, hl) != 0)
		return FL_ECORRUPT;
	s += hl;
	while (s < end) {
		char name[FL_TOPIC_NAME_MAX + 1];
		const char *sp, *q;
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
		for (q = sp + 1; q < nl_at; q++) {
			if (*q < '0' || *q > '9' || parts > FL_TOPIC_PARTITIONS_MAX)
				goto bad;
			parts = parts * 10 + (*q - '0');
		}
		rc = fl_topic_list_add(&nl, name, (int32_t)(parts > FL_TOPIC_PARTITIONS_MAX ?
		    0 : parts));
		if (rc == FL_ENOMEM) {
			fl_topic_list_free(&nl);
			return rc;
		}
		if (rc != 0)
			goto bad;
		s = nl_at + 1;
	}
	fl_topic_list_free(l);
	*l = nl;
	return 0;
bad:
	fl_topic_list_free(&nl);
	return FL_ECORRUPT;
}
