/*
 * group.c: the group coordinator on a simulated broker, as flume-serve's
 * group.c drives it: sm/coord over store/coordlog on the node that leads
 * __consumer_offsets-0 (rebuilt by replaying that log whenever the node
 * becomes it), OffsetCommit appended to the offsets log and answered once
 * its HW passes the commit (fl_part_ack_settle, fl_coord_commit_error),
 * OffsetFetch answered from what is durable.  Requests and answers go
 * through codec/kproto; the answers are built by sm/grpwire, as
 * flume-serve's are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/kerr.h"
#include "codec/kproto.h"
#include "codec/offsets.h"
#include "sim.h"
#include "sm/grpwire.h"
#include "store/coordlog.h"

static struct fl_part *
offsets_part(struct sim_node *n)
{
	struct fl_part *p = node_part(n, FL_OFFSETS_TOPIC, 0);

	return p != NULL && p->is_open && p->role == FL_ROLE_LEADER ? p : NULL;
}

static void
where(struct sim_node *n, struct fl_coord_where *wh)
{
	struct fl_part *p = node_part(n, FL_OFFSETS_TOPIC, 0);

	memset(wh, 0, sizeof(*wh));
	wh->is_cluster = n->cmeta.nbrokers > 0;
	wh->self = n->id;
	wh->has_part = p != NULL;
	wh->role = p != NULL ? p->role : FL_ROLE_OFFLINE;
	wh->leader = p != NULL ? p->leader_id : -1;
}

void
group_free(struct sim_node *n)
{
	if (n->has_coord)
		fl_coord_free(&n->coord);
	n->has_coord = 0;
	n->coord_here = 0;
	n->ngw = 0;
}

/*
 * A JoinGroup/SyncGroup answer to the client that waits under g: r, or
 * when r is NULL NOT_COORDINATOR (the coordinator left).
 */
static void
send_answer(struct sim_world *w, struct sim_node *n, const struct sim_gwait *g,
    const struct fl_grp_resp *r)
{
	struct fl_wr wr;
	int rc;

	fl_wr_init(&wr, 1 << 16);
	rc = r != NULL ? fl_grpwire_answer_encode(&wr, g->version, g->corr, r) :
	    fl_grpwire_error_encode(&wr, g->api, g->version, g->corr, FL_KERR_NOT_COORDINATOR);
	if (rc == FL_ENOMEM)
		sim_oom();
	sim_send(w, M_KRESP, n->id, SIM_EP_CLIENT + g->client, 0, g->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* After a coordinator call: its answers to whoever waits (deliver_answers), then its log output. */
static void
deliver(struct sim_world *w, struct sim_node *n)
{
	const struct fl_grp_resp *r;
	struct fl_coordlog_done d;
	size_t k, i;

	r = fl_coord_answers(&n->coord, &k);
	for (i = 0; i < k; i++) {
		size_t j;

		for (j = 0; j < n->ngw; j++)
			if (n->gw[j].token == r[i].token)
				break;
		if (j == n->ngw)
			continue;
		send_answer(w, n, &n->gw[j], &r[i]);
		n->gw[j] = n->gw[--n->ngw];
	}
	(void)fl_coordlog_apply(&n->coord, offsets_part(n), w->now, &d);
	if (d.appended_bytes > 0)
		node_appended(w, n);
}

/* The coordinator left: whoever waits must find the new one (answer_waiting). */
static void
answer_waiting(struct sim_world *w, struct sim_node *n)
{
	size_t j;

	for (j = 0; j < n->ngw; j++)
		send_answer(w, n, &n->gw[j], NULL);
	n->ngw = 0;
}

static uint64_t
gwait(struct sim_node *n, struct sim_msg *m, const struct fl_kp_req *rq)
{
	struct sim_gwait *g;

	if (n->ngw == n->gwcap) {
		size_t cap = n->gwcap ? n->gwcap * 2 : 8;
		struct sim_gwait *x = realloc(n->gw, cap * sizeof(*x));

		if (x == NULL)
			sim_oom();
		n->gw = x;
		n->gwcap = cap;
	}
	g = &n->gw[n->ngw++];
	g->token = ++n->next_token;
	g->client = m->from - SIM_EP_CLIENT;
	g->tag = m->tag;
	g->corr = rq->hdr.correlation_id;
	g->version = rq->hdr.api_version;
	g->api = rq->hdr.api_key;
	return g->token;
}

void
group_join(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	const struct fl_kp_join_group_req *r = &rq->u.join_group;
	struct fl_grp_protocol protos[4];
	struct fl_grp_join_req jr;
	size_t i;

	memset(&jr, 0, sizeof(jr));
	jr.token = gwait(n, m, rq);
	if (!n->has_coord || !n->coord_here || r->nprotocols > 4) {
		answer_waiting(w, n);
		return;
	}
	for (i = 0; i < r->nprotocols; i++) {
		protos[i].name = r->protocols[i].name;
		protos[i].metadata = r->protocols[i].metadata;
	}
	jr.version = rq->hdr.api_version;
	jr.group_id = r->group_id;
	jr.member_id = r->member_id;
	jr.instance_id = r->group_instance_id;
	jr.client_id = rq->hdr.client_id;
	jr.client_host = fl_kp_str("/sim");
	jr.session_ms = r->session_timeout_ms;
	jr.rebalance_ms = r->rebalance_timeout_ms;
	jr.protocol_type = r->protocol_type;
	jr.protocols = protos;
	jr.nprotocols = r->nprotocols;
	fl_rng_fill(&w->rng, jr.random, sizeof(jr.random));
	if (fl_coord_join(&n->coord, (uint64_t)w->now, w->now, &jr) == FL_ENOMEM)
		sim_oom();
	deliver(w, n);
}

void
group_sync(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	const struct fl_kp_sync_group_req *r = &rq->u.sync_group;
	struct fl_grp_assignment as[8];
	struct fl_grp_sync_req sr;
	size_t i;

	memset(&sr, 0, sizeof(sr));
	sr.token = gwait(n, m, rq);
	if (!n->has_coord || !n->coord_here || r->nassignments > 8) {
		answer_waiting(w, n);
		return;
	}
	for (i = 0; i < r->nassignments; i++) {
		as[i].member_id = r->assignments[i].member_id;
		as[i].assignment = r->assignments[i].assignment;
	}
	sr.group_id = r->group_id;
	sr.member_id = r->member_id;
	sr.instance_id = r->group_instance_id;
	sr.generation = r->generation_id;
	sr.protocol_type = r->protocol_type;
	sr.protocol_name = r->protocol_name;
	sr.assignments = as;
	sr.nassignments = r->nassignments;
	if (fl_coord_sync(&n->coord, (uint64_t)w->now, w->now, &sr) == FL_ENOMEM)
		sim_oom();
	deliver(w, n);
}

void
group_heartbeat(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	const struct fl_kp_heartbeat_req *r = &rq->u.heartbeat;
	struct fl_kp_error_resp er = { 0, FL_KERR_NOT_COORDINATOR };
	struct fl_wr wr;

	if (n->has_coord && n->coord_here) {
		er.error = (int16_t)fl_coord_heartbeat(&n->coord, (uint64_t)w->now, r->group_id,
		    r->member_id, r->group_instance_id, r->generation_id);
		deliver(w, n);
	}
	fl_wr_init(&wr, 1 << 12);
	(void)fl_kp_heartbeat_resp_encode(&wr, rq->hdr.api_version, rq->hdr.correlation_id, &er);
	sim_send(w, M_KRESP, n->id, m->from, 0, m->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* The node's roles changed: is it the coordinator now?  (group_roles_changed) */
void
group_roles(struct sim_world *w, struct sim_node *n)
{
	struct fl_coord_config cc;
	struct fl_coord_where wh;
	int here;

	where(n, &wh);
	here = fl_coord_is_here(&wh);
	if (n->has_coord && here == n->coord_here)
		return;
	if (n->has_coord && n->coord_here)
		answer_waiting(w, n);
	group_free(n);
	fl_coord_config_default(&cc);
	cc.grp.initial_delay_ms = 0;
	cc.grp.session_ms_min = 1000;	/* flume-serve --group-min-session-ms */
	fl_coord_init(&n->coord, &cc);
	n->has_coord = 1;
	n->coord_here = here;
	if (!here) {
		(void)fl_coord_replay_done(&n->coord, 0);
		return;
	}
	if (fl_coordlog_replay(&n->coord, offsets_part(n)) != 0)
		sim_oom();
	sim_trace(w, "node %d coordinates the groups (%zu rebuilt)", n->id,
	    fl_coord_group_count(&n->coord));
	group_durable(n);
}

void
group_durable(struct sim_node *n)
{
	struct fl_part *p = offsets_part(n);

	if (n->has_coord && n->coord_here && p != NULL)
		fl_coord_durable(&n->coord, p->hw);
}

/* The OffsetCommit answer of gc (its partitions' errors) to the client that sent m. */
static void
answer_commit(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    const struct fl_kp_req *rq, struct fl_grpwire_commit *gc)
{
	struct fl_wr wr;

	fl_grpwire_commit_end(gc);
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kp_offset_commit_resp_encode(&wr, rq->hdr.api_version, rq->hdr.correlation_id,
	    &gc->resp);
	sim_send(w, M_KRESP, n->id, m->from, 0, m->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* A replicated commit that waited for the offsets log's HW (from settle_acks). */
void
group_commit_settled(struct sim_world *w, struct sim_node *n, const struct sim_ack *a, int16_t perr)
{
	struct fl_kp_part_error pe = { a->commit_part, fl_coord_commit_error(perr) };
	struct fl_kp_offset_commit_topic_resp tr;
	struct fl_kp_offset_commit_resp resp;
	struct fl_wr wr;

	if (pe.error == 0 && a->is_group_m)
		check_gcommit_acked(w, a->commit_part, a->end);

	tr.name = fl_kp_str(SIM_TOPIC);
	tr.parts = &pe;
	tr.nparts = 1;
	memset(&resp, 0, sizeof(resp));
	resp.topics = &tr;
	resp.ntopics = 1;
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kp_offset_commit_resp_encode(&wr, a->version, a->corr, &resp);
	sim_trace(w, "node %d answers commit %s-%d: error %d", n->id, SIM_TOPIC,
	    (int)a->commit_part, (int)pe.error);
	sim_send(w, M_KRESP, n->id, SIM_EP_CLIENT + a->client, 0, a->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* OffsetCommit of one partition (our clients send one): h_offset_commit. */
void
group_commit(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	const struct fl_kp_offset_commit_req *r = &rq->u.offset_commit;
	struct fl_grpwire_commit gc;
	struct fl_coord_commit_part *cp;
	struct fl_coordlog_done d;
	struct fl_part *op;
	char topic[FL_TOPIC_NAME_MAX + 1];
	int16_t perr;
	int stored, is_replicated;

	if (r->ntopics != 1 || r->topics[0].nparts != 1)
		return;
	if (fl_grpwire_commit_begin(&gc, r, &rq->arena) != 0)
		sim_oom();
	cp = &gc.parts[0];
	if (!n->has_coord || !n->coord_here) {
		fl_grpwire_commit_fail(&gc, FL_KERR_NOT_COORDINATOR);
		answer_commit(w, n, m, rq, &gc);
		return;
	}
	snprintf(topic, sizeof(topic), "%.*s", (int)cp->topic.len, (const char *)cp->topic.p);
	cp->is_known = node_part(n, topic, cp->partition) != NULL;
	op = offsets_part(n);
	is_replicated = op != NULL && op->replicas.n > 1;
	if (is_replicated && (perr = fl_part_may_append_all(op)) != 0) {
		fl_grpwire_commit_fail(&gc, fl_coord_commit_error(perr));
	} else {
		(void)fl_coord_commit(&n->coord, (uint64_t)w->now, w->now, r->group_id, r->member_id,
		    r->group_instance_id, r->generation_id, gc.parts, gc.nparts);
		stored = fl_coordlog_apply(&n->coord, op, w->now, &d);
		if (d.appended_bytes > 0)
			node_appended(w, n);
		if (!fl_coord_commit_result(&n->coord, stored, gc.parts, gc.nparts))
			is_replicated = 0;
		else if (is_replicated && op != NULL) {
			struct sim_ack a;

			memset(&a, 0, sizeof(a));
			a.client = m->from - SIM_EP_CLIENT;
			a.tag = m->tag;
			snprintf(a.topic, sizeof(a.topic), "%s", FL_OFFSETS_TOPIC);
			a.part = 0;
			a.acks = -1;
			a.epoch = op->leader_epoch;
			a.end = fl_part_log_end(op);
			a.deadline_ms = w->now + 5000;
			a.corr = rq->hdr.correlation_id;
			a.version = rq->hdr.api_version;
			a.is_commit = 1;
			a.commit_part = cp->partition;
			a.is_group_m = r->group_id.len == 1 && r->group_id.p[0] == 'm';
			if (a.is_group_m && cp->error == 0)
				check_gcommit_stored(w, cp->partition, cp->offset, a.end);
			sim_trace(w, "node %d stores commit %s-%d at %lld, waits for the offsets HW %llu",
			    n->id, topic, (int)cp->partition, (long long)cp->offset,
			    (unsigned long long)a.end);
			node_wait(w, n, &a);
			return;
		}
	}
	answer_commit(w, n, m, rq, &gc);
}

/* OffsetFetch: h_offset_fetch. */
void
group_offset_fetch(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    struct fl_kp_req *rq)
{
	struct fl_kp_offset_fetch_resp resp;
	struct fl_wr wr;
	int rc;

	if (n->has_coord && n->coord_here)
		rc = fl_grpwire_fetch_resp(&n->coord, &rq->u.offset_fetch, &rq->arena, &resp);
	else
		rc = fl_grpwire_fetch_refuse(&rq->u.offset_fetch, FL_KERR_NOT_COORDINATOR,
		    &rq->arena, &resp);
	if (rc != 0)
		sim_oom();
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kp_offset_fetch_resp_encode(&wr, rq->hdr.api_version, rq->hdr.correlation_id,
	    &resp);
	sim_send(w, M_KRESP, n->id, m->from, 0, m->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* Timers: group_tick. */
void
group_tick(struct sim_world *w, struct sim_node *n)
{
	struct fl_coord_log lg;
	struct fl_coordlog_done d;
	struct fl_part *p;

	if (!n->has_coord || (uint64_t)w->now < fl_coord_next_wake(&n->coord))
		return;
	p = offsets_part(n);
	memset(&lg, 0, sizeof(lg));
	if (p != NULL) {
		lg.log_start = p->log.log_start;
		lg.log_end = p->log.log_end;
		lg.bytes = fl_plog_bytes(&p->log);
	}
	if (fl_coord_tick(&n->coord, (uint64_t)w->now, w->now, p ? &lg : NULL) != 0)
		sim_oom();
	(void)d;
	deliver(w, n);
}
