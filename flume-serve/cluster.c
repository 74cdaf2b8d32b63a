/*
 * cluster.c: this broker in a cluster (DESIGN §1, §6): the durable
 * cluster.meta (the brokers, and what this node was told of each
 * partition it holds), the admin verbs that change a partition's replica
 * role (brokers, lead, follow, isr, offline), and the flume-repl children
 * that copy followed partitions, one per leader broker.
 *
 * Who writes a partition is settled by its lock: the broker while it leads
 * it (or holds it offline), the child of its leader while it follows it.
 * Handing a partition over: `follow` syncs and closes it here and releases
 * the lock before the child is told; `lead` tells the child to drop it and
 * waits (at most CHILD_DROP_WAIT_MS) for "dropped" before it reopens it.
 *
 * A broker with brokers in cluster.meta leads nothing after a restart
 * until it is told `lead` again (a deposed leader that comes back must
 * never acknowledge a write); under a controller it follows nothing
 * until told either, by hand it resumes following (fl_part_restore).  A
 * broker without brokers is the one-node broker and leads everything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pipeline.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/cmeta.h"
#include "codec/replctl.h"
#include "os/clock.h"
#include "os/lock.h"
#include "store/ctlstore.h"
#include "serve.h"

#define CLUSTER_FILE "cluster.meta"
#define CHILD_DROP_WAIT_MS 5000
#define CHILD_BACKOFF_MIN_MS 100
#define CHILD_BACKOFF_MAX_MS 5000

struct child {
	struct ev_src ev;		/* first: epoll data.ptr points here */
	int32_t leader;
	pipeline *pl;
	int in_fd, out_fd;		/* our ends: its stdin, its stdout */
	char rbuf[4 * FL_REPLCTL_LINE_MAX];
	size_t rlen;
	int64_t restart_ms;		/* not running: start again at this time */
	int64_t backoff_ms;
};

/* ---- cluster.meta ---- */

static int
save(struct broker *b, struct fl_err *err)
{
	int rc = fl_cmeta_save(b->vfs, b->cfg->data_dir, CLUSTER_FILE, &b->cmeta);

	if (rc != 0)
		return fl_err_set(err, rc, "write %s/%s: %s", b->cfg->data_dir, CLUSTER_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	return 0;
}

/* What p is now, into cluster.meta (not yet saved). */
static int
record(struct broker *b, const char *topic, int32_t idx, const struct fl_part *p)
{
	return fl_part_record(&b->cmeta, topic, idx, p);
}

int
cluster_is_on(const struct broker *b)
{
	return b->cmeta.nbrokers > 0;
}

/*
 * A topic created on a node of a cluster serves nothing until the
 * controller (or an operator) says who leads each partition: a new
 * partition opens as this node's own leader, which only a one-node
 * broker may keep.
 */
void
cluster_topic_created(struct broker *b, struct fl_topic *t)
{
	struct fl_err err = { 0 };
	int32_t j;

	if (!cluster_is_on(b))
		return;
	for (j = 0; j < t->nparts; j++) {
		fl_part_created_in_cluster(&t->parts[j]);
		if (record(b, t->name, j, &t->parts[j]) != 0)
			fl_log(FL_LOG_ERROR, "%s-%d: out of memory", t->name, (int)j);
	}
	if (save(b, &err) != 0)
		fl_log(FL_LOG_ERROR, "%s", err.msg);
}

void
cluster_part_damaged(struct broker *b, struct fl_part *p, int was_leader)
{
	if (!was_leader || p->role == FL_ROLE_LEADER) {
		fl_log(FL_LOG_ERROR, "%s: damaged at or below offset %llu: readers get "
		    "KAFKA_STORAGE_ERROR there (flume-seg repair, with the broker stopped)",
		    fl_part_dir(p), (unsigned long long)p->damaged_at);
		return;
	}
	fl_log(FL_LOG_ERROR, "%s: damaged at or below offset %llu: stops leading it at epoch "
	    "%d, so the controller elects another replica (flume-seg repair, with the broker "
	    "stopped)", fl_part_dir(p), (unsigned long long)p->damaged_at, (int)p->leader_epoch);
	group_roles_changed(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}

/* ---- children ---- */

static struct child *
child_find(struct broker *b, int32_t leader)
{
	size_t i;

	for (i = 0; i < b->nchildren; i++)
		if (b->children[i]->leader == leader)
			return b->children[i];
	return NULL;
}

/* Send one command line to a running child (a full pipe drops it: logged). */
static void
child_send(struct child *ch, const struct fl_replctl_cmd *cmd)
{
	char line[FL_REPLCTL_LINE_MAX + 2];
	int n = fl_replctl_cmd_format(line, sizeof(line) - 1, cmd);

	if (n < 0 || ch->in_fd < 0)
		return;
	line[n++] = '\n';
	if (write(ch->in_fd, line, (size_t)n) != n)
		fl_log(FL_LOG_WARN, "flume-repl for leader %d: command not sent: %s",
		    (int)ch->leader, strerror(errno));
}

/* Tell a child about every partition it should follow. */
static void
child_send_all(struct broker *b, struct child *ch)
{
	size_t i;
	int32_t j;

	for (i = 0; i < b->cat.ntopics; i++) {
		struct fl_topic *t = b->cat.topics[i];

		for (j = 0; j < t->nparts; j++) {
			const struct fl_part *p = &t->parts[j];
			struct fl_replctl_cmd cmd;

			if (p->role != FL_ROLE_FOLLOWER || p->leader_id != ch->leader)
				continue;
			memset(&cmd, 0, sizeof(cmd));
			cmd.kind = FL_REPLCTL_FOLLOW;
			snprintf(cmd.topic, sizeof(cmd.topic), "%s", t->name);
			cmd.part = j;
			cmd.epoch = p->leader_epoch;
			child_send(ch, &cmd);
		}
	}
}

static int
child_start(struct broker *b, struct child *ch)
{
	const struct fl_cmeta_broker *lb = fl_cmeta_broker(&b->cmeta, ch->leader);
	char node[16], leader[16], addr[FL_CMETA_HOST_MAX + 16], seg[32];
	FILE *in, *out;

	if (lb == NULL)
		return FL_ENOENT;
	snprintf(node, sizeof(node), "%d", (int)b->cfg->node_id);
	snprintf(leader, sizeof(leader), "%d", (int)ch->leader);
	snprintf(addr, sizeof(addr), strchr(lb->host, ':') ? "[%s]:%u" : "%s:%u", lb->host,
	    (unsigned)lb->port);
	snprintf(seg, sizeof(seg), "%llu", (unsigned long long)b->cfg->segment_bytes);
	/* copies roll segments as the broker's own logs do */
	ch->pl = pipeline_new_command_args(b->repl_path, "--data", b->cfg->data_dir,
	    "--node-id", node, "--leader-id", leader, "--leader", addr, "--segment-bytes", seg,
	    (void *)NULL);
	if (b->cfg->replica_user[0] != '\0')
		/* leaders' listeners may require SASL: the follower logs in as this
		 * user (a super user: a cluster grant) with SCRAM-SHA-512 */
		pipecmd_args(pipeline_get_command(ch->pl, 0), "--sasl-mechanism",
		    "SCRAM-SHA-512", "--sasl-user", b->cfg->replica_user,
		    "--sasl-password-file", b->cfg->replica_password_file, (void *)NULL);
	pipeline_want_in(ch->pl, -1);
	pipeline_want_out(ch->pl, -1);
	pipeline_ignore_signals(ch->pl, 0);
	pipeline_start(ch->pl);
	in = pipeline_get_infile(ch->pl);
	out = pipeline_get_outfile(ch->pl);
	ch->in_fd = in ? fileno(in) : -1;
	ch->out_fd = out ? fileno(out) : -1;
	if (ch->in_fd < 0 || ch->out_fd < 0)
		return FL_ESYS;
	(void)fcntl(ch->out_fd, F_SETFL, fcntl(ch->out_fd, F_GETFL) | O_NONBLOCK);
	(void)fcntl(ch->in_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(ch->out_fd, F_SETFD, FD_CLOEXEC);
	ch->rlen = 0;
	ch->restart_ms = 0;
	if (serve_watch_fd(b, ch->out_fd, &ch->ev) != 0)
		return FL_ESYS;
	fl_log(FL_LOG_INFO, "started flume-repl (pid %d) following leader %d at %s",
	    (int)pipeline_get_pid(ch->pl, 0), (int)ch->leader, addr);
	child_send_all(b, ch);
	return 0;
}

/* The child ended (its stdout closed): reap it, and start it again later. */
static void
child_ended(struct broker *b, struct child *ch)
{
	int status;

	if (ch->pl == NULL)
		return;
	(void)epoll_ctl(b->epfd, EPOLL_CTL_DEL, ch->out_fd, NULL);
	status = pipeline_wait(ch->pl);
	pipeline_free(ch->pl);
	ch->pl = NULL;
	ch->in_fd = ch->out_fd = -1;
	if (b->is_stopping)
		return;
	fl_log(status == 0 ? FL_LOG_INFO : FL_LOG_WARN, "flume-repl following leader %d "
	    "ended (status %d); again in %lld ms", (int)ch->leader, status,
	    (long long)ch->backoff_ms);
	ch->restart_ms = b->now_ms + ch->backoff_ms;
	ch->backoff_ms = ch->backoff_ms * 2 > CHILD_BACKOFF_MAX_MS ? CHILD_BACKOFF_MAX_MS :
	    ch->backoff_ms * 2;
}

/* A child for `leader`, started if need be. */
static struct child *
child_ensure(struct broker *b, int32_t leader)
{
	struct child *ch = child_find(b, leader);

	if (ch == NULL) {
		struct child **nc = realloc(b->children, (b->nchildren + 1) * sizeof(*nc));

		if (nc == NULL)
			return NULL;
		b->children = nc;
		ch = calloc(1, sizeof(*ch));
		if (ch == NULL)
			return NULL;
		ch->ev.kind = EV_CHILD;
		ch->leader = leader;
		ch->in_fd = ch->out_fd = -1;
		ch->backoff_ms = CHILD_BACKOFF_MIN_MS;
		b->children[b->nchildren++] = ch;
	}
	if (ch->pl == NULL && ch->restart_ms == 0 && child_start(b, ch) != 0) {
		fl_log(FL_LOG_WARN, "cannot start flume-repl for leader %d", (int)leader);
		ch->restart_ms = b->now_ms + ch->backoff_ms;
	}
	return ch;
}

static void
on_report(struct broker *b, struct child *ch, const struct fl_replctl_rep *r)
{
	struct fl_part *p = r->topic[0] ? store_part(b, r->topic, strlen(r->topic), r->part) :
	    NULL;

	switch (r->kind) {
	case FL_REPLCTL_PROGRESS:
		if (p != NULL && !p->is_open) {
			p->repl_log_end = r->offset;
			if (r->hw > p->hw || r->hw < p->hw)
				p->hw = r->hw;	/* the copy's, persisted by the child */
		}
		ch->backoff_ms = CHILD_BACKOFF_MIN_MS;
		break;
	case FL_REPLCTL_FOLLOWING:
		fl_log(FL_LOG_INFO, "following %s-%d from leader %d at epoch %d", r->topic,
		    (int)r->part, (int)ch->leader, (int)r->epoch);
		break;
	case FL_REPLCTL_TRUNCATED:
		fl_log(FL_LOG_INFO, "%s-%d: the copy's divergent tail was cut; it ends at %llu",
		    r->topic, (int)r->part, (unsigned long long)r->offset);
		if (p != NULL && !p->is_open)
			p->repl_log_end = r->offset;
		break;
	case FL_REPLCTL_RESET:
		fl_log(FL_LOG_WARN, "%s-%d: the copy was emptied and restarts at %llu (the "
		    "leader no longer holds what it lacked)", r->topic, (int)r->part,
		    (unsigned long long)r->offset);
		break;
	case FL_REPLCTL_FENCED:
		fl_log(FL_LOG_WARN, "%s-%d: leader %d has an epoch newer than %d: waiting to "
		    "be told the new one", r->topic, (int)r->part, (int)ch->leader,
		    (int)r->epoch);
		break;
	case FL_REPLCTL_DROPPED:
		break;
	case FL_REPLCTL_ERROR:
		fl_log(FL_LOG_WARN, "flume-repl for leader %d: %s-%s: %s", (int)ch->leader,
		    r->topic[0] ? r->topic : "-", r->part >= 0 ? "" : "-", r->text);
		break;
	}
}

/*
 * Read what a child reported.  Returns 1 if it reported `dropped` for
 * (topic, part) (used while waiting for a hand-over), else 0.
 */
static int
child_read(struct broker *b, struct child *ch, const char *topic, int32_t part)
{
	int dropped = 0;

	for (;;) {
		ssize_t n = read(ch->out_fd, ch->rbuf + ch->rlen, sizeof(ch->rbuf) - ch->rlen);
		char *nl;

		if (n == 0) {
			child_ended(b, ch);
			return dropped;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				child_ended(b, ch);
			return dropped;
		}
		ch->rlen += (size_t)n;
		while ((nl = memchr(ch->rbuf, '\n', ch->rlen)) != NULL) {
			struct fl_replctl_rep r;
			struct fl_err err = { 0 };
			size_t len = (size_t)(nl - ch->rbuf);

			if (fl_replctl_rep_parse(ch->rbuf, len, &r, &err) == 0) {
				on_report(b, ch, &r);
				if (r.kind == FL_REPLCTL_DROPPED && topic != NULL &&
				    strcmp(r.topic, topic) == 0 && r.part == part)
					dropped = 1;
			} else {
				fl_log(FL_LOG_WARN, "flume-repl for leader %d said something "
				    "unknown: %s", (int)ch->leader, err.msg);
			}
			memmove(ch->rbuf, nl + 1, ch->rlen - len - 1);
			ch->rlen -= len + 1;
		}
		if (ch->rlen == sizeof(ch->rbuf))
			ch->rlen = 0;	/* a line longer than any report: drop it */
	}
}

void
cluster_on_child(struct broker *b, struct ev_src *src)
{
	struct child *ch = (struct child *)(void *)src;

	if (ch->pl != NULL)
		(void)child_read(b, ch, NULL, -1);
}

/* Leaders' timers: followers past the lag limit are proposed out. */
static void
tick_leaders(struct broker *b)
{
	size_t i;
	int32_t j;
	int moved = 0;

	for (i = 0; i < b->cat.ntopics; i++) {
		struct fl_topic *t = b->cat.topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct fl_part *p = &t->parts[j];
			char set[128];
			int what = fl_part_tick(p, b->now_ms);

			if (fl_part_checkpoint_hw(p) != 0)
				fl_log(FL_LOG_WARN, "%s: hw checkpoint: %s", fl_part_dir(p),
				    strerror(errno));

			if (!(what & FL_PART_TICK_PROPOSED))
				continue;
			(void)fl_nodeset_format(&p->lead.proposed, set, sizeof(set));
			fl_log(FL_LOG_INFO, "%s-%d: proposing ISR %s at epoch %d", t->name, (int)j,
			    set, (int)p->leader_epoch);
			if (what & FL_PART_TICK_HW_MOVED)
				moved = 1;
		}
	}
	if (moved)
		kafka_hw_moved(b);
}

void
cluster_tick(struct broker *b)
{
	size_t i;

	if (b->now_ms >= b->next_leader_tick_ms) {
		tick_leaders(b);
		b->next_leader_tick_ms = b->now_ms + 100;
	}

	for (i = 0; i < b->nchildren; i++) {
		struct child *ch = b->children[i];

		if (ch->pl == NULL && ch->restart_ms != 0 && b->now_ms >= ch->restart_ms &&
		    !b->is_stopping) {
			ch->restart_ms = 0;
			if (child_start(b, ch) != 0)
				ch->restart_ms = b->now_ms + ch->backoff_ms;
		}
	}
}

int64_t
cluster_next_wake(const struct broker *b)
{
	int64_t t = cluster_is_on(b) ? b->next_leader_tick_ms : INT64_MAX;
	size_t i;

	for (i = 0; i < b->nchildren; i++)
		if (b->children[i]->pl == NULL && b->children[i]->restart_ms != 0 &&
		    b->children[i]->restart_ms < t)
			t = b->children[i]->restart_ms;
	return t;
}

/* Ask the child following (topic, part) to let it go, and wait until it has. */
static int
child_drop_wait(struct broker *b, int32_t leader, const char *topic, int32_t part)
{
	struct child *ch = child_find(b, leader);
	struct fl_replctl_cmd cmd;
	int64_t deadline = fl_clock_ms() + CHILD_DROP_WAIT_MS;

	if (ch == NULL || ch->pl == NULL)
		return 0;	/* nobody follows it: the lock is free */
	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = FL_REPLCTL_DROP;
	snprintf(cmd.topic, sizeof(cmd.topic), "%s", topic);
	cmd.part = part;
	child_send(ch, &cmd);
	while (ch->pl != NULL) {
		struct pollfd pfd = { ch->out_fd, POLLIN, 0 };
		int64_t left = deadline - fl_clock_ms();

		if (left <= 0)
			return FL_EBUSY;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return FL_ESYS;
		if (child_read(b, ch, topic, part))
			return 0;
	}
	return 0;	/* it ended: the lock went with it */
}

int
cluster_topic_deleting(struct broker *b, struct fl_topic *t)
{
	struct fl_err err = { 0 };
	int32_t j;

	if (!cluster_is_on(b))
		return 0;
	for (j = 0; j < t->nparts; j++) {
		struct fl_part *p = &t->parts[j];

		if (p->role != FL_ROLE_FOLLOWER)
			continue;
		if (child_drop_wait(b, p->leader_id, t->name, j) != 0) {
			fl_log(FL_LOG_ERROR, "delete topic %s: the follower of partition %d did not "
			    "let it go within %d ms", t->name, (int)j, CHILD_DROP_WAIT_MS);
			return FL_EBUSY;
		}
		(void)fl_part_step_down(p, FL_ROLE_OFFLINE, p->leader_epoch, -1, NULL);
	}
	fl_cmeta_drop_topic(&b->cmeta, t->name);
	if (save(b, &err) != 0)
		fl_log(FL_LOG_ERROR, "%s", err.msg);
	return 0;
}

void
cluster_stop(struct broker *b)
{
	size_t i;

	for (i = 0; i < b->nchildren; i++) {
		struct child *ch = b->children[i];

		if (ch->pl != NULL) {
			/* pipeline_wait closes its input first: at end of input the
			 * child syncs what it has and exits 0 */
			(void)epoll_ctl(b->epfd, EPOLL_CTL_DEL, ch->out_fd, NULL);
			(void)pipeline_wait(ch->pl);
			pipeline_free(ch->pl);
		}
		free(ch);
	}
	free(b->children);
	b->children = NULL;
	b->nchildren = 0;
	fl_cmeta_free(&b->cmeta);
	free(b->requests);
	b->requests = NULL;
	b->nrequests = 0;
}

/* ---- the partition hand-over ---- */

/* Stop writing p here: sync it, close it, release its lock (a child takes it). */
static void
release_part(struct broker *b, struct fl_part *p)
{
	if (!p->is_open)
		return;
	if (p->round.in_round)
		sync_wait_idle(b);	/* the sync thread may hold its file */
	fl_round_forget(&b->round, &p->round);
	p->repl_log_end = p->log.log_end;
	{
		char dir[SERVE_PATH_MAX + FL_TOPIC_NAME_MAX + 16];

		snprintf(dir, sizeof(dir), "%s", fl_part_dir(p));
		if (fl_part_close(p) != 0) {
			/* what is not durable here the follower fetches again */
			fl_log(FL_LOG_WARN, "%s: sync at hand-over: %s", dir, strerror(errno));
		}
	}
	store_unlock_part(p);
}

/* Open p here again, under its lock (after its follower let it go). */
static int
take_part(struct broker *b, struct fl_topic *t, int32_t idx, struct fl_err *err)
{
	struct fl_part *p = &t->parts[idx];
	int rc;

	if (p->is_open)
		return 0;
	rc = store_lock_part_at(b, t, idx, err);
	if (rc == 0)
		rc = fl_catalog_reopen(&b->cat, t, idx, b->wall_ms, err);
	if (rc != 0)
		store_unlock_part(p);
	return rc;
}

/* ---- start-up ---- */

int
cluster_open(struct broker *b, struct fl_err *err)
{
	uint8_t *data;
	size_t len, i;
	int rc = fl_durable_read(b->vfs, b->cfg->data_dir, CLUSTER_FILE, &data, &len);

	if (rc == FL_ENOENT)
		return 0;
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", b->cfg->data_dir, CLUSTER_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	rc = fl_cmeta_decode(&b->cmeta, data, len);
	free(data);
	if (rc == FL_ERANGE)
		return fl_err_set(err, rc, "%s/%s: written by a newer flume", b->cfg->data_dir,
		    CLUSTER_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: unrecognised content", b->cfg->data_dir,
		    CLUSTER_FILE);
	for (i = 0; i < b->cmeta.nparts; i++) {
		const struct fl_cmeta_part *e = &b->cmeta.parts[i];
		struct fl_part *p = store_part(b, e->topic, strlen(e->topic), e->partition);

		if (p == NULL) {
			fl_log(FL_LOG_WARN, "%s/%s names %s-%d, which this node does not hold",
			    b->cfg->data_dir, CLUSTER_FILE, e->topic, (int)e->partition);
			continue;
		}
		rc = fl_part_restore(p, b->now_ms, e, !cluster_is_on(b) ? FL_PART_ALONE :
		    b->cmeta.controller_epoch > 0 ? FL_PART_BY_CONTROLLER : FL_PART_BY_HAND);
		if (rc == 1) {
			fl_log(FL_LOG_WARN, "%s/%s: %s-%d: epoch %d recorded, the log has begun %d: "
			    "serving nothing until the controller says", b->cfg->data_dir, CLUSTER_FILE,
			    e->topic, (int)e->partition, (int)e->epoch, (int)p->leader_epoch);
			rc = 0;
		}
		if (rc == 0 && p->role == FL_ROLE_FOLLOWER)
			release_part(b, p);
		if (rc != 0)
			return fl_err_set(err, FL_ECORRUPT, "%s/%s: %s-%d: epoch %d is older "
			    "than the partition's %d", b->cfg->data_dir, CLUSTER_FILE, e->topic,
			    (int)e->partition, (int)e->epoch, (int)p->leader_epoch);
	}
	/*
	 * Children start only now: each is told, when it starts, every
	 * partition it follows, which must all be marked by then.
	 */
	for (i = 0; i < b->cmeta.nparts; i++) {
		const struct fl_cmeta_part *e = &b->cmeta.parts[i];
		struct fl_part *p = store_part(b, e->topic, strlen(e->topic), e->partition);

		if (p != NULL && p->role == FL_ROLE_FOLLOWER)
			(void)child_ensure(b, p->leader_id);
	}
	return 0;
}

/* ---- admin verbs ---- */

/*
 * The lines are parsed by codec/rverb.h (admin.c calls it), which makes
 * every check that needs no state; what follows applies them to this
 * broker's state, in the order the checks were always made.
 */

static void
set_text(const struct fl_nodeset *s, char *buf, size_t n)
{
	if (fl_nodeset_format(s, buf, n) != 0)
		snprintf(buf, n, "-");
}

/*
 * The partition a verb names, created here (with its topic) when it does
 * not exist yet.  NULL after answering an error.
 */
static struct fl_part *
verb_part(struct broker *b, struct conn *c, const char *topic, int32_t idx,
    struct fl_topic **tout)
{
	struct fl_catalog_new nt;
	struct fl_part *p;
	char why[256];
	int rc = fl_catalog_verb_part(&b->cat, topic, idx, &p, &nt, why, sizeof(why));

	if (rc == FL_ENOENT) {
		store_create(b, &nt, 1);
		if (nt.rc != 0 || nt.why[0]) {
			/* not made, or made but locked by another process */
			admin_say(c, "error: %s\n", fl_catalog_new_why(&nt));
			return NULL;
		}
		rc = fl_catalog_verb_part(&b->cat, topic, idx, &p, &nt, why, sizeof(why));
	}
	if (rc != 0) {
		admin_say(c, "error: %s\n", why);
		return NULL;
	}
	*tout = store_find(b, topic, strlen(topic));
	return p;
}

/* An existing partition (isr, offline), or NULL after answering an error. */
static struct fl_part *
held_part(struct broker *b, struct conn *c, const char *topic, int32_t idx,
    struct fl_topic **tout)
{
	struct fl_part *p = store_part(b, topic, strlen(topic), idx);

	if (p == NULL) {
		admin_say(c, "error: no partition %s-%d\n", topic, (int)idx);
		return NULL;
	}
	*tout = store_find(b, topic, strlen(topic));
	return p;
}

static int
check_epoch(struct conn *c, const struct fl_part *p, int32_t epoch)
{
	if (epoch < p->leader_epoch) {
		admin_say(c, "error: epoch %d is older than the current epoch %d\n", (int)epoch,
		    (int)p->leader_epoch);
		return -1;
	}
	return 0;
}

static void
persist(struct broker *b, struct conn *c, const struct fl_topic *t, int32_t idx)
{
	struct fl_err err = { 0 };

	if (record(b, t->name, idx, &t->parts[idx]) != 0 || save(b, &err) != 0) {
		admin_say(c, "error: %s\n", err.msg[0] ? err.msg : "out of memory");
		return;
	}
	admin_say(c, "ok\n");
}

/*
 * controller EPOCH: the commands that follow on this connection come from
 * the controller of that epoch.  The highest epoch heard is kept in
 * cluster.meta; a connection whose controller is older is fenced.
 */
void
cluster_cmd_controller(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_err err = { 0 };
	int cmp = fl_cmeta_ctl_epoch_cmp(&b->cmeta, v->ctl_epoch);

	if (cmp < 0) {
		admin_say(c, "error: fenced: controller epoch %llu is older than %lld\n",
		    (unsigned long long)v->ctl_epoch, (long long)b->cmeta.controller_epoch);
		return;
	}
	if (cmp > 0) {
		int64_t old = b->cmeta.controller_epoch;

		b->cmeta.controller_epoch = v->ctl_epoch;
		if (save(b, &err) != 0) {
			b->cmeta.controller_epoch = old;
			admin_say(c, "error: %s\n", err.msg);
			return;
		}
		fl_log(FL_LOG_INFO, "controller epoch %llu (was %lld)",
		    (unsigned long long)v->ctl_epoch, (long long)old);
	}
	c->ctl_epoch = v->ctl_epoch;
	admin_say(c, "ok\n");
}

int
cluster_fenced(struct broker *b, struct conn *c)
{
	if (c->ctl_epoch < 0 || fl_cmeta_ctl_epoch_cmp(&b->cmeta, c->ctl_epoch) >= 0)
		return 0;
	admin_say(c, "error: fenced: controller epoch %lld is older than %lld\n",
	    (long long)c->ctl_epoch, (long long)b->cmeta.controller_epoch);
	return 1;
}

int
cluster_request(struct broker *b, int is_delete, const char *name, int32_t nparts, int32_t rf,
    const struct fl_topic_conf *conf)
{
	struct ctl_request *r;
	size_t i;

	for (i = 0; i < b->nrequests; i++)
		if (b->requests[i].is_delete == is_delete && strcmp(b->requests[i].name, name) == 0)
			return 0;
	if (b->nrequests == CLUSTER_REQUESTS_MAX)
		return FL_EFULL;
	if (b->requests == NULL &&
	    (b->requests = calloc(CLUSTER_REQUESTS_MAX, sizeof(*b->requests))) == NULL)
		return FL_ENOMEM;
	r = &b->requests[b->nrequests++];
	memset(r, 0, sizeof(*r));
	r->id = ++b->next_request_id;
	r->is_delete = is_delete;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->nparts = nparts;
	r->rf = rf;
	if (conf != NULL)
		r->conf = *conf;
	fl_log(FL_LOG_INFO, "asking the controller to %s topic %s", is_delete ? "delete" : "create",
	    name);
	return 0;
}

int
cluster_creating(const struct broker *b, const void *name, size_t len)
{
	size_t i;

	for (i = 0; i < b->nrequests; i++)
		if (!b->requests[i].is_delete && strlen(b->requests[i].name) == len &&
		    memcmp(b->requests[i].name, name, len) == 0)
			return 1;
	return 0;
}

void
cluster_say_requests(struct broker *b, struct conn *c)
{
	size_t i;

	for (i = 0; i < b->nrequests; i++) {
		const struct ctl_request *r = &b->requests[i];
		struct fl_bstatus_req q;
		char line[FL_TOPIC_NAME_MAX + FL_TOPIC_CONF_TEXT_MAX + 128];

		memset(&q, 0, sizeof(q));
		q.id = r->id;
		q.is_delete = r->is_delete;
		snprintf(q.topic, sizeof(q.topic), "%s", r->name);
		q.nparts = r->nparts;
		q.rf = r->rf;
		q.conf = r->conf;
		if (fl_bstatus_format_req(line, sizeof(line), &q) >= 0)
			admin_say(c, "%s\n", line);
	}
}

/* done ID: the controller took the request (it says in its log what came of it). */
void
cluster_cmd_done(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	size_t i;

	for (i = 0; i < b->nrequests; i++)
		if (b->requests[i].id == v->id) {
			b->requests[i] = b->requests[--b->nrequests];
			break;
		}
	admin_say(c, "ok\n");
}

/* brokers ID=HOST:PORT ... */
void
cluster_cmd_brokers(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_err err = { 0 };

	if (fl_cmeta_set_brokers(&b->cmeta, v->brokers, v->nbrokers) != 0) {
		admin_say(c, "error: a broker id is named twice\n");
		return;
	}
	if (save(b, &err) != 0) {
		admin_say(c, "error: %s\n", err.msg);
		return;
	}
	admin_say(c, "ok\n");
}

/*
 * lead TOPIC PART EPOCH REPLICAS ISR [HW]: HW is the high watermark the
 * controller last heard for the partition (fl_part_lead_hw).
 */
void
cluster_cmd_lead(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_err err = { 0 };
	struct fl_topic *t;
	struct fl_part *p;
	int32_t idx = v->part;
	char rs[256], is[256];
	int rc;

	if ((p = verb_part(b, c, v->topic, idx, &t)) == NULL || check_epoch(c, p, v->epoch))
		return;
	if (!p->is_open) {
		if (p->role == FL_ROLE_FOLLOWER &&
		    child_drop_wait(b, p->leader_id, t->name, idx) != 0) {
			admin_say(c, "error: the follower of %s-%d did not let it go within %d ms\n",
			    t->name, (int)idx, CHILD_DROP_WAIT_MS);
			return;
		}
		if ((rc = take_part(b, t, idx, &err)) != 0) {
			admin_say(c, "error: %s\n", err.msg);
			return;
		}
	}
	rc = fl_part_lead_hw(p, b->now_ms, v->epoch, &v->replicas, &v->isr,
	    v->has_hw ? v->hw : 0);
	if (rc != 0) {
		admin_say(c, "error: %s\n", rc == FL_ERANGE ? "epoch went back" :
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
		return;
	}
	set_text(&v->replicas, rs, sizeof(rs));
	set_text(&v->isr, is, sizeof(is));
	fl_log(FL_LOG_INFO, "leading %s-%d at epoch %d, replicas %s, ISR %s", t->name, (int)idx,
	    (int)v->epoch, rs, is);
	persist(b, c, t, idx);
	group_roles_changed(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}

/* Is follow's LEADER_ID in cluster.meta?  (says so when not) */
int
cluster_knows_leader(struct broker *b, struct conn *c, int32_t leader)
{
	if (fl_cmeta_broker(&b->cmeta, leader) != NULL)
		return 1;
	admin_say(c, "error: broker %d is unknown (set them with brokers)\n", (int)leader);
	return 0;
}

/* follow TOPIC PART EPOCH LEADER_ID REPLICAS */
void
cluster_cmd_follow(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_topic *t;
	struct fl_part *p;
	struct child *ch;
	struct fl_replctl_cmd cmd;
	int32_t idx = v->part, old_leader;

	if (!cluster_knows_leader(b, c, v->leader))
		return;
	if ((p = verb_part(b, c, v->topic, idx, &t)) == NULL || check_epoch(c, p, v->epoch))
		return;
	old_leader = p->role == FL_ROLE_FOLLOWER ? p->leader_id : -1;
	if (old_leader >= 0 && old_leader != v->leader &&
	    child_drop_wait(b, old_leader, t->name, idx) != 0) {
		admin_say(c, "error: the old follower of %s-%d did not let it go\n", t->name, (int)idx);
		return;
	}
	release_part(b, p);
	(void)fl_part_step_down(p, FL_ROLE_FOLLOWER, v->epoch, v->leader, &v->replicas);
	fl_log(FL_LOG_INFO, "following %s-%d from leader %d at epoch %d", t->name, (int)idx,
	    (int)v->leader, (int)v->epoch);
	persist(b, c, t, idx);
	ch = child_ensure(b, v->leader);
	if (ch != NULL && ch->pl != NULL) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.kind = FL_REPLCTL_FOLLOW;
		snprintf(cmd.topic, sizeof(cmd.topic), "%s", t->name);
		cmd.part = idx;
		cmd.epoch = v->epoch;
		child_send(ch, &cmd);
	}
	group_roles_changed(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}

/* isr TOPIC PART EPOCH LIST */
void
cluster_cmd_isr(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_topic *t;
	struct fl_part *p;
	char is[256];
	size_t i;
	int rc;

	if ((p = held_part(b, c, v->topic, v->part, &t)) == NULL || check_epoch(c, p, v->epoch))
		return;
	set_text(&v->isr, is, sizeof(is));
	if (p->role != FL_ROLE_LEADER) {
		/* a follower (or offline replica) is told the ISR the leader
		 * works with, for its Metadata answers; it decides nothing */
		rc = fl_part_told_isr(p, v->epoch, &v->isr);
		if (rc == FL_EBUSY) {
			admin_say(c, "error: epoch %d is newer than the current epoch %d\n",
			    (int)v->epoch, (int)p->leader_epoch);
			return;
		}
		if (rc != 0) {
			for (i = 0; i + 1 < v->isr.n && fl_nodeset_has(&p->replicas, v->isr.id[i]);
			    i++)
				;
			admin_say(c, "error: ISR member %d is not a replica\n", (int)v->isr.id[i]);
			return;
		}
		fl_log(FL_LOG_INFO, "%s-%d: told ISR %s at epoch %d", v->topic, (int)v->part, is,
		    (int)v->epoch);
		persist(b, c, t, v->part);
		return;
	}
	rc = fl_part_commit_isr(p, b->now_ms, v->epoch, &v->isr);
	if (rc == FL_KERR_UNKNOWN_LEADER_EPOCH) {
		admin_say(c, "error: epoch %d is newer than the current epoch %d\n", (int)v->epoch,
		    (int)p->leader_epoch);
		return;
	}
	if (rc != 0) {
		admin_say(c, "error: the ISR must hold this node and only replicas\n");
		return;
	}
	fl_log(FL_LOG_INFO, "%s-%d: ISR %s committed at epoch %d", v->topic, (int)v->part, is,
	    (int)v->epoch);
	persist(b, c, t, v->part);
	group_roles_changed(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}

/*
 * offline TOPIC PART EPOCH [LEADER REPLICAS]: this node does not serve the
 * partition; LEADER and REPLICAS (a node that is not a replica) say where
 * it is served, for Metadata answers.
 */
void
cluster_cmd_offline(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	struct fl_part *p;
	struct fl_topic *t;
	int32_t idx = v->part;

	if ((p = held_part(b, c, v->topic, idx, &t)) == NULL || check_epoch(c, p, v->epoch))
		return;
	if (p->role == FL_ROLE_FOLLOWER) {
		/* fenced by the operator: its follower stops copying */
		if (child_drop_wait(b, p->leader_id, t->name, idx) != 0) {
			admin_say(c, "error: the follower of %s-%d did not let it go\n", t->name,
			    (int)idx);
			return;
		}
	}
	(void)fl_part_step_down(p, FL_ROLE_OFFLINE, v->epoch, v->leader,
	    v->leader >= 0 ? &v->replicas : NULL);
	fl_log(FL_LOG_INFO, "%s-%d is offline here at epoch %d", t->name, (int)idx, (int)v->epoch);
	persist(b, c, t, idx);
	group_roles_changed(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}
