/*
 * tconf.h: a topic's configs as Kafka's DescribeConfigs shows them, and
 * the decisions of AlterConfigs / IncrementalAlterConfigs on them.
 *
 * flume keeps four per-topic configs (codec/topics.h); a topic that does
 * not set one takes the broker's value.  DescribeConfigs also shows the
 * read-only facts Kafka tools look for (cleanup.policy=delete,
 * compression.type=producer, max.message.bytes, segment.bytes): they are
 * broker-wide in flume and cannot be set per topic.
 *
 * Sources (Kafka's ConfigSource): a config the topic sets is
 * DYNAMIC_TOPIC_CONFIG (1); the broker's command-line values
 * (max.message.bytes, segment.bytes and the four when a topic does not set
 * them) are STATIC_BROKER_CONFIG (4); fixed facts are DEFAULT_CONFIG (5).
 *
 * Errors: Kafka error codes (codec/kerr.h) with a sentence for the client.
 * Pure: no I/O, no allocation.  Layer: codec.
 */
#ifndef FL_TCONF_H
#define FL_TCONF_H

#include <stddef.h>
#include <stdint.h>

#include "codec/topics.h"

#define FL_TCONF_VALUE_MAX 24		/* "-9223372036854775808" and NUL fit */
#define FL_TCONF_DESCRIBE_MAX 8		/* entries fl_tconf_describe may fill */

/* The broker-wide values a topic falls back to. */
struct fl_tconf_broker {
	int32_t min_insync;
	int64_t lag_max_ms;
	int64_t retention_ms, retention_bytes;
	uint64_t message_bytes_max, segment_bytes;
};

struct fl_tconf_entry {
	const char *name;		/* static */
	char value[FL_TCONF_VALUE_MAX];
	int8_t source;			/* FL_KA_SRC_* (codec/kadmin.h) */
	int8_t type;			/* FL_KA_TYPE_* */
	int is_default;			/* not set on the topic (v0's IsDefault) */
	int is_read_only;		/* cannot be set per topic in flume */
	/* the broker-level synonym (Kafka's name) and its value, for IncludeSynonyms */
	const char *broker_name;	/* static */
	char broker_value[FL_TCONF_VALUE_MAX];
	int8_t broker_source;		/* STATIC_BROKER_CONFIG or DEFAULT_CONFIG */
};

/* Fill out[FL_TCONF_DESCRIBE_MAX] with every config of a topic; returns the count. */
size_t fl_tconf_describe(const struct fl_topic_conf *c, const struct fl_tconf_broker *d,
    struct fl_tconf_entry *out);

/*
 * Apply one config change to *c.  AlterConfigs (incremental 0): set name
 * to value, which must not be null (value NULL).  IncrementalAlterConfigs
 * (incremental 1): op SET (0) as that, DELETE (1) back to the broker's
 * value; APPEND / SUBTRACT (2, 3) are for list configs, and flume has none
 * that may be set.  Returns 0 or the Kafka error with *msg (static):
 * INVALID_CONFIG (40) for a name flume does not know, a read-only one, or
 * a bad value; INVALID_REQUEST (42) for a null value, APPEND/SUBTRACT on a
 * non-list config, or an unknown op.
 */
int16_t fl_tconf_alter(struct fl_topic_conf *c, int incremental, int8_t op,
    const char *name, size_t nlen, const char *value, size_t vlen, const char **msg);

#endif
