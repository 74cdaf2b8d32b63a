/*
 * place.c: consistent hashing with virtual nodes (place.h).
 *
 * The ring is a sorted array, searched by bisection: a tree or a table of
 * buckets would buy nothing at 64 Ki points, and an array sits in caller
 * storage.  It is sorted with a heapsort of our own rather than qsort(),
 * which glibc may implement as a merge sort over a malloc'd buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/murmur2.h"
#include "base/rng.h"
#include "sm/place.h"

/* SplitMix64's first output for seed key: a bijective mix of 64 bits. */
static uint64_t
mix(uint64_t key)
{
	struct fl_rng r;

	fl_rng_seed(&r, key);
	return fl_rng_next(&r);
}

static uint64_t
vnode_pos(int32_t broker, unsigned vnode)
{
	return mix((uint64_t)(uint32_t)broker << 32 | vnode);
}

static uint64_t
part_pos(const char *topic, int32_t partition)
{
	uint32_t t = (uint32_t)fl_murmur2(topic, strlen(topic));

	return mix((uint64_t)t << 32 | (uint32_t)partition);
}

/* Restore the max-heap below i in p[0..n). */
static void
sift_down(struct fl_place_point *p, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct fl_place_point tmp;

		if (c >= n)
			return;
		if (c + 1 < n && p[c + 1].pos > p[c].pos)
			c++;
		if (p[i].pos >= p[c].pos)
			return;
		tmp = p[i];
		p[i] = p[c];
		p[c] = tmp;
		i = c;
	}
}

static void
heapsort_points(struct fl_place_point *p, size_t n)
{
	size_t i;

	for (i = n / 2; i > 0; i--)
		sift_down(p, i - 1, n);
	for (i = n; i > 1; i--) {
		struct fl_place_point tmp = p[0];

		p[0] = p[i - 1];
		p[i - 1] = tmp;
		sift_down(p, 0, i - 1);
	}
}

int
fl_place_ring_init(struct fl_place_ring *ring, struct fl_place_point *point,
    size_t npoint_max, const int32_t *brokers, size_t nbroker)
{
	size_t i, j, k = 0;
	unsigned v;

	memset(ring, 0, sizeof(*ring));
	if (nbroker > FL_PLACE_BROKERS_MAX)
		return FL_ERANGE;
	/* quadratic, but at most half a million compares, once per ring */
	for (i = 0; i < nbroker; i++) {
		if (brokers[i] < 0)
			return FL_EINVAL;
		for (j = 0; j < i; j++)
			if (brokers[j] == brokers[i])
				return FL_EINVAL;
	}
	if (npoint_max < FL_PLACE_POINTS(nbroker))
		return FL_EFULL;
	for (i = 0; i < nbroker; i++)
		for (v = 0; v < FL_PLACE_VNODES; v++) {
			point[k].pos = vnode_pos(brokers[i], v);
			point[k].broker = brokers[i];
			k++;
		}
	/* positions are distinct (mix is a bijection), so the order is total */
	heapsort_points(point, k);
	ring->point = point;
	ring->npoint = k;
	ring->nbroker = nbroker;
	return 0;
}

/* The first point at or after pos, wrapping to 0 past the last. */
static size_t
lower_bound(const struct fl_place_ring *ring, uint64_t pos)
{
	size_t lo = 0, hi = ring->npoint;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ring->point[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == ring->npoint ? 0 : lo;
}

static int
r_ok(const struct fl_place_ring *ring, size_t r)
{
	return r >= 1 && r <= ring->nbroker && r <= FL_REPL_REPLICAS_MAX;
}

int
fl_place(const struct fl_place_ring *ring, const char *topic, int32_t partition,
    size_t r, int32_t *out)
{
	size_t at, i, k, n = 0;

	if (!r_ok(ring, r) || partition < 0)
		return FL_EINVAL;
	at = lower_bound(ring, part_pos(topic, partition));
	/* r <= nbroker, so one lap of the ring always finds r distinct brokers */
	for (i = 0; n < r; i++) {
		int32_t b;

		FL_ASSERT(i < ring->npoint);
		b = ring->point[(at + i) % ring->npoint].broker;
		for (k = 0; k < n && out[k] != b; k++)
			;
		if (k == n)
			out[n++] = b;
	}
	return 0;
}

int
fl_place_moves(const struct fl_place_ring *from, const struct fl_place_ring *to,
    const char *topic, int32_t nparts, size_t r)
{
	int32_t p, a[FL_REPL_REPLICAS_MAX], b[FL_REPL_REPLICAS_MAX];
	int moved = 0;

	if (nparts < 0 || !r_ok(from, r) || !r_ok(to, r))
		return FL_EINVAL;
	for (p = 0; p < nparts; p++) {
		struct fl_nodeset sa, sb;
		size_t i;

		memset(&sa, 0, sizeof(sa));
		memset(&sb, 0, sizeof(sb));
		FL_ASSERT(fl_place(from, topic, p, r, a) == 0);
		FL_ASSERT(fl_place(to, topic, p, r, b) == 0);
		for (i = 0; i < r; i++) {
			FL_ASSERT(fl_nodeset_add(&sa, a[i]) == 0);
			FL_ASSERT(fl_nodeset_add(&sb, b[i]) == 0);
		}
		moved += !fl_nodeset_equal(&sa, &sb);
	}
	return moved;
}

int32_t
fl_place_preferred(const char *topic, int32_t partition, const struct fl_nodeset *replicas)
{
	uint64_t h, best_dist = 0;
	int32_t best = -1;
	size_t i;
	unsigned v;

	if (replicas->n == 0 || partition < 0)
		return -1;
	h = part_pos(topic, partition);
	/*
	 * The clockwise distance from h, modulo 2^64, is least for the point
	 * fl_place()'s walk would meet first: the same answer without the ring.
	 */
	for (i = 0; i < replicas->n; i++)
		for (v = 0; v < FL_PLACE_VNODES; v++) {
			uint64_t d = vnode_pos(replicas->id[i], v) - h;

			if (best < 0 || d < best_dist) {
				best = replicas->id[i];
				best_dist = d;
			}
		}
	return best;
}
