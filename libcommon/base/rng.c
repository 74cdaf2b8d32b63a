/*
 * rng.c: SplitMix64.  The constants are the published ones: the golden
 * ratio increment and the two multipliers of the output mix (a variant of
 * MurmurHash3's 64-bit finalizer).
 */
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"

void
fl_rng_seed(struct fl_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t
fl_rng_next(struct fl_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
fl_rng_below(struct fl_rng *r, uint64_t n)
{
	/* 2^64 mod n: draws below it belong to an incomplete last cycle */
	uint64_t skip, x;

	if (n == 0)
		return 0;
	skip = (0 - n) % n;
	do
		x = fl_rng_next(r);
	while (x < skip);
	return x % n;
}

void
fl_rng_fill(struct fl_rng *r, void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	while (n > 0) {
		uint64_t x = fl_rng_next(r);
		size_t k = n < 8 ? n : 8;

		for (i = 0; i < k; i++)
			b[i] = (uint8_t)(x >> (8 * i));
		b += k;
		n -= k;
	}
}
