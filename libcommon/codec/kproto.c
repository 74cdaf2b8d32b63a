/*
 * kproto.c: Kafka request decoders and response encoders (see kproto.h).
 *
 * Every decoder reads through struct fl_rd, so an out-of-bounds read is
 * impossible by construction; the only thing left to get right is field
 * order and version gating, which follow kafka-subset.md §2 table by table.
 * Arrays are sized from counts that fl_rd_array() has already checked
 * against the bytes left (at the element's smallest wire size), which is
 * what bounds the arena.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/kproto.h"

#define TRY(x) do { int try_rc_ = (x); if (try_rc_ != 0) return try_rc_; } while (0)

/* ---- the version table ---- */

const struct fl_kp_api fl_kp_apis[] = {
	{ FL_KP_PRODUCE,          3,  7, FL_KP_FEAT_CORE,  "Produce" },
	{ FL_KP_FETCH,            4, 11, FL_KP_FEAT_CORE,  "Fetch" },
	{ FL_KP_LIST_OFFSETS,     1,  3, FL_KP_FEAT_CORE,  "ListOffsets" },
	{ FL_KP_METADATA,         1,  6, FL_KP_FEAT_CORE,  "Metadata" },
	{ FL_KP_OFFSET_COMMIT,    2,  7, FL_KP_FEAT_GROUP, "OffsetCommit" },
	{ FL_KP_OFFSET_FETCH,     1,  5, FL_KP_FEAT_GROUP, "OffsetFetch" },
	{ FL_KP_FIND_COORDINATOR, 0,  2, FL_KP_FEAT_GROUP, "FindCoordinator" },
	{ FL_KP_JOIN_GROUP,       0,  5, FL_KP_FEAT_GROUP, "JoinGroup" },
	{ FL_KP_HEARTBEAT,        0,  3, FL_KP_FEAT_GROUP, "Heartbeat" },
	{ FL_KP_LEAVE_GROUP,      0,  3, FL_KP_FEAT_GROUP, "LeaveGroup" },
	{ FL_KP_SYNC_GROUP,       0,  3, FL_KP_FEAT_GROUP, "SyncGroup" },
	{ FL_KP_DESCRIBE_GROUPS,  0,  4, FL_KP_FEAT_GROUP, "DescribeGroups" },
	{ FL_KP_LIST_GROUPS,      0,  2, FL_KP_FEAT_GROUP, "ListGroups" },
	{ FL_KP_SASL_HANDSHAKE,   0,  1, FL_KP_FEAT_SASL,  "SaslHandshake" },
	{ FL_KP_API_VERSIONS,     0,  2, FL_KP_FEAT_CORE,  "ApiVersions" },
	{ FL_KP_CREATE_TOPICS,    0,  4, FL_KP_FEAT_CORE,  "CreateTopics" },
	{ FL_KP_DELETE_TOPICS,    0,  3, FL_KP_FEAT_CORE,  "DeleteTopics" },
	{ FL_KP_INIT_PRODUCER_ID, 0,  1, FL_KP_FEAT_CORE,  "InitProducerId" },
	{ FL_KP_OFFSET_FOR_LEADER_EPOCH, 0, 3, FL_KP_FEAT_CORE, "OffsetForLeaderEpoch" },
	{ FL_KP_SASL_AUTHENTICATE, 0, 1, FL_KP_FEAT_SASL,  "SaslAuthenticate" },
	{ FL_KP_DELETE_RECORDS,   0,  2, FL_KP_FEAT_CORE,  "DeleteRecords" },
	{ FL_KP_DESCRIBE_CONFIGS, 0,  4, FL_KP_FEAT_CORE,  "DescribeConfigs" },
	{ FL_KP_ALTER_CONFIGS,    0,  2, FL_KP_FEAT_CORE,  "AlterConfigs" },
	{ FL_KP_CREATE_PARTITIONS, 0, 3, FL_KP_FEAT_CORE,  "CreatePartitions" },
	{ FL_KP_DELETE_GROUPS,    0,  2, FL_KP_FEAT_GROUP, "DeleteGroups" },
	{ FL_KP_INCREMENTAL_ALTER_CONFIGS, 0, 1, FL_KP_FEAT_CORE, "IncrementalAlterConfigs" },
	{ FL_KP_OFFSET_DELETE,    0,  0, FL_KP_FEAT_GROUP, "OffsetDelete" },
	{ FL_KP_DESCRIBE_CLUSTER, 0,  1, FL_KP_FEAT_CORE,  "DescribeCluster" },
};
const size_t fl_kp_napis = FL_ARRAY_LEN(fl_kp_apis);

static const struct fl_kp_api *
api_lookup(int16_t key)
{
	size_t i;

	for (i = 0; i < fl_kp_napis; i++)
		if (fl_kp_apis[i].key == key)
			return &fl_kp_apis[i];
	return NULL;
}

const struct fl_kp_api *
fl_kp_api_find(int16_t key, unsigned features)
{
	const struct fl_kp_api *api = api_lookup(key);

	if (api == NULL || (api->feature & ~features) != 0)
		return NULL;
	return api;
}

const char *
fl_kp_api_name(int16_t key)
{
	const struct fl_kp_api *api = api_lookup(key);

	return api != NULL ? api->name : "?";
}

/* Decoders and encoders accept exactly the table's range for their key. */
static int
version_ok(int16_t key, int16_t version)
{
	const struct fl_kp_api *api = api_lookup(key);

	return api != NULL && version >= api->min_version &&
	    version <= api->max_version;
}

int16_t
fl_kp_batch_error(int batch_check_rc)
{
	if (batch_check_rc == 0)
		return FL_KERR_NONE;
	if (batch_check_rc == FL_EPROTO)
		return FL_KERR_INVALID_RECORD;
	return FL_KERR_CORRUPT_MESSAGE;
}

/* ---- framing ---- */

int
fl_kp_frame_size(const uint8_t *p, size_t n, size_t size_max, size_t *size)
{
	int32_t v;

	if (n < 4)
		return FL_ESHORT;
	v = (int32_t)fl_load_be32(p);
	if (v < 0 || (uint64_t)v > size_max)
		return FL_EPROTO;
	*size = (size_t)v;
	return 0;
}

int
fl_kp_hdr_parse(const uint8_t *p, size_t n, unsigned features,
    struct fl_kp_hdr *h)
{
	const struct fl_kp_api *api;
	struct fl_rd r;
	int rc;

	memset(h, 0, sizeof(*h));
	h->kind = FL_KP_REQ_UNSUPPORTED;
	if (n < 8)
		return FL_ESHORT;
	h->api_key = (int16_t)fl_load_be16(p);
	h->api_version = (int16_t)fl_load_be16(p + 2);
	h->correlation_id = (int32_t)fl_load_be32(p + 4);
	h->body_off = 8;

	api = fl_kp_api_find(h->api_key, features);
	if (api == NULL || h->api_version < api->min_version)
		h->kind = FL_KP_REQ_UNSUPPORTED;
	else if (h->api_version <= api->max_version)
		h->kind = FL_KP_REQ_OK;
	else if (h->api_key == FL_KP_API_VERSIONS)
		h->kind = FL_KP_REQ_APIVERSIONS_TOO_NEW;
	else
		h->kind = FL_KP_REQ_UNSUPPORTED;

	/* Header v2 keeps the int16 client id, so this parses there too;
	 * what follows it (tags, body) is never read for those kinds. */
	fl_rd_init(&r, p, n);
	r.off = 8;
	rc = fl_rd_nstring(&r, &h->client_id);
	if (rc != 0) {
		h->client_id.p = NULL;
		h->client_id.len = 0;
		return h->kind == FL_KP_REQ_OK ? rc : 0;
	}
	h->body_off = r.off;
	return 0;
}

struct fl_slice
fl_kp_str(const char *s)
{
	struct fl_slice sl;

	sl.p = (const uint8_t *)s;
	sl.len = s != NULL ? strlen(s) : 0;
	return sl;
}

/* ---- decoding helpers ---- */

/*
 * Read an array count and allocate that many zeroed elements.  min_elem is
 * the smallest wire size of one element: fl_rd_array() refuses counts the
 * remaining bytes cannot hold, so the allocation is bounded by the input.
 * A null array (-1) reads as empty.
 */
static void *
rd_arr(struct fl_rd *r, struct fl_arena *a, size_t min_elem, size_t size,
    size_t *n, int *rc)
{
	int32_t count;

	*n = 0;
	*rc = fl_rd_array(r, min_elem, &count);
	if (*rc != 0)
		return NULL;
	*n = (size_t)count;
	return fl_arena_alloc(a, *n, size, rc);
}

/* A nullable array: *is_null set when the count is -1. */
static void *
rd_narr(struct fl_rd *r, struct fl_arena *a, size_t min_elem, size_t size,
    size_t *n, int *is_null, int *rc)
{
	*is_null = fl_rd_left(r) >= 4 && (int32_t)fl_load_be32(r->p + r->off) == -1;
	return rd_arr(r, a, min_elem, size, n, rc);
}

static int
rd_bool(struct fl_rd *r, int *v)
{
	int8_t b;

	TRY(fl_rd_i8(r, &b));
	*v = b != 0;
	return 0;
}

static int
rd_i32_array(struct fl_rd *r, struct fl_arena *a, int32_t **out, size_t *n)
{
	size_t i;
	int rc;

	*out = rd_arr(r, a, 4, sizeof(**out), n, &rc);
	if (rc != 0)
		return rc;
	for (i = 0; i < *n; i++)
		TRY(fl_rd_i32(r, &(*out)[i]));
	return 0;
}

static int
rd_string_array(struct fl_rd *r, struct fl_arena *a, struct fl_slice **out,
    size_t *n)
{
	size_t i;
	int rc;

	*out = rd_arr(r, a, 2, sizeof(**out), n, &rc);
	if (rc != 0)
		return rc;
	for (i = 0; i < *n; i++)
		TRY(fl_rd_string(r, &(*out)[i]));
	return 0;
}

static int
rd_done(const struct fl_rd *r)
{
	return fl_rd_left(r) == 0 ? 0 : FL_EPROTO;
}

static const struct fl_slice null_slice = { NULL, 0 };

/* ---- request decoders ---- */

int
fl_kp_apiversions_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_apiversions_req *out)
{
	if (!version_ok(FL_KP_API_VERSIONS, version))
		return FL_EINVAL;
	out->unused = 0;
	return rd_done(r);
}

int
fl_kp_list_groups_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_list_groups_req *out)
{
	if (!version_ok(FL_KP_LIST_GROUPS, version))
		return FL_EINVAL;
	out->unused = 0;
	return rd_done(r);
}

int
fl_kp_produce_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_produce_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_PRODUCE, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_nstring(r, &out->transactional_id));
	TRY(fl_rd_i16(r, &out->acks));
	TRY(fl_rd_i32(r, &out->timeout_ms));
	out->topics = rd_arr(r, a, 6, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_produce_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		t->parts = rd_arr(r, a, 8, sizeof(*t->parts), &t->nparts, &rc);
		TRY(rc);
		for (j = 0; j < t->nparts; j++) {
			TRY(fl_rd_i32(r, &t->parts[j].index));
			TRY(fl_rd_nbytes(r, &t->parts[j].records));
		}
	}
	return rd_done(r);
}

int
fl_kp_fetch_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_fetch_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_FETCH, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	out->session_epoch = -1;
	TRY(fl_rd_i32(r, &out->replica_id));
	TRY(fl_rd_i32(r, &out->max_wait_ms));
	TRY(fl_rd_i32(r, &out->min_bytes));
	TRY(fl_rd_i32(r, &out->max_bytes));		/* v3+ */
	TRY(fl_rd_i8(r, &out->isolation_level));	/* v4+ */
	if (version >= 7) {
		TRY(fl_rd_i32(r, &out->session_id));
		TRY(fl_rd_i32(r, &out->session_epoch));
	}
	out->topics = rd_arr(r, a, 6, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_fetch_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		t->parts = rd_arr(r, a, 16, sizeof(*t->parts), &t->nparts, &rc);
		TRY(rc);
		for (j = 0; j < t->nparts; j++) {
			struct fl_kp_fetch_part *fp = &t->parts[j];

			fp->current_leader_epoch = -1;
			fp->log_start_offset = -1;
			TRY(fl_rd_i32(r, &fp->partition));
			if (version >= 9)
				TRY(fl_rd_i32(r, &fp->current_leader_epoch));
			TRY(fl_rd_i64(r, &fp->fetch_offset));
			if (version >= 5)
				TRY(fl_rd_i64(r, &fp->log_start_offset));
			TRY(fl_rd_i32(r, &fp->max_bytes));
		}
	}
	if (version >= 7) {
		out->forgotten = rd_arr(r, a, 6, sizeof(*out->forgotten),
		    &out->nforgotten, &rc);
		TRY(rc);
		for (i = 0; i < out->nforgotten; i++) {
			TRY(fl_rd_string(r, &out->forgotten[i].name));
			TRY(rd_i32_array(r, a, &out->forgotten[i].parts,
			    &out->forgotten[i].nparts));
		}
	}
	if (version >= 11)
		TRY(fl_rd_string(r, &out->rack_id));
	return rd_done(r);
}

int
fl_kp_list_offsets_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_list_offsets_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_LIST_OFFSETS, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_i32(r, &out->replica_id));
	if (version >= 2)
		TRY(fl_rd_i8(r, &out->isolation_level));
	out->topics = rd_arr(r, a, 6, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_list_offsets_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		t->parts = rd_arr(r, a, 12, sizeof(*t->parts), &t->nparts, &rc);
		TRY(rc);
		for (j = 0; j < t->nparts; j++) {
			TRY(fl_rd_i32(r, &t->parts[j].index));
			TRY(fl_rd_i64(r, &t->parts[j].timestamp));
		}
	}
	return rd_done(r);
}

int
fl_kp_metadata_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_metadata_req *out)
{
	size_t i;
	int rc;

	if (!version_ok(FL_KP_METADATA, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	out->allow_auto_create = 1;
	out->topics = rd_narr(r, a, 2, sizeof(*out->topics), &out->ntopics,
	    &out->is_all_topics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++)
		TRY(fl_rd_string(r, &out->topics[i]));
	if (version >= 4)
		TRY(rd_bool(r, &out->allow_auto_create));
	return rd_done(r);
}

int
fl_kp_offset_commit_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_offset_commit_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_OFFSET_COMMIT, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	out->retention_time_ms = -1;
	TRY(fl_rd_string(r, &out->group_id));
	TRY(fl_rd_i32(r, &out->generation_id));		/* v1+ */
	TRY(fl_rd_string(r, &out->member_id));		/* v1+ */
	if (version >= 7)
		TRY(fl_rd_nstring(r, &out->group_instance_id));
	if (version <= 4)
		TRY(fl_rd_i64(r, &out->retention_time_ms));	/* v2-4 */
	out->topics = rd_arr(r, a, 6, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_offset_commit_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		t->parts = rd_arr(r, a, version >= 6 ? 18 : 14, sizeof(*t->parts),
		    &t->nparts, &rc);
		TRY(rc);
		for (j = 0; j < t->nparts; j++) {
			struct fl_kp_offset_commit_part *cp = &t->parts[j];

			cp->committed_leader_epoch = -1;
			TRY(fl_rd_i32(r, &cp->index));
			TRY(fl_rd_i64(r, &cp->committed_offset));
			if (version >= 6)
				TRY(fl_rd_i32(r, &cp->committed_leader_epoch));
			TRY(fl_rd_nstring(r, &cp->metadata));
		}
	}
	return rd_done(r);
}

int
fl_kp_offset_fetch_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_offset_fetch_req *out)
{
	size_t i;
	int rc;

	if (!version_ok(FL_KP_OFFSET_FETCH, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->group_id));
	out->topics = rd_narr(r, a, 6, sizeof(*out->topics), &out->ntopics,
	    &out->is_all_topics, &rc);
	TRY(rc);
	if (out->is_all_topics && version < 2)
		return FL_EPROTO;		/* nullable only from v2 */
	for (i = 0; i < out->ntopics; i++) {
		TRY(fl_rd_string(r, &out->topics[i].name));
		TRY(rd_i32_array(r, a, &out->topics[i].parts,
		    &out->topics[i].nparts));
	}
	return rd_done(r);
}

int
fl_kp_find_coordinator_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_find_coordinator_req *out)
{
	if (!version_ok(FL_KP_FIND_COORDINATOR, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->key));
	if (version >= 1)
		TRY(fl_rd_i8(r, &out->key_type));
	return rd_done(r);
}

int
fl_kp_join_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_join_group_req *out)
{
	size_t i;
	int rc;

	if (!version_ok(FL_KP_JOIN_GROUP, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->group_id));
	TRY(fl_rd_i32(r, &out->session_timeout_ms));
	out->rebalance_timeout_ms = out->session_timeout_ms;
	if (version >= 1)
		TRY(fl_rd_i32(r, &out->rebalance_timeout_ms));
	TRY(fl_rd_string(r, &out->member_id));
	if (version >= 5)
		TRY(fl_rd_nstring(r, &out->group_instance_id));
	TRY(fl_rd_string(r, &out->protocol_type));
	out->protocols = rd_arr(r, a, 6, sizeof(*out->protocols),
	    &out->nprotocols, &rc);
	TRY(rc);
	for (i = 0; i < out->nprotocols; i++) {
		TRY(fl_rd_string(r, &out->protocols[i].name));
		TRY(fl_rd_bytes(r, &out->protocols[i].metadata));
	}
	return rd_done(r);
}

int
fl_kp_heartbeat_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_heartbeat_req *out)
{
	if (!version_ok(FL_KP_HEARTBEAT, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->group_id));
	TRY(fl_rd_i32(r, &out->generation_id));
	TRY(fl_rd_string(r, &out->member_id));
	if (version >= 3)
		TRY(fl_rd_nstring(r, &out->group_instance_id));
	return rd_done(r);
}

int
fl_kp_leave_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_leave_group_req *out)
{
	size_t i;
	int rc;

	if (!version_ok(FL_KP_LEAVE_GROUP, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->group_id));
	if (version <= 2) {
		struct fl_slice m;

		TRY(fl_rd_string(r, &m));
		out->members = fl_arena_alloc(a, 1, sizeof(*out->members), &rc);
		TRY(rc);
		out->members[0].member_id = m;
		out->members[0].group_instance_id = null_slice;
		out->nmembers = 1;
		return rd_done(r);
	}
	out->members = rd_arr(r, a, 4, sizeof(*out->members), &out->nmembers, &rc);
	TRY(rc);
	for (i = 0; i < out->nmembers; i++) {
		TRY(fl_rd_string(r, &out->members[i].member_id));
		TRY(fl_rd_nstring(r, &out->members[i].group_instance_id));
	}
	return rd_done(r);
}

int
fl_kp_sync_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sync_group_req *out)
{
	size_t i;
	int rc;

	if (!version_ok(FL_KP_SYNC_GROUP, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_string(r, &out->group_id));
	TRY(fl_rd_i32(r, &out->generation_id));
	TRY(fl_rd_string(r, &out->member_id));
	if (version >= 3)
		TRY(fl_rd_nstring(r, &out->group_instance_id));
	out->assignments = rd_arr(r, a, 6, sizeof(*out->assignments),
	    &out->nassignments, &rc);
	TRY(rc);
	for (i = 0; i < out->nassignments; i++) {
		TRY(fl_rd_string(r, &out->assignments[i].member_id));
		TRY(fl_rd_bytes(r, &out->assignments[i].assignment));
	}
	return rd_done(r);
}

int
fl_kp_describe_groups_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_describe_groups_req *out)
{
	if (!version_ok(FL_KP_DESCRIBE_GROUPS, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(rd_string_array(r, a, &out->groups, &out->ngroups));
	if (version >= 3)
		TRY(rd_bool(r, &out->include_authorized_operations));
	return rd_done(r);
}

int
fl_kp_sasl_handshake_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sasl_handshake_req *out)
{
	if (!version_ok(FL_KP_SASL_HANDSHAKE, version))
		return FL_EINVAL;
	TRY(fl_rd_string(r, &out->mechanism));
	return rd_done(r);
}

int
fl_kp_sasl_authenticate_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sasl_authenticate_req *out)
{
	if (!version_ok(FL_KP_SASL_AUTHENTICATE, version))
		return FL_EINVAL;
	TRY(fl_rd_bytes(r, &out->auth_bytes));
	return rd_done(r);
}

int
fl_kp_create_topics_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_create_topics_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_CREATE_TOPICS, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	out->topics = rd_arr(r, a, 16, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_create_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		TRY(fl_rd_i32(r, &t->num_partitions));
		TRY(fl_rd_i16(r, &t->replication_factor));
		t->assignments = rd_arr(r, a, 8, sizeof(*t->assignments),
		    &t->nassignments, &rc);
		TRY(rc);
		for (j = 0; j < t->nassignments; j++) {
			TRY(fl_rd_i32(r, &t->assignments[j].index));
			TRY(rd_i32_array(r, a, &t->assignments[j].broker_ids,
			    &t->assignments[j].nbroker_ids));
		}
		t->configs = rd_arr(r, a, 4, sizeof(*t->configs), &t->nconfigs, &rc);
		TRY(rc);
		for (j = 0; j < t->nconfigs; j++) {
			TRY(fl_rd_string(r, &t->configs[j].name));
			TRY(fl_rd_nstring(r, &t->configs[j].value));
		}
	}
	TRY(fl_rd_i32(r, &out->timeout_ms));
	if (version >= 1)
		TRY(rd_bool(r, &out->validate_only));
	return rd_done(r);
}

int
fl_kp_delete_topics_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_delete_topics_req *out)
{
	if (!version_ok(FL_KP_DELETE_TOPICS, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(rd_string_array(r, a, &out->names, &out->nnames));
	TRY(fl_rd_i32(r, &out->timeout_ms));
	return rd_done(r);
}

int
fl_kp_init_producer_id_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_init_producer_id_req *out)
{
	if (!version_ok(FL_KP_INIT_PRODUCER_ID, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(fl_rd_nstring(r, &out->transactional_id));
	TRY(fl_rd_i32(r, &out->transaction_timeout_ms));
	return rd_done(r);
}

int
fl_kp_ofle_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_ofle_req *out)
{
	size_t i, j;
	int rc;

	if (!version_ok(FL_KP_OFFSET_FOR_LEADER_EPOCH, version))
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	out->replica_id = -1;
	if (version >= 3)
		TRY(fl_rd_i32(r, &out->replica_id));
	out->topics = rd_arr(r, a, 6, sizeof(*out->topics), &out->ntopics, &rc);
	TRY(rc);
	for (i = 0; i < out->ntopics; i++) {
		struct fl_kp_ofle_topic *t = &out->topics[i];

		TRY(fl_rd_string(r, &t->name));
		t->parts = rd_arr(r, a, version >= 2 ? 12 : 8, sizeof(*t->parts),
		    &t->nparts, &rc);
		TRY(rc);
		for (j = 0; j < t->nparts; j++) {
			struct fl_kp_ofle_part *p = &t->parts[j];

			p->current_leader_epoch = -1;
			TRY(fl_rd_i32(r, &p->partition));
			if (version >= 2)
				TRY(fl_rd_i32(r, &p->current_leader_epoch));
			TRY(fl_rd_i32(r, &p->leader_epoch));
		}
	}
	return rd_done(r);
}

static int
decode_body(struct fl_kp_req *req, struct fl_rd *r)
{
	int16_t v = req->hdr.api_version;
	struct fl_arena *a = &req->arena;

	switch (req->hdr.api_key) {
	case FL_KP_PRODUCE:
		return fl_kp_produce_req_decode(r, v, a, &req->u.produce);
	case FL_KP_FETCH:
		return fl_kp_fetch_req_decode(r, v, a, &req->u.fetch);
	case FL_KP_LIST_OFFSETS:
		return fl_kp_list_offsets_req_decode(r, v, a, &req->u.list_offsets);
	case FL_KP_METADATA:
		return fl_kp_metadata_req_decode(r, v, a, &req->u.metadata);
	case FL_KP_OFFSET_COMMIT:
		return fl_kp_offset_commit_req_decode(r, v, a, &req->u.offset_commit);
	case FL_KP_OFFSET_FETCH:
		return fl_kp_offset_fetch_req_decode(r, v, a, &req->u.offset_fetch);
	case FL_KP_FIND_COORDINATOR:
		return fl_kp_find_coordinator_req_decode(r, v, a,
		    &req->u.find_coordinator);
	case FL_KP_JOIN_GROUP:
		return fl_kp_join_group_req_decode(r, v, a, &req->u.join_group);
	case FL_KP_HEARTBEAT:
		return fl_kp_heartbeat_req_decode(r, v, a, &req->u.heartbeat);
	case FL_KP_LEAVE_GROUP:
		return fl_kp_leave_group_req_decode(r, v, a, &req->u.leave_group);
	case FL_KP_SYNC_GROUP:
		return fl_kp_sync_group_req_decode(r, v, a, &req->u.sync_group);
	case FL_KP_DESCRIBE_GROUPS:
		return fl_kp_describe_groups_req_decode(r, v, a,
		    &req->u.describe_groups);
	case FL_KP_LIST_GROUPS:
		return fl_kp_list_groups_req_decode(r, v, a, &req->u.list_groups);
	case FL_KP_SASL_HANDSHAKE:
		return fl_kp_sasl_handshake_req_decode(r, v, a,
		    &req->u.sasl_handshake);
	case FL_KP_API_VERSIONS:
		return fl_kp_apiversions_req_decode(r, v, a, &req->u.apiversions);
	case FL_KP_CREATE_TOPICS:
		return fl_kp_create_topics_req_decode(r, v, a, &req->u.create_topics);
	case FL_KP_DELETE_TOPICS:
		return fl_kp_delete_topics_req_decode(r, v, a, &req->u.delete_topics);
	case FL_KP_INIT_PRODUCER_ID:
		return fl_kp_init_producer_id_req_decode(r, v, a,
		    &req->u.init_producer_id);
	case FL_KP_OFFSET_FOR_LEADER_EPOCH:
		return fl_kp_ofle_req_decode(r, v, a, &req->u.ofle);
	case FL_KP_SASL_AUTHENTICATE:
		return fl_kp_sasl_authenticate_req_decode(r, v, a,
		    &req->u.sasl_authenticate);
	default:
		if (fl_ka_api(req->hdr.api_key) != NULL)	/* codec/kadmin.h */
			return fl_ka_req_decode(r, req->hdr.api_key, v, a, &req->u.admin);
	}
	return FL_EINVAL;	/* the table and this switch disagree */
}

int
fl_kp_req_decode(struct fl_kp_req *req, const uint8_t *p, size_t n,
    unsigned features)
{
	struct fl_rd r;
	int rc;

	memset(req, 0, sizeof(*req));
	fl_arena_init(&req->arena, FL_KP_ARENA_BYTES(n));
	TRY(fl_kp_hdr_parse(p, n, features, &req->hdr));
	if (req->hdr.kind != FL_KP_REQ_OK)
		return 0;
	fl_rd_init(&r, p, n);
	r.off = req->hdr.body_off;
	rc = decode_body(req, &r);
	if (rc != 0) {
		fl_arena_free(&req->arena);
		memset(&req->u, 0, sizeof(req->u));
	}
	return rc;
}

void
fl_kp_req_free(struct fl_kp_req *req)
{
	fl_arena_free(&req->arena);
	memset(&req->u, 0, sizeof(req->u));
}

/* ---- encoding helpers ---- */

static void
wr_fail(struct fl_wr *w, int code)
{
	if (w->err == 0)
		w->err = code;
}

static void
wr_count(struct fl_wr *w, size_t n)
{
	if (n > INT32_MAX)
		wr_fail(w, FL_ERANGE);
	else
		fl_wr_i32(w, (int32_t)n);
}

static void
wr_str(struct fl_wr *w, struct fl_slice s)
{
	fl_wr_string(w, s.p, s.len);
}

static void
wr_nstr(struct fl_wr *w, struct fl_slice s)
{
	fl_wr_nstring(w, s.p, s.len);
}

/* Non-nullable bytes: a null slice goes out as empty bytes. */
static void
wr_bytes(struct fl_wr *w, struct fl_slice s)
{
	fl_wr_bytes(w, s.p != NULL ? (const void *)s.p : "", s.len);
}

static void
wr_i32_array(struct fl_wr *w, const int32_t *v, size_t n)
{
	size_t i;

	wr_count(w, n);
	for (i = 0; i < n && w->err == 0; i++)
		fl_wr_i32(w, v[i]);
}

size_t
fl_kp_resp_begin(struct fl_wr *w, int32_t correlation_id)
{
	size_t start = w->len;

	fl_wr_i32(w, 0);		/* size, patched by fl_kp_resp_end */
	fl_wr_i32(w, correlation_id);
	return start;
}

int
fl_kp_resp_end(struct fl_wr *w, size_t start)
{
	size_t size;

	if (w->err != 0)
		return w->err;
	FL_ASSERT(w->len >= start + 8);
	size = w->len - start - 4;
	if (size > INT32_MAX) {
		wr_fail(w, FL_ERANGE);
		return w->err;
	}
	fl_wr_patch_i32(w, start, (int32_t)size);
	return w->err;
}

/* ---- ApiVersions ---- */

int
fl_kp_apiversions_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, int16_t error, int32_t throttle_ms,
    unsigned features)
{
	size_t start, i, n = 0;

	if (!version_ok(FL_KP_API_VERSIONS, version))
		return FL_EINVAL;
	for (i = 0; i < fl_kp_napis; i++)
		if ((fl_kp_apis[i].feature & ~features) == 0)
			n++;
	start = fl_kp_resp_begin(w, correlation_id);
	fl_wr_i16(w, error);
	wr_count(w, n);
	for (i = 0; i < fl_kp_napis; i++) {
		const struct fl_kp_api *api = &fl_kp_apis[i];

		if ((api->feature & ~features) != 0)
			continue;
		fl_wr_i16(w, api->key);
		fl_wr_i16(w, api->min_version);
		fl_wr_i16(w, api->max_version);
	}
	if (version >= 1)
		fl_wr_i32(w, throttle_ms);	/* last, unlike most APIs */
	return fl_kp_resp_end(w, start);
}

int
fl_kp_apiversions_fallback(struct fl_wr *w, int32_t correlation_id)
{
	const struct fl_kp_api *api = api_lookup(FL_KP_API_VERSIONS);
	size_t start = fl_kp_resp_begin(w, correlation_id);

	/* v0 body even for a flexible request: librdkafka fails to parse it
	 * as v3, keeps error 35 and retries with v0 (§3). */
	fl_wr_i16(w, FL_KERR_UNSUPPORTED_VERSION);
	fl_wr_i32(w, 1);
	fl_wr_i16(w, api->key);
	fl_wr_i16(w, api->min_version);
	fl_wr_i16(w, api->max_version);
	return fl_kp_resp_end(w, start);
}

/* ---- Produce ---- */

int
fl_kp_produce_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_produce_resp *r)
{
	size_t start, i, j, k = 0;

	if (!version_ok(FL_KP_PRODUCE, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_produce_topic_resp *t = &r->topics[i];

		wr_str(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			const struct fl_kp_produce_part_resp *p = &t->parts[j];

			if (r->part_pos != NULL)
				r->part_pos[k++] = w->len - start;
			fl_wr_i32(w, p->index);
			fl_wr_i16(w, p->error);
			fl_wr_i64(w, p->base_offset);
			fl_wr_i64(w, p->log_append_time_ms);	/* v2+ */
			if (version >= 5)
				fl_wr_i64(w, p->log_start_offset);
		}
	}
	fl_wr_i32(w, r->throttle_ms);	/* v1+, AFTER the responses */
	return fl_kp_resp_end(w, start);
}

/* ---- Fetch ---- */

int
fl_kp_fetch_resp_begin(struct fl_kp_fetch_enc *e, struct fl_wr *w,
    int16_t version, int32_t correlation_id, int32_t throttle_ms,
    int16_t error, int32_t session_id)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	e->version = version;
	if (!version_ok(FL_KP_FETCH, version)) {
		e->err = FL_EINVAL;
		return e->err;
	}
	e->start = fl_kp_resp_begin(w, correlation_id);
	fl_wr_i32(w, throttle_ms);		/* v1+, first */
	if (version >= 7) {
		fl_wr_i16(w, error);
		fl_wr_i32(w, session_id);
	}
	e->topics_count_at = w->len;
	fl_wr_i32(w, 0);			/* topic count, patched */
	return w->err;
}

static void
fetch_close_topic(struct fl_kp_fetch_enc *e)
{
	if (e->ntopics > 0)
		fl_wr_patch_i32(e->w, e->parts_count_at, e->nparts);
}

int
fl_kp_fetch_resp_topic(struct fl_kp_fetch_enc *e, struct fl_slice name)
{
	if (e->err != 0)
		return e->err;
	if (e->ntopics == INT32_MAX) {
		e->err = FL_ERANGE;
		return e->err;
	}
	fetch_close_topic(e);
	wr_str(e->w, name);
	e->parts_count_at = e->w->len;
	fl_wr_i32(e->w, 0);			/* partition count, patched */
	e->ntopics++;
	e->nparts = 0;
	return e->w->err;
}

static int
fetch_part_fields(struct fl_kp_fetch_enc *e,
    const struct fl_kp_fetch_part_resp *pr, size_t records_len)
{
	struct fl_wr *w = e->w;

	if (e->err != 0)
		return e->err;
	if (e->ntopics == 0)
		e->err = FL_EINVAL;		/* no topic open */
	else if (e->nparts == INT32_MAX || records_len > INT32_MAX)
		e->err = FL_ERANGE;
	if (e->err != 0)
		return e->err;
	fl_wr_i32(w, pr->index);
	fl_wr_i16(w, pr->error);
	fl_wr_i64(w, pr->high_watermark);
	fl_wr_i64(w, pr->last_stable_offset);		/* v4+ */
	if (e->version >= 5)
		fl_wr_i64(w, pr->log_start_offset);
	fl_wr_i32(w, 0);			/* v4+ AbortedTransactions: [] */
	if (e->version >= 11)
		fl_wr_i32(w, pr->preferred_read_replica);
	fl_wr_i32(w, (int32_t)records_len);
	e->nparts++;
	return w->err;
}

int
fl_kp_fetch_resp_partition(struct fl_kp_fetch_enc *e,
    const struct fl_kp_fetch_part_resp *pr, uint32_t records_len, size_t *at)
{
	TRY(fetch_part_fields(e, pr, records_len));
	*at = e->w->len;
	e->hole_bytes += records_len;
	return 0;
}

int
fl_kp_fetch_resp_partition_inline(struct fl_kp_fetch_enc *e,
    const struct fl_kp_fetch_part_resp *pr, const void *records, size_t len)
{
	TRY(fetch_part_fields(e, pr, len));
	fl_wr_raw(e->w, records, len);
	return e->w->err;
}

int
fl_kp_fetch_resp_end(struct fl_kp_fetch_enc *e, uint64_t *frame_bytes)
{
	struct fl_wr *w = e->w;
	uint64_t size;

	if (e->err != 0)
		return e->err;
	if (w->err != 0)
		return w->err;
	fetch_close_topic(e);
	fl_wr_patch_i32(w, e->topics_count_at, e->ntopics);
	size = (uint64_t)(w->len - e->start - 4) + e->hole_bytes;
	if (size > INT32_MAX) {
		e->err = FL_ERANGE;
		return e->err;
	}
	fl_wr_patch_i32(w, e->start, (int32_t)size);
	if (frame_bytes != NULL)
		*frame_bytes = size + 4;
	return w->err;
}

/* ---- ListOffsets ---- */

int
fl_kp_list_offsets_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_list_offsets_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_LIST_OFFSETS, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 2)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_list_offsets_topic_resp *t = &r->topics[i];

		wr_str(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			fl_wr_i32(w, t->parts[j].index);
			fl_wr_i16(w, t->parts[j].error);
			fl_wr_i64(w, t->parts[j].timestamp);	/* v1+ */
			fl_wr_i64(w, t->parts[j].offset);	/* v1+ */
		}
	}
	return fl_kp_resp_end(w, start);
}

/* ---- Metadata ---- */

int
fl_kp_metadata_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_metadata_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_METADATA, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 3)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->nbrokers);
	for (i = 0; i < r->nbrokers && w->err == 0; i++) {
		fl_wr_i32(w, r->brokers[i].node_id);
		wr_str(w, r->brokers[i].host);
		fl_wr_i32(w, r->brokers[i].port);
		wr_nstr(w, r->brokers[i].rack);		/* v1+ */
	}
	if (version >= 2)
		wr_nstr(w, r->cluster_id);
	fl_wr_i32(w, r->controller_id);			/* v1+ */
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_metadata_topic *t = &r->topics[i];

		fl_wr_i16(w, t->error);
		wr_str(w, t->name);
		fl_wr_i8(w, t->is_internal ? 1 : 0);	/* v1+ */
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			const struct fl_kp_metadata_part *p = &t->parts[j];

			fl_wr_i16(w, p->error);
			fl_wr_i32(w, p->index);
			fl_wr_i32(w, p->leader_id);
			wr_i32_array(w, p->replicas, p->nreplicas);
			wr_i32_array(w, p->isr, p->nisr);
			if (version >= 5)
				wr_i32_array(w, p->offline, p->noffline);
		}
	}
	return fl_kp_resp_end(w, start);
}

/* ---- group APIs ---- */

int
fl_kp_offset_commit_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_offset_commit_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_OFFSET_COMMIT, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 3)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_offset_commit_topic_resp *t = &r->topics[i];

		wr_str(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			fl_wr_i32(w, t->parts[j].index);
			fl_wr_i16(w, t->parts[j].error);
		}
	}
	return fl_kp_resp_end(w, start);
}

int
fl_kp_offset_fetch_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_offset_fetch_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_OFFSET_FETCH, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 3)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_offset_fetch_topic_resp *t = &r->topics[i];

		wr_str(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			const struct fl_kp_offset_fetch_part_resp *p = &t->parts[j];

			fl_wr_i32(w, p->index);
			fl_wr_i64(w, p->committed_offset);
			if (version >= 5)
				fl_wr_i32(w, p->committed_leader_epoch);
			wr_nstr(w, p->metadata);
			fl_wr_i16(w, p->error);
		}
	}
	if (version >= 2)
		fl_wr_i16(w, r->error);		/* top level, last */
	return fl_kp_resp_end(w, start);
}

int
fl_kp_find_coordinator_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_find_coordinator_resp *r)
{
	size_t start;

	if (!version_ok(FL_KP_FIND_COORDINATOR, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	if (version >= 1)
		wr_nstr(w, r->error_message);
	fl_wr_i32(w, r->node_id);
	wr_str(w, r->host);
	fl_wr_i32(w, r->port);
	return fl_kp_resp_end(w, start);
}

int
fl_kp_join_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_join_group_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_JOIN_GROUP, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 2)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	fl_wr_i32(w, r->generation_id);
	wr_str(w, r->protocol_name);
	wr_str(w, r->leader);
	wr_str(w, r->member_id);
	wr_count(w, r->nmembers);
	for (i = 0; i < r->nmembers && w->err == 0; i++) {
		wr_str(w, r->members[i].member_id);
		if (version >= 5)
			wr_nstr(w, r->members[i].group_instance_id);
		wr_bytes(w, r->members[i].metadata);
	}
	return fl_kp_resp_end(w, start);
}

/* Throttle (from throttle_from on) then ErrorCode. */
static int
error_resp(struct fl_wr *w, int16_t key, int16_t version, int16_t throttle_from,
    int32_t correlation_id, const struct fl_kp_error_resp *r)
{
	size_t start;

	if (!version_ok(key, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= throttle_from)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	return fl_kp_resp_end(w, start);
}

int
fl_kp_heartbeat_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_error_resp *r)
{
	return error_resp(w, FL_KP_HEARTBEAT, version, 1, correlation_id, r);
}

int
fl_kp_leave_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_leave_group_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_LEAVE_GROUP, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	if (version >= 3) {
		wr_count(w, r->nmembers);
		for (i = 0; i < r->nmembers && w->err == 0; i++) {
			wr_str(w, r->members[i].member_id);
			wr_nstr(w, r->members[i].group_instance_id);
			fl_wr_i16(w, r->members[i].error);
		}
	}
	return fl_kp_resp_end(w, start);
}

int
fl_kp_sync_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sync_group_resp *r)
{
	size_t start;

	if (!version_ok(FL_KP_SYNC_GROUP, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	wr_bytes(w, r->assignment);
	return fl_kp_resp_end(w, start);
}

int
fl_kp_describe_groups_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_describe_groups_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_DESCRIBE_GROUPS, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ngroups);
	for (i = 0; i < r->ngroups && w->err == 0; i++) {
		const struct fl_kp_described_group *g = &r->groups[i];

		fl_wr_i16(w, g->error);
		wr_str(w, g->group_id);
		wr_str(w, g->state);
		wr_str(w, g->protocol_type);
		wr_str(w, g->protocol_data);
		wr_count(w, g->nmembers);
		for (j = 0; j < g->nmembers && w->err == 0; j++) {
			const struct fl_kp_described_member *m = &g->members[j];

			wr_str(w, m->member_id);
			if (version >= 4)
				wr_nstr(w, m->group_instance_id);
			wr_str(w, m->client_id);
			wr_str(w, m->client_host);
			wr_bytes(w, m->metadata);
			wr_bytes(w, m->assignment);
		}
		if (version >= 3)
			fl_wr_i32(w, g->authorized_operations);
	}
	return fl_kp_resp_end(w, start);
}

int
fl_kp_list_groups_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_list_groups_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_LIST_GROUPS, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	fl_wr_i16(w, r->error);
	wr_count(w, r->ngroups);
	for (i = 0; i < r->ngroups && w->err == 0; i++) {
		wr_str(w, r->groups[i].group_id);
		wr_str(w, r->groups[i].protocol_type);
	}
	return fl_kp_resp_end(w, start);
}

/* ---- SASL ---- */

int
fl_kp_sasl_handshake_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sasl_handshake_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_SASL_HANDSHAKE, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	fl_wr_i16(w, r->error);
	wr_count(w, r->nmechanisms);
	for (i = 0; i < r->nmechanisms && w->err == 0; i++)
		wr_str(w, r->mechanisms[i]);
	return fl_kp_resp_end(w, start);
}

int
fl_kp_sasl_authenticate_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sasl_authenticate_resp *r)
{
	size_t start;

	if (!version_ok(FL_KP_SASL_AUTHENTICATE, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	fl_wr_i16(w, r->error);
	wr_nstr(w, r->error_message);
	wr_bytes(w, r->auth_bytes);
	if (version >= 1)
		fl_wr_i64(w, r->session_lifetime_ms);
	return fl_kp_resp_end(w, start);
}

/* ---- admin and producer ids ---- */

int
fl_kp_create_topics_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_create_topics_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_CREATE_TOPICS, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 2)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		wr_str(w, r->topics[i].name);
		fl_wr_i16(w, r->topics[i].error);
		if (version >= 1)
			wr_nstr(w, r->topics[i].error_message);
	}
	return fl_kp_resp_end(w, start);
}

int
fl_kp_delete_topics_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_delete_topics_resp *r)
{
	size_t start, i;

	if (!version_ok(FL_KP_DELETE_TOPICS, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 1)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		wr_str(w, r->topics[i].name);
		fl_wr_i16(w, r->topics[i].error);
	}
	return fl_kp_resp_end(w, start);
}

int
fl_kp_init_producer_id_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_init_producer_id_resp *r)
{
	size_t start;

	if (!version_ok(FL_KP_INIT_PRODUCER_ID, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	fl_wr_i32(w, r->throttle_ms);		/* present even in v0 */
	fl_wr_i16(w, r->error);
	fl_wr_i64(w, r->producer_id);
	fl_wr_i16(w, r->producer_epoch);
	return fl_kp_resp_end(w, start);
}

int
fl_kp_ofle_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_ofle_resp *r)
{
	size_t start, i, j;

	if (!version_ok(FL_KP_OFFSET_FOR_LEADER_EPOCH, version))
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= 2)
		fl_wr_i32(w, r->throttle_ms);
	wr_count(w, r->ntopics);
	for (i = 0; i < r->ntopics && w->err == 0; i++) {
		const struct fl_kp_ofle_topic_resp *t = &r->topics[i];

		wr_str(w, t->name);
		wr_count(w, t->nparts);
		for (j = 0; j < t->nparts && w->err == 0; j++) {
			fl_wr_i16(w, t->parts[j].error);
			fl_wr_i32(w, t->parts[j].partition);
			if (version >= 1)
				fl_wr_i32(w, t->parts[j].leader_epoch);
			fl_wr_i64(w, t->parts[j].end_offset);
		}
	}
	return fl_kp_resp_end(w, start);
}
