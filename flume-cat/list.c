/*
 * list.c: flume-cat -L.  One Metadata request (never auto-creating) and one
 * table row per partition; a topic that carries an error gets one row with
 * an empty partition.  Columns (interface, see flume-cat(1) OUTPUT):
 * topic partition leader leader_addr replicas isr status.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "os/diag.h"
#include "cat.h"

static const struct fl_col cols[] = {
	{ "topic", FL_COL_STR },
	{ "partition", FL_COL_NUM },
	{ "leader", FL_COL_NUM },
	{ "leader_addr", FL_COL_STR },
	{ "replicas", FL_COL_STR },
	{ "isr", FL_COL_STR },
	{ "status", FL_COL_STATUS },
};

static void
join_ids(char *buf, size_t len, const int32_t *ids, size_t n)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		int k = snprintf(buf + off, len - off, "%s%" PRId32, i ? "," : "", ids[i]);

		if (k < 0)
			break;
		off += (size_t)k;
	}
}

static void
broker_addr(const struct fl_kc_metadata_resp *r, int32_t id, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < r->nbrokers; i++)
		if (r->brokers[i].node_id == id) {
			snprintf(buf, len, "%.*s:%" PRId32, (int)r->brokers[i].host.len,
			    (const char *)r->brokers[i].host.p, r->brokers[i].port);
			return;
		}
}

static int
print_table(const struct cat_conf *conf, const struct fl_kc_metadata_resp *r)
{
	struct fl_table t;
	size_t i, j;
	int rc = 0;

	fl_table_init(&t, stdout, conf->out_fmt, fl_out_is_color(1), cols,
	    FL_ARRAY_LEN(cols));
	for (i = 0; i < r->ntopics && rc == 0; i++) {
		const struct fl_kc_md_topic *mt = &r->topics[i];
		char name[512];

		snprintf(name, sizeof(name), "%.*s", (int)mt->name.len,
		    (const char *)mt->name.p);
		if (mt->error != 0 || mt->nparts == 0) {
			const char *cells[7] = { name, NULL, NULL, NULL, NULL, NULL,
			    mt->error ? fl_kerr_name(mt->error) : "ok" };

			rc = fl_table_row(&t, cells);
			continue;
		}
		for (j = 0; j < mt->nparts && rc == 0; j++) {
			const struct fl_kc_md_partition *mp = &mt->parts[j];
			char part[16], leader[16], addr[300], reps[256], isr[256];
			const char *cells[7] = { name, part, leader, addr, reps, isr,
			    mp->error ? fl_kerr_name(mp->error) : "ok" };

			snprintf(part, sizeof(part), "%" PRId32, mp->index);
			snprintf(leader, sizeof(leader), "%" PRId32, mp->leader);
			broker_addr(r, mp->leader, addr, sizeof(addr));
			join_ids(reps, sizeof(reps), mp->replicas, mp->nreplicas);
			join_ids(isr, sizeof(isr), mp->isr, mp->nisr);
			rc = fl_table_row(&t, cells);
		}
	}
	if (rc == 0)
		rc = fl_table_end(&t);
	fl_table_free(&t);
	if (rc == FL_ESYS)
		return errno == EPIPE ? CAT_EPIPE : EX_IOERR;
	return rc == 0 ? 0 : EX_OSERR;
}

int
cat_list(const struct cat_conf *conf)
{
	struct pool pool;
	struct conn *c;
	const char *topics[1] = { conf->topic };
	struct fl_kc_metadata_req req = { conf->topic ? topics : NULL,
	    conf->topic ? 1 : 0, 0 };
	struct fl_kc_metadata_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	int rc;

	pool_init(&pool, conf);
	rc = pool_bootstrap(&pool, &c);
	if (rc == 0) {
		h = conn_hdr(c, FL_KC_METADATA, conf->client_id);
		fl_wr_reset(&c->k.w);
		rc = h.version < 0 ? EX_UNAVAILABLE : fl_kc_metadata_req_encode(&c->k.w, &h, &req);
		if (rc != 0)
			fl_warnx("cannot ask %s:%s for metadata", c->k.host, c->k.port);
	}
	if (rc == 0)
		rc = conn_call(&pool, c, &h, 1);
	if (rc == 0) {
		rc = fl_kc_metadata_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r);
		if (rc != 0) {
			fl_warnx("%s:%s: malformed Metadata response: %s", c->k.host,
			    c->k.port, fl_strerror(rc));
			rc = EX_PROTOCOL;
		}
	}
	if (rc == 0)
		rc = print_table(conf, &r);
	/* -L -t T for a topic that is not there (or broken) is a failure */
	if (rc == 0 && conf->topic != NULL && r.ntopics == 1 && r.topics[0].error != 0) {
		fl_warnx("topic %s: %s (error %d)", conf->topic,
		    fl_kerr_name(r.topics[0].error), r.topics[0].error);
		rc = cat_kerr_exit(r.topics[0].error);
	}
	fl_arena_free(&a);
	pool_free(&pool);
	return rc;
}
