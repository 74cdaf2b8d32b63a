/*
 * batch.h: Kafka RecordBatch v2 (magic 2): parse, validate, build, iterate.
 *
 * Layout (big-endian, offsets in bytes):
 *   0 BaseOffset i64 | 8 BatchLength i32 | 12 PartitionLeaderEpoch i32 |
 *   16 Magic i8 | 17 CRC u32 (CRC-32C of [21, end)) | 21 Attributes i16 |
 *   23 LastOffsetDelta i32 | 27 BaseTimestamp i64 | 35 MaxTimestamp i64 |
 *   43 ProducerId i64 | 51 ProducerEpoch i16 | 53 BaseSequence i32 |
 *   57 RecordCount i32 | 61 Records...
 * Total size = BatchLength + 12.  The CRC excludes BaseOffset, BatchLength,
 * PartitionLeaderEpoch and Magic, so fl_batch_set_base() rewrites the first
 * two without touching it.
 *
 * Compressed batches (attributes bits 0-2 != 0) are stored as they came.
 * fl_batch_check validates them up to the header and CRC, and with
 * FL_BATCH_CHECK_COMPRESSED decompresses their records (codec/compress,
 * at most FL_BATCH_RECORDS_BYTES_MAX bytes) and walks them as it walks an
 * uncompressed batch's: what a broker does to a produced batch, as Kafka's
 * LogValidator does.  The iterator below walks uncompressed batches only:
 * fl_batch_decompress makes one of a compressed batch.
 *
 * Pure: no I/O; allocation only by the builder's fl_wr and by the
 * decompression of a compressed batch's records (freed before return).
 * Views (struct fl_slice) borrow the batch buffer.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_BATCH_H
#define FL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

#define FL_BATCH_HDR_BYTES     61
#define FL_BATCH_LOG_OVERHEAD  12	/* BaseOffset + BatchLength */
#define FL_BATCH_BYTES_MAX     (100u << 20)	/* larger is corrupt, whatever it says */
/* A compressed batch's records, decompressed, may take no more (FL_ERANGE) */
#define FL_BATCH_RECORDS_BYTES_MAX FL_BATCH_BYTES_MAX

#define FL_BATCH_OFF_BASE_OFFSET   0
#define FL_BATCH_OFF_LENGTH        8
#define FL_BATCH_OFF_LEADER_EPOCH 12
#define FL_BATCH_OFF_MAGIC        16
#define FL_BATCH_OFF_CRC          17
#define FL_BATCH_OFF_ATTRIBUTES   21
#define FL_BATCH_OFF_LAST_DELTA   23
#define FL_BATCH_OFF_BASE_TS      27
#define FL_BATCH_OFF_MAX_TS       35
#define FL_BATCH_OFF_PRODUCER_ID  43
#define FL_BATCH_OFF_PRODUCER_EPOCH 51
#define FL_BATCH_OFF_BASE_SEQ     53
#define FL_BATCH_OFF_COUNT        57

#define FL_BATCH_ATTR_COMPRESSION  0x07
#define FL_BATCH_ATTR_LOG_APPEND_TIME 0x08
#define FL_BATCH_ATTR_TRANSACTIONAL 0x10
#define FL_BATCH_ATTR_CONTROL      0x20

struct fl_batch_hdr {
	int64_t  base_offset;
	int32_t  length;		/* BatchLength: total bytes - 12 */
	int32_t  leader_epoch;
	int8_t   magic;
	uint32_t crc;
	int16_t  attributes;
	int32_t  last_offset_delta;
	int64_t  base_ts, max_ts;
	int64_t  producer_id;
	int16_t  producer_epoch;
	int32_t  base_seq;
	int32_t  count;
};

/* Total bytes of the batch = length + 12. */
static inline uint64_t fl_batch_size(const struct fl_batch_hdr *h)
{ return (uint64_t)(uint32_t)h->length + FL_BATCH_LOG_OVERHEAD; }
/* Offset of the batch's last record. */
static inline int64_t fl_batch_last_offset(const struct fl_batch_hdr *h)
{ return h->base_offset + h->last_offset_delta; }

/*
 * Decode the 61-byte header at p (n bytes available).  Checks only that the
 * bytes are there: FL_ESHORT if n < 61.  Never looks past p[60].
 */
int fl_batch_hdr_parse(const uint8_t *p, size_t n, struct fl_batch_hdr *h);

/*
 * Peek the total size from the first 12 bytes: FL_ESHORT if n < 12,
 * FL_ECORRUPT if BatchLength is below 49 (a header cannot fit) or the total
 * is above FL_BATCH_BYTES_MAX.
 */
int fl_batch_peek_size(const uint8_t *p, size_t n, uint64_t *total);

/* CRC-32C of [21, n): what the CRC field must hold. */
uint32_t fl_batch_compute_crc(const uint8_t *p, size_t n);

enum {
	FL_BATCH_CHECK_RECORDS = 1,	/* also walk records of uncompressed batches */
	FL_BATCH_CHECK_COMPRESSED = 2	/* with RECORDS: of compressed batches too */
};

/*
 * Validate one whole batch occupying exactly n bytes at p:
 *   FL_ECORRUPT  n < 61, BatchLength + 12 != n, CRC mismatch, or (with
 *                FL_BATCH_CHECK_RECORDS) record framing that does not add
 *                up to the records' end or a varint that does not parse;
 *                a compressed payload that does not decompress (with
 *                FL_BATCH_CHECK_COMPRESSED);
 *   FL_EPROTO    magic != 2, RecordCount < 0 or RecordCount != LastOffsetDelta
 *                + 1 (an empty batch with count 0 is FL_EPROTO too), a
 *                compression codec above 4, or (records) OffsetDelta of
 *                record i != i;
 *   FL_ERANGE    (compressed) records of more than FL_BATCH_RECORDS_BYTES_MAX
 *                bytes once decompressed;
 *   FL_ENOMEM    (compressed) no memory to decompress into.
 * Records are walked only with FL_BATCH_CHECK_RECORDS, and those of a
 * compressed batch only with FL_BATCH_CHECK_COMPRESSED as well.
 * Fills *h (when not NULL) as far as the header parsed; err gets a message
 * naming the field.  Kafka maps FL_ECORRUPT to CORRUPT_MESSAGE (2) and
 * FL_EPROTO to INVALID_RECORD (87) (fl_kp_batch_error).
 */
int fl_batch_check(const uint8_t *p, size_t n, unsigned flags,
    struct fl_batch_hdr *h, struct fl_err *err);

/*
 * fl_batch_check, and *max_ts (when not NULL): the largest record
 * timestamp (BaseTimestamp + TimestampDelta, wrapping as Kafka's long
 * does) when the records were walked, else the header's MaxTimestamp;
 * unspecified on failure.  Kafka (LogValidator) stores that maximum as a
 * CreateTime batch's MaxTimestamp whatever the producer wrote there
 * (sarama writes -1).
 */
int fl_batch_validate(const uint8_t *p, size_t n, unsigned flags,
    struct fl_batch_hdr *h, int64_t *max_ts, struct fl_err *err);

/*
 * The true MaxTimestamp of a batch, compressed or not: fl_batch_validate
 * with both flags, so the same errors; *max_ts set only on success.
 */
int fl_batch_max_ts(const uint8_t *p, size_t n, int64_t *max_ts);

/*
 * Rewrite MaxTimestamp of the whole batch p[0..n) in place and recompute
 * the CRC over it (the CRC covers MaxTimestamp).  n >= 61.
 */
void fl_batch_set_max_ts(uint8_t *p, size_t n, int64_t max_ts);

/*
 * The batch p[0..n) as if never compressed: append to out its header (the
 * codec bits of Attributes cleared, BatchLength for the new size, the CRC
 * recomputed; every other field as it was) and its records decompressed
 * (at most FL_BATCH_RECORDS_BYTES_MAX bytes), which the record iterator
 * can walk.  An uncompressed batch is copied.  Checks only the header's
 * length and codec (FL_ECORRUPT); run fl_batch_check first.  Errors as
 * fl_decompress (FL_ECORRUPT, FL_ERANGE, FL_ENOMEM, out's FL_EFULL), with
 * out->len put back.
 */
int fl_batch_decompress(const uint8_t *p, size_t n, struct fl_wr *out);

/* Rewrite BaseOffset and PartitionLeaderEpoch in place (outside the CRC). */
void fl_batch_set_base(uint8_t *p, int64_t base_offset, int32_t leader_epoch);

/* ---- records ---- */

struct fl_record_header {
	struct fl_slice key, value;	/* value.p NULL: null value */
};

struct fl_record {
	int64_t offset;			/* base offset + OffsetDelta */
	int64_t timestamp;		/* base timestamp + TimestampDelta */
	int8_t  attributes;
	struct fl_slice key, value;	/* .p NULL: null */
	int32_t header_count;
	struct fl_slice headers;	/* raw header bytes; walk with fl_record_header_next */
};

struct fl_record_iter {
	struct fl_batch_hdr hdr;
	struct fl_rd rd;		/* over the records area */
	int32_t index;			/* records returned so far */
};

/*
 * Start iterating the records of a whole, already checked batch.
 * FL_ERANGE if the batch is compressed; FL_ESHORT/FL_ECORRUPT if the
 * header does not fit n.
 */
int fl_record_iter_init(struct fl_record_iter *it, const uint8_t *p, size_t n);
/* 1 and *rec filled, 0 at the end, FL_ECORRUPT on a malformed record. */
int fl_record_next(struct fl_record_iter *it, struct fl_record *rec);
/* Walk a record's headers: 1 and *h filled, 0 at the end, FL_ECORRUPT. */
int fl_record_header_next(struct fl_rd *headers, struct fl_record_header *h);

/* ---- building ---- */

struct fl_batch_builder {
	struct fl_wr *w;		/* borrowed */
	size_t start;			/* where this batch begins in w */
	int64_t base_ts, max_ts;
	int32_t count;
};

/*
 * Begin a batch in w: writes a header with BaseOffset 0, epoch -1, the given
 * producer fields (-1, -1, -1 for a non-idempotent producer) and attributes
 * (compression bits must be 0: the builder writes plain records).
 */
void fl_batch_begin(struct fl_batch_builder *b, struct fl_wr *w, int64_t base_ts,
    int64_t producer_id, int16_t producer_epoch, int32_t base_seq, int16_t attributes);
/*
 * Append one record; key/value with p == NULL are null.  Header keys are
 * never null in Kafka: a header key with p == NULL is written as empty.
 * Returns 0, or the writer's error (FL_EFULL, ...; FL_ERANGE if the batch
 * would grow past FL_BATCH_BYTES_MAX).
 */
int fl_batch_add(struct fl_batch_builder *b, int64_t timestamp,
    const struct fl_slice *key, const struct fl_slice *value,
    const struct fl_record_header *headers, size_t nheaders);
/* Fill lengths, count, deltas, timestamps and the CRC.  0 or w->err. */
int fl_batch_end(struct fl_batch_builder *b);

#endif
