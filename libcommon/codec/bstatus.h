/*
 * bstatus.h: a broker's answer to the admin `status` verb, as the
 * controller reads it (flume-admin(7)):
 *
 *   KEY<TAB>VALUE                   node, controller_epoch, ... (others ignored)
 *   partition<TAB>TOPIC<TAB>PART<TAB>LOG_START<TAB>LOG_END<TAB>HW<TAB>ROLE
 *            <TAB>EPOCH<TAB>LEADER<TAB>ISR<TAB>PROPOSED_ISR
 *   request<TAB>ID<TAB>create<TAB>TOPIC<TAB>PARTITIONS<TAB>RF[<TAB>KEY=VALUE ...]
 *   request<TAB>ID<TAB>delete<TAB>TOPIC
 *                                   a client's CreateTopics/DeleteTopics,
 *                                   for the controller to carry out
 *   ok
 *
 * Keys this reader does not know are skipped (a newer broker may say
 * more); a `partition` line with a field missing, extra or out of range
 * is FL_EPROTO.  The answer is given without its `ok` line (or with it:
 * reading stops there).
 *
 * The writers are here too, so flume-serve and the simulator's brokers
 * answer alike: a broker writes `node` first, then any keys of its own,
 * `controller_epoch`, more keys of its own, the request lines
 * (fl_bstatus_format_req), the partition lines (fl_bstatus_format_part,
 * filled by store/part.h fl_part_status) and `ok`, each line with its
 * newline.  fl_bstatus_format writes that answer with no keys of its own.
 * Sets are written "1,2,3", "-" when empty; a create request's configs
 * one KEY=VALUE field each.
 * Ownership: struct fl_bstatus owns its array; fl_bstatus_free() frees.
 * Errors: 0, FL_EPROTO (with the line number in *bad_line), FL_ENOMEM;
 * the writers FL_ERANGE when buf is too small.
 * Layer: codec (pure; malloc only).
 */
#ifndef FL_BSTATUS_H
#define FL_BSTATUS_H

#include <stddef.h>
#include <stdint.h>

#include "codec/cmeta.h"
#include "codec/nodeset.h"
#include "codec/topics.h"

struct fl_bstatus_part {
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t partition;
	uint64_t log_start, log_end, hw;
	enum fl_role role;
	int32_t epoch;
	int32_t leader;			/* -1: none */
	struct fl_nodeset isr, proposed;	/* proposed: empty unless leader */
};

struct fl_bstatus_req {
	uint64_t id;
	int is_delete;
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t nparts, rf;		/* create */
	struct fl_topic_conf conf;	/* create */
};

struct fl_bstatus {
	int32_t node;			/* -1: not said */
	int64_t controller_epoch;
	struct fl_bstatus_part *parts;	/* owned, in the broker's order */
	size_t nparts, cap;
	struct fl_bstatus_req *reqs;	/* owned */
	size_t nreqs, reqcap;
};

void fl_bstatus_free(struct fl_bstatus *s);
/* A deep copy (dst's old arrays freed on success): 0 or FL_ENOMEM. */
int fl_bstatus_copy(struct fl_bstatus *dst, const struct fl_bstatus *src);
/* Parse text[0..n) into *s (replaced). */
int fl_bstatus_parse(struct fl_bstatus *s, const char *text, size_t n, size_t *bad_line);
/* One line (no newline) into buf[n], NUL-terminated: its length, or FL_ERANGE. */
int fl_bstatus_format_part(char *buf, size_t n, const struct fl_bstatus_part *p);
int fl_bstatus_format_req(char *buf, size_t n, const struct fl_bstatus_req *r);
/*
 * The whole answer (node, controller_epoch, s's requests and partitions,
 * `ok`, each line ending in a newline) into buf[n], NUL-terminated: its
 * length, or FL_ERANGE.
 */
int fl_bstatus_format(char *buf, size_t n, const struct fl_bstatus *s);

/* The entry for a partition, or NULL (linear). */
const struct fl_bstatus_part *fl_bstatus_find(const struct fl_bstatus *s, const char *topic,
    int32_t partition);

#endif
