/*
 * node.c: a simulated broker.  Its disk is a crashable memory vfs; its
 * partitions are store/catalog's, each a store/part (sm/leader inside),
 * opened and recovered as flume-serve opens them; what it copies runs
 * sm/follower as flume-repl runs it.  Kafka requests arrive as frames and
 * are decoded with codec/kproto, answered with its encoders; followers
 * speak codec/kclient.  The controller's lines are parsed by codec/rverb
 * and carried out with store/part's rules, and `status` is answered with
 * codec/bstatus's format.  Group commit: appends mark the node dirty, one
 * simulated fsync later (fl_plog_sync on the memory disk) what was
 * appended is durable (fl_part_durable) and waiting answers settle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/rd.h"
#include "codec/batch.h"
#include "codec/epochs.h"
#include "codec/kclient.h"
#include "codec/kerr.h"
#include "codec/kproto.h"
#include "codec/rverb.h"
#include "sim.h"
#include "store/ctlstore.h"

#define NODE_DIR	"/data"
#define CLUSTER_FILE	"cluster.meta"
#define NODE_TICK_MS	10	/* a loop turn: requests, timers */
#define LEADER_TICK_MS	100	/* flume-serve's leaders' timer (cluster.c) */
#define FETCH_MAX_BYTES	(64 << 10)
#define REQ_TIMEOUT_MS	2000	/* past the long poll */
#define FETCH_WAIT_MS	500	/* flume-repl's --max-wait-ms */
#define FEATURES	(FL_KP_FEAT_CORE | FL_KP_FEAT_GROUP)


struct fl_part *
node_part(struct sim_node *n, const char *topic, int32_t part)
{
	if (!n->has_cat)
		return NULL;
	return fl_catalog_part(&n->cat, topic, strlen(topic), part);
}

static struct sim_fol *
fol_find(struct sim_node *n, const char *topic, int32_t part)
{
	size_t i;

	for (i = 0; i < n->nfol; i++)
		if (n->fol[i].part == part && strcmp(n->fol[i].topic, topic) == 0)
			return &n->fol[i];
	return NULL;
}

const struct sim_fol *
node_fol(const struct sim_node *n, const char *topic, int32_t part)
{
	return fol_find((struct sim_node *)(uintptr_t)n, topic, part);
}

static void
fol_drop(struct sim_node *n, const char *topic, int32_t part)
{
	struct sim_fol *f = fol_find(n, topic, part);

	if (f != NULL)
		*f = n->fol[--n->nfol];
}

static void
fol_start(struct sim_world *w, struct sim_node *n, const char *topic, int32_t idx,
    struct fl_part *p)
{
	struct fl_follower_log log;
	struct sim_fol *f = fol_find(n, topic, idx);

	if (f == NULL) {
		if (n->nfol == n->folcap) {
			size_t cap = n->folcap ? n->folcap * 2 : 8;
			struct sim_fol *a = realloc(n->fol, cap * sizeof(*a));

			if (a == NULL)
				sim_oom();
			n->fol = a;
			n->folcap = cap;
		}
		f = &n->fol[n->nfol++];
	}
	memset(f, 0, sizeof(*f));
	snprintf(f->topic, sizeof(f->topic), "%s", topic);
	f->part = idx;
	f->leader = p->leader_id;
	f->epoch = p->leader_epoch;
	fl_part_follower_log(p, &log);
	fl_follower_init(&f->f, n->id, f->leader, f->epoch, &log, p->hw);
	f->syncing = 0;
	sim_trace(w, "node %d follows %s-%d from %d at epoch %d (log end %llu, hw %llu)", n->id,
	    topic, (int)idx, (int)f->leader, (int)f->epoch, (unsigned long long)log.log_end,
	    (unsigned long long)p->hw);
}

static void wake_parked(struct sim_world *w, struct sim_node *n);

/* ---- durability ---- */

static void
want_sync(struct sim_world *w, struct sim_node *n)
{
	if (n->sync_pending)
		return;
	n->sync_pending = 1;
	sim_schedule(w, w->now + 1 + (int64_t)sim_rand(w, 4), EV_NODE_SYNCED, n->id, n->inc, 0);
}

static void
save_cmeta(struct sim_world *w, struct sim_node *n, const char *topic, int32_t idx,
    const struct fl_part *p, struct fl_err *err)
{
	int rc;

	if (p != NULL && fl_part_record(&n->cmeta, topic, idx, p) != 0)
		sim_oom();
	rc = fl_cmeta_save(n->disk, NODE_DIR, CLUSTER_FILE, &n->cmeta);
	if (rc != 0)
		fl_err_set(err, rc, "write %s/%s: %s", NODE_DIR, CLUSTER_FILE, fl_strerror(rc));
	else
		check_saved(w, n->id, &n->cmeta);
}

/* ---- acks ---- */

static void
answer_produce(struct sim_world *w, struct sim_node *n, const struct sim_ack *a, int16_t err,
    int64_t base)
{
	struct fl_kp_produce_part_resp pr;
	struct fl_kp_produce_topic_resp tr;
	struct fl_kp_produce_resp r;
	struct fl_wr wr;

	memset(&pr, 0, sizeof(pr));
	pr.index = a->part;
	pr.error = err;
	pr.base_offset = err == 0 ? base : -1;
	pr.log_append_time_ms = -1;
	pr.log_start_offset = 0;
	pr.current_leader.leader_id = -1;	/* v10+: sent only when known */
	pr.current_leader.leader_epoch = -1;
	tr.name = fl_kp_str(a->topic);
	tr.parts = &pr;
	tr.nparts = 1;
	memset(&r, 0, sizeof(r));
	r.topics = &tr;
	r.ntopics = 1;
	fl_wr_init(&wr, 1 << 20);
	(void)fl_kp_produce_resp_encode(&wr, a->version, a->corr, &r);
	if (err == 0)
		check_wrote(w, n->id, a->topic, a->part, a->epoch);
	sim_trace(w, "node %d answers produce %s-%d [%llu, %llu) acks %d: error %d", n->id,
	    a->topic, (int)a->part, (unsigned long long)a->base, (unsigned long long)a->end,
	    (int)a->acks, (int)err);
	sim_send(w, M_KRESP, n->id, SIM_EP_CLIENT + a->client, 0, a->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

/* Waiting answers: acks=all as flume-serve settles them (fl_part_ack_settle). */
static void
settle_acks(struct sim_world *w, struct sim_node *n)
{
	size_t i = 0;

	while (i < n->nacks) {
		struct sim_ack *a = &n->acks[i];
		struct fl_part *p = node_part(n, a->topic, a->part);
		int16_t err = 0;
		int done = 1;

		if (a->acks != 1)
			done = fl_part_ack_settle(p, a->epoch, a->end, w->now, a->deadline_ms, &err);
		else if (p == NULL || p->role != FL_ROLE_LEADER || p->leader_epoch != a->epoch)
			err = FL_KERR_NOT_LEADER_OR_FOLLOWER;	/* acks=1: once durable (a round) */
		else if (p->log.synced_end < a->end)
			done = 0;
		if (!done) {
			i++;
			continue;
		}
		if (a->is_commit)
			group_commit_settled(w, n, a, err);
		else
			answer_produce(w, n, a, err, (int64_t)a->base);
		n->acks[i] = n->acks[--n->nacks];
	}
}

void
node_synced(struct sim_world *w, struct sim_node *n)
{
	size_t i;
	int32_t j;

	if (n->paused) {
		sim_schedule(w, w->now + 5, EV_NODE_SYNCED, n->id, n->inc, 0);
		return;
	}
	n->sync_pending = 0;
	for (i = 0; i < n->cat.ntopics; i++) {
		struct fl_topic *t = n->cat.topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct fl_part *p = &t->parts[j];
			struct sim_fol *f;
			int rc;

			if (!p->is_open || p->log.synced_end == p->log.log_end)
				continue;
			f = p->role == FL_ROLE_FOLLOWER ? fol_find(n, t->name, j) : NULL;
			rc = f != NULL ? fl_part_replica_sync(p) : fl_plog_sync(&p->log);
			if (rc != 0) {
				/* flume-serve stops (exit 74): the dirty pages may be gone */
				node_crash(w, n, "fsync failed (exit 74)");
				sim_schedule(w, w->now + 50 + (int64_t)sim_rand(w, 300), EV_RESTART,
				    n->id, 0, 0);
				return;
			}
			if (p->role == FL_ROLE_LEADER) {
				fl_part_durable(p, w->now, p->log.synced_end);
			} else if (f != NULL && f->syncing) {
				struct fl_follower_log log;

				f->syncing = 0;
				fl_part_follower_log(p, &log);
				fl_follower_durable(&f->f, w->now, &log);
			}
		}
	}
	/* followers that appended nothing new but wait for their turn */
	for (i = 0; i < n->nfol; i++)
		if (n->fol[i].syncing) {
			struct fl_part *p = node_part(n, n->fol[i].topic, n->fol[i].part);
			struct fl_follower_log log;

			n->fol[i].syncing = 0;
			if (p == NULL)
				continue;
			fl_part_follower_log(p, &log);
			fl_follower_durable(&n->fol[i].f, w->now, &log);
		}
	group_durable(n);
	settle_acks(w, n);
	wake_parked(w, n);	/* the HW may have moved: followers learn it */
}

/* ---- start, crash ---- */

static void
note(void *arg, enum fl_catalog_note_level level, const char *msg)
{
	struct sim_world *w = arg;

	(void)level;
	sim_trace(w, "  catalog: %s", msg);
}

static int
node_is_damaged(const struct sim_world *w, const struct sim_node *n)
{
	int j;

	for (j = 0; j < w->o.partitions && j < SIM_PARTS_MAX; j++)
		if (n->dmg[j].is_set)
			return 1;
	return 0;
}

int
node_start(struct sim_world *w, struct sim_node *n)
{
	struct fl_part_config pcfg;
	struct fl_err err = { 0 };
	uint8_t *data = NULL;
	size_t len = 0, i;
	int rc;

	if (n->disk == NULL && (n->disk = fl_vfs_mem_new()) == NULL)
		sim_oom();
	fl_vfs_mem_fail(n->disk, FL_VFS_MEM_SYNC, 0, 0);
	if (fl_vfs_mkdir(n->disk, NODE_DIR) == 0)
		(void)fl_vfs_sync_dir(n->disk, "/");
	n->inc++;
	n->up = 1;
	n->paused = 0;
	n->sync_pending = 0;
	n->nacks = 0;
	n->nfol = 0;
	n->ctl_stream_epoch = -1;
	n->ctl_stream = 0;
	n->next_hw_ms = w->now + LEADER_TICK_MS;
	memset(&pcfg, 0, sizeof(pcfg));
	fl_plog_config_default(&pcfg.plog);
	pcfg.plog.segment_bytes = 16 << 10;
	pcfg.node_id = n->id;
	pcfg.replica_lag_max_ms = 1000;
	pcfg.min_insync = 1;
	pcfg.message_bytes_max = 1 << 20;
	pcfg.producers_max = 1000;
	rc = fl_catalog_open(&n->cat, n->disk, NODE_DIR, &pcfg, w->now, note, w, &err);
	if (rc == FL_ECORRUPT && node_is_damaged(w, n)) {
		/* refusing damage is right: flume-serve exits 65, an operator repairs */
		if (!n->is_refused)
			sim_trace(w, "node %d refuses to start: %s", n->id, err.msg);
		n->is_refused = 1;
		n->up = 0;
		return -1;
	}
	if (rc != 0) {
		sim_fail(w, "node %d does not start: %s", n->id, err.msg);
		n->up = 0;
		return -1;
	}
	n->has_cat = 1;
	fl_cmeta_free(&n->cmeta);
	memset(&n->cmeta, 0, sizeof(n->cmeta));
	rc = fl_durable_read(n->disk, NODE_DIR, CLUSTER_FILE, &data, &len);
	if (rc == 0) {
		rc = fl_cmeta_decode(&n->cmeta, data, len);
		free(data);
		if (rc != 0) {
			sim_fail(w, "node %d: %s does not decode after a crash", n->id, CLUSTER_FILE);
			return -1;
		}
	} else if (rc != FL_ENOENT) {
		sim_fail(w, "node %d: %s: %s", n->id, CLUSTER_FILE, fl_strerror(rc));
		return -1;
	}
	for (i = 0; i < n->cmeta.nparts; i++) {
		const struct fl_cmeta_part *e = &n->cmeta.parts[i];
		struct fl_part *p = node_part(n, e->topic, e->partition);

		if (p == NULL)
			continue;
		rc = fl_part_restore(p, w->now, e, n->cmeta.nbrokers == 0 ? FL_PART_ALONE :
		    n->cmeta.controller_epoch > 0 ? FL_PART_BY_CONTROLLER : FL_PART_BY_HAND);
		if (rc == 1)
			sim_trace(w, "node %d: %s-%d: cluster.meta says epoch %d, the log has begun %d: "
			    "offline until told", n->id, e->topic, (int)e->partition, (int)e->epoch,
			    (int)p->leader_epoch);
		else if (rc != 0) {
			sim_fail(w, "node %d: %s: %s-%d: epoch %d is older than the partition's %d",
			    n->id, CLUSTER_FILE, e->topic, (int)e->partition, (int)e->epoch,
			    (int)p->leader_epoch);
			return -1;
		}
		if (p->role == FL_ROLE_FOLLOWER)
			fol_start(w, n, e->topic, e->partition, p);
	}
	group_roles(w, n);
	sim_trace(w, "node %d starts (incarnation %u, %zu topics)", n->id, n->inc,
	    n->cat.ntopics);
	sim_schedule(w, w->now + (int64_t)sim_rand(w, NODE_TICK_MS), EV_NODE_TICK, n->id, n->inc, 0);
	return 0;
}

void
node_free(struct sim_node *n)
{
	group_free(n);
	if (n->has_cat)
		fl_catalog_close(&n->cat);
	n->has_cat = 0;
	fl_cmeta_free(&n->cmeta);
	free(n->gw);
	n->gw = NULL;
	n->gwcap = 0;
	free(n->fol);
	free(n->acks);
	sim_drop_held(n);
	free(n->held);
	node_drop_parked(n);
	free(n->parked);
	n->parked = NULL;
	n->parkcap = 0;
	n->held = NULL;
	n->heldcap = 0;
	n->fol = NULL;
	n->acks = NULL;
	n->nfol = n->folcap = n->nacks = n->ackcap = 0;
	if (n->disk != NULL)
		fl_vfs_mem_free(n->disk);
	n->disk = NULL;
}

void
node_crash(struct sim_world *w, struct sim_node *n, const char *why)
{
	uint64_t torn = (w->o.faults & SIM_F_DISK) ? 1 + sim_rand(w, UINT32_MAX) : 0;

	sim_trace(w, "node %d crashes: %s%s", n->id, why, torn ? " (torn writes)" : "");
	fl_vfs_mem_crash(n->disk, torn);
	group_free(n);
	if (n->has_cat)
		fl_catalog_close(&n->cat);	/* every handle fails now: nothing more is written */
	n->has_cat = 0;
	n->up = 0;
	n->paused = 0;
	sim_drop_held(n);
	node_drop_parked(n);
	n->nacks = 0;
	n->nfol = 0;
	n->sync_pending = 0;
	check_node_crashed(w, n->id);
	ctl_node_gone(w, n->id);
}

/* ---- the corrupt fault ---- */

/* The offsets of the batches in buf[0, size) that bytes [off, off + len) hit: [*lo, *hi). */
static int
hit_batches(const uint8_t *buf, uint64_t size, uint64_t off, uint64_t len, uint64_t *lo,
    uint64_t *hi)
{
	uint64_t pos = 0, total;
	int hit = 0;

	*lo = UINT64_MAX;
	*hi = 0;
	while (pos < size) {
		struct fl_batch_hdr h;

		if (fl_batch_peek_size(buf + pos, (size_t)(size - pos), &total) != 0 ||
		    total > size - pos || fl_batch_hdr_parse(buf + pos, (size_t)(size - pos), &h) != 0 ||
		    h.base_offset < 0) {
			/* a partial last batch: what lies past its start is suspect */
			if (off + len > pos && *lo != UINT64_MAX) {
				*hi = UINT64_MAX;
				hit = 1;
			}
			break;
		}
		if (off < pos + total && off + len > pos) {
			if ((uint64_t)h.base_offset < *lo)
				*lo = (uint64_t)h.base_offset;
			if ((uint64_t)fl_batch_last_offset(&h) + 1 > *hi)
				*hi = (uint64_t)fl_batch_last_offset(&h) + 1;
			hit = 1;
		}
		pos += total;
	}
	return hit && *lo != UINT64_MAX;
}

/*
 * A sector of one of node n's logs of the test topic reads back damaged:
 * a running node serves it to whoever fetches it, a node that is down
 * reads it when it starts.  One
 * disk at most is damaged in a run (a single fault: the other copies stay
 * whole), and the checker is told which offsets it hit.
 */
void
node_corrupt(struct sim_world *w, struct sim_node *n)
{
	int32_t part = (int32_t)sim_rand(w, (uint64_t)w->o.partitions);
	char dir[64], path[192];
	char **names = NULL;
	size_t nn = 0, i, nlogs = 0, pick;
	uint64_t size = 0, off, len, lo, hi;
	uint8_t *buf = NULL;
	struct fl_file *f;
	const struct fl_cmeta_part *e;
	int k;

	/* one damaged disk a run: a node refusing to start holds none of its copies */
	for (k = 1; k <= w->o.nodes; k++)
		for (i = 0; i < SIM_PARTS_MAX; i++)
			if (w->node[k].dmg[i].was_hit)
				return;
	/*
	 * Not the only copy the cluster counts on, of any partition: with a
	 * committed ISR of {n} alone, acks=all needed no other copy
	 * (min.insync.replicas 1), and no replication brings back what its
	 * one disk lost; and a node refusing to start on damage serves none
	 * of its partitions until an operator runs flume-seg repair.
	 */
	e = fl_cmeta_find(&w->ctl.stored, SIM_TOPIC, part);
	if (e == NULL || e->isr.n == 0)
		return;
	for (i = 0; i < w->ctl.stored.nparts; i++) {
		e = &w->ctl.stored.parts[i];
		if (e->isr.n == 1 && e->isr.id[0] == n->id)
			return;
	}
	snprintf(dir, sizeof(dir), "%s/%s-%d", NODE_DIR, SIM_TOPIC, (int)part);
	if (fl_vfs_list(n->disk, dir, &names, &nn) != 0)
		return;
	for (i = 0; i < nn; i++)
		nlogs += strlen(names[i]) > 4 && strcmp(names[i] + strlen(names[i]) - 4, ".log") == 0;
	if (nlogs == 0)
		goto out;
	pick = (size_t)sim_rand(w, nlogs);
	for (i = 0; i < nn; i++)
		if (strlen(names[i]) > 4 && strcmp(names[i] + strlen(names[i]) - 4, ".log") == 0 &&
		    pick-- == 0)
			break;
	snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
	if (fl_vfs_open(n->disk, path, FL_VFS_RDONLY, &f) != 0)
		goto out;
	if (fl_vfs_size(f, &size) == 0 && size > 0 && (buf = malloc((size_t)size)) != NULL &&
	    fl_vfs_pread_full(f, buf, (size_t)size, 0) != 0)
		size = 0;
	fl_vfs_close(f);
	if (buf == NULL || size == 0)
		goto out;
	off = sim_rand(w, (size + 511) / 512) * 512;
	len = size - off < 512 ? size - off : 512;
	/*
	 * Below the node's hw checkpoint only (unless disk-any): above it a bad batch at the
	 * tail reads as a torn write and recovery cuts it, and a replica that
	 * lost committed records that way may lead again if the controller
	 * knows no higher HW (it does not after its own restart): flume-sim(1),
	 * LIMITS.  Below it, recovery refuses the damage, or it stays unseen
	 * in the older part of the log until read.
	 */
	{
		uint8_t *hb = NULL;
		size_t hlen = 0;
		uint64_t stored = 0;
		struct fl_err herr = { 0 };

		if (fl_durable_read(n->disk, dir, "hw", &hb, &hlen) != 0)
			goto out;
		if (fl_epochs_hw_decode(hb, hlen, &stored, &herr) != 0)
			stored = 0;
		free(hb);
		if (!hit_batches(buf, size, off, len, &lo, &hi) ||
		    (hi > stored && !(w->o.faults & SIM_F_DISK_ANY)))
			goto out;
	}
	if (fl_vfs_mem_corrupt(n->disk, path, off, (size_t)len, 1 + sim_rand(w, UINT32_MAX)) != 0)
		goto out;
	if (!n->dmg[part].is_set || lo < n->dmg[part].lo)
		n->dmg[part].lo = lo;
	if (!n->dmg[part].is_set || hi > n->dmg[part].hi)
		n->dmg[part].hi = hi;
	n->dmg[part].is_set = n->dmg[part].was_hit = 1;
	{
		char top[24];

		if (hi == UINT64_MAX)
			snprintf(top, sizeof(top), "the end");
		else
			snprintf(top, sizeof(top), "%llu", (unsigned long long)(hi - 1));
		sim_trace(w, "nemesis: node %d: %s bytes %llu..%llu read back damaged (offsets "
		    "%llu..%s)", n->id, path, (unsigned long long)off,
		    (unsigned long long)(off + len - 1), (unsigned long long)lo, top);
	}
	check_damaged(w, n->id, part, lo);
out:
	free(buf);
	fl_vfs_list_free(names, nn);
}

/* ---- admin lines ---- */

static void
say(struct fl_wr *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct fl_wr *o, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(line))
		k = (int)sizeof(line) - 1;
	fl_wr_raw(o, line, (size_t)k);
}

static void
status(struct sim_node *n, struct fl_wr *o)
{
	size_t i;
	int32_t j;

	say(o, "node\t%d\n", n->id);
	say(o, "controller_epoch\t%lld\n", (long long)n->cmeta.controller_epoch);
	for (i = 0; i < n->cat.ntopics; i++) {
		struct fl_topic *t = n->cat.topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct fl_bstatus_part bp;
			char line[1024];

			fl_part_status(&t->parts[j], t->name, j, &bp);
			if (fl_bstatus_format_part(line, sizeof(line), &bp) > 0)
				say(o, "%s\n", line);
		}
	}
	say(o, "ok\n");
}

/* The partition a verb names, its topic created here when missing (as flume-serve's). */
static struct fl_part *
verb_part(struct sim_world *w, struct sim_node *n, const struct fl_rverb *v, struct fl_wr *o)
{
	struct fl_catalog_new nt;
	struct fl_part *p;
	char why[256];
	int rc = fl_catalog_verb_part(&n->cat, v->topic, v->part, &p, &nt, why, sizeof(why));

	if (rc == FL_ENOENT) {
		struct fl_err err = { 0 };
		int32_t j;

		(void)fl_catalog_create(&n->cat, &nt, 1, w->now, &err);
		if (nt.rc != 0) {
			say(o, "error: %s\n", fl_catalog_new_why(&nt));
			return NULL;
		}
		for (j = 0; j < nt.topic->nparts; j++)
			fl_part_created_in_cluster(&nt.topic->parts[j]);
		rc = fl_catalog_verb_part(&n->cat, v->topic, v->part, &p, &nt, why, sizeof(why));
	}
	if (rc != 0) {
		say(o, "error: %s\n", why);
		return NULL;
	}
	return p;
}

static void
persist(struct sim_world *w, struct sim_node *n, const struct fl_rverb *v, struct fl_part *p,
    struct fl_wr *o)
{
	struct fl_err err = { 0 };

	save_cmeta(w, n, v->topic, v->part, p, &err);
	if (err.code != 0) {
		say(o, "error: %s\n", err.msg);
		return;
	}
	say(o, "ok\n");
}

static void
apply(struct sim_world *w, struct sim_node *n, const struct fl_rverb *v, struct fl_wr *o)
{
	struct fl_err err = { 0 };
	struct fl_part *p;
	int rc;

	switch (v->kind) {
	case FL_RVERB_CONTROLLER:
		rc = fl_cmeta_ctl_epoch_cmp(&n->cmeta, v->ctl_epoch);
		if (rc < 0) {
			say(o, "error: fenced: controller epoch %lld is older than %lld\n",
			    (long long)v->ctl_epoch, (long long)n->cmeta.controller_epoch);
			return;
		}
		if (rc > 0) {
			int64_t old = n->cmeta.controller_epoch;

			n->cmeta.controller_epoch = v->ctl_epoch;
			save_cmeta(w, n, NULL, 0, NULL, &err);
			if (err.code != 0) {
				n->cmeta.controller_epoch = old;
				say(o, "error: %s\n", err.msg);
				return;
			}
		}
		n->ctl_stream_epoch = v->ctl_epoch;
		say(o, "ok\n");
		return;
	case FL_RVERB_BROKERS:
		if (fl_cmeta_set_brokers(&n->cmeta, v->brokers, v->nbrokers) != 0) {
			say(o, "error: a broker id is named twice\n");
			return;
		}
		save_cmeta(w, n, NULL, 0, NULL, &err);
		say(o, err.code ? "error: write\n" : "ok\n");
		return;
	case FL_RVERB_DONE:
		say(o, "ok\n");
		return;
	case FL_RVERB_CREATE: {
		struct fl_catalog_new nt;

		memset(&nt, 0, sizeof(nt));
		nt.name = v->topic;
		nt.nparts = v->nparts > 0 ? v->nparts : 1;
		nt.conf = v->conf;
		(void)fl_catalog_create(&n->cat, &nt, 1, w->now, &err);
		if (nt.rc == 0) {
			int32_t j;

			for (j = 0; j < nt.topic->nparts; j++)
				fl_part_created_in_cluster(&nt.topic->parts[j]);
			save_cmeta(w, n, NULL, 0, NULL, &err);
			say(o, "ok\n");
		} else if (nt.rc == FL_EEXIST) {
			say(o, "error: topic %s already exists\n", v->topic);
		} else {
			say(o, "error: %s\n", fl_strerror(nt.rc));
		}
		return;
	}
	case FL_RVERB_DELETE:
		say(o, "error: the simulator deletes no topic\n");
		return;
	case FL_RVERB_LEAD:
		if ((p = verb_part(w, n, v, o)) == NULL)
			return;
		if (v->epoch < p->leader_epoch) {
			say(o, "error: epoch %d is older than the current epoch %d\n", (int)v->epoch,
			    (int)p->leader_epoch);
			return;
		}
		fol_drop(n, v->topic, v->part);
		rc = fl_part_lead_hw(p, w->now, v->epoch, &v->replicas, &v->isr,
		    v->has_hw ? v->hw : 0);
		if (rc != 0) {
			say(o, "error: %s\n", rc == FL_ERANGE ? "epoch went back" : fl_strerror(rc));
			return;
		}
		check_led(w, n->id, v->topic, v->part, v->epoch);
		sim_trace(w, "node %d leads %s-%d at epoch %d (log end %llu, hw %llu)", n->id,
		    v->topic, (int)v->part, (int)v->epoch, (unsigned long long)p->log.log_end,
		    (unsigned long long)p->hw);
		persist(w, n, v, p, o);
		settle_acks(w, n);
		return;
	case FL_RVERB_FOLLOW:
		if (fl_cmeta_broker(&n->cmeta, v->leader) == NULL) {
			say(o, "error: broker %d is unknown (set them with brokers)\n", (int)v->leader);
			return;
		}
		if ((p = verb_part(w, n, v, o)) == NULL)
			return;
		if (v->epoch < p->leader_epoch) {
			say(o, "error: epoch %d is older than the current epoch %d\n", (int)v->epoch,
			    (int)p->leader_epoch);
			return;
		}
		(void)fl_part_step_down(p, FL_ROLE_FOLLOWER, v->epoch, v->leader, &v->replicas);
		persist(w, n, v, p, o);
		fol_start(w, n, v->topic, v->part, p);
		settle_acks(w, n);
		return;
	case FL_RVERB_ISR:
		if ((p = node_part(n, v->topic, v->part)) == NULL) {
			say(o, "error: no partition %s-%d\n", v->topic, (int)v->part);
			return;
		}
		if (v->epoch < p->leader_epoch) {
			say(o, "error: epoch %d is older than the current epoch %d\n", (int)v->epoch,
			    (int)p->leader_epoch);
			return;
		}
		if (p->role != FL_ROLE_LEADER) {
			rc = fl_part_told_isr(p, v->epoch, &v->isr);
			if (rc != 0) {
				say(o, "error: %s\n", rc == FL_EINVAL ? "ISR member is not a replica" :
				    "epoch is newer than the current epoch");
				return;
			}
			persist(w, n, v, p, o);
			return;
		}
		rc = fl_part_commit_isr(p, w->now, v->epoch, &v->isr);
		if (rc != 0) {
			say(o, "error: isr refused (%d)\n", rc);
			return;
		}
		persist(w, n, v, p, o);
		settle_acks(w, n);
		return;
	case FL_RVERB_OFFLINE:
		if ((p = node_part(n, v->topic, v->part)) == NULL) {
			say(o, "error: no partition %s-%d\n", v->topic, (int)v->part);
			return;
		}
		if (v->epoch < p->leader_epoch) {
			say(o, "error: epoch %d is older than the current epoch %d\n", (int)v->epoch,
			    (int)p->leader_epoch);
			return;
		}
		fol_drop(n, v->topic, v->part);
		(void)fl_part_step_down(p, FL_ROLE_OFFLINE, v->epoch, v->leader,
		    v->replicas.n > 0 ? &v->replicas : NULL);
		persist(w, n, v, p, o);
		settle_acks(w, n);
		return;
	}
}

static void
admin_line(struct sim_world *w, struct sim_node *n, struct sim_msg *m)
{
	struct fl_cmeta_broker brokers[SIM_NODES_MAX + 1];
	struct fl_rverb v;
	struct fl_wr o;
	char why[512];
	char line[FL_CTL_LINE_MAX + 1];
	size_t len = m->len < FL_CTL_LINE_MAX ? m->len : FL_CTL_LINE_MAX;
	int rc;

	memcpy(line, m->data, len);
	line[len] = '\0';
	if (m->stream != n->ctl_stream) {
		/* a new connection: its controller epoch is not known yet */
		n->ctl_stream = m->stream;
		n->ctl_stream_epoch = -1;
	}
	fl_wr_init(&o, 1 << 20);
	if (strcmp(line, "status") == 0) {
		status(n, &o);
	} else {
		rc = fl_rverb_parse(line, len, n->id, &v, brokers, SIM_NODES_MAX + 1, why, sizeof(why));
		if (rc != 0) {
			say(&o, "error: %s\n", rc == FL_ENOENT ? "unknown command" : why);
		} else if (v.kind != FL_RVERB_CONTROLLER && n->ctl_stream_epoch >= 0 &&
		    n->ctl_stream_epoch < n->cmeta.controller_epoch) {
			say(&o, "error: fenced: controller epoch %lld is older than %lld\n",
			    (long long)n->ctl_stream_epoch, (long long)n->cmeta.controller_epoch);
		} else {
			apply(w, n, &v, &o);
			group_roles(w, n);
		}
		sim_trace(w, "node %d <- %s: %.*s", n->id, line,
		    (int)(o.len > 0 ? o.len - 1 : 0), (const char *)o.p);
	}
	sim_send(w, M_ADMIN_ANS, n->id, SIM_EP_CTL, m->stream, m->tag, o.p, o.len);
	fl_wr_free(&o);
}

/* ---- Kafka requests ---- */

static void
reply(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_wr *wr)
{
	sim_send(w, M_KRESP, n->id, m->from, 0, m->tag, wr->p, wr->len);
}

static void
on_produce(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	struct fl_kp_produce_req *r = &rq->u.produce;
	struct fl_kp_produce_part *pp;
	struct fl_part_produce_res res;
	struct sim_ack a;
	struct fl_part *p;
	int16_t err;

	if (r->ntopics != 1 || r->topics[0].nparts != 1)
		return;		/* our clients send one batch */
	pp = &r->topics[0].parts[0];
	memset(&a, 0, sizeof(a));
	a.client = m->from - SIM_EP_CLIENT;
	a.tag = m->tag;
	snprintf(a.topic, sizeof(a.topic), "%.*s", (int)r->topics[0].name.len,
	    (const char *)r->topics[0].name.p);
	a.part = pp->index;
	a.acks = r->acks;
	a.corr = rq->hdr.correlation_id;
	a.version = rq->hdr.api_version;
	a.deadline_ms = w->now + r->timeout_ms;
	p = node_part(n, a.topic, a.part);
	if (p == NULL) {
		answer_produce(w, n, &a, FL_KERR_UNKNOWN_TOPIC_OR_PARTITION, -1);
		return;
	}
	a.epoch = p->leader_epoch;
	if (r->acks == -1 && (err = fl_part_may_append_all(p)) != 0) {
		answer_produce(w, n, &a, err, -1);
		return;
	}
	err = fl_part_produce(p, w->now, (uint8_t *)(uintptr_t)pp->records.p, pp->records.len,
	    rq->hdr.api_version, &res);
	if (err != 0) {
		answer_produce(w, n, &a, err, -1);
		return;
	}
	{
		struct fl_batch_hdr h;

		(void)fl_batch_hdr_parse(pp->records.p, pp->records.len, &h);
		a.base = res.base_offset;
		a.end = res.base_offset + (uint64_t)h.last_offset_delta + 1;
	}
	sim_trace(w, "node %d appends %s-%d [%llu, %llu) epoch %d%s", n->id, a.topic, (int)a.part,
	    (unsigned long long)a.base, (unsigned long long)a.end, (int)a.epoch,
	    res.is_duplicate ? " (a duplicate: already stored)" : "");
	if (!res.is_duplicate)
		node_appended(w, n);
	node_wait(w, n, &a);
}

/* Something was appended here: it joins the next fsync; followers read to the end. */
void
node_appended(struct sim_world *w, struct sim_node *n)
{
	want_sync(w, n);
	wake_parked(w, n);
}

/* An answer that waits for durability or the HW. */
void
node_wait(struct sim_world *w, struct sim_node *n, const struct sim_ack *a)
{
	if (n->nacks == n->ackcap) {
		size_t cap = n->ackcap ? n->ackcap * 2 : 16;
		struct sim_ack *x = realloc(n->acks, cap * sizeof(*x));

		if (x == NULL)
			sim_oom();
		n->acks = x;
		n->ackcap = cap;
	}
	n->acks[n->nacks++] = *a;
	settle_acks(w, n);
}

/* Returns 1 when the request waits (the caller parks it), as flume-serve's long poll. */
static int
on_fetch(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq,
    int64_t deadline_ms, int64_t *until_ms)
{
	struct fl_kp_fetch_req *r = &rq->u.fetch;
	struct fl_kp_fetch_enc e;
	struct fl_wr wr;
	size_t i, j;
	int hw_moved = 0, any_error = 0;
	uint64_t total = 0;

	fl_wr_init(&wr, 64u << 20);
	(void)fl_kp_fetch_resp_begin(&e, &wr, rq->hdr.api_version, rq->hdr.correlation_id, 0, 0, 0);
	for (i = 0; i < r->ntopics; i++) {
		const struct fl_kp_fetch_topic *t = &r->topics[i];
		char name[FL_TOPIC_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%.*s", (int)t->name.len, (const char *)t->name.p);
		(void)fl_kp_fetch_resp_topic(&e, t->name);
		for (j = 0; j < t->nparts; j++) {
			const struct fl_kp_fetch_part *q = &t->parts[j];
			struct fl_kp_fetch_part_resp pr;
			struct fl_plog_span span;
			struct fl_part *p = node_part(n, name, q->partition);
			uint8_t *buf = NULL;
			size_t blen = 0;
			int16_t err = 0;
			int cause = 0;

			memset(&pr, 0, sizeof(pr));
			pr.index = q->partition;
			pr.preferred_read_replica = -1;
			memset(&span, 0, sizeof(span));
			if (p == NULL) {
				err = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			} else if ((err = fl_part_check_epoch(p, q->current_leader_epoch)) != 0) {
				;
			} else if (r->replica_id >= 0) {
				uint64_t hw = p->hw;

				err = fl_part_replica_fetch(p, w->now, r->replica_id,
				    q->current_leader_epoch, q->fetch_offset);
				if (err == 0 && p->hw != hw)
					hw_moved = 1;
			}
			if (p != NULL && err == 0) {
				int was_leader = p->role == FL_ROLE_LEADER;

				err = fl_part_read(p, q->fetch_offset, (uint64_t)q->max_bytes,
				    r->replica_id >= 0 ? FL_PART_REPLICA : FL_PART_CONSUMER, &span, &cause);
				if (err == FL_KERR_KAFKA_STORAGE_ERROR && cause == FL_ECORRUPT)
					sim_trace(w, "node %d: %s-%d: damaged at or below offset %llu%s", n->id,
					    name, (int)q->partition, (unsigned long long)p->damaged_at,
					    was_leader && p->role != FL_ROLE_LEADER ?
					    ": stops leading it" : "");
			}
			if (err == 0 && span.len > 0) {
				blen = (size_t)span.len;
				if ((buf = malloc(blen)) == NULL)
					sim_oom();
				if (fl_vfs_pread_full(span.file, buf, blen, span.pos) != 0) {
					err = FL_KERR_KAFKA_STORAGE_ERROR;
					blen = 0;
				}
			}
			pr.error = err;
			any_error |= err != 0;
			total += err == 0 ? blen : 0;
			pr.high_watermark = p != NULL ? (int64_t)p->hw : -1;
			pr.last_stable_offset = pr.high_watermark;
			pr.log_start_offset = p != NULL && p->is_open ? (int64_t)p->log.log_start : -1;
			(void)fl_kp_fetch_resp_partition_inline(&e, &pr, buf, err == 0 ? blen : 0);
			free(buf);
		}
	}
	(void)fl_kp_fetch_resp_end(&e, NULL);
	if (hw_moved) {
		group_durable(n);
		settle_acks(w, n);
	}
	if (fl_fetch_should_wait(w->now, deadline_ms, total, r->min_bytes, r->max_wait_ms,
	    any_error, until_ms)) {
		fl_wr_free(&wr);
		return 1;
	}
	reply(w, n, m, &wr);
	fl_wr_free(&wr);
	return 0;
}

static void kafka_request_at(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    int64_t deadline_ms);

/* Parked Fetches look again: something was appended, the HW moved, or time passed. */
static void
wake_parked(struct sim_world *w, struct sim_node *n)
{
	struct sim_park *ps = n->parked;
	size_t i, np = n->nparked;

	if (np == 0)
		return;
	n->parked = NULL;
	n->nparked = n->parkcap = 0;
	for (i = 0; i < np; i++) {
		if (n->up)
			kafka_request_at(w, n, ps[i].m, ps[i].deadline_ms);
		sim_msg_free(ps[i].m);
	}
	free(ps);
}

static void
park(struct sim_node *n, const struct sim_msg *m, int64_t until_ms)
{
	if (n->nparked == n->parkcap) {
		size_t cap = n->parkcap ? n->parkcap * 2 : 8;
		struct sim_park *x = realloc(n->parked, cap * sizeof(*x));

		if (x == NULL)
			sim_oom();
		n->parked = x;
		n->parkcap = cap;
	}
	n->parked[n->nparked].m = sim_msg_copy(m);
	n->parked[n->nparked++].deadline_ms = until_ms;
}

void
node_drop_parked(struct sim_node *n)
{
	size_t i;

	for (i = 0; i < n->nparked; i++)
		sim_msg_free(n->parked[i].m);
	n->nparked = 0;
}

static void
on_ofle(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	struct fl_kp_ofle_req *r = &rq->u.ofle;
	struct fl_kp_ofle_part_resp pr[64];
	struct fl_kp_ofle_topic_resp tr[8];
	struct fl_kp_ofle_resp resp;
	struct fl_wr wr;
	size_t i, j, np = 0;

	memset(&resp, 0, sizeof(resp));
	for (i = 0; i < r->ntopics && i < 8; i++) {
		char name[FL_TOPIC_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%.*s", (int)r->topics[i].name.len,
		    (const char *)r->topics[i].name.p);
		tr[i].name = r->topics[i].name;
		tr[i].parts = &pr[np];
		tr[i].nparts = 0;
		for (j = 0; j < r->topics[i].nparts && np < 64; j++) {
			const struct fl_kp_ofle_part *q = &r->topics[i].parts[j];
			struct fl_part *p = node_part(n, name, q->partition);
			struct fl_kp_ofle_part_resp *x = &pr[np++];

			memset(x, 0, sizeof(*x));
			x->partition = q->partition;
			x->leader_epoch = -1;
			x->end_offset = -1;
			if (p == NULL)
				x->error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			else
				x->error = fl_part_epoch_end(p, q->current_leader_epoch, q->leader_epoch,
				    &x->leader_epoch, &x->end_offset);
			tr[i].nparts++;
		}
	}
	resp.topics = tr;
	resp.ntopics = i;
	fl_wr_init(&wr, 1 << 20);
	(void)fl_kp_ofle_resp_encode(&wr, rq->hdr.api_version, rq->hdr.correlation_id, &resp);
	reply(w, n, m, &wr);
	fl_wr_free(&wr);
}

static void
on_init_pid(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq)
{
	struct fl_kp_init_producer_id_resp r;
	struct fl_err err = { 0 };
	struct fl_wr wr;

	memset(&r, 0, sizeof(r));
	if (fl_catalog_next_pid(&n->cat, n->id, &r.producer_id, &err) != 0)
		r.error = FL_KERR_UNKNOWN_SERVER_ERROR;
	fl_wr_init(&wr, 1 << 16);
	(void)fl_kp_init_producer_id_resp_encode(&wr, rq->hdr.api_version, rq->hdr.correlation_id,
	    &r);
	reply(w, n, m, &wr);
	fl_wr_free(&wr);
}

static void
kafka_request_at(struct sim_world *w, struct sim_node *n, struct sim_msg *m, int64_t deadline_ms)
{
	struct fl_kp_req rq;
	int64_t until = 0;

	memset(&rq, 0, sizeof(rq));
	if (m->len < 4 || fl_kp_req_decode(&rq, m->data + 4, m->len - 4, FEATURES) != 0 ||
	    rq.hdr.kind != FL_KP_REQ_OK) {
		sim_fail(w, "node %d cannot decode a request from %d", n->id, m->from);
		fl_kp_req_free(&rq);
		return;
	}
	switch (rq.hdr.api_key) {
	case FL_KP_PRODUCE:
		on_produce(w, n, m, &rq);
		break;
	case FL_KP_FETCH:
		if (on_fetch(w, n, m, &rq, deadline_ms, &until))
			park(n, m, until);
		break;
	case FL_KP_OFFSET_FOR_LEADER_EPOCH:
		on_ofle(w, n, m, &rq);
		break;
	case FL_KP_INIT_PRODUCER_ID:
		on_init_pid(w, n, m, &rq);
		break;
	case FL_KP_OFFSET_COMMIT:
		group_commit(w, n, m, &rq);
		break;
	case FL_KP_OFFSET_FETCH:
		group_offset_fetch(w, n, m, &rq);
		break;
	case FL_KP_JOIN_GROUP:
		group_join(w, n, m, &rq);
		break;
	case FL_KP_SYNC_GROUP:
		group_sync(w, n, m, &rq);
		break;
	case FL_KP_HEARTBEAT:
		group_heartbeat(w, n, m, &rq);
		break;
	default:
		break;
	}
	fl_kp_req_free(&rq);
}

static void
kafka_request(struct sim_world *w, struct sim_node *n, struct sim_msg *m)
{
	kafka_request_at(w, n, m, 0);
}

/* ---- followers (what flume-repl does) ---- */

static void
fol_send(struct sim_world *w, struct sim_node *n, struct sim_fol *f)
{
	struct fl_kc_hdr h;
	struct fl_wr wr;

	memset(&h, 0, sizeof(h));
	h.client_id = "flume-repl";
	h.corr = (int32_t)(++n->next_tag & 0x7fffffff);
	fl_wr_init(&wr, 1 << 20);
	if (f->f.action == FL_FOLLOWER_ASK_EPOCH) {
		struct fl_kc_ofle_part op = { f->part, f->epoch, f->f.ask_epoch };
		struct fl_kc_ofle_topic ot = { f->topic, &op, 1 };
		struct fl_kc_ofle_req req = { n->id, &ot, 1 };

		h.version = 3;
		(void)fl_kc_ofle_req_encode(&wr, &h, &req);
		f->fetch_was_replica = 0;
	} else {
		struct fl_kc_fetch_part fp;
		struct fl_kc_fetch_topic ft = { f->topic, &fp, 1 };
		struct fl_kc_fetch_req req;

		memset(&fp, 0, sizeof(fp));
		fp.index = f->part;
		fp.fetch_offset = (int64_t)f->f.fetch_offset;
		fp.max_bytes = FETCH_MAX_BYTES;
		fp.current_leader_epoch = f->epoch;
		fp.log_start_offset = (int64_t)f->f.log.log_start;
		memset(&req, 0, sizeof(req));
		req.max_bytes = FETCH_MAX_BYTES;
		req.min_bytes = 1;
		req.max_wait_ms = FETCH_WAIT_MS;
		req.topics = &ft;
		req.ntopics = 1;
		req.is_replica = 1;
		req.replica_id = n->id;
		h.version = 11;
		(void)fl_kc_fetch_req_encode(&wr, &h, &req);
		f->fetch_was_replica = 1;
	}
	f->inflight = 1;
	f->tag = (uint64_t)h.corr;
	f->sent_ms = w->now;
	sim_send(w, M_KREQ, n->id, f->leader, 0, f->tag, wr.p, wr.len);
	fl_wr_free(&wr);
}

static void
fol_truncate(struct sim_world *w, struct sim_node *n, struct sim_fol *f, struct fl_part *p)
{
	struct fl_follower_log log;
	int rc;

	sim_trace(w, "node %d cuts %s-%d at %llu%s (log end %llu, hw %llu)", n->id, f->topic,
	    (int)f->part, (unsigned long long)f->f.truncate_to,
	    f->f.truncate_empties ? " (empties it)" : "", (unsigned long long)p->log.log_end,
	    (unsigned long long)f->f.hw);
	rc = f->f.truncate_empties ? fl_part_reset(p, f->f.truncate_to) :
	    fl_part_truncate(p, f->f.truncate_to);
	if (rc != 0) {
		node_crash(w, n, "truncate failed");
		sim_schedule(w, w->now + 100, EV_RESTART, n->id, 0, 0);
		return;
	}
	fl_part_follower_log(p, &log);
	fl_follower_truncated(&f->f, w->now, &log);
	p->hw = f->f.hw;
}

static void
fol_answer(struct sim_world *w, struct sim_node *n, struct sim_fol *f, struct sim_msg *m)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_part *p = node_part(n, f->topic, f->part);
	const uint8_t *pl = m->data + 4;
	size_t pn = m->len - 4;

	f->inflight = 0;
	if (p == NULL)
		return;
	if (!f->fetch_was_replica) {
		struct fl_kc_ofle_resp r;

		if (f->f.action != FL_FOLLOWER_ASK_EPOCH)
			goto out;
		if (fl_kc_ofle_resp_decode(pl, pn, 3, &a, &r) != 0 || r.ntopics != 1 ||
		    r.topics[0].nparts != 1) {
			fl_follower_failed(&f->f, w->now);
			goto out;
		}
		{
			const struct fl_kc_ofle_part_resp *pr = &r.topics[0].parts[0];
			int32_t e = pr->leader_epoch;

			sim_trace(w, "node %d: %s-%d: leader %d says epoch %d (asked %d) ends at %lld, "
			    "error %d", n->id, f->topic, (int)f->part, (int)f->leader, (int)e,
			    (int)f->f.ask_epoch, (long long)pr->end_offset, (int)pr->error);
			fl_follower_epoch_answer(&f->f, w->now, pr->error, e, pr->end_offset,
			    e >= 0 ? fl_part_local_epoch_end(p, e) : -1);
		}
		if (f->f.action == FL_FOLLOWER_TRUNCATE)
			fol_truncate(w, n, f, p);
	} else {
		struct fl_kc_fetch_resp r;
		const struct fl_kc_fetch_part_resp *pr;

		if (f->f.action != FL_FOLLOWER_FETCH)
			goto out;
		if (fl_kc_fetch_resp_decode(pl, pn, 11, &a, &r) != 0 || r.ntopics != 1 ||
		    r.topics[0].nparts != 1) {
			fl_follower_failed(&f->f, w->now);
			goto out;
		}
		pr = &r.topics[0].parts[0];
		if ((uint64_t)f->tag != (uint64_t)m->tag)
			goto out;
		if (fl_follower_fetch_answer(&f->f, w->now, pr->error, pr->high_watermark,
		    pr->log_start_offset, pr->records.len) == 1) {
			struct fl_err err = { 0 };
			uint64_t next;
			size_t len, pos = 0;

			if (fl_part_replica_check(p, pr->records.p, pr->records.len, &len, &next,
			    &err) != 0 || len == 0) {
				if (err.code != 0)
					sim_trace(w, "node %d: %s-%d: leader %d sent %s", n->id, f->topic,
					    (int)f->part, (int)f->leader, err.msg);
				fl_follower_failed(&f->f, w->now);
				goto out;
			}
			while (pos < len) {
				uint64_t total = 0;

				(void)fl_batch_peek_size(pr->records.p + pos, len - pos, &total);
				if (fl_part_append_replica(p, w->now, pr->records.p + pos,
				    (size_t)total) != 0) {
					node_crash(w, n, "follower append failed");
					sim_schedule(w, w->now + 100, EV_RESTART, n->id, 0, 0);
					goto out;
				}
				pos += (size_t)total;
			}
			f->syncing = 1;
			want_sync(w, n);
		} else if (f->f.action == FL_FOLLOWER_FETCH && pr->error == 0) {
			/* nothing new: the HW may still move */
			struct fl_follower_log log;

			fl_part_follower_log(p, &log);
			fl_follower_durable(&f->f, w->now, &log);
		}
		if (f->f.action == FL_FOLLOWER_TRUNCATE)
			fol_truncate(w, n, f, p);
	}
out:
	if (!n->up) {
		/* it crashed on the way: p and f are gone */
		fl_arena_free(&a);
		return;
	}
	if (p->role == FL_ROLE_FOLLOWER && f->f.hw != p->hw) {
		p->hw = f->f.hw;
		if (f->f.hw_changed) {
			(void)fl_plog_hw_store(&p->log, f->f.hw);
			f->f.hw_changed = 0;
		}
	}
	fl_arena_free(&a);
}

static void
kafka_response(struct sim_world *w, struct sim_node *n, struct sim_msg *m)
{
	size_t i;

	if (m->len < 8)
		return;
	for (i = 0; i < n->nfol; i++)
		if (n->fol[i].inflight && n->fol[i].tag == m->tag && n->fol[i].leader == m->from) {
			fol_answer(w, n, &n->fol[i], m);
			return;
		}
}

void
node_deliver(struct sim_world *w, struct sim_node *n, struct sim_msg *m)
{
	switch (m->kind) {
	case M_ADMIN:
		admin_line(w, n, m);
		break;
	case M_KREQ:
		kafka_request(w, n, m);
		break;
	case M_KRESP:
		kafka_response(w, n, m);
		break;
	default:
		break;
	}
}

/* ---- the loop turn ---- */

void
node_tick(struct sim_world *w, struct sim_node *n)
{
	size_t i;
	int32_t j;

	if (n->paused) {
		sim_schedule(w, w->now + NODE_TICK_MS, EV_NODE_TICK, n->id, n->inc, 0);
		return;
	}
	for (i = 0; i < n->cat.ntopics; i++) {
		struct fl_topic *t = n->cat.topics[i];

		for (j = 0; j < t->nparts; j++)
			(void)fl_part_tick(&t->parts[j], w->now);
	}
	if (w->now >= n->next_hw_ms) {
		/* leaders' hw checkpoints, on flume-serve's leaders' timer */
		n->next_hw_ms = w->now + LEADER_TICK_MS;
		for (i = 0; i < n->cat.ntopics; i++) {
			struct fl_topic *t = n->cat.topics[i];

			for (j = 0; j < t->nparts; j++)
				(void)fl_part_checkpoint_hw(&t->parts[j]);
		}
	}
	group_durable(n);
	group_tick(w, n);
	for (i = 0; i < n->nfol && n->up; i++) {
		struct sim_fol *f = &n->fol[i];
		struct fl_part *p = node_part(n, f->topic, f->part);

		if (p == NULL)
			continue;
		if (f->inflight && w->now - f->sent_ms > REQ_TIMEOUT_MS) {
			f->inflight = 0;
			fl_follower_failed(&f->f, w->now);
		}
		fl_follower_tick(&f->f, w->now);
		if (f->f.action == FL_FOLLOWER_TRUNCATE)
			fol_truncate(w, n, f, p);
		if (!n->up)
			return;
		if (!f->inflight && !f->syncing && (f->f.action == FL_FOLLOWER_ASK_EPOCH ||
		    f->f.action == FL_FOLLOWER_FETCH))
			fol_send(w, n, f);
	}
	settle_acks(w, n);
	for (i = 0; i < n->nparked; i++)
		if (w->now >= n->parked[i].deadline_ms) {
			wake_parked(w, n);
			break;
		}
	if (n->up)
		sim_schedule(w, w->now + NODE_TICK_MS, EV_NODE_TICK, n->id, n->inc, 0);
}
