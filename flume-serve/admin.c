/*
 * admin.c: the admin socket's line protocol (flume-admin(7)).
 *
 * One command per line; the reply is zero or more tab-separated data lines
 * and then exactly one status line, "ok" or "error: TEXT", so a script can
 * read up to the status line and a person can use socat.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/bstatus.h"
#include "codec/conf.h"
#include "codec/offsets.h"
#include "codec/rverb.h"
#include "base/csum.h"
#include "serve.h"
#include "store/segtool.h"

void
admin_say(struct conn *c, const char *fmt, ...)
{
	char line[SERVE_ADMIN_LINE_MAX + 512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	fl_wr_raw(&c->out, line, (size_t)n);
}

static void
cmd_status(struct broker *b, struct conn *c, char **argv)
{
	size_t i;
	int32_t j;

	(void)argv;
	admin_say(c, "node\t%d\n", (int)b->cfg->node_id);
	admin_say(c, "cluster\t%s\n", b->cluster_id);
	admin_say(c, "listen\t%s\n", b->bound);
	admin_say(c, "advertise\t%s:%u\n", b->adv_host, (unsigned)b->adv_port);
	admin_say(c, "uptime_s\t%lld\n", (long long)((b->now_ms - b->start_ms) / 1000));
	admin_say(c, "connections\t%zu\n", b->nkafka);
	admin_say(c, "controller_epoch\t%lld\n", (long long)b->cmeta.controller_epoch);
	admin_say(c, "topics\t%zu\n", b->cat.ntopics);
	cluster_say_requests(b, c);
	for (i = 0; i < b->cat.ntopics; i++) {
		struct fl_topic *t = b->cat.topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct fl_bstatus_part sp;
			char line[SERVE_ADMIN_LINE_MAX];

			/* the line codec/bstatus.h reads, as the simulator's brokers write it */
			fl_part_status(&t->parts[j], t->name, j, &sp);
			if (fl_bstatus_format_part(line, sizeof(line), &sp) >= 0)
				admin_say(c, "%s\n", line);
		}
	}
	admin_say(c, "ok\n");
}

static void
cmd_topics(struct broker *b, struct conn *c, char **argv)
{
	size_t i;

	(void)argv;
	for (i = 0; i < b->cat.ntopics; i++)
		admin_say(c, "%s\t%d\n", b->cat.topics[i]->name, (int)b->cat.topics[i]->nparts);
	admin_say(c, "ok\n");
}

/*
 * KEY=VALUE operands into conf (VALUE "default" forgets KEY when
 * may_unset); -1 after answering an error.
 */
static int
parse_conf(struct conn *c, char **argv, struct fl_topic_conf *conf, int may_unset,
    const char *usage)
{
	char why[FL_RVERB_WHY_MAX];

	for (; *argv != NULL; argv++)
		if (fl_rverb_conf_operand(*argv, conf, may_unset, usage, why, sizeof(why)) != 0) {
			admin_say(c, "error: %s\n", why);
			return -1;
		}
	return 0;
}

/* create TOPIC [PARTITIONS] [KEY=VALUE ...] (parsed by codec/rverb.h) */
static void
cmd_create(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	int32_t n = v->nparts >= 0 ? v->nparts : (int32_t)b->cfg->num_partitions;
	struct fl_catalog_new nt;

	memset(&nt, 0, sizeof(nt));
	nt.conf = v->conf;
	if (b->is_stopping) {
		admin_say(c, "error: stopping\n");
		return;
	}
	/* a cluster's controller creates the offsets log (one partition) like any topic */
	if (is_internal_topic(v->topic, strlen(v->topic)) && (c->ctl_epoch < 0 || n != 1)) {
		admin_say(c, "error: %s is the broker's own topic\n", v->topic);
		return;
	}
	nt.name = v->topic;
	nt.nparts = n;
	store_create(b, &nt, 1);
	if (nt.rc == 0)
		admin_say(c, "ok\n");
	else if (nt.rc == FL_EEXIST)
		admin_say(c, "error: topic %s already exists\n", v->topic);
	else if (nt.rc == FL_EINVAL)
		admin_say(c, "error: invalid topic name\n");
	else
		admin_say(c, "error: %s\n", nt.why[0] ? nt.why : fl_strerror(nt.rc));
}

/*
 * config TOPIC: each config's value here and where it comes from;
 * config TOPIC KEY=VALUE ...: set them (VALUE "default": the broker's),
 * durably, and every partition of the topic takes them at once.
 */
static void
cmd_config(struct broker *b, struct conn *c, char **argv)
{
	struct fl_topic *t = store_find(b, argv[1], strlen(argv[1]));
	struct fl_topic_conf conf;
	struct fl_err err = { 0 };

	if (t == NULL) {
		admin_say(c, "error: no topic %s\n", argv[1]);
		return;
	}
	if (argv[2] == NULL) {
		struct fl_part_config pc = b->part_cfg;
		const unsigned set = t->conf.set;

		fl_part_config_apply(&pc, &t->conf);
		admin_say(c, "min.insync.replicas\t%d\t%s\n", (int)(pc.min_insync > 1 ?
		    pc.min_insync : 1), set & FL_TCONF_MIN_INSYNC ? "topic" : "default");
		admin_say(c, "replica.lag.time.max.ms\t%lld\t%s\n",
		    (long long)pc.replica_lag_max_ms, set & FL_TCONF_LAG_MAX_MS ? "topic" : "default");
		admin_say(c, "retention.ms\t%lld\t%s\n", (long long)pc.plog.retention_ms,
		    set & FL_TCONF_RETENTION_MS ? "topic" : "default");
		admin_say(c, "retention.bytes\t%lld\t%s\n", (long long)pc.plog.retention_bytes,
		    set & FL_TCONF_RETENTION_BYTES ? "topic" : "default");
		admin_say(c, "ok\n");
		return;
	}
	conf = t->conf;
	if (parse_conf(c, &argv[2], &conf, 1, "config TOPIC [KEY=VALUE ...]") != 0)
		return;
	if (fl_catalog_set_conf(&b->cat, t, &conf, &err) != 0) {
		admin_say(c, "error: %s\n", err.msg);
		return;
	}
	{
		char text[FL_TOPIC_CONF_TEXT_MAX];

		fl_topic_conf_format(&conf, text, sizeof(text));
		fl_log(FL_LOG_INFO, "topic %s: configs now %s", t->name, text[0] ? text :
		    "the broker's defaults");
	}
	kafka_hw_moved(b);	/* acks=all answers may settle otherwise now */
	store_housekeep(b);	/* new retention applies now, not at the next round */
	admin_say(c, "ok\n");
}

/* delete TOPIC (parsed by codec/rverb.h) */
static void
cmd_delete(struct broker *b, struct conn *c, const struct fl_rverb *v)
{
	const char *name = v->topic;
	int rc;

	if (strcmp(name, FL_OFFSETS_TOPIC) == 0) {
		admin_say(c, "error: %s holds the committed offsets and cannot be deleted\n", name);
		return;
	}
	rc = store_delete(b, name);
	if (rc == 0)
		admin_say(c, "ok\n");
	else if (rc == FL_ENOENT)
		admin_say(c, "error: no topic %s\n", name);
	else
		admin_say(c, "error: %s: %s\n", fl_strerror(rc),
		    rc == FL_ESYS ? strerror(errno) : "see the broker's log");
}

/* Operand n as a partition of an existing topic, or an error answered. */
struct fl_part *
admin_part(struct broker *b, struct conn *c, const char *topic, const char *part)
{
	uint64_t idx;
	struct fl_part *p;

	if (fl_conf_u64(part, 0, FL_TOPIC_PARTITIONS_MAX - 1, 0, &idx) != 0) {
		admin_say(c, "error: partition must be 0..%d\n", FL_TOPIC_PARTITIONS_MAX - 1);
		return NULL;
	}
	p = store_part(b, topic, strlen(topic), (int32_t)idx);
	if (p == NULL)
		admin_say(c, "error: no partition %s-%llu\n", topic, (unsigned long long)idx);
	return p;
}

/* "partition TOPIC PART": key<TAB>value lines for scripts (flume-admin(7)). */
static void
cmd_partition(struct broker *b, struct conn *c, char **argv)
{
	struct fl_part *p = admin_part(b, c, argv[1], argv[2]);
	char set[128];
	size_t i;

	if (p == NULL)
		return;
	admin_say(c, "role\t%s\n", fl_role_name(p->role));
	admin_say(c, "epoch\t%d\n", (int)p->leader_epoch);
	admin_say(c, "leader\t%d\n", (int)p->leader_id);
	(void)fl_nodeset_format(&p->replicas, set, sizeof(set));
	admin_say(c, "replicas\t%s\n", set);
	(void)fl_nodeset_format(&p->isr, set, sizeof(set));
	admin_say(c, "isr\t%s\n", set);
	if (p->role == FL_ROLE_LEADER)
		(void)fl_nodeset_format(&p->lead.proposed, set, sizeof(set));
	else
		snprintf(set, sizeof(set), "-");
	admin_say(c, "proposed_isr\t%s\n", set);
	admin_say(c, "log_start\t%llu\n", (unsigned long long)(p->is_open ? p->log.log_start : 0));
	admin_say(c, "log_end\t%llu\n", (unsigned long long)fl_part_log_end(p));
	admin_say(c, "hw\t%llu\n", (unsigned long long)p->hw);
	for (i = 0; p->role == FL_ROLE_LEADER && i < p->lead.nf; i++) {
		int64_t lag, lag_ms;

		fl_leader_follower_lag(&p->lead, i, b->now_ms, &lag, &lag_ms);
		admin_say(c, "follower\t%d\t%lld\t%lld\n", (int)p->lead.f[i].id,
		    (long long)p->lead.f[i].fetch_offset, (long long)lag_ms);
	}
	admin_say(c, "ok\n");
}

/* "digest TOPIC PART FROM TO": BLAKE2b of the records in [FROM, TO), as flume-seg digest. */
static void
cmd_digest(struct broker *b, struct conn *c, char **argv)
{
	struct fl_part *p = admin_part(b, c, argv[1], argv[2]);
	struct fl_segtool t;
	struct fl_segtool_digest d;
	struct fl_segtool_problem prob;
	struct fl_err err = { 0 };
	uint64_t from, to;
	char hex[2 * FL_BLAKE2B_BYTES + 1];
	int rc;

	if (p == NULL)
		return;
	if (fl_conf_u64(argv[3], 0, INT64_MAX, 0, &from) != 0 ||
	    fl_conf_u64(argv[4], 0, INT64_MAX, 0, &to) != 0 || to < from) {
		admin_say(c, "error: FROM and TO are offsets, FROM <= TO\n");
		return;
	}
	/* what the log holds in memory goes to the file first: the tool reads files */
	if (p->is_open && (rc = fl_plog_flush(&p->log)) != 0) {
		admin_say(c, "error: %s: flush: %s\n", fl_part_dir(p), fl_strerror(rc));
		return;
	}
	{
		char dir[SERVE_PATH_MAX + FL_TOPIC_NAME_MAX + 16], name[FL_TOPIC_NAME_MAX + 16];

		/* a followed partition is closed here: its path from its name */
		struct fl_topic *tp = store_find(b, argv[1], strlen(argv[1]));

		if (fl_topic_dir_name(name, sizeof(name), argv[1], (int32_t)(p - tp->parts)) != 0 ||
		    snprintf(dir, sizeof(dir), "%s/%s", b->cfg->data_dir, name) >=
		    (int)sizeof(dir)) {
			admin_say(c, "error: path too long\n");
			return;
		}
		rc = fl_segtool_open(&t, b->vfs, dir, &err);
	}
	if (rc == 0) {
		rc = fl_segtool_digest(&t, from, to, &d, &prob, &err);
		fl_segtool_close(&t);
	}
	if (rc == FL_ECORRUPT)
		admin_say(c, "error: %s-%s: damaged at offset %lld\n", argv[1], argv[2],
		    (long long)prob.offset);
	else if (rc != 0)
		admin_say(c, "error: %s\n", err.msg[0] ? err.msg : fl_strerror(rc));
	else {
		fl_hex(hex, d.sum, sizeof(d.sum));
		admin_say(c, "digest\t%s\nok\n", hex);
	}
}

static void
cmd_groups(struct broker *b, struct conn *c, char **argv)
{
	(void)argv;
	group_admin_list(b, c);
}

static void
cmd_group(struct broker *b, struct conn *c, char **argv)
{
	group_admin_show(b, c, argv[1]);
}

/*
 * user add NAME PASSWORD | user del NAME | user list, and acl add|del NAME
 * OPS TYPE PREFIX | acl list [NAME]: the edits `flume-serve user|acl`
 * makes (users_apply, one try at the lock: the loop never waits), then a
 * reload, so they apply to the next authentication and request.
 */
static void
users_edit(struct broker *b, struct conn *c, const struct users_cmd *cmd)
{
	struct users_done done;
	struct fl_err err = { 0 };
	int rc = users_apply(b->cfg->data_dir, cmd, &done, &err);

	if (rc == FL_EBUSY) {
		admin_say(c, "error: busy: another edit of the users file is under "
		    "way; try again\n");
		return;
	}
	if (rc != 0) {
		admin_say(c, "error: %s\n", err.msg[0] ? err.msg : fl_strerror(rc));
		return;
	}
	(void)auth_reload(b, 1);
	admin_say(c, "%sok\n", done.replaced ? "replaced\n" : done.unchanged ?
	    "unchanged\n" : "");
}

static void
cmd_user(struct broker *b, struct conn *c, char **argv)
{
	struct users_cmd cmd;
	size_t i, n = 1;

	memset(&cmd, 0, sizeof(cmd));
	while (argv[n] != NULL)
		n++;
	if (strcmp(argv[1], "list") == 0 && n == 2) {
		if (auth_reload(b, 0) != 0 || b->auth.is_damaged) {
			admin_say(c, "error: the users file cannot be read (see the log)\n");
			return;
		}
		for (i = 0; i < b->auth.creds.nusers; i++)
			admin_say(c, "user\t%s\n", b->auth.creds.users[i].name);
		admin_say(c, "ok\n");
		return;
	}
	cmd.name = argv[2];
	if (strcmp(argv[1], "add") == 0 && n == 4) {
		cmd.verb = USERS_ADD;
		cmd.password = argv[3];
		cmd.plen = strlen(argv[3]);
	} else if (strcmp(argv[1], "del") == 0 && n == 3) {
		cmd.verb = USERS_DEL;
	} else {
		admin_say(c, "error: usage: user add NAME PASSWORD | user del NAME | "
		    "user list\n");
		return;
	}
	if (!fl_creds_name_ok(cmd.name)) {
		admin_say(c, "error: invalid user name\n");
		return;
	}
	users_edit(b, c, &cmd);
}

static void
cmd_acl(struct broker *b, struct conn *c, char **argv)
{
	struct users_cmd cmd;
	char ops[FL_ACL_OPS_TEXT_MAX];
	size_t i, n = 1;

	memset(&cmd, 0, sizeof(cmd));
	while (argv[n] != NULL)
		n++;
	if (strcmp(argv[1], "list") == 0 && n <= 3) {
		if (auth_reload(b, 0) != 0 || b->auth.is_damaged) {
			admin_say(c, "error: the users file cannot be read (see the log)\n");
			return;
		}
		for (i = 0; i < b->auth.creds.nacls; i++) {
			const struct fl_acl *a = &b->auth.creds.acls[i];

			if (n == 3 && strcmp(a->name, argv[2]) != 0)
				continue;
			fl_acl_format_ops(a->ops, ops, sizeof(ops));
			admin_say(c, "acl\t%s\t%s\t%s\t%s\n", a->name, ops,
			    fl_acl_type_name(a->type), a->prefix);
		}
		admin_say(c, "ok\n");
		return;
	}
	if (n != 6 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0) ||
	    fl_acl_parse_ops(argv[3], &cmd.ops) != 0 ||
	    fl_acl_parse_type(argv[4], &cmd.type) != 0 || !fl_creds_name_ok(argv[2]) ||
	    strlen(argv[5]) > FL_CREDS_NAME_MAX || argv[5][0] == '\0' ||
	    (cmd.type == FL_ACL_CLUSTER && strcmp(argv[5], "*") != 0)) {
		admin_say(c, "error: usage: acl add|del NAME read,write,create,delete|all "
		    "topic|group|cluster PREFIX | acl list [NAME]\n");
		return;
	}
	cmd.verb = strcmp(argv[1], "add") == 0 ? USERS_ACL_ADD : USERS_ACL_DEL;
	cmd.name = argv[2];
	cmd.prefix = argv[5];
	users_edit(b, c, &cmd);
}

static void cmd_help(struct broker *b, struct conn *c, char **argv);

#define ADMIN_ARGS_MAX FL_RVERB_OPERANDS_MAX

/*
 * The verbs, in the order `help` lists them.  The replica verbs (rverb
 * set) are parsed and checked by codec/rverb.h, which has their usage;
 * the others are split into words here and checked for their count.
 */
static const struct verb {
	const char *name;
	int min, max;			/* operands after the verb */
	int changes;			/* changes state: refused to a fenced controller */
	const char *usage;
	void (*fn)(struct broker *, struct conn *, char **);
	int rverb;			/* 1: a replica verb, of this kind */
	enum fl_rverb_kind kind;
} verbs[] = {
	{ "status", 0, 0, 0, "status", cmd_status, 0, 0 },
	{ "topics", 0, 0, 0, "topics", cmd_topics, 0, 0 },
	{ "create", 0, 0, 0, NULL, NULL, 1, FL_RVERB_CREATE },
	{ "config", 1, 5, 1, "config TOPIC [KEY=VALUE ...]", cmd_config, 0, 0 },
	{ "delete", 0, 0, 0, NULL, NULL, 1, FL_RVERB_DELETE },
	{ "partition", 2, 2, 0, "partition TOPIC PART", cmd_partition, 0, 0 },
	{ "digest", 4, 4, 0, "digest TOPIC PART FROM TO", cmd_digest, 0, 0 },
	{ "groups", 0, 0, 0, "groups", cmd_groups, 0, 0 },
	{ "group", 1, 1, 0, "group NAME", cmd_group, 0, 0 },
	{ "user", 1, 3, 0, "user add NAME PASSWORD | user del NAME | user list", cmd_user,
	  0, 0 },
	{ "acl", 1, 5, 0, "acl add|del NAME OPS TYPE PREFIX | acl list [NAME]", cmd_acl,
	  0, 0 },
	{ "brokers", 0, 0, 0, NULL, NULL, 1, FL_RVERB_BROKERS },
	{ "lead", 0, 0, 0, NULL, NULL, 1, FL_RVERB_LEAD },
	{ "follow", 0, 0, 0, NULL, NULL, 1, FL_RVERB_FOLLOW },
	{ "isr", 0, 0, 0, NULL, NULL, 1, FL_RVERB_ISR },
	{ "offline", 0, 0, 0, NULL, NULL, 1, FL_RVERB_OFFLINE },
	{ "controller", 0, 0, 0, NULL, NULL, 1, FL_RVERB_CONTROLLER },
	{ "done", 0, 0, 0, NULL, NULL, 1, FL_RVERB_DONE },
	{ "help", 0, 0, 0, "help", cmd_help, 0, 0 },
};

static void
cmd_help(struct broker *b, struct conn *c, char **argv)
{
	size_t i;

	(void)b; (void)argv;
	for (i = 0; i < FL_ARRAY_LEN(verbs); i++)
		admin_say(c, "%s\n", verbs[i].rverb ? fl_rverb_usage(verbs[i].kind) :
		    verbs[i].usage);
	admin_say(c, "ok\n");
}

/*
 * A replica verb's line that codec/rverb.h refused: the checks that need
 * this broker's state and come before the refused operand go first.
 */
static void
rverb_refused(struct broker *b, struct conn *c, const struct fl_rverb *v, int rc,
    const char *why)
{
	/* follow: LEADER_ID passed, then "broker N is unknown", then the rest */
	if (v->kind == FL_RVERB_FOLLOW && v->leader >= 0 && !cluster_knows_leader(b, c, v->leader))
		return;
	/* create: a stopping broker says so before it looks at the name */
	if (v->kind == FL_RVERB_CREATE && b->is_stopping &&
	    strcmp(why, "invalid topic name") == 0) {
		admin_say(c, "error: stopping\n");
		return;
	}
	admin_say(c, "error: %s\n", why[0] ? why : fl_strerror(rc));
}

/*
 * controller, brokers, lead, follow, isr, offline, done, create, delete:
 * the count of operands, the controller fence, the rest of the line's
 * checks, then the verb.  0, or FL_ENOENT when the line is none of those.
 */
static int
rverb_handle(struct broker *b, struct conn *c, const char *line)
{
	struct fl_cmeta_broker br[FL_RVERB_OPERANDS_MAX];
	struct fl_rverb v;
	enum fl_rverb_kind kind;
	char why[FL_RVERB_WHY_MAX];
	size_t len = strlen(line);
	int rc = fl_rverb_peek(line, len, &kind, why, sizeof(why));

	if (rc == FL_ENOENT)
		return rc;
	if (rc != 0) {
		admin_say(c, "error: %s\n", why);
		return 0;
	}
	if (fl_rverb_changes(kind) && cluster_fenced(b, c))
		return 0;
	rc = fl_rverb_parse(line, len, b->cfg->node_id, &v, br, FL_ARRAY_LEN(br), why,
	    sizeof(why));
	if (rc != 0) {
		rverb_refused(b, c, &v, rc, why);
		return 0;
	}
	switch (v.kind) {
	case FL_RVERB_CONTROLLER: cluster_cmd_controller(b, c, &v); break;
	case FL_RVERB_BROKERS: cluster_cmd_brokers(b, c, &v); break;
	case FL_RVERB_LEAD: cluster_cmd_lead(b, c, &v); break;
	case FL_RVERB_FOLLOW: cluster_cmd_follow(b, c, &v); break;
	case FL_RVERB_ISR: cluster_cmd_isr(b, c, &v); break;
	case FL_RVERB_OFFLINE: cluster_cmd_offline(b, c, &v); break;
	case FL_RVERB_DONE: cluster_cmd_done(b, c, &v); break;
	case FL_RVERB_CREATE: cmd_create(b, c, &v); break;
	case FL_RVERB_DELETE: cmd_delete(b, c, &v); break;
	}
	return 0;
}

void
admin_handle(struct broker *b, struct conn *c, char *line)
{
	char *argv[ADMIN_ARGS_MAX + 2], *save = NULL, *tok;
	int argc = 0;
	size_t i;

	if (rverb_handle(b, c, line) != FL_ENOENT)
		return;
	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (argc == ADMIN_ARGS_MAX + 1) {
			argc++;		/* too many: the arity check below says so */
			break;
		}
		argv[argc++] = tok;
	}
	if (argc == 0)
		return;
	for (i = 0; i < FL_ARRAY_LEN(verbs); i++) {
		const struct verb *v = &verbs[i];
		int k;

		if (v->rverb || strcmp(argv[0], v->name) != 0)
			continue;
		if (argc - 1 < v->min || argc - 1 > v->max) {
			admin_say(c, "error: usage: %s\n", v->usage);
			return;
		}
		for (k = argc; k < ADMIN_ARGS_MAX + 2; k++)
			argv[k] = NULL;
		if (v->changes && cluster_fenced(b, c))
			return;
		v->fn(b, c, argv);
		return;
	}
	admin_say(c, "error: unknown command '%s' (try help)\n", argv[0]);
}
