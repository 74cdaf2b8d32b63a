/*
 * test-rd.c: the bounded reader and writer.  Every getter is fed every
 * proper prefix of a valid encoding (in a malloc'd buffer of exactly that
 * size, so ASan sees overreads) and must return FL_ESHORT without moving.
 */
#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "base/rng.h"
#include "tap.h"

/* Run one getter over buf[0..n) and report rc and bytes consumed. */
enum getter {
	G_SKIP3, G_RAW3, G_I8, G_U8, G_I16, G_I32, G_U32, G_I64, G_UVARINT,
	G_VARINT, G_VARLONG, G_STRING, G_NSTRING, G_BYTES, G_NBYTES, G_ARRAY
};

static const char *const getter_name[] = {
	"skip(3)", "raw(3)", "i8", "u8", "i16", "i32", "u32", "i64", "uvarint",
	"varint", "varlong", "string", "nstring", "bytes", "nbytes", "array",
};

static int
run_getter(enum getter g, const uint8_t *buf, size_t n, size_t *used)
{
	struct fl_rd r;
	struct fl_slice s;
	int8_t i8;
	uint8_t u8;
	int16_t i16;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	int rc = FL_EINVAL;
	uint8_t *copy = malloc(n ? n : 1);

	FL_ASSERT(copy != NULL);
	if (n > 0)
		memcpy(copy, buf, n);
	fl_rd_init(&r, copy, n);
	switch (g) {
	case G_SKIP3:    rc = fl_rd_skip(&r, 3); break;
	case G_RAW3:     rc = fl_rd_raw(&r, 3, &s); break;
	case G_I8:       rc = fl_rd_i8(&r, &i8); break;
	case G_U8:       rc = fl_rd_u8(&r, &u8); break;
	case G_I16:      rc = fl_rd_i16(&r, &i16); break;
	case G_I32:      rc = fl_rd_i32(&r, &i32); break;
	case G_U32:      rc = fl_rd_u32(&r, &u32); break;
	case G_I64:      rc = fl_rd_i64(&r, &i64); break;
	case G_UVARINT:  rc = fl_rd_uvarint(&r, &u32); break;
	case G_VARINT:   rc = fl_rd_varint(&r, &i32); break;
	case G_VARLONG:  rc = fl_rd_varlong(&r, &i64); break;
	case G_STRING:   rc = fl_rd_string(&r, &s); break;
	case G_NSTRING:  rc = fl_rd_nstring(&r, &s); break;
	case G_BYTES:    rc = fl_rd_bytes(&r, &s); break;
	case G_NBYTES:   rc = fl_rd_nbytes(&r, &s); break;
	case G_ARRAY:    rc = fl_rd_array(&r, 1, &i32); break;
	}
	*used = r.off;
	free(copy);
	return rc;
}

struct enc {
	enum getter g;
	uint8_t b[12];
	size_t len;
};

static const struct enc encs[] = {
	{ G_SKIP3, { 1, 2, 3 }, 3 },
	{ G_RAW3, { 1, 2, 3 }, 3 },
	{ G_I8, { 0x80 }, 1 },
	{ G_U8, { 0xff }, 1 },
	{ G_I16, { 0x80, 0x01 }, 2 },
	{ G_I32, { 0x80, 0, 0, 1 }, 4 },
	{ G_U32, { 0xff, 0xff, 0xff, 0xfe }, 4 },
	{ G_I64, { 0x80, 0, 0, 0, 0, 0, 0, 1 }, 8 },
	{ G_UVARINT, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
	{ G_VARINT, { 0xfe, 0xff, 0xff, 0xff, 0x0f }, 5 },
	{ G_VARLONG, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	{ G_STRING, { 0, 3, 'a', 'b', 'c' }, 5 },
	{ G_NSTRING, { 0, 2, 'x', 'y' }, 4 },
	{ G_NSTRING, { 0xff, 0xff }, 2 },
	{ G_BYTES, { 0, 0, 0, 3, 1, 2, 3 }, 7 },
	{ G_NBYTES, { 0, 0, 0, 1, 9 }, 5 },
	{ G_NBYTES, { 0xff, 0xff, 0xff, 0xff }, 4 },
	{ G_ARRAY, { 0, 0, 0, 2, 7, 7 }, 6 },
};

static void
test_short_boundaries(void)
{
	size_t i, k, used;
	char what[96];

	for (i = 0; i < FL_ARRAY_LEN(encs); i++) {
		const struct enc *e = &encs[i];
		int bad = 0, rc;

		for (k = 0; k < e->len; k++) {
			/* a short array is the count that does not fit (FL_EPROTO)
			 * once the count is there; only a short count is FL_ESHORT */
			int want = (e->g == G_ARRAY && k >= 4) ? FL_EPROTO : FL_ESHORT;

			rc = run_getter(e->g, e->b, k, &used);
			if (rc != want || used != 0) {
				printf("# %s prefix %zu: rc %d used %zu\n",
				    getter_name[e->g], k, rc, used);
				bad++;
			}
		}
		snprintf(what, sizeof(what), "%s: every prefix of a %zu-byte encoding is short, nothing consumed",
		    getter_name[e->g], e->len);
		CHECK_INT(bad, ==, 0, what);
		rc = run_getter(e->g, e->b, e->len, &used);
		snprintf(what, sizeof(what), "%s: the whole encoding reads", getter_name[e->g]);
		/* an array read consumes its count only; the elements follow */
		CHECK(rc == 0 && used == (e->g == G_ARRAY ? 4 : e->len), what);
	}
}

static void
test_fixed_values(void)
{
	static const uint8_t b[] = {
		0x80, 0xff, 0x80, 0x01, 0xff, 0xff, 0xff, 0xfe,
		0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34,
	};
	struct fl_rd r;
	int8_t i8;
	uint8_t u8;
	int16_t i16;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	struct fl_slice s;

	fl_rd_init(&r, b, sizeof(b));
	CHECK(fl_rd_i8(&r, &i8) == 0 && i8 == -128, "i8 -128");
	CHECK(fl_rd_u8(&r, &u8) == 0 && u8 == 0xff, "u8 255");
	CHECK(fl_rd_i16(&r, &i16) == 0 && i16 == -32767, "i16 0x8001");
	CHECK(fl_rd_i32(&r, &i32) == 0 && i32 == -2, "i32 -2");
	CHECK(fl_rd_i64(&r, &i64) == 0 && i64 == INT64_MIN, "i64 INT64_MIN");
	CHECK_U64(fl_rd_left(&r), ==, 2, "left 2");
	CHECK(fl_rd_raw(&r, 2, &s) == 0 && s.len == 2 && s.p == b + 16, "raw view points into the buffer");
	CHECK_U64(fl_rd_left(&r), ==, 0, "left 0");
	CHECK_INT(fl_rd_skip(&r, 0), ==, 0, "skip 0 at the end");
	CHECK(fl_rd_raw(&r, 0, &s) == 0 && s.len == 0, "raw 0 at the end");
	CHECK_INT(fl_rd_skip(&r, SIZE_MAX), ==, FL_ESHORT, "skip SIZE_MAX");
	fl_rd_init(&r, b, sizeof(b));
	CHECK(fl_rd_u32(&r, &u32) == 0 && u32 == 0x80ff8001u, "u32");
}

/* ---- varints ---- */

static int
rt_varint(int32_t v)
{
	uint8_t buf[16];
	struct fl_wr w;
	struct fl_rd r;
	int32_t got;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_wr_varint(&w, v);
	if (w.err != 0 || w.len != fl_varint_size(v) || w.len > 5)
		return 0;
	fl_rd_init(&r, buf, w.len);
	return fl_rd_varint(&r, &got) == 0 && got == v && r.off == w.len;
}

static int
rt_varlong(int64_t v)
{
	uint8_t buf[16];
	struct fl_wr w;
	struct fl_rd r;
	int64_t got;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_wr_varlong(&w, v);
	if (w.err != 0 || w.len != fl_varlong_size(v) || w.len > 10)
		return 0;
	fl_rd_init(&r, buf, w.len);
	return fl_rd_varlong(&r, &got) == 0 && got == v && r.off == w.len;
}

static int
rt_uvarint(uint32_t v)
{
	uint8_t buf[16];
	struct fl_wr w;
	struct fl_rd r;
	uint32_t got;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_wr_uvarint(&w, v);
	if (w.err != 0 || w.len > 5)
		return 0;
	fl_rd_init(&r, buf, w.len);
	return fl_rd_uvarint(&r, &got) == 0 && got == v && r.off == w.len;
}

static void
test_varints(void)
{
	static const int32_t v32[] = {
		0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, INT16_MAX, INT16_MIN,
		INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1,
	};
	static const int64_t v64[] = {
		0, 1, -1, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
		(int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN, INT64_MAX - 1,
		INT64_MIN + 1, INT64_C(1) << 62, -(INT64_C(1) << 62),
	};
	static const uint32_t u32v[] = { 0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT32_MAX - 1 };
	/* known encodings: zigzag, then LEB128 */
	static const struct { int32_t v; uint8_t b[5]; size_t n; } known[] = {
		{ 0, { 0x00 }, 1 }, { -1, { 0x01 }, 1 }, { 1, { 0x02 }, 1 },
		{ -64, { 0x7f }, 1 }, { 64, { 0x80, 0x01 }, 2 },
		{ INT32_MAX, { 0xfe, 0xff, 0xff, 0xff, 0x0f }, 5 },
		{ INT32_MIN, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
	};
	struct fl_rng rng;
	size_t i;
	int bad = 0;

	for (i = 0; i < FL_ARRAY_LEN(v32); i++)
		if (!rt_varint(v32[i])) {
			printf("# varint %d\n", (int)v32[i]);
			bad++;
		}
	CHECK_INT(bad, ==, 0, "varint round trip incl. INT32_MIN/MAX");
	CHECK_U64(fl_varint_size(INT32_MIN), ==, 5, "varint INT32_MIN is 5 bytes");
	CHECK_U64(fl_varint_size(-64), ==, 1, "varint -64 is 1 byte");
	bad = 0;
	for (i = 0; i < FL_ARRAY_LEN(v64); i++)
		if (!rt_varlong(v64[i]))
			bad++;
	CHECK_INT(bad, ==, 0, "varlong round trip incl. INT64_MIN/MAX");
	CHECK_U64(fl_varlong_size(INT64_MIN), ==, 10, "varlong INT64_MIN is 10 bytes");
	CHECK_U64(fl_varlong_size(INT64_MAX), ==, 10, "varlong INT64_MAX is 10 bytes");
	bad = 0;
	for (i = 0; i < FL_ARRAY_LEN(u32v); i++)
		if (!rt_uvarint(u32v[i]))
			bad++;
	CHECK_INT(bad, ==, 0, "uvarint round trip incl. UINT32_MAX");
	bad = 0;
	fl_rng_seed(&rng, 42);
	for (i = 0; i < 100000; i++) {
		uint64_t x = fl_rng_next(&rng);
		int sh = (int)(x & 63);

		/* spread over all magnitudes, not just huge values */
		if (!rt_varint((int32_t)(uint32_t)(x >> (sh % 32))) ||
		    !rt_varlong((int64_t)(x >> sh)) || !rt_varlong(-(int64_t)(x >> (sh | 1))) ||
		    !rt_uvarint((uint32_t)(x >> 32 >> (sh % 32))))
			bad++;
	}
	CHECK_INT(bad, ==, 0, "100000 random varint/varlong/uvarint round trips");
	bad = 0;
	for (i = 0; i < FL_ARRAY_LEN(known); i++) {
		uint8_t buf[8];
		struct fl_wr w;

		fl_wr_init_fixed(&w, buf, sizeof(buf));
		fl_wr_varint(&w, known[i].v);
		if (w.len != known[i].n || memcmp(buf, known[i].b, known[i].n) != 0)
			bad++;
	}
	CHECK_INT(bad, ==, 0, "varint known encodings");
}

static void
test_overlong(void)
{
	static const uint8_t six[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	static const uint8_t big5[] = { 0xff, 0xff, 0xff, 0xff, 0x10 };
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x00 };
	static const uint8_t big10[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x02 };
	static const uint8_t pad5[] = { 0x80, 0x80, 0x80, 0x80, 0x00 };
	struct fl_rd r;
	uint32_t u;
	int32_t i;
	int64_t l;

	fl_rd_init(&r, six, sizeof(six));
	CHECK_INT(fl_rd_uvarint(&r, &u), ==, FL_EPROTO, "uvarint: 6 bytes is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "uvarint: nothing consumed");
	CHECK_INT(fl_rd_varint(&r, &i), ==, FL_EPROTO, "varint: 6 bytes is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "varint: nothing consumed");
	fl_rd_init(&r, big5, sizeof(big5));
	CHECK_INT(fl_rd_uvarint(&r, &u), ==, FL_EPROTO, "uvarint: 5th byte beyond 32 bits");
	CHECK_U64(r.off, ==, 0, "uvarint: nothing consumed (value too big)");
	CHECK_INT(fl_rd_varint(&r, &i), ==, FL_EPROTO, "varint: 5th byte beyond 32 bits");
	fl_rd_init(&r, eleven, sizeof(eleven));
	CHECK_INT(fl_rd_varlong(&r, &l), ==, FL_EPROTO, "varlong: 11 bytes is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "varlong: nothing consumed");
	fl_rd_init(&r, big10, sizeof(big10));
	CHECK_INT(fl_rd_varlong(&r, &l), ==, FL_EPROTO, "varlong: 10th byte beyond 64 bits");
	CHECK_U64(r.off, ==, 0, "varlong: nothing consumed (value too big)");
	/* padded but in range: Kafka's decoders accept these */
	fl_rd_init(&r, pad5, sizeof(pad5));
	CHECK(fl_rd_varint(&r, &i) == 0 && i == 0 && r.off == 5, "varint: zero padded to 5 bytes reads 0");
	fl_rd_init(&r, eleven + 1, 10);
	CHECK(fl_rd_varlong(&r, &l) == 0 && l == 0 && r.off == 10, "varlong: zero padded to 10 bytes reads 0");
	/* truncated inside the continuation bytes */
	fl_rd_init(&r, six, 3);
	CHECK_INT(fl_rd_varint(&r, &i), ==, FL_ESHORT, "varint: continuation cut short");
}

/* ---- strings, bytes, arrays ---- */

static void
test_lengths(void)
{
	static const uint8_t s_m1[] = { 0xff, 0xff, 'a' };
	static const uint8_t s_m2[] = { 0xff, 0xfe, 'a' };
	static const uint8_t s_min[] = { 0x80, 0x00 };
	static const uint8_t s_empty[] = { 0, 0 };
	static const uint8_t b_m1[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t b_m2[] = { 0xff, 0xff, 0xff, 0xfe };
	static const uint8_t b_min[] = { 0x80, 0, 0, 0 };
	static const uint8_t b_big[] = { 0x7f, 0xff, 0xff, 0xff, 1, 2 };
	struct fl_slice s;
	struct fl_rd r;

	fl_rd_init(&r, s_m1, sizeof(s_m1));
	CHECK_INT(fl_rd_string(&r, &s), ==, FL_EPROTO, "string: -1 is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "string: nothing consumed");
	CHECK(fl_rd_nstring(&r, &s) == 0 && s.p == NULL && s.len == 0 && r.off == 2,
	    "nstring: -1 is null, 2 bytes consumed");
	fl_rd_init(&r, s_m2, sizeof(s_m2));
	CHECK_INT(fl_rd_string(&r, &s), ==, FL_EPROTO, "string: -2 is FL_EPROTO");
	CHECK_INT(fl_rd_nstring(&r, &s), ==, FL_EPROTO, "nstring: -2 is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "nstring: nothing consumed");
	fl_rd_init(&r, s_min, sizeof(s_min));
	CHECK_INT(fl_rd_nstring(&r, &s), ==, FL_EPROTO, "nstring: INT16_MIN is FL_EPROTO");
	fl_rd_init(&r, s_empty, sizeof(s_empty));
	CHECK(fl_rd_string(&r, &s) == 0 && s.p != NULL && s.len == 0, "string: empty is not null");

	fl_rd_init(&r, b_m1, sizeof(b_m1));
	CHECK_INT(fl_rd_bytes(&r, &s), ==, FL_EPROTO, "bytes: -1 is FL_EPROTO");
	CHECK(fl_rd_nbytes(&r, &s) == 0 && s.p == NULL && r.off == 4, "nbytes: -1 is null");
	fl_rd_init(&r, b_m2, sizeof(b_m2));
	CHECK_INT(fl_rd_nbytes(&r, &s), ==, FL_EPROTO, "nbytes: -2 is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "nbytes: nothing consumed");
	fl_rd_init(&r, b_min, sizeof(b_min));
	CHECK_INT(fl_rd_bytes(&r, &s), ==, FL_EPROTO, "bytes: INT32_MIN is FL_EPROTO");
	fl_rd_init(&r, b_big, sizeof(b_big));
	CHECK_INT(fl_rd_bytes(&r, &s), ==, FL_ESHORT, "bytes: INT32_MAX with 2 bytes is short");
	CHECK_U64(r.off, ==, 0, "bytes: nothing consumed");
}

static void
test_array(void)
{
	uint8_t buf[4 + 12];
	struct fl_rd r;
	int32_t c;

	memset(buf, 0, sizeof(buf));
	fl_store_be32(buf, 3);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK(fl_rd_array(&r, 4, &c) == 0 && c == 3 && r.off == 4, "array: 3 x 4 bytes fits 12");
	fl_store_be32(buf, 4);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK_INT(fl_rd_array(&r, 4, &c), ==, FL_EPROTO, "array: 4 x 4 bytes cannot fit 12");
	CHECK_U64(r.off, ==, 0, "array: nothing consumed");
	fl_store_be32(buf, 12);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK(fl_rd_array(&r, 1, &c) == 0 && c == 12, "array: 12 x 1 byte fits 12");
	fl_store_be32(buf, 13);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK_INT(fl_rd_array(&r, 1, &c), ==, FL_EPROTO, "array: 13 x 1 byte cannot fit 12");
	fl_store_be32(buf, 0xffffffffu);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK(fl_rd_array(&r, 4, &c) == 0 && c == 0 && r.off == 4, "array: -1 (null) reads as 0");
	fl_store_be32(buf, 0xfffffffeu);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK_INT(fl_rd_array(&r, 4, &c), ==, FL_EPROTO, "array: -2 is FL_EPROTO");
	CHECK_U64(r.off, ==, 0, "array: nothing consumed on -2");
	fl_store_be32(buf, 0x80000000u);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK_INT(fl_rd_array(&r, 0, &c), ==, FL_EPROTO, "array: INT32_MIN is FL_EPROTO");
	fl_store_be32(buf, 0x7fffffffu);
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK_INT(fl_rd_array(&r, SIZE_MAX, &c), ==, FL_EPROTO, "array: INT32_MAX x SIZE_MAX");
	fl_rd_init(&r, buf, sizeof(buf));
	CHECK(fl_rd_array(&r, 0, &c) == 0 && c == INT32_MAX, "array: min_elem_bytes 0 does not bound");
	fl_store_be32(buf, 0);
	fl_rd_init(&r, buf, 4);
	CHECK(fl_rd_array(&r, 100, &c) == 0 && c == 0, "array: 0 elements at the end");
}

/* ---- writer ---- */

static void
test_writer_fixed(void)
{
	uint8_t buf[8], guard[4];
	struct fl_wr w;

	memset(guard, 0xaa, sizeof(guard));
	memset(buf, 0, sizeof(buf));
	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_wr_i32(&w, 0x01020304);
	fl_wr_i16(&w, 0x0506);
	CHECK(w.err == 0 && w.len == 6, "fixed: 6 of 8 bytes written");
	fl_wr_i32(&w, 0x0a0b0c0d);
	CHECK_INT(w.err, ==, FL_EFULL, "fixed: overflow sets FL_EFULL");
	CHECK_U64(w.len, ==, 6, "fixed: the failed write wrote nothing");
	CHECK(buf[6] == 0 && buf[7] == 0, "fixed: bytes past len untouched");
	fl_wr_i8(&w, 7);
	CHECK(w.err == FL_EFULL && w.len == 6, "fixed: error is sticky, later writes ignored");
	CHECK(fl_wr_reserve(&w, 1) == NULL, "fixed: reserve after error is NULL");
	fl_wr_patch_i32(&w, 0, 99);
	CHECK(buf[3] == 4, "fixed: patch ignored after error");
	fl_wr_reset(&w);
	CHECK(w.err == 0 && w.len == 0, "fixed: reset clears the error");
	fl_wr_i64(&w, -1);
	CHECK(w.err == 0 && w.len == 8, "fixed: exactly full");
	fl_wr_raw(&w, guard, 0);
	CHECK_INT(w.err, ==, 0, "fixed: a 0-byte write into a full buffer is fine");
	fl_wr_raw(&w, guard, 1);
	CHECK_INT(w.err, ==, FL_EFULL, "fixed: one byte more is FL_EFULL");
	fl_wr_free(&w);		/* borrowed: must not free buf */
	CHECK(w.p == NULL, "fixed: free forgets the borrowed buffer");
}

static void
test_writer_grow(void)
{
	struct fl_wr w;
	uint8_t chunk[100], *p;
	size_t i, len;
	int bad = 0;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	fl_wr_init(&w, 1000);
	for (i = 0; i < 10; i++)
		fl_wr_raw(&w, chunk, sizeof(chunk));
	CHECK(w.err == 0 && w.len == 1000, "grow: exactly cap_max bytes fit");
	CHECK_U64(w.cap, <=, 1000, "grow: cap never exceeds cap_max");
	for (i = 0; i < 1000; i++)
		if (w.p[i] != (uint8_t)(i % 100))
			bad++;
	CHECK_INT(bad, ==, 0, "grow: content survives reallocation");
	fl_wr_i8(&w, 1);
	CHECK(w.err == FL_EFULL && w.len == 1000, "grow: one more byte is FL_EFULL");
	fl_wr_free(&w);
	CHECK(w.p == NULL && w.len == 0, "grow: free");

	fl_wr_init(&w, 300);
	fl_wr_raw(&w, chunk, 100);
	fl_wr_raw(&w, chunk, 100);
	fl_wr_raw(&w, chunk, 100);
	fl_wr_raw(&w, chunk, 1);
	CHECK(w.err == FL_EFULL && w.len == 300 && w.cap <= 300, "grow: cap_max 300 stops at 300");
	fl_wr_free(&w);

	fl_wr_init(&w, 1u << 20);
	fl_wr_string(&w, chunk, 2);
	fl_wr_cstr(&w, "hi");
	fl_wr_nstring(&w, NULL, 0);
	fl_wr_bytes(&w, NULL, 5);
	fl_wr_bytes(&w, chunk, 3);
	fl_wr_u32(&w, 0);		/* placeholder to patch */
	fl_wr_patch_i32(&w, w.len - 4, -2);
	{
		static const uint8_t want[] = {
			0, 2, 0, 1, 0, 2, 'h', 'i', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0, 0, 0, 3, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe,
		};

		CHECK(w.err == 0 && w.len == sizeof(want) && memcmp(w.p, want, sizeof(want)) == 0,
		    "grow: strings, null string, null bytes, bytes, patched i32");
	}
	fl_wr_patch_i32(&w, 0, 0x11223344);
	CHECK(w.p[0] == 0x11 && w.p[3] == 0x44 && w.p[4] == 0, "patch_i32 at 0, neighbours intact");
	p = fl_wr_detach(&w, &len);
	CHECK(p != NULL && len == 25 && w.p == NULL && w.len == 0, "detach hands over the buffer");
	free(p);

	fl_wr_init(&w, 1u << 20);
	{
		static uint8_t big[40000];

		fl_wr_string(&w, big, 32768);
		CHECK(w.err == FL_ERANGE && w.len == 0, "string longer than INT16_MAX is FL_ERANGE");
		fl_wr_reset(&w);
		fl_wr_string(&w, big, 32767);
		CHECK(w.err == 0 && w.len == 32769, "string of INT16_MAX bytes fits");
	}
	fl_wr_free(&w);
	fl_wr_free(&w);		/* twice is a no-op */
	CHECK(1, "free twice is harmless");
}

int
main(void)
{
	test_short_boundaries();
	test_fixed_values();
	test_varints();
	test_overlong();
	test_lengths();
	test_array();
	test_writer_fixed();
	test_writer_grow();
	return tap_done();
}
