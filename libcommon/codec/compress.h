/*
 * compress.h: Kafka's four compression codecs over Debian's libraries
 * (zlib, libsnappy, liblz4, libzstd), in the framings Kafka clients write.
 *
 *   gzip    a gzip stream (RFC 1952); members written back to back are
 *           one stream, as Java's GZIPInputStream reads them
 *   snappy  xerial framing (snappy-java's SnappyOutputStream, what Kafka's
 *           Java producer writes) when the input starts with its magic
 *           0x82 "SNAPPY" 0x00: a 16-byte header (magic, int32 version,
 *           int32 compatible version) then blocks of int32 length +
 *           raw snappy block; otherwise one raw snappy block (librdkafka)
 *   lz4     LZ4 frame(s) (not LZ4's legacy or block format)
 *   zstd    zstd frame(s), skippable frames allowed
 * Anything after the last whole member or frame is FL_ECORRUPT: Kafka's
 * readers ignore some trailing bytes, but no producer writes them.
 *
 * Output: every function appends to a caller's struct fl_wr (base/rd.h).
 * On failure out->len is put back where it was, so nothing half-written
 * stays; out->err is left set only when out itself refused to grow
 * (FL_EFULL for a fixed or capped writer, FL_ENOMEM), as for any write.
 *
 * Errors: FL_ECORRUPT for malformed input or a codec this module does not
 * know (the batch attribute's 5-7); FL_ERANGE when decompressing would
 * produce more than max bytes (a decompression bomb: nothing past max is
 * ever written) or fl_compress() gets more than FL_COMPRESS_SRC_MAX bytes;
 * FL_ENOMEM when a library's own allocation failed (liblz4's reads as
 * FL_ECORRUPT: it does not say which it was); out's FL_EFULL or FL_ENOMEM
 * as above.
 *
 * Memory: the libraries allocate their own working state on each call and
 * free it before returning; a zstd frame may ask for a window of up to
 * 128 MiB (libzstd's default limit, the same as Kafka's zstd-jni), larger
 * is FL_ECORRUPT.
 * Pure: no I/O, no clock, no globals; allocation only through malloc
 * (ours, via fl_wr, and the libraries').
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_COMPRESS_H
#define FL_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

/* The values of a RecordBatch's attributes bits 0-2. */
enum fl_codec {
	FL_CODEC_NONE = 0,
	FL_CODEC_GZIP = 1,
	FL_CODEC_SNAPPY = 2,
	FL_CODEC_LZ4 = 3,
	FL_CODEC_ZSTD = 4
};

#define FL_COMPRESS_SRC_MAX	(1u << 30)	/* fl_compress refuses more: FL_ERANGE */

/*
 * Kafka magic 0 (message format v0) wrote LZ4 frames whose header checksum
 * was computed over the frame magic too; with this flag a frame with that
 * wrong checksum is accepted as well as one with the right checksum.  For
 * magic 0 messages only: RecordBatch v2 never needs it.
 */
#define FL_DECOMP_LZ4_LEGACY	1u

/*
 * Append the decompressed form of src[0..n) to out, producing at most max
 * bytes.  FL_CODEC_NONE copies src (FL_ERANGE if n > max).  Empty input is
 * FL_ECORRUPT for every codec but NONE: each framing has a header.
 */
int fl_decompress(int codec, const uint8_t *src, size_t n, size_t max,
    struct fl_wr *out);

/* The same, with FL_DECOMP_* flags (unknown bits are ignored). */
int fl_decompress_flags(int codec, const uint8_t *src, size_t n, size_t max,
    unsigned flags, struct fl_wr *out);

/*
 * Append the compressed form of src[0..n) to out: a gzip member (default
 * level), xerial-framed snappy in 32 KiB blocks as Kafka's Java producer
 * writes it, one LZ4 frame (64 KiB independent blocks, no content checksum,
 * as Kafka's Java producer writes), one zstd frame (level 3).  FL_CODEC_NONE
 * copies.  n > FL_COMPRESS_SRC_MAX is FL_ERANGE.
 */
int fl_compress(int codec, const uint8_t *src, size_t n, struct fl_wr *out);

/* "none", "gzip", "snappy", "lz4", "zstd", or "?" for anything else. */
const char *fl_codec_name(int codec);

#endif
