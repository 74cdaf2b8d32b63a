/*
 * elect.c: the controller's election rules (elect.h).
 */
#include <string.h>

#include "base/err.h"
#include "sm/elect.h"

enum fl_elect_why
fl_elect_needed(const struct fl_elect_part *p, const struct fl_nodeset *live)
{
	if (p->leader < 0)
		return FL_ELECT_NO_LEADER;
	if (!fl_nodeset_has(&p->replicas, p->leader))
		return FL_ELECT_LEADER_REMOVED;
	if (!fl_nodeset_has(live, p->leader))
		return FL_ELECT_LEADER_DOWN;
	return FL_ELECT_NOT_NEEDED;
}

const char *
fl_elect_why_name(enum fl_elect_why why)
{
	switch (why) {
	case FL_ELECT_NOT_NEEDED: return "it has a live leader";
	case FL_ELECT_NO_LEADER: return "it has no leader";
	case FL_ELECT_LEADER_DOWN: return "its leader is down";
	case FL_ELECT_LEADER_REMOVED: return "its leader is no longer a replica";
	}
	return "?";
}

static int
eligible(const struct fl_elect_part *p, const struct fl_nodeset *live, int32_t id, int unclean)
{
	return fl_nodeset_has(&p->replicas, id) && fl_nodeset_has(live, id) &&
	    (unclean || fl_nodeset_has(&p->isr, id));
}

/* The first eligible replica: the preferred one, then the rest in rotation after it. */
static int32_t
pick(const struct fl_elect_part *p, const struct fl_nodeset *live, int unclean)
{
	size_t i, at = 0, n = p->replicas.n;

	if (p->preferred >= 0 && eligible(p, live, p->preferred, unclean))
		return p->preferred;
	for (i = 0; i < n; i++)
		if (p->replicas.id[i] == p->preferred)
			at = i + 1;
	for (i = 0; i < n; i++) {
		int32_t id = p->replicas.id[(at + i) % n];

		if (eligible(p, live, id, unclean))
			return id;
	}
	return -1;
}

int
fl_elect(const struct fl_elect_part *p, const struct fl_nodeset *live, int32_t to,
    int unclean, struct fl_elect_result *out)
{
	int32_t leader;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->leader = -1;
	if (to >= 0) {
		if (!fl_nodeset_has(&p->replicas, to))
			return FL_EINVAL;
		if (!eligible(p, live, to, unclean))
			return FL_ENOENT;
		leader = to;
	} else {
#ifdef FL_PLANT_ELECT_OUTSIDE_ISR
		/* PLANTED BUG (flume-sim(1)): any live replica will do */
		unclean = 1;
		leader = pick(p, live, 1);
#else
		leader = pick(p, live, 0);
#endif
		if (leader < 0 && unclean)
			leader = pick(p, live, 1);
		if (leader < 0)
			return FL_ENOENT;
	}
	out->leader = leader;
	out->epoch = p->epoch + 1;
	out->is_unclean = !fl_nodeset_has(&p->isr, leader);
	if (out->is_unclean) {
		(void)fl_nodeset_add(&out->isr, leader);
		return 0;
	}
	for (i = 0; i < p->isr.n; i++)
		if (fl_nodeset_has(live, p->isr.id[i]))
			(void)fl_nodeset_add(&out->isr, p->isr.id[i]);
	return 0;
}
