/*
 * grpwire.h: the coordinator's answers as Kafka responses: the one place
 * that turns what sm/coord (and sm/group) decided into the kproto structs
 * of JoinGroup, SyncGroup, OffsetCommit and OffsetFetch, so that the
 * broker (flume-serve/group.c) and the simulator (flume-sim/group.c) send
 * the same bytes for the same decision.  The drivers keep what is theirs:
 * where an answer goes (a connection, a simulated message), when (at once,
 * after a sync round, after the offsets log's HW) and how the offsets log
 * is written.
 *
 *   JoinGroup/SyncGroup  fl_grpwire_answer_encode() encodes an answer of
 *                        fl_coord_answers() (every member of a leader's
 *                        JoinGroup answer, with its group instance id);
 *                        fl_grpwire_error_encode() the answer to a request
 *                        still waiting when the coordinator went away.
 *   OffsetCommit         fl_grpwire_commit_begin() turns the request into
 *                        the partitions fl_coord_commit() takes, and lays
 *                        out the response; fl_grpwire_commit_end() copies
 *                        the partitions' errors into it.
 *   OffsetFetch          fl_grpwire_fetch_resp() answers from the
 *                        coordinator's durable commits;
 *                        fl_grpwire_fetch_refuse() is a non-coordinator's
 *                        answer.
 *
 * Ownership: encoders append one whole response frame to a caller's
 * struct fl_wr.  The commit and fetch builders allocate their arrays from
 * a caller's struct fl_arena (the request's: req->arena) and point into
 * the request and into the coordinator (borrowed: valid until the
 * coordinator's next call and while the request is alive).  Nothing here
 * keeps state between calls.
 * Errors: 0 or negative FL_E*: the kproto encoder's (FL_EINVAL for a
 * version it does not speak, the writer's FL_EFULL/FL_ENOMEM/FL_ERANGE),
 * FL_ENOMEM from malloc, or the arena's FL_EFULL/FL_ERANGE/FL_ENOMEM.
 * Kafka error codes are data in the responses, never return values.
 * Layer: sm (includes base/, codec/ and sm/; pure: malloc only).  Not
 * thread-safe (the coordinator it reads is not).
 */
#ifndef FL_GRPWIRE_H
#define FL_GRPWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/rd.h"
#include "codec/kproto.h"
#include "sm/coord.h"
#include "sm/group.h"

/* ---- JoinGroup / SyncGroup ---- */

/*
 * Append the JoinGroup (r->kind FL_GRP_RESP_JOIN) or SyncGroup answer r
 * for a request of that version and correlation id.  A JoinGroup answer
 * lists all r->nmembers members (instance ids from v5 on).  A NULL
 * string of r goes out as "" (a null assignment as empty bytes), except
 * where Kafka's answer is nullable: JoinGroup v7+'s ProtocolType and
 * ProtocolName and SyncGroup v5+'s, which go out null when empty.
 */
int fl_grpwire_answer_encode(struct fl_wr *w, int16_t version, int32_t corr,
    const struct fl_grp_resp *r);

/*
 * Append the answer to a JoinGroup or SyncGroup (api_key FL_KP_JOIN_GROUP
 * or FL_KP_SYNC_GROUP, else FL_EINVAL) that waited for the coordinator
 * and will not get its answer (it moved away: error NOT_COORDINATOR):
 * the error, generation -1, protocol, leader and member id "", no
 * members, an empty assignment.
 */
int fl_grpwire_error_encode(struct fl_wr *w, int16_t api_key, int16_t version, int32_t corr,
    int16_t error);

/* ---- OffsetCommit ---- */

struct fl_grpwire_commit {
	struct fl_coord_commit_part *parts;	/* every partition of the request, in order */
	size_t nparts;
	struct fl_kp_offset_commit_resp resp;	/* the answer: the request's topics */
	struct fl_kp_part_error *errs;		/* resp's partitions, flat, parallel to parts */
};

/*
 * Lay out an OffsetCommit: gc->parts holds every partition of r in order
 * (topic, partition, offset, leader epoch, metadata; is_known 0 and error
 * 0: the driver sets is_known, fl_coord_commit() the errors), gc->resp the
 * response with r's topics and partitions, errors not yet filled in.
 * Everything comes from arena a (and points into r); 0 or the arena's
 * error.
 */
int fl_grpwire_commit_begin(struct fl_grpwire_commit *gc,
    const struct fl_kp_offset_commit_req *r, struct fl_arena *a);
/* Every partition fails with error (a non-coordinator, a log that cannot take it). */
void fl_grpwire_commit_fail(struct fl_grpwire_commit *gc, int16_t error);
/* Copy the partitions' errors (fl_coord_commit, fl_coord_commit_result) into gc->resp. */
void fl_grpwire_commit_end(struct fl_grpwire_commit *gc);

/* ---- OffsetFetch ---- */

/*
 * The OffsetFetch answer of coordinator c to r, into *resp.  For named
 * topics: each partition's durable commit (offset, leader epoch and
 * metadata, null metadata as null), or offset -1, epoch -1 and metadata
 * "" when there is none.  For all topics (r->is_all_topics): every
 * durable commit of the group, topics in the order the table yields them,
 * null metadata as "".  Arrays from arena a; 0 or the arena's error.
 */
int fl_grpwire_fetch_resp(const struct fl_coord *c, const struct fl_kp_offset_fetch_req *r,
    struct fl_arena *a, struct fl_kp_offset_fetch_resp *resp);
/*
 * A node that does not coordinate: error at the top and in every named
 * partition (offset -1, epoch -1, null metadata); no topics when r asked
 * for all.  Arrays from arena a; 0 or the arena's error.
 */
int fl_grpwire_fetch_refuse(const struct fl_kp_offset_fetch_req *r, int16_t error,
    struct fl_arena *a, struct fl_kp_offset_fetch_resp *resp);

#endif
