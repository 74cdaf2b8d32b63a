/*
 * metrics.c: --metrics-listen HOST:PORT, a Prometheus scrape target.
 *
 * Counters are kept by the loop thread as it works (per request: one
 * histogram observation indexed by API key; per produce, fetch and sync
 * round: a few additions) and turned into the text exposition format
 * (codec/prom.h) only when a scraper asks, together with what the broker
 * knows anyway: partitions, connections, buffers, the process.
 *
 * The responder is tiny on purpose and can never stall the Kafka port: at
 * most METRICS_CONNS_MAX connections (more are accepted and closed at
 * once, so the backlog never fills), each with a fixed request buffer of
 * METRICS_REQUEST_BYTES_MAX (a longer head is answered 431) and a deadline
 * of METRICS_DEADLINE_MS from accept, after which it is closed whatever it
 * is doing (a client that sends nothing, or reads nothing).  Sockets are
 * non-blocking and edge-triggered like the Kafka ones; one request per
 * connection, answered with Connection: close.  GET /metrics (any query)
 * is 200; HEAD /metrics the same head without the body; another path 404;
 * another method 405 with Allow; a malformed head 400; a version other
 * than 1.0 and 1.1, 505.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/http.h"
#include "codec/kerr.h"
#include "os/clock.h"
#include "os/proc.h"
#include "serve.h"

void
metrics_init(struct broker *b)
{
	struct metrics *m = &b->m;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->lfd = -1;
	for (i = 0; i < FL_ARRAY_LEN(m->req_us); i++)
		fl_prom_hist_init(&m->req_us[i], fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	fl_prom_hist_init(&m->fsync_us, fl_prom_latency_us, FL_PROM_LATENCY_BUCKETS);
	fl_prom_hist_init(&m->records_per_fsync, fl_prom_count_bounds,
	    FL_PROM_COUNT_BUCKETS);
	for (i = 0; i < METRICS_CONNS_MAX; i++) {
		m->conns[i].fd = -1;
		m->conns[i].ev.kind = EV_METRICS_CONN;
	}
}

int
metrics_listen(struct broker *b, struct fl_err *err)
{
	const struct serve_cfg *cfg = b->cfg;
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	int fd, rc;

	if (!cfg->has_metrics)
		return 0;
	rc = loop_listen_tcp("metrics-listen", cfg->metrics_host, cfg->metrics_port, 64, &fd,
	    b->m.bound, sizeof(b->m.bound), host, sizeof(host), &port, err);
	if (rc != 0)
		return rc;
	b->m.ev_listen.kind = EV_METRICS_LISTEN;
	if (loop_ep_add(b, fd, EPOLLIN, &b->m.ev_listen) != 0) {
		close(fd);
		return fl_err_set(err, FL_ESYS, "epoll_ctl: %s", strerror(errno));
	}
	b->m.lfd = fd;
	fl_log(FL_LOG_INFO, "metrics on http://%s/metrics", b->m.bound);
	return 0;
}

static void
mconn_close(struct broker *b, struct metrics_conn *mc)
{
	if (mc->fd < 0)
		return;
	close(mc->fd);		/* also leaves the epoll set */
	mc->fd = -1;
	fl_wr_free(&mc->out);
	b->m.nconns--;
}

void
metrics_stop(struct broker *b)
{
	size_t i;

	for (i = 0; i < METRICS_CONNS_MAX; i++)
		mconn_close(b, &b->m.conns[i]);
	if (b->m.lfd >= 0) {
		close(b->m.lfd);
		b->m.lfd = -1;
	}
}

int64_t
metrics_tick(struct broker *b)
{
	int64_t next = INT64_MAX;
	size_t i;

	for (i = 0; i < METRICS_CONNS_MAX && b->m.nconns > 0; i++) {
		struct metrics_conn *mc = &b->m.conns[i];

		if (mc->fd < 0)
			continue;
		if (mc->deadline_ms <= b->now_ms) {
			fl_log(FL_LOG_DEBUG, "metrics: closing a connection at its deadline");
			mconn_close(b, mc);
		} else if (mc->deadline_ms < next) {
			next = mc->deadline_ms;
		}
	}
	return next;
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
	struct fl_proc_usage u;

	fl_prom_family(p, "flume_connections_open", FL_PROM_GAUGE,
	    "Client connections open now, by listener.");
	l.value = "kafka";
	fl_prom_u64(p, "flume_connections_open", &l, 1, b->nkafka);
	l.value = "admin";
	fl_prom_u64(p, "flume_connections_open", &l, 1, b->nadmin);
	l.value = "metrics";
	fl_prom_u64(p, "flume_connections_open", &l, 1, m->nconns);
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
	fl_prom_family(p, "flume_metrics_responses_total", FL_PROM_COUNTER,
	    "Answers of this metrics endpoint, by HTTP status.");
	{
		static const char *const codes[] = { "200", "400", "404", "405", "431", "other" };
		struct fl_prom_label s = { "code", NULL };
		size_t i;

		for (i = 0; i < FL_ARRAY_LEN(codes); i++) {
			s.value = codes[i];
			fl_prom_u64(p, "flume_metrics_responses_total", &s, 1, m->http_answers[i]);
		}
	}
	(void)fl_proc_usage(&u);
	fl_prom_family(p, "process_cpu_seconds_total", FL_PROM_COUNTER,
	    "User and system CPU time spent in seconds.");
	fl_prom_fixed(p, "process_cpu_seconds_total", NULL, 0, u.cpu_us, 6);
	gauge(p, "process_resident_memory_bytes", "Resident memory size in bytes.",
	    u.rss_bytes);
	gauge(p, "process_open_fds", "Number of open file descriptors.", u.open_fds);
	gauge(p, "process_max_fds", "Maximum number of open file descriptors.", u.max_fds);
	fl_prom_family(p, "process_start_time_seconds", FL_PROM_GAUGE,
	    "Start time of the process since unix epoch in seconds.");
	fl_prom_fixed(p, "process_start_time_seconds", NULL, 0, (uint64_t)(b->wall_ms -
	    (b->now_ms - b->start_ms)), 3);
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
		(void)fl_offsets_all(&b->coord.offs, lag_one, &a);
}

/* The whole exposition into w; 0 or the writer's error. */
static int
render(struct broker *b, struct fl_wr *w)
{
	struct fl_prom p;

	fl_prom_init(&p, w);
	render_requests(&p, &b->m);
	render_traffic(&p, &b->m);
	render_partitions(&p, b);
	render_groups(&p, b);
	render_broker(&p, b);
	return w->err;
}

/* ---- the responder ---- */

static void
count_answer(struct metrics *m, int status)
{
	static const int st[] = { 200, 400, 404, 405, 431 };
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(st) && st[i] != status; i++)
		;
	m->http_answers[i]++;
}

/* Build the whole answer in mc->out; sending starts at once. */
static void
answer(struct broker *b, struct metrics_conn *mc, int status, int has_body_text,
    int is_head)
{
	struct fl_wr body;
	const char *type = "text/plain; charset=utf-8";
	const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : "";
	char head[512];
	int n;

	count_answer(&b->m, status);
	fl_wr_init(&body, METRICS_BODY_BYTES_MAX);
	if (status == 200 && has_body_text) {
		if (render(b, &body) != 0) {
			fl_log(FL_LOG_WARN, "metrics: the exposition does not fit in %u "
			    "bytes", METRICS_BODY_BYTES_MAX);
			fl_wr_free(&body);
			fl_wr_init(&body, METRICS_BODY_BYTES_MAX);
			status = 500;
		} else {
			type = "text/plain; version=0.0.4; charset=utf-8";
		}
	}
	if (status != 200) {
		char msg[96];
		int k = snprintf(msg, sizeof(msg), "%d %s\n", status, fl_http_reason(status));

		fl_wr_raw(&body, msg, (size_t)k);
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
	    fl_http_reason(status), type, body.len, extra);
	fl_wr_init(&mc->out, (size_t)n + (is_head ? 0 : body.len));
	fl_wr_raw(&mc->out, head, (size_t)n);
	if (!is_head)
		fl_wr_raw(&mc->out, body.p, body.len);
	fl_wr_free(&body);
	mc->out_off = 0;
	mc->is_answering = 1;
}

/*
 * The answer is out and our FIN sent: read and drop what the client still
 * sends until its EOF (or the deadline), then close.  Closing with unread
 * bytes would send a reset, which can make the client lose the answer (a
 * 431 to a client still sending its oversized head).
 */
static void
mconn_drain(struct broker *b, struct metrics_conn *mc)
{
	uint8_t sink[4096];

	for (;;) {
		ssize_t n = read(mc->fd, sink, sizeof(sink));

		if (n > 0 && (mc->drained += (size_t)n) <= METRICS_DRAIN_BYTES_MAX)
			continue;
		if (n > 0)
			break;		/* it keeps sending: it gets its reset */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* EPOLLIN comes back; the deadline bounds it */
		break;			/* EOF or an error */
	}
	mconn_close(b, mc);
}

/* Read, and answer once the head is in (or cannot be). */
static void
mconn_read(struct broker *b, struct metrics_conn *mc)
{
	struct fl_http_req req;
	int rc, is_eof = 0;

	for (;;) {
		ssize_t n;

		if (mc->inlen == sizeof(mc->in))
			break;
		n = read(mc->fd, mc->in + mc->inlen, sizeof(mc->in) - mc->inlen);
		if (n > 0) {
			mc->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			mconn_close(b, mc);
			return;
		}
		is_eof = 1;	/* a client may send its request and shut down writing */
		break;
	}
	rc = fl_http_parse(mc->in, mc->inlen, sizeof(mc->in), METRICS_HEADERS_MAX, &req);
	if (rc == FL_HTTP_NEED_MORE) {
		if (is_eof)
			mconn_close(b, mc);	/* gone before a whole head: nobody to answer */
		return;
	}
	if (rc == FL_EFULL)
		answer(b, mc, 431, 0, 0);
	else if (rc == FL_ERANGE)
		answer(b, mc, 505, 0, 0);
	else if (rc != FL_HTTP_COMPLETE)
		answer(b, mc, 400, 0, 0);
	else if (!fl_http_method_is(&req, "GET") && !fl_http_method_is(&req, "HEAD"))
		answer(b, mc, 405, 0, 0);
	else if (!fl_http_path_is(&req, "/metrics"))
		answer(b, mc, 404, 0, fl_http_method_is(&req, "HEAD"));
	else
		answer(b, mc, 200, 1, fl_http_method_is(&req, "HEAD"));
}

static void
mconn_write(struct broker *b, struct metrics_conn *mc)
{
	while (mc->out_off < mc->out.len) {
		ssize_t n = send(mc->fd, mc->out.p + mc->out_off, mc->out.len - mc->out_off,
		    MSG_NOSIGNAL);

		if (n > 0) {
			mc->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* EPOLLOUT comes back; the deadline bounds it */
		break;
	}
	if (mc->out_off < mc->out.len || shutdown(mc->fd, SHUT_WR) != 0) {
		mconn_close(b, mc);	/* the client went away */
		return;
	}
	mc->is_draining = 1;
	mconn_drain(b, mc);
}

void
metrics_on_conn(struct broker *b, struct ev_src *src, uint32_t events)
{
	struct metrics_conn *mc = (struct metrics_conn *)src;

	if (mc->fd < 0)
		return;
	if (mc->is_draining) {
		mconn_drain(b, mc);
		return;
	}
	if (!mc->is_answering)
		mconn_read(b, mc);
	if (mc->fd >= 0 && mc->is_answering)
		mconn_write(b, mc);
	if (mc->fd >= 0 && !mc->is_answering && (events & (EPOLLHUP | EPOLLERR)))
		mconn_close(b, mc);
}

void
metrics_on_listen(struct broker *b)
{
	for (;;) {
		struct metrics_conn *mc = NULL;
		size_t i;
		int fd = accept4(b->m.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN; out of descriptors: the Kafka side sheds */
		}
		for (i = 0; i < METRICS_CONNS_MAX && mc == NULL; i++)
			if (b->m.conns[i].fd < 0)
				mc = &b->m.conns[i];
		if (mc == NULL || b->is_stopping) {
			/* full: closed at once, so the backlog never holds scrapers */
			close(fd);
			continue;
		}
		mc->fd = fd;
		mc->inlen = 0;
		mc->is_answering = 0;
		mc->is_draining = 0;
		mc->drained = 0;
		mc->out_off = 0;
		memset(&mc->out, 0, sizeof(mc->out));
		mc->deadline_ms = b->now_ms + METRICS_DEADLINE_MS;
		if (loop_ep_add(b, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &mc->ev) != 0) {
			close(fd);
			mc->fd = -1;
			continue;
		}
		b->m.nconns++;
		metrics_on_conn(b, &mc->ev, 0);
	}
}
