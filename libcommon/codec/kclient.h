/*
 * kclient.h: the client side of the Kafka wire protocol, the inverse of
 * kproto.h: request ENCODERS and response DECODERS for the non-flexible
 * versions flume speaks (shared/kafka-subset.md is the spec), plus version
 * negotiation from an ApiVersions answer.
 *
 * Flow for one exchange:
 *   1. fl_kc_negotiate() turns the broker's ApiVersions answer into the
 *      version to use for each API (highest both sides support).
 *   2. fl_kc_<api>_req_encode() appends one whole request frame
 *      (int32 size | header v1 | body) to a struct fl_wr.
 *   3. The caller reads the int32 size prefix (fl_kc_frame_size), then that
 *      many payload bytes; fl_kc_resp_corr() gives the correlation id.
 *   4. fl_kc_<api>_resp_decode() parses the payload (correlation id first)
 *      for the version that was sent, into a plain struct.
 *
 * Ownership: request structs are read only during the encode call; their
 * pointers stay the caller's.  Decoded responses BORROW the payload: every
 * string and bytes field is a struct fl_slice pointing into it (p == NULL
 * means a Kafka null).  Arrays are allocated from a caller-owned struct
 * fl_arena (base/arena.h, capped at FL_KC_ARENA_BYTES_MAX); fl_arena_free()
 * releases them all.  Keep the payload alive and unchanged, and the arena
 * unfreed, while the response is used.  Every array count is checked
 * against the bytes left (at the element's smallest wire size) before
 * anything is allocated, so the heap a decode uses is bounded by a small
 * multiple of the payload size.
 *
 * Errors: 0 or negative FL_E*.  Encoders: FL_EINVAL for a version outside
 * the client's table (fl_kc_api_min/max), else the writer's sticky error
 * (FL_EFULL, FL_ENOMEM, FL_ERANGE for a string over 32767 bytes); after a
 * failure the bytes appended are unspecified.  Decoders: FL_ESHORT (payload
 * ended early), FL_EPROTO (negative length, impossible count, bytes left
 * over after the body), FL_EFULL (past the arena's cap) or FL_ENOMEM.  A
 * decode failure means the peer broke the protocol: drop the connection.
 * Kafka error codes inside a decoded response are data, not decode
 * failures (FL_KERR_* and their names: codec/kerr.h).
 *
 * Layer: codec.  Pure: no I/O, no clock, no globals; malloc only (arena,
 * fl_wr).
 */
#ifndef FL_KCLIENT_H
#define FL_KCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/rd.h"
#include "codec/kerr.h"

/* Largest response payload a client accepts (Kafka's request cap, reused). */
#define FL_KC_FRAME_BYTES_MAX	(100u << 20)

/* ---- API keys, the client's version table, negotiation ---- */

enum {
	FL_KC_PRODUCE = 0,
	FL_KC_FETCH = 1,
	FL_KC_LIST_OFFSETS = 2,
	FL_KC_METADATA = 3,
	FL_KC_OFFSET_COMMIT = 8,
	FL_KC_OFFSET_FETCH = 9,
	FL_KC_FIND_COORDINATOR = 10,
	FL_KC_JOIN_GROUP = 11,
	FL_KC_HEARTBEAT = 12,
	FL_KC_LEAVE_GROUP = 13,
	FL_KC_SYNC_GROUP = 14,
	FL_KC_DESCRIBE_GROUPS = 15,
	FL_KC_LIST_GROUPS = 16,
	FL_KC_SASL_HANDSHAKE = 17,
	FL_KC_API_VERSIONS = 18,
	FL_KC_INIT_PRODUCER_ID = 22,
	FL_KC_OFFSET_FOR_LEADER_EPOCH = 23,
	FL_KC_SASL_AUTHENTICATE = 36,
	FL_KC_API_KEY_MAX = 36		/* highest key in the table: struct
					   fl_kc_vers has one slot per key up
					   to it, gaps included */
};

/* The client's [min, max] for key, or -1 for both when it has none. */
int16_t fl_kc_api_min(int16_t key);
int16_t fl_kc_api_max(int16_t key);
/* "Produce", ... ("?" for a key outside the table). */
const char *fl_kc_api_name(int16_t key);

/* The version to use per API key after negotiation; -1 = not usable. */
struct fl_kc_vers {
	int16_t v[FL_KC_API_KEY_MAX + 1];
};

struct fl_kc_api_versions_resp;

/*
 * For every key in the client's table, the highest version inside both the
 * client's range and the broker's advertised [min, max]; -1 where the ranges
 * do not meet or the broker does not list the key.  Duplicate entries in
 * the answer: the last one wins.  Never fails.  A key the broker leaves out
 * only makes that key -1: brokers list SaslHandshake and SaslAuthenticate
 * only on a SASL listener, so their absence is normal, and what a caller
 * needs is its own business (os/kconn.h asks for them only when told to
 * authenticate).
 */
void fl_kc_negotiate(const struct fl_kc_api_versions_resp *r, struct fl_kc_vers *out);

/* ---- framing ---- */

/*
 * Peek the 4-byte size prefix at p (n bytes available): *size is the
 * payload length.  FL_ESHORT if n < 4; FL_EPROTO if the size is below 4 (no
 * room for a correlation id) or above size_max.
 */
int fl_kc_frame_size(const uint8_t *p, size_t n, size_t size_max, size_t *size);
/* Correlation id at the start of a response payload; FL_ESHORT if n < 4. */
int fl_kc_resp_corr(const uint8_t *p, size_t n, int32_t *corr);

/* Common header fields of every request. */
struct fl_kc_hdr {
	int16_t version;
	int32_t corr;
	const char *client_id;		/* NULL: null client id */
};

/* ---- arena for decoded arrays: struct fl_arena, base/arena.h ---- */

/*
 * The cap to give a response's arena: no decode takes more for its arrays
 * (FL_EFULL beyond), so a hostile broker's frame cannot make a client
 * reserve gigabytes.  struct fl_arena a = FL_KC_ARENA_INIT; ...decode...;
 * fl_arena_free(&a).  A zeroed arena is given this cap at its first use.
 */
#define FL_KC_ARENA_BYTES_MAX	(64u << 20)
#define FL_KC_ARENA_INIT	FL_ARENA_INIT(FL_KC_ARENA_BYTES_MAX)


/* ---- ApiVersions (18), v0-2 ---- */

struct fl_kc_api_range {
	int16_t key, min, max;
};

struct fl_kc_api_versions_resp {
	int16_t error;
	struct fl_kc_api_range *apis;	/* arena */
	size_t napis;
	int32_t throttle_ms;		/* v1+; 0 before */
};

/* Empty body. */
int fl_kc_api_versions_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h);
/*
 * v0-2.  An answer with error 35 (UNSUPPORTED_VERSION) is a v0 body whatever
 * version was asked (kafka-subset.md §3): it decodes as v0, and the caller
 * retries with a version inside the listed ApiVersions range.
 */
int fl_kc_api_versions_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_api_versions_resp *r);

/* ---- Metadata (3), v1-6 ---- */

struct fl_kc_metadata_req {
	const char *const *topics;	/* NULL: all topics (null array) */
	size_t ntopics;
	int is_auto_create;		/* v4+ AllowAutoTopicCreation; ignored below */
};

struct fl_kc_md_broker {
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
	struct fl_slice rack;		/* nullable */
};

struct fl_kc_md_partition {
	int16_t error;
	int32_t index, leader;
	int32_t *replicas, *isr, *offline;	/* arena; offline v5+ */
	size_t nreplicas, nisr, noffline;
};

struct fl_kc_md_topic {
	int16_t error;
	struct fl_slice name;
	int is_internal;
	struct fl_kc_md_partition *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_metadata_resp {
	int32_t throttle_ms;		/* v3+ */
	struct fl_kc_md_broker *brokers;	/* arena */
	size_t nbrokers;
	struct fl_slice cluster_id;	/* v2+; nullable */
	int32_t controller_id;
	struct fl_kc_md_topic *topics;	/* arena */
	size_t ntopics;
};

int fl_kc_metadata_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_metadata_req *req);
int fl_kc_metadata_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_metadata_resp *r);

/* ---- Produce (0), v3-7 ---- */

struct fl_kc_produce_part {
	int32_t index;
	struct fl_slice records;	/* one whole RecordBatch; p NULL: null */
};

struct fl_kc_produce_topic {
	const char *name;
	const struct fl_kc_produce_part *parts;
	size_t nparts;
};

struct fl_kc_produce_req {
	const char *transactional_id;	/* NULL unless transactional */
	int16_t acks;			/* 0, 1 or -1 */
	int32_t timeout_ms;
	const struct fl_kc_produce_topic *topics;
	size_t ntopics;
};

struct fl_kc_produce_part_resp {
	int32_t index;
	int16_t error;
	int64_t base_offset;
	int64_t log_append_time_ms;	/* v2+; -1 before */
	int64_t log_start_offset;	/* v5+; -1 before */
};

struct fl_kc_produce_topic_resp {
	struct fl_slice name;
	struct fl_kc_produce_part_resp *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_produce_resp {
	struct fl_kc_produce_topic_resp *topics;	/* arena */
	size_t ntopics;
	int32_t throttle_ms;		/* v1+: the LAST field */
};

/* acks = 0 gets no response at all: the caller must not wait for one. */
int fl_kc_produce_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_produce_req *req);
int fl_kc_produce_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_produce_resp *r);

/* ---- Fetch (1), v4-11 ---- */

struct fl_kc_fetch_part {
	int32_t index;
	int64_t fetch_offset;
	int32_t max_bytes;		/* PartitionMaxBytes */
	/* Sent only when the request's is_replica is set (else -1): */
	int32_t current_leader_epoch;	/* v9+: the epoch the follower believes
					   current; a leader with another one
					   answers FENCED_LEADER_EPOCH (ours is
					   older) or UNKNOWN_LEADER_EPOCH (newer).
					   Not sent below v9 */
	int64_t log_start_offset;	/* v5+: the follower's log start */
};

struct fl_kc_fetch_topic {
	const char *name;
	const struct fl_kc_fetch_part *parts;
	size_t nparts;
};

/*
 * A zeroed request fetches as a consumer: ReplicaId -1, CurrentLeaderEpoch
 * and LogStartOffset -1.  is_replica fetches as follower replica_id (a
 * broker's node id, >= 0), sending each partition's current_leader_epoch
 * and log_start_offset; a leader then counts the fetch offset as that
 * replica's log end.  Always: no fetch session (SessionId 0, SessionEpoch
 * -1), no forgotten topics, RackId "".
 */
struct fl_kc_fetch_req {
	int32_t max_wait_ms, min_bytes, max_bytes;
	int8_t isolation_level;		/* 0 read_uncommitted, 1 read_committed */
	const struct fl_kc_fetch_topic *topics;
	size_t ntopics;
	int is_replica;			/* 0: a consumer; replica_id unused */
	int32_t replica_id;		/* with is_replica: the follower's node id */
};

struct fl_kc_aborted_txn {
	int64_t producer_id, first_offset;
};

struct fl_kc_fetch_part_resp {
	int32_t index;
	int16_t error;
	int64_t high_watermark;
	int64_t last_stable_offset;	/* v4+ */
	int64_t log_start_offset;	/* v5+; -1 before */
	struct fl_kc_aborted_txn *aborted;	/* arena; v4+ (null reads as 0) */
	size_t naborted;
	int32_t preferred_read_replica;	/* v11+; -1 before */
	struct fl_slice records;	/* concatenated batches; p NULL: null */
};

struct fl_kc_fetch_topic_resp {
	struct fl_slice name;
	struct fl_kc_fetch_part_resp *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_fetch_resp {
	int32_t throttle_ms;
	int16_t error;			/* v7+; 0 before */
	int32_t session_id;		/* v7+ */
	struct fl_kc_fetch_topic_resp *topics;	/* arena */
	size_t ntopics;
};

int fl_kc_fetch_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_fetch_req *req);
int fl_kc_fetch_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_fetch_resp *r);

/*
 * Walk the batches of a Fetch partition's records: 1 with *batch set to the
 * next whole batch (size from BatchLength; the batch is NOT yet checked, run
 * fl_batch_check on it), 0 at the end.  A trailing partial batch is the end
 * too, because brokers may cut the last batch at the byte limit (§2.5).
 * FL_ECORRUPT for a BatchLength that cannot be a batch.
 */
int fl_kc_records_next(struct fl_rd *records, struct fl_slice *batch);

/* ---- ListOffsets (2), v1-3 ---- */

#define FL_KC_TS_LATEST   (-1)
#define FL_KC_TS_EARLIEST (-2)

struct fl_kc_list_offsets_part {
	int32_t index;
	int64_t timestamp;		/* FL_KC_TS_* or a time in ms */
};

struct fl_kc_list_offsets_topic {
	const char *name;
	const struct fl_kc_list_offsets_part *parts;
	size_t nparts;
};

struct fl_kc_list_offsets_req {
	int8_t isolation_level;		/* v2+ */
	const struct fl_kc_list_offsets_topic *topics;
	size_t ntopics;
};

struct fl_kc_list_offsets_part_resp {
	int32_t index;
	int16_t error;
	int64_t timestamp, offset;
};

struct fl_kc_list_offsets_topic_resp {
	struct fl_slice name;
	struct fl_kc_list_offsets_part_resp *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_list_offsets_resp {
	int32_t throttle_ms;		/* v2+ */
	struct fl_kc_list_offsets_topic_resp *topics;	/* arena */
	size_t ntopics;
};

int fl_kc_list_offsets_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_list_offsets_req *req);
int fl_kc_list_offsets_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_list_offsets_resp *r);

/* ---- InitProducerId (22), v0-1 ---- */

struct fl_kc_init_pid_req {
	const char *transactional_id;	/* NULL for plain idempotence */
	int32_t txn_timeout_ms;
};

struct fl_kc_init_pid_resp {
	int32_t throttle_ms;		/* present in v0 too */
	int16_t error;
	int64_t producer_id;
	int16_t producer_epoch;
};

int fl_kc_init_pid_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_init_pid_req *req);
int fl_kc_init_pid_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_kc_init_pid_resp *r);

/* ---- OffsetForLeaderEpoch (23), v0-3 ---- */

/*
 * A follower asks where the leader's log for leader_epoch ends, to find
 * where its own log diverges (DESIGN section 6): the answer is the start
 * offset of the first epoch after leader_epoch on the leader, or the
 * leader's log end when leader_epoch is its current one.
 */
struct fl_kc_ofle_part {
	int32_t index;
	int32_t current_leader_epoch;	/* v2+: fencing as in Fetch; -1 none */
	int32_t leader_epoch;		/* the epoch whose end is wanted */
};

struct fl_kc_ofle_topic {
	const char *name;
	const struct fl_kc_ofle_part *parts;
	size_t nparts;
};

struct fl_kc_ofle_req {
	int32_t replica_id;		/* v3+: the follower's node id; -1 for a
					   consumer, -2 debugging (not sent
					   before v3) */
	const struct fl_kc_ofle_topic *topics;
	size_t ntopics;
};

struct fl_kc_ofle_part_resp {
	int16_t error;
	int32_t index;
	int32_t leader_epoch;		/* v1+: the largest epoch <= the asked
					   one the leader knows; -1 before */
	int64_t end_offset;		/* -1 (epoch -1 too) when the leader
					   has no epoch <= the asked one */
};

struct fl_kc_ofle_topic_resp {
	struct fl_slice name;
	struct fl_kc_ofle_part_resp *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_ofle_resp {
	int32_t throttle_ms;		/* v2+; 0 before */
	struct fl_kc_ofle_topic_resp *topics;	/* arena */
	size_t ntopics;
};

int fl_kc_ofle_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_ofle_req *req);
int fl_kc_ofle_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_ofle_resp *r);

/* ---- FindCoordinator (10), v0-2 ---- */

struct fl_kc_find_coord_req {
	const char *key;
	int8_t key_type;		/* v1+: 0 group, 1 transaction */
};

struct fl_kc_find_coord_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	struct fl_slice error_message;	/* v1+; nullable */
	int32_t node_id;
	struct fl_slice host;
	int32_t port;
};

int fl_kc_find_coord_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_find_coord_req *req);
int fl_kc_find_coord_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_kc_find_coord_resp *r);

/* ---- JoinGroup (11), v0-5 ---- */

struct fl_kc_join_protocol {
	const char *name;
	struct fl_slice metadata;
};

struct fl_kc_join_req {
	const char *group_id;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;	/* v1+ */
	const char *member_id;		/* "" on first join */
	const char *group_instance_id;	/* v5+; NULL: dynamic member */
	const char *protocol_type;	/* "consumer" */
	const struct fl_kc_join_protocol *protocols;
	size_t nprotocols;
};

struct fl_kc_join_member {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v5+; nullable */
	struct fl_slice metadata;
};

struct fl_kc_join_resp {
	int32_t throttle_ms;		/* v2+ */
	int16_t error;
	int32_t generation_id;
	struct fl_slice protocol_name, leader, member_id;
	struct fl_kc_join_member *members;	/* arena; leader only */
	size_t nmembers;
};

int fl_kc_join_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_join_req *req);
int fl_kc_join_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_join_resp *r);

/* ---- SyncGroup (14), v0-3 ---- */

struct fl_kc_sync_assignment {
	const char *member_id;
	struct fl_slice assignment;
};

struct fl_kc_sync_req {
	const char *group_id;
	int32_t generation_id;
	const char *member_id;
	const char *group_instance_id;	/* v3+; nullable */
	const struct fl_kc_sync_assignment *assignments;	/* leader only */
	size_t nassignments;
};

struct fl_kc_sync_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	struct fl_slice assignment;
};

int fl_kc_sync_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sync_req *req);
int fl_kc_sync_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_kc_sync_resp *r);

/* ---- Heartbeat (12), v0-3 ---- */

struct fl_kc_heartbeat_req {
	const char *group_id;
	int32_t generation_id;
	const char *member_id;
	const char *group_instance_id;	/* v3+; nullable */
};

struct fl_kc_simple_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
};

int fl_kc_heartbeat_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_heartbeat_req *req);
int fl_kc_heartbeat_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_kc_simple_resp *r);

/* ---- LeaveGroup (13), v0-3 ---- */

/* v0-2 send member_id alone; v3+ send Members = [{member_id, instance id}]. */
struct fl_kc_leave_req {
	const char *group_id;
	const char *member_id;
	const char *group_instance_id;	/* v3+; nullable */
};

struct fl_kc_leave_member {
	struct fl_slice member_id, group_instance_id;
	int16_t error;
};

struct fl_kc_leave_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	struct fl_kc_leave_member *members;	/* arena; v3+ */
	size_t nmembers;
};

int fl_kc_leave_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_leave_req *req);
int fl_kc_leave_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_leave_resp *r);

/* ---- OffsetCommit (8), v2-7 ---- */

struct fl_kc_commit_part {
	int32_t index;
	int64_t offset;			/* next offset to consume */
	int32_t leader_epoch;		/* v6+; -1 */
	const char *metadata;		/* nullable */
};

struct fl_kc_commit_topic {
	const char *name;
	const struct fl_kc_commit_part *parts;
	size_t nparts;
};

struct fl_kc_commit_req {
	const char *group_id;
	int32_t generation_id;		/* -1: not a group member */
	const char *member_id;		/* "": not a group member */
	const char *group_instance_id;	/* v7+; nullable */
	int64_t retention_time_ms;	/* v2-4; -1 = broker default */
	const struct fl_kc_commit_topic *topics;
	size_t ntopics;
};

struct fl_kc_part_error {
	int32_t index;
	int16_t error;
};

struct fl_kc_commit_topic_resp {
	struct fl_slice name;
	struct fl_kc_part_error *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_commit_resp {
	int32_t throttle_ms;		/* v3+ */
	struct fl_kc_commit_topic_resp *topics;	/* arena */
	size_t ntopics;
};

int fl_kc_commit_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_commit_req *req);
int fl_kc_commit_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_commit_resp *r);

/* ---- OffsetFetch (9), v1-5 ---- */

struct fl_kc_offset_fetch_topic {
	const char *name;
	const int32_t *parts;
	size_t nparts;
};

struct fl_kc_offset_fetch_req {
	const char *group_id;
	const struct fl_kc_offset_fetch_topic *topics;	/* NULL: all (v2+) */
	size_t ntopics;
};

struct fl_kc_offset_fetch_part_resp {
	int32_t index;
	int64_t offset;			/* -1: nothing committed */
	int32_t leader_epoch;		/* v5+; -1 before */
	struct fl_slice metadata;	/* nullable */
	int16_t error;
};

struct fl_kc_offset_fetch_topic_resp {
	struct fl_slice name;
	struct fl_kc_offset_fetch_part_resp *parts;	/* arena */
	size_t nparts;
};

struct fl_kc_offset_fetch_resp {
	int32_t throttle_ms;		/* v3+ */
	struct fl_kc_offset_fetch_topic_resp *topics;	/* arena */
	size_t ntopics;
	int16_t error;			/* v2+ top level; 0 before */
};

/* A NULL topic list at v1 is FL_EINVAL (v1 has no "all"). */
int fl_kc_offset_fetch_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_offset_fetch_req *req);
int fl_kc_offset_fetch_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_offset_fetch_resp *r);

/* ---- DescribeGroups (15), v0-4 ---- */

struct fl_kc_describe_groups_req {
	const char *const *groups;
	size_t ngroups;
	int is_include_authorized_ops;	/* v3+ */
};

struct fl_kc_dg_member {
	struct fl_slice member_id;
	struct fl_slice group_instance_id;	/* v4+; nullable */
	struct fl_slice client_id, client_host;
	struct fl_slice metadata;	/* subscription, for the group's protocol */
	struct fl_slice assignment;	/* Stable groups only */
};

struct fl_kc_dg_group {
	int16_t error;
	struct fl_slice group_id, state, protocol_type, protocol;
	struct fl_kc_dg_member *members;	/* arena */
	size_t nmembers;
	int32_t authorized_ops;		/* v3+; INT32_MIN before */
};

struct fl_kc_describe_groups_resp {
	int32_t throttle_ms;		/* v1+ */
	struct fl_kc_dg_group *groups;	/* arena */
	size_t ngroups;
};

int fl_kc_describe_groups_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_describe_groups_req *req);
int fl_kc_describe_groups_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_describe_groups_resp *r);

/* ---- ListGroups (16), v0-2 ---- */

struct fl_kc_lg_group {
	struct fl_slice group_id, protocol_type;
};

struct fl_kc_list_groups_resp {
	int32_t throttle_ms;		/* v1+ */
	int16_t error;
	struct fl_kc_lg_group *groups;	/* arena */
	size_t ngroups;
};

/* Empty body. */
int fl_kc_list_groups_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h);
int fl_kc_list_groups_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_list_groups_resp *r);

/* ---- SaslHandshake (17), v0-1 ---- */

/*
 * v1: the SASL tokens that follow travel in SaslAuthenticate requests; v0:
 * raw, as int32-size-prefixed tokens outside Kafka framing (KIP-43).  The
 * body is the same at both versions.
 */
struct fl_kc_sasl_handshake_req {
	const char *mechanism;		/* "PLAIN", "SCRAM-SHA-256", ... */
};

struct fl_kc_sasl_handshake_resp {
	int16_t error;			/* 33: mechanism not enabled; 34:
					   handshake out of order */
	struct fl_slice *mechanisms;	/* arena: what the broker enables */
	size_t nmechanisms;
};

int fl_kc_sasl_handshake_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sasl_handshake_req *req);
int fl_kc_sasl_handshake_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_arena *a, struct fl_kc_sasl_handshake_resp *r);

/* ---- SaslAuthenticate (36), v0-1 ---- */

struct fl_kc_sasl_authenticate_req {
	struct fl_slice auth_bytes;	/* one SASL token; p NULL with len 0
					   sends empty bytes (never null) */
};

struct fl_kc_sasl_authenticate_resp {
	int16_t error;			/* 58: authentication failed */
	struct fl_slice error_message;	/* nullable: the broker's reason */
	struct fl_slice auth_bytes;	/* the broker's token (maybe empty) */
	int64_t session_lifetime_ms;	/* v1+; 0 before and for "no limit" */
};

int fl_kc_sasl_authenticate_req_encode(struct fl_wr *w, const struct fl_kc_hdr *h,
    const struct fl_kc_sasl_authenticate_req *req);
int fl_kc_sasl_authenticate_resp_decode(const uint8_t *p, size_t n, int16_t version,
    struct fl_kc_sasl_authenticate_resp *r);

#endif
