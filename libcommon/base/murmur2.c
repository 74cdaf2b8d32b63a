#include "base/err.h"
#include "base/murmur2.h"

/*
 * Arithmetic is on uint32_t: Java's int multiply wraps and its >>> is a
 * logical shift, which is exactly what unsigned 32-bit C does, without the
 * undefined behaviour of signed overflow.  Words are read little-endian
 * whatever the host, as the Java code assembles them byte by byte.
 */
int32_t
fl_murmur2(const void *p, size_t n)
{
	const uint8_t *b = p;
	const uint32_t m = 0x5bd1e995u;
	const unsigned r = 24;
	/* Java passes the length as an int: keys are far below 2 GiB */
	uint32_t h = FL_MURMUR2_SEED ^ (uint32_t)n;
	size_t i, nwords = n / 4, tail = n & ~(size_t)3;

	for (i = 0; i < nwords; i++) {
		const uint8_t *w = b + 4 * i;
		uint32_t k = (uint32_t)w[0] | (uint32_t)w[1] << 8 |
		    (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;

		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (n % 4) {
	case 3:
		h ^= (uint32_t)b[tail + 2] << 16;
		/* FALLTHROUGH */
	case 2:
		h ^= (uint32_t)b[tail + 1] << 8;
		/* FALLTHROUGH */
	case 1:
		h ^= (uint32_t)b[tail];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return (int32_t)h;
}

int32_t
fl_murmur2_partition(const void *key, size_t n, int32_t npartitions)
{
	FL_ASSERT(npartitions > 0);
	return (int32_t)(((uint32_t)fl_murmur2(key, n) & 0x7fffffffu) %
	    (uint32_t)npartitions);
}
