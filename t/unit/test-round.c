/*
 * test-round.c: group-commit bookkeeping (sm/round.h) as a table of
 * (input) -> (round numbers, dirty count, due, pause) rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "sm/round.h"
#include "tap.h"

enum op { DIRTY_A, DIRTY_B, TICKET, BEGIN, FINISH, FORGET_A };

struct row {
	const char *what;
	enum op op;
	uint64_t bytes;
	/* expected after the step */
	uint64_t started, done;
	size_t ndirty, began;
	int due, pause;
	uint64_t ticket;		/* for TICKET rows */
};

int
main(void)
{
	static const struct row rows[] = {
		{ "nothing yet", TICKET, 0, 0, 0, 0, 0, 1, 0, 1 },
		{ "a ticket alone makes a round due", BEGIN, 0, 1, 0, 0, 0, 0, 0, 0 },
		{ "a round of tickets only finishes at once", FINISH, 0, 1, 1, 0, 0, 0, 0, 0 },
		{ "an append dirties its partition", DIRTY_A, 100, 1, 1, 1, 0, 1, 0, 0 },
		{ "a second append to it counts once", DIRTY_A, 100, 1, 1, 1, 0, 1, 0, 0 },
		{ "another partition", DIRTY_B, 50, 1, 1, 2, 0, 1, 0, 0 },
		{ "a response waits for the next round", TICKET, 0, 1, 1, 2, 0, 1, 0, 2 },
		{ "the round takes both partitions", BEGIN, 0, 2, 1, 0, 2, 0, 0, 0 },
		{ "appends during a round wait for the next", DIRTY_A, 10, 2, 1, 1, 0, 0, 0, 0 },
		{ "their responses get the next number", TICKET, 0, 2, 1, 1, 0, 0, 0, 3 },
		{ "the round ends: its tickets may go", FINISH, 0, 2, 2, 1, 0, 1, 0, 0 },
		{ "a deleted partition leaves the dirty list", FORGET_A, 0, 2, 2, 0, 0, 1, 0, 0 },
		{ "too many bytes not durable: pause", DIRTY_B, 5000, 2, 2, 1, 0, 1, 1, 0 },
		{ "once in a round, still not durable: still paused", BEGIN, 0, 3, 2, 0, 1, 0, 1, 0 },
		{ "durable: producers go on", FINISH, 0, 3, 3, 0, 0, 0, 0, 0 },
	};
	struct fl_round r;
	struct fl_round_slot a, b, *out[4];
	size_t i, began = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	fl_round_init(&r, 1000, 100);
	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		const struct row *w = &rows[i];
		uint64_t t = 0;
		char what[160];

		began = 0;
		switch (w->op) {
		case DIRTY_A: fl_round_dirty(&r, &a, w->bytes); break;
		case DIRTY_B: fl_round_dirty(&r, &b, w->bytes); break;
		case TICKET: t = fl_round_ticket(&r); break;
		case BEGIN: began = fl_round_begin(&r, out); break;
		case FINISH:
			a.in_round = b.in_round = 0;
			fl_round_finish(&r);
			break;
		case FORGET_A: fl_round_forget(&r, &a); break;
		}
		snprintf(what, sizeof(what), "%s: round numbers", w->what);
		CHECK(r.started == w->started && fl_round_done(&r) == w->done, what);
		snprintf(what, sizeof(what), "%s: dirty partitions", w->what);
		CHECK_INT(r.ndirty, ==, w->ndirty, what);
		snprintf(what, sizeof(what), "%s: partitions in the round begun", w->what);
		CHECK_INT(began, ==, w->began, what);
		snprintf(what, sizeof(what), "%s: a round is due", w->what);
		CHECK_INT(fl_round_due(&r), ==, w->due, what);
		snprintf(what, sizeof(what), "%s: producers pause", w->what);
		CHECK_INT(fl_round_should_pause(&r), ==, w->pause, what);
		if (w->op == TICKET) {
			snprintf(what, sizeof(what), "%s: ticket", w->what);
			CHECK_U64(t, ==, w->ticket, what);
		}
	}
	return tap_done();
}
