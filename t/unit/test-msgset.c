/*
 * test-msgset.c: legacy message sets (magic 0/1) <-> RecordBatch v2.
 *
 * Vectors: two literal sets whose CRCs were computed with Python's
 * zlib.crc32, independently of this code; the rest are built here with
 * zlib's crc32 and deflate (gzip framing, as Java's GZIPOutputStream
 * writes), and snappy, lz4 and zstd through codec/compress; magic 0's LZ4
 * header checksum is redone here the broken way (XXH32 over the magic
 * too).  Down-converted output is read back by a parser written here, not
 * by the module's, and checked against its CRCs.  Inputs are malloc'd at
 * their exact size so ASan sees any read past the end.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/rd.h"
#include "codec/batch.h"
#include "codec/compress.h"
#include "codec/msgset.h"
#include "tap.h"

static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	FL_ASSERT(q != NULL);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* ---- building legacy messages ---- */

static void
wr_b(struct fl_wr *w, const char *s)
{
	if (s == NULL)
		fl_wr_i32(w, -1);
	else
		fl_wr_bytes(w, s, strlen(s));
}

/* One entry; key/value NULL are null. */
static void
msg(struct fl_wr *w, int magic, int64_t off, int attr, int64_t ts,
    const char *key, const char *value)
{
	size_t at;

	fl_wr_i64(w, off);
	fl_wr_i32(w, 0);
	at = w->len;
	fl_wr_u32(w, 0);
	fl_wr_i8(w, (int8_t)magic);
	fl_wr_i8(w, (int8_t)attr);
	if (magic == 1)
		fl_wr_i64(w, ts);
	wr_b(w, key);
	wr_b(w, value);
	FL_ASSERT(w->err == 0);
	fl_wr_patch_i32(w, at - 4, (int32_t)(w->len - at));
	fl_store_be32(w->p + at, (uint32_t)crc32(0, w->p + at + 4, (uInt)(w->len - at - 4)));
}

/* An entry whose value is given as raw bytes (a wrapper's). */
static void
msg_raw(struct fl_wr *w, int magic, int64_t off, int attr, int64_t ts,
    const uint8_t *value, size_t vlen)
{
	size_t at;

	fl_wr_i64(w, off);
	fl_wr_i32(w, 0);
	at = w->len;
	fl_wr_u32(w, 0);
	fl_wr_i8(w, (int8_t)magic);
	fl_wr_i8(w, (int8_t)attr);
	if (magic == 1)
		fl_wr_i64(w, ts);
	fl_wr_i32(w, -1);
	if (value == NULL)
		fl_wr_i32(w, -1);
	else
		fl_wr_bytes(w, value, vlen);
	FL_ASSERT(w->err == 0);
	fl_wr_patch_i32(w, at - 4, (int32_t)(w->len - at));
	fl_store_be32(w->p + at, (uint32_t)crc32(0, w->p + at + 4, (uInt)(w->len - at - 4)));
}

/* gzip (one member) of p[0, n) into out. */
static void
gzip_into(const uint8_t *p, size_t n, struct fl_wr *out)
{
	z_stream z;
	uint8_t *dst;
	uLong bound;

	memset(&z, 0, sizeof(z));
	FL_ASSERT(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	bound = deflateBound(&z, (uLong)n) + 32;
	dst = fl_wr_reserve(out, bound);
	FL_ASSERT(dst != NULL);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)bound;
	FL_ASSERT(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len -= z.avail_out;
	deflateEnd(&z);
}

/* XXH32 with seed 0 of fewer than 16 bytes: all an LZ4 header needs. */
static uint32_t
rotl32(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

static uint32_t
xxh32_short(const uint8_t *p, size_t n)
{
	const uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u,
	    P4 = 668265263u, P5 = 374761393u;
	uint32_t h = P5 + (uint32_t)n;
	size_t i = 0;

	FL_ASSERT(n < 16);
	for (; i + 4 <= n; i += 4) {
		h += ((uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
		    (uint32_t)p[i + 3] << 24) * P3;
		h = rotl32(h, 17) * P4;
	}
	for (; i < n; i++) {
		h += p[i] * P5;
		h = rotl32(h, 11) * P1;
	}
	h ^= h >> 15;
	h *= P2;
	h ^= h >> 13;
	h *= P3;
	h ^= h >> 16;
	return h;
}

/* Kafka 0.8-0.9's LZ4 header checksum: hashed from the frame magic on. */
static void
lz4_break_hc(uint8_t *frame, size_t n)
{
	size_t hc_at = 6;

	FL_ASSERT(n > 7 && (frame[4] & 0x09) == 0);	/* no size, no dict id */
	frame[hc_at] = (uint8_t)(xxh32_short(frame, hc_at) >> 8);
}

/*
 * A wrapper of codec (attr bits 0-2; 0 means gzip) around the inner set:
 * gzip by zlib here, the others by codec/compress.  is_legacy_hc: an LZ4
 * frame with magic 0's broken header checksum.
 */
static void
wrapper_hc(struct fl_wr *w, int magic, int64_t off, int attr, int64_t ts,
    const struct fl_wr *inner, int is_legacy_hc)
{
	int codec = (attr & 7) ? (attr & 7) : FL_CODEC_GZIP;
	struct fl_wr z;

	fl_wr_init(&z, 64u << 20);
	if (codec == FL_CODEC_GZIP)
		gzip_into(inner->p, inner->len, &z);
	else
		FL_ASSERT(fl_compress(codec, inner->p, inner->len, &z) == 0);
	if (is_legacy_hc)
		lz4_break_hc(z.p, z.len);
	msg_raw(w, magic, off, (attr & ~7) | codec, ts, z.p, z.len);
	fl_wr_free(&z);
}

static void
wrapper(struct fl_wr *w, int magic, int64_t off, int attr, int64_t ts,
    const struct fl_wr *inner)
{
	wrapper_hc(w, magic, off, attr, ts, inner, 0);
}

/* ---- reading results ---- */

struct rec {
	int64_t offset, ts;
	int attr, magic;
	char key[64], value[64];
	int key_null, value_null;
};

static void
slice_str(struct fl_slice s, char *dst, int *is_null)
{
	size_t n = s.len < 63 ? s.len : 63;

	*is_null = s.p == NULL;
	memcpy(dst, s.p ? (const char *)s.p : "", s.p ? n : 0);
	dst[s.p ? n : 0] = '\0';
}

/* The records of one whole uncompressed batch; returns the count or -1. */
static int
batch_recs(const uint8_t *p, size_t n, struct rec *out, int max)
{
	struct fl_record_iter it;
	struct fl_record r;
	int k = 0, rc;

	if (fl_batch_check(p, n, FL_BATCH_CHECK_RECORDS, NULL, NULL) != 0 ||
	    fl_record_iter_init(&it, p, n) != 0)
		return -1;
	while ((rc = fl_record_next(&it, &r)) == 1 && k < max) {
		memset(&out[k], 0, sizeof(out[k]));
		out[k].offset = r.offset;
		out[k].ts = r.timestamp;
		slice_str(r.key, out[k].key, &out[k].key_null);
		slice_str(r.value, out[k].value, &out[k].value_null);
		k++;
	}
	return rc < 0 ? -1 : k;
}

/*
 * Parse a legacy set written by the module: every entry whole, CRC right,
 * uncompressed.  Returns the count, or -1.
 */
static int
set_recs(const uint8_t *p, size_t n, struct rec *out, int max)
{
	struct fl_rd r, b;
	int k = 0;

	fl_rd_init(&r, p, n);
	while (fl_rd_left(&r) > 0 && k < max) {
		struct fl_slice body, key, value;
		int64_t off, ts = -1;
		int32_t size;
		uint32_t crc;
		int8_t magic, attr;

		if (fl_rd_i64(&r, &off) || fl_rd_i32(&r, &size) || size < 14 ||
		    fl_rd_raw(&r, (size_t)size, &body))
			return -1;
		fl_rd_init(&b, body.p, body.len);
		if (fl_rd_u32(&b, &crc) || crc != crc32(0, body.p + 4, (uInt)body.len - 4) ||
		    fl_rd_i8(&b, &magic) || fl_rd_i8(&b, &attr) ||
		    (magic == 1 && fl_rd_i64(&b, &ts)) ||
		    fl_rd_nbytes(&b, &key) || fl_rd_nbytes(&b, &value) || fl_rd_left(&b))
			return -1;
		memset(&out[k], 0, sizeof(out[k]));
		out[k].offset = off;
		out[k].ts = ts;
		out[k].attr = attr;
		out[k].magic = magic;
		slice_str(key, out[k].key, &out[k].key_null);
		slice_str(value, out[k].value, &out[k].value_null);
		k++;
	}
	return k;
}

/* Convert up; the input is copied to an exact-size buffer. */
static int
up(const struct fl_wr *set, struct fl_wr *out, size_t bytes_max)
{
	uint8_t *p = dup_exact(set->p, set->len);
	struct fl_err err = { 0, "" };
	int rc;

	rc = fl_msgset_to_batch(p, set->len, -1, bytes_max, out, &err);
	if (rc < 0 && getenv("TEST_VERBOSE"))
		printf("# up: %s\n", err.msg);
	free(p);
	return rc;
}

static int
down(const struct fl_wr *batches, size_t n, int magic, int64_t first, size_t bytes_max,
    unsigned flags, struct fl_wr *out, struct fl_msgset_down *res)
{
	uint8_t *p = dup_exact(batches->p, n);
	struct fl_err err = { 0, "" };
	int rc;

	rc = fl_msgset_from_batches(p, n, magic, first, bytes_max, flags, out, res, &err);
	if (rc < 0 && getenv("TEST_VERBOSE"))
		printf("# down: %s\n", err.msg);
	free(p);
	return rc;
}

/* ---- literal vectors ---- */

/* magic 0: (key "k", value "v1") at offset 0, (null, "v2") at offset 1 */
static const uint8_t vec_v0[57] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
	0x61, 0x50, 0x54, 0x27, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x02, 0x76, 0x31,
	0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x10,
	0xd5, 0x96, 0x0a, 0x78, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 0x76, 0x32
};

/* magic 1: ("key", "hello") at 1700000000000, ("", null) at +5 */
static const uint8_t vec_v1[76] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1e,
	0x41, 0xb7, 0xa3, 0x0a, 0x01, 0x00,
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x6b, 0x65, 0x79,
	0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
	0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x16,
	0x70, 0xab, 0x6b, 0xc2, 0x01, 0x00,
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff
};

static void
from_literal(struct fl_wr *w, const uint8_t *p, size_t n)
{
	fl_wr_init(w, 1u << 20);
	fl_wr_raw(w, p, n);
}

static void
test_literal_v0(void)
{
	struct fl_wr set, out, back;
	struct fl_batch_hdr h;
	struct fl_msgset_down res;
	struct rec r[4];
	int n;

	from_literal(&set, vec_v0, sizeof(vec_v0));
	CHECK_INT(crc32(0, vec_v0 + 16, 13), ==, 0x61505427u,
	    "literal v0: zlib agrees with Python's CRC");
	fl_wr_init(&out, 1u << 20);
	CHECK_INT(up(&set, &out, 1u << 20), ==, 2, "v0 literal: two records");
	CHECK_INT(fl_batch_check(out.p, out.len, FL_BATCH_CHECK_RECORDS, &h, NULL), ==, 0,
	    "v0 literal: the batch passes the full check");
	CHECK_INT(h.base_ts, ==, -1, "v0: BaseTimestamp -1 (NO_TIMESTAMP, as Kafka)");
	CHECK_INT(h.max_ts, ==, -1, "v0: MaxTimestamp -1");
	CHECK(h.producer_id == -1 && h.producer_epoch == -1 && h.base_seq == -1,
	    "v0: no producer id, epoch, sequence");
	CHECK_INT(h.attributes, ==, 0, "v0: uncompressed CreateTime batch");
	CHECK_INT(h.leader_epoch, ==, -1, "v0: leader epoch -1");
	n = batch_recs(out.p, out.len, r, 4);
	CHECK_INT(n, ==, 2, "v0: records iterate");
	CHECK(strcmp(r[0].key, "k") == 0 && strcmp(r[0].value, "v1") == 0 &&
	    r[1].key_null && strcmp(r[1].value, "v2") == 0 && r[0].ts == -1 &&
	    r[1].ts == -1 && r[0].offset == 0 && r[1].offset == 1,
	    "v0: keys, values, null key, offsets 0 and 1");

	fl_wr_init(&back, 1u << 20);
	CHECK_INT(down(&out, out.len, 0, 0, 1u << 20, 0, &back, &res), ==, 0, "v0: back down");
	CHECK(back.len == sizeof(vec_v0) && memcmp(back.p, vec_v0, back.len) == 0,
	    "v0: msgset -> batch -> msgset gives the very bytes back");
	CHECK(res.count == 2 && res.next_offset == 2 && res.in_bytes == out.len &&
	    !res.is_partial, "v0: down result: 2 messages, all input used");
	fl_wr_free(&set);
	fl_wr_free(&out);
	fl_wr_free(&back);
}

static void
test_literal_v1(void)
{
	struct fl_wr set, out, back;
	struct fl_batch_hdr h;
	struct fl_msgset_down res;
	struct rec r[4];

	from_literal(&set, vec_v1, sizeof(vec_v1));
	fl_wr_init(&out, 1u << 20);
	CHECK_INT(up(&set, &out, 1u << 20), ==, 2, "v1 literal: two records");
	CHECK_INT(fl_batch_check(out.p, out.len, FL_BATCH_CHECK_RECORDS, &h, NULL), ==, 0,
	    "v1 literal: the batch passes the full check");
	CHECK_INT(h.base_ts, ==, 1700000000000LL, "v1: BaseTimestamp is the first record's");
	CHECK_INT(h.max_ts, ==, 1700000000005LL, "v1: MaxTimestamp");
	{
		int64_t true_max = 0;

		CHECK(fl_batch_max_ts(out.p, out.len, &true_max) == 0 && true_max == h.max_ts,
		    "v1: MaxTimestamp is the records' largest (store/part will not rewrite it)");
	}
	CHECK_INT(batch_recs(out.p, out.len, r, 4), ==, 2, "v1: records iterate");
	CHECK(strcmp(r[0].key, "key") == 0 && strcmp(r[0].value, "hello") == 0 &&
	    !r[1].key_null && r[1].key[0] == '\0' && r[1].value_null &&
	    r[0].ts == 1700000000000LL && r[1].ts == 1700000000005LL,
	    "v1: keys, values, empty key not null, null value, timestamps");
	fl_wr_init(&back, 1u << 20);
	CHECK_INT(down(&out, out.len, 1, 0, 1u << 20, 0, &back, &res), ==, 0, "v1: back down");
	CHECK(back.len == sizeof(vec_v1) && memcmp(back.p, vec_v1, back.len) == 0,
	    "v1: msgset -> batch -> msgset gives the very bytes back");

	/* a LogAppendTime topic: the broker's time in MaxTimestamp, bit 3 */
	{
		uint8_t *p = dup_exact(vec_v1, sizeof(vec_v1));

		fl_wr_reset(&out);
		CHECK_INT(fl_msgset_to_batch(p, sizeof(vec_v1), 9999, 1u << 20, &out, NULL), ==, 2,
		    "log_append_ms 9999: converts");
		free(p);
	}
	CHECK_INT(fl_batch_check(out.p, out.len, FL_BATCH_CHECK_RECORDS, &h, NULL), ==, 0,
	    "LogAppendTime batch: CRC redone over the new MaxTimestamp");
	CHECK(h.attributes == FL_BATCH_ATTR_LOG_APPEND_TIME && h.max_ts == 9999 &&
	    h.base_ts == 1700000000000LL, "LogAppendTime batch: attribute, MaxTimestamp");
	CHECK(batch_recs(out.p, out.len, r, 4) == 2 && r[1].ts == 1700000000005LL,
	    "LogAppendTime batch: records keep their own timestamps");
	fl_wr_reset(&back);
	CHECK(down(&out, out.len, 1, 0, 1u << 20, 0, &back, &res) == 0 &&
	    set_recs(back.p, back.len, r, 4) == 2 && r[0].ts == 9999 && r[1].ts == 9999 &&
	    r[1].attr == FL_MSGSET_ATTR_LOG_APPEND_TIME,
	    "LogAppendTime batch down to magic 1: the append time, bit 3");
	fl_wr_free(&set);
	fl_wr_free(&out);
	fl_wr_free(&back);
}

/* ---- compressed wrappers ---- */

static void
test_gzip(void)
{
	struct fl_wr inner, set, out, back;
	struct fl_msgset_down res;
	struct rec r[8];
	int magic;

	for (magic = 0; magic <= 1; magic++) {
		fl_wr_init(&inner, 1u << 20);
		fl_wr_init(&set, 1u << 20);
		fl_wr_init(&out, 1u << 20);
		/* magic 1: relative inner offsets, wrapper at the last one's
		 * absolute offset; magic 0: inner offsets anything */
		msg(&inner, magic, magic ? 0 : 77, 0, 1000, "a", "one");
		msg(&inner, magic, magic ? 1 : 78, 0, 1001, NULL, "two");
		msg(&inner, magic, magic ? 2 : 79, 0, 999, "c", NULL);
		msg(&set, magic, 5, 0, 500, "before", "plain");
		wrapper(&set, magic, 1234, 0, 1001, &inner);
		msg(&set, magic, 9, 0, 2000, "after", "plain");
		CHECK_INT(up(&set, &out, 1u << 20), ==, 5,
		    magic ? "gzip v1: plain, wrapper of 3, plain: 5 records" :
		    "gzip v0: plain, wrapper of 3, plain: 5 records");
		CHECK_INT(batch_recs(out.p, out.len, r, 8), ==, 5, "gzip: records iterate");
		CHECK(strcmp(r[0].key, "before") == 0 && strcmp(r[1].value, "one") == 0 &&
		    r[2].key_null && strcmp(r[2].value, "two") == 0 && r[3].value_null &&
		    strcmp(r[4].key, "after") == 0 && r[4].offset == 4,
		    "gzip: order kept, inner records in place, offsets 0..4");
		if (magic == 1)
			CHECK(r[0].ts == 500 && r[1].ts == 1000 && r[2].ts == 1001 &&
			    r[3].ts == 999 && r[4].ts == 2000,
			    "gzip v1: CreateTime wrapper: inner timestamps kept");
		else
			CHECK(r[0].ts == -1 && r[3].ts == -1, "gzip v0: timestamps -1");
		fl_wr_init(&back, 1u << 20);
		CHECK_INT(down(&out, out.len, magic, 0, 1u << 20, 0, &back, &res), ==, 0,
		    "gzip: down-converts");
		CHECK_INT(set_recs(back.p, back.len, r, 8), ==, 5, "gzip: down: 5 plain messages");
		CHECK(r[0].attr == 0 && r[2].attr == 0 && r[1].magic == magic &&
		    strcmp(r[3].key, "c") == 0 && r[3].value_null &&
		    (magic == 0 || r[3].ts == 999),
		    "gzip: down: uncompressed, same keys/values/timestamps");
		fl_wr_free(&inner);
		fl_wr_free(&set);
		fl_wr_free(&out);
		fl_wr_free(&back);
	}

	/* LogAppendTime wrapper: its timestamp is its records' */
	fl_wr_init(&inner, 1u << 20);
	fl_wr_init(&set, 1u << 20);
	fl_wr_init(&out, 1u << 20);
	msg(&inner, 1, 0, 0, 11, "x", "1");
	msg(&inner, 1, 1, 0, 12, "y", "2");
	wrapper(&set, 1, 1, FL_MSGSET_ATTR_LOG_APPEND_TIME, 777, &inner);
	CHECK_INT(up(&set, &out, 1u << 20), ==, 2, "LogAppendTime wrapper converts");
	CHECK(batch_recs(out.p, out.len, r, 8) == 2 && r[0].ts == 777 && r[1].ts == 777,
	    "LogAppendTime wrapper: records take the wrapper's time");
	fl_wr_free(&inner);
	fl_wr_free(&set);
	fl_wr_free(&out);
}

static void
expect_up_rc(const struct fl_wr *set, int want, const char *what)
{
	struct fl_wr out;

	fl_wr_init(&out, 1u << 20);
	CHECK_INT(up(set, &out, 1u << 20), ==, want, what);
	fl_wr_free(&out);
}

static void
expect_up_bound(const struct fl_wr *set, size_t bytes_max, int want, const char *what)
{
	struct fl_wr out;

	fl_wr_init(&out, 1u << 20);
	CHECK_INT(up(set, &out, bytes_max), ==, want, what);
	fl_wr_free(&out);
}

static void
test_codecs(void)
{
	static const uint8_t lz4_hello_hdr[6] = { 0x04, 0x22, 0x4d, 0x18, 0x64, 0x40 };
	static const char *name[] = { "", "gzip", "snappy", "lz4" };
	struct fl_wr inner, set, out, back;
	struct fl_msgset_down res;
	struct rec r[8];
	int magic, codec;
	char what[96];

	/* test-compress's vector: Kafka's legacy checksum of this header is 0x0c */
	CHECK_INT((xxh32_short(lz4_hello_hdr, 6) >> 8) & 0xff, ==, 0x0c,
	    "xxh32 here agrees with test-compress's legacy LZ4 vector");
	for (magic = 0; magic <= 1; magic++)
		for (codec = FL_CODEC_GZIP; codec <= FL_CODEC_LZ4; codec++) {
			fl_wr_init(&inner, 1u << 20);
			fl_wr_init(&set, 1u << 20);
			fl_wr_init(&out, 1u << 20);
			fl_wr_init(&back, 1u << 20);
			msg(&inner, magic, 0, 0, 41, "a", "one");
			msg(&inner, magic, 1, 0, 42, NULL, "two");
			wrapper(&set, magic, 1, codec, 42, &inner);
			msg(&inner, magic, 2, 0, 43, "c", NULL);
			wrapper(&set, magic, 3, codec, 43, &inner);
			snprintf(what, sizeof(what), "magic %d, %s wrappers: 2 + 3 records",
			    magic, name[codec]);
			CHECK_INT(up(&set, &out, 1u << 20), ==, 5, what);
			CHECK(batch_recs(out.p, out.len, r, 8) == 5 &&
			    strcmp(r[0].value, "one") == 0 && r[3].key_null &&
			    strcmp(r[4].key, "c") == 0 && r[4].offset == 4 &&
			    r[4].ts == (magic ? 43 : -1),
			    "... in order, timestamps as the magic says");
			CHECK(down(&out, out.len, magic, 0, 1u << 20, 0, &back, &res) == 0 &&
			    set_recs(back.p, back.len, r, 8) == 5 && r[2].attr == 0 &&
			    strcmp(r[2].value, "one") == 0,
			    "... and down again, uncompressed");
			fl_wr_free(&inner);
			fl_wr_free(&set);
			fl_wr_free(&out);
			fl_wr_free(&back);
		}

	/* magic 0's LZ4: Kafka wrote a wrong header checksum; magic 1 must not */
	fl_wr_init(&inner, 1u << 20);
	fl_wr_init(&set, 1u << 20);
	msg(&inner, 0, 0, 0, 0, "k", "v");
	wrapper_hc(&set, 0, 0, FL_CODEC_LZ4, 0, &inner, 1);
	expect_up_rc(&set, 1, "magic 0 LZ4 with the legacy header checksum: accepted");
	fl_wr_reset(&set);
	fl_wr_reset(&inner);
	msg(&inner, 1, 0, 0, 0, "k", "v");
	wrapper_hc(&set, 1, 0, FL_CODEC_LZ4, 0, &inner, 1);
	expect_up_rc(&set, FL_ECORRUPT,
	    "magic 1 LZ4 with the legacy header checksum: FL_ECORRUPT");
	fl_wr_free(&inner);
	fl_wr_free(&set);
}

/* ---- errors ---- */

static void
expect_up(const struct fl_wr *set, int want, const char *what)
{
	struct fl_wr out;

	fl_wr_init(&out, 1u << 20);
	fl_wr_raw(&out, "pre", 3);
	CHECK_INT(up(set, &out, 1u << 20), ==, want, what);
	if (want < 0)
		CHECK(out.len == 3 && out.err == 0, "... and out is back as it was");
	fl_wr_free(&out);
}

static void
test_errors(void)
{
	struct fl_wr set, inner, z;
	struct fl_wr out;
	size_t k, bounds[3];
	int bad, i;

	/* bad CRC: each of a few bytes flipped */
	from_literal(&set, vec_v1, sizeof(vec_v1));
	set.p[12] ^= 1;
	expect_up(&set, FL_ECORRUPT, "CRC byte flipped: FL_ECORRUPT");
	set.p[12] ^= 1;
	set.p[40] ^= 0x20;
	expect_up(&set, FL_ECORRUPT, "value byte flipped: FL_ECORRUPT");
	fl_wr_free(&set);

	/* truncated: every cut is an error unless it falls between messages */
	from_literal(&set, vec_v0, sizeof(vec_v0));
	bounds[0] = 0; bounds[1] = 29; bounds[2] = sizeof(vec_v0);
	bad = 0;
	for (k = 1; k < sizeof(vec_v0); k++) {
		struct fl_wr cut;
		int rc;

		fl_wr_init(&cut, 1024);
		fl_wr_raw(&cut, vec_v0, k);
		fl_wr_init(&out, 1u << 20);
		rc = up(&cut, &out, 1u << 20);
		if (k == bounds[1] ? rc != 1 : rc != FL_ECORRUPT)
			bad++;
		fl_wr_free(&cut);
		fl_wr_free(&out);
	}
	CHECK_INT(bad, ==, 0,
	    "truncated inside a message: FL_ECORRUPT; at a boundary: fewer records");
	fl_wr_free(&set);

	/* wrong sizes */
	from_literal(&set, vec_v0, sizeof(vec_v0));
	fl_store_be32(set.p + 8, 13);
	expect_up(&set, FL_ECORRUPT, "MessageSize 13 (below 14): FL_ECORRUPT");
	fl_store_be32(set.p + 8, 0x7fffffff);
	expect_up(&set, FL_ECORRUPT, "MessageSize past the set: FL_ECORRUPT");
	fl_store_be32(set.p + 8, 0xffffffff);
	expect_up(&set, FL_ECORRUPT, "MessageSize -1: FL_ECORRUPT");
	fl_wr_free(&set);

	/* a key length that overruns, and a message with a byte to spare, CRCs right */
	fl_wr_init(&set, 1024);
	msg(&set, 1, 0, 0, 1, "key", "val");
	fl_store_be32(set.p + 12 + 14, 50);
	fl_store_be32(set.p + 12, (uint32_t)crc32(0, set.p + 16, (uInt)(set.len - 16)));
	expect_up(&set, FL_ECORRUPT, "key length past the message: FL_ECORRUPT");
	fl_wr_reset(&set);
	msg(&set, 1, 0, 0, 1, "key", "val");
	fl_wr_i8(&set, 0);
	fl_store_be32(set.p + 8, fl_load_be32(set.p + 8) + 1);
	fl_store_be32(set.p + 12, (uint32_t)crc32(0, set.p + 16, (uInt)(set.len - 16)));
	expect_up(&set, FL_ECORRUPT, "a byte after the value inside the message: FL_ECORRUPT");
	fl_wr_reset(&set);

	/* magic 2 (or anything else) inside a message set */
	msg(&set, 1, 0, 0, 1, "k", "v");
	set.p[16] = 2;
	fl_store_be32(set.p + 12, (uint32_t)crc32(0, set.p + 16, (uInt)(set.len - 16)));
	expect_up(&set, FL_ECORRUPT, "magic 2 message: FL_ECORRUPT");
	fl_wr_reset(&set);

	/* mixed magics */
	msg(&set, 0, 0, 0, 0, "k", "v");
	msg(&set, 1, 1, 0, 5, "k", "v");
	expect_up(&set, FL_ECORRUPT, "magic 0 then magic 1: FL_ECORRUPT");
	fl_wr_free(&set);

	/* empty set */
	fl_wr_init(&set, 16);
	expect_up(&set, 0, "empty set: 0 records");
	fl_wr_init(&out, 1024);
	CHECK_INT(up(&set, &out, 1024), ==, 0, "empty set: again");
	CHECK_INT(out.len, ==, 0, "empty set: nothing appended");
	fl_wr_free(&out);
	fl_wr_free(&set);

	/* codecs */
	for (i = 4; i <= 7; i++) {
		fl_wr_init(&set, 1024);
		msg_raw(&set, 1, 0, i, 0, (const uint8_t *)"xx", 2);
		expect_up(&set, FL_EPROTO, "codec 4-7 in a legacy message: FL_EPROTO");
		fl_wr_free(&set);
	}
	fl_wr_init(&set, 1024);
	msg_raw(&set, 1, 0, 1, 0, NULL, 0);
	expect_up(&set, FL_ECORRUPT, "gzip wrapper with a null value: FL_ECORRUPT");
	fl_wr_reset(&set);
	msg_raw(&set, 1, 0, 1, 0, (const uint8_t *)"not gzip at all", 15);
	expect_up(&set, FL_ECORRUPT, "gzip wrapper with garbage: FL_ECORRUPT");
	fl_wr_free(&set);

	/* wrapper contents */
	fl_wr_init(&inner, 1u << 20);
	fl_wr_init(&set, 1u << 20);
	wrapper(&set, 1, 0, 0, 0, &inner);
	expect_up(&set, FL_ECORRUPT, "wrapper of an empty set: FL_ECORRUPT");
	fl_wr_reset(&set);
	msg(&inner, 0, 0, 0, 0, "k", "v");
	wrapper(&set, 1, 0, 0, 0, &inner);
	expect_up(&set, FL_ECORRUPT, "magic 0 inside a magic 1 wrapper: FL_ECORRUPT");
	fl_wr_reset(&set);
	fl_wr_reset(&inner);
	msg(&inner, 1, 0, 0, 0, "k", "v");
	fl_wr_init(&z, 1u << 20);
	wrapper(&z, 1, 0, 0, 0, &inner);
	wrapper(&set, 1, 0, 0, 0, &z);
	expect_up(&set, FL_ECORRUPT, "wrapper inside a wrapper: FL_ECORRUPT");
	fl_wr_reset(&set);
	fl_wr_reset(&inner);
	msg(&inner, 1, 0, 0, 0, "k", "v");
	inner.len -= 1;			/* the inner set ends inside a message */
	wrapper(&set, 1, 0, 0, 0, &inner);
	expect_up(&set, FL_ECORRUPT, "inner set with a partial message: FL_ECORRUPT");
	fl_wr_free(&z);
	fl_wr_free(&inner);
	fl_wr_free(&set);

	/* decompression bomb: 4 MiB of one value, bound 64 KiB */
	{
		size_t big = 4u << 20, batch_len;
		char *v = malloc(big + 1);

		FL_ASSERT(v != NULL);
		memset(v, 'a', big);
		v[big] = '\0';
		fl_wr_init(&inner, 8u << 20);
		fl_wr_init(&set, 1u << 20);
		msg(&inner, 1, 0, 0, 0, NULL, v);
		wrapper(&set, 1, 0, 0, 0, &inner);
		CHECK(set.len < 64u << 10, "bomb: the compressed set is small");
		fl_wr_init(&out, 1u << 20);
		CHECK_INT(up(&set, &out, 64u << 10), ==, FL_ERANGE,
		    "bomb: past bytes_max decompressed: FL_ERANGE");
		CHECK_INT(out.len, ==, 0, "bomb: nothing appended");
		fl_wr_free(&out);
		/* and the same within a large enough bound converts */
		fl_wr_init(&out, 8u << 20);
		CHECK_INT(up(&set, &out, 8u << 20), ==, 1, "bomb: within the bound it converts");
		batch_len = out.len;
		CHECK(batch_len > inner.len, "(the batch is larger than the inflated set)");
		fl_wr_free(&out);
		/* exactly at the bound: both the inflated set and the batch fit */
		fl_wr_init(&out, 8u << 20);
		CHECK_INT(up(&set, &out, batch_len), ==, 1, "bound equal to the batch's size converts");
		fl_wr_reset(&out);
		CHECK_INT(up(&set, &out, batch_len - 1), ==, FL_ERANGE,
		    "one byte less: the batch is above bytes_max: FL_ERANGE");
		CHECK_INT(out.len, ==, 0, "... nothing appended");
		fl_wr_reset(&out);
		CHECK_INT(up(&set, &out, inner.len - 1), ==, FL_ERANGE,
		    "below the inflated size: FL_ERANGE");
		fl_wr_free(&out);
		/* and a plain set whose batch is above bytes_max */
		fl_wr_free(&set);
		fl_wr_init(&set, 1u << 20);
		msg(&set, 1, 0, 0, 0, "key", "value");
		/* 61 + record: length, attributes, two deltas, 1+3, 1+5, headers */
		expect_up_bound(&set, 76, 1, "plain set, batch of 76 bytes within 76");
		expect_up_bound(&set, 75, FL_ERANGE, "plain set, batch of 76 bytes above 75: FL_ERANGE");
		fl_wr_free(&set);
		fl_wr_free(&inner);
		free(v);
	}
}

/* ---- down-conversion from built batches ---- */

static struct fl_slice
S(const char *s)
{
	struct fl_slice x = { (const uint8_t *)s, strlen(s) };

	return x;
}

/* A batch of n records ("k<i>", "v<i>") at base offset base, ts 100+i. */
static void
mk_batch(struct fl_wr *w, int64_t base, int n, int16_t attrs)
{
	struct fl_batch_builder b;
	struct fl_record_header hd = { { (const uint8_t *)"h", 1 }, { (const uint8_t *)"x", 1 } };
	size_t at = w->len;
	char k[16], v[16];
	int i;

	fl_batch_begin(&b, w, 100, -1, -1, -1, attrs);
	for (i = 0; i < n; i++) {
		struct fl_slice ks, vs;

		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		ks = S(k);
		vs = S(v);
		FL_ASSERT(fl_batch_add(&b, 100 + i, &ks, &vs, &hd, 1) == 0);
	}
	FL_ASSERT(fl_batch_end(&b) == 0);
	fl_batch_set_base(w->p + at, base, 3);
}

/* Compress the batch at w[at..] in place, fixing length and CRC. */
static void
compress_batch(struct fl_wr *w, size_t at, int codec)
{
	struct fl_wr z;
	size_t n = w->len - at;
	uint8_t *p;

	fl_wr_init(&z, 1u << 20);
	fl_wr_raw(&z, w->p + at, FL_BATCH_HDR_BYTES);
	if (codec == FL_CODEC_GZIP)
		gzip_into(w->p + at + FL_BATCH_HDR_BYTES, n - FL_BATCH_HDR_BYTES, &z);
	else
		FL_ASSERT(fl_compress(codec, w->p + at + FL_BATCH_HDR_BYTES,
		    n - FL_BATCH_HDR_BYTES, &z) == 0);
	p = z.p;
	fl_store_be16(p + FL_BATCH_OFF_ATTRIBUTES,
	    (uint16_t)(fl_load_be16(p + FL_BATCH_OFF_ATTRIBUTES) | codec));
	fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(z.len - 12));
	fl_store_be32(p + FL_BATCH_OFF_CRC, fl_batch_compute_crc(p, z.len));
	w->len = at;
	fl_wr_raw(w, z.p, z.len);
	fl_wr_free(&z);
}

static void
test_down(void)
{
	struct fl_wr in, out;
	struct fl_msgset_down res;
	struct rec r[32];
	size_t b1, b2, b3, at;
	int n;

	fl_wr_init(&in, 1u << 20);
	mk_batch(&in, 100, 3, 0);			/* 100..102 */
	b1 = in.len;
	mk_batch(&in, 103, 1, FL_BATCH_ATTR_CONTROL);	/* a marker: skipped */
	b2 = in.len;
	at = in.len;
	mk_batch(&in, 104, 2, FL_BATCH_ATTR_LOG_APPEND_TIME);
	/* LogAppendTime: the broker's time in MaxTimestamp */
	fl_store_be64(in.p + at + FL_BATCH_OFF_MAX_TS, 5555);
	fl_store_be32(in.p + at + FL_BATCH_OFF_CRC, fl_batch_compute_crc(in.p + at, in.len - at));
	b3 = in.len;
	at = in.len;
	mk_batch(&in, 106, 4, 0);			/* 106..109, gzip'd */
	compress_batch(&in, at, FL_CODEC_GZIP);

	fl_wr_init(&out, 1u << 20);
	CHECK_INT(down(&in, in.len, 1, 0, 1u << 20, 0, &out, &res), ==, 0, "down v1: converts");
	n = set_recs(out.p, out.len, r, 32);
	CHECK_INT(n, ==, 9, "down v1: 3 + 2 + 4 messages, the control batch skipped");
	CHECK(r[0].offset == 100 && r[2].offset == 102 && r[3].offset == 104 &&
	    r[5].offset == 106 && r[8].offset == 109, "down: absolute offsets");
	CHECK(r[0].ts == 100 && r[2].ts == 102 && r[0].attr == 0,
	    "down v1: CreateTime timestamps, attributes 0");
	CHECK(r[3].ts == 5555 && r[4].ts == 5555 &&
	    r[3].attr == FL_MSGSET_ATTR_LOG_APPEND_TIME,
	    "down v1: LogAppendTime batch: MaxTimestamp and attribute bit 3");
	CHECK(strcmp(r[5].key, "k0") == 0 && strcmp(r[8].value, "v3") == 0 &&
	    r[8].ts == 103 && r[8].attr == 0,
	    "down v1: the gzip batch's records, written uncompressed");
	CHECK(res.count == 9 && res.next_offset == 110 && res.in_bytes == in.len &&
	    !res.is_partial, "down: result says 9 messages, all input");

	/* magic 0: no timestamps; sizes 14 + k + v */
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 0, 0, 1u << 20, 0, &out, &res), ==, 0, "down v0: converts");
	n = set_recs(out.p, out.len, r, 32);
	CHECK(n == 9 && r[0].magic == 0 && r[0].ts == -1 && r[3].attr == 0,
	    "down v0: magic 0 messages, no timestamp, no LogAppendTime bit");
	CHECK_INT(out.len, ==, 9 * (12 + 14 + 4), "down v0: headers dropped (sizes add up)");

	/* fetch offset inside the first batch */
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 101, 1u << 20, 0, &out, &res), ==, 0, "down from 101");
	n = set_recs(out.p, out.len, r, 32);
	CHECK(n == 8 && r[0].offset == 101, "down: records below the fetch offset are dropped");
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 107, 1u << 20, 0, &out, &res), ==, 0, "down from 107");
	n = set_recs(out.p, out.len, r, 32);
	CHECK(n == 3 && r[0].offset == 107 && res.in_bytes == in.len,
	    "down: whole batches below the fetch offset skipped");

	/* partial last batch: stop before it */
	fl_wr_reset(&out);
	CHECK_INT(down(&in, b3 + 30, 1, 0, 1u << 20, 0, &out, &res), ==, 0, "partial tail: ok");
	CHECK(set_recs(out.p, out.len, r, 32) == 5 && res.in_bytes == b3,
	    "partial tail: stops before it, in_bytes at its start");
	fl_wr_reset(&out);
	CHECK_INT(down(&in, b1 + 5, 1, 0, 1u << 20, 0, &out, &res), ==, 0,
	    "tail shorter than a batch's length field: ok");
	CHECK(res.count == 3 && res.in_bytes == b1, "... stops there");

	/* output bound: 2 messages of 12 + 22 + 4 = 38 bytes fit in 100 */
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 0, 100, 0, &out, &res), ==, 0, "bounded: ok");
	CHECK(res.count == 2 && out.len == 76 && res.next_offset == 102 &&
	    res.in_bytes == 0 && !res.is_partial,
	    "bounded: whole messages only, stops inside the batch, in_bytes 0");
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 0, 3 * 38, 0, &out, &res), ==, 0, "bounded at a batch end");
	CHECK(res.count == 3 && res.in_bytes == b2,
	    "bounded at a batch end: the batch and the skipped marker counted");
	/* first message larger than the bound */
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 0, 10, 0, &out, &res), ==, 0, "soft bound 10: ok");
	CHECK(res.count == 1 && out.len == 38 && !res.is_partial,
	    "soft bound (Fetch v3): the first message whole");
	fl_wr_reset(&out);
	CHECK_INT(down(&in, in.len, 1, 0, 10, FL_MSGSET_HARD_LIMIT, &out, &res), ==, 0,
	    "hard bound 10: ok");
	CHECK(res.count == 0 && out.len == 10 && res.is_partial && res.next_offset == 0,
	    "hard bound (Fetch v0-2): the first message cut at max bytes");

	/* a damaged batch: error, out back, in_bytes at its start */
	in.p[b3 + 70] ^= 1;
	fl_wr_reset(&out);
	fl_wr_raw(&out, "pre", 3);
	CHECK_INT(down(&in, in.len, 1, 0, 1u << 20, 0, &out, &res), ==, FL_ECORRUPT,
	    "damaged gzip batch: FL_ECORRUPT");
	CHECK(out.len == 3 && res.in_bytes == b3 && res.count == 0,
	    "damaged: out back as it was, in_bytes at the bad batch");
	in.p[b3 + 70] ^= 1;

	CHECK_INT(down(&in, in.len, 2, 0, 1u << 20, 0, &out, &res), ==, FL_EINVAL,
	    "magic 2: FL_EINVAL");

	/* every codec a v2 batch may have, zstd included */
	{
		int codec, bad = 0;

		for (codec = FL_CODEC_GZIP; codec <= FL_CODEC_ZSTD; codec++) {
			fl_wr_reset(&in);
			mk_batch(&in, 50, 5, 0);
			compress_batch(&in, 0, codec);
			fl_wr_reset(&out);
			if (down(&in, in.len, 1, 0, 1u << 20, 0, &out, &res) != 0 ||
			    set_recs(out.p, out.len, r, 32) != 5 || r[4].offset != 54 ||
			    strcmp(r[4].value, "v4") != 0 || r[4].ts != 104)
				bad++;
		}
		CHECK_INT(bad, ==, 0, "down: gzip, snappy, lz4 and zstd batches convert");
	}
	fl_wr_reset(&out);
	CHECK_INT(down(&in, 0, 1, 0, 1u << 20, 0, &out, &res), ==, 0, "no input: ok");
	CHECK(out.len == 0 && res.in_bytes == 0 && res.count == 0, "no input: nothing");
	fl_wr_free(&in);
	fl_wr_free(&out);
}

/* Round trip through the fuzz property on a larger, seeded set. */
static void
test_roundtrip_many(void)
{
	struct fl_wr set, b1, mid, b2;
	struct fl_msgset_down res;
	char k[32], v[64];
	int magic, i;

	for (magic = 0; magic <= 1; magic++) {
		fl_wr_init(&set, 1u << 20);
		for (i = 0; i < 300; i++) {
			snprintf(k, sizeof(k), "key-%d", i * 7);
			snprintf(v, sizeof(v), "value-%d-%s", i, i % 3 ? "x" : "yyyyyyyyyy");
			msg(&set, magic, i, 0, (int64_t)1700000000000LL + (i * 37) % 1000 - 500,
			    i % 11 == 0 ? NULL : k, i % 13 == 0 ? NULL : v);
		}
		fl_wr_init(&b1, 1u << 20);
		fl_wr_init(&mid, 1u << 20);
		fl_wr_init(&b2, 1u << 20);
		CHECK_INT(up(&set, &b1, 1u << 20), ==, 300, "300 messages up");
		CHECK_INT(down(&b1, b1.len, magic, 0, 1u << 20, 0, &mid, &res), ==, 0, "and down");
		CHECK(mid.len == set.len && memcmp(mid.p, set.p, set.len) == 0,
		    magic ? "v1: 300 messages come back byte for byte" :
		    "v0: 300 messages come back byte for byte");
		CHECK_INT(up(&mid, &b2, 1u << 20), ==, 300, "and up again");
		CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0,
		    "batch -> msgset -> batch: the same batch");
		fl_wr_free(&set);
		fl_wr_free(&b1);
		fl_wr_free(&mid);
		fl_wr_free(&b2);
	}
}

int
main(void)
{
	test_literal_v0();
	test_literal_v1();
	test_gzip();
	test_codecs();
	test_errors();
	test_down();
	test_roundtrip_many();
	return tap_done();
}
