/*
 * group.c: flume-cat -G GROUP TOPIC...: a member of a Kafka consumer group
 * (the classic protocol, kafka-subset.md §2.7-2.13 and §6).
 *
 * One thread, strictly one request at a time, in this cycle:
 *
 *   FindCoordinator -> JoinGroup (79 MEMBER_ID_REQUIRED: again with the id
 *   given) -> leader only: Metadata + the flume-sticky assignor (sticky.h)
 *   -> SyncGroup -> OffsetFetch for partitions new to us (ListOffsets per
 *   -o where nothing is committed) -> Fetch loop, with a Heartbeat every
 *   --heartbeat-ms and an OffsetCommit every --commit-ms.
 *
 * A Heartbeat answered 27 REBALANCE_IN_PROGRESS (or 22, 25) sends us back
 * to JoinGroup, but first we commit: commits are accepted while the group
 * prepares a rebalance (§6.4), and committing before rejoining is what
 * lets the next owner of a partition start exactly where we stopped,
 * because the coordinator cannot finish the join phase until we rejoin.
 *
 * Subscriptions are ConsumerProtocol v2 (cproto.h) carrying the partitions
 * we own and the generation they are from, so the leader can keep them
 * where they are.  Protocol name "flume-sticky": see sticky.h for why it
 * is not Kafka's "sticky".
 *
 * Every completed rebalance prints one line to stderr (documented in
 * flume-cat(1), tests parse it):
 *   flume-cat: group G generation N: assigned T:P T:P ... (kept K, added A, revoked R)
 * and the leader also prints what the assignor did:
 *   flume-cat: group G generation N: leader: M members, P partitions (kept K, moved X, fresh F)
 *
 * Shutdown (SIGINT/SIGTERM, -c reached, -e reached, stdout closed):
 * commit, LeaveGroup, exit.  The final commit and leave run even though
 * the stop flag is set, through a coordinator "pool" whose stop flag
 * stays clear (conn.c gives up on every wait once its flag is set).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec/cproto.h"
#include "os/diag.h"
#include "sm/sticky.h"
#include "cat.h"

#define FETCH_WAIT_MS		500
#define FETCH_BYTES_MAX		(8 << 20)
#define PART_FETCH_BYTES_MAX	(1 << 20)
#define MEMBER_ID_MAX		512
#define LEADER_CHECK_MS		3000	/* leader: how often to look for new partitions */
#define JOIN_TRIES_MAX		50	/* rejoins in a row before giving up */

/* One partition assigned to us. */
struct gpart {
	size_t topic;			/* index into conf->topics */
	int32_t index;
	int64_t offset;			/* next to fetch; -1: not known yet */
	int64_t committed;		/* what the group has stored; -1 none */
	int is_eof;
	struct conn *leader;		/* borrowed from the pool; NULL: unknown */
};

/* A growable list of owned C strings (names copied out of responses). */
struct strs {
	char **v;
	size_t n, cap;
};

struct grp {
	const struct cat_conf *conf;
	struct pool pool;		/* Metadata, ListOffsets, Fetch */
	struct cat_conf cconf;		/* conf for coordinator calls */
	struct pool cpool;		/* no connections: conf for coord calls */
	volatile sig_atomic_t no_stop;	/* cconf.stop at shutdown: stays 0 */
	struct conn coord;
	int has_coord;
	char member_id[MEMBER_ID_MAX];
	int32_t generation;		/* of the current assignment; -1 none */
	int is_leader;
	struct gpart *parts;		/* owned; sorted by topic name, partition */
	size_t nparts;
	int has_assignment;		/* a SyncGroup succeeded since the last join */
	int need_rejoin;
	struct cat_fmt fmt;
	int64_t count;
	int64_t next_hb_ms, next_commit_ms, next_leader_check_ms;
	struct strs all_topics;		/* leader: every member's topics */
	int32_t *all_counts;		/* leader: their partition counts then */
};

/* ---- small helpers ---- */

static int
strs_add(struct strs *s, const void *p, size_t n)
{
	char *c;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return EX_OSERR;
		s->v = v;
		s->cap = cap;
	}
	if ((c = malloc(n + 1)) == NULL)
		return EX_OSERR;
	memcpy(c, p, n);
	c[n] = '\0';
	s->v[s->n++] = c;
	return 0;
}

/* Index of a name in s, or -1. */
static long
strs_find(const struct strs *s, const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == n && memcmp(s->v[i], p, n) == 0)
			return (long)i;
	return -1;
}

static void
strs_free(struct strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
slice_is(struct fl_slice s, const char *c)
{
	return s.len == strlen(c) && (s.len == 0 || memcmp(s.p, c, s.len) == 0);
}

/* Index of topic name in our subscription, or -1. */
static long
sub_index(const struct cat_conf *conf, const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < conf->ntopics; i++)
		if (strlen(conf->topics[i]) == n && memcmp(conf->topics[i], p, n) == 0)
			return (long)i;
	return -1;
}

static const char *
tname(const struct grp *g, const struct gpart *p)
{
	return g->conf->topics[p->topic];
}

static int
gpart_cmp_ctx(const struct cat_conf *conf, const struct gpart *a, const struct gpart *b)
{
	int c = strcmp(conf->topics[a->topic], conf->topics[b->topic]);

	if (c != 0)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void
sort_parts(struct grp *g)
{
	size_t i, j;

	/* insertion sort: qsort has no context for the topic names */
	for (i = 1; i < g->nparts; i++) {
		struct gpart v = g->parts[i];

		for (j = i; j > 0 && gpart_cmp_ctx(g->conf, &g->parts[j - 1], &v) > 0; j--)
			g->parts[j] = g->parts[j - 1];
		g->parts[j] = v;
	}
}

/* Decode-failure handling shared by every response. */
static int
bad_resp(struct conn *c, const char *api, int rc)
{
	fl_warnx("%s:%s: malformed %s response: %s", c->k.host, c->k.port, api,
	    fl_strerror(rc));
	conn_close(c);
	return EX_PROTOCOL;
}

static int
is_coord_error(int16_t e)
{
	return e == 14 || e == 15 || e == 16;	/* LOAD_IN_PROGRESS, NOT_AVAILABLE, NOT_COORDINATOR */
}

/* ---- metadata ---- */

/*
 * One Metadata request for names (never auto-creating): nparts[i] gets
 * the partition count (0: no such topic, -1: not known right now), and
 * every assigned partition of ours learns its leader's connection.
 */

/*
 * Any connected broker of the pool; when none is left, forget every
 * leader and bootstrap again.  0 and *out, or the bootstrap's exit code.
 */
static int
any_conn(struct grp *g, struct conn **out)
{
	size_t i;

	*out = NULL;
	for (i = 0; i < g->pool.n; i++)
		if (g->pool.c[i].k.fd >= 0) {
			*out = &g->pool.c[i];
			return 0;
		}
	pool_free(&g->pool);
	for (i = 0; i < g->nparts; i++)
		g->parts[i].leader = NULL;
	return pool_bootstrap(&g->pool, out);
}

static int
group_metadata(struct grp *g, const char *const *names, size_t n, int32_t *nparts)
{
	struct fl_kc_metadata_req req = { names, n, 0 };
	struct fl_kc_metadata_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	struct conn *c = NULL;
	size_t i, j, k;
	int rc;

	for (i = 0; i < n; i++)
		nparts[i] = -1;
	if ((rc = any_conn(g, &c)) != 0)
		return rc;
	h = conn_hdr(c, FL_KC_METADATA, g->conf->client_id);
	fl_wr_reset(&c->k.w);
	if (h.version < 0 || fl_kc_metadata_req_encode(&c->k.w, &h, &req) != 0) {
		fl_warnx("%s:%s: cannot ask for metadata", c->k.host, c->k.port);
		return EX_UNAVAILABLE;
	}
	if ((rc = conn_call(&g->pool, c, &h, 1)) != 0)
		return rc;
	if ((rc = fl_kc_metadata_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r)) != 0) {
		fl_arena_free(&a);
		return bad_resp(c, "Metadata", rc);
	}
	for (i = 0; i < r.ntopics; i++) {
		const struct fl_kc_md_topic *mt = &r.topics[i];
		long si = sub_index(g->conf, mt->name.p, mt->name.len);

		for (j = 0; j < n; j++) {
			if (!slice_is(mt->name, names[j]))
				continue;
			if (mt->error == FL_KERR_UNKNOWN_TOPIC_OR_PARTITION)
				nparts[j] = 0;
			else if (mt->error == 0 && mt->nparts > 0)
				nparts[j] = (int32_t)mt->nparts;
		}
		if (si < 0 || mt->error != 0)
			continue;
		for (j = 0; j < mt->nparts; j++) {
			const struct fl_kc_md_partition *mp = &mt->parts[j];

			for (k = 0; k < g->nparts; k++) {
				struct gpart *gp = &g->parts[k];
				size_t b;

				if (gp->topic != (size_t)si || gp->index != mp->index ||
				    mp->error != 0 || mp->leader < 0)
					continue;
				for (b = 0; b < r.nbrokers; b++) {
					char host[CAT_HOST_MAX];

					if (r.brokers[b].node_id != mp->leader ||
					    r.brokers[b].host.len >= sizeof(host))
						continue;
					memcpy(host, r.brokers[b].host.p, r.brokers[b].host.len);
					host[r.brokers[b].host.len] = '\0';
					if (pool_get(&g->pool, mp->leader, host,
					    r.brokers[b].port, &gp->leader) != 0)
						gp->leader = NULL;
					break;
				}
			}
		}
	}
	fl_arena_free(&a);
	return 0;
}

/* ---- coordinator ---- */

static int
find_coordinator(struct grp *g)
{
	struct fl_kc_find_coord_req req = { g->conf->group, 0 };
	struct fl_kc_find_coord_resp r;
	struct fl_kc_hdr h;
	struct conn *c = NULL;
	char host[CAT_HOST_MAX], port[8];
	int rc;

	if (g->has_coord) {
		conn_free(&g->coord);
		g->has_coord = 0;
	}
	if ((rc = any_conn(g, &c)) != 0)
		return rc;
	h = conn_hdr(c, FL_KC_FIND_COORDINATOR, g->conf->client_id);
	fl_wr_reset(&c->k.w);
	if (h.version < 0 || fl_kc_find_coord_req_encode(&c->k.w, &h, &req) != 0) {
		fl_warnx("%s:%s: broker offers no FindCoordinator v0-2: no group support",
		    c->k.host, c->k.port);
		return EX_UNAVAILABLE;
	}
	if ((rc = conn_call(&g->pool, c, &h, 1)) != 0)
		return rc;
	if ((rc = fl_kc_find_coord_resp_decode(c->k.resp, c->k.resp_len, h.version, &r)) != 0)
		return bad_resp(c, "FindCoordinator", rc);
	if (r.error != 0)
		return -r.error;
	if (r.host.len == 0 || r.host.len >= sizeof(host)) {
		fl_warnx("%s:%s: FindCoordinator: bad host", c->k.host, c->k.port);
		return EX_PROTOCOL;
	}
	memcpy(host, r.host.p, r.host.len);
	host[r.host.len] = '\0';
	snprintf(port, sizeof(port), "%d", (int)r.port);
	conn_init(&g->coord, r.node_id, host, port);
	g->has_coord = 1;
	return conn_ensure(&g->cpool, &g->coord);
}

/* Make sure we have a connected coordinator; backs off on retriable errors. */
static int
ensure_coordinator(struct grp *g)
{
	int64_t deadline = fl_clock_ms() + g->conf->timeout_ms, backoff_ms = 100;
	int rc;

	if (g->has_coord && g->coord.k.fd >= 0)
		return 0;
	if (g->has_coord && conn_ensure(&g->cpool, &g->coord) == 0)
		return 0;
	for (;;) {
		rc = find_coordinator(g);
		if (rc == 0 || rc == CAT_EPIPE)
			return rc;
		if (rc < 0 && !is_coord_error((int16_t)-rc)) {
			fl_warnx("group %s: FindCoordinator: %s (error %d)", g->conf->group,
			    fl_kerr_name((int16_t)-rc), -rc);
			return EX_UNAVAILABLE;
		}
		if (rc > 0 && rc != EX_UNAVAILABLE)
			return rc;
		if (fl_clock_ms() + backoff_ms >= deadline) {
			fl_warnx("group %s: no coordinator after %lld ms", g->conf->group,
			    (long long)g->conf->timeout_ms);
			return EX_UNAVAILABLE;
		}
		if (cat_sleep_ms(g->conf, backoff_ms))
			return EX_UNAVAILABLE;
		backoff_ms = backoff_ms < 1000 ? backoff_ms * 2 : backoff_ms;
	}
}

/* A lost coordinator: forget it, and rejoin through a fresh lookup. */
static void
drop_coordinator(struct grp *g)
{
	if (g->has_coord)
		conn_free(&g->coord);
	g->has_coord = 0;
	g->need_rejoin = 1;
}

static void
forget_membership(struct grp *g)
{
	g->member_id[0] = '\0';
	g->generation = -1;
	/*
	 * Our partitions are gone (someone else may have them by now):
	 * drop them and their positions rather than claim them again.
	 */
	free(g->parts);
	g->parts = NULL;
	g->nparts = 0;
}

/* Group our partitions by topic for the encoders; *tps and *flat owned. */
static int
group_by_topic(const struct grp *g, int only_dirty, struct fl_cp_tp_in **tps,
    size_t *ntps, int32_t **flat, size_t **src)
{
	size_t i, n = 0, k = 0;

	*tps = calloc(g->nparts + 1, sizeof(**tps));
	*flat = calloc(g->nparts + 1, sizeof(**flat));
	*src = calloc(g->nparts + 1, sizeof(**src));
	if (*tps == NULL || *flat == NULL || *src == NULL)
		return EX_OSERR;
	/* parts are sorted by topic, so each topic's run is contiguous */
	for (i = 0; i < g->nparts; i++) {
		const struct gpart *p = &g->parts[i];

		if (only_dirty && (p->offset < 0 || p->offset == p->committed))
			continue;
		if (n == 0 || strcmp((*tps)[n - 1].topic, tname(g, p)) != 0) {
			(*tps)[n].topic = tname(g, p);
			(*tps)[n].parts = *flat + k;
			n++;
		}
		(*src)[k] = i;
		(*flat)[k++] = p->index;
		(*tps)[n - 1].nparts++;
	}
	*ntps = n;
	return 0;
}

/* ---- offsets ---- */

/*
 * OffsetCommit of every position that moved.  Errors that mean "rejoin"
 * set need_rejoin; a lost coordinator is dropped.  0 or a sysexits code
 * for what cannot be retried.
 */
static int
commit(struct grp *g)
{
	struct fl_cp_tp_in *tps = NULL;
	struct fl_kc_commit_topic *ct = NULL;
	struct fl_kc_commit_part *cp = NULL;
	struct fl_kc_commit_req req;
	struct fl_kc_commit_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	int32_t *flat = NULL;
	size_t *src = NULL, ntps = 0, i, j, k;
	int rc;

	if (g->member_id[0] == '\0' || g->generation < 0)
		return 0;
	rc = group_by_topic(g, 1, &tps, &ntps, &flat, &src);
	if (rc == 0 && ntps == 0)
		goto out;
	if (rc == 0 && (rc = ensure_coordinator(g)) != 0)
		goto out;
	ct = calloc(ntps + 1, sizeof(*ct));
	cp = calloc(g->nparts + 1, sizeof(*cp));
	if (rc == 0 && (ct == NULL || cp == NULL))
		rc = EX_OSERR;
	if (rc != 0)
		goto out;
	for (i = k = 0; i < ntps; i++) {
		ct[i].name = tps[i].topic;
		ct[i].parts = cp + k;
		ct[i].nparts = tps[i].nparts;
		for (j = 0; j < tps[i].nparts; j++, k++) {
			cp[k].index = tps[i].parts[j];
			cp[k].offset = g->parts[src[k]].offset;
			cp[k].leader_epoch = -1;
			cp[k].metadata = "";
		}
	}
	memset(&req, 0, sizeof(req));
	req.group_id = g->conf->group;
	req.generation_id = g->generation;
	req.member_id = g->member_id;
	req.retention_time_ms = -1;
	req.topics = ct;
	req.ntopics = ntps;
	h = conn_hdr(&g->coord, FL_KC_OFFSET_COMMIT, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	if (h.version < 0 || fl_kc_commit_req_encode(&g->coord.k.w, &h, &req) != 0) {
		fl_warnx("coordinator offers no OffsetCommit v2-7");
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if ((rc = conn_call(&g->cpool, &g->coord, &h, 1)) != 0) {
		if (rc == EX_UNAVAILABLE) {
			drop_coordinator(g);
			rc = 0;
		}
		goto out;
	}
	rc = fl_kc_commit_resp_decode(g->coord.k.resp, g->coord.k.resp_len, h.version, &a, &r);
	if (rc != 0) {
		rc = bad_resp(&g->coord, "OffsetCommit", rc);
		goto out;
	}
	for (i = 0; i < r.ntopics; i++) {
		long si = sub_index(g->conf, r.topics[i].name.p, r.topics[i].name.len);

		for (j = 0; j < r.topics[i].nparts; j++) {
			const struct fl_kc_part_error *pe = &r.topics[i].parts[j];

			/* nothing ran since the request: offset is what we sent */
			for (k = 0; pe->error == 0 && si >= 0 && k < g->nparts; k++)
				if (g->parts[k].topic == (size_t)si &&
				    g->parts[k].index == pe->index)
					g->parts[k].committed = g->parts[k].offset;
			if (pe->error == 0)
				continue;
			if (pe->error == 25) {
				forget_membership(g);
				g->need_rejoin = 1;
				goto out_arena;
			}
			if (pe->error == 22 || pe->error == 27) {
				g->need_rejoin = 1;
			} else if (is_coord_error(pe->error)) {
				drop_coordinator(g);
			} else {
				fl_warnx("group %s: commit %.*s [%d]: %s (error %d)",
				    g->conf->group, (int)r.topics[i].name.len,
				    (const char *)r.topics[i].name.p, pe->index,
				    fl_kerr_name(pe->error), pe->error);
			}
		}
	}
out_arena:
	fl_arena_free(&a);
out:
	free(ct);
	free(cp);
	free(tps);
	free(flat);
	free(src);
	return rc;
}

/* ListOffsets(ts) of one partition on its leader: 0 and *out, or an error. */
static int
list_offset(struct grp *g, struct gpart *p, int64_t ts, int64_t *out)
{
	struct fl_kc_list_offsets_part lp = { p->index, ts };
	struct fl_kc_list_offsets_topic lt = { tname(g, p), &lp, 1 };
	struct fl_kc_list_offsets_req req = { 1, &lt, 1 };
	struct fl_kc_list_offsets_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct conn *c = p->leader;
	struct fl_kc_hdr h;
	int rc;

	if (c == NULL)
		return EX_TEMPFAIL;
	if ((rc = conn_ensure(&g->pool, c)) != 0)
		return rc;
	h = conn_hdr(c, FL_KC_LIST_OFFSETS, g->conf->client_id);
	fl_wr_reset(&c->k.w);
	if (h.version < 0 || fl_kc_list_offsets_req_encode(&c->k.w, &h, &req) != 0)
		return EX_UNAVAILABLE;
	if ((rc = conn_call(&g->pool, c, &h, 1)) != 0)
		return rc;
	rc = fl_kc_list_offsets_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		return bad_resp(c, "ListOffsets", rc);
	}
	rc = EX_PROTOCOL;
	if (r.ntopics == 1 && r.topics[0].nparts == 1) {
		int16_t e = r.topics[0].parts[0].error;

		*out = r.topics[0].parts[0].offset;
		rc = e == 0 ? 0 : fl_kerr_is_retriable(e) ? EX_TEMPFAIL : cat_kerr_exit(e);
	}
	fl_arena_free(&a);
	return rc;
}

/* Where -o says to start a partition with nothing committed. */
static int
reset_offset(struct grp *g, struct gpart *p)
{
	const struct cat_conf *conf = g->conf;
	int64_t lo = 0, hi = 0;
	int rc = 0;

	switch (conf->off_kind) {
	case CAT_OFF_BEGINNING:
		rc = list_offset(g, p, FL_KC_TS_EARLIEST, &p->offset);
		break;
	case CAT_OFF_END:
		rc = list_offset(g, p, FL_KC_TS_LATEST, &p->offset);
		break;
	case CAT_OFF_ABS:
		p->offset = conf->off_value;
		break;
	case CAT_OFF_REL:
		rc = list_offset(g, p, FL_KC_TS_EARLIEST, &lo);
		if (rc == 0)
			rc = list_offset(g, p, FL_KC_TS_LATEST, &hi);
		if (rc == 0)
			p->offset = hi - conf->off_value < lo ? lo : hi - conf->off_value;
		break;
	}
	if (rc != 0)
		p->offset = -1;
	return rc;
}

/* OffsetFetch for every partition without a position; -o for the rest. */
static int
fetch_committed(struct grp *g)
{
	struct fl_kc_offset_fetch_topic *oft = NULL;
	struct fl_cp_tp_in *tps = NULL;
	struct fl_kc_offset_fetch_req req;
	struct fl_kc_offset_fetch_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	int32_t *flat = NULL;
	size_t *src = NULL, ntps = 0, i, j, k;
	int rc;

	/* only_dirty = 0, but skip partitions whose position we kept */
	for (i = 0, k = 0; i < g->nparts; i++)
		k += g->parts[i].offset < 0;
	if (k == 0)
		return 0;
	if ((rc = ensure_coordinator(g)) != 0)
		return rc;
	rc = group_by_topic(g, 0, &tps, &ntps, &flat, &src);
	oft = calloc(ntps + 1, sizeof(*oft));
	if (rc == 0 && oft == NULL)
		rc = EX_OSERR;
	if (rc != 0)
		goto out;
	for (i = 0; i < ntps; i++) {
		oft[i].name = tps[i].topic;
		oft[i].parts = tps[i].parts;
		oft[i].nparts = tps[i].nparts;
	}
	req.group_id = g->conf->group;
	req.topics = oft;
	req.ntopics = ntps;
	h = conn_hdr(&g->coord, FL_KC_OFFSET_FETCH, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	if (h.version < 0 || fl_kc_offset_fetch_req_encode(&g->coord.k.w, &h, &req) != 0) {
		fl_warnx("coordinator offers no OffsetFetch v1-5");
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if ((rc = conn_call(&g->cpool, &g->coord, &h, 1)) != 0)
		goto out;
	rc = fl_kc_offset_fetch_resp_decode(g->coord.k.resp, g->coord.k.resp_len, h.version,
	    &a, &r);
	if (rc != 0) {
		rc = bad_resp(&g->coord, "OffsetFetch", rc);
		goto out;
	}
	if (r.error != 0) {
		if (is_coord_error(r.error)) {
			drop_coordinator(g);
			rc = EX_TEMPFAIL;
		} else {
			fl_warnx("group %s: OffsetFetch: %s (error %d)", g->conf->group,
			    fl_kerr_name(r.error), r.error);
			rc = EX_UNAVAILABLE;
		}
		goto out_arena;
	}
	for (i = 0; i < r.ntopics; i++) {
		long si = sub_index(g->conf, r.topics[i].name.p, r.topics[i].name.len);

		for (j = 0; si >= 0 && j < r.topics[i].nparts; j++) {
			const struct fl_kc_offset_fetch_part_resp *op = &r.topics[i].parts[j];

			for (k = 0; k < g->nparts; k++) {
				struct gpart *p = &g->parts[k];

				if (p->topic != (size_t)si || p->index != op->index ||
				    p->offset >= 0)
					continue;
				if (op->error == 0 && op->offset >= 0) {
					p->offset = p->committed = op->offset;
				} else if (op->error != 0 && op->error != 3) {
					fl_warnx("group %s: OffsetFetch %s [%d]: %s (error %d)",
					    g->conf->group, tname(g, p), p->index,
					    fl_kerr_name(op->error), op->error);
				}
			}
		}
	}
	/* nothing committed: -o decides (needs each leader) */
	for (k = 0; k < g->nparts; k++) {
		if (g->parts[k].offset >= 0)
			continue;
		rc = reset_offset(g, &g->parts[k]);
		if (rc == EX_TEMPFAIL || rc == EX_UNAVAILABLE)
			rc = 0;		/* the fetch loop retries it */
		if (rc != 0)
			break;
	}
out_arena:
	fl_arena_free(&a);
out:
	free(oft);
	free(tps);
	free(flat);
	free(src);
	return rc;
}

/* ---- join / sync ---- */

/* Our subscription: topics, the partitions we own and their generation. */
static int
subscription(struct grp *g, struct fl_wr *w)
{
	struct fl_cp_tp_in *tps = NULL;
	int32_t *flat = NULL;
	size_t *src = NULL, ntps = 0;
	int rc = group_by_topic(g, 0, &tps, &ntps, &flat, &src);

	if (rc == 0 && fl_cp_sub_encode(w, 2, g->conf->topics, g->conf->ntopics,
	    tps, ntps, g->generation) != 0)
		rc = EX_SOFTWARE;
	free(tps);
	free(flat);
	free(src);
	return rc;
}

/* Leader: run the assignor over the members' subscriptions. */
static int
assign(struct grp *g, const struct fl_kc_join_resp *jr, int32_t generation,
    struct fl_kc_sync_assignment **out, struct fl_wr **bufs)
{
	size_t nm = jr->nmembers, i, j, k, nown;
	struct fl_cp_sub *subs = calloc(nm + 1, sizeof(*subs));
	struct fl_sticky_member *sm = calloc(nm + 1, sizeof(*sm));
	struct fl_sticky_topic *st = NULL;
	struct fl_sticky_tp *owned = NULL;
	const char **subnames = NULL;
	struct fl_sticky_result res = { 0 };
	struct strs ids = { 0 };
	int32_t *counts = NULL;
	size_t nsubnames = 0, nparts_total = 0;
	int rc = 0;

	*out = calloc(nm + 1, sizeof(**out));
	*bufs = calloc(nm + 1, sizeof(**bufs));
	if (subs == NULL || sm == NULL || *out == NULL || *bufs == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	strs_free(&g->all_topics);
	free(g->all_counts);
	g->all_counts = NULL;
	/* decode; collect every topic any member wants */
	nown = 0;
	for (i = 0; i < nm && rc == 0; i++) {
		const struct fl_kc_join_member *m = &jr->members[i];

		rc = strs_add(&ids, m->member_id.p, m->member_id.len);
		if (rc != 0)
			break;
		if (fl_cp_sub_decode(m->metadata.p, m->metadata.len, &subs[i]) != 0) {
			fl_warnx("group %s: member %s sent a subscription we cannot read; "
			    "it gets nothing", g->conf->group, ids.v[i]);
			continue;
		}
		for (j = 0; j < subs[i].ntopics && rc == 0; j++)
			if (strs_find(&g->all_topics, subs[i].topics[j].p,
			    subs[i].topics[j].len) < 0)
				rc = strs_add(&g->all_topics, subs[i].topics[j].p,
				    subs[i].topics[j].len);
		for (j = 0; j < subs[i].nowned; j++)
			nown += subs[i].owned[j].nparts;
		nsubnames += subs[i].ntopics;
	}
	if (rc != 0)
		goto out;
	counts = calloc(g->all_topics.n + 1, sizeof(*counts));
	st = calloc(g->all_topics.n + 1, sizeof(*st));
	owned = calloc(nown + 1, sizeof(*owned));
	subnames = calloc(nsubnames + 1, sizeof(*subnames));
	if (counts == NULL || st == NULL || owned == NULL || subnames == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	if (g->all_topics.n > 0 &&
	    (rc = group_metadata(g, (const char *const *)g->all_topics.v,
	    g->all_topics.n, counts)) != 0)
		goto out;
	for (i = 0; i < g->all_topics.n; i++) {
		st[i].name = g->all_topics.v[i];
		st[i].nparts = counts[i] > 0 ? counts[i] : 0;
		nparts_total += (size_t)st[i].nparts;
	}
	/* members: names point into all_topics, which outlives the assignor */
	nsubnames = nown = 0;
	for (i = 0; i < nm; i++) {
		sm[i].id = ids.v[i];
		sm[i].topics = subnames + nsubnames;
		sm[i].generation = subs[i].generation;
		for (j = 0; j < subs[i].ntopics; j++)
			subnames[nsubnames++] = g->all_topics.v[strs_find(&g->all_topics,
			    subs[i].topics[j].p, subs[i].topics[j].len)];
		sm[i].ntopics = subs[i].ntopics;
		sm[i].owned = owned + nown;
		for (j = 0; j < subs[i].nowned; j++) {
			long ti = strs_find(&g->all_topics, subs[i].owned[j].topic.p,
			    subs[i].owned[j].topic.len);

			if (ti < 0)
				continue;	/* nobody wants that topic now */
			for (k = 0; k < subs[i].owned[j].nparts; k++) {
				owned[nown].topic = g->all_topics.v[ti];
				owned[nown].partition = subs[i].owned[j].parts[k];
				nown++;
				sm[i].nowned++;
			}
		}
	}
	if ((rc = fl_sticky_assign(sm, nm, st, g->all_topics.n, &res)) != 0) {
		fl_warnx("group %s: assignor failed: %s", g->conf->group, fl_strerror(rc));
		rc = rc == FL_ENOMEM ? EX_OSERR : EX_SOFTWARE;
		goto out;
	}
	fl_warnx("group %s generation %" PRId32 ": leader: %zu members, %zu partitions "
	    "(kept %zu, moved %zu, fresh %zu)", g->conf->group, generation, nm,
	    nparts_total, res.nkept, res.nmoved, res.nfresh);
	/* one assignment per member, partitions grouped by topic */
	for (i = 0; i < nm && rc == 0; i++) {
		const struct fl_sticky_assigned *as = &res.members[i];
		struct fl_cp_tp_in *tps = calloc(as->nparts + 1, sizeof(*tps));
		int32_t *flat = calloc(as->nparts + 1, sizeof(*flat));
		size_t n = 0;

		if (tps == NULL || flat == NULL) {
			free(tps);
			free(flat);
			rc = EX_OSERR;
			break;
		}
		for (j = 0; j < as->nparts; j++) {
			const char *t = st[as->parts[j].topic].name;

			if (n == 0 || strcmp(tps[n - 1].topic, t) != 0) {
				tps[n].topic = t;
				tps[n].parts = flat + j;
				n++;
			}
			flat[j] = as->parts[j].partition;
			tps[n - 1].nparts++;
		}
		fl_wr_init(&(*bufs)[i], 64u << 20);
		if (fl_cp_asg_encode(&(*bufs)[i], tps, n) != 0)
			rc = EX_SOFTWARE;
		(*out)[i].assignment.p = (*bufs)[i].p;
		(*out)[i].assignment.len = (*bufs)[i].len;
		free(tps);
		free(flat);
	}
	if (rc != 0)
		goto out;
	/* the id strings move to the assignments (free_assignments frees them) */
	for (i = 0; i < nm; i++)
		(*out)[i].member_id = ids.v[i];
	free(ids.v);
	memset(&ids, 0, sizeof(ids));
	g->all_counts = counts;
	counts = NULL;
out:
	for (i = 0; subs != NULL && i < nm; i++)
		fl_cp_sub_free(&subs[i]);
	free(subs);
	free(sm);
	free(st);
	free(owned);
	free(subnames);
	free(counts);
	strs_free(&ids);
	fl_sticky_result_free(&res);
	return rc;
}

static void
free_assignments(struct fl_kc_sync_assignment *as, struct fl_wr *bufs, size_t n)
{
	size_t i;

	for (i = 0; as != NULL && i < n; i++)
		free((char *)as[i].member_id);
	for (i = 0; bufs != NULL && i < n; i++)
		fl_wr_free(&bufs[i]);
	free(as);
	free(bufs);
}

/* Take a new assignment: keep positions of partitions we keep; print it. */
static int
apply_assignment(struct grp *g, const uint8_t *p, size_t n, int32_t generation)
{
	struct fl_cp_asg asg;
	struct gpart *np;
	size_t i, j, k, total = 0, nn = 0, kept = 0, revoked = 0, added = 0;
	char line[4096];
	size_t off = 0;
	int rc;

	if ((rc = fl_cp_asg_decode(p, n, &asg)) != 0) {
		fl_warnx("group %s: unreadable assignment from the leader: %s",
		    g->conf->group, fl_strerror(rc));
		return EX_PROTOCOL;
	}
	for (i = 0; i < asg.ntps; i++)
		total += asg.tps[i].nparts;
	if ((np = calloc(total + 1, sizeof(*np))) == NULL) {
		fl_cp_asg_free(&asg);
		return EX_OSERR;
	}
	for (i = 0; i < asg.ntps; i++) {
		long si = sub_index(g->conf, asg.tps[i].topic.p, asg.tps[i].topic.len);

		if (si < 0) {
			fl_warnx("group %s: assigned topic %.*s we did not ask for; ignored",
			    g->conf->group, (int)asg.tps[i].topic.len,
			    (const char *)asg.tps[i].topic.p);
			continue;
		}
		for (j = 0; j < asg.tps[i].nparts; j++) {
			struct gpart *q = &np[nn];

			q->topic = (size_t)si;
			q->index = asg.tps[i].parts[j];
			q->offset = q->committed = -1;
			for (k = 0; k < g->nparts; k++)
				if (g->parts[k].topic == q->topic &&
				    g->parts[k].index == q->index) {
					*q = g->parts[k];
					q->is_eof = 0;
					kept++;
				}
			/* a duplicate in a foreign assignment: once is enough */
			for (k = 0; k < nn; k++)
				if (np[k].topic == q->topic && np[k].index == q->index)
					break;
			if (k == nn)
				nn++;
		}
	}
	fl_cp_asg_free(&asg);
	added = nn - kept;
	revoked = g->nparts - kept;
	free(g->parts);
	g->parts = np;
	g->nparts = nn;
	sort_parts(g);
	g->generation = generation;
	for (i = 0; i < g->nparts && off < sizeof(line); i++) {
		int w = snprintf(line + off, sizeof(line) - off, " %s:%" PRId32,
		    tname(g, &g->parts[i]), g->parts[i].index);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (off >= sizeof(line))
		snprintf(line + sizeof(line) - 5, 5, " ...");
	line[off < sizeof(line) ? off : sizeof(line) - 1] = '\0';
	fl_warnx("group %s generation %" PRId32 ": assigned%s (kept %zu, added %zu, "
	    "revoked %zu)", g->conf->group, generation, line, kept, added, revoked);
	return 0;
}

/*
 * One JoinGroup + SyncGroup round.  0 with a new assignment in place;
 * -1 to try again at once; a sysexits code.
 */
static int
join_once(struct grp *g)
{
	struct fl_wr meta;
	struct fl_kc_join_protocol proto;
	struct fl_kc_join_req jq;
	struct fl_kc_join_resp jr;
	struct fl_kc_sync_req sq;
	struct fl_kc_sync_resp sr;
	struct fl_kc_sync_assignment *as = NULL;
	struct fl_wr *bufs = NULL;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	int32_t generation;
	size_t nas = 0;
	int rc;

	if ((rc = ensure_coordinator(g)) != 0)
		return rc;
	fl_wr_init(&meta, 64u << 20);
	if ((rc = subscription(g, &meta)) != 0) {
		fl_wr_free(&meta);
		return rc;
	}
	proto.name = FL_STICKY_PROTOCOL;
	proto.metadata.p = meta.p;
	proto.metadata.len = meta.len;
	memset(&jq, 0, sizeof(jq));
	jq.group_id = g->conf->group;
	jq.session_timeout_ms = (int32_t)g->conf->session_ms;
	jq.rebalance_timeout_ms = (int32_t)g->conf->rebalance_ms;
	jq.member_id = g->member_id;
	jq.protocol_type = "consumer";
	jq.protocols = &proto;
	jq.nprotocols = 1;
	h = conn_hdr(&g->coord, FL_KC_JOIN_GROUP, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	rc = h.version < 0 ? FL_EINVAL : fl_kc_join_req_encode(&g->coord.k.w, &h, &jq);
	fl_wr_free(&meta);
	if (rc != 0) {
		fl_warnx("coordinator offers no JoinGroup v0-5");
		return EX_UNAVAILABLE;
	}
	/*
	 * The coordinator parks a JoinGroup until every member rejoined
	 * (up to the rebalance timeout, plus the initial delay for a new
	 * group): wait that long, and then some.
	 */
	rc = conn_call_ms(&g->cpool, &g->coord, &h, 1,
	    g->conf->rebalance_ms + g->conf->session_ms + g->conf->timeout_ms);
	if (rc == EX_UNAVAILABLE && !*g->conf->stop) {
		drop_coordinator(g);
		return -1;
	}
	if (rc != 0)
		return rc;
	rc = fl_kc_join_resp_decode(g->coord.k.resp, g->coord.k.resp_len, h.version, &a, &jr);
	if (rc != 0) {
		fl_arena_free(&a);
		return bad_resp(&g->coord, "JoinGroup", rc);
	}
	if (jr.error == 79 || jr.error == 0) {
		if (jr.member_id.len == 0 || jr.member_id.len >= sizeof(g->member_id)) {
			fl_arena_free(&a);
			fl_warnx("group %s: JoinGroup: unusable member id", g->conf->group);
			return EX_PROTOCOL;
		}
		memcpy(g->member_id, jr.member_id.p, jr.member_id.len);
		g->member_id[jr.member_id.len] = '\0';
	}
	if (jr.error != 0) {
		int16_t e = jr.error;

		fl_arena_free(&a);
		if (e == 79 || e == 27)
			return -1;		/* again, now (79: with the id given) */
		if (e == 25 || e == 22) {
			forget_membership(g);
			return -1;
		}
		if (is_coord_error(e)) {
			drop_coordinator(g);
			return -1;
		}
		fl_warnx("group %s: JoinGroup: %s (error %d)%s", g->conf->group,
		    fl_kerr_name(e), e, e == 23 ? ": another kind of client is in "
		    "this group (flume-cat offers only the flume-sticky assignor)" : "");
		return e == 26 ? EX_CONFIG : EX_UNAVAILABLE;
	}
	generation = jr.generation_id;
	g->is_leader = jr.leader.len == strlen(g->member_id) &&
	    memcmp(jr.leader.p, g->member_id, jr.leader.len) == 0;
	if (g->is_leader && !slice_is(jr.protocol_name, FL_STICKY_PROTOCOL)) {
		fl_arena_free(&a);
		fl_warnx("group %s: coordinator chose protocol %.*s, which we did not offer",
		    g->conf->group, (int)jr.protocol_name.len,
		    (const char *)jr.protocol_name.p);
		return EX_PROTOCOL;
	}
	if (g->is_leader) {
		rc = assign(g, &jr, generation, &as, &bufs);
		nas = jr.nmembers;
	}
	fl_arena_free(&a);
	if (rc != 0) {
		free_assignments(as, bufs, nas);
		return rc;
	}
	memset(&sq, 0, sizeof(sq));
	sq.group_id = g->conf->group;
	sq.generation_id = generation;
	sq.member_id = g->member_id;
	sq.assignments = as;
	sq.nassignments = nas;
	h = conn_hdr(&g->coord, FL_KC_SYNC_GROUP, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	rc = h.version < 0 ? FL_EINVAL : fl_kc_sync_req_encode(&g->coord.k.w, &h, &sq);
	free_assignments(as, bufs, nas);
	if (rc != 0) {
		fl_warnx("coordinator offers no SyncGroup v0-3");
		return EX_UNAVAILABLE;
	}
	/* a follower's SyncGroup waits for the leader's */
	rc = conn_call_ms(&g->cpool, &g->coord, &h, 1,
	    g->conf->rebalance_ms + g->conf->timeout_ms);
	if (rc == EX_UNAVAILABLE && !*g->conf->stop) {
		drop_coordinator(g);
		return -1;
	}
	if (rc != 0)
		return rc;
	rc = fl_kc_sync_resp_decode(g->coord.k.resp, g->coord.k.resp_len, h.version, &sr);
	if (rc != 0)
		return bad_resp(&g->coord, "SyncGroup", rc);
	if (sr.error != 0) {
		if (sr.error == 25)
			forget_membership(g);
		else if (is_coord_error(sr.error))
			drop_coordinator(g);
		else if (sr.error != 27 && sr.error != 22) {
			fl_warnx("group %s: SyncGroup: %s (error %d)", g->conf->group,
			    fl_kerr_name(sr.error), sr.error);
			return EX_UNAVAILABLE;
		}
		return -1;
	}
	return apply_assignment(g, sr.assignment.p, sr.assignment.len, generation);
}

static int
rejoin(struct grp *g)
{
	int tries = 0, rc;

	for (;;) {
		if (*g->conf->stop)
			return 0;
		rc = join_once(g);
		if (rc != -1)
			break;
		if (++tries >= JOIN_TRIES_MAX) {
			fl_warnx("group %s: gave up after %d attempts to join",
			    g->conf->group, tries);
			return EX_UNAVAILABLE;
		}
		/* a rebalance storm should not spin: short, growing pause */
		if (tries > 2 && cat_sleep_ms(g->conf, tries > 10 ? 1000 : 100 * tries))
			return 0;
	}
	if (rc != 0)
		return rc;
	g->need_rejoin = 0;
	g->has_assignment = 1;
	{
		int32_t counts[CAT_TOPICS_MAX];	/* only the leaders matter here */

		if ((rc = group_metadata(g, g->conf->topics, g->conf->ntopics, counts)) != 0)
			return rc;
	}
	if ((rc = fetch_committed(g)) == EX_TEMPFAIL) {
		g->need_rejoin = 1;	/* coordinator moved: start over */
		rc = 0;
	}
	g->next_hb_ms = fl_clock_ms() + g->conf->heartbeat_ms;
	g->next_leader_check_ms = fl_clock_ms() + LEADER_CHECK_MS;
	return rc;
}

/* ---- heartbeat, leave ---- */

static int
heartbeat(struct grp *g)
{
	struct fl_kc_heartbeat_req req = { g->conf->group, g->generation, g->member_id, NULL };
	struct fl_kc_simple_resp r;
	struct fl_kc_hdr h;
	int rc;

	if ((rc = ensure_coordinator(g)) != 0)
		return rc;
	h = conn_hdr(&g->coord, FL_KC_HEARTBEAT, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	if (h.version < 0 || fl_kc_heartbeat_req_encode(&g->coord.k.w, &h, &req) != 0)
		return EX_UNAVAILABLE;
	rc = conn_call(&g->cpool, &g->coord, &h, 1);
	if (rc == EX_UNAVAILABLE && !*g->conf->stop) {
		drop_coordinator(g);
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = fl_kc_heartbeat_resp_decode(g->coord.k.resp, g->coord.k.resp_len,
	    h.version, &r)) != 0)
		return bad_resp(&g->coord, "Heartbeat", rc);
	switch (r.error) {
	case 0:
		break;
	case 25:
		forget_membership(g);
		g->need_rejoin = 1;
		break;
	case 22:
	case 27:
		g->need_rejoin = 1;
		break;
	default:
		if (is_coord_error(r.error)) {
			drop_coordinator(g);
			break;
		}
		fl_warnx("group %s: Heartbeat: %s (error %d)", g->conf->group,
		    fl_kerr_name(r.error), r.error);
		return EX_UNAVAILABLE;
	}
	return 0;
}

static void
leave(struct grp *g)
{
	struct fl_kc_leave_req req = { g->conf->group, g->member_id, NULL };
	struct fl_kc_leave_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;

	if (g->member_id[0] == '\0' || !g->has_coord ||
	    conn_ensure(&g->cpool, &g->coord) != 0)
		return;
	h = conn_hdr(&g->coord, FL_KC_LEAVE_GROUP, g->conf->client_id);
	fl_wr_reset(&g->coord.k.w);
	if (h.version < 0 || fl_kc_leave_req_encode(&g->coord.k.w, &h, &req) != 0)
		return;
	if (conn_call(&g->cpool, &g->coord, &h, 1) != 0)
		return;
	if (fl_kc_leave_resp_decode(g->coord.k.resp, g->coord.k.resp_len, h.version, &a, &r) == 0 &&
	    r.error != 0 && r.error != 25)
		fl_warnx("group %s: LeaveGroup: %s (error %d)", g->conf->group,
		    fl_kerr_name(r.error), r.error);
	fl_arena_free(&a);
}

/* ---- fetching ---- */

static struct gpart *
find_part(struct grp *g, struct fl_slice topic, int32_t index)
{
	long si = sub_index(g->conf, topic.p, topic.len);
	size_t i;

	for (i = 0; si >= 0 && i < g->nparts; i++)
		if (g->parts[i].topic == (size_t)si && g->parts[i].index == index)
			return &g->parts[i];
	return NULL;
}

/* One Fetch to leader c for the partitions it leads. */
static int
fetch_from(struct grp *g, struct conn *c, int32_t wait_ms, int *is_retry)
{
	const struct cat_conf *conf = g->conf;
	struct fl_kc_fetch_topic *ft = calloc(g->nparts + 1, sizeof(*ft));
	struct fl_kc_fetch_part *fp = calloc(g->nparts + 1, sizeof(*fp));
	struct fl_kc_fetch_req req;
	struct fl_kc_fetch_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	size_t i, j, nt = 0, np = 0;
	int rc = 0;

	if (ft == NULL || fp == NULL) {
		free(ft);
		free(fp);
		return EX_OSERR;
	}
	for (i = 0; i < g->nparts; i++) {
		struct gpart *p = &g->parts[i];

		if (p->leader != c || p->offset < 0 || (conf->is_exit_eof && p->is_eof))
			continue;
		if (nt == 0 || strcmp(ft[nt - 1].name, tname(g, p)) != 0) {
			ft[nt].name = tname(g, p);
			ft[nt].parts = fp + np;
			nt++;
		}
		fp[np].index = p->index;
		fp[np].fetch_offset = p->offset;
		fp[np].max_bytes = PART_FETCH_BYTES_MAX;
		np++;
		ft[nt - 1].nparts++;
	}
	if (np == 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.max_wait_ms = wait_ms;
	req.min_bytes = 1;
	req.max_bytes = FETCH_BYTES_MAX;
	req.isolation_level = 1;
	req.topics = ft;
	req.ntopics = nt;
	h = conn_hdr(c, FL_KC_FETCH, conf->client_id);
	fl_wr_reset(&c->k.w);
	if (h.version < 0 || fl_kc_fetch_req_encode(&c->k.w, &h, &req) != 0) {
		fl_warnx("%s:%s: broker does not offer Fetch v4-11", c->k.host, c->k.port);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	rc = conn_call(&g->pool, c, &h, 1);
	if (rc == EX_UNAVAILABLE) {
		*is_retry = 1;
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	if ((rc = fl_kc_fetch_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r)) != 0) {
		rc = bad_resp(c, "Fetch", rc);
		goto out;
	}
	if (r.error != 0)
		*is_retry = 1;
	for (i = 0; rc == 0 && i < r.ntopics; i++) {
		for (j = 0; rc == 0 && j < r.topics[i].nparts; j++) {
			const struct fl_kc_fetch_part_resp *pd = &r.topics[i].parts[j];
			struct gpart *p = find_part(g, r.topics[i].name, pd->index);
			int64_t end;

			if (p == NULL)
				continue;
			if (pd->error == FL_KERR_OFFSET_OUT_OF_RANGE) {
				fl_warnx("%s [%d]: offset %lld is out of range; resetting "
				    "per -o", tname(g, p), p->index, (long long)p->offset);
				if (reset_offset(g, p) != 0)
					*is_retry = 1;
				continue;
			}
			if (pd->error != 0) {
				if (!fl_kerr_is_retriable(pd->error)) {
					fl_warnx("%s [%d]: fetch: %s (error %d)", tname(g, p),
					    p->index, fl_kerr_name(pd->error), pd->error);
					rc = cat_kerr_exit(pd->error);
					break;
				}
				*is_retry = 1;
				continue;
			}
			if (pd->records.p != NULL)
				rc = cat_records(conf, &g->fmt, tname(g, p), p->index,
				    pd->records, &p->offset, &g->count);
			end = pd->last_stable_offset >= 0 ? pd->last_stable_offset :
			    pd->high_watermark;
			p->is_eof = p->offset >= end;
		}
	}
	fl_arena_free(&a);
out:
	free(ft);
	free(fp);
	return rc;
}

static int
is_count_done(const struct grp *g)
{
	return g->conf->count_max >= 0 && g->count >= g->conf->count_max;
}

static int
is_all_eof(const struct grp *g)
{
	size_t i;

	for (i = 0; i < g->nparts; i++)
		if (!g->parts[i].is_eof)
			return 0;
	return 1;
}

/* Leader: did a subscribed topic gain partitions (or appear)?  Then rejoin. */
static int
leader_check(struct grp *g)
{
	int32_t *now;
	size_t i;
	int rc;

	if (!g->is_leader || g->all_topics.n == 0 || g->all_counts == NULL)
		return 0;
	if ((now = calloc(g->all_topics.n, sizeof(*now))) == NULL)
		return EX_OSERR;
	rc = group_metadata(g, (const char *const *)g->all_topics.v, g->all_topics.n, now);
	for (i = 0; rc == 0 && i < g->all_topics.n; i++)
		if (now[i] >= 0 && now[i] != (g->all_counts[i] > 0 ? g->all_counts[i] : 0)) {
			fl_warnx("group %s: topic %s now has %d partitions; rebalancing",
			    g->conf->group, g->all_topics.v[i], (int)now[i]);
			g->need_rejoin = 1;
			break;
		}
	free(now);
	return rc == EX_UNAVAILABLE ? 0 : rc;
}

static int
loop(struct grp *g)
{
	const struct cat_conf *conf = g->conf;
	int64_t retry_since = -1, backoff_ms = 50;
	int rc = 0;

	g->next_commit_ms = fl_clock_ms() + conf->commit_ms;
	while (!*conf->stop && !is_count_done(g)) {
		int is_retry = 0;
		int64_t now, wait_ms;
		size_t i;

		if (g->need_rejoin) {
			if ((rc = commit(g)) != 0)
				break;
			if ((rc = rejoin(g)) != 0 || *conf->stop)
				break;
			continue;
		}
		now = fl_clock_ms();
		wait_ms = g->next_hb_ms - now;
		if (g->next_commit_ms - now < wait_ms)
			wait_ms = g->next_commit_ms - now;
		if (wait_ms > FETCH_WAIT_MS)
			wait_ms = FETCH_WAIT_MS;
		if (wait_ms < 0 || conf->is_exit_eof)
			wait_ms = 0;
		for (i = 0; i < g->pool.n && rc == 0 && !is_count_done(g); i++)
			if (g->pool.c[i].k.fd >= 0)
				rc = fetch_from(g, &g->pool.c[i], (int32_t)wait_ms, &is_retry);
		if (rc == 0)
			rc = cat_out_flush();
		if (rc != 0)
			break;
		/* nothing to fetch (no partitions, or all at -e's end): do not spin */
		for (i = 0; i < g->nparts; i++)
			if (g->parts[i].offset < 0 || g->parts[i].leader == NULL ||
			    g->parts[i].leader->k.fd < 0)
				is_retry = 1;
		if (conf->is_exit_eof && g->has_assignment && is_all_eof(g) && !is_retry)
			break;
		now = fl_clock_ms();
		if (now >= g->next_hb_ms) {
			if ((rc = heartbeat(g)) != 0)
				break;
			g->next_hb_ms = now + conf->heartbeat_ms;
		}
		if (now >= g->next_commit_ms) {
			if ((rc = commit(g)) != 0)
				break;
			g->next_commit_ms = now + conf->commit_ms;
		}
		if (now >= g->next_leader_check_ms) {
			if ((rc = leader_check(g)) != 0)
				break;
			g->next_leader_check_ms = now + LEADER_CHECK_MS;
		}
		if (g->nparts == 0 && !g->need_rejoin) {
			/* an idle member only heartbeats */
			int64_t nap = g->next_hb_ms - fl_clock_ms();

			if (nap > 0 && cat_sleep_ms(conf, nap > 200 ? 200 : nap))
				break;
			continue;
		}
		if (!is_retry) {
			retry_since = -1;
			backoff_ms = 50;
			continue;
		}
		if (retry_since < 0)
			retry_since = fl_clock_ms();
		if (fl_clock_ms() - retry_since > conf->timeout_ms) {
			fl_warnx("group %s: fetching has failed for %lld ms", conf->group,
			    (long long)conf->timeout_ms);
			rc = EX_UNAVAILABLE;
			break;
		}
		if (cat_sleep_ms(conf, backoff_ms))
			break;
		backoff_ms = backoff_ms < 1000 ? backoff_ms * 2 : backoff_ms;
		{
			int32_t counts[CAT_TOPICS_MAX];

			if ((rc = group_metadata(g, conf->topics, conf->ntopics, counts)) != 0 &&
			    rc != EX_UNAVAILABLE)
				break;
			rc = 0;
		}
		for (i = 0; i < g->nparts; i++)
			if (g->parts[i].offset < 0 && g->parts[i].leader != NULL)
				(void)reset_offset(g, &g->parts[i]);
	}
	return rc;
}

int
cat_group(const struct cat_conf *conf)
{
	struct grp g;
	struct stat st;
	int rc, rc2;

	memset(&g, 0, sizeof(g));
	g.conf = conf;
	g.generation = -1;
	g.cconf = *conf;
	pool_init(&g.pool, conf);
	pool_init(&g.cpool, &g.cconf);
	if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		g.pool.watch_fd = STDOUT_FILENO;
	rc = cat_fmt_init(&g.fmt, conf);
	if (rc == 0) {
		struct conn *boot;

		rc = pool_bootstrap(&g.pool, &boot);
	}
	if (rc == 0) {
		g.need_rejoin = 1;
		rc = loop(&g);
		/* a call cut short by SIGINT/SIGTERM is a stop, not an outage */
		if (rc == EX_UNAVAILABLE && *conf->stop)
			rc = 0;
	}
	/*
	 * Shutdown: commit what was printed, then leave so the others need
	 * not wait for our session to expire.  These calls must run even
	 * though the stop flag is set.
	 */
	g.cconf.stop = &g.no_stop;
	(void)cat_out_flush();
	if (g.member_id[0] != '\0') {
		g.need_rejoin = 0;
		/* a call the signal cut short closed the connection: open it again */
		if (g.has_coord)
			(void)conn_ensure(&g.cpool, &g.coord);
		rc2 = commit(&g);
		/*
		 * Stopped by a signal, a commit the group refuses (it is
		 * rebalancing as members leave) is no failure of ours: the
		 * records are delivered again, as Kafka's at-least-once allows.
		 */
		if (rc2 != 0 && rc2 != CAT_EPIPE && *conf->stop)
			fl_warnx("group %s: the final commit failed; uncommitted "
			    "records will be delivered again", conf->group);
		else if (rc == 0 && rc2 != 0 && rc2 != CAT_EPIPE)
			rc = rc2;
		leave(&g);
	}
	if (g.has_coord)
		conn_free(&g.coord);
	free(g.parts);
	free(g.all_counts);
	strs_free(&g.all_topics);
	cat_fmt_free(&g.fmt);
	pool_free(&g.pool);
	return rc;
}
