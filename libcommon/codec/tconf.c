/*
 * tconf.c: topic configs for DescribeConfigs and the AlterConfigs APIs
 * (see tconf.h).
 */
#include <stdio.h>
#include <string.h>

#include "codec/kadmin.h"
#include "codec/kerr.h"
#include "codec/tconf.h"

/* Configs Kafka has per topic that flume only has broker-wide or fixed. */
static const char *const read_only_keys[] = {
	"cleanup.policy", "compression.type", "max.message.bytes", "segment.bytes",
};

static void
put(struct fl_tconf_entry *e, const char *name, int64_t v, int is_set, int8_t type)
{
	e->name = name;
	snprintf(e->value, sizeof(e->value), "%lld", (long long)v);
	e->source = is_set ? FL_KA_SRC_DYNAMIC_TOPIC : FL_KA_SRC_STATIC_BROKER;
	e->type = type;
	e->is_default = !is_set;
	e->is_read_only = 0;
}

/* The broker synonym of e (whose own value is the topic's or the broker's). */
static void
synonym(struct fl_tconf_entry *e, const char *broker_name, int64_t broker_value)
{
	e->broker_name = broker_name;
	snprintf(e->broker_value, sizeof(e->broker_value), "%lld", (long long)broker_value);
	e->broker_source = FL_KA_SRC_STATIC_BROKER;
}

static void
synonym_text(struct fl_tconf_entry *e, const char *broker_name, const char *value)
{
	e->broker_name = broker_name;
	snprintf(e->broker_value, sizeof(e->broker_value), "%s", value);
	e->broker_source = FL_KA_SRC_DEFAULT;
}

size_t
fl_tconf_describe(const struct fl_topic_conf *c, const struct fl_tconf_broker *d,
    struct fl_tconf_entry *out)
{
	size_t n = 0;
	int32_t mi = c->set & FL_TCONF_MIN_INSYNC ? c->min_insync : d->min_insync;

	put(&out[n++], "cleanup.policy", 0, 0, FL_KA_TYPE_LIST);
	snprintf(out[0].value, sizeof(out[0].value), "delete");
	out[0].source = FL_KA_SRC_DEFAULT;
	out[0].is_read_only = 1;
	put(&out[n], "compression.type", 0, 0, FL_KA_TYPE_STRING);
	snprintf(out[n].value, sizeof(out[n].value), "producer");
	out[n].source = FL_KA_SRC_DEFAULT;
	out[n++].is_read_only = 1;
	put(&out[n], "max.message.bytes", (int64_t)d->message_bytes_max, 0, FL_KA_TYPE_INT);
	out[n++].is_read_only = 1;
	put(&out[n++], "min.insync.replicas", mi > 1 ? mi : 1, c->set & FL_TCONF_MIN_INSYNC,
	    FL_KA_TYPE_INT);
	put(&out[n++], "replica.lag.time.max.ms", c->set & FL_TCONF_LAG_MAX_MS ?
	    c->lag_max_ms : d->lag_max_ms, c->set & FL_TCONF_LAG_MAX_MS, FL_KA_TYPE_LONG);
	put(&out[n++], "retention.bytes", c->set & FL_TCONF_RETENTION_BYTES ?
	    c->retention_bytes : d->retention_bytes, c->set & FL_TCONF_RETENTION_BYTES,
	    FL_KA_TYPE_LONG);
	put(&out[n++], "retention.ms", c->set & FL_TCONF_RETENTION_MS ?
	    c->retention_ms : d->retention_ms, c->set & FL_TCONF_RETENTION_MS, FL_KA_TYPE_LONG);
	put(&out[n], "segment.bytes", (int64_t)d->segment_bytes, 0, FL_KA_TYPE_INT);
	out[n++].is_read_only = 1;
	synonym_text(&out[0], "log.cleanup.policy", "delete");
	synonym_text(&out[1], "compression.type", "producer");
	synonym(&out[2], "message.max.bytes", (int64_t)d->message_bytes_max);
	synonym(&out[3], "min.insync.replicas", d->min_insync > 1 ? d->min_insync : 1);
	synonym(&out[4], "replica.lag.time.max.ms", d->lag_max_ms);
	synonym(&out[5], "log.retention.bytes", d->retention_bytes);
	synonym(&out[6], "log.retention.ms", d->retention_ms);
	synonym(&out[7], "log.segment.bytes", (int64_t)d->segment_bytes);
	return n;
}

static int
is_read_only(const char *name, size_t nlen)
{
	size_t i;

	for (i = 0; i < sizeof(read_only_keys) / sizeof(read_only_keys[0]); i++)
		if (strlen(read_only_keys[i]) == nlen && memcmp(read_only_keys[i], name, nlen) == 0)
			return 1;
	return 0;
}

int16_t
fl_tconf_alter(struct fl_topic_conf *c, int incremental, int8_t op,
    const char *name, size_t nlen, const char *value, size_t vlen, const char **msg)
{
	struct fl_topic_conf probe = *c;
	int known = fl_topic_conf_unset(&probe, name, nlen) == 0;

	*msg = NULL;
	if (!incremental)
		op = FL_KA_OP_SET;
	if (op < FL_KA_OP_SET || op > FL_KA_OP_SUBTRACT) {
		*msg = "unknown config operation";
		return FL_KERR_INVALID_REQUEST;
	}
	if (!known && is_read_only(name, nlen)) {
		*msg = "this config is broker-wide in flume and cannot be set per topic";
		return FL_KERR_INVALID_CONFIG;
	}
	if (!known) {
		*msg = "unknown topic config (flume has min.insync.replicas, "
		    "replica.lag.time.max.ms, retention.ms, retention.bytes)";
		return FL_KERR_INVALID_CONFIG;
	}
	if (op == FL_KA_OP_APPEND || op == FL_KA_OP_SUBTRACT) {
		*msg = "APPEND and SUBTRACT apply only to list configs";
		return FL_KERR_INVALID_REQUEST;
	}
	if (op == FL_KA_OP_DELETE) {
		(void)fl_topic_conf_unset(c, name, nlen);
		return FL_KERR_NONE;
	}
	if (value == NULL) {
		*msg = "null value not supported";
		return FL_KERR_INVALID_REQUEST;
	}
	if (fl_topic_conf_set(c, name, nlen, value, vlen) != 0) {
		*msg = "invalid value for this config";
		return FL_KERR_INVALID_CONFIG;
	}
	return FL_KERR_NONE;
}
