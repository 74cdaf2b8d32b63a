/*
 * group.c: the broker's consumer groups: the Kafka handlers that drive the
 * coordinator state machine (libcommon/group.c), deliver its answers to
 * the connections that wait for them, and keep committed offsets durable
 * in the internal partition __consumer_offsets-0 (libcommon/offsets.c).
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
 * produce requests.  At start the partition is replayed into memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "codec/batch.h"
#include "codec/offsets.h"
#include "os/entropy.h"
#include "sm/group.h"
#include "serve.h"

struct gen_seen {
	char *group;
	int32_t generation;
};

struct gstate {
	struct fl_grp grp;
	struct fl_offsets offs;
	struct gen_seen *seen;		/* generations already written, owned */
	size_t nseen, seen_cap;
	int64_t next_sweep_ms;		/* next look for forgettable groups */
	int64_t next_compact_ms;	/* next look at the offsets log's size */
	/* compaction of __consumer_offsets-0: a snapshot written at
	 * [snap_start, snap_end) replaces everything before it once durable */
	int is_snap_pending;
	uint64_t snap_start, snap_end;
};

#define SNAP_RECORDS_PER_BATCH 2000

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

static struct part *
offsets_part(struct broker *b, int create)
{
	struct part *p = store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0);
	struct topic *t;

	if (p != NULL || !create)
		return p;
	if (store_create(b, FL_OFFSETS_TOPIC, 1, &t) != 0)
		return NULL;
	return &t->parts[0];
}

/*
 * Append records (key, value pairs in kv[2*i], kv[2*i+1]) as one batch to
 * __consumer_offsets-0.  Returns 0, or a Kafka error code.
 */
static int16_t
offsets_append(struct broker *b, const struct fl_wr *kv, size_t n)
{
	struct part *p = offsets_part(b, 1);
	struct fl_batch_builder bb;
	struct fl_wr w;
	size_t i;
	int rc;

	if (p == NULL)
		return FL_KERR_COORDINATOR_NOT_AVAILABLE;
	fl_wr_init(&w, FL_BATCH_BYTES_MAX);
	fl_batch_begin(&bb, &w, b->wall_ms, -1, -1, -1, 0);
	for (i = 0; i < n; i++) {
		struct fl_slice k = { kv[2 * i].p, kv[2 * i].len };
		struct fl_slice v = { kv[2 * i + 1].p, kv[2 * i + 1].len };

		fl_batch_add(&bb, b->wall_ms, &k, &v, NULL, 0);
	}
	rc = fl_batch_end(&bb);
	if (rc == 0)
		rc = fl_plog_append(&p->log, w.p, w.len, FL_PLOG_APPEND_ASSIGN, 0,
		    b->wall_ms, NULL);
	if (rc == 0)
		part_mark_dirty(b, p, w.len);
	else
		fl_log(FL_LOG_ERROR, "%s: append: %s", p->dir,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	fl_wr_free(&w);
	return rc == 0 ? FL_KERR_NONE : FL_KERR_KAFKA_STORAGE_ERROR;
}

/* Write a group record for every group whose generation moved on. */
static void
persist_generations(struct broker *b)
{
	struct gstate *gs = b->gs;
	size_t i, j, n = fl_grp_count(&gs->grp);

	for (i = 0; i < n; i++) {
		struct fl_grp_info info;
		struct fl_wr kv[2];

		fl_grp_info_at(&gs->grp, i, &info);
		for (j = 0; j < gs->nseen; j++)
			if (strcmp(gs->seen[j].group, info.group_id) == 0)
				break;
		if (j < gs->nseen && gs->seen[j].generation >= info.generation)
			continue;
		if (j == gs->nseen && info.generation == 0)
			continue;
		if (j == gs->nseen) {
			if (gs->nseen == gs->seen_cap) {
				size_t cap = gs->seen_cap ? gs->seen_cap * 2 : 16;
				struct gen_seen *ns = realloc(gs->seen, cap * sizeof(*ns));

				if (ns == NULL)
					return;
				gs->seen = ns;
				gs->seen_cap = cap;
			}
			gs->seen[j].group = strdup(info.group_id);
			if (gs->seen[j].group == NULL)
				return;
			gs->nseen++;
		}
		gs->seen[j].generation = info.generation;
		fl_wr_init(&kv[0], 1 << 16);
		fl_wr_init(&kv[1], 1 << 16);
		fl_offsets_key_group(&kv[0], str_slice(info.group_id));
		fl_offsets_value_group(&kv[1], info.generation, str_slice(info.protocol_type),
		    str_slice(info.protocol));
		if (kv[0].err == 0 && kv[1].err == 0)
			(void)offsets_append(b, kv, 1);
		fl_wr_free(&kv[0]);
		fl_wr_free(&kv[1]);
	}
}

struct replay {
	struct broker *b;
	uint64_t records, skipped;
};

static void
replay_batch(struct replay *rp, const uint8_t *p, size_t n)
{
	struct gstate *gs = rp->b->gs;
	struct fl_record_iter it;
	struct fl_record rec;

	if (fl_record_iter_init(&it, p, n) != 0)
		return;
	while (fl_record_next(&it, &rec) == 1) {
		struct fl_offsets_rec r;

		if (fl_offsets_decode(rec.key, rec.value, &r) != 0) {
			rp->skipped++;
			continue;
		}
		rp->records++;
		if (r.kind == FL_OFFSETS_REC_COMMIT && r.is_tombstone) {
			fl_offsets_del(&gs->offs, r.group, r.topic, r.partition);
		} else if (r.kind == FL_OFFSETS_REC_COMMIT) {
			char *md = NULL;
			struct fl_offset_commit c = { r.offset, r.leader_epoch, NULL, r.commit_ms };

			if (r.metadata.p != NULL && (md = strndup((const char *)r.metadata.p,
			    r.metadata.len)) != NULL)
				c.metadata = md;
			(void)fl_offsets_put(&gs->offs, r.group, r.topic, r.partition, &c);
			(void)fl_grp_ensure(&gs->grp, r.group);
			free(md);
		} else if (r.kind == FL_OFFSETS_REC_GROUP && !r.is_tombstone) {
			(void)fl_grp_restore(&gs->grp, r.group, r.generation, r.protocol_type,
			    r.protocol);
		}
	}
}

/* Read every batch of __consumer_offsets-0 into the tables. */
static int
replay(struct broker *b)
{
	struct part *p = offsets_part(b, 0);
	struct replay rp = { b, 0, 0 };
	uint64_t off;
	uint8_t *buf = NULL;
	size_t cap = 0;

	if (p == NULL)
		return 0;
	for (off = p->log.log_start; off < p->log.log_end;) {
		struct fl_plog_span sp;
		uint64_t pos = 0;
		int rc = fl_plog_read(&p->log, off, UINT64_MAX, 4u << 20, &sp);

		if (rc != 0)
			break;
		if (sp.len > cap) {
			uint8_t *nb = realloc(buf, sp.len);

			if (nb == NULL) {
				free(buf);
				return FL_ENOMEM;
			}
			buf = nb;
			cap = sp.len;
		}
		if ((rc = fl_vfs_pread_full(sp.file, buf, sp.len, sp.pos)) != 0) {
			free(buf);
			return rc;
		}
		while (pos + FL_BATCH_LOG_OVERHEAD <= sp.len) {
			uint64_t total;

			if (fl_batch_peek_size(buf + pos, sp.len - pos, &total) != 0 ||
			    total > sp.len - pos)
				break;
			replay_batch(&rp, buf + pos, (size_t)total);
			pos += total;
		}
		off = sp.next_offset;
	}
	free(buf);
	fl_log(FL_LOG_INFO, "%s: replayed %llu offset and group records (%llu skipped)",
	    p->dir, (unsigned long long)rp.records, (unsigned long long)rp.skipped);
	return 0;
}

int
group_init(struct broker *b)
{
	struct gstate *gs = calloc(1, sizeof(*gs));
	size_t i, n;

	if (gs == NULL)
		return FL_ENOMEM;
	{
		struct fl_grp_config gc;

		fl_grp_config_default(&gc);
		gc.initial_delay_ms = b->cfg->group_initial_delay_ms;
		gc.session_ms_min = b->cfg->group_min_session_ms;
		fl_grp_init(&gs->grp, &gc);
	}
	fl_offsets_init(&gs->offs);
	b->gs = gs;
	if (replay(b) != 0)
		return FL_ESYS;
	/* what was replayed is already on disk */
	n = fl_grp_count(&gs->grp);
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&gs->grp, i, &info);
		if (gs->nseen == gs->seen_cap) {
			size_t cap = gs->seen_cap ? gs->seen_cap * 2 : 16;
			struct gen_seen *ns = realloc(gs->seen, cap * sizeof(*ns));

			if (ns == NULL)
				return FL_ENOMEM;
			gs->seen = ns;
			gs->seen_cap = cap;
		}
		gs->seen[gs->nseen].group = strdup(info.group_id);
		gs->seen[gs->nseen].generation = info.generation;
		if (gs->seen[gs->nseen].group != NULL)
			gs->nseen++;
	}
	return 0;
}

void
group_free(struct broker *b)
{
	struct gstate *gs = b->gs;
	size_t i;

	if (gs == NULL)
		return;
	fl_grp_free(&gs->grp);
	fl_offsets_free(&gs->offs);
	for (i = 0; i < gs->nseen; i++)
		free(gs->seen[i].group);
	free(gs->seen);
	free(gs);
	b->gs = NULL;
}

/* ---- delivering the coordinator's answers ---- */

static int
encode_join(struct conn *c, const struct fl_grp_resp *r)
{
	struct fl_kp_join_group_resp jr;
	struct fl_kp_join_member *m = NULL;
	size_t i;
	int rc;

	memset(&jr, 0, sizeof(jr));
	jr.error = r->error;
	jr.generation_id = r->generation;
	jr.protocol_name = str_slice(r->protocol);
	jr.leader = str_slice(r->leader);
	jr.member_id = str_slice(r->member_id);
	if (r->nmembers > 0) {
		m = calloc(r->nmembers, sizeof(*m));
		if (m == NULL)
			return FL_ENOMEM;
		for (i = 0; i < r->nmembers; i++) {
			m[i].member_id = str_slice(r->members[i].member_id);
			m[i].group_instance_id = r->members[i].instance_id ?
			    str_slice(r->members[i].instance_id) : (struct fl_slice){ NULL, 0 };
			m[i].metadata = (struct fl_slice){ r->members[i].metadata,
			    r->members[i].metadata_len };
		}
		jr.members = m;
		jr.nmembers = r->nmembers;
	}
	rc = fl_kp_join_group_resp_encode(&c->out, c->wait_version, c->wait_corr, &jr);
	free(m);
	return rc;
}

static int
encode_sync(struct conn *c, const struct fl_grp_resp *r)
{
	struct fl_kp_sync_group_resp sr;

	memset(&sr, 0, sizeof(sr));
	sr.error = r->error;
	sr.assignment = (struct fl_slice){ r->assignment, r->assignment_len };
	return fl_kp_sync_group_resp_encode(&c->out, c->wait_version, c->wait_corr, &sr);
}

/* Hand every answer the last coordinator call produced to its connection. */
static void
deliver(struct broker *b)
{
	const struct fl_grp_resp *r;
	size_t n, i;
	int is_new_generation = 0;

	r = fl_grp_out(&b->gs->grp, &n);
	for (i = 0; i < n; i++) {
		/* generations move only when a join round ends, with answers */
		if (r[i].kind == FL_GRP_RESP_JOIN && r[i].error == 0)
			is_new_generation = 1;
		size_t slot = (size_t)(r[i].token >> 32), from;
		struct conn *c;
		int rc;

		if (slot >= b->nslots)
			continue;
		c = &b->conns[slot];
		if (c->fd < 0 || c->gen != (uint32_t)r[i].token || !c->is_waiting)
			continue;	/* gone, or no longer waiting for this */
		from = c->out.len;
		rc = r[i].kind == FL_GRP_RESP_JOIN ? encode_join(c, &r[i]) : encode_sync(c, &r[i]);
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
	if (is_new_generation)
		persist_generations(b);
}

/* The request on c waits for the coordinator: remember what it owes. */
static void
wait_for(struct conn *c, const struct fl_kp_req *req)
{
	c->is_waiting = 1;
	c->wait_corr = req->hdr.correlation_id;
	c->wait_version = req->hdr.api_version;
}

/* ---- compaction ---- */

struct snap {
	struct broker *b;
	struct fl_wr *kv;		/* 2 * SNAP_RECORDS_PER_BATCH writers */
	size_t n;
	int16_t err;
};

static void
snap_flush(struct snap *s)
{
	size_t i;

	if (s->n > 0 && s->err == 0)
		s->err = offsets_append(s->b, s->kv, s->n);
	for (i = 0; i < 2 * s->n; i++)
		fl_wr_reset(&s->kv[i]);
	s->n = 0;
}

static int
snap_commit(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *c)
{
	struct snap *s = arg;

	fl_offsets_key_commit(&s->kv[2 * s->n], str_slice(group), str_slice(topic), partition);
	fl_offsets_value_commit(&s->kv[2 * s->n + 1], c);
	if (++s->n == SNAP_RECORDS_PER_BATCH)
		snap_flush(s);
	return s->err != 0;
}

/*
 * Keep __consumer_offsets-0 from growing with every commit: roll it, write
 * every live commit and group record again (a snapshot), and once the
 * snapshot is durable delete the segments before it.  A crash in between
 * leaves old records and snapshot both, which replay in order to the same
 * state.
 */
static void
compact_offsets(struct broker *b)
{
	struct gstate *gs = b->gs;
	struct part *p = offsets_part(b, 0);
	struct fl_wr kv[2 * SNAP_RECORDS_PER_BATCH];
	struct snap s = { b, kv, 0, 0 };
	uint64_t bytes, live, threshold;
	size_t i, deleted = 0, n;
	int rc;

	if (p == NULL || p->in_round)
		return;
	if (gs->is_snap_pending) {
		if (part_hw(p) < gs->snap_end)
			return;	/* not durable yet */
		rc = fl_plog_delete_before(&p->log, gs->snap_start, &deleted);
		if (rc != 0)
			fl_log(FL_LOG_WARN, "%s: compaction: %s", p->dir,
			    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
		else
			fl_log(FL_LOG_INFO, "%s: compacted: %zu segment%s before offset "
			    "%llu deleted", p->dir, deleted, deleted == 1 ? "" : "s",
			    (unsigned long long)gs->snap_start);
		gs->is_snap_pending = 0;
		return;
	}
	bytes = fl_plog_bytes(&p->log);
	live = (uint64_t)fl_offsets_count(&gs->offs) + fl_grp_count(&gs->grp);
	threshold = b->cfg->offsets_compact_bytes;
	if (threshold < live * 128 * 8)
		threshold = live * 128 * 8;	/* a snapshot is at most 1/8 of what it frees */
	if (bytes <= threshold || p->log.nseg == 0)
		return;
	if ((rc = fl_plog_roll(&p->log, b->wall_ms)) != 0) {
		fl_log(FL_LOG_WARN, "%s: compaction: roll: %s", p->dir, fl_strerror(rc));
		return;
	}
	gs->snap_start = p->log.log_end;
	for (i = 0; i < 2 * SNAP_RECORDS_PER_BATCH; i++)
		fl_wr_init(&kv[i], 1 << 16);
	fl_offsets_all(&gs->offs, snap_commit, &s);
	n = fl_grp_count(&gs->grp);
	for (i = 0; i < n && s.err == 0; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&gs->grp, i, &info);
		if (info.generation <= 0)
			continue;
		fl_offsets_key_group(&kv[2 * s.n], str_slice(info.group_id));
		fl_offsets_value_group(&kv[2 * s.n + 1], info.generation,
		    str_slice(info.protocol_type), str_slice(info.protocol));
		if (++s.n == SNAP_RECORDS_PER_BATCH)
			snap_flush(&s);
	}
	snap_flush(&s);
	for (i = 0; i < 2 * SNAP_RECORDS_PER_BATCH; i++)
		fl_wr_free(&kv[i]);
	if (s.err != 0) {
		fl_log(FL_LOG_WARN, "%s: compaction: the snapshot could not be written", p->dir);
		return;	/* nothing is deleted: the old records still hold */
	}
	gs->snap_end = p->log.log_end;
	gs->is_snap_pending = 1;
	fl_log(FL_LOG_INFO, "%s: compacting %llu bytes: snapshot of %llu records at "
	    "offsets %llu..%llu", p->dir, (unsigned long long)bytes,
	    (unsigned long long)(gs->snap_end - gs->snap_start),
	    (unsigned long long)gs->snap_start, (unsigned long long)gs->snap_end);
}

struct sweep {
	char **names;		/* candidates: Empty groups, sorted like the coordinator's */
	uint8_t *has_offsets;
	size_t n;
};

static int
mark_offsets(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *c)
{
	struct sweep *sw = arg;
	size_t lo = 0, hi = sw->n;

	(void)topic; (void)partition; (void)c;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(sw->names[mid], group);

		if (cmp == 0) {
			sw->has_offsets[mid] = 1;
			break;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Forget Empty groups that hold no committed offsets (ad-hoc group ids),
 * in one pass over the commits: O(commits * log groups).
 */
static void
sweep_groups(struct broker *b)
{
	struct gstate *gs = b->gs;
	struct sweep sw = { NULL, NULL, 0 };
	size_t i, j, n = fl_grp_count(&gs->grp);

	sw.names = calloc(n + 1, sizeof(*sw.names));
	sw.has_offsets = calloc(n + 1, 1);
	if (sw.names == NULL || sw.has_offsets == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&gs->grp, i, &info);
		if (info.state == FL_GRP_EMPTY && info.nmembers == 0 &&
		    (sw.names[sw.n] = strdup(info.group_id)) != NULL)
			sw.n++;
	}
	/* the coordinator lists groups by byte order; strcmp agrees */
	fl_offsets_all(&gs->offs, mark_offsets, &sw);
	for (i = 0; i < sw.n; i++) {
		if (sw.has_offsets[i] || !fl_grp_forget(&gs->grp, str_slice(sw.names[i])))
			continue;
		for (j = 0; j < gs->nseen; j++)
			if (strcmp(gs->seen[j].group, sw.names[i]) == 0) {
				free(gs->seen[j].group);
				gs->seen[j] = gs->seen[--gs->nseen];
				break;
			}
	}
out:
	for (i = 0; i < sw.n; i++)
		free(sw.names[i]);
	free(sw.names);
	free(sw.has_offsets);
}

void
group_tick(struct broker *b)
{
	if (b->gs == NULL)
		return;
	if (b->now_ms >= b->gs->next_sweep_ms) {
		sweep_groups(b);
		b->gs->next_sweep_ms = b->now_ms + SERVE_HOUSEKEEP_MS;
	}
	if (b->now_ms >= b->gs->next_compact_ms) {
		compact_offsets(b);
		/* a pending snapshot is one sync round from done: look again soon */
		b->gs->next_compact_ms = b->now_ms + (b->gs->is_snap_pending ? 50 : 2000);
	}
	if ((uint64_t)b->now_ms < fl_grp_next_wake(&b->gs->grp))
		return;
	if (fl_grp_tick(&b->gs->grp, (uint64_t)b->now_ms) != 0)
		fl_log(FL_LOG_WARN, "group coordinator: out of memory");
	deliver(b);
}

int64_t
group_next_wake(const struct broker *b)
{
	uint64_t t;

	if (b->gs == NULL)
		return INT64_MAX;
	t = fl_grp_next_wake(&b->gs->grp);
	return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

void
group_conn_closed(struct broker *b, struct conn *c)
{
	if (b->gs != NULL)
		fl_grp_drop_tokens(&b->gs->grp, UINT64_MAX, conn_token(b, c));
	c->is_waiting = 0;
	c->gen++;
}

/* ---- the handlers ---- */


static int
h_find_coordinator(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_find_coordinator_req *r = &req->u.find_coordinator;
	struct fl_kp_find_coordinator_resp fr;
	size_t from = c->out.len;

	memset(&fr, 0, sizeof(fr));
	fr.node_id = b->cfg->node_id;
	fr.host = str_slice(b->adv_host);
	fr.port = b->adv_port;
	if (r->key_type != 0) {
		fr.error = FL_KERR_COORDINATOR_NOT_AVAILABLE;	/* no transactions */
		fr.error_message = str_slice("transactions are not supported");
	} else if (r->key.p == NULL || r->key.len == 0) {
		fr.error = FL_KERR_INVALID_GROUP_ID;
	}
	if (fr.error != 0) {
		fr.node_id = -1;
		fr.host = str_slice("");
		fr.port = -1;
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
	wait_for(c, req);
	if (fl_grp_join(&b->gs->grp, (uint64_t)b->now_ms, &jr) == FL_ENOMEM) {
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
	sr.assignments = as;
	sr.nassignments = r->nassignments;
	wait_for(c, req);
	if (fl_grp_sync(&b->gs->grp, (uint64_t)b->now_ms, &sr) == FL_ENOMEM) {
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

	er.error = (int16_t)fl_grp_heartbeat(&b->gs->grp, (uint64_t)b->now_ms, r->group_id,
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
		mr[i].member_id = r->members[i].member_id;
		mr[i].group_instance_id = r->members[i].group_instance_id;
		mr[i].error = (int16_t)fl_grp_leave(&b->gs->grp, (uint64_t)b->now_ms,
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
	struct fl_kp_offset_commit_topic_resp *tr;
	struct fl_kp_offset_commit_resp resp;
	struct fl_wr *kv = NULL;
	size_t i, j, nkv = 0, total = 0, from;
	int16_t gerr, aerr = 0;
	int rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++)
		total += r->topics[i].nparts;
	if (total > 0 && (kv = calloc(2 * total, sizeof(*kv))) == NULL)
		return -1;
	gerr = (int16_t)fl_grp_commit_check(&b->gs->grp, (uint64_t)b->now_ms, r->group_id,
	    r->member_id, r->group_instance_id, r->generation_id);
	if (gerr < 0)
		gerr = FL_KERR_COORDINATOR_NOT_AVAILABLE;
	deliver(b);
	for (i = 0; i < r->ntopics && rc == 0; i++) {
		const struct fl_kp_offset_commit_topic *t = &r->topics[i];
		struct fl_kp_part_error *pe = kafka_arena(req, t->nparts, sizeof(*pe), &rc);

		if (rc != 0)
			break;
		tr[i].name = t->name;
		tr[i].parts = pe;
		tr[i].nparts = t->nparts;
		for (j = 0; j < t->nparts; j++) {
			const struct fl_kp_offset_commit_part *cp = &t->parts[j];

			pe[j].index = cp->index;
			pe[j].error = gerr;
			if (gerr != 0)
				continue;
			if (store_part(b, t->name.p, t->name.len, cp->index) == NULL) {
				pe[j].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				continue;
			}
			if (cp->metadata.p != NULL && cp->metadata.len > FL_OFFSETS_METADATA_MAX) {
				pe[j].error = FL_KERR_OFFSET_METADATA_TOO_LARGE;
				continue;
			}
			fl_wr_init(&kv[2 * nkv], 1 << 16);
			fl_wr_init(&kv[2 * nkv + 1], 1 << 16);
			{
				char md[FL_OFFSETS_METADATA_MAX + 1];
				struct fl_offset_commit oc = { cp->committed_offset,
				    cp->committed_leader_epoch, NULL, b->wall_ms };

				if (cp->metadata.p != NULL) {
					memcpy(md, cp->metadata.p, cp->metadata.len);
					md[cp->metadata.len] = '\0';
					oc.metadata = md;
				}
				fl_offsets_key_commit(&kv[2 * nkv], r->group_id, t->name, cp->index);
				fl_offsets_value_commit(&kv[2 * nkv + 1], &oc);
			}
			nkv++;
		}
	}
	if (rc == 0 && nkv > 0)
		aerr = offsets_append(b, kv, nkv);
	/* what OffsetFetch answers changes only with a stored commit */
	for (i = 0; rc == 0 && nkv > 0 && i < r->ntopics; i++) {
		struct fl_kp_part_error *pe = (struct fl_kp_part_error *)(uintptr_t)tr[i].parts;

		for (j = 0; j < tr[i].nparts; j++) {
			const struct fl_kp_offset_commit_part *cp = &r->topics[i].parts[j];
			char md[FL_OFFSETS_METADATA_MAX + 1];
			struct fl_offset_commit oc = { cp->committed_offset,
			    cp->committed_leader_epoch, NULL, b->wall_ms };

			if (pe[j].error != 0)
				continue;
			if (aerr != 0) {
				pe[j].error = aerr;
				continue;
			}
			if (cp->metadata.p != NULL) {
				memcpy(md, cp->metadata.p, cp->metadata.len);
				md[cp->metadata.len] = '\0';
				oc.metadata = md;
			}
			if (fl_offsets_put(&b->gs->offs, r->group_id, r->topics[i].name,
			    cp->index, &oc) != 0)
				pe[j].error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
		}
	}
	for (i = 0; i < 2 * nkv; i++)
		fl_wr_free(&kv[i]);
	free(kv);
	if (rc != 0)
		return -1;
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	from = c->out.len;
	/* answered once the commit is durable, like an acks=-1 produce */
	return kafka_finish(b, c, from, fl_kp_offset_commit_resp_encode(&c->out,
	    req->hdr.api_version, req->hdr.correlation_id, &resp),
	    nkv > 0 && aerr == 0 ? b->sy.round_started + 1 : 0);
}

struct fetch_all {
	struct fl_kp_req *req;
	struct fl_kp_offset_fetch_topic_resp *topics;
	size_t ntopics, cap;
	int rc;
};

static int
fetch_all_cb(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *oc)
{
	struct fetch_all *fa = arg;
	struct fl_kp_offset_fetch_topic_resp *t = NULL;
	struct fl_kp_offset_fetch_part_resp *np;
	size_t i;

	for (i = 0; i < fa->ntopics; i++)
		if (fa->topics[i].name.len == strlen(topic) &&
		    memcmp(fa->topics[i].name.p, topic, fa->topics[i].name.len) == 0)
			t = &fa->topics[i];
	if (t == NULL) {
		if (fa->ntopics == fa->cap) {
			size_t cap = fa->cap ? fa->cap * 2 : 8;
			struct fl_kp_offset_fetch_topic_resp *nt =
			    fl_kp_arena_alloc(&fa->req->arena, cap, sizeof(*nt), &fa->rc);

			if (nt == NULL)
				return 1;
			if (fa->ntopics)
				memcpy(nt, fa->topics, fa->ntopics * sizeof(*nt));
			fa->topics = nt;
			fa->cap = cap;
		}
		t = &fa->topics[fa->ntopics++];
		memset(t, 0, sizeof(*t));
		t->name = str_slice(topic);
	}
	np = fl_kp_arena_alloc(&fa->req->arena, t->nparts + 1, sizeof(*np), &fa->rc);
	if (np == NULL)
		return 1;
	if (t->nparts)
		memcpy(np, t->parts, t->nparts * sizeof(*np));
	memset(&np[t->nparts], 0, sizeof(*np));
	np[t->nparts].index = partition;
	np[t->nparts].committed_offset = oc->offset;
	np[t->nparts].committed_leader_epoch = oc->leader_epoch;
	np[t->nparts].metadata = oc->metadata ? str_slice(oc->metadata) : str_slice("");
	t->parts = np;
	t->nparts++;
	return 0;
}

static int
h_offset_fetch(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_kp_offset_fetch_req *r = &req->u.offset_fetch;
	struct fl_kp_offset_fetch_resp resp;
	size_t i, j, from;
	int rc = 0;

	memset(&resp, 0, sizeof(resp));
	if (r->is_all_topics) {
		struct fetch_all fa = { req, NULL, 0, 0, 0 };

		fl_offsets_each(&b->gs->offs, r->group_id, fetch_all_cb, &fa);
		if (fa.rc != 0)
			return -1;
		resp.topics = fa.topics;
		resp.ntopics = fa.ntopics;
	} else {
		struct fl_kp_offset_fetch_topic_resp *tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);

		if (rc != 0)
			return -1;
		for (i = 0; i < r->ntopics; i++) {
			const struct fl_kp_offset_fetch_topic *t = &r->topics[i];
			struct fl_kp_offset_fetch_part_resp *pr = kafka_arena(req, t->nparts, sizeof(*pr), &rc);

			if (rc != 0)
				return -1;
			tr[i].name = t->name;
			tr[i].parts = pr;
			tr[i].nparts = t->nparts;
			for (j = 0; j < t->nparts; j++) {
				struct fl_offset_commit oc;

				memset(&pr[j], 0, sizeof(pr[j]));
				pr[j].index = t->parts[j];
				pr[j].committed_offset = -1;
				pr[j].committed_leader_epoch = -1;
				pr[j].metadata = str_slice("");
				if (fl_offsets_get(&b->gs->offs, r->group_id, t->name, t->parts[j], &oc)) {
					pr[j].committed_offset = oc.offset;
					pr[j].committed_leader_epoch = oc.leader_epoch;
					pr[j].metadata = oc.metadata ? str_slice(oc.metadata) :
					    (struct fl_slice){ NULL, 0 };
				}
			}
		}
		resp.topics = tr;
		resp.ntopics = r->ntopics;
	}
	from = c->out.len;
	return kafka_finish(b, c, from, fl_kp_offset_fetch_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp), 0);
}

static int
h_list_groups(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	struct fl_kp_list_groups_resp resp;
	struct fl_kp_listed_group *lg;
	size_t i, n = fl_grp_count(&b->gs->grp), from;
	int rc = 0;

	lg = kafka_arena(req, n, sizeof(*lg), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&b->gs->grp, i, &info);
		lg[i].group_id = str_slice(info.group_id);
		lg[i].protocol_type = str_slice(info.protocol_type);
	}
	memset(&resp, 0, sizeof(resp));
	resp.groups = lg;
	resp.ngroups = n;
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
		if (fl_grp_find(&b->gs->grp, r->groups[i], &info) != 0) {
			dg[i].state = str_slice("Dead");
			dg[i].protocol_type = str_slice("");
			dg[i].protocol_data = str_slice("");
			continue;
		}
		dg[i].state = str_slice(fl_grp_state_name(info.state));
		dg[i].protocol_type = str_slice(info.protocol_type);
		dg[i].protocol_data = str_slice(info.protocol);
		dm = kafka_arena(req, info.nmembers, sizeof(*dm), &rc);
		if (rc != 0)
			return -1;
		for (j = 0; j < info.nmembers; j++) {
			struct fl_grp_member_info mi;

			memset(&dm[j], 0, sizeof(dm[j]));
			if (fl_grp_member_at(&b->gs->grp, r->groups[i], j, &mi) != 0)
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

int
group_handle(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
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
	size_t i, n = fl_grp_count(&b->gs->grp);

	admin_say(c, "group\tstate\tgeneration\tprotocol_type\tprotocol\tmembers\n");
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&b->gs->grp, i, &info);
		admin_say(c, "%s\t%s\t%d\t%s\t%s\t%zu\n", info.group_id,
		    fl_grp_state_name(info.state), (int)info.generation,
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
	struct part *p = store_part(ao->b, topic, strlen(topic), partition);
	long long end = p ? (long long)part_hw(p) : -1;

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

	if (fl_grp_find(&b->gs->grp, g, &info) != 0) {
		admin_say(c, "error: no group %s\n", name);
		return;
	}
	admin_say(c, "group\t%s\tstate\t%s\tgeneration\t%d\tprotocol\t%s\tleader\t%s\n",
	    info.group_id, fl_grp_state_name(info.state), (int)info.generation,
	    info.protocol[0] ? info.protocol : "-", info.leader[0] ? info.leader : "-");
	for (j = 0; j < info.nmembers; j++) {
		struct fl_grp_member_info mi;
		char text[768];

		if (fl_grp_member_at(&b->gs->grp, g, j, &mi) != 0)
			continue;
		assignment_text(text, sizeof(text), mi.assignment, mi.assignment_len);
		admin_say(c, "member\t%s\t%s\t%s\t%s\n", mi.member_id,
		    mi.client_id[0] ? mi.client_id : "-", mi.instance_id ? mi.instance_id : "-", text);
	}
	fl_offsets_each(&b->gs->offs, g, admin_offset_cb, &ao);
	admin_say(c, "ok\n");
}
