/*
 * batch.c: RecordBatch v2 parse, validate, iterate, build.
 *
 * Everything reads through struct fl_rd, so no length taken from the input
 * can move a cursor past the bytes present.  One record parser serves both
 * fl_batch_check() and the iterator, so what the check accepts is exactly
 * what the iterator can walk.
 *
 * Signed additions of input values (base + delta) wrap through uint64_t:
 * hostile deltas must give a strange number, never undefined behaviour.
 */
#include <stdio.h>
#include <string.h>

#include "base/crc32c.h"
#include "codec/batch.h"
#include "codec/compress.h"

#define MAGIC_V2 2
#define CODEC_MAX 4		/* zstd; 5-7 are not codecs */

/* Add a delta the way Kafka's long arithmetic does: wrapping. */
static int64_t
add_wrap(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/*
 * Read header fields in order until the bytes run out; fields not reached
 * stay zero.  FL_ESHORT if the whole header was not there.
 */
static int
hdr_read(const uint8_t *p, size_t n, struct fl_batch_hdr *h)
{
	struct fl_rd r;
	int rc;

	memset(h, 0, sizeof(*h));
	fl_rd_init(&r, p, n);
	if ((rc = fl_rd_i64(&r, &h->base_offset)) != 0 ||
	    (rc = fl_rd_i32(&r, &h->length)) != 0 ||
	    (rc = fl_rd_i32(&r, &h->leader_epoch)) != 0 ||
	    (rc = fl_rd_i8(&r, &h->magic)) != 0 ||
	    (rc = fl_rd_u32(&r, &h->crc)) != 0 ||
	    (rc = fl_rd_i16(&r, &h->attributes)) != 0 ||
	    (rc = fl_rd_i32(&r, &h->last_offset_delta)) != 0 ||
	    (rc = fl_rd_i64(&r, &h->base_ts)) != 0 ||
	    (rc = fl_rd_i64(&r, &h->max_ts)) != 0 ||
	    (rc = fl_rd_i64(&r, &h->producer_id)) != 0 ||
	    (rc = fl_rd_i16(&r, &h->producer_epoch)) != 0 ||
	    (rc = fl_rd_i32(&r, &h->base_seq)) != 0 ||
	    (rc = fl_rd_i32(&r, &h->count)) != 0)
		return rc;
	FL_ASSERT(r.off == FL_BATCH_HDR_BYTES);
	return 0;
}

int
fl_batch_hdr_parse(const uint8_t *p, size_t n, struct fl_batch_hdr *h)
{
	if (n < FL_BATCH_HDR_BYTES)
		return FL_ESHORT;
	return hdr_read(p, FL_BATCH_HDR_BYTES, h);
}

int
fl_batch_peek_size(const uint8_t *p, size_t n, uint64_t *total)
{
	int32_t len;
	uint64_t t;

	if (n < FL_BATCH_LOG_OVERHEAD)
		return FL_ESHORT;
	len = (int32_t)fl_load_be32(p + FL_BATCH_OFF_LENGTH);
	if (len < FL_BATCH_HDR_BYTES - FL_BATCH_LOG_OVERHEAD)
		return FL_ECORRUPT;
	t = (uint64_t)len + FL_BATCH_LOG_OVERHEAD;
	if (t > FL_BATCH_BYTES_MAX)
		return FL_ECORRUPT;
	*total = t;
	return 0;
}

uint32_t
fl_batch_compute_crc(const uint8_t *p, size_t n)
{
	if (n <= FL_BATCH_OFF_ATTRIBUTES)
		return 0;	/* the CRC-32C of nothing */
	return fl_crc32c(0, p + FL_BATCH_OFF_ATTRIBUTES, n - FL_BATCH_OFF_ATTRIBUTES);
}

/* ---- records ---- */

/* Varint length of a key or value: -1 null, otherwise the bytes follow. */
static int
rd_varbytes(struct fl_rd *r, int is_nullable, struct fl_slice *s)
{
	int32_t len;

	if (fl_rd_varint(r, &len) != 0)
		return FL_ECORRUPT;
	if (len == -1 && is_nullable) {
		s->p = NULL;
		s->len = 0;
		return 0;
	}
	if (len < 0 || fl_rd_raw(r, (size_t)len, s) != 0)
		return FL_ECORRUPT;
	return 0;
}

static int
header_parse(struct fl_rd *r, struct fl_record_header *h)
{
	int rc;

	/* Kafka forbids a null header key; only the value is nullable. */
	if ((rc = rd_varbytes(r, 0, &h->key)) != 0)
		return rc;
	return rd_varbytes(r, 1, &h->value);
}

/*
 * Parse one record at r into rec; *delta gets its raw OffsetDelta so the
 * check can compare it with the record's index.  On failure returns
 * FL_ECORRUPT and leaves r where it was.
 */
static int
record_parse(struct fl_rd *r, const struct fl_batch_hdr *bh,
    struct fl_record *rec, int32_t *delta)
{
	size_t off0 = r->off, hdr_start;
	struct fl_record_header h;
	struct fl_slice body;
	struct fl_rd b;
	int32_t len, i;
	int64_t ts_delta;

	if (fl_rd_varint(r, &len) != 0 || len < 0 ||
	    fl_rd_raw(r, (size_t)len, &body) != 0)
		goto bad;
	/* Every field below must end exactly at the record's Length. */
	fl_rd_init(&b, body.p, body.len);
	if (fl_rd_i8(&b, &rec->attributes) != 0 ||
	    fl_rd_varlong(&b, &ts_delta) != 0 ||
	    fl_rd_varint(&b, delta) != 0 ||
	    rd_varbytes(&b, 1, &rec->key) != 0 ||
	    rd_varbytes(&b, 1, &rec->value) != 0 ||
	    fl_rd_varint(&b, &rec->header_count) != 0)
		goto bad;
	/* a header takes at least two bytes (two zero-length varints) */
	if (rec->header_count < 0 ||
	    (size_t)rec->header_count > fl_rd_left(&b) / 2)
		goto bad;
	hdr_start = b.off;
	for (i = 0; i < rec->header_count; i++)
		if (header_parse(&b, &h) != 0)
			goto bad;
	if (fl_rd_left(&b) != 0)
		goto bad;
	rec->headers.p = b.p + hdr_start;
	rec->headers.len = b.off - hdr_start;
	rec->offset = add_wrap(bh->base_offset, *delta);
	rec->timestamp = add_wrap(bh->base_ts, ts_delta);
	return 0;
bad:
	r->off = off0;
	return FL_ECORRUPT;
}

int
fl_record_iter_init(struct fl_record_iter *it, const uint8_t *p, size_t n)
{
	int rc;

	memset(it, 0, sizeof(*it));
	if ((rc = fl_batch_hdr_parse(p, n, &it->hdr)) != 0)
		return rc;
	if (fl_batch_size(&it->hdr) != n)
		return FL_ECORRUPT;
	if (it->hdr.attributes & FL_BATCH_ATTR_COMPRESSION)
		return FL_ERANGE;
	fl_rd_init(&it->rd, p + FL_BATCH_HDR_BYTES, n - FL_BATCH_HDR_BYTES);
	return 0;
}

int
fl_record_next(struct fl_record_iter *it, struct fl_record *rec)
{
	int32_t delta;
	int rc;

	if (it->index >= it->hdr.count)
		return fl_rd_left(&it->rd) == 0 ? 0 : FL_ECORRUPT;
	if ((rc = record_parse(&it->rd, &it->hdr, rec, &delta)) != 0)
		return rc;
	it->index++;
	return 1;
}

int
fl_record_header_next(struct fl_rd *headers, struct fl_record_header *h)
{
	size_t off0 = headers->off;

	if (fl_rd_left(headers) == 0)
		return 0;
	if (header_parse(headers, h) != 0) {
		headers->off = off0;
		return FL_ECORRUPT;
	}
	return 1;
}

/* ---- validation ---- */

/*
 * Walk the h->count records in recs[0..len) (the batch's records area, or
 * its decompressed records): each record's framing, OffsetDelta i for the
 * i-th, nothing after the last; *max_ts gets the largest timestamp.
 * Error messages give byte positions as `at` + the offset in recs.
 */
static int
walk_records(const uint8_t *recs, size_t len, size_t at, const char *where,
    const struct fl_batch_hdr *h, int64_t *max_ts, struct fl_err *err)
{
	struct fl_record rec;
	struct fl_rd r;
	int32_t i, delta;

	fl_rd_init(&r, recs, len);
	*max_ts = h->base_ts;
	for (i = 0; i < h->count; i++) {
		if (record_parse(&r, h, &rec, &delta) != 0)
			return fl_err_set(err, FL_ECORRUPT,
			    "record %d at %s byte %zu: malformed or overruns the records",
			    (int)i, where, at + r.off);
		if (delta != i)
			return fl_err_set(err, FL_EPROTO,
			    "record %d: OffsetDelta %d, want %d", (int)i, (int)delta, (int)i);
		if (i == 0 || rec.timestamp > *max_ts)
			*max_ts = rec.timestamp;
	}
	if (fl_rd_left(&r) != 0)
		return fl_err_set(err, FL_ECORRUPT,
		    "%zu bytes after the last of %d records", fl_rd_left(&r), (int)h->count);
	return 0;
}

/* The records of a compressed batch, decompressed (within the bound) and walked. */
static int
walk_compressed(const uint8_t *p, size_t n, int codec, const struct fl_batch_hdr *h,
    int64_t *max_ts, struct fl_err *err)
{
	struct fl_wr w;
	char where[32];
	int rc;

	/* + 1: the writer must not stop before the decoder sees the bound */
	fl_wr_init(&w, (size_t)FL_BATCH_RECORDS_BYTES_MAX + 1);
	rc = fl_decompress(codec, p + FL_BATCH_HDR_BYTES, n - FL_BATCH_HDR_BYTES,
	    FL_BATCH_RECORDS_BYTES_MAX, &w);
	if (rc == FL_ECORRUPT)
		rc = fl_err_set(err, FL_ECORRUPT, "%s payload of %zu bytes does not decompress",
		    fl_codec_name(codec), n - FL_BATCH_HDR_BYTES);
	else if (rc == FL_ERANGE)
		rc = fl_err_set(err, FL_ERANGE, "%s records take more than %u bytes uncompressed",
		    fl_codec_name(codec), (unsigned)FL_BATCH_RECORDS_BYTES_MAX);
	else if (rc != 0)
		rc = fl_err_set(err, rc, "decompressing %s records: %s", fl_codec_name(codec),
		    fl_strerror(rc));
	else {
		snprintf(where, sizeof(where), "%s-decompressed", fl_codec_name(codec));
		rc = walk_records(w.p, w.len, 0, where, h, max_ts, err);
	}
	fl_wr_free(&w);
	return rc;
}

int
fl_batch_validate(const uint8_t *p, size_t n, unsigned flags,
    struct fl_batch_hdr *h, int64_t *max_ts, struct fl_err *err)
{
	struct fl_batch_hdr tmp;
	int64_t ts;
	uint32_t crc;
	int codec;

	if (h == NULL)
		h = &tmp;
	if (max_ts == NULL)
		max_ts = &ts;
	if (hdr_read(p, n, h) != 0)
		return fl_err_set(err, FL_ECORRUPT,
		    "batch of %zu bytes is shorter than its %d-byte header",
		    n, FL_BATCH_HDR_BYTES);
	*max_ts = h->max_ts;
	if (n > FL_BATCH_BYTES_MAX || fl_batch_size(h) != n)
		return fl_err_set(err, FL_ECORRUPT,
		    "BatchLength %d + 12 does not match the %zu bytes present",
		    (int)h->length, n);
	if (h->magic != MAGIC_V2)
		return fl_err_set(err, FL_EPROTO, "Magic %d, want 2", (int)h->magic);
	crc = fl_batch_compute_crc(p, n);
	if (crc != h->crc)
		return fl_err_set(err, FL_ECORRUPT,
		    "CRC 0x%08x, computed 0x%08x", (unsigned)h->crc, (unsigned)crc);
	/* 64-bit: LastOffsetDelta INT32_MAX must not overflow the + 1 */
	if (h->count <= 0 || (int64_t)h->count != (int64_t)h->last_offset_delta + 1)
		return fl_err_set(err, FL_EPROTO,
		    "RecordCount %d with LastOffsetDelta %d",
		    (int)h->count, (int)h->last_offset_delta);
	codec = h->attributes & FL_BATCH_ATTR_COMPRESSION;
	if (codec > CODEC_MAX)
		return fl_err_set(err, FL_EPROTO, "compression codec %d", codec);
	if (!(flags & FL_BATCH_CHECK_RECORDS))
		return 0;
	if (codec == FL_CODEC_NONE)
		return walk_records(p + FL_BATCH_HDR_BYTES, n - FL_BATCH_HDR_BYTES,
		    FL_BATCH_HDR_BYTES, "batch", h, max_ts, err);
	if (flags & FL_BATCH_CHECK_COMPRESSED)
		return walk_compressed(p, n, codec, h, max_ts, err);
	return 0;
}

int
fl_batch_check(const uint8_t *p, size_t n, unsigned flags,
    struct fl_batch_hdr *h, struct fl_err *err)
{
	return fl_batch_validate(p, n, flags, h, NULL, err);
}

int
fl_batch_max_ts(const uint8_t *p, size_t n, int64_t *max_ts)
{
	int64_t ts;
	int rc = fl_batch_validate(p, n, FL_BATCH_CHECK_RECORDS | FL_BATCH_CHECK_COMPRESSED,
	    NULL, &ts, NULL);

	if (rc == 0)
		*max_ts = ts;
	return rc;
}

void
fl_batch_set_max_ts(uint8_t *p, size_t n, int64_t max_ts)
{
	FL_ASSERT(n >= FL_BATCH_HDR_BYTES);
	fl_store_be64(p + FL_BATCH_OFF_MAX_TS, (uint64_t)max_ts);
	/* last: the CRC covers Attributes to the end, MaxTimestamp included */
	fl_store_be32(p + FL_BATCH_OFF_CRC, fl_batch_compute_crc(p, n));
}

int
fl_batch_decompress(const uint8_t *p, size_t n, struct fl_wr *out)
{
	struct fl_batch_hdr h;
	size_t start = out->len;
	uint8_t *q;
	int codec, rc;

	if (out->err != 0)
		return out->err;
	if (fl_batch_hdr_parse(p, n, &h) != 0 || fl_batch_size(&h) != n)
		return FL_ECORRUPT;
	codec = h.attributes & FL_BATCH_ATTR_COMPRESSION;
	if (codec > CODEC_MAX)
		return FL_ECORRUPT;
	fl_wr_raw(out, p, FL_BATCH_HDR_BYTES);
	if (out->err != 0) {
		out->len = start;
		return out->err;
	}
	rc = fl_decompress(codec, p + FL_BATCH_HDR_BYTES, n - FL_BATCH_HDR_BYTES,
	    FL_BATCH_RECORDS_BYTES_MAX, out);
	if (rc != 0) {
		out->len = start;
		return rc;
	}
	q = out->p + start;	/* after the writer grew */
	fl_store_be32(q + FL_BATCH_OFF_LENGTH,
	    (uint32_t)(out->len - start - FL_BATCH_LOG_OVERHEAD));
	fl_store_be16(q + FL_BATCH_OFF_ATTRIBUTES,
	    (uint16_t)(h.attributes & ~FL_BATCH_ATTR_COMPRESSION));
	fl_store_be32(q + FL_BATCH_OFF_CRC, fl_batch_compute_crc(q, out->len - start));
	return 0;
}

void
fl_batch_set_base(uint8_t *p, int64_t base_offset, int32_t leader_epoch)
{
	fl_store_be64(p + FL_BATCH_OFF_BASE_OFFSET, (uint64_t)base_offset);
	fl_store_be32(p + FL_BATCH_OFF_LEADER_EPOCH, (uint32_t)leader_epoch);
}

/* ---- building ---- */

static void
set_err(struct fl_wr *w, int code)
{
	if (w->err == 0)
		w->err = code;
}

void
fl_batch_begin(struct fl_batch_builder *b, struct fl_wr *w, int64_t base_ts,
    int64_t producer_id, int16_t producer_epoch, int32_t base_seq, int16_t attributes)
{
	FL_ASSERT((attributes & FL_BATCH_ATTR_COMPRESSION) == 0);
	memset(b, 0, sizeof(*b));
	b->w = w;
	b->start = w->len;
	b->base_ts = b->max_ts = base_ts;
	fl_wr_i64(w, 0);		/* BaseOffset: the broker assigns it */
	fl_wr_i32(w, 0);		/* BatchLength: patched by fl_batch_end */
	fl_wr_i32(w, -1);		/* PartitionLeaderEpoch */
	fl_wr_i8(w, MAGIC_V2);
	fl_wr_u32(w, 0);		/* CRC: patched */
	fl_wr_i16(w, attributes);
	fl_wr_i32(w, 0);		/* LastOffsetDelta: patched */
	fl_wr_i64(w, base_ts);
	fl_wr_i64(w, base_ts);		/* MaxTimestamp: patched */
	fl_wr_i64(w, producer_id);
	fl_wr_i16(w, producer_epoch);
	fl_wr_i32(w, base_seq);
	fl_wr_i32(w, 0);		/* RecordCount: patched */
}

/* Bytes of a varint length plus the bytes; len must be <= INT32_MAX. */
static size_t
varbytes_size(const struct fl_slice *s)
{
	if (s == NULL || s->p == NULL)
		return fl_varint_size(-1);
	return fl_varint_size((int32_t)s->len) + s->len;
}

static void
wr_varbytes(struct fl_wr *w, const struct fl_slice *s)
{
	if (s == NULL || s->p == NULL) {
		fl_wr_varint(w, -1);
		return;
	}
	fl_wr_varint(w, (int32_t)s->len);
	fl_wr_raw(w, s->p, s->len);
}

/* Header keys are never null: a NULL key is written as an empty one. */
static void
wr_header_key(struct fl_wr *w, const struct fl_slice *s)
{
	fl_wr_varint(w, (int32_t)s->len);
	if (s->len > 0)
		fl_wr_raw(w, s->p, s->len);
}

int
fl_batch_add(struct fl_batch_builder *b, int64_t timestamp,
    const struct fl_slice *key, const struct fl_slice *value,
    const struct fl_record_header *headers, size_t nheaders)
{
	struct fl_wr *w = b->w;
	/* the batch must stay under FL_BATCH_BYTES_MAX, so sizes never overflow */
	const size_t room = FL_BATCH_BYTES_MAX;
	int64_t ts_delta = (int64_t)((uint64_t)timestamp - (uint64_t)b->base_ts);
	size_t body, i;

	if (w->err != 0)
		return w->err;
	if (b->count == INT32_MAX || nheaders > INT32_MAX ||
	    (key != NULL && key->p != NULL && key->len > room) ||
	    (value != NULL && value->p != NULL && value->len > room))
		goto toobig;
	body = 1 + fl_varlong_size(ts_delta) + fl_varint_size(b->count) +
	    varbytes_size(key) + varbytes_size(value) +
	    fl_varint_size((int32_t)nheaders);
	for (i = 0; i < nheaders && body <= room; i++) {
		FL_ASSERT(headers[i].key.p != NULL || headers[i].key.len == 0);
		if (headers[i].key.len > room || (headers[i].value.p != NULL &&
		    headers[i].value.len > room))
			goto toobig;
		body += fl_varint_size((int32_t)headers[i].key.len) +
		    headers[i].key.len + varbytes_size(&headers[i].value);
	}
	/* 5: the longest varint the record's Length can take */
	if (body > room - 5 || w->len - b->start > room - 5 - body)
		goto toobig;

	fl_wr_varint(w, (int32_t)body);
	fl_wr_i8(w, 0);			/* record attributes: unused */
	fl_wr_varlong(w, ts_delta);
	fl_wr_varint(w, b->count);	/* OffsetDelta */
	wr_varbytes(w, key);
	wr_varbytes(w, value);
	fl_wr_varint(w, (int32_t)nheaders);
	for (i = 0; i < nheaders; i++) {
		wr_header_key(w, &headers[i].key);
		wr_varbytes(w, &headers[i].value);
	}
	if (w->err != 0)
		return w->err;
	if (b->count == 0 || timestamp > b->max_ts)
		b->max_ts = timestamp;
	b->count++;
	return 0;
toobig:
	set_err(w, FL_ERANGE);
	return w->err;
}

int
fl_batch_end(struct fl_batch_builder *b)
{
	struct fl_wr *w = b->w;
	uint8_t *p;
	size_t n;

	if (w->err != 0)
		return w->err;
	FL_ASSERT(w->len >= b->start && w->len - b->start >= FL_BATCH_HDR_BYTES);
	p = w->p + b->start;
	n = w->len - b->start;
	if (n > FL_BATCH_BYTES_MAX) {
		set_err(w, FL_ERANGE);
		return w->err;
	}
	fl_store_be32(p + FL_BATCH_OFF_LENGTH, (uint32_t)(n - FL_BATCH_LOG_OVERHEAD));
	fl_store_be32(p + FL_BATCH_OFF_LAST_DELTA, (uint32_t)(b->count - 1));
	fl_store_be64(p + FL_BATCH_OFF_MAX_TS, (uint64_t)b->max_ts);
	fl_store_be32(p + FL_BATCH_OFF_COUNT, (uint32_t)b->count);
	/* last: the CRC covers the fields patched above */
	fl_store_be32(p + FL_BATCH_OFF_CRC, fl_batch_compute_crc(p, n));
	return 0;
}
