/* follower.c: truncation on divergence, fetch offsets and HW on a follower. */
#include <string.h>

#include "codec/kerr.h"
#include "sm/follower.h"


static void
ask(struct fl_follower *f, int32_t epoch)
{
	f->action = FL_FOLLOWER_ASK_EPOCH;
	f->ask_epoch = epoch;
}

static void
fetch(struct fl_follower *f)
{
	f->action = FL_FOLLOWER_FETCH;
	f->fetch_offset = f->log.durable_end;
}

static void
set_hw(struct fl_follower *f, uint64_t hw)
{
	if (hw > f->log.durable_end)
		hw = f->log.durable_end;
	if (hw > f->hw) {
		f->hw = hw;
		f->hw_changed = 1;
	}
}

void
fl_follower_init(struct fl_follower *f, int32_t self, int32_t leader, int32_t epoch,
    const struct fl_follower_log *log, uint64_t hw)
{
	memset(f, 0, sizeof(*f));
	f->self = self;
	f->leader = leader;
	f->epoch = epoch;
	f->log = *log;
	f->hw = hw > log->durable_end ? log->durable_end : hw;
	f->backoff_ms = FL_FOLLOWER_BACKOFF_MIN_MS;
	f->ask_epoch = -1;
	f->leader_hw = -1;
	f->leader_log_start = -1;
	if (log->last_epoch >= 0)
		ask(f, log->last_epoch);
	else
		fetch(f);
}

static void
back_off(struct fl_follower *f, int64_t now_ms)
{
	if (f->action != FL_FOLLOWER_WAIT)
		f->resume = f->action == FL_FOLLOWER_ASK_EPOCH ? FL_FOLLOWER_ASK_EPOCH :
		    FL_FOLLOWER_FETCH;
	f->action = FL_FOLLOWER_WAIT;
	f->wake_ms = now_ms + f->backoff_ms;
	f->backoff_ms *= 2;
	if (f->backoff_ms > FL_FOLLOWER_BACKOFF_MAX_MS)
		f->backoff_ms = FL_FOLLOWER_BACKOFF_MAX_MS;
}

void
fl_follower_tick(struct fl_follower *f, int64_t now_ms)
{
	if (f->action != FL_FOLLOWER_WAIT || now_ms < f->wake_ms)
		return;
	if (f->resume == FL_FOLLOWER_ASK_EPOCH && f->log.last_epoch >= 0)
		ask(f, f->log.last_epoch);
	else
		fetch(f);
}

void
fl_follower_failed(struct fl_follower *f, int64_t now_ms)
{
	if (f->action == FL_FOLLOWER_FENCED)
		return;
	back_off(f, now_ms);
}

void
fl_follower_epoch_answer(struct fl_follower *f, int64_t now_ms, int16_t error,
    int32_t leader_epoch, int64_t end_offset, int64_t local_end_of_answer)
{
	uint64_t target;

	if (f->action != FL_FOLLOWER_ASK_EPOCH)
		return;		/* a stale answer */
	if (error == FL_KERR_FENCED_LEADER_EPOCH) {
		f->action = FL_FOLLOWER_FENCED;
		return;
	}
	if (error != 0) {
		back_off(f, now_ms);	/* UNKNOWN_LEADER_EPOCH, NOT_LEADER...: later */
		return;
	}
	f->backoff_ms = FL_FOLLOWER_BACKOFF_MIN_MS;
	if (leader_epoch < 0 || end_offset < 0) {
		/* the leader holds no epoch as old as ours: keep what is committed */
		target = f->hw;
	} else if (leader_epoch == f->ask_epoch) {
		target = (uint64_t)end_offset;
	} else {
		/* the leader's log moved to a newer epoch earlier than ours did:
		 * keep only what both hold of its epoch */
		uint64_t local = local_end_of_answer < 0 ? f->log.log_start :
		    (uint64_t)local_end_of_answer;

		target = (uint64_t)end_offset < local ? (uint64_t)end_offset : local;
	}
#ifdef FL_PLANT_TRUNCATE_BELOW_HW
	/* PLANTED BUG (flume-sim(1)): the cut goes one record below the HW */
	if (f->hw > f->log.log_start && f->hw - 1 < target)
		target = f->hw - 1;
#endif
	/*
	 * Nothing to cut, unless our log names an epoch newer than the
	 * leader's answer that starts at our log end (we led it and wrote
	 * nothing in it): that mark goes too, or records fetched after it
	 * would sit under an epoch they were not written in.
	 */
	if (target > f->log.log_end || (target == f->log.log_end &&
	    (leader_epoch < 0 || f->log.last_epoch <= leader_epoch))) {
		fetch(f);
		return;
	}
	if (target < f->hw)
		f->truncated_below_hw = 1;
	f->action = FL_FOLLOWER_TRUNCATE;
	f->truncate_to = target;
	f->truncate_empties = 0;
	/* after the cut, ask again if the answer was about an older epoch */
	f->ask_epoch = leader_epoch < f->ask_epoch ? f->ask_epoch : -1;
}

void
fl_follower_truncated(struct fl_follower *f, int64_t now_ms, const struct fl_follower_log *log)
{
	int32_t asked = f->ask_epoch;

	(void)now_ms;
	if (f->action != FL_FOLLOWER_TRUNCATE)
		return;
	f->log = *log;
	if (f->hw > log->durable_end)
		f->hw = log->durable_end;	/* only after an unclean election */
	if (f->truncate_empties) {
		f->hw = log->log_end;
		f->hw_changed = 1;
	}
	/* KIP-279: loop while the answer's epoch was older than the one asked */
	if (!f->truncate_empties && asked >= 0 && log->last_epoch >= 0 && log->last_epoch < asked)
		ask(f, log->last_epoch);
	else
		fetch(f);
}

int
fl_follower_fetch_answer(struct fl_follower *f, int64_t now_ms, int16_t error,
    int64_t leader_hw, int64_t leader_log_start, uint64_t bytes)
{
	if (f->action != FL_FOLLOWER_FETCH)
		return 0;
	if (error == FL_KERR_FENCED_LEADER_EPOCH) {
		f->action = FL_FOLLOWER_FENCED;
		return 0;
	}
	if (error == FL_KERR_OFFSET_OUT_OF_RANGE) {
		if (leader_log_start >= 0 && f->fetch_offset < (uint64_t)leader_log_start) {
			/* retention took what we lack: start over at its log start */
			f->action = FL_FOLLOWER_TRUNCATE;
			f->truncate_to = (uint64_t)leader_log_start;
			f->truncate_empties = 1;
		} else {
			/* we are ahead of the leader: find where we diverged */
			ask(f, f->log.last_epoch);
			if (f->ask_epoch < 0) {
				f->action = FL_FOLLOWER_TRUNCATE;
				f->truncate_to = f->hw;
				f->truncate_empties = 0;
			}
		}
		return 0;
	}
	if (error != 0) {
		back_off(f, now_ms);
		return 0;
	}
	f->backoff_ms = FL_FOLLOWER_BACKOFF_MIN_MS;
	/* the leader's HW counts up to what is durable here; the rest once it is */
	f->leader_hw = leader_hw;
	f->leader_log_start = leader_log_start;
	if (leader_hw >= 0)
		set_hw(f, (uint64_t)leader_hw);
	return bytes > 0;
}

uint64_t
fl_follower_start_before(const struct fl_follower *f)
{
	uint64_t to;

	if (f->leader_log_start < 0)
		return 0;
	to = (uint64_t)f->leader_log_start < f->hw ? (uint64_t)f->leader_log_start : f->hw;
	return to > f->log.log_start ? to : 0;
}

void
fl_follower_started(struct fl_follower *f, const struct fl_follower_log *log)
{
	f->log = *log;
}

void
fl_follower_durable(struct fl_follower *f, int64_t now_ms, const struct fl_follower_log *log)
{
	(void)now_ms;
	if (f->action != FL_FOLLOWER_FETCH)
		return;
	f->log = *log;
	if (f->leader_hw >= 0)
		set_hw(f, (uint64_t)f->leader_hw);
	fetch(f);
}
