/*
 * test-replctl.c: the broker <-> flume-repl line protocol (codec/replctl.h)
 * as tables: command lines -> parsed command or the error and the
 * partition it names; reports formatted and parsed back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/replctl.h"
#include "tap.h"

struct cmd_row {
	const char *line;
	int rc;
	enum fl_replctl_cmd_kind kind;
	const char *topic;
	int32_t part, epoch;
	const char *msg;		/* a substring of the error, or NULL */
};

static void
test_commands(void)
{
	static const struct cmd_row rows[] = {
		{ "follow t 0 5", 0, FL_REPLCTL_FOLLOW, "t", 0, 5, NULL },
		{ "  follow\tt.x-y_1 \t 17\t2147483647 \t", 0, FL_REPLCTL_FOLLOW, "t.x-y_1", 17,
		    INT32_MAX, NULL },
		{ "drop t 3", 0, FL_REPLCTL_DROP, "t", 3, -1, NULL },
		{ "", FL_ENOENT, 0, "", -1, -1, NULL },
		{ " \t ", FL_ENOENT, 0, "", -1, -1, NULL },
		{ "frob t 0", FL_EINVAL, 0, "", -1, -1, "unknown command \"frob\"" },
		{ "Follow t 0 1", FL_EINVAL, 0, "", -1, -1, "unknown command" },
		{ "follow", FL_EINVAL, 0, "", -1, -1, "follow takes TOPIC PART EPOCH" },
		{ "follow t", FL_EINVAL, 0, "t", -1, -1, "follow takes" },
		{ "follow t 0", FL_EINVAL, 0, "t", 0, -1, "follow takes" },
		{ "follow t 0 1 2", FL_EINVAL, 0, "t", 0, -1, "follow takes" },
		{ "follow t x 1", FL_EINVAL, 0, "t", -1, -1, "bad partition \"x\"" },
		{ "follow t -1 1", FL_EINVAL, 0, "t", -1, -1, "bad partition" },
		{ "follow t 2147483648 1", FL_EINVAL, 0, "t", -1, -1, "bad partition" },
		{ "follow t 0 -3", FL_EINVAL, 0, "t", 0, -1, "bad epoch \"-3\"" },
		{ "follow t 0 +3", FL_EINVAL, 0, "t", 0, -1, "bad epoch" },
		{ "follow t 0 99999999999999999999999", FL_EINVAL, 0, "t", 0, -1, "bad epoch" },
		{ "follow a/b 0 1", FL_EINVAL, 0, "", -1, -1, "bad topic name \"a/b\"" },
		{ "follow .. 0 1", FL_EINVAL, 0, "", -1, -1, "bad topic name" },
		{ "drop t", FL_EINVAL, 0, "t", -1, -1, "drop takes TOPIC PART" },
		{ "drop t 0 0", FL_EINVAL, 0, "t", 0, -1, "drop takes" },
		{ "a b c d e f g h i j k", FL_EINVAL, 0, "", -1, -1, "unknown command \"a\"" },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		const struct cmd_row *r = &rows[i];
		struct fl_replctl_cmd c;
		struct fl_err err = { 0, "" };
		char what[200];
		int rc = fl_replctl_cmd_parse(r->line, strlen(r->line), &c, &err);

		snprintf(what, sizeof(what), "command \"%s\": result", r->line);
		CHECK_INT(rc, ==, r->rc, what);
		snprintf(what, sizeof(what), "command \"%s\": names %s %d", r->line, r->topic,
		    (int)r->part);
		CHECK(strcmp(c.topic, r->topic) == 0 && c.part == r->part, what);
		if (rc == 0) {
			snprintf(what, sizeof(what), "command \"%s\": kind and epoch", r->line);
			CHECK(c.kind == r->kind && c.epoch == r->epoch, what);
		}
		if (r->msg != NULL) {
			snprintf(what, sizeof(what), "command \"%s\": says \"%s\"", r->line, r->msg);
			if (!CHECK(strstr(err.msg, r->msg) != NULL, what))
				printf("#   it said: %s\n", err.msg);
		}
	}
	{
		struct fl_replctl_cmd c;
		char line[64];

		CHECK_INT(fl_replctl_cmd_parse("follow t\0 0 1", 13, &c, NULL), ==, FL_EINVAL,
		    "a NUL byte is refused");
		c.kind = FL_REPLCTL_FOLLOW;
		strcpy(c.topic, "orders");
		c.part = 4;
		c.epoch = 9;
		CHECK_INT(fl_replctl_cmd_format(line, sizeof(line), &c), ==, 17, "format follow");
		CHECK(strcmp(line, "follow\torders\t4\t9") == 0, "as tab-separated fields");
		c.kind = FL_REPLCTL_DROP;
		CHECK_INT(fl_replctl_cmd_format(line, 8, &c), ==, FL_ERANGE, "a short buffer");
	}
}

static void
test_reports(void)
{
	static const struct {
		struct fl_replctl_rep r;
		const char *line;
	} rows[] = {
		{ { FL_REPLCTL_FOLLOWING, "t", 0, 5, 0, 0, "" }, "following\tt\t0\t5" },
		{ { FL_REPLCTL_PROGRESS, "t", 1, -1, 20000, 19990, "" }, "progress\tt\t1\t20000\t19990" },
		{ { FL_REPLCTL_TRUNCATED, "t", 2, -1, 12, 0, "" }, "truncated\tt\t2\t12" },
		{ { FL_REPLCTL_RESET, "t", 2, -1, 1000, 0, "" }, "reset\tt\t2\t1000" },
		{ { FL_REPLCTL_FENCED, "t", 0, 7, 0, 0, "" }, "fenced\tt\t0\t7" },
		{ { FL_REPLCTL_DROPPED, "t", 0, -1, 0, 0, "" }, "dropped\tt\t0" },
		{ { FL_REPLCTL_ERROR, "t", 0, -1, 0, 0, "epoch 3 is older than 5" },
		    "error\tt\t0\tepoch 3 is older than 5" },
		{ { FL_REPLCTL_ERROR, "", -1, -1, 0, 0, "unknown command \"x\ty\"\n" },
		    "error\t-\t-\tunknown command \"x y\" " },
		{ { FL_REPLCTL_ERROR, "t", -1, -1, 0, 0, "bad partition" },
		    "error\tt\t-\tbad partition" },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		struct fl_replctl_rep back;
		char line[FL_REPLCTL_LINE_MAX + 1], what[200];
		int k = fl_replctl_rep_format(line, sizeof(line), &rows[i].r);

		snprintf(what, sizeof(what), "report %zu formats as \"%s\"", i, rows[i].line);
		if (!CHECK(k == (int)strlen(rows[i].line) && strcmp(line, rows[i].line) == 0, what))
			printf("#   got \"%s\"\n", line);
		snprintf(what, sizeof(what), "report %zu parses back", i);
		CHECK_INT(fl_replctl_rep_parse(line, (size_t)k, &back, NULL), ==, 0, what);
		snprintf(what, sizeof(what), "report %zu: the same fields", i);
		CHECK(back.kind == rows[i].r.kind && strcmp(back.topic, rows[i].r.topic) == 0 &&
		    back.part == rows[i].r.part && back.epoch == rows[i].r.epoch &&
		    back.offset == rows[i].r.offset && back.hw == rows[i].r.hw, what);
	}
	{
		struct fl_replctl_rep r;
		struct fl_err err = { 0, "" };
		const char *l = "error t 0  two  words ";

		CHECK_INT(fl_replctl_rep_parse(l, strlen(l), &r, &err), ==, 0,
		    "an error's text is the rest of the line");
		CHECK(strcmp(r.text, "two  words") == 0, "inner spaces kept, outer ones not");
		l = "progress t 0 12";
		CHECK_INT(fl_replctl_rep_parse(l, strlen(l), &r, &err), ==, FL_EINVAL,
		    "progress without its hw");
		l = "progress t 0 12 x";
		CHECK_INT(fl_replctl_rep_parse(l, strlen(l), &r, &err), ==, FL_EINVAL,
		    "progress with a bad hw");
		l = "errors t 0 x";
		CHECK_INT(fl_replctl_rep_parse(l, strlen(l), &r, &err), ==, FL_EINVAL,
		    "an unknown report");
	}
}

int
main(void)
{
	test_commands();
	test_reports();
	return tap_done();
}
