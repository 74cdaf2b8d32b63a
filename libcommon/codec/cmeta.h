/*
 * cmeta.h: the text of a broker's `cluster.meta` file: the cluster's
 * brokers and, for each partition this node holds, the replica state it
 * was last told (by an operator's admin verbs or the controller):
 *
 *   flume-cluster 1
 *   controller-epoch N
 *   broker ID HOST:PORT              one line per broker, ids ascending
 *   partition TOPIC PART EPOCH ROLE LEADER REPLICAS ISR
 *                                    ROLE leader|follower|offline; LEADER -1
 *                                    when none; REPLICAS and ISR "1,2,3" or "-"
 *
 * The file is written with fl_durable_write (BLAKE2b trailer) before any
 * verb that changes it answers `ok`, so epochs never go back across a
 * restart.  The parser is strict: unknown lines, repeated brokers or
 * partitions, numbers out of range, a newer format are FL_ECORRUPT /
 * FL_ERANGE, and the broker refuses to start on them (it never guesses).
 * Layer: codec (pure; malloc only).  Ownership: struct fl_cmeta owns its
 * arrays; fl_cmeta_free() releases them.
 */
#ifndef FL_CMETA_H
#define FL_CMETA_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"
#include "codec/topics.h"
#include "codec/nodeset.h"

#define FL_CMETA_FORMAT 1
#define FL_CMETA_HOST_MAX 255
#define FL_CMETA_BROKERS_MAX 1024

enum fl_role { FL_ROLE_OFFLINE = 0, FL_ROLE_LEADER = 1, FL_ROLE_FOLLOWER = 2 };

struct fl_cmeta_broker {
	int32_t id;
	char host[FL_CMETA_HOST_MAX + 1];
	uint16_t port;
};

struct fl_cmeta_part {
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t partition;
	int32_t epoch;
	enum fl_role role;
	int32_t leader;			/* -1: none */
	struct fl_nodeset replicas, isr;
};

struct fl_cmeta {
	int64_t controller_epoch;
	struct fl_cmeta_broker *brokers;	/* owned, ascending ids */
	size_t nbrokers;
	struct fl_cmeta_part *parts;		/* owned, sorted by (topic, partition) */
	size_t nparts, parts_cap;
};

void fl_cmeta_free(struct fl_cmeta *m);
/* A deep copy of src into dst (dst's old arrays freed only on success); 0 or FL_ENOMEM. */
int fl_cmeta_copy(struct fl_cmeta *dst, const struct fl_cmeta *src);
const char *fl_role_name(enum fl_role r);

/* Parse "ID=HOST:PORT" (the admin `brokers` verb's operands); 0 or FL_EINVAL. */
int fl_cmeta_broker_parse(struct fl_cmeta_broker *b, const char *text);
/* Replace the broker list (ids must be distinct: FL_EINVAL). */
int fl_cmeta_set_brokers(struct fl_cmeta *m, const struct fl_cmeta_broker *b, size_t n);
const struct fl_cmeta_broker *fl_cmeta_broker(const struct fl_cmeta *m, int32_t id);

/*
 * The controller-epoch fence (the admin `controller EPOCH` verb): -1 when
 * epoch is older than m->controller_epoch (that controller is fenced), 0
 * the same, 1 newer (the caller sets m->controller_epoch to it and saves m
 * before it answers).
 */
int fl_cmeta_ctl_epoch_cmp(const struct fl_cmeta *m, int64_t epoch);

/* The entry for a partition, or NULL. */
struct fl_cmeta_part *fl_cmeta_find(struct fl_cmeta *m, const char *topic, int32_t partition);
/* Insert or replace (copied); 0 or FL_ENOMEM. */
int fl_cmeta_put(struct fl_cmeta *m, const struct fl_cmeta_part *p);
/* Remove every partition of a topic. */
void fl_cmeta_drop_topic(struct fl_cmeta *m, const char *topic);

/*
 * May `next` replace `prev` where epochs must never go back (a broker's
 * cluster.meta, the controller's state)?  The controller epoch may not go
 * back; every partition both name may not go back in leader epoch, and at
 * the same epoch may not change its leader (one leader per epoch).  A
 * partition only in prev (its topic deleted) or only in next (created) is
 * fine.  0, or FL_ERANGE with a sentence naming the first offender in
 * why[n].
 */
int fl_cmeta_check_advance(const struct fl_cmeta *prev, const struct fl_cmeta *next,
    char *why, size_t n);

int fl_cmeta_encode(const struct fl_cmeta *m, struct fl_wr *w);
/* Replace m's content (only on success): FL_ECORRUPT, FL_ERANGE (newer format), FL_ENOMEM. */
int fl_cmeta_decode(struct fl_cmeta *m, const uint8_t *p, size_t n);

#endif
