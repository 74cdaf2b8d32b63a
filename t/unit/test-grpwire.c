/*
 * test-grpwire.c: the coordinator's answers as Kafka responses
 * (sm/grpwire.h), encoded at several versions and read back with the
 * client's decoders (codec/kclient.h): JoinGroup answers with more
 * members than any fixed table would hold and static members' instance
 * ids, SyncGroup answers, the NOT_COORDINATOR answer to a waiting request,
 * OffsetCommit and OffsetFetch answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/kclient.h"
#include "sm/grpwire.h"
#include "tap.h"

#define S(str) ((struct fl_slice){ (const uint8_t *)(str), strlen(str) })
#define NUL ((struct fl_slice){ NULL, 0 })
#define MEMBERS_MAX 40

static int
slice_is(struct fl_slice s, const char *want)
{
	if (want == NULL)
		return s.p == NULL;
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* The frame's payload (after the size) and its correlation id. */
static int
payload(const struct fl_wr *w, const uint8_t **p, size_t *n, int32_t want_corr)
{
	int32_t corr;

	if (w->err != 0 || w->len < 8)
		return 0;
	*p = w->p + 4;
	*n = w->len - 4;
	if ((size_t)((uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 |
	    (uint32_t)w->p[2] << 8 | w->p[3]) != *n)
		return 0;
	return fl_kc_resp_corr(*p, *n, &corr) == 0 && corr == want_corr;
}

/* ---- JoinGroup / SyncGroup ---- */

struct answer_row {
	const char *what;
	enum fl_grp_resp_kind kind;
	int16_t version;
	int16_t error;
	size_t nmembers;		/* JoinGroup: members the leader's answer lists */
	int is_static;			/* JoinGroup: even members have instance ids */
	const char *assignment;		/* SyncGroup; NULL: none */
};

static const struct answer_row answer_rows[] = {
	{ "join v5, leader, 12 members, static ones", FL_GRP_RESP_JOIN, 5, 0, 12, 1, NULL },
	{ "join v5, leader, 40 members", FL_GRP_RESP_JOIN, 5, 0, 40, 0, NULL },
	{ "join v4, leader, 9 members (no instance ids before v5)", FL_GRP_RESP_JOIN, 4, 0, 9, 1,
	    NULL },
	{ "join v2, leader, 3 members", FL_GRP_RESP_JOIN, 2, 0, 3, 0, NULL },
	{ "join v0, follower", FL_GRP_RESP_JOIN, 0, 0, 0, 0, NULL },
	{ "join v5, MEMBER_ID_REQUIRED", FL_GRP_RESP_JOIN, 5, FL_KERR_MEMBER_ID_REQUIRED, 0, 0,
	    NULL },
	{ "sync v3, an assignment", FL_GRP_RESP_SYNC, 3, 0, 0, 0, "assignment-bytes" },
	{ "sync v0, an assignment", FL_GRP_RESP_SYNC, 0, 0, 0, 0, "a" },
	{ "sync v1, REBALANCE_IN_PROGRESS, no assignment", FL_GRP_RESP_SYNC, 1,
	    FL_KERR_REBALANCE_IN_PROGRESS, 0, 0, NULL },
};

static void
check_join(const struct answer_row *row, const struct fl_grp_resp *r, const struct fl_wr *w,
    int32_t corr)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_join_resp jr;
	const uint8_t *p;
	size_t n, i, bad = 0;
	char what[200];

	snprintf(what, sizeof(what), "%s: decodes", row->what);
	if (!CHECK(payload(w, &p, &n, corr) && fl_kc_join_resp_decode(p, n, row->version, &a,
	    &jr) == 0, what))
		goto out;
	snprintf(what, sizeof(what), "%s: error, generation, protocol, leader, member id",
	    row->what);
	CHECK(jr.error == r->error && jr.generation_id == r->generation &&
	    slice_is(jr.protocol_name, r->protocol) && slice_is(jr.leader, r->leader) &&
	    slice_is(jr.member_id, r->member_id), what);
	snprintf(what, sizeof(what), "%s: every member listed", row->what);
	CHECK_INT(jr.nmembers, ==, r->nmembers, what);
	for (i = 0; i < jr.nmembers && i < r->nmembers; i++) {
		const struct fl_grp_member_view *m = &r->members[i];
		const char *inst = row->version >= 5 ? m->instance_id : NULL;

		if (!slice_is(jr.members[i].member_id, m->member_id) ||
		    !slice_is(jr.members[i].group_instance_id, inst) ||
		    jr.members[i].metadata.len != m->metadata_len ||
		    memcmp(jr.members[i].metadata.p, m->metadata, m->metadata_len) != 0)
			bad++;
	}
	snprintf(what, sizeof(what), "%s: ids, instance ids and metadata in order", row->what);
	CHECK_INT(bad, ==, 0, what);
out:
	fl_arena_free(&a);
}

static void
check_sync(const struct answer_row *row, const struct fl_wr *w, int32_t corr)
{
	struct fl_kc_sync_resp sr;
	const uint8_t *p;
	size_t n;
	char what[200];

	snprintf(what, sizeof(what), "%s: decodes", row->what);
	if (!CHECK(payload(w, &p, &n, corr) && fl_kc_sync_resp_decode(p, n, row->version,
	    &sr) == 0, what))
		return;
	snprintf(what, sizeof(what), "%s: error and assignment", row->what);
	CHECK(sr.error == row->error && slice_is(sr.assignment, row->assignment ?
	    row->assignment : ""), what);
}

static void
test_answers(void)
{
	static char ids[MEMBERS_MAX][32], insts[MEMBERS_MAX][32], metas[MEMBERS_MAX][32];
	struct fl_grp_member_view mv[MEMBERS_MAX];
	size_t k, i;

	for (i = 0; i < MEMBERS_MAX; i++) {
		snprintf(ids[i], sizeof(ids[i]), "member-%02zu-xyz", i);
		snprintf(insts[i], sizeof(insts[i]), "instance-%zu", i);
		snprintf(metas[i], sizeof(metas[i]), "metadata of %zu", i);
	}
	for (k = 0; k < FL_ARRAY_LEN(answer_rows); k++) {
		const struct answer_row *row = &answer_rows[k];
		struct fl_grp_resp r;
		struct fl_wr w;
		int32_t corr = 1000 + (int32_t)k;
		char what[200];

		FL_ASSERT(row->nmembers <= MEMBERS_MAX);
		for (i = 0; i < row->nmembers; i++) {
			mv[i].member_id = ids[i];
			mv[i].instance_id = row->is_static && i % 2 == 0 ? insts[i] : NULL;
			mv[i].metadata = (const uint8_t *)metas[i];
			mv[i].metadata_len = strlen(metas[i]);
		}
		memset(&r, 0, sizeof(r));
		r.token = 7;
		r.kind = row->kind;
		r.error = row->error;
		r.generation = row->error != 0 ? -1 : 3;
		r.protocol = row->error != 0 ? "" : "range";
		r.leader = row->error != 0 ? "" : ids[0];
		r.member_id = ids[row->nmembers > 0 ? 0 : 1];
		r.members = row->nmembers > 0 ? mv : NULL;
		r.nmembers = row->nmembers;
		r.assignment = (const uint8_t *)row->assignment;
		r.assignment_len = row->assignment ? strlen(row->assignment) : 0;
		fl_wr_init(&w, 1 << 20);
		snprintf(what, sizeof(what), "%s: encodes", row->what);
		CHECK_INT(fl_grpwire_answer_encode(&w, row->version, corr, &r), ==, 0, what);
		if (row->kind == FL_GRP_RESP_JOIN)
			check_join(row, &r, &w, corr);
		else
			check_sync(row, &w, corr);
		fl_wr_free(&w);
	}
}

/* ---- the answer to a request still waiting when the coordinator left ---- */

struct error_row {
	const char *what;
	int16_t api_key, version;
	int rc;
};

static const struct error_row error_rows[] = {
	{ "waiting join v5: NOT_COORDINATOR", FL_KP_JOIN_GROUP, 5, 0 },
	{ "waiting join v1: NOT_COORDINATOR", FL_KP_JOIN_GROUP, 1, 0 },
	{ "waiting sync v3: NOT_COORDINATOR", FL_KP_SYNC_GROUP, 3, 0 },
	{ "waiting sync v0: NOT_COORDINATOR", FL_KP_SYNC_GROUP, 0, 0 },
	{ "not a JoinGroup or SyncGroup: refused", FL_KP_HEARTBEAT, 1, FL_EINVAL },
};

static void
test_error_answers(void)
{
	size_t k;

	for (k = 0; k < FL_ARRAY_LEN(error_rows); k++) {
		const struct error_row *row = &error_rows[k];
		struct fl_arena a = FL_KC_ARENA_INIT;
		struct fl_wr w;
		const uint8_t *p;
		size_t n;
		int32_t corr = 2000 + (int32_t)k;
		int rc;

		fl_wr_init(&w, 1 << 16);
		rc = fl_grpwire_error_encode(&w, row->api_key, row->version, corr,
		    FL_KERR_NOT_COORDINATOR);
		if (!tap_ok(rc == row->rc, __FILE__, __LINE__, row->what) || rc != 0) {
			fl_wr_free(&w);
			continue;
		}
		if (row->api_key == FL_KP_JOIN_GROUP) {
			struct fl_kc_join_resp jr;

			CHECK(payload(&w, &p, &n, corr) &&
			    fl_kc_join_resp_decode(p, n, row->version, &a, &jr) == 0 &&
			    jr.error == FL_KERR_NOT_COORDINATOR && jr.generation_id == -1 &&
			    slice_is(jr.protocol_name, "") && slice_is(jr.leader, "") &&
			    slice_is(jr.member_id, "") && jr.nmembers == 0,
			    "... error, generation -1, empty strings, no members");
		} else {
			struct fl_kc_sync_resp sr;

			CHECK(payload(&w, &p, &n, corr) &&
			    fl_kc_sync_resp_decode(p, n, row->version, &sr) == 0 &&
			    sr.error == FL_KERR_NOT_COORDINATOR && slice_is(sr.assignment, ""),
			    "... error, empty assignment");
		}
		fl_arena_free(&a);
		fl_wr_free(&w);
	}
}

/* ---- OffsetCommit ---- */

static void
test_commit(void)
{
	struct fl_kp_offset_commit_part p0[3] = {
		{ 0, 10, -1, S("md"), -1 }, { 4, 11, 2, NUL, -1 }, { 2, 12, -1, S(""), -1 },
	};
	struct fl_kp_offset_commit_part p1[1] = { { 7, 99, -1, NUL, -1 } };
	struct fl_kp_offset_commit_topic t[3] = {
		{ S("t0"), p0, 3 }, { S("empty"), NULL, 0 }, { S("t1"), p1, 1 },
	};
	struct fl_kp_offset_commit_req req;
	static const int16_t errs[4] = { 0, FL_KERR_UNKNOWN_TOPIC_OR_PARTITION, 0,
	    FL_KERR_ILLEGAL_GENERATION };
	static const int16_t versions[] = { 2, 7 };
	struct fl_arena ra = FL_ARENA_INIT(1 << 16);
	struct fl_grpwire_commit gc;
	size_t k, vi;

	memset(&req, 0, sizeof(req));
	req.topics = t;
	req.ntopics = 3;
	CHECK_INT(fl_grpwire_commit_begin(&gc, &req, &ra), ==, 0, "commit: laid out");
	CHECK_INT(gc.nparts, ==, 4, "commit: every partition of the request");
	CHECK(gc.parts[0].partition == 0 && gc.parts[0].offset == 10 &&
	    slice_is(gc.parts[0].metadata, "md") && slice_is(gc.parts[0].topic, "t0") &&
	    gc.parts[1].partition == 4 && gc.parts[1].leader_epoch == 2 &&
	    gc.parts[1].metadata.p == NULL && gc.parts[3].partition == 7 &&
	    slice_is(gc.parts[3].topic, "t1") && gc.parts[3].offset == 99 &&
	    !gc.parts[0].is_known && gc.parts[0].error == 0,
	    "commit: partitions as the coordinator takes them, in request order");
	for (k = 0; k < 4; k++)
		gc.parts[k].error = errs[k];
	fl_grpwire_commit_end(&gc);
	for (vi = 0; vi < FL_ARRAY_LEN(versions); vi++) {
		struct fl_arena a = FL_KC_ARENA_INIT;
		struct fl_kc_commit_resp cr;
		struct fl_wr w;
		const uint8_t *p;
		size_t n;

		fl_wr_init(&w, 1 << 16);
		CHECK_INT(fl_kp_offset_commit_resp_encode(&w, versions[vi], 77, &gc.resp), ==, 0,
		    "commit answer encodes");
		CHECK(payload(&w, &p, &n, 77) &&
		    fl_kc_commit_resp_decode(p, n, versions[vi], &a, &cr) == 0 &&
		    cr.ntopics == 3 && slice_is(cr.topics[0].name, "t0") &&
		    cr.topics[0].nparts == 3 && cr.topics[1].nparts == 0 &&
		    cr.topics[2].nparts == 1 &&
		    cr.topics[0].parts[0].index == 0 && cr.topics[0].parts[0].error == 0 &&
		    cr.topics[0].parts[1].index == 4 &&
		    cr.topics[0].parts[1].error == FL_KERR_UNKNOWN_TOPIC_OR_PARTITION &&
		    cr.topics[0].parts[2].index == 2 && cr.topics[0].parts[2].error == 0 &&
		    cr.topics[2].parts[0].index == 7 &&
		    cr.topics[2].parts[0].error == FL_KERR_ILLEGAL_GENERATION,
		    "... decodes: topics, partitions and their errors in request order");
		fl_arena_free(&a);
		fl_wr_free(&w);
	}
	fl_grpwire_commit_fail(&gc, FL_KERR_NOT_COORDINATOR);
	fl_grpwire_commit_end(&gc);
	CHECK(gc.resp.topics[0].parts[0].error == FL_KERR_NOT_COORDINATOR &&
	    gc.resp.topics[0].parts[2].error == FL_KERR_NOT_COORDINATOR &&
	    gc.resp.topics[2].parts[0].error == FL_KERR_NOT_COORDINATOR &&
	    gc.resp.topics[2].parts[0].index == 7, "commit refused: every partition fails");
	fl_arena_free(&ra);
}

/* ---- OffsetFetch ---- */

/* Commit one offset of group "g" and make it durable. */
static void
commit_one(struct fl_coord *c, const char *topic, int32_t part, int64_t offset,
    const char *md, uint64_t *end)
{
	struct fl_coord_commit_part cp;
	struct fl_coord_out o;

	memset(&cp, 0, sizeof(cp));
	cp.topic = S(topic);
	cp.partition = part;
	cp.offset = offset;
	cp.leader_epoch = 4;
	cp.metadata = md ? S(md) : NUL;
	cp.is_known = 1;
	FL_ASSERT(fl_coord_commit(c, 1000, 5000, S("g"), S(""), NUL, -1, &cp, 1) == 0);
	fl_coord_out(c, &o);
	FL_ASSERT(o.len > 0);
	fl_coord_stored(c, 0, *end, *end + 1);
	(*end)++;
	FL_ASSERT(fl_coord_commit_result(c, 0, &cp, 1) == 1 && cp.error == 0);
	fl_coord_durable(c, *end);
}

static void
test_fetch(void)
{
	struct fl_coord_config cfg;
	struct fl_coord c;
	int32_t parts[3] = { 0, 1, 5 };
	struct fl_kp_offset_fetch_topic ft[2] = { { S("t0"), parts, 3 }, { S("t1"), parts, 1 } };
	struct fl_kp_offset_fetch_req req;
	static const int16_t versions[] = { 1, 5 };
	uint64_t end = 0;
	size_t vi;

	fl_coord_config_default(&cfg);
	fl_coord_init(&c, &cfg);
	FL_ASSERT(fl_coord_replay_done(&c, 0) == 0);
	commit_one(&c, "t0", 0, 40, "md", &end);
	commit_one(&c, "t0", 5, 41, NULL, &end);
	memset(&req, 0, sizeof(req));
	req.group_id = S("g");
	req.topics = ft;
	req.ntopics = 2;
	for (vi = 0; vi < FL_ARRAY_LEN(versions); vi++) {
		int16_t v = versions[vi];
		struct fl_arena ra = FL_ARENA_INIT(1 << 16), a = FL_KC_ARENA_INIT;
		struct fl_kp_offset_fetch_resp resp;
		struct fl_kc_offset_fetch_resp fr;
		struct fl_wr w;
		const uint8_t *p;
		size_t n;

		fl_wr_init(&w, 1 << 16);
		CHECK_INT(fl_grpwire_fetch_resp(&c, &req, &ra, &resp), ==, 0, "fetch: answered");
		CHECK_INT(fl_kp_offset_fetch_resp_encode(&w, v, 5, &resp), ==, 0, "... encodes");
		CHECK(payload(&w, &p, &n, 5) && fl_kc_offset_fetch_resp_decode(p, n, v, &a, &fr) == 0 &&
		    fr.error == 0 && fr.ntopics == 2 && fr.topics[0].nparts == 3 &&
		    fr.topics[0].parts[0].index == 0 && fr.topics[0].parts[0].offset == 40 &&
		    fr.topics[0].parts[0].leader_epoch == (v >= 5 ? 4 : -1) &&
		    slice_is(fr.topics[0].parts[0].metadata, "md") &&
		    fr.topics[0].parts[1].index == 1 && fr.topics[0].parts[1].offset == -1 &&
		    slice_is(fr.topics[0].parts[1].metadata, "") &&
		    fr.topics[0].parts[2].index == 5 && fr.topics[0].parts[2].offset == 41 &&
		    slice_is(fr.topics[0].parts[2].metadata, "") &&
		    slice_is(fr.topics[1].name, "t1") && fr.topics[1].parts[0].offset == -1,
		    "... commits where there are, -1 and \"\" where not, null metadata "
		    "as \"\" (stored so, as Kafka does)");
		fl_arena_free(&a);
		fl_wr_reset(&w);
		CHECK_INT(fl_grpwire_fetch_refuse(&req, FL_KERR_NOT_COORDINATOR, &ra, &resp), ==, 0,
		    "fetch refused: answered");
		CHECK(fl_kp_offset_fetch_resp_encode(&w, v, 6, &resp) == 0 && payload(&w, &p, &n, 6) &&
		    fl_kc_offset_fetch_resp_decode(p, n, v, &a, &fr) == 0 &&
		    fr.error == (v >= 2 ? FL_KERR_NOT_COORDINATOR : 0) && fr.ntopics == 2 &&
		    fr.topics[0].parts[0].error == FL_KERR_NOT_COORDINATOR &&
		    fr.topics[0].parts[0].offset == -1 && fr.topics[0].parts[2].index == 5 &&
		    fr.topics[1].parts[0].error == FL_KERR_NOT_COORDINATOR,
		    "... NOT_COORDINATOR everywhere, nothing committed shown");
		fl_arena_free(&a);
		fl_arena_free(&ra);
		fl_wr_free(&w);
	}
	{
		/* every topic of the group (v2+): null metadata goes out as "" there */
		struct fl_arena ra = FL_ARENA_INIT(1 << 16), a = FL_KC_ARENA_INIT;
		struct fl_kp_offset_fetch_resp resp;
		struct fl_kc_offset_fetch_resp fr;
		struct fl_wr w;
		const uint8_t *p;
		size_t n, i, seen = 0;

		req.is_all_topics = 1;
		req.topics = NULL;
		req.ntopics = 0;
		fl_wr_init(&w, 1 << 16);
		CHECK(fl_grpwire_fetch_resp(&c, &req, &ra, &resp) == 0 &&
		    fl_kp_offset_fetch_resp_encode(&w, 5, 8, &resp) == 0 && payload(&w, &p, &n, 8) &&
		    fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &fr) == 0 && fr.ntopics == 1 &&
		    slice_is(fr.topics[0].name, "t0") && fr.topics[0].nparts == 2,
		    "fetch all: the group's one topic, two partitions");
		for (i = 0; fr.ntopics == 1 && i < fr.topics[0].nparts; i++) {
			const struct fl_kc_offset_fetch_part_resp *q = &fr.topics[0].parts[i];

			if (q->index == 0 && q->offset == 40 && slice_is(q->metadata, "md"))
				seen |= 1;
			if (q->index == 5 && q->offset == 41 && slice_is(q->metadata, ""))
				seen |= 2;
		}
		CHECK_INT(seen, ==, 3, "... both commits, null metadata as \"\"");
		fl_arena_free(&a);
		fl_arena_free(&ra);
		fl_wr_free(&w);
	}
	fl_coord_free(&c);
}

/*
 * The fields of the newer versions: JoinGroup v7+'s ProtocolType (null
 * when none) and nullable ProtocolName, v9's SkipAssignment; SyncGroup
 * v5's ProtocolType and ProtocolName.  Compared with the kproto encoding
 * of what Kafka answers.
 */
static int
same_bytes(const struct fl_wr *a, const struct fl_wr *b)
{
	return a->err == 0 && b->err == 0 && a->len == b->len &&
	    memcmp(a->p, b->p, a->len) == 0;
}

static void
test_new_versions(void)
{
	struct fl_grp_member_view v = { "m-2", "i-1", (const uint8_t *)"md", 2 };
	struct fl_grp_resp r;
	struct fl_wr got, want;
	int16_t ver;

	fl_wr_init(&got, 1 << 16);
	fl_wr_init(&want, 1 << 16);
	memset(&r, 0, sizeof(r));
	r.kind = FL_GRP_RESP_JOIN;
	r.generation = 3;
	r.protocol = "range";
	r.protocol_type = "consumer";
	r.leader = r.member_id = "m-2";
	r.members = &v;
	r.nmembers = 1;
	r.skip_assignment = 1;
	r.assignment = (const uint8_t *)"";
	for (ver = 5; ver <= 9; ver++) {
		struct fl_kp_join_member jm = { S("m-2"), S("i-1"), { (const uint8_t *)"md", 2 } };
		struct fl_kp_join_group_resp jr = { 0, 0, 3, S("range"), S("m-2"), S("m-2"),
		    &jm, 1, S("consumer"), 1 };
		char what[80];

		fl_wr_reset(&got);
		fl_wr_reset(&want);
		fl_grpwire_answer_encode(&got, ver, 5, &r);
		fl_kp_join_group_resp_encode(&want, ver, 5, &jr);
		snprintf(what, sizeof(what), "JoinGroup v%d answer: type, name, SkipAssignment", ver);
		CHECK(same_bytes(&got, &want), what);
	}
	/* an error answer: no protocol; v7+ send nulls, v6 empty strings */
	fl_wr_reset(&got);
	fl_grpwire_error_encode(&got, FL_KP_JOIN_GROUP, 7, 5, FL_KERR_NOT_COORDINATOR);
	{
		struct fl_kp_join_group_resp jr = { 0, FL_KERR_NOT_COORDINATOR, -1, NUL, S(""), S(""),
		    NULL, 0, NUL, 0 };

		fl_wr_reset(&want);
		fl_kp_join_group_resp_encode(&want, 7, 5, &jr);
		CHECK(same_bytes(&got, &want), "JoinGroup v7 error: null ProtocolType and ProtocolName");
		jr.protocol_name = S("");
		fl_wr_reset(&got);
		fl_wr_reset(&want);
		fl_grpwire_error_encode(&got, FL_KP_JOIN_GROUP, 6, 5, FL_KERR_NOT_COORDINATOR);
		fl_kp_join_group_resp_encode(&want, 6, 5, &jr);
		CHECK(same_bytes(&got, &want), "JoinGroup v6 error: an empty ProtocolName");
	}
	/* SyncGroup v5 */
	memset(&r, 0, sizeof(r));
	r.kind = FL_GRP_RESP_SYNC;
	r.protocol = "range";
	r.protocol_type = "consumer";
	r.assignment = (const uint8_t *)"AB";
	r.assignment_len = 2;
	{
		struct fl_kp_sync_group_resp sr = { 0, 0, S("AB"), S("consumer"), S("range") };

		fl_wr_reset(&got);
		fl_wr_reset(&want);
		fl_grpwire_answer_encode(&got, 5, 5, &r);
		fl_kp_sync_group_resp_encode(&want, 5, 5, &sr);
		CHECK(same_bytes(&got, &want), "SyncGroup v5 answer: the group's type and name");
		sr.protocol_type = sr.protocol_name = NUL;
		sr.error = FL_KERR_NOT_COORDINATOR;
		sr.assignment = S("");
		fl_wr_reset(&got);
		fl_wr_reset(&want);
		fl_grpwire_error_encode(&got, FL_KP_SYNC_GROUP, 5, 5, FL_KERR_NOT_COORDINATOR);
		fl_kp_sync_group_resp_encode(&want, 5, 5, &sr);
		CHECK(same_bytes(&got, &want), "SyncGroup v5 error: nulls");
	}
	fl_wr_free(&got);
	fl_wr_free(&want);
}

int
main(void)
{
	test_answers();
	test_error_answers();
	test_commit();
	test_fetch();
	test_new_versions();
	return tap_done();
}
