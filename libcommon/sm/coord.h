/*
 * coord.h: the consumer-group coordinator of one broker: the group state
 * machine (sm/group.h), the committed-offsets table (codec/offsets.h) and
 * the policy that keeps both durable in the internal log
 * __consumer_offsets-0, as one sans-I/O module (DESIGN §7).
 *
 * Effects are data.  A call may leave, besides the group answers of
 * sm/group.h (fl_coord_answers), records to append to the offsets log:
 * whole RecordBatch v2 batches, one after the other, in fl_coord_out().
 * The driver appends them in order (after an fl_plog_roll first when
 * out->roll_first says so), and reports the result with fl_coord_stored()
 * before its next call.  What the log holds becomes visible only once it
 * is durable: the driver reports "durable below X" with fl_coord_durable(),
 * and only then does a commit show in OffsetFetch; an OffsetCommit answer
 * goes out after the same point (the broker queues it behind the sync
 * round that covers the append).
 *
 * Group records (a generation that moved on) are written once per new
 * generation; commit records per OffsetCommit partition.  When the log
 * grows past its threshold the coordinator writes every live record again
 * as a snapshot after a roll (compaction), and once the snapshot is
 * durable asks for the segments before it to be deleted
 * (out->delete_before).  At start the driver feeds the log's batches to
 * fl_coord_replay(), which rebuilds both tables.
 *
 * Time, wall-clock stamps and randomness (new member ids) come in as
 * arguments; the coordinator never reads a clock, a file or a socket.
 *
 * Ownership: struct fl_coord is caller storage (init/free); it copies what
 * it keeps.  fl_coord_out() and fl_coord_answers() return memory borrowed
 * until the next call.  Errors: Kafka error codes for requests (0 = none),
 * FL_ENOMEM (negative) when memory ran out.
 * Layer: sm (pure: malloc only).  Not thread-safe.
 */
#ifndef FL_COORD_H
#define FL_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"
#include "codec/cmeta.h"
#include "codec/offsets.h"
#include "sm/group.h"

#define FL_COORD_SNAP_RECORDS_PER_BATCH 2000
#define FL_COORD_BATCH_BYTES 8388608	/* a batch is closed once its records pass this */
/*
 * A group record with its members larger than this (Kafka's default
 * message.max.bytes, about 1 MiB) is written without them: the generation
 * and protocol, all a restart needs, always fit.
 */
#define FL_COORD_GROUP_VALUE_MAX 1048588
#define FL_COORD_SWEEP_MS 30000		/* look for forgettable groups this often */

struct fl_coord_config {
	struct fl_grp_config grp;
	uint64_t compact_bytes;		/* compact the offsets log past this */
};
void fl_coord_config_default(struct fl_coord_config *cfg);

/* The offsets log as the driver sees it now (for compaction decisions). */
struct fl_coord_log {
	uint64_t log_start, log_end;
	uint64_t bytes;			/* all its segments */
	int is_busy;			/* its file is being synced: no roll, no delete */
};

/* What the driver must do with the offsets log after a call. */
struct fl_coord_out {
	int       roll_first;		/* seal the active segment before appending */
	const uint8_t *batches;		/* nbatches RecordBatch v2 batches, back to back */
	size_t    len, nbatches;
	int       has_delete;		/* delete whole segments below delete_before */
	uint64_t  delete_before;
};

struct fl_coord_pending;
struct fl_coord_seen;

struct fl_coord {
	struct fl_coord_config cfg;
	struct fl_grp grp;
	struct fl_offsets offs;
	struct fl_coord_seen *seen;	/* generations already written, owned */
	size_t nseen, seen_cap;
	struct fl_coord_pending *pend;	/* stored commits, not yet durable, owned */
	size_t npend, pend_cap;
	size_t pend_unstored;		/* the last ones, from this call: not appended yet */
	uint64_t durable;		/* offsets log durable below this */
	/* output of the current call */
	struct fl_wr out;		/* batches */
	size_t out_batches;
	int out_roll;
	int out_has_delete;
	uint64_t out_delete_before;
	struct fl_wr bkv;		/* records gathered for the next batch */
	size_t bkv_n;
	size_t out_records;		/* records in the output so far */
	int64_t out_ts;			/* wall clock of the current call */
	/* compaction */
	int is_snap_writing, is_snap_pending;
	uint64_t snap_start, snap_end;
	int64_t next_sweep_ms, next_compact_ms;
	/* stats for the log line of replay */
	uint64_t replayed, skipped;
};

void fl_coord_init(struct fl_coord *c, const struct fl_coord_config *cfg);
void fl_coord_free(struct fl_coord *c);

/* ---- start-up ---- */

/*
 * One stored batch of the offsets log, in log order: applied as durable.
 * A record with the header FL_OFFSETS_HEADER_KEY is read in Kafka's
 * schemas, one without in flume's legacy layout (codec/offsets.h).
 */
void fl_coord_replay(struct fl_coord *c, const uint8_t *batch, size_t n);
/* Replay done: the log is durable below `end`. */
int fl_coord_replay_done(struct fl_coord *c, uint64_t end);
/*
 * The one-time migration of a legacy offsets log (DESIGN section 7.2),
 * after replay: every live commit and group record, written again in
 * Kafka's schemas after a roll, as a call's output (carry it out and
 * report it with fl_coord_stored like any other; nothing is deleted).
 * Once that output is durable, records from its first offset on are all
 * in Kafka's schemas.  0, or FL_ENOMEM (no output).
 */
int fl_coord_migrate(struct fl_coord *c, int64_t wall_ms);
/*
 * Live commits whose newest record is in the legacy layout, as replayed
 * (records appended since do not change it): more than 0 means a
 * migration would still change what readers of the log see.  O(commits).
 */
size_t fl_coord_legacy_count(const struct fl_coord *c);

/* ---- after every call ---- */

const struct fl_grp_resp *fl_coord_answers(const struct fl_coord *c, size_t *n);
const struct fl_coord_out *fl_coord_out(struct fl_coord *c, struct fl_coord_out *out);
/*
 * The driver stored the output (rc 0: the first batch at base_offset, the
 * last ending before end_offset) or could not (rc < 0: nothing of it
 * counts; commits of this call fail).  Must be called after every call
 * whose output had batches, before the next call.
 */
void fl_coord_stored(struct fl_coord *c, int rc, uint64_t base_offset, uint64_t end_offset);
/* The driver deleted segments as out->delete_before asked (rc: its result). */
void fl_coord_deleted(struct fl_coord *c, int rc);
/* The offsets log is durable below `end`: commits up to there become visible. */
void fl_coord_durable(struct fl_coord *c, uint64_t end);

/* ---- requests (now_ms monotonic, wall_ms for stored timestamps) ---- */

int fl_coord_join(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_grp_join_req *req);
int fl_coord_sync(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_grp_sync_req *req);
int fl_coord_heartbeat(struct fl_coord *c, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation);
int fl_coord_leave(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    struct fl_slice group_id, struct fl_slice member_id, struct fl_slice instance_id);

/* One partition of an OffsetCommit. */
struct fl_coord_commit_part {
	struct fl_slice topic;
	int32_t partition;
	int64_t offset;
	int32_t leader_epoch;
	struct fl_slice metadata;	/* .p NULL: null */
	int     is_known;		/* IN: the topic partition exists */
	int16_t error;			/* OUT */
};
/*
 * OffsetCommit: checks the member (Kafka's rules, sm/group.h) and each
 * partition, and writes a commit record for each accepted one into the
 * output.  After fl_coord_stored(), fl_coord_commit_result() sets the
 * errors of the accepted partitions if storing failed, and says whether
 * the answer must wait for durability (1) or may go at once (0).
 */
int fl_coord_commit(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    struct fl_slice group_id, struct fl_slice member_id, struct fl_slice instance_id,
    int32_t generation, struct fl_coord_commit_part *parts, size_t n);
int fl_coord_commit_result(struct fl_coord *c, int stored_rc,
    struct fl_coord_commit_part *parts, size_t n);

/*
 * DeleteGroups: a group with no members (Empty) goes, with every commit
 * it has: a tombstone per commit and one for the group record go into the
 * output (a replay ends with neither), commits still on their way to
 * durability are dropped (their records precede the tombstones), and the
 * group is forgotten.  Returns 0, GROUP_ID_NOT_FOUND (69) for a group the
 * coordinator does not know, NON_EMPTY_GROUP (68) while it has members
 * or a rebalance runs, or COORDINATOR_NOT_AVAILABLE when the output could
 * not be built.
 */
int16_t fl_coord_delete_group(struct fl_coord *c, int64_t wall_ms, struct fl_slice group);

/* One partition of an OffsetDelete. */
struct fl_coord_odel_part {
	struct fl_slice topic;
	int32_t partition;
	int     is_known;		/* IN: the topic partition exists */
	int16_t error;			/* OUT */
};
/*
 * OffsetDelete (Kafka's rules): GROUP_ID_NOT_FOUND for an unknown group;
 * a group with members whose protocol type is not "consumer":
 * NON_EMPTY_GROUP for the whole request; otherwise each partition's
 * commit goes (a tombstone in the output; none there: nothing to do)
 * unless a member of the group subscribes to its topic
 * (GROUP_SUBSCRIBED_TO_TOPIC, 86) or it is not known
 * (UNKNOWN_TOPIC_OR_PARTITION).  Returns the group-level error.
 */
int16_t fl_coord_offset_delete(struct fl_coord *c, int64_t wall_ms, struct fl_slice group,
    struct fl_coord_odel_part *parts, size_t n);

/*
 * Where the coordinator is.  Every group's coordinator is the leader of
 * __consumer_offsets-0 (DESIGN §7): a one-node broker (is_cluster 0) is
 * it; in a cluster it is the node that leads that partition, as this node
 * knows it from its own copy (has_part, role, leader).
 */
struct fl_coord_where {
	int is_cluster;
	int has_part;			/* this node holds __consumer_offsets-0 */
	enum fl_role role;		/* ... in this role */
	int32_t leader;			/* ... whose leader is this node id (-1: none known) */
	int32_t self;			/* this node's id */
};

/* 1 if this node coordinates groups now (it leads the offsets log). */
int fl_coord_is_here(const struct fl_coord_where *w);

/*
 * FindCoordinator (key_type 0: groups; 1, transactions, is not supported):
 * 0 and the coordinator's node id in *node, or the Kafka error
 * (INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE when no leader of the
 * offsets log is known), with a sentence for the client in *msg (may be
 * NULL).
 */
int16_t fl_coord_find(int8_t key_type, struct fl_slice key, const struct fl_coord_where *w,
    int32_t *node, const char **msg);

/*
 * The OffsetCommit error for a commit whose append to a replicated offsets
 * log ended with produce error perr (Kafka's mapping): not the leader any
 * more or a storage error -> NOT_COORDINATOR; too few replicas or a timeout
 * -> COORDINATOR_NOT_AVAILABLE; 0 stays 0.
 */
int16_t fl_coord_commit_error(int16_t perr);

/* Timers: group timers, forgetting unused groups, compaction. */
int fl_coord_tick(struct fl_coord *c, uint64_t now_ms, int64_t wall_ms,
    const struct fl_coord_log *log);
uint64_t fl_coord_next_wake(const struct fl_coord *c);
/* A connection went away: forget its parked requests (sm/group.h). */
void fl_coord_drop(struct fl_coord *c, uint64_t mask, uint64_t value);

/* ---- lookups (borrowed until the next change) ---- */

const char *fl_coord_state_name(enum fl_grp_state st);
size_t fl_coord_group_count(const struct fl_coord *c);
/* Number of commits held, durable or not (fl_offsets_count). */
size_t fl_coord_commit_count(const struct fl_coord *c);
/* Visit every commit held (fl_offsets_all): for lag metrics. */
int fl_coord_commits_all(const struct fl_coord *c, fl_offsets_all_fn fn, void *arg);
void fl_coord_group_at(const struct fl_coord *c, size_t i, struct fl_grp_info *info);
int fl_coord_group_find(const struct fl_coord *c, struct fl_slice group_id,
    struct fl_grp_info *info);
int fl_coord_member_at(const struct fl_coord *c, struct fl_slice group_id, size_t j,
    struct fl_grp_member_info *info);
/* A visible (durable) commit: 1 and *oc, or 0. */
int fl_coord_offset_get(const struct fl_coord *c, struct fl_slice group, struct fl_slice topic,
    int32_t partition, struct fl_offset_commit *oc);
int fl_coord_offsets_each(const struct fl_coord *c, struct fl_slice group, fl_offsets_fn fn,
    void *arg);

#endif
