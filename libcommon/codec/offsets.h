/*
 * offsets.h: committed consumer-group offsets: the in-memory table and the
 * record format in which the broker stores them in its internal partition
 * log "__consumer_offsets-0" (so a later compaction keeps only the newest
 * record per key, as Kafka does).
 *
 * The records are Kafka's own (group-coordinator's OffsetCommitKey/Value
 * and GroupMetadataKey/Value), so Kafka's tools and lag monitors that read
 * the topic decode them.  Big-endian; string = int16 length + bytes
 * (nullable: -1 = null); bytes = int32 length + bytes; array = int32 count.
 *   offset commit:  key   = int16 1, string group, string topic, int32 partition
 *                   value = int16 3, int64 offset, int32 leader_epoch,
 *                           string metadata, int64 commit_timestamp
 *   group metadata: key   = int16 2, string group
 *                   value = int16 3, string protocol_type, int32 generation,
 *                           nullable string protocol, nullable string leader,
 *                           int64 current_state_timestamp,
 *                           array of members { string member_id,
 *                           nullable string group_instance_id, string
 *                           client_id, string client_host, int32
 *                           rebalance_timeout, int32 session_timeout, bytes
 *                           subscription, bytes assignment }
 *   A null value (tombstone) deletes the key.
 * Written: key 1 and value 3 for commits, key 2 and value 3 for groups,
 * what Kafka 2.3+ writes.  Read: commit keys 0 and 1, commit values 0-4
 * (v0: offset, metadata, commit ts; v1 adds expire ts at the end; v2 drops
 * it; v3 adds leader_epoch after offset; v4 is v3 flexible: compact strings
 * and tagged fields), group key 2, group values 0-4 (v1 adds
 * rebalance_timeout, v2 current_state_timestamp, v3 group_instance_id, v4
 * flexible).  Metadata is not nullable in Kafka's schema: a commit with
 * null metadata is stored as "" (Kafka does the same), so it reads back as
 * "".
 *
 * Flume before this format wrote its own "legacy" layout (DESIGN section
 * 7.2): commit values labelled version 1 but laid out as version 3 with
 * nullable metadata, and group values (int16 1, int32 generation, string
 * protocol_type, string protocol).  The labels collide with Kafka's v1
 * layouts and a record of one can parse as the other, so the two are never
 * told apart by their bytes: every record flume writes now carries the
 * record header FL_OFFSETS_HEADER_KEY (value FL_OFFSETS_HEADER_VALUE),
 * which Kafka's readers ignore and legacy records never had.
 * fl_offsets_decode_legacy() reads the records without it.
 *
 * Decoders reject unknown versions and anything short or trailing
 * (FL_ECORRUPT), so a damaged or newer record is skipped, never trusted.
 *
 * Ownership: struct fl_offsets is caller storage (init/free); it copies
 * everything it stores.  Lookups return borrowed pointers valid until the
 * next change to the table.  Decoded records borrow the key and value
 * bytes.  Pure apart from malloc.  Not thread-safe.
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
	const char *metadata;		/* NULL: null metadata (legacy records only) */
	int64_t commit_ms;
	int is_legacy;			/* replayed from a record in the legacy layout */
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

#define FL_OFFSETS_KEY_COMMIT 1		/* OffsetCommitKey version written (0 reads too) */
#define FL_OFFSETS_KEY_GROUP 2		/* GroupMetadataKey version */
#define FL_OFFSETS_VALUE_COMMIT 3	/* OffsetCommitValue version written */
#define FL_OFFSETS_VALUE_GROUP 3	/* GroupMetadataValue version written */
#define FL_OFFSETS_HEADER_KEY "flume-schema"	/* on every record written: ... */
#define FL_OFFSETS_HEADER_VALUE "kafka"		/* ... its key and value are Kafka's */

/* One member of a group value (borrowed slices). */
struct fl_offsets_member {
	struct fl_slice member_id;
	struct fl_slice instance_id;	/* .p NULL: null (a dynamic member) */
	struct fl_slice client_id, client_host;
	int32_t rebalance_ms;		/* -1 when the version has none (v0) */
	int32_t session_ms;
	struct fl_slice subscription;	/* protocol metadata for the group's protocol */
	struct fl_slice assignment;
};

/* What a group value holds (borrowed slices). */
struct fl_offsets_group {
	struct fl_slice protocol_type;
	int32_t generation;
	struct fl_slice protocol;	/* .p NULL: null (no protocol chosen) */
	struct fl_slice leader;		/* .p NULL: null */
	int64_t state_ms;		/* current_state_timestamp; -1: none */
	const struct fl_offsets_member *members;
	size_t nmembers;
};

/* Append the key and value of an offset-commit record to w (metadata NULL: ""). */
void fl_offsets_key_commit(struct fl_wr *w, struct fl_slice group, struct fl_slice topic,
    int32_t partition);
void fl_offsets_value_commit(struct fl_wr *w, const struct fl_offset_commit *c);
/* Append the key and value of a group metadata record to w. */
void fl_offsets_key_group(struct fl_wr *w, struct fl_slice group);
void fl_offsets_value_group(struct fl_wr *w, const struct fl_offsets_group *g);

enum fl_offsets_rec_kind { FL_OFFSETS_REC_COMMIT = 1, FL_OFFSETS_REC_GROUP = 2 };

struct fl_offsets_rec {
	enum fl_offsets_rec_kind kind;
	int16_t key_version, value_version;	/* value_version -1: tombstone */
	struct fl_slice group, topic;	/* borrowed from the record */
	int32_t partition;
	int is_tombstone;		/* null value */
	/* commit */
	int64_t offset;
	int32_t leader_epoch;		/* -1 when the version has none */
	struct fl_slice metadata;	/* .p NULL: null (legacy records only) */
	int64_t commit_ms;
	int64_t expire_ms;		/* v1 only; else -1 */
	/* group: members is NULL; walk them with fl_offsets_member_next */
	struct fl_offsets_group g;
	struct fl_slice members_raw;	/* the member array's elements, checked */
};

/*
 * Decode one record's key and value (value.p NULL = tombstone) in Kafka's
 * schemas; FL_ECORRUPT for anything else.  A group value's members are all
 * checked here, so walking them afterwards cannot fail.
 */
int fl_offsets_decode(struct fl_slice key, struct fl_slice value, struct fl_offsets_rec *rec);

/*
 * The next member of a decoded group record: 1 and *m, or 0 after the
 * last.  *cur starts zeroed (memset) and is the walk's state.
 */
int fl_offsets_member_next(const struct fl_offsets_rec *rec, struct fl_rd *cur,
    struct fl_offsets_member *m);

/*
 * Decode a record in flume's legacy layout (see the top of this file):
 * commit and group keys as above, legacy values only; FL_ECORRUPT else
 * (Kafka's value versions included).
 */
int fl_offsets_decode_legacy(struct fl_slice key, struct fl_slice value,
    struct fl_offsets_rec *rec);

#endif
