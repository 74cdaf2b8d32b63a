/*
 * bench-storage.c: the storage benchmark behind `make bench-storage`.
 *
 * In a scratch directory made under -d (bench/out by default, on the
 * repository's filesystem; tmpfs is refused unless -f) it measures, in one
 * run and on one disk:
 *
 *   raw baselines  write(2) of 1 MiB chunks with no sync (the buffered write
 *                  bandwidth), write(2) of one batch's bytes at a time with
 *                  no sync, and write(2) + fdatasync(2) per batch;
 *   flume appends  fl_plog_append (ASSIGN) of batches of 1, 16 and 1000
 *                  records with 100-byte values, prebuilt with the batch
 *                  builder, without and with fl_plog_sync after each batch;
 *   lookups        fl_plog_read at random offsets (fixed-seed PRNG) of a
 *                  10,000,000-record log of 1000-record batches, every
 *                  answer checked, plus raw pread(2) calls as a floor.
 *
 * MB are 10^6 bytes of log (whole batches, framing included), so flume and
 * the raw baselines count the same bytes.  Each case stops at -t seconds or
 * -b MiB, whichever comes first.  No-sync cases run three times and keep
 * the best run, raw and flume alike; the final fdatasync of a no-sync run is
 * timed separately and not counted.  Rates are truncated, never rounded up.
 *
 * It prints a table and, with -o, replaces the section between the
 * bench-storage markers in that Markdown file (appending it if absent).
 * Exit: 0 when everything ran and every check held, whether or not the
 * targets were met; 64 usage; 65 a lookup or append gave a wrong answer;
 * 74 an I/O or flume error; 130 interrupted.  The scratch directory is
 * removed on every exit path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/csum.h"
#include "base/err.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "os/clock.h"
#include "os/diag.h"
#include "os/vfs_real.h"
#include "store/plog.h"
#include "store/vfs.h"

#define VALUE_BYTES      100
#define NSIZES           3
#define NOSYNC_REPS      5		/* no-sync runs per case; the best is kept */
#define SYNC_ROUNDS      3		/* fsync cases: raw and flume alternate this often */
#define RAW_CHUNK_BYTES  (1u << 20)
#define FETCH_BYTES      (1u << 20)	/* Kafka's max.partition.fetch.bytes default */
#define LOOKUP_SEED      0x5eedf1a7e0001ull
#define VERIFY_SAMPLES   10000
#define TARGET_RATIO     0.80
#define TARGET_LOOKUPS   500000.0
#define MARK_BEGIN       "<!-- bench-storage:begin -->"
#define MARK_END         "<!-- bench-storage:end -->"

static const uint32_t batch_records[NSIZES] = { 1, 16, 1000 };

/*
 * File-scope state, as main.c files may keep: the signal flag, and the
 * scratch path so that the atexit handler removes it on fl_die paths too.
 */
static volatile sig_atomic_t stop_sig;
static char scratch[PATH_MAX];

struct opts {
	const char *dir;		/* parent of the scratch dir */
	const char *results;		/* Markdown file to update, NULL: none */
	const char *rev;		/* label for the flume revision */
	double case_s;			/* time bound per case */
	uint64_t case_bytes;		/* byte bound per append case */
	uint64_t lookup_records;	/* records in the lookup log */
	uint64_t lookups_max;		/* lookups per lookup case at most */
	int force;			/* run on tmpfs too */
};

/* One timed run. */
struct meas {
	uint64_t ops;			/* writes, appends or lookups */
	uint64_t records;
	uint64_t bytes;
	double secs;
	double flush_secs;		/* the final fdatasync of a no-sync run, not in secs */
	int done;
};

struct batch_tmpl {
	uint8_t *p;			/* owned; a checked batch */
	size_t n;
	uint32_t records;
};

struct machine {
	char date[64];			/* UTC, ISO 8601 */
	char uname[512];
	char cpu[256];
	long ncpu;
	uint64_t mem_bytes;
	char fs_type[64], fs_dev[256], fs_mnt[PATH_MAX], fs_opts[256];
	char dir[PATH_MAX];		/* realpath of -d */
};

struct results {
	struct meas raw_mib[NOSYNC_REPS];	/* 1 MiB chunks, no sync */
	struct meas raw_same[NSIZES];		/* one batch per write, no sync (best) */
	struct meas raw_sync[NSIZES];		/* write + fdatasync per batch */
	struct meas fl_nosync[NSIZES];		/* best of NOSYNC_REPS */
	struct meas fl_sync[NSIZES];
	double raw_same_min[NSIZES];		/* slowest no-sync run, MB/s */
	double fl_nosync_min[NSIZES];
	struct meas build;			/* the lookup log, appended without sync */
	double build_sync_s, reopen_s;
	uint64_t lookup_log_bytes, lookup_log_end;
	size_t lookup_nseg;
	struct meas look_one;			/* max_bytes 1: one batch */
	struct meas look_fetch;			/* max_bytes 1 MiB */
	struct meas raw_pread;			/* pread(61 B) at random positions */
	uint64_t verified;			/* sampled spans whose bytes were checked */
};

/* ---- small helpers ---- */

static void
on_signal(int sig)
{
	stop_sig = sig;
}



/* Truncate to one decimal, so that printing never rounds up. */
static double
trunc1(double x)
{
	return x < 0 ? 0 : (double)(uint64_t)(x * 10.0) / 10.0;
}

static uint64_t
per_s(uint64_t n, double secs)
{
	return secs > 0 ? (uint64_t)((double)n / secs) : 0;
}

static double
mb_s(const struct meas *m)
{
	return m->secs > 0 ? (double)m->bytes / 1e6 / m->secs : 0;
}

/* Keep the fastest run in *best and the slowest rate in *min_mb. */
static void
keep_best(struct meas *best, double *min_mb, const struct meas *m)
{
	if (!best->done || mb_s(m) < *min_mb)
		*min_mb = mb_s(m);
	if (!best->done || mb_s(m) > mb_s(best))
		*best = *m;
}

/* Add run m to the running total *sum (fsync cases split into rounds). */
static void
add_meas(struct meas *sum, const struct meas *m)
{
	sum->ops += m->ops;
	sum->records += m->records;
	sum->bytes += m->bytes;
	sum->secs += m->secs;
	sum->flush_secs += m->flush_secs;
	sum->done = 1;
}

static void
check_stop(void)
{
	if (stop_sig)
		fl_diex(130, "interrupted by signal %d", (int)stop_sig);
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void
rm_tree(const char *path)
{
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		fl_warn("cannot remove %s", path);
}

static void
cleanup(void)
{
	if (scratch[0] != '\0') {
		rm_tree(scratch);
		scratch[0] = '\0';
	}
}

/* Write back what earlier cases left dirty, so each case starts clean. */
static void
settle(void)
{
	int fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

static void
path_in(char *buf, size_t n, const char *name)
{
	int r = snprintf(buf, n, "%s/%s", scratch, name);

	if (r < 0 || (size_t)r >= n)
		fl_diex(EX_SOFTWARE, "path too long: %s/%s", scratch, name);
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
die_fl(int rc, const char *what, const struct fl_err *err)
{
	if (rc == FL_ESYS)
		fl_die(EX_IOERR, "%s: %s%s%s", what, fl_strerror(rc),
		    err && err->msg[0] ? ": " : "", err ? err->msg : "");
	fl_diex(EX_IOERR, "%s: %s%s%s", what, fl_strerror(rc),
	    err && err->msg[0] ? ": " : "", err ? err->msg : "");
}

/* ---- the machine ---- */

static void
first_line_value(const char *file, const char *key, char *out, size_t n)
{
	FILE *f = fopen(file, "r");
	char line[512];
	size_t klen = strlen(key);

	snprintf(out, n, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon;

		if (strncmp(line, key, klen) != 0 || (colon = strchr(line, ':')) == NULL)
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, n, "%s", colon);
		break;
	}
	fclose(f);
}

/* The mount holding dir: the longest mount point that prefixes it. */
static void
find_mount(struct machine *mc)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char dev[256], mnt[PATH_MAX], type[64], mopts[256];
	size_t best = 0;

	snprintf(mc->fs_type, sizeof(mc->fs_type), "unknown");
	mc->fs_dev[0] = mc->fs_mnt[0] = mc->fs_opts[0] = '\0';
	if (f == NULL)
		return;
	while (fscanf(f, "%255s %4095s %63s %255s %*d %*d", dev, mnt, type, mopts) == 4) {
		size_t len = strlen(mnt);

		if (strncmp(mc->dir, mnt, len) != 0)
			continue;
		if (len > 1 && mc->dir[len] != '/' && mc->dir[len] != '\0')
			continue;
		if (len >= best) {
			best = len;
			snprintf(mc->fs_type, sizeof(mc->fs_type), "%s", type);
			snprintf(mc->fs_dev, sizeof(mc->fs_dev), "%s", dev);
			snprintf(mc->fs_mnt, sizeof(mc->fs_mnt), "%s", mnt);
			snprintf(mc->fs_opts, sizeof(mc->fs_opts), "%s", mopts);
		}
	}
	fclose(f);
}

static void
describe_machine(struct machine *mc)
{
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(mc->date, sizeof(mc->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u) == 0)
		snprintf(mc->uname, sizeof(mc->uname), "%s %s %s %s %s",
		    u.sysname, u.nodename, u.release, u.version, u.machine);
	else
		snprintf(mc->uname, sizeof(mc->uname), "unknown");
	first_line_value("/proc/cpuinfo", "model name", mc->cpu, sizeof(mc->cpu));
	mc->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	mc->mem_bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	find_mount(mc);
}

/* ---- batches ---- */

static void
build_batch(struct batch_tmpl *t, uint32_t nrec, int64_t ts, struct fl_rng *rng)
{
	struct fl_wr w;
	struct fl_batch_builder b;
	struct fl_batch_hdr h;
	struct fl_err err = { 0 };
	uint8_t value[VALUE_BYTES];
	struct fl_slice key = { NULL, 0 }, val = { value, sizeof(value) };
	uint32_t i;
	int rc;

	fl_wr_init(&w, 4u << 20);
	fl_batch_begin(&b, &w, ts, -1, -1, -1, 0);
	for (i = 0; i < nrec; i++) {
		fl_rng_fill(rng, value, sizeof(value));
		if ((rc = fl_batch_add(&b, ts, &key, &val, NULL, 0)) != 0)
			die_fl(rc, "fl_batch_add", NULL);
	}
	if ((rc = fl_batch_end(&b)) != 0)
		die_fl(rc, "fl_batch_end", NULL);
	if ((rc = fl_batch_check(w.p, w.len, FL_BATCH_CHECK_RECORDS, &h, &err)) != 0)
		die_fl(rc, "fl_batch_check of a built batch", &err);
	if (h.count != (int32_t)nrec)
		fl_diex(EX_DATAERR, "built batch holds %" PRId32 " records, want %" PRIu32,
		    h.count, nrec);
	t->p = fl_wr_detach(&w, &t->n);
	t->records = nrec;
}

/* ---- raw baselines ---- */

/*
 * write(2) chunk to a fresh file over and over, with fdatasync(2) after
 * every write when sync_each, until the time or byte bound.
 */
static void
raw_write(const char *name, const uint8_t *chunk, size_t n, uint32_t records,
    int sync_each, const struct opts *o, struct meas *m)
{
	char path[PATH_MAX];
	unsigned mask = sync_each ? 0 : 63;
	uint64_t i;
	double t0, t1;
	int fd;

	memset(m, 0, sizeof(*m));
	path_in(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fl_die(EX_IOERR, "open %s", path);
	t0 = ((double)fl_clock_ns() / 1e9);
	for (i = 0;; i++) {
		if (write_all(fd, chunk, n) < 0)
			fl_die(EX_IOERR, "write %s", path);
		if (sync_each && fdatasync(fd) < 0)
			fl_die(EX_IOERR, "fdatasync %s", path);
		m->bytes += n;
		if (m->bytes >= o->case_bytes || stop_sig)
			break;
		if ((i & mask) == 0 && ((double)fl_clock_ns() / 1e9) - t0 >= o->case_s)
			break;
	}
	t1 = ((double)fl_clock_ns() / 1e9);
	m->secs = t1 - t0;
	m->ops = i + 1;
	m->records = m->ops * records;
	if (!sync_each) {
		if (fdatasync(fd) < 0)
			fl_die(EX_IOERR, "fdatasync %s", path);
		m->flush_secs = ((double)fl_clock_ns() / 1e9) - t1;
	}
	close(fd);
	unlink(path);
	m->done = 1;
	check_stop();
}

/*
 * Write and delete a throwaway file of the case's size, untimed, just
 * before a no-sync run.  On a VM with free page reporting (virtio-balloon)
 * memory left free for a couple of seconds goes back to the host, and
 * page-cache writes into it first-touch host memory: measured here at a
 * fifth of the speed of writes into memory freed a moment before.  Priming
 * gives raw and flume runs the same, recycled, memory.
 */
static void
prime(const uint8_t *chunk, size_t n, const struct opts *o)
{
	char path[PATH_MAX];
	uint64_t done;
	int fd;

	path_in(path, sizeof(path), "prime");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fl_die(EX_IOERR, "open %s", path);
	for (done = 0; done < o->case_bytes; done += n)
		if (write_all(fd, chunk, n) < 0)
			fl_die(EX_IOERR, "write %s", path);
	close(fd);
	unlink(path);
}

/* ---- flume appends ---- */

static void
plog_open(struct fl_plog *l, const char *dir)
{
	struct fl_plog_config cfg;
	struct fl_plog_recovery rec;
	struct fl_err err = { 0 };
	int rc;

	memset(l, 0, sizeof(*l));
	memset(&rec, 0, sizeof(rec));
	fl_plog_config_default(&cfg);
	rc = fl_plog_open(l, fl_vfs_real(), dir, &cfg, FL_PLOG_CREATE, fl_wall_ms(), &rec, &err);
	if (rc != 0)
		die_fl(rc, dir, &err);
	if (rec.cut_bytes != 0)
		fl_diex(EX_DATAERR, "%s: recovery cut %" PRIu64 " bytes of a cleanly closed log: %s",
		    dir, rec.cut_bytes, rec.reason);
}

/*
 * Append copies of t to a fresh partition, with fl_plog_sync after each
 * batch when sync_each.  One untimed append + sync first, so the one-time
 * leader-epoch-checkpoint write is not in the figure.
 */
static void
flume_append(const char *name, const struct batch_tmpl *t, int sync_each,
    const struct opts *o, struct meas *m)
{
	char dir[PATH_MAX];
	struct fl_plog l;
	uint8_t *buf = malloc(t->n);
	unsigned mask = sync_each ? 0 : 63;
	int64_t now = fl_wall_ms();
	uint64_t i, want_end;
	double t0, t1;
	int rc;

	if (buf == NULL)
		fl_die(EX_OSERR, "malloc");
	memcpy(buf, t->p, t->n);
	memset(m, 0, sizeof(*m));
	path_in(dir, sizeof(dir), name);
	plog_open(&l, dir);
	if ((rc = fl_plog_append(&l, buf, t->n, FL_PLOG_APPEND_ASSIGN, 0, now, NULL)) != 0)
		die_fl(rc, "fl_plog_append (warm-up)", NULL);
	if ((rc = fl_plog_sync(&l)) != 0)
		die_fl(rc, "fl_plog_sync (warm-up)", NULL);

	t0 = ((double)fl_clock_ns() / 1e9);
	for (i = 0;; i++) {
		rc = fl_plog_append(&l, buf, t->n, FL_PLOG_APPEND_ASSIGN, 0, now, NULL);
		if (rc != 0)
			die_fl(rc, "fl_plog_append", NULL);
		if (sync_each && (rc = fl_plog_sync(&l)) != 0)
			die_fl(rc, "fl_plog_sync", NULL);
		m->bytes += t->n;
		if (m->bytes >= o->case_bytes || stop_sig)
			break;
		if ((i & mask) == 0 && ((double)fl_clock_ns() / 1e9) - t0 >= o->case_s)
			break;
	}
	t1 = ((double)fl_clock_ns() / 1e9);
	m->secs = t1 - t0;
	m->ops = i + 1;
	m->records = m->ops * t->records;
	if (!sync_each) {
		if ((rc = fl_plog_sync(&l)) != 0)
			die_fl(rc, "fl_plog_sync", NULL);
		m->flush_secs = ((double)fl_clock_ns() / 1e9) - t1;
	}
	want_end = (m->ops + 1) * t->records;
	if (l.log_end != want_end || l.synced_end != want_end)
		fl_diex(EX_DATAERR, "%s: log_end %" PRIu64 " synced_end %" PRIu64
		    " after %" PRIu64 " records, want %" PRIu64,
		    dir, l.log_end, l.synced_end, want_end, want_end);
	if (fl_plog_bytes(&l) != (m->ops + 1) * t->n)
		fl_diex(EX_DATAERR, "%s: %" PRIu64 " log bytes, want %" PRIu64,
		    dir, fl_plog_bytes(&l), (uint64_t)((m->ops + 1) * t->n));
	fl_plog_close(&l);
	free(buf);
	rm_tree(dir);
	m->done = 1;
	check_stop();
}

/* ---- lookups ---- */

/*
 * Random fl_plog_read lookups; every answer must hold the offset and, as
 * the log is made of equal batches from offset 0, be whole batches on a
 * batch boundary.  Returns the number of wrong answers.
 */
static uint64_t
lookups(struct fl_plog *l, const struct batch_tmpl *t, uint64_t max_bytes,
    const struct opts *o, struct meas *m)
{
	uint64_t range = l->log_end - l->log_start, bad = 0, i;
	struct fl_plog_span sp;
	struct fl_rng rng;
	double t0;

	memset(m, 0, sizeof(*m));
	fl_rng_seed(&rng, LOOKUP_SEED);
	t0 = ((double)fl_clock_ns() / 1e9);
	for (i = 0; i < o->lookups_max; i++) {
		uint64_t off = l->log_start + fl_rng_below(&rng, range);
		uint64_t nb;
		int rc = fl_plog_read(l, off, l->log_end, max_bytes, &sp);

		if (rc != 0 || sp.first_offset > off || off >= sp.next_offset) {
			if (bad++ < 5)
				fl_warnx("lookup %" PRIu64 ": rc %d (%s) span [%" PRIu64 ", %" PRIu64 ")",
				    off, rc, fl_strerror(rc), sp.first_offset, sp.next_offset);
			continue;
		}
		nb = (sp.next_offset - sp.first_offset) / t->records;
		if (sp.first_offset % t->records != 0 ||
		    (sp.next_offset - sp.first_offset) % t->records != 0 ||
		    sp.len != nb * t->n || (max_bytes < t->n && nb != 1) ||
		    (max_bytes >= t->n && sp.len > max_bytes)) {
			if (bad++ < 5)
				fl_warnx("lookup %" PRIu64 ": span [%" PRIu64 ", %" PRIu64
				    ") of %" PRIu64 " bytes is not whole batches within %" PRIu64,
				    off, sp.first_offset, sp.next_offset, sp.len, max_bytes);
		}
		if ((i & 1023) == 1023 && (((double)fl_clock_ns() / 1e9) - t0 >= o->case_s || stop_sig)) {
			i++;
			break;
		}
	}
	m->secs = ((double)fl_clock_ns() / 1e9) - t0;
	m->ops = i;
	m->done = 1;
	check_stop();
	return bad;
}

/* Untimed: read the batch header at sampled spans and check its offsets. */
static uint64_t
verify_spans(struct fl_plog *l, const struct batch_tmpl *t, uint64_t *checked)
{
	uint64_t range = l->log_end - l->log_start, bad = 0;
	uint8_t hb[FL_BATCH_HDR_BYTES];
	struct fl_plog_span sp;
	struct fl_batch_hdr h;
	struct fl_rng rng;
	int i, rc;

	fl_rng_seed(&rng, LOOKUP_SEED ^ 0xabcdefull);
	for (i = 0; i < VERIFY_SAMPLES; i++) {
		uint64_t off = l->log_start + fl_rng_below(&rng, range);

		rc = fl_plog_read(l, off, l->log_end, 1, &sp);
		if (rc == 0)
			rc = fl_vfs_pread_full(sp.file, hb, sizeof(hb), sp.pos);
		if (rc == 0)
			rc = fl_batch_hdr_parse(hb, sizeof(hb), &h);
		if (rc != 0 || (uint64_t)h.base_offset != sp.first_offset ||
		    (uint64_t)fl_batch_last_offset(&h) + 1 != sp.next_offset ||
		    fl_batch_size(&h) != t->n || sp.len != t->n) {
			if (bad++ < 5)
				fl_warnx("offset %" PRIu64 ": span at byte %" PRIu64
				    " does not hold batch [%" PRIu64 ", %" PRIu64 ") (rc %d)",
				    off, sp.pos, sp.first_offset, sp.next_offset, rc);
		}
	}
	*checked = VERIFY_SAMPLES;
	return bad;
}

/* pread(2) of one batch header at random positions of the first segment. */
static void
raw_preads(const char *dir, const struct opts *o, struct meas *m)
{
	char path[PATH_MAX];
	uint8_t hb[FL_BATCH_HDR_BYTES];
	uint64_t i;
	struct fl_rng rng;
	struct stat st;
	double t0;
	int fd;

	memset(m, 0, sizeof(*m));
	fl_rng_seed(&rng, LOOKUP_SEED);
	if (fl_plog_seg_path(path, sizeof(path), dir, 0, ".log") != 0)
		fl_diex(EX_SOFTWARE, "segment path too long");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		fl_die(EX_IOERR, "%s", path);
	if ((uint64_t)st.st_size <= sizeof(hb))
		fl_diex(EX_DATAERR, "%s: only %jd bytes", path, (intmax_t)st.st_size);
	t0 = ((double)fl_clock_ns() / 1e9);
	for (i = 0; i < o->lookups_max; i++) {
		uint64_t pos = fl_rng_below(&rng, (uint64_t)st.st_size - sizeof(hb));

		if (pread(fd, hb, sizeof(hb), (off_t)pos) != (ssize_t)sizeof(hb))
			fl_die(EX_IOERR, "pread %s", path);
		if ((i & 1023) == 1023 && (((double)fl_clock_ns() / 1e9) - t0 >= o->case_s || stop_sig)) {
			i++;
			break;
		}
	}
	m->secs = ((double)fl_clock_ns() / 1e9) - t0;
	m->ops = i;
	m->bytes = i * sizeof(hb);
	m->done = 1;
	close(fd);
	check_stop();
}

static void
lookup_cases(const struct batch_tmpl *t, const struct opts *o, struct results *r)
{
	char dir[PATH_MAX];
	struct fl_plog l;
	int64_t now = fl_wall_ms();
	uint64_t nbatch = (o->lookup_records + t->records - 1) / t->records, i, bad;
	uint8_t *buf = malloc(t->n);
	double t0;
	int rc;

	if (buf == NULL)
		fl_die(EX_OSERR, "malloc");
	memcpy(buf, t->p, t->n);
	path_in(dir, sizeof(dir), "plog-lookup");
	plog_open(&l, dir);
	memset(&r->build, 0, sizeof(r->build));
	t0 = ((double)fl_clock_ns() / 1e9);
	for (i = 0; i < nbatch; i++) {
		rc = fl_plog_append(&l, buf, t->n, FL_PLOG_APPEND_ASSIGN, 0, now, NULL);
		if (rc != 0)
			die_fl(rc, "fl_plog_append (lookup log)", NULL);
		if ((i & 255) == 0)
			check_stop();
	}
	r->build.secs = ((double)fl_clock_ns() / 1e9) - t0;
	r->build.ops = nbatch;
	r->build.records = nbatch * t->records;
	r->build.bytes = nbatch * t->n;
	r->build.done = 1;
	t0 = ((double)fl_clock_ns() / 1e9);
	if ((rc = fl_plog_sync(&l)) != 0)
		die_fl(rc, "fl_plog_sync (lookup log)", NULL);
	r->build_sync_s = ((double)fl_clock_ns() / 1e9) - t0;
	fl_plog_close(&l);
	free(buf);

	/* Reopen: lookups run on what open loaded, as after a restart. */
	t0 = ((double)fl_clock_ns() / 1e9);
	plog_open(&l, dir);
	r->reopen_s = ((double)fl_clock_ns() / 1e9) - t0;
	r->lookup_log_end = l.log_end;
	r->lookup_log_bytes = fl_plog_bytes(&l);
	r->lookup_nseg = l.nseg;
	if (l.log_start != 0 || l.log_end != r->build.records)
		fl_diex(EX_DATAERR, "%s: reopened as [%" PRIu64 ", %" PRIu64 "), want [0, %" PRIu64 ")",
		    dir, l.log_start, l.log_end, r->build.records);

	bad = lookups(&l, t, 1, o, &r->look_one);
	bad += lookups(&l, t, FETCH_BYTES, o, &r->look_fetch);
	bad += verify_spans(&l, t, &r->verified);
	if (bad != 0)
		fl_diex(EX_DATAERR, "%" PRIu64 " lookups gave a wrong span", bad);
	raw_preads(dir, o, &r->raw_pread);
	fl_plog_close(&l);
	rm_tree(dir);
}

/* ---- reporting ---- */

/*
 * One case against the raw write of the same chunks (same) and, for no-sync
 * cases, against raw 1 MiB writes (mib, the buffered bandwidth; may be NULL).
 */
static void
print_row(FILE *f, int md, const char *name, const struct meas *m,
    const struct meas *same, const struct meas *mib)
{
	double mb = mb_s(m), smb = mb_s(same), bmb = mib ? mb_s(mib) : 0;
	double rs = smb > 0 ? trunc1(100.0 * mb / smb) : 0, rb = bmb > 0 ? trunc1(100.0 * mb / bmb) : 0;

	if (md && mib)
		fprintf(f, "| %s | %" PRIu64 " | %.3f | %" PRIu64 " | %.1f | %.1f | %.1f%% | %.1f | %.1f%% |\n",
		    name, m->records, m->secs, per_s(m->records, m->secs), trunc1(mb),
		    trunc1(smb), rs, trunc1(bmb), rb);
	else if (md)
		fprintf(f, "| %s | %" PRIu64 " | %.3f | %" PRIu64 " | %.1f | %.1f | %.1f%% | - | - |\n",
		    name, m->records, m->secs, per_s(m->records, m->secs), trunc1(mb),
		    trunc1(smb), rs);
	else if (mib)
		fprintf(f, "%-22s %11" PRIu64 " %8.1f %9.1f %7.1f%% %9.1f %7.1f%%\n",
		    name, per_s(m->records, m->secs), trunc1(mb), trunc1(smb), rs, trunc1(bmb), rb);
	else
		fprintf(f, "%-22s %11" PRIu64 " %8.1f %9.1f %7.1f%% %9s %8s\n",
		    name, per_s(m->records, m->secs), trunc1(mb), trunc1(smb), rs, "-", "-");
}

static const struct meas *
best_raw_mib(const struct results *r)
{
	const struct meas *b = &r->raw_mib[0];
	int i;

	for (i = 1; i < NOSYNC_REPS; i++)
		if (mb_s(&r->raw_mib[i]) > mb_s(b))
			b = &r->raw_mib[i];
	return b;
}

/* The figures, as a text table (md 0) or as the Markdown section (md 1). */
static void
report(FILE *f, int md, const struct opts *o, const struct machine *mc,
    const struct batch_tmpl *t, const struct results *r)
{
	const struct meas *mib = best_raw_mib(r);
	char name[64];
	double ratio1000 = mb_s(mib) > 0 ? mb_s(&r->fl_nosync[2]) / mb_s(mib) : 0;
	double lk_one = r->look_one.secs > 0 ? (double)r->look_one.ops / r->look_one.secs : 0;
	double lk_fetch = r->look_fetch.secs > 0 ? (double)r->look_fetch.ops / r->look_fetch.secs : 0;
	int i;

	if (md) {
		fprintf(f, "%s\n## Storage benchmark (`make bench-storage`)\n\n", MARK_BEGIN);
		fprintf(f, "- Date: %s\n- Machine: `%s`\n- CPU: %s (%ld online), RAM %.1f GiB\n",
		    mc->date, mc->uname, mc->cpu, mc->ncpu, trunc1((double)mc->mem_bytes / (1 << 30)));
		fprintf(f, "- Bench dir: `%s`: %s on %s, mounted at %s (%s)\n",
		    mc->dir, mc->fs_type, mc->fs_dev, mc->fs_mnt, mc->fs_opts);
		fprintf(f, "- flume: %s\n", o->rev ? o->rev : "unknown");
		fprintf(f, "- Records: %d-byte values, null key, no headers; batch sizes on disk:"
		    " %zu B (1 record), %zu B (16), %zu B (1000).\n",
		    VALUE_BYTES, t[0].n, t[1].n, t[2].n);
		fprintf(f, "- MB = 10^6 bytes of log (whole batches, framing included); flume and raw"
		    " baselines write the same bytes.  Bounds per case: %.1f s or %" PRIu64
		    " MiB.  No-sync cases (raw and flume): best of %d interleaved runs, each right"
		    " after an untimed write of the same size to a deleted file (prime() in"
		    " bench-storage.c: where idle memory goes back to the host, first-touch page"
		    " cache is several times slower), the final fdatasync not counted.  Fsync"
		    " cases: raw and flume alternate in %d rounds with a third of the bounds"
		    " each, summed.  Rates are truncated, not"
		    " rounded.\n\n", o->case_s, o->case_bytes >> 20, NOSYNC_REPS, SYNC_ROUNDS);
		fprintf(f, "Each case against the raw write(2) of the same chunks (one batch per"
		    " write, with fdatasync after each for +fsync cases) and, without fsync,"
		    " against raw 1 MiB writes (the buffered write bandwidth of the target):\n\n");
		fprintf(f, "| case | records | s | records/s | MB/s | raw same chunks MB/s | ratio"
		    " | raw 1 MiB MB/s | ratio |\n");
		fprintf(f, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	} else {
		fprintf(f, "\n%-22s %11s %8s %9s %8s %9s %8s\n", "case", "records/s", "MB/s",
		    "raw same", "ratio", "raw 1MiB", "ratio");
	}
	for (i = 0; i < NSIZES; i++) {
		snprintf(name, sizeof(name), "append %" PRIu32 "/batch", batch_records[i]);
		print_row(f, md, name, &r->fl_nosync[i], &r->raw_same[i], mib);
	}
	for (i = 0; i < NSIZES; i++) {
		snprintf(name, sizeof(name), "append %" PRIu32 "/batch+fsync", batch_records[i]);
		print_row(f, md, name, &r->fl_sync[i], &r->raw_sync[i], NULL);
	}
	snprintf(name, sizeof(name), "build lookup log");
	print_row(f, md, name, &r->build, &r->raw_same[NSIZES - 1], mib);

	if (md) {
		fprintf(f, "\nThe build row is the single, unprimed run that appends the lookup log's"
		    " %" PRIu64 " records; it includes %zu segment roll(s), each of which"
		    " fdatasyncs the sealed segment.  Spread of the %d no-sync runs (slowest and"
		    " fastest, MB/s):\n\n| case | flume | raw same chunks |\n|---|---:|---:|\n",
		    r->build.records, r->lookup_nseg > 0 ? r->lookup_nseg - 1 : 0, NOSYNC_REPS);
		for (i = 0; i < NSIZES; i++)
			fprintf(f, "| append %" PRIu32 "/batch | %.1f - %.1f | %.1f - %.1f |\n",
			    batch_records[i], trunc1(r->fl_nosync_min[i]), trunc1(mb_s(&r->fl_nosync[i])),
			    trunc1(r->raw_same_min[i]), trunc1(mb_s(&r->raw_same[i])));
	} else {
		for (i = 0; i < NSIZES; i++)
			fprintf(f, "%s%" PRIu32 "/batch no-sync spread over %d runs, MB/s: flume"
			    " %.1f - %.1f, raw same chunks %.1f - %.1f\n", i ? "" : "\n",
			    batch_records[i], NOSYNC_REPS, trunc1(r->fl_nosync_min[i]),
			    trunc1(mb_s(&r->fl_nosync[i])), trunc1(r->raw_same_min[i]),
			    trunc1(mb_s(&r->raw_same[i])));
	}
	if (md)
		fprintf(f, "\nRaw baselines of the same disk, same run:\n\n"
		    "| raw case | writes | s | writes/s | MB/s | final fdatasync s |\n"
		    "|---|---:|---:|---:|---:|---:|\n");
	else
		fprintf(f, "\n%-40s %10s %9s %9s %9s\n", "raw baseline", "writes/s", "MB/s",
		    "secs", "flush s");
	for (i = 0; i < NOSYNC_REPS + 2 * NSIZES; i++) {
		const struct meas *m;

		if (i < NOSYNC_REPS) {
			m = &r->raw_mib[i];
			snprintf(name, sizeof(name), "write 1 MiB, no sync (run %d)", i + 1);
		} else if (i < NOSYNC_REPS + NSIZES) {
			m = &r->raw_same[i - NOSYNC_REPS];
			snprintf(name, sizeof(name), "write %zu B, no sync (best)", t[i - NOSYNC_REPS].n);
		} else {
			m = &r->raw_sync[i - NOSYNC_REPS - NSIZES];
			snprintf(name, sizeof(name), "write %zu B + fdatasync",
			    t[i - NOSYNC_REPS - NSIZES].n);
		}
		if (md)
			fprintf(f, "| %s | %" PRIu64 " | %.3f | %" PRIu64 " | %.1f | %.3f |\n", name,
			    m->ops, m->secs, per_s(m->ops, m->secs), trunc1(mb_s(m)), m->flush_secs);
		else
			fprintf(f, "%-40s %10" PRIu64 " %9.1f %9.3f %9.3f\n", name,
			    per_s(m->ops, m->secs), trunc1(mb_s(m)), m->secs, m->flush_secs);
	}

	if (md) {
		fprintf(f, "\nRandom lookups (fixed seed %#" PRIx64 ") in a %" PRIu64 "-record log of"
		    " 1000-record batches (%" PRIu64 " bytes, %zu segments; built in %.3f s, synced in"
		    " %.3f s, reopened in %.3f s), page cache warm; every answer checked, and %" PRIu64
		    " sampled spans read back:\n\n",
		    (uint64_t)LOOKUP_SEED, r->lookup_log_end, r->lookup_log_bytes, r->lookup_nseg,
		    r->build.secs, r->build_sync_s, r->reopen_s, r->verified);
		fprintf(f, "| lookup case | lookups | s | lookups/s |\n|---|---:|---:|---:|\n");
		fprintf(f, "| fl_plog_read, max_bytes 1 (one batch) | %" PRIu64 " | %.3f | %" PRIu64 " |\n",
		    r->look_one.ops, r->look_one.secs, per_s(r->look_one.ops, r->look_one.secs));
		fprintf(f, "| fl_plog_read, max_bytes 1 MiB (fetch-sized) | %" PRIu64 " | %.3f | %" PRIu64 " |\n",
		    r->look_fetch.ops, r->look_fetch.secs, per_s(r->look_fetch.ops, r->look_fetch.secs));
		fprintf(f, "| raw pread(61 B) at random positions (floor) | %" PRIu64 " | %.3f | %" PRIu64 " |\n",
		    r->raw_pread.ops, r->raw_pread.secs, per_s(r->raw_pread.ops, r->raw_pread.secs));
		fprintf(f, "\nTargets: 1000-record batches without fsync at >= 80%% of the raw buffered"
		    " write bandwidth: %.1f%%, %s.  Random lookups >= 500,000/s: %" PRIu64
		    "/s (max_bytes 1) %s, %" PRIu64 "/s (max_bytes 1 MiB) %s.\n%s\n",
		    trunc1(100 * ratio1000), ratio1000 >= TARGET_RATIO ? "met" : "NOT met",
		    per_s(r->look_one.ops, r->look_one.secs), lk_one >= TARGET_LOOKUPS ? "met" : "NOT met",
		    per_s(r->look_fetch.ops, r->look_fetch.secs), lk_fetch >= TARGET_LOOKUPS ? "met" : "NOT met",
		    MARK_END);
	} else {
		snprintf(name, sizeof(name), "lookups, %" PRIu64 "-record log", r->lookup_log_end);
		fprintf(f, "\n%-40s %10s %9s\n", name, "lookups/s", "secs");
		fprintf(f, "%-40s %10" PRIu64 " %9.3f\n", "fl_plog_read max_bytes 1",
		    per_s(r->look_one.ops, r->look_one.secs), r->look_one.secs);
		fprintf(f, "%-40s %10" PRIu64 " %9.3f\n", "fl_plog_read max_bytes 1 MiB",
		    per_s(r->look_fetch.ops, r->look_fetch.secs), r->look_fetch.secs);
		fprintf(f, "%-40s %10" PRIu64 " %9.3f\n", "raw pread 61 B (floor)",
		    per_s(r->raw_pread.ops, r->raw_pread.secs), r->raw_pread.secs);
		fprintf(f, "\ntarget 1000/batch no fsync >= 80%% of raw buffered: %.1f%% %s\n",
		    trunc1(100 * ratio1000), ratio1000 >= TARGET_RATIO ? "met" : "NOT met");
		fprintf(f, "target lookups >= 500000/s: %" PRIu64 " %s (max_bytes 1), %" PRIu64
		    " %s (max_bytes 1 MiB)\n",
		    per_s(r->look_one.ops, r->look_one.secs), lk_one >= TARGET_LOOKUPS ? "met" : "NOT met",
		    per_s(r->look_fetch.ops, r->look_fetch.secs), lk_fetch >= TARGET_LOOKUPS ? "met" : "NOT met");
	}
}

/* Replace the marked section of path (or add it) with section; atomically. */
static void
update_results(const char *path, const char *section)
{
	char tmp[PATH_MAX];
	char *old = NULL, *b = NULL, *e = NULL;
	size_t oldlen = 0;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		FILE *m = open_memstream(&old, &oldlen);
		char chunk[4096];
		size_t n;

		if (m == NULL)
			fl_die(EX_OSERR, "open_memstream");
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		if (ferror(f))
			fl_die(EX_IOERR, "read %s", path);
		fclose(f);
		fclose(m);
		b = strstr(old, MARK_BEGIN);
		e = b ? strstr(b, MARK_END) : NULL;
	} else if (errno != ENOENT) {
		fl_die(EX_IOERR, "open %s", path);
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		fl_diex(EX_SOFTWARE, "path too long: %s", path);
	if ((f = fopen(tmp, "w")) == NULL)
		fl_die(EX_CANTCREAT, "%s", tmp);
	if (old == NULL) {
		fprintf(f, "# flume benchmark results\n\n%s", section);
	} else if (b != NULL && e != NULL) {
		e += strlen(MARK_END);
		if (*e == '\n')
			e++;
		fwrite(old, 1, (size_t)(b - old), f);
		fputs(section, f);
		fputs(e, f);
	} else {
		fputs(old, f);
		if (oldlen > 0 && old[oldlen - 1] != '\n')
			fputc('\n', f);
		fputc('\n', f);
		fputs(section, f);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
		fl_die(EX_IOERR, "write %s", tmp);
	if (rename(tmp, path) < 0)
		fl_die(EX_IOERR, "rename %s", tmp);
	free(old);
}

/* ---- main ---- */

static void
usage(FILE *f, int ex)
{
	fprintf(f, "usage: bench-storage [-f] [-d dir] [-o results.md] [-r rev] [-t secs]"
	    " [-b MiB] [-n records]\n"
	    "  -d dir         make the scratch directory under dir (bench/out)\n"
	    "  -o file        replace the bench-storage section of this Markdown file\n"
	    "  -r rev         flume revision to record\n"
	    "  -t secs        time bound per case (3)\n"
	    "  -b MiB         byte bound per append case (512)\n"
	    "  -n records     records in the lookup log (10000000)\n"
	    "  -f             run even if dir is on tmpfs or ramfs\n");
	exit(ex);
}

static uint64_t
parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || s[0] == '-')
		fl_diex(EX_USAGE, "bad %s: %s", what, s);
	return (uint64_t)v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { "bench/out", NULL, NULL, 3.0, 512u << 20, 10000000, 10000000, 0 }, so;
	static struct machine mc;
	static struct results r;
	struct batch_tmpl t[NSIZES];
	struct statfs sfs;
	struct sigaction sa;
	struct fl_rng rng;
	uint8_t *chunk;
	char name[64], *section = NULL;
	size_t seclen = 0, i;
	int c, rep, made_dir = 0;

	fl_diag_init("bench-storage");
	while ((c = getopt_long(argc, argv, "b:d:fhn:o:r:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.case_bytes = parse_u64(optarg, "MiB") << 20; break;
		case 'd': o.dir = optarg; break;
		case 'f': o.force = 1; break;
		case 'h': usage(stdout, 0); break;
		case 'n': o.lookup_records = parse_u64(optarg, "record count"); break;
		case 'o': o.results = optarg; break;
		case 'r': o.rev = optarg; break;
		case 't': o.case_s = (double)parse_u64(optarg, "seconds"); break;
		default: usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "libsodium will not start");

	if (mkdir(o.dir, 0755) == 0)
		made_dir = 1;
	else if (errno != EEXIST)
		fl_die(EX_CANTCREAT, "mkdir %s", o.dir);
	if (realpath(o.dir, mc.dir) == NULL)
		fl_die(EX_IOERR, "%s", o.dir);
	if (statfs(mc.dir, &sfs) < 0)
		fl_die(EX_IOERR, "statfs %s", mc.dir);
	/* 0x01021994 TMPFS_MAGIC, 0x858458f6 RAMFS_MAGIC: page cache, no disk */
	if (!o.force && ((unsigned long)sfs.f_type == 0x01021994ul ||
	    (unsigned long)sfs.f_type == 0x858458f6ul))
		fl_diex(EX_USAGE, "%s is on tmpfs/ramfs, which measures no disk; use -d or -f", mc.dir);
	describe_machine(&mc);

	if (snprintf(scratch, sizeof(scratch), "%s/bench-storage.XXXXXX", mc.dir) >= (int)sizeof(scratch))
		fl_diex(EX_USAGE, "path too long: %s", mc.dir);
	if (mkdtemp(scratch) == NULL) {
		scratch[0] = '\0';
		fl_die(EX_CANTCREAT, "mkdtemp under %s", mc.dir);
	}
	atexit(cleanup);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	fprintf(stderr, "bench-storage: %s (%s on %s), %s\n", scratch, mc.fs_type, mc.fs_dev, mc.cpu);
	fl_rng_seed(&rng, 1);
	for (i = 0; i < NSIZES; i++)
		build_batch(&t[i], batch_records[i], fl_wall_ms(), &rng);
	/* 1 MiB of real batch bytes for the raw bandwidth baseline */
	if ((chunk = malloc(RAW_CHUNK_BYTES)) == NULL)
		fl_die(EX_OSERR, "malloc");
	for (i = 0; i < RAW_CHUNK_BYTES; i += t[2].n)
		memcpy(chunk + i, t[2].p, RAW_CHUNK_BYTES - i < t[2].n ? RAW_CHUNK_BYTES - i : t[2].n);

	/* No-sync cases: raw and flume interleaved, best of NOSYNC_REPS. */
	for (rep = 0; rep < NOSYNC_REPS; rep++) {
		fprintf(stderr, "bench-storage: no-sync run %d/%d\n", rep + 1, NOSYNC_REPS);
		settle();
		prime(chunk, RAW_CHUNK_BYTES, &o);
		raw_write("raw-mib", chunk, RAW_CHUNK_BYTES, 0, 0, &o, &r.raw_mib[rep]);
		for (i = 0; i < NSIZES; i++) {
			struct meas m;

			settle();
			prime(chunk, RAW_CHUNK_BYTES, &o);
			raw_write("raw-same", t[i].p, t[i].n, t[i].records, 0, &o, &m);
			keep_best(&r.raw_same[i], &r.raw_same_min[i], &m);
			settle();
			prime(chunk, RAW_CHUNK_BYTES, &o);
			snprintf(name, sizeof(name), "plog-b%" PRIu32, t[i].records);
			flume_append(name, &t[i], 0, &o, &m);
			keep_best(&r.fl_nosync[i], &r.fl_nosync_min[i], &m);
		}
	}
	/*
	 * fsync per batch: raw and flume alternate in SYNC_ROUNDS rounds, each
	 * with a share of the bounds, and the rounds add up; so a slow spell
	 * of the disk does not land on one side only.
	 */
	so = o;
	so.case_s = o.case_s / SYNC_ROUNDS;
	so.case_bytes = o.case_bytes / SYNC_ROUNDS;
	for (i = 0; i < NSIZES; i++) {
		fprintf(stderr, "bench-storage: fsync per %" PRIu32 "-record batch\n", t[i].records);
		snprintf(name, sizeof(name), "plog-sync-b%" PRIu32, t[i].records);
		for (rep = 0; rep < SYNC_ROUNDS; rep++) {
			struct meas m;

			settle();
			raw_write("raw-sync", t[i].p, t[i].n, t[i].records, 1, &so, &m);
			add_meas(&r.raw_sync[i], &m);
			settle();
			flume_append(name, &t[i], 1, &so, &m);
			add_meas(&r.fl_sync[i], &m);
		}
	}
	fprintf(stderr, "bench-storage: lookups in a %" PRIu64 "-record log\n", o.lookup_records);
	settle();
	lookup_cases(&t[2], &o, &r);

	report(stdout, 0, &o, &mc, t, &r);
	if (o.results != NULL) {
		FILE *m = open_memstream(&section, &seclen);

		if (m == NULL)
			fl_die(EX_OSERR, "open_memstream");
		report(m, 1, &o, &mc, t, &r);
		if (fclose(m) != 0)
			fl_die(EX_OSERR, "open_memstream");
		update_results(o.results, section);
		fprintf(stderr, "bench-storage: wrote %s\n", o.results);
		free(section);
	}
	cleanup();
	if (made_dir)
		rmdir(mc.dir);	/* fails, harmlessly, if another run is using it */
	for (i = 0; i < NSIZES; i++)
		free(t[i].p);
	free(chunk);
	return 0;
}
