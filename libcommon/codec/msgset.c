/*
 * msgset.c: legacy message sets <-> RecordBatch v2.
 *
 * Up: one pass over the set.  Each message is parsed through struct fl_rd
 * and must end exactly where its MessageSize says; its CRC is checked
 * before any field but Crc is trusted.  A wrapper's value is decompressed
 * (codec/compress) into a scratch writer, bounded by what is left of
 * bytes_max, and its inner set parsed the same way.  Records go straight
 * into the batch builder; the batch begins at the first record, so
 * BaseTimestamp is the first record's timestamp, as in Kafka's builder.
 * Any error cuts out back to where it was.
 *
 * Down: each stored batch is checked whole (fl_batch_check with records).
 * A compressed one is made plain (fl_batch_decompress: its header, codec
 * cleared, length and CRC fixed, then its records) and checked again, so
 * the same check and iterator serve both kinds: what we down-convert has
 * passed exactly the rules a modern fetcher's batch would.
 */
#include <string.h>
#include <zlib.h>

#include "codec/batch.h"
#include "codec/compress.h"
#include "codec/msgset.h"

/* ---- decompression ---- */

/*
 * Decompress src into out (appending), at most max bytes.  magic says
 * whose framing it is: magic 0's LZ4 frames carry Kafka's broken header
 * checksum (KAFKA-3160), magic 1 and 2 the right one.  The caller has
 * checked the codec: codec/compress answers FL_ECORRUPT for an unknown one.
 */
static int
decompress(int codec, int magic, const uint8_t *src, size_t n, size_t max,
    struct fl_wr *out)
{
	int rc = fl_decompress_flags(codec, src, n, max,
	    magic == 0 ? FL_DECOMP_LZ4_LEGACY : 0, out);

	/* out is our scratch, capped just past max: full means too big */
	return rc == FL_EFULL ? FL_ERANGE : rc;
}

/* ---- legacy messages ---- */

struct legacy {
	int64_t offset;
	int8_t  magic;
	int8_t  attributes;
	int64_t timestamp;		/* -1 for magic 0 */
	struct fl_slice key, value;	/* .p NULL: null */
};

static uint32_t
crc32_ieee(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n > 0) {
		uInt take = n > UINT32_MAX ? UINT32_MAX : (uInt)n;

		c = crc32(c, p, take);
		p += take;
		n -= take;
	}
	return (uint32_t)c;
}

/*
 * Parse the entry at r.  Returns 1 with *m filled, 0 at the end of the
 * set, FL_ESHORT when the entry runs past the bytes present (a partial
 * message; r unmoved), FL_ECORRUPT (err says why; r unmoved).
 */
static int
entry_next(struct fl_rd *r, struct legacy *m, struct fl_err *err)
{
	size_t at = r->off;
	struct fl_slice body;
	struct fl_rd b;
	int32_t size;
	uint32_t crc, want;

	if (fl_rd_left(r) == 0)
		return 0;
	if (fl_rd_i64(r, &m->offset) != 0 || fl_rd_i32(r, &size) != 0)
		goto partial;
	if (size < FL_MSGSET_V0_MIN) {
		r->off = at;
		return fl_err_set(err, FL_ECORRUPT,
		    "message at byte %zu: MessageSize %d, below %d", at, (int)size,
		    FL_MSGSET_V0_MIN);
	}
	if (fl_rd_raw(r, (size_t)size, &body) != 0)
		goto partial;
	fl_rd_init(&b, body.p, body.len);
	(void)fl_rd_u32(&b, &crc);		/* size >= 14: these are there */
	(void)fl_rd_i8(&b, &m->magic);
	(void)fl_rd_i8(&b, &m->attributes);
	want = crc32_ieee(body.p + 4, body.len - 4);
	if (crc != want) {
		r->off = at;
		return fl_err_set(err, FL_ECORRUPT,
		    "message at byte %zu: CRC 0x%08x, computed 0x%08x", at,
		    (unsigned)crc, (unsigned)want);
	}
	if (m->magic != 0 && m->magic != 1) {
		r->off = at;
		return fl_err_set(err, FL_ECORRUPT,
		    "message at byte %zu: magic %d in a message set", at, (int)m->magic);
	}
	m->timestamp = -1;
	if ((m->magic == 1 && fl_rd_i64(&b, &m->timestamp) != 0) ||
	    fl_rd_nbytes(&b, &m->key) != 0 || fl_rd_nbytes(&b, &m->value) != 0 ||
	    fl_rd_left(&b) != 0) {
		r->off = at;
		return fl_err_set(err, FL_ECORRUPT,
		    "message at byte %zu: key and value do not fill its %d bytes",
		    at, (int)size);
	}
	return 1;
partial:
	r->off = at;
	return FL_ESHORT;
}

/* ---- up: message set -> one batch ---- */

struct up {
	struct fl_batch_builder b;
	struct fl_wr *out;
	int64_t log_append_ms;
	int32_t count;
	int magic;			/* of the set; -1 before the first message */
};

static int
up_add(struct up *u, int64_t ts, const struct legacy *m, struct fl_err *err)
{
	int rc;

	if (u->count == 0)
		fl_batch_begin(&u->b, u->out, ts, -1, -1, -1,
		    u->log_append_ms >= 0 ? FL_BATCH_ATTR_LOG_APPEND_TIME : 0);
	if ((rc = fl_batch_add(&u->b, ts, &m->key, &m->value, NULL, 0)) != 0)
		return fl_err_set(err, rc, "record %d: %s", (int)u->count,
		    rc == FL_ERANGE ? "the batch would be too large" : fl_strerror(rc));
	u->count++;
	return 0;
}

/* The inner set of one wrapper, decompressed into scratch. */
static int
up_inner(struct up *u, const struct legacy *w, const struct fl_wr *scratch,
    struct fl_err *err)
{
	struct legacy m;
	struct fl_rd r;
	int32_t n = 0;
	int rc;

	fl_rd_init(&r, scratch->p, scratch->len);
	while ((rc = entry_next(&r, &m, err)) == 1) {
		if (m.magic != w->magic)
			return fl_err_set(err, FL_ECORRUPT,
			    "magic %d message inside a magic %d wrapper",
			    (int)m.magic, (int)w->magic);
		if (m.attributes & FL_MSGSET_ATTR_CODEC)
			return fl_err_set(err, FL_ECORRUPT,
			    "compressed message inside a compressed wrapper");
		/* a LogAppendTime wrapper's time is its records' (Kafka's reader) */
		if ((rc = up_add(u, w->magic == 0 ? -1 :
		    (w->attributes & FL_MSGSET_ATTR_LOG_APPEND_TIME) ? w->timestamp :
		    m.timestamp, &m, err)) != 0)
			return rc;
		n++;
	}
	if (rc == FL_ESHORT)
		return fl_err_set(err, FL_ECORRUPT,
		    "wrapper's inner set ends inside a message (byte %zu of %zu)",
		    r.off, r.len);
	if (rc < 0)
		return rc;
	if (n == 0)
		return fl_err_set(err, FL_ECORRUPT, "wrapper holds no messages");
	return 0;
}

int
fl_msgset_to_batch(const uint8_t *p, size_t n, int64_t log_append_ms,
    size_t bytes_max, struct fl_wr *out, struct fl_err *err)
{
	size_t start = out->len, inflated = 0;
	struct fl_wr scratch;
	struct legacy m;
	struct fl_rd r;
	struct up u;
	int rc, codec;

	if (bytes_max > FL_BATCH_BYTES_MAX)
		bytes_max = FL_BATCH_BYTES_MAX;
	memset(&u, 0, sizeof(u));
	u.out = out;
	u.log_append_ms = log_append_ms;
	u.magic = -1;
	fl_wr_init(&scratch, bytes_max + 1);
	fl_rd_init(&r, p, n);
	while ((rc = entry_next(&r, &m, err)) == 1) {
		if (u.magic < 0)
			u.magic = m.magic;
		else if (m.magic != u.magic) {
			rc = fl_err_set(err, FL_ECORRUPT,
			    "magic %d message after magic %d ones (byte %zu)",
			    (int)m.magic, u.magic, r.off);
			break;
		}
		codec = m.attributes & FL_MSGSET_ATTR_CODEC;
		if (codec == 0) {
			if ((rc = up_add(&u, m.timestamp, &m, err)) != 0)
				break;
			continue;
		}
		if (codec > FL_CODEC_LZ4) {
			rc = fl_err_set(err, FL_EPROTO,
			    "codec %d in a magic %d message", codec, (int)m.magic);
			break;
		}
		if (m.value.p == NULL) {
			rc = fl_err_set(err, FL_ECORRUPT, "compressed message with a null value");
			break;
		}
		fl_wr_reset(&scratch);
		rc = decompress(codec, m.magic, m.value.p, m.value.len,
		    bytes_max - inflated, &scratch);
		if (rc != 0) {
			rc = fl_err_set(err, rc, "codec %d: %s", codec,
			    rc == FL_ERANGE ? "decompresses past the bound" :
			    "does not decode");
			break;
		}
		inflated += scratch.len;
		if ((rc = up_inner(&u, &m, &scratch, err)) != 0)
			break;
	}
	if (rc == FL_ESHORT)
		rc = fl_err_set(err, FL_ECORRUPT,
		    "set ends inside a message (byte %zu of %zu)", r.off, n);
	if (rc == 0 && u.count > 0 && (rc = fl_batch_end(&u.b)) != 0)
		rc = fl_err_set(err, rc, "the batch would be too large");
	if (rc == 0 && out->len - start > bytes_max)
		rc = fl_err_set(err, FL_ERANGE, "batch of %zu bytes, above %zu",
		    out->len - start, bytes_max);
	if (rc == 0 && u.count > 0 && log_append_ms >= 0)
		fl_batch_set_max_ts(out->p + start, out->len - start, log_append_ms);
	fl_wr_free(&scratch);
	if (rc != 0) {
		if (out->len > start)
			out->len = start;
		return rc;
	}
	return u.count;
}

/* ---- down: batches -> message set ---- */

struct down {
	struct fl_wr *out;
	size_t start;			/* out->len at entry */
	size_t bytes_max;
	int magic;
	unsigned flags;
	int64_t first_offset;
	struct fl_msgset_down *res;
	int is_done;			/* the output limit was reached */
};

static size_t
slice_size(const struct fl_slice *s)
{
	return s->p == NULL ? 0 : s->len;
}

static void
wr_nbytes(uint8_t **q, const struct fl_slice *s)
{
	fl_store_be32(*q, s->p == NULL ? UINT32_MAX : (uint32_t)s->len);
	*q += 4;
	if (s->p != NULL && s->len > 0) {
		memcpy(*q, s->p, s->len);
		*q += s->len;
	}
}

/*
 * Write one record as a legacy message: 0 written, 1 refused (the output
 * is full; nothing written), or the writer's error.  Sets is_done when
 * the output is full, after a first message that did not fit too.
 */
static int
down_record(struct down *d, const struct fl_batch_hdr *h, const struct fl_record *rec)
{
	int is_lat = (h->attributes & FL_BATCH_ATTR_LOG_APPEND_TIME) != 0;
	size_t msize, entry, used = d->out->len - d->start;
	uint8_t *q, *crc_at;

	/* a record is inside a checked batch: its key and value are < 100 MiB */
	msize = (d->magic == 0 ? FL_MSGSET_V0_MIN : FL_MSGSET_V1_MIN) +
	    slice_size(&rec->key) + slice_size(&rec->value);
	entry = FL_MSGSET_LOG_OVERHEAD + msize;
	if (entry > d->bytes_max - used) {
		d->is_done = 1;
		if (d->res->count > 0)
			return 1;
		/* the first message does not fit: see FL_MSGSET_HARD_LIMIT */
	}
	if ((q = fl_wr_reserve(d->out, entry)) == NULL)
		return d->out->err;
	fl_store_be64(q, (uint64_t)rec->offset);
	fl_store_be32(q + 8, (uint32_t)msize);
	crc_at = q + 12;
	q += 16;
	*q++ = (uint8_t)d->magic;
	if (d->magic == 0) {
		*q++ = 0;
	} else {
		*q++ = is_lat ? FL_MSGSET_ATTR_LOG_APPEND_TIME : 0;
		fl_store_be64(q, (uint64_t)(is_lat ? h->max_ts : rec->timestamp));
		q += 8;
	}
	wr_nbytes(&q, &rec->key);
	wr_nbytes(&q, &rec->value);
	fl_store_be32(crc_at, crc32_ieee(crc_at + 4, msize - 4));
	if (d->is_done && (d->flags & FL_MSGSET_HARD_LIMIT)) {
		/* Kafka's v0-2 fetch: the log cut at max bytes; no whole message */
		d->out->len = d->start + d->bytes_max;
		d->res->is_partial = 1;
		return 0;
	}
	d->res->count++;
	d->res->next_offset = (int64_t)((uint64_t)rec->offset + 1);
	return 0;
}

/*
 * The records of one whole, checked, uncompressed batch.  *is_whole: every
 * record at or past first_offset was written.
 */
static int
down_batch(struct down *d, const uint8_t *b, size_t n, int *is_whole,
    struct fl_err *err)
{
	struct fl_record_iter it;
	struct fl_record rec;
	int rc;

	*is_whole = 0;
	if ((rc = fl_record_iter_init(&it, b, n)) != 0)
		return fl_err_set(err, rc == FL_ERANGE ? FL_ECORRUPT : rc,
		    "batch does not iterate");
	while ((rc = fl_record_next(&it, &rec)) == 1) {
		if (d->is_done)
			return 0;	/* full after the previous one */
		if (rec.offset < d->first_offset)
			continue;
		if ((rc = down_record(d, &it.hdr, &rec)) < 0)
			return fl_err_set(err, rc, "output: %s", fl_strerror(rc));
		if (rc == 1)
			return 0;
	}
	if (rc < 0)
		return fl_err_set(err, rc, "record %d does not parse", (int)it.index);
	*is_whole = 1;
	return 0;
}

/*
 * A compressed batch as if never compressed (fl_batch_decompress), then
 * checked again with its records, as any plain batch.
 */
static int
inflate_batch(const uint8_t *b, size_t n, const struct fl_batch_hdr *h,
    struct fl_wr *scratch, struct fl_err *err)
{
	int codec = h->attributes & FL_BATCH_ATTR_COMPRESSION, rc;

	fl_wr_reset(scratch);
	rc = fl_batch_decompress(b, n, scratch);
	if (rc == FL_EFULL)
		rc = FL_ERANGE;		/* scratch is capped just past the bound */
	if (rc != 0)
		return fl_err_set(err, rc, "batch at offset %lld, codec %d: %s",
		    (long long)h->base_offset, codec,
		    rc == FL_ERANGE ? "decompresses past the bound" :
		    "does not decode");
	/* fl_batch_check would call a plain batch this large corrupt */
	if (scratch->len > FL_BATCH_BYTES_MAX)
		return fl_err_set(err, FL_ERANGE,
		    "batch at offset %lld: %zu bytes once decompressed",
		    (long long)h->base_offset, scratch->len);
	return fl_batch_check(scratch->p, scratch->len, FL_BATCH_CHECK_RECORDS, NULL, err);
}

int
fl_msgset_from_batches(const uint8_t *p, size_t n, int magic,
    int64_t first_offset, size_t bytes_max, unsigned flags,
    struct fl_wr *out, struct fl_msgset_down *res, struct fl_err *err)
{
	struct fl_wr scratch;
	struct fl_batch_hdr h;
	struct down d;
	size_t pos = 0;
	uint64_t total;
	int rc = 0, is_whole;

	memset(res, 0, sizeof(*res));
	res->next_offset = first_offset;
	if (magic != 0 && magic != 1)
		return fl_err_set(err, FL_EINVAL, "magic %d: 0 or 1 only", magic);
	memset(&d, 0, sizeof(d));
	d.out = out;
	d.start = out->len;
	d.bytes_max = bytes_max;
	d.magic = magic;
	d.flags = flags;
	d.first_offset = first_offset;
	d.res = res;
	fl_wr_init(&scratch, FL_BATCH_HDR_BYTES + FL_BATCH_RECORDS_BYTES_MAX + 1);
	while (pos < n && !d.is_done) {
		const uint8_t *b = p + pos;

		rc = fl_batch_peek_size(b, n - pos, &total);
		if (rc == FL_ESHORT || (rc == 0 && total > n - pos)) {
			rc = 0;
			break;			/* the partial last batch */
		}
		if (rc != 0) {
			rc = fl_err_set(err, rc, "batch at byte %zu: bad BatchLength", pos);
			break;
		}
		if ((rc = fl_batch_check(b, (size_t)total, FL_BATCH_CHECK_RECORDS,
		    &h, err)) != 0)
			break;
		is_whole = 1;
		if ((h.attributes & FL_BATCH_ATTR_CONTROL) == 0 &&
		    fl_batch_last_offset(&h) >= first_offset) {
			if (h.attributes & FL_BATCH_ATTR_COMPRESSION) {
				if ((rc = inflate_batch(b, (size_t)total, &h, &scratch, err)) != 0)
					break;
				rc = down_batch(&d, scratch.p, scratch.len, &is_whole, err);
			} else {
				rc = down_batch(&d, b, (size_t)total, &is_whole, err);
			}
			if (rc != 0)
				break;
		}
		if (!is_whole)
			break;
		pos += (size_t)total;
		res->in_bytes = pos;
	}
	fl_wr_free(&scratch);
	if (rc != 0) {
		if (out->len > d.start)
			out->len = d.start;
		res->count = 0;
		res->next_offset = first_offset;
		res->is_partial = 0;
		return rc;
	}
	return 0;
}
