/*
 * elect.h: the controller's election rules (DESIGN §6), as pure functions
 * of a partition's committed state and the set of live brokers, so that
 * flume-ctl and flume-sim decide alike and tests read as tables.
 *
 * A partition needs an election when it has no leader, or its leader is
 * not live, or its leader is no longer one of its replicas.  A clean
 * election picks a live member of the committed ISR, the preferred
 * replica first, then the others in rotation after it; the new ISR is the
 * old one without the members that are not live.  An unclean election
 * (the operator's choice only) may pick any live replica; its ISR is the
 * new leader alone, and the offsets above its log end may be lost.
 * Either way the leader epoch goes up by one.
 *
 * Ownership: caller storage throughout.  Errors: FL_ENOENT (nobody may be
 * elected), FL_EINVAL (a bad request: `to` not a replica).
 * Layer: sm (pure: no allocation, no system calls).
 */
#ifndef FL_ELECT_H
#define FL_ELECT_H

#include <stdint.h>

#include "codec/nodeset.h"

struct fl_elect_part {
	int32_t epoch;			/* the partition's leader epoch now */
	int32_t leader;			/* its leader now, -1: none */
	int32_t preferred;		/* the replica placement prefers, -1: none */
	struct fl_nodeset replicas;
	struct fl_nodeset isr;		/* committed */
};

enum fl_elect_why {
	FL_ELECT_NOT_NEEDED = 0,
	FL_ELECT_NO_LEADER,		/* new partition, or offline */
	FL_ELECT_LEADER_DOWN,		/* the leader is not live */
	FL_ELECT_LEADER_REMOVED		/* the leader is no longer a replica (reassignment) */
};

/* Why p needs an election given the live brokers (0: it does not). */
enum fl_elect_why fl_elect_needed(const struct fl_elect_part *p, const struct fl_nodeset *live);
/* A sentence for why, for logs and status. */
const char *fl_elect_why_name(enum fl_elect_why why);

struct fl_elect_result {
	int32_t leader;
	int32_t epoch;			/* p->epoch + 1 */
	struct fl_nodeset isr;		/* the ISR to commit with it */
	int is_unclean;			/* the leader was not in the committed ISR */
};

/*
 * Elect a leader for p among the live brokers: `to` a given node (-1: the
 * rules above choose), `unclean` allows live replicas outside the ISR.
 * 0 and *out, or FL_ENOENT when no node may be elected (a clean election
 * with no live ISR member; `to` not live, or not in the ISR when clean),
 * FL_EINVAL when `to` is not a replica.
 */
int fl_elect(const struct fl_elect_part *p, const struct fl_nodeset *live, int32_t to,
    int unclean, struct fl_elect_result *out);

#endif
