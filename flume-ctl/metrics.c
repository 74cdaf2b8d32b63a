/*
 * metrics.c: flume-ctl run --metrics-listen HOST:PORT, the controller as a
 * Prometheus scrape target (flume-ctl(1), METRICS).
 *
 * Two sources.  What the controller knows anyway is read from the sm/ctl
 * machine when a scraper asks: its epoch, each broker's state as `status`
 * shows it, the partitions of the deciding state, and the election
 * counters the machine keeps as it decides.  What only the I/O shell sees
 * is counted here by run.c as it works: each broker's status round trip
 * (monotonic clock, from the request queued to its answer read), the
 * durable writes of the state and topic files, the lines sent.  The HTTP
 * side is os/httpd.h, the same responder as flume-serve's, driven by
 * run.c's poll loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fctl.h"
#include "os/proc.h"

int
ctl_metrics_init(struct ctl_metrics *m, size_t nnodes)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	if (nnodes > 0 && (m->poll_us = calloc(nnodes, sizeof(*m->poll_us))) == NULL)
		return -1;
	m->nnodes = nnodes;
	for (i = 0; i < nnodes; i++)
		fl_prom_hist_init(&m->poll_us[i], fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	for (i = 0; i < CTL_SAVE_FILES; i++)
		fl_prom_hist_init(&m->save_us[i], fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	return 0;
}

void
ctl_metrics_free(struct ctl_metrics *m)
{
	free(m->poll_us);
	m->poll_us = NULL;
	m->nnodes = 0;
}

void
ctl_metrics_poll(struct ctl_metrics *m, size_t i, uint64_t us)
{
	if (i < m->nnodes)
		fl_prom_hist_observe(&m->poll_us[i], us);
}

void
ctl_metrics_saved(struct ctl_metrics *m, int file, uint64_t us)
{
	FL_ASSERT(file >= 0 && file < CTL_SAVE_FILES);
	m->saves[file]++;
	fl_prom_hist_observe(&m->save_us[file], us);
}

static void
gauge(struct fl_prom *p, const char *name, const char *help, uint64_t v)
{
	fl_prom_family(p, name, FL_PROM_GAUGE, help);
	fl_prom_u64(p, name, NULL, 0, v);
}

static void
counter(struct fl_prom *p, const char *name, const char *help, uint64_t v)
{
	fl_prom_family(p, name, FL_PROM_COUNTER, help);
	fl_prom_u64(p, name, NULL, 0, v);
}

enum { BROKER_LIVE, BROKER_DOWN, BROKER_FENCED, BROKER_STATES };
static const char *const broker_state_name[BROKER_STATES] = { "live", "down", "fenced" };

/* A node's state as `status` shows it: fenced first, then live or down. */
static int
broker_state(const struct fl_ctl *sm, const struct fl_ctl_node *n, int64_t now_ms)
{
	if (n->fenced)
		return BROKER_FENCED;
	return fl_ctl_is_live(sm, n, now_ms) ? BROKER_LIVE : BROKER_DOWN;
}

static void
render_brokers(struct fl_prom *p, const struct fl_ctl *sm, int64_t now_ms)
{
	struct fl_prom_label l[2] = { { "node", NULL }, { "state", NULL } };
	uint64_t count[BROKER_STATES] = { 0 };
	char id[16];
	size_t i, k;

	for (i = 0; i < sm->nnodes; i++)
		count[broker_state(sm, &sm->nodes[i], now_ms)]++;
	fl_prom_family(p, "flume_ctl_brokers", FL_PROM_GAUGE,
	    "Brokers of the cluster file, by state: live, down or fenced.");
	for (k = 0; k < BROKER_STATES; k++) {
		l[1].value = broker_state_name[k];
		fl_prom_u64(p, "flume_ctl_brokers", &l[1], 1, count[k]);
	}
	fl_prom_family(p, "flume_ctl_broker_state", FL_PROM_GAUGE,
	    "1 for the state each broker is in (live, down, fenced), 0 for the others.");
	for (i = 0; i < sm->nnodes; i++) {
		int st = broker_state(sm, &sm->nodes[i], now_ms);

		snprintf(id, sizeof(id), "%d", (int)sm->nodes[i].b.id);
		l[0].value = id;
		for (k = 0; k < BROKER_STATES; k++) {
			l[1].value = broker_state_name[k];
			fl_prom_u64(p, "flume_ctl_broker_state", l, 2, (int)k == st);
		}
	}
}

static void
render_partitions(struct fl_prom *p, const struct fl_ctl *sm)
{
	uint64_t offline = 0, under = 0;
	size_t i;

	for (i = 0; i < sm->next.nparts; i++) {
		const struct fl_cmeta_part *pt = &sm->next.parts[i];

		if (pt->leader < 0)
			offline++;
		else if (pt->isr.n < pt->replicas.n)
			under++;
	}
	gauge(p, "flume_ctl_topics", "Topics in the controller's topic list.", sm->topics.n);
	gauge(p, "flume_ctl_partitions", "Partitions in the controller's state.",
	    sm->next.nparts);
	gauge(p, "flume_ctl_offline_partitions", "Partitions with no leader (offline: no "
	    "live in-sync replica may lead, or not elected yet).", offline);
	gauge(p, "flume_ctl_under_replicated_partitions", "Partitions with a leader whose "
	    "committed ISR is smaller than their replica set.", under);
	gauge(p, "flume_ctl_reassigning_partitions", "Partitions whose reassignment is "
	    "under way.", sm->nmoves);
}

static void
render_elections(struct fl_prom *p, const struct fl_ctl *sm)
{
	struct fl_prom_label l = { "kind", NULL };
	size_t k;

	fl_prom_family(p, "flume_ctl_elections_total", FL_PROM_COUNTER,
	    "Partition leaders this controller elected, by what decided it: clean (its own: "
	    "no leader, leader down or restarted), reassign, operator (elect), unclean "
	    "(elect --unclean that may lose records), drain.");
	for (k = 0; k < FL_CTL_ELECT_KINDS; k++) {
		l.value = fl_ctl_elect_kind_name((enum fl_ctl_elect_kind)k);
		fl_prom_u64(p, "flume_ctl_elections_total", &l, 1, sm->elections[k]);
	}
	counter(p, "flume_ctl_partitions_taken_offline_total", "Times this controller took "
	    "a partition offline because no live in-sync replica could lead it.",
	    sm->offlined);
}

static void
render_io(struct fl_prom *p, const struct ctl_metrics *m, const struct fl_cfile *cf)
{
	static const char *const files[CTL_SAVE_FILES] = { "state", "topics" };
	struct fl_prom_label l = { "node", NULL };
	char id[16];
	size_t i;

	fl_prom_family(p, "flume_ctl_poll_duration_seconds", FL_PROM_HISTOGRAM,
	    "Round trip of one broker status request: from queued on its admin stream "
	    "to its answer read (ok or error).");
	for (i = 0; i < m->nnodes && i < cf->n; i++) {
		snprintf(id, sizeof(id), "%d", (int)cf->nodes[i].b.id);
		l.value = id;
		fl_prom_hist_write(p, "flume_ctl_poll_duration_seconds", &l, 1, &m->poll_us[i], 6);
	}
	l.name = "file";
	fl_prom_family(p, "flume_ctl_state_saves_total", FL_PROM_COUNTER,
	    "Durable writes of the state directory's files (state, topics).");
	for (i = 0; i < CTL_SAVE_FILES; i++) {
		l.value = files[i];
		fl_prom_u64(p, "flume_ctl_state_saves_total", &l, 1, m->saves[i]);
	}
	fl_prom_family(p, "flume_ctl_state_save_duration_seconds", FL_PROM_HISTOGRAM,
	    "Duration of one durable write of a state directory file (write, fsync, "
	    "rename, fsync of the directory).");
	for (i = 0; i < CTL_SAVE_FILES; i++) {
		l.value = files[i];
		fl_prom_hist_write(p, "flume_ctl_state_save_duration_seconds", &l, 1,
		    &m->save_us[i], 6);
	}
	counter(p, "flume_ctl_admin_lines_sent_total", "Admin lines (decisions) handed to "
	    "the brokers' streams.", m->lines_sent);
}

int
ctl_metrics_render(const struct ctl_metrics *m, const struct fl_ctl *sm,
    const struct fl_cfile *cf, const struct fl_httpd *h, int64_t now_ms, struct fl_wr *w)
{
	struct fl_prom p;

	fl_prom_init(&p, w);
	gauge(&p, "flume_ctl_controller_epoch", "This controller's epoch.",
	    sm->epoch < 0 ? 0 : (uint64_t)sm->epoch);
	render_brokers(&p, sm, now_ms);
	render_partitions(&p, sm);
	render_elections(&p, sm);
	render_io(&p, m, cf);
	fl_httpd_prom(h, &p);
	fl_proc_prom(&p, m->start_wall_ms);
	return w->err;
}
