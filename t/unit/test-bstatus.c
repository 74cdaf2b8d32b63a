/*
 * test-bstatus.c: a broker's `status` answer as the controller reads it
 * (codec/bstatus.h).
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "codec/bstatus.h"
#include "tap.h"

static void
test_good(void)
{
	static const char text[] =
	    "node\t2\n"
	    "cluster\tabc\n"
	    "controller_epoch\t7\n"
	    "some_future_key\twhatever\tit\tsays\n"
	    "topics\t2\n"
	    "request\t4\tcreate\tnew\t3\t2\tmin.insync.replicas=2\tretention.ms=1000\n"
	    "request\t5\tdelete\told\n"
	    "partition\tt\t0\t0\t100\t90\tleader\t3\t2\t1,2,3\t1,2\n"
	    "partition\tt\t1\t10\t20\t20\tfollower\t3\t1\t-\t-\n"
	    "partition\tu\t0\t0\t0\t0\toffline\t0\t-1\t-\t-\n"
	    "ok\n"
	    "partition\tafter\t0\t0\t0\t0\toffline\t0\t-1\t-\t-\n";
	struct fl_bstatus s, c;
	const struct fl_bstatus_part *p;
	size_t bad = 99;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	CHECK_INT(fl_bstatus_parse(&s, text, strlen(text), &bad), ==, 0, "a full answer parses");
	CHECK(s.node == 2 && s.controller_epoch == 7, "node and controller epoch");
	CHECK_INT((int)s.nparts, ==, 3, "three partitions: reading stops at ok");
	CHECK_INT((int)s.nreqs, ==, 2, "two requests");
	p = fl_bstatus_find(&s, "t", 0);
	CHECK(p != NULL && p->log_start == 0 && p->log_end == 100 && p->hw == 90 &&
	    p->role == FL_ROLE_LEADER && p->epoch == 3 && p->leader == 2 && p->isr.n == 3 &&
	    p->proposed.n == 2, "a leader's line");
	p = fl_bstatus_find(&s, "t", 1);
	CHECK(p != NULL && p->role == FL_ROLE_FOLLOWER && p->isr.n == 0 && p->proposed.n == 0,
	    "\"-\" is the empty set");
	p = fl_bstatus_find(&s, "u", 0);
	CHECK(p != NULL && p->leader == -1 && p->role == FL_ROLE_OFFLINE, "leader -1");
	CHECK(fl_bstatus_find(&s, "after", 0) == NULL && fl_bstatus_find(&s, "t", 2) == NULL,
	    "absent partitions");
	CHECK(!s.reqs[0].is_delete && strcmp(s.reqs[0].topic, "new") == 0 && s.reqs[0].id == 4 &&
	    s.reqs[0].nparts == 3 && s.reqs[0].rf == 2 &&
	    (s.reqs[0].conf.set & FL_TCONF_MIN_INSYNC) && s.reqs[0].conf.min_insync == 2 &&
	    s.reqs[0].conf.retention_ms == 1000, "a create request with its configs");
	CHECK(s.reqs[1].is_delete && strcmp(s.reqs[1].topic, "old") == 0 && s.reqs[1].id == 5,
	    "a delete request");
	CHECK_INT(fl_bstatus_copy(&c, &s), ==, 0, "copied");
	CHECK(c.nparts == 3 && c.nreqs == 2 && c.parts != s.parts &&
	    memcmp(c.parts, s.parts, 3 * sizeof(*c.parts)) == 0, "a deep copy");
	fl_bstatus_free(&s);
	fl_bstatus_free(&c);
	CHECK(s.parts == NULL && s.node == -1, "freed");
}

static void
test_bad(void)
{
	static const struct {
		const char *text;
		size_t line;
	} tab[] = {
		{ "partition\tt\t0\t0\t100\t90\tleader\t3\t2\t1,2,3\n", 1 },		/* a field short */
		{ "partition\tt\t0\t0\t100\t90\tleader\t3\t2\t1,2,3\t1\tx\n", 1 },	/* one too many */
		{ "node\t1\npartition\tt\t0\t0\t100\t90\tboss\t3\t2\t1\t1\n", 2 },	/* a role */
		{ "partition\tt\t-1\t0\t0\t0\tleader\t3\t2\t1\t1\n", 1 },
		{ "partition\tt\t0\t0\t0\t0\tleader\t3\t-2\t1\t1\n", 1 },
		{ "partition\tbad/name\t0\t0\t0\t0\tleader\t3\t2\t1\t1\n", 1 },
		{ "partition\tt\t0\t0\t0\t0\tleader\t3\t2\t1,1\t1\n", 1 },		/* a set */
		{ "partition\tt\t0\t0\t99999999999999999999\t0\tleader\t3\t2\t1\t1\n", 1 },
		{ "node\tx\n", 1 },
		{ "controller_epoch\t-1\n", 1 },
		{ "request\t0\tcreate\tt\t1\t1\n", 1 },
		{ "request\t1\tcreate\tt\t0\t1\n", 1 },
		{ "request\t1\tcreate\tt\t1\t1\tnot.a.config=1\n", 1 },
		{ "request\t1\tdelete\tt\textra\n", 1 },
		{ "request\t1\trename\tt\n", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct fl_bstatus s;
		size_t bad = 0;
		char what[96];

		memset(&s, 0, sizeof(s));
		snprintf(what, sizeof(what), "refused, naming line %zu (case %zu)", tab[i].line, i);
		CHECK(fl_bstatus_parse(&s, tab[i].text, strlen(tab[i].text), &bad) == FL_EPROTO &&
		    bad == tab[i].line && s.nparts == 0, what);
	}
}

static int
same_part(const struct fl_bstatus_part *a, const struct fl_bstatus_part *b)
{
	return strcmp(a->topic, b->topic) == 0 && a->partition == b->partition &&
	    a->log_start == b->log_start && a->log_end == b->log_end && a->hw == b->hw &&
	    a->role == b->role && a->epoch == b->epoch && a->leader == b->leader &&
	    fl_nodeset_equal(&a->isr, &b->isr) && fl_nodeset_equal(&a->proposed, &b->proposed);
}

/* The writers: each line as flume-serve writes it, and an answer read back. */
static void
test_format(void)
{
	struct fl_bstatus_part parts[3];
	struct fl_bstatus_req reqs[2];
	struct fl_bstatus s, back;
	char line[512], text[4096];
	size_t bad = 99, i;
	int k;

	memset(parts, 0, sizeof(parts));
	memset(reqs, 0, sizeof(reqs));
	strcpy(parts[0].topic, "t");
	parts[0].partition = 0;
	parts[0].log_end = 100;
	parts[0].hw = 90;
	parts[0].role = FL_ROLE_LEADER;
	parts[0].epoch = 3;
	parts[0].leader = 2;
	FL_ASSERT(fl_nodeset_parse(&parts[0].isr, "3,1,2") == 0);
	FL_ASSERT(fl_nodeset_parse(&parts[0].proposed, "1,2") == 0);
	strcpy(parts[1].topic, "t");
	parts[1].partition = 1;
	parts[1].log_start = 10;
	parts[1].log_end = 20;
	parts[1].hw = 20;
	parts[1].role = FL_ROLE_FOLLOWER;
	parts[1].epoch = 3;
	parts[1].leader = 1;
	strcpy(parts[2].topic, "u.v-w_x");
	parts[2].partition = 9999;
	parts[2].log_start = parts[2].log_end = parts[2].hw = UINT64_C(9223372036854775807);
	parts[2].role = FL_ROLE_OFFLINE;
	parts[2].epoch = INT32_MAX;
	parts[2].leader = -1;
	reqs[0].id = 4;
	strcpy(reqs[0].topic, "new");
	reqs[0].nparts = 3;
	reqs[0].rf = 2;
	FL_ASSERT(fl_topic_conf_set(&reqs[0].conf, "retention.ms", 12, "1000", 4) == 0 &&
	    fl_topic_conf_set(&reqs[0].conf, "min.insync.replicas", 19, "2", 1) == 0);
	reqs[1].id = 5;
	reqs[1].is_delete = 1;
	strcpy(reqs[1].topic, "old");

	k = fl_bstatus_format_part(line, sizeof(line), &parts[0]);
	CHECK(k == (int)strlen(line) && strcmp(line,
	    "partition\tt\t0\t0\t100\t90\tleader\t3\t2\t1,2,3\t1,2") == 0, "a leader's line");
	fl_bstatus_format_part(line, sizeof(line), &parts[1]);
	CHECK(strcmp(line, "partition\tt\t1\t10\t20\t20\tfollower\t3\t1\t-\t-") == 0,
	    "a follower's: empty sets are -");
	CHECK_INT(fl_bstatus_format_part(line, 20, &parts[1]), ==, FL_ERANGE, "a short buffer");
	fl_bstatus_format_req(line, sizeof(line), &reqs[0]);
	CHECK(strcmp(line, "request\t4\tcreate\tnew\t3\t2\tmin.insync.replicas=2\t"
	    "retention.ms=1000") == 0, "a create request: one field per config");
	fl_bstatus_format_req(line, sizeof(line), &reqs[1]);
	CHECK(strcmp(line, "request\t5\tdelete\told") == 0, "a delete request");
	reqs[1].is_delete = 0;
	reqs[1].nparts = reqs[1].rf = 1;
	fl_bstatus_format_req(line, sizeof(line), &reqs[1]);
	CHECK(strcmp(line, "request\t5\tcreate\told\t1\t1") == 0, "a create without configs");
	reqs[1].is_delete = 1;
	reqs[1].nparts = reqs[1].rf = 0;

	memset(&s, 0, sizeof(s));
	memset(&back, 0, sizeof(back));
	s.node = 7;
	s.controller_epoch = 12;
	s.parts = parts;
	s.nparts = 3;
	s.reqs = reqs;
	s.nreqs = 2;
	k = fl_bstatus_format(text, sizeof(text), &s);
	CHECK(k > 0 && (size_t)k == strlen(text) && strncmp(text, "node\t7\ncontroller_epoch\t12\n"
	    "request\t4\t", 37) == 0 && strcmp(text + k - 3, "ok\n") == 0,
	    "the whole answer: node, controller_epoch, requests, partitions, ok");
	CHECK_INT(fl_bstatus_parse(&back, text, (size_t)k, &bad), ==, 0, "parses back");
	CHECK(back.node == 7 && back.controller_epoch == 12 && back.nparts == 3 &&
	    back.nreqs == 2, "node, epoch, counts");
	for (i = 0; i < 3 && i < back.nparts; i++) {
		char what[64];

		snprintf(what, sizeof(what), "partition %zu: the same fields", i);
		CHECK(same_part(&back.parts[i], &parts[i]), what);
	}
	CHECK(back.nreqs == 2 && memcmp(&back.reqs[0], &reqs[0], sizeof(reqs[0])) == 0 &&
	    memcmp(&back.reqs[1], &reqs[1], sizeof(reqs[1])) == 0, "requests: the same fields");
	fl_bstatus_free(&back);
	CHECK_INT(fl_bstatus_format(text, (size_t)k, &s), ==, FL_ERANGE, "one byte short");
	CHECK(text[0] == '\0', "leaves an empty string");
	s.nparts = s.nreqs = 0;
	CHECK_INT(fl_bstatus_format(text, sizeof(text), &s), ==, 30, "no partitions");
	CHECK(strcmp(text, "node\t7\ncontroller_epoch\t12\nok\n") == 0, "three lines");
}

int
main(void)
{
	test_good();
	test_bad();
	test_format();
	return tap_done();
}
