/*
 * pidstate.c: idempotent-producer table.  A sorted array with binary
 * search: lookups happen on every idempotent append, insertions only when
 * a producer first writes to the partition, so the memmove on insert is
 * the cheap side of the trade.
 */
#include <stdlib.h>
#include <string.h>

#include "sm/pidstate.h"

#define SNAP_MAGIC 0x464c5053u	/* "FLPS" */
#define SNAP_VERSION 1
#define SNAP_ENTRY_BYTES (8 + 2 + 1 + 8)
#define SNAP_BATCH_BYTES (4 + 4 + 8 + 8 + 8)

void
fl_pidstate_init(struct fl_pidstate *st, size_t n_max)
{
	FL_ASSERT(n_max >= 1);
	memset(st, 0, sizeof(*st));
	st->n_max = n_max;
}

void
fl_pidstate_free(struct fl_pidstate *st)
{
	free(st->e);
	st->e = NULL;
	st->n = st->cap = 0;
}

void
fl_pidstate_clear(struct fl_pidstate *st)
{
	st->n = 0;
}

/* Index of pid, or of where it would go (then *found = 0). */
static size_t
search(const struct fl_pidstate *st, int64_t pid, int *found)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < st->n && st->e[lo].pid == pid;
	return lo;
}

const struct fl_pid_entry *
fl_pidstate_find(const struct fl_pidstate *st, int64_t pid)
{
	int found;
	size_t i = search(st, pid, &found);

	return found ? &st->e[i] : NULL;
}

int32_t
fl_pidstate_last_seq(int32_t first_seq, int32_t last_offset_delta)
{
	int64_t s = (int64_t)first_seq + last_offset_delta;

	if (s > INT32_MAX)
		s -= (int64_t)INT32_MAX + 1;
	return (int32_t)s;
}

enum fl_pid_verdict
fl_pidstate_check(const struct fl_pidstate *st, int64_t pid, int16_t epoch,
    int32_t first_seq, int32_t last_seq, struct fl_pid_batch *dup)
{
	const struct fl_pid_entry *e = fl_pidstate_find(st, pid);
	int32_t expect;
	size_t i;

	if (e == NULL)
		return FL_PID_APPEND;	/* rule 5: first write, or state lost */
	if (epoch == e->epoch) {
		for (i = 0; i < e->nbatch; i++) {
			if (e->b[i].first_seq == first_seq &&
			    e->b[i].last_seq == last_seq) {
				if (dup != NULL)
					*dup = e->b[i];
				return FL_PID_DUPLICATE;
			}
		}
	}
	if (epoch < e->epoch)
		return FL_PID_FENCED;
	if (epoch > e->epoch)
		return first_seq == 0 ? FL_PID_APPEND : FL_PID_OUT_OF_ORDER;
	if (e->nbatch == 0)
		return FL_PID_APPEND;
	expect = e->b[e->nbatch - 1].last_seq == INT32_MAX ? 0 :
	    e->b[e->nbatch - 1].last_seq + 1;
	return first_seq == expect ? FL_PID_APPEND : FL_PID_OUT_OF_ORDER;
}

static void
remove_at(struct fl_pidstate *st, size_t i)
{
	memmove(&st->e[i], &st->e[i + 1], (st->n - i - 1) * sizeof(st->e[0]));
	st->n--;
}

static void
evict_oldest(struct fl_pidstate *st)
{
	size_t i, old = 0;

	for (i = 1; i < st->n; i++)
		if (st->e[i].last_ms < st->e[old].last_ms)
			old = i;
	remove_at(st, old);
}

int
fl_pidstate_update(struct fl_pidstate *st, int64_t pid, int16_t epoch,
    const struct fl_pid_batch *b, int64_t now_ms)
{
	struct fl_pid_entry *e;
	int found;
	size_t i = search(st, pid, &found);

	if (!found) {
		if (st->n >= st->n_max) {
			evict_oldest(st);
			i = search(st, pid, &found);
		}
		if (st->n == st->cap) {
			size_t cap = st->cap ? st->cap * 2 : 8;
			struct fl_pid_entry *ne;

			if (cap > st->n_max)
				cap = st->n_max;
			ne = realloc(st->e, cap * sizeof(*ne));
			if (ne == NULL)
				return FL_ENOMEM;
			st->e = ne;
			st->cap = cap;
		}
		memmove(&st->e[i + 1], &st->e[i], (st->n - i) * sizeof(st->e[0]));
		st->n++;
		e = &st->e[i];
		memset(e, 0, sizeof(*e));
		e->pid = pid;
		e->epoch = epoch;
	} else {
		e = &st->e[i];
	}
	if (epoch != e->epoch) {
		e->epoch = epoch;
		e->nbatch = 0;
	}
	if (e->nbatch == FL_PIDSTATE_BATCHES) {
		memmove(&e->b[0], &e->b[1], (FL_PIDSTATE_BATCHES - 1) * sizeof(e->b[0]));
		e->nbatch--;
	}
	e->b[e->nbatch++] = *b;
	e->last_ms = now_ms;
	return 0;
}

size_t
fl_pidstate_expire(struct fl_pidstate *st, int64_t before_ms)
{
	size_t i = 0, gone = 0;

	while (i < st->n) {
		if (st->e[i].last_ms < before_ms) {
			remove_at(st, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

void
fl_pidstate_truncate(struct fl_pidstate *st, int64_t offset)
{
	size_t i = 0;

	while (i < st->n) {
		struct fl_pid_entry *e = &st->e[i];

		while (e->nbatch > 0 && e->b[e->nbatch - 1].first_offset >= offset)
			e->nbatch--;
		if (e->nbatch == 0)
			remove_at(st, i);
		else
			i++;
	}
}

int
fl_pidstate_encode(const struct fl_pidstate *st, int64_t upto, struct fl_wr *w)
{
	size_t i, j;

	fl_wr_u32(w, SNAP_MAGIC);
	fl_wr_u32(w, SNAP_VERSION);
	fl_wr_i64(w, upto);
	fl_wr_u32(w, (uint32_t)st->n);
	for (i = 0; i < st->n; i++) {
		const struct fl_pid_entry *e = &st->e[i];

		fl_wr_i64(w, e->pid);
		fl_wr_i16(w, e->epoch);
		fl_wr_i8(w, (int8_t)e->nbatch);
		fl_wr_i64(w, e->last_ms);
		for (j = 0; j < e->nbatch; j++) {
			fl_wr_i32(w, e->b[j].first_seq);
			fl_wr_i32(w, e->b[j].last_seq);
			fl_wr_i64(w, e->b[j].first_offset);
			fl_wr_i64(w, e->b[j].last_offset);
			fl_wr_i64(w, e->b[j].max_ts);
		}
	}
	return w->err;
}

int
fl_pidstate_decode(struct fl_pidstate *st, const uint8_t *p, size_t n,
    int64_t *upto)
{
	struct fl_rd r;
	struct fl_pid_entry *tab = NULL;
	uint32_t magic, version, count, i;
	int64_t up;
	int rc = FL_ECORRUPT;

	fl_rd_init(&r, p, n);
	if (fl_rd_u32(&r, &magic) != 0 || magic != SNAP_MAGIC ||
	    fl_rd_u32(&r, &version) != 0 || version != SNAP_VERSION ||
	    fl_rd_i64(&r, &up) != 0 || up < 0 || fl_rd_u32(&r, &count) != 0)
		return FL_ECORRUPT;
	/* the count must fit the bytes present, and the table's bound */
	if (count > fl_rd_left(&r) / SNAP_ENTRY_BYTES || count > st->n_max)
		return FL_ECORRUPT;
	if (count > 0) {
		tab = calloc(count, sizeof(*tab));
		if (tab == NULL)
			return FL_ENOMEM;
	}
	for (i = 0; i < count; i++) {
		struct fl_pid_entry *e = &tab[i];
		uint8_t nb;
		unsigned j;

		if (fl_rd_i64(&r, &e->pid) != 0 || e->pid < 0 ||
		    (i > 0 && e->pid <= tab[i - 1].pid) ||
		    fl_rd_i16(&r, &e->epoch) != 0 || fl_rd_u8(&r, &nb) != 0 ||
		    nb > FL_PIDSTATE_BATCHES || fl_rd_i64(&r, &e->last_ms) != 0)
			goto out;
		e->nbatch = nb;
		for (j = 0; j < nb; j++) {
			struct fl_pid_batch *b = &e->b[j];

			if (fl_rd_i32(&r, &b->first_seq) != 0 ||
			    fl_rd_i32(&r, &b->last_seq) != 0 ||
			    fl_rd_i64(&r, &b->first_offset) != 0 ||
			    fl_rd_i64(&r, &b->last_offset) != 0 ||
			    fl_rd_i64(&r, &b->max_ts) != 0 ||
			    b->first_seq < 0 || b->last_seq < 0 ||
			    b->first_offset < 0 || b->last_offset < b->first_offset ||
			    b->last_offset >= up)
				goto out;
		}
	}
	if (fl_rd_left(&r) != 0)
		goto out;
	free(st->e);
	st->e = tab;
	st->n = st->cap = count;
	tab = NULL;
	*upto = up;
	rc = 0;
out:
	free(tab);
	return rc;
}
