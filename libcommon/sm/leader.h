/*
 * leader.h: the leader side of one replicated partition (DESIGN §6): what
 * each follower has (its fetch offset: followers fsync before they ask for
 * the next offset, so it is durable there), the in-sync replica set as
 * committed by the controller and as this leader proposes to change it,
 * the high watermark, and when an acks=all produce may be answered.
 *
 *   HW = min(log end) over committed ISR ∪ proposed ISR, where the leader's
 *        own log end is its durable end; HW never goes back.
 *   A follower whose fetch offset reached the leader's log end is caught
 *   up (its clock restarts); one not caught up for lag_max_ms is proposed
 *   out of the ISR, and one caught up while outside it is proposed in.
 *   A proposal changes nothing the controller committed: a member proposed
 *   out still counts for the HW until the shrink is committed, so acks=all
 *   waits for that; a member proposed in counts at once (it is caught up,
 *   so it never lowers the HW).
 *   acks=all: refused before the append with NOT_ENOUGH_REPLICAS (19) when
 *   the ISR is smaller than min_insync; answered once the HW passes the
 *   batch, or NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) if the ISR shrank
 *   below min_insync meanwhile.
 *
 * Sans-I/O: every call takes now_ms (monotonic, never decreasing); nothing
 * here reads a clock, a file or a socket.  Durability of the leader's own
 * log comes in as fl_leader_durable().
 *
 * Ownership: struct fl_leader is caller storage; no allocation (replica
 * sets are bounded by FL_REPL_REPLICAS_MAX, codec/nodeset.h).  Errors: Kafka error codes for
 * requests (0 none); FL_EINVAL for arguments the contract forbids.
 * Layer: sm.  Not thread-safe.
 */
#ifndef FL_LEADER_H
#define FL_LEADER_H

#include <stddef.h>
#include <stdint.h>

#include "codec/nodeset.h"

struct fl_leader_follower {
	int32_t  id;
	int64_t  fetch_offset;		/* -1: never fetched (in this epoch) */
	int64_t  caught_up_ms;		/* last time it had the leader's log end (Kafka's
					 * rule: at this fetch, or at the previous one if
					 * it now has what the leader had then) */
	int64_t  last_fetch_ms;		/* -1: never */
	uint64_t last_fetch_end;	/* the leader's log end at that fetch */
};

struct fl_leader {
	int32_t  self;
	int32_t  epoch;
	struct fl_nodeset replicas;
	struct fl_nodeset isr;		/* committed (by the controller / `isr`) */
	struct fl_nodeset proposed;	/* what this leader would have it be */
	struct fl_leader_follower f[FL_REPL_REPLICAS_MAX];
	size_t nf;
	uint64_t log_end;		/* next offset to assign */
	uint64_t durable_end;		/* the leader's own durable end */
	uint64_t hw;
	int32_t  min_insync;		/* min.insync.replicas (>= 1) */
	int64_t  lag_max_ms;		/* replica.lag.time.max.ms */
	int      proposal_changed;	/* proposed differs from the last one reported */
};

/*
 * Become leader of a partition at `epoch` with these replicas and committed
 * ISR (both must hold self), with the log as it is (log_end, durable_end)
 * and the HW it had (from its checkpoint; never above durable_end).
 */
int fl_leader_init(struct fl_leader *l, int32_t self, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr,
    uint64_t log_end, uint64_t durable_end, uint64_t hw,
    int32_t min_insync, int64_t lag_max_ms, int64_t now_ms);

/* The ISR the HW is computed over: committed ∪ proposed. */
void fl_leader_effective_isr(const struct fl_leader *l, struct fl_nodeset *out);

/*
 * acks=all before the append: 0, or NOT_ENOUGH_REPLICAS (19) when the ISR
 * (committed ∪ proposed) is smaller than min_insync.
 */
int16_t fl_leader_may_append(const struct fl_leader *l);
/* The leader appended up to log_end (not yet durable). */
void fl_leader_appended(struct fl_leader *l, int64_t now_ms, uint64_t log_end);
/* The leader's own log is durable below end. */
void fl_leader_durable(struct fl_leader *l, int64_t now_ms, uint64_t end);

/*
 * A follower's Fetch: replica `id` asks for `fetch_offset` in its
 * `current_epoch` (-1: not given).  Returns 0, FENCED_LEADER_EPOCH (74) for
 * an older epoch, UNKNOWN_LEADER_EPOCH (75) for a newer one,
 * NOT_LEADER_OR_FOLLOWER (6) for a node that is not a replica, or
 * OFFSET_OUT_OF_RANGE (1) for an offset past the log end (nothing recorded
 * then).  May move the HW and the proposal.
 */
int16_t fl_leader_fetch(struct fl_leader *l, int64_t now_ms, int32_t id,
    int32_t current_epoch, int64_t fetch_offset);

/* Timers: followers behind for lag_max_ms are proposed out. */
void fl_leader_tick(struct fl_leader *l, int64_t now_ms);
/* The next time fl_leader_tick could change something (INT64_MAX: never). */
int64_t fl_leader_next_wake(const struct fl_leader *l);

/*
 * The controller (or an operator's `isr`) committed an ISR for `epoch`:
 * FENCED_LEADER_EPOCH for an older epoch, UNKNOWN_LEADER_EPOCH for a newer
 * one, FL_EINVAL if it leaves out the leader or names a non-replica; else
 * 0, and the proposal is recomputed against it.
 */
int fl_leader_commit_isr(struct fl_leader *l, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *isr);

/*
 * An acks=all produce whose batch ends before `end` (its last offset + 1):
 * 1 = answer now with *error (0, or 20 if the ISR shrank below
 * min_insync), 0 = keep waiting.
 */
int fl_leader_ack_ready(const struct fl_leader *l, uint64_t end, int16_t *error);

/* 1 once, after the proposal changed (for a log line or a push): clears the flag. */
int fl_leader_take_proposal_change(struct fl_leader *l);

/* Follower i's lag in messages (log_end - fetch offset) and in ms (since caught up). */
void fl_leader_follower_lag(const struct fl_leader *l, size_t i, int64_t now_ms,
    int64_t *lag_messages, int64_t *lag_ms);

#endif
