#include <string.h>

#include "base/crc32c.h"

/*
 * Tables are computed at compile time would need a generator; instead they
 * are filled at first use.  The fill is idempotent and writes the same
 * values from any thread, so a race between two first callers is harmless,
 * but we still guard it with a flag set last.
 */
static uint32_t table[8][256];
static volatile int table_ready;

static void
table_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = table[0][i];
		for (j = 1; j < 8; j++) {
			c = table[0][c & 0xff] ^ (c >> 8);
			table[j][i] = c;
		}
	}
	__atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t
fl_crc32c_sw(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
		table_init();
	crc = ~crc;
	while (n > 0 && ((uintptr_t)p & 7) != 0) {
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);	/* little-endian hosts only; see below */
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		    table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		    table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		    table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fl_crc32c_sw's slicing-by-8 loop assumes a little-endian host"
#endif

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t
crc_hw(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t c = ~crc;

	while (n > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		n--;
	}
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

static int
have_hw(void)
{
	static volatile int state;	/* 0 unknown, 1 no, 2 yes */
	int s = __atomic_load_n(&state, __ATOMIC_RELAXED);

	if (s == 0) {
		__builtin_cpu_init();
		s = __builtin_cpu_supports("sse4.2") ? 2 : 1;
		__atomic_store_n(&state, s, __ATOMIC_RELAXED);
	}
	return s == 2;
}

uint32_t
fl_crc32c(uint32_t crc, const void *p, size_t n)
{
	return have_hw() ? crc_hw(crc, p, n) : fl_crc32c_sw(crc, p, n);
}

int fl_crc32c_is_hw(void) { return have_hw(); }
#else
uint32_t fl_crc32c(uint32_t crc, const void *p, size_t n) { return fl_crc32c_sw(crc, p, n); }
int fl_crc32c_is_hw(void) { return 0; }
#endif
