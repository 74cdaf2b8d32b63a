/*
 * check.c: the promises (flume-sim(1), INVARIANTS), checked after every
 * step against a reference log: the first copy of an offset seen below
 * some node's HW becomes the committed record at that offset, and every
 * later sight of it (another replica below its HW, a consumer, an
 * acknowledgement) must match it.
 *
 *   acked       a record acknowledged to an idempotent acks=all producer
 *               is committed at its offset with its value, and the final
 *               leader's HW covers it (lost or changed otherwise)
 *   agree       replicas hold the same records below their HWs
 *   durable     no node's log ends below a HW it had (a crash never takes
 *               back what it counted as committed)
 *   one leader  one node leads an epoch, and only it acknowledges in it
 *   epochs      leader epochs on a node, the controller epoch, and each
 *               node's stored controller epoch never go back
 *   hw          a leader's HW never goes back while it leads
 *   consumers   see only committed records, below the HW
 *   idempotence a value an idempotent producer sent is stored once
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/offsets.h"
#include "sim.h"

#define PARTS_MAX 16
#define EPOCHS_MAX 4096

struct rec {
	int is_set, is_acked;
	int32_t epoch;
	char value[SIM_VALUE_MAX];
	char acked[SIM_VALUE_MAX];
};

struct nstate {				/* what the checker saw of one node's partition */
	uint64_t checked_to;		/* its records below this matched the reference */
	uint64_t max_hw;		/* the highest HW it had */
	int32_t max_epoch;
	int32_t durable_epoch;		/* in the cluster.meta it last wrote */
	int32_t lead_epoch;		/* leading: the epoch, -1 */
	uint64_t lead_hw;
};

struct pstate {
	struct rec *r;			/* the reference, by offset */
	size_t nr, cap;
	int32_t led[EPOCHS_MAX];	/* epoch -> node that led it (0: none) */
	uint64_t max_acked_end;
	/* values stored: value -> offset, open addressing */
	char (*vk)[SIM_VALUE_MAX];
	uint64_t *vo;
	size_t vcap, vn;
};

struct check {
	struct pstate p[PARTS_MAX];
	struct nstate n[SIM_NODES_MAX + 1][PARTS_MAX];
	int64_t ctl_epoch;
	int64_t node_ctl_epoch[SIM_NODES_MAX + 1];
	int64_t node_ctl_durable[SIM_NODES_MAX + 1];
	uint8_t *buf;
	size_t bufcap;
	int32_t offsets_epoch;		/* the newest epoch of __consumer_offsets-0 led */
	/*
	 * group "m": every commit its coordinators stored (value, where in the
	 * offsets log), and per partition the latest acknowledged one's place
	 */
	struct gcommit { int32_t part; int64_t value; uint64_t pos; } *gc;
	size_t ngc, gccap;
	uint64_t gfloor[PARTS_MAX];	/* 0: none acknowledged yet; else its end + 0 */
};


int
check_init(struct sim_world *w)
{
	struct check *c = calloc(1, sizeof(*c));
	int i, j;

	if (c == NULL)
		return -1;
	for (i = 0; i <= SIM_NODES_MAX; i++)
		for (j = 0; j < PARTS_MAX; j++)
			c->n[i][j].lead_epoch = -1;

	w->chk = c;
	return 0;
}

void
check_free(struct sim_world *w)
{
	struct check *c = w->chk;
	int j;

	if (c == NULL)
		return;
	for (j = 0; j < PARTS_MAX; j++) {
		free(c->p[j].r);
		free(c->p[j].vk);
		free(c->p[j].vo);
	}
	free(c->buf);
	free(c->gc);
	free(c);
	w->chk = NULL;
}

static struct rec *
rec_at(struct pstate *ps, uint64_t off)
{
	if (off >= ps->cap) {
		size_t cap = ps->cap ? ps->cap : 256;
		struct rec *r;

		while (cap <= off)
			cap *= 2;
		if ((r = realloc(ps->r, cap * sizeof(*r))) == NULL)
			sim_oom();
		memset(r + ps->cap, 0, (cap - ps->cap) * sizeof(*r));
		ps->r = r;
		ps->cap = cap;
	}
	if (off >= ps->nr)
		ps->nr = off + 1;
	return &ps->r[off];
}

static uint64_t
vhash(const char *v)
{
	uint64_t h = 1469598103934665603ull;

	for (; *v; v++)
		h = (h ^ (uint8_t)*v) * 1099511628211ull;
	return h;
}

/* Where value v is stored; inserts it at off when new.  Returns its offset. */
static uint64_t
value_at(struct pstate *ps, const char *v, uint64_t off)
{
	size_t i;

	if (ps->vn * 2 >= ps->vcap) {
		size_t cap = ps->vcap ? ps->vcap * 2 : 1024, k;
		char (*vk)[SIM_VALUE_MAX] = calloc(cap, SIM_VALUE_MAX);
		uint64_t *vo = calloc(cap, sizeof(*vo));

		if (vk == NULL || vo == NULL)
			sim_oom();
		for (k = 0; k < ps->vcap; k++) {
			if (ps->vk[k][0] == '\0')
				continue;
			for (i = vhash(ps->vk[k]) & (cap - 1); vk[i][0] != '\0'; i = (i + 1) & (cap - 1))
				;
			memcpy(vk[i], ps->vk[k], SIM_VALUE_MAX);
			vo[i] = ps->vo[k];
		}
		free(ps->vk);
		free(ps->vo);
		ps->vk = vk;
		ps->vo = vo;
		ps->vcap = cap;
	}
	for (i = vhash(v) & (ps->vcap - 1); ps->vk[i][0] != '\0'; i = (i + 1) & (ps->vcap - 1))
		if (strcmp(ps->vk[i], v) == 0)
			return ps->vo[i];
	snprintf(ps->vk[i], SIM_VALUE_MAX, "%s", v);
	ps->vo[i] = off;
	ps->vn++;
	return off;
}

/* Values of idempotent producers (clients 0 and 1) must be stored once. */
static int
is_idempotent_value(const char *v)
{
	return v[0] == 'c' && (v[1] == '0' || v[1] == '1') && v[2] == '-';
}

/* One record a node holds below its HW, against the reference. */
static void
see(struct sim_world *w, int node, int32_t part, uint64_t off, int32_t epoch, const char *v)
{
	struct pstate *ps = &w->chk->p[part];
	struct rec *r = rec_at(ps, off);

	if (!r->is_set) {
		uint64_t at;

		r->is_set = 1;
		r->epoch = epoch;
		snprintf(r->value, sizeof(r->value), "%s", v);
		if (r->is_acked && strcmp(r->acked, v) != 0)
			sim_fail(w, "acknowledged record lost: %s-%d offset %llu was acked as \"%s\", "
			    "node %d committed \"%s\" there (epoch %d)", SIM_TOPIC, (int)part,
			    (unsigned long long)off, r->acked, node, v, (int)epoch);
		at = value_at(ps, v, off);
		if (at != off && is_idempotent_value(v))
			sim_fail(w, "duplicate: idempotent producer's \"%s\" is stored at %s-%d offsets "
			    "%llu and %llu", v, SIM_TOPIC, (int)part, (unsigned long long)at,
			    (unsigned long long)off);
		return;
	}
	if (r->epoch != epoch || strcmp(r->value, v) != 0)
		sim_fail(w, "replicas disagree below the HW: %s-%d offset %llu on node %d is \"%s\" "
		    "(epoch %d), committed \"%s\" (epoch %d)", SIM_TOPIC, (int)part,
		    (unsigned long long)off, node, v, (int)epoch, r->value, (int)r->epoch);
}

/*
 * Read node's records [from, to) of a partition and see each.  The
 * offsets a damaged sector of its log hit (node_corrupt) are not read
 * there: that copy is known bad, and the others are held to the promises.
 */
static void
scan(struct sim_world *w, int node, int32_t part, struct fl_part *p, uint64_t from, uint64_t to)
{
	struct check *c = w->chk;
	const struct sim_damage *d = &w->node[node].dmg[part];
	uint64_t off = from;

	while (off < to && !w->failed) {
		struct fl_plog_span span;
		size_t pos = 0;
		uint64_t lim = to;
		int rc;

		if (d->is_set && off >= d->lo && off < d->hi) {
			off = d->hi;
			continue;
		}
		if (d->is_set && off < d->lo && d->lo < lim)
			lim = d->lo;
		rc = fl_plog_read(&p->log, off, lim, 1 << 20, &span);

		if (rc != 0 && d->is_set && off >= d->lo)
			return;	/* reading on crosses the damaged batches: that copy is bad */
		if (rc != 0) {
			sim_fail(w, "node %d: %s-%d: offset %llu below its HW %llu cannot be read (%s)",
			    node, SIM_TOPIC, (int)part, (unsigned long long)off, (unsigned long long)to,
			    fl_strerror(rc));
			return;
		}
		if (span.len > c->bufcap) {
			free(c->buf);
			if ((c->buf = malloc((size_t)span.len)) == NULL)
				sim_oom();
			c->bufcap = (size_t)span.len;
		}
		if (fl_vfs_pread_full(span.file, c->buf, (size_t)span.len, span.pos) != 0) {
			sim_fail(w, "node %d: %s-%d: read failed", node, SIM_TOPIC, (int)part);
			return;
		}
		while (pos < span.len) {
			struct fl_batch_hdr h;
			struct fl_record_iter it;
			struct fl_record rec;

			if (fl_batch_hdr_parse(c->buf + pos, (size_t)span.len - pos, &h) != 0 ||
			    fl_record_iter_init(&it, c->buf + pos, (size_t)fl_batch_size(&h)) != 0) {
				if (d->is_set && off >= d->lo)
					return;	/* as above */
				sim_fail(w, "node %d: %s-%d: a damaged batch below the HW at offset %llu",
				    node, SIM_TOPIC, (int)part, (unsigned long long)off);
				return;
			}
			while (fl_record_next(&it, &rec) == 1) {
				char v[SIM_VALUE_MAX];

				if ((uint64_t)rec.offset < off || (uint64_t)rec.offset >= lim)
					continue;
				snprintf(v, sizeof(v), "%.*s", (int)rec.value.len,
				    rec.value.p ? (const char *)rec.value.p : "");
				see(w, node, part, (uint64_t)rec.offset, h.leader_epoch, v);
			}
			pos += (size_t)fl_batch_size(&h);
		}
		if (span.next_offset <= off)
			break;
		off = span.next_offset;
	}
}

void
check_step(struct sim_world *w)
{
	struct check *c = w->chk;
	int i;
	int32_t j;

	for (i = 1; i <= w->o.nodes && !w->failed; i++) {
		struct sim_node *n = &w->node[i];

		if (!n->up)
			continue;
		if (n->cmeta.controller_epoch < c->node_ctl_epoch[i])
			sim_fail(w, "node %d's controller epoch went back: %lld after %lld", i,
			    (long long)n->cmeta.controller_epoch, (long long)c->node_ctl_epoch[i]);
		c->node_ctl_epoch[i] = n->cmeta.controller_epoch;
		for (j = 0; j < w->o.partitions && j < PARTS_MAX && !w->failed; j++) {
			struct fl_part *p = node_part(n, SIM_TOPIC, j);
			struct nstate *s = &c->n[i][j];
			uint64_t hw, end;

			if (p == NULL || !p->is_open)
				continue;
			if (p->leader_epoch < s->max_epoch) {
				sim_fail(w, "node %d: %s-%d: leader epoch went back from %d to %d", i,
				    SIM_TOPIC, (int)j, (int)s->max_epoch, (int)p->leader_epoch);
				return;
			}
			s->max_epoch = p->leader_epoch;
			end = p->log.log_end;
			hw = p->hw < end ? p->hw : end;
			if (n->dmg[j].is_set && end <= n->dmg[j].lo) {
				/*
				 * Cut at or below its damage (recovery, or a truncation
				 * that met it): the damaged bytes are gone, and so is
				 * what this copy held above them; it copies them again.
				 */
				n->dmg[j].is_set = 0;
				if (s->max_hw > end)
					s->max_hw = end;
			}
			if (p->role == FL_ROLE_LEADER) {
				if (s->lead_epoch == p->leader_epoch && p->hw < s->lead_hw) {
					sim_fail(w, "node %d: %s-%d: HW went back from %llu to %llu while "
					    "leading epoch %d", i, SIM_TOPIC, (int)j,
					    (unsigned long long)s->lead_hw, (unsigned long long)p->hw,
					    (int)p->leader_epoch);
					return;
				}
				s->lead_epoch = p->leader_epoch;
				s->lead_hw = p->hw;
			} else {
				s->lead_epoch = -1;
			}
			if (end < s->max_hw) {
				sim_fail(w, "node %d: %s-%d: its log ends at %llu, below the HW %llu it had:"
				    " committed records are gone", i, SIM_TOPIC, (int)j,
				    (unsigned long long)end, (unsigned long long)s->max_hw);
				return;
			}
			if (hw > s->max_hw)
				s->max_hw = hw;
			if (s->checked_to > end)
				s->checked_to = end;
			if (hw > s->checked_to) {
				scan(w, i, j, p, s->checked_to, hw);
				s->checked_to = hw;
			}
		}
	}
}

void
check_acked(struct sim_world *w, int client, int32_t part, int64_t base,
    const char (*values)[SIM_VALUE_MAX], int32_t n, int idempotent)
{
	struct pstate *ps;
	int32_t i;

	w->acked_records += (uint64_t)n;
	if (!idempotent || part >= PARTS_MAX || base < 0)
		return;
	ps = &w->chk->p[part];
	for (i = 0; i < n; i++) {
		uint64_t off = (uint64_t)base + (uint64_t)i;
		struct rec *r = rec_at(ps, off);

		if (r->is_set && strcmp(r->value, values[i]) != 0) {
			sim_fail(w, "acknowledged record lost: client %d's \"%s\" acked at %s-%d offset "
			    "%llu, committed there is \"%s\" (epoch %d)", client, values[i], SIM_TOPIC,
			    (int)part, (unsigned long long)off, r->value, (int)r->epoch);
			return;
		}
		r->is_acked = 1;
		snprintf(r->acked, sizeof(r->acked), "%s", values[i]);
		if (off + 1 > ps->max_acked_end)
			ps->max_acked_end = off + 1;
	}
}

void
check_consumed(struct sim_world *w, int client, int32_t part, int64_t offset, const char *value,
    size_t len)
{
	struct pstate *ps;
	struct rec *r;
	char v[SIM_VALUE_MAX];

	if (part >= PARTS_MAX || offset < 0)
		return;
	ps = &w->chk->p[part];
	r = rec_at(ps, (uint64_t)offset);
	snprintf(v, sizeof(v), "%.*s", (int)len, value ? value : "");
	if (!r->is_set)
		sim_fail(w, "client %d consumed %s-%d offset %lld (\"%s\"), which no replica had "
		    "below its HW", client, SIM_TOPIC, (int)part, (long long)offset, v);
	else if (strcmp(r->value, v) != 0)
		sim_fail(w, "client %d consumed \"%s\" at %s-%d offset %lld; committed there is "
		    "\"%s\"", client, v, SIM_TOPIC, (int)part, (long long)offset, r->value);
}

void
check_led(struct sim_world *w, int node, const char *topic, int32_t part, int32_t epoch)
{
	struct pstate *ps;

	if (strcmp(topic, FL_OFFSETS_TOPIC) == 0 && part == 0 && epoch > w->chk->offsets_epoch)
		w->chk->offsets_epoch = epoch;
	if (strcmp(topic, SIM_TOPIC) != 0 || part >= PARTS_MAX || epoch < 0 || epoch >= EPOCHS_MAX)
		return;
	ps = &w->chk->p[part];
	if (ps->led[epoch] != 0 && ps->led[epoch] != node)
		sim_fail(w, "two leaders in one epoch: %s-%d epoch %d is led by node %d and node %d",
		    topic, (int)part, (int)epoch, (int)ps->led[epoch], node);
	ps->led[epoch] = node;
}

void
check_wrote(struct sim_world *w, int node, const char *topic, int32_t part, int32_t epoch)
{
	struct pstate *ps;

	if (strcmp(topic, SIM_TOPIC) != 0 || part >= PARTS_MAX || epoch < 0 || epoch >= EPOCHS_MAX)
		return;
	ps = &w->chk->p[part];
	if (ps->led[epoch] != node)
		sim_fail(w, "node %d acknowledged a write to %s-%d in epoch %d, which node %d leads",
		    node, topic, (int)part, (int)epoch, (int)ps->led[epoch]);
}

void
check_ctl_epoch(struct sim_world *w, int64_t epoch)
{
	if (epoch <= w->chk->ctl_epoch)
		sim_fail(w, "the controller epoch went back: %lld after %lld", (long long)epoch,
		    (long long)w->chk->ctl_epoch);
	w->chk->ctl_epoch = epoch;
}

/*
 * A crash takes back what the node had not written durably: an epoch it
 * learnt but failed to record (it answered the controller an error) may
 * be forgotten; one it recorded may not.
 */
void
check_node_crashed(struct sim_world *w, int node)
{
	int j;

	for (j = 0; j < PARTS_MAX; j++) {
		w->chk->n[node][j].lead_epoch = -1;
		w->chk->n[node][j].max_epoch = w->chk->n[node][j].durable_epoch;
	}
	w->chk->node_ctl_epoch[node] = w->chk->node_ctl_durable[node];
}

/*
 * A sector of node's log of part was damaged at rest, hitting offsets
 * from lo: recovery may cut there (a bad tail above the stored hw is
 * indistinguishable from a torn write), so that copy is no longer held to
 * what it had above lo.  The cluster's promises stay: the other copies
 * hold every acknowledged record.
 */
void
check_damaged(struct sim_world *w, int node, int32_t part, uint64_t lo)
{
	struct nstate *s = &w->chk->n[node][part];

	if (s->max_hw > lo)
		s->max_hw = lo;
	if (s->checked_to > lo)
		s->checked_to = lo;
}

void
check_saved(struct sim_world *w, int node, const struct fl_cmeta *m)
{
	size_t i;

	if (m->controller_epoch > w->chk->node_ctl_durable[node])
		w->chk->node_ctl_durable[node] = m->controller_epoch;
	for (i = 0; i < m->nparts; i++) {
		const struct fl_cmeta_part *e = &m->parts[i];
		struct nstate *s;

		if (strcmp(e->topic, SIM_TOPIC) != 0 || e->partition < 0 || e->partition >= PARTS_MAX)
			continue;
		s = &w->chk->n[node][e->partition];
		if (e->epoch > s->durable_epoch)
			s->durable_epoch = e->epoch;
	}
}

/*
 * Is every member of part's committed ISR a damaged copy: a node that
 * refuses to start on damage, or one whose reads met it (fl_part_read)?
 */
static int
isr_damaged(struct sim_world *w, int32_t part)
{
	const struct fl_cmeta_part *e = fl_cmeta_find(&w->ctl.stored, SIM_TOPIC, part);
	size_t i;

	if (e == NULL || e->isr.n == 0)
		return 0;
	for (i = 0; i < e->isr.n; i++) {
		struct sim_node *n;
		struct fl_part *p;

		if (e->isr.id[i] < 1 || e->isr.id[i] > w->o.nodes)
			return 0;
		n = &w->node[e->isr.id[i]];
		p = n->up ? node_part(n, SIM_TOPIC, part) : NULL;
		if (!n->is_refused && !(p != NULL && p->is_damaged))
			return 0;
	}
	return 1;
}

/* After settling: every acknowledged record is under a leader's HW. */
void
check_final(struct sim_world *w)
{
	struct check *c = w->chk;
	int32_t j;
	int i;

	check_step(w);
	for (j = 0; j < w->o.partitions && j < PARTS_MAX && !w->failed; j++) {
		struct pstate *ps = &c->p[j];
		struct fl_part *best = NULL;
		int leader = 0;
		uint64_t off;

		for (i = 1; i <= w->o.nodes; i++) {
			struct fl_part *p = node_part(&w->node[i], SIM_TOPIC, j);

			if (w->node[i].up && p != NULL && p->role == FL_ROLE_LEADER &&
			    (best == NULL || p->leader_epoch > best->leader_epoch)) {
				best = p;
				leader = i;
			}
		}
		if (ps->max_acked_end == 0)
			continue;
		if (best == NULL && isr_damaged(w, j)) {
			/* refusing a damaged copy is right; which copy to trust is an operator's call */
			sim_trace(w, "%s-%d: offline: every member of its ISR holds a damaged copy "
			    "(flume-seg repair, or an unclean election, is an operator's choice)",
			    SIM_TOPIC, (int)j);
			continue;
		}
		if (best == NULL) {
			sim_fail(w, "%s-%d has no leader after %lld ms of settling", SIM_TOPIC, (int)j,
			    (long long)w->o.settle_ms);
			return;
		}
		if (best->hw < ps->max_acked_end) {
			sim_fail(w, "%s-%d: acknowledged records up to offset %llu, but its leader "
			    "(node %d, epoch %d) has HW %llu after settling", SIM_TOPIC, (int)j,
			    (unsigned long long)ps->max_acked_end - 1, leader, (int)best->leader_epoch,
			    (unsigned long long)best->hw);
			return;
		}
		for (off = 0; off < ps->max_acked_end && off < ps->nr; off++) {
			const struct rec *r = &ps->r[off];

			if (r->is_acked && (!r->is_set || strcmp(r->value, r->acked) != 0)) {
				sim_fail(w, "acknowledged record lost: \"%s\" at %s-%d offset %llu", r->acked,
				    SIM_TOPIC, (int)j, (unsigned long long)off);
				return;
			}
		}
	}
}

/*
 * Committed offsets never go back: an OffsetFetch returns at least what was
 * acknowledged.  Known limit (flume-sim(1)): a deposed coordinator that has
 * not heard so (cut off from the controller) still answers from what it
 * had, as Kafka's does until it is fenced; its answers are not held to it.
 */
int
check_offset_fetched(struct sim_world *w, int client, int coord, int32_t part, int64_t got,
    int64_t floor)
{
	struct fl_part *op = node_part(&w->node[coord], FL_OFFSETS_TOPIC, 0);

	if (got < floor && op != NULL && op->leader_epoch < w->chk->offsets_epoch) {
		sim_trace(w, "check: node %d is a deposed coordinator (epoch %d < %d): its %lld "
		    "is stale, not checked", coord, (int)op->leader_epoch, (int)w->chk->offsets_epoch,
		    (long long)got);
		return 1;
	}
	if (got < floor)
		sim_fail(w, "committed offset went back: client %d's commit of %s-%d at %lld was "
		    "acknowledged, the coordinator (node %d) now answers %lld", client, SIM_TOPIC,
		    (int)part, (long long)floor, coord, (long long)got);
	return 0;
}

/*
 * Group "m"'s commits, by their place in the offsets log (the end of the
 * batch that stored them): a later commit may carry a lower offset (a new
 * generation's member that resumed before an older commit became
 * visible), so "never back" means an OffsetFetch answers a commit stored
 * at or after the latest one acknowledged when it was sent.
 */
void
check_gcommit_stored(struct sim_world *w, int32_t part, int64_t value, uint64_t pos)
{
	struct check *c = w->chk;

	if (c->ngc == c->gccap) {
		size_t cap = c->gccap ? c->gccap * 2 : 256;
		struct gcommit *x = realloc(c->gc, cap * sizeof(*x));

		if (x == NULL)
			sim_oom();
		c->gc = x;
		c->gccap = cap;
	}
	c->gc[c->ngc].part = part;
	c->gc[c->ngc].value = value;
	c->gc[c->ngc++].pos = pos;
}

void
check_gcommit_acked(struct sim_world *w, int32_t part, uint64_t pos)
{
	if (part >= 0 && part < PARTS_MAX && pos > w->chk->gfloor[part])
		w->chk->gfloor[part] = pos;
}

uint64_t
check_group_floor(struct sim_world *w, int32_t part)
{
	return part >= 0 && part < PARTS_MAX ? w->chk->gfloor[part] : 0;
}

void
check_group_fetched(struct sim_world *w, int client, int coord, int32_t part, int64_t got,
    uint64_t floor)
{
	struct check *c = w->chk;
	struct fl_part *op = node_part(&w->node[coord], FL_OFFSETS_TOPIC, 0);
	size_t i;

	if (floor == 0)
		return;
	for (i = 0; i < c->ngc; i++)
		if (c->gc[i].part == part && c->gc[i].value == got && c->gc[i].pos >= floor)
			return;
	if (op != NULL && op->leader_epoch < c->offsets_epoch) {
		sim_trace(w, "check: node %d is a deposed coordinator (epoch %d < %d): its %lld "
		    "is stale, not checked", coord, (int)op->leader_epoch, (int)c->offsets_epoch,
		    (long long)got);
		return;
	}
	sim_fail(w, "committed offset went back: client %d reads %lld for group m's %s-%d from "
	    "node %d, older than the commit acknowledged at offsets-log position %llu", client,
	    (long long)got, SIM_TOPIC, (int)part, coord, (unsigned long long)floor);
}
