/*
 * msgset.h: Kafka's legacy message sets (magic 0 and magic 1) to and from
 * RecordBatch v2, for old clients: Produce v0-2 and Fetch v0-3.
 *
 * A message set is a run of entries [Offset i64][MessageSize i32][Message]:
 *   magic 0: Crc u32 | Magic i8 = 0 | Attributes i8 | Key bytes | Value bytes
 *   magic 1: Crc u32 | Magic i8 = 1 | Attributes i8 | Timestamp i64 | Key | Value
 * (bytes: int32 length, -1 null).  Crc is CRC-32 (IEEE, zlib's crc32) of
 * everything after it, up to the end of the message.  Attributes bits 0-2
 * are the codec (0 none, 1 gzip, 2 snappy, 3 lz4), bit 3 (magic 1 only)
 * LogAppendTime.  A compressed message is a wrapper whose value is a whole
 * inner message set, compressed; inner messages are never compressed.
 *
 * Conversion rules (Kafka's LogValidator and RecordsUtil.downConvert):
 *   - up (produce): one batch, magic 2, uncompressed, CreateTime (or
 *     LogAppendTime when asked), ProducerId/Epoch/BaseSequence -1, leader
 *     epoch -1, BaseOffset 0, OffsetDelta 0..n-1, no headers.  Producers'
 *     offsets are ignored (magic 1 wrappers: relative 0..n-1; magic 0:
 *     anything).  Timestamps: magic 1 the message's own, or its wrapper's
 *     when the wrapper says LogAppendTime (what a Kafka reader sees);
 *     magic 0 has none and becomes -1 (NO_TIMESTAMP), as Kafka's up-
 *     conversion does for a CreateTime topic (LogValidatorTest's
 *     testCreateTimeUpConversionV0ToV2: BaseTimestamp = MaxTimestamp = -1).
 *     Written uncompressed: the batch builder writes plain records only,
 *     the broker's record check then walks every record before the append,
 *     and old producers are few; the cost is disk space for their data.
 *   - down (fetch): uncompressed messages with absolute offsets (Kafka may
 *     recompress; uncompressed is allowed and is what its down-converter
 *     does for an uncompressed batch).  Magic 1 timestamps are the
 *     record's, or for a LogAppendTime batch its MaxTimestamp with
 *     attribute bit 3 set; magic 0 drops them.  Record headers are dropped
 *     (no place for them).  Control batches (transaction markers) are
 *     skipped; transactional data is served, as to any read_uncommitted
 *     consumer (Fetch v0-3 has no isolation level).  Records below the
 *     fetch offset (in the first batch served) are dropped, as Kafka's
 *     down-conversion does.
 * So msgset -> batch -> msgset gives back the keys, values, order and
 * (magic 1) timestamps; the offsets are the log's, not the producer's.
 *
 * Broker use (codec/kproto and flume-serve own the wiring; not done here):
 *   Produce v0-2, per partition, before anything else looks at Records:
 *     n = fl_msgset_to_batch(records, len, -1, max_message_bytes, &wr, &err);
 *     n > 0: wr holds one v2 batch of n records: append it through the
 *            same path as a Produce v3+ batch (fl_batch_check, store/part;
 *            ProducerId -1, so no idempotence), answer in the v0-2 layout;
 *     n == 0: empty set, nothing to append: NONE with BaseOffset -1 (Kafka's
 *            Log.append appends nothing and has no first offset to report);
 *     FL_ECORRUPT -> CORRUPT_MESSAGE (2); FL_EPROTO (codec 4-7) ->
 *            UNSUPPORTED_COMPRESSION_TYPE (76), Kafka's answer to zstd in
 *            a magic 0/1 message;
 *     FL_ERANGE, FL_EFULL -> MESSAGE_TOO_LARGE (10); FL_ENOMEM ->
 *            UNKNOWN_SERVER_ERROR (-1).  (Not fl_kp_batch_error's table:
 *            FL_EPROTO and FL_ERANGE mean other things here.)  The batch
 *            then checked and appended answers as any v3+ batch would.
 *     Produce v0-1 carry magic 0, v2 magic 0 or 1; both are accepted.
 *   Fetch v0-3, and only those (v4+ keeps serving stored bytes zero-copy):
 *     read the span store/part would have sent into memory, then
 *     fl_msgset_from_batches(span, len, version >= 2 ? 1 : 0, fetch_offset,
 *         partition_max_bytes (v3: also at most the response's bytes left),
 *         version <= 2 ? FL_MSGSET_HARD_LIMIT : 0, &wr, &res, &err)
 *     and send wr's bytes as the partition's Records.  Converted output
 *     can be larger than the stored bytes (small records: 34 bytes of
 *     magic 1 framing against about 10 in v2) or smaller (compressed
 *     batches).  When room is left, res.in_bytes == len and the span ended
 *     before the high watermark, read the next span and call again with
 *     first_offset = res.next_offset and bytes_max less what wr already
 *     holds (each call bounds its own output only).  FL_ECORRUPT: a stored
 *     batch failed its check (log it; answer as for a damaged segment, or
 *     serve what converting [0, res.in_bytes) gives).
 *
 * Ownership: out is the caller's growable or fixed writer; results are
 * appended to it, and on an error it is cut back to its length at entry.
 * Scratch buffers for decompression are malloc'd and freed inside a call.
 * Errors: 0/count or negative FL_E*; err (may be NULL) gets a message.
 * Wrappers and compressed batches are decompressed by codec/compress (all
 * of Kafka's codecs; magic 0's LZ4 with its broken header checksum).
 * Pure: no I/O (zlib's crc32, codec/compress and malloc only).
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_MSGSET_H
#define FL_MSGSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

#define FL_MSGSET_LOG_OVERHEAD 12	/* Offset + MessageSize */
#define FL_MSGSET_V0_MIN       14	/* Crc Magic Attributes KeyLen ValueLen */
#define FL_MSGSET_V1_MIN       22	/* + Timestamp */
#define FL_MSGSET_ATTR_CODEC   0x07
#define FL_MSGSET_ATTR_LOG_APPEND_TIME 0x08

/*
 * Validate a produced message set p[0, n) and append ONE RecordBatch v2
 * holding its records, in order (rules above), to out.
 *   log_append_ms  -1: a CreateTime batch (flume's only kind today); >= 0:
 *                  a LogAppendTime batch with that MaxTimestamp (records
 *                  keep their timestamps, as Kafka stores them).
 *   bytes_max      bound on the decompressed bytes of all wrappers together
 *                  (a decompression bomb's bound, checked as they inflate)
 *                  and on the batch written (the broker's max message
 *                  bytes); above FL_BATCH_BYTES_MAX counts as that.
 * Returns the number of records (> 0) with the batch appended; 0 for an
 * empty set (n == 0), nothing appended; or
 *   FL_ECORRUPT  a CRC mismatch, a size that is too small or runs past the
 *                set (a partial last message is an error here, unlike in a
 *                fetch; Kafka's broker trims one silently, but no producer
 *                writes one), a key or value overrunning its message or not
 *                ending it, a magic other than 0 and 1, magics mixed in
 *                the set or between a wrapper and its content, a wrapper
 *                with a null value or no inner messages, a compressed inner
 *                message, compressed bytes that do not decode;
 *   FL_EPROTO    codec 4-7 (zstd needs magic 2; 5-7 are no codec);
 *   FL_ERANGE    decompressed bytes or the batch above bytes_max;
 *   FL_EFULL / FL_ENOMEM  from out.
 */
int fl_msgset_to_batch(const uint8_t *p, size_t n, int64_t log_append_ms,
    size_t bytes_max, struct fl_wr *out, struct fl_err *err);

enum {
	/*
	 * Fetch v0-2: max bytes is a hard limit (Kafka's hardMaxBytesLimit).
	 * When even the first message does not fit, the output is that
	 * message cut at bytes_max: a partial message, which an old client
	 * reports as a message too large for its fetch size, as against Kafka.
	 * Without it (Fetch v3, KIP-74) the first message is written whole.
	 */
	FL_MSGSET_HARD_LIMIT = 1
};

struct fl_msgset_down {
	size_t  in_bytes;	/* input bytes of whole batches converted or skipped */
	int64_t next_offset;	/* offset after the last message written; else first_offset */
	int32_t count;		/* messages written */
	int     is_partial;	/* output ends in a cut message (FL_MSGSET_HARD_LIMIT) */
};

/*
 * Down-convert the stored batches at p[0, n) to a magic 0 or 1 message set
 * appended to out (rules above).  The last batch may be partial: conversion
 * stops before it.  Records with offsets below first_offset are dropped.
 * Whole messages are written while this call's output stays within
 * bytes_max (see FL_MSGSET_HARD_LIMIT for a first message that does not
 * fit); the output may stop inside a batch, at a message boundary.
 * *res (required) says how far it got; in_bytes always ends on a batch
 * boundary (a batch only partly written is not counted).
 * Returns 0, or
 *   FL_EINVAL    magic not 0 or 1;
 *   FL_ECORRUPT  a batch fails fl_batch_check (CRC, framing, records), or
 *                its compressed records do not decode;
 *   FL_EPROTO    a batch's magic is not 2 (or another fl_batch_check rule);
 *   FL_ERANGE    a batch decompresses past FL_BATCH_BYTES_MAX (header
 *                included);
 *   FL_EFULL / FL_ENOMEM  from out.
 * On error out is back at its length at entry and res->in_bytes is where
 * the failing batch starts (the caller may convert [0, in_bytes) again).
 */
int fl_msgset_from_batches(const uint8_t *p, size_t n, int magic,
    int64_t first_offset, size_t bytes_max, unsigned flags,
    struct fl_wr *out, struct fl_msgset_down *res, struct fl_err *err);

#endif
