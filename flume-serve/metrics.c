/*
 * metrics.c: --metrics-listen HOST:PORT, a Prometheus scrape target.
 *
 * Counters are kept by the loop thread as it works (per request: one
 * histogram observation indexed by API key; per produce, fetch and sync
 * round: a few additions) and turned into the text exposition format
 * (codec/prom.h) only when a scraper asks, together with what the broker
 * knows anyway: partitions, connections, buffers, the process.
 *
 * The HTTP side is os/httpd.h (bounded connections, a deadline each, 404,
 * 405, 431 ...), shared with flume-ctl; here it is wired into the epoll
 * loop: its listening socket and each of its connection slots have an
 * epoll tag (ev_listen, ev_conn[slot]), and connections are registered
 * edge-triggered for input and output like the Kafka ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "codec/kerr.h"
#include "os/clock.h"
#include "os/proc.h"
#include "serve.h"

static int render(void *arg, struct fl_wr *w);

/* os/httpd accepted a connection into slot: watch it like a Kafka one. */
static int
on_accept(void *arg, int fd, size_t slot)
{
	struct broker *b = arg;

	return loop_ep_add(b, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &b->m.ev_conn[slot]);
}

void
metrics_init(struct broker *b)
{
	struct metrics *m = &b->m;
	struct fl_httpd_cfg hc;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < FL_ARRAY_LEN(m->req_us); i++)
		fl_prom_hist_init(&m->req_us[i], fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	fl_prom_hist_init(&m->fsync_us, fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	fl_prom_hist_init(&m->records_per_fsync, fl_prom_count_bounds,
	    FL_PROM_COUNT_BUCKETS);
	memset(&hc, 0, sizeof(hc));
	hc.path = "/metrics";
	hc.content_type = "text/plain; version=0.0.4; charset=utf-8";
	hc.body_bytes_max = METRICS_BODY_BYTES_MAX;
	hc.render = render;
	hc.on_accept = on_accept;
	hc.arg = b;
	fl_httpd_init(&m->http, &hc);
	m->ev_listen.kind = EV_METRICS_LISTEN;
	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		m->ev_conn[i].kind = EV_METRICS_CONN;
}

int
metrics_listen(struct broker *b, struct fl_err *err)
{
	const struct serve_cfg *cfg = b->cfg;
	struct fl_httpd *h = &b->m.http;
	int rc;

	if (!cfg->has_metrics)
		return 0;
	rc = fl_httpd_listen(h, "metrics-listen", cfg->metrics_host, cfg->metrics_port, err);
	if (rc != 0)
		return rc;
	if (loop_ep_add(b, h->lfd, EPOLLIN, &b->m.ev_listen) != 0) {
		rc = fl_err_set(err, FL_ESYS, "epoll_ctl: %s", strerror(errno));
		fl_httpd_close(h);
		return rc;
	}
	fl_log(FL_LOG_INFO, "metrics on http://%s/metrics", h->bound.text);
	return 0;
}

void
metrics_stop(struct broker *b)
{
	fl_httpd_close(&b->m.http);
}

int64_t
metrics_tick(struct broker *b)
{
	uint64_t before = b->m.http.timed_out;
	int64_t next = fl_httpd_tick(&b->m.http, b->now_ms);

	if (b->m.http.timed_out != before)
		fl_log(FL_LOG_DEBUG, "metrics: closed %llu connection%s at the deadline",
		    (unsigned long long)(b->m.http.timed_out - before),
		    b->m.http.timed_out - before == 1 ? "" : "s");
	return next;
}

void
metrics_on_listen(struct broker *b)
{
	fl_httpd_on_listen(&b->m.http, b->now_ms);
}

void
metrics_on_conn(struct broker *b, struct ev_src *src, uint32_t events)
{
	size_t slot = (size_t)(src - b->m.ev_conn);

	FL_ASSERT(slot < FL_HTTPD_CONNS_MAX);
	fl_httpd_on_conn(&b->m.http, slot, (events & (EPOLLHUP | EPOLLERR)) != 0);
}

/* ---- request latency: from handling to the answer's last byte written ---- */

static void
lat_push(struct broker *b, struct conn *c, int16_t api, uint64_t t0_ns)
{
	struct lat_pending *l;

	if (c->queued_bytes <= c->sent_bytes)
		goto now;		/* nothing owed (acks=0) or already out */
	if (c->lat == NULL && (c->lat = malloc(LAT_PENDING_MAX * sizeof(*c->lat))) == NULL)
		goto now;
	if (c->lat_len == LAT_PENDING_MAX)
		goto now;		/* pipelined deeper than we follow: handler time */
	l = &c->lat[(c->lat_head + c->lat_len++) % LAT_PENDING_MAX];
	l->end = c->queued_bytes;
	l->t0_ns = t0_ns;
	l->api = api;
	return;
now:
	metrics_request(b, api, (fl_clock_ns() - t0_ns) / 1000);
}

/* The coordinator's (or the HW's) answer to a waiting request was queued. */
static void
lat_waited(struct broker *b, struct conn *c)
{
	if (c->wait_t0_ns == 0 || c->is_waiting)
		return;
	lat_push(b, c, c->wait_lat_api, c->wait_t0_ns);
	c->wait_t0_ns = 0;
}

void
metrics_request_begin(struct broker *b, struct conn *c, int16_t api, uint64_t t0_ns,
    uint64_t queued_before)
{
	lat_waited(b, c);
	if (c->park_t0_ns != 0) {
		t0_ns = c->park_t0_ns;	/* a long poll: since it first arrived */
		c->park_t0_ns = 0;
	}
	if (c->is_waiting && c->queued_bytes == queued_before) {
		/* JoinGroup, SyncGroup, OffsetCommit: the answer comes later */
		c->wait_t0_ns = t0_ns;
		c->wait_lat_api = api;
		return;
	}
	lat_push(b, c, api, t0_ns);
}

void
metrics_request_sent(struct broker *b, struct conn *c)
{
	uint64_t now_ns = 0;

	lat_waited(b, c);
	while (c->lat_len > 0 && c->lat[c->lat_head].end <= c->sent_bytes) {
		const struct lat_pending *l = &c->lat[c->lat_head];

		if (now_ns == 0)
			now_ns = fl_clock_ns();
		metrics_request(b, l->api, (now_ns - l->t0_ns) / 1000);
		c->lat_head = (c->lat_head + 1) % LAT_PENDING_MAX;
		c->lat_len--;
	}
}

/* ---- the exposition ---- */

static void
counter(struct fl_prom *p, const char *name, const char *help, uint64_t v)
{
	fl_prom_family(p, name, FL_PROM_COUNTER, help);
	fl_prom_u64(p, name, NULL, 0, v);
}

static void
gauge(struct fl_prom *p, const char *name, const char *help, uint64_t v)
{
	fl_prom_family(p, name, FL_PROM_GAUGE, help);
	fl_prom_u64(p, name, NULL, 0, v);
}

static const char *
api_label(size_t i)
{
	return i < METRICS_API_SLOTS ? fl_kp_api_name((int16_t)i) : "other";
}

/* The slots worth a series: supported APIs always, others once seen. */
static int
api_shown(const struct metrics *m, size_t i)
{
	return m->req_us[i].count > 0 || (i < METRICS_API_SLOTS &&
	    fl_kp_api_find((int16_t)i, FL_KP_FEAT_ALL) != NULL);
}

static void
render_requests(struct fl_prom *p, const struct metrics *m)
{
	struct fl_prom_label l = { "api", NULL };
	size_t i;

	fl_prom_family(p, "flume_requests_total", FL_PROM_COUNTER,
	    "Kafka requests handled, by API.");
	for (i = 0; i <= METRICS_API_SLOTS; i++)
		if (api_shown(m, i)) {
			l.value = api_label(i);
			fl_prom_u64(p, "flume_requests_total", &l, 1, m->req_us[i].count);
		}
	fl_prom_family(p, "flume_request_duration_seconds", FL_PROM_HISTOGRAM,
	    "Kafka request latency: from the broker beginning to handle it to its "
	    "answer's last byte written to the socket (fsync, replica, long-poll and "
	    "coordinator waits included).");
	for (i = 0; i <= METRICS_API_SLOTS; i++)
		if (api_shown(m, i)) {
			l.value = api_label(i);
			fl_prom_hist_write(p, "flume_request_duration_seconds", &l, 1,
			    &m->req_us[i], 6);
		}
}

static void
render_traffic(struct fl_prom *p, const struct metrics *m)
{
	struct fl_prom_label l = { "code", NULL };
	char code[8];
	size_t i;
	int any = 0;

	counter(p, "flume_records_in_total", "Records appended by Produce requests.",
	    m->records_in);
	counter(p, "flume_bytes_in_total", "Record batch bytes appended by Produce requests.",
	    m->bytes_in);
	counter(p, "flume_records_out_total", "Offsets served by Fetch requests "
	    "(consumers and followers; whole batches).", m->records_out);
	counter(p, "flume_bytes_out_total", "Record batch bytes served by Fetch requests.",
	    m->bytes_out);
	fl_prom_family(p, "flume_produce_errors_total", FL_PROM_COUNTER,
	    "Partitions of Produce requests answered with an error, by Kafka error code.");
	for (i = 0; i < METRICS_KERR_SLOTS; i++) {
		if (m->produce_errors[i] == 0)
			continue;
		snprintf(code, sizeof(code), "%d", (int)i - 1);
		l.value = code;
		fl_prom_u64(p, "flume_produce_errors_total", &l, 1, m->produce_errors[i]);
		any = 1;
	}
	if (!any) {
		/* one series from the start, so rate() sees the first error */
		l.value = "0";
		fl_prom_u64(p, "flume_produce_errors_total", &l, 1, 0);
	}
	counter(p, "flume_fsyncs_total", "fdatasync calls of group-commit rounds.", m->fsyncs);
	fl_prom_family(p, "flume_fsync_duration_seconds", FL_PROM_HISTOGRAM,
	    "Duration of one partition's fdatasync in a group-commit round.");
	fl_prom_hist_write(p, "flume_fsync_duration_seconds", NULL, 0, &m->fsync_us, 6);
	fl_prom_family(p, "flume_records_per_fsync", FL_PROM_HISTOGRAM,
	    "Offsets one fdatasync made durable.");
	fl_prom_hist_write(p, "flume_records_per_fsync", NULL, 0, &m->records_per_fsync, 0);
}

struct part_metric {
	const char *name, *help;
	int is_counter;
};

static const struct part_metric part_metrics[] = {
	{ "flume_partition_log_end_offset", "Next offset to assign (log end).", 0 },
	{ "flume_partition_high_watermark", "High watermark: consumers read below it.", 0 },
	{ "flume_partition_log_start_offset", "First offset still stored.", 0 },
	{ "flume_partition_log_bytes", "Bytes in the partition's segment files.", 0 },
	{ "flume_partition_segments", "Segment files of the partition.", 0 },
	{ "flume_partition_leader_epoch", "Leader epoch as this node knows it.", 0 },
	{ "flume_partition_isr_size", "Replicas in the committed in-sync replica set.", 0 },
	{ "flume_partition_replicas", "Replicas of the partition.", 0 },
	{ "flume_partition_is_leader", "1 if this node leads the partition.", 0 },
	{ "flume_partition_follower_lag_messages", "A leader's view: offsets a follower "
	    "lacks (log end minus its fetch offset; the log end if it never fetched).", 0 },
	{ "flume_partition_follower_lag_ms", "A leader's view: ms since a follower last "
	    "had the leader's log end.", 0 },
};

static uint64_t
part_value(const struct broker *b, const struct fl_part *p, size_t k)
{
	uint64_t v = 0;
	size_t i;

	switch (k) {
	case 0: return fl_part_log_end(p);
	case 1: return p->hw;
	case 2: return p->is_open ? p->log.log_start : 0;
	case 3:
		for (i = 0; p->is_open && i < p->log.nseg; i++)
			v += p->log.segs[i].size;
		return v;
	case 4: return p->is_open ? p->log.nseg : 0;
	case 5: return p->leader_epoch < 0 ? 0 : (uint64_t)p->leader_epoch;
	case 6: return p->isr.n;
	case 7: return p->replicas.n;
	case 8: return p->role == FL_ROLE_LEADER;
	}
	(void)b;
	return 0;
}

static void
render_partitions(struct fl_prom *p, const struct broker *b)
{
	struct fl_prom_label l[3] = { { "topic", NULL }, { "partition", NULL },
	    { "follower", NULL } };
	char idx[16], fol[16];
	uint64_t under = 0;
	size_t k, i;
	int32_t j;

	for (k = 0; k < FL_ARRAY_LEN(part_metrics); k++) {
		fl_prom_family(p, part_metrics[k].name, FL_PROM_GAUGE, part_metrics[k].help);
		for (i = 0; i < b->cat.ntopics; i++) {
			const struct fl_topic *t = b->cat.topics[i];

			if (t->is_deleted)
				continue;
			l[0].value = t->name;
			for (j = 0; j < t->nparts; j++) {
				const struct fl_part *pt = &t->parts[j];
				size_t f;

				snprintf(idx, sizeof(idx), "%d", (int)j);
				l[1].value = idx;
				if (k < 9) {
					fl_prom_u64(p, part_metrics[k].name, l, 2,
					    part_value(b, pt, k));
					if (k == 0 && pt->role == FL_ROLE_LEADER &&
					    pt->isr.n < pt->replicas.n)
						under++;
					continue;
				}
				if (pt->role != FL_ROLE_LEADER)
					continue;
				for (f = 0; f < pt->lead.nf; f++) {
					const struct fl_leader_follower *lf = &pt->lead.f[f];
					uint64_t end = fl_part_log_end(pt);

					if (lf->id == pt->lead.self)
						continue;
					snprintf(fol, sizeof(fol), "%d", (int)lf->id);
					l[2].value = fol;
					if (k == 9)
						fl_prom_u64(p, part_metrics[k].name, l, 3,
						    lf->fetch_offset < 0 ? end :
						    end > (uint64_t)lf->fetch_offset ?
						    end - (uint64_t)lf->fetch_offset : 0);
					else
						fl_prom_u64(p, part_metrics[k].name, l, 3,
						    b->now_ms > lf->caught_up_ms ?
						    (uint64_t)(b->now_ms - lf->caught_up_ms) : 0);
				}
			}
		}
	}
	gauge(p, "flume_under_replicated_partitions", "Partitions led here whose "
	    "committed ISR is smaller than their replica set.", under);
}

static void
render_broker(struct fl_prom *p, const struct broker *b)
{
	const struct metrics *m = &b->m;
	struct fl_prom_label l = { "listener", NULL };

	fl_prom_family(p, "flume_connections_open", FL_PROM_GAUGE,
	    "Client connections open now, by listener.");
	l.value = "kafka";
	fl_prom_u64(p, "flume_connections_open", &l, 1, b->nkafka);
	l.value = "admin";
	fl_prom_u64(p, "flume_connections_open", &l, 1, b->nadmin);
	l.value = "metrics";
	fl_prom_u64(p, "flume_connections_open", &l, 1, m->http.nconns);
	fl_prom_family(p, "flume_connections_accepted_total", FL_PROM_COUNTER,
	    "Connections accepted and served, by listener.");
	l.value = "kafka";
	fl_prom_u64(p, "flume_connections_accepted_total", &l, 1, m->accepted[0]);
	l.value = "admin";
	fl_prom_u64(p, "flume_connections_accepted_total", &l, 1, m->accepted[1]);
	fl_prom_family(p, "flume_connections_closed_total", FL_PROM_COUNTER,
	    "Served connections closed, by listener.");
	l.value = "kafka";
	fl_prom_u64(p, "flume_connections_closed_total", &l, 1, m->closed[0]);
	l.value = "admin";
	fl_prom_u64(p, "flume_connections_closed_total", &l, 1, m->closed[1]);
	fl_prom_family(p, "flume_sasl_authentications_total", FL_PROM_COUNTER,
	    "SASL authentications on the Kafka listener, by result.");
	l.name = "result";
	l.value = "success";
	fl_prom_u64(p, "flume_sasl_authentications_total", &l, 1, m->sasl_ok);
	l.value = "failure";
	fl_prom_u64(p, "flume_sasl_authentications_total", &l, 1, m->sasl_failed);
	l.name = "listener";
	counter(p, "flume_authorization_denials_total", "Requests (or parts of one) "
	    "an ACL denied to an authenticated principal.", m->acl_denied);
	gauge(p, "flume_connections_max", "max-connections (after the descriptor check).",
	    b->cfg->connections_max);
	gauge(p, "flume_buffered_reply_bytes", "Reply buffers beyond 1 MiB per "
	    "connection, counted against buffer-bytes-max.", b->out_bytes);
	gauge(p, "flume_buffered_request_bytes", "Receive buffers beyond 64 KiB per "
	    "connection, counted against buffer-bytes-max.", b->rbuf_bytes);
	gauge(p, "flume_buffer_bytes_max", "buffer-bytes-max.", b->cfg->buffer_bytes_max);
	gauge(p, "flume_unsynced_bytes", "Bytes appended and not yet durable.",
	    b->round.dirty_bytes + b->round.bytes_in_round);
	gauge(p, "flume_producers_paused", "1 while producers wait for the sync thread.",
	    (uint64_t)b->is_paused);
	fl_httpd_prom(&m->http, p);
	fl_proc_prom(p, (uint64_t)(b->wall_ms - (b->now_ms - b->start_ms)));
}

/* ---- consumer groups (this node coordinates them: it leads the offsets log) ---- */

struct lag_arg {
	struct fl_prom *p;
	struct broker *b;
	size_t n;
};

/* One committed offset: its lag behind the HW, for a partition led here. */
static int
lag_one(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *oc)
{
	struct lag_arg *a = arg;
	struct fl_prom_label l[3] = { { "group", group }, { "topic", topic },
	    { "partition", NULL } };
	const struct fl_part *pt = store_part(a->b, topic, strlen(topic), partition);
	char idx[16];

	if (a->n >= METRICS_LAG_SERIES_MAX)
		return 1;	/* bounded: the rest is left out */
	if (pt == NULL || !pt->is_open || pt->role != FL_ROLE_LEADER || oc->offset < 0)
		return 0;
	snprintf(idx, sizeof(idx), "%d", (int)partition);
	l[2].value = idx;
	fl_prom_u64(a->p, "flume_group_lag_messages", l, 3,
	    pt->hw > (uint64_t)oc->offset ? pt->hw - (uint64_t)oc->offset : 0);
	a->n++;
	return 0;
}

static void
render_groups(struct fl_prom *p, struct broker *b)
{
	static const enum fl_grp_state states[] = { FL_GRP_EMPTY, FL_GRP_PREPARING_REBALANCE,
	    FL_GRP_COMPLETING_REBALANCE, FL_GRP_STABLE, FL_GRP_DEAD };
	struct fl_prom_label l[2] = { { "group", NULL }, { "state", NULL } };
	size_t i, k, n = b->has_coord && b->coord_here ? fl_coord_group_count(&b->coord) : 0;
	struct lag_arg a = { p, b, 0 };

	if (n > METRICS_GROUPS_MAX)
		n = METRICS_GROUPS_MAX;
	static const struct { const char *name, *help; } fam[] = {
		{ "flume_group_members", "Members of each consumer group this node coordinates." },
		{ "flume_group_generation",
		  "Generation of each consumer group this node coordinates." },
		{ "flume_group_state", "1 for the state each consumer group this node "
		  "coordinates is in, 0 for the others." },
	};
	size_t f;

	for (f = 0; f < FL_ARRAY_LEN(fam); f++) {
		fl_prom_family(p, fam[f].name, FL_PROM_GAUGE, fam[f].help);
		for (i = 0; i < n; i++) {
			struct fl_grp_info info;

			fl_coord_group_at(&b->coord, i, &info);
			l[0].value = info.group_id;
			if (f == 0)
				fl_prom_u64(p, fam[f].name, l, 1, info.nmembers);
			else if (f == 1)
				fl_prom_i64(p, fam[f].name, l, 1, info.generation);
			else
				for (k = 0; k < FL_ARRAY_LEN(states); k++) {
					l[1].value = fl_coord_state_name(states[k]);
					fl_prom_u64(p, fam[f].name, l, 2, info.state == states[k]);
				}
		}
	}
	fl_prom_family(p, "flume_group_lag_messages", FL_PROM_GAUGE,
	    "High watermark minus a group's committed offset, for partitions this node "
	    "leads.");
	if (b->has_coord && b->coord_here)
		(void)fl_coord_commits_all(&b->coord, lag_one, &a);
}

/*
 * The whole exposition into w (os/httpd's render callback): 0, or the
 * writer's error, which os/httpd answers 500.
 */
static int
render(void *arg, struct fl_wr *w)
{
	struct broker *b = arg;
	struct fl_prom p;

	fl_prom_init(&p, w);
	render_requests(&p, &b->m);
	render_traffic(&p, &b->m);
	render_partitions(&p, b);
	render_groups(&p, b);
	render_broker(&p, b);
	if (w->err != 0)
		fl_log(FL_LOG_WARN, "metrics: the exposition does not fit in %u bytes",
		    METRICS_BODY_BYTES_MAX);
	return w->err;
}
