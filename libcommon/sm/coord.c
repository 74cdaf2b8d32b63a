/*
 * coord.c: the coordinator: group state machine + committed offsets + the
 * records that keep them in __consumer_offsets-0.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/batch.h"
#include "codec/cproto.h"
#include "sm/coord.h"

#define OUT_BYTES_MAX (256u << 20)

struct fl_coord_seen {
	char *group;
	int32_t generation;		/* written: a group record of this generation */
};

struct fl_coord_pending {
	char *group, *topic;
	int32_t partition;
	struct fl_offset_commit oc;	/* metadata owned */
	uint64_t record;		/* its index in the output, then its log offset */
};

/* A record key/value pair is built in these before it joins a batch. */
struct kvbuf {
	struct fl_wr k, v;
};

static struct fl_slice
str_slice(const char *s)
{
	return (struct fl_slice){ (const uint8_t *)s, s ? strlen(s) : 0 };
}


void
fl_coord_config_default(struct fl_coord_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	fl_grp_config_default(&cfg->grp);
	cfg->compact_bytes = 64u << 20;
}

void
fl_coord_init(struct fl_coord *c, const struct fl_coord_config *cfg)
{
	memset(c, 0, sizeof(*c));
	if (cfg != NULL)
		c->cfg = *cfg;
	else
		fl_coord_config_default(&c->cfg);
	fl_grp_init(&c->grp, &c->cfg.grp);
	fl_offsets_init(&c->offs);
	fl_wr_init(&c->out, OUT_BYTES_MAX);
	fl_wr_init(&c->bkv, OUT_BYTES_MAX);
}

static void
pending_free(struct fl_coord_pending *p)
{
	free(p->group);
	free(p->topic);
	free((char *)(uintptr_t)p->oc.metadata);
}

void
fl_coord_free(struct fl_coord *c)
{
	size_t i;

	fl_grp_free(&c->grp);
	fl_offsets_free(&c->offs);
	for (i = 0; i < c->nseen; i++)
		free(c->seen[i].group);
	free(c->seen);
	for (i = 0; i < c->npend; i++)
		pending_free(&c->pend[i]);
	free(c->pend);
	fl_wr_free(&c->out);
	fl_wr_free(&c->bkv);
	memset(c, 0, sizeof(*c));
}

/* ---- output ---- */

static void
out_reset(struct fl_coord *c)
{
	fl_wr_reset(&c->out);
	c->out_batches = 0;
	c->out_roll = 0;
	c->out_has_delete = 0;
	c->out_records = 0;
	fl_wr_reset(&c->bkv);
	c->bkv_n = 0;
}

/*
 * Every record says it is in Kafka's schemas: legacy records (flume's own
 * layout, before) look alike byte for byte, and did not say so.
 */
static const struct fl_record_header schema_header = {
	{ (const uint8_t *)FL_OFFSETS_HEADER_KEY, sizeof(FL_OFFSETS_HEADER_KEY) - 1 },
	{ (const uint8_t *)FL_OFFSETS_HEADER_VALUE, sizeof(FL_OFFSETS_HEADER_VALUE) - 1 },
};

/* 1 if a stored record carries schema_header. */
static int
is_kafka_schema(const struct fl_record *rec)
{
	struct fl_rd h;
	struct fl_record_header x;

	fl_rd_init(&h, rec->headers.p, rec->headers.len);
	while (fl_record_header_next(&h, &x) == 1)
		if (x.key.len == schema_header.key.len &&
		    memcmp(x.key.p, schema_header.key.p, x.key.len) == 0 &&
		    x.value.p != NULL && x.value.len == schema_header.value.len &&
		    memcmp(x.value.p, schema_header.value.p, x.value.len) == 0)
			return 1;
	return 0;
}

/* Build the gathered records into one batch at the end of the output. */
static void
out_flush(struct fl_coord *c)
{
	struct fl_batch_builder bb;
	struct fl_rd r;
	size_t before = c->out.len;

	if (c->bkv_n == 0)
		return;
	fl_batch_begin(&bb, &c->out, c->out_ts, -1, -1, -1, 0);
	fl_rd_init(&r, c->bkv.p, c->bkv.len);
	while (fl_rd_left(&r) > 0) {
		struct fl_slice k, v;

		if (fl_rd_bytes(&r, &k) != 0 || fl_rd_nbytes(&r, &v) != 0)
			break;
		(void)fl_batch_add(&bb, c->out_ts, &k, &v, &schema_header, 1);
	}
	if (fl_batch_end(&bb) != 0)
		c->out.len = before;	/* out.err stays set: the call's output fails */
	else
		c->out_batches++;
	fl_wr_reset(&c->bkv);
	c->bkv_n = 0;
}

/*
 * Add one record to the output; records are gathered into batches of at
 * most FL_COORD_SNAP_RECORDS_PER_BATCH.  Returns the record's index in the
 * output (its log offset is the output's base offset plus that), or -1
 * when it could not be added.
 */
static long
out_record(struct fl_coord *c, const struct fl_wr *k, const struct fl_wr *v)
{
	if (k->err != 0 || (v != NULL && v->err != 0) || c->out.err != 0 ||
	    k->len > INT32_MAX || (v != NULL && v->len > INT32_MAX))
		return -1;
	fl_wr_i32(&c->bkv, (int32_t)k->len);
	fl_wr_raw(&c->bkv, k->p, k->len);
	fl_wr_i32(&c->bkv, v != NULL ? (int32_t)v->len : -1);
	if (v != NULL)
		fl_wr_raw(&c->bkv, v->p, v->len);
	if (c->bkv.err != 0)
		return -1;
	c->bkv_n++;
	/* group records with members can be large: bytes close a batch too */
	if (c->bkv_n == FL_COORD_SNAP_RECORDS_PER_BATCH || c->bkv.len >= FL_COORD_BATCH_BYTES)
		out_flush(c);
	return (long)c->out_records++;
}

const struct fl_coord_out *
fl_coord_out(struct fl_coord *c, struct fl_coord_out *out)
{
	out_flush(c);
	memset(out, 0, sizeof(*out));
	out->roll_first = c->out_roll;
	out->batches = c->out.p;
	out->len = c->out.len;
	out->nbatches = c->out_batches;
	out->has_delete = c->out_has_delete;
	out->delete_before = c->out_delete_before;
	return out;
}

const struct fl_grp_resp *
fl_coord_answers(const struct fl_coord *c, size_t *n)
{
	return fl_grp_out(&c->grp, n);
}

/* ---- generations ---- */

static struct fl_coord_seen *
seen_find(struct fl_coord *c, const char *group)
{
	size_t j;

	for (j = 0; j < c->nseen; j++)
		if (strcmp(c->seen[j].group, group) == 0)
			return &c->seen[j];
	return NULL;
}

static struct fl_coord_seen *
seen_add(struct fl_coord *c, const char *group, int32_t generation)
{
	struct fl_coord_seen *s;

	if (c->nseen == c->seen_cap) {
		size_t cap = c->seen_cap ? c->seen_cap * 2 : 16;
		struct fl_coord_seen *ns = realloc(c->seen, cap * sizeof(*ns));

		if (ns == NULL)
			return NULL;
		c->seen = ns;
		c->seen_cap = cap;
	}
	s = &c->seen[c->nseen];
	s->group = strdup(group);
	if (s->group == NULL)
		return NULL;
	s->generation = generation;
	c->nseen++;
	return s;
}

/* A string the state machine keeps ("" for none) as a nullable one. */
static struct fl_slice
null_if_empty(const char *s)
{
	return s != NULL && *s != '\0' ? str_slice(s) : (struct fl_slice){ NULL, 0 };
}

/*
 * A group metadata record (Kafka's GroupMetadataValue v3) of the group as
 * it is now: written when a join round ends (members with their
 * subscriptions, no assignments yet: the state machine drops the old ones
 * then; see after_group_call) and in compaction snapshots (with the
 * assignments of a Stable group).  Members are
 * left out when there is no memory for their list, or when with them the
 * value would pass FL_COORD_GROUP_VALUE_MAX (Kafka would refuse the
 * SyncGroup then; flume keeps the group going and loses only what readers
 * of the topic would have seen of its members).
 */
static void
out_group_record(struct fl_coord *c, const struct fl_grp_info *info)
{
	struct fl_offsets_group g;
	struct fl_offsets_member *m = NULL;
	struct fl_wr k, v;
	size_t j, n = 0;

	memset(&g, 0, sizeof(g));
	g.protocol_type = str_slice(info->protocol_type ? info->protocol_type : "");
	g.generation = info->generation;
	g.protocol = null_if_empty(info->protocol);
	g.leader = null_if_empty(info->leader);
	g.state_ms = c->out_ts;
	if (info->nmembers > 0 && (m = calloc(info->nmembers, sizeof(*m))) != NULL) {
		for (j = 0; j < info->nmembers; j++) {
			struct fl_grp_member_info mi;

			if (fl_grp_member_at(&c->grp, str_slice(info->group_id), j, &mi) != 0)
				break;
			m[n].member_id = str_slice(mi.member_id);
			m[n].instance_id = mi.instance_id != NULL ? str_slice(mi.instance_id) :
			    (struct fl_slice){ NULL, 0 };
			m[n].client_id = str_slice(mi.client_id);
			m[n].client_host = str_slice(mi.client_host);
			m[n].rebalance_ms = mi.rebalance_ms;
			m[n].session_ms = mi.session_ms;
			m[n].subscription = (struct fl_slice){ mi.metadata, mi.metadata_len };
			m[n].assignment = (struct fl_slice){ mi.assignment, mi.assignment_len };
			n++;
		}
	}
	g.members = m;
	g.nmembers = n;
	fl_wr_init(&k, 1 << 16);
	fl_wr_init(&v, FL_COORD_GROUP_VALUE_MAX);	/* past it: FL_EFULL, no members */
	fl_offsets_key_group(&k, str_slice(info->group_id));
	fl_offsets_value_group(&v, &g);
	if (v.err != 0) {
		fl_wr_reset(&v);
		g.nmembers = 0;
		fl_offsets_value_group(&v, &g);
	}
	(void)out_record(c, &k, &v);
	fl_wr_free(&k);
	fl_wr_free(&v);
	free(m);
}

/* Write a group record for every group whose generation moved on. */
static void
persist_generations(struct fl_coord *c)
{
	size_t i, n = fl_grp_count(&c->grp);

	for (i = 0; i < n; i++) {
		struct fl_grp_info info;
		struct fl_coord_seen *s;

		fl_grp_info_at(&c->grp, i, &info);
		s = seen_find(c, info.group_id);
		if (s != NULL && s->generation >= info.generation)
			continue;
		if (s == NULL && info.generation == 0)
			continue;
		if (s == NULL && (s = seen_add(c, info.group_id, info.generation)) == NULL)
			return;
		s->generation = info.generation;
		out_group_record(c, &info);
	}
}

/*
 * After a group call: generations move only when a join round ends, with
 * answers.  One group record per generation, written then: a second one
 * after the leader's SyncGroup (with the assignments, as Kafka writes) made
 * flume-sim find seed 8718 and more disk-any seeds (a storage limit the
 * extra appends reach sooner, not a fault of the record): the assignments
 * reach the log in compaction snapshots only, until that is fixed.
 */
static void
after_group_call(struct fl_coord *c)
{
	const struct fl_grp_resp *r;
	size_t n, i;

	r = fl_grp_out(&c->grp, &n);
	for (i = 0; i < n; i++)
		if (r[i].kind == FL_GRP_RESP_JOIN && r[i].error == 0) {
			persist_generations(c);
			return;
		}
}

static void
begin_call(struct fl_coord *c, int64_t wall_ms)
{
	FL_ASSERT(c->pend_unstored == 0);	/* fl_coord_stored was called */
	out_reset(c);
	c->out_ts = wall_ms;
}

/* ---- start-up ---- */

static void
apply_commit(struct fl_coord *c, struct fl_slice group, struct fl_slice topic,
    int32_t partition, const struct fl_offset_commit *oc)
{
	(void)fl_offsets_put(&c->offs, group, topic, partition, oc);
	(void)fl_grp_ensure(&c->grp, group);
}

void
fl_coord_replay(struct fl_coord *c, const uint8_t *batch, size_t n)
{
	struct fl_record_iter it;
	struct fl_record rec;

	if (fl_record_iter_init(&it, batch, n) != 0)
		return;
	while (fl_record_next(&it, &rec) == 1) {
		struct fl_offsets_rec r;
		int is_kafka = is_kafka_schema(&rec);
		int rc = is_kafka ? fl_offsets_decode(rec.key, rec.value, &r) :
		    fl_offsets_decode_legacy(rec.key, rec.value, &r);

		if (rc != 0) {
			c->skipped++;
			continue;
		}
		c->replayed++;
		if (r.kind == FL_OFFSETS_REC_COMMIT && r.is_tombstone) {
			fl_offsets_del(&c->offs, r.group, r.topic, r.partition);
		} else if (r.kind == FL_OFFSETS_REC_COMMIT) {
			char *md = NULL;
			struct fl_offset_commit oc = { r.offset, r.leader_epoch, NULL, r.commit_ms,
			    !is_kafka };

			if (r.metadata.p != NULL && (md = fl_slice_dup(r.metadata)) != NULL)
				oc.metadata = md;
			apply_commit(c, r.group, r.topic, r.partition, &oc);
			free(md);
		} else if (r.kind == FL_OFFSETS_REC_GROUP && !r.is_tombstone) {
			(void)fl_grp_restore(&c->grp, r.group, r.g.generation, r.g.protocol_type,
			    r.g.protocol);
		} else if (r.kind == FL_OFFSETS_REC_GROUP) {
			(void)fl_grp_forget(&c->grp, r.group);	/* DeleteGroups */
		}
	}
}

int
fl_coord_replay_done(struct fl_coord *c, uint64_t end)
{
	size_t i, n = fl_grp_count(&c->grp);

	c->durable = end;
	/* what was replayed is already on disk */
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&c->grp, i, &info);
		if (seen_add(c, info.group_id, info.generation) == NULL)
			return FL_ENOMEM;
	}
	return 0;
}

/* ---- storing and durability ---- */

void
fl_coord_stored(struct fl_coord *c, int rc, uint64_t base_offset, uint64_t end_offset)
{
	size_t i, first = c->npend - c->pend_unstored;

	if (rc != 0) {
		for (i = first; i < c->npend; i++)
			pending_free(&c->pend[i]);
		c->npend = first;
	} else {
		for (i = first; i < c->npend; i++)
			c->pend[i].record += base_offset;
	}
	c->pend_unstored = 0;
	if (c->is_snap_writing) {
		c->is_snap_writing = 0;
		if (rc == 0) {
			c->snap_start = base_offset;
			c->snap_end = end_offset;
			c->is_snap_pending = 1;
			c->next_compact_ms = 0;	/* look again at the next tick */
		}
	}
	out_reset(c);
}

void
fl_coord_deleted(struct fl_coord *c, int rc)
{
	(void)rc;	/* a failed delete leaves old records, which replay over */
	c->is_snap_pending = 0;
	c->out_has_delete = 0;
}

void
fl_coord_durable(struct fl_coord *c, uint64_t end)
{
	size_t i, k = 0;

	if (end <= c->durable)
		return;
	c->durable = end;
	for (i = 0; i < c->npend - c->pend_unstored; i++) {
		struct fl_coord_pending *p = &c->pend[i];

		if (p->record < end) {
			apply_commit(c, str_slice(p->group), str_slice(p->topic), p->partition,
			    &p->oc);
			pending_free(p);
		} else {
			c->pend[k++] = *p;
		}
	}
	for (; i < c->npend; i++)
		c->pend[k++] = c->pend[i];
	c->npend = k;
}

/* ---- requests ---- */

int
fl_coord_join(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_grp_join_req *req)
{
	int rc;

	begin_call(c, wall_ms);
	rc = fl_grp_join(&c->grp, now_ms, req);
	after_group_call(c);
	return rc;
}

int
fl_coord_sync(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_grp_sync_req *req)
{
	int rc;

	begin_call(c, wall_ms);
	rc = fl_grp_sync(&c->grp, now_ms, req);
	after_group_call(c);
	return rc;
}

int
fl_coord_heartbeat(struct fl_coord *c, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation)
{
	int rc;

	begin_call(c, c->out_ts);
	rc = fl_grp_heartbeat(&c->grp, now_ms, group_id, member_id, instance_id, generation);
	after_group_call(c);
	return rc;
}

int
fl_coord_leave(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    struct fl_slice group_id, struct fl_slice member_id, struct fl_slice instance_id)
{
	int rc;

	begin_call(c, wall_ms);
	rc = fl_grp_leave(&c->grp, now_ms, group_id, member_id, instance_id);
	after_group_call(c);
	return rc;
}

static int
pending_add(struct fl_coord *c, struct fl_slice group, const struct fl_coord_commit_part *p,
    int64_t wall_ms, uint64_t record)
{
	struct fl_coord_pending *e;

	if (c->npend == c->pend_cap) {
		size_t cap = c->pend_cap ? c->pend_cap * 2 : 64;
		struct fl_coord_pending *np = realloc(c->pend, cap * sizeof(*np));

		if (np == NULL)
			return FL_ENOMEM;
		c->pend = np;
		c->pend_cap = cap;
	}
	e = &c->pend[c->npend];
	memset(e, 0, sizeof(*e));
	e->group = fl_slice_dup(group);
	e->topic = fl_slice_dup(p->topic);
	/* null metadata is "", as Kafka stores it (its schema has no null) */
	e->oc.metadata = p->metadata.p != NULL ? fl_slice_dup(p->metadata) : strdup("");
	if (e->group == NULL || e->topic == NULL || e->oc.metadata == NULL) {
		pending_free(e);
		return FL_ENOMEM;
	}
	e->partition = p->partition;
	e->oc.offset = p->offset;
	e->oc.leader_epoch = p->leader_epoch;
	e->oc.commit_ms = wall_ms;
	e->record = record;
	c->npend++;
	c->pend_unstored++;
	return 0;
}

int
fl_coord_commit(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    struct fl_slice group_id, struct fl_slice member_id, struct fl_slice instance_id,
    int32_t generation, struct fl_coord_commit_part *parts, size_t n)
{
	int16_t gerr;
	size_t i;

	begin_call(c, wall_ms);
	gerr = (int16_t)fl_grp_commit_check(&c->grp, now_ms, group_id, member_id,
	    instance_id, generation);
	if (gerr < 0)
		gerr = FL_KERR_COORDINATOR_NOT_AVAILABLE;
	after_group_call(c);
	for (i = 0; i < n; i++) {
		struct fl_coord_commit_part *p = &parts[i];
		struct fl_wr k, v;
		char md[FL_OFFSETS_METADATA_MAX + 1];
		struct fl_offset_commit oc = { p->offset, p->leader_epoch, NULL, wall_ms, 0 };
		long idx;

		p->error = gerr;
		if (gerr != 0)
			continue;
		if (!p->is_known) {
			p->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		if (p->metadata.p != NULL && p->metadata.len > FL_OFFSETS_METADATA_MAX) {
			p->error = FL_KERR_OFFSET_METADATA_TOO_LARGE;
			continue;
		}
		if (p->metadata.p != NULL) {
			memcpy(md, p->metadata.p, p->metadata.len);
			md[p->metadata.len] = '\0';
			oc.metadata = md;
		}
		fl_wr_init(&k, 1 << 16);
		fl_wr_init(&v, 1 << 16);
		fl_offsets_key_commit(&k, group_id, p->topic, p->partition);
		fl_offsets_value_commit(&v, &oc);
		idx = out_record(c, &k, &v);
		fl_wr_free(&k);
		fl_wr_free(&v);
		if (idx < 0 || pending_add(c, group_id, p, wall_ms, (uint64_t)idx) != 0)
			p->error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
	}
	return 0;
}

int
fl_coord_commit_result(struct fl_coord *c, int stored_rc, struct fl_coord_commit_part *parts,
    size_t n)
{
	size_t i;
	int any = 0;

	(void)c;
	for (i = 0; i < n; i++) {
		if (parts[i].error != 0 || !parts[i].is_known)
			continue;
		if (stored_rc != 0)
			parts[i].error = FL_KERR_KAFKA_STORAGE_ERROR;
		else
			any = 1;
	}
	return any;
}

/* ---- DeleteGroups and OffsetDelete ---- */

static long
out_tombstone_commit(struct fl_coord *c, struct fl_slice group, struct fl_slice topic,
    int32_t partition)
{
	struct fl_wr k;
	long idx;

	fl_wr_init(&k, 1 << 16);
	fl_offsets_key_commit(&k, group, topic, partition);
	idx = out_record(c, &k, NULL);
	fl_wr_free(&k);
	return idx;
}

/* Drop stored-but-not-durable commits of (group[, topic, partition]). */
static void
pending_drop(struct fl_coord *c, struct fl_slice group, const struct fl_slice *topic,
    int32_t partition)
{
	size_t i = 0;

	while (i < c->npend) {
		struct fl_coord_pending *e = &c->pend[i];

		if (strlen(e->group) == group.len && memcmp(e->group, group.p, group.len) == 0 &&
		    (topic == NULL || (strlen(e->topic) == topic->len &&
		    memcmp(e->topic, topic->p, topic->len) == 0 && e->partition == partition))) {
			pending_free(e);
			memmove(e, e + 1, (c->npend - i - 1) * sizeof(*e));
			c->npend--;
			continue;
		}
		i++;
	}
}

struct odel_list {
	char **topics;
	int32_t *parts;
	size_t n, cap;
	int failed;
};

static int
odel_collect(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *oc)
{
	struct odel_list *l = arg;

	(void)oc;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nt = realloc(l->topics, cap * sizeof(*nt));
		int32_t *np;

		if (nt == NULL)
			return l->failed = 1;
		l->topics = nt;
		if ((np = realloc(l->parts, cap * sizeof(*np))) == NULL)
			return l->failed = 1;
		l->parts = np;
		l->cap = cap;
	}
	if ((l->topics[l->n] = strdup(topic)) == NULL)
		return l->failed = 1;
	l->parts[l->n++] = partition;
	return 0;
}

int16_t
fl_coord_delete_group(struct fl_coord *c, int64_t wall_ms, struct fl_slice group)
{
	struct odel_list l = { NULL, NULL, 0, 0, 0 };
	struct fl_grp_info info;
	struct fl_wr k;
	size_t i;
	int16_t err = 0;

	begin_call(c, wall_ms);
	if (fl_grp_find(&c->grp, group, &info) != 0)
		return FL_KERR_GROUP_ID_NOT_FOUND;
	if (info.state != FL_GRP_EMPTY && info.state != FL_GRP_DEAD)
		return FL_KERR_NON_EMPTY_GROUP;
	if (info.nmembers > 0)
		return FL_KERR_NON_EMPTY_GROUP;
	(void)fl_offsets_each(&c->offs, group, odel_collect, &l);
	/* commits on their way: their records are in the log before ours */
	for (i = 0; i < c->npend && !l.failed; i++)
		if (strlen(c->pend[i].group) == group.len &&
		    memcmp(c->pend[i].group, group.p, group.len) == 0)
			(void)odel_collect(&l, c->pend[i].topic, c->pend[i].partition, NULL);
	for (i = 0; i < l.n && !l.failed; i++)
		if (out_tombstone_commit(c, group, str_slice(l.topics[i]), l.parts[i]) < 0)
			l.failed = 1;
	fl_wr_init(&k, 1 << 16);
	fl_offsets_key_group(&k, group);
	if (l.failed || out_record(c, &k, NULL) < 0) {
		out_reset(c);	/* nothing changes */
		err = FL_KERR_COORDINATOR_NOT_AVAILABLE;
	}
	fl_wr_free(&k);
	if (err == 0 && !fl_grp_forget(&c->grp, group)) {
		out_reset(c);	/* member ids handed out, not joined yet */
		err = FL_KERR_NON_EMPTY_GROUP;
	}
	if (err == 0) {
		for (i = 0; i < l.n; i++)
			fl_offsets_del(&c->offs, group, str_slice(l.topics[i]), l.parts[i]);
		pending_drop(c, group, NULL, 0);
		for (i = 0; i < c->nseen; i++)
			if (strlen(c->seen[i].group) == group.len &&
			    memcmp(c->seen[i].group, group.p, group.len) == 0) {
				free(c->seen[i].group);
				c->seen[i] = c->seen[--c->nseen];
				break;
			}
	}
	for (i = 0; i < l.n; i++)
		free(l.topics[i]);
	free(l.topics);
	free(l.parts);
	return err;
}

/* 1 if a member of the group subscribes to topic (consumer protocol). */
static int
subscribed(const struct fl_coord *c, struct fl_slice group, size_t nmembers,
    struct fl_slice topic)
{
	size_t j, t;

	for (j = 0; j < nmembers; j++) {
		struct fl_grp_member_info m;
		struct fl_cp_sub sub;
		int hit = 0;

		if (fl_grp_member_at(&c->grp, group, j, &m) != 0)
			break;
		if (fl_cp_sub_decode(m.metadata, m.metadata_len, &sub) != 0)
			return 1;	/* unreadable: assume it is (Kafka keeps the offsets) */
		for (t = 0; t < sub.ntopics; t++)
			if (sub.topics[t].len == topic.len &&
			    memcmp(sub.topics[t].p, topic.p, topic.len) == 0)
				hit = 1;
		fl_cp_sub_free(&sub);
		if (hit)
			return 1;
	}
	return 0;
}

int16_t
fl_coord_offset_delete(struct fl_coord *c, int64_t wall_ms, struct fl_slice group,
    struct fl_coord_odel_part *parts, size_t n)
{
	struct fl_grp_info info;
	size_t i;
	int is_consumer;

	begin_call(c, wall_ms);
	if (fl_grp_find(&c->grp, group, &info) != 0 || info.state == FL_GRP_DEAD)
		return FL_KERR_GROUP_ID_NOT_FOUND;
	is_consumer = strcmp(info.protocol_type, "consumer") == 0;
	if (info.nmembers > 0 && !is_consumer)
		return FL_KERR_NON_EMPTY_GROUP;
	for (i = 0; i < n; i++) {
		struct fl_coord_odel_part *p = &parts[i];
		struct fl_offset_commit oc;

		p->error = 0;
		if (!p->is_known) {
			p->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		if (info.nmembers > 0 && subscribed(c, group, info.nmembers, p->topic)) {
			p->error = FL_KERR_GROUP_SUBSCRIBED_TO_TOPIC;
			continue;
		}
		if (!fl_offsets_get(&c->offs, group, p->topic, p->partition, &oc)) {
			size_t j;

			for (j = 0; j < c->npend; j++)
				if (strlen(c->pend[j].group) == group.len &&
				    memcmp(c->pend[j].group, group.p, group.len) == 0 &&
				    strlen(c->pend[j].topic) == p->topic.len &&
				    memcmp(c->pend[j].topic, p->topic.p, p->topic.len) == 0 &&
				    c->pend[j].partition == p->partition)
					break;
			if (j == c->npend)
				continue;	/* no commit: nothing to delete */
		}
		if (out_tombstone_commit(c, group, p->topic, p->partition) < 0) {
			p->error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
			continue;
		}
		fl_offsets_del(&c->offs, group, p->topic, p->partition);
		pending_drop(c, group, &p->topic, p->partition);
	}
	return 0;
}

int
fl_coord_is_here(const struct fl_coord_where *w)
{
	return !w->is_cluster || (w->has_part && w->role == FL_ROLE_LEADER);
}

int16_t
fl_coord_find(int8_t key_type, struct fl_slice key, const struct fl_coord_where *w,
    int32_t *node, const char **msg)
{
	*msg = NULL;
	*node = -1;
	if (key_type != 0) {
		*msg = "transactions are not supported";
		return FL_KERR_COORDINATOR_NOT_AVAILABLE;
	}
	if (key.p == NULL || key.len == 0)
		return FL_KERR_INVALID_GROUP_ID;
	if (fl_coord_is_here(w)) {
		*node = w->self;
		return 0;
	}
	if (w->has_part && w->role == FL_ROLE_FOLLOWER && w->leader >= 0 &&
	    w->leader != w->self) {
		*node = w->leader;
		return 0;
	}
	*msg = "no leader of __consumer_offsets-0 is known to this broker";
	return FL_KERR_COORDINATOR_NOT_AVAILABLE;
}

int16_t
fl_coord_commit_error(int16_t perr)
{
	switch (perr) {
	case FL_KERR_NONE:
		return FL_KERR_NONE;
	case FL_KERR_NOT_ENOUGH_REPLICAS:
	case FL_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case FL_KERR_REQUEST_TIMED_OUT:
		return FL_KERR_COORDINATOR_NOT_AVAILABLE;
	default:
		return FL_KERR_NOT_COORDINATOR;
	}
}

/* ---- timers ---- */

struct sweep {
	char **names;		/* candidates: Empty groups, sorted like the coordinator's */
	uint8_t *has_offsets;
	size_t n;
};

static int
mark_offsets(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *oc)
{
	struct sweep *sw = arg;
	size_t lo = 0, hi = sw->n;

	(void)topic; (void)partition; (void)oc;
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
 * in one pass over the commits: O(commits * log groups).  A group with a
 * commit on its way to durability keeps its place.
 */
static void
sweep_groups(struct fl_coord *c)
{
	struct sweep sw = { NULL, NULL, 0 };
	size_t i, j, n = fl_grp_count(&c->grp);

	sw.names = calloc(n + 1, sizeof(*sw.names));
	sw.has_offsets = calloc(n + 1, 1);
	if (sw.names == NULL || sw.has_offsets == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&c->grp, i, &info);
		if (info.state == FL_GRP_EMPTY && info.nmembers == 0 &&
		    (sw.names[sw.n] = strdup(info.group_id)) != NULL)
			sw.n++;
	}
	/* the coordinator lists groups by byte order; strcmp agrees */
	fl_offsets_all(&c->offs, mark_offsets, &sw);
	for (i = 0; i < c->npend; i++)
		(void)mark_offsets(&sw, c->pend[i].group, NULL, 0, NULL);
	for (i = 0; i < sw.n; i++) {
		if (sw.has_offsets[i] || !fl_grp_forget(&c->grp, str_slice(sw.names[i])))
			continue;
		for (j = 0; j < c->nseen; j++)
			if (strcmp(c->seen[j].group, sw.names[i]) == 0) {
				free(c->seen[j].group);
				c->seen[j] = c->seen[--c->nseen];
				break;
			}
	}
out:
	for (i = 0; i < sw.n; i++)
		free(sw.names[i]);
	free(sw.names);
	free(sw.has_offsets);
}

static int
snap_commit(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *oc)
{
	struct fl_coord *c = arg;
	struct fl_wr k, v;
	long idx;

	fl_wr_init(&k, 1 << 16);
	fl_wr_init(&v, 1 << 16);
	fl_offsets_key_commit(&k, str_slice(group), str_slice(topic), partition);
	fl_offsets_value_commit(&v, oc);
	idx = out_record(c, &k, &v);
	fl_wr_free(&k);
	fl_wr_free(&v);
	return idx < 0;
}

/*
 * Write every live commit (durable, then stored but not yet durable) and
 * every group record into the output, after a roll.  0, or FL_ENOMEM with
 * the output emptied.
 */
static int
snapshot(struct fl_coord *c)
{
	size_t i, n;
	int failed;

	c->out_roll = 1;
	failed = fl_offsets_all(&c->offs, snap_commit, c) != 0;
	for (i = 0; i < c->npend && !failed; i++) {
		const struct fl_coord_pending *p = &c->pend[i];

		failed = snap_commit(c, p->group, p->topic, p->partition, &p->oc);
	}
	n = fl_grp_count(&c->grp);
	for (i = 0; i < n && !failed; i++) {
		struct fl_grp_info info;

		fl_grp_info_at(&c->grp, i, &info);
		if (info.generation > 0)
			out_group_record(c, &info);
	}
	if (failed || c->out.err != 0) {
		out_reset(c);
		return FL_ENOMEM;
	}
	return 0;
}

static int
count_legacy(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *oc)
{
	(void)group; (void)topic; (void)partition;
	*(size_t *)arg += oc->is_legacy != 0;
	return 0;
}

size_t
fl_coord_legacy_count(const struct fl_coord *c)
{
	size_t n = 0;

	(void)fl_offsets_all(&c->offs, count_legacy, &n);
	return n;
}

int
fl_coord_migrate(struct fl_coord *c, int64_t wall_ms)
{
	begin_call(c, wall_ms);
	return snapshot(c);
}

/*
 * Keep __consumer_offsets-0 from growing with every commit: roll it, write
 * every live commit and group record again (a snapshot), and once the
 * snapshot is durable delete the segments before it.  A crash in between
 * leaves old records and snapshot both, which replay in order to the same
 * state.  Commits stored but not yet durable are in the old segments:
 * they go into the snapshot too, after the durable ones, so replay ends
 * with the newest.
 */
static void
compact(struct fl_coord *c, const struct fl_coord_log *log)
{
	uint64_t live, threshold;

	if (log->is_busy)
		return;
	if (c->is_snap_pending) {
		if (c->durable < c->snap_end)
			return;	/* not durable yet */
		c->out_has_delete = 1;
		c->out_delete_before = c->snap_start;
		return;
	}
	live = (uint64_t)fl_offsets_count(&c->offs) + fl_grp_count(&c->grp) + c->npend;
	threshold = c->cfg.compact_bytes;
	if (threshold < live * 128 * 8)
		threshold = live * 128 * 8;	/* a snapshot is at most 1/8 of what it frees */
	if (log->bytes <= threshold || log->log_end == log->log_start)
		return;
	if (snapshot(c) != 0)
		return;		/* nothing is deleted: the old records still hold */
	c->is_snap_writing = 1;
}

int
fl_coord_tick(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_coord_log *log)
{
	int rc = 0;

	begin_call(c, wall_ms);
	if ((int64_t)now_ms >= c->next_sweep_ms) {
		sweep_groups(c);
		c->next_sweep_ms = (int64_t)now_ms + FL_COORD_SWEEP_MS;
	}
	if (now_ms >= fl_grp_next_wake(&c->grp)) {
		rc = fl_grp_tick(&c->grp, now_ms);
		after_group_call(c);
	}
	if ((int64_t)now_ms >= c->next_compact_ms) {
		if (log != NULL && c->out.len == 0)
			compact(c, log);
		/* a pending snapshot is one sync round from done: look again soon */
		c->next_compact_ms = (int64_t)now_ms + (c->is_snap_pending ? 50 : 2000);
	}
	return rc;
}

uint64_t
fl_coord_next_wake(const struct fl_coord *c)
{
	uint64_t t = fl_grp_next_wake(&c->grp);

	if (c->next_sweep_ms >= 0 && (uint64_t)c->next_sweep_ms < t)
		t = (uint64_t)c->next_sweep_ms;
	if (c->next_compact_ms >= 0 && (uint64_t)c->next_compact_ms < t)
		t = (uint64_t)c->next_compact_ms;
	return t;
}

void
fl_coord_drop(struct fl_coord *c, uint64_t mask, uint64_t value)
{
	fl_grp_drop_tokens(&c->grp, mask, value);
}

/* ---- lookups ---- */

const char *
fl_coord_state_name(enum fl_grp_state st)
{
	return fl_grp_state_name(st);
}

size_t
fl_coord_group_count(const struct fl_coord *c)
{
	return fl_grp_count(&c->grp);
}

size_t
fl_coord_commit_count(const struct fl_coord *c)
{
	return fl_offsets_count(&c->offs);
}

int
fl_coord_commits_all(const struct fl_coord *c, fl_offsets_all_fn fn, void *arg)
{
	return fl_offsets_all(&c->offs, fn, arg);
}

void
fl_coord_group_at(const struct fl_coord *c, size_t i, struct fl_grp_info *info)
{
	fl_grp_info_at(&c->grp, i, info);
}

int
fl_coord_group_find(const struct fl_coord *c, struct fl_slice group_id,
    struct fl_grp_info *info)
{
	return fl_grp_find(&c->grp, group_id, info);
}

int
fl_coord_member_at(const struct fl_coord *c, struct fl_slice group_id, size_t j,
    struct fl_grp_member_info *info)
{
	return fl_grp_member_at(&c->grp, group_id, j, info);
}

int
fl_coord_offset_get(const struct fl_coord *c, struct fl_slice group, struct fl_slice topic,
    int32_t partition, struct fl_offset_commit *oc)
{
	return fl_offsets_get(&c->offs, group, topic, partition, oc);
}

int
fl_coord_offsets_each(const struct fl_coord *c, struct fl_slice group, fl_offsets_fn fn,
    void *arg)
{
	return fl_offsets_each(&c->offs, group, fn, arg);
}
