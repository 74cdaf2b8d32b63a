/*
 * group.h: the consumer-group coordinator (Kafka's classic protocol) as a
 * pure state machine: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, the
 * membership checks of OffsetCommit, ListGroups and DescribeGroups, with
 * generations, the MEMBER_ID_REQUIRED round trip, session and rebalance
 * timeouts, the initial rebalance delay and static membership.
 *
 * Sans-I/O (DESIGN section 7): every call takes now_ms (never decreasing)
 * and describes what to answer; it never reads a clock, a socket or a
 * file, and never draws random numbers itself (new member ids come from
 * caller-supplied random bytes).  The broker and flume-sim drive the same
 * code.
 *
 * Requests that must wait (JoinGroup until the join phase ends, a
 * follower's SyncGroup until the leader's) are "parked" under a caller
 * token (e.g. connection id + request sequence).  Answers to parked
 * requests, and to requests answered at once, come back as struct
 * fl_grp_resp entries in the coordinator's output list; a caller must take
 * them after every call (fl_grp_out) and before the next call, because the
 * strings and bytes they point at are borrowed from the coordinator and
 * stay valid only until the next call on it.
 *
 * Ownership: struct fl_grp is caller storage (fl_grp_init/fl_grp_free).
 * The coordinator copies everything it keeps from requests.  It allocates
 * (member tables, metadata copies), bounded by the limits in
 * struct fl_grp_config; at a limit it answers with a Kafka error code.
 * Errors: functions return a Kafka error code (FL_KERR_*, codec/kerr.h;
 * 0 = none) for the request, or FL_ENOMEM (negative) when memory ran out.
 * Not thread-safe.
 * Layer: sm (may include base/, codec/ and sm/; pure: no system calls, no clock).
 */
#ifndef FL_GROUP_H
#define FL_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"
#include "codec/kerr.h"

#define FL_GRP_ID_BYTES_MAX       255	/* group ids, member ids, instance ids */
#define FL_GRP_PROTOCOLS_MAX      16	/* protocols one member may offer */
#define FL_GRP_MEMBER_ID_RANDOM   16	/* random bytes the caller supplies per join */

enum fl_grp_state {
	FL_GRP_EMPTY,
	FL_GRP_PREPARING_REBALANCE,
	FL_GRP_COMPLETING_REBALANCE,
	FL_GRP_STABLE,
	FL_GRP_DEAD			/* an empty group with no offsets, about to go */
};

struct fl_grp_config {
	int32_t session_ms_min;		/* 6000, Kafka's group.min.session.timeout.ms */
	int32_t session_ms_max;		/* 1800000 */
	int32_t initial_delay_ms;	/* 3000, group.initial.rebalance.delay.ms */
	uint32_t members_max;		/* per group (group.max.size), 1000 */
	uint32_t groups_max;		/* groups held at once, 10000 */
	uint32_t metadata_bytes_max;	/* one member's protocol metadata, 1 MiB */
};
void fl_grp_config_default(struct fl_grp_config *cfg);

struct fl_grp_protocol {
	struct fl_slice name;		/* borrowed in requests */
	struct fl_slice metadata;
};

struct fl_grp_join_req {
	uint64_t token;			/* caller's handle for the answer */
	int16_t  version;		/* JoinGroup version: v4+ gets MEMBER_ID_REQUIRED,
					   v9+ SkipAssignment (static_rejoin) */
	struct fl_slice group_id, member_id, instance_id;	/* instance_id.p NULL: dynamic */
	struct fl_slice client_id;
	struct fl_slice client_host;	/* e.g. "/127.0.0.1", for DescribeGroups */
	int32_t  session_ms, rebalance_ms;
	struct fl_slice protocol_type;
	const struct fl_grp_protocol *protocols;
	size_t   nprotocols;
	uint8_t  random[FL_GRP_MEMBER_ID_RANDOM];	/* for a new member id */
};

struct fl_grp_assignment {
	struct fl_slice member_id, assignment;
};

struct fl_grp_sync_req {
	uint64_t token;
	struct fl_slice group_id, member_id, instance_id;
	int32_t  generation;
	const struct fl_grp_assignment *assignments;	/* the leader's; others send none */
	size_t   nassignments;
	/* SyncGroup v5+: must match the group's (INCONSISTENT_GROUP_PROTOCOL
	 * otherwise); p NULL: not checked (v0-4; a v5 null is the driver's
	 * 23, as Kafka refuses it before the coordinator sees it). */
	struct fl_slice protocol_type, protocol_name;
};

/* One member as the leader's JoinGroup answer lists it (borrowed). */
struct fl_grp_member_view {
	const char *member_id;
	const char *instance_id;	/* NULL: dynamic member */
	const uint8_t *metadata;	/* for the chosen protocol */
	size_t metadata_len;
};

enum fl_grp_resp_kind { FL_GRP_RESP_JOIN, FL_GRP_RESP_SYNC };

struct fl_grp_resp {
	uint64_t token;
	enum fl_grp_resp_kind kind;
	int16_t  error;
	/* JoinGroup answers */
	int32_t  generation;		/* -1 on error */
	const char *protocol;		/* "" on error */
	const char *leader;		/* "" on error */
	const char *member_id;		/* the caller's id (new id with 79) */
	const struct fl_grp_member_view *members;	/* leader only, else NULL/0 */
	size_t   nmembers;
	/* KIP-814 (JoinGroup v9+): a restarted static leader of a Stable group
	 * gets the members but must not compute an assignment */
	int      skip_assignment;
	/* SyncGroup answers */
	const uint8_t *assignment;
	size_t   assignment_len;
	/* both: the group's protocol type ("" on error; JoinGroup v7+ and
	 * SyncGroup v5+ send it, and SyncGroup v5+ sends protocol too) */
	const char *protocol_type;
};

struct fl_grp_member;
struct fl_grp_group;

struct fl_grp {
	struct fl_grp_config cfg;
	struct fl_grp_group **groups;	/* owned */
	size_t ngroups, groups_cap;
	/* the output of the last call, owned, valid until the next call */
	struct fl_grp_resp *out;
	size_t nout, out_cap;
	struct fl_grp_member_view *views;
	size_t nviews, views_cap;
	char **scratch;			/* strings kept alive for out until the next call */
	size_t nscratch, scratch_cap;
};

void fl_grp_init(struct fl_grp *g, const struct fl_grp_config *cfg);
void fl_grp_free(struct fl_grp *g);

/*
 * Responses produced by the last call (JoinGroup/SyncGroup answers, for
 * the request just made and for parked ones).  Borrowed until the next call.
 */
static inline const struct fl_grp_resp *fl_grp_out(const struct fl_grp *g, size_t *n)
{ *n = g->nout; return g->out; }

/*
 * JoinGroup: the answer comes through fl_grp_out, now or later.  A static
 * member that restarts (its instance id known, no member id) keeps its
 * place under a new id and the old id is fenced (82); in a Stable group
 * whose protocol choice it leaves alone it is answered at once with the
 * current generation and no rebalance, the leader included (KIP-345; the
 * exact rule is at static_rejoin in group.c).
 */
int fl_grp_join(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_join_req *req);
/* SyncGroup: likewise.  From v5 a protocol type or name that is not the
 * group's is INCONSISTENT_GROUP_PROTOCOL (23), checked after the member
 * and the generation, as Kafka does. */
int fl_grp_sync(struct fl_grp *g, uint64_t now_ms, const struct fl_grp_sync_req *req);
/* Heartbeat: returns the error code to answer with at once. */
int fl_grp_heartbeat(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation);
/*
 * LeaveGroup of one member (v0-2 send one; v3 a list: call once each).
 * Returns that member's error code.  Answers its parked requests with 25.
 */
int fl_grp_leave(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id);
/*
 * May this OffsetCommit be stored?  Returns 0 or the error code for every
 * partition in it (Kafka section 6.4 rules: commits during
 * PreparingRebalance are accepted; standalone commits need an empty group).
 * A valid member's commit refreshes its session.  Creates the group if it
 * does not exist (standalone commits), so offsets have a home.
 */
int fl_grp_commit_check(struct fl_grp *g, uint64_t now_ms, struct fl_slice group_id,
    struct fl_slice member_id, struct fl_slice instance_id, int32_t generation);
/*
 * Advance timers: join-phase ends, session expiries, sync timeouts.
 * Answers land in fl_grp_out.  Returns 0 or FL_ENOMEM.
 */
int fl_grp_tick(struct fl_grp *g, uint64_t now_ms);
/* The earliest absolute time fl_grp_tick must run; UINT64_MAX if none. */
uint64_t fl_grp_next_wake(const struct fl_grp *g);
/*
 * A connection went away: forget parked requests whose token satisfies
 * (token & mask) == (value & mask); their answers would go nowhere.  The
 * members stay until their sessions expire, as in Kafka.
 */
void fl_grp_drop_tokens(struct fl_grp *g, uint64_t mask, uint64_t value);

/*
 * Drop a group that is Empty with no members and no pending member ids;
 * the caller decides it is worth forgetting (it has no committed
 * offsets), or ids that ad-hoc consumers used once would pile up to
 * groups_max.  Returns 1 if dropped, 0 if the group is in use or unknown.
 */
int fl_grp_forget(struct fl_grp *g, struct fl_slice group_id);

/* ---- inspection: admin, DescribeGroups, ListGroups, tests ---- */

const char *fl_grp_state_name(enum fl_grp_state st);

struct fl_grp_info {
	const char *group_id;
	enum fl_grp_state state;
	int32_t generation;
	const char *protocol_type;	/* "" if none */
	const char *protocol;		/* "" if none */
	const char *leader;		/* "" if none */
	size_t nmembers;
};

/* Number of groups, and the i-th (0 <= i < n) in name order.  Borrowed. */
size_t fl_grp_count(const struct fl_grp *g);
void fl_grp_info_at(const struct fl_grp *g, size_t i, struct fl_grp_info *info);
/* Look a group up by name: 0 and *info, or FL_KERR_INVALID_GROUP_ID-like 1 if unknown. */
int fl_grp_find(const struct fl_grp *g, struct fl_slice group_id, struct fl_grp_info *info);

struct fl_grp_member_info {
	const char *member_id, *instance_id, *client_id;	/* instance_id may be NULL */
	const char *client_host;
	int32_t session_ms, rebalance_ms;
	const uint8_t *metadata;	/* for the group's protocol (or first offered) */
	size_t metadata_len;
	const uint8_t *assignment;
	size_t assignment_len;
};
/* The j-th member of a group found by name; 0, or 1 if out of range. */
int fl_grp_member_at(const struct fl_grp *g, struct fl_slice group_id, size_t j,
    struct fl_grp_member_info *info);

/*
 * Restore what the durable log says of a group at start-up: its last
 * generation and protocol (the group comes back Empty: members must
 * rejoin, and the generation moves on from there).
 */
int fl_grp_restore(struct fl_grp *g, struct fl_slice group_id, int32_t generation,
    struct fl_slice protocol_type, struct fl_slice protocol);
/* Make sure a group of that id exists (Empty if new): one known only by
 * its committed offsets.  0, or FL_ENOMEM. */
int fl_grp_ensure(struct fl_grp *g, struct fl_slice group_id);

#endif
