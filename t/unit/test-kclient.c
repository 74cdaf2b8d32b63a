/*
 * test-kclient: client codec round trips against hand-made bytes laid out
 * from shared/kafka-subset.md, truncations rejected, negotiation.
 *
 * Byte specs are hex with optional spaces and "quoted ASCII", so a
 * string field reads as  00 02 "t0"  like the tables in the spec.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/batch.h"
#include "codec/kclient.h"
#include "codec/kproto.h"
#include "tap.h"

static uint8_t *
unhex(const char *s, size_t *n)
{
	uint8_t *out = malloc(strlen(s) + 1);
	size_t k = 0;

	FL_ASSERT(out != NULL);
	while (*s != '\0') {
		if (*s == ' ' || *s == '|') {
			s++;
		} else if (*s == '"') {
			for (s++; *s != '"'; s++) {
				FL_ASSERT(*s != '\0');
				out[k++] = (uint8_t)*s;
			}
			s++;
		} else {
			unsigned v;

			FL_ASSERT(s[1] != '\0');
			FL_ASSERT(sscanf(s, "%2x", &v) == 1);
			out[k++] = (uint8_t)v;
			s += 2;
		}
	}
	*n = k;
	return out;
}

/* Compare a writer's content against a byte spec. */
static void
check_bytes(const struct fl_wr *w, const char *spec, const char *what)
{
	size_t n;
	uint8_t *want = unhex(spec, &n);

	if (!tap_ok(w->err == 0 && w->len == n && memcmp(w->p, want, n) == 0,
	    __FILE__, __LINE__, what)) {
		size_t i;

		printf("#   err %d, got %zu bytes:", w->err, w->len);
		for (i = 0; i < w->len; i++)
			printf(" %02x", w->p[i]);
		printf("\n#   want %zu bytes\n", n);
	}
	free(want);
}

typedef int (*decode_fn)(const uint8_t *p, size_t n, struct fl_arena *a);

/*
 * Every strict prefix of a valid payload must fail, and so must the payload
 * with one byte too many; the arena is freed each time (ASan checks leaks).
 */
static void
check_truncations(decode_fn dec, const uint8_t *p, size_t n, const char *what)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	uint8_t *longer = malloc(n + 1);
	size_t k, bad = 0;
	char msg[160];

	FL_ASSERT(longer != NULL);
	for (k = 0; k < n; k++) {
		/* a copy of exactly k bytes, so ASan sees any read past the end */
		uint8_t *cut = malloc(k ? k : 1);

		FL_ASSERT(cut != NULL);
		memcpy(cut, p, k);
		if (dec(cut, k, &a) >= 0)
			bad++;
		fl_arena_free(&a);
		free(cut);
	}
	snprintf(msg, sizeof(msg), "%s: all %zu truncations rejected", what, n);
	CHECK_INT(bad, ==, 0, msg);
	memcpy(longer, p, n);
	longer[n] = 0;
	snprintf(msg, sizeof(msg), "%s: trailing byte rejected", what);
	CHECK_INT(dec(longer, n + 1, &a), ==, FL_EPROTO, msg);
	fl_arena_free(&a);
	free(longer);
}

static struct fl_kc_hdr
hdr(int16_t version, int32_t corr)
{
	struct fl_kc_hdr h = { version, corr, "fc" };

	return h;
}

static int
slice_eq(struct fl_slice s, const char *c)
{
	return s.p != NULL && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

/* ---- ApiVersions ---- */

static int
dec_apiv2(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_api_versions_resp r;

	return fl_kc_api_versions_resp_decode(p, n, 2, a, &r);
}

static void
test_api_versions(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(2, 7);
	struct fl_kc_api_versions_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_vers vers;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_api_versions_req_encode(&w, &h), ==, 0, "ApiVersions v2 encodes");
	check_bytes(&w, "0000000c 0012 0002 00000007 0002\"fc\"", "ApiVersions v2 request bytes");
	h.version = 3;
	fl_wr_reset(&w);
	CHECK_INT(fl_kc_api_versions_req_encode(&w, &h), ==, FL_EINVAL,
	    "ApiVersions v3 is outside the client table");

	/* §3: the broker's answer to a too-new ApiVersions, as a v0 body */
	p = unhex("00000001 0023 00000001 0012 0000 0002", &n);
	CHECK_INT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r), ==, 0,
	    "UNSUPPORTED_VERSION answer decodes as v0 even when v2 was asked");
	CHECK_INT(r.error, ==, 35, "error 35");
	CHECK(r.napis == 1 && r.apis[0].key == 18 && r.apis[0].min == 0 &&
	    r.apis[0].max == 2, "lists ApiVersions 0-2");
	fl_kc_negotiate(&r, &vers);
	CHECK_INT(vers.v[FL_KC_API_VERSIONS], ==, 2, "retry ApiVersions at v2");
	CHECK_INT(vers.v[FL_KC_PRODUCE], ==, -1, "Produce unknown before the full list");
	fl_arena_free(&a);
	free(p);

	/* a full v2 answer: advertised ranges vs the client's */
	p = unhex("00000002 0000 00000007"
	    "0000 0003 0007"	/* Produce 3-7 -> 7 */
	    "0001 0004 000c"	/* Fetch 4-12 -> 11 (client max) */
	    "0003 0000 0008"	/* Metadata 0-8 -> 6 */
	    "000b 0006 0009"	/* JoinGroup 6-9: no overlap with 0-5 */
	    "0016 0000 0001"	/* InitProducerId 0-1 -> 1 */
	    "0012 0000 0002"	/* ApiVersions */
	    "00ff 0000 0005"	/* unknown key: ignored */
	    "00000000", &n);
	CHECK_INT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r), ==, 0, "full v2 answer decodes");
	fl_kc_negotiate(&r, &vers);
	CHECK_INT(vers.v[FL_KC_PRODUCE], ==, 7, "Produce -> 7");
	CHECK_INT(vers.v[FL_KC_FETCH], ==, 11, "Fetch -> 11 (client max)");
	CHECK_INT(vers.v[FL_KC_METADATA], ==, 6, "Metadata -> 6");
	CHECK_INT(vers.v[FL_KC_JOIN_GROUP], ==, -1, "JoinGroup ranges do not meet -> -1");
	CHECK_INT(vers.v[FL_KC_INIT_PRODUCER_ID], ==, 1, "InitProducerId -> 1");
	CHECK_INT(vers.v[FL_KC_LIST_OFFSETS], ==, -1, "ListOffsets not listed -> -1");
	fl_arena_free(&a);
	check_truncations(dec_apiv2, p, n, "ApiVersions v2 response");
	free(p);

	/* a count that cannot fit the bytes left */
	p = unhex("00000002 0000 7fffffff 0000 0003 0007", &n);
	CHECK_INT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r), ==, FL_EPROTO,
	    "impossible array count rejected before allocating");
	CHECK_INT(a.bytes, ==, 0, "nothing allocated");
	fl_arena_free(&a);
	free(p);
	fl_wr_free(&w);
}

/* ---- Metadata ---- */

static const char md_v6[] =
    "00000005 00000000"			/* corr, throttle */
    "00000001 00000001 0009\"127.0.0.1\" 00002384 ffff"	/* broker 1 */
    "ffff 00000001"			/* cluster id null, controller 1 */
    "00000002"
    "0000 0002\"t0\" 00 00000002"	/* topic t0, 2 partitions */
    "0000 00000000 00000001 00000001 00000001 00000001 00000001 00000000"
    "0000 00000001 00000001 00000001 00000001 00000001 00000001 00000000"
    "0003 0002\"zz\" 00 00000000";	/* unknown topic */

static int
dec_md6(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_metadata_resp r;

	return fl_kc_metadata_resp_decode(p, n, 6, a, &r);
}

static void
test_metadata(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(4, 1);
	const char *topics[] = { "t0" };
	struct fl_kc_metadata_req req = { topics, 1, 1 };
	struct fl_kc_metadata_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_metadata_req_encode(&w, &h, &req), ==, 0, "Metadata v4 encodes");
	check_bytes(&w, "00000015 0003 0004 00000001 0002\"fc\" 00000001 0002\"t0\" 01",
	    "Metadata v4 [t0] allow=true bytes");
	fl_wr_reset(&w);
	h.version = 1;
	req.topics = NULL;
	CHECK_INT(fl_kc_metadata_req_encode(&w, &h, &req), ==, 0, "Metadata v1 encodes");
	check_bytes(&w, "00000010 0003 0001 00000001 0002\"fc\" ffffffff",
	    "Metadata v1 all topics: null array, no allow flag");
	fl_wr_reset(&w);
	h.version = 0;
	CHECK_INT(fl_kc_metadata_req_encode(&w, &h, &req), ==, FL_EINVAL,
	    "Metadata v0 refused (empty list would mean all)");

	p = unhex(md_v6, &n);
	CHECK_INT(fl_kc_metadata_resp_decode(p, n, 6, &a, &r), ==, 0, "Metadata v6 response decodes");
	CHECK(r.nbrokers == 1 && r.brokers[0].node_id == 1 &&
	    slice_eq(r.brokers[0].host, "127.0.0.1") && r.brokers[0].port == 9092 &&
	    r.brokers[0].rack.p == NULL, "broker 1 at 127.0.0.1:9092, no rack");
	CHECK(r.cluster_id.p == NULL && r.controller_id == 1, "null cluster id, controller 1");
	CHECK(r.ntopics == 2 && slice_eq(r.topics[0].name, "t0") &&
	    r.topics[0].nparts == 2 && r.topics[0].parts[1].index == 1 &&
	    r.topics[0].parts[1].leader == 1 && r.topics[0].parts[1].nisr == 1 &&
	    r.topics[0].parts[1].noffline == 0, "t0 has partitions 0 and 1 led by 1");
	CHECK(r.topics[1].error == 3 && r.topics[1].nparts == 0, "zz: error 3, no partitions");
	fl_arena_free(&a);
	check_truncations(dec_md6, p, n, "Metadata v6 response");
	CHECK_INT(fl_kc_metadata_resp_decode(p, n, 4, &a, &r), <, 0,
	    "v6 bytes do not parse as v4 (offline replicas missing)");
	fl_arena_free(&a);
	free(p);
	fl_wr_free(&w);
}

/* ---- Produce ---- */

static const char produce_v7_resp[] =
    "00000009 00000001 0002\"t0\" 00000001"
    "00000001 0000 000000000000002a ffffffffffffffff 0000000000000000"
    "00000000";

static int
dec_prod7(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_produce_resp r;

	return fl_kc_produce_resp_decode(p, n, 7, a, &r);
}

static void
test_produce(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(7, 9);
	const uint8_t rec[] = { 0xaa, 0xbb, 0xcc };
	struct fl_kc_produce_part part = { 1, { rec, sizeof(rec) } };
	struct fl_kc_produce_topic topic = { "t0", &part, 1 };
	struct fl_kc_produce_req req = { NULL, -1, 30000, &topic, 1 };
	struct fl_kc_produce_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_produce_req_encode(&w, &h, &req), ==, 0, "Produce v7 encodes");
	check_bytes(&w, "0000002b 0000 0007 00000009 0002\"fc\""
	    "ffff ffff 00007530 00000001 0002\"t0\" 00000001 00000001 00000003 aabbcc",
	    "Produce v7 bytes: null txn id, acks -1, timeout 30000, one partition");
	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_produce_req_encode(&w, &h, &req), ==, FL_EINVAL, "Produce v2 refused");

	p = unhex(produce_v7_resp, &n);
	CHECK_INT(fl_kc_produce_resp_decode(p, n, 7, &a, &r), ==, 0, "Produce v7 response decodes");
	CHECK(r.ntopics == 1 && slice_eq(r.topics[0].name, "t0") && r.topics[0].nparts == 1 &&
	    r.topics[0].parts[0].index == 1 && r.topics[0].parts[0].error == 0 &&
	    r.topics[0].parts[0].base_offset == 42 &&
	    r.topics[0].parts[0].log_append_time_ms == -1 &&
	    r.topics[0].parts[0].log_start_offset == 0, "t0/1 at base offset 42");
	CHECK_INT(r.throttle_ms, ==, 0, "throttle is the last field");
	fl_arena_free(&a);
	check_truncations(dec_prod7, p, n, "Produce v7 response");
	free(p);
	fl_wr_free(&w);
}

/* ---- Fetch ---- */

static int
dec_fetch11(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_fetch_resp r;

	return fl_kc_fetch_resp_decode(p, n, 11, a, &r);
}

static void
test_fetch(void)
{
	struct fl_wr w, resp;
	struct fl_kc_hdr h = hdr(11, 3);
	struct fl_kc_fetch_part part = { 0, 5, 1048576, 0, 0 };
	struct fl_kc_fetch_topic topic = { "t0", &part, 1 };
	struct fl_kc_fetch_req req = { 500, 1, 52428800, 1, &topic, 1, 0, 0 };
	struct fl_kc_fetch_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_batch_builder b;
	struct fl_slice v = { (const uint8_t *)"hello", 5 }, batch;
	struct fl_rd recs;
	size_t batch_len, start;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_fetch_req_encode(&w, &h, &req), ==, 0, "Fetch v11 encodes");
	check_bytes(&w, "00000053 0001 000b 00000003 0002\"fc\""
	    "ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff"
	    "00000001 0002\"t0\" 00000001"
	    "00000000 ffffffff 0000000000000005 ffffffffffffffff 00100000"
	    "00000000 0000",
	    "Fetch v11 bytes (§2.5 observed values)");
	fl_wr_reset(&w);
	h.version = 4;
	CHECK_INT(fl_kc_fetch_req_encode(&w, &h, &req), ==, 0, "Fetch v4 encodes");
	check_bytes(&w, "00000039 0001 0004 00000003 0002\"fc\""
	    "ffffffff 000001f4 00000001 03200000 01"
	    "00000001 0002\"t0\" 00000001 00000000 0000000000000005 00100000",
	    "Fetch v4 bytes: no session, epoch, log start or rack");

	/* a v11 response carrying two real batches and a cut-off third */
	fl_wr_init(&resp, 1 << 20);
	fl_wr_i32(&resp, 3);			/* corr */
	fl_wr_i32(&resp, 0);			/* throttle */
	fl_wr_i16(&resp, 0);
	fl_wr_i32(&resp, 0);			/* session */
	fl_wr_i32(&resp, 1);
	fl_wr_cstr(&resp, "t0");
	fl_wr_i32(&resp, 1);
	fl_wr_i32(&resp, 0);			/* partition */
	fl_wr_i16(&resp, 0);
	fl_wr_i64(&resp, 2);			/* HWM */
	fl_wr_i64(&resp, 2);			/* LSO */
	fl_wr_i64(&resp, 0);			/* log start */
	fl_wr_i32(&resp, -1);			/* aborted: null */
	fl_wr_i32(&resp, -1);			/* preferred replica */
	start = resp.len;
	fl_wr_i32(&resp, 0);			/* records length, patched */
	fl_batch_begin(&b, &resp, 1000, -1, -1, -1, 0);
	fl_batch_add(&b, 1000, NULL, &v, NULL, 0);
	fl_batch_end(&b);
	batch_len = resp.len - start - 4;
	fl_batch_begin(&b, &resp, 1001, -1, -1, -1, 0);
	fl_batch_add(&b, 1001, &v, &v, NULL, 0);
	fl_batch_end(&b);
	fl_wr_raw(&resp, resp.p + start + 4, 20);	/* partial third batch */
	fl_wr_patch_i32(&resp, start, (int32_t)(resp.len - start - 4));
	CHECK_INT(resp.err, ==, 0, "response built");

	CHECK_INT(fl_kc_fetch_resp_decode(resp.p, resp.len, 11, &a, &r), ==, 0,
	    "Fetch v11 response decodes");
	CHECK(r.ntopics == 1 && r.topics[0].nparts == 1 &&
	    r.topics[0].parts[0].high_watermark == 2 &&
	    r.topics[0].parts[0].last_stable_offset == 2 &&
	    r.topics[0].parts[0].naborted == 0 &&
	    r.topics[0].parts[0].preferred_read_replica == -1, "HWM = LSO = 2, null aborted list");
	fl_rd_init(&recs, r.topics[0].parts[0].records.p, r.topics[0].parts[0].records.len);
	CHECK_INT(fl_kc_records_next(&recs, &batch), ==, 1, "first batch");
	CHECK(batch.len == batch_len &&
	    fl_batch_check(batch.p, batch.len, FL_BATCH_CHECK_RECORDS, NULL, NULL) == 0,
	    "first batch whole and valid");
	CHECK_INT(fl_kc_records_next(&recs, &batch), ==, 1, "second batch");
	CHECK_INT(fl_kc_records_next(&recs, &batch), ==, 0, "partial trailing batch ends the walk");
	fl_arena_free(&a);
	check_truncations(dec_fetch11, resp.p, resp.len, "Fetch v11 response");

	/* a BatchLength too small to hold a header is corruption, not the end */
	{
		uint8_t bad[16] = { 0 };

		fl_store_be32(bad + 8, 10);
		fl_rd_init(&recs, bad, sizeof(bad));
		CHECK_INT(fl_kc_records_next(&recs, &batch), ==, FL_ECORRUPT,
		    "BatchLength 10 is corrupt");
	}
	fl_wr_free(&resp);
	fl_wr_free(&w);
}

/* ---- Fetch as a follower replica ---- */

static void
test_fetch_replica(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(11, 3);
	struct fl_kc_fetch_part part = { 0, 5, 1048576, 7, 3 };
	struct fl_kc_fetch_topic topic = { "t0", &part, 1 };
	struct fl_kc_fetch_req req = { 500, 1, 52428800, 0, &topic, 1, 1, 2 };
	struct fl_kp_req q;
	int16_t v;
	int ok = 1;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_fetch_req_encode(&w, &h, &req), ==, 0, "Fetch v11 as replica 2 encodes");
	check_bytes(&w, "00000053 0001 000b 00000003 0002\"fc\""
	    "00000002 000001f4 00000001 03200000 00 00000000 ffffffff"
	    "00000001 0002\"t0\" 00000001"
	    "00000000 00000007 0000000000000005 0000000000000003 00100000"
	    "00000000 0000",
	    "Fetch v11 as a replica: ReplicaId, CurrentLeaderEpoch, LogStartOffset");
	fl_wr_reset(&w);
	h.version = 8;
	CHECK_INT(fl_kc_fetch_req_encode(&w, &h, &req), ==, 0, "Fetch v8 as replica 2 encodes");
	check_bytes(&w, "0000004d 0001 0008 00000003 0002\"fc\""
	    "00000002 000001f4 00000001 03200000 00 00000000 ffffffff"
	    "00000001 0002\"t0\" 00000001"
	    "00000000 0000000000000005 0000000000000003 00100000"
	    "00000000",
	    "Fetch v8 as a replica: no CurrentLeaderEpoch before v9");
	fl_wr_reset(&w);
	req.is_replica = 0;
	h.version = 11;
	CHECK_INT(fl_kc_fetch_req_encode(&w, &h, &req), ==, 0, "the same request as a consumer");
	check_bytes(&w, "00000053 0001 000b 00000003 0002\"fc\""
	    "ffffffff 000001f4 00000001 03200000 00 00000000 ffffffff"
	    "00000001 0002\"t0\" 00000001"
	    "00000000 ffffffff 0000000000000005 ffffffffffffffff 00100000"
	    "00000000 0000",
	    "is_replica 0: ReplicaId, epoch and log start are -1 whatever the fields hold");

	/* the broker's codec reads back what the client's wrote, v4..v11 */
	req.is_replica = 1;
	for (v = 4; v <= 11; v++) {
		h.version = v;
		fl_wr_reset(&w);
		if (fl_kc_fetch_req_encode(&w, &h, &req) != 0 ||
		    fl_kp_req_decode(&q, w.p + 4, w.len - 4, FL_KP_FEAT_ALL) != 0) {
			ok = 0;
			continue;
		}
		ok &= q.hdr.kind == FL_KP_REQ_OK && q.u.fetch.replica_id == 2 &&
		    q.u.fetch.ntopics == 1 && q.u.fetch.topics[0].nparts == 1 &&
		    q.u.fetch.topics[0].parts[0].fetch_offset == 5 &&
		    q.u.fetch.topics[0].parts[0].current_leader_epoch == (v >= 9 ? 7 : -1) &&
		    q.u.fetch.topics[0].parts[0].log_start_offset == (v >= 5 ? 3 : -1);
		fl_kp_req_free(&q);
	}
	CHECK(ok, "kproto decodes the replica fetch at v4..v11 (epoch v9+, log start v5+)");
	fl_wr_free(&w);
}

/* ---- OffsetForLeaderEpoch ---- */

static int
dec_ofle0(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_ofle_resp r;

	return fl_kc_ofle_resp_decode(p, n, 0, a, &r);
}

static int
dec_ofle3(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_ofle_resp r;

	return fl_kc_ofle_resp_decode(p, n, 3, a, &r);
}

static void
test_ofle(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(3, 9);
	struct fl_kc_ofle_part parts[2] = { { 0, 5, 4 }, { 1, 5, 2 } };
	struct fl_kc_ofle_topic topic = { "t0", parts, 1 };
	struct fl_kc_ofle_req req = { 1, &topic, 1 };
	struct fl_kc_ofle_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kp_req q;
	uint8_t *p;
	size_t n;
	int16_t v;
	int ok = 1;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_ofle_req_encode(&w, &h, &req), ==, 0, "OffsetForLeaderEpoch v3 encodes");
	check_bytes(&w, "00000028 0017 0003 00000009 0002\"fc\""
	    "00000001 00000001 0002\"t0\" 00000001 00000000 00000005 00000004",
	    "OffsetForLeaderEpoch v3 bytes: ReplicaId, CurrentLeaderEpoch, LeaderEpoch");
	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_ofle_req_encode(&w, &h, &req), ==, 0, "v2 encodes");
	check_bytes(&w, "00000024 0017 0002 00000009 0002\"fc\""
	    "00000001 0002\"t0\" 00000001 00000000 00000005 00000004",
	    "OffsetForLeaderEpoch v2 bytes: no ReplicaId before v3");
	fl_wr_reset(&w);
	h.version = 0;
	topic.nparts = 2;
	CHECK_INT(fl_kc_ofle_req_encode(&w, &h, &req), ==, 0, "v0 encodes");
	check_bytes(&w, "00000028 0017 0000 00000009 0002\"fc\""
	    "00000001 0002\"t0\" 00000002 00000000 00000004 00000001 00000002",
	    "OffsetForLeaderEpoch v0 bytes: partition and leader epoch only");
	fl_wr_reset(&w);
	h.version = 4;
	CHECK_INT(fl_kc_ofle_req_encode(&w, &h, &req), ==, FL_EINVAL,
	    "OffsetForLeaderEpoch v4 (flexible) is refused");
	CHECK(fl_kc_api_min(FL_KC_OFFSET_FOR_LEADER_EPOCH) == 0 &&
	    fl_kc_api_max(FL_KC_OFFSET_FOR_LEADER_EPOCH) == 3 &&
	    strcmp(fl_kc_api_name(FL_KC_OFFSET_FOR_LEADER_EPOCH), "OffsetForLeaderEpoch") == 0,
	    "OffsetForLeaderEpoch is in the client's table, v0-3");

	/* the broker's codec reads back what the client's wrote, v0..v3 */
	for (v = 0; v <= 3; v++) {
		h.version = v;
		fl_wr_reset(&w);
		if (fl_kc_ofle_req_encode(&w, &h, &req) != 0 ||
		    fl_kp_req_decode(&q, w.p + 4, w.len - 4, FL_KP_FEAT_ALL) != 0) {
			ok = 0;
			continue;
		}
		ok &= q.hdr.kind == FL_KP_REQ_OK && q.u.ofle.replica_id == (v >= 3 ? 1 : -1) &&
		    q.u.ofle.ntopics == 1 && q.u.ofle.topics[0].nparts == 2 &&
		    q.u.ofle.topics[0].parts[1].partition == 1 &&
		    q.u.ofle.topics[0].parts[1].leader_epoch == 2 &&
		    q.u.ofle.topics[0].parts[1].current_leader_epoch == (v >= 2 ? 5 : -1);
		fl_kp_req_free(&q);
	}
	CHECK(ok, "kproto decodes the client's OffsetForLeaderEpoch at v0..v3");

	/* v3: throttle, then per partition error, index, epoch, end offset */
	p = unhex("00000009 0000000a 00000001 0002\"t0\" 00000002"
	    "0000 00000000 00000004 000000000000002a"
	    "004a 00000001 ffffffff ffffffffffffffff", &n);
	CHECK_INT(fl_kc_ofle_resp_decode(p, n, 3, &a, &r), ==, 0,
	    "OffsetForLeaderEpoch v3 response decodes");
	CHECK(r.throttle_ms == 10 && r.ntopics == 1 && slice_eq(r.topics[0].name, "t0") &&
	    r.topics[0].nparts == 2, "v3: throttle and one topic of two partitions");
	CHECK(r.topics[0].parts[0].error == 0 && r.topics[0].parts[0].index == 0 &&
	    r.topics[0].parts[0].leader_epoch == 4 && r.topics[0].parts[0].end_offset == 42,
	    "v3: epoch 4 ends at offset 42");
	CHECK(r.topics[0].parts[1].error == FL_KERR_FENCED_LEADER_EPOCH &&
	    r.topics[0].parts[1].index == 1 && r.topics[0].parts[1].leader_epoch == -1 &&
	    r.topics[0].parts[1].end_offset == -1, "v3: FENCED_LEADER_EPOCH with -1, -1");
	fl_arena_free(&a);
	CHECK_INT(fl_kc_ofle_resp_decode(p, n, 4, &a, &r), ==, FL_EINVAL,
	    "a v4 response is refused");
	check_truncations(dec_ofle3, p, n, "OffsetForLeaderEpoch v3 response");
	free(p);

	/* v1: no throttle; v0: no throttle, no epoch */
	p = unhex("00000009 00000001 0002\"t0\" 00000001 0000 00000003 00000002 0000000000000007", &n);
	CHECK(fl_kc_ofle_resp_decode(p, n, 1, &a, &r) == 0 && r.throttle_ms == 0 &&
	    r.topics[0].parts[0].index == 3 && r.topics[0].parts[0].leader_epoch == 2 &&
	    r.topics[0].parts[0].end_offset == 7, "v1 response: epoch, no throttle");
	fl_arena_free(&a);
	free(p);
	p = unhex("00000009 00000001 0002\"t0\" 00000001 0003 00000000 0000000000000007", &n);
	CHECK(fl_kc_ofle_resp_decode(p, n, 0, &a, &r) == 0 &&
	    r.topics[0].parts[0].error == 3 && r.topics[0].parts[0].leader_epoch == -1 &&
	    r.topics[0].parts[0].end_offset == 7, "v0 response: no epoch (reads -1)");
	fl_arena_free(&a);
	check_truncations(dec_ofle0, p, n, "OffsetForLeaderEpoch v0 response");
	free(p);

	/* what the broker's codec encodes, the client's decodes, v0..v3 */
	ok = 1;
	for (v = 0; v <= 3; v++) {
		struct fl_kp_ofle_part_resp kpp[2] = { { 0, 0, 4, 42 }, { 75, 1, -1, -1 } };
		struct fl_kp_ofle_topic_resp kpt = { fl_kp_str("t0"), kpp, 2 };
		struct fl_kp_ofle_resp kpr = { 10, &kpt, 1 };

		fl_wr_reset(&w);
		if (fl_kp_ofle_resp_encode(&w, v, 77, &kpr) != 0 ||
		    fl_kc_ofle_resp_decode(w.p + 4, w.len - 4, v, &a, &r) != 0) {
			ok = 0;
			continue;
		}
		ok &= r.throttle_ms == (v >= 2 ? 10 : 0) && r.ntopics == 1 &&
		    r.topics[0].nparts == 2 && r.topics[0].parts[0].end_offset == 42 &&
		    r.topics[0].parts[0].leader_epoch == (v >= 1 ? 4 : -1) &&
		    r.topics[0].parts[1].error == FL_KERR_UNKNOWN_LEADER_EPOCH;
		fl_arena_free(&a);
	}
	CHECK(ok, "kclient decodes kproto's OffsetForLeaderEpoch responses, v0..v3");
	fl_wr_free(&w);
}

/* ---- ListOffsets, InitProducerId ---- */

static int
dec_lo2(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_list_offsets_resp r;

	return fl_kc_list_offsets_resp_decode(p, n, 2, a, &r);
}

static int
dec_pid1(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_init_pid_resp r;

	return fl_kc_init_pid_resp_decode(p, n, 1, &r);
}

static void
test_list_offsets_pid(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(2, 4);
	struct fl_kc_list_offsets_part part = { 1, FL_KC_TS_EARLIEST };
	struct fl_kc_list_offsets_topic topic = { "t0", &part, 1 };
	struct fl_kc_list_offsets_req req = { 1, &topic, 1 };
	struct fl_kc_list_offsets_resp r;
	struct fl_kc_init_pid_req preq = { NULL, -1 };
	struct fl_kc_init_pid_resp pr;
	struct fl_arena a = FL_KC_ARENA_INIT;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_list_offsets_req_encode(&w, &h, &req), ==, 0, "ListOffsets v2 encodes");
	check_bytes(&w, "00000029 0002 0002 00000004 0002\"fc\" ffffffff 01"
	    "00000001 0002\"t0\" 00000001 00000001 fffffffffffffffe",
	    "ListOffsets v2 bytes: earliest of t0/1, read_committed");
	p = unhex("00000004 00000000 00000001 0002\"t0\" 00000001"
	    "00000001 0000 ffffffffffffffff 0000000000000007", &n);
	CHECK_INT(fl_kc_list_offsets_resp_decode(p, n, 2, &a, &r), ==, 0,
	    "ListOffsets v2 response decodes");
	CHECK(r.ntopics == 1 && r.topics[0].nparts == 1 && r.topics[0].parts[0].index == 1 &&
	    r.topics[0].parts[0].timestamp == -1 && r.topics[0].parts[0].offset == 7,
	    "t0/1 offset 7");
	fl_arena_free(&a);
	check_truncations(dec_lo2, p, n, "ListOffsets v2 response");
	free(p);

	fl_wr_reset(&w);
	h.version = 1;
	CHECK_INT(fl_kc_init_pid_req_encode(&w, &h, &preq), ==, 0, "InitProducerId v1 encodes");
	check_bytes(&w, "00000012 0016 0001 00000004 0002\"fc\" ffff ffffffff",
	    "InitProducerId v1 bytes (null, -1) as librdkafka sends");
	p = unhex("00000004 00000000 0000 000000000000000b 0000", &n);
	CHECK_INT(fl_kc_init_pid_resp_decode(p, n, 1, &pr), ==, 0, "InitProducerId response decodes");
	CHECK(pr.error == 0 && pr.producer_id == 11 && pr.producer_epoch == 0, "pid 11 epoch 0");
	check_truncations(dec_pid1, p, n, "InitProducerId v1 response");
	free(p);
	fl_wr_free(&w);
}

/* ---- group APIs ---- */

static int
dec_join5(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_join_resp r;

	return fl_kc_join_resp_decode(p, n, 5, a, &r);
}

static int
dec_ofetch5(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_offset_fetch_resp r;

	return fl_kc_offset_fetch_resp_decode(p, n, 5, a, &r);
}

static int
dec_leave3(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_leave_resp r;

	return fl_kc_leave_resp_decode(p, n, 3, a, &r);
}

static void
test_groups(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(2, 5);
	struct fl_kc_find_coord_req fc = { "g", 0 };
	struct fl_kc_find_coord_resp fr;
	struct fl_kc_join_protocol proto = { "range", { (const uint8_t *)"m", 1 } };
	struct fl_kc_join_req jq = { "g", 30000, 60000, "", NULL, "consumer", &proto, 1 };
	struct fl_kc_join_resp jr;
	struct fl_kc_sync_req sq = { "g", 1, "m1", NULL, NULL, 0 };
	struct fl_kc_sync_resp sr;
	struct fl_kc_heartbeat_req hq = { "g", 1, "m1", NULL };
	struct fl_kc_simple_resp hr;
	struct fl_kc_leave_req lq = { "g", "m1", NULL };
	struct fl_kc_leave_resp lr;
	struct fl_kc_commit_part cp = { 0, 10, -1, NULL };
	struct fl_kc_commit_topic ct = { "t0", &cp, 1 };
	struct fl_kc_commit_req cq = { "g", 1, "m1", NULL, -1, &ct, 1 };
	struct fl_kc_commit_resp cr;
	int32_t parts[] = { 0 };
	struct fl_kc_offset_fetch_topic oft = { "t0", parts, 1 };
	struct fl_kc_offset_fetch_req ofq = { "g", &oft, 1 };
	struct fl_kc_offset_fetch_resp ofr;
	struct fl_arena a = FL_KC_ARENA_INIT;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_find_coord_req_encode(&w, &h, &fc), ==, 0, "FindCoordinator v2 encodes");
	check_bytes(&w, "00000010 000a 0002 00000005 0002\"fc\" 0001\"g\" 00",
	    "FindCoordinator v2 bytes");
	p = unhex("00000005 00000000 0000 ffff 00000001 0009\"127.0.0.1\" 00002384", &n);
	CHECK_INT(fl_kc_find_coord_resp_decode(p, n, 2, &fr), ==, 0, "FindCoordinator v2 decodes");
	CHECK(fr.node_id == 1 && slice_eq(fr.host, "127.0.0.1") && fr.port == 9092 &&
	    fr.error_message.p == NULL, "coordinator 1 at 127.0.0.1:9092");
	free(p);

	fl_wr_reset(&w);
	h.version = 5;
	CHECK_INT(fl_kc_join_req_encode(&w, &h, &jq), ==, 0, "JoinGroup v5 encodes");
	check_bytes(&w, "00000035 000b 0005 00000005 0002\"fc\" 0001\"g\" 00007530 0000ea60"
	    "0000 ffff 0008\"consumer\" 00000001 0005\"range\" 00000001\"m\"",
	    "JoinGroup v5 bytes: empty member id, null instance id");
	p = unhex("00000005 00000000 0000 00000001 0005\"range\" 0002\"m1\" 0002\"m1\""
	    "00000001 0002\"m1\" ffff 00000001\"m\"", &n);
	CHECK_INT(fl_kc_join_resp_decode(p, n, 5, &a, &jr), ==, 0, "JoinGroup v5 decodes");
	CHECK(jr.generation_id == 1 && slice_eq(jr.leader, "m1") && jr.nmembers == 1 &&
	    jr.members[0].group_instance_id.p == NULL && slice_eq(jr.members[0].metadata, "m"),
	    "leader m1 sees itself as the one member");
	fl_arena_free(&a);
	check_truncations(dec_join5, p, n, "JoinGroup v5 response");
	free(p);

	fl_wr_reset(&w);
	h.version = 3;
	CHECK_INT(fl_kc_sync_req_encode(&w, &h, &sq), ==, 0, "SyncGroup v3 encodes");
	check_bytes(&w, "0000001d 000e 0003 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"m1\""
	    "ffff 00000000", "SyncGroup v3 follower bytes");
	p = unhex("00000005 00000000 0000 00000002 \"ab\"", &n);
	CHECK(fl_kc_sync_resp_decode(p, n, 3, &sr) == 0 && slice_eq(sr.assignment, "ab"),
	    "SyncGroup v3 response decodes");
	free(p);

	fl_wr_reset(&w);
	CHECK_INT(fl_kc_heartbeat_req_encode(&w, &h, &hq), ==, 0, "Heartbeat v3 encodes");
	check_bytes(&w, "00000019 000c 0003 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"m1\" ffff",
	    "Heartbeat v3 bytes");
	p = unhex("00000005 00000000 001b", &n);
	CHECK(fl_kc_heartbeat_resp_decode(p, n, 3, &hr) == 0 && hr.error == 27,
	    "Heartbeat v3 response: REBALANCE_IN_PROGRESS");
	free(p);

	fl_wr_reset(&w);
	h.version = 1;
	CHECK_INT(fl_kc_leave_req_encode(&w, &h, &lq), ==, 0, "LeaveGroup v1 encodes");
	check_bytes(&w, "00000013 000d 0001 00000005 0002\"fc\" 0001\"g\" 0002\"m1\"",
	    "LeaveGroup v1 bytes: single MemberId");
	fl_wr_reset(&w);
	h.version = 3;
	CHECK_INT(fl_kc_leave_req_encode(&w, &h, &lq), ==, 0, "LeaveGroup v3 encodes");
	check_bytes(&w, "00000019 000d 0003 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"m1\" ffff",
	    "LeaveGroup v3 bytes: Members array");
	p = unhex("00000005 00000000 0000 00000001 0002\"m1\" ffff 0000", &n);
	CHECK(fl_kc_leave_resp_decode(p, n, 3, &a, &lr) == 0 && lr.nmembers == 1 &&
	    slice_eq(lr.members[0].member_id, "m1"), "LeaveGroup v3 response decodes");
	fl_arena_free(&a);
	check_truncations(dec_leave3, p, n, "LeaveGroup v3 response");
	free(p);

	fl_wr_reset(&w);
	h.version = 7;
	CHECK_INT(fl_kc_commit_req_encode(&w, &h, &cq), ==, 0, "OffsetCommit v7 encodes");
	check_bytes(&w, "00000037 0008 0007 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"m1\" ffff"
	    "00000001 0002\"t0\" 00000001 00000000 000000000000000a ffffffff ffff",
	    "OffsetCommit v7 bytes: no retention, leader epoch -1, null metadata");
	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_commit_req_encode(&w, &h, &cq), ==, 0, "OffsetCommit v2 encodes");
	check_bytes(&w, "00000039 0008 0002 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"m1\""
	    "ffffffffffffffff 00000001 0002\"t0\" 00000001 00000000 000000000000000a ffff",
	    "OffsetCommit v2 bytes: retention, no epoch");
	p = unhex("00000005 00000000 00000001 0002\"t0\" 00000001 00000000 0000", &n);
	CHECK(fl_kc_commit_resp_decode(p, n, 7, &a, &cr) == 0 && cr.ntopics == 1 &&
	    cr.topics[0].nparts == 1 && cr.topics[0].parts[0].error == 0,
	    "OffsetCommit v7 response decodes");
	fl_arena_free(&a);
	free(p);

	fl_wr_reset(&w);
	h.version = 5;
	CHECK_INT(fl_kc_offset_fetch_req_encode(&w, &h, &ofq), ==, 0, "OffsetFetch v5 encodes");
	check_bytes(&w, "0000001f 0009 0005 00000005 0002\"fc\" 0001\"g\" 00000001 0002\"t0\""
	    "00000001 00000000", "OffsetFetch v5 bytes");
	fl_wr_reset(&w);
	h.version = 1;
	ofq.topics = NULL;
	CHECK_INT(fl_kc_offset_fetch_req_encode(&w, &h, &ofq), ==, FL_EINVAL,
	    "OffsetFetch v1 cannot ask for all topics");
	p = unhex("00000005 00000000 00000001 0002\"t0\" 00000001"
	    "00000000 ffffffffffffffff ffffffff 0000 0000 0000", &n);
	CHECK_INT(fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &ofr), ==, 0,
	    "OffsetFetch v5 response decodes");
	CHECK(ofr.topics[0].parts[0].offset == -1 && slice_eq(ofr.topics[0].parts[0].metadata, ""),
	    "nothing committed: -1 and empty metadata");
	fl_arena_free(&a);
	check_truncations(dec_ofetch5, p, n, "OffsetFetch v5 response");
	free(p);
	fl_wr_free(&w);
}

static int
dec_dg4(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_describe_groups_resp r;

	return fl_kc_describe_groups_resp_decode(p, n, 4, a, &r);
}

static int
dec_lg2(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_list_groups_resp r;

	return fl_kc_list_groups_resp_decode(p, n, 2, a, &r);
}

static void
test_group_admin(void)
{
	const char *groups[] = { "g" };
	struct fl_kc_describe_groups_req dq = { groups, 1, 0 };
	struct fl_kc_describe_groups_resp dr;
	struct fl_kc_list_groups_resp lr;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h = hdr(4, 5);
	struct fl_wr w;
	uint8_t *p;
	size_t n;

	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_describe_groups_req_encode(&w, &h, &dq), ==, 0,
	    "DescribeGroups v4 encodes");
	check_bytes(&w, "00000014 000f 0004 00000005 0002\"fc\" 00000001 0001\"g\" 00",
	    "DescribeGroups v4 bytes: groups, IncludeAuthorizedOperations false");
	fl_wr_reset(&w);
	h.version = 0;
	CHECK_INT(fl_kc_describe_groups_req_encode(&w, &h, &dq), ==, 0,
	    "DescribeGroups v0 encodes");
	check_bytes(&w, "00000013 000f 0000 00000005 0002\"fc\" 00000001 0001\"g\"",
	    "DescribeGroups v0 bytes: no flag");
	fl_wr_reset(&w);
	h.version = 5;
	CHECK_INT(fl_kc_describe_groups_req_encode(&w, &h, &dq), ==, FL_EINVAL,
	    "DescribeGroups v5 (flexible) is refused");

	p = unhex("00000005 00000000 00000001 0000 0001\"g\" 0006\"Stable\""
	    "0008\"consumer\" 000c\"flume-sticky\" 00000001 0002\"m1\" ffff"
	    "0002\"fc\" 000a\"/127.0.0.1\" 00000002\"ab\" 00000003\"xyz\" 80000000", &n);
	CHECK_INT(fl_kc_describe_groups_resp_decode(p, n, 4, &a, &dr), ==, 0,
	    "DescribeGroups v4 response decodes");
	CHECK(dr.ngroups == 1 && slice_eq(dr.groups[0].state, "Stable") &&
	    slice_eq(dr.groups[0].protocol, "flume-sticky") && dr.groups[0].nmembers == 1 &&
	    slice_eq(dr.groups[0].members[0].member_id, "m1") &&
	    dr.groups[0].members[0].group_instance_id.p == NULL &&
	    slice_eq(dr.groups[0].members[0].client_host, "/127.0.0.1") &&
	    slice_eq(dr.groups[0].members[0].assignment, "xyz") &&
	    dr.groups[0].authorized_ops == INT32_MIN, "one Stable member read back");
	fl_arena_free(&a);
	check_truncations(dec_dg4, p, n, "DescribeGroups v4 response");
	free(p);
	p = unhex("00000005 00000001 0000 0001\"g\" 0005\"Empty\" 0008\"consumer\""
	    "0000 00000000", &n);
	CHECK(fl_kc_describe_groups_resp_decode(p, n, 0, &a, &dr) == 0 &&
	    dr.ngroups == 1 && dr.groups[0].nmembers == 0 &&
	    slice_eq(dr.groups[0].state, "Empty"), "DescribeGroups v0: no throttle, no ops");
	fl_arena_free(&a);
	free(p);

	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_list_groups_req_encode(&w, &h), ==, 0, "ListGroups v2 encodes");
	check_bytes(&w, "0000000c 0010 0002 00000005 0002\"fc\"", "ListGroups v2 bytes");
	fl_wr_reset(&w);
	h.version = 3;
	CHECK_INT(fl_kc_list_groups_req_encode(&w, &h), ==, FL_EINVAL,
	    "ListGroups v3 (flexible) is refused");
	p = unhex("00000005 00000000 0000 00000002 0001\"a\" 0008\"consumer\" 0001\"b\" 0000", &n);
	CHECK_INT(fl_kc_list_groups_resp_decode(p, n, 2, &a, &lr), ==, 0,
	    "ListGroups v2 response decodes");
	CHECK(lr.ngroups == 2 && slice_eq(lr.groups[0].group_id, "a") &&
	    slice_eq(lr.groups[0].protocol_type, "consumer") &&
	    lr.groups[1].protocol_type.len == 0, "two groups read back");
	fl_arena_free(&a);
	check_truncations(dec_lg2, p, n, "ListGroups v2 response");
	free(p);
	fl_wr_free(&w);
}

/* ---- SASL: SaslHandshake (17), SaslAuthenticate (36) ---- */

static int
dec_hs0(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_sasl_handshake_resp r;

	return fl_kc_sasl_handshake_resp_decode(p, n, 0, a, &r);
}

static int
dec_hs1(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_sasl_handshake_resp r;

	return fl_kc_sasl_handshake_resp_decode(p, n, 1, a, &r);
}

static int
dec_auth0(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_sasl_authenticate_resp r;

	(void)a;
	return fl_kc_sasl_authenticate_resp_decode(p, n, 0, &r);
}

static int
dec_auth1(const uint8_t *p, size_t n, struct fl_arena *a)
{
	struct fl_kc_sasl_authenticate_resp r;

	(void)a;
	return fl_kc_sasl_authenticate_resp_decode(p, n, 1, &r);
}

/* The client's encoding read back by the broker's codec (kproto). */
static int
kp_reads(const struct fl_wr *w, struct fl_kp_req *q)
{
	return w->err == 0 && w->len >= 4 &&
	    fl_kp_req_decode(q, w->p + 4, w->len - 4, FL_KP_FEAT_ALL) == 0 &&
	    q->hdr.kind == FL_KP_REQ_OK;
}

static void
test_sasl_handshake(void)
{
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(1, 3);
	struct fl_kc_sasl_handshake_req req = { "PLAIN" };
	struct fl_kc_sasl_handshake_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kp_req q;
	uint8_t *p;
	size_t n;
	int16_t v;
	int ok = 1;

	CHECK(fl_kc_api_min(FL_KC_SASL_HANDSHAKE) == 0 &&
	    fl_kc_api_max(FL_KC_SASL_HANDSHAKE) == 1 &&
	    strcmp(fl_kc_api_name(FL_KC_SASL_HANDSHAKE), "SaslHandshake") == 0,
	    "SaslHandshake is in the client's table, v0-1");
	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_sasl_handshake_req_encode(&w, &h, &req), ==, 0,
	    "SaslHandshake v1 encodes");
	check_bytes(&w, "00000013 0011 0001 00000003 0002\"fc\" 0005\"PLAIN\"",
	    "SaslHandshake v1 bytes: the mechanism as a string");
	fl_wr_reset(&w);
	h.version = 0;
	req.mechanism = "SCRAM-SHA-512";
	CHECK_INT(fl_kc_sasl_handshake_req_encode(&w, &h, &req), ==, 0,
	    "SaslHandshake v0 encodes");
	check_bytes(&w, "0000001b 0011 0000 00000003 0002\"fc\" 000d\"SCRAM-SHA-512\"",
	    "SaslHandshake v0 bytes: the same body");
	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_sasl_handshake_req_encode(&w, &h, &req), ==, FL_EINVAL,
	    "SaslHandshake v2 is outside the client's table");
	for (v = 0; v <= 1; v++) {
		h.version = v;
		fl_wr_reset(&w);
		if (fl_kc_sasl_handshake_req_encode(&w, &h, &req) != 0 || !kp_reads(&w, &q)) {
			ok = 0;
			continue;
		}
		ok &= q.hdr.api_key == FL_KP_SASL_HANDSHAKE && q.hdr.api_version == v &&
		    slice_eq(q.u.sasl_handshake.mechanism, "SCRAM-SHA-512");
		fl_kp_req_free(&q);
	}
	CHECK(ok, "kproto decodes the client's SaslHandshake at v0 and v1");

	/* response: error, [mechanism]; the same at v0 and v1 */
	p = unhex("00000003 0000 00000002 000d\"SCRAM-SHA-256\" 0005\"PLAIN\"", &n);
	for (v = 0; v <= 1; v++) {
		CHECK_INT(fl_kc_sasl_handshake_resp_decode(p, n, v, &a, &r), ==, 0,
		    v ? "SaslHandshake v1 response decodes" : "SaslHandshake v0 response decodes");
		CHECK(r.error == 0 && r.nmechanisms == 2 &&
		    slice_eq(r.mechanisms[0], "SCRAM-SHA-256") &&
		    slice_eq(r.mechanisms[1], "PLAIN"), "two mechanisms listed, in order");
		fl_arena_free(&a);
	}
	check_truncations(dec_hs0, p, n, "SaslHandshake v0 response");
	check_truncations(dec_hs1, p, n, "SaslHandshake v1 response");
	CHECK_INT(fl_kc_sasl_handshake_resp_decode(p, n, 2, &a, &r), ==, FL_EINVAL,
	    "a v2 SaslHandshake response is refused");
	free(p);

	p = unhex("00000003 0021 00000001 0005\"PLAIN\"", &n);
	CHECK(fl_kc_sasl_handshake_resp_decode(p, n, 1, &a, &r) == 0 &&
	    r.error == FL_KERR_UNSUPPORTED_SASL_MECHANISM && r.nmechanisms == 1 &&
	    slice_eq(r.mechanisms[0], "PLAIN"),
	    "UNSUPPORTED_SASL_MECHANISM with the enabled list");
	fl_arena_free(&a);
	free(p);
	p = unhex("00000003 0022 ffffffff", &n);
	CHECK(fl_kc_sasl_handshake_resp_decode(p, n, 1, &a, &r) == 0 &&
	    r.error == FL_KERR_ILLEGAL_SASL_STATE && r.nmechanisms == 0,
	    "ILLEGAL_SASL_STATE, a null list reads as empty");
	fl_arena_free(&a);
	free(p);
	p = unhex("00000003 0000 00000001 ffff", &n);
	CHECK_INT(fl_kc_sasl_handshake_resp_decode(p, n, 1, &a, &r), ==, FL_EPROTO,
	    "a null mechanism name is refused");
	fl_arena_free(&a);
	free(p);
	p = unhex("00000003 0000 7fffffff 0000", &n);
	CHECK_INT(fl_kc_sasl_handshake_resp_decode(p, n, 1, &a, &r), ==, FL_EPROTO,
	    "an impossible mechanism count is refused");
	CHECK_INT(a.bytes, ==, 0, "nothing allocated for it");
	fl_arena_free(&a);
	free(p);

	/* what the broker's codec encodes, the client's decodes */
	ok = 1;
	for (v = 0; v <= 1; v++) {
		struct fl_slice mechs[2] = { fl_kp_str("PLAIN"), fl_kp_str("SCRAM-SHA-512") };
		struct fl_kp_sasl_handshake_resp kr = { FL_KERR_UNSUPPORTED_SASL_MECHANISM,
		    mechs, 2 };

		fl_wr_reset(&w);
		if (fl_kp_sasl_handshake_resp_encode(&w, v, 12, &kr) != 0 ||
		    fl_kc_sasl_handshake_resp_decode(w.p + 4, w.len - 4, v, &a, &r) != 0) {
			ok = 0;
			continue;
		}
		ok &= r.error == 33 && r.nmechanisms == 2 &&
		    slice_eq(r.mechanisms[1], "SCRAM-SHA-512");
		fl_arena_free(&a);
	}
	CHECK(ok, "kclient decodes kproto's SaslHandshake responses, v0 and v1");
	fl_wr_free(&w);
}

static void
test_sasl_authenticate(void)
{
	static const uint8_t plain[] = { 0, 'u', 0, 'p' };
	struct fl_wr w;
	struct fl_kc_hdr h = hdr(1, 4);
	struct fl_kc_sasl_authenticate_req req = { { plain, sizeof(plain) } };
	struct fl_kc_sasl_authenticate_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kp_req q;
	uint8_t *p;
	size_t n;
	int16_t v;
	int ok = 1;

	CHECK(fl_kc_api_min(FL_KC_SASL_AUTHENTICATE) == 0 &&
	    fl_kc_api_max(FL_KC_SASL_AUTHENTICATE) == 1 &&
	    strcmp(fl_kc_api_name(FL_KC_SASL_AUTHENTICATE), "SaslAuthenticate") == 0,
	    "SaslAuthenticate is in the client's table, v0-1");
	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_kc_sasl_authenticate_req_encode(&w, &h, &req), ==, 0,
	    "SaslAuthenticate v1 encodes");
	/* kafka-subset.md 2.18: PLAIN for user u, password p is 4 bytes */
	check_bytes(&w, "00000014 0024 0001 00000004 0002\"fc\" 00000004 00 75 00 70",
	    "SaslAuthenticate v1 bytes: PLAIN's authzid NUL user NUL password");
	fl_wr_reset(&w);
	h.version = 0;
	req.auth_bytes = (struct fl_slice){ NULL, 0 };
	CHECK_INT(fl_kc_sasl_authenticate_req_encode(&w, &h, &req), ==, 0,
	    "SaslAuthenticate v0 with no token encodes");
	check_bytes(&w, "00000010 0024 0000 00000004 0002\"fc\" 00000000",
	    "an empty token is empty bytes, never null");
	fl_wr_reset(&w);
	h.version = 2;
	CHECK_INT(fl_kc_sasl_authenticate_req_encode(&w, &h, &req), ==, FL_EINVAL,
	    "SaslAuthenticate v2 (flexible) is refused");
	req.auth_bytes = (struct fl_slice){ plain, sizeof(plain) };
	for (v = 0; v <= 1; v++) {
		h.version = v;
		fl_wr_reset(&w);
		if (fl_kc_sasl_authenticate_req_encode(&w, &h, &req) != 0 || !kp_reads(&w, &q)) {
			ok = 0;
			continue;
		}
		ok &= q.hdr.api_key == FL_KP_SASL_AUTHENTICATE && q.hdr.api_version == v &&
		    q.u.sasl_authenticate.auth_bytes.len == 4 &&
		    memcmp(q.u.sasl_authenticate.auth_bytes.p, plain, 4) == 0;
		fl_kp_req_free(&q);
	}
	CHECK(ok, "kproto decodes the client's SaslAuthenticate at v0 and v1");

	/* v1: error, message, bytes, session lifetime */
	p = unhex("00000004 0000 ffff 00000005\"v=abc\" 000000000036ee80", &n);
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 1, &r), ==, 0,
	    "SaslAuthenticate v1 response decodes");
	CHECK(r.error == 0 && r.error_message.p == NULL && slice_eq(r.auth_bytes, "v=abc") &&
	    r.session_lifetime_ms == 3600000, "v1: no error, null message, token, lifetime 1 h");
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 0, &r), ==, FL_EPROTO,
	    "v1 bytes read as v0 leave the lifetime over: refused");
	check_truncations(dec_auth1, p, n, "SaslAuthenticate v1 response");
	free(p);

	/* v0: no lifetime; a refusal with the broker's reason */
	p = unhex("00000004 003a 000f\"bad credentials\" 00000000", &n);
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 0, &r), ==, 0,
	    "SaslAuthenticate v0 response decodes");
	CHECK(r.error == FL_KERR_SASL_AUTHENTICATION_FAILED &&
	    slice_eq(r.error_message, "bad credentials") && r.auth_bytes.p != NULL &&
	    r.auth_bytes.len == 0 && r.session_lifetime_ms == 0,
	    "v0: SASL_AUTHENTICATION_FAILED, its message, empty token, lifetime 0");
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 1, &r), ==, FL_ESHORT,
	    "v0 bytes read as v1 lack the lifetime");
	check_truncations(dec_auth0, p, n, "SaslAuthenticate v0 response");
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 2, &r), ==, FL_EINVAL,
	    "a v2 SaslAuthenticate response is refused");
	free(p);
	p = unhex("00000004 0000 ffff ffffffff", &n);
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 0, &r), ==, FL_EPROTO,
	    "null AuthBytes (not nullable) is refused");
	free(p);
	p = unhex("00000004 0000 ffff 7fffffff \"x\"", &n);
	CHECK_INT(fl_kc_sasl_authenticate_resp_decode(p, n, 0, &r), <, 0,
	    "AuthBytes longer than the payload is refused");
	free(p);

	/* what the broker's codec encodes, the client's decodes */
	ok = 1;
	for (v = 0; v <= 1; v++) {
		struct fl_kp_sasl_authenticate_resp kr = { 58, fl_kp_str("no"),
		    { NULL, 0 }, 7 };

		fl_wr_reset(&w);
		if (fl_kp_sasl_authenticate_resp_encode(&w, v, 13, &kr) != 0 ||
		    fl_kc_sasl_authenticate_resp_decode(w.p + 4, w.len - 4, v, &r) != 0) {
			ok = 0;
			continue;
		}
		ok &= r.error == 58 && slice_eq(r.error_message, "no") &&
		    r.auth_bytes.len == 0 && r.session_lifetime_ms == (v >= 1 ? 7 : 0);
	}
	CHECK(ok, "kclient decodes kproto's SaslAuthenticate responses, v0 and v1");
	fl_arena_free(&a);
	fl_wr_free(&w);
}

/* SASL keys are listed only by a SASL listener: their absence touches nothing else. */
static void
test_sasl_negotiation(void)
{
	struct fl_kc_api_versions_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_vers vers;
	uint8_t *p;
	size_t n;
	int i, all_minus = 1;

	CHECK_INT(FL_ARRAY_LEN(vers.v), ==, FL_KC_SASL_AUTHENTICATE + 1,
	    "one version slot per key up to SaslAuthenticate (36)");
	p = unhex("00000002 0000 00000002 0003 0000 0008 0012 0000 0002 00000000", &n);
	FL_ASSERT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r) == 0);
	fl_kc_negotiate(&r, &vers);
	CHECK(vers.v[FL_KC_SASL_HANDSHAKE] == -1 && vers.v[FL_KC_SASL_AUTHENTICATE] == -1 &&
	    vers.v[FL_KC_METADATA] == 6 && vers.v[FL_KC_API_VERSIONS] == 2,
	    "a plain listener: no SASL versions, the rest negotiated as before");
	for (i = 24; i < 36; i++)
		all_minus &= vers.v[i] == -1;
	CHECK(all_minus, "the keys between 24 and 35 (none in the table) stay -1");
	fl_arena_free(&a);
	free(p);

	p = unhex("00000002 0000 00000004 0003 0000 0008 0011 0000 0001"
	    "0024 0000 0000 0012 0000 0002 00000000", &n);
	FL_ASSERT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r) == 0);
	fl_kc_negotiate(&r, &vers);
	CHECK(vers.v[FL_KC_SASL_HANDSHAKE] == 1 && vers.v[FL_KC_SASL_AUTHENTICATE] == 0,
	    "a SASL listener: SaslHandshake v1, SaslAuthenticate v0 when it offers only 0");
	fl_arena_free(&a);
	free(p);

	p = unhex("00000002 0000 00000002 0011 0000 0001 0024 0002 0004 00000000", &n);
	FL_ASSERT(fl_kc_api_versions_resp_decode(p, n, 2, &a, &r) == 0);
	fl_kc_negotiate(&r, &vers);
	CHECK(vers.v[FL_KC_SASL_HANDSHAKE] == 1 && vers.v[FL_KC_SASL_AUTHENTICATE] == -1,
	    "SaslAuthenticate 2-4 only (flexible): -1");
	fl_arena_free(&a);
	free(p);
}

static void
test_misc(void)
{
	uint8_t p[8] = { 0, 0, 0, 3 };
	size_t n;
	int32_t corr;

	CHECK_INT(fl_kc_frame_size(p, 3, 100, &n), ==, FL_ESHORT, "frame size needs 4 bytes");
	CHECK_INT(fl_kc_frame_size(p, 4, 100, &n), ==, FL_EPROTO, "frame of 3 bytes has no corr id");
	fl_store_be32(p, 0xffffffffu);
	CHECK_INT(fl_kc_frame_size(p, 4, 100, &n), ==, FL_EPROTO, "negative frame size");
	fl_store_be32(p, 101);
	CHECK_INT(fl_kc_frame_size(p, 4, 100, &n), ==, FL_EPROTO, "frame above the cap");
	fl_store_be32(p, 100);
	CHECK(fl_kc_frame_size(p, 4, 100, &n) == 0 && n == 100, "frame at the cap");
	fl_store_be32(p + 4, 77);
	CHECK(fl_kc_resp_corr(p + 4, 4, &corr) == 0 && corr == 77, "correlation id peeked");
	CHECK(strcmp(fl_kerr_name(3), "UNKNOWN_TOPIC_OR_PARTITION") == 0, "error names");
	CHECK(fl_kerr_is_retriable(5) && !fl_kerr_is_retriable(45), "retriable errors");
	CHECK(fl_kc_api_min(FL_KC_PRODUCE) == 3 && fl_kc_api_max(FL_KC_FETCH) == 11 &&
	    fl_kc_api_max(99) == -1, "client version table");
	{
		/* a zeroed arena is usable: decoders give it the client's cap */
		struct fl_arena z = { 0 };
		struct fl_kc_list_groups_resp lr;
		uint8_t *q = unhex("00000005 00000000 0000 00000001 0001\"a\" 0000", &n);

		CHECK(fl_kc_list_groups_resp_decode(q, n, 2, &z, &lr) == 0 && lr.ngroups == 1 &&
		    z.bytes_max == FL_KC_ARENA_BYTES_MAX, "a zeroed arena gets the client's cap");
		fl_arena_free(&z);
		free(q);
	}
}

int
main(void)
{
	test_api_versions();
	test_metadata();
	test_produce();
	test_fetch();
	test_fetch_replica();
	test_ofle();
	test_list_offsets_pid();
	test_groups();
	test_group_admin();
	test_sasl_handshake();
	test_sasl_authenticate();
	test_sasl_negotiation();
	test_misc();
	return tap_done();
}
