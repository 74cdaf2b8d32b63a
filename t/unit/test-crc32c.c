/*
 * test-crc32c.c: published CRC-32C vectors (RFC 3720 B.4 and the usual
 * "123456789" check value), incremental use, and the hardware path against
 * the table path at every length 0..300 and every alignment 0..15.
 */
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "base/err.h"
#include "base/rng.h"
#include "tap.h"

/* The definition, one bit at a time: the reference both paths must match. */
static uint32_t
crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
	}
	return ~c;
}

static void
test_vectors(void)
{
	uint8_t buf[32];
	size_t i;

	CHECK_U64(fl_crc32c(0, "123456789", 9), ==, 0xE3069283u, "\"123456789\" -> 0xE3069283");
	CHECK_U64(fl_crc32c_sw(0, "123456789", 9), ==, 0xE3069283u, "sw: \"123456789\"");
	CHECK_U64(fl_crc32c(0, "", 0), ==, 0, "empty -> 0");
	CHECK_U64(fl_crc32c(0, NULL, 0), ==, 0, "NULL, 0 -> 0");
	memset(buf, 0, sizeof(buf));
	CHECK_U64(fl_crc32c(0, buf, 32), ==, 0x8A9136AAu, "32 x 0x00 -> 0x8A9136AA");
	CHECK_U64(fl_crc32c_sw(0, buf, 32), ==, 0x8A9136AAu, "sw: 32 x 0x00");
	memset(buf, 0xff, sizeof(buf));
	CHECK_U64(fl_crc32c(0, buf, 32), ==, 0x62A8AB43u, "32 x 0xFF -> 0x62A8AB43");
	CHECK_U64(fl_crc32c_sw(0, buf, 32), ==, 0x62A8AB43u, "sw: 32 x 0xFF");
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_U64(fl_crc32c(0, buf, 32), ==, 0x46DD794Eu, "0..31 -> 0x46DD794E");
	CHECK_U64(fl_crc32c_sw(0, buf, 32), ==, 0x46DD794Eu, "sw: 0..31");
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK_U64(fl_crc32c(0, buf, 32), ==, 0x113FDB5Cu, "31..0 -> 0x113FDB5C");
	CHECK_U64(fl_crc32c_sw(0, buf, 32), ==, 0x113FDB5Cu, "sw: 31..0");
	CHECK_U64(crc_bitwise((const uint8_t *)"123456789", 9), ==, 0xE3069283u,
	    "the bitwise reference agrees");
	printf("# hardware path: %s\n", fl_crc32c_is_hw() ? "yes" : "no");
}

static void
test_incremental(void)
{
	uint8_t buf[1000];
	struct fl_rng rng;
	uint32_t whole, whole_sw;
	size_t i, cut;
	int bad = 0;

	fl_rng_seed(&rng, 7);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)fl_rng_next(&rng);
	whole = fl_crc32c(0, buf, sizeof(buf));
	whole_sw = fl_crc32c_sw(0, buf, sizeof(buf));
	CHECK_U64(whole, ==, whole_sw, "1000 random bytes: hw == sw");
	CHECK_U64(whole, ==, crc_bitwise(buf, sizeof(buf)), "1000 random bytes: == bitwise");
	for (cut = 0; cut <= sizeof(buf); cut++) {
		uint32_t c = fl_crc32c(fl_crc32c(0, buf, cut), buf + cut, sizeof(buf) - cut);
		uint32_t s = fl_crc32c_sw(fl_crc32c_sw(0, buf, cut), buf + cut, sizeof(buf) - cut);

		if (c != whole || s != whole)
			bad++;
	}
	CHECK_INT(bad, ==, 0, "two pieces at every cut == one shot (both paths)");
	/* byte at a time, and mixing the paths mid-stream */
	{
		uint32_t c = 0;

		for (i = 0; i < sizeof(buf); i++)
			c = (i & 1) ? fl_crc32c(c, buf + i, 1) : fl_crc32c_sw(c, buf + i, 1);
		CHECK_U64(c, ==, whole, "one byte at a time, alternating paths");
	}
}

static void
test_hw_vs_sw(void)
{
	enum { LEN_MAX = 300, ALIGN_MAX = 16 };
	uint8_t *raw = malloc(LEN_MAX + ALIGN_MAX + 8);
	struct fl_rng rng;
	size_t len, al, i;
	int bad = 0, bad_ref = 0, rounds;

	FL_ASSERT(raw != NULL);
	fl_rng_seed(&rng, 0xc0ffee);
	for (rounds = 0; rounds < 4; rounds++)
		for (len = 0; len <= LEN_MAX; len++)
			for (al = 0; al < ALIGN_MAX; al++) {
				uint8_t *p = raw + al;
				uint32_t a, b;

				for (i = 0; i < len; i++)
					p[i] = (uint8_t)fl_rng_next(&rng);
				a = fl_crc32c(0, p, len);
				b = fl_crc32c_sw(0, p, len);
				if (a != b)
					bad++;
				/* the bitwise reference is slow; check it on a subset */
				if (al == (len % ALIGN_MAX) && a != crc_bitwise(p, len))
					bad_ref++;
			}
	CHECK_INT(bad, ==, 0, "hw == sw at every length 0..300 and alignment 0..15");
	CHECK_INT(bad_ref, ==, 0, "both equal the bitwise definition");
	free(raw);
}

int
main(void)
{
	test_vectors();
	test_incremental();
	test_hw_vs_sw();
	return tap_done();
}
