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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/offsets.h"
#include "serve.h"

#define FEATURES (FL_KP_FEAT_CORE | FL_KP_FEAT_GROUP)
#define LEADER_EPOCH 0			/* one node that never changes leader */

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
	p = fl_kp_arena_alloc(&req->arena, nmemb, size, rc);
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
	if (need_round != 0)
		b->sy.waiting_next++;
	return 0;
}

/* The broker's own topic (committed offsets): clients may read it, not write it. */
static int
is_internal(const void *name, size_t len)
{
	return len == strlen(FL_OFFSETS_TOPIC) && memcmp(name, FL_OFFSETS_TOPIC, len) == 0;
}

/* ---- Produce ---- */

static int16_t
produce_one(struct broker *b, struct part *p, struct fl_slice rec,
    int16_t version, struct fl_kp_produce_part_resp *pr)
{
	uint8_t *batch = (uint8_t *)(uintptr_t)rec.p;	/* our receive buffer */
	struct fl_batch_hdr h;
	struct fl_pid_batch dup;
	uint64_t total, base;
	int32_t last_seq = 0;
	int rc;

	if (rec.p == NULL)
		return FL_KERR_INVALID_RECORD;
	rc = fl_batch_peek_size(batch, rec.len, &total);
	if (rc != 0 || total > rec.len)
		return FL_KERR_CORRUPT_MESSAGE;
	if (total < rec.len)
		return FL_KERR_INVALID_RECORD;	/* more than one batch, or junk */
	rc = fl_batch_check(batch, rec.len, FL_BATCH_CHECK_RECORDS, &h, NULL);
	if (rc != 0)
		return fl_kp_batch_error(rc);
	if (h.base_offset != 0 || (h.attributes & FL_BATCH_ATTR_CONTROL))
		return FL_KERR_INVALID_RECORD;
	if (h.attributes & FL_BATCH_ATTR_TRANSACTIONAL)
		return FL_KERR_INVALID_TXN_STATE;
	if ((h.attributes & FL_BATCH_ATTR_COMPRESSION) == 4 && version < 7)
		return FL_KERR_UNSUPPORTED_COMPRESSION_TYPE;
	if (rec.len > b->cfg->message_bytes_max)
		return FL_KERR_MESSAGE_TOO_LARGE;
	if (h.producer_id >= 0) {
		if (h.base_seq < 0)
			return FL_KERR_INVALID_RECORD;
		last_seq = fl_pidstate_last_seq(h.base_seq, h.last_offset_delta);
		switch (fl_pidstate_check(&p->pids, h.producer_id, h.producer_epoch,
		    h.base_seq, last_seq, &dup)) {
		case FL_PID_APPEND:
			break;
		case FL_PID_DUPLICATE:
			/* a retry of a stored batch: its offset, stored once */
			fl_log(FL_LOG_DEBUG, "%s: duplicate batch of producer %lld "
			    "seq %d..%d at offset %lld", p->dir,
			    (long long)h.producer_id, (int)h.base_seq, (int)last_seq,
			    (long long)dup.first_offset);
			pr->base_offset = dup.first_offset;
			pr->log_start_offset = (int64_t)p->log.log_start;
			return FL_KERR_NONE;
		case FL_PID_OUT_OF_ORDER:
			fl_log(FL_LOG_INFO, "%s: producer %lld epoch %d sent seq %d "
			    "out of order", p->dir, (long long)h.producer_id,
			    (int)h.producer_epoch, (int)h.base_seq);
			return FL_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
		case FL_PID_FENCED:
			return FL_KERR_INVALID_PRODUCER_EPOCH;
		}
	}
	rc = fl_plog_append(&p->log, batch, rec.len, FL_PLOG_APPEND_ASSIGN,
	    LEADER_EPOCH, b->wall_ms, &base);
	if (rc != 0) {
		fl_log(FL_LOG_ERROR, "%s: append: %s", p->dir,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
		return FL_KERR_KAFKA_STORAGE_ERROR;
	}
	if (h.producer_id >= 0) {
		struct fl_pid_batch pb = {
			.first_seq = h.base_seq, .last_seq = last_seq,
			.first_offset = (int64_t)base,
			.last_offset = (int64_t)base + h.last_offset_delta,
			.max_ts = h.max_ts,
		};

		if (fl_pidstate_update(&p->pids, h.producer_id, h.producer_epoch,
		    &pb, b->wall_ms) != 0)
			fl_log(FL_LOG_WARN, "%s: producer state: out of memory", p->dir);
		p->pids_changed = 1;
	}
	part_mark_dirty(b, p, rec.len);
	pr->base_offset = (int64_t)base;
	pr->log_start_offset = (int64_t)p->log.log_start;
	return FL_KERR_NONE;
}

static int
h_produce(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_produce_req *r = &req->u.produce;
	struct fl_kp_produce_topic_resp *tr;
	struct fl_kp_produce_resp resp;
	int acks_ok = r->acks == 0 || r->acks == 1 || r->acks == -1;
	int any_ok = 0, rc = 0;
	size_t i, j, from;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_kp_produce_topic *t = &r->topics[i];
		struct fl_kp_produce_part_resp *pr;

		pr = kafka_arena(req, t->nparts, sizeof(*pr), &rc);
		if (rc != 0)
			return -1;
		tr[i].name = t->name;
		tr[i].parts = pr;
		tr[i].nparts = t->nparts;
		for (j = 0; j < t->nparts; j++) {
			struct part *p;

			pr[j].index = t->parts[j].index;
			pr[j].base_offset = -1;
			pr[j].log_append_time_ms = -1;
			pr[j].log_start_offset = -1;
			if (!acks_ok) {
				pr[j].error = FL_KERR_INVALID_REQUIRED_ACKS;
				continue;
			}
			if (is_internal(t->name.p, t->name.len)) {
				pr[j].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
				continue;
			}
			p = store_part(b, t->name.p, t->name.len, t->parts[j].index);
			if (p == NULL) {
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				continue;
			}
			pr[j].error = produce_one(b, p, t->parts[j].records,
			    req->hdr.api_version, &pr[j]);
			any_ok |= pr[j].error == FL_KERR_NONE;
		}
	}
	if (r->acks == 0)
		return 0;		/* acks=0: no response at all */
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	from = c->out.len;
	rc = fl_kp_produce_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	/* durable first, then answered (acks=1 and acks=-1 alike) */
	return kafka_finish(b, c, from, rc, any_ok ? b->sy.round_started + 1 : 0);
}

/* ---- Fetch ---- */

struct fetch_part {
	struct part *p;
	int16_t error;
	struct fl_plog_span span;
	uint64_t len;			/* bytes of span to send */
};

static int
h_fetch(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_fetch_req *r = &req->u.fetch;
	struct fetch_part *fp;
	struct fl_kp_fetch_enc e;
	size_t i, j, k, np = 0, from, prev;
	uint64_t total = 0, left;
	int any_err = 0, rc = 0;

	for (i = 0; i < r->ntopics; i++)
		np += r->topics[i].nparts;
	fp = kafka_arena(req, np, sizeof(*fp), &rc);
	if (rc != 0)
		return -1;
	left = r->max_bytes > 0 ? (uint64_t)r->max_bytes : 0;
	/* the frame's int32 size must hold the answer: a client asking for
	 * ~2 GiB gets 1 GiB and fetches again */
	if (left > (1u << 30))
		left = 1u << 30;
	for (i = 0, k = 0; i < r->ntopics; i++) {
		const struct fl_kp_fetch_topic *t = &r->topics[i];

		for (j = 0; j < t->nparts; j++, k++) {
			const struct fl_kp_fetch_part *q = &t->parts[j];
			struct fetch_part *f = &fp[k];
			uint64_t limit;

			f->p = store_part(b, t->name.p, t->name.len, q->partition);
			if (f->p == NULL) {
				f->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				any_err = 1;
				continue;
			}
			if (q->fetch_offset < 0 ||
			    (uint64_t)q->fetch_offset < f->p->log.log_start ||
			    (uint64_t)q->fetch_offset > f->p->log.log_end) {
				f->error = FL_KERR_OFFSET_OUT_OF_RANGE;
				any_err = 1;
				continue;
			}
			limit = q->max_bytes > 0 ? (uint64_t)q->max_bytes : 0;
			if (limit > left)
				limit = left;
			if (total > 0 && limit == 0)
				continue;
			rc = fl_plog_read(&f->p->log, (uint64_t)q->fetch_offset,
			    part_hw(f->p), limit, &f->span);
			if (rc == FL_ENOENT)
				continue;	/* at the high watermark: nothing yet */
			if (rc != 0) {
				fl_log(FL_LOG_ERROR, "%s: read at %lld: %s", f->p->dir,
				    (long long)q->fetch_offset,
				    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
				f->error = rc == FL_ERANGE ? FL_KERR_OFFSET_OUT_OF_RANGE :
				    FL_KERR_KAFKA_STORAGE_ERROR;
				any_err = 1;
				continue;
			}
			/* only the first data may exceed the limits (KIP-74) */
			if (total > 0 && f->span.len > limit)
				continue;
			f->len = f->span.len;
			total += f->len;
			left = left > f->len ? left - f->len : 0;
		}
	}
	/* long poll: wait for min_bytes, up to max_wait_ms */
	if (!any_err && !b->is_stopping && r->max_wait_ms > 0 &&
	    total < (uint64_t)(r->min_bytes > 0 ? r->min_bytes : 0)) {
		if (c->park_deadline_ms == 0) {
			conn_park(b, c, b->now_ms + r->max_wait_ms);
			return 1;
		}
		if (b->now_ms < c->park_deadline_ms) {
			conn_park(b, c, c->park_deadline_ms);
			return 1;
		}
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
			pr.high_watermark = f->p ? (int64_t)part_hw(f->p) : -1;
			pr.last_stable_offset = pr.high_watermark;
			pr.log_start_offset = f->p ? (int64_t)f->p->log.log_start : -1;
			pr.preferred_read_replica = -1;
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

static int
h_list_offsets(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_list_offsets_req *r = &req->u.list_offsets;
	struct fl_kp_list_offsets_topic_resp *tr;
	struct fl_kp_list_offsets_resp resp;
	size_t i, j, from;
	int rc = 0;

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
		for (j = 0; j < t->nparts; j++) {
			struct part *p = store_part(b, t->name.p, t->name.len,
			    t->parts[j].index);
			int64_t ts = t->parts[j].timestamp;
			uint64_t off;
			int64_t found;

			pr[j].index = t->parts[j].index;
			pr[j].timestamp = -1;
			pr[j].offset = -1;
			if (p == NULL) {
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			} else if (ts == -1) {
				pr[j].offset = (int64_t)part_hw(p);
			} else if (ts == -2) {
				pr[j].offset = (int64_t)p->log.log_start;
			} else if (ts < 0) {
				pr[j].error = FL_KERR_INVALID_REQUEST;
			} else if (fl_plog_offset_for_time(&p->log, ts, &off, &found) != 0) {
				pr[j].error = FL_KERR_KAFKA_STORAGE_ERROR;
			} else if (off < part_hw(p)) {
				pr[j].offset = (int64_t)off;
				pr[j].timestamp = found;
			}
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
fill_topic(struct broker *b, struct fl_kp_req *req, struct topic *t,
    struct fl_kp_metadata_topic *mt, const int32_t *self)
{
	struct fl_kp_metadata_part *mp;
	int32_t i;
	int rc = 0;

	mp = kafka_arena(req, (size_t)t->nparts, sizeof(*mp), &rc);
	if (rc != 0)
		return rc;
	mt->error = 0;
	mt->name = fl_kp_str(t->name);
	mt->is_internal = is_internal(t->name, strlen(t->name));
	mt->parts = mp;
	mt->nparts = (size_t)t->nparts;
	for (i = 0; i < t->nparts; i++) {
		mp[i].index = i;
		mp[i].leader_id = b->cfg->node_id;
		mp[i].replicas = self;
		mp[i].nreplicas = 1;
		mp[i].isr = self;
		mp[i].nisr = 1;
	}
	return 0;
}

static int
h_metadata(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_metadata_req *r = &req->u.metadata;
	struct fl_kp_metadata_topic *mt;
	struct fl_kp_metadata_resp resp;
	struct fl_kp_broker br;
	int32_t self = b->cfg->node_id;
	size_t i, n, from;
	int rc = 0;

	n = r->is_all_topics ? b->ntopics : r->ntopics;
	mt = kafka_arena(req, n, sizeof(*mt), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct topic *t;
		char name[FL_TOPIC_NAME_MAX + 1];

		if (r->is_all_topics) {
			rc = fill_topic(b, req, b->topics[i], &mt[i], &self);
			if (rc != 0)
				return -1;
			continue;
		}
		mt[i].name = r->topics[i];
		t = store_find(b, r->topics[i].p, r->topics[i].len);
		if (t == NULL && !fl_topic_name_ok(r->topics[i].p, r->topics[i].len)) {
			mt[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			continue;
		}
		if (t == NULL && b->cfg->auto_create && r->allow_auto_create &&
		    !b->is_stopping && cname(name, sizeof(name), r->topics[i])) {
			rc = store_create(b, name, b->cfg->num_partitions, &t);
			if (rc != 0) {
				mt[i].error = FL_KERR_LEADER_NOT_AVAILABLE;
				continue;
			}
		}
		if (t == NULL) {
			mt[i].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		if (fill_topic(b, req, t, &mt[i], &self) != 0)
			return -1;
		mt[i].name = r->topics[i];
	}
	memset(&br, 0, sizeof(br));
	br.node_id = b->cfg->node_id;
	br.host = fl_kp_str(b->adv_host);
	br.port = b->adv_port;
	br.rack.p = NULL;
	memset(&resp, 0, sizeof(resp));
	resp.brokers = &br;
	resp.nbrokers = 1;
	resp.cluster_id = fl_kp_str(b->cluster_id);
	resp.controller_id = b->cfg->node_id;
	resp.topics = mt;
	resp.ntopics = n;
	from = c->out.len;
	rc = fl_kp_metadata_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	return kafka_finish(b, c, from, rc, 0);
}

/* ---- CreateTopics / DeleteTopics ---- */

static int16_t
create_one(struct broker *b, const struct fl_kp_create_topics_req *r, size_t idx,
    int validate_only, const char **msg)
{
	const struct fl_kp_create_topic *t = &r->topics[idx];
	char name[FL_TOPIC_NAME_MAX + 1];
	int32_t nparts = t->num_partitions;
	size_t i, j;
	int rc;

	for (i = 0; i < idx; i++)
		if (r->topics[i].name.len == t->name.len &&
		    memcmp(r->topics[i].name.p, t->name.p, t->name.len) == 0) {
			*msg = "topic named twice in one request";
			return FL_KERR_INVALID_REQUEST;
		}
	if (!fl_topic_name_ok(t->name.p, t->name.len) ||
	    !cname(name, sizeof(name), t->name)) {
		*msg = "topic names are 1-249 characters of [a-zA-Z0-9._-]";
		return FL_KERR_INVALID_TOPIC_EXCEPTION;
	}
	if (store_find(b, t->name.p, t->name.len) != NULL) {
		*msg = "topic already exists";
		return FL_KERR_TOPIC_ALREADY_EXISTS;
	}
	if (t->replication_factor != -1 && t->replication_factor != 1) {
		*msg = "a single node can only hold one replica";
		return FL_KERR_INVALID_REPLICATION_FACTOR;
	}
	if (t->nassignments > 0) {
		if (nparts != -1 || t->replication_factor != -1) {
			*msg = "assignments need NumPartitions and ReplicationFactor -1";
			return FL_KERR_INVALID_REQUEST;
		}
		for (i = 0; i < t->nassignments; i++) {
			const struct fl_kp_create_assignment *a = &t->assignments[i];
			int ok = a->index >= 0 && (size_t)a->index < t->nassignments &&
			    a->nbroker_ids == 1 && a->broker_ids[0] == b->cfg->node_id;

			for (j = 0; ok && j < i; j++)
				ok = t->assignments[j].index != a->index;
			if (!ok) {
				*msg = "partitions can only be assigned to this node";
				return FL_KERR_INVALID_REPLICA_ASSIGNMENT;
			}
		}
		nparts = (int32_t)t->nassignments;
	}
	if (nparts == -1)
		nparts = b->cfg->num_partitions;
	if (nparts <= 0 || nparts > FL_TOPIC_PARTITIONS_MAX) {
		*msg = "partition count out of range";
		return FL_KERR_INVALID_PARTITIONS;
	}
	if (t->nconfigs > 0) {
		*msg = "per-topic configs are not supported";
		return FL_KERR_INVALID_CONFIG;
	}
	if (validate_only)
		return FL_KERR_NONE;
	rc = store_create(b, name, nparts, NULL);
	if (rc == FL_EEXIST) {
		*msg = "topic already exists";
		return FL_KERR_TOPIC_ALREADY_EXISTS;
	}
	if (rc != 0) {
		*msg = "storage error";
		return FL_KERR_KAFKA_STORAGE_ERROR;
	}
	return FL_KERR_NONE;
}

static int
h_create_topics(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_create_topics_req *r = &req->u.create_topics;
	struct fl_kp_create_topic_resp *tr;
	struct fl_kp_create_topics_resp resp;
	size_t i, from;
	int rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const char *msg = NULL;

		tr[i].name = r->topics[i].name;
		if (is_internal(r->topics[i].name.p, r->topics[i].name.len)) {
			tr[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			tr[i].error_message = fl_kp_str("internal topic");
			continue;
		}
		tr[i].error = b->is_stopping ? FL_KERR_NOT_CONTROLLER :
		    create_one(b, r, i, r->validate_only, &msg);
		tr[i].error_message = fl_kp_str(msg);
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

	tr = kafka_arena(req, r->nnames, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->nnames; i++) {
		char name[FL_TOPIC_NAME_MAX + 1];

		tr[i].name = r->names[i];
		if (is_internal(r->names[i].p, r->names[i].len)) {
			tr[i].error = FL_KERR_INVALID_TOPIC_EXCEPTION;
			continue;
		}
		if (!cname(name, sizeof(name), r->names[i]) ||
		    store_find(b, r->names[i].p, r->names[i].len) == NULL) {
			tr[i].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		rc = store_delete(b, name);
		tr[i].error = rc == 0 ? FL_KERR_NONE : FL_KERR_UNKNOWN_SERVER_ERROR;
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->nnames;
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
	size_t from;
	int rc;

	memset(&resp, 0, sizeof(resp));
	resp.producer_id = -1;
	resp.producer_epoch = -1;
	if (r->transactional_id.p != NULL) {
		fl_log(FL_LOG_INFO, "%s asked for a transactional producer id; "
		    "transactions are not supported", c->peer);
		resp.error = FL_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
	} else if (store_next_pid(b, &resp.producer_id) != 0) {
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
	int rc = 0;

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
		for (j = 0; j < t->nparts; j++) {
			const struct fl_kp_ofle_part *q = &t->parts[j];
			struct part *p = store_part(b, t->name.p, t->name.len, q->partition);
			int32_t found = -1;
			int64_t end = -1;

			pr[j].partition = q->partition;
			pr[j].leader_epoch = -1;
			pr[j].end_offset = -1;
			if (p == NULL) {
				pr[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			} else if (q->current_leader_epoch > LEADER_EPOCH) {
				pr[j].error = FL_KERR_UNKNOWN_LEADER_EPOCH;
			} else if (q->leader_epoch > LEADER_EPOCH) {
				/* UNDEFINED: -1 / -1 */
			} else if (fl_plog_epoch_end(&p->log, q->leader_epoch, &found,
			    &end) == 0 && found >= 0) {
				pr[j].leader_epoch = found;
				pr[j].end_offset = end;
			} else {
				/* nothing written yet: the current epoch ends at log end */
				pr[j].leader_epoch = LEADER_EPOCH;
				pr[j].end_offset = (int64_t)p->log.log_end;
			}
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

int
kafka_handle(struct broker *b, struct conn *c, uint8_t *p, size_t n)
{
	struct fl_kp_req req;
	size_t from;
	int rc;

	rc = fl_kp_req_decode(&req, p, n, FEATURES);
	if (rc != 0) {
		fl_log(FL_LOG_INFO, "closing connection from %s: malformed %s "
		    "request (key %d version %d): %s", c->peer,
		    n >= 8 ? fl_kp_api_name(req.hdr.api_key) : "?",
		    n >= 8 ? (int)req.hdr.api_key : -1,
		    n >= 8 ? (int)req.hdr.api_version : -1, fl_strerror(rc));
		fl_kp_req_free(&req);
		return -1;
	}
	/* room for the answer's arrays: they grow with our state, not the request */
	req.arena.bytes_max += SERVE_RESP_ARENA_BYTES;
	switch (req.hdr.kind) {
	case FL_KP_REQ_APIVERSIONS_TOO_NEW:
		from = c->out.len;
		rc = fl_kp_apiversions_fallback(&c->out, req.hdr.correlation_id);
		rc = kafka_finish(b, c, from, rc, 0);
		break;
	case FL_KP_REQ_UNSUPPORTED:
		fl_log(FL_LOG_INFO, "closing connection from %s: unsupported "
		    "request %s (key %d) version %d", c->peer,
		    fl_kp_api_name(req.hdr.api_key), (int)req.hdr.api_key,
		    (int)req.hdr.api_version);
		rc = -1;
		break;
	default:
		switch (req.hdr.api_key) {
		case FL_KP_API_VERSIONS:
			from = c->out.len;
			rc = fl_kp_apiversions_resp_encode(&c->out,
			    req.hdr.api_version, req.hdr.correlation_id, 0, 0, FEATURES);
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
		default:
			fl_log(FL_LOG_INFO, "closing connection from %s: no handler "
			    "for %s", c->peer, fl_kp_api_name(req.hdr.api_key));
			rc = -1;
		}
	}
	fl_kp_req_free(&req);
	return rc;
}
