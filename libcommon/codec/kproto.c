/*
 * kproto.c: Kafka request decoders and response encoders (see kproto.h).
 *
 * Bodies are tables (codec/kschema.h): one schema per request and per
 * response, walked by fl_ks_decode/fl_ks_encode.  Field order and version
 * gating follow Kafka's message definitions (kafka-subset.md §2 for the
 * versions flume advertises).  What is not a table row is a small hook:
 *   - JoinGroup v0's RebalanceTimeoutMs defaults to SessionTimeoutMs;
 *   - LeaveGroup v0-2 carries one MemberId, returned as a one-element array;
 *   - Metadata v0's empty topic list means all topics;
 *   - ApiVersions' answer lists fl_kp_apis[] filtered by features;
 *   - Fetch responses are streamed (holes for sendfile), so they stay
 *     hand-written below.
 * Arrays are sized from counts already checked against the bytes left at
 * the element's smallest wire size, which is what bounds the arena.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/kproto.h"

#define TRY(x) do { int try_rc_ = (x); if (try_rc_ != 0) return try_rc_; } while (0)
#define V	FL_KS_VMAX

/* ==== schemas, one block per API ==== */

/* ---- ApiVersions (18) ---- */

/* The response's ApiKeys come from fl_kp_apis[]: a private shape. */
struct av_key { int16_t key, min_version, max_version; };
struct av_resp {
	int16_t error;
	const struct av_key *keys;
	size_t nkeys;
	int32_t throttle_ms;
};

static const struct fl_ks_field av_req_f[] = {
	FL_KS_STR(struct fl_kp_apiversions_req, client_software_name, 3, V),
	FL_KS_STR(struct fl_kp_apiversions_req, client_software_version, 3, V),
};
static const struct fl_ks_schema av_req_s = FL_KS_SCHEMA("ApiVersionsRequest", av_req_f);
static const struct fl_ks_field av_key_f[] = {
	FL_KS_I16(struct av_key, key, 0, V),
	FL_KS_I16(struct av_key, min_version, 0, V),
	FL_KS_I16(struct av_key, max_version, 0, V),
};
static const struct fl_ks_schema av_key_s = FL_KS_SCHEMA("ApiVersion", av_key_f);
static const struct fl_ks_field av_resp_f[] = {
	FL_KS_I16(struct av_resp, error, 0, V),
	FL_KS_ARR(struct av_resp, keys, nkeys, av_key_s, struct av_key, 0, V),
	FL_KS_I32(struct av_resp, throttle_ms, 1, V),
};
static const struct fl_ks_schema av_resp_s = FL_KS_SCHEMA("ApiVersionsResponse", av_resp_f);

/* ---- Produce (0) ---- */

static const struct fl_ks_field produce_part_f[] = {
	FL_KS_I32(struct fl_kp_produce_part, index, 0, V),
	FL_KS_RECORDS(struct fl_kp_produce_part, records, 0, V),
};
static const struct fl_ks_schema produce_part_s = FL_KS_SCHEMA("PartitionProduceData", produce_part_f);
static const struct fl_ks_field produce_topic_f[] = {
	FL_KS_STR(struct fl_kp_produce_topic, name, 0, V),
	FL_KS_ARR(struct fl_kp_produce_topic, parts, nparts, produce_part_s,
	    struct fl_kp_produce_part, 0, V),
};
static const struct fl_ks_schema produce_topic_s = FL_KS_SCHEMA("TopicProduceData", produce_topic_f);
static const struct fl_ks_field produce_req_f[] = {
	FL_KS_NSTR(struct fl_kp_produce_req, transactional_id, 3, V, 3),
	FL_KS_I16(struct fl_kp_produce_req, acks, 0, V),
	FL_KS_I32(struct fl_kp_produce_req, timeout_ms, 0, V),
	FL_KS_ARR(struct fl_kp_produce_req, topics, ntopics, produce_topic_s,
	    struct fl_kp_produce_topic, 0, V),
};
static const struct fl_ks_schema produce_req_s = FL_KS_SCHEMA("ProduceRequest", produce_req_f);

static const struct fl_ks_field produce_rec_err_f[] = {
	FL_KS_I32(struct fl_kp_record_error, batch_index, 8, V),
	FL_KS_NSTR(struct fl_kp_record_error, message, 8, V, 8),
};
static const struct fl_ks_schema produce_rec_err_s =
    FL_KS_SCHEMA("BatchIndexAndErrorMessage", produce_rec_err_f);
static const struct fl_ks_field produce_leader_f[] = {
	FL_KS_I32(struct fl_kp_leader_id_epoch, leader_id, 10, V, .def = -1),
	FL_KS_I32(struct fl_kp_leader_id_epoch, leader_epoch, 10, V, .def = -1),
};
static const struct fl_ks_schema produce_leader_s =
    FL_KS_SCHEMA("LeaderIdAndEpoch", produce_leader_f);
static const struct fl_ks_field produce_node_f[] = {
	FL_KS_I32(struct fl_kp_node_endpoint, node_id, 10, V),
	FL_KS_STR(struct fl_kp_node_endpoint, host, 10, V),
	FL_KS_I32(struct fl_kp_node_endpoint, port, 10, V),
	FL_KS_NSTR(struct fl_kp_node_endpoint, rack, 10, V, 10),
};
static const struct fl_ks_schema produce_node_s = FL_KS_SCHEMA("NodeEndpoint", produce_node_f);
static const struct fl_ks_field produce_part_resp_f[] = {
	FL_KS_I32(struct fl_kp_produce_part_resp, index, 0, V),
	FL_KS_I16(struct fl_kp_produce_part_resp, error, 0, V),
	FL_KS_I64(struct fl_kp_produce_part_resp, base_offset, 0, V),
	FL_KS_I64(struct fl_kp_produce_part_resp, log_append_time_ms, 2, V, .def = -1),
	FL_KS_I64(struct fl_kp_produce_part_resp, log_start_offset, 5, V, .def = -1),
	FL_KS_ARR(struct fl_kp_produce_part_resp, record_errors, nrecord_errors,
	    produce_rec_err_s, struct fl_kp_record_error, 8, V),
	FL_KS_NSTR(struct fl_kp_produce_part_resp, error_message, 8, V, 8),
	FL_KS_(FL_KS_STRUCT, struct fl_kp_produce_part_resp, current_leader, 10, V,
	    .elem = &produce_leader_s, .is_tagged = 1, .tag = 0),
};
static const struct fl_ks_schema produce_part_resp_s =
    FL_KS_SCHEMA("PartitionProduceResponse", produce_part_resp_f);
static const struct fl_ks_field produce_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_produce_topic_resp, name, 0, V),
	FL_KS_ARR(struct fl_kp_produce_topic_resp, parts, nparts, produce_part_resp_s,
	    struct fl_kp_produce_part_resp, 0, V),
};
static const struct fl_ks_schema produce_topic_resp_s =
    FL_KS_SCHEMA("TopicProduceResponse", produce_topic_resp_f);
static const struct fl_ks_field produce_resp_f[] = {
	FL_KS_ARR(struct fl_kp_produce_resp, topics, ntopics, produce_topic_resp_s,
	    struct fl_kp_produce_topic_resp, 0, V),
	FL_KS_I32(struct fl_kp_produce_resp, throttle_ms, 1, V),	/* last */
	FL_KS_ARR(struct fl_kp_produce_resp, node_endpoints, nnode_endpoints,
	    produce_node_s, struct fl_kp_node_endpoint, 10, V, .is_tagged = 1, .tag = 0),
};
static const struct fl_ks_schema produce_resp_s = FL_KS_SCHEMA("ProduceResponse", produce_resp_f);

/* ---- Fetch (1): request only; the response is streamed (below) ---- */

static const struct fl_ks_field fetch_part_f[] = {
	FL_KS_I32(struct fl_kp_fetch_part, partition, 0, V),
	FL_KS_I32(struct fl_kp_fetch_part, current_leader_epoch, 9, V, .def = -1),
	FL_KS_I64(struct fl_kp_fetch_part, fetch_offset, 0, V),
	FL_KS_I64(struct fl_kp_fetch_part, log_start_offset, 5, V, .def = -1),
	FL_KS_I32(struct fl_kp_fetch_part, max_bytes, 0, V),
};
static const struct fl_ks_schema fetch_part_s = FL_KS_SCHEMA("FetchPartition", fetch_part_f);
static const struct fl_ks_field fetch_topic_f[] = {
	FL_KS_STR(struct fl_kp_fetch_topic, name, 0, 12),
	FL_KS_ARR(struct fl_kp_fetch_topic, parts, nparts, fetch_part_s,
	    struct fl_kp_fetch_part, 0, V),
};
static const struct fl_ks_schema fetch_topic_s = FL_KS_SCHEMA("FetchTopic", fetch_topic_f);
static const struct fl_ks_field fetch_forgotten_f[] = {
	FL_KS_STR(struct fl_kp_fetch_forgotten, name, 7, 12),
	FL_KS_ARR_I32(struct fl_kp_fetch_forgotten, parts, nparts, 7, V),
};
static const struct fl_ks_schema fetch_forgotten_s = FL_KS_SCHEMA("ForgottenTopic", fetch_forgotten_f);
static const struct fl_ks_field fetch_req_f[] = {
	FL_KS_I32(struct fl_kp_fetch_req, replica_id, 0, 14, .def = -1),
	FL_KS_I32(struct fl_kp_fetch_req, max_wait_ms, 0, V),
	FL_KS_I32(struct fl_kp_fetch_req, min_bytes, 0, V),
	FL_KS_I32(struct fl_kp_fetch_req, max_bytes, 3, V, .def = INT32_MAX),
	FL_KS_I8(struct fl_kp_fetch_req, isolation_level, 4, V),
	FL_KS_I32(struct fl_kp_fetch_req, session_id, 7, V),
	FL_KS_I32(struct fl_kp_fetch_req, session_epoch, 7, V, .def = -1),
	FL_KS_ARR(struct fl_kp_fetch_req, topics, ntopics, fetch_topic_s,
	    struct fl_kp_fetch_topic, 0, V),
	FL_KS_ARR(struct fl_kp_fetch_req, forgotten, nforgotten, fetch_forgotten_s,
	    struct fl_kp_fetch_forgotten, 7, V),
	FL_KS_STR(struct fl_kp_fetch_req, rack_id, 11, V),
};
static const struct fl_ks_schema fetch_req_s = FL_KS_SCHEMA("FetchRequest", fetch_req_f);

/* ---- ListOffsets (2) ---- */

static const struct fl_ks_field lo_part_f[] = {
	FL_KS_I32(struct fl_kp_list_offsets_part, index, 0, V),
	FL_KS_I32(struct fl_kp_list_offsets_part, current_leader_epoch, 4, V, .def = -1),
	FL_KS_I64(struct fl_kp_list_offsets_part, timestamp, 0, V),
	FL_KS_I32(struct fl_kp_list_offsets_part, max_num_offsets, 0, 0, .def = 1),
};
static const struct fl_ks_schema lo_part_s = FL_KS_SCHEMA("ListOffsetsPartition", lo_part_f);
static const struct fl_ks_field lo_topic_f[] = {
	FL_KS_STR(struct fl_kp_list_offsets_topic, name, 0, V),
	FL_KS_ARR(struct fl_kp_list_offsets_topic, parts, nparts, lo_part_s,
	    struct fl_kp_list_offsets_part, 0, V),
};
static const struct fl_ks_schema lo_topic_s = FL_KS_SCHEMA("ListOffsetsTopic", lo_topic_f);
static const struct fl_ks_field lo_req_f[] = {
	FL_KS_I32(struct fl_kp_list_offsets_req, replica_id, 0, V),
	FL_KS_I8(struct fl_kp_list_offsets_req, isolation_level, 2, V),
	FL_KS_ARR(struct fl_kp_list_offsets_req, topics, ntopics, lo_topic_s,
	    struct fl_kp_list_offsets_topic, 0, V),
};
static const struct fl_ks_schema lo_req_s = FL_KS_SCHEMA("ListOffsetsRequest", lo_req_f);

static const struct fl_ks_field lo_part_resp_f[] = {
	FL_KS_I32(struct fl_kp_list_offsets_part_resp, index, 0, V),
	FL_KS_I16(struct fl_kp_list_offsets_part_resp, error, 0, V),
	FL_KS_ARR_I64(struct fl_kp_list_offsets_part_resp, old_style_offsets,
	    nold_style_offsets, 0, 0),
	FL_KS_I64(struct fl_kp_list_offsets_part_resp, timestamp, 1, V, .def = -1),
	FL_KS_I64(struct fl_kp_list_offsets_part_resp, offset, 1, V, .def = -1),
	FL_KS_I32(struct fl_kp_list_offsets_part_resp, leader_epoch, 4, V, .def = -1),
};
static const struct fl_ks_schema lo_part_resp_s =
    FL_KS_SCHEMA("ListOffsetsPartitionResponse", lo_part_resp_f);
static const struct fl_ks_field lo_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_list_offsets_topic_resp, name, 0, V),
	FL_KS_ARR(struct fl_kp_list_offsets_topic_resp, parts, nparts, lo_part_resp_s,
	    struct fl_kp_list_offsets_part_resp, 0, V),
};
static const struct fl_ks_schema lo_topic_resp_s =
    FL_KS_SCHEMA("ListOffsetsTopicResponse", lo_topic_resp_f);
static const struct fl_ks_field lo_resp_f[] = {
	FL_KS_I32(struct fl_kp_list_offsets_resp, throttle_ms, 2, V),
	FL_KS_ARR(struct fl_kp_list_offsets_resp, topics, ntopics, lo_topic_resp_s,
	    struct fl_kp_list_offsets_topic_resp, 0, V),
};
static const struct fl_ks_schema lo_resp_s = FL_KS_SCHEMA("ListOffsetsResponse", lo_resp_f);

/* ---- Metadata (3) ---- */

/* Topics is an array of structs (a tag section each when flexible) whose
 * one field is the name: decoded straight into an array of slices. */
struct md_req_topic { struct fl_slice name; };
static const struct fl_ks_field md_req_topic_f[] = {
	FL_KS_STR(struct md_req_topic, name, 0, V),
};
_Static_assert(sizeof(struct md_req_topic) == sizeof(struct fl_slice),
    "a Metadata request topic is decoded into a struct fl_slice");
static const struct fl_ks_schema md_req_topic_s = FL_KS_SCHEMA("MetadataRequestTopic", md_req_topic_f);
static const struct fl_ks_field md_req_f[] = {
	/* Kafka: nullable from v1; a v0 null is taken as "all" too. */
	FL_KS_ARR(struct fl_kp_metadata_req, topics, ntopics, md_req_topic_s,
	    struct md_req_topic, 0, V,
	    FL_KS_NULL_FLAG(struct fl_kp_metadata_req, is_all_topics, 0)),
	FL_KS_BOOL(struct fl_kp_metadata_req, allow_auto_create, 4, V, .def = 1),
	FL_KS_BOOL(struct fl_kp_metadata_req, include_cluster_authorized_operations, 8, 10),
	FL_KS_BOOL(struct fl_kp_metadata_req, include_topic_authorized_operations, 8, V),
};
static const struct fl_ks_schema md_req_s = FL_KS_SCHEMA("MetadataRequest", md_req_f);

static const struct fl_ks_field md_broker_f[] = {
	FL_KS_I32(struct fl_kp_broker, node_id, 0, V),
	FL_KS_STR(struct fl_kp_broker, host, 0, V),
	FL_KS_I32(struct fl_kp_broker, port, 0, V),
	FL_KS_NSTR(struct fl_kp_broker, rack, 1, V, 1),
};
static const struct fl_ks_schema md_broker_s = FL_KS_SCHEMA("MetadataResponseBroker", md_broker_f);
static const struct fl_ks_field md_part_f[] = {
	FL_KS_I16(struct fl_kp_metadata_part, error, 0, V),
	FL_KS_I32(struct fl_kp_metadata_part, index, 0, V),
	FL_KS_I32(struct fl_kp_metadata_part, leader_id, 0, V),
	FL_KS_I32(struct fl_kp_metadata_part, leader_epoch, 7, V, .def = -1),
	FL_KS_ARR_I32(struct fl_kp_metadata_part, replicas, nreplicas, 0, V),
	FL_KS_ARR_I32(struct fl_kp_metadata_part, isr, nisr, 0, V),
	FL_KS_ARR_I32(struct fl_kp_metadata_part, offline, noffline, 5, V),
};
static const struct fl_ks_schema md_part_s = FL_KS_SCHEMA("MetadataResponsePartition", md_part_f);
static const struct fl_ks_field md_topic_f[] = {
	FL_KS_I16(struct fl_kp_metadata_topic, error, 0, V),
	FL_KS_STR(struct fl_kp_metadata_topic, name, 0, V),
	FL_KS_BOOL(struct fl_kp_metadata_topic, is_internal, 1, V),
	FL_KS_ARR(struct fl_kp_metadata_topic, parts, nparts, md_part_s,
	    struct fl_kp_metadata_part, 0, V),
	FL_KS_I32(struct fl_kp_metadata_topic, authorized_operations, 8, V,
	    .def = INT32_MIN),
};
static const struct fl_ks_schema md_topic_s = FL_KS_SCHEMA("MetadataResponseTopic", md_topic_f);
static const struct fl_ks_field md_resp_f[] = {
	FL_KS_I32(struct fl_kp_metadata_resp, throttle_ms, 3, V),
	FL_KS_ARR(struct fl_kp_metadata_resp, brokers, nbrokers, md_broker_s,
	    struct fl_kp_broker, 0, V),
	FL_KS_NSTR(struct fl_kp_metadata_resp, cluster_id, 2, V, 2),
	FL_KS_I32(struct fl_kp_metadata_resp, controller_id, 1, V, .def = -1),
	FL_KS_ARR(struct fl_kp_metadata_resp, topics, ntopics, md_topic_s,
	    struct fl_kp_metadata_topic, 0, V),
	FL_KS_I32(struct fl_kp_metadata_resp, cluster_authorized_operations, 8, 10,
	    .def = INT32_MIN),
};
static const struct fl_ks_schema md_resp_s = FL_KS_SCHEMA("MetadataResponse", md_resp_f);

/* ---- OffsetCommit (8) ---- */

static const struct fl_ks_field oc_part_f[] = {
	FL_KS_I32(struct fl_kp_offset_commit_part, index, 0, V),
	FL_KS_I64(struct fl_kp_offset_commit_part, committed_offset, 0, V),
	FL_KS_I32(struct fl_kp_offset_commit_part, committed_leader_epoch, 6, V, .def = -1),
	FL_KS_I64(struct fl_kp_offset_commit_part, commit_timestamp, 1, 1, .def = -1),
	FL_KS_NSTR(struct fl_kp_offset_commit_part, metadata, 0, V, 0),
};
static const struct fl_ks_schema oc_part_s = FL_KS_SCHEMA("OffsetCommitRequestPartition", oc_part_f);
static const struct fl_ks_field oc_topic_f[] = {
	FL_KS_STR(struct fl_kp_offset_commit_topic, name, 0, V),
	FL_KS_ARR(struct fl_kp_offset_commit_topic, parts, nparts, oc_part_s,
	    struct fl_kp_offset_commit_part, 0, V),
};
static const struct fl_ks_schema oc_topic_s = FL_KS_SCHEMA("OffsetCommitRequestTopic", oc_topic_f);
static const struct fl_ks_field oc_req_f[] = {
	FL_KS_STR(struct fl_kp_offset_commit_req, group_id, 0, V),
	FL_KS_I32(struct fl_kp_offset_commit_req, generation_id, 1, V, .def = -1),
	FL_KS_STR(struct fl_kp_offset_commit_req, member_id, 1, V),
	FL_KS_NSTR(struct fl_kp_offset_commit_req, group_instance_id, 7, V, 7),
	FL_KS_I64(struct fl_kp_offset_commit_req, retention_time_ms, 2, 4, .def = -1),
	FL_KS_ARR(struct fl_kp_offset_commit_req, topics, ntopics, oc_topic_s,
	    struct fl_kp_offset_commit_topic, 0, V),
};
static const struct fl_ks_schema oc_req_s = FL_KS_SCHEMA("OffsetCommitRequest", oc_req_f);

static const struct fl_ks_field part_error_f[] = {
	FL_KS_I32(struct fl_kp_part_error, index, 0, V),
	FL_KS_I16(struct fl_kp_part_error, error, 0, V),
};
static const struct fl_ks_schema part_error_s = FL_KS_SCHEMA("PartitionError", part_error_f);
static const struct fl_ks_field oc_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_offset_commit_topic_resp, name, 0, V),
	FL_KS_ARR(struct fl_kp_offset_commit_topic_resp, parts, nparts, part_error_s,
	    struct fl_kp_part_error, 0, V),
};
static const struct fl_ks_schema oc_topic_resp_s =
    FL_KS_SCHEMA("OffsetCommitResponseTopic", oc_topic_resp_f);
static const struct fl_ks_field oc_resp_f[] = {
	FL_KS_I32(struct fl_kp_offset_commit_resp, throttle_ms, 3, V),
	FL_KS_ARR(struct fl_kp_offset_commit_resp, topics, ntopics, oc_topic_resp_s,
	    struct fl_kp_offset_commit_topic_resp, 0, V),
};
static const struct fl_ks_schema oc_resp_s = FL_KS_SCHEMA("OffsetCommitResponse", oc_resp_f);

/* ---- OffsetFetch (9) ---- */

static const struct fl_ks_field of_topic_f[] = {
	FL_KS_STR(struct fl_kp_offset_fetch_topic, name, 0, V),
	FL_KS_ARR_I32(struct fl_kp_offset_fetch_topic, parts, nparts, 0, V),
};
static const struct fl_ks_schema of_topic_s = FL_KS_SCHEMA("OffsetFetchRequestTopic", of_topic_f);
static const struct fl_ks_field of_group_f[] = {
	FL_KS_STR(struct fl_kp_offset_fetch_group, group_id, 8, V),
	/* KIP-848's MemberId and MemberEpoch: a classic group ignores them
	 * (Kafka's ClassicGroup.validateOffsetFetch), so they are dropped */
	FL_KS_SKIP(FL_KS_STRING, "MemberId", 9, V, .nullable = 1, .null_min = 9),
	FL_KS_SKIP(FL_KS_I32, "MemberEpoch", 9, V, .def = -1),
	FL_KS_ARR(struct fl_kp_offset_fetch_group, topics, ntopics, of_topic_s,
	    struct fl_kp_offset_fetch_topic, 8, V,
	    FL_KS_NULL_FLAG(struct fl_kp_offset_fetch_group, is_all_topics, 8)),
};
static const struct fl_ks_schema of_group_s = FL_KS_SCHEMA("OffsetFetchRequestGroup", of_group_f);
static const struct fl_ks_field of_req_f[] = {
	FL_KS_STR(struct fl_kp_offset_fetch_req, group_id, 0, 7),
	FL_KS_ARR(struct fl_kp_offset_fetch_req, topics, ntopics, of_topic_s,
	    struct fl_kp_offset_fetch_topic, 0, 7,
	    FL_KS_NULL_FLAG(struct fl_kp_offset_fetch_req, is_all_topics, 2)),
	FL_KS_ARR(struct fl_kp_offset_fetch_req, groups, ngroups, of_group_s,
	    struct fl_kp_offset_fetch_group, 8, V),
	FL_KS_BOOL(struct fl_kp_offset_fetch_req, require_stable, 7, V),
};
static const struct fl_ks_schema of_req_s = FL_KS_SCHEMA("OffsetFetchRequest", of_req_f);

static const struct fl_ks_field of_part_resp_f[] = {
	FL_KS_I32(struct fl_kp_offset_fetch_part_resp, index, 0, V),
	FL_KS_I64(struct fl_kp_offset_fetch_part_resp, committed_offset, 0, V),
	FL_KS_I32(struct fl_kp_offset_fetch_part_resp, committed_leader_epoch, 5, V,
	    .def = -1),
	FL_KS_NSTR(struct fl_kp_offset_fetch_part_resp, metadata, 0, V, 0),
	FL_KS_I16(struct fl_kp_offset_fetch_part_resp, error, 0, V),
};
static const struct fl_ks_schema of_part_resp_s =
    FL_KS_SCHEMA("OffsetFetchResponsePartition", of_part_resp_f);
static const struct fl_ks_field of_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_offset_fetch_topic_resp, name, 0, V),
	FL_KS_ARR(struct fl_kp_offset_fetch_topic_resp, parts, nparts, of_part_resp_s,
	    struct fl_kp_offset_fetch_part_resp, 0, V),
};
static const struct fl_ks_schema of_topic_resp_s =
    FL_KS_SCHEMA("OffsetFetchResponseTopic", of_topic_resp_f);
static const struct fl_ks_field of_group_resp_f[] = {
	FL_KS_STR(struct fl_kp_offset_fetch_group_resp, group_id, 8, V),
	FL_KS_ARR(struct fl_kp_offset_fetch_group_resp, topics, ntopics, of_topic_resp_s,
	    struct fl_kp_offset_fetch_topic_resp, 8, V),
	FL_KS_I16(struct fl_kp_offset_fetch_group_resp, error, 8, V),
};
static const struct fl_ks_schema of_group_resp_s =
    FL_KS_SCHEMA("OffsetFetchResponseGroup", of_group_resp_f);
static const struct fl_ks_field of_resp_f[] = {
	FL_KS_I32(struct fl_kp_offset_fetch_resp, throttle_ms, 3, V),
	FL_KS_ARR(struct fl_kp_offset_fetch_resp, topics, ntopics, of_topic_resp_s,
	    struct fl_kp_offset_fetch_topic_resp, 0, 7),
	FL_KS_I16(struct fl_kp_offset_fetch_resp, error, 2, 7),	/* after the topics */
	FL_KS_ARR(struct fl_kp_offset_fetch_resp, groups, ngroups, of_group_resp_s,
	    struct fl_kp_offset_fetch_group_resp, 8, V),
};
static const struct fl_ks_schema of_resp_s = FL_KS_SCHEMA("OffsetFetchResponse", of_resp_f);

/* ---- FindCoordinator (10) ---- */

static const struct fl_ks_field fc_req_f[] = {
	FL_KS_STR(struct fl_kp_find_coordinator_req, key, 0, 3),
	FL_KS_I8(struct fl_kp_find_coordinator_req, key_type, 1, V),
	FL_KS_ARR_STR(struct fl_kp_find_coordinator_req, coordinator_keys,
	    ncoordinator_keys, 4, V),
};
static const struct fl_ks_schema fc_req_s = FL_KS_SCHEMA("FindCoordinatorRequest", fc_req_f);
static const struct fl_ks_field fc_coord_f[] = {
	FL_KS_STR(struct fl_kp_coordinator, key, 4, V),
	FL_KS_I32(struct fl_kp_coordinator, node_id, 4, V),
	FL_KS_STR(struct fl_kp_coordinator, host, 4, V),
	FL_KS_I32(struct fl_kp_coordinator, port, 4, V),
	FL_KS_I16(struct fl_kp_coordinator, error, 4, V),
	FL_KS_NSTR(struct fl_kp_coordinator, error_message, 4, V, 4),
};
static const struct fl_ks_schema fc_coord_s = FL_KS_SCHEMA("Coordinator", fc_coord_f);
static const struct fl_ks_field fc_resp_f[] = {
	FL_KS_I32(struct fl_kp_find_coordinator_resp, throttle_ms, 1, V),
	FL_KS_I16(struct fl_kp_find_coordinator_resp, error, 0, 3),
	FL_KS_NSTR(struct fl_kp_find_coordinator_resp, error_message, 1, 3, 1),
	FL_KS_I32(struct fl_kp_find_coordinator_resp, node_id, 0, 3),
	FL_KS_STR(struct fl_kp_find_coordinator_resp, host, 0, 3),
	FL_KS_I32(struct fl_kp_find_coordinator_resp, port, 0, 3),
	FL_KS_ARR(struct fl_kp_find_coordinator_resp, coordinators, ncoordinators,
	    fc_coord_s, struct fl_kp_coordinator, 4, V),
};
static const struct fl_ks_schema fc_resp_s = FL_KS_SCHEMA("FindCoordinatorResponse", fc_resp_f);

/* ---- JoinGroup (11) ---- */

static const struct fl_ks_field jg_proto_f[] = {
	FL_KS_STR(struct fl_kp_join_protocol, name, 0, V),
	FL_KS_BYTES(struct fl_kp_join_protocol, metadata, 0, V),
};
static const struct fl_ks_schema jg_proto_s = FL_KS_SCHEMA("JoinGroupRequestProtocol", jg_proto_f);
static const struct fl_ks_field jg_req_f[] = {
	FL_KS_STR(struct fl_kp_join_group_req, group_id, 0, V),
	FL_KS_I32(struct fl_kp_join_group_req, session_timeout_ms, 0, V),
	FL_KS_I32(struct fl_kp_join_group_req, rebalance_timeout_ms, 1, V),	/* hook */
	FL_KS_STR(struct fl_kp_join_group_req, member_id, 0, V),
	FL_KS_NSTR(struct fl_kp_join_group_req, group_instance_id, 5, V, 5),
	FL_KS_STR(struct fl_kp_join_group_req, protocol_type, 0, V),
	FL_KS_ARR(struct fl_kp_join_group_req, protocols, nprotocols, jg_proto_s,
	    struct fl_kp_join_protocol, 0, V),
	FL_KS_NSTR(struct fl_kp_join_group_req, reason, 8, V, 8),
};
static const struct fl_ks_schema jg_req_s = FL_KS_SCHEMA("JoinGroupRequest", jg_req_f);
static const struct fl_ks_field jg_member_f[] = {
	FL_KS_STR(struct fl_kp_join_member, member_id, 0, V),
	FL_KS_NSTR(struct fl_kp_join_member, group_instance_id, 5, V, 5),
	FL_KS_BYTES(struct fl_kp_join_member, metadata, 0, V),
};
static const struct fl_ks_schema jg_member_s = FL_KS_SCHEMA("JoinGroupResponseMember", jg_member_f);
static const struct fl_ks_field jg_resp_f[] = {
	FL_KS_I32(struct fl_kp_join_group_resp, throttle_ms, 2, V),
	FL_KS_I16(struct fl_kp_join_group_resp, error, 0, V),
	FL_KS_I32(struct fl_kp_join_group_resp, generation_id, 0, V, .def = -1),
	FL_KS_NSTR(struct fl_kp_join_group_resp, protocol_type, 7, V, 7),
	FL_KS_NSTR(struct fl_kp_join_group_resp, protocol_name, 0, V, 7),
	FL_KS_STR(struct fl_kp_join_group_resp, leader, 0, V),
	FL_KS_BOOL(struct fl_kp_join_group_resp, skip_assignment, 9, V),
	FL_KS_STR(struct fl_kp_join_group_resp, member_id, 0, V),
	FL_KS_ARR(struct fl_kp_join_group_resp, members, nmembers, jg_member_s,
	    struct fl_kp_join_member, 0, V),
};
static const struct fl_ks_schema jg_resp_s = FL_KS_SCHEMA("JoinGroupResponse", jg_resp_f);

/* ---- Heartbeat (12) ---- */

static const struct fl_ks_field hb_req_f[] = {
	FL_KS_STR(struct fl_kp_heartbeat_req, group_id, 0, V),
	FL_KS_I32(struct fl_kp_heartbeat_req, generation_id, 0, V),
	FL_KS_STR(struct fl_kp_heartbeat_req, member_id, 0, V),
	FL_KS_NSTR(struct fl_kp_heartbeat_req, group_instance_id, 3, V, 3),
};
static const struct fl_ks_schema hb_req_s = FL_KS_SCHEMA("HeartbeatRequest", hb_req_f);
/* (throttle v1+, error): Heartbeat's response shape */
static const struct fl_ks_field error_resp_f[] = {
	FL_KS_I32(struct fl_kp_error_resp, throttle_ms, 1, V),
	FL_KS_I16(struct fl_kp_error_resp, error, 0, V),
};
static const struct fl_ks_schema error_resp_s = FL_KS_SCHEMA("HeartbeatResponse", error_resp_f);

/* ---- LeaveGroup (13) ---- */

/* v0-2 carry one MemberId: decoded into this, then made an array (hook). */
struct lg_v0 { struct fl_slice group_id, member_id; };
static const struct fl_ks_field lg_v0_f[] = {
	FL_KS_STR(struct lg_v0, group_id, 0, V),
	FL_KS_STR(struct lg_v0, member_id, 0, 2),
};
static const struct fl_ks_schema lg_v0_s = FL_KS_SCHEMA("LeaveGroupRequest v0-2", lg_v0_f);
static const struct fl_ks_field lg_member_f[] = {
	FL_KS_STR(struct fl_kp_leave_member, member_id, 3, V),
	FL_KS_NSTR(struct fl_kp_leave_member, group_instance_id, 3, V, 3),
	FL_KS_NSTR(struct fl_kp_leave_member, reason, 5, V, 5),
};
static const struct fl_ks_schema lg_member_s = FL_KS_SCHEMA("MemberIdentity", lg_member_f);
static const struct fl_ks_field lg_req_f[] = {
	FL_KS_STR(struct fl_kp_leave_group_req, group_id, 0, V),
	FL_KS_ARR(struct fl_kp_leave_group_req, members, nmembers, lg_member_s,
	    struct fl_kp_leave_member, 3, V),
};
static const struct fl_ks_schema lg_req_s = FL_KS_SCHEMA("LeaveGroupRequest", lg_req_f);
static const struct fl_ks_field lg_member_resp_f[] = {
	FL_KS_STR(struct fl_kp_leave_member_resp, member_id, 3, V),
	FL_KS_NSTR(struct fl_kp_leave_member_resp, group_instance_id, 3, V, 3),
	FL_KS_I16(struct fl_kp_leave_member_resp, error, 3, V),
};
static const struct fl_ks_schema lg_member_resp_s = FL_KS_SCHEMA("MemberResponse", lg_member_resp_f);
static const struct fl_ks_field lg_resp_f[] = {
	FL_KS_I32(struct fl_kp_leave_group_resp, throttle_ms, 1, V),
	FL_KS_I16(struct fl_kp_leave_group_resp, error, 0, V),
	FL_KS_ARR(struct fl_kp_leave_group_resp, members, nmembers, lg_member_resp_s,
	    struct fl_kp_leave_member_resp, 3, V),
};
static const struct fl_ks_schema lg_resp_s = FL_KS_SCHEMA("LeaveGroupResponse", lg_resp_f);

/* ---- SyncGroup (14) ---- */

static const struct fl_ks_field sg_assign_f[] = {
	FL_KS_STR(struct fl_kp_sync_assignment, member_id, 0, V),
	FL_KS_BYTES(struct fl_kp_sync_assignment, assignment, 0, V),
};
static const struct fl_ks_schema sg_assign_s = FL_KS_SCHEMA("SyncGroupRequestAssignment", sg_assign_f);
static const struct fl_ks_field sg_req_f[] = {
	FL_KS_STR(struct fl_kp_sync_group_req, group_id, 0, V),
	FL_KS_I32(struct fl_kp_sync_group_req, generation_id, 0, V),
	FL_KS_STR(struct fl_kp_sync_group_req, member_id, 0, V),
	FL_KS_NSTR(struct fl_kp_sync_group_req, group_instance_id, 3, V, 3),
	FL_KS_NSTR(struct fl_kp_sync_group_req, protocol_type, 5, V, 5),
	FL_KS_NSTR(struct fl_kp_sync_group_req, protocol_name, 5, V, 5),
	FL_KS_ARR(struct fl_kp_sync_group_req, assignments, nassignments, sg_assign_s,
	    struct fl_kp_sync_assignment, 0, V),
};
static const struct fl_ks_schema sg_req_s = FL_KS_SCHEMA("SyncGroupRequest", sg_req_f);
static const struct fl_ks_field sg_resp_f[] = {
	FL_KS_I32(struct fl_kp_sync_group_resp, throttle_ms, 1, V),
	FL_KS_I16(struct fl_kp_sync_group_resp, error, 0, V),
	FL_KS_NSTR(struct fl_kp_sync_group_resp, protocol_type, 5, V, 5),
	FL_KS_NSTR(struct fl_kp_sync_group_resp, protocol_name, 5, V, 5),
	FL_KS_BYTES(struct fl_kp_sync_group_resp, assignment, 0, V),
};
static const struct fl_ks_schema sg_resp_s = FL_KS_SCHEMA("SyncGroupResponse", sg_resp_f);

/* ---- DescribeGroups (15) ---- */

static const struct fl_ks_field dg_req_f[] = {
	FL_KS_ARR_STR(struct fl_kp_describe_groups_req, groups, ngroups, 0, V),
	FL_KS_BOOL(struct fl_kp_describe_groups_req, include_authorized_operations, 3, V),
};
static const struct fl_ks_schema dg_req_s = FL_KS_SCHEMA("DescribeGroupsRequest", dg_req_f);
static const struct fl_ks_field dg_member_f[] = {
	FL_KS_STR(struct fl_kp_described_member, member_id, 0, V),
	FL_KS_NSTR(struct fl_kp_described_member, group_instance_id, 4, V, 4),
	FL_KS_STR(struct fl_kp_described_member, client_id, 0, V),
	FL_KS_STR(struct fl_kp_described_member, client_host, 0, V),
	FL_KS_BYTES(struct fl_kp_described_member, metadata, 0, V),
	FL_KS_BYTES(struct fl_kp_described_member, assignment, 0, V),
};
static const struct fl_ks_schema dg_member_s = FL_KS_SCHEMA("DescribedGroupMember", dg_member_f);
static const struct fl_ks_field dg_group_f[] = {
	FL_KS_I16(struct fl_kp_described_group, error, 0, V),
	FL_KS_STR(struct fl_kp_described_group, group_id, 0, V),
	FL_KS_STR(struct fl_kp_described_group, state, 0, V),
	FL_KS_STR(struct fl_kp_described_group, protocol_type, 0, V),
	FL_KS_STR(struct fl_kp_described_group, protocol_data, 0, V),
	FL_KS_ARR(struct fl_kp_described_group, members, nmembers, dg_member_s,
	    struct fl_kp_described_member, 0, V),
	FL_KS_I32(struct fl_kp_described_group, authorized_operations, 3, V,
	    .def = INT32_MIN),
};
static const struct fl_ks_schema dg_group_s = FL_KS_SCHEMA("DescribedGroup", dg_group_f);
static const struct fl_ks_field dg_resp_f[] = {
	FL_KS_I32(struct fl_kp_describe_groups_resp, throttle_ms, 1, V),
	FL_KS_ARR(struct fl_kp_describe_groups_resp, groups, ngroups, dg_group_s,
	    struct fl_kp_described_group, 0, V),
};
static const struct fl_ks_schema dg_resp_s = FL_KS_SCHEMA("DescribeGroupsResponse", dg_resp_f);

/* ---- ListGroups (16) ---- */

static const struct fl_ks_field lgr_req_f[] = {
	FL_KS_ARR_STR(struct fl_kp_list_groups_req, states_filter, nstates_filter, 4, V),
	FL_KS_ARR_STR(struct fl_kp_list_groups_req, types_filter, ntypes_filter, 5, V),
};
static const struct fl_ks_schema lgr_req_s = FL_KS_SCHEMA("ListGroupsRequest", lgr_req_f);
static const struct fl_ks_field lgr_group_f[] = {
	FL_KS_STR(struct fl_kp_listed_group, group_id, 0, V),
	FL_KS_STR(struct fl_kp_listed_group, protocol_type, 0, V),
	FL_KS_STR(struct fl_kp_listed_group, group_state, 4, V),
	FL_KS_STR(struct fl_kp_listed_group, group_type, 5, V),
};
static const struct fl_ks_schema lgr_group_s = FL_KS_SCHEMA("ListedGroup", lgr_group_f);
static const struct fl_ks_field lgr_resp_f[] = {
	FL_KS_I32(struct fl_kp_list_groups_resp, throttle_ms, 1, V),
	FL_KS_I16(struct fl_kp_list_groups_resp, error, 0, V),
	FL_KS_ARR(struct fl_kp_list_groups_resp, groups, ngroups, lgr_group_s,
	    struct fl_kp_listed_group, 0, V),
};
static const struct fl_ks_schema lgr_resp_s = FL_KS_SCHEMA("ListGroupsResponse", lgr_resp_f);

/* ---- SaslHandshake (17), SaslAuthenticate (36) ---- */

static const struct fl_ks_field sh_req_f[] = {
	FL_KS_STR(struct fl_kp_sasl_handshake_req, mechanism, 0, V),
};
static const struct fl_ks_schema sh_req_s = FL_KS_SCHEMA("SaslHandshakeRequest", sh_req_f);
static const struct fl_ks_field sh_resp_f[] = {
	FL_KS_I16(struct fl_kp_sasl_handshake_resp, error, 0, V),
	FL_KS_ARR_STR(struct fl_kp_sasl_handshake_resp, mechanisms, nmechanisms, 0, V),
};
static const struct fl_ks_schema sh_resp_s = FL_KS_SCHEMA("SaslHandshakeResponse", sh_resp_f);
static const struct fl_ks_field sa_req_f[] = {
	FL_KS_BYTES(struct fl_kp_sasl_authenticate_req, auth_bytes, 0, V),
};
static const struct fl_ks_schema sa_req_s = FL_KS_SCHEMA("SaslAuthenticateRequest", sa_req_f);
static const struct fl_ks_field sa_resp_f[] = {
	FL_KS_I16(struct fl_kp_sasl_authenticate_resp, error, 0, V),
	FL_KS_NSTR(struct fl_kp_sasl_authenticate_resp, error_message, 0, V, 0),
	FL_KS_BYTES(struct fl_kp_sasl_authenticate_resp, auth_bytes, 0, V),
	FL_KS_I64(struct fl_kp_sasl_authenticate_resp, session_lifetime_ms, 1, V),
};
static const struct fl_ks_schema sa_resp_s = FL_KS_SCHEMA("SaslAuthenticateResponse", sa_resp_f);

/* ---- CreateTopics (19) ---- */

static const struct fl_ks_field ct_assign_f[] = {
	FL_KS_I32(struct fl_kp_create_assignment, index, 0, V),
	FL_KS_ARR_I32(struct fl_kp_create_assignment, broker_ids, nbroker_ids, 0, V),
};
static const struct fl_ks_schema ct_assign_s = FL_KS_SCHEMA("CreatableReplicaAssignment", ct_assign_f);
static const struct fl_ks_field ct_config_f[] = {
	FL_KS_STR(struct fl_kp_create_config, name, 0, V),
	FL_KS_NSTR(struct fl_kp_create_config, value, 0, V, 0),
};
static const struct fl_ks_schema ct_config_s = FL_KS_SCHEMA("CreatableTopicConfig", ct_config_f);
static const struct fl_ks_field ct_topic_f[] = {
	FL_KS_STR(struct fl_kp_create_topic, name, 0, V),
	FL_KS_I32(struct fl_kp_create_topic, num_partitions, 0, V),
	FL_KS_I16(struct fl_kp_create_topic, replication_factor, 0, V),
	FL_KS_ARR(struct fl_kp_create_topic, assignments, nassignments, ct_assign_s,
	    struct fl_kp_create_assignment, 0, V),
	FL_KS_ARR(struct fl_kp_create_topic, configs, nconfigs, ct_config_s,
	    struct fl_kp_create_config, 0, V),
};
static const struct fl_ks_schema ct_topic_s = FL_KS_SCHEMA("CreatableTopic", ct_topic_f);
static const struct fl_ks_field ct_req_f[] = {
	FL_KS_ARR(struct fl_kp_create_topics_req, topics, ntopics, ct_topic_s,
	    struct fl_kp_create_topic, 0, V),
	FL_KS_I32(struct fl_kp_create_topics_req, timeout_ms, 0, V, .def = 60000),
	FL_KS_BOOL(struct fl_kp_create_topics_req, validate_only, 1, V),
};
static const struct fl_ks_schema ct_req_s = FL_KS_SCHEMA("CreateTopicsRequest", ct_req_f);
static const struct fl_ks_field ct_created_config_f[] = {
	FL_KS_STR(struct fl_kp_created_config, name, 5, V),
	FL_KS_NSTR(struct fl_kp_created_config, value, 5, V, 5),
	FL_KS_BOOL(struct fl_kp_created_config, read_only, 5, V),
	FL_KS_I8(struct fl_kp_created_config, config_source, 5, V, .def = -1),
	FL_KS_BOOL(struct fl_kp_created_config, is_sensitive, 5, V),
};
static const struct fl_ks_schema ct_created_config_s =
    FL_KS_SCHEMA("CreatableTopicConfigs", ct_created_config_f);
/* v7's TopicId (after Name) is not described: flume has no topic ids. */
static const struct fl_ks_field ct_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_create_topic_resp, name, 0, V),
	FL_KS_I16(struct fl_kp_create_topic_resp, error, 0, V),
	FL_KS_NSTR(struct fl_kp_create_topic_resp, error_message, 1, V, 0),
	FL_KS_I32(struct fl_kp_create_topic_resp, num_partitions, 5, V, .def = -1),
	FL_KS_I16(struct fl_kp_create_topic_resp, replication_factor, 5, V, .def = -1),
	FL_KS_ARR(struct fl_kp_create_topic_resp, configs, nconfigs, ct_created_config_s,
	    struct fl_kp_created_config, 5, V,
	    FL_KS_NULL_FLAG(struct fl_kp_create_topic_resp, configs_null, 5)),
	FL_KS_I16(struct fl_kp_create_topic_resp, topic_config_error_code, 5, V,
	    .is_tagged = 1, .tag = 0),
};
static const struct fl_ks_schema ct_topic_resp_s = FL_KS_SCHEMA("CreatableTopicResult", ct_topic_resp_f);
static const struct fl_ks_field ct_resp_f[] = {
	FL_KS_I32(struct fl_kp_create_topics_resp, throttle_ms, 2, V),
	FL_KS_ARR(struct fl_kp_create_topics_resp, topics, ntopics, ct_topic_resp_s,
	    struct fl_kp_create_topic_resp, 0, V),
};
static const struct fl_ks_schema ct_resp_s = FL_KS_SCHEMA("CreateTopicsResponse", ct_resp_f);

/* ---- DeleteTopics (20) ---- */

static const struct fl_ks_field dt_state_f[] = {
	FL_KS_NSTR(struct fl_kp_delete_topic_state, name, 6, V, 6),
	FL_KS_(FL_KS_UUID, struct fl_kp_delete_topic_state, topic_id, 6, V),
};
static const struct fl_ks_schema dt_state_s = FL_KS_SCHEMA("DeleteTopicState", dt_state_f);
static const struct fl_ks_field dt_req_f[] = {
	FL_KS_ARR(struct fl_kp_delete_topics_req, topics, ntopics, dt_state_s,
	    struct fl_kp_delete_topic_state, 6, V),
	FL_KS_ARR_STR(struct fl_kp_delete_topics_req, names, nnames, 0, 5),
	FL_KS_I32(struct fl_kp_delete_topics_req, timeout_ms, 0, V),
};
static const struct fl_ks_schema dt_req_s = FL_KS_SCHEMA("DeleteTopicsRequest", dt_req_f);
static const struct fl_ks_field dt_topic_resp_f[] = {
	FL_KS_NSTR(struct fl_kp_name_error, name, 0, V, 6),
	FL_KS_(FL_KS_UUID, struct fl_kp_name_error, topic_id, 6, V),
	FL_KS_I16(struct fl_kp_name_error, error, 0, V),
	FL_KS_NSTR(struct fl_kp_name_error, error_message, 5, V, 5),
};
static const struct fl_ks_schema dt_topic_resp_s = FL_KS_SCHEMA("DeletableTopicResult", dt_topic_resp_f);
static const struct fl_ks_field dt_resp_f[] = {
	FL_KS_I32(struct fl_kp_delete_topics_resp, throttle_ms, 1, V),
	FL_KS_ARR(struct fl_kp_delete_topics_resp, topics, ntopics, dt_topic_resp_s,
	    struct fl_kp_name_error, 0, V),
};
static const struct fl_ks_schema dt_resp_s = FL_KS_SCHEMA("DeleteTopicsResponse", dt_resp_f);

/* ---- InitProducerId (22) ---- */

static const struct fl_ks_field ip_req_f[] = {
	FL_KS_NSTR(struct fl_kp_init_producer_id_req, transactional_id, 0, V, 0),
	FL_KS_I32(struct fl_kp_init_producer_id_req, transaction_timeout_ms, 0, V),
	FL_KS_I64(struct fl_kp_init_producer_id_req, producer_id, 3, V, .def = -1),
	FL_KS_I16(struct fl_kp_init_producer_id_req, producer_epoch, 3, V, .def = -1),
};
static const struct fl_ks_schema ip_req_s = FL_KS_SCHEMA("InitProducerIdRequest", ip_req_f);
static const struct fl_ks_field ip_resp_f[] = {
	FL_KS_I32(struct fl_kp_init_producer_id_resp, throttle_ms, 0, V),
	FL_KS_I16(struct fl_kp_init_producer_id_resp, error, 0, V),
	FL_KS_I64(struct fl_kp_init_producer_id_resp, producer_id, 0, V, .def = -1),
	FL_KS_I16(struct fl_kp_init_producer_id_resp, producer_epoch, 0, V),
};
static const struct fl_ks_schema ip_resp_s = FL_KS_SCHEMA("InitProducerIdResponse", ip_resp_f);

/* ---- OffsetForLeaderEpoch (23) ---- */

static const struct fl_ks_field ofle_part_f[] = {
	FL_KS_I32(struct fl_kp_ofle_part, partition, 0, V),
	FL_KS_I32(struct fl_kp_ofle_part, current_leader_epoch, 2, V, .def = -1),
	FL_KS_I32(struct fl_kp_ofle_part, leader_epoch, 0, V),
};
static const struct fl_ks_schema ofle_part_s = FL_KS_SCHEMA("OffsetForLeaderPartition", ofle_part_f);
static const struct fl_ks_field ofle_topic_f[] = {
	FL_KS_STR(struct fl_kp_ofle_topic, name, 0, V),
	FL_KS_ARR(struct fl_kp_ofle_topic, parts, nparts, ofle_part_s,
	    struct fl_kp_ofle_part, 0, V),
};
static const struct fl_ks_schema ofle_topic_s = FL_KS_SCHEMA("OffsetForLeaderTopic", ofle_topic_f);
static const struct fl_ks_field ofle_req_f[] = {
	FL_KS_I32(struct fl_kp_ofle_req, replica_id, 3, V, .def = -1),
	FL_KS_ARR(struct fl_kp_ofle_req, topics, ntopics, ofle_topic_s,
	    struct fl_kp_ofle_topic, 0, V),
};
static const struct fl_ks_schema ofle_req_s = FL_KS_SCHEMA("OffsetForLeaderEpochRequest", ofle_req_f);
static const struct fl_ks_field ofle_part_resp_f[] = {
	FL_KS_I16(struct fl_kp_ofle_part_resp, error, 0, V),
	FL_KS_I32(struct fl_kp_ofle_part_resp, partition, 0, V),
	FL_KS_I32(struct fl_kp_ofle_part_resp, leader_epoch, 1, V, .def = -1),
	FL_KS_I64(struct fl_kp_ofle_part_resp, end_offset, 0, V, .def = -1),
};
static const struct fl_ks_schema ofle_part_resp_s = FL_KS_SCHEMA("EpochEndOffset", ofle_part_resp_f);
static const struct fl_ks_field ofle_topic_resp_f[] = {
	FL_KS_STR(struct fl_kp_ofle_topic_resp, name, 0, V),
	FL_KS_ARR(struct fl_kp_ofle_topic_resp, parts, nparts, ofle_part_resp_s,
	    struct fl_kp_ofle_part_resp, 0, V),
};
static const struct fl_ks_schema ofle_topic_resp_s =
    FL_KS_SCHEMA("OffsetForLeaderTopicResult", ofle_topic_resp_f);
static const struct fl_ks_field ofle_resp_f[] = {
	FL_KS_I32(struct fl_kp_ofle_resp, throttle_ms, 2, V),
	FL_KS_ARR(struct fl_kp_ofle_resp, topics, ntopics, ofle_topic_resp_s,
	    struct fl_kp_ofle_topic_resp, 0, V),
};
static const struct fl_ks_schema ofle_resp_s = FL_KS_SCHEMA("OffsetForLeaderEpochResponse", ofle_resp_f);

/* ==== the version table ==== */

#define NOFLEX	INT16_MAX

/*
 * Advertised [min, max] first; then Kafka's first flexible version; then
 * the versions the schemas above describe (codec range: non-flexible ones
 * plus any flexible version whose fields the structs hold).
 */
const struct fl_kp_api fl_kp_apis[] = {
	{ FL_KP_PRODUCE,          0, 11, FL_KP_FEAT_CORE,  "Produce",
	  9, 0, 11, &produce_req_s, &produce_resp_s },
	{ FL_KP_FETCH,            0, 11, FL_KP_FEAT_CORE,  "Fetch",
	  12, 0, 11, &fetch_req_s, NULL },
	{ FL_KP_LIST_OFFSETS,     0,  9, FL_KP_FEAT_CORE,  "ListOffsets",
	  6, 0, 9, &lo_req_s, &lo_resp_s },
	{ FL_KP_METADATA,         0,  9, FL_KP_FEAT_CORE,  "Metadata",
	  9, 0, 9, &md_req_s, &md_resp_s },
	{ FL_KP_OFFSET_COMMIT,    0,  9, FL_KP_FEAT_GROUP, "OffsetCommit",
	  8, 0, 9, &oc_req_s, &oc_resp_s },
	{ FL_KP_OFFSET_FETCH,     0,  9, FL_KP_FEAT_GROUP, "OffsetFetch",
	  6, 0, 9, &of_req_s, &of_resp_s },
	{ FL_KP_FIND_COORDINATOR, 0,  5, FL_KP_FEAT_GROUP, "FindCoordinator",
	  3, 0, 5, &fc_req_s, &fc_resp_s },
	{ FL_KP_JOIN_GROUP,       0,  9, FL_KP_FEAT_GROUP, "JoinGroup",
	  6, 0, 9, &jg_req_s, &jg_resp_s },
	{ FL_KP_HEARTBEAT,        0,  4, FL_KP_FEAT_GROUP, "Heartbeat",
	  4, 0, 4, &hb_req_s, &error_resp_s },
	{ FL_KP_LEAVE_GROUP,      0,  5, FL_KP_FEAT_GROUP, "LeaveGroup",
	  4, 0, 5, &lg_req_s, &lg_resp_s },
	{ FL_KP_SYNC_GROUP,       0,  5, FL_KP_FEAT_GROUP, "SyncGroup",
	  4, 0, 5, &sg_req_s, &sg_resp_s },
	{ FL_KP_DESCRIBE_GROUPS,  0,  5, FL_KP_FEAT_GROUP, "DescribeGroups",
	  5, 0, 5, &dg_req_s, &dg_resp_s },
	{ FL_KP_LIST_GROUPS,      0,  5, FL_KP_FEAT_GROUP, "ListGroups",
	  3, 0, 5, &lgr_req_s, &lgr_resp_s },
	{ FL_KP_SASL_HANDSHAKE,   0,  1, FL_KP_FEAT_SASL,  "SaslHandshake",
	  NOFLEX, 0, 1, &sh_req_s, &sh_resp_s },
	{ FL_KP_API_VERSIONS,     0,  3, FL_KP_FEAT_CORE,  "ApiVersions",
	  3, 0, 3, &av_req_s, &av_resp_s },
	/* CreateTopics 7 only adds the new topic's TopicId: flume has none, and
	 * the zero uuid means "no id" to Kafka's clients, so 6 is the top. */
	{ FL_KP_CREATE_TOPICS,    0,  6, FL_KP_FEAT_CORE,  "CreateTopics",
	  5, 0, 6, &ct_req_s, &ct_resp_s },
	{ FL_KP_DELETE_TOPICS,    0,  6, FL_KP_FEAT_CORE,  "DeleteTopics",
	  4, 0, 6, &dt_req_s, &dt_resp_s },
	{ FL_KP_INIT_PRODUCER_ID, 0,  5, FL_KP_FEAT_CORE,  "InitProducerId",
	  2, 0, 5, &ip_req_s, &ip_resp_s },
	{ FL_KP_OFFSET_FOR_LEADER_EPOCH, 0, 4, FL_KP_FEAT_CORE, "OffsetForLeaderEpoch",
	  4, 0, 4, &ofle_req_s, &ofle_resp_s },
	{ FL_KP_SASL_AUTHENTICATE, 0, 2, FL_KP_FEAT_SASL,  "SaslAuthenticate",
	  2, 0, 2, &sa_req_s, &sa_resp_s },
	/* the admin APIs: bodies in codec/kadmin.c */
	{ FL_KP_DELETE_RECORDS,   0,  2, FL_KP_FEAT_CORE,  "DeleteRecords",
	  2, 0, 2, &fl_ka_dr_req_schema, &fl_ka_dr_resp_schema },
	{ FL_KP_DESCRIBE_CONFIGS, 0,  4, FL_KP_FEAT_CORE,  "DescribeConfigs",
	  4, 0, 4, &fl_ka_dc_req_schema, &fl_ka_dc_resp_schema },
	{ FL_KP_ALTER_CONFIGS,    0,  2, FL_KP_FEAT_CORE,  "AlterConfigs",
	  2, 0, 2, &fl_ka_ac_req_schema, &fl_ka_ac_resp_schema },
	{ FL_KP_CREATE_PARTITIONS, 0, 3, FL_KP_FEAT_CORE,  "CreatePartitions",
	  2, 0, 3, &fl_ka_cp_req_schema, &fl_ka_cp_resp_schema },
	{ FL_KP_DELETE_GROUPS,    0,  2, FL_KP_FEAT_GROUP, "DeleteGroups",
	  2, 0, 2, &fl_ka_dg_req_schema, &fl_ka_dg_resp_schema },
	{ FL_KP_INCREMENTAL_ALTER_CONFIGS, 0, 1, FL_KP_FEAT_CORE, "IncrementalAlterConfigs",
	  1, 0, 1, &fl_ka_iac_req_schema, &fl_ka_ac_resp_schema },
	{ FL_KP_OFFSET_DELETE,    0,  0, FL_KP_FEAT_GROUP, "OffsetDelete",
	  NOFLEX, 0, 0, &fl_ka_od_req_schema, &fl_ka_od_resp_schema },
	{ FL_KP_DESCRIBE_CLUSTER, 0,  1, FL_KP_FEAT_CORE,  "DescribeCluster",
	  0, 0, 1, &fl_ka_dcl_req_schema, &fl_ka_dcl_resp_schema },
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

int
fl_kp_is_flexible(int16_t key, int16_t version)
{
	const struct fl_kp_api *api = api_lookup(key);

	return api != NULL && version >= api->flex_min;
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
	if (batch_check_rc == FL_ENOMEM)
		return FL_KERR_UNKNOWN_SERVER_ERROR;	/* ours, not the batch's */
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
	 * what follows it (tags, body) is never read for the other kinds. */
	fl_rd_init(&r, p, n);
	r.off = 8;
	rc = fl_rd_nstring(&r, &h->client_id);
	if (rc == 0 && h->kind == FL_KP_REQ_OK &&
	    h->api_version >= api->flex_min)
		rc = fl_ks_rd_skip_tags(&r);	/* header v2 */
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

/* ---- request decoders: the table, plus a hook where noted ---- */

/* memset out, then decode the whole body with key's request schema. */
static int
body_decode(struct fl_rd *r, int16_t key, int16_t version, struct fl_arena *a,
    void *out, size_t size)
{
	const struct fl_kp_api *api = api_lookup(key);

	if (!version_ok(key, version))
		return FL_EINVAL;
	memset(out, 0, size);
	return fl_ks_decode_body(r, api->req, version, version >= api->flex_min,
	    a, out);
}

#define DECODER(fn, KEY, type)						\
int									\
fn(struct fl_rd *r, int16_t version, struct fl_arena *a, type *out)	\
{									\
	return body_decode(r, KEY, version, a, out, sizeof(*out));	\
}

DECODER(fl_kp_apiversions_req_decode, FL_KP_API_VERSIONS, struct fl_kp_apiversions_req)
DECODER(fl_kp_list_groups_req_decode, FL_KP_LIST_GROUPS, struct fl_kp_list_groups_req)
DECODER(fl_kp_produce_req_decode, FL_KP_PRODUCE, struct fl_kp_produce_req)
DECODER(fl_kp_fetch_req_decode, FL_KP_FETCH, struct fl_kp_fetch_req)
DECODER(fl_kp_list_offsets_req_decode, FL_KP_LIST_OFFSETS, struct fl_kp_list_offsets_req)
DECODER(fl_kp_offset_commit_req_decode, FL_KP_OFFSET_COMMIT, struct fl_kp_offset_commit_req)
DECODER(fl_kp_offset_fetch_req_decode, FL_KP_OFFSET_FETCH, struct fl_kp_offset_fetch_req)
DECODER(fl_kp_find_coordinator_req_decode, FL_KP_FIND_COORDINATOR,
    struct fl_kp_find_coordinator_req)
DECODER(fl_kp_heartbeat_req_decode, FL_KP_HEARTBEAT, struct fl_kp_heartbeat_req)
DECODER(fl_kp_sync_group_req_decode, FL_KP_SYNC_GROUP, struct fl_kp_sync_group_req)
DECODER(fl_kp_describe_groups_req_decode, FL_KP_DESCRIBE_GROUPS,
    struct fl_kp_describe_groups_req)
DECODER(fl_kp_sasl_handshake_req_decode, FL_KP_SASL_HANDSHAKE,
    struct fl_kp_sasl_handshake_req)
DECODER(fl_kp_sasl_authenticate_req_decode, FL_KP_SASL_AUTHENTICATE,
    struct fl_kp_sasl_authenticate_req)
DECODER(fl_kp_create_topics_req_decode, FL_KP_CREATE_TOPICS, struct fl_kp_create_topics_req)
DECODER(fl_kp_delete_topics_req_decode, FL_KP_DELETE_TOPICS, struct fl_kp_delete_topics_req)
DECODER(fl_kp_init_producer_id_req_decode, FL_KP_INIT_PRODUCER_ID,
    struct fl_kp_init_producer_id_req)
DECODER(fl_kp_ofle_req_decode, FL_KP_OFFSET_FOR_LEADER_EPOCH, struct fl_kp_ofle_req)

/* Hook: v0 has no Topics null; its empty list means all topics. */
int
fl_kp_metadata_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_metadata_req *out)
{
	TRY(body_decode(r, FL_KP_METADATA, version, a, out, sizeof(*out)));
	if (version == 0 && out->ntopics == 0)
		out->is_all_topics = 1;
	return 0;
}

/* Hook: v0 has no RebalanceTimeoutMs; Kafka takes the session timeout. */
int
fl_kp_join_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_join_group_req *out)
{
	TRY(body_decode(r, FL_KP_JOIN_GROUP, version, a, out, sizeof(*out)));
	if (version < 1)
		out->rebalance_timeout_ms = out->session_timeout_ms;
	return 0;
}

/* Hook: v0-2 name one member; callers always see an array. */
int
fl_kp_leave_group_req_decode(struct fl_rd *r, int16_t version,
    struct fl_arena *a, struct fl_kp_leave_group_req *out)
{
	struct lg_v0 v0;
	int rc;

	if (!version_ok(FL_KP_LEAVE_GROUP, version))
		return FL_EINVAL;
	if (version >= 3)
		return body_decode(r, FL_KP_LEAVE_GROUP, version, a, out,
		    sizeof(*out));
	memset(out, 0, sizeof(*out));
	TRY(fl_ks_decode_body(r, &lg_v0_s, version, 0, a, &v0));
	out->group_id = v0.group_id;
	out->members = fl_arena_alloc(a, 1, sizeof(*out->members), &rc);
	TRY(rc);
	out->members[0].member_id = v0.member_id;	/* instance id null */
	out->nmembers = 1;
	return 0;
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
wr_str(struct fl_wr *w, struct fl_slice s)
{
	fl_wr_string(w, s.p, s.len);
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

/*
 * One response frame: header (v1, with its empty tagged fields, for a
 * flexible version, except ApiVersions which always answers header v0),
 * then the body from key's response schema.
 */
static int
body_encode(struct fl_wr *w, int16_t key, int16_t version,
    int32_t correlation_id, const void *in, struct fl_ks_marks *marks)
{
	const struct fl_kp_api *api = api_lookup(key);
	int flex;
	size_t start;

	if (!version_ok(key, version))
		return FL_EINVAL;
	flex = version >= api->flex_min;
	start = fl_kp_resp_begin(w, correlation_id);
	if (flex && key != FL_KP_API_VERSIONS)
		fl_ks_wr_no_tags(w);
	if (marks != NULL)
		marks->base = start;
	(void)fl_ks_encode(w, api->resp, version, flex, in, marks);
	return fl_kp_resp_end(w, start);
}

#define ENCODER(fn, KEY, type)						\
int									\
fn(struct fl_wr *w, int16_t version, int32_t correlation_id,		\
    const type *r)							\
{									\
	return body_encode(w, KEY, version, correlation_id, r, NULL);	\
}

ENCODER(fl_kp_list_offsets_resp_encode, FL_KP_LIST_OFFSETS, struct fl_kp_list_offsets_resp)
ENCODER(fl_kp_metadata_resp_encode, FL_KP_METADATA, struct fl_kp_metadata_resp)
ENCODER(fl_kp_offset_commit_resp_encode, FL_KP_OFFSET_COMMIT, struct fl_kp_offset_commit_resp)
ENCODER(fl_kp_offset_fetch_resp_encode, FL_KP_OFFSET_FETCH, struct fl_kp_offset_fetch_resp)
ENCODER(fl_kp_find_coordinator_resp_encode, FL_KP_FIND_COORDINATOR,
    struct fl_kp_find_coordinator_resp)
ENCODER(fl_kp_join_group_resp_encode, FL_KP_JOIN_GROUP, struct fl_kp_join_group_resp)
ENCODER(fl_kp_heartbeat_resp_encode, FL_KP_HEARTBEAT, struct fl_kp_error_resp)
ENCODER(fl_kp_leave_group_resp_encode, FL_KP_LEAVE_GROUP, struct fl_kp_leave_group_resp)
ENCODER(fl_kp_sync_group_resp_encode, FL_KP_SYNC_GROUP, struct fl_kp_sync_group_resp)
ENCODER(fl_kp_describe_groups_resp_encode, FL_KP_DESCRIBE_GROUPS,
    struct fl_kp_describe_groups_resp)
ENCODER(fl_kp_list_groups_resp_encode, FL_KP_LIST_GROUPS, struct fl_kp_list_groups_resp)
ENCODER(fl_kp_sasl_handshake_resp_encode, FL_KP_SASL_HANDSHAKE,
    struct fl_kp_sasl_handshake_resp)
ENCODER(fl_kp_sasl_authenticate_resp_encode, FL_KP_SASL_AUTHENTICATE,
    struct fl_kp_sasl_authenticate_resp)
ENCODER(fl_kp_create_topics_resp_encode, FL_KP_CREATE_TOPICS, struct fl_kp_create_topics_resp)
ENCODER(fl_kp_delete_topics_resp_encode, FL_KP_DELETE_TOPICS, struct fl_kp_delete_topics_resp)
ENCODER(fl_kp_init_producer_id_resp_encode, FL_KP_INIT_PRODUCER_ID,
    struct fl_kp_init_producer_id_resp)
ENCODER(fl_kp_ofle_resp_encode, FL_KP_OFFSET_FOR_LEADER_EPOCH, struct fl_kp_ofle_resp)

/* ---- ApiVersions: the answer is fl_kp_apis[] itself (hook) ---- */

int
fl_kp_apiversions_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, int16_t error, int32_t throttle_ms,
    unsigned features)
{
	struct av_key keys[FL_ARRAY_LEN(fl_kp_apis)];
	struct av_resp r;
	size_t i, n = 0;

	for (i = 0; i < fl_kp_napis; i++) {
		const struct fl_kp_api *api = &fl_kp_apis[i];

		if ((api->feature & ~features) != 0 || error == FL_KERR_INVALID_REQUEST)
			continue;	/* Kafka's INVALID_REQUEST answer lists no keys */
		keys[n].key = api->key;
		keys[n].min_version = api->min_version;
		keys[n].max_version = api->max_version;
		n++;
	}
	r.error = error;
	r.keys = keys;
	r.nkeys = n;
	r.throttle_ms = throttle_ms;
	return body_encode(w, FL_KP_API_VERSIONS, version, correlation_id, &r,
	    NULL);
}

/* Kafka's pattern for ClientSoftwareName and -Version:
 * [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? */
static int
software_ok(struct fl_slice s)
{
	size_t i;

	if (s.p == NULL || s.len == 0)
		return 0;
	for (i = 0; i < s.len; i++) {
		uint8_t ch = s.p[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9');

		if (!alnum && ((ch != '-' && ch != '.') || i == 0 || i == s.len - 1))
			return 0;
	}
	return 1;
}

int
fl_kp_apiversions_req_valid(const struct fl_kp_apiversions_req *r, int16_t version)
{
	return version < 3 || (software_ok(r->client_software_name) &&
	    software_ok(r->client_software_version));
}

int
fl_kp_apiversions_fallback(struct fl_wr *w, int32_t correlation_id)
{
	const struct fl_kp_api *api = api_lookup(FL_KP_API_VERSIONS);
	struct av_key key = { api->key, api->min_version, api->max_version };
	struct av_resp r = { FL_KERR_UNSUPPORTED_VERSION, &key, 1, 0 };
	size_t start = fl_kp_resp_begin(w, correlation_id);

	/* v0 body even for a flexible request: librdkafka fails to parse it
	 * as v3, keeps error 35 and retries with v0 (§3). */
	(void)fl_ks_encode(w, &av_resp_s, 0, 0, &r, NULL);
	return fl_kp_resp_end(w, start);
}

/* ---- Produce: the table, plus where each partition landed ---- */

int
fl_kp_produce_resp_encode(struct fl_wr *w, int16_t version,
    int32_t correlation_id, const struct fl_kp_produce_resp *r)
{
	struct fl_ks_marks m = { &produce_part_resp_s, r->part_pos, 0, SIZE_MAX, 0 };

	return body_encode(w, FL_KP_PRODUCE, version, correlation_id, r,
	    r->part_pos != NULL ? &m : NULL);
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
	if (version >= 1)
		fl_wr_i32(w, throttle_ms);	/* v1+, first */
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
	if (e->version >= 4)
		fl_wr_i64(w, pr->last_stable_offset);
	if (e->version >= 5)
		fl_wr_i64(w, pr->log_start_offset);
	if (e->version >= 4)
		fl_wr_i32(w, 0);		/* AbortedTransactions: [] */
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

