/*
 * test-compress.c: codec/compress.  Every codec round-trips at 0, 1 and
 * 100 KiB bytes, incompressible bytes and a few MiB (many output chunks);
 * known vectors made by other tools decode (gzip(1), lz4(1), zstd(1), a
 * raw snappy block and an xerial stream built by hand, Kafka's legacy LZ4
 * header checksum); truncated, trailing and random input give errors, never
 * crashes; the max bound holds for every codec, bombs included; a failed
 * call leaves the writer as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/compress.h"
#include "tap.h"

static const int codecs[] = { FL_CODEC_GZIP, FL_CODEC_SNAPPY, FL_CODEC_LZ4, FL_CODEC_ZSTD };

static const char hello[] = "hello flume\n";	/* 12 bytes */

/* gzip -n -9 of hello */
static const uint8_t gz_hello[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48,
	0xcd, 0xc9, 0xc9, 0x57, 0x48, 0xcb, 0x29, 0xcd, 0x4d, 0xe5, 0x02, 0x00,
	0x0c, 0xf3, 0x2c, 0xa5, 0x0c, 0x00, 0x00, 0x00
};
/* lz4 -c of hello (content checksum on); header checksum 0xa7 at [6] */
static const uint8_t lz4_hello[] = {
	0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x0c, 0x00, 0x00, 0x80, 0x68,
	0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x66, 0x6c, 0x75, 0x6d, 0x65, 0x0a, 0x00,
	0x00, 0x00, 0x00, 0xc4, 0x5b, 0x9c, 0x7a
};
/*
 * Kafka magic 0 LZ4 headers, checksum computed over the magic too (by an
 * independent XXH32 checked against xxHash's published values): hello as
 * one uncompressed block, with a content size (14 header bytes hashed) and
 * with a content size and a dictionary id (18: xxHash's 16-byte stripes).
 */
static const uint8_t lz4_legacy_size[] = {
	0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x2c, 0x0c, 0x00, 0x00, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
	0x20, 0x66, 0x6c, 0x75, 0x6d, 0x65, 0x0a, 0x00, 0x00, 0x00, 0x00
};
static const uint8_t lz4_legacy_dict[] = {
	0x04, 0x22, 0x4d, 0x18, 0x69, 0x40, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x4f, 0x0c, 0x00, 0x00, 0x80, 0x68,
	0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x66, 0x6c, 0x75, 0x6d, 0x65, 0x0a, 0x00,
	0x00, 0x00, 0x00
};
#define LZ4_LEGACY_HC_HELLO	0x0c	/* lz4_hello's header hashed with its magic */
/* zstd -c of hello (with its content checksum) */
static const uint8_t zstd_hello[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x61, 0x00, 0x00, 0x68, 0x65, 0x6c,
	0x6c, 0x6f, 0x20, 0x66, 0x6c, 0x75, 0x6d, 0x65, 0x0a, 0x9e, 0x02, 0x82,
	0xd6
};
/* raw snappy, by hand: length 12, literal "abc", copy-1 of 9 bytes at offset 3 */
static const uint8_t snappy_abc[] = { 0x0c, 0x08, 'a', 'b', 'c', 0x15, 0x03 };
/* raw snappy: length 5, literal "hello" */
static const uint8_t snappy_hello5[] = { 0x05, 0x10, 'h', 'e', 'l', 'l', 'o' };

/* Decompress into a fresh writer; returns rc, output in *w (caller frees). */
static int
dec(int codec, const uint8_t *p, size_t n, size_t max, unsigned flags, struct fl_wr *w)
{
	fl_wr_init(w, (size_t)256 << 20);
	return fl_decompress_flags(codec, p, n, max, flags, w);
}

static int
is_out(const struct fl_wr *w, const void *want, size_t n)
{
	return w->len == n && (n == 0 || memcmp(w->p, want, n) == 0);
}

static void
test_vectors(void)
{
	uint8_t buf[256];
	struct fl_wr w;
	size_t n;

	CHECK_INT(dec(FL_CODEC_GZIP, gz_hello, sizeof(gz_hello), 100, 0, &w), ==, 0, "gzip(1) member");
	CHECK(is_out(&w, hello, 12), "gzip(1) member: hello");
	fl_wr_free(&w);

	memcpy(buf, gz_hello, sizeof(gz_hello));
	memcpy(buf + sizeof(gz_hello), gz_hello, sizeof(gz_hello));
	CHECK_INT(dec(FL_CODEC_GZIP, buf, 2 * sizeof(gz_hello), 100, 0, &w), ==, 0,
	    "gzip: two members back to back");
	CHECK(is_out(&w, "hello flume\nhello flume\n", 24), "gzip: both members' bytes");
	fl_wr_free(&w);
	buf[sizeof(gz_hello)] = 0;
	CHECK_INT(dec(FL_CODEC_GZIP, buf, sizeof(gz_hello) + 1, 100, 0, &w), ==, FL_ECORRUPT,
	    "gzip: a trailing byte that starts no member");
	CHECK_INT(w.len, ==, 0, "gzip: nothing left in out after the failure");
	fl_wr_free(&w);
	memcpy(buf, gz_hello, sizeof(gz_hello));
	buf[sizeof(gz_hello) - 5] ^= 1;		/* the CRC-32 trailer */
	CHECK_INT(dec(FL_CODEC_GZIP, buf, sizeof(gz_hello), 100, 0, &w), ==, FL_ECORRUPT,
	    "gzip: a wrong CRC-32 trailer");
	fl_wr_free(&w);

	CHECK_INT(dec(FL_CODEC_SNAPPY, snappy_abc, sizeof(snappy_abc), 100, 0, &w), ==, 0,
	    "snappy: raw block with a copy");
	CHECK(is_out(&w, "abcabcabcabc", 12), "snappy: raw block: abcabcabcabc");
	fl_wr_free(&w);

	/* a block of nothing (length 0), raw and framed: empty, into an empty writer */
	CHECK_INT(dec(FL_CODEC_SNAPPY, (const uint8_t *)"", 1, 100, 0, &w), ==, 0,
	    "snappy: a raw block of length 0");
	CHECK_INT(w.len, ==, 0, "snappy: length 0: no bytes");
	fl_wr_free(&w);
	memcpy(buf, "\x82SNAPPY\0\0\0\0\1\0\0\0\1\0\0\0\1\0", 21);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, 21, 100, 0, &w), ==, 0,
	    "snappy: xerial with one block of length 0");
	CHECK_INT(w.len, ==, 0, "snappy: xerial empty block: no bytes");
	fl_wr_free(&w);

	/* xerial: magic, version 1, compatible 1, two blocks */
	n = 0;
	memcpy(buf, "\x82SNAPPY\0", 8);
	n = 8;
	fl_store_be32(buf + n, 1);
	fl_store_be32(buf + n + 4, 1);
	n += 8;
	fl_store_be32(buf + n, sizeof(snappy_hello5));
	memcpy(buf + n + 4, snappy_hello5, sizeof(snappy_hello5));
	n += 4 + sizeof(snappy_hello5);
	fl_store_be32(buf + n, sizeof(snappy_abc));
	memcpy(buf + n + 4, snappy_abc, sizeof(snappy_abc));
	n += 4 + sizeof(snappy_abc);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, n, 100, 0, &w), ==, 0, "snappy: xerial, two blocks");
	CHECK(is_out(&w, "helloabcabcabcabc", 17), "snappy: xerial: both blocks' bytes");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, n, 16, 0, &w), ==, FL_ERANGE,
	    "snappy: xerial, 17 bytes with max 16");
	CHECK_INT(w.len, ==, 0, "snappy: max: nothing left in out");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, 16, 100, 0, &w), ==, 0,
	    "snappy: xerial header alone is empty");
	CHECK_INT(w.len, ==, 0, "snappy: xerial header alone: 0 bytes");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, 12, 100, 0, &w), ==, FL_ECORRUPT,
	    "snappy: xerial header cut short");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, n - 1, 100, 0, &w), ==, FL_ECORRUPT,
	    "snappy: xerial block cut short");
	fl_wr_free(&w);
	fl_store_be32(buf + 16, 0);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, n, 100, 0, &w), ==, FL_ECORRUPT,
	    "snappy: xerial block of length 0");
	fl_wr_free(&w);
	fl_store_be32(buf + 16, 0x80000000u);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, n, 100, 0, &w), ==, FL_ECORRUPT,
	    "snappy: xerial block of negative length");
	fl_wr_free(&w);
	/* a raw block claiming 1 GiB in 7 bytes: refused before any allocation */
	memcpy(buf, "\x80\x80\x80\x80\x04\x10x", 7);
	CHECK_INT(dec(FL_CODEC_SNAPPY, buf, 7, (size_t)2 << 30, 0, &w), ==, FL_ECORRUPT,
	    "snappy: a block lying about its 1 GiB length");
	CHECK_U64(w.cap, <, 1u << 20, "snappy: the lie allocated nothing big");
	fl_wr_free(&w);

	CHECK_INT(dec(FL_CODEC_LZ4, lz4_hello, sizeof(lz4_hello), 100, 0, &w), ==, 0,
	    "lz4(1) frame with a content checksum");
	CHECK(is_out(&w, hello, 12), "lz4(1) frame: hello");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_LZ4, lz4_hello, sizeof(lz4_hello), 100, FL_DECOMP_LZ4_LEGACY, &w),
	    ==, 0, "lz4: a right header checksum passes with the legacy flag too");
	fl_wr_free(&w);
	memcpy(buf, lz4_hello, sizeof(lz4_hello));
	buf[6] = LZ4_LEGACY_HC_HELLO;
	CHECK_INT(dec(FL_CODEC_LZ4, buf, sizeof(lz4_hello), 100, 0, &w), ==, FL_ECORRUPT,
	    "lz4: Kafka's legacy header checksum is refused without the flag");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_LZ4, buf, sizeof(lz4_hello), 100, FL_DECOMP_LZ4_LEGACY, &w), ==, 0,
	    "lz4: legacy header checksum accepted with FL_DECOMP_LZ4_LEGACY");
	CHECK(is_out(&w, hello, 12), "lz4: legacy: hello");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_LZ4, lz4_legacy_size, sizeof(lz4_legacy_size), 100,
	    FL_DECOMP_LZ4_LEGACY, &w), ==, 0, "lz4: legacy header with a content size");
	CHECK(is_out(&w, hello, 12), "lz4: legacy with content size: hello");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_LZ4, lz4_legacy_dict, sizeof(lz4_legacy_dict), 100,
	    FL_DECOMP_LZ4_LEGACY, &w), ==, 0, "lz4: legacy 18-byte header (size and dict id)");
	CHECK(is_out(&w, hello, 12), "lz4: legacy 18-byte header: hello");
	fl_wr_free(&w);
	buf[6] ^= 0x55;		/* neither the right checksum nor the legacy one */
	CHECK_INT(dec(FL_CODEC_LZ4, buf, sizeof(lz4_hello), 100, FL_DECOMP_LZ4_LEGACY, &w), ==,
	    FL_ECORRUPT, "lz4: a header checksum that is neither");
	fl_wr_free(&w);
	memcpy(buf, lz4_hello, sizeof(lz4_hello));
	buf[sizeof(lz4_hello) - 1] ^= 1;
	CHECK_INT(dec(FL_CODEC_LZ4, buf, sizeof(lz4_hello), 100, 0, &w), ==, FL_ECORRUPT,
	    "lz4: a wrong content checksum");
	fl_wr_free(&w);

	CHECK_INT(dec(FL_CODEC_ZSTD, zstd_hello, sizeof(zstd_hello), 100, 0, &w), ==, 0,
	    "zstd(1) frame");
	CHECK(is_out(&w, hello, 12), "zstd(1) frame: hello");
	fl_wr_free(&w);
	memcpy(buf, zstd_hello, sizeof(zstd_hello));
	memcpy(buf + sizeof(zstd_hello), zstd_hello, sizeof(zstd_hello));
	CHECK_INT(dec(FL_CODEC_ZSTD, buf, 2 * sizeof(zstd_hello), 100, 0, &w), ==, 0,
	    "zstd: two frames back to back");
	CHECK(is_out(&w, "hello flume\nhello flume\n", 24), "zstd: both frames' bytes");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_ZSTD, buf, 2 * sizeof(zstd_hello), 23, 0, &w), ==, FL_ERANGE,
	    "zstd: two frames, 24 bytes, max 23");
	fl_wr_free(&w);
	buf[sizeof(zstd_hello) - 1] ^= 1;
	CHECK_INT(dec(FL_CODEC_ZSTD, buf, sizeof(zstd_hello), 100, 0, &w), ==, FL_ECORRUPT,
	    "zstd: a wrong content checksum");
	fl_wr_free(&w);

	CHECK_INT(dec(FL_CODEC_NONE, (const uint8_t *)hello, 12, 12, 0, &w), ==, 0, "none: copies");
	CHECK(is_out(&w, hello, 12), "none: the same bytes");
	fl_wr_free(&w);
	CHECK_INT(dec(FL_CODEC_NONE, (const uint8_t *)hello, 12, 11, 0, &w), ==, FL_ERANGE,
	    "none: 12 bytes with max 11");
	fl_wr_free(&w);
}

static void
test_bad_codec_and_empty(void)
{
	static const int bad[] = { 5, 6, 7, -1, 99 };
	struct fl_wr w;
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(bad); i++) {
		CHECK_INT(dec(bad[i], gz_hello, sizeof(gz_hello), 100, 0, &w), ==, FL_ECORRUPT,
		    "decompress: an unknown codec is FL_ECORRUPT");
		fl_wr_free(&w);
		fl_wr_init(&w, 1 << 20);
		CHECK_INT(fl_compress(bad[i], gz_hello, sizeof(gz_hello), &w), ==, FL_ECORRUPT,
		    "compress: an unknown codec is FL_ECORRUPT");
		CHECK_INT(w.len, ==, 0, "compress: unknown codec: out untouched");
		fl_wr_free(&w);
	}
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		CHECK_INT(dec(codecs[i], (const uint8_t *)"", 0, 100, 0, &w), ==, FL_ECORRUPT,
		    fl_codec_name(codecs[i]));
		fl_wr_free(&w);
	}
	CHECK(strcmp(fl_codec_name(FL_CODEC_ZSTD), "zstd") == 0, "fl_codec_name(4) = zstd");
	CHECK(strcmp(fl_codec_name(5), "?") == 0, "fl_codec_name(5) = ?");
}

/* Text-like bytes that compress, or random ones that do not. */
static uint8_t *
make_input(size_t n, int is_random, struct fl_rng *rng)
{
	static const char *words[] = { "flume ", "kafka ", "log ", "batch ", "record ",
	    "offset ", "\n", "segment " };
	uint8_t *p = malloc(n > 0 ? n : 1);
	size_t i = 0;

	if (p == NULL)
		abort();
	if (is_random) {
		fl_rng_fill(rng, p, n);
		return p;
	}
	while (i < n) {
		const char *wd = words[fl_rng_below(rng, FL_ARRAY_LEN(words))];
		size_t k = strlen(wd);

		if (k > n - i)
			k = n - i;
		memcpy(p + i, wd, k);
		i += k;
	}
	return p;
}

static void
test_round_trip(void)
{
	static const struct { size_t n; int is_random; } cases[] = {
		{ 0, 0 }, { 1, 0 }, { 100 << 10, 0 }, { 100 << 10, 1 }, { 3u << 20, 0 },
		{ 200 << 10, 1 }, { (32 << 10) + 1, 0 }
	};
	struct fl_rng rng;
	char what[128];
	size_t i, j;

	fl_rng_seed(&rng, 42);
	for (i = 0; i < FL_ARRAY_LEN(cases); i++) {
		size_t n = cases[i].n;
		uint8_t *src = make_input(n, cases[i].is_random, &rng);

		for (j = 0; j < FL_ARRAY_LEN(codecs); j++) {
			const char *name = fl_codec_name(codecs[j]);
			struct fl_wr c, d;
			int rc;

			fl_wr_init(&c, (size_t)64 << 20);
			fl_wr_raw(&c, "pre", 3);	/* output is appended */
			rc = fl_compress(codecs[j], src, n, &c);
			snprintf(what, sizeof(what), "%s: compress %zu%s bytes", name, n,
			    cases[i].is_random ? " random" : "");
			CHECK_INT(rc, ==, 0, what);
			CHECK(memcmp(c.p, "pre", 3) == 0, "compress appends after what out held");
			fl_wr_init(&d, (size_t)64 << 20);
			fl_wr_raw(&d, "x", 1);
			rc = fl_decompress(codecs[j], c.p + 3, c.len - 3, n, &d);
			snprintf(what, sizeof(what), "%s: %zu bytes -> %zu -> back with max %zu",
			    name, n, c.len - 3, n);
			CHECK_INT(rc, ==, 0, what);
			CHECK(d.len == n + 1 && d.p[0] == 'x' && (n == 0 ||
			    memcmp(d.p + 1, src, n) == 0), "the same bytes, appended");
			if (n > 0) {
				fl_wr_reset(&d);
				fl_wr_raw(&d, "x", 1);
				rc = fl_decompress(codecs[j], c.p + 3, c.len - 3, n - 1, &d);
				snprintf(what, sizeof(what), "%s: %zu bytes with max %zu: FL_ERANGE",
				    name, n, n - 1);
				CHECK_INT(rc, ==, FL_ERANGE, what);
				CHECK(d.len == 1 && d.err == 0, "max: out back to where it was");
			}
			if (codecs[j] == FL_CODEC_SNAPPY && n > 0) {
				/* kafka's Java producer's framing */
				CHECK(c.len - 3 >= 16 && memcmp(c.p + 3, "\x82SNAPPY\0", 8) == 0,
				    "snappy: compress writes xerial framing");
			}
			fl_wr_free(&c);
			fl_wr_free(&d);
		}
		free(src);
	}
}

/* Decompression bombs: 16 MiB of zeros, max 1 MiB, out capped at 2 MiB. */
static void
test_bombs(void)
{
	size_t n = (size_t)16 << 20, i;
	uint8_t *zeros = calloc(n, 1);
	char what[128];

	if (zeros == NULL)
		abort();
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		struct fl_wr c, d;
		int rc;

		fl_wr_init(&c, (size_t)32 << 20);
		CHECK_INT(fl_compress(codecs[i], zeros, n, &c), ==, 0, "compress 16 MiB of zeros");
		fl_wr_init(&d, (size_t)2 << 20);
		rc = fl_decompress(codecs[i], c.p, c.len, (size_t)1 << 20, &d);
		snprintf(what, sizeof(what), "%s: %zu-byte bomb of 16 MiB, max 1 MiB: FL_ERANGE",
		    fl_codec_name(codecs[i]), c.len);
		CHECK_INT(rc, ==, FL_ERANGE, what);
		CHECK(d.len == 0 && d.err == 0 && d.cap <= ((size_t)2 << 20),
		    "bomb: out empty, unharmed, never grown past its cap");
		fl_wr_free(&d);
		fl_wr_free(&c);
	}
	free(zeros);
}

/* A writer too small for the output: its FL_EFULL, and its length restored. */
static void
test_small_writer(void)
{
	uint8_t big[4096], small[64];
	struct fl_wr c, d;
	size_t i;

	memset(big, 'a', sizeof(big));
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		fl_wr_init(&c, 1 << 20);
		CHECK_INT(fl_compress(codecs[i], big, sizeof(big), &c), ==, 0, "compress 4 KiB");
		fl_wr_init_fixed(&d, small, sizeof(small));
		fl_wr_raw(&d, "ab", 2);
		CHECK_INT(fl_decompress(codecs[i], c.p, c.len, sizeof(big), &d), ==, FL_EFULL,
		    "decompress into a 64-byte fixed writer: FL_EFULL");
		CHECK_INT(d.len, ==, 2, "fixed writer: its length put back");
		fl_wr_init_fixed(&d, small, sizeof(small));
		CHECK_INT(fl_compress(codecs[i], big, sizeof(big), &d), ==, FL_EFULL,
		    "compress into a 64-byte fixed writer: FL_EFULL");
		CHECK_INT(d.len, ==, 0, "compress: fixed writer's length put back");
		fl_wr_free(&c);
	}
}

/*
 * Every prefix of a compressed stream, and random bytes, and random bit
 * flips: an error or output within max, never a crash (ASan/UBSan builds
 * check the "never").  Prefixes end inside the last frame, member or
 * block, so they are errors, except xerial snappy cut at a block boundary.
 */
static void
test_truncation_and_garbage(void)
{
	struct fl_rng rng;
	size_t n = 5000, i, k, cut, bad;
	uint8_t *src, *buf;

	fl_rng_seed(&rng, 7);
	src = make_input(n, 0, &rng);
	buf = malloc(1 << 16);
	if (buf == NULL)
		abort();
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		struct fl_wr c, d;
		int rc, is_ok = 1;

		fl_wr_init(&c, 1 << 20);
		fl_wr_init(&d, 1 << 20);
		if (fl_compress(codecs[i], src, n, &c) != 0)
			abort();
		bad = 0;
		for (cut = 0; cut < c.len; cut++) {
			if (codecs[i] == FL_CODEC_SNAPPY && cut == 16)
				continue;	/* the xerial header and no block: empty */
			fl_wr_reset(&d);
			rc = fl_decompress(codecs[i], c.p, cut, n, &d);
			if (rc == 0)
				bad++;
			else if (d.len != 0)
				is_ok = 0;
		}
		CHECK_INT(bad, ==, 0, fl_codec_name(codecs[i]));
		CHECK(is_ok, "truncated: out left empty on every error");

		for (k = 0; k < 300; k++) {
			size_t len = (size_t)fl_rng_below(&rng, c.len + 64);

			if (k % 3 == 0) {
				fl_rng_fill(&rng, buf, len);	/* random */
			} else {
				if (len > c.len)
					len = c.len;
				memcpy(buf, c.p, len);		/* flipped */
				if (len > 0)
					buf[fl_rng_below(&rng, len)] ^=
					    (uint8_t)(1u << fl_rng_below(&rng, 8));
			}
			if (k % 5 == 0 && len > 0 && len <= 8)
				memcpy(buf, "\x82SNAPPY\0", len);
			fl_wr_reset(&d);
			rc = fl_decompress_flags(codecs[i], buf, len, n, FL_DECOMP_LZ4_LEGACY, &d);
			if ((rc == 0 && d.len > n) || (rc != 0 && d.len != 0) ||
			    (rc != 0 && rc != FL_ECORRUPT && rc != FL_ERANGE))
				is_ok = 0;
		}
		CHECK(is_ok, "garbage and flipped bits: an error or a bounded output");
		/* bytes after the last frame or member */
		fl_wr_raw(&c, "\0", 1);
		fl_wr_reset(&d);
		rc = fl_decompress(codecs[i], c.p, c.len, n, &d);
		CHECK_INT(rc, ==, FL_ECORRUPT, "a stray byte after the stream");
		fl_wr_free(&c);
		fl_wr_free(&d);
	}
	free(buf);
	free(src);
}

int
main(void)
{
	test_vectors();
	test_bad_codec_and_empty();
	test_round_trip();
	test_bombs();
	test_small_writer();
	test_truncation_and_garbage();
	return tap_done();
}
