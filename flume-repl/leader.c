/*
 * leader.c: the requests to the leader, Kafka's fetcher model: every
 * partition that needs the leader rides in one request.  A turn sends one
 * OffsetForLeaderEpoch for all partitions in ASK_EPOCH if there are any
 * (their truncation comes first), else one Fetch, as replica node-id with
 * each partition's current leader epoch, for all partitions in FETCH.
 * The answers go back to each partition's sm/follower; records are checked
 * whole before any is appended (parts.c part_take), appended, and synced,
 * and only then does the follower learn its new durable end (so its next
 * fetch offset tells the leader what is durable here).
 *
 * The connection is one blocking struct fl_kconn whose abort fd is the
 * epoll of standard input and the signal pipe: a command or a signal ends
 * a long poll at once (the connection is then reopened next turn, which
 * costs a connect and an ApiVersions on a local network).  A failed
 * connect or call makes every partition in the request back off
 * (fl_follower_failed) and starts the unreachable clock; any answer
 * stops it.
 *
 * With --sasl-*, each new connection authenticates (os/kconn.h).  The
 * password file is read again before each connection, so a rotated file is
 * picked up at the next attempt, and the copy is wiped as soon as the
 * connection is made or has failed.  A refused authentication, or a file
 * that cannot be read just then (a rotation in progress), is a failed
 * request like an unreachable leader: the partitions back off, the
 * unreachable clock runs (exit 69 past --unreachable-ms), and the first
 * refusal since the leader last answered is logged as a warning with the
 * leader's reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/kclient.h"
#include "codec/kerr.h"
#include <sodium.h>

#include "os/clock.h"
#include "os/diag.h"
#include "os/secret.h"
#include "repl.h"

/* A selection of partitions, sorted by (topic, index), grouped into topics. */
struct sel {
	struct rpart **rp;
	size_t n;
	size_t ntopics;
};

static int
cmp_rpart(const void *a, const void *b)
{
	const struct rpart *x = *(struct rpart *const *)a, *y = *(struct rpart *const *)b;
	int c = strcmp(x->topic, y->topic);

	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* The open partitions whose follower is in `action`; 0 or FL_ENOMEM. */
static int
select_parts(struct repl *r, enum fl_follower_action action, struct sel *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->nparts; i++) {
		r->parts[i]->in_request = r->parts[i]->state == RP_OPEN &&
		    r->parts[i]->f.action == action;
		r->parts[i]->is_answered = r->parts[i]->is_appended = 0;
		s->n += (size_t)r->parts[i]->in_request;
	}
	if (s->n == 0)
		return 0;
	s->rp = malloc(s->n * sizeof(*s->rp));
	if (s->rp == NULL)
		return FL_ENOMEM;
	s->n = 0;
	for (i = 0; i < r->nparts; i++)
		if (r->parts[i]->in_request)
			s->rp[s->n++] = r->parts[i];
	qsort(s->rp, s->n, sizeof(*s->rp), cmp_rpart);
	for (i = 0; i < s->n; i++)
		if (i == 0 || strcmp(s->rp[i]->topic, s->rp[i - 1]->topic) != 0)
			s->ntopics++;
	return 0;
}

/* The partition of the request named (name, index), or NULL. */
static struct rpart *
sel_find(const struct sel *s, struct fl_slice name, int32_t index)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rpart *rp = s->rp[mid];
		size_t tl = strlen(rp->topic);
		int c = memcmp(rp->topic, name.p, tl < name.len ? tl : name.len);

		if (c == 0)
			c = (tl > name.len) - (tl < name.len);
		if (c == 0)
			c = (rp->index > index) - (rp->index < index);
		if (c == 0)
			return s->rp[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
is_abort(int rc)
{
	return rc == FL_ESYS && (errno == ECANCELED || errno == EINTR);
}

/* The request failed: every partition in it backs off; the clock starts. */
static void
failed(struct repl *r, const struct sel *s, const char *what, const char *msg)
{
	size_t i;

	snprintf(r->down_why, sizeof(r->down_why), "%s: %s", what, msg);
	if (r->down_since_ms == 0) {
		r->down_since_ms = r->now_ms;
		fl_log(FL_LOG_WARN, "leader %d at %s:%s: %s: %s", (int)r->cfg.leader_id,
		    r->cfg.host, r->cfg.port, what, msg);
	} else {
		fl_log(FL_LOG_DEBUG, "leader %s:%s: %s: %s", r->cfg.host, r->cfg.port, what,
		    msg);
	}
	for (i = 0; i < s->n; i++)
		fl_follower_failed(&s->rp[i]->f, r->now_ms);
}

static void
answered(struct repl *r)
{
	if (r->down_since_ms != 0)
		fl_log(FL_LOG_INFO, "leader %d at %s:%s answers again", (int)r->cfg.leader_id,
		    r->cfg.host, r->cfg.port);
	r->down_since_ms = 0;
	r->is_auth_reported = 0;
}

/*
 * Connect, negotiate and (with --sasl-*) authenticate, with the password
 * file read just before and the copy wiped just after.  0, or the
 * request failed (logged, backed off) or was cut short by a command or a
 * signal: -1.
 */
static int
leader_connect(struct repl *r, const struct sel *s)
{
	struct fl_err err = { 0, "" };
	int rc;

	if (r->conn.is_open)
		return 0;
	if (r->cfg.sasl_user != NULL) {
		rc = fl_secret_read_line(r->cfg.sasl_pw_file, r->sasl_password,
		    sizeof(r->sasl_password), &err);
		if (rc != 0) {
			char msg[sizeof(err.msg) + 64];

			snprintf(msg, sizeof(msg), "%s: %s", r->cfg.sasl_pw_file, err.msg);
			failed(r, s, "cannot read --sasl-password-file", msg);
			return -1;
		}
		r->conn.sasl_user = r->cfg.sasl_user;
		r->conn.sasl_mech = r->cfg.sasl_mech;
		r->conn.sasl_password = r->sasl_password;
	}
	rc = fl_kconn_ensure(&r->conn, &err);
	sodium_memzero(r->sasl_password, sizeof(r->sasl_password));
	if (rc == 0)
		return 0;
	if (is_abort(rc))
		return -1;
	if (rc == FL_EAUTH) {
		/* the first refusal since the leader last answered is a warning
		 * even when the down time began with another failure */
		if (!r->is_auth_reported && r->down_since_ms != 0)
			fl_log(FL_LOG_WARN, "leader %d at %s:%s: authentication refused: %s",
			    (int)r->cfg.leader_id, r->cfg.host, r->cfg.port, err.msg);
		r->is_auth_reported = 1;
		failed(r, s, "authentication refused", err.msg);
		return -1;
	}
	failed(r, s, "cannot connect", err.msg);
	return -1;
}

/* Partitions the leader's answer left out back off. */
static void
unanswered(struct repl *r, const struct sel *s, const char *api)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->rp[i]->is_answered)
			continue;
		fl_log(FL_LOG_WARN, "%s: the leader's %s answer left it out", s->rp[i]->name,
		    api);
		fl_follower_failed(&s->rp[i]->f, r->now_ms);
	}
}

/* ---- OffsetForLeaderEpoch ---- */

static void
ask_epochs(struct repl *r, const struct sel *s, int16_t version)
{
	struct fl_kc_ofle_part *parts = calloc(s->n, sizeof(*parts));
	struct fl_kc_ofle_topic *topics = calloc(s->ntopics, sizeof(*topics));
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_ofle_req req;
	struct fl_kc_ofle_resp resp;
	struct fl_err err = { 0, "" };
	struct fl_kc_hdr h;
	size_t i, j, t = 0;
	int rc;

	if (parts == NULL || topics == NULL) {
		failed(r, s, "OffsetForLeaderEpoch", "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		struct rpart *rp = s->rp[i];

		if (i > 0 && strcmp(rp->topic, s->rp[i - 1]->topic) != 0)
			t++;
		if (topics[t].parts == NULL) {
			topics[t].name = rp->topic;
			topics[t].parts = &parts[i];
		}
		topics[t].nparts++;
		parts[i].index = rp->index;
		parts[i].current_leader_epoch = rp->epoch;
		parts[i].leader_epoch = rp->f.ask_epoch;
		rp->asked_epoch = rp->f.ask_epoch;
	}
	memset(&req, 0, sizeof(req));
	req.replica_id = r->cfg.node_id;
	req.topics = topics;
	req.ntopics = s->ntopics;
	h = fl_kconn_hdr(&r->conn, FL_KC_OFFSET_FOR_LEADER_EPOCH);
	fl_wr_reset(&r->conn.w);
	(void)fl_kc_ofle_req_encode(&r->conn.w, &h, &req);
	rc = fl_kconn_call(&r->conn, &h, 1, r->conn.timeout_ms, &err);
	if (rc != 0) {
		if (!is_abort(rc))
			failed(r, s, "OffsetForLeaderEpoch", err.msg);
		goto out;
	}
	rc = fl_kc_ofle_resp_decode(r->conn.resp, r->conn.resp_len, version, &a, &resp);
	if (rc != 0) {
		fl_kconn_close(&r->conn);
		failed(r, s, "malformed OffsetForLeaderEpoch answer", fl_strerror(rc));
		goto out;
	}
	answered(r);
	r->now_ms = fl_clock_ms();
	for (i = 0; i < resp.ntopics; i++) {
		const struct fl_kc_ofle_topic_resp *tr = &resp.topics[i];

		for (j = 0; j < tr->nparts; j++) {
			const struct fl_kc_ofle_part_resp *pr = &tr->parts[j];
			struct rpart *rp = sel_find(s, tr->name, pr->index);
			int32_t epoch = pr->leader_epoch;

			if (rp == NULL || rp->is_answered)
				continue;
			rp->is_answered = 1;
			/* v0 names no epoch: its answer is about the epoch asked */
			if (version == 0 && pr->error == 0 && pr->end_offset >= 0)
				epoch = rp->f.ask_epoch;
			rp->why = WHY_EPOCH;
			rp->answer_epoch = epoch;
			rp->answer_end = pr->end_offset;
			if (pr->error != 0)
				fl_log(pr->error == FL_KERR_FENCED_LEADER_EPOCH ? FL_LOG_INFO :
				    FL_LOG_DEBUG, "%s: OffsetForLeaderEpoch(%d): %s", rp->name,
				    (int)rp->f.ask_epoch, fl_kerr_name(pr->error));
			fl_follower_epoch_answer(&rp->f, r->now_ms, pr->error, epoch,
			    pr->end_offset, epoch >= 0 ? fl_part_local_epoch_end(&rp->part, epoch) : -1);
		}
	}
	unanswered(r, s, "OffsetForLeaderEpoch");
out:
	fl_arena_free(&a);
	free(parts);
	free(topics);
}

/* ---- Fetch ---- */

static void
fetch(struct repl *r, const struct sel *s, int16_t version, int64_t wake_ms)
{
	struct fl_kc_fetch_part *parts = calloc(s->n, sizeof(*parts));
	struct fl_kc_fetch_topic *topics = calloc(s->ntopics, sizeof(*topics));
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_fetch_req req;
	struct fl_kc_fetch_resp resp;
	struct fl_err err = { 0, "" };
	struct fl_kc_hdr h;
	int64_t wait_ms = r->cfg.max_wait_ms;
	size_t i, j, t = 0;
	int rc;

	if (parts == NULL || topics == NULL) {
		failed(r, s, "Fetch", "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		struct rpart *rp = s->rp[i];

		if (i > 0 && strcmp(rp->topic, s->rp[i - 1]->topic) != 0)
			t++;
		if (topics[t].parts == NULL) {
			topics[t].name = rp->topic;
			topics[t].parts = &parts[i];
		}
		topics[t].nparts++;
		parts[i].index = rp->index;
		parts[i].fetch_offset = (int64_t)rp->f.fetch_offset;
		parts[i].max_bytes = r->cfg.fetch_max_bytes;
		parts[i].current_leader_epoch = rp->epoch;
		parts[i].log_start_offset = (int64_t)rp->part.log.log_start;
	}
	/* the long poll ends in time for whatever else is due */
	if (wake_ms != INT64_MAX && wake_ms - r->now_ms < wait_ms)
		wait_ms = wake_ms > r->now_ms ? wake_ms - r->now_ms : 0;
	memset(&req, 0, sizeof(req));
	req.max_wait_ms = (int32_t)wait_ms;
	req.min_bytes = 1;
	req.max_bytes = r->cfg.fetch_max_bytes;
	req.topics = topics;
	req.ntopics = s->ntopics;
	req.is_replica = 1;
	req.replica_id = r->cfg.node_id;
	h = fl_kconn_hdr(&r->conn, FL_KC_FETCH);
	fl_wr_reset(&r->conn.w);
	(void)fl_kc_fetch_req_encode(&r->conn.w, &h, &req);
	rc = fl_kconn_call(&r->conn, &h, 1, wait_ms + r->conn.timeout_ms, &err);
	if (rc != 0) {
		if (!is_abort(rc))
			failed(r, s, "Fetch", err.msg);
		goto out;
	}
	rc = fl_kc_fetch_resp_decode(r->conn.resp, r->conn.resp_len, version, &a, &resp);
	if (rc != 0) {
		fl_kconn_close(&r->conn);
		failed(r, s, "malformed Fetch answer", fl_strerror(rc));
		goto out;
	}
	answered(r);
	r->now_ms = fl_clock_ms();
	r->wall_ms = fl_wall_ms();
	if (resp.error != 0) {
		fl_log(FL_LOG_WARN, "leader %d: Fetch: %s", (int)r->cfg.leader_id,
		    fl_kerr_name(resp.error));
		for (i = 0; i < s->n; i++)
			fl_follower_failed(&s->rp[i]->f, r->now_ms);
		goto out;
	}
	for (i = 0; i < resp.ntopics && r->exit_code < 0; i++) {
		const struct fl_kc_fetch_topic_resp *tr = &resp.topics[i];

		for (j = 0; j < tr->nparts && r->exit_code < 0; j++) {
			const struct fl_kc_fetch_part_resp *pr = &tr->parts[j];
			struct rpart *rp = sel_find(s, tr->name, pr->index);
			size_t n = pr->records.p != NULL ? pr->records.len : 0;

			if (rp == NULL || rp->is_answered)
				continue;
			rp->is_answered = 1;
			if (pr->error == FL_KERR_OFFSET_OUT_OF_RANGE)
				rp->why = WHY_AHEAD;
			if (pr->error != 0)
				fl_log(pr->error == FL_KERR_FENCED_LEADER_EPOCH ||
				    pr->error == FL_KERR_OFFSET_OUT_OF_RANGE ? FL_LOG_INFO :
				    FL_LOG_DEBUG, "%s: Fetch(%" PRIu64 "): %s (leader log start %"
				    PRId64 ")", rp->name, rp->f.fetch_offset,
				    fl_kerr_name(pr->error), pr->log_start_offset);
			if (fl_follower_fetch_answer(&rp->f, r->now_ms, pr->error,
			    pr->high_watermark, pr->log_start_offset, n))
				part_take(r, rp, pr->records.p, n);
			/* after OUT_OF_RANGE the follower asks about its epoch:
			 * a cut that follows is WHY_EPOCH again */
			if (rp->f.action == FL_FOLLOWER_ASK_EPOCH)
				rp->why = WHY_EPOCH;
		}
	}
	if (r->exit_code >= 0)
		goto out;
	unanswered(r, s, "Fetch");
	/* everything appended is made durable before the follower may fetch on */
	for (i = 0; i < s->n && r->exit_code < 0; i++)
		if (s->rp[i]->is_appended)
			part_durable(r, s->rp[i]);
	/* a copy forgets what its leader forgot (retention, compaction) */
	for (i = 0; i < s->n && r->exit_code < 0; i++)
		part_follow_start(r, s->rp[i]);
out:
	fl_arena_free(&a);
	free(parts);
	free(topics);
}

int
leader_round(struct repl *r, int64_t wake_ms)
{
	struct sel s;
	int16_t api = FL_KC_OFFSET_FOR_LEADER_EPOCH, version;

	if (select_parts(r, FL_FOLLOWER_ASK_EPOCH, &s) != 0)
		return 0;
	if (s.n == 0) {
		api = FL_KC_FETCH;
		if (select_parts(r, FL_FOLLOWER_FETCH, &s) != 0 || s.n == 0)
			return 0;
	}
	if (leader_connect(r, &s) != 0)
		goto out;
	version = r->conn.vers.v[api];
	if (version < 0) {
		fl_kconn_close(&r->conn);
		failed(r, &s, fl_kc_api_name(api), "the leader offers no version we speak");
		goto out;
	}
	if (api == FL_KC_OFFSET_FOR_LEADER_EPOCH)
		ask_epochs(r, &s, version);
	else
		fetch(r, &s, version, wake_ms);
out:
	free(s.rp);
	return 1;
}
