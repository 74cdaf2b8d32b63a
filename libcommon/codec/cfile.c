/*
 * cfile.c: the cluster file, parsed (cfile.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/cfile.h"
#include "codec/conf.h"

void
fl_cfile_free(struct fl_cfile *f)
{
	free(f->nodes);
	f->nodes = NULL;
	f->n = 0;
}

static int
bad(char *why, size_t whyn, size_t line, const char *what)
{
	snprintf(why, whyn, "line %zu: %s", line, what);
	return FL_EINVAL;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* The next blank-separated word of *p into w[wn]; 0, or -1 if none / too long. */
static int
word(const char **p, char *w, size_t wn)
{
	const char *s = *p;
	size_t k = 0;

	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return -1;
	while (*s != '\0' && !is_blank(*s)) {
		if (k + 1 >= wn)
			return -1;
		w[k++] = *s++;
	}
	w[k] = '\0';
	*p = s;
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	const struct fl_cfile_node *x = a, *y = b;

	return (x->b.id > y->b.id) - (x->b.id < y->b.id);
}

static int
parse_line(struct fl_cfile_node *nd, const char *s, size_t lineno, char *why, size_t whyn)
{
	char w[FL_CFILE_ADMIN_MAX], host[FL_CMETA_HOST_MAX + 1];
	uint64_t id;
	uint16_t port;

	if (word(&s, w, sizeof(w)) != 0 || strcmp(w, "node") != 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "unknown field '%.64s' (lines are: node ID HOST:PORT ADMIN)",
		    w);
		return bad(why, whyn, lineno, msg);
	}
	memset(nd, 0, sizeof(*nd));
	if (word(&s, w, sizeof(w)) != 0 || fl_conf_u64(w, 0, INT32_MAX, 0, &id) != 0)
		return bad(why, whyn, lineno, "ID must be a node id 0..2147483647");
	nd->b.id = (int32_t)id;
	if (word(&s, w, sizeof(w)) != 0 || fl_conf_hostport(w, host, sizeof(host), &port) != 0 ||
	    host[0] == '\0' || port == 0)
		return bad(why, whyn, lineno, "want the node's Kafka address as HOST:PORT");
	memcpy(nd->b.host, host, sizeof(host));
	nd->b.port = port;
	while (is_blank(*s))
		s++;
	if (strncmp(s, "exec:", 5) == 0) {
		size_t len;

		s += 5;
		while (is_blank(*s))
			s++;
		len = strlen(s);
		while (len > 0 && is_blank(s[len - 1]))
			len--;
		if (len == 0)
			return bad(why, whyn, lineno, "exec: needs a command");
		if (len >= sizeof(nd->admin))
			return bad(why, whyn, lineno, "the command is too long");
		memcpy(nd->admin, s, len);
		nd->admin[len] = '\0';
		nd->is_exec = 1;
		return 0;
	}
	if (word(&s, nd->admin, sizeof(nd->admin)) != 0)
		return bad(why, whyn, lineno, "want ADMIN: a socket path or exec:COMMAND");
	if (word(&s, w, sizeof(w)) == 0)
		return bad(why, whyn, lineno, "a field too many (a socket path has no blanks)");
	return 0;
}

int
fl_cfile_parse(struct fl_cfile *f, const char *text, size_t n, char *why, size_t whyn)
{
	struct fl_cfile out = { NULL, 0 };
	size_t pos = 0, lineno = 0, cap = 0, i;
	char line[FL_CFILE_ADMIN_MAX + 512];
	int rc;

	while (pos < n) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t len = nl != NULL ? (size_t)(nl - (text + pos)) : n - pos;
		const char *s;

		lineno++;
		if (len >= sizeof(line)) {
			rc = bad(why, whyn, lineno, "line too long");
			goto fail;
		}
		if (memchr(text + pos, '\0', len) != NULL) {
			rc = bad(why, whyn, lineno, "a NUL byte");
			goto fail;
		}
		memcpy(line, text + pos, len);
		line[len] = '\0';
		pos += len + (nl != NULL);
		for (s = line; is_blank(*s); s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (out.n == FL_CFILE_NODES_MAX) {
			rc = bad(why, whyn, lineno, "too many nodes");
			goto fail;
		}
		if (out.n == cap) {
			void *nn;

			cap = cap ? cap * 2 : 8;
			if ((nn = realloc(out.nodes, cap * sizeof(*out.nodes))) == NULL) {
				rc = FL_ENOMEM;
				snprintf(why, whyn, "out of memory");
				goto fail;
			}
			out.nodes = nn;
		}
		if ((rc = parse_line(&out.nodes[out.n], s, lineno, why, whyn)) != 0)
			goto fail;
		for (i = 0; i < out.n; i++) {
			const struct fl_cfile_node *a = &out.nodes[i], *b = &out.nodes[out.n];

			if (a->b.id == b->b.id) {
				rc = bad(why, whyn, lineno, "this node id is named twice");
				goto fail;
			}
			if (a->b.port == b->b.port && strcmp(a->b.host, b->b.host) == 0) {
				rc = bad(why, whyn, lineno, "this Kafka address is named twice");
				goto fail;
			}
		}
		out.n++;
	}
	if (out.n == 0) {
		snprintf(why, whyn, "no node lines");
		rc = FL_EINVAL;
		goto fail;
	}
	qsort(out.nodes, out.n, sizeof(*out.nodes), by_id);
	fl_cfile_free(f);
	*f = out;
	return 0;
fail:
	fl_cfile_free(&out);
	return rc;
}

const struct fl_cfile_node *
fl_cfile_node(const struct fl_cfile *f, int32_t id)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->nodes[i].b.id == id)
			return &f->nodes[i];
	return NULL;
}
