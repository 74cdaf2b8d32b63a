/*
 * store.c: topics and partitions on disk.
 *
 * The durable `topics` file is the truth about which topics exist: a
 * partition directory it does not name is left over from a crash between
 * the two steps of a create or delete, and is removed at start-up.  Create
 * makes the directories first and then the file; delete rewrites the file
 * first and then renames the directories to "*.del" before removing them,
 * so a name can be created again at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/offsets.h"
#include "serve.h"

#define TOPICS_FILE "topics"
#define PIDS_FILE "producer-ids"
#define PRODUCERS_FILE "producers"
#define SCAN_CHUNK (1u << 20)

static int
io_msg(struct fl_err *err, int rc, const char *what, const char *path)
{
	return fl_err_set(err, rc, "%s %s: %s", what, path,
	    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
}

/* Remove a flat directory and everything in it. */
static int
rm_flat_dir(struct fl_vfs *v, const char *dir)
{
	char **names = NULL, path[SERVE_PATH_MAX + 300];
	size_t n = 0, i;
	int rc;

	rc = fl_vfs_list(v, dir, &names, &n);
	if (rc == FL_ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)fl_vfs_unlink(v, path);
	}
	fl_vfs_list_free(names, n);
	return fl_vfs_rmdir(v, dir);
}

/* ---- idempotent producer state ---- */

struct rebuild {
	struct fl_pidstate *st;
	uint8_t *buf;
};

/*
 * Replay batch headers from 'from' to the log end into the table (§4.7).
 * Only the 61-byte headers are read, a megabyte of file at a time.
 */
static int
pids_replay(struct part *p, uint64_t from, uint8_t *buf, int64_t now_ms)
{
	struct fl_plog *l = &p->log;
	uint64_t off = from;

	while (off < l->log_end) {
		struct fl_plog_span sp;
		uint64_t pos, end, bpos = 0;
		size_t have = 0;
		int rc = fl_plog_read(l, off, l->log_end, SCAN_CHUNK, &sp);

		if (rc != 0)
			return rc;
		pos = sp.pos;
		end = sp.pos + sp.len;
		while (pos < end) {
			struct fl_batch_hdr h;

			if (pos < bpos || pos + FL_BATCH_HDR_BYTES > bpos + have) {
				uint64_t want = end - pos;
				long long r;

				if (want > SCAN_CHUNK)
					want = SCAN_CHUNK;
				r = fl_vfs_pread(sp.file, buf, (size_t)want, pos);
				if (r < 0)
					return (int)r;
				if ((uint64_t)r < FL_BATCH_HDR_BYTES)
					return FL_ECORRUPT;
				bpos = pos;
				have = (size_t)r;
			}
			fl_batch_hdr_parse(buf + (pos - bpos), FL_BATCH_HDR_BYTES, &h);
			if (h.producer_id >= 0 && h.base_seq >= 0) {
				struct fl_pid_batch pb = {
					.first_seq = h.base_seq,
					.last_seq = fl_pidstate_last_seq(h.base_seq,
					    h.last_offset_delta),
					.first_offset = h.base_offset,
					.last_offset = fl_batch_last_offset(&h),
					.max_ts = h.max_ts,
				};

				/* last heard: now, not the client's clock */
				rc = fl_pidstate_update(&p->pids, h.producer_id,
				    h.producer_epoch, &pb, now_ms);
				if (rc != 0)
					return rc;
			}
			pos += fl_batch_size(&h);
		}
		off = sp.next_offset;
	}
	return 0;
}

static void
pids_load(struct broker *b, struct part *p, uint8_t *buf)
{
	uint8_t *data;
	size_t len;
	int64_t upto = 0;
	uint64_t from = p->log.log_start;
	int rc;

	rc = fl_durable_read(b->vfs, p->dir, PRODUCERS_FILE, &data, &len);
	if (rc == 0) {
		rc = fl_pidstate_decode(&p->pids, data, len, &upto);
		free(data);
		if (rc == 0 && (uint64_t)upto > p->log.log_end) {
			/* the log lost a tail the snapshot had seen */
			fl_log(FL_LOG_INFO, "%s: producers snapshot at %lld is past "
			    "the log end %llu; rebuilding", p->dir, (long long)upto,
			    (unsigned long long)p->log.log_end);
			fl_pidstate_clear(&p->pids);
		} else if (rc == 0 && (uint64_t)upto > from) {
			from = (uint64_t)upto;
		} else if (rc != 0) {
			fl_log(FL_LOG_WARN, "%s/%s: %s; rebuilding from the log",
			    p->dir, PRODUCERS_FILE, fl_strerror(rc));
			fl_pidstate_clear(&p->pids);
		}
	} else if (rc != FL_ENOENT) {
		fl_log(FL_LOG_WARN, "%s/%s: %s; rebuilding from the log", p->dir,
		    PRODUCERS_FILE, rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	}
	rc = pids_replay(p, from, buf, b->wall_ms);
	if (rc != 0)
		fl_log(FL_LOG_WARN, "%s: producer state replay stopped: %s", p->dir,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	p->pids_changed = from < p->log.log_end;
}

static void
pids_snapshot(struct broker *b, struct part *p)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_pidstate_encode(&p->pids, (int64_t)p->log.log_end, &w);
	if (rc == 0)
		rc = fl_durable_write(b->vfs, p->dir, PRODUCERS_FILE, w.p, w.len);
	if (rc != 0)
		fl_log(FL_LOG_WARN, "%s/%s: %s", p->dir, PRODUCERS_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	else
		p->pids_changed = 0;
	fl_wr_free(&w);
}

void
store_snapshot_all(struct broker *b, int only_changed)
{
	size_t i;
	int32_t j;

	for (i = 0; i < b->ntopics; i++)
		for (j = 0; j < b->topics[i]->nparts; j++) {
			struct part *p = &b->topics[i]->parts[j];

			if (p->is_open && (p->pids_changed || !only_changed))
				pids_snapshot(b, p);
		}
}

/* ---- partitions and topics ---- */

static int
part_open(struct broker *b, struct topic *t, int32_t idx, uint8_t *buf,
    struct fl_err *err)
{
	struct part *p = &t->parts[idx];
	struct fl_plog_recovery rec;
	char name[FL_TOPIC_NAME_MAX + 16];
	int rc;

	memset(p, 0, sizeof(*p));
	p->topic = t;
	p->index = idx;
	if (fl_topic_dir_name(name, sizeof(name), t->name, idx) != 0 ||
	    snprintf(p->dir, sizeof(p->dir), "%s/%s", b->cfg->data_dir, name) >=
	    (int)sizeof(p->dir))
		return fl_err_set(err, FL_ERANGE, "path too long for %s", t->name);
	memset(&rec, 0, sizeof(rec));
	rc = fl_plog_open(&p->log, b->vfs, p->dir, &b->plog_cfg, FL_PLOG_CREATE,
	    b->wall_ms, &rec, err);
	if (rc != 0)
		return rc;
	if (rec.cut_bytes > 0)
		fl_log(FL_LOG_WARN, "%s: cut %llu bytes from position %llu of "
		    "segment %llu: %s", p->dir, (unsigned long long)rec.cut_bytes,
		    (unsigned long long)rec.cut_pos,
		    (unsigned long long)rec.cut_segment, rec.reason);
	if (rec.index_rebuilt)
		fl_log(FL_LOG_INFO, "%s: index rebuilt", p->dir);
	fl_pidstate_init(&p->pids, b->cfg->producers_max);
	p->is_open = 1;
	pids_load(b, p, buf);
	return 0;
}

static void
part_close(struct part *p)
{
	if (!p->is_open)
		return;
	(void)fl_plog_sync(&p->log);
	fl_plog_close(&p->log);
	fl_pidstate_free(&p->pids);
	p->is_open = 0;
}

static void
topic_free(struct topic *t)
{
	int32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++)
		part_close(&t->parts[i]);
	free(t->parts);
	free(t);
}

/* Allocate t and open its partitions; on failure everything is undone. */
static int
topic_open(struct broker *b, const char *name, int32_t nparts, uint8_t *buf,
    struct topic **out, struct fl_err *err)
{
	struct topic *t = calloc(1, sizeof(*t));
	int32_t i;
	int rc;

	if (t == NULL || (t->parts = calloc((size_t)nparts, sizeof(*t->parts))) == NULL) {
		free(t);
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->nparts = nparts;
	for (i = 0; i < nparts; i++) {
		rc = part_open(b, t, i, buf, err);
		if (rc != 0) {
			topic_free(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

static size_t
topic_pos(struct broker *b, const void *name, size_t len, int *found)
{
	size_t lo = 0, hi = b->ntopics;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = b->topics[mid]->name;
		size_t ml = strlen(m);
		int c = memcmp(m, name, ml < len ? ml : len);

		if (c == 0)
			c = ml < len ? -1 : ml > len;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	if (lo < b->ntopics) {
		const char *m = b->topics[lo]->name;

		*found = strlen(m) == len && memcmp(m, name, len) == 0;
	}
	return lo;
}

struct topic *
store_find(struct broker *b, const void *name, size_t len)
{
	int found;
	size_t i = topic_pos(b, name, len, &found);

	return found ? b->topics[i] : NULL;
}

struct part *
store_part(struct broker *b, const void *name, size_t len, int32_t idx)
{
	struct topic *t = store_find(b, name, len);

	if (t == NULL || idx < 0 || idx >= t->nparts)
		return NULL;
	return &t->parts[idx];
}

static int
topics_insert(struct broker *b, struct topic *t)
{
	int found;
	size_t i = topic_pos(b, t->name, strlen(t->name), &found);

	FL_ASSERT(!found);
	if (b->ntopics == b->topics_cap) {
		size_t cap = b->topics_cap ? b->topics_cap * 2 : 16;
		struct topic **nt = realloc(b->topics, cap * sizeof(*nt));

		if (nt == NULL)
			return FL_ENOMEM;
		b->topics = nt;
		b->topics_cap = cap;
	}
	memmove(&b->topics[i + 1], &b->topics[i], (b->ntopics - i) * sizeof(*b->topics));
	b->topics[i] = t;
	b->ntopics++;
	return 0;
}

static int
write_topics(struct broker *b)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_topic_list_encode(&b->tlist, &w);
	if (rc == 0)
		rc = fl_durable_write(b->vfs, b->cfg->data_dir, TOPICS_FILE, w.p, w.len);
	fl_wr_free(&w);
	return rc;
}

int
store_create(struct broker *b, const char *name, int32_t nparts, struct topic **out)
{
	struct fl_err err = { 0 };
	struct topic *t;
	uint8_t *buf;
	int rc;

	if (!fl_topic_name_ok(name, strlen(name)) || nparts < 1 ||
	    nparts > FL_TOPIC_PARTITIONS_MAX)
		return FL_EINVAL;
	if (store_find(b, name, strlen(name)) != NULL)
		return FL_EEXIST;
	buf = malloc(SCAN_CHUNK);
	if (buf == NULL)
		return FL_ENOMEM;
	rc = topic_open(b, name, nparts, buf, &t, &err);
	free(buf);
	if (rc != 0) {
		fl_log(FL_LOG_ERROR, "create topic %s: %s", name, err.msg);
		return rc;
	}
	rc = fl_topic_list_add(&b->tlist, name, nparts);
	if (rc == 0) {
		rc = write_topics(b);
		if (rc != 0) {
			fl_log(FL_LOG_ERROR, "%s/%s: %s", b->cfg->data_dir, TOPICS_FILE,
			    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
			fl_topic_list_remove(&b->tlist, name);
		}
	}
	if (rc == 0)
		rc = topics_insert(b, t);
	if (rc != 0) {
		int32_t i;

		for (i = 0; i < t->nparts; i++) {
			char dir[SERVE_PATH_MAX];

			snprintf(dir, sizeof(dir), "%s", t->parts[i].dir);
			part_close(&t->parts[i]);
			(void)rm_flat_dir(b->vfs, dir);
		}
		topic_free(t);
		return rc;
	}
	fl_log(FL_LOG_INFO, "created topic %s with %d partition%s", name,
	    (int)nparts, nparts == 1 ? "" : "s");
	if (out != NULL)
		*out = t;
	return 0;
}

/* Close and remove a deleted topic's partitions (renamed to *.del). */
static void
topic_destroy(struct broker *b, struct topic *t)
{
	int32_t i;

	for (i = 0; i < t->nparts; i++) {
		char dir[SERVE_PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", t->parts[i].dir);
		part_close(&t->parts[i]);
		if (rm_flat_dir(b->vfs, dir) != 0)
			fl_log(FL_LOG_WARN, "remove %s: %s", dir, strerror(errno));
	}
	(void)fl_vfs_sync_dir(b->vfs, b->cfg->data_dir);
	topic_free(t);
}

void
store_reap_dead(struct broker *b)
{
	struct topic **pp = &b->dead;

	while (*pp != NULL) {
		struct topic *t = *pp;
		int32_t i;
		int busy = 0;

		for (i = 0; i < t->nparts; i++)
			busy |= t->parts[i].in_round;
		if (busy) {
			pp = &t->next_dead;
			continue;
		}
		*pp = t->next_dead;
		topic_destroy(b, t);
	}
}

int
store_delete(struct broker *b, const char *name)
{
	struct topic *t;
	int found, rc;
	size_t i = topic_pos(b, name, strlen(name), &found);
	int32_t j;

	if (!found)
		return FL_ENOENT;
	t = b->topics[i];
	(void)fl_topic_list_remove(&b->tlist, name);
	rc = write_topics(b);
	if (rc != 0) {
		fl_log(FL_LOG_ERROR, "%s/%s: %s", b->cfg->data_dir, TOPICS_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
		(void)fl_topic_list_add(&b->tlist, name, t->nparts);
		return rc;
	}
	memmove(&b->topics[i], &b->topics[i + 1], (b->ntopics - i - 1) * sizeof(*b->topics));
	b->ntopics--;
	for (j = 0; j < t->nparts; j++) {
		struct part *p = &t->parts[j];
		char del[SERVE_PATH_MAX];

		if (p->is_dirty) {
			/* nobody waits for it to become durable any more */
			p->is_dirty = 0;
			b->dirty_bytes -= p->dirty_bytes;
			p->dirty_bytes = 0;
			b->ndirty--;
		}
		if (snprintf(del, sizeof(del), "%s.del", p->dir) < (int)sizeof(del) &&
		    fl_vfs_rename(b->vfs, p->dir, del) == 0)
			snprintf(p->dir, sizeof(p->dir), "%s", del);
	}
	t->is_deleted = 1;
	t->next_dead = b->dead;
	b->dead = t;
	store_reap_dead(b);
	fl_log(FL_LOG_INFO, "deleted topic %s", name);
	return 0;
}

void
part_mark_dirty(struct broker *b, struct part *p, uint64_t bytes)
{
	if (!p->is_dirty) {
		p->is_dirty = 1;
		b->ndirty++;
	}
	p->dirty_bytes += bytes;
	b->dirty_bytes += bytes;
}

/* ---- producer ids ---- */

int
store_next_pid(struct broker *b, int64_t *pid)
{
	if (b->pid_next >= b->pid_limit) {
		char text[64];
		int64_t limit = b->pid_next + SERVE_PID_BLOCK;
		int k = snprintf(text, sizeof(text), "next %lld\n", (long long)limit);
		int rc = fl_durable_write(b->vfs, b->cfg->data_dir, PIDS_FILE, text,
		    (size_t)k);

		if (rc != 0) {
			fl_log(FL_LOG_ERROR, "%s/%s: %s", b->cfg->data_dir, PIDS_FILE,
			    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
			return rc;
		}
		b->pid_limit = limit;
	}
	*pid = b->pid_next++;
	return 0;
}

static int
load_pids(struct broker *b, struct fl_err *err)
{
	uint8_t *data;
	size_t len;
	char text[64];
	long long v;
	int rc = fl_durable_read(b->vfs, b->cfg->data_dir, PIDS_FILE, &data, &len);

	if (rc == FL_ENOENT) {
		b->pid_next = b->pid_limit = 0;
		return 0;
	}
	if (rc != 0)
		return io_msg(err, rc, "read", PIDS_FILE);
	if (len >= sizeof(text)) {
		free(data);
		return fl_err_set(err, FL_ECORRUPT, "%s/%s: bad content",
		    b->cfg->data_dir, PIDS_FILE);
	}
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	if (sscanf(text, "next %lld", &v) != 1 || v < 0)
		return fl_err_set(err, FL_ECORRUPT, "%s/%s: bad content",
		    b->cfg->data_dir, PIDS_FILE);
	/* ids below the saved limit may have been handed out: skip them all */
	b->pid_next = b->pid_limit = v;
	return 0;
}

/* ---- open / close ---- */

static void
remove_orphans(struct broker *b)
{
	char **names = NULL, path[SERVE_PATH_MAX + 300];
	char topic[FL_TOPIC_NAME_MAX + 1];
	size_t n = 0, i, nl;
	int32_t part;
	int is_dir;

	if (fl_vfs_list(b->vfs, b->cfg->data_dir, &names, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->cfg->data_dir, names[i]);
		if (fl_vfs_stat(b->vfs, path, &is_dir, NULL) != 0 || !is_dir)
			continue;
		nl = strlen(names[i]);
		if (nl > 4 && strcmp(names[i] + nl - 4, ".del") == 0) {
			(void)rm_flat_dir(b->vfs, path);
			continue;
		}
		if (fl_topic_dir_parse(names[i], topic, sizeof(topic), &part) != 0)
			continue;
		{
			long k = fl_topic_list_find(&b->tlist, topic);

			if (k >= 0 && part < b->tlist.t[k].partitions)
				continue;
		}
		fl_log(FL_LOG_WARN, "removing %s: not in %s/%s (left by an "
		    "interrupted create or delete)", path, b->cfg->data_dir, TOPICS_FILE);
		(void)rm_flat_dir(b->vfs, path);
	}
	fl_vfs_list_free(names, n);
}

int
store_open(struct broker *b, struct fl_err *err)
{
	uint8_t *data, *buf;
	size_t len, i;
	int rc;

	fl_plog_config_default(&b->plog_cfg);
	b->plog_cfg.segment_bytes = b->cfg->segment_bytes;
	b->plog_cfg.retention_ms = b->cfg->retention_ms;
	b->plog_cfg.retention_bytes = b->cfg->retention_bytes;
	/* appends reach the kernel once per loop turn, not once per request */
	b->plog_cfg.write_buffer_bytes = 256u << 10;

	rc = load_pids(b, err);
	if (rc != 0)
		return rc;
	rc = fl_durable_read(b->vfs, b->cfg->data_dir, TOPICS_FILE, &data, &len);
	if (rc == 0) {
		rc = fl_topic_list_decode(&b->tlist, data, len);
		free(data);
		if (rc != 0)
			return fl_err_set(err, rc, "%s/%s: %s", b->cfg->data_dir,
			    TOPICS_FILE, fl_strerror(rc));
	} else if (rc != FL_ENOENT) {
		return fl_err_set(err, rc, "%s/%s: %s", b->cfg->data_dir, TOPICS_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	}
	remove_orphans(b);
	buf = malloc(SCAN_CHUNK);
	if (buf == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	for (i = 0; i < b->tlist.n; i++) {
		struct topic *t;

		rc = topic_open(b, b->tlist.t[i].name, b->tlist.t[i].partitions, buf,
		    &t, err);
		if (rc == 0 && (rc = topics_insert(b, t)) != 0) {
			topic_free(t);
			fl_err_set(err, rc, "out of memory");
		}
		if (rc != 0) {
			free(buf);
			return rc;
		}
	}
	free(buf);
	return 0;
}

void
store_close(struct broker *b)
{
	size_t i;

	while (b->dead != NULL) {
		struct topic *t = b->dead;

		b->dead = t->next_dead;
		topic_destroy(b, t);
	}
	for (i = 0; i < b->ntopics; i++)
		topic_free(b->topics[i]);
	free(b->topics);
	b->topics = NULL;
	b->ntopics = 0;
	fl_topic_list_free(&b->tlist);
}

void
store_housekeep(struct broker *b)
{
	size_t i;
	int32_t j;

	for (i = 0; i < b->ntopics; i++) {
		struct topic *t = b->topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct part *p = &t->parts[j];
			size_t deleted = 0;
			int rc;

			if (p->in_round)
				continue;	/* its file may be syncing */
			/*
			 * Committed offsets are kept until a commit replaces them,
			 * however old: retention would forget where idle groups
			 * stand.  Compaction keeps that log small (group.c).
			 */
			if (strcmp(t->name, FL_OFFSETS_TOPIC) == 0)
				continue;
			rc = fl_plog_retain(&p->log, b->wall_ms, &deleted);
			if (rc != 0)
				fl_log(FL_LOG_WARN, "%s: retention: %s", p->dir,
				    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
			else if (deleted > 0)
				fl_log(FL_LOG_INFO, "%s: retention removed %zu "
				    "segment%s, log start now %llu", p->dir, deleted,
				    deleted == 1 ? "" : "s",
				    (unsigned long long)p->log.log_start);
			if (fl_pidstate_expire(&p->pids,
			    b->wall_ms - b->cfg->producer_expiration_ms) > 0)
				p->pids_changed = 1;
		}
	}
	store_snapshot_all(b, 1);
}
