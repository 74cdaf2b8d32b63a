/*
 * part.c: one partition: produce checks and idempotence over the log, fetch
 * ranges, ListOffsets and OffsetForLeaderEpoch answers, and the producer
 * state's snapshot and rebuild.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/compress.h"
#include "codec/kproto.h"
#include "store/part.h"

#define SCAN_CHUNK (1u << 20)

/* "what: why; rebuilt from the log" into buf[n] (may be NULL). */
static void
note(char *buf, size_t n, const char *what, const char *why)
{
	if (buf != NULL && n > 0)
		snprintf(buf, n, "%s%s%s; rebuilt from the log", what, why[0] ? ": " : "", why);
}

/* ---- producer state rebuild ---- */

/*
 * Replay batch headers from 'from' to the log end into the table (§4.7),
 * a megabyte of file at a time.  Each batch is checked as it goes by: its
 * offsets follow on, and (when it fits the buffer, as all but huge ones
 * do) its CRC holds.  A batch that fails is a damaged sector (recovery
 * cut any torn tail before this runs): FL_ECORRUPT, *bad its offset, as
 * state built past it could miss a producer's batches and let a retry in
 * twice.
 */
static int
pids_replay(struct fl_part *p, uint64_t from, uint8_t *buf, int64_t now_ms, uint64_t *bad)
{
	struct fl_plog *l = &p->log;
	uint64_t off = from;

	while (off < l->log_end) {
		struct fl_plog_span sp;
		uint64_t pos, end, bpos = 0, expect;
		size_t have = 0;
		int first = 1;
		int rc = fl_plog_read(l, off, l->log_end, SCAN_CHUNK, &sp);

		if (rc != 0) {
			*bad = off;
			return rc;
		}
		pos = sp.pos;
		end = sp.pos + sp.len;
		expect = off;
		while (pos < end) {
			struct fl_batch_hdr h;
			uint64_t total;

			if (pos < bpos || pos + FL_BATCH_HDR_BYTES > bpos + have) {
				uint64_t want = end - pos;
				long long r;

				if (want > SCAN_CHUNK)
					want = SCAN_CHUNK;
				r = fl_vfs_pread(sp.file, buf, (size_t)want, pos);
				if (r < 0)
					return (int)r;
				bpos = pos;
				have = (size_t)r;
				if ((uint64_t)r < FL_BATCH_HDR_BYTES) {
					*bad = expect;
					return FL_ECORRUPT;
				}
			}
			fl_batch_hdr_parse(buf + (pos - bpos), FL_BATCH_HDR_BYTES, &h);
			total = fl_batch_size(&h);
			if (h.base_offset < 0 || h.magic != 2 || h.length < 49 ||
			    total > end - pos || (first ? (uint64_t)h.base_offset > expect :
			    (uint64_t)h.base_offset != expect)) {
				*bad = expect;
				return FL_ECORRUPT;
			}
			if (pos + total > bpos + have && total <= SCAN_CHUNK) {
				/* the whole batch into the buffer, for its CRC */
				long long r = fl_vfs_pread(sp.file, buf, (size_t)total, pos);

				if (r < 0)
					return (int)r;
				bpos = pos;
				have = (size_t)r;
			}
			if (pos + total <= bpos + have &&
			    fl_batch_check(buf + (pos - bpos), (size_t)total, 0, NULL, NULL) != 0) {
				*bad = (uint64_t)h.base_offset;
				return FL_ECORRUPT;
			}
			first = 0;
			expect = (uint64_t)fl_batch_last_offset(&h) + 1;
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
			pos += total;
		}
		off = sp.next_offset;
	}
	return 0;
}

/*
 * The producers' state: the snapshot, then the log replayed past it.  0;
 * FL_ECORRUPT (and *bad) when the replay met a damaged batch, which the
 * caller refuses; other trouble is noted in why and the state rebuilt as
 * far as it went.
 */
static int
pids_load(struct fl_part *p, int64_t now_ms, char *why, size_t why_len, uint64_t *bad)
{
	const char *dir = fl_part_dir(p);
	uint8_t *data, *buf;
	size_t len;
	int64_t upto = 0;
	uint64_t from = p->log.log_start;
	int rc;

	rc = fl_durable_read(p->log.vfs, dir, FL_PART_PRODUCERS_FILE, &data, &len);
	if (rc == 0) {
		rc = fl_pidstate_decode(&p->pids, data, len, &upto);
		free(data);
		if (rc == 0 && (uint64_t)upto > p->log.log_end) {
			/* the log lost a tail the snapshot had seen */
			note(why, why_len, "the producers snapshot is past the log end", "");
			fl_pidstate_clear(&p->pids);
		} else if (rc == 0 && (uint64_t)upto > from) {
			from = (uint64_t)upto;
		} else if (rc != 0) {
			note(why, why_len, FL_PART_PRODUCERS_FILE, fl_strerror(rc));
			fl_pidstate_clear(&p->pids);
		}
	} else if (rc != FL_ENOENT) {
		note(why, why_len, FL_PART_PRODUCERS_FILE,
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	}
	buf = malloc(SCAN_CHUNK);
	rc = buf == NULL ? FL_ENOMEM : pids_replay(p, from, buf, now_ms, bad);
	free(buf);
	if (rc == FL_ECORRUPT)
		return rc;
	if (rc != 0 && why != NULL && why_len > 0)
		snprintf(why, why_len, "producer state replay stopped: %s",
		    rc == FL_ESYS ? strerror(errno) : fl_strerror(rc));
	p->pids_changed = from < p->log.log_end;
	return 0;
}

int
fl_part_open(struct fl_part *p, struct fl_vfs *vfs, const char *dir,
    const struct fl_part_config *cfg, int64_t now_ms,
    struct fl_plog_recovery *rec, char *snap_note, size_t snap_note_len,
    struct fl_err *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	if (snap_note != NULL && snap_note_len > 0)
		snap_note[0] = '\0';
	p->cfg = *cfg;
	rc = fl_plog_open(&p->log, vfs, dir, &cfg->plog, FL_PLOG_CREATE, now_ms, rec, err);
	if (rc != 0)
		return rc;
	fl_pidstate_init(&p->pids, cfg->producers_max);
	p->is_open = 1;
	/*
	 * The HW: a replicated partition keeps it in its `hw` checkpoint (its
	 * durable records above it may be a deposed leader's, never
	 * acknowledged); one that never had a checkpoint was replicated to
	 * nobody, and its durable end is its HW.
	 */
	{
		uint64_t hw;
		struct fl_err herr;

		rc = fl_plog_hw_load(&p->log, &hw, &herr);
		/* a damaged checkpoint: nothing is known committed (the
		 * leader's followers will say) */
		p->hw = rc == 0 || rc == 1 ? hw : rc == FL_ENOENT ? p->log.synced_end :
		    p->log.log_start;
		if (p->hw > p->log.synced_end)
			p->hw = p->log.synced_end;
		p->has_hw_file = rc == 0 || rc == 1;
	}
	p->leader_epoch = fl_plog_last_epoch(&p->log);
	if (p->leader_epoch < 0)
		p->leader_epoch = 0;
	/* a partition replicated to nobody: this node leads it */
	p->role = FL_ROLE_LEADER;
	p->leader_id = cfg->node_id;
	(void)fl_nodeset_add(&p->replicas, cfg->node_id);
	p->isr = p->replicas;
	rc = fl_leader_init(&p->lead, cfg->node_id, p->leader_epoch, &p->replicas, &p->isr,
	    p->log.log_end, p->log.synced_end, p->hw, cfg->min_insync > 1 ? cfg->min_insync : 1,
	    cfg->replica_lag_max_ms, 0);
	FL_ASSERT(rc == 0);
	{
		uint64_t bad = 0;

		if (pids_load(p, now_ms, snap_note, snap_note_len, &bad) == FL_ECORRUPT) {
			rc = fl_err_set(err, FL_ECORRUPT, "%s: damaged at offset %" PRIu64 " (a batch "
			    "fails its check while the producers' state is rebuilt); run flume-seg "
			    "repair", dir, bad);
			fl_pidstate_free(&p->pids);
			fl_plog_close(&p->log);
			p->is_open = 0;
			return rc;
		}
	}
	return 0;
}

int
fl_part_close(struct fl_part *p)
{
	int rc;

	if (!p->is_open)
		return 0;
	rc = fl_plog_sync(&p->log);
	if (rc == 0 && (p->has_hw_file || p->replicas.n > 1))
		rc = fl_plog_hw_store(&p->log, p->hw);
	fl_plog_close(&p->log);
	fl_pidstate_free(&p->pids);
	p->is_open = 0;
	return rc;
}

/* ---- produce ---- */

int16_t
fl_part_produce(struct fl_part *p, int64_t now_ms, uint8_t *batch, size_t n,
    int16_t api_version, struct fl_part_produce_res *res)
{
	struct fl_batch_hdr h;
	struct fl_pid_batch dup;
	uint64_t total, base;
	int64_t max_ts;
	int32_t last_seq = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (batch == NULL)
		return FL_KERR_INVALID_RECORD;
	rc = fl_batch_peek_size(batch, n, &total);
	if (rc != 0 || total > n)
		return FL_KERR_CORRUPT_MESSAGE;
	if (total < n)
		return FL_KERR_INVALID_RECORD;	/* more than one batch, or junk */
	/* before decompressing, as Kafka checks them first: size, and zstd below v7 */
	if (n > p->cfg.message_bytes_max)
		return FL_KERR_MESSAGE_TOO_LARGE;
	if ((fl_load_be16(batch + FL_BATCH_OFF_ATTRIBUTES) & FL_BATCH_ATTR_COMPRESSION) ==
	    FL_CODEC_ZSTD && api_version < 7)
		return FL_KERR_UNSUPPORTED_COMPRESSION_TYPE;
	/* Kafka's LogValidator: every record, compressed ones too */
	rc = fl_batch_validate(batch, n, FL_BATCH_CHECK_RECORDS | FL_BATCH_CHECK_COMPRESSED,
	    &h, &max_ts, &res->why);
	if (rc != 0)
		return fl_kp_batch_error(rc);
	if (h.base_offset != 0 || (h.attributes & FL_BATCH_ATTR_CONTROL))
		return FL_KERR_INVALID_RECORD;
	if (h.attributes & FL_BATCH_ATTR_TRANSACTIONAL)
		return FL_KERR_INVALID_TXN_STATE;
	if (h.producer_id >= 0) {
		if (h.base_seq < 0)
			return FL_KERR_INVALID_RECORD;
		last_seq = fl_pidstate_last_seq(h.base_seq, h.last_offset_delta);
		switch (fl_pidstate_check(&p->pids, h.producer_id, h.producer_epoch,
		    h.base_seq, last_seq, &dup)) {
		case FL_PID_APPEND:
			break;
		case FL_PID_DUPLICATE:
			/* a retry of a stored batch: its offset, stored once */
			res->is_duplicate = 1;
			res->base_offset = (uint64_t)dup.first_offset;
			res->log_start = p->log.log_start;
			return FL_KERR_NONE;
		case FL_PID_OUT_OF_ORDER:
			return FL_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
		case FL_PID_FENCED:
			return FL_KERR_INVALID_PRODUCER_EPOCH;
		}
	}
	/*
	 * CreateTime: MaxTimestamp is the records' largest timestamp, whatever
	 * the producer wrote (sarama writes -1), as Kafka stores it; the time
	 * index and ListOffsets by time read it.  Usually right: no rewrite.
	 * A batch flagged LogAppendTime keeps its header.
	 */
	if (max_ts != h.max_ts && !(h.attributes & FL_BATCH_ATTR_LOG_APPEND_TIME)) {
		fl_batch_set_max_ts(batch, n, max_ts);
		h.max_ts = max_ts;
	}
	rc = fl_plog_append(&p->log, batch, n, FL_PLOG_APPEND_ASSIGN, p->leader_epoch,
	    now_ms, &base);
	if (rc != 0) {
		res->cause = rc;
		return FL_KERR_KAFKA_STORAGE_ERROR;
	}
	if (h.producer_id >= 0) {
		struct fl_pid_batch pb = {
			.first_seq = h.base_seq, .last_seq = last_seq,
			.first_offset = (int64_t)base,
			.last_offset = (int64_t)base + h.last_offset_delta,
			.max_ts = h.max_ts,
		};

		/* out of memory only forgets this producer's history: a retry
		 * of this batch would then be stored twice, never lost */
		(void)fl_pidstate_update(&p->pids, h.producer_id, h.producer_epoch,
		    &pb, now_ms);
		p->pids_changed = 1;
	}
	fl_leader_appended(&p->lead, 0, p->log.log_end);
	res->base_offset = base;
	res->log_start = p->log.log_start;
	res->appended_bytes = n;
	return FL_KERR_NONE;
}

int
fl_part_append_own(struct fl_part *p, int64_t now_ms, uint8_t *batch, size_t n,
    uint64_t *base_offset)
{
	int rc;

	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_EINVAL;
	rc = fl_plog_append(&p->log, batch, n, FL_PLOG_APPEND_ASSIGN, p->leader_epoch,
	    now_ms, base_offset);
	if (rc == 0)
		fl_leader_appended(&p->lead, 0, p->log.log_end);
	return rc;
}

void
fl_part_durable(struct fl_part *p, int64_t now_ms, uint64_t end)
{
	fl_plog_mark_synced(&p->log, end);
	if (p->role == FL_ROLE_LEADER) {
		fl_leader_durable(&p->lead, now_ms, p->log.synced_end);
		if (p->lead.hw > p->hw)
			p->hw = p->lead.hw;
	}
}

void
fl_part_config_apply(struct fl_part_config *cfg, const struct fl_topic_conf *tc)
{
	if (tc->set & FL_TCONF_MIN_INSYNC)
		cfg->min_insync = tc->min_insync;
	if (tc->set & FL_TCONF_LAG_MAX_MS)
		cfg->replica_lag_max_ms = tc->lag_max_ms;
	if (tc->set & FL_TCONF_RETENTION_MS)
		cfg->plog.retention_ms = tc->retention_ms;
	if (tc->set & FL_TCONF_RETENTION_BYTES)
		cfg->plog.retention_bytes = tc->retention_bytes;
}

void
fl_part_retune(struct fl_part *p, const struct fl_part_config *cfg)
{
	p->cfg.min_insync = cfg->min_insync;
	p->cfg.replica_lag_max_ms = cfg->replica_lag_max_ms;
	p->cfg.plog.retention_ms = cfg->plog.retention_ms;
	p->cfg.plog.retention_bytes = cfg->plog.retention_bytes;
	if (p->is_open) {
		p->log.cfg.retention_ms = cfg->plog.retention_ms;
		p->log.cfg.retention_bytes = cfg->plog.retention_bytes;
	}
	p->lead.min_insync = cfg->min_insync > 1 ? cfg->min_insync : 1;
	p->lead.lag_max_ms = cfg->replica_lag_max_ms;
}

int16_t
fl_part_may_append_all(const struct fl_part *p)
{
	if (p->role != FL_ROLE_LEADER)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	return fl_leader_may_append(&p->lead);
}

int16_t
fl_part_check_epoch(const struct fl_part *p, int32_t current_epoch)
{
	if (current_epoch < 0)
		return 0;
	if (current_epoch < p->leader_epoch)
		return FL_KERR_FENCED_LEADER_EPOCH;
	if (current_epoch > p->leader_epoch)
		return FL_KERR_UNKNOWN_LEADER_EPOCH;
	return 0;
}

/* ---- reads ---- */

int16_t
fl_part_read(struct fl_part *p, int64_t offset, uint64_t max_bytes,
    enum fl_part_reader who, struct fl_plog_span *span, int *cause)
{
	uint64_t limit = who == FL_PART_REPLICA ? p->log.log_end : p->hw;
	int rc;

	memset(span, 0, sizeof(*span));
	*cause = 0;
	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (offset < 0 || (uint64_t)offset < p->log.log_start ||
	    (uint64_t)offset > p->log.log_end)
		return FL_KERR_OFFSET_OUT_OF_RANGE;
	rc = fl_plog_read(&p->log, (uint64_t)offset, limit, max_bytes, span);
	if (rc == FL_ENOENT) {
		memset(span, 0, sizeof(*span));
		return FL_KERR_NONE;	/* at the high watermark: nothing yet */
	}
	if (rc == FL_ERANGE)
		return FL_KERR_OFFSET_OUT_OF_RANGE;
	if (rc != 0) {
		*cause = rc;
		memset(span, 0, sizeof(*span));
		if (rc == FL_ECORRUPT) {
			if (!p->is_damaged || (uint64_t)offset < p->damaged_at)
				p->damaged_at = (uint64_t)offset;
			p->is_damaged = 1;
			if (p->replicas.n >= 2)
				(void)fl_part_step_down(p, FL_ROLE_OFFLINE, p->leader_epoch, -1, NULL);
		}
		return FL_KERR_KAFKA_STORAGE_ERROR;
	}
	return FL_KERR_NONE;
}

int16_t
fl_part_delete_records(struct fl_part *p, int64_t offset, int64_t *low_watermark, int *cause)
{
	size_t n;

	*low_watermark = -1;
	*cause = 0;
	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (offset == -1)
		offset = (int64_t)p->hw;
	if (offset < 0 || (uint64_t)offset > p->hw)
		return FL_KERR_OFFSET_OUT_OF_RANGE;
	*cause = fl_plog_start_at(&p->log, (uint64_t)offset, &n);
	*low_watermark = (int64_t)p->log.log_start;
	return *cause == 0 ? FL_KERR_NONE : FL_KERR_KAFKA_STORAGE_ERROR;
}

int16_t
fl_part_list_offset(struct fl_part *p, int64_t ts, int64_t *offset, int64_t *found_ts)
{
	int32_t epoch;

	return fl_part_list_offset_epoch(p, -1, ts, offset, found_ts, &epoch);
}

int16_t
fl_part_list_offset_epoch(struct fl_part *p, int32_t current_epoch, int64_t ts,
    int64_t *offset, int64_t *found_ts, int32_t *epoch)
{
	uint64_t off;
	int64_t found, epoch_start;
	int rc;

	*offset = -1;
	*found_ts = -1;
	*epoch = -1;
	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (current_epoch > p->leader_epoch)
		return FL_KERR_UNKNOWN_LEADER_EPOCH;
	if (current_epoch >= 0 && current_epoch < p->leader_epoch)
		return FL_KERR_FENCED_LEADER_EPOCH;
	/* a new leader whose HW has not reached its epoch's start yet (Kafka's
	 * Partition.fetchOffsetForTimestamp) */
	epoch_start = fl_plog_epoch_start(&p->log, p->leader_epoch);
	if (ts == -1) {
		if (epoch_start > (int64_t)p->hw)
			return FL_KERR_OFFSET_NOT_AVAILABLE;
		*offset = (int64_t)p->hw;
		*epoch = p->leader_epoch;
		return FL_KERR_NONE;
	}
	if (ts == -2 || ts == -4) {	/* earliest; earliest local: no tiers */
		*offset = (int64_t)p->log.log_start;
		*epoch = fl_plog_epoch_at(&p->log, p->log.log_start);
		return FL_KERR_NONE;
	}
	if (ts == -5)			/* latest tiered: none without tiers */
		return FL_KERR_NONE;
	if (ts < 0 && ts != -3)
		return FL_KERR_INVALID_REQUEST;
	rc = ts == -3 ? fl_plog_max_time(&p->log, &off, &found) :
	    fl_plog_offset_for_time(&p->log, ts, &off, &found);
	if (rc != 0)
		return FL_KERR_KAFKA_STORAGE_ERROR;
	if (off < p->log.log_start)
		off = p->log.log_start;	/* DeleteRecords moved it inside a batch */
	if (off < p->hw) {
		*offset = (int64_t)off;
		*found_ts = found;
		*epoch = fl_plog_epoch_at(&p->log, off);
	} else if (epoch_start > (int64_t)p->hw) {
		return FL_KERR_OFFSET_NOT_AVAILABLE;
	}
	return FL_KERR_NONE;
}

int16_t
fl_part_epoch_end(struct fl_part *p, int32_t current_epoch, int32_t epoch,
    int32_t *found_epoch, int64_t *end_offset)
{
	int32_t found = -1;
	int64_t end = -1;

	*found_epoch = -1;
	*end_offset = -1;
	if (p->role != FL_ROLE_LEADER || !p->is_open)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (current_epoch > p->leader_epoch)
		return FL_KERR_UNKNOWN_LEADER_EPOCH;
	if (current_epoch >= 0 && current_epoch < p->leader_epoch)
		return FL_KERR_FENCED_LEADER_EPOCH;
	if (epoch > p->leader_epoch)
		return FL_KERR_NONE;	/* UNDEFINED: -1 / -1 */
	if (fl_plog_epoch_end(&p->log, epoch, &found, &end) == 0 && found >= 0) {
		*found_epoch = found;
		*end_offset = end;
	} else if (fl_plog_last_epoch(&p->log) < 0) {
		/* nothing written yet: the current epoch ends at the log end */
		*found_epoch = p->leader_epoch;
		*end_offset = (int64_t)p->log.log_end;
	}
	return FL_KERR_NONE;
}

/* ---- housekeeping ---- */

int
fl_part_snapshot(struct fl_part *p, int only_if_changed)
{
	struct fl_wr w;
	int rc;

	if (!p->is_open || (only_if_changed && !p->pids_changed))
		return 0;
	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_pidstate_encode(&p->pids, (int64_t)p->log.log_end, &w);
	if (rc == 0)
		rc = fl_durable_write(p->log.vfs, fl_part_dir(p), FL_PART_PRODUCERS_FILE,
		    w.p, w.len);
	if (rc == 0)
		p->pids_changed = 0;
	fl_wr_free(&w);
	return rc;
}

int
fl_part_housekeep(struct fl_part *p, int64_t now_ms, int keep_all,
    int64_t expire_before_ms, size_t *deleted)
{
	int rc = 0;

	*deleted = 0;
	if (!p->is_open)
		return 0;	/* its follower keeps it */
	if (!keep_all)
		rc = fl_plog_retain(&p->log, now_ms, deleted);
	if (fl_pidstate_expire(&p->pids, expire_before_ms) > 0)
		p->pids_changed = 1;
	return rc;
}

/* ---- fetch requests ---- */

void
fl_fetch_budget_init(struct fl_fetch_budget *b, int32_t max_bytes)
{
	b->left = max_bytes > 0 ? (uint64_t)max_bytes : 0;
	/* the frame's int32 size must hold the answer: a client asking for
	 * ~2 GiB gets 1 GiB and fetches again */
	if (b->left > (1u << 30))
		b->left = 1u << 30;
	b->total = 0;
}

uint64_t
fl_fetch_budget_next(const struct fl_fetch_budget *b, int32_t part_max_bytes, int *skip)
{
	uint64_t limit = part_max_bytes > 0 ? (uint64_t)part_max_bytes : 0;

	if (limit > b->left)
		limit = b->left;
	*skip = b->total > 0 && limit == 0;
	return limit;
}

int
fl_fetch_budget_take(struct fl_fetch_budget *b, uint64_t limit, uint64_t len)
{
	/* only the first data may exceed the limits (KIP-74) */
	if (b->total > 0 && len > limit)
		return 0;
	b->total += len;
	b->left = b->left > len ? b->left - len : 0;
	return 1;
}

int
fl_fetch_should_wait(int64_t now_ms, int64_t deadline_ms, uint64_t total,
    int32_t min_bytes, int32_t max_wait_ms, int any_error, int64_t *until_ms)
{
	*until_ms = 0;
	if (any_error || max_wait_ms <= 0 ||
	    total >= (uint64_t)(min_bytes > 0 ? min_bytes : 0))
		return 0;
	if (deadline_ms == 0)
		deadline_ms = now_ms + max_wait_ms;
	if (now_ms >= deadline_ms)
		return 0;
	*until_ms = deadline_ms;
	return 1;
}

/* ---- the follower side ---- */

int
fl_part_replica_check(const struct fl_part *p, const uint8_t *records, size_t n,
    size_t *len, uint64_t *next, struct fl_err *err)
{
	uint64_t expect = p->log.log_end;
	size_t pos = 0;

	while (n - pos >= FL_BATCH_LOG_OVERHEAD) {
		struct fl_batch_hdr h;
		struct fl_err why = { 0, "" };
		uint64_t total;
		int rc = fl_batch_peek_size(records + pos, n - pos, &total);

		if (rc == FL_ECORRUPT)
			return fl_err_set(err, rc, "batch at byte %zu (offset %" PRIu64 "): "
			    "impossible length %" PRId32, pos, expect,
			    (int32_t)fl_load_be32(records + pos + FL_BATCH_OFF_LENGTH));
		if (rc != 0 || total > n - pos)
			break;		/* a partial last batch: the leader's byte limit */
		rc = fl_batch_check(records + pos, (size_t)total, FL_BATCH_CHECK_RECORDS,
		    &h, &why);
		if (rc != 0)
			return fl_err_set(err, rc, "batch at byte %zu (offset %" PRIu64 "): %s",
			    pos, expect, why.msg[0] ? why.msg : fl_strerror(rc));
		if (h.base_offset < 0 || (uint64_t)h.base_offset != expect)
			return fl_err_set(err, FL_ERANGE, "batch at byte %zu is based at offset %"
			    PRId64 ", not at %" PRIu64 " (%s)", pos, h.base_offset, expect,
			    pos == 0 ? "the log end" : "the end of the batch before");
		if (expect > (uint64_t)INT64_MAX - (uint64_t)h.last_offset_delta - 1)
			return fl_err_set(err, FL_ERANGE, "batch at offset %" PRIu64 " ends past "
			    "the largest offset", expect);
		expect += (uint64_t)h.last_offset_delta + 1;
		pos += (size_t)total;
	}
	*len = pos;
	*next = expect;
	return 0;
}

int
fl_part_append_replica(struct fl_part *p, int64_t now_ms, const uint8_t *batch, size_t n)
{
	struct fl_batch_hdr h;
	int rc;

	if (batch == NULL)
		return FL_EPROTO;
	rc = fl_batch_check(batch, n, FL_BATCH_CHECK_RECORDS, &h, NULL);
	if (rc != 0)
		return rc;
	if (h.base_offset < 0 || (uint64_t)h.base_offset != p->log.log_end)
		return FL_ERANGE;
	/* KEEP mode only reads the batch: ASSIGN is the mode that stamps it */
	rc = fl_plog_append(&p->log, (uint8_t *)(uintptr_t)batch, n, FL_PLOG_APPEND_KEEP,
	    h.leader_epoch, now_ms, NULL);
	if (rc != 0)
		return rc;
	if (h.producer_id >= 0 && h.base_seq >= 0) {
		struct fl_pid_batch pb = {
			.first_seq = h.base_seq,
			.last_seq = fl_pidstate_last_seq(h.base_seq, h.last_offset_delta),
			.first_offset = h.base_offset,
			.last_offset = fl_batch_last_offset(&h),
			.max_ts = h.max_ts,
		};

		/* out of memory forgets this producer's history, as in produce */
		(void)fl_pidstate_update(&p->pids, h.producer_id, h.producer_epoch, &pb,
		    now_ms);
		p->pids_changed = 1;
	}
	return 0;
}

int
fl_part_truncate(struct fl_part *p, uint64_t offset)
{
	int rc = fl_plog_truncate(&p->log, offset);

	if (rc != 0)
		return rc;
	fl_pidstate_truncate(&p->pids, (int64_t)p->log.log_end);
	p->pids_changed = 1;
	if (p->hw > p->log.log_end)
		p->hw = p->log.log_end;
	return 0;
}

int
fl_part_reset(struct fl_part *p, uint64_t offset)
{
	int rc = fl_plog_reset(&p->log, offset);

	if (rc != 0)
		return rc;
	fl_pidstate_clear(&p->pids);
	p->hw = offset;
	p->pids_changed = 1;
	return fl_part_snapshot(p, 0);
}

void
fl_part_follower_log(const struct fl_part *p, struct fl_follower_log *out)
{
	out->log_start = p->log.log_start;
	out->log_end = p->log.log_end;
	out->durable_end = p->log.synced_end;
	out->last_epoch = fl_plog_last_epoch(&p->log);
}

int64_t
fl_part_local_epoch_end(struct fl_part *p, int32_t epoch)
{
	int32_t found = -1;
	int64_t end = -1;

	if (fl_plog_epoch_end(&p->log, epoch, &found, &end) != 0 || found < 0)
		return -1;
	return end;
}

/* ---- replica roles ---- */

static void
take_leader_hw(struct fl_part *p)
{
	if (p->lead.hw > p->hw)
		p->hw = p->lead.hw;
}

int
fl_part_lead(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr)
{
	struct fl_leader l;
	int rc;

	if (!p->is_open)
		return FL_EINVAL;
	if (epoch < p->leader_epoch)
		return FL_ERANGE;
	/* a leader starts from its durable end: what a crash could take back
	 * was never acknowledged, and must not count for the HW */
	rc = fl_leader_init(&l, p->cfg.node_id, epoch, replicas, isr, p->log.log_end,
	    p->log.synced_end, p->hw > p->log.synced_end ? p->log.synced_end : p->hw,
	    p->cfg.min_insync > 1 ? p->cfg.min_insync : 1, p->cfg.replica_lag_max_ms, now_ms);
	if (rc != 0)
		return rc;
	if ((rc = fl_plog_epoch_begin(&p->log, epoch)) != 0)
		return rc;
	p->lead = l;
	p->leader_epoch = epoch;
	p->role = FL_ROLE_LEADER;
	p->leader_id = p->cfg.node_id;
	p->replicas = *replicas;
	p->isr = *isr;
	take_leader_hw(p);
	return 0;
}

int
fl_part_lead_hw(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr, uint64_t ctl_hw)
{
	if (!p->is_open)
		return FL_EINVAL;
	if (epoch < p->leader_epoch)
		return FL_ERANGE;
	if (ctl_hw > p->hw)
		p->hw = ctl_hw < p->log.synced_end ? ctl_hw : p->log.synced_end;
	return fl_part_lead(p, now_ms, epoch, replicas, isr);
}

int
fl_part_step_down(struct fl_part *p, enum fl_role role, int32_t epoch, int32_t leader,
    const struct fl_nodeset *replicas)
{
	if (epoch < p->leader_epoch)
		return FL_ERANGE;
	if (role == FL_ROLE_LEADER)
		return FL_EINVAL;
	p->role = role;
	p->leader_epoch = epoch;
	p->leader_id = leader;		/* offline: where the leader is, for Metadata (-1: none) */
	if (replicas != NULL)
		p->replicas = *replicas;
	memset(&p->isr, 0, sizeof(p->isr));	/* only its leader knows the ISR */
	return 0;
}

int
fl_part_commit_isr(struct fl_part *p, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *isr)
{
	int rc;

	if (p->role != FL_ROLE_LEADER)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	rc = fl_leader_commit_isr(&p->lead, now_ms, epoch, isr);
	if (rc == 0) {
		p->isr = *isr;
		take_leader_hw(p);
	}
	return rc;
}

int
fl_part_told_isr(struct fl_part *p, int32_t epoch, const struct fl_nodeset *isr)
{
	size_t i;

	FL_ASSERT(p->role != FL_ROLE_LEADER);
	if (epoch < p->leader_epoch)
		return FL_ERANGE;
	if (epoch > p->leader_epoch)
		return FL_EBUSY;
	for (i = 0; i < isr->n; i++)
		if (!fl_nodeset_has(&p->replicas, isr->id[i]))
			return FL_EINVAL;
	p->isr = *isr;
	return 0;
}

void
fl_part_status(const struct fl_part *p, const char *topic, int32_t idx,
    struct fl_bstatus_part *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->topic, sizeof(out->topic), "%s", topic);
	out->partition = idx;
	out->log_start = p->is_open ? p->log.log_start : 0;
	out->log_end = fl_part_log_end(p);
	if (p->is_damaged && p->damaged_at < out->log_end)
		out->log_end = p->damaged_at;	/* what this copy can serve whole */
	out->hw = p->hw;
	out->role = p->role;
	out->epoch = p->leader_epoch;
	out->leader = p->leader_id;
	out->isr = p->isr;
	if (p->role == FL_ROLE_LEADER)
		out->proposed = p->lead.proposed;
}

int16_t
fl_part_replica_fetch(struct fl_part *p, int64_t now_ms, int32_t replica,
    int32_t current_epoch, int64_t fetch_offset)
{
	int16_t err;

	if (p->role != FL_ROLE_LEADER)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	err = fl_leader_fetch(&p->lead, now_ms, replica, current_epoch, fetch_offset);
	if (err == 0)
		take_leader_hw(p);
	return err;
}

int
fl_part_restore(struct fl_part *p, int64_t now_ms, const struct fl_cmeta_part *e,
    enum fl_part_restore_mode mode)
{
	enum fl_role role = e->role;
	int in_cluster = mode != FL_PART_ALONE;
	int rc;

	if (in_cluster && !p->has_hw_file && e->replicas.n > 1 && p->hw > p->log.log_start)
		p->hw = p->log.log_start;
	if (in_cluster && e->epoch < p->leader_epoch) {
		rc = fl_part_step_down(p, FL_ROLE_OFFLINE, p->leader_epoch, -1, &e->replicas);
		return rc == 0 ? 1 : rc;
	}
	if ((role == FL_ROLE_LEADER && in_cluster) ||
	    (role == FL_ROLE_FOLLOWER && mode == FL_PART_BY_CONTROLLER))
		role = FL_ROLE_OFFLINE;
	if (role == FL_ROLE_LEADER)
		return fl_part_lead(p, now_ms, e->epoch, &e->replicas, &e->isr) == 0 ? 0 : FL_ERANGE;
	rc = fl_part_step_down(p, role, e->epoch, e->role == FL_ROLE_LEADER ? -1 : e->leader,
	    &e->replicas);
	if (rc == 0)
		p->isr = e->isr;
	return rc;
}

void
fl_part_created_in_cluster(struct fl_part *p)
{
	(void)fl_part_step_down(p, FL_ROLE_OFFLINE, p->leader_epoch, -1, NULL);
	memset(&p->replicas, 0, sizeof(p->replicas));
}

int
fl_part_tick(struct fl_part *p, int64_t now_ms)
{
	int out = FL_PART_TICK_PROPOSED;

	if (p->role != FL_ROLE_LEADER || p->lead.nf == 0)
		return 0;
	if (now_ms >= fl_leader_next_wake(&p->lead))
		fl_leader_tick(&p->lead, now_ms);
	if (!fl_leader_take_proposal_change(&p->lead))
		return 0;
	if (p->lead.hw > p->hw) {
		p->hw = p->lead.hw;
		out |= FL_PART_TICK_HW_MOVED;
	}
	return out;
}

int
fl_part_replica_sync(struct fl_part *p)
{
#ifdef FL_PLANT_NO_FOLLOWER_FSYNC
	/* PLANTED BUG (flume-sim(1)): a follower says it has what it only
	 * wrote to the page cache */
	int rc = fl_plog_flush(&p->log);

	if (rc == 0)
		fl_plog_mark_synced(&p->log, p->log.log_end);
	return rc;
#else
	return fl_plog_sync(&p->log);
#endif
}

int
fl_part_ack_settle(const struct fl_part *p, int32_t epoch, uint64_t end, int64_t now_ms,
    int64_t deadline_ms, int16_t *error)
{
	*error = 0;
	if (p == NULL || p->role != FL_ROLE_LEADER || p->leader_epoch != epoch) {
		*error = FL_KERR_NOT_LEADER_OR_FOLLOWER;
		return 1;
	}
	if (fl_leader_ack_ready(&p->lead, end, error))
		return 1;
	if (now_ms >= deadline_ms) {
		*error = FL_KERR_REQUEST_TIMED_OUT;
		return 1;
	}
	return 0;
}

int
fl_part_record(struct fl_cmeta *m, const char *topic, int32_t idx, const struct fl_part *p)
{
	struct fl_cmeta_part e;

	memset(&e, 0, sizeof(e));
	snprintf(e.topic, sizeof(e.topic), "%s", topic);
	e.partition = idx;
	e.epoch = p->leader_epoch;
	e.role = p->role;
	e.leader = p->leader_id;
	e.replicas = p->replicas;
	e.isr = p->isr;
	return fl_cmeta_put(m, &e);
}

int
fl_part_checkpoint_hw(struct fl_part *p)
{
	int rc;

	if (!p->is_open || p->role != FL_ROLE_LEADER || p->replicas.n < 2 ||
	    (p->has_hw_file && p->hw == p->hw_stored))
		return 0;
	rc = fl_plog_hw_store(&p->log, p->hw);
	if (rc == 0) {
		p->hw_stored = p->hw;
		p->has_hw_file = 1;
	}
	return rc;
}
