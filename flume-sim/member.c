/*
 * member.c: consumers in group "m", as a Kafka consumer with its defaults
 * behaves: JoinGroup (again with the id the coordinator gives, 79),
 * SyncGroup (the leader assigns partition i to the i-th member by id, in
 * Kafka's consumer protocol, codec/cproto), heartbeats, OffsetFetch to
 * resume where the group committed, fetches below the HW, and commits of
 * where it is, with its generation.  A rebalance, an unknown member or a
 * lost coordinator sends it back to JoinGroup.  The checker holds every
 * commit read back to the group's acknowledged ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "codec/cproto.h"
#include "codec/kclient.h"
#include "codec/kerr.h"
#include "sim.h"

#define MEMBER_SESSION_MS	3000
#define MEMBER_HEARTBEAT_MS	300
#define GROUP			"m"

enum { M_JOIN, M_SYNC, M_RUN };
enum { O_JOIN = 10, O_SYNC, O_HEARTBEAT, O_OFFSETS, O_COMMIT, O_FETCH };

static void
rejoin(struct sim_client *c, int lost_coord, int w_nodes)
{
	c->phase = M_JOIN;
	c->nassigned = 0;
	if (lost_coord)
		c->coord = 1 + (c->coord % w_nodes);
}

static void
join(struct sim_world *w, struct sim_client *c)
{
	static const char *const topics[] = { SIM_TOPIC };
	struct fl_kc_join_protocol proto;
	struct fl_kc_join_req req;
	struct fl_kc_hdr h;
	struct fl_wr meta, wr;

	fl_wr_init(&meta, 1 << 12);
	(void)fl_cp_sub_encode(&meta, 0, topics, 1, NULL, 0, -1);
	proto.name = "range";
	proto.metadata = (struct fl_slice){ meta.p, meta.len };
	memset(&req, 0, sizeof(req));
	req.group_id = GROUP;
	req.session_timeout_ms = MEMBER_SESSION_MS;
	req.rebalance_timeout_ms = MEMBER_SESSION_MS;
	req.member_id = c->member_id;
	req.protocol_type = "consumer";
	req.protocols = &proto;
	req.nprotocols = 1;
	client_hdr(w, &h, 5);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_join_req_encode(&wr, &h, &req);
	client_send(w, c, c->coord, O_JOIN, &wr, h.corr);
	fl_wr_free(&wr);
	fl_wr_free(&meta);
}

static void
sync_group(struct sim_world *w, struct sim_client *c)
{
	struct fl_kc_sync_assignment as[8];
	struct fl_wr asg[8];
	struct fl_kc_sync_req req;
	struct fl_kc_hdr h;
	struct fl_wr wr;
	size_t i, n = c->is_leader ? c->nmembers : 0;

	for (i = 0; i < n; i++) {
		int32_t parts[16];
		struct fl_cp_tp_in tp = { SIM_TOPIC, parts, 0 };
		int32_t j;

		for (j = 0; j < w->o.partitions; j++)
			if ((size_t)j % n == i)
				parts[tp.nparts++] = j;
		fl_wr_init(&asg[i], 1 << 12);
		(void)fl_cp_asg_encode(&asg[i], &tp, 1);
		as[i].member_id = c->members[i];
		as[i].assignment = (struct fl_slice){ asg[i].p, asg[i].len };
	}
	memset(&req, 0, sizeof(req));
	req.group_id = GROUP;
	req.generation_id = c->generation;
	req.member_id = c->member_id;
	req.assignments = as;
	req.nassignments = n;
	client_hdr(w, &h, 3);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_sync_req_encode(&wr, &h, &req);
	client_send(w, c, c->coord, O_SYNC, &wr, h.corr);
	fl_wr_free(&wr);
	for (i = 0; i < n; i++)
		fl_wr_free(&asg[i]);
}

static void
heartbeat(struct sim_world *w, struct sim_client *c)
{
	struct fl_kc_heartbeat_req req = { GROUP, c->generation, c->member_id, NULL };
	struct fl_kc_hdr h;
	struct fl_wr wr;

	client_hdr(w, &h, 3);
	fl_wr_init(&wr, 1 << 12);
	(void)fl_kc_heartbeat_req_encode(&wr, &h, &req);
	c->last_hb_ms = w->now;
	client_send(w, c, c->coord, O_HEARTBEAT, &wr, h.corr);
	fl_wr_free(&wr);
}

static void
read_offsets(struct sim_world *w, struct sim_client *c)
{
	struct fl_kc_offset_fetch_topic t = { SIM_TOPIC, c->assigned, c->nassigned };
	struct fl_kc_offset_fetch_req req = { GROUP, &t, 1 };
	struct fl_kc_hdr h;
	struct fl_wr wr;
	size_t i;

	for (i = 0; i < c->nassigned; i++)
		c->floors[i] = check_group_floor(w, c->assigned[i]);
	client_hdr(w, &h, 5);
	fl_wr_init(&wr, 1 << 12);
	(void)fl_kc_offset_fetch_req_encode(&wr, &h, &req);
	client_send(w, c, c->coord, O_OFFSETS, &wr, h.corr);
	fl_wr_free(&wr);
}

static void
commit_one(struct sim_world *w, struct sim_client *c, size_t i)
{
	client_commit(w, c, O_COMMIT, GROUP, c->generation, c->member_id, c->assigned[i],
	    c->pos[i]);
}

static void
fetch_one(struct sim_world *w, struct sim_client *c, size_t i)
{
	c->fetch_idx = (int)i;
	client_fetch(w, c, c->fetch_node[i], O_FETCH, c->assigned[i], c->pos[i], 100);
}

void
member_turn(struct sim_world *w, struct sim_client *c)
{
	size_t i;

	c->turns++;
	if (c->phase == M_JOIN) {
		join(w, c);
		return;
	}
	if (c->phase == M_SYNC) {
		sync_group(w, c);
		return;
	}
	if (w->now - c->last_hb_ms >= MEMBER_HEARTBEAT_MS) {
		heartbeat(w, c);
		return;
	}
	if (!c->has_pos && c->nassigned > 0) {
		read_offsets(w, c);
		return;
	}
	if (c->nassigned == 0) {
		heartbeat(w, c);
		return;
	}
	i = (size_t)c->turns % c->nassigned;
	if (c->turns % 3 == 0)
		commit_one(w, c, i);
	else
		fetch_one(w, c, i);
}

static void
on_join(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_join_resp r;
	size_t i;

	if (fl_kc_join_resp_decode(p, n, 5, &a, &r) != 0) {
		sim_fail(w, "client %d: a JoinGroup answer does not decode", c->idx);
		goto out;
	}
	if (r.error == FL_KERR_MEMBER_ID_REQUIRED || r.error == 0)
		snprintf(c->member_id, sizeof(c->member_id), "%.*s", (int)r.member_id.len,
		    (const char *)r.member_id.p);
	if (r.error == FL_KERR_MEMBER_ID_REQUIRED)
		goto out;		/* join again, with that id */
	if (r.error == FL_KERR_UNKNOWN_MEMBER_ID) {
		c->member_id[0] = '\0';
		goto out;
	}
	if (r.error != 0) {
		rejoin(c, r.error == FL_KERR_NOT_COORDINATOR ||
		    r.error == FL_KERR_COORDINATOR_NOT_AVAILABLE, w->o.nodes);
		goto out;
	}
	c->generation = r.generation_id;
	c->is_leader = r.leader.len == strlen(c->member_id) &&
	    memcmp(r.leader.p, c->member_id, r.leader.len) == 0;
	c->nmembers = 0;
	for (i = 0; c->is_leader && i < r.nmembers && i < 8; i++)
		snprintf(c->members[c->nmembers++], sizeof(c->members[0]), "%.*s",
		    (int)r.members[i].member_id.len, (const char *)r.members[i].member_id.p);
	/* members in id order: the assignment is a function of the set */
	for (i = 1; i < c->nmembers; i++) {
		size_t k;

		for (k = i; k > 0 && strcmp(c->members[k - 1], c->members[k]) > 0; k--) {
			char t[64];

			memcpy(t, c->members[k], sizeof(t));
			memcpy(c->members[k], c->members[k - 1], sizeof(t));
			memcpy(c->members[k - 1], t, sizeof(t));
		}
	}
	c->phase = M_SYNC;
	sim_trace(w, "client %d: joined group %s, generation %d%s", c->idx, GROUP,
	    (int)c->generation, c->is_leader ? " (leader)" : "");
out:
	fl_arena_free(&a);
}

static void
on_sync(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_kc_sync_resp r;
	struct fl_cp_asg as;
	size_t i, j;

	if (fl_kc_sync_resp_decode(p, n, 3, &r) != 0) {
		sim_fail(w, "client %d: a SyncGroup answer does not decode", c->idx);
		return;
	}
	if (r.error != 0) {
		if (r.error == FL_KERR_UNKNOWN_MEMBER_ID)
			c->member_id[0] = '\0';
		rejoin(c, r.error == FL_KERR_NOT_COORDINATOR ||
		    r.error == FL_KERR_COORDINATOR_NOT_AVAILABLE, w->o.nodes);
		return;
	}
	memset(&as, 0, sizeof(as));
	if (fl_cp_asg_decode(r.assignment.p, r.assignment.len, &as) != 0) {
		sim_fail(w, "client %d: its assignment does not decode", c->idx);
		return;
	}
	c->nassigned = 0;
	for (i = 0; i < as.ntps; i++)
		for (j = 0; j < as.tps[i].nparts && c->nassigned < 16; j++) {
			c->fetch_node[c->nassigned] = 1 + (int)sim_rand(w, (uint64_t)w->o.nodes);
			c->assigned[c->nassigned++] = as.tps[i].parts[j];
		}
	fl_cp_asg_free(&as);
	c->has_pos = 0;
	c->phase = M_RUN;
	c->last_hb_ms = w->now;
	sim_trace(w, "client %d: generation %d assigns it %zu partition(s)", c->idx,
	    (int)c->generation, c->nassigned);
}

static void
on_offsets(struct sim_world *w, struct sim_client *c, int from, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_offset_fetch_resp r;
	size_t i, j;

	if (fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &r) != 0) {
		sim_fail(w, "client %d: an OffsetFetch answer does not decode", c->idx);
		goto out;
	}
	if (r.error != 0 || r.ntopics != 1) {
		rejoin(c, 1, w->o.nodes);
		goto out;
	}
	for (j = 0; j < r.topics[0].nparts; j++)
		for (i = 0; i < c->nassigned; i++)
			if (c->assigned[i] == r.topics[0].parts[j].index) {
				int64_t got = r.topics[0].parts[j].offset;

				check_group_fetched(w, c->idx, from, c->assigned[i], got, c->floors[i]);
				c->pos[i] = got < 0 ? 0 : got;
			}
	c->has_pos = 1;
out:
	fl_arena_free(&a);
}

static void
on_commit(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_commit_resp r;
	int16_t err;

	if (fl_kc_commit_resp_decode(p, n, 7, &a, &r) != 0 || r.ntopics != 1 ||
	    r.topics[0].nparts != 1) {
		sim_fail(w, "client %d: an OffsetCommit answer does not decode", c->idx);
		goto out;
	}
	err = r.topics[0].parts[0].error;
	/* acknowledged: the coordinator told the checker where it stored it */
	if (err == FL_KERR_REBALANCE_IN_PROGRESS || err == FL_KERR_ILLEGAL_GENERATION ||
	    err == FL_KERR_UNKNOWN_MEMBER_ID || err == FL_KERR_NOT_COORDINATOR ||
	    err == FL_KERR_COORDINATOR_NOT_AVAILABLE) {
		if (err == FL_KERR_UNKNOWN_MEMBER_ID)
			c->member_id[0] = '\0';
		rejoin(c, err == FL_KERR_NOT_COORDINATOR || err == FL_KERR_COORDINATOR_NOT_AVAILABLE,
		    w->o.nodes);
	}
out:
	fl_arena_free(&a);
}

static void
on_heartbeat(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_kc_simple_resp r;

	if (fl_kc_heartbeat_resp_decode(p, n, 3, &r) != 0) {
		sim_fail(w, "client %d: a Heartbeat answer does not decode", c->idx);
		return;
	}
	if (r.error == FL_KERR_UNKNOWN_MEMBER_ID)
		c->member_id[0] = '\0';
	if (r.error != 0)
		rejoin(c, r.error == FL_KERR_NOT_COORDINATOR ||
		    r.error == FL_KERR_COORDINATOR_NOT_AVAILABLE, w->o.nodes);
}

static void
on_fetch(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_fetch_resp r;
	const struct fl_kc_fetch_part_resp *pr;
	size_t i = (size_t)c->fetch_idx;

	if (i >= c->nassigned)
		return;
	if (fl_kc_fetch_resp_decode(p, n, 11, &a, &r) != 0 || r.ntopics != 1 ||
	    r.topics[0].nparts != 1) {
		sim_fail(w, "client %d: a Fetch answer does not decode", c->idx);
		goto out;
	}
	pr = &r.topics[0].parts[0];
	if (pr->error != 0) {
		c->fetch_node[i] = 1 + (c->fetch_node[i] % w->o.nodes);
		goto out;
	}
	client_records(w, c->idx, c->fetch_node[i], c->assigned[i], pr, &c->pos[i]);
out:
	fl_arena_free(&a);
}

void
member_deliver(struct sim_world *w, struct sim_client *c, struct sim_msg *m)
{
	const uint8_t *p = m->data + 4;
	size_t n = m->len - 4;

	switch (c->out_kind) {
	case O_JOIN: on_join(w, c, p, n); break;
	case O_SYNC: on_sync(w, c, p, n); break;
	case O_HEARTBEAT: on_heartbeat(w, c, p, n); break;
	case O_OFFSETS: on_offsets(w, c, m->from, p, n); break;
	case O_COMMIT: on_commit(w, c, p, n); break;
	case O_FETCH: on_fetch(w, c, p, n); break;
	}
}

/* No answer in time: a fetch tries another node; the rest look for the coordinator again. */
void
member_timeout(struct sim_world *w, struct sim_client *c)
{
	if (c->out_kind == O_FETCH && (size_t)c->fetch_idx < c->nassigned)
		c->fetch_node[c->fetch_idx] = 1 + (c->fetch_node[c->fetch_idx] % w->o.nodes);
	else
		rejoin(c, 1, w->o.nodes);
}
