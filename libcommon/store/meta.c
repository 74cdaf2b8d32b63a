/* meta.c: the data directory's identity file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/meta.h"

/* A decimal number in [0, max] spanning exactly [p, end). */
static int
number(const char *p, const char *end, long long max, long long *v)
{
	long long x = 0;

	if (p == end || end - p > 19)
		return FL_ECORRUPT;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return FL_ECORRUPT;
		x = x * 10 + (*p - '0');
		if (x > max)
			return FL_ECORRUPT;
	}
	*v = x;
	return 0;
}

int
fl_meta_decode(struct fl_meta *m, const uint8_t *data, size_t n)
{
	const char *p = (const char *)data, *end = p + n;
	int seen_format = 0, seen_node = 0, seen_cluster = 0;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		long long v;
		size_t len;

		if (nl == NULL)
			return FL_ECORRUPT;	/* every line ends with \n */
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == NULL)
			return FL_ECORRUPT;
		len = (size_t)(sp - p);
		if (len == 6 && memcmp(p, "format", 6) == 0 && !seen_format) {
			if (number(sp + 1, nl, 1000000, &v) != 0)
				return FL_ECORRUPT;
			if (v > FL_META_FORMAT)
				return FL_ERANGE;
			if (v < 1)
				return FL_ECORRUPT;
			m->format = (int)v;
			seen_format = 1;
		} else if (len == 4 && memcmp(p, "node", 4) == 0 && !seen_node) {
			if (number(sp + 1, nl, INT32_MAX, &v) != 0)
				return FL_ECORRUPT;
			m->node_id = (int32_t)v;
			seen_node = 1;
		} else if (len == 7 && memcmp(p, "cluster", 7) == 0 && !seen_cluster) {
			size_t idlen = (size_t)(nl - sp - 1), i;

			if (idlen == 0 || idlen > FL_META_CLUSTER_ID_MAX)
				return FL_ECORRUPT;
			for (i = 0; i < idlen; i++) {
				char ch = sp[1 + i];

				if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
				    (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'))
					return FL_ECORRUPT;
			}
			memcpy(m->cluster_id, sp + 1, idlen);
			m->cluster_id[idlen] = '\0';
			seen_cluster = 1;
		} else {
			return FL_ECORRUPT;
		}
		p = nl + 1;
	}
	return seen_format && seen_node && seen_cluster ? 0 : FL_ECORRUPT;
}

int
fl_meta_load(struct fl_vfs *v, const char *dir, struct fl_meta *m, struct fl_err *err)
{
	uint8_t *data;
	size_t len;
	int rc = fl_durable_read(v, dir, FL_META_FILE, &data, &len);

	if (rc == FL_ENOENT)
		return rc;
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_META_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	rc = fl_meta_decode(m, data, len);
	free(data);
	if (rc == FL_ERANGE)
		return fl_err_set(err, rc, "%s/%s: written by a newer flume (format above %d)",
		    dir, FL_META_FILE, FL_META_FORMAT);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: unrecognised content", dir, FL_META_FILE);
	return 0;
}

int
fl_meta_store(struct fl_vfs *v, const char *dir, const struct fl_meta *m, struct fl_err *err)
{
	char text[256];
	int k = snprintf(text, sizeof(text), "format %d\nnode %d\ncluster %s\n",
	    FL_META_FORMAT, (int)m->node_id, m->cluster_id);
	int rc;

	if (k < 0 || (size_t)k >= sizeof(text))
		return fl_err_set(err, FL_ERANGE, "%s/%s: cluster id too long", dir, FL_META_FILE);
	rc = fl_durable_write(v, dir, FL_META_FILE, text, (size_t)k);
	if (rc != 0)
		return fl_err_set(err, rc, "write %s/%s: %s", dir, FL_META_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	return 0;
}
