/*
 * tap.h: a tiny TAP producer for the C unit tests.  Each CHECK prints one
 * "ok N - ..." or "not ok N - ..." line; the CHECK_* forms print both
 * values on failure.  tap_done() prints the plan and returns the exit code.
 */
#ifndef FL_TAP_H
#define FL_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	if (cond) {
		printf("ok %d - %s\n", tap_n, what);
	} else {
		tap_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", tap_n, what, file, line);
	}
	fflush(stdout);
	return cond;
}

#define CHECK(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))
#define CHECK_INT(a, op, b, what) do {                                      \
	long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);            \
	if (!tap_ok(tap_a_ op tap_b_, __FILE__, __LINE__, (what)))             \
		printf("#   %s = %lld, %s = %lld\n", #a, tap_a_, #b, tap_b_);  \
} while (0)
#define CHECK_U64(a, op, b, what) do {                                      \
	uint64_t tap_a_ = (uint64_t)(a), tap_b_ = (uint64_t)(b);               \
	if (!tap_ok(tap_a_ op tap_b_, __FILE__, __LINE__, (what)))             \
		printf("#   %s = %" PRIu64 ", %s = %" PRIu64 "\n", #a, tap_a_, #b, tap_b_); \
} while (0)
#define CHECK_MEM(a, b, n, what) \
	tap_ok(memcmp((a), (b), (n)) == 0, __FILE__, __LINE__, (what))

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
