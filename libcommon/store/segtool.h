/*
 * segtool.h: the offline operations of flume-seg over a partition
 * directory, one segment of it, or a bare file of batches: check (info and
 * verify), repair, reindex, record iteration (cat), digest, truncate and
 * append.  Built on plog.h's segment-level API; see flume-seg(1) and
 * flume-log(5).
 *
 * A target (struct fl_segtool) is one of:
 *   FL_SEGTOOL_DIR   a partition directory: every NNNNNNNNNNNNNNNNNNNN.log
 *                    in it, in offset order, with its .index and .timeindex
 *                    and the durable files (leader-epoch-checkpoint, hw,
 *                    producers);
 *   FL_SEGTOOL_SEG   one segment, named by its .log, .index or .timeindex;
 *   FL_SEGTOOL_FILE  any other regular file, read as a bare .log with no
 *                    index and no expected base offset.
 *
 * Damage is a result, not an error: checks fill a list of problems and
 * return 0.  Functions return an error only when they could not do their
 * job: FL_ENOENT (missing path, or a directory holding no segment),
 * FL_ESYS (errno set; I/O), FL_ENOMEM, FL_EINVAL (an operation that does
 * not apply to the target, e.g. reindexing a bare file), FL_ECORRUPT from
 * the record walks when damage stops them (the problem says where).
 * A failing system call is always an error (FL_ESYS, errno kept), never a
 * problem in a report.  With a struct fl_err, messages name the path, and
 * after FL_ESYS end with errno's text.
 *
 * Ownership: every struct here is caller storage; *_free() releases what a
 * function allocated in it, and freeing a zeroed struct is a no-op.
 * Never prints, never exits.  Not thread-safe per target.
 *
 * Invariants: check, records and digest never write.  Repair writes only
 * at or after the first bad byte of the log (the cut bytes are first saved,
 * durably, in a .corrupt file beside the segment), plus derived files
 * (indexes, the epoch checkpoint's entries past the new log end, an hw
 * past it) and damaged durable files, which it renames, never deletes.
 * Layer: store (may include base/, codec/, sm/ and store/; files only through the vfs).
 */
#ifndef FL_SEGTOOL_H
#define FL_SEGTOOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/csum.h"
#include "base/err.h"
#include "base/rd.h"
#include "codec/batch.h"
#include "store/plog.h"
#include "store/vfs.h"

#define FL_SEGTOOL_PATH_MAX 4096

enum fl_segtool_kind { FL_SEGTOOL_DIR, FL_SEGTOOL_SEG, FL_SEGTOOL_FILE };

struct fl_segtool {
	struct fl_vfs *vfs;		/* borrowed */
	enum fl_segtool_kind kind;
	char *dir;			/* owned: the partition directory (FILE: NULL) */
	char *file;			/* owned: FILE only, the path given */
	uint64_t *bases;		/* owned: segment base offsets, ascending */
	size_t nseg;			/* DIR: >= 1; SEG and FILE: 1 */
};

/*
 * Resolve path into a target.  FL_ENOENT if path is missing or is a
 * directory with no segment file (err says "not a partition directory");
 * FL_ESYS for an unreadable path.
 */
int fl_segtool_open(struct fl_segtool *t, struct fl_vfs *vfs, const char *path,
    struct fl_err *err);
void fl_segtool_close(struct fl_segtool *t);

/*
 * The path of segment i's file with extension ext (".log", ".index",
 * ".timeindex"); for a FILE target the file itself whatever ext.
 * 0 or FL_ERANGE if it does not fit in n bytes.
 */
int fl_segtool_path(const struct fl_segtool *t, size_t i, const char *ext,
    char *buf, size_t n);

/* ---- check: info and verify ---- */

enum fl_segtool_what {
	FL_SEGTOOL_LOG,			/* a batch, or a gap between segments */
	FL_SEGTOOL_INDEX,
	FL_SEGTOOL_TIMEINDEX,
	FL_SEGTOOL_META			/* a durable file: checksum or content */
};

struct fl_segtool_problem {
	char path[FL_SEGTOOL_PATH_MAX];	/* the damaged file */
	enum fl_segtool_what what;
	size_t seg;			/* index in the target's segments; META: nseg */
	int code;			/* FL_ECORRUPT, FL_EPROTO, or FL_ESHORT (torn) */
	int64_t pos;			/* byte position in that file, -1 none */
	int64_t offset;			/* log offset there (LOG: where the bad batch
					 * was expected to start), -1 unknown */
	char why[200];
};

struct fl_seg_stat {
	uint64_t base;			/* from the name (FILE: first batch, or 0) */
	uint64_t log_bytes;		/* size of the .log */
	uint64_t good_bytes;		/* end of the last good batch */
	uint64_t batches, records;
	int64_t  first_offset, last_offset;	/* -1 with no good batch */
	uint64_t next_offset;		/* after the last good batch (base if none) */
	int32_t  min_epoch, max_epoch;	/* -1 with no good batch */
	int64_t  max_ts;		/* -1 with no good batch */
	int64_t  index_entries;		/* -1: no file (or FILE target) */
	int64_t  timeindex_entries;
	int      log_status;		/* 0, or the code of its first problem */
	int      index_status, timeindex_status;
};

struct fl_segtool_report {
	struct fl_seg_stat *segs;	/* owned: one per target segment */
	size_t nseg;
	struct fl_segtool_problem *problems;	/* owned: in file order; META last */
	size_t nproblem;
	uint64_t log_end;		/* offset after the sound prefix of the log:
					 * where it ends once repaired */
};

enum {
	FL_SEGTOOL_CHECK_RECORDS = 1	/* walk the records of uncompressed batches too */
};

/*
 * Read every file of the target and describe it in *rep: each batch's
 * length, CRC, magic, count and records (with FL_SEGTOOL_CHECK_RECORDS),
 * offsets contiguous within and across segments (each segment starting at
 * the base its name gives), leader epochs never decreasing, every index
 * and time index entry against the batches of the log, and the checksum
 * trailer of each durable file.  Returns 0 whatever it found, or an I/O
 * error.  Never writes.
 */
int fl_segtool_check(struct fl_segtool *t, unsigned flags,
    struct fl_segtool_report *rep, struct fl_err *err);
void fl_segtool_report_free(struct fl_segtool_report *rep);

/* The first LOG problem of rep, or NULL. */
const struct fl_segtool_problem *fl_segtool_first_log_problem(
    const struct fl_segtool_report *rep);

/* ---- repair and reindex ---- */

enum fl_segtool_act_kind {
	FL_SEGTOOL_CUT,			/* bytes [pos, pos+bytes) of path moved to saved */
	FL_SEGTOOL_MOVE,		/* a whole later segment, or a damaged hw or
					 * producers file, renamed to saved */
	FL_SEGTOOL_REINDEX,		/* index and time index rebuilt from the log */
	FL_SEGTOOL_EPOCHS,		/* leader-epoch-checkpoint trimmed to the log end */
	FL_SEGTOOL_HW			/* hw lowered to the log end (offset) */
};

struct fl_segtool_action {
	enum fl_segtool_act_kind kind;
	char path[FL_SEGTOOL_PATH_MAX];
	char saved[FL_SEGTOOL_PATH_MAX];	/* CUT, MOVE; else "" */
	uint64_t pos, bytes;		/* CUT: where and how much; MOVE: 0, size */
	int64_t offset;			/* CUT, MOVE of a segment, EPOCHS, HW: the new
					 * log end; else -1 */
	int64_t nidx, ntidx;		/* REINDEX: entries written (-1 on a dry run) */
};

struct fl_segtool_actions {
	struct fl_segtool_action *acts;	/* owned */
	size_t nact;
};
void fl_segtool_actions_free(struct fl_segtool_actions *a);

/*
 * Repair the target as rep (from fl_segtool_check with records, on this
 * target, just before) describes it.  At the first LOG problem: save the
 * bytes from there to the end of that file in "<segment>.log.corrupt" (or
 * .corrupt.1, .2, ...: an earlier save is never overwritten), fsync it and
 * the directory, then truncate the segment there; a segment that would be
 * left empty behind an earlier one, and every later segment, is renamed to
 * its own .corrupt name instead.  Rebuild the index of the cut segment and
 * of every segment whose index or time index has a problem.  For a DIR
 * target, the durable files: drop the epoch checkpoint entries that start
 * at or after the new log end, or rebuild a damaged checkpoint from the
 * batches (both through fl_plog_open); lower an hw past the new end to it;
 * rename a damaged hw or producers file to its .corrupt name.  With
 * is_dry_run, fill the same actions and change nothing.
 */
int fl_segtool_repair(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t index_interval_bytes, int is_dry_run, struct fl_segtool_actions *out,
    struct fl_err *err);

/*
 * Rebuild the index and time index of every segment of a DIR or SEG target
 * from its log up to the good end rep records (a damaged log keeps its bad
 * part unindexed).  FL_EINVAL for a FILE target.
 */
int fl_segtool_reindex(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t index_interval_bytes, struct fl_segtool_actions *out,
    struct fl_err *err);

/* ---- records: cat and digest ---- */

struct fl_segtool_item {
	const struct fl_batch_hdr *hdr;	/* the batch */
	const uint8_t *batch;		/* its bytes, valid during the call */
	size_t batch_len;
	const struct fl_record *rec;	/* NULL: a compressed batch, not walkable */
	int64_t timestamp;		/* the record's timestamp as a consumer sees it
					 * (LogAppendTime batches: MaxTimestamp) */
};

/* Return 0 to go on, non-zero to stop (fl_segtool_records returns it). */
typedef int (*fl_segtool_item_fn)(void *arg, const struct fl_segtool_item *it);

/*
 * Call fn for every record with from <= offset < to, in offset order
 * across segments, and once for each compressed batch overlapping the
 * range.  Stops at the first damage met before 'to': returns FL_ECORRUPT
 * with *prob (may be NULL) describing it, after fn has seen every good
 * record before it.  Never writes.
 */
int fl_segtool_records(struct fl_segtool *t, uint64_t from, uint64_t to,
    fl_segtool_item_fn fn, void *arg, struct fl_segtool_problem *prob,
    struct fl_err *err);

struct fl_segtool_digest {
	uint64_t records;		/* records digested */
	uint64_t compressed_batches;	/* compressed batches digested whole */
	int64_t  first_offset, last_offset;	/* -1 when nothing was digested */
	uint64_t end_offset;		/* min(to, log end): the range is [from, end) */
	uint8_t  sum[FL_BLAKE2B_BYTES];
};

/*
 * BLAKE2b-256 over the canonical encoding of the records with
 * from <= offset < to (flume-seg(1), DIGEST ENCODING): the same records
 * give the same digest however they are split into batches and segments.
 * Damage before 'to' is FL_ECORRUPT with *prob filled, as for records.
 */
int fl_segtool_digest(struct fl_segtool *t, uint64_t from, uint64_t to,
    struct fl_segtool_digest *d, struct fl_segtool_problem *prob,
    struct fl_err *err);

/*
 * Append the canonical encoding of one item to w (the digest's input).
 * Pure; exposed for tests.
 */
void fl_segtool_digest_encode(struct fl_wr *w, const struct fl_segtool_item *it);

/* ---- writing: truncate and append ---- */

/*
 * Remove every record at or after 'offset' from the partition in dir
 * (fl_plog_truncate: an offset inside a batch cuts before that batch).
 * Refuses a damaged log (FL_ECORRUPT, with the damage in err) rather than
 * let recovery cut it without a .corrupt copy.  *log_end gets the new end.
 */
int fl_segtool_truncate(struct fl_vfs *vfs, const char *dir, uint64_t offset,
    int64_t now_ms, uint64_t *log_end, struct fl_err *err);

/* Builds batches of records and appends them to an open plog. */
struct fl_segtool_appender {
	struct fl_plog *log;		/* borrowed, opened writable */
	struct fl_wr w;			/* owned: the batch being built */
	struct fl_batch_builder b;
	size_t batch_records_max;	/* close a batch at this many records */
	size_t batch_bytes_max;		/* ... or when it reaches this many bytes */
	int is_building;
	uint64_t records, batches;	/* appended so far */
	int64_t first_offset;		/* first offset appended, -1 none */
};

#define FL_SEGTOOL_BATCH_BYTES 1048576	/* 1 MiB: Kafka's default max.message.bytes */

void fl_segtool_appender_init(struct fl_segtool_appender *a, struct fl_plog *log,
    size_t batch_records_max);
/*
 * Add one record (key/value p NULL: null), stamped ts_ms; appends the batch
 * when it is full.  FL_ERANGE for a record too large for any batch.
 */
int fl_segtool_appender_add(struct fl_segtool_appender *a, int64_t ts_ms,
    const struct fl_slice *key, const struct fl_slice *value, int64_t now_ms);
/* Append the batch being built, if any. */
int fl_segtool_appender_flush(struct fl_segtool_appender *a, int64_t now_ms);
void fl_segtool_appender_free(struct fl_segtool_appender *a);

#endif
