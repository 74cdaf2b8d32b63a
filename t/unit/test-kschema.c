/*
 * test-kschema.c: the declarative body codec (codec/kschema.h).
 *
 * First the KIP-482 primitives against byte strings (compact strings,
 * bytes and arrays, tagged-field sections), then one small made-up schema
 * exercising version gating, defaults, nullable-from, nested arrays and
 * tagged fields, decoded from and encoded to hex in classic and flexible
 * forms.  Every proper prefix of a good encoding must fail to decode.
 * Last, every table of codec/kproto.c, request and response, at every
 * version it describes (flexible ones compact): a struct filled from the
 * table is encoded, decoded and encoded again to the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/kproto.h"
#include "codec/kschema.h"
#include "tap.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n == cap)
				abort();
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static int
hex_eq(const struct fl_wr *w, const char *hex)
{
	uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof(buf)), i;

	if (w->err == 0 && n == w->len && memcmp(w->p, buf, n) == 0)
		return 1;
	printf("#   got (%zu, err %d): ", w->len, w->err);
	for (i = 0; i < w->len; i++)
		printf("%02x", w->p[i]);
	printf("\n");
	return 0;
}

static int
eq(struct fl_slice s, const char *c)
{
	return s.p != NULL && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

/* ---- primitives ---- */

static void
test_primitives(void)
{
	uint8_t b[64];
	struct fl_rd r;
	struct fl_wr w;
	struct fl_slice s;
	int32_t count;
	int is_null;
	size_t n;

	n = unhex("04 616263", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cstring(&r, 0, &s), ==, 0, "cstring: reads");
	CHECK(eq(s, "abc") && fl_rd_left(&r) == 0, "cstring: abc, consumed");
	n = unhex("00", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cstring(&r, 0, &s), ==, FL_EPROTO, "cstring: null not nullable");
	CHECK_INT(r.off, ==, 0, "cstring: failure consumes nothing");
	CHECK_INT(fl_ks_rd_cstring(&r, 1, &s), ==, 0, "cstring: null nullable");
	CHECK(s.p == NULL && s.len == 0, "cstring: null slice");
	n = unhex("01", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cstring(&r, 0, &s), ==, 0, "cstring: empty");
	CHECK(s.p != NULL && s.len == 0, "cstring: empty is not null");
	n = unhex("05 6162", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cstring(&r, 0, &s), ==, FL_ESHORT, "cstring: cut is short");
	n = unhex("81 80 02", b, sizeof(b));	/* 32769 - 1 = 32768 > INT16_MAX */
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cstring(&r, 0, &s), ==, FL_EPROTO, "cstring: over 32767");
	n = unhex("ff ff ff ff ff 01", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cbytes(&r, 1, &s), ==, FL_EPROTO, "cbytes: 6-byte varint");
	n = unhex("03 0102", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_cbytes(&r, 0, &s), ==, 0, "cbytes: reads");
	CHECK_INT(s.len, ==, 2, "cbytes: 2 bytes");

	n = unhex("03 00000001 00000002", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_carray(&r, 4, &count, &is_null), ==, 0, "carray: reads");
	CHECK(count == 2 && !is_null, "carray: 2 elements");
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_carray(&r, 5, &count, &is_null), ==, FL_EPROTO,
	    "carray: count the bytes cannot hold");
	n = unhex("00", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_carray(&r, 4, &count, &is_null), ==, 0, "carray: null");
	CHECK(count == 0 && is_null, "carray: null reads as 0");

	n = unhex("02 00 02 abcd 05 00 ff", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_skip_tags(&r), ==, 0, "tags: two skipped");
	CHECK_INT(fl_rd_left(&r), ==, 1, "tags: stops after the section");
	n = unhex("01 00 03 abcd", b, sizeof(b));
	fl_rd_init(&r, b, n);
	CHECK_INT(fl_ks_rd_skip_tags(&r), ==, FL_ESHORT, "tags: cut value is short");

	fl_wr_init(&w, 1 << 16);
	fl_ks_wr_cstring(&w, "abc", 3);
	fl_ks_wr_cstring(&w, NULL, 0);
	fl_ks_wr_cbytes(&w, "", 0);
	fl_ks_wr_ccount(&w, 200, 0);
	fl_ks_wr_ccount(&w, 0, 1);
	fl_ks_wr_no_tags(&w);
	CHECK(hex_eq(&w, "04616263 00 01 c901 00 00"), "writers: compact forms");
	fl_wr_reset(&w);
	fl_ks_wr_cstring(&w, b, 40000);
	CHECK_INT(w.err, ==, FL_ERANGE, "writers: cstring over 32767 is FL_ERANGE");
	fl_wr_free(&w);
}

/* ---- a made-up message ---- */

struct item {
	int32_t id;
	struct fl_slice label;		/* nullable from v1 */
	int64_t *vals;			/* v2+ */
	size_t nvals;
};
struct msg {
	int16_t code;
	int32_t since2;			/* v2+ [-7] */
	int32_t upto1;			/* v0-1 [9] */
	int flag;			/* bool */
	struct item *items;
	size_t nitems;
	int items_null;
	struct fl_slice blob;		/* bytes */
	struct fl_slice *names;		/* string array */
	size_t nnames;
	int64_t tagged_epoch;		/* tag 1 [-1], v3+ */
	struct fl_slice tagged_name;	/* tag 4, nullable, v3+ */
};

static const struct fl_ks_field item_f[] = {
	FL_KS_I32(struct item, id, 0, FL_KS_VMAX),
	FL_KS_NSTR(struct item, label, 0, FL_KS_VMAX, 1),
	FL_KS_ARR_I64(struct item, vals, nvals, 2, FL_KS_VMAX),
};
static const struct fl_ks_schema item_s = FL_KS_SCHEMA("Item", item_f);
static const struct fl_ks_field msg_f[] = {
	FL_KS_I16(struct msg, code, 0, FL_KS_VMAX),
	FL_KS_I32(struct msg, since2, 2, FL_KS_VMAX, .def = -7),
	FL_KS_I32(struct msg, upto1, 0, 1, .def = 9),
	FL_KS_BOOL(struct msg, flag, 0, FL_KS_VMAX),
	FL_KS_ARR(struct msg, items, nitems, item_s, struct item, 0, FL_KS_VMAX,
	    FL_KS_NULL_FLAG(struct msg, items_null, 1)),
	FL_KS_BYTES(struct msg, blob, 0, FL_KS_VMAX),
	FL_KS_ARR_STR(struct msg, names, nnames, 0, FL_KS_VMAX),
	FL_KS_I64(struct msg, tagged_epoch, 3, FL_KS_VMAX, .is_tagged = 1, .tag = 1,
	    .def = -1),
	FL_KS_NSTR(struct msg, tagged_name, 3, FL_KS_VMAX, 3, .is_tagged = 1,
	    .tag = 4),
};
static const struct fl_ks_schema msg_s = FL_KS_SCHEMA("Msg", msg_f);

/* Decode hex at (v, flex) into *m; every proper prefix must fail. */
static int
dec(const char *hex, int16_t v, int flex, struct fl_arena *a, struct msg *m,
    uint8_t *keep)
{
	size_t n = unhex(hex, keep, 512), k, bad = 0;
	struct fl_rd r;
	int rc;

	for (k = 0; k < n; k++) {
		struct fl_arena t = FL_ARENA_INIT(1 << 16);
		struct msg x;

		fl_rd_init(&r, keep, k);
		if (fl_ks_decode_body(&r, &msg_s, v, flex, &t, &x) == 0)
			bad++;
		fl_arena_free(&t);
	}
	CHECK_INT(bad, ==, 0, "every truncation fails");
	fl_rd_init(&r, keep, n);
	memset(m, 0x5a, sizeof(*m));
	rc = fl_ks_decode_body(&r, &msg_s, v, flex, a, m);
	return rc;
}

static void
test_schema(void)
{
	static const char v0_hex[] =
	    "0005 00000009 01"			/* code, upto1, flag */
	    "00000001 0000000a 0002 6869"	/* items [{10, "hi"}] */
	    "00000002 abcd"			/* blob */
	    "00000002 0001 61 0000";		/* names ["a", ""] */
	static const char v3_hex[] =
	    "0005 00000008 00"			/* code, since2 8, flag */
	    "03 0000000a 03 6869 02 0000000000000007 00"	/* item 10 */
	    "   0000000b 00 01 00"		/* item 11: null label, [] */
	    "03 abcd"				/* blob */
	    "01"				/* names [] */
	    "02 01 08 0000000000000064 04 02 02 7a";	/* tags 1 and 4 */
	struct fl_arena a = FL_ARENA_INIT(1 << 16);
	uint8_t buf[512];
	struct msg m;
	struct fl_wr w;

	/* classic v0: upto1 present, since2 absent (default), no tags */
	CHECK_INT(dec(v0_hex, 0, 0, &a, &m, buf), ==, 0, "v0 decodes");
	CHECK(m.code == 5 && m.upto1 == 9 && m.flag == 1 && m.since2 == -7,
	    "v0: scalars and the absent field's default");
	CHECK(m.nitems == 1 && m.items[0].id == 10 && eq(m.items[0].label, "hi"),
	    "v0: items");
	CHECK(m.items[0].nvals == 0 && m.items[0].vals == NULL,
	    "v0: absent array empty");
	CHECK(!m.items_null && m.blob.len == 2 && m.nnames == 2 &&
	    eq(m.names[0], "a") && eq(m.names[1], ""), "v0: blob and names");
	CHECK(m.tagged_epoch == -1 && m.tagged_name.p == NULL,
	    "v0: tagged fields take their defaults");
	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_ks_encode(&w, &msg_s, 0, 0, &m, NULL), ==, 0, "v0 encodes");
	CHECK(hex_eq(&w, v0_hex), "v0: encoding is the same bytes");

	/* a null label below its nullable-from version is malformed */
	{
		uint8_t b[64];
		size_t n = unhex("0005 00000009 01 00000001 0000000a ffff "
		    "00000000 00000000", b, sizeof(b));
		struct fl_rd r;

		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 0, 0, &a, &m), ==, FL_EPROTO,
		    "v0: null label is FL_EPROTO");
		/* so is a null items array (nullable from v1, has a flag) */
		n = unhex("0005 00000009 01 ffffffff 00000000 00000000", b, sizeof(b));
		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 0, 0, &a, &m), ==, FL_EPROTO,
		    "v0: null flagged array below null_min is FL_EPROTO");
		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 1, 0, &a, &m), ==, 0,
		    "v1: null items array decodes");
		CHECK(m.items_null && m.nitems == 0, "v1: ... flagged null, empty");
		fl_wr_reset(&w);
		fl_ks_encode(&w, &msg_s, 1, 0, &m, NULL);
		CHECK(hex_eq(&w, "0005 00000009 01 ffffffff 00000000 00000000"),
		    "v1: null array encodes as -1");
		/* trailing byte */
		n = unhex("0005 00000009 01 00000000 00000000 00000000 00", b, sizeof(b));
		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 0, 0, &a, &m), ==, FL_EPROTO,
		    "trailing byte is FL_EPROTO");
	}

	/* flexible v3: compact forms, per-struct tag sections, tagged fields */
	CHECK_INT(dec(v3_hex, 3, 1, &a, &m, buf), ==, 0, "v3 flexible decodes");
	CHECK(m.since2 == 8 && m.upto1 == 9 && m.flag == 0, "v3: scalars");
	CHECK(m.nitems == 2 && eq(m.items[0].label, "hi") && m.items[0].nvals == 1 &&
	    m.items[0].vals[0] == 7, "v3: item 0");
	CHECK(m.items[1].id == 11 && m.items[1].label.p == NULL &&
	    m.items[1].nvals == 0, "v3: item 1, null label");
	CHECK(m.blob.len == 2 && m.nnames == 0, "v3: blob, names");
	CHECK(m.tagged_epoch == 100 && eq(m.tagged_name, "z"), "v3: both tags read");
	fl_wr_reset(&w);
	CHECK_INT(fl_ks_encode(&w, &msg_s, 3, 1, &m, NULL), ==, 0, "v3 encodes");
	CHECK(hex_eq(&w, v3_hex), "v3: encoding is the same bytes");

	/* defaults are not sent; unknown tags are skipped */
	m.tagged_epoch = -1;
	m.tagged_name.p = NULL;
	m.nitems = 0;
	fl_wr_reset(&w);
	fl_ks_encode(&w, &msg_s, 3, 1, &m, NULL);
	CHECK(hex_eq(&w, "0005 00000008 00 01 03 abcd 01 00"),
	    "v3: tagged fields at their defaults are left out");
	{
		uint8_t b[64];
		size_t n = unhex("0005 00000008 00 01 03 abcd 01 "
		    "02 00 01 ff 07 02 aaaa", b, sizeof(b));
		struct fl_rd r;

		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 3, 1, &a, &m), ==, 0,
		    "v3: unknown tags 0 and 7 skipped");
		/* a known tag whose value does not fill its size */
		n = unhex("0005 00000008 00 01 03 abcd 01 01 01 09 "
		    "0000000000000064 00", b, sizeof(b));
		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 3, 1, &a, &m), ==, FL_EPROTO,
		    "v3: known tag with slack is FL_EPROTO");
		/* a tag in a non-flexible version is just a trailing byte */
		n = unhex("0005 00000008 00 00000000 00000000 00000000 00", b, sizeof(b));
		fl_rd_init(&r, b, n);
		CHECK_INT(fl_ks_decode_body(&r, &msg_s, 3, 0, &a, &m), ==, FL_EPROTO,
		    "v3 classic: no tag section");
	}

	CHECK_INT(fl_ks_min_bytes(&msg_s, 0, 0), ==, 2 + 4 + 1 + 4 + 4 + 4,
	    "min bytes v0 classic");
	CHECK_INT(fl_ks_min_bytes(&msg_s, 3, 1), ==, 2 + 4 + 1 + 1 + 1 + 1 + 1,
	    "min bytes v3 flexible (tag count, no tagged fields)");
	CHECK_INT(fl_ks_min_bytes(&item_s, 3, 1), ==, 4 + 1 + 1 + 1,
	    "min bytes of an item, flexible");

	fl_wr_free(&w);
	fl_arena_free(&a);
}

/* ---- every kproto table round-trips at every version ---- */

static const char fill_text[] = "abcdefghijklmnopqrstuvwxyz";

/* Fill the fields of s present at (v, flex) with made-up values: numbers
 * from *k, strings and bytes of a few letters (nullable ones null every
 * other time), arrays of two elements (one when deep). */
static void
fill(const struct fl_ks_schema *s, int16_t v, int flex, void *out,
    struct fl_arena *a, unsigned *k, int depth)
{
	size_t i, j;
	int rc;

	for (i = 0; i < s->n; i++) {
		const struct fl_ks_field *f = &s->f[i];
		char *base = out;
		size_t n = depth > 2 ? 1 : 2, esize = 0;
		uint8_t *arr;

		if (v < f->vmin || v > f->vmax || (f->is_tagged && !flex) ||
		    f->off == FL_KS_NOSTORE)
			continue;	/* (a dropped field goes out as its default) */
		(*k)++;
		switch (f->type) {
		case FL_KS_I8: *(int8_t *)(base + f->off) = (int8_t)*k; break;
		case FL_KS_I16: *(int16_t *)(base + f->off) = (int16_t)(*k * 7); break;
		case FL_KS_U16: *(uint16_t *)(base + f->off) = (uint16_t)(*k * 7); break;
		case FL_KS_I32: *(int32_t *)(base + f->off) = (int32_t)(*k * 1001); break;
		case FL_KS_I64: *(int64_t *)(base + f->off) = (int64_t)*k << 33; break;
		case FL_KS_BOOL: *(int *)(base + f->off) = (int)(*k & 1); break;
		case FL_KS_F64: *(double *)(base + f->off) = *k * 0.5; break;
		case FL_KS_UUID: memset(base + f->off, (int)*k, 16); break;
		case FL_KS_STRING: case FL_KS_BYTES: case FL_KS_RECORDS: {
			struct fl_slice *sl = (struct fl_slice *)(base + f->off);
			int may_null = f->type == FL_KS_RECORDS ||
			    (f->nullable && v >= f->null_min);

			sl->p = may_null && (*k & 1) ? NULL : (const uint8_t *)fill_text;
			sl->len = sl->p != NULL ? *k % 5 : 0;
			break;
		}
		case FL_KS_STRUCT:
			fill(f->elem, v, flex, base + f->off, a, k, depth + 1);
			break;
		case FL_KS_ARRAY: esize = f->elem_size; break;
		case FL_KS_ARRAY_I32: esize = sizeof(int32_t); break;
		case FL_KS_ARRAY_I64: esize = sizeof(int64_t); break;
		case FL_KS_ARRAY_STRING: esize = sizeof(struct fl_slice); break;
		}
		if (esize == 0)
			continue;
		arr = fl_arena_alloc(a, n, esize, &rc);
		if (rc != 0)
			abort();
		*(void **)(base + f->off) = arr;
		*(size_t *)(base + f->count_off) = n;
		for (j = 0; j < n; j++) {
			void *e = arr + j * esize;

			(*k)++;
			if (f->type == FL_KS_ARRAY)
				fill(f->elem, v, flex, e, a, k, depth + 1);
			else if (f->type == FL_KS_ARRAY_I32)
				*(int32_t *)e = (int32_t)*k;
			else if (f->type == FL_KS_ARRAY_I64)
				*(int64_t *)e = -(int64_t)*k;
			else {
				((struct fl_slice *)e)->p = (const uint8_t *)fill_text;
				((struct fl_slice *)e)->len = *k % 4;
			}
		}
	}
}

static int
round_trip(const struct fl_ks_schema *s, int16_t v, int flex)
{
	struct fl_arena a = FL_ARENA_INIT(1 << 20);
	union { char c[512]; long double ld; void *p; int64_t i; } in, out;
	struct fl_wr w1, w2;
	struct fl_rd r;
	unsigned k = 0;
	int ok;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	fill(s, v, flex, &in, &a, &k, 0);
	fl_wr_init(&w1, 1 << 20);
	fl_wr_init(&w2, 1 << 20);
	ok = fl_ks_encode(&w1, s, v, flex, &in, NULL) == 0;
	fl_rd_init(&r, w1.p, w1.len);
	ok = ok && fl_ks_decode_body(&r, s, v, flex, &a, &out) == 0;
	ok = ok && fl_ks_encode(&w2, s, v, flex, &out, NULL) == 0;
	ok = ok && w1.len == w2.len &&
	    (w1.len == 0 || memcmp(w1.p, w2.p, w1.len) == 0);
	ok = ok && w1.len >= fl_ks_min_bytes(s, v, flex);
	fl_wr_free(&w1);
	fl_wr_free(&w2);
	fl_arena_free(&a);
	return ok;
}

/* FL_KS_SKIP: read and dropped, encoded as the default. */
struct skipped { int32_t before, after; };
static const struct fl_ks_field skipped_f[] = {
	FL_KS_I32(struct skipped, before, 0, FL_KS_VMAX),
	FL_KS_SKIP(FL_KS_STRING, "Dropped", 1, FL_KS_VMAX, .nullable = 1, .null_min = 1),
	FL_KS_SKIP(FL_KS_I32, "DroppedEpoch", 1, FL_KS_VMAX, .def = -1),
	FL_KS_I32(struct skipped, after, 0, FL_KS_VMAX),
};
static const struct fl_ks_schema skipped_s = FL_KS_SCHEMA("Skipped", skipped_f);

static void
test_nostore(void)
{
	struct fl_arena a = FL_ARENA_INIT(1 << 10);
	struct skipped m = { 0, 0 };
	uint8_t buf[64];
	struct fl_wr w;

	struct fl_rd r;
	size_t n;

	n = unhex("00000001 04 616263 00000007 00000002 00", buf, sizeof(buf));
	fl_rd_init(&r, buf, n);
	CHECK_INT(fl_ks_decode_body(&r, &skipped_s, 1, 1, &a, &m), ==, 0,
	    "skipped fields decode");
	CHECK(m.before == 1 && m.after == 2, "skipped fields: the neighbours are right");
	fl_rd_init(&r, buf, n - 1);
	CHECK_INT(fl_ks_decode_body(&r, &skipped_s, 1, 1, &a, &m), !=, 0,
	    "skipped fields: a short one is still malformed");
	fl_wr_init(&w, 1 << 10);
	m.before = 1;
	m.after = 2;
	CHECK_INT(fl_ks_encode(&w, &skipped_s, 1, 1, &m, NULL), ==, 0, "skipped fields encode");
	CHECK(hex_eq(&w, "00000001 00 ffffffff 00000002 00"),
	    "skipped fields: encoded as their defaults (null, -1)");
	fl_wr_reset(&w);
	CHECK_INT(fl_ks_encode(&w, &skipped_s, 0, 0, &m, NULL), ==, 0, "skipped fields: v0");
	CHECK(hex_eq(&w, "00000001 00000002"), "skipped fields: absent below their version");
	fl_wr_free(&w);
	fl_arena_free(&a);
}

static void
test_kproto_tables(void)
{
	size_t i;

	for (i = 0; i < fl_kp_napis; i++) {
		const struct fl_kp_api *api = &fl_kp_apis[i];
		int16_t v;
		int bad = 0, pairs = 0;
		char what[128];

		CHECK(api->codec_min <= api->min_version &&
		    api->codec_max >= api->max_version,
		    "the codec range covers the advertised one");
		for (v = api->codec_min; v <= api->codec_max; v++) {
			int flex = v >= api->flex_min;

			if (api->req != NULL && !round_trip(api->req, v, flex)) {
				printf("# %s request v%d\n", api->name, v);
				bad++;
			}
			if (api->resp != NULL && !round_trip(api->resp, v, flex)) {
				printf("# %s response v%d\n", api->name, v);
				bad++;
			}
			pairs++;
		}
		snprintf(what, sizeof(what), "%s: v%d-%d round-trip (%d versions)",
		    api->name, api->codec_min, api->codec_max, pairs);
		CHECK_INT(bad, ==, 0, what);
	}
}

int
main(void)
{
	test_primitives();
	test_schema();
	test_nostore();
	test_kproto_tables();
	return tap_done();
}
