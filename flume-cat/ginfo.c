/*
 * ginfo.c: flume-cat -L -G [GROUP]: what a consumer group (or every group,
 * found with ListGroups on every broker) looks like: its state, its
 * members and the partitions assigned to each (DescribeGroups, with the
 * ConsumerProtocol assignment decoded), the committed offsets (OffsetFetch
 * for all of the group's partitions) and the lag against each partition's
 * end (ListOffsets latest on its leader).
 *
 * One row per (group, member, partition).  A member with no partitions
 * gets one row with the partition columns empty; a committed partition
 * nobody owns (an Empty group) gets one with the member columns empty; a
 * group with neither gets one row with just its name and state.  Columns
 * (interface, flume-cat(1) OUTPUT): group state member client_id host topic
 * partition committed end lag.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "codec/cproto.h"
#include "os/diag.h"
#include "cat.h"

static const struct fl_col cols[] = {
	{ "group", FL_COL_STR },
	{ "state", FL_COL_STR },
	{ "member", FL_COL_STR },
	{ "client_id", FL_COL_STR },
	{ "host", FL_COL_STR },
	{ "topic", FL_COL_STR },
	{ "partition", FL_COL_NUM },
	{ "committed", FL_COL_NUM },
	{ "end", FL_COL_NUM },
	{ "lag", FL_COL_NUM },
};

struct row {
	char *group, *state, *member, *client_id, *host, *topic;	/* owned; NULL: empty */
	int32_t partition;		/* -1: none */
	int64_t committed, end;		/* -1: unknown */
};

struct rows {
	struct row *v;
	size_t n, cap;
};


static char *
cdup(const char *s)
{
	return s == NULL ? NULL : fl_slice_dup((struct fl_slice){ (const uint8_t *)s, strlen(s) });
}

static struct row *
row_add(struct rows *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct row *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	r->v[r->n].partition = -1;
	r->v[r->n].committed = r->v[r->n].end = -1;
	return &r->v[r->n++];
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].group);
		free(r->v[i].state);
		free(r->v[i].member);
		free(r->v[i].client_id);
		free(r->v[i].host);
		free(r->v[i].topic);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
nstrcmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL ? (b == NULL ? 0 : -1) : 1;
	return strcmp(a, b);
}

static int
row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c;

	if ((c = nstrcmp(a->group, b->group)) != 0)
		return c;
	if ((c = nstrcmp(a->topic, b->topic)) != 0)
		return c;
	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	return nstrcmp(a->member, b->member);
}

/* One request/response on c; 0 with the payload in c->k.resp, or sysexits. */
static int
call(struct pool *p, struct conn *c, struct fl_kc_hdr *h, int16_t api, int enc_rc)
{
	if (h->version < 0 || enc_rc != 0) {
		fl_warnx("%s:%s: broker does not offer %s in a version flume-cat speaks",
		    c->k.host, c->k.port, fl_kc_api_name(api));
		return EX_UNAVAILABLE;
	}
	return conn_call(p, c, h, 1);
}

static int
malformed(struct conn *c, int16_t api, int rc)
{
	fl_warnx("%s:%s: malformed %s response: %s", c->k.host, c->k.port,
	    fl_kc_api_name(api), fl_strerror(rc));
	conn_close(c);
	return EX_PROTOCOL;
}

/* Every group id any broker knows (ListGroups on each broker). */
static int
list_groups(struct pool *p, struct conn *boot, char ***ids, size_t *nids)
{
	const struct cat_conf *conf = p->conf;
	struct fl_kc_metadata_req mq = { NULL, 0, 0 };
	const char *none[1] = { NULL };
	struct fl_kc_metadata_resp mr;
	struct fl_arena ma = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	size_t b, i;
	int rc;

	mq.topics = none;		/* an empty list: brokers only */
	h = conn_hdr(boot, FL_KC_METADATA, conf->client_id);
	fl_wr_reset(&boot->k.w);
	rc = call(p, boot, &h, FL_KC_METADATA,
	    h.version < 0 ? 0 : fl_kc_metadata_req_encode(&boot->k.w, &h, &mq));
	if (rc != 0)
		return rc;
	if ((rc = fl_kc_metadata_resp_decode(boot->k.resp, boot->k.resp_len, h.version, &ma,
	    &mr)) != 0) {
		fl_arena_free(&ma);
		return malformed(boot, FL_KC_METADATA, rc);
	}
	for (b = 0; b < mr.nbrokers && rc == 0; b++) {
		struct fl_kc_list_groups_resp lr;
		struct fl_arena la = FL_KC_ARENA_INIT;
		struct conn *c;
		char host[CAT_HOST_MAX];

		if (mr.brokers[b].host.len >= sizeof(host))
			continue;
		memcpy(host, mr.brokers[b].host.p, mr.brokers[b].host.len);
		host[mr.brokers[b].host.len] = '\0';
		if ((rc = pool_get(p, mr.brokers[b].node_id, host, mr.brokers[b].port,
		    &c)) != 0)
			break;
		h = conn_hdr(c, FL_KC_LIST_GROUPS, conf->client_id);
		fl_wr_reset(&c->k.w);
		rc = call(p, c, &h, FL_KC_LIST_GROUPS,
		    h.version < 0 ? 0 : fl_kc_list_groups_req_encode(&c->k.w, &h));
		if (rc != 0)
			break;
		if ((rc = fl_kc_list_groups_resp_decode(c->k.resp, c->k.resp_len, h.version, &la,
		    &lr)) != 0) {
			fl_arena_free(&la);
			rc = malformed(c, FL_KC_LIST_GROUPS, rc);
			break;
		}
		if (lr.error != 0) {
			fl_warnx("%s:%s: ListGroups: %s (error %d)", c->k.host, c->k.port,
			    fl_kerr_name(lr.error), lr.error);
			rc = cat_kerr_exit(lr.error);
		}
		for (i = 0; rc == 0 && i < lr.ngroups; i++) {
			char **v = realloc(*ids, (*nids + 1) * sizeof(*v));

			if (v == NULL || (v[*nids] = fl_slice_dup(lr.groups[i].group_id)) == NULL) {
				if (v != NULL)
					*ids = v;
				rc = EX_OSERR;
				break;
			}
			*ids = v;
			(*nids)++;
		}
		fl_arena_free(&la);
	}
	fl_arena_free(&ma);
	return rc;
}

/* The coordinator of group (in the pool). */
static int
coordinator(struct pool *p, struct conn *boot, const char *group, struct conn **out)
{
	struct fl_kc_find_coord_req req = { group, 0 };
	struct fl_kc_find_coord_resp r;
	struct fl_kc_hdr h = conn_hdr(boot, FL_KC_FIND_COORDINATOR, p->conf->client_id);
	char host[CAT_HOST_MAX];
	int rc;

	fl_wr_reset(&boot->k.w);
	rc = call(p, boot, &h, FL_KC_FIND_COORDINATOR,
	    h.version < 0 ? 0 : fl_kc_find_coord_req_encode(&boot->k.w, &h, &req));
	if (rc != 0)
		return rc;
	if ((rc = fl_kc_find_coord_resp_decode(boot->k.resp, boot->k.resp_len, h.version, &r)) != 0)
		return malformed(boot, FL_KC_FIND_COORDINATOR, rc);
	if (r.error != 0) {
		fl_warnx("group %s: FindCoordinator: %s (error %d)", group,
		    fl_kerr_name(r.error), r.error);
		return cat_kerr_exit(r.error);
	}
	if (r.host.len == 0 || r.host.len >= sizeof(host))
		return EX_PROTOCOL;
	memcpy(host, r.host.p, r.host.len);
	host[r.host.len] = '\0';
	return pool_get(p, r.node_id, host, r.port, out);
}

/* Rows for one group: members and assignments, then commits. */
static int
describe(struct pool *p, struct conn *boot, const char *group, struct rows *rows)
{
	const struct cat_conf *conf = p->conf;
	const char *groups[1] = { group };
	struct fl_kc_describe_groups_req dq = { groups, 1, 0 };
	struct fl_kc_describe_groups_resp dr;
	struct fl_kc_offset_fetch_req oq = { group, NULL, 0 };
	struct fl_kc_offset_fetch_resp orr;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	struct conn *c;
	size_t first = rows->n, i, j, k, m;
	char *state = NULL;
	int rc;

	if ((rc = coordinator(p, boot, group, &c)) != 0)
		return rc;
	h = conn_hdr(c, FL_KC_DESCRIBE_GROUPS, conf->client_id);
	fl_wr_reset(&c->k.w);
	rc = call(p, c, &h, FL_KC_DESCRIBE_GROUPS,
	    h.version < 0 ? 0 : fl_kc_describe_groups_req_encode(&c->k.w, &h, &dq));
	if (rc != 0)
		return rc;
	if ((rc = fl_kc_describe_groups_resp_decode(c->k.resp, c->k.resp_len, h.version, &a,
	    &dr)) != 0) {
		fl_arena_free(&a);
		return malformed(c, FL_KC_DESCRIBE_GROUPS, rc);
	}
	for (i = 0; rc == 0 && i < dr.ngroups; i++) {
		const struct fl_kc_dg_group *dg = &dr.groups[i];
		int is_consumer = dg->protocol_type.len == 8 &&
		    memcmp(dg->protocol_type.p, "consumer", 8) == 0;

		if (dg->error != 0) {
			fl_warnx("group %s: DescribeGroups: %s (error %d)", group,
			    fl_kerr_name(dg->error), dg->error);
			rc = cat_kerr_exit(dg->error);
			break;
		}
		free(state);
		if ((state = fl_slice_dup(dg->state)) == NULL)
			rc = EX_OSERR;
		for (j = 0; rc == 0 && j < dg->nmembers; j++) {
			const struct fl_kc_dg_member *dm = &dg->members[j];
			struct fl_cp_asg asg = { 0 };
			size_t nrows = 0;

			if (is_consumer && dm->assignment.len > 0 &&
			    fl_cp_asg_decode(dm->assignment.p, dm->assignment.len, &asg) != 0)
				fl_warnx("group %s: member %.*s has an assignment flume-cat "
				    "cannot read", group, (int)dm->member_id.len,
				    (const char *)dm->member_id.p);
			for (k = 0; rc == 0 && k <= asg.ntps; k++) {
				size_t np = k < asg.ntps ? asg.tps[k].nparts : 0;

				for (m = 0; rc == 0 && (m < np || (k == asg.ntps &&
				    nrows == 0 && m == 0)); m++) {
					struct row *r = row_add(rows);

					if (r == NULL) {
						rc = EX_OSERR;
						break;
					}
					nrows++;
					r->member = fl_slice_dup(dm->member_id);
					r->client_id = fl_slice_dup(dm->client_id);
					r->host = fl_slice_dup(dm->client_host);
					if (k < asg.ntps) {
						r->topic = fl_slice_dup(asg.tps[k].topic);
						r->partition = asg.tps[k].parts[m];
					}
				}
			}
			fl_cp_asg_free(&asg);
		}
	}
	fl_arena_free(&a);
	if (rc != 0)
		goto out;

	/* committed offsets of every partition the group has any for */
	h = conn_hdr(c, FL_KC_OFFSET_FETCH, conf->client_id);
	if (h.version >= 2) {
		fl_wr_reset(&c->k.w);
		rc = call(p, c, &h, FL_KC_OFFSET_FETCH,
		    fl_kc_offset_fetch_req_encode(&c->k.w, &h, &oq));
		if (rc == 0 && (rc = fl_kc_offset_fetch_resp_decode(c->k.resp, c->k.resp_len,
		    h.version, &a, &orr)) != 0)
			rc = malformed(c, FL_KC_OFFSET_FETCH, rc);
		for (i = 0; rc == 0 && i < orr.ntopics; i++)
			for (j = 0; rc == 0 && j < orr.topics[i].nparts; j++) {
				const struct fl_kc_offset_fetch_part_resp *op =
				    &orr.topics[i].parts[j];
				struct fl_slice tn = orr.topics[i].name;
				int is_found = 0;

				if (op->error != 0 || op->offset < 0)
					continue;
				for (k = first; k < rows->n; k++) {
					struct row *r = &rows->v[k];

					if (r->topic != NULL && r->partition == op->index &&
					    strlen(r->topic) == tn.len &&
					    memcmp(r->topic, tn.p, tn.len) == 0) {
						r->committed = op->offset;
						is_found = 1;
					}
				}
				if (!is_found) {
					struct row *r = row_add(rows);

					if (r == NULL || (r->topic = fl_slice_dup(tn)) == NULL) {
						rc = EX_OSERR;
						break;
					}
					r->partition = op->index;
					r->committed = op->offset;
				}
			}
		fl_arena_free(&a);
	}
	if (rc == 0 && rows->n == first && row_add(rows) == NULL)
		rc = EX_OSERR;
	for (k = first; rc == 0 && k < rows->n; k++) {
		if ((rows->v[k].group = cdup(group)) == NULL ||
		    (rows->v[k].state = cdup(state ? state : "")) == NULL)
			rc = EX_OSERR;
	}
out:
	free(state);
	return rc;
}

/* ListOffsets latest of (topic, partition) on its leader. */
static int
end_offset(struct pool *p, struct cat_topic *t, int32_t part, int64_t *out)
{
	struct fl_kc_list_offsets_part lp = { part, FL_KC_TS_LATEST };
	struct fl_kc_list_offsets_topic lt = { t->name, &lp, 1 };
	struct fl_kc_list_offsets_req req = { 1, &lt, 1 };
	struct fl_kc_list_offsets_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct conn *c;
	struct fl_kc_hdr h;
	int rc;

	if (part < 0 || part >= t->nparts || (c = t->parts[part].conn) == NULL)
		return 0;
	h = conn_hdr(c, FL_KC_LIST_OFFSETS, p->conf->client_id);
	fl_wr_reset(&c->k.w);
	rc = call(p, c, &h, FL_KC_LIST_OFFSETS,
	    h.version < 0 ? 0 : fl_kc_list_offsets_req_encode(&c->k.w, &h, &req));
	if (rc != 0)
		return rc;
	if ((rc = fl_kc_list_offsets_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r)) != 0) {
		fl_arena_free(&a);
		return malformed(c, FL_KC_LIST_OFFSETS, rc);
	}
	if (r.ntopics == 1 && r.topics[0].nparts == 1 && r.topics[0].parts[0].error == 0)
		*out = r.topics[0].parts[0].offset;
	fl_arena_free(&a);
	return 0;
}

/* Fill the end column, one Metadata per distinct topic. */
static int
end_offsets(struct pool *p, struct rows *rows)
{
	const struct cat_conf *saved = p->conf;
	struct cat_conf tconf = *saved;
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < rows->n; i++) {
		struct cat_topic t;

		if (rows->v[i].topic == NULL || rows->v[i].end >= 0 ||
		    strlen(rows->v[i].topic) >= sizeof(t.name))
			continue;
		memset(&t, 0, sizeof(t));
		/* cat_metadata asks about conf->topic: point it at this one */
		tconf.topic = rows->v[i].topic;
		p->conf = &tconf;
		rc = cat_metadata(p, 0, &t);
		p->conf = saved;
		if (rc == EX_NOINPUT) {		/* a deleted topic: no end */
			rc = 0;
			for (j = i; j < rows->n; j++)
				if (nstrcmp(rows->v[j].topic, rows->v[i].topic) == 0)
					rows->v[j].end = -2;
			continue;
		}
		for (j = i; rc == 0 && j < rows->n; j++)
			if (nstrcmp(rows->v[j].topic, rows->v[i].topic) == 0)
				rc = end_offset(p, &t, rows->v[j].partition, &rows->v[j].end);
		cat_topic_free(&t);
	}
	return rc;
}

static int
print_rows(const struct cat_conf *conf, struct rows *rows)
{
	struct fl_table t;
	size_t i;
	int rc = 0;

	qsort(rows->v, rows->n, sizeof(rows->v[0]), row_cmp);
	fl_table_init(&t, stdout, conf->out_fmt, fl_out_is_color(1), cols,
	    FL_ARRAY_LEN(cols));
	for (i = 0; i < rows->n && rc == 0; i++) {
		const struct row *r = &rows->v[i];
		char part[16], com[24], end[24], lag[24];
		const char *cells[10] = { r->group, r->state, r->member, r->client_id,
		    r->host, r->topic, NULL, NULL, NULL, NULL };

		if (r->partition >= 0) {
			snprintf(part, sizeof(part), "%" PRId32, r->partition);
			cells[6] = part;
		}
		if (r->committed >= 0) {
			snprintf(com, sizeof(com), "%" PRId64, r->committed);
			cells[7] = com;
		}
		if (r->end >= 0) {
			snprintf(end, sizeof(end), "%" PRId64, r->end);
			cells[8] = end;
		}
		if (r->committed >= 0 && r->end >= 0) {
			snprintf(lag, sizeof(lag), "%" PRId64,
			    r->end > r->committed ? r->end - r->committed : 0);
			cells[9] = lag;
		}
		rc = fl_table_row(&t, cells);
	}
	if (rc == 0)
		rc = fl_table_end(&t);
	fl_table_free(&t);
	if (rc == FL_ESYS)
		return errno == EPIPE ? CAT_EPIPE : EX_IOERR;
	return rc == 0 ? 0 : EX_OSERR;
}

int
cat_group_list(const struct cat_conf *conf)
{
	struct pool pool;
	struct conn *boot;
	struct rows rows = { 0 };
	char **ids = NULL;
	size_t nids = 0, i;
	int rc;

	pool_init(&pool, conf);
	rc = pool_bootstrap(&pool, &boot);
	if (rc == 0 && conf->is_all_groups)
		rc = list_groups(&pool, boot, &ids, &nids);
	if (rc == 0 && !conf->is_all_groups)
		rc = describe(&pool, boot, conf->group, &rows);
	for (i = 0; rc == 0 && i < nids; i++)
		rc = describe(&pool, boot, ids[i], &rows);
	if (rc == 0)
		rc = end_offsets(&pool, &rows);
	if (rc == 0)
		rc = print_rows(conf, &rows);
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	rows_free(&rows);
	pool_free(&pool);
	return rc;
}
