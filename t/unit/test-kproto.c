/*
 * test-kproto.c: Kafka request decoders and response encoders.
 *
 * Requests are written field by field from the tables in
 * shared/kafka-subset.md (a few as raw hex, e.g. librdkafka's ApiVersions v3
 * probe), decoded, checked field by field, then every truncation and one
 * byte of trailing garbage must be rejected.  Responses are compared with
 * hand-assembled hex.  Last, a seeded mutation loop runs every seed through
 * the decoders (meant for ASan).
 *
 * With --write-corpus DIR it also writes each seed request frame to DIR
 * (the fuzz/corpus/wire seeds come from here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/wire-walk.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "codec/kproto.h"
#include "tap.h"

/* ---- seeds ---- */

#define SEEDS_MAX 128
static struct seed {
	char name[64];
	uint8_t *p;		/* whole frame, size prefix included */
	size_t len;
} seeds[SEEDS_MAX];
static size_t nseeds;

static void
seed_add(const char *name, const uint8_t *p, size_t len)
{
	struct seed *s;

	if (nseeds == SEEDS_MAX)
		return;
	s = &seeds[nseeds++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->p = malloc(len);
	if (s->p == NULL)
		abort();
	memcpy(s->p, p, len);
	s->len = len;
}

/* ---- request builder: W holds one frame ---- */

static struct fl_wr W;

static void
b_begin(int16_t key, int16_t ver, int32_t corr)
{
	fl_wr_reset(&W);
	fl_wr_i32(&W, 0);
	fl_wr_i16(&W, key);
	fl_wr_i16(&W, ver);
	fl_wr_i32(&W, corr);
	fl_wr_cstr(&W, "rdkafka");
}

#define I8(v)	fl_wr_i8(&W, (v))
#define I16(v)	fl_wr_i16(&W, (v))
#define I32(v)	fl_wr_i32(&W, (v))
#define I64(v)	fl_wr_i64(&W, (v))
#define STR(s)	fl_wr_cstr(&W, (s))
#define NUL16()	fl_wr_i16(&W, -1)
#define BYTES(s) fl_wr_bytes(&W, (s), strlen(s))
#define ARR(n)	fl_wr_i32(&W, (n))

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

/* W = size prefix + the payload given in hex. */
static void
b_hex(const char *hex)
{
	uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof(buf));

	fl_wr_reset(&W);
	fl_wr_i32(&W, (int32_t)n);
	fl_wr_raw(&W, buf, n);
}

static int
eq(struct fl_slice s, const char *c)
{
	return s.p != NULL && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

static int
is_null(struct fl_slice s)
{
	return s.p == NULL && s.len == 0;
}

/* ---- decode W, checking truncations and trailing garbage ---- */

static struct fl_kp_req Q;
static uint8_t *qbuf;

static int
decode_copy(const uint8_t *p, size_t n, unsigned features, struct fl_kp_req *q,
    uint8_t **keep)
{
	uint8_t *b = malloc(n > 0 ? n : 1);
	int rc;

	if (b == NULL)
		abort();
	memcpy(b, p, n);
	rc = fl_kp_req_decode(q, b, n, features);
	if (rc == 0 && walk_req(q, b, n, NULL) != 0)
		rc = -1000;		/* a slice escaped: fails every check */
	if (keep != NULL) {
		*keep = b;
	} else {
		fl_kp_req_free(q);
		free(b);
	}
	return rc;
}

/*
 * Decode the frame in W into Q (kept until the next call).  When the
 * request decodes as FL_KP_REQ_OK, every proper prefix must fail and one
 * extra byte must be FL_EPROTO.
 */
static int
dec(const char *name)
{
	char what[160];
	size_t n, k, bad = 0;
	int rc;

	fl_kp_req_free(&Q);
	free(qbuf);
	qbuf = NULL;
	FL_ASSERT(W.err == 0);
	fl_wr_patch_i32(&W, 0, (int32_t)(W.len - 4));
	seed_add(name, W.p, W.len);
	if (fl_kp_frame_size(W.p, W.len, FL_KP_FRAME_BYTES_MAX, &n) != 0 ||
	    n != W.len - 4)
		return -999;
	rc = decode_copy(W.p + 4, n, FL_KP_FEAT_ALL, &Q, &qbuf);
	if (rc != 0 || Q.hdr.kind != FL_KP_REQ_OK)
		return rc;

	for (k = 0; k < n; k++) {
		struct fl_kp_req t;

		if (decode_copy(W.p + 4, k, FL_KP_FEAT_ALL, &t, NULL) == 0)
			bad++;
	}
	snprintf(what, sizeof(what), "%s: all %zu truncations rejected", name, n);
	CHECK_INT(bad, ==, 0, what);
	{
		struct fl_kp_req t;
		uint8_t *b = malloc(n + 1);

		memcpy(b, W.p + 4, n);
		b[n] = 0;
		snprintf(what, sizeof(what), "%s: trailing byte is FL_EPROTO", name);
		CHECK_INT(decode_copy(b, n + 1, FL_KP_FEAT_ALL, &t, NULL), ==,
		    FL_EPROTO, what);
		free(b);
	}
	return rc;
}

/* Compare w's bytes with hex. */
static int
hex_eq(const struct fl_wr *w, const char *hex)
{
	uint8_t buf[2048];
	size_t n = unhex(hex, buf, sizeof(buf));
	size_t i;

	if (w->err != 0 || n != w->len || memcmp(w->p, buf, n) != 0) {
		printf("#   got (%zu, err %d): ", w->len, w->err);
		for (i = 0; i < w->len; i++)
			printf("%02x", w->p[i]);
		printf("\n#   want (%zu):        ", n);
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
	return 1;
}

/* ---- framing and header ---- */

static void
test_frame(void)
{
	uint8_t neg[4] = { 0x80, 0, 0, 0 }, big[4] = { 0, 0x10, 0, 1 };
	uint8_t ok[4] = { 0, 0, 1, 0 };
	size_t n = 0;

	CHECK_INT(fl_kp_frame_size(ok, 3, 1000, &n), ==, FL_ESHORT,
	    "frame: 3 bytes is short");
	CHECK_INT(fl_kp_frame_size(neg, 4, 1000, &n), ==, FL_EPROTO,
	    "frame: negative size rejected");
	CHECK_INT(fl_kp_frame_size(big, 4, 1u << 20, &n), ==, FL_EPROTO,
	    "frame: size over the cap rejected");
	CHECK_INT(fl_kp_frame_size(ok, 4, 256, &n), ==, 0, "frame: 256 at cap 256");
	CHECK_INT(n, ==, 256, "frame: size read");
}

static void
test_classify(void)
{
	struct fl_kp_hdr h;

	b_begin(99, 0, 5);
	CHECK_INT(fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_ALL, &h), ==, 0,
	    "hdr: unknown key parses");
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED, "hdr: unknown key unsupported");
	CHECK_INT(h.correlation_id, ==, 5, "hdr: correlation id");
	CHECK(eq(h.client_id, "rdkafka"), "hdr: client id");

	b_begin(FL_KP_PRODUCE, 12, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_ALL, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED, "hdr: Produce v12 unsupported");
	b_begin(FL_KP_PRODUCE, -1, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_ALL, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED, "hdr: Produce v-1 unsupported");
	b_begin(FL_KP_PRODUCE, 0, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_ALL, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_OK, "hdr: Produce v0 supported (magic 0)");
	b_begin(FL_KP_PRODUCE, 3, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_ALL, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_OK, "hdr: Produce v3 ok");
	b_begin(FL_KP_JOIN_GROUP, 5, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_CORE, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED,
	    "hdr: JoinGroup unsupported without the group feature");
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_GROUP, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_OK, "hdr: JoinGroup ok with it");
	b_begin(FL_KP_SASL_HANDSHAKE, 1, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_GROUP, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED, "hdr: SASL off by default");
	b_begin(FL_KP_API_VERSIONS, -1, 1);
	fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_CORE, &h);
	CHECK_INT(h.kind, ==, FL_KP_REQ_UNSUPPORTED, "hdr: ApiVersions v-1 unsupported");
	CHECK_INT(fl_kp_hdr_parse(W.p + 4, 7, FL_KP_FEAT_CORE, &h), ==, FL_ESHORT,
	    "hdr: 7 bytes short");

	/* ApiVersions v4 whose client id is cut: still answered (§1.2). */
	b_hex("0012 0004 00000009 00");
	CHECK_INT(fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_CORE, &h), ==, 0,
	    "hdr: too-new ApiVersions needs only 8 bytes");
	CHECK_INT(h.kind, ==, FL_KP_REQ_APIVERSIONS_TOO_NEW, "hdr: ... and is TOO_NEW");
	CHECK(is_null(h.client_id), "hdr: ... with a null client id");
	/* A supported request with a cut client id is not. */
	b_hex("0012 0000 00000009 0005 6162");
	CHECK_INT(fl_kp_hdr_parse(W.p + 4, W.len - 4, FL_KP_FEAT_CORE, &h), ==,
	    FL_ESHORT, "hdr: ApiVersions v0 with cut client id is short");
	CHECK(strcmp(fl_kp_api_name(FL_KP_FETCH), "Fetch") == 0, "api name Fetch");
	CHECK(strcmp(fl_kp_api_name(77), "?") == 0, "api name unknown");
}

/* ---- ApiVersions ---- */

static void
test_apiversions(void)
{
	struct fl_wr w;

	/* §3: librdkafka's probe, 36 bytes after the size prefix. */
	b_hex("0012 0003 00000001 0007 72646b61666b61 00"
	    "0b 6c69627264 6b61666b61 06 322e302e32 00");
	CHECK_INT(W.len - 4, ==, 36, "ApiVersions v3 probe is 36 bytes");
	CHECK_INT(dec("apiversions-v3-probe"), ==, 0, "ApiVersions v3 probe decodes");
	CHECK_INT(Q.hdr.kind, ==, FL_KP_REQ_OK, "v3 probe: OK (header v2, flexible)");
	CHECK_INT(Q.hdr.correlation_id, ==, 1, "v3 probe: corr 1");
	CHECK(eq(Q.hdr.client_id, "rdkafka"), "v3 probe: client id");
	CHECK_INT(Q.hdr.body_off, ==, 8 + 9 + 1, "v3 probe: body after the header tags");
	CHECK(eq(Q.u.apiversions.client_software_name, "librdkafka"),
	    "v3 probe: ClientSoftwareName (compact)");
	CHECK(eq(Q.u.apiversions.client_software_version, "2.0.2"),
	    "v3 probe: ClientSoftwareVersion (compact)");
	/* the same with a header tag and an unknown body tag: both skipped */
	b_hex("0012 0003 00000001 0007 72646b61666b61 01 05 02 aaaa"
	    "0b 6c69627264 6b61666b61 06 322e302e32 01 07 00");
	CHECK_INT(dec("apiversions-v3-tags"), ==, 0, "ApiVersions v3 with tags decodes");
	CHECK(eq(Q.u.apiversions.client_software_version, "2.0.2"),
	    "v3 tags: fields still read");
	{
		/* Kafka's [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? for both */
		static const struct { const char *name, *ver; int ok; } sw[] = {
			{ "librdkafka", "2.0.2", 1 }, { "apache-kafka-java", "3.9.0", 1 },
			{ "a", "1", 1 }, { "", "1", 0 }, { "a", "", 0 }, { "-a", "1", 0 },
			{ "a.", "1", 0 }, { "a b", "1", 0 }, { "a", "1.0-", 0 },
			{ "kafka_python", "2", 0 }, { NULL, "1", 0 },
		};
		struct fl_kp_apiversions_req av;
		size_t k;
		int all = 1;

		for (k = 0; k < FL_ARRAY_LEN(sw); k++) {
			av.client_software_name = fl_kp_str(sw[k].name);
			av.client_software_version = fl_kp_str(sw[k].ver);
			all &= fl_kp_apiversions_req_valid(&av, 3) == sw[k].ok;
			all &= fl_kp_apiversions_req_valid(&av, 2) == 1;
		}
		CHECK(all, "ApiVersions v3: client software name and version as Kafka checks them");
	}
	/* v4 (not ours): the §3 fallback */
	b_hex("0012 0004 00000001 0007 72646b61666b61 00 00");
	CHECK_INT(dec("apiversions-v4"), ==, 0, "ApiVersions v4 classifies");
	CHECK_INT(Q.hdr.kind, ==, FL_KP_REQ_APIVERSIONS_TOO_NEW, "v4: TOO_NEW");

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_kp_apiversions_fallback(&w, 1), ==, 0, "fallback encodes");
	CHECK(hex_eq(&w, "00000010 00000001 0023 00000001 0012 0000 0003"),
	    "fallback: the 16-byte v0 error-35 reply of §3");

	b_begin(FL_KP_API_VERSIONS, 0, 2);
	CHECK_INT(dec("apiversions-v0"), ==, 0, "ApiVersions v0 decodes");
	CHECK_INT(Q.hdr.kind, ==, FL_KP_REQ_OK, "ApiVersions v0: OK");
	b_begin(FL_KP_API_VERSIONS, 2, 3);
	CHECK_INT(dec("apiversions-v2"), ==, 0, "ApiVersions v2 decodes");

	fl_wr_reset(&w);
	CHECK_INT(fl_kp_apiversions_resp_encode(&w, 0, 2, 0, 0, FL_KP_FEAT_CORE),
	    ==, 0, "ApiVersions v0 response encodes");
	CHECK(hex_eq(&w, "00000064 00000002 0000 0000000f"
	    "0000 0000 000b  0001 0000 000b  0002 0000 0009  0003 0000 0009"
	    "0012 0000 0003  0013 0000 0006  0014 0000 0006  0016 0000 0005"
	    "0017 0000 0004  0015 0000 0002  0020 0000 0004  0021 0000 0002"
	    "0025 0000 0003  002c 0000 0001  003c 0000 0001"),
	    "ApiVersions v0 response: core table (admin APIs included), no throttle");
	fl_wr_reset(&w);
	fl_kp_apiversions_resp_encode(&w, 2, 3, 0, 7, FL_KP_FEAT_ALL);
	CHECK_INT(w.len, ==, 4 + 4 + 2 + 4 + 28 * 6 + 4, "ApiVersions v2: 28 keys");
	CHECK(hex_eq(&w, "000000b6 00000003 0000 0000001c"
	    "0000 0000 000b  0001 0000 000b  0002 0000 0009  0003 0000 0009"
	    "0008 0000 0009  0009 0000 0009  000a 0000 0005  000b 0000 0009"
	    "000c 0000 0004  000d 0000 0005  000e 0000 0005  000f 0000 0005"
	    "0010 0000 0005  0011 0000 0001  0012 0000 0003  0013 0000 0006"
	    "0014 0000 0006  0016 0000 0005  0017 0000 0004  0024 0000 0002"
	    "0015 0000 0002  0020 0000 0004  0021 0000 0002  0025 0000 0003"
	    "002a 0000 0002  002c 0000 0001  002f 0000 0000  003c 0000 0001"
	    "00000007"), "ApiVersions v2 response: throttle last");
	fl_wr_reset(&w);
	CHECK_INT(fl_kp_apiversions_resp_encode(&w, 3, 3, 0, 7, FL_KP_FEAT_CORE), ==,
	    0, "ApiVersions v3 response encodes");
	/* header v0 (no tags after the correlation id), compact ApiKeys with
	 * a tag section per entry, throttle, then the body's tag section */
	CHECK(hex_eq(&w, "00000075 00000003 0000 10"
	    "0000 0000 000b 00  0001 0000 000b 00  0002 0000 0009 00"
	    "0003 0000 0009 00  0012 0000 0003 00  0013 0000 0006 00"
	    "0014 0000 0006 00  0016 0000 0005 00  0017 0000 0004 00"
	    "0015 0000 0002 00  0020 0000 0004 00  0021 0000 0002 00"
	    "0025 0000 0003 00  002c 0000 0001 00  003c 0000 0001 00"
	    "00000007 00"), "ApiVersions v3 response: flexible body, header v0");
	fl_wr_reset(&w);
	CHECK_INT(fl_kp_apiversions_resp_encode(&w, 3, 3, FL_KERR_INVALID_REQUEST, 0,
	    FL_KP_FEAT_ALL), ==, 0, "ApiVersions v3 INVALID_REQUEST encodes");
	CHECK(hex_eq(&w, "0000000c 00000003 002a 01 00000000 00"),
	    "ApiVersions v3 INVALID_REQUEST: error 42, no keys, as Kafka answers");
	fl_wr_reset(&w);
	CHECK_INT(fl_kp_apiversions_resp_encode(&w, 4, 3, 0, 0, FL_KP_FEAT_ALL), ==,
	    FL_EINVAL, "ApiVersions v4 response refused");
	fl_wr_free(&w);
}

/* ---- core APIs ---- */

static void
test_metadata(void)
{
	/* kcat -L: Metadata v4 Topics=[] allow=false (hex), then null/true. */
	b_hex("0003 0004 00000003 0007 72646b61666b61 00000000 00");
	CHECK_INT(dec("metadata-v4-empty"), ==, 0, "Metadata v4 [] decodes");
	CHECK(!Q.u.metadata.is_all_topics && Q.u.metadata.ntopics == 0 &&
	    !Q.u.metadata.allow_auto_create, "Metadata v4 []: none, no auto-create");
	b_hex("0003 0004 00000004 0007 72646b61666b61 ffffffff 01");
	CHECK_INT(dec("metadata-v4-null"), ==, 0, "Metadata v4 null decodes");
	CHECK(Q.u.metadata.is_all_topics && Q.u.metadata.allow_auto_create,
	    "Metadata v4 null: all topics, auto-create");

	b_begin(FL_KP_METADATA, 1, 5);
	ARR(2); STR("a"); STR("bc");
	CHECK_INT(dec("metadata-v1"), ==, 0, "Metadata v1 decodes");
	CHECK(Q.u.metadata.ntopics == 2 && eq(Q.u.metadata.topics[0], "a") &&
	    eq(Q.u.metadata.topics[1], "bc") && Q.u.metadata.allow_auto_create,
	    "Metadata v1: two names, auto-create defaults true");
	b_begin(FL_KP_METADATA, 6, 6);
	ARR(1); STR("t0"); I8(1);
	CHECK_INT(dec("metadata-v6"), ==, 0, "Metadata v6 decodes");
	CHECK(eq(Q.u.metadata.topics[0], "t0"), "Metadata v6 topic");

	/* Huge count with no bytes behind it: refused before allocating. */
	b_begin(FL_KP_METADATA, 1, 5);
	ARR(0x7fffffff);
	CHECK_INT(dec("metadata-v1-hugecount"), ==, FL_EPROTO,
	    "Metadata: count beyond the bytes is FL_EPROTO");
}

static void
test_metadata_resp(void)
{
	static const int32_t one[1] = { 1 };
	struct fl_kp_metadata_part p = { 0, 0, 1, one, 1, one, 1, NULL, 0, 5 };
	struct fl_kp_metadata_topic t = { 0, { (const uint8_t *)"t", 1 }, 0, &p, 1,
	    INT32_MIN };
	struct fl_kp_broker b = { 1, { (const uint8_t *)"h", 1 }, 9092, { NULL, 0 } };
	struct fl_kp_metadata_resp r = { 0, &b, 1, { (const uint8_t *)"c", 1 }, 1, &t, 1,
	    INT32_MIN };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_kp_metadata_resp_encode(&w, 1, 9, &r), ==, 0, "Metadata v1 encodes");
	CHECK(hex_eq(&w, "00000041 00000009"
	    "00000001 00000001 0001 68 00002384 ffff"
	    "00000001"
	    "00000001 0000 0001 74 00"
	    "00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001"),
	    "Metadata v1 response bytes");
	fl_wr_reset(&w);
	r.throttle_ms = 2;
	CHECK_INT(fl_kp_metadata_resp_encode(&w, 6, 9, &r), ==, 0, "Metadata v6 encodes");
	CHECK(hex_eq(&w, "0000004c 00000009 00000002"
	    "00000001 00000001 0001 68 00002384 ffff"
	    "0001 63 00000001"
	    "00000001 0000 0001 74 00"
	    "00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001"
	    "00000000"),
	    "Metadata v6: throttle first, cluster id, offline replicas");
	fl_wr_reset(&w);
	fl_kp_metadata_resp_encode(&w, 7, 9, &r);
	CHECK(hex_eq(&w, "00000050 00000009 00000002"
	    "00000001 00000001 0001 68 00002384 ffff"
	    "0001 63 00000001"
	    "00000001 0000 0001 74 00"
	    "00000001 0000 00000000 00000001 00000005 00000001 00000001 00000001 00000001"
	    "00000000"),
	    "Metadata v7: the partition's leader epoch after its leader");
	fl_wr_reset(&w);
	fl_kp_metadata_resp_encode(&w, 8, 9, &r);
	CHECK(hex_eq(&w, "00000058 00000009 00000002"
	    "00000001 00000001 0001 68 00002384 ffff"
	    "0001 63 00000001"
	    "00000001 0000 0001 74 00"
	    "00000001 0000 00000000 00000001 00000005 00000001 00000001 00000001 00000001"
	    "00000000 80000000 80000000"),
	    "Metadata v8: topic and cluster authorized operations (not computed)");
	fl_wr_reset(&w);
	fl_kp_metadata_resp_encode(&w, 9, 9, &r);
	CHECK(hex_eq(&w, "00000047 00000009 00 00000002"
	    "02 00000001 02 68 00002384 00 00"
	    "02 63 00000001"
	    "02 0000 02 74 00"
	    "02 0000 00000000 00000001 00000005 02 00000001 02 00000001 01 00"
	    "80000000 00 80000000 00"),
	    "Metadata v9: flexible, header v1");
	fl_wr_free(&w);
}

static void
test_produce(void)
{
	/* v7 from kcat: txn null, acks -1, 30000 ms, t/0 with 3 record bytes. */
	b_hex("0000 0007 00000004 0007 72646b61666b61"
	    "ffff ffff 00007530 00000001 0001 74 00000001 00000000 00000003 616263");
	CHECK_INT(dec("produce-v7"), ==, 0, "Produce v7 decodes");
	{
		const struct fl_kp_produce_req *r = &Q.u.produce;

		CHECK(is_null(r->transactional_id), "Produce: null txn id");
		CHECK_INT(r->acks, ==, -1, "Produce: acks");
		CHECK_INT(r->timeout_ms, ==, 30000, "Produce: timeout");
		CHECK(r->ntopics == 1 && eq(r->topics[0].name, "t") &&
		    r->topics[0].nparts == 1, "Produce: one topic, one partition");
		CHECK(r->topics[0].parts[0].index == 0 &&
		    eq(r->topics[0].parts[0].records, "abc"),
		    "Produce: records is a view of the 3 bytes");
		CHECK(r->topics[0].parts[0].records.p == qbuf + W.len - 4 - 3,
		    "Produce: records not copied");
	}
	b_begin(FL_KP_PRODUCE, 3, 8);
	STR("tx"); I16(1); I32(100); ARR(2);
	STR("a"); ARR(2); I32(0); I32(-1); I32(1); BYTES("xy");
	STR("b"); ARR(0);
	CHECK_INT(dec("produce-v3"), ==, 0, "Produce v3 decodes");
	CHECK(eq(Q.u.produce.transactional_id, "tx") && Q.u.produce.acks == 1 &&
	    Q.u.produce.ntopics == 2 && Q.u.produce.topics[0].nparts == 2 &&
	    is_null(Q.u.produce.topics[0].parts[0].records) &&
	    eq(Q.u.produce.topics[0].parts[1].records, "xy") &&
	    Q.u.produce.topics[1].nparts == 0 && Q.u.produce.topics[1].parts == NULL,
	    "Produce v3: null and non-null records, empty partition list");

	/* A real batch (batch.h builder) travels through as a view. */
	{
		struct fl_slice val = fl_kp_str("hello"), nokey = { NULL, 0 };
		struct fl_batch_builder bb;
		struct fl_wr bw;
		uint8_t *copy;
		const struct fl_slice *rec;

		fl_wr_init(&bw, 1 << 16);
		fl_batch_begin(&bb, &bw, 1700000000000LL, -1, -1, -1, 0);
		fl_batch_add(&bb, 1700000000000LL, &nokey, &val, NULL, 0);
		fl_batch_add(&bb, 1700000000001LL, &nokey, &val, NULL, 0);
		CHECK_INT(fl_batch_end(&bb), ==, 0, "built a 2-record batch");
		b_begin(FL_KP_PRODUCE, 7, 9);
		NUL16(); I16(-1); I32(30000); ARR(1); STR("t0"); ARR(1); I32(1);
		fl_wr_bytes(&W, bw.p, bw.len);
		CHECK_INT(dec("produce-v7-batch"), ==, 0, "Produce v7 with a batch decodes");
		rec = &Q.u.produce.topics[0].parts[0].records;
		CHECK_INT(fl_kp_batch_error(fl_batch_check(rec->p, rec->len,
		    FL_BATCH_CHECK_RECORDS, NULL, NULL)), ==, FL_KERR_NONE,
		    "Produce: decoded records pass fl_batch_check");
		copy = malloc(rec->len);
		memcpy(copy, rec->p, rec->len);
		copy[rec->len - 1] ^= 1;
		CHECK_INT(fl_kp_batch_error(fl_batch_check(copy, rec->len, 0, NULL,
		    NULL)), ==, FL_KERR_CORRUPT_MESSAGE, "Produce: CRC damage -> 2");
		copy[rec->len - 1] ^= 1;
		copy[FL_BATCH_OFF_MAGIC] = 1;
		CHECK_INT(fl_kp_batch_error(fl_batch_check(copy, rec->len, 0, NULL,
		    NULL)), ==, FL_KERR_INVALID_RECORD, "Produce: magic 1 -> 87");
		free(copy);
		fl_wr_free(&bw);
	}

	CHECK_INT(fl_kp_batch_error(0), ==, 0, "batch rc 0 -> NONE");
	CHECK_INT(fl_kp_batch_error(FL_ECORRUPT), ==, 2, "batch ECORRUPT -> 2");
	CHECK_INT(fl_kp_batch_error(FL_EPROTO), ==, 87, "batch EPROTO -> 87");
	CHECK_INT(fl_kp_batch_error(FL_ESHORT), ==, 2, "batch ESHORT -> 2");
	CHECK_INT(fl_kp_batch_error(FL_ERANGE), ==, 2,
	    "batch ERANGE (records too big uncompressed) -> 2");
	CHECK_INT(fl_kp_batch_error(FL_ENOMEM), ==, -1,
	    "batch ENOMEM (no memory to decompress) -> UNKNOWN_SERVER_ERROR");
}

static void
test_produce_resp(void)
{
	struct fl_kp_produce_part_resp p = { 0, 0, 5, -1, 0, NULL, 0, { NULL, 0 }, { -1, -1 } };
	struct fl_kp_produce_topic_resp t = { { (const uint8_t *)"t", 1 }, &p, 1 };
	struct fl_kp_produce_resp r = { &t, 1, 3, NULL, NULL, 0 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_kp_produce_resp_encode(&w, 7, 7, &r), ==, 0, "Produce v7 encodes");
	CHECK(hex_eq(&w, "00000031 00000007 00000001 0001 74 00000001"
	    "00000000 0000 0000000000000005 ffffffffffffffff 0000000000000000"
	    "00000003"), "Produce v7: log start offset, throttle LAST");
	fl_wr_reset(&w);
	fl_kp_produce_resp_encode(&w, 3, 7, &r);
	CHECK(hex_eq(&w, "00000029 00000007 00000001 0001 74 00000001"
	    "00000000 0000 0000000000000005 ffffffffffffffff 00000003"),
	    "Produce v3: no log start offset");
	{
		/* where each partition entry starts: a broker patches error/base there */
		struct fl_kp_produce_part_resp pp[2] = {
		    { 4, 0, 9, -1, 0, NULL, 0, { NULL, 0 }, { -1, -1 } },
		    { 6, 0, 11, -1, 0, NULL, 0, { NULL, 0 }, { -1, -1 } } };
		struct fl_kp_produce_topic_resp tt[2] = {
			{ { (const uint8_t *)"t", 1 }, &p, 1 },
			{ { (const uint8_t *)"uu", 2 }, pp, 2 } };
		struct fl_kp_produce_resp rr = { tt, 2, 0, NULL, NULL, 0 };
		size_t pos[3];

		rr.part_pos = pos;
		fl_wr_reset(&w);
		CHECK_INT(fl_kp_produce_resp_encode(&w, 7, 1, &rr), ==, 0, "encodes with positions");
		/* size 4, corr 4, topics 4, "t" 3, parts 4 -> the first entry at 19 */
		CHECK_INT(pos[0], ==, 19, "first entry after its topic's header");
		/* entry 30 bytes (v7), "uu" 4, parts 4 */
		CHECK_INT(pos[1], ==, 19 + 30 + 4 + 4, "second topic's first entry");
		CHECK_INT(pos[2], ==, pos[1] + 30, "entries are fixed width");
		CHECK(w.p[pos[2] + 3] == 6 && w.p[pos[2] + 13] == 11,
		    "index and base offset where the positions say");
	}
	fl_wr_free(&w);
}

static void
test_fetch(void)
{
	const struct fl_kp_fetch_req *r = &Q.u.fetch;

	/* librdkafka's Fetch v11 (§5.4). */
	b_hex("0001 000b 00000002 0007 72646b61666b61"
	    "ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff"
	    "00000001 0001 74 00000001"
	    "00000000 ffffffff 0000000000000005 ffffffffffffffff 00100000"
	    "00000000 0000");
	CHECK_INT(dec("fetch-v11"), ==, 0, "Fetch v11 decodes");
	CHECK(r->replica_id == -1 && r->max_wait_ms == 500 && r->min_bytes == 1 &&
	    r->max_bytes == 52428800 && r->isolation_level == 1,
	    "Fetch v11: replica, wait, min/max bytes, isolation");
	CHECK(r->session_id == 0 && r->session_epoch == -1, "Fetch v11: session");
	CHECK(r->ntopics == 1 && eq(r->topics[0].name, "t") &&
	    r->topics[0].nparts == 1, "Fetch v11: t/1 partition");
	CHECK(r->topics[0].parts[0].partition == 0 &&
	    r->topics[0].parts[0].current_leader_epoch == -1 &&
	    r->topics[0].parts[0].fetch_offset == 5 &&
	    r->topics[0].parts[0].log_start_offset == -1 &&
	    r->topics[0].parts[0].max_bytes == 1048576, "Fetch v11: partition fields");
	CHECK(r->nforgotten == 0 && eq(r->rack_id, ""), "Fetch v11: forgotten, rack");

	b_begin(FL_KP_FETCH, 4, 3);
	I32(-1); I32(100); I32(1); I32(1000); I8(0);
	ARR(1); STR("a"); ARR(2);
	I32(0); I64(7); I32(99);
	I32(1); I64(8); I32(98);
	CHECK_INT(dec("fetch-v4"), ==, 0, "Fetch v4 decodes");
	CHECK(r->max_bytes == 1000 && r->session_epoch == -1 &&
	    r->topics[0].nparts == 2 &&
	    r->topics[0].parts[1].partition == 1 &&
	    r->topics[0].parts[1].fetch_offset == 8 &&
	    r->topics[0].parts[1].max_bytes == 98 &&
	    r->topics[0].parts[1].log_start_offset == -1 &&
	    r->topics[0].parts[1].current_leader_epoch == -1 && is_null(r->rack_id),
	    "Fetch v4: no session, log start, epoch or rack");

	b_begin(FL_KP_FETCH, 7, 3);
	I32(-1); I32(100); I32(1); I32(1000); I8(1); I32(12); I32(3);
	ARR(1); STR("a"); ARR(1); I32(0); I64(7); I64(2); I32(99);
	ARR(1); STR("g"); ARR(2); I32(4); I32(5);
	CHECK_INT(dec("fetch-v7"), ==, 0, "Fetch v7 decodes");
	CHECK(r->session_id == 12 && r->session_epoch == 3 &&
	    r->topics[0].parts[0].log_start_offset == 2 && r->nforgotten == 1 &&
	    eq(r->forgotten[0].name, "g") && r->forgotten[0].nparts == 2 &&
	    r->forgotten[0].parts[1] == 5, "Fetch v7: session and forgotten topics");

	b_begin(FL_KP_FETCH, 9, 3);
	I32(-1); I32(100); I32(1); I32(1000); I8(1); I32(0); I32(-1);
	ARR(1); STR("a"); ARR(1); I32(0); I32(4); I64(7); I64(2); I32(99);
	ARR(0);
	CHECK_INT(dec("fetch-v9"), ==, 0, "Fetch v9 decodes");
	CHECK_INT(r->topics[0].parts[0].current_leader_epoch, ==, 4,
	    "Fetch v9: current leader epoch");
}

static void
test_fetch_resp(void)
{
	struct fl_kp_fetch_part_resp p = { 0, 0, 10, 10, 0, -1 };
	struct fl_kp_fetch_enc e;
	struct fl_wr w;
	uint64_t total = 0;
	size_t at = 0, at2 = 0;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_kp_fetch_resp_begin(&e, &w, 11, 2, 0, 0, 0), ==, 0,
	    "Fetch v11 begin");
	fl_kp_fetch_resp_topic(&e, fl_kp_str("t"));
	CHECK_INT(fl_kp_fetch_resp_partition(&e, &p, 100, &at), ==, 0,
	    "Fetch v11 partition with a 100-byte hole");
	CHECK_INT(fl_kp_fetch_resp_end(&e, &total), ==, 0, "Fetch v11 end");
	CHECK(hex_eq(&w, "000000a7 00000002 00000000 0000 00000000"
	    "00000001 0001 74 00000001"
	    "00000000 0000 000000000000000a 000000000000000a 0000000000000000"
	    "00000000 ffffffff 00000064"),
	    "Fetch v11: size counts the hole; throttle/error/session first");
	CHECK_INT(at, ==, w.len, "Fetch v11: hole after the records length");
	CHECK_U64(total, ==, 171, "Fetch v11: frame bytes include the hole");

	/* v4, two topics, a hole then inline bytes then an empty partition. */
	fl_wr_reset(&w);
	fl_wr_raw(&w, "zz", 2);		/* an earlier response in the buffer */
	fl_kp_fetch_resp_begin(&e, &w, 4, 3, 1, 0, 0);
	fl_kp_fetch_resp_topic(&e, fl_kp_str("a"));
	fl_kp_fetch_resp_partition(&e, &p, 5, &at);
	fl_kp_fetch_resp_topic(&e, fl_kp_str("b"));
	fl_kp_fetch_resp_partition_inline(&e, &p, "XY", 2);
	fl_kp_fetch_resp_partition(&e, &p, 0, &at2);
	CHECK_INT(fl_kp_fetch_resp_end(&e, &total), ==, 0, "Fetch v4 encodes");
	CHECK(hex_eq(&w, "7a7a 0000007b 00000003 00000001 00000002"
	    "0001 61 00000001"
	    "00000000 0000 000000000000000a 000000000000000a 00000000 00000005"
	    "0001 62 00000002"
	    "00000000 0000 000000000000000a 000000000000000a 00000000 00000002 5859"
	    "00000000 0000 000000000000000a 000000000000000a 00000000 00000000"),
	    "Fetch v4: no log start / preferred replica, counts patched");
	CHECK_INT(at, ==, 2 + 4 + 4 + 4 + 4 + 3 + 4 + 30, "Fetch v4: first hole");
	CHECK_INT(at2, ==, w.len, "Fetch v4: empty partition hole at its end");
	CHECK_U64(total, ==, w.len - 2 + 5, "Fetch v4: total");

	fl_wr_reset(&w);
	fl_kp_fetch_resp_begin(&e, &w, 11, 3, 0, 0, 0);
	CHECK_INT(fl_kp_fetch_resp_partition(&e, &p, 1, &at), ==, FL_EINVAL,
	    "Fetch: partition before topic refused");
	fl_wr_reset(&w);
	fl_kp_fetch_resp_begin(&e, &w, 11, 3, 0, 0, 0);
	fl_kp_fetch_resp_topic(&e, fl_kp_str("a"));
	fl_kp_fetch_resp_partition(&e, &p, 0x7fffffff, &at);
	fl_kp_fetch_resp_partition(&e, &p, 0x7fffffff, &at);
	CHECK_INT(fl_kp_fetch_resp_end(&e, NULL), ==, FL_ERANGE,
	    "Fetch: frame over INT32_MAX refused");
	fl_wr_reset(&w);
	CHECK_INT(fl_kp_fetch_resp_begin(&e, &w, 12, 3, 0, 0, 0), ==, FL_EINVAL,
	    "Fetch v12 response refused");
	/* Fetch v0: no throttle; partitions Index Error HW Records only */
	fl_wr_reset(&w);
	p.index = 1;
	p.error = 0;
	p.high_watermark = 9;
	p.last_stable_offset = 9;
	p.log_start_offset = 0;
	fl_kp_fetch_resp_begin(&e, &w, 0, 3, 0, 0, 0);
	fl_kp_fetch_resp_topic(&e, fl_kp_str("a"));
	fl_kp_fetch_resp_partition_inline(&e, &p, "xy", 2);
	CHECK_INT(fl_kp_fetch_resp_end(&e, NULL), ==, 0, "Fetch v0 response encodes");
	CHECK(hex_eq(&w, "00000023 00000003 00000001 0001 61 00000001"
	    "00000001 0000 0000000000000009 00000002 7879"),
	    "Fetch v0 response: no throttle, no LSO, no aborted list");
	fl_wr_reset(&w);
	fl_kp_fetch_resp_begin(&e, &w, 3, 3, 5, 0, 0);
	fl_kp_fetch_resp_topic(&e, fl_kp_str("a"));
	fl_kp_fetch_resp_partition_inline(&e, &p, "xy", 2);
	CHECK_INT(fl_kp_fetch_resp_end(&e, NULL), ==, 0, "Fetch v3 response encodes");
	CHECK(hex_eq(&w, "00000027 00000003 00000005 00000001 0001 61 00000001"
	    "00000001 0000 0000000000000009 00000002 7879"),
	    "Fetch v3 response: throttle first, then as v0");
	fl_wr_free(&w);
}

static void
test_list_offsets(void)
{
	const struct fl_kp_list_offsets_req *r = &Q.u.list_offsets;
	struct fl_kp_list_offsets_part_resp p = { 1, 0, -1, 42, NULL, 0, -1 };
	struct fl_kp_list_offsets_topic_resp t = { { (const uint8_t *)"t", 1 }, &p, 1 };
	struct fl_kp_list_offsets_resp resp = { 0, &t, 1 };
	struct fl_wr w;

	b_begin(FL_KP_LIST_OFFSETS, 1, 4);
	I32(-1); ARR(1); STR("t"); ARR(1); I32(1); I64(-2);
	CHECK_INT(dec("listoffsets-v1"), ==, 0, "ListOffsets v1 decodes");
	CHECK(r->replica_id == -1 && r->isolation_level == 0 &&
	    r->topics[0].parts[0].index == 1 && r->topics[0].parts[0].timestamp == -2,
	    "ListOffsets v1 fields");
	b_begin(FL_KP_LIST_OFFSETS, 2, 4);
	I32(-1); I8(1); ARR(1); STR("t"); ARR(2); I32(0); I64(-2); I32(1); I64(1234);
	CHECK_INT(dec("listoffsets-v2"), ==, 0, "ListOffsets v2 decodes");
	CHECK(r->isolation_level == 1 && r->topics[0].nparts == 2 &&
	    r->topics[0].parts[1].timestamp == 1234, "ListOffsets v2 fields");
	b_begin(FL_KP_LIST_OFFSETS, 3, 4);
	I32(-1); I8(1); ARR(0);
	CHECK_INT(dec("listoffsets-v3"), ==, 0, "ListOffsets v3 decodes");

	fl_wr_init(&w, 1 << 16);
	fl_kp_list_offsets_resp_encode(&w, 1, 4, &resp);
	CHECK(hex_eq(&w, "00000025 00000004 00000001 0001 74 00000001"
	    "00000001 0000 ffffffffffffffff 000000000000002a"),
	    "ListOffsets v1 response: no throttle");
	fl_wr_reset(&w);
	fl_kp_list_offsets_resp_encode(&w, 2, 4, &resp);
	CHECK(hex_eq(&w, "00000029 00000004 00000000 00000001 0001 74 00000001"
	    "00000001 0000 ffffffffffffffff 000000000000002a"),
	    "ListOffsets v2 response: throttle first");
	fl_wr_free(&w);
}

/*
 * The old versions older clients still send: Metadata v0, ListOffsets v0,
 * OffsetCommit v0-1, OffsetFetch v0 (Kafka's message definitions).
 */
static void
test_old_versions(void)
{
	static const int64_t offs[2] = { 42, 7 };
	const struct fl_kp_metadata_req *md = &Q.u.metadata;
	const struct fl_kp_list_offsets_req *lo = &Q.u.list_offsets;
	const struct fl_kp_offset_commit_req *oc = &Q.u.offset_commit;
	const struct fl_kp_offset_fetch_req *of = &Q.u.offset_fetch;
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);

	/* Metadata v0: an empty list is all topics; no auto-create flag */
	b_begin(FL_KP_METADATA, 0, 1);
	ARR(0);
	CHECK_INT(dec("metadata-v0-all"), ==, 0, "Metadata v0 [] decodes");
	CHECK(md->is_all_topics && md->ntopics == 0 && md->allow_auto_create == 1,
	    "Metadata v0 []: all topics, auto-create default true");
	b_begin(FL_KP_METADATA, 0, 1);
	ARR(1); STR("t");
	CHECK_INT(dec("metadata-v0"), ==, 0, "Metadata v0 [t] decodes");
	CHECK(!md->is_all_topics && md->ntopics == 1 && eq(md->topics[0], "t"),
	    "Metadata v0 [t]: one named topic");
	{
		int32_t one = 1;
		struct fl_kp_broker br = { 1, { (const uint8_t *)"h", 1 }, 9092,
		    { (const uint8_t *)"r", 1 } };
		struct fl_kp_metadata_part mp = { 0, 0, 1, &one, 1, &one, 1, NULL, 0, 0 };
		struct fl_kp_metadata_topic mt = { 0, { (const uint8_t *)"t", 1 }, 1,
		    &mp, 1, INT32_MIN };
		struct fl_kp_metadata_resp mr = { 5, &br, 1, { (const uint8_t *)"c", 1 },
		    1, &mt, 1, INT32_MIN };

		fl_kp_metadata_resp_encode(&w, 0, 1, &mr);
		CHECK(hex_eq(&w, "0000003a 00000001"
		    "00000001 00000001 0001 68 00002384"	/* no rack */
		    "00000001 0000 0001 74"		/* no is_internal */
		    "00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001"),
		    "Metadata v0 response: no rack, cluster, controller, is_internal");
	}

	/* ListOffsets v0: MaxNumOffsets per partition; offsets as an array */
	b_begin(FL_KP_LIST_OFFSETS, 0, 2);
	I32(-1); ARR(1); STR("t"); ARR(2); I32(0); I64(-1); I32(1); I32(1); I64(-2); I32(5);
	CHECK_INT(dec("listoffsets-v0"), ==, 0, "ListOffsets v0 decodes");
	CHECK(lo->replica_id == -1 && lo->topics[0].nparts == 2 &&
	    lo->topics[0].parts[0].timestamp == -1 &&
	    lo->topics[0].parts[0].max_num_offsets == 1 &&
	    lo->topics[0].parts[1].timestamp == -2 &&
	    lo->topics[0].parts[1].max_num_offsets == 5, "ListOffsets v0 fields");
	b_begin(FL_KP_LIST_OFFSETS, 1, 2);
	I32(-1); ARR(1); STR("t"); ARR(1); I32(0); I64(-1);
	CHECK_INT(dec("listoffsets-v1-default"), ==, 0, "ListOffsets v1 decodes");
	CHECK_INT(lo->topics[0].parts[0].max_num_offsets, ==, 1,
	    "ListOffsets v1: MaxNumOffsets defaults to 1");
	{
		struct fl_kp_list_offsets_part_resp p[2] = {
			{ 0, 0, -1, 42, offs, 2, -1 }, { 1, 3, -1, -1, NULL, 0, -1 } };
		struct fl_kp_list_offsets_topic_resp t = { { (const uint8_t *)"t", 1 },
		    p, 2 };
		struct fl_kp_list_offsets_resp resp = { 9, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_list_offsets_resp_encode(&w, 0, 2, &resp);
		CHECK(hex_eq(&w, "00000033 00000002 00000001 0001 74 00000002"
		    "00000000 0000 00000002 000000000000002a 0000000000000007"
		    "00000001 0003 00000000"),
		    "ListOffsets v0 response: old-style offsets, no throttle");
	}

	/* OffsetCommit v0: no generation, member or retention */
	b_begin(FL_KP_OFFSET_COMMIT, 0, 3);
	STR("g"); ARR(1); STR("t"); ARR(1); I32(0); I64(10); STR("m");
	CHECK_INT(dec("offsetcommit-v0"), ==, 0, "OffsetCommit v0 decodes");
	CHECK(eq(oc->group_id, "g") && oc->generation_id == -1 &&
	    is_null(oc->member_id) && oc->retention_time_ms == -1 &&
	    oc->topics[0].parts[0].committed_offset == 10 &&
	    oc->topics[0].parts[0].commit_timestamp == -1 &&
	    eq(oc->topics[0].parts[0].metadata, "m"),
	    "OffsetCommit v0: a simple commit (generation -1, no member)");
	/* v1: generation, member, and a per-partition commit timestamp */
	b_begin(FL_KP_OFFSET_COMMIT, 1, 3);
	STR("g"); I32(4); STR("mem"); ARR(1); STR("t"); ARR(1);
	I32(2); I64(11); I64(1700000000000); NUL16();
	CHECK_INT(dec("offsetcommit-v1"), ==, 0, "OffsetCommit v1 decodes");
	CHECK(oc->generation_id == 4 && eq(oc->member_id, "mem") &&
	    oc->retention_time_ms == -1 && oc->topics[0].parts[0].index == 2 &&
	    oc->topics[0].parts[0].committed_offset == 11 &&
	    oc->topics[0].parts[0].commit_timestamp == 1700000000000 &&
	    is_null(oc->topics[0].parts[0].metadata), "OffsetCommit v1 fields");
	b_begin(FL_KP_OFFSET_COMMIT, 2, 3);
	STR("g"); I32(4); STR("mem"); I64(-1); ARR(0);
	CHECK_INT(dec("offsetcommit-v2-ts"), ==, 0, "OffsetCommit v2 decodes");
	{
		struct fl_kp_part_error pe = { 0, 0 };
		struct fl_kp_offset_commit_topic_resp t = { { (const uint8_t *)"t", 1 },
		    &pe, 1 };
		struct fl_kp_offset_commit_resp resp = { 9, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_offset_commit_resp_encode(&w, 0, 3, &resp);
		CHECK(hex_eq(&w, "00000015 00000003 00000001 0001 74 00000001"
		    "00000000 0000"), "OffsetCommit v0 response: as v1-2");
	}

	/* OffsetFetch v0: as v1 (Topics not nullable) */
	b_begin(FL_KP_OFFSET_FETCH, 0, 5);
	STR("g"); ARR(1); STR("t"); ARR(2); I32(0); I32(1);
	CHECK_INT(dec("offsetfetch-v0"), ==, 0, "OffsetFetch v0 decodes");
	CHECK(!of->is_all_topics && of->topics[0].nparts == 2 &&
	    of->topics[0].parts[1] == 1, "OffsetFetch v0 fields");
	b_begin(FL_KP_OFFSET_FETCH, 0, 5);
	STR("g"); ARR(-1);
	CHECK_INT(dec("offsetfetch-v0-null"), ==, FL_EPROTO,
	    "OffsetFetch v0: null topics is malformed");
	{
		struct fl_kp_offset_fetch_part_resp pr = { 0, 5, -1, { NULL, 0 }, 0 };
		struct fl_kp_offset_fetch_topic_resp t = { { (const uint8_t *)"t", 1 },
		    &pr, 1 };
		struct fl_kp_offset_fetch_resp resp = { 9, &t, 1, 16, NULL, 0 };

		fl_wr_reset(&w);
		fl_kp_offset_fetch_resp_encode(&w, 0, 5, &resp);
		CHECK(hex_eq(&w, "0000001f 00000005 00000001 0001 74 00000001"
		    "00000000 0000000000000005 ffff 0000"),
		    "OffsetFetch v0 response: no throttle, no top-level error");
	}
	fl_wr_free(&w);
}

/*
 * Flexible versions (KIP-482) of the APIs whose flexible version adds no
 * field: request header v2 (a tag section after the client id), compact
 * strings, bytes and arrays, a tag section after every struct; responses
 * under header v1 (a tag section after the correlation id).
 */
static void
test_flexible(void)
{
	static const struct fl_slice g = { (const uint8_t *)"g", 1 };
	static const struct fl_slice m = { (const uint8_t *)"m", 1 };
	static const struct fl_slice range = { (const uint8_t *)"range", 5 };
	static const struct fl_slice consumer = { (const uint8_t *)"consumer", 8 };
	static const struct fl_slice md = { (const uint8_t *)"\x01\x02", 2 };
	static const struct fl_slice as = { (const uint8_t *)"\x0a\x0b", 2 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);

	/* Heartbeat v4 */
	b_hex("000c 0004 00000007 0001 74 00  02 67 00000001 02 6d 00 00");
	CHECK_INT(dec("heartbeat-v4"), ==, 0, "Heartbeat v4 decodes");
	CHECK(eq(Q.u.heartbeat.group_id, "g") && Q.u.heartbeat.generation_id == 1 &&
	    eq(Q.u.heartbeat.member_id, "m") &&
	    is_null(Q.u.heartbeat.group_instance_id), "Heartbeat v4 fields");
	{
		struct fl_kp_error_resp r = { 0, 0 };

		fl_kp_heartbeat_resp_encode(&w, 4, 7, &r);
		CHECK(hex_eq(&w, "0000000c 00000007 00 00000000 0000 00"),
		    "Heartbeat v4 response: header v1, body tags");
	}

	/* JoinGroup v6 */
	b_hex("000b 0006 00000007 0001 74 00  02 67 00002710 0000ea60 01 00"
	    "09 636f6e73756d6572 02 06 72616e6765 03 0102 00 00");
	CHECK_INT(dec("joingroup-v6"), ==, 0, "JoinGroup v6 decodes");
	CHECK(Q.u.join_group.session_timeout_ms == 10000 &&
	    Q.u.join_group.rebalance_timeout_ms == 60000 &&
	    eq(Q.u.join_group.member_id, "") &&
	    is_null(Q.u.join_group.group_instance_id) &&
	    eq(Q.u.join_group.protocol_type, "consumer") &&
	    Q.u.join_group.nprotocols == 1 &&
	    eq(Q.u.join_group.protocols[0].name, "range") &&
	    Q.u.join_group.protocols[0].metadata.len == 2, "JoinGroup v6 fields");
	{
		struct fl_kp_join_member jm = { m, { NULL, 0 }, md };
		struct fl_kp_join_group_resp r = { 0, 0, 1, range, m, m, &jm, 1, { NULL, 0 }, 0 };

		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 6, 7, &r);
		CHECK(hex_eq(&w, "00000022 00000007 00 00000000 0000 00000001"
		    "06 72616e6765 02 6d 02 6d 02 026d 00 03 0102 00 00"),
		    "JoinGroup v6 response");
	}

	/* SyncGroup v4 */
	b_hex("000e 0004 00000007 0001 74 00  02 67 00000001 02 6d 00"
	    "02 026d 03 0a0b 00 00");
	CHECK_INT(dec("syncgroup-v4"), ==, 0, "SyncGroup v4 decodes");
	CHECK(Q.u.sync_group.nassignments == 1 &&
	    eq(Q.u.sync_group.assignments[0].member_id, "m") &&
	    Q.u.sync_group.assignments[0].assignment.len == 2, "SyncGroup v4 fields");
	{
		struct fl_kp_sync_group_resp r = { 0, 0, as, { NULL, 0 }, { NULL, 0 } };

		fl_wr_reset(&w);
		fl_kp_sync_group_resp_encode(&w, 4, 7, &r);
		CHECK(hex_eq(&w, "0000000f 00000007 00 00000000 0000 03 0a0b 00"),
		    "SyncGroup v4 response");
	}

	/* LeaveGroup v4 */
	b_hex("000d 0004 00000007 0001 74 00  02 67 02 026d 00 00 00");
	CHECK_INT(dec("leavegroup-v4"), ==, 0, "LeaveGroup v4 decodes");
	CHECK(Q.u.leave_group.nmembers == 1 &&
	    eq(Q.u.leave_group.members[0].member_id, "m") &&
	    is_null(Q.u.leave_group.members[0].group_instance_id),
	    "LeaveGroup v4 fields");
	{
		struct fl_kp_leave_member_resp lm = { m, { NULL, 0 }, 0 };
		struct fl_kp_leave_group_resp r = { 0, 0, &lm, 1 };

		fl_wr_reset(&w);
		fl_kp_leave_group_resp_encode(&w, 4, 7, &r);
		CHECK(hex_eq(&w, "00000013 00000007 00 00000000 0000 02 026d 00 0000 00 00"),
		    "LeaveGroup v4 response");
	}

	/* DescribeGroups v5 */
	b_hex("000f 0005 00000007 0001 74 00  02 0267 00 00");
	CHECK_INT(dec("describegroups-v5"), ==, 0, "DescribeGroups v5 decodes");
	CHECK(Q.u.describe_groups.ngroups == 1 &&
	    eq(Q.u.describe_groups.groups[0], "g") &&
	    !Q.u.describe_groups.include_authorized_operations,
	    "DescribeGroups v5 fields");
	{
		struct fl_kp_described_group dg = { 0, g,
		    { (const uint8_t *)"Stable", 6 }, consumer, range, NULL, 0, INT32_MIN };
		struct fl_kp_describe_groups_resp r = { 0, &dg, 1 };

		fl_wr_reset(&w);
		fl_kp_describe_groups_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "0000002b 00000007 00 00000000 02 0000 0267"
		    "07 537461626c65 09 636f6e73756d6572 06 72616e6765 01 80000000 00 00"),
		    "DescribeGroups v5 response");
	}

	/* ListGroups v3 */
	b_hex("0010 0003 00000007 0001 74 00  00");
	CHECK_INT(dec("listgroups-v3"), ==, 0, "ListGroups v3 decodes");
	{
		struct fl_kp_listed_group lg = { g, consumer, { NULL, 0 }, { NULL, 0 } };
		struct fl_kp_list_groups_resp r = { 0, 0, &lg, 1 };

		fl_wr_reset(&w);
		fl_kp_list_groups_resp_encode(&w, 3, 7, &r);
		CHECK(hex_eq(&w, "00000019 00000007 00 00000000 0000 02 0267"
		    "09 636f6e73756d6572 00 00"), "ListGroups v3 response");
	}

	/* DeleteTopics v4 */
	b_hex("0014 0004 00000007 0001 74 00  02 0274 00007530 00");
	CHECK_INT(dec("deletetopics-v4"), ==, 0, "DeleteTopics v4 decodes");
	CHECK(Q.u.delete_topics.nnames == 1 && eq(Q.u.delete_topics.names[0], "t") &&
	    Q.u.delete_topics.timeout_ms == 30000, "DeleteTopics v4 fields");
	{
		struct fl_kp_name_error ne = { .name = { (const uint8_t *)"t", 1 } };
		struct fl_kp_delete_topics_resp r = { 0, &ne, 1 };

		fl_wr_reset(&w);
		fl_kp_delete_topics_resp_encode(&w, 4, 7, &r);
		CHECK(hex_eq(&w, "00000010 00000007 00 00000000 02 0274 0000 00 00"),
		    "DeleteTopics v4 response");
	}

	/* InitProducerId v2 */
	b_hex("0016 0002 00000007 0001 74 00  00 0000ea60 00");
	CHECK_INT(dec("initproducerid-v2"), ==, 0, "InitProducerId v2 decodes");
	CHECK(is_null(Q.u.init_producer_id.transactional_id) &&
	    Q.u.init_producer_id.transaction_timeout_ms == 60000,
	    "InitProducerId v2 fields");
	{
		struct fl_kp_init_producer_id_resp r = { 0, 0, 5, 0 };

		fl_wr_reset(&w);
		fl_kp_init_producer_id_resp_encode(&w, 2, 7, &r);
		CHECK(hex_eq(&w, "00000016 00000007 00 00000000 0000 0000000000000005"
		    "0000 00"), "InitProducerId v2 response");
	}

	/* FindCoordinator v3 */
	b_hex("000a 0003 00000007 0001 74 00  02 67 00 00");
	CHECK_INT(dec("findcoordinator-v3"), ==, 0, "FindCoordinator v3 decodes");
	CHECK(eq(Q.u.find_coordinator.key, "g") && Q.u.find_coordinator.key_type == 0,
	    "FindCoordinator v3 fields");
	{
		struct fl_kp_find_coordinator_resp r = { 0, 0, { NULL, 0 }, 1,
		    { (const uint8_t *)"127.0.0.1", 9 }, 9092, NULL, 0 };

		fl_wr_reset(&w);
		fl_kp_find_coordinator_resp_encode(&w, 3, 7, &r);
		CHECK(hex_eq(&w, "0000001f 00000007 00 00000000 0000 00 00000001"
		    "0a 3132372e302e302e31 00002384 00"), "FindCoordinator v3 response");
	}

	/* SaslAuthenticate v2 */
	b_hex("0024 0002 00000007 0001 74 00  05 00750070 00");
	CHECK_INT(dec("saslauthenticate-v2"), ==, 0, "SaslAuthenticate v2 decodes");
	CHECK(Q.u.sasl_authenticate.auth_bytes.len == 4, "SaslAuthenticate v2 fields");
	{
		struct fl_kp_sasl_authenticate_resp r = { 0, { NULL, 0 }, { NULL, 0 }, 0 };

		fl_wr_reset(&w);
		fl_kp_sasl_authenticate_resp_encode(&w, 2, 7, &r);
		CHECK(hex_eq(&w, "00000012 00000007 00 0000 00 01 0000000000000000 00"),
		    "SaslAuthenticate v2 response: null auth bytes sent empty");
	}

	/* OffsetCommit v8: v7 made flexible */
	b_hex("0008 0008 00000007 0001 74 00  02 67 00000003 02 6d 00"
	    "02 02 74 02 00000000 000000000000000a ffffffff 01 00 00 00");
	CHECK_INT(dec("offsetcommit-v8"), ==, 0, "OffsetCommit v8 decodes");
	CHECK(Q.u.offset_commit.generation_id == 3 &&
	    eq(Q.u.offset_commit.member_id, "m") &&
	    is_null(Q.u.offset_commit.group_instance_id) &&
	    Q.u.offset_commit.retention_time_ms == -1 &&
	    Q.u.offset_commit.ntopics == 1 &&
	    Q.u.offset_commit.topics[0].parts[0].committed_offset == 10 &&
	    Q.u.offset_commit.topics[0].parts[0].committed_leader_epoch == -1 &&
	    eq(Q.u.offset_commit.topics[0].parts[0].metadata, ""),
	    "OffsetCommit v8 fields");
	{
		struct fl_kp_part_error pe = { 0, 0 };
		struct fl_kp_offset_commit_topic_resp t = { { (const uint8_t *)"t", 1 },
		    &pe, 1 };
		struct fl_kp_offset_commit_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_offset_commit_resp_encode(&w, 8, 7, &r);
		CHECK(hex_eq(&w, "00000016 00000007 00 00000000 02 0274 02 00000000 0000 00 00 00"),
		    "OffsetCommit v8 response");
	}

	/* OffsetFetch v7 (v6 is v5 made flexible; v7 adds RequireStable) */
	b_hex("0009 0007 00000007 0001 74 00  02 67 02 02 74 02 00000000 00 01 00");
	CHECK_INT(dec("offsetfetch-v7"), ==, 0, "OffsetFetch v7 decodes");
	CHECK(eq(Q.u.offset_fetch.group_id, "g") && !Q.u.offset_fetch.is_all_topics &&
	    Q.u.offset_fetch.ntopics == 1 && eq(Q.u.offset_fetch.topics[0].name, "t") &&
	    Q.u.offset_fetch.topics[0].nparts == 1 && Q.u.offset_fetch.require_stable,
	    "OffsetFetch v7 fields");
	b_hex("0009 0006 00000007 0001 74 00  02 67 00 00");
	CHECK_INT(dec("offsetfetch-v6-all"), ==, 0, "OffsetFetch v6 null topics decodes");
	CHECK(Q.u.offset_fetch.is_all_topics && Q.u.offset_fetch.ntopics == 0 &&
	    !Q.u.offset_fetch.require_stable, "OffsetFetch v6: compact null is all topics");
	{
		struct fl_kp_offset_fetch_part_resp pr = { 0, 5, -1, { NULL, 0 }, 0 };
		struct fl_kp_offset_fetch_topic_resp t = { { (const uint8_t *)"t", 1 },
		    &pr, 1 };
		struct fl_kp_offset_fetch_resp r = { 0, &t, 1, 0, NULL, 0 };

		fl_wr_reset(&w);
		fl_kp_offset_fetch_resp_encode(&w, 7, 7, &r);
		CHECK(hex_eq(&w, "00000025 00000007 00 00000000 02 0274 02 00000000"
		    "0000000000000005 ffffffff 00 0000 00 00 0000 00"),
		    "OffsetFetch v7 response");
	}

	/* Metadata v8 (classic) and v9 (flexible: each topic a struct) */
	b_begin(FL_KP_METADATA, 8, 7);
	ARR(1); STR("t"); I8(0); I8(1); I8(1);
	CHECK_INT(dec("metadata-v8"), ==, 0, "Metadata v8 decodes");
	CHECK(Q.u.metadata.ntopics == 1 && eq(Q.u.metadata.topics[0], "t") &&
	    !Q.u.metadata.allow_auto_create &&
	    Q.u.metadata.include_cluster_authorized_operations &&
	    Q.u.metadata.include_topic_authorized_operations, "Metadata v8 fields");
	b_hex("0003 0009 00000007 0001 74 00  03 0274 00 0275 00 01 00 00 00");
	CHECK_INT(dec("metadata-v9"), ==, 0, "Metadata v9 decodes");
	CHECK(!Q.u.metadata.is_all_topics && Q.u.metadata.ntopics == 2 &&
	    eq(Q.u.metadata.topics[0], "t") && eq(Q.u.metadata.topics[1], "u") &&
	    Q.u.metadata.allow_auto_create &&
	    !Q.u.metadata.include_topic_authorized_operations, "Metadata v9 fields");
	b_hex("0003 0009 00000007 0001 74 00  00 01 00 00 00");
	CHECK_INT(dec("metadata-v9-all"), ==, 0, "Metadata v9 null topics decodes");
	CHECK(Q.u.metadata.is_all_topics && Q.u.metadata.ntopics == 0,
	    "Metadata v9: compact null is all topics");

	/* a flexible request whose header has no tag section is short */
	b_hex("000c 0004 00000007 0001 74");
	CHECK_INT(dec("heartbeat-v4-no-header-tags"), ==, FL_ESHORT,
	    "Heartbeat v4 without header tags is short");
	fl_wr_free(&w);
}

static void
test_admin(void)
{
	struct fl_wr w;

	b_begin(FL_KP_CREATE_TOPICS, 0, 5);
	ARR(1); STR("new"); I32(3); I16(1); ARR(0); ARR(0); I32(5000);
	CHECK_INT(dec("createtopics-v0"), ==, 0, "CreateTopics v0 decodes");
	CHECK(eq(Q.u.create_topics.topics[0].name, "new") &&
	    Q.u.create_topics.topics[0].num_partitions == 3 &&
	    Q.u.create_topics.topics[0].replication_factor == 1 &&
	    Q.u.create_topics.timeout_ms == 5000 &&
	    !Q.u.create_topics.validate_only, "CreateTopics v0 fields");
	b_begin(FL_KP_CREATE_TOPICS, 4, 5);
	ARR(2);
	STR("x"); I32(-1); I16(-1);
	ARR(1); I32(0); ARR(2); I32(1); I32(2);
	ARR(2); STR("cleanup.policy"); STR("delete"); STR("retention.ms"); NUL16();
	STR("y"); I32(1); I16(-1); ARR(0); ARR(0);
	I32(30000); I8(1);
	CHECK_INT(dec("createtopics-v4"), ==, 0, "CreateTopics v4 decodes");
	{
		const struct fl_kp_create_topic *t = Q.u.create_topics.topics;

		CHECK(Q.u.create_topics.ntopics == 2 && t[0].num_partitions == -1 &&
		    t[0].replication_factor == -1 && t[0].nassignments == 1 &&
		    t[0].assignments[0].nbroker_ids == 2 &&
		    t[0].assignments[0].broker_ids[1] == 2,
		    "CreateTopics v4: -1 defaults and assignments");
		CHECK(t[0].nconfigs == 2 && eq(t[0].configs[0].value, "delete") &&
		    is_null(t[0].configs[1].value) && eq(t[1].name, "y") &&
		    Q.u.create_topics.validate_only,
		    "CreateTopics v4: configs (null value), validate only");
	}

	b_begin(FL_KP_DELETE_TOPICS, 1, 6);
	ARR(2); STR("a"); STR("b"); I32(1000);
	CHECK_INT(dec("deletetopics-v1"), ==, 0, "DeleteTopics v1 decodes");
	CHECK(Q.u.delete_topics.nnames == 2 && eq(Q.u.delete_topics.names[1], "b") &&
	    Q.u.delete_topics.timeout_ms == 1000, "DeleteTopics fields");

	b_begin(FL_KP_INIT_PRODUCER_ID, 1, 7);
	NUL16(); I32(-1);
	CHECK_INT(dec("initproducerid-v1"), ==, 0, "InitProducerId v1 decodes");
	CHECK(is_null(Q.u.init_producer_id.transactional_id) &&
	    Q.u.init_producer_id.transaction_timeout_ms == -1, "InitProducerId fields");
	b_begin(FL_KP_INIT_PRODUCER_ID, 0, 7);
	STR("txn"); I32(60000);
	CHECK_INT(dec("initproducerid-v0"), ==, 0, "InitProducerId v0 decodes");

	b_begin(FL_KP_OFFSET_FOR_LEADER_EPOCH, 0, 8);
	ARR(1); STR("t"); ARR(1); I32(0); I32(5);
	CHECK_INT(dec("ofle-v0"), ==, 0, "OffsetForLeaderEpoch v0 decodes");
	CHECK(Q.u.ofle.replica_id == -1 &&
	    Q.u.ofle.topics[0].parts[0].current_leader_epoch == -1 &&
	    Q.u.ofle.topics[0].parts[0].leader_epoch == 5, "OFLE v0 fields");
	b_begin(FL_KP_OFFSET_FOR_LEADER_EPOCH, 3, 8);
	I32(2); ARR(1); STR("t"); ARR(1); I32(0); I32(1); I32(5);
	CHECK_INT(dec("ofle-v3"), ==, 0, "OffsetForLeaderEpoch v3 decodes");
	CHECK(Q.u.ofle.replica_id == 2 &&
	    Q.u.ofle.topics[0].parts[0].current_leader_epoch == 1, "OFLE v3 fields");

	fl_wr_init(&w, 1 << 16);
	{
		struct fl_kp_init_producer_id_resp r = { 0, 0, 0x1122334455667788LL, 0 };

		fl_kp_init_producer_id_resp_encode(&w, 0, 7, &r);
		CHECK(hex_eq(&w, "00000014 00000007 00000000 0000 1122334455667788 0000"),
		    "InitProducerId v0 response: throttle even in v0");
	}
	{
		struct fl_kp_create_topic_resp t = { .name = { (const uint8_t *)"x", 1 },
		    .error = 36 };
		struct fl_kp_create_topics_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_create_topics_resp_encode(&w, 0, 5, &r);
		CHECK(hex_eq(&w, "0000000d 00000005 00000001 0001 78 0024"),
		    "CreateTopics v0 response");
		fl_wr_reset(&w);
		fl_kp_create_topics_resp_encode(&w, 2, 5, &r);
		CHECK(hex_eq(&w, "00000013 00000005 00000000 00000001 0001 78 0024 ffff"),
		    "CreateTopics v2 response: throttle, error message");
	}
	{
		struct fl_kp_name_error t = { .name = { (const uint8_t *)"x", 1 }, .error = 3 };
		struct fl_kp_delete_topics_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_delete_topics_resp_encode(&w, 1, 6, &r);
		CHECK(hex_eq(&w, "00000011 00000006 00000000 00000001 0001 78 0003"),
		    "DeleteTopics v1 response");
	}
	{
		struct fl_kp_ofle_part_resp p = { 0, 0, 0, 99 };
		struct fl_kp_ofle_topic_resp t = { { (const uint8_t *)"t", 1 }, &p, 1 };
		struct fl_kp_ofle_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_ofle_resp_encode(&w, 0, 8, &r);
		CHECK(hex_eq(&w, "0000001d 00000008 00000001 0001 74 00000001"
		    "0000 00000000 0000000000000063"), "OFLE v0 response");
		fl_wr_reset(&w);
		fl_kp_ofle_resp_encode(&w, 2, 8, &r);
		CHECK(hex_eq(&w, "00000025 00000008 00000000 00000001 0001 74 00000001"
		    "0000 00000000 00000000 0000000000000063"),
		    "OFLE v2 response: throttle, leader epoch");
	}
	fl_wr_free(&w);
}

/* ---- raised core versions: vectors built from Kafka 3.9's JSON ---- */

static void
test_flex_core(void)
{
	static const struct fl_slice t1 = { (const uint8_t *)"t", 1 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);

	/* OffsetForLeaderEpoch v4: flexible */
	b_hex("0017 0004 00000008 0001 74 00  ffffffff 02 0274 02 00000000 00000001"
	    "00000005 00 00 00");
	CHECK_INT(dec("ofle-v4"), ==, 0, "OffsetForLeaderEpoch v4 decodes");
	CHECK(Q.u.ofle.replica_id == -1 && Q.u.ofle.ntopics == 1 &&
	    eq(Q.u.ofle.topics[0].name, "t") &&
	    Q.u.ofle.topics[0].parts[0].current_leader_epoch == 1 &&
	    Q.u.ofle.topics[0].parts[0].leader_epoch == 5, "OFLE v4 fields");
	{
		struct fl_kp_ofle_part_resp p = { 0, 0, 0, 99 };
		struct fl_kp_ofle_topic_resp t = { t1, &p, 1 };
		struct fl_kp_ofle_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_ofle_resp_encode(&w, 4, 8, &r);
		CHECK(hex_eq(&w, "00000022 00000008 00 00000000 02 0274 02 0000 00000000"
		    "00000000 0000000000000063 00 00 00"), "OFLE v4 response");
	}

	/* DeleteTopics v5: names; the answer has ErrorMessage */
	b_hex("0014 0005 00000007 0001 74 00  02 0274 00007530 00");
	CHECK_INT(dec("deletetopics-v5"), ==, 0, "DeleteTopics v5 decodes");
	CHECK(Q.u.delete_topics.nnames == 1 && eq(Q.u.delete_topics.names[0], "t") &&
	    Q.u.delete_topics.ntopics == 0, "DeleteTopics v5 fields");
	{
		struct fl_kp_name_error ne = { .name = t1, .error = 3,
		    .error_message = { (const uint8_t *)"x", 1 } };
		struct fl_kp_delete_topics_resp r = { 0, &ne, 1 };

		fl_wr_reset(&w);
		fl_kp_delete_topics_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "00000012 00000007 00 00000000 02 0274 0003 0278 00 00"),
		    "DeleteTopics v5 response: ErrorMessage");
		ne.error_message.p = NULL;
		ne.error_message.len = 0;
		fl_wr_reset(&w);
		fl_kp_delete_topics_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "00000011 00000007 00 00000000 02 0274 0003 00 00 00"),
		    "DeleteTopics v5 response: null ErrorMessage");
	}
	/* DeleteTopics v6: Topics[] of (nullable Name, TopicId) */
	b_hex("0014 0006 00000007 0001 74 00  03"
	    "0274 00000000000000000000000000000000 00"
	    "00 0102030405060708090a0b0c0d0e0f10 00  00007530 00");
	CHECK_INT(dec("deletetopics-v6"), ==, 0, "DeleteTopics v6 decodes");
	CHECK(Q.u.delete_topics.ntopics == 2 && Q.u.delete_topics.nnames == 0 &&
	    eq(Q.u.delete_topics.topics[0].name, "t") &&
	    is_null(Q.u.delete_topics.topics[1].name) &&
	    Q.u.delete_topics.topics[1].topic_id[0] == 1 &&
	    Q.u.delete_topics.topics[1].topic_id[15] == 0x10 &&
	    Q.u.delete_topics.timeout_ms == 30000, "DeleteTopics v6 fields");
	{
		struct fl_kp_name_error ne[2] = { { .name = t1 },
		    { .error = FL_KERR_UNKNOWN_TOPIC_ID } };

		memset(ne[1].topic_id, 0xab, 16);
		{
			struct fl_kp_delete_topics_resp r = { 0, ne, 2 };

			fl_wr_reset(&w);
			fl_kp_delete_topics_resp_encode(&w, 6, 7, &r);
			CHECK(hex_eq(&w, "00000036 00000007 00 00000000 03"
			    "0274 00000000000000000000000000000000 0000 00 00"
			    "00 abababababababababababababababab 0064 00 00 00"),
			    "DeleteTopics v6 response: null name, TopicId, UNKNOWN_TOPIC_ID");
		}
	}

	/* InitProducerId v3-5: ProducerId, ProducerEpoch */
	b_hex("0016 0003 00000007 0001 74 00  00 0000ea60 0000000000000005 0002 00");
	CHECK_INT(dec("initproducerid-v3"), ==, 0, "InitProducerId v3 decodes");
	CHECK(is_null(Q.u.init_producer_id.transactional_id) &&
	    Q.u.init_producer_id.producer_id == 5 &&
	    Q.u.init_producer_id.producer_epoch == 2, "InitProducerId v3 fields");
	b_hex("0016 0005 00000007 0001 74 00  00 0000ea60 ffffffffffffffff ffff 00");
	CHECK_INT(dec("initproducerid-v5"), ==, 0, "InitProducerId v5 decodes");
	CHECK(Q.u.init_producer_id.producer_id == -1 &&
	    Q.u.init_producer_id.producer_epoch == -1, "InitProducerId v5 fields");
	b_hex("0016 0002 00000007 0001 74 00  00 0000ea60 00");
	CHECK_INT(dec("initproducerid-v2-defaults"), ==, 0, "InitProducerId v2 decodes");
	CHECK(Q.u.init_producer_id.producer_id == -1 &&
	    Q.u.init_producer_id.producer_epoch == -1,
	    "InitProducerId v2: ProducerId/Epoch default to -1");
	{
		struct fl_kp_init_producer_id_resp r = { 0, 0, 6, 0 };

		fl_wr_reset(&w);
		fl_kp_init_producer_id_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "00000016 00000007 00 00000000 0000 0000000000000006"
		    "0000 00"), "InitProducerId v5 response");
	}

	/* CreateTopics v5: flexible; the answer describes the new topic */
	b_hex("0013 0005 00000005 0001 74 00  02 0278 00000001 ffff 01 01 00"
	    "00007530 00 00");
	CHECK_INT(dec("createtopics-v5"), ==, 0, "CreateTopics v5 decodes");
	CHECK(Q.u.create_topics.ntopics == 1 && eq(Q.u.create_topics.topics[0].name, "x") &&
	    Q.u.create_topics.topics[0].num_partitions == 1 &&
	    Q.u.create_topics.topics[0].replication_factor == -1 &&
	    Q.u.create_topics.timeout_ms == 30000, "CreateTopics v5 fields");
	{
		struct fl_kp_created_config cf = { { (const uint8_t *)"a", 1 },
		    { (const uint8_t *)"b", 1 }, 0, 5, 0 };
		struct fl_kp_create_topic_resp t = { .name = { (const uint8_t *)"x", 1 },
		    .num_partitions = 1, .replication_factor = 1, .configs = &cf,
		    .nconfigs = 1 };
		struct fl_kp_create_topics_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_create_topics_resp_encode(&w, 5, 5, &r);
		CHECK(hex_eq(&w, "00000020 00000005 00 00000000 02 0278 0000 00"
		    "00000001 0001 02 0261 0262 00 05 00 00  00 00"),
		    "CreateTopics v5 response: partitions, replicas, configs");
		t.topic_config_error_code = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
		t.configs_null = 1;
		t.num_partitions = -1;
		t.replication_factor = -1;
		fl_wr_reset(&w);
		fl_kp_create_topics_resp_encode(&w, 6, 5, &r);
		CHECK(hex_eq(&w, "0000001c 00000005 00 00000000 02 0278 0000 00"
		    "ffffffff ffff 00  01 00 02 001d  00"),
		    "CreateTopics v6 response: null configs, tagged TopicConfigErrorCode");
	}

	/* ListOffsets v4: CurrentLeaderEpoch in, LeaderEpoch out */
	b_hex("0002 0004 00000009 0001 74  ffffffff 00 00000001 0001 74 00000001"
	    "00000000 00000003 fffffffffffffffd");
	CHECK_INT(dec("listoffsets-v4"), ==, 0, "ListOffsets v4 decodes");
	CHECK(Q.u.list_offsets.topics[0].parts[0].current_leader_epoch == 3 &&
	    Q.u.list_offsets.topics[0].parts[0].timestamp == -3,
	    "ListOffsets v4 fields");
	/* v9 (flexible since 6): LATEST_TIERED */
	b_hex("0002 0009 00000009 0001 74 00  ffffffff 01 02 0274 02 00000000 ffffffff"
	    "fffffffffffffffb 00 00 00");
	CHECK_INT(dec("listoffsets-v9"), ==, 0, "ListOffsets v9 decodes");
	CHECK(Q.u.list_offsets.isolation_level == 1 &&
	    Q.u.list_offsets.topics[0].parts[0].current_leader_epoch == -1 &&
	    Q.u.list_offsets.topics[0].parts[0].timestamp == -5, "ListOffsets v9 fields");
	{
		struct fl_kp_list_offsets_part_resp p = { 0, 0, 1000, 42, NULL, 0, 7 };
		struct fl_kp_list_offsets_topic_resp t = { t1, &p, 1 };
		struct fl_kp_list_offsets_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_list_offsets_resp_encode(&w, 4, 9, &r);
		CHECK(hex_eq(&w, "0000002d 00000009 00000000 00000001 0001 74 00000001"
		    "00000000 0000 00000000000003e8 000000000000002a 00000007"),
		    "ListOffsets v4 response: LeaderEpoch");
		fl_wr_reset(&w);
		fl_kp_list_offsets_resp_encode(&w, 9, 9, &r);
		CHECK(hex_eq(&w, "0000002a 00000009 00 00000000 02 0274 02"
		    "00000000 0000 00000000000003e8 000000000000002a 00000007 00 00 00"),
		    "ListOffsets v9 response: flexible");
	}

	/* Produce v9: flexible request; v8 answers RecordErrors, ErrorMessage */
	b_hex("0000 0009 00000001 0001 74 00  00 ffff 00007530 02 0274 02 00000000"
	    "04 616263 00 00 00");
	CHECK_INT(dec("produce-v9"), ==, 0, "Produce v9 decodes");
	CHECK(Q.u.produce.acks == -1 && is_null(Q.u.produce.transactional_id) &&
	    eq(Q.u.produce.topics[0].name, "t") &&
	    Q.u.produce.topics[0].parts[0].records.len == 3, "Produce v9 fields");
	{
		struct fl_kp_record_error re = { 2, { (const uint8_t *)"x", 1 } };
		struct fl_kp_produce_part_resp p = { 0, FL_KERR_INVALID_RECORD, -1, -1, -1,
		    &re, 1, { (const uint8_t *)"y", 1 }, { -1, -1 } };
		struct fl_kp_produce_topic_resp t = { t1, &p, 1 };
		struct fl_kp_produce_resp r = { &t, 1, 0, NULL, NULL, 0 };
		size_t pos[1];

		fl_wr_reset(&w);
		fl_kp_produce_resp_encode(&w, 8, 1, &r);
		CHECK(hex_eq(&w, "0000003f 00000001 00000001 0001 74 00000001"
		    "00000000 0057 ffffffffffffffff ffffffffffffffff ffffffffffffffff"
		    "00000001 00000002 0001 78  0001 79  00000000"),
		    "Produce v8 response: RecordErrors, ErrorMessage");
		p.nrecord_errors = 0;
		p.error_message.p = NULL;
		p.error_message.len = 0;
		p.error = 0;
		p.base_offset = 5;
		r.part_pos = pos;
		fl_wr_reset(&w);
		fl_kp_produce_resp_encode(&w, 9, 1, &r);
		CHECK(hex_eq(&w, "00000030 00000001 00 02 0274 02"
		    "00000000 0000 0000000000000005 ffffffffffffffff ffffffffffffffff"
		    "01 00 00 00 00000000 00"), "Produce v9 response: flexible");
		/* size 4, corr 4, header tags 1, topics 1, "t" 2, parts 1 */
		CHECK_INT(pos[0], ==, 13, "Produce v9: the entry's position for acks=all");
		CHECK(w.p[pos[0] + 13] == 5, "Produce v9: base offset where acks=all patches");
	}
	{
		/* v10 (KIP-951): CurrentLeader and NodeEndpoints, tagged */
		struct fl_kp_produce_part_resp p[2] = {
		    { 0, 0, 5, -1, -1, NULL, 0, { NULL, 0 }, { -1, -1 } },
		    { 1, FL_KERR_NOT_LEADER_OR_FOLLOWER, -1, -1, -1, NULL, 0, { NULL, 0 },
		      { 2, 7 } } };
		struct fl_kp_produce_topic_resp t = { t1, p, 2 };
		struct fl_kp_node_endpoint ne = { 2, { (const uint8_t *)"h", 1 }, 9092,
		    { NULL, 0 } };
		struct fl_kp_produce_resp r = { &t, 1, 0, NULL, &ne, 1 };

		fl_wr_reset(&w);
		fl_kp_produce_resp_encode(&w, 10, 1, &r);
		CHECK(hex_eq(&w, "0000006b 00000001 00 02 0274 03"
		    "00000000 0000 0000000000000005 ffffffffffffffff ffffffffffffffff"
		    "01 00 00"
		    "00000001 0006 ffffffffffffffff ffffffffffffffff ffffffffffffffff"
		    "01 00 01 00 09 00000002 00000007 00"
		    "00 00000000"
		    "01 00 0d 02 00000002 0268 00002384 00 00"),
		    "Produce v10 response: CurrentLeader only on NOT_LEADER, NodeEndpoints");
		r.nnode_endpoints = 0;
		p[1].current_leader.leader_id = -1;
		p[1].current_leader.leader_epoch = -1;
		fl_wr_reset(&w);
		fl_kp_produce_resp_encode(&w, 11, 1, &r);
		CHECK(hex_eq(&w, "00000051 00000001 00 02 0274 03"
		    "00000000 0000 0000000000000005 ffffffffffffffff ffffffffffffffff"
		    "01 00 00"
		    "00000001 0006 ffffffffffffffff ffffffffffffffff ffffffffffffffff"
		    "01 00 00"
		    "00 00000000 00"),
		    "Produce v11 response: a -1/-1 leader and no endpoints are not sent");
	}
	fl_wr_free(&w);
}

/* ---- group APIs ---- */

static void
test_group_requests(void)
{
	b_begin(FL_KP_FIND_COORDINATOR, 0, 10);
	STR("g");
	CHECK_INT(dec("findcoordinator-v0"), ==, 0, "FindCoordinator v0 decodes");
	CHECK(eq(Q.u.find_coordinator.key, "g") && Q.u.find_coordinator.key_type == 0,
	    "FindCoordinator v0 fields");
	b_begin(FL_KP_FIND_COORDINATOR, 2, 10);
	STR("g"); I8(0);
	CHECK_INT(dec("findcoordinator-v2"), ==, 0, "FindCoordinator v2 decodes");

	b_begin(FL_KP_JOIN_GROUP, 0, 11);
	STR("g"); I32(30000); STR(""); STR("consumer");
	ARR(1); STR("range"); BYTES("md");
	CHECK_INT(dec("joingroup-v0"), ==, 0, "JoinGroup v0 decodes");
	CHECK(Q.u.join_group.session_timeout_ms == 30000 &&
	    Q.u.join_group.rebalance_timeout_ms == 30000 &&
	    eq(Q.u.join_group.member_id, "") &&
	    is_null(Q.u.join_group.group_instance_id) &&
	    eq(Q.u.join_group.protocol_type, "consumer") &&
	    Q.u.join_group.nprotocols == 1 &&
	    eq(Q.u.join_group.protocols[0].metadata, "md"),
	    "JoinGroup v0: rebalance timeout defaults to session timeout");
	b_begin(FL_KP_JOIN_GROUP, 5, 11);
	STR("g"); I32(45000); I32(300000); STR("m-1"); NUL16(); STR("consumer");
	ARR(2); STR("range"); BYTES("a"); STR("roundrobin"); BYTES("");
	CHECK_INT(dec("joingroup-v5"), ==, 0, "JoinGroup v5 decodes");
	CHECK(Q.u.join_group.rebalance_timeout_ms == 300000 &&
	    eq(Q.u.join_group.member_id, "m-1") &&
	    is_null(Q.u.join_group.group_instance_id) &&
	    eq(Q.u.join_group.protocols[1].name, "roundrobin") &&
	    eq(Q.u.join_group.protocols[1].metadata, ""), "JoinGroup v5 fields");

	b_begin(FL_KP_SYNC_GROUP, 0, 12);
	STR("g"); I32(1); STR("m"); ARR(1); STR("m"); BYTES("asg");
	CHECK_INT(dec("syncgroup-v0"), ==, 0, "SyncGroup v0 decodes");
	CHECK(Q.u.sync_group.generation_id == 1 && Q.u.sync_group.nassignments == 1 &&
	    eq(Q.u.sync_group.assignments[0].assignment, "asg"), "SyncGroup v0 fields");
	b_begin(FL_KP_SYNC_GROUP, 3, 12);
	STR("g"); I32(2); STR("m"); STR("inst"); ARR(0);
	CHECK_INT(dec("syncgroup-v3"), ==, 0, "SyncGroup v3 decodes");
	CHECK(eq(Q.u.sync_group.group_instance_id, "inst") &&
	    Q.u.sync_group.nassignments == 0, "SyncGroup v3 fields");

	b_begin(FL_KP_HEARTBEAT, 0, 13);
	STR("g"); I32(3); STR("m");
	CHECK_INT(dec("heartbeat-v0"), ==, 0, "Heartbeat v0 decodes");
	b_begin(FL_KP_HEARTBEAT, 3, 13);
	STR("g"); I32(3); STR("m"); NUL16();
	CHECK_INT(dec("heartbeat-v3"), ==, 0, "Heartbeat v3 decodes");
	CHECK(Q.u.heartbeat.generation_id == 3 && eq(Q.u.heartbeat.member_id, "m"),
	    "Heartbeat v3 fields");

	b_begin(FL_KP_LEAVE_GROUP, 1, 14);
	STR("g"); STR("m-1");
	CHECK_INT(dec("leavegroup-v1"), ==, 0, "LeaveGroup v1 decodes");
	CHECK(Q.u.leave_group.nmembers == 1 &&
	    eq(Q.u.leave_group.members[0].member_id, "m-1") &&
	    is_null(Q.u.leave_group.members[0].group_instance_id),
	    "LeaveGroup v1: MemberId as a one-member list");
	b_begin(FL_KP_LEAVE_GROUP, 3, 14);
	STR("g"); ARR(2); STR("a"); NUL16(); STR("b"); STR("i");
	CHECK_INT(dec("leavegroup-v3"), ==, 0, "LeaveGroup v3 decodes");
	CHECK(Q.u.leave_group.nmembers == 2 &&
	    eq(Q.u.leave_group.members[1].member_id, "b") &&
	    eq(Q.u.leave_group.members[1].group_instance_id, "i"),
	    "LeaveGroup v3: Members array");

	b_begin(FL_KP_OFFSET_COMMIT, 2, 15);
	STR("g"); I32(-1); STR(""); I64(-1);
	ARR(1); STR("t"); ARR(1); I32(0); I64(42); STR("");
	CHECK_INT(dec("offsetcommit-v2"), ==, 0, "OffsetCommit v2 decodes");
	CHECK(Q.u.offset_commit.generation_id == -1 &&
	    Q.u.offset_commit.retention_time_ms == -1 &&
	    Q.u.offset_commit.topics[0].parts[0].committed_offset == 42 &&
	    Q.u.offset_commit.topics[0].parts[0].committed_leader_epoch == -1 &&
	    eq(Q.u.offset_commit.topics[0].parts[0].metadata, ""),
	    "OffsetCommit v2 fields");
	b_begin(FL_KP_OFFSET_COMMIT, 5, 15);
	STR("g"); I32(4); STR("m");
	ARR(1); STR("t"); ARR(1); I32(1); I64(43); NUL16();
	CHECK_INT(dec("offsetcommit-v5"), ==, 0, "OffsetCommit v5 decodes (no retention)");
	CHECK(Q.u.offset_commit.retention_time_ms == -1 &&
	    is_null(Q.u.offset_commit.topics[0].parts[0].metadata),
	    "OffsetCommit v5: null metadata (kafkajs)");
	b_begin(FL_KP_OFFSET_COMMIT, 7, 15);
	STR("g"); I32(4); STR("m"); NUL16();
	ARR(1); STR("t"); ARR(1); I32(1); I64(43); I32(-1); STR("");
	CHECK_INT(dec("offsetcommit-v7"), ==, 0, "OffsetCommit v7 decodes");
	CHECK(Q.u.offset_commit.generation_id == 4 &&
	    is_null(Q.u.offset_commit.group_instance_id) &&
	    Q.u.offset_commit.topics[0].parts[0].index == 1,
	    "OffsetCommit v7 fields");

	b_begin(FL_KP_OFFSET_FETCH, 1, 16);
	STR("g"); ARR(1); STR("t"); ARR(2); I32(0); I32(1);
	CHECK_INT(dec("offsetfetch-v1"), ==, 0, "OffsetFetch v1 decodes");
	CHECK(!Q.u.offset_fetch.is_all_topics && Q.u.offset_fetch.ntopics == 1 &&
	    Q.u.offset_fetch.topics[0].nparts == 2 &&
	    Q.u.offset_fetch.topics[0].parts[1] == 1, "OffsetFetch v1 fields");
	b_begin(FL_KP_OFFSET_FETCH, 5, 16);
	STR("g"); ARR(-1);
	CHECK_INT(dec("offsetfetch-v5-all"), ==, 0, "OffsetFetch v5 null decodes");
	CHECK(Q.u.offset_fetch.is_all_topics, "OffsetFetch v5: null = all");
	b_begin(FL_KP_OFFSET_FETCH, 1, 16);
	STR("g"); ARR(-1);
	CHECK_INT(dec("offsetfetch-v1-null"), ==, FL_EPROTO,
	    "OffsetFetch v1: null topics rejected");

	b_begin(FL_KP_LIST_GROUPS, 2, 17);
	CHECK_INT(dec("listgroups-v2"), ==, 0, "ListGroups v2 decodes");
	b_begin(FL_KP_DESCRIBE_GROUPS, 0, 18);
	ARR(1); STR("g");
	CHECK_INT(dec("describegroups-v0"), ==, 0, "DescribeGroups v0 decodes");
	b_begin(FL_KP_DESCRIBE_GROUPS, 4, 18);
	ARR(2); STR("g"); STR("h"); I8(1);
	CHECK_INT(dec("describegroups-v4"), ==, 0, "DescribeGroups v4 decodes");
	CHECK(Q.u.describe_groups.ngroups == 2 &&
	    eq(Q.u.describe_groups.groups[1], "h") &&
	    Q.u.describe_groups.include_authorized_operations,
	    "DescribeGroups v4 fields");

	b_begin(FL_KP_SASL_HANDSHAKE, 1, 19);
	STR("PLAIN");
	CHECK_INT(dec("saslhandshake-v1"), ==, 0, "SaslHandshake v1 decodes");
	CHECK(eq(Q.u.sasl_handshake.mechanism, "PLAIN"), "SaslHandshake mechanism");
	b_begin(FL_KP_SASL_AUTHENTICATE, 0, 20);
	fl_wr_bytes(&W, "\0u\0p", 4);
	CHECK_INT(dec("saslauthenticate-v0"), ==, 0, "SaslAuthenticate v0 decodes");
	CHECK(Q.u.sasl_authenticate.auth_bytes.len == 4, "SaslAuthenticate bytes");
}

static void
test_group_responses(void)
{
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	{
		struct fl_kp_error_resp r = { 0, 27 };

		fl_kp_heartbeat_resp_encode(&w, 0, 13, &r);
		CHECK(hex_eq(&w, "00000006 0000000d 001b"), "Heartbeat v0 response");
		fl_wr_reset(&w);
		fl_kp_heartbeat_resp_encode(&w, 3, 13, &r);
		CHECK(hex_eq(&w, "0000000a 0000000d 00000000 001b"),
		    "Heartbeat v3 response: throttle first");
	}
	{
		struct fl_kp_find_coordinator_resp r = { 0, 0, { NULL, 0 }, 1,
		    { (const uint8_t *)"h", 1 }, 9092, NULL, 0 };

		fl_wr_reset(&w);
		fl_kp_find_coordinator_resp_encode(&w, 0, 10, &r);
		CHECK(hex_eq(&w, "00000011 0000000a 0000 00000001 0001 68 00002384"),
		    "FindCoordinator v0 response");
		fl_wr_reset(&w);
		fl_kp_find_coordinator_resp_encode(&w, 2, 10, &r);
		CHECK(hex_eq(&w, "00000017 0000000a 00000000 0000 ffff 00000001 0001 68"
		    "00002384"), "FindCoordinator v2 response: throttle, message");
	}
	{
		struct fl_kp_join_member m = { { (const uint8_t *)"m", 1 }, { NULL, 0 },
		    { (const uint8_t *)"md", 2 } };
		struct fl_kp_join_group_resp r = { 0, 0, 1, { (const uint8_t *)"range", 5 },
		    { (const uint8_t *)"m", 1 }, { (const uint8_t *)"m", 1 }, &m, 1, { NULL, 0 }, 0 };

		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 5, 11, &r);
		CHECK(hex_eq(&w, "0000002a 0000000b 00000000 0000 00000001"
		    "0005 72616e6765 0001 6d 0001 6d"
		    "00000001 0001 6d ffff 00000002 6d64"),
		    "JoinGroup v5 response: leader's member list with instance ids");
		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 1, 11, &r);
		CHECK(hex_eq(&w, "00000024 0000000b 0000 00000001"
		    "0005 72616e6765 0001 6d 0001 6d"
		    "00000001 0001 6d 00000002 6d64"),
		    "JoinGroup v1 response: no throttle, no instance id");
	}
	{
		struct fl_kp_sync_group_resp r = { 0, 0, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };

		fl_wr_reset(&w);
		fl_kp_sync_group_resp_encode(&w, 3, 14, &r);
		CHECK(hex_eq(&w, "0000000e 0000000e 00000000 0000 00000000"),
		    "SyncGroup v3 response: null assignment sent as empty bytes");
		fl_wr_reset(&w);
		fl_kp_sync_group_resp_encode(&w, 0, 14, &r);
		CHECK(hex_eq(&w, "0000000a 0000000e 0000 00000000"), "SyncGroup v0 response");
	}
	{
		struct fl_kp_leave_member_resp m = { { (const uint8_t *)"m", 1 },
		    { NULL, 0 }, 25 };
		struct fl_kp_leave_group_resp r = { 0, 0, &m, 1 };

		fl_wr_reset(&w);
		fl_kp_leave_group_resp_encode(&w, 1, 15, &r);
		CHECK(hex_eq(&w, "0000000a 0000000f 00000000 0000"),
		    "LeaveGroup v1 response: no members");
		fl_wr_reset(&w);
		fl_kp_leave_group_resp_encode(&w, 3, 15, &r);
		CHECK(hex_eq(&w, "00000015 0000000f 00000000 0000 00000001 0001 6d ffff 0019"),
		    "LeaveGroup v3 response: members with errors");
	}
	{
		struct fl_kp_part_error p = { 0, 0 };
		struct fl_kp_offset_commit_topic_resp t = { { (const uint8_t *)"t", 1 }, &p, 1 };
		struct fl_kp_offset_commit_resp r = { 0, &t, 1 };

		fl_wr_reset(&w);
		fl_kp_offset_commit_resp_encode(&w, 2, 16, &r);
		CHECK(hex_eq(&w, "00000015 00000010 00000001 0001 74 00000001 00000000 0000"),
		    "OffsetCommit v2 response: no throttle");
		fl_wr_reset(&w);
		fl_kp_offset_commit_resp_encode(&w, 7, 16, &r);
		CHECK(hex_eq(&w, "00000019 00000010 00000000 00000001 0001 74 00000001"
		    "00000000 0000"), "OffsetCommit v7 response: throttle");
	}
	{
		struct fl_kp_offset_fetch_part_resp p = { 0, -1, -1, { (const uint8_t *)"", 0 }, 0 };
		struct fl_kp_offset_fetch_topic_resp t = { { (const uint8_t *)"t", 1 }, &p, 1 };
		struct fl_kp_offset_fetch_resp r = { 0, &t, 1, 0, NULL, 0 };

		fl_wr_reset(&w);
		fl_kp_offset_fetch_resp_encode(&w, 1, 17, &r);
		CHECK(hex_eq(&w, "0000001f 00000011 00000001 0001 74 00000001"
		    "00000000 ffffffffffffffff 0000 0000"), "OffsetFetch v1 response");
		fl_wr_reset(&w);
		fl_kp_offset_fetch_resp_encode(&w, 5, 17, &r);
		CHECK(hex_eq(&w, "00000029 00000011 00000000 00000001 0001 74 00000001"
		    "00000000 ffffffffffffffff ffffffff 0000 0000 0000"),
		    "OffsetFetch v5 response: throttle, epoch, top-level error last");
	}
	{
		struct fl_kp_listed_group g = { { (const uint8_t *)"g", 1 },
		    { (const uint8_t *)"consumer", 8 }, { NULL, 0 }, { NULL, 0 } };
		struct fl_kp_list_groups_resp r = { 0, 0, &g, 1 };

		fl_wr_reset(&w);
		fl_kp_list_groups_resp_encode(&w, 0, 18, &r);
		CHECK(hex_eq(&w, "00000017 00000012 0000 00000001 0001 67"
		    "0008 636f6e73756d6572"), "ListGroups v0 response");
	}
	{
		struct fl_kp_described_member m = { { (const uint8_t *)"m", 1 }, { NULL, 0 },
		    { (const uint8_t *)"c", 1 }, { (const uint8_t *)"/h", 2 },
		    { NULL, 0 }, { NULL, 0 } };
		struct fl_kp_described_group g = { 0, { (const uint8_t *)"g", 1 },
		    { (const uint8_t *)"Stable", 6 }, { (const uint8_t *)"consumer", 8 },
		    { (const uint8_t *)"range", 5 }, &m, 1, INT32_MIN };
		struct fl_kp_describe_groups_resp r = { 0, &g, 1 };

		fl_wr_reset(&w);
		fl_kp_describe_groups_resp_encode(&w, 4, 19, &r);
		CHECK(hex_eq(&w, "00000046 00000013 00000000 00000001 0000 0001 67"
		    "0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
		    "00000001 0001 6d ffff 0001 63 0002 2f68 00000000 00000000"
		    "80000000"), "DescribeGroups v4 response");
		fl_wr_reset(&w);
		fl_kp_describe_groups_resp_encode(&w, 0, 19, &r);
		CHECK(hex_eq(&w, "0000003c 00000013 00000001 0000 0001 67"
		    "0006 537461626c65 0008 636f6e73756d6572 0005 72616e6765"
		    "00000001 0001 6d 0001 63 0002 2f68 00000000 00000000"),
		    "DescribeGroups v0 response");
	}
	{
		static const struct fl_slice mech[1] = { { (const uint8_t *)"PLAIN", 5 } };
		struct fl_kp_sasl_handshake_resp h = { 0, mech, 1 };
		struct fl_kp_sasl_authenticate_resp a = { 0, { NULL, 0 }, { NULL, 0 }, 0 };

		fl_wr_reset(&w);
		fl_kp_sasl_handshake_resp_encode(&w, 1, 20, &h);
		CHECK(hex_eq(&w, "00000011 00000014 0000 00000001 0005 504c41494e"),
		    "SaslHandshake response");
		fl_wr_reset(&w);
		fl_kp_sasl_authenticate_resp_encode(&w, 1, 21, &a);
		CHECK(hex_eq(&w, "00000014 00000015 0000 ffff 00000000 0000000000000000"),
		    "SaslAuthenticate v1 response");
	}
	{
		struct fl_kp_error_resp r = { 0, 0 };

		fl_wr_reset(&w);
		CHECK_INT(fl_kp_heartbeat_resp_encode(&w, 5, 1, &r), ==, FL_EINVAL,
		    "Heartbeat v5 response refused");
	}
	/* A small fixed buffer: overflow is a clean FL_EFULL. */
	{
		uint8_t small[10];
		struct fl_kp_error_resp r = { 0, 0 };
		struct fl_wr f;

		fl_wr_init_fixed(&f, small, sizeof(small));
		CHECK_INT(fl_kp_heartbeat_resp_encode(&f, 3, 1, &r), ==, FL_EFULL,
		    "encode into a too-small buffer is FL_EFULL");
	}
	fl_wr_free(&w);
}

/* ---- decoders reject unsupported versions and bad arrays ---- */

static void
test_misc(void)
{
	struct fl_arena a;
	struct fl_kp_produce_req pr;
	struct fl_rd r;
	void *p;
	int rc;

	fl_rd_init(&r, "", 0);
	fl_arena_init(&a, 100);
	CHECK_INT(fl_kp_produce_req_decode(&r, 12, &a, &pr), ==, FL_EINVAL,
	    "Produce v12 decode refused");
	/* the name flume-serve still calls forwards to fl_arena_alloc */
	p = fl_arena_alloc(&a, 10, 10, &rc);
	CHECK(p != NULL && rc == 0, "arena: 100 bytes fit");
	p = fl_arena_alloc(&a, 1, 1, &rc);
	CHECK(p == NULL && rc == FL_EFULL, "arena: 101st byte is FL_EFULL");
	fl_arena_free(&a);

	/* Negative string length inside a body. */
	b_begin(FL_KP_DELETE_TOPICS, 1, 6);
	ARR(1); I16(-2); I32(1000);
	CHECK_INT(dec("deletetopics-negative-len"), ==, FL_EPROTO,
	    "negative string length is FL_EPROTO");
	/* Non-nullable string given as null. */
	b_begin(FL_KP_FIND_COORDINATOR, 0, 10);
	NUL16();
	CHECK_INT(dec("findcoordinator-null-key"), ==, FL_EPROTO,
	    "null non-nullable string is FL_EPROTO");
	/* Arena limit: 16 x payload covers the worst element ratio. */
	b_begin(FL_KP_LEAVE_GROUP, 3, 14);
	STR("g"); ARR(200);
	{
		int i;

		for (i = 0; i < 200; i++) {
			I16(0); NUL16();
		}
	}
	CHECK_INT(dec("leavegroup-v3-many"), ==, 0,
	    "200 minimal members fit the arena bound");
	CHECK(Q.arena.bytes <= FL_KP_ARENA_RATIO(0) * (W.len - 4),
	    "arena within 12 x payload");
}

/* ---- the group APIs at Kafka 3.9's newest versions (bytes per the JSON) ---- */

static void
test_group_v39(void)
{
	static const struct fl_slice g = { (const uint8_t *)"g", 1 };
	static const struct fl_slice h = { (const uint8_t *)"h", 1 };
	static const struct fl_slice m = { (const uint8_t *)"m", 1 };
	static const struct fl_slice t = { (const uint8_t *)"t", 1 };
	static const struct fl_slice range = { (const uint8_t *)"range", 5 };
	static const struct fl_slice consumer = { (const uint8_t *)"consumer", 8 };
	static const struct fl_slice md = { (const uint8_t *)"\x01\x02", 2 };
	static const struct fl_slice as = { (const uint8_t *)"\x0a\x0b", 2 };
	static const struct fl_slice nul = { NULL, 0 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);

	/* JoinGroup v8: Reason (null); v9: Reason "r" */
	b_hex("000b 0008 00000007 0001 74 00  02 67 00002710 0000ea60 01 00"
	    "09 636f6e73756d6572 02 06 72616e6765 03 0102 00 00 00");
	CHECK_INT(dec("joingroup-v8"), ==, 0, "JoinGroup v8 decodes");
	CHECK(is_null(Q.u.join_group.reason) && Q.u.join_group.nprotocols == 1,
	    "JoinGroup v8: a null Reason");
	b_hex("000b 0009 00000007 0001 74 00  02 67 00002710 0000ea60 01 02 69"
	    "09 636f6e73756d6572 02 06 72616e6765 03 0102 00 08 72657374617274 00");
	CHECK_INT(dec("joingroup-v9"), ==, 0, "JoinGroup v9 decodes");
	CHECK(eq(Q.u.join_group.reason, "restart") &&
	    eq(Q.u.join_group.group_instance_id, "i") &&
	    eq(Q.u.join_group.protocols[0].name, "range"), "JoinGroup v9 fields");
	{
		struct fl_kp_join_member jm = { m, { NULL, 0 }, md };
		struct fl_kp_join_group_resp r = { 0, 0, 1, range, m, m, &jm, 1, consumer, 1 };

		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 9, 7, &r);
		CHECK(hex_eq(&w, "0000002c 00000007 00 00000000 0000 00000001"
		    "09 636f6e73756d6572 06 72616e6765 02 6d 01 02 6d"
		    "02 026d 00 03 0102 00 00"),
		    "JoinGroup v9 response: ProtocolType, SkipAssignment after Leader");
		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 8, 7, &r);
		CHECK(hex_eq(&w, "0000002b 00000007 00 00000000 0000 00000001"
		    "09 636f6e73756d6572 06 72616e6765 02 6d 02 6d"
		    "02 026d 00 03 0102 00 00"),
		    "JoinGroup v8 response: no SkipAssignment");
		r.protocol_type = nul;
		r.protocol_name = nul;
		r.nmembers = 0;
		fl_wr_reset(&w);
		fl_kp_join_group_resp_encode(&w, 7, 7, &r);
		CHECK(hex_eq(&w, "00000017 00000007 00 00000000 0000 00000001"
		    "00 00 02 6d 02 6d 01 00"),
		    "JoinGroup v7 response: null ProtocolType and ProtocolName");
	}

	/* SyncGroup v5: ProtocolType and ProtocolName before the assignments */
	b_hex("000e 0005 00000007 0001 74 00  02 67 00000001 02 6d 00"
	    "09 636f6e73756d6572 06 72616e6765 02 026d 03 0a0b 00 00");
	CHECK_INT(dec("syncgroup-v5"), ==, 0, "SyncGroup v5 decodes");
	CHECK(eq(Q.u.sync_group.protocol_type, "consumer") &&
	    eq(Q.u.sync_group.protocol_name, "range") &&
	    Q.u.sync_group.nassignments == 1 &&
	    eq(Q.u.sync_group.assignments[0].member_id, "m"), "SyncGroup v5 fields");
	b_hex("000e 0005 00000007 0001 74 00  02 67 00000001 02 6d 00 00 00 01 00");
	CHECK_INT(dec("syncgroup-v5-nulls"), ==, 0, "SyncGroup v5 with nulls decodes");
	CHECK(is_null(Q.u.sync_group.protocol_type) && is_null(Q.u.sync_group.protocol_name),
	    "SyncGroup v5: null ProtocolType and ProtocolName");
	{
		struct fl_kp_sync_group_resp r = { 0, 0, as, consumer, range };

		fl_wr_reset(&w);
		fl_kp_sync_group_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "0000001e 00000007 00 00000000 0000"
		    "09 636f6e73756d6572 06 72616e6765 03 0a0b 00"),
		    "SyncGroup v5 response");
		r.protocol_type = r.protocol_name = nul;
		r.error = FL_KERR_INCONSISTENT_GROUP_PROTOCOL;
		r.assignment = nul;
		fl_wr_reset(&w);
		fl_kp_sync_group_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "0000000f 00000007 00 00000000 0017 00 00 01 00"),
		    "SyncGroup v5 error response: nulls, empty assignment");
	}

	/* LeaveGroup v5: members[].Reason */
	b_hex("000d 0005 00000007 0001 74 00  02 67 03 026d 00 02 72 00 01 02 69 00 00 00");
	CHECK_INT(dec("leavegroup-v5"), ==, 0, "LeaveGroup v5 decodes");
	CHECK(Q.u.leave_group.nmembers == 2 &&
	    eq(Q.u.leave_group.members[0].member_id, "m") &&
	    eq(Q.u.leave_group.members[0].reason, "r") &&
	    eq(Q.u.leave_group.members[1].member_id, "") &&
	    eq(Q.u.leave_group.members[1].group_instance_id, "i") &&
	    is_null(Q.u.leave_group.members[1].reason), "LeaveGroup v5 fields");
	{
		struct fl_kp_leave_member_resp lm = { m, { NULL, 0 }, 0 };
		struct fl_kp_leave_group_resp r = { 0, 0, &lm, 1 };

		fl_wr_reset(&w);
		fl_kp_leave_group_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "00000013 00000007 00 00000000 0000 02 026d 00 0000 00 00"),
		    "LeaveGroup v5 response (as v4)");
	}

	/* ListGroups v4: StatesFilter; v5: TypesFilter; GroupState, GroupType */
	b_hex("0010 0004 00000007 0001 74 00  02 07 537461626c65 00");
	CHECK_INT(dec("listgroups-v4"), ==, 0, "ListGroups v4 decodes");
	CHECK(Q.u.list_groups.nstates_filter == 1 &&
	    eq(Q.u.list_groups.states_filter[0], "Stable") &&
	    Q.u.list_groups.ntypes_filter == 0, "ListGroups v4 fields");
	b_hex("0010 0005 00000007 0001 74 00  01 02 08 636c6173736963 00");
	CHECK_INT(dec("listgroups-v5"), ==, 0, "ListGroups v5 decodes");
	CHECK(Q.u.list_groups.nstates_filter == 0 && Q.u.list_groups.ntypes_filter == 1 &&
	    eq(Q.u.list_groups.types_filter[0], "classic"), "ListGroups v5 fields");
	{
		struct fl_kp_listed_group lg = { g, consumer,
		    { (const uint8_t *)"Stable", 6 }, { (const uint8_t *)"classic", 7 } };
		struct fl_kp_list_groups_resp r = { 0, 0, &lg, 1 };

		fl_wr_reset(&w);
		fl_kp_list_groups_resp_encode(&w, 5, 7, &r);
		CHECK(hex_eq(&w, "00000028 00000007 00 00000000 0000 02 0267"
		    "09 636f6e73756d6572 07 537461626c65 08 636c6173736963 00 00"),
		    "ListGroups v5 response");
		fl_wr_reset(&w);
		fl_kp_list_groups_resp_encode(&w, 4, 7, &r);
		CHECK(hex_eq(&w, "00000020 00000007 00 00000000 0000 02 0267"
		    "09 636f6e73756d6572 07 537461626c65 00 00"),
		    "ListGroups v4 response: no GroupType");
	}

	/* FindCoordinator v4 and v5: CoordinatorKeys; Coordinators[] */
	b_hex("000a 0004 00000007 0001 74 00  00 03 0267 0268 00");
	CHECK_INT(dec("findcoordinator-v4"), ==, 0, "FindCoordinator v4 decodes");
	CHECK(Q.u.find_coordinator.key_type == 0 && is_null(Q.u.find_coordinator.key) &&
	    Q.u.find_coordinator.ncoordinator_keys == 2 &&
	    eq(Q.u.find_coordinator.coordinator_keys[1], "h"), "FindCoordinator v4 fields");
	b_hex("000a 0005 00000007 0001 74 00  01 02 0274 00");
	CHECK_INT(dec("findcoordinator-v5"), ==, 0, "FindCoordinator v5 decodes");
	CHECK(Q.u.find_coordinator.key_type == 1 && Q.u.find_coordinator.ncoordinator_keys == 1,
	    "FindCoordinator v5 fields");
	{
		struct fl_kp_coordinator co[2] = {
			{ g, 1, h, 9092, 0, { NULL, 0 } },
			{ h, -1, { (const uint8_t *)"", 0 }, -1, 15, { (const uint8_t *)"x", 1 } },
		};
		struct fl_kp_find_coordinator_resp r = { 0, 0, { NULL, 0 }, 0, { NULL, 0 }, 0,
		    co, 2 };
		int16_t v;

		for (v = 4; v <= 5; v++) {
			fl_wr_reset(&w);
			fl_kp_find_coordinator_resp_encode(&w, v, 7, &r);
			CHECK(hex_eq(&w, "0000002b 00000007 00 00000000 03"
			    "0267 00000001 0268 00002384 0000 00 00"
			    "0268 ffffffff 01 ffffffff 000f 0278 00 00"),
			    v == 4 ? "FindCoordinator v4 response" : "FindCoordinator v5 response");
		}
	}

	/* OffsetFetch v8: Groups[]; v9 adds MemberId, MemberEpoch (dropped) */
	b_hex("0009 0008 00000007 0001 74 00  02 0267 02 0274 02 00000000 00 00 00 00");
	CHECK_INT(dec("offsetfetch-v8"), ==, 0, "OffsetFetch v8 decodes");
	CHECK(Q.u.offset_fetch.ngroups == 1 && eq(Q.u.offset_fetch.groups[0].group_id, "g") &&
	    !Q.u.offset_fetch.groups[0].is_all_topics &&
	    Q.u.offset_fetch.groups[0].ntopics == 1 &&
	    eq(Q.u.offset_fetch.groups[0].topics[0].name, "t") &&
	    Q.u.offset_fetch.groups[0].topics[0].nparts == 1 &&
	    is_null(Q.u.offset_fetch.group_id) && Q.u.offset_fetch.ntopics == 0,
	    "OffsetFetch v8 fields");
	b_hex("0009 0009 00000007 0001 74 00  03 0267 026d ffffffff 00 00"
	    "0268 00 00000005 01 00 01 00");
	CHECK_INT(dec("offsetfetch-v9"), ==, 0, "OffsetFetch v9 decodes");
	CHECK(Q.u.offset_fetch.ngroups == 2 && Q.u.offset_fetch.groups[0].is_all_topics &&
	    !Q.u.offset_fetch.groups[1].is_all_topics &&
	    Q.u.offset_fetch.groups[1].ntopics == 0 &&
	    eq(Q.u.offset_fetch.groups[1].group_id, "h") && Q.u.offset_fetch.require_stable,
	    "OffsetFetch v9 fields: null Topics is all, member ignored");
	{
		struct fl_kp_offset_fetch_part_resp p = { 0, 5, -1, { (const uint8_t *)"", 0 }, 0 };
		struct fl_kp_offset_fetch_topic_resp tr = { t, &p, 1 };
		struct fl_kp_offset_fetch_group_resp gr[2] = { { g, &tr, 1, 0 },
		    { h, NULL, 0, FL_KERR_GROUP_AUTHORIZATION_FAILED } };
		struct fl_kp_offset_fetch_resp r = { 0, NULL, 0, 0, gr, 2 };
		int16_t v;

		for (v = 8; v <= 9; v++) {
			fl_wr_reset(&w);
			fl_kp_offset_fetch_resp_encode(&w, v, 7, &r);
			CHECK(hex_eq(&w, "0000002f 00000007 00 00000000 03"
			    "0267 02 0274 02 00000000 0000000000000005 ffffffff 01 0000 00 00"
			    "0000 00  0268 01 001e 00  00"),
			    v == 8 ? "OffsetFetch v8 response" : "OffsetFetch v9 response");
		}
	}

	/* OffsetCommit v9: the same fields as v8 */
	b_hex("0008 0009 00000007 0001 74 00  02 67 00000001 02 6d 00"
	    "02 02 74 02 00000000 0000000000000005 ffffffff 01 00 00 00");
	CHECK_INT(dec("offsetcommit-v9"), ==, 0, "OffsetCommit v9 decodes");
	CHECK(eq(Q.u.offset_commit.group_id, "g") && Q.u.offset_commit.generation_id == 1 &&
	    eq(Q.u.offset_commit.member_id, "m") && Q.u.offset_commit.ntopics == 1 &&
	    Q.u.offset_commit.topics[0].parts[0].committed_offset == 5 &&
	    eq(Q.u.offset_commit.topics[0].parts[0].metadata, ""), "OffsetCommit v9 fields");
	{
		struct fl_kp_part_error pe = { 0, 0 };
		struct fl_kp_offset_commit_topic_resp tr = { t, &pe, 1 };
		struct fl_kp_offset_commit_resp r = { 0, &tr, 1 };

		fl_wr_reset(&w);
		fl_kp_offset_commit_resp_encode(&w, 9, 7, &r);
		CHECK(hex_eq(&w, "00000016 00000007 00 00000000 02 0274 02 00000000 0000 00 00 00"),
		    "OffsetCommit v9 response");
	}
	(void)md;
	fl_wr_free(&w);
}

/* ---- mutation fuzz over every seed ---- */

static void
test_mutations(long iterations)
{
	uint8_t *buf = malloc(4096);
	long i, ok = 0, escaped = 0;
	struct fl_rng r;

	fl_rng_seed(&r, 0x9e3779b97f4a7c15ULL);	/* fixed: a failure replays */
	for (i = 0; i < iterations; i++) {
		const struct seed *s = &seeds[fl_rng_below(&r, nseeds)];
		size_t n = s->len - 4, k, nmut;
		struct fl_kp_req q;
		unsigned features = (unsigned)fl_rng_below(&r, 4);
		uint8_t *b;
		int rc;

		if (n > 4000)
			continue;
		memcpy(buf, s->p + 4, n);
		nmut = 1 + (size_t)fl_rng_below(&r, 4);
		for (k = 0; k < nmut && n > 0; k++) {
			size_t at = (size_t)fl_rng_below(&r, n);

			switch (fl_rng_below(&r, 6)) {
			case 0: buf[at] ^= (uint8_t)(1u << fl_rng_below(&r, 8)); break;
			case 1: buf[at] = (uint8_t)fl_rng_next(&r); break;
			case 2: buf[at] = 0xff; break;
			case 3: buf[at] = 0x00; break;
			case 4: n = at; break;			/* truncate */
			case 5: if (n < 4000) buf[n++] = (uint8_t)fl_rng_next(&r); break;
			}
		}
		b = malloc(n > 0 ? n : 1);
		memcpy(b, buf, n);
		rc = fl_kp_req_decode(&q, b, n, features);
		if (rc == 0) {
			ok++;
			if (walk_req(&q, b, n, NULL) != 0)
				escaped++;
			/* the ratio kproto.h promises */
			if (q.arena.bytes > FL_KP_ARENA_RATIO(fl_kp_is_flexible(
			    q.hdr.api_key, q.hdr.api_version)) * n)
				escaped++;
		}
		fl_kp_req_free(&q);
		free(b);
	}
	free(buf);
	printf("# mutations: %ld iterations, %ld decoded\n", iterations, ok);
	CHECK_INT(escaped, ==, 0,
	    "mutations: no slice escapes its payload, arena within 12 (16) x payload");
	CHECK(ok > 0, "mutations: some mutants still decode");
}

static int
write_corpus(const char *dir)
{
	char path[512];
	size_t i;

	for (i = 0; i < nseeds; i++) {
		FILE *f;
		int n = snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "%s: path too long\n", dir);
			return 1;
		}
		f = fopen(path, "wb");
		if (f == NULL || fwrite(seeds[i].p, 1, seeds[i].len, f) != seeds[i].len) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	/* librdkafka's connection preamble as one stream of three frames. */
	{
		static const char *const parts[] = { "apiversions-v3-probe",
		    "apiversions-v0", "metadata-v4-empty" };
		FILE *f;
		size_t k;
		int n = snprintf(path, sizeof(path), "%s/stream-rdkafka-preamble", dir);

		if (n < 0 || (size_t)n >= sizeof(path) || (f = fopen(path, "wb")) == NULL)
			return 1;
		for (k = 0; k < FL_ARRAY_LEN(parts); k++)
			for (i = 0; i < nseeds; i++)
				if (strcmp(seeds[i].name, parts[k]) == 0)
					fwrite(seeds[i].p, 1, seeds[i].len, f);
		if (fclose(f) != 0)
			return 1;
	}
	fprintf(stderr, "wrote %zu seeds to %s\n", nseeds + 1, dir);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;
	int rc;

	fl_wr_init(&W, 1 << 20);
	test_frame();
	test_classify();
	test_apiversions();
	test_metadata();
	test_metadata_resp();
	test_produce();
	test_produce_resp();
	test_fetch();
	test_fetch_resp();
	test_list_offsets();
	test_old_versions();
	test_flexible();
	test_admin();
	test_flex_core();
	test_group_requests();
	test_group_responses();
	test_group_v39();
	test_misc();
	test_mutations(200000);

	rc = tap_done();
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0 &&
	    write_corpus(argv[2]) != 0)
		rc = 1;
	fl_kp_req_free(&Q);
	free(qbuf);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].p);
	fl_wr_free(&W);
	return rc;
}
