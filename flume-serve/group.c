/*
 * group.c: the broker's consumer groups: the Kafka handlers that drive the
 * coordinator (sm/coord.h: the group state machine, the committed offsets
 * and what to store of them), deliver its answers to the connections that
 * wait for them, and carry out its output on the internal partition
 * __consumer_offsets-0.  The coordinator's answers become Kafka responses
 * through sm/grpwire, which flume-sim uses too.
 *
 * A JoinGroup or a follower's SyncGroup may have to wait.  Its connection
 * then stops reading further requests (responses go out in request order)
 * and is marked is_waiting with the correlation id and version it owes;
 * the coordinator answers it later under the token (slot << 32 | gen), and
 * a connection that closed meanwhile has a new gen, so a late answer never
 * reaches a stranger.
 *
 * Offset commits are appended to __consumer_offsets-0 and answered only
 * after the sync round that makes them durable, exactly like acks=-1
 * produce requests; the coordinator shows them to OffsetFetch from then
 * on (group_durable).  At start the partition is replayed into it.
 *
 * In a cluster, __consumer_offsets-0 is replicated like any partition and
 * the coordinator is wherever it is led (sm/coord.h: fl_coord_find): a
 * commit is answered once the partition's HW passes it (kafka_commit_wait),
 * a node that takes the lead rebuilds the groups from its copy, and a node
 * that is not the leader answers group requests NOT_COORDINATOR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/csum.h"
#include "os/clock.h"
#include "os/entropy.h"
#include "serve.h"
#include "sm/grpwire.h"
#include "store/coordlog.h"

static uint64_t
conn_token(const struct broker *b, const struct conn *c)
{
	return (uint64_t)(size_t)(c - b->conns) << 32 | c->gen;
}

static struct fl_slice
str_slice(const char *s)
{
	return (struct fl_slice){ (const uint8_t *)s, s ? strlen(s) : 0 };
}

/* ---- the offsets partition ---- */

static struct fl_part *
offsets_part(struct broker *b, int create)
{
	struct fl_part *p = store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0);
	struct fl_catalog_new nt;

	if (p != NULL)
		return p->is_open && p->role == FL_ROLE_LEADER ? p : NULL;
	if (!create || cluster_is_on(b))
		return NULL;	/* in a cluster, it is created by `lead`/`follow` */
	memset(&nt, 0, sizeof(nt));
	nt.name = FL_OFFSETS_TOPIC;
	nt.nparts = 1;
	store_create(b, &nt, 1);
	return nt.rc == 0 ? &nt.topic->parts[0] : NULL;
}

/*
 * Carry out what the last coordinator call asked of the offsets log
 * (store/coordlog.h), logging it, and let the appends join a sync round.
 * Returns the appends' result (0 if none).
 */
static int
apply_out(struct broker *b)
{
	struct fl_part *p = offsets_part(b, fl_coordlog_has_records(&b->coord));
	struct fl_coordlog_done d;
	int rc;

	if (p != NULL && b->coord.out_roll)
		fl_log(FL_LOG_INFO, "%s: compacting %llu bytes: writing a snapshot of the "
		    "live records", fl_part_dir(p), (unsigned long long)fl_plog_bytes(&p->log));
	rc = fl_coordlog_apply(&b->coord, p, b->wall_ms, &d);
	if (d.appended_bytes > 0)
		store_appended(b, p, d.appended_bytes);
	if (rc != 0 && p != NULL)
		store_fail(b, p, "write", rc);
	if (d.has_deleted && d.delete_rc != 0)
		store_log_error(p, "compaction", d.delete_rc);
	else if (d.has_deleted)
		fl_log(FL_LOG_INFO, "%s: compacted: %zu segment%s before offset %llu deleted",
		    fl_part_dir(p), d.deleted, d.deleted == 1 ? "" : "s",
		    (unsigned long long)d.deleted_before);
	return rc;
}

/* Read every batch of __consumer_offsets-0 into the coordinator. */
static int
replay(struct broker *b)
{
	struct fl_part *p = offsets_part(b, 0);
	int rc = fl_coordlog_replay(&b->coord, p);

	if (p != NULL)
		fl_log(FL_LOG_INFO, "%s: replayed %llu offset and group records (%llu skipped)",
		    fl_part_dir(p), (unsigned long long)b->coord.replayed,
		    (unsigned long long)b->coord.skipped);
	return rc;
}

/* Where the coordinator is, as this node's copy of the offsets log says. */
static void
coord_where(const struct broker *b, struct fl_coord_where *w)
{
	struct fl_part *p = store_part((struct broker *)(uintptr_t)b, FL_OFFSETS_TOPIC,
	    strlen(FL_OFFSETS_TOPIC), 0);

	memset(w, 0, sizeof(*w));
	w->is_cluster = cluster_is_on(b);
	w->self = b->cfg->node_id;
	w->has_part = p != NULL;
	w->role = p != NULL ? p->role : FL_ROLE_OFFLINE;
	w->leader = p != NULL ? p->leader_id : -1;
	if (p != NULL && p->role == FL_ROLE_LEADER && !p->is_open)
		w->role = FL_ROLE_OFFLINE;
}

/*
 * In a cluster the offsets log belongs to its leader: the node that
 * coordinates groups and finds live commits resting on legacy records in
 * what it replayed writes every live record again in Kafka's schemas,
 * through the replicated log like any output of the coordinator (nothing
 * deleted; if the append fails the broker stops as for any failed write,
 * and the next leader looks again).
 */
static void
migrate_led(struct broker *b)
{
	size_t n;

	if (!cluster_is_on(b) || !b->coord_here || (n = fl_coord_legacy_count(&b->coord)) == 0)
		return;
	if (fl_coord_migrate(&b->coord, b->wall_ms) != 0) {
		fl_log(FL_LOG_WARN, "%s-0: out of memory writing %zu legacy commits again",
		    FL_OFFSETS_TOPIC, n);
		return;
	}
	if (apply_out(b) == 0)
		fl_log(FL_LOG_INFO, "%s-0: %zu commits rested on records in the legacy layout: "
		    "every live record written again in Kafka's schemas", FL_OFFSETS_TOPIC, n);
}

/*
 * The one-time migration of a format-1 data directory (DESIGN section
 * 7.2), after replay: its offsets log may hold records in flume's legacy
 * layout, which flume still reads (they lack the schema header) but
 * Kafka's tools and lag monitors cannot.  A one-node broker writes every
 * live commit and group record again in Kafka's schemas, makes them
 * durable, and only then stores format 2 in the meta file, so a crash in
 * between migrates again (the second copy replays to the same state).  It
 * does the same, whatever the format, if live commits still rest on
 * legacy records.  Nothing is deleted: the legacy records go with the next
 * compaction.  In a cluster, see migrate_led.  Returns 0 or FL_E* (logged).
 */
static int
migrate(struct broker *b)
{
	struct fl_part *p = cluster_is_on(b) ? NULL : offsets_part(b, 0);
	int is_old = b->meta_format < FL_META_FORMAT;
	size_t legacy = p != NULL ? fl_coord_legacy_count(&b->coord) : 0;
	struct fl_coordlog_done d;
	struct fl_meta m;
	struct fl_err err = { 0 };
	uint64_t from;
	int rc;

	migrate_led(b);
	if (p != NULL && (legacy > 0 || (is_old && p->log.log_end > p->log.log_start))) {
		/* before the loop's first turn: read the clocks as a turn would */
		b->now_ms = fl_clock_ms();
		b->wall_ms = fl_wall_ms();
		from = p->log.log_end;
		if ((rc = fl_coord_migrate(&b->coord, b->wall_ms)) != 0) {
			fl_log(FL_LOG_ERROR, "%s: migration: %s", fl_part_dir(p), fl_strerror(rc));
			return rc;
		}
		rc = fl_coordlog_apply(&b->coord, p, b->wall_ms, &d);
		if (rc == 0)
			rc = fl_plog_sync(&p->log);
		if (rc != 0) {
			store_log_error(p, "migration", rc);
			return rc;
		}
		fl_part_durable(p, b->now_ms, p->log.log_end);
		fl_coord_durable(&b->coord, p->hw);
		fl_log(FL_LOG_INFO, "%s: migrated to Kafka's record schemas: %zu commits and "
		    "%zu groups written again at offsets %llu-%llu (the legacy records before "
		    "them stay until a compaction)", fl_part_dir(p),
		    fl_coord_commit_count(&b->coord), fl_coord_group_count(&b->coord),
		    (unsigned long long)from, (unsigned long long)p->log.log_end);
	}
	if (!is_old)
		return 0;
	memset(&m, 0, sizeof(m));
	m.node_id = b->cfg->node_id;
	snprintf(m.cluster_id, sizeof(m.cluster_id), "%s", b->cluster_id);
	if ((rc = fl_meta_store(b->vfs, b->cfg->data_dir, &m, &err)) != 0) {
		fl_log(FL_LOG_ERROR, "%s", err.msg);
		return rc;
	}
	fl_log(FL_LOG_INFO, "%s/%s: format %d -> %d", b->cfg->data_dir, FL_META_FILE,
	    b->meta_format, FL_META_FORMAT);
	b->meta_format = FL_META_FORMAT;
	return 0;
}

int
group_init(struct broker *b)
{
	struct fl_coord_config cc;
	struct fl_coord_where w;
	int rc;

	fl_coord_config_default(&cc);
	cc.grp.initial_delay_ms = b->cfg->group_initial_delay_ms;
	cc.grp.session_ms_min = b->cfg->group_min_session_ms;
	cc.compact_bytes = b->cfg->offsets_compact_bytes;
	fl_coord_init(&b->coord, &cc);
	b->has_coord = 1;
	coord_where(b, &w);
	b->coord_here = fl_coord_is_here(&w);
	if (!b->coord_here)
		rc = fl_coord_replay_done(&b->coord, 0);
	else
		rc = replay(b);
	if (rc != 0)
		return rc;
	return migrate(b);
}

void
group_free(struct broker *b)
{
	if (!b->has_coord)
		return;
	fl_coord_free(&b->coord);
	b->has_coord = 0;
}

/* Answer c's waiting JoinGroup/SyncGroup with error (the coordinator moved). */
static void answer_waiting(struct broker *b, struct conn *c, int16_t error);

void
group_roles_changed(struct broker *b)
{
	struct fl_coord_where w;
	struct fl_coord_config cc;
	size_t i;
	int here;

	if (!b->has_coord)
		return;
	coord_where(b, &w);
	here = fl_coord_is_here(&w);
	if (here == b->coord_here)
		return;
	if (!here) {
		/* members waiting here must find the new coordinator */
		for (i = 0; i < b->nlive; i++) {
			struct conn *c = b->live[i];

			if (c->is_waiting && !kafka_conn_waits_acks(c))
				answer_waiting(b, c, FL_KERR_NOT_COORDINATOR);
		}
	}
	cc = b->coord.cfg;
	fl_coord_free(&b->coord);
	fl_coord_init(&b->coord, &cc);
	b->coord_here = here;
	if (!here) {
		(void)fl_coord_replay_done(&b->coord, 0);
		fl_log(FL_LOG_INFO, "group coordinator: no longer here (this node does not lead "
		    "%s-0); groups forgotten", FL_OFFSETS_TOPIC);
		return;
	}
	if (replay(b) != 0)
		fl_log(FL_LOG_WARN, "group coordinator: out of memory rebuilding the groups");
	else
		migrate_led(b);
	fl_log(FL_LOG_INFO, "group coordinator: here now (leading %s-0): %zu groups rebuilt",
	    FL_OFFSETS_TOPIC, fl_coord_group_count(&b->coord));
	group_durable(b);
}

void
group_durable(struct broker *b)
{
	struct fl_part *p = offsets_part(b, 0);

	if (b->has_coord && p != NULL)
		fl_coord_durable(&b->coord, p->hw);
}

/* ---- delivering the coordinator's answers ---- */

/* Hand every answer the last coordinator call produced to its connection. */
static void
deliver_answers(struct broker *b)
{
	const struct fl_grp_resp *r;
	size_t n, i;

	r = fl_coord_answers(&b->coord, &n);
	for (i = 0; i < n; i++) {
		size_t slot = (size_t)(r[i].token >> 32), from;
		struct conn *c;
		int rc;

		if (slot >= b->nslots)
			continue;
		c = &b->conns[slot];
		if (c->fd < 0 || c->gen != (uint32_t)r[i].token || !c->is_waiting)
			continue;	/* gone, or no longer waiting for this */
		from = c->out.len;
		rc = fl_grpwire_answer_encode(&c->out, c->wait_version, c->wait_corr, &r[i]);
		if (rc == 0)
			rc = conn_queue_mem(c, c->out.len - from, 0);
		c->is_waiting = 0;
		if (conn_out_account(b, c) != 0 && rc == 0)
			rc = FL_EFULL;
		if (rc != 0) {
			conn_close(b, c, rc == FL_EFULL ? NULL : "out of memory");
			continue;
		}
		conn_ready(b, c);
	}
}

/* After a coordinator call: its answers, then what it asked to store. */
static void
deliver(struct broker *b)
{
	deliver_answers(b);
	(void)apply_out(b);
}

int
group_store(struct broker *b)
{
	struct fl_part *op = offsets_part(b, 0);

	deliver_answers(b);
	return apply_out(b) != 0 || (op != NULL && op->replicas.n > 1 &&
	    fl_part_may_append_all(op) != 0) ? -1 : 0;
}

/* The request on c waits for the coordinator: remember what it owes. */
static void
wait_for(struct conn *c, const struct fl_kp_req *req)
{
	c->is_waiting = 1;
	c->wait_corr = req->hdr.correlation_id;
	c->wait_version = req->hdr.api_version;
	c->wait_api = req->hdr.api_key;
}

static void
answer_waiting(struct broker *b, struct conn *c, int16_t error)
{
	size_t from = c->out.len;
	int rc;

	rc = fl_grpwire_error_encode(&c->out, c->wait_api, c->wait_version, c->wait_corr, error);
	if (rc == 0)
		rc = conn_queue_mem(c, c->out.len - from, 0);
	c->is_waiting = 0;
	c->gen++;	/* a late answer of the old coordinator goes nowhere */
	if (rc != 0 || conn_out_account(b, c) != 0) {
		conn_close(b, c, rc == 0 || rc == FL_EFULL ? NULL : "out of memory");
		return;
	}
	conn_ready(b, c);
}

void
group_tick(struct broker *b)
{
	struct fl_part *p;
	struct fl_coord_log log;

	if (!b->has_coord || (uint64_t)b->now_ms < fl_coord_next_wake(&b->coord))
		return;
	p = offsets_part(b, 0);
	memset(&log, 0, sizeof(log));
	if (p != NULL) {
		log.log_start = p->log.log_start;
		log.log_end = p->log.log_end;
		log.bytes = fl_plog_bytes(&p->log);
		log.is_busy = p->round.in_round;
	}
	if (fl_coord_tick(&b->coord, (uint64_t)b->now_ms, b->wall_ms, p ? &log : NULL) != 0)
		fl_log(FL_LOG_WARN, "group coordinator: out of memory");
	deliver(b);
}

int64_t
group_next_wake(const struct broker *b)
{
	uint64_t t;

	if (!b->has_coord)
		return INT64_MAX;
	t = fl_coord_next_wake(&b->coord);
	return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

void
group_conn_closed(struct broker *b, struct conn *c)
{
	if (b->has_coord)
		fl_coord_drop(&b->coord, UINT64_MAX, conn_token(b, c));
	c->is_waiting = 0;
	c->gen++;
}

/* ---- the handlers ---- */


/* Where the coordinator of one key is, with its error and message. */
static void
find_one(struct broker *b, struct conn *c, int8_t key_type, struct fl_slice key,
    struct fl_kp_coordinator *out)
{
	const char *msg;
	struct fl_coord_where w;
	int32_t node;

	memset(out, 0, sizeof(*out));
	out->key = key;
	coord_where(b, &w);
	out->error = fl_coord_find(key_type, key, &w, &node, &msg);
	if (out->error == 0 && key_type == 0 &&
	    !auth_may(b, c, FL_ACL_READ, FL_ACL_GROUP, key.p, key.len)) {
		out->error = FL_KERR_GROUP_AUTHORIZATION_FAILED;
		msg = "Not authorized to access group: Group authorization failed.";
	}
	out->node_id = node;
	out->host = str_slice(b->adv_host);
	out->port = b->adv_port;
	if (out->error == 0 && node != b->cfg->node_id) {
		const struct fl_cmeta_broker *cb = fl_cmeta_broker(&b->cmeta, node);

		if (cb != NULL) {
			out->host = str_slice(cb->host);
			out->port = cb->port;
		} else {
			out->error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
			msg = "the coordinator's broker is not in this node's broker list";
		}
	}
	if (msg != NULL)
		out->error_message = str_slice(msg);
	if (out->error != 0) {
		out->node_id = -1;
		out->host = str_slice("");
		out->port = -1;
	}
}

/* v0-3 ask for one key; v4+ for a batch (KIP-699), each answered alone. */
static int
h_find_coordinator(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_find_coordinator_req *r = &req->u.find_coordinator;
	struct fl_kp_find_coordinator_resp fr;
	struct fl_kp_coordinator *co, one;
	size_t from = c->out.len, i;
	int rc = 0;

	memset(&fr, 0, sizeof(fr));
	if (req->hdr.api_version >= 4) {
		co = kafka_arena(req, r->ncoordinator_keys, sizeof(*co), &rc);
		if (rc != 0)
			return -1;
		for (i = 0; i < r->ncoordinator_keys; i++)
			find_one(b, c, r->key_type, r->coordinator_keys[i], &co[i]);
		fr.coordinators = co;
		fr.ncoordinators = r->ncoordinator_keys;
	} else {
		find_one(b, c, r->key_type, r->key, &one);
		fr.error = one.error;
		fr.error_message = one.error_message;
		fr.node_id = one.node_id;
		fr.host = one.host;
		fr.port = one.port;
	}
	return kafka_finish(b, c, from, fl_kp_find_coordinator_resp_encode(&c->out,
	    req->hdr.api_version, req->hdr.correlation_id, &fr), 0);
}

static int
h_join_group(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_join_group_req *r = &req->u.join_group;
	struct fl_grp_protocol *protos;
	struct fl_grp_join_req jr;
	char host[80];
	size_t i;
	int rc = 0;

	protos = kafka_arena(req, r->nprotocols, sizeof(*protos), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->nprotocols; i++) {
		protos[i].name = r->protocols[i].name;
		protos[i].metadata = r->protocols[i].metadata;
	}
	memset(&jr, 0, sizeof(jr));
	jr.token = conn_token(b, c);
	jr.version = req->hdr.api_version;
	jr.group_id = r->group_id;
	jr.member_id = r->member_id;
	jr.instance_id = r->group_instance_id;
	jr.client_id = req->hdr.client_id;
	{
		/* Kafka's form: "/" and the peer's address without the port */
		const char *colon = strrchr(c->peer, ':');
		int n = snprintf(host, sizeof(host), "/%.*s", colon ? (int)(colon - c->peer) :
		    (int)strlen(c->peer), c->peer);

		jr.client_host = (struct fl_slice){ (const uint8_t *)host,
		    n > 0 && (size_t)n < sizeof(host) ? (size_t)n : 0 };
	}
	jr.session_ms = r->session_timeout_ms;
	jr.rebalance_ms = r->rebalance_timeout_ms;
	jr.protocol_type = r->protocol_type;
	jr.protocols = protos;
	jr.nprotocols = r->nprotocols;
	fl_random_bytes(jr.random, sizeof(jr.random));
	if (r->reason.p != NULL)	/* v8+: why the client (re)joins */
		fl_log(FL_LOG_INFO, "group %.*s: member '%.*s' of %s joins: %.*s",
		    (int)r->group_id.len, (const char *)r->group_id.p,
		    (int)r->member_id.len, (const char *)r->member_id.p, c->peer,
		    (int)(r->reason.len > 255 ? 255 : r->reason.len), (const char *)r->reason.p);
	wait_for(c, req);
	if (fl_coord_join(&b->coord, (uint64_t)b->now_ms, b->wall_ms, &jr) == FL_ENOMEM) {
		c->is_waiting = 0;
		return -1;
	}
	deliver(b);
	return c->is_waiting ? 2 : 0;
}

static int
h_sync_group(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_sync_group_req *r = &req->u.sync_group;
	struct fl_grp_assignment *as;
	struct fl_grp_sync_req sr;
	size_t i;
	int rc = 0;

	as = kafka_arena(req, r->nassignments, sizeof(*as), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->nassignments; i++) {
		as[i].member_id = r->assignments[i].member_id;
		as[i].assignment = r->assignments[i].assignment;
	}
	memset(&sr, 0, sizeof(sr));
	sr.token = conn_token(b, c);
	sr.group_id = r->group_id;
	sr.member_id = r->member_id;
	sr.instance_id = r->group_instance_id;
	sr.generation = r->generation_id;
	sr.protocol_type = r->protocol_type;
	sr.protocol_name = r->protocol_name;
	sr.assignments = as;
	sr.nassignments = r->nassignments;
	wait_for(c, req);
	if (fl_coord_sync(&b->coord, (uint64_t)b->now_ms, b->wall_ms, &sr) == FL_ENOMEM) {
		c->is_waiting = 0;
		return -1;
	}
	deliver(b);
	return c->is_waiting ? 2 : 0;
}

static int
h_heartbeat(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_heartbeat_req *r = &req->u.heartbeat;
	struct fl_kp_error_resp er = { 0, 0 };
	size_t from = c->out.len;

	er.error = (int16_t)fl_coord_heartbeat(&b->coord, (uint64_t)b->now_ms, r->group_id,
	    r->member_id, r->group_instance_id, r->generation_id);
	deliver(b);
	return kafka_finish(b, c, from, fl_kp_heartbeat_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &er), 0);
}

static int
h_leave_group(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_leave_group_req *r = &req->u.leave_group;
	struct fl_kp_leave_member_resp *mr;
	struct fl_kp_leave_group_resp lr;
	size_t i, from;
	int rc = 0;

	mr = kafka_arena(req, r->nmembers, sizeof(*mr), &rc);
	if (rc != 0)
		return -1;
	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < r->nmembers; i++) {
		const struct fl_slice *why = &r->members[i].reason;

		if (why->p != NULL)	/* v5+ */
			fl_log(FL_LOG_INFO, "group %.*s: member '%.*s' of %s leaves: %.*s",
			    (int)r->group_id.len, (const char *)r->group_id.p,
			    (int)r->members[i].member_id.len,
			    (const char *)r->members[i].member_id.p, c->peer,
			    (int)(why->len > 255 ? 255 : why->len), (const char *)why->p);
		mr[i].member_id = r->members[i].member_id;
		mr[i].group_instance_id = r->members[i].group_instance_id;
		mr[i].error = (int16_t)fl_coord_leave(&b->coord, (uint64_t)b->now_ms, b->wall_ms,
		    r->group_id, r->members[i].member_id, r->members[i].group_instance_id);
		if (mr[i].error < 0)
			mr[i].error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
		deliver(b);
	}
	if (req->hdr.api_version < 3)
		lr.error = r->nmembers > 0 ? mr[0].error : FL_KERR_UNKNOWN_MEMBER_ID;
	lr.members = mr;
	lr.nmembers = r->nmembers;
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_leave_group_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &lr), 0);
}

static int
h_offset_commit(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_offset_commit_req *r = &req->u.offset_commit;
	struct fl_grpwire_commit gc;
	size_t k, from;
	uint64_t ticket = 0;
	struct fl_part *op;
	int16_t perr;
	int rc, stored = 0, is_replicated;

	if (fl_grpwire_commit_begin(&gc, r, &req->arena) != 0)
		return -1;
	for (k = 0; k < gc.nparts; k++)
		gc.parts[k].is_known = store_part(b, gc.parts[k].topic.p, gc.parts[k].topic.len,
		    gc.parts[k].partition) != NULL;
	op = offsets_part(b, 0);
	is_replicated = op != NULL && op->replicas.n > 1;
	if (is_replicated && (perr = fl_part_may_append_all(op)) != 0) {
		/* too few replicas to store it: nothing is appended */
		fl_grpwire_commit_fail(&gc, fl_coord_commit_error(perr));
	} else {
		(void)fl_coord_commit(&b->coord, (uint64_t)b->now_ms, b->wall_ms, r->group_id,
		    r->member_id, r->group_instance_id, r->generation_id, gc.parts, gc.nparts);
		deliver_answers(b);
		stored = apply_out(b);
		/* answered once the commit is durable, like an acks=-1 produce */
		if (fl_coord_commit_result(&b->coord, stored, gc.parts, gc.nparts))
			ticket = is_replicated ? 0 : fl_round_ticket(&b->round);
		else
			is_replicated = 0;	/* nothing stored: nothing to wait for */
	}
	fl_grpwire_commit_end(&gc);
	if (is_replicated && op != NULL) {
		/* answered once the offsets log's HW passes the commit */
		rc = kafka_commit_wait(b, c, req, gc.resp.topics, gc.resp.ntopics,
		    fl_part_log_end(op));
		if (rc < 0)
			return -1;
		return rc == 1 ? 2 : 0;
	}
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_offset_commit_resp_encode(&c->out,
	    req->hdr.api_version, req->hdr.correlation_id, &gc.resp), ticket);
}

/*
 * OffsetFetch v8+: each group answered alone, as Kafka does: its own
 * GROUP_AUTHORIZATION_FAILED or, with err (NOT_COORDINATOR), refused.
 * The v9 MemberId and MemberEpoch are for KIP-848 consumer groups; a
 * classic group ignores them (Kafka's ClassicGroup.validateOffsetFetch).
 */
static int
offset_fetch_groups(struct broker *b, struct conn *c, struct fl_kp_req *req, int16_t err)
{
	const struct fl_kp_offset_fetch_req *r = &req->u.offset_fetch;
	struct fl_kp_offset_fetch_group_resp *gr;
	struct fl_kp_offset_fetch_resp resp;
	size_t i, from;
	int rc = 0;

	gr = kafka_arena(req, r->ngroups, sizeof(*gr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ngroups; i++) {
		const struct fl_kp_offset_fetch_group *q = &r->groups[i];
		struct fl_kp_offset_fetch_req one;
		struct fl_kp_offset_fetch_resp ans;
		int16_t e = err;

		memset(&one, 0, sizeof(one));
		one.group_id = q->group_id;
		one.is_all_topics = q->is_all_topics;
		one.topics = q->topics;
		one.ntopics = q->ntopics;
		if (!auth_may(b, c, FL_ACL_READ, FL_ACL_GROUP, q->group_id.p, q->group_id.len))
			e = FL_KERR_GROUP_AUTHORIZATION_FAILED;
		rc = e != 0 ? fl_grpwire_fetch_refuse(&one, e, &req->arena, &ans) :
		    fl_grpwire_fetch_resp(&b->coord, &one, &req->arena, &ans);
		if (rc != 0)
			return -1;
		gr[i].group_id = q->group_id;
		gr[i].topics = ans.topics;
		gr[i].ntopics = ans.ntopics;
		gr[i].error = ans.error;
	}
	memset(&resp, 0, sizeof(resp));
	resp.groups = gr;
	resp.ngroups = r->ngroups;
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_offset_fetch_resp_encode(&c->out,
	    req->hdr.api_version, req->hdr.correlation_id, &resp), 0);
}

static int
h_offset_fetch(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	struct fl_kp_offset_fetch_resp resp;
	size_t from;

	if (req->hdr.api_version >= 8)
		return offset_fetch_groups(b, c, req, 0);
	if (fl_grpwire_fetch_resp(&b->coord, &req->u.offset_fetch, &req->arena, &resp) != 0)
		return -1;
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_offset_fetch_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp), 0);
}

/* Is s (trimmed, any case: Kafka's comparison) one of the n in f?  n 0: yes. */
static int
filter_has(const struct fl_slice *f, size_t n, const char *s)
{
	size_t i, len = strlen(s);

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		const uint8_t *p = f[i].p;
		size_t l = f[i].len;

		while (l > 0 && (*p == ' ' || *p == '\t'))
			p++, l--;
		while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l == len && strncasecmp((const char *)p, s, len) == 0)
			return 1;
	}
	return 0;
}

/* v4+ filter by state (Kafka's names, any case), v5+ by type: every flume
 * group is "classic" (KIP-848's consumer groups are not implemented). */
static int
h_list_groups(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_list_groups_req *r = &req->u.list_groups;
	struct fl_kp_list_groups_resp resp;
	struct fl_kp_listed_group *lg;
	size_t i, k, n = fl_coord_group_count(&b->coord), from;
	int rc = 0;

	lg = kafka_arena(req, n, sizeof(*lg), &rc);
	if (rc != 0)
		return -1;
	for (i = 0, k = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_coord_group_at(&b->coord, i, &info);
		/* a principal lists only the groups it may read (Kafka: describe) */
		if (!auth_may_quiet(b, c, FL_ACL_READ, FL_ACL_GROUP, info.group_id,
		    strlen(info.group_id)))
			continue;
		if (!filter_has(r->states_filter, r->nstates_filter,
		    fl_coord_state_name(info.state)) ||
		    !filter_has(r->types_filter, r->ntypes_filter, "classic"))
			continue;
		lg[k].group_id = str_slice(info.group_id);
		lg[k].protocol_type = str_slice(info.protocol_type);
		lg[k].group_state = str_slice(fl_coord_state_name(info.state));
		lg[k++].group_type = str_slice("classic");
	}
	memset(&resp, 0, sizeof(resp));
	resp.groups = lg;
	resp.ngroups = k;
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_list_groups_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp), 0);
}

static int
h_describe_groups(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_describe_groups_req *r = &req->u.describe_groups;
	struct fl_kp_describe_groups_resp resp;
	struct fl_kp_described_group *dg;
	size_t i, j, from;
	uint64_t copied = 0;
	int rc = 0;

	dg = kafka_arena(req, r->ngroups, sizeof(*dg), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ngroups; i++) {
		struct fl_grp_info info;
		struct fl_kp_described_member *dm;

		memset(&dg[i], 0, sizeof(dg[i]));
		dg[i].group_id = r->groups[i];
		dg[i].authorized_operations = INT32_MIN;
		if (fl_coord_group_find(&b->coord, r->groups[i], &info) != 0) {
			dg[i].state = str_slice("Dead");
			dg[i].protocol_type = str_slice("");
			dg[i].protocol_data = str_slice("");
			continue;
		}
		dg[i].state = str_slice(fl_coord_state_name(info.state));
		dg[i].protocol_type = str_slice(info.protocol_type);
		dg[i].protocol_data = str_slice(info.protocol);
		dm = kafka_arena(req, info.nmembers, sizeof(*dm), &rc);
		if (rc != 0)
			return -1;
		for (j = 0; j < info.nmembers; j++) {
			struct fl_grp_member_info mi;

			memset(&dm[j], 0, sizeof(dm[j]));
			if (fl_coord_member_at(&b->coord, r->groups[i], j, &mi) != 0)
				continue;
			dm[j].member_id = str_slice(mi.member_id);
			dm[j].group_instance_id = mi.instance_id ? str_slice(mi.instance_id) :
			    (struct fl_slice){ NULL, 0 };
			dm[j].client_id = str_slice(mi.client_id);
			dm[j].client_host = str_slice(mi.client_host);
			dm[j].metadata = (struct fl_slice){ mi.metadata ? mi.metadata :
			    (const uint8_t *)"", mi.metadata_len };
			dm[j].assignment = (struct fl_slice){ mi.assignment ? mi.assignment :
			    (const uint8_t *)"", mi.assignment_len };
			/*
			 * The encoder copies every member's metadata and
			 * assignment, once per time the group is named: a
			 * request naming a group with 1 MiB members hundreds
			 * of times would cost hundreds of MiB of output.
			 */
			copied += mi.metadata_len + mi.assignment_len;
			if (copied > SERVE_RESP_ARENA_BYTES) {
				fl_log(FL_LOG_WARN, "closing connection from %s: "
				    "DescribeGroups answer above %u bytes", c->peer,
				    (unsigned)SERVE_RESP_ARENA_BYTES);
				return -1;
			}
		}
		dg[i].members = dm;
		dg[i].nmembers = info.nmembers;
	}
	memset(&resp, 0, sizeof(resp));
	resp.groups = dg;
	resp.ngroups = r->ngroups;
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_describe_groups_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp), 0);
}

/*
 * Answer a group request with one error everywhere it has a place for one:
 * NOT_COORDINATOR when this node does not coordinate groups (a cluster
 * node that does not lead __consumer_offsets-0; the client asks
 * FindCoordinator again), GROUP_AUTHORIZATION_FAILED when the principal
 * may not read the group.
 */
static int
h_refuse(struct broker *b, struct conn *c, struct fl_kp_req *req, int16_t err)
{
	int16_t v = req->hdr.api_version;
	int32_t corr = req->hdr.correlation_id;
	size_t from = c->out.len, i;
	int rc = 0;

	switch (req->hdr.api_key) {
	case FL_KP_JOIN_GROUP: {
		struct fl_kp_join_group_resp jr;

		memset(&jr, 0, sizeof(jr));
		jr.error = err;
		jr.generation_id = -1;
		jr.member_id = req->u.join_group.member_id;
		rc = fl_kp_join_group_resp_encode(&c->out, v, corr, &jr);
		break;
	}
	case FL_KP_SYNC_GROUP: {
		struct fl_kp_sync_group_resp sr;

		memset(&sr, 0, sizeof(sr));
		sr.error = err;
		rc = fl_kp_sync_group_resp_encode(&c->out, v, corr, &sr);
		break;
	}
	case FL_KP_HEARTBEAT: {
		struct fl_kp_error_resp er = { 0, err };

		rc = fl_kp_heartbeat_resp_encode(&c->out, v, corr, &er);
		break;
	}
	case FL_KP_LEAVE_GROUP: {
		struct fl_kp_leave_group_resp lr;

		memset(&lr, 0, sizeof(lr));
		lr.error = err;
		rc = fl_kp_leave_group_resp_encode(&c->out, v, corr, &lr);
		break;
	}
	case FL_KP_OFFSET_COMMIT: {
		struct fl_grpwire_commit gc;

		if (fl_grpwire_commit_begin(&gc, &req->u.offset_commit, &req->arena) != 0)
			return -1;
		fl_grpwire_commit_fail(&gc, err);
		fl_grpwire_commit_end(&gc);
		rc = fl_kp_offset_commit_resp_encode(&c->out, v, corr, &gc.resp);
		break;
	}
	case FL_KP_OFFSET_FETCH: {
		struct fl_kp_offset_fetch_resp resp;

		if (v >= 8)
			return offset_fetch_groups(b, c, req, err);
		if (fl_grpwire_fetch_refuse(&req->u.offset_fetch, err, &req->arena, &resp) != 0)
			return -1;
		rc = fl_kp_offset_fetch_resp_encode(&c->out, v, corr, &resp);
		break;
	}
	case FL_KP_DESCRIBE_GROUPS: {
		const struct fl_kp_describe_groups_req *r = &req->u.describe_groups;
		struct fl_kp_described_group *dg = kafka_arena(req, r->ngroups, sizeof(*dg), &rc);
		struct fl_kp_describe_groups_resp resp;

		if (rc != 0)
			return -1;
		for (i = 0; i < r->ngroups; i++) {
			memset(&dg[i], 0, sizeof(dg[i]));
			dg[i].error = err;
			dg[i].group_id = r->groups[i];
			dg[i].state = dg[i].protocol_type = dg[i].protocol_data = str_slice("");
			dg[i].authorized_operations = INT32_MIN;
		}
		memset(&resp, 0, sizeof(resp));
		resp.groups = dg;
		resp.ngroups = r->ngroups;
		rc = fl_kp_describe_groups_resp_encode(&c->out, v, corr, &resp);
		break;
	}
	default:
		return -1;
	}
	return kafka_finish(b, c, from, rc, 0);
}

/* The group a request names (the first, for DescribeGroups); NULL for none. */
static const struct fl_slice *
group_of(const struct fl_kp_req *req)
{
	switch (req->hdr.api_key) {
	case FL_KP_JOIN_GROUP: return &req->u.join_group.group_id;
	case FL_KP_SYNC_GROUP: return &req->u.sync_group.group_id;
	case FL_KP_HEARTBEAT: return &req->u.heartbeat.group_id;
	case FL_KP_LEAVE_GROUP: return &req->u.leave_group.group_id;
	case FL_KP_OFFSET_COMMIT: return &req->u.offset_commit.group_id;
	case FL_KP_OFFSET_FETCH:	/* v8+: per group, offset_fetch_groups */
		return req->hdr.api_version < 8 ? &req->u.offset_fetch.group_id : NULL;
	default: return NULL;
	}
}

/*
 * Every group named must be readable by the principal (GROUP_AUTHORIZATION_FAILED,
 * 30, otherwise): Kafka's READ for membership and offsets, DESCRIBE for
 * DescribeGroups, which flume folds into read.
 */
static int
group_authorized(struct broker *b, struct conn *c, const struct fl_kp_req *req)
{
	const struct fl_slice *g = group_of(req);
	size_t i;

	if (g != NULL)
		return auth_may(b, c, FL_ACL_READ, FL_ACL_GROUP, g->p, g->len);
	if (req->hdr.api_key != FL_KP_DESCRIBE_GROUPS)
		return 1;
	for (i = 0; i < req->u.describe_groups.ngroups; i++) {
		g = &req->u.describe_groups.groups[i];
		if (!auth_may(b, c, FL_ACL_READ, FL_ACL_GROUP, g->p, g->len))
			return 0;
	}
	return 1;
}

int
group_handle(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_sync_group_req *sg = &req->u.sync_group;
	size_t from = c->out.len;
	int rc;

	/* Kafka's areMandatoryProtocolTypeAndNamePresent: a SyncGroup v5 must
	 * name both, checked before anything else (the ACL included) */
	if (req->hdr.api_key == FL_KP_SYNC_GROUP && req->hdr.api_version >= 5 &&
	    (sg->protocol_type.p == NULL || sg->protocol_name.p == NULL)) {
		rc = fl_grpwire_error_encode(&c->out, FL_KP_SYNC_GROUP, req->hdr.api_version,
		    req->hdr.correlation_id, FL_KERR_INCONSISTENT_GROUP_PROTOCOL);
		return kafka_finish(b, c, from, rc, 0);
	}
	if (!group_authorized(b, c, req))
		return h_refuse(b, c, req, FL_KERR_GROUP_AUTHORIZATION_FAILED);
	if (!b->coord_here && req->hdr.api_key != FL_KP_FIND_COORDINATOR &&
	    req->hdr.api_key != FL_KP_LIST_GROUPS)
		return h_refuse(b, c, req, FL_KERR_NOT_COORDINATOR);
	switch (req->hdr.api_key) {
	case FL_KP_FIND_COORDINATOR: return h_find_coordinator(b, c, req);
	case FL_KP_JOIN_GROUP: return h_join_group(b, c, req);
	case FL_KP_SYNC_GROUP: return h_sync_group(b, c, req);
	case FL_KP_HEARTBEAT: return h_heartbeat(b, c, req);
	case FL_KP_LEAVE_GROUP: return h_leave_group(b, c, req);
	case FL_KP_OFFSET_COMMIT: return h_offset_commit(b, c, req);
	case FL_KP_OFFSET_FETCH: return h_offset_fetch(b, c, req);
	case FL_KP_LIST_GROUPS: return h_list_groups(b, c, req);
	case FL_KP_DESCRIBE_GROUPS: return h_describe_groups(b, c, req);
	}
	return -1;
}

/* ---- admin ---- */


void
group_admin_list(struct broker *b, struct conn *c)
{
	size_t i, n = fl_coord_group_count(&b->coord);

	admin_say(c, "group\tstate\tgeneration\tprotocol_type\tprotocol\tmembers\n");
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_coord_group_at(&b->coord, i, &info);
		admin_say(c, "%s\t%s\t%d\t%s\t%s\t%zu\n", info.group_id,
		    fl_coord_state_name(info.state), (int)info.generation,
		    info.protocol_type[0] ? info.protocol_type : "-",
		    info.protocol[0] ? info.protocol : "-", info.nmembers);
	}
	admin_say(c, "ok\n");
}

struct admin_offsets {
	struct broker *b;
	struct conn *c;
};

static int
admin_offset_cb(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *oc)
{
	struct admin_offsets *ao = arg;
	struct fl_part *p = store_part(ao->b, topic, strlen(topic), partition);
	long long end = p ? (long long)p->hw : -1;

	admin_say(ao->c, "offset\t%s\t%d\t%lld\t%lld\t%lld\t%s\n", topic, (int)partition,
	    (long long)oc->offset, end, end >= 0 && oc->offset >= 0 && end >= oc->offset ?
	    end - (long long)oc->offset : -1LL, oc->metadata && oc->metadata[0] ? oc->metadata : "-");
	return 0;
}

/*
 * A ConsumerProtocol assignment (int16 version, [topic string, [int32
 * partition]], bytes user data) as "topic:0,1 other:3"; "-" when empty,
 * "?" when it is not that format (the broker never depends on it).
 */
static void
assignment_text(char *buf, size_t n, const uint8_t *p, size_t len)
{
	struct fl_rd r;
	int16_t version;
	int32_t ntopics, i, j;
	size_t at = 0;

	buf[0] = '\0';
	if (p == NULL || len == 0) {
		snprintf(buf, n, "-");
		return;
	}
	fl_rd_init(&r, p, len);
	if (fl_rd_i16(&r, &version) != 0 || version < 0 ||
	    fl_rd_array(&r, 6, &ntopics) != 0)
		goto unknown;
	for (i = 0; i < ntopics; i++) {
		struct fl_slice t;
		int32_t nparts;
		int k;

		if (fl_rd_string(&r, &t) != 0 || fl_rd_array(&r, 4, &nparts) != 0)
			goto unknown;
		k = snprintf(buf + at, n - at, "%s%.*s:", i ? " " : "", (int)t.len, (const char *)t.p);
		if (k < 0 || (size_t)k >= n - at)
			return;
		at += (size_t)k;
		for (j = 0; j < nparts; j++) {
			int32_t part;

			if (fl_rd_i32(&r, &part) != 0)
				goto unknown;
			k = snprintf(buf + at, n - at, "%s%d", j ? "," : "", (int)part);
			if (k < 0 || (size_t)k >= n - at)
				return;
			at += (size_t)k;
		}
	}
	if (at == 0)
		snprintf(buf, n, "-");
	return;
unknown:
	snprintf(buf, n, "?");
}

/* "group NAME": the group, its members (with assignments), committed offsets and lag. */
void
group_admin_show(struct broker *b, struct conn *c, const char *name)
{
	struct fl_slice g = str_slice(name);
	struct fl_grp_info info;
	struct admin_offsets ao = { b, c };
	size_t j;

	if (fl_coord_group_find(&b->coord, g, &info) != 0) {
		admin_say(c, "error: no group %s\n", name);
		return;
	}
	admin_say(c, "group\t%s\tstate\t%s\tgeneration\t%d\tprotocol\t%s\tleader\t%s\n",
	    info.group_id, fl_coord_state_name(info.state), (int)info.generation,
	    info.protocol[0] ? info.protocol : "-", info.leader[0] ? info.leader : "-");
	for (j = 0; j < info.nmembers; j++) {
		struct fl_grp_member_info mi;
		char text[768];

		if (fl_coord_member_at(&b->coord, g, j, &mi) != 0)
			continue;
		assignment_text(text, sizeof(text), mi.assignment, mi.assignment_len);
		admin_say(c, "member\t%s\t%s\t%s\t%s\n", mi.member_id,
		    mi.client_id[0] ? mi.client_id : "-", mi.instance_id ? mi.instance_id : "-", text);
	}
	fl_coord_offsets_each(&b->coord, g, admin_offset_cb, &ao);
	admin_say(c, "ok\n");
}
