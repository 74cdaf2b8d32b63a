/*
 * ctl.h: the controller (DESIGN §6) as a state machine: flume-ctl drives
 * it with sockets, pipes and files, flume-sim with simulated ones, and
 * both get the same decisions.
 *
 * Inputs: the brokers' `status` answers (codec/bstatus.h), their admin
 * streams opening and failing, the answers to what it sent, the clock,
 * and the operators' verbs (elect, create/delete a topic, reassign,
 * fence, drain).  Outputs, collected by fl_ctl_ready():
 *   1. the topic list and the state to persist (store/ctlstore.h), when
 *      they changed: the driver writes them durably FIRST, the topic list
 *      before the state (fl_ctl_init forgets a topic that only one of the
 *      two names, so a crash between the writes undoes a creation or
 *      completes a deletion);
 *   2. then the admin lines to send, per node, in order (written by
 *      codec/rverb.h, which the brokers parse them with);
 *   3. notes for the log.
 * fl_ctl_advance() says the state was persisted and the lines handed to
 * their streams.  Nothing is sent before the state that decided it is
 * durable, so a broker never hears of an epoch a crash could take back.
 *
 * The rules:
 *  - a broker is live while its stream is open, it is not fenced by an
 *    operator, and it answered `status` within cfg.liveness_ms (a node
 *    counts as answering at fl_ctl_init, so a restarted controller does
 *    not depose every leader at once);
 *  - a partition whose leader is not live, or whose live leader says it
 *    does not lead it at the stored epoch (it restarted), gets a clean
 *    election (sm/elect.h); with nobody electable it goes offline at a
 *    new epoch and is elected again when a committed-ISR member returns;
 *  - a leader's proposed ISR is committed when it holds the leader and
 *    only replicas, and pushed to the leader and its followers;
 *  - the consumer groups' offsets log (__consumer_offsets, one partition,
 *    3 replicas or fewer nodes) is created when the state lacks it;
 *  - clients' CreateTopics and DeleteTopics, queued by brokers and shown
 *    in their status, are carried out and answered `done ID`;
 *  - every other node is brought to what the state says (reconciling):
 *    followers follow, non-replicas know where the leader is, topics
 *    exist, deleted topics go;
 *  - a broker that reports a newer controller epoch, or answers
 *    "fenced", fences this controller: fl_ctl_fenced() is then 1 and
 *    nothing more is decided.
 * Lines are only pushed to a node on a status answer that was requested
 * after everything already pushed to it (fl_ctl_status_token), so a
 * decision is never repeated while its first push is in flight.
 *
 * Counters for the controller's metrics (flume-ctl --metrics-listen):
 * c->elections[kind] counts every leader it elected, by what decided it
 * (enum fl_ctl_elect_kind), and c->offlined every partition it took
 * offline for want of an electable replica.  They start at 0 with
 * fl_ctl_init, only ever grow, and are not part of the stored state.
 *
 * Ownership: struct fl_ctl owns everything it holds; the ready view
 * borrows it until fl_ctl_advance().  Layer: sm (malloc only).
 * Errors: 0 or FL_E* with a sentence in msg.
 */
#ifndef FL_CTL_H
#define FL_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "codec/bstatus.h"
#include "codec/cmeta.h"
#include "codec/topics.h"

#define FL_CTL_LINE_MAX 1024		/* the brokers' admin line limit */
#define FL_CTL_MSG_MAX 512		/* an operator's answer sentence */

struct fl_ctl_cfg {
	int64_t liveness_ms;		/* default 1000 */
};

struct fl_ctl_msg {
	int32_t node;
	char *line;			/* owned, without its newline */
};

struct fl_ctl_node {
	struct fl_cmeta_broker b;	/* id and Kafka address, from the cluster file */
	int is_up;			/* its admin stream is open */
	int failed;			/* the stream failed since its last answer */
	int fenced;			/* by an operator: never live */
	int64_t last_ok_ms;		/* its last status answer */
	uint64_t pushes;		/* lines queued to it so far */
	int has_status, is_fresh;
	struct fl_bstatus st;		/* its last status answer */
};

struct fl_ctl_move {			/* a reassignment under way */
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t partition;
	struct fl_nodeset target;
};

struct fl_ctl_seen {			/* what this controller heard of a partition's HW */
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t partition;
	int32_t from;			/* HWs reported at this epoch or later count */
	uint64_t hw;			/* the highest of them */
};

/* What decided an election (the counters' key: c->elections[kind]). */
enum fl_ctl_elect_kind {
	FL_CTL_ELECT_CLEAN,		/* the tick's: no leader (a new or offline partition),
					 * leader not live, or not leading (it restarted) */
	FL_CTL_ELECT_REASSIGN,		/* a reassignment took the leader out of the replicas */
	FL_CTL_ELECT_OPERATOR,		/* `elect`, within the committed ISR */
	FL_CTL_ELECT_UNCLEAN,		/* `elect --unclean` that may lose records: outside
					 * the ISR, or a member whose log ends below the HW */
	FL_CTL_ELECT_DRAIN,		/* `drain` moved a leadership away */
	FL_CTL_ELECT_KINDS
};

struct fl_ctl {
	struct fl_ctl_cfg cfg;
	int64_t epoch;			/* this controller's epoch */
	struct fl_cmeta cur, next;	/* durable / deciding */
	struct fl_topic_list topics;	/* deciding (durable after advance) */
	int state_dirty, topics_dirty;
	struct fl_ctl_node *nodes;	/* owned, ascending ids */
	size_t nnodes;
	struct fl_ctl_msg *out;
	size_t nout, outcap;
	char **notes;
	size_t nnotes, notecap;
	char (*deleting)[FL_TOPIC_NAME_MAX + 1];	/* deleted while some node held them */
	size_t ndeleting;
	struct fl_ctl_move *moves;
	size_t nmoves;
	struct fl_ctl_seen *seen;	/* owned, sorted by (topic, partition) */
	size_t nseen, seencap;
	int is_fenced;
	int64_t fenced_by;
	int nomem;			/* an allocation failed: the driver stops */
	uint64_t elections[FL_CTL_ELECT_KINDS];	/* leaders elected, by what decided it */
	uint64_t offlined;		/* partitions taken offline: nobody could lead */
};

struct fl_ctl_ready {
	const struct fl_cmeta *state;	/* persist first, if not NULL */
	const struct fl_topic_list *topics;	/* persist first, if not NULL */
	const struct fl_ctl_msg *msgs;	/* then send, in order */
	size_t nmsgs;
	char *const *notes;		/* log lines */
	size_t nnotes;
};

/*
 * Start from the stored state (its controller epoch is this controller's:
 * store/ctlstore's begin bumped it) and topic list, with the nodes of the
 * cluster file; the state's broker list becomes theirs.
 */
int fl_ctl_init(struct fl_ctl *c, const struct fl_ctl_cfg *cfg, const struct fl_cmeta_broker *nodes,
    size_t nnodes, const struct fl_cmeta *state, const struct fl_topic_list *topics,
    int64_t now_ms);
void fl_ctl_free(struct fl_ctl *c);

struct fl_ctl_node *fl_ctl_node(struct fl_ctl *c, int32_t id);
int fl_ctl_is_live(const struct fl_ctl *c, const struct fl_ctl_node *n, int64_t now_ms);

/* A node's admin stream opened: it is told this controller's epoch and the brokers. */
void fl_ctl_connected(struct fl_ctl *c, int64_t now_ms, int32_t id);
/* It failed (or could not open): the node is down now. */
void fl_ctl_disconnected(struct fl_ctl *c, int64_t now_ms, int32_t id);
/* Give this with a status request; the answer comes back with it. */
uint64_t fl_ctl_status_token(const struct fl_ctl *c, int32_t id);
void fl_ctl_status(struct fl_ctl *c, int64_t now_ms, int32_t id, uint64_t token,
    const struct fl_bstatus *st);
/* The answer ("ok" or "error: ...") to a line this controller pushed. */
void fl_ctl_answer(struct fl_ctl *c, int64_t now_ms, int32_t id, const char *line,
    const char *answer);

/* Decide: elections, ISR commits, reconciling, reassignments. */
void fl_ctl_tick(struct fl_ctl *c, int64_t now_ms);

/* The operators' verbs: 0 and what was done in msg, or FL_E* and why. */
int fl_ctl_elect(struct fl_ctl *c, int64_t now_ms, const char *topic, int32_t partition,
    int32_t to, int unclean, char *msg, size_t n);
int fl_ctl_create_topic(struct fl_ctl *c, const char *topic, int32_t nparts, int32_t rf,
    const struct fl_topic_conf *conf, char *msg, size_t n);
int fl_ctl_delete_topic(struct fl_ctl *c, const char *topic, char *msg, size_t n);
int fl_ctl_reassign(struct fl_ctl *c, const char *topic, int32_t partition,
    const struct fl_nodeset *target, char *msg, size_t n);
int fl_ctl_fence(struct fl_ctl *c, int32_t id, int fence, char *msg, size_t n);
/* FL_EFULL: some leaderships stay (no other live ISR member may take them). */
int fl_ctl_drain(struct fl_ctl *c, int64_t now_ms, int32_t id, char *msg, size_t n);

int fl_ctl_fenced(const struct fl_ctl *c);

/* "clean", "reassign", "operator", "unclean", "drain": a kind's metric label. */
const char *fl_ctl_elect_kind_name(enum fl_ctl_elect_kind kind);

void fl_ctl_ready(const struct fl_ctl *c, struct fl_ctl_ready *rd);
/* The ready state was persisted and the lines sent: forget them. */
int fl_ctl_advance(struct fl_ctl *c);

#endif
