/*
 * place.h: where a new partition's replicas go (DESIGN: "placement
 * (consistent hashing with virtual nodes)"), as pure functions, so that
 * flume-ctl (create, reassign --plan) and flume-sim place alike.
 *
 * The ring: each broker contributes FL_PLACE_VNODES points, the point of
 * (broker b, vnode v) at SplitMix64's output for the 64-bit key b << 32 | v
 * (base/rng.h, one draw from that seed).  A partition (topic, p) sits at
 * SplitMix64's output for murmur2(topic) << 32 | p (base/murmur2.h, Kafka's
 * hash).  Its replicas are the first R distinct brokers met walking
 * clockwise (upwards, wrapping at 2^64) from there, the first one met being
 * the preferred leader.
 *
 * Properties callers and tests rely on:
 *   - Deterministic: the result depends only on the broker ids (as a set,
 *     not their order), the topic name, the partition and R; not on the
 *     host, the process or anything that came before.  The hashes are
 *     pinned by t/unit/test-place.c: changing them moves partitions in every
 *     cluster that re-plans.
 *   - Stable: adding a broker changes only the replica sets it joins, each
 *     by swapping one old member for it, and leaves the order (so the
 *     preferred leader) of every other partition as it was; removing a
 *     broker changes only the replica sets that held it.
 *   - Spread: with B brokers each holds about R/B of the replicas and is
 *     the preferred leader of about 1/B of the partitions; 64 points per
 *     broker keep a share typically within 10-15% of that, relative (3
 *     brokers, 300 partitions: 29%, 32%, 38%).
 *   - Consistent leaders: for a replica list out[] from fl_place(),
 *     fl_place_preferred() of its members gives out[0] back, whatever ring
 *     placed it; so a preferred leader can be recomputed from a stored set.
 *   - No ties: distinct keys give distinct points (SplitMix64's mix is a
 *     bijection on 64 bits), so the order of the ring is total.
 * Two topics whose names share a murmur2 value are placed alike.
 *
 * Ownership: caller storage throughout.  A ring borrows the point array
 * given to fl_place_ring_init() until the caller stops using the ring;
 * nothing to free.
 * Errors: FL_EINVAL (a request the contract forbids: bad R, bad ids, a
 * negative partition), FL_ERANGE (more than FL_PLACE_BROKERS_MAX brokers),
 * FL_EFULL (the point array is too small).
 * Layer: sm (pure: no allocation, no system calls, no clock).
 */
#ifndef FL_PLACE_H
#define FL_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/nodeset.h"

#define FL_PLACE_BROKERS_MAX 1024	/* brokers in one ring */
#define FL_PLACE_VNODES 64		/* points per broker */
/* The points a ring of n brokers needs (16 bytes each: 1 MiB at the maximum). */
#define FL_PLACE_POINTS(n) ((size_t)(n) * FL_PLACE_VNODES)

struct fl_place_point {
	uint64_t pos;			/* where on the ring, 0 .. 2^64 - 1 */
	int32_t broker;
};

struct fl_place_ring {
	struct fl_place_point *point;	/* borrowed: npoint of them, ascending pos */
	size_t npoint;			/* nbroker * FL_PLACE_VNODES */
	size_t nbroker;			/* distinct brokers; 0 in a zeroed ring */
};

/*
 * Build the ring of brokers[0..nbroker) (any order) into point[0..npoint_max),
 * which needs FL_PLACE_POINTS(nbroker) entries and is borrowed by *ring.
 * 0, or FL_EINVAL (a negative or repeated id), FL_ERANGE (nbroker over
 * FL_PLACE_BROKERS_MAX), FL_EFULL (npoint_max too small); on error *ring is
 * the empty ring.  An empty ring (nbroker 0) is valid and places nothing.
 * O(P log P) for P = FL_PLACE_POINTS(nbroker) (an in-place heapsort).
 */
int fl_place_ring_init(struct fl_place_ring *ring, struct fl_place_point *point,
    size_t npoint_max, const int32_t *brokers, size_t nbroker);

/*
 * The r replicas of (topic, partition) into out[0..r): distinct members of
 * the ring in ring order, out[0] the preferred leader.  topic is the
 * NUL-terminated name.  0, or FL_EINVAL when r < 1, r > the ring's brokers,
 * r > FL_REPL_REPLICAS_MAX or partition < 0 (out untouched).
 * O(log P) to find the start, then typically O(r^2); O(P r) at worst
 * (r close to the number of brokers).
 */
int fl_place(const struct fl_place_ring *ring, const char *topic, int32_t partition,
    size_t r, int32_t *out /* OUT: r ids */);

/*
 * How many of the partitions 0..nparts-1 of topic have a different replica
 * set (as a set: a new order alone moves no data) on ring `to` than on ring
 * `from` with r replicas each: the count `flume-ctl reassign --plan`
 * reports.  The count (0..nparts), or FL_EINVAL when nparts < 0 or r is
 * not valid for both rings (see fl_place).  O(nparts) calls of fl_place.
 */
int fl_place_moves(const struct fl_place_ring *from, const struct fl_place_ring *to,
    const char *topic, int32_t nparts, size_t r);

/*
 * The preferred leader of (topic, partition) among an existing replica
 * set, when no ring order was stored: the member whose point comes first
 * clockwise from the partition's position on the ring of those replicas
 * alone (equal to out[0] of fl_place() over any ring holding them all,
 * when they are what it placed).  -1 when replicas is empty or partition
 * < 0.  O(n FL_PLACE_VNODES) hashes for n replicas; no storage.
 */
int32_t fl_place_preferred(const char *topic, int32_t partition,
    const struct fl_nodeset *replicas);

#endif
