/* rverb.c: the controller -> broker admin lines (see rverb.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/conf.h"
#include "codec/rverb.h"

static const struct verb {
	const char *name;
	int min, max;			/* operands after the verb */
	int changes;
	const char *usage;
} verbs[] = {
	[FL_RVERB_CONTROLLER] = { "controller", 1, 1, 0, "controller EPOCH" },
	[FL_RVERB_BROKERS] = { "brokers", 1, FL_RVERB_OPERANDS_MAX, 1,
	    "brokers ID=HOST:PORT ..." },
	[FL_RVERB_LEAD] = { "lead", 5, 6, 1, "lead TOPIC PART EPOCH REPLICAS ISR [HW]" },
	[FL_RVERB_FOLLOW] = { "follow", 5, 5, 1, "follow TOPIC PART EPOCH LEADER_ID REPLICAS" },
	[FL_RVERB_ISR] = { "isr", 4, 4, 1, "isr TOPIC PART EPOCH LIST" },
	[FL_RVERB_OFFLINE] = { "offline", 3, 5, 1, "offline TOPIC PART EPOCH [LEADER REPLICAS]" },
	[FL_RVERB_DONE] = { "done", 1, 1, 1, "done ID" },
	[FL_RVERB_CREATE] = { "create", 1, 6, 1, "create TOPIC [PARTITIONS] [KEY=VALUE ...]" },
	[FL_RVERB_DELETE] = { "delete", 1, 1, 1, "delete TOPIC" },
};

const char *
fl_rverb_usage(enum fl_rverb_kind kind)
{
	return (size_t)kind < FL_ARRAY_LEN(verbs) ? verbs[kind].usage : "";
}

int
fl_rverb_changes(enum fl_rverb_kind kind)
{
	return (size_t)kind < FL_ARRAY_LEN(verbs) ? verbs[kind].changes : 0;
}

/* Refuse: FL_EINVAL with why. */
static int
refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return FL_EINVAL;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The verb a line names and its operand count, read in place: words are
 * split as flume-serve always split admin lines, at runs of spaces and
 * tabs (a NUL ends the line).  Its kind, FL_ENOENT, or FL_EINVAL for a
 * count the verb does not take.
 */
static int
which(const char *line, size_t len, enum fl_rverb_kind *kind, char *why, size_t whylen)
{
	size_t i = 0, argc = 0, first = 0, first_len = 0, k;

	for (;;) {
		size_t start;

		while (i < len && is_sep(line[i]))
			i++;
		if (i >= len || line[i] == '\0')
			break;
		start = i;
		while (i < len && !is_sep(line[i]) && line[i] != '\0')
			i++;
		if (argc++ == 0) {
			first = start;
			first_len = i - start;
		}
	}
	if (argc == 0)
		return FL_ENOENT;
	for (k = 0; k < FL_ARRAY_LEN(verbs); k++)
		if (strlen(verbs[k].name) == first_len &&
		    memcmp(line + first, verbs[k].name, first_len) == 0)
			break;
	if (k == FL_ARRAY_LEN(verbs))
		return FL_ENOENT;
	*kind = (enum fl_rverb_kind)k;
	if (argc - 1 < (size_t)verbs[k].min || argc - 1 > (size_t)verbs[k].max)
		return refuse(why, whylen, "usage: %s", verbs[k].usage);
	return 0;
}

int
fl_rverb_peek(const char *line, size_t len, enum fl_rverb_kind *kind, char *why,
    size_t whylen)
{
	return which(line, len, kind, why, whylen);
}

/*
 * A line that fl_rverb_peek passed, split into NUL-terminated words in a
 * copy: argv[0] the verb, then its operands, then NULLs.
 */
struct words {
	char text[FL_RVERB_LINE_MAX + 1];
	char *argv[FL_RVERB_OPERANDS_MAX + 3];
	size_t argc;
};

static void
split(struct words *w, const char *line, size_t len)
{
	size_t i = 0;

	w->argc = 0;
	memset(w->argv, 0, sizeof(w->argv));
	memcpy(w->text, line, len);
	w->text[len] = '\0';
	for (;;) {
		while (i < len && is_sep(w->text[i]))
			i++;
		if (i >= len || w->argc == FL_RVERB_OPERANDS_MAX + 1)
			return;
		w->argv[w->argc++] = &w->text[i];
		while (i < len && !is_sep(w->text[i]))
			i++;
		if (i < len)
			w->text[i++] = '\0';
	}
}

/* ---- operands ---- */

static int
epoch_op(const char *s, int32_t *epoch, char *why, size_t whylen)
{
	uint64_t v;

	if (fl_conf_u64(s, 0, INT32_MAX, 0, &v) != 0)
		return refuse(why, whylen, "epoch must be 0..%d", INT32_MAX);
	*epoch = (int32_t)v;
	return 0;
}

static int
set_op(const char *what, const char *s, struct fl_nodeset *set, char *why, size_t whylen)
{
	if (fl_nodeset_parse(set, s) != 0 || set->n == 0) {
		memset(set, 0, sizeof(*set));
		return refuse(why, whylen, "%s must be node ids like 1,2,3 (at most %d)", what,
		    FL_REPL_REPLICAS_MAX);
	}
	return 0;
}

static int
part_op(const char *s, int32_t *part, char *why, size_t whylen)
{
	uint64_t v;

	if (fl_conf_u64(s, 0, FL_TOPIC_PARTITIONS_MAX - 1, 0, &v) != 0)
		return refuse(why, whylen, "partition must be 0..%d", FL_TOPIC_PARTITIONS_MAX - 1);
	*part = (int32_t)v;
	return 0;
}

static int
node_op(const char *s, int32_t *id)
{
	uint64_t v;

	if (fl_conf_u64(s, 0, INT32_MAX, 0, &v) != 0)
		return -1;
	*id = (int32_t)v;
	return 0;
}

/* Copy a valid topic name into v->topic: 1, or 0 when it is not one. */
static int
topic_op(struct fl_rverb *v, const char *s)
{
	size_t n = strlen(s);

	if (!fl_topic_name_ok(s, n))
		return 0;
	memcpy(v->topic, s, n + 1);
	return 1;
}

int
fl_rverb_conf_operand(const char *kv, struct fl_topic_conf *conf, int may_unset,
    const char *usage, char *why, size_t whylen)
{
	const char *eq = strchr(kv, '=');
	int rc;

	if (eq == NULL || eq == kv)
		return refuse(why, whylen, "usage: %s", usage);
	if (may_unset && strcmp(eq + 1, "default") == 0)
		rc = fl_topic_conf_unset(conf, kv, (size_t)(eq - kv));
	else
		rc = fl_topic_conf_set(conf, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1));
	if (rc == FL_ENOENT)
		return refuse(why, whylen, "%.*s: the topic configs are min.insync.replicas, "
		    "replica.lag.time.max.ms, retention.ms and retention.bytes", (int)(eq - kv), kv);
	if (rc != 0)
		return refuse(why, whylen, "%s: not a number in the config's range", kv);
	return 0;
}

/* ---- the verbs, each checked in the order flume-serve answers ---- */

static int
parse_brokers(char **a, size_t n, int32_t self, struct fl_rverb *v,
    struct fl_cmeta_broker *buf, size_t cap, char *why, size_t whylen)
{
	size_t i, j;
	int has_self = 0;

	if (n > FL_CMETA_BROKERS_MAX)
		return refuse(why, whylen, "at most %d brokers", FL_CMETA_BROKERS_MAX);
	if (buf == NULL || n > cap) {
		if (why != NULL && whylen > 0)
			(void)snprintf(why, whylen, "no room for %zu brokers", n);
		return FL_ERANGE;
	}
	for (i = 0; i < n; i++) {
		if (fl_cmeta_broker_parse(&buf[i], a[i]) != 0)
			return refuse(why, whylen, "%s: brokers are ID=HOST:PORT", a[i]);
		has_self |= buf[i].id == self;
	}
	if (!has_self)
		return refuse(why, whylen, "the list must name this node (%d)", (int)self);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (buf[i].id == buf[j].id)
				return refuse(why, whylen, "a broker id is named twice");
	v->brokers = buf;
	v->nbrokers = n;
	return 0;
}

static int
parse_lead(char **a, int32_t self, struct fl_rverb *v, char *why, size_t whylen)
{
	size_t i;
	int rc;

	if ((rc = epoch_op(a[2], &v->epoch, why, whylen)) != 0 ||
	    (rc = set_op("REPLICAS", a[3], &v->replicas, why, whylen)) != 0 ||
	    (rc = set_op("ISR", a[4], &v->isr, why, whylen)) != 0)
		return rc;
	if (a[5] != NULL) {
		if (fl_conf_u64(a[5], 0, INT64_MAX, 0, &v->hw) != 0) {
			v->hw = 0;
			return refuse(why, whylen, "HW must be an offset");
		}
		v->has_hw = 1;
	}
	if (!fl_nodeset_has(&v->replicas, self) || !fl_nodeset_has(&v->isr, self))
		return refuse(why, whylen, "this node (%d) must be in REPLICAS and ISR", (int)self);
	for (i = 0; i < v->isr.n; i++)
		if (!fl_nodeset_has(&v->replicas, v->isr.id[i]))
			return refuse(why, whylen, "ISR member %d is not a replica",
			    (int)v->isr.id[i]);
	if ((rc = part_op(a[1], &v->part, why, whylen)) != 0)
		return rc;
	if (!topic_op(v, a[0]))
		return refuse(why, whylen, "invalid topic name");
	return 0;
}

static int
parse_follow(char **a, int32_t self, struct fl_rverb *v, char *why, size_t whylen)
{
	int32_t leader;
	int rc;

	if ((rc = epoch_op(a[2], &v->epoch, why, whylen)) != 0)
		return rc;
	if (node_op(a[3], &leader) != 0)
		return refuse(why, whylen, "LEADER_ID must be a node id");
	if (leader == self)
		return refuse(why, whylen, "a node does not follow itself (use lead)");
	v->leader = leader;	/* the broker's "broker N is unknown" comes here */
	if ((rc = set_op("REPLICAS", a[4], &v->replicas, why, whylen)) != 0 ||
	    (rc = part_op(a[1], &v->part, why, whylen)) != 0)
		return rc;
	if (!topic_op(v, a[0]))
		return refuse(why, whylen, "invalid topic name");
	return 0;
}

static int
parse_isr(char **a, struct fl_rverb *v, char *why, size_t whylen)
{
	int rc;

	if ((rc = epoch_op(a[2], &v->epoch, why, whylen)) != 0 ||
	    (rc = set_op("LIST", a[3], &v->isr, why, whylen)) != 0 ||
	    (rc = part_op(a[1], &v->part, why, whylen)) != 0)
		return rc;
	if (!topic_op(v, a[0]))
		return refuse(why, whylen, "no partition %s-%d", a[0], (int)v->part);
	return 0;
}

static int
parse_offline(char **a, int32_t self, struct fl_rverb *v, char *why, size_t whylen)
{
	int32_t leader;
	int rc;

	if ((rc = epoch_op(a[2], &v->epoch, why, whylen)) != 0)
		return rc;
	if ((a[3] == NULL) != (a[4] == NULL))
		return refuse(why, whylen, "usage: %s", verbs[FL_RVERB_OFFLINE].usage);
	if (a[3] != NULL) {
		if (node_op(a[3], &leader) != 0)
			return refuse(why, whylen, "LEADER must be a node id");
		if ((rc = set_op("REPLICAS", a[4], &v->replicas, why, whylen)) != 0)
			return rc;
		if (!fl_nodeset_has(&v->replicas, leader))
			return refuse(why, whylen, "LEADER must be one of REPLICAS");
		if (fl_nodeset_has(&v->replicas, self))
			return refuse(why, whylen, "this node is a replica (use follow)");
		v->leader = leader;
	}
	if ((rc = part_op(a[1], &v->part, why, whylen)) != 0)
		return rc;
	if (!topic_op(v, a[0]))
		return refuse(why, whylen, "no partition %s-%d", a[0], (int)v->part);
	return 0;
}

static int
parse_create(char **a, struct fl_rverb *v, char *why, size_t whylen)
{
	char **confs = &a[1];
	uint64_t n;
	int rc;

	if (a[1] != NULL && strchr(a[1], '=') == NULL) {
		if (fl_conf_u64(a[1], 1, FL_TOPIC_PARTITIONS_MAX, 0, &n) != 0)
			return refuse(why, whylen, "partitions must be 1..%d",
			    FL_TOPIC_PARTITIONS_MAX);
		v->nparts = (int32_t)n;
		confs = &a[2];
	}
	for (; *confs != NULL; confs++)
		if ((rc = fl_rverb_conf_operand(*confs, &v->conf, 0, verbs[FL_RVERB_CREATE].usage,
		    why, whylen)) != 0)
			return rc;
	/* (flume-serve refuses a create while it stops before this check) */
	if (!topic_op(v, a[0]))
		return refuse(why, whylen, "invalid topic name");
	return 0;
}

int
fl_rverb_parse(const char *line, size_t len, int32_t self, struct fl_rverb *v,
    struct fl_cmeta_broker *brokers_buf, size_t brokers_cap, char *why, size_t whylen)
{
	struct words w;
	char **a;
	uint64_t u;
	int rc;

	memset(v, 0, sizeof(*v));
	v->leader = -1;
	v->nparts = -1;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	rc = fl_rverb_peek(line, len, &v->kind, why, whylen);
	if (rc != 0)
		return rc;
	if (memchr(line, '\0', len) != NULL)
		return refuse(why, whylen, "a NUL byte in the line");
	if (len > FL_RVERB_LINE_MAX)
		return refuse(why, whylen, "line too long");
	split(&w, line, len);
	a = &w.argv[1];
	switch (v->kind) {
	case FL_RVERB_CONTROLLER:
		if (fl_conf_u64(a[0], 1, INT64_MAX, 0, &u) != 0)
			return refuse(why, whylen, "the controller epoch must be 1..%lld",
			    (long long)INT64_MAX);
		v->ctl_epoch = (int64_t)u;
		return 0;
	case FL_RVERB_BROKERS:
		return parse_brokers(a, w.argc - 1, self, v, brokers_buf, brokers_cap, why,
		    whylen);
	case FL_RVERB_LEAD:
		return parse_lead(a, self, v, why, whylen);
	case FL_RVERB_FOLLOW:
		return parse_follow(a, self, v, why, whylen);
	case FL_RVERB_ISR:
		return parse_isr(a, v, why, whylen);
	case FL_RVERB_OFFLINE:
		return parse_offline(a, self, v, why, whylen);
	case FL_RVERB_DONE:
		if (fl_conf_u64(a[0], 1, UINT64_MAX, 0, &u) != 0)
			return refuse(why, whylen, "ID must be a request id");
		v->id = u;
		return 0;
	case FL_RVERB_CREATE:
		return parse_create(a, v, why, whylen);
	case FL_RVERB_DELETE:
		if (!topic_op(v, a[0]))
			return refuse(why, whylen, "no topic %s", a[0]);
		return 0;
	}
	return FL_ENOENT;
}

/* ---- format ---- */

/* The text written so far, or FL_ERANGE (sticky). */
struct out {
	char *buf;
	size_t n, len;
	int full;
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->n - o->len) {
		o->full = 1;
		return;
	}
	o->len += (size_t)k;
}

static void
put_set(struct out *o, const struct fl_nodeset *s)
{
	char text[256];

	if (fl_nodeset_format(s, text, sizeof(text)) != 0)
		o->full = 1;
	else
		put(o, " %s", text);
}

/* "VERB TOPIC PART EPOCH" */
static void
put_part(struct out *o, const struct fl_rverb *v)
{
	put(o, "%s %s %" PRId32 " %" PRId32, verbs[v->kind].name, v->topic, v->part, v->epoch);
}

int
fl_rverb_format(char *buf, size_t n, const struct fl_rverb *v)
{
	struct out o = { buf, n, 0, 0 };
	char conf[FL_TOPIC_CONF_TEXT_MAX];
	size_t i;

	if (n == 0 || (size_t)v->kind >= FL_ARRAY_LEN(verbs))
		return FL_ERANGE;
	buf[0] = '\0';
	switch (v->kind) {
	case FL_RVERB_CONTROLLER:
		put(&o, "controller %" PRId64, v->ctl_epoch);
		break;
	case FL_RVERB_BROKERS:
		put(&o, "brokers");
		for (i = 0; i < v->nbrokers; i++)
			put(&o, " %" PRId32 "=%s:%u", v->brokers[i].id, v->brokers[i].host,
			    (unsigned)v->brokers[i].port);
		break;
	case FL_RVERB_LEAD:
		put_part(&o, v);
		put_set(&o, &v->replicas);
		put_set(&o, &v->isr);
		if (v->has_hw)
			put(&o, " %" PRIu64, v->hw);
		break;
	case FL_RVERB_FOLLOW:
		put_part(&o, v);
		put(&o, " %" PRId32, v->leader);
		put_set(&o, &v->replicas);
		break;
	case FL_RVERB_ISR:
		put_part(&o, v);
		put_set(&o, &v->isr);
		break;
	case FL_RVERB_OFFLINE:
		put_part(&o, v);
		if (v->leader >= 0) {
			put(&o, " %" PRId32, v->leader);
			put_set(&o, &v->replicas);
		}
		break;
	case FL_RVERB_DONE:
		put(&o, "done %" PRIu64, v->id);
		break;
	case FL_RVERB_CREATE:
		put(&o, "create %s", v->topic);
		if (v->nparts >= 0)
			put(&o, " %" PRId32, v->nparts);
		fl_topic_conf_format(&v->conf, conf, sizeof(conf));
		if (conf[0] != '\0')
			put(&o, " %s", conf);
		break;
	case FL_RVERB_DELETE:
		put(&o, "delete %s", v->topic);
		break;
	}
	if (o.full) {
		buf[0] = '\0';
		return FL_ERANGE;
	}
	return (int)o.len;
}
