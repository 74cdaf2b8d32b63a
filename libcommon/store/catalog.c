/* catalog.c: topics and partitions of a data directory; producer-id blocks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/catalog.h"

#define PATH_BYTES 4352

static void
say(struct fl_catalog *c, enum fl_catalog_note_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct fl_catalog *c, enum fl_catalog_note_level lv, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (c->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->note(c->note_arg, lv, msg);
}

/* "a/b" (or "a" + suffix when b is NULL) into buf[n]; 0, or FL_ERANGE. */
static int
path_join(char *buf, size_t n, const char *a, const char *sep, const char *b)
{
	int k = snprintf(buf, n, "%s%s%s", a, sep, b);

	return k < 0 || (size_t)k >= n ? FL_ERANGE : 0;
}

static const char *
why(int rc)
{
	return rc == FL_ESYS ? strerror(errno) : fl_strerror(rc);
}

/* Remove a flat directory and everything in it. */
static int
rm_flat_dir(struct fl_vfs *v, const char *dir)
{
	char **names = NULL, path[PATH_BYTES];
	size_t n = 0, i;
	int rc;

	rc = fl_vfs_list(v, dir, &names, &n);
	if (rc == FL_ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (path_join(path, sizeof(path), dir, "/", names[i]) == 0)
			(void)fl_vfs_unlink(v, path);
	}
	fl_vfs_list_free(names, n);
	return fl_vfs_rmdir(v, dir);
}

/* 1 if no .log file in dir holds a byte (a partition that never took a record). */
static int
dir_is_empty_log(struct fl_vfs *v, const char *dir)
{
	char **names = NULL, path[PATH_BYTES];
	size_t n = 0, i, nl;
	int empty = 1;

	if (fl_vfs_list(v, dir, &names, &n) != 0)
		return 0;
	for (i = 0; i < n && empty; i++) {
		uint64_t size = 0;

		nl = strlen(names[i]);
		if (nl < 4 || strcmp(names[i] + nl - 4, ".log") != 0)
			continue;
		if (path_join(path, sizeof(path), dir, "/", names[i]) != 0 ||
		    fl_vfs_stat(v, path, NULL, &size) != 0 || size > 0)
			empty = 0;
	}
	fl_vfs_list_free(names, n);
	return empty;
}

/* ---- topics ---- */

static void
topic_free(struct fl_topic *t)
{
	int32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++)
		(void)fl_part_close(&t->parts[i]);
	free(t->parts);
	free(t);
}

static int
part_path(const struct fl_catalog *c, char *buf, size_t n, const char *topic, int32_t idx)
{
	char name[FL_TOPIC_NAME_MAX + 16];

	if (fl_topic_dir_name(name, sizeof(name), topic, idx) != 0 ||
	    snprintf(buf, n, "%s/%s", c->dir, name) >= (int)n)
		return FL_ERANGE;
	return 0;
}

/* Allocate a topic and open its partitions; on failure everything is undone. */
static int
topic_open(struct fl_catalog *c, const char *name, int32_t nparts,
    const struct fl_topic_conf *conf, int64_t now_ms, struct fl_topic **out, struct fl_err *err)
{
	struct fl_topic *t = calloc(1, sizeof(*t));
	struct fl_part_config pc = c->pcfg;
	int32_t i;
	int rc;

	if (t == NULL || (t->parts = calloc((size_t)nparts, sizeof(*t->parts))) == NULL) {
		free(t);
		return fl_err_set(err, FL_ENOMEM, "out of memory for topic %s", name);
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->nparts = nparts;
	if (conf != NULL)
		t->conf = *conf;
	fl_part_config_apply(&pc, &t->conf);
	for (i = 0; i < nparts; i++) {
		struct fl_plog_recovery rec;
		char dir[PATH_BYTES], snote[256];

		if (part_path(c, dir, sizeof(dir), name, i) != 0) {
			topic_free(t);
			return fl_err_set(err, FL_ERANGE, "path too long for %s", name);
		}
		memset(&rec, 0, sizeof(rec));
		rc = fl_part_open(&t->parts[i], c->vfs, dir, &pc, now_ms, &rec,
		    snote, sizeof(snote), err);
		if (rc != 0) {
			topic_free(t);
			return rc;
		}
		if (rec.cut_bytes > 0)
			say(c, FL_CATALOG_WARN, "%s: cut %llu bytes from position %llu "
			    "of segment %llu: %s", dir, (unsigned long long)rec.cut_bytes,
			    (unsigned long long)rec.cut_pos,
			    (unsigned long long)rec.cut_segment, rec.reason);
		if (rec.index_rebuilt)
			say(c, FL_CATALOG_INFO, "%s: index rebuilt", dir);
		if (snote[0] != '\0')
			say(c, FL_CATALOG_WARN, "%s: %s", dir, snote);
	}
	*out = t;
	return 0;
}

static size_t
topic_pos(const struct fl_catalog *c, const void *name, size_t len, int *found)
{
	size_t lo = 0, hi = c->ntopics;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = c->topics[mid]->name;
		size_t ml = strlen(m);
		int cmp = memcmp(m, name, ml < len ? ml : len);

		if (cmp == 0)
			cmp = ml < len ? -1 : ml > len;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	if (lo < c->ntopics) {
		const char *m = c->topics[lo]->name;

		*found = strlen(m) == len && memcmp(m, name, len) == 0;
	}
	return lo;
}

struct fl_topic *
fl_catalog_find(const struct fl_catalog *c, const void *name, size_t len)
{
	int found;
	size_t i = topic_pos(c, name, len, &found);

	return found ? c->topics[i] : NULL;
}

int
fl_catalog_verb_part(const struct fl_catalog *c, const char *topic, int32_t idx,
    struct fl_part **out, struct fl_catalog_new *nt, char *why, size_t whylen)
{
	struct fl_topic *t = fl_catalog_find(c, topic, strlen(topic));

	*out = NULL;
	if (t == NULL) {
		memset(nt, 0, sizeof(*nt));
		nt->name = topic;
		nt->nparts = idx + 1;
		snprintf(why, whylen, "no topic %s here", topic);
		return FL_ENOENT;
	}
	if (idx < 0 || idx >= t->nparts) {
		snprintf(why, whylen, "topic %s has %d partitions here", topic, (int)t->nparts);
		return FL_ERANGE;
	}
	*out = &t->parts[idx];
	return 0;
}

const char *
fl_catalog_new_why(const struct fl_catalog_new *nt)
{
	if (nt->rc == FL_EINVAL)
		return "invalid topic name";
	return nt->why[0] ? nt->why : fl_strerror(nt->rc);
}

struct fl_part *
fl_catalog_part(const struct fl_catalog *c, const void *name, size_t len, int32_t idx)
{
	struct fl_topic *t = fl_catalog_find(c, name, len);

	if (t == NULL || idx < 0 || idx >= t->nparts)
		return NULL;
	return &t->parts[idx];
}

static int
topics_insert(struct fl_catalog *c, struct fl_topic *t)
{
	int found;
	size_t i = topic_pos(c, t->name, strlen(t->name), &found);

	FL_ASSERT(!found);
	if (c->ntopics == c->topics_cap) {
		size_t cap = c->topics_cap ? c->topics_cap * 2 : 16;
		struct fl_topic **nt = realloc(c->topics, cap * sizeof(*nt));

		if (nt == NULL)
			return FL_ENOMEM;
		c->topics = nt;
		c->topics_cap = cap;
	}
	memmove(&c->topics[i + 1], &c->topics[i], (c->ntopics - i) * sizeof(*c->topics));
	c->topics[i] = t;
	c->ntopics++;
	return 0;
}

static int
write_topics(struct fl_catalog *c, struct fl_err *err)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_topic_list_encode(&c->tlist, &w);
	if (rc == 0)
		rc = fl_durable_write(c->vfs, c->dir, FL_CATALOG_TOPICS_FILE, w.p, w.len);
	fl_wr_free(&w);
	if (rc != 0)
		fl_err_set(err, rc, "write %s/%s: %s", c->dir, FL_CATALOG_TOPICS_FILE, why(rc));
	return rc;
}

/* Close and remove a topic's partition directories. */
static void
topic_remove_dirs(struct fl_catalog *c, struct fl_topic *t)
{
	int32_t i;

	for (i = 0; i < t->nparts; i++) {
		char dir[PATH_BYTES];
		int rc;

		if (fl_part_dir(&t->parts[i]) == NULL)
			continue;	/* closed: removed at the delete */
		snprintf(dir, sizeof(dir), "%s", fl_part_dir(&t->parts[i]));
		(void)fl_part_close(&t->parts[i]);
		rc = rm_flat_dir(c->vfs, dir);
		if (rc != 0)
			say(c, FL_CATALOG_WARN, "remove %s: %s", dir, why(rc));
	}
	(void)fl_vfs_sync_dir(c->vfs, c->dir);
	topic_free(t);
}

int
fl_catalog_create(struct fl_catalog *c, struct fl_catalog_new *nt, size_t n,
    int64_t now_ms, struct fl_err *err)
{
	struct fl_err perr;
	size_t i, added = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct fl_catalog_new *e = &nt[i];
		size_t j;

		e->topic = NULL;
		e->rc = 0;
		e->why[0] = '\0';
		if (!fl_topic_name_ok(e->name, strlen(e->name)) || e->nparts < 1 ||
		    e->nparts > FL_TOPIC_PARTITIONS_MAX) {
			e->rc = FL_EINVAL;
			continue;
		}
		for (j = 0; j < i; j++)
			if (nt[j].topic != NULL && strcmp(nt[j].name, e->name) == 0)
				break;
		if (j < i || fl_catalog_find(c, e->name, strlen(e->name)) != NULL) {
			e->rc = FL_EEXIST;
			continue;
		}
		memset(&perr, 0, sizeof(perr));
		e->rc = topic_open(c, e->name, e->nparts, &e->conf, now_ms, &e->topic, &perr);
		if (e->rc != 0) {
			snprintf(e->why, sizeof(e->why), "%s", perr.msg);
			say(c, FL_CATALOG_WARN, "create topic %s: %s", e->name, perr.msg);
			continue;
		}
		e->rc = fl_topic_list_add(&c->tlist, e->name, e->nparts);
		if (e->rc == 0)
			(void)fl_topic_list_set_conf(&c->tlist, e->name, &e->conf);
		if (e->rc != 0) {
			topic_remove_dirs(c, e->topic);
			e->topic = NULL;
			continue;
		}
		added++;
	}
	if (added == 0)
		return 0;
	rc = write_topics(c, err);
	for (i = 0; i < n; i++) {
		struct fl_catalog_new *e = &nt[i];

		if (e->topic == NULL)
			continue;
		if (rc == 0)
			e->rc = topics_insert(c, e->topic);
		else {
			e->rc = rc;
			snprintf(e->why, sizeof(e->why), "%s", err != NULL ? err->msg : "");
		}
		if (e->rc != 0) {
			(void)fl_topic_list_remove(&c->tlist, e->name);
			topic_remove_dirs(c, e->topic);
			e->topic = NULL;
		}
	}
	return rc;
}

/* Close and remove the directories of parts[0..n) (partitions from..from+n-1 of t). */
static void
parts_remove(struct fl_catalog *c, struct fl_part *parts, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++) {
		char dir[PATH_BYTES];
		int rc;

		if (fl_part_dir(&parts[i]) == NULL)
			continue;
		snprintf(dir, sizeof(dir), "%s", fl_part_dir(&parts[i]));
		(void)fl_part_close(&parts[i]);
		if ((rc = rm_flat_dir(c->vfs, dir)) != 0)
			say(c, FL_CATALOG_WARN, "remove %s: %s", dir, why(rc));
	}
	(void)fl_vfs_sync_dir(c->vfs, c->dir);
}

int
fl_catalog_add_partitions(struct fl_catalog *c, struct fl_topic *t, int32_t nparts,
    int64_t now_ms, struct fl_err *err)
{
	struct fl_part_config pc = c->pcfg;
	struct fl_part *np, *grown;
	int32_t i, nnew, old_n = t->nparts;
	long at = fl_topic_list_find(&c->tlist, t->name);
	int rc = 0;

	if (nparts <= old_n || nparts > FL_TOPIC_PARTITIONS_MAX || at < 0)
		return fl_err_set(err, FL_EINVAL, "topic %s: cannot grow from %d to %d "
		    "partitions", t->name, (int)old_n, (int)nparts);
	nnew = nparts - old_n;
	if ((np = calloc((size_t)nnew, sizeof(*np))) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory for topic %s", t->name);
	fl_part_config_apply(&pc, &t->conf);
	for (i = 0; i < nnew && rc == 0; i++) {
		struct fl_plog_recovery rec;
		char dir[PATH_BYTES], snote[256];

		if (part_path(c, dir, sizeof(dir), t->name, old_n + i) != 0) {
			rc = fl_err_set(err, FL_ERANGE, "path too long for %s", t->name);
			break;
		}
		memset(&rec, 0, sizeof(rec));
		rc = fl_part_open(&np[i], c->vfs, dir, &pc, now_ms, &rec, snote, sizeof(snote),
		    err);
		if (rc == 0 && snote[0] != '\0')
			say(c, FL_CATALOG_WARN, "%s: %s", dir, snote);
	}
	if (rc == 0) {
		c->tlist.t[at].partitions = nparts;
		rc = write_topics(c, err);
		if (rc != 0)
			c->tlist.t[at].partitions = old_n;
	}
	if (rc == 0 && (grown = realloc(t->parts, (size_t)nparts * sizeof(*grown))) == NULL) {
		/* the file names them now: they open at the next start */
		rc = fl_err_set(err, FL_ENOMEM, "out of memory for topic %s", t->name);
		for (i = 0; i < nnew; i++)
			(void)fl_part_close(&np[i]);
		free(np);
		return rc;
	}
	if (rc != 0) {
		parts_remove(c, np, nnew);
		free(np);
		return rc;
	}
	memcpy(&grown[old_n], np, (size_t)nnew * sizeof(*np));
	free(np);
	t->parts = grown;
	t->nparts = nparts;
	return 0;
}

int
fl_catalog_delete(struct fl_catalog *c, const char *name, struct fl_err *err)
{
	struct fl_topic *t;
	int found, rc;
	size_t i = topic_pos(c, name, strlen(name), &found);
	int32_t j;

	if (!found)
		return FL_ENOENT;
	t = c->topics[i];
	(void)fl_topic_list_remove(&c->tlist, name);
	rc = write_topics(c, err);
	if (rc != 0) {
		(void)fl_topic_list_add(&c->tlist, name, t->nparts);
		(void)fl_topic_list_set_conf(&c->tlist, name, &t->conf);
		return rc;
	}
	memmove(&c->topics[i], &c->topics[i + 1], (c->ntopics - i - 1) * sizeof(*c->topics));
	c->ntopics--;
	for (j = 0; j < t->nparts; j++) {
		struct fl_part *p = &t->parts[j];
		char del[PATH_BYTES];

		if (!p->is_open) {
			/* closed here (a replica another process wrote): nobody holds it */
			char base[FL_TOPIC_NAME_MAX + 16], dir[PATH_BYTES];

			if (fl_topic_dir_name(base, sizeof(base), t->name, j) == 0 &&
			    path_join(dir, sizeof(dir), c->dir, "/", base) == 0 &&
			    path_join(del, sizeof(del), dir, "", ".del") == 0 &&
			    fl_vfs_rename(c->vfs, dir, del) == 0 && (rc = rm_flat_dir(c->vfs, del)) != 0)
				say(c, FL_CATALOG_WARN, "remove %s: %s", del, why(rc));
			continue;
		}
		/* the plog keeps its own copy of the path: rename under it */
		if (path_join(del, sizeof(del), fl_part_dir(p), "", ".del") == 0 &&
		    fl_vfs_rename(c->vfs, fl_part_dir(p), del) == 0) {
			char *nd = strdup(del);

			if (nd != NULL) {
				free(p->log.dir);
				p->log.dir = nd;
			}
		}
	}
	t->is_deleted = 1;
	t->next_dead = c->dead;
	c->dead = t;
	return 0;
}

int
fl_catalog_set_conf(struct fl_catalog *c, struct fl_topic *t, const struct fl_topic_conf *conf,
    struct fl_err *err)
{
	struct fl_topic_conf old = t->conf;
	struct fl_part_config pc = c->pcfg;
	int32_t j;
	int rc;

	if (fl_topic_list_set_conf(&c->tlist, t->name, conf) != 0)
		return fl_err_set(err, FL_ENOENT, "no topic %s", t->name);
	rc = write_topics(c, err);
	if (rc != 0) {
		(void)fl_topic_list_set_conf(&c->tlist, t->name, &old);
		return rc;
	}
	t->conf = *conf;
	fl_part_config_apply(&pc, &t->conf);
	for (j = 0; j < t->nparts; j++)
		fl_part_retune(&t->parts[j], &pc);
	return 0;
}

int
fl_catalog_reopen(struct fl_catalog *c, struct fl_topic *t, int32_t idx, int64_t now_ms,
    struct fl_err *err)
{
	struct fl_part *p = &t->parts[idx], keep;
	struct fl_part_config pc;
	struct fl_plog_recovery rec;
	char dir[PATH_BYTES], snote[256];
	int rc;

	if (p->is_open)
		return 0;
	if (part_path(c, dir, sizeof(dir), t->name, idx) != 0)
		return fl_err_set(err, FL_ERANGE, "path too long for %s", t->name);
	keep = *p;
	memset(&rec, 0, sizeof(rec));
	pc = c->pcfg;
	fl_part_config_apply(&pc, &t->conf);
	rc = fl_part_open(p, c->vfs, dir, &pc, now_ms, &rec, snote, sizeof(snote), err);
	if (rc != 0) {
		*p = keep;
		return rc;
	}
	/* what it was told stays until it is told otherwise */
	p->role = keep.role;
	p->leader_epoch = keep.leader_epoch > p->leader_epoch ? keep.leader_epoch : p->leader_epoch;
	p->leader_id = keep.leader_id;
	p->replicas = keep.replicas;
	p->isr = keep.isr;
	p->lock_fd = keep.lock_fd;
	p->round = keep.round;
	if (rec.cut_bytes > 0)
		say(c, FL_CATALOG_WARN, "%s: cut %llu bytes from position %llu of segment "
		    "%llu: %s", dir, (unsigned long long)rec.cut_bytes,
		    (unsigned long long)rec.cut_pos, (unsigned long long)rec.cut_segment,
		    rec.reason);
	if (snote[0] != '\0')
		say(c, FL_CATALOG_WARN, "%s: %s", dir, snote);
	return 0;
}

void
fl_catalog_reap(struct fl_catalog *c)
{
	struct fl_topic **pp = &c->dead;

	while (*pp != NULL) {
		struct fl_topic *t = *pp;
		int32_t i;
		int busy = 0;

		for (i = 0; i < t->nparts; i++)
			busy |= t->parts[i].round.in_round;
		if (busy) {
			pp = &t->next_dead;
			continue;
		}
		*pp = t->next_dead;
		topic_remove_dirs(c, t);
	}
}

int16_t
fl_catalog_check_create(const struct fl_catalog *c, const struct fl_kp_create_topics_req *r,
    size_t idx, int32_t node_id, int32_t nbrokers, int32_t default_parts, int32_t *nparts,
    int32_t *rf, struct fl_topic_conf *conf, const char **msg)
{
	const struct fl_kp_create_topic *t = &r->topics[idx];
	size_t i, j;

	*nparts = t->num_partitions;
	for (i = 0; i < idx; i++)
		if (r->topics[i].name.len == t->name.len &&
		    memcmp(r->topics[i].name.p, t->name.p, t->name.len) == 0) {
			*msg = "topic named twice in one request";
			return FL_KERR_INVALID_REQUEST;
		}
	if (t->name.p == NULL || !fl_topic_name_ok(t->name.p, t->name.len)) {
		*msg = "topic names are 1-249 characters of [a-zA-Z0-9._-]";
		return FL_KERR_INVALID_TOPIC_EXCEPTION;
	}
	if (fl_catalog_find(c, t->name.p, t->name.len) != NULL) {
		*msg = "topic already exists";
		return FL_KERR_TOPIC_ALREADY_EXISTS;
	}
	*rf = 1;
	if (nbrokers > 0) {
		/* a cluster: the controller places the replicas */
		int32_t most = nbrokers < FL_REPL_REPLICAS_MAX ? nbrokers : FL_REPL_REPLICAS_MAX;

		*rf = t->replication_factor == -1 ? (most < 3 ? most : 3) : t->replication_factor;
		if (*rf < 1 || *rf > most) {
			*msg = "the replication factor must be 1 up to the number of brokers (at most 16)";
			return FL_KERR_INVALID_REPLICATION_FACTOR;
		}
		if (t->nassignments > 0) {
			*msg = "in a cluster the controller places partitions (flume-ctl reassign "
			    "moves them)";
			return FL_KERR_INVALID_REPLICA_ASSIGNMENT;
		}
	} else if (t->replication_factor != -1 && t->replication_factor != 1) {
		*msg = "a single node can only hold one replica";
		return FL_KERR_INVALID_REPLICATION_FACTOR;
	}
	if (t->nassignments > 0) {
		if (*nparts != -1 || t->replication_factor != -1) {
			*msg = "assignments need NumPartitions and ReplicationFactor -1";
			return FL_KERR_INVALID_REQUEST;
		}
		for (i = 0; i < t->nassignments; i++) {
			const struct fl_kp_create_assignment *a = &t->assignments[i];
			int ok = a->index >= 0 && (size_t)a->index < t->nassignments &&
			    a->nbroker_ids == 1 && a->broker_ids[0] == node_id;

			for (j = 0; ok && j < i; j++)
				ok = t->assignments[j].index != a->index;
			if (!ok) {
				*msg = "partitions can only be assigned to this node";
				return FL_KERR_INVALID_REPLICA_ASSIGNMENT;
			}
		}
		*nparts = (int32_t)t->nassignments;
	}
	if (*nparts == -1)
		*nparts = default_parts;
	if (*nparts <= 0 || *nparts > FL_TOPIC_PARTITIONS_MAX) {
		*msg = "partition count out of range";
		return FL_KERR_INVALID_PARTITIONS;
	}
	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < t->nconfigs; i++) {
		const struct fl_kp_create_config *kc = &t->configs[i];
		int crc = kc->value.p == NULL ? FL_EINVAL : fl_topic_conf_set(conf,
		    (const char *)kc->name.p, kc->name.len, (const char *)kc->value.p,
		    kc->value.len);

		if (crc == FL_ENOENT) {
			*msg = "flume knows only the topic configs min.insync.replicas, "
			    "replica.lag.time.max.ms, retention.ms and retention.bytes";
			return FL_KERR_INVALID_CONFIG;
		}
		if (crc != 0) {
			*msg = "a topic config's value is not a number in its range";
			return FL_KERR_INVALID_CONFIG;
		}
	}
	if ((conf->set & FL_TCONF_MIN_INSYNC) && conf->min_insync > *rf) {
		*msg = "min.insync.replicas is more than the replication factor";
		return FL_KERR_INVALID_CONFIG;
	}
	return FL_KERR_NONE;
}

/* ---- producer ids ---- */

int
fl_catalog_next_pid(struct fl_catalog *c, int32_t node_id, int64_t *pid, struct fl_err *err)
{
	if (c->pid_next >= ((int64_t)1 << FL_CATALOG_PID_NODE_SHIFT))
		return fl_err_set(err, FL_ERANGE, "%s: every producer id of this node is spent",
		    c->dir);
	if (c->pid_next >= c->pid_limit) {
		char text[64];
		int64_t limit = c->pid_next + FL_CATALOG_PID_BLOCK;
		int k = snprintf(text, sizeof(text), "next %lld\n", (long long)limit);
		int rc = fl_durable_write(c->vfs, c->dir, FL_CATALOG_PIDS_FILE, text,
		    (size_t)k);

		if (rc != 0)
			return fl_err_set(err, rc, "write %s/%s: %s", c->dir,
			    FL_CATALOG_PIDS_FILE, why(rc));
		c->pid_limit = limit;
	}
	*pid = ((int64_t)(node_id & FL_CATALOG_PID_NODE_MASK) << FL_CATALOG_PID_NODE_SHIFT) |
	    c->pid_next++;
	return 0;
}

static int
load_pids(struct fl_catalog *c, struct fl_err *err)
{
	uint8_t *data;
	size_t len;
	char text[64], *end;
	long long v;
	int rc = fl_durable_read(c->vfs, c->dir, FL_CATALOG_PIDS_FILE, &data, &len);

	if (rc == FL_ENOENT) {
		c->pid_next = c->pid_limit = 0;
		return 0;
	}
	if (rc != 0)
		return fl_err_set(err, rc, "read %s/%s: %s", c->dir, FL_CATALOG_PIDS_FILE,
		    why(rc));
	if (len >= sizeof(text) || len < 6) {
		free(data);
		return fl_err_set(err, FL_ECORRUPT, "%s/%s: bad content", c->dir,
		    FL_CATALOG_PIDS_FILE);
	}
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	errno = 0;
	v = strncmp(text, "next ", 5) == 0 ? strtoll(text + 5, &end, 10) : -1;
	if (v < 0 || errno != 0 || end == text + 5 || strcmp(end, "\n") != 0)
		return fl_err_set(err, FL_ECORRUPT, "%s/%s: bad content", c->dir,
		    FL_CATALOG_PIDS_FILE);
	/* ids below the saved limit may have been handed out: skip them all */
	c->pid_next = c->pid_limit = v;
	return 0;
}

/* ---- open / close ---- */

/*
 * Without a topics file, the partition directories say what exists.
 * Returns 0 (the list may stay empty), FL_ECORRUPT if a topic's partitions
 * are not 0..N-1 (err names them), or a listing error.
 */
static int
rebuild_topics(struct fl_catalog *c, struct fl_err *err)
{
	char **names = NULL, path[PATH_BYTES], topic[FL_TOPIC_NAME_MAX + 1];
	size_t n = 0, i;
	int32_t part;
	int is_dir, rc;

	rc = fl_vfs_list(c->vfs, c->dir, &names, &n);
	if (rc != 0)
		return fl_err_set(err, rc, "list %s: %s", c->dir, why(rc));
	for (i = 0; i < n && rc == 0; i++) {
		long k;

		if (path_join(path, sizeof(path), c->dir, "/", names[i]) != 0 ||
		    fl_vfs_stat(c->vfs, path, &is_dir, NULL) != 0 || !is_dir ||
		    fl_topic_dir_parse(names[i], topic, sizeof(topic), &part) != 0)
			continue;
		k = fl_topic_list_find(&c->tlist, topic);
		if (k < 0)
			rc = fl_topic_list_add(&c->tlist, topic, part + 1);
		else if (part + 1 > c->tlist.t[k].partitions)
			c->tlist.t[k].partitions = part + 1;
	}
	/* every partition below the highest must be there */
	for (i = 0; i < c->tlist.n && rc == 0; i++) {
		int32_t j;

		for (j = 0; j < c->tlist.t[i].partitions && rc == 0; j++) {
			if (part_path(c, path, sizeof(path), c->tlist.t[i].name, j) != 0 ||
			    fl_vfs_stat(c->vfs, path, &is_dir, NULL) != 0 || !is_dir)
				rc = fl_err_set(err, FL_ECORRUPT, "%s/%s is missing and "
				    "cannot be rebuilt: topic %s has a directory for "
				    "partition %d but none for partition %d",
				    c->dir, FL_CATALOG_TOPICS_FILE, c->tlist.t[i].name,
				    (int)(c->tlist.t[i].partitions - 1), (int)j);
		}
	}
	fl_vfs_list_free(names, n);
	if (rc == FL_ENOMEM)
		return fl_err_set(err, rc, "out of memory");
	return rc;
}

/* Directories the topics file does not name: see catalog.h. */
static void
tidy_leftovers(struct fl_catalog *c)
{
	char **names = NULL, path[PATH_BYTES], to[PATH_BYTES];
	char topic[FL_TOPIC_NAME_MAX + 1];
	size_t n = 0, i, nl;
	int32_t part;
	int is_dir, rc;

	if (fl_vfs_list(c->vfs, c->dir, &names, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		long k;

		if (path_join(path, sizeof(path), c->dir, "/", names[i]) != 0 ||
		    fl_vfs_stat(c->vfs, path, &is_dir, NULL) != 0 || !is_dir)
			continue;
		nl = strlen(names[i]);
		if (nl > 4 && strcmp(names[i] + nl - 4, ".del") == 0) {
			(void)rm_flat_dir(c->vfs, path);
			continue;
		}
		if (fl_topic_dir_parse(names[i], topic, sizeof(topic), &part) != 0)
			continue;
		k = fl_topic_list_find(&c->tlist, topic);
		if (k >= 0 && part < c->tlist.t[k].partitions)
			continue;
		if (dir_is_empty_log(c->vfs, path)) {
			say(c, FL_CATALOG_WARN, "removing %s: not in %s/%s and holds no "
			    "records (left by an interrupted create)", path, c->dir,
			    FL_CATALOG_TOPICS_FILE);
			(void)rm_flat_dir(c->vfs, path);
			continue;
		}
		rc = path_join(to, sizeof(to), path, "", ".orphan");
		if (rc == 0)
			rc = fl_vfs_rename(c->vfs, path, to);
		if (rc == 0)
			(void)fl_vfs_sync_dir(c->vfs, c->dir);
		say(c, FL_CATALOG_WARN, "%s holds records but is not in %s/%s: %s%s "
		    "(nothing deleted)", path, c->dir, FL_CATALOG_TOPICS_FILE,
		    rc == 0 ? "moved aside to " : "left in place: ", rc == 0 ? to : why(rc));
	}
	fl_vfs_list_free(names, n);
}

static int catalog_load(struct fl_catalog *c, const char *dir, int64_t now_ms,
    struct fl_err *err);

int
fl_catalog_open(struct fl_catalog *c, struct fl_vfs *vfs, const char *dir,
    const struct fl_part_config *pcfg, int64_t now_ms, fl_catalog_note_fn note,
    void *note_arg, struct fl_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->vfs = vfs;
	c->pcfg = *pcfg;
	c->note = note;
	c->note_arg = note_arg;
	if (snprintf(c->dir, sizeof(c->dir), "%s", dir) >= (int)sizeof(c->dir))
		return fl_err_set(err, FL_ERANGE, "%s: path too long", dir);
	rc = catalog_load(c, dir, now_ms, err);
	if (rc != 0)
		fl_catalog_close(c);	/* what opened before the failure (flume-sim found the leak) */
	return rc;
}

/* The topics file and every partition (fl_catalog_open's work). */
static int
catalog_load(struct fl_catalog *c, const char *dir, int64_t now_ms, struct fl_err *err)
{
	struct fl_vfs *vfs = c->vfs;
	uint8_t *data;
	size_t len, i;
	int rc;

	rc = load_pids(c, err);
	if (rc != 0)
		return rc;
	rc = fl_durable_read(vfs, dir, FL_CATALOG_TOPICS_FILE, &data, &len);
	if (rc == 0) {
		rc = fl_topic_list_decode(&c->tlist, data, len);
		free(data);
		if (rc != 0)
			return fl_err_set(err, rc, "%s/%s: %s (the partition directories "
			    "are left as they are)", dir, FL_CATALOG_TOPICS_FILE,
			    fl_strerror(rc));
	} else if (rc == FL_ENOENT) {
		rc = rebuild_topics(c, err);
		if (rc != 0)
			return rc;
		if (c->tlist.n > 0) {
			for (i = 0; i < c->tlist.n; i++)
				say(c, FL_CATALOG_WARN, "%s/%s is missing: topic %s with %d "
				    "partition%s rebuilt from its directories", dir,
				    FL_CATALOG_TOPICS_FILE, c->tlist.t[i].name,
				    (int)c->tlist.t[i].partitions,
				    c->tlist.t[i].partitions == 1 ? "" : "s");
			rc = write_topics(c, err);
			if (rc != 0)
				return rc;
		}
	} else {
		return fl_err_set(err, rc, "read %s/%s: %s", dir, FL_CATALOG_TOPICS_FILE,
		    why(rc));
	}
	tidy_leftovers(c);
	for (i = 0; i < c->tlist.n; i++) {
		struct fl_topic *t;

		rc = topic_open(c, c->tlist.t[i].name, c->tlist.t[i].partitions,
		    &c->tlist.t[i].conf, now_ms, &t, err);
		if (rc == 0 && (rc = topics_insert(c, t)) != 0) {
			topic_free(t);
			fl_err_set(err, rc, "out of memory");
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
fl_catalog_close(struct fl_catalog *c)
{
	size_t i;

	while (c->dead != NULL) {
		struct fl_topic *t = c->dead;

		c->dead = t->next_dead;
		topic_remove_dirs(c, t);
	}
	for (i = 0; i < c->ntopics; i++)
		topic_free(c->topics[i]);
	free(c->topics);
	c->topics = NULL;
	c->ntopics = 0;
	fl_topic_list_free(&c->tlist);
}
