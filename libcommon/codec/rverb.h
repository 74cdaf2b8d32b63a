/*
 * rverb.h: the "replica verbs", the admin lines a controller (or an
 * operator) sends a broker about the cluster and its partitions
 * (flume-admin(7)), one line each, words separated by runs of spaces or
 * tabs:
 *
 *   controller EPOCH                               EPOCH 1..2^63-1
 *   brokers ID=HOST:PORT ...                       the list names this node
 *   lead TOPIC PART EPOCH REPLICAS ISR [HW]        this node leads
 *   follow TOPIC PART EPOCH LEADER_ID REPLICAS     this node copies LEADER_ID
 *   isr TOPIC PART EPOCH LIST                      the committed ISR
 *   offline TOPIC PART EPOCH [LEADER REPLICAS]     not served here
 *   done ID                                        a queued request was taken
 *   create TOPIC [PARTITIONS] [KEY=VALUE ...]
 *   delete TOPIC
 *
 * REPLICAS, ISR and LIST are node sets "1,2,3" (codec/nodeset.h).  Both
 * directions are here: fl_rverb_parse for the broker (flume-serve and the
 * simulator's), fl_rverb_format for the controller (sm/ctl.h), so they
 * cannot disagree.  The parser makes every check that needs no broker
 * state, in the order flume-serve always made them, and words its
 * refusals exactly as flume-serve answers them after "error: ".  What
 * needs state stays with the broker (the partition count of an existing
 * topic, an epoch older than the partition's, a LEADER_ID missing from
 * cluster.meta, the controller-epoch fence: store/part.h and codec/cmeta.h
 * hold those rules).  Two of those checks come between the parser's:
 *  - the controller fence (a state-changing verb from a fenced controller
 *    is refused after its operand count is checked, before anything else):
 *    call fl_rverb_peek, then the fence, then fl_rverb_parse;
 *  - follow's "broker N is unknown" comes right after LEADER_ID: when
 *    fl_rverb_parse refuses a follow line with v->leader >= 0, LEADER_ID
 *    passed and the broker checks it before saying why.
 *
 * Lines are given and returned without their newline.  A topic operand
 * that is not a valid name (codec/topics.h) is refused with the answer
 * the broker gives for a topic it cannot hold: "invalid topic name"
 * (lead, follow, create), "no partition TOPIC-PART" (isr, offline), "no
 * topic TOPIC" (delete).
 * Ownership: struct fl_rverb is caller storage; a brokers line's list is
 * written into the array the caller passes to fl_rverb_parse, and
 * v->brokers points there (fl_rverb_format only reads it).
 * Errors: 0 or negative FL_E*: FL_ENOENT for a line that is not one of
 * these verbs (blank, or another word: the broker tries its other verbs),
 * FL_EINVAL with why[] holding the refusal, FL_ERANGE for output or
 * caller storage too small.
 * Layer: codec.  Pure: no I/O, no allocation.
 */
#ifndef FL_RVERB_H
#define FL_RVERB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/cmeta.h"
#include "codec/nodeset.h"
#include "codec/topics.h"

/* The longest line fl_rverb_parse reads (flume-serve reads at most 2 KiB). */
#define FL_RVERB_LINE_MAX 4096
/* The most operands a line may have (a brokers line's brokers). */
#define FL_RVERB_OPERANDS_MAX 64
/* A why[] that holds any refusal whole (it may quote a whole line). */
#define FL_RVERB_WHY_MAX (FL_RVERB_LINE_MAX + 128)

enum fl_rverb_kind { FL_RVERB_CONTROLLER, FL_RVERB_BROKERS, FL_RVERB_LEAD, FL_RVERB_FOLLOW,
    FL_RVERB_ISR, FL_RVERB_OFFLINE, FL_RVERB_DONE, FL_RVERB_CREATE, FL_RVERB_DELETE };

struct fl_rverb {
	enum fl_rverb_kind kind;
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t part, epoch;		/* lead/follow/isr/offline */
	int64_t ctl_epoch;		/* controller */
	uint64_t id;			/* done */
	int32_t leader;			/* follow; offline (-1 when not given) */
	struct fl_nodeset replicas;	/* lead, follow, offline (empty when not given) */
	struct fl_nodeset isr;		/* lead, isr (isr's LIST) */
	int has_hw;			/* lead: HW given */
	uint64_t hw;
	struct fl_cmeta_broker *brokers;	/* brokers: caller storage, see above */
	size_t nbrokers;
	int32_t nparts;			/* create (-1 when not given) */
	struct fl_topic_conf conf;	/* create: the KEY=VALUE operands */
};

/*
 * The verb a line names and whether its operand count fits the verb:
 * 0 with *kind; FL_ENOENT (not one of these verbs); FL_EINVAL with *kind
 * and why "usage: ..." (fl_rverb_usage) when the count is wrong.  This
 * is the first thing fl_rverb_parse checks.
 */
int fl_rverb_peek(const char *line, size_t len, enum fl_rverb_kind *kind, char *why,
    size_t whylen);

/*
 * Parse one line.  self is this node's id (for "this node (N) must be in
 * REPLICAS and ISR", "a node does not follow itself (use lead)", "this
 * node is a replica (use follow)", "the list must name this node (N)").
 * brokers_buf[brokers_cap] receives a brokers line's list (NULL/0: such a
 * line is FL_ERANGE; so is a longer list than brokers_cap).  0 with *v
 * filled (fields a verb does not have are zero, leader and nparts -1);
 * FL_ENOENT; FL_EINVAL with why, e.g. "usage: lead TOPIC PART EPOCH
 * REPLICAS ISR [HW]", "epoch must be 0..2147483647", "ISR member 4 is not
 * a replica"; then v->kind is the verb and v holds what passed before the
 * refused operand, in the order of the checks (see follow above).  A line
 * longer than FL_RVERB_LINE_MAX ("line too long") is FL_EINVAL, and so
 * is one with a NUL byte in it (the words end at the NUL; why is the
 * usage when too few are left, else "a NUL byte in the line").
 */
int fl_rverb_parse(const char *line, size_t len, int32_t self, struct fl_rverb *v,
    struct fl_cmeta_broker *brokers_buf, size_t brokers_cap, char *why, size_t whylen);

/*
 * Write v as the line sm/ctl sends (single spaces, no newline, sets "-"
 * when empty, lead's HW only when has_hw, offline's LEADER REPLICAS only
 * when leader >= 0, create's PARTITIONS only when nparts >= 0) into
 * buf[n], NUL-terminated: its length, or FL_ERANGE.
 */
int fl_rverb_format(char *buf, size_t n, const struct fl_rverb *v);

/* The usage line of a verb ("lead TOPIC PART EPOCH REPLICAS ISR [HW]"); never NULL. */
const char *fl_rverb_usage(enum fl_rverb_kind kind);
/* Does the verb change the broker's state (refused to a fenced controller)?  1 or 0. */
int fl_rverb_changes(enum fl_rverb_kind kind);

/*
 * One KEY=VALUE operand of create (and of the admin `config` verb, which
 * passes may_unset: VALUE "default" forgets KEY) into *conf: 0, or
 * FL_EINVAL with why: "usage: USAGE" (no '=' or no KEY), "KEY: the topic
 * configs are ...", "KEY=VALUE: not a number in the config's range".
 */
int fl_rverb_conf_operand(const char *kv, struct fl_topic_conf *conf, int may_unset,
    const char *usage, char *why, size_t whylen);

#endif
