/*
 * group.c: the consumer-group coordinator state machine.
 *
 * Memory rule that keeps the borrowed answers safe: anything a response may
 * point at (member ids, metadata, assignments, the leader and protocol
 * strings) is never freed during the call that produced the response; it
 * is moved to g->scratch and freed when the next call starts.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "sm/group.h"

struct proto {
	char *name;
	uint8_t *meta;
	size_t len;
};

struct fl_grp_member {
	char *id, *instance_id, *client_id, *client_host;
	int32_t session_ms, rebalance_ms;
	struct proto protos[FL_GRP_PROTOCOLS_MAX];
	size_t nproto;
	uint8_t *assignment;
	size_t assignment_len;
	uint64_t last_heard_ms;
	int has_join, has_sync;
	uint64_t join_token, sync_token;
};

struct pending {
	char *id;
	uint64_t expire_ms;
};

struct fl_grp_group {
	char *id;
	enum fl_grp_state state;
	int32_t generation;
	char *protocol_type, *protocol, *leader;
	struct fl_grp_member **m;	/* in join order */
	size_t nm, mcap;
	struct pending *pend;
	size_t npend, pcap;
	uint64_t join_deadline_ms;	/* PreparingRebalance: when the join phase ends */
	uint64_t join_hard_ms;		/* ... and never later than this */
	uint64_t sync_deadline_ms;	/* CompletingRebalance: the leader must sync by */
	int is_round_from_empty;
};

void
fl_grp_config_default(struct fl_grp_config *cfg)
{
	cfg->session_ms_min = 6000;
	cfg->session_ms_max = 1800000;
	cfg->initial_delay_ms = 3000;
	cfg->members_max = 1000;
	cfg->groups_max = 10000;
	cfg->metadata_bytes_max = 1u << 20;
}

void
fl_grp_init(struct fl_grp *g, const struct fl_grp_config *cfg)
{
	memset(g, 0, sizeof(*g));
	if (cfg)
		g->cfg = *cfg;
	else
		fl_grp_config_default(&g->cfg);
}

/* ---- small helpers ---- */

static int
later(struct fl_grp *g, void *p)
{
	if (p == NULL)
		return 0;
	if (g->nscratch == g->scratch_cap) {
		size_t ncap = g->scratch_cap ? g->scratch_cap * 2 : 32;
		char **ns = realloc(g->scratch, ncap * sizeof(*ns));

		if (ns == NULL) {
			/* cannot defer: leak rather than risk a dangling answer */
			return FL_ENOMEM;
		}
		g->scratch = ns;
		g->scratch_cap = ncap;
	}
	g->scratch[g->nscratch++] = p;
	return 0;
}

static void
begin_call(struct fl_grp *g)
{
	size_t i;

	for (i = 0; i < g->nscratch; i++)
		free(g->scratch[i]);
	g->nscratch = 0;
	g->nout = 0;
	g->nviews = 0;
}


static int
seq(const char *a, struct fl_slice s)
{
	return a != NULL && s.p != NULL && strlen(a) == s.len && memcmp(a, s.p, s.len) == 0;
}

/* Replace *field by a copy of s (or of text), deferring the old string. */
static int
set_str(struct fl_grp *g, char **field, const char *text)
{
	char *n = strdup(text ? text : "");

	if (n == NULL)
		return FL_ENOMEM;
	later(g, *field);
	*field = n;
	return 0;
}

static struct fl_grp_resp *
out_push(struct fl_grp *g, uint64_t token, enum fl_grp_resp_kind kind, int16_t error)
{
	struct fl_grp_resp *r;

	if (g->nout == g->out_cap) {
		size_t ncap = g->out_cap ? g->out_cap * 2 : 16;
		struct fl_grp_resp *no = realloc(g->out, ncap * sizeof(*no));

		if (no == NULL)
			return NULL;
		g->out = no;
		g->out_cap = ncap;
	}
	r = &g->out[g->nout++];
	memset(r, 0, sizeof(*r));
	r->token = token;
	r->kind = kind;
	r->error = error;
	r->generation = -1;
	r->protocol = r->leader = r->member_id = r->protocol_type = "";
	r->assignment = (const uint8_t *)"";
	return r;
}

/* An immediate JoinGroup error; member_id echoes the request's. */
static int
join_error(struct fl_grp *g, const struct fl_grp_join_req *req, int16_t error)
{
	struct fl_grp_resp *r = out_push(g, req->token, FL_GRP_RESP_JOIN, error);
	char *id;

	if (r == NULL)
		return FL_ENOMEM;
	id = fl_slice_dup(req->member_id);
	if (id == NULL || later(g, id) != 0) {
		free(id);
		return FL_ENOMEM;
	}
	r->member_id = id;
	return error;
}

static int
sync_answer(struct fl_grp *g, uint64_t token, int16_t error, const struct fl_grp_member *m)
{
	struct fl_grp_resp *r = out_push(g, token, FL_GRP_RESP_SYNC, error);

	if (r == NULL)
		return FL_ENOMEM;
	if (error == 0 && m != NULL && m->assignment != NULL) {
		r->assignment = m->assignment;
		r->assignment_len = m->assignment_len;
	}
	return error;
}

/* A successful SyncGroup answer: m's assignment, the group's protocol. */
static int
sync_ok(struct fl_grp *g, const struct fl_grp_group *gr, uint64_t token,
    const struct fl_grp_member *m)
{
	int rc = sync_answer(g, token, 0, m);

	if (rc == 0) {
		g->out[g->nout - 1].protocol_type = gr->protocol_type;
		g->out[g->nout - 1].protocol = gr->protocol;
	}
	return rc;
}

static struct fl_grp_group *
group_find(const struct fl_grp *g, struct fl_slice id, size_t *at)
{
	size_t lo = 0, hi = g->ngroups;

	/* groups are kept sorted by id for ListGroups and lookups */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *gid = g->groups[mid]->id;
		size_t gl = strlen(gid), n = gl < id.len ? gl : id.len;
		int c = n ? memcmp(gid, id.p, n) : 0;

		if (c == 0)
			c = gl < id.len ? -1 : gl > id.len;
		if (c == 0) {
			if (at)
				*at = mid;
			return g->groups[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return NULL;
}

static struct fl_grp_group *
group_get(struct fl_grp *g, struct fl_slice id, int *err)
{
	struct fl_grp_group *gr;
	size_t at;

	*err = 0;
	if ((gr = group_find(g, id, &at)) != NULL)
		return gr;
	if (g->ngroups >= g->cfg.groups_max) {
		*err = FL_KERR_COORDINATOR_NOT_AVAILABLE;
		return NULL;
	}
	if (g->ngroups == g->groups_cap) {
		size_t ncap = g->groups_cap ? g->groups_cap * 2 : 16;
		struct fl_grp_group **ng = realloc(g->groups, ncap * sizeof(*ng));

		if (ng == NULL) {
			*err = FL_ENOMEM;
			return NULL;
		}
		g->groups = ng;
		g->groups_cap = ncap;
	}
	gr = calloc(1, sizeof(*gr));
	if (gr == NULL || (gr->id = fl_slice_dup(id)) == NULL ||
	    (gr->protocol_type = strdup("")) == NULL ||
	    (gr->protocol = strdup("")) == NULL || (gr->leader = strdup("")) == NULL) {
		if (gr) {
			free(gr->id);
			free(gr->protocol_type);
			free(gr->protocol);
		}
		free(gr);
		*err = FL_ENOMEM;
		return NULL;
	}
	gr->state = FL_GRP_EMPTY;
	memmove(g->groups + at + 1, g->groups + at, (g->ngroups - at) * sizeof(*g->groups));
	g->groups[at] = gr;
	g->ngroups++;
	return gr;
}

static struct fl_grp_member *
member_find(const struct fl_grp_group *gr, struct fl_slice id, size_t *at)
{
	size_t i;

	for (i = 0; i < gr->nm; i++)
		if (seq(gr->m[i]->id, id)) {
			if (at)
				*at = i;
			return gr->m[i];
		}
	return NULL;
}

static struct fl_grp_member *
member_by_instance(const struct fl_grp_group *gr, struct fl_slice inst)
{
	size_t i;

	if (inst.p == NULL)
		return NULL;
	for (i = 0; i < gr->nm; i++)
		if (gr->m[i]->instance_id != NULL && seq(gr->m[i]->instance_id, inst))
			return gr->m[i];
	return NULL;
}

static void
protos_defer(struct fl_grp *g, struct fl_grp_member *m)
{
	size_t i;

	for (i = 0; i < m->nproto; i++) {
		later(g, m->protos[i].name);
		later(g, m->protos[i].meta);
	}
	m->nproto = 0;
}

/* Take a copy of the request's protocols into m (deferring the old ones). */
static int
protos_set(struct fl_grp *g, struct fl_grp_member *m, const struct fl_grp_join_req *req)
{
	struct proto np[FL_GRP_PROTOCOLS_MAX];
	size_t i;

	memset(np, 0, sizeof(np));
	for (i = 0; i < req->nprotocols; i++) {
		const struct fl_grp_protocol *p = &req->protocols[i];

		np[i].name = fl_slice_dup(p->name);
		np[i].meta = malloc(p->metadata.len ? p->metadata.len : 1);
		if (np[i].name == NULL || np[i].meta == NULL) {
			size_t j;

			for (j = 0; j <= i; j++) {
				free(np[j].name);
				free(np[j].meta);
			}
			return FL_ENOMEM;
		}
		if (p->metadata.len)
			memcpy(np[i].meta, p->metadata.p, p->metadata.len);
		np[i].len = p->metadata.len;
	}
	protos_defer(g, m);
	memcpy(m->protos, np, sizeof(np));
	m->nproto = req->nprotocols;
	return 0;
}

static int
protos_equal(const struct fl_grp_member *m, const struct fl_grp_join_req *req)
{
	size_t i;

	if (m->nproto != req->nprotocols)
		return 0;
	for (i = 0; i < m->nproto; i++) {
		const struct fl_grp_protocol *p = &req->protocols[i];

		if (!seq(m->protos[i].name, p->name) || m->protos[i].len != p->metadata.len ||
		    (p->metadata.len && memcmp(m->protos[i].meta, p->metadata.p, p->metadata.len)))
			return 0;
	}
	return 1;
}

static int
member_supports(const struct fl_grp_member *m, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < m->nproto; i++)
		if (strlen(m->protos[i].name) == len && memcmp(m->protos[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* Remove member i, answering its parked requests with UNKNOWN_MEMBER_ID. */
static void
member_remove(struct fl_grp *g, struct fl_grp_group *gr, size_t i)
{
	struct fl_grp_member *m = gr->m[i];

	if (m->has_join) {
		struct fl_grp_resp *r = out_push(g, m->join_token, FL_GRP_RESP_JOIN,
		    FL_KERR_UNKNOWN_MEMBER_ID);

		if (r)
			r->member_id = m->id;
	}
	if (m->has_sync)
		sync_answer(g, m->sync_token, FL_KERR_UNKNOWN_MEMBER_ID, NULL);
	protos_defer(g, m);
	later(g, m->id);
	later(g, m->instance_id);
	later(g, m->client_id);
	later(g, m->client_host);
	later(g, m->assignment);
	later(g, m);
	memmove(gr->m + i, gr->m + i + 1, (gr->nm - i - 1) * sizeof(*gr->m));
	gr->nm--;
}

static int32_t
max_rebalance_ms(const struct fl_grp_group *gr)
{
	int32_t mx = 0;
	size_t i;

	for (i = 0; i < gr->nm; i++)
		if (gr->m[i]->rebalance_ms > mx)
			mx = gr->m[i]->rebalance_ms;
	return mx;
}

static void
to_empty(struct fl_grp_group *gr)
{
	gr->state = FL_GRP_EMPTY;
	gr->join_deadline_ms = gr->join_hard_ms = gr->sync_deadline_ms = 0;
}

/* Start a rebalance round (PreparingRebalance). */
static void
prepare(struct fl_grp *g, struct fl_grp_group *gr, uint64_t now_ms, int was_empty)
{
	size_t i;

	if (gr->state == FL_GRP_COMPLETING_REBALANCE) {
		for (i = 0; i < gr->nm; i++)
			if (gr->m[i]->has_sync) {
				gr->m[i]->has_sync = 0;
				sync_answer(g, gr->m[i]->sync_token, FL_KERR_REBALANCE_IN_PROGRESS, NULL);
			}
	}
	if (gr->state == FL_GRP_PREPARING_REBALANCE)
		return;
	gr->state = FL_GRP_PREPARING_REBALANCE;
	gr->sync_deadline_ms = 0;
	gr->is_round_from_empty = was_empty;
	if (was_empty) {
		gr->join_hard_ms = now_ms + (uint64_t)max_rebalance_ms(gr);
		gr->join_deadline_ms = now_ms + (uint64_t)g->cfg.initial_delay_ms;
		if (gr->join_deadline_ms > gr->join_hard_ms)
			gr->join_deadline_ms = gr->join_hard_ms;
	} else {
		gr->join_deadline_ms = gr->join_hard_ms = now_ms + (uint64_t)max_rebalance_ms(gr);
	}
}

/* The protocol all members support that gets the most first-choice votes. */
static const char *
choose_protocol(const struct fl_grp_group *gr)
{
	const struct fl_grp_member *lead = gr->m[0];
	const char *best = NULL;
	size_t i, j, best_votes = 0;

	for (i = 0; i < gr->nm; i++)
		if (strcmp(gr->m[i]->id, gr->leader) == 0)
			lead = gr->m[i];
	/* candidates in the leader's order of preference, so ties are stable */
	for (i = 0; i < lead->nproto; i++) {
		const char *cand = lead->protos[i].name;
		size_t votes = 0, cl = strlen(cand);

		for (j = 0; j < gr->nm; j++)
			if (!member_supports(gr->m[j], cand, cl))
				break;
		if (j < gr->nm)
			continue;
		for (j = 0; j < gr->nm; j++) {
			const struct fl_grp_member *m = gr->m[j];
			size_t k;

			for (k = 0; k < m->nproto; k++) {
				size_t a;

				for (a = 0; a < lead->nproto; a++)
					if (strcmp(m->protos[k].name, lead->protos[a].name) == 0)
						break;
				/* first of m's protocols that everyone supports */
				if (a < lead->nproto) {
					size_t b;

					for (b = 0; b < gr->nm; b++)
						if (!member_supports(gr->m[b], m->protos[k].name,
						    strlen(m->protos[k].name)))
							break;
					if (b == gr->nm) {
						if (strcmp(m->protos[k].name, cand) == 0)
							votes++;
						break;
					}
				}
			}
		}
		if (best == NULL || votes > best_votes) {
			best = cand;
			best_votes = votes;
		}
	}
	return best;
}

static const struct proto *
member_proto(const struct fl_grp_member *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nproto; i++)
		if (strcmp(m->protos[i].name, name) == 0)
			return &m->protos[i];
	return NULL;
}

/* Answer one member's join with the group's current generation. */
static int
join_answer(struct fl_grp *g, struct fl_grp_group *gr, struct fl_grp_member *m, uint64_t token)
{
	struct fl_grp_resp *r = out_push(g, token, FL_GRP_RESP_JOIN, 0);
	size_t i;

	if (r == NULL)
		return FL_ENOMEM;
	r->generation = gr->generation;
	r->protocol = gr->protocol;
	r->protocol_type = gr->protocol_type;
	r->leader = gr->leader;
	r->member_id = m->id;
	if (strcmp(m->id, gr->leader) != 0)
		return 0;
	/* the leader gets everyone's metadata for the chosen protocol */
	if (g->views_cap - g->nviews < gr->nm) {
		size_t ncap = g->nviews + gr->nm + 16;
		struct fl_grp_member_view *nv = realloc(g->views, ncap * sizeof(*nv));

		if (nv == NULL)
			return FL_ENOMEM;
		g->views = nv;
		g->views_cap = ncap;
	}
	/* views may move on a later realloc: store the index now, fix up at the end */
	r->members = (const struct fl_grp_member_view *)(uintptr_t)(g->nviews + 1);
	r->nmembers = gr->nm;
	for (i = 0; i < gr->nm; i++) {
		const struct proto *p = member_proto(gr->m[i], gr->protocol);
		struct fl_grp_member_view *v = &g->views[g->nviews++];

		v->member_id = gr->m[i]->id;
		v->instance_id = gr->m[i]->instance_id;
		v->metadata = p ? p->meta : (const uint8_t *)"";
		v->metadata_len = p ? p->len : 0;
	}
	return 0;
}

static void
end_call(struct fl_grp *g)
{
	size_t i;

	for (i = 0; i < g->nout; i++)
		if (g->out[i].nmembers > 0 && g->out[i].members != NULL)
			g->out[i].members = g->views + ((uintptr_t)g->out[i].members - 1);
}

/* End the join phase: drop members that did not rejoin, elect, answer. */
static int
complete_join(struct fl_grp *g, struct fl_grp_group *gr, uint64_t now_ms)
{
	const char *proto;
	size_t i;
	int rc;

	for (i = gr->nm; i-- > 0;)
		if (!gr->m[i]->has_join)
			member_remove(g, gr, i);
	gr->join_deadline_ms = gr->join_hard_ms = 0;
	if (gr->nm == 0) {
		to_empty(gr);
		return 0;
	}
	gr->generation++;
	if (member_find(gr, (struct fl_slice){ (const uint8_t *)gr->leader,
	    strlen(gr->leader) }, NULL) == NULL && (rc = set_str(g, &gr->leader, gr->m[0]->id)) != 0)
		return rc;
	proto = choose_protocol(gr);
	if ((rc = set_str(g, &gr->protocol, proto ? proto : "")) != 0)
		return rc;
	gr->state = FL_GRP_COMPLETING_REBALANCE;
	gr->sync_deadline_ms = now_ms + (uint64_t)max_rebalance_ms(gr);
	for (i = 0; i < gr->nm; i++) {
		struct fl_grp_member *m = gr->m[i];

		m->has_join = 0;
		m->last_heard_ms = now_ms;
		later(g, m->assignment);
		m->assignment = NULL;
		m->assignment_len = 0;
		if ((rc = join_answer(g, gr, m, m->join_token)) != 0)
			return rc;
	}
	return 0;
}

/* Can the join phase end early (everyone rejoined, nobody pending)? */
static int
maybe_complete(struct fl_grp *g, struct fl_grp_group *gr, uint64_t now_ms)
{
	size_t i;

	if (gr->state != FL_GRP_PREPARING_REBALANCE || gr->is_round_from_empty || gr->npend > 0)
		return 0;
	for (i = 0; i < gr->nm; i++)
		if (!gr->m[i]->has_join)
			return 0;
	return complete_join(g, gr, now_ms);
}

static int
pending_take(struct fl_grp_group *gr, struct fl_slice id)
{
	size_t i;

	for (i = 0; i < gr->npend; i++)
		if (seq(gr->pend[i].id, id)) {
			free(gr->pend[i].id);
			gr->pend[i] = gr->pend[--gr->npend];
			return 1;
		}
	return 0;
}

static int
pending_add(struct fl_grp_group *gr, char *id, uint64_t expire_ms)
{
	if (gr->npend == gr->pcap) {
		size_t ncap = gr->pcap ? gr->pcap * 2 : 8;
		struct pending *np = realloc(gr->pend, ncap * sizeof(*np));

		if (np == NULL)
			return FL_ENOMEM;
		gr->pend = np;
		gr->pcap = ncap;
	}
	gr->pend[gr->npend].id = id;
	gr->pend[gr->npend].expire_ms = expire_ms;
	gr->npend++;
	return 0;
}

/* clientId + "-" + 32 hex digits from the caller's random bytes. */
static char *
new_member_id(struct fl_slice client_id, const uint8_t rnd[FL_GRP_MEMBER_ID_RANDOM])
{
	static const char hex[] = "0123456789abcdef";
	size_t cl = client_id.p ? client_id.len : 0, i;
	char *id;

	if (cl > FL_GRP_ID_BYTES_MAX - 2 * FL_GRP_MEMBER_ID_RANDOM - 1)
		cl = FL_GRP_ID_BYTES_MAX - 2 * FL_GRP_MEMBER_ID_RANDOM - 1;
	id = malloc(cl + 1 + 2 * FL_GRP_MEMBER_ID_RANDOM + 1);
	if (id == NULL)
		return NULL;
	if (cl)
		memcpy(id, client_id.p, cl);
	id[cl] = '-';
	for (i = 0; i < FL_GRP_MEMBER_ID_RANDOM; i++) {
		id[cl + 1 + 2 * i] = hex[rnd[i] >> 4];
		id[cl + 2 + 2 * i] = hex[rnd[i] & 15];
	}
	id[cl + 1 + 2 * FL_GRP_MEMBER_ID_RANDOM] = '\0';
	return id;
}

/*
 * The rebalance timeout a member gets: its own (v0: its session timeout),
 * but no longer than the longest session allowed, so a member parked in a
 * join whose client is gone cannot hold a round open for weeks.
 */
static int32_t
rebalance_of(const struct fl_grp *g, const struct fl_grp_join_req *req)
{
	int32_t ms = req->rebalance_ms > 0 ? req->rebalance_ms : req->session_ms;

	return ms < g->cfg.session_ms_max ? ms : g->cfg.session_ms_max;
}

static struct fl_grp_member *
member_add(struct fl_grp *g, struct fl_grp_group *gr, char *id,
    const struct fl_grp_join_req *req, uint64_t now_ms)
{
	struct fl_grp_member *m;

	if (gr->nm == gr->mcap) {
		size_t ncap = gr->mcap ? gr->mcap * 2 : 8;
		struct fl_grp_member **nm = realloc(gr->m, ncap * sizeof(*nm));

		if (nm == NULL)
			return NULL;
		gr->m = nm;
		gr->mcap = ncap;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->id = id;
	m->client_id = fl_slice_dup(req->client_id.p ? req->client_id : (struct fl_slice){ (const uint8_t *)"", 0 });
	m->instance_id = req->instance_id.p ? fl_slice_dup(req->instance_id) : NULL;
	m->client_host = fl_slice_dup(req->client_host.p ? req->client_host : (struct fl_slice){ (const uint8_t *)"", 0 });
	if (m->client_id == NULL || m->client_host == NULL ||
	    (req->instance_id.p && m->instance_id == NULL) || protos_set(g, m, req) != 0) {
		free(m->client_id);
		free(m->client_host);
		free(m->instance_id);
		free(m);
		return NULL;
	}
	m->session_ms = req->session_ms;
	m->rebalance_ms = rebalance_of(g, req);
	m->last_heard_ms = now_ms;
	gr->m[gr->nm++] = m;
	return m;
}

static int
slice_ok(struct fl_slice s)
{
	return s.len <= FL_GRP_ID_BYTES_MAX;
}

/* ---- the requests ---- */

/*
 * A static member restarted: a JoinGroup with its instance id and no member
 * id, while the group still holds it (its session has not run out).  This
 * is Kafka's updateStaticMemberAndRebalance (core GroupCoordinator.scala,
 * and the same rule in group-coordinator GroupMetadataManager.java's
 * updateStaticMemberThenRebalanceOrCompleteJoin):
 *
 *  - the member keeps its place and assignment under a fresh member id; a
 *    request still parked under the old id is answered FENCED_INSTANCE_ID,
 *    and the old id is fenced from then on (lookup), leader or not;
 *  - Stable: if the protocol the group would choose for the next
 *    generation is still the current one, no rebalance: the member is
 *    answered at once with the current generation, no member list, and as
 *    leader the leader id from before the replacement.  That is what Kafka
 *    answers JoinGroup v0-8 (we speak v0-5): a restarted static leader sees
 *    an id that is not its own, so it syncs as a follower and gets its
 *    stored assignment, instead of computing one a Stable group would not
 *    hand out.  At v9+ (KIP-814) the leader is answered as leader: its new
 *    id, every member, and SkipAssignment, so it knows the group without
 *    computing an assignment, and syncs for its stored one.  The
 *    group's leader becomes the new id, so the next rebalance is its.
 *    Otherwise (another protocol would win) the group rebalances;
 *  - CompletingRebalance: rebalance, because the leader may already be
 *    assigning to the old id;
 *  - PreparingRebalance: it joins the round under its new id.
 * Changed metadata alone (a new subscription under the same protocol) does
 * not rebalance a Stable group, as in Kafka.
 */
static int
static_rejoin(struct fl_grp *g, struct fl_grp_group *gr, struct fl_grp_member *m,
    const struct fl_grp_join_req *req, uint64_t now_ms)
{
	/* deferred by set_str, so still valid for this call's answer */
	const char *prev_leader = gr->leader;
	const char *next;
	char *id;
	int rc, was_leader = strcmp(m->id, gr->leader) == 0;

	FL_ASSERT(gr->state != FL_GRP_EMPTY && gr->state != FL_GRP_DEAD);
	id = new_member_id(req->client_id, req->random);
	if (id == NULL)
		return FL_ENOMEM;
	if (m->has_join) {
		struct fl_grp_resp *r = out_push(g, m->join_token, FL_GRP_RESP_JOIN,
		    FL_KERR_FENCED_INSTANCE_ID);

		if (r)
			r->member_id = m->id;
		m->has_join = 0;
	}
	if (m->has_sync) {
		m->has_sync = 0;
		sync_answer(g, m->sync_token, FL_KERR_FENCED_INSTANCE_ID, NULL);
	}
	if (strcmp(m->id, gr->leader) == 0 && (rc = set_str(g, &gr->leader, id)) != 0) {
		free(id);
		return rc;
	}
	later(g, m->id);
	m->id = id;
	m->last_heard_ms = now_ms;
	m->session_ms = req->session_ms;
	m->rebalance_ms = rebalance_of(g, req);
	if (!protos_equal(m, req) && (rc = protos_set(g, m, req)) != 0)
		return rc;
	switch (gr->state) {
	case FL_GRP_STABLE:
		next = choose_protocol(gr);
		if (next != NULL && strcmp(next, gr->protocol) == 0) {
			struct fl_grp_resp *r;

			if (was_leader && req->version >= 9) {
				/* KIP-814: the leader under its new id, with the
				 * members, told not to assign */
				if ((rc = join_answer(g, gr, m, req->token)) != 0)
					return rc;
				g->out[g->nout - 1].skip_assignment = 1;
				return 0;
			}
			r = out_push(g, req->token, FL_GRP_RESP_JOIN, 0);
			if (r == NULL)
				return FL_ENOMEM;
			r->generation = gr->generation;
			r->protocol = gr->protocol;
			r->protocol_type = gr->protocol_type;
			r->leader = prev_leader;
			r->member_id = m->id;
			return 0;
		}
		prepare(g, gr, now_ms, 0);
		break;
	case FL_GRP_COMPLETING_REBALANCE:
		prepare(g, gr, now_ms, 0);
		break;
	default:
		break;
	}
	m->has_join = 1;
	m->join_token = req->token;
	return maybe_complete(g, gr, now_ms);
}


static int
join(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_join_req *req)
{
	struct fl_grp_group *gr;
	struct fl_grp_member *m, *si = NULL;
	size_t i;
	int err, was_empty, rc;

	if (req->group_id.p == NULL || req->group_id.len == 0 || !slice_ok(req->group_id))
		return join_error(g, req, FL_KERR_INVALID_GROUP_ID);
	if (req->session_ms < g->cfg.session_ms_min || req->session_ms > g->cfg.session_ms_max)
		return join_error(g, req, FL_KERR_INVALID_SESSION_TIMEOUT);
	if (req->rebalance_ms < 0 || !slice_ok(req->member_id) || !slice_ok(req->instance_id) ||
	    req->protocol_type.p == NULL || req->protocol_type.len == 0 ||
	    !slice_ok(req->protocol_type) || req->nprotocols == 0 ||
	    req->nprotocols > FL_GRP_PROTOCOLS_MAX)
		return join_error(g, req, FL_KERR_INCONSISTENT_GROUP_PROTOCOL);
	for (i = 0; i < req->nprotocols; i++)
		if (!slice_ok(req->protocols[i].name) || req->protocols[i].name.p == NULL ||
		    req->protocols[i].metadata.len > g->cfg.metadata_bytes_max)
			return join_error(g, req, FL_KERR_INCONSISTENT_GROUP_PROTOCOL);
	gr = group_get(g, req->group_id, &err);
	if (gr == NULL)
		return err == FL_ENOMEM ? FL_ENOMEM : join_error(g, req, (int16_t)err);

	m = req->member_id.len ? member_find(gr, req->member_id, NULL) : NULL;
	/*
	 * Static membership (KIP-345): the instance id names the member across
	 * restarts.  A known member id must be the one the instance id maps to
	 * (Kafka's validateCurrentMember); an empty one is a restart, handled
	 * by static_rejoin once the protocols passed the checks below.
	 */
	if (req->instance_id.p != NULL) {
		si = member_by_instance(gr, req->instance_id);
		if (req->member_id.len > 0 && si != NULL && si != m)
			return join_error(g, req, FL_KERR_FENCED_INSTANCE_ID);
		if (req->member_id.len > 0 && si == NULL && m != NULL)
			return join_error(g, req, FL_KERR_UNKNOWN_MEMBER_ID);
		if (req->member_id.len == 0)
			m = si;
	}
	if (gr->nm > 0 && strcmp(gr->protocol_type, "") != 0 &&
	    !seq(gr->protocol_type, req->protocol_type))
		return join_error(g, req, FL_KERR_INCONSISTENT_GROUP_PROTOCOL);
	if (gr->nm > 0) {
		/* one offered protocol must be supported by every other member */
		for (i = 0; i < req->nprotocols; i++) {
			size_t j;

			for (j = 0; j < gr->nm; j++)
				if (gr->m[j] != m && !member_supports(gr->m[j],
				    (const char *)req->protocols[i].name.p, req->protocols[i].name.len))
					break;
			if (j == gr->nm)
				break;
		}
		if (i == req->nprotocols)
			return join_error(g, req, FL_KERR_INCONSISTENT_GROUP_PROTOCOL);
	}

	if (si != NULL && req->member_id.len == 0)
		return static_rejoin(g, gr, si, req, now_ms);
	if (m == NULL) {
		char *id;

		if (req->member_id.len > 0) {
			if (!pending_take(gr, req->member_id))
				return join_error(g, req, FL_KERR_UNKNOWN_MEMBER_ID);
			id = fl_slice_dup(req->member_id);
		} else {
			id = new_member_id(req->client_id, req->random);
			if (id != NULL && req->version >= 4 && req->instance_id.p == NULL) {
				/* the MEMBER_ID_REQUIRED round trip: no rebalance yet */
				struct fl_grp_resp *r;

				if (pending_add(gr, id, now_ms + (uint64_t)req->session_ms) != 0) {
					free(id);
					return FL_ENOMEM;
				}
				r = out_push(g, req->token, FL_GRP_RESP_JOIN, FL_KERR_MEMBER_ID_REQUIRED);
				if (r == NULL)
					return FL_ENOMEM;
				r->member_id = id;
				return FL_KERR_MEMBER_ID_REQUIRED;
			}
		}
		if (id == NULL)
			return FL_ENOMEM;
		if (gr->nm >= g->cfg.members_max) {
			later(g, id);
			return join_error(g, req, FL_KERR_GROUP_MAX_SIZE_REACHED);
		}
		was_empty = gr->nm == 0;
		if (was_empty && (rc = set_str(g, &gr->protocol_type,
		    NULL)) == 0) {
			char *pt = fl_slice_dup(req->protocol_type);

			if (pt == NULL) {
				free(id);
				return FL_ENOMEM;
			}
			later(g, gr->protocol_type);
			gr->protocol_type = pt;
		}
		m = member_add(g, gr, id, req, now_ms);
		if (m == NULL) {
			free(id);
			return FL_ENOMEM;
		}
		m->has_join = 1;
		m->join_token = req->token;
		prepare(g, gr, now_ms, was_empty);
		if (gr->is_round_from_empty) {
			/* re-arm the initial delay while members keep arriving */
			uint64_t d = now_ms + (uint64_t)g->cfg.initial_delay_ms;
			uint64_t hard = gr->join_hard_ms;

			if (now_ms + (uint64_t)m->rebalance_ms > hard && gr->nm == 1)
				hard = gr->join_hard_ms = now_ms + (uint64_t)m->rebalance_ms;
			gr->join_deadline_ms = d < hard ? d : hard;
		}
		return maybe_complete(g, gr, now_ms);
	}

	/* an existing member */
	{
		int same = protos_equal(m, req);

		m->last_heard_ms = now_ms;
		m->session_ms = req->session_ms;
		m->rebalance_ms = rebalance_of(g, req);
		if (!same && (rc = protos_set(g, m, req)) != 0)
			return rc;
		switch (gr->state) {
		case FL_GRP_PREPARING_REBALANCE:
			if (m->has_join && m->join_token != req->token) {
				/* a retry replaces the earlier wait, which must not hang */
				struct fl_grp_resp *r = out_push(g, m->join_token,
				    FL_GRP_RESP_JOIN, FL_KERR_REBALANCE_IN_PROGRESS);

				if (r)
					r->member_id = m->id;
			}
			m->has_join = 1;
			m->join_token = req->token;
			return maybe_complete(g, gr, now_ms);
		case FL_GRP_COMPLETING_REBALANCE:
			if (same)
				return join_answer(g, gr, m, req->token);
			break;
		case FL_GRP_STABLE:
			if (same && strcmp(m->id, gr->leader) != 0)
				return join_answer(g, gr, m, req->token);
			break;
		default:
			return join_error(g, req, FL_KERR_UNKNOWN_MEMBER_ID);
		}
		m->has_join = 1;
		m->join_token = req->token;
		prepare(g, gr, now_ms, 0);
		return maybe_complete(g, gr, now_ms);
	}
}

int
fl_grp_join(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_join_req *req)
{
	int rc;

	begin_call(g);
	rc = join(g, now_ms, req);
	end_call(g);
	return rc;
}

/* Resolve (group, member, instance) for Sync/Heartbeat/Leave/Commit. */
static int
lookup(struct fl_grp *g, struct fl_slice group_id, struct fl_slice member_id,
    struct fl_slice instance_id, struct fl_grp_group **grp, struct fl_grp_member **mem, size_t *at)
{
	struct fl_grp_group *gr = group_find(g, group_id, NULL);
	struct fl_grp_member *m;

	*grp = gr;
	*mem = NULL;
	if (gr == NULL)
		return FL_KERR_UNKNOWN_MEMBER_ID;
	/*
	 * Kafka's validateCurrentMember: with an instance id, the member it
	 * maps to must have this member id (else 82: a restarted static member
	 * replaced it), and an instance id the group does not know is 25.
	 */
	if (instance_id.p != NULL) {
		m = member_by_instance(gr, instance_id);
		if (m == NULL)
			return FL_KERR_UNKNOWN_MEMBER_ID;
		if (!seq(m->id, member_id))
			return FL_KERR_FENCED_INSTANCE_ID;
	}
	m = member_find(gr, member_id, at);
	if (m == NULL)
		return FL_KERR_UNKNOWN_MEMBER_ID;
	*mem = m;
	return 0;
}

static int
sync(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_sync_req *req)
{
	struct fl_grp_group *gr;
	struct fl_grp_member *m;
	size_t i, j;
	int err = lookup(g, req->group_id, req->member_id, req->instance_id, &gr, &m, NULL);

	if (err != 0)
		return sync_answer(g, req->token, (int16_t)err, NULL);
	if (req->generation != gr->generation)
		return sync_answer(g, req->token, FL_KERR_ILLEGAL_GENERATION, NULL);
	/* v5+ (Kafka's validateSyncGroup): a null is not checked */
	if ((req->protocol_type.p != NULL && !seq(gr->protocol_type, req->protocol_type)) ||
	    (req->protocol_name.p != NULL && !seq(gr->protocol, req->protocol_name)))
		return sync_answer(g, req->token, FL_KERR_INCONSISTENT_GROUP_PROTOCOL, NULL);
	m->last_heard_ms = now_ms;
	switch (gr->state) {
	case FL_GRP_PREPARING_REBALANCE:
		return sync_answer(g, req->token, FL_KERR_REBALANCE_IN_PROGRESS, NULL);
	case FL_GRP_STABLE:
		return sync_ok(g, gr, req->token, m);
	case FL_GRP_COMPLETING_REBALANCE:
		break;
	default:
		return sync_answer(g, req->token, FL_KERR_UNKNOWN_MEMBER_ID, NULL);
	}
	if (strcmp(m->id, gr->leader) != 0) {
		if (m->has_sync)	/* a retry replaces the earlier wait */
			sync_answer(g, m->sync_token, FL_KERR_REBALANCE_IN_PROGRESS, NULL);
		m->has_sync = 1;
		m->sync_token = req->token;
		return 0;
	}
	/* the leader: store everyone's assignment, go Stable, answer all */
	for (i = 0; i < gr->nm; i++) {
		struct fl_grp_member *x = gr->m[i];
		uint8_t *a = NULL;
		size_t alen = 0;

		for (j = 0; j < req->nassignments; j++)
			if (seq(x->id, req->assignments[j].member_id)) {
				alen = req->assignments[j].assignment.len;
				a = malloc(alen ? alen : 1);
				if (a == NULL)
					return FL_ENOMEM;
				if (alen)
					memcpy(a, req->assignments[j].assignment.p, alen);
				break;
			}
		later(g, x->assignment);
		x->assignment = a;
		x->assignment_len = alen;
	}
	gr->state = FL_GRP_STABLE;
	gr->sync_deadline_ms = 0;
	for (i = 0; i < gr->nm; i++) {
		struct fl_grp_member *x = gr->m[i];

		if (x->has_sync) {
			x->has_sync = 0;
			x->last_heard_ms = now_ms;
			sync_ok(g, gr, x->sync_token, x);
		}
	}
	return sync_ok(g, gr, req->token, m);
}

int
fl_grp_sync(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_sync_req *req)
{
	int rc;

	begin_call(g);
	rc = sync(g, now_ms, req);
	end_call(g);
	return rc;
}

int
fl_grp_heartbeat(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation)
{
	struct fl_grp_group *gr;
	struct fl_grp_member *m;
	int err;

	begin_call(g);
	err = lookup(g, group_id, member_id, instance_id, &gr, &m, NULL);
	if (err != 0)
		return err;
	if (generation != gr->generation)
		return FL_KERR_ILLEGAL_GENERATION;
	m->last_heard_ms = now_ms;
	switch (gr->state) {
	case FL_GRP_PREPARING_REBALANCE:
		return FL_KERR_REBALANCE_IN_PROGRESS;
	case FL_GRP_COMPLETING_REBALANCE:
	case FL_GRP_STABLE:
		return 0;
	default:
		return FL_KERR_UNKNOWN_MEMBER_ID;
	}
}

/* After members left or expired: rebalance the rest, or go Empty. */
static int
after_removal(struct fl_grp *g, struct fl_grp_group *gr, uint64_t now_ms)
{
	if (gr->nm == 0) {
		to_empty(gr);
		return 0;
	}
	if (gr->state != FL_GRP_PREPARING_REBALANCE)
		prepare(g, gr, now_ms, 0);
	return maybe_complete(g, gr, now_ms);
}

int
fl_grp_leave(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id)
{
	struct fl_grp_group *gr;
	struct fl_grp_member *m = NULL;
	size_t at = 0, i;
	int err;

	begin_call(g);
	gr = group_find(g, group_id, NULL);
	if (gr == NULL) {
		end_call(g);
		return FL_KERR_UNKNOWN_MEMBER_ID;
	}
	/* v3 may name a static member by instance id alone */
	if (member_id.len == 0 && instance_id.p != NULL) {
		for (i = 0; i < gr->nm; i++)
			if (gr->m[i]->instance_id && seq(gr->m[i]->instance_id, instance_id)) {
				m = gr->m[i];
				at = i;
			}
		err = m ? 0 : FL_KERR_UNKNOWN_MEMBER_ID;
	} else {
		err = lookup(g, group_id, member_id, instance_id, &gr, &m, &at);
	}
	if (err == 0) {
		member_remove(g, gr, at);
		err = after_removal(g, gr, now_ms);
		if (err > 0)
			err = 0;
	}
	end_call(g);
	return err;
}

int
fl_grp_commit_check(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation)
{
	struct fl_grp_group *gr;
	struct fl_grp_member *m;
	int err;

	begin_call(g);
	if (group_id.p == NULL || group_id.len == 0 || !slice_ok(group_id))
		return FL_KERR_INVALID_GROUP_ID;
	if (generation < 0 && member_id.len == 0) {
		gr = group_get(g, group_id, &err);
		if (gr == NULL)
			return err;
		return gr->nm == 0 ? 0 : FL_KERR_UNKNOWN_MEMBER_ID;
	}
	err = lookup(g, group_id, member_id, instance_id, &gr, &m, NULL);
	if (err != 0)
		return err;
	if (generation != gr->generation)
		return FL_KERR_ILLEGAL_GENERATION;
	switch (gr->state) {
	case FL_GRP_STABLE:
	case FL_GRP_PREPARING_REBALANCE:
		m->last_heard_ms = now_ms;
		return 0;
	case FL_GRP_COMPLETING_REBALANCE:
		return FL_KERR_REBALANCE_IN_PROGRESS;
	default:
		return FL_KERR_UNKNOWN_MEMBER_ID;
	}
}

static int
tick_group(struct fl_grp *g, struct fl_grp_group *gr, uint64_t now_ms)
{
	size_t i;
	int removed = 0, rc = 0;

	for (i = gr->npend; i-- > 0;)
		if (now_ms >= gr->pend[i].expire_ms) {
			later(g, gr->pend[i].id);
			gr->pend[i] = gr->pend[--gr->npend];
		}
	/* sessions: a member waiting in a join or sync is alive */
	for (i = gr->nm; i-- > 0;) {
		struct fl_grp_member *m = gr->m[i];

		if (!m->has_join && !m->has_sync &&
		    now_ms >= m->last_heard_ms + (uint64_t)m->session_ms) {
			member_remove(g, gr, i);
			removed = 1;
		}
	}
	if (gr->state == FL_GRP_COMPLETING_REBALANCE && gr->sync_deadline_ms &&
	    now_ms >= gr->sync_deadline_ms) {
		/* the leader never synced: drop who did not, start over */
		for (i = gr->nm; i-- > 0;)
			if (!gr->m[i]->has_sync) {
				member_remove(g, gr, i);
				removed = 1;
			}
		if (gr->nm > 0) {
			prepare(g, gr, now_ms, 0);
			removed = 1;
		}
	}
	if (removed)
		rc = after_removal(g, gr, now_ms);
	else if (gr->state == FL_GRP_PREPARING_REBALANCE)
		rc = maybe_complete(g, gr, now_ms);
	if (rc >= 0 && gr->state == FL_GRP_PREPARING_REBALANCE && gr->join_deadline_ms &&
	    now_ms >= gr->join_deadline_ms)
		rc = complete_join(g, gr, now_ms);
	return rc < 0 ? rc : 0;
}

int
fl_grp_tick(struct fl_grp *g, uint64_t now_ms)
{
	size_t i;
	int rc = 0;

	begin_call(g);
	for (i = 0; i < g->ngroups && rc == 0; i++)
		rc = tick_group(g, g->groups[i], now_ms);
	end_call(g);
	return rc;
}

uint64_t
fl_grp_next_wake(const struct fl_grp *g)
{
	uint64_t t = UINT64_MAX;
	size_t i, j;

#define SOONER(x) do { uint64_t x_ = (x); if (x_ < t) t = x_; } while (0)
	for (i = 0; i < g->ngroups; i++) {
		const struct fl_grp_group *gr = g->groups[i];

		if (gr->state == FL_GRP_PREPARING_REBALANCE && gr->join_deadline_ms)
			SOONER(gr->join_deadline_ms);
		if (gr->state == FL_GRP_COMPLETING_REBALANCE && gr->sync_deadline_ms)
			SOONER(gr->sync_deadline_ms);
		for (j = 0; j < gr->npend; j++)
			SOONER(gr->pend[j].expire_ms);
		for (j = 0; j < gr->nm; j++)
			if (!gr->m[j]->has_join && !gr->m[j]->has_sync)
				SOONER(gr->m[j]->last_heard_ms + (uint64_t)gr->m[j]->session_ms);
	}
#undef SOONER
	return t;
}

void
fl_grp_drop_tokens(struct fl_grp *g, uint64_t mask, uint64_t value)
{
	size_t i, j;

	for (i = 0; i < g->ngroups; i++)
		for (j = 0; j < g->groups[i]->nm; j++) {
			struct fl_grp_member *m = g->groups[i]->m[j];

			if (m->has_join && (m->join_token & mask) == (value & mask))
				m->has_join = 0;
			if (m->has_sync && (m->sync_token & mask) == (value & mask)) {
				m->has_sync = 0;
				/* its wait is over; the session clock runs again */
			}
		}
}

int
fl_grp_forget(struct fl_grp *g, struct fl_slice group_id)
{
	struct fl_grp_group *gr;
	size_t at;

	begin_call(g);
	gr = group_find(g, group_id, &at);
	if (gr == NULL || gr->state != FL_GRP_EMPTY || gr->nm > 0 || gr->npend > 0)
		return 0;
	free(gr->pend);
	free(gr->m);
	free(gr->id);
	free(gr->protocol_type);
	free(gr->protocol);
	free(gr->leader);
	free(gr);
	memmove(g->groups + at, g->groups + at + 1, (g->ngroups - at - 1) * sizeof(*g->groups));
	g->ngroups--;
	return 1;
}

const char *
fl_grp_state_name(enum fl_grp_state st)
{
	switch (st) {
	case FL_GRP_EMPTY: return "Empty";
	case FL_GRP_PREPARING_REBALANCE: return "PreparingRebalance";
	case FL_GRP_COMPLETING_REBALANCE: return "CompletingRebalance";
	case FL_GRP_STABLE: return "Stable";
	case FL_GRP_DEAD: return "Dead";
	}
	return "Unknown";
}

size_t fl_grp_count(const struct fl_grp *g) { return g->ngroups; }

static void
info_of(const struct fl_grp_group *gr, struct fl_grp_info *info)
{
	info->group_id = gr->id;
	info->state = gr->state;
	info->generation = gr->generation;
	info->protocol_type = gr->protocol_type;
	info->protocol = gr->protocol;
	info->leader = gr->leader;
	info->nmembers = gr->nm;
}

void
fl_grp_info_at(const struct fl_grp *g, size_t i, struct fl_grp_info *info)
{
	FL_ASSERT(i < g->ngroups);
	info_of(g->groups[i], info);
}

int
fl_grp_find(const struct fl_grp *g, struct fl_slice group_id, struct fl_grp_info *info)
{
	const struct fl_grp_group *gr = group_find(g, group_id, NULL);

	if (gr == NULL)
		return 1;
	info_of(gr, info);
	return 0;
}

int
fl_grp_member_at(const struct fl_grp *g, struct fl_slice group_id, size_t j,
    struct fl_grp_member_info *info)
{
	const struct fl_grp_group *gr = group_find(g, group_id, NULL);
	const struct fl_grp_member *m;
	const struct proto *p;

	if (gr == NULL || j >= gr->nm)
		return 1;
	m = gr->m[j];
	info->member_id = m->id;
	info->instance_id = m->instance_id;
	info->client_id = m->client_id;
	info->client_host = m->client_host;
	info->session_ms = m->session_ms;
	info->rebalance_ms = m->rebalance_ms;
	p = member_proto(m, gr->protocol);
	if (p == NULL && m->nproto > 0)
		p = &m->protos[0];
	info->metadata = p ? p->meta : NULL;
	info->metadata_len = p ? p->len : 0;
	info->assignment = m->assignment;
	info->assignment_len = m->assignment_len;
	return 0;
}

int
fl_grp_restore(struct fl_grp *g, struct fl_slice group_id, int32_t generation,
    struct fl_slice protocol_type, struct fl_slice protocol)
{
	struct fl_grp_group *gr;
	char *pt, *pr;
	int err;

	begin_call(g);
	if (group_id.len == 0 || !slice_ok(group_id))
		return 0;
	gr = group_get(g, group_id, &err);
	if (gr == NULL)
		return err == FL_ENOMEM ? FL_ENOMEM : 0;
	if (generation > gr->generation)
		gr->generation = generation;
	pt = fl_slice_dup(protocol_type.p ? protocol_type : (struct fl_slice){ (const uint8_t *)"", 0 });
	pr = fl_slice_dup(protocol.p ? protocol : (struct fl_slice){ (const uint8_t *)"", 0 });
	if (pt == NULL || pr == NULL) {
		free(pt);
		free(pr);
		return FL_ENOMEM;
	}
	later(g, gr->protocol_type);
	later(g, gr->protocol);
	gr->protocol_type = pt;
	gr->protocol = pr;
	return 0;
}

int
fl_grp_ensure(struct fl_grp *g, struct fl_slice group_id)
{
	int err;

	begin_call(g);
	if (group_id.len == 0 || !slice_ok(group_id))
		return 0;
	if (group_get(g, group_id, &err) == NULL && err == FL_ENOMEM)
		return FL_ENOMEM;
	return 0;
}

void
fl_grp_free(struct fl_grp *g)
{
	size_t i, j;

	begin_call(g);
	for (i = 0; i < g->ngroups; i++) {
		struct fl_grp_group *gr = g->groups[i];

		while (gr->nm > 0)
			member_remove(g, gr, gr->nm - 1);
		for (j = 0; j < gr->npend; j++)
			free(gr->pend[j].id);
		free(gr->pend);
		free(gr->m);
		free(gr->id);
		free(gr->protocol_type);
		free(gr->protocol);
		free(gr->leader);
		free(gr);
	}
	begin_call(g);
	free(g->groups);
	free(g->out);
	free(g->views);
	free(g->scratch);
	memset(g, 0, sizeof(*g));
}
