/*
 * test-coord.c: the coordinator (sm/coord.h) driven as its daemon drives
 * it, by a tiny in-memory "offsets log" that appends what it asks, reports
 * durability when told to, and replays itself into a second coordinator.
 * Steps are tables of (now, input) -> (answers, records stored, what
 * OffsetFetch shows).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "sm/coord.h"
#include "tap.h"

#define S(str) ((struct fl_slice){ (const uint8_t *)(str), strlen(str) })
#define NUL ((struct fl_slice){ NULL, 0 })

/* ---- the fake offsets log ---- */

struct flog {
	uint8_t *bytes;			/* batches back to back */
	size_t len;
	uint64_t start, end;		/* offsets */
	uint64_t durable;
	size_t seg_at;			/* byte position where the active segment begins */
	uint64_t seg_base;
	int fail_next;			/* the next append fails */
	int rolls, deletes;
};

static struct flog lg;

static int
count_records(const uint8_t *p, size_t n)
{
	struct fl_record_iter it;
	struct fl_record r;
	int k = 0;

	if (fl_record_iter_init(&it, p, n) != 0)
		return -1;
	while (fl_record_next(&it, &r) == 1)
		k++;
	return k;
}

/* Carry out the coordinator's output, as flume-serve's apply_out does. */
static int
apply(struct fl_coord *c)
{
	struct fl_coord_out o;
	uint64_t base = lg.end;
	size_t pos = 0;
	int rc = 0;

	fl_coord_out(c, &o);
	if (o.len > 0) {
		if (lg.fail_next) {
			lg.fail_next = 0;
			rc = FL_ESYS;
		} else {
			if (o.roll_first) {
				lg.rolls++;
				lg.seg_at = lg.len;
				lg.seg_base = lg.end;
			}
			while (pos < o.len) {
				uint64_t total;

				FL_ASSERT(fl_batch_peek_size(o.batches + pos, o.len - pos, &total) == 0);
				lg.bytes = realloc(lg.bytes, lg.len + total);
				memcpy(lg.bytes + lg.len, o.batches + pos, total);
				lg.len += total;
				lg.end += (uint64_t)count_records(o.batches + pos, total);
				pos += total;
			}
		}
		fl_coord_stored(c, rc, base, lg.end);
	}
	if (o.has_delete) {
		/* drop everything before the active segment */
		FL_ASSERT(o.delete_before == lg.seg_base);
		memmove(lg.bytes, lg.bytes + lg.seg_at, lg.len - lg.seg_at);
		lg.len -= lg.seg_at;
		lg.seg_at = 0;
		lg.start = lg.seg_base;
		lg.deletes++;
		fl_coord_deleted(c, 0);
	}
	return rc;
}

static void
make_durable(struct fl_coord *c)
{
	lg.durable = lg.end;
	fl_coord_durable(c, lg.durable);
}

static void
replay_into(struct fl_coord *c)
{
	size_t pos = 0;

	while (pos < lg.len) {
		uint64_t total;

		FL_ASSERT(fl_batch_peek_size(lg.bytes + pos, lg.len - pos, &total) == 0);
		fl_coord_replay(c, lg.bytes + pos, (size_t)total);
		pos += total;
	}
	FL_ASSERT(fl_coord_replay_done(c, lg.durable) == 0);
}

static struct fl_coord_log
log_view(void)
{
	struct fl_coord_log l = { lg.start, lg.end, lg.len, 0 };

	return l;
}

/* ---- helpers ---- */

static int64_t
fetched(const struct fl_coord *c, const char *g, const char *t, int32_t p)
{
	struct fl_offset_commit oc;

	return fl_coord_offset_get(c, S(g), S(t), p, &oc) ? oc.offset : -1;
}

struct commit_row {
	const char *what;
	const char *group, *member;
	int32_t generation;
	const char *topic;
	int32_t partition;
	int64_t offset;
	int is_known;
	size_t metadata_len;
	int fail_store;
	/* expected */
	int16_t error;
	int waits;			/* the answer waits for durability */
	uint64_t log_end_after;
	int64_t visible_before, visible_after;	/* OffsetFetch before / after durable */
};

static void
run_commit_rows(struct fl_coord *c, const struct commit_row *rows, size_t n)
{
	size_t i;
	static char md[5000];

	memset(md, 'm', sizeof(md));
	for (i = 0; i < n; i++) {
		const struct commit_row *r = &rows[i];
		struct fl_coord_commit_part p;
		char what[200];
		int rc, waits;

		memset(&p, 0, sizeof(p));
		p.topic = S(r->topic);
		p.partition = r->partition;
		p.offset = r->offset;
		p.leader_epoch = -1;
		p.metadata = r->metadata_len ? (struct fl_slice){ (const uint8_t *)md,
		    r->metadata_len } : NUL;
		p.is_known = r->is_known;
		lg.fail_next = r->fail_store;
		(void)fl_coord_commit(c, 1000, 5000, S(r->group), S(r->member), NUL,
		    r->generation, &p, 1);
		rc = apply(c);
		waits = fl_coord_commit_result(c, rc, &p, 1);
		snprintf(what, sizeof(what), "commit %s: error", r->what);
		CHECK_INT(p.error, ==, r->error, what);
		snprintf(what, sizeof(what), "commit %s: waits for durability", r->what);
		CHECK_INT(waits, ==, r->waits, what);
		snprintf(what, sizeof(what), "commit %s: records stored", r->what);
		CHECK_U64(lg.end, ==, r->log_end_after, what);
		snprintf(what, sizeof(what), "commit %s: OffsetFetch before durable", r->what);
		CHECK_INT(fetched(c, r->group, r->topic, r->partition), ==, r->visible_before, what);
		make_durable(c);
		snprintf(what, sizeof(what), "commit %s: OffsetFetch once durable", r->what);
		CHECK_INT(fetched(c, r->group, r->topic, r->partition), ==, r->visible_after, what);
	}
}

static void
test_commits(struct fl_coord *c)
{
	static const struct commit_row rows[] = {
		{ "standalone", "g1", "", -1, "t", 0, 10, 1, 0, 0, 0, 1, 1, -1, 10 },
		{ "a newer one", "g1", "", -1, "t", 0, 20, 1, 0, 0, 0, 1, 2, 10, 20 },
		{ "an unknown partition", "g1", "", -1, "nope", 0, 5, 0, 0, 0, 3, 0, 2, -1, -1 },
		{ "metadata too large", "g1", "", -1, "t", 1, 5, 1, 4097, 0, 12, 0, 2, -1, -1 },
		{ "a failed store", "g1", "", -1, "t", 2, 7, 1, 0, 1, 56, 0, 2, -1, -1 },
		{ "an unknown member", "g1", "m-x", 3, "t", 0, 99, 1, 0, 0, 25, 0, 2, 20, 20 },
	};

	run_commit_rows(c, rows, FL_ARRAY_LEN(rows));
}

/* Two commits in one request: each shows once the log is durable past its own record. */
static void
test_partial_durability(struct fl_coord *c)
{
	struct fl_coord_commit_part p[2];
	uint64_t base = lg.end;
	int i;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		p[i].topic = S("u");
		p[i].partition = i;
		p[i].offset = 40 + i;
		p[i].leader_epoch = -1;
		p[i].is_known = 1;
	}
	(void)fl_coord_commit(c, 1000, 5000, S("g2"), S(""), NUL, -1, p, 2);
	CHECK_INT(fl_coord_commit_result(c, apply(c), p, 2), ==, 1, "two commits stored");
	CHECK_U64(lg.end, ==, base + 2, "two records");
	fl_coord_durable(c, base + 1);
	CHECK_INT(fetched(c, "g2", "u", 0), ==, 40, "the first is shown once durable past it");
	CHECK_INT(fetched(c, "g2", "u", 1), ==, -1, "the second is not durable yet");
	make_durable(c);
	CHECK_INT(fetched(c, "g2", "u", 1), ==, 41, "then the second");
}

static uint64_t join_tok[2];

static void
join(struct fl_coord *c, uint64_t now, uint64_t token, const char *member)
{
	struct fl_grp_protocol pr = { S("range"), S("meta") };
	struct fl_grp_join_req jr;

	memset(&jr, 0, sizeof(jr));
	jr.token = token;
	jr.version = 3;			/* no MEMBER_ID_REQUIRED round trip */
	jr.group_id = S("grp");
	jr.member_id = S(member);
	jr.instance_id = NUL;
	jr.client_id = S("c");
	jr.client_host = S("/h");
	jr.session_ms = 10000;
	jr.rebalance_ms = 10000;
	jr.protocol_type = S("consumer");
	jr.protocols = &pr;
	jr.nprotocols = 1;
	memset(jr.random, (int)token, sizeof(jr.random));
	FL_ASSERT(fl_coord_join(c, now, 5000, &jr) == 0);
	(void)apply(c);
}

static void
test_generations(struct fl_coord *c)
{
	const struct fl_grp_resp *r;
	struct fl_coord_log l;
	struct fl_grp_info info;
	uint64_t before = lg.end;
	size_t n;

	join_tok[0] = 1;
	join_tok[1] = 2;
	join(c, 1000, 1, "");
	join(c, 1000, 2, "");
	r = fl_coord_answers(c, &n);
	CHECK_INT(n, ==, 0, "joins wait for the initial delay");
	l = log_view();
	(void)fl_coord_tick(c, 1000 + 3000, 5000, &l);
	r = fl_coord_answers(c, &n);
	CHECK_INT(n, ==, 2, "the join round ends: both answered");
	CHECK(n == 2 && r[0].error == 0 && r[0].generation == 1, "generation 1");
	(void)apply(c);
	CHECK_U64(lg.end, ==, before + 1, "one group record for the new generation");
	l = log_view();
	(void)fl_coord_tick(c, 4001, 5000, &l);
	(void)apply(c);
	CHECK_U64(lg.end, ==, before + 1, "nothing more while the generation stands");
	make_durable(c);
	CHECK(fl_coord_group_find(c, S("grp"), &info) == 0 && info.generation == 1,
	    "the group is at generation 1");
}

static void
test_replay(struct fl_coord *c)
{
	struct fl_coord fresh;
	struct fl_grp_info info;

	fl_coord_init(&fresh, &c->cfg);
	replay_into(&fresh);
	CHECK_INT(fetched(&fresh, "g1", "t", 0), ==, 20, "replay: the newest commit wins");
	CHECK_INT(fetched(&fresh, "g1", "t", 2), ==, -1, "replay: the failed store left nothing");
	CHECK(fl_coord_group_find(&fresh, S("grp"), &info) == 0 && info.generation == 1 &&
	    info.nmembers == 0, "replay: the group is back, Empty, at its generation");
	fl_coord_free(&fresh);
}

/* DeleteGroups and OffsetDelete: Kafka's errors, tombstones that replay. */
static void
test_delete(struct fl_coord *c)
{
	struct fl_coord fresh;
	struct fl_coord_odel_part od[3];
	struct fl_grp_info info;
	uint64_t before;

	CHECK_INT(fl_coord_delete_group(c, 5000, S("nope")), ==, FL_KERR_GROUP_ID_NOT_FOUND,
	    "delete an unknown group: GROUP_ID_NOT_FOUND");
	CHECK_INT(fl_coord_delete_group(c, 5000, S("grp")), ==, FL_KERR_NON_EMPTY_GROUP,
	    "delete a group with members: NON_EMPTY_GROUP");
	CHECK(fl_coord_group_find(c, S("grp"), &info) == 0, "which stays");

	memset(od, 0, sizeof(od));
	od[0].topic = S("u"); od[0].partition = 0; od[0].is_known = 1;
	od[1].topic = S("u"); od[1].partition = 7; od[1].is_known = 0;
	od[2].topic = S("u"); od[2].partition = 5; od[2].is_known = 1;
	before = lg.end;
	CHECK_INT(fl_coord_offset_delete(c, 5000, S("nope"), od, 3), ==,
	    FL_KERR_GROUP_ID_NOT_FOUND, "OffsetDelete of an unknown group: GROUP_ID_NOT_FOUND");
	CHECK_INT(fl_coord_offset_delete(c, 5000, S("g2"), od, 3), ==, 0, "OffsetDelete g2");
	(void)apply(c);
	CHECK(od[0].error == 0 && od[1].error == FL_KERR_UNKNOWN_TOPIC_OR_PARTITION &&
	    od[2].error == 0, "per partition: done, unknown, nothing to delete");
	CHECK_U64(lg.end, ==, before + 1, "one tombstone");
	CHECK_INT(fetched(c, "g2", "u", 0), ==, -1, "u-0's commit is gone");
	CHECK_INT(fetched(c, "g2", "u", 1), ==, 41, "u-1's stays");
	od[0].topic = S("t");
	CHECK_INT(fl_coord_offset_delete(c, 5000, S("grp"), od, 1), ==, 0,
	    "OffsetDelete on an active consumer group");
	CHECK_INT(od[0].error, ==, FL_KERR_GROUP_SUBSCRIBED_TO_TOPIC,
	    "a topic its members may subscribe to: GROUP_SUBSCRIBED_TO_TOPIC");

	before = lg.end;
	CHECK_INT(fl_coord_delete_group(c, 5000, S("g1")), ==, 0, "delete g1 (Empty, commits)");
	(void)apply(c);
	CHECK_U64(lg.end, ==, before + 2, "a commit tombstone and a group tombstone");
	CHECK_INT(fetched(c, "g1", "t", 0), ==, -1, "its commit is gone");
	CHECK(fl_coord_group_find(c, S("g1"), &info) != 0, "and the group");
	CHECK_INT(fl_coord_delete_group(c, 5000, S("g1")), ==, FL_KERR_GROUP_ID_NOT_FOUND,
	    "deleting it again: GROUP_ID_NOT_FOUND");
	make_durable(c);

	fl_coord_init(&fresh, &c->cfg);
	replay_into(&fresh);
	CHECK_INT(fetched(&fresh, "g1", "t", 0), ==, -1, "replay: g1's commit stays deleted");
	CHECK(fl_coord_group_find(&fresh, S("g1"), &info) != 0, "replay: g1 stays deleted");
	CHECK_INT(fetched(&fresh, "g2", "u", 0), ==, -1, "replay: the OffsetDelete holds");
	CHECK_INT(fetched(&fresh, "g2", "u", 1), ==, 41, "replay: the rest stays");
	fl_coord_free(&fresh);
}

static void
test_compaction(struct fl_coord *c)
{
	struct fl_coord_log l;
	struct fl_coord fresh;
	int i;

	/* many commits of one key: the log grows, the live set stays small */
	for (i = 0; i < 200; i++) {
		struct fl_coord_commit_part p;

		memset(&p, 0, sizeof(p));
		p.topic = S("t");
		p.partition = 0;
		p.offset = 100 + i;
		p.leader_epoch = -1;
		p.is_known = 1;
		(void)fl_coord_commit(c, 5000, 5000, S("g1"), S(""), NUL, -1, &p, 1);
		(void)fl_coord_commit_result(c, apply(c), &p, 1);
	}
	/* one commit stored but not yet durable when the snapshot is taken */
	make_durable(c);
	{
		struct fl_coord_commit_part p;

		memset(&p, 0, sizeof(p));
		p.topic = S("t");
		p.partition = 0;
		p.offset = 777;
		p.leader_epoch = -1;
		p.is_known = 1;
		(void)fl_coord_commit(c, 5000, 5000, S("g1"), S(""), NUL, -1, &p, 1);
		(void)fl_coord_commit_result(c, apply(c), &p, 1);
	}
	l = log_view();
	(void)fl_coord_tick(c, 9000, 5000, &l);
	(void)apply(c);
	CHECK_INT(lg.rolls, ==, 1, "past the threshold: the log is rolled for a snapshot");
	CHECK_INT(lg.deletes, ==, 0, "nothing deleted before the snapshot is durable");
	l = log_view();
	(void)fl_coord_tick(c, 9100, 5000, &l);
	(void)apply(c);
	CHECK_INT(lg.deletes, ==, 0, "still not durable: still nothing deleted");
	make_durable(c);
	l = log_view();
	(void)fl_coord_tick(c, 9200, 5000, &l);
	(void)apply(c);
	CHECK_INT(lg.deletes, ==, 1, "durable: the segments before the snapshot go");
	CHECK_INT(fetched(c, "g1", "t", 0), ==, 777, "the newest commit is visible");
	fl_coord_init(&fresh, &c->cfg);
	replay_into(&fresh);
	CHECK_INT(fetched(&fresh, "g1", "t", 0), ==, 777,
	    "replay of the compacted log keeps the commit that was not yet durable");
	{
		struct fl_grp_info info;

		CHECK(fl_coord_group_find(&fresh, S("grp"), &info) == 0 && info.generation == 1,
		    "replay of the compacted log keeps the group and its generation");
	}
	fl_coord_free(&fresh);
}

static void
test_sweep(struct fl_coord *c)
{
	struct fl_coord_log l = log_view();
	struct fl_grp_info info;

	/* a group known only through a failed commit: Empty, no offsets */
	FL_ASSERT(fl_coord_commit(c, 20000, 5000, S("adhoc"), S(""), NUL, -1, NULL, 0) == 0);
	(void)apply(c);
	CHECK(fl_coord_group_find(c, S("adhoc"), &info) == 0, "a commit creates its group");
	(void)fl_coord_tick(c, 20000 + FL_COORD_SWEEP_MS + 1, 5000, &l);
	(void)apply(c);
	CHECK(fl_coord_group_find(c, S("adhoc"), &info) != 0,
	    "an Empty group without offsets is forgotten by the sweep");
	CHECK(fl_coord_group_find(c, S("g1"), &info) == 0, "a group with offsets stays");
}

/* Without an offsets log yet, the timers still move on (no busy loop). */
static void
test_timers_without_log(void)
{
	struct fl_coord c;

	fl_coord_init(&c, NULL);
	FL_ASSERT(fl_coord_replay_done(&c, 0) == 0);
	(void)fl_coord_tick(&c, 1000, 1000, NULL);
	CHECK(fl_coord_next_wake(&c) > 1000, "after a tick with no log, the next wake is ahead");
	fl_coord_free(&c);
}

/* Where the coordinator is: (cluster?, the offsets log's role here) -> answer. */
static void
test_find(void)
{
	static const struct {
		struct fl_coord_where w;
		int8_t key_type;
		const char *key;
		int16_t error;
		int32_t node;
		int is_here;
		const char *what;
	} tab[] = {
		{ { 0, 0, FL_ROLE_OFFLINE, -1, 7 }, 0, "g", 0, 7, 1,
		  "one node: always here, even before the offsets log exists" },
		{ { 1, 1, FL_ROLE_LEADER, 3, 3 }, 0, "g", 0, 3, 1,
		  "cluster, leading __consumer_offsets-0: here" },
		{ { 1, 1, FL_ROLE_FOLLOWER, 2, 3 }, 0, "g", 0, 2, 0,
		  "cluster, following it: the leader" },
		{ { 1, 1, FL_ROLE_OFFLINE, -1, 3 }, 0, "g", FL_KERR_COORDINATOR_NOT_AVAILABLE, -1, 0,
		  "cluster, offline here: not available" },
		{ { 1, 0, FL_ROLE_OFFLINE, -1, 3 }, 0, "g", FL_KERR_COORDINATOR_NOT_AVAILABLE, -1, 0,
		  "cluster, not a replica of it: not available" },
		{ { 1, 1, FL_ROLE_LEADER, 3, 3 }, 0, "", FL_KERR_INVALID_GROUP_ID, -1, 1,
		  "an empty group id is invalid" },
		{ { 0, 0, FL_ROLE_OFFLINE, -1, 7 }, 1, "tx", FL_KERR_COORDINATOR_NOT_AVAILABLE, -1, 1,
		  "transactions are not supported" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const char *msg;
		int32_t node;
		int16_t err = fl_coord_find(tab[i].key_type, S(tab[i].key), &tab[i].w, &node, &msg);

		CHECK_INT(err, ==, tab[i].error, tab[i].what);
		CHECK_INT(node, ==, tab[i].node, tab[i].what);
		CHECK_INT(fl_coord_is_here(&tab[i].w), ==, tab[i].is_here, tab[i].what);
	}
	CHECK_INT(fl_coord_commit_error(0), ==, 0, "a stored commit: no error");
	CHECK_INT(fl_coord_commit_error(FL_KERR_NOT_LEADER_OR_FOLLOWER), ==,
	    FL_KERR_NOT_COORDINATOR, "leadership lost: NOT_COORDINATOR");
	CHECK_INT(fl_coord_commit_error(FL_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND), ==,
	    FL_KERR_COORDINATOR_NOT_AVAILABLE, "too few replicas: COORDINATOR_NOT_AVAILABLE");
	CHECK_INT(fl_coord_commit_error(FL_KERR_REQUEST_TIMED_OUT), ==,
	    FL_KERR_COORDINATOR_NOT_AVAILABLE, "timed out: COORDINATOR_NOT_AVAILABLE");
}

/* ---- group records: Kafka's GroupMetadataValue with the members ---- */

/* The last group record in c's output: 1 and *r (borrowing the output), or 0. */
static int
last_group_record(struct fl_coord *c, struct fl_offsets_rec *r)
{
	struct fl_coord_out o;
	size_t pos = 0;
	int found = 0;

	fl_coord_out(c, &o);
	while (pos < o.len) {
		struct fl_record_iter it;
		struct fl_record rec;
		struct fl_offsets_rec x;
		uint64_t total;

		FL_ASSERT(fl_batch_peek_size(o.batches + pos, o.len - pos, &total) == 0);
		FL_ASSERT(fl_record_iter_init(&it, o.batches + pos, (size_t)total) == 0);
		while (fl_record_next(&it, &rec) == 1)
			if (fl_offsets_decode(rec.key, rec.value, &x) == 0 &&
			    x.kind == FL_OFFSETS_REC_GROUP) {
				*r = x;
				found = 1;
			}
		pos += total;
	}
	return found;
}

static int
slice_eq(struct fl_slice s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void
test_group_records(void)
{
	struct fl_coord d;
	struct fl_grp_protocol pr = { S("range"), S("meta") };
	struct fl_grp_join_req jr;
	struct fl_grp_sync_req sr;
	struct fl_grp_assignment asg;
	struct fl_offsets_rec r;
	struct fl_offsets_member m;
	struct fl_rd cur;
	const struct fl_grp_resp *a;
	char id[256];
	size_t n;

	fl_coord_init(&d, NULL);
	FL_ASSERT(fl_coord_replay_done(&d, 0) == 0);
	memset(&jr, 0, sizeof(jr));
	jr.token = 1;
	jr.version = 3;
	jr.group_id = S("gr");
	jr.member_id = S("");
	jr.instance_id = S("inst-1");
	jr.client_id = S("c");
	jr.client_host = S("/h");
	jr.session_ms = 10000;
	jr.rebalance_ms = 20000;
	jr.protocol_type = S("consumer");
	jr.protocols = &pr;
	jr.nprotocols = 1;
	FL_ASSERT(fl_coord_join(&d, 1000, 5000, &jr) == 0);
	fl_coord_stored(&d, 0, 0, 0);
	(void)fl_coord_tick(&d, 4000, 6000, NULL);
	a = fl_coord_answers(&d, &n);
	FL_ASSERT(n == 1 && a[0].error == 0);
	snprintf(id, sizeof(id), "%s", a[0].member_id);
	CHECK(last_group_record(&d, &r) && r.value_version == 3 && slice_eq(r.group, "gr") &&
	    r.g.generation == 1 && slice_eq(r.g.protocol_type, "consumer") &&
	    slice_eq(r.g.protocol, "range") && slice_eq(r.g.leader, id) && r.g.state_ms == 6000 &&
	    r.g.nmembers == 1, "join round over: a GroupMetadataValue v3 of generation 1");
	memset(&cur, 0, sizeof(cur));
	CHECK(fl_offsets_member_next(&r, &cur, &m) == 1 && slice_eq(m.member_id, id) &&
	    slice_eq(m.instance_id, "inst-1") && slice_eq(m.client_id, "c") &&
	    slice_eq(m.client_host, "/h") && m.rebalance_ms == 20000 && m.session_ms == 10000 &&
	    slice_eq(m.subscription, "meta") && m.assignment.len == 0,
	    "... with its member and subscription, no assignment yet");
	fl_coord_stored(&d, 0, 0, 1);
	memset(&sr, 0, sizeof(sr));
	asg.member_id = S(id);
	asg.assignment = S("asg");
	sr.token = 2;
	sr.group_id = S("gr");
	sr.member_id = S(id);
	sr.instance_id = S("inst-1");
	sr.generation = 1;
	sr.assignments = &asg;
	sr.nassignments = 1;
	FL_ASSERT(fl_coord_sync(&d, 4001, 6001, &sr) == 0);
	a = fl_coord_answers(&d, &n);
	FL_ASSERT(n == 1 && a[0].error == 0);
	CHECK(!last_group_record(&d, &r),
	    "the leader's SyncGroup writes no second record (assignments: snapshots only)");
	fl_coord_stored(&d, 0, 1, 1);
	FL_ASSERT(fl_coord_heartbeat(&d, 4002, S("gr"), S(id), S("inst-1"), 1) == 0);
	CHECK(!last_group_record(&d, &r), "nothing more while the generation stands");
	{
		/* a compaction snapshot carries the Stable group's assignments */
		struct fl_coord_log big_log = { 0, 1, 1u << 30, 0 };

		(void)fl_coord_tick(&d, 6500, 8500, &big_log);
		memset(&cur, 0, sizeof(cur));
		CHECK(last_group_record(&d, &r) && r.g.generation == 1 &&
		    fl_offsets_member_next(&r, &cur, &m) == 1 && slice_eq(m.assignment, "asg"),
		    "a compaction snapshot's group record has the assignments");
		fl_coord_stored(&d, 0, 1, 3);
	}
	{
		/* two members with 600 KB of metadata each: the value would pass 1 MiB */
		static uint8_t big[600 * 1024];
		struct fl_grp_protocol bp = { S("range"), { big, sizeof(big) } };

		jr.group_id = S("big");
		jr.instance_id = NUL;
		jr.protocols = &bp;
		jr.token = 3;
		memset(jr.random, 3, sizeof(jr.random));
		FL_ASSERT(fl_coord_join(&d, 7000, 9000, &jr) == 0);
		fl_coord_stored(&d, 0, 3, 3);
		jr.token = 4;
		memset(jr.random, 4, sizeof(jr.random));
		FL_ASSERT(fl_coord_join(&d, 7000, 9000, &jr) == 0);
		fl_coord_stored(&d, 0, 3, 3);
		(void)fl_coord_tick(&d, 10000, 12000, NULL);
		a = fl_coord_answers(&d, &n);
		FL_ASSERT(n == 2 && a[0].error == 0);
		CHECK(last_group_record(&d, &r) && slice_eq(r.group, "big") && r.g.generation == 1 &&
		    slice_eq(r.g.protocol, "range") && r.g.nmembers == 0,
		    "a group value too large with its members is written without them");
		fl_coord_stored(&d, 0, 3, 4);
	}
	fl_coord_free(&d);
}

int
main(void)
{
	struct fl_coord_config cfg;
	struct fl_coord c;

	fl_coord_config_default(&cfg);
	cfg.compact_bytes = 4096;
	fl_coord_init(&c, &cfg);
	FL_ASSERT(fl_coord_replay_done(&c, 0) == 0);
	test_commits(&c);
	test_partial_durability(&c);
	test_generations(&c);
	test_replay(&c);
	test_delete(&c);
	test_compaction(&c);
	test_sweep(&c);
	test_timers_without_log();
	test_find();
	test_group_records();
	fl_coord_free(&c);
	free(lg.bytes);
	return tap_done();
}
