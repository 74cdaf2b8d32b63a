/*
 * fuzz-msgset.c: libFuzzer target for codec/msgset (legacy message sets
 * <-> RecordBatch v2).
 *
 * Input: [flags u8][first_offset u8][bytes...].  The bytes are read twice:
 *   - as a produced message set: fl_msgset_to_batch answers a count or a
 *     documented error.  Whenever it succeeds the batch passes the full
 *     fl_batch_check, and the round trip is exact: batch -> message set
 *     (the set's own magic) -> batch gives the very same batch bytes, and
 *     the down-conversion uses all its input.  The other magic converts too.
 *   - as stored batches: fl_msgset_from_batches answers 0 or a documented
 *     error; what it writes is whole messages with right CRCs (bar a cut
 *     first message under FL_MSGSET_HARD_LIMIT), stays within bytes_max
 *     unless one message alone is larger, and converts up again to as many
 *     records.
 * flags: bit 0 the down magic, bit 1 FL_MSGSET_HARD_LIMIT, bit 2 a small
 * bytes_max for the set (4 KiB: decompression bounds), bits 3-7 the down
 * bytes_max in 40-byte steps (0: 1 MiB).  first_offset is byte 1's low 7
 * bits; its bit 7 says "fix the checksums first" (each top-level
 * message's CRC-32 in the set, each batch's CRC-32C in the batches), so
 * mutations reach the conversions instead of stopping at a checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/rd.h"
#include "codec/batch.h"
#include "codec/msgset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (8u << 20)

static int
is_documented_up(int rc)
{
	return rc >= 0 || rc == FL_ECORRUPT || rc == FL_EPROTO || rc == FL_ERANGE ||
	    rc == FL_EFULL || rc == FL_ENOMEM;
}

static int
is_documented_down(int rc)
{
	return rc == 0 || rc == FL_ECORRUPT || rc == FL_EPROTO || rc == FL_ERANGE ||
	    rc == FL_EFULL || rc == FL_ENOMEM;
}

/* Whole messages with right CRCs; returns how many, or -1. */
static int
count_messages(const uint8_t *p, size_t n)
{
	struct fl_wr w;
	int rc;

	/* the up-converter is the stricter reader: it checks every CRC */
	fl_wr_init(&w, OUT_MAX);
	rc = fl_msgset_to_batch(p, n, -1, FL_BATCH_BYTES_MAX, &w, NULL);
	fl_wr_free(&w);
	return rc < 0 ? -1 : rc;
}

static void
round_trip(const uint8_t *set, size_t n, int count, const struct fl_wr *b1)
{
	struct fl_msgset_down res;
	struct fl_wr mid, b2;
	int magic = set[16], rc;	/* the first message's: the set's */

	if (fl_batch_check(b1->p, b1->len, FL_BATCH_CHECK_RECORDS, NULL, NULL) != 0)
		abort();
	fl_wr_init(&mid, OUT_MAX);
	fl_wr_init(&b2, OUT_MAX);
	rc = fl_msgset_from_batches(b1->p, b1->len, magic, 0, SIZE_MAX, 0, &mid, &res, NULL);
	if (rc != 0 || res.count != count || res.in_bytes != b1->len || res.is_partial)
		abort();
	rc = fl_msgset_to_batch(mid.p, mid.len, -1, FL_BATCH_BYTES_MAX, &b2, NULL);
	if (rc != count || b2.len != b1->len || memcmp(b2.p, b1->p, b1->len) != 0)
		abort();
	/* the other magic down-converts too (timestamps may go, records stay) */
	fl_wr_reset(&mid);
	rc = fl_msgset_from_batches(b1->p, b1->len, !magic, 0, SIZE_MAX, 0, &mid, &res, NULL);
	if (rc != 0 || res.count != count || count_messages(mid.p, mid.len) != count)
		abort();
	fl_wr_free(&mid);
	fl_wr_free(&b2);
	(void)n;
}

/* Each top-level message's CRC made right, as far as the framing holds. */
static void
fix_message_crcs(uint8_t *p, size_t n)
{
	size_t off = 0, size;

	while (n - off >= 12 + 4) {
		size = fl_load_be32(p + off + 8);
		if (size < 4 || size > n - off - 12)
			break;
		fl_store_be32(p + off + 12,
		    (uint32_t)crc32(0, p + off + 16, (uInt)(size - 4)));
		off += 12 + size;
	}
}

/* Each batch's CRC-32C made right, as far as the framing holds. */
static void
fix_batch_crcs(uint8_t *p, size_t n)
{
	size_t off = 0, size;

	while (n - off >= FL_BATCH_HDR_BYTES) {
		size = (size_t)fl_load_be32(p + off + FL_BATCH_OFF_LENGTH) + 12;
		if (size < FL_BATCH_HDR_BYTES || size > n - off)
			break;
		fl_store_be32(p + off + FL_BATCH_OFF_CRC, fl_batch_compute_crc(p + off, size));
		off += size;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_msgset_down res;
	struct fl_wr out;
	size_t bytes_max, n;
	const uint8_t *p;
	unsigned flags;
	uint8_t *copy;
	int rc;

	if (size < 2)
		return 0;
	flags = data[0];
	p = data + 2;
	n = size - 2;
	/* an exact-size copy: ASan sees any read past the end */
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	if (n > 0)
		memcpy(copy, p, n);
	if (data[1] & 0x80)
		fix_message_crcs(copy, n);

	/* as a produced message set */
	fl_wr_init(&out, OUT_MAX);
	fl_wr_raw(&out, "pre", 3);
	rc = fl_msgset_to_batch(copy, n, -1, (flags & 4) ? 4096 : (1u << 20), &out, NULL);
	if (!is_documented_up(rc) || (rc <= 0 && out.len != 3))
		abort();
	if (rc > 0) {
		struct fl_wr b1;

		fl_wr_init_fixed(&b1, out.p + 3, out.len - 3);
		b1.len = out.len - 3;
		round_trip(copy, n, rc, &b1);
	}
	fl_wr_free(&out);

	/* as stored batches */
	if (n > 0)
		memcpy(copy, p, n);
	if (data[1] & 0x80)
		fix_batch_crcs(copy, n);
	bytes_max = (flags >> 3) ? (size_t)(flags >> 3) * 40 : (1u << 20);
	fl_wr_init(&out, OUT_MAX);
	rc = fl_msgset_from_batches(copy, n, flags & 1, data[1] & 0x7f, bytes_max,
	    (flags & 2) ? FL_MSGSET_HARD_LIMIT : 0, &out, &res, NULL);
	if (!is_documented_down(rc) || res.in_bytes > n)
		abort();
	if (rc != 0 && out.len != 0)
		abort();
	if (rc == 0) {
		if (res.is_partial) {
			if (out.len != bytes_max || res.count != 0)
				abort();
		} else {
			if (out.len > bytes_max && res.count != 1)
				abort();
			if (count_messages(out.p, out.len) != res.count)
				abort();
		}
	}
	fl_wr_free(&out);
	free(copy);
	return 0;
}
