/*
 * compress.c: gzip (zlib), snappy (libsnappy's C API), LZ4 frame (liblz4)
 * and zstd (libzstd) in Kafka's framings.
 *
 * The streaming decoders (gzip, lz4, zstd) write straight into out in
 * chunks, each chunk capped so that the total can reach max + 1 bytes at
 * most: reaching max + 1 proves the input expands past max (FL_ERANGE)
 * without ever holding more.  Snappy states each block's size up front, so
 * it is checked before anything is written.
 */
#include <limits.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "codec/compress.h"

#define CHUNK_MIN	(64u << 10)	/* first output chunk of a streaming decoder */
#define CHUNK_MAX	(8u << 20)	/* and the largest: grow geometrically up to it */

static const uint8_t xerial_magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
#define XERIAL_HDR_BYTES	16	/* magic, int32 version, int32 compatible */
#define XERIAL_VERSION		1
#define XERIAL_BLOCK_BYTES	(32u << 10)	/* snappy-java's default block */

const char *
fl_codec_name(int codec)
{
	switch (codec) {
	case FL_CODEC_NONE: return "none";
	case FL_CODEC_GZIP: return "gzip";
	case FL_CODEC_SNAPPY: return "snappy";
	case FL_CODEC_LZ4: return "lz4";
	case FL_CODEC_ZSTD: return "zstd";
	}
	return "?";
}

/* ---- output in chunks ---- */

/*
 * One decompression's output: out grows from start, and never past
 * start + limit bytes (limit = max + 1, so reaching it means "too big").
 */
struct sink {
	struct fl_wr *out;
	size_t start, max, limit;
	size_t chunk;		/* next chunk size to ask for */
};

static void
sink_init(struct sink *s, struct fl_wr *out, size_t max)
{
	s->out = out;
	s->start = out->len;
	s->max = max;
	s->limit = max == SIZE_MAX ? max : max + 1;
	s->chunk = CHUNK_MIN;
}

static size_t
sink_len(const struct sink *s)
{
	return s->out->len - s->start;
}

/*
 * Reserve the next chunk at the end of out; *room gets its size (at least
 * 1).  The caller gives back what it did not use with sink_unreserve.
 * NULL when the limit is reached (*room 0: the caller reports FL_ERANGE)
 * or out cannot grow (out->err set).
 */
static uint8_t *
sink_reserve(struct sink *s, size_t *room)
{
	struct fl_wr *w = s->out;
	size_t left = s->limit - sink_len(s), n = s->chunk;
	uint8_t *p;

	*room = 0;
	if (left == 0 || w->err != 0)
		return NULL;
	if (n > left)
		n = left;
	/* a capped writer: take what it still has, and fail only at 0 */
	if (w->cap_max - w->len < n && w->cap_max > w->len)
		n = w->cap_max - w->len;
	if ((p = fl_wr_reserve(w, n)) == NULL)
		return NULL;
	*room = n;
	if (s->chunk < CHUNK_MAX)
		s->chunk *= 2;
	return p;
}

static void
sink_unreserve(struct sink *s, size_t unused)
{
	FL_ASSERT(unused <= sink_len(s));
	s->out->len -= unused;
}

/* Finish: 0 keeps the output; an error puts out back where it was. */
static int
sink_end(struct sink *s, int rc)
{
	if (rc != 0)
		s->out->len = s->start;
	return rc;
}

/* Why sink_reserve gave NULL: the limit, or out's own error. */
static int
sink_fail(const struct sink *s)
{
	if (s->out->err != 0)
		return s->out->err;
	return FL_ERANGE;
}

/* ---- gzip ---- */

static int
gzip_decompress(const uint8_t *src, size_t n, struct sink *s)
{
	z_stream z;
	size_t room;
	uint8_t *p;
	int zrc, rc = 0, is_member_done = 0;

	if (n == 0)
		return FL_ECORRUPT;
	memset(&z, 0, sizeof(z));
	/* 16 + MAX_WBITS: gzip wrapper only (no zlib, no raw deflate) */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return FL_ENOMEM;
	while (n > 0 || !is_member_done) {
		uInt in = n > UINT_MAX ? UINT_MAX : (uInt)n;

		if (is_member_done) {
			/* another member follows: Java's GZIPInputStream reads it on */
			if (inflateReset(&z) != Z_OK) {
				rc = FL_ECORRUPT;
				break;
			}
			is_member_done = 0;
		}
		if ((p = sink_reserve(s, &room)) == NULL) {
			rc = sink_fail(s);
			break;
		}
		FL_ASSERT(room <= CHUNK_MAX);
		z.next_in = (Bytef *)(uintptr_t)src;
		z.avail_in = in;
		z.next_out = p;
		z.avail_out = (uInt)room;
		zrc = inflate(&z, Z_NO_FLUSH);
		src += in - z.avail_in;
		n -= in - z.avail_in;
		sink_unreserve(s, z.avail_out);
		if (zrc == Z_STREAM_END) {
			is_member_done = 1;
		} else if (zrc == Z_MEM_ERROR) {
			rc = FL_ENOMEM;
			break;
		} else if (zrc == Z_BUF_ERROR && z.avail_out > 0) {
			rc = FL_ECORRUPT;	/* input ended inside a member */
			break;
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			rc = FL_ECORRUPT;	/* Z_DATA_ERROR, Z_NEED_DICT, ... */
			break;
		} else if (n == 0 && z.avail_out > 0) {
			rc = FL_ECORRUPT;	/* all input taken, member not ended */
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

static int
gzip_compress(const uint8_t *src, size_t n, struct fl_wr *out)
{
	z_stream z;
	uLong bound;
	uint8_t *p;
	int zrc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return FL_ENOMEM;
	bound = deflateBound(&z, (uLong)n);	/* counts the gzip header and trailer */
	if ((p = fl_wr_reserve(out, bound)) == NULL) {
		deflateEnd(&z);
		return out->err;
	}
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = p;
	z.avail_out = (uInt)bound;
	zrc = deflate(&z, Z_FINISH);
	out->len -= z.avail_out;
	deflateEnd(&z);
	if (zrc != Z_STREAM_END)
		return FL_ENOMEM;	/* cannot happen with deflateBound's room */
	return 0;
}

/* ---- snappy ---- */

/* One raw snappy block, its stated size checked against the limit first. */
static int
snappy_block(const uint8_t *src, size_t n, struct sink *s)
{
	size_t len, got;
	uint8_t *p;

	if (n == 0 || snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
		return FL_ECORRUPT;
	if (len > s->max - sink_len(s))
		return FL_ERANGE;
	/*
	 * The stated length costs nothing to lie about: before reserving it,
	 * validate a block that claims more than 32 times its size (snappy's
	 * densest element, a 3-byte copy of 64 bytes, gives 21).  Real blocks
	 * never pay for the second pass; a lie is FL_ECORRUPT unallocated.
	 */
	if (len / 32 > n &&
	    snappy_validate_compressed_buffer((const char *)src, n) != SNAPPY_OK)
		return FL_ECORRUPT;
	if (len == 0)	/* nothing to reserve: fl_wr_reserve(w, 0) may not be asked */
		return snappy_validate_compressed_buffer((const char *)src, n) == SNAPPY_OK ?
		    0 : FL_ECORRUPT;
	if ((p = fl_wr_reserve(s->out, len)) == NULL)
		return s->out->err;
	got = len;
	if (snappy_uncompress((const char *)src, n, (char *)p, &got) != SNAPPY_OK ||
	    got != len)
		return FL_ECORRUPT;
	return 0;
}

static int
snappy_decompress(const uint8_t *src, size_t n, struct sink *s)
{
	struct fl_rd r;
	struct fl_slice b;
	int32_t len;
	int rc;

	if (n < sizeof(xerial_magic) || memcmp(src, xerial_magic, sizeof(xerial_magic)) != 0)
		return snappy_block(src, n, s);
	/* xerial: the versions are not checked (snappy-java only warns) */
	if (n < XERIAL_HDR_BYTES)
		return FL_ECORRUPT;
	fl_rd_init(&r, src + XERIAL_HDR_BYTES, n - XERIAL_HDR_BYTES);
	while (fl_rd_left(&r) > 0) {
		if (fl_rd_i32(&r, &len) != 0 || len <= 0 ||
		    fl_rd_raw(&r, (size_t)len, &b) != 0)
			return FL_ECORRUPT;
		if ((rc = snappy_block(b.p, b.len, s)) != 0)
			return rc;
	}
	return 0;
}

static int
snappy_compress_xerial(const uint8_t *src, size_t n, struct fl_wr *out)
{
	size_t off = 0;

	fl_wr_raw(out, xerial_magic, sizeof(xerial_magic));
	fl_wr_i32(out, XERIAL_VERSION);
	fl_wr_i32(out, XERIAL_VERSION);		/* minimum compatible version */
	while (off < n && out->err == 0) {
		size_t in = n - off > XERIAL_BLOCK_BYTES ? XERIAL_BLOCK_BYTES : n - off;
		size_t cap = snappy_max_compressed_length(in), len = cap;
		size_t at = out->len;
		uint8_t *p;

		if ((p = fl_wr_reserve(out, 4 + cap)) == NULL)
			break;
		if (snappy_compress((const char *)src + off, in, (char *)p + 4, &len) != SNAPPY_OK)
			return FL_ENOMEM;	/* only for a too-small buffer: not here */
		fl_store_be32(out->p + at, (uint32_t)len);
		out->len = at + 4 + len;
		off += in;
	}
	return out->err;
}

/* ---- lz4 ---- */

/* XXH32 (xxHash, seed 0) of a few bytes: what an LZ4 frame header checksum uses. */
#define XXH_P1 0x9E3779B1u
#define XXH_P2 0x85EBCA77u
#define XXH_P3 0xC2B2AE3Du
#define XXH_P4 0x27D4EB2Fu
#define XXH_P5 0x165667B1u

static uint32_t
rotl32(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

static uint32_t
load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint32_t
xxh32(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint32_t h;

	if (n >= 16) {
		uint32_t v1 = XXH_P1 + XXH_P2, v2 = XXH_P2, v3 = 0, v4 = 0u - XXH_P1;

		do {
			v1 = rotl32(v1 + load_le32(p) * XXH_P2, 13) * XXH_P1;
			v2 = rotl32(v2 + load_le32(p + 4) * XXH_P2, 13) * XXH_P1;
			v3 = rotl32(v3 + load_le32(p + 8) * XXH_P2, 13) * XXH_P1;
			v4 = rotl32(v4 + load_le32(p + 12) * XXH_P2, 13) * XXH_P1;
			p += 16;
		} while (end - p >= 16);
		h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
	} else {
		h = XXH_P5;
	}
	h += (uint32_t)n;
	for (; end - p >= 4; p += 4)
		h = rotl32(h + load_le32(p) * XXH_P3, 17) * XXH_P4;
	for (; p < end; p++)
		h = rotl32(h + *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 15;
	h *= XXH_P2;
	h ^= h >> 13;
	h *= XXH_P3;
	h ^= h >> 16;
	return h;
}

#define LZ4_FRAME_MAGIC		0x184D2204u
#define LZ4_HDR_BYTES_MAX	19	/* magic 4, FLG, BD, size 8, dict 4, HC */

/*
 * Kafka's magic-0 LZ4 frames: the header checksum byte was computed over
 * the magic too.  When the frame at src has that checksum, copy its header
 * into hdr with the right one and return its length; 0 otherwise (a right
 * checksum, or not a frame liblz4 will not judge by itself).
 */
static size_t
lz4_legacy_header(const uint8_t *src, size_t n, uint8_t hdr[LZ4_HDR_BYTES_MAX])
{
	size_t hc;
	uint8_t flg;

	if (n < 7 || load_le32(src) != LZ4_FRAME_MAGIC)
		return 0;
	flg = src[4];
	hc = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
	if (n <= hc)
		return 0;
	if (src[hc] == (uint8_t)(xxh32(src + 4, hc - 4) >> 8))
		return 0;
	if (src[hc] != (uint8_t)(xxh32(src, hc) >> 8))
		return 0;
	memcpy(hdr, src, hc);
	hdr[hc] = (uint8_t)(xxh32(src + 4, hc - 4) >> 8);
	return hc + 1;
}

/*
 * Feed src to the decompression context; frames may follow each other.
 * *is_done is set once a frame has ended with all its output flushed and
 * cleared while one is open.
 */
static int
lz4_feed(LZ4F_dctx *d, const uint8_t *src, size_t n, struct sink *s, int *is_done)
{
	size_t room, in, got, hint;
	uint8_t *p;

	while (n > 0 || !*is_done) {
		if ((p = sink_reserve(s, &room)) == NULL)
			return sink_fail(s);
		in = n;
		got = room;
		hint = LZ4F_decompress(d, p, &got, src, &in, NULL);
		sink_unreserve(s, room - got);
		/*
		 * liblz4's error codes are not public API: its rare allocation
		 * failure (block buffers) reads as FL_ECORRUPT too
		 */
		if (LZ4F_isError(hint))
			return FL_ECORRUPT;
		src += in;
		n -= in;
		*is_done = hint == 0;
		/* nothing taken, nothing given, room left: the input ran out */
		if (n == 0 && !*is_done && got < room)
			return 0;
	}
	return 0;
}

static int
lz4_decompress(const uint8_t *src, size_t n, unsigned flags, struct sink *s)
{
	uint8_t hdr[LZ4_HDR_BYTES_MAX];
	LZ4F_dctx *d;
	size_t hlen = 0;
	int rc, is_done = 0;

	if (n == 0)
		return FL_ECORRUPT;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return FL_ENOMEM;
	if (flags & FL_DECOMP_LZ4_LEGACY)
		hlen = lz4_legacy_header(src, n, hdr);
	/* a legacy header goes in fixed first; later frames are all Kafka's own */
	rc = lz4_feed(d, hlen > 0 ? hdr : src, hlen > 0 ? hlen : n, s, &is_done);
	if (rc == 0 && hlen > 0)
		rc = lz4_feed(d, src + hlen, n - hlen, s, &is_done);
	if (rc == 0 && !is_done)
		rc = FL_ECORRUPT;	/* ended inside a frame */
	LZ4F_freeDecompressionContext(d);
	return rc;
}

static int
lz4_compress(const uint8_t *src, size_t n, struct fl_wr *out)
{
	LZ4F_preferences_t pref;
	size_t bound, len;
	uint8_t *p;

	memset(&pref, 0, sizeof(pref));
	pref.frameInfo.blockSizeID = LZ4F_max64KB;
	pref.frameInfo.blockMode = LZ4F_blockIndependent;
	pref.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
	bound = LZ4F_compressFrameBound(n, &pref);
	if ((p = fl_wr_reserve(out, bound)) == NULL)
		return out->err;
	len = LZ4F_compressFrame(p, bound, src, n, &pref);
	if (LZ4F_isError(len)) {
		out->len -= bound;
		return FL_ENOMEM;
	}
	out->len -= bound - len;
	return 0;
}

/* ---- zstd ---- */

static int
zstd_decompress(const uint8_t *src, size_t n, struct sink *s)
{
	ZSTD_DCtx *d;
	ZSTD_inBuffer in = { src, n, 0 };
	ZSTD_outBuffer o;
	size_t room, hint = 1;
	uint8_t *p;
	int rc = 0;

	if (n == 0)
		return FL_ECORRUPT;
	if ((d = ZSTD_createDCtx()) == NULL)
		return FL_ENOMEM;
	/* hint 0: the last frame is whole and flushed; more input, a next one */
	while (in.pos < in.size || hint != 0) {
		if ((p = sink_reserve(s, &room)) == NULL) {
			rc = sink_fail(s);
			break;
		}
		o.dst = p;
		o.size = room;
		o.pos = 0;
		hint = ZSTD_decompressStream(d, &o, &in);
		sink_unreserve(s, room - o.pos);
		if (ZSTD_isError(hint)) {
			rc = ZSTD_getErrorCode(hint) == ZSTD_error_memory_allocation ?
			    FL_ENOMEM : FL_ECORRUPT;
			break;
		}
		if (hint != 0 && in.pos == in.size && o.pos < o.size) {
			rc = FL_ECORRUPT;	/* ended inside a frame */
			break;
		}
	}
	ZSTD_freeDCtx(d);
	return rc;
}

static int
zstd_compress(const uint8_t *src, size_t n, struct fl_wr *out)
{
	size_t bound = ZSTD_compressBound(n), len;
	uint8_t *p;

	if ((p = fl_wr_reserve(out, bound)) == NULL)
		return out->err;
	len = ZSTD_compress(p, bound, src, n, 3);
	if (ZSTD_isError(len)) {
		out->len -= bound;
		return FL_ENOMEM;
	}
	out->len -= bound - len;
	return 0;
}

/* ---- entry points ---- */

int
fl_decompress_flags(int codec, const uint8_t *src, size_t n, size_t max,
    unsigned flags, struct fl_wr *out)
{
	struct sink s;
	int rc;

	if (out->err != 0)
		return out->err;
	sink_init(&s, out, max);
	switch (codec) {
	case FL_CODEC_NONE:
		if (n > max)
			return FL_ERANGE;
		if (n > 0)
			fl_wr_raw(out, src, n);
		rc = out->err;
		break;
	case FL_CODEC_GZIP:
		rc = gzip_decompress(src, n, &s);
		break;
	case FL_CODEC_SNAPPY:
		rc = snappy_decompress(src, n, &s);
		break;
	case FL_CODEC_LZ4:
		rc = lz4_decompress(src, n, flags, &s);
		break;
	case FL_CODEC_ZSTD:
		rc = zstd_decompress(src, n, &s);
		break;
	default:
		rc = FL_ECORRUPT;
		break;
	}
	if (rc == 0 && sink_len(&s) > max)
		rc = FL_ERANGE;
	return sink_end(&s, rc);
}

int
fl_decompress(int codec, const uint8_t *src, size_t n, size_t max, struct fl_wr *out)
{
	return fl_decompress_flags(codec, src, n, max, 0, out);
}

int
fl_compress(int codec, const uint8_t *src, size_t n, struct fl_wr *out)
{
	size_t start = out->len;
	int rc;

	if (out->err != 0)
		return out->err;
	if (n > FL_COMPRESS_SRC_MAX)
		return FL_ERANGE;
	switch (codec) {
	case FL_CODEC_NONE:
		if (n > 0)
			fl_wr_raw(out, src, n);
		rc = out->err;
		break;
	case FL_CODEC_GZIP:
		rc = gzip_compress(src, n, out);
		break;
	case FL_CODEC_SNAPPY:
		rc = snappy_compress_xerial(src, n, out);
		break;
	case FL_CODEC_LZ4:
		rc = lz4_compress(src, n, out);
		break;
	case FL_CODEC_ZSTD:
		rc = zstd_compress(src, n, out);
		break;
	default:
		rc = FL_ECORRUPT;
		break;
	}
	if (rc != 0)
		out->len = start;
	return rc;
}
