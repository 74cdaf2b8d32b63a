/*
 * arena.c: one calloc per array, not a bump allocator: a decode holds a
 * handful of arrays, and separate blocks let ASan catch an overrun of any
 * one of them.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/err.h"

struct fl_arena_blk {
	struct fl_arena_blk *next;
	max_align_t data[];		/* the caller's bytes, aligned for anything */
};

void
fl_arena_init(struct fl_arena *a, size_t bytes_max)
{
	a->head = NULL;
	a->bytes = 0;
	a->bytes_max = bytes_max;
}

void
fl_arena_free(struct fl_arena *a)
{
	struct fl_arena_blk *b = a->head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->bytes = 0;
}

void *
fl_arena_alloc(struct fl_arena *a, size_t nmemb, size_t size, int *rc)
{
	struct fl_arena_blk *b;
	size_t n;

	*rc = 0;
	if (nmemb == 0 || size == 0)
		return NULL;
	if (nmemb > (SIZE_MAX - sizeof(*b)) / size) {
		*rc = FL_ERANGE;
		return NULL;
	}
	n = nmemb * size;
	/* written so that neither side can wrap, whatever bytes_max is */
	if (n > a->bytes_max || a->bytes > a->bytes_max - n) {
		*rc = FL_EFULL;
		return NULL;
	}
	b = calloc(1, sizeof(*b) + n);
	if (b == NULL) {
		*rc = FL_ENOMEM;
		return NULL;
	}
	b->next = a->head;
	a->head = b;
	a->bytes += n;
	return b->data;
}
