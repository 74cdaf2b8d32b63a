/*
 * parts.c: the partitions this child follows, each a copy in
 * DIR/TOPIC-P that only the holder of DIR/TOPIC-P/lock may write (the
 * broker leads a partition only while it holds that lock, flume-repl
 * follows one only while it does).
 *
 * Life of one: `follow` adds it in RP_LOCKING; the lock is tried at once
 * and then with backoff (someone else, say a broker still leading it,
 * holds it); once held the copy is opened (recovery cuts a torn tail), its
 * hw checkpoint loaded, and a struct fl_follower started from the log as
 * it is.  From then on everything it does is sm/follower's decision:
 * truncations and resets are carried out here, appends come from
 * leader.c's Fetch answers through part_take/part_durable, and the high
 * watermark and progress are written out at most every REPL_REPORT_MS.
 * `drop` and the stop sync, checkpoint, close and release.
 *
 * Durability: nothing is reported to f (fl_follower_durable) before the
 * fsync that makes it so, and a failed fsync or write ends the process
 * with 74 without another sync: after a failed fsync the kernel may have
 * dropped the dirty pages, and a retry could report success for data
 * that is gone (doc/DESIGN.md 5a).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "codec/kerr.h"
#include "os/diag.h"
#include "os/lock.h"
#include "repl.h"

void
repl_fail_io(struct repl *r, const char *what, int rc)
{
	fl_log(FL_LOG_ERROR, "%s: %s; stopping (74)", what,
	    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	if (r->exit_code < 0)
		r->exit_code = EX_IOERR;
}

static struct rpart *
find(const struct repl *r, const char *topic, int32_t index)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (r->parts[i]->index == index && strcmp(r->parts[i]->topic, topic) == 0)
			return r->parts[i];
	return NULL;
}

static void
forget(struct repl *r, struct rpart *rp)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (r->parts[i] == rp) {
			r->parts[i] = r->parts[--r->nparts];
			break;
		}
	fl_lock_release(rp->lock_fd);
	free(rp);
}

static void
say(struct repl *r, const struct rpart *rp, enum fl_replctl_rep_kind kind, int32_t epoch,
    uint64_t offset, uint64_t hw)
{
	struct fl_replctl_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.kind = kind;
	memcpy(rep.topic, rp->topic, sizeof(rep.topic));
	rep.part = rp->index;
	rep.epoch = epoch;
	rep.offset = offset;
	rep.hw = hw;
	report(r, &rep);
}

/* ---- follow, drop ---- */

/*
 * The hw checkpoint (at most every REPL_REPORT_MS unless forced) and the
 * progress line (at most every REPL_REPORT_MS, plus one early line when
 * the copy has caught up with the leader's high watermark).
 */
static int
write_out(struct repl *r, struct rpart *rp, int force)
{
	struct fl_follower *f = &rp->f;
	uint64_t end = rp->part.log.synced_end;
	int is_due;

	if (f->hw_changed && (force || r->now_ms - rp->hw_ms >= REPL_REPORT_MS)) {
		int rc = fl_plog_hw_store(&rp->part.log, f->hw);
		char what[REPL_PATH_MAX + 32];

		if (rc != 0) {
			snprintf(what, sizeof(what), "%s/hw: cannot store %" PRIu64, rp->dir, f->hw);
			repl_fail_io(r, what, rc);
			return -1;
		}
		f->hw_changed = 0;
		rp->hw_ms = r->now_ms;
	}
	if (end == rp->rep_end && f->hw == rp->rep_hw)
		return 0;
	/* the log end is not settled while divergence is being looked for */
	if (f->action == FL_FOLLOWER_ASK_EPOCH || f->action == FL_FOLLOWER_TRUNCATE ||
	    (f->action == FL_FOLLOWER_WAIT && f->resume == FL_FOLLOWER_ASK_EPOCH))
		return 0;
	is_due = force || r->now_ms - rp->rep_ms >= REPL_REPORT_MS;
	if (!is_due && !rp->is_rep_bypassed && f->leader_hw >= 0 &&
	    end >= (uint64_t)f->leader_hw) {
		is_due = 1;		/* caught up: say so now */
		rp->is_rep_bypassed = 1;
	} else if (is_due) {
		rp->is_rep_bypassed = 0;
		rp->rep_ms = r->now_ms;
	}
	if (!is_due)
		return 0;
	rp->rep_end = end;
	rp->rep_hw = f->hw;
	say(r, rp, FL_REPLCTL_PROGRESS, 0, end, f->hw);
	return 0;
}

static void
start_follower(struct repl *r, struct rpart *rp, uint64_t hw)
{
	struct fl_follower_log fl;

	fl_part_follower_log(&rp->part, &fl);
	fl_follower_init(&rp->f, r->cfg.node_id, r->cfg.leader_id, rp->epoch, &fl, hw);
	rp->refusals = 0;
	rp->is_fenced_reported = 0;
	rp->why = WHY_EPOCH;
	rp->asked_epoch = rp->answer_epoch = -1;
	rp->answer_end = -1;
}

/* The lock is ours: open the copy and start following. */
static void
open_copy(struct repl *r, struct rpart *rp)
{
	struct fl_plog_recovery rec;
	struct fl_err err = { 0, "" };
	char note[256];
	uint64_t hw;
	int rc;

	rc = fl_part_open(&rp->part, r->vfs, rp->dir, &r->pcfg, r->wall_ms, &rec, note,
	    sizeof(note), &err);
	if (rc == FL_ESYS || rc == FL_ENOMEM) {
		fl_log(FL_LOG_ERROR, "%s", err.msg);
		repl_fail_io(r, rp->dir, rc);
		return;
	}
	if (rc != 0) {
		fl_log(FL_LOG_ERROR, "%s: cannot open the copy: %s; not following it (run "
		    "flume-seg repair)", rp->name, err.msg);
		report_error(r, rp->topic, rp->index, "cannot open the copy: %s", err.msg);
		forget(r, rp);
		return;
	}
	if (rec.cut_bytes > 0)
		fl_log(FL_LOG_WARN, "%s: recovery cut %" PRIu64 " bytes at byte %" PRIu64
		    " of segment %" PRIu64 ": %s", rp->name, rec.cut_bytes, rec.cut_pos,
		    rec.cut_segment, rec.reason);
	if (note[0] != '\0')
		fl_log(FL_LOG_INFO, "%s: %s", rp->name, note);
	rc = fl_plog_hw_load(&rp->part.log, &hw, &err);
	if (rc == 1) {
		fl_log(FL_LOG_WARN, "%s: the hw checkpoint was past the log end: %" PRIu64,
		    rp->name, hw);
	} else if (rc == FL_ENOENT || rc == FL_ECORRUPT) {
		if (rc == FL_ECORRUPT)
			fl_log(FL_LOG_WARN, "%s; starting from the log start", err.msg);
		/* nothing known committed: the log end could be a divergent tail */
		hw = rp->part.log.log_start;
	} else if (rc != 0) {
		fl_log(FL_LOG_ERROR, "%s", err.msg);
		repl_fail_io(r, rp->dir, rc);
		return;
	}
	rp->part.hw = hw;
	start_follower(r, rp, hw);
	rp->state = RP_OPEN;
	rp->rep_end = UINT64_MAX;	/* the first progress line goes at once */
	rp->rep_ms = 0;
	rp->hw_ms = r->now_ms;
	fl_log(FL_LOG_INFO, "%s: following node %d at epoch %d from offset %" PRIu64
	    " (log %" PRIu64 "..%" PRIu64 ", hw %" PRIu64 ", last epoch %d)", rp->name,
	    (int)r->cfg.leader_id, (int)rp->epoch, rp->part.log.log_end,
	    rp->part.log.log_start, rp->part.log.log_end, hw,
	    (int)fl_plog_last_epoch(&rp->part.log));
	say(r, rp, FL_REPLCTL_FOLLOWING, rp->epoch, 0, 0);
}

static void
try_lock(struct repl *r, struct rpart *rp)
{
	int rc = fl_vfs_mkdir(r->vfs, rp->dir);

	/* the new name made durable, as plog does for what it creates */
	if (rc == 0)
		rc = fl_vfs_sync_dir(r->vfs, r->cfg.data_dir);
	if (rc != 0) {
		repl_fail_io(r, rp->dir, rc);
		return;
	}
	rc = fl_lock_dir(rp->dir, 1, &rp->lock_fd);
	if (rc == FL_EBUSY) {
		rp->lock_next_ms = r->now_ms + rp->lock_backoff_ms;
		rp->lock_backoff_ms *= 2;
		if (rp->lock_backoff_ms > REPL_LOCK_BACKOFF_MAX_MS)
			rp->lock_backoff_ms = REPL_LOCK_BACKOFF_MAX_MS;
		if (!rp->is_lock_reported && r->now_ms - rp->lock_since_ms >= REPL_LOCK_WARN_MS) {
			rp->is_lock_reported = 1;
			fl_log(FL_LOG_WARN, "%s: %s/%s has been held by another process for "
			    "%d s; still trying", rp->name, rp->dir, FL_LOCK_FILE,
			    REPL_LOCK_WARN_MS / 1000);
			report_error(r, rp->topic, rp->index, "the lock %s/%s is held by another "
			    "process; still trying", rp->dir, FL_LOCK_FILE);
		}
		return;
	}
	if (rc != 0) {
		char what[REPL_PATH_MAX + 16];

		snprintf(what, sizeof(what), "%s/%s", rp->dir, FL_LOCK_FILE);
		repl_fail_io(r, what, rc);
		return;
	}
	if (rp->is_lock_reported)
		fl_log(FL_LOG_INFO, "%s: the lock is ours now", rp->name);
	open_copy(r, rp);
}

void
parts_follow(struct repl *r, const struct fl_replctl_cmd *c)
{
	struct rpart *rp = find(r, c->topic, c->part);
	int k;

	if (rp != NULL) {
		if (c->epoch < rp->epoch) {
			fl_log(FL_LOG_WARN, "%s: follow at epoch %d refused: it follows at epoch "
			    "%d", rp->name, (int)c->epoch, (int)rp->epoch);
			report_error(r, c->topic, c->part, "epoch %d is older than the current "
			    "epoch %d", (int)c->epoch, (int)rp->epoch);
			return;
		}
		if (rp->state == RP_LOCKING) {
			rp->epoch = c->epoch;	/* used once the lock is ours */
			return;
		}
		if (c->epoch > rp->epoch) {
			fl_log(FL_LOG_INFO, "%s: following at epoch %d (was %d)", rp->name,
			    (int)c->epoch, (int)rp->epoch);
			if (write_out(r, rp, 1) != 0)	/* the hw checkpoint, before f starts over */
				return;
			rp->epoch = c->epoch;
			start_follower(r, rp, rp->f.hw);
		}
		say(r, rp, FL_REPLCTL_FOLLOWING, rp->epoch, 0, 0);
		return;
	}
	if (r->nparts == REPL_PARTS_MAX) {
		report_error(r, c->topic, c->part, "follows %d partitions already",
		    REPL_PARTS_MAX);
		return;
	}
	if ((r->nparts & (r->nparts - 1)) == 0) {
		/* grow at powers of two */
		struct rpart **np = realloc(r->parts, (r->nparts ? r->nparts * 2 : 4) *
		    sizeof(*np));

		if (np == NULL) {
			report_error(r, c->topic, c->part, "out of memory");
			return;
		}
		r->parts = np;
	}
	rp = calloc(1, sizeof(*rp));
	if (rp == NULL) {
		report_error(r, c->topic, c->part, "out of memory");
		return;
	}
	memcpy(rp->topic, c->topic, sizeof(rp->topic));
	rp->index = c->part;
	rp->epoch = c->epoch;
	rp->lock_fd = -1;
	rp->state = RP_LOCKING;
	rp->lock_since_ms = rp->lock_next_ms = r->now_ms;
	rp->lock_backoff_ms = REPL_LOCK_BACKOFF_MIN_MS;
	snprintf(rp->name, sizeof(rp->name), "%s-%d", c->topic, (int)c->part);
	k = snprintf(rp->dir, sizeof(rp->dir), "%s/%s", r->cfg.data_dir, rp->name);
	if (k < 0 || (size_t)k >= sizeof(rp->dir)) {
		report_error(r, c->topic, c->part, "the path %s/%s is too long",
		    r->cfg.data_dir, rp->name);
		free(rp);
		return;
	}
	r->parts[r->nparts++] = rp;
	try_lock(r, rp);
}

/* Sync, checkpoint, close: 0, or the exit code has been set. */
static int
close_copy(struct repl *r, struct rpart *rp)
{
	int rc;

	if (rp->state != RP_OPEN)
		return 0;
	if (write_out(r, rp, 1) != 0)
		return -1;
	if ((rc = fl_part_snapshot(&rp->part, 1)) != 0) {
		repl_fail_io(r, "producers snapshot", rc);
		return -1;
	}
	if ((rc = fl_part_close(&rp->part)) != 0) {
		char what[REPL_PATH_MAX + 16];

		snprintf(what, sizeof(what), "%s: fsync", rp->dir);
		repl_fail_io(r, what, rc);
		return -1;
	}
	rp->state = RP_LOCKING;
	return 0;
}

void
parts_drop(struct repl *r, const struct fl_replctl_cmd *c)
{
	struct rpart *rp = find(r, c->topic, c->part);

	if (rp == NULL) {
		report_error(r, c->topic, c->part, "not followed");
		return;
	}
	if (close_copy(r, rp) != 0)
		return;
	/* the lock goes first: "dropped" tells the broker it may take it */
	fl_lock_release(rp->lock_fd);
	rp->lock_fd = -1;
	fl_log(FL_LOG_INFO, "%s: dropped", rp->name);
	say(r, rp, FL_REPLCTL_DROPPED, 0, 0, 0);
	forget(r, rp);
}

int
parts_close_all(struct repl *r)
{
	while (r->nparts > 0) {
		struct rpart *rp = r->parts[r->nparts - 1];

		if (close_copy(r, rp) != 0)
			return EX_IOERR;
		forget(r, rp);
	}
	free(r->parts);
	r->parts = NULL;
	return 0;
}

/* ---- what sm/follower asks for locally ---- */

static void
do_truncate(struct repl *r, struct rpart *rp)
{
	struct fl_follower *f = &rp->f;
	struct fl_follower_log fl;
	uint64_t end = rp->part.log.log_end, start = rp->part.log.log_start;
	int rc;

	if (f->truncate_empties) {
		fl_log(FL_LOG_WARN, "%s: the leader's log starts at %" PRIu64 ", past this "
		    "copy's end %" PRIu64 " (retention took what it lacks): emptying the copy "
		    "(offsets %" PRIu64 "..%" PRIu64 ") and restarting it at %" PRIu64,
		    rp->name, f->truncate_to, end, start, end, f->truncate_to);
		rc = fl_part_reset(&rp->part, f->truncate_to);
	} else {
		char why[200];

		if (rp->why == WHY_AHEAD)
			snprintf(why, sizeof(why), "the leader's log ends before this copy's and "
			    "no epoch is recorded here: keeping what is committed");
		else if (rp->answer_epoch < 0)
			snprintf(why, sizeof(why), "the leader holds no epoch as old as %d: "
			    "keeping what is committed", (int)rp->asked_epoch);
		else if (rp->answer_epoch == rp->asked_epoch)
			snprintf(why, sizeof(why), "the leader's epoch %d ends at %" PRId64,
			    (int)rp->answer_epoch, rp->answer_end);
		else
			snprintf(why, sizeof(why), "asked about epoch %d, the leader's log has "
			    "epoch %d ending at %" PRId64 ", before this copy moved on",
			    (int)rp->asked_epoch, (int)rp->answer_epoch, rp->answer_end);
		fl_log(FL_LOG_INFO, "%s: truncating from %" PRIu64 " to %" PRIu64 ": %s",
		    rp->name, end, f->truncate_to, why);
		if (f->truncated_below_hw) {
			fl_log(FL_LOG_WARN, "%s: the cut goes below the high watermark %" PRIu64
			    ": records this copy had as committed are gone (an unclean leader "
			    "election?)", rp->name, f->hw);
			f->truncated_below_hw = 0;
		}
		rc = fl_part_truncate(&rp->part, f->truncate_to);
	}
	if (rc != 0) {
		char what[REPL_PATH_MAX + 32];

		snprintf(what, sizeof(what), "%s: %s", rp->dir, f->truncate_empties ?
		    "reset" : "truncate");
		repl_fail_io(r, what, rc);
		return;
	}
	if (f->truncate_empties) {
		say(r, rp, FL_REPLCTL_RESET, 0, rp->part.log.log_start, 0);
	} else {
		if (rp->part.log.log_end < f->truncate_to)
			fl_log(FL_LOG_INFO, "%s: the cut fell inside a batch: the log ends at %"
			    PRIu64, rp->name, rp->part.log.log_end);
		say(r, rp, FL_REPLCTL_TRUNCATED, 0, rp->part.log.log_end, 0);
	}
	fl_part_follower_log(&rp->part, &fl);
	fl_follower_truncated(f, r->now_ms, &fl);
	rp->part.hw = f->hw;
}

void
parts_service(struct repl *r)
{
	size_t i;

	for (i = 0; i < r->nparts && r->exit_code < 0; i++) {
		struct rpart *rp = r->parts[i];

		if (rp->state == RP_LOCKING) {
			if (r->now_ms >= rp->lock_next_ms)
				try_lock(r, rp);
			/* a copy that cannot be opened went: this slot holds another */
			if (i < r->nparts && r->parts[i] != rp)
				i--;
			continue;
		}
		fl_follower_tick(&rp->f, r->now_ms);
		if (rp->f.action == FL_FOLLOWER_TRUNCATE)
			do_truncate(r, rp);
		if (rp->f.action == FL_FOLLOWER_FENCED && !rp->is_fenced_reported) {
			rp->is_fenced_reported = 1;
			fl_log(FL_LOG_WARN, "%s: fenced: the leader has an epoch newer than %d; "
			    "waiting for a newer follow", rp->name, (int)rp->epoch);
			say(r, rp, FL_REPLCTL_FENCED, rp->epoch, 0, 0);
		}
		if (r->exit_code < 0)
			(void)write_out(r, rp, 0);
	}
}

int64_t
parts_next_wake(const struct repl *r)
{
	int64_t wake = INT64_MAX;
	size_t i;

	for (i = 0; i < r->nparts; i++) {
		const struct rpart *rp = r->parts[i];
		int64_t w = INT64_MAX;

		if (rp->state == RP_LOCKING) {
			w = rp->lock_next_ms;
		} else {
			if (rp->f.action == FL_FOLLOWER_WAIT)
				w = rp->f.wake_ms;
			if (rp->f.hw_changed && rp->hw_ms + REPL_REPORT_MS < w)
				w = rp->hw_ms + REPL_REPORT_MS;
			if ((rp->part.log.synced_end != rp->rep_end || rp->f.hw != rp->rep_hw) &&
			    (rp->f.action == FL_FOLLOWER_FETCH || (rp->f.action ==
			    FL_FOLLOWER_WAIT && rp->f.resume == FL_FOLLOWER_FETCH)) &&
			    rp->rep_ms + REPL_REPORT_MS < w)
				w = rp->rep_ms + REPL_REPORT_MS;
		}
		if (w < wake)
			wake = w;
	}
	return wake;
}

int
parts_all_fenced(const struct repl *r)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (r->parts[i]->state != RP_OPEN || r->parts[i]->f.action != FL_FOLLOWER_FENCED)
			return 0;
	return r->nparts > 0;
}

int
parts_need_leader(const struct repl *r)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (r->parts[i]->state == RP_OPEN && r->parts[i]->f.action != FL_FOLLOWER_FENCED)
			return 1;
	return 0;
}

/* ---- appends ---- */

void
part_refuse(struct repl *r, struct rpart *rp, const char *why)
{
	rp->refusals++;
	fl_log(FL_LOG_WARN, "%s: refused the leader's records at offset %" PRIu64 " (%d in a "
	    "row): %s", rp->name, rp->part.log.log_end, rp->refusals, why);
	report_error(r, rp->topic, rp->index, "refused the leader's records at offset %"
	    PRIu64 ": %s", rp->part.log.log_end, why);
	fl_follower_failed(&rp->f, r->now_ms);
	if (rp->refusals >= REPL_REFUSALS_MAX && r->exit_code < 0) {
		fl_log(FL_LOG_ERROR, "%s: %d answers in a row could not be appended: the "
		    "leader keeps sending what this copy cannot take; stopping (76)", rp->name,
		    rp->refusals);
		r->exit_code = EX_PROTOCOL;
	}
}

void
part_take(struct repl *r, struct rpart *rp, const uint8_t *rec, size_t n)
{
	struct fl_err err = { 0, "" };
	uint64_t next;
	size_t len, pos = 0;
	int rc;

	rc = fl_part_replica_check(&rp->part, rec, n, &len, &next, &err);
	if (rc != 0) {
		part_refuse(r, rp, err.msg);
		return;
	}
	if (len == 0) {
		/* a leader sends the first batch whole (KIP-74): this is not one */
		part_refuse(r, rp, "the answer holds no whole batch");
		return;
	}
	while (pos < len) {
		uint64_t total = 0;

		(void)fl_batch_peek_size(rec + pos, len - pos, &total);
		rc = fl_part_append_replica(&rp->part, r->wall_ms, rec + pos, (size_t)total);
		if (rc != 0) {
			char what[REPL_PATH_MAX + 64];

			snprintf(what, sizeof(what), "%s: append at offset %" PRIu64, rp->dir,
			    rp->part.log.log_end);
			repl_fail_io(r, what, rc);
			return;
		}
		pos += (size_t)total;
	}
	rp->is_appended = 1;
	rp->refusals = 0;
	fl_log(FL_LOG_DEBUG, "%s: appended offsets up to %" PRIu64, rp->name, next);
}

void
part_follow_start(struct repl *r, struct rpart *rp)
{
	uint64_t to = fl_follower_start_before(&rp->f);
	struct fl_follower_log fl;
	size_t n = 0;
	int rc;

	if (to == 0 || !rp->part.is_open)
		return;
	/* the leader's log start, exactly (DeleteRecords moves it inside segments) */
	rc = fl_plog_start_at(&rp->part.log, to, &n);
	if (rc != 0) {
		char what[REPL_PATH_MAX + 64];

		snprintf(what, sizeof(what), "%s: move the log start to %" PRIu64, rp->dir, to);
		repl_fail_io(r, what, rc);
		return;
	}
	fl_log(FL_LOG_INFO, "%s: the leader's log starts at %" PRIu64 ": %zu segment%s "
	    "below it deleted here; the copy starts at %" PRIu64, rp->name, to, n,
	    n == 1 ? "" : "s", rp->part.log.log_start);
	fl_part_follower_log(&rp->part, &fl);
	fl_follower_started(&rp->f, &fl);
}

void
part_durable(struct repl *r, struct rpart *rp)
{
	struct fl_follower_log fl;
	int rc = fl_part_replica_sync(&rp->part);

	if (rc != 0) {
		char what[REPL_PATH_MAX + 16];

		snprintf(what, sizeof(what), "%s: fsync", rp->dir);
		repl_fail_io(r, what, rc);
		return;
	}
	fl_part_follower_log(&rp->part, &fl);
	fl_follower_durable(&rp->f, r->now_ms, &fl);
	rp->part.hw = rp->f.hw;
}
