/*
 * admin.c: the admin socket's line protocol (flume-admin(7)).
 *
 * One command per line; the reply is zero or more tab-separated data lines
 * and then exactly one status line, "ok" or "error: TEXT", so a script can
 * read up to the status line and a person can use socat.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/conf.h"
#include "codec/offsets.h"
#include "serve.h"

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
cmd_status(struct broker *b, struct conn *c)
{
	size_t i;
	int32_t j;

	admin_say(c, "node\t%d\n", (int)b->cfg->node_id);
	admin_say(c, "cluster\t%s\n", b->cluster_id);
	admin_say(c, "listen\t%s\n", b->bound);
	admin_say(c, "advertise\t%s:%u\n", b->adv_host, (unsigned)b->adv_port);
	admin_say(c, "uptime_s\t%lld\n", (long long)((b->now_ms - b->start_ms) / 1000));
	admin_say(c, "connections\t%zu\n", b->nkafka);
	admin_say(c, "topics\t%zu\n", b->ntopics);
	for (i = 0; i < b->ntopics; i++) {
		struct topic *t = b->topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct part *p = &t->parts[j];

			admin_say(c, "partition\t%s\t%d\t%llu\t%llu\t%llu\n", t->name, (int)j,
			    (unsigned long long)p->log.log_start,
			    (unsigned long long)p->log.log_end,
			    (unsigned long long)part_hw(p));
		}
	}
	admin_say(c, "ok\n");
}

static void
cmd_topics(struct broker *b, struct conn *c)
{
	size_t i;

	for (i = 0; i < b->ntopics; i++)
		admin_say(c, "%s\t%d\n", b->topics[i]->name, (int)b->topics[i]->nparts);
	admin_say(c, "ok\n");
}

static void
cmd_create(struct broker *b, struct conn *c, const char *name, const char *parts)
{
	uint64_t n = (uint64_t)b->cfg->num_partitions;
	int rc;

	if (name == NULL) {
		admin_say(c, "error: usage: create TOPIC [PARTITIONS]\n");
		return;
	}
	if (parts != NULL && fl_conf_u64(parts, 1, FL_TOPIC_PARTITIONS_MAX, 0, &n) != 0) {
		admin_say(c, "error: partitions must be 1..%d\n", FL_TOPIC_PARTITIONS_MAX);
		return;
	}
	if (b->is_stopping) {
		admin_say(c, "error: stopping\n");
		return;
	}
	rc = store_create(b, name, (int32_t)n, NULL);
	if (rc == 0)
		admin_say(c, "ok\n");
	else if (rc == FL_EEXIST)
		admin_say(c, "error: topic %s already exists\n", name);
	else if (rc == FL_EINVAL)
		admin_say(c, "error: invalid topic name\n");
	else
		admin_say(c, "error: %s\n", fl_strerror(rc));
}

static void
cmd_delete(struct broker *b, struct conn *c, const char *name)
{
	int rc;

	if (name == NULL) {
		admin_say(c, "error: usage: delete TOPIC\n");
		return;
	}
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
		admin_say(c, "error: %s\n", fl_strerror(rc));
}

void
admin_handle(struct broker *b, struct conn *c, char *line)
{
	char *argv[4], *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok != NULL && argc < 4;
	    tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "status") == 0 && argc == 1)
		cmd_status(b, c);
	else if (strcmp(argv[0], "topics") == 0 && argc == 1)
		cmd_topics(b, c);
	else if (strcmp(argv[0], "create") == 0 && argc <= 3)
		cmd_create(b, c, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
	else if (strcmp(argv[0], "delete") == 0 && argc <= 2)
		cmd_delete(b, c, argc > 1 ? argv[1] : NULL);
	else if (strcmp(argv[0], "groups") == 0 && argc == 1)
		group_admin_list(b, c);
	else if (strcmp(argv[0], "group") == 0 && argc == 2)
		group_admin_show(b, c, argv[1]);
	else if (strcmp(argv[0], "help") == 0)
		admin_say(c, "status\ntopics\ncreate TOPIC [PARTITIONS]\ndelete TOPIC\n"
		    "groups\ngroup NAME\nok\n");
	else
		admin_say(c, "error: unknown command '%s' (try help)\n", argv[0]);
}
