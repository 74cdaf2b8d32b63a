/*
 * arena.h: a capped allocator for the arrays one decode produces (a Kafka
 * request in kproto, a response in kclient), freed all at once.
 *
 * Why a cap: array counts come off the network.  Decoders check each count
 * against the bytes present before allocating, but nested arrays each
 * reserve against the same bytes, so the arena adds a hard ceiling that a
 * hostile frame cannot talk its way past.
 *
 * Ownership: struct fl_arena is caller storage and owns every block it
 * hands out; pointers from fl_arena_alloc() stay valid until
 * fl_arena_free().  fl_arena_init()/fl_arena_free() pair up; freeing a
 * zeroed or already freed arena is a no-op, and a freed arena is empty and
 * usable again with the same cap.  A zeroed arena has a cap of 0 bytes:
 * every allocation fails until fl_arena_init() sets one.
 *
 * Errors: fl_arena_alloc() returns NULL with *rc = FL_EFULL (past the cap),
 * FL_ERANGE (nmemb * size overflows) or FL_ENOMEM (malloc failed).
 * Layer: base.  Pure apart from calloc/free; not thread-safe per arena.
 */
#ifndef FL_ARENA_H
#define FL_ARENA_H

#include <stddef.h>

struct fl_arena_blk;
struct fl_arena {
	struct fl_arena_blk *head;	/* owned: blocks, newest first */
	size_t bytes;			/* handed out so far (payload bytes) */
	size_t bytes_max;		/* hard limit on bytes; callers may raise it */
};

/* Static initializer with a cap: struct fl_arena a = FL_ARENA_INIT(n); */
#define FL_ARENA_INIT(bytes_max)	{ NULL, 0, (bytes_max) }

/* An empty arena that hands out at most bytes_max bytes in all. */
void fl_arena_init(struct fl_arena *a, size_t bytes_max);

/* Free every block; a keeps its cap and is empty.  No-op when zeroed. */
void fl_arena_free(struct fl_arena *a);

/*
 * nmemb * size zeroed bytes, aligned for any type.  nmemb or size 0 returns
 * NULL with *rc = 0 (an empty array needs no storage).  On failure returns
 * NULL with *rc set (see Errors) and a unchanged.
 */
void *fl_arena_alloc(struct fl_arena *a, size_t nmemb, size_t size, int *rc);

#endif
