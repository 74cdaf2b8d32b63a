/*
 * test-kadmin.c: the admin APIs' tables (codec/kadmin.h) against byte
 * vectors written by hand from Kafka 3.9's message JSON, per version,
 * flexible ones included (compact strings and arrays, tag sections):
 * requests decode field by field, reject every truncation and a trailing
 * byte; responses encode to the exact bytes.  Then a flexible request
 * through kproto's header v2 path, and codec/tconf's decisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/kadmin.h"
#include "codec/kerr.h"
#include "codec/kproto.h"
#include "codec/tconf.h"
#include "tap.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			FL_ASSERT(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	FL_ASSERT(hi < 0);
	return n;
}

static int
hex_eq(const struct fl_wr *w, const char *hex)
{
	uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof(buf)), i;

	if (w->err != 0 || n != w->len || memcmp(w->p, buf, n) != 0) {
		printf("#   got (%zu, err %d): ", w->len, w->err);
		for (i = 0; i < w->len; i++)
			printf("%02x", w->p[i]);
		printf("\n#   want (%zu):        ", n);
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
	return 1;
}

static int
eq(struct fl_slice s, const char *want)
{
	return want == NULL ? s.p == NULL :
	    s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static uint8_t body[1024];
static size_t body_len;
static struct fl_arena arena;
static union fl_ka_req Q;

/*
 * Decode the request body in hex at (key, version) into Q; then every
 * truncation must fail and one trailing byte must be FL_EPROTO.
 */
static int
dec(int16_t key, int16_t version, const char *hex, const char *what)
{
	struct fl_rd r;
	union fl_ka_req tmp;
	size_t cut;
	int rc, bad = 0;
	char msg[160];

	body_len = unhex(hex, body, sizeof(body) - 1);
	fl_arena_free(&arena);
	fl_arena_init(&arena, 1 << 20);
	fl_rd_init(&r, body, body_len);
	memset(&Q, 0xa5, sizeof(Q));
	rc = fl_ka_body_decode(&r, key, version, 1, &arena, &Q);
	snprintf(msg, sizeof(msg), "%s: decodes", what);
	CHECK_INT(rc, ==, 0, msg);
	for (cut = 0; cut < body_len; cut++) {
		fl_rd_init(&r, body, cut);
		if (fl_ka_body_decode(&r, key, version, 1, &arena, &tmp) == 0)
			bad++;
	}
	snprintf(msg, sizeof(msg), "%s: all %zu truncations rejected", what, body_len);
	CHECK_INT(bad, ==, 0, msg);
	body[body_len] = 0;
	fl_rd_init(&r, body, body_len + 1);
	snprintf(msg, sizeof(msg), "%s: a trailing byte is FL_EPROTO", what);
	CHECK_INT(fl_ka_body_decode(&r, key, version, 1, &arena, &tmp), ==, FL_EPROTO, msg);
	return rc;
}

static void
enc(int16_t key, int16_t version, const void *resp, const char *hex, const char *what)
{
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_ka_body_encode(&w, key, version, 0, resp), ==, 0, what);
	CHECK(hex_eq(&w, hex), what);
	fl_wr_free(&w);
}

#define S(str) fl_kp_str(str)

/* ---- DescribeConfigs (32) ---- */

static void
test_describe_configs(void)
{
	const struct fl_ka_dc_req *r = &Q.describe_configs;
	struct fl_ka_dc_config cf;
	struct fl_ka_dc_result res;
	struct fl_ka_dc_resp resp;

	dec(32, 0, "00000001 02 0001 74 00000001 0001 6b", "DescribeConfigs v0");
	CHECK(r->nresources == 1 && r->resources[0].resource_type == 2 &&
	    eq(r->resources[0].resource_name, "t") && r->resources[0].nkeys == 1 &&
	    eq(r->resources[0].keys[0], "k") && !r->resources[0].keys_null &&
	    r->include_synonyms == 0 && r->include_documentation == 0, "v0 fields, defaults");
	dec(32, 2, "00000001 04 0000 ffffffff 01", "DescribeConfigs v2");
	CHECK(r->resources[0].resource_type == 4 && eq(r->resources[0].resource_name, "") &&
	    r->resources[0].keys_null && r->include_synonyms == 1, "v2: null keys, synonyms");
	dec(32, 3, "00000000 00 01", "DescribeConfigs v3");
	CHECK(r->nresources == 0 && r->include_documentation == 1, "v3: documentation");
	dec(32, 4, "02 02 0274 00 00 00 01 00", "DescribeConfigs v4 (flexible)");
	CHECK(r->nresources == 1 && eq(r->resources[0].resource_name, "t") &&
	    r->resources[0].keys_null && r->include_documentation == 1,
	    "v4: compact strings and arrays, tag sections");

	memset(&cf, 0, sizeof(cf));
	cf.name = S("a");
	cf.value = S("1");
	cf.is_default = 1;
	cf.config_source = 5;
	cf.config_type = 3;
	memset(&res, 0, sizeof(res));
	res.resource_type = 2;
	res.resource_name = S("t");
	res.configs = &cf;
	res.nconfigs = 1;
	memset(&resp, 0, sizeof(resp));
	resp.results = &res;
	resp.nresults = 1;
	enc(32, 0, &resp, "00000000 00000001 0000 ffff 02 0001 74 00000001"
	    "0001 61 0001 31 00 01 00", "DescribeConfigs v0 response: IsDefault, no source");
	enc(32, 1, &resp, "00000000 00000001 0000 ffff 02 0001 74 00000001"
	    "0001 61 0001 31 00 05 00 00000000", "DescribeConfigs v1 response: source, synonyms");
	enc(32, 3, &resp, "00000000 00000001 0000 ffff 02 0001 74 00000001"
	    "0001 61 0001 31 00 05 00 00000000 03 ffff", "DescribeConfigs v3 response: type, doc");
	enc(32, 4, &resp, "00000000 02 0000 00 02 0274 02"
	    "0261 0231 00 05 00 01 03 00 00  00 00", "DescribeConfigs v4 response (flexible)");
}

/* ---- AlterConfigs (33) and IncrementalAlterConfigs (44) ---- */

static void
test_alter_configs(void)
{
	const struct fl_ka_ac_req *r = &Q.alter_configs;
	struct fl_ka_ac_result res;
	struct fl_ka_ac_resp resp;

	dec(33, 0, "00000001 02 0001 74 00000001 0001 61 0001 31 01", "AlterConfigs v0");
	CHECK(r->nresources == 1 && r->resources[0].nconfigs == 1 &&
	    eq(r->resources[0].configs[0].name, "a") && eq(r->resources[0].configs[0].value, "1") &&
	    r->resources[0].configs[0].op == 0 && r->validate_only == 1, "v0 fields");
	dec(33, 1, "00000001 02 0001 74 00000001 0001 61 ffff 00", "AlterConfigs v1");
	CHECK(eq(r->resources[0].configs[0].value, NULL) && r->validate_only == 0,
	    "v1: a null value");
	dec(33, 2, "02 02 0274 02 0261 0231 00 00 01 00", "AlterConfigs v2 (flexible)");
	CHECK(eq(r->resources[0].configs[0].value, "1") && r->validate_only == 1, "v2 fields");
	dec(44, 0, "00000001 02 0001 74 00000001 0001 61 01 ffff 00",
	    "IncrementalAlterConfigs v0");
	CHECK(r->resources[0].configs[0].op == 1 && eq(r->resources[0].configs[0].value, NULL),
	    "v0: DELETE with a null value");
	dec(44, 1, "02 02 0274 02 0261 00 0232 00 00 00 00", "IncrementalAlterConfigs v1 (flexible)");
	CHECK(r->resources[0].configs[0].op == 0 && eq(r->resources[0].configs[0].value, "2"),
	    "v1: SET");

	memset(&res, 0, sizeof(res));
	res.error = 40;
	res.error_message = S("bad");
	res.resource_type = 2;
	res.resource_name = S("t");
	memset(&resp, 0, sizeof(resp));
	resp.results = &res;
	resp.nresults = 1;
	enc(33, 0, &resp, "00000000 00000001 0028 0003 626164 02 0001 74", "AlterConfigs v0 response");
	enc(33, 2, &resp, "00000000 02 0028 04 626164 02 0274 00 00",
	    "AlterConfigs v2 response (flexible)");
	enc(44, 0, &resp, "00000000 00000001 0028 0003 626164 02 0001 74",
	    "IncrementalAlterConfigs v0 response");
	enc(44, 1, &resp, "00000000 02 0028 04 626164 02 0274 00 00",
	    "IncrementalAlterConfigs v1 response (flexible)");
}

/* ---- CreatePartitions (37) ---- */

static void
test_create_partitions(void)
{
	const struct fl_ka_cp_req *r = &Q.create_partitions;
	struct fl_ka_cp_result res;
	struct fl_ka_cp_resp resp;

	dec(37, 0, "00000001 0001 74 00000003 ffffffff 000003e8 00", "CreatePartitions v0");
	CHECK(r->ntopics == 1 && eq(r->topics[0].name, "t") && r->topics[0].count == 3 &&
	    r->topics[0].assignments_null && r->timeout_ms == 1000 && !r->validate_only,
	    "v0: null assignments");
	dec(37, 1, "00000001 0001 74 00000003 00000001 00000002 00000001 00000002"
	    "000003e8 01", "CreatePartitions v1");
	CHECK(!r->topics[0].assignments_null && r->topics[0].nassignments == 1 &&
	    r->topics[0].assignments[0].nbroker_ids == 2 &&
	    r->topics[0].assignments[0].broker_ids[1] == 2 && r->validate_only,
	    "v1: assignments");
	dec(37, 2, "02 0274 00000003 00 00 000003e8 00 00", "CreatePartitions v2 (flexible)");
	CHECK(r->topics[0].assignments_null && r->topics[0].count == 3, "v2: compact null");
	dec(37, 3, "02 0274 00000003 02 02 00000001 00 00 000003e8 00 00",
	    "CreatePartitions v3 (flexible)");
	CHECK(r->topics[0].nassignments == 1 && r->topics[0].assignments[0].broker_ids[0] == 1,
	    "v3: assignments");

	memset(&res, 0, sizeof(res));
	res.name = S("t");
	res.error = 37;
	memset(&resp, 0, sizeof(resp));
	resp.results = &res;
	resp.nresults = 1;
	enc(37, 0, &resp, "00000000 00000001 0001 74 0025 ffff", "CreatePartitions v0 response");
	enc(37, 3, &resp, "00000000 02 0274 0025 00 00 00",
	    "CreatePartitions v3 response (flexible)");
}

/* ---- DeleteGroups (42) and OffsetDelete (47) ---- */

static void
test_groups(void)
{
	struct fl_ka_dg_result gr;
	struct fl_ka_dg_resp dg;
	struct fl_ka_od_part op;
	struct fl_ka_od_topic ot;
	struct fl_ka_od_resp od;

	dec(42, 0, "00000002 0001 61 0001 62", "DeleteGroups v0");
	CHECK(Q.delete_groups.ngroups == 2 && eq(Q.delete_groups.groups[1], "b"), "v0 groups");
	dec(42, 1, "00000000", "DeleteGroups v1");
	CHECK(Q.delete_groups.ngroups == 0, "v1: none");
	dec(42, 2, "03 0261 0262 00", "DeleteGroups v2 (flexible)");
	CHECK(Q.delete_groups.ngroups == 2 && eq(Q.delete_groups.groups[0], "a"), "v2 groups");
	memset(&gr, 0, sizeof(gr));
	gr.group_id = S("a");
	gr.error = 69;
	memset(&dg, 0, sizeof(dg));
	dg.results = &gr;
	dg.nresults = 1;
	enc(42, 0, &dg, "00000000 00000001 0001 61 0045", "DeleteGroups v0 response");
	enc(42, 2, &dg, "00000000 02 0261 0045 00 00", "DeleteGroups v2 response (flexible)");

	dec(47, 0, "0001 67 00000001 0001 74 00000002 00000000 00000001", "OffsetDelete v0");
	CHECK(eq(Q.offset_delete.group_id, "g") && Q.offset_delete.ntopics == 1 &&
	    Q.offset_delete.topics[0].nparts == 2 && Q.offset_delete.topics[0].parts[1].index == 1,
	    "OffsetDelete v0 fields");
	op.index = 0;
	op.error = 86;
	ot.name = S("t");
	ot.parts = &op;
	ot.nparts = 1;
	memset(&od, 0, sizeof(od));
	od.topics = &ot;
	od.ntopics = 1;
	enc(47, 0, &od, "0000 00000000 00000001 0001 74 00000001 00000000 0056",
	    "OffsetDelete v0 response: error, throttle, topics");
}

/* ---- DeleteRecords (21) ---- */

static void
test_delete_records(void)
{
	const struct fl_ka_dr_req *r = &Q.delete_records;
	struct fl_ka_dr_part p;
	struct fl_ka_dr_topic t;
	struct fl_ka_dr_resp resp;

	dec(21, 0, "00000001 0001 74 00000001 00000000 0000000000000005 000003e8",
	    "DeleteRecords v0");
	CHECK(r->ntopics == 1 && r->topics[0].parts[0].offset == 5 && r->timeout_ms == 1000,
	    "v0 fields");
	dec(21, 1, "00000001 0001 74 00000001 00000002 ffffffffffffffff 00000000",
	    "DeleteRecords v1");
	CHECK(r->topics[0].parts[0].index == 2 && r->topics[0].parts[0].offset == -1,
	    "v1: -1, the high watermark");
	dec(21, 2, "02 0274 02 00000000 0000000000000005 00 00 000003e8 00",
	    "DeleteRecords v2 (flexible)");
	CHECK(r->topics[0].parts[0].offset == 5, "v2 fields");
	memset(&p, 0, sizeof(p));
	p.low_watermark = 5;
	t.name = S("t");
	t.parts = &p;
	t.nparts = 1;
	memset(&resp, 0, sizeof(resp));
	resp.topics = &t;
	resp.ntopics = 1;
	enc(21, 0, &resp, "00000000 00000001 0001 74 00000001 00000000 0000000000000005 0000",
	    "DeleteRecords v0 response");
	enc(21, 2, &resp, "00000000 02 0274 02 00000000 0000000000000005 0000 00 00 00",
	    "DeleteRecords v2 response (flexible)");
}

/* ---- DescribeCluster (60): flexible from v0 ---- */

static void
test_describe_cluster(void)
{
	struct fl_ka_dcl_broker br;
	struct fl_ka_dcl_resp resp;
	struct fl_wr w;

	dec(60, 0, "01 00", "DescribeCluster v0 (flexible)");
	CHECK(Q.describe_cluster.include_cluster_authorized_operations == 1 &&
	    Q.describe_cluster.endpoint_type == 1, "v0: endpoint type defaults to brokers");
	dec(60, 1, "00 02 00", "DescribeCluster v1");
	CHECK(Q.describe_cluster.endpoint_type == 2, "v1: endpoint type");
	memset(&br, 0, sizeof(br));
	br.broker_id = 1;
	br.host = S("h");
	br.port = 9092;
	memset(&resp, 0, sizeof(resp));
	resp.cluster_id = S("c");
	resp.controller_id = 1;
	resp.endpoint_type = 1;
	resp.brokers = &br;
	resp.nbrokers = 1;
	resp.cluster_authorized_operations = INT32_MIN;
	enc(60, 0, &resp, "00000000 0000 00 0263 00000001 02 00000001 0268 00002384 00 00"
	    "80000000 00", "DescribeCluster v0 response");
	enc(60, 1, &resp, "00000000 0000 00 01 0263 00000001 02 00000001 0268 00002384 00 00"
	    "80000000 00", "DescribeCluster v1 response: endpoint type");
	/* a whole frame: response header v1 (an empty tag section) */
	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_ka_resp_encode(&w, 60, 0, 9, &resp), ==, 0, "DescribeCluster frame");
	CHECK(hex_eq(&w, "00000024 00000009 00 00000000 0000 00 0263 00000001 02 00000001"
	    "0268 00002384 00 00 80000000 00"), "frame: size, correlation id, header tags, body");
	fl_wr_reset(&w);
	CHECK_INT(fl_ka_resp_encode(&w, 60, 2, 9, &resp), ==, FL_EINVAL, "v2: not in the table");
	fl_wr_reset(&w);
	CHECK_INT(fl_ka_resp_encode(&w, 33, 1, 9, &(struct fl_ka_ac_resp){ 0 }), ==, 0,
	    "AlterConfigs v1 frame");
	CHECK(hex_eq(&w, "0000000c 00000009 00000000 00000000"),
	    "a non-flexible frame: header v0, no tags");
	fl_wr_free(&w);
}

/* A flexible admin request through kproto: header v2's tags, then the body. */
static void
test_kproto_path(void)
{
	uint8_t p[128];
	size_t n = unhex("0020 0004 00000009 0001 74 01 00 01 ff"	/* header v2, one tag */
	    "02 02 0274 00 00 00 01 00", p, sizeof(p));
	struct fl_kp_req req;

	CHECK_INT(fl_kp_req_decode(&req, p, n, FL_KP_FEAT_ALL), ==, 0,
	    "DescribeConfigs v4 through fl_kp_req_decode");
	CHECK(req.hdr.kind == FL_KP_REQ_OK && req.hdr.correlation_id == 9 &&
	    eq(req.hdr.client_id, "t"), "header v2 parsed");
	CHECK(req.u.admin.describe_configs.nresources == 1 &&
	    eq(req.u.admin.describe_configs.resources[0].resource_name, "t") &&
	    req.u.admin.describe_configs.include_documentation == 1, "body after its tags");
	fl_kp_req_free(&req);
	n = unhex("0020 0005 00000009 0001 74 00", p, sizeof(p));
	CHECK_INT(fl_kp_req_decode(&req, p, n, FL_KP_FEAT_ALL), ==, 0, "v5 classifies");
	CHECK_INT(req.hdr.kind, ==, FL_KP_REQ_UNSUPPORTED, "DescribeConfigs v5: unsupported");
	fl_kp_req_free(&req);
	n = unhex("002a 0002 00000009 0001 74 00 03 0261 0262 00", p, sizeof(p));
	CHECK_INT(fl_kp_req_decode(&req, p, n, FL_KP_FEAT_CORE), ==, 0, "DeleteGroups classifies");
	CHECK_INT(req.hdr.kind, ==, FL_KP_REQ_UNSUPPORTED,
	    "DeleteGroups is a group API: unknown without the group feature");
	fl_kp_req_free(&req);
	CHECK(fl_ka_is_flexible(60, 0) && !fl_ka_is_flexible(32, 3) && fl_ka_is_flexible(32, 4) &&
	    !fl_ka_is_flexible(47, 0) && fl_ka_api(19) == NULL, "flexible versions by key");
}

/* ---- codec/tconf ---- */

static void
test_tconf(void)
{
	struct fl_tconf_broker d = { 2, 10000, 604800000, -1, 1048588, 1 << 30 };
	struct fl_tconf_entry e[FL_TCONF_DESCRIBE_MAX];
	struct fl_topic_conf c;
	const char *msg;
	size_t n, i;
	int seen = 0;

	memset(&c, 0, sizeof(c));
	c.set = FL_TCONF_RETENTION_MS;
	c.retention_ms = 5000;
	n = fl_tconf_describe(&c, &d, e);
	CHECK_INT(n, ==, 8, "eight configs described");
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].name, "retention.ms") == 0 && strcmp(e[i].value, "5000") == 0 &&
		    e[i].source == FL_KA_SRC_DYNAMIC_TOPIC && !e[i].is_default &&
		    e[i].type == FL_KA_TYPE_LONG &&
		    strcmp(e[i].broker_name, "log.retention.ms") == 0 &&
		    strcmp(e[i].broker_value, "604800000") == 0 &&
		    e[i].broker_source == FL_KA_SRC_STATIC_BROKER)
			seen |= 1;
		if (strcmp(e[i].name, "min.insync.replicas") == 0 && strcmp(e[i].value, "2") == 0 &&
		    e[i].source == FL_KA_SRC_STATIC_BROKER && e[i].is_default)
			seen |= 2;
		if (strcmp(e[i].name, "cleanup.policy") == 0 && strcmp(e[i].value, "delete") == 0 &&
		    e[i].is_read_only && e[i].source == FL_KA_SRC_DEFAULT)
			seen |= 4;
		if (strcmp(e[i].name, "segment.bytes") == 0 &&
		    strcmp(e[i].value, "1073741824") == 0 && e[i].is_read_only)
			seen |= 8;
	}
	CHECK_INT(seen, ==, 15, "values, sources, types, read-only facts, broker synonyms");

	CHECK_INT(fl_tconf_alter(&c, 0, 0, "retention.bytes", 15, "100", 3, &msg), ==, 0,
	    "set retention.bytes");
	CHECK(c.set == (FL_TCONF_RETENTION_MS | FL_TCONF_RETENTION_BYTES) &&
	    c.retention_bytes == 100, "set");
	CHECK_INT(fl_tconf_alter(&c, 1, FL_KA_OP_DELETE, "retention.ms", 12, NULL, 0, &msg), ==, 0,
	    "DELETE retention.ms");
	CHECK(!(c.set & FL_TCONF_RETENTION_MS), "back to the broker's");
	CHECK_INT(fl_tconf_alter(&c, 1, FL_KA_OP_APPEND, "retention.ms", 12, "1", 1, &msg), ==,
	    FL_KERR_INVALID_REQUEST, "APPEND: INVALID_REQUEST");
	CHECK_INT(fl_tconf_alter(&c, 1, 7, "retention.ms", 12, "1", 1, &msg), ==,
	    FL_KERR_INVALID_REQUEST, "an unknown op: INVALID_REQUEST");
	CHECK_INT(fl_tconf_alter(&c, 0, 0, "retention.ms", 12, NULL, 0, &msg), ==,
	    FL_KERR_INVALID_REQUEST, "a null value: INVALID_REQUEST");
	CHECK_INT(fl_tconf_alter(&c, 0, 0, "retention.ms", 12, "x", 1, &msg), ==,
	    FL_KERR_INVALID_CONFIG, "a bad value: INVALID_CONFIG");
	CHECK_INT(fl_tconf_alter(&c, 0, 0, "min.insync.replicas", 19, "0", 1, &msg), ==,
	    FL_KERR_INVALID_CONFIG, "out of range: INVALID_CONFIG");
	CHECK_INT(fl_tconf_alter(&c, 0, 0, "cleanup.policy", 14, "compact", 7, &msg), ==,
	    FL_KERR_INVALID_CONFIG, "a read-only one: INVALID_CONFIG");
	CHECK(msg != NULL && strstr(msg, "broker-wide") != NULL, "saying why");
	CHECK_INT(fl_tconf_alter(&c, 1, FL_KA_OP_DELETE, "no.such", 7, NULL, 0, &msg), ==,
	    FL_KERR_INVALID_CONFIG, "an unknown name: INVALID_CONFIG");
	CHECK(c.set == FL_TCONF_RETENTION_BYTES && c.retention_bytes == 100,
	    "refused changes changed nothing");
}

int
main(void)
{
	test_describe_configs();
	test_alter_configs();
	test_create_partitions();
	test_groups();
	test_delete_records();
	test_describe_cluster();
	test_kproto_path();
	test_tconf();
	fl_arena_free(&arena);
	return tap_done();
}
