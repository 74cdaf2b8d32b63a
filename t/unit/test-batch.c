/*
 * test-batch.c: RecordBatch v2 build, parse, check, iterate; a seeded
 * mutation fuzz loop (meant to run under ASan too).
 *
 * Buffers handed to the parser are malloc'd at their exact size, so ASan
 * sees any read past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "codec/compress.h"
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

static struct fl_slice
S(const char *s)
{
	struct fl_slice x = { (const uint8_t *)s, strlen(s) };

	return x;
}

static const struct fl_slice NUL_SLICE = { NULL, 0 };

static void
fix_crc(uint8_t *p, size_t n)
{
	fl_store_be32(p + FL_BATCH_OFF_CRC, fl_batch_compute_crc(p, n));
}

/*
 * A batch around raw record bytes: a valid header claiming count records,
 * correct length and CRC.  Caller frees.
 */
static uint8_t *
mk_raw(const uint8_t *recs, size_t recs_len, int32_t count, size_t *n)
{
	struct fl_batch_builder b;
	struct fl_wr w;
	uint8_t *p;

	fl_wr_init(&w, 1u << 20);
	fl_batch_begin(&b, &w, 1000, -1, -1, -1, 0);
	fl_wr_raw(&w, recs, recs_len);
	FL_ASSERT(w.err == 0);
	p = fl_wr_detach(&w, n);
	fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(*n - 12));
	fl_store_be32(p + FL_BATCH_OFF_COUNT, (uint32_t)count);
	fl_store_be32(p + FL_BATCH_OFF_LAST_DELTA, (uint32_t)(count - 1));
	fix_crc(p, *n);
	return p;
}

/* ---- the hand-computed vector ---- */

/*
 * One record: no key, value "hello", header h1=x, at BaseTimestamp
 * 1700000000000 (0x18BCFE56800); ProducerId/Epoch/Sequence -1.  The record
 * bytes are the kcat example of kafka-subset.md 4.3; the CRC was computed
 * with an independent bitwise CRC-32C over bytes [21, 78).
 */
static const uint8_t vec1[78] = {
	0, 0, 0, 0, 0, 0, 0, 0,			/* BaseOffset 0 */
	0, 0, 0, 66,				/* BatchLength 78 - 12 */
	0xff, 0xff, 0xff, 0xff,			/* PartitionLeaderEpoch -1 */
	2,					/* Magic */
	0xdc, 0xa3, 0xb9, 0x6b,			/* CRC-32C */
	0, 0,					/* Attributes */
	0, 0, 0, 0,				/* LastOffsetDelta */
	0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,	/* BaseTimestamp */
	0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,	/* MaxTimestamp */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* ProducerId */
	0xff, 0xff,				/* ProducerEpoch */
	0xff, 0xff, 0xff, 0xff,			/* BaseSequence */
	0, 0, 0, 1,				/* RecordCount */
	0x20, 0x00, 0x00, 0x00, 0x01, 0x0a, 'h', 'e', 'l', 'l', 'o',
	0x02, 0x04, 'h', '1', 0x02, 'x',
};

static void
test_vector(void)
{
	const int64_t ts = 1700000000000LL;
	struct fl_record_header hh = { S("h1"), S("x") }, got_h;
	struct fl_slice val = S("hello");
	struct fl_batch_builder b;
	struct fl_record_iter it;
	struct fl_batch_hdr h;
	struct fl_record rec;
	struct fl_err err;
	struct fl_wr w;
	struct fl_rd hr;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 4096);
	fl_batch_begin(&b, &w, ts, -1, -1, -1, 0);
	CHECK_INT(fl_batch_add(&b, ts, NULL, &val, &hh, 1), ==, 0, "vector: add");
	CHECK_INT(fl_batch_end(&b), ==, 0, "vector: end");
	CHECK_U64(w.len, ==, sizeof(vec1), "vector: size 78");
	CHECK(w.len == sizeof(vec1) && memcmp(w.p, vec1, sizeof(vec1)) == 0,
	    "vector: builder output equals the hand-computed bytes");
	CHECK_U64(fl_batch_compute_crc(vec1, sizeof(vec1)), ==, 0xdca3b96bu,
	    "vector: compute_crc matches the independent CRC");
	fl_wr_free(&w);

	p = dup_exact(vec1, sizeof(vec1));
	n = sizeof(vec1);
	CHECK_INT(fl_batch_check(p, n, FL_BATCH_CHECK_RECORDS, &h, &err), ==, 0,
	    "vector: check with records");
	CHECK_INT(h.length, ==, 66, "vector: length");
	CHECK_INT(h.leader_epoch, ==, -1, "vector: epoch");
	CHECK_INT(h.magic, ==, 2, "vector: magic");
	CHECK_U64(h.crc, ==, 0xdca3b96bu, "vector: crc field");
	CHECK_INT(h.base_ts, ==, ts, "vector: base ts");
	CHECK_INT(h.max_ts, ==, ts, "vector: max ts");
	CHECK_INT(h.producer_id, ==, -1, "vector: pid");
	CHECK_INT(h.producer_epoch, ==, -1, "vector: pepoch");
	CHECK_INT(h.base_seq, ==, -1, "vector: seq");
	CHECK_INT(h.count, ==, 1, "vector: count");
	CHECK_INT(fl_record_iter_init(&it, p, n), ==, 0, "vector: iter init");
	CHECK_INT(fl_record_next(&it, &rec), ==, 1, "vector: one record");
	CHECK(rec.key.p == NULL && rec.key.len == 0, "vector: null key");
	CHECK(rec.value.len == 5 && memcmp(rec.value.p, "hello", 5) == 0, "vector: value");
	CHECK_INT(rec.offset, ==, 0, "vector: offset");
	CHECK_INT(rec.timestamp, ==, ts, "vector: timestamp");
	CHECK_INT(rec.attributes, ==, 0, "vector: record attributes");
	CHECK_INT(rec.header_count, ==, 1, "vector: header count");
	CHECK_U64(rec.headers.len, ==, 5, "vector: header bytes");
	fl_rd_init(&hr, rec.headers.p, rec.headers.len);
	CHECK_INT(fl_record_header_next(&hr, &got_h), ==, 1, "vector: header");
	CHECK(got_h.key.len == 2 && memcmp(got_h.key.p, "h1", 2) == 0, "vector: header key");
	CHECK(got_h.value.len == 1 && memcmp(got_h.value.p, "x", 1) == 0, "vector: header value");
	CHECK_INT(fl_record_header_next(&hr, &got_h), ==, 0, "vector: header end");
	CHECK_INT(fl_record_next(&it, &rec), ==, 0, "vector: end of records");
	CHECK_INT(fl_record_next(&it, &rec), ==, 0, "vector: end stays end");
	free(p);
}

/* ---- round trip ---- */

#define RT_RECORDS 300

/* A record's content as a function of its index, for building and checking. */
static void
rt_record(int i, char *kbuf, char *vbuf, struct fl_slice *k, struct fl_slice *v,
    int64_t *ts, struct fl_record_header *hs, size_t *nh)
{
	size_t j;

	snprintf(kbuf, 32, "key-%d", i);
	/* values of many sizes, so record lengths take 1 and 2 byte varints */
	memset(vbuf, 'a' + i % 26, (size_t)(i * 7 % 200));
	*k = (i % 5 == 0) ? NUL_SLICE : S(kbuf);
	if (i % 7 == 3)
		*k = (struct fl_slice){ (const uint8_t *)"", 0 };	/* empty, not null */
	v->p = (i % 11 == 4) ? NULL : (const uint8_t *)vbuf;
	v->len = v->p ? (size_t)(i * 7 % 200) : 0;
	/* timestamps both before and after the base, and far away */
	*ts = 5000000 + (int64_t)((i * 37) % 101) - 50;
	if (i == 17)
		*ts = INT64_C(1) << 50;
	*nh = (size_t)(i % 4);
	for (j = 0; j < *nh; j++) {
		hs[j].key = (j == 1) ? (struct fl_slice){ NULL, 0 } : S("hk");
		hs[j].value = (j == 2) ? NUL_SLICE : S("header-value");
	}
}

static void
test_round_trip(void)
{
	char kbuf[32], vbuf[256];
	struct fl_record_header hs[4], gh;
	struct fl_slice k, v;
	struct fl_batch_builder b;
	struct fl_record_iter it;
	struct fl_batch_hdr h;
	struct fl_record rec;
	struct fl_wr w;
	struct fl_rd hr;
	int64_t ts, max_ts = INT64_MIN;
	size_t nh, n, j;
	uint8_t *p;
	int i, bad = 0, rc;

	fl_wr_init(&w, 1u << 20);
	fl_wr_raw(&w, "prefix", 6);	/* a batch need not start at offset 0 of w */
	fl_batch_begin(&b, &w, 5000000, 4242, 3, 100, FL_BATCH_ATTR_TRANSACTIONAL);
	for (i = 0; i < RT_RECORDS; i++) {
		rt_record(i, kbuf, vbuf, &k, &v, &ts, hs, &nh);
		if (fl_batch_add(&b, ts, &k, &v, hs, nh) != 0)
			bad++;
		if (ts > max_ts)
			max_ts = ts;
	}
	CHECK_INT(bad, ==, 0, "round trip: every add succeeds");
	CHECK_INT(fl_batch_end(&b), ==, 0, "round trip: end");
	CHECK_MEM(w.p, "prefix", 6, "round trip: bytes before the batch untouched");
	n = w.len - 6;
	p = dup_exact(w.p + 6, n);
	fl_wr_free(&w);

	CHECK_INT(fl_batch_check(p, n, FL_BATCH_CHECK_RECORDS, &h, NULL), ==, 0,
	    "round trip: check with records");
	CHECK_INT(fl_batch_check(p, n, 0, NULL, NULL), ==, 0, "round trip: check, NULL h");
	CHECK_U64(fl_batch_size(&h), ==, n, "round trip: size");
	CHECK_INT(h.base_offset, ==, 0, "round trip: base offset 0");
	CHECK_INT(h.leader_epoch, ==, -1, "round trip: epoch -1");
	CHECK_INT(h.attributes, ==, FL_BATCH_ATTR_TRANSACTIONAL, "round trip: attributes");
	CHECK_INT(h.count, ==, RT_RECORDS, "round trip: count");
	CHECK_INT(h.last_offset_delta, ==, RT_RECORDS - 1, "round trip: last delta");
	CHECK_INT(fl_batch_last_offset(&h), ==, RT_RECORDS - 1, "round trip: last offset");
	CHECK_INT(h.base_ts, ==, 5000000, "round trip: base ts");
	CHECK_INT(h.max_ts, ==, max_ts, "round trip: max ts");
	CHECK_INT(h.producer_id, ==, 4242, "round trip: pid");
	CHECK_INT(h.producer_epoch, ==, 3, "round trip: producer epoch");
	CHECK_INT(h.base_seq, ==, 100, "round trip: base seq");

	CHECK_INT(fl_record_iter_init(&it, p, n), ==, 0, "round trip: iter init");
	bad = 0;
	for (i = 0; i < RT_RECORDS; i++) {
		rt_record(i, kbuf, vbuf, &k, &v, &ts, hs, &nh);
		if ((rc = fl_record_next(&it, &rec)) != 1) {
			printf("# record %d: next returned %d\n", i, rc);
			bad++;
			break;
		}
		if (rec.offset != i || rec.timestamp != ts || rec.attributes != 0 ||
		    (k.p == NULL) != (rec.key.p == NULL) || k.len != rec.key.len ||
		    (k.len && memcmp(k.p, rec.key.p, k.len) != 0) ||
		    (v.p == NULL) != (rec.value.p == NULL) || v.len != rec.value.len ||
		    (v.len && memcmp(v.p, rec.value.p, v.len) != 0) ||
		    rec.header_count != (int32_t)nh) {
			printf("# record %d differs\n", i);
			bad++;
			continue;
		}
		fl_rd_init(&hr, rec.headers.p, rec.headers.len);
		for (j = 0; j < nh; j++) {
			if (fl_record_header_next(&hr, &gh) != 1 ||
			    gh.key.p == NULL || gh.key.len != hs[j].key.len ||
			    (gh.key.len && memcmp(gh.key.p, hs[j].key.p, gh.key.len) != 0) ||
			    (gh.value.p == NULL) != (hs[j].value.p == NULL) ||
			    gh.value.len != hs[j].value.len ||
			    (gh.value.len && memcmp(gh.value.p, hs[j].value.p, gh.value.len) != 0)) {
				printf("# record %d header %zu differs\n", i, j);
				bad++;
			}
		}
		if (fl_record_header_next(&hr, &gh) != 0)
			bad++;
	}
	CHECK_INT(bad, ==, 0, "round trip: every record, key, value, timestamp, header");
	CHECK_INT(fl_record_next(&it, &rec), ==, 0, "round trip: iterator ends");

	/* set_base: outside the CRC, the batch stays valid */
	fl_batch_set_base(p, INT64_C(1) << 40, 7);
	CHECK_INT(fl_batch_check(p, n, FL_BATCH_CHECK_RECORDS, &h, NULL), ==, 0,
	    "set_base: CRC still valid");
	CHECK_INT(h.base_offset, ==, INT64_C(1) << 40, "set_base: base offset");
	CHECK_INT(h.leader_epoch, ==, 7, "set_base: epoch");
	CHECK_INT(fl_batch_last_offset(&h), ==, (INT64_C(1) << 40) + RT_RECORDS - 1,
	    "set_base: last offset");
	CHECK_INT(fl_record_iter_init(&it, p, n), ==, 0, "set_base: iter init");
	bad = 0;
	for (i = 0; fl_record_next(&it, &rec) == 1; i++)
		if (rec.offset != (INT64_C(1) << 40) + i)
			bad++;
	CHECK_INT(i, ==, RT_RECORDS, "set_base: iterator sees every record");
	CHECK_INT(bad, ==, 0, "set_base: record offsets = base + delta");
	free(p);
}

/* ---- header, peek ---- */

static void
test_peek_and_parse(void)
{
	struct fl_batch_hdr h;
	uint8_t buf[61];
	uint64_t total = 0;
	size_t i;
	int bad = 0;

	memcpy(buf, vec1, sizeof(buf));
	for (i = 0; i < 12; i++)
		if (fl_batch_peek_size(buf, i, &total) != FL_ESHORT)
			bad++;
	CHECK_INT(bad, ==, 0, "peek: FL_ESHORT below 12 bytes");
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, 0, "peek: 12 bytes suffice");
	CHECK_U64(total, ==, 78, "peek: total = length + 12");
	fl_store_be32(buf + 8, 49);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, 0, "peek: length 49 ok");
	CHECK_U64(total, ==, 61, "peek: header-only total");
	fl_store_be32(buf + 8, 48);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, FL_ECORRUPT, "peek: length 48");
	fl_store_be32(buf + 8, 0xffffffffu);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, FL_ECORRUPT, "peek: length -1");
	fl_store_be32(buf + 8, 0x80000000u);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, FL_ECORRUPT, "peek: INT32_MIN");
	fl_store_be32(buf + 8, FL_BATCH_BYTES_MAX - 12);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, 0, "peek: exactly the max");
	fl_store_be32(buf + 8, FL_BATCH_BYTES_MAX - 11);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, FL_ECORRUPT, "peek: max + 1");
	fl_store_be32(buf + 8, 0x7fffffffu);
	CHECK_INT(fl_batch_peek_size(buf, 12, &total), ==, FL_ECORRUPT, "peek: INT32_MAX");

	bad = 0;
	for (i = 0; i < 61; i++)
		if (fl_batch_hdr_parse(vec1, i, &h) != FL_ESHORT)
			bad++;
	CHECK_INT(bad, ==, 0, "hdr_parse: FL_ESHORT below 61 bytes");
	CHECK_INT(fl_batch_hdr_parse(vec1, 61, &h), ==, 0, "hdr_parse: 61 bytes suffice");
	CHECK_INT(h.count, ==, 1, "hdr_parse: count");
	CHECK_U64(fl_batch_compute_crc(vec1, 21), ==, 0, "compute_crc: empty range is 0");
}

/* ---- rejections ---- */

static int
check_rc(const uint8_t *p, size_t n, unsigned flags)
{
	uint8_t *q = dup_exact(p, n);
	struct fl_err err = { 0, "" };
	int rc = fl_batch_check(q, n, flags, NULL, &err);

	if (rc != 0 && (err.code != rc || err.msg[0] == '\0'))
		rc = 999;	/* the message must be filled */
	free(q);
	return rc;
}

/* Build a small valid 3-record batch into a malloc'd buffer. */
static uint8_t *
mk_valid(size_t *n)
{
	struct fl_record_header hh[2] = { { S("a"), S("1") }, { S("b"), NUL_SLICE } };
	struct fl_slice k = S("k"), v = S("value");
	struct fl_batch_builder b;
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	fl_batch_begin(&b, &w, 100, -1, -1, -1, 0);
	fl_batch_add(&b, 100, &k, &v, hh, 2);
	fl_batch_add(&b, 101, NULL, NULL, NULL, 0);
	fl_batch_add(&b, 99, &k, NULL, hh, 1);
	FL_ASSERT(fl_batch_end(&b) == 0);
	return fl_wr_detach(&w, n);
}

static void
test_rejects(void)
{
	size_t n, i, bit;
	uint8_t *p = mk_valid(&n), *q;
	struct fl_batch_hdr h;
	int bad, rc, codec;

	CHECK_INT(check_rc(p, n, FL_BATCH_CHECK_RECORDS), ==, 0, "rejects: base batch is valid");

	bad = 0;
	for (i = 0; i < n; i++) {
		if (check_rc(p, i, 0) != FL_ECORRUPT)
			bad++;
		if (check_rc(p, i, FL_BATCH_CHECK_RECORDS) != FL_ECORRUPT)
			bad++;
	}
	CHECK_INT(bad, ==, 0, "rejects: every truncation is FL_ECORRUPT");

	/* h filled as far as the header parsed */
	q = dup_exact(p, 20);
	CHECK_INT(fl_batch_check(q, 20, 0, &h, NULL), ==, FL_ECORRUPT, "rejects: 20 bytes");
	CHECK_INT(h.length, ==, (int32_t)(n - 12), "rejects: short batch still reports length");
	CHECK_INT(h.magic, ==, 2, "rejects: short batch still reports magic");
	free(q);

	q = malloc(n + 1);
	memcpy(q, p, n);
	q[n] = 0;
	CHECK_INT(check_rc(q, n + 1, 0), ==, FL_ECORRUPT, "rejects: a trailing byte");
	free(q);

	q = dup_exact(p, n);
	fl_store_be32(q + 8, (uint32_t)(n - 12 + 1));
	CHECK_INT(check_rc(q, n, 0), ==, FL_ECORRUPT, "rejects: BatchLength one too many");
	fl_store_be32(q + 8, (uint32_t)(n - 12 - 1));
	CHECK_INT(check_rc(q, n, 0), ==, FL_ECORRUPT, "rejects: BatchLength one too few");
	fl_store_be32(q + 8, 0xffffffffu);
	CHECK_INT(check_rc(q, n, 0), ==, FL_ECORRUPT, "rejects: BatchLength -1");
	memcpy(q, p, n);
	q[16] = 1;
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: magic 1");
	q[16] = 3;
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: magic 3");
	q[16] = 0;
	CHECK_INT(check_rc(q, n, FL_BATCH_CHECK_RECORDS), ==, FL_EPROTO, "rejects: magic 0");
	free(q);

	bad = 0;
	for (i = FL_BATCH_OFF_CRC; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			q = dup_exact(p, n);
			q[i] ^= (uint8_t)(1u << bit);
			if (fl_batch_check(q, n, FL_BATCH_CHECK_RECORDS, NULL, NULL) != FL_ECORRUPT)
				bad++;
			if (fl_batch_check(q, n, 0, NULL, NULL) != FL_ECORRUPT)
				bad++;
			free(q);
		}
	CHECK_INT(bad, ==, 0, "rejects: every flipped bit from byte 17 on is FL_ECORRUPT");

	/* bytes 0-15 are outside the CRC: flipping them never breaks it */
	bad = 0;
	for (i = 0; i < 8; i++) {
		q = dup_exact(p, n);
		q[i] ^= 0x40;
		q[12 + i % 4] ^= 0x01;
		if (fl_batch_check(q, n, FL_BATCH_CHECK_RECORDS, NULL, NULL) != 0)
			bad++;
		free(q);
	}
	CHECK_INT(bad, ==, 0, "rejects: BaseOffset/epoch bits are outside the CRC");

	/* header field mutations with the CRC made right again */
	q = dup_exact(p, n);
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 1);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: LastOffsetDelta 1 with count 3");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 3);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: LastOffsetDelta 3 with count 3");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 0x7fffffffu);
	fl_store_be32(q + FL_BATCH_OFF_COUNT, 0x80000000u);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: LastOffsetDelta INT32_MAX (no overflow)");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 0xfffffffeu);
	fl_store_be32(q + FL_BATCH_OFF_COUNT, 0xffffffffu);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: count -1 with delta -2");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 0xffffffffu);
	fl_store_be32(q + FL_BATCH_OFF_COUNT, 0);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, FL_EPROTO, "rejects: count 0 with delta -1");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 3);
	fl_store_be32(q + FL_BATCH_OFF_COUNT, 4);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, 0), ==, 0, "rejects: consistent count 4 passes the header check");
	CHECK_INT(check_rc(q, n, FL_BATCH_CHECK_RECORDS), ==, FL_ECORRUPT,
	    "rejects: ... but 3 records cannot be 4");
	fl_store_be32(q + FL_BATCH_OFF_LAST_DELTA, 1);
	fl_store_be32(q + FL_BATCH_OFF_COUNT, 2);
	fix_crc(q, n);
	CHECK_INT(check_rc(q, n, FL_BATCH_CHECK_RECORDS), ==, FL_ECORRUPT,
	    "rejects: 3 records with count 2 leave bytes over");
	free(q);

	for (codec = 1; codec <= 7; codec++) {
		char what[80];
		struct fl_record_iter it;

		q = dup_exact(p, n);
		fl_store_be16(q + FL_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
		/* compressed data is opaque: garble the records, they must not be walked */
		memset(q + FL_BATCH_HDR_BYTES, 0xff, n - FL_BATCH_HDR_BYTES);
		fix_crc(q, n);
		rc = check_rc(q, n, FL_BATCH_CHECK_RECORDS);
		snprintf(what, sizeof(what), "codec %d: check %s", codec,
		    codec <= 4 ? "passes (records not walked)" : "is FL_EPROTO");
		CHECK_INT(rc, ==, codec <= 4 ? 0 : FL_EPROTO, what);
		if (codec <= 4) {
			snprintf(what, sizeof(what), "codec %d: iter_init is FL_ERANGE", codec);
			CHECK_INT(fl_record_iter_init(&it, q, n), ==, FL_ERANGE, what);
		}
		free(q);
	}
	free(p);

	/* count 0, as the builder makes it with no records */
	{
		struct fl_batch_builder b;
		struct fl_wr w;

		fl_wr_init(&w, 1024);
		fl_batch_begin(&b, &w, 5, -1, -1, -1, 0);
		CHECK_INT(fl_batch_end(&b), ==, 0, "count 0: builder completes");
		CHECK_U64(w.len, ==, FL_BATCH_HDR_BYTES, "count 0: header only");
		CHECK_INT(check_rc(w.p, w.len, FL_BATCH_CHECK_RECORDS), ==, FL_EPROTO,
		    "count 0: FL_EPROTO");
		fl_wr_free(&w);
	}
}

/* Raw records: one record's bytes, then the expected result of checking it. */
struct raw_case {
	const char *what;
	uint8_t bytes[40];
	size_t len;
	int32_t count;
	int want_records;	/* with FL_BATCH_CHECK_RECORDS */
};

static const struct raw_case raw_cases[] = {
	{ "raw: minimal record is valid",
	  { 0x0c, 0, 0, 0, 1, 1, 0 }, 7, 1, 0 },
	{ "raw: Length one short of the fields",
	  { 0x0a, 0, 0, 0, 1, 1, 0 }, 7, 1, FL_ECORRUPT },
	{ "raw: Length one past the batch end",
	  { 0x0e, 0, 0, 0, 1, 1, 0 }, 7, 1, FL_ECORRUPT },
	{ "raw: Length leaves a byte inside the record",
	  { 0x0e, 0, 0, 0, 1, 1, 0, 0 }, 8, 1, FL_ECORRUPT },
	{ "raw: negative Length",
	  { 0x01, 0, 0, 0, 1, 1, 0 }, 7, 1, FL_ECORRUPT },
	{ "raw: a byte after the last record",
	  { 0x0c, 0, 0, 0, 1, 1, 0, 0 }, 8, 1, FL_ECORRUPT },
	{ "raw: two records, both deltas right",
	  { 0x0c, 0, 0, 0, 1, 1, 0, 0x0c, 0, 0, 2, 1, 1, 0 }, 14, 2, 0 },
	{ "raw: OffsetDelta 1 for record 0",
	  { 0x0c, 0, 0, 2, 1, 1, 0 }, 7, 1, FL_EPROTO },
	{ "raw: OffsetDelta 0 for record 1",
	  { 0x0c, 0, 0, 0, 1, 1, 0, 0x0c, 0, 0, 0, 1, 1, 0 }, 14, 2, FL_EPROTO },
	{ "raw: OffsetDelta -1 (zigzag 1)",
	  { 0x0c, 0, 0, 1, 1, 1, 0 }, 7, 1, FL_EPROTO },
	{ "raw: count 2 but one record",
	  { 0x0c, 0, 0, 0, 1, 1, 0 }, 7, 2, FL_ECORRUPT },
	{ "raw: key length -2",
	  { 0x0c, 0, 0, 0, 3, 1, 0 }, 7, 1, FL_ECORRUPT },
	{ "raw: value length past the record",
	  { 0x0c, 0, 0, 0, 1, 2, 0 }, 7, 1, FL_ECORRUPT },
	{ "raw: key length 2 with 2 key bytes",
	  { 0x10, 0, 0, 0, 4, 'a', 'b', 1, 0 }, 9, 1, 0 },
	{ "raw: over-long varint key length (6 bytes)",
	  { 0x16, 0, 0, 0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 0 }, 12, 1, FL_ECORRUPT },
	{ "raw: 5-byte varint key length above 32 bits",
	  { 0x14, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 1, 0 }, 11, 1, FL_ECORRUPT },
	{ "raw: over-long varlong timestamp (11 bytes)",
	  { 0x20, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
	    0, 1, 1, 0 }, 17, 1, FL_ECORRUPT },
	{ "raw: over-long varint Length",
	  { 0x8c, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 1, 1, 0 }, 12, 1, FL_ECORRUPT },
	{ "raw: padded but legal varint Length (2 bytes for 6)",
	  { 0x8c, 0x00, 0, 0, 0, 1, 1, 0 }, 8, 1, 0 },
	{ "raw: varint cut by the batch end",
	  { 0x0c, 0, 0, 0, 1, 1, 0x80 }, 7, 1, FL_ECORRUPT },
	{ "raw: negative header count",
	  { 0x0c, 0, 0, 0, 1, 1, 1 }, 7, 1, FL_ECORRUPT },
	{ "raw: header count 1 with no header bytes",
	  { 0x0c, 0, 0, 0, 1, 1, 2 }, 7, 1, FL_ECORRUPT },
	{ "raw: header with null key",
	  { 0x10, 0, 0, 0, 1, 1, 2, 1, 1 }, 9, 1, FL_ECORRUPT },
	{ "raw: header with empty key, null value",
	  { 0x10, 0, 0, 0, 1, 1, 2, 0, 1 }, 9, 1, 0 },
	{ "raw: header value length -2",
	  { 0x10, 0, 0, 0, 1, 1, 2, 0, 3 }, 9, 1, FL_ECORRUPT },
	{ "raw: header count 1 but two headers inside Length",
	  { 0x14, 0, 0, 0, 1, 1, 2, 0, 1, 0, 1 }, 11, 1, FL_ECORRUPT },
	{ "raw: huge header count",
	  { 0x14, 0, 0, 0, 1, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f }, 11, 1, FL_ECORRUPT },
	{ "raw: empty record (Length 0)",
	  { 0x00 }, 1, 1, FL_ECORRUPT },
	{ "raw: record area empty, count 1",
	  { 0 }, 0, 1, FL_ECORRUPT },
};

static void
test_raw_records(void)
{
	size_t i, n;

	for (i = 0; i < FL_ARRAY_LEN(raw_cases); i++) {
		const struct raw_case *c = &raw_cases[i];
		uint8_t *p = mk_raw(c->bytes, c->len, c->count, &n);
		struct fl_record_iter it;
		struct fl_record rec;
		int rc, k;

		CHECK_INT(check_rc(p, n, FL_BATCH_CHECK_RECORDS), ==, c->want_records, c->what);
		/* the header is fine in every case: without the walk it passes */
		if (check_rc(p, n, 0) != 0)
			CHECK(0, "raw: header check must pass");
		/* the iterator agrees on framing (it does not judge OffsetDelta) */
		if (fl_record_iter_init(&it, p, n) != 0) {
			CHECK(0, "raw: iter init");
		} else {
			for (k = 0; (rc = fl_record_next(&it, &rec)) == 1; k++)
				;
			if (c->want_records == FL_ECORRUPT && rc != FL_ECORRUPT)
				CHECK(0, "raw: iterator must report FL_ECORRUPT too");
			if (c->want_records != FL_ECORRUPT && (rc != 0 || k != c->count))
				CHECK(0, "raw: iterator must walk every record");
			if (rc < 0 && fl_record_next(&it, &rec) != rc)
				CHECK(0, "raw: iterator error is sticky");
		}
		free(p);
	}
}

/* ---- iterator edges ---- */

static void
test_iter_edges(void)
{
	struct fl_record_iter it;
	struct fl_rd hr;
	struct fl_record_header h;
	size_t n, i;
	uint8_t *p = mk_valid(&n);
	int bad = 0;
	static const uint8_t bad_hdrs[] = { 0x02, 'a', 0x04, 'x' };

	for (i = 0; i < FL_BATCH_HDR_BYTES; i++)
		if (fl_record_iter_init(&it, p, i) != FL_ESHORT)
			bad++;
	CHECK_INT(bad, ==, 0, "iter_init: FL_ESHORT below 61 bytes");
	bad = 0;
	for (i = FL_BATCH_HDR_BYTES; i < n; i++)
		if (fl_record_iter_init(&it, p, i) != FL_ECORRUPT)
			bad++;
	CHECK_INT(bad, ==, 0, "iter_init: FL_ECORRUPT when BatchLength + 12 != n");
	free(p);

	fl_rd_init(&hr, bad_hdrs, sizeof(bad_hdrs));
	CHECK_INT(fl_record_header_next(&hr, &h), ==, FL_ECORRUPT,
	    "header_next: value length past the end");
	CHECK_U64(hr.off, ==, 0, "header_next: nothing consumed on error");
	fl_rd_init(&hr, bad_hdrs, 0);
	CHECK_INT(fl_record_header_next(&hr, &h), ==, 0, "header_next: empty is the end");
}

/* ---- builder limits ---- */

static void
test_builder_full(void)
{
	uint8_t buf[120];
	struct fl_slice v = S("0123456789012345678901234567890123456789");
	struct fl_batch_builder b;
	struct fl_wr w;
	int rc;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_batch_begin(&b, &w, 0, -1, -1, -1, 0);
	CHECK_INT(fl_batch_add(&b, 0, NULL, &v, NULL, 0), ==, 0, "builder: first record fits");
	rc = fl_batch_add(&b, 0, NULL, &v, NULL, 0);
	CHECK_INT(rc, ==, FL_EFULL, "builder: second record does not fit: FL_EFULL");
	CHECK_INT(fl_batch_end(&b), ==, FL_EFULL, "builder: end reports the sticky error");

	fl_wr_init_fixed(&w, buf, 30);
	fl_batch_begin(&b, &w, 0, -1, -1, -1, 0);
	CHECK_INT(fl_batch_end(&b), ==, FL_EFULL, "builder: header larger than the buffer");

	/* a growable writer whose cap_max stops the batch */
	fl_wr_init(&w, 64);
	fl_batch_begin(&b, &w, 0, -1, -1, -1, 0);
	CHECK_INT(fl_batch_add(&b, 0, NULL, &v, NULL, 0), ==, FL_EFULL, "builder: cap_max honoured");
	fl_wr_free(&w);
}

/* ---- fuzz ---- */

#define FUZZ_ITERS 20000

static void
test_fuzz(void)
{
	struct fl_rng rng;
	size_t n0, n, i, k;
	uint8_t *base = mk_valid(&n0), *q;
	long accepted = 0, inconsistent = 0;
	int iter;

	fl_rng_seed(&rng, 0x5eed);
	for (iter = 0; iter < FUZZ_ITERS; iter++) {
		uint64_t r = fl_rng_next(&rng);
		struct fl_record_iter it;
		struct fl_record rec;
		struct fl_batch_hdr h;
		int rc_hdr, rc_rec, rc;
		int32_t nrec;

		n = n0;
		switch (r % 4) {
		case 0:		/* shorten */
			n = (size_t)fl_rng_below(&rng, n0 + 1);
			break;
		case 1:		/* grow with random bytes */
			n = n0 + (size_t)fl_rng_below(&rng, 16);
			break;
		default:
			break;
		}
		q = malloc(n ? n : 1);
		FL_ASSERT(q != NULL);
		for (i = 0; i < n; i++)
			q[i] = i < n0 ? base[i] : (uint8_t)fl_rng_next(&rng);
		k = 1 + (size_t)fl_rng_below(&rng, 4);
		while (n > 0 && k-- > 0) {
			size_t at = (size_t)fl_rng_below(&rng, n);

			/* favour the record area, where the varints live */
			if (at < FL_BATCH_OFF_ATTRIBUTES && (r & 0x100))
				at = FL_BATCH_HDR_BYTES + at % (n > FL_BATCH_HDR_BYTES ?
				    n - FL_BATCH_HDR_BYTES : 1);
			if (at < n)
				q[at] = (r & 0x200) ? (uint8_t)fl_rng_next(&rng) :
				    (uint8_t)(q[at] ^ (1u << fl_rng_below(&rng, 8)));
		}
		/* usually repair length and CRC so the deep checks are reached */
		if (n >= FL_BATCH_HDR_BYTES && (r & 0x400) == 0) {
			fl_store_be32(q + FL_BATCH_OFF_LENGTH, (uint32_t)(n - 12));
			q[FL_BATCH_OFF_MAGIC] = 2;
			fix_crc(q, n);
		}
		rc_hdr = fl_batch_check(q, n, 0, &h, NULL);
		rc_rec = fl_batch_check(q, n, FL_BATCH_CHECK_RECORDS, NULL, NULL);
		if (rc_hdr != 0 && rc_rec != rc_hdr)
			inconsistent++;	/* the walk only adds checks */
		rc = fl_record_iter_init(&it, q, n);
		if (rc == 0) {
			nrec = 0;
			while ((rc = fl_record_next(&it, &rec)) == 1) {
				struct fl_record_header hh;
				struct fl_rd hr;

				fl_rd_init(&hr, rec.headers.p, rec.headers.len);
				while (fl_record_header_next(&hr, &hh) == 1)
					;
				if (rec.key.p != NULL && rec.key.len > 0)
					(void)rec.key.p[rec.key.len - 1];
				if (rec.value.p != NULL && rec.value.len > 0)
					(void)rec.value.p[rec.value.len - 1];
				nrec++;
			}
			/* what the full check accepts, the iterator walks cleanly */
			if (rc_rec == 0 && (rc != 0 || nrec != h.count))
				inconsistent++;
		} else if (rc_hdr == 0 && rc != FL_ERANGE) {
			inconsistent++;
		}
		if (rc_rec == 0)
			accepted++;
		free(q);
	}
	free(base);
	CHECK(1, "fuzz: 20000 mutated batches without a crash");
	CHECK_INT(inconsistent, ==, 0, "fuzz: check and iterator agree");
	printf("# fuzz: %ld of %d mutated batches accepted\n", accepted, FUZZ_ITERS);
	CHECK(accepted > 0 && accepted < FUZZ_ITERS, "fuzz: mutations both pass and fail");
}

/* ---- compressed batches, and MaxTimestamp ---- */

static const int codecs[] = { FL_CODEC_GZIP, FL_CODEC_SNAPPY, FL_CODEC_LZ4, FL_CODEC_ZSTD };

/*
 * A batch whose records area is recs compressed with codec: count records
 * claimed, the given MaxTimestamp in the header, length and CRC right.
 * Caller frees.
 */
static uint8_t *
mk_compressed(int codec, const uint8_t *recs, size_t recs_len, int32_t count,
    int64_t max_ts, size_t *n)
{
	struct fl_batch_builder b;
	struct fl_wr w;
	uint8_t *p;

	fl_wr_init(&w, (size_t)256 << 20);	/* the bomb's compress bound */
	fl_batch_begin(&b, &w, 100, -1, -1, -1, 0);
	FL_ASSERT(fl_compress(codec, recs, recs_len, &w) == 0);
	p = fl_wr_detach(&w, n);
	fl_store_be16(p + FL_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
	fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(*n - 12));
	fl_store_be32(p + FL_BATCH_OFF_COUNT, (uint32_t)count);
	fl_store_be32(p + FL_BATCH_OFF_LAST_DELTA, (uint32_t)(count - 1));
	fl_store_be64(p + FL_BATCH_OFF_MAX_TS, (uint64_t)max_ts);
	fix_crc(p, *n);
	return p;
}

#define ALL_RECORDS (FL_BATCH_CHECK_RECORDS | FL_BATCH_CHECK_COMPRESSED)

static void
test_compressed(void)
{
	size_t n, vn, i, j, cn;
	uint8_t *v = mk_valid(&vn), *p;
	const uint8_t *recs = v + FL_BATCH_HDR_BYTES;
	size_t recs_len = vn - FL_BATCH_HDR_BYTES;
	struct fl_batch_hdr h;
	struct fl_err err;
	char what[160];
	int64_t ts;

	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		const char *name = fl_codec_name(codecs[i]);

		/* mk_valid's records: timestamps 100, 101, 99 */
		p = mk_compressed(codecs[i], recs, recs_len, 3, 101, &n);
		snprintf(what, sizeof(what), "%s: a valid compressed batch passes the walk", name);
		CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, 0, what);
		ts = 0;
		CHECK_INT(fl_batch_validate(p, n, ALL_RECORDS, &h, &ts, NULL), ==, 0,
		    "validate: 0");
		CHECK_INT(ts, ==, 101, "validate: max timestamp of the decompressed records");
		CHECK_INT(h.attributes & FL_BATCH_ATTR_COMPRESSION, ==, codecs[i], "header codec");
		CHECK_INT(fl_record_iter_init(&(struct fl_record_iter){ 0 }, p, n), ==, FL_ERANGE,
		    "the iterator still refuses a compressed batch");

		/* the same batch uncompressed: byte for byte mk_valid's */
		{
			struct fl_record_iter it;
			struct fl_record rec;
			struct fl_wr w;
			int k = 0;

			fl_wr_init(&w, 1 << 20);
			fl_wr_raw(&w, "z", 1);
			CHECK_INT(fl_batch_decompress(p, n, &w), ==, 0, "fl_batch_decompress");
			CHECK(w.len == vn + 1 && memcmp(w.p + 1, v, vn) == 0,
			    "decompressed: the uncompressed batch, byte for byte");
			if (fl_record_iter_init(&it, w.p + 1, w.len - 1) == 0)
				while (fl_record_next(&it, &rec) == 1)
					k++;
			CHECK_INT(k, ==, 3, "decompressed: the iterator walks its 3 records");
			fl_wr_free(&w);
		}
		free(p);

		/* count mismatches: the records say 3 */
		p = mk_compressed(codecs[i], recs, recs_len, 2, 101, &n);
		snprintf(what, sizeof(what), "%s: count 2 for 3 records", name);
		CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, FL_ECORRUPT, what);
		CHECK_INT(check_rc(p, n, FL_BATCH_CHECK_RECORDS), ==, 0,
		    "without FL_BATCH_CHECK_COMPRESSED the header is all that is checked");
		free(p);
		p = mk_compressed(codecs[i], recs, recs_len, 4, 101, &n);
		snprintf(what, sizeof(what), "%s: count 4 for 3 records", name);
		CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, FL_ECORRUPT, what);
		free(p);

		/* every raw case, compressed: the same verdict as uncompressed */
		for (j = 0; j < FL_ARRAY_LEN(raw_cases); j++) {
			const struct raw_case *c = &raw_cases[j];

			p = mk_compressed(codecs[i], c->bytes, c->len, c->count, 1000, &n);
			snprintf(what, sizeof(what), "%s: %s", name, c->what);
			CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, c->want_records, what);
			free(p);
		}

		/* a payload that does not decompress: cut, or not the codec */
		p = mk_compressed(codecs[i], recs, recs_len, 3, 101, &n);
		cn = n - 1;
		fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(cn - 12));
		fix_crc(p, cn);
		memset(&err, 0, sizeof(err));
		snprintf(what, sizeof(what), "%s: a cut payload is FL_ECORRUPT", name);
		CHECK_INT(fl_batch_check(p, cn, ALL_RECORDS, NULL, &err), ==, FL_ECORRUPT, what);
		CHECK(strstr(err.msg, "decompress") != NULL, err.msg);
		memset(p + FL_BATCH_HDR_BYTES, 0xa5, n - FL_BATCH_HDR_BYTES);
		fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(n - 12));
		fix_crc(p, n);
		snprintf(what, sizeof(what), "%s: a garbage payload is FL_ECORRUPT", name);
		CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, FL_ECORRUPT, what);
		CHECK_INT(check_rc(p, n, FL_BATCH_CHECK_RECORDS), ==, 0,
		    "garbage: the header alone still passes");
		free(p);
	}

	/* fl_batch_decompress of an uncompressed batch copies; of garbage fails clean */
	{
		struct fl_wr w;

		fl_wr_init(&w, 1 << 20);
		CHECK_INT(fl_batch_decompress(v, vn, &w), ==, 0, "decompress: uncompressed copies");
		CHECK(w.len == vn && memcmp(w.p, v, vn) == 0, "decompress: the same bytes");
		fl_wr_reset(&w);
		p = mk_compressed(FL_CODEC_LZ4, recs, recs_len, 3, 101, &n);
		p[n - 1] ^= 0xff;
		CHECK_INT(fl_batch_decompress(p, n, &w), ==, FL_ECORRUPT,
		    "decompress: a spoilt frame is FL_ECORRUPT");
		CHECK_INT(w.len, ==, 0, "decompress: out put back");
		CHECK_INT(fl_batch_decompress(p, n - 1, &w), ==, FL_ECORRUPT,
		    "decompress: n not the batch's size");
		fl_store_be16(p + FL_BATCH_OFF_ATTRIBUTES, 6);
		CHECK_INT(fl_batch_decompress(p, n, &w), ==, FL_ECORRUPT,
		    "decompress: codec 6");
		free(p);
		fl_wr_free(&w);
	}

	/* an empty payload with a codec: no frame at all */
	p = mk_raw(NULL, 0, 1, &n);
	fl_store_be16(p + FL_BATCH_OFF_ATTRIBUTES, FL_CODEC_GZIP);
	fix_crc(p, n);
	CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, FL_ECORRUPT, "gzip: an empty payload");
	free(p);
	free(v);
}

/* Records that decompress past FL_BATCH_RECORDS_BYTES_MAX: FL_ERANGE, a bomb. */
static void
test_compressed_bomb(void)
{
	size_t big = (size_t)FL_BATCH_RECORDS_BYTES_MAX + 1, n;
	uint8_t *zeros = calloc(big, 1), *p;
	struct fl_err err = { 0, "" };

	FL_ASSERT(zeros != NULL);
	p = mk_compressed(FL_CODEC_ZSTD, zeros, big, 1, 0, &n);
	free(zeros);
	CHECK_U64(n, <, 1u << 20, "zstd: a bomb of a few KiB");
	CHECK_INT(fl_batch_check(p, n, ALL_RECORDS, NULL, &err), ==, FL_ERANGE,
	    "records past FL_BATCH_RECORDS_BYTES_MAX uncompressed: FL_ERANGE");
	CHECK(strstr(err.msg, "uncompressed") != NULL, err.msg);
	free(p);
}

/* MaxTimestamp as Kafka stores it: the records' largest, CRC right after. */
static void
test_max_ts(void)
{
	size_t n, vn, i;
	uint8_t *v = mk_valid(&vn), *p;
	struct fl_batch_hdr h;
	int64_t ts;

	/* the builder writes the right one */
	CHECK_INT(fl_batch_max_ts(v, vn, &ts), ==, 0, "max_ts of a built batch");
	CHECK_INT(ts, ==, 101, "max_ts: 101 of 100, 101, 99");
	CHECK_INT((int64_t)fl_load_be64(v + FL_BATCH_OFF_MAX_TS), ==, 101,
	    "the builder's header agrees");

	/* sarama's -1 */
	p = dup_exact(v, vn);
	fl_store_be64(p + FL_BATCH_OFF_MAX_TS, (uint64_t)-1);
	fix_crc(p, vn);
	CHECK_INT(fl_batch_validate(p, vn, FL_BATCH_CHECK_RECORDS, &h, &ts, NULL), ==, 0,
	    "a batch with MaxTimestamp -1 is valid");
	CHECK_INT(h.max_ts, ==, -1, "its header says -1");
	CHECK_INT(ts, ==, 101, "its records say 101");
	fl_batch_set_max_ts(p, vn, ts);
	CHECK_INT(check_rc(p, vn, FL_BATCH_CHECK_RECORDS), ==, 0,
	    "after fl_batch_set_max_ts the CRC is right");
	CHECK(memcmp(p, v, vn) == 0, "and the batch is byte for byte the builder's");
	free(p);

	/* without walking records, validate reports the header's */
	CHECK_INT(fl_batch_validate(v, vn, 0, NULL, &ts, NULL), ==, 0, "validate, no walk");
	CHECK_INT(ts, ==, 101, "no walk: the header's MaxTimestamp");

	/* compressed, each codec */
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		p = mk_compressed(codecs[i], v + FL_BATCH_HDR_BYTES, vn - FL_BATCH_HDR_BYTES,
		    3, -1, &n);
		ts = 0;
		CHECK_INT(fl_batch_max_ts(p, n, &ts), ==, 0, fl_codec_name(codecs[i]));
		CHECK_INT(ts, ==, 101, "compressed: max_ts 101 from the records");
		fl_batch_set_max_ts(p, n, ts);
		CHECK_INT(check_rc(p, n, ALL_RECORDS), ==, 0, "compressed: CRC right after");
		CHECK_INT((int64_t)fl_load_be64(p + FL_BATCH_OFF_MAX_TS), ==, 101,
		    "compressed: header now 101");
		free(p);
	}

	/* a bad batch: an error, *max_ts untouched */
	p = dup_exact(v, vn);
	p[vn - 1] ^= 1;
	ts = 42;
	CHECK_INT(fl_batch_max_ts(p, vn, &ts), ==, FL_ECORRUPT, "max_ts of a corrupt batch");
	CHECK_INT(ts, ==, 42, "max_ts untouched on error");
	free(p);

	/* timestamps far apart: wrapping arithmetic, no UB */
	{
		struct fl_batch_builder b;
		struct fl_wr w;

		fl_wr_init(&w, 1 << 16);
		fl_batch_begin(&b, &w, INT64_MAX - 5, -1, -1, -1, 0);
		fl_batch_add(&b, INT64_MAX, NULL, NULL, NULL, 0);
		fl_batch_add(&b, INT64_MAX - 5, NULL, NULL, NULL, 0);
		FL_ASSERT(fl_batch_end(&b) == 0);
		CHECK_INT(fl_batch_max_ts(w.p, w.len, &ts), ==, 0, "max_ts near INT64_MAX");
		CHECK(ts == INT64_MAX, "max_ts: INT64_MAX");
		fl_wr_free(&w);
	}
	free(v);
}

int
main(void)
{
	test_vector();
	test_round_trip();
	test_peek_and_parse();
	test_rejects();
	test_raw_records();
	test_iter_edges();
	test_builder_full();
	test_fuzz();
	test_compressed();
	test_compressed_bomb();
	test_max_ts();
	return tap_done();
}
