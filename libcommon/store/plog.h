/*
 * plog.h: the partition log: a directory of segments, each a .log file of
 * concatenated RecordBatch v2 batches named by its 20-digit base offset,
 * with a sparse .index (8-byte big-endian entries: u32 base offset of a
 * batch relative to the segment base, u32 byte position of that batch; one
 * entry when index_interval_bytes have been written since the last entry)
 * and a .timeindex written at the same points (12-byte entries: i64 largest
 * MaxTimestamp of the segment up to and including that batch, u32 the
 * batch's relative base offset; a sealed segment ends with one more entry
 * for its last batch), plus the durable leader-epoch-checkpoint file.
 * See flume-log(5).
 *
 * All file access goes through struct fl_vfs, so the same code runs on real
 * files and on the simulator's crashable memory disk.
 *
 * Ownership: struct fl_plog is caller storage; fl_plog_open() fills it and
 * fl_plog_close() frees what it owns (closing a zeroed struct is a no-op).
 * Spans from fl_plog_read() borrow the segment's file until the next call
 * that can remove segments (truncate, retain, close).
 * Errors: 0 or negative FL_E*.  Every failed system call, running out of
 * a resource included (EMFILE, ENFILE, ENOMEM, ENOSPC, EIO), is FL_ESYS
 * with errno kept until the return; FL_ECORRUPT only ever means damaged
 * data, never a failure to read it.  With a struct fl_err, messages name
 * the file and, for damage, the byte position and offsets; for FL_ESYS
 * they end with errno's text.
 * Not pure (file I/O).  Not thread-safe, except that fl_plog_sync_file()
 * on a file obtained from fl_plog_active_file() may run on another thread
 * while the owner appends (the broker's sync thread does that).
 *
 * Invariants callers rely on: log_start <= log_end; offsets are dense and
 * never reused; nothing that fl_plog_sync() made durable is lost by a
 * crash; recovery on open cuts only a torn or corrupt tail of the last
 * segment and never anything before it.
 * Layer: store (may include base/, codec/, sm/ and store/; files only through the vfs).
 */
#ifndef FL_PLOG_H
#define FL_PLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/batch.h"
#include "codec/epochs.h"
#include "store/vfs.h"

#define FL_PLOG_INDEX_ENTRY_BYTES 8
#define FL_PLOG_TIMEINDEX_ENTRY_BYTES 12
#define FL_PLOG_NAME_DIGITS 20
#define FL_PLOG_EPOCHS_MAX FL_EPOCHS_MAX	/* leader epochs kept in the checkpoint */

struct fl_plog_config {
	uint64_t segment_bytes;		/* roll when the active segment reaches this (1 GiB) */
	int64_t  segment_ms;		/* roll when it is older than this; <= 0 never */
	uint32_t index_interval_bytes;	/* one index entry per this many bytes (4096) */
	int64_t  retention_bytes;	/* keep the log under this many bytes; < 0 no limit */
	int64_t  retention_ms;		/* delete segments whose newest record is older; < 0 no limit */
	uint32_t write_buffer_bytes;	/* gather appends up to this many bytes per write (0: write through) */
};

/* Kafka's defaults: 1 GiB segments, 4096-byte index interval, 7-day retention, no size
 * limit; appends written through (no write buffer). */
void fl_plog_config_default(struct fl_plog_config *cfg);

struct fl_plog_seg {
	uint64_t base;			/* offset of the first batch it may hold */
	uint64_t next;			/* offset after its last batch (base if empty) */
	uint64_t size;			/* bytes in .log */
	uint64_t last_base;		/* base offset of its last batch (base if empty) */
	struct fl_file *log, *index, *timeindex;
	uint8_t *idx;			/* the .index entries, owned, nidx * 8 bytes */
	size_t nidx, idx_cap;
	uint8_t *tidx;			/* the .timeindex entries, owned, ntidx * 12 bytes */
	size_t ntidx, tidx_cap;
	size_t   idx_flushed, tidx_flushed;	/* entries already written to the files */
	uint64_t last_indexed_pos;	/* file position of the last index entry (0 none) */
	int      is_dirty;		/* written since its last fdatasync */
	int64_t  max_ts;		/* largest MaxTimestamp in the segment, -1 none */
	int64_t  created_ms;		/* when this process created or opened it */
};

struct fl_plog {
	struct fl_vfs *vfs;		/* borrowed */
	char *dir;			/* owned */
	struct fl_plog_config cfg;
	struct fl_plog_seg *segs;	/* owned, sorted by base, nseg >= 1 once open */
	size_t nseg, seg_cap;
	uint64_t log_start;		/* first offset still stored: the first segment's
					 * base, or start_ckpt when that is past it */
	uint64_t start_ckpt;		/* the log-start file (DeleteRecords); 0: none */
	uint64_t log_end;		/* next offset to assign */
	uint64_t synced_end;		/* offsets below this are durable */
	struct fl_epoch *epochs;	/* owned, both fields strictly ascending */
	size_t nepoch;
	int is_readonly;
	/*
	 * Appended batches not yet handed to the kernel: bytes for the active
	 * segment from file position wpos on (write_buffer_bytes > 0 only).
	 * Offsets below flushed_end are in the file (page cache at least).
	 */
	uint8_t *wbuf;			/* owned */
	size_t wlen, wcap;
	uint64_t wpos, flushed_end;
};

/* What recovery on open found and did. */
struct fl_plog_recovery {
	uint64_t cut_bytes;		/* bytes cut from the last segment's tail */
	uint64_t cut_pos;		/* file position where the cut began */
	uint64_t cut_segment;		/* base offset of that segment */
	int      index_rebuilt;		/* 1 if an index had to be rebuilt */
	char     reason[160];		/* why the tail was cut, for the log line */
};

enum {
	FL_PLOG_CREATE   = 1,	/* create the directory (and its parent entry) if missing */
	FL_PLOG_READONLY = 2,	/* never write: no recovery cut, no index rebuild on disk */
	FL_PLOG_MKDIRS   = 4,	/* with CREATE: missing directories above it too (mkdir -p) */
	/*
	 * Read every segment whole first, as flume-seg verify does (lengths,
	 * CRCs, offsets, leader epochs never decreasing): damage anywhere but
	 * in the tail recovery cuts is FL_ECORRUPT, so an open log serves every
	 * offset it holds as written.  Costs a read of the whole partition;
	 * without it only the last segment's tail is read whole.
	 */
	FL_PLOG_VERIFY   = 8
};

/*
 * Open (and with FL_PLOG_CREATE create) the partition in dir.  Recovers the
 * last segment: scans from its last index entry, verifying each batch's
 * length, CRC and offsets, truncates a torn or corrupt tail (reported in
 * *rec, which may be NULL) and rebuilds an index that is shorter than or
 * inconsistent with the log.  Checks that sealed segments chain: each
 * one's batch headers from its last index entry reach the end of its file
 * and the next segment starts at the offset after its last batch.
 * Read-only opens report what they would cut in *rec but leave files
 * alone, and serve only up to the last good batch.
 * Returns FL_ENOENT if dir is missing (without CREATE); FL_ECORRUPT if a
 * file other than the last segment's tail is damaged, or two segments do
 * not chain (err names the file, the byte or both offsets); FL_ESYS.
 */
int fl_plog_open(struct fl_plog *l, struct fl_vfs *vfs, const char *dir,
    const struct fl_plog_config *cfg, unsigned flags, int64_t now_ms,
    struct fl_plog_recovery *rec, struct fl_err *err);
void fl_plog_close(struct fl_plog *l);

enum {
	FL_PLOG_APPEND_ASSIGN = 0,	/* leader: assign offsets from log_end */
	FL_PLOG_APPEND_KEEP   = 1	/* follower: keep the batch's BaseOffset, which must equal log_end */
};

/*
 * Append one whole batch the caller has validated (fl_batch_check).  In
 * ASSIGN mode the batch's BaseOffset and PartitionLeaderEpoch are rewritten
 * in place in the caller's buffer (the CRC stays valid) to log_end and
 * leader_epoch.  In KEEP mode the batch must start at log_end (FL_ERANGE
 * otherwise) and its own epoch is recorded.  Rolls a new segment first when
 * the active one is full or too old.  A batch whose epoch is newer than the
 * last checkpointed one adds a leader-epoch-checkpoint entry (written
 * durably).  *base_offset (may be NULL) gets the batch's first offset.
 * The bytes reach the page cache; fl_plog_sync() makes them durable.
 */
int fl_plog_append(struct fl_plog *l, uint8_t *batch, size_t n, unsigned mode,
    int32_t leader_epoch, int64_t now_ms, uint64_t *base_offset);

/* fdatasync the segments written since the last sync; synced_end = log_end. */
int fl_plog_sync(struct fl_plog *l);

/*
 * Hand buffered appends to the kernel in one write.  Every function here
 * that reads, syncs or cuts the log flushes first when it must, so callers
 * need this only to bound how long appends stay in memory (the broker
 * flushes once per loop turn, through fl_plog_active_file).
 */
int fl_plog_flush(struct fl_plog *l);

/*
 * For a sync thread: the active segment's log file and the log end it
 * covers (buffered appends are flushed first; on a flush error the file
 * is NULL and the error is in *end as a negative FL_E* cast).  Syncing it with fl_vfs_sync() off-thread and then calling
 * fl_plog_mark_synced(l, end) on the owner's thread is equivalent to
 * fl_plog_sync() provided no roll happened in between (rolls sync the old
 * segment themselves).
 */
struct fl_file *fl_plog_active_file(struct fl_plog *l, uint64_t *end);
void fl_plog_mark_synced(struct fl_plog *l, uint64_t end);

/* Where a read found its bytes: whole batches, fit for sendfile(2). */
struct fl_plog_span {
	struct fl_file *file;		/* borrowed: the segment's .log */
	uint64_t pos, len;		/* byte range in that file */
	uint64_t first_offset;		/* base offset of the first batch */
	uint64_t next_offset;		/* offset after the last batch in the span */
};

/*
 * Find the batch holding 'offset' and return a span of whole consecutive
 * batches from it, within one segment, stopping before the first batch
 * whose base offset is >= limit_offset (e.g. the high watermark) and before
 * max_bytes would be passed, except that the first batch is always
 * returned whole (Kafka's rule, so a big batch cannot stall a consumer).
 * FL_ERANGE if offset < log_start; FL_ENOENT if offset >= min(log_end,
 * limit_offset) (nothing to read yet).
 */
int fl_plog_read(struct fl_plog *l, uint64_t offset, uint64_t limit_offset,
    uint64_t max_bytes, struct fl_plog_span *span);

/*
 * The first offset whose record timestamp is >= ts (Kafka ListOffsets by
 * time) in *offset and that record's timestamp in *found_ts; log_end and
 * -1 when no record is that new.  In a compressed batch, whose records are
 * not looked into, the batch's base offset and MaxTimestamp.
 */
int fl_plog_offset_for_time(struct fl_plog *l, int64_t ts, uint64_t *offset,
    int64_t *found_ts);

/*
 * Remove every batch at or after 'offset'.  An offset inside a batch cuts
 * before that batch (log_end then ends up below 'offset').  Whole segments
 * after it are deleted; the cut is synced, the epoch checkpoint loses
 * epochs that started at or after the new end, and a stored high watermark
 * past the new end is lowered to it.  At the log end itself no batch goes,
 * but epochs that start there do.  Offsets below log_start are FL_ERANGE;
 * past the log end nothing happens.
 */
int fl_plog_truncate(struct fl_plog *l, uint64_t offset);

/*
 * Apply retention: delete whole oldest segments while the log is over
 * retention_bytes or the segment's newest record is older than
 * retention_ms.  The active segment is never deleted (it is rolled first if
 * it alone breaks the age limit and is not empty).  *deleted (may be NULL)
 * gets how many segments went.  log_start moves to the new first segment.
 */
int fl_plog_retain(struct fl_plog *l, int64_t now_ms, size_t *deleted);

/* Seal the active segment now and start a new one (nothing if it is empty). */
int fl_plog_roll(struct fl_plog *l, int64_t now_ms);

/*
 * Delete every whole segment that holds only offsets below 'offset' (never
 * the active one); log_start moves to the first kept segment.  For a log
 * whose older records are superseded (a compacted topic's snapshot).
 * *deleted (may be NULL) gets how many segments went.
 */
int fl_plog_delete_before(struct fl_plog *l, uint64_t offset, size_t *deleted);

/*
 * OffsetForLeaderEpoch: the largest stored epoch <= 'epoch' in *found and
 * its end offset (the start offset of the next stored epoch, or log_end if
 * it is the latest) in *end_offset.  If no stored epoch is <= 'epoch', both
 * are -1 (Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET).  Returns 0.
 */
int fl_plog_epoch_end(struct fl_plog *l, int32_t epoch, int32_t *found,
    int64_t *end_offset);
/* The newest epoch in the checkpoint, -1 if none. */
int32_t fl_plog_last_epoch(const struct fl_plog *l);
/* The epoch offset was written in (the newest stored epoch starting at or
 * before it), -1 if none: Kafka's epochForOffset. */
int32_t fl_plog_epoch_at(const struct fl_plog *l, uint64_t offset);
/* The start offset of stored epoch `epoch`, -1 if it is not stored. */
int64_t fl_plog_epoch_start(const struct fl_plog *l, int32_t epoch);

/*
 * ListOffsets MAX_TIMESTAMP (-3): the first record carrying the largest
 * timestamp in the log, found as fl_plog_offset_for_time finds one
 * (compressed batches decompressed to look, as Kafka's
 * offsetOfMaxTimestamp); log_end and -1 for a log with no timestamp.
 */
int fl_plog_max_time(struct fl_plog *l, uint64_t *offset, int64_t *found_ts);

/* ---- the high watermark checkpoint ---- */

/*
 * Read the partition's hw file (flume-log(5)) into *hw, clamped to
 * [log_start, log_end].  Returns 0; 1 when the stored value was past
 * log_end, so a cut or a truncation took records the checkpoint called
 * committed (worth a warning); FL_ENOENT when there is no hw file (the
 * caller picks the default); FL_ECORRUPT when its trailer or its text is
 * bad (err, which may be NULL, names the file and says why); FL_ESYS or
 * FL_ENOMEM.  *hw is set only on 0 and 1.
 */
int fl_plog_hw_load(struct fl_plog *l, uint64_t *hw, struct fl_err *err);

/*
 * Store hw in the hw file durably (fl_durable_write: temp file, fsync,
 * rename, fsync of the directory).  FL_ERANGE if hw > log_end, FL_EINVAL on
 * a read-only log.  fl_plog_truncate() lowers a stored hw past the new end.
 */
int fl_plog_hw_store(struct fl_plog *l, uint64_t hw);

/* ---- the log start checkpoint (DeleteRecords) ---- */

/*
 * Move the log start up to 'offset' (Kafka's DeleteRecords, or a
 * follower following its leader's log start): the log-start file
 * (flume-log(5); the hw file's format) is written durably first, then
 * log_start = offset and every whole segment below it is deleted (never
 * the active one; fl_plog_retain deletes the rest once they are sealed).
 * Reads below the new start are FL_ERANGE.  An offset at or below
 * log_start changes nothing.  *deleted (may be NULL) gets how many
 * segments went.  FL_EINVAL on a read-only log; FL_ERANGE past log_end.
 * At open a log-start file is read back (a damaged one refuses the open
 * with FL_ECORRUPT, naming it; nothing is deleted because of it), and a
 * value past the log end counts as the log end.
 */
int fl_plog_start_at(struct fl_plog *l, uint64_t offset, size_t *deleted);

/* Total bytes of all .log files. */
uint64_t fl_plog_bytes(const struct fl_plog *l);

/* ---- segment-level tools (flume-seg, recovery, tests) ---- */

/* "DIR/00000000000000001234.log" style names; 0 or FL_ERANGE (truncated). */
int fl_plog_seg_path(char *buf, size_t n, const char *dir, uint64_t base, const char *ext);
/* Parse a segment file name "NNNNNNNNNNNNNNNNNNNN.ext"; 0 or FL_EINVAL. */
int fl_plog_parse_name(const char *name, uint64_t *base, const char **ext);

struct fl_seg_scan {
	uint64_t start_pos;		/* IN: where to begin */
	int64_t  expect_offset;		/* IN: base offset the first batch must have, -1 any */
	/* OUT: */
	uint64_t good_end;		/* position after the last good batch */
	uint64_t file_size;
	uint64_t batches, records;
	int64_t  first_offset, next_offset;	/* -1 if no batch */
	int64_t  max_ts;
	int32_t  min_epoch, max_epoch;
	int      bad;			/* 0 sound to the end, else FL_ECORRUPT / FL_EPROTO / FL_ESHORT (torn) */
	int64_t  bad_offset;		/* base offset field of the first bad batch, -1 unknown */
	char     why[160];		/* what was wrong with it */
};

/*
 * Called for every good batch: bytes [p, p+n) at file position pos, which
 * stay valid only during the call.  Return 0 to go on, non-zero to stop
 * the scan early (fl_seg_scan then returns that value).
 */
typedef int (*fl_seg_scan_fn)(void *arg, const struct fl_batch_hdr *h,
    const uint8_t *p, size_t n, uint64_t pos);

/*
 * Scan a .log file from s->start_pos, checking each batch (length within
 * the file, CRC, magic, count, offsets contiguous and increasing) and
 * stopping at the first bad or torn one, which is described in s (not an
 * error return).  With FL_BATCH_CHECK_RECORDS in flags, uncompressed
 * records are walked too.  Returns 0, an I/O error, or fn's non-zero.
 */
int fl_seg_scan(struct fl_file *log, struct fl_seg_scan *s, unsigned flags,
    fl_seg_scan_fn fn, void *arg);

/*
 * Rebuild the index and time index of a segment from its log (up to
 * log_end_pos) and write them durably in place of the old ones.  Returns
 * entry counts in *nidx / *ntidx (may be NULL).
 */
int fl_seg_reindex(struct fl_vfs *vfs, const char *dir, uint64_t base,
    uint64_t log_end_pos, uint32_t index_interval_bytes, size_t *nidx,
    size_t *ntidx, struct fl_err *err);

/* ---- followers ---- */

/*
 * Empty the log and restart it at 'offset', for a follower whose leader no
 * longer holds what it lacks (the leader's log start passed this log's
 * end; Kafka's truncate-fully-and-start-at).  Every segment goes and one
 * empty segment based at 'offset' takes their place: log_start = log_end
 * = synced_end = offset, the epoch checkpoint is empty, and a stored high
 * watermark past 'offset' is lowered to it (one below it stays; loading
 * clamps it up to log_start).  Buffered appends are dropped.
 * Crash-safe in this order: the epoch checkpoint is deleted first (an
 * open rebuilds it from the batches left), then the sealed segments,
 * oldest first, so a crash leaves a suffix of the log that still chains;
 * last, the old active segment's files and the new segment's appear and
 * disappear in one directory sync.  After an error the handle may be
 * half reset and must only be closed; what is on disk opens as either the
 * old log's suffix or the new empty one.  FL_EINVAL on a read-only log,
 * FL_ERANGE for an offset past INT64_MAX.
 */
int fl_plog_reset(struct fl_plog *l, uint64_t offset);

/* ---- leaders ---- */

/*
 * A node became leader in `epoch`: the epoch begins at the log end, in the
 * leader-epoch-checkpoint, durably, before the call returns (Kafka assigns
 * it at becoming leader, so OffsetForLeaderEpoch answers for it even
 * before its first batch).  An epoch not newer than the last recorded one
 * changes nothing.  0 or FL_E*.
 */
int fl_plog_epoch_begin(struct fl_plog *l, int32_t epoch);

#endif
