/*
 * ctl.c: the controller's decisions (ctl.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/offsets.h"
#include "codec/rverb.h"
#include "sm/ctl.h"
#include "sm/elect.h"
#include "sm/place.h"

/* ---- outputs ---- */

static char *
dup_text(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static void
note(struct fl_ctl *c, const char *fmt, ...)
{
	char buf[FL_CTL_LINE_MAX];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c->nnotes == c->notecap) {
		size_t cap = c->notecap ? c->notecap * 2 : 16;
		char **nn = realloc(c->notes, cap * sizeof(*nn));

		if (nn == NULL) {
			c->nomem = 1;
			return;
		}
		c->notes = nn;
		c->notecap = cap;
	}
	if ((p = dup_text(buf)) == NULL) {
		c->nomem = 1;
		return;
	}
	c->notes[c->nnotes++] = p;
}

/* Queue a line to node n (only when its stream is open: a node that is
 * down is brought up to date when it answers again). */
static void
push_text(struct fl_ctl *c, struct fl_ctl_node *n, const char *line)
{
	char *p;

	if (!n->is_up)
		return;
	if (c->nout == c->outcap) {
		size_t cap = c->outcap ? c->outcap * 2 : 64;
		struct fl_ctl_msg *no = realloc(c->out, cap * sizeof(*no));

		if (no == NULL) {
			c->nomem = 1;
			return;
		}
		c->out = no;
		c->outcap = cap;
	}
	if ((p = dup_text(line)) == NULL) {
		c->nomem = 1;
		return;
	}
	c->out[c->nout].node = n->b.id;
	c->out[c->nout++].line = p;
	n->pushes++;
	n->is_fresh = 0;
}

/* Queue v to node n as its admin line (codec/rverb.h). */
static void
push(struct fl_ctl *c, struct fl_ctl_node *n, const struct fl_rverb *v)
{
	char buf[FL_CTL_LINE_MAX];

	if (!n->is_up)
		return;
	if (fl_rverb_format(buf, sizeof(buf), v) < 0) {
		note(c, "a line for node %d is too long; not sent", (int)n->b.id);
		return;
	}
	push_text(c, n, buf);
}

/* A verb about partition p (lead, follow, isr, offline) at p's epoch. */
static void
part_verb(struct fl_rverb *v, enum fl_rverb_kind kind, const struct fl_cmeta_part *p)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	snprintf(v->topic, sizeof(v->topic), "%s", p->topic);
	v->part = p->partition;
	v->epoch = p->epoch;
	v->leader = -1;
	v->nparts = -1;
}

/* isr TOPIC PART EPOCH LIST: p's committed ISR. */
static void
push_isr(struct fl_ctl *c, struct fl_ctl_node *n, const struct fl_cmeta_part *p)
{
	struct fl_rverb v;

	part_verb(&v, FL_RVERB_ISR, p);
	v.isr = p->isr;
	push(c, n, &v);
}

/* A verb about a topic (create, delete). */
static void
topic_verb(struct fl_rverb *v, enum fl_rverb_kind kind, const char *topic)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	snprintf(v->topic, sizeof(v->topic), "%s", topic);
	v->leader = -1;
	v->nparts = -1;
}

/* delete TOPIC */
static void
push_delete(struct fl_ctl *c, struct fl_ctl_node *n, const char *topic)
{
	struct fl_rverb v;

	topic_verb(&v, FL_RVERB_DELETE, topic);
	push(c, n, &v);
}

static const char *
set_text(const struct fl_nodeset *s, char *buf, size_t n)
{
	if (fl_nodeset_format(s, buf, n) != 0)
		snprintf(buf, n, "-");
	return buf;
}

/* ---- set-up ---- */

static int
topics_copy(struct fl_topic_list *dst, const struct fl_topic_list *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		if (fl_topic_list_add(dst, src->t[i].name, src->t[i].partitions) != 0 ||
		    fl_topic_list_set_conf(dst, src->t[i].name, &src->t[i].conf) != 0)
			return FL_ENOMEM;
	}
	return 0;
}

int
fl_ctl_init(struct fl_ctl *c, const struct fl_ctl_cfg *cfg, const struct fl_cmeta_broker *nodes,
    size_t nnodes, const struct fl_cmeta *state, const struct fl_topic_list *topics,
    int64_t now_ms)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if (c->cfg.liveness_ms <= 0)
		c->cfg.liveness_ms = 1000;
	c->epoch = state->controller_epoch;
	if (nnodes == 0 || nnodes > FL_PLACE_BROKERS_MAX)
		return FL_EINVAL;
	if (fl_cmeta_copy(&c->cur, state) != 0 || fl_cmeta_copy(&c->next, state) != 0 ||
	    topics_copy(&c->topics, topics) != 0)
		goto nomem;
	if (fl_cmeta_set_brokers(&c->next, nodes, nnodes) != 0) {
		fl_ctl_free(c);
		return FL_EINVAL;
	}
	if (c->cur.nbrokers != nnodes || memcmp(c->cur.brokers, c->next.brokers,
	    nnodes * sizeof(*nodes)) != 0)
		c->state_dirty = 1;
	if ((c->nodes = calloc(nnodes, sizeof(*c->nodes))) == NULL)
		goto nomem;
	c->nnodes = nnodes;
	for (i = 0; i < nnodes; i++) {
		c->nodes[i].b = c->next.brokers[i];
		c->nodes[i].last_ok_ms = now_ms;
		c->nodes[i].st.node = -1;
	}
	/* partitions of topics the list lacks (a crash between the two
	 * files' writes) are dropped: their creation was never announced */
	for (i = 0; i < c->next.nparts;) {
		if (fl_topic_list_find(&c->topics, c->next.parts[i].topic) < 0) {
			note(c, "state names %s, which the topic list lacks: forgotten",
			    c->next.parts[i].topic);
			fl_cmeta_drop_topic(&c->next, c->next.parts[i].topic);
			c->state_dirty = 1;
			i = 0;
			continue;
		}
		i++;
	}
	/* and topics with no partitions in the state: their creation never finished */
	for (i = 0; i < c->topics.n;) {
		size_t k;

		for (k = 0; k < c->next.nparts; k++)
			if (strcmp(c->next.parts[k].topic, c->topics.t[i].name) == 0)
				break;
		if (k == c->next.nparts) {
			note(c, "topic %s has no partitions in the state: forgotten",
			    c->topics.t[i].name);
			(void)fl_topic_list_remove(&c->topics, c->topics.t[i].name);
			c->topics_dirty = 1;
			continue;
		}
		i++;
	}
	return 0;
nomem:
	fl_ctl_free(c);
	return FL_ENOMEM;
}

void
fl_ctl_free(struct fl_ctl *c)
{
	size_t i;

	fl_cmeta_free(&c->cur);
	fl_cmeta_free(&c->next);
	fl_topic_list_free(&c->topics);
	for (i = 0; i < c->nnodes; i++)
		fl_bstatus_free(&c->nodes[i].st);
	free(c->nodes);
	for (i = 0; i < c->nout; i++)
		free(c->out[i].line);
	free(c->out);
	for (i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c->deleting);
	free(c->moves);
	free(c->seen);
	memset(c, 0, sizeof(*c));
}

struct fl_ctl_node *
fl_ctl_node(struct fl_ctl *c, int32_t id)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].b.id == id)
			return &c->nodes[i];
	return NULL;
}

int
fl_ctl_is_live(const struct fl_ctl *c, const struct fl_ctl_node *n, int64_t now_ms)
{
	return !n->fenced && !n->failed && now_ms - n->last_ok_ms <= c->cfg.liveness_ms;
}

int
fl_ctl_fenced(const struct fl_ctl *c)
{
	return c->is_fenced;
}

/* ---- inputs ---- */

void
fl_ctl_connected(struct fl_ctl *c, int64_t now_ms, int32_t id)
{
	struct fl_ctl_node *n = fl_ctl_node(c, id);
	char line[FL_CTL_LINE_MAX];
	struct fl_rverb v;
	size_t i;

	(void)now_ms;
	if (n == NULL)
		return;
	n->is_up = 1;
	n->is_fresh = 0;
	n->has_status = 0;	/* what it said before may be stale (a restart, a new disk) */
	if (c->is_fenced)
		return;		/* a newer controller exists: it greets the node */
	memset(&v, 0, sizeof(v));
	v.kind = FL_RVERB_CONTROLLER;
	v.ctl_epoch = c->epoch;
	v.leader = v.nparts = -1;
	push(c, n, &v);
	v.kind = FL_RVERB_BROKERS;
	if ((v.brokers = malloc((c->nnodes ? c->nnodes : 1) * sizeof(*v.brokers))) == NULL) {
		c->nomem = 1;
		return;
	}
	for (i = 0; i < c->nnodes; i++)
		v.brokers[i] = c->nodes[i].b;
	v.nbrokers = c->nnodes;
	if (fl_rverb_format(line, sizeof(line), &v) < 0) {
		/* cut short, it would give a wrong port, or leave out the node itself */
		note(c, "node %d: the broker list is longer than an admin line (%zu bytes); not sent",
		    (int)id, sizeof(line) - 1);
	} else {
		push_text(c, n, line);
	}
	free(v.brokers);
}

void
fl_ctl_disconnected(struct fl_ctl *c, int64_t now_ms, int32_t id)
{
	struct fl_ctl_node *n = fl_ctl_node(c, id);

	(void)now_ms;
	if (n == NULL)
		return;
	if (n->is_up || !n->failed)
		note(c, "node %d: admin stream down", (int)id);
	n->is_up = 0;
	n->failed = 1;
	n->is_fresh = 0;
}

uint64_t
fl_ctl_status_token(const struct fl_ctl *c, int32_t id)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].b.id == id)
			return c->nodes[i].pushes;
	return 0;
}

static void seen_status(struct fl_ctl *c, const struct fl_bstatus *st);

static void
fence_self(struct fl_ctl *c, int64_t by)
{
	if (!c->is_fenced)
		note(c, "fenced: a controller with epoch %lld exists (this one has %lld)",
		    (long long)by, (long long)c->epoch);
	c->is_fenced = 1;
	c->fenced_by = by;
}

void
fl_ctl_status(struct fl_ctl *c, int64_t now_ms, int32_t id, uint64_t token,
    const struct fl_bstatus *st)
{
	struct fl_ctl_node *n = fl_ctl_node(c, id);
	struct fl_bstatus copy;

	if (n == NULL)
		return;
	if (st->node >= 0 && st->node != id) {
		/* the wrong broker behind this address: never trust it */
		note(c, "node %d: the broker there says it is node %d", (int)id, (int)st->node);
		n->failed = 1;
		return;
	}
	if (st->controller_epoch > c->epoch)
		fence_self(c, st->controller_epoch);
	memset(&copy, 0, sizeof(copy));
	if (fl_bstatus_copy(&copy, st) != 0) {
		c->nomem = 1;
		return;
	}
	fl_bstatus_free(&n->st);
	n->st = copy;
	n->has_status = 1;
	seen_status(c, &n->st);
	n->is_fresh = token == n->pushes && n->is_up;
	if (n->failed)
		note(c, "node %d answers again", (int)id);
	n->failed = 0;
	n->last_ok_ms = now_ms;
}

void
fl_ctl_answer(struct fl_ctl *c, int64_t now_ms, int32_t id, const char *line,
    const char *answer)
{
	(void)now_ms;
	if (strcmp(answer, "ok") == 0)
		return;
	if (strncmp(answer, "error: fenced", 13) == 0) {
		fence_self(c, c->epoch + 1);
		return;
	}
	note(c, "node %d: %s: %s", (int)id, line, answer);
}

/* ---- helpers over the deciding state ---- */

static struct fl_cmeta_part *
part_of(struct fl_ctl *c, const char *topic, int32_t partition)
{
	return fl_cmeta_find(&c->next, topic, partition);
}

static const struct fl_topic_ent *
topic_of(const struct fl_ctl *c, const char *topic)
{
	long i = fl_topic_list_find(&c->topics, topic);

	return i < 0 ? NULL : &c->topics.t[i];
}

/* The live replicas of p (at most FL_REPL_REPLICAS_MAX: a nodeset). */
static void
live_replicas(struct fl_ctl *c, const struct fl_cmeta_part *p, int64_t now_ms, int32_t exclude,
    struct fl_nodeset *live)
{
	size_t i;

	memset(live, 0, sizeof(*live));
	for (i = 0; i < p->replicas.n; i++) {
		struct fl_ctl_node *n = fl_ctl_node(c, p->replicas.id[i]);

		if (n != NULL && p->replicas.id[i] != exclude && fl_ctl_is_live(c, n, now_ms))
			(void)fl_nodeset_add(live, p->replicas.id[i]);
	}
}

/*
 * What the nodes' last answers say of p at most: its leader epoch (a node
 * moved by hand may be ahead of the state) and its HW (where a new leader
 * may start).
 */
static void
reported_max(const struct fl_ctl *c, const struct fl_cmeta_part *p, int32_t *epoch,
    uint64_t *hw)
{
	size_t i;

	*epoch = p->epoch;
	*hw = 0;
	for (i = 0; i < c->nnodes; i++) {
		const struct fl_bstatus_part *r;

		if (!c->nodes[i].has_status)
			continue;
		r = fl_bstatus_find(&c->nodes[i].st, p->topic, p->partition);
		if (r == NULL)
			continue;
		if (r->epoch > *epoch)
			*epoch = r->epoch;
		if (r->hw > *hw)
			*hw = r->hw;
	}
}

static int32_t
reported_epoch(const struct fl_ctl *c, const struct fl_cmeta_part *p)
{
	int32_t e;
	uint64_t hw;

	reported_max(c, p, &e, &hw);
	return e;
}

static uint64_t
reported_hw(const struct fl_ctl *c, const struct fl_cmeta_part *p)
{
	int32_t e;
	uint64_t hw;

	reported_max(c, p, &e, &hw);
	return hw;
}

static const struct fl_bstatus_part *
reported(const struct fl_ctl_node *n, const struct fl_cmeta_part *p)
{
	return n->has_status ? fl_bstatus_find(&n->st, p->topic, p->partition) : NULL;
}

static void create_line(struct fl_ctl *c, struct fl_ctl_node *n, const struct fl_topic_ent *t);

/* Does node n's last answer name a partition of topic? */
static int
holds_topic(const struct fl_ctl_node *n, const char *topic)
{
	size_t i;

	for (i = 0; i < n->st.nparts; i++)
		if (strcmp(n->st.parts[i].topic, topic) == 0)
			return 1;
	return 0;
}

/* Is a `create` of topic already queued to node n (this turn)? */
static int
create_queued(const struct fl_ctl *c, const struct fl_ctl_node *n, const char *topic)
{
	size_t i, len = strlen(topic);

	for (i = 0; i < c->nout; i++)
		if (c->out[i].node == n->b.id && strncmp(c->out[i].line, "create ", 7) == 0 &&
		    strncmp(c->out[i].line + 7, topic, len) == 0 && c->out[i].line[7 + len] == ' ')
			return 1;
	return 0;
}

/* Tell node n what the state says of p (not for its leader: see announce). */
static void
tell(struct fl_ctl *c, struct fl_ctl_node *n, const struct fl_cmeta_part *p)
{
	const struct fl_topic_ent *t;
	struct fl_rverb v;

	/*
	 * A node whose answer came after everything pushed to it and lacks
	 * the topic (it was away when the topic was created, or has a new
	 * disk) is given the topic first: it refuses a role in a topic it
	 * lacks, and a sole electable leader that refuses would be elected
	 * again, at a new epoch, on every answer, never reaching reconcile().
	 */
	if (n->is_up && n->is_fresh && n->has_status && !holds_topic(n, p->topic) &&
	    (t = topic_of(c, p->topic)) != NULL)
		create_line(c, n, t);
	/*
	 * A node not heard from since its stream opened (this controller just
	 * started, or it came back, perhaps with a new disk) may lack the
	 * topic too: a role line would create it there with too few
	 * partitions, and the others would then never be placed.  It gets
	 * the topic first ("exists" if it has it).  Found by flume-sim.
	 */
	else if (n->is_up && !n->has_status && (t = topic_of(c, p->topic)) != NULL &&
	    !create_queued(c, n, p->topic))
		create_line(c, n, t);
	if (n->b.id == p->leader) {
		part_verb(&v, FL_RVERB_LEAD, p);
		v.replicas = p->replicas;
		v.isr = p->isr;
		v.has_hw = 1;
		v.hw = reported_hw(c, p);
	} else if (fl_nodeset_has(&p->replicas, n->b.id) && p->leader >= 0) {
		part_verb(&v, FL_RVERB_FOLLOW, p);
		v.leader = p->leader;
		v.replicas = p->replicas;
	} else {
		part_verb(&v, FL_RVERB_OFFLINE, p);
		if (p->leader >= 0) {
			v.leader = p->leader;
			v.replicas = p->replicas;
		}
	}
	push(c, n, &v);
}

/* Tell every node with an open stream, the leader first. */
static void
announce(struct fl_ctl *c, const struct fl_cmeta_part *p)
{
	struct fl_ctl_node *l = p->leader >= 0 ? fl_ctl_node(c, p->leader) : NULL;
	size_t i;

	if (l != NULL)
		tell(c, l, p);
	for (i = 0; i < c->nnodes; i++)
		if (&c->nodes[i] != l)
			tell(c, &c->nodes[i], p);
}

static void
create_line(struct fl_ctl *c, struct fl_ctl_node *n, const struct fl_topic_ent *t)
{
	struct fl_rverb v;

	topic_verb(&v, FL_RVERB_CREATE, t->name);
	v.nparts = t->partitions;
	v.conf = t->conf;
	push(c, n, &v);
}

static int32_t
preferred(const struct fl_cmeta_part *p)
{
	return p->replicas.n > 0 ? fl_place_preferred(p->topic, p->partition, &p->replicas) : -1;
}

/*
 * The controller's memory of each partition's HW: the highest HW any node
 * reported for it (at or after the epoch of the last unclean election this
 * controller made: that election gave up what lay above its leader's
 * log).  It outlives the answers it came from (a node that restarts
 * answers afresh, from its hw checkpoint) but not this controller.
 */
static int
seen_cmp(const struct fl_ctl_seen *e, const char *topic, int32_t partition)
{
	int d = strcmp(e->topic, topic);

	return d != 0 ? d : (e->partition > partition) - (e->partition < partition);
}

/* The entry of (topic, partition), made (zero) if add; NULL if none or out of memory. */
static struct fl_ctl_seen *
seen_of(struct fl_ctl *c, const char *topic, int32_t partition, int add)
{
	size_t lo = 0, hi = c->nseen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = seen_cmp(&c->seen[mid], topic, partition);

		if (d == 0)
			return &c->seen[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!add)
		return NULL;
	if (c->nseen == c->seencap) {
		size_t cap = c->seencap ? c->seencap * 2 : 16;
		void *ns = realloc(c->seen, cap * sizeof(*c->seen));

		if (ns == NULL) {
			c->nomem = 1;
			return NULL;
		}
		c->seen = ns;
		c->seencap = cap;
	}
	memmove(&c->seen[lo + 1], &c->seen[lo], (c->nseen - lo) * sizeof(*c->seen));
	c->nseen++;
	memset(&c->seen[lo], 0, sizeof(c->seen[lo]));
	snprintf(c->seen[lo].topic, sizeof(c->seen[lo].topic), "%s", topic);
	c->seen[lo].partition = partition;
	return &c->seen[lo];
}

/* A status answer: the HWs it shows. */
static void
seen_status(struct fl_ctl *c, const struct fl_bstatus *st)
{
	size_t i;

	for (i = 0; i < st->nparts; i++) {
		const struct fl_bstatus_part *r = &st->parts[i];
		struct fl_ctl_seen *e;

		if (r->hw == 0 || r->epoch < 0)
			continue;
		e = seen_of(c, r->topic, r->partition, 1);
		if (e != NULL && r->epoch >= e->from && r->hw > e->hw)
			e->hw = r->hw;
	}
}

/* An operator's unclean election of p at epoch: the HWs heard before it no longer count. */
static void
note_unclean(struct fl_ctl *c, const struct fl_cmeta_part *p, int32_t epoch)
{
	struct fl_ctl_seen *e = seen_of(c, p->topic, p->partition, 1);

	if (e != NULL) {
		e->from = epoch;
		e->hw = 0;
	}
}

/* The highest HW heard for p (seen_status), 0 if none. */
static uint64_t
known_hw(struct fl_ctl *c, const struct fl_cmeta_part *p)
{
	const struct fl_ctl_seen *e = seen_of(c, p->topic, p->partition, 0);

	return e != NULL ? e->hw : 0;
}

/*
 * A clean election never picks a node whose log, as it last reported,
 * ends below the known HW: every ISR member holds what is committed unless
 * its disk lost some (a damaged sector cut at recovery), and electing it
 * would make the others cut the committed records it lacks.  Such a node
 * leaves the ISR with the election; it may lead again once it has caught
 * up, or by an unclean election.  A node whose last answer is a little
 * old (its log end read before the leader's HW moved) waits for its next
 * one.  Found by flume-sim (seed 166 of the corrupt-sector fault).
 */
static void
drop_short(struct fl_ctl *c, const struct fl_cmeta_part *p, struct fl_nodeset *live)
{
	struct fl_nodeset keep;
	uint64_t hw = known_hw(c, p);
	size_t i;

	memset(&keep, 0, sizeof(keep));
	for (i = 0; i < live->n; i++) {
		const struct fl_ctl_node *n = fl_ctl_node(c, live->id[i]);
		const struct fl_bstatus_part *r = n != NULL ? reported(n, p) : NULL;

		if (r == NULL || r->log_end >= hw)
			(void)fl_nodeset_add(&keep, live->id[i]);
	}
	*live = keep;
}

/*
 * Elect a leader for p (exclude: a node not to pick unless it is the only
 * one; -1: none): the new state, then the announcement.  0, or FL_ENOENT
 * when nobody may lead.
 */
static int
run_election(struct fl_ctl *c, int64_t now_ms, struct fl_cmeta_part *p, int32_t to,
    int unclean, int32_t exclude, struct fl_elect_result *res)
{
	struct fl_elect_part ep;
	struct fl_nodeset live;
	int rc;

	memset(&ep, 0, sizeof(ep));
	ep.epoch = reported_epoch(c, p);
	ep.leader = p->leader;
	ep.preferred = preferred(p);
	ep.replicas = p->replicas;
	ep.isr = p->isr;
	live_replicas(c, p, now_ms, exclude, &live);
	if (!unclean)
		drop_short(c, p, &live);
	rc = fl_elect(&ep, &live, to, unclean, res);
	if (rc == FL_ENOENT && exclude >= 0) {
		live_replicas(c, p, now_ms, -1, &live);
		if (!unclean)
			drop_short(c, p, &live);
		rc = fl_elect(&ep, &live, to, unclean, res);
	}
	if (rc != 0)
		return rc;
	if (unclean)
		note_unclean(c, p, res->epoch);
	p->epoch = res->epoch;
	p->leader = res->leader;
	p->role = FL_ROLE_LEADER;
	p->isr = res->isr;
	c->state_dirty = 1;
	announce(c, p);
	return 0;
}

static void
go_offline(struct fl_ctl *c, struct fl_cmeta_part *p)
{
	p->epoch = reported_epoch(c, p) + 1;
	p->leader = -1;
	p->role = FL_ROLE_OFFLINE;
	c->state_dirty = 1;
	announce(c, p);
}

/* ---- the tick ---- */

/* Does the live leader of p say it leads p at the stored epoch? (-1: no fresh word) */
static int
leader_leads(struct fl_ctl *c, const struct fl_cmeta_part *p)
{
	struct fl_ctl_node *l = fl_ctl_node(c, p->leader);
	const struct fl_bstatus_part *r;

	if (l == NULL || !l->is_fresh)
		return -1;
	r = reported(l, p);
	return r != NULL && r->role == FL_ROLE_LEADER && r->epoch == p->epoch;
}

static void
elections(struct fl_ctl *c, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < c->next.nparts; i++) {
		struct fl_cmeta_part *p = &c->next.parts[i];
		struct fl_elect_part ep;
		struct fl_elect_result res;
		struct fl_nodeset live;
		enum fl_elect_why why;
		int32_t exclude = -1;

		memset(&ep, 0, sizeof(ep));
		ep.epoch = p->epoch;
		ep.leader = p->leader;
		ep.replicas = p->replicas;
		ep.isr = p->isr;
		live_replicas(c, p, now_ms, -1, &live);
		why = fl_elect_needed(&ep, &live);
		if (why == FL_ELECT_NOT_NEEDED && leader_leads(c, p) == 0) {
			why = FL_ELECT_LEADER_DOWN;
			exclude = p->leader;
			note(c, "%s-%d: node %d does not lead it at epoch %d (restarted?)", p->topic,
			    (int)p->partition, (int)p->leader, (int)p->epoch);
		}
		if (why == FL_ELECT_NOT_NEEDED)
			continue;
		if (run_election(c, now_ms, p, -1, 0, exclude, &res) == 0) {
			c->elections[FL_CTL_ELECT_CLEAN]++;
			note(c, "%s-%d: node %d leads at epoch %d (%s)", p->topic, (int)p->partition,
			    (int)res.leader, (int)res.epoch, fl_elect_why_name(why));
		} else if (p->leader >= 0 || p->role != FL_ROLE_OFFLINE) {
			go_offline(c, p);
			c->offlined++;
			note(c, "%s-%d: offline at epoch %d: %s and no live ISR member may lead",
			    p->topic, (int)p->partition, (int)p->epoch, fl_elect_why_name(why));
		}
	}
}

static int
subset(const struct fl_nodeset *a, const struct fl_nodeset *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!fl_nodeset_has(b, a->id[i]))
			return 0;
	return 1;
}

/* Commit the ISR a leader proposes at the stored epoch. */
static void
isr_commits(struct fl_ctl *c)
{
	size_t i, j;

	for (i = 0; i < c->next.nparts; i++) {
		struct fl_cmeta_part *p = &c->next.parts[i];
		struct fl_ctl_node *l;
		const struct fl_bstatus_part *r;
		struct fl_nodeset prop;
		char is[256];

		if (p->leader < 0 || (l = fl_ctl_node(c, p->leader)) == NULL || !l->is_fresh)
			continue;
		r = reported(l, p);
		if (r == NULL || r->role != FL_ROLE_LEADER || r->epoch != p->epoch ||
		    r->proposed.n == 0)
			continue;
		/* an operator's fenced node joins no ISR */
		prop = r->proposed;
		for (j = 0; j < c->nnodes; j++)
			if (c->nodes[j].fenced && c->nodes[j].b.id != p->leader)
				fl_nodeset_remove(&prop, c->nodes[j].b.id);
		if (fl_nodeset_equal(&prop, &p->isr) || !fl_nodeset_has(&prop, p->leader) ||
		    !subset(&prop, &p->replicas))
			continue;
		/*
		 * Every member of the stored ISR must count for the leader's HW,
		 * or a clean election could pick a node that lacks what the
		 * leader acknowledged.  So a shrink is stored first and then
		 * told; an addition is told to the leader first, which counts
		 * the new members from then on, and stored only once its
		 * status shows it holds them (until then they are not
		 * electable).  Found by flume-sim (seed 1318): a leader that
		 * proposed a member in, did not hear the commit, and then
		 * proposed it out again acknowledged alone while the stored
		 * ISR still named that member, which was then elected.
		 */
		if (subset(&p->isr, &prop)) {
			if (!fl_nodeset_equal(&r->isr, &prop)) {
				struct fl_cmeta_part tent = *p;

				tent.isr = prop;
				push_isr(c, l, &tent);
				continue;
			}
			p->isr = prop;
		} else {
			struct fl_nodeset keep;

			memset(&keep, 0, sizeof(keep));
			for (j = 0; j < p->isr.n; j++)
				if (fl_nodeset_has(&prop, p->isr.id[j]))
					(void)fl_nodeset_add(&keep, p->isr.id[j]);
			p->isr = keep;
		}
		c->state_dirty = 1;
		set_text(&p->isr, is, sizeof(is));
		note(c, "%s-%d: ISR %s committed at epoch %d", p->topic, (int)p->partition, is,
		    (int)p->epoch);
		if (!fl_nodeset_equal(&r->isr, &p->isr))
			push_isr(c, l, p);
		for (j = 0; j < p->replicas.n; j++) {
			struct fl_ctl_node *f = fl_ctl_node(c, p->replicas.id[j]);

			if (f != NULL && f != l)
				push_isr(c, f, p);
		}
	}
}

static int
is_deleting(const struct fl_ctl *c, const char *topic)
{
	size_t i;

	for (i = 0; i < c->ndeleting; i++)
		if (strcmp(c->deleting[i], topic) == 0)
			return 1;
	return 0;
}

/* Carry out the clients' CreateTopics/DeleteTopics node n holds for the controller. */
static void
requests(struct fl_ctl *c, struct fl_ctl_node *n)
{
	char msg[FL_CTL_MSG_MAX];
	struct fl_rverb v;
	size_t i;

	for (i = 0; i < n->st.nreqs; i++) {
		const struct fl_bstatus_req *r = &n->st.reqs[i];
		int rc;

		if (r->is_delete) {
			rc = fl_ctl_delete_topic(c, r->topic, msg, sizeof(msg));
		} else {
			/* the broker sized it by the brokers it knows; place over those
			 * not fenced (a client's explicit factor is cut down too) */
			int32_t rf = r->rf, unfenced = 0;
			size_t k;

			for (k = 0; k < c->nnodes; k++)
				unfenced += !c->nodes[k].fenced;
			if (rf > unfenced && unfenced > 0)
				rf = unfenced;
			rc = fl_ctl_create_topic(c, r->topic, r->nparts, rf, &r->conf, msg,
			    sizeof(msg));
		}
		note(c, "node %d asks to %s topic %s: %s%s", (int)n->b.id,
		    r->is_delete ? "delete" : "create", r->topic, rc == 0 ? "" : "refused: ", msg);
		memset(&v, 0, sizeof(v));
		v.kind = FL_RVERB_DONE;
		v.id = r->id;
		v.leader = v.nparts = -1;
		push(c, n, &v);
	}
}

/* Bring node n (a fresh answer) to what the state says. */
static void
reconcile(struct fl_ctl *c, struct fl_ctl_node *n)
{
	size_t i;

	if (n->st.nreqs > 0) {
		/* what they decide is pushed to every node: the rest next time */
		requests(c, n);
		return;
	}

	/* topics it lacks; topics deleted while it was away */
	for (i = 0; i < c->topics.n; i++) {
		const struct fl_topic_ent *t = &c->topics.t[i];
		size_t k;

		for (k = 0; k < n->st.nparts; k++)
			if (strcmp(n->st.parts[k].topic, t->name) == 0)
				break;
		if (k == n->st.nparts)
			create_line(c, n, t);
	}
	for (i = 0; i < n->st.nparts; i++) {
		const char *name = n->st.parts[i].topic;

		if (n->st.parts[i].partition == 0 && topic_of(c, name) == NULL &&
		    is_deleting(c, name))
			push_delete(c, n, name);
	}
	for (i = 0; i < c->next.nparts; i++) {
		const struct fl_cmeta_part *p = &c->next.parts[i];
		const struct fl_bstatus_part *r = fl_bstatus_find(&n->st, p->topic, p->partition);
		int is_replica = fl_nodeset_has(&p->replicas, n->b.id);

		if (n->b.id == p->leader) {
			/*
			 * Its role is the elections' part; but an ISR commit it
			 * missed (the push lost, or a crash before it saved it)
			 * is told again: isr_commits() sees nothing to do once
			 * its proposal is the committed set, and a leader left
			 * on the old, larger set waits for a member dropped.
			 */
			if (r != NULL && r->role == FL_ROLE_LEADER && r->epoch == p->epoch &&
			    !fl_nodeset_equal(&r->isr, &p->isr) &&
			    !(subset(&p->isr, &r->isr) && subset(&r->isr, &r->proposed)))
				push_isr(c, n, p);
			continue;
		}
		if (r != NULL && r->epoch > p->epoch) {
			note(c, "%s-%d: node %d is at epoch %d, ahead of the stored %d", p->topic,
			    (int)p->partition, (int)n->b.id, (int)r->epoch, (int)p->epoch);
			continue;
		}
		if (r == NULL || r->epoch != p->epoch ||
		    r->role != (is_replica && p->leader >= 0 ? FL_ROLE_FOLLOWER : FL_ROLE_OFFLINE) ||
		    r->leader != p->leader) {
			tell(c, n, p);
			continue;
		}
		if (is_replica && p->leader >= 0 && !fl_nodeset_equal(&r->isr, &p->isr))
			push_isr(c, n, p);
	}
}

/* Reassignments: add the new replicas, then, once they are in the ISR, drop the old. */
static void
moves(struct fl_ctl *c, int64_t now_ms)
{
	size_t i = 0;

	while (i < c->nmoves) {
		struct fl_ctl_move *m = &c->moves[i];
		struct fl_cmeta_part *p = part_of(c, m->topic, m->partition);
		struct fl_elect_result res;
		struct fl_nodeset isr;
		size_t k;

		if (p == NULL) {
			c->moves[i] = c->moves[--c->nmoves];
			continue;
		}
		if (!subset(&m->target, &p->isr) || p->leader < 0) {
			i++;
			continue;
		}
		memset(&isr, 0, sizeof(isr));
		for (k = 0; k < p->isr.n; k++)
			if (fl_nodeset_has(&m->target, p->isr.id[k]))
				(void)fl_nodeset_add(&isr, p->isr.id[k]);
		p->replicas = m->target;
		p->isr = isr;
		if (fl_nodeset_has(&m->target, p->leader)) {
			p->epoch = reported_epoch(c, p) + 1;
			c->state_dirty = 1;
			announce(c, p);
		} else if (run_election(c, now_ms, p, -1, 0, -1, &res) == 0) {
			c->elections[FL_CTL_ELECT_REASSIGN]++;
		} else {
			go_offline(c, p);
			c->offlined++;
		}
		note(c, "%s-%d: reassigned; leader %d at epoch %d", p->topic, (int)p->partition,
		    (int)p->leader, (int)p->epoch);
		c->moves[i] = c->moves[--c->nmoves];
	}
}

void
fl_ctl_tick(struct fl_ctl *c, int64_t now_ms)
{
	size_t i;

	if (c->is_fenced)
		return;
	if (topic_of(c, FL_OFFSETS_TOPIC) == NULL) {
		/* the consumer groups' offsets log: its leader coordinates every group */
		char msg[FL_CTL_MSG_MAX];
		size_t unfenced = 0;

		for (i = 0; i < c->nnodes; i++)
			unfenced += !c->nodes[i].fenced;
		if (unfenced > 0)
			(void)fl_ctl_create_topic(c, FL_OFFSETS_TOPIC, 1, unfenced < 3 ?
			    (int32_t)unfenced : 3, NULL, msg, sizeof(msg));
	}
	elections(c, now_ms);
	isr_commits(c);
	moves(c, now_ms);
	for (i = 0; i < c->nnodes; i++) {
		struct fl_ctl_node *n = &c->nodes[i];

		if (n->is_fresh && fl_ctl_is_live(c, n, now_ms))
			reconcile(c, n);
	}
}

/* ---- operators' verbs ---- */

static int
say(char *msg, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return rc;
}

int
fl_ctl_elect(struct fl_ctl *c, int64_t now_ms, const char *topic, int32_t partition,
    int32_t to, int unclean, char *msg, size_t n)
{
	struct fl_cmeta_part *p = part_of(c, topic, partition);
	struct fl_elect_result res;
	uint64_t top = 0, end = 0, short_hw;
	int has_end = 0, is_lossy;
	size_t i;
	int rc;

	if (c->is_fenced)
		return say(msg, n, FL_EBUSY, "this controller is fenced");
	if (p == NULL)
		return say(msg, n, FL_ENOENT, "no partition %s-%d", topic, (int)partition);
	if (to >= 0 && fl_ctl_node(c, to) == NULL)
		return say(msg, n, FL_EINVAL, "no node %d in the cluster", (int)to);
	/* what an unclean election may lose: the longest log's tail past the new leader's end */
	for (i = 0; i < c->nnodes; i++) {
		const struct fl_bstatus_part *r = reported(&c->nodes[i], p);

		if (r != NULL && r->log_end > top)
			top = r->log_end;
	}
	short_hw = known_hw(c, p);
	rc = run_election(c, now_ms, p, to, unclean, -1, &res);
	if (rc == FL_EINVAL)
		return say(msg, n, rc, "node %d is not a replica of %s-%d", (int)to, topic,
		    (int)partition);
	if (rc != 0)
		return say(msg, n, rc, "%s-%d: %s", topic, (int)partition, to >= 0 ?
		    "that node is not live, or not in the committed ISR (--unclean allows it)" :
		    "no live replica in the committed ISR (--unclean allows any live replica)");
	{
		const struct fl_bstatus_part *r = reported(fl_ctl_node(c, res.leader), p);

		if (r != NULL) {
			end = r->log_end;
			has_end = 1;
		}
	}
	note(c, "%s-%d: operator elected node %d at epoch %d%s", topic, (int)partition,
	    (int)res.leader, (int)res.epoch, res.is_unclean ? " (unclean)" : "");
	/* an ISR member whose log is short (drop_short) led only because unclean allowed it */
	is_lossy = res.is_unclean || (unclean && has_end && end < short_hw);
	c->elections[is_lossy ? FL_CTL_ELECT_UNCLEAN : FL_CTL_ELECT_OPERATOR]++;
	if (!is_lossy)
		return say(msg, n, 0, "%s-%d: node %d leads at epoch %d", topic, (int)partition,
		    (int)res.leader, (int)res.epoch);
	if (!has_end)
		return say(msg, n, 0, "%s-%d: node %d leads at epoch %d (unclean): its log end "
		    "is unknown, so every offset it lacks may be lost", topic, (int)partition,
		    (int)res.leader, (int)res.epoch);
	if (top > end)
		return say(msg, n, 0, "%s-%d: node %d leads at epoch %d (unclean): offsets %llu.."
		    "%llu may be lost", topic, (int)partition, (int)res.leader, (int)res.epoch,
		    (unsigned long long)end, (unsigned long long)(top - 1));
	return say(msg, n, 0, "%s-%d: node %d leads at epoch %d (unclean): no known replica "
	    "holds more than its log end %llu", topic, (int)partition, (int)res.leader,
	    (int)res.epoch, (unsigned long long)end);
}

int
fl_ctl_create_topic(struct fl_ctl *c, const char *topic, int32_t nparts, int32_t rf,
    const struct fl_topic_conf *conf, char *msg, size_t n)
{
	struct fl_place_point *points;
	struct fl_place_ring ring;
	int32_t ids[FL_PLACE_BROKERS_MAX], out[FL_REPL_REPLICAS_MAX];
	size_t i, nids = 0;
	int32_t j;
	long k;

	if (c->is_fenced)
		return say(msg, n, FL_EBUSY, "this controller is fenced");
	if (!fl_topic_name_ok(topic, strlen(topic)))
		return say(msg, n, FL_EINVAL, "%s: not a legal topic name", topic);
	if (topic_of(c, topic) != NULL)
		return say(msg, n, FL_EEXIST, "topic %s exists", topic);
	if (nparts < 1 || nparts > FL_TOPIC_PARTITIONS_MAX)
		return say(msg, n, FL_EINVAL, "partitions must be 1..%d", FL_TOPIC_PARTITIONS_MAX);
	for (i = 0; i < c->nnodes; i++)
		if (!c->nodes[i].fenced)
			ids[nids++] = c->nodes[i].b.id;
	if (rf < 1 || (size_t)rf > nids || rf > FL_REPL_REPLICAS_MAX)
		return say(msg, n, FL_ERANGE, "replicas must be 1..%zu (the unfenced nodes)",
		    nids < FL_REPL_REPLICAS_MAX ? nids : (size_t)FL_REPL_REPLICAS_MAX);
	if (conf != NULL && (conf->set & FL_TCONF_MIN_INSYNC) && conf->min_insync > rf)
		return say(msg, n, FL_EINVAL, "min.insync.replicas %d is more than the %d replicas",
		    (int)conf->min_insync, (int)rf);
	if ((points = malloc(FL_PLACE_POINTS(nids) * sizeof(*points))) == NULL) {
		c->nomem = 1;
		return say(msg, n, FL_ENOMEM, "out of memory");
	}
	if (fl_place_ring_init(&ring, points, FL_PLACE_POINTS(nids), ids, nids) != 0) {
		free(points);
		return say(msg, n, FL_EINVAL, "placement failed");
	}
	if (fl_topic_list_add(&c->topics, topic, nparts) != 0 ||
	    (conf != NULL && fl_topic_list_set_conf(&c->topics, topic, conf) != 0))
		goto nomem;
	for (j = 0; j < nparts; j++) {
		struct fl_cmeta_part p;
		int32_t r;

		memset(&p, 0, sizeof(p));
		snprintf(p.topic, sizeof(p.topic), "%s", topic);
		p.partition = j;
		p.leader = -1;
		p.role = FL_ROLE_OFFLINE;
		if (fl_place(&ring, topic, j, (size_t)rf, out) != 0) {
			free(points);
			points = NULL;
			goto nomem;
		}
		for (r = 0; r < rf; r++)
			(void)fl_nodeset_add(&p.replicas, out[r]);
		p.isr = p.replicas;
		if (fl_cmeta_put(&c->next, &p) != 0)
			goto nomem;
	}
	free(points);
	points = NULL;
	for (i = 0; i < c->ndeleting; i++)
		if (strcmp(c->deleting[i], topic) == 0)
			memcpy(c->deleting[i], c->deleting[--c->ndeleting], sizeof(c->deleting[i]));
	c->state_dirty = c->topics_dirty = 1;
	k = fl_topic_list_find(&c->topics, topic);
	for (i = 0; i < c->nnodes; i++)
		create_line(c, &c->nodes[i], &c->topics.t[k]);
	note(c, "created topic %s: %d partitions, %d replicas each", topic, (int)nparts, (int)rf);
	return say(msg, n, 0, "created %s: %d partitions, %d replicas", topic, (int)nparts,
	    (int)rf);
nomem:
	free(points);
	c->nomem = 1;
	fl_cmeta_drop_topic(&c->next, topic);
	(void)fl_topic_list_remove(&c->topics, topic);
	return say(msg, n, FL_ENOMEM, "out of memory");
}

int
fl_ctl_delete_topic(struct fl_ctl *c, const char *topic, char *msg, size_t n)
{
	int held = 0;
	size_t i;

	if (c->is_fenced)
		return say(msg, n, FL_EBUSY, "this controller is fenced");
	if (strcmp(topic, FL_OFFSETS_TOPIC) == 0)
		return say(msg, n, FL_EINVAL, "%s is the consumer groups' offsets log: it is not "
		    "deleted", topic);
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].has_status && fl_bstatus_find(&c->nodes[i].st, topic, 0) != NULL)
			held = 1;
	if (topic_of(c, topic) == NULL && !held)
		return say(msg, n, FL_ENOENT, "no topic %s", topic);
	if (!is_deleting(c, topic)) {
		void *nd = realloc(c->deleting, (c->ndeleting + 1) * sizeof(*c->deleting));

		if (nd == NULL) {
			c->nomem = 1;
			return say(msg, n, FL_ENOMEM, "out of memory");
		}
		c->deleting = nd;
		snprintf(c->deleting[c->ndeleting++], sizeof(c->deleting[0]), "%s", topic);
	}
	if (topic_of(c, topic) != NULL) {
		fl_cmeta_drop_topic(&c->next, topic);
		(void)fl_topic_list_remove(&c->topics, topic);
		c->state_dirty = c->topics_dirty = 1;
	}
	for (i = 0; i < c->nnodes; i++)
		push_delete(c, &c->nodes[i], topic);
	note(c, "deleted topic %s", topic);
	return say(msg, n, 0, "deleted %s", topic);
}

int
fl_ctl_reassign(struct fl_ctl *c, const char *topic, int32_t partition,
    const struct fl_nodeset *target, char *msg, size_t n)
{
	struct fl_cmeta_part *p = part_of(c, topic, partition);
	struct fl_nodeset all;
	size_t i;
	char ts[256];

	if (c->is_fenced)
		return say(msg, n, FL_EBUSY, "this controller is fenced");
	if (p == NULL)
		return say(msg, n, FL_ENOENT, "no partition %s-%d", topic, (int)partition);
	if (target->n == 0)
		return say(msg, n, FL_EINVAL, "a partition needs at least one replica");
	for (i = 0; i < target->n; i++)
		if (fl_ctl_node(c, target->id[i]) == NULL)
			return say(msg, n, FL_EINVAL, "no node %d in the cluster", (int)target->id[i]);
	all = p->replicas;
	for (i = 0; i < target->n; i++)
		if (fl_nodeset_add(&all, target->id[i]) != 0)
			return say(msg, n, FL_ERANGE, "at most %d replicas while moving",
			    FL_REPL_REPLICAS_MAX);
	for (i = 0; i < c->nmoves; i++)
		if (c->moves[i].partition == partition && strcmp(c->moves[i].topic, topic) == 0)
			break;
	if (i == c->nmoves) {
		void *nm = realloc(c->moves, (c->nmoves + 1) * sizeof(*c->moves));

		if (nm == NULL) {
			c->nomem = 1;
			return say(msg, n, FL_ENOMEM, "out of memory");
		}
		c->moves = nm;
		c->nmoves++;
	}
	snprintf(c->moves[i].topic, sizeof(c->moves[i].topic), "%s", topic);
	c->moves[i].partition = partition;
	c->moves[i].target = *target;
	set_text(target, ts, sizeof(ts));
	if (!fl_nodeset_equal(&all, &p->replicas) && p->leader >= 0) {
		/* the leader learns its new replicas at a new epoch */
		p->replicas = all;
		p->epoch = reported_epoch(c, p) + 1;
		c->state_dirty = 1;
		announce(c, p);
	} else if (!fl_nodeset_equal(&all, &p->replicas)) {
		p->replicas = all;
		c->state_dirty = 1;
	}
	note(c, "%s-%d: moving to %s", topic, (int)partition, ts);
	return say(msg, n, 0, "%s-%d: moving to %s (done once they are all in the ISR)", topic,
	    (int)partition, ts);
}

int
fl_ctl_fence(struct fl_ctl *c, int32_t id, int fence, char *msg, size_t n)
{
	struct fl_ctl_node *nd = fl_ctl_node(c, id);

	if (nd == NULL)
		return say(msg, n, FL_EINVAL, "no node %d in the cluster", (int)id);
	nd->fenced = fence != 0;
	note(c, "node %d %s by an operator", (int)id, fence ? "fenced" : "unfenced");
	return say(msg, n, 0, fence ? "node %d is fenced: it counts as down, so its leaderships "
	    "move and no election picks it" : "node %d is unfenced", (int)id);
}

int
fl_ctl_drain(struct fl_ctl *c, int64_t now_ms, int32_t id, char *msg, size_t n)
{
	struct fl_elect_result res;
	size_t i, moved = 0, stuck = 0;

	if (c->is_fenced)
		return say(msg, n, FL_EBUSY, "this controller is fenced");
	if (fl_ctl_node(c, id) == NULL)
		return say(msg, n, FL_EINVAL, "no node %d in the cluster", (int)id);
	for (i = 0; i < c->next.nparts; i++) {
		struct fl_cmeta_part *p = &c->next.parts[i];
		struct fl_cmeta_part keep = *p;
		struct fl_elect_part ep;
		struct fl_nodeset live;

		if (p->leader != id)
			continue;
		memset(&ep, 0, sizeof(ep));
		ep.epoch = reported_epoch(c, p);
		ep.leader = p->leader;
		ep.preferred = -1;
		ep.replicas = p->replicas;
		ep.isr = p->isr;
		live_replicas(c, p, now_ms, id, &live);
		if (fl_elect(&ep, &live, -1, 0, &res) != 0) {
			stuck++;
			continue;
		}
		/* the drained node stays in the ISR: it is live, only not leading */
		if (fl_nodeset_has(&keep.isr, id))
			(void)fl_nodeset_add(&res.isr, id);
		p->epoch = res.epoch;
		p->leader = res.leader;
		p->isr = res.isr;
		c->state_dirty = 1;
		announce(c, p);
		c->elections[FL_CTL_ELECT_DRAIN]++;
		moved++;
	}
	note(c, "node %d drained: %zu leaderships moved, %zu stay", (int)id, moved, stuck);
	if (stuck > 0)
		return say(msg, n, FL_EFULL, "node %d: %zu leaderships moved; %zu stay (no other "
		    "live ISR member)", (int)id, moved, stuck);
	return say(msg, n, 0, "node %d: %zu leaderships moved", (int)id, moved);
}

const char *
fl_ctl_elect_kind_name(enum fl_ctl_elect_kind kind)
{
	static const char *const names[FL_CTL_ELECT_KINDS] = { "clean", "reassign", "operator",
	    "unclean", "drain" };

	FL_ASSERT((unsigned)kind < FL_CTL_ELECT_KINDS);
	return names[kind];
}

/* ---- ready / advance ---- */

void
fl_ctl_ready(const struct fl_ctl *c, struct fl_ctl_ready *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->state = c->state_dirty ? &c->next : NULL;
	rd->topics = c->topics_dirty ? &c->topics : NULL;
	rd->msgs = c->out;
	rd->nmsgs = c->nout;
	rd->notes = c->notes;
	rd->nnotes = c->nnotes;
}

int
fl_ctl_advance(struct fl_ctl *c)
{
	size_t i;

	if (c->state_dirty && fl_cmeta_copy(&c->cur, &c->next) != 0)
		return FL_ENOMEM;
	c->state_dirty = c->topics_dirty = 0;
	for (i = 0; i < c->nout; i++)
		free(c->out[i].line);
	c->nout = 0;
	for (i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	c->nnotes = 0;
	return 0;
}
