/* round.c: group-commit round numbers, dirty partitions, back-pressure. */
#include <string.h>

#include "base/err.h"
#include "sm/round.h"

void
fl_round_init(struct fl_round *r, uint64_t unsynced_bytes_max, uint64_t waiting_max)
{
	memset(r, 0, sizeof(*r));
	r->unsynced_bytes_max = unsynced_bytes_max;
	r->waiting_max = waiting_max;
}

void
fl_round_dirty(struct fl_round *r, struct fl_round_slot *s, uint64_t bytes)
{
	if (!s->is_dirty) {
		s->is_dirty = 1;
		s->prev = NULL;
		s->next = r->dirty;
		if (r->dirty != NULL)
			r->dirty->prev = s;
		r->dirty = s;
		r->ndirty++;
	}
	s->dirty_bytes += bytes;
	r->dirty_bytes += bytes;
}

static void
unlink_dirty(struct fl_round *r, struct fl_round_slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		r->dirty = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->is_dirty = 0;
	r->ndirty--;
	r->dirty_bytes -= s->dirty_bytes;
	s->dirty_bytes = 0;
}

void
fl_round_forget(struct fl_round *r, struct fl_round_slot *s)
{
	if (s->is_dirty)
		unlink_dirty(r, s);
}

uint64_t
fl_round_ticket(struct fl_round *r)
{
	r->waiting_next++;
	return r->started + 1;
}

int
fl_round_due(const struct fl_round *r)
{
	return !r->is_busy && (r->ndirty > 0 || r->waiting_next > 0);
}

size_t
fl_round_begin(struct fl_round *r, struct fl_round_slot **out)
{
	size_t n = 0;

	FL_ASSERT(!r->is_busy);
	r->bytes_in_round = r->dirty_bytes;
	while (r->dirty != NULL) {
		struct fl_round_slot *s = r->dirty;

		unlink_dirty(r, s);
		s->in_round = 1;
		out[n++] = s;
	}
	FL_ASSERT(r->ndirty == 0 && r->dirty_bytes == 0);
	r->started++;
	r->waiting_cur = r->waiting_next;
	r->waiting_next = 0;
	r->is_busy = 1;
	return n;
}

void
fl_round_finish(struct fl_round *r)
{
	FL_ASSERT(r->is_busy);
	r->done = r->started;
	r->is_busy = 0;
	r->bytes_in_round = 0;
	r->waiting_cur = 0;
}

int
fl_round_should_pause(const struct fl_round *r)
{
	return r->dirty_bytes + r->bytes_in_round > r->unsynced_bytes_max ||
	    r->waiting_cur + r->waiting_next > r->waiting_max;
}
