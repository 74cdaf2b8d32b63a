/*
 * clock.h: the two clocks flume reads, in milliseconds.  Daemons read them
 * once per loop turn and pass "now" to the state machines, which never read
 * a clock themselves (the simulator passes its own).
 * Layer: os.  Thread-safe.
 */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdint.h>

/* Monotonic: for timeouts and deadlines. */
int64_t fl_clock_ms(void);
/* Wall clock (Unix epoch): for timestamps stored or shown. */
int64_t fl_wall_ms(void);
/* Monotonic, in nanoseconds (benchmarks). */
uint64_t fl_clock_ns(void);

#endif
