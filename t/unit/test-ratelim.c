/*
 * test-ratelim: one line per key per interval, the held-back count, the
 * fixed table's eviction, and the host part of peer strings.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/ratelim.h"
#include "tap.h"

static int
pass(struct fl_ratelim *rl, const char *key, int64_t now, uint64_t *held)
{
	return fl_ratelim_pass(rl, key, strlen(key), now, held);
}

static void
test_interval(void)
{
	static struct fl_ratelim rl;
	uint64_t held = 99;

	fl_ratelim_init(&rl, 1000);
	CHECK(pass(&rl, "10.0.0.1", 5, &held) == 1 && held == 0, "first line passes");
	CHECK(pass(&rl, "10.0.0.1", 6, &held) == 0, "second within the interval held");
	CHECK(pass(&rl, "10.0.0.1", 1004, &held) == 0, "still held at 999 ms");
	CHECK(pass(&rl, "10.0.0.2", 7, &held) == 1, "another key passes");
	CHECK(pass(&rl, "10.0.0.1", 1005, &held) == 1 && held == 2,
	    "after the interval: passes, 2 held back reported");
	CHECK(pass(&rl, "10.0.0.1", 1006, &held) == 0, "held again");
	CHECK(pass(&rl, "10.0.0.1", 5000, &held) == 1 && held == 1, "count restarts");
	CHECK(pass(&rl, "10.0.0.1", 9000, &held) == 1 && held == 0, "quiet key: 0 held");
	fl_ratelim_init(&rl, 0);
	CHECK(pass(&rl, "a", 1, &held) == 1 && pass(&rl, "a", 1, &held) == 1,
	    "interval 0 passes everything");
}

static void
test_eviction(void)
{
	static struct fl_ratelim rl;
	uint64_t held;
	char key[32];
	int i, all = 1;

	fl_ratelim_init(&rl, 60000);
	for (i = 0; i < FL_RATELIM_SLOTS; i++) {
		snprintf(key, sizeof(key), "h%d", i);
		all &= pass(&rl, key, 100 + i, &held);
	}
	CHECK(all, "64 distinct keys all pass");
	CHECK(pass(&rl, "h5", 200, &held) == 0, "a known key is still held");
	CHECK(pass(&rl, "new", 300, &held) == 1, "a new key evicts one");
	CHECK(pass(&rl, "h0", 400, &held) == 1, "the least recently seen (h0) was evicted");
	CHECK(pass(&rl, "h5", 500, &held) == 0, "a recently seen key was kept");
	CHECK(pass(&rl, "", 1, &held) == 1 && pass(&rl, "", 2, &held) == 0,
	    "the empty key is limited too");
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	{
		char big[200];

		memset(big, 'y', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(pass(&rl, big, 600, &held) == 1 && pass(&rl, big, 601, &held) == 0,
		    "a key longer than the slot is cut, not overflowed");
	}
}

static void
test_host(void)
{
	CHECK(fl_ratelim_host_len("127.0.0.1:9092") == 9, "v4 host");
	CHECK(fl_ratelim_host_len("[::1]:9092") == 5, "v6 host in brackets");
	CHECK(fl_ratelim_host_len("unix") == 4, "no port");
	CHECK(fl_ratelim_host_len("") == 0, "empty");
	CHECK(fl_ratelim_host_len("[::1") == 4, "unclosed bracket: all of it");
}

int
main(void)
{
	test_interval();
	test_eviction();
	test_host();
	return tap_done();
}
