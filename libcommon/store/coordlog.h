/*
 * coordlog.h: the coordinator (sm/coord.h) over its log, the partition
 * __consumer_offsets-0 (store/part.h): carrying out a call's output
 * (roll, appends, deletion of what a durable snapshot replaced) and
 * replaying the log into a coordinator at start.  The broker and the
 * simulator both drive the coordinator through this, so the way its
 * output meets the log is written once.
 * Layer: store.  Errors: 0 or FL_E* (errno after FL_ESYS).
 */
#ifndef FL_COORDLOG_H
#define FL_COORDLOG_H

#include <stddef.h>
#include <stdint.h>

#include "sm/coord.h"
#include "store/part.h"

/* What fl_coordlog_apply did, for the caller's log and its sync rounds. */
struct fl_coordlog_done {
	uint64_t appended_bytes;	/* 0: nothing appended */
	int      rolled;		/* a compaction snapshot began */
	int      append_rc;		/* FL_E* of a failed roll or append */
	int      has_deleted;		/* a compaction finished */
	int      delete_rc;
	size_t   deleted;		/* segments removed */
	uint64_t deleted_before;
};

/* 1 if the last call's output has records to append (the partition must exist). */
int fl_coordlog_has_records(struct fl_coord *c);

/*
 * Carry out the last call's output on p (NULL: the partition could not be
 * had, which fails the appends) and report it to the coordinator
 * (fl_coord_stored / fl_coord_deleted).  Returns the appends' result, 0
 * when there were none.
 */
int fl_coordlog_apply(struct fl_coord *c, struct fl_part *p, int64_t now_ms,
    struct fl_coordlog_done *done);

/* Feed every batch of p to the coordinator, then fl_coord_replay_done(p's HW). */
int fl_coordlog_replay(struct fl_coord *c, struct fl_part *p);

#endif
