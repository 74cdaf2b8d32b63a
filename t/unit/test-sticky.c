/*
 * test-sticky: the flume-sticky assignor.  Table tests for the small cases
 * a reader can check by hand, then seeded random rounds of members joining
 * and leaving (each round's output fed back as the next round's owned
 * partitions, as group members do) checking after every round:
 *   complete      every partition of a subscribed topic has exactly one
 *                 owner, who subscribes to its topic; others have none
 *   balanced      no owner could hand a partition to a subscriber holding
 *                 two or more fewer (identical subscriptions: max-min <= 1)
 *   minimal       identical subscriptions: partitions moved equal the lower
 *                 bound sum(max(0, kept_i - quota_i)) with the ceil quotas
 *                 given to the members that kept the most
 *   deterministic shuffled members, topics and owned lists give the same
 *                 assignment
 * A failing round prints its seed and round number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sm/sticky.h"
#include "tap.h"

/* ---- a small group model ---- */

#define M_MAX 12
#define T_MAX 4
#define P_MAX 400

struct tmember {
	char id[16];
	int is_in;
	const char *subs[T_MAX];
	size_t nsubs;
	struct fl_sticky_tp owned[P_MAX];
	size_t nowned;
	int32_t generation;
	struct fl_sticky_tp old[P_MAX];	/* owned one round earlier */
	size_t nold;
	int32_t old_generation;
};

struct model {
	struct tmember m[M_MAX];
	struct fl_sticky_topic t[T_MAX];
	size_t nt;
};

static const char *const tnames[T_MAX] = { "alpha", "beta", "gamma", "delta" };

/* Find a topic's index by name, -1 if missing. */
static long
tindex(const struct fl_sticky_topic *t, size_t nt, const char *name)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (strcmp(t[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int
subscribes(const struct tmember *m, const char *topic)
{
	size_t i;

	for (i = 0; i < m->nsubs; i++)
		if (strcmp(m->subs[i], topic) == 0)
			return 1;
	return 0;
}

/* Build the input array of the members that are in; idx[k] = model index. */
static size_t
inputs(struct model *md, struct fl_sticky_member *in, size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < M_MAX; i++) {
		if (!md->m[i].is_in)
			continue;
		in[n].id = md->m[i].id;
		in[n].topics = md->m[i].subs;
		in[n].ntopics = md->m[i].nsubs;
		in[n].owned = md->m[i].owned;
		in[n].nowned = md->m[i].nowned;
		in[n].generation = md->m[i].generation;
		idx[n++] = i;
	}
	return n;
}

/* Render a member's assignment as "topic:p topic:p" for comparisons. */
static void
render(const struct fl_sticky_assigned *a, const struct fl_sticky_topic *t,
    char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < a->nparts && off < len; i++) {
		int k = snprintf(buf + off, len - off, "%s%s:%d", i ? " " : "",
		    t[a->parts[i].topic].name, (int)a->parts[i].partition);

		if (k < 0)
			break;
		off += (size_t)k;
	}
}

struct verdict {
	int complete, balanced, minimal, deterministic;
};

/*
 * The minimal-move lower bound for identical subscriptions: valid claims
 * per member (after conflict resolution, which we recompute here the
 * simple way), quotas floor/ceil with the ceil ones to the largest keepers.
 */
static size_t
lower_bound(struct model *md, const struct fl_sticky_member *in, size_t n)
{
	static long owner[T_MAX][P_MAX];
	static int32_t ogen[T_MAX][P_MAX];
	size_t kept[M_MAX] = { 0 }, total = 0, i, j, lb = 0, r;
	long k;

	for (i = 0; i < md->nt; i++)
		for (j = 0; j < (size_t)md->t[i].nparts; j++)
			owner[i][j] = -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < in[i].nowned; j++) {
			long ti = tindex(md->t, md->nt, in[i].owned[j].topic);
			int32_t p = in[i].owned[j].partition;

			/* identical subscriptions cover every topic */
			if (ti < 0 || p < 0 || p >= md->t[ti].nparts)
				continue;
			if (owner[ti][p] < 0 || in[i].generation > ogen[ti][p] ||
			    (in[i].generation == ogen[ti][p] &&
			    strcmp(in[i].id, in[owner[ti][p]].id) < 0)) {
				owner[ti][p] = (long)i;
				ogen[ti][p] = in[i].generation;
			}
		}
	for (i = 0; i < md->nt; i++) {
		for (j = 0; j < (size_t)md->t[i].nparts; j++) {
			total++;
			if (owner[i][j] >= 0)
				kept[owner[i][j]]++;
		}
	}
	/* sort kept descending */
	for (i = 1; i < n; i++)
		for (k = (long)i; k > 0 && kept[k - 1] < kept[k]; k--) {
			size_t tmp = kept[k];

			kept[k] = kept[k - 1];
			kept[k - 1] = tmp;
		}
	r = total % n;
	for (i = 0; i < n; i++) {
		size_t q = total / n + (i < r ? 1 : 0);

		lb += kept[i] > q ? kept[i] - q : 0;
	}
	return lb;
}

static void
shuffle(struct fl_rng *s, void *base, size_t n, size_t size)
{
	unsigned char tmp[sizeof(struct fl_sticky_member) > sizeof(struct fl_sticky_tp) ?
	    sizeof(struct fl_sticky_member) : sizeof(struct fl_sticky_tp)];
	unsigned char *b = base;
	size_t i;

	FL_ASSERT(size <= sizeof(tmp));
	for (i = n; i > 1; i--) {
		size_t j = (size_t)fl_rng_below(s, i);

		memcpy(tmp, b + (i - 1) * size, size);
		memcpy(b + (i - 1) * size, b + j * size, size);
		memcpy(b + j * size, tmp, size);
	}
}

/* Check one round's result; update the model's owned lists from it. */
static void
judge(struct model *md, struct fl_rng *s, int is_same_subs, struct verdict *v,
    uint64_t seed, int round)
{
	struct fl_sticky_member in[M_MAX], in2[M_MAX];
	struct fl_sticky_tp owned2[M_MAX][P_MAX];
	struct fl_sticky_topic t2[T_MAX];
	struct fl_sticky_result r, r2;
	size_t idx[M_MAX], n, i, j, k, lb = 0;
	static int seen[T_MAX][P_MAX];
	int ok;

	n = inputs(md, in, idx);
	if (is_same_subs && n > 0)
		lb = lower_bound(md, in, n);
	FL_ASSERT(fl_sticky_assign(in, n, md->t, md->nt, &r) == 0);

	/* complete */
	ok = 1;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		for (j = 0; j < r.members[i].nparts; j++) {
			const struct fl_sticky_part *p = &r.members[i].parts[j];

			if (p->partition < 0 || p->partition >= md->t[p->topic].nparts ||
			    !subscribes(&md->m[idx[i]], md->t[p->topic].name) ||
			    seen[p->topic][p->partition]++)
				ok = 0;
		}
	for (i = 0; i < md->nt; i++) {
		int any = 0;

		for (k = 0; k < n; k++)
			any |= subscribes(&md->m[idx[k]], md->t[i].name);
		for (j = 0; j < (size_t)md->t[i].nparts; j++)
			if (seen[i][j] != any)
				ok = 0;
	}
	if (!ok && v->complete)
		printf("# seed %llu round %d: incomplete\n", (unsigned long long)seed, round);
	v->complete &= ok;

	/* balanced */
	ok = 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < r.members[i].nparts; j++)
			for (k = 0; k < n; k++)
				if (subscribes(&md->m[idx[k]],
				    md->t[r.members[i].parts[j].topic].name) &&
				    r.members[k].nparts + 2 <= r.members[i].nparts)
					ok = 0;
	if (!ok && v->balanced)
		printf("# seed %llu round %d: unbalanced\n", (unsigned long long)seed, round);
	v->balanced &= ok;

	/* minimal */
	if (is_same_subs && n > 0 && r.nmoved != lb) {
		if (v->minimal)
			printf("# seed %llu round %d: moved %zu, lower bound %zu\n",
			    (unsigned long long)seed, round, r.nmoved, lb);
		v->minimal = 0;
	}

	/* deterministic: shuffle every list and compare per member id */
	memcpy(in2, in, sizeof(in));
	memcpy(t2, md->t, sizeof(t2));
	for (i = 0; i < n; i++) {
		memcpy(owned2[i], in[i].owned, in[i].nowned * sizeof(*in[i].owned));
		shuffle(s, owned2[i], in[i].nowned, sizeof(owned2[i][0]));
		in2[i].owned = owned2[i];
	}
	shuffle(s, in2, n, sizeof(in2[0]));
	shuffle(s, t2, md->nt, sizeof(t2[0]));
	FL_ASSERT(fl_sticky_assign(in2, n, t2, md->nt, &r2) == 0);
	ok = r2.nmoved == r.nmoved && r2.nkept == r.nkept && r2.nfresh == r.nfresh;
	for (i = 0; i < n && ok; i++) {
		char a[4096], b[4096];

		for (k = 0; k < n; k++)
			if (strcmp(in2[k].id, in[i].id) == 0)
				break;
		FL_ASSERT(k < n);
		render(&r.members[i], md->t, a, sizeof(a));
		render(&r2.members[k], t2, b, sizeof(b));
		ok = strcmp(a, b) == 0;
	}
	if (!ok && v->deterministic)
		printf("# seed %llu round %d: order changed the result\n",
		    (unsigned long long)seed, round);
	v->deterministic &= ok;
	fl_sticky_result_free(&r2);

	/* feed back: the new owned lists, one generation on */
	for (i = 0; i < n; i++) {
		struct tmember *m = &md->m[idx[i]];

		memcpy(m->old, m->owned, m->nowned * sizeof(m->owned[0]));
		m->nold = m->nowned;
		m->old_generation = m->generation;
		m->nowned = r.members[i].nparts;
		for (j = 0; j < m->nowned; j++) {
			m->owned[j].topic = md->t[r.members[i].parts[j].topic].name;
			m->owned[j].partition = r.members[i].parts[j].partition;
		}
		m->generation = round;
	}
	fl_sticky_result_free(&r);
}

/*
 * Random rounds.  is_same_subs: every member subscribes to the same topics
 * (then "minimal" is checked); otherwise each member picks a random subset.
 */
static void
run_rounds(uint64_t seed, int rounds, int is_same_subs)
{
	struct model md;
	struct verdict v = { 1, 1, 1, 1 };
	struct fl_rng s;
	size_t i, j;
	char what[160];
	int round;

	fl_rng_seed(&s, seed);
	memset(&md, 0, sizeof(md));
	md.nt = 1 + (size_t)fl_rng_below(&s, T_MAX);
	for (i = 0; i < md.nt; i++) {
		md.t[i].name = tnames[i];
		md.t[i].nparts = (int32_t)(1 + fl_rng_below(&s, 24));
	}
	if (is_same_subs && md.nt > 1)
		md.t[md.nt - 1].nparts = 0;	/* a topic that does not exist yet */
	for (i = 0; i < M_MAX; i++) {
		snprintf(md.m[i].id, sizeof(md.m[i].id), "m%02zu", (M_MAX - i) * 7 % 100);
		md.m[i].generation = -1;
		md.m[i].old_generation = -1;
	}
	for (round = 1; round <= rounds; round++) {
		size_t pick = (size_t)fl_rng_below(&s, M_MAX);
		struct tmember *m = &md.m[pick];
		uint64_t what_happens = fl_rng_below(&s, 10);

		if (what_happens < 7) {
			/* join or leave; a leaver forgets what it owned */
			m->is_in = !m->is_in;
			m->nowned = m->nold = 0;
			m->generation = m->old_generation = -1;
			m->nsubs = 0;
			for (j = 0; j < md.nt; j++)
				if (is_same_subs || fl_rng_below(&s, 2) == 0)
					m->subs[m->nsubs++] = md.t[j].name;
			if (!is_same_subs && m->nsubs == 0)
				m->subs[m->nsubs++] = md.t[fl_rng_below(&s, md.nt)].name;
		} else if (what_happens < 8) {
			/* a topic grows (or appears) */
			size_t ti = (size_t)fl_rng_below(&s, md.nt);

			if (md.t[ti].nparts < P_MAX / 4)
				md.t[ti].nparts += (int32_t)(1 + fl_rng_below(&s, 5));
		} else if (what_happens < 9 && m->is_in) {
			/*
			 * A member that missed the last round claims what it
			 * owned before it, with that older generation: its
			 * claims clash with the new owners', who must win.
			 */
			memcpy(m->owned, m->old, m->nold * sizeof(m->old[0]));
			m->nowned = m->nold;
			m->generation = m->old_generation;
		}
		judge(&md, &s, is_same_subs, &v, seed, round);
	}
	snprintf(what, sizeof(what), "seed %llu, %d rounds, %s subscriptions: ",
	    (unsigned long long)seed, rounds, is_same_subs ? "identical" : "mixed");
	{
		char w2[200];

		snprintf(w2, sizeof(w2), "%scomplete", what);
		CHECK(v.complete, w2);
		snprintf(w2, sizeof(w2), "%sbalanced", what);
		CHECK(v.balanced, w2);
		if (is_same_subs) {
			snprintf(w2, sizeof(w2), "%sminimal moves", what);
			CHECK(v.minimal, w2);
		}
		snprintf(w2, sizeof(w2), "%sdeterministic", what);
		CHECK(v.deterministic, w2);
	}
}

/* ---- table tests ---- */

static int
has(const struct fl_sticky_result *r, size_t m, const char *want,
    const struct fl_sticky_topic *t)
{
	char buf[512];

	render(&r->members[m], t, buf, sizeof(buf));
	if (strcmp(buf, want) != 0) {
		printf("#   member %zu: got \"%s\", want \"%s\"\n", m, buf, want);
		return 0;
	}
	return 1;
}

static void
test_table(void)
{
	const char *sub1[] = { "t" };
	const char *sub2[] = { "t", "u" };
	struct fl_sticky_topic t1[] = { { "t", 4 } };
	struct fl_sticky_topic t2[] = { { "u", 2 }, { "t", 4 }, { "gone", 0 } };
	struct fl_sticky_tp own_a[] = { { "t", 0 }, { "t", 2 } };
	struct fl_sticky_tp own_b[] = { { "t", 1 }, { "t", 3 } };
	struct fl_sticky_tp own_stale[] = { { "t", 0 }, { "t", 1 }, { "t", 9 }, { "x", 0 } };
	struct fl_sticky_member m[3];
	struct fl_sticky_result r;

	/* two fresh members share 4 partitions, alternating by id order */
	memset(m, 0, sizeof(m));
	m[0] = (struct fl_sticky_member){ "b", sub1, 1, NULL, 0, -1 };
	m[1] = (struct fl_sticky_member){ "a", sub1, 1, NULL, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 2, t1, 1, &r), ==, 0, "two fresh members: assigns");
	CHECK(has(&r, 1, "t:0 t:2", t1) && has(&r, 0, "t:1 t:3", t1),
	    "two fresh members: a gets 0 and 2, b gets 1 and 3");
	CHECK(r.nfresh == 4 && r.nmoved == 0 && r.nkept == 0, "four fresh partitions");
	fl_sticky_result_free(&r);

	/* a third member joins: exactly one partition moves to it */
	m[0] = (struct fl_sticky_member){ "a", sub1, 1, own_a, 2, 1 };
	m[1] = (struct fl_sticky_member){ "b", sub1, 1, own_b, 2, 1 };
	m[2] = (struct fl_sticky_member){ "c", sub1, 1, NULL, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 3, t1, 1, &r), ==, 0, "third member: assigns");
	CHECK(has(&r, 0, "t:2", t1) && has(&r, 1, "t:1 t:3", t1) && has(&r, 2, "t:0", t1),
	    "third member: a gives its first partition, b keeps both");
	CHECK(r.nmoved == 1 && r.nkept == 3, "third member: one move, three kept");
	fl_sticky_result_free(&r);

	/* b leaves: a takes its partitions back without losing its own */
	m[1] = (struct fl_sticky_member){ "c", sub1, 1, own_b, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 2, t1, 1, &r), ==, 0, "member leaves: assigns");
	CHECK(has(&r, 0, "t:0 t:2", t1) && has(&r, 1, "t:1 t:3", t1),
	    "member leaves: a keeps 0 and 2, c gets the orphans");
	CHECK(r.nmoved == 0 && r.nkept == 2 && r.nfresh == 2, "member leaves: nothing moved");
	fl_sticky_result_free(&r);

	/* a stale claim (older generation) loses; invalid claims are ignored */
	m[0] = (struct fl_sticky_member){ "a", sub1, 1, own_stale, 4, 3 };
	m[1] = (struct fl_sticky_member){ "b", sub1, 1, own_b, 2, 5 };
	CHECK_INT(fl_sticky_assign(m, 2, t1, 1, &r), ==, 0, "stale claims: assigns");
	CHECK(has(&r, 0, "t:0 t:2", t1) && has(&r, 1, "t:1 t:3", t1),
	    "stale claims: t:1 stays with the newer generation");
	CHECK(r.nkept == 3 && r.nmoved == 0 && r.nfresh == 1,
	    "stale claims: t:9 and x:0 count for nothing");
	fl_sticky_result_free(&r);

	/* equal generations: the id that sorts first wins the clash */
	m[0] = (struct fl_sticky_member){ "z", sub1, 1, own_stale, 2, 4 };
	m[1] = (struct fl_sticky_member){ "y", sub1, 1, own_b, 2, 4 };
	CHECK_INT(fl_sticky_assign(m, 2, t1, 1, &r), ==, 0, "clash: assigns");
	CHECK(has(&r, 1, "t:1 t:3", t1) && has(&r, 0, "t:0 t:2", t1),
	    "clash at equal generation: y (sorts first) keeps t:1");
	fl_sticky_result_free(&r);

	/* mixed subscriptions; an unknown topic is nobody's */
	m[0] = (struct fl_sticky_member){ "a", sub2, 2, NULL, 0, -1 };
	m[1] = (struct fl_sticky_member){ "b", sub1, 1, NULL, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 2, t2, 3, &r), ==, 0, "mixed: assigns");
	CHECK(has(&r, 0, "t:2 u:0 u:1", t2) && has(&r, 1, "t:0 t:1 t:3", t2),
	    "mixed: u (one subscriber) goes first, then t evens the counts");
	fl_sticky_result_free(&r);

	/* the topic nobody subscribes to */
	m[0] = (struct fl_sticky_member){ "a", sub1, 1, NULL, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 1, t2, 3, &r), ==, 0, "unsubscribed topic: assigns");
	CHECK(has(&r, 0, "t:0 t:1 t:2 t:3", t2) && r.nfresh == 4,
	    "unsubscribed topic: its partitions go to nobody");
	fl_sticky_result_free(&r);

	/* no members, no topics */
	CHECK(fl_sticky_assign(NULL, 0, NULL, 0, &r) == 0 && r.nmembers == 0,
	    "empty group: empty result");
	fl_sticky_result_free(&r);

	/* errors */
	m[0] = (struct fl_sticky_member){ "a", sub1, 1, NULL, 0, -1 };
	m[1] = (struct fl_sticky_member){ "a", sub1, 1, NULL, 0, -1 };
	CHECK_INT(fl_sticky_assign(m, 2, t1, 1, &r), ==, FL_EINVAL, "duplicate member id");
	CHECK(r.members == NULL, "error leaves the result empty");
	{
		struct fl_sticky_topic dup[] = { { "t", 1 }, { "t", 2 } };
		struct fl_sticky_topic big[] = { { "t", 600000 }, { "u", 600000 } };

		CHECK_INT(fl_sticky_assign(m, 1, dup, 2, &r), ==, FL_EINVAL,
		    "duplicate topic name");
		CHECK_INT(fl_sticky_assign(m, 1, big, 2, &r), ==, FL_ERANGE,
		    "more than FL_STICKY_PARTS_MAX partitions");
	}
}

int
main(int argc, char **argv)
{
	uint64_t seed;
	int i;

	test_table();
	/* fixed seeds (replayable); a seed on the command line adds one run */
	for (i = 0; i < 8; i++) {
		seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		run_rounds(seed, 300, 1);
		run_rounds(seed ^ 0x5555, 300, 0);
	}
	if (argc > 1) {
		seed = strtoull(argv[1], NULL, 0);
		run_rounds(seed, 1000, 1);
		run_rounds(seed, 1000, 0);
	}
	return tap_done();
}
