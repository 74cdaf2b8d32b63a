/*
 * store.c: the broker's data directory: the catalog of topics and
 * partitions (store/catalog.h, where the rules live) wired to the broker's
 * log, its sync rounds and its housekeeping timer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "os/clock.h"
#include "os/lock.h"
#include "serve.h"

#define SERVE_APPEND_BUFFER_BYTES (256u << 10)

static void
catalog_note(void *arg, enum fl_catalog_note_level level, const char *msg)
{
	(void)arg;
	fl_log(level == FL_CATALOG_WARN ? FL_LOG_WARN : FL_LOG_INFO, "%s", msg);
}

void
store_log_error(const struct fl_part *p, const char *what, int rc)
{
	fl_log(FL_LOG_ERROR, "%s: %s: %s", fl_part_dir(p), what,
	    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
}

void
store_fail(struct broker *b, const struct fl_part *p, const char *call, int rc)
{
	fl_log(FL_LOG_ERROR, "%s %s: %s; stopping", call, fl_part_dir(p),
	    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	b->is_failed = 1;
	b->exit_code = EX_IOERR;
}

/*
 * The broker writes a partition only while it holds DIR/TOPIC-P/lock, as a
 * flume-repl child does for the partitions it follows and flume-seg's
 * writing commands do (flume-log(5)).  0, or FL_EBUSY / FL_ESYS with err
 * set.
 */
int
store_lock_part(struct fl_part *p, struct fl_err *err)
{
	int rc;

	if (p->lock_fd >= 0)
		return 0;
	rc = fl_lock_dir(fl_part_dir(p), 1, &p->lock_fd);
	if (rc == FL_EBUSY)
		return fl_err_set(err, rc, "%s/%s is held by another process (a flume-repl "
		    "or flume-seg still running?)", fl_part_dir(p), FL_LOCK_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "lock %s/%s: %s", fl_part_dir(p), FL_LOCK_FILE,
		    strerror(errno));
	return 0;
}

void
store_unlock_part(struct fl_part *p)
{
	fl_lock_release(p->lock_fd);
	p->lock_fd = -1;
}

int
store_lock_part_at(struct broker *b, struct fl_topic *t, int32_t idx, struct fl_err *err)
{
	struct fl_part *p = &t->parts[idx];
	char dir[SERVE_PATH_MAX + FL_TOPIC_NAME_MAX + 16], name[FL_TOPIC_NAME_MAX + 16];
	int rc;

	if (p->lock_fd >= 0)
		return 0;
	/* a closed partition keeps no path: make it again */
	if (fl_topic_dir_name(name, sizeof(name), t->name, idx) != 0 ||
	    snprintf(dir, sizeof(dir), "%s/%s", b->cfg->data_dir, name) >= (int)sizeof(dir))
		return fl_err_set(err, FL_ERANGE, "path too long for %s", t->name);
	rc = fl_lock_dir(dir, 1, &p->lock_fd);
	if (rc == FL_EBUSY)
		return fl_err_set(err, rc, "%s/%s is held by another process", dir, FL_LOCK_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "lock %s/%s: %s", dir, FL_LOCK_FILE, strerror(errno));
	return 0;
}

static int
lock_topic(struct fl_topic *t, struct fl_err *err)
{
	int32_t j;
	int rc;

	for (j = 0; j < t->nparts; j++)
		if ((rc = store_lock_part(&t->parts[j], err)) != 0)
			return rc;
	return 0;
}

static void
unlock_topic(struct fl_topic *t)
{
	int32_t j;

	for (j = 0; j < t->nparts; j++)
		store_unlock_part(&t->parts[j]);
}

int
store_open(struct broker *b, struct fl_err *err)
{
	struct fl_part_config *pc = &b->part_cfg;
	size_t i;
	int rc;

	memset(pc, 0, sizeof(*pc));
	fl_plog_config_default(&pc->plog);
	pc->plog.segment_bytes = b->cfg->segment_bytes;
	pc->plog.retention_ms = b->cfg->retention_ms;
	pc->plog.retention_bytes = b->cfg->retention_bytes;
	/* appends reach the kernel once per loop turn, not once per request */
	pc->plog.write_buffer_bytes = SERVE_APPEND_BUFFER_BYTES;
	pc->message_bytes_max = b->cfg->message_bytes_max;
	pc->node_id = b->cfg->node_id;
	pc->replica_lag_max_ms = b->cfg->replica_lag_max_ms;
	pc->min_insync = b->cfg->min_insync;
	pc->producers_max = b->cfg->producers_max;
	rc = fl_catalog_open(&b->cat, b->vfs, b->cfg->data_dir, pc, b->wall_ms,
	    catalog_note, b, err);
	for (i = 0; rc == 0 && i < b->cat.ntopics; i++) {
		/*
		 * A broker started right after its predecessor was killed
		 * finds that one's flume-repl children still finishing (they
		 * stop on their parent's death, syncing what they wrote):
		 * wait for them, a while, rather than refuse to start.
		 */
		int64_t give_up = fl_clock_ms() + STORE_LOCK_WAIT_MS;
		int said = 0;

		while ((rc = lock_topic(b->cat.topics[i], err)) == FL_EBUSY &&
		    fl_clock_ms() < give_up) {
			if (!said++)
				fl_log(FL_LOG_WARN, "%s; waiting up to %d ms", err->msg,
				    STORE_LOCK_WAIT_MS);
			(void)poll(NULL, 0, 20);
		}
	}
	return rc;
}

void
store_close(struct broker *b)
{
	size_t i;

	for (i = 0; i < b->cat.ntopics; i++)
		unlock_topic(b->cat.topics[i]);
	fl_catalog_close(&b->cat);
}

struct fl_topic *
store_find(struct broker *b, const void *name, size_t len)
{
	return fl_catalog_find(&b->cat, name, len);
}

struct fl_part *
store_part(struct broker *b, const void *name, size_t len, int32_t idx)
{
	return fl_catalog_part(&b->cat, name, len, idx);
}

void
store_appended(struct broker *b, struct fl_part *p, uint64_t bytes)
{
	fl_round_dirty(&b->round, &p->round, bytes);
}

void
store_create(struct broker *b, struct fl_catalog_new *nt, size_t n)
{
	struct fl_err err = { 0 };
	size_t i;

	if (fl_catalog_create(&b->cat, nt, n, b->wall_ms, &err) != 0)
		fl_log(FL_LOG_ERROR, "%s", err.msg);
	for (i = 0; i < n; i++) {
		if (nt[i].rc == 0 && lock_topic(nt[i].topic, &err) != 0) {
			/* it exists, but another process writes one of its partitions */
			fl_log(FL_LOG_ERROR, "%s", err.msg);
			snprintf(nt[i].why, sizeof(nt[i].why), "%s", err.msg);
		}
		if (nt[i].rc == 0) {
			fl_log(FL_LOG_INFO, "created topic %s with %d partition%s",
			    nt[i].name, (int)nt[i].nparts, nt[i].nparts == 1 ? "" : "s");
			cluster_topic_created(b, nt[i].topic);
		}
	}
}

int
store_grow(struct broker *b, struct fl_topic *t, int32_t nparts, struct fl_err *err)
{
	uint64_t *dirty;
	int32_t j, old_n = t->nparts;
	int rc;

	/*
	 * The partitions move (the catalog reallocates them): nothing may
	 * point into them meanwhile.  The sync thread does during a round,
	 * and the round's dirty list links their slots.
	 */
	if ((dirty = calloc((size_t)old_n, sizeof(*dirty))) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	sync_wait_idle(b);
	for (j = 0; j < old_n; j++) {
		struct fl_round_slot *s = &t->parts[j].round;

		dirty[j] = s->is_dirty ? s->dirty_bytes + 1 : 0;
		fl_round_forget(&b->round, s);
	}
	rc = fl_catalog_add_partitions(&b->cat, t, nparts, b->wall_ms, err);
	for (j = 0; j < old_n; j++)
		if (dirty[j] > 0)
			fl_round_dirty(&b->round, &t->parts[j].round, dirty[j] - 1);
	free(dirty);
	if (rc != 0)
		return rc;
	for (j = old_n; j < nparts; j++)
		if ((rc = store_lock_part_at(b, t, j, err)) != 0)
			fl_log(FL_LOG_ERROR, "%s", err->msg);	/* as store_create: it exists */
	fl_log(FL_LOG_INFO, "topic %s: %d partitions now (were %d)", t->name, (int)nparts,
	    (int)old_n);
	return 0;
}

int
store_delete(struct broker *b, const char *name)
{
	struct fl_topic *t = store_find(b, name, strlen(name));
	struct fl_err err = { 0 };
	int32_t j;
	int rc;

	if (t == NULL)
		return FL_ENOENT;
	if ((rc = cluster_topic_deleting(b, t)) != 0)
		return rc;
	unlock_topic(t);
	rc = fl_catalog_delete(&b->cat, name, &err);
	if (rc != 0) {
		(void)lock_topic(t, &err);
		fl_log(FL_LOG_ERROR, "delete topic %s: %s", name, err.msg);
		return rc;
	}
	/* nobody waits for its appends to become durable any more */
	for (j = 0; j < t->nparts; j++)
		fl_round_forget(&b->round, &t->parts[j].round);
	fl_catalog_reap(&b->cat);
	fl_log(FL_LOG_INFO, "deleted topic %s", name);
	return 0;
}

void
store_snapshot_all(struct broker *b, int only_changed)
{
	size_t i;
	int32_t j;

	for (i = 0; i < b->cat.ntopics; i++)
		for (j = 0; j < b->cat.topics[i]->nparts; j++) {
			struct fl_part *p = &b->cat.topics[i]->parts[j];
			int rc = fl_part_snapshot(p, only_changed);

			if (rc != 0)
				store_log_error(p, "write " FL_PART_PRODUCERS_FILE, rc);
		}
}

void
store_housekeep(struct broker *b)
{
	size_t i;
	int32_t j;

	for (i = 0; i < b->cat.ntopics; i++) {
		struct fl_topic *t = b->cat.topics[i];
		/*
		 * Committed offsets are kept until a commit replaces them,
		 * however old: retention would forget where idle groups
		 * stand.  Compaction keeps that log small (sm/coord.h).
		 */
		int keep_all = is_internal_topic(t->name, strlen(t->name));

		for (j = 0; j < t->nparts; j++) {
			struct fl_part *p = &t->parts[j];
			size_t deleted = 0;
			int rc;

			if (p->round.in_round)
				continue;	/* its file may be syncing */
			rc = fl_part_housekeep(p, b->wall_ms, keep_all,
			    b->wall_ms - b->cfg->producer_expiration_ms, &deleted);
			if (rc != 0)
				store_log_error(p, "retention", rc);
			else if (deleted > 0)
				fl_log(FL_LOG_INFO, "%s: retention removed %zu "
				    "segment%s, log start now %llu", fl_part_dir(p), deleted,
				    deleted == 1 ? "" : "s",
				    (unsigned long long)p->log.log_start);
		}
	}
	store_snapshot_all(b, 1);
}
