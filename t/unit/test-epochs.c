/*
 * test-epochs.c: the leader-epoch-checkpoint and hw file texts, as tables
 * of (bytes -> result); every accepted text re-encodes to itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/epochs.h"
#include "tap.h"

struct epochs_case {
	const char *text;
	int rc;			/* what decode returns */
	size_t n;		/* entries, when rc == 0 */
	struct fl_epoch last;	/* the last entry, when n > 0 */
	const char *why;	/* a part of the message, when rc != 0 */
};

static const struct epochs_case epochs_cases[] = {
	{ "0\n0\n", 0, 0, { 0, 0 }, NULL },
	{ "0\n1\n0 0\n", 0, 1, { 0, 0 }, NULL },
	{ "0\n2\n0 0\n3 5120\n", 0, 2, { 3, 5120 }, NULL },
	{ "0\n3\n1 10\n2 11\n2147483647 9223372036854775807\n", 0, 3,
	    { INT32_MAX, INT64_MAX }, NULL },
	/* what plog writes for a first epoch that is not 0 */
	{ "0\n1\n7 100\n", 0, 1, { 7, 100 }, NULL },

	{ "", FL_ECORRUPT, 0, { 0, 0 }, "version" },
	{ "1\n0\n", FL_ECORRUPT, 0, { 0, 0 }, "version" },
	{ "0", FL_ECORRUPT, 0, { 0, 0 }, "version" },
	{ "00\n0\n", FL_ECORRUPT, 0, { 0, 0 }, "version" },
	{ "0\n", FL_ECORRUPT, 0, { 0, 0 }, "count" },
	{ "0\n\n", FL_ECORRUPT, 0, { 0, 0 }, "count" },
	{ "0\n1", FL_ECORRUPT, 0, { 0, 0 }, "ends inside the entry count" },
	{ "0\n-1\n", FL_ECORRUPT, 0, { 0, 0 }, "count" },
	{ "0\n+1\n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "count" },
	{ "0\n01\n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "leading zero" },
	{ "0\n 1\n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "count" },
	{ "0\n1 \n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "stray bytes" },
	{ "0\n4097\n", FL_ECORRUPT, 0, { 0, 0 }, "larger than 4096" },
	{ "0\n99999999999999999999999\n", FL_ECORRUPT, 0, { 0, 0 }, "larger" },
	/* counts that disagree with the lines */
	{ "0\n2\n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "1 entries where the count says 2" },
	{ "0\n1\n0 0\n1 5\n", FL_ECORRUPT, 0, { 0, 0 }, "after the last entry" },
	{ "0\n0\n0 0\n", FL_ECORRUPT, 0, { 0, 0 }, "after the last entry" },
	/* trailing junk */
	{ "0\n1\n0 0\n\n", FL_ECORRUPT, 0, { 0, 0 }, "1 bytes after" },
	{ "0\n1\n0 0\nx", FL_ECORRUPT, 0, { 0, 0 }, "after the last entry" },
	{ "0\n1\n0 0", FL_ECORRUPT, 0, { 0, 0 }, "ends inside the start offset" },
	{ "0\n1\n0 0\r\n", FL_ECORRUPT, 0, { 0, 0 }, "stray bytes" },
	/* entries */
	{ "0\n1\n0  0\n", FL_ECORRUPT, 0, { 0, 0 }, "start offset is not a decimal" },
	{ "0\n1\n0\t0\n", FL_ECORRUPT, 0, { 0, 0 }, "stray bytes after the epoch" },
	{ "0\n1\n-1 0\n", FL_ECORRUPT, 0, { 0, 0 }, "epoch is not a decimal" },
	{ "0\n1\n0 -5\n", FL_ECORRUPT, 0, { 0, 0 }, "start offset" },
	{ "0\n1\n2147483648 0\n", FL_ECORRUPT, 0, { 0, 0 }, "epoch is larger" },
	{ "0\n1\n0 9223372036854775808\n", FL_ECORRUPT, 0, { 0, 0 }, "offset is larger" },
	{ "0\n1\n0 18446744073709551616\n", FL_ECORRUPT, 0, { 0, 0 }, "larger" },
	{ "0\n1\n03 5\n", FL_ECORRUPT, 0, { 0, 0 }, "leading zero" },
	{ "0\n1\n3 05\n", FL_ECORRUPT, 0, { 0, 0 }, "leading zero" },
	/* order */
	{ "0\n2\n3 0\n3 10\n", FL_ECORRUPT, 0, { 0, 0 }, "line 4: epoch 3 is not above" },
	{ "0\n2\n3 0\n2 10\n", FL_ECORRUPT, 0, { 0, 0 }, "epoch 2 is not above" },
	{ "0\n2\n1 10\n2 10\n", FL_ECORRUPT, 0, { 0, 0 }, "start offset 10 is not above" },
	{ "0\n2\n1 10\n2 9\n", FL_ECORRUPT, 0, { 0, 0 }, "start offset 9 is not above" },
};

static void
test_epochs_table(void)
{
	struct fl_epoch e[FL_EPOCHS_MAX];
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(epochs_cases); i++) {
		const struct epochs_case *tc = &epochs_cases[i];
		size_t len = strlen(tc->text);
		struct fl_err err = { 0, "" };
		char what[160];
		size_t n = 99;
		int rc = fl_epochs_decode((const uint8_t *)tc->text, len, e,
		    FL_EPOCHS_MAX, &n, &err);

		snprintf(what, sizeof(what), "epochs %zu: decode returns %d", i, tc->rc);
		CHECK_INT(rc, ==, tc->rc, what);
		if (rc != tc->rc)
			printf("#   text \"%s\": %s\n", tc->text, err.msg);
		if (tc->rc != 0) {
			snprintf(what, sizeof(what), "epochs %zu: the message says \"%s\"", i,
			    tc->why);
			if (!CHECK(strstr(err.msg, tc->why) != NULL, what))
				printf("#   message: %s\n", err.msg);
			CHECK_INT(n, ==, 0, "no entries on error");
			continue;
		}
		snprintf(what, sizeof(what), "epochs %zu: %zu entries", i, tc->n);
		CHECK_INT(n, ==, tc->n, what);
		if (n > 0)
			CHECK(e[n - 1].epoch == tc->last.epoch &&
			    e[n - 1].start_offset == tc->last.start_offset, "the last entry");
		{
			struct fl_wr w;

			fl_wr_init(&w, FL_EPOCHS_TEXT_BYTES_MAX);
			CHECK_INT(fl_epochs_encode(&w, e, n), ==, 0, "re-encode");
			CHECK(w.len == len && memcmp(w.p, tc->text, len) == 0,
			    "re-encodes to the same bytes");
			fl_wr_free(&w);
		}
	}
}

static void
test_epochs_limits(void)
{
	static struct fl_epoch e[FL_EPOCHS_MAX + 1], back[FL_EPOCHS_MAX];
	struct fl_err err = { 0, "" };
	struct fl_wr w;
	size_t i, n = 0;

	for (i = 0; i < FL_EPOCHS_MAX + 1; i++) {
		e[i].epoch = (int32_t)(i * 3);
		e[i].start_offset = i * 1000 + 7;
	}
	fl_wr_init(&w, FL_EPOCHS_TEXT_BYTES_MAX);
	CHECK_INT(fl_epochs_encode(&w, e, FL_EPOCHS_MAX + 1), ==, FL_EINVAL,
	    "encode refuses more than FL_EPOCHS_MAX entries");
	CHECK_INT(w.len, ==, 0, "and writes nothing");
	CHECK_INT(fl_epochs_encode(&w, e, FL_EPOCHS_MAX), ==, 0, "encode 4096 entries");
	CHECK_INT(fl_epochs_decode(w.p, w.len, back, FL_EPOCHS_MAX, &n, &err), ==, 0,
	    "they decode");
	CHECK(n == FL_EPOCHS_MAX && memcmp(back, e, sizeof(back)) == 0, "round trip");
	CHECK_INT(fl_epochs_decode(w.p, w.len, back, 10, &n, &err), ==, FL_ERANGE,
	    "a caller array too small is FL_ERANGE");
	CHECK_INT(n, ==, 0, "with no entries");
	fl_wr_reset(&w);
	CHECK_INT(fl_epochs_decode((const uint8_t *)"0\n1\n0 0\n", 9, back,
	    FL_EPOCHS_MAX, &n, &err), ==, FL_ECORRUPT, "a NUL after the last line is junk");

	e[1].epoch = e[0].epoch;
	CHECK_INT(fl_epochs_encode(&w, e, 2), ==, FL_EINVAL, "encode refuses equal epochs");
	e[1].epoch = 5;
	e[1].start_offset = e[0].start_offset;
	CHECK_INT(fl_epochs_encode(&w, e, 2), ==, FL_EINVAL, "or equal start offsets");
	e[0].epoch = -1;
	CHECK_INT(fl_epochs_encode(&w, e, 1), ==, FL_EINVAL, "or a negative epoch");
	e[0].epoch = 0;
	e[0].start_offset = (uint64_t)INT64_MAX + 1;
	CHECK_INT(fl_epochs_encode(&w, e, 1), ==, FL_EINVAL, "or an offset past INT64_MAX");
	CHECK_INT(w.len, ==, 0, "nothing written by refused encodes");
	fl_wr_free(&w);
}

struct hw_case {
	const char *text;
	int rc;
	uint64_t hw;
	const char *why;
};

static const struct hw_case hw_cases[] = {
	{ "0\n0\n", 0, 0, NULL },
	{ "0\n12345\n", 0, 12345, NULL },
	{ "0\n9223372036854775807\n", 0, INT64_MAX, NULL },
	{ "", FL_ECORRUPT, 0, "version" },
	{ "1\n5\n", FL_ECORRUPT, 0, "version" },
	{ "0\n", FL_ECORRUPT, 0, "not a decimal" },
	{ "0\n5", FL_ECORRUPT, 0, "ends inside" },
	{ "0\n5\n\n", FL_ECORRUPT, 0, "after the last" },
	{ "0\n5\n6\n", FL_ECORRUPT, 0, "after the last" },
	{ "0\n-5\n", FL_ECORRUPT, 0, "not a decimal" },
	{ "0\n05\n", FL_ECORRUPT, 0, "leading zero" },
	{ "0\n5 \n", FL_ECORRUPT, 0, "stray bytes" },
	{ "0\n9223372036854775808\n", FL_ECORRUPT, 0, "larger" },
};

static void
test_hw_table(void)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(hw_cases); i++) {
		const struct hw_case *tc = &hw_cases[i];
		struct fl_err err = { 0, "" };
		uint64_t hw = 77;
		char what[160];
		int rc = fl_epochs_hw_decode((const uint8_t *)tc->text, strlen(tc->text),
		    &hw, &err);

		snprintf(what, sizeof(what), "hw %zu: decode returns %d", i, tc->rc);
		CHECK_INT(rc, ==, tc->rc, what);
		if (tc->rc != 0) {
			if (!CHECK(strstr(err.msg, tc->why) != NULL, "hw: the message says why"))
				printf("#   message: %s\n", err.msg);
			CHECK_U64(hw, ==, 77, "hw untouched on error");
			continue;
		}
		CHECK_U64(hw, ==, tc->hw, "hw value");
		{
			struct fl_wr w;

			fl_wr_init(&w, 64);
			CHECK_INT(fl_epochs_hw_encode(&w, hw), ==, 0, "hw re-encode");
			CHECK(w.len == strlen(tc->text) && memcmp(w.p, tc->text, w.len) == 0,
			    "hw re-encodes to the same bytes");
			fl_wr_free(&w);
		}
	}
	{
		struct fl_wr w;

		fl_wr_init(&w, 64);
		CHECK_INT(fl_epochs_hw_encode(&w, (uint64_t)INT64_MAX + 1), ==, FL_EINVAL,
		    "hw encode refuses an offset past INT64_MAX");
		fl_wr_free(&w);
	}
}

int
main(void)
{
	test_epochs_table();
	test_epochs_limits();
	test_hw_table();
	return tap_done();
}
