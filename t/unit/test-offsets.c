/* test-offsets.c: the committed-offsets table against a brute-force model;
 * the __consumer_offsets record codec against byte vectors built by hand
 * from Kafka's schemas (OffsetCommitKey/Value, GroupMetadataKey/Value, every
 * version), as Kafka's tools and lag monitors decode them; flume's legacy
 * layout; and the migration of a legacy log through the coordinator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "codec/batch.h"
#include "codec/offsets.h"
#include "sm/coord.h"
#include "tap.h"

#define S(str) ((struct fl_slice){ (const uint8_t *)(str), strlen(str) })
#define B(arr) ((struct fl_slice){ (arr), sizeof(arr) })
#define NUL ((struct fl_slice){ NULL, 0 })

/* Big-endian pieces of the hand-built vectors. */
#define I16(v) (uint8_t)((v) >> 8 & 0xff), (uint8_t)((v) & 0xff)
#define I32(v) I16((v) >> 16 & 0xffff), I16((v) & 0xffff)
#define I64(v) I32((uint64_t)(v) >> 32 & 0xffffffffu), I32((uint64_t)(v) & 0xffffffffu)

struct model { int live; int64_t off; };

static int
count_cb(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *c)
{
	(void)topic; (void)partition; (void)c;
	(*(int *)arg)++;
	return 0;
}

static int
all_cb(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *c)
{
	(void)group; (void)topic; (void)partition; (void)c;
	(*(int *)arg)++;
	return 0;
}

static int
slice_is(struct fl_slice s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static int
wr_is(const struct fl_wr *w, const uint8_t *want, size_t n)
{
	return w->err == 0 && w->len == n && memcmp(w->p, want, n) == 0;
}

/* Every strict prefix of the value fails to decode (with key k). */
static int
prefixes_fail(struct fl_slice k, struct fl_slice v,
    int (*dec)(struct fl_slice, struct fl_slice, struct fl_offsets_rec *))
{
	struct fl_offsets_rec r;
	size_t cut;

	for (cut = 0; cut < v.len; cut++)
		if (dec(k, (struct fl_slice){ v.p, cut }, &r) == 0)
			return 0;
	for (cut = 0; cut < k.len; cut++)
		if (dec((struct fl_slice){ k.p, cut }, v, &r) == 0)
			return 0;
	return 1;
}

static void
test_table(void)
{
	static struct model m[4][8][16];	/* group x topic x partition */
	struct fl_offsets t;
	struct fl_rng rng;
	int i, ok = 1;

	fl_rng_seed(&rng, 7);
	fl_offsets_init(&t);
	for (i = 0; i < 200000; i++) {
		char g[16], tp[16];
		int gi, ti, pi, op;
		struct fl_offset_commit c = { 0, -1, "md", 0, 0 }, got;

		gi = (int)fl_rng_below(&rng, 4);
		ti = (int)fl_rng_below(&rng, 8);
		pi = (int)fl_rng_below(&rng, 16);
		op = (int)fl_rng_below(&rng, 3);
		snprintf(g, sizeof(g), "g%d", gi);
		snprintf(tp, sizeof(tp), "t%d", ti);
		if (op == 0) {
			c.offset = i;
			if (fl_offsets_put(&t, S(g), S(tp), pi, &c) != 0)
				ok = 0;
			m[gi][ti][pi].live = 1;
			m[gi][ti][pi].off = i;
		} else if (op == 1) {
			fl_offsets_del(&t, S(g), S(tp), pi);
			m[gi][ti][pi].live = 0;
		} else {
			int f = fl_offsets_get(&t, S(g), S(tp), pi, &got);

			if (f != m[gi][ti][pi].live || (f && (got.offset != m[gi][ti][pi].off ||
			    strcmp(got.metadata, "md") != 0)))
				ok = 0;
		}
	}
	CHECK(ok, "200000 random put/del/get agree with a brute-force model");
	{
		int n = 0, want = 0, a, b;

		fl_offsets_each(&t, S("g1"), count_cb, &n);
		for (a = 0; a < 8; a++)
			for (b = 0; b < 16; b++)
				want += m[1][a][b].live;
		CHECK_INT(n, ==, want, "each visits exactly one group's commits");
		n = 0;
		fl_offsets_all(&t, all_cb, &n);
		CHECK_INT(n, ==, fl_offsets_count(&t), "all visits every commit once");
	}
	fl_offsets_free(&t);
}

/* ---- what flume writes, byte for byte as Kafka lays it out ---- */

static void
test_encode(void)
{
	static const uint8_t key_v1[] = { I16(1), I16(3), 'g', 'r', 'p', I16(5), 't', 'o', 'p',
	    'i', 'c', I32(7) };
	static const uint8_t val_v3[] = { I16(3), I64(42), I32(3), I16(2), 'm', 'd',
	    I64(1234) };
	static const uint8_t val_v3_null_md[] = { I16(3), I64(42), I32(-1), I16(0), I64(1234) };
	static const uint8_t gkey_v2[] = { I16(2), I16(3), 'g', 'r', 'p' };
	static const uint8_t gval_v3[] = { I16(3),
	    I16(8), 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r',	/* protocol_type */
	    I32(9),						/* generation */
	    I16(5), 'r', 'a', 'n', 'g', 'e',			/* protocol */
	    I16(2), 'm', '1',					/* leader */
	    I64(5000),						/* current_state_timestamp */
	    I32(2),						/* members */
	    I16(2), 'm', '1', I16(2), 'i', '1', I16(1), 'c', I16(2), '/', 'h',
	    I32(60000), I32(10000), I32(3), 1, 2, 3, I32(1), 9,
	    I16(2), 'm', '2', I16(-1), I16(1), 'c', I16(2), '/', 'h',
	    I32(300000), I32(45000), I32(0), I32(0) };
	static const uint8_t gval_v3_empty[] = { I16(3), I16(8), 'c', 'o', 'n', 's', 'u', 'm',
	    'e', 'r', I32(4), I16(-1), I16(-1), I64(-1), I32(0) };
	static const uint8_t sub[] = { 1, 2, 3 }, asg[] = { 9 };
	struct fl_offsets_member m[2];
	struct fl_offsets_group g;
	struct fl_offset_commit c = { 42, 3, "md", 1234, 0 };
	struct fl_offsets_rec r;
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	fl_offsets_key_commit(&w, S("grp"), S("topic"), 7);
	CHECK(wr_is(&w, key_v1, sizeof(key_v1)), "commit key: OffsetCommitKey v1, Kafka's bytes");
	fl_wr_reset(&w);
	fl_offsets_value_commit(&w, &c);
	CHECK(wr_is(&w, val_v3, sizeof(val_v3)),
	    "commit value: OffsetCommitValue v3 (offset, leader_epoch, metadata, commit_timestamp)");
	fl_wr_reset(&w);
	c.metadata = NULL;
	c.leader_epoch = -1;
	fl_offsets_value_commit(&w, &c);
	CHECK(wr_is(&w, val_v3_null_md, sizeof(val_v3_null_md)),
	    "null metadata is written as \"\" (Kafka's metadata is not nullable)");
	fl_wr_reset(&w);
	fl_offsets_key_group(&w, S("grp"));
	CHECK(wr_is(&w, gkey_v2, sizeof(gkey_v2)), "group key: GroupMetadataKey v2");
	fl_wr_reset(&w);
	memset(m, 0, sizeof(m));
	m[0] = (struct fl_offsets_member){ S("m1"), S("i1"), S("c"), S("/h"), 60000, 10000,
	    B(sub), B(asg) };
	m[1] = (struct fl_offsets_member){ S("m2"), NUL, S("c"), S("/h"), 300000, 45000,
	    NUL, NUL };
	g = (struct fl_offsets_group){ S("consumer"), 9, S("range"), S("m1"), 5000, m, 2 };
	fl_offsets_value_group(&w, &g);
	CHECK(wr_is(&w, gval_v3, sizeof(gval_v3)),
	    "group value: GroupMetadataValue v3 with members, Kafka's bytes");
	fl_wr_reset(&w);
	g = (struct fl_offsets_group){ S("consumer"), 4, NUL, NUL, -1, NULL, 0 };
	fl_offsets_value_group(&w, &g);
	CHECK(wr_is(&w, gval_v3_empty, sizeof(gval_v3_empty)),
	    "an empty group: null protocol and leader, no members");
	fl_wr_free(&w);

	/* and what Kafka wrote reads back */
	CHECK(fl_offsets_decode(B(key_v1), B(val_v3), &r) == 0 && r.kind == FL_OFFSETS_REC_COMMIT &&
	    r.key_version == 1 && r.value_version == 3 && slice_is(r.group, "grp") &&
	    slice_is(r.topic, "topic") && r.partition == 7 && r.offset == 42 &&
	    r.leader_epoch == 3 && slice_is(r.metadata, "md") && r.commit_ms == 1234 &&
	    r.expire_ms == -1, "commit v1/v3 decodes with every field");
	CHECK(prefixes_fail(B(key_v1), B(val_v3), fl_offsets_decode),
	    "... every truncation of its key or value is rejected");
	CHECK(fl_offsets_decode(B(key_v1), NUL, &r) == 0 && r.is_tombstone &&
	    r.kind == FL_OFFSETS_REC_COMMIT && r.partition == 7, "a null value is a tombstone");
	CHECK(fl_offsets_decode(B(gkey_v2), B(gval_v3), &r) == 0 && r.kind == FL_OFFSETS_REC_GROUP &&
	    slice_is(r.group, "grp") && slice_is(r.g.protocol_type, "consumer") &&
	    r.g.generation == 9 && slice_is(r.g.protocol, "range") && slice_is(r.g.leader, "m1") &&
	    r.g.state_ms == 5000 && r.g.nmembers == 2, "group v2/v3 decodes");
	{
		struct fl_rd cur;
		struct fl_offsets_member x, y, z;

		memset(&cur, 0, sizeof(cur));
		CHECK(fl_offsets_member_next(&r, &cur, &x) == 1 && fl_offsets_member_next(&r, &cur, &y) == 1 &&
		    fl_offsets_member_next(&r, &cur, &z) == 0 && slice_is(x.member_id, "m1") &&
		    slice_is(x.instance_id, "i1") && slice_is(x.client_host, "/h") &&
		    x.rebalance_ms == 60000 && x.session_ms == 10000 && x.subscription.len == 3 &&
		    x.assignment.len == 1 && x.assignment.p[0] == 9 && slice_is(y.member_id, "m2") &&
		    y.instance_id.p == NULL && y.subscription.len == 0,
		    "... its members, in order, with every field");
	}
	CHECK(prefixes_fail(B(gkey_v2), B(gval_v3), fl_offsets_decode),
	    "... every truncation of the group record is rejected");
	CHECK(fl_offsets_decode(B(gkey_v2), B(gval_v3_empty), &r) == 0 && r.g.protocol.p == NULL &&
	    r.g.leader.p == NULL && r.g.nmembers == 0 && r.g.state_ms == -1,
	    "an empty group decodes with null protocol and leader");
}

/* ---- every version Kafka ever wrote ---- */

static void
test_versions(void)
{
	static const uint8_t key_v0[] = { I16(0), I16(1), 'g', I16(1), 't', I32(2) };
	static const uint8_t c_v0[] = { I16(0), I64(10), I16(1), 'x', I64(111) };
	static const uint8_t c_v1[] = { I16(1), I64(11), I16(1), 'x', I64(111), I64(222) };
	static const uint8_t c_v2[] = { I16(2), I64(12), I16(0), I64(111) };
	static const uint8_t c_v4[] = { I16(4), I64(14), I32(6), 2, 'x', I64(111),
	    1, 5, 2, 0xaa, 0xbb };	/* one unknown tagged field: skipped */
	static const uint8_t c_v5[] = { I16(5), I64(14), I32(6), 2, 'x', I64(111), 0 };
	static const uint8_t c_v1_null_md[] = { I16(1), I64(11), I16(-1), I64(111), I64(222) };
	static const uint8_t gkey[] = { I16(2), I16(1), 'g' };
	static const uint8_t g_v0[] = { I16(0), I16(1), 'c', I32(3), I16(1), 'r', I16(1), 'm',
	    I32(1), I16(1), 'm', I16(1), 'c', I16(1), 'h', I32(100), I32(0), I32(1), 7 };
	static const uint8_t g_v1[] = { I16(1), I16(1), 'c', I32(3), I16(1), 'r', I16(1), 'm',
	    I32(1), I16(1), 'm', I16(1), 'c', I16(1), 'h', I32(200), I32(100), I32(0), I32(1), 7 };
	static const uint8_t g_v2[] = { I16(2), I16(1), 'c', I32(3), I16(-1), I16(-1), I64(77),
	    I32(0) };
	static const uint8_t g_v4[] = { I16(4), 2, 'c', I32(3), 2, 'r', 0, I64(77),
	    2,				/* one member */
	    2, 'm', 0, 2, 'c', 2, 'h', I32(200), I32(100), 1, 2, 7, 0,	/* its tags: none */
	    0 };			/* the value's tags: none */
	struct fl_offsets_rec r;
	struct fl_rd cur;
	struct fl_offsets_member m;

	CHECK(fl_offsets_decode(B(key_v0), B(c_v0), &r) == 0 && r.key_version == 0 &&
	    r.partition == 2 && r.offset == 10 && r.leader_epoch == -1 &&
	    slice_is(r.metadata, "x") && r.commit_ms == 111, "commit key v0, value v0");
	CHECK(fl_offsets_decode(B(key_v0), B(c_v1), &r) == 0 && r.offset == 11 &&
	    r.commit_ms == 111 && r.expire_ms == 222, "commit value v1 (expire_timestamp)");
	CHECK(fl_offsets_decode(B(key_v0), B(c_v2), &r) == 0 && r.offset == 12 &&
	    slice_is(r.metadata, "") && r.commit_ms == 111, "commit value v2");
	CHECK(fl_offsets_decode(B(key_v0), B(c_v4), &r) == 0 && r.offset == 14 &&
	    r.leader_epoch == 6 && slice_is(r.metadata, "x") && r.commit_ms == 111,
	    "commit value v4 (flexible, a tagged field skipped)");
	CHECK(prefixes_fail(B(key_v0), B(c_v4), fl_offsets_decode), "... every truncation rejected");
	CHECK_INT(fl_offsets_decode(B(key_v0), B(c_v5), &r), ==, FL_ECORRUPT,
	    "commit value v5 (unknown) is rejected");
	CHECK_INT(fl_offsets_decode(B(key_v0), B(c_v1_null_md), &r), ==, FL_ECORRUPT,
	    "a null metadata (not in Kafka's schema) is rejected");
	CHECK(fl_offsets_decode(B(gkey), B(g_v0), &r) == 0 && r.value_version == 0 &&
	    r.g.generation == 3 && r.g.state_ms == -1 && r.g.nmembers == 1,
	    "group value v0");
	memset(&cur, 0, sizeof(cur));
	CHECK(fl_offsets_member_next(&r, &cur, &m) == 1 && m.rebalance_ms == -1 &&
	    m.session_ms == 100 && m.assignment.len == 1 && m.instance_id.p == NULL,
	    "... its member, with no rebalance timeout");
	CHECK(fl_offsets_decode(B(gkey), B(g_v1), &r) == 0 && r.g.nmembers == 1, "group value v1");
	memset(&cur, 0, sizeof(cur));
	CHECK(fl_offsets_member_next(&r, &cur, &m) == 1 && m.rebalance_ms == 200 &&
	    m.session_ms == 100, "... rebalance_timeout before session_timeout");
	CHECK(fl_offsets_decode(B(gkey), B(g_v2), &r) == 0 && r.g.state_ms == 77 &&
	    r.g.protocol.p == NULL && r.g.nmembers == 0, "group value v2 (current_state_timestamp)");
	CHECK(fl_offsets_decode(B(gkey), B(g_v4), &r) == 0 && r.g.generation == 3 &&
	    slice_is(r.g.protocol, "r") && r.g.leader.p == NULL && r.g.nmembers == 1,
	    "group value v4 (flexible)");
	memset(&cur, 0, sizeof(cur));
	CHECK(fl_offsets_member_next(&r, &cur, &m) == 1 && slice_is(m.member_id, "m") &&
	    m.instance_id.p == NULL && m.rebalance_ms == 200 && m.assignment.len == 1 &&
	    m.assignment.p[0] == 7, "... its member");
	CHECK(prefixes_fail(B(gkey), B(g_v4), fl_offsets_decode), "... every truncation rejected");
	{
		uint8_t k[sizeof(gkey)];

		memcpy(k, gkey, sizeof(k));
		k[1] = 3;	/* Kafka's newer coordinator's record types */
		CHECK_INT(fl_offsets_decode(B(k), B(g_v2), &r), ==, FL_ECORRUPT,
		    "an unknown key version is rejected");
	}
}

/* ---- flume's legacy layout ---- */

static void
test_legacy(void)
{
	/* as flume wrote them before: "v1" commit values laid out as v3, own group values */
	static const uint8_t key[] = { I16(1), I16(2), 'g', '1', I16(1), 't', I32(0) };
	static const uint8_t old_c[] = { I16(1), I64(12), I32(-1), I16(0), I64(1733300000000) };
	static const uint8_t old_c_null[] = { I16(1), I64(12), I32(2), I16(-1), I64(5) };
	static const uint8_t gkey[] = { I16(2), I16(2), 'g', '1' };
	static const uint8_t old_g[] = { I16(1), I32(1), I16(8), 'c', 'o', 'n', 's', 'u', 'm', 'e',
	    'r', I16(5), 'r', 'a', 'n', 'g', 'e' };
	/* a legacy commit that reads as Kafka's v1 too: why bytes cannot tell them apart */
	static const uint8_t both[] = { I16(1), I64(12), I32(5), I16(4), 'a', 'b', 'c', 'd',
	    I64(99) };
	static const uint8_t kafka_v3[] = { I16(3), I64(12), I32(-1), I16(0), I64(5) };
	struct fl_offsets_rec r;

	CHECK(fl_offsets_decode_legacy(B(key), B(old_c), &r) == 0 && r.offset == 12 &&
	    r.leader_epoch == -1 && slice_is(r.metadata, "") && r.commit_ms == 1733300000000,
	    "legacy commit decodes");
	CHECK_INT(fl_offsets_decode(B(key), B(old_c), &r), ==, FL_ECORRUPT,
	    "... and is not Kafka's v1 (what monitors choked on)");
	CHECK(fl_offsets_decode_legacy(B(key), B(old_c_null), &r) == 0 && r.metadata.p == NULL &&
	    r.leader_epoch == 2, "legacy commit with null metadata");
	CHECK(prefixes_fail(B(key), B(old_c), fl_offsets_decode_legacy),
	    "... every truncation rejected");
	CHECK(fl_offsets_decode_legacy(B(gkey), B(old_g), &r) == 0 && r.kind == FL_OFFSETS_REC_GROUP &&
	    r.g.generation == 1 && slice_is(r.g.protocol_type, "consumer") &&
	    slice_is(r.g.protocol, "range") && r.g.nmembers == 0, "legacy group record decodes");
	CHECK(fl_offsets_decode_legacy(B(key), B(both), &r) == 0 && r.offset == 12 &&
	    r.leader_epoch == 5 && slice_is(r.metadata, "abcd") &&
	    fl_offsets_decode(B(key), B(both), &r) == 0 && r.offset == 12 &&
	    slice_is(r.metadata, "") && r.leader_epoch == -1,
	    "one legacy commit parses as Kafka's v1 too, differently: no guessing by bytes");
	CHECK_INT(fl_offsets_decode_legacy(B(key), B(kafka_v3), &r), ==, FL_ECORRUPT,
	    "the legacy decoder refuses Kafka's v3");
}

/* ---- the migration, through the coordinator ---- */

struct collect {
	int n;
	int64_t sum;
};

static int
sum_cb(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *c)
{
	struct collect *x = arg;

	(void)group; (void)topic; (void)partition;
	x->n++;
	x->sum += c->offset * 1000 + (c->metadata != NULL ? (int64_t)strlen(c->metadata) : 77);
	return 0;
}

static void
test_migrate(void)
{
	static const uint8_t k1[] = { I16(1), I16(2), 'g', '1', I16(1), 't', I32(0) };
	static const uint8_t k2[] = { I16(1), I16(2), 'g', '1', I16(1), 't', I32(1) };
	static const uint8_t k3[] = { I16(1), I16(2), 'g', '2', I16(1), 't', I32(0) };
	static const uint8_t v1[] = { I16(1), I64(5), I32(-1), I16(0), I64(100) };
	static const uint8_t v1b[] = { I16(1), I64(8), I32(-1), I16(2), 'm', 'd', I64(101) };
	static const uint8_t v2[] = { I16(1), I64(3), I32(0), I16(-1), I64(100) };
	static const uint8_t v3[] = { I16(1), I64(4), I32(0), I16(0), I64(100) };
	static const uint8_t gk[] = { I16(2), I16(2), 'g', '1' };
	static const uint8_t gv[] = { I16(1), I32(6), I16(8), 'c', 'o', 'n', 's', 'u', 'm', 'e',
	    'r', I16(5), 'r', 'a', 'n', 'g', 'e' };
	const struct fl_slice ks[] = { B(k1), B(k2), B(k3), B(k1), B(gk), B(k3) };
	const struct fl_slice vs[] = { B(v1), B(v2), B(v3), B(v1b), B(gv), NUL };
	struct fl_coord c, back;
	struct fl_coord_out o;
	struct fl_batch_builder bb;
	struct fl_offset_commit oc;
	struct fl_grp_info info;
	struct collect before = { 0, 0 }, after = { 0, 0 };
	struct fl_wr w;
	size_t i, pos = 0;
	int all_kafka = 1, nrec = 0;

	/* a legacy log: one batch of records without the schema header */
	fl_wr_init(&w, 1 << 16);
	fl_batch_begin(&bb, &w, 100, -1, -1, -1, 0);
	for (i = 0; i < FL_ARRAY_LEN(ks); i++)
		(void)fl_batch_add(&bb, 100, &ks[i], &vs[i], NULL, 0);
	FL_ASSERT(fl_batch_end(&bb) == 0);
	fl_coord_init(&c, NULL);
	fl_coord_replay(&c, w.p, w.len);
	FL_ASSERT(fl_coord_replay_done(&c, 6) == 0);
	CHECK(c.replayed == 6 && c.skipped == 0, "a legacy log replays, nothing skipped");
	CHECK(fl_coord_offset_get(&c, S("g1"), S("t"), 0, &oc) && oc.offset == 8 &&
	    strcmp(oc.metadata, "md") == 0 && fl_coord_offset_get(&c, S("g1"), S("t"), 1, &oc) &&
	    oc.offset == 3 && oc.metadata == NULL && oc.leader_epoch == 0 &&
	    !fl_coord_offset_get(&c, S("g2"), S("t"), 0, &oc) &&
	    fl_coord_group_find(&c, S("g1"), &info) == 0 && info.generation == 6,
	    "... to its commits, its tombstone and its group's generation");
	fl_offsets_all(&c.offs, sum_cb, &before);
	CHECK_INT(fl_coord_legacy_count(&c), ==, 2, "... both live commits from legacy records");

	CHECK_INT(fl_coord_migrate(&c, 9000), ==, 0, "migrate: the live state written again");
	fl_coord_out(&c, &o);
	CHECK(o.roll_first && o.nbatches == 1 && !o.has_delete, "... after a roll, deleting nothing");
	while (pos < o.len) {
		struct fl_record_iter it;
		struct fl_record rec;
		uint64_t total;

		FL_ASSERT(fl_batch_peek_size(o.batches + pos, o.len - pos, &total) == 0);
		FL_ASSERT(fl_record_iter_init(&it, o.batches + pos, (size_t)total) == 0);
		while (fl_record_next(&it, &rec) == 1) {
			struct fl_offsets_rec r;
			struct fl_rd h;
			struct fl_record_header hd;

			nrec++;
			fl_rd_init(&h, rec.headers.p, rec.headers.len);
			if (fl_offsets_decode(rec.key, rec.value, &r) != 0 || rec.header_count != 1 ||
			    fl_record_header_next(&h, &hd) != 1 ||
			    !slice_is(hd.key, FL_OFFSETS_HEADER_KEY) ||
			    (r.kind == FL_OFFSETS_REC_COMMIT && r.value_version != 3) ||
			    (r.kind == FL_OFFSETS_REC_GROUP && (r.value_version != 3 ||
			    r.g.generation != 6)))
				all_kafka = 0;
		}
		pos += total;
	}
	CHECK(nrec == 3 && all_kafka,
	    "... 2 commits and 1 group, each in Kafka's v3 with the schema header");
	fl_coord_stored(&c, 0, 6, 9);

	/* the whole log (legacy, then migrated) replays to the same state */
	fl_coord_init(&back, NULL);
	fl_coord_replay(&back, w.p, w.len);
	fl_coord_replay(&back, o.batches, o.len);
	FL_ASSERT(fl_coord_replay_done(&back, 9) == 0);
	fl_offsets_all(&back.offs, sum_cb, &after);
	CHECK_INT(fl_coord_legacy_count(&back), ==, 0,
	    "after the migration no live commit rests on a legacy record");
	CHECK(back.skipped == 0 && after.n == before.n && fl_coord_offset_get(&back, S("g1"),
	    S("t"), 0, &oc) && oc.offset == 8 && strcmp(oc.metadata, "md") == 0 &&
	    fl_coord_offset_get(&back, S("g1"), S("t"), 1, &oc) && oc.offset == 3 &&
	    strcmp(oc.metadata, "") == 0 && fl_coord_group_find(&back, S("g1"), &info) == 0 &&
	    info.generation == 6, "legacy + migrated replay: same commits (null metadata now \"\")");
	/* and the migrated records alone (the legacy segments compacted away) too */
	fl_coord_free(&back);
	fl_coord_init(&back, NULL);
	fl_coord_replay(&back, o.batches, o.len);
	FL_ASSERT(fl_coord_replay_done(&back, 9) == 0);
	after.n = 0;
	fl_offsets_all(&back.offs, sum_cb, &after);
	CHECK(after.n == 2 && fl_coord_offset_get(&back, S("g1"), S("t"), 0, &oc) &&
	    oc.offset == 8 && fl_coord_group_find(&back, S("g1"), &info) == 0 &&
	    info.generation == 6 && strcmp(info.protocol, "range") == 0,
	    "the migrated records alone hold the whole state");
	fl_coord_free(&back);
	fl_coord_free(&c);
	fl_wr_free(&w);
}

int
main(void)
{
	test_table();
	test_encode();
	test_versions();
	test_legacy();
	test_migrate();
	return tap_done();
}
