/*
 * world.c: the seeded clock, the event queue, the network and the
 * nemesis.  The queue is a binary heap on (time, order of scheduling), so
 * two events at one millisecond always run in the same order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "sim.h"

void
sim_oom(void)
{
	fprintf(stderr, "flume-sim: out of memory\n");
	exit(EX_OSERR);
}

/* ---- trace ---- */

void
sim_trace(struct sim_world *w, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%lld.%03lld ", (long long)(w->now / 1000),
	    (long long)(w->now % 1000));
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	line[n++] = '\n';
	fl_blake2b_update(&w->th, line, (size_t)n);
	if (w->o.trace)
		fwrite(line, 1, (size_t)n, stdout);
	if (w->ring != NULL) {
		char *s = w->ring[w->ring_at];

		memcpy(s, line, (size_t)n);
		s[n] = '\0';
		w->ring_at = (w->ring_at + 1) % SIM_TRACE_KEEP;
	}
}

void
sim_fail(struct sim_world *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = 1;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	sim_trace(w, "INVARIANT BROKEN: %s", w->why);
}

/* ---- random ---- */

uint64_t
sim_rand(struct sim_world *w, uint64_t n)
{
	return fl_rng_below(&w->rng, n);
}

int
sim_chance(struct sim_world *w, unsigned per_mille)
{
	return fl_rng_below(&w->rng, 1000) < per_mille;
}

/* ---- the queue ---- */

static int
ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
push(struct sim_world *w, struct sim_ev *e)
{
	size_t i;

	if (w->nq == w->qcap) {
		size_t cap = w->qcap ? w->qcap * 2 : 1024;
		struct sim_ev *q = realloc(w->q, cap * sizeof(*q));

		if (q == NULL)
			sim_oom();
		w->q = q;
		w->qcap = cap;
	}
	e->seq = w->seq++;
	i = w->nq++;
	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (!ev_before(e, &w->q[up]))
			break;
		w->q[i] = w->q[up];
		i = up;
	}
	w->q[i] = *e;
}

static int
pop(struct sim_world *w, struct sim_ev *out)
{
	struct sim_ev last;
	size_t i = 0;

	if (w->nq == 0)
		return 0;
	*out = w->q[0];
	last = w->q[--w->nq];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sim_ev *best = &last;

		if (l < w->nq && ev_before(&w->q[l], best)) {
			m = l;
			best = &w->q[l];
		}
		if (r < w->nq && ev_before(&w->q[r], best))
			m = r;
		if (m == i)
			break;
		w->q[i] = w->q[m];
		i = m;
	}
	if (w->nq > 0)
		w->q[i] = last;
	return 1;
}

void
sim_schedule(struct sim_world *w, int64_t at, enum ev_kind kind, int who, uint32_t inc,
    uint64_t arg)
{
	struct sim_ev e;

	memset(&e, 0, sizeof(e));
	e.at = at < w->now ? w->now : at;
	e.kind = kind;
	e.who = who;
	e.inc = inc;
	e.arg = arg;
	push(w, &e);
}

/* ---- endpoints ---- */

int
sim_ep_index(int ep)
{
	return ep >= SIM_EP_CLIENT ? SIM_NODES_MAX + 1 + (ep - SIM_EP_CLIENT) : ep;
}

uint32_t
sim_inc(const struct sim_world *w, int ep)
{
	if (ep == SIM_EP_CTL)
		return w->ctl.inc;
	if (ep >= SIM_EP_CLIENT)
		return w->cl[ep - SIM_EP_CLIENT].inc;
	return w->node[ep].inc;
}

static int
ep_up(const struct sim_world *w, int ep)
{
	if (ep == SIM_EP_CTL)
		return w->ctl.up;
	if (ep >= SIM_EP_CLIENT)
		return 1;
	return w->node[ep].up;
}

/* ---- the network ---- */

static const char *const msg_names[] = { "kreq", "kresp", "admin", "answer" };

static void
deliver_at(struct sim_world *w, struct sim_msg *m, int64_t at)
{
	struct sim_ev e;

	memset(&e, 0, sizeof(e));
	e.at = at;
	e.kind = EV_DELIVER;
	e.who = m->to;
	e.msg = m;
	push(w, &e);
}

static struct sim_msg *
msg_dup(const struct sim_msg *m)
{
	struct sim_msg *c = malloc(sizeof(*c));

	if (c == NULL || (c->data = malloc(m->len ? m->len : 1)) == NULL)
		sim_oom();
	memcpy(c, m, offsetof(struct sim_msg, data));
	c->len = m->len;
	memcpy(c->data, m->data, m->len);
	return c;
}

/*
 * Admin streams are TCP: in order, and a partition breaks them (what the
 * controller then sees is silence until its stuck timer closes the link).
 * Kafka requests travel one per connection and may be lost, late,
 * duplicated (a client's retry on a new connection) or overtaken.
 */
void
sim_send(struct sim_world *w, enum msg_kind kind, int from, int to, uint64_t stream,
    uint64_t tag, const void *data, size_t len)
{
	struct sim_msg tmp, *m;
	int fi = sim_ep_index(from), ti = sim_ep_index(to);
	int64_t at = w->now + 1 + (int64_t)sim_rand(w, 3);
	int is_admin = kind == M_ADMIN || kind == M_ADMIN_ANS;

	w->msgs++;
	if (is_admin) {
		int node = kind == M_ADMIN ? to : from;

		if (w->broken_stream[node] == stream)
			return;
		if (w->blocked[fi][ti]) {
			/* TCP gives up on the stream: what follows it is lost too */
			w->broken_stream[node] = stream;
			sim_trace(w, "net %d->%d admin stream %llu cut (partition)", from, to,
			    (unsigned long long)stream);
			return;
		}
	}
	if (w->blocked[fi][ti]) {
		sim_trace(w, "net %d->%d %s lost (partition)", from, to, msg_names[kind]);
		return;
	}
	if (!is_admin && w->net_faulty && sim_chance(w, 30)) {
		sim_trace(w, "net %d->%d %s dropped", from, to, msg_names[kind]);
		return;
	}
	if (w->net_faulty && sim_chance(w, 60))
		at += (int64_t)sim_rand(w, 40);		/* late: overtaken by later ones */
	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = kind;
	tmp.from = from;
	tmp.to = to;
	tmp.from_inc = sim_inc(w, from);
	tmp.to_inc = sim_inc(w, to);
	tmp.stream = stream;
	tmp.tag = tag;
	tmp.data = (uint8_t *)(uintptr_t)data;
	tmp.len = len;
	m = msg_dup(&tmp);
	if (is_admin) {
		int node = kind == M_ADMIN ? to : from, dir = kind == M_ADMIN ? 0 : 1;

		if (at < w->last_admin_at[node][dir])
			at = w->last_admin_at[node][dir];
		w->last_admin_at[node][dir] = at;
	}
	deliver_at(w, m, at);
	if (!is_admin && w->net_faulty && sim_chance(w, 20)) {
		sim_trace(w, "net %d->%d %s duplicated", from, to, msg_names[kind]);
		deliver_at(w, msg_dup(m), at + 1 + (int64_t)sim_rand(w, 30));
	}
}

struct sim_msg *
sim_msg_copy(const struct sim_msg *m)
{
	return msg_dup(m);
}

void
sim_msg_free(struct sim_msg *m)
{
	if (m != NULL) {
		free(m->data);
		free(m);
	}
}

static void
msg_free(struct sim_msg *m)
{
	if (m != NULL) {
		free(m->data);
		free(m);
	}
}

static void
deliver(struct sim_world *w, struct sim_msg *m)
{
	/* a restart on either side ended the connection it came by */
	if (!ep_up(w, m->to) || m->to_inc != sim_inc(w, m->to) ||
	    m->from_inc != sim_inc(w, m->from) || !ep_up(w, m->from)) {
		msg_free(m);
		return;
	}
	if (m->to != SIM_EP_CTL && m->to < SIM_EP_CLIENT && w->node[m->to].paused) {
		/* a stopped process reads nothing; the kernel keeps it, in order */
		struct sim_node *n = &w->node[m->to];

		if (n->nheld == n->heldcap) {
			size_t cap = n->heldcap ? n->heldcap * 2 : 64;
			struct sim_msg **h = realloc(n->held, cap * sizeof(*h));

			if (h == NULL)
				sim_oom();
			n->held = h;
			n->heldcap = cap;
		}
		n->held[n->nheld++] = m;
		return;
	}
	if (m->to == SIM_EP_CTL)
		ctl_deliver(w, m);
	else if (m->to >= SIM_EP_CLIENT)
		client_deliver(w, &w->cl[m->to - SIM_EP_CLIENT], m);
	else
		node_deliver(w, &w->node[m->to], m);
	msg_free(m);
}

void
sim_drop_held(struct sim_node *n)
{
	size_t i;

	for (i = 0; i < n->nheld; i++)
		msg_free(n->held[i]);
	n->nheld = 0;
}

/* SIGCONT: what the kernel kept is read first, in the order it came. */
static void deliver(struct sim_world *w, struct sim_msg *m);

void
sim_resume(struct sim_world *w, struct sim_node *n)
{
	struct sim_msg **held = n->held;
	size_t i, nheld = n->nheld;

	n->paused = 0;
	n->paused_until = w->now;
	/* now, before anything queued behind them: a stream stays in order */
	n->held = NULL;
	n->nheld = n->heldcap = 0;
	for (i = 0; i < nheld; i++)
		deliver(w, held[i]);
	free(held);
}

/* ---- the nemesis ---- */

static int
random_node(struct sim_world *w)
{
	return 1 + (int)sim_rand(w, (uint64_t)w->o.nodes);
}

static void
partition(struct sim_world *w)
{
	int victim = random_node(w), way = (int)sim_rand(w, 3), i;
	int vi = sim_ep_index(victim);
	int64_t len = 200 + (int64_t)sim_rand(w, 1500);
	static const char *const ways[] = { "both ways", "its sends lost", "sends to it lost" };

	for (i = 0; i < SIM_NODES_MAX + 1 + SIM_CLIENTS_MAX; i++) {
		if (i == vi)
			continue;
		if (i > w->o.nodes && i <= SIM_NODES_MAX)
			continue;
		if (way != 2)
			w->blocked[vi][i] = 1;
		if (way != 1)
			w->blocked[i][vi] = 1;
	}
	sim_trace(w, "nemesis: node %d partitioned (%s) for %lld ms", victim, ways[way],
	    (long long)len);
	sim_schedule(w, w->now + len, EV_HEAL, victim, 0, 0);
}

static void
heal(struct sim_world *w, int victim)
{
	int vi = sim_ep_index(victim), i;

	for (i = 0; i < SIM_NODES_MAX + 1 + SIM_CLIENTS_MAX; i++) {
		w->blocked[vi][i] = 0;
		w->blocked[i][vi] = 0;
	}
	sim_trace(w, "heal: node %d", victim);
}

static void
nemesis(struct sim_world *w)
{
	unsigned f = w->o.faults;
	int tries;

	if (w->healing)
		return;
	for (tries = 0; tries < 8; tries++) {
		unsigned pick = (unsigned)sim_rand(w, 9);
		struct sim_node *n = &w->node[random_node(w)];

		w->faults++;
		switch (pick) {
		case 0:
			if (!(f & SIM_F_NET))
				continue;
			partition(w);
			break;
		case 1:
			if (!(f & SIM_F_NET))
				continue;
			w->net_faulty = !w->net_faulty;
			sim_trace(w, "nemesis: lossy network %s", w->net_faulty ? "on" : "off");
			break;
		case 2: case 3:
			if (!(f & SIM_F_CRASH) || !n->up)
				continue;
			node_crash(w, n, "nemesis: kill -9");
			sim_schedule(w, w->now + 20 + (int64_t)sim_rand(w, 1000), EV_RESTART, n->id, 0, 0);
			break;
		case 4:
			if (!(f & SIM_F_CRASH) || !n->up || n->paused)
				continue;
			n->paused = 1;
			n->paused_until = w->now + 50 + (int64_t)sim_rand(w, 1500);
			sim_trace(w, "nemesis: node %d stopped (SIGSTOP) until %lld", n->id,
			    (long long)n->paused_until);
			sim_schedule(w, n->paused_until, EV_RESUME, n->id, n->inc, 0);
			break;
		case 5:
			if (!(f & SIM_F_CRASH) || !w->ctl.up)
				continue;
			ctl_crash(w);
			sim_schedule(w, w->now + 20 + (int64_t)sim_rand(w, 800), EV_RESTART, SIM_EP_CTL,
			    0, 0);
			break;
		case 6:
			if (!(f & SIM_F_DISK) || n->is_refused)
				continue;
			if (sim_rand(w, 2) == 0) {
				if (!n->up)
					continue;
				fl_vfs_mem_fail(n->disk, FL_VFS_MEM_SYNC, 1 + sim_rand(w, 4), EIO);
				sim_trace(w, "nemesis: node %d's disk will fail an fsync", n->id);
				break;
			}
			/*
			 * A damaged sector: read back by the running node (its
			 * fetchers see it), or at rest, read when it starts.
			 */
			if (n->up && !n->paused && sim_rand(w, 2) == 0) {
				node_corrupt(w, n);
				break;
			}
			if (n->up) {
				node_crash(w, n, "nemesis: kill -9, then a sector reads back damaged");
				sim_schedule(w, w->now + 20 + (int64_t)sim_rand(w, 1000), EV_RESTART,
				    n->id, 0, 0);
			}
			node_corrupt(w, n);
			break;
		case 7: case 8:
			if (!(f & SIM_F_OPS))
				continue;
			client_op(w);
			break;
		}
		break;
	}
	sim_schedule(w, w->now + 50 + (int64_t)sim_rand(w, 300), EV_NEMESIS, 0, 0, 0);
}

/* The settle phase: every fault ends, everything restarts. */
static void
settle(struct sim_world *w)
{
	int i;

	w->healing = 1;
	w->net_faulty = 0;
	memset(w->blocked, 0, sizeof(w->blocked));
	sim_trace(w, "settle: faults end, everything heals");
	for (i = 1; i <= w->o.nodes; i++) {
		struct sim_node *n = &w->node[i];

		fl_vfs_mem_fail(n->disk, FL_VFS_MEM_SYNC, 0, 0);
		if (n->paused)
			sim_resume(w, n);
		if (!n->up && !n->is_refused)
			(void)node_start(w, n);
	}
	if (!w->ctl.up)
		(void)ctl_start(w);
}

int
sim_run(struct sim_world *w)
{
	struct sim_ev e;
	int i;

	for (i = 1; i <= w->o.nodes; i++)
		if (node_start(w, &w->node[i]) != 0)
			return -1;
	if (ctl_start(w) != 0)
		return -1;
	clients_init(w);
	if (w->o.faults)
		sim_schedule(w, 200 + (int64_t)sim_rand(w, 300), EV_NEMESIS, 0, 0, 0);
	while (!w->failed && pop(w, &e)) {
		if (!w->healing && e.at >= w->o.time_limit_ms) {
			w->now = w->o.time_limit_ms;
			settle(w);
		}
		if (e.at > w->o.time_limit_ms + w->o.settle_ms) {
			if (e.kind == EV_DELIVER)
				msg_free(e.msg);
			break;
		}
		w->now = e.at;
		w->steps++;
		switch (e.kind) {
		case EV_DELIVER:
			deliver(w, e.msg);
			break;
		case EV_NODE_TICK:
			if (w->node[e.who].up && w->node[e.who].inc == e.inc)
				node_tick(w, &w->node[e.who]);
			break;
		case EV_NODE_SYNCED:
			if (w->node[e.who].up && w->node[e.who].inc == e.inc)
				node_synced(w, &w->node[e.who]);
			break;
		case EV_CTL_TICK:
			if (w->ctl.up && w->ctl.inc == e.inc)
				ctl_tick(w);
			break;
		case EV_CLIENT_TICK:
			client_tick(w, &w->cl[e.who - SIM_EP_CLIENT]);
			break;
		case EV_NEMESIS:
			nemesis(w);
			break;
		case EV_RESTART:
			if (e.who == SIM_EP_CTL) {
				if (!w->ctl.up)
					(void)ctl_start(w);
			} else if (!w->node[e.who].up) {
				(void)node_start(w, &w->node[e.who]);
			}
			break;
		case EV_RESUME:
			if (w->node[e.who].inc == e.inc && w->node[e.who].paused &&
			    w->now >= w->node[e.who].paused_until) {
				sim_trace(w, "node %d resumes (SIGCONT)", e.who);
				sim_resume(w, &w->node[e.who]);
			}
			break;
		case EV_HEAL:
			if (!w->healing)
				heal(w, e.who);
			break;
		}
		check_step(w);
	}
	while (pop(w, &e))
		if (e.kind == EV_DELIVER)
			msg_free(e.msg);
	if (!w->failed)
		check_final(w);
	return w->failed ? 1 : 0;
}
