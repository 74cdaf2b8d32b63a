/*
 * ctl.c: the simulated controller: sm/ctl, driven as flume-ctl's run.c
 * drives it (status polls, one admin stream per node, Ready persisted
 * through store/ctlstore on its own memory disk before any line goes
 * out, then Advance), with simulated streams in place of sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/bstatus.h"
#include "codec/topics.h"
#include "sim.h"
#include "store/ctlstore.h"

#define CTL_DIR		"/ctl"
#define CTL_TICK_MS	20
#define CTL_POLL_MS	100	/* flume-ctl's --poll-ms */
#define CTL_LIVENESS_MS	1000


static void
q_push(struct sim_link *l, int is_status, uint64_t token, const char *line)
{
	struct sim_req *r;

	if (l->qlen == l->qcap) {
		size_t cap = l->qcap ? l->qcap * 2 : 16;
		struct sim_req *q = realloc(l->q, cap * sizeof(*q));

		if (q == NULL)
			sim_oom();
		l->q = q;
		l->qcap = cap;
	}
	r = &l->q[l->qlen++];
	r->is_status = is_status;
	r->token = token;
	r->line = line != NULL ? strdup(line) : NULL;
	if (line != NULL && r->line == NULL)
		sim_oom();
}

static void
q_clear(struct sim_link *l)
{
	size_t i;

	for (i = 0; i < l->qlen; i++)
		free(l->q[i].line);
	l->qlen = 0;
	l->status_out = 0;
}

static void
link_down(struct sim_world *w, int id, const char *why)
{
	struct sim_link *l = &w->ctl.link[id];

	if (l->up)
		sim_trace(w, "ctl: stream to node %d closed: %s", id, why);
	l->up = 0;
	q_clear(l);
	l->next_try_ms = w->now + 100;
	if (w->ctl.has_sm)
		fl_ctl_disconnected(&w->ctl.sm, w->now, id);
}

static void
link_send(struct sim_world *w, int id, int is_status, uint64_t token, const char *line)
{
	struct sim_link *l = &w->ctl.link[id];

	if (l->qlen == 0)
		l->oldest_ms = w->now;
	q_push(l, is_status, token, is_status ? NULL : line);
	sim_send(w, M_ADMIN, SIM_EP_CTL, id, l->stream, 0, line, strlen(line));
}

/* Ready: persist (topics, then state), send, advance: run.c's commit(). */
static void
commit(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	struct fl_ctl_ready rd;
	struct fl_err err = { 0 };
	size_t i;

	if (c->sm.nomem)
		sim_oom();
	fl_ctl_ready(&c->sm, &rd);
	for (i = 0; i < rd.nnotes; i++)
		sim_trace(w, "ctl: %s", rd.notes[i]);
	if (rd.topics != NULL && fl_ctlstore_save_topics(c->disk, CTL_DIR, rd.topics, &err) != 0) {
		sim_fail(w, "controller: %s", err.msg);
		return;
	}
	if (rd.state != NULL && fl_ctlstore_save(c->disk, CTL_DIR, &c->stored, rd.state, &err) != 0) {
		sim_fail(w, "controller: %s", err.msg);
		return;
	}
	for (i = 0; i < rd.nmsgs; i++) {
		int id = rd.msgs[i].node;

		if (id < 1 || id > w->o.nodes || !c->link[id].up)
			continue;
		sim_trace(w, "ctl -> node %d: %s", id, rd.msgs[i].line);
		link_send(w, id, 0, 0, rd.msgs[i].line);
	}
	if (fl_ctl_advance(&c->sm) != 0)
		sim_oom();
	if (fl_ctl_fenced(&c->sm)) {
		sim_trace(w, "ctl: fenced by a newer controller: exits 75");
		ctl_crash(w);
		sim_schedule(w, w->now + 50, EV_RESTART, SIM_EP_CTL, 0, 0);
	}
}

int
ctl_start(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	struct fl_cmeta_broker nodes[SIM_NODES_MAX];
	struct fl_topic_list topics;
	struct fl_ctl_cfg cfg;
	struct fl_err err = { 0 };
	int64_t epoch = 0;
	int i;

	if (c->disk == NULL && (c->disk = fl_vfs_mem_new()) == NULL)
		sim_oom();
	if (fl_vfs_mkdir(c->disk, CTL_DIR) == 0)
		(void)fl_vfs_sync_dir(c->disk, "/");
	fl_cmeta_free(&c->stored);
	memset(&c->stored, 0, sizeof(c->stored));
	memset(&topics, 0, sizeof(topics));
	if (fl_ctlstore_begin(c->disk, CTL_DIR, &c->stored, &epoch, &err) != 0 ||
	    fl_ctlstore_load_topics(c->disk, CTL_DIR, &topics, &err) != 0) {
		sim_fail(w, "controller does not start: %s", err.msg);
		return -1;
	}
	check_ctl_epoch(w, epoch);
	for (i = 0; i < w->o.nodes; i++) {
		memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].id = i + 1;
		snprintf(nodes[i].host, sizeof(nodes[i].host), "node%d", i + 1);
		nodes[i].port = (uint16_t)(9090 + i + 1);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.liveness_ms = CTL_LIVENESS_MS;
	if (fl_ctl_init(&c->sm, &cfg, nodes, (size_t)w->o.nodes, &c->stored, &topics, w->now) != 0)
		sim_oom();
	fl_topic_list_free(&topics);
	c->sm.epoch = epoch;
	c->sm.next.controller_epoch = epoch;
	c->has_sm = 1;
	c->next_poll_ms = w->now;
	c->inc++;
	c->up = 1;
	for (i = 1; i <= w->o.nodes; i++) {
		q_clear(&c->link[i]);
		c->link[i].up = 0;
		c->link[i].next_try_ms = w->now;
	}
	sim_trace(w, "ctl starts at controller epoch %lld", (long long)epoch);
	if (c->inc == 1) {
		struct fl_topic_conf conf;
		char msg[FL_CTL_MSG_MAX];
		int rf = w->o.nodes < 3 ? w->o.nodes : 3;

		memset(&conf, 0, sizeof(conf));
		if (rf >= 2 && sim_chance(w, 500)) {
			conf.set |= FL_TCONF_MIN_INSYNC;
			conf.min_insync = 2;
		}
		if (fl_ctl_create_topic(&c->sm, SIM_TOPIC, w->o.partitions, rf, &conf, msg,
		    sizeof(msg)) != 0) {
			sim_fail(w, "controller: %s", msg);
			return -1;
		}
		sim_trace(w, "ctl: %s (min.insync.replicas %d)", msg,
		    conf.set & FL_TCONF_MIN_INSYNC ? (int)conf.min_insync : 1);
	}
	commit(w);
	sim_schedule(w, w->now + 1, EV_CTL_TICK, SIM_EP_CTL, c->inc, 0);
	return 0;
}

void
ctl_free(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	int i;

	if (c->has_sm)
		fl_ctl_free(&c->sm);
	c->has_sm = 0;
	fl_cmeta_free(&c->stored);
	for (i = 0; i <= SIM_NODES_MAX; i++) {
		q_clear(&c->link[i]);
		free(c->link[i].q);
		c->link[i].q = NULL;
		c->link[i].qcap = 0;
	}
	if (c->disk != NULL)
		fl_vfs_mem_free(c->disk);
	c->disk = NULL;
}

void
ctl_crash(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	int i;

	sim_trace(w, "ctl crashes (kill -9)");
	c->up = 0;
	for (i = 1; i <= w->o.nodes; i++) {
		q_clear(&c->link[i]);
		c->link[i].up = 0;
	}
	if (c->has_sm)
		fl_ctl_free(&c->sm);
	c->has_sm = 0;
	fl_vfs_mem_crash(c->disk, 0);
}

void
ctl_node_gone(struct sim_world *w, int id)
{
	/* kill -9 closes the node's sockets: the controller reads EOF */
	if (w->ctl.up && w->ctl.link[id].up)
		link_down(w, id, "end of stream");
}

void
ctl_tick(struct sim_world *w)
{
	struct sim_ctl *c = &w->ctl;
	int64_t stuck = CTL_LIVENESS_MS * 3 > 5000 ? CTL_LIVENESS_MS * 3 : 5000;
	int i;

	for (i = 1; i <= w->o.nodes; i++) {
		struct sim_link *l = &c->link[i];
		struct sim_node *n = &w->node[i];
		int ci = sim_ep_index(SIM_EP_CTL), ni = sim_ep_index(i);

		if (l->up && l->qlen > 0 && w->now - l->oldest_ms > stuck)
			link_down(w, i, "no answer for too long");
		if (!l->up && w->now >= l->next_try_ms) {
			if (!n->up || w->blocked[ci][ni] || w->blocked[ni][ci]) {
				l->next_try_ms = w->now + 100;
				fl_ctl_disconnected(&c->sm, w->now, i);
				continue;
			}
			l->up = 1;
			l->stream = ++w->next_stream;
			l->node_inc = n->inc;
			sim_trace(w, "ctl: stream %llu to node %d open", (unsigned long long)l->stream, i);
			fl_ctl_connected(&c->sm, w->now, i);
		}
		if (l->up && !l->status_out && w->now >= c->next_poll_ms) {
			l->status_out = 1;
			link_send(w, i, 1, fl_ctl_status_token(&c->sm, i), "status");
		}
	}
	if (w->now >= c->next_poll_ms)
		c->next_poll_ms = w->now + CTL_POLL_MS;
	fl_ctl_tick(&c->sm, w->now);
	commit(w);
	if (c->up)
		sim_schedule(w, w->now + CTL_TICK_MS, EV_CTL_TICK, SIM_EP_CTL, c->inc, 0);
}

void
ctl_deliver(struct sim_world *w, struct sim_msg *m)
{
	struct sim_ctl *c = &w->ctl;
	struct sim_link *l;
	struct sim_req r;
	const char *text = (const char *)m->data, *last;
	size_t n = m->len;
	char answer[FL_CTL_LINE_MAX + 1];

	if (m->kind != M_ADMIN_ANS || m->from < 1 || m->from > w->o.nodes)
		return;
	l = &c->link[m->from];
	if (!l->up || l->stream != m->stream || l->qlen == 0)
		return;
	r = l->q[0];
	memmove(&l->q[0], &l->q[1], (l->qlen - 1) * sizeof(l->q[0]));
	l->qlen--;
	l->oldest_ms = w->now;
	/* the answer's last line: "ok" or "error: ..." */
	while (n > 0 && text[n - 1] == '\n')
		n--;
	for (last = text + n; last > text && last[-1] != '\n'; last--)
		;
	snprintf(answer, sizeof(answer), "%.*s", (int)(text + n - last), last);
	if (r.is_status) {
		struct fl_bstatus st;
		size_t bad = 0;

		l->status_out = 0;
		memset(&st, 0, sizeof(st));
		if (strcmp(answer, "ok") == 0 && fl_bstatus_parse(&st, text, m->len, &bad) == 0)
			fl_ctl_status(&c->sm, w->now, m->from, r.token, &st);
		else
			sim_fail(w, "controller: node %d's status answer does not parse (line %zu)",
			    m->from, bad);
		fl_bstatus_free(&st);
	} else {
		fl_ctl_answer(&c->sm, w->now, m->from, r.line, answer);
		free(r.line);
	}
	commit(w);
}
