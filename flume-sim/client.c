/*
 * client.c: the workloads.  Producers build RecordBatch v2 with
 * codec/batch's builder and send Produce through codec/kclient; they find
 * the leader as a client without metadata would, by asking the nodes in
 * turn until one does not answer NOT_LEADER_OR_FOLLOWER.  An idempotent
 * producer resends the same batch (same sequence) until it is answered,
 * as Kafka's does.  Consumers fetch below the HW and hand every record to
 * the checker.  Operators elect, create topics and reassign through
 * sm/ctl's verbs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/rd.h"
#include "codec/batch.h"
#include "codec/kclient.h"
#include "codec/kerr.h"
#include "sim.h"

#define CLIENT_TIMEOUT_MS 1000
#define BATCH_MAX 5

/* How long a request may go unanswered: a JoinGroup waits for a rebalance. */
static int64_t
timeout_of(const struct sim_client *c)
{
	return c->kind == CL_MEMBER ? 5000 : CLIENT_TIMEOUT_MS;
}

/* One turn pending at a time: the earliest wanted. */
static void
wake_at(struct sim_world *w, struct sim_client *c, int64_t at)
{
	if (c->tick_at >= 0 && c->tick_at <= at)
		return;
	c->tick_at = at;
	sim_schedule(w, at, EV_CLIENT_TICK, SIM_EP_CLIENT + c->idx, 0, 0);
}

static void
next_target(struct sim_world *w, struct sim_client *c)
{
	c->target = 1 + (c->target % w->o.nodes);
}

/* A request header: the version given, a correlation id from the step count. */
void
client_hdr(struct sim_world *w, struct fl_kc_hdr *h, int16_t version)
{
	memset(h, 0, sizeof(*h));
	h->version = version;
	h->corr = (int32_t)(w->steps & 0x7fffffff);
	h->client_id = "sim";
}

/* Send the encoded request to node `to`; `kind` says what its answer will be. */
void
client_send(struct sim_world *w, struct sim_client *c, int to, int kind, const struct fl_wr *wr,
    int32_t corr)
{
	c->out_kind = kind;
	c->inflight = 1;
	c->tag = (uint64_t)corr;
	c->sent_ms = w->now;
	sim_send(w, M_KREQ, SIM_EP_CLIENT + c->idx, to, 0, c->tag, wr->p, wr->len);
}

/* Fetch one partition of t at `offset` as a consumer, long-polling max_wait_ms. */
void
client_fetch(struct sim_world *w, struct sim_client *c, int to, int kind, int32_t part,
    int64_t offset, int32_t max_wait_ms)
{
	struct fl_kc_fetch_part fp;
	struct fl_kc_fetch_topic ft = { SIM_TOPIC, &fp, 1 };
	struct fl_kc_fetch_req req;
	struct fl_kc_hdr h;
	struct fl_wr wr;

	memset(&fp, 0, sizeof(fp));
	fp.index = part;
	fp.fetch_offset = offset;
	fp.max_bytes = 16 << 10;
	fp.current_leader_epoch = -1;
	fp.log_start_offset = -1;
	memset(&req, 0, sizeof(req));
	req.max_bytes = 16 << 10;
	req.min_bytes = 1;
	req.max_wait_ms = max_wait_ms;	/* the leader's long poll */
	req.topics = &ft;
	req.ntopics = 1;
	client_hdr(w, &h, 11);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_fetch_req_encode(&wr, &h, &req);
	client_send(w, c, to, kind, &wr, h.corr);
	fl_wr_free(&wr);
}

/* OffsetCommit of one partition of t to c's coordinator (generation -1, member "": none). */
void
client_commit(struct sim_world *w, struct sim_client *c, int kind, const char *group,
    int32_t generation, const char *member, int32_t part, int64_t offset)
{
	struct fl_kc_commit_part cp = { part, offset, -1, NULL };
	struct fl_kc_commit_topic ct = { SIM_TOPIC, &cp, 1 };
	struct fl_kc_commit_req req;
	struct fl_kc_hdr h;
	struct fl_wr wr;

	memset(&req, 0, sizeof(req));
	req.group_id = group;
	req.generation_id = generation;
	req.member_id = member;
	req.retention_time_ms = -1;
	req.topics = &ct;
	req.ntopics = 1;
	client_hdr(w, &h, 7);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_commit_req_encode(&wr, &h, &req);
	c->commit_sent = offset;
	client_send(w, c, c->coord, kind, &wr, h.corr);
	fl_wr_free(&wr);
}

static void
value_of(const struct sim_client *c, uint64_t k, char *out)
{
	snprintf(out, SIM_VALUE_MAX, "c%d-%llu", c->idx, (unsigned long long)k);
}

static void
produce(struct sim_world *w, struct sim_client *c)
{
	struct fl_batch_builder b;
	struct fl_wr batch, wr;
	struct fl_kc_hdr h;
	struct fl_kc_produce_part pp;
	struct fl_kc_produce_topic pt;
	struct fl_kc_produce_req req;
	int idem = c->kind == CL_IDEMPOTENT;
	int32_t i;

	if (!c->pending) {
		c->batch_n = 1 + (int32_t)sim_rand(w, BATCH_MAX);
		c->pending = 1;
	}
	fl_wr_init(&batch, 1 << 20);
	fl_batch_begin(&b, &batch, w->now, idem ? c->pid : -1, idem ? c->pepoch : -1,
	    idem ? c->seq : -1, 0);
	for (i = 0; i < c->batch_n; i++) {
		char v[SIM_VALUE_MAX];
		struct fl_slice val;

		value_of(c, c->next_value + (uint64_t)i, v);
		val.p = (const uint8_t *)v;
		val.len = strlen(v);
		(void)fl_batch_add(&b, w->now, NULL, &val, NULL, 0);
	}
	(void)fl_batch_end(&b);
	memset(&pp, 0, sizeof(pp));
	pp.index = c->part;
	pp.records.p = batch.p;
	pp.records.len = batch.len;
	pt.name = SIM_TOPIC;
	pt.parts = &pp;
	pt.nparts = 1;
	memset(&req, 0, sizeof(req));
	req.acks = idem ? -1 : 1;
	req.timeout_ms = 800;
	req.topics = &pt;
	req.ntopics = 1;
	client_hdr(w, &h, 7);
	fl_wr_init(&wr, 2 << 20);
	(void)fl_kc_produce_req_encode(&wr, &h, &req);
	client_send(w, c, c->target, 0, &wr, h.corr);
	fl_wr_free(&wr);
	fl_wr_free(&batch);
}

static void
init_pid(struct sim_world *w, struct sim_client *c)
{
	struct fl_kc_init_pid_req req = { NULL, 60000 };
	struct fl_kc_hdr h;
	struct fl_wr wr;

	client_hdr(w, &h, 1);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_init_pid_req_encode(&wr, &h, &req);
	client_send(w, c, c->target, 0, &wr, h.corr);
	fl_wr_free(&wr);
}

static void
consume(struct sim_world *w, struct sim_client *c)
{
	client_fetch(w, c, c->target, 0, c->part, c->offset, 200);
}

static void
commit(struct sim_world *w, struct sim_client *c)
{
	client_commit(w, c, 1, "g", -1, "", c->part, c->offset);
}

static void
offset_fetch(struct sim_world *w, struct sim_client *c)
{
	int32_t part = c->part;
	struct fl_kc_offset_fetch_topic t = { SIM_TOPIC, &part, 1 };
	struct fl_kc_offset_fetch_req req = { "g", &t, 1 };
	struct fl_kc_hdr h;
	struct fl_wr wr;

	client_hdr(w, &h, 5);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kc_offset_fetch_req_encode(&wr, &h, &req);
	c->floor = c->commit_acked;
	client_send(w, c, c->coord, 2, &wr, h.corr);
	fl_wr_free(&wr);
}

static void
next_coord(struct sim_world *w, struct sim_client *c)
{
	c->coord = 1 + (c->coord % w->o.nodes);
}

/* A committer's turn: mostly fetch; now and then commit where it is, or read the commit back. */
static void
committer_turn(struct sim_world *w, struct sim_client *c)
{
	c->turns++;
	if (c->turns % 4 == 0 && c->offset > c->commit_acked)
		commit(w, c);
	else if (c->turns % 4 == 2)
		offset_fetch(w, c);
	else {
		c->out_kind = 0;
		consume(w, c);
	}
}

void
client_tick(struct sim_world *w, struct sim_client *c)
{
	if (w->now != c->tick_at)
		return;		/* a turn that an earlier one replaced */
	c->tick_at = -1;
	if (c->inflight && w->now - c->sent_ms <= timeout_of(c)) {
		wake_at(w, c, c->sent_ms + timeout_of(c) + 1);
		return;		/* its answer, or its timeout, wakes it */
	}
	if (c->inflight) {
		c->inflight = 0;
		if (c->kind == CL_MEMBER)
			member_timeout(w, c);
		else if (c->kind == CL_COMMITTER && c->out_kind != 0)
			next_coord(w, c);
		else
			next_target(w, c);
	}
	if (!c->inflight && !(w->healing && c->kind != CL_CONSUMER &&
	    w->now > w->o.time_limit_ms + w->o.settle_ms / 2 && !c->pending)) {
		if (c->kind == CL_CONSUMER)
			consume(w, c);
		else if (c->kind == CL_COMMITTER)
			committer_turn(w, c);
		else if (c->kind == CL_MEMBER)
			member_turn(w, c);
		else if (c->kind == CL_IDEMPOTENT && c->pid < 0)
			init_pid(w, c);
		else
			produce(w, c);
	}
	/* the next turn: its timeout if a request went out, else a pause */
	wake_at(w, c, c->inflight ? c->sent_ms + timeout_of(c) + 1 :
	    w->now + 5 + (int64_t)sim_rand(w, 20));
}

static void
on_produce(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_produce_resp r;
	const struct fl_kc_produce_part_resp *pr;

	if (fl_kc_produce_resp_decode(p, n, 7, &a, &r) != 0 || r.ntopics != 1 ||
	    r.topics[0].nparts != 1) {
		sim_fail(w, "client %d: a Produce answer does not decode", c->idx);
		fl_arena_free(&a);
		return;
	}
	pr = &r.topics[0].parts[0];
	if (pr->error == 0) {
		char vals[BATCH_MAX][SIM_VALUE_MAX];
		int32_t i;

		for (i = 0; i < c->batch_n; i++)
			value_of(c, c->next_value + (uint64_t)i, vals[i]);
		sim_trace(w, "client %d: acked %s-%d [%lld, %lld)", c->idx, SIM_TOPIC, (int)c->part,
		    (long long)pr->base_offset, (long long)(pr->base_offset + c->batch_n));
		check_acked(w, c->idx, c->part, pr->base_offset, vals, c->batch_n,
		    c->kind == CL_IDEMPOTENT);
		c->next_value += (uint64_t)c->batch_n;
		if (c->kind == CL_IDEMPOTENT)
			c->seq += c->batch_n;
		c->pending = 0;
	} else if (pr->error == FL_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
	    pr->error == FL_KERR_UNKNOWN_PRODUCER_ID || pr->error == FL_KERR_INVALID_PRODUCER_EPOCH) {
		/* the batch's fate is unknown: its values are never sent again */
		sim_trace(w, "client %d: error %d: starts over with a new producer id", c->idx,
		    (int)pr->error);
		c->next_value += (uint64_t)c->batch_n;
		c->pending = 0;
		c->pid = -1;
		c->seq = 0;
	} else {
		if (pr->error != FL_KERR_NOT_ENOUGH_REPLICAS &&
		    pr->error != FL_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND &&
		    pr->error != FL_KERR_REQUEST_TIMED_OUT)
			next_target(w, c);
		if (c->kind == CL_ACKS1) {
			/* not idempotent: a retry could store it twice, which acks=1 allows */
			c->next_value += (uint64_t)c->batch_n;
			c->pending = 0;
		}
	}
	fl_arena_free(&a);
}

/*
 * The records of one partition's Fetch answer from node `from`: each whole
 * batch checked (CRC, records), each record at or past *pos handed to the
 * checker (below the HW, committed), *pos moved past it.
 */
void
client_records(struct sim_world *w, int client, int from, int32_t part,
    const struct fl_kc_fetch_part_resp *pr, int64_t *pos)
{
	struct fl_rd rd;
	struct fl_slice b;

	fl_rd_init(&rd, pr->records.p, pr->records.len);
	while (fl_kc_records_next(&rd, &b) == 1) {
		struct fl_record_iter it;
		struct fl_record rec;

		if (fl_batch_check(b.p, b.len, FL_BATCH_CHECK_RECORDS, NULL, NULL) != 0) {
			/* a consumer detects a damaged sector by the CRC, and reads no further */
			if (from >= 1 && from <= w->o.nodes && w->node[from].dmg[part].is_set)
				sim_trace(w, "client %d: node %d sent a batch that fails its CRC "
				    "(a damaged sector): not read", client, from);
			else
				sim_fail(w, "client %d: node %d sent a damaged batch", client, from);
			return;
		}
		if (fl_record_iter_init(&it, b.p, b.len) != 0)
			return;
		while (fl_record_next(&it, &rec) == 1) {
			if (rec.offset < *pos)
				continue;
			if (rec.offset >= pr->high_watermark)
				sim_fail(w, "client %d: consumed offset %lld of %s-%d above the HW %lld",
				    client, (long long)rec.offset, SIM_TOPIC, (int)part,
				    (long long)pr->high_watermark);
			check_consumed(w, client, part, rec.offset, (const char *)rec.value.p,
			    rec.value.len);
			*pos = rec.offset + 1;
		}
	}
}

static void
on_fetch(struct sim_world *w, struct sim_client *c, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_fetch_resp r;
	const struct fl_kc_fetch_part_resp *pr;

	if (fl_kc_fetch_resp_decode(p, n, 11, &a, &r) != 0 || r.ntopics != 1 ||
	    r.topics[0].nparts != 1) {
		sim_fail(w, "client %d: a Fetch answer does not decode", c->idx);
		fl_arena_free(&a);
		return;
	}
	pr = &r.topics[0].parts[0];
	if (pr->error != 0) {
		next_target(w, c);
		fl_arena_free(&a);
		return;
	}
	client_records(w, c->idx, c->target, c->part, pr, &c->offset);
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
		fl_arena_free(&a);
		return;
	}
	err = r.topics[0].parts[0].error;
	if (err == 0) {
		if (c->commit_sent > c->commit_acked)
			c->commit_acked = c->commit_sent;
		sim_trace(w, "client %d: commit of %s-%d at %lld acknowledged", c->idx, SIM_TOPIC,
		    (int)c->part, (long long)c->commit_sent);
	} else {
		next_coord(w, c);
	}
	fl_arena_free(&a);
}

static void
on_offset_fetch(struct sim_world *w, struct sim_client *c, int from, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_offset_fetch_resp r;

	if (fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &r) != 0) {
		sim_fail(w, "client %d: an OffsetFetch answer does not decode", c->idx);
		fl_arena_free(&a);
		return;
	}
	if (r.error != 0 || r.ntopics != 1 || r.topics[0].nparts != 1 ||
	    r.topics[0].parts[0].error != 0) {
		next_coord(w, c);
	} else {
		sim_trace(w, "client %d: node %d says %s-%d is committed at %lld", c->idx, from,
		    SIM_TOPIC, (int)c->part, (long long)r.topics[0].parts[0].offset);
		check_offset_fetched(w, c->idx, from, c->part, r.topics[0].parts[0].offset, c->floor);
	}
	fl_arena_free(&a);
}

void
client_deliver(struct sim_world *w, struct sim_client *c, struct sim_msg *m)
{
	if (m->kind != M_KRESP || !c->inflight || m->tag != c->tag || m->len < 8)
		return;
	c->inflight = 0;
	/* the next request after a short pause (its pending timeout turn finds nothing) */
	wake_at(w, c, w->now + 5 + (int64_t)sim_rand(w, 20));
	if (c->kind == CL_MEMBER) {
		member_deliver(w, c, m);
	} else if (c->kind == CL_COMMITTER && c->out_kind == 1) {
		on_commit(w, c, m->data + 4, m->len - 4);
	} else if (c->kind == CL_COMMITTER && c->out_kind == 2) {
		on_offset_fetch(w, c, m->from, m->data + 4, m->len - 4);
	} else if (c->kind == CL_CONSUMER || c->kind == CL_COMMITTER) {
		on_fetch(w, c, m->data + 4, m->len - 4);
	} else if (c->kind == CL_IDEMPOTENT && c->pid < 0) {
		struct fl_kc_init_pid_resp r;

		if (fl_kc_init_pid_resp_decode(m->data + 4, m->len - 4, 1, &r) == 0 && r.error == 0) {
			c->pid = r.producer_id;
			c->pepoch = r.producer_epoch;
			c->seq = 0;
			sim_trace(w, "client %d: producer id %lld", c->idx, (long long)c->pid);
		} else {
			next_target(w, c);
		}
	} else {
		on_produce(w, c, m->data + 4, m->len - 4);
	}
}

void
clients_init(struct sim_world *w)
{
	static const enum client_kind kinds[] = { CL_IDEMPOTENT, CL_IDEMPOTENT, CL_ACKS1,
	    CL_CONSUMER, CL_COMMITTER, CL_MEMBER, CL_MEMBER };
	int i;

	w->ncl = (int)(sizeof(kinds) / sizeof(kinds[0]));
	for (i = 0; i < w->ncl; i++) {
		struct sim_client *c = &w->cl[i];

		memset(c, 0, sizeof(*c));
		c->kind = kinds[i];
		c->idx = i;
		c->inc = 1;
		c->pid = -1;
		c->part = (int32_t)(i % w->o.partitions);
		c->target = 1 + (int)sim_rand(w, (uint64_t)w->o.nodes);
		c->coord = 1 + (int)sim_rand(w, (uint64_t)w->o.nodes);
		c->commit_acked = -1;
		c->floor = -1;
		c->tick_at = -1;
		wake_at(w, c, 100 + (int64_t)sim_rand(w, 100));
	}
}

/* An operator's verb, through the controller's own functions. */
void
client_op(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	char msg[FL_CTL_MSG_MAX];
	int32_t part = (int32_t)sim_rand(w, (uint64_t)w->o.partitions);
	int rc, kind = (int)sim_rand(w, w->o.nodes > 3 ? 3 : 2);

	if (!c->up || !c->has_sm)
		return;
	if (kind == 0) {
		int32_t to = sim_chance(w, 500) ? -1 : 1 + (int32_t)sim_rand(w, (uint64_t)w->o.nodes);

		rc = fl_ctl_elect(&c->sm, w->now, SIM_TOPIC, part, to, 0, msg, sizeof(msg));
		sim_trace(w, "operator: elect %s-%d --to %d: %s%s", SIM_TOPIC, (int)part, (int)to,
		    rc ? "refused: " : "", msg);
	} else if (kind == 1) {
		char name[32];

		snprintf(name, sizeof(name), "u%llu", (unsigned long long)sim_rand(w, 4));
		rc = fl_ctl_create_topic(&c->sm, name, 1, w->o.nodes < 3 ? w->o.nodes : 3, NULL, msg,
		    sizeof(msg));
		sim_trace(w, "operator: create-topic %s: %s%s", name, rc ? "refused: " : "", msg);
	} else {
		struct fl_nodeset target;
		int k;

		memset(&target, 0, sizeof(target));
		for (k = 0; k < 64 && target.n < 3; k++)
			(void)fl_nodeset_add(&target, 1 + (int32_t)sim_rand(w, (uint64_t)w->o.nodes));
		rc = fl_ctl_reassign(&c->sm, SIM_TOPIC, part, &target, msg, sizeof(msg));
		sim_trace(w, "operator: reassign %s-%d: %s%s", SIM_TOPIC, (int)part,
		    rc ? "refused: " : "", msg);
	}
}
