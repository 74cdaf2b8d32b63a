/*
 * segtool.c: flume-seg's operations.  How it works:
 *
 * Everything that reads the log goes through one walk (walk_seg) over
 * fl_seg_scan(), so info, verify, cat and digest agree on what is damaged:
 * fl_seg_scan checks each batch (length, CRC, magic, count, offsets
 * contiguous from the segment's base), and the walk adds what needs the
 * whole partition (leader epochs never decreasing, each segment starting
 * where the one before ended) and, for checks, a merge of the index and
 * time index entries against the batches as they go by.  Both lists are
 * sorted like the log, so that merge needs no table of batch positions.
 *
 * Repair copies before it cuts: the bytes from the first bad byte on are
 * written to a new .corrupt file and made durable (file, then directory)
 * before the segment is truncated, so a crash in between leaves the data
 * twice, never zero times (redis-check-aof's order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/epochs.h"
#include "store/segtool.h"

#define COPY_CHUNK (1u << 20)
#define CORRUPT_SUFFIXES_MAX 100	/* .corrupt, .corrupt.1 .. .corrupt.99 */

/* Durable files of a partition directory, checked by their BLAKE2b trailer. */
static const char *const meta_files[] = { "leader-epoch-checkpoint", "hw", "producers",
    "log-start" };
#define EPOCH_FILE "leader-epoch-checkpoint"
#define HW_FILE "hw"

/* ---- targets ---- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static char *
dup_trimmed(const char *path)
{
	size_t n = strlen(path);
	char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	s = malloc(n + 1);
	if (s != NULL) {
		memcpy(s, path, n);
		s[n] = '\0';
	}
	return s;
}

static const char *
sys_why(int rc)
{
	return rc == FL_ESYS ? strerror(errno) : fl_strerror(rc);
}

static int
open_dir(struct fl_segtool *t, const char *path, struct fl_err *err)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = fl_vfs_list(t->vfs, path, &names, &n)) != 0)
		return fl_err_set(err, rc, "%s: cannot list: %s", path, sys_why(rc));
	t->bases = calloc(n ? n : 1, sizeof(*t->bases));
	if (t->bases == NULL) {
		fl_vfs_list_free(names, n);
		return fl_err_set(err, FL_ENOMEM, "%s: out of memory", path);
	}
	for (i = 0; i < n; i++) {
		const char *ext;
		uint64_t b;

		if (fl_plog_parse_name(names[i], &b, &ext) == 0 && strcmp(ext, ".log") == 0)
			t->bases[t->nseg++] = b;
	}
	fl_vfs_list_free(names, n);
	if (t->nseg == 0)
		return fl_err_set(err, FL_ENOENT,
		    "%s: not a partition directory (no segment files)", path);
	qsort(t->bases, t->nseg, sizeof(*t->bases), cmp_u64);
	t->kind = FL_SEGTOOL_DIR;
	t->dir = dup_trimmed(path);
	return t->dir ? 0 : fl_err_set(err, FL_ENOMEM, "%s: out of memory", path);
}

static int
open_file(struct fl_segtool *t, const char *path, struct fl_err *err)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	const char *ext;
	char log[FL_SEGTOOL_PATH_MAX];
	uint64_t b;
	int rc;

	t->bases = calloc(1, sizeof(*t->bases));
	if (t->bases == NULL)
		return fl_err_set(err, FL_ENOMEM, "%s: out of memory", path);
	t->nseg = 1;
	if (fl_plog_parse_name(name, &b, &ext) == 0 && (strcmp(ext, ".log") == 0 ||
	    strcmp(ext, ".index") == 0 || strcmp(ext, ".timeindex") == 0)) {
		size_t dlen = slash ? (size_t)(slash - path) : 1;

		if (slash == path)
			dlen = 1;
		t->dir = malloc(dlen + 1);
		if (t->dir == NULL)
			return fl_err_set(err, FL_ENOMEM, "%s: out of memory", path);
		memcpy(t->dir, slash ? path : ".", dlen);
		t->dir[dlen] = '\0';
		t->kind = FL_SEGTOOL_SEG;
		t->bases[0] = b;
		if ((rc = fl_segtool_path(t, 0, ".log", log, sizeof(log))) != 0)
			return fl_err_set(err, rc, "%s: path too long", path);
		rc = fl_vfs_stat(t->vfs, log, NULL, NULL);
		if (rc != 0)
			return fl_err_set(err, rc, "%s: %s", log, rc == FL_ENOENT ?
			    "no such file (the segment's log)" : sys_why(rc));
		return 0;
	}
	t->kind = FL_SEGTOOL_FILE;
	t->file = strdup(path);
	return t->file ? 0 : fl_err_set(err, FL_ENOMEM, "%s: out of memory", path);
}

int
fl_segtool_open(struct fl_segtool *t, struct fl_vfs *vfs, const char *path,
    struct fl_err *err)
{
	int is_dir = 0, rc;

	memset(t, 0, sizeof(*t));
	t->vfs = vfs;
	if (strlen(path) + 64 >= FL_SEGTOOL_PATH_MAX)
		return fl_err_set(err, FL_ERANGE, "%.100s...: path too long", path);
	rc = fl_vfs_stat(vfs, path, &is_dir, NULL);
	if (rc == FL_ENOENT)
		return fl_err_set(err, rc, "%s: no such file or directory", path);
	if (rc != 0)
		return fl_err_set(err, rc, "%s: %s", path, sys_why(rc));
	rc = is_dir ? open_dir(t, path, err) : open_file(t, path, err);
	if (rc != 0)
		fl_segtool_close(t);
	return rc;
}

void
fl_segtool_close(struct fl_segtool *t)
{
	free(t->dir);
	free(t->file);
	free(t->bases);
	t->dir = t->file = NULL;
	t->bases = NULL;
	t->nseg = 0;
}

int
fl_segtool_path(const struct fl_segtool *t, size_t i, const char *ext,
    char *buf, size_t n)
{
	int r;

	FL_ASSERT(i < t->nseg);
	if (t->kind == FL_SEGTOOL_FILE) {
		r = snprintf(buf, n, "%s", t->file);
		return r < 0 || (size_t)r >= n ? FL_ERANGE : 0;
	}
	return fl_plog_seg_path(buf, n, t->dir, t->bases[i], ext);
}

/* Directory of the target's files (FILE: the file's own directory). */
static int
target_dir(const struct fl_segtool *t, char *buf, size_t n)
{
	const char *slash;
	size_t len;

	if (t->kind != FL_SEGTOOL_FILE) {
		len = strlen(t->dir);
		if (len >= n)
			return FL_ERANGE;
		memcpy(buf, t->dir, len + 1);
		return 0;
	}
	slash = strrchr(t->file, '/');
	if (slash == NULL) {
		snprintf(buf, n, ".");
		return 0;
	}
	len = slash == t->file ? 1 : (size_t)(slash - t->file);
	if (len >= n)
		return FL_ERANGE;
	memcpy(buf, t->file, len);
	buf[len] = '\0';
	return 0;
}

/* ---- the walk ---- */

/* Returned by our scan callbacks to stop fl_seg_scan; never an FL_E* code. */
#define WALK_STOP 0x57a1

struct idx_merge {
	uint8_t *ent;			/* owned: the file's whole entries */
	size_t n, k, width;		/* entries, cursor, bytes per entry */
	int bad;			/* 0 or FL_ECORRUPT */
	size_t bad_entry;
	int64_t bad_offset;
	char why[160];
};

struct walk {
	struct fl_segtool *t;
	size_t seg;
	uint64_t seg_base;
	int is_strict;			/* DIR or SEG: the name gives the base */
	int32_t last_epoch;		/* across the whole walk; -1 none yet */
	int64_t running_max_ts;		/* within the segment */
	struct idx_merge idx, tidx;	/* checks only */
	int is_check;
	/* epoch went backwards: where */
	int epoch_bad;
	uint64_t epoch_bad_pos;
	int64_t epoch_bad_offset;
	char epoch_why[160];
	/* record walks */
	uint64_t from, to;
	fl_segtool_item_fn fn;
	void *arg;
	int user_rc;
	int is_done;			/* reached 'to' */
};

static void
merge_bad(struct idx_merge *m, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
merge_bad(struct idx_merge *m, int64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (m->bad)
		return;
	m->bad = FL_ECORRUPT;
	m->bad_entry = m->k;
	m->bad_offset = offset;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
}

/* Entries of the index at or before this batch must point exactly at it. */
static void
merge_index(struct walk *w, const struct fl_batch_hdr *h, uint64_t pos)
{
	struct idx_merge *m = &w->idx;
	uint64_t rel = (uint64_t)h->base_offset - w->seg_base;

	while (!m->bad && m->k < m->n) {
		const uint8_t *e = m->ent + m->k * 8;
		uint32_t erel = fl_load_be32(e), epos = fl_load_be32(e + 4);

		if (epos > pos)
			break;
		if (epos < pos) {
			merge_bad(m, (int64_t)(w->seg_base + erel), "entry %zu: byte %"
			    PRIu32 " is not the start of a batch", m->k, epos);
			break;
		}
		if (erel != rel) {
			merge_bad(m, (int64_t)(w->seg_base + erel), "entry %zu: offset %"
			    PRIu64 ", but the batch at byte %" PRIu32 " starts at offset %"
			    PRId64, m->k, w->seg_base + erel, epos, h->base_offset);
			break;
		}
		m->k++;
	}
}

/* Time entries name batches by base offset, with the running MaxTimestamp. */
static void
merge_timeindex(struct walk *w, const struct fl_batch_hdr *h)
{
	struct idx_merge *m = &w->tidx;
	uint64_t rel = (uint64_t)h->base_offset - w->seg_base;

	while (!m->bad && m->k < m->n) {
		const uint8_t *e = m->ent + m->k * 12;
		int64_t ts = (int64_t)fl_load_be64(e);
		uint32_t erel = fl_load_be32(e + 8);

		if (erel > rel)
			break;
		if (erel < rel) {
			merge_bad(m, (int64_t)(w->seg_base + erel), "entry %zu: offset %"
			    PRIu64 " is not the first offset of a batch", m->k,
			    w->seg_base + erel);
			break;
		}
		if (ts != w->running_max_ts) {
			merge_bad(m, (int64_t)(w->seg_base + erel), "entry %zu: timestamp %"
			    PRId64 ", but the largest up to offset %" PRIu64 " is %" PRId64,
			    m->k, ts, w->seg_base + erel, w->running_max_ts);
			break;
		}
		m->k++;
	}
}

static int
emit_records(struct walk *w, const struct fl_batch_hdr *h, const uint8_t *p, size_t n)
{
	struct fl_segtool_item it;
	struct fl_record_iter ri;
	struct fl_record rec;
	int rc;

	memset(&it, 0, sizeof(it));
	it.hdr = h;
	it.batch = p;
	it.batch_len = n;
	rc = fl_record_iter_init(&ri, p, n);
	if (rc == FL_ERANGE) {		/* compressed: hand over the batch whole */
		it.timestamp = h->max_ts;
		return (w->user_rc = w->fn(w->arg, &it)) != 0 ? WALK_STOP : 0;
	}
	if (rc != 0)
		return rc;
	while ((rc = fl_record_next(&ri, &rec)) == 1) {
		if (rec.offset < 0 || (uint64_t)rec.offset < w->from)
			continue;
		if ((uint64_t)rec.offset >= w->to) {
			w->is_done = 1;
			return WALK_STOP;
		}
		it.rec = &rec;
		it.timestamp = (h->attributes & FL_BATCH_ATTR_LOG_APPEND_TIME) ?
		    h->max_ts : rec.timestamp;
		if ((w->user_rc = w->fn(w->arg, &it)) != 0)
			return WALK_STOP;
	}
	return rc;
}

static int
walk_cb(void *arg, const struct fl_batch_hdr *h, const uint8_t *p, size_t n,
    uint64_t pos)
{
	struct walk *w = arg;

	if (w->fn != NULL && (uint64_t)h->base_offset >= w->to) {
		w->is_done = 1;
		return WALK_STOP;
	}
	if (h->leader_epoch < w->last_epoch) {
		w->epoch_bad = FL_EPROTO;
		w->epoch_bad_pos = pos;
		w->epoch_bad_offset = h->base_offset;
		snprintf(w->epoch_why, sizeof(w->epoch_why), "leader epoch %" PRId32
		    " after a batch of epoch %" PRId32 ": epochs never decrease",
		    h->leader_epoch, w->last_epoch);
		return WALK_STOP;
	}
	w->last_epoch = h->leader_epoch;
	if (h->max_ts > w->running_max_ts)
		w->running_max_ts = h->max_ts;
	if (w->is_check && w->is_strict) {
		merge_index(w, h, pos);
		merge_timeindex(w, h);
	}
	if (w->fn != NULL && fl_batch_last_offset(h) >= 0 &&
	    (uint64_t)fl_batch_last_offset(h) >= w->from)
		return emit_records(w, h, p, n);
	return 0;
}

/* Outcome of walking one segment's log. */
struct seg_walk {
	struct fl_seg_scan sc;
	int bad;			/* 0 or the code of the first log problem */
	uint64_t bad_pos;
	int64_t bad_offset;		/* where the bad batch should have started */
	char why[200];
};

/*
 * Walk segment i's log from byte 0, calling walk_cb for each good batch.
 * expect: the offset its first batch must have (-1 any).  Returns 0, an
 * I/O error (err set), or the user's stop code via w->user_rc.
 */
static int
walk_seg(struct walk *w, size_t i, int64_t expect, unsigned scan_flags,
    struct seg_walk *sw, struct fl_err *err)
{
	char path[FL_SEGTOOL_PATH_MAX];
	struct fl_file *f;
	int rc;

	memset(sw, 0, sizeof(*sw));
	w->seg = i;
	w->seg_base = w->t->bases[i];
	w->running_max_ts = -1;
	w->epoch_bad = 0;
	fl_segtool_path(w->t, i, ".log", path, sizeof(path));
	rc = fl_vfs_open(w->t->vfs, path, FL_VFS_RDONLY, &f);
	if (rc != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, sys_why(rc));
	sw->sc.expect_offset = expect;
	rc = fl_seg_scan(f, &sw->sc, scan_flags, walk_cb, w);
	fl_vfs_close(f);
	if (rc == WALK_STOP && w->epoch_bad) {
		sw->bad = w->epoch_bad;
		sw->bad_pos = w->epoch_bad_pos;
		sw->bad_offset = w->epoch_bad_offset;
		snprintf(sw->why, sizeof(sw->why), "%s", w->epoch_why);
		sw->sc.good_end = w->epoch_bad_pos;
		return 0;
	}
	if (rc == WALK_STOP)
		return 0;
	if (rc != 0)
		return fl_err_set(err, rc, "%s: cannot read: %s", path, sys_why(rc));
	if (sw->sc.bad) {
		sw->bad = sw->sc.bad;
		sw->bad_pos = sw->sc.good_end;
		sw->bad_offset = sw->sc.next_offset >= 0 ? sw->sc.next_offset :
		    expect >= 0 ? expect : sw->sc.bad_offset;
		snprintf(sw->why, sizeof(sw->why), "%s", sw->sc.why);
	}
	return 0;
}

/* Offset after segment i's good batches. */
static uint64_t
seg_next(const struct fl_segtool *t, size_t i, const struct seg_walk *sw)
{
	return sw->sc.next_offset >= 0 ? (uint64_t)sw->sc.next_offset : t->bases[i];
}

/* ---- check ---- */

static int
add_problem(struct fl_segtool_report *rep, const struct fl_segtool_problem *p)
{
	struct fl_segtool_problem *np;

	np = realloc(rep->problems, (rep->nproblem + 1) * sizeof(*np));
	if (np == NULL)
		return FL_ENOMEM;
	rep->problems = np;
	np[rep->nproblem++] = *p;
	return 0;
}

static void
problem_init(struct fl_segtool_problem *p, const struct fl_segtool *t, size_t seg,
    enum fl_segtool_what what, const char *ext)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->seg = seg;
	p->pos = p->offset = -1;
	if (ext != NULL)
		fl_segtool_path(t, seg, ext, p->path, sizeof(p->path));
}

/*
 * Load an index file for the merge.  Missing: n = 0 and *entries = -1.
 * A torn tail (size not a multiple of the width) is a problem at its
 * position; the whole entries before it are still checked.  A problem
 * found here sets *status, as finish_index does, so repair rebuilds the
 * file.
 */
static int
load_index(struct fl_segtool *t, size_t seg, const char *ext, size_t width,
    uint64_t log_bytes, struct idx_merge *m, int64_t *entries, int *status,
    struct fl_segtool_report *rep, struct fl_err *err)
{
	struct fl_segtool_problem p;
	struct fl_file *f;
	uint64_t size, whole;
	int rc;

	memset(m, 0, sizeof(*m));
	m->width = width;
	*entries = -1;
	problem_init(&p, t, seg, width == 8 ? FL_SEGTOOL_INDEX : FL_SEGTOOL_TIMEINDEX, ext);
	rc = fl_vfs_open(t->vfs, p.path, FL_VFS_RDONLY, &f);
	if (rc == FL_ENOENT)
		return 0;
	if (rc != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", p.path, sys_why(rc));
	if ((rc = fl_vfs_size(f, &size)) != 0) {
		fl_vfs_close(f);
		return fl_err_set(err, rc, "%s: cannot stat: %s", p.path, sys_why(rc));
	}
	whole = size / width;
	*entries = (int64_t)whole;
	/* every entry names a distinct batch, and a batch is >= 61 bytes */
	if (whole > log_bytes / FL_BATCH_HDR_BYTES + 1) {
		fl_vfs_close(f);
		p.code = *status = FL_ECORRUPT;
		p.pos = 0;
		snprintf(p.why, sizeof(p.why), "%" PRIu64 " entries, more than the log "
		    "has batches", whole);
		return add_problem(rep, &p);
	}
	if (whole > 0) {
		m->ent = malloc((size_t)(whole * width));
		if (m->ent == NULL) {
			fl_vfs_close(f);
			return fl_err_set(err, FL_ENOMEM, "%s: out of memory", p.path);
		}
		rc = fl_vfs_pread_full(f, m->ent, (size_t)(whole * width), 0);
		if (rc != 0) {
			fl_vfs_close(f);
			return fl_err_set(err, rc, "%s: cannot read: %s", p.path, sys_why(rc));
		}
		m->n = (size_t)whole;
	}
	fl_vfs_close(f);
	if (size % width != 0) {
		p.code = *status = FL_ESHORT;
		p.pos = (int64_t)(whole * width);
		snprintf(p.why, sizeof(p.why), "torn entry: %" PRIu64 " bytes after the "
		    "last whole %zu-byte entry", size % width, width);
		return add_problem(rep, &p);
	}
	return 0;
}

/* After the walk: what the merge found, and entries left past the batches. */
static int
finish_index(struct fl_segtool *t, size_t seg, const char *ext, struct idx_merge *m,
    const struct seg_walk *sw, int *status, struct fl_segtool_report *rep)
{
	struct fl_segtool_problem p;

	problem_init(&p, t, seg, m->width == 8 ? FL_SEGTOOL_INDEX : FL_SEGTOOL_TIMEINDEX, ext);
	if (!m->bad && m->k < m->n && !sw->bad) {
		/* the log is sound, so an entry past its batches is wrong */
		const uint8_t *e = m->ent + m->k * m->width;
		uint32_t erel = fl_load_be32(m->width == 8 ? e : e + 8);

		if (m->width == 8)
			merge_bad(m, (int64_t)(t->bases[seg] + erel), "entry %zu: byte %"
			    PRIu32 " is past the last batch", m->k, fl_load_be32(e + 4));
		else
			merge_bad(m, (int64_t)(t->bases[seg] + erel), "entry %zu: offset %"
			    PRIu64 " is past the last batch", m->k, t->bases[seg] + erel);
	}
	if (!m->bad)
		return 0;
	*status = m->bad;
	p.code = m->bad;
	p.pos = (int64_t)(m->bad_entry * m->width);
	p.offset = m->bad_offset;
	snprintf(p.why, sizeof(p.why), "%s", m->why);
	return add_problem(rep, &p);
}

/* Decode a leader-epoch-checkpoint's content into an owned array. */
static int
epochs_decode(const uint8_t *p, size_t len, struct fl_epoch **out, size_t *n,
    struct fl_err *why)
{
	*out = malloc(FL_EPOCHS_MAX * sizeof(**out));
	*n = 0;
	if (*out == NULL)
		return FL_ENOMEM;
	return fl_epochs_decode(p, len, *out, FL_EPOCHS_MAX, n, why);
}

/* A META problem about dir/name, with code and a printf-style reason. */
static int
meta_problem(struct fl_segtool *t, struct fl_segtool_report *rep, const char *name,
    int code, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
meta_problem(struct fl_segtool *t, struct fl_segtool_report *rep, const char *name,
    int code, int64_t offset, const char *fmt, ...)
{
	struct fl_segtool_problem p;
	va_list ap;

	memset(&p, 0, sizeof(p));
	p.what = FL_SEGTOOL_META;
	p.seg = t->nseg;
	p.code = code;
	p.pos = -1;
	p.offset = offset;
	snprintf(p.path, sizeof(p.path), "%s/%s", t->dir, name);
	va_start(ap, fmt);
	vsnprintf(p.why, sizeof(p.why), fmt, ap);
	va_end(ap);
	return add_problem(rep, &p);
}

/*
 * The durable files: each trailer, and the content of those whose format
 * we own (the epoch checkpoint; the hw, which must not pass the end the
 * log will have once repaired).
 */
static int
check_meta(struct fl_segtool *t, struct fl_segtool_report *rep, struct fl_err *err)
{
	struct fl_epoch *ep;
	struct fl_err why;
	uint8_t *data;
	size_t len, n, i;
	uint64_t hw;
	int rc;

	for (i = 0; i < FL_ARRAY_LEN(meta_files); i++) {
		const char *name = meta_files[i];

		rc = fl_durable_read(t->vfs, t->dir, name, &data, &len);
		if (rc == FL_ENOENT)
			continue;
		if (rc == FL_ECORRUPT) {
			if ((rc = meta_problem(t, rep, name, FL_ECORRUPT, -1, "its BLAKE2b-256 "
			    "trailer does not match its content")) != 0)
				return rc;
			continue;
		}
		if (rc != 0)
			return fl_err_set(err, rc, "%s/%s: cannot read: %s", t->dir, name,
			    sys_why(rc));
		why.msg[0] = '\0';
		if (strcmp(name, EPOCH_FILE) == 0) {
			rc = epochs_decode(data, len, &ep, &n, &why);
			free(ep);
		} else if (strcmp(name, HW_FILE) == 0) {
			rc = fl_epochs_hw_decode(data, len, &hw, &why);
			if (rc == 0 && hw > rep->log_end)
				rc = meta_problem(t, rep, name, FL_EPROTO, (int64_t)rep->log_end,
				    "high watermark %" PRIu64 " is past the log end %" PRIu64
				    ": records it called committed are missing", hw,
				    rep->log_end);
		} else if (strcmp(name, "log-start") == 0) {
			rc = fl_epochs_hw_decode(data, len, &hw, &why);	/* the hw file's format */
		}
		free(data);
		if (rc == FL_ECORRUPT)
			rc = meta_problem(t, rep, name, FL_EPROTO, -1, "%.190s", why.msg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
stat_fill(struct fl_seg_stat *st, const struct seg_walk *sw)
{
	const struct fl_seg_scan *sc = &sw->sc;

	st->log_bytes = sc->file_size;
	st->good_bytes = sc->good_end;
	st->batches = sc->batches;
	st->records = sc->records;
	st->first_offset = sc->batches ? sc->first_offset : -1;
	st->last_offset = sc->batches ? sc->next_offset - 1 : -1;
	st->next_offset = sc->batches ? (uint64_t)sc->next_offset : st->base;
	st->min_epoch = sc->batches ? sc->min_epoch : -1;
	st->max_epoch = sc->batches ? sc->max_epoch : -1;
	st->max_ts = sc->batches ? sc->max_ts : -1;
	st->log_status = sw->bad;
}

int
fl_segtool_check(struct fl_segtool *t, unsigned flags,
    struct fl_segtool_report *rep, struct fl_err *err)
{
	unsigned scan_flags = (flags & FL_SEGTOOL_CHECK_RECORDS) ? FL_BATCH_CHECK_RECORDS : 0;
	struct fl_segtool_problem p;
	struct seg_walk sw;
	struct walk w;
	uint64_t prev_next = 0;
	int prev_ok = 0, rc = 0;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	rep->segs = calloc(t->nseg, sizeof(*rep->segs));
	if (rep->segs == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	rep->nseg = t->nseg;
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.is_check = 1;
	w.is_strict = t->kind != FL_SEGTOOL_FILE;
	w.last_epoch = -1;
	for (i = 0; i < t->nseg && rc == 0; i++) {
		struct fl_seg_stat *st = &rep->segs[i];
		uint64_t size = 0;
		char path[FL_SEGTOOL_PATH_MAX];

		st->base = t->bases[i];
		st->index_entries = st->timeindex_entries = -1;
		if (w.is_strict) {
			fl_segtool_path(t, i, ".log", path, sizeof(path));
			if ((rc = fl_vfs_stat(t->vfs, path, NULL, &size)) != 0) {
				fl_err_set(err, rc, "%s: %s", path, sys_why(rc));
				break;
			}
			if ((rc = load_index(t, i, ".index", 8, size, &w.idx,
			    &st->index_entries, &st->index_status, rep, err)) != 0 ||
			    (rc = load_index(t, i, ".timeindex", 12, size, &w.tidx,
			    &st->timeindex_entries, &st->timeindex_status, rep, err)) != 0)
				break;
		}
		rc = walk_seg(&w, i, w.is_strict ? (int64_t)t->bases[i] : -1,
		    scan_flags, &sw, err);
		if (rc != 0)
			break;
		if (t->kind == FL_SEGTOOL_FILE && sw.sc.batches > 0)
			st->base = t->bases[i] = (uint64_t)sw.sc.first_offset;
		stat_fill(st, &sw);
		if (i > 0 && prev_ok && prev_next != t->bases[i] && (sw.sc.batches > 0 ||
		    !sw.bad)) {
			/* a gap or an overlap: the segment's first batch is the bad one */
			problem_init(&p, t, i, FL_SEGTOOL_LOG, ".log");
			p.code = FL_EPROTO;
			p.pos = 0;
			p.offset = (int64_t)prev_next;
			snprintf(p.why, sizeof(p.why), "starts at offset %" PRIu64
			    " but the previous segment ends at %" PRIu64, t->bases[i], prev_next);
			st->log_status = FL_EPROTO;
			st->good_bytes = 0;
			if ((rc = add_problem(rep, &p)) != 0)
				break;
		} else if (sw.bad) {
			problem_init(&p, t, i, FL_SEGTOOL_LOG, ".log");
			p.code = sw.bad;
			p.pos = (int64_t)sw.bad_pos;
			p.offset = sw.bad_offset;
			snprintf(p.why, sizeof(p.why), "%s", sw.why);
			if ((rc = add_problem(rep, &p)) != 0)
				break;
		}
		prev_ok = st->log_status == 0;
		prev_next = seg_next(t, i, &sw);
		if (w.is_strict) {
			if ((rc = finish_index(t, i, ".index", &w.idx, &sw,
			    &st->index_status, rep)) != 0 ||
			    (rc = finish_index(t, i, ".timeindex", &w.tidx, &sw,
			    &st->timeindex_status, rep)) != 0)
				break;
		}
		free(w.idx.ent);
		free(w.tidx.ent);
		w.idx.ent = w.tidx.ent = NULL;
	}
	free(w.idx.ent);
	free(w.tidx.ent);
	if (rc == FL_ENOMEM)
		fl_err_set(err, rc, "out of memory");
	if (rc == 0) {
		const struct fl_segtool_problem *bad = fl_segtool_first_log_problem(rep);

		rep->log_end = bad == NULL ? rep->segs[t->nseg - 1].next_offset :
		    bad->offset >= 0 ? (uint64_t)bad->offset : rep->segs[bad->seg].next_offset;
	}
	if (rc == 0 && t->kind == FL_SEGTOOL_DIR)
		rc = check_meta(t, rep, err);
	if (rc != 0)
		fl_segtool_report_free(rep);
	return rc;
}

void
fl_segtool_report_free(struct fl_segtool_report *rep)
{
	free(rep->segs);
	free(rep->problems);
	memset(rep, 0, sizeof(*rep));
}

const struct fl_segtool_problem *
fl_segtool_first_log_problem(const struct fl_segtool_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nproblem; i++)
		if (rep->problems[i].what == FL_SEGTOOL_LOG)
			return &rep->problems[i];
	return NULL;
}

/* ---- repair and reindex ---- */

void
fl_segtool_actions_free(struct fl_segtool_actions *a)
{
	free(a->acts);
	a->acts = NULL;
	a->nact = 0;
}

static struct fl_segtool_action *
add_action(struct fl_segtool_actions *a, enum fl_segtool_act_kind kind,
    const char *path)
{
	struct fl_segtool_action *na;

	na = realloc(a->acts, (a->nact + 1) * sizeof(*na));
	if (na == NULL)
		return NULL;
	a->acts = na;
	na += a->nact++;
	memset(na, 0, sizeof(*na));
	na->kind = kind;
	snprintf(na->path, sizeof(na->path), "%s", path);
	na->offset = na->nidx = na->ntidx = -1;
	return na;
}

/* The first of path.corrupt, path.corrupt.1, ... that does not exist. */
static int
corrupt_name(struct fl_vfs *vfs, const char *path, char *buf, size_t n)
{
	int i, r, rc;

	for (i = 0; i < CORRUPT_SUFFIXES_MAX; i++) {
		r = i == 0 ? snprintf(buf, n, "%s.corrupt", path) :
		    snprintf(buf, n, "%s.corrupt.%d", path, i);
		if (r < 0 || (size_t)r >= n)
			return FL_ERANGE;
		rc = fl_vfs_stat(vfs, buf, NULL, NULL);
		if (rc == FL_ENOENT)
			return 0;
		if (rc != 0)
			return rc;
	}
	return FL_EEXIST;
}

static int
corrupt_name_err(struct fl_err *err, int rc, const char *path)
{
	if (rc == FL_EEXIST)
		return fl_err_set(err, rc, "%s: no free .corrupt name (.corrupt to "
		    ".corrupt.%d are taken)", path, CORRUPT_SUFFIXES_MAX - 1);
	return fl_err_set(err, rc, "%s.corrupt: cannot stat: %s", path, sys_why(rc));
}

/* Copy bytes [pos, end) of src into a new file dst, durably. */
static int
save_tail(struct fl_vfs *vfs, const char *src, uint64_t pos, const char *dst,
    const char *dir, struct fl_err *err)
{
	struct fl_file *in = NULL, *out = NULL;
	uint8_t *buf;
	uint64_t size, at;
	int rc;

	buf = malloc(COPY_CHUNK);
	if (buf == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	if ((rc = fl_vfs_open(vfs, src, FL_VFS_RDONLY, &in)) != 0 ||
	    (rc = fl_vfs_size(in, &size)) != 0) {
		fl_err_set(err, rc, "%s: cannot read: %s", src, sys_why(rc));
		goto out;
	}
	if ((rc = fl_vfs_open(vfs, dst, FL_VFS_CREATE | FL_VFS_EXCL, &out)) != 0) {
		fl_err_set(err, rc, "%s: cannot create: %s", dst, sys_why(rc));
		goto out;
	}
	for (at = pos; at < size; ) {
		size_t want = size - at < COPY_CHUNK ? (size_t)(size - at) : COPY_CHUNK;

		if ((rc = fl_vfs_pread_full(in, buf, want, at)) != 0) {
			fl_err_set(err, rc, "%s: cannot read: %s", src, sys_why(rc));
			goto out;
		}
		if ((rc = fl_vfs_pwrite(out, buf, want, at - pos)) != 0) {
			fl_err_set(err, rc, "%s: cannot write: %s", dst, sys_why(rc));
			goto out;
		}
		at += want;
	}
	if ((rc = fl_vfs_sync(out)) != 0) {
		fl_err_set(err, rc, "%s: cannot sync: %s", dst, sys_why(rc));
		goto out;
	}
	/* the copy must be durable, name included, before anything is cut */
	if ((rc = fl_vfs_sync_dir(vfs, dir)) != 0)
		fl_err_set(err, rc, "%s: cannot sync: %s", dir, sys_why(rc));
out:
	fl_vfs_close(in);
	fl_vfs_close(out);
	free(buf);
	return rc;
}

static int
cut_file(struct fl_vfs *vfs, const char *path, uint64_t pos, struct fl_err *err)
{
	struct fl_file *f;
	int rc;

	if ((rc = fl_vfs_open(vfs, path, 0, &f)) != 0)
		return fl_err_set(err, rc, "%s: cannot open: %s", path, sys_why(rc));
	if ((rc = fl_vfs_truncate(f, pos)) != 0 || (rc = fl_vfs_sync(f)) != 0)
		fl_err_set(err, rc, "%s: cannot truncate: %s", path, sys_why(rc));
	fl_vfs_close(f);
	return rc;
}

/* Move segment i's log aside and delete its (derived) indexes. */
static int
move_segment(struct fl_segtool *t, size_t i, int is_dry_run,
    struct fl_segtool_actions *out, struct fl_err *err)
{
	static const char *const idx_ext[] = { ".index", ".timeindex" };
	struct fl_segtool_action *a;
	char path[FL_SEGTOOL_PATH_MAX], saved[FL_SEGTOOL_PATH_MAX];
	uint64_t size = 0;
	size_t k;
	int rc;

	fl_segtool_path(t, i, ".log", path, sizeof(path));
	if ((rc = corrupt_name(t->vfs, path, saved, sizeof(saved))) != 0)
		return corrupt_name_err(err, rc, path);
	if ((rc = fl_vfs_stat(t->vfs, path, NULL, &size)) != 0)
		return fl_err_set(err, rc, "%s: %s", path, sys_why(rc));
	if ((a = add_action(out, FL_SEGTOOL_MOVE, path)) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	snprintf(a->saved, sizeof(a->saved), "%s", saved);
	a->bytes = size;
	a->offset = (int64_t)t->bases[i];
	if (is_dry_run)
		return 0;
	if ((rc = fl_vfs_rename(t->vfs, path, saved)) != 0)
		return fl_err_set(err, rc, "%s: cannot rename: %s", path, sys_why(rc));
	for (k = 0; k < FL_ARRAY_LEN(idx_ext); k++) {
		fl_segtool_path(t, i, idx_ext[k], path, sizeof(path));
		rc = fl_vfs_unlink(t->vfs, path);
		if (rc != 0 && rc != FL_ENOENT)
			return fl_err_set(err, rc, "%s: cannot remove: %s", path, sys_why(rc));
	}
	return 0;
}

static int
reindex_one(struct fl_segtool *t, size_t i, uint64_t good_bytes, uint32_t interval,
    int is_dry_run, struct fl_segtool_actions *out, struct fl_err *err)
{
	struct fl_segtool_action *a;
	char path[FL_SEGTOOL_PATH_MAX];
	size_t nidx = 0, ntidx = 0;
	int rc;

	fl_segtool_path(t, i, ".index", path, sizeof(path));
	if ((a = add_action(out, FL_SEGTOOL_REINDEX, path)) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	a->bytes = good_bytes;
	if (is_dry_run)
		return 0;
	rc = fl_seg_reindex(t->vfs, t->dir, t->bases[i], good_bytes, interval,
	    &nidx, &ntidx, err);
	a = &out->acts[out->nact - 1];
	a->nidx = (int64_t)nidx;
	a->ntidx = (int64_t)ntidx;
	return rc;
}

/*
 * How many entries of a sound epoch checkpoint start at or after end, in
 * *stale; a missing or damaged checkpoint counts 0 (a damaged one is a
 * problem of its own).  0, or an I/O error with err set.
 */
static int
stale_epochs(struct fl_segtool *t, uint64_t end, size_t *stale, struct fl_err *err)
{
	struct fl_epoch *ep;
	uint8_t *data;
	size_t len, n, i;
	int rc;

	*stale = 0;
	rc = fl_durable_read(t->vfs, t->dir, EPOCH_FILE, &data, &len);
	if (rc == FL_ENOENT || rc == FL_ECORRUPT)
		return 0;
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: cannot read: %s", t->dir, EPOCH_FILE,
		    sys_why(rc));
	rc = epochs_decode(data, len, &ep, &n, NULL);
	free(data);
	if (rc == 0)
		for (i = 0; i < n; i++)
			if (ep[i].start_offset >= end)
				(*stale)++;
	free(ep);
	if (rc == FL_ENOMEM)
		return fl_err_set(err, rc, "out of memory");
	return 0;
}

/* Move a damaged durable file aside to its first free .corrupt name. */
static int
move_meta(struct fl_segtool *t, const char *path, int is_dry_run,
    struct fl_segtool_actions *out, struct fl_err *err)
{
	struct fl_segtool_action *a;
	uint64_t size = 0;
	int rc;

	if ((rc = fl_vfs_stat(t->vfs, path, NULL, &size)) != 0)
		return fl_err_set(err, rc, "%s: %s", path, sys_why(rc));
	if ((a = add_action(out, FL_SEGTOOL_MOVE, path)) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	a->bytes = size;
	if ((rc = corrupt_name(t->vfs, path, a->saved, sizeof(a->saved))) != 0)
		return corrupt_name_err(err, rc, path);
	if (is_dry_run)
		return 0;
	if ((rc = fl_vfs_rename(t->vfs, path, a->saved)) != 0)
		return fl_err_set(err, rc, "%s: cannot rename: %s", path, sys_why(rc));
	if ((rc = fl_vfs_sync_dir(t->vfs, t->dir)) != 0)
		return fl_err_set(err, rc, "%s: cannot sync: %s", t->dir, sys_why(rc));
	return 0;
}

/* Write hw as the partition's high watermark, durably. */
static int
write_hw(struct fl_segtool *t, const char *path, uint64_t hw, int is_dry_run,
    struct fl_segtool_actions *out, struct fl_err *err)
{
	struct fl_segtool_action *a;
	struct fl_wr w;
	int rc;

	if ((a = add_action(out, FL_SEGTOOL_HW, path)) == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	a->offset = (int64_t)hw;
	if (is_dry_run)
		return 0;
	fl_wr_init(&w, 64);
	rc = fl_epochs_hw_encode(&w, hw);
	if (rc == 0)
		rc = fl_durable_write(t->vfs, t->dir, HW_FILE, w.p, w.len);
	fl_wr_free(&w);
	if (rc != 0)
		return fl_err_set(err, rc, "%s: cannot write: %s", path, sys_why(rc));
	return 0;
}

/* The log: cut at the first bad batch, move later segments aside, reindex. */
static int
repair_log(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t interval, int is_dry_run, struct fl_segtool_actions *out,
    struct fl_err *err)
{
	const struct fl_segtool_problem *bad = fl_segtool_first_log_problem(rep);
	char path[FL_SEGTOOL_PATH_MAX], dir[FL_SEGTOOL_PATH_MAX];
	size_t i, nkeep = t->nseg;
	int rc;

	if ((rc = target_dir(t, dir, sizeof(dir))) != 0)
		return fl_err_set(err, rc, "path too long");
	if (bad != NULL) {
		size_t k = bad->seg;
		uint64_t pos = (uint64_t)bad->pos;
		struct fl_segtool_action *a;

		if (pos == 0 && k > 0) {
			nkeep = k;	/* nothing of it is good: move it whole */
		} else {
			nkeep = k + 1;
			fl_segtool_path(t, k, ".log", path, sizeof(path));
			if ((a = add_action(out, FL_SEGTOOL_CUT, path)) == NULL)
				return fl_err_set(err, FL_ENOMEM, "out of memory");
			a->pos = pos;
			a->bytes = rep->segs[k].log_bytes - pos;
			a->offset = (int64_t)rep->log_end;
			if ((rc = corrupt_name(t->vfs, path, a->saved, sizeof(a->saved))) != 0)
				return corrupt_name_err(err, rc, path);
			if (!is_dry_run) {
				if ((rc = save_tail(t->vfs, path, pos, a->saved, dir, err)) != 0)
					return rc;
				if ((rc = cut_file(t->vfs, path, pos, err)) != 0)
					return rc;
			}
		}
		/* later segments would leave a gap: move them aside, newest first */
		for (i = t->nseg; i-- > nkeep; )
			if ((rc = move_segment(t, i, is_dry_run, out, err)) != 0)
				return rc;
		if (nkeep < t->nseg && !is_dry_run &&
		    (rc = fl_vfs_sync_dir(t->vfs, dir)) != 0)
			return fl_err_set(err, rc, "%s: cannot sync: %s", dir, sys_why(rc));
	}
	if (t->kind == FL_SEGTOOL_FILE)
		return 0;
	for (i = 0; i < nkeep; i++) {
		const struct fl_seg_stat *st = &rep->segs[i];
		int is_cut = bad != NULL && i == bad->seg;

		if (!is_cut && st->index_status == 0 && st->timeindex_status == 0)
			continue;
		if ((rc = reindex_one(t, i, is_cut ? (uint64_t)bad->pos :
		    st->good_bytes, interval, is_dry_run, out, err)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The durable files, once the log is repaired: the epoch checkpoint
 * rebuilt or trimmed to the new end (by plog's open, which does both),
 * the hw lowered to the new end, and damaged hw and producers files moved
 * aside (the broker starts without them: it rebuilds producer state from
 * the log, and a missing hw is its to choose).
 */
static int
repair_meta(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t interval, int is_dry_run, struct fl_segtool_actions *out,
    struct fl_err *err)
{
	char path[FL_SEGTOOL_PATH_MAX];
	int is_epoch_bad = 0, rc;
	size_t i, stale = 0;

	for (i = 0; i < rep->nproblem; i++) {
		const struct fl_segtool_problem *p = &rep->problems[i];
		const char *name = strrchr(p->path, '/');

		if (p->what != FL_SEGTOOL_META || name == NULL)
			continue;
		name++;
		rc = 0;
		if (strcmp(name, EPOCH_FILE) == 0)
			is_epoch_bad = 1;
		else if (strcmp(name, HW_FILE) == 0 && p->offset >= 0)
			rc = write_hw(t, p->path, (uint64_t)p->offset, is_dry_run, out, err);
		else
			rc = move_meta(t, p->path, is_dry_run, out, err);
		if (rc != 0)
			return rc;
	}
	if (!is_epoch_bad && fl_segtool_first_log_problem(rep) != NULL &&
	    (rc = stale_epochs(t, rep->log_end, &stale, err)) != 0)
		return rc;
	if (is_epoch_bad || stale > 0) {
		struct fl_segtool_action *a;

		snprintf(path, sizeof(path), "%s/%s", t->dir, EPOCH_FILE);
		if ((a = add_action(out, FL_SEGTOOL_EPOCHS, path)) == NULL)
			return fl_err_set(err, FL_ENOMEM, "out of memory");
		a->offset = (int64_t)rep->log_end;
		if (!is_dry_run) {
			struct fl_plog_config cfg;
			struct fl_plog l;

			fl_plog_config_default(&cfg);
			cfg.index_interval_bytes = interval;
			if ((rc = fl_plog_open(&l, t->vfs, t->dir, &cfg, 0, 0, NULL, err)) != 0)
				return rc;
			a->offset = (int64_t)l.log_end;
			fl_plog_close(&l);
		}
	}
	return 0;
}

int
fl_segtool_repair(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t interval, int is_dry_run, struct fl_segtool_actions *out,
    struct fl_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	FL_ASSERT(rep->nseg == t->nseg);
	rc = repair_log(t, rep, interval, is_dry_run, out, err);
	if (rc == 0 && t->kind == FL_SEGTOOL_DIR)
		rc = repair_meta(t, rep, interval, is_dry_run, out, err);
	return rc;
}

int
fl_segtool_reindex(struct fl_segtool *t, const struct fl_segtool_report *rep,
    uint32_t interval, struct fl_segtool_actions *out, struct fl_err *err)
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (t->kind == FL_SEGTOOL_FILE)
		return fl_err_set(err, FL_EINVAL, "%s: not a segment file name "
		    "(NNNNNNNNNNNNNNNNNNNN.log): cannot tell its index", t->file);
	for (i = 0; i < t->nseg; i++) {
		/* a segment that does not start where its name says has no good prefix */
		uint64_t good = rep->segs[i].log_status != 0 &&
		    rep->segs[i].batches == 0 ? 0 : rep->segs[i].good_bytes;

		if ((rc = reindex_one(t, i, good, interval, 0, out, err)) != 0)
			return rc;
	}
	return 0;
}

/* ---- records and digest ---- */

int
fl_segtool_records(struct fl_segtool *t, uint64_t from, uint64_t to,
    fl_segtool_item_fn fn, void *arg, struct fl_segtool_problem *prob,
    struct fl_err *err)
{
	struct seg_walk sw;
	struct walk w;
	uint64_t prev_next = 0;
	size_t i;
	int rc;

	memset(&w, 0, sizeof(w));
	w.t = t;
	w.is_strict = t->kind != FL_SEGTOOL_FILE;
	w.last_epoch = -1;
	w.from = from;
	w.to = to;
	w.fn = fn;
	w.arg = arg;
	for (i = 0; i < t->nseg && !w.is_done; i++) {
		if (t->kind == FL_SEGTOOL_DIR && i + 1 < t->nseg && t->bases[i + 1] <= from) {
			/* all before 'from'; the walk of the next one checks its start */
			prev_next = t->bases[i + 1];
			continue;
		}
		if (w.is_strict && t->bases[i] >= to)
			break;
		if (i > 0 && prev_next != t->bases[i] && prev_next < to) {
			if (prob != NULL) {
				problem_init(prob, t, i, FL_SEGTOOL_LOG, ".log");
				prob->code = FL_EPROTO;
				prob->pos = 0;
				prob->offset = (int64_t)prev_next;
				snprintf(prob->why, sizeof(prob->why), "starts at offset %"
				    PRIu64 " but the previous segment ends at %" PRIu64,
				    t->bases[i], prev_next);
			}
			return fl_err_set(err, FL_ECORRUPT, "gap between segments");
		}
		rc = walk_seg(&w, i, w.is_strict ? (int64_t)t->bases[i] : -1,
		    FL_BATCH_CHECK_RECORDS, &sw, err);
		if (rc != 0)
			return rc;
		if (w.user_rc != 0)
			return w.user_rc;
		if (sw.bad && !w.is_done && (sw.bad_offset < 0 || (uint64_t)sw.bad_offset < to)) {
			if (prob != NULL) {
				problem_init(prob, t, i, FL_SEGTOOL_LOG, ".log");
				prob->code = sw.bad;
				prob->pos = (int64_t)sw.bad_pos;
				prob->offset = sw.bad_offset;
				snprintf(prob->why, sizeof(prob->why), "%s", sw.why);
			}
			return fl_err_set(err, FL_ECORRUPT, "damaged log");
		}
		prev_next = seg_next(t, i, &sw);
	}
	return 0;
}

void
fl_segtool_digest_encode(struct fl_wr *w, const struct fl_segtool_item *it)
{
	const struct fl_record *r = it->rec;
	struct fl_record_header h;
	struct fl_rd hr;

	if (r == NULL) {
		/* a compressed batch, whole: everything the CRC covers */
		fl_wr_i8(w, 'B');
		fl_wr_i64(w, it->hdr->base_offset);
		fl_wr_i64(w, fl_batch_last_offset(it->hdr));
		fl_wr_bytes(w, it->batch + FL_BATCH_OFF_ATTRIBUTES,
		    it->batch_len - FL_BATCH_OFF_ATTRIBUTES);
		return;
	}
	fl_wr_i8(w, 'R');
	fl_wr_i64(w, r->offset);
	fl_wr_i64(w, it->timestamp);
	fl_wr_bytes(w, r->key.p, r->key.len);
	fl_wr_bytes(w, r->value.p, r->value.len);
	fl_wr_i32(w, r->header_count);
	fl_rd_init(&hr, r->headers.p, r->headers.len);
	while (fl_record_header_next(&hr, &h) == 1) {
		/* a header key is never null; an empty one must not read as null */
		fl_wr_bytes(w, h.key.p ? h.key.p : (const uint8_t *)"", h.key.len);
		fl_wr_bytes(w, h.value.p, h.value.len);
	}
}

struct digest_arg {
	struct fl_segtool_digest *d;
	struct fl_blake2b_state st;
	struct fl_wr w;
};

static int
digest_cb(void *arg, const struct fl_segtool_item *it)
{
	struct digest_arg *a = arg;
	struct fl_segtool_digest *d = a->d;
	int64_t first = it->rec ? it->rec->offset : it->hdr->base_offset;
	int64_t last = it->rec ? it->rec->offset : fl_batch_last_offset(it->hdr);

	fl_wr_reset(&a->w);
	fl_segtool_digest_encode(&a->w, it);
	if (a->w.err != 0)
		return a->w.err;
	fl_blake2b_update(&a->st, a->w.p, a->w.len);
	if (d->first_offset < 0)
		d->first_offset = first;
	d->last_offset = last;
	if (it->rec)
		d->records++;
	else
		d->compressed_batches++;
	return 0;
}

int
fl_segtool_digest(struct fl_segtool *t, uint64_t from, uint64_t to,
    struct fl_segtool_digest *d, struct fl_segtool_problem *prob,
    struct fl_err *err)
{
	struct digest_arg a;
	int rc;

	memset(d, 0, sizeof(*d));
	d->first_offset = d->last_offset = -1;
	a.d = d;
	fl_blake2b_init(&a.st);
	fl_wr_init(&a.w, FL_BATCH_BYTES_MAX + 64);
	rc = fl_segtool_records(t, from, to, digest_cb, &a, prob, err);
	fl_wr_free(&a.w);
	if (rc == FL_ENOMEM || rc == FL_EFULL || rc == FL_ERANGE)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	if (rc != 0)
		return rc;
	fl_blake2b_final(&a.st, d->sum);
	d->end_offset = d->last_offset >= 0 && (uint64_t)d->last_offset + 1 > from ?
	    (uint64_t)d->last_offset + 1 : from;
	if (d->end_offset > to)
		d->end_offset = to;
	return 0;
}

/* ---- truncate and append ---- */

int
fl_segtool_truncate(struct fl_vfs *vfs, const char *dir, uint64_t offset,
    int64_t now_ms, uint64_t *log_end, struct fl_err *err)
{
	const struct fl_segtool_problem *bad;
	struct fl_segtool_report rep;
	struct fl_segtool t;
	struct fl_plog l;
	int rc;

	if ((rc = fl_segtool_open(&t, vfs, dir, err)) != 0)
		return rc;
	if (t.kind != FL_SEGTOOL_DIR) {
		fl_segtool_close(&t);
		return fl_err_set(err, FL_ENOENT, "%s: not a partition directory", dir);
	}
	rc = fl_segtool_check(&t, 0, &rep, err);
	fl_segtool_close(&t);
	if (rc != 0)
		return rc;
	/* recovery would cut a damaged tail without keeping a copy: refuse */
	if ((bad = fl_segtool_first_log_problem(&rep)) != NULL) {
		rc = fl_err_set(err, FL_ECORRUPT, "%s: bad batch at byte %" PRId64
		    " (offset %" PRId64 "): %s; run flume-seg repair first",
		    bad->path, bad->pos, bad->offset, bad->why);
		fl_segtool_report_free(&rep);
		return rc;
	}
	fl_segtool_report_free(&rep);
	if ((rc = fl_plog_open(&l, vfs, dir, NULL, 0, now_ms, NULL, err)) != 0)
		return rc;
	if (offset < l.log_start)
		rc = fl_err_set(err, FL_ERANGE, "%s: offset %" PRIu64 " is below the "
		    "log start %" PRIu64, dir, offset, l.log_start);
	else if ((rc = fl_plog_truncate(&l, offset)) != 0)
		fl_err_set(err, rc, "%s: cannot truncate: %s", dir, sys_why(rc));
	*log_end = l.log_end;
	fl_plog_close(&l);
	return rc;
}

void
fl_segtool_appender_init(struct fl_segtool_appender *a, struct fl_plog *log,
    size_t batch_records_max)
{
	memset(a, 0, sizeof(*a));
	a->log = log;
	fl_wr_init(&a->w, FL_BATCH_BYTES_MAX);
	a->batch_records_max = batch_records_max ? batch_records_max : 1;
	a->batch_bytes_max = FL_SEGTOOL_BATCH_BYTES;
	a->first_offset = -1;
}

int
fl_segtool_appender_flush(struct fl_segtool_appender *a, int64_t now_ms)
{
	uint64_t base;
	int rc;

	if (!a->is_building)
		return 0;
	a->is_building = 0;
	if ((rc = fl_batch_end(&a->b)) != 0)
		return rc;
	rc = fl_plog_append(a->log, a->w.p, a->w.len, FL_PLOG_APPEND_ASSIGN, 0,
	    now_ms, &base);
	if (rc != 0)
		return rc;
	if (a->first_offset < 0)
		a->first_offset = (int64_t)base;
	a->records += (uint64_t)a->b.count;
	a->batches++;
	fl_wr_reset(&a->w);
	return 0;
}

int
fl_segtool_appender_add(struct fl_segtool_appender *a, int64_t ts_ms,
    const struct fl_slice *key, const struct fl_slice *value, int64_t now_ms)
{
	size_t need = 32 + (key && key->p ? key->len : 0) + (value && value->p ? value->len : 0);
	int rc;

	if (need > FL_BATCH_BYTES_MAX - FL_BATCH_HDR_BYTES)
		return FL_ERANGE;
	if (a->is_building && a->b.count > 0 &&
	    (a->w.len + need > a->batch_bytes_max)) {
		if ((rc = fl_segtool_appender_flush(a, now_ms)) != 0)
			return rc;
	}
	if (!a->is_building) {
		fl_wr_reset(&a->w);
		fl_batch_begin(&a->b, &a->w, ts_ms, -1, -1, -1, 0);
		a->is_building = 1;
	}
	if ((rc = fl_batch_add(&a->b, ts_ms, key, value, NULL, 0)) != 0)
		return rc == FL_EFULL ? FL_ERANGE : rc;
	if ((size_t)a->b.count >= a->batch_records_max)
		return fl_segtool_appender_flush(a, now_ms);
	return 0;
}

void
fl_segtool_appender_free(struct fl_segtool_appender *a)
{
	fl_wr_free(&a->w);
	a->is_building = 0;
}
