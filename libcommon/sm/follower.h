/*
 * follower.h: the follower side of one replicated partition (DESIGN §6,
 * KIP-101/KIP-279): after it starts following (or learns a new epoch) a
 * follower asks the leader where its own last epoch ends
 * (OffsetForLeaderEpoch) and cuts any divergent suffix, looping while the
 * answer's epoch is older than the one it asked about; then it fetches
 * from its log end, appends what comes with the leader's offsets, makes it
 * durable, and only then asks for the next offset (so the leader may count
 * a fetch offset as durable here).  Its high watermark is the leader's,
 * capped at its own durable end, and is persisted by the driver.
 *
 * The machine describes; the driver (flume-repl, the simulator) does:
 *   FL_FOLLOWER_ASK_EPOCH   send OffsetForLeaderEpoch(ask_epoch) in epoch
 *   FL_FOLLOWER_TRUNCATE    cut the local log at truncate_to (then report
 *                           the log as it is with fl_follower_log)
 *   FL_FOLLOWER_FETCH       send Fetch(fetch_offset) in epoch
 *   FL_FOLLOWER_WAIT        nothing to send until wake_ms (backoff)
 *   FL_FOLLOWER_FENCED      the leader has a newer epoch: stop until told
 *                           (the broker's `follow` gives the new one)
 * Appends are the driver's: it validates the fetched batches (CRC), appends
 * them (they must start at the log end), syncs, and reports the new
 * durable end with fl_follower_durable(), which moves to the next fetch.
 *
 * Sans-I/O: time comes in as now_ms; the local log's facts (end offset,
 * last epoch, where an epoch ends locally) come in as inputs.
 * Ownership: caller storage, no allocation.  Layer: sm.
 */
#ifndef FL_FOLLOWER_H
#define FL_FOLLOWER_H

#include <stdint.h>

enum fl_follower_action {
	FL_FOLLOWER_ASK_EPOCH,
	FL_FOLLOWER_TRUNCATE,
	FL_FOLLOWER_FETCH,
	FL_FOLLOWER_WAIT,
	FL_FOLLOWER_FENCED
};

/* What the local log looks like (the driver reads it from store/part). */
struct fl_follower_log {
	uint64_t log_start, log_end, durable_end;
	int32_t  last_epoch;		/* -1: no epoch recorded (empty log) */
};

struct fl_follower {
	int32_t  self, leader, epoch;
	enum fl_follower_action action;
	int32_t  ask_epoch;		/* ASK_EPOCH: the epoch to ask about */
	uint64_t truncate_to;		/* TRUNCATE */
	int      truncate_empties;	/* TRUNCATE: the whole copy goes (below the leader's log start) */
	uint64_t fetch_offset;		/* FETCH */
	int64_t  wake_ms;		/* WAIT */
	enum fl_follower_action resume;	/* WAIT: what comes after it */
	int64_t  leader_hw;		/* from the last fetch answer, -1 none */
	int64_t  leader_log_start;	/* ... and its log start, -1 none */
	uint64_t hw;			/* never above durable_end; never backwards */
	int      hw_changed;		/* persist it */
	struct fl_follower_log log;
	int64_t  backoff_ms;
	int      truncated_below_hw;	/* an unclean leader made us cut below our HW */
};

#define FL_FOLLOWER_BACKOFF_MIN_MS 50
#define FL_FOLLOWER_BACKOFF_MAX_MS 2000

/*
 * Follow `leader` at `epoch` with the local log as it is and the HW from
 * the local checkpoint.  The first action is ASK_EPOCH (or FETCH from the
 * log end when the log holds no epoch yet: nothing to diverge).
 */
void fl_follower_init(struct fl_follower *f, int32_t self, int32_t leader, int32_t epoch,
    const struct fl_follower_log *log, uint64_t hw);

/*
 * The leader's OffsetForLeaderEpoch answer for ask_epoch: error (Kafka
 * code), the leader's largest epoch <= ask_epoch and where it ends.
 * local_end_of(answer epoch) is where that epoch ends in the local log
 * (the driver looks it up: store/part fl_part_epoch_end); pass -1 when the
 * local log has no such epoch.
 */
void fl_follower_epoch_answer(struct fl_follower *f, int64_t now_ms, int16_t error,
    int32_t leader_epoch, int64_t end_offset, int64_t local_end_of_answer);

/* The driver truncated as asked: the log now. */
void fl_follower_truncated(struct fl_follower *f, int64_t now_ms,
    const struct fl_follower_log *log);

/*
 * A Fetch answer for this partition: error, the leader's HW and log
 * start.  Returns 1 when the driver should append the records it carried
 * (error 0 and some bytes), then report fl_follower_durable().
 */
int fl_follower_fetch_answer(struct fl_follower *f, int64_t now_ms, int16_t error,
    int64_t leader_hw, int64_t leader_log_start, uint64_t bytes);

/* The driver's appends (if any) are durable: the log now. */
void fl_follower_durable(struct fl_follower *f, int64_t now_ms,
    const struct fl_follower_log *log);

/*
 * The leader's log start moved on (retention, compaction): the offset below
 * which whole local segments may now be deleted, so the copy does not keep
 * what the leader no longer has; never above the HW (what is not
 * committed is not the leader's to forget).  0 when there is nothing to
 * delete.  The driver deletes, then reports the log with fl_follower_started().
 */
uint64_t fl_follower_start_before(const struct fl_follower *f);
void fl_follower_started(struct fl_follower *f, const struct fl_follower_log *log);

/* The leader could not be reached, or sent what could not be appended: back off. */
void fl_follower_failed(struct fl_follower *f, int64_t now_ms);

/* Time passes: WAIT ends. */
void fl_follower_tick(struct fl_follower *f, int64_t now_ms);

#endif
