/*
 * pidstate.h: the idempotent-producer table of one partition (Kafka's
 * producer state, shared/kafka-subset.md §7): per producer id the current
 * epoch and the metadata of its last FL_PIDSTATE_BATCHES appended batches,
 * which is what turns a retried batch into "already stored at offset X".
 *
 * The append checks of §7.3 are a pure function (fl_pidstate_check) so the
 * broker, a follower replaying its log and the tests agree on them; the
 * table is updated only after the batch really went into the log
 * (fl_pidstate_update).  The same update rebuilds the table from stored
 * batch headers at start-up (§4.7), and a snapshot (encode/decode, written
 * by the caller as the partition's `producers` file) saves rescanning the
 * whole log: it records the log offset it covers, and the caller replays
 * batches from there.
 *
 * Ownership: struct fl_pidstate is caller storage; it owns its entry array.
 * fl_pidstate_free() releases it (a zeroed struct is a no-op).
 * Errors: 0 or negative FL_E* (FL_ENOMEM; FL_ECORRUPT/FL_ESHORT from decode).
 * Pure: no I/O, no clock (times come in as arguments); malloc only.
 * Invariants: entries sorted by producer id, at most n_max of them; each
 * entry holds 0..FL_PIDSTATE_BATCHES batches, oldest first.
 * Layer: sm (may include base/, codec/ and sm/; pure: no system calls, no clock).
 */
#ifndef FL_PIDSTATE_H
#define FL_PIDSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

/* Kafka's NUM_BATCHES_TO_RETAIN, matching the clients' 5 in-flight requests. */
#define FL_PIDSTATE_BATCHES 5

struct fl_pid_batch {
	int32_t first_seq, last_seq;
	int64_t first_offset, last_offset;
	int64_t max_ts;
};

struct fl_pid_entry {
	int64_t pid;
	int16_t epoch;
	uint8_t nbatch;				/* valid entries in b[] */
	struct fl_pid_batch b[FL_PIDSTATE_BATCHES];	/* oldest first */
	int64_t last_ms;			/* when it last appended, for expiry */
};

struct fl_pidstate {
	struct fl_pid_entry *e;		/* owned, sorted by pid */
	size_t n, cap;
	size_t n_max;			/* evict the least recently used past this */
};

/* Empty table holding at most n_max producers (n_max >= 1). */
void fl_pidstate_init(struct fl_pidstate *st, size_t n_max);
void fl_pidstate_free(struct fl_pidstate *st);
/* Forget every producer (the table stays usable). */
void fl_pidstate_clear(struct fl_pidstate *st);

/* The entry for pid, or NULL; borrowed until the next update. */
const struct fl_pid_entry *fl_pidstate_find(const struct fl_pidstate *st,
    int64_t pid);

enum fl_pid_verdict {
	FL_PID_APPEND = 0,		/* append it */
	FL_PID_DUPLICATE = 1,		/* already stored: answer *dup's offsets */
	FL_PID_OUT_OF_ORDER = 2,	/* OUT_OF_ORDER_SEQUENCE_NUMBER (45) */
	FL_PID_FENCED = 3		/* INVALID_PRODUCER_EPOCH (47) */
};

/*
 * The §7.3 checks for a batch of producer pid (>= 0) and epoch covering
 * sequences first_seq..last_seq (last_seq = first_seq + LastOffsetDelta,
 * wrapped into 0..INT32_MAX by the caller or fl_pidstate_last_seq()).
 * On FL_PID_DUPLICATE, *dup (may be NULL) gets the cached batch.
 * Changes nothing.
 */
enum fl_pid_verdict fl_pidstate_check(const struct fl_pidstate *st,
    int64_t pid, int16_t epoch, int32_t first_seq, int32_t last_seq,
    struct fl_pid_batch *dup);

/* first_seq + last_offset_delta with Kafka's wrap from INT32_MAX to 0. */
int32_t fl_pidstate_last_seq(int32_t first_seq, int32_t last_offset_delta);

/*
 * Record an appended batch: a new epoch resets the producer's cached
 * batches, then b is pushed and only the newest FL_PIDSTATE_BATCHES kept.
 * A new producer past n_max evicts the one with the oldest last_ms.
 * Returns 0 or FL_ENOMEM (table unchanged).
 */
int fl_pidstate_update(struct fl_pidstate *st, int64_t pid, int16_t epoch,
    const struct fl_pid_batch *b, int64_t now_ms);

/* Drop producers whose last append is older than before_ms; returns how many. */
size_t fl_pidstate_expire(struct fl_pidstate *st, int64_t before_ms);

/*
 * Drop cached batches at or past offset (after the log was cut there);
 * producers left with none are removed.
 */
void fl_pidstate_truncate(struct fl_pidstate *st, int64_t offset);

/*
 * Snapshot: "FLPS", u32 version 1, i64 upto (the table reflects every
 * batch below this log offset), u32 count, then per producer i64 pid,
 * i16 epoch, u8 nbatch, i64 last_ms, nbatch x (i32 first_seq, i32
 * last_seq, i64 first_offset, i64 last_offset, i64 max_ts); big-endian.
 * encode appends to w and returns 0 or w's error.  decode replaces the
 * table's content (only on success) and fills *upto: FL_ECORRUPT for a
 * bad magic, version, count or batch, or trailing bytes.
 */
int fl_pidstate_encode(const struct fl_pidstate *st, int64_t upto,
    struct fl_wr *w);
int fl_pidstate_decode(struct fl_pidstate *st, const uint8_t *p, size_t n,
    int64_t *upto);

#endif
