/*
 * kproto.h: Kafka request decoding and response encoding for the broker
 * (shared/kafka-subset.md is the spec).  Bodies are codec/kschema tables,
 * one per request and response (kproto.c); flexible (KIP-482) versions are
 * walked by the same tables (advertised where they add no field).
 *
 * Flow for one request (see fl_kp_req_decode):
 *   1. fl_kp_frame_size() peeks the int32 size prefix; the caller reads
 *      that many bytes (the "payload": header + body).
 *   2. fl_kp_req_decode() parses the request header (v1; v2, i.e. v1 plus
 *      a tagged-field section, for a flexible version), classifies the
 *      (api key, version) against the codec's table and, when supported,
 *      decodes the body into plain structs in req->u.
 *   3. The broker fills a response struct and calls the matching
 *      fl_kp_*_resp_encode(), which appends one whole response frame
 *      (int32 size | int32 correlation id | body; for a flexible version
 *      other than ApiVersions, an empty tag section after the correlation
 *      id: response header v1) to a struct fl_wr.
 *
 * Ownership: decoded requests BORROW the payload buffer: every string and
 * bytes field is a struct fl_slice pointing into it (p == NULL means a
 * Kafka null).  Arrays are allocated from req->arena (a struct fl_arena,
 * base/arena.h); fl_kp_req_free() releases them.  Keep the payload alive
 * and unchanged until fl_kp_req_free().  The arena is limited to
 * FL_KP_ARENA_BYTES(n) for an n-byte payload, and in practice stays within
 * FL_KP_ARENA_RATIO(flexible) * n: every array count is checked against
 * the bytes left before anything is allocated, and no decoded element is
 * more than 12 times larger than its smallest classic wire encoding (a
 * LeaveGroup v3 member: two empty strings, 4 bytes, held in 48 with the
 * v5 Reason), 16 times its smallest compact one (an empty compact string
 * is one byte, its slice 16; the fuzzers assert this).  A null array where Kafka says
 * non-nullable is accepted as empty.  Response structs are read only
 * during the encode call; their pointers stay the caller's.
 *
 * Errors: 0 or negative FL_E*.  Decoders: FL_ESHORT (input ended early),
 * FL_EPROTO (malformed: negative length, bad count, trailing bytes after
 * the body), FL_EINVAL (version outside the table), FL_EFULL/FL_ENOMEM
 * (arena).  Any decode failure means "close this connection".  Encoders
 * return 0 or the writer's sticky error (FL_EFULL, FL_ENOMEM, FL_ERANGE for
 * a string longer than 32767 bytes or a frame above INT32_MAX) or FL_EINVAL
 * for a version outside the table; after a failure the bytes appended to
 * the writer are unspecified.
 *
 * Layer: codec.  Pure: no I/O, no clock, no globals; malloc only (arena,
 * fl_wr).
 */
#ifndef FL_KPROTO_H
#define FL_KPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/rd.h"
#include "codec/kadmin.h"
#include "codec/kerr.h"
#include "codec/kschema.h"

/* Kafka's default socket.request.max.bytes; callers may pass less. */
#define FL_KP_FRAME_BYTES_MAX	(100u << 20)

/* Heap a decoded request of n payload bytes may use, at most. */
#define FL_KP_ARENA_BYTES(n)	((size_t)(n) * 16 + 4096)
/* ... and what it uses in practice, per payload byte (see above). */
#define FL_KP_ARENA_RATIO(flexible)	((flexible) ? 16u : 12u)

/* ---- API keys and the version table ---- */

enum {
	FL_KP_PRODUCE = 0,
	FL_KP_FETCH = 1,
	FL_KP_LIST_OFFSETS = 2,
	FL_KP_METADATA = 3,
	FL_KP_OFFSET_COMMIT = 8,
	FL_KP_OFFSET_FETCH = 9,
	FL_KP_FIND_COORDINATOR = 10,
	FL_KP_JOIN_GROUP = 11,
	FL_KP_HEARTBEAT = 12,
	FL_KP_LEAVE_GROUP = 13,
	FL_KP_SYNC_GROUP = 14,
	FL_KP_DESCRIBE_GROUPS = 15,
	FL_KP_LIST_GROUPS = 16,
	FL_KP_SASL_HANDSHAKE = 17,
	FL_KP_API_VERSIONS = 18,
	FL_KP_CREATE_TOPICS = 19,
	FL_KP_DELETE_TOPICS = 20,
	FL_KP_INIT_PRODUCER_ID = 22,
	FL_KP_OFFSET_FOR_LEADER_EPOCH = 23,
	FL_KP_SASL_AUTHENTICATE = 36,
	/* admin APIs: bodies in codec/kadmin.h, decoded into req->u.admin */
	FL_KP_DELETE_RECORDS = FL_KA_DELETE_RECORDS,
	FL_KP_DESCRIBE_CONFIGS = FL_KA_DESCRIBE_CONFIGS,
	FL_KP_ALTER_CONFIGS = FL_KA_ALTER_CONFIGS,
	FL_KP_CREATE_PARTITIONS = FL_KA_CREATE_PARTITIONS,
	FL_KP_DELETE_GROUPS = FL_KA_DELETE_GROUPS,
	FL_KP_INCREMENTAL_ALTER_CONFIGS = FL_KA_INCREMENTAL_ALTER_CONFIGS,
	FL_KP_OFFSET_DELETE = FL_KA_OFFSET_DELETE,
	FL_KP_DESCRIBE_CLUSTER = FL_KA_DESCRIBE_CLUSTER
};

/*
 * Feature sets: the broker passes the OR of the sets it implements.  Keys
 * whose set is not enabled are treated as unknown (not advertised, and a
 * request for them classifies as FL_KP_REQ_UNSUPPORTED), because a client
 * must never see an API key the broker does not serve (§2.1).
 */
enum {
	FL_KP_FEAT_CORE  = 0,	/* always on */
	FL_KP_FEAT_GROUP = 1,	/* FindCoordinator .. DescribeGroups, Offset{Commit,Fetch} */
	FL_KP_FEAT_SASL  = 2	/* SaslHandshake, SaslAuthenticate */
};
#define FL_KP_FEAT_ALL	(FL_KP_FEAT_GROUP | FL_KP_FEAT_SASL)

struct fl_kp_api {
	int16_t  key, min_version, max_version;	/* advertised */
	unsigned feature;	/* FL_KP_FEAT_* the key belongs to */
	const char *name;	/* "Produce", for logs */
	int16_t  flex_min;	/* first flexible (KIP-482) version, Kafka's */
	int16_t  codec_min, codec_max;	/* versions the schemas describe */
	const struct fl_ks_schema *req, *resp;	/* body layouts (kschema.h) */
};

/*
 * The one table of supported keys and [min, max] versions (advertised).
 * The fl_kp_* decoders and encoders accept exactly [min, max]; the schemas
 * describe [codec_min, codec_max] (a superset), for tests and for versions
 * on their way in: fl_ks_decode/fl_ks_encode with api->req / api->resp and
 * flex = (version >= api->flex_min) work over that whole range.
 */
extern const struct fl_kp_api fl_kp_apis[];
extern const size_t fl_kp_napis;

/* Table entry for key if it exists and its feature is enabled, else NULL. */
const struct fl_kp_api *fl_kp_api_find(int16_t key, unsigned features);
/* Name of an API key for logs ("Produce", or "?" when unknown). */
const char *fl_kp_api_name(int16_t key);
/* Whether (key, version) uses KIP-482 flexible encodings (header v2 / v1). */
int fl_kp_is_flexible(int16_t key, int16_t version);

/* ---- Kafka error codes: FL_KERR_* in codec/kerr.h ---- */

/*
 * Kafka error for a fl_batch_check() result: 0 -> NONE, FL_EPROTO ->
 * INVALID_RECORD (87), FL_ENOMEM (decompressing) -> UNKNOWN_SERVER_ERROR
 * (-1), any other negative -> CORRUPT_MESSAGE (2).
 */
int16_t fl_kp_batch_error(int batch_check_rc);

/* ---- framing and request header ---- */

/*
 * Peek the 4-byte size prefix at p (n bytes available).  *size gets the
 * payload length that follows the prefix.  FL_ESHORT if n < 4; FL_EPROTO
 * if the size is negative or above size_max (close the connection).
 */
int fl_kp_frame_size(const uint8_t *p, size_t n, size_t size_max, size_t *size);

enum fl_kp_req_kind {
	FL_KP_REQ_OK = 0,		/* known key, supported version: body decoded */
	FL_KP_REQ_APIVERSIONS_TOO_NEW,	/* ApiVersions above max: send
					   fl_kp_apiversions_fallback(), keep going */
	FL_KP_REQ_UNSUPPORTED		/* unknown key or version: log and close */
};

struct fl_kp_hdr {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	struct fl_slice client_id;	/* p NULL: null (or unparsed, see below) */
	size_t  body_off;		/* where the body starts in the payload */
	enum fl_kp_req_kind kind;
};

/*
 * Parse the request header (v1, or v2 for a flexible version: its tagged
 * fields are skipped) at the start of a payload of n bytes.
 * Needs only the first 8 bytes to classify: for FL_KP_REQ_APIVERSIONS_TOO_NEW
 * (a newer ApiVersions than ours, e.g. v4, §3) and
 * FL_KP_REQ_UNSUPPORTED the client id is parsed if possible and otherwise
 * left null, and 0 is still returned.  For FL_KP_REQ_OK a missing or
 * malformed client id is FL_ESHORT / FL_EPROTO.  FL_ESHORT if n < 8.
 */
int fl_kp_hdr_parse(const uint8_t *p, size_t n, unsigned features,
    struct fl_kp_hdr *h);

/* ---- arena for decoded arrays: struct fl_arena, base/arena.h ---- */

/* Make a slice from a C string (NULL gives a null slice). */
struct fl_slice fl_kp_str(const char *s);

/* ==== per-API request and response structs ====
 * Request fields absent at the decoded version hold the default noted in
 * brackets.  Response fields absent at the encoded version are skipped.
 * Counts are size_t; an encoder fails with FL_ERANGE above INT32_MAX.
 */

/* ApiVersions (18) v0-3: empty request body; v3+ names the client. */
struct fl_kp_apiversions_req {
	int unused;
	struct fl_slice client_software_name;		/* v3+ [null] */
	struct fl_slice client_software_version;	/* v3+ [null] */
};

/* Produce (0) v0-11: v0-2 carry magic 0/1 message sets (codec/msgset.h);
 * v9+ flexible; v10+ answers where the leader is (KIP-951) */
struct fl_kp_produce_part {
	int32_t index;
	struct fl_slice records;	/* p NULL: null; validate with batch.h */
};
struct fl_kp_produce_topic {
	struct fl_slice name;
	struct fl_kp_produce_part *parts;
	size_t nparts;
};
struct fl_kp_produce_req {
	struct fl_slice transactional_id;
	int16_t acks;			/* not validated: 0, 1, -1 else 21 for all;
					   acks 0 gets no response at all */
	int32_t timeout_ms;
	struct fl_kp_produce_topic *topics;
	size_t ntopics;
};
struct fl_kp_node_endpoint {		/* Produce v10+ NodeEndpoint */
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
	struct fl_slice rack;		/* nullable */
};
struct fl_kp_record_error {		/* Produce v8+ BatchIndexAndErrorMessage */
	int32_t batch_index;		/* the record's index in its batch */
	struct fl_slice message;	/* nullable */
};
struct fl_kp_produce_part_resp {
	int32_t index;
	int16_t error;
	int64_t base_offset;		/* -1 on error */
	int64_t log_append_time_ms;	/* -1 for CreateTime */
	int64_t log_start_offset;	/* v5+ */
	const struct fl_kp_record_error *record_errors;	/* v8+: which */
	size_t nrecord_errors;		/* records failed validation */
	struct fl_slice error_message;	/* v8+, nullable */
	struct fl_kp_leader_id_epoch {	/* v10+ tagged (0), sent unless -1/-1 */
		int32_t leader_id, leader_epoch;
	} current_leader;
};
struct fl_kp_produce_topic_resp {
	struct fl_slice name;
	const struct fl_kp_produce_part_resp *parts;
	size_t nparts;
};
struct fl_kp_produce_resp {
	const struct fl_kp_produce_topic_resp *topics;
	size_t ntopics;
	int32_t throttle_ms;		/* written LAST (v1+) */
	/*
	 * OUT, optional: where each partition's entry (index i32, error i16,
	 * base_offset i64, ...: fixed width) begins, as an offset from the
	 * response's first byte (its size prefix), partitions in order; lets
	 * a broker encode an answer before it is settled and write the error
	 * and base offset in place later.
	 */
	size_t *part_pos;
	const struct fl_kp_node_endpoint *node_endpoints;	/* v10+ tagged (0): */
	size_t nnode_endpoints;		/* the leaders current_leader names */
};

/* Fetch (1) v0-11: v0-3 answer magic 0/1 message sets (codec/msgset.h) */
struct fl_kp_fetch_part {
	int32_t partition;
	int32_t current_leader_epoch;	/* v9+ [-1] */
	int64_t fetch_offset;
	int64_t log_start_offset;	/* v5+ [-1] */
	int32_t max_bytes;
};
struct fl_kp_fetch_topic {
	struct fl_slice name;
	struct fl_kp_fetch_part *parts;
	size_t nparts;
};
struct fl_kp_fetch_forgotten {
	struct fl_slice name;
	int32_t *parts;
	size_t nparts;
};
struct fl_kp_fetch_req {
	int32_t replica_id;
	int32_t max_wait_ms;
	int32_t min_bytes;
	int32_t max_bytes;		/* v3+ */
	int8_t  isolation_level;	/* v4+ */
	int32_t session_id;		/* v7+ [0] */
	int32_t session_epoch;		/* v7+ [-1] */
	struct fl_kp_fetch_topic *topics;
	size_t ntopics;
	struct fl_kp_fetch_forgotten *forgotten;	/* v7+ [none] */
	size_t nforgotten;
	struct fl_slice rack_id;	/* v11+ [null] */
};
struct fl_kp_fetch_part_resp {
	int32_t index;
	int16_t error;
	int64_t high_watermark;
	int64_t last_stable_offset;	/* v4+: set = high_watermark */
	int64_t log_start_offset;	/* v5+ */
	int32_t preferred_read_replica;	/* v11+: -1 */
};

/*
 * Fetch responses are built incrementally so that record bytes can come
 * straight from segment files (sendfile) without passing through w:
 *
 *   fl_kp_fetch_resp_begin(&e, w, version, corr, throttle_ms, error, 0);
 *   for each topic:   fl_kp_fetch_resp_topic(&e, name);
 *     for each part:  fl_kp_fetch_resp_partition(&e, &pr, records_len, &at);
 *   fl_kp_fetch_resp_end(&e);
 *
 * fl_kp_fetch_resp_partition() writes the partition's fields up to and
 * including the Records int32 length prefix (= records_len) and returns in
 * *at the position in w->p just after that prefix.  The bytes the caller
 * must send are then: w->p[start .. at_1), records_len_1 file bytes,
 * w->p[at_1 .. at_2), records_len_2 file bytes, ..., w->p[at_k .. w->len).
 * Positions are offsets in w (stable across reallocation).  A partition with
 * records_len 0 adds no hole (empty Records, not null).  The frame size
 * prefix written by _end counts the holes.  _partition_inline() writes the
 * record bytes into w instead (tests, small in-memory data).
 * AbortedTransactions (v4+) are always sent as an empty array.
 * Each call returns 0 or the writer's error (sticky: _end reports it too);
 * _end also fails with FL_ERANGE if the frame would exceed INT32_MAX.
 */
struct fl_kp_fetch_enc {
	struct fl_wr *w;		/* borrowed */
	int16_t version;
	size_t  start;			/* offset of the frame's size prefix in w */
	size_t  topics_count_at, parts_count_at;
	int32_t ntopics, nparts;
	uint64_t hole_bytes;		/* sum of records_len so far */
	int err;
};
int fl_kp_fetch_resp_begin(struct fl_kp_fetch_enc *e, struct fl_wr *w,
    int16_t version, int32_t correlation_id, int32_t throttle_ms,
    int16_t error, int32_t session_id);
int fl_kp_fetch_resp_topic(struct fl_kp_fetch_enc *e, struct fl_slice name);
int fl_kp_fetch_resp_partition(struct fl_kp_fetch_enc *e,
    const struct fl_kp_fetch_part_resp *pr, uint32_t records_len,
    size_t *at /* OUT: insert records_len file bytes after w->p[at - 1] */);
int fl_kp_fetch_resp_partition_inline(struct fl_kp_fetch_enc *e,
    const struct fl_kp_fetch_part_resp *pr, const void *records, size_t len);
/* Patch counts and the frame size.  *frame_bytes (may be NULL) gets the
 * total bytes on the wire including holes and the size prefix. */
int fl_kp_fetch_resp_end(struct fl_kp_fetch_enc *e, uint64_t *frame_bytes);

/* ListOffsets (2) v0-9; v6+ flexible */
struct fl_kp_list_offsets_part {
	int32_t index;
	int32_t current_leader_epoch;	/* v4+ [-1] */
	int64_t timestamp;		/* -1 latest, -2 earliest, -3 max timestamp
					   (v7+), -4 earliest local (v8+), -5 latest
					   tiered (v9+), else ms */
	int32_t max_num_offsets;	/* v0 only [1] */
};
struct fl_kp_list_offsets_topic {
	struct fl_slice name;
	struct fl_kp_list_offsets_part *parts;
	size_t nparts;
};
struct fl_kp_list_offsets_req {
	int32_t replica_id;
	int8_t  isolation_level;	/* v2+ [0] */
	struct fl_kp_list_offsets_topic *topics;
	size_t ntopics;
};
struct fl_kp_list_offsets_part_resp {
	int32_t index;
	int16_t error;
	int64_t timestamp;		/* v1+: -1 for the -1/-2 queries */
	int64_t offset;			/* v1+ */
	const int64_t *old_style_offsets;	/* v0 only, in place of the */
	size_t nold_style_offsets;		/* two above: newest first */
	int32_t leader_epoch;		/* v4+ [-1] */
};
struct fl_kp_list_offsets_topic_resp {
	struct fl_slice name;
	const struct fl_kp_list_offsets_part_resp *parts;
	size_t nparts;
};
struct fl_kp_list_offsets_resp {
	int32_t throttle_ms;		/* v2+ */
	const struct fl_kp_list_offsets_topic_resp *topics;
	size_t ntopics;
};

/* Metadata (3) v0-9 */
struct fl_kp_metadata_req {
	int is_all_topics;		/* Topics was null (v1+) or empty (v0) */
	struct fl_slice *topics;
	size_t ntopics;
	int allow_auto_create;		/* v4+ [1] */
	int include_cluster_authorized_operations;	/* v8-10 [0] */
	int include_topic_authorized_operations;	/* v8+ [0] */
};
struct fl_kp_broker {
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
	struct fl_slice rack;		/* nullable */
};
struct fl_kp_metadata_part {
	int16_t error;
	int32_t index;
	int32_t leader_id;
	const int32_t *replicas;	size_t nreplicas;
	const int32_t *isr;		size_t nisr;
	const int32_t *offline;		size_t noffline;	/* v5+ */
	int32_t leader_epoch;		/* v7+ (sent after leader_id) */
};
struct fl_kp_metadata_topic {
	int16_t error;
	struct fl_slice name;
	int is_internal;
	const struct fl_kp_metadata_part *parts;
	size_t nparts;
	int32_t authorized_operations;	/* v8+: INT32_MIN = not computed */
};
struct fl_kp_metadata_resp {
	int32_t throttle_ms;		/* v3+ */
	const struct fl_kp_broker *brokers;
	size_t nbrokers;
	struct fl_slice cluster_id;	/* v2+, nullable */
	int32_t controller_id;
	const struct fl_kp_metadata_topic *topics;
	size_t ntopics;
	int32_t cluster_authorized_operations;	/* v8-10: INT32_MIN = not computed */
};

/* OffsetCommit (8) v0-9 (v0: generation -1, no member: a simple commit; v9 = v8) */
struct fl_kp_offset_commit_part {
	int32_t index;
	int64_t committed_offset;
	int32_t committed_leader_epoch;	/* v6+ [-1] */
	struct fl_slice metadata;	/* nullable */
	int64_t commit_timestamp;	/* v1 only [-1]: -1 = now */
};
struct fl_kp_offset_commit_topic {
	struct fl_slice name;
	struct fl_kp_offset_commit_part *parts;
	size_t nparts;
};
struct fl_kp_offset_commit_req {
	struct fl_slice group_id;
	int32_t generation_id;			/* v1+ [-1] */
	struct fl_slice member_id;		/* v1+ [null] */
	struct fl_slice group_instance_id;	/* v7+ [null] */
	int64_t retention_time_ms;		/* v2-4 [-1] */
	struct fl_kp_offset_commit_topic *topics;
	size_t ntopics;
};
struct fl_kp_part_error {
	int32_t index;
	int16_t error;
};
struct fl_kp_offset_commit_topic_resp {
	struct fl_slice name;
	const struct fl_kp_part_error *parts;
	size_t nparts;
};
struct fl_kp_offset_commit_resp {
	int32_t throttle_ms;		/* v3+ */
	const struct fl_kp_offset_commit_topic_resp *topics;
	size_t ntopics;
};

/* OffsetFetch (9) v0-9: v8+ name several groups (Groups), not one */
struct fl_kp_offset_fetch_topic {
	struct fl_slice name;
	int32_t *parts;
	size_t nparts;
};
/* v8+: one group of a request.  v9's MemberId and MemberEpoch (KIP-848
 * consumer groups) are read and dropped: a classic group ignores them, as
 * Kafka's does. */
struct fl_kp_offset_fetch_group {
	struct fl_slice group_id;
	int is_all_topics;		/* Topics was null */
	struct fl_kp_offset_fetch_topic *topics;
	size_t ntopics;
};
struct fl_kp_offset_fetch_req {
	struct fl_slice group_id;	/* v0-7 [null] */
	int is_all_topics;		/* Topics was null (v2-7) */
	struct fl_kp_offset_fetch_topic *topics;	/* v0-7 */
	size_t ntopics;
	int require_stable;		/* v7+ [0]: no transactions, always stable */
	struct fl_kp_offset_fetch_group *groups;	/* v8+ [none] */
	size_t ngroups;
};
struct fl_kp_offset_fetch_part_resp {
	int32_t index;
	int64_t committed_offset;	/* -1: nothing committed */
	int32_t committed_leader_epoch;	/* v5+ */
	struct fl_slice metadata;	/* nullable */
	int16_t error;
};
struct fl_kp_offset_fetch_topic_resp {
	struct fl_slice name;
	const struct fl_kp_offset_fetch_part_resp *parts;
	size_t nparts;
};
/* v8+: one group's answer */
struct fl_kp_offset_fetch_group_resp {
	struct fl_slice group_id;
	const struct fl_kp_offset_fetch_topic_resp *topics;
	size_t ntopics;
	int16_t error;			/* written last */
};
struct fl_kp_offset_fetch_resp {
	int32_t throttle_ms;		/* v3+ */
	const struct fl_kp_offset_fetch_topic_resp *topics;	/* v0-7 */
	size_t ntopics;
	int16_t error;			/* v2-7, top level, written last */
	const struct fl_kp_offset_fetch_group_resp *groups;	/* v8+ */
	size_t ngroups;
};

/* FindCoordinator (10) v0-5: v4+ batch keys (KIP-699); v5 = v4 */
struct fl_kp_find_coordinator_req {
	struct fl_slice key;		/* v0-3 [null] */
	int8_t key_type;		/* v1+ [0] */
	struct fl_slice *coordinator_keys;	/* v4+ [none] */
	size_t ncoordinator_keys;
};
struct fl_kp_coordinator {		/* v4+: one key's answer */
	struct fl_slice key;
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
	int16_t error;
	struct fl_slice error_message;	/* nullable */
};
struct fl_kp_find_coordinator_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;			/* v0-3, and the five below */
	struct fl_slice error_message;	/* v1-3, nullable */
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
	const struct fl_kp_coordinator *coordinators;	/* v4+ */
	size_t ncoordinators;
};

/* JoinGroup (11) v0-9 */
struct fl_kp_join_protocol {
	struct fl_slice name;
	struct fl_slice metadata;
};
struct fl_kp_join_group_req {
	struct fl_slice group_id;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;	/* v1+ [session_timeout_ms] */
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v5+ [null] */
	struct fl_slice protocol_type;
	struct fl_kp_join_protocol *protocols;
	size_t nprotocols;
	struct fl_slice reason;		/* v8+ [null]: for the log */
};
struct fl_kp_join_member {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v5+, nullable */
	struct fl_slice metadata;
};
struct fl_kp_join_group_resp {
	int32_t throttle_ms;		/* v2+ */
	int16_t error;
	int32_t generation_id;
	struct fl_slice protocol_name;	/* nullable from v7 */
	struct fl_slice leader;
	struct fl_slice member_id;
	const struct fl_kp_join_member *members;	/* leader only */
	size_t nmembers;
	struct fl_slice protocol_type;	/* v7+, nullable (sent before protocol_name) */
	int skip_assignment;		/* v9+ (sent after leader): KIP-814 */
};

/* Heartbeat (12) v0-4 */
struct fl_kp_heartbeat_req {
	struct fl_slice group_id;
	int32_t generation_id;
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v3+ [null] */
};
/* Heartbeat response and others that are just (throttle v1+, error). */
struct fl_kp_error_resp {
	int32_t throttle_ms;
	int16_t error;
};

/* LeaveGroup (13) v0-5 */
struct fl_kp_leave_member {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* nullable */
	struct fl_slice reason;		/* v5+ [null]: for the log */
};
struct fl_kp_leave_group_req {
	struct fl_slice group_id;
	/* v0-2: the single MemberId is returned as a one-element array
	 * (group_instance_id null), so callers handle one shape. */
	struct fl_kp_leave_member *members;
	size_t nmembers;
};
struct fl_kp_leave_member_resp {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* nullable */
	int16_t error;
};
struct fl_kp_leave_group_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	const struct fl_kp_leave_member_resp *members;	/* v3+ */
	size_t nmembers;
};

/* SyncGroup (14) v0-5 */
struct fl_kp_sync_assignment {
	struct fl_slice member_id;
	struct fl_slice assignment;
};
struct fl_kp_sync_group_req {
	struct fl_slice group_id;
	int32_t generation_id;
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v3+ [null] */
	struct fl_kp_sync_assignment *assignments;
	size_t nassignments;
	struct fl_slice protocol_type;	/* v5+ [null]: checked against the group's */
	struct fl_slice protocol_name;	/* v5+ [null] (sent before assignments) */
};
struct fl_kp_sync_group_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	struct fl_slice assignment;	/* a null slice is sent as empty bytes */
	struct fl_slice protocol_type;	/* v5+, nullable (sent before assignment) */
	struct fl_slice protocol_name;	/* v5+, nullable */
};

/* DescribeGroups (15) v0-5 */
struct fl_kp_describe_groups_req {
	struct fl_slice *groups;
	size_t ngroups;
	int include_authorized_operations;	/* v3+ [0] */
};
struct fl_kp_described_member {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v4+, nullable */
	struct fl_slice client_id;
	struct fl_slice client_host;
	struct fl_slice metadata;
	struct fl_slice assignment;
};
struct fl_kp_described_group {
	int16_t error;
	struct fl_slice group_id;
	struct fl_slice state;		/* "Stable", "Empty", ... */
	struct fl_slice protocol_type;
	struct fl_slice protocol_data;	/* chosen protocol name */
	const struct fl_kp_described_member *members;
	size_t nmembers;
	int32_t authorized_operations;	/* v3+: INT32_MIN when not asked */
};
struct fl_kp_describe_groups_resp {
	int32_t throttle_ms;		/* v1+ */
	const struct fl_kp_described_group *groups;
	size_t ngroups;
};

/* ListGroups (16) v0-5: v0-3 empty request body; v4+ filter by state, v5+ by type. */
struct fl_kp_list_groups_req {
	int unused;
	struct fl_slice *states_filter;	/* v4+ [none]: empty = all */
	size_t nstates_filter;
	struct fl_slice *types_filter;	/* v5+ [none]: empty = all */
	size_t ntypes_filter;
};
struct fl_kp_listed_group {
	struct fl_slice group_id;
	struct fl_slice protocol_type;
	struct fl_slice group_state;	/* v4+ */
	struct fl_slice group_type;	/* v5+: "classic" */
};
struct fl_kp_list_groups_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	const struct fl_kp_listed_group *groups;
	size_t ngroups;
};

/* SaslHandshake (17) v0-1 */
struct fl_kp_sasl_handshake_req {
	struct fl_slice mechanism;
};
struct fl_kp_sasl_handshake_resp {
	int16_t error;
	const struct fl_slice *mechanisms;
	size_t nmechanisms;
};

/* SaslAuthenticate (36) v0-2 */
struct fl_kp_sasl_authenticate_req {
	struct fl_slice auth_bytes;
};
struct fl_kp_sasl_authenticate_resp {
	int16_t error;
	struct fl_slice error_message;	/* nullable */
	struct fl_slice auth_bytes;	/* a null slice is sent as empty bytes */
	int64_t session_lifetime_ms;	/* v1+ */
};

/* CreateTopics (19) v0-6; v5+ flexible */
struct fl_kp_create_assignment {
	int32_t index;
	int32_t *broker_ids;
	size_t nbroker_ids;
};
struct fl_kp_create_config {
	struct fl_slice name;
	struct fl_slice value;		/* nullable */
};
struct fl_kp_create_topic {
	struct fl_slice name;
	int32_t num_partitions;		/* -1: broker default */
	int16_t replication_factor;	/* -1: broker default */
	struct fl_kp_create_assignment *assignments;
	size_t nassignments;
	struct fl_kp_create_config *configs;
	size_t nconfigs;
};
struct fl_kp_create_topics_req {
	struct fl_kp_create_topic *topics;
	size_t ntopics;
	int32_t timeout_ms;
	int validate_only;		/* v1+ [0] */
};
struct fl_kp_created_config {		/* v5+ CreatableTopicConfigs */
	struct fl_slice name;
	struct fl_slice value;		/* nullable */
	int read_only;
	int8_t config_source;		/* [-1] */
	int is_sensitive;
};
struct fl_kp_create_topic_resp {
	struct fl_slice name;
	int16_t error;
	struct fl_slice error_message;	/* v1+, nullable */
	int16_t topic_config_error_code;	/* v5+ tagged (0) */
	int32_t num_partitions;		/* v5+ [-1] */
	int16_t replication_factor;	/* v5+ [-1] */
	const struct fl_kp_created_config *configs;	/* v5+, nullable */
	size_t nconfigs;
	int configs_null;
};
struct fl_kp_create_topics_resp {
	int32_t throttle_ms;		/* v2+ */
	const struct fl_kp_create_topic_resp *topics;
	size_t ntopics;
};

/* DeleteTopics (20) v0-6; v4+ flexible */
struct fl_kp_delete_topic_state {	/* v6+ */
	struct fl_slice name;		/* nullable */
	uint8_t topic_id[16];
};
struct fl_kp_delete_topics_req {
	struct fl_kp_delete_topic_state *topics;	/* v6+ */
	size_t ntopics;
	struct fl_slice *names;		/* v0-5 */
	size_t nnames;
	int32_t timeout_ms;
};
struct fl_kp_name_error {
	struct fl_slice name;		/* v6+ nullable */
	uint8_t topic_id[16];		/* v6+ */
	int16_t error;
	struct fl_slice error_message;	/* v5+, nullable */
};
struct fl_kp_delete_topics_resp {
	int32_t throttle_ms;		/* v1+ */
	const struct fl_kp_name_error *topics;
	size_t ntopics;
};

/* InitProducerId (22) v0-5; v2+ flexible */
struct fl_kp_init_producer_id_req {
	struct fl_slice transactional_id;	/* nullable */
	int32_t transaction_timeout_ms;
	int64_t producer_id;		/* v3+ [-1] */
	int16_t producer_epoch;		/* v3+ [-1] */
};
struct fl_kp_init_producer_id_resp {
	int32_t throttle_ms;		/* present from v0 */
	int16_t error;
	int64_t producer_id;
	int16_t producer_epoch;
};

/* OffsetForLeaderEpoch (23) v0-4; v4 flexible */
struct fl_kp_ofle_part {
	int32_t partition;
	int32_t current_leader_epoch;	/* v2+ [-1] */
	int32_t leader_epoch;
};
struct fl_kp_ofle_topic {
	struct fl_slice name;
	struct fl_kp_ofle_part *parts;
	size_t nparts;
};
struct fl_kp_ofle_req {
	int32_t replica_id;		/* v3+ [-1]; -2 debug, >= 0 follower */
	struct fl_kp_ofle_topic *topics;
	size_t ntopics;
};
struct fl_kp_ofle_part_resp {
	int16_t error;
	int32_t partition;
	int32_t leader_epoch;		/* v1+ */
	int64_t end_offset;
};
struct fl_kp_ofle_topic_resp {
	struct fl_slice name;
	const struct fl_kp_ofle_part_resp *parts;
	size_t nparts;
};
struct fl_kp_ofle_resp {
	int32_t throttle_ms;		/* v2+ */
	const struct fl_kp_ofle_topic_resp *topics;
	size_t ntopics;
};

/* ---- decoding ---- */

/* One decoded request; which union member is valid follows hdr.api_key. */
struct fl_kp_req {
	struct fl_kp_hdr hdr;
	union {
		struct fl_kp_apiversions_req apiversions;
		struct fl_kp_produce_req produce;
		struct fl_kp_fetch_req fetch;
		struct fl_kp_list_offsets_req list_offsets;
		struct fl_kp_metadata_req metadata;
		struct fl_kp_offset_commit_req offset_commit;
		struct fl_kp_offset_fetch_req offset_fetch;
		struct fl_kp_find_coordinator_req find_coordinator;
		struct fl_kp_join_group_req join_group;
		struct fl_kp_heartbeat_req heartbeat;
		struct fl_kp_leave_group_req leave_group;
		struct fl_kp_sync_group_req sync_group;
		struct fl_kp_describe_groups_req describe_groups;
		struct fl_kp_list_groups_req list_groups;
		struct fl_kp_sasl_handshake_req sasl_handshake;
		struct fl_kp_sasl_authenticate_req sasl_authenticate;
		struct fl_kp_create_topics_req create_topics;
		struct fl_kp_delete_topics_req delete_topics;
		struct fl_kp_init_producer_id_req init_producer_id;
		struct fl_kp_ofle_req ofle;
		union fl_ka_req admin;		/* the admin keys (codec/kadmin.h) */
	} u;
	struct fl_arena arena;	/* owns the arrays in u */
};

/*
 * Decode one request payload p[0..n) (the bytes after the size prefix).
 * req is (re)initialised; its arena is limited to FL_KP_ARENA_BYTES(n).
 * Returns 0 with req->hdr filled and req->hdr.kind telling what to do;
 * only for FL_KP_REQ_OK is req->u decoded.  On error req->hdr is filled
 * as far as it parsed (api_key/correlation_id are valid once n >= 8) and
 * req holds nothing to free (fl_kp_req_free is still safe).
 * Always call fl_kp_req_free() when done; p must outlive req.
 */
int fl_kp_req_decode(struct fl_kp_req *req, const uint8_t *p, size_t n,
    unsigned features);
/* Free the arena of req; a zeroed or already freed req is a no-op. */
void fl_kp_req_free(struct fl_kp_req *req);

/*
 * Body decoders, one per API: r is positioned at the body and must be
 * consumed exactly (trailing bytes: FL_EPROTO).  Arrays come from a.
 * Versions outside the table: FL_EINVAL.  fl_kp_req_decode() uses these.
 */
int fl_kp_produce_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_produce_req *out);
int fl_kp_fetch_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_fetch_req *out);
int fl_kp_list_offsets_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_list_offsets_req *out);
int fl_kp_metadata_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_metadata_req *out);
int fl_kp_offset_commit_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_offset_commit_req *out);
int fl_kp_offset_fetch_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_offset_fetch_req *out);
int fl_kp_find_coordinator_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_find_coordinator_req *out);
int fl_kp_join_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_join_group_req *out);
int fl_kp_heartbeat_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_heartbeat_req *out);
int fl_kp_leave_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_leave_group_req *out);
int fl_kp_sync_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sync_group_req *out);
int fl_kp_describe_groups_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_describe_groups_req *out);
int fl_kp_list_groups_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_list_groups_req *out);
int fl_kp_sasl_handshake_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sasl_handshake_req *out);
int fl_kp_sasl_authenticate_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_sasl_authenticate_req *out);
int fl_kp_apiversions_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_apiversions_req *out);
int fl_kp_create_topics_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_create_topics_req *out);
int fl_kp_delete_topics_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_delete_topics_req *out);
int fl_kp_init_producer_id_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_init_producer_id_req *out);
int fl_kp_ofle_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_ofle_req *out);

/* ---- encoding ---- */

/*
 * Generic framing for hand-written responses: _begin appends the size
 * placeholder and the correlation id and returns the frame's start offset
 * in w; _end patches the size (FL_ERANGE above INT32_MAX) and returns 0 or
 * w->err.  Every fl_kp_*_resp_encode() below is _begin + body + _end.
 */
size_t fl_kp_resp_begin(struct fl_wr *w, int32_t correlation_id);
int fl_kp_resp_end(struct fl_wr *w, size_t start);

/*
 * ApiVersions v0-3 response listing every table entry whose feature is in
 * features (ThrottleTimeMs last, v1+; v3 flexible under header v0, no
 * feature tags).  error is normally 0; INVALID_REQUEST (42) lists no keys,
 * as Kafka's answer to a v3 request that fl_kp_apiversions_req_valid
 * refuses.
 */
/*
 * Kafka's check of an ApiVersions request: from v3 on, ClientSoftwareName
 * and ClientSoftwareVersion must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
 * (so not empty); 1 if valid, 0 if the answer is INVALID_REQUEST.
 */
int fl_kp_apiversions_req_valid(const struct fl_kp_apiversions_req *r, int16_t version);
int fl_kp_apiversions_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, int16_t error, int32_t throttle_ms,
    unsigned features);
/*
 * The reply to an ApiVersions request above our max (§3): v0 body, error
 * 35, ApiKeys = [{18, min, max}] only, no throttle: 20 bytes in all.
 */
int fl_kp_apiversions_fallback(struct fl_wr *w, int32_t correlation_id);

int fl_kp_produce_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_produce_resp *r);
int fl_kp_list_offsets_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_list_offsets_resp *r);
int fl_kp_metadata_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_metadata_resp *r);
int fl_kp_offset_commit_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_offset_commit_resp *r);
int fl_kp_offset_fetch_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_offset_fetch_resp *r);
int fl_kp_find_coordinator_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_find_coordinator_resp *r);
int fl_kp_join_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_join_group_resp *r);
int fl_kp_heartbeat_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_error_resp *r);
int fl_kp_leave_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_leave_group_resp *r);
int fl_kp_sync_group_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sync_group_resp *r);
int fl_kp_describe_groups_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_describe_groups_resp *r);
int fl_kp_list_groups_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_list_groups_resp *r);
int fl_kp_sasl_handshake_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sasl_handshake_resp *r);
int fl_kp_sasl_authenticate_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_sasl_authenticate_resp *r);
int fl_kp_create_topics_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_create_topics_resp *r);
int fl_kp_delete_topics_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_delete_topics_resp *r);
int fl_kp_init_producer_id_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_init_producer_id_resp *r);
int fl_kp_ofle_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_ofle_resp *r);

#endif
