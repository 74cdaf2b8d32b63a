/*
 * run.c: the controller loop (flume-ctl run) and its operator socket.
 *
 * One poll(2) loop: the admin streams to the brokers (link.c), the
 * operator socket STATE/ctl.sock, the signal pipe, and with
 * --metrics-listen the metrics endpoint (os/httpd.h; what it serves is
 * metrics.c's, measured here as the loop works).  Every --poll-ms each
 * broker is asked `status`; answers, stream failures and operators' verbs
 * go into the sm/ctl machine; after every turn what it decided is written
 * (topic list, then state, each durably) and only then sent.  The same
 * loop carries out one verb and stops when no controller runs
 * (run_opts.oneshot): flume-ctl VERB takes the state dir's lock and acts
 * as the controller for that verb.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/csum.h"
#include "codec/conf.h"
#include "fctl.h"
#include "os/clock.h"
#include "os/diag.h"
#include "os/lock.h"
#include "os/sigpipe.h"
#include "os/vfs_real.h"
#include "sm/place.h"
#include "store/ctlstore.h"

#define OPS_MAX 16			/* operator connections at once */
#define OP_LINE_MAX 2048
#define ONESHOT_DRAIN_MS 5000		/* a one-shot verb waits this long for the brokers' answers */

struct opconn {
	int fd;				/* -1: free */
	char rbuf[OP_LINE_MAX];
	size_t rlen;
	char *out;			/* owned: answer bytes to write */
	size_t olen, ooff, ocap;
	int close_after;
};

struct ctlr {
	const struct run_opts *o;
	struct fl_cfile cf;
	struct fl_ctl sm;
	struct link *links;
	struct fl_vfs *vfs;
	struct fl_cmeta stored;		/* what the state file holds */
	int lock_fd, listen_fd, sig_fd;
	struct opconn ops[OPS_MAX];
	int64_t start_ms, next_poll_ms;
	char sock_path[4200];
	struct ctl_metrics m;		/* what the loop measures (metrics.c) */
	struct fl_httpd http;		/* --metrics-listen (inited always; lfd -1 without) */
};

/* File-scope mutables live only here and in main.c (STYLE §4): the signal pipe. */
static int sig_wfd = -1;
static volatile sig_atomic_t stop_flag, reopen_flag, sigint_count;

static void
on_signal(int sig)
{
	int e = errno;

	if (sig == SIGHUP) {
		reopen_flag = 1;
	} else {
		if (sig == SIGINT && ++sigint_count > 1)
			_exit(1);	/* a second ^C: now */
		stop_flag = 1;
	}
	(void)!write(sig_wfd, "x", 1);
	errno = e;
}

static void
reopen_log(const char *path)
{
	if (path == NULL)
		return;
	/* keep logging to the old file if the new one cannot be opened */
	if (fl_diag_log_to(path) != 0)
		fl_log(FL_LOG_ERROR, "reopen %s: %s", path, strerror(errno));
	else
		fl_log(FL_LOG_INFO, "log file reopened");
}

/* ---- a growable text buffer for answers ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int nomem;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *np;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			if ((np = realloc(b->p, cap)) == NULL) {
				b->nomem = 1;
				return;
			}
			b->p = np;
			b->cap = cap;
		}
	}
}

/* ---- persisting and sending what the machine decided ---- */

static int
commit(struct ctlr *c, int64_t now_ms)
{
	struct fl_ctl_ready rd;
	struct fl_err err = { 0 };
	size_t i;

	if (c->sm.nomem) {
		fl_log(FL_LOG_ERROR, "out of memory");
		return EX_OSERR;
	}
	fl_ctl_ready(&c->sm, &rd);
	for (i = 0; i < rd.nnotes; i++)
		fl_log(FL_LOG_INFO, "%s", rd.notes[i]);
	if (rd.topics != NULL) {
		uint64_t t0_ns = fl_clock_ns();

		if (fl_ctlstore_save_topics(c->vfs, c->o->state_dir, rd.topics, &err) != 0) {
			fl_log(FL_LOG_ERROR, "%s; stopping: nothing decided is sent", err.msg);
			return EX_IOERR;
		}
		ctl_metrics_saved(&c->m, CTL_SAVE_TOPICS, (fl_clock_ns() - t0_ns) / 1000);
	}
	if (rd.state != NULL) {
		uint64_t t0_ns = fl_clock_ns();

		if (fl_ctlstore_save(c->vfs, c->o->state_dir, &c->stored, rd.state, &err) != 0) {
			fl_log(FL_LOG_ERROR, "%s; stopping: nothing decided is sent", err.msg);
			return err.code == FL_ERANGE ? EX_SOFTWARE : EX_IOERR;
		}
		ctl_metrics_saved(&c->m, CTL_SAVE_STATE, (fl_clock_ns() - t0_ns) / 1000);
	}
	for (i = 0; i < rd.nmsgs; i++) {
		size_t k;

		for (k = 0; k < c->cf.n; k++)
			if (c->cf.nodes[k].b.id == rd.msgs[i].node)
				break;
		if (k == c->cf.n || !link_is_up(&c->links[k]))
			continue;
		fl_log(FL_LOG_DEBUG, "node %d <- %s", (int)rd.msgs[i].node, rd.msgs[i].line);
		if (link_send(&c->links[k], REQ_PUSH, 0, rd.msgs[i].line, now_ms) != 0) {
			fl_log(FL_LOG_ERROR, "out of memory");
			return EX_OSERR;
		}
		c->m.lines_sent++;
	}
	if (fl_ctl_advance(&c->sm) != 0) {
		fl_log(FL_LOG_ERROR, "out of memory");
		return EX_OSERR;
	}
	return 0;
}

/* ---- the brokers' answers ---- */

static void
on_reply(void *arg, struct link *l, const struct req *r, const char *text, size_t n,
    const char *status)
{
	struct ctlr *c = arg;
	int64_t now = fl_clock_ms();
	int32_t id = l->cfg->b.id;

	if (r->kind == REQ_PUSH) {
		fl_ctl_answer(&c->sm, now, id, r->line, status);
		return;
	}
	if (r->kind == REQ_STATUS) {
		struct fl_bstatus st;
		size_t bad = 0;

		ctl_metrics_poll(&c->m, (size_t)(l - c->links), (fl_clock_ns() - r->sent_ns) / 1000);
		memset(&st, 0, sizeof(st));
		if (strcmp(status, "ok") != 0) {
			fl_log(FL_LOG_WARN, "node %d: status: %s", (int)id, status);
			return;
		}
		if (fl_bstatus_parse(&st, text, n, &bad) != 0) {
			fl_log(FL_LOG_WARN, "node %d: status answer line %zu does not parse", (int)id,
			    bad);
			return;
		}
		fl_ctl_status(&c->sm, now, id, r->token, &st);
		fl_bstatus_free(&st);
	}
}

static void
link_down(struct ctlr *c, struct link *l, int64_t now, const char *why)
{
	if (link_is_up(l))
		fl_log(FL_LOG_WARN, "node %d: admin stream closed: %s", (int)l->cfg->b.id, why);
	link_close(l);
	fl_ctl_disconnected(&c->sm, now, l->cfg->b.id);
	l->next_try_ms = now + l->backoff_ms;
	l->backoff_ms = l->backoff_ms * 2 > 1000 ? 1000 : l->backoff_ms * 2;
}

static void
links_turn(struct ctlr *c, int64_t now)
{
	int64_t stuck = c->o->liveness_ms * 3 > 5000 ? c->o->liveness_ms * 3 : 5000;
	size_t i;

	for (i = 0; i < c->cf.n; i++) {
		struct link *l = &c->links[i];
		char why[512];

		if (!link_is_up(l) && now >= l->next_try_ms) {
			if (link_open(l, why, sizeof(why)) != 0) {
				struct fl_ctl_node *nd = fl_ctl_node(&c->sm, l->cfg->b.id);

				if (nd == NULL || !nd->failed)
					fl_log(FL_LOG_WARN, "node %d: %s", (int)l->cfg->b.id, why);
				link_down(c, l, now, why);
				continue;
			}
			fl_log(FL_LOG_INFO, "node %d: admin stream open", (int)l->cfg->b.id);
			l->backoff_ms = 100;
			if (!c->o->observe)
				fl_ctl_connected(&c->sm, now, l->cfg->b.id);
		}
		if (link_is_up(l) && l->qlen > 0 && now - l->oldest_ms > stuck)
			link_down(c, l, now, "no answer for too long");
	}
}

static void
poll_status(struct ctlr *c, int64_t now)
{
	size_t i;

	for (i = 0; i < c->cf.n; i++) {
		struct link *l = &c->links[i];

		if (link_is_up(l) && l->status_sent_ms < 0 &&
		    link_send(l, REQ_STATUS, fl_ctl_status_token(&c->sm, l->cfg->b.id), "status",
		    now) != 0)
			fl_log(FL_LOG_ERROR, "out of memory");
	}
}

/* ---- operators' verbs (the socket's line protocol, flume-ctl(1)) ---- */

static int
parse_id(const char *s, int32_t *id)
{
	uint64_t v;

	if (fl_conf_u64(s, 0, INT32_MAX, 0, &v) != 0)
		return -1;
	*id = (int32_t)v;
	return 0;
}

static void
op_status(struct ctlr *c, int64_t now, struct sbuf *out)
{
	size_t i;

	sb_printf(out, "controller\t%lld\t%s\n", (long long)c->sm.epoch,
	    c->o->observe ? "not-running" : fl_ctl_fenced(&c->sm) ? "fenced" : "active");
	for (i = 0; i < c->sm.nnodes; i++) {
		const struct fl_ctl_node *n = &c->sm.nodes[i];

		sb_printf(out, "node\t%d\t%s:%u\t%s\t%lld\n", (int)n->b.id, n->b.host,
		    (unsigned)n->b.port, n->fenced ? "fenced" : fl_ctl_is_live(&c->sm, n, now) ?
		    "live" : "down", n->has_status ? (long long)(now - n->last_ok_ms) : -1LL);
	}
	for (i = 0; i < c->sm.next.nparts; i++) {
		const struct fl_cmeta_part *p = &c->sm.next.parts[i];
		const struct fl_ctl_node *l = p->leader >= 0 ? fl_ctl_node(&c->sm, p->leader) : NULL;
		const struct fl_bstatus_part *r = l != NULL && l->has_status ?
		    fl_bstatus_find(&l->st, p->topic, p->partition) : NULL;

		/* a HW only from the acting leader: one that restarted reports its checkpoint */
		if (r != NULL && (r->role != FL_ROLE_LEADER || r->epoch != p->epoch))
			r = NULL;
		char rs[256], is[256];

		if (fl_nodeset_format(&p->replicas, rs, sizeof(rs)) != 0)
			snprintf(rs, sizeof(rs), "?");
		if (fl_nodeset_format(&p->isr, is, sizeof(is)) != 0)
			snprintf(is, sizeof(is), "?");
		sb_printf(out, "partition\t%s\t%d\t%d\t%d\t%s\t%s\t%lld\t%lld\n", p->topic,
		    (int)p->partition, (int)p->epoch, (int)p->leader, rs, is,
		    r != NULL ? (long long)r->hw : -1LL, r != NULL ? (long long)r->log_end : -1LL);
	}
	for (i = 0; i < c->sm.nmoves; i++) {
		char ts[256];

		if (fl_nodeset_format(&c->sm.moves[i].target, ts, sizeof(ts)) != 0)
			snprintf(ts, sizeof(ts), "?");
		sb_printf(out, "moving\t%s\t%d\t%s\n", c->sm.moves[i].topic,
		    (int)c->sm.moves[i].partition, ts);
	}
}

/* reassign --plan: where the ring over today's unfenced nodes would put each partition */
static int
op_plan(struct ctlr *c, struct sbuf *out, char *msg, size_t n)
{
	struct fl_place_point *pts;
	struct fl_place_ring ring;
	int32_t ids[FL_PLACE_BROKERS_MAX], want[FL_REPL_REPLICAS_MAX];
	size_t i, nids = 0, moves = 0;

	for (i = 0; i < c->sm.nnodes; i++)
		if (!c->sm.nodes[i].fenced)
			ids[nids++] = c->sm.nodes[i].b.id;
	if ((pts = malloc(FL_PLACE_POINTS(nids) * sizeof(*pts))) == NULL)
		return snprintf(msg, n, "out of memory"), EX_OSERR;
	if (fl_place_ring_init(&ring, pts, FL_PLACE_POINTS(nids), ids, nids) != 0) {
		free(pts);
		return snprintf(msg, n, "no ring over the unfenced nodes"), CTL_EX_REFUSED;
	}
	for (i = 0; i < c->sm.next.nparts; i++) {
		const struct fl_cmeta_part *p = &c->sm.next.parts[i];
		struct fl_nodeset ws;
		char a[256], b[256];
		size_t k, r = p->replicas.n;

		if (r == 0 || r > nids || fl_place(&ring, p->topic, p->partition, r, want) != 0)
			continue;
		memset(&ws, 0, sizeof(ws));
		for (k = 0; k < r; k++)
			(void)fl_nodeset_add(&ws, want[k]);
		if (fl_nodeset_equal(&ws, &p->replicas))
			continue;
		(void)fl_nodeset_format(&p->replicas, a, sizeof(a));
		(void)fl_nodeset_format(&ws, b, sizeof(b));
		sb_printf(out, "move\t%s\t%d\t%s\t%s\n", p->topic, (int)p->partition, a, b);
		moves++;
	}
	free(pts);
	sb_printf(out, "moves\t%zu\t%zu\n", moves, c->sm.next.nparts);
	return 0;
}

/* An sm error code as an exit code. */
static int
ex_of(int rc)
{
	switch (rc) {
	case 0: return 0;
	case FL_ENOENT: return CTL_EX_REFUSED;
	case FL_ENOMEM: return EX_OSERR;
	default: return CTL_EX_REFUSED;
	}
}

/*
 * Carry out one operator line: data lines into out, and the exit code
 * the verb's process should give (0 ok).  msg: the error's sentence.
 */
static int
op_exec(struct ctlr *c, int64_t now, char *line, struct sbuf *out, char *msg, size_t n)
{
	char *argv[40], *save = NULL, *tok;
	int argc = 0, rc;
	int32_t part, id;
	uint64_t v;

	msg[0] = '\0';
	for (tok = strtok_r(line, " \t", &save); tok != NULL && argc < 40;
	    tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return snprintf(msg, n, "empty line"), EX_USAGE;
	if (strcmp(argv[0], "status") == 0 && argc == 1) {
		op_status(c, now, out);
		return 0;
	}
	if (strcmp(argv[0], "plan") == 0 && argc == 1)
		return op_plan(c, out, msg, n);
	if (strcmp(argv[0], "elect") == 0 && argc >= 3 && argc <= 5) {
		int unclean = 0;

		id = -1;
		if (fl_conf_u64(argv[2], 0, FL_TOPIC_PARTITIONS_MAX - 1, 0, &v) != 0)
			return snprintf(msg, n, "PART must be a partition number"), EX_USAGE;
		part = (int32_t)v;
		if (argc >= 4 && strcmp(argv[3], "-") != 0 && parse_id(argv[3], &id) != 0)
			return snprintf(msg, n, "NODE must be a node id"), EX_USAGE;
		if (argc == 5 && strcmp(argv[4], "unclean") != 0)
			return snprintf(msg, n, "usage: elect TOPIC PART [NODE|-] [unclean]"), EX_USAGE;
		unclean = argc == 5;
		if (fl_cmeta_find(&c->sm.next, argv[1], part) == NULL)
			return snprintf(msg, n, "no partition %s-%d", argv[1], (int)part), CTL_EX_UNKNOWN;
		if (id >= 0 && fl_ctl_node(&c->sm, id) == NULL)
			return snprintf(msg, n, "no node %d in the cluster", (int)id), CTL_EX_UNKNOWN;
		rc = fl_ctl_elect(&c->sm, now, argv[1], part, id, unclean, msg, n);
		if (rc == 0)
			sb_printf(out, "%s\n", msg);
		return ex_of(rc);
	}
	if (strcmp(argv[0], "create-topic") == 0 && argc >= 4) {
		struct fl_topic_conf conf;
		uint64_t np, rf;
		int i;

		memset(&conf, 0, sizeof(conf));
		if (fl_conf_u64(argv[2], 1, FL_TOPIC_PARTITIONS_MAX, 0, &np) != 0 ||
		    fl_conf_u64(argv[3], 1, FL_REPL_REPLICAS_MAX, 0, &rf) != 0)
			return snprintf(msg, n, "partitions must be 1..%d and replicas 1..%d",
			    FL_TOPIC_PARTITIONS_MAX, FL_REPL_REPLICAS_MAX), EX_USAGE;
		for (i = 4; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (eq == NULL || eq == argv[i])
				return snprintf(msg, n, "%s: a config is KEY=VALUE", argv[i]), EX_USAGE;
			rc = fl_topic_conf_set(&conf, argv[i], (size_t)(eq - argv[i]), eq + 1,
			    strlen(eq + 1));
			if (rc == FL_ENOENT)
				return snprintf(msg, n, "%.*s: the topic configs are "
				    "min.insync.replicas, replica.lag.time.max.ms, retention.ms and "
				    "retention.bytes", (int)(eq - argv[i]), argv[i]), EX_USAGE;
			if (rc != 0)
				return snprintf(msg, n, "%s: not a number in the config's range",
				    argv[i]), EX_USAGE;
		}
		rc = fl_ctl_create_topic(&c->sm, argv[1], (int32_t)np, (int32_t)rf, &conf, msg, n);
		if (rc == 0)
			sb_printf(out, "%s\n", msg);
		return ex_of(rc);
	}
	if (strcmp(argv[0], "delete-topic") == 0 && argc == 2) {
		rc = fl_ctl_delete_topic(&c->sm, argv[1], msg, n);
		if (rc == 0)
			sb_printf(out, "%s\n", msg);
		return rc == FL_ENOENT ? CTL_EX_UNKNOWN : ex_of(rc);
	}
	if (strcmp(argv[0], "reassign") == 0 && argc == 4) {
		struct fl_nodeset target;

		if (fl_conf_u64(argv[2], 0, FL_TOPIC_PARTITIONS_MAX - 1, 0, &v) != 0)
			return snprintf(msg, n, "PART must be a partition number"), EX_USAGE;
		if (fl_nodeset_parse(&target, argv[3]) != 0 || target.n == 0)
			return snprintf(msg, n, "NODES must be node ids like 1,2,3"), EX_USAGE;
		part = (int32_t)v;
		if (fl_cmeta_find(&c->sm.next, argv[1], part) == NULL)
			return snprintf(msg, n, "no partition %s-%d", argv[1], (int)part), CTL_EX_UNKNOWN;
		rc = fl_ctl_reassign(&c->sm, argv[1], part, &target, msg, n);
		if (rc == 0)
			sb_printf(out, "%s\n", msg);
		return rc == FL_EINVAL ? CTL_EX_UNKNOWN : ex_of(rc);
	}
	if ((strcmp(argv[0], "fence") == 0 || strcmp(argv[0], "unfence") == 0 ||
	    strcmp(argv[0], "drain") == 0) && argc == 2) {
		if (parse_id(argv[1], &id) != 0)
			return snprintf(msg, n, "NODE must be a node id"), EX_USAGE;
		if (fl_ctl_node(&c->sm, id) == NULL)
			return snprintf(msg, n, "no node %d in the cluster", (int)id), CTL_EX_UNKNOWN;
		if (argv[0][0] == 'd')
			rc = fl_ctl_drain(&c->sm, now, id, msg, n);
		else
			rc = fl_ctl_fence(&c->sm, id, argv[0][0] == 'f', msg, n);
		if (rc == 0)
			sb_printf(out, "%s\n", msg);
		return ex_of(rc);
	}
	return snprintf(msg, n, "unknown verb or wrong operands: %s", argv[0]), EX_USAGE;
}

/* Carry out a line and commit what it decided before answering. */
static int
op_line(struct ctlr *c, int64_t now, char *line, struct sbuf *out, int *fatal)
{
	char msg[FL_CTL_MSG_MAX];
	int ex = op_exec(c, now, line, out, msg, sizeof(msg));

	*fatal = c->o->observe ? 0 : commit(c, now);
	if (*fatal != 0 && ex == 0) {
		ex = *fatal;
		snprintf(msg, sizeof(msg), "the controller's state could not be written (its log "
		    "says why): nothing was done");
	}
	if (ex == 0)
		sb_printf(out, "ok\n");
	else
		sb_printf(out, "error %d: %s\n", ex, msg);
	return ex;
}

static void
op_close(struct opconn *oc)
{
	if (oc->fd >= 0)
		close(oc->fd);
	oc->fd = -1;
	free(oc->out);
	oc->out = NULL;
	oc->olen = oc->ooff = oc->ocap = 0;
	oc->rlen = 0;
}

static int
op_input(struct ctlr *c, struct opconn *oc, int64_t now)
{
	for (;;) {
		ssize_t r = read(oc->fd, oc->rbuf + oc->rlen, sizeof(oc->rbuf) - oc->rlen);
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			oc->close_after = 1;
			break;
		}
		oc->rlen += (size_t)r;
		while ((nl = memchr(oc->rbuf, '\n', oc->rlen)) != NULL) {
			struct sbuf out = { oc->out, oc->olen, oc->ocap, 0 };
			size_t len = (size_t)(nl - oc->rbuf);
			int fatal = 0;

			*nl = '\0';
			(void)op_line(c, now, oc->rbuf, &out, &fatal);
			oc->out = out.p;
			oc->olen = out.len;
			oc->ocap = out.cap;
			memmove(oc->rbuf, nl + 1, oc->rlen - len - 1);
			oc->rlen -= len + 1;
			if (fatal)
				return fatal;
		}
		if (oc->rlen == sizeof(oc->rbuf)) {
			oc->close_after = 1;	/* a line too long: not ours */
			break;
		}
	}
	return 0;
}

static void
op_flush(struct opconn *oc)
{
	while (oc->ooff < oc->olen) {
		ssize_t w = write(oc->fd, oc->out + oc->ooff, oc->olen - oc->ooff);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			op_close(oc);
			return;
		}
		oc->ooff += (size_t)w;
	}
	oc->ooff = oc->olen = 0;
	if (oc->close_after)
		op_close(oc);
}

static int
listen_ops(struct ctlr *c)
{
	struct sockaddr_un sa;
	int fd;

	if (snprintf(c->sock_path, sizeof(c->sock_path), "%s/%s", c->o->state_dir, CTL_SOCK) >=
	    (int)sizeof(sa.sun_path)) {
		fl_log(FL_LOG_ERROR, "%s/%s: path too long for a socket", c->o->state_dir,
		    CTL_SOCK);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->sock_path, strlen(c->sock_path) + 1);
	(void)unlink(c->sock_path);	/* a dead controller's: we hold the lock */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
		fl_log(FL_LOG_ERROR, "%s: %s", c->sock_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(void)chmod(c->sock_path, 0600);
	c->listen_fd = fd;
	return 0;
}

/* ---- the loop ---- */

/* os/httpd's render callback: the exposition (metrics.c) as of now. */
static int
render_metrics(void *arg, struct fl_wr *w)
{
	struct ctlr *c = arg;
	int rc = ctl_metrics_render(&c->m, &c->sm, &c->cf, &c->http, fl_clock_ms(), w);

	if (rc != 0)
		fl_log(FL_LOG_WARN, "metrics: the exposition does not fit in %u bytes",
		    CTL_METRICS_BODY_BYTES_MAX);
	return rc;
}

/* Has every node answered a status (or had its chance)? */
static int
all_heard(struct ctlr *c, int64_t now)
{
	size_t i;

	if (now - c->start_ms >= c->o->liveness_ms)
		return 1;
	for (i = 0; i < c->sm.nnodes; i++)
		if (!c->sm.nodes[i].has_status && !c->sm.nodes[i].failed)
			return 0;
	return 1;
}

static int
pushes_pending(struct ctlr *c)
{
	size_t i, k;

	for (i = 0; i < c->cf.n; i++)
		for (k = 0; k < c->links[i].qlen; k++)
			if (c->links[i].q[(c->links[i].qhead + k) % c->links[i].qcap].kind == REQ_PUSH)
				return 1;
	return 0;
}

static int
loop(struct ctlr *c)
{
	int oneshot_done = 0, oneshot_ex = 0;
	int64_t drain_until = 0;

	for (;;) {
		struct pollfd pf[2 + OPS_MAX + 2 * FL_CFILE_NODES_MAX + 1 + FL_HTTPD_CONNS_MAX];
		struct link *who[FL_ARRAY_LEN(pf)];
		size_t hslot[FL_HTTPD_CONNS_MAX];	/* pf[http0 + 1 + k]: slot hslot[k] */
		int64_t now = fl_clock_ms(), wait, http_next;
		size_t np = 0, i, http0, http_end;
		int ex;

		if (stop_flag)
			return 0;
		if (fl_ctl_fenced(&c->sm) && !c->o->observe) {
			fl_log(FL_LOG_ERROR, "fenced by a controller with epoch %lld: stopping",
			    (long long)c->sm.fenced_by);
			return EX_TEMPFAIL;
		}
		links_turn(c, now);
		if (!c->o->observe && (ex = commit(c, now)) != 0)
			return ex;
		if (now >= c->next_poll_ms) {
			poll_status(c, now);
			c->next_poll_ms = now + c->o->poll_ms;
		}
		if (!c->o->observe) {
			fl_ctl_tick(&c->sm, now);
			if ((ex = commit(c, now)) != 0)
				return ex;
		}
		if (c->o->oneshot != NULL && !oneshot_done && all_heard(c, now)) {
			struct sbuf out = { NULL, 0, 0, 0 };
			char line[OP_LINE_MAX];
			int fatal = 0;

			snprintf(line, sizeof(line), "%s", c->o->oneshot);
			oneshot_ex = op_line(c, now, line, &out, &fatal);
			if (out.nomem) {
				free(out.p);
				return EX_OSERR;
			}
			*c->o->answer = out.p;
			*c->o->answer_len = out.len;
			if (fatal)
				return fatal;
			oneshot_done = 1;
			drain_until = now + ONESHOT_DRAIN_MS;
		}
		if (oneshot_done && (!pushes_pending(c) || now >= drain_until))
			return oneshot_ex;

		for (i = 0; i < c->cf.n; i++) {
			struct link *l = &c->links[i];

			if (!link_is_up(l))
				continue;
			who[np] = l;
			pf[np].fd = l->rfd;
			pf[np++].events = POLLIN;
			if (link_wants_write(l)) {
				who[np] = l;
				pf[np].fd = l->wfd;
				pf[np++].events = POLLOUT;
			}
		}
		who[np] = NULL;
		pf[np].fd = c->sig_fd;
		pf[np++].events = POLLIN;
		if (c->listen_fd >= 0) {
			who[np] = NULL;
			pf[np].fd = c->listen_fd;
			pf[np++].events = POLLIN;
		}
		for (i = 0; i < OPS_MAX; i++) {
			if (c->ops[i].fd < 0)
				continue;
			who[np] = NULL;
			pf[np].fd = c->ops[i].fd;
			pf[np++].events = POLLIN | (c->ops[i].olen > c->ops[i].ooff ? POLLOUT : 0);
		}
		/* the metrics endpoint: its listener, then each connection (or none) */
		http_next = fl_httpd_tick(&c->http, now);
		http0 = http_end = np;
		if (c->http.lfd >= 0) {
			who[np] = NULL;
			pf[np].fd = c->http.lfd;
			pf[np++].events = POLLIN;
			for (i = 0; i < FL_HTTPD_CONNS_MAX; i++) {
				short ev = fl_httpd_poll_events(&c->http, i);

				if (ev == 0)
					continue;
				hslot[np - http0 - 1] = i;
				who[np] = NULL;
				pf[np].fd = c->http.conns[i].fd;
				pf[np++].events = ev;
			}
			http_end = np;
		}
		wait = c->next_poll_ms - now;
		if (http_next - now < wait)
			wait = http_next - now;
		if (wait < 1)
			wait = 1;
		if (poll(pf, (nfds_t)np, (int)wait) < 0 && errno != EINTR) {
			fl_log(FL_LOG_ERROR, "poll: %s", strerror(errno));
			return EX_OSERR;
		}
		now = fl_clock_ms();
		for (i = 0; i < np; i++) {
			struct link *l = who[i];

			if (pf[i].revents == 0)
				continue;
			if (i == http0 && i < http_end) {
				fl_httpd_on_listen(&c->http, now);
				continue;
			}
			if (i > http0 && i < http_end) {
				fl_httpd_on_conn(&c->http, hslot[i - http0 - 1],
				    (pf[i].revents & (POLLHUP | POLLERR)) != 0);
				continue;
			}
			if (l != NULL) {
				if (!link_is_up(l) || pf[i].fd != (pf[i].events & POLLOUT ? l->wfd : l->rfd))
					continue;
				if (pf[i].events & POLLOUT) {
					if (link_flush(l) != 0)
						link_down(c, l, now, "write failed");
				} else if (link_read(l, on_reply, c) != 0) {
					link_down(c, l, now, "the broker closed it");
				}
				continue;
			}
			if (pf[i].fd == c->sig_fd) {
				char buf[64];

				while (read(c->sig_fd, buf, sizeof(buf)) > 0)
					;
				if (reopen_flag) {
					reopen_flag = 0;
					reopen_log(c->o->log_file);
				}
				continue;
			}
			if (pf[i].fd == c->listen_fd) {
				int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				size_t k;

				if (fd < 0)
					continue;
				for (k = 0; k < OPS_MAX && c->ops[k].fd >= 0; k++)
					;
				if (k == OPS_MAX) {
					static const char busy[] = "error 75: too many operator connections\n";

					(void)!write(fd, busy, sizeof(busy) - 1);
					close(fd);
					continue;
				}
				c->ops[k].fd = fd;
				c->ops[k].close_after = 0;
				continue;
			}
		}
		for (i = 0; i < OPS_MAX; i++) {
			struct opconn *oc = &c->ops[i];
			size_t k;

			if (oc->fd < 0)
				continue;
			for (k = 0; k < np; k++)
				if (pf[k].fd == oc->fd && who[k] == NULL && pf[k].revents != 0)
					break;
			if (k < np) {
				if ((ex = op_input(c, oc, now)) != 0)
					return ex;
			}
			op_flush(oc);
		}
		/* the brokers' writes queued this turn go out now */
		for (i = 0; i < c->cf.n; i++)
			if (link_wants_write(&c->links[i]) && link_flush(&c->links[i]) != 0)
				link_down(c, &c->links[i], now, "write failed");
	}
}

int
load_cluster(const char *path, struct fl_cfile *cf)
{
	char why[512];
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (f == NULL) {
		fl_warn("%s", path);
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *nt;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || (nt = realloc(text, cap)) == NULL) {
				fl_warnx("%s: too large", path);
				free(text);
				fclose(f);
				return EX_CONFIG;
			}
			text = nt;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	rc = ferror(f);
	fclose(f);
	if (rc) {
		fl_warnx("%s: read error", path);
		free(text);
		return EX_IOERR;
	}
	rc = fl_cfile_parse(cf, text, len, why, sizeof(why));
	free(text);
	if (rc != 0) {
		fl_warnx("%s: %s", path, why);
		return EX_CONFIG;
	}
	return 0;
}

int
run_controller(const struct run_opts *o)
{
	static struct ctlr c;
	static const int catch[] = { SIGTERM, SIGINT, SIGHUP };
	static const int ignore[] = { SIGPIPE };
	struct fl_topic_list topics;
	struct fl_cmeta_broker *nodes = NULL;
	struct fl_ctl_cfg cfg;
	struct fl_httpd_cfg hcfg;
	struct fl_err err = { 0 };
	int64_t epoch = 0;
	size_t i;
	int rc, ex = 0;

	memset(&c, 0, sizeof(c));
	memset(&topics, 0, sizeof(topics));
	c.o = o;
	c.lock_fd = c.listen_fd = -1;
	memset(&hcfg, 0, sizeof(hcfg));
	hcfg.path = "/metrics";
	hcfg.content_type = "text/plain; version=0.0.4; charset=utf-8";
	hcfg.body_bytes_max = CTL_METRICS_BODY_BYTES_MAX;
	hcfg.render = render_metrics;
	hcfg.arg = &c;
	fl_httpd_init(&c.http, &hcfg);
	for (i = 0; i < OPS_MAX; i++)
		c.ops[i].fd = -1;
	c.vfs = fl_vfs_real();
	if ((ex = load_cluster(o->cluster_file, &c.cf)) != 0)
		return ex;
	if (!o->observe) {
		if (fl_vfs_mkdirs(c.vfs, o->state_dir) != 0) {
			fl_warn("%s", o->state_dir);
			ex = EX_CANTCREAT;
			goto out;
		}
		rc = fl_lock_dir(o->state_dir, 1, &c.lock_fd);
		if (rc == FL_EBUSY) {
			fl_warnx("%s: another flume-ctl controls this state dir (its lock is held)",
			    o->state_dir);
			ex = EX_TEMPFAIL;
			goto out;
		}
		if (rc != 0) {
			fl_warn("%s/%s", o->state_dir, FL_LOCK_FILE);
			ex = EX_CANTCREAT;
			goto out;
		}
		rc = fl_ctlstore_begin(c.vfs, o->state_dir, &c.stored, &epoch, &err);
	} else {
		rc = fl_ctlstore_load(c.vfs, o->state_dir, &c.stored, &err);
		epoch = c.stored.controller_epoch;
	}
	if (rc == 0)
		rc = fl_ctlstore_load_topics(c.vfs, o->state_dir, &topics, &err);
	if (rc != 0) {
		fl_warnx("%s", err.msg);
		ex = rc == FL_ECORRUPT || rc == FL_ERANGE || rc == FL_EPROTO ? EX_CONFIG : EX_IOERR;
		goto out;
	}
	if ((nodes = calloc(c.cf.n, sizeof(*nodes))) == NULL ||
	    (c.links = calloc(c.cf.n, sizeof(*c.links))) == NULL ||
	    ctl_metrics_init(&c.m, c.cf.n) != 0) {
		ex = EX_OSERR;
		goto out;
	}
	for (i = 0; i < c.cf.n; i++) {
		nodes[i] = c.cf.nodes[i].b;
		link_init(&c.links[i], &c.cf.nodes[i]);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.liveness_ms = o->liveness_ms;
	c.start_ms = fl_clock_ms();
	c.m.start_wall_ms = (uint64_t)fl_wall_ms();
	if (fl_ctl_init(&c.sm, &cfg, nodes, c.cf.n, &c.stored, &topics, c.start_ms) != 0) {
		fl_warnx("out of memory");
		ex = EX_OSERR;
		goto out;
	}
	c.sm.epoch = epoch;
	c.sm.next.controller_epoch = epoch;
	if ((c.sig_fd = fl_sigpipe_open(on_signal, catch, FL_ARRAY_LEN(catch), ignore,
	    FL_ARRAY_LEN(ignore), &sig_wfd)) < 0) {
		fl_warn("pipe");
		ex = EX_OSERR;
		goto out;
	}
	if (o->oneshot == NULL && listen_ops(&c) != 0) {
		ex = EX_CANTCREAT;
		goto out;
	}
	if (o->oneshot == NULL && o->metrics_host != NULL) {
		if (fl_httpd_listen(&c.http, "metrics-listen", o->metrics_host, o->metrics_port,
		    &err) != 0) {
			fl_warnx("%s", err.msg);
			ex = EX_OSERR;
			goto out;
		}
		fl_log(FL_LOG_INFO, "metrics on http://%s/metrics", c.http.bound.text);
	}
	if (o->oneshot == NULL)
		fl_log(FL_LOG_INFO, "controller epoch %lld: %zu nodes, %zu partitions, state %s",
		    (long long)epoch, c.cf.n, c.stored.nparts, o->state_dir);
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ready\n", 6) != 6)
			fl_log(FL_LOG_WARN, "ready-fd %d: %s", o->ready_fd, strerror(errno));
		close(o->ready_fd);
	}
	ex = loop(&c);
	if (o->oneshot == NULL)
		fl_log(ex == 0 ? FL_LOG_INFO : FL_LOG_WARN, "stopped (%d)", ex);
out:
	fl_httpd_close(&c.http);
	ctl_metrics_free(&c.m);
	if (c.listen_fd >= 0) {
		close(c.listen_fd);
		(void)unlink(c.sock_path);
	}
	for (i = 0; i < OPS_MAX; i++)
		op_close(&c.ops[i]);
	for (i = 0; c.links != NULL && i < c.cf.n; i++)
		link_free(&c.links[i]);
	free(c.links);
	free(nodes);
	fl_ctl_free(&c.sm);
	fl_cmeta_free(&c.stored);
	fl_topic_list_free(&topics);
	fl_cfile_free(&c.cf);
	fl_lock_release(c.lock_fd);
	return ex;
}
