/*
 * test-rverb.c: the controller -> broker admin lines (codec/rverb.h) as
 * tables: lines that parse, formatted back to the controller's text and
 * parsed again; every refusal with the exact words flume-serve answers
 * after "error: ", in the order it makes its checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/rverb.h"
#include "tap.h"

#define SELF 1

/* Lines the controller writes: each parses and formats back to itself. */
static const char *const canonical[] = {
	"controller 7",
	"controller 9223372036854775807",
	"brokers 1=h1:9092",
	"brokers 1=h1:9092 2=::1:9093 3=host-3.example:1",
	"lead t 0 5 1,2,3 1,2 100",
	"lead t 0 5 1,2,3 1,2 0",
	"lead t 9999 2147483647 1 1",
	"follow t.x-y_1 17 2147483647 2 1,2",
	"follow t 0 0 2 2,3",
	"isr t 3 4 1,2",
	"isr t 3 4 7",
	"offline t 0 3",
	"offline t 0 3 2 2,3",
	"done 1",
	"done 18446744073709551615",
	"create t",
	"create t 3",
	"create t 3 min.insync.replicas=2 retention.ms=1000",
	"create t min.insync.replicas=2 replica.lag.time.max.ms=5 retention.ms=-1 "
	    "retention.bytes=1024",
	"create __consumer_offsets 1",
	"delete t",
};

static void
test_canonical(void)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(canonical); i++) {
		struct fl_cmeta_broker br[8], br2[8];
		struct fl_rverb v, w;
		char why[256], line[FL_RVERB_LINE_MAX], what[300];
		const char *l = canonical[i];
		int rc = fl_rverb_parse(l, strlen(l), SELF, &v, br, FL_ARRAY_LEN(br), why,
		    sizeof(why));
		int k;

		snprintf(what, sizeof(what), "\"%s\" parses", l);
		if (!CHECK(rc == 0, what))
			printf("#   rc %d, why: %s\n", rc, why);
		if (rc != 0)
			continue;
		k = fl_rverb_format(line, sizeof(line), &v);
		snprintf(what, sizeof(what), "\"%s\" formats back to itself", l);
		if (!CHECK(k == (int)strlen(l) && strcmp(line, l) == 0, what))
			printf("#   got \"%s\" (%d)\n", line, k);
		snprintf(what, sizeof(what), "\"%s\" parses again to the same", l);
		rc = fl_rverb_parse(line, strlen(line), SELF, &w, br2, FL_ARRAY_LEN(br2), why,
		    sizeof(why));
		CHECK(rc == 0 && w.kind == v.kind && strcmp(w.topic, v.topic) == 0 &&
		    w.part == v.part && w.epoch == v.epoch && w.ctl_epoch == v.ctl_epoch &&
		    w.id == v.id && w.leader == v.leader &&
		    fl_nodeset_equal(&w.replicas, &v.replicas) && fl_nodeset_equal(&w.isr, &v.isr) &&
		    w.has_hw == v.has_hw && w.hw == v.hw && w.nbrokers == v.nbrokers &&
		    (v.nbrokers == 0 || memcmp(w.brokers, v.brokers, v.nbrokers * sizeof(*br)) == 0) &&
		    w.nparts == v.nparts && memcmp(&w.conf, &v.conf, sizeof(w.conf)) == 0, what);
		snprintf(what, sizeof(what), "\"%s\" does not fit %d bytes", l, k);
		CHECK_INT(fl_rverb_format(line, (size_t)k, &v), ==, FL_ERANGE, what);
	}
}

/* What parses, field by field (operands in other spellings too). */
static void
test_fields(void)
{
	struct fl_cmeta_broker br[4];
	struct fl_rverb v;
	char why[256], line[512];
	const char *l;

#define PARSE(s) (l = (s), fl_rverb_parse(l, strlen(l), SELF, &v, br, FL_ARRAY_LEN(br), why, \
	sizeof(why)))
	CHECK_INT(PARSE("  lead\tt  0 5 3,1,2 2,1 \t"), ==, 0, "lead with blanks and unsorted sets");
	CHECK(v.kind == FL_RVERB_LEAD && strcmp(v.topic, "t") == 0 && v.part == 0 &&
	    v.epoch == 5 && v.replicas.n == 3 && v.isr.n == 2 && !v.has_hw && v.leader == -1 &&
	    v.nparts == -1, "lead: its fields, no HW");
	CHECK_INT(fl_rverb_format(line, sizeof(line), &v), >, 0, "formatted");
	CHECK(strcmp(line, "lead t 0 5 1,2,3 1,2") == 0, "canonical: sorted sets, single spaces");
	CHECK_INT(PARSE("lead t 007 5 1 1 0012"), ==, 0, "leading zeros");
	CHECK(v.part == 7 && v.has_hw && v.hw == 12, "as numbers");
	CHECK_INT(PARSE("follow t 2 3 4 1,4"), ==, 0, "follow");
	CHECK(v.kind == FL_RVERB_FOLLOW && v.leader == 4 && v.replicas.n == 2 && v.part == 2 &&
	    v.epoch == 3, "follow: its fields");
	CHECK_INT(PARSE("offline t 1 2"), ==, 0, "offline alone");
	CHECK(v.kind == FL_RVERB_OFFLINE && v.leader == -1 && v.replicas.n == 0,
	    "offline: no leader, no replicas");
	CHECK_INT(PARSE("brokers 3=c:3 1=a:1"), ==, 0, "brokers in any order");
	CHECK(v.brokers == br && v.nbrokers == 2 && br[0].id == 3 && br[1].port == 1 &&
	    strcmp(br[1].host, "a") == 0, "brokers: into the caller's array, in line order");
	CHECK_INT(PARSE("create t retention.ms=5"), ==, 0, "create with a config, no count");
	CHECK(v.nparts == -1 && (v.conf.set & FL_TCONF_RETENTION_MS) && v.conf.retention_ms == 5,
	    "create: no count, one config");
	CHECK_INT(PARSE("controller 3"), ==, 0, "controller");
	CHECK(v.kind == FL_RVERB_CONTROLLER && v.ctl_epoch == 3, "controller: its epoch");
	CHECK_INT(fl_rverb_parse("brokers 1=a:1", 13, SELF, &v, NULL, 0, why, sizeof(why)), ==,
	    FL_ERANGE, "brokers without storage");
	CHECK_INT(fl_rverb_parse("brokers 1=a:1 2=b:2", 19, SELF, &v, br, 1, why, sizeof(why)), ==,
	    FL_ERANGE, "brokers beyond the storage");
	CHECK_INT(fl_rverb_parse("lead t\0 0 1 1 1", 15, SELF, &v, br, 4, why, sizeof(why)), ==,
	    FL_EINVAL, "a NUL byte ends the words; refused");
	CHECK_INT(fl_rverb_parse("lead t 0 1 1 1", 14, SELF, &v, br, 4, NULL, 0), ==, 0,
	    "why may be NULL");
	CHECK_INT(fl_rverb_parse("lead t 0 1 2 1", 14, SELF, &v, br, 4, NULL, 0), ==, FL_EINVAL,
	    "refused with why NULL");
#undef PARSE
}

struct bad_row {
	const char *line;
	int rc;
	enum fl_rverb_kind kind;
	const char *why;		/* exactly */
};

static void
test_refusals(void)
{
	static const struct bad_row rows[] = {
		/* not one of these verbs: the broker tries its others */
		{ "", FL_ENOENT, 0, NULL },
		{ " \t ", FL_ENOENT, 0, NULL },
		{ "status", FL_ENOENT, 0, NULL },
		{ "partition t 0", FL_ENOENT, 0, NULL },
		{ "Lead t 0 1 1 1", FL_ENOENT, 0, NULL },
		{ "leader t 0 1 1 1", FL_ENOENT, 0, NULL },
		{ "frob", FL_ENOENT, 0, NULL },

		{ "controller", FL_EINVAL, FL_RVERB_CONTROLLER, "usage: controller EPOCH" },
		{ "controller 1 2", FL_EINVAL, FL_RVERB_CONTROLLER, "usage: controller EPOCH" },
		{ "controller 0", FL_EINVAL, FL_RVERB_CONTROLLER,
		    "the controller epoch must be 1..9223372036854775807" },
		{ "controller 9223372036854775808", FL_EINVAL, FL_RVERB_CONTROLLER,
		    "the controller epoch must be 1..9223372036854775807" },
		{ "controller -1", FL_EINVAL, FL_RVERB_CONTROLLER,
		    "the controller epoch must be 1..9223372036854775807" },

		{ "brokers", FL_EINVAL, FL_RVERB_BROKERS, "usage: brokers ID=HOST:PORT ..." },
		{ "brokers 1=h", FL_EINVAL, FL_RVERB_BROKERS, "1=h: brokers are ID=HOST:PORT" },
		{ "brokers 1=h:1 x=h:2", FL_EINVAL, FL_RVERB_BROKERS,
		    "x=h:2: brokers are ID=HOST:PORT" },
		{ "brokers 1=h:0", FL_EINVAL, FL_RVERB_BROKERS, "1=h:0: brokers are ID=HOST:PORT" },
		{ "brokers 2=h:1 3=h:2", FL_EINVAL, FL_RVERB_BROKERS,
		    "the list must name this node (1)" },
		{ "brokers 2=h:1 1=h:2 2=g:3", FL_EINVAL, FL_RVERB_BROKERS,
		    "a broker id is named twice" },

		{ "lead t 0 1 1", FL_EINVAL, FL_RVERB_LEAD,
		    "usage: lead TOPIC PART EPOCH REPLICAS ISR [HW]" },
		{ "lead t 0 1 1 1 1 1", FL_EINVAL, FL_RVERB_LEAD,
		    "usage: lead TOPIC PART EPOCH REPLICAS ISR [HW]" },
		{ "lead a/b x y z w v", FL_EINVAL, FL_RVERB_LEAD, "epoch must be 0..2147483647" },
		{ "lead t 0 2147483648 1 1", FL_EINVAL, FL_RVERB_LEAD,
		    "epoch must be 0..2147483647" },
		{ "lead t 0 1 x 1", FL_EINVAL, FL_RVERB_LEAD,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "lead t 0 1 - 1", FL_EINVAL, FL_RVERB_LEAD,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "lead t 0 1 1,1 1", FL_EINVAL, FL_RVERB_LEAD,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "lead t 0 1 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 1", FL_EINVAL, FL_RVERB_LEAD,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "lead t 0 1 1,2 x", FL_EINVAL, FL_RVERB_LEAD,
		    "ISR must be node ids like 1,2,3 (at most 16)" },
		{ "lead t 0 1 1,2 1 x", FL_EINVAL, FL_RVERB_LEAD, "HW must be an offset" },
		{ "lead t 0 1 1,2 1 9223372036854775808", FL_EINVAL, FL_RVERB_LEAD,
		    "HW must be an offset" },
		{ "lead t 0 1 2,3 2", FL_EINVAL, FL_RVERB_LEAD,
		    "this node (1) must be in REPLICAS and ISR" },
		{ "lead t 0 1 1,2 2", FL_EINVAL, FL_RVERB_LEAD,
		    "this node (1) must be in REPLICAS and ISR" },
		{ "lead t 0 1 1,2 1,4", FL_EINVAL, FL_RVERB_LEAD, "ISR member 4 is not a replica" },
		{ "lead t 10000 1 1 1", FL_EINVAL, FL_RVERB_LEAD, "partition must be 0..9999" },
		{ "lead t -1 1 1 1", FL_EINVAL, FL_RVERB_LEAD, "partition must be 0..9999" },
		{ "lead a/b 0 1 1 1", FL_EINVAL, FL_RVERB_LEAD, "invalid topic name" },
		{ "lead .. 0 1 1 1", FL_EINVAL, FL_RVERB_LEAD, "invalid topic name" },

		{ "follow t 0 1 2", FL_EINVAL, FL_RVERB_FOLLOW,
		    "usage: follow TOPIC PART EPOCH LEADER_ID REPLICAS" },
		{ "follow t 0 x y z", FL_EINVAL, FL_RVERB_FOLLOW, "epoch must be 0..2147483647" },
		{ "follow t 0 1 x 1,2", FL_EINVAL, FL_RVERB_FOLLOW, "LEADER_ID must be a node id" },
		{ "follow t 0 1 1 x", FL_EINVAL, FL_RVERB_FOLLOW,
		    "a node does not follow itself (use lead)" },
		{ "follow t 0 1 2 x", FL_EINVAL, FL_RVERB_FOLLOW,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "follow t x 1 2 1,2", FL_EINVAL, FL_RVERB_FOLLOW, "partition must be 0..9999" },
		{ "follow a/b 0 1 2 1,2", FL_EINVAL, FL_RVERB_FOLLOW, "invalid topic name" },

		{ "isr t 0 1", FL_EINVAL, FL_RVERB_ISR, "usage: isr TOPIC PART EPOCH LIST" },
		{ "isr t 0 x y", FL_EINVAL, FL_RVERB_ISR, "epoch must be 0..2147483647" },
		{ "isr t x 1 y", FL_EINVAL, FL_RVERB_ISR,
		    "LIST must be node ids like 1,2,3 (at most 16)" },
		{ "isr t x 1 1", FL_EINVAL, FL_RVERB_ISR, "partition must be 0..9999" },
		{ "isr a/b 3 1 1", FL_EINVAL, FL_RVERB_ISR, "no partition a/b-3" },

		{ "offline t 0", FL_EINVAL, FL_RVERB_OFFLINE,
		    "usage: offline TOPIC PART EPOCH [LEADER REPLICAS]" },
		{ "offline t 0 x 2", FL_EINVAL, FL_RVERB_OFFLINE, "epoch must be 0..2147483647" },
		{ "offline t 0 1 2", FL_EINVAL, FL_RVERB_OFFLINE,
		    "usage: offline TOPIC PART EPOCH [LEADER REPLICAS]" },
		{ "offline t 0 1 x 2,3", FL_EINVAL, FL_RVERB_OFFLINE, "LEADER must be a node id" },
		{ "offline t 0 1 2 x", FL_EINVAL, FL_RVERB_OFFLINE,
		    "REPLICAS must be node ids like 1,2,3 (at most 16)" },
		{ "offline t 0 1 4 2,3", FL_EINVAL, FL_RVERB_OFFLINE, "LEADER must be one of REPLICAS" },
		{ "offline t 0 1 2 1,2", FL_EINVAL, FL_RVERB_OFFLINE,
		    "this node is a replica (use follow)" },
		{ "offline t x 1", FL_EINVAL, FL_RVERB_OFFLINE, "partition must be 0..9999" },
		{ "offline a/b 0 1", FL_EINVAL, FL_RVERB_OFFLINE, "no partition a/b-0" },

		{ "done", FL_EINVAL, FL_RVERB_DONE, "usage: done ID" },
		{ "done 0", FL_EINVAL, FL_RVERB_DONE, "ID must be a request id" },
		{ "done x", FL_EINVAL, FL_RVERB_DONE, "ID must be a request id" },
		{ "done 18446744073709551616", FL_EINVAL, FL_RVERB_DONE, "ID must be a request id" },

		{ "create", FL_EINVAL, FL_RVERB_CREATE,
		    "usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]" },
		{ "create t 1 a=1 b=2 c=3 d=4 e=5", FL_EINVAL, FL_RVERB_CREATE,
		    "usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]" },
		{ "create a/b 0", FL_EINVAL, FL_RVERB_CREATE, "partitions must be 1..10000" },
		{ "create t 10001", FL_EINVAL, FL_RVERB_CREATE, "partitions must be 1..10000" },
		{ "create t 3 x", FL_EINVAL, FL_RVERB_CREATE,
		    "usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]" },
		{ "create t =1", FL_EINVAL, FL_RVERB_CREATE,
		    "usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]" },
		{ "create t cleanup.policy=compact", FL_EINVAL, FL_RVERB_CREATE,
		    "cleanup.policy: the topic configs are min.insync.replicas, "
		    "replica.lag.time.max.ms, retention.ms and retention.bytes" },
		{ "create t min.insync.replicas=0", FL_EINVAL, FL_RVERB_CREATE,
		    "min.insync.replicas=0: not a number in the config's range" },
		{ "create t retention.ms=default", FL_EINVAL, FL_RVERB_CREATE,
		    "retention.ms=default: not a number in the config's range" },
		{ "create a/b 3 retention.ms=1", FL_EINVAL, FL_RVERB_CREATE, "invalid topic name" },

		{ "delete", FL_EINVAL, FL_RVERB_DELETE, "usage: delete TOPIC" },
		{ "delete a b", FL_EINVAL, FL_RVERB_DELETE, "usage: delete TOPIC" },
		{ "delete a/b", FL_EINVAL, FL_RVERB_DELETE, "no topic a/b" },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		const struct bad_row *r = &rows[i];
		struct fl_cmeta_broker br[4];
		struct fl_rverb v;
		char why[FL_RVERB_WHY_MAX], what[300];
		int rc = fl_rverb_parse(r->line, strlen(r->line), SELF, &v, br, FL_ARRAY_LEN(br),
		    why, sizeof(why));

		snprintf(what, sizeof(what), "\"%s\": refused", r->line);
		CHECK_INT(rc, ==, r->rc, what);
		if (r->why == NULL)
			continue;
		snprintf(what, sizeof(what), "\"%s\": says \"%s\"", r->line, r->why);
		if (!CHECK(strcmp(why, r->why) == 0 && v.kind == r->kind, what))
			printf("#   it said: \"%s\" (kind %d)\n", why, (int)v.kind);
	}
}

/* Words beyond what any verb takes; a brokers line at and past its limit. */
static void
test_counts(void)
{
	struct fl_cmeta_broker br[FL_RVERB_OPERANDS_MAX];
	struct fl_rverb v;
	char line[FL_RVERB_LINE_MAX + 8], why[256];
	size_t len, i;

	len = (size_t)snprintf(line, sizeof(line), "brokers");
	for (i = 1; i <= FL_RVERB_OPERANDS_MAX; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %zu=h:1", i);
	CHECK_INT(fl_rverb_parse(line, len, SELF, &v, br, FL_ARRAY_LEN(br), why, sizeof(why)),
	    ==, 0, "64 brokers");
	CHECK_INT((int)v.nbrokers, ==, FL_RVERB_OPERANDS_MAX, "all of them");
	len += (size_t)snprintf(line + len, sizeof(line) - len, " 65=h:1");
	CHECK_INT(fl_rverb_parse(line, len, SELF, &v, br, FL_ARRAY_LEN(br), why, sizeof(why)),
	    ==, FL_EINVAL, "65 brokers");
	CHECK(strcmp(why, "usage: brokers ID=HOST:PORT ...") == 0, "are more than a line takes");
	memset(line, ' ', FL_RVERB_LINE_MAX + 1);
	memcpy(line, "done 1", 6);
	CHECK_INT(fl_rverb_parse(line, FL_RVERB_LINE_MAX + 1, SELF, &v, br, 1, why, sizeof(why)),
	    ==, FL_EINVAL, "a line longer than FL_RVERB_LINE_MAX");
	CHECK(strcmp(why, "line too long") == 0, "says so");
	CHECK_INT(fl_rverb_parse(line, FL_RVERB_LINE_MAX, SELF, &v, br, 1, why, sizeof(why)),
	    ==, 0, "one of FL_RVERB_LINE_MAX is read");
}

/* The broker's order: count, then the fence (its own), then the operands. */
static void
test_peek(void)
{
	enum fl_rverb_kind k = FL_RVERB_DELETE;
	char why[256];
	struct fl_rverb v;

	CHECK_INT(fl_rverb_peek("lead x y", 8, &k, why, sizeof(why)), ==, FL_EINVAL,
	    "peek: a wrong count");
	CHECK(k == FL_RVERB_LEAD && strcmp(why, "usage: lead TOPIC PART EPOCH REPLICAS ISR [HW]") == 0,
	    "peek: the usage");
	CHECK_INT(fl_rverb_peek("lead x y z w v", 14, &k, why, sizeof(why)), ==, 0,
	    "peek: the count fits, the operands are not looked at");
	CHECK_INT(fl_rverb_peek("status", 6, &k, why, sizeof(why)), ==, FL_ENOENT,
	    "peek: another verb");
	CHECK_INT(fl_rverb_parse("follow t 0 1 2 x", 16, SELF, &v, NULL, 0, why, sizeof(why)),
	    ==, FL_EINVAL, "follow refused after LEADER_ID");
	CHECK(v.leader == 2, "with LEADER_ID, for the broker's own check before it");
	CHECK_INT(fl_rverb_parse("follow t 0 1 x 1,2", 18, SELF, &v, NULL, 0, why, sizeof(why)),
	    ==, FL_EINVAL, "follow refused at LEADER_ID");
	CHECK(v.leader == -1, "without it");
	CHECK(fl_rverb_changes(FL_RVERB_LEAD) && fl_rverb_changes(FL_RVERB_DONE) &&
	    fl_rverb_changes(FL_RVERB_CREATE) && !fl_rverb_changes(FL_RVERB_CONTROLLER),
	    "every verb but controller changes state");
	CHECK(strcmp(fl_rverb_usage(FL_RVERB_ISR), "isr TOPIC PART EPOCH LIST") == 0, "usage");
}

static void
test_conf_operand(void)
{
	struct fl_topic_conf c;
	char why[256];

	memset(&c, 0, sizeof(c));
	CHECK_INT(fl_rverb_conf_operand("retention.ms=5", &c, 1, "u", why, sizeof(why)), ==, 0,
	    "a config");
	CHECK_INT(fl_rverb_conf_operand("retention.ms=default", &c, 1, "u", why, sizeof(why)), ==,
	    0, "default, when it may unset");
	CHECK(!(c.set & FL_TCONF_RETENTION_MS), "forgets it");
	CHECK_INT(fl_rverb_conf_operand("x", &c, 1, "config TOPIC [KEY=VALUE ...]", why,
	    sizeof(why)), ==, FL_EINVAL, "no '='");
	CHECK(strcmp(why, "usage: config TOPIC [KEY=VALUE ...]") == 0, "the caller's usage");
}

static void
test_format_only(void)
{
	struct fl_rverb v;
	char line[64];

	memset(&v, 0, sizeof(v));
	v.kind = FL_RVERB_OFFLINE;
	strcpy(v.topic, "t");
	v.part = 2;
	v.epoch = 3;
	v.leader = 4;
	CHECK_INT(fl_rverb_format(line, sizeof(line), &v), >, 0, "offline with no replicas");
	CHECK(strcmp(line, "offline t 2 3 4 -") == 0, "an empty set is \"-\", as sm/ctl wrote it");
	v.kind = FL_RVERB_BROKERS;
	v.nbrokers = 0;
	CHECK_INT(fl_rverb_format(line, sizeof(line), &v), ==, 7, "brokers, none");
	v.kind = (enum fl_rverb_kind)99;
	CHECK_INT(fl_rverb_format(line, sizeof(line), &v), ==, FL_ERANGE, "no such verb");
	CHECK_INT(fl_rverb_format(line, 0, &v), ==, FL_ERANGE, "no room at all");
}

int
main(void)
{
	test_canonical();
	test_fields();
	test_refusals();
	test_counts();
	test_peek();
	test_conf_operand();
	test_format_only();
	return tap_done();
}
