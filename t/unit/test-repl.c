/*
 * test-repl.c: the replication state machines as tables of
 * (now, input) -> (output, state): the leader side (sm/leader.h: HW, ISR
 * proposals, acks=all, fencing) and the follower side (sm/follower.h:
 * truncation on divergence, fetch offsets, HW, backoff).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "sm/follower.h"
#include "sm/leader.h"
#include "tap.h"

/* ---- leader ---- */

enum lop { L_APPEND, L_DURABLE, L_FETCH, L_TICK, L_COMMIT, L_ACK, L_MAY };

struct lrow {
	const char *what;
	int64_t now;
	enum lop op;
	int32_t id, epoch;		/* FETCH: replica, epoch; COMMIT: epoch */
	int64_t arg;			/* offsets; ACK: end */
	const char *isr;		/* COMMIT */
	/* expected */
	int rc;				/* FETCH/COMMIT/MAY result; ACK: ready */
	int16_t ack_error;
	uint64_t hw;
	const char *proposed;
};

static void
run_leader(void)
{
	static const struct lrow rows[] = {
		{ "append 10", 1, L_APPEND, 0, 0, 10, NULL, 0, 0, 0, "1,2,3" },
		{ "leader durable: followers unknown", 2, L_DURABLE, 0, 0, 10, NULL, 0, 0, 0, "1,2,3" },
		{ "2 fetches 0", 3, L_FETCH, 2, 5, 0, NULL, 0, 0, 0, "1,2,3" },
		{ "3 fetches 10", 4, L_FETCH, 3, 5, 10, NULL, 0, 0, 0, "1,2,3" },
		{ "2 fetches 10: hw moves", 5, L_FETCH, 2, 5, 10, NULL, 0, 0, 10, "1,2,3" },
		{ "acks=all of the first 10 is ready", 5, L_ACK, 0, 0, 10, NULL, 1, 0, 10, "1,2,3" },
		{ "an older epoch is fenced", 6, L_FETCH, 2, 4, 10, NULL, 74, 0, 10, "1,2,3" },
		{ "a newer epoch is unknown", 6, L_FETCH, 2, 6, 10, NULL, 75, 0, 10, "1,2,3" },
		{ "not a replica", 6, L_FETCH, 9, 5, 10, NULL, 6, 0, 10, "1,2,3" },
		{ "past the log end", 6, L_FETCH, 2, 5, 11, NULL, 1, 0, 10, "1,2,3" },
		{ "append 20", 100, L_APPEND, 0, 0, 20, NULL, 0, 0, 10, "1,2,3" },
		{ "leader durable 20", 100, L_DURABLE, 0, 0, 20, NULL, 0, 0, 10, "1,2,3" },
		{ "2 fetches 20", 200, L_FETCH, 2, 5, 20, NULL, 0, 0, 10, "1,2,3" },
		{ "3 silent past the lag limit: proposed out", 10005, L_TICK, 0, 0, 0, NULL, 0, 0, 10, "1,2" },
		{ "acks=all waits until the shrink is committed", 10005, L_ACK, 0, 0, 20, NULL, 0, 0, 10, "1,2" },
		{ "the shrink is committed: hw moves", 10006, L_COMMIT, 0, 5, 0, "1,2", 0, 0, 20, "1,2" },
		{ "acks=all answered", 10006, L_ACK, 0, 0, 20, NULL, 1, 0, 20, "1,2" },
		{ "2 silent but holding everything: stays in (Kafka's rule)", 20300, L_TICK, 0, 0, 0, NULL, 0, 0, 20, "1,2" },
		{ "an append leaves 2 behind", 20300, L_APPEND, 0, 0, 25, NULL, 0, 0, 20, "1,2" },
		{ "behind and silent past the limit: proposed out", 20301, L_TICK, 0, 0, 0, NULL, 0, 0, 20, "1" },
		{ "still 2 in the committed ISR: appends allowed", 20301, L_MAY, 0, 0, 0, NULL, 0, 0, 20, "1" },
		{ "durable on the leader: 2 still counts for hw", 20302, L_DURABLE, 0, 0, 25, NULL, 0, 0, 20, "1" },
		{ "acks=all of it waits", 20302, L_ACK, 0, 0, 25, NULL, 0, 0, 20, "1" },
		{ "committed ISR {1}: hw moves", 20303, L_COMMIT, 0, 5, 0, "1", 0, 0, 25, "1" },
		{ "below min.insync: refused before the append", 20303, L_MAY, 0, 0, 0, NULL, 19, 0, 25, "1" },
		{ "the waiting one answered with 20 (after append)", 20303, L_ACK, 0, 0, 25, NULL, 1, 20, 25, "1" },
		{ "3 comes back caught up: proposed in at once", 20400, L_FETCH, 3, 5, 25, NULL, 0, 0, 25, "1,3" },
		{ "and counts for min.insync at once", 20400, L_MAY, 0, 0, 0, NULL, 0, 0, 25, "1,3" },
		{ "an ISR for an older epoch is fenced", 20401, L_COMMIT, 0, 4, 0, "1,3", 74, 0, 25, "1,3" },
		{ "an ISR naming a non-replica", 20401, L_COMMIT, 0, 5, 0, "1,9", FL_EINVAL, 0, 25, "1,3" },
		{ "an ISR without the leader", 20401, L_COMMIT, 0, 5, 0, "2,3", FL_EINVAL, 0, 25, "1,3" },
	};
	struct fl_leader l;
	struct fl_nodeset reps, isr;
	size_t i;

	fl_nodeset_parse(&reps, "3,1,2");
	fl_nodeset_parse(&isr, "1,2,3");
	CHECK_INT(fl_leader_init(&l, 1, 5, &reps, &isr, 0, 0, 0, 2, 10000, 0), ==, 0,
	    "leader init");
	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		const struct lrow *r = &rows[i];
		struct fl_nodeset s;
		char what[200], got[64];
		int rc = 0;
		int16_t ack_error = 0;

		switch (r->op) {
		case L_APPEND: fl_leader_appended(&l, r->now, (uint64_t)r->arg); break;
		case L_DURABLE: fl_leader_durable(&l, r->now, (uint64_t)r->arg); break;
		case L_FETCH: rc = fl_leader_fetch(&l, r->now, r->id, r->epoch, r->arg); break;
		case L_TICK: fl_leader_tick(&l, r->now); break;
		case L_COMMIT:
			fl_nodeset_parse(&s, r->isr);
			rc = fl_leader_commit_isr(&l, r->now, r->epoch, &s);
			break;
		case L_ACK: rc = fl_leader_ack_ready(&l, (uint64_t)r->arg, &ack_error); break;
		case L_MAY: rc = fl_leader_may_append(&l); break;
		}
		snprintf(what, sizeof(what), "leader: %s: result", r->what);
		CHECK_INT(rc, ==, r->rc, what);
		if (r->op == L_ACK) {
			snprintf(what, sizeof(what), "leader: %s: ack error", r->what);
			CHECK_INT(ack_error, ==, r->ack_error, what);
		}
		snprintf(what, sizeof(what), "leader: %s: hw", r->what);
		CHECK_U64(l.hw, ==, r->hw, what);
		fl_nodeset_format(&l.proposed, got, sizeof(got));
		snprintf(what, sizeof(what), "leader: %s: proposed ISR %s", r->what, r->proposed);
		if (!CHECK(strcmp(got, r->proposed) == 0, what))
			printf("#   got %s\n", got);
	}
	{
		int64_t lag, lag_ms;

		fl_leader_follower_lag(&l, 0, 20500, &lag, &lag_ms);
		CHECK(lag == 5 && lag_ms > 0, "follower 2's lag in messages and ms");
	}
	CHECK_INT(fl_nodeset_parse(&isr, "1,1"), ==, FL_EINVAL, "a duplicate id is refused");
	CHECK_INT(fl_nodeset_parse(&isr, "1,,2"), ==, FL_EINVAL, "an empty id is refused");
	CHECK_INT(fl_nodeset_parse(&isr, "x"), ==, FL_EINVAL, "junk is refused");
	CHECK_INT(fl_leader_init(&l, 4, 5, &reps, &reps, 0, 0, 0, 1, 1, 0), ==, FL_EINVAL,
	    "a leader that is not a replica is refused");
}

/* ---- follower ---- */

enum fop { F_EPOCH, F_TRUNCATED, F_FETCH, F_DURABLE, F_FAIL, F_TICK };

struct frow {
	const char *what;
	int64_t now;
	enum fop op;
	int16_t error;
	int32_t epoch;			/* EPOCH: answer epoch */
	int64_t a, b;			/* EPOCH: end, local end; FETCH: hw, log start */
	uint64_t log_end;		/* TRUNCATED/DURABLE: the log now */
	int32_t last_epoch;
	uint64_t bytes;			/* FETCH */
	/* expected */
	enum fl_follower_action action;
	int64_t x;			/* ASK: epoch; TRUNCATE: to; FETCH: offset; WAIT: wake */
	uint64_t hw;
	int append;			/* FETCH: returns 1 */
};

static void
run_follower(const char *name, const struct fl_follower_log *start, uint64_t hw,
    const struct frow *rows, size_t n)
{
	struct fl_follower f;
	size_t i;

	fl_follower_init(&f, 2, 1, 5, start, hw);
	for (i = 0; i < n; i++) {
		const struct frow *r = &rows[i];
		struct fl_follower_log lg = { start->log_start, r->log_end, r->log_end, r->last_epoch };
		char what[200];
		int64_t x = -1;
		int append = 0;

		switch (r->op) {
		case F_EPOCH:
			fl_follower_epoch_answer(&f, r->now, r->error, r->epoch, r->a, r->b);
			break;
		case F_TRUNCATED:
			if (f.truncate_empties)
				lg.log_start = r->log_end;
			fl_follower_truncated(&f, r->now, &lg);
			break;
		case F_FETCH:
			append = fl_follower_fetch_answer(&f, r->now, r->error, r->a, r->b, r->bytes);
			break;
		case F_DURABLE: fl_follower_durable(&f, r->now, &lg); break;
		case F_FAIL: fl_follower_failed(&f, r->now); break;
		case F_TICK: fl_follower_tick(&f, r->now); break;
		}
		switch (f.action) {
		case FL_FOLLOWER_ASK_EPOCH: x = f.ask_epoch; break;
		case FL_FOLLOWER_TRUNCATE: x = (int64_t)f.truncate_to; break;
		case FL_FOLLOWER_FETCH: x = (int64_t)f.fetch_offset; break;
		case FL_FOLLOWER_WAIT: x = f.wake_ms; break;
		case FL_FOLLOWER_FENCED: x = -1; break;
		}
		snprintf(what, sizeof(what), "%s: %s: action", name, r->what);
		CHECK_INT(f.action, ==, r->action, what);
		snprintf(what, sizeof(what), "%s: %s: its argument", name, r->what);
		CHECK_INT(x, ==, r->x, what);
		snprintf(what, sizeof(what), "%s: %s: hw", name, r->what);
		CHECK_U64(f.hw, ==, r->hw, what);
		if (r->op == F_FETCH) {
			snprintf(what, sizeof(what), "%s: %s: append", name, r->what);
			CHECK_INT(append, ==, r->append, what);
		}
	}
}

static void
run_followers(void)
{
	/* a tail written at epoch 4 that the new leader (epoch 5) never had */
	static const struct fl_follower_log diverged = { 0, 15, 15, 4 };
	static const struct frow a[] = {
		{ "the leader's epoch 3 ends at 12; ours at 10", 1, F_EPOCH, 0, 3, 12, 10, 0, 0, 0,
		    FL_FOLLOWER_TRUNCATE, 10, 8, 0 },
		{ "cut at 10: ask again about our last epoch", 2, F_TRUNCATED, 0, 0, 0, 0, 10, 3, 0,
		    FL_FOLLOWER_ASK_EPOCH, 3, 8, 0 },
		{ "epoch 3 agrees: nothing more to cut", 3, F_EPOCH, 0, 3, 12, 10, 0, 0, 0,
		    FL_FOLLOWER_FETCH, 10, 8, 0 },
		{ "records arrive; hw capped at our durable end", 4, F_FETCH, 0, 0, 12, 0, 0, 0, 500,
		    FL_FOLLOWER_FETCH, 10, 10, 1 },
		{ "durable to 13: next fetch there, hw the leader's", 5, F_DURABLE, 0, 0, 0, 0, 13, 5, 0,
		    FL_FOLLOWER_FETCH, 13, 12, 0 },
		{ "nothing new: keep fetching", 6, F_FETCH, 0, 0, 12, 0, 0, 0, 0,
		    FL_FOLLOWER_FETCH, 13, 12, 0 },
		{ "a newer leader exists: fenced", 7, F_FETCH, 74, 0, -1, -1, 0, 0, 0,
		    FL_FOLLOWER_FENCED, -1, 12, 0 },
	};
	static const struct fl_follower_log empty = { 0, 0, 0, -1 };
	static const struct frow b[] = {
		{ "retention took what we lack: start over", 1, F_FETCH, 1, 0, 500, 100, 0, 0, 0,
		    FL_FOLLOWER_TRUNCATE, 100, 0, 0 },
		{ "emptied at 100", 2, F_TRUNCATED, 0, 0, 0, 0, 100, -1, 0,
		    FL_FOLLOWER_FETCH, 100, 100, 0 },
		{ "the leader is away: back off", 3, F_FAIL, 0, 0, 0, 0, 0, 0, 0,
		    FL_FOLLOWER_WAIT, 3 + FL_FOLLOWER_BACKOFF_MIN_MS, 100, 0 },
		{ "still waiting", 4, F_TICK, 0, 0, 0, 0, 0, 0, 0,
		    FL_FOLLOWER_WAIT, 3 + FL_FOLLOWER_BACKOFF_MIN_MS, 100, 0 },
		{ "the wait is over: fetch again", 60, F_TICK, 0, 0, 0, 0, 0, 0, 0,
		    FL_FOLLOWER_FETCH, 100, 100, 0 },
		{ "again: the backoff doubles", 61, F_FETCH, 6, 0, -1, -1, 0, 0, 0,
		    FL_FOLLOWER_WAIT, 61 + 2 * FL_FOLLOWER_BACKOFF_MIN_MS, 100, 0 },
	};
	static const struct fl_follower_log ahead = { 0, 30, 30, 5 };
	static const struct frow c[] = {
		{ "the leader has not heard of epoch 5 yet", 1, F_EPOCH, 75, -1, -1, -1, 0, 0, 0,
		    FL_FOLLOWER_WAIT, 1 + FL_FOLLOWER_BACKOFF_MIN_MS, 20, 0 },
		{ "ask again after the wait", 60, F_TICK, 0, 0, 0, 0, 0, 0, 0,
		    FL_FOLLOWER_ASK_EPOCH, 5, 20, 0 },
		{ "the leader holds no epoch that old: keep only the committed", 61, F_EPOCH, 0, -1, -1, -1, 0, 0, 0,
		    FL_FOLLOWER_TRUNCATE, 20, 20, 0 },
		{ "cut at the hw", 62, F_TRUNCATED, 0, 0, 0, 0, 20, 5, 0,
		    FL_FOLLOWER_FETCH, 20, 20, 0 },
		{ "ahead of the leader: ask where we diverged", 63, F_FETCH, 1, 0, 20, 0, 0, 0, 0,
		    FL_FOLLOWER_ASK_EPOCH, 5, 20, 0 },
	};

	/*
	 * flume-sim seed 386: it led epoch 2 from 23 and wrote nothing in it;
	 * the leader's log moved on from epoch 1 at 25.  The empty epoch must
	 * go (a cut at the log end), or the records of epoch 1 fetched next
	 * sit under it and a later divergence check cuts below the HW.
	 */
	static const struct fl_follower_log empty_epoch = { 0, 23, 23, 2 };
	static const struct frow d[] = {
		{ "the leader's epoch 1 ends at 25, ours at 23: cut the empty epoch", 1, F_EPOCH, 0,
		    1, 25, 23, 0, 0, 0, FL_FOLLOWER_TRUNCATE, 23, 23, 0 },
		{ "cut at the log end: ask about epoch 1", 2, F_TRUNCATED, 0, 0, 0, 0, 23, 1, 0,
		    FL_FOLLOWER_ASK_EPOCH, 1, 23, 0 },
		{ "epoch 1 goes on to 25 there: fetch from our end", 3, F_EPOCH, 0, 1, 25, 23, 0, 0, 0,
		    FL_FOLLOWER_FETCH, 23, 23, 0 },
	};
	/* the same answer with our last epoch the leader's: nothing to cut, no loop */
	static const struct fl_follower_log same_epoch = { 0, 23, 23, 1 };
	static const struct frow e[] = {
		{ "epoch 1 ends at 25 there: fetch", 1, F_EPOCH, 0, 1, 25, 23, 0, 0, 0,
		    FL_FOLLOWER_FETCH, 23, 23, 0 },
	};

	run_follower("an epoch led and never written", &empty_epoch, 23, d, FL_ARRAY_LEN(d));
	run_follower("the leader's own epoch", &same_epoch, 23, e, FL_ARRAY_LEN(e));
	run_follower("divergent tail", &diverged, 8, a, FL_ARRAY_LEN(a));
	run_follower("empty copy", &empty, 0, b, FL_ARRAY_LEN(b));
	run_follower("behind the new leader", &ahead, 20, c, FL_ARRAY_LEN(c));
}
/* The copy's start follows the leader's: (local start, HW, leader's start) -> delete below. */
static void
test_start_before(void)
{
	static const struct {
		uint64_t local_start, hw;
		int64_t leader_start;
		uint64_t want;
		const char *what;
	} tab[] = {
		{ 0, 100, -1, 0, "the leader said no log start: nothing" },
		{ 0, 100, 40, 40, "the leader's start below the HW: up to it" },
		{ 0, 30, 40, 30, "never above the HW" },
		{ 40, 100, 40, 0, "already there" },
		{ 50, 100, 40, 0, "the copy starts later already" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct fl_follower f;
		struct fl_follower_log lg = { tab[i].local_start, 100, 100, -1 };

		fl_follower_init(&f, 2, 1, 5, &lg, 0);
		FL_ASSERT(f.action == FL_FOLLOWER_FETCH);
		(void)fl_follower_fetch_answer(&f, 1000, 0, (int64_t)tab[i].hw, tab[i].leader_start, 0);
		CHECK_U64(fl_follower_start_before(&f), ==, tab[i].want, tab[i].what);
		if (tab[i].want > 0) {
			lg.log_start = tab[i].want;
			fl_follower_started(&f, &lg);
			CHECK_U64(fl_follower_start_before(&f), ==, 0, "after the deletion: nothing more");
		}
	}
}
/*
 * A follower that never equals the log end under a steady stream, but
 * always has what the leader had at its previous fetch, stays in the ISR.
 */
static void
test_steady_stream(void)
{
	struct fl_leader l;
	struct fl_nodeset reps, isr;
	int64_t now = 0, lag, lag_ms;
	uint64_t end = 0;
	int k;

	FL_ASSERT(fl_nodeset_parse(&reps, "1,2") == 0);
	isr = reps;
	FL_ASSERT(fl_leader_init(&l, 1, 5, &reps, &isr, 0, 0, 0, 1, 1000, 0) == 0);
	FL_ASSERT(fl_leader_fetch(&l, now, 2, 5, 0) == 0);
	for (k = 0; k < 100; k++) {
		uint64_t had = end;

		now += 100;
		end += 50;			/* records arrive between fetches */
		fl_leader_appended(&l, now, end);
		fl_leader_durable(&l, now, end);
		/* the follower fetches with what the leader had last time */
		FL_ASSERT(fl_leader_fetch(&l, now, 2, 5, (int64_t)had) == 0);
		fl_leader_tick(&l, now);
	}
	CHECK(fl_nodeset_has(&l.proposed, 2), "a follower one fetch behind a stream stays in");
	fl_leader_follower_lag(&l, 0, now, &lag, &lag_ms);
	CHECK_INT(lag_ms, <=, 100, "its lag is one fetch interval, not the time since it equalled the end");
	/* one that stops fetching is out after the limit */
	now += 1200;
	fl_leader_tick(&l, now);
	CHECK(!fl_nodeset_has(&l.proposed, 2), "one that stopped fetching is proposed out");
}

int
main(void)
{
	run_leader();
	run_followers();
	test_steady_stream();
	test_start_before();
	return tap_done();
}
