/*
 * test-place.c: replica placement by consistent hashing (sm/place.h):
 * pinned vectors, the contract's errors, and the properties that matter
 * (spread, stability when brokers come and go, consistent leaders).
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "sm/place.h"
#include "tap.h"

#define RING_BROKERS_MAX 24

/* A ring with its points: caller storage, as place.h asks. */
struct ring {
	struct fl_place_ring r;
	struct fl_place_point pt[FL_PLACE_POINTS(RING_BROKERS_MAX)];
};

static void
ring_ids(struct ring *g, const int32_t *ids, size_t n)
{
	FL_ASSERT(n <= RING_BROKERS_MAX);
	FL_ASSERT(fl_place_ring_init(&g->r, g->pt, FL_ARRAY_LEN(g->pt), ids, n) == 0);
}

/* The ring of brokers first, first + 1, ..., first + n - 1. */
static void
ring_range(struct ring *g, int32_t first, size_t n)
{
	int32_t ids[RING_BROKERS_MAX];
	size_t i;

	FL_ASSERT(n <= RING_BROKERS_MAX);
	for (i = 0; i < n; i++)
		ids[i] = first + (int32_t)i;
	ring_ids(g, ids, n);
}

static struct fl_nodeset
set_of(const int32_t *ids, size_t n)
{
	struct fl_nodeset s;
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++)
		FL_ASSERT(fl_nodeset_add(&s, ids[i]) == 0);
	return s;
}

static int
has(const int32_t *ids, size_t n, int32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static void
format_ids(char *buf, size_t n, const int32_t *ids, size_t nid)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < nid && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%d", i ? "," : "", (int)ids[i]);
}

/* Known answers: computed once, pinned; a change here re-places every cluster. */
static void
test_vectors(void)
{
	static const struct {
		const char *brokers;	/* the ring, "1,2,3" */
		const char *topic;
		int32_t partition;
		size_t r;
		const char *want;	/* replicas in ring order, leader first */
	} tab[] = {
		{ "1,2,3", "orders", 0, 1, "3" },
		{ "1,2,3", "orders", 0, 3, "3,1,2" },
		{ "1,2,3", "orders", 1, 3, "3,1,2" },
		{ "1,2,3", "orders", 2, 3, "1,3,2" },
		{ "1,2,3,4,5", "orders", 0, 3, "5,3,4" },
		{ "1,2,3,4,5", "orders", 7, 2, "4,1" },
		{ "1,2,3,4,5", "payments", 0, 3, "2,3,1" },
		{ "1,2,3,4,5", "payments", 9999, 5, "5,4,3,1,2" },
		{ "101,205,333,4096", "t", 0, 2, "205,4096" },
		{ "101,205,333,4096", "t", 1, 4, "333,101,4096,205" },
		{ "0", "x", 0, 1, "0" },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		struct ring g, rev;
		struct fl_nodeset s;
		int32_t out[FL_REPL_REPLICAS_MAX], again[FL_REPL_REPLICAS_MAX], back[RING_BROKERS_MAX];
		char got[128], what[160];
		size_t k;

		memset(&s, 0, sizeof(s));
		FL_ASSERT(fl_nodeset_parse(&s, tab[i].brokers) == 0);
		ring_ids(&g, s.id, s.n);
		for (k = 0; k < s.n; k++)
			back[k] = s.id[s.n - 1 - k];
		ring_ids(&rev, back, s.n);
		snprintf(what, sizeof(what), "ring %s: %s-%d, r=%zu is %s", tab[i].brokers,
		    tab[i].topic, (int)tab[i].partition, tab[i].r, tab[i].want);
		FL_ASSERT(fl_place(&g.r, tab[i].topic, tab[i].partition, tab[i].r, out) == 0);
		format_ids(got, sizeof(got), out, tab[i].r);
		if (!CHECK(strcmp(got, tab[i].want) == 0, what))
			printf("#   got %s\n", got);
		FL_ASSERT(fl_place(&g.r, tab[i].topic, tab[i].partition, tab[i].r, again) == 0);
		snprintf(what, sizeof(what), "ring %s: %s-%d, r=%zu: again the same",
		    tab[i].brokers, tab[i].topic, (int)tab[i].partition, tab[i].r);
		CHECK_MEM(out, again, tab[i].r * sizeof(out[0]), what);
		FL_ASSERT(fl_place(&rev.r, tab[i].topic, tab[i].partition, tab[i].r, again) == 0);
		snprintf(what, sizeof(what), "ring %s: %s-%d, r=%zu: brokers given backwards, same",
		    tab[i].brokers, tab[i].topic, (int)tab[i].partition, tab[i].r);
		CHECK_MEM(out, again, tab[i].r * sizeof(out[0]), what);
		s = set_of(out, tab[i].r);
		snprintf(what, sizeof(what), "ring %s: %s-%d, r=%zu: preferred of the set is %d",
		    tab[i].brokers, tab[i].topic, (int)tab[i].partition, tab[i].r, (int)out[0]);
		CHECK_INT(fl_place_preferred(tab[i].topic, tab[i].partition, &s), ==, out[0], what);
	}
}

/* Every placement is r distinct members of the ring, for every valid r. */
static void
test_distinct_members(void)
{
	size_t n, r;

	for (n = 1; n <= 20; n++) {
		struct ring g;
		int bad = 0;
		char what[96];

		ring_range(&g, 10, n);
		for (r = 1; r <= n && r <= FL_REPL_REPLICAS_MAX; r++) {
			int32_t p;

			for (p = 0; p < 100; p++) {
				int32_t out[FL_REPL_REPLICAS_MAX];
				size_t i;

				if (fl_place(&g.r, "events", p, r, out) != 0) {
					bad++;
					continue;
				}
				for (i = 0; i < r; i++)
					if (out[i] < 10 || out[i] >= 10 + (int32_t)n ||
					    has(out, i, out[i]))
						bad++;
			}
		}
		snprintf(what, sizeof(what),
		    "%zu brokers: every r gives r distinct members (100 partitions each)", n);
		CHECK_INT(bad, ==, 0, what);
	}
}

static void
test_errors(void)
{
	static const int32_t dup[] = { 1, 2, 1 }, neg[] = { 1, -2, 3 }, three[] = { 1, 2, 3 };
	static int32_t many[FL_PLACE_BROKERS_MAX + 1];
	static struct fl_place_point all[FL_PLACE_POINTS(FL_PLACE_BROKERS_MAX)];
	static const struct {
		const char *what;
		size_t nbroker;		/* ring 1..nbroker */
		int32_t partition;
		size_t r;
		int rc;
	} tab[] = {
		{ "r = 0", 3, 0, 0, FL_EINVAL },
		{ "r over the brokers", 3, 0, 4, FL_EINVAL },
		{ "r = the brokers", 3, 0, 3, 0 },
		{ "r over FL_REPL_REPLICAS_MAX", 20, 0, 17, FL_EINVAL },
		{ "r = FL_REPL_REPLICAS_MAX", 20, 0, 16, 0 },
		{ "a negative partition", 3, -1, 1, FL_EINVAL },
		{ "the empty ring places nothing", 0, 0, 1, FL_EINVAL },
	};
	struct fl_place_point pt[FL_PLACE_POINTS(3)];
	struct fl_place_ring ring;
	struct ring g, h;
	struct fl_nodeset none, two;
	int32_t out[FL_REPL_REPLICAS_MAX];
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		ring_range(&g, 1, tab[i].nbroker);
		out[0] = 12345;
		CHECK_INT(fl_place(&g.r, "t", tab[i].partition, tab[i].r, out), ==, tab[i].rc,
		    tab[i].what);
		if (tab[i].rc != 0)
			CHECK_INT(out[0], ==, 12345, "... and out is untouched");
	}

	CHECK_INT(fl_place_ring_init(&ring, pt, FL_ARRAY_LEN(pt), dup, 3), ==, FL_EINVAL,
	    "ring: a repeated broker id");
	CHECK_INT(ring.nbroker, ==, 0, "... leaves the empty ring");
	CHECK_INT(fl_place_ring_init(&ring, pt, FL_ARRAY_LEN(pt), neg, 3), ==, FL_EINVAL,
	    "ring: a negative broker id");
	CHECK_INT(fl_place_ring_init(&ring, pt, FL_ARRAY_LEN(pt) - 1, three, 3), ==, FL_EFULL,
	    "ring: one point short of storage");
	for (i = 0; i < FL_ARRAY_LEN(many); i++)
		many[i] = (int32_t)i;
	CHECK_INT(fl_place_ring_init(&ring, pt, FL_ARRAY_LEN(pt), many, FL_ARRAY_LEN(many)), ==,
	    FL_ERANGE, "ring: FL_PLACE_BROKERS_MAX + 1 brokers");
	CHECK_INT(fl_place_ring_init(&ring, all, FL_ARRAY_LEN(all), many, FL_PLACE_BROKERS_MAX),
	    ==, 0, "ring: FL_PLACE_BROKERS_MAX brokers");
	CHECK_INT(fl_place(&ring, "t", 0, FL_REPL_REPLICAS_MAX, out), ==, 0,
	    "... places FL_REPL_REPLICAS_MAX replicas");
	for (i = 1; i < ring.npoint && ring.point[i - 1].pos < ring.point[i].pos; i++)
		;
	CHECK_INT(i, ==, FL_PLACE_POINTS(FL_PLACE_BROKERS_MAX),
	    "... its 64 Ki points strictly ascend (sorted, no ties)");
	CHECK_INT(fl_place_ring_init(&ring, pt, FL_ARRAY_LEN(pt), three, 3), ==, 0,
	    "ring: exactly enough storage");
	CHECK_INT(fl_place_ring_init(&ring, NULL, 0, NULL, 0), ==, 0, "ring: empty is valid");

	ring_range(&g, 1, 3);
	ring_range(&h, 1, 2);
	CHECK_INT(fl_place_moves(&g.r, &g.r, "t", -1, 1), ==, FL_EINVAL, "moves: nparts < 0");
	CHECK_INT(fl_place_moves(&g.r, &h.r, "t", 10, 3), ==, FL_EINVAL,
	    "moves: r valid for one ring only");
	CHECK_INT(fl_place_moves(&g.r, &h.r, "t", 0, 1), ==, 0, "moves: no partitions, no moves");
	CHECK_INT(fl_place_moves(&g.r, &g.r, "t", 1000, 3), ==, 0, "moves: the same ring, none");

	memset(&none, 0, sizeof(none));
	two = set_of(three, 2);
	CHECK_INT(fl_place_preferred("t", 0, &none), ==, -1, "preferred: no replicas, -1");
	CHECK_INT(fl_place_preferred("t", -1, &two), ==, -1, "preferred: a negative partition, -1");
}

/* Each of B brokers' share of counts[], in per cent, must lie in [lo, hi]. */
static void
check_shares(const int *counts, size_t nbroker, int total, int lo, int hi, const char *what)
{
	size_t i;

	for (i = 0; i < nbroker; i++) {
		char w[160];
		int pct = counts[i] * 100 / total;

		snprintf(w, sizeof(w), "%s: broker %zu holds %d%% (%d-%d%%)", what, i + 1, pct,
		    lo, hi);
		CHECK(pct >= lo && pct <= hi, w);
	}
}

static void
test_balance(void)
{
	struct ring g;
	int own[3] = { 0 }, lead[3] = { 0 }, whole = 0;
	int32_t p;

	ring_range(&g, 1, 3);
	for (p = 0; p < 300; p++) {
		int32_t out[3];
		struct fl_nodeset s;

		FL_ASSERT(fl_place(&g.r, "balance", p, 1, out) == 0);
		own[out[0] - 1]++;
		FL_ASSERT(fl_place(&g.r, "balance", p, 3, out) == 0);
		lead[out[0] - 1]++;
		s = set_of(out, 3);
		whole += s.n == 3;
	}
	check_shares(own, 3, 300, 20, 45, "3 brokers, 300 partitions, r=1");
	check_shares(lead, 3, 300, 20, 45, "3 brokers, 300 partitions, r=3: preferred leaders");
	CHECK_INT(whole, ==, 300, "3 brokers, r=3: every partition on all three");
}

/*
 * fl_place_preferred() over a placed set gives its out[0] back, on the
 * ring that placed it and on the ring of the replicas alone.
 */
static void
test_preferred(void)
{
	struct ring g;
	int agree = 0, agree_own = 0;
	int32_t p;

	ring_range(&g, 1, 7);
	for (p = 0; p < 500; p++) {
		int32_t out[3], mine[1];
		struct fl_nodeset s;
		struct ring sub;

		FL_ASSERT(fl_place(&g.r, "lead", p, 3, out) == 0);
		s = set_of(out, 3);
		agree += fl_place_preferred("lead", p, &s) == out[0];
		ring_ids(&sub, s.id, s.n);
		FL_ASSERT(fl_place(&sub.r, "lead", p, 1, mine) == 0);
		agree_own += mine[0] == out[0];
	}
	CHECK_INT(agree, ==, 500, "7 brokers, r=3: preferred(replicas) is out[0], 500 of 500");
	CHECK_INT(agree_own, ==, 500, "... and the ring of the replicas alone agrees");
}

/*
 * What changes between two rings, partition by partition: old and new
 * replica lists of r, for the stability checks below.
 */
struct diff {
	int changed, bad_add, bad_order, bad_remove, had_gone, moves;
};

/*
 * from -> to over nparts partitions where `to` adds broker `added`
 * (added >= 0) or drops broker `gone` (gone >= 0).
 */
static struct diff
compare(const struct ring *from, const struct ring *to, int32_t nparts, size_t r,
    int32_t added, int32_t gone)
{
	struct diff d;
	int32_t p;

	memset(&d, 0, sizeof(d));
	for (p = 0; p < nparts; p++) {
		int32_t a[FL_REPL_REPLICAS_MAX], b[FL_REPL_REPLICAS_MAX];
		struct fl_nodeset sa, sb;
		size_t i, common = 0;

		FL_ASSERT(fl_place(&from->r, "stable", p, r, a) == 0);
		FL_ASSERT(fl_place(&to->r, "stable", p, r, b) == 0);
		sa = set_of(a, r);
		sb = set_of(b, r);
		for (i = 0; i < r; i++)
			common += has(b, r, a[i]);
		d.had_gone += gone >= 0 && has(a, r, gone);
		if (fl_nodeset_equal(&sa, &sb)) {
			/* not joined: not even the leader moves */
			d.bad_order += memcmp(a, b, r * sizeof(a[0])) != 0;
			continue;
		}
		d.changed++;
		/* a joiner swaps one member for itself; a leaver had been one */
		if (added >= 0)
			d.bad_add += !has(b, r, added) || common != r - 1;
		if (gone >= 0)
			d.bad_remove += !has(a, r, gone);
	}
	d.moves = fl_place_moves(&from->r, &to->r, "stable", nparts, r);
	return d;
}

static void
test_stability(void)
{
	struct ring four, five, no3;
	struct diff d;
	int32_t ids[4] = { 1, 2, 4, 5 };
	char what[128];

	ring_range(&four, 1, 4);
	ring_range(&five, 1, 5);
	ring_ids(&no3, ids, 4);

	d = compare(&four, &five, 1000, 1, 5, -1);
	CHECK_INT(d.bad_add, ==, 0, "4 -> 5 brokers, r=1: only partitions now on broker 5 move");
	CHECK_INT(d.bad_order, ==, 0, "4 -> 5, r=1: the others stay put");
	snprintf(what, sizeof(what), "4 -> 5, r=1: %d of 1000 move (100-350)", d.changed);
	CHECK(d.changed >= 100 && d.changed <= 350, what);
	CHECK_INT(d.moves, ==, d.changed, "4 -> 5, r=1: fl_place_moves counts them");

	d = compare(&four, &five, 1000, 3, 5, -1);
	CHECK_INT(d.bad_add, ==, 0,
	    "4 -> 5 brokers, r=3: each changed set gained broker 5 for one old member");
	CHECK_INT(d.bad_order, ==, 0, "4 -> 5, r=3: unchanged sets keep their order and leader");
	CHECK_INT(d.moves, ==, d.changed, "4 -> 5, r=3: fl_place_moves counts them");
	snprintf(what, sizeof(what), "4 -> 5, r=3: %d of 1000 move (some, not all)", d.changed);
	CHECK(d.changed > 0 && d.changed < 1000, what);

	d = compare(&five, &no3, 1000, 1, -1, 3);
	CHECK_INT(d.bad_remove, ==, 0, "5 brokers less broker 3, r=1: only its partitions move");
	CHECK_INT(d.changed, ==, d.had_gone, "... all of them");
	CHECK_INT(d.bad_order, ==, 0, "... and the others stay put");
	CHECK_INT(d.moves, ==, d.had_gone, "... fl_place_moves counts them");

	d = compare(&five, &no3, 1000, 3, -1, 3);
	CHECK_INT(d.bad_remove, ==, 0, "5 brokers less broker 3, r=3: only sets that held it move");
	CHECK_INT(d.changed, ==, d.had_gone, "... all of them");
	CHECK_INT(d.bad_order, ==, 0, "... and the others keep their order");
	CHECK_INT(d.moves, ==, d.had_gone, "... fl_place_moves counts them");
}

int
main(void)
{
	test_vectors();
	test_distinct_members();
	test_errors();
	test_balance();
	test_preferred();
	test_stability();
	return tap_done();
}
