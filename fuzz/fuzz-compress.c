/*
 * fuzz-compress.c: libFuzzer target for codec/compress, the decoders a
 * producer's compressed batch reaches in the broker.
 *
 * Input: data[0] picks the call: bits 0-2 the codec (5-7 are not codecs,
 * and must be refused), bit 3 FL_DECOMP_LZ4_LEGACY, bits 4-7 the bound
 * (max = 16 << nibble bytes, 16 B to 512 KiB); the rest is the compressed
 * input.  Checks: the answer is 0, FL_ECORRUPT or FL_ERANGE; on success the
 * output is within max, and compressing it again and decompressing that
 * gives it back; on failure the writer holds what it held before.  Then the
 * input itself round-trips through the codec unchanged.  Last, the input is
 * the compressed records of a batch (codec 1-4; RecordCount the bound's
 * nibble + 1, CRC right) and fl_batch_validate walks it; when it passes,
 * fl_batch_decompress gives a batch the iterator walks to the same count
 * and largest timestamp, and that batch passes the check uncompressed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_BYTES_MAX	((size_t)4 << 20)

/* src[0..n) through codec and back must give the same bytes. */
static void
round_trip(int codec, const uint8_t *src, size_t n)
{
	struct fl_wr c, d;

	fl_wr_init(&c, OUT_BYTES_MAX);
	fl_wr_init(&d, OUT_BYTES_MAX);
	if (fl_compress(codec, src, n, &c) != 0 ||
	    fl_decompress(codec, c.p, c.len, n, &d) != 0 ||
	    d.len != n || (n > 0 && memcmp(d.p, src, n) != 0))
		abort();
	fl_wr_free(&c);
	fl_wr_free(&d);
}

/* The input as a compressed batch's records: what the broker's produce check does. */
static void
as_batch(int codec, int32_t count, const uint8_t *data, size_t size)
{
	struct fl_batch_builder b;
	struct fl_record_iter it;
	struct fl_record rec;
	struct fl_wr w, d;
	int64_t max_ts, ts = 0;
	int32_t k = 0;
	int rc;

	fl_wr_init(&w, OUT_BYTES_MAX);
	fl_batch_begin(&b, &w, 1000, -1, -1, -1, 0);
	fl_wr_raw(&w, data, size);
	fl_store_be16(w.p + FL_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
	fl_store_be32(w.p + FL_BATCH_OFF_LENGTH, (uint32_t)(w.len - FL_BATCH_LOG_OVERHEAD));
	fl_store_be32(w.p + FL_BATCH_OFF_COUNT, (uint32_t)count);
	fl_store_be32(w.p + FL_BATCH_OFF_LAST_DELTA, (uint32_t)(count - 1));
	fl_store_be32(w.p + FL_BATCH_OFF_CRC, fl_batch_compute_crc(w.p, w.len));
	rc = fl_batch_validate(w.p, w.len, FL_BATCH_CHECK_RECORDS | FL_BATCH_CHECK_COMPRESSED,
	    NULL, &max_ts, NULL);
	if (rc != 0) {
		if (rc != FL_ECORRUPT && rc != FL_EPROTO && rc != FL_ERANGE)
			abort();
		fl_wr_free(&w);
		return;
	}
	fl_wr_init(&d, (size_t)FL_BATCH_HDR_BYTES + FL_BATCH_RECORDS_BYTES_MAX);
	if (fl_batch_decompress(w.p, w.len, &d) != 0 ||
	    fl_batch_check(d.p, d.len, FL_BATCH_CHECK_RECORDS, NULL, NULL) != 0 ||
	    fl_record_iter_init(&it, d.p, d.len) != 0)
		abort();
	while ((rc = fl_record_next(&it, &rec)) == 1) {
		if (k == 0 || rec.timestamp > ts)
			ts = rec.timestamp;
		k++;
	}
	if (rc != 0 || k != count || ts != max_ts)
		abort();
	fl_wr_free(&d);
	fl_wr_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_wr w;
	size_t max;
	int codec, rc;
	unsigned flags, nib;

	if (size < 1)
		return 0;
	nib = data[0] >> 4;
	codec = data[0] & 7;
	flags = (data[0] & 8) ? FL_DECOMP_LZ4_LEGACY : 0;
	max = (size_t)16 << nib;
	data++;
	size--;

	fl_wr_init(&w, OUT_BYTES_MAX);
	fl_wr_raw(&w, "pre", 3);
	rc = fl_decompress_flags(codec, data, size, max, flags, &w);
	if (rc == 0) {
		if (codec > FL_CODEC_ZSTD || w.len - 3 > max || memcmp(w.p, "pre", 3) != 0)
			abort();
		round_trip(codec, w.p + 3, w.len - 3);
	} else {
		if ((rc != FL_ECORRUPT && rc != FL_ERANGE) || w.len != 3 || w.err != 0)
			abort();
		if (codec == FL_CODEC_NONE && rc != FL_ERANGE)
			abort();
	}
	fl_wr_free(&w);
	if (codec <= FL_CODEC_ZSTD)
		round_trip(codec, data, size);
	if (codec >= FL_CODEC_GZIP && codec <= FL_CODEC_ZSTD)
		as_batch(codec, (int32_t)nib + 1, data, size);
	return 0;
}
