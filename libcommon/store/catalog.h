/*
 * catalog.h: the topics and partitions of one data directory, and the
 * directory's producer-id blocks.
 *
 * The durable `topics` file (codec/topics.h) is the truth about which
 * topics exist.  Create makes the partition directories first and then
 * rewrites the file (one durable write for every topic one request
 * creates); delete rewrites the file first, then renames the directories
 * to "*.del" and removes them once nothing syncs their files, so a name
 * can be created again at once.
 *
 * At open nothing is ever deleted because something is missing:
 *  - no `topics` file but partition directories: the list is rebuilt from
 *    the directories (a topic's partitions must be 0..N-1, else refused)
 *    and written, and every rebuilt topic is reported;
 *  - a damaged `topics` or `producer-ids` file: refused (FL_ECORRUPT,
 *    naming the file), nothing touched;
 *  - a partition directory the file does not name: left by a create that
 *    was interrupted before the file was written.  If it holds no records
 *    it is removed; if it holds records it is renamed to "NAME.orphan" and
 *    reported, never deleted.
 *  - "*.del" directories (a delete that was interrupted after the file was
 *    written) are removed.
 *
 * Events worth a log line (cut tails, rebuilt indexes, the above) are
 * reported through the caller's note callback; the catalog never prints.
 *
 * Ownership: struct fl_catalog is caller storage (open/close); it owns its
 * topics and their partitions.  Topic and partition pointers stay valid
 * until the topic is deleted and reaped (fl_catalog_reap).
 * Errors: 0 or negative FL_E* (errno after FL_ESYS), with a message in
 * struct fl_err naming the file.
 * Layer: store.  Not thread-safe.
 */
#ifndef FL_CATALOG_H
#define FL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/kproto.h"
#include "codec/topics.h"
#include "store/part.h"
#include "store/vfs.h"

#define FL_CATALOG_TOPICS_FILE "topics"
#define FL_CATALOG_PIDS_FILE "producer-ids"
#define FL_CATALOG_PID_BLOCK 1000	/* producer ids reserved per durable write */

struct fl_topic {
	char name[FL_TOPIC_NAME_MAX + 1];
	int32_t nparts;
	struct fl_part *parts;		/* owned array */
	struct fl_topic_conf conf;	/* its own configs (codec/topics.h) */
	int is_deleted;			/* waiting until no file of it syncs */
	struct fl_topic *next_dead;
};

enum fl_catalog_note_level { FL_CATALOG_INFO, FL_CATALOG_WARN };
typedef void (*fl_catalog_note_fn)(void *arg, enum fl_catalog_note_level level,
    const char *msg);

struct fl_catalog {
	struct fl_vfs *vfs;		/* borrowed */
	char dir[4096];
	struct fl_part_config pcfg;
	struct fl_topic **topics;	/* owned, sorted by name */
	size_t ntopics, topics_cap;
	struct fl_topic_list tlist;	/* what the topics file holds */
	struct fl_topic *dead;		/* deleted, not yet reaped */
	int64_t pid_next, pid_limit;
	fl_catalog_note_fn note;	/* may be NULL */
	void *note_arg;
};

/*
 * Open the data directory's catalog: producer-id blocks, the topics file
 * (or its rebuild), every partition (recovered).  now_ms is the wall clock
 * (stamps rebuilt producer state).
 */
int fl_catalog_open(struct fl_catalog *c, struct fl_vfs *vfs, const char *dir,
    const struct fl_part_config *pcfg, int64_t now_ms, fl_catalog_note_fn note,
    void *note_arg, struct fl_err *err);
/* Close every partition (syncing it) and free everything. */
void fl_catalog_close(struct fl_catalog *c);

struct fl_topic *fl_catalog_find(const struct fl_catalog *c, const void *name, size_t len);
struct fl_part *fl_catalog_part(const struct fl_catalog *c, const void *name, size_t len,
    int32_t index);

/* One topic a request asks to create. */
struct fl_catalog_new {
	const char *name;
	int32_t nparts;
	struct fl_topic_conf conf;	/* its configs (none set: the broker's defaults) */
	int rc;				/* OUT: 0, FL_EEXIST, FL_EINVAL, or an I/O error */
	struct fl_topic *topic;		/* OUT: on success */
	char why[256];			/* OUT: for an I/O error: the file and errno's text */
};
/*
 * Create topics: each one's directories, then one durable write of the
 * topics file for all of them.  Entries that fail (a bad name or count,
 * an existing topic, a partition that cannot be created) get their rc and
 * are left out; if the file cannot be written every new one fails with
 * that error and its directories are removed.  Returns 0 if the file
 * write (when there was one) succeeded, else its error; *err names it.
 */
int fl_catalog_create(struct fl_catalog *c, struct fl_catalog_new *topics, size_t n,
    int64_t now_ms, struct fl_err *err);
/*
 * CreatePartitions: grow topic t to nparts partitions (FL_EINVAL unless
 * t->nparts < nparts <= FL_TOPIC_PARTITIONS_MAX).  As fl_catalog_create:
 * the new partitions' directories are made and opened first, then the
 * topics file is rewritten durably; if anything fails the new
 * directories are removed and t is as it was (*err names the file).
 * t->parts is reallocated, so its partitions MOVE: the caller makes sure
 * nothing points into them meanwhile (no sync round on them, their round
 * slots forgotten and dirtied again after).  0 or FL_E*.
 */
int fl_catalog_add_partitions(struct fl_catalog *c, struct fl_topic *t, int32_t nparts,
    int64_t now_ms, struct fl_err *err);
/*
 * The partition idx of topic that a controller's verb (lead, follow)
 * names.  Such a verb may reach a node before its topic does, so a
 * missing topic is described in *nt (idx + 1 partitions, no configs) for
 * the caller to create with fl_catalog_create (and its own locks and
 * notes) before it asks again.  0 and *out; FL_ENOENT: create *nt first;
 * FL_ERANGE: the topic has fewer partitions here.  Either error writes
 * the admin answer's text (without "error: ") to why.
 */
int fl_catalog_verb_part(const struct fl_catalog *c, const char *topic, int32_t idx,
    struct fl_part **out, struct fl_catalog_new *nt, char *why, size_t whylen);
/* The admin answer's text for a topic fl_catalog_create did not make. */
const char *fl_catalog_new_why(const struct fl_catalog_new *nt);
/*
 * Delete a topic: rewrite the topics file, rename its directories to
 * "*.del", and hand it to the dead list.  The caller makes sure no round
 * waits for its partitions (fl_round_forget) and reaps it once none of its
 * files is being synced.  0, FL_ENOENT, or the file write's error.
 */
int fl_catalog_delete(struct fl_catalog *c, const char *name, struct fl_err *err);
/*
 * Set a topic's configs (all of them: conf replaces what it had): one
 * durable write of the topics file, then every partition of it takes them
 * (fl_part_retune).  0 or the write's error (nothing changed then).
 */
int fl_catalog_set_conf(struct fl_catalog *c, struct fl_topic *t,
    const struct fl_topic_conf *conf, struct fl_err *err);
/*
 * Open again, in place, a partition that was closed (fl_part_close) while
 * another process (its follower) wrote it; its replica role and the
 * reported log end are kept.  0 or the open's error (err says).
 */
int fl_catalog_reopen(struct fl_catalog *c, struct fl_topic *t, int32_t idx, int64_t now_ms,
    struct fl_err *err);

/* Remove deleted topics whose partitions are not in a sync round. */
void fl_catalog_reap(struct fl_catalog *c);

/*
 * CreateTopics: may topic `idx` of the request be created?  On a one-node
 * broker (nbrokers 0) every replica is node_id; in a cluster of nbrokers
 * the replication factor is 1..nbrokers (at most 16; -1: 3, or fewer
 * brokers) and the controller places replicas, so assignments are
 * refused.  Returns 0 with the partition count in *nparts (default_parts
 * for -1), the replication factor in *rf and its configs in *conf, or the
 * Kafka error with a sentence for the client in *msg (INVALID_CONFIG for a
 * config flume does not know, a bad value, or min.insync.replicas above
 * the replication factor).  Changes nothing.
 */
int16_t fl_catalog_check_create(const struct fl_catalog *c,
    const struct fl_kp_create_topics_req *r, size_t idx, int32_t node_id, int32_t nbrokers,
    int32_t default_parts, int32_t *nparts, int32_t *rf, struct fl_topic_conf *conf,
    const char **msg);

/*
 * The next producer id (a durable block of FL_CATALOG_PID_BLOCK at a time):
 * this node's count in the low 40 bits, the low 23 bits of its node id
 * above, so that the brokers of a cluster (node ids that differ in their
 * low 23 bits) never hand out the same id: a producer that moves to a new
 * leader must not meet another's sequence numbers there.  FL_ERANGE when
 * this node's 2^40 ids are spent.
 */
#define FL_CATALOG_PID_NODE_SHIFT 40
#define FL_CATALOG_PID_NODE_MASK 0x7fffff
int fl_catalog_next_pid(struct fl_catalog *c, int32_t node_id, int64_t *pid, struct fl_err *err);

#endif
