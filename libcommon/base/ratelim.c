/*
 * ratelim.c: one line per key per interval (ratelim.h).  A linear scan of
 * 64 slots: the callers are error paths, not per-record work.
 */
#include <string.h>

#include "base/ratelim.h"

void
fl_ratelim_init(struct fl_ratelim *rl, int64_t interval_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->interval_ms = interval_ms < 0 ? 0 : interval_ms;
}

int
fl_ratelim_pass(struct fl_ratelim *rl, const char *key, size_t len,
    int64_t now_ms, uint64_t *held)
{
	struct fl_ratelim_slot *s, *victim = NULL;
	size_t i;

	if (len > FL_RATELIM_KEY_BYTES)
		len = FL_RATELIM_KEY_BYTES;
	if (len == 0)
		len = 1, key = "";	/* the empty key is a key too */
	*held = 0;
	for (i = 0; i < FL_RATELIM_SLOTS; i++) {
		s = &rl->slot[i];
		if (s->len == len && memcmp(s->key, key, len) == 0)
			break;
		/* the eviction choice: a free slot, else the least recently seen */
		if (victim == NULL || (victim->len != 0 &&
		    (s->len == 0 || s->seen_ms < victim->seen_ms)))
			victim = s;
	}
	if (i == FL_RATELIM_SLOTS) {
		s = victim;
		memcpy(s->key, key, len);
		s->len = len;
		s->passed_ms = now_ms;
		s->seen_ms = now_ms;
		s->held = 0;
		return 1;
	}
	s->seen_ms = now_ms;
	if (now_ms - s->passed_ms < rl->interval_ms) {
		s->held++;
		return 0;
	}
	*held = s->held;
	s->held = 0;
	s->passed_ms = now_ms;
	return 1;
}

size_t
fl_ratelim_host_len(const char *peer)
{
	const char *colon = strrchr(peer, ':');

	if (peer[0] == '[') {
		const char *close = strchr(peer, ']');

		return close != NULL ? (size_t)(close - peer) + 1 : strlen(peer);
	}
	return colon != NULL ? (size_t)(colon - peer) : strlen(peer);
}
