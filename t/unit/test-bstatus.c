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

int
main(void)
{
	test_good();
	test_bad();
	return tap_done();
}
