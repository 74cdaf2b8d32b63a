/*
 * sticky.h: the partition assignor flume-cat's group leader runs.  Given
 * the members of a consumer group (their subscriptions and the partitions
 * each owned before the rebalance) and the partition count of every topic,
 * it decides which member consumes which partition.
 *
 * Properties callers and tests rely on:
 *   - Complete: every partition of a topic at least one member subscribes
 *     to goes to exactly one member subscribed to that topic; partitions of
 *     topics nobody subscribes to go to nobody.
 *   - Balanced: no member holds a partition that another member, also
 *     subscribed to its topic, could take while holding two or more fewer
 *     partitions.  So members with identical subscriptions end up with
 *     partition counts that differ by at most one.
 *   - Sticky: a partition stays with its previous owner unless balance
 *     requires moving it.  When every member subscribes to the same topics
 *     the number of partitions moved is the minimum any balanced
 *     assignment needs (the owners with the most partitions keep the
 *     larger shares).  With differing subscriptions the result is balanced
 *     in the sense above and moves are few but not proven minimal.
 *   - Deterministic: the result depends on the input as a set, never on
 *     the order of members, topics or owned partitions; ties go to the
 *     member whose id sorts first (strcmp).
 *
 * Previous ownership is a claim.  It counts only for a member still
 * subscribed to the topic, for a partition that still exists; when two
 * members claim a partition, the claim with the higher generation wins,
 * and between equal generations the member id that sorts first.
 *
 * Protocol name: FL_STICKY_PROTOCOL ("flume-sticky"), deliberately not
 * Kafka's "sticky" or "cooperative-sticky": those names promise Kafka's
 * user-data formats and (for cooperative) incremental revocation, which
 * this assignor does not implement.  A foreign client that joins the same
 * group therefore gets INCONSISTENT_GROUP_PROTOCOL instead of an
 * assignment it would misread.  Subscriptions carry the owned partitions
 * in ConsumerProtocol v1+ fields and the generation in v2 (cproto.h).
 *
 * Ownership: inputs are only read.  fl_sticky_assign() fills a
 * caller-owned result whose arrays it owns; fl_sticky_result_free()
 * releases them (a zeroed result frees nothing).
 * Errors: 0, FL_EINVAL (two members share an id, or two topics a name),
 * FL_ERANGE (more than FL_STICKY_MEMBERS_MAX members, FL_STICKY_TOPICS_MAX
 * topics or FL_STICKY_PARTS_MAX partitions in all), FL_ENOMEM; on error
 * the result is zeroed.
 * Pure: no I/O, no clock, no globals; malloc only.
 * Layer: sm (may include base/, codec/ and sm/; pure: no system calls, no clock).
 */
#ifndef FL_STICKY_H
#define FL_STICKY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define FL_STICKY_PROTOCOL	"flume-sticky"
#define FL_STICKY_MEMBERS_MAX	10000
#define FL_STICKY_TOPICS_MAX	10000
#define FL_STICKY_PARTS_MAX	1000000

struct fl_sticky_tp {
	const char *topic;
	int32_t partition;
};

struct fl_sticky_member {
	const char *id;			/* unique among members */
	const char *const *topics;	/* subscription; duplicates harmless */
	size_t ntopics;
	const struct fl_sticky_tp *owned;	/* claimed from before */
	size_t nowned;
	int32_t generation;		/* of the claims; -1 unknown */
};

struct fl_sticky_topic {
	const char *name;
	int32_t nparts;			/* <= 0: unknown topic, assigned to nobody */
};

/* One assigned partition: topic is an index into the caller's topic array. */
struct fl_sticky_part {
	size_t topic;
	int32_t partition;
};

struct fl_sticky_assigned {
	struct fl_sticky_part *parts;	/* owned; sorted by topic name, partition */
	size_t nparts;
};

struct fl_sticky_result {
	struct fl_sticky_assigned *members;	/* owned; one per input member, same order */
	size_t nmembers;
	size_t nkept;			/* partitions left with their valid previous owner */
	size_t nmoved;			/* partitions taken from a valid previous owner */
	size_t nfresh;			/* partitions that had no valid previous owner */
};

int fl_sticky_assign(const struct fl_sticky_member *members, size_t nmembers,
    const struct fl_sticky_topic *topics, size_t ntopics,
    struct fl_sticky_result *out);
void fl_sticky_result_free(struct fl_sticky_result *r);

#endif
