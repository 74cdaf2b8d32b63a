/*
 * test-pidstate: the §7.3 idempotence checks as a table, the 5-batch
 * window, epoch bumps, eviction, expiry, truncation and the snapshot
 * format (round trip, and rejection of damaged snapshots).
 */
#include <stdlib.h>
#include <string.h>

#include "sm/pidstate.h"
#include "tap.h"

static struct fl_pid_batch
pb(int32_t first, int32_t last, int64_t off)
{
	struct fl_pid_batch b = { first, last, off, off + (last - first), 1000 + off };

	return b;
}

static void
test_checks(void)
{
	struct fl_pidstate st;
	struct fl_pid_batch dup, b;
	int i;

	fl_pidstate_init(&st, 100);
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 42, 44, NULL), ==, FL_PID_APPEND,
	    "unknown producer: any sequence (rule 5)");
	for (i = 0; i < 7; i++) {
		b = pb(i * 2, i * 2 + 1, 100 + i * 2);
		CHECK_INT(fl_pidstate_update(&st, 7, 0, &b, i), ==, 0, "update");
	}
	CHECK_INT(fl_pidstate_find(&st, 7)->nbatch, ==, FL_PIDSTATE_BATCHES,
	    "only the last 5 batches are kept");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 12, 13, &dup), ==, FL_PID_DUPLICATE,
	    "the newest batch again is a duplicate");
	CHECK_INT(dup.first_offset, ==, 112, "with its original offset");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 4, 5, &dup), ==, FL_PID_DUPLICATE,
	    "the oldest kept batch is still a duplicate");
	CHECK_INT(dup.first_offset, ==, 104, "its offset");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 2, 3, NULL), ==, FL_PID_OUT_OF_ORDER,
	    "a batch older than the window is out of order");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 4, 4, NULL), ==, FL_PID_OUT_OF_ORDER,
	    "same first but different last sequence is no duplicate");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 14, 20, NULL), ==, FL_PID_APPEND,
	    "the next sequence appends (rule 4)");
	CHECK_INT(fl_pidstate_check(&st, 7, 0, 15, 20, NULL), ==, FL_PID_OUT_OF_ORDER,
	    "a gap is out of order");
	CHECK_INT(fl_pidstate_check(&st, 7, -1, 14, 14, NULL), ==, FL_PID_FENCED,
	    "an older epoch is fenced (rule 2)");
	CHECK_INT(fl_pidstate_check(&st, 7, 1, 0, 3, NULL), ==, FL_PID_APPEND,
	    "a newer epoch starting at 0 appends (rule 3)");
	CHECK_INT(fl_pidstate_check(&st, 7, 1, 14, 14, NULL), ==, FL_PID_OUT_OF_ORDER,
	    "a newer epoch not at 0 is out of order");
	CHECK_INT(fl_pidstate_check(&st, 7, 1, 12, 13, NULL), ==, FL_PID_OUT_OF_ORDER,
	    "a cached batch of the old epoch is no duplicate in the new one");
	b = pb(0, 3, 200);
	fl_pidstate_update(&st, 7, 1, &b, 10);
	CHECK_INT(fl_pidstate_find(&st, 7)->nbatch, ==, 1, "a new epoch resets the window");
	CHECK_INT(fl_pidstate_find(&st, 7)->epoch, ==, 1, "and records the epoch");

	/* sequence wrap: INT32_MAX is followed by 0 */
	CHECK_INT(fl_pidstate_last_seq(INT32_MAX - 1, 3), ==, 1, "last_seq wraps");
	b = pb(INT32_MAX - 1, INT32_MAX, 300);
	fl_pidstate_update(&st, 9, 0, &b, 10);
	CHECK_INT(fl_pidstate_check(&st, 9, 0, 0, 4, NULL), ==, FL_PID_APPEND,
	    "after INT32_MAX the next sequence is 0");
	fl_pidstate_free(&st);
}

static void
test_table(void)
{
	struct fl_pidstate st;
	struct fl_pid_batch b = pb(0, 0, 0);
	int64_t pid;

	fl_pidstate_init(&st, 4);
	/* pids 10, 8, 6, 4, 2 last append at times 0, 1, 2, 3, 4 */
	for (pid = 10; pid > 0; pid -= 2)
		fl_pidstate_update(&st, pid, 0, &b, (10 - pid) / 2);
	CHECK_INT(st.n, ==, 4, "never more than n_max producers");
	CHECK(fl_pidstate_find(&st, 2) != NULL, "the newest stays");
	CHECK(fl_pidstate_find(&st, 4) != NULL && fl_pidstate_find(&st, 6) != NULL,
	    "eviction takes the least recently used...");
	CHECK(fl_pidstate_find(&st, 10) == NULL, "...here the oldest last_ms");
	CHECK(st.e[0].pid < st.e[1].pid && st.e[1].pid < st.e[2].pid &&
	    st.e[2].pid < st.e[3].pid, "sorted by producer id");
	CHECK_INT(fl_pidstate_expire(&st, 3), ==, 2, "expire drops the idle ones");
	CHECK_INT(st.n, ==, 2, "two left");
	fl_pidstate_clear(&st);
	CHECK_INT(st.n, ==, 0, "clear");

	b = pb(0, 1, 10);
	fl_pidstate_update(&st, 1, 0, &b, 0);
	b = pb(2, 3, 12);
	fl_pidstate_update(&st, 1, 0, &b, 0);
	b = pb(0, 0, 20);
	fl_pidstate_update(&st, 2, 0, &b, 0);
	fl_pidstate_truncate(&st, 12);
	CHECK_INT(fl_pidstate_find(&st, 1)->nbatch, ==, 1, "truncate drops batches at or past the cut");
	CHECK(fl_pidstate_find(&st, 2) == NULL, "and producers left with none");
	fl_pidstate_free(&st);
	fl_pidstate_free(&st);
	CHECK(1, "free twice is harmless");
}

static void
test_snapshot(void)
{
	struct fl_pidstate st, st2;
	struct fl_pid_batch b;
	struct fl_wr w;
	int64_t upto = 0;
	int i, bad = 0;

	fl_pidstate_init(&st, 100);
	fl_pidstate_init(&st2, 100);
	for (i = 0; i < 9; i++) {
		b = pb(i, i, 50 + i);
		fl_pidstate_update(&st, 100 + i % 3, (int16_t)(i % 3), &b, 7000 + i);
	}
	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_pidstate_encode(&st, 60, &w), ==, 0, "encode");
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, 0, "decode");
	CHECK_INT(upto, ==, 60, "upto survives");
	CHECK_INT(st2.n, ==, st.n, "same producers");
	CHECK(memcmp(st.e, st2.e, st.n * sizeof(st.e[0])) == 0, "same content");
	CHECK_INT(fl_pidstate_check(&st2, 100, 0, 6, 6, NULL), ==, FL_PID_DUPLICATE,
	    "decoded table answers duplicates");

	/* every truncation and every single-byte change of the header is caught */
	for (i = 0; i < (int)w.len; i++)
		bad += fl_pidstate_decode(&st2, w.p, (size_t)i, &upto) == 0;
	CHECK_INT(bad, ==, 0, "every truncation is rejected");
	w.p[0] ^= 1;
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, FL_ECORRUPT, "bad magic");
	w.p[0] ^= 1;
	w.p[7] = 9;
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, FL_ECORRUPT, "bad version");
	w.p[7] = 1;
	fl_store_be64(w.p + 8, 55);
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, FL_ECORRUPT,
	    "a batch at or past upto is rejected");
	fl_store_be64(w.p + 8, 60);
	fl_store_be32(w.p + 16, 0x7fffffff);
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, FL_ECORRUPT,
	    "a count beyond the bytes is rejected before allocating");
	fl_store_be32(w.p + 16, (uint32_t)st.n);
	fl_wr_raw(&w, "x", 1);
	CHECK_INT(fl_pidstate_decode(&st2, w.p, w.len, &upto), ==, FL_ECORRUPT,
	    "trailing bytes are rejected");
	CHECK_INT(st2.n, ==, st.n, "a failed decode leaves the table alone");
	fl_wr_free(&w);
	fl_pidstate_free(&st);
	fl_pidstate_free(&st2);
}

int
main(void)
{
	test_checks();
	test_table();
	test_snapshot();
	return tap_done();
}
