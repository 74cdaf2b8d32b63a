/*
 * round.h: the bookkeeping of group commit (DESIGN §5), apart from the
 * thread that runs the fdatasync calls.
 *
 * Appends mark their partition dirty.  A round takes every dirty
 * partition at once; the driver syncs each one (on a thread of its own in
 * the broker, at once in the simulator) and then finishes the round.  A
 * response that may only go out once what was appended before it is
 * durable carries a ticket: the number of the round that will cover it
 * (the next one to start).  It is released once fl_round_done() reaches
 * that number, so no per-partition waiter lists are needed, and one
 * fdatasync per partition covers everything that arrived while the
 * previous round ran: rounds grow with load.
 *
 * The same counts decide back-pressure: producers pause while too many
 * bytes are not yet durable or too many responses wait.
 *
 * Partitions are struct fl_round_slot embedded in the caller's partition
 * struct (the broker's is struct fl_part); this module never looks past
 * the slot.
 * Layer: sm (pure: no I/O, no clock, no allocation).  Not thread-safe.
 */
#ifndef FL_ROUND_H
#define FL_ROUND_H

#include <stddef.h>
#include <stdint.h>

struct fl_round_slot {
	uint8_t  is_dirty;		/* appended since the current round began */
	uint8_t  in_round;		/* its file is being synced right now */
	uint64_t dirty_bytes;
	struct fl_round_slot *next, *prev;	/* the dirty list */
};

struct fl_round {
	uint64_t started, done;		/* round numbers: done <= started */
	int      is_busy;		/* a round is in flight */
	struct fl_round_slot *dirty;	/* dirty slots, not yet in a round */
	size_t   ndirty;
	uint64_t dirty_bytes;		/* their bytes */
	uint64_t bytes_in_round;
	uint64_t waiting_cur, waiting_next;	/* tickets of the running / next round */
	uint64_t unsynced_bytes_max;	/* pause producers above */
	uint64_t waiting_max;		/* pause producers above */
};

void fl_round_init(struct fl_round *r, uint64_t unsynced_bytes_max, uint64_t waiting_max);

/* An append of `bytes` to the slot's partition. */
void fl_round_dirty(struct fl_round *r, struct fl_round_slot *s, uint64_t bytes);
/* The partition goes away (deleted): nobody waits for it any more. */
void fl_round_forget(struct fl_round *r, struct fl_round_slot *s);

/* A response that must wait for durability: the round number it waits for. */
uint64_t fl_round_ticket(struct fl_round *r);

/* 1 if a round should start now: none in flight, and something to sync or release. */
int fl_round_due(const struct fl_round *r);
/*
 * Start a round: every dirty slot moves into it (in_round set) and is
 * written to out[] (room for r->ndirty entries).  Returns how many.  With
 * 0 the round holds only tickets (responses to duplicates of durable
 * data): finish it at once.
 */
size_t fl_round_begin(struct fl_round *r, struct fl_round_slot **out);
/* The round's syncs all succeeded: clear in_round on its slots first. */
void fl_round_finish(struct fl_round *r);
/* Responses with a ticket <= this may go. */
static inline uint64_t fl_round_done(const struct fl_round *r) { return r->done; }

/* Back-pressure: should producers wait now? */
int fl_round_should_pause(const struct fl_round *r);

#endif
