/*
 * plog.c: the partition log.  How it works:
 *
 * Every segment keeps its whole .index and .timeindex in memory (8 and 12
 * bytes per index_interval_bytes of log, about 0.2% of the data) and
 * appends new entries to the files as they are made.  Index files are never
 * trusted blindly: an entry must point inside the log at a batch whose base
 * offset matches, or the segment's index is rebuilt from the log.  Only the
 * .log bytes carry durability promises; the indexes can always be rebuilt.
 *
 * Recovery on open scans the last segment from its last index entry, which
 * bounds start-up work by the index interval, not the segment size.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "codec/batch.h"
#include "store/plog.h"

#define EPOCH_FILE "leader-epoch-checkpoint"
#define HW_FILE "hw"
#define LOG_START_FILE "log-start"
#define PATH_BYTES_MAX 4096
#define SCAN_CHUNK (1u << 20)	/* read-ahead of fl_seg_scan */
#define HDR_CHUNK (8u << 10)	/* read-ahead when walking batch headers (page-bounded) */

/* The reason behind an error code: errno's text after FL_ESYS. */
static const char *
why(int rc)
{
	return rc == FL_ESYS ? strerror(errno) : fl_strerror(rc);
}

void
fl_plog_config_default(struct fl_plog_config *cfg)
{
	cfg->segment_bytes = 1ull << 30;
	cfg->segment_ms = 7ll * 24 * 3600 * 1000;
	cfg->index_interval_bytes = 4096;
	cfg->retention_bytes = -1;
	cfg->retention_ms = 7ll * 24 * 3600 * 1000;
	cfg->write_buffer_bytes = 0;
}


static void start_set(struct fl_plog *l);
static int start_load(struct fl_plog *l, struct fl_err *err);

/* ---- the write buffer ---- */

int
fl_plog_flush(struct fl_plog *l)
{
	struct fl_plog_seg *s;
	int rc;

	if (l->wlen == 0)
		return 0;
	s = &l->segs[l->nseg - 1];
	rc = fl_vfs_pwrite(s->log, l->wbuf, l->wlen, l->wpos);
	if (rc != 0) {
		/* leave no partial batch behind for a reader to trip on */
		(void)fl_vfs_truncate(s->log, l->wpos);
		return rc;
	}
	l->wlen = 0;
	l->flushed_end = l->log_end;
	return 0;
}

int
fl_plog_seg_path(char *buf, size_t n, const char *dir, uint64_t base, const char *ext)
{
	int r = snprintf(buf, n, "%s/%020" PRIu64 "%s", dir, base, ext);

	return r < 0 || (size_t)r >= n ? FL_ERANGE : 0;
}

int
fl_plog_parse_name(const char *name, uint64_t *base, const char **ext)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < FL_PLOG_NAME_DIGITS; i++) {
		unsigned d;

		if (name[i] < '0' || name[i] > '9')
			return FL_EINVAL;
		d = (unsigned)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return FL_EINVAL;
		v = v * 10 + d;
	}
	if (name[i] != '.')
		return FL_EINVAL;
	*base = v;
	*ext = name + i;
	return 0;
}

/* ---- in-memory index ---- */

static int
arr_push(uint8_t **arr, size_t *n, size_t *cap, const uint8_t *ent, size_t w)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		uint8_t *p = realloc(*arr, ncap * w);

		if (p == NULL)
			return FL_ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	memcpy(*arr + *n * w, ent, w);
	(*n)++;
	return 0;
}

static uint32_t idx_rel(const struct fl_plog_seg *s, size_t i) { return fl_load_be32(s->idx + i * 8); }
static uint32_t idx_pos(const struct fl_plog_seg *s, size_t i) { return fl_load_be32(s->idx + i * 8 + 4); }
static int64_t tidx_ts(const struct fl_plog_seg *s, size_t i) { return (int64_t)fl_load_be64(s->tidx + i * 12); }
static uint32_t tidx_rel(const struct fl_plog_seg *s, size_t i) { return fl_load_be32(s->tidx + i * 12 + 8); }

/*
 * Add an index + time index entry for the batch at pos, in memory; the
 * files get new entries in one write each at the next seg_flush (sync,
 * roll, close), not one syscall per entry on the append path.
 */
static int
seg_add_entry(struct fl_plog_seg *s, uint64_t pos, uint64_t base_offset)
{
	uint8_t e[8], t[12];
	int rc;

	fl_store_be32(e, (uint32_t)(base_offset - s->base));
	fl_store_be32(e + 4, (uint32_t)pos);
	fl_store_be64(t, (uint64_t)s->max_ts);
	fl_store_be32(t + 8, (uint32_t)(base_offset - s->base));
	if ((rc = arr_push(&s->idx, &s->nidx, &s->idx_cap, e, 8)) != 0 ||
	    (rc = arr_push(&s->tidx, &s->ntidx, &s->tidx_cap, t, 12)) != 0)
		return rc;
	s->last_indexed_pos = pos;
	return 0;
}

/* Write the index entries made since the last flush. */
static int
seg_flush(struct fl_plog_seg *s)
{
	int rc;

	if (s->index == NULL)
		return 0;	/* read-only: indexes live in memory only */
	if (s->nidx > s->idx_flushed) {
		rc = fl_vfs_pwrite(s->index, s->idx + s->idx_flushed * 8,
		    (s->nidx - s->idx_flushed) * 8, s->idx_flushed * 8);
		if (rc != 0)
			return rc;
		s->idx_flushed = s->nidx;
	}
	if (s->ntidx > s->tidx_flushed) {
		rc = fl_vfs_pwrite(s->timeindex, s->tidx + s->tidx_flushed * 12,
		    (s->ntidx - s->tidx_flushed) * 12, s->tidx_flushed * 12);
		if (rc != 0)
			return rc;
		s->tidx_flushed = s->ntidx;
	}
	return 0;
}

/* Account for one batch written at pos: the one place that decides where
 * index entries go, shared by append, recovery and reindex. */
static int
seg_note_batch(struct fl_plog_seg *s, const struct fl_batch_hdr *h, uint64_t pos,
    uint64_t size, uint32_t interval)
{
	int rc = 0;

	if (h->max_ts > s->max_ts)
		s->max_ts = h->max_ts;
	if (pos > 0 && pos - s->last_indexed_pos >= interval)
		rc = seg_add_entry(s, pos, (uint64_t)h->base_offset);
	s->size = pos + size;
	s->next = (uint64_t)fl_batch_last_offset(h) + 1;
	s->last_base = (uint64_t)h->base_offset;
	return rc;
}

/* Write the whole in-memory index and time index over the files. */
static int
seg_write_indexes(struct fl_plog_seg *s)
{
	int rc;

	if ((rc = fl_vfs_truncate(s->index, 0)) != 0 ||
	    (rc = fl_vfs_truncate(s->timeindex, 0)) != 0)
		return rc;
	if (s->nidx > 0 && (rc = fl_vfs_pwrite(s->index, s->idx, s->nidx * 8, 0)) != 0)
		return rc;
	if (s->ntidx > 0 && (rc = fl_vfs_pwrite(s->timeindex, s->tidx, s->ntidx * 12, 0)) != 0)
		return rc;
	if ((rc = fl_vfs_sync(s->index)) != 0)
		return rc;
	s->idx_flushed = s->nidx;
	s->tidx_flushed = s->ntidx;
	return fl_vfs_sync(s->timeindex);
}

static void
seg_reset_index(struct fl_plog_seg *s)
{
	s->nidx = s->ntidx = 0;
	s->last_indexed_pos = 0;
	s->max_ts = -1;
	s->next = s->last_base = s->base;
}

static void
seg_free(struct fl_plog_seg *s)
{
	fl_vfs_close(s->log);
	fl_vfs_close(s->index);
	fl_vfs_close(s->timeindex);
	free(s->idx);
	free(s->tidx);
	memset(s, 0, sizeof(*s));
}

/* ---- scanning ---- */

int
fl_seg_scan(struct fl_file *log, struct fl_seg_scan *s, unsigned flags,
    fl_seg_scan_fn fn, void *arg)
{
	uint8_t *buf = NULL;
	size_t cap = 0, have = 0;	/* buf holds file bytes [bpos, bpos + have) */
	uint64_t bpos = s->start_pos, pos = s->start_pos;
	int rc = 0;

	s->good_end = pos;
	s->batches = s->records = 0;
	s->first_offset = s->next_offset = -1;
	s->max_ts = -1;
	s->min_epoch = INT32_MAX;
	s->max_epoch = -1;
	s->bad = 0;
	s->bad_offset = -1;
	s->why[0] = '\0';
	if ((rc = fl_vfs_size(log, &s->file_size)) != 0)
		return rc;
	if (pos > s->file_size) {
		s->bad = FL_ESHORT;
		snprintf(s->why, sizeof(s->why), "start position %" PRIu64
		    " is past the end of the file (%" PRIu64 " bytes)", pos, s->file_size);
		return 0;
	}

	while (pos < s->file_size) {
		uint64_t left = s->file_size - pos, total;
		struct fl_batch_hdr h;
		struct fl_err err = { 0, "" };
		size_t off;
		int crc;

		/* make sure the 12-byte prefix, then the whole batch, is in buf */
		if (left < FL_BATCH_LOG_OVERHEAD) {
			s->bad = FL_ESHORT;
			snprintf(s->why, sizeof(s->why), "torn batch: %" PRIu64
			    " bytes at the end, too few for a batch header", left);
			break;
		}
		if (pos + FL_BATCH_LOG_OVERHEAD > bpos + have ||
		    pos < bpos) {
			size_t want = (size_t)(left < SCAN_CHUNK ? left : SCAN_CHUNK);

			if (want > cap) {
				uint8_t *nb = realloc(buf, want);

				if (nb == NULL) {
					rc = FL_ENOMEM;
					break;
				}
				buf = nb;
				cap = want;
			}
			if ((rc = fl_vfs_pread_full(log, buf, want, pos)) != 0)
				break;
			bpos = pos;
			have = want;
		}
		off = (size_t)(pos - bpos);
		crc = fl_batch_peek_size(buf + off, have - off, &total);
		if (crc != 0) {
			s->bad = FL_ECORRUPT;
			s->bad_offset = (int64_t)fl_load_be64(buf + off);
			snprintf(s->why, sizeof(s->why), "batch length %" PRId32
			    " is impossible", (int32_t)fl_load_be32(buf + off + 8));
			break;
		}
		if (total > left) {
			s->bad = FL_ESHORT;
			s->bad_offset = (int64_t)fl_load_be64(buf + off);
			snprintf(s->why, sizeof(s->why), "torn batch: header says %"
			    PRIu64 " bytes, %" PRIu64 " remain in the file", total, left);
			break;
		}
		if (off + total > have) {
			/* reload so the whole batch sits in buf */
			size_t want = (size_t)(total > SCAN_CHUNK ? total : SCAN_CHUNK);

			if (want > left)
				want = (size_t)left;
			if (want > cap) {
				uint8_t *nb = realloc(buf, want);

				if (nb == NULL) {
					rc = FL_ENOMEM;
					break;
				}
				buf = nb;
				cap = want;
			}
			if ((rc = fl_vfs_pread_full(log, buf, want, pos)) != 0)
				break;
			bpos = pos;
			have = want;
			off = 0;
		}
		crc = fl_batch_check(buf + off, (size_t)total, flags, &h, &err);
		if (crc != 0) {
			s->bad = crc;
			s->bad_offset = h.base_offset;
			snprintf(s->why, sizeof(s->why), "%s", err.msg[0] ? err.msg :
			    fl_strerror(crc));
			break;
		}
		if (h.base_offset < 0 || h.last_offset_delta < 0 ||
		    h.base_offset > INT64_MAX - h.last_offset_delta - 1) {
			s->bad = FL_EPROTO;
			s->bad_offset = h.base_offset;
			snprintf(s->why, sizeof(s->why), "impossible base offset %"
			    PRId64, h.base_offset);
			break;
		}
		if (s->next_offset >= 0 ? h.base_offset != s->next_offset :
		    (s->expect_offset >= 0 && h.base_offset != s->expect_offset)) {
			s->bad = FL_EPROTO;
			s->bad_offset = h.base_offset;
			snprintf(s->why, sizeof(s->why), "offset %" PRId64
			    " where %" PRId64 " was expected", h.base_offset,
			    s->next_offset >= 0 ? s->next_offset : s->expect_offset);
			break;
		}
		if (fn != NULL && (rc = fn(arg, &h, buf + off, (size_t)total, pos)) != 0)
			break;
		if (s->first_offset < 0)
			s->first_offset = h.base_offset;
		s->next_offset = fl_batch_last_offset(&h) + 1;
		s->batches++;
		s->records += (uint64_t)h.count;
		if (h.max_ts > s->max_ts)
			s->max_ts = h.max_ts;
		if (h.leader_epoch < s->min_epoch)
			s->min_epoch = h.leader_epoch;
		if (h.leader_epoch > s->max_epoch)
			s->max_epoch = h.leader_epoch;
		pos += total;
		s->good_end = pos;
	}
	if (s->min_epoch == INT32_MAX)
		s->min_epoch = -1;
	free(buf);
	return rc;
}

struct note_arg {
	struct fl_plog_seg *seg;
	uint32_t interval;
	int rc;
};

static int
note_cb(void *arg, const struct fl_batch_hdr *h, const uint8_t *p, size_t n, uint64_t pos)
{
	struct note_arg *a = arg;

	(void)p;
	a->rc = seg_note_batch(a->seg, h, pos, n, a->interval);
	return a->rc;
}

/* Write a final time index entry for a segment that stops growing. */
static int
seg_seal(struct fl_plog_seg *s)
{
	uint8_t t[12];
	int rc;

	if (s->size == 0)
		return 0;
	fl_store_be64(t, (uint64_t)s->max_ts);
	fl_store_be32(t + 8, (uint32_t)(s->last_base - s->base));
	if ((rc = arr_push(&s->tidx, &s->ntidx, &s->tidx_cap, t, 12)) != 0)
		return rc;
	return seg_flush(s);
}

int
fl_seg_reindex(struct fl_vfs *vfs, const char *dir, uint64_t base,
    uint64_t log_end_pos, uint32_t interval, size_t *nidx, size_t *ntidx,
    struct fl_err *err)
{
	char path[PATH_BYTES_MAX];
	struct fl_plog_seg seg;
	struct fl_seg_scan sc;
	struct note_arg na;
	char **names = NULL;
	size_t nnames = 0, i;
	int is_sealed = 0, rc;

	memset(&seg, 0, sizeof(seg));
	seg.base = seg.next = seg.last_base = base;
	seg.max_ts = -1;
	if ((rc = fl_plog_seg_path(path, sizeof(path), dir, base, ".log")) != 0)
		return fl_err_set(err, rc, "%s: path too long", dir);
	if ((rc = fl_vfs_open(vfs, path, FL_VFS_RDONLY, &seg.log)) != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
	memset(&sc, 0, sizeof(sc));
	sc.expect_offset = (int64_t)base;
	na = (struct note_arg){ &seg, interval ? interval : 4096, 0 };
	rc = fl_seg_scan(seg.log, &sc, 0, note_cb, &na);
	if (rc == 0 && sc.good_end < log_end_pos) {
		rc = fl_err_set(err, FL_ECORRUPT, "%s: bad batch at byte %" PRIu64
		    " before the requested end %" PRIu64 ": %s", path, sc.good_end,
		    log_end_pos, sc.why);
		goto out;
	}
	if (rc != 0) {
		fl_err_set(err, rc, "%s: cannot read: %s", path, why(rc));
		goto out;
	}
	/* a segment with a later one beside it is sealed: one more time entry */
	if ((rc = fl_vfs_list(vfs, dir, &names, &nnames)) == 0) {
		for (i = 0; i < nnames; i++) {
			uint64_t b;
			const char *ext;

			if (fl_plog_parse_name(names[i], &b, &ext) == 0 &&
			    strcmp(ext, ".log") == 0 && b > base)
				is_sealed = 1;
		}
		fl_vfs_list_free(names, nnames);
	}
	if ((rc = fl_plog_seg_path(path, sizeof(path), dir, base, ".index")) != 0 ||
	    (rc = fl_vfs_open(vfs, path, FL_VFS_CREATE, &seg.index)) != 0) {
		fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
		goto out;
	}
	if ((rc = fl_plog_seg_path(path, sizeof(path), dir, base, ".timeindex")) != 0 ||
	    (rc = fl_vfs_open(vfs, path, FL_VFS_CREATE, &seg.timeindex)) != 0) {
		fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
		goto out;
	}
	rc = seg_write_indexes(&seg);
	if (rc == 0 && is_sealed)
		rc = seg_seal(&seg);
	if (rc == 0)
		rc = fl_vfs_sync(seg.timeindex);
	if (rc != 0)
		fl_err_set(err, rc, "%s/%020" PRIu64 ".index: cannot write: %s", dir,
		    base, why(rc));
	if (nidx)
		*nidx = seg.nidx;
	if (ntidx)
		*ntidx = seg.ntidx;
out:
	seg_free(&seg);
	return rc;
}

/* ---- directories and small files ---- */

static int
parent_of(char *buf, size_t n, const char *path)
{
	const char *s = strrchr(path, '/');
	size_t len;

	if (s == NULL)
		return snprintf(buf, n, ".") < 0 ? FL_ERANGE : 0;
	len = s == path ? 1 : (size_t)(s - path);
	if (len >= n)
		return FL_ERANGE;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

/* Write e[0..n) as the leader-epoch-checkpoint, durably. */
static int
epochs_store(struct fl_plog *l, const struct fl_epoch *e, size_t n)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_EPOCHS_TEXT_BYTES_MAX);
	rc = fl_epochs_encode(&w, e, n);
	if (rc == 0)
		rc = fl_durable_write(l->vfs, l->dir, EPOCH_FILE, w.p, w.len);
	fl_wr_free(&w);
	return rc;
}

static int
epochs_write(struct fl_plog *l)
{
	return epochs_store(l, l->epochs, l->nepoch);
}

/* Decode the checkpoint's content into l->epochs (owned, exactly sized). */
static int
epochs_parse(struct fl_plog *l, const uint8_t *p, size_t len)
{
	struct fl_epoch *e = malloc(FL_EPOCHS_MAX * sizeof(*e)), *shrunk;
	size_t n = 0;
	int rc;

	if (e == NULL)
		return FL_ENOMEM;
	rc = fl_epochs_decode(p, len, e, FL_EPOCHS_MAX, &n, NULL);
	if (rc != 0) {
		free(e);
		return rc;
	}
	shrunk = realloc(e, (n ? n : 1) * sizeof(*e));
	l->epochs = shrunk ? shrunk : e;
	l->nepoch = n;
	return 0;
}

/*
 * Add (epoch, start) to e[0..*n), which has room for one more entry.  A
 * last entry with the same start offset is replaced: that epoch wrote
 * nothing (an append that failed after its entry was stored), and Kafka
 * keeps start offsets strictly ascending the same way.  At FL_EPOCHS_MAX
 * the oldest entry goes: only recent epochs matter to followers.
 */
static void
epochs_add(struct fl_epoch *e, size_t *n, int32_t epoch, uint64_t start)
{
	if (*n > 0 && e[*n - 1].start_offset == start) {
		(*n)--;
	} else if (*n == FL_EPOCHS_MAX) {
		memmove(e, e + 1, (*n - 1) * sizeof(*e));
		(*n)--;
	}
	e[*n].epoch = epoch;
	e[*n].start_offset = start;
	(*n)++;
}

/* In memory only (rebuilds): grow l->epochs and add. */
static int
epochs_push(struct fl_plog *l, int32_t epoch, uint64_t start)
{
	struct fl_epoch *e = realloc(l->epochs, (l->nepoch + 1) * sizeof(*e));

	if (e == NULL)
		return FL_ENOMEM;
	l->epochs = e;
	epochs_add(l->epochs, &l->nepoch, epoch, start);
	return 0;
}

/*
 * Begin 'epoch' at 'start', durably: the checkpoint is written before l
 * changes, so a failed write leaves the list as it was.
 */
static int
epochs_begin(struct fl_plog *l, int32_t epoch, uint64_t start)
{
	struct fl_epoch *e = malloc((l->nepoch + 1) * sizeof(*e));
	size_t n = l->nepoch;
	int rc;

	if (e == NULL)
		return FL_ENOMEM;
	if (n > 0)
		memcpy(e, l->epochs, n * sizeof(*e));
	epochs_add(e, &n, epoch, start);
	if ((rc = epochs_store(l, e, n)) != 0) {
		free(e);
		return rc;
	}
	free(l->epochs);
	l->epochs = e;
	l->nepoch = n;
	return 0;
}

struct epoch_scan {
	struct fl_plog *l;
	int rc;
};

static int
epoch_scan_cb(void *arg, const struct fl_batch_hdr *h, const uint8_t *p, size_t n, uint64_t pos)
{
	struct epoch_scan *a = arg;

	(void)p; (void)n; (void)pos;
	if (h->leader_epoch >= 0 && h->leader_epoch > fl_plog_last_epoch(a->l))
		a->rc = epochs_push(a->l, h->leader_epoch, (uint64_t)h->base_offset);
	return a->rc;
}

/* Rebuild the epoch list from the batch headers of every segment. */
static int
epochs_rebuild(struct fl_plog *l)
{
	struct epoch_scan a = { l, 0 };
	size_t i;
	int rc = 0;

	free(l->epochs);
	l->epochs = NULL;
	l->nepoch = 0;
	for (i = 0; i < l->nseg && rc == 0; i++) {
		struct fl_seg_scan sc;

		memset(&sc, 0, sizeof(sc));
		sc.expect_offset = -1;
		rc = fl_seg_scan(l->segs[i].log, &sc, 0, epoch_scan_cb, &a);
		if (rc == 0)
			rc = a.rc;
	}
	return rc;
}

int32_t
fl_plog_last_epoch(const struct fl_plog *l)
{
	return l->nepoch ? l->epochs[l->nepoch - 1].epoch : -1;
}

int32_t
fl_plog_epoch_at(const struct fl_plog *l, uint64_t offset)
{
	size_t i = l->nepoch;

	while (i > 0 && l->epochs[i - 1].start_offset > offset)
		i--;
	return i > 0 ? l->epochs[i - 1].epoch : -1;
}

int64_t
fl_plog_epoch_start(const struct fl_plog *l, int32_t epoch)
{
	size_t i;

	for (i = 0; i < l->nepoch; i++)
		if (l->epochs[i].epoch == epoch)
			return (int64_t)l->epochs[i].start_offset;
	return -1;
}

/* Drop epochs that start at or after end; 1 if any went. */
static int
epochs_cut(struct fl_plog *l, uint64_t end)
{
	size_t n = l->nepoch;

	while (l->nepoch > 0 && l->epochs[l->nepoch - 1].start_offset >= end)
		l->nepoch--;
	return l->nepoch != n;
}

/* A forward reader of batch headers with a read-ahead buffer. */
struct hdr_walk {
	struct fl_file *f;
	uint64_t bpos, limit;
	size_t have;
	uint8_t buf[HDR_CHUNK];
};

/* The header of the batch at pos; FL_ESHORT at the limit, FL_ECORRUPT if impossible. */
static int
walk_hdr(struct hdr_walk *w, uint64_t pos, struct fl_batch_hdr *h)
{
	if (pos + FL_BATCH_HDR_BYTES > w->limit)
		return FL_ESHORT;
	if (pos < w->bpos || pos + FL_BATCH_HDR_BYTES > w->bpos + w->have) {
		uint64_t want = w->limit - pos;
		/* to the end of the page: a lookup mostly needs one header */
		uint64_t page_end = (pos + FL_BATCH_HDR_BYTES + 4095) & ~(uint64_t)4095;
		long long r;

		if (want > sizeof(w->buf))
			want = sizeof(w->buf);
		if (want > page_end - pos)
			want = page_end - pos;
		r = fl_vfs_pread(w->f, w->buf, (size_t)want, pos);
		if (r < 0)
			return (int)r;
		if ((uint64_t)r < FL_BATCH_HDR_BYTES)
			return FL_ESHORT;
		w->bpos = pos;
		w->have = (size_t)r;
	}
	fl_batch_hdr_parse(w->buf + (pos - w->bpos), FL_BATCH_HDR_BYTES, h);
	if (h->length < FL_BATCH_HDR_BYTES - FL_BATCH_LOG_OVERHEAD ||
	    fl_batch_size(h) > w->limit - pos || h->last_offset_delta < 0)
		return FL_ECORRUPT;
	return 0;
}

/* ---- open ---- */

static int
seg_open_files(struct fl_plog *l, struct fl_plog_seg *s, int create, struct fl_err *err)
{
	char path[PATH_BYTES_MAX];
	int ro = l->is_readonly;
	int flags = ro ? FL_VFS_RDONLY : (create ? FL_VFS_CREATE : 0);
	int rc;

	if ((rc = fl_plog_seg_path(path, sizeof(path), l->dir, s->base, ".log")) != 0)
		return fl_err_set(err, rc, "%s: path too long", l->dir);
	if ((rc = fl_vfs_open(l->vfs, path, flags, &s->log)) != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
	if ((rc = fl_vfs_size(s->log, &s->size)) != 0)
		return fl_err_set(err, rc, "%s: cannot stat: %s", path, why(rc));
	if (ro)
		return 0;	/* read-only opens keep indexes in memory only */
	fl_plog_seg_path(path, sizeof(path), l->dir, s->base, ".index");
	if ((rc = fl_vfs_open(l->vfs, path, FL_VFS_CREATE, &s->index)) != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
	fl_plog_seg_path(path, sizeof(path), l->dir, s->base, ".timeindex");
	if ((rc = fl_vfs_open(l->vfs, path, FL_VFS_CREATE, &s->timeindex)) != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, why(rc));
	return 0;
}

/* Read a whole index file into a fresh array; a missing file is empty. */
static int
load_file(struct fl_plog *l, struct fl_plog_seg *s, const char *ext, struct fl_file *f,
    size_t w, uint8_t **arr, size_t *n, size_t *cap)
{
	char path[PATH_BYTES_MAX];
	struct fl_file *tmp = NULL;
	uint64_t size;
	int rc;

	*n = 0;
	if (f == NULL) {
		fl_plog_seg_path(path, sizeof(path), l->dir, s->base, ext);
		rc = fl_vfs_open(l->vfs, path, FL_VFS_RDONLY, &tmp);
		if (rc == FL_ENOENT)
			return 0;
		if (rc != 0)
			return rc;
		f = tmp;
	}
	rc = fl_vfs_size(f, &size);
	if (rc == 0 && size > s->size + 1024 * 1024)	/* far more entries than data */
		size = 0;
	size -= size % w;	/* a torn last entry is dropped */
	if (rc == 0 && size > 0) {
		*arr = malloc((size_t)size);
		if (*arr == NULL)
			rc = FL_ENOMEM;
		else if ((rc = fl_vfs_pread_full(f, *arr, (size_t)size, 0)) == 0) {
			*n = (size_t)(size / w);
			*cap = *n;
		}
	}
	fl_vfs_close(tmp);
	return rc == FL_ESHORT ? 0 : rc;
}

/*
 * Keep the longest prefix of the loaded index that is consistent: relative
 * offsets and positions strictly increasing, positions inside the log,
 * offsets below limit_rel.  Time index entries pair with index entries.
 * Returns 1 if the files were fully consistent.
 */
static int
index_validate(struct fl_plog_seg *s, uint64_t limit_rel)
{
	size_t i, good = 0;
	int ok = 1;

	for (i = 0; i < s->nidx; i++) {
		if (idx_pos(s, i) == 0 || idx_pos(s, i) >= s->size ||
		    idx_rel(s, i) >= limit_rel ||
		    (i > 0 && (idx_rel(s, i) <= idx_rel(s, i - 1) ||
		    idx_pos(s, i) <= idx_pos(s, i - 1))))
			break;
		if (i >= s->ntidx || tidx_rel(s, i) != idx_rel(s, i) ||
		    (i > 0 && tidx_ts(s, i) < tidx_ts(s, i - 1)))
			break;
		good++;
	}
	if (good != s->nidx)
		ok = 0;
	s->nidx = good;
	if (s->ntidx > good) {
		/* a sealed segment's one extra, final entry may stay */
		if (s->ntidx == good + 1 && ok && tidx_rel(s, good) < limit_rel &&
		    (good == 0 || (tidx_rel(s, good) >= tidx_rel(s, good - 1) &&
		    tidx_ts(s, good) >= tidx_ts(s, good - 1))))
			;
		else {
			ok = ok && s->ntidx == good;
			s->ntidx = good;
		}
	}
	if (s->ntidx < good) {
		ok = 0;
		s->nidx = s->ntidx;
	}
	s->last_indexed_pos = s->nidx ? idx_pos(s, s->nidx - 1) : 0;
	s->max_ts = s->ntidx ? tidx_ts(s, s->ntidx - 1) : -1;
	/* entries past a damaged one stay in the file until it is rewritten */
	s->idx_flushed = s->nidx;
	s->tidx_flushed = s->ntidx;
	return ok;
}

/* Read the 61-byte header of the batch at pos; FL_ESHORT past the end. */
static int
read_hdr(struct fl_file *f, uint64_t pos, struct fl_batch_hdr *h)
{
	uint8_t b[FL_BATCH_HDR_BYTES];
	int rc = fl_vfs_pread_full(f, b, sizeof(b), pos);

	return rc ? rc : fl_batch_hdr_parse(b, sizeof(b), h);
}

/* Full rebuild of one segment's index from its log, up to its size. */
static int
seg_rebuild(struct fl_plog *l, struct fl_plog_seg *s, struct fl_seg_scan *sc)
{
	struct note_arg na = { s, l->cfg.index_interval_bytes, 0 };
	int rc;

	seg_reset_index(s);
	memset(sc, 0, sizeof(*sc));
	sc->expect_offset = (int64_t)s->base;
	rc = fl_seg_scan(s->log, sc, 0, note_cb, &na);
	s->size = sc->good_end;	/* the caller decides what a short scan means */
	return rc;
}

/* What an FL_PLOG_VERIFY scan of a segment found. */
struct verify {
	int32_t  last_epoch;		/* of the last good batch so far, across segments */
	int      is_bad;
	uint64_t pos;			/* where the first bad batch starts */
	uint64_t offset;		/* the offset it should have held */
	char     why[160];
};

#define VERIFY_STOP 0x7e51		/* verify_cb's stop; never an FL_E* code */

static int
verify_cb(void *arg, const struct fl_batch_hdr *h, const uint8_t *p, size_t n, uint64_t pos)
{
	struct verify *v = arg;

	(void)p; (void)n; (void)pos;
	if (h->leader_epoch < v->last_epoch) {
		snprintf(v->why, sizeof(v->why), "leader epoch %" PRId32 " after a batch "
		    "of epoch %" PRId32 ": epochs never decrease", h->leader_epoch,
		    v->last_epoch);
		return VERIFY_STOP;
	}
	v->last_epoch = h->leader_epoch;
	return 0;
}

/*
 * FL_PLOG_VERIFY: scan the whole log of a segment as flume-seg verify
 * does (lengths, CRCs, offsets from the base on, epochs never
 * decreasing) and describe the first bad batch in *v.  0 or an I/O error.
 */
static int
verify_seg(struct fl_plog_seg *s, struct verify *v)
{
	struct fl_seg_scan sc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.expect_offset = (int64_t)s->base;
	v->is_bad = 0;
	rc = fl_seg_scan(s->log, &sc, 0, verify_cb, v);
	if (rc == VERIFY_STOP) {
		rc = 0;
		v->is_bad = 1;
	} else if (rc == 0 && sc.good_end < sc.file_size) {
		v->is_bad = 1;
		snprintf(v->why, sizeof(v->why), "%s", sc.why);
	}
	if (v->is_bad) {
		v->pos = sc.good_end;
		v->offset = sc.next_offset >= 0 ? (uint64_t)sc.next_offset : s->base;
	}
	return rc;
}

static int
verify_refuse(struct fl_plog *l, struct fl_plog_seg *s, const struct verify *v,
    struct fl_err *err)
{
	return fl_err_set(err, FL_ECORRUPT, "%s/%020" PRIu64 ".log: damaged at byte %"
	    PRIu64 " (offset %" PRIu64 "): %s; run flume-seg repair", l->dir, s->base,
	    v->pos, v->offset, v->why);
}

/*
 * ver: with FL_PLOG_VERIFY, what its scan of this segment found (NULL
 * otherwise).  Damage before the point recovery cuts at is refused, not
 * served: recovery cuts a torn tail, never what lies before it.  Nor does
 * it cut below hw_floor, the stored hw: every record below it was durable
 * before the checkpoint was written, so a bad batch there is damage, not
 * a torn write, and cutting it would throw away committed records that
 * flume-seg repair can keep a copy of.
 */
static int hw_read(struct fl_plog *l, uint64_t *hw, struct fl_err *err);

static int
recover_last(struct fl_plog *l, struct fl_plog_seg *s, const struct verify *ver,
    uint64_t hw_floor, struct fl_plog_recovery *rec, struct fl_err *err)
{
	struct note_arg na = { s, l->cfg.index_interval_bytes, 0 };
	struct fl_seg_scan sc;
	uint64_t file_size = s->size;
	int consistent, rc;

	consistent = index_validate(s, UINT32_MAX) && s->ntidx == s->nidx;
	if (!consistent) {
		/* a sealed-looking or damaged index: start from scratch */
		seg_reset_index(s);
	}
	memset(&sc, 0, sizeof(sc));
	sc.start_pos = s->last_indexed_pos;
	sc.expect_offset = (int64_t)s->base + (s->nidx ? idx_rel(s, s->nidx - 1) : 0);
	if (s->nidx > 0) {
		/* the batch at the last entry is noted again by the scan */
		s->nidx--;
		s->ntidx--;
		s->last_indexed_pos = s->nidx ? idx_pos(s, s->nidx - 1) : 0;
		na.rc = 0;
	}
	rc = fl_seg_scan(s->log, &sc, 0, note_cb, &na);
	if (rc == 0 && sc.batches == 0 && sc.start_pos > 0 && sc.bad != 0) {
		/* the last index entry did not point at a good batch */
		consistent = 0;
		rc = seg_rebuild(l, s, &sc);
	}
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%020" PRIu64 ".log: cannot read: %s",
		    l->dir, s->base, why(rc));
	if (sc.batches == 0 && sc.start_pos == 0)
		s->next = s->last_base = s->base;
	if (ver != NULL && ver->is_bad && ver->pos < sc.good_end)
		return verify_refuse(l, s, ver, err);
	if (sc.good_end < file_size && !l->is_readonly && s->next < hw_floor)
		return fl_err_set(err, FL_ECORRUPT, "%s/%020" PRIu64 ".log: damaged at byte %"
		    PRIu64 " (offset %" PRIu64 "), below the stored high watermark %" PRIu64
		    ": %s; not a torn write, so nothing is cut; run flume-seg repair", l->dir,
		    s->base, sc.good_end, s->next, hw_floor, sc.why);
	s->size = sc.good_end;
	if (sc.good_end < file_size) {
		if (rec) {
			rec->cut_bytes = file_size - sc.good_end;
			rec->cut_pos = sc.good_end;
			rec->cut_segment = s->base;
			snprintf(rec->reason, sizeof(rec->reason), "%s", sc.why);
		}
		if (!l->is_readonly) {
			if ((rc = fl_vfs_truncate(s->log, sc.good_end)) != 0 ||
			    (rc = fl_vfs_sync(s->log)) != 0)
				return fl_err_set(err, rc, "%s/%020" PRIu64 ".log: cannot "
				    "cut the torn tail: %s", l->dir, s->base, why(rc));
		}
	}
	if (!consistent && rec)
		rec->index_rebuilt = 1;
	if (!l->is_readonly && (rc = seg_write_indexes(s)) != 0)
		return fl_err_set(err, rc, "%s/%020" PRIu64 ".index: cannot write: %s",
		    l->dir, s->base, why(rc));
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Walk the batch headers of a sealed segment from byte pos, where a batch
 * starting at offset 'expect' must be, to the end of its log: each length
 * inside the file, offsets contiguous.  Sets s->next and s->last_base.
 * 1 if the walk ends exactly at the end of the file, 0 if it does not
 * (the caller scans the segment to say where and why), or an I/O error.
 */
static int
walk_tail(struct fl_plog_seg *s, uint64_t pos, uint64_t expect)
{
	struct hdr_walk *w = malloc(sizeof(*w));
	struct fl_batch_hdr h;
	int rc = 1;

	if (w == NULL)
		return FL_ENOMEM;
	w->f = s->log;
	w->bpos = w->have = 0;
	w->limit = s->size;
	while (pos < s->size) {
		int hrc = walk_hdr(w, pos, &h);

		if (hrc == FL_ESYS || hrc == FL_ENOMEM) {
			rc = hrc;
			break;
		}
		if (hrc != 0 || (uint64_t)h.base_offset != expect ||
		    expect > (uint64_t)INT64_MAX - (uint64_t)h.last_offset_delta - 1) {
			rc = 0;
			break;
		}
		s->last_base = expect;
		s->next = expect = (uint64_t)fl_batch_last_offset(&h) + 1;
		pos += fl_batch_size(&h);
	}
	free(w);
	return rc;
}

/*
 * Open a sealed (not last) segment.  Its index is trusted only if it is
 * consistent, the first batch starts at the segment's base and the batch
 * headers from the last entry on reach exactly the end of the file (a few
 * reads, however big the segment): that also gives the offset it ends at,
 * which the caller checks against the next segment's name.  Otherwise the
 * whole log is scanned (lengths, CRCs, offsets): damage is FL_ECORRUPT,
 * never cut here, and a sound log gets its index rebuilt.
 */
static int
open_sealed(struct fl_plog *l, struct fl_plog_seg *s, struct fl_plog_recovery *rec,
    struct fl_err *err)
{
	struct fl_batch_hdr h;
	int ok, rc;

	ok = index_validate(s, UINT32_MAX) &&
	    (s->ntidx == s->nidx + 1 || (s->size == 0 && s->ntidx == 0));
	if (ok && s->size > 0) {
		rc = read_hdr(s->log, 0, &h);
		if (rc == FL_ESYS || rc == FL_ENOMEM)
			goto io;
		ok = rc == 0 && h.base_offset >= 0 && (uint64_t)h.base_offset == s->base;
		if (ok) {
			rc = walk_tail(s, s->nidx ? idx_pos(s, s->nidx - 1) : 0,
			    s->base + (s->nidx ? idx_rel(s, s->nidx - 1) : 0));
			if (rc < 0)
				goto io;
			ok = rc;
		}
	}
	if (!ok) {
		struct fl_seg_scan sc;
		uint64_t size = s->size;

		if ((rc = seg_rebuild(l, s, &sc)) != 0)
			goto io;
		if (sc.good_end < size)
			return fl_err_set(err, FL_ECORRUPT, "%s/%020" PRIu64 ".log: damaged at "
			    "byte %" PRIu64 " (offset %" PRIu64 "): %s; run flume-seg repair",
			    l->dir, s->base, sc.good_end, sc.next_offset >= 0 ?
			    (uint64_t)sc.next_offset : s->base, sc.why);
		if ((!l->is_readonly && (rc = seg_write_indexes(s)) != 0) ||
		    (rc = seg_seal(s)) != 0)
			return fl_err_set(err, rc, "%s/%020" PRIu64 ".index: cannot write: %s",
			    l->dir, s->base, why(rc));
		if (rec)
			rec->index_rebuilt = 1;
	}
	return 0;
io:
	return fl_err_set(err, rc, "%s/%020" PRIu64 ".log: cannot read: %s", l->dir,
	    s->base, why(rc));
}

int
fl_plog_open(struct fl_plog *l, struct fl_vfs *vfs, const char *dir,
    const struct fl_plog_config *cfg, unsigned flags, int64_t now_ms,
    struct fl_plog_recovery *rec, struct fl_err *err)
{
	char parent[PATH_BYTES_MAX];
	char **names = NULL;
	size_t nnames = 0, i, nbase = 0;
	uint64_t *bases = NULL;
	uint8_t *ep = NULL;
	size_t eplen;
	struct verify ver;
	uint64_t hw_floor = 0;
	int is_dir = 0, saved_errno, rc;

	memset(l, 0, sizeof(*l));
	memset(&ver, 0, sizeof(ver));
	ver.last_epoch = -1;
	if (rec)
		memset(rec, 0, sizeof(*rec));
	l->vfs = vfs;
	l->is_readonly = (flags & FL_PLOG_READONLY) != 0;
	if (cfg)
		l->cfg = *cfg;
	else
		fl_plog_config_default(&l->cfg);
	if (l->cfg.index_interval_bytes == 0)
		l->cfg.index_interval_bytes = 1;
	if (l->cfg.segment_bytes == 0 || l->cfg.segment_bytes > UINT32_MAX)
		l->cfg.segment_bytes = UINT32_MAX;
	if (strlen(dir) + 32 >= PATH_BYTES_MAX)
		return fl_err_set(err, FL_ERANGE, "%s: path too long", dir);
	l->dir = strdup(dir);
	if (l->dir == NULL)
		return fl_err_set(err, FL_ENOMEM, "%s: out of memory", dir);
	/* recovery never cuts below the stored hw (a missing or bad one: 0) */
	if (hw_read(l, &hw_floor, NULL) != 0)
		hw_floor = 0;

	rc = fl_vfs_stat(vfs, dir, &is_dir, NULL);
	if (rc == FL_ENOENT && (flags & FL_PLOG_CREATE) && !l->is_readonly) {
		if (flags & FL_PLOG_MKDIRS)
			rc = fl_vfs_mkdirs(vfs, dir);
		else if ((rc = fl_vfs_mkdir(vfs, dir)) == 0 &&
		    (rc = parent_of(parent, sizeof(parent), dir)) == 0)
			rc = fl_vfs_sync_dir(vfs, parent);
		if (rc != 0) {
			fl_err_set(err, rc, "%s: cannot create: %s", dir, why(rc));
			goto fail;
		}
		is_dir = 1;
	} else if (rc != 0) {
		fl_err_set(err, rc, "%s: %s", dir,
		    rc == FL_ENOENT ? "no such directory" : why(rc));
		goto fail;
	}
	if (!is_dir) {
		rc = fl_err_set(err, FL_EINVAL, "%s: not a directory", dir);
		goto fail;
	}

	if ((rc = fl_vfs_list(vfs, dir, &names, &nnames)) != 0) {
		fl_err_set(err, rc, "%s: cannot list: %s", dir, why(rc));
		goto fail;
	}
	bases = calloc(nnames + 1, sizeof(*bases));
	if (bases == NULL) {
		rc = fl_err_set(err, FL_ENOMEM, "%s: out of memory", dir);
		goto fail;
	}
	for (i = 0; i < nnames; i++) {
		uint64_t b;
		const char *ext;

		if (fl_plog_parse_name(names[i], &b, &ext) == 0 && strcmp(ext, ".log") == 0)
			bases[nbase++] = b;
	}
	qsort(bases, nbase, sizeof(*bases), cmp_u64);
	if (nbase == 0) {
		if (l->is_readonly || !(flags & FL_PLOG_CREATE)) {
			rc = fl_err_set(err, FL_ENOENT, "%s: not a partition "
			    "(no segment files)", dir);
			goto fail;
		}
		bases[nbase++] = 0;
	}
	l->segs = calloc(nbase, sizeof(*l->segs));
	if (l->segs == NULL) {
		rc = fl_err_set(err, FL_ENOMEM, "%s: out of memory", dir);
		goto fail;
	}
	l->seg_cap = nbase;
	for (i = 0; i < nbase; i++) {
		struct fl_plog_seg *s = &l->segs[i];
		int is_last = i + 1 == nbase;

		s->base = s->next = s->last_base = bases[i];
		s->max_ts = -1;
		s->created_ms = now_ms;
		l->nseg++;
		if ((rc = seg_open_files(l, s, is_last, err)) != 0)
			goto fail;
		if ((rc = load_file(l, s, ".index", s->index, 8, &s->idx, &s->nidx, &s->idx_cap)) != 0 ||
		    (rc = load_file(l, s, ".timeindex", s->timeindex, 12, &s->tidx, &s->ntidx, &s->tidx_cap)) != 0) {
			fl_err_set(err, rc, "%s/%020" PRIu64 ".index: cannot read: %s",
			    dir, s->base, why(rc));
			goto fail;
		}
		if ((flags & FL_PLOG_VERIFY) && (rc = verify_seg(s, &ver)) != 0) {
			fl_err_set(err, rc, "%s/%020" PRIu64 ".log: cannot read: %s", dir,
			    s->base, why(rc));
			goto fail;
		}
		if (!is_last) {
			if ((flags & FL_PLOG_VERIFY) && ver.is_bad) {
				rc = verify_refuse(l, s, &ver, err);
				goto fail;
			}
			if ((rc = open_sealed(l, s, rec, err)) != 0)
				goto fail;
			if (s->next != bases[i + 1]) {
				/* every Fetch reaching the gap would fail: refuse it now */
				rc = fl_err_set(err, FL_ECORRUPT, "%s/%020" PRIu64 ".log: starts at "
				    "offset %" PRIu64 " but the previous segment ends at %" PRIu64
				    "; run flume-seg repair", dir, bases[i + 1], bases[i + 1],
				    s->next);
				goto fail;
			}
		} else if ((rc = recover_last(l, s, (flags & FL_PLOG_VERIFY) ? &ver : NULL,
		    hw_floor, rec, err)) != 0) {
			goto fail;
		}
	}
	l->log_end = l->segs[l->nseg - 1].next;
	if ((rc = start_load(l, err)) != 0)
		goto fail;
	start_set(l);
	if (!l->is_readonly) {
		/*
		 * What recovery kept may sit only in the page cache (a killed
		 * process's unsynced appends survive it): make it durable
		 * before calling it so, or a later power cut could take back
		 * records that consumers read and producers had acknowledged
		 * as duplicates.  The directory too, for names never synced.
		 */
		rc = fl_vfs_sync(l->segs[l->nseg - 1].log);
		if (rc == 0)
			rc = fl_vfs_sync_dir(vfs, dir);
		if (rc != 0) {
			fl_err_set(err, rc, "%s: cannot sync the recovered log: %s", dir,
			    why(rc));
			goto fail;
		}
	}
	l->synced_end = l->flushed_end = l->log_end;

	rc = fl_durable_read(vfs, dir, EPOCH_FILE, &ep, &eplen);
	if (rc == 0)
		rc = epochs_parse(l, ep, eplen);
	free(ep);
	if (rc == FL_ENOENT || rc == FL_ECORRUPT) {
		if ((rc = epochs_rebuild(l)) == 0 && !l->is_readonly && l->nepoch > 0)
			rc = epochs_write(l);
	} else if (rc == 0 && epochs_cut(l, l->log_end) && !l->is_readonly) {
		rc = epochs_write(l);
	}
	if (rc != 0) {
		fl_err_set(err, rc, "%s/%s: cannot load: %s", dir, EPOCH_FILE, why(rc));
		goto fail;
	}
	fl_vfs_list_free(names, nnames);
	free(bases);
	return 0;
fail:
	saved_errno = errno;	/* the cause, after FL_ESYS: keep it for the caller */
	fl_vfs_list_free(names, nnames);
	free(bases);
	l->is_readonly = 1;	/* a failed open writes nothing more */
	fl_plog_close(l);
	errno = saved_errno;
	return rc;
}

void
fl_plog_close(struct fl_plog *l)
{
	size_t i;

	if (!l->is_readonly && l->nseg > 0)
		(void)fl_plog_flush(l);	/* appends never synced were never promised */
	for (i = 0; i < l->nseg; i++) {
		if (!l->is_readonly)
			(void)seg_flush(&l->segs[i]);	/* rebuildable: best effort */
		seg_free(&l->segs[i]);
	}
	free(l->wbuf);
	free(l->segs);
	free(l->dir);
	free(l->epochs);
	memset(l, 0, sizeof(*l));
}

/* ---- append ---- */

static int
plog_roll(struct fl_plog *l, int64_t now_ms)
{
	struct fl_plog_seg *old = &l->segs[l->nseg - 1], *s;
	struct fl_err err;
	int rc;

	/* seal the old segment: final time entry, everything durable */
	if ((rc = fl_plog_flush(l)) != 0 || (rc = seg_seal(old)) != 0 ||
	    (rc = fl_vfs_sync(old->log)) != 0 ||
	    (rc = fl_vfs_sync(old->index)) != 0 ||
	    (rc = fl_vfs_sync(old->timeindex)) != 0)
		return rc;
	old->is_dirty = 0;
	if (l->nseg == l->seg_cap) {
		size_t ncap = l->seg_cap ? l->seg_cap * 2 : 4;
		struct fl_plog_seg *ns = realloc(l->segs, ncap * sizeof(*ns));

		if (ns == NULL)
			return FL_ENOMEM;
		l->segs = ns;
		l->seg_cap = ncap;
	}
	s = &l->segs[l->nseg];
	memset(s, 0, sizeof(*s));
	s->base = s->next = s->last_base = l->log_end;
	s->max_ts = -1;
	s->created_ms = now_ms;
	/* a new segment's indexes start empty, whatever an older one left under its name */
	if ((rc = seg_open_files(l, s, 1, &err)) != 0 ||
	    (rc = fl_vfs_truncate(s->index, 0)) != 0 ||
	    (rc = fl_vfs_truncate(s->timeindex, 0)) != 0) {
		seg_free(s);
		return rc;
	}
	/* the new names are not durable until the directory is */
	if ((rc = fl_vfs_sync_dir(l->vfs, l->dir)) != 0) {
		seg_free(s);
		return rc;
	}
	l->nseg++;
	return 0;
}

int
fl_plog_append(struct fl_plog *l, uint8_t *batch, size_t n, unsigned mode,
    int32_t leader_epoch, int64_t now_ms, uint64_t *base_offset)
{
	struct fl_plog_seg *s;
	struct fl_batch_hdr h;
	uint64_t pos;
	int rc;

	if (l->is_readonly)
		return FL_EINVAL;
	if ((rc = fl_batch_hdr_parse(batch, n, &h)) != 0)
		return rc;
	if (fl_batch_size(&h) != n || h.last_offset_delta < 0)
		return FL_ECORRUPT;
	if (mode == FL_PLOG_APPEND_KEEP) {
		if (h.base_offset < 0 || (uint64_t)h.base_offset != l->log_end)
			return FL_ERANGE;
		leader_epoch = h.leader_epoch;
	} else {
		fl_batch_set_base(batch, (int64_t)l->log_end, leader_epoch);
		h.base_offset = (int64_t)l->log_end;
		h.leader_epoch = leader_epoch;
	}
	if (l->log_end > (uint64_t)INT64_MAX - (uint64_t)h.last_offset_delta - 1)
		return FL_ERANGE;

	s = &l->segs[l->nseg - 1];
	if (s->size > 0 && (s->size + n > l->cfg.segment_bytes ||
	    l->log_end + (uint64_t)h.last_offset_delta - s->base >= UINT32_MAX ||
	    (l->cfg.segment_ms > 0 && now_ms - s->created_ms >= l->cfg.segment_ms))) {
		if ((rc = plog_roll(l, now_ms)) != 0)
			return rc;
		s = &l->segs[l->nseg - 1];
	}
	if (leader_epoch >= 0 && leader_epoch > fl_plog_last_epoch(l) &&
	    (rc = epochs_begin(l, leader_epoch, l->log_end)) != 0)
		return rc;
	pos = s->size;
	if (l->cfg.write_buffer_bytes > 0 && n <= l->cfg.write_buffer_bytes) {
		/* gather: one write per flush instead of one per batch */
		if (l->wcap - l->wlen < n && (rc = fl_plog_flush(l)) != 0)
			return rc;
		if (l->wbuf == NULL) {
			l->wbuf = malloc(l->cfg.write_buffer_bytes);
			if (l->wbuf == NULL)
				return FL_ENOMEM;
			l->wcap = l->cfg.write_buffer_bytes;
		}
		if (l->wlen == 0)
			l->wpos = pos;
		memcpy(l->wbuf + l->wlen, batch, n);
		l->wlen += n;
	} else {
		if ((rc = fl_plog_flush(l)) != 0)
			return rc;
		if ((rc = fl_vfs_pwrite(s->log, batch, n, pos)) != 0) {
			(void)fl_vfs_truncate(s->log, pos);
			return rc;
		}
	}
	s->is_dirty = 1;
	rc = seg_note_batch(s, &h, pos, n, l->cfg.index_interval_bytes);
	l->log_end = s->next;
	if (l->wlen == 0)
		l->flushed_end = l->log_end;
	if (base_offset)
		*base_offset = (uint64_t)h.base_offset;
	return rc;
}

int
fl_plog_sync(struct fl_plog *l)
{
	struct fl_plog_seg *s;
	int rc;

	if (l->is_readonly || l->nseg == 0)
		return 0;
	s = &l->segs[l->nseg - 1];
	if ((rc = fl_plog_flush(l)) != 0 || (rc = seg_flush(s)) != 0)
		return rc;
	if (s->is_dirty) {
		if ((rc = fl_vfs_sync(s->log)) != 0)
			return rc;
		s->is_dirty = 0;
	}
	l->synced_end = l->log_end;
	return 0;
}

struct fl_file *
fl_plog_active_file(struct fl_plog *l, uint64_t *end)
{
	int rc = fl_plog_flush(l);

	if (rc != 0) {
		*end = (uint64_t)(int64_t)rc;
		return NULL;
	}
	*end = l->log_end;
	return l->segs[l->nseg - 1].log;
}

void
fl_plog_mark_synced(struct fl_plog *l, uint64_t end)
{
	if (end > l->synced_end && end <= l->log_end)
		l->synced_end = end;
	if (!l->is_readonly && l->nseg > 0)
		(void)seg_flush(&l->segs[l->nseg - 1]);	/* rebuildable: best effort */
}

uint64_t
fl_plog_bytes(const struct fl_plog *l)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < l->nseg; i++)
		total += l->segs[i].size;
	return total;
}

/* ---- read ---- */

/* Index of the segment that holds offset (offset within [log_start, log_end)). */
static size_t
seg_find(const struct fl_plog *l, uint64_t offset)
{
	size_t lo = 0, hi = l->nseg;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->segs[mid].base <= offset)
			lo = mid;
		else
			hi = mid;
	}
	while (lo + 1 < l->nseg && l->segs[lo].next <= offset)
		lo++;
	return lo;
}

/* Position of the index entry at or before offset; 0 if none. */
static uint64_t
idx_lookup(const struct fl_plog_seg *s, uint64_t offset)
{
	uint64_t rel = offset - s->base;
	size_t lo = 0, hi = s->nidx;

	if (s->nidx == 0 || idx_rel(s, 0) > rel)
		return 0;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (idx_rel(s, mid) <= rel)
			lo = mid;
		else
			hi = mid;
	}
	return idx_pos(s, lo);
}

int
fl_plog_read(struct fl_plog *l, uint64_t offset, uint64_t limit_offset,
    uint64_t max_bytes, struct fl_plog_span *span)
{
	struct fl_plog_seg *s;
	struct hdr_walk walk, *w;
	struct fl_batch_hdr h;
	uint64_t end = l->log_end < limit_offset ? l->log_end : limit_offset;
	uint64_t pos, start = 0;
	int rc, found = 0, retried = 0, jumped = 0, jump_check = 0, from_index, has_walked;
	uint64_t back_pos = 0, back_next = 0, walk_next = 0;

	if (offset < l->log_start)
		return FL_ERANGE;
	if (offset >= end)
		return FL_ENOENT;
	if (end > l->flushed_end && (rc = fl_plog_flush(l)) != 0)
		return rc;
	s = &l->segs[seg_find(l, offset)];
	w = &walk;
	w->f = s->log;
	w->bpos = 0;
	w->have = 0;
	w->limit = s->size;
	pos = idx_lookup(s, offset);
	from_index = pos != 0;
again:
	found = 0;
	has_walked = 0;
	for (;;) {
		if (found && pos + FL_BATCH_HDR_BYTES - start > max_bytes)
			break;	/* no further batch can fit */
		if (found && !jumped) {
			/*
			 * Skip whole batches via the index: the last indexed batch
			 * that starts within max_bytes and at or below the limit.
			 * Everything before it fits, so no header needs reading.
			 */
			size_t lo = 0, hi = s->nidx, best = SIZE_MAX;

			jumped = 1;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (idx_pos(s, mid) + FL_BATCH_HDR_BYTES <= start + max_bytes) {
					best = mid;
					lo = mid + 1;
				} else {
					hi = mid;
				}
			}
			while (best != SIZE_MAX && best > 0 && s->base + idx_rel(s, best) > end)
				best--;
			if (best != SIZE_MAX && idx_pos(s, best) > pos &&
			    s->base + idx_rel(s, best) <= end) {
				back_pos = pos;
				back_next = span->next_offset;
				pos = idx_pos(s, best);
				span->next_offset = s->base + idx_rel(s, best);
				jump_check = 1;
			}
		}
		rc = walk_hdr(w, pos, &h);
		if (jump_check) {
			jump_check = 0;
			if (rc != 0 || (uint64_t)h.base_offset != span->next_offset) {
				/* the index entry lied: walk the headers instead */
				pos = back_pos;
				span->next_offset = back_next;
				continue;
			}
			if (span->next_offset >= end)
				break;
		}
		if (rc != 0 && found) {
			rc = 0;	/* serve the good batches before the end */
			break;
		}
		if (rc != 0 || (!found && (h.base_offset < (int64_t)s->base ||
		    (uint64_t)h.base_offset >= s->next))) {
			if (!retried && pos != 0) {
				/* a bad index entry: walk from the segment start */
				retried = 1;
				pos = 0;
				goto again;
			}
					return rc ? rc : FL_ECORRUPT;
		}
		/*
		 * Each header walked to must follow on from the one before: one
		 * that does not was reached through a damaged length (a sector
		 * that reads back wrong), and what lies there is not a batch.
		 */
		if (!found && has_walked && (uint64_t)h.base_offset != walk_next) {
			if (!retried && from_index) {
				retried = 1;
				pos = 0;
				goto again;
			}
			return FL_ECORRUPT;
		}
		if (!found) {
			if ((uint64_t)fl_batch_last_offset(&h) < offset) {
				pos += fl_batch_size(&h);
				walk_next = (uint64_t)fl_batch_last_offset(&h) + 1;
				has_walked = 1;
				continue;
			}
			/*
			 * Its own length and last offset may be what is damaged:
			 * the header after it (or the segment's end) must agree.
			 */
			{
				uint64_t nx = pos + fl_batch_size(&h);
				uint64_t want = (uint64_t)fl_batch_last_offset(&h) + 1;
				/* bytes still in the write buffer are not in the file yet */
				uint64_t in_file = s == &l->segs[l->nseg - 1] && l->wlen > 0 ?
				    l->wpos : s->size;
				struct fl_batch_hdr nh;

				if (nx == s->size ? want != s->next : nx + FL_BATCH_HDR_BYTES <= in_file &&
				    (walk_hdr(w, nx, &nh) != 0 || (uint64_t)nh.base_offset != want))
					return FL_ECORRUPT;
			}
			found = 1;
			start = pos;
			span->first_offset = (uint64_t)h.base_offset;
		} else if ((uint64_t)h.base_offset != span->next_offset) {
			break;	/* out of sequence (see above): serve what came before */
		} else if ((uint64_t)h.base_offset >= end ||
		    pos + fl_batch_size(&h) - start > max_bytes) {
			break;
		}
		pos += fl_batch_size(&h);
		span->next_offset = (uint64_t)fl_batch_last_offset(&h) + 1;
		if (span->next_offset >= end)
			break;
	}
	span->file = s->log;
	span->pos = start;
	span->len = pos - start;
	return 0;
}

/*
 * In the batch of size n at pos, the first record stamped ts or later:
 * its offset and timestamp.  A compressed batch is decompressed to look
 * (as Kafka does); one that does not decompress keeps its base offset and
 * MaxTimestamp, as the caller set them.
 */
static int
first_record_at(struct fl_file *f, uint64_t pos, uint64_t n, int64_t ts,
    uint64_t *offset, int64_t *found_ts)
{
	struct fl_record_iter it;
	struct fl_record rec;
	struct fl_wr w;
	const uint8_t *b;
	uint8_t *buf;
	size_t bn;
	int rc;

	if (n > FL_BATCH_BYTES_MAX)
		return FL_ECORRUPT;
	buf = malloc((size_t)n);
	if (buf == NULL)
		return FL_ENOMEM;
	fl_wr_init(&w, (size_t)FL_BATCH_HDR_BYTES + FL_BATCH_RECORDS_BYTES_MAX);
	rc = fl_vfs_pread_full(f, buf, (size_t)n, pos);
	b = buf;
	bn = (size_t)n;
	if (rc == 0 && n >= FL_BATCH_HDR_BYTES &&
	    (fl_load_be16(buf + FL_BATCH_OFF_ATTRIBUTES) & FL_BATCH_ATTR_COMPRESSION) &&
	    fl_batch_decompress(buf, (size_t)n, &w) == 0) {
		b = w.p;
		bn = w.len;
	}
	if (rc == 0 && fl_record_iter_init(&it, b, bn) == 0) {
		while (fl_record_next(&it, &rec) == 1)
			if (rec.timestamp >= ts) {
				*offset = (uint64_t)rec.offset;
				*found_ts = rec.timestamp;
				break;
			}
	}
	fl_wr_free(&w);
	free(buf);
	return rc;
}

int
fl_plog_offset_for_time(struct fl_plog *l, int64_t ts, uint64_t *offset, int64_t *found_ts)
{
	size_t i, lo, hi;
	struct fl_plog_seg *s = NULL;
	struct hdr_walk walk, *w;
	struct fl_batch_hdr h;
	uint64_t pos = 0;
	int rc;

	for (i = 0; i < l->nseg; i++)
		if (l->segs[i].max_ts >= ts) {
			s = &l->segs[i];
			break;
		}
	*found_ts = -1;
	if ((rc = fl_plog_flush(l)) != 0)
		return rc;
	if (s == NULL) {
		*offset = l->log_end;
		return 0;
	}
	/* last time entry whose running maximum is still below ts */
	lo = 0;
	hi = s->ntidx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tidx_ts(s, mid) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		pos = idx_lookup(s, s->base + tidx_rel(s, lo - 1));
	w = &walk;
	w->f = s->log;
	w->bpos = 0;
	w->have = 0;
	w->limit = s->size;
	for (;;) {
		if ((rc = walk_hdr(w, pos, &h)) != 0)
			break;
		if (h.max_ts >= ts) {
			*offset = (uint64_t)h.base_offset;
			*found_ts = h.max_ts;
			rc = first_record_at(s->log, pos, fl_batch_size(&h), ts, offset, found_ts);
			break;
		}
		pos += fl_batch_size(&h);
	}
	if (rc == FL_ESHORT) {
		*offset = s->next;	/* the index promised more than the log holds */
		return 0;
	}
	return rc;
}

int
fl_plog_max_time(struct fl_plog *l, uint64_t *offset, int64_t *found_ts)
{
	int64_t max = -1;
	size_t i;

	for (i = 0; i < l->nseg; i++)
		if (l->segs[i].max_ts > max)
			max = l->segs[i].max_ts;
	if (max < 0) {
		*offset = l->log_end;
		*found_ts = -1;
		return fl_plog_flush(l);
	}
	/* the first record at or after the largest timestamp is one that has it */
	return fl_plog_offset_for_time(l, max, offset, found_ts);
}

/* ---- the high watermark checkpoint ---- */

/* The stored hw, unclamped: 0, FL_ENOENT, FL_ECORRUPT (err says why), FL_ESYS. */
static int
hw_read(struct fl_plog *l, uint64_t *hw, struct fl_err *err)
{
	struct fl_err bad = { 0, "" };
	uint8_t *data;
	size_t len;
	int rc = fl_durable_read(l->vfs, l->dir, HW_FILE, &data, &len);

	if (rc == FL_ECORRUPT)
		return fl_err_set(err, rc, "%s/%s: its BLAKE2b-256 trailer does not "
		    "match its content", l->dir, HW_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: cannot read: %s", l->dir, HW_FILE,
		    why(rc));
	rc = fl_epochs_hw_decode(data, len, hw, &bad);
	free(data);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", l->dir, HW_FILE, bad.msg);
	return 0;
}

int
fl_plog_hw_load(struct fl_plog *l, uint64_t *hw, struct fl_err *err)
{
	uint64_t v;
	int rc = hw_read(l, &v, err);

	if (rc != 0)
		return rc;
	if (v > l->log_end) {
		*hw = l->log_end;
		return 1;
	}
	*hw = v < l->log_start ? l->log_start : v;
	return 0;
}

int
fl_plog_hw_store(struct fl_plog *l, uint64_t hw)
{
	struct fl_wr w;
	int rc;

	if (l->is_readonly)
		return FL_EINVAL;
	if (hw > l->log_end)
		return FL_ERANGE;
	fl_wr_init(&w, 64);
	rc = fl_epochs_hw_encode(&w, hw);
	if (rc == 0)
		rc = fl_durable_write(l->vfs, l->dir, HW_FILE, w.p, w.len);
	fl_wr_free(&w);
	return rc;
}

/* A stored hw past end comes down to end; a missing or damaged one stays. */
static int
hw_lower(struct fl_plog *l, uint64_t end)
{
	uint64_t hw;
	int rc = hw_read(l, &hw, NULL);

	if (rc == FL_ENOENT || rc == FL_ECORRUPT)
		return 0;
	if (rc != 0)
		return rc;
	return hw > end ? fl_plog_hw_store(l, end) : 0;
}

/* log_start from the first segment and the checkpoint, never past the end. */
static void
start_set(struct fl_plog *l)
{
	uint64_t v = l->segs[0].base > l->start_ckpt ? l->segs[0].base : l->start_ckpt;

	l->log_start = v < l->log_end ? v : l->log_end;
}

/* The log-start file into l->start_ckpt: 0, or FL_ECORRUPT / FL_ESYS (err says). */
static int
start_load(struct fl_plog *l, struct fl_err *err)
{
	struct fl_err bad = { 0, "" };
	uint8_t *data;
	size_t len;
	uint64_t v;
	int rc = fl_durable_read(l->vfs, l->dir, LOG_START_FILE, &data, &len);

	if (rc == FL_ENOENT)
		return 0;
	if (rc == FL_ECORRUPT)
		return fl_err_set(err, rc, "%s/%s: its BLAKE2b-256 trailer does not "
		    "match its content", l->dir, LOG_START_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: cannot read: %s", l->dir, LOG_START_FILE,
		    why(rc));
	rc = fl_epochs_hw_decode(data, len, &v, &bad);
	free(data);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", l->dir, LOG_START_FILE, bad.msg);
	l->start_ckpt = v;
	return 0;
}

int
fl_plog_start_at(struct fl_plog *l, uint64_t offset, size_t *deleted)
{
	struct fl_wr w;
	int rc;

	if (deleted)
		*deleted = 0;
	if (l->is_readonly)
		return FL_EINVAL;
	if (offset > l->log_end)
		return FL_ERANGE;
	if (offset <= l->log_start)
		return 0;
	fl_wr_init(&w, 64);
	rc = fl_epochs_hw_encode(&w, offset);
	if (rc == 0)
		rc = fl_durable_write(l->vfs, l->dir, LOG_START_FILE, w.p, w.len);
	fl_wr_free(&w);
	if (rc != 0)
		return rc;
	l->start_ckpt = offset;
	start_set(l);
	return fl_plog_delete_before(l, offset, deleted);
}

/* ---- truncate and retention ---- */

static int
seg_delete_files(struct fl_plog *l, struct fl_plog_seg *s)
{
	static const char *const exts[] = { ".log", ".index", ".timeindex" };
	char path[PATH_BYTES_MAX];
	size_t i;
	int rc;

	fl_vfs_close(s->log);
	fl_vfs_close(s->index);
	fl_vfs_close(s->timeindex);
	s->log = s->index = s->timeindex = NULL;
	for (i = 0; i < FL_ARRAY_LEN(exts); i++) {
		fl_plog_seg_path(path, sizeof(path), l->dir, s->base, exts[i]);
		rc = fl_vfs_unlink(l->vfs, path);
		if (rc != 0 && rc != FL_ENOENT)
			return rc;
	}
	return 0;
}

int
fl_plog_truncate(struct fl_plog *l, uint64_t offset)
{
	struct fl_plog_seg *s;
	struct hdr_walk walk, *w;
	struct fl_batch_hdr h;
	uint64_t pos, cut_base, prev_pos, prev_base, prev_last_base;
	size_t k, i;
	int rc;

	if (l->is_readonly)
		return FL_EINVAL;
	if (offset < l->log_start)
		return FL_ERANGE;
	if (offset > l->log_end)
		return 0;
	if (offset == l->log_end) {
		/*
		 * No batch goes, but an epoch begun here and never written in
		 * (a leader deposed before its first append) does: a follower
		 * that kept it would ask about an epoch its records are not in,
		 * and cut below its HW.  Found by flume-sim (seed 386).
		 */
		if (epochs_cut(l, offset) && (rc = epochs_write(l)) != 0)
			return rc;
		return 0;
	}
	if ((rc = fl_plog_flush(l)) != 0)
		return rc;
	k = seg_find(l, offset);
	s = &l->segs[k];
	w = &walk;
	w->f = s->log;
	w->bpos = 0;
	w->have = 0;
	w->limit = s->size;
	pos = 0;
	cut_base = s->base;
	prev_pos = 0;
	prev_base = prev_last_base = s->base;
	for (;;) {
		rc = walk_hdr(w, pos, &h);
		if (rc == FL_ESHORT) {
			rc = 0;
			break;
		}
		if (rc == FL_ECORRUPT || (rc == 0 && (uint64_t)h.base_offset != cut_base)) {
			/*
			 * A header out of sequence below the cut: a damaged
			 * sector (this header, or the length of the one before).
			 * Cut from the batch before it: what follows cannot be
			 * trusted, and a follower copies it again.
			 */
			rc = 0;
			pos = prev_pos;
			cut_base = prev_base;
			s->last_base = prev_last_base;
			break;
		}
		if (rc != 0)
			break;
		if ((uint64_t)fl_batch_last_offset(&h) >= offset) {
			cut_base = (uint64_t)h.base_offset;
			break;
		}
		prev_pos = pos;
		prev_base = (uint64_t)h.base_offset;
		prev_last_base = s->last_base;
		pos += fl_batch_size(&h);
		cut_base = (uint64_t)fl_batch_last_offset(&h) + 1;
		s->last_base = (uint64_t)h.base_offset;
	}
	if (rc != 0)
		return rc;
	if (pos == 0)
		s->last_base = s->base;

	/* later segments go first, so a crash midway leaves a prefix */
	for (i = l->nseg; i-- > k + 1;) {
		if ((rc = seg_delete_files(l, &l->segs[i])) != 0)
			return rc;
		seg_free(&l->segs[i]);
		l->nseg--;
		if (i == k + 1 && (rc = fl_vfs_sync_dir(l->vfs, l->dir)) != 0)
			return rc;
	}
	if ((rc = fl_vfs_truncate(s->log, pos)) != 0 || (rc = fl_vfs_sync(s->log)) != 0)
		return rc;
	s->size = pos;
	s->next = cut_base;
	s->is_dirty = 0;
	while (s->nidx > 0 && idx_pos(s, s->nidx - 1) >= pos)
		s->nidx--;
	s->ntidx = s->nidx;	/* also drops a sealed segment's final entry */
	s->last_indexed_pos = s->nidx ? idx_pos(s, s->nidx - 1) : 0;
	s->max_ts = -1;
	/* the running maximum must be recomputed for the kept tail */
	{
		struct hdr_walk walk2, *w2 = &walk2;
		uint64_t p2;

		w2->f = s->log;
		w2->bpos = 0;
		w2->have = 0;
		w2->limit = s->size;
		s->max_ts = s->ntidx ? tidx_ts(s, s->ntidx - 1) : -1;
		for (p2 = s->last_indexed_pos; p2 < s->size; p2 += fl_batch_size(&h)) {
			if (walk_hdr(w2, p2, &h) != 0)
				break;
			if (h.max_ts > s->max_ts)
				s->max_ts = h.max_ts;
		}
	}
	if ((rc = seg_write_indexes(s)) != 0)
		return rc;
	l->log_end = l->flushed_end = cut_base;
	if (l->synced_end > l->log_end)
		l->synced_end = l->log_end;
	if (epochs_cut(l, l->log_end) && (rc = epochs_write(l)) != 0)
		return rc;
	return hw_lower(l, l->log_end);
}

int
fl_plog_retain(struct fl_plog *l, int64_t now_ms, size_t *deleted)
{
	uint64_t total = fl_plog_bytes(l);
	size_t n = 0;
	int rc = 0;

	if (deleted)
		*deleted = 0;
	if (l->is_readonly)
		return FL_EINVAL;
	/* an active segment that alone is past the age limit is rolled first */
	if (l->cfg.retention_ms >= 0) {
		struct fl_plog_seg *a = &l->segs[l->nseg - 1];

		if (a->size > 0 && a->max_ts >= 0 &&
		    now_ms - a->max_ts > l->cfg.retention_ms &&
		    (rc = plog_roll(l, now_ms)) != 0)
			return rc;
	}
	while (l->nseg > 1) {
		struct fl_plog_seg *s = &l->segs[0];
		int over_size = l->cfg.retention_bytes >= 0 &&
		    total - s->size >= (uint64_t)l->cfg.retention_bytes;
		int over_age = l->cfg.retention_ms >= 0 && s->max_ts >= 0 &&
		    now_ms - s->max_ts > l->cfg.retention_ms;

		if (s->size == 0 && s->next == s->base)
			over_age = 1;	/* an empty sealed segment holds nothing */
		if (l->segs[1].base <= l->start_ckpt)
			over_age = 1;	/* below the log start (DeleteRecords) */
		if (!over_size && !over_age)
			break;
		if ((rc = seg_delete_files(l, s)) != 0)
			break;
		total -= s->size;
		seg_free(s);
		memmove(l->segs, l->segs + 1, (l->nseg - 1) * sizeof(*l->segs));
		l->nseg--;
		n++;
	}
	if (n > 0) {
		start_set(l);
		if (rc == 0)
			rc = fl_vfs_sync_dir(l->vfs, l->dir);
	}
	if (deleted)
		*deleted = n;
	return rc;
}

int
fl_plog_roll(struct fl_plog *l, int64_t now_ms)
{
	if (l->is_readonly)
		return FL_EINVAL;
	if (l->segs[l->nseg - 1].size == 0 && l->wlen == 0)
		return 0;
	return plog_roll(l, now_ms);
}

int
fl_plog_delete_before(struct fl_plog *l, uint64_t offset, size_t *deleted)
{
	size_t n = 0;
	int rc = 0;

	if (deleted)
		*deleted = 0;
	if (l->is_readonly)
		return FL_EINVAL;
	while (l->nseg > 1 && l->segs[1].base <= offset) {
		struct fl_plog_seg *s = &l->segs[0];

		if ((rc = seg_delete_files(l, s)) != 0)
			break;
		seg_free(s);
		memmove(l->segs, l->segs + 1, (l->nseg - 1) * sizeof(*l->segs));
		l->nseg--;
		n++;
	}
	if (n > 0) {
		start_set(l);
		if (rc == 0)
			rc = fl_vfs_sync_dir(l->vfs, l->dir);
	}
	if (deleted)
		*deleted = n;
	return rc;
}

int
fl_plog_epoch_end(struct fl_plog *l, int32_t epoch, int32_t *found, int64_t *end_offset)
{
	size_t i;

	for (i = l->nepoch; i-- > 0;) {
		if (l->epochs[i].epoch <= epoch) {
			*found = l->epochs[i].epoch;
			*end_offset = i + 1 < l->nepoch ?
			    (int64_t)l->epochs[i + 1].start_offset : (int64_t)l->log_end;
			return 0;
		}
	}
	*found = -1;
	*end_offset = -1;
	return 0;
}

/* ---- followers ---- */

int
fl_plog_reset(struct fl_plog *l, uint64_t offset)
{
	char path[PATH_BYTES_MAX];
	struct fl_plog_seg *last, ns;
	struct fl_err err;
	int rc;

	if (l->is_readonly || l->nseg == 0)
		return FL_EINVAL;
	if (offset > (uint64_t)INT64_MAX)
		return FL_ERANGE;
	l->wlen = 0;	/* buffered appends were never promised */

	/* the checkpoint first: from here a crash rebuilds it from what is left */
	if (snprintf(path, sizeof(path), "%s/%s", l->dir, EPOCH_FILE) >= (int)sizeof(path))
		return FL_ERANGE;
	rc = fl_vfs_unlink(l->vfs, path);
	if (rc != 0 && rc != FL_ENOENT)
		return rc;
	if ((rc = fl_vfs_sync_dir(l->vfs, l->dir)) != 0)
		return rc;
	free(l->epochs);
	l->epochs = NULL;
	l->nepoch = 0;

	/* sealed segments, oldest first: each crash point leaves a suffix */
	if (l->nseg > 1) {
		while (l->nseg > 1) {
			if ((rc = seg_delete_files(l, &l->segs[0])) != 0)
				return rc;
			seg_free(&l->segs[0]);
			memmove(l->segs, l->segs + 1, (l->nseg - 1) * sizeof(*l->segs));
			l->nseg--;
			start_set(l);
		}
		if ((rc = fl_vfs_sync_dir(l->vfs, l->dir)) != 0)
			return rc;
	}

	last = &l->segs[0];
	if (last->base == offset) {
		/* the same name: empty it in place */
		if ((rc = fl_vfs_truncate(last->log, 0)) != 0 ||
		    (rc = fl_vfs_sync(last->log)) != 0)
			return rc;
		seg_reset_index(last);
		last->size = 0;
		last->is_dirty = 0;
		if ((rc = seg_write_indexes(last)) != 0)
			return rc;
	} else {
		memset(&ns, 0, sizeof(ns));
		ns.base = ns.next = ns.last_base = offset;
		ns.max_ts = -1;
		ns.created_ms = last->created_ms;
		if ((rc = seg_open_files(l, &ns, 1, &err)) != 0 ||
		    (rc = fl_vfs_truncate(ns.log, 0)) != 0 ||
		    (rc = fl_vfs_truncate(ns.index, 0)) != 0 ||
		    (rc = fl_vfs_truncate(ns.timeindex, 0)) != 0) {
			seg_free(&ns);
			return rc;
		}
		/* old names out, new names in: made durable by one directory sync */
		if ((rc = seg_delete_files(l, last)) != 0) {
			seg_free(&ns);
			return rc;
		}
		seg_free(last);
		*last = ns;
		if ((rc = fl_vfs_sync_dir(l->vfs, l->dir)) != 0)
			return rc;
	}
	l->log_end = l->synced_end = l->flushed_end = offset;
	start_set(l);
	return hw_lower(l, offset);
}

/* ---- leaders ---- */

int
fl_plog_epoch_begin(struct fl_plog *l, int32_t epoch)
{
	if (epoch < 0)
		return FL_EINVAL;
	if (l->nepoch > 0 && l->epochs[l->nepoch - 1].epoch >= epoch)
		return 0;	/* already recorded, or older: nothing to begin */
	return epochs_begin(l, epoch, l->log_end);
}
