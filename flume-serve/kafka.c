/*
 * kafka.c: one handler per Kafka API (shared/kafka-subset.md §2).
 *
 * Requests are decoded by kproto into structs that borrow the frame in the
 * connection's receive buffer; responses are encoded straight into the
 * connection's output buffer and queued.  Response arrays come from the
 * request's arena, so nothing here outlives the request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/msgset.h"
#include "serve.h"

/* SaslHandshake and SaslAuthenticate exist only on a --sasl listener */
#define FEATURES(b) (FL_KP_FEAT_CORE | FL_KP_FEAT_GROUP | \
    ((b)->cfg->sasl ? FL_KP_FEAT_SASL : 0))
/*
 * Topics one Metadata request may create: a request naming thousands of
 * unknown topics would otherwise hold the loop (and everyone else) for as
 * long as their directories take; the rest answer LEADER_NOT_AVAILABLE,
 * which clients retry.
 */
#define AUTO_CREATE_PER_REQUEST_MAX 64

/* Copy a wire name into a C string; 0 if it does not fit or is null. */
static int
cname(char *buf, size_t n, struct fl_slice s)
{
	if (s.p == NULL || s.len >= n)
		return 0;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return 1;
}

void *
kafka_arena(struct fl_kp_req *req, size_t nmemb, size_t size, int *rc)
{
	void *p;

	if (nmemb == 0)
		return NULL;
	p = fl_arena_alloc(&req->arena, nmemb, size, rc);
	return p;
}

int
kafka_finish(struct broker *b, struct conn *c, size_t from, int rc, uint64_t need_round)
{
	if (rc == 0)
		rc = conn_queue_mem(c, c->out.len - from, need_round);
	if (rc != 0) {
		fl_log(FL_LOG_WARN, "closing connection from %s: response: %s",
		    c->peer, fl_strerror(rc));
		return -1;
	}
	return 0;
}

/* ---- Produce ---- */

/*
 * Produce v0-2's records: a legacy message set (magic 0 or 1), converted
 * into one RecordBatch v2 in *out (codec/msgset.h), which then takes the
 * same path as a v3+ batch.  out->len 0: an empty set.  Kafka's answers:
 * a magic 2 batch in an old request is INVALID_RECORD; a bad CRC or a
 * malformed message CORRUPT_MESSAGE; codec bits it cannot have in magic
 * 0/1 UNSUPPORTED_COMPRESSION_TYPE; too many bytes MESSAGE_TOO_LARGE.
 */
static int16_t
produce_legacy(struct broker *b, struct fl_part *p, struct fl_slice rec,
    struct fl_wr *out)
{
	struct fl_err why = { 0 };
	int rc;

	if (rec.p == NULL)
		return FL_KERR_INVALID_RECORD;
	if (rec.len > FL_BATCH_OFF_MAGIC && rec.p[FL_BATCH_OFF_MAGIC] >= 2)
		return FL_KERR_INVALID_RECORD;	/* v2 batches need Produce v3+ */
	rc = fl_msgset_to_batch(rec.p, rec.len, -1, b->cfg->message_bytes_max, out, &why);
	if (rc >= 0)
		return FL_KERR_NONE;
	fl_log(FL_LOG_DEBUG, "%s: legacy message set refused: %s", fl_part_dir(p),
	    why.msg[0] ? why.msg : fl_strerror(rc));
	switch (rc) {
	case FL_ECORRUPT: return FL_KERR_CORRUPT_MESSAGE;
	case FL_EPROTO: return FL_KERR_UNSUPPORTED_COMPRESSION_TYPE;
	case FL_ERANGE:
	case FL_EFULL: return FL_KERR_MESSAGE_TOO_LARGE;
	default: return FL_KERR_UNKNOWN_SERVER_ERROR;
	}
}

static int16_t
produce_one(struct broker *b, struct fl_kp_req *req, struct fl_part *p,
    struct fl_slice rec, int16_t version, struct fl_kp_produce_part_resp *pr)
{
	struct fl_part_produce_res res;
	int16_t err;

	if (version < 3) {
		/* Produce v0-2: a magic 0/1 message set, stored as one v2 batch */
		struct fl_wr conv;

		fl_wr_init(&conv, FL_BATCH_BYTES_MAX);
		err = produce_legacy(b, p, rec, &conv);
		if (err == FL_KERR_NONE && conv.len == 0) {
			pr->base_offset = -1;	/* an empty set: nothing stored */
			fl_wr_free(&conv);
			return FL_KERR_NONE;
		}
		if (err == FL_KERR_NONE)
			err = fl_part_produce(p, b->wall_ms, conv.p, conv.len, version, &res);
		fl_wr_free(&conv);
	} else {
		/* the batch lives in our receive buffer: the partition stamps it */
		err = fl_part_produce(p, b->wall_ms, (uint8_t *)(uintptr_t)rec.p, rec.len,
		    version, &res);
	}
	if (err == FL_KERR_KAFKA_STORAGE_ERROR) {
		store_fail(b, p, "write", res.cause);
		return err;
	}
	if (err == FL_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
		fl_log(FL_LOG_INFO, "%s: a producer sent a sequence out of order",
		    fl_part_dir(p));
	if (err == FL_KERR_INVALID_RECORD && res.why.msg[0] != '\0' && version >= 8) {
		/* v8+ ErrorMessage, as Kafka's RecordValidationException; which
		 * record failed (RecordErrors) flume's batch check does not say */
		int rc = 0;
		size_t n = strlen(res.why.msg);
		char *m = kafka_arena(req, n + 1, 1, &rc);

		if (m != NULL) {
			memcpy(m, res.why.msg, n + 1);
			pr->error_message.p = (const uint8_t *)m;
			pr->error_message.len = n;
		}
	}
	if (err != FL_KERR_NONE)
		return err;
	if (res.is_duplicate)
		fl_log(FL_LOG_DEBUG, "%s: duplicate batch, stored at offset %llu",
		    fl_part_dir(p), (unsigned long long)res.base_offset);
	else {
		store_appended(b, p, res.appended_bytes);
		b->m.records_in += fl_part_log_end(p) - res.base_offset;
		b->m.bytes_in += res.appended_bytes;
	}
	if (!res.is_duplicate && p->replicas.n > 1)
		b->replicas_wanted = 1;	/* followers read to the log end: tell them now */
	pr->base_offset = (int64_t)res.base_offset;
	pr->log_start_offset = (int64_t)res.log_start;
	return FL_KERR_NONE;
}

/*
 * Produce v10+ (KIP-951): the endpoints of the leaders that NOT_LEADER
 * answers name, each once, from the cluster's broker list (a leader the
 * list does not hold is named without an endpoint, as Kafka does when its
 * metadata has no node for it).
 */
static int
produce_endpoints(struct broker *b, struct fl_kp_req *req,
    struct fl_kp_produce_resp *resp)
{
	struct fl_kp_node_endpoint *ne = NULL;
	size_t i, j, k, n = 0;
	int rc = 0;

	if (!cluster_is_on(b) || b->cmeta.nbrokers == 0)
		return 0;
	for (i = 0; i < resp->ntopics; i++)
		for (j = 0; j < resp->topics[i].nparts; j++) {
			int32_t id = resp->topics[i].parts[j].current_leader.leader_id;

			if (id < 0)
				continue;
			for (k = 0; k < n && ne[k].node_id != id; k++)
				;
			if (k < n)
				continue;
			for (k = 0; k < b->cmeta.nbrokers && b->cmeta.brokers[k].id != id; k++)
				;
			if (k == b->cmeta.nbrokers)
				continue;
			if (ne == NULL &&
			    (ne = kafka_arena(req, b->cmeta.nbrokers, sizeof(*ne), &rc)) == NULL)
				return rc != 0 ? rc : FL_ENOMEM;
			ne[n].node_id = id;
			ne[n].host = fl_kp_str(b->cmeta.brokers[k].host);
			ne[n].port = b->cmeta.brokers[k].port;
			ne[n].rack.p = NULL;
			n++;
		}
	resp->node_endpoints = ne;
	resp->nnode_endpoints = n;
	return 0;
}

/*
 * An acks=all Produce on replicated partitions waits for their HW.  Its
 * answer is encoded at once, with the values it will have if every batch
 * is replicated in time, and queued held (conn_queue_held): the
 * connection goes on reading and answering pipelined requests behind it,
 * which stay queued behind it, so answers leave in request order.  Once
 * every partition's HW passed its batch (or the request's timeout ran
 * out: REQUEST_TIMED_OUT; or the ISR shrank below the minimum: 20; or the
 * leadership went: 6), the fixed-width error and base offset of each
 * waiting partition are written into the held bytes and they are released.
 * An OffsetCommit on a replicated offsets log waits the same way, but its
 * connection stops reading meanwhile and its answer is encoded when it
 * settles (kafka_commit_wait).  At most SERVE_ACKS_PER_CONN answers wait
 * per connection; past that it stops reading until one settles.
 */
#define SERVE_ACKS_PER_CONN 1024

struct ack_part {
	int32_t index;
	int16_t error;
	int64_t base_offset, log_start;
	uint64_t end;			/* wait until HW >= end; 0: answered */
	int32_t epoch;			/* the leader epoch it was appended in */
	int is_waiting;
	uint64_t at;			/* held answer: its entry's stream position (0: none) */
};

struct ack_topic {
	char name[FL_TOPIC_NAME_MAX + 1];
	struct ack_part *parts;
	size_t nparts;
};

struct pending_acks {
	struct pending_acks *next;
	int32_t corr;
	int16_t version;
	int is_commit;			/* an OffsetCommit: every part waits on the offsets log */
	uint32_t hold;			/* a Produce: its held answer in the queue */
	int64_t deadline_ms;
	struct ack_topic *topics;
	size_t ntopics;
};

static void
acks_free(struct pending_acks *pa)
{
	size_t i;

	if (pa == NULL)
		return;
	for (i = 0; i < pa->ntopics; i++)
		free(pa->topics[i].parts);
	free(pa->topics);
	free(pa);
}

void
kafka_conn_closed(struct broker *b, struct conn *c)
{
	while (c->acks != NULL) {
		struct pending_acks *pa = c->acks;

		c->acks = pa->next;
		acks_free(pa);
		b->nacks_waiting--;
	}
	c->nacks = 0;
	c->acks_full = 0;
}

int
kafka_conn_waits_acks(const struct conn *c)
{
	const struct pending_acks *pa;

	if (c->acks_full)
		return 1;
	for (pa = c->acks; pa != NULL; pa = pa->next)
		if (pa->is_commit)
			return 1;
	return 0;
}

/* Is every partition of pa settled (errors decided)?  Settles what it can. */
static int
acks_settle(struct broker *b, struct pending_acks *pa)
{
	size_t i, j;
	int done = 1;

	for (i = 0; i < pa->ntopics; i++)
		for (j = 0; j < pa->topics[i].nparts; j++) {
			struct ack_part *a = &pa->topics[i].parts[j];
			struct fl_part *p;
			int16_t err;

			if (!a->is_waiting)
				continue;
			p = pa->is_commit ? store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0) :
			    store_part(b, pa->topics[i].name, strlen(pa->topics[i].name), a->index);
			if (fl_part_ack_settle(p, a->epoch, a->end, b->now_ms, pa->deadline_ms, &err)) {
				a->error = err;
				a->is_waiting = 0;
			} else {
				done = 0;
			}
			if (!a->is_waiting && pa->is_commit)
				a->error = fl_coord_commit_error(a->error);
		}
	return done;
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	int k;

	for (k = n - 1; k >= 0; k--, v >>= 8)
		p[k] = (uint8_t)v;
}

/* A settled Produce: its final errors and offsets into the held bytes, released. */
static void
acks_patch(struct conn *c, const struct pending_acks *pa)
{
	size_t i, j;

	for (i = 0; i < pa->ntopics; i++)
		for (j = 0; j < pa->topics[i].nparts; j++) {
			const struct ack_part *a = &pa->topics[i].parts[j];
			uint8_t *e;

			if (a->at == 0)
				continue;	/* answered in the encoding already */
			/* entry: index i32, error i16, base_offset i64, ... */
			e = c->out.p + (a->at - c->out_base);
			put_be(e + 4, (uint16_t)a->error, 2);
			if (a->error != 0 && a->error != FL_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND)
				put_be(e + 6, (uint64_t)(int64_t)-1, 8);
		}
	conn_release(c, pa->hold);
}

/* The OffsetCommit answer of a settled wait, at the end of c's output. */
static int
commit_answer(struct conn *c, const struct pending_acks *pa)
{
	struct fl_kp_offset_commit_topic_resp *tr;
	struct fl_kp_offset_commit_resp resp;
	size_t i, j, from = c->out.len;
	int rc = 0;

	tr = calloc(pa->ntopics + 1, sizeof(*tr));
	for (i = 0; tr != NULL && i < pa->ntopics; i++) {
		struct fl_kp_part_error *pe = calloc(pa->topics[i].nparts + 1, sizeof(*pe));

		if (pe == NULL) {
			rc = FL_ENOMEM;
			break;
		}
		for (j = 0; j < pa->topics[i].nparts; j++) {
			pe[j].index = pa->topics[i].parts[j].index;
			pe[j].error = pa->topics[i].parts[j].error;
		}
		tr[i].name = fl_kp_str(pa->topics[i].name);
		tr[i].parts = pe;
		tr[i].nparts = pa->topics[i].nparts;
	}
	if (tr == NULL)
		rc = FL_ENOMEM;
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = pa->ntopics;
	if (rc == 0)
		rc = fl_kp_offset_commit_resp_encode(&c->out, pa->version, pa->corr, &resp);
	for (i = 0; tr != NULL && i < pa->ntopics; i++)
		free((void *)(uintptr_t)tr[i].parts);
	free(tr);
	if (rc == 0)
		rc = conn_queue_mem(c, c->out.len - from, 0);
	return rc;
}

/* Settle what can be of c's waiting answers; 0, or -1 if c was closed. */
static int
acks_try(struct broker *b, struct conn *c)
{
	struct pending_acks **pp = &c->acks;
	int moved = 0;

	while (*pp != NULL) {
		struct pending_acks *pa = *pp;

		if (!acks_settle(b, pa)) {
			pp = &pa->next;
			continue;
		}
		if (pa->is_commit) {
			if (commit_answer(c, pa) != 0) {
				conn_close(b, c, "out of memory");
				return -1;
			}
			c->is_waiting = 0;
		} else {
			acks_patch(c, pa);
		}
		*pp = pa->next;
		acks_free(pa);
		c->nacks--;
		b->nacks_waiting--;
		moved = 1;
	}
	if (!moved)
		return 0;
	if (c->acks_full && c->nacks < SERVE_ACKS_PER_CONN) {
		c->acks_full = 0;
		c->is_waiting = 0;
	}
	if (conn_out_account(b, c) != 0) {
		conn_close(b, c, NULL);
		return -1;
	}
	conn_ready(b, c);
	return 0;
}

void
kafka_hw_moved(struct broker *b)
{
	size_t i;

	group_durable(b);	/* a replicated offsets log: commits become visible */
	if (b->nacks_waiting == 0)
		return;
	for (i = 0; i < b->nlive; i++) {
		struct conn *c = b->live[i];

		if (c->acks != NULL && acks_try(b, c) != 0)
			i--;	/* closed: another connection took its place */
	}
}

/* Append pa to c's waiting answers (oldest first). */
static void
acks_add(struct broker *b, struct conn *c, struct pending_acks *pa)
{
	struct pending_acks **pp = &c->acks;

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = pa;
	c->nacks++;
	b->nacks_waiting++;
	if (c->nacks >= SERVE_ACKS_PER_CONN) {
		c->acks_full = 1;
		c->is_waiting = 1;
	}
}

/* A pending_acks of ntopics topics with nparts[i] parts each (zeroed). */
static struct pending_acks *
acks_new(size_t ntopics)
{
	struct pending_acks *pa = calloc(1, sizeof(*pa));

	if (pa == NULL || (pa->topics = calloc(ntopics + 1, sizeof(*pa->topics))) == NULL) {
		free(pa);
		return NULL;
	}
	pa->ntopics = ntopics;
	return pa;
}

int
kafka_commit_wait(struct broker *b, struct conn *c, const struct fl_kp_req *req,
    const struct fl_kp_offset_commit_topic_resp *tr, size_t ntopics, uint64_t end)
{
	struct pending_acks *pa = acks_new(ntopics);
	struct fl_part *op;
	size_t i, j;

	if (pa == NULL)
		return FL_ENOMEM;
	pa->is_commit = 1;
	pa->corr = req->hdr.correlation_id;
	pa->version = req->hdr.api_version;
	pa->deadline_ms = b->now_ms + SERVE_COMMIT_TIMEOUT_MS;
	op = store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0);
	for (i = 0; i < ntopics; i++) {
		struct ack_topic *t = &pa->topics[i];

		snprintf(t->name, sizeof(t->name), "%.*s", (int)tr[i].name.len,
		    (const char *)tr[i].name.p);
		t->nparts = tr[i].nparts;
		t->parts = calloc(t->nparts + 1, sizeof(*t->parts));
		if (t->parts == NULL) {
			acks_free(pa);
			return FL_ENOMEM;
		}
		for (j = 0; j < t->nparts; j++) {
			struct ack_part *a = &t->parts[j];

			a->index = tr[i].parts[j].index;
			a->error = tr[i].parts[j].error;
			a->end = end;
			a->epoch = op != NULL ? op->leader_epoch : -1;
			a->is_waiting = a->error == 0;
		}
	}
	acks_add(b, c, pa);
	c->is_waiting = 1;	/* read nothing more until it is answered */
	if (acks_try(b, c) != 0)
		return -1;
	return c->is_waiting && !c->acks_full ? 1 : 0;
}

/*
 * Encode an acks=all answer now and keep what settles it: the partitions
 * whose ends[i][j] is non-zero wait for their HW to reach it.  0; 1 if c
 * was closed meanwhile; or FL_ENOMEM / the encoder's error.
 */
static int
acks_hold(struct broker *b, struct conn *c, struct fl_kp_req *req,
    struct fl_kp_produce_resp *resp, const uint64_t *const *ends, uint64_t need_round)
{
	const struct fl_kp_produce_req *r = &req->u.produce;
	struct pending_acks *pa = acks_new(r->ntopics);
	size_t i, j, k, total = 0, from = c->out.len;
	size_t *pos;
	int rc;

	for (i = 0; i < r->ntopics; i++)
		total += resp->topics[i].nparts;
	pos = calloc(total + 1, sizeof(*pos));
	if (pa == NULL || pos == NULL) {
		free(pos);
		acks_free(pa);
		return FL_ENOMEM;
	}
	resp->part_pos = pos;
	rc = fl_kp_produce_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, resp);
	resp->part_pos = NULL;
	if (rc == 0)
		rc = c->out.err;
	pa->corr = req->hdr.correlation_id;
	pa->version = req->hdr.api_version;
	pa->deadline_ms = b->now_ms + (r->timeout_ms > 0 ? r->timeout_ms : 0);
	pa->hold = ++b->next_hold ? b->next_hold : ++b->next_hold;
	for (i = 0, k = 0; rc == 0 && i < r->ntopics; i++) {
		const struct fl_kp_produce_topic_resp *tr = &resp->topics[i];
		struct ack_topic *t = &pa->topics[i];

		snprintf(t->name, sizeof(t->name), "%.*s", (int)tr->name.len,
		    (const char *)tr->name.p);
		t->nparts = tr->nparts;
		t->parts = calloc(t->nparts + 1, sizeof(*t->parts));
		if (t->parts == NULL) {
			rc = FL_ENOMEM;
			break;
		}
		for (j = 0; j < t->nparts; j++, k++) {
			struct ack_part *a = &t->parts[j];

			a->index = tr->parts[j].index;
			a->error = tr->parts[j].error;
			a->base_offset = tr->parts[j].base_offset;
			a->end = ends[i][j];
			{
				/* the request is still being handled: its epoch is p's now */
				struct fl_part *p = store_part(b, t->name, strlen(t->name), a->index);

				a->epoch = p != NULL ? p->leader_epoch : -1;
			}
			a->is_waiting = a->error == 0 && a->end > 0;
			a->at = a->is_waiting ? c->out_base + from + pos[k] : 0;
		}
	}
	free(pos);
	if (rc == 0)
		rc = conn_queue_held(c, c->out.len - from, need_round, pa->hold);
	if (rc != 0) {
		acks_free(pa);
		return rc;
	}
	acks_add(b, c, pa);
	return acks_try(b, c) != 0 ? 1 : 0;
}

static int
h_produce(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_produce_req *r = &req->u.produce;
	struct fl_kp_produce_topic_resp *tr;
	struct fl_kp_produce_resp resp;
	uint64_t **ends;
	int acks_ok = r->acks == 0 || r->acks == 1 || r->acks == -1;
	int any_ok = 0, any_replicated = 0, may, rc = 0;
	size_t i, j, from;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	ends = kafka_arena(req, r->ntopics, sizeof(*ends), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_kp_produce_topic *t = &r->topics[i];
		struct fl_kp_produce_part_resp *pr;

		pr = kafka_arena(req, t->nparts, sizeof(*pr), &rc);
		ends[i] = kafka_arena(req, t->nparts, sizeof(**ends), &rc);
		if (rc != 0)
			return -1;
		tr[i].name = t->name;
		tr[i].parts = pr;
		tr[i].nparts = t->nparts;
		may = auth_may(b, c, FL_ACL_WRITE, FL_ACL_TOPIC, t->name.p, t->name.len);
		for (j = 0; j < t->nparts; j++) {
			struct fl_part *p;

			pr[j].index = t->parts[j].index;
			pr[j].base_offset = -1;
			pr[j].log_append_time_ms = -1;
			pr[j].log_start_offset = -1;
			pr[j].current_leader.leader_id = -1;
			pr[j].current_leader.leader_epoch = -1;
			if (!may) {
				pr[j].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
				continue;
			}
			if (!acks_ok) {
				pr[j].error = FL_KERR_INVALID_REQUIRED_ACKS;
				continue;
			}
			if (is_internal_topic(t->name.p, t->name.len)) {
				pr[j].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
				continue;
			}
			p = store_part(b, t->name.p, t->name.len, t->parts[j].index);
			if (p == NULL) {
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				continue;
			}
			/* acks=all on a replicated partition: enough replicas first */
			if (r->acks == -1 && p->replicas.n > 1 &&
			    (pr[j].error = fl_part_may_append_all(p)) != 0)
				continue;
			pr[j].error = produce_one(b, req, p, t->parts[j].records,
			    req->hdr.api_version, &pr[j]);
			if (pr[j].error == FL_KERR_NOT_LEADER_OR_FOLLOWER) {
				/* v10+ (KIP-951): where to go, as Kafka's metadata says */
				pr[j].current_leader.leader_id = p->leader_id;
				pr[j].current_leader.leader_epoch = p->leader_id >= 0 ?
				    p->leader_epoch : -1;
			}
			any_ok |= pr[j].error == FL_KERR_NONE;
			if (pr[j].error == FL_KERR_NONE && r->acks == -1 && p->replicas.n > 1) {
				/* answered once the HW passes the batch's last offset */
				ends[i][j] = fl_part_log_end(p) > (uint64_t)pr[j].base_offset ?
				    fl_part_log_end(p) : (uint64_t)pr[j].base_offset + 1;
				any_replicated = 1;
			}
		}
	}
	for (i = 0; i < r->ntopics; i++)
		for (j = 0; j < tr[i].nparts; j++)
			if (tr[i].parts[j].error != FL_KERR_NONE)
				metrics_produce_error(b, tr[i].parts[j].error);
	if (b->replicas_wanted) {
		/* followers copy while this node syncs: overlap, not a relay */
		b->replicas_wanted = 0;
		loop_wake_replicas(b);
	}
	if (r->acks == 0)
		return 0;		/* acks=0: no response at all */
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	if (req->hdr.api_version >= 10 && produce_endpoints(b, req, &resp) != 0)
		return -1;
	if (any_replicated) {
		/* durable here first (the round) and replicated (the HW) */
		rc = acks_hold(b, c, req, &resp, (const uint64_t *const *)ends,
		    any_ok ? fl_round_ticket(&b->round) : 0);
		if (rc < 0)
			fl_log(FL_LOG_WARN, "closing connection from %s: response: %s",
			    c->peer, fl_strerror(rc));
		return rc != 0 ? -1 : 0;
	}
	from = c->out.len;
	rc = fl_kp_produce_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	/* durable first, then answered (acks=1 and acks=-1 alike) */
	return kafka_finish(b, c, from, rc, any_ok ? fl_round_ticket(&b->round) : 0);
}

/* ---- Fetch ---- */

struct fetch_part {
	struct fl_part *p;
	int16_t error;
	struct fl_plog_span span;
	uint64_t len;			/* bytes of span to send */
};

/*
 * Fetch v0-3: the stored batches converted to a magic 0 (v0-1) or magic 1
 * (v2-3) message set (codec/msgset.h) and sent inline; only these old
 * fetchers pay for the copy, v4+ stays zero-copy.  v0-2's max bytes is a
 * hard limit (a first message too big goes out cut, as Kafka sends it);
 * v3's is not (KIP-74).  A span that converts to nothing (transaction
 * markers only) is followed by the next one below the HW, so an old
 * consumer is not answered empty at an offset with records after it.
 * A stored batch that fails its check answers KAFKA_STORAGE_ERROR.
 */
static int
fetch_legacy(struct fl_kp_fetch_enc *e, const struct fetch_part *f,
    const struct fl_kp_fetch_part *q, int16_t version, struct fl_kp_fetch_part_resp *pr)
{
	struct fl_plog_span span = f->span;
	struct fl_msgset_down res;
	struct fl_err why = { 0 };
	struct fl_wr conv;
	size_t max = q->max_bytes > 0 ? (size_t)q->max_bytes : 0;
	uint64_t len = f->len;
	int rc = 0, rounds = 0, cause;

	fl_wr_init(&conv, FL_BATCH_BYTES_MAX);
	while (len > 0) {
		uint8_t *tmp = malloc(len);

		if (tmp == NULL) {
			rc = FL_ENOMEM;
			break;
		}
		rc = fl_vfs_pread_full(span.file, tmp, len, span.pos);
		if (rc == 0)
			rc = fl_msgset_from_batches(tmp, len, version >= 2 ? 1 : 0,
			    q->fetch_offset, max, version <= 2 ? FL_MSGSET_HARD_LIMIT : 0,
			    &conv, &res, &why);
		free(tmp);
		if (rc != 0 || conv.len > 0 || ++rounds == 16 || span.next_offset >= f->p->hw)
			break;
		if (fl_part_read(f->p, (int64_t)span.next_offset, max, FL_PART_CONSUMER,
		    &span, &cause) != 0)
			break;
		len = span.len;
	}
	if (rc == FL_ENOMEM) {
		fl_wr_free(&conv);
		return rc;
	}
	if (rc != 0) {
		fl_log(FL_LOG_WARN, "%s: converting for a Fetch v%d at offset %lld: %s",
		    fl_part_dir(f->p), (int)version, (long long)q->fetch_offset,
		    why.msg[0] ? why.msg : fl_strerror(rc));
		pr->error = FL_KERR_KAFKA_STORAGE_ERROR;
		conv.len = 0;
	}
	rc = fl_kp_fetch_resp_partition_inline(e, pr, conv.p, conv.len);
	fl_wr_free(&conv);
	return rc;
}

static int
h_fetch(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_fetch_req *r = &req->u.fetch;
	struct fetch_part *fp;
	struct fl_kp_fetch_enc e;
	struct fl_fetch_budget budget;
	size_t i, j, k, np = 0, from, prev;
	int64_t until;
	int any_err = 0, hw_moved = 0, may, rc = 0;
	/* a follower's fetch needs a super user (Kafka's CLUSTER_ACTION) */
	int replica_ok = r->replica_id < 0 || auth_super(b, c, "replica fetch");

	for (i = 0; i < r->ntopics; i++)
		np += r->topics[i].nparts;
	fp = kafka_arena(req, np, sizeof(*fp), &rc);
	if (rc != 0)
		return -1;
	fl_fetch_budget_init(&budget, r->max_bytes);
	for (i = 0, k = 0; i < r->ntopics; i++) {
		const struct fl_kp_fetch_topic *t = &r->topics[i];

		may = replica_ok && (r->replica_id >= 0 || auth_may(b, c, FL_ACL_READ,
		    FL_ACL_TOPIC, t->name.p, t->name.len));
		for (j = 0; j < t->nparts; j++, k++) {
			const struct fl_kp_fetch_part *q = &t->parts[j];
			struct fetch_part *f = &fp[k];
			uint64_t limit;
			int skip, cause, was_leader;

			if (!may) {
				f->error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
				any_err = 1;
				continue;
			}
			f->p = store_part(b, t->name.p, t->name.len, q->partition);
			if (f->p == NULL) {
				f->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				any_err = 1;
				continue;
			}
			if (r->replica_id >= 0) {
				/* a follower: it has everything below its fetch offset, durably */
				uint64_t hw = f->p->hw;

				f->error = fl_part_replica_fetch(f->p, b->now_ms, r->replica_id,
				    q->current_leader_epoch, q->fetch_offset);
				hw_moved |= f->p->hw != hw;
			} else {
				f->error = fl_part_check_epoch(f->p, q->current_leader_epoch);
			}
			if (f->error != 0) {
				any_err = 1;
				continue;
			}
			limit = fl_fetch_budget_next(&budget, q->max_bytes, &skip);
			if (skip && f->p->is_open && q->fetch_offset >= 0 &&
			    (uint64_t)q->fetch_offset >= f->p->log.log_start &&
			    (uint64_t)q->fetch_offset <= f->p->log.log_end)
				continue;
			was_leader = f->p->role == FL_ROLE_LEADER;
			f->error = fl_part_read(f->p, q->fetch_offset, limit, r->replica_id >= 0 ?
			    FL_PART_REPLICA : FL_PART_CONSUMER, &f->span, &cause);
			if (f->error == FL_KERR_KAFKA_STORAGE_ERROR)
				store_log_error(f->p, "read", cause);
			if (f->error == FL_KERR_KAFKA_STORAGE_ERROR && cause == FL_ECORRUPT)
				cluster_part_damaged(b, f->p, was_leader);
			if (f->error != 0) {
				any_err = 1;
				continue;
			}
			if (f->span.len > 0 && fl_fetch_budget_take(&budget, limit, f->span.len))
				f->len = f->span.len;
			if (f->len > 0) {
				b->m.bytes_out += f->len;
				b->m.records_out += f->span.next_offset - f->span.first_offset;
			}
		}
	}
	if (hw_moved)
		kafka_hw_moved(b);
	/* long poll: wait for min_bytes, up to max_wait_ms */
	if (fl_fetch_should_wait(b->now_ms, c->park_deadline_ms, budget.total, r->min_bytes,
	    b->is_stopping ? 0 : r->max_wait_ms, any_err, &until)) {
		conn_park(b, c, until, r->replica_id >= 0);
		return 1;
	}
	c->park_deadline_ms = 0;

	from = c->out.len;
	rc = fl_kp_fetch_resp_begin(&e, &c->out, req->hdr.api_version,
	    req->hdr.correlation_id, 0, 0, 0);
	prev = from;
	for (i = 0, k = 0; rc == 0 && i < r->ntopics; i++) {
		const struct fl_kp_fetch_topic *t = &r->topics[i];

		rc = fl_kp_fetch_resp_topic(&e, t->name);
		for (j = 0; rc == 0 && j < t->nparts; j++, k++) {
			struct fetch_part *f = &fp[k];
			struct fl_kp_fetch_part_resp pr;
			size_t at;
			int fd;

			memset(&pr, 0, sizeof(pr));
			pr.index = t->parts[j].partition;
			pr.error = f->error;
			pr.high_watermark = f->p ? (int64_t)f->p->hw : -1;
			pr.last_stable_offset = pr.high_watermark;
			pr.log_start_offset = f->p ? (int64_t)f->p->log.log_start : -1;
			pr.preferred_read_replica = -1;
			if (req->hdr.api_version < 4) {
				rc = fetch_legacy(&e, f, &t->parts[j], req->hdr.api_version, &pr);
				continue;
			}
			fd = f->len > 0 ? fl_vfs_fd(f->span.file) : -1;
			if (f->len > 0 && fd < 0) {
				/* a backend without descriptors: copy the bytes */
				uint8_t *tmp = malloc(f->len);

				rc = tmp == NULL ? FL_ENOMEM :
				    fl_vfs_pread_full(f->span.file, tmp, f->len, f->span.pos);
				if (rc == 0)
					rc = fl_kp_fetch_resp_partition_inline(&e, &pr, tmp,
					    f->len);
				free(tmp);
				continue;
			}
			rc = fl_kp_fetch_resp_partition(&e, &pr, (uint32_t)f->len, &at);
			if (rc != 0 || f->len == 0)
				continue;
			rc = conn_queue_mem(c, at - prev, 0);
			if (rc == 0)
				rc = conn_queue_file(c, fd, f->span.pos, f->len);
			prev = at;
		}
	}
	if (rc == 0)
		rc = fl_kp_fetch_resp_end(&e, NULL);
	if (rc == 0)
		rc = conn_queue_mem(c, c->out.len - prev, 0);
	if (rc != 0) {
		fl_log(FL_LOG_WARN, "closing connection from %s: fetch response: %s",
		    c->peer, rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
		return -1;
	}
	return 0;
}

/* ---- ListOffsets ---- */

/*
 * ListOffsets v0 answers an array of offsets instead of one: for latest (-1)
 * Kafka lists the log end and segment bases, newest first, keeping those at
 * or below the high watermark; for earliest (-2) the log start.  We answer
 * the one offset later versions would give ([high watermark], [log start],
 * or for a time the first offset at or after it), none when there is none
 * or MaxNumOffsets is below 1: the first element is what clients use.
 */
static int
old_style_offsets(struct fl_kp_req *req, const struct fl_kp_list_offsets_part *q,
    struct fl_kp_list_offsets_part_resp *pr)
{
	int64_t *o;
	int rc = 0;

	if (pr->error != 0 || pr->offset < 0 || q->max_num_offsets < 1)
		return 0;
	o = kafka_arena(req, 1, sizeof(*o), &rc);
	if (rc != 0)
		return rc;
	o[0] = pr->offset;
	pr->old_style_offsets = o;
	pr->nold_style_offsets = 1;
	return 0;
}

static int
h_list_offsets(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_list_offsets_req *r = &req->u.list_offsets;
	struct fl_kp_list_offsets_topic_resp *tr;
	struct fl_kp_list_offsets_resp resp;
	size_t i, j, from;
	int may, rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_kp_list_offsets_topic *t = &r->topics[i];
		struct fl_kp_list_offsets_part_resp *pr;

		pr = kafka_arena(req, t->nparts, sizeof(*pr), &rc);
		if (rc != 0)
			return -1;
		tr[i].name = t->name;
		tr[i].parts = pr;
		tr[i].nparts = t->nparts;
		may = auth_may(b, c, 0, FL_ACL_TOPIC, t->name.p, t->name.len);
		for (j = 0; j < t->nparts; j++) {
			struct fl_part *p = store_part(b, t->name.p, t->name.len,
			    t->parts[j].index);

			pr[j].index = t->parts[j].index;
			pr[j].timestamp = -1;
			pr[j].offset = -1;
			pr[j].leader_epoch = -1;
			if (!may)
				pr[j].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			else if (p == NULL)
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			else
				pr[j].error = fl_part_list_offset_epoch(p,
				    t->parts[j].current_leader_epoch, t->parts[j].timestamp,
				    &pr[j].offset, &pr[j].timestamp, &pr[j].leader_epoch);
			/* KIP-207: OFFSET_NOT_AVAILABLE from v5; older ask again */
			if (pr[j].error == FL_KERR_OFFSET_NOT_AVAILABLE &&
			    req->hdr.api_version < 5)
				pr[j].error = FL_KERR_LEADER_NOT_AVAILABLE;
			if (req->hdr.api_version == 0 &&
			    old_style_offsets(req, &t->parts[j], &pr[j]) != 0)
				return -1;
		}
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	from = c->out.len;
	rc = fl_kp_list_offsets_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- Metadata ---- */

static int
fill_topic(struct broker *b, struct fl_kp_req *req, struct fl_topic *t,
    struct fl_kp_metadata_topic *mt)
{
	struct fl_kp_metadata_part *mp;
	int32_t i;
	int rc = 0;

	mp = kafka_arena(req, (size_t)t->nparts, sizeof(*mp), &rc);
	if (rc != 0)
		return rc;
	mt->error = 0;
	mt->authorized_operations = INT32_MIN;	/* not computed (v8+) */
	mt->name = fl_kp_str(t->name);
	mt->is_internal = is_internal_topic(t->name, strlen(t->name));
	mt->parts = mp;
	mt->nparts = (size_t)t->nparts;
	for (i = 0; i < t->nparts; i++) {
		const struct fl_part *p = &t->parts[i];
		/* at least one: a partition just created here knows no replica yet,
		 * and a zero-sized arena block is NULL (memcpy's to NULL is UB) */
		int32_t *ids = kafka_arena(req, p->replicas.n + p->isr.n + 1, sizeof(*ids), &rc);

		if (rc != 0)
			return rc;
		memcpy(ids, p->replicas.id, p->replicas.n * sizeof(*ids));
		memcpy(ids + p->replicas.n, p->isr.id, p->isr.n * sizeof(*ids));
		mp[i].index = i;
		mp[i].leader_id = p->leader_id;
		mp[i].leader_epoch = p->leader_epoch;	/* v7+ */
		/* nobody leads it (offline everywhere we know): clients retry */
		mp[i].error = p->leader_id < 0 ? FL_KERR_LEADER_NOT_AVAILABLE : 0;
		mp[i].replicas = ids;
		mp[i].nreplicas = p->replicas.n;
		mp[i].isr = ids + p->replicas.n;
		mp[i].nisr = p->isr.n;
	}
	(void)b;
	return 0;
}

/*
 * Create the unknown topics a Metadata request names (auto-create): all
 * of them in one durable write of the topics file, at most
 * AUTO_CREATE_PER_REQUEST_MAX per request.
 */
static int
auto_create(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_metadata_req *r = &req->u.metadata;
	struct fl_catalog_new *nt;
	char (*names)[FL_TOPIC_NAME_MAX + 1];
	size_t i, n = 0;
	int rc = 0;

	if (!b->cfg->auto_create || !r->allow_auto_create || b->is_stopping ||
	    r->is_all_topics || r->ntopics == 0)
		return 0;
	nt = kafka_arena(req, r->ntopics, sizeof(*nt), &rc);
	names = kafka_arena(req, r->ntopics, sizeof(*names), &rc);
	if (rc != 0)
		return rc;
	for (i = 0; i < r->ntopics && n < AUTO_CREATE_PER_REQUEST_MAX; i++) {
		const struct fl_slice *t = &r->topics[i];

		if (store_find(b, t->p, t->len) != NULL || !fl_topic_name_ok(t->p, t->len) ||
		    !cname(names[n], sizeof(names[n]), *t) ||
		    !auth_may_quiet(b, c, FL_ACL_CREATE, FL_ACL_TOPIC, t->p, t->len))
			continue;
		if (cluster_is_on(b)) {
			/* the controller creates it (3 replicas, or fewer brokers) */
			int32_t most = b->cmeta.nbrokers < 3 ? (int32_t)b->cmeta.nbrokers : 3;

			if (!is_internal_topic(t->p, t->len))
				(void)cluster_request(b, 0, names[n], b->cfg->num_partitions, most, NULL);
			continue;
		}
		nt[n].name = names[n];
		nt[n].nparts = b->cfg->num_partitions;
		n++;
	}
	if (n > 0)
		store_create(b, nt, n);
	return 0;
}

static int
h_metadata(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_metadata_req *r = &req->u.metadata;
	struct fl_kp_metadata_topic *mt;
	struct fl_kp_metadata_resp resp;
	struct fl_kp_broker br;
	size_t i, k, n, from;
	int rc = 0;

	if (auto_create(b, c, req) != 0)
		return -1;
	n = r->is_all_topics ? b->cat.ntopics : r->ntopics;
	mt = kafka_arena(req, n, sizeof(*mt), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++)
		mt[i].authorized_operations = INT32_MIN;	/* v8+: not computed */
	for (i = 0, k = 0; i < n; i++) {
		struct fl_topic *t;

		if (r->is_all_topics) {
			/* all topics: only those the principal may see (Kafka's describe) */
			t = b->cat.topics[i];
			if (!auth_may_quiet(b, c, 0, FL_ACL_TOPIC, t->name, strlen(t->name)))
				continue;
			if (fill_topic(b, req, t, &mt[k++]) != 0)
				return -1;
			continue;
		}
		k++;
		mt[i].name = r->topics[i];
		if (!auth_may(b, c, 0, FL_ACL_TOPIC, r->topics[i].p, r->topics[i].len)) {
			mt[i].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			continue;
		}
		t = store_find(b, r->topics[i].p, r->topics[i].len);
		if (t == NULL && !fl_topic_name_ok(r->topics[i].p, r->topics[i].len)) {
			mt[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			continue;
		}
		if (t == NULL) {
			/* being created (or over this request's share, or waiting
			 * for the cluster's controller): retry soon */
			mt[i].error = (b->cfg->auto_create && r->allow_auto_create &&
			    !b->is_stopping) || cluster_creating(b, r->topics[i].p,
			    r->topics[i].len) ? FL_KERR_LEADER_NOT_AVAILABLE :
			    FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		if (fill_topic(b, req, t, &mt[i]) != 0)
			return -1;
		mt[i].name = r->topics[i];
	}
	memset(&resp, 0, sizeof(resp));
	if (cluster_is_on(b)) {
		/* every broker of the cluster, so clients follow leaders anywhere */
		struct fl_kp_broker *bl = kafka_arena(req, b->cmeta.nbrokers, sizeof(*bl), &rc);

		if (rc != 0)
			return -1;
		for (i = 0; i < b->cmeta.nbrokers; i++) {
			bl[i].node_id = b->cmeta.brokers[i].id;
			bl[i].host = fl_kp_str(b->cmeta.brokers[i].host);
			bl[i].port = b->cmeta.brokers[i].port;
			bl[i].rack.p = NULL;
		}
		resp.brokers = bl;
		resp.nbrokers = b->cmeta.nbrokers;
	} else {
		memset(&br, 0, sizeof(br));
		br.node_id = b->cfg->node_id;
		br.host = fl_kp_str(b->adv_host);
		br.port = b->adv_port;
		br.rack.p = NULL;
		resp.brokers = &br;
		resp.nbrokers = 1;
	}
	resp.cluster_id = fl_kp_str(b->cluster_id);
	resp.controller_id = b->cfg->node_id;
	resp.cluster_authorized_operations = INT32_MIN;	/* v8-10: not computed */
	resp.topics = mt;
	resp.ntopics = k;
	from = c->out.len;
	rc = fl_kp_metadata_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- CreateTopics / DeleteTopics ---- */

static int
h_create_topics(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_create_topics_req *r = &req->u.create_topics;
	struct fl_kp_create_topic_resp *tr;
	struct fl_kp_create_topics_resp resp;
	struct fl_catalog_new *nt;
	char (*names)[FL_TOPIC_NAME_MAX + 1];
	size_t *which;
	size_t i, n = 0, from;
	int32_t rf;
	int rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	nt = kafka_arena(req, r->ntopics, sizeof(*nt), &rc);
	names = kafka_arena(req, r->ntopics, sizeof(*names), &rc);
	which = kafka_arena(req, r->ntopics, sizeof(*which), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const char *msg = NULL;
		int32_t nparts = 0;

		tr[i].name = r->topics[i].name;
		tr[i].num_partitions = -1;	/* v5+: filled once it may be created */
		tr[i].replication_factor = -1;
		if (!auth_may(b, c, FL_ACL_CREATE, FL_ACL_TOPIC, r->topics[i].name.p,
		    r->topics[i].name.len)) {
			tr[i].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			tr[i].error_message = fl_kp_str("not authorized to create this topic");
			continue;
		}
		if (is_internal_topic(r->topics[i].name.p, r->topics[i].name.len)) {
			tr[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			tr[i].error_message = fl_kp_str("internal topic");
			continue;
		}
		tr[i].error = b->is_stopping ? FL_KERR_NOT_CONTROLLER :
		    fl_catalog_check_create(&b->cat, r, i, b->cfg->node_id,
		    cluster_is_on(b) ? (int32_t)b->cmeta.nbrokers : 0, b->cfg->num_partitions,
		    &nparts, &rf, &nt[n].conf, &msg);
		tr[i].error_message = fl_kp_str(msg);
		if (tr[i].error == 0 && req->hdr.api_version >= 5) {
			/* Kafka answers what the topic will be, validate_only too */
			tr[i].num_partitions = nparts;
			tr[i].replication_factor = (int16_t)rf;
			if (kadmin_created_configs(b, req, &nt[n].conf, &tr[i]) != 0)
				return -1;
		}
		if (tr[i].error != 0 || r->validate_only ||
		    !cname(names[n], sizeof(names[n]), r->topics[i].name))
			continue;
		if (cluster_is_on(b)) {
			/* the controller creates it; clients see it once it has leaders */
			if (cluster_request(b, 0, names[n], nparts, rf, &nt[n].conf) != 0) {
				tr[i].error = FL_KERR_NOT_CONTROLLER;
				tr[i].error_message = fl_kp_str("too many topic requests wait for "
				    "the controller");
				tr[i].num_partitions = -1;
				tr[i].replication_factor = -1;
				tr[i].configs = NULL;
				tr[i].nconfigs = 0;
			}
			continue;
		}
		nt[n].name = names[n];
		nt[n].nparts = nparts;
		which[n++] = i;
	}
	if (n > 0)
		store_create(b, nt, n);
	for (i = 0; i < n; i++) {
		struct fl_kp_create_topic_resp *t = &tr[which[i]];

		if (nt[i].rc == FL_EEXIST) {
			t->error = FL_KERR_TOPIC_ALREADY_EXISTS;
			t->error_message = fl_kp_str("topic already exists");
		} else if (nt[i].rc != 0) {
			t->error = FL_KERR_KAFKA_STORAGE_ERROR;
			t->error_message = fl_kp_str("storage error");
		}
		if (nt[i].rc != 0) {
			t->num_partitions = -1;
			t->replication_factor = -1;
			t->configs = NULL;
			t->nconfigs = 0;
		}
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	from = c->out.len;
	rc = fl_kp_create_topics_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

static int
h_delete_topics(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_delete_topics_req *r = &req->u.delete_topics;
	struct fl_kp_name_error *tr;
	struct fl_kp_delete_topics_resp resp;
	size_t i, from;
	int rc = 0;

	static const uint8_t zero_id[16];
	size_t n = req->hdr.api_version >= 6 ? r->ntopics : r->nnames;

	tr = kafka_arena(req, n, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++) {
		char name[FL_TOPIC_NAME_MAX + 1];
		struct fl_slice nm;

		if (req->hdr.api_version >= 6) {
			const struct fl_kp_delete_topic_state *ts = &r->topics[i];
			int has_id = memcmp(ts->topic_id, zero_id, 16) != 0;

			/* v6 names a topic by name or by id (Kafka's ControllerApis):
			 * flume has no topic ids yet, so every id is unknown. */
			tr[i].name = ts->name;
			memcpy(tr[i].topic_id, ts->topic_id, 16);
			if (ts->name.p == NULL || has_id) {
				tr[i].error = ts->name.p != NULL ? FL_KERR_INVALID_REQUEST :
				    has_id ? FL_KERR_UNKNOWN_TOPIC_ID : FL_KERR_INVALID_REQUEST;
				tr[i].error_message = fl_kp_str(ts->name.p != NULL ?
				    "You may not specify both topic name and topic id." :
				    has_id ? "This server does not host this topic ID." :
				    "Neither topic name nor id were specified.");
				continue;
			}
			nm = ts->name;
		} else {
			nm = r->names[i];
			tr[i].name = nm;
		}
		if (!auth_may(b, c, FL_ACL_DELETE, FL_ACL_TOPIC, nm.p, nm.len)) {
			tr[i].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			continue;
		}
		if (is_internal_topic(nm.p, nm.len)) {
			tr[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			tr[i].error_message = fl_kp_str("internal topic");
			continue;
		}
		if (!cname(name, sizeof(name), nm) || store_find(b, nm.p, nm.len) == NULL) {
			tr[i].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			tr[i].error_message = fl_kp_str("This server does not host this "
			    "topic-partition.");
			continue;
		}
		if (cluster_is_on(b)) {
			/* the controller deletes it everywhere */
			tr[i].error = cluster_request(b, 1, name, 0, 0, NULL) == 0 ? FL_KERR_NONE :
			    FL_KERR_NOT_CONTROLLER;
			continue;
		}
		rc = store_delete(b, name);
		tr[i].error = rc == 0 ? FL_KERR_NONE : FL_KERR_UNKNOWN_SERVER_ERROR;
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = n;
	from = c->out.len;
	rc = fl_kp_delete_topics_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- InitProducerId ---- */

static int
h_init_producer_id(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_init_producer_id_req *r = &req->u.init_producer_id;
	struct fl_kp_init_producer_id_resp resp;
	struct fl_err err = { 0 };
	size_t from;
	int rc;

	/*
	 * v3+ may carry the producer's current id and epoch (KIP-360).  For an
	 * idempotent producer (null transactional id) Kafka's coordinator
	 * ignores them and always hands out a new id at epoch 0
	 * (TransactionCoordinator.handleInitProducerId): so does flume.  v5
	 * (KIP-890) changes only transactional producers.
	 */
	memset(&resp, 0, sizeof(resp));
	resp.producer_id = -1;
	resp.producer_epoch = -1;
	if (r->transactional_id.p != NULL) {
		fl_log(FL_LOG_INFO, "%s asked for a transactional producer id; "
		    "transactions are not supported", c->peer);
		resp.error = FL_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
	} else if (!auth_may_idempotent(b, c)) {
		/* KIP-679: write on some topic (or a super user) */
		resp.error = FL_KERR_CLUSTER_AUTHORIZATION_FAILED;
	} else if ((r->producer_id == -1) != (r->producer_epoch == -1)) {
		/* v3+ (KIP-360): both given or neither, as Kafka checks */
		resp.error = FL_KERR_INVALID_REQUEST;
	} else if (fl_catalog_next_pid(&b->cat, b->cfg->node_id, &resp.producer_id, &err) != 0) {
		fl_log(FL_LOG_ERROR, "%s", err.msg);
		resp.error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
		resp.producer_id = -1;
	} else {
		resp.producer_epoch = 0;
	}
	from = c->out.len;
	rc = fl_kp_init_producer_id_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- OffsetForLeaderEpoch ---- */

static int
h_ofle(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_ofle_req *r = &req->u.ofle;
	struct fl_kp_ofle_topic_resp *tr;
	struct fl_kp_ofle_resp resp;
	size_t i, j, from;
	int may, rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_kp_ofle_topic *t = &r->topics[i];
		struct fl_kp_ofle_part_resp *pr;

		pr = kafka_arena(req, t->nparts, sizeof(*pr), &rc);
		if (rc != 0)
			return -1;
		tr[i].name = t->name;
		tr[i].parts = pr;
		tr[i].nparts = t->nparts;
		may = auth_may(b, c, 0, FL_ACL_TOPIC, t->name.p, t->name.len);
		for (j = 0; j < t->nparts; j++) {
			const struct fl_kp_ofle_part *q = &t->parts[j];
			struct fl_part *p = store_part(b, t->name.p, t->name.len, q->partition);

			pr[j].partition = q->partition;
			pr[j].leader_epoch = -1;
			pr[j].end_offset = -1;
			if (!may)
				pr[j].error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			else if (p == NULL)
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			else
				pr[j].error = fl_part_epoch_end(p, q->current_leader_epoch,
				    q->leader_epoch, &pr[j].leader_epoch, &pr[j].end_offset);
		}
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	from = c->out.len;
	rc = fl_kp_ofle_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- dispatch ---- */

/*
 * "closing connection from PEER: WHY", at most once a minute per peer host
 * (refusal-log-interval-ms, default a minute): a client that reconnects and repeats a request we
 * refuse would otherwise write a line per attempt.  The first line after a
 * quiet spell says how many were held back.
 */
static void close_log(struct broker *b, struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
close_log(struct broker *b, struct conn *c, const char *fmt, ...)
{
	char why[256];
	uint64_t held;
	va_list ap;

	if (!fl_ratelim_pass(&b->close_log, c->peer, fl_ratelim_host_len(c->peer),
	    b->now_ms, &held))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (held > 0)
		fl_log(FL_LOG_INFO, "closing connection from %s: %s (and %llu like "
		    "it from this host held back)", c->peer, why,
		    (unsigned long long)held);
	else
		fl_log(FL_LOG_INFO, "closing connection from %s: %s", c->peer, why);
}

int
kafka_handle(struct broker *b, struct conn *c, uint8_t *p, size_t n)
{
	struct fl_kp_req req;
	size_t from;
	int rc;

	if (auth_is_raw(c))
		return auth_raw_token(b, c, p, n);	/* SaslHandshake v0's tokens */
	rc = fl_kp_req_decode(&req, p, n, FEATURES(b));
	if (rc != 0) {
		close_log(b, c, "malformed %s request (key %d version %d): %s",
		    n >= 8 ? fl_kp_api_name(req.hdr.api_key) : "?",
		    n >= 8 ? (int)req.hdr.api_key : -1,
		    n >= 8 ? (int)req.hdr.api_version : -1, fl_strerror(rc));
		fl_kp_req_free(&req);
		return -1;
	}
	/* room for the answer's arrays: they grow with our state, not the request */
	req.arena.bytes_max += SERVE_RESP_ARENA_BYTES;
	if (!auth_is_done(b, c) && !auth_allowed_before(req.hdr.api_key)) {
		close_log(b, c, "%s (key %d) before authenticating",
		    fl_kp_api_name(req.hdr.api_key),
		    (int)req.hdr.api_key);
		fl_kp_req_free(&req);
		return -1;
	}
	switch (req.hdr.kind) {
	case FL_KP_REQ_APIVERSIONS_TOO_NEW:
		from = c->out.len;
		rc = fl_kp_apiversions_fallback(&c->out, req.hdr.correlation_id);
		rc = kafka_finish(b, c, from, rc, 0);
		break;
	case FL_KP_REQ_UNSUPPORTED:
		close_log(b, c, "unsupported request %s (key %d) version %d",
		    fl_kp_api_name(req.hdr.api_key), (int)req.hdr.api_key,
		    (int)req.hdr.api_version);
		rc = -1;
		break;
	default:
		switch (req.hdr.api_key) {
		case FL_KP_API_VERSIONS:
			from = c->out.len;
			rc = fl_kp_apiversions_resp_encode(&c->out,
			    req.hdr.api_version, req.hdr.correlation_id,
			    fl_kp_apiversions_req_valid(&req.u.apiversions, req.hdr.api_version) ?
			    FL_KERR_NONE : FL_KERR_INVALID_REQUEST, 0, FEATURES(b));
			rc = kafka_finish(b, c, from, rc, 0);
			break;
		case FL_KP_PRODUCE: rc = h_produce(b, c, &req); break;
		case FL_KP_FETCH: rc = h_fetch(b, c, &req); break;
		case FL_KP_LIST_OFFSETS: rc = h_list_offsets(b, c, &req); break;
		case FL_KP_METADATA: rc = h_metadata(b, c, &req); break;
		case FL_KP_CREATE_TOPICS: rc = h_create_topics(b, c, &req); break;
		case FL_KP_DELETE_TOPICS: rc = h_delete_topics(b, c, &req); break;
		case FL_KP_INIT_PRODUCER_ID: rc = h_init_producer_id(b, c, &req); break;
		case FL_KP_OFFSET_FOR_LEADER_EPOCH: rc = h_ofle(b, c, &req); break;
		case FL_KP_SASL_HANDSHAKE: rc = auth_handshake(b, c, &req); break;
		case FL_KP_SASL_AUTHENTICATE: rc = auth_authenticate(b, c, &req); break;
		case FL_KP_FIND_COORDINATOR:
		case FL_KP_JOIN_GROUP:
		case FL_KP_SYNC_GROUP:
		case FL_KP_HEARTBEAT:
		case FL_KP_LEAVE_GROUP:
		case FL_KP_OFFSET_COMMIT:
		case FL_KP_OFFSET_FETCH:
		case FL_KP_LIST_GROUPS:
		case FL_KP_DESCRIBE_GROUPS:
			rc = group_handle(b, c, &req);
			break;
		case FL_KP_DESCRIBE_CONFIGS:
		case FL_KP_ALTER_CONFIGS:
		case FL_KP_INCREMENTAL_ALTER_CONFIGS:
		case FL_KP_CREATE_PARTITIONS:
		case FL_KP_DELETE_GROUPS:
		case FL_KP_OFFSET_DELETE:
		case FL_KP_DELETE_RECORDS:
		case FL_KP_DESCRIBE_CLUSTER:
			rc = kadmin_handle(b, c, &req);
			break;
		default:
			close_log(b, c, "no handler for %s",
			    fl_kp_api_name(req.hdr.api_key));
			rc = -1;
		}
	}
	fl_kp_req_free(&req);
	return rc;
}
