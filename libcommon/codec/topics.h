/*
 * topics.h: the pure parts of a broker's topic registry: Kafka's topic
 * name rules, partition directory names ("TOPIC-PART"), and the text
 * format of the `topics` file that tells a restarting broker which topics
 * exist and how many partitions each has.
 *
 * topics file (written with fl_durable_write, so it carries a BLAKE2b
 * trailer the reader checks first):
 *   flume-topics 1
 *   NAME PARTITIONS          one line per topic, names sorted
 * or, when some topic has configs of its own (a version-1 reader refuses
 * it rather than drop them):
 *   flume-topics 2
 *   NAME PARTITIONS [KEY=VALUE ...]
 * with KEY one of the per-topic configs below, each at most once.
 *
 * Ownership: struct fl_topic_list is caller storage owning its array;
 * fl_topic_list_free() releases it.  Names are stored inline.
 * Errors: 0 or negative FL_E*: FL_EINVAL (bad name), FL_ECORRUPT (bad
 * file), FL_ENOMEM, FL_EEXIST, FL_ENOENT.
 * Pure: no I/O; malloc only.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_TOPICS_H
#define FL_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

#define FL_TOPIC_NAME_MAX 249		/* Kafka's limit */
#define FL_TOPIC_PARTITIONS_MAX 10000	/* per topic, ours */

/*
 * 1 if name[0..len) is a legal Kafka topic name: 1..249 bytes of
 * [a-zA-Z0-9._-], and not "." or "..".
 */
int fl_topic_name_ok(const void *name, size_t len);

/* "TOPIC-PART" into buf[n]; 0 or FL_ERANGE (does not fit). */
int fl_topic_dir_name(char *buf, size_t n, const char *topic, int32_t part);

/*
 * Split a directory name "TOPIC-PART" at its last '-': the topic into
 * topic[topic_n], the partition into *part.  FL_EINVAL if it is not of
 * that form or the topic name is not legal.
 */
int fl_topic_dir_parse(const char *name, char *topic, size_t topic_n,
    int32_t *part);

/*
 * Per-topic configs (Kafka's names); one that is not set takes the
 * broker's default.
 *   min.insync.replicas      1..32767
 *   replica.lag.time.max.ms  1..2^31-1
 *   retention.ms             -1 (no limit) .. 2^63-1
 *   retention.bytes          -1 (no limit) .. 2^63-1
 */
enum {
	FL_TCONF_MIN_INSYNC = 1 << 0,
	FL_TCONF_LAG_MAX_MS = 1 << 1,
	FL_TCONF_RETENTION_MS = 1 << 2,
	FL_TCONF_RETENTION_BYTES = 1 << 3
};
struct fl_topic_conf {
	unsigned set;			/* FL_TCONF_* bits: which fields hold a value */
	int32_t min_insync;
	int64_t lag_max_ms;
	int64_t retention_ms, retention_bytes;
};
#define FL_TOPIC_CONF_TEXT_MAX 160	/* fl_topic_conf_format's longest text */

/*
 * Set KEY=VALUE (key[0..klen), value[0..vlen)) in c: 0, FL_ENOENT (not a
 * per-topic config flume knows), FL_EINVAL (value not a number in range).
 */
int fl_topic_conf_set(struct fl_topic_conf *c, const char *key, size_t klen,
    const char *value, size_t vlen);
/* Forget KEY (back to the broker's default): 0, or FL_ENOENT (not a known key). */
int fl_topic_conf_unset(struct fl_topic_conf *c, const char *key, size_t klen);
/* "KEY=VALUE KEY=VALUE" of what c sets, in a fixed order ("" if none). */
void fl_topic_conf_format(const struct fl_topic_conf *c, char *buf, size_t n);
/* Copy into dst the configs src sets (src's win). */
void fl_topic_conf_merge(struct fl_topic_conf *dst, const struct fl_topic_conf *src);

struct fl_topic_ent {
	char name[FL_TOPIC_NAME_MAX + 1];
	int32_t partitions;
	struct fl_topic_conf conf;
};

struct fl_topic_list {
	struct fl_topic_ent *t;		/* owned, sorted by name */
	size_t n, cap;
};

void fl_topic_list_free(struct fl_topic_list *l);
/* Index of name, or -1. */
long fl_topic_list_find(const struct fl_topic_list *l, const char *name);
/* Add in sorted position: FL_EINVAL (name/partitions), FL_EEXIST, FL_ENOMEM. */
int fl_topic_list_add(struct fl_topic_list *l, const char *name, int32_t partitions);
/* The configs of topic `name`: 0, or FL_ENOENT if absent. */
int fl_topic_list_set_conf(struct fl_topic_list *l, const char *name,
    const struct fl_topic_conf *conf);
/* Remove: FL_ENOENT if absent. */
int fl_topic_list_remove(struct fl_topic_list *l, const char *name);

/* Append the file text to w (without trailer); 0 or w's error. */
int fl_topic_list_encode(const struct fl_topic_list *l, struct fl_wr *w);
/* Parse file text (trailer already checked and removed) into l (replaced). */
int fl_topic_list_decode(struct fl_topic_list *l, const uint8_t *p, size_t n);

#endif
