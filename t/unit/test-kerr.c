/*
 * test-kerr: the one table of Kafka error codes: every code in the enum has
 * its Kafka name, unknown codes read as UNKNOWN_ERROR, and the retriable
 * flags match Kafka's protocol table for the codes flume acts on.
 */
#include <stdint.h>
#include <string.h>

#include "codec/kerr.h"
#include "codec/kproto.h"
#include "tap.h"

static void
test_names(void)
{
	int c, is_all_named = 1, is_unique = 1;

	CHECK(strcmp(fl_kerr_name(FL_KERR_NONE), "NONE") == 0, "0 is NONE");
	CHECK(strcmp(fl_kerr_name(-1), "UNKNOWN_SERVER_ERROR") == 0, "-1 is UNKNOWN_SERVER_ERROR");
	CHECK(strcmp(fl_kerr_name(3), "UNKNOWN_TOPIC_OR_PARTITION") == 0, "3 by number");
	CHECK(strcmp(fl_kerr_name(FL_KERR_INVALID_TOPIC_EXCEPTION),
	    "INVALID_TOPIC_EXCEPTION") == 0, "17 keeps Kafka's long name");
	CHECK(strcmp(fl_kerr_name(FL_KERR_FENCED_LEADER_EPOCH), "FENCED_LEADER_EPOCH") == 0 &&
	    FL_KERR_FENCED_LEADER_EPOCH == 74 && FL_KERR_UNKNOWN_LEADER_EPOCH == 75,
	    "74/75: the epoch errors");
	CHECK(strcmp(fl_kerr_name(FL_KERR_INVALID_RECORD), "INVALID_RECORD") == 0 &&
	    FL_KERR_INVALID_RECORD == 87, "87 INVALID_RECORD");
	CHECK(strcmp(fl_kerr_name(FL_KERR_PRODUCER_FENCED), "PRODUCER_FENCED") == 0,
	    "the last named code");
	for (c = -1; c <= FL_KERR_CODE_MAX; c++) {
		int d;

		if (strcmp(fl_kerr_name((int16_t)c), "UNKNOWN_ERROR") == 0)
			is_all_named = 0;
		for (d = -1; d < c; d++)
			if (strcmp(fl_kerr_name((int16_t)c), fl_kerr_name((int16_t)d)) == 0)
				is_unique = 0;
	}
	CHECK(is_all_named, "every code from -1 to FL_KERR_CODE_MAX has a name");
	CHECK(is_unique, "no two codes share a name");
	CHECK(strcmp(fl_kerr_name(FL_KERR_CODE_MAX + 1), "UNKNOWN_ERROR") == 0 &&
	    strcmp(fl_kerr_name(-2), "UNKNOWN_ERROR") == 0 &&
	    strcmp(fl_kerr_name(INT16_MIN), "UNKNOWN_ERROR") == 0 &&
	    strcmp(fl_kerr_name(INT16_MAX), "UNKNOWN_ERROR") == 0,
	    "codes outside the table are UNKNOWN_ERROR");
}

static void
test_retriable(void)
{
	static const int16_t yes[] = { 2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 56, 74, 75, 78 };
	static const int16_t no[] = { -1, 0, 1, 10, 17, 22, 25, 27, 35, 45, 46, 47, 79, 87 };
	size_t i;
	int ok = 1;

	for (i = 0; i < FL_ARRAY_LEN(yes); i++)
		ok &= fl_kerr_is_retriable(yes[i]) == 1;
	CHECK(ok, "leader, coordinator, timeout and storage errors are retriable");
	ok = 1;
	for (i = 0; i < FL_ARRAY_LEN(no); i++)
		ok &= fl_kerr_is_retriable(no[i]) == 0;
	CHECK(ok, "sequence, generation, size and record errors are not");
	CHECK(fl_kerr_is_retriable(999) == 0 && fl_kerr_is_retriable(-5) == 0,
	    "unknown codes are not retriable");
}

int
main(void)
{
	test_names();
	test_retriable();
	/* kproto.h reaches the same enum (flume-serve spells codes FL_KERR_*) */
	CHECK_INT(fl_kp_batch_error(FL_EPROTO), ==, FL_KERR_INVALID_RECORD,
	    "kproto maps a batch rule break to INVALID_RECORD");
	return tap_done();
}
