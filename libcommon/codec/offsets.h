/*
 * offsets.h: committed consumer-group offsets: the in-memory table and the
 * record format in which the broker stores them in its internal partition
 * log "__consumer_offsets-0" (so a later compaction keeps only the newest
 * record per key, as Kafka does).
 *
 * Record keys and values (big-endian, Kafka string = int16 length + bytes):
 *   offset commit:  key   = int16 1, string group, string topic, int32 partition
 *                   value = int16 1, int64 offset, int32 leader_epoch,
 *                           nullable string metadata, int64 commit_time_ms
 *                   (a null value deletes the commit)
 *   group metadata: key   = int16 2, string group
 *                   value = int16 1, int32 generation, string protocol_type,
 *                           string protocol
 * Decoders reject unknown versions and anything short or trailing
 * (FL_ECORRUPT), so a damaged or newer record is skipped, never trusted.
 *
 * Ownership: struct fl_offsets is caller storage (init/free); it copies
 * everything it stores.  Lookups return borrowed pointers valid until the
 * next change to the table.  Pure apart from malloc.  Not thread-safe.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_OFFSETS_H
#define FL_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"

#define FL_OFFSETS_TOPIC "__consumer_offsets"
#define FL_OFFSETS_METADATA_MAX 4096	/* Kafka's offset.metadata.max.bytes */

struct fl_offset_commit {
	int64_t offset;
	int32_t leader_epoch;
	const char *metadata;		/* NULL: null metadata */
	int64_t commit_ms;
};

struct fl_offsets_entry;

struct fl_offsets {
	struct fl_offsets_entry **slots;	/* owned open-addressing table */
	size_t nslots, n;
};

void fl_offsets_init(struct fl_offsets *t);
void fl_offsets_free(struct fl_offsets *t);

/* Store (or replace) a commit; 0 or FL_ENOMEM. */
int fl_offsets_put(struct fl_offsets *t, struct fl_slice group, struct fl_slice topic,
    int32_t partition, const struct fl_offset_commit *c);
/* Remove a commit; 0 whether or not it existed. */
void fl_offsets_del(struct fl_offsets *t, struct fl_slice group, struct fl_slice topic,
    int32_t partition);
/* 1 and *c (borrowed) if committed, else 0. */
int fl_offsets_get(const struct fl_offsets *t, struct fl_slice group, struct fl_slice topic,
    int32_t partition, struct fl_offset_commit *c);

/* Visit every commit of one group (any order); stop when fn returns non-zero. */
typedef int (*fl_offsets_fn)(void *arg, const char *topic, int32_t partition,
    const struct fl_offset_commit *c);
int fl_offsets_each(const struct fl_offsets *t, struct fl_slice group, fl_offsets_fn fn, void *arg);

/* Visit every commit of every group (any order); stop when fn returns non-zero. */
typedef int (*fl_offsets_all_fn)(void *arg, const char *group, const char *topic,
    int32_t partition, const struct fl_offset_commit *c);
int fl_offsets_all(const struct fl_offsets *t, fl_offsets_all_fn fn, void *arg);
/* Number of commits held. */
static inline size_t fl_offsets_count(const struct fl_offsets *t) { return t->n; }

/* ---- records ---- */

/* Append the key and value of an offset-commit record to w. */
void fl_offsets_key_commit(struct fl_wr *w, struct fl_slice group, struct fl_slice topic,
    int32_t partition);
void fl_offsets_value_commit(struct fl_wr *w, const struct fl_offset_commit *c);
void fl_offsets_key_group(struct fl_wr *w, struct fl_slice group);
void fl_offsets_value_group(struct fl_wr *w, int32_t generation, struct fl_slice protocol_type,
    struct fl_slice protocol);

enum fl_offsets_rec_kind { FL_OFFSETS_REC_COMMIT = 1, FL_OFFSETS_REC_GROUP = 2 };

struct fl_offsets_rec {
	enum fl_offsets_rec_kind kind;
	struct fl_slice group, topic;	/* borrowed from the record */
	int32_t partition;
	int is_tombstone;		/* null value */
	/* commit */
	int64_t offset;
	int32_t leader_epoch;
	struct fl_slice metadata;	/* .p NULL: null */
	int64_t commit_ms;
	/* group */
	int32_t generation;
	struct fl_slice protocol_type, protocol;
};

/* Decode one record's key and value (value.p NULL = tombstone); FL_ECORRUPT. */
int fl_offsets_decode(struct fl_slice key, struct fl_slice value, struct fl_offsets_rec *rec);

#endif
