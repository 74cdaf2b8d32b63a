/*
 * rng.h: the seeded PRNG of libcommon: tests, benchmarks, fault injection
 * and the simulator draw every random number from a struct fl_rng that the
 * caller seeded, so a run replays byte for byte from its seed (DESIGN
 * section 7; STYLE section 3: randomness is an input).
 *
 * The generator is SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit
 * state advanced by a fixed odd constant and hashed on the way out.  It is
 * fast, has no bad seeds (0 is fine) and passes BigCrush; it is NOT
 * cryptographic: ids and keys an attacker must not guess come from
 * os/entropy.h.  Only 64-bit unsigned arithmetic is used, so the sequence
 * for a seed is the same on every platform and compiler; t/unit/test-rng.c
 * pins known outputs, and changing them breaks every recorded seed.
 *
 * Ownership: struct fl_rng is caller storage; nothing to free.
 * Errors: none.  Layer: base.  Pure: no I/O, no allocation, no clock;
 * not thread-safe per generator (give each thread or node its own).
 */
#ifndef FL_RNG_H
#define FL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct fl_rng {
	uint64_t state;			/* the whole state: copy it to fork a stream */
};

/* Start the sequence for seed; any value, 0 included, is a good seed. */
void fl_rng_seed(struct fl_rng *r, uint64_t seed);

/* The next 64 uniformly distributed bits. */
uint64_t fl_rng_next(struct fl_rng *r);

/*
 * Uniform in [0, n), without the bias of next() % n: draws that fall in
 * the short last stretch of the 64-bit range are drawn again (at most
 * n / 2^64 of draws, so about never for small n).  n == 0 returns 0 and
 * draws nothing.
 */
uint64_t fl_rng_below(struct fl_rng *r, uint64_t n);

/*
 * Fill n bytes at p: each draw gives 8 bytes, least significant first;
 * a last partial group uses the low bytes of one more draw, and the rest
 * of that draw is dropped.  The same seed fills the same bytes everywhere.
 */
void fl_rng_fill(struct fl_rng *r, void *p, size_t n);

#endif
