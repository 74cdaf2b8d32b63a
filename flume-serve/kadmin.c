/*
 * kadmin.c: the Kafka admin APIs (codec/kadmin.h): DescribeConfigs,
 * AlterConfigs, IncrementalAlterConfigs, CreatePartitions, DeleteGroups,
 * OffsetDelete, DeleteRecords and DescribeCluster.
 *
 * The decisions live in libcommon (codec/tconf.h for configs, the
 * catalog, the partition and the group coordinator for the rest); this
 * file checks permissions, looks things up and answers.  Errors follow
 * Kafka's (KafkaApis, ConfigHelper, ZkAdminManager): one error per
 * resource, topic or partition, never a closed connection for bad input.
 *
 * ACLs (flume's four operations; see auth.c): DescribeConfigs and
 * DescribeCluster need describe (what Metadata needs) on the topic;
 * the alter APIs and CreatePartitions need create on the topic (flume has
 * no alter operation); DeleteRecords needs delete on the topic;
 * DeleteGroups and OffsetDelete need delete on the group (OffsetDelete
 * also read on each topic, as Kafka); broker resources need the cluster
 * grant (a super user).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tconf.h"
#include "serve.h"

#define MSG(s)	fl_kp_str(s)

/* Encode and queue; need_round: send only after that sync round (0: at once). */
static int
answer_after(struct broker *b, struct conn *c, struct fl_kp_req *req, const void *resp,
    uint64_t need_round)
{
	size_t from = c->out.len;
	int rc = fl_ka_resp_encode(&c->out, req->hdr.api_key, req->hdr.api_version,
	    req->hdr.correlation_id, resp);

	return kafka_finish(b, c, from, rc, need_round);
}

static int
answer(struct broker *b, struct conn *c, struct fl_kp_req *req, const void *resp)
{
	return answer_after(b, c, req, resp, 0);
}

/*
 * After tombstones went to the offsets log: on one node the answer waits
 * for the sync round that makes them durable, as an OffsetCommit's does.
 * A replicated offsets log is answered once appended (the followers copy
 * it; Kafka would wait for the ISR).
 */
static uint64_t
offsets_ticket(struct broker *b)
{
	struct fl_part *op = store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0);

	return op != NULL && op->replicas.n <= 1 ? fl_round_ticket(&b->round) : 0;
}

/* Is name this broker's id as text ("" counts: Kafka's default broker resource)? */
static int
is_this_broker(const struct broker *b, struct fl_slice name)
{
	char want[16];
	int n = snprintf(want, sizeof(want), "%d", (int)b->cfg->node_id);

	return name.len == 0 || (name.len == (size_t)n && memcmp(name.p, want, name.len) == 0);
}

/* Copy text into the request's arena as a slice (NULL on failure). */
static struct fl_slice
arena_str(struct fl_kp_req *req, const char *s, int *rc)
{
	struct fl_slice out = { NULL, 0 };
	size_t n = strlen(s);
	char *p = kafka_arena(req, n + 1, 1, rc);

	if (p != NULL) {
		memcpy(p, s, n + 1);
		out.p = (const uint8_t *)p;
		out.len = n;
	}
	return out;
}

/* ---- DescribeConfigs ---- */

static void broker_defaults(const struct broker *b, struct fl_tconf_broker *d);

static int
created_cmp(const void *x, const void *y)
{
	const struct fl_kp_created_config *a = x, *b = y;
	size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
	int d = memcmp(a->name.p, b->name.p, n);

	return d != 0 ? d : (a->name.len > b->name.len) - (a->name.len < b->name.len);
}

int
kadmin_created_configs(struct broker *b, struct fl_kp_req *req,
    const struct fl_topic_conf *conf, struct fl_kp_create_topic_resp *tr)
{
	struct fl_tconf_entry e[FL_TCONF_DESCRIBE_MAX];
	struct fl_kp_created_config *cf;
	struct fl_tconf_broker d;
	size_t i, n;
	int rc = 0;

	broker_defaults(b, &d);
	n = fl_tconf_describe(conf, &d, e);
	cf = kafka_arena(req, n, sizeof(*cf), &rc);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		memset(&cf[i], 0, sizeof(cf[i]));
		cf[i].name = fl_kp_str(e[i].name);
		cf[i].value = arena_str(req, e[i].value, &rc);
		cf[i].read_only = e[i].is_read_only;
		cf[i].config_source = e[i].source;
	}
	/* Kafka lists a new topic's effective configs sorted by name */
	qsort(cf, n, sizeof(*cf), created_cmp);
	tr->configs = cf;
	tr->nconfigs = n;
	return rc;
}

static void
broker_defaults(const struct broker *b, struct fl_tconf_broker *d)
{
	d->min_insync = b->part_cfg.min_insync;
	d->lag_max_ms = b->part_cfg.replica_lag_max_ms;
	d->retention_ms = b->part_cfg.plog.retention_ms;
	d->retention_bytes = b->part_cfg.plog.retention_bytes;
	d->message_bytes_max = b->cfg->message_bytes_max;
	d->segment_bytes = b->part_cfg.plog.segment_bytes;
}

static int
key_wanted(const struct fl_ka_dc_resource *r, const char *name)
{
	size_t i, n = strlen(name);

	if (r->keys_null)
		return 1;
	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i].len == n && memcmp(r->keys[i].p, name, n) == 0)
			return 1;
	return 0;
}

/* The broker's settings, read only (they are command-line options). */
#define BROKER_CONFIGS_MAX 12
static size_t
broker_configs(const struct broker *b, struct fl_tconf_entry *e)
{
	const struct serve_cfg *cfg = b->cfg;
	size_t n = 0;

#define BC(nm, ty, fmt, v) do { e[n].name = (nm); e[n].type = (ty); \
	snprintf(e[n].value, sizeof(e[n].value), fmt, v); \
	e[n].source = FL_KA_SRC_STATIC_BROKER; e[n].is_default = 0; \
	e[n].is_read_only = 1; e[n].broker_name = NULL; n++; } while (0)
	BC("auto.create.topics.enable", FL_KA_TYPE_BOOLEAN, "%s",
	    cfg->auto_create ? "true" : "false");
	BC("broker.id", FL_KA_TYPE_INT, "%d", (int)cfg->node_id);
	BC("log.retention.bytes", FL_KA_TYPE_LONG, "%lld",
	    (long long)b->part_cfg.plog.retention_bytes);
	BC("log.retention.ms", FL_KA_TYPE_LONG, "%lld", (long long)b->part_cfg.plog.retention_ms);
	BC("log.segment.bytes", FL_KA_TYPE_INT, "%llu",
	    (unsigned long long)b->part_cfg.plog.segment_bytes);
	BC("message.max.bytes", FL_KA_TYPE_INT, "%llu",
	    (unsigned long long)cfg->message_bytes_max);
	BC("min.insync.replicas", FL_KA_TYPE_INT, "%d",
	    (int)(b->part_cfg.min_insync > 1 ? b->part_cfg.min_insync : 1));
	BC("num.partitions", FL_KA_TYPE_INT, "%d", (int)cfg->num_partitions);
	BC("replica.lag.time.max.ms", FL_KA_TYPE_LONG, "%lld",
	    (long long)b->part_cfg.replica_lag_max_ms);
	BC("socket.request.max.bytes", FL_KA_TYPE_INT, "%llu",
	    (unsigned long long)cfg->request_bytes_max);
#undef BC
	return n;
}

/*
 * IncludeSynonyms: Kafka lists the value's sources from the most specific
 * on: the topic's own (when set), then the broker's under its own name.
 */
static int
dc_synonyms(struct fl_kp_req *req, const struct fl_tconf_entry *e, struct fl_ka_dc_config *cf)
{
	struct fl_ka_dc_synonym *sy;
	size_t k = 0;
	int rc = 0;

	if (e->broker_name == NULL && e->source != FL_KA_SRC_DYNAMIC_TOPIC)
		return 0;
	sy = kafka_arena(req, 2, sizeof(*sy), &rc);
	if (rc != 0)
		return rc;
	if (e->source == FL_KA_SRC_DYNAMIC_TOPIC) {
		sy[k].name = fl_kp_str(e->name);
		sy[k].value = arena_str(req, e->value, &rc);
		sy[k++].source = FL_KA_SRC_DYNAMIC_TOPIC;
	}
	if (e->broker_name != NULL) {
		sy[k].name = fl_kp_str(e->broker_name);
		sy[k].value = arena_str(req, e->broker_value, &rc);
		sy[k++].source = e->broker_source;
	}
	cf->synonyms = sy;
	cf->nsynonyms = k;
	return rc;
}

static int
dc_fill(struct fl_kp_req *req, int16_t v, const struct fl_ka_dc_resource *r,
    const struct fl_tconf_entry *e, size_t n, struct fl_ka_dc_result *out)
{
	struct fl_ka_dc_config *cf;
	size_t i, k = 0;
	int rc = 0;

	cf = kafka_arena(req, n, sizeof(*cf), &rc);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (!key_wanted(r, e[i].name))
			continue;
		memset(&cf[k], 0, sizeof(cf[k]));
		cf[k].name = fl_kp_str(e[i].name);
		cf[k].value = arena_str(req, e[i].value, &rc);
		cf[k].read_only = e[i].is_read_only;
		/* v0 has no source: IsDefault says "not set here" */
		cf[k].is_default = e[i].is_default;
		cf[k].config_source = e[i].source;
		cf[k].config_type = e[i].type;
		if (v >= 1 && req->u.admin.describe_configs.include_synonyms &&
		    (rc = dc_synonyms(req, &e[i], &cf[k])) != 0)
			return rc;
		k++;
	}
	out->configs = cf;
	out->nconfigs = k;
	return rc;
}

static int
h_describe_configs(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_dc_req *r = &req->u.admin.describe_configs;
	struct fl_ka_dc_result *res;
	struct fl_ka_dc_resp resp;
	struct fl_tconf_broker d;
	size_t i;
	int rc = 0;

	broker_defaults(b, &d);
	res = kafka_arena(req, r->nresources, sizeof(*res), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->nresources; i++) {
		const struct fl_ka_dc_resource *q = &r->resources[i];
		struct fl_ka_dc_result *o = &res[i];
		struct fl_tconf_entry e[BROKER_CONFIGS_MAX > FL_TCONF_DESCRIBE_MAX ?
		    BROKER_CONFIGS_MAX : FL_TCONF_DESCRIBE_MAX];
		struct fl_topic *t;
		size_t n;

		o->resource_type = q->resource_type;
		o->resource_name = q->resource_name;
		if (q->resource_type == FL_KA_RES_TOPIC) {
			if (!auth_may(b, c, 0, FL_ACL_TOPIC, q->resource_name.p,
			    q->resource_name.len)) {
				o->error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
				continue;
			}
			if (!fl_topic_name_ok(q->resource_name.p, q->resource_name.len)) {
				o->error = FL_KERR_INVALID_TOPIC_EXCEPTION;
				o->error_message = MSG("invalid topic name");
				continue;
			}
			t = store_find(b, q->resource_name.p, q->resource_name.len);
			if (t == NULL) {
				o->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				o->error_message = MSG("no such topic");
				continue;
			}
			n = fl_tconf_describe(&t->conf, &d, e);
		} else if (q->resource_type == FL_KA_RES_BROKER) {
			if (!auth_super(b, c, "DescribeConfigs of the broker")) {
				o->error = FL_KERR_CLUSTER_AUTHORIZATION_FAILED;
				continue;
			}
			if (!is_this_broker(b, q->resource_name)) {
				o->error = FL_KERR_INVALID_REQUEST;
				o->error_message = MSG("unexpected broker id: ask that broker");
				continue;
			}
			n = broker_configs(b, e);
		} else {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("unsupported resource type (flume describes "
			    "topics (2) and brokers (4))");
			continue;
		}
		if (dc_fill(req, req->hdr.api_version, q, e, n, o) != 0)
			return -1;
	}
	memset(&resp, 0, sizeof(resp));
	resp.results = res;
	resp.nresults = r->nresources;
	return answer(b, c, req, &resp);
}

/* ---- AlterConfigs and IncrementalAlterConfigs ---- */

/* The new configs of one topic resource, or a Kafka error and message. */
static int16_t
alter_one(const struct fl_ka_ac_resource *q, int incremental, struct fl_topic_conf *conf,
    const char **msg)
{
	size_t i, j;

	for (i = 0; i < q->nconfigs; i++)
		for (j = 0; j < i; j++)
			if (q->configs[i].name.len == q->configs[j].name.len &&
			    memcmp(q->configs[i].name.p, q->configs[j].name.p,
			    q->configs[i].name.len) == 0) {
				*msg = "duplicate config name";
				return FL_KERR_INVALID_REQUEST;
			}
	if (!incremental)
		conf->set = 0;		/* AlterConfigs replaces every config */
	for (i = 0; i < q->nconfigs; i++) {
		const struct fl_ka_ac_config *k = &q->configs[i];
		int16_t err = fl_tconf_alter(conf, incremental, k->op,
		    (const char *)k->name.p, k->name.len, (const char *)k->value.p,
		    k->value.len, msg);

		if (err != FL_KERR_NONE)
			return err;
	}
	return FL_KERR_NONE;
}

/* Does another resource of the request have the same type and name as resource i? */
static int
dup_resource(const struct fl_ka_ac_req *r, size_t i)
{
	const struct fl_ka_ac_resource *q = &r->resources[i];
	size_t j;

	for (j = 0; j < r->nresources; j++)
		if (j != i && r->resources[j].resource_type == q->resource_type &&
		    r->resources[j].resource_name.len == q->resource_name.len &&
		    memcmp(r->resources[j].resource_name.p, q->resource_name.p,
		    q->resource_name.len) == 0)
			return 1;
	return 0;
}

static int
h_alter_configs(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_ac_req *r = &req->u.admin.alter_configs;
	int incremental = req->hdr.api_key == FL_KP_INCREMENTAL_ALTER_CONFIGS;
	struct fl_ka_ac_result *res;
	struct fl_ka_ac_resp resp;
	size_t i;
	int rc = 0, changed = 0;

	res = kafka_arena(req, r->nresources, sizeof(*res), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->nresources; i++) {
		const struct fl_ka_ac_resource *q = &r->resources[i];
		struct fl_ka_ac_result *o = &res[i];
		const char *msg = NULL;
		struct fl_topic_conf conf;
		struct fl_err err = { 0 };
		struct fl_topic *t;

		o->resource_type = q->resource_type;
		o->resource_name = q->resource_name;
		if (dup_resource(r, i)) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("duplicate resource in the request");
			continue;
		}
		if (q->resource_type == FL_KA_RES_BROKER ||
		    q->resource_type == FL_KA_RES_BROKER_LOGGER) {
			o->error = auth_super(b, c, "AlterConfigs of the broker") ?
			    FL_KERR_INVALID_REQUEST : FL_KERR_CLUSTER_AUTHORIZATION_FAILED;
			if (o->error == FL_KERR_INVALID_REQUEST)
				o->error_message = MSG("flume's broker settings are command-line "
				    "options and cannot be altered");
			continue;
		}
		if (q->resource_type != FL_KA_RES_TOPIC) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("unsupported resource type");
			continue;
		}
		if (!auth_may(b, c, FL_ACL_CREATE, FL_ACL_TOPIC, q->resource_name.p,
		    q->resource_name.len)) {
			o->error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			continue;
		}
		t = store_find(b, q->resource_name.p, q->resource_name.len);
		if (t == NULL) {
			o->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			o->error_message = MSG("no such topic");
			continue;
		}
		conf = t->conf;
		o->error = alter_one(q, incremental, &conf, &msg);
		if (o->error != FL_KERR_NONE) {
			o->error_message = fl_kp_str(msg);
			continue;
		}
		if (cluster_is_on(b)) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("in a cluster, topic configs are set on "
			    "every replica with the admin socket's config verb");
			continue;
		}
		if (r->validate_only)
			continue;
		if (fl_catalog_set_conf(&b->cat, t, &conf, &err) != 0) {
			fl_log(FL_LOG_ERROR, "%s", err.msg);
			o->error = FL_KERR_KAFKA_STORAGE_ERROR;
			o->error_message = MSG("could not write the topics file");
			continue;
		}
		{
			char text[FL_TOPIC_CONF_TEXT_MAX];

			fl_topic_conf_format(&conf, text, sizeof(text));
			fl_log(FL_LOG_INFO, "topic %s: configs now %s (%s from %s)", t->name,
			    text[0] ? text : "the broker's defaults",
			    fl_kp_api_name(req->hdr.api_key), c->peer);
		}
		changed = 1;
	}
	if (changed) {
		kafka_hw_moved(b);	/* acks=all answers may settle otherwise now */
		store_housekeep(b);	/* new retention applies now */
	}
	memset(&resp, 0, sizeof(resp));
	resp.results = res;
	resp.nresults = r->nresources;
	return answer(b, c, req, &resp);
}

/* ---- DescribeCluster ---- */

static int
h_describe_cluster(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_dcl_req *r = &req->u.admin.describe_cluster;
	struct fl_ka_dcl_resp resp;
	struct fl_ka_dcl_broker *bl, one;
	size_t i;
	int rc = 0;

	memset(&resp, 0, sizeof(resp));
	resp.endpoint_type = 1;
	resp.cluster_id = fl_kp_str(b->cluster_id);
	resp.controller_id = b->cfg->node_id;	/* as Metadata answers */
	resp.cluster_authorized_operations = FL_KA_AUTH_OPS_OMITTED;
	if (r->endpoint_type != 1) {
		/* KIP-919: flume has no controller listener: MISMATCHED_ENDPOINT_TYPE
		 * for the controller (2), UNSUPPORTED_ENDPOINT_TYPE otherwise */
		resp.error = r->endpoint_type == 2 ? 114 : 115;
		resp.error_message = MSG("flume brokers serve the broker endpoint only");
		return answer(b, c, req, &resp);
	}
	if (cluster_is_on(b)) {
		bl = kafka_arena(req, b->cmeta.nbrokers, sizeof(*bl), &rc);
		if (rc != 0)
			return -1;
		for (i = 0; i < b->cmeta.nbrokers; i++) {
			memset(&bl[i], 0, sizeof(bl[i]));
			bl[i].broker_id = b->cmeta.brokers[i].id;
			bl[i].host = fl_kp_str(b->cmeta.brokers[i].host);
			bl[i].port = b->cmeta.brokers[i].port;
		}
		resp.brokers = bl;
		resp.nbrokers = b->cmeta.nbrokers;
	} else {
		memset(&one, 0, sizeof(one));
		one.broker_id = b->cfg->node_id;
		one.host = fl_kp_str(b->adv_host);
		one.port = b->adv_port;
		resp.brokers = &one;
		resp.nbrokers = 1;
	}
	if (r->include_cluster_authorized_operations) {
		/*
		 * Kafka's bits (AclOperation codes): DESCRIBE 8, and for a super
		 * user ALTER 7, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10,
		 * ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, CREATE 3
		 */
		int32_t ops = 1 << 8;

		const char *who = auth_principal(c);

		if (!b->cfg->sasl || (who != NULL && !b->auth.is_damaged &&
		    fl_creds_super(&b->auth.creds, who)))
			ops |= 1 << 3 | 1 << 7 | 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12;
		resp.cluster_authorized_operations = ops;
	}
	return answer(b, c, req, &resp);
}

/* ---- DeleteRecords ---- */

static int
h_delete_records(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_dr_req *r = &req->u.admin.delete_records;
	struct fl_ka_dr_topic *tr;
	struct fl_ka_dr_resp resp;
	size_t i, j;
	int rc = 0;

	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_ka_dr_topic *t = &r->topics[i];
		int may = auth_may(b, c, FL_ACL_DELETE, FL_ACL_TOPIC, t->name.p, t->name.len);
		int internal = is_internal_topic(t->name.p, t->name.len);

		tr[i].name = t->name;
		tr[i].nparts = t->nparts;
		tr[i].parts = kafka_arena(req, t->nparts, sizeof(*tr[i].parts), &rc);
		if (rc != 0)
			return -1;
		for (j = 0; j < t->nparts; j++) {
			struct fl_ka_dr_part *o = &tr[i].parts[j];
			struct fl_part *p;
			int cause;

			o->index = t->parts[j].index;
			o->low_watermark = -1;
			if (!may) {
				o->error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
				continue;
			}
			if (internal) {
				o->error = FL_KERR_INVALID_TOPIC_EXCEPTION;
				continue;
			}
			p = store_part(b, t->name.p, t->name.len, o->index);
			if (p == NULL) {
				o->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
				continue;
			}
			o->error = fl_part_delete_records(p, t->parts[j].offset, &o->low_watermark,
			    &cause);
			if (o->error == FL_KERR_KAFKA_STORAGE_ERROR)
				store_log_error(p, "write the log-start checkpoint", cause);
			else if (o->error == FL_KERR_NONE)
				fl_log(FL_LOG_INFO, "%s: log start now %lld (DeleteRecords from %s)",
				    fl_part_dir(p), (long long)o->low_watermark, c->peer);
		}
	}
	memset(&resp, 0, sizeof(resp));
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	return answer(b, c, req, &resp);
}

/* ---- CreatePartitions ---- */

static int
h_create_partitions(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_cp_req *r = &req->u.admin.create_partitions;
	struct fl_ka_cp_result *res;
	struct fl_ka_cp_resp resp;
	size_t i, j;
	int rc = 0;

	res = kafka_arena(req, r->ntopics, sizeof(*res), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_ka_cp_topic *q = &r->topics[i];
		struct fl_ka_cp_result *o = &res[i];
		struct fl_err err = { 0 };
		struct fl_topic *t;
		char why[160];

		o->name = q->name;
		for (j = 0; j < r->ntopics; j++)
			if (j != i && r->topics[j].name.len == q->name.len &&
			    memcmp(r->topics[j].name.p, q->name.p, q->name.len) == 0)
				break;
		if (j < r->ntopics) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("duplicate topic in the request");
			continue;
		}
		if (!auth_may(b, c, FL_ACL_CREATE, FL_ACL_TOPIC, q->name.p, q->name.len)) {
			o->error = FL_KERR_TOPIC_AUTHORIZATION_FAILED;
			continue;
		}
		if (is_internal_topic(q->name.p, q->name.len)) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("the offsets log keeps one partition");
			continue;
		}
		t = store_find(b, q->name.p, q->name.len);
		if (t == NULL) {
			o->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			o->error_message = MSG("no such topic");
			continue;
		}
		if (q->count <= t->nparts) {
			snprintf(why, sizeof(why), q->count == t->nparts ? "topic already has %d "
			    "partitions" : "topic has %d partitions, more than the %d asked",
			    (int)t->nparts, (int)q->count);
			o->error = FL_KERR_INVALID_PARTITIONS;
			o->error_message = arena_str(req, why, &rc);
			continue;
		}
		if (q->count > FL_TOPIC_PARTITIONS_MAX) {
			snprintf(why, sizeof(why), "at most %d partitions per topic",
			    FL_TOPIC_PARTITIONS_MAX);
			o->error = FL_KERR_INVALID_PARTITIONS;
			o->error_message = arena_str(req, why, &rc);
			continue;
		}
		if (!q->assignments_null) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("flume places replicas itself: send no assignments");
			continue;
		}
		if (cluster_is_on(b)) {
			o->error = FL_KERR_INVALID_REQUEST;
			o->error_message = MSG("in a cluster, a topic's partition count is "
			    "the controller's, which cannot grow it yet");
			continue;
		}
		if (b->is_stopping) {
			o->error = FL_KERR_NOT_CONTROLLER;
			o->error_message = MSG("stopping");
			continue;
		}
		if (r->validate_only)
			continue;
		if (store_grow(b, t, q->count, &err) != 0) {
			fl_log(FL_LOG_ERROR, "%s", err.msg);
			o->error = FL_KERR_KAFKA_STORAGE_ERROR;
			o->error_message = MSG("storage error: see the broker's log");
		}
	}
	if (rc != 0)
		return -1;
	memset(&resp, 0, sizeof(resp));
	resp.results = res;
	resp.nresults = r->ntopics;
	return answer(b, c, req, &resp);
}

/* ---- DeleteGroups and OffsetDelete ---- */

/* The coordinator's refusal before it is asked: not here, or the offsets log cannot take records. */
static int16_t
coord_refusal(struct broker *b)
{
	struct fl_part *op;

	if (!b->has_coord || !b->coord_here)
		return FL_KERR_NOT_COORDINATOR;
	op = store_part(b, FL_OFFSETS_TOPIC, strlen(FL_OFFSETS_TOPIC), 0);
	if (op != NULL && op->replicas.n > 1 && fl_part_may_append_all(op) != 0)
		return FL_KERR_COORDINATOR_NOT_AVAILABLE;
	return FL_KERR_NONE;
}

static int
h_delete_groups(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_dg_req *r = &req->u.admin.delete_groups;
	struct fl_ka_dg_result *res;
	struct fl_ka_dg_resp resp;
	size_t i;
	int rc = 0;

	res = kafka_arena(req, r->ngroups, sizeof(*res), &rc);
	if (rc != 0)
		return -1;
	for (i = 0; i < r->ngroups; i++) {
		struct fl_slice g = r->groups[i];

		res[i].group_id = g;
		if (!auth_may(b, c, FL_ACL_DELETE, FL_ACL_GROUP, g.p, g.len)) {
			res[i].error = FL_KERR_GROUP_AUTHORIZATION_FAILED;
			continue;
		}
		if ((res[i].error = coord_refusal(b)) != FL_KERR_NONE)
			continue;
		res[i].error = fl_coord_delete_group(&b->coord, b->wall_ms, g);
		if (group_store(b) != 0 && res[i].error == FL_KERR_NONE)
			res[i].error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
		if (res[i].error == FL_KERR_NONE)
			fl_log(FL_LOG_INFO, "group %.*s deleted (DeleteGroups from %s)",
			    (int)g.len, (const char *)g.p, c->peer);
	}
	memset(&resp, 0, sizeof(resp));
	resp.results = res;
	resp.nresults = r->ngroups;
	for (i = 0; i < r->ngroups; i++)
		if (res[i].error == FL_KERR_NONE)
			return answer_after(b, c, req, &resp, offsets_ticket(b));
	return answer(b, c, req, &resp);
}

static int
h_offset_delete(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_ka_od_req *r = &req->u.admin.offset_delete;
	struct fl_coord_odel_part *od;
	struct fl_ka_od_topic *tr;
	struct fl_ka_od_resp resp;
	size_t i, j, k, n = 0;
	int rc = 0;

	memset(&resp, 0, sizeof(resp));
	if (!auth_may(b, c, FL_ACL_DELETE, FL_ACL_GROUP, r->group_id.p, r->group_id.len))
		resp.error = FL_KERR_GROUP_AUTHORIZATION_FAILED;
	else
		resp.error = coord_refusal(b);
	if (resp.error != FL_KERR_NONE)
		return answer(b, c, req, &resp);
	for (i = 0; i < r->ntopics; i++)
		n += r->topics[i].nparts;
	tr = kafka_arena(req, r->ntopics, sizeof(*tr), &rc);
	od = kafka_arena(req, n, sizeof(*od), &rc);
	if (rc != 0)
		return -1;
	for (i = 0, k = 0; i < r->ntopics; i++) {
		const struct fl_ka_od_topic *t = &r->topics[i];
		int may = auth_may(b, c, FL_ACL_READ, FL_ACL_TOPIC, t->name.p, t->name.len);

		for (j = 0; j < t->nparts; j++, k++) {
			od[k].topic = t->name;
			od[k].partition = t->parts[j].index;
			od[k].is_known = may && store_part(b, t->name.p, t->name.len,
			    t->parts[j].index) != NULL;
		}
	}
	resp.error = fl_coord_offset_delete(&b->coord, b->wall_ms, r->group_id, od, n);
	if (group_store(b) != 0 && resp.error == FL_KERR_NONE)
		resp.error = FL_KERR_COORDINATOR_NOT_AVAILABLE;
	if (resp.error != FL_KERR_NONE)
		return answer(b, c, req, &resp);
	for (i = 0, k = 0; i < r->ntopics; i++) {
		const struct fl_ka_od_topic *t = &r->topics[i];
		int may = auth_may_quiet(b, c, FL_ACL_READ, FL_ACL_TOPIC, t->name.p, t->name.len);

		tr[i].name = t->name;
		tr[i].nparts = t->nparts;
		tr[i].parts = kafka_arena(req, t->nparts, sizeof(*tr[i].parts), &rc);
		if (rc != 0)
			return -1;
		for (j = 0; j < t->nparts; j++, k++) {
			tr[i].parts[j].index = t->parts[j].index;
			tr[i].parts[j].error = may ? od[k].error : FL_KERR_TOPIC_AUTHORIZATION_FAILED;
		}
	}
	resp.topics = tr;
	resp.ntopics = r->ntopics;
	return answer_after(b, c, req, &resp, offsets_ticket(b));
}

/* ---- dispatch ---- */

int
kadmin_handle(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	switch (req->hdr.api_key) {
	case FL_KP_DESCRIBE_CONFIGS:
		return h_describe_configs(b, c, req);
	case FL_KP_ALTER_CONFIGS:
	case FL_KP_INCREMENTAL_ALTER_CONFIGS:
		return h_alter_configs(b, c, req);
	case FL_KP_DESCRIBE_CLUSTER:
		return h_describe_cluster(b, c, req);
	case FL_KP_DELETE_RECORDS:
		return h_delete_records(b, c, req);
	case FL_KP_CREATE_PARTITIONS:
		return h_create_partitions(b, c, req);
	case FL_KP_DELETE_GROUPS:
		return h_delete_groups(b, c, req);
	case FL_KP_OFFSET_DELETE:
		return h_offset_delete(b, c, req);
	default:
		fl_log(FL_LOG_WARN, "closing connection from %s: no handler for %s", c->peer,
		    fl_kp_api_name(req->hdr.api_key));
		return -1;
	}
}
