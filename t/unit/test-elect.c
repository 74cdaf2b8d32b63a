/*
 * test-elect.c: the controller's election rules (sm/elect.h) as a table of
 * (partition state, live brokers, request) -> (why, leader, epoch, ISR).
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "sm/elect.h"
#include "tap.h"

static struct fl_nodeset
set(const char *text)
{
	struct fl_nodeset s;

	memset(&s, 0, sizeof(s));
	if (strcmp(text, "-") != 0)
		FL_ASSERT(fl_nodeset_parse(&s, text) == 0);
	return s;
}

static void
test_table(void)
{
	static const struct {
		const char *what;
		int32_t epoch, leader, preferred;
		const char *replicas, *isr, *live;
		int32_t to;
		int unclean;
		/* expected */
		enum fl_elect_why why;
		int rc;
		int32_t new_leader;
		const char *new_isr;
		int is_unclean;
	} tab[] = {
		{ "a live leader needs nothing", 3, 1, 1, "1,2,3", "1,2,3", "1,2,3", -1, 0,
		  FL_ELECT_NOT_NEEDED, 0, 1, "1,2,3", 0 },
		{ "a new partition: the preferred replica", 0, -1, 2, "1,2,3", "1,2,3", "1,2,3", -1, 0,
		  FL_ELECT_NO_LEADER, 0, 2, "1,2,3", 0 },
		{ "leader down: the preferred one if in the ISR", 3, 1, 2, "1,2,3", "1,2,3", "2,3", -1, 0,
		  FL_ELECT_LEADER_DOWN, 0, 2, "2,3", 0 },
		{ "leader down, preferred is it: the next in rotation", 3, 2, 2, "1,2,3", "1,2,3",
		  "1,3", -1, 0, FL_ELECT_LEADER_DOWN, 0, 3, "1,3", 0 },
		{ "only ISR members: a live replica outside it is not taken", 3, 1, 1, "1,2,3", "1,2",
		  "3", -1, 0, FL_ELECT_LEADER_DOWN, FL_ENOENT, -1, "-", 0 },
		{ "unclean: a live replica outside the ISR, ISR itself alone", 3, 1, 1, "1,2,3", "1,2",
		  "3", -1, 1, FL_ELECT_LEADER_DOWN, 0, 3, "3", 1 },
		{ "unclean allowed but an ISR member lives: it is clean", 3, 1, 1, "1,2,3", "1,2",
		  "2,3", -1, 1, FL_ELECT_LEADER_DOWN, 0, 2, "2", 0 },
		{ "nobody live", 3, 1, 1, "1,2,3", "1,2,3", "-", -1, 1,
		  FL_ELECT_LEADER_DOWN, FL_ENOENT, -1, "-", 0 },
		{ "--to a live ISR member", 3, 1, 1, "1,2,3", "1,2,3", "1,2,3", 3, 0,
		  FL_ELECT_NOT_NEEDED, 0, 3, "1,2,3", 0 },
		{ "--to a replica outside the ISR, clean: refused", 3, 1, 1, "1,2,3", "1,2",
		  "1,2,3", 3, 0, FL_ELECT_NOT_NEEDED, FL_ENOENT, -1, "-", 0 },
		{ "--to a replica outside the ISR, unclean", 3, 1, 1, "1,2,3", "1,2", "1,2,3", 3, 1,
		  FL_ELECT_NOT_NEEDED, 0, 3, "3", 1 },
		{ "--to a node that is down", 3, 1, 1, "1,2,3", "1,2,3", "1,2", 3, 0,
		  FL_ELECT_NOT_NEEDED, FL_ENOENT, -1, "-", 0 },
		{ "--to a node that is no replica", 3, 1, 1, "1,2,3", "1,2,3", "1,2,3,4", 4, 1,
		  FL_ELECT_NOT_NEEDED, FL_EINVAL, -1, "-", 0 },
		{ "the leader was reassigned away", 3, 4, 1, "1,2,3", "1,2,3", "1,2,3,4", -1, 0,
		  FL_ELECT_LEADER_REMOVED, 0, 1, "1,2,3", 0 },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		struct fl_elect_part p;
		struct fl_nodeset live = set(tab[i].live);
		struct fl_elect_result res;
		char got[64], what[160];
		int rc;

		memset(&p, 0, sizeof(p));
		p.epoch = tab[i].epoch;
		p.leader = tab[i].leader;
		p.preferred = tab[i].preferred;
		p.replicas = set(tab[i].replicas);
		p.isr = set(tab[i].isr);
		snprintf(what, sizeof(what), "%s: why", tab[i].what);
		CHECK_INT(fl_elect_needed(&p, &live), ==, tab[i].why, what);
		rc = fl_elect(&p, &live, tab[i].to, tab[i].unclean, &res);
		snprintf(what, sizeof(what), "%s: result", tab[i].what);
		CHECK_INT(rc, ==, tab[i].rc, what);
		snprintf(what, sizeof(what), "%s: leader", tab[i].what);
		CHECK_INT(res.leader, ==, tab[i].new_leader, what);
		if (rc != 0)
			continue;
		snprintf(what, sizeof(what), "%s: epoch up by one", tab[i].what);
		CHECK_INT(res.epoch, ==, tab[i].epoch + 1, what);
		(void)fl_nodeset_format(&res.isr, got, sizeof(got));
		snprintf(what, sizeof(what), "%s: ISR %s", tab[i].what, tab[i].new_isr);
		if (!CHECK(strcmp(got, tab[i].new_isr) == 0, what))
			printf("#   got %s\n", got);
		snprintf(what, sizeof(what), "%s: unclean flag", tab[i].what);
		CHECK_INT(res.is_unclean, ==, tab[i].is_unclean, what);
	}
	CHECK(strcmp(fl_elect_why_name(FL_ELECT_LEADER_DOWN), "its leader is down") == 0,
	    "reasons have sentences");
}

int
main(void)
{
	test_table();
	return tap_done();
}
