/*
 * kadmin.h: the Kafka admin APIs' bodies as plain structs, described by
 * kschema tables (codec/kschema.h): DescribeConfigs (32), AlterConfigs
 * (33), IncrementalAlterConfigs (44), CreatePartitions (37), DeleteGroups
 * (42), OffsetDelete (47), DeleteRecords (21) and DescribeCluster (60),
 * each over Kafka 3.9's whole version range, flexible versions included.
 *
 * kproto's fl_kp_req_decode hands these keys to fl_ka_req_decode, which
 * decodes the body into req->u.admin (kproto's table holds the same
 * schemas, so its tests walk them too); the broker answers with fl_ka_resp_encode, which
 * writes the response header (v1, with its empty tag section, for a
 * flexible version) and the body.  The structs' field comments give the
 * version a field first appears in and [the default] an absent one
 * decodes to.
 *
 * Ownership: decoded strings BORROW the request payload; arrays come
 * from the caller's arena (kproto.h).  Response structs are only read
 * during the encode call.
 * Errors: 0 or negative FL_E* as kschema.h; FL_EINVAL for a key or
 * version outside the tables.
 * Layer: codec.  Pure: no I/O, no clock, no globals.
 */
#ifndef FL_KADMIN_H
#define FL_KADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/rd.h"
#include "codec/kschema.h"

enum {
	FL_KA_DELETE_RECORDS = 21,
	FL_KA_DESCRIBE_CONFIGS = 32,
	FL_KA_ALTER_CONFIGS = 33,
	FL_KA_CREATE_PARTITIONS = 37,
	FL_KA_DELETE_GROUPS = 42,
	FL_KA_INCREMENTAL_ALTER_CONFIGS = 44,
	FL_KA_OFFSET_DELETE = 47,
	FL_KA_DESCRIBE_CLUSTER = 60
};

/* Kafka's resource types, config sources, config types and operations. */
enum { FL_KA_RES_TOPIC = 2, FL_KA_RES_BROKER = 4, FL_KA_RES_BROKER_LOGGER = 8 };
enum {
	FL_KA_SRC_UNKNOWN = 0, FL_KA_SRC_DYNAMIC_TOPIC = 1, FL_KA_SRC_DYNAMIC_BROKER = 2,
	FL_KA_SRC_DYNAMIC_DEFAULT_BROKER = 3, FL_KA_SRC_STATIC_BROKER = 4,
	FL_KA_SRC_DEFAULT = 5
};
enum {
	FL_KA_TYPE_UNKNOWN = 0, FL_KA_TYPE_BOOLEAN = 1, FL_KA_TYPE_STRING = 2,
	FL_KA_TYPE_INT = 3, FL_KA_TYPE_SHORT = 4, FL_KA_TYPE_LONG = 5,
	FL_KA_TYPE_DOUBLE = 6, FL_KA_TYPE_LIST = 7
};
enum { FL_KA_OP_SET = 0, FL_KA_OP_DELETE = 1, FL_KA_OP_APPEND = 2, FL_KA_OP_SUBTRACT = 3 };
#define FL_KA_AUTH_OPS_OMITTED INT32_MIN	/* ClusterAuthorizedOperations not asked */

/* ---- DescribeConfigs (32) v0-4, flexible from 4 ---- */
struct fl_ka_dc_resource {
	int8_t resource_type;
	struct fl_slice resource_name;
	struct fl_slice *keys;		/* configuration_keys */
	size_t nkeys;
	int keys_null;			/* null: every key */
};
struct fl_ka_dc_req {
	struct fl_ka_dc_resource *resources;
	size_t nresources;
	int include_synonyms;		/* v1+ [0] */
	int include_documentation;	/* v3+ [0] */
};
struct fl_ka_dc_synonym {
	struct fl_slice name, value;
	int8_t source;
};
struct fl_ka_dc_config {
	struct fl_slice name;
	struct fl_slice value;		/* nullable */
	int read_only;
	int is_default;			/* v0 only */
	int8_t config_source;		/* v1+ */
	int is_sensitive;
	struct fl_ka_dc_synonym *synonyms;	/* v1+ */
	size_t nsynonyms;
	int8_t config_type;		/* v3+ */
	struct fl_slice documentation;	/* v3+, nullable */
};
struct fl_ka_dc_result {
	int16_t error;
	struct fl_slice error_message;	/* nullable */
	int8_t resource_type;
	struct fl_slice resource_name;
	struct fl_ka_dc_config *configs;
	size_t nconfigs;
};
struct fl_ka_dc_resp {
	int32_t throttle_ms;
	struct fl_ka_dc_result *results;
	size_t nresults;
};

/* ---- AlterConfigs (33) v0-2, flexible from 2; IncrementalAlterConfigs (44)
 * v0-1, flexible from 1: one struct, op only in the incremental one ---- */
struct fl_ka_ac_config {
	struct fl_slice name;
	int8_t op;			/* IncrementalAlterConfigs only [SET] */
	struct fl_slice value;		/* nullable */
};
struct fl_ka_ac_resource {
	int8_t resource_type;
	struct fl_slice resource_name;
	struct fl_ka_ac_config *configs;
	size_t nconfigs;
};
struct fl_ka_ac_req {
	struct fl_ka_ac_resource *resources;
	size_t nresources;
	int validate_only;
};
struct fl_ka_ac_result {
	int16_t error;
	struct fl_slice error_message;	/* nullable */
	int8_t resource_type;
	struct fl_slice resource_name;
};
struct fl_ka_ac_resp {
	int32_t throttle_ms;
	struct fl_ka_ac_result *results;
	size_t nresults;
};

/* ---- CreatePartitions (37) v0-3, flexible from 2 ---- */
struct fl_ka_cp_assignment {
	int32_t *broker_ids;
	size_t nbroker_ids;
};
struct fl_ka_cp_topic {
	struct fl_slice name;
	int32_t count;
	struct fl_ka_cp_assignment *assignments;
	size_t nassignments;
	int assignments_null;
};
struct fl_ka_cp_req {
	struct fl_ka_cp_topic *topics;
	size_t ntopics;
	int32_t timeout_ms;
	int validate_only;
};
struct fl_ka_cp_result {
	struct fl_slice name;
	int16_t error;
	struct fl_slice error_message;	/* nullable */
};
struct fl_ka_cp_resp {
	int32_t throttle_ms;
	struct fl_ka_cp_result *results;
	size_t nresults;
};

/* ---- DeleteGroups (42) v0-2, flexible from 2 ---- */
struct fl_ka_dg_req {
	struct fl_slice *groups;
	size_t ngroups;
};
struct fl_ka_dg_result {
	struct fl_slice group_id;
	int16_t error;
};
struct fl_ka_dg_resp {
	int32_t throttle_ms;
	struct fl_ka_dg_result *results;
	size_t nresults;
};

/* ---- OffsetDelete (47) v0 ---- */
struct fl_ka_od_part {
	int32_t index;
	int16_t error;			/* response only */
};
struct fl_ka_od_topic {
	struct fl_slice name;
	struct fl_ka_od_part *parts;
	size_t nparts;
};
struct fl_ka_od_req {
	struct fl_slice group_id;
	struct fl_ka_od_topic *topics;
	size_t ntopics;
};
struct fl_ka_od_resp {
	int16_t error;
	int32_t throttle_ms;
	struct fl_ka_od_topic *topics;
	size_t ntopics;
};

/* ---- DeleteRecords (21) v0-2, flexible from 2 ---- */
struct fl_ka_dr_part {
	int32_t index;
	int64_t offset;			/* request: delete below; -1: the high watermark */
	int64_t low_watermark;		/* response */
	int16_t error;			/* response */
};
struct fl_ka_dr_topic {
	struct fl_slice name;
	struct fl_ka_dr_part *parts;
	size_t nparts;
};
struct fl_ka_dr_req {
	struct fl_ka_dr_topic *topics;
	size_t ntopics;
	int32_t timeout_ms;
};
struct fl_ka_dr_resp {
	int32_t throttle_ms;
	struct fl_ka_dr_topic *topics;
	size_t ntopics;
};

/* ---- DescribeCluster (60) v0-1, flexible from 0 ---- */
struct fl_ka_dcl_req {
	int include_cluster_authorized_operations;
	int8_t endpoint_type;		/* v1+ [1: brokers] */
};
struct fl_ka_dcl_broker {
	int32_t broker_id;
	struct fl_slice host;
	int32_t port;
	struct fl_slice rack;		/* nullable */
};
struct fl_ka_dcl_resp {
	int32_t throttle_ms;
	int16_t error;
	struct fl_slice error_message;	/* nullable */
	int8_t endpoint_type;		/* v1+ */
	struct fl_slice cluster_id;
	int32_t controller_id;
	struct fl_ka_dcl_broker *brokers;
	size_t nbrokers;
	int32_t cluster_authorized_operations;
};

/* One decoded admin request; the member follows the API key. */
union fl_ka_req {
	struct fl_ka_dc_req describe_configs;
	struct fl_ka_ac_req alter_configs;	/* and IncrementalAlterConfigs */
	struct fl_ka_cp_req create_partitions;
	struct fl_ka_dg_req delete_groups;
	struct fl_ka_od_req offset_delete;
	struct fl_ka_dr_req delete_records;
	struct fl_ka_dcl_req describe_cluster;
};

/* One admin API: its versions and its body schemas. */
struct fl_ka_api {
	int16_t key, min_version, max_version, flex_min;
	const struct fl_ks_schema *req, *resp;
};

/* The body schemas (kproto's table points at them too). */
extern const struct fl_ks_schema fl_ka_dc_req_schema, fl_ka_dc_resp_schema,
    fl_ka_ac_req_schema, fl_ka_iac_req_schema, fl_ka_ac_resp_schema,
    fl_ka_cp_req_schema, fl_ka_cp_resp_schema, fl_ka_dg_req_schema, fl_ka_dg_resp_schema,
    fl_ka_od_req_schema, fl_ka_od_resp_schema, fl_ka_dr_req_schema, fl_ka_dr_resp_schema,
    fl_ka_dcl_req_schema, fl_ka_dcl_resp_schema;

/* The table entry of an admin key, or NULL if key is not one. */
const struct fl_ka_api *fl_ka_api(int16_t key);
/* 1 if (key, version) is a flexible version of an admin API. */
int fl_ka_is_flexible(int16_t key, int16_t version);

/*
 * Decode an admin request's whole body (r->off at its start: after the
 * header, whose v2 tags fl_kp_hdr_parse skips) into *out (the member for
 * key), nothing left over.
 */
int fl_ka_req_decode(struct fl_rd *r, int16_t key, int16_t version,
    struct fl_arena *a, union fl_ka_req *out);
/*
 * Append one whole response frame: size, correlation id, (flexible: an
 * empty tag section), then the body in (the response struct for key).
 */
int fl_ka_resp_encode(struct fl_wr *w, int16_t key, int16_t version,
    int32_t correlation_id, const void *in);
/* Just the body (tests, and a client's side of the tables). */
int fl_ka_body_encode(struct fl_wr *w, int16_t key, int16_t version, int is_request,
    const void *in);
int fl_ka_body_decode(struct fl_rd *r, int16_t key, int16_t version, int is_request,
    struct fl_arena *a, void *out);

#endif
