/*
 * kclient.c: client-side Kafka codec.  Field order follows
 * shared/kafka-subset.md §2 table by table; "vN+" comments name the first
 * version that has a field.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/kclient.h"

/* ---- version table ---- */

static const struct {
	int16_t key, min, max;
	const char *name;
} apis[] = {
	{ FL_KC_PRODUCE, 3, 7, "Produce" },
	{ FL_KC_FETCH, 4, 11, "Fetch" },
	{ FL_KC_LIST_OFFSETS, 1, 3, "ListOffsets" },
	{ FL_KC_METADATA, 1, 6, "Metadata" },
	{ FL_KC_OFFSET_COMMIT, 2, 7, "OffsetCommit" },
	{ FL_KC_OFFSET_FETCH, 1, 5, "OffsetFetch" },
	{ FL_KC_FIND_COORDINATOR, 0, 2, "FindCoordinator" },
	{ FL_KC_JOIN_GROUP, 0, 5, "JoinGroup" },
	{ FL_KC_HEARTBEAT, 0, 3, "Heartbeat" },
	{ FL_KC_LEAVE_GROUP, 0, 3, "LeaveGroup" },
	{ FL_KC_SYNC_GROUP, 0, 3, "SyncGroup" },
	{ FL_KC_DESCRIBE_GROUPS, 0, 4, "DescribeGroups" },
	{ FL_KC_LIST_GROUPS, 0, 2, "ListGroups" },
	{ FL_KC_API_VERSIONS, 0, 2, "ApiVersions" },
	{ FL_KC_INIT_PRODUCER_ID, 0, 1, "InitProducerId" },
	{ FL_KC_OFFSET_FOR_LEADER_EPOCH, 0, 3, "OffsetForLeaderEpoch" },
	{ FL_KC_SASL_HANDSHAKE, 0, 1, "SaslHandshake" },
	{ FL_KC_SASL_AUTHENTICATE, 0, 1, "SaslAuthenticate" },
};

static int
api_find(int16_t key)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(apis); i++)
		if (apis[i].key == key)
			return (int)i;
	return -1;
}

int16_t
fl_kc_api_min(int16_t key)
{
	int i = api_find(key);

	return i < 0 ? -1 : apis[i].min;
}

int16_t
fl_kc_api_max(int16_t key)
{
	int i = api_find(key);

	return i < 0 ? -1 : apis[i].max;
}

const char *
fl_kc_api_name(int16_t key)
{
	int i = api_find(key);

	return i < 0 ? "?" : apis[i].name;
}

void
fl_kc_negotiate(const struct fl_kc_api_versions_resp *r, struct fl_kc_vers *out)
{
	size_t i, j;

	for (i = 0; i < FL_ARRAY_LEN(out->v); i++)
		out->v[i] = -1;
	for (j = 0; j < r->napis; j++) {
		const struct fl_kc_api_range *b = &r->apis[j];
		int k = api_find(b->key);
		int16_t hi, lo;

		if (k < 0)
			continue;
		hi = b->max < apis[k].max ? b->max : apis[k].max;
		lo = b->min > apis[k].min ? b->min : apis[k].min;
		out->v[b->key] = hi >= lo ? hi : -1;
	}
}

/* ---- framing ---- */

int
fl_kc_frame_size(const uint8_t *p, size_t n, size_t size_max, size_t *size)
{
	int32_t v;

	if (n < 4)
		return FL_ESHORT;
	v = (int32_t)fl_load_be32(p);
	if (v < 4 || (uint64_t)v > size_max)
		return FL_EPROTO;
	*size = (size_t)v;
	return 0;
}

int
fl_kc_resp_corr(const uint8_t *p, size_t n, int32_t *corr)
{
	if (n < 4)
		return FL_ESHORT;
	*corr = (int32_t)fl_load_be32(p);
	return 0;
}

/* ---- arena ---- */

/* Zeroed room for count elements of size bytes; NULL for count 0. */
static int
arena_array(struct fl_arena *a, size_t count, size_t size, void **out)
{
	int rc;

	/* a zeroed arena (the old "struct fl_arena a = { 0 }") gets the cap */
	if (a->bytes_max == 0 && a->head == NULL)
		a->bytes_max = FL_KC_ARENA_BYTES_MAX;
	*out = fl_arena_alloc(a, count, size, &rc);
	return rc;
}

/* ---- encoding helpers ---- */

/* Size prefix placeholder and request header v1; FL_EINVAL for a bad version. */
static int
req_begin(struct fl_wr *w, int16_t key, const struct fl_kc_hdr *h, size_t *start)
{
	int i = api_find(key);
	const char *cid = h->client_id;

	if (i < 0 || h->version < apis[i].min || h->version > apis[i].max)
		return FL_EINVAL;
	*start = w->len;
	fl_wr_i32(w, 0);
	fl_wr_i16(w, key);
	fl_wr_i16(w, h->version);
	fl_wr_i32(w, h->corr);
	if (cid == NULL)
		fl_wr_i16(w, -1);
	else
		fl_wr_cstr(w, cid);
	return 0;
}

static int
req_end(struct fl_wr *w, size_t start)
{
	size_t n;

	if (w->err != 0)
		return w->err;
	n = w->len - start - 4;
	if (n > INT32_MAX) {
		w->err = FL_ERANGE;
		return w->err;
	}
	fl_wr_patch_i32(w, start, (int32_t)n);
	return w->err;
}

static void
wr_count(struct fl_wr *w, size_t n)
{
	if (n > INT32_MAX) {
		if (w->err == 0)
			w->err = FL_ERANGE;
		return;
	}
	fl_wr_i32(w, (int32_t)n);
}

static void
wr_nstr(struct fl_wr *w, const char *s)
{
	if (s == NULL)
		fl_wr_i16(w, -1);
	else
		fl_wr_cstr(w, s);
}

static void
wr_slice_bytes(struct fl_wr *w, const struct fl_slice *s)
{
	/* a zero-length non-null slice may carry p == NULL from a caller */
	if (s->p == NULL && s->len == 0)
		fl_wr_i32(w, 0);
	else
		fl_wr_bytes(w, s->p, s->len);
}

static void
wr_nslice_bytes(struct fl_wr *w, const struct fl_slice *s)
{
	fl_wr_bytes(w, s->p, s->len);	/* p NULL: -1 */
}

/* ---- decoding helpers ---- */

#define TRY(x) do { int rc_ = (x); if (rc_ != 0) return rc_; } while (0)

static int
resp_begin(struct fl_rd *r, const uint8_t *p, size_t n)
{
	int32_t corr;

	fl_rd_init(r, p, n);
	return fl_rd_i32(r, &corr);
}

static int
resp_end(const struct fl_rd *r)
{
	return fl_rd_left(r) == 0 ? 0 : FL_EPROTO;
}

/* Array count plus zeroed storage for it. */
static int
rd_array(struct fl_rd *r, struct fl_arena *a, size_t min_elem_bytes,
    size_t elem_size, void **out, size_t *count)
{
	int32_t c;

	TRY(fl_rd_array(r, min_elem_bytes, &c));
	*count = (size_t)c;
	return arena_array(a, (size_t)c, elem_size, out);
}

static int
rd_i32_array(struct fl_rd *r, struct fl_arena *a, int32_t **out, size_t *count)
{
	size_t i;

	TRY(rd_array(r, a, 4, sizeof(int32_t), (void **)out, count));
	for (i = 0; i < *count; i++)
		TRY(fl_rd_i32(r, &(*out)[i]));
	return 0;
}

static int
rd_bool(struct fl_rd *r, int *v)
{
	int8_t b;

	TRY(fl_rd_i8(r, &b));
	*v = b != 0;
	return 0;
}

/* ---- ApiVersions ---- */

int
fl_kc_api_versions_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h)
{
	size_t start;

	TRY(req_begin(w, FL_KC_API_VERSIONS, h, &start));
	return req_end(w, start);
}

int
fl_kc_api_versions_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_api_versions_resp *r)
{
	struct fl_rd rd;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (version < 0 || version > 2)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(rd_array(&rd, a, 6, sizeof(*r->apis), (void **)&r->apis, &r->napis));
	for (i = 0; i < r->napis; i++) {
		TRY(fl_rd_i16(&rd, &r->apis[i].key));
		TRY(fl_rd_i16(&rd, &r->apis[i].min));
		TRY(fl_rd_i16(&rd, &r->apis[i].max));
	}
	/* an UNSUPPORTED_VERSION answer is a v0 body, whatever we asked (§3) */
	if (r->error == FL_KERR_UNSUPPORTED_VERSION && fl_rd_left(&rd) == 0)
		return 0;
	if (version >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	return resp_end(&rd);
}

/* ---- Metadata ---- */

int
fl_kc_metadata_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_metadata_req *req)
{
	size_t start, i;

	TRY(req_begin(w, FL_KC_METADATA, h, &start));
	if (req->topics == NULL) {
		fl_wr_i32(w, -1);		/* v1+: null = all topics */
	} else {
		wr_count(w, req->ntopics);
		for (i = 0; i < req->ntopics; i++)
			fl_wr_cstr(w, req->topics[i]);
	}
	if (h->version >= 4)
		fl_wr_i8(w, req->is_auto_create ? 1 : 0);
	return req_end(w, start);
}

static int
md_partition(struct fl_rd *rd, int16_t v, struct fl_arena *a,
    struct fl_kc_md_partition *pt)
{
	TRY(fl_rd_i16(rd, &pt->error));
	TRY(fl_rd_i32(rd, &pt->index));
	TRY(fl_rd_i32(rd, &pt->leader));
	TRY(rd_i32_array(rd, a, &pt->replicas, &pt->nreplicas));
	TRY(rd_i32_array(rd, a, &pt->isr, &pt->nisr));
	if (v >= 5)
		TRY(rd_i32_array(rd, a, &pt->offline, &pt->noffline));
	return 0;
}

int
fl_kc_metadata_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_metadata_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 1 || v > 6)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 3)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	/* broker: node 4, host 2, port 4, rack 2 */
	TRY(rd_array(&rd, a, 12, sizeof(*r->brokers), (void **)&r->brokers,
	    &r->nbrokers));
	for (i = 0; i < r->nbrokers; i++) {
		struct fl_kc_md_broker *b = &r->brokers[i];

		TRY(fl_rd_i32(&rd, &b->node_id));
		TRY(fl_rd_string(&rd, &b->host));
		TRY(fl_rd_i32(&rd, &b->port));
		TRY(fl_rd_nstring(&rd, &b->rack));
	}
	if (v >= 2)
		TRY(fl_rd_nstring(&rd, &r->cluster_id));
	TRY(fl_rd_i32(&rd, &r->controller_id));
	/* topic: error 2, name 2, internal 1, partitions 4 */
	TRY(rd_array(&rd, a, 9, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_md_topic *t = &r->topics[i];

		TRY(fl_rd_i16(&rd, &t->error));
		TRY(fl_rd_string(&rd, &t->name));
		TRY(rd_bool(&rd, &t->is_internal));
		/* partition: 2 + 4 + 4 + 4 + 4 (+ 4 from v5) */
		TRY(rd_array(&rd, a, 18, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++)
			TRY(md_partition(&rd, v, a, &t->parts[j]));
	}
	return resp_end(&rd);
}

/* ---- Produce ---- */

int
fl_kc_produce_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_produce_req *req)
{
	size_t start, i, j;

	TRY(req_begin(w, FL_KC_PRODUCE, h, &start));
	wr_nstr(w, req->transactional_id);
	fl_wr_i16(w, req->acks);
	fl_wr_i32(w, req->timeout_ms);
	wr_count(w, req->ntopics);
	for (i = 0; i < req->ntopics; i++) {
		const struct fl_kc_produce_topic *t = &req->topics[i];

		fl_wr_cstr(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts; j++) {
			fl_wr_i32(w, t->parts[j].index);
			wr_nslice_bytes(w, &t->parts[j].records);
		}
	}
	return req_end(w, start);
}

int
fl_kc_produce_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_produce_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 3 || v > 7)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_produce_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		TRY(rd_array(&rd, a, 14, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++) {
			struct fl_kc_produce_part_resp *pr = &t->parts[j];

			TRY(fl_rd_i32(&rd, &pr->index));
			TRY(fl_rd_i16(&rd, &pr->error));
			TRY(fl_rd_i64(&rd, &pr->base_offset));
			pr->log_append_time_ms = -1;
			pr->log_start_offset = -1;
			TRY(fl_rd_i64(&rd, &pr->log_append_time_ms));	/* v2+ */
			if (v >= 5)
				TRY(fl_rd_i64(&rd, &pr->log_start_offset));
		}
	}
	TRY(fl_rd_i32(&rd, &r->throttle_ms));	/* v1+, last */
	return resp_end(&rd);
}

/* ---- Fetch ---- */

int
fl_kc_fetch_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_fetch_req *req)
{
	int16_t v = h->version;
	size_t start, i, j;

	TRY(req_begin(w, FL_KC_FETCH, h, &start));
	fl_wr_i32(w, req->is_replica ? req->replica_id : -1);	/* ReplicaId */
	fl_wr_i32(w, req->max_wait_ms);
	fl_wr_i32(w, req->min_bytes);
	fl_wr_i32(w, req->max_bytes);		/* v3+ */
	fl_wr_i8(w, req->isolation_level);	/* v4+ */
	if (v >= 7) {
		fl_wr_i32(w, 0);		/* SessionId: no session */
		fl_wr_i32(w, -1);		/* SessionEpoch: full fetch */
	}
	wr_count(w, req->ntopics);
	for (i = 0; i < req->ntopics; i++) {
		const struct fl_kc_fetch_topic *t = &req->topics[i];

		fl_wr_cstr(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts; j++) {
			const struct fl_kc_fetch_part *fp = &t->parts[j];

			fl_wr_i32(w, fp->index);
			if (v >= 9)
				fl_wr_i32(w, req->is_replica ? fp->current_leader_epoch : -1);
			fl_wr_i64(w, fp->fetch_offset);
			if (v >= 5)			/* followers only */
				fl_wr_i64(w, req->is_replica ? fp->log_start_offset : -1);
			fl_wr_i32(w, fp->max_bytes);
		}
	}
	if (v >= 7)
		fl_wr_i32(w, 0);		/* ForgottenTopicsData: empty */
	if (v >= 11)
		fl_wr_string(w, "", 0);		/* RackId */
	return req_end(w, start);
}

static int
fetch_part(struct fl_rd *rd, int16_t v, struct fl_arena *a,
    struct fl_kc_fetch_part_resp *pd)
{
	size_t k;

	TRY(fl_rd_i32(rd, &pd->index));
	TRY(fl_rd_i16(rd, &pd->error));
	TRY(fl_rd_i64(rd, &pd->high_watermark));
	TRY(fl_rd_i64(rd, &pd->last_stable_offset));	/* v4+ */
	pd->log_start_offset = -1;
	if (v >= 5)
		TRY(fl_rd_i64(rd, &pd->log_start_offset));
	TRY(rd_array(rd, a, 16, sizeof(*pd->aborted), (void **)&pd->aborted,
	    &pd->naborted));
	for (k = 0; k < pd->naborted; k++) {
		TRY(fl_rd_i64(rd, &pd->aborted[k].producer_id));
		TRY(fl_rd_i64(rd, &pd->aborted[k].first_offset));
	}
	pd->preferred_read_replica = -1;
	if (v >= 11)
		TRY(fl_rd_i32(rd, &pd->preferred_read_replica));
	return fl_rd_nbytes(rd, &pd->records);
}

int
fl_kc_fetch_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_fetch_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 4 || v > 11)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(fl_rd_i32(&rd, &r->throttle_ms));
	if (v >= 7) {
		TRY(fl_rd_i16(&rd, &r->error));
		TRY(fl_rd_i32(&rd, &r->session_id));
	}
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_fetch_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		/* partition: 4 + 2 + 8 + 8 + 4 (aborted) + 4 (records) at v4 */
		TRY(rd_array(&rd, a, 30, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++)
			TRY(fetch_part(&rd, v, a, &t->parts[j]));
	}
	return resp_end(&rd);
}

int
fl_kc_records_next(struct fl_rd *records, struct fl_slice *batch)
{
	size_t left = fl_rd_left(records);
	const uint8_t *p;
	uint64_t total;
	int rc;

	/* before any pointer arithmetic: null records have p == NULL */
	if (left < FL_BATCH_LOG_OVERHEAD)
		return 0;
	p = records->p + records->off;
	rc = fl_batch_peek_size(p, left, &total);
	if (rc == FL_ECORRUPT)
		return FL_ECORRUPT;
	if (rc != 0 || total > left)
		return 0;		/* partial trailing batch: the end */
	batch->p = p;
	batch->len = (size_t)total;
	records->off += (size_t)total;
	return 1;
}

/* ---- ListOffsets ---- */

int
fl_kc_list_offsets_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_list_offsets_req *req)
{
	size_t start, i, j;

	TRY(req_begin(w, FL_KC_LIST_OFFSETS, h, &start));
	fl_wr_i32(w, -1);			/* ReplicaId */
	if (h->version >= 2)
		fl_wr_i8(w, req->isolation_level);
	wr_count(w, req->ntopics);
	for (i = 0; i < req->ntopics; i++) {
		const struct fl_kc_list_offsets_topic *t = &req->topics[i];

		fl_wr_cstr(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts; j++) {
			fl_wr_i32(w, t->parts[j].index);
			fl_wr_i64(w, t->parts[j].timestamp);
		}
	}
	return req_end(w, start);
}

int
fl_kc_list_offsets_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_list_offsets_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 1 || v > 3)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 2)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_list_offsets_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		TRY(rd_array(&rd, a, 22, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++) {
			TRY(fl_rd_i32(&rd, &t->parts[j].index));
			TRY(fl_rd_i16(&rd, &t->parts[j].error));
			TRY(fl_rd_i64(&rd, &t->parts[j].timestamp));
			TRY(fl_rd_i64(&rd, &t->parts[j].offset));
		}
	}
	return resp_end(&rd);
}

/* ---- OffsetForLeaderEpoch ---- */

int
fl_kc_ofle_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_ofle_req *req)
{
	int16_t v = h->version;
	size_t start, i, j;

	TRY(req_begin(w, FL_KC_OFFSET_FOR_LEADER_EPOCH, h, &start));
	if (v >= 3)
		fl_wr_i32(w, req->replica_id);
	wr_count(w, req->ntopics);
	for (i = 0; i < req->ntopics; i++) {
		const struct fl_kc_ofle_topic *t = &req->topics[i];

		fl_wr_cstr(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts; j++) {
			fl_wr_i32(w, t->parts[j].index);
			if (v >= 2)
				fl_wr_i32(w, t->parts[j].current_leader_epoch);
			fl_wr_i32(w, t->parts[j].leader_epoch);
		}
	}
	return req_end(w, start);
}

int
fl_kc_ofle_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_ofle_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 3)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 2)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_ofle_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		/* partition: error 2, index 4, epoch 4 (v1+), end offset 8 */
		TRY(rd_array(&rd, a, v >= 1 ? 18 : 14, sizeof(*t->parts),
		    (void **)&t->parts, &t->nparts));
		for (j = 0; j < t->nparts; j++) {
			struct fl_kc_ofle_part_resp *pr = &t->parts[j];

			TRY(fl_rd_i16(&rd, &pr->error));
			TRY(fl_rd_i32(&rd, &pr->index));
			pr->leader_epoch = -1;
			if (v >= 1)
				TRY(fl_rd_i32(&rd, &pr->leader_epoch));
			TRY(fl_rd_i64(&rd, &pr->end_offset));
		}
	}
	return resp_end(&rd);
}

/* ---- InitProducerId ---- */

int
fl_kc_init_pid_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_init_pid_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_INIT_PRODUCER_ID, h, &start));
	wr_nstr(w, req->transactional_id);
	fl_wr_i32(w, req->txn_timeout_ms);
	return req_end(w, start);
}

int
fl_kc_init_pid_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_kc_init_pid_resp *r)
{
	struct fl_rd rd;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 1)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(fl_rd_i64(&rd, &r->producer_id));
	TRY(fl_rd_i16(&rd, &r->producer_epoch));
	return resp_end(&rd);
}

/* ---- FindCoordinator ---- */

int
fl_kc_find_coord_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_find_coord_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_FIND_COORDINATOR, h, &start));
	fl_wr_cstr(w, req->key);
	if (h->version >= 1)
		fl_wr_i8(w, req->key_type);
	return req_end(w, start);
}

int
fl_kc_find_coord_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_kc_find_coord_resp *r)
{
	struct fl_rd rd;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 2)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	if (v >= 1)
		TRY(fl_rd_nstring(&rd, &r->error_message));
	TRY(fl_rd_i32(&rd, &r->node_id));
	TRY(fl_rd_string(&rd, &r->host));
	TRY(fl_rd_i32(&rd, &r->port));
	return resp_end(&rd);
}

/* ---- JoinGroup ---- */

int
fl_kc_join_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_join_req *req)
{
	size_t start, i;

	TRY(req_begin(w, FL_KC_JOIN_GROUP, h, &start));
	fl_wr_cstr(w, req->group_id);
	fl_wr_i32(w, req->session_timeout_ms);
	if (h->version >= 1)
		fl_wr_i32(w, req->rebalance_timeout_ms);
	fl_wr_cstr(w, req->member_id);
	if (h->version >= 5)
		wr_nstr(w, req->group_instance_id);
	fl_wr_cstr(w, req->protocol_type);
	wr_count(w, req->nprotocols);
	for (i = 0; i < req->nprotocols; i++) {
		fl_wr_cstr(w, req->protocols[i].name);
		wr_slice_bytes(w, &req->protocols[i].metadata);
	}
	return req_end(w, start);
}

int
fl_kc_join_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_join_resp *r)
{
	struct fl_rd rd;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 5)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 2)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(fl_rd_i32(&rd, &r->generation_id));
	TRY(fl_rd_string(&rd, &r->protocol_name));
	TRY(fl_rd_string(&rd, &r->leader));
	TRY(fl_rd_string(&rd, &r->member_id));
	TRY(rd_array(&rd, a, 6, sizeof(*r->members), (void **)&r->members,
	    &r->nmembers));
	for (i = 0; i < r->nmembers; i++) {
		TRY(fl_rd_string(&rd, &r->members[i].member_id));
		if (v >= 5)
			TRY(fl_rd_nstring(&rd, &r->members[i].group_instance_id));
		TRY(fl_rd_bytes(&rd, &r->members[i].metadata));
	}
	return resp_end(&rd);
}

/* ---- SyncGroup ---- */

int
fl_kc_sync_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sync_req *req)
{
	size_t start, i;

	TRY(req_begin(w, FL_KC_SYNC_GROUP, h, &start));
	fl_wr_cstr(w, req->group_id);
	fl_wr_i32(w, req->generation_id);
	fl_wr_cstr(w, req->member_id);
	if (h->version >= 3)
		wr_nstr(w, req->group_instance_id);
	wr_count(w, req->nassignments);
	for (i = 0; i < req->nassignments; i++) {
		fl_wr_cstr(w, req->assignments[i].member_id);
		wr_slice_bytes(w, &req->assignments[i].assignment);
	}
	return req_end(w, start);
}

int
fl_kc_sync_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_kc_sync_resp *r)
{
	struct fl_rd rd;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 3)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(fl_rd_bytes(&rd, &r->assignment));
	return resp_end(&rd);
}

/* ---- Heartbeat ---- */

int
fl_kc_heartbeat_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_heartbeat_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_HEARTBEAT, h, &start));
	fl_wr_cstr(w, req->group_id);
	fl_wr_i32(w, req->generation_id);
	fl_wr_cstr(w, req->member_id);
	if (h->version >= 3)
		wr_nstr(w, req->group_instance_id);
	return req_end(w, start);
}

int
fl_kc_heartbeat_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_kc_simple_resp *r)
{
	struct fl_rd rd;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 3)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	return resp_end(&rd);
}

/* ---- LeaveGroup ---- */

int
fl_kc_leave_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_leave_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_LEAVE_GROUP, h, &start));
	fl_wr_cstr(w, req->group_id);
	if (h->version <= 2) {
		fl_wr_cstr(w, req->member_id);
	} else {
		fl_wr_i32(w, 1);
		fl_wr_cstr(w, req->member_id);
		wr_nstr(w, req->group_instance_id);
	}
	return req_end(w, start);
}

int
fl_kc_leave_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_leave_resp *r)
{
	struct fl_rd rd;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 3)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	if (v >= 3) {
		TRY(rd_array(&rd, a, 6, sizeof(*r->members), (void **)&r->members,
		    &r->nmembers));
		for (i = 0; i < r->nmembers; i++) {
			TRY(fl_rd_string(&rd, &r->members[i].member_id));
			TRY(fl_rd_nstring(&rd, &r->members[i].group_instance_id));
			TRY(fl_rd_i16(&rd, &r->members[i].error));
		}
	}
	return resp_end(&rd);
}

/* ---- OffsetCommit ---- */

int
fl_kc_commit_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_commit_req *req)
{
	int16_t v = h->version;
	size_t start, i, j;

	TRY(req_begin(w, FL_KC_OFFSET_COMMIT, h, &start));
	fl_wr_cstr(w, req->group_id);
	fl_wr_i32(w, req->generation_id);	/* v1+ */
	fl_wr_cstr(w, req->member_id);		/* v1+ */
	if (v >= 7)
		wr_nstr(w, req->group_instance_id);
	if (v <= 4)
		fl_wr_i64(w, req->retention_time_ms);
	wr_count(w, req->ntopics);
	for (i = 0; i < req->ntopics; i++) {
		const struct fl_kc_commit_topic *t = &req->topics[i];

		fl_wr_cstr(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts; j++) {
			fl_wr_i32(w, t->parts[j].index);
			fl_wr_i64(w, t->parts[j].offset);
			if (v >= 6)
				fl_wr_i32(w, t->parts[j].leader_epoch);
			wr_nstr(w, t->parts[j].metadata);
		}
	}
	return req_end(w, start);
}

int
fl_kc_commit_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_commit_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 2 || v > 7)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 3)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_commit_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		TRY(rd_array(&rd, a, 6, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++) {
			TRY(fl_rd_i32(&rd, &t->parts[j].index));
			TRY(fl_rd_i16(&rd, &t->parts[j].error));
		}
	}
	return resp_end(&rd);
}

/* ---- OffsetFetch ---- */

int
fl_kc_offset_fetch_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_offset_fetch_req *req)
{
	size_t start, i, j;

	if (req->topics == NULL && h->version < 2)
		return FL_EINVAL;
	TRY(req_begin(w, FL_KC_OFFSET_FETCH, h, &start));
	fl_wr_cstr(w, req->group_id);
	if (req->topics == NULL) {
		fl_wr_i32(w, -1);
	} else {
		wr_count(w, req->ntopics);
		for (i = 0; i < req->ntopics; i++) {
			const struct fl_kc_offset_fetch_topic *t = &req->topics[i];

			fl_wr_cstr(w, t->name);
			wr_count(w, t->nparts);
			for (j = 0; j < t->nparts; j++)
				fl_wr_i32(w, t->parts[j]);
		}
	}
	return req_end(w, start);
}

int
fl_kc_offset_fetch_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_offset_fetch_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 1 || v > 5)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 3)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(rd_array(&rd, a, 6, sizeof(*r->topics), (void **)&r->topics,
	    &r->ntopics));
	for (i = 0; i < r->ntopics; i++) {
		struct fl_kc_offset_fetch_topic_resp *t = &r->topics[i];

		TRY(fl_rd_string(&rd, &t->name));
		TRY(rd_array(&rd, a, 16, sizeof(*t->parts), (void **)&t->parts,
		    &t->nparts));
		for (j = 0; j < t->nparts; j++) {
			struct fl_kc_offset_fetch_part_resp *op = &t->parts[j];

			TRY(fl_rd_i32(&rd, &op->index));
			TRY(fl_rd_i64(&rd, &op->offset));
			op->leader_epoch = -1;
			if (v >= 5)
				TRY(fl_rd_i32(&rd, &op->leader_epoch));
			TRY(fl_rd_nstring(&rd, &op->metadata));
			TRY(fl_rd_i16(&rd, &op->error));
		}
	}
	if (v >= 2)
		TRY(fl_rd_i16(&rd, &r->error));
	return resp_end(&rd);
}

/* ---- DescribeGroups ---- */

int
fl_kc_describe_groups_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_describe_groups_req *req)
{
	size_t start, i;

	TRY(req_begin(w, FL_KC_DESCRIBE_GROUPS, h, &start));
	wr_count(w, req->ngroups);
	for (i = 0; i < req->ngroups; i++)
		fl_wr_cstr(w, req->groups[i]);
	if (h->version >= 3)
		fl_wr_i8(w, req->is_include_authorized_ops ? 1 : 0);
	return req_end(w, start);
}

static int
dg_member(struct fl_rd *rd, int16_t v, struct fl_kc_dg_member *m)
{
	TRY(fl_rd_string(rd, &m->member_id));
	if (v >= 4)
		TRY(fl_rd_nstring(rd, &m->group_instance_id));
	TRY(fl_rd_string(rd, &m->client_id));
	TRY(fl_rd_string(rd, &m->client_host));
	TRY(fl_rd_bytes(rd, &m->metadata));
	TRY(fl_rd_bytes(rd, &m->assignment));
	return 0;
}

int
fl_kc_describe_groups_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_describe_groups_resp *r)
{
	struct fl_rd rd;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 4)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	/* smallest group: error + four empty strings + empty members = 14 */
	TRY(rd_array(&rd, a, 14, sizeof(*r->groups), (void **)&r->groups,
	    &r->ngroups));
	for (i = 0; i < r->ngroups; i++) {
		struct fl_kc_dg_group *g = &r->groups[i];

		TRY(fl_rd_i16(&rd, &g->error));
		TRY(fl_rd_string(&rd, &g->group_id));
		TRY(fl_rd_string(&rd, &g->state));
		TRY(fl_rd_string(&rd, &g->protocol_type));
		TRY(fl_rd_string(&rd, &g->protocol));
		/* smallest member: three empty strings + two empty bytes = 14 */
		TRY(rd_array(&rd, a, 14, sizeof(*g->members), (void **)&g->members,
		    &g->nmembers));
		for (j = 0; j < g->nmembers; j++)
			TRY(dg_member(&rd, v, &g->members[j]));
		g->authorized_ops = INT32_MIN;
		if (v >= 3)
			TRY(fl_rd_i32(&rd, &g->authorized_ops));
	}
	return resp_end(&rd);
}

/* ---- ListGroups ---- */

int
fl_kc_list_groups_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h)
{
	size_t start;

	TRY(req_begin(w, FL_KC_LIST_GROUPS, h, &start));
	return req_end(w, start);
}

int
fl_kc_list_groups_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_list_groups_resp *r)
{
	struct fl_rd rd;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 2)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	if (v >= 1)
		TRY(fl_rd_i32(&rd, &r->throttle_ms));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(rd_array(&rd, a, 4, sizeof(*r->groups), (void **)&r->groups,
	    &r->ngroups));
	for (i = 0; i < r->ngroups; i++) {
		TRY(fl_rd_string(&rd, &r->groups[i].group_id));
		TRY(fl_rd_string(&rd, &r->groups[i].protocol_type));
	}
	return resp_end(&rd);
}

/* ---- SaslHandshake ---- */

int
fl_kc_sasl_handshake_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sasl_handshake_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_SASL_HANDSHAKE, h, &start));
	fl_wr_cstr(w, req->mechanism);
	return req_end(w, start);
}

int
fl_kc_sasl_handshake_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_arena *a, struct fl_kc_sasl_handshake_resp *r)
{
	struct fl_rd rd;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 1)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(rd_array(&rd, a, 2, sizeof(*r->mechanisms), (void **)&r->mechanisms,
	    &r->nmechanisms));
	for (i = 0; i < r->nmechanisms; i++)
		TRY(fl_rd_string(&rd, &r->mechanisms[i]));
	return resp_end(&rd);
}

/* ---- SaslAuthenticate ---- */

int
fl_kc_sasl_authenticate_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sasl_authenticate_req *req)
{
	size_t start;

	TRY(req_begin(w, FL_KC_SASL_AUTHENTICATE, h, &start));
	wr_slice_bytes(w, &req->auth_bytes);
	return req_end(w, start);
}

int
fl_kc_sasl_authenticate_resp_decode(const uint8_t *p, size_t n, int16_t v,
    struct fl_kc_sasl_authenticate_resp *r)
{
	struct fl_rd rd;

	memset(r, 0, sizeof(*r));
	if (v < 0 || v > 1)
		return FL_EINVAL;
	TRY(resp_begin(&rd, p, n));
	TRY(fl_rd_i16(&rd, &r->error));
	TRY(fl_rd_nstring(&rd, &r->error_message));
	TRY(fl_rd_bytes(&rd, &r->auth_bytes));
	if (v >= 1)
		TRY(fl_rd_i64(&rd, &r->session_lifetime_ms));
	return resp_end(&rd);
}
