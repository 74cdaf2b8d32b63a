/*
 * test-arena: the capped decode arena: the cap holds to the byte,
 * overflowing sizes are refused, memory is zeroed and aligned, and free
 * is idempotent and leaves the arena reusable.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "tap.h"

static void
test_cap(void)
{
	struct fl_arena a;
	uint8_t *p;
	int rc, is_zero = 1;
	size_t i;

	fl_arena_init(&a, 100);
	p = fl_arena_alloc(&a, 10, 10, &rc);
	CHECK(p != NULL && rc == 0, "100 bytes fit a 100-byte cap");
	for (i = 0; i < 100; i++)
		is_zero &= p[i] == 0;
	CHECK(is_zero, "allocations are zeroed");
	CHECK_U64(a.bytes, ==, 100, "bytes counts what was handed out");
	CHECK(fl_arena_alloc(&a, 1, 1, &rc) == NULL && rc == FL_EFULL,
	    "the 101st byte is FL_EFULL");
	CHECK_U64(a.bytes, ==, 100, "a failed allocation changes nothing");
	a.bytes_max += 8;
	CHECK(fl_arena_alloc(&a, 2, 4, &rc) != NULL && rc == 0,
	    "a caller may raise bytes_max (flume-serve does)");
	fl_arena_free(&a);
	CHECK(a.head == NULL && a.bytes == 0 && a.bytes_max == 108,
	    "free empties the arena and keeps its cap");
	CHECK(fl_arena_alloc(&a, 108, 1, &rc) != NULL && rc == 0, "usable again after free");
	fl_arena_free(&a);
	fl_arena_free(&a);
	CHECK(a.head == NULL, "a second free is a no-op");
}

static void
test_edges(void)
{
	struct fl_arena a = FL_ARENA_INIT(SIZE_MAX), z = { 0 };
	void *p;
	int rc = 7;

	CHECK(fl_arena_alloc(&a, 0, 8, &rc) == NULL && rc == 0, "nmemb 0: NULL, no error");
	rc = 7;
	CHECK(fl_arena_alloc(&a, 8, 0, &rc) == NULL && rc == 0, "size 0: NULL, no error");
	CHECK(fl_arena_alloc(&a, SIZE_MAX / 2, 4, &rc) == NULL && rc == FL_ERANGE,
	    "nmemb * size overflow is FL_ERANGE");
	CHECK(fl_arena_alloc(&a, SIZE_MAX, SIZE_MAX, &rc) == NULL && rc == FL_ERANGE,
	    "SIZE_MAX * SIZE_MAX is FL_ERANGE");
	CHECK(fl_arena_alloc(&a, 1, SIZE_MAX - 8, &rc) == NULL && rc == FL_ERANGE,
	    "a size that leaves no room for the block header is FL_ERANGE");
	p = fl_arena_alloc(&a, 3, 1, &rc);
	CHECK(p != NULL && (uintptr_t)p % alignof(max_align_t) == 0,
	    "blocks are aligned for any type");
	p = fl_arena_alloc(&a, 1, 1, &rc);
	CHECK(p != NULL && (uintptr_t)p % alignof(max_align_t) == 0,
	    "every block, not only the first");
	fl_arena_free(&a);
	CHECK(fl_arena_alloc(&z, 1, 1, &rc) == NULL && rc == FL_EFULL,
	    "a zeroed arena has a cap of 0");
	fl_arena_free(&z);
	CHECK(z.head == NULL && z.bytes == 0, "freeing a zeroed arena is a no-op");
}

int
main(void)
{
	test_cap();
	test_edges();
	return tap_done();
}
