/*
 * part.h: one partition as the broker, a follower and the simulator see
 * it: the partition log (store/plog.h) plus its idempotent-producer state
 * (sm/pidstate.h), its high watermark and the leader epoch it writes in,
 * with the Kafka-level decisions on them: whether a produced batch may be
 * appended (and where a retried one already is), what a fetch at an offset
 * returns, what ListOffsets and OffsetForLeaderEpoch answer.
 *
 * It reads no clock and touches no socket: "now" comes in as an argument,
 * and the caller says when bytes became durable (fl_part_durable), which is
 * what moves the high watermark on a node that replicates to nobody.  All
 * file access goes through the vfs, so the simulator runs it on its
 * crashable memory disk.
 *
 * Ownership: struct fl_part is caller storage; fl_part_open() fills it,
 * fl_part_close() frees it (a zeroed struct is a no-op).  Spans from
 * fl_part_read() borrow the segment file until the next call that may
 * remove segments (retain, truncate, close).
 * Errors: functions answering a Kafka request return a Kafka error code
 * (codec/kproto.h FL_KERR_*, 0 = none) and log nothing; storage failures
 * come back as FL_KERR_KAFKA_STORAGE_ERROR with the FL_E* cause and errno in
 * *cause where the caller wants to log it.  Other functions return 0 or a
 * negative FL_E*.
 * Layer: store.  Not thread-safe (the broker's sync thread only syncs the
 * file that fl_plog_active_file() handed it).
 */
#ifndef FL_PART_H
#define FL_PART_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/bstatus.h"
#include "codec/cmeta.h"
#include "codec/topics.h"
#include "sm/follower.h"
#include "sm/leader.h"
#include "sm/pidstate.h"
#include "sm/round.h"
#include "store/plog.h"
#include "store/vfs.h"

#define FL_PART_PRODUCERS_FILE "producers"

struct fl_part_config {
	struct fl_plog_config plog;
	int32_t  node_id;		/* this node */
	int64_t  replica_lag_max_ms;	/* replica.lag.time.max.ms (10000) */
	int32_t  min_insync;		/* min.insync.replicas (1; 0 counts as 1) */
	uint64_t message_bytes_max;	/* largest batch a producer may send */
	size_t   producers_max;		/* idempotent producers remembered */
};

struct fl_part {
	struct fl_plog log;
	struct fl_pidstate pids;
	struct fl_part_config cfg;
	int32_t  leader_epoch;		/* the partition's epoch as this node knows it */
	uint64_t hw;			/* high watermark: consumers read below it */
	enum fl_role role;		/* leader (the default of a one-node broker), follower, offline */
	int32_t  leader_id;		/* -1: none known */
	struct fl_nodeset replicas, isr;	/* as last told (isr: committed) */
	struct fl_leader lead;		/* role == FL_ROLE_LEADER: followers, ISR, HW */
	uint64_t repl_log_end;		/* closed here, followed elsewhere: its copy's end as reported */
	int      has_hw_file;		/* an `hw` checkpoint exists: keep it current */
	uint64_t hw_stored;		/* what fl_part_checkpoint_hw last wrote */
	int      lock_fd;		/* the owner's flock of DIR/lock (os/lock.h), -1;
					 * the partition never touches it */
	int      is_open;
	int      is_damaged;		/* a read met a damaged batch (fl_part_read) */
	uint64_t damaged_at;		/* at or below this offset */
	int      pids_changed;		/* since the last producers snapshot */
	struct fl_round_slot round;	/* the driver's group-commit bookkeeping */
};

/*
 * Open (creating if missing) the partition in dir, recover its log (what
 * was cut is reported in *rec, may be NULL) and rebuild its producer state
 * from the `producers` snapshot and the batches after it (a damaged or
 * stale snapshot is ignored and the log replayed: *snap_note, may be NULL,
 * says why in a sentence; "" when the snapshot was used or absent).
 * Rebuilt producers are stamped with now_ms (wall clock).  The high
 * watermark starts at the durable log end.  It opens as the leader of a
 * partition replicated to nobody (replicas = ISR = {node_id}) in its last
 * epoch, which is what a one-node broker is; fl_part_lead/follow/offline
 * change that.
 */
int fl_part_open(struct fl_part *p, struct fl_vfs *vfs, const char *dir,
    const struct fl_part_config *cfg, int64_t now_ms,
    struct fl_plog_recovery *rec, char *snap_note, size_t snap_note_len,
    struct fl_err *err);
/* Sync what was appended, then close.  Returns the sync's result. */
int fl_part_close(struct fl_part *p);
/* The broker's partition config with a topic's own configs over it. */
void fl_part_config_apply(struct fl_part_config *cfg, const struct fl_topic_conf *tc);
/*
 * Take new tunables (min.insync.replicas, replica.lag.time.max.ms,
 * retention) from cfg, at once: the leader machine answers with them from
 * its next input on, retention applies at its next run.
 */
void fl_part_retune(struct fl_part *p, const struct fl_part_config *cfg);
static inline const char *fl_part_dir(const struct fl_part *p) { return p->log.dir; }
/* The log end: the open log's, or what the follower copying it last reported. */
static inline uint64_t fl_part_log_end(const struct fl_part *p)
{ return p->is_open ? p->log.log_end : p->repl_log_end; }

/* What fl_part_produce did with a batch that passed its checks. */
struct fl_part_produce_res {
	uint64_t base_offset;		/* where it is (or, if a duplicate, was) stored */
	uint64_t log_start;
	int      is_duplicate;		/* a retry of a stored batch: nothing appended */
	uint64_t appended_bytes;	/* 0 for a duplicate */
	int      cause;			/* FL_E* behind a storage error (errno set) */
	struct fl_err why;		/* a failed record check: its sentence, else "" */
};

/*
 * Produce: check one client batch (`n` bytes, exactly one RecordBatch v2,
 * which lives in the caller's writable buffer: its BaseOffset and
 * PartitionLeaderEpoch are stamped in place), apply the idempotence checks
 * of its producer, and append it at the log end in leader_epoch.  The
 * check is Kafka's (fl_batch_validate): CRC, counts, and every record,
 * a compressed batch's decompressed; a CreateTime batch whose
 * MaxTimestamp is not its records' largest timestamp gets that one, and
 * its CRC again, in place before it is stored.
 * `api_version` is the Produce version (zstd needs v7+).  Returns 0 with
 * *res, or the Kafka error for the batch (nothing appended):
 * NOT_LEADER_OR_FOLLOWER (6) unless this node leads the partition.  The append
 * reaches the page cache; the caller makes it durable and then calls
 * fl_part_durable().
 */
int16_t fl_part_produce(struct fl_part *p, int64_t now_ms, uint8_t *batch, size_t n,
    int16_t api_version, struct fl_part_produce_res *res);

/*
 * Append a batch the broker built itself (its own records, e.g. the group
 * coordinator's): no producer checks.  0 or FL_E* (errno after FL_ESYS);
 * *base_offset (may be NULL) gets its first offset.
 */
int fl_part_append_own(struct fl_part *p, int64_t now_ms, uint8_t *batch, size_t n,
    uint64_t *base_offset);

/*
 * Offsets below `end` are durable on this node.  On a leader this moves
 * the high watermark as far as the ISR allows (sm/leader.h); replicated to
 * nobody, that is `end` (never backwards).
 */
void fl_part_durable(struct fl_part *p, int64_t now_ms, uint64_t end);

/* Who is reading: consumers stop at the high watermark, replicas at the log end. */
enum fl_part_reader { FL_PART_CONSUMER = 0, FL_PART_REPLICA = 1 };

/*
 * Fetch of one partition at `offset`, at most max_bytes (the first batch
 * always whole, KIP-74).  Returns 0 with *span (span->len 0: nothing to
 * read yet), or OFFSET_OUT_OF_RANGE (1) when offset lies outside
 * [log_start, log_end], NOT_LEADER_OR_FOLLOWER (6) when this node does not
 * lead it, or KAFKA_STORAGE_ERROR with *cause.
 *
 * A read that meets a damaged batch (*cause FL_ECORRUPT: a sector that
 * reads back wrong) marks the partition damaged here: a replicated one's
 * leader stops leading (role offline at its epoch, so the controller
 * elects another ISR member), and fl_part_status reports its log end as
 * the damaged offset from then on, so no clean election picks this copy
 * while the HW lies above it.  It still follows and copies new records.
 * One replicated to nobody keeps serving what it can.  A restart clears
 * the mark (the open refuses the damage where it reads it).
 */
int16_t fl_part_read(struct fl_part *p, int64_t offset, uint64_t max_bytes,
    enum fl_part_reader who, struct fl_plog_span *span, int *cause);

/*
 * DeleteRecords: move the log start up to offset (-1: the high watermark),
 * durably (fl_plog_start_at); *low_watermark gets the log start after it.
 * Kafka's errors: NOT_LEADER_OR_FOLLOWER unless this node leads it,
 * OFFSET_OUT_OF_RANGE for an offset above the high watermark or below -1,
 * KAFKA_STORAGE_ERROR when the checkpoint cannot be written (*cause gets
 * the FL_E* code, errno kept).  An offset at or below the log start is no
 * error and changes nothing.  Followers learn the new start from the
 * log_start_offset of their Fetch answers (flume-repl).
 */
int16_t fl_part_delete_records(struct fl_part *p, int64_t offset, int64_t *low_watermark,
    int *cause);

/*
 * ListOffsets: timestamp -1 latest (the high watermark), -2 earliest, else
 * the first offset whose record timestamp is >= it (below the high
 * watermark; -1/-1 when none).  Returns 0 or the Kafka error.
 */
int16_t fl_part_list_offset(struct fl_part *p, int64_t timestamp, int64_t *offset,
    int64_t *found_ts);

/*
 * ListOffsets v4+: as fl_part_list_offset, plus Kafka's later rules.
 * current_epoch (-1: not given) newer than ours is UNKNOWN_LEADER_EPOCH,
 * older FENCED_LEADER_EPOCH.  timestamp -3 (MAX_TIMESTAMP) finds the first
 * record with the largest timestamp, -4 (EARLIEST_LOCAL) is -2 (no tiered
 * storage), -5 (LATEST_TIERED) answers -1/-1 with epoch -1 as Kafka does
 * without tiered storage.  *epoch gets the leader epoch of what was found
 * (latest: the current epoch), -1 when none.  OFFSET_NOT_AVAILABLE (78)
 * while the high watermark lags behind the current epoch's first offset
 * (for latest, or a lookup that finds nothing below it); callers below
 * ListOffsets v5 answer LEADER_NOT_AVAILABLE instead, as Kafka does.
 */
int16_t fl_part_list_offset_epoch(struct fl_part *p, int32_t current_epoch,
    int64_t timestamp, int64_t *offset, int64_t *found_ts, int32_t *epoch);

/*
 * OffsetForLeaderEpoch: where `epoch` ends in this log.  current_epoch is
 * the asker's idea of the leader epoch (-1: not given): newer than ours is
 * UNKNOWN_LEADER_EPOCH (75), older FENCED_LEADER_EPOCH (74).  Returns 0 with
 * the largest stored epoch <= epoch and its end offset (-1/-1 when the log
 * holds no epoch that old), or the Kafka error.
 */
int16_t fl_part_epoch_end(struct fl_part *p, int32_t current_epoch, int32_t epoch,
    int32_t *found_epoch, int64_t *end_offset);

/*
 * acks=all, before the append: 0, NOT_LEADER_OR_FOLLOWER, or
 * NOT_ENOUGH_REPLICAS (19) while the ISR is below the partition's
 * min_insync (cfg.min_insync, which its leader machine also uses to answer
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND).
 */
int16_t fl_part_may_append_all(const struct fl_part *p);

/*
 * The leader's epoch fence for a request naming current_epoch (-1: not
 * given, always passes): 0, FENCED_LEADER_EPOCH (74) older, or
 * UNKNOWN_LEADER_EPOCH (75) newer.
 */
int16_t fl_part_check_epoch(const struct fl_part *p, int32_t current_epoch);

/* Write the producers snapshot (durably) if the state changed since the last one. */
int fl_part_snapshot(struct fl_part *p, int only_if_changed);

/*
 * Housekeeping: retention (unless keep_all: a compacted log such as the
 * committed offsets is never aged out) and expiry of producers idle since
 * before expire_before_ms.  *deleted gets the segments retention removed.
 */
int fl_part_housekeep(struct fl_part *p, int64_t now_ms, int keep_all,
    int64_t expire_before_ms, size_t *deleted);

/* ---- replica roles (admin verbs, the controller) ---- */

/*
 * Lead the partition from `epoch` on (>= its current epoch, else
 * FL_ERANGE) with these replicas and committed ISR (both holding this
 * node, else FL_EINVAL).  The epoch begins at the log end in the
 * checkpoint, durably, before this returns; the HW goes on from its last
 * value.  The partition must be open (is_open).
 */
int fl_part_lead(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr);
/*
 * fl_part_lead with the high watermark the controller last heard for the
 * partition (the admin `lead` verb's HW; 0 when it gave none): every
 * committed-ISR member holds the records below it durably, so when ctl_hw
 * is above the partition's HW the partition first takes ctl_hw, at most
 * its own durable (synced) end, and consumers never see the HW go back
 * across a change of leader.  Then as fl_part_lead, with its return codes
 * (FL_EINVAL not open, FL_ERANGE an older epoch: then the HW is left
 * alone; a failure after the HW was taken keeps it, which is below the
 * durable end and so true).
 */
int fl_part_lead_hw(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr, uint64_t ctl_hw);
/*
 * Record that `leader` leads it from `epoch` on (or, with role
 * FL_ROLE_OFFLINE, that nobody does here); this node stops leading at once.
 * FL_ERANGE for an older epoch.  The log is left as it is: a follower's
 * copy is written by flume-repl, which the caller hands the partition to.
 */
int fl_part_step_down(struct fl_part *p, enum fl_role role, int32_t epoch, int32_t leader,
    const struct fl_nodeset *replicas);
/* The ISR committed for `epoch` (a leader only): 0, or the Kafka error / FL_EINVAL. */
int fl_part_commit_isr(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *isr);
/*
 * A follower or offline replica (not the leader: FL_ASSERT) is told the
 * ISR its leader works with, for its Metadata answers (it decides
 * nothing): 0 with p->isr set; FL_ERANGE when epoch is older than the
 * partition's, FL_EBUSY when it is newer (this node must first be told
 * that epoch: follow/offline), FL_EINVAL when a member is not one of
 * p->replicas.  Nothing changes unless 0.
 */
int fl_part_told_isr(struct fl_part *p, int32_t epoch, const struct fl_nodeset *isr);
/*
 * The partition's line of the admin `status` answer (codec/bstatus.h),
 * as p stands: topic and index as given, log start (0 while closed here),
 * log end (fl_part_log_end), HW, role, epoch, leader, committed ISR, and
 * the ISR it proposes (a leader only; empty otherwise).
 */
void fl_part_status(const struct fl_part *p, const char *topic, int32_t idx,
    struct fl_bstatus_part *out);
/*
 * A broker starting: the role cluster.meta recorded for p.  `mode` says
 * who runs the node: FL_PART_ALONE (a one-node broker: it leads on),
 * FL_PART_BY_HAND (a cluster whose roles operators set with the admin
 * verbs) or FL_PART_BY_CONTROLLER (cluster.meta names a controller epoch).
 *  - A leader that comes back leads nothing until told again (it may have
 *    been deposed while it was down and must never acknowledge a write at
 *    its old epoch): it is offline at that epoch.
 *  - Under a controller a follower that comes back follows nobody until
 *    told either: its leader may be a deposed one that does not know it,
 *    and copying from it would let that leader acknowledge what the new
 *    one never gets, and cut records the new epoch committed.  Found by
 *    flume-sim (seed 574).  By hand it follows on, as the operator set.
 *  - A replicated partition with no `hw` checkpoint starts with its HW at
 *    its log start: its durable records may include some no follower ever
 *    had (found by flume-sim, seed 4).
 *  - A recorded epoch older than the log's (the node was killed, or failed
 *    to write cluster.meta, after it began a newer epoch) leaves p offline
 *    at the log's epoch, waiting to be told (found by flume-sim, seed 471),
 *    and returns 1 (worth a warning).
 * 0 otherwise; FL_ERANGE when a one-node broker's recorded epoch is older
 * than its log's.
 */
enum fl_part_restore_mode { FL_PART_ALONE, FL_PART_BY_HAND, FL_PART_BY_CONTROLLER };
int fl_part_restore(struct fl_part *p, int64_t now_ms, const struct fl_cmeta_part *e,
    enum fl_part_restore_mode mode);
/*
 * A partition just created on a node of a cluster serves nothing until
 * the controller (or an operator) says who leads it: it opens as its own
 * leader, which only a one-node broker may keep.
 */
void fl_part_created_in_cluster(struct fl_part *p);
/*
 * A leader's timers (sm/leader.h fl_leader_tick, when due): followers past
 * the lag limit are proposed out.  Returns FL_PART_TICK_PROPOSED when the
 * ISR proposal changed (worth a log line, and the controller reads it in
 * `status`), with FL_PART_TICK_HW_MOVED when the HW moved (answers may
 * settle); 0 when nothing changed or p does not lead.
 */
enum { FL_PART_TICK_PROPOSED = 1, FL_PART_TICK_HW_MOVED = 2 };
int fl_part_tick(struct fl_part *p, int64_t now_ms);
/*
 * A leader of a replicated partition writes its HW to its `hw` checkpoint
 * when it moved since the last write (the broker calls this on its
 * leaders' timer, as flume-repl does for followers), so that a leader
 * killed and restarted (fl_part_restore) knows nearly what was committed
 * instead of nothing.  0, or the write's FL_E* (a later call retries).
 */
int fl_part_checkpoint_hw(struct fl_part *p);
/*
 * A follower's copy: make what it appended durable before it tells the
 * leader (its next fetch offset says "I have this durably").  0 or the
 * sync's FL_E*.
 */
int fl_part_replica_sync(struct fl_part *p);
/*
 * A follower's Fetch on a leader (sm/leader.h fl_leader_fetch) and the HW
 * move it may bring: 0 or the Kafka error for that partition.
 */
int16_t fl_part_replica_fetch(struct fl_part *p, int64_t now_ms, int32_t replica,
    int32_t current_epoch, int64_t fetch_offset);

/*
 * What p is now (epoch, role, leader, replicas, committed ISR) into m's
 * entry for (topic, idx), as cluster.meta records it; not yet saved.
 * 0 or FL_ENOMEM.
 */
int fl_part_record(struct fl_cmeta *m, const char *topic, int32_t idx, const struct fl_part *p);

/*
 * An acks=all answer (or a replicated OffsetCommit) waiting on p: settled
 * yet?  Its batch was appended while p led at `epoch` and ends before
 * `end`.  1 with *error NOT_LEADER_OR_FOLLOWER (6) when p no longer leads
 * at that epoch (a later epoch may have cut the batch and written others
 * at its offsets), the leader machine's verdict once the HW passed it (0,
 * or 20 when the ISR shrank below min.insync.replicas meanwhile), or
 * REQUEST_TIMED_OUT (7) from deadline_ms on; 0 = keep waiting.  p NULL
 * (the topic went) is 6.  flume-serve and flume-sim settle with this.
 */
int fl_part_ack_settle(const struct fl_part *p, int32_t epoch, uint64_t end, int64_t now_ms,
    int64_t deadline_ms, int16_t *error);

/* ---- the fetch request as a whole ---- */

/*
 * What a multi-partition Fetch may still take: Kafka's response-wide
 * max_bytes, with the rule that only the first data returned may exceed
 * the limits.  fl_fetch_budget_init caps it at 1 GiB (the frame's int32
 * size must hold the answer).
 */
struct fl_fetch_budget {
	uint64_t left;
	uint64_t total;			/* bytes granted so far */
};
void fl_fetch_budget_init(struct fl_fetch_budget *b, int32_t max_bytes);
/* The max_bytes for the next partition, given its own limit; 0 = skip it. */
uint64_t fl_fetch_budget_next(const struct fl_fetch_budget *b, int32_t part_max_bytes,
    int *skip);
/* A span of len bytes came back for a partition granted `limit`: keep it? */
int fl_fetch_budget_take(struct fl_fetch_budget *b, uint64_t limit, uint64_t len);

/*
 * The long poll: answer now, or wait until *until_ms.  A request waits
 * while it has fewer than min_bytes, no partition error, max_wait_ms > 0,
 * and its deadline (first_wait_ms + max_wait_ms, from the first time it
 * was looked at: pass 0 then and keep what *until_ms says) is ahead.
 * Returns 1 = wait, 0 = answer now.
 */
int fl_fetch_should_wait(int64_t now_ms, int64_t deadline_ms, uint64_t total,
    int32_t min_bytes, int32_t max_wait_ms, int any_error, int64_t *until_ms);

/* ---- the follower side (flume-repl) ---- */

/*
 * Check the records of one Fetch answer for this copy before any of it is
 * appended, so that a bad answer appends nothing: whole batches from the
 * start, each passing fl_batch_check (lengths, CRC, header fields, the
 * records walked), the first based at the log end and each one based
 * where the one before ended.  A partial last batch is no error (a leader
 * cuts its answer at the byte limit): it is left out.  Returns 0 with
 * *len the bytes of whole batches (0: nothing to append) and *next the
 * offset after them; else nothing is set and err says which batch and
 * why: FL_ECORRUPT (a length or CRC that does not hold), FL_EPROTO (a
 * field the format forbids), FL_ERANGE (a batch based elsewhere than the
 * log end or the end of the batch before).  Pure: reads no file.
 */
int fl_part_replica_check(const struct fl_part *p, const uint8_t *records, size_t n,
    size_t *len, uint64_t *next, struct fl_err *err);

/*
 * Append one batch fetched from the leader as it is (FL_PLOG_APPEND_KEEP:
 * its offsets and leader epoch stay the leader's; a newer epoch starts in
 * the epoch checkpoint).  The batch must pass fl_batch_check, CRC and
 * records included (FL_ECORRUPT / FL_EPROTO), and be exactly one batch
 * based at the log end (FL_ERANGE); then nothing is appended.  Producer
 * state learns an idempotent batch with no checks (the leader made them),
 * stamped now_ms, so a retry is found as a duplicate should this copy
 * lead one day.  Other errors are the append's (errno after FL_ESYS).
 * `batch` is only read.  The bytes reach the page cache; fl_plog_sync()
 * makes them durable.
 */
int fl_part_append_replica(struct fl_part *p, int64_t now_ms, const uint8_t *batch,
    size_t n);

/*
 * Cut the log at `offset` (fl_plog_truncate: a cut inside a batch cuts
 * before it, and the stored high watermark and the epoch checkpoint come
 * down with it), drop cached producer batches at or past the new end, and
 * clamp the high watermark to it.  Returns 0 or the cut's FL_E*.
 */
int fl_part_truncate(struct fl_part *p, uint64_t offset);

/*
 * Empty the copy and restart it at `offset` (fl_plog_reset): every
 * segment removed, one new empty one based there; producer state is
 * cleared and a fresh, empty `producers` snapshot written (an old one must
 * not come back at the next open); the high watermark is `offset`.  After
 * an error the partition must be closed (fl_part_close) and reopened.
 */
int fl_part_reset(struct fl_part *p, uint64_t offset);

/* The facts sm/follower.h wants about the local log. */
void fl_part_follower_log(const struct fl_part *p, struct fl_follower_log *out);

/*
 * Where the largest local epoch <= `epoch` ends (the start of the next
 * local epoch, or the log end), for fl_follower_epoch_answer(); -1 when
 * the log holds no epoch that old.
 */
int64_t fl_part_local_epoch_end(struct fl_part *p, int32_t epoch);

#endif
