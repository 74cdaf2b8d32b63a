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
 * input itself round-trips through the codec unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_wr w;
	size_t max;
	int codec, rc;
	unsigned flags;

	if (size < 1)
		return 0;
	codec = data[0] & 7;
	flags = (data[0] & 8) ? FL_DECOMP_LZ4_LEGACY : 0;
	max = (size_t)16 << (data[0] >> 4);
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
	return 0;
}
