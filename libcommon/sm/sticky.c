/*
 * sticky.c: the flume-sticky assignor.
 *
 * How it works, in three passes over "global partition numbers" (gp: the
 * partitions of all topics, topics in name order, so gp order is also the
 * output order):
 *
 *   1. Claims.  Each member's previously owned partitions that are still
 *      valid (topic exists, partition in range, member still subscribed)
 *      go back to it; conflicts go to the higher generation, then to the
 *      member id that sorts first.
 *   2. Fresh partitions (no valid claim) go one by one, topics with the
 *      fewest subscribers first, to the subscribed member holding the
 *      fewest partitions.
 *   3. Balance.  While some member A holds a partition another subscribed
 *      member B could take with count(B) <= count(A) - 2, move one, taking
 *      from the fullest A first and preferring a partition A did not own
 *      before this round (moving that costs nothing).  Every move lowers
 *      the sum of squared counts, so the loop ends.
 *
 * Why this is minimal when subscriptions are identical: with P partitions
 * and N members the balanced counts are floor(P/N) and ceil(P/N).  Pass 2
 * only feeds members at the current minimum, so they never become donors;
 * pass 3 always takes from the fullest member, which is above ceil(P/N)
 * while anyone is, and otherwise is a ceil member of which there are more
 * than P mod N.  Each move thus removes exactly one unit of unavoidable
 * excess, and the owners left with ceil shares are the ones that owned
 * most: the lower bound sum(max(0, kept_i - quota_i)) is met.
 * t/unit/test-sticky.c checks this bound over random rounds.
 */
#include <stdlib.h>
#include <string.h>

#include "sm/sticky.h"

struct named {
	const char *name;
	size_t idx;			/* index in the caller's array */
};

static int
named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

struct load {
	size_t count, rank;
};

/* Working state; everything indexed by member rank (id order) or gp. */
struct work {
	size_t nm, nt, np;
	struct named *mord, *tord;	/* members, topics sorted by name */
	size_t *base;			/* per topic position: first gp */
	size_t *gp_topic;		/* gp -> topic position */
	size_t **msubs;			/* per rank: sorted topic positions */
	size_t *nmsubs;
	size_t **tsubs;			/* per topic position: ranks, ascending */
	size_t *ntsubs;
	long *owner, *prev;		/* gp -> rank, -1 none */
	int32_t *ogen;			/* gp -> generation of the winning claim */
	size_t *count;			/* per rank */
	long *minb;			/* per topic position, pass 3 */
	struct load *byc;		/* members by count, pass 3 */
};

static void
work_free(struct work *w)
{
	size_t i;

	for (i = 0; w->msubs != NULL && i < w->nm; i++)
		free(w->msubs[i]);
	for (i = 0; w->tsubs != NULL && i < w->nt; i++)
		free(w->tsubs[i]);
	free(w->mord);
	free(w->tord);
	free(w->base);
	free(w->gp_topic);
	free(w->msubs);
	free(w->nmsubs);
	free(w->tsubs);
	free(w->ntsubs);
	free(w->owner);
	free(w->prev);
	free(w->ogen);
	free(w->count);
	free(w->minb);
	free(w->byc);
}

/* Topic position of name, or -1. */
static long
topic_pos(const struct work *w, const char *name)
{
	size_t lo = 0, hi = w->nt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->tord[mid].name, name);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
is_subscribed(const struct work *w, size_t rank, size_t tpos)
{
	return bsearch(&tpos, w->msubs[rank], w->nmsubs[rank], sizeof(size_t),
	    size_cmp) != NULL;
}

static size_t
topic_nparts(const struct work *w, size_t tpos)
{
	return (tpos + 1 < w->nt ? w->base[tpos + 1] : w->np) - w->base[tpos];
}

static int
setup(struct work *w, const struct fl_sticky_member *m, size_t nm,
    const struct fl_sticky_topic *t, size_t nt)
{
	size_t i, j, k;

	w->nm = nm;
	w->nt = nt;
	w->mord = calloc(nm + 1, sizeof(*w->mord));
	w->tord = calloc(nt + 1, sizeof(*w->tord));
	w->base = calloc(nt + 1, sizeof(*w->base));
	w->msubs = calloc(nm + 1, sizeof(*w->msubs));
	w->nmsubs = calloc(nm + 1, sizeof(*w->nmsubs));
	w->tsubs = calloc(nt + 1, sizeof(*w->tsubs));
	w->ntsubs = calloc(nt + 1, sizeof(*w->ntsubs));
	w->count = calloc(nm + 1, sizeof(*w->count));
	w->byc = calloc(nm + 1, sizeof(*w->byc));
	w->minb = calloc(nt + 1, sizeof(*w->minb));
	if (!w->mord || !w->tord || !w->base || !w->msubs || !w->nmsubs ||
	    !w->tsubs || !w->ntsubs || !w->count || !w->byc || !w->minb)
		return FL_ENOMEM;

	for (i = 0; i < nm; i++) {
		w->mord[i].name = m[i].id;
		w->mord[i].idx = i;
	}
	qsort(w->mord, nm, sizeof(*w->mord), named_cmp);
	for (i = 1; i < nm; i++)
		if (strcmp(w->mord[i - 1].name, w->mord[i].name) == 0)
			return FL_EINVAL;
	for (i = 0; i < nt; i++) {
		w->tord[i].name = t[i].name;
		w->tord[i].idx = i;
	}
	qsort(w->tord, nt, sizeof(*w->tord), named_cmp);
	for (i = 1; i < nt; i++)
		if (strcmp(w->tord[i - 1].name, w->tord[i].name) == 0)
			return FL_EINVAL;

	/* global partition numbers; unknown topics (nparts <= 0) get none */
	w->np = 0;
	for (i = 0; i < nt; i++) {
		int32_t n = t[w->tord[i].idx].nparts;

		w->base[i] = w->np;
		if (n > 0) {
			if ((size_t)n > FL_STICKY_PARTS_MAX - w->np)
				return FL_ERANGE;
			w->np += (size_t)n;
		}
	}
	w->gp_topic = calloc(w->np + 1, sizeof(*w->gp_topic));
	w->owner = calloc(w->np + 1, sizeof(*w->owner));
	w->prev = calloc(w->np + 1, sizeof(*w->prev));
	w->ogen = calloc(w->np + 1, sizeof(*w->ogen));
	if (!w->gp_topic || !w->owner || !w->prev || !w->ogen)
		return FL_ENOMEM;
	for (i = 0; i < nt; i++)
		for (j = 0; j < topic_nparts(w, i); j++)
			w->gp_topic[w->base[i] + j] = i;

	/* subscriptions: per member (sorted, unique) and per topic (by rank) */
	for (i = 0; i < nm; i++) {
		const struct fl_sticky_member *mi = &m[w->mord[i].idx];
		size_t *s = calloc(mi->ntopics + 1, sizeof(*s)), n = 0;

		if (s == NULL)
			return FL_ENOMEM;
		w->msubs[i] = s;
		for (j = 0; j < mi->ntopics; j++) {
			long pos = topic_pos(w, mi->topics[j]);

			if (pos >= 0 && topic_nparts(w, (size_t)pos) > 0)
				s[n++] = (size_t)pos;
		}
		qsort(s, n, sizeof(*s), size_cmp);
		for (j = k = 0; j < n; j++)
			if (k == 0 || s[k - 1] != s[j])
				s[k++] = s[j];
		w->nmsubs[i] = k;
		for (j = 0; j < k; j++)
			w->ntsubs[s[j]]++;
	}
	for (i = 0; i < nt; i++) {
		w->tsubs[i] = calloc(w->ntsubs[i] + 1, sizeof(size_t));
		if (w->tsubs[i] == NULL)
			return FL_ENOMEM;
		w->ntsubs[i] = 0;
	}
	for (i = 0; i < nm; i++)		/* ascending rank per topic */
		for (j = 0; j < w->nmsubs[i]; j++) {
			size_t tp = w->msubs[i][j];

			w->tsubs[tp][w->ntsubs[tp]++] = i;
		}
	return 0;
}

/* Pass 1: valid claims, higher generation first, then lower rank. */
static void
claims(struct work *w, const struct fl_sticky_member *m)
{
	size_t r, j, gp;

	for (gp = 0; gp < w->np; gp++)
		w->owner[gp] = -1;
	for (r = 0; r < w->nm; r++) {
		const struct fl_sticky_member *mi = &m[w->mord[r].idx];

		for (j = 0; j < mi->nowned; j++) {
			long pos = topic_pos(w, mi->owned[j].topic);
			int32_t p = mi->owned[j].partition;

			if (pos < 0 || p < 0 || (size_t)p >= topic_nparts(w, (size_t)pos) ||
			    !is_subscribed(w, r, (size_t)pos))
				continue;
			gp = w->base[pos] + (size_t)p;
			if (w->owner[gp] < 0 || mi->generation > w->ogen[gp]) {
				w->owner[gp] = (long)r;
				w->ogen[gp] = mi->generation;
			}
		}
	}
	for (gp = 0; gp < w->np; gp++) {
		w->prev[gp] = w->owner[gp];
		if (w->owner[gp] >= 0)
			w->count[w->owner[gp]]++;
	}
}

/* The subscriber of tpos with the fewest partitions (lowest rank on ties). */
static long
least_loaded(const struct work *w, size_t tpos)
{
	long best = -1;
	size_t i;

	for (i = 0; i < w->ntsubs[tpos]; i++) {
		size_t r = w->tsubs[tpos][i];

		if (best < 0 || w->count[r] < w->count[best])
			best = (long)r;
	}
	return best;
}

/* sort key for pass 2: (subscribers of the topic, gp) */
struct fresh {
	size_t nsubs, gp;
};

static int
fresh_cmp(const void *a, const void *b)
{
	const struct fresh *x = a, *y = b;

	if (x->nsubs != y->nsubs)
		return x->nsubs < y->nsubs ? -1 : 1;
	return x->gp < y->gp ? -1 : x->gp > y->gp;
}

/* Pass 2. */
static int
assign_fresh(struct work *w)
{
	struct fresh *f = calloc(w->np + 1, sizeof(*f));
	size_t gp, n = 0, i;

	if (f == NULL)
		return FL_ENOMEM;
	for (gp = 0; gp < w->np; gp++)
		if (w->owner[gp] < 0 && w->ntsubs[w->gp_topic[gp]] > 0) {
			f[n].nsubs = w->ntsubs[w->gp_topic[gp]];
			f[n].gp = gp;
			n++;
		}
	qsort(f, n, sizeof(*f), fresh_cmp);
	for (i = 0; i < n; i++) {
		long r = least_loaded(w, w->gp_topic[f[i].gp]);

		w->owner[f[i].gp] = r;
		w->count[r]++;
	}
	free(f);
	return 0;
}

/* Pass 3 order: most partitions first, then lower rank. */
static int
byc_cmp(const void *a, const void *b)
{
	const struct load *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static void
sort_by_count(struct work *w)
{
	size_t i;

	for (i = 0; i < w->nm; i++) {
		w->byc[i].count = w->count[i];
		w->byc[i].rank = i;
	}
	qsort(w->byc, w->nm, sizeof(*w->byc), byc_cmp);
}

/* One balancing move; 1 if made, 0 if the assignment is balanced. */
static int
balance_step(struct work *w)
{
	size_t i, t, gp;

	for (t = 0; t < w->nt; t++)
		w->minb[t] = least_loaded(w, t);
	sort_by_count(w);
	for (i = 0; i < w->nm; i++) {
		size_t a = w->byc[i].rank;
		long best_gp = -1, best_b = -1;
		int best_free = 0;

		if (w->count[a] < 2)
			break;		/* sorted: nobody after can give */
		for (gp = 0; gp < w->np; gp++) {
			long b;
			int is_free;

			if (w->owner[gp] != (long)a)
				continue;
			b = w->minb[w->gp_topic[gp]];
			if (b < 0 || w->count[b] + 2 > w->count[a])
				continue;
			is_free = w->prev[gp] != (long)a;
			if (best_b < 0 || w->count[b] < w->count[best_b] ||
			    (w->count[b] == w->count[best_b] && b < best_b) ||
			    (b == best_b && is_free && !best_free)) {
				best_gp = (long)gp;
				best_b = b;
				best_free = is_free;
			}
		}
		if (best_gp >= 0) {
			w->owner[best_gp] = best_b;
			w->count[a]--;
			w->count[best_b]++;
			return 1;
		}
	}
	return 0;
}

static int
collect(struct work *w, size_t nm, struct fl_sticky_result *out)
{
	size_t gp, r;

	out->members = calloc(nm + 1, sizeof(*out->members));
	if (out->members == NULL)
		return FL_ENOMEM;
	out->nmembers = nm;
	for (r = 0; r < nm; r++) {
		struct fl_sticky_assigned *a = &out->members[w->mord[r].idx];

		a->parts = calloc(w->count[r] + 1, sizeof(*a->parts));
		if (a->parts == NULL)
			return FL_ENOMEM;
	}
	for (gp = 0; gp < w->np; gp++) {
		long o = w->owner[gp], p = w->prev[gp];
		size_t tpos = w->gp_topic[gp];
		struct fl_sticky_assigned *a;

		if (p >= 0 && o == p)
			out->nkept++;
		else if (p >= 0)
			out->nmoved++;
		else if (o >= 0)
			out->nfresh++;
		if (o < 0)
			continue;
		a = &out->members[w->mord[o].idx];
		a->parts[a->nparts].topic = w->tord[tpos].idx;
		a->parts[a->nparts].partition = (int32_t)(gp - w->base[tpos]);
		a->nparts++;
	}
	return 0;
}

int
fl_sticky_assign(const struct fl_sticky_member *members, size_t nmembers,
    const struct fl_sticky_topic *topics, size_t ntopics,
    struct fl_sticky_result *out)
{
	struct work w;
	int rc;

	memset(out, 0, sizeof(*out));
	if (nmembers > FL_STICKY_MEMBERS_MAX || ntopics > FL_STICKY_TOPICS_MAX)
		return FL_ERANGE;
	memset(&w, 0, sizeof(w));
	rc = setup(&w, members, nmembers, topics, ntopics);
	if (rc == 0) {
		claims(&w, members);
		rc = assign_fresh(&w);
	}
	while (rc == 0 && balance_step(&w))
		;
	if (rc == 0)
		rc = collect(&w, nmembers, out);
	work_free(&w);
	if (rc != 0)
		fl_sticky_result_free(out);
	return rc;
}

void
fl_sticky_result_free(struct fl_sticky_result *r)
{
	size_t i;

	for (i = 0; r->members != NULL && i < r->nmembers; i++)
		free(r->members[i].parts);
	free(r->members);
	memset(r, 0, sizeof(*r));
}
