/*
 * cproto.h: Kafka's "ConsumerProtocol" byte layouts, the opaque payloads a
 * consumer group carries: the subscription a member puts in its JoinGroup
 * protocol metadata, and the assignment the leader hands each member in
 * SyncGroup.  The coordinator never looks inside them (kafka-subset.md §6);
 * only group members do.
 *
 * Layouts (Kafka's ConsumerProtocolSubscription.json and
 * ConsumerProtocolAssignment.json, non-flexible, big-endian):
 *
 *   Subscription: int16 Version
 *                 [string] Topics
 *                 nullable bytes UserData
 *                 [{string Topic, [int32] Partitions}] OwnedPartitions  (v1+)
 *                 int32 GenerationId                                    (v2+)
 *   Assignment:   int16 Version
 *                 [{string Topic, [int32] Partitions}] AssignedPartitions
 *                 nullable bytes UserData
 *
 * Kafka's rule for versions: a newer version only appends fields, so a
 * decoder reads a version above the ones it knows with its newest layout
 * and ignores the bytes after it.  For a version it knows, bytes left over
 * are a protocol error.
 *
 * Ownership: encoders append to a caller's struct fl_wr and only read their
 * arguments.  Decoded structs BORROW the input bytes (every struct fl_slice
 * points into them) and OWN their arrays: fl_cp_sub_free / fl_cp_asg_free
 * release them (freeing a zeroed struct is a no-op).  Keep the input alive
 * while a decoded struct is used.  Every array count is checked against
 * the bytes left before anything is allocated.
 *
 * Errors: 0 or negative FL_E*.  Encoders return the writer's sticky error
 * (FL_EFULL, FL_ENOMEM, FL_ERANGE) or FL_EINVAL for a version below 0 or
 * above FL_CP_SUB_VERSION_MAX.  Decoders: FL_ESHORT, FL_EPROTO (negative
 * version or length, impossible count, trailing bytes), FL_ENOMEM; on
 * failure the struct is left freed and zeroed.
 *
 * Pure: no I/O, no clock, no globals; malloc only.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_CPROTO_H
#define FL_CPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

#define FL_CP_SUB_VERSION_MAX	2	/* newest subscription layout known */
#define FL_CP_ASG_VERSION_MAX	2	/* v1 and v2 add nothing to v0 */

/* Encoder input: partitions of one topic. */
struct fl_cp_tp_in {
	const char *topic;
	const int32_t *parts;
	size_t nparts;
};

/* Decoded partitions of one topic. */
struct fl_cp_tparts {
	struct fl_slice topic;		/* borrowed */
	int32_t *parts;			/* owned */
	size_t nparts;
};

struct fl_cp_sub {
	int16_t version;
	struct fl_slice *topics;	/* owned array of borrowed names */
	size_t ntopics;
	struct fl_slice user_data;	/* p NULL: null */
	struct fl_cp_tparts *owned;	/* owned; v1+ (0 entries before) */
	size_t nowned;
	int32_t generation;		/* v2+; -1 before */
};

struct fl_cp_asg {
	int16_t version;
	struct fl_cp_tparts *tps;	/* owned */
	size_t ntps;
	struct fl_slice user_data;	/* p NULL: null */
};

/*
 * Append a subscription of the given version (0: topics and null user
 * data only; 1: plus owned partitions; 2: plus generation).  Fields a
 * version lacks are not written.
 */
int fl_cp_sub_encode(struct fl_wr *w, int16_t version,
    const char *const *topics, size_t ntopics,
    const struct fl_cp_tp_in *owned, size_t nowned, int32_t generation);
int fl_cp_sub_decode(const uint8_t *p, size_t n, struct fl_cp_sub *s);
void fl_cp_sub_free(struct fl_cp_sub *s);

/* Append an assignment (version 0 layout, null user data). */
int fl_cp_asg_encode(struct fl_wr *w, const struct fl_cp_tp_in *tps, size_t ntps);
/*
 * Decode an assignment.  An empty payload (n == 0) is the empty
 * assignment: the coordinator sends zero bytes to members the leader left
 * out, and on SyncGroup errors.
 */
int fl_cp_asg_decode(const uint8_t *p, size_t n, struct fl_cp_asg *a);
void fl_cp_asg_free(struct fl_cp_asg *a);

#endif
