/*
 * nodeset.h: a small set of node ids (a partition's replicas, its ISR):
 * ascending, no duplicates, at most FL_REPL_REPLICAS_MAX; written "1,2,3"
 * (and "-" for the empty set) in admin lines and files.
 * Layer: codec (pure, no allocation).
 */
#ifndef FL_NODESET_H
#define FL_NODESET_H

#include <stddef.h>
#include <stdint.h>

#define FL_REPL_REPLICAS_MAX 16

/* A set of node ids, ascending, no duplicates. */
struct fl_nodeset {
	int32_t id[FL_REPL_REPLICAS_MAX];
	size_t n;
};
int fl_nodeset_has(const struct fl_nodeset *s, int32_t id);
/* Parse "1,2,3" (any order; duplicates, bad numbers, >FL_REPL_REPLICAS_MAX: FL_EINVAL). */
int fl_nodeset_parse(struct fl_nodeset *s, const char *text);
/* "1,2,3" into buf[n] ("-" for the empty set); 0 or FL_ERANGE. */
int fl_nodeset_format(const struct fl_nodeset *s, char *buf, size_t n);
int fl_nodeset_add(struct fl_nodeset *s, int32_t id);
void fl_nodeset_remove(struct fl_nodeset *s, int32_t id);
int fl_nodeset_equal(const struct fl_nodeset *a, const struct fl_nodeset *b);

#endif
