/*
 * kadmin.c: the admin APIs' schema tables (see kadmin.h), in Kafka 3.9's
 * field order (clients/src/main/resources/common/message/<Name>*.json).
 */
#include <string.h>

#include "codec/kadmin.h"
#include "codec/kproto.h"

#define V	FL_KS_VMAX

/* ---- DescribeConfigs ---- */

static const struct fl_ks_field dc_res_f[] = {
	FL_KS_I8(struct fl_ka_dc_resource, resource_type, 0, V),
	FL_KS_STR(struct fl_ka_dc_resource, resource_name, 0, V),
	FL_KS_ARR_STR(struct fl_ka_dc_resource, keys, nkeys, 0, V,
	    FL_KS_NULL_FLAG(struct fl_ka_dc_resource, keys_null, 0)),
};
static const struct fl_ks_schema dc_res_s = FL_KS_SCHEMA("DescribeConfigsResource", dc_res_f);
static const struct fl_ks_field dc_req_f[] = {
	FL_KS_ARR(struct fl_ka_dc_req, resources, nresources, dc_res_s,
	    struct fl_ka_dc_resource, 0, V),
	FL_KS_BOOL(struct fl_ka_dc_req, include_synonyms, 1, V),
	FL_KS_BOOL(struct fl_ka_dc_req, include_documentation, 3, V),
};
const struct fl_ks_schema fl_ka_dc_req_schema = FL_KS_SCHEMA("DescribeConfigsRequest", dc_req_f);

static const struct fl_ks_field dc_syn_f[] = {
	FL_KS_STR(struct fl_ka_dc_synonym, name, 1, V),
	FL_KS_NSTR(struct fl_ka_dc_synonym, value, 1, V, 0),
	FL_KS_I8(struct fl_ka_dc_synonym, source, 1, V),
};
static const struct fl_ks_schema dc_syn_s = FL_KS_SCHEMA("DescribeConfigsSynonym", dc_syn_f);
static const struct fl_ks_field dc_conf_f[] = {
	FL_KS_STR(struct fl_ka_dc_config, name, 0, V),
	FL_KS_NSTR(struct fl_ka_dc_config, value, 0, V, 0),
	FL_KS_BOOL(struct fl_ka_dc_config, read_only, 0, V),
	FL_KS_BOOL(struct fl_ka_dc_config, is_default, 0, 0),
	FL_KS_I8(struct fl_ka_dc_config, config_source, 1, V, .def = -1),
	FL_KS_BOOL(struct fl_ka_dc_config, is_sensitive, 0, V),
	FL_KS_ARR(struct fl_ka_dc_config, synonyms, nsynonyms, dc_syn_s,
	    struct fl_ka_dc_synonym, 1, V),
	FL_KS_I8(struct fl_ka_dc_config, config_type, 3, V),
	FL_KS_NSTR(struct fl_ka_dc_config, documentation, 3, V, 0),
};
static const struct fl_ks_schema dc_conf_s = FL_KS_SCHEMA("DescribeConfigsResourceResult",
    dc_conf_f);
static const struct fl_ks_field dc_result_f[] = {
	FL_KS_I16(struct fl_ka_dc_result, error, 0, V),
	FL_KS_NSTR(struct fl_ka_dc_result, error_message, 0, V, 0),
	FL_KS_I8(struct fl_ka_dc_result, resource_type, 0, V),
	FL_KS_STR(struct fl_ka_dc_result, resource_name, 0, V),
	FL_KS_ARR(struct fl_ka_dc_result, configs, nconfigs, dc_conf_s,
	    struct fl_ka_dc_config, 0, V),
};
static const struct fl_ks_schema dc_result_s = FL_KS_SCHEMA("DescribeConfigsResult", dc_result_f);
static const struct fl_ks_field dc_resp_f[] = {
	FL_KS_I32(struct fl_ka_dc_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_dc_resp, results, nresults, dc_result_s,
	    struct fl_ka_dc_result, 0, V),
};
const struct fl_ks_schema fl_ka_dc_resp_schema = FL_KS_SCHEMA("DescribeConfigsResponse", dc_resp_f);

/* ---- AlterConfigs and IncrementalAlterConfigs ---- */

static const struct fl_ks_field ac_conf_f[] = {
	FL_KS_STR(struct fl_ka_ac_config, name, 0, V),
	FL_KS_NSTR(struct fl_ka_ac_config, value, 0, V, 0),
};
static const struct fl_ks_schema ac_conf_s = FL_KS_SCHEMA("AlterableConfig", ac_conf_f);
static const struct fl_ks_field ac_res_f[] = {
	FL_KS_I8(struct fl_ka_ac_resource, resource_type, 0, V),
	FL_KS_STR(struct fl_ka_ac_resource, resource_name, 0, V),
	FL_KS_ARR(struct fl_ka_ac_resource, configs, nconfigs, ac_conf_s,
	    struct fl_ka_ac_config, 0, V),
};
static const struct fl_ks_schema ac_res_s = FL_KS_SCHEMA("AlterConfigsResource", ac_res_f);
static const struct fl_ks_field ac_req_f[] = {
	FL_KS_ARR(struct fl_ka_ac_req, resources, nresources, ac_res_s,
	    struct fl_ka_ac_resource, 0, V),
	FL_KS_BOOL(struct fl_ka_ac_req, validate_only, 0, V),
};
const struct fl_ks_schema fl_ka_ac_req_schema = FL_KS_SCHEMA("AlterConfigsRequest", ac_req_f);

static const struct fl_ks_field iac_conf_f[] = {
	FL_KS_STR(struct fl_ka_ac_config, name, 0, V),
	FL_KS_I8(struct fl_ka_ac_config, op, 0, V),
	FL_KS_NSTR(struct fl_ka_ac_config, value, 0, V, 0),
};
static const struct fl_ks_schema iac_conf_s = FL_KS_SCHEMA("AlterableConfig", iac_conf_f);
static const struct fl_ks_field iac_res_f[] = {
	FL_KS_I8(struct fl_ka_ac_resource, resource_type, 0, V),
	FL_KS_STR(struct fl_ka_ac_resource, resource_name, 0, V),
	FL_KS_ARR(struct fl_ka_ac_resource, configs, nconfigs, iac_conf_s,
	    struct fl_ka_ac_config, 0, V),
};
static const struct fl_ks_schema iac_res_s = FL_KS_SCHEMA("AlterConfigsResource", iac_res_f);
static const struct fl_ks_field iac_req_f[] = {
	FL_KS_ARR(struct fl_ka_ac_req, resources, nresources, iac_res_s,
	    struct fl_ka_ac_resource, 0, V),
	FL_KS_BOOL(struct fl_ka_ac_req, validate_only, 0, V),
};
const struct fl_ks_schema fl_ka_iac_req_schema = FL_KS_SCHEMA("IncrementalAlterConfigsRequest",
    iac_req_f);

static const struct fl_ks_field ac_result_f[] = {
	FL_KS_I16(struct fl_ka_ac_result, error, 0, V),
	FL_KS_NSTR(struct fl_ka_ac_result, error_message, 0, V, 0),
	FL_KS_I8(struct fl_ka_ac_result, resource_type, 0, V),
	FL_KS_STR(struct fl_ka_ac_result, resource_name, 0, V),
};
static const struct fl_ks_schema ac_result_s = FL_KS_SCHEMA("AlterConfigsResourceResponse",
    ac_result_f);
static const struct fl_ks_field ac_resp_f[] = {
	FL_KS_I32(struct fl_ka_ac_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_ac_resp, results, nresults, ac_result_s,
	    struct fl_ka_ac_result, 0, V),
};
const struct fl_ks_schema fl_ka_ac_resp_schema = FL_KS_SCHEMA("AlterConfigsResponse", ac_resp_f);

/* ---- CreatePartitions ---- */

static const struct fl_ks_field cp_asg_f[] = {
	FL_KS_ARR_I32(struct fl_ka_cp_assignment, broker_ids, nbroker_ids, 0, V),
};
static const struct fl_ks_schema cp_asg_s = FL_KS_SCHEMA("CreatePartitionsAssignment", cp_asg_f);
static const struct fl_ks_field cp_topic_f[] = {
	FL_KS_STR(struct fl_ka_cp_topic, name, 0, V),
	FL_KS_I32(struct fl_ka_cp_topic, count, 0, V),
	FL_KS_ARR(struct fl_ka_cp_topic, assignments, nassignments, cp_asg_s,
	    struct fl_ka_cp_assignment, 0, V,
	    FL_KS_NULL_FLAG(struct fl_ka_cp_topic, assignments_null, 0)),
};
static const struct fl_ks_schema cp_topic_s = FL_KS_SCHEMA("CreatePartitionsTopic", cp_topic_f);
static const struct fl_ks_field cp_req_f[] = {
	FL_KS_ARR(struct fl_ka_cp_req, topics, ntopics, cp_topic_s, struct fl_ka_cp_topic, 0, V),
	FL_KS_I32(struct fl_ka_cp_req, timeout_ms, 0, V),
	FL_KS_BOOL(struct fl_ka_cp_req, validate_only, 0, V),
};
const struct fl_ks_schema fl_ka_cp_req_schema = FL_KS_SCHEMA("CreatePartitionsRequest", cp_req_f);
static const struct fl_ks_field cp_result_f[] = {
	FL_KS_STR(struct fl_ka_cp_result, name, 0, V),
	FL_KS_I16(struct fl_ka_cp_result, error, 0, V),
	FL_KS_NSTR(struct fl_ka_cp_result, error_message, 0, V, 0),
};
static const struct fl_ks_schema cp_result_s = FL_KS_SCHEMA("CreatePartitionsTopicResult",
    cp_result_f);
static const struct fl_ks_field cp_resp_f[] = {
	FL_KS_I32(struct fl_ka_cp_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_cp_resp, results, nresults, cp_result_s,
	    struct fl_ka_cp_result, 0, V),
};
const struct fl_ks_schema fl_ka_cp_resp_schema = FL_KS_SCHEMA("CreatePartitionsResponse", cp_resp_f);

/* ---- DeleteGroups ---- */

static const struct fl_ks_field dg_req_f[] = {
	FL_KS_ARR_STR(struct fl_ka_dg_req, groups, ngroups, 0, V),
};
const struct fl_ks_schema fl_ka_dg_req_schema = FL_KS_SCHEMA("DeleteGroupsRequest", dg_req_f);
static const struct fl_ks_field dg_result_f[] = {
	FL_KS_STR(struct fl_ka_dg_result, group_id, 0, V),
	FL_KS_I16(struct fl_ka_dg_result, error, 0, V),
};
static const struct fl_ks_schema dg_result_s = FL_KS_SCHEMA("DeletableGroupResult", dg_result_f);
static const struct fl_ks_field dg_resp_f[] = {
	FL_KS_I32(struct fl_ka_dg_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_dg_resp, results, nresults, dg_result_s,
	    struct fl_ka_dg_result, 0, V),
};
const struct fl_ks_schema fl_ka_dg_resp_schema = FL_KS_SCHEMA("DeleteGroupsResponse", dg_resp_f);

/* ---- OffsetDelete ---- */

static const struct fl_ks_field od_part_f[] = {
	FL_KS_I32(struct fl_ka_od_part, index, 0, V),
};
static const struct fl_ks_schema od_part_s = FL_KS_SCHEMA("OffsetDeleteRequestPartition",
    od_part_f);
static const struct fl_ks_field od_topic_f[] = {
	FL_KS_STR(struct fl_ka_od_topic, name, 0, V),
	FL_KS_ARR(struct fl_ka_od_topic, parts, nparts, od_part_s, struct fl_ka_od_part, 0, V),
};
static const struct fl_ks_schema od_topic_s = FL_KS_SCHEMA("OffsetDeleteRequestTopic", od_topic_f);
static const struct fl_ks_field od_req_f[] = {
	FL_KS_STR(struct fl_ka_od_req, group_id, 0, V),
	FL_KS_ARR(struct fl_ka_od_req, topics, ntopics, od_topic_s, struct fl_ka_od_topic, 0, V),
};
const struct fl_ks_schema fl_ka_od_req_schema = FL_KS_SCHEMA("OffsetDeleteRequest", od_req_f);
static const struct fl_ks_field od_part_resp_f[] = {
	FL_KS_I32(struct fl_ka_od_part, index, 0, V),
	FL_KS_I16(struct fl_ka_od_part, error, 0, V),
};
static const struct fl_ks_schema od_part_resp_s = FL_KS_SCHEMA("OffsetDeleteResponsePartition",
    od_part_resp_f);
static const struct fl_ks_field od_topic_resp_f[] = {
	FL_KS_STR(struct fl_ka_od_topic, name, 0, V),
	FL_KS_ARR(struct fl_ka_od_topic, parts, nparts, od_part_resp_s,
	    struct fl_ka_od_part, 0, V),
};
static const struct fl_ks_schema od_topic_resp_s = FL_KS_SCHEMA("OffsetDeleteResponseTopic",
    od_topic_resp_f);
static const struct fl_ks_field od_resp_f[] = {
	FL_KS_I16(struct fl_ka_od_resp, error, 0, V),
	FL_KS_I32(struct fl_ka_od_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_od_resp, topics, ntopics, od_topic_resp_s,
	    struct fl_ka_od_topic, 0, V),
};
const struct fl_ks_schema fl_ka_od_resp_schema = FL_KS_SCHEMA("OffsetDeleteResponse", od_resp_f);

/* ---- DeleteRecords ---- */

static const struct fl_ks_field dr_part_f[] = {
	FL_KS_I32(struct fl_ka_dr_part, index, 0, V),
	FL_KS_I64(struct fl_ka_dr_part, offset, 0, V),
};
static const struct fl_ks_schema dr_part_s = FL_KS_SCHEMA("DeleteRecordsPartition", dr_part_f);
static const struct fl_ks_field dr_topic_f[] = {
	FL_KS_STR(struct fl_ka_dr_topic, name, 0, V),
	FL_KS_ARR(struct fl_ka_dr_topic, parts, nparts, dr_part_s, struct fl_ka_dr_part, 0, V),
};
static const struct fl_ks_schema dr_topic_s = FL_KS_SCHEMA("DeleteRecordsTopic", dr_topic_f);
static const struct fl_ks_field dr_req_f[] = {
	FL_KS_ARR(struct fl_ka_dr_req, topics, ntopics, dr_topic_s, struct fl_ka_dr_topic, 0, V),
	FL_KS_I32(struct fl_ka_dr_req, timeout_ms, 0, V),
};
const struct fl_ks_schema fl_ka_dr_req_schema = FL_KS_SCHEMA("DeleteRecordsRequest", dr_req_f);
static const struct fl_ks_field dr_part_resp_f[] = {
	FL_KS_I32(struct fl_ka_dr_part, index, 0, V),
	FL_KS_I64(struct fl_ka_dr_part, low_watermark, 0, V),
	FL_KS_I16(struct fl_ka_dr_part, error, 0, V),
};
static const struct fl_ks_schema dr_part_resp_s = FL_KS_SCHEMA("DeleteRecordsPartitionResult",
    dr_part_resp_f);
static const struct fl_ks_field dr_topic_resp_f[] = {
	FL_KS_STR(struct fl_ka_dr_topic, name, 0, V),
	FL_KS_ARR(struct fl_ka_dr_topic, parts, nparts, dr_part_resp_s,
	    struct fl_ka_dr_part, 0, V),
};
static const struct fl_ks_schema dr_topic_resp_s = FL_KS_SCHEMA("DeleteRecordsTopicResult",
    dr_topic_resp_f);
static const struct fl_ks_field dr_resp_f[] = {
	FL_KS_I32(struct fl_ka_dr_resp, throttle_ms, 0, V),
	FL_KS_ARR(struct fl_ka_dr_resp, topics, ntopics, dr_topic_resp_s,
	    struct fl_ka_dr_topic, 0, V),
};
const struct fl_ks_schema fl_ka_dr_resp_schema = FL_KS_SCHEMA("DeleteRecordsResponse", dr_resp_f);

/* ---- DescribeCluster ---- */

static const struct fl_ks_field dcl_req_f[] = {
	FL_KS_BOOL(struct fl_ka_dcl_req, include_cluster_authorized_operations, 0, V),
	FL_KS_I8(struct fl_ka_dcl_req, endpoint_type, 1, V, .def = 1),
};
const struct fl_ks_schema fl_ka_dcl_req_schema = FL_KS_SCHEMA("DescribeClusterRequest", dcl_req_f);
static const struct fl_ks_field dcl_broker_f[] = {
	FL_KS_I32(struct fl_ka_dcl_broker, broker_id, 0, V),
	FL_KS_STR(struct fl_ka_dcl_broker, host, 0, V),
	FL_KS_I32(struct fl_ka_dcl_broker, port, 0, V),
	FL_KS_NSTR(struct fl_ka_dcl_broker, rack, 0, V, 0),
};
static const struct fl_ks_schema dcl_broker_s = FL_KS_SCHEMA("DescribeClusterBroker", dcl_broker_f);
static const struct fl_ks_field dcl_resp_f[] = {
	FL_KS_I32(struct fl_ka_dcl_resp, throttle_ms, 0, V),
	FL_KS_I16(struct fl_ka_dcl_resp, error, 0, V),
	FL_KS_NSTR(struct fl_ka_dcl_resp, error_message, 0, V, 0),
	FL_KS_I8(struct fl_ka_dcl_resp, endpoint_type, 1, V, .def = 1),
	FL_KS_STR(struct fl_ka_dcl_resp, cluster_id, 0, V),
	FL_KS_I32(struct fl_ka_dcl_resp, controller_id, 0, V, .def = -1),
	FL_KS_ARR(struct fl_ka_dcl_resp, brokers, nbrokers, dcl_broker_s,
	    struct fl_ka_dcl_broker, 0, V),
	FL_KS_I32(struct fl_ka_dcl_resp, cluster_authorized_operations, 0, V,
	    .def = INT32_MIN),
};
const struct fl_ks_schema fl_ka_dcl_resp_schema = FL_KS_SCHEMA("DescribeClusterResponse", dcl_resp_f);

/* ---- the table ---- */

static const struct fl_ka_api apis[] = {
	{ FL_KA_DELETE_RECORDS, 0, 2, 2, &fl_ka_dr_req_schema, &fl_ka_dr_resp_schema },
	{ FL_KA_DESCRIBE_CONFIGS, 0, 4, 4, &fl_ka_dc_req_schema, &fl_ka_dc_resp_schema },
	{ FL_KA_ALTER_CONFIGS, 0, 2, 2, &fl_ka_ac_req_schema, &fl_ka_ac_resp_schema },
	{ FL_KA_CREATE_PARTITIONS, 0, 3, 2, &fl_ka_cp_req_schema, &fl_ka_cp_resp_schema },
	{ FL_KA_DELETE_GROUPS, 0, 2, 2, &fl_ka_dg_req_schema, &fl_ka_dg_resp_schema },
	{ FL_KA_INCREMENTAL_ALTER_CONFIGS, 0, 1, 1, &fl_ka_iac_req_schema, &fl_ka_ac_resp_schema },
	{ FL_KA_OFFSET_DELETE, 0, 0, 1, &fl_ka_od_req_schema, &fl_ka_od_resp_schema },
	{ FL_KA_DESCRIBE_CLUSTER, 0, 1, 0, &fl_ka_dcl_req_schema, &fl_ka_dcl_resp_schema },
};

const struct fl_ka_api *
fl_ka_api(int16_t key)
{
	size_t i;

	for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if (apis[i].key == key)
			return &apis[i];
	return NULL;
}

int
fl_ka_is_flexible(int16_t key, int16_t version)
{
	const struct fl_ka_api *api = fl_ka_api(key);

	return api != NULL && version >= api->flex_min;
}

static const struct fl_ka_api *
api_at(int16_t key, int16_t version)
{
	const struct fl_ka_api *api = fl_ka_api(key);

	if (api == NULL || version < api->min_version || version > api->max_version)
		return NULL;
	return api;
}

int
fl_ka_body_decode(struct fl_rd *r, int16_t key, int16_t version, int is_request,
    struct fl_arena *a, void *out)
{
	const struct fl_ka_api *api = api_at(key, version);

	if (api == NULL)
		return FL_EINVAL;
	return fl_ks_decode_body(r, is_request ? api->req : api->resp, version,
	    version >= api->flex_min, a, out);
}

int
fl_ka_body_encode(struct fl_wr *w, int16_t key, int16_t version, int is_request,
    const void *in)
{
	const struct fl_ka_api *api = api_at(key, version);

	if (api == NULL)
		return FL_EINVAL;
	return fl_ks_encode(w, is_request ? api->req : api->resp, version,
	    version >= api->flex_min, in, NULL);
}

int
fl_ka_req_decode(struct fl_rd *r, int16_t key, int16_t version, struct fl_arena *a,
    union fl_ka_req *out)
{
	if (api_at(key, version) == NULL)
		return FL_EINVAL;
	memset(out, 0, sizeof(*out));
	/* the header's tags (v2) were skipped by fl_kp_hdr_parse */
	return fl_ka_body_decode(r, key, version, 1, a, out);
}

int
fl_ka_resp_encode(struct fl_wr *w, int16_t key, int16_t version, int32_t correlation_id,
    const void *in)
{
	const struct fl_ka_api *api = api_at(key, version);
	size_t start;

	if (api == NULL)
		return FL_EINVAL;
	start = fl_kp_resp_begin(w, correlation_id);
	if (version >= api->flex_min)
		fl_ks_wr_no_tags(w);	/* response header v1 */
	(void)fl_ka_body_encode(w, key, version, 0, in);
	return fl_kp_resp_end(w, start);
}
