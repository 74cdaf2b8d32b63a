/*
 * ratelim.h: at most one log line per key per interval, with a count of
 * the lines held back.  The broker keys "closing connection: unsupported
 * request" lines by the peer's host, so a client that reconnects and asks
 * again in a loop costs one line a minute, not thousands (a new connection
 * every time defeats a per-connection limit).
 *
 * The table has a fixed number of slots (FL_RATELIM_SLOTS); when every slot
 * is taken, a new key evicts the one seen least recently, so a flood of
 * distinct hosts can cost at most one line per host, never memory.
 *
 *   struct fl_ratelim rl;
 *   uint64_t held;
 *   fl_ratelim_init(&rl, 60000);
 *   if (fl_ratelim_pass(&rl, host, len, now_ms, &held))
 *           log("... (%llu like it held back)", held);
 *
 * Ownership: caller storage, no heap; keys are copied (cut to
 * FL_RATELIM_KEY_BYTES).  Errors: none.  Layer: base.  Pure: no I/O, no
 * clock (the caller passes now); not thread-safe.
 */
#ifndef FL_RATELIM_H
#define FL_RATELIM_H

#include <stddef.h>
#include <stdint.h>

#define FL_RATELIM_SLOTS	64
#define FL_RATELIM_KEY_BYTES	64

struct fl_ratelim_slot {
	char key[FL_RATELIM_KEY_BYTES];
	size_t len;			/* 0: free slot */
	int64_t passed_ms;		/* when the last line was let through */
	int64_t seen_ms;		/* last call, for eviction */
	uint64_t held;			/* lines held back since passed_ms */
};

struct fl_ratelim {
	int64_t interval_ms;
	struct fl_ratelim_slot slot[FL_RATELIM_SLOTS];
};

/* Empty table; one line per key per interval_ms (>= 0). */
void fl_ratelim_init(struct fl_ratelim *rl, int64_t interval_ms);

/*
 * 1 if a line for key may be logged at now_ms: the key's first line, or
 * interval_ms has passed since its last; *held then gets the number of
 * lines held back in between (0 for a first line).  0 if the line is to be
 * held back (counted).  Keys longer than FL_RATELIM_KEY_BYTES are compared
 * by their first FL_RATELIM_KEY_BYTES bytes.
 */
int fl_ratelim_pass(struct fl_ratelim *rl, const char *key, size_t len,
    int64_t now_ms, uint64_t *held);

/* The host part of a "host:port" or "[v6]:port" peer string: its length. */
size_t fl_ratelim_host_len(const char *peer);

#endif
